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
 * one-hot vector to a value, below); in an organization study, the
 * employer's table and its slacks. */
typedef struct study_value {
    uint32_t wire;  /* its first bit */
    field_u128 max; /* it lies in [0, max]; bit_length(max) bits */
} study_value;

/* An organization study's encoding, step by step (study_circuit.c): a
 * value of the employer's table (value a = table entry b), a presence bit
 * (wire a = 1 if value b is not 0), a product (constraint a), or a slack
 * (value a = relation b without its own term, whose coefficient is -1). */
enum { STEP_INPUT, STEP_PRESENCE, STEP_PRODUCT, STEP_SLACK };
typedef struct study_step {
    uint32_t kind, a, b;
} study_step;

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
    /* Organization studies: the employers present in each cell (output
     * offset), and the analysis's part of the employer's table: from
     * table_first, one record of table_stride entries per cell: its
     * count, then (with `of`) the sum of u, (with stddev) the sum of u^2,
     * then the counts of the histogram's bins, of not positive and
     * positive, of the grid's cells (at these offsets, or SIZE_MAX). */
    size_t out_presence;
    size_t table_first, table_stride, table_sum, table_sq, table_vec[3];
    /* Its presence bits (a wire per cell), the value numbers of cell 0's
     * count (cell c's: + c x value_stride) and the offsets from it of
     * the sum, the sum of squares and the first part count of each
     * vector (STUDY_VEC_*). */
    uint32_t presence_wire, table_value, value_stride, value_sum, value_sq, value_vec[3];
    /* The earlier analysis whose grid counts this one's are (the same
     * field, grid and groups), or -1. */
    int grid_counts_of;
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
    /* "access": "organization": one report per employer, its table of
     * at most max_rows people (docs/STUDY.md, "Organizations"). */
    int organization;
    uint64_t max_rows, min_contributors;
    size_t row_meas_count; /* one row's encoding (meas_count without organization) */
    size_t out_people;     /* organization: the output of the employer's people */
    size_t table_people;   /* and its entry in the table */
    size_t num_steps;
    study_step *steps;

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
    study_value *values;
    size_t num_relations, num_terms;
    study_relation *relations;
    study_term *terms;
    size_t output_len;
    uint32_t *outputs; /* a reference per output element */
    circuit circ;
    prio3 *vdaf;
};

/* ---- the layout's builder (study_circuit.c) ----------------------------- */

typedef struct builder {
    study *s;
    /* The study's constraint, relation, term, value and step lists as
     * they grow (the study owns their memory: s->constraints is cons.p). */
    buf cons, rels, terms, vals, steps;
    /* Cell vectors built so far (by-prefix -> first wire). */
    size_t num_memo;
    struct {
        size_t n;
        int by[STUDY_MAX_BY];
        uint32_t wire;
        size_t cells;
    } memo[STUDY_MAX_ANALYSES * STUDY_MAX_BY];
} builder;

/* Each fails with CORE_ELIMIT past the limits, or CORE_ENOMEM. */
/* n new wires (their first in *first). */
CORE_MUST_CHECK core_err study_new_wires(study *s, size_t n, uint32_t *first);
/* The constraint a * bb = c (c NO_WIRE: a is a bit); n bits from first. */
CORE_MUST_CHECK core_err study_add_constraint(builder *b, uint32_t a, uint32_t bb, uint32_t c);
CORE_MUST_CHECK core_err study_add_bits(builder *b, uint32_t first, size_t n);
/* A relation with constant c; study_add_term adds its terms. */
CORE_MUST_CHECK core_err study_add_relation(builder *b, int64_t c);
CORE_MUST_CHECK core_err study_add_term(builder *b, int64_t coef, uint32_t ref);
/* A new range-checked value in [0, max] (its number in *index). */
CORE_MUST_CHECK core_err study_add_value(builder *b, field_u128 max, uint32_t *index);
/* Products first[i * m + j] = x[i] * y[j] (y REF_U: m = 1, that value). */
CORE_MUST_CHECK core_err study_add_products(builder *b, uint32_t x, size_t n, uint32_t y, size_t m,
                                            uint32_t *first);

/* The interval [lo, hi] of u = value - min that entry j of an analysis's
 * histogram bins, (not positive, positive) or grid cells holds (hi < lo:
 * none). */
enum { STUDY_VEC_BINS, STUDY_VEC_POSITIVE, STUDY_VEC_GRID };
void study_vector_interval(const study *s, const study_analysis *a, int vec, size_t j, int64_t *lo,
                           int64_t *hi);

/* An organization study's layout (study_org.c), its encoding, its
 * forgeries. */
CORE_MUST_CHECK core_err study_org_layout(builder *b);
CORE_MUST_CHECK core_err study_org_encode(const study *s, const uint64_t *table, felem *out);
CORE_MUST_CHECK core_err study_org_forged(const study *s, const uint64_t *table, study_forgery kind,
                                          felem *out, char *err, size_t err_size);

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
size_t study_stat_rows(const study_analysis *a, const char *stat, char names[][STUDY_STAT_SIZE]);

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

/* The employers in cell c of a (part: STUDY_NO_BIN, or one of
 * study_cell_parts) of an organization study; n (its contributors)
 * otherwise. */
uint64_t study_cell_employers(const study *s, const study_analysis *a, const core_u128 *agg,
                              uint64_t n, size_t c, size_t part);

/* The _study rows' statistics: submissions_accepted, submissions_rejected
 * and (organization studies) people. Returns how many. */
size_t study_summary_stats(const study *s, const char *names[3]);

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
