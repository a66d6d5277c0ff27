/*
 * study_search.c - medians and quartiles from the aggregate without
 * opening the distribution (docs/COMPUTE.md, "Quantiles"). Each answer
 * adds 1 to the grid cell of its value in its group (study_circuit.c ties
 * the grid cell to the value); those entries are never opened. For every
 * released group and quantile, a binary search over the grid opens one
 * prefix count per step: C(j), the contributors of the group whose value
 * lies in grid cells 0..j. The q-quantile is the grid cell of the value
 * at rank r = ceil(q n) (the lower quantile: the lower median for an even
 * n), the first j with C(j) >= r, reported as that cell's lowest value.
 *
 * The search is deterministic: every party derives the same probes from
 * the same counts, units' states and opened prefix counts, so each party
 * opens only the probes its own view dictates (backend/party/share.c).
 */
#include <stdlib.h>
#include <string.h>

#include "study_internal.h"

/* A search for a quantile, or (quarter 4 + b) a quartile band's probe:
 * the group's contributors up to the grid cell of the b-th quartile of
 * everyone (search number ref, of the analysis of those quartiles). */
typedef struct search {
    size_t analysis, cell;
    unsigned quarter; /* 1, 2 (the median) or 3; 5 to 7 for a band's limit 1 to 3 */
    uint64_t n, rank; /* the group's count, and the quantile's rank in it */
    size_t lo, hi;    /* the answer lies in grid cells [lo, hi] */
    size_t ref;
    uint64_t opened; /* a band's probe: its count */
} search;

#define BAND 4

struct study_search {
    const study *s;
    size_t num, steps, done;
    size_t bin_steps; /* the binary searches' steps; then the bands' step, if any */
    search *list;
    /* Per step: its probes, each a search index and the grid cell j whose
     * prefix count C(j) it opens. */
    size_t *num_probes;
    uint32_t **probes;
};

int study_has_search(const study *s)
{
    for (size_t i = 0; i < s->num_analyses; i++)
        if (s->analyses[i].stats & STAT_GRID)
            return 1;
    return 0;
}

size_t study_search_steps_for(size_t k)
{
    size_t t = 0;
    while (((size_t)1 << t) < k)
        t++;
    return t;
}

uint64_t study_quantile_count(const study *s, const study_analysis *a, const core_u128 *agg,
                              uint64_t num_reports, size_t c)
{
    return a->quantiles_positive
               ? study_part_count(s, a, agg, num_reports, c, STUDY_PART_POSITIVE(a))
               : study_cell_count(s, a, agg, num_reports, c);
}

int study_quantiles_released(const study *s, const uint8_t *state, size_t i, size_t c)
{
    const study_analysis *a = &s->analyses[i];
    size_t u = study_unit_of(s, i, c, STUDY_NO_BIN);
    if (!(a->stats & STAT_GRID) || (u != SIZE_MAX && state[u] != STUDY_RELEASED))
        return 0;
    /* A quantile says where the group's values lie, and so bounds the
     * parts of the same field (bins, not positive and positive) of its
     * members: it is released only when none of those is withheld. */
    for (size_t j = 0; j < s->num_analyses; j++) {
        const study_analysis *b = &s->analyses[j];
        if (b->of != a->of)
            continue;
        for (size_t d = 0; d < b->cells; d++)
            for (size_t p = 0; p < study_cell_parts(b); p++)
                if (state[study_unit_of(s, j, d, p)] != STUDY_RELEASED)
                    return 0;
    }
    return 1;
}

/* The probes of the next step (step q->done) from the searches' bounds. */
static core_err plan_step(study_search *q)
{
    size_t t = q->done, n = 0;
    if (t >= q->steps)
        return CORE_OK;
    /* Binary steps: the middle of every search not narrowed down; the
     * bands' step (every binary search is done): each band probe at its
     * limit's grid cell. */
    int bands = t == q->bin_steps;
    for (size_t k = 0; k < q->num; k++)
        n += bands ? q->list[k].quarter > BAND : q->list[k].lo < q->list[k].hi;
    q->probes[t] = core_alloc_array(n ? n : 1, 2 * sizeof(uint32_t));
    if (q->probes[t] == NULL)
        return CORE_ENOMEM;
    q->num_probes[t] = n;
    n = 0;
    for (size_t k = 0; k < q->num; k++) {
        const search *x = &q->list[k];
        if (bands ? x->quarter > BAND : x->lo < x->hi) {
            q->probes[t][2 * n] = (uint32_t)k;
            q->probes[t][2 * n + 1] =
                (uint32_t)(bands ? q->list[x->ref].lo : x->lo + (x->hi - x->lo) / 2);
            n++;
        }
    }
    return CORE_OK;
}

/* Whether analysis i's quartile bands are searched: every group's
 * quantiles may be released, and the quartiles of everyone that are
 * their limits. */
static int bands_searched(const study *s, const uint8_t *state, uint64_t num_reports, size_t i)
{
    const study_analysis *a = &s->analyses[i];
    if (!(a->stats & STAT_BANDS) || num_reports == 0 ||
        !study_quantiles_released(s, state, a->band_ref, 0))
        return 0;
    for (size_t c = 0; c < a->cells; c++)
        if (!study_quantiles_released(s, state, i, c))
            return 0;
    return 1;
}

static int cmp_search(const void *pa, const void *pb);

core_err study_search_new(const study *s, const core_u128 *counts, uint64_t num_reports,
                          const uint8_t *state, study_search **out)
{
    *out = NULL;
    study_search *q = calloc(1, sizeof *q);
    if (q == NULL)
        return CORE_ENOMEM;
    q->s = s;
    int bands = 0;
    for (int pass = 0; pass < 2; pass++) {
        q->num = 0;
        for (size_t i = 0; i < s->num_analyses; i++) {
            const study_analysis *a = &s->analyses[i];
            for (size_t c = 0; c < a->cells; c++) {
                /* Among the positive values only, the others (all below
                 * them) come first: the rank is shifted by their number. */
                uint64_t n = study_cell_count(s, a, counts, num_reports, c);
                uint64_t m = study_quantile_count(s, a, counts, num_reports, c), below = n - m;
                int quantiles = (a->stats & STAT_QUANTILES) && m > 0 &&
                                study_quantiles_released(s, state, i, c);
                for (unsigned k = 1; k <= 3 && quantiles; k++) {
                    if (k != 2 && !(a->stats & STAT_QUARTILES))
                        continue;
                    if (pass)
                        q->list[q->num] = (search){
                            i, c, k, n, below + (k * m + 3) / 4, 0, a->grid_cells - 1, 0, 0};
                    q->num++;
                }
                if (quantiles && study_search_steps_for(a->grid_cells) > q->bin_steps)
                    q->bin_steps = study_search_steps_for(a->grid_cells);
                for (unsigned b = 1; b <= 3 && bands_searched(s, state, num_reports, i); b++) {
                    if (pass)
                        q->list[q->num] = (search){i, c, BAND + b, n, 0, 0, 0, 0, 0};
                    q->num++;
                    bands = 1;
                }
            }
        }
        q->steps = q->bin_steps + (size_t)bands;
        if (pass == 0) {
            q->list = core_alloc_array(q->num ? q->num : 1, sizeof *q->list);
            q->num_probes = core_calloc_array(q->steps + 1, sizeof *q->num_probes);
            q->probes = core_calloc_array(q->steps + 1, sizeof *q->probes);
            if (q->list == NULL || q->num_probes == NULL || q->probes == NULL) {
                study_search_free(q);
                return CORE_ENOMEM;
            }
        }
    }
    /* Each band probe's limit: the search of the quartile of everyone. */
    for (size_t k = 0; k < q->num; k++) {
        search *x = &q->list[k];
        if (x->quarter > BAND) {
            search key = {
                s->analyses[x->analysis].band_ref, 0, x->quarter - BAND, 0, 0, 0, 0, 0, 0};
            const search *z = bsearch(&key, q->list, q->num, sizeof *q->list, cmp_search);
            x->ref = (size_t)(z - q->list); /* (searched: bands_searched) */
        }
    }
    core_err e = plan_step(q);
    if (e != CORE_OK) {
        study_search_free(q);
        return e;
    }
    *out = q;
    return CORE_OK;
}

void study_search_free(study_search *q)
{
    if (q == NULL)
        return;
    for (size_t t = 0; q->probes != NULL && t <= q->steps; t++)
        free(q->probes[t]);
    free(q->probes);
    free(q->num_probes);
    free(q->list);
    free(q);
}

size_t study_search_steps(const study_search *q)
{
    return q->steps;
}

size_t study_search_done(const study_search *q)
{
    return q->done;
}

const uint32_t *study_search_probes(const study_search *q, size_t step, size_t *n)
{
    *n = step <= q->done && step < q->steps ? q->num_probes[step] : 0;
    return *n ? q->probes[step] : NULL;
}

/* The first output of search x's group's grid. */
static size_t grid_first(const study_search *q, const search *x)
{
    const study_analysis *a = &q->s->analyses[x->analysis];
    return a->out_grid + x->cell * a->grid_cells;
}

core_err study_search_share(const study_search *q, size_t step, const uint8_t *out_share,
                            uint8_t *values)
{
    size_t n;
    const uint32_t *p = study_search_probes(q, step, &n);
    const size_t elem = field_encoded_size(FIELD128);
    for (size_t k = 0; k < n; k++) {
        const search *x = &q->list[p[2 * k]];
        size_t first = grid_first(q, x), len = (size_t)p[2 * k + 1] + 1;
        felem sum = field_zero(), v;
        for (size_t j = 0; j < len; j++) {
            if (field_vec_decode(FIELD128, out_share + (first + j) * elem, 1, &v) != CORE_OK)
                return CORE_EDECODE;
            sum = field_add(FIELD128, sum, v);
        }
        field_vec_encode(FIELD128, &sum, 1, values + k * elem);
    }
    return CORE_OK;
}

/* Narrows every search probed at the current step by its prefix count
 * (counts[k] for the step's probe k), then plans the next step. */
static core_err advance(study_search *q, const uint64_t *counts)
{
    size_t n;
    const uint32_t *p = study_search_probes(q, q->done, &n);
    for (size_t k = 0; k < n; k++) {
        search *x = &q->list[p[2 * k]];
        if (x->quarter > BAND)
            x->opened = counts[k];
        else if (counts[k] >= x->rank)
            x->hi = p[2 * k + 1];
        else
            x->lo = (size_t)p[2 * k + 1] + 1;
    }
    q->done++;
    return plan_step(q);
}

core_err study_search_open(study_search *q, const uint8_t *values, unsigned parties)
{
    size_t n;
    const uint32_t *p = study_search_probes(q, q->done, &n);
    const size_t elem = field_encoded_size(FIELD128);
    if (q->done >= q->steps)
        return CORE_EINVAL;
    uint64_t *counts = core_alloc_array(n ? n : 1, sizeof *counts);
    if (counts == NULL)
        return CORE_ENOMEM;
    core_err e = CORE_OK;
    for (size_t k = 0; k < n && e == CORE_OK; k++) {
        felem sum = field_zero(), v;
        for (unsigned j = 0; j < parties && e == CORE_OK; j++) {
            e = field_vec_decode(FIELD128, values + (j * n + k) * elem, 1, &v);
            sum = field_add(FIELD128, sum, v);
        }
        /* A prefix count lies between 0 and the group's count. */
        core_u128 c = field_to_u128(FIELD128, sum);
        counts[k] = c.lo;
        if (e == CORE_OK && (c.hi != 0 || c.lo > q->list[p[2 * k]].n))
            e = CORE_EINVAL;
    }
    if (e == CORE_OK)
        e = advance(q, counts);
    free(counts);
    return e;
}

core_err study_search_run_clear(study_search *q, const core_u128 *aggregate)
{
    core_err e = CORE_OK;
    while (q->done < q->steps && e == CORE_OK) {
        size_t n;
        const uint32_t *p = study_search_probes(q, q->done, &n);
        uint64_t *counts = core_alloc_array(n ? n : 1, sizeof *counts);
        if (counts == NULL)
            return CORE_ENOMEM;
        for (size_t k = 0; k < n; k++) {
            size_t first = grid_first(q, &q->list[p[2 * k]]);
            counts[k] = 0;
            for (size_t j = 0; j <= p[2 * k + 1]; j++)
                counts[k] += aggregate[first + j].lo;
        }
        e = advance(q, counts);
        free(counts);
    }
    return e;
}

static int cmp_search(const void *pa, const void *pb)
{
    const search *x = pa, *y = pb;
    if (x->analysis != y->analysis)
        return x->analysis < y->analysis ? -1 : 1;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return x->quarter < y->quarter ? -1 : x->quarter > y->quarter;
}

int study_search_value(const study_search *q, size_t analysis, size_t cell, unsigned quarter,
                       int64_t *value)
{
    if (q == NULL || q->done < q->steps)
        return 0;
    /* The searches are in the order of (analysis, cell, quarter). */
    search key = {analysis, cell, quarter, 0, 0, 0, 0, 0, 0};
    const search *x = bsearch(&key, q->list, q->num, sizeof *q->list, cmp_search);
    if (x == NULL)
        return 0;
    const study_analysis *a = &q->s->analyses[analysis];
    *value = a->grid_edges[x->lo];
    return 1;
}

int study_search_band(const study_search *q, size_t analysis, size_t cell, unsigned limit,
                      uint64_t *count)
{
    if (q == NULL || q->done < q->steps)
        return 0;
    search key = {analysis, cell, BAND + limit, 0, 0, 0, 0, 0, 0};
    const search *x = bsearch(&key, q->list, q->num, sizeof *q->list, cmp_search);
    if (x == NULL)
        return 0;
    *count = x->opened;
    return 1;
}
