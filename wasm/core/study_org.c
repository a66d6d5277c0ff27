/*
 * study_org.c - organization studies (docs/STUDY.md, "Organizations"):
 * each report is one employer's table of its people, and the circuit
 * bounds what one employer can claim as the per-person circuit bounds one
 * answer.
 *
 * The table (study_table_add builds it row by row): entry 0 is the
 * employer's people N; then per analysis, one record per cell: the count
 * n, with `of` the sum U of u = value - min, with stddev the sum Q of
 * u^2, then the counts k_j of each vector of parts: the histogram's bins,
 * (not positive, positive), the grid's cells. With R = max_rows and
 * W = max - min of the analysis's field, the circuit proves, for every
 * analysis and cell:
 *
 *   presence  p is a bit; p x n = n (no people without presence) and
 *             n - p in [0, R - 1] (someone with presence);
 *   count     n in [0, R];
 *   parts     for each vector, sum_j k_j = n, every k_j in [0, R], and 0
 *             for a part that can hold nobody;
 *   sum       U in [0, R x W]; for each vector
 *             sum_j k_j lo_j <= U <= sum_j k_j hi_j, with [lo_j, hi_j] part
 *             j's interval of u: exactly the sums that k_j people in those
 *             parts can have; without a vector, U <= W x n;
 *   squares   Q in [0, R x W^2], Q <= W x U (u^2 <= W u for u in [0, W]),
 *             U^2 <= n x Q (Cauchy-Schwarz);
 *   totals    sum_c n_c = N, N in [0, R], in every analysis; sum_c U_c,
 *             and sum_c Q_c, the same in every analysis of the same field.
 *
 * Every inequality is a slack: a new range-checked value that a linear
 * relation says equals the difference. No relation can wrap around the
 * field: study.c keeps R below 2^24, R x W below 2^62 and R x W^2 below
 * 2^63, so every term stays below 2^90.
 *
 * The outputs are the per-person circuit's (so study_result decodes them
 * alike: counts, sums, sums of squares, part counts), with every
 * analysis's cell counts (also without "by"), then per analysis the
 * presence bits (the employers in each cell), and last N.
 *
 * The encoding runs the layout's steps in order (study_step): each table
 * entry's bits, each presence bit, each product, each slack computed from
 * its relation. An invalid table leaves a slack out of its range and is
 * refused (CORE_EMEAS); a forgery clamps the slacks instead, so that only
 * the check it aims at is broken.
 */
#include <stdlib.h>
#include <string.h>

#include "study_internal.h"

static core_err add_step(builder *b, uint32_t kind, uint32_t x, uint32_t y)
{
    study_step *t = buf_grow(&b->steps, sizeof *t);
    if (t == NULL)
        return b->steps.over ? CORE_ELIMIT : CORE_ENOMEM;
    *t = (study_step){kind, x, y};
    b->s->steps = (study_step *)(void *)b->steps.p;
    b->s->num_steps++;
    return CORE_OK;
}

/* A value of the table: entry `entry`, in [0, max]. */
static core_err input(builder *b, field_u128 max, size_t entry, uint32_t *v)
{
    core_err err = study_add_value(b, max, v);
    return err == CORE_OK ? add_step(b, STEP_INPUT, *v, (uint32_t)entry) : err;
}

/* Ends the relation being built with a new slack in [0, max]: the sum of
 * its other terms lies in [0, max]. */
static core_err slack(builder *b, field_u128 max)
{
    uint32_t v;
    core_err err = study_add_value(b, max, &v);
    if (err == CORE_OK)
        err = study_add_term(b, -1, REF_U | v);
    if (err == CORE_OK)
        err = add_step(b, STEP_SLACK, v, (uint32_t)(b->s->num_relations - 1));
    return err;
}

static core_err product(builder *b, uint32_t x, uint32_t y, uint32_t *wire)
{
    core_err err = study_add_products(b, x, 1, y, 1, wire);
    return err == CORE_OK ? add_step(b, STEP_PRODUCT, (uint32_t)(b->s->num_constraints - 1), 0)
                          : err;
}

/* The number of parts of vector `vec` of a (0 if it has none). */
static size_t vec_len(const study_analysis *a, int vec)
{
    switch (vec) {
    case STUDY_VEC_BINS: return (a->stats & STAT_HISTOGRAM) ? a->num_bins : 0;
    case STUDY_VEC_POSITIVE: return (a->stats & STAT_SHARE_POSITIVE) ? 2 : 0;
    default: return (a->stats & STAT_GRID) ? a->grid_cells : 0;
    }
}

/* The same, of the parts a's own table record holds (none for a grid
 * whose counts are an earlier analysis's). */
static size_t own_len(const study_analysis *a, int vec)
{
    return vec == STUDY_VEC_GRID && a->grid_counts_of >= 0 ? 0 : vec_len(a, vec);
}

static int has_sums(const study_analysis *a)
{
    return (a->stats & (STAT_SUM | STAT_MEAN | STAT_STDDEV)) || a->gap_ref >= 0;
}

/* Presence bit p of count n (a value): p n = n (nobody without it) and
 * n - p in [0, R - 1] (somebody with it). */
static core_err presence(builder *b, uint32_t n, uint32_t p)
{
    uint32_t pn;
    core_err err = add_step(b, STEP_PRESENCE, p, n);
    if (err == CORE_OK)
        err = product(b, REF_U | n, p, &pn);
    if (err == CORE_OK)
        err = study_add_relation(b, 0);
    if (err == CORE_OK)
        err = study_add_term(b, 1, pn);
    if (err == CORE_OK)
        err = study_add_term(b, -1, REF_U | n);
    if (err == CORE_OK)
        err = study_add_relation(b, 0);
    if (err == CORE_OK)
        err = study_add_term(b, 1, REF_U | n);
    if (err == CORE_OK)
        err = study_add_term(b, -1, p);
    return err == CORE_OK ? slack(b, b->s->max_rows - 1) : err;
}

/* The presence wire of cell c of a (part: STUDY_NO_BIN for the cell's
 * own, or a part, study_cell_parts). */
static uint32_t presence_wire(const study_analysis *a, size_t c, size_t part)
{
    size_t per = 1 + study_cell_parts(a);
    return a->presence_wire + (uint32_t)(c * per + (part == STUDY_NO_BIN ? 0 : 1 + part));
}

/* The part counts of vector vec in cell c's record e: each with its
 * presence bit if it is a unit of release (bins, not positive and
 * positive), and their relations to the count (value n) and the sum
 * (value u). shared: the value number of the first count when they are
 * an earlier analysis's (its grid's), else NO_WIRE. */
static core_err layout_vector(builder *b, const study_analysis *a, int vec, size_t c, size_t e,
                              uint32_t n, uint32_t u, uint32_t shared)
{
    study *s = b->s;
    size_t m = vec_len(a, vec);
    const field_u128 rw =
        (field_u128)s->max_rows * (uint64_t)(s->fields[a->of].max - s->fields[a->of].min);
    uint32_t first = shared;
    core_err err = CORE_OK;
    for (size_t j = 0; j < m && shared == NO_WIRE && err == CORE_OK; j++) {
        int64_t lo, hi;
        study_vector_interval(s, a, vec, j, &lo, &hi);
        uint32_t k;
        err = input(b, lo <= hi ? s->max_rows : 0, e + a->table_vec[vec] + j, &k);
        first = j == 0 ? k : first;
    }
    for (size_t j = 0; j < m && vec != STUDY_VEC_GRID && err == CORE_OK; j++) {
        size_t part = vec == STUDY_VEC_BINS ? j : STUDY_PART_NOT_POSITIVE(a) + j;
        err = presence(b, first + (uint32_t)j, presence_wire(a, c, part));
    }
    /* sum_j k_j = n */
    if (err == CORE_OK)
        err = study_add_relation(b, 0);
    for (size_t j = 0; j < m && err == CORE_OK; j++)
        err = study_add_term(b, 1, REF_U | (first + (uint32_t)j));
    if (err == CORE_OK)
        err = study_add_term(b, -1, REF_U | n);
    /* U - sum_j lo_j k_j >= 0, sum_j hi_j k_j - U >= 0 */
    for (int side = 0; side < 2 && err == CORE_OK; side++) {
        err = study_add_relation(b, 0);
        if (err == CORE_OK)
            err = study_add_term(b, side == 0 ? 1 : -1, REF_U | u);
        for (size_t j = 0; j < m && err == CORE_OK; j++) {
            int64_t lo, hi;
            study_vector_interval(s, a, vec, j, &lo, &hi);
            if (lo <= hi)
                err = study_add_term(b, side == 0 ? -lo : hi, REF_U | (first + (uint32_t)j));
        }
        if (err == CORE_OK)
            err = slack(b, rw);
    }
    return err;
}

/* Cell record e of a (its count first). */
static core_err layout_cell(builder *b, study_analysis *a, size_t c, size_t e)
{
    study *s = b->s;
    const uint64_t r = s->max_rows;
    const uint64_t w = a->of >= 0 ? (uint64_t)(s->fields[a->of].max - s->fields[a->of].min) : 0;
    uint32_t n, u = 0, q;
    uint32_t first = (uint32_t)s->num_values;
    core_err err = input(b, r, e, &n);
    if (err == CORE_OK)
        err = presence(b, n, presence_wire(a, c, STUDY_NO_BIN));
    if (a->of < 0 || err != CORE_OK)
        return err;
    err = input(b, (field_u128)r * w, e + a->table_sum, &u);
    a->value_sum = u - first;
    if (err == CORE_OK && (a->stats & STAT_STDDEV)) {
        /* W U - Q >= 0; n Q - U^2 >= 0 */
        uint32_t uu, nq;
        err = input(b, (field_u128)r * w * w, e + a->table_sq, &q);
        a->value_sq = q - first;
        if (err == CORE_OK)
            err = study_add_relation(b, 0);
        if (err == CORE_OK)
            err = study_add_term(b, (int64_t)w, REF_U | u);
        if (err == CORE_OK)
            err = study_add_term(b, -1, REF_U | q);
        if (err == CORE_OK)
            err = slack(b, (field_u128)r * w * w);
        if (err == CORE_OK)
            err = product(b, REF_U | u, REF_U | u, &uu);
        if (err == CORE_OK)
            err = product(b, REF_U | n, REF_U | q, &nq);
        if (err == CORE_OK)
            err = study_add_relation(b, 0);
        if (err == CORE_OK)
            err = study_add_term(b, 1, nq);
        if (err == CORE_OK)
            err = study_add_term(b, -1, uu);
        if (err == CORE_OK)
            err = slack(b, (field_u128)r * r * w * w);
    }
    int vectors = 0;
    for (int vec = STUDY_VEC_BINS; vec <= STUDY_VEC_GRID && err == CORE_OK; vec++)
        if (vec_len(a, vec) > 0) {
            uint32_t shared = NO_WIRE;
            if (own_len(a, vec) == 0) { /* (an earlier analysis's grid counts) */
                const study_analysis *x = &s->analyses[a->grid_counts_of];
                shared = x->table_value + (uint32_t)c * x->value_stride + x->value_vec[vec];
            } else {
                a->value_vec[vec] = (uint32_t)s->num_values - first;
            }
            err = layout_vector(b, a, vec, c, e, n, u, shared);
            vectors = 1;
        }
    if (err == CORE_OK && !vectors) { /* W n - U >= 0 */
        err = study_add_relation(b, 0);
        if (err == CORE_OK)
            err = study_add_term(b, (int64_t)w, REF_U | n);
        if (err == CORE_OK)
            err = study_add_term(b, -1, REF_U | u);
        if (err == CORE_OK)
            err = slack(b, (field_u128)r * w);
    }
    return err;
}

/* sum over a's cells of value `off` of each (count, sum or squares), with
 * coefficient coef. */
static core_err add_cells_sum(builder *b, const study_analysis *a, uint32_t off, int64_t coef)
{
    core_err err = CORE_OK;
    for (size_t c = 0; c < a->cells && err == CORE_OK; c++)
        err =
            study_add_term(b, coef, REF_U | (a->table_value + (uint32_t)c * a->value_stride + off));
    return err;
}

static core_err layout_analysis(builder *b, study_analysis *a, uint32_t people)
{
    study *s = b->s;
    /* One row's encoding, as in per-person studies. */
    if (a->stats & STAT_HISTOGRAM)
        a->bin_meas = s->row_meas_count++;
    if (a->stats & STAT_SHARE_POSITIVE)
        a->pos_meas = s->row_meas_count++;
    if (a->stats & STAT_GRID) { /* (one per field and grid, as there) */
        const study_analysis *x = s->analyses;
        while (x < a && !study_grids_equal(x, a))
            x++;
        a->grid_meas = x < a ? x->grid_meas : s->row_meas_count++;
    }
    /* The grid counts of an earlier analysis of the same field, grid and
     * groups serve this one too (as the per-person circuit shares them). */
    a->grid_counts_of = -1;
    for (const study_analysis *x = s->analyses; x < a && (a->stats & STAT_GRID); x++)
        if (study_grids_equal(x, a) && x->grid_counts_of < 0 && x->num_by == a->num_by &&
            memcmp(x->by, a->by, a->num_by * sizeof *a->by) == 0) {
            a->grid_counts_of = (int)(x - s->analyses);
            break;
        }
    /* The table's record. */
    size_t k = 1;
    a->table_sum = a->of >= 0 ? k++ : SIZE_MAX;
    a->table_sq = (a->stats & STAT_STDDEV) ? k++ : SIZE_MAX;
    for (int vec = STUDY_VEC_BINS; vec <= STUDY_VEC_GRID; vec++) {
        a->table_vec[vec] = own_len(a, vec) ? k : SIZE_MAX;
        k += own_len(a, vec);
    }
    a->table_stride = k;
    a->table_first = s->meas_count;
    if (a->cells > STUDY_MAX_WIRES / k || s->meas_count > STUDY_MAX_WIRES - a->cells * k)
        return CORE_ELIMIT;
    s->meas_count += a->cells * k;
    size_t bits = a->cells * (1 + study_cell_parts(a));
    core_err err = study_new_wires(s, bits, &a->presence_wire);
    if (err == CORE_OK)
        err = study_add_bits(b, a->presence_wire, bits);
    for (size_t c = 0; c < a->cells && err == CORE_OK; c++) {
        uint32_t first = (uint32_t)s->num_values;
        err = layout_cell(b, a, c, a->table_first + c * k);
        if (c == 0) {
            a->table_value = first;
            a->value_stride = (uint32_t)s->num_values - first;
        }
    }
    /* The totals: sum_c n_c = N; the sums and squares as in the first
     * analysis of the same field. */
    if (err == CORE_OK)
        err = study_add_relation(b, 0);
    if (err == CORE_OK)
        err = add_cells_sum(b, a, 0, 1);
    if (err == CORE_OK)
        err = study_add_term(b, -1, REF_U | people);
    const study_analysis *x = s->analyses;
    while (x < a && x->of != a->of)
        x++;
    if (err == CORE_OK && a->of >= 0 && x < a) {
        err = study_add_relation(b, 0);
        if (err == CORE_OK)
            err = add_cells_sum(b, a, a->value_sum, 1);
        if (err == CORE_OK)
            err = add_cells_sum(b, x, x->value_sum, -1);
    }
    x = s->analyses;
    while (x < a && (x->of != a->of || !(x->stats & STAT_STDDEV)))
        x++;
    if (err == CORE_OK && (a->stats & STAT_STDDEV) && x < a) {
        err = study_add_relation(b, 0);
        if (err == CORE_OK)
            err = add_cells_sum(b, a, a->value_sq, 1);
        if (err == CORE_OK)
            err = add_cells_sum(b, x, x->value_sq, -1);
    }
    return err;
}

/* The output references (as layout_outputs in study_circuit.c, with the
 * counts of every analysis, the presence bits, and N). */
static core_err layout_outputs(study *s, uint32_t people)
{
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (size_t i = 0; i < s->num_analyses; i++) {
            study_analysis *a = &s->analyses[i];
            uint32_t base = a->table_value, stride = a->value_stride;
#define OUT(off, expr)                                                                             \
    do {                                                                                           \
        (off) = n;                                                                                 \
        for (size_t c = 0; c < a->cells; c++, n++)                                                 \
            if (pass)                                                                              \
                s->outputs[n] = (expr);                                                            \
    } while (0)
            a->out_count = a->out_sum = a->out_sq = a->out_hist = a->out_pos = a->out_grid =
                SIZE_MAX;
            OUT(a->out_count, REF_U | (base + (uint32_t)c * stride));
            if (has_sums(a))
                OUT(a->out_sum, REF_U | (base + (uint32_t)c * stride + a->value_sum));
            if (a->stats & STAT_STDDEV)
                OUT(a->out_sq, REF_U | (base + (uint32_t)c * stride + a->value_sq));
            for (int vec = STUDY_VEC_BINS; vec <= STUDY_VEC_GRID; vec++) {
                size_t m = vec_len(a, vec);
                if (m == 0)
                    continue;
                size_t *off = vec == STUDY_VEC_BINS       ? &a->out_hist
                              : vec == STUDY_VEC_POSITIVE ? &a->out_pos
                                                          : &a->out_grid;
                /* share_positive releases the positive part's count. */
                size_t from = vec == STUDY_VEC_POSITIVE ? 1 : 0;
                /* (a shared grid's counts are the earlier analysis's) */
                const study_analysis *x = own_len(a, vec) ? a : &s->analyses[a->grid_counts_of];
                *off = n;
                for (size_t c = 0; c < a->cells; c++)
                    for (size_t j = from; j < m; j++, n++)
                        if (pass)
                            s->outputs[n] =
                                REF_U | (x->table_value + (uint32_t)c * x->value_stride +
                                         x->value_vec[vec] + (uint32_t)j);
            }
            a->out_presence = n;
            for (size_t c = 0; c < a->cells * (1 + study_cell_parts(a)); c++, n++)
                if (pass)
                    s->outputs[n] = a->presence_wire + (uint32_t)c;
#undef OUT
        }
        if (pass)
            s->outputs[n] = REF_U | people;
        s->out_people = n++;
        if (pass == 0) {
            s->outputs = core_alloc_array(n, sizeof *s->outputs);
            if (s->outputs == NULL)
                return CORE_ENOMEM;
        }
    }
    s->output_len = n;
    return CORE_OK;
}

core_err study_org_layout(builder *b)
{
    study *s = b->s;
    /* One row's encoding: the fields' values, then each analysis's part
     * numbers (layout_analysis); the table: N first. */
    s->row_meas_count = s->num_fields;
    s->table_people = 0;
    s->meas_count = 1;
    uint32_t people;
    core_err err = input(b, s->max_rows, s->table_people, &people);
    for (size_t i = 0; i < s->num_analyses && err == CORE_OK; i++)
        err = layout_analysis(b, &s->analyses[i], people);
    return err == CORE_OK ? layout_outputs(s, people) : err;
}

/* ---- the encoding ---------------------------------------------------------- */

static uint64_t ct_is_zero_wide(field_u128 x)
{
    return 1 & ~(uint64_t)((x | ((field_u128)0 - x)) >> 127);
}

static uint64_t ct_le_wide(field_u128 a, field_u128 b)
{
    field_u128 d = b - a; /* borrows iff a > b */
    return 1 & ~(uint64_t)(((~b & a) | (~(a ^ b) & d)) >> 127);
}

/* Runs the layout's steps on table t into out. flip: a presence wire to
 * flip (NO_WIRE for none). With clamp set (forgeries; not constant
 * time), a table entry past its range is carried by its lowest bit and a
 * slack out of its range is written as its nearest bound. */
static core_err run(const study *s, const uint64_t *t, uint32_t flip, int clamp, felem *out)
{
    const field_id f = FIELD128;
    felem *val = core_alloc_array(s->num_values, sizeof *val);
    field_u128 *ival = core_alloc_array(s->num_values, sizeof *ival);
    if (val == NULL || ival == NULL) {
        free(val);
        free(ival);
        return CORE_ENOMEM;
    }
    uint64_t ok = 1;
    for (size_t i = 0; i < s->num_steps; i++) {
        const study_step *st = &s->steps[i];
        const study_value *v = &s->values[st->a];
        field_u128 x = 0;
        switch (st->kind) {
        case STEP_INPUT:
            x = t[st->b];
            if (clamp && x > v->max) {
                (void)circuit_encode_range_checked_wide(f, v->max, v->max, out + v->wire);
                if (v->max > 0)
                    out[v->wire] = field_add(f, out[v->wire], circuit_elem_wide(f, x - v->max));
            } else {
                ok &= v->max == 0 ? ct_is_zero_wide(x)
                                  : circuit_encode_range_checked_wide(f, x, v->max, out + v->wire);
            }
            break;
        case STEP_PRESENCE: {
            uint64_t bit = (ct_is_zero_wide(ival[st->b]) ^ 1) ^ (st->a == flip);
            out[st->a] = field_select((uint64_t)0 - bit, field_one(f), field_zero());
            continue;
        }
        case STEP_PRODUCT: {
            const study_constraint *k = &s->constraints[st->a];
            felem xa = (k->a & REF_U) ? val[k->a & ~REF_U] : out[k->a];
            felem xb = (k->b & REF_U) ? val[k->b & ~REF_U] : out[k->b];
            out[k->c] = field_mul(f, xa, xb);
            continue;
        }
        case STEP_SLACK:
        default: {
            const study_relation *r = &s->relations[st->b];
            felem sum = r->constant;
            for (size_t j = r->first; j + 1 < r->first + r->len; j++) {
                const study_term *term = &s->terms[j];
                felem y = (term->ref & REF_U) ? val[term->ref & ~REF_U] : out[term->ref];
                sum = field_add(f, sum, field_mul(f, term->coef, y));
            }
            core_u128 w = field_to_u128(f, sum);
            x = ((field_u128)w.hi << 64) | w.lo;
            if (clamp && x > v->max)
                x = (w.hi >> 63) ? 0 : v->max; /* below 0, or above max */
            ok &= ct_le_wide(x, v->max);
            if (v->max > 0)
                (void)circuit_encode_range_checked_wide(f, x, v->max, out + v->wire);
            else
                ok &= ct_is_zero_wide(x);
            break;
        }
        }
        ival[st->a] = x;
        val[st->a] = circuit_elem_wide(f, x);
    }
    free(val);
    free(ival);
    return core_err_unless(ok, CORE_EMEAS);
}

core_err study_org_encode(const study *s, const uint64_t *table, felem *out)
{
    return run(s, table, NO_WIRE, 0, out);
}

/* The first cell of an analysis (with `of` if integer is set) with
 * someone in it: its analysis and record, or NULL. */
static const study_analysis *first_present(const study *s, const uint64_t *t, int integer,
                                           size_t *cell)
{
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        for (size_t c = 0; c < a->cells && (!integer || a->of >= 0); c++)
            if (t[a->table_first + c * a->table_stride] > 0) {
                *cell = c;
                return a;
            }
    }
    return NULL;
}

core_err study_org_forged(const study *s, const uint64_t *table, study_forgery kind, felem *out,
                          char *err, size_t err_size)
{
    core_err e = run(s, table, NO_WIRE, 0, out);
    if (e != CORE_OK) {
        study_errf(err, err_size, "the table is not valid to begin with");
        return e;
    }
    if (kind == STUDY_FORGE_NONE)
        return CORE_OK;
    if (kind != STUDY_FORGE_PRESENCE && kind != STUDY_FORGE_COUNT_ABOVE_MAX &&
        kind != STUDY_FORGE_SUM_BOUNDS) {
        study_errf(err, err_size,
                   "an organization study's table can be forged as presence, count-above-max or "
                   "sum-bounds");
        return CORE_EINVAL;
    }
    uint64_t *t = core_alloc_array(s->meas_count, sizeof *t);
    if (t == NULL)
        return CORE_ENOMEM;
    memcpy(t, table, s->meas_count * sizeof *t);
    size_t c = 0;
    const study_analysis *a = first_present(s, t, kind == STUDY_FORGE_SUM_BOUNDS, &c);
    uint32_t flip = NO_WIRE;
    if (a == NULL) {
        study_errf(err, err_size, "the table has %s to forge",
                   kind == STUDY_FORGE_SUM_BOUNDS ? "no sum of anyone" : "nobody");
        free(t);
        return CORE_EINVAL;
    }
    uint64_t *rec = t + a->table_first + c * a->table_stride;
    if (kind == STUDY_FORGE_PRESENCE) {
        /* A cell with people in it, its presence bit 0: only p n = n is
         * broken (and n - p's range when n = R). */
        flip = presence_wire(a, c, STUDY_NO_BIN);
    } else if (kind == STUDY_FORGE_COUNT_ABOVE_MAX) {
        /* The count max_rows + 1: its bits cannot hold it. */
        rec[0] = s->max_rows + 1;
    } else {
        /* The sum one above count x max, the most its people can have. */
        uint64_t w = (uint64_t)(s->fields[a->of].max - s->fields[a->of].min);
        rec[a->table_sum] = rec[0] * w + 1;
    }
    e = run(s, t, flip, 1, out);
    free(t);
    return e == CORE_EMEAS ? CORE_OK : e;
}

/* ---- the table ------------------------------------------------------------- */

static uint64_t ct_eq(uint64_t a, uint64_t b)
{
    uint64_t d = a ^ b;
    return 1 & ~((d | ((uint64_t)0 - d)) >> 63);
}

core_err study_table_add(const study *s, const uint64_t *row, uint64_t *table)
{
    if (!s->organization)
        return CORE_EINVAL;
    /* (how many rows were added so far is the caller's own count: not
     * secret on the client) */
    CORE_DECLASSIFY(&table[s->table_people], sizeof *table);
    if (table[s->table_people] >= s->max_rows)
        return CORE_ELIMIT;
    table[s->table_people]++;
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        uint64_t cell = 0, u = a->of >= 0 ? row[a->of] : 0;
        for (size_t k = 0; k < a->num_by; k++)
            cell = cell * s->fields[a->by[k]].num_choices + row[a->by[k]];
        uint64_t part[3] = {(a->stats & STAT_HISTOGRAM) ? row[a->bin_meas] : 0,
                            (a->stats & STAT_SHARE_POSITIVE) ? row[a->pos_meas] : 0,
                            (a->stats & STAT_GRID) ? row[a->grid_meas] : 0};
        for (size_t c = 0; c < a->cells; c++) {
            uint64_t in = ct_eq(c, cell), mask = (uint64_t)0 - in;
            uint64_t *rec = table + a->table_first + c * a->table_stride;
            rec[0] += in;
            if (a->table_sum != SIZE_MAX)
                rec[a->table_sum] += mask & u;
            if (a->table_sq != SIZE_MAX)
                rec[a->table_sq] += mask & (u * u);
            for (int vec = STUDY_VEC_BINS; vec <= STUDY_VEC_GRID; vec++)
                for (size_t j = 0; j < own_len(a, vec); j++)
                    rec[a->table_vec[vec] + j] += in & ct_eq(j, part[vec]);
        }
    }
    return CORE_OK;
}

core_err study_encode_report(const study *s, const cJSON *json, uint64_t *meas, char *err,
                             size_t err_size)
{
    if (!s->organization)
        return study_encode_answer(s, json, meas, err, err_size);
    if (!cJSON_IsArray(json)) {
        study_errf(err, err_size,
                   "an employer's report is a JSON array of its people's answers, one object "
                   "per person");
        return CORE_EMEAS;
    }
    size_t n = (size_t)cJSON_GetArraySize(json);
    if (n == 0) {
        study_errf(err, err_size, "the report has nobody in it: send at least one person's row");
        return CORE_EMEAS;
    }
    if (n > s->max_rows) {
        study_errf(err, err_size,
                   "the report holds %zu people, more than this study's max_rows (%llu)", n,
                   (unsigned long long)s->max_rows);
        return CORE_ELIMIT;
    }
    uint64_t *row = core_alloc_array(s->row_meas_count, sizeof *row);
    if (row == NULL)
        return CORE_ENOMEM;
    memset(meas, 0, s->meas_count * sizeof *meas);
    core_err e = CORE_OK;
    size_t k = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, json)
    {
        char why[STUDY_ERR_SIZE];
        k++;
        e = study_encode_answer(s, item, row, why, sizeof why);
        if (e != CORE_OK) {
            study_errf(err, err_size, "row %zu: %s", k, why);
            break;
        }
        if ((e = study_table_add(s, row, meas)) != CORE_OK)
            break;
    }
    core_free_secret(row, s->row_meas_count * sizeof *row);
    return e;
}

uint64_t study_table_people(const study *s, const uint64_t *table)
{
    return s->organization ? table[s->table_people] : 0;
}

int study_is_organization(const study *s)
{
    return s->organization;
}

uint64_t study_max_rows(const study *s)
{
    return s->organization ? s->max_rows : 0;
}

uint64_t study_min_contributors(const study *s)
{
    return s->organization ? s->min_contributors : 1;
}
