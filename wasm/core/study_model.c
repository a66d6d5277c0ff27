/*
 * study_model.c - the release model of a study (study.h, "the release
 * model"): every value a report can release as a set of the study's
 * finest cells, the ground on which suppression is checked
 * (backend/lib/suppress.c, docs/COMPUTE.md, "Suppression").
 *
 * The finest cells are the cross product of every field some analysis
 * groups by (in the study's field order) and, for each integer field with
 * histograms or share_positive, the intervals between all of its
 * histogram bins' edges (and 1, where positive values start). A
 * finest cell's index is mixed-radix over those dimensions, the first the
 * slowest. An interval can be empty (a bin edge outside the field's
 * bounds): its finest cells hold nobody and belong to no unit.
 */
#include <stdlib.h>
#include <string.h>

#include "study_internal.h"

typedef struct model_dim {
    int field;
    size_t size;
    int64_t *lo, *hi; /* a binned field's intervals, else NULL */
} model_dim;

struct study_model_dims {
    size_t num;
    model_dim d[STUDY_MAX_FIELDS * 2];
};

static int has_cell_unit(const study_analysis *a)
{
    return (a->stats & ~(unsigned)STAT_HISTOGRAM) != 0;
}

static size_t analysis_units(const study_analysis *a)
{
    return (has_cell_unit(a) ? a->cells : 0) + a->cells * study_cell_parts(a);
}

size_t study_unit_base(const study *s, size_t i)
{
    size_t base = 0;
    for (size_t k = 0; k < i; k++)
        base += analysis_units(&s->analyses[k]);
    return base;
}

size_t study_unit_of(const study *s, size_t i, size_t c, size_t bin)
{
    const study_analysis *a = &s->analyses[i];
    size_t base = study_unit_base(s, i);
    if (bin == STUDY_NO_BIN)
        return has_cell_unit(a) ? base + c : SIZE_MAX;
    return base + (has_cell_unit(a) ? a->cells : 0) + c * study_cell_parts(a) + bin;
}

size_t study_share_units(const study *s, size_t i, size_t c, size_t out[2])
{
    const study_analysis *a = &s->analyses[i];
    if (!(a->stats & STAT_SHARE_POSITIVE))
        return 0;
    out[0] = study_unit_of(s, i, c, STUDY_PART_NOT_POSITIVE(a));
    out[1] = study_unit_of(s, i, c, STUDY_PART_POSITIVE(a));
    return 2;
}

size_t study_num_units(const study *s)
{
    return study_unit_base(s, s->num_analyses);
}

/* a x b, or SIZE_MAX if it overflows. */
static size_t mul_sat(size_t a, size_t b)
{
    return a != 0 && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The cuts of field f's values (the lower edges of every part but the
 * first: histogram bins' edges, and 1 for share_positive), sorted and
 * distinct, into cuts; their number, or -1 if f is not cut at all. */
#define MAX_CUTS (STUDY_MAX_ANALYSES * STUDY_MAX_BINS + STUDY_MAX_ANALYSES)
static long field_cuts(const study *s, size_t f, int64_t cuts[MAX_CUTS])
{
    size_t n = 0;
    int cut = 0;
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        if (a->of != (int)f || study_cell_parts(a) == 0)
            continue;
        cut = 1;
        for (size_t b = 1; b < a->num_bins; b++)
            cuts[n++] = a->bins[b];
        if (a->stats & STAT_SHARE_POSITIVE)
            cuts[n++] = 1;
    }
    if (!cut)
        return -1;
    qsort(cuts, n, sizeof cuts[0], cmp_i64);
    size_t u = 0;
    for (size_t k = 0; k < n; k++)
        if (u == 0 || cuts[k] != cuts[u - 1])
            cuts[u++] = cuts[k];
    return (long)u;
}

size_t study_finest_count(const study *s)
{
    size_t n = 1;
    int grouped[STUDY_MAX_FIELDS] = {0};
    for (size_t i = 0; i < s->num_analyses; i++)
        for (size_t k = 0; k < s->analyses[i].num_by; k++)
            grouped[s->analyses[i].by[k]] = 1;
    for (size_t f = 0; f < s->num_fields; f++) {
        if (grouped[f])
            n = mul_sat(n, s->fields[f].num_choices);
        int64_t cuts[MAX_CUTS];
        long u = field_cuts(s, f, cuts);
        if (u >= 0)
            n = mul_sat(n, (size_t)u + 1);
    }
    return n;
}

/* The dimensions of the finest cells; -1 if out of memory. */
static int make_dims(const study *s, struct study_model_dims *dims)
{
    int grouped[STUDY_MAX_FIELDS] = {0};
    for (size_t i = 0; i < s->num_analyses; i++)
        for (size_t k = 0; k < s->analyses[i].num_by; k++)
            grouped[s->analyses[i].by[k]] = 1;
    dims->num = 0;
    for (size_t f = 0; f < s->num_fields; f++)
        if (grouped[f])
            dims->d[dims->num++] = (model_dim){(int)f, s->fields[f].num_choices, NULL, NULL};
    for (size_t f = 0; f < s->num_fields; f++) {
        int64_t cuts[MAX_CUTS];
        long cut = field_cuts(s, f, cuts);
        if (cut < 0)
            continue;
        size_t u = (size_t)cut;
        model_dim *d = &dims->d[dims->num];
        d->field = (int)f;
        d->size = u + 1;
        d->lo = malloc(d->size * sizeof *d->lo);
        d->hi = malloc(d->size * sizeof *d->hi);
        if (d->lo == NULL || d->hi == NULL) {
            free(d->lo);
            free(d->hi);
            return -1;
        }
        dims->num++;
        const study_field *fd = &s->fields[f];
        for (size_t k = 0; k <= u; k++) {
            int64_t lo = k == 0 ? fd->min : cuts[k - 1], hi = k == u ? fd->max : cuts[k] - 1;
            d->lo[k] = lo < fd->min ? fd->min : lo;
            d->hi[k] = hi > fd->max ? fd->max : hi;
        }
    }
    return 0;
}

static void free_dims(struct study_model_dims *dims)
{
    for (size_t k = 0; k < dims->num; k++) {
        free(dims->d[k].lo);
        free(dims->d[k].hi);
    }
    dims->num = 0;
}

/* The coordinates of finest cell f. */
static void coords_of(const struct study_model_dims *dims, size_t f, size_t *c)
{
    for (size_t k = dims->num; k-- > 0;) {
        c[k] = f % dims->d[k].size;
        f /= dims->d[k].size;
    }
}

static size_t dim_of(const struct study_model_dims *dims, int field, int binned)
{
    for (size_t k = 0; k < dims->num; k++)
        if (dims->d[k].field == field && (dims->d[k].lo != NULL) == binned)
            return k;
    return SIZE_MAX;
}

/* Whether finest cell coordinates c hold nobody (an empty interval). */
static int empty_cell(const struct study_model_dims *dims, const size_t *c)
{
    for (size_t k = 0; k < dims->num; k++)
        if (dims->d[k].lo != NULL && dims->d[k].lo[c[k]] > dims->d[k].hi[c[k]])
            return 1;
    return 0;
}

void study_model_bounds(const study_model *m, int field, size_t f, int64_t *lo, int64_t *hi)
{
    const study_field *fd = &m->s->fields[field];
    *lo = fd->min;
    *hi = fd->max;
    size_t k = dim_of(m->dims, field, 1), c[STUDY_MAX_FIELDS * 2];
    if (k == SIZE_MAX)
        return;
    coords_of(m->dims, f, c);
    *lo = m->dims->d[k].lo[c[k]];
    *hi = m->dims->d[k].hi[c[k]];
}

void study_model_free(study_model *m)
{
    if (m == NULL)
        return;
    if (m->dims != NULL)
        free_dims(m->dims);
    free(m->dims);
    free(m->units);
    free(m->members);
    free(m);
}

/* Does finest cell c (coordinates) belong to the unit (a, cell idx, bin)? */
static int member(const study *s, const struct study_model_dims *dims, const study_analysis *a,
                  const size_t *idx, size_t bin, const size_t *c)
{
    for (size_t k = 0; k < a->num_by; k++)
        if (c[dim_of(dims, a->by[k], 0)] != idx[k])
            return 0;
    if (bin == STUDY_NO_BIN)
        return 1;
    int64_t blo, bhi;
    study_part_interval(s, a, bin, &blo, &bhi);
    size_t k = dim_of(dims, a->of, 1);
    return dims->d[k].lo[c[k]] >= blo && dims->d[k].hi[c[k]] <= bhi;
}

core_err study_model_new(const study *s, const core_u128 *counts, uint64_t num_reports,
                         study_model **out)
{
    *out = NULL;
    study_model *m = calloc(1, sizeof *m);
    if (m == NULL || (m->dims = calloc(1, sizeof *m->dims)) == NULL || make_dims(s, m->dims) != 0) {
        study_model_free(m);
        return CORE_ENOMEM;
    }
    m->s = s;
    m->num_finest = 1;
    for (size_t k = 0; k < m->dims->num; k++) {
        if (m->num_finest > STUDY_MAX_FINEST / m->dims->d[k].size) {
            study_model_free(m);
            return CORE_EINVAL;
        }
        m->num_finest *= m->dims->d[k].size;
    }
    m->num_units = study_num_units(s);
    if (m->num_units > STUDY_MAX_MODEL / m->num_finest) {
        study_model_free(m);
        return CORE_EINVAL;
    }
    m->units = calloc(m->num_units ? m->num_units : 1, sizeof *m->units);
    size_t *c = malloc(m->num_finest * m->dims->num * sizeof *c + 1);
    uint8_t *empty = malloc(m->num_finest);
    if (m->units == NULL || c == NULL || empty == NULL) {
        free(c);
        free(empty);
        study_model_free(m);
        return CORE_ENOMEM;
    }
    for (size_t f = 0; f < m->num_finest; f++) {
        coords_of(m->dims, f, c + f * m->dims->num);
        empty[f] = (uint8_t)empty_cell(m->dims, c + f * m->dims->num);
        m->num_nonempty += !empty[f];
    }
    /* Two passes: the sizes, then the members. */
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && (m->members = malloc((total ? total : 1) * sizeof *m->members)) == NULL)
            break;
        size_t at = 0, u = 0;
        for (size_t i = 0; i < s->num_analyses; i++) {
            const study_analysis *a = &s->analyses[i];
            size_t nbins = study_cell_parts(a);
            for (size_t part = 0; part < 2; part++) {
                if (part == 0 && !has_cell_unit(a))
                    continue;
                for (size_t cell = 0; cell < a->cells; cell++) {
                    for (size_t b = 0; b < (part == 0 ? 1 : nbins); b++) {
                        size_t bin = part == 0 ? STUDY_NO_BIN : b, idx[STUDY_MAX_BY];
                        study_cell_choices(s, a, cell, idx);
                        study_unit *un = &m->units[u++];
                        un->analysis = i;
                        un->cell = cell;
                        un->bin = bin;
                        un->first = at;
                        un->n = part == 0 ? study_cell_count(s, a, counts, num_reports, cell)
                                          : study_part_count(s, a, counts, num_reports, cell, b);
                        un->employers = study_cell_employers(s, a, counts, un->n, cell, bin);
                        un->field = part == 0 && (a->stats & (STAT_SUM | STAT_MEAN | STAT_STDDEV))
                                        ? a->of
                                        : -1;
                        un->squares = part == 0 && (a->stats & STAT_STDDEV);
                        for (size_t f = 0; f < m->num_finest; f++)
                            if (!empty[f] &&
                                member(s, m->dims, a, idx, bin, c + f * m->dims->num)) {
                                if (pass == 1)
                                    m->members[at] = f;
                                at++;
                            }
                        un->count = at - un->first;
                    }
                }
            }
        }
        total = at;
    }
    free(c);
    free(empty);
    if (m->members == NULL) {
        study_model_free(m);
        return CORE_ENOMEM;
    }
    *out = m;
    return CORE_OK;
}

int study_model_empty(const study_model *m, size_t f)
{
    size_t c[STUDY_MAX_FIELDS * 2];
    coords_of(m->dims, f, c);
    return empty_cell(m->dims, c);
}
