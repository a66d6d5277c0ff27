/*
 * test_org.c - organization studies (wasm/core/study_org.c): an
 * employer's table, run through a real 3-party Prio3, gives the same
 * report rows as its people's answers sent one by one; the circuit
 * refuses every forged table; a cell with fewer employers than
 * min_contributors is withheld however many people it holds; the
 * settings' rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "flp.h"
#include "study.h"
#include "suppress.h"
#include "testutil.h"

#define PAY "schema/studies/pay-equity.json"
#define EU "schema/studies/eu-pay-transparency.json"

/* Three parties (keys only checked for form), min_submissions 1. */
static void prepare(cJSON *doc)
{
    tu_add_parties(doc, 3);
    cJSON *privacy = cJSON_GetObjectItemCaseSensitive(doc, "privacy");
    cJSON_ReplaceItemInObjectCaseSensitive(privacy, "min_submissions", cJSON_CreateNumber(1));
}

/* The organization version of doc. */
static cJSON *organization(const cJSON *doc, unsigned max_rows, unsigned min_contributors)
{
    cJSON *o = cJSON_Duplicate(doc, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(o, "access", cJSON_CreateString("organization"));
    cJSON_AddNumberToObject(o, "max_rows", max_rows);
    cJSON *privacy = cJSON_GetObjectItemCaseSensitive(o, "privacy");
    cJSON_AddNumberToObject(privacy, "min_contributors", min_contributors);
    cJSON_ReplaceItemInObjectCaseSensitive(privacy, "min_submissions",
                                           cJSON_CreateNumber(min_contributors));
    return o;
}

/* A random answer to doc's fields: choices uniform, integers spread over
 * their range with some at 0 (bonuses), booleans fair. force: a field
 * name whose value is forced to `to` (or NULL). */
static cJSON *random_answer(const cJSON *doc, const char *force, const char *to)
{
    cJSON *ans = cJSON_CreateObject(), *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "fields"))
    {
        const char *name = cJSON_GetObjectItemCaseSensitive(f, "name")->valuestring;
        const char *type = cJSON_GetObjectItemCaseSensitive(f, "type")->valuestring;
        if (force != NULL && strcmp(name, force) == 0) {
            cJSON_AddStringToObject(ans, name, to);
        } else if (strcmp(type, "choice") == 0) {
            const cJSON *ch = cJSON_GetObjectItemCaseSensitive(f, "choices");
            int k = (int)tu_rand_below((uint64_t)cJSON_GetArraySize(ch));
            cJSON_AddStringToObject(ans, name, cJSON_GetArrayItem(ch, k)->valuestring);
        } else if (strcmp(type, "integer") == 0) {
            double lo = cJSON_GetObjectItemCaseSensitive(f, "min")->valuedouble;
            double hi = cJSON_GetObjectItemCaseSensitive(f, "max")->valuedouble;
            uint64_t span = (uint64_t)(hi - lo) + 1, r = tu_rand_below(10);
            /* mostly the lower tenth (salaries), sometimes anywhere, some 0 */
            double v = r == 0 && lo <= 0 && hi >= 0 ? 0
                       : r < 8                      ? lo + (double)tu_rand_below(span / 10 + 1)
                                                    : lo + (double)tu_rand_below(span);
            cJSON_AddNumberToObject(ans, name, v);
        } else {
            cJSON_AddBoolToObject(ans, name, tu_rand_below(2));
        }
    }
    return ans;
}

static const char *member(const cJSON *row, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(row, name)->valuestring;
}

static const cJSON *find_row(const cJSON *rows, const char *analysis, const char *group,
                             const char *stat)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        if (strcmp(member(r, "analysis"), analysis) == 0 &&
            strcmp(member(r, "group"), group) == 0 && strcmp(member(r, "statistic"), stat) == 0)
            return r;
    }
    return NULL;
}

/* A study as its people answer it (sp, from doc) and as employers report
 * it (so, from odoc), with reports: each employer's table (tables, k x
 * study_meas_count(so)) and the same answers one by one (people, total
 * x study_meas_count(sp)). */
typedef struct pair {
    cJSON *doc, *odoc;
    study *sp, *so;
    uint64_t *tables, *people;
    size_t total;
} pair;

static void pair_open(pair *p, const char *path, unsigned max_rows, unsigned min_contributors)
{
    *p = (pair){0};
    p->doc = tu_load_doc(path);
    prepare(p->doc);
    p->odoc = organization(p->doc, max_rows, min_contributors);
    p->sp = tu_parse_ok(p->doc);
    p->so = tu_parse_ok(p->odoc);
}

static void pair_free(pair *p)
{
    free(p->tables);
    free(p->people);
    study_free(p->sp);
    study_free(p->so);
    cJSON_Delete(p->doc);
    cJSON_Delete(p->odoc);
}

/* Random answers spread over num_employers employers (employer k gets
 * sizes[k]): the first forced_employers employers have field `force`'s
 * first choice for all their people, the others never (force NULL: no
 * such field). */
static void make_reports(pair *p, size_t num_employers, const size_t *sizes, const char *force,
                         size_t forced_employers)
{
    size_t mp = study_meas_count(p->sp), mo = study_meas_count(p->so);
    ck_assert_uint_eq(study_row_meas_count(p->so), mp);
    p->total = 0;
    for (size_t k = 0; k < num_employers; k++)
        p->total += sizes[k];
    p->tables = calloc(num_employers * mo, sizeof *p->tables);
    p->people = calloc(p->total * mp, sizeof *p->people);
    const cJSON *f = NULL, *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(p->doc, "fields"))
    {
        if (force != NULL &&
            strcmp(cJSON_GetObjectItemCaseSensitive(x, "name")->valuestring, force) == 0)
            f = x;
    }
    const cJSON *ch = f ? cJSON_GetObjectItemCaseSensitive(f, "choices") : NULL;
    size_t at = 0;
    for (size_t k = 0; k < num_employers; k++)
        for (size_t r = 0; r < sizes[k]; r++, at++) {
            const char *to =
                ch ? cJSON_GetArrayItem(ch, k < forced_employers ? 0 : 1)->valuestring : NULL;
            cJSON *ans = random_answer(p->doc, force, to);
            char err[STUDY_ERR_SIZE];
            uint64_t *row = p->people + at * mp;
            ck_assert_msg(study_encode_answer(p->sp, ans, row, err, sizeof err) == CORE_OK, "%s",
                          err);
            ck_assert_int_eq(study_table_add(p->so, row, p->tables + k * mo), CORE_OK);
            cJSON_Delete(ans);
        }
}

/* doc's report from people one by one, and from employers' tables, as
 * rows; min_contributors 1, so that they must be equal. */
static void check_same_report(const char *path, unsigned max_rows)
{
    pair pr;
    pair_open(&pr, path, max_rows, 1);
    study *sp = pr.sp, *so = pr.so;
    ck_assert(study_is_organization(so) && !study_is_organization(sp));
    ck_assert_uint_eq(study_max_rows(so), max_rows);
    enum { EMPLOYERS = 6 };
    size_t sizes[EMPLOYERS];
    for (size_t k = 0; k < EMPLOYERS; k++)
        sizes[k] = 1 + tu_rand_below(40);
    make_reports(&pr, EMPLOYERS, sizes, NULL, 0);
    uint64_t *tables = pr.tables, *people = pr.people;
    size_t total = pr.total;
    for (size_t k = 0; k < EMPLOYERS; k++)
        ck_assert_uint_eq(study_table_people(so, tables + k * study_meas_count(so)), sizes[k]);
    core_u128 *ap = calloc(prio3_output_len(study_prio3(sp)), sizeof *ap);
    core_u128 *ao = calloc(prio3_output_len(study_prio3(so)), sizeof *ao);
    tu_run_prio3(sp, people, study_meas_count(sp), total, ap);
    tu_run_prio3(so, tables, study_meas_count(so), EMPLOYERS, ao);
    cJSON *rp = NULL, *ro = NULL;
    ck_assert_int_eq(study_result(sp, ap, total, 0, &rp), CORE_OK);
    ck_assert_int_eq(study_result(so, ao, EMPLOYERS, 0, &ro), CORE_OK);
    /* The same rows, but the summary's: employers accepted, and people. */
    ck_assert_int_eq(cJSON_GetArraySize(ro), cJSON_GetArraySize(rp) + 1);
    char want[32];
    snprintf(want, sizeof want, "%zu", total);
    ck_assert_str_eq(member(find_row(ro, "_study", "", "people"), "value"), want);
    ck_assert_str_eq(member(find_row(ro, "_study", "", "submissions_accepted"), "value"), "6");
    ck_assert_str_eq(member(find_row(rp, "_study", "", "submissions_accepted"), "value"), want);
    ck_assert_int_eq(study_check_rows(so, ro, NULL, NULL, 0), CORE_OK);
    size_t compared = 0, released = 0;
    for (int i = 3; i < cJSON_GetArraySize(ro); i++) {
        const cJSON *x = cJSON_GetArrayItem(ro, i), *y = cJSON_GetArrayItem(rp, i - 1);
        static const char *const cols[] = {"analysis", "group", "statistic", "value", "note"};
        for (size_t k = 0; k < 5; k++)
            ck_assert_msg(strcmp(member(x, cols[k]), member(y, cols[k])) == 0,
                          "%s: row %d (%s %s %s): %s is \"%s\" from the tables, \"%s\" from the "
                          "people",
                          path, i, member(y, "analysis"), member(y, "group"),
                          member(y, "statistic"), cols[k], member(x, cols[k]), member(y, cols[k]));
        compared++;
        released += member(x, "value")[0] != '\0';
    }
    ck_assert_uint_gt(released, 20); /* (the data are not all withheld) */
    cJSON_Delete(rp);
    cJSON_Delete(ro);
    free(ap);
    free(ao);
    pair_free(&pr);
}

START_TEST(test_same_report_pay_equity)
{
    check_same_report(PAY, 1000);
}
END_TEST

START_TEST(test_same_report_eu)
{
    check_same_report(EU, 500);
}
END_TEST

/* Every forged table is refused by the circuit; the honest one passes. */
START_TEST(test_forgeries_refused)
{
    static const char *const paths[] = {PAY, EU};
    for (size_t d = 0; d < 2; d++) {
        pair pr;
        pair_open(&pr, paths[d], 200, 3);
        study *sp = pr.sp, *so = pr.so;
        size_t sizes[1] = {25};
        make_reports(&pr, 1, sizes, NULL, 0);
        uint64_t *tables = pr.tables, *people = pr.people;
        const circuit *c = prio3_circuit(study_prio3(so));
        flp *p = NULL;
        ck_assert_int_eq(flp_new(&p, c), CORE_OK);
        felem *w = calloc(c->meas_len, sizeof *w);
        char err[STUDY_ERR_SIZE];
        ck_assert_int_eq(study_encode_forged(so, tables, STUDY_FORGE_NONE, w, err, sizeof err),
                         CORE_OK);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, w, 3, 0), CORE_OK);
        static const char *const kinds[] = {"presence", "count-above-max", "sum-bounds"};
        for (size_t k = 0; k < 3; k++) {
            study_forgery f = study_forgery_parse(kinds[k]);
            ck_assert_int_ne(f, STUDY_FORGE_NONE);
            ck_assert_msg(study_encode_forged(so, tables, f, w, err, sizeof err) == CORE_OK, "%s",
                          err);
            ck_assert_msg(tu_flp_prove_and_verify(p, w, 3, 0) != CORE_OK, "%s: %s accepted",
                          paths[d], kinds[k]);
        }
        /* A per-person forgery does not apply to a table, nor the reverse. */
        ck_assert_int_eq(study_encode_forged(so, tables, STUDY_FORGE_BIN_VALUE, w, err, sizeof err),
                         CORE_EINVAL);
        ck_assert_int_eq(study_encode_forged(sp, people, STUDY_FORGE_PRESENCE, w, err, sizeof err),
                         CORE_EINVAL);
        /* An honest client refuses to encode an impossible table. */
        uint64_t *bad = malloc(study_meas_count(so) * sizeof *bad);
        memcpy(bad, tables, study_meas_count(so) * sizeof *bad);
        bad[0] += 1; /* one more person than the cells hold: the encoding still
                      * runs, the totals relation is what fails */
        felem *w2 = calloc(c->meas_len, sizeof *w2);
        ck_assert_int_eq(c->ops->encode(c, bad, w2), CORE_OK);
        ck_assert_int_ne(tu_flp_prove_and_verify(p, w2, 3, 0), CORE_OK);
        memcpy(bad, tables, study_meas_count(so) * sizeof *bad);
        bad[0] = 201; /* above max_rows */
        ck_assert_int_eq(c->ops->encode(c, bad, w2), CORE_EMEAS);
        free(w2);
        free(bad);
        flp_free(p);
        free(w);
        pair_free(&pr);
    }
}
END_TEST

/* Each bound on its own: in a study of one analysis, a forged table
 * breaks only the check it aims at (the sum's bound U <= W n without
 * parts, its tie to the bins' counts with them), which the circuit
 * must then hold by itself. */
START_TEST(test_each_bound)
{
    static const char *const analyses[] = {
        "{\"name\":\"pay\",\"of\":\"pay\",\"by\":[\"gender\"],\"stats\":[\"sum\"]}",
        "{\"name\":\"pay\",\"of\":\"pay\",\"by\":[\"gender\"],\"stats\":[\"histogram\"],"
        "\"bins\":[0,100,500]}",
        "{\"name\":\"pay\",\"by\":[\"gender\"],\"stats\":[\"count\"]}"};
    for (size_t k = 0; k < 3; k++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "{\"format\":\"mpc-study/1\",\"id\":\"one\",\"title\":\"One\","
                 "\"access\":\"organization\",\"max_rows\":50,"
                 "\"fields\":[{\"name\":\"gender\",\"label\":\"Gender\",\"type\":\"choice\","
                 "\"choices\":[\"Woman\",\"Man\"]},{\"name\":\"pay\",\"label\":\"Pay\","
                 "\"type\":\"integer\",\"min\":0,\"max\":1000}],\"analyses\":[%s],"
                 "\"privacy\":{\"min_submissions\":1,\"min_cell_count\":1}}",
                 analyses[k]);
        cJSON *doc = cJSON_Parse(text);
        ck_assert_ptr_nonnull(doc);
        study *so = tu_parse_ok(doc);
        uint64_t *t = calloc(study_meas_count(so), sizeof *t);
        uint64_t *row = calloc(study_row_meas_count(so), sizeof *row);
        char err[STUDY_ERR_SIZE];
        for (int r = 0; r < 10; r++) {
            cJSON *ans = random_answer(doc, NULL, NULL);
            ck_assert_int_eq(study_encode_answer(so, ans, row, err, sizeof err), CORE_OK);
            ck_assert_int_eq(study_table_add(so, row, t), CORE_OK);
            cJSON_Delete(ans);
        }
        const circuit *c = prio3_circuit(study_prio3(so));
        flp *p = NULL;
        ck_assert_int_eq(flp_new(&p, c), CORE_OK);
        felem *w = calloc(c->meas_len, sizeof *w);
        study_forgery kinds[] = {k < 2 ? STUDY_FORGE_SUM_BOUNDS : STUDY_FORGE_PRESENCE,
                                 STUDY_FORGE_COUNT_ABOVE_MAX};
        for (size_t f = 0; f < 2; f++) {
            ck_assert_int_eq(study_encode_forged(so, t, kinds[f], w, err, sizeof err), CORE_OK);
            ck_assert_msg(tu_flp_prove_and_verify(p, w, 2, 0) != CORE_OK,
                          "%s: forgery %zu accepted", analyses[k], f);
        }
        /* A study without sums has none to forge. */
        if (k == 2)
            ck_assert_int_eq(study_encode_forged(so, t, STUDY_FORGE_SUM_BOUNDS, w, err, sizeof err),
                             CORE_EINVAL);
        flp_free(p);
        free(w);
        free(t);
        free(row);
        study_free(so);
        cJSON_Delete(doc);
    }
}
END_TEST

/* A group held by only two employers is withheld with min_contributors 3,
 * however many people it holds; with 2 it is released. */
START_TEST(test_min_contributors)
{
    for (unsigned mc = 2; mc <= 3; mc++) {
        pair pr;
        pair_open(&pr, PAY, 1000, mc);
        study *so = pr.so;
        ck_assert_uint_eq(study_min_contributors(so), mc);
        enum { EMPLOYERS = 8 };
        size_t sizes[EMPLOYERS] = {60, 60, 20, 20, 20, 20, 20, 20};
        /* Employers 0 and 1: all their people are women (the first
         * gender); the other six employ no women. */
        make_reports(&pr, EMPLOYERS, sizes, "gender", 2);
        uint64_t *tables = pr.tables;
        core_u128 *ao = calloc(prio3_output_len(study_prio3(so)), sizeof *ao);
        tu_run_prio3(so, tables, study_meas_count(so), EMPLOYERS, ao);
        cJSON *ro = NULL;
        ck_assert_int_eq(study_result(so, ao, EMPLOYERS, 0, &ro), CORE_OK);
        const cJSON *r = find_row(ro, "salary_bands", "gender=Woman", "histogram[0;50000)");
        ck_assert_ptr_nonnull(r);
        const cJSON *n = find_row(ro, "salary", "gender=Woman;job=Executives", "count");
        if (mc == 3) {
            ck_assert_str_eq(member(r, "value"), "");
            ck_assert_str_eq(member(r, "note"), "suppressed");
        } else {
            ck_assert_str_ne(member(r, "value"), "");
        }
        ck_assert_ptr_nonnull(n);
        /* The suppression pattern too: every unit of women withheld. */
        uint8_t *is_count = malloc(prio3_output_len(study_prio3(so)));
        study_count_outputs(so, is_count);
        uint8_t *state = malloc(study_num_units(so));
        char err[256];
        size_t added = 0;
        ck_assert_msg(suppress_pattern(so, ao, EMPLOYERS, state, &added, err, sizeof err) == 0,
                      "%s", err);
        /* (every analysis of the study groups by gender first) */
        study_model *m = NULL;
        ck_assert_int_eq(study_model_new(so, ao, EMPLOYERS, &m), CORE_OK);
        size_t women = 0, withheld = 0;
        for (size_t u = 0; u < m->num_units; u++) {
            const study_unit *x = &m->units[u];
            if (x->n == 0 || strcmp(study_cell_choice(so, x->analysis, x->cell, 0), "Woman") != 0)
                continue;
            ck_assert(x->employers >= 1 && x->employers <= 2);
            women++;
            withheld += state[u] != STUDY_RELEASED;
        }
        study_model_free(m);
        ck_assert_uint_gt(women, 0);
        if (mc == 3)
            ck_assert_uint_eq(withheld, women);
        else
            ck_assert_uint_lt(withheld, women);
        free(is_count);
        free(state);
        cJSON_Delete(ro);
        free(ao);
        pair_free(&pr);
    }
}
END_TEST

/* The settings' rules, each with its message. */
START_TEST(test_settings)
{
    cJSON *doc = tu_load_doc(PAY);
    prepare(doc);
    char err[STUDY_ERR_SIZE];
    study *s = NULL;
    /* max_rows only with organization access, and required with it */
    cJSON *d = cJSON_Duplicate(doc, 1);
    cJSON_AddNumberToObject(d, "max_rows", 10);
    ck_assert_int_eq(tu_parse_doc(d, 0, &s, err), CORE_EDECODE);
    ck_assert_ptr_nonnull(strstr(err, "max_rows: only for \"access\": \"organization\""));
    cJSON_Delete(d);
    d = organization(doc, 10, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(d, "max_rows");
    ck_assert_int_eq(tu_parse_doc(d, 0, &s, err), CORE_EDECODE);
    ck_assert_ptr_nonnull(strstr(err, "max_rows: required"));
    cJSON_Delete(d);
    d = cJSON_Duplicate(doc, 1);
    cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(d, "privacy"), "min_contributors", 2);
    ck_assert_int_eq(tu_parse_doc(d, 0, &s, err), CORE_EDECODE);
    ck_assert_ptr_nonnull(strstr(err, "privacy.min_contributors: only for"));
    cJSON_Delete(d);
    /* fewer reports needed than a group's employers */
    d = organization(doc, 10, 20);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "privacy"),
                                           "min_submissions", cJSON_CreateNumber(19));
    ck_assert_int_eq(tu_parse_doc(d, 0, &s, err), CORE_EDECODE);
    ck_assert_ptr_nonnull(
        strstr(err, "privacy.min_submissions: must be at least min_contributors (20)"));
    cJSON_Delete(d);
    /* too many people times a range squared: the table could wrap */
    d = organization(doc, 10000000, 1);
    ck_assert_int_eq(tu_parse_doc(d, 0, &s, err), CORE_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err, "too large for an employer's table"));
    cJSON_Delete(d);
    /* a table holds at most max_rows people */
    d = organization(doc, 3, 1);
    s = tu_parse_ok(d);
    uint64_t *t = calloc(study_meas_count(s), sizeof *t);
    uint64_t *row = calloc(study_row_meas_count(s), sizeof *row);
    cJSON *ans = random_answer(doc, NULL, NULL);
    ck_assert_int_eq(study_encode_answer(s, ans, row, err, sizeof err), CORE_OK);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(study_table_add(s, row, t), CORE_OK);
    ck_assert_int_eq(study_table_add(s, row, t), CORE_ELIMIT);
    ck_assert_uint_eq(study_table_people(s, t), 3);
    free(t);
    free(row);
    cJSON_Delete(ans);
    study_free(s);
    cJSON_Delete(d);
    cJSON_Delete(doc);
}
END_TEST

TU_MAIN("organization", 600, test_same_report_pay_equity, test_same_report_eu,
        test_forgeries_refused, test_each_bound, test_min_contributors, test_settings)
