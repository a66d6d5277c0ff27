/*
 * study_result.c - from an aggregate of the study circuit to the report
 * rows of docs/DESIGN.md, section 7 (counts, sums, means, sample standard
 * deviations, gaps, histograms; small cells suppressed), and the analysis
 * plan in plain language.
 *
 * Counts and sums are exact (128-bit integers); the standard deviation's
 * numerator n * sum(u^2) - sum(u)^2 is exact too whenever it fits in 128
 * bits, so only the final division and square root round.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "study_internal.h"

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

static u128 to_u128(core_u128 x)
{
    return (u128)x.hi << 64 | x.lo;
}

static void fmt_i128(i128 v, char *out, size_t size)
{
    char tmp[48];
    size_t n = 0;
    int neg = v < 0;
    u128 m = neg ? (u128)0 - (u128)v : (u128)v;
    do {
        tmp[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m != 0);
    size_t o = 0;
    if (neg && o + 1 < size)
        out[o++] = '-';
    while (n > 0 && o + 1 < size)
        out[o++] = tmp[--n];
    out[o] = '\0';
}

static void fmt_double(double d, char *out, size_t size)
{
    snprintf(out, size, "%.15g", d);
    if (strcmp(out, "-0") == 0)
        snprintf(out, size, "0");
}

static core_err add_row(cJSON *rows, const char *analysis, const char *group, const char *stat,
                        const char *value, const char *note)
{
    cJSON *r = cJSON_CreateObject();
    if (r == NULL || !cJSON_AddItemToArray(rows, r))
        return cJSON_Delete(r), CORE_ENOMEM;
    if (cJSON_AddStringToObject(r, "analysis", analysis) == NULL ||
        cJSON_AddStringToObject(r, "group", group) == NULL ||
        cJSON_AddStringToObject(r, "statistic", stat) == NULL ||
        cJSON_AddStringToObject(r, "value", value) == NULL ||
        cJSON_AddStringToObject(r, "note", note) == NULL)
        return CORE_ENOMEM;
    return CORE_OK;
}

/* Room for a statistic's name: "histogram[LO;HI)". */
#define STAT_SIZE 96
/* The most rows of one cell: every bin, count, sum, mean, stddev, gap. */
#define CELL_STATS (STUDY_MAX_BINS + 5)

/* The choice indices of cell c (row-major, first field slowest). */
static void cell_choices(const study *s, const study_analysis *a, size_t c,
                         size_t idx[STUDY_MAX_BY])
{
    for (size_t k = a->num_by; k-- > 0;) {
        size_t n = s->fields[a->by[k]].num_choices;
        idx[k] = c % n;
        c /= n;
    }
}

/* "field=label;field=label" of cell c, whole: labels are never cut
 * (docs/HARDENING.md). 0, or -1 without memory. */
static int group_name(const study *s, const study_analysis *a, size_t c, buf *out)
{
    size_t idx[STUDY_MAX_BY];
    cell_choices(s, a, c, idx);
    out->len = 0;
    for (size_t k = 0; k < a->num_by; k++) {
        const study_field *f = &s->fields[a->by[k]];
        buf_printf(out, "%s%s=%s", k ? ";" : "", f->name, f->choices[idx[k]]);
    }
    return buf_ok(out) ? 0 : -1;
}

/* The statistics of one cell. */
typedef struct cell_stats {
    uint64_t n;
    int suppressed;
    i128 sum;    /* of the values */
    double mean; /* valid if n > 0 */
    int has_mean;
} cell_stats;

static cell_stats cell_of(const study *s, const study_analysis *a, const core_u128 *agg,
                          uint64_t num_reports, size_t c)
{
    cell_stats st = {0};
    if (a->out_count != SIZE_MAX) {
        st.n = agg[a->out_count + c].lo;
    } else if (a->num_by > 0) {
        for (size_t b = 0; b < a->num_bins; b++)
            st.n += agg[a->out_hist + c * a->num_bins + b].lo;
    } else {
        st.n = num_reports;
    }
    st.suppressed = st.n < s->min_cell_count;
    if (a->out_sum != SIZE_MAX && st.n > 0) {
        const study_field *f = &s->fields[a->of];
        st.sum = (i128)to_u128(agg[a->out_sum + c]) + (i128)st.n * f->min;
        st.mean = (double)((long double)st.sum / (long double)st.n);
        st.has_mean = 1;
    }
    return st;
}

static double sample_stddev(const study *s, const study_analysis *a, const core_u128 *agg, size_t c,
                            uint64_t n)
{
    (void)s;
    u128 su = to_u128(agg[a->out_sum + c]), sq = to_u128(agg[a->out_sq + c]);
    u128 nsq, su2;
    long double num;
    if (!__builtin_mul_overflow((u128)n, sq, &nsq) && !__builtin_mul_overflow(su, su, &su2) &&
        nsq >= su2) {
        num = (long double)(nsq - su2);
    } else {
        long double m = (long double)su / n;
        num = ((long double)sq - m * (long double)su) * n;
        if (num < 0)
            num = 0;
    }
    return (double)sqrtl(num / ((long double)n * (long double)(n - 1)));
}

/* The cell with the same other "by" indices and the reference choice of
 * the first "by" field. */
static size_t ref_cell(const study *s, const study_analysis *a, size_t c)
{
    size_t inner = a->cells / s->fields[a->by[0]].num_choices;
    return (size_t)a->gap_ref * inner + c % inner;
}

/* "histogram[LO;HI)" of bin b ("histogram[LO;)" for the last). */
static void bin_name(const study_analysis *a, size_t b, char *out, size_t size)
{
    char lo[32], hi[32] = "";
    snprintf(lo, sizeof lo, "%lld", (long long)a->bins[b]);
    if (b + 1 < a->num_bins)
        snprintf(hi, sizeof hi, "%lld", (long long)a->bins[b + 1]);
    snprintf(out, size, "histogram[%s;%s)", lo, hi);
}

static core_err analysis_rows(const study *s, const study_analysis *a, const cJSON *spec,
                              const core_u128 *agg, uint64_t num_reports, cJSON *rows)
{
    core_err err = CORE_OK;
    char value[64], stat[STAT_SIZE];
    buf gb = BUF_INIT(STUDY_MAX_JSON);
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(spec, "stats");
    for (size_t c = 0; c < a->cells && err == CORE_OK; c++) {
        if (group_name(s, a, c, &gb) != 0) {
            err = CORE_ENOMEM;
            break;
        }
        const char *group = gb.len ? (const char *)gb.p : "";
        cell_stats st = cell_of(s, a, agg, num_reports, c);
        const char *sup = st.suppressed ? "suppressed" : "";
        const cJSON *name;
        cJSON_ArrayForEach(name, stats)
        {
            const char *k = name->valuestring;
            const char *note = sup;
            value[0] = '\0';
            if (strcmp(k, "histogram") == 0) {
                for (size_t b = 0; b < a->num_bins && err == CORE_OK; b++) {
                    bin_name(a, b, stat, sizeof stat);
                    value[0] = '\0';
                    if (!st.suppressed)
                        snprintf(value, sizeof value, "%llu",
                                 (unsigned long long)agg[a->out_hist + c * a->num_bins + b].lo);
                    err = add_row(rows, a->name, group, stat, value, sup);
                }
                continue;
            }
            if (!st.suppressed) {
                if (strcmp(k, "count") == 0) {
                    snprintf(value, sizeof value, "%llu", (unsigned long long)st.n);
                } else if (strcmp(k, "sum") == 0) {
                    fmt_i128(st.sum, value, sizeof value);
                } else if (strcmp(k, "mean") == 0) {
                    if (st.has_mean)
                        fmt_double(st.mean, value, sizeof value);
                    else
                        note = "undefined";
                } else if (st.n >= 2) { /* stddev */
                    fmt_double(sample_stddev(s, a, agg, c, st.n), value, sizeof value);
                } else {
                    note = "undefined";
                }
            }
            if (err == CORE_OK)
                err = add_row(rows, a->name, group, k, value, note);
        }
        if (a->gap_ref >= 0 && err == CORE_OK) {
            size_t r = ref_cell(s, a, c);
            cell_stats ref = cell_of(s, a, agg, num_reports, r);
            const char *note = "";
            value[0] = '\0';
            if (st.suppressed || ref.suppressed)
                note = "suppressed";
            else if (!st.has_mean || !ref.has_mean || ref.mean == 0)
                note = "undefined";
            else if (r == c)
                snprintf(value, sizeof value, "1");
            else
                fmt_double(st.mean / ref.mean, value, sizeof value);
            err = add_row(rows, a->name, group, "gap", value, note);
        }
    }
    buf_free(&gb);
    return err;
}

core_err study_result(const study *s, const core_u128 *aggregate, uint64_t num_reports,
                      uint64_t num_rejected, cJSON **out)
{
    *out = NULL;
    if (num_reports < s->min_submissions)
        return CORE_EINVAL;
    cJSON *rows = cJSON_CreateArray();
    if (rows == NULL)
        return CORE_ENOMEM;
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)num_reports);
    core_err err = add_row(rows, "_study", "", "submissions_accepted", v, "");
    snprintf(v, sizeof v, "%llu", (unsigned long long)num_rejected);
    if (err == CORE_OK)
        err = add_row(rows, "_study", "", "submissions_rejected", v, "");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(s->doc, "analyses");
    for (size_t i = 0; i < s->num_analyses && err == CORE_OK; i++)
        err = analysis_rows(s, &s->analyses[i], cJSON_GetArrayItem(spec, (int)i), aggregate,
                            num_reports, rows);
    if (err != CORE_OK) {
        cJSON_Delete(rows);
        return err;
    }
    *out = rows;
    return CORE_OK;
}

/* ---- checking rows received from elsewhere ---------------------------------- */

size_t study_num_analyses(const study *s)
{
    return s->num_analyses;
}

const char *study_analysis_name(const study *s, size_t i)
{
    return s->analyses[i].name;
}

size_t study_analysis_num_by(const study *s, size_t i)
{
    return s->analyses[i].num_by;
}

size_t study_analysis_by(const study *s, size_t i, size_t k)
{
    return (size_t)s->analyses[i].by[k];
}

size_t study_analysis_cells(const study *s, size_t i)
{
    return s->analyses[i].cells;
}

const char *study_cell_choice(const study *s, size_t i, size_t c, size_t k)
{
    const study_analysis *a = &s->analyses[i];
    size_t idx[STUDY_MAX_BY];
    cell_choices(s, a, c, idx);
    return s->fields[a->by[k]].choices[idx[k]];
}

static int is_digits(const char **p)
{
    const char *q = *p;
    while (**p >= '0' && **p <= '9')
        (*p)++;
    return *p > q;
}

int study_is_number(const char *text)
{
    const char *p = text;
    if (*p == '-')
        p++;
    if (!is_digits(&p))
        return 0;
    if (*p == '.') {
        p++;
        if (!is_digits(&p))
            return 0;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digits(&p))
            return 0;
    }
    return *p == '\0';
}

/* The rows of each cell of analysis a, in study_result's order: their
 * statistics' names. */
static size_t cell_stat_names(const study_analysis *a, const cJSON *spec,
                              char names[CELL_STATS][STAT_SIZE])
{
    size_t n = 0;
    const cJSON *name;
    cJSON_ArrayForEach(name, cJSON_GetObjectItemCaseSensitive(spec, "stats"))
    {
        if (strcmp(name->valuestring, "histogram") == 0) {
            for (size_t b = 0; b < a->num_bins && n < CELL_STATS; b++)
                bin_name(a, b, names[n++], STAT_SIZE);
        } else if (n < CELL_STATS) {
            snprintf(names[n++], STAT_SIZE, "%s", name->valuestring);
        }
    }
    if (a->gap_ref >= 0 && n < CELL_STATS)
        snprintf(names[n++], STAT_SIZE, "gap");
    return n;
}

/* A text of the leader's for a message: at most 60 bytes, control
 * characters as '?'. */
static const char *shown(const char *v, char out[64])
{
    size_t n = 0;
    for (; v[n] != '\0' && n < 60; n++)
        out[n] = (unsigned char)v[n] < 0x20 || v[n] == 0x7f ? '?' : v[n];
    snprintf(out + n, 64 - n, "%s", v[n] != '\0' ? "..." : "");
    return out;
}

static const char *member(const cJSON *r, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The analysis named `name`: its index, -1 for "_study", -2 if none. */
static int analysis_index(const study *s, const char *name)
{
    if (strcmp(name, "_study") == 0)
        return -1;
    for (size_t i = 0; i < s->num_analyses; i++)
        if (strcmp(s->analyses[i].name, name) == 0)
            return (int)i;
    return -2;
}

/* What a row expects: its analysis (-1: _study), cell and statistic. */
typedef struct expected_row {
    int analysis;
    size_t cell, stat;
    const char *group, *name;
} expected_row;

/* The value and note of a row of statistic `stat`. */
static int check_value(const char *stat, const char *value, const char *note, int study_row,
                       char *why, size_t size)
{
    char v1[64], v2[64];
    if (value[0] == '\0') {
        if (!study_row && (strcmp(note, "suppressed") == 0 || strcmp(note, "undefined") == 0))
            return 0;
        snprintf(why, size,
                 "an empty value of \"%s\" with the note \"%s\" (only a suppressed or "
                 "undefined statistic has no value)",
                 stat, shown(note, v1));
        return -1;
    }
    int whole = strcmp(stat, "count") == 0 || strcmp(stat, "sum") == 0 ||
                strncmp(stat, "histogram[", 10) == 0 || study_row;
    int digits = whole && strcmp(stat, "sum") != 0; /* counts: no sign */
    if (!study_is_number(value) || (whole && strpbrk(value, ".eE") != NULL) ||
        (digits && value[0] == '-')) {
        snprintf(why, size, "value \"%s\" of \"%s\" is not a %s", shown(value, v1), stat,
                 digits  ? "count (a whole number, 0 or more)"
                 : whole ? "whole number"
                         : "number");
        return -1;
    }
    if (note[0] != '\0') {
        snprintf(why, size,
                 "value \"%s\" of \"%s\" has the note \"%s\" (only an empty value has one)",
                 shown(value, v1), stat, shown(note, v2));
        return -1;
    }
    return 0;
}

/* One row against the one expected at its place; why says what is wrong. */
static int check_row(const study *s, const cJSON *r, const expected_row *e, char *why, size_t size)
{
    static const char *const study_stats[] = {"submissions_accepted", "submissions_rejected"};
    const char *an = member(r, "analysis"), *group = member(r, "group");
    const char *stat = member(r, "statistic"), *value = member(r, "value");
    const char *note = member(r, "note");
    char v1[64], v2[64];
    if (!cJSON_IsObject(r) || !an || !group || !stat || !value || !note) {
        snprintf(why, size,
                 "not an object of the strings analysis, group, statistic, value and "
                 "note");
        return -1;
    }
    int ai = analysis_index(s, an);
    if (ai == -2) {
        snprintf(why, size, "analysis \"%s\" is not one of the study's analyses", shown(an, v1));
        return -1;
    }
    const study_analysis *a = ai >= 0 ? &s->analyses[ai] : NULL;
    const char *aname = a ? a->name : "_study";
    /* The group and statistic among those of the row's own analysis. */
    if (ai != e->analysis || strcmp(group, e->group) != 0) {
        int found = a == NULL ? group[0] == '\0' : 0;
        buf g = BUF_INIT(STUDY_MAX_JSON);
        for (size_t c = 0; a != NULL && c < a->cells && !found; c++)
            found = group_name(s, a, c, &g) == 0 && g.len == strlen(group) &&
                    (g.len == 0 || memcmp(g.p, group, g.len) == 0);
        buf_free(&g);
        if (!found) {
            snprintf(why, size, "group \"%s\" is not a group of analysis \"%s\"", shown(group, v1),
                     aname);
            return -1;
        }
    }
    if (ai != e->analysis || strcmp(stat, e->name) != 0) {
        int found = 0;
        if (a == NULL) {
            found = strcmp(stat, study_stats[0]) == 0 || strcmp(stat, study_stats[1]) == 0;
        } else {
            char names[CELL_STATS][STAT_SIZE];
            const cJSON *spec =
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s->doc, "analyses"), ai);
            size_t n = cell_stat_names(a, spec, names);
            for (size_t k = 0; k < n && !found; k++)
                found = strcmp(names[k], stat) == 0;
        }
        if (!found) {
            snprintf(why, size, "statistic \"%s\" is not one of analysis \"%s\"'s statistics",
                     shown(stat, v1), aname);
            return -1;
        }
    }
    if (ai != e->analysis || strcmp(group, e->group) != 0 || strcmp(stat, e->name) != 0) {
        snprintf(why, size,
                 "expected analysis \"%s\", group \"%s\", statistic \"%s\" here: rows are "
                 "missing, repeated or out of order",
                 e->analysis >= 0 ? s->analyses[e->analysis].name : "_study", shown(e->group, v1),
                 shown(e->name, v2));
        return -1;
    }
    return check_value(stat, value, note, a == NULL, why, size);
}

core_err study_check_rows(const study *s, const cJSON *rows, study_row_ref *refs, char *err,
                          size_t err_size)
{
    static const char *const study_stats[] = {"submissions_accepted", "submissions_rejected"};
    char why[512], names[CELL_STATS][STAT_SIZE];
    if (!cJSON_IsArray(rows)) {
        study_errf(err, err_size, "the result has no rows");
        return CORE_EDECODE;
    }
    const cJSON *r = rows->child;
    size_t i = 0, total = 2;
    for (size_t ai = 0; ai < s->num_analyses; ai++) {
        const cJSON *spec =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s->doc, "analyses"), (int)ai);
        total += s->analyses[ai].cells * cell_stat_names(&s->analyses[ai], spec, names);
    }
    buf gb = BUF_INIT(STUDY_MAX_JSON);
    /* -1: the _study rows, then each analysis. */
    for (int ai = -1; ai < (int)s->num_analyses; ai++) {
        const study_analysis *a = ai >= 0 ? &s->analyses[ai] : NULL;
        size_t nstats = 2, cells = 1;
        if (a != NULL) {
            const cJSON *spec =
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s->doc, "analyses"), ai);
            nstats = cell_stat_names(a, spec, names);
            cells = a->cells;
        } else {
            for (size_t k = 0; k < 2; k++)
                snprintf(names[k], STAT_SIZE, "%s", study_stats[k]);
        }
        for (size_t c = 0; c < cells; c++) {
            const char *g = "";
            if (a != NULL) {
                if (group_name(s, a, c, &gb) != 0) {
                    buf_free(&gb);
                    study_errf(err, err_size, "out of memory");
                    return CORE_ENOMEM;
                }
                g = gb.len ? (const char *)gb.p : "";
            }
            for (size_t k = 0; k < nstats; k++, i++, r = r ? r->next : NULL) {
                expected_row e = {ai, c, k, g, names[k]};
                if (r == NULL) {
                    study_errf(err, err_size,
                               "the result has %zu rows; the study has %zu: rows are missing "
                               "(the first: analysis \"%s\", group \"%s\", statistic \"%s\")",
                               i, total, a ? a->name : "_study", shown(g, why), names[k]);
                    buf_free(&gb);
                    return CORE_EDECODE;
                }
                if (check_row(s, r, &e, why, sizeof why) != 0) {
                    study_errf(err, err_size, "result row %zu: %s", i + 1, why);
                    buf_free(&gb);
                    return CORE_EDECODE;
                }
                if (refs != NULL)
                    refs[i] = (study_row_ref){ai, c, k};
            }
        }
    }
    buf_free(&gb);
    if (r != NULL) {
        study_errf(err, err_size,
                   "the result has %d rows; the study has %zu: rows are repeated or added (from "
                   "row %zu on)",
                   cJSON_GetArraySize(rows), total, i + 1);
        return CORE_EDECODE;
    }
    return CORE_OK;
}

/* ---- what may be opened ---------------------------------------------------- */

void study_count_outputs(const study *s, uint8_t *is_count)
{
    memset(is_count, 0, s->output_len);
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        if (a->out_count != SIZE_MAX)
            memset(is_count + a->out_count, 1, a->cells);
        if (a->out_hist != SIZE_MAX)
            memset(is_count + a->out_hist, 1, a->cells * a->num_bins);
    }
}

void study_open_mask(const study *s, const core_u128 *counts, uint64_t num_reports, uint8_t *open)
{
    study_count_outputs(s, open);
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        for (size_t c = 0; c < a->cells; c++) {
            uint8_t ok = !cell_of(s, a, counts, num_reports, c).suppressed;
            if (a->out_sum != SIZE_MAX)
                open[a->out_sum + c] = ok;
            if (a->out_sq != SIZE_MAX)
                open[a->out_sq + c] = ok;
        }
    }
}

/* ---- the plan in words -------------------------------------------------- */

/* A plan line is whole, however long its labels and bins (at most a few
 * KiB: 64 bins, 4 labels of 200 characters). */
typedef buf text;

static void add(text *t, const char *s)
{
    buf_puts(t, s);
}

/* "A", "A and B", "A, B and C". */
static void add_list(text *t, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            add(t, i + 1 == n ? " and " : ", ");
        add(t, items[i]);
    }
}

cJSON *study_plan(const study *s)
{
    cJSON *plan = cJSON_CreateArray();
    for (size_t i = 0; plan != NULL && i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        text t = BUF_INIT(STUDY_MAX_JSON);
        char num[96];
        add(&t, a->name);
        add(&t, ": ");
        const char *what[4];
        size_t nw = 0;
        if (a->stats & STAT_COUNT)
            what[nw++] = "the number of contributors";
        if (a->stats & STAT_SUM)
            what[nw++] = "the sum";
        if (a->stats & STAT_MEAN)
            what[nw++] = "the mean";
        if (a->stats & STAT_STDDEV)
            what[nw++] = "the standard deviation";
        add_list(&t, what, nw);
        if (a->of >= 0 && (a->stats & (STAT_SUM | STAT_MEAN | STAT_STDDEV))) {
            add(&t, " of ");
            add(&t, s->fields[a->of].label);
        }
        if (a->stats & STAT_HISTOGRAM) {
            add(&t, nw ? "; how many contributors fall in each band of "
                       : "how many contributors "
                         "fall in each band of ");
            add(&t, s->fields[a->of].label);
            add(&t, " (");
            for (size_t b = 0; b < a->num_bins; b++) {
                if (b + 1 < a->num_bins)
                    snprintf(num, sizeof num, "%s%lld to %lld", b ? ", " : "",
                             (long long)a->bins[b], (long long)a->bins[b + 1] - 1);
                else
                    snprintf(num, sizeof num, "%s%lld and above", b ? ", " : "",
                             (long long)a->bins[b]);
                add(&t, num);
            }
            add(&t, ")");
        }
        if (a->num_by > 0) {
            const char *labels[STUDY_MAX_BY];
            for (size_t k = 0; k < a->num_by; k++)
                labels[k] = s->fields[a->by[k]].label;
            add(&t, ", by ");
            add_list(&t, labels, a->num_by);
            snprintf(num, sizeof num, " (%zu groups)", a->cells);
            add(&t, num);
        } else {
            add(&t, ", over all contributors");
        }
        if (a->gap_ref >= 0) {
            add(&t, "; and each group's mean as a ratio to the mean of \"");
            add(&t, s->fields[a->by[0]].choices[a->gap_ref]);
            add(&t, "\" (the gap)");
        }
        add(&t, ".");
        cJSON *line = buf_ok(&t) ? cJSON_CreateString((const char *)t.p) : NULL;
        buf_free(&t);
        if (line == NULL || !cJSON_AddItemToArray(plan, line)) {
            cJSON_Delete(line);
            cJSON_Delete(plan);
            return NULL;
        }
    }
    return plan;
}
