/*
 * study.h - the study file (mpc-study/1, docs/STUDY.md) and its compiler:
 * parsing and validation (schema/study.schema.json plus the semantic rules
 * a schema cannot say), the canonical hash, the Prio3 instance that carries
 * one answer (the study circuit, study_circuit.c), the encoding of one
 * answer, the binding of a submission (VDAF ctx, HPKE info and aad), and
 * the decoding of an aggregate into each analysis's statistics
 * (study_result.c), the check of rows received from elsewhere
 * (study_check.c) and the plan in words (study_plan.c).
 *
 * A study handle is immutable after study_parse() and may be shared
 * between threads. Every function that can fail on user input writes a
 * one-line English message into err (always NUL-terminated) naming the
 * field and the rule broken.
 */
#ifndef MPC_STUDY_H
#define MPC_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core.h"
#include "prio3.h"

#define STUDY_FORMAT "mpc-study/1"
#define STUDY_HASH_SIZE 32
#define STUDY_REPORT_ID_SIZE PRIO3_NONCE_SIZE
#define STUDY_TOKEN_ID_SIZE 16
/* Limits (the schema states them too). */
#define STUDY_MAX_JSON ((size_t)1 << 20) /* bytes of a study file */
#define STUDY_MAX_FIELDS 32
#define STUDY_MAX_ANALYSES 32
#define STUDY_MAX_BY 4
#define STUDY_MAX_CHOICES 64
#define STUDY_MAX_BINS 64
#define STUDY_MAX_GRID 4096    /* grid cells of a median's or quartiles' field */
#define STUDY_MAX_CELLS 10000  /* cells (times bins) of one analysis */
#define STUDY_MAX_WIRES 200000 /* encoded measurement length */
#define STUDY_MAX_ABS ((int64_t)1 << 50)
#define STUDY_MAX_RANGE (((int64_t)1 << 40) - 1) /* max - min of an integer field */
#define STUDY_MIN_PARTIES 2
#define STUDY_MAX_PARTIES 10
#define STUDY_MAX_SECTIONS 16 /* indicators: sections */
#define STUDY_MAX_TABLES 4    /* indicators: tables of one section */
/* The most rows of one cell: every bin, count, sum, mean, stddev,
 * share_positive, quartile_1, median, quartile_3, the four quartile
 * bands, gap, gap_percent, median_gap_percent. */
#define STUDY_CELL_STATS (STUDY_MAX_BINS + 15)
#define STUDY_ERR_SIZE 256

typedef struct study study;
typedef struct study_search study_search; /* medians and quartiles (below) */

typedef enum study_field_type {
    STUDY_CHOICE = 1,
    STUDY_INTEGER = 2,
    STUDY_BOOLEAN = 3
} study_field_type;

/* study_parse flags. */
#define STUDY_SEALED 1u /* the parties, organizer, hash and signature are required */

/* Parses and validates a study (json, len bytes, not NUL-terminated
 * necessarily). With STUDY_SEALED the sealing fields must be present and
 * the stored hash must equal the computed one; without it they may be
 * present or absent (a study being sealed). On success *out is a new
 * handle (free with study_free); on failure *out is NULL and err says
 * what to fix. Errors: CORE_EDECODE (not JSON, schema or semantic rule),
 * CORE_ELIMIT (too large), CORE_ENOMEM. The signature is not checked here
 * (backend/lib/sealed.c does that). */
CORE_MUST_CHECK core_err study_parse(const char *json, size_t len, unsigned flags, study **out,
                                     char *err, size_t err_size);

/* Frees s; accepts NULL. */
void study_free(study *s);

/* SHA-256 of the canonical encoding of the study without its "hash" and
 * "signature" members (docs/STUDY.md); computed by study_parse. */
const uint8_t *study_hash(const study *s);
int study_is_sealed(const study *s);
const char *study_id(const study *s);
const char *study_title(const study *s);
int study_access_open(const study *s); /* 1: "open", 0: "token" */
uint64_t study_min_submissions(const study *s);
uint64_t study_min_cell_count(const study *s);

/* The fields, in the study's order (the order of study_encode_texts). */
size_t study_num_fields(const study *s);
int64_t study_field_min(const study *s, size_t i); /* an integer field's bounds */
int64_t study_field_max(const study *s, size_t i);
const char *study_field_name(const study *s, size_t i);
const char *study_field_label(const study *s, size_t i);

/* Parties of a sealed study (0 for an unsealed one); index 0 is the
 * leader. */
unsigned study_num_parties(const study *s);
const char *study_party_name(const study *s, unsigned i);
const char *study_party_url(const study *s, unsigned i);
const uint8_t *study_party_hpke_key(const study *s, unsigned i);    /* HPKE_NPK bytes */
const uint8_t *study_party_signing_key(const study *s, unsigned i); /* 65 bytes, SEC1 */
const uint8_t *study_organizer_key(const study *s);                 /* 65 bytes or NULL */
const uint8_t *study_signature(const study *s);                     /* 64 bytes or NULL */

/* Computes the canonical hash of any JSON value (the same rules as the
 * study hash, over the whole value): objects' members sorted by name,
 * no whitespace, integers only (|x| <= 2^53). CORE_EDECODE for other
 * numbers. */
CORE_MUST_CHECK core_err study_canonical_hash(const cJSON *v, uint8_t hash[STUDY_HASH_SIZE]);

/* Writes the canonical encoding of v into a new NUL-terminated string
 * (*out, free with free()). */
CORE_MUST_CHECK core_err study_canonical_json(const cJSON *v, char **out);

/* ---- the measurement ----------------------------------------------------- */

/* The Prio3 instance (study circuit, Field128) for a sealed study's
 * number of parties; for an unsealed study, for 2 parties. Owned by s. */
const prio3 *study_prio3(const study *s);

/* Prio3 algorithm id of the study circuit (private-use range). */
#define STUDY_PRIO3_ID 0xFFFF0001u

/* Number of integers in an encoded report (prio3_meas_count): one
 * answer, or in an organization study one employer's table. */
size_t study_meas_count(const study *s);

/* Number of integers in one encoded answer (a row): study_meas_count,
 * except in organization studies. */
size_t study_row_meas_count(const study *s);

/* Encodes an answer given as a JSON object {field name: value} (choice: a
 * label; integer: a whole number or a decimal string; boolean: true/false
 * or "true"/"false") into meas (study_row_meas_count integers). Every field is
 * required; unknown members are refused. */
CORE_MUST_CHECK core_err study_encode_answer(const study *s, const cJSON *answer, uint64_t *meas,
                                             char *err, size_t err_size);

/* The same from text values, one per field in field order (a CSV row). */
CORE_MUST_CHECK core_err study_encode_texts(const study *s, const char *const *texts,
                                            uint64_t *meas, char *err, size_t err_size);

/* ---- organization studies (docs/STUDY.md, "Organizations") -------------- */

/* "access": "organization": each report is one employer's table of its
 * people (at most study_max_rows), and a cell is released only if at
 * least study_min_contributors employers are in it. */
int study_is_organization(const study *s);
uint64_t study_max_rows(const study *s);         /* 0 unless an organization study */
uint64_t study_min_contributors(const study *s); /* 1 unless an organization study */

/* Adds one encoded answer (row, from study_encode_*) to an employer's
 * table (study_meas_count integers, all 0 to begin with). CORE_ELIMIT if
 * the table already holds max_rows people, CORE_EINVAL if the study is
 * not an organization study. Constant time in the row. */
CORE_MUST_CHECK core_err study_table_add(const study *s, const uint64_t *row, uint64_t *table);

/* The people of num_reports reports, from the counts (as study_open_mask
 * takes them): num_reports, or in an organization study the sum of the
 * employers' people. */
uint64_t study_people(const study *s, const core_u128 *counts, uint64_t num_reports);

/* The report of a study from JSON into meas (study_meas_count integers):
 * an answer (study_encode_answer), or in an organization study the
 * employer's people, an array of answers (1 to max_rows), made into its
 * table; err then names the row ("row 3: salary: ..."). */
CORE_MUST_CHECK core_err study_encode_report(const study *s, const cJSON *json, uint64_t *meas,
                                             char *err, size_t err_size);

/* The people in a table. */
uint64_t study_table_people(const study *s, const uint64_t *table);

/* Deliberately invalid reports, for testing that the parties reject them
 * (`mpc submit --forge KIND`; docs/DESIGN.md, section 6). */
typedef enum study_forgery {
    STUDY_FORGE_NONE = 0,
    STUDY_FORGE_RANGE,                 /* an integer field's value beyond its bounds */
    STUDY_FORGE_MULTI_CHOICE,          /* two choices of one field */
    STUDY_FORGE_NO_CHOICE,             /* no choice in one field */
    STUDY_FORGE_BAD_PROOF,             /* a tampered proof share */
    STUDY_FORGE_BAD_SHARE,             /* one party's ciphertext corrupted */
    STUDY_FORGE_PUBLIC_SHARE_MISMATCH, /* different public shares to different parties */
    STUDY_FORGE_BIN_VALUE,             /* a histogram bin that does not hold the value */
    STUDY_FORGE_POSITIVE_INDICATOR,    /* a share_positive indicator that does not match */
    STUDY_FORGE_GRID_VALUE,            /* a median's grid cell that does not hold the value */
    STUDY_FORGE_GRID_TWO_CELLS,        /* a median's value counted in two grid cells */
    STUDY_FORGE_PRESENCE,              /* organization: a presence bit 0 beside a count */
    STUDY_FORGE_COUNT_ABOVE_MAX,       /* organization: a count above max_rows */
    STUDY_FORGE_SUM_BOUNDS             /* organization: a sum above count x max */
} study_forgery;

/* The forgery named `range`, `multi-choice`, `no-choice`, `bad-proof`,
 * `bad-share`, `public-share-mismatch`, `bin-value`, `positive-indicator`,
 * `grid-value`, `grid-two-cells`, `presence`, `count-above-max` or
 * `sum-bounds`; STUDY_FORGE_NONE if unknown. */
study_forgery study_forgery_parse(const char *name);

/* The forgeries names of study_forgery_parse, ", "-separated (for messages). */
#define STUDY_FORGERY_NAMES                                                                        \
    "range, multi-choice, no-choice, bad-proof, bad-share, public-share-mismatch, bin-value, "     \
    "positive-indicator, grid-value, grid-two-cells, presence, count-above-max, sum-bounds"

/* Whether kind is a forgery of the encoding (study_encode_forged makes
 * it), not of the proof or the shares. */
int study_forgery_encoded(study_forgery kind);

/* The circuit's encoding (meas_len elements of Field128) of an answer
 * (meas from study_encode_*), made invalid as `kind` says for the
 * encoding-level forgeries (range, multi-choice, no-choice: the first
 * field of a suitable type; bin-value: the first histogram, its value put
 * in another bin; positive-indicator: the first share_positive analysis,
 * its indicator flipped; grid-value: the first median or quartiles, its
 * value put in another grid cell; grid-two-cells: there, a second grid
 * cell set as well), with every product wire consistent with the altered
 * ones, so that only the broken constraint can reject it.
 * CORE_EINVAL with err if the study has no field for that forgery. */
CORE_MUST_CHECK core_err study_encode_forged(const study *s, const uint64_t *meas,
                                             study_forgery kind, felem *out, char *err,
                                             size_t err_size);

/* Checks one field's value given as text (as study_encode_texts reads
 * it): CORE_OK, CORE_EMEAS with err saying what is wrong, or CORE_EINVAL
 * if the study has no such field. For forms that check each answer as it
 * is typed. */
CORE_MUST_CHECK core_err study_check_text(const study *s, const char *field, const char *text,
                                          char *err, size_t err_size);

/* ---- binding of a submission (docs/DESIGN.md, section 4) ------------------------- */

/* VDAF ctx: "mpc-study/1" || study hash. */
#define STUDY_CTX_SIZE (sizeof(STUDY_FORMAT) - 1 + STUDY_HASH_SIZE)
void study_vdaf_ctx(const study *s, uint8_t ctx[STUDY_CTX_SIZE]);

/* HPKE info for party i: "mpc-study/1 input share" || byte i. */
#define STUDY_INFO_SIZE (sizeof(STUDY_FORMAT " input share") - 1 + 1)
void study_hpke_info(unsigned party, uint8_t info[STUDY_INFO_SIZE]);

/* HPKE aad: study hash || report id || token id (zeros when none) ||
 * seq (8 bytes, big endian) || public share. Returns the size written
 * (STUDY_AAD_FIXED + public_share_len), or 0 if aad_size is too small. */
#define STUDY_AAD_FIXED (STUDY_HASH_SIZE + STUDY_REPORT_ID_SIZE + STUDY_TOKEN_ID_SIZE + 8)
size_t study_hpke_aad(const study *s, const uint8_t report_id[STUDY_REPORT_ID_SIZE],
                      const uint8_t token_id[STUDY_TOKEN_ID_SIZE], uint64_t seq,
                      const uint8_t *public_share, size_t public_share_len, uint8_t *aad,
                      size_t aad_size);

/* ---- results ---------------------------------------------------------- */

/* Decodes an aggregate (prio3_output_len integers from prio3_unshard over
 * num_reports reports) into the report rows of docs/DESIGN.md, section 7: a new
 * cJSON array of objects {"analysis", "group", "statistic", "value",
 * "note"} (strings; value "" when suppressed or undefined), starting with
 * _study rows submissions_accepted and submissions_rejected. Fails with
 * CORE_EINVAL if num_reports < min_submissions. */
CORE_MUST_CHECK core_err study_result(const study *s, const core_u128 *aggregate,
                                      uint64_t num_reports, uint64_t num_rejected, cJSON **rows);

/* The state of a unit of release (study_num_units, below): released, or
 * suppressed for its own small size (note "suppressed") or to protect
 * another unit (note "suppressed (to protect another group)"). */
enum { STUDY_RELEASED = 0, STUDY_PRIMARY = 1, STUDY_COMPLEMENTARY = 2 };
#define STUDY_NOTE_PRIMARY "suppressed"
#define STUDY_NOTE_COMPLEMENTARY "suppressed (to protect another group)"

/* study_result with every unit's state given (state: study_num_units(s)
 * bytes, as backend/lib/suppress.c decides them) and the medians and
 * quartiles found by `search` (done; NULL: searched here on the
 * aggregate, which must then hold the grid's counts); study_result itself uses
 * the cell rule: a cell with fewer than min_cell_count contributors is
 * suppressed with its bins. A gap is suppressed with its cell or with its
 * reference cell (then with that cell's note). */
CORE_MUST_CHECK core_err study_result_states(const study *s, const core_u128 *aggregate,
                                             uint64_t num_reports, uint64_t num_rejected,
                                             const uint8_t *state, const study_search *search,
                                             cJSON **rows);

/* The analyses, in the study's order: the name, the "by" fields (field
 * indices, in order) and the cells (the cross product of the "by" fields'
 * choices, the first field slowest; 1 without "by"). study_cell_choice is
 * the choice ("false"/"true" for a boolean) of "by" field k in cell c. */
size_t study_num_analyses(const study *s);
const char *study_analysis_name(const study *s, size_t i);
size_t study_analysis_num_by(const study *s, size_t i);
size_t study_analysis_by(const study *s, size_t i, size_t k);
size_t study_analysis_cells(const study *s, size_t i);
const char *study_cell_choice(const study *s, size_t i, size_t c, size_t k);

/* Whether text is a number as the report rows write them: -?D+(.D+)? with
 * an optional exponent ([eE][+-]?D+), D a decimal digit. */
int study_is_number(const char *text);

/* Where a row of study_result belongs: its analysis (-1 for the _study
 * rows), its cell, and its place among the rows of that cell (the
 * statistic's column). */
typedef struct study_row_ref {
    int analysis;
    size_t cell, stat;
} study_row_ref;

/* Checks report rows received from elsewhere (the leader's GET /api/result)
 * against the rows study_result makes for s: each row an object of the
 * strings analysis, group, statistic, value and note; its analysis one of
 * the study's, its group one that analysis has, its statistic one it
 * declares; the rows in study_result's order, none missing or repeated;
 * each value a number of its statistic's form (whole numbers for counts,
 * sums and bins) with the note "", or empty with the note "suppressed" or
 * "undefined". On success fills refs (if not NULL: one per row) and
 * returns CORE_OK; otherwise CORE_EDECODE and err names the first bad row
 * ("result row N", counted from 1) and what is wrong with it. */
CORE_MUST_CHECK core_err study_check_rows(const study *s, const cJSON *rows, study_row_ref *refs,
                                          char *err, size_t err_size);

/* ---- the indicators (study_indicators.c; docs/STUDY.md, "Indicators") ---- */

/* A study may present some of its rows under headings of its own (the
 * indicators a law asks for, in its words): a title, and sections, each
 * a heading and up to STUDY_MAX_TABLES tables, each some statistics of
 * one analysis for all its groups. A row is under at most one heading.
 * Without indicators study_num_sections is 0 and the title NULL. */
size_t study_num_sections(const study *s);
const char *study_indicators_title(const study *s);
const char *study_section_heading(const study *s, size_t k);
size_t study_section_tables(const study *s, size_t k);
size_t study_table_analysis(const study *s, size_t k, size_t t);
const char *study_table_label(const study *s, size_t k, size_t t); /* or NULL */
/* Whether table t of section k shows column `stat` (study_row_ref.stat)
 * of its analysis's cells. */
int study_table_shows(const study *s, size_t k, size_t t, size_t stat);
/* The section and table a row is shown under: 1 and *k, *t, or 0. */
int study_row_indicator(const study *s, const study_row_ref *ref, size_t *k, size_t *t);

/* What the parties may open of an aggregate (docs/DESIGN.md, section 2, output
 * privacy). First the counts: study_count_outputs sets is_count[i] (for
 * each of the prio3_output_len entries) to 1 for the entries that are
 * counts (cell counts and histogram bins), 0 for sums. Once the counts
 * are known (counts: a full-length vector whose count entries hold the
 * combined counts), study_open_mask sets open[i] to 1 for every entry
 * that may be opened: the counts, and the sums of the cells with at least
 * min_cell_count contributors. Every party withholds the others. */
void study_count_outputs(const study *s, uint8_t *is_count);
void study_open_mask(const study *s, const core_u128 *counts, uint64_t num_reports, uint8_t *open);
/* The same from every unit's state: the counts, and the sums of the
 * released cells. */
void study_open_mask_states(const study *s, const uint8_t *state, uint8_t *open);

/* ---- the release model (study_model.c; docs/COMPUTE.md, "Suppression") -- */

/* A unit of release: a cell of an analysis (its count and, if the analysis
 * has sum, mean or stddev, its sum and sum of squares of field `of`; and
 * its gap) or one histogram bin of a cell (bin != STUDY_NO_BIN). Units are
 * numbered per analysis in the study's order: its cells (if it has a
 * statistic other than histogram), then its cells' bins, cell by cell.
 * Suppression decides for each unit whether it is released. */
#define STUDY_NO_BIN ((size_t)-1)
#define STUDY_MAX_FINEST 100000           /* finest cells of a study */
#define STUDY_MAX_MODEL ((size_t)1 << 27) /* units x finest cells */

typedef struct study_unit {
    size_t analysis, cell, bin;
    uint64_t n;          /* its contributors, from the counts */
    uint64_t employers;  /* organization studies: the employers in it (else n) */
    int field;           /* the integer field whose sum it releases, or -1 */
    int squares;         /* 1 if it releases that field's sum of squares */
    size_t first, count; /* its finest cells: members[first .. first + count) */
} study_unit;

typedef struct study_model {
    const study *s;
    size_t num_finest, num_units;
    size_t num_nonempty; /* finest cells that can hold someone */
    study_unit *units;
    size_t *members;
    struct study_model_dims *dims; /* (private) */
} study_model;

/* Whether a unit of n contributors (of `employers` employers in an
 * organization study, else n) is too small to release: 1 to
 * min_cell_count - 1 contributors, or fewer than min_contributors
 * employers. */
int study_unit_small(const study *s, uint64_t n, uint64_t employers);

/* The number of units of s, and the unit of analysis i's cell c (bin:
 * STUDY_NO_BIN for the cell's own values; SIZE_MAX if it has none). */
size_t study_num_units(const study *s);
size_t study_unit_of(const study *s, size_t i, size_t c, size_t bin);

/* A share_positive row is released only with its cell and both of the
 * cell's parts, not positive and positive (units of their own, after the
 * cell's bins); once it is withheld, both parts are (so that a withheld
 * share hides them both). The parts' units of analysis i's cell c into
 * out: 2, or 0 if the analysis has no share_positive. */
size_t study_share_units(const study *s, size_t i, size_t c, size_t out[2]);

/* The model of s with its counts (as study_open_mask takes them): every
 * unit with its contributors and the finest cells it adds up. The finest
 * cells are the cross product of every field some analysis groups by and,
 * for each integer field with histograms, the intervals between all of
 * its bins' edges. CORE_EINVAL if there are more than STUDY_MAX_FINEST
 * finest cells or units x finest cells exceed STUDY_MAX_MODEL, CORE_ENOMEM.
 * Free with study_model_free (NULL is fine). */
CORE_MUST_CHECK core_err study_model_new(const study *s, const core_u128 *counts,
                                         uint64_t num_reports, study_model **out);
void study_model_free(study_model *m);

/* The bounds of integer field `field` in finest cell f: the field's, or
 * its interval there if the field is binned. study_model_empty: 1 if
 * finest cell f can hold nobody (an empty interval). */
void study_model_bounds(const study_model *m, int field, size_t f, int64_t *lo, int64_t *hi);
int study_model_empty(const study_model *m, size_t f);

/* ---- medians and quartiles (study_search.c; docs/COMPUTE.md, "Quantiles") -- */

/* The search for every released group's quantiles: made by every party
 * from the counts and the units' states alone, it then opens one prefix
 * count per group and quantile at each of study_search_steps steps (a
 * binary search over the grid), never the grid's counts themselves. */
/* Whether analysis i's cell c releases its median and quartiles: it is
 * released and no part (histogram bin, not positive or positive) of the
 * same field is withheld in any analysis (a quantile bounds those). */
int study_quantiles_released(const study *s, const uint8_t *state, size_t i, size_t c);

/* Whether the study has medians, quartiles or quartile bands (a search). */
int study_has_search(const study *s);

/* A new search (study_search_free) over the groups whose quantiles are
 * released and not empty: CORE_OK or CORE_ENOMEM. */
CORE_MUST_CHECK core_err study_search_new(const study *s, const core_u128 *counts,
                                          uint64_t num_reports, const uint8_t *state,
                                          study_search **out);
void study_search_free(study_search *q);

/* The number of steps, and those done (opened) so far. */
size_t study_search_steps(const study_search *q);
size_t study_search_done(const study_search *q);

/* The probes of step `step` (at most the step being done): *n pairs
 * (search number, grid cell j: the prefix count C(j) it opens), or NULL
 * with *n = 0. They depend only on what is opened before that step. */
const uint32_t *study_search_probes(const study_search *q, size_t step, size_t *n);

/* One party's shares of step `step`'s probes from its aggregate share
 * (an output share): *n Field128 elements (16 bytes each) into values.
 * CORE_EDECODE if the share is not made of field elements. */
CORE_MUST_CHECK core_err study_search_share(const study_search *q, size_t step,
                                            const uint8_t *out_share, uint8_t *values);

/* Opens the current step from every party's shares of it (values:
 * parties x the step's probes x 16 bytes, party by party) and plans the
 * next. CORE_EINVAL if a prefix count does not lie between 0 and its
 * group's count (a party sent a wrong share), CORE_EDECODE, CORE_ENOMEM;
 * the search is then not advanced. */
CORE_MUST_CHECK core_err study_search_open(study_search *q, const uint8_t *values,
                                           unsigned parties);

/* The whole search on a combined aggregate that holds the grid's counts
 * (a test's computation in the clear, or study_result). */
CORE_MUST_CHECK core_err study_search_run_clear(study_search *q, const core_u128 *aggregate);

/* The q-th quartile (quarter 2: the median) of analysis i's cell c once
 * the search is done: 1 and the lowest value of its grid cell, or 0 if it
 * was not searched (withheld or empty). */
int study_search_value(const study_search *q, size_t analysis, size_t cell, unsigned quarter,
                       int64_t *value);

/* Analysis i's quartile bands once the search is done: 1 and the number
 * of cell c's contributors up to the grid cell of the limit-th quartile of
 * everyone (limit 1 to 3), or 0 if they were not searched. */
int study_search_band(const study_search *q, size_t analysis, size_t cell, unsigned limit,
                      uint64_t *count);

/* The analysis plan in plain language: a new cJSON array of strings, one
 * per analysis ("NAME: ..."), then one on how small groups are protected
 * (the threshold, the linked analyses, and that more groups than the
 * small ones may be withheld to protect them). */
cJSON *study_plan(const study *s);

#endif
