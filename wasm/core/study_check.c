/*
 * study_check.c - rows received from elsewhere (the leader's /api/result)
 * checked against the sealed study: every row one study_result makes, in
 * its order, with a value of the right form (docs/COMPUTE.md); and the
 * accessors a report writer needs to place each row under its study's
 * own labels.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "safe_text.h"
#include "study_internal.h"

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
    study_cell_choices(s, a, c, idx);
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

/* (study_internal.h) */
size_t study_cell_stat_names(const study_analysis *a, const cJSON *spec,
                             char names[STUDY_CELL_STATS][STUDY_STAT_SIZE])
{
    size_t n = 0;
    const cJSON *name;
    cJSON_ArrayForEach(name, cJSON_GetObjectItemCaseSensitive(spec, "stats"))
    {
        size_t need = strcmp(name->valuestring, "histogram") == 0 ? a->num_bins : 4;
        if (n + need <= STUDY_CELL_STATS)
            n += study_stat_rows(a, name->valuestring, names + n);
    }
    if (a->gap_ref >= 0 && n + 3 <= STUDY_CELL_STATS) {
        snprintf(names[n++], STUDY_STAT_SIZE, "gap");
        snprintf(names[n++], STUDY_STAT_SIZE, "gap_percent");
        if (a->stats & STAT_QUANTILES)
            snprintf(names[n++], STUDY_STAT_SIZE, "median_gap_percent");
    }
    return n;
}

/* A text of the leader's for a message: at most 60 bytes, escaped
 * (wasm/core/safe_text.h). */
static const char *shown(const char *v, char out[64])
{
    return safe_text_escape(v, strlen(v), out, 64);
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
        if (!study_row &&
            (strcmp(note, STUDY_NOTE_PRIMARY) == 0 || strcmp(note, STUDY_NOTE_COMPLEMENTARY) == 0 ||
             strcmp(note, "undefined") == 0))
            return 0;
        snprintf(why, size,
                 "an empty value of \"%s\" with the note \"%s\" (only a suppressed or "
                 "undefined statistic has no value)",
                 stat, shown(note, v1));
        return -1;
    }
    int quantile = strcmp(stat, "median") == 0 || strcmp(stat, "quartile_1") == 0 ||
                   strcmp(stat, "quartile_3") == 0;
    int whole = strcmp(stat, "count") == 0 || strcmp(stat, "sum") == 0 || quantile ||
                strncmp(stat, "histogram[", 10) == 0 || study_row;
    int digits = whole && strcmp(stat, "sum") != 0 && !quantile; /* counts: no sign */
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
    const char *study_stats[3];
    size_t num_study_stats = study_summary_stats(s, study_stats);
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
            found = study_group_name(s, a, c, &g) == 0 && g.len == strlen(group) &&
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
            for (size_t k = 0; k < num_study_stats; k++)
                found |= strcmp(stat, study_stats[k]) == 0;
        } else {
            char names[STUDY_CELL_STATS][STUDY_STAT_SIZE];
            const cJSON *spec =
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s->doc, "analyses"), ai);
            size_t n = study_cell_stat_names(a, spec, names);
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
    const char *study_stats[3];
    size_t num_study_stats = study_summary_stats(s, study_stats);
    char why[512], names[STUDY_CELL_STATS][STUDY_STAT_SIZE];
    if (!cJSON_IsArray(rows)) {
        study_errf(err, err_size, "the result has no rows");
        return CORE_EDECODE;
    }
    const cJSON *r = rows->child;
    size_t i = 0, total = num_study_stats;
    for (size_t ai = 0; ai < s->num_analyses; ai++) {
        const cJSON *spec =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s->doc, "analyses"), (int)ai);
        total += s->analyses[ai].cells * study_cell_stat_names(&s->analyses[ai], spec, names);
    }
    buf gb = BUF_INIT(STUDY_MAX_JSON);
    /* -1: the _study rows, then each analysis. */
    for (int ai = -1; ai < (int)s->num_analyses; ai++) {
        const study_analysis *a = ai >= 0 ? &s->analyses[ai] : NULL;
        size_t nstats = num_study_stats, cells = 1;
        if (a != NULL) {
            const cJSON *spec =
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s->doc, "analyses"), ai);
            nstats = study_cell_stat_names(a, spec, names);
            cells = a->cells;
        } else {
            for (size_t k = 0; k < num_study_stats; k++)
                snprintf(names[k], STUDY_STAT_SIZE, "%s", study_stats[k]);
        }
        for (size_t c = 0; c < cells; c++) {
            const char *g = "";
            if (a != NULL) {
                if (study_group_name(s, a, c, &gb) != 0) {
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
