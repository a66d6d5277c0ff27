/*
 * study.c - parsing and validation of mpc-study/1 files (docs/STUDY.md):
 * the JSON Schema (schema/study.schema.json, embedded at build time and
 * applied with jschema.c), then the semantic rules a schema cannot state,
 * the canonical encoding and hash, and the submission binding of
 * docs/DESIGN.md, section 4.
 */
#include "study.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "buf.h"
#include "hex.h"
#include "jschema.h"
#include "safe_text.h"
#include "study_internal.h"

/* The schema, embedded by the build (build/gen/study_schema.c). */
extern const char study_schema_json[];
extern const size_t study_schema_json_len;

void study_errf(char *err, size_t err_size, const char *fmt, ...)
{
    if (err == NULL || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* ---- canonical JSON ------------------------------------------------------ */

/* The canonical encoding of a study is at most this long (its escapes
 * make it longer than the file, which is at most STUDY_MAX_JSON). */
#define CANONICAL_MAX (8 * STUDY_MAX_JSON)

/* A JSON string as RFC 8785 writes it: only '"', '\\' and control
 * characters are escaped. */
static void put_string(buf *b, const char *s)
{
    buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\b': buf_puts(b, "\\b"); break;
        case '\f': buf_puts(b, "\\f"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                buf_puts(b, esc);
            } else {
                buf_append(b, (const char *)p, 1);
            }
        }
    }
    buf_append(b, "\"", 1);
}

static int cmp_members(const void *x, const void *y)
{
    const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
    return strcmp(a->string, b->string);
}

static core_err put_value(buf *b, const cJSON *v, int depth)
{
    if (depth > 64)
        return CORE_ELIMIT;
    if (cJSON_IsNull(v)) {
        buf_puts(b, "null");
    } else if (cJSON_IsTrue(v)) {
        buf_puts(b, "true");
    } else if (cJSON_IsFalse(v)) {
        buf_puts(b, "false");
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!(fabs(d) <= 9007199254740992.0) || floor(d) != d)
            return CORE_EDECODE;
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)d);
        buf_puts(b, num);
    } else if (cJSON_IsString(v)) {
        put_string(b, v->valuestring);
    } else if (cJSON_IsArray(v)) {
        buf_append(b, "[", 1);
        const cJSON *e;
        int first = 1;
        cJSON_ArrayForEach(e, v)
        {
            if (!first)
                buf_append(b, ",", 1);
            first = 0;
            core_err err = put_value(b, e, depth + 1);
            if (err != CORE_OK)
                return err;
        }
        buf_append(b, "]", 1);
    } else if (cJSON_IsObject(v)) {
        size_t n = (size_t)cJSON_GetArraySize(v);
        const cJSON **members = core_alloc_array(n ? n : 1, sizeof *members);
        if (members == NULL)
            return CORE_ENOMEM;
        size_t i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) members[i++] = e;
        qsort(members, n, sizeof *members, cmp_members);
        core_err err = CORE_OK;
        buf_append(b, "{", 1);
        for (i = 0; i < n && err == CORE_OK; i++) {
            if (i > 0) {
                if (strcmp(members[i - 1]->string, members[i]->string) == 0) {
                    err = CORE_EDECODE; /* duplicate member name */
                    break;
                }
                buf_append(b, ",", 1);
            }
            put_string(b, members[i]->string);
            buf_append(b, ":", 1);
            err = put_value(b, members[i], depth + 1);
        }
        buf_append(b, "}", 1);
        free(members);
        if (err != CORE_OK)
            return err;
    } else {
        return CORE_EDECODE;
    }
    return b->over ? CORE_ELIMIT : b->failed ? CORE_ENOMEM : CORE_OK;
}

core_err study_canonical_json(const cJSON *v, char **out)
{
    buf b = BUF_INIT(CANONICAL_MAX);
    *out = NULL;
    core_err err = put_value(&b, v, 0);
    if (err == CORE_OK && b.p == NULL)
        err = CORE_EDECODE;
    if (err != CORE_OK) {
        buf_free(&b);
        return err;
    }
    *out = buf_take(&b, NULL);
    return *out != NULL ? CORE_OK : CORE_ENOMEM;
}

core_err study_canonical_hash(const cJSON *v, uint8_t hash[STUDY_HASH_SIZE])
{
    char *text;
    core_err err = study_canonical_json(v, &text);
    if (err != CORE_OK)
        return err;
    int rc = mbedtls_sha256_ret((const unsigned char *)text, strlen(text), hash, 0);
    free(text);
    return rc == 0 ? CORE_OK : CORE_ECRYPTO;
}

/* The study hash: the canonical hash without "hash" and "signature". */
static core_err compute_study_hash(const cJSON *doc, uint8_t hash[STUDY_HASH_SIZE])
{
    cJSON *copy = cJSON_Duplicate(doc, 1);
    if (copy == NULL)
        return CORE_ENOMEM;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "hash");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "signature");
    core_err err = study_canonical_hash(copy, hash);
    cJSON_Delete(copy);
    return err;
}

/* ---- semantic checks ----------------------------------------------------- */

static int64_t get_int(const cJSON *obj, const char *name, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static const char *get_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int find_field(const study *s, const char *name)
{
    for (size_t i = 0; i < s->num_fields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

static const char *type_name(study_field_type t)
{
    return t == STUDY_CHOICE ? "a choice" : t == STUDY_INTEGER ? "an integer" : "a boolean";
}

static core_err load_fields(study *s, char *err, size_t err_size)
{
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(s->doc, "fields"), *f;
    cJSON_ArrayForEach(f, fields)
    {
        size_t i = s->num_fields++;
        study_field *fd = &s->fields[i];
        fd->name = get_str(f, "name");
        fd->label = get_str(f, "label");
        if (find_field(s, fd->name) != (int)i) {
            study_errf(err, err_size, "fields[%zu].name: \"%s\" is already the name of fields[%d]",
                       i, fd->name, find_field(s, fd->name));
            return CORE_EDECODE;
        }
        const char *type = get_str(f, "type");
        if (strcmp(type, "choice") == 0) {
            fd->type = STUDY_CHOICE;
            const cJSON *c;
            cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(f, "choices"))
                fd->choices[fd->num_choices++] = c->valuestring;
        } else if (strcmp(type, "boolean") == 0) {
            fd->type = STUDY_BOOLEAN;
            fd->num_choices = 2;
            fd->choices[0] = "false";
            fd->choices[1] = "true";
        } else {
            fd->type = STUDY_INTEGER;
            fd->min = get_int(f, "min", 0);
            fd->max = get_int(f, "max", 0);
            if (fd->max <= fd->min) {
                study_errf(err, err_size, "fields[%zu].max: must be greater than min (%lld)", i,
                           (long long)fd->min);
                return CORE_EDECODE;
            }
            if (fd->max - fd->min > STUDY_MAX_RANGE) {
                study_errf(err, err_size,
                           "fields[%zu]: max - min must be at most %lld (2^40 - 1); narrow the "
                           "range",
                           i, (long long)STUDY_MAX_RANGE);
                return CORE_EDECODE;
            }
        }
    }
    return CORE_OK;
}

static unsigned stat_bit(const char *name)
{
    static const char *const names[] = {"count",  "sum",       "mean",
                                        "stddev", "histogram", "share_positive",
                                        "median", "quartiles", "quartile_bands"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1u << i;
    return 0;
}

static core_err load_bins(study *s, study_analysis *an, size_t i, const cJSON *a, char *err,
                          size_t err_size)
{
    const cJSON *bins = cJSON_GetObjectItemCaseSensitive(a, "bins");
    int wants = (an->stats & STAT_HISTOGRAM) != 0;
    if (!wants && bins != NULL) {
        study_errf(err, err_size, "analyses[%zu].bins: only allowed with the \"histogram\" stat",
                   i);
        return CORE_EDECODE;
    }
    if (!wants)
        return CORE_OK;
    if (bins == NULL) {
        study_errf(err, err_size,
                   "analyses[%zu]: the \"histogram\" stat needs \"bins\" (increasing lower edges)",
                   i);
        return CORE_EDECODE;
    }
    const study_field *of = &s->fields[an->of];
    const cJSON *b;
    cJSON_ArrayForEach(b, bins)
    {
        size_t k = an->num_bins++;
        an->bins[k] = (int64_t)b->valuedouble;
        if (k > 0 && an->bins[k] <= an->bins[k - 1]) {
            study_errf(err, err_size,
                       "analyses[%zu].bins[%zu]: bins must be increasing (%lld is not above "
                       "%lld)",
                       i, k, (long long)an->bins[k], (long long)an->bins[k - 1]);
            return CORE_EDECODE;
        }
        if (an->bins[k] > of->max) {
            study_errf(err, err_size,
                       "analyses[%zu].bins[%zu]: %lld is above the max of \"%s\" (%lld), so "
                       "this bin would always be empty",
                       i, k, (long long)an->bins[k], of->name, (long long)of->max);
            return CORE_EDECODE;
        }
    }
    if (an->bins[0] > of->min) {
        study_errf(err, err_size,
                   "analyses[%zu].bins[0]: the first bin must start at or below the min of "
                   "\"%s\" (%lld)",
                   i, of->name, (long long)of->min);
        return CORE_EDECODE;
    }
    return CORE_OK;
}

/* The next edge of a relative grid after e (> 0): e + percent % of e,
 * at least e + 1. */
static int64_t next_relative(int64_t e, int64_t percent)
{
    int64_t d = e / 100 * percent + e % 100 * percent / 100;
    return e + (d > 0 ? d : 1);
}

/* The grid of median and quartiles: required with them, refused
 * without; at most STUDY_MAX_GRID grid cells over the field's range. */
static core_err load_grid(study *s, study_analysis *an, size_t i, const cJSON *a, char *err,
                          size_t err_size)
{
    const cJSON *grid = cJSON_GetObjectItemCaseSensitive(a, "grid");
    int wants = (an->stats & STAT_GRID) != 0;
    if (!wants && grid != NULL) {
        study_errf(err, err_size,
                   "analyses[%zu].grid: only allowed with the \"median\" or \"quartiles\" stat", i);
        return CORE_EDECODE;
    }
    if (!wants && cJSON_GetObjectItemCaseSensitive(a, "quantiles_among") != NULL) {
        study_errf(err, err_size,
                   "analyses[%zu].quantiles_among: only allowed with the \"median\" or "
                   "\"quartiles\" stat",
                   i);
        return CORE_EDECODE;
    }
    if (!wants)
        return CORE_OK;
    if (grid == NULL) {
        study_errf(err, err_size,
                   "analyses[%zu]: \"median\" and \"quartiles\" need \"grid\", the resolution "
                   "they are reported at (for example 500: every 500 of the field's unit)",
                   i);
        return CORE_EDECODE;
    }
    const study_field *of = &s->fields[an->of];
    const char *among = get_str(a, "quantiles_among");
    an->quantiles_positive = among != NULL && strcmp(among, "positive") == 0;
    if (an->quantiles_positive && !(an->stats & STAT_SHARE_POSITIVE)) {
        study_errf(err, err_size,
                   "analyses[%zu].quantiles_among: \"positive\" needs the \"share_positive\" stat "
                   "too (its count of values above 0)",
                   i);
        return CORE_EDECODE;
    }
    if (cJSON_IsNumber(grid)) {
        an->grid_step = (int64_t)grid->valuedouble;
    } else {
        an->grid_percent = (int64_t)cJSON_GetObjectItemCaseSensitive(grid, "percent")->valuedouble;
        an->grid_from = (int64_t)cJSON_GetObjectItemCaseSensitive(grid, "from")->valuedouble;
    }
    uint64_t steps =
        an->grid_step ? (uint64_t)(of->max - of->min) / (uint64_t)an->grid_step + 1 : 0;
    if (steps > STUDY_MAX_GRID) {
        study_errf(err, err_size,
                   "analyses[%zu].grid: a grid of %lld over \"%s\" (%lld to %lld) has %llu grid "
                   "cells, more than the limit of %d; use a grid of at least %lld",
                   i, (long long)an->grid_step, of->name, (long long)of->min, (long long)of->max,
                   (unsigned long long)steps, STUDY_MAX_GRID,
                   (long long)((of->max - of->min) / STUDY_MAX_GRID + 1));
        return CORE_ELIMIT;
    }
    /* Count the cells first (without storing them), then store them. */
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        int64_t e = of->min;
        while (e <= of->max) {
            if (k == STUDY_MAX_GRID) {
                study_errf(err, err_size,
                           "analyses[%zu].grid: it cuts \"%s\" (%lld to %lld) into more than %d "
                           "grid cells; use a larger percent or from",
                           i, of->name, (long long)of->min, (long long)of->max, STUDY_MAX_GRID);
                return CORE_ELIMIT;
            }
            if (pass)
                an->grid_edges[k] = e;
            k++;
            if (an->grid_step)
                e += an->grid_step;
            else
                e = e < an->grid_from ? an->grid_from : next_relative(e, an->grid_percent);
        }
        if (pass == 0) {
            an->grid_edges = core_alloc_array(k, sizeof *an->grid_edges);
            if (an->grid_edges == NULL)
                return CORE_ENOMEM;
            an->grid_cells = k;
        }
    }
    return CORE_OK;
}

static core_err load_analysis(study *s, size_t i, const cJSON *a, char *err, size_t err_size)
{
    study_analysis *an = &s->analyses[i];
    an->name = get_str(a, "name");
    an->of = -1;
    an->gap_ref = -1;
    for (size_t j = 0; j < i; j++)
        if (strcmp(s->analyses[j].name, an->name) == 0) {
            study_errf(err, err_size,
                       "analyses[%zu].name: \"%s\" is already the name of analyses[%zu]", i,
                       an->name, j);
            return CORE_EDECODE;
        }
    const char *of = get_str(a, "of");
    if (of != NULL) {
        an->of = find_field(s, of);
        if (an->of < 0) {
            study_errf(err, err_size, "analyses[%zu].of: there is no field named \"%s\"", i, of);
            return CORE_EDECODE;
        }
        if (s->fields[an->of].type != STUDY_INTEGER) {
            study_errf(err, err_size,
                       "analyses[%zu].of: \"%s\" is %s field; \"of\" must name an integer field", i,
                       of, type_name(s->fields[an->of].type));
            return CORE_EDECODE;
        }
    }
    const cJSON *b;
    an->cells = 1;
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(a, "by"))
    {
        size_t k = an->num_by;
        int f = find_field(s, b->valuestring);
        if (f < 0) {
            study_errf(err, err_size, "analyses[%zu].by[%zu]: there is no field named \"%s\"", i, k,
                       b->valuestring);
            return CORE_EDECODE;
        }
        if (s->fields[f].type == STUDY_INTEGER) {
            study_errf(err, err_size,
                       "analyses[%zu].by[%zu]: \"%s\" is an integer field; groups can only be "
                       "made by choice or boolean fields",
                       i, k, b->valuestring);
            return CORE_EDECODE;
        }
        an->by[an->num_by++] = f;
        an->cells *= s->fields[f].num_choices;
    }
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(a, "stats"))
    {
        unsigned bit = stat_bit(st->valuestring);
        an->stats |= bit;
        if (bit != STAT_COUNT && an->of < 0) {
            study_errf(err, err_size,
                       "analyses[%zu].stats: \"%s\" needs \"of\", the integer field it is "
                       "computed over",
                       i, st->valuestring);
            return CORE_EDECODE;
        }
    }
    if ((an->stats & STAT_QUANTILES) == STAT_QUANTILES) {
        study_errf(err, err_size,
                   "analyses[%zu].stats: \"quartiles\" already includes the median; list only "
                   "one of them",
                   i);
        return CORE_EDECODE;
    }
    core_err e = load_bins(s, an, i, a, err, err_size);
    if (e == CORE_OK)
        e = load_grid(s, an, i, a, err, err_size);
    if (e != CORE_OK)
        return e;
    const char *gap = get_str(a, "gap_reference");
    if (gap != NULL) {
        if (an->num_by == 0 || an->of < 0) {
            study_errf(err, err_size,
                       "analyses[%zu].gap_reference: a gap needs \"of\" (the value compared) and "
                       "\"by\" (the groups)",
                       i);
            return CORE_EDECODE;
        }
        const study_field *first = &s->fields[an->by[0]];
        for (size_t c = 0; c < first->num_choices; c++)
            if (strcmp(first->choices[c], gap) == 0)
                an->gap_ref = (int)c;
        if (an->gap_ref < 0) {
            study_errf(err, err_size,
                       "analyses[%zu].gap_reference: \"%s\" is not a choice of \"%s\", the first "
                       "\"by\" field",
                       i, gap, first->name);
            return CORE_EDECODE;
        }
    }
    size_t cells = an->cells * (an->num_bins ? an->num_bins : 1);
    if (cells > STUDY_MAX_CELLS) {
        study_errf(err, err_size,
                   "analyses[%zu]: %zu groups%s is more than the limit of %d; group by fewer "
                   "fields",
                   i, cells, an->num_bins ? " (times bins)" : "", STUDY_MAX_CELLS);
        return CORE_ELIMIT;
    }
    if (an->grid_cells > STUDY_MAX_CELLS / an->cells) {
        study_errf(err, err_size,
                   "analyses[%zu]: %zu groups times %zu grid cells is more than the limit of %d; "
                   "use a coarser grid or group by fewer fields",
                   i, an->cells, an->grid_cells, STUDY_MAX_CELLS);
        return CORE_ELIMIT;
    }
    return CORE_OK;
}

/* Each quartile_bands analysis: by at least one field, and an analysis of
 * the quartiles of everyone (no "by", among all values) of the same field
 * on the same grid, whose quartiles are the bands' limits (band_ref). */
static core_err link_bands(study *s, char *err, size_t err_size)
{
    for (size_t i = 0; i < s->num_analyses; i++) {
        study_analysis *a = &s->analyses[i];
        if (!(a->stats & STAT_BANDS))
            continue;
        if (a->num_by == 0) {
            study_errf(err, err_size,
                       "analyses[%zu].stats: \"quartile_bands\" needs \"by\" (the groups whose "
                       "shares of each band are released)",
                       i);
            return CORE_EDECODE;
        }
        a->band_ref = SIZE_MAX;
        for (size_t j = 0; j < s->num_analyses && a->band_ref == SIZE_MAX; j++) {
            const study_analysis *z = &s->analyses[j];
            if (z->num_by == 0 && (z->stats & STAT_QUARTILES) && !z->quantiles_positive &&
                study_grids_equal(z, a))
                a->band_ref = j;
        }
        if (a->band_ref == SIZE_MAX) {
            study_errf(err, err_size,
                       "analyses[%zu]: \"quartile_bands\" needs an analysis of the \"quartiles\" "
                       "of \"%s\" without \"by\", on the same grid: its quartiles are the bands' "
                       "limits",
                       i, s->fields[a->of].name);
            return CORE_EDECODE;
        }
    }
    return CORE_OK;
}

/* Suppression is checked on the release model (study.h): the analyses
 * together must give one small enough to check. */
/* An organization study's settings (docs/STUDY.md, "Organizations"):
 * max_rows with organization access only, and small enough that no
 * relation of the employer's circuit can wrap around the field
 * (study_org.c). */
static core_err load_organization(study *s, char *err, size_t err_size)
{
    const cJSON *privacy = cJSON_GetObjectItemCaseSensitive(s->doc, "privacy");
    int has_rows = cJSON_GetObjectItemCaseSensitive(s->doc, "max_rows") != NULL;
    int has_min = cJSON_GetObjectItemCaseSensitive(privacy, "min_contributors") != NULL;
    s->max_rows = (uint64_t)get_int(s->doc, "max_rows", 0);
    s->min_contributors = (uint64_t)get_int(privacy, "min_contributors", 1);
    if (!s->organization) {
        if (has_rows || has_min) {
            study_errf(err, err_size,
                       "%s: only for \"access\": \"organization\" (a report per employer)",
                       has_rows ? "max_rows" : "privacy.min_contributors");
            return CORE_EDECODE;
        }
        s->max_rows = 0;
        s->min_contributors = 1;
        return CORE_OK;
    }
    if (!has_rows) {
        study_errf(err, err_size,
                   "max_rows: required with \"access\": \"organization\" (the most people one "
                   "employer may report)");
        return CORE_EDECODE;
    }
    if (s->min_submissions < s->min_contributors) {
        study_errf(err, err_size,
                   "privacy.min_submissions: must be at least min_contributors (%llu): with fewer "
                   "employers' reports, not even the whole study could be released",
                   (unsigned long long)s->min_contributors);
        return CORE_EDECODE;
    }
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        if (a->of < 0)
            continue;
        const study_field *f = &s->fields[a->of];
        field_u128 w = (uint64_t)(f->max - f->min), r = s->max_rows;
        int squares = (a->stats & STAT_STDDEV) != 0;
        if (r * w >= (field_u128)1 << 62 || (squares && r * w * w >= (field_u128)1 << 63)) {
            study_errf(err, err_size,
                       "max_rows: %llu people times the range of %s (%lld to %lld)%s is too "
                       "large for an employer's table; lower max_rows or the field's range",
                       (unsigned long long)s->max_rows, f->name, (long long)f->min,
                       (long long)f->max, squares ? " squared (analysis with stddev)" : "");
            return CORE_ELIMIT;
        }
    }
    return CORE_OK;
}

static core_err check_model_size(const study *s, char *err, size_t err_size)
{
    size_t finest = study_finest_count(s), units = study_num_units(s);
    if (finest > STUDY_MAX_FINEST) {
        study_errf(err, err_size,
                   "analyses: together they group and bin the answers into more than %d finest "
                   "cells (the cross product of every field they group by and of every "
                   "histogram's bins), too many to check suppression; group by fewer fields or "
                   "use fewer bins",
                   STUDY_MAX_FINEST);
        return CORE_ELIMIT;
    }
    if (units > STUDY_MAX_MODEL / finest) {
        study_errf(err, err_size,
                   "analyses: %zu groups and bins over %zu finest cells are too many to check "
                   "suppression; use fewer analyses, groups or bins",
                   units, finest);
        return CORE_ELIMIT;
    }
    return CORE_OK;
}

static core_err load_parties(study *s, char *err, size_t err_size)
{
    const cJSON *parties = cJSON_GetObjectItemCaseSensitive(s->doc, "parties"), *p;
    cJSON_ArrayForEach(p, parties)
    {
        unsigned i = s->num_parties++;
        s->party_name[i] = get_str(p, "name");
        s->party_url[i] = get_str(p, "url");
        char why[STUDY_ERR_SIZE];
        if (safe_text_origin(s->party_url[i], why, sizeof why) != 0) {
            study_errf(err, err_size, "parties[%u].url: %s", i, why);
            return CORE_EDECODE;
        }
        if (hex_decode_fixed(get_str(p, "hpke_public_key"), s->party_hpke[i], HPKE_NPK) != 0 ||
            hex_decode_fixed(get_str(p, "signing_public_key"), s->party_sign[i],
                             STUDY_SIGN_KEY_SIZE) != 0) {
            study_errf(err, err_size, "parties[%u]: malformed key", i);
            return CORE_EDECODE;
        }
        for (unsigned j = 0; j < i; j++) {
            const char *what = NULL;
            if (strcmp(s->party_name[i], s->party_name[j]) == 0)
                what = "name";
            else if (strcmp(s->party_url[i], s->party_url[j]) == 0)
                what = "url";
            else if (memcmp(s->party_hpke[i], s->party_hpke[j], HPKE_NPK) == 0)
                what = "hpke_public_key";
            else if (memcmp(s->party_sign[i], s->party_sign[j], STUDY_SIGN_KEY_SIZE) == 0)
                what = "signing_public_key";
            if (what != NULL) {
                study_errf(err, err_size, "parties[%u].%s: the same as parties[%u]'s", i, what, j);
                return CORE_EDECODE;
            }
        }
    }
    const char *org =
        get_str(cJSON_GetObjectItemCaseSensitive(s->doc, "organizer"), "signing_public_key");
    if (org != NULL) {
        s->has_organizer = 1;
        if (hex_decode_fixed(org, s->organizer, STUDY_SIGN_KEY_SIZE) != 0)
            return CORE_EDECODE;
    }
    const char *sig = get_str(s->doc, "signature");
    if (sig != NULL) {
        s->has_signature = 1;
        if (hex_decode_fixed(sig, s->signature, STUDY_SIG_SIZE) != 0)
            return CORE_EDECODE;
    }
    return CORE_OK;
}

static core_err check_sealing(study *s, unsigned flags, char *err, size_t err_size)
{
    static const char *const parts[] = {"parties", "organizer", "hash", "signature"};
    s->sealed = 1;
    for (size_t i = 0; i < 4; i++)
        if (cJSON_GetObjectItemCaseSensitive(s->doc, parts[i]) == NULL) {
            s->sealed = 0;
            if (flags & STUDY_SEALED) {
                study_errf(err, err_size,
                           "%s: missing; this study is not sealed (seal it with 'mpc study seal')",
                           parts[i]);
                return CORE_EDECODE;
            }
        }
    const char *hash = get_str(s->doc, "hash");
    if (hash != NULL) {
        uint8_t stored[STUDY_HASH_SIZE];
        if (hex_decode_fixed(hash, stored, sizeof stored) != 0 ||
            memcmp(stored, s->hash, sizeof stored) != 0) {
            study_errf(err, err_size,
                       "hash: does not match the study's content; the file was changed after it "
                       "was sealed");
            return CORE_EDECODE;
        }
    }
    return CORE_OK;
}

/* The path of the first string of v holding a control character (after
 * path, n bytes of it used), or 0 if none does. */
static int find_control(const cJSON *v, char *path, size_t n, size_t size)
{
    if (cJSON_IsString(v))
        return safe_text_has_control(v->valuestring);
    const cJSON *c;
    size_t i = 0;
    cJSON_ArrayForEach(c, v)
    {
        if (cJSON_IsArray(v))
            snprintf(path + n, size - n, "[%zu]", i++);
        else if (safe_text_has_control(c->string))
            return 1;
        else
            snprintf(path + n, size - n, "%s%s", n ? "." : "", c->string);
        if (find_control(c, path, strlen(path), size))
            return 1;
        path[n] = '\0';
    }
    return 0;
}

/* err (safe_text_json's "line L, column C: ...") names the string
 * instead when it can be found (a NUL cuts the string it is in: then the
 * line and column stay). */
static void name_control(const char *json, size_t len, char *err, size_t err_size)
{
    cJSON *doc = cJSON_ParseWithLength(json, len);
    char path[256] = "";
    const char *what = strstr(err, "a string holds");
    if (doc != NULL && what != NULL && find_control(doc, path, 0, sizeof path)) {
        char tail[96];
        snprintf(tail, sizeof tail, "%s", what + strlen("a string "));
        study_errf(err, err_size, "%s: %s", path[0] ? path : "(top level)", tail);
    }
    cJSON_Delete(doc);
}

static core_err validate_schema(const cJSON *doc, char *err, size_t err_size)
{
    cJSON *schema = cJSON_ParseWithLength(study_schema_json, study_schema_json_len);
    if (schema == NULL)
        return CORE_ENOMEM;
    core_err e = jschema_validate(schema, doc, err, err_size);
    cJSON_Delete(schema);
    return e == CORE_OK || e == CORE_ENOMEM ? e : CORE_EDECODE;
}

core_err study_parse(const char *json, size_t len, unsigned flags, study **out, char *err,
                     size_t err_size)
{
    *out = NULL;
    study_errf(err, err_size, "%s", "");
    if (len > STUDY_MAX_JSON) {
        study_errf(err, err_size, "the study file is larger than %zu bytes", STUDY_MAX_JSON);
        return CORE_ELIMIT;
    }
    study *s = calloc(1, sizeof *s);
    if (s == NULL)
        return CORE_ENOMEM;
    core_err e = CORE_EDECODE;
    const char *end = NULL;
    if (safe_text_json(json, len, err, err_size) != 0) {
        name_control(json, len, err, err_size);
        goto cleanup;
    }
    s->doc = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (s->doc == NULL) {
        size_t at = end != NULL && end >= json ? (size_t)(end - json) : 0;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < at && i < len; i++, col++)
            if (json[i] == '\n') {
                line++;
                col = 0;
            }
        study_errf(err, err_size, "not valid JSON: syntax error at line %zu, column %zu", line,
                   col);
        goto cleanup;
    }
    if ((e = validate_schema(s->doc, err, err_size)) != CORE_OK)
        goto cleanup;
    s->id = get_str(s->doc, "id");
    s->title = get_str(s->doc, "title");
    const char *access = get_str(s->doc, "access");
    s->access_open = access != NULL && strcmp(access, "open") == 0;
    s->organization = access != NULL && strcmp(access, "organization") == 0;
    const cJSON *privacy = cJSON_GetObjectItemCaseSensitive(s->doc, "privacy");
    s->min_submissions = (uint64_t)get_int(privacy, "min_submissions", 1);
    s->min_cell_count = (uint64_t)get_int(privacy, "min_cell_count", 1);
    if ((e = load_fields(s, err, err_size)) != CORE_OK)
        goto cleanup;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(s->doc, "analyses"))
    {
        if ((e = load_analysis(s, s->num_analyses, a, err, err_size)) != CORE_OK)
            goto cleanup;
        s->num_analyses++;
    }
    if ((e = link_bands(s, err, err_size)) != CORE_OK ||
        (e = study_load_indicators(s, err, err_size)) != CORE_OK ||
        (e = load_organization(s, err, err_size)) != CORE_OK ||
        (e = check_model_size(s, err, err_size)) != CORE_OK)
        goto cleanup;
    if ((e = load_parties(s, err, err_size)) != CORE_OK)
        goto cleanup;
    if ((e = compute_study_hash(s->doc, s->hash)) != CORE_OK) {
        study_errf(err, err_size, "the study cannot be encoded canonically");
        goto cleanup;
    }
    if ((e = check_sealing(s, flags, err, err_size)) != CORE_OK)
        goto cleanup;
    e = study_compile(s, err, err_size);
cleanup:
    if (e != CORE_OK) {
        study_free(s);
        return e;
    }
    *out = s;
    return CORE_OK;
}

void study_free(study *s)
{
    if (s == NULL)
        return;
    study_layout_free(s);
    /* (every analysis, parsed or not: one refused after its grid was
     * read holds its edges too) */
    for (size_t i = 0; i < STUDY_MAX_ANALYSES; i++)
        free(s->analyses[i].grid_edges);
    cJSON_Delete(s->doc);
    free(s);
}

/* ---- accessors ------------------------------------------------------------ */

const uint8_t *study_hash(const study *s)
{
    return s->hash;
}
int study_is_sealed(const study *s)
{
    return s->sealed;
}
const char *study_id(const study *s)
{
    return s->id;
}
const char *study_title(const study *s)
{
    return s->title;
}
int study_access_open(const study *s)
{
    return s->access_open;
}
uint64_t study_min_submissions(const study *s)
{
    return s->min_submissions;
}
uint64_t study_min_cell_count(const study *s)
{
    return s->min_cell_count;
}
size_t study_num_fields(const study *s)
{
    return s->num_fields;
}

const char *study_field_name(const study *s, size_t i)
{
    return s->fields[i].name;
}

const char *study_field_label(const study *s, size_t i)
{
    return s->fields[i].label;
}

int64_t study_field_min(const study *s, size_t i)
{
    return s->fields[i].min;
}

int64_t study_field_max(const study *s, size_t i)
{
    return s->fields[i].max;
}

unsigned study_num_parties(const study *s)
{
    return s->num_parties;
}

const char *study_party_name(const study *s, unsigned i)
{
    return i < s->num_parties ? s->party_name[i] : NULL;
}

const char *study_party_url(const study *s, unsigned i)
{
    return i < s->num_parties ? s->party_url[i] : NULL;
}

const uint8_t *study_party_hpke_key(const study *s, unsigned i)
{
    return i < s->num_parties ? s->party_hpke[i] : NULL;
}

const uint8_t *study_party_signing_key(const study *s, unsigned i)
{
    return i < s->num_parties ? s->party_sign[i] : NULL;
}

const uint8_t *study_organizer_key(const study *s)
{
    return s->has_organizer ? s->organizer : NULL;
}

const uint8_t *study_signature(const study *s)
{
    return s->has_signature ? s->signature : NULL;
}

/* ---- binding --------------------------------------------------------------- */

void study_vdaf_ctx(const study *s, uint8_t ctx[STUDY_CTX_SIZE])
{
    memcpy(ctx, STUDY_FORMAT, sizeof(STUDY_FORMAT) - 1);
    memcpy(ctx + sizeof(STUDY_FORMAT) - 1, s->hash, STUDY_HASH_SIZE);
}

void study_hpke_info(unsigned party, uint8_t info[STUDY_INFO_SIZE])
{
    static const char prefix[] = STUDY_FORMAT " input share";
    memcpy(info, prefix, sizeof prefix - 1);
    info[sizeof prefix - 1] = (uint8_t)party;
}

size_t study_hpke_aad(const study *s, const uint8_t report_id[STUDY_REPORT_ID_SIZE],
                      const uint8_t token_id[STUDY_TOKEN_ID_SIZE], uint64_t seq,
                      const uint8_t *public_share, size_t public_share_len, uint8_t *aad,
                      size_t aad_size)
{
    if (aad_size < STUDY_AAD_FIXED || aad_size - STUDY_AAD_FIXED < public_share_len)
        return 0;
    uint8_t *p = aad;
    memcpy(p, s->hash, STUDY_HASH_SIZE);
    p += STUDY_HASH_SIZE;
    memcpy(p, report_id, STUDY_REPORT_ID_SIZE);
    p += STUDY_REPORT_ID_SIZE;
    if (token_id != NULL)
        memcpy(p, token_id, STUDY_TOKEN_ID_SIZE);
    else
        memset(p, 0, STUDY_TOKEN_ID_SIZE);
    p += STUDY_TOKEN_ID_SIZE;
    for (int i = 7; i >= 0; i--)
        *p++ = (uint8_t)(seq >> (8 * i));
    if (public_share_len > 0)
        memcpy(p, public_share, public_share_len);
    return STUDY_AAD_FIXED + public_share_len;
}
