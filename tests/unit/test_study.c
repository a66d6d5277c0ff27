/*
 * test_study.c - the study compiler (wasm/core/study*.c): the example
 * studies, every validation rule with its message, the canonical hash,
 * answer encoding, the study circuit's soundness on invalid encodings, and
 * a full 3-party Prio3 run whose report rows are compared with the same
 * statistics computed in the clear.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "study.h"
#include "study_internal.h"
#include "testutil.h"

#define PAY "schema/studies/pay-equity.json"
#define VOTE "schema/studies/union-vote.json"

START_TEST(test_examples_parse)
{
    const char *files[] = {PAY, VOTE};
    for (size_t i = 0; i < 2; i++) {
        cJSON *doc = tu_load_doc(files[i]);
        study *s = tu_parse_ok(doc);
        ck_assert(!study_is_sealed(s));
        ck_assert_ptr_nonnull(study_prio3(s));
        cJSON *plan = study_plan(s);
        ck_assert_int_eq(cJSON_GetArraySize(plan),
                         cJSON_GetArraySize(cJSON_GetObjectItem(doc, "analyses")) + 1);
        cJSON_Delete(plan);
        study_free(s);
        cJSON_Delete(doc);
    }
    /* The pay-equity layout: 3 + 8 + 10 + 20 + 2 field wires, 4 bins and
     * their tie to the salary (2 x 20 slack bits), 24 + 240 headcount
     * cells, 30 salary cells (+ sums, squares), 12 bands. */
    cJSON *doc = tu_load_doc(PAY);
    study *s = tu_parse_ok(doc);
    ck_assert_uint_eq(study_meas_count(s), 6);
    ck_assert_uint_eq(s->num_wires, 43 + 4 + 40 + 264 + 30 + 30 + 30 + 12);
    /* Outputs: 240 counts; 30 counts, sums, squares; 3 band counts, 12 bins. */
    ck_assert_uint_eq(prio3_output_len(study_prio3(s)), 240 + 30 * 3 + 3 + 12);
    cJSON *plan = study_plan(s);
    ck_assert_str_eq(cJSON_GetArrayItem(plan, 0)->valuestring,
                     "headcount: the number of contributors, by Gender, Race / ethnicity and Job "
                     "category (240 groups).");
    ck_assert_str_eq(cJSON_GetArrayItem(plan, 1)->valuestring,
                     "salary: the number of contributors, the sum, the mean and the standard "
                     "deviation of Annual salary (USD), by Gender and Job category (30 groups); "
                     "and each group's mean as a ratio to the mean of \"Man\" (the gap), and as "
                     "the pay gap in percent (the mean of \"Man\" minus the group's, divided by "
                     "the mean of \"Man\").");
    ck_assert_str_eq(cJSON_GetArrayItem(plan, 2)->valuestring,
                     "salary_bands: how many contributors fall in each band of Annual salary "
                     "(USD) (0 to 49999, 50000 to 99999, 100000 to 199999, 200000 and above), by "
                     "Gender (3 groups).");
    ck_assert_str_eq(
        cJSON_GetArrayItem(plan, 3)->valuestring,
        "Small groups: a group or band with 1 to 4 contributors is suppressed, and its "
        "figures are never released. Linked analyses: \"headcount\" and \"salary\" "
        "(both by Gender and Job category); \"headcount\" and \"salary_bands\" (both "
        "by Gender); \"salary\" and \"salary_bands\" (both by Gender). Because a "
        "suppressed group's figures could be worked out by subtracting released figures "
        "(of its own analysis, of linked analyses, or from the number of submissions), "
        "more groups than the small ones alone may be withheld to protect them, the "
        "smallest first; they are marked \"suppressed (to protect another group)\".");
    cJSON_Delete(plan);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(test_hash_canonical)
{
    cJSON *doc = tu_load_doc(PAY);
    study *a = tu_parse_ok(doc);
    /* Reordered members and other whitespace: the same hash. */
    cJSON *re = cJSON_CreateObject();
    for (int i = cJSON_GetArraySize(doc) - 1; i >= 0; i--) {
        cJSON *m = cJSON_GetArrayItem(doc, i);
        cJSON_AddItemToObject(re, m->string, cJSON_Duplicate(m, 1));
    }
    char *pretty = cJSON_Print(re);
    char err[STUDY_ERR_SIZE];
    study *b;
    ck_assert_int_eq(study_parse(pretty, strlen(pretty), 0, &b, err, sizeof err), CORE_OK);
    ck_assert(memcmp(study_hash(a), study_hash(b), STUDY_HASH_SIZE) == 0);
    free(pretty);
    study_free(b);
    /* Any change of content changes it. */
    cJSON_ReplaceItemInObject(re, "title", cJSON_CreateString("Pay equity survey 2027"));
    b = tu_parse_ok(re);
    ck_assert(memcmp(study_hash(a), study_hash(b), STUDY_HASH_SIZE) != 0);
    study_free(b);
    cJSON_Delete(re);

    /* The canonical form: sorted members, no whitespace, escapes of
     * RFC 8785. */
    cJSON *v = cJSON_Parse("{\"b\": [1, -2, true, null], \"a\": \"x\\\"\\n\\u0001\\u00e9\"}");
    char *canon;
    ck_assert_int_eq(study_canonical_json(v, &canon), CORE_OK);
    ck_assert_str_eq(canon, "{\"a\":\"x\\\"\\n\\u0001\xc3\xa9\",\"b\":[1,-2,true,null]}");
    free(canon);
    cJSON_Delete(v);
    v = cJSON_Parse("{\"a\": 1.5}");
    ck_assert_int_eq(study_canonical_json(v, &canon), CORE_EDECODE);
    cJSON_Delete(v);

    /* A stored hash must match. */
    char hex[65];
    memset(hex, '0', 64);
    hex[64] = '\0';
    cJSON_AddStringToObject(doc, "hash", hex);
    ck_assert_int_eq(tu_parse_doc(doc, 0, &b, err), CORE_EDECODE);
    ck_assert_str_eq(err, "hash: does not match the study's content; the file was changed after "
                          "it was sealed");
    ck_assert_ptr_null(b);
    /* Sealed parsing needs every sealing member. */
    cJSON_DeleteItemFromObject(doc, "hash");
    ck_assert_int_eq(tu_parse_doc(doc, STUDY_SEALED, &b, err), CORE_EDECODE);
    ck_assert_str_eq(err, "parties: missing; this study is not sealed (seal it with 'mpc study "
                          "seal')");
    study_free(a);
    cJSON_Delete(doc);
}
END_TEST

/* A mutation of the pay-equity study and the error it must give. */
typedef struct bad_case {
    const char *path;  /* e.g. "analyses/1/of"; the last part is set or deleted */
    const char *json;  /* the new value, or NULL to delete */
    const char *error; /* the exact message */
} bad_case;

static void apply(cJSON *doc, const char *path, const char *json)
{
    char parts[128];
    snprintf(parts, sizeof parts, "%s", path);
    cJSON *node = doc;
    char *save = NULL, *part = strtok_r(parts, "/", &save), *next;
    while ((next = strtok_r(NULL, "/", &save)) != NULL) {
        node = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, atoi(part))
                                   : cJSON_GetObjectItem(node, part);
        ck_assert_ptr_nonnull(node);
        part = next;
    }
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    if (cJSON_IsArray(node)) {
        int i = atoi(part);
        if (v == NULL)
            cJSON_DeleteItemFromArray(node, i);
        else if (i < cJSON_GetArraySize(node))
            cJSON_ReplaceItemInArray(node, i, v);
        else
            cJSON_AddItemToArray(node, v);
    } else {
        cJSON_DeleteItemFromObject(node, part);
        if (v != NULL)
            cJSON_AddItemToObject(node, part, v);
    }
}

static const bad_case BAD[] = {
    /* The schema. */
    {"format", "\"mpc-study/2\"", "format: must be \"mpc-study/1\""},
    {"id", "\"Pay Equity\"",
     "id: must match the pattern ^[a-z0-9][a-z0-9-]*$ (lowercase letters, digits and dashes, "
     "starting with a letter or digit)"},
    {"title", NULL, "(top level): missing required property \"title\""},
    {"access", "\"public\"", "access: must be one of \"token\", \"open\", \"organization\""},
    {"colour", "1", "(top level): unknown property \"colour\""},
    {"fields/0/type", "\"text\"",
     "fields[0].type: must be one of \"choice\", \"integer\", "
     "\"boolean\""},
    {"fields/3/max", "\"1000000\"", "fields[3].max: must be an integer"},
    {"fields/3/max", "1.5", "fields[3].max: must be an integer"},
    {"fields/3/min", NULL, "fields[3]: missing required property \"min\""},
    {"fields/0/choices/1", "\"Woman\"",
     "fields[0].choices: items must be unique (item 1 repeats item 0)"},
    {"fields/0/choices", "[\"Only\"]", "fields[0].choices: must have at least 2 items"},
    {"fields/0/min", "1", "fields[0].min: must not be present"},
    {"analyses/0/stats/0", "\"mode\"",
     "analyses[0].stats[0]: must be one of \"count\", \"sum\", \"mean\", \"stddev\", "
     "\"histogram\", \"share_positive\", \"median\", \"quartiles\", \"quartile_bands\""},
    {"privacy/min_cell_count", "0", "privacy.min_cell_count: must be at least 1"},
    {"fields/1/name", "\"Ethnicity\"",
     "fields[1].name: must match the pattern ^[a-z][a-z0-9_]*$ (lowercase letters, digits and "
     "underscores, starting with a letter)"},
    /* Semantic rules. */
    {"fields/1/name", "\"gender\"", "fields[1].name: \"gender\" is already the name of fields[0]"},
    {"fields/3/max", "0", "fields[3].max: must be greater than min (0)"},
    {"fields/3/max", "1099511627776",
     "fields[3]: max - min must be at most 1099511627775 (2^40 - 1); narrow the range"},
    {"analyses/1/of", "\"wage\"", "analyses[1].of: there is no field named \"wage\""},
    {"analyses/1/of", "\"gender\"",
     "analyses[1].of: \"gender\" is a choice field; \"of\" must name an integer field"},
    {"analyses/0/by/1", "\"salary\"",
     "analyses[0].by[1]: \"salary\" is an integer field; groups can only be made by choice or "
     "boolean fields"},
    {"analyses/0/by/1", "\"region\"", "analyses[0].by[1]: there is no field named \"region\""},
    {"analyses/0/stats/1", "\"mean\"",
     "analyses[0].stats: \"mean\" needs \"of\", the integer field it is computed over"},
    {"analyses/2/bins/2", "40000",
     "analyses[2].bins[2]: bins must be increasing (40000 is not above 50000)"},
    {"analyses/2/bins/0", "10",
     "analyses[2].bins[0]: the first bin must start at or below the min of \"salary\" (0)"},
    {"analyses/2/bins/4", "2000000",
     "analyses[2].bins[4]: 2000000 is above the max of \"salary\" (1000000), so this bin would "
     "always be empty"},
    {"analyses/2/bins", NULL,
     "analyses[2]: the \"histogram\" stat needs \"bins\" (increasing lower edges)"},
    {"analyses/1/bins", "[0]", "analyses[1].bins: only allowed with the \"histogram\" stat"},
    {"analyses/1/gap_reference", "\"Men\"",
     "analyses[1].gap_reference: \"Men\" is not a choice of \"gender\", the first \"by\" field"},
    {"analyses/0/gap_reference", "\"Man\"",
     "analyses[0].gap_reference: a gap needs \"of\" (the value compared) and \"by\" (the "
     "groups)"},
    {"analyses/2/name", "\"salary\"",
     "analyses[2].name: \"salary\" is already the name of analyses[1]"},
    {"analyses/1/grid", "500",
     "analyses[1].grid: only allowed with the \"median\" or \"quartiles\" stat"},
    {"analyses/1/stats/4", "\"median\"",
     "analyses[1]: \"median\" and \"quartiles\" need \"grid\", the resolution they are "
     "reported at (for example 500: every 500 of the field's unit)"},
    {"analyses/1/stats", "[\"median\",\"quartiles\"]",
     "analyses[1].stats: \"quartiles\" already includes the median; list only one of them"},
    {"analyses/0/stats/1", "\"median\"",
     "analyses[0].stats: \"median\" needs \"of\", the integer field it is computed over"},
    {"analyses/1/quantiles_among", "\"positive\"",
     "analyses[1].quantiles_among: only allowed with the \"median\" or \"quartiles\" stat"},
};

/* The edge a 10% grid puts after e (rounded down, at least e + 1). */
static int64_t next_edge_after(int64_t e)
{
    int64_t d = e / 10;
    return e + (d > 0 ? d : 1);
}

START_TEST(test_validation_errors)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        const bad_case *c = &BAD[i];
        cJSON *doc = tu_load_doc(PAY);
        apply(doc, c->path, c->json);
        char err[STUDY_ERR_SIZE];
        study *s = (study *)1;
        core_err e = tu_parse_doc(doc, 0, &s, err);
        ck_assert_msg(e == CORE_EDECODE, "case %zu (%s): got %d (%s)", i, c->path, e, err);
        ck_assert_ptr_null(s);
        ck_assert_msg(strcmp(err, c->error) == 0, "case %zu (%s):\n got  %s\n want %s", i, c->path,
                      err, c->error);
        cJSON_Delete(doc);
    }
    /* A grid of more than STUDY_MAX_GRID cells, and groups times grid
     * cells above STUDY_MAX_CELLS (30 groups x 501 grid cells). */
    static const struct {
        const char *grid, *error;
    } grids[] = {
        {"100", "analyses[1].grid: a grid of 100 over \"salary\" (0 to 1000000) has 10001 grid "
                "cells, more than the limit of 4096; use a grid of at least 245"},
        {"2000", "analyses[1]: 30 groups times 501 grid cells is more than the limit of 10000; "
                 "use a coarser grid or group by fewer fields"},
        {"{\"percent\":1,\"from\":1}",
         "analyses[1]: 30 groups times 1083 grid cells is more than the limit of 10000; use a "
         "coarser grid or group by fewer fields"},
    };
    for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++) {
        cJSON *d = tu_load_doc(PAY);
        apply(d, "analyses/1/stats/4", "\"quartiles\"");
        apply(d, "analyses/1/grid", grids[i].grid);
        char err[STUDY_ERR_SIZE];
        study *s = (study *)1;
        ck_assert_int_eq(tu_parse_doc(d, 0, &s, err), CORE_ELIMIT);
        ck_assert_ptr_null(s);
        ck_assert_str_eq(err, grids[i].error);
        cJSON_Delete(d);
    }
    /* Quartile bands need groups, and the quartiles of everyone on the
     * same grid (their limits); with them, the study compiles. */
    static const struct {
        const char *by, *companion, *error;
    } bands[] = {
        {"[\"gender\"]", NULL,
         "analyses[2]: \"quartile_bands\" needs an analysis of the \"quartiles\" of \"salary\" "
         "without \"by\", on the same grid: its quartiles are the bands' limits"},
        {"[\"gender\"]",
         "{\"name\":\"q\",\"of\":\"salary\",\"stats\":[\"quartiles\"],\"grid\":1000}",
         "analyses[2]: \"quartile_bands\" needs an analysis of the \"quartiles\" of \"salary\" "
         "without \"by\", on the same grid: its quartiles are the bands' limits"},
        {NULL, "{\"name\":\"q\",\"of\":\"salary\",\"stats\":[\"quartiles\"],\"grid\":500}",
         "analyses[2].stats: \"quartile_bands\" needs \"by\" (the groups whose shares of each band "
         "are released)"},
        {"[\"gender\"]",
         "{\"name\":\"q\",\"of\":\"salary\",\"stats\":[\"quartiles\"],\"grid\":500}", NULL},
    };
    for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++) {
        cJSON *d = tu_load_doc(PAY);
        apply(d, "analyses/2/stats/0", "\"quartile_bands\"");
        apply(d, "analyses/2/bins", NULL);
        apply(d, "analyses/2/grid", "500");
        apply(d, "analyses/2/by", bands[i].by);
        if (bands[i].companion != NULL)
            apply(d, "analyses/3", bands[i].companion);
        char err[STUDY_ERR_SIZE];
        study *s = NULL;
        core_err e = tu_parse_doc(d, 0, &s, err);
        if (bands[i].error == NULL) {
            ck_assert_msg(e == CORE_OK, "%s", err);
            ck_assert_uint_eq(s->analyses[2].band_ref, 3);
        } else {
            ck_assert_int_eq(e, CORE_EDECODE);
            ck_assert_str_eq(err, bands[i].error);
        }
        study_free(s);
        cJSON_Delete(d);
    }
    /* A relative grid: the min, then `from`, then 10% apart (rounded
     * down), up to the max. */
    cJSON *rel = tu_load_doc(PAY);
    apply(rel, "analyses/2/stats/1", "\"median\"");
    apply(rel, "analyses/2/grid", "{\"percent\":10,\"from\":1000}");
    study *rs = tu_parse_ok(rel);
    static const int64_t first[] = {0, 1000, 1100, 1210, 1331, 1464, 1610};
    const study_analysis *ra = &rs->analyses[2];
    for (size_t k = 0; k < sizeof first / sizeof first[0]; k++)
        ck_assert_int_eq(ra->grid_edges[k], first[k]);
    ck_assert_int_le(ra->grid_edges[ra->grid_cells - 1], 1000000);
    ck_assert_int_gt(next_edge_after(ra->grid_edges[ra->grid_cells - 1]), 1000000);
    ck_assert_uint_eq(study_grid_cell(ra, 999), 0);
    ck_assert_uint_eq(study_grid_cell(ra, 1000), 1);
    ck_assert_uint_eq(study_grid_cell(ra, 1099), 1);
    ck_assert_uint_eq(study_grid_cell(ra, 1100), 2);
    ck_assert_uint_eq(study_grid_cell(ra, 1000000), ra->grid_cells - 1);
    study_free(rs);
    cJSON_Delete(rel);
    /* Too many cells: 3 x 64 x 64 x 2. */
    cJSON *doc = tu_load_doc(PAY);
    apply(doc, "analyses/0/by/3", "\"manager\"");
    study *s = tu_parse_ok(doc); /* 480 cells is fine */
    study_free(s);
    cJSON *choices = cJSON_CreateArray();
    for (int i = 0; i < 64; i++) {
        char label[16];
        snprintf(label, sizeof label, "c%d", i);
        cJSON_AddItemToArray(choices, cJSON_CreateString(label));
    }
    cJSON *fields = cJSON_GetObjectItem(doc, "fields");
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(fields, 1), "choices",
                              cJSON_Duplicate(choices, 1));
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(fields, 2), "choices", choices);
    char err[STUDY_ERR_SIZE];
    ck_assert_int_eq(tu_parse_doc(doc, 0, &s, err), CORE_ELIMIT);
    ck_assert_str_eq(err, "analyses[0]: 24576 groups is more than the limit of 10000; group by "
                          "fewer fields");
    cJSON_Delete(doc);
    /* Not JSON, too large. */
    ck_assert_int_eq(study_parse("{\"format\":\n  [1,,2]}", 21, 0, &s, err, sizeof err),
                     CORE_EDECODE);
    ck_assert_str_eq(err, "not valid JSON: syntax error at line 2, column 6");
    ck_assert_int_eq(study_parse("{}", STUDY_MAX_JSON + 1, 0, &s, err, sizeof err), CORE_ELIMIT);
}
END_TEST

START_TEST(test_encode_answers)
{
    cJSON *doc = tu_load_doc(PAY);
    study *s = tu_parse_ok(doc);
    uint64_t meas[8];
    char err[STUDY_ERR_SIZE];
    const struct {
        const char *json;
        const char *error; /* NULL: valid */
    } cases[] = {
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":85000,"
         "\"manager\":false}",
         NULL},
        {"{\"gender\":\"Man\",\"ethnicity\":\"White\",\"job\":\"Craft\",\"salary\":\"120000\","
         "\"manager\":\"TRUE\"}",
         NULL},
        {"{\"gender\":\"Wman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":1,"
         "\"manager\":true}",
         "gender: \"Wman\" is not one of the choices \"Woman\", \"Man\", \"Non-binary\""},
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":1000001,"
         "\"manager\":true}",
         "salary: 1000001 is above the maximum 1000000"},
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":-1,"
         "\"manager\":true}",
         "salary: -1 is below the minimum 0"},
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":\"85,000\","
         "\"manager\":true}",
         "salary: must be a whole number from 0 to 1000000 (digits only, no separators)"},
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":850.5,"
         "\"manager\":true}",
         "salary: must be a whole number from 0 to 1000000 (digits only, no separators)"},
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":5,"
         "\"manager\":\"maybe\"}",
         "manager: must be true or false"},
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"salary\":5,\"manager\":true}",
         "job: missing (Job category); every field is required"},
        {"{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":5,"
         "\"manager\":true,\"age\":40}",
         "\"age\" is not a field of this study"},
        {"[1,2]", "an answer must be a JSON object of field names and values"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *a = cJSON_Parse(cases[i].json);
        core_err e = study_encode_answer(s, a, meas, err, sizeof err);
        if (cases[i].error == NULL) {
            ck_assert_msg(e == CORE_OK, "case %zu: %s", i, err);
        } else {
            ck_assert_int_eq(e, CORE_EMEAS);
            ck_assert_str_eq(err, cases[i].error);
        }
        cJSON_Delete(a);
    }
    /* The second case: indices, offset value and bin. */
    cJSON *a = cJSON_Parse(cases[1].json);
    ck_assert_int_eq(study_encode_answer(s, a, meas, err, sizeof err), CORE_OK);
    cJSON_Delete(a);
    ck_assert_uint_eq(meas[0], 1);
    ck_assert_uint_eq(meas[1], 1);
    ck_assert_uint_eq(meas[2], 6);
    ck_assert_uint_eq(meas[3], 120000);
    ck_assert_uint_eq(meas[4], 1);
    ck_assert_uint_eq(meas[5], 2); /* [100000; 200000) */
    /* Text values (a CSV row) give the same encoding. */
    const char *texts[] = {"Man", "White", "Craft", " 120000 ", "true"};
    uint64_t meas2[8];
    ck_assert_int_eq(study_encode_texts(s, texts, meas2, err, sizeof err), CORE_OK);
    ck_assert(memcmp(meas, meas2, 6 * sizeof meas[0]) == 0);
    const char *empty[] = {"Man", "", "Craft", "1", "true"};
    ck_assert_int_eq(study_encode_texts(s, empty, meas2, err, sizeof err), CORE_EMEAS);
    ck_assert_str_eq(err, "ethnicity: missing (Race / ethnicity); every field is required");
    /* One field at a time (the form checks each answer as it is typed). */
    ck_assert_int_eq(study_check_text(s, "salary", "85000", err, sizeof err), CORE_OK);
    ck_assert_int_eq(study_check_text(s, "gender", "Non-binary", err, sizeof err), CORE_OK);
    ck_assert_int_eq(study_check_text(s, "salary", "1000001", err, sizeof err), CORE_EMEAS);
    ck_assert_str_eq(err, "salary: 1000001 is above the maximum 1000000");
    ck_assert_int_eq(study_check_text(s, "manager", "", err, sizeof err), CORE_EMEAS);
    ck_assert_str_eq(err, "manager: missing (Do you manage people?); every field is required");
    ck_assert_int_eq(study_check_text(s, "age", "40", err, sizeof err), CORE_EINVAL);
    ck_assert_str_eq(err, "\"age\" is not a field of this study");
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* ---- the circuit refuses every kind of invalid encoding -------------------- */

START_TEST(test_circuit_soundness)
{
    cJSON *doc = tu_load_doc(PAY);
    study *s = tu_parse_ok(doc);
    const circuit *c = prio3_circuit(study_prio3(s));
    flp *p;
    ck_assert_int_eq(flp_new(&p, c), CORE_OK);
    felem *w = calloc(c->meas_len, sizeof *w), *good = calloc(c->meas_len, sizeof *w);
    uint64_t meas[6] = {0, 4, 2, 85000, 1, 1};
    ck_assert_int_eq(c->ops->encode(c, meas, good), CORE_OK);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, good, 3, 0), CORE_OK);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, good, 3, 1), CORE_EVERIFY);
    const study_field *gender = &s->fields[0], *salary = &s->fields[3];
    const felem one = field_one(FIELD128), two = field_add(FIELD128, one, one);
    for (int kind = 0; kind < 6; kind++) {
        memcpy(w, good, c->meas_len * sizeof *w);
        switch (kind) {
        case 0: /* no choice */ w[gender->wire] = field_zero(); break;
        case 1: /* two choices */ w[gender->wire + 1] = one; break;
        case 2: /* a choice "worth" two */
            w[gender->wire] = two;
            w[gender->wire + 1] = field_neg(FIELD128, one);
            break;
        case 3: /* a salary bit that is not a bit */ w[salary->wire + 3] = two; break;
        case 4: /* a histogram bin vector with no bin */
            w[s->analyses[2].bin_wire + 1] = field_zero();
            break;
        case 5: /* a headcount cell inconsistent with the fields */ break;
        }
        if (kind != 5) {
            study_fill_products(s, w);
        } else {
            size_t cell = s->analyses[0].cell_wire;
            w[cell + 17] = field_add(FIELD128, w[cell + 17], one);
        }
        ck_assert_msg(tu_flp_prove_and_verify(p, w, 3, 0) == CORE_EVERIFY, "kind %d accepted",
                      kind);
    }
    /* The encoder refuses out-of-range integers. */
    uint64_t bad[6] = {3, 0, 0, 0, 0, 0};
    ck_assert_int_eq(c->ops->encode(c, bad, w), CORE_EMEAS);
    free(w);
    free(good);
    flp_free(p);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* A histogram's bin and share_positive's indicator are tied to the value:
 * for every value of small fields (one with values on both sides of 0,
 * one always positive, one never) and every bin or indicator that does
 * not hold it (an empty bin included), no choice of the tie's two slacks
 * makes a report the FLP accepts; the honest one is accepted, and the
 * encoder refuses a wrong one. Then study_encode_forged's bin-value and
 * positive-indicator are rejected on real studies. */
START_TEST(test_bin_tied_to_value)
{
    cJSON *doc = cJSON_Parse(
        "{\"format\":\"mpc-study/1\",\"id\":\"bins\",\"title\":\"Bins\",\"access\":\"open\","
        "\"fields\":[{\"name\":\"x\",\"label\":\"X\",\"type\":\"integer\",\"min\":-2,"
        "\"max\":5},{\"name\":\"y\",\"label\":\"Y\",\"type\":\"integer\",\"min\":1,\"max\":4},"
        "{\"name\":\"z\",\"label\":\"Z\",\"type\":\"integer\",\"min\":-5,\"max\":0}],"
        "\"analyses\":[{\"name\":\"h\",\"of\":\"x\",\"stats\":[\"histogram\",\"share_positive\"],"
        "\"bins\":[-9,-4,0,3,5]},{\"name\":\"py\",\"of\":\"y\",\"stats\":[\"share_positive\"]},"
        "{\"name\":\"pz\",\"of\":\"z\",\"stats\":[\"share_positive\"]}],"
        "\"privacy\":{\"min_submissions\":1,\"min_cell_count\":1}}");
    ck_assert_ptr_nonnull(doc);
    study *s = tu_parse_ok(doc);
    const circuit *c = prio3_circuit(study_prio3(s));
    flp *p;
    ck_assert_int_eq(flp_new(&p, c), CORE_OK);
    felem *w = calloc(c->meas_len, sizeof *w);
    ck_assert_uint_eq(study_meas_count(s), 3 + 1 + 3);
    cJSON *plan = study_plan(s);
    ck_assert_str_eq(cJSON_GetArrayItem(plan, 0)->valuestring,
                     "h: how many contributors fall in each band of X (-9 to -5, -4 to -1, 0 to 2, "
                     "3 to 4, 5 and above); the share of contributors whose X is above 0, over all "
                     "contributors.");
    ck_assert_str_eq(cJSON_GetArrayItem(plan, 1)->valuestring,
                     "py: the share of contributors whose Y is above 0, over all contributors.");
    cJSON_Delete(plan);
    /* Bin 0 ([-9, -4)) holds no value of [-2, 5]. */
    static const int64_t edges[] = {-9, -4, 0, 3, 5, 6};
    struct {
        size_t analysis, meas, parts;
        uint32_t slack;
    } ties[] = {{0, s->analyses[0].bin_meas, 5, s->analyses[0].bin_slack},
                {0, s->analyses[0].pos_meas, 2, s->analyses[0].pos_slack},
                {1, s->analyses[1].pos_meas, 2, s->analyses[1].pos_slack},
                {2, s->analyses[2].pos_meas, 2, s->analyses[2].pos_slack}};
    size_t accepted = 0, tried = 0;
    for (size_t k = 0; k < sizeof ties / sizeof ties[0]; k++) {
        const study_analysis *a = &s->analyses[ties[k].analysis];
        const study_field *f = &s->fields[a->of];
        const study_value *lo = &s->values[ties[k].slack], *hi = lo + 1;
        for (int64_t x = f->min; x <= f->max; x++) {
            size_t right = 0;
            if (k == 0)
                while (x >= edges[right + 1])
                    right++;
            else
                right = x > 0;
            /* Every field in the middle of its range, then x. */
            uint64_t meas[7] = {2, 2, 2};
            meas[a->of] = (uint64_t)(x - f->min);
            char err[STUDY_ERR_SIZE];
            char text[3][24];
            const char *texts[3] = {text[0], text[1], text[2]};
            for (size_t i = 0; i < 3; i++)
                snprintf(text[i], sizeof text[i], "%lld",
                         (long long)((int64_t)meas[i] + s->fields[i].min));
            ck_assert_int_eq(study_encode_texts(s, texts, meas, err, sizeof err), CORE_OK);
            ck_assert_uint_eq(meas[ties[k].meas], right);
            ck_assert_int_eq(c->ops->encode(c, meas, w), CORE_OK);
            ck_assert_int_eq(tu_flp_prove_and_verify(p, w, 2, 0), CORE_OK);
            for (size_t part = 0; part < ties[k].parts; part++) {
                if (part == right)
                    continue;
                meas[ties[k].meas] = part;
                ck_assert_int_eq(c->ops->encode(c, meas, w), CORE_EMEAS);
                for (uint64_t A = 0; A <= lo->max; A++)
                    for (uint64_t B = 0; B <= hi->max; B++) {
                        ck_assert(circuit_encode_range_checked(FIELD128, A, lo->max, w + lo->wire));
                        ck_assert(circuit_encode_range_checked(FIELD128, B, hi->max, w + hi->wire));
                        accepted += tu_flp_prove_and_verify(p, w, 2, 0) == CORE_OK;
                        tried++;
                    }
            }
        }
    }
    ck_assert_uint_eq(accepted, 0);
    ck_assert_uint_eq(tried, 8 * 4 * 64 + 8 * 64 + 4 * 16 + 6 * 36);
    free(w);
    flp_free(p);

    /* positive-indicator flips the indicator of the first analysis. */
    w = calloc(c->meas_len, sizeof *w);
    ck_assert_int_eq(flp_new(&p, c), CORE_OK);
    uint64_t one[7];
    const char *texts[3] = {"0", "1", "0"};
    char err[STUDY_ERR_SIZE];
    ck_assert_int_eq(study_encode_texts(s, texts, one, err, sizeof err), CORE_OK);
    ck_assert_int_eq(
        study_encode_forged(s, one, STUDY_FORGE_POSITIVE_INDICATOR, w, err, sizeof err), CORE_OK);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, w, 2, 0), CORE_EVERIFY);
    free(w);
    flp_free(p);
    study_free(s);
    cJSON_Delete(doc);

    /* bin-value on the pay-equity study: a salary of 85000 put in another
     * band is refused, and the forgery leaves everything else valid. */
    doc = tu_load_doc(PAY);
    s = tu_parse_ok(doc);
    c = prio3_circuit(study_prio3(s));
    ck_assert_int_eq(flp_new(&p, c), CORE_OK);
    w = calloc(c->meas_len, sizeof *w);
    uint64_t meas[6] = {0, 4, 2, 85000, 1, 1};
    ck_assert_int_eq(study_encode_forged(s, meas, STUDY_FORGE_BIN_VALUE, w, err, sizeof err),
                     CORE_OK);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, w, 3, 0), CORE_EVERIFY);
    ck_assert_int_eq(study_forgery_parse("bin-value"), STUDY_FORGE_BIN_VALUE);
    ck_assert(study_forgery_encoded(STUDY_FORGE_BIN_VALUE));
    ck_assert(!study_forgery_encoded(STUDY_FORGE_BAD_PROOF));
    free(w);
    flp_free(p);
    study_free(s);
    cJSON_Delete(doc);

    /* A study without a histogram has no bin to forge. */
    doc = tu_load_doc(VOTE);
    s = tu_parse_ok(doc);
    w = calloc(prio3_circuit(study_prio3(s))->meas_len, sizeof *w);
    uint64_t vote[2] = {0, 0};
    ck_assert_int_eq(study_encode_forged(s, vote, STUDY_FORGE_BIN_VALUE, w, err, sizeof err),
                     CORE_EINVAL);
    ck_assert_str_eq(err, "this study has no histogram with two bins to forge");
    ck_assert_int_eq(
        study_encode_forged(s, vote, STUDY_FORGE_POSITIVE_INDICATOR, w, err, sizeof err),
        CORE_EINVAL);
    ck_assert_str_eq(err, "this study has no share_positive to forge");
    free(w);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* ---- end to end: shard, verify, aggregate, decode, compare ----------------- */

#define N_REPORTS 120

typedef struct clear_row {
    int g, e, j, manager;
    int64_t salary;
} clear_row;

static const cJSON *find_row(const cJSON *rows, const char *analysis, const char *group,
                             const char *stat)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        if (strcmp(cJSON_GetObjectItem(r, "analysis")->valuestring, analysis) == 0 &&
            strcmp(cJSON_GetObjectItem(r, "group")->valuestring, group) == 0 &&
            strcmp(cJSON_GetObjectItem(r, "statistic")->valuestring, stat) == 0)
            return r;
    }
    ck_abort_msg("no row %s/%s/%s", analysis, group, stat);
    return NULL;
}

static void expect(const cJSON *rows, const char *analysis, const char *group, const char *stat,
                   int suppressed, double want, int exact)
{
    const cJSON *r = find_row(rows, analysis, group, stat);
    const char *value = cJSON_GetObjectItem(r, "value")->valuestring;
    const char *note = cJSON_GetObjectItem(r, "note")->valuestring;
    if (suppressed) {
        ck_assert_msg(value[0] == '\0' && strcmp(note, "suppressed") == 0,
                      "%s/%s/%s: expected suppressed, got '%s' '%s'", analysis, group, stat, value,
                      note);
        return;
    }
    ck_assert_msg(note[0] == '\0', "%s/%s/%s: note '%s'", analysis, group, stat, note);
    double got = strtod(value, NULL);
    if (exact) {
        char w[64];
        snprintf(w, sizeof w, "%.0f", want);
        ck_assert_msg(strcmp(value, w) == 0, "%s/%s/%s: got %s want %s", analysis, group, stat,
                      value, w);
    } else {
        ck_assert_msg(fabs(got - want) <= 1e-9 * fabs(want), "%s/%s/%s: got %s want %.17g",
                      analysis, group, stat, value, want);
    }
}

START_TEST(test_end_to_end_statistics)
{
    cJSON *doc = tu_load_doc(PAY);
    tu_add_parties(doc, 3);
    study *s = tu_parse_ok(doc);
    ck_assert_uint_eq(prio3_shares(study_prio3(s)), 3);
    static const char *const genders[] = {"Woman", "Man", "Non-binary"};
    static const char *const jobs[] = {"Executives", "Managers", "Professionals"};
    static clear_row rows[N_REPORTS];
    static uint64_t meas[N_REPORTS][6];
    char err[STUDY_ERR_SIZE];
    for (size_t r = 0; r < N_REPORTS; r++) {
        clear_row *c = &rows[r];
        c->g = (int)tu_rand_below(3);
        c->e = (int)tu_rand_below(8);
        uint64_t x = tu_rand_below(10);
        c->j = x < 6 ? 0 : x < 9 ? 1 : 2; /* skewed: some cells are small */
        c->manager = (int)tu_rand_below(2);
        c->salary = (int64_t)tu_rand_below(r % 7 == 0 ? 1000001 : 150000);
        char json[256];
        snprintf(json, sizeof json,
                 "{\"gender\":\"%s\",\"ethnicity\":\"%s\",\"job\":\"%s\",\"salary\":%lld,"
                 "\"manager\":%s}",
                 genders[c->g], s->fields[1].choices[c->e], jobs[c->j], (long long)c->salary,
                 c->manager ? "true" : "false");
        cJSON *a = cJSON_Parse(json);
        ck_assert_int_eq(study_encode_answer(s, a, meas[r], err, sizeof err), CORE_OK);
        cJSON_Delete(a);
    }
    core_u128 *agg = calloc(prio3_output_len(study_prio3(s)), sizeof *agg);
    tu_run_prio3(s, &meas[0][0], 6, N_REPORTS, agg);
    cJSON *out;
    ck_assert_int_eq(study_result(s, agg, 5, 0, &out), CORE_EINVAL); /* < min_submissions */
    ck_assert_int_eq(study_result(s, agg, N_REPORTS, 3, &out), CORE_OK);
    /* 2 + 240 + 30 * 6 (count, sum, mean, stddev, gap, gap_percent) + 3 * 4
     * bins. */
    ck_assert_int_eq(cJSON_GetArraySize(out), 2 + 240 + 180 + 12);
    expect(out, "_study", "", "submissions_accepted", 0, N_REPORTS, 1);
    expect(out, "_study", "", "submissions_rejected", 0, 3, 1);
    const uint64_t k = study_min_cell_count(s);
    char group[256];
    /* headcount */
    for (int g = 0; g < 3; g++)
        for (int e = 0; e < 8; e++)
            for (int j = 0; j < 10; j++) {
                double n = 0;
                for (size_t r = 0; r < N_REPORTS; r++)
                    n += rows[r].g == g && rows[r].e == e && rows[r].j == j;
                snprintf(group, sizeof group, "gender=%s;ethnicity=%s;job=%s", genders[g],
                         s->fields[1].choices[e], s->fields[2].choices[j]);
                expect(out, "headcount", group, "count", n < (double)k, n, 1);
            }
    /* salary: count, sum, mean, stddev, gap to Man */
    int seen_suppressed = 0, seen_open = 0;
    for (int j = 0; j < 10; j++) {
        double mean_ref = 0;
        int ref_sup = 0;
        for (int g0 = 1, pass = 0; pass < 2; pass++) {
            for (int g = pass ? 0 : g0; g < (pass ? 3 : g0 + 1); g++) {
                double n = 0, sum = 0;
                for (size_t r = 0; r < N_REPORTS; r++)
                    if (rows[r].g == g && rows[r].j == j) {
                        n++;
                        sum += (double)rows[r].salary;
                    }
                double mean = n > 0 ? sum / n : 0, ss = 0;
                for (size_t r = 0; r < N_REPORTS; r++)
                    if (rows[r].g == g && rows[r].j == j)
                        ss += ((double)rows[r].salary - mean) * ((double)rows[r].salary - mean);
                int sup = n < (double)k;
                if (pass == 0) {
                    mean_ref = mean;
                    ref_sup = sup;
                    continue;
                }
                seen_suppressed |= sup;
                seen_open |= !sup;
                snprintf(group, sizeof group, "gender=%s;job=%s", genders[g],
                         s->fields[2].choices[j]);
                expect(out, "salary", group, "count", sup, n, 1);
                expect(out, "salary", group, "sum", sup, sum, 1);
                expect(out, "salary", group, "mean", sup, mean, 0);
                expect(out, "salary", group, "stddev", sup, sqrt(ss / (n - 1)), 0);
                expect(out, "salary", group, "gap", sup || ref_sup, mean / mean_ref, 0);
                expect(out, "salary", group, "gap_percent", sup || ref_sup,
                       (mean_ref - mean) / mean_ref * 100, 0);
            }
        }
    }
    ck_assert(seen_suppressed && seen_open);
    /* salary_bands */
    static const int64_t edges[] = {0, 50000, 100000, 200000, INT64_MAX};
    static const char *const names[] = {"histogram[0;50000)", "histogram[50000;100000)",
                                        "histogram[100000;200000)", "histogram[200000;)"};
    for (int g = 0; g < 3; g++) {
        double n = 0, bins[4] = {0};
        for (size_t r = 0; r < N_REPORTS; r++)
            if (rows[r].g == g) {
                n++;
                for (int b = 0; b < 4; b++)
                    bins[b] += rows[r].salary >= edges[b] && rows[r].salary < edges[b + 1];
            }
        snprintf(group, sizeof group, "gender=%s", genders[g]);
        for (int b = 0; b < 4; b++)
            expect(out, "salary_bands", group, names[b], n < (double)k, bins[b], 1);
    }
    /* The rows pass the check mpc report makes of a leader's result, each
     * row placed in its analysis, cell and column; a changed one fails. */
    int nrows = cJSON_GetArraySize(out);
    study_row_ref *refs = calloc((size_t)nrows, sizeof *refs);
    ck_assert_int_eq(study_check_rows(s, out, refs, err, sizeof err), CORE_OK);
    ck_assert_int_eq(refs[0].analysis, -1);
    ck_assert_int_eq(refs[2].analysis, 0);
    ck_assert_int_eq(refs[nrows - 1].analysis, 2);
    ck_assert_uint_eq(refs[nrows - 1].cell, 2);
    ck_assert_uint_eq(refs[nrows - 1].stat, 3);
    ck_assert_uint_eq(refs[2 + 240 + 8].cell, 1); /* salary: 6 rows per cell */
    ck_assert_uint_eq(refs[2 + 240 + 8].stat, 2);
    cJSON *row = cJSON_GetArrayItem(out, 2 + 240 + 8);
    cJSON_ReplaceItemInObject(row, "value", cJSON_CreateString("=1+1"));
    ck_assert_int_eq(study_check_rows(s, out, NULL, err, sizeof err), CORE_EDECODE);
    ck_assert_str_eq(err, "result row 251: value \"=1+1\" of \"mean\" is not a number");
    cJSON_ReplaceItemInObject(row, "group", cJSON_CreateString("gender=Woman;job=Nobody"));
    ck_assert_int_eq(study_check_rows(s, out, NULL, err, sizeof err), CORE_EDECODE);
    ck_assert_str_eq(err, "result row 251: group \"gender=Woman;job=Nobody\" is not a group of "
                          "analysis \"salary\"");
    free(refs);
    cJSON_Delete(out);
    free(agg);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(test_binding)
{
    cJSON *doc = tu_load_doc(VOTE);
    study *s = tu_parse_ok(doc);
    uint8_t ctx[STUDY_CTX_SIZE];
    study_vdaf_ctx(s, ctx);
    ck_assert(memcmp(ctx, "mpc-study/1", 11) == 0);
    ck_assert(memcmp(ctx + 11, study_hash(s), 32) == 0);
    uint8_t info[STUDY_INFO_SIZE];
    study_hpke_info(2, info);
    ck_assert(memcmp(info, "mpc-study/1 input share\x02", STUDY_INFO_SIZE) == 0);
    uint8_t rid[16], tid[16], pub[3] = {7, 8, 9}, aad[STUDY_AAD_FIXED + 3];
    memset(rid, 1, 16);
    memset(tid, 2, 16);
    ck_assert_uint_eq(study_hpke_aad(s, rid, tid, 0x0102, pub, 3, aad, sizeof aad), sizeof aad);
    ck_assert(memcmp(aad + 32, rid, 16) == 0 && memcmp(aad + 48, tid, 16) == 0);
    ck_assert(aad[64 + 6] == 1 && aad[64 + 7] == 2 && aad[72] == 7);
    ck_assert_uint_eq(study_hpke_aad(s, rid, NULL, 1, pub, 3, aad, sizeof aad - 1), 0);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* ---- hostile text: control characters, party addresses, long labels ------- */

/* The error of parsing doc printed with marker replaced by repl. */
static core_err parse_with(const cJSON *doc, const char *marker, const char *repl, char *err)
{
    char *text = cJSON_PrintUnformatted(doc), *at = strstr(text, marker);
    ck_assert_ptr_nonnull(at);
    size_t len = strlen(text) + strlen(repl) + 1;
    char *edited = malloc(len);
    snprintf(edited, len, "%.*s%s%s", (int)(at - text), text, repl, at + strlen(marker));
    study *s = (study *)1;
    core_err e = study_parse(edited, strlen(edited), 0, &s, err, STUDY_ERR_SIZE);
    if (e != CORE_OK)
        ck_assert_ptr_null(s);
    study_free(e == CORE_OK ? s : NULL);
    free(edited);
    free(text);
    return e;
}

START_TEST(test_hostile_text)
{
    char err[STUDY_ERR_SIZE];
    cJSON *doc = tu_load_doc(PAY);
    tu_add_parties(doc, 3);
    apply(doc, "title", "\"MARK\"");
    ck_assert_int_eq(parse_with(doc, "MARK", "Pay", err), CORE_OK);
    /* ESC and CR rewrite terminal lines; NUL would cut the label. */
    static const char *const controls[] = {"Pay\\u001b[1A\\rApproved", "Pay\\u0000 2026",
                                           "Pay\x1b[2K", "Pay\xc2\x9b", "Pay\\n2026"};
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        ck_assert_int_eq(parse_with(doc, "MARK", controls[i], err), CORE_EDECODE);
        ck_assert_msg(strncmp(err, "title: holds the control character U+00", 39) == 0 ||
                          strstr(err, "a string holds the control character U+0000") != NULL,
                      "%s", err);
    }
    apply(doc, "title", "\"Pay\"");
    apply(doc, "fields/0/choices/0", "\"MARK\"");
    ck_assert_int_eq(parse_with(doc, "MARK", "Wo\\u0000man", err), CORE_EDECODE);
    ck_assert_msg(strncmp(err, "line 1, column ", 15) == 0, "%s", err); /* (cut by a NUL) */
    ck_assert_int_eq(parse_with(doc, "MARK", "Wo\\u001bman", err), CORE_EDECODE);
    ck_assert_str_eq(err, "fields[0].choices[0]: holds the control character U+001B; remove it");
    apply(doc, "fields/0/choices/0", "\"Woman\"");
    /* A party's address: only scheme://host[:port] reaches the CSP. */
    static const struct {
        const char *url, *error;
    } urls[] = {
        {"http://evil.example;script-src-attr\\t'unsafe-inline'",
         "parties[1].url: holds the control character U+0009; remove it"},
        {"http://evil.example;script-src-attr 'unsafe-inline'",
         "parties[1].url: must match the pattern"},
        {"http://evil.example\\r\\nX: y",
         "parties[1].url: holds the control character U+000D; remove it"},
        {"http://Evil.example", "parties[1].url: must match the pattern"},
        {"http://evil..example", "parties[1].url: the host: must be a lowercase DNS name"},
        {"http://[::1]]:8001", "parties[1].url: must be http://HOST[:PORT]"},
        {"http://127.0.0.1:99999", "parties[1].url: the port: must be a number from 1 to 65535"},
        {"http://1.2.3", "parties[1].url: the host: is neither an IPv4 address"},
    };
    apply(doc, "parties/1/url", "\"MARK\"");
    ck_assert_msg(parse_with(doc, "MARK", "http://[::1]:8002", err) == CORE_OK, "%s", err);
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        ck_assert_int_eq(parse_with(doc, "MARK", urls[i].url, err), CORE_EDECODE);
        ck_assert_msg(strncmp(err, urls[i].error, strlen(urls[i].error)) == 0,
                      "%s:\n got  %s\n want %s...", urls[i].url, err, urls[i].error);
    }
    cJSON_Delete(doc);
}
END_TEST

/* Four "by" fields whose labels (100 characters, 2 bytes each) differ only
 * at their end: every one of the 16 groups is named whole. */
START_TEST(test_long_labels)
{
    cJSON *doc = tu_load_doc(PAY);
    char label[2][256];
    for (int v = 0; v < 2; v++) {
        size_t n = 0;
        for (int k = 0; k < 99; k++)
            n += (size_t)snprintf(label[v] + n, sizeof label[v] - n, "\xc3\xa9");
        snprintf(label[v] + n, sizeof label[v] - n, "%c", v ? 'B' : 'A');
    }
    cJSON *fields = cJSON_GetObjectItem(doc, "fields");
    cJSON *by = cJSON_CreateArray();
    for (int f = 0; f < 4; f++) {
        char name[64];
        snprintf(name, sizeof name, "long_field_%d_abcdefghijklmnopqrs", f); /* 32 bytes */
        ck_assert_uint_eq(strlen(name), 32);
        cJSON *field = cJSON_CreateObject(), *choices = cJSON_CreateArray();
        cJSON_AddStringToObject(field, "name", name);
        cJSON_AddStringToObject(field, "label", name);
        cJSON_AddStringToObject(field, "type", "choice");
        cJSON_AddItemToArray(choices, cJSON_CreateString(label[0]));
        cJSON_AddItemToArray(choices, cJSON_CreateString(label[1]));
        cJSON_AddItemToObject(field, "choices", choices);
        cJSON_AddItemToArray(fields, field);
        cJSON_AddItemToArray(by, cJSON_CreateString(name));
    }
    cJSON *analysis = cJSON_CreateObject(), *stats = cJSON_CreateArray();
    cJSON_AddStringToObject(analysis, "name", "long");
    cJSON_AddItemToObject(analysis, "by", by);
    cJSON_AddItemToArray(stats, cJSON_CreateString("count"));
    cJSON_AddItemToObject(analysis, "stats", stats);
    cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "analyses"), analysis);
    study *s = tu_parse_ok(doc);
    core_u128 *agg = calloc(prio3_output_len(study_prio3(s)), sizeof *agg);
    cJSON *rows;
    ck_assert_int_eq(study_result(s, agg, study_min_submissions(s), 0, &rows), CORE_OK);
    size_t seen = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        if (strcmp(cJSON_GetObjectItem(r, "analysis")->valuestring, "long") != 0)
            continue;
        const char *g = cJSON_GetObjectItem(r, "group")->valuestring;
        char want[2048];
        size_t n = 0;
        for (int f = 0; f < 4; f++)
            n += (size_t)snprintf(want + n, sizeof want - n,
                                  "%slong_field_%d_abcdefghijklmnopqrs=%s", f ? ";" : "", f,
                                  label[(seen >> (3 - f)) & 1]);
        ck_assert_str_eq(g, want);
        seen++;
    }
    ck_assert_uint_eq(seen, 16);
    /* The plan names every label and bin, however long. */
    cJSON *plan = study_plan(s);
    ck_assert_ptr_nonnull(strstr(cJSON_GetArrayItem(plan, 3)->valuestring, "(16 groups)."));
    cJSON_Delete(plan);
    cJSON_Delete(rows);
    free(agg);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* What the parties may open (study_open_mask) at exactly min_cell_count - 1
 * contributors (closed) and min_cell_count (open), for every kind of entry
 * and every source of a cell's count: its count entry, the sum of its
 * histogram bins, or the number of reports (no "by"). Counts and bins are
 * always open; sums and sums of squares only for a cell that is not
 * suppressed. */
START_TEST(test_open_mask_threshold)
{
    cJSON *doc = tu_load_doc(PAY);
    apply(doc, "analyses/3", "{\"name\":\"all\",\"of\":\"salary\",\"stats\":[\"sum\",\"stddev\"]}");
    apply(doc, "analyses/4",
          "{\"name\":\"bands_mean\",\"of\":\"salary\",\"by\":[\"gender\"],"
          "\"stats\":[\"mean\",\"histogram\"],\"bins\":[0,50000,100000]}");
    study *s = tu_parse_ok(doc);
    const uint64_t min = study_min_cell_count(s);
    ck_assert_uint_ge(min, 2);
    size_t len = prio3_output_len(study_prio3(s));
    core_u128 *counts = calloc(len, sizeof *counts);
    uint8_t *open = malloc(len), *is_count = malloc(len);
    study_count_outputs(s, is_count);
    /* Cell 0 of every analysis with groups has min - 1 contributors, cell
     * 1 has min, the others none; bins split a cell's count. */
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        for (size_t c = 0; c < 2 && a->num_by > 0; c++) {
            uint64_t n = c == 0 ? min - 1 : min;
            if (a->out_count != SIZE_MAX)
                counts[a->out_count + c].lo = n;
            if (a->out_hist != SIZE_MAX) {
                counts[a->out_hist + c * a->num_bins].lo = 1;
                counts[a->out_hist + c * a->num_bins + a->num_bins - 1].lo = n - 1;
            }
        }
    }
    for (uint64_t reports = min - 1; reports <= min; reports++) {
        memset(open, 0xAA, len);
        study_open_mask(s, counts, reports, open);
        size_t sums = 0;
        for (size_t i = 0; i < s->num_analyses; i++) {
            const study_analysis *a = &s->analyses[i];
            for (size_t c = 0; c < a->cells; c++) {
                /* The number of contributors this cell was given above. */
                uint64_t n = a->num_by == 0 ? reports : c == 0 ? min - 1 : c == 1 ? min : 0;
                uint8_t want = n >= min;
                if (a->out_sum != SIZE_MAX) {
                    ck_assert_msg(open[a->out_sum + c] == want,
                                  "%s cell %zu (%llu contributors): sum %s", a->name, c,
                                  (unsigned long long)n, want ? "closed" : "opened");
                    sums++;
                }
                if (a->out_sq != SIZE_MAX)
                    ck_assert_msg(open[a->out_sq + c] == want,
                                  "%s cell %zu (%llu contributors): sum of squares %s", a->name, c,
                                  (unsigned long long)n, want ? "closed" : "opened");
            }
        }
        ck_assert_uint_gt(sums, 0);
        for (size_t e = 0; e < len; e++) {
            if (is_count[e])
                ck_assert_msg(open[e] == 1, "count entry %zu closed", e);
            ck_assert_msg(open[e] <= 1, "entry %zu not set", e);
        }
    }
    free(counts);
    free(open);
    free(is_count);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* A study of n choice fields of 50 choices each, one analysis by each:
 * 50^n finest cells. */
static core_err parse_crossed(size_t n, char *err)
{
    cJSON *doc = tu_load_doc(VOTE);
    cJSON *fields = cJSON_GetObjectItem(doc, "fields"), *analyses = cJSON_CreateArray();
    for (size_t f = 0; f < n; f++) {
        char name[48];
        snprintf(name, sizeof name, "f%zu", f);
        cJSON *field = cJSON_CreateObject(), *choices = cJSON_CreateArray();
        cJSON_AddStringToObject(field, "name", name);
        cJSON_AddStringToObject(field, "label", name);
        cJSON_AddStringToObject(field, "type", "choice");
        for (int c = 0; c < 50; c++) {
            char label[32];
            snprintf(label, sizeof label, "c%d", c);
            cJSON_AddItemToArray(choices, cJSON_CreateString(label));
        }
        cJSON_AddItemToObject(field, "choices", choices);
        cJSON_AddItemToArray(fields, field);
        cJSON *a = cJSON_CreateObject(), *by = cJSON_CreateArray(), *stats = cJSON_CreateArray();
        snprintf(name, sizeof name, "by_f%zu", f);
        cJSON_AddStringToObject(a, "name", name);
        snprintf(name, sizeof name, "f%zu", f);
        cJSON_AddItemToArray(by, cJSON_CreateString(name));
        cJSON_AddItemToObject(a, "by", by);
        cJSON_AddItemToArray(stats, cJSON_CreateString("count"));
        cJSON_AddItemToObject(a, "stats", stats);
        cJSON_AddItemToArray(analyses, a);
    }
    cJSON_ReplaceItemInObject(doc, "analyses", analyses);
    char *text = cJSON_PrintUnformatted(doc);
    study *st = NULL;
    core_err e = study_parse(text, strlen(text), 0, &st, err, STUDY_ERR_SIZE);
    study_free(st);
    free(text);
    cJSON_Delete(doc);
    return e;
}

/* The analyses together must give a release model small enough to check
 * suppression on (study.h, STUDY_MAX_FINEST): 2,500 finest cells pass,
 * 125,000 are refused with a message that says what to change. */
START_TEST(test_model_size)
{
    char err[STUDY_ERR_SIZE];
    ck_assert_msg(parse_crossed(2, err) == CORE_OK, "%s", err);
    ck_assert_int_eq(parse_crossed(3, err), CORE_ELIMIT);
    ck_assert_msg(strstr(err, "more than 100000 finest cells") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "group by fewer fields or use fewer bins") != NULL, "%s", err);
}
END_TEST

/* A small study with quartiles: x in [-3, 8] on a grid of 3 (grid cells
 * -3..-1, 0..2, 3..5, 6..8) by g (2 groups). */
static const char GRID_STUDY[] =
    "{\"format\":\"mpc-study/1\",\"id\":\"grid\",\"title\":\"Grid\",\"access\":\"open\","
    "\"fields\":[{\"name\":\"g\",\"label\":\"G\",\"type\":\"choice\",\"choices\":[\"a\",\"b\"]},"
    "{\"name\":\"x\",\"label\":\"X\",\"type\":\"integer\",\"min\":-3,\"max\":8}],"
    "\"analyses\":[{\"name\":\"q\",\"of\":\"x\",\"by\":[\"g\"],\"stats\":[\"count\","
    "\"quartiles\"],\"grid\":3}],\"privacy\":{\"min_submissions\":1,\"min_cell_count\":1}}";

/* The grid cell of a median or quartiles is tied to the value: for every
 * value and every grid cell that does not hold it, no choice of the
 * tie's two slacks makes a report the FLP accepts; the honest one is
 * accepted, the encoder refuses a wrong one, and grid-value and
 * grid-two-cells are rejected. */
START_TEST(test_grid_tied_to_value)
{
    cJSON *doc = cJSON_Parse(GRID_STUDY);
    study *s = tu_parse_ok(doc);
    const study_analysis *a = &s->analyses[0];
    ck_assert_uint_eq(a->grid_cells, 4);
    for (size_t k = 0; k < 4; k++)
        ck_assert_int_eq(a->grid_edges[k], -3 + 3 * (int64_t)k);
    cJSON *plan = study_plan(s);
    ck_assert_str_eq(cJSON_GetArrayItem(plan, 0)->valuestring,
                     "q: the number of contributors; the quartiles (25th, 50th and 75th "
                     "percentiles) of X to the nearest 3 below (on a grid of 3 from -3), by G (2 "
                     "groups). To find the quartiles, the computing parties learn, for each group "
                     "and quartile, one count per step of a binary search over the grid (2 "
                     "steps): how many of the group lie below a grid value; never the group's "
                     "whole distribution, and the report shows none of these counts.");
    ck_assert_str_eq(cJSON_GetArrayItem(plan, 1)->valuestring,
                     "Small groups: none is suppressed (the study's minimum group size is 1). "
                     "Medians and quartiles are released only for groups whose figures are "
                     "released, and none of a value's while any band or share of that value is "
                     "withheld (a quartile tells where the group's values lie, and could narrow a "
                     "withheld band; marked \"suppressed (to protect another group)\").");
    cJSON_Delete(plan);
    const circuit *c = prio3_circuit(study_prio3(s));
    flp *p;
    ck_assert_int_eq(flp_new(&p, c), CORE_OK);
    felem *w = calloc(c->meas_len, sizeof *w);
    const study_value *lo = &s->values[a->grid_slack], *hi = lo + 1;
    size_t accepted = 0, tried = 0;
    for (int64_t x = -3; x <= 8; x++) {
        char text[24];
        snprintf(text, sizeof text, "%lld", (long long)x);
        const char *texts[2] = {"b", text};
        uint64_t meas[3];
        char err[STUDY_ERR_SIZE];
        ck_assert_int_eq(study_encode_texts(s, texts, meas, err, sizeof err), CORE_OK);
        size_t right = (size_t)(x + 3) / 3;
        ck_assert_uint_eq(meas[a->grid_meas], right);
        ck_assert_int_eq(c->ops->encode(c, meas, w), CORE_OK);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, w, 2, 0), CORE_OK);
        for (study_forgery k = STUDY_FORGE_GRID_VALUE; k <= STUDY_FORGE_GRID_TWO_CELLS; k++) {
            ck_assert_int_eq(study_encode_forged(s, meas, k, w, err, sizeof err), CORE_OK);
            ck_assert_int_eq(tu_flp_prove_and_verify(p, w, 2, 0), CORE_EVERIFY);
        }
        for (size_t j = 0; j < a->grid_cells; j++) {
            if (j == right)
                continue;
            meas[a->grid_meas] = j;
            ck_assert_int_eq(c->ops->encode(c, meas, w), CORE_EMEAS);
            for (uint64_t A = 0; A <= lo->max; A++)
                for (uint64_t B = 0; B <= hi->max; B++) {
                    ck_assert(circuit_encode_range_checked(FIELD128, A, lo->max, w + lo->wire));
                    ck_assert(circuit_encode_range_checked(FIELD128, B, hi->max, w + hi->wire));
                    accepted += tu_flp_prove_and_verify(p, w, 2, 0) == CORE_OK;
                    tried++;
                }
        }
    }
    ck_assert_uint_eq(accepted, 0);
    ck_assert_uint_eq(tried, 12 * 3 * 12 * 12);
    free(w);
    flp_free(p);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* The q-quartile of a sorted group: the lowest value of the grid cell of
 * the value at rank ceil(q n / 4). */
static int64_t brute_quartile(const int64_t *sorted, size_t n, unsigned q)
{
    int64_t x = sorted[(q * n + 3) / 4 - 1];
    return -3 + (x + 3) / 3 * 3;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The search on random answers: in the clear, and from three parties'
 * shares step by step (each step's probes depend on the steps before),
 * both give the quartiles computed by sorting; a share that does not
 * combine into a prefix count is refused and the search stays where it
 * was. */
START_TEST(test_quantile_search)
{
    cJSON *doc = cJSON_Parse(GRID_STUDY);
    study *s = tu_parse_ok(doc);
    const circuit *c = prio3_circuit(study_prio3(s));
    size_t len = c->output_len;
    felem *w = calloc(c->meas_len, sizeof *w), *out = calloc(len, sizeof *out);
    felem *sum = calloc(len, sizeof *sum);
    int64_t vals[2][64];
    size_t n[2] = {0, 0};
    for (int r = 0; r < 2 + (int)tu_rand_below(60); r++) {
        size_t g = r < 2 ? (size_t)r : (size_t)tu_rand_below(2);
        int64_t x = (int64_t)tu_rand_below(12) - 3;
        uint64_t meas[3];
        char text[24], err[STUDY_ERR_SIZE];
        snprintf(text, sizeof text, "%lld", (long long)x);
        const char *texts[2] = {g ? "b" : "a", text};
        ck_assert_int_eq(study_encode_texts(s, texts, meas, err, sizeof err), CORE_OK);
        ck_assert_int_eq(c->ops->encode(c, meas, w), CORE_OK);
        c->ops->truncate(c, w, out);
        field_vec_add(FIELD128, sum, out, len);
        vals[g][n[g]++] = x;
    }
    core_u128 *agg = calloc(len, sizeof *agg);
    for (size_t i = 0; i < len; i++)
        agg[i] = field_to_u128(FIELD128, sum[i]);
    uint8_t state[8] = {0};
    ck_assert_uint_le(study_num_units(s), sizeof state);
    uint64_t reports = n[0] + n[1];
    /* Three shares of the aggregate, encoded as output shares. */
    const size_t elem = 16;
    uint8_t *shares = calloc(3, len * elem);
    felem *last = calloc(len, sizeof *last);
    memcpy(last, sum, len * sizeof *sum);
    for (int j = 0; j < 2; j++) {
        felem *r = calloc(len, sizeof *r);
        for (size_t i = 0; i < len; i++)
            r[i] = tu_rand_elem(FIELD128);
        field_vec_sub(FIELD128, last, r, len);
        field_vec_encode(FIELD128, r, len, shares + (size_t)j * len * elem);
        free(r);
    }
    field_vec_encode(FIELD128, last, len, shares + 2 * len * elem);
    study_search *clear, *split, *bad;
    ck_assert_int_eq(study_search_new(s, agg, reports, state, &clear), CORE_OK);
    ck_assert_int_eq(study_search_new(s, agg, reports, state, &split), CORE_OK);
    ck_assert_int_eq(study_search_new(s, agg, reports, state, &bad), CORE_OK);
    ck_assert_uint_eq(study_search_steps(clear), 2); /* 4 grid cells */
    ck_assert_int_eq(study_search_run_clear(clear, agg), CORE_OK);
    for (size_t t = 0; t < study_search_steps(split); t++) {
        size_t k;
        ck_assert_ptr_null(study_search_probes(split, t + 1, &k)); /* not planned yet */
        ck_assert_uint_eq(k, 0);
        const uint32_t *probes = study_search_probes(split, t, &k);
        ck_assert_uint_eq(k, 6); /* 2 groups x 3 quartiles */
        ck_assert_ptr_nonnull(probes);
        uint8_t *values = calloc(3, k * elem);
        for (int j = 0; j < 3; j++)
            ck_assert_int_eq(study_search_share(split, t, shares + (size_t)j * len * elem,
                                                values + (size_t)j * k * elem),
                             CORE_OK);
        ck_assert_int_eq(study_search_open(split, values, 3), CORE_OK);
        ck_assert_uint_eq(study_search_done(split), t + 1);
        if (t == 0) {
            /* One party's shares replaced: no prefix count, refused. */
            tu_rand_bytes(values, k * elem);
            for (size_t i = 0; i < k; i++)
                values[i * elem + 15] &= 0x0f;
            ck_assert_int_eq(study_search_open(bad, values, 3), CORE_EINVAL);
            ck_assert_uint_eq(study_search_done(bad), 0);
        }
        free(values);
    }
    ck_assert_int_eq(study_search_open(split, shares, 3), CORE_EINVAL); /* done */
    for (size_t g = 0; g < 2; g++) {
        qsort(vals[g], n[g], sizeof vals[g][0], cmp_i64);
        for (unsigned q = 1; q <= 3; q++) {
            int64_t v1, v2;
            ck_assert(study_search_value(clear, 0, g, q, &v1));
            ck_assert(study_search_value(split, 0, g, q, &v2));
            ck_assert_int_eq(v1, brute_quartile(vals[g], n[g], q));
            ck_assert_int_eq(v2, v1);
        }
    }
    study_search_free(clear);
    study_search_free(split);
    study_search_free(bad);
    free(shares);
    free(last);
    free(agg);
    free(sum);
    free(out);
    free(w);
    study_free(s);
    cJSON_Delete(doc);
}
END_TEST

/* The indicators (docs/STUDY.md, "Indicators"): the EU example's seven
 * headings, each row under at most one; and what the compiler refuses. */
START_TEST(test_indicators)
{
    cJSON *doc = tu_load_doc("schema/studies/eu-pay-transparency.json");
    study *s = tu_parse_ok(doc);
    ck_assert_uint_eq(study_num_sections(s), 7);
    ck_assert_str_eq(study_indicators_title(s),
                     "Pay Transparency Directive (EU) 2023/970, Article 9(1)");
    ck_assert_str_eq(study_section_heading(s, 2), "(c) The median gender pay gap");
    /* (f): the four bands of pay_bands (its only columns), and the three
     * quartiles of pay_quartiles (after its count). */
    ck_assert_uint_eq(study_section_tables(s, 5), 2);
    ck_assert_uint_eq(study_table_analysis(s, 5, 0), 2);
    ck_assert_ptr_null(study_table_label(s, 5, 0));
    for (size_t c = 0; c < 4; c++)
        ck_assert(study_table_shows(s, 5, 0, c));
    ck_assert(!study_table_shows(s, 5, 0, 4));
    ck_assert_str_eq(study_table_label(s, 5, 1), "The quartile pay bands' limits (all workers)");
    ck_assert(!study_table_shows(s, 5, 1, 0));
    for (size_t c = 1; c < 4; c++)
        ck_assert(study_table_shows(s, 5, 1, c));
    /* pay_gap's columns: count, mean, median, gap, gap_percent,
     * median_gap_percent: (a) has gap_percent, (c) median_gap_percent,
     * none the count. */
    size_t k = 99, t = 99;
    study_row_ref ref = {.analysis = 0, .cell = 1, .stat = 4};
    ck_assert(study_row_indicator(s, &ref, &k, &t));
    ck_assert_uint_eq(k, 0);
    ck_assert_uint_eq(t, 0);
    ref.stat = 5;
    ck_assert(study_row_indicator(s, &ref, &k, &t));
    ck_assert_uint_eq(k, 2);
    ref.stat = 0;
    ck_assert(!study_row_indicator(s, &ref, &k, &t));
    ref.analysis = -1;
    ck_assert(!study_row_indicator(s, &ref, &k, &t));
    study_free(s);
    cJSON_Delete(doc);

    /* Without indicators: none. */
    doc = tu_load_doc(PAY);
    s = tu_parse_ok(doc);
    ck_assert_uint_eq(study_num_sections(s), 0);
    ck_assert_ptr_null(study_indicators_title(s));
    study_free(s);

    /* What the compiler refuses (the pay-equity study: salary has count,
     * sum, mean, stddev, gap, gap_percent; salary_bands a histogram). */
    static const struct {
        const char *tables, *error;
    } cases[] = {
        {"[{\"analysis\":\"wages\",\"statistics\":[\"mean\"]}]",
         "indicators.sections[1].tables[0].analysis: no analysis is named \"wages\""},
        {"[{\"analysis\":\"salary\",\"statistics\":[\"mean\",\"median\"]}]",
         "indicators.sections[1].tables[0].statistics[1]: analysis \"salary\" has no statistic "
         "\"median\"; it has count, sum, mean, stddev, gap, gap_percent"},
        {"[{\"analysis\":\"salary\",\"statistics\":[\"gap\",\"gap_percent\"]}]",
         "indicators.sections[1].tables[0].statistics[1]: \"gap_percent\" of analysis "
         "\"salary\" is already under indicators.sections[0]; a statistic is shown under one "
         "heading only"},
        {"[{\"analysis\":\"salary_bands\",\"statistics\":[\"histogram\"]},"
         "{\"analysis\":\"salary_bands\",\"statistics\":[\"histogram[50000;100000)\"]}]",
         "indicators.sections[1].tables[1].statistics[0]: \"histogram[50000;100000)\" of "
         "analysis \"salary_bands\" is already under indicators.sections[1]; a statistic is "
         "shown under one heading only"},
        {"[]", "indicators.sections[1].tables: must have at least 1 item"},
        {"[{\"analysis\":\"salary\",\"statistics\":[\"mean\"],\"note\":\"x\"}]",
         "indicators.sections[1].tables[0]: unknown property \"note\""},
        {"[{\"analysis\":\"salary_bands\",\"statistics\":[\"histogram[0;50000)\"]}]", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *d = tu_load_doc(PAY);
        apply(d, "indicators",
              "{\"title\":\"Pay gaps\",\"sections\":[{\"heading\":\"The gap\",\"tables\":"
              "[{\"analysis\":\"salary\",\"statistics\":[\"gap_percent\"],\"label\":\"Salary\"}]},"
              "{\"heading\":\"More\",\"tables\":[]}]}");
        apply(d, "indicators/sections/1/tables", cases[i].tables);
        char err[STUDY_ERR_SIZE];
        study *bad = NULL;
        core_err e = tu_parse_doc(d, 0, &bad, err);
        if (cases[i].error == NULL) {
            ck_assert_msg(e == CORE_OK, "%s", err);
            ck_assert(study_table_shows(bad, 1, 0, 0));
            ck_assert(!study_table_shows(bad, 1, 0, 1));
            ck_assert_str_eq(study_table_label(bad, 0, 0), "Salary");
        } else {
            ck_assert_msg(e == CORE_EDECODE, "case %zu: %d %s", i, e, err);
            ck_assert_ptr_null(bad);
            ck_assert_msg(strcmp(err, cases[i].error) == 0, "case %zu:\n got  %s\n want %s", i, err,
                          cases[i].error);
        }
        study_free(bad);
        cJSON_Delete(d);
    }
    cJSON_Delete(doc);
}
END_TEST

TU_MAIN("study", 120, test_examples_parse, test_hash_canonical, test_validation_errors,
        test_encode_answers, test_circuit_soundness, test_bin_tied_to_value,
        test_grid_tied_to_value, test_quantile_search, test_end_to_end_statistics, test_binding,
        test_hostile_text, test_long_labels, test_open_mask_threshold, test_model_size,
        test_indicators)
