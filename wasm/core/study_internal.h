/*
 * study_internal.h - the parsed study and its measurement layout, shared by
 * study.c (parsing), study_circuit.c (the circuit and answer encoding),
 * study_result.c (statistics), study_check.c (rows from elsewhere) and
 * study_plan.c (the plan in words). Not part of the API.
 */
#ifndef MPC_STUDY_INTERNAL_H
#define MPC_STUDY_INTERNAL_H

#include "buf.h"
#include "circuit.h"
#include "hpke.h"
#include "study.h"

#define STUDY_SIGN_KEY_SIZE 65
#define STUDY_SIG_SIZE 64

/* Analysis statistics (bit set). */
enum {
    STAT_COUNT = 1u << 0,
    STAT_SUM = 1u << 1,
    STAT_MEAN = 1u << 2,
    STAT_STDDEV = 1u << 3,
    STAT_HISTOGRAM = 1u << 4,
    STAT_SHARE_POSITIVE = 1u << 5,
    STAT_MEDIAN = 1u << 6,
    STAT_QUARTILES = 1u << 7,
    STAT_BANDS = 1u << 8 /* quartile_bands */
};
#define STAT_QUANTILES (STAT_MEDIAN | STAT_QUARTILES)
/* The statistics that need the value's grid cell in each group. */
#define STAT_GRID (STAT_QUANTILES | STAT_BANDS)

/* A reference to a value of the encoded measurement: a wire, or (with
 * REF_U set) range-checked value number (ref & ~REF_U): for a field's
 * index, the offset value u = v - min of that integer field (0 for other
 * fields); past the fields, a slack of the circuit's relations. Each is a
 * linear combination of its bits. */
#define REF_U 0x80000000u
/* Range-checked values: one per field, and the slacks (two per tie of a
 * one-hot vector to a value, below). */
#define STUDY_MAX_VALUES (STUDY_MAX_FIELDS + 2 * STUDY_MAX_ANALYSES)

typedef struct study_value {
    uint32_t wire; /* its first bit */
    uint64_t max;  /* it lies in [0, max]; bit_length(max) bits */
} study_value;

/* A linear relation of the circuit, one of its outputs that must be zero:
 * sum of coef * value over its terms, plus `constant` (divided among the
 * shares). A one-hot vector's is its sum minus one. */
typedef struct study_term {
    felem coef;
    uint32_t ref;
} study_term;

typedef struct study_relation {
    size_t first, len; /* its terms */
    felem constant;
} study_relation;

typedef struct study_field {
    const char *name, *label; /* point into the cJSON document */
    study_field_type type;
    size_t num_choices; /* choice: choices; boolean: 2 (false, true) */
    const char *choices[STUDY_MAX_CHOICES];
    int64_t min, max; /* integer */
    uint32_t wire;    /* first wire: one-hot (choice/boolean) or bits */
    uint32_t wires;   /* number of wires */
} study_field;

typedef struct study_analysis {
    const char *name;
    int of; /* integer field, or -1 */
    size_t num_by;
    int by[STUDY_MAX_BY];
    unsigned stats;
    int gap_ref; /* choice index of by[0], or -1 */
    size_t num_bins;
    int64_t bins[STUDY_MAX_BINS];
    size_t cells; /* product of the by fields' sizes (1 without by) */
    /* median, quartiles: the grid (docs/STUDY.md): its cells' lowest
     * values, increasing from the field's min (grid cell k holds
     * grid_edges[k] .. grid_edges[k + 1] - 1, the last up to the max), and
     * how it was declared: a step (grid_percent 0), or grid_percent apart
     * from grid_from. */
    int64_t *grid_edges;
    size_t grid_cells;
    int64_t grid_step, grid_from, grid_percent;
    int quantiles_positive; /* "quantiles_among": "positive" */
    /* quartile_bands: the analysis of the quartiles of everyone (no "by")
     * of the same field on the same grid, whose quartiles are the bands'
     * limits. */
    size_t band_ref;
    /* Layout. */
    uint32_t cell_wire; /* cells' one-hot wires (num_by >= 1) */
    uint32_t bin_wire;  /* histogram: the bin's one-hot wires */
    uint32_t hist_wire; /* histogram: cells x bins one-hot */
    uint32_t sum_wire;  /* cell * u (num_by >= 1) */
    uint32_t sq_wire;   /* cell * u * u */
    size_t bin_meas;    /* histogram: index of the bin in the measurement */
    uint32_t bin_slack; /* histogram: the value numbers of the bin's two slacks */
    /* share_positive: the one-hot (not positive, positive) of the value,
     * its index in the measurement, its tie's slacks, cell x positive. */
    uint32_t pos_wire, pos_slack, pos_cell_wire;
    size_t pos_meas;
    /* median, quartiles: the value's grid cell (one-hot), its index in the
     * measurement, its tie's slacks, cell x grid cell. */
    uint32_t grid_wire, grid_slack, grid_cell_wire;
    size_t grid_meas;
    size_t out_count, out_sum, out_sq, out_hist, out_pos, out_grid; /* offsets, or SIZE_MAX */
} study_analysis;

/* Room for a statistic's name: "histogram[LO;HI)". */
#define STUDY_STAT_SIZE 96

/* The indicators (study_indicators.c): tables of some statistics of one
 * analysis under a section's heading. */
typedef struct study_table {
    size_t analysis;
    const char *label;               /* or NULL; points into the document */
    uint8_t shown[STUDY_CELL_STATS]; /* per column of the analysis's cells */
} study_table;

typedef struct study_section {
    const char *heading;
    size_t num_tables;
    study_table tables[STUDY_MAX_TABLES];
} study_section;

/* One constraint of the circuit: a * b = c (c == NO_WIRE: a * (a - 1) = 0,
 * a bit). */
#define NO_WIRE 0xFFFFFFFFu
typedef struct study_constraint {
    uint32_t a, b, c;
} study_constraint;

struct study {
    cJSON *doc;
    uint8_t hash[STUDY_HASH_SIZE];
    int sealed;
    const char *id, *title;
    int access_open;
    uint64_t min_submissions, min_cell_count;

    size_t num_fields;
    study_field fields[STUDY_MAX_FIELDS];
    size_t num_analyses;
    study_analysis analyses[STUDY_MAX_ANALYSES];

    unsigned num_parties;
    const char *party_name[STUDY_MAX_PARTIES], *party_url[STUDY_MAX_PARTIES];
    uint8_t party_hpke[STUDY_MAX_PARTIES][HPKE_NPK];
    uint8_t party_sign[STUDY_MAX_PARTIES][STUDY_SIGN_KEY_SIZE];
    int has_organizer, has_signature;
    uint8_t organizer[STUDY_SIGN_KEY_SIZE];
    uint8_t signature[STUDY_SIG_SIZE];

    const char *indicators_title; /* NULL without indicators */
    size_t num_sections;
    study_section sections[STUDY_MAX_SECTIONS];

    /* The measurement layout (study_circuit.c). */
    size_t meas_count;
    uint32_t num_wires;
    size_t num_constraints;
    study_constraint *constraints;
    size_t num_values; /* range-checked values: the fields', then slacks */
    study_value values[STUDY_MAX_VALUES];
    size_t num_relations, num_terms;
    study_relation *relations;
    study_term *terms;
    size_t output_len;
    uint32_t *outputs; /* a reference per output element */
    circuit circ;
    prio3 *vdaf;
};

/* Builds the layout, circuit and Prio3 instance of a parsed study. */
CORE_MUST_CHECK core_err study_compile(study *s, char *err, size_t err_size);
void study_layout_free(study *s);

/* Sets every product wire of the encoded measurement w from the wires
 * it is the product of (the encoder's last step). */
void study_fill_products(const study *s, felem *w);

/* The contributors of cell c a median or quartiles is taken among: the
 * cell's, or (quantiles_among "positive") those whose value is above 0. */
uint64_t study_quantile_count(const study *s, const study_analysis *a, const core_u128 *agg,
                              uint64_t num_reports, size_t c);

/* The binary search's steps over k grid cells (k >= 1): ceil(log2 k)
 * (study_search.c). */
size_t study_search_steps_for(size_t k);

/* Whether analyses x and a have a grid of the same field with the same
 * edges. */
int study_grids_equal(const study_analysis *x, const study_analysis *a);

/* The grid cell of value v (within the field's bounds) of a median or
 * quartiles. */
size_t study_grid_cell(const study_analysis *a, int64_t v);

/* Bin of value v (>= bins[0]) in an analysis. */
size_t study_bin_of(const study_analysis *a, int64_t v);

/* The parts of a cell that are units of release of their own (study.h,
 * "the release model"): its histogram bins (a->num_bins, 0 without a
 * histogram), then with share_positive its contributors whose value is
 * not positive and those whose value is. */
size_t study_cell_parts(const study_analysis *a);
#define STUDY_PART_NOT_POSITIVE(a) ((a)->num_bins)
#define STUDY_PART_POSITIVE(a) ((a)->num_bins + 1)

/* The values [lo, hi] of field a->of that part p of a cell holds, within
 * the field's bounds (hi < lo: none). */
void study_part_interval(const study *s, const study_analysis *a, size_t p, int64_t *lo,
                         int64_t *hi);

/* The contributors of part p of cell c (from the counts). */
uint64_t study_part_count(const study *s, const study_analysis *a, const core_u128 *agg,
                          uint64_t num_reports, size_t c, size_t p);

/* snprintf into err (always terminated; err may be NULL). */
/* The rows of each cell of analysis a (spec: its object in the study
 * file), in study_result's order: their statistics' names. Returns how
 * many. */
size_t study_cell_stat_names(const study_analysis *a, const cJSON *spec,
                             char names[STUDY_CELL_STATS][STUDY_STAT_SIZE]);

/* Reads and checks the study's indicators (docs/STUDY.md), once its
 * analyses are loaded. */
CORE_MUST_CHECK core_err study_load_indicators(study *s, char *err, size_t err_size);

/* The rows a statistic of the study file makes in a cell, in order: its
 * name, or the histogram's bins, or quartiles' quartile_1, median,
 * quartile_3. Returns how many (at most STUDY_MAX_BINS). */
size_t study_stat_rows(const study_analysis *a, const char *stat,
                       char names[][STUDY_STAT_SIZE]);

/* The choice indices of cell c of a (row-major, first field slowest). */
void study_cell_choices(const study *s, const study_analysis *a, size_t c,
                        size_t idx[STUDY_MAX_BY]);

/* "field=label;field=label" of cell c, whole: labels are never cut
 * (docs/HARDENING.md). 0, or -1 without memory. */
int study_group_name(const study *s, const study_analysis *a, size_t c, buf *out);

/* The contributors of cell c of a: its count, or its bins' total, or
 * num_reports without "by". */
uint64_t study_cell_count(const study *s, const study_analysis *a, const core_u128 *agg,
                          uint64_t num_reports, size_t c);

/* The first unit of analysis i (study_model.c). */
size_t study_unit_base(const study *s, size_t i);

/* The number of finest cells of s (study.h, "the release model"), or
 * SIZE_MAX if it does not fit. */
size_t study_finest_count(const study *s);

/* "histogram[LO;HI)" of bin b ("histogram[LO;)" for the last). */
void study_bin_name(const study_analysis *a, size_t b, char *out, size_t size);

void study_errf(char *err, size_t err_size, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
