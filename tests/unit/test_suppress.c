/*
 * test_suppress.c - the release model (wasm/core/study_model.c) and
 * primary and complementary suppression (backend/lib/suppress.c) on
 * studies whose right pattern is known by hand; the counts come from
 * answers aggregated in the clear (tests/common/clear_aggregate.c). The
 * auditor of the test suite (tests/integration/audit.mjs) checks the
 * patterns of randomized studies independently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clear_aggregate.h"
#include "prio3.h"
#include "study.h"
#include "suppress.h"
#include "testutil.h"

/* Issue 22's first example: wage by dept, and by role x dept. */
static const char WAGES[] =
    "{\"format\":\"mpc-study/1\",\"id\":\"wages-2026\",\"title\":\"Wages\",\"access\":\"open\","
    "\"privacy\":{\"min_submissions\":10,\"min_cell_count\":5},\"fields\":["
    "{\"name\":\"dept\",\"label\":\"Department\",\"type\":\"choice\",\"choices\":[\"Office\","
    "\"Field\"]},"
    "{\"name\":\"role\",\"label\":\"Role\",\"type\":\"choice\",\"choices\":[\"Lead\","
    "\"Associate\"]},"
    "{\"name\":\"wage\",\"label\":\"Wage\",\"type\":\"integer\",\"min\":0,\"max\":200000}],"
    "\"analyses\":["
    "{\"name\":\"by_dept\",\"of\":\"wage\",\"by\":[\"dept\"],\"stats\":[\"count\",\"sum\","
    "\"mean\"]},"
    "{\"name\":\"by_role\",\"of\":\"wage\",\"by\":[\"role\",\"dept\"],\"stats\":[\"count\","
    "\"mean\"]}]}";

/* Pay bands by group, and the groups' counts. */
static const char BANDS[] =
    "{\"format\":\"mpc-study/1\",\"id\":\"bands-2026\",\"title\":\"Bands\",\"access\":\"open\","
    "\"privacy\":{\"min_submissions\":5,\"min_cell_count\":5},\"fields\":["
    "{\"name\":\"g\",\"label\":\"Group\",\"type\":\"choice\",\"choices\":[\"A\",\"B\"]},"
    "{\"name\":\"pay\",\"label\":\"Pay\",\"type\":\"integer\",\"min\":0,\"max\":1000}],"
    "\"analyses\":["
    "{\"name\":\"heads\",\"by\":[\"g\"],\"stats\":[\"count\"]},"
    "{\"name\":\"bands\",\"of\":\"pay\",\"by\":[\"g\"],\"stats\":[\"histogram\"],"
    "\"bins\":[0,300,600]}]}";

static study *parse(const char *text)
{
    study *s = NULL;
    char err[STUDY_ERR_SIZE];
    ck_assert_msg(study_parse(text, strlen(text), 0, &s, err, sizeof err) == CORE_OK, "%s", err);
    return s;
}

/* The counts of n answers given as JSON texts. */
static core_u128 *aggregate(const study *s, const char *const *answers, size_t n)
{
    cJSON **a = malloc(n * sizeof *a);
    core_u128 *r = calloc(prio3_output_len(study_prio3(s)), sizeof *r);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(r);
    for (size_t k = 0; k < n; k++)
        ck_assert_ptr_nonnull(a[k] = cJSON_Parse(answers[k]));
    char err[256];
    ck_assert_msg(clear_aggregate(s, a, n, r, err, sizeof err) == 0, "%s", err);
    for (size_t k = 0; k < n; k++)
        cJSON_Delete(a[k]);
    free(a);
    return r;
}

/* Adds `times` copies of answer to list (at *n). */
static void add(const char **list, size_t *n, size_t times, const char *answer)
{
    for (size_t k = 0; k < times; k++)
        list[(*n)++] = answer;
}

static size_t wage_answers(const char **a)
{
    size_t n = 0;
    add(a, &n, 2, "{\"dept\":\"Office\",\"role\":\"Lead\",\"wage\":90000}");
    add(a, &n, 10, "{\"dept\":\"Office\",\"role\":\"Associate\",\"wage\":40000}");
    add(a, &n, 8, "{\"dept\":\"Field\",\"role\":\"Lead\",\"wage\":70000}");
    add(a, &n, 9, "{\"dept\":\"Field\",\"role\":\"Associate\",\"wage\":35000}");
    return n;
}

START_TEST(test_model)
{
    study *s = parse(WAGES);
    const char *a[40];
    size_t n = wage_answers(a);
    core_u128 *counts = aggregate(s, a, n);
    study_model *m = NULL;
    ck_assert_int_eq(study_model_new(s, counts, n, &m), CORE_OK);
    /* dept x role: 4 finest cells; by_dept's 2 cells, by_role's 4. */
    ck_assert_uint_eq(m->num_finest, 4);
    ck_assert_uint_eq(m->num_units, 6);
    ck_assert_uint_eq(study_num_units(s), 6);
    const uint64_t want_n[6] = {12, 17, 2, 8, 10, 9};
    const size_t want_count[6] = {2, 2, 1, 1, 1, 1};
    for (size_t u = 0; u < 6; u++) {
        ck_assert_uint_eq(m->units[u].n, want_n[u]);
        ck_assert_uint_eq(m->units[u].count, want_count[u]);
        ck_assert_int_eq(m->units[u].field, 2);
        ck_assert_uint_eq(m->units[u].bin, STUDY_NO_BIN);
    }
    /* role=Lead, dept=Office (unit 2) is inside dept=Office (unit 0). */
    size_t lo = m->members[m->units[2].first];
    ck_assert(lo == m->members[m->units[0].first] || lo == m->members[m->units[0].first + 1]);
    ck_assert_uint_eq(study_unit_of(s, 1, 2, STUDY_NO_BIN), 4);
    study_model_free(m);
    free(counts);
    study_free(s);
}
END_TEST

START_TEST(test_linked_analyses)
{
    study *s = parse(WAGES);
    const char *a[40];
    size_t n = wage_answers(a);
    core_u128 *counts = aggregate(s, a, n);
    uint8_t state[6], again[6];
    size_t added = 9;
    char err[256];
    ck_assert_msg(suppress_pattern(s, counts, n, state, &added, err, sizeof err) == 0, "%s", err);
    /* by_dept released; by_role: Lead, Office primary (2 people); its
     * count would be Office minus Associate, Office, so that one is
     * suppressed too, and nothing else (the Office column hidden). */
    const uint8_t want[6] = {STUDY_RELEASED, STUDY_RELEASED,      STUDY_PRIMARY,
                             STUDY_RELEASED, STUDY_COMPLEMENTARY, STUDY_RELEASED};
    for (size_t u = 0; u < 6; u++)
        ck_assert_msg(state[u] == want[u], "unit %zu: state %d, expected %d", u, state[u], want[u]);
    ck_assert_uint_eq(added, 1);
    /* The same counts, the same pattern. */
    ck_assert_int_eq(suppress_pattern(s, counts, n, again, NULL, err, sizeof err), 0);
    ck_assert(memcmp(state, again, sizeof state) == 0);
    /* The sums of both hidden cells stay closed; every count opens. */
    size_t len = prio3_output_len(study_prio3(s));
    uint8_t *open = malloc(len), *is_count = malloc(len);
    study_open_mask_states(s, state, open);
    study_count_outputs(s, is_count);
    size_t closed = 0;
    for (size_t i = 0; i < len; i++) {
        ck_assert(open[i] || !is_count[i]);
        closed += !open[i];
    }
    ck_assert_uint_eq(closed, 2); /* by_role's sums of those two cells */
    /* The rows: the primary and the complementary note. */
    cJSON *rows = NULL;
    ck_assert_int_eq(study_result_states(s, counts, n, 0, state, NULL, &rows), CORE_OK);
    int primary = 0, other = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        const char *note = cJSON_GetObjectItem(r, "note")->valuestring;
        primary += strcmp(note, STUDY_NOTE_PRIMARY) == 0;
        other += strcmp(note, STUDY_NOTE_COMPLEMENTARY) == 0;
    }
    ck_assert_int_eq(primary, 2); /* count and mean of Lead, Office */
    ck_assert_int_eq(other, 2);
    cJSON_Delete(rows);
    free(open);
    free(is_count);
    free(counts);
    study_free(s);
}
END_TEST

START_TEST(test_bins_are_cells)
{
    study *s = parse(BANDS);
    const char *a[40];
    size_t n = 0;
    /* A: 7 in the lowest band, 2 in the top band, none in the middle
     * one; B: 6 in the middle band. */
    add(a, &n, 7, "{\"g\":\"A\",\"pay\":100}");
    add(a, &n, 2, "{\"g\":\"A\",\"pay\":900}");
    add(a, &n, 6, "{\"g\":\"B\",\"pay\":400}");
    core_u128 *counts = aggregate(s, a, n);
    uint8_t state[8];
    char err[256];
    size_t added;
    ck_assert_int_eq(study_num_units(s), 8); /* 2 heads, 2 x 3 bands */
    ck_assert_msg(suppress_pattern(s, counts, n, state, &added, err, sizeof err) == 0, "%s", err);
    /* A's top band (2) is primary; A's count is released, so the band is
     * A's count minus its other bands. The linked units by size: A's
     * empty middle band (hidden with it: [0, 2], narrower than 5), B's
     * empty top band (no help), then A's lowest band (7): [0, 9], so that
     * one is hidden. Zeros are released. */
    const uint8_t want[8] = {STUDY_RELEASED, STUDY_RELEASED, STUDY_COMPLEMENTARY, STUDY_RELEASED,
                             STUDY_PRIMARY,  STUDY_RELEASED, STUDY_RELEASED,      STUDY_RELEASED};
    for (size_t u = 0; u < 8; u++)
        ck_assert_msg(state[u] == want[u], "unit %zu: state %d, expected %d", u, state[u], want[u]);
    ck_assert_uint_eq(added, 1);
    free(counts);
    study_free(s);
}
END_TEST

START_TEST(test_cannot_protect)
{
    /* The bands study taking results from 4 people: a group of 1 cannot be
     * hidden, since even with everything suppressed the total leaves its
     * count in [0, 4], narrower than min_cell_count (5). */
    char text[sizeof BANDS];
    memcpy(text, BANDS, sizeof BANDS);
    char *at = strstr(text, "\"min_submissions\":5");
    ck_assert_ptr_nonnull(at);
    at[strlen("\"min_submissions\":")] = '3';
    study *s = parse(text);
    const char *a[8];
    size_t n = 0;
    add(a, &n, 1, "{\"g\":\"A\",\"pay\":100}");
    add(a, &n, 3, "{\"g\":\"B\",\"pay\":100}");
    core_u128 *counts = aggregate(s, a, n);
    uint8_t state[8];
    char err[256] = "";
    ck_assert_int_eq(suppress_pattern(s, counts, n, state, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot be protected") != NULL, "%s", err);
    free(counts);
    study_free(s);
}
END_TEST

TU_MAIN("suppress", 60, test_model, test_linked_analyses, test_bins_are_cells, test_cannot_protect)
