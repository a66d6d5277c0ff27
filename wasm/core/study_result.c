/*
 * study_result.c - from an aggregate of the study circuit to the report
 * rows of docs/DESIGN.md, section 7 (counts, sums, means, sample standard
 * deviations, gaps, histograms; small cells suppressed) and what the
 * parties may open of it. The rows are checked by study_check.c, the plan
 * put in words by study_plan.c.
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

void study_cell_choices(const study *s, const study_analysis *a, size_t c, size_t idx[STUDY_MAX_BY])
{
    for (size_t k = a->num_by; k-- > 0;) {
        size_t n = s->fields[a->by[k]].num_choices;
        idx[k] = c % n;
        c /= n;
    }
}

int study_group_name(const study *s, const study_analysis *a, size_t c, buf *out)
{
    size_t idx[STUDY_MAX_BY];
    study_cell_choices(s, a, c, idx);
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
    i128 sum;    /* of the values */
    double mean; /* valid if n > 0 */
    int has_mean;
} cell_stats;

uint64_t study_cell_count(const study *s, const study_analysis *a, const core_u128 *agg,
                          uint64_t num_reports, size_t c)
{
    (void)s;
    uint64_t n = 0;
    if (a->out_count != SIZE_MAX) {
        n = agg[a->out_count + c].lo;
    } else if (a->num_by > 0) {
        for (size_t b = 0; b < a->num_bins; b++)
            n += agg[a->out_hist + c * a->num_bins + b].lo;
    } else {
        n = num_reports;
    }
    return n;
}

uint64_t study_part_count(const study *s, const study_analysis *a, const core_u128 *agg,
                          uint64_t num_reports, size_t c, size_t p)
{
    if (p < a->num_bins)
        return agg[a->out_hist + c * a->num_bins + p].lo;
    uint64_t pos = agg[a->out_pos + c].lo;
    if (p == STUDY_PART_POSITIVE(a))
        return pos;
    uint64_t n = study_cell_count(s, a, agg, num_reports, c);
    return n > pos ? n - pos : 0;
}

uint64_t study_cell_employers(const study *s, const study_analysis *a, const core_u128 *agg,
                              uint64_t n, size_t c, size_t part)
{
    if (!s->organization)
        return n;
    size_t per = 1 + study_cell_parts(a);
    return agg[a->out_presence + c * per + (part == STUDY_NO_BIN ? 0 : 1 + part)].lo;
}

uint64_t study_people(const study *s, const core_u128 *counts, uint64_t num_reports)
{
    return s->organization ? counts[s->out_people].lo : num_reports;
}

int study_unit_small(const study *s, uint64_t n, uint64_t employers)
{
    return n > 0 && (n < s->min_cell_count || employers < study_min_contributors(s));
}

size_t study_summary_stats(const study *s, const char *names[3])
{
    names[0] = "submissions_accepted";
    names[1] = "submissions_rejected";
    names[2] = "people";
    return s->organization ? 3 : 2;
}

static cell_stats cell_of(const study *s, const study_analysis *a, const core_u128 *agg,
                          uint64_t num_reports, size_t c)
{
    cell_stats st = {0};
    st.n = study_cell_count(s, a, agg, num_reports, c);
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

void study_bin_name(const study_analysis *a, size_t b, char *out, size_t size)
{
    char lo[32], hi[32] = "";
    snprintf(lo, sizeof lo, "%lld", (long long)a->bins[b]);
    if (b + 1 < a->num_bins)
        snprintf(hi, sizeof hi, "%lld", (long long)a->bins[b + 1]);
    snprintf(out, size, "histogram[%s;%s)", lo, hi);
}

/* The note of a unit's state. */
static const char *state_note(uint8_t state)
{
    return state == STUDY_RELEASED  ? ""
           : state == STUDY_PRIMARY ? STUDY_NOTE_PRIMARY
                                    : STUDY_NOTE_COMPLEMENTARY;
}

/* The state of analysis i's cell c (its own values; released if it has
 * none) and of its bin b. */
static uint8_t cell_state(const study *s, const uint8_t *state, size_t i, size_t c)
{
    size_t u = study_unit_of(s, i, c, STUDY_NO_BIN);
    return u == SIZE_MAX ? STUDY_RELEASED : state[u];
}

/* Of two states, the one a row's note gives: a small size of its own
 * first, then a withholding to protect another group. */
static uint8_t withheld_first(uint8_t x, uint8_t y)
{
    return x == STUDY_PRIMARY || y == STUDY_PRIMARY               ? STUDY_PRIMARY
           : x == STUDY_COMPLEMENTARY || y == STUDY_COMPLEMENTARY ? STUDY_COMPLEMENTARY
                                                                  : STUDY_RELEASED;
}

size_t study_stat_rows(const study_analysis *a, const char *stat, char names[][STUDY_STAT_SIZE])
{
    static const char *const quartiles[] = {"quartile_1", "median", "quartile_3"};
    if (strcmp(stat, "histogram") == 0) {
        for (size_t b = 0; b < a->num_bins; b++)
            study_bin_name(a, b, names[b], STUDY_STAT_SIZE);
        return a->num_bins;
    }
    if (strcmp(stat, "quartiles") == 0) {
        for (size_t k = 0; k < 3; k++)
            snprintf(names[k], STUDY_STAT_SIZE, "%s", quartiles[k]);
        return 3;
    }
    if (strcmp(stat, "quartile_bands") == 0) {
        for (size_t k = 0; k < 4; k++)
            snprintf(names[k], STUDY_STAT_SIZE, "quartile_band_%zu", k + 1);
        return 4;
    }
    snprintf(names[0], STUDY_STAT_SIZE, "%s", stat);
    return 1;
}

/* The state of analysis i's cell c's quantiles: the cell's, or withheld
 * to protect a part of the same field (study_quantiles_released). */
static uint8_t quantile_state(const study *s, const uint8_t *state, size_t i, size_t c)
{
    uint8_t cs = cell_state(s, state, i, c);
    return cs != STUDY_RELEASED                       ? cs
           : study_quantiles_released(s, state, i, c) ? STUDY_RELEASED
                                                      : STUDY_COMPLEMENTARY;
}

/* The rows of a median or quartiles of cell c (stat: its name in the
 * study file). */
static core_err quantile_rows(const study *s, size_t i, size_t c, const char *stat, uint64_t n,
                              const uint8_t *state, const study_search *q, const char *group,
                              cJSON *rows)
{
    const study_analysis *a = &s->analyses[i];
    char names[3][STUDY_STAT_SIZE], value[32];
    size_t m = study_stat_rows(a, stat, names);
    uint8_t qs = quantile_state(s, state, i, c);
    core_err err = CORE_OK;
    for (size_t j = 0; j < m && err == CORE_OK; j++) {
        int64_t v;
        const char *note = state_note(qs);
        value[0] = '\0';
        if (qs == STUDY_RELEASED && n == 0)
            note = "undefined";
        else if (qs == STUDY_RELEASED &&
                 !study_search_value(q, i, c, m == 1 ? 2 : (unsigned)j + 1, &v))
            return CORE_EINVAL; /* (a search not done, or made for other counts) */
        else if (qs == STUDY_RELEASED)
            snprintf(value, sizeof value, "%lld", (long long)v);
        err = add_row(rows, a->name, group, names[j], value, note);
    }
    return err;
}

/* Cell c's contributors in quartile band b (1 to 4) of analysis i: those
 * whose grid cell lies after that of the (b - 1)-th quartile of everyone
 * and up to that of the b-th. 0 and *ok 0 if the bands were not searched. */
static uint64_t band_count(const study *s, size_t i, size_t c, unsigned b, const core_u128 *agg,
                           uint64_t num_reports, const study_search *q, int *ok)
{
    uint64_t hi = 0, lo = 0;
    *ok = b == 4 ? (hi = study_cell_count(s, &s->analyses[i], agg, num_reports, c), 1)
                 : study_search_band(q, i, c, b, &hi);
    if (*ok && b > 1)
        *ok = study_search_band(q, i, c, b - 1, &lo);
    return *ok && hi >= lo ? hi - lo : 0;
}

/* The rows of analysis i's quartile bands in cell c: the share of each
 * band's contributors that are the cell's. A band is released only as a
 * whole (its shares add up to 1, so one alone could be worked out from
 * the others): when it was searched and every cell's count in it is 0 or
 * at least min_cell_count; a cell with 1 to min_cell_count - 1 in it is
 * suppressed, the band's other cells withheld to protect it. */
static core_err band_rows(const study *s, size_t i, size_t c, const core_u128 *agg,
                          uint64_t num_reports, const uint8_t *state, const study_search *q,
                          const char *group, cJSON *rows)
{
    const study_analysis *a = &s->analyses[i];
    core_err err = CORE_OK;
    for (unsigned b = 1; b <= 4 && err == CORE_OK; b++) {
        char stat[32], value[64] = "";
        uint64_t total = 0, mine = 0;
        int ok = 1, small = 0;
        for (size_t d = 0; d < a->cells && ok; d++) {
            uint64_t n = band_count(s, i, d, b, agg, num_reports, q, &ok);
            small |= n > 0 && n < s->min_cell_count;
            total += n;
            if (d == c)
                mine = n;
        }
        uint8_t st = quantile_state(s, state, i, c);
        const char *note = "";
        if (st != STUDY_RELEASED)
            note = state_note(st);
        else if (ok && mine > 0 && mine < s->min_cell_count)
            note = STUDY_NOTE_PRIMARY;
        else if (!ok || small)
            note = STUDY_NOTE_COMPLEMENTARY;
        else if (total == 0)
            note = "undefined";
        else
            fmt_double((double)mine / (double)total, value, sizeof value);
        snprintf(stat, sizeof stat, "quartile_band_%u", b);
        err = add_row(rows, a->name, group, stat, value, note);
    }
    return err;
}

/* The median gap of cell c against its reference cell r, in percent. */
static core_err median_gap_row(const study *s, size_t i, size_t c, size_t r, const core_u128 *agg,
                               uint64_t num_reports, const uint8_t *state, const study_search *q,
                               const char *group, cJSON *rows)
{
    const study_analysis *a = &s->analyses[i];
    uint8_t cs = quantile_state(s, state, i, c), rs = quantile_state(s, state, i, r);
    int64_t m = 0, ref = 0;
    char value[64] = "";
    const char *note = "";
    if (cs != STUDY_RELEASED || rs != STUDY_RELEASED)
        note = state_note(withheld_first(cs, rs));
    else if (!study_search_value(q, i, c, 2, &m) || !study_search_value(q, i, r, 2, &ref) ||
             ref == 0)
        note = study_quantile_count(s, a, agg, num_reports, c) == 0 ||
                       study_quantile_count(s, a, agg, num_reports, r) == 0 || ref == 0
                   ? "undefined"
                   : NULL;
    else
        fmt_double(r == c ? 0 : (double)(ref - m) / (double)ref * 100, value, sizeof value);
    if (note == NULL)
        return CORE_EINVAL;
    return add_row(rows, a->name, group, "median_gap_percent", value, note);
}

static core_err analysis_rows(const study *s, size_t i, const cJSON *spec, const core_u128 *agg,
                              uint64_t num_reports, const uint8_t *state, const study_search *q,
                              cJSON *rows)
{
    const study_analysis *a = &s->analyses[i];
    core_err err = CORE_OK;
    char value[64], stat[STUDY_STAT_SIZE];
    buf gb = BUF_INIT(STUDY_MAX_JSON);
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(spec, "stats");
    for (size_t c = 0; c < a->cells && err == CORE_OK; c++) {
        if (study_group_name(s, a, c, &gb) != 0) {
            err = CORE_ENOMEM;
            break;
        }
        const char *group = gb.len ? (const char *)gb.p : "";
        cell_stats st = cell_of(s, a, agg, num_reports, c);
        uint8_t cs = cell_state(s, state, i, c);
        const char *sup = state_note(cs);
        const cJSON *name;
        cJSON_ArrayForEach(name, stats)
        {
            const char *k = name->valuestring;
            const char *note = sup;
            value[0] = '\0';
            if (strcmp(k, "histogram") == 0) {
                for (size_t b = 0; b < a->num_bins && err == CORE_OK; b++) {
                    study_bin_name(a, b, stat, sizeof stat);
                    value[0] = '\0';
                    uint8_t bs = state[study_unit_of(s, i, c, b)];
                    if (bs == STUDY_RELEASED)
                        snprintf(value, sizeof value, "%llu",
                                 (unsigned long long)agg[a->out_hist + c * a->num_bins + b].lo);
                    err = add_row(rows, a->name, group, stat, value, state_note(bs));
                }
                continue;
            }
            if (strcmp(k, "quartile_bands") == 0) {
                err = band_rows(s, i, c, agg, num_reports, state, q, group, rows);
                continue;
            }
            if (strcmp(k, "median") == 0 || strcmp(k, "quartiles") == 0) {
                err = quantile_rows(s, i, c, k, study_quantile_count(s, a, agg, num_reports, c),
                                    state, q, group, rows);
                continue;
            }
            if (strcmp(k, "share_positive") == 0) {
                /* With the cell, both of its parts (not positive,
                 * positive) must be released; the note says why not,
                 * a group's own small size first. */
                uint8_t ps = cs;
                for (size_t p = STUDY_PART_NOT_POSITIVE(a); p <= STUDY_PART_POSITIVE(a); p++)
                    ps = withheld_first(ps, state[study_unit_of(s, i, c, p)]);
                note = state_note(ps);
                if (ps == STUDY_RELEASED && st.n == 0)
                    note = "undefined";
                else if (ps == STUDY_RELEASED)
                    fmt_double((double)study_part_count(s, a, agg, num_reports, c,
                                                        STUDY_PART_POSITIVE(a)) /
                                   (double)st.n,
                               value, sizeof value);
            } else if (cs == STUDY_RELEASED) {
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
            uint8_t rs = cell_state(s, state, i, r);
            if (cs != STUDY_RELEASED || rs != STUDY_RELEASED)
                note = state_note(cs != STUDY_RELEASED ? cs : rs);
            else if (!st.has_mean || !ref.has_mean || ref.mean == 0)
                note = "undefined";
            else if (r == c)
                snprintf(value, sizeof value, "1");
            else
                fmt_double(st.mean / ref.mean, value, sizeof value);
            err = add_row(rows, a->name, group, "gap", value, note);
            /* The gap as the pay-transparency laws define it: (reference
             * - group) / reference, in percent. */
            if (value[0] != '\0' && r == c)
                snprintf(value, sizeof value, "0");
            else if (value[0] != '\0')
                fmt_double((ref.mean - st.mean) / ref.mean * 100, value, sizeof value);
            if (err == CORE_OK)
                err = add_row(rows, a->name, group, "gap_percent", value, note);
            if (err == CORE_OK && (a->stats & STAT_QUANTILES))
                err = median_gap_row(s, i, c, r, agg, num_reports, state, q, group, rows);
        }
    }
    buf_free(&gb);
    return err;
}

/* The cell rule's states (study_result, study_open_mask): a cell with
 * fewer than min_cell_count contributors is suppressed, its parts (bins,
 * not positive and positive) with it.
 * A new buffer of study_num_units(s) bytes, or NULL. */
static uint8_t *cell_rule_states(const study *s, const core_u128 *agg, uint64_t num_reports)
{
    size_t nu = study_num_units(s);
    uint8_t *state = malloc(nu ? nu : 1);
    if (state == NULL)
        return NULL;
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        for (size_t c = 0; c < a->cells; c++) {
            uint64_t n = study_cell_count(s, a, agg, num_reports, c);
            uint8_t v =
                n < s->min_cell_count || study_cell_employers(s, a, agg, n, c, STUDY_NO_BIN) <
                                             study_min_contributors(s)
                    ? STUDY_PRIMARY
                    : STUDY_RELEASED;
            size_t u = study_unit_of(s, i, c, STUDY_NO_BIN);
            if (u != SIZE_MAX)
                state[u] = v;
            for (size_t b = 0; b < study_cell_parts(a); b++)
                state[study_unit_of(s, i, c, b)] = v;
        }
    }
    return state;
}

core_err study_result(const study *s, const core_u128 *aggregate, uint64_t num_reports,
                      uint64_t num_rejected, cJSON **out)
{
    *out = NULL;
    uint8_t *state = cell_rule_states(s, aggregate, num_reports);
    if (state == NULL)
        return CORE_ENOMEM;
    core_err e = study_result_states(s, aggregate, num_reports, num_rejected, state, NULL, out);
    free(state);
    return e;
}

core_err study_result_states(const study *s, const core_u128 *aggregate, uint64_t num_reports,
                             uint64_t num_rejected, const uint8_t *state,
                             const study_search *search, cJSON **out)
{
    *out = NULL;
    if (num_reports < s->min_submissions)
        return CORE_EINVAL;
    study_search *own = NULL;
    if (search == NULL) {
        core_err e = study_search_new(s, aggregate, num_reports, state, &own);
        if (e == CORE_OK)
            e = study_search_run_clear(own, aggregate);
        if (e != CORE_OK) {
            study_search_free(own);
            return e;
        }
        search = own;
    }
    cJSON *rows = cJSON_CreateArray();
    if (rows == NULL) {
        study_search_free(own);
        return CORE_ENOMEM;
    }
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)num_reports);
    core_err err = add_row(rows, "_study", "", "submissions_accepted", v, "");
    snprintf(v, sizeof v, "%llu", (unsigned long long)num_rejected);
    if (err == CORE_OK)
        err = add_row(rows, "_study", "", "submissions_rejected", v, "");
    if (err == CORE_OK && s->organization) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)aggregate[s->out_people].lo);
        err = add_row(rows, "_study", "", "people", v, "");
    }
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(s->doc, "analyses");
    for (size_t i = 0; i < s->num_analyses && err == CORE_OK; i++)
        err = analysis_rows(s, i, cJSON_GetArrayItem(spec, (int)i), aggregate, num_reports, state,
                            search, rows);
    study_search_free(own);
    if (err != CORE_OK) {
        cJSON_Delete(rows);
        return err;
    }
    *out = rows;
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
        if (a->out_pos != SIZE_MAX)
            memset(is_count + a->out_pos, 1, a->cells);
        if (s->organization)
            memset(is_count + a->out_presence, 1, a->cells * (1 + study_cell_parts(a)));
    }
    if (s->organization)
        is_count[s->out_people] = 1;
}

void study_open_mask(const study *s, const core_u128 *counts, uint64_t num_reports, uint8_t *open)
{
    uint8_t *state = cell_rule_states(s, counts, num_reports);
    if (state == NULL) { /* (nothing but the counts, then) */
        study_count_outputs(s, open);
        return;
    }
    study_open_mask_states(s, state, open);
    free(state);
}

void study_open_mask_states(const study *s, const uint8_t *state, uint8_t *open)
{
    study_count_outputs(s, open);
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        for (size_t c = 0; c < a->cells; c++) {
            uint8_t ok = cell_state(s, state, i, c) == STUDY_RELEASED;
            if (a->out_sum != SIZE_MAX)
                open[a->out_sum + c] = ok;
            if (a->out_sq != SIZE_MAX)
                open[a->out_sq + c] = ok;
        }
    }
}
