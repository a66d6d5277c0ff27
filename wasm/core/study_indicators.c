/*
 * study_indicators.c - a study's indicators (docs/STUDY.md, "Indicators"):
 * some of its rows presented under headings of its own, for the report
 * page, the CSV and the spreadsheet. Only presentation: the rows are the
 * ones study_result makes, whatever the indicators say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study_internal.h"

/* The analysis named `name`, or -1. */
static int find_analysis(const study *s, const char *name)
{
    for (size_t i = 0; i < s->num_analyses; i++)
        if (strcmp(s->analyses[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Whether `stat` is one of the statistics analysis `spec` declares. */
static int declares(const cJSON *spec, const char *stat)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(spec, "stats"))
    {
        if (strcmp(d->valuestring, stat) == 0)
            return 1;
    }
    return 0;
}

/* "a, b, c" of the names, cut to fit out. */
static void list_names(char names[][STUDY_STAT_SIZE], size_t n, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len + 1 < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? ", " : "", names[i]);
}

/* Room for the checks (on the heap: too large for wasm's stack). */
typedef struct scratch {
    char names[STUDY_CELL_STATS][STUDY_STAT_SIZE], rows[STUDY_CELL_STATS][STUDY_STAT_SIZE];
    /* where each column of each analysis is shown: section + 1, or 0 */
    uint8_t under[STUDY_MAX_ANALYSES][STUDY_CELL_STATS];
} scratch;

/* Marks in t->shown the columns statistic `stat` names: a row's statistic
 * ("quartile_band_2", "gap_percent"), or one the study file declares for
 * all the rows it makes ("quartile_bands": the four bands). 0, or -1 with
 * err naming what the analysis has. */
static int mark(const study *s, study_table *t, const cJSON *spec, const char *stat,
                const char *where, scratch *w, char *err, size_t err_size)
{
    char(*names)[STUDY_STAT_SIZE] = w->names, (*rows)[STUDY_STAT_SIZE] = w->rows;
    const study_analysis *a = &s->analyses[t->analysis];
    size_t n = study_cell_stat_names(a, spec, names), m = 0;
    if (declares(spec, stat))
        m = study_stat_rows(a, stat, rows);
    else
        snprintf(rows[m++], STUDY_STAT_SIZE, "%s", stat);
    size_t found = 0;
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < n; c++)
            if (strcmp(rows[r], names[c]) == 0) {
                t->shown[c] = 1;
                found++;
            }
    if (found == 0) {
        char list[160];
        list_names(names, n, list, sizeof list);
        study_errf(err, err_size, "%s: analysis \"%s\" has no statistic \"%.40s\"; it has %s",
                   where, a->name, stat, list);
        return -1;
    }
    return 0;
}

/* The tables of one section (study_load_indicators). */
static core_err load_section(study *s, const cJSON *sec, scratch *w, char *err, size_t err_size)
{
    const cJSON *analyses = cJSON_GetObjectItemCaseSensitive(s->doc, "analyses");
    size_t k = s->num_sections;
    study_section *section = &s->sections[k];
    section->heading = cJSON_GetObjectItemCaseSensitive(sec, "heading")->valuestring;
    const cJSON *tab;
    cJSON_ArrayForEach(tab, cJSON_GetObjectItemCaseSensitive(sec, "tables"))
    {
        size_t ti = section->num_tables;
        study_table *t = &section->tables[ti];
        char where[96];
        const char *name = cJSON_GetObjectItemCaseSensitive(tab, "analysis")->valuestring;
        int ai = find_analysis(s, name);
        if (ai < 0) {
            study_errf(err, err_size,
                       "indicators.sections[%zu].tables[%zu].analysis: no analysis is named "
                       "\"%s\"",
                       k, ti, name);
            return CORE_EDECODE;
        }
        t->analysis = (size_t)ai;
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(tab, "label");
        t->label = label != NULL ? label->valuestring : NULL;
        const cJSON *spec = cJSON_GetArrayItem(analyses, ai), *st;
        size_t j = 0;
        cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(tab, "statistics"))
        {
            snprintf(where, sizeof where, "indicators.sections[%zu].tables[%zu].statistics[%zu]", k,
                     ti, j++);
            uint8_t before[STUDY_CELL_STATS];
            memcpy(before, t->shown, sizeof before);
            if (mark(s, t, spec, st->valuestring, where, w, err, err_size) != 0)
                return CORE_EDECODE;
            for (size_t c = 0; c < STUDY_CELL_STATS; c++) {
                if (!t->shown[c] || before[c])
                    continue;
                if (w->under[ai][c]) {
                    study_errf(err, err_size,
                               "%s: \"%.40s\" of analysis \"%s\" is already under "
                               "indicators.sections[%u]; a statistic is shown under one "
                               "heading only",
                               where, st->valuestring, name, (unsigned)w->under[ai][c] - 1);
                    return CORE_EDECODE;
                }
                w->under[ai][c] = (uint8_t)(k + 1);
            }
        }
        section->num_tables++;
    }
    s->num_sections++;
    return CORE_OK;
}

core_err study_load_indicators(study *s, char *err, size_t err_size)
{
    const cJSON *ind = cJSON_GetObjectItemCaseSensitive(s->doc, "indicators");
    if (ind == NULL)
        return CORE_OK;
    s->indicators_title = cJSON_GetObjectItemCaseSensitive(ind, "title")->valuestring;
    scratch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return CORE_ENOMEM;
    core_err e = CORE_OK;
    const cJSON *sec;
    cJSON_ArrayForEach(sec, cJSON_GetObjectItemCaseSensitive(ind, "sections"))
    {
        if ((e = load_section(s, sec, w, err, err_size)) != CORE_OK)
            break;
    }
    free(w);
    return e;
}

size_t study_num_sections(const study *s)
{
    return s->num_sections;
}

const char *study_indicators_title(const study *s)
{
    return s->indicators_title;
}

const char *study_section_heading(const study *s, size_t k)
{
    return s->sections[k].heading;
}

size_t study_section_tables(const study *s, size_t k)
{
    return s->sections[k].num_tables;
}

size_t study_table_analysis(const study *s, size_t k, size_t t)
{
    return s->sections[k].tables[t].analysis;
}

const char *study_table_label(const study *s, size_t k, size_t t)
{
    return s->sections[k].tables[t].label;
}

int study_table_shows(const study *s, size_t k, size_t t, size_t stat)
{
    return stat < STUDY_CELL_STATS && s->sections[k].tables[t].shown[stat];
}

int study_row_indicator(const study *s, const study_row_ref *ref, size_t *k, size_t *t)
{
    if (ref->analysis < 0)
        return 0;
    for (size_t i = 0; i < s->num_sections; i++)
        for (size_t j = 0; j < s->sections[i].num_tables; j++)
            if (s->sections[i].tables[j].analysis == (size_t)ref->analysis &&
                study_table_shows(s, i, j, ref->stat)) {
                *k = i;
                *t = j;
                return 1;
            }
    return 0;
}
