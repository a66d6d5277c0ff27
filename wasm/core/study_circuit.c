/*
 * study_circuit.c - the study circuit: one FLP validity circuit
 * (draft-irtf-cfrg-vdaf-18, Section 7.3.2) for a whole answer, built from
 * the study's fields and analyses, and the encoding of an answer into it.
 * docs/STUDY.md explains the design; in short:
 *
 *   wires    every choice/boolean field is a one-hot vector, every integer
 *            field the range-checked bits of u = value - min (Section
 *            7.4.2's encoding, so any bits decode into [0, max - min]), each
 *            histogram analysis a one-hot bin vector; then product wires:
 *            the one-hot vector of an analysis's cells (outer product of its
 *            "by" fields, built as a chain of products and shared between
 *            analyses with the same prefix), cell x bin, cell x u and
 *            cell x u x u; last, the slacks (range-checked values like
 *            the fields') that tie a bin to its value.
 *   checks   one list of quadratic constraints a * b = c (a bit is
 *            a * (a - 1) = 0), all proven with one ParallelSum(Mul) gadget
 *            and random powers of one joint randomness element per call
 *            (as the standard SumVec/Histogram range checks), plus linear
 *            relations, each an output that must be zero: per one-hot
 *            group its sum minus one, and per histogram the tie of its
 *            bin h to the value u: with [lo_j, hi_j] bin j's interval of
 *            u, u - sum_j lo_j h_j = A and sum_j hi_j h_j - u = B for two
 *            slacks A, B in [0, max - min]. Since h is one-hot, this says
 *            lo_bin <= u <= hi_bin: the bin holds the value.
 *   output   per analysis: cell counts, sums and sums of squares of u, and
 *            histogram counts; decoded by study_result.c.
 *
 * Since every "by" field is encoded once and every cell vector is a
 * product of them, all analyses see the same answer: a contributor cannot
 * be a woman in one table and a man in another, nor put a salary of
 * 40,000 in the band of 100,000 and above.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "study_internal.h"

/* ---- layout ---------------------------------------------------------------- */

/* Hard limits of the lists the layout grows: a constraint or a relation
 * needs at least one wire of its own, and a relation's terms are wires or
 * values. */
#define MAX_CONSTRAINTS (4 * (size_t)STUDY_MAX_WIRES)
#define MAX_RELATIONS ((size_t)STUDY_MAX_WIRES)
#define MAX_TERMS (2 * (size_t)STUDY_MAX_WIRES)

core_err study_add_constraint(builder *b, uint32_t a, uint32_t bb, uint32_t c)
{
    study *s = b->s;
    study_constraint *k = buf_grow(&b->cons, sizeof *k);
    if (k == NULL)
        return b->cons.over ? CORE_ELIMIT : CORE_ENOMEM;
    *k = (study_constraint){a, bb, c};
    s->constraints = (study_constraint *)(void *)b->cons.p;
    s->num_constraints++;
    return CORE_OK;
}

/* n new wires; fails past the limit. */
core_err study_new_wires(study *s, size_t n, uint32_t *first)
{
    if (n > STUDY_MAX_WIRES || s->num_wires > STUDY_MAX_WIRES - n)
        return CORE_ELIMIT;
    *first = s->num_wires;
    s->num_wires += (uint32_t)n;
    return CORE_OK;
}

core_err study_add_bits(builder *b, uint32_t first, size_t n)
{
    core_err err = CORE_OK;
    for (size_t i = 0; i < n && err == CORE_OK; i++)
        err = study_add_constraint(b, first + (uint32_t)i, NO_WIRE, NO_WIRE);
    return err;
}

static felem felem_of(int64_t v)
{
    return v < 0 ? field_from_neg_u64(FIELD128, (uint64_t)0 - (uint64_t)v)
                 : field_from_u64(FIELD128, (uint64_t)v);
}

/* Starts a relation with constant term c; add_term adds its terms. */
core_err study_add_relation(builder *b, int64_t c)
{
    study *s = b->s;
    study_relation *r = buf_grow(&b->rels, sizeof *r);
    if (r == NULL)
        return b->rels.over ? CORE_ELIMIT : CORE_ENOMEM;
    *r = (study_relation){s->num_terms, 0, felem_of(c)};
    s->relations = (study_relation *)(void *)b->rels.p;
    s->num_relations++;
    return CORE_OK;
}

core_err study_add_term(builder *b, int64_t coef, uint32_t ref)
{
    study *s = b->s;
    study_term *k = buf_grow(&b->terms, sizeof *k);
    if (k == NULL)
        return b->terms.over ? CORE_ELIMIT : CORE_ENOMEM;
    *k = (study_term){felem_of(coef), ref};
    s->terms = (study_term *)(void *)b->terms.p;
    s->num_terms++;
    s->relations[s->num_relations - 1].len++;
    return CORE_OK;
}

/* n bits that sum to one. */
static core_err study_add_onehot(builder *b, uint32_t first, size_t n)
{
    core_err err = study_add_relation(b, -1);
    for (size_t i = 0; i < n && err == CORE_OK; i++)
        err = study_add_term(b, 1, first + (uint32_t)i);
    return err == CORE_OK ? study_add_bits(b, first, n) : err;
}

/* A new range-checked value in [0, max] (its number in *index). */
core_err study_add_value(builder *b, field_u128 max, uint32_t *index)
{
    study *s = b->s;
    study_value *v = buf_grow(&b->vals, sizeof *v);
    if (v == NULL)
        return b->vals.over ? CORE_ELIMIT : CORE_ENOMEM;
    s->values = (study_value *)(void *)b->vals.p;
    unsigned bits = circuit_bit_length_wide(max);
    core_err err = study_new_wires(s, bits, &v->wire);
    if (err != CORE_OK)
        return err;
    v->max = max;
    *index = (uint32_t)s->num_values++;
    return study_add_bits(b, v->wire, bits);
}

/* Products c[i * m + j] = x[i] * y[j] for i < n, j < m (y may be REF_U:
 * then m = 1 and y is that value). */
core_err study_add_products(builder *b, uint32_t x, size_t n, uint32_t y, size_t m, uint32_t *first)
{
    core_err err = study_new_wires(b->s, n * m, first);
    for (size_t i = 0; i < n && err == CORE_OK; i++)
        for (size_t j = 0; j < m && err == CORE_OK; j++)
            err = study_add_constraint(b, x + (uint32_t)i, (y & REF_U) ? y : y + (uint32_t)j,
                                       *first + (uint32_t)(i * m + j));
    return err;
}

/* The one-hot vector of the cells of by[0..n-1] (n >= 1). */
static core_err cells_of(builder *b, const int *by, size_t n, uint32_t *wire, size_t *cells)
{
    const study *s = b->s;
    const study_field *last = &s->fields[by[n - 1]];
    if (n == 1) {
        *wire = last->wire;
        *cells = last->num_choices;
        return CORE_OK;
    }
    for (size_t i = 0; i < b->num_memo; i++)
        if (b->memo[i].n == n && memcmp(b->memo[i].by, by, n * sizeof *by) == 0) {
            *wire = b->memo[i].wire;
            *cells = b->memo[i].cells;
            return CORE_OK;
        }
    uint32_t prev;
    size_t prev_cells;
    core_err err = cells_of(b, by, n - 1, &prev, &prev_cells);
    if (err == CORE_OK)
        err = study_add_products(b, prev, prev_cells, last->wire, last->num_choices, wire);
    if (err != CORE_OK)
        return err;
    *cells = prev_cells * last->num_choices;
    size_t m = b->num_memo++;
    b->memo[m].n = n;
    memcpy(b->memo[m].by, by, n * sizeof *by);
    b->memo[m].wire = *wire;
    b->memo[m].cells = *cells;
    return CORE_OK;
}

static core_err layout_fields(builder *b)
{
    study *s = b->s;
    core_err err = CORE_OK;
    for (size_t i = 0; i < s->num_fields && err == CORE_OK; i++) {
        study_field *f = &s->fields[i];
        uint32_t index;
        if (f->type == STUDY_INTEGER) { /* value i: its bits */
            err = study_add_value(b, (uint64_t)(f->max - f->min), &index);
            f->wire = err == CORE_OK ? s->values[index].wire : 0;
            f->wires = circuit_bit_length((uint64_t)(f->max - f->min));
        } else { /* value i: none (0); its one-hot wires */
            f->wires = (uint32_t)f->num_choices;
            err = study_add_value(b, 0, &index);
            if (err == CORE_OK)
                err = study_new_wires(s, f->wires, &f->wire);
            if (err == CORE_OK)
                err = study_add_onehot(b, f->wire, f->wires);
        }
    }
    s->meas_count = s->num_fields;
    return err;
}

/* The interval [lo, hi] of u = value - min that part p of a cell holds
 * (study_part_interval): lo >= 0, hi <= max - min, hi < lo if the part
 * can hold nobody. */
static void part_interval(const study *s, const study_analysis *a, size_t p, int64_t *lo,
                          int64_t *hi)
{
    int64_t min = s->fields[a->of].min;
    study_part_interval(s, a, p, lo, hi);
    *lo -= min;
    *hi -= min;
}

/* A one-hot vector tied to its analysis's value (tie): its wires, its
 * first slack, its index in the measurement, and what its entries stand
 * for: the cell parts first .. first + n - 1, or (grid set) the grid
 * cells of a median or quartiles. */
typedef struct tied {
    uint32_t wire, slack;
    size_t meas, first, n;
    int grid;
} tied;

static tied tied_bins(const study_analysis *a)
{
    return (tied){a->bin_wire, a->bin_slack, a->bin_meas, 0, a->num_bins, 0};
}

static tied tied_positive(const study_analysis *a)
{
    return (tied){a->pos_wire, a->pos_slack, a->pos_meas, STUDY_PART_NOT_POSITIVE(a), 2, 0};
}

static tied tied_grid(const study_analysis *a)
{
    return (tied){a->grid_wire, a->grid_slack, a->grid_meas, 0, a->grid_cells, 1};
}

/* The interval [lo, hi] of u = value - min that entry j of t holds. */
static void tied_interval(const study *s, const study_analysis *a, tied t, size_t j, int64_t *lo,
                          int64_t *hi)
{
    if (t.grid) {
        const study_field *f = &s->fields[a->of];
        *lo = a->grid_edges[j] - f->min;
        *hi = (j + 1 < a->grid_cells ? a->grid_edges[j + 1] - 1 : f->max) - f->min;
    } else {
        part_interval(s, a, t.first + j, lo, hi);
    }
}

void study_vector_interval(const study *s, const study_analysis *a, int vec, size_t j, int64_t *lo,
                           int64_t *hi)
{
    tied t = vec == STUDY_VEC_BINS       ? tied_bins(a)
             : vec == STUDY_VEC_POSITIVE ? tied_positive(a)
                                         : tied_grid(a);
    tied_interval(s, a, t, j, lo, hi);
}

/* The tie of a one-hot vector t (a histogram's bins, share_positive's
 * not positive and positive, or a grid) to the value of a->of (the
 * file's comment): two slacks (*slack, *slack + 1) and two relations. */
static core_err tie(builder *b, const study_analysis *a, tied t, uint32_t *slack)
{
    const study_field *f = &b->s->fields[a->of];
    uint32_t u = REF_U | (uint32_t)a->of, lo_slack = 0, hi_slack = 0;
    core_err err = study_add_value(b, (uint64_t)(f->max - f->min), &lo_slack);
    if (err == CORE_OK)
        err = study_add_value(b, (uint64_t)(f->max - f->min), &hi_slack);
    *slack = lo_slack;
    for (int side = 0; side < 2 && err == CORE_OK; side++) {
        /* side 0: u - sum lo_j h_j - A = 0; side 1: sum hi_j h_j - u - B = 0. */
        err = study_add_relation(b, 0);
        if (err == CORE_OK)
            err = study_add_term(b, side == 0 ? 1 : -1, u);
        if (err == CORE_OK)
            err = study_add_term(b, -1, REF_U | (side == 0 ? lo_slack : hi_slack));
        for (size_t j = 0; j < t.n && err == CORE_OK; j++) {
            int64_t lo, hi;
            tied_interval(b->s, a, t, j, &lo, &hi);
            err = study_add_term(b, side == 0 ? -lo : hi, t.wire + (uint32_t)j);
        }
    }
    return err;
}

/* An earlier analysis with a median or quartiles of the same field on the
 * same grid, or NULL. */
int study_grids_equal(const study_analysis *x, const study_analysis *a)
{
    return (x->stats & STAT_GRID) && (a->stats & STAT_GRID) && x->of == a->of &&
           x->grid_cells == a->grid_cells &&
           memcmp(x->grid_edges, a->grid_edges, a->grid_cells * sizeof *a->grid_edges) == 0;
}

static const study_analysis *same_grid(const study *s, const study_analysis *a)
{
    for (const study_analysis *x = s->analyses; x < a; x++)
        if (study_grids_equal(x, a))
            return x;
    return NULL;
}

static core_err layout_analysis(builder *b, study_analysis *a)
{
    study *s = b->s;
    core_err err = CORE_OK;
    uint32_t u = a->of >= 0 ? REF_U | (uint32_t)a->of : NO_WIRE;
    int sums = (a->stats & (STAT_SUM | STAT_MEAN | STAT_STDDEV)) || a->gap_ref >= 0;
    if (a->num_by > 0) {
        size_t cells;
        err = cells_of(b, a->by, a->num_by, &a->cell_wire, &cells);
    }
    if (err == CORE_OK && (a->stats & STAT_HISTOGRAM)) {
        a->bin_meas = s->meas_count++;
        err = study_new_wires(s, a->num_bins, &a->bin_wire);
        if (err == CORE_OK)
            err = study_add_onehot(b, a->bin_wire, a->num_bins);
        if (err == CORE_OK)
            err = tie(b, a, tied_bins(a), &a->bin_slack);
        a->hist_wire = a->bin_wire;
        if (err == CORE_OK && a->num_by > 0)
            err = study_add_products(b, a->cell_wire, a->cells, a->bin_wire, a->num_bins,
                                     &a->hist_wire);
    }
    if (err == CORE_OK && (a->stats & STAT_SHARE_POSITIVE)) {
        a->pos_meas = s->meas_count++;
        err = study_new_wires(s, 2, &a->pos_wire);
        if (err == CORE_OK)
            err = study_add_onehot(b, a->pos_wire, 2);
        if (err == CORE_OK)
            err = tie(b, a, tied_positive(a), &a->pos_slack);
        a->pos_cell_wire = a->pos_wire + 1;
        if (err == CORE_OK && a->num_by > 0)
            err = study_add_products(b, a->cell_wire, a->cells, a->pos_wire + 1, 1,
                                     &a->pos_cell_wire);
    }
    if (err == CORE_OK && (a->stats & STAT_GRID)) {
        /* One grid vector (and tie) per field and grid, shared by the
         * analyses that use it. */
        const study_analysis *same = same_grid(s, a);
        if (same != NULL) {
            a->grid_meas = same->grid_meas;
            a->grid_wire = same->grid_wire;
            a->grid_slack = same->grid_slack;
        } else {
            a->grid_meas = s->meas_count++;
            err = study_new_wires(s, a->grid_cells, &a->grid_wire);
            if (err == CORE_OK)
                err = study_add_onehot(b, a->grid_wire, a->grid_cells);
            if (err == CORE_OK)
                err = tie(b, a, tied_grid(a), &a->grid_slack);
        }
        a->grid_cell_wire = a->grid_wire;
        /* The groups' grid counts too, when an earlier analysis has them
         * (same grid, same groups). */
        const study_analysis *cells = NULL;
        for (const study_analysis *x = s->analyses; x < a && a->num_by > 0; x++)
            if (study_grids_equal(x, a) && x->num_by == a->num_by &&
                memcmp(x->by, a->by, a->num_by * sizeof *a->by) == 0)
                cells = x;
        if (cells != NULL)
            a->grid_cell_wire = cells->grid_cell_wire;
        else if (err == CORE_OK && a->num_by > 0)
            err = study_add_products(b, a->cell_wire, a->cells, a->grid_wire, a->grid_cells,
                                     &a->grid_cell_wire);
    }
    if (err == CORE_OK && sums && a->num_by > 0)
        err = study_add_products(b, a->cell_wire, a->cells, u, 1, &a->sum_wire);
    if (err == CORE_OK && (a->stats & STAT_STDDEV)) {
        if (a->num_by > 0)
            err = study_add_products(b, a->sum_wire, a->cells, u, 1, &a->sq_wire);
        else
            err = study_add_products(b, u, 1, u, 1, &a->sq_wire);
    }
    return err;
}

/* Output references, analysis by analysis. */
static core_err layout_outputs(study *s)
{
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (size_t i = 0; i < s->num_analyses; i++) {
            study_analysis *a = &s->analyses[i];
            uint32_t u = a->of >= 0 ? REF_U | (uint32_t)a->of : NO_WIRE;
            int sums = (a->stats & (STAT_SUM | STAT_MEAN | STAT_STDDEV)) || a->gap_ref >= 0;
            a->out_count = a->out_sum = a->out_sq = a->out_hist = a->out_pos = a->out_grid =
                SIZE_MAX;
            if (a->num_by > 0) {
                a->out_count = n;
                for (size_t c = 0; c < a->cells; c++, n++)
                    if (pass)
                        s->outputs[n] = a->cell_wire + (uint32_t)c;
            }
            if (sums) {
                a->out_sum = n;
                for (size_t c = 0; c < a->cells; c++, n++)
                    if (pass)
                        s->outputs[n] = a->num_by > 0 ? a->sum_wire + (uint32_t)c : u;
            }
            if (a->stats & STAT_STDDEV) {
                a->out_sq = n;
                for (size_t c = 0; c < a->cells; c++, n++)
                    if (pass)
                        s->outputs[n] = a->sq_wire + (uint32_t)c;
            }
            if (a->stats & STAT_HISTOGRAM) {
                a->out_hist = n;
                for (size_t c = 0; c < a->cells * a->num_bins; c++, n++)
                    if (pass)
                        s->outputs[n] = a->hist_wire + (uint32_t)c;
            }
            if (a->stats & STAT_SHARE_POSITIVE) {
                a->out_pos = n;
                for (size_t c = 0; c < a->cells; c++, n++)
                    if (pass)
                        s->outputs[n] = a->pos_cell_wire + (uint32_t)c;
            }
            if (a->stats & STAT_GRID) {
                a->out_grid = n;
                for (size_t c = 0; c < a->cells * a->grid_cells; c++, n++)
                    if (pass)
                        s->outputs[n] = a->grid_cell_wire + (uint32_t)c;
            }
        }
        if (pass == 0) {
            /* A study of only ungrouped counts still releases one value. */
            s->outputs = core_alloc_array(n ? n : 1, sizeof *s->outputs);
            if (s->outputs == NULL)
                return CORE_ENOMEM;
        }
    }
    if (n == 0) {
        /* Its counts are the number of reports: the circuit still needs an
         * output, the first wire's sum, which is neither a count nor a sum
         * of any analysis, so every party withholds it (study_open_mask). */
        s->outputs[0] = 0;
        n = 1;
    }
    s->output_len = n;
    return CORE_OK;
}

/* ---- the circuit ------------------------------------------------------- */

static felem ref_value(const felem *meas, const felem *u, uint32_t ref)
{
    return (ref & REF_U) ? u[ref & ~REF_U] : meas[ref];
}

/* Range-checked value i: u = value - min of an integer field (0 for the
 * others), a slack, an entry of an employer's table (linear in the bits,
 * so this also maps shares to shares). */
static felem range_value(const study *s, const felem *meas, size_t i)
{
    return circuit_decode_range_checked_wide(FIELD128, meas + s->values[i].wire, s->values[i].max);
}

/* The first n range-checked values. */
static void range_values(const study *s, const felem *meas, size_t n, felem *u)
{
    for (size_t i = 0; i < n; i++)
        u[i] = range_value(s, meas, i);
}

static core_err study_eval(const circuit *c, circuit_ctx *ctx, const felem *meas,
                           const felem *joint_rand, unsigned num_shares, felem *out)
{
    const study *s = c->user;
    const field_id f = FIELD128;
    felem inv = field_inv(f, field_from_u64(f, num_shares));
    felem *u = core_alloc_array(s->num_values ? s->num_values : 1, sizeof *u);
    if (u == NULL)
        return CORE_ENOMEM;
    range_values(s, meas, s->num_values, u);
    felem *in = circuit_scratch(ctx);
    felem acc = field_zero(), lin = field_zero();
    for (size_t i = 0; i < c->gadget_calls[0]; i++) {
        felem r = joint_rand[i], rp = r;
        for (size_t j = 0; j < c->chunk_length; j++) {
            size_t k = i * c->chunk_length + j;
            felem x = field_zero(), y = field_zero();
            if (k < s->num_constraints) {
                const study_constraint *con = &s->constraints[k];
                x = ref_value(meas, u, con->a);
                if (con->c == NO_WIRE) {
                    y = field_sub(f, x, inv);
                } else {
                    y = ref_value(meas, u, con->b);
                    lin = field_add(f, lin, field_mul(f, rp, meas[con->c]));
                }
            }
            in[2 * j] = field_mul(f, rp, x);
            in[2 * j + 1] = y;
            rp = field_mul(f, rp, r);
        }
        felem y;
        core_err err = circuit_call_gadget(ctx, 0, in, &y);
        if (err != CORE_OK) {
            free(u);
            return err;
        }
        acc = field_add(f, acc, y);
    }
    out[0] = field_sub(f, acc, lin);
    const felem one = field_one(f);
    for (size_t g = 0; g < s->num_relations; g++) {
        const study_relation *r = &s->relations[g];
        felem sum = field_mul(f, r->constant, inv);
        for (size_t k = r->first; k < r->first + r->len; k++) {
            const study_term *t = &s->terms[k];
            felem x = ref_value(meas, u, t->ref);
            sum = field_add(f, sum, field_eq(t->coef, one) ? x : field_mul(f, t->coef, x));
        }
        out[1 + g] = sum;
    }
    free(u);
    return CORE_OK;
}

static void study_truncate(const circuit *c, const felem *meas, felem *out)
{
    const study *s = c->user;
    for (size_t i = 0; i < s->output_len; i++) {
        uint32_t ref = s->outputs[i];
        out[i] = (ref & REF_U) ? range_value(s, meas, ref & ~REF_U) : meas[ref];
    }
}

void study_fill_products(const study *s, felem *w)
{
    /* In constraint order: operands come before their products. */
    felem u[STUDY_MAX_FIELDS];
    range_values(s, w, s->num_fields, u);
    for (size_t k = 0; k < s->num_constraints; k++) {
        const study_constraint *con = &s->constraints[k];
        if (con->c != NO_WIRE)
            w[con->c] = field_mul(FIELD128, ref_value(w, u, con->a), ref_value(w, u, con->b));
    }
}

static uint64_t ct_lt(uint64_t a, uint64_t b)
{
    return (a ^ ((a ^ b) | ((a - b) ^ b))) >> 63;
}

static void onehot(felem *out, size_t n, uint64_t index)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)i ^ index;
        uint64_t is = ((d | (0 - d)) >> 63) ^ 1;
        out[i] = field_select(0 - is, field_one(FIELD128), field_zero());
    }
}

/* Encodes vector t for value u in its part number `bin` (the one-hot and
 * its two slacks): 1 if that part holds the value, else 0 (in constant
 * time). With clamp set, a slack out of its range is written as its
 * nearest bound instead (for a forged part, whose relation is then all
 * that is wrong). */
static uint64_t encode_tied(const study *s, const study_analysis *a, tied t, uint64_t u,
                            uint64_t bin, int clamp, felem *out)
{
    uint64_t lo = 0, hi = 0;
    for (size_t j = 0; j < t.n; j++) {
        int64_t l, h;
        tied_interval(s, a, t, j, &l, &h);
        uint64_t d = (uint64_t)j ^ bin, is = 0 - (((d | (0 - d)) >> 63) ^ 1);
        lo |= is & (uint64_t)l;
        hi |= is & (uint64_t)h;
    }
    onehot(out + t.wire, t.n, bin);
    const study_value *x = &s->values[t.slack], *y = x + 1;
    uint64_t vx = u - lo, vy = hi - u;
    if (clamp) { /* (forgeries only: not constant time) */
        vx = (int64_t)vx < 0 ? 0 : vx > x->max ? x->max : vx;
        vy = (int64_t)vy < 0 ? 0 : vy > y->max ? y->max : vy;
    }
    uint64_t ok =
        ct_lt(bin, t.n) & circuit_encode_range_checked(FIELD128, vx, x->max, out + x->wire);
    return ok & circuit_encode_range_checked(FIELD128, vy, y->max, out + y->wire);
}

static core_err study_encode(const circuit *c, const uint64_t *meas, felem *out)
{
    const study *s = c->user;
    if (s->organization)
        return study_org_encode(s, meas, out);
    uint64_t ok = 1;
    for (size_t i = 0; i < s->num_fields; i++) {
        const study_field *f = &s->fields[i];
        if (f->type == STUDY_INTEGER) {
            ok &= circuit_encode_range_checked(FIELD128, meas[i], (uint64_t)(f->max - f->min),
                                               out + f->wire);
        } else {
            ok &= ct_lt(meas[i], f->num_choices);
            onehot(out + f->wire, f->num_choices, meas[i]);
        }
    }
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        if (a->stats & STAT_HISTOGRAM)
            ok &= encode_tied(s, a, tied_bins(a), meas[a->of], meas[a->bin_meas], 0, out);
        if (a->stats & STAT_SHARE_POSITIVE)
            ok &= encode_tied(s, a, tied_positive(a), meas[a->of], meas[a->pos_meas], 0, out);
        if (a->stats & STAT_GRID)
            ok &= encode_tied(s, a, tied_grid(a), meas[a->of], meas[a->grid_meas], 0, out);
    }
    study_fill_products(s, out);
    return core_err_unless(ok, CORE_EMEAS);
}

static const circuit_ops STUDY_OPS = {study_encode, study_eval, study_truncate, NULL};

study_forgery study_forgery_parse(const char *name)
{
    static const char *const names[] = {
        "range",      "multi-choice",          "no-choice", "bad-proof",
        "bad-share",  "public-share-mismatch", "bin-value", "positive-indicator",
        "grid-value", "grid-two-cells",        "presence",  "count-above-max",
        "sum-bounds"};
    for (size_t i = 0; name != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return (study_forgery)(STUDY_FORGE_RANGE + i);
    return STUDY_FORGE_NONE;
}

int study_forgery_encoded(study_forgery kind)
{
    return (kind >= STUDY_FORGE_RANGE && kind <= STUDY_FORGE_NO_CHOICE) ||
           kind >= STUDY_FORGE_BIN_VALUE;
}

/* The first histogram with a bin other than value u's that can hold
 * someone, and that bin (*other), or NULL. */
static const study_analysis *forgeable_histogram(const study *s, const uint64_t *meas,
                                                 size_t *other)
{
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        for (size_t j = 0; (a->stats & STAT_HISTOGRAM) && j < a->num_bins; j++) {
            int64_t lo, hi;
            study_part_interval(s, a, j, &lo, &hi);
            if (j != meas[a->bin_meas] && lo <= hi) {
                *other = j;
                return a;
            }
        }
    }
    return NULL;
}

/* The first field of a type (integer, or with choices), or NULL. */
static const study_field *first_field(const study *s, int integer)
{
    for (size_t i = 0; i < s->num_fields; i++)
        if ((s->fields[i].type == STUDY_INTEGER) == integer)
            return &s->fields[i];
    return NULL;
}

core_err study_encode_forged(const study *s, const uint64_t *meas, study_forgery kind, felem *out,
                             char *err, size_t err_size)
{
    const prio3 *v = study_prio3(s);
    if (v == NULL)
        return CORE_EINVAL;
    if (s->organization)
        return study_org_forged(s, meas, kind, out, err, err_size);
    if (kind >= STUDY_FORGE_PRESENCE) {
        study_errf(err, err_size, "this forgery is of an employer's table (organization studies)");
        return CORE_EINVAL;
    }
    const circuit *c = prio3_circuit(v);
    core_err e = study_encode(c, meas, out);
    if (e != CORE_OK) {
        study_errf(err, err_size, "the answer is not valid to begin with");
        return e;
    }
    size_t other = 0;
    if (kind == STUDY_FORGE_BIN_VALUE) {
        const study_analysis *a = forgeable_histogram(s, meas, &other);
        if (a == NULL) {
            study_errf(err, err_size, "this study has no histogram with two bins to forge");
            return CORE_EINVAL;
        }
        /* Another bin, with the slacks as near as they go: every bit and
         * one-hot group is valid, only the tie is broken. */
        (void)encode_tied(s, a, tied_bins(a), meas[a->of], other, 1, out);
        study_fill_products(s, out);
        return CORE_OK;
    }
    if (kind == STUDY_FORGE_GRID_VALUE || kind == STUDY_FORGE_GRID_TWO_CELLS) {
        const study_analysis *a = NULL;
        for (size_t i = 0; i < s->num_analyses && a == NULL; i++)
            if ((s->analyses[i].stats & STAT_GRID) && s->analyses[i].grid_cells > 1)
                a = &s->analyses[i];
        if (a == NULL) {
            study_errf(err, err_size, "this study has no median or quartiles with two grid cells");
            return CORE_EINVAL;
        }
        /* A neighbouring grid cell: instead of the value's (its slacks as
         * near as they go: only the tie is broken), or besides it (only the
         * one-hot sum is broken, and the tie). */
        size_t g = meas[a->grid_meas], next = g + 1 < a->grid_cells ? g + 1 : g - 1;
        if (kind == STUDY_FORGE_GRID_VALUE)
            (void)encode_tied(s, a, tied_grid(a), meas[a->of], next, 1, out);
        else
            out[a->grid_wire + next] = field_one(FIELD128);
        study_fill_products(s, out);
        return CORE_OK;
    }
    if (kind == STUDY_FORGE_POSITIVE_INDICATOR) {
        const study_analysis *a = NULL;
        for (size_t i = 0; i < s->num_analyses && a == NULL; i++)
            if (s->analyses[i].stats & STAT_SHARE_POSITIVE)
                a = &s->analyses[i];
        if (a == NULL) {
            study_errf(err, err_size, "this study has no share_positive to forge");
            return CORE_EINVAL;
        }
        /* The indicator flipped (a bonus of 0 counted as received, or one
         * received counted as none), the slacks as near as they go. */
        (void)encode_tied(s, a, tied_positive(a), meas[a->of], meas[a->pos_meas] ^ 1, 1, out);
        study_fill_products(s, out);
        return CORE_OK;
    }
    const study_field *f = first_field(s, kind == STUDY_FORGE_RANGE);
    if (kind != STUDY_FORGE_NONE && f == NULL) {
        study_errf(err, err_size, "this study has no %s field to forge",
                   kind == STUDY_FORGE_RANGE ? "integer" : "choice or yes/no");
        return CORE_EINVAL;
    }
    felem one = field_one(FIELD128);
    switch (kind) {
    case STUDY_FORGE_NONE: return CORE_OK;
    case STUDY_FORGE_RANGE: {
        /* The lowest bit's wire carries weight 1: adding max - min + 1000
         * to it puts the decoded value 1000 past the maximum. */
        felem d = field_from_u64(FIELD128, (uint64_t)(f->max - f->min) + 1000);
        out[f->wire] = field_add(FIELD128, out[f->wire], d);
        break;
    }
    case STUDY_FORGE_MULTI_CHOICE:
        for (uint32_t k = 0; k < 2 && k < f->wires; k++)
            out[f->wire + k] = one;
        if (f->wires < 2)
            out[f->wire] = field_add(FIELD128, one, one);
        break;
    case STUDY_FORGE_NO_CHOICE:
        for (uint32_t k = 0; k < f->wires; k++)
            out[f->wire + k] = field_zero();
        break;
    default: study_errf(err, err_size, "not a forgery of the encoding"); return CORE_EINVAL;
    }
    study_fill_products(s, out);
    return CORE_OK;
}

core_err study_compile(study *s, char *err, size_t err_size)
{
    builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return CORE_ENOMEM;
    b->s = s;
    buf_init(&b->cons, MAX_CONSTRAINTS * sizeof(study_constraint));
    buf_init(&b->rels, MAX_RELATIONS * sizeof(study_relation));
    buf_init(&b->terms, MAX_TERMS * sizeof(study_term));
    buf_init(&b->vals, (STUDY_MAX_WIRES + STUDY_MAX_FIELDS) * sizeof(study_value));
    buf_init(&b->steps, MAX_CONSTRAINTS * sizeof(study_step));
    core_err e;
    if (s->organization) {
        e = study_org_layout(b);
    } else {
        e = layout_fields(b);
        for (size_t i = 0; i < s->num_analyses && e == CORE_OK; i++)
            e = layout_analysis(b, &s->analyses[i]);
        s->row_meas_count = s->meas_count;
        if (e == CORE_OK)
            e = layout_outputs(s);
    }
    free(b);
    if (e == CORE_ELIMIT) {
        study_errf(err, err_size,
                   "the study is too large: its answers would need more than %d values; use "
                   "fewer groups or analyses",
                   STUDY_MAX_WIRES);
        return e;
    }
    if (e != CORE_OK)
        return e;

    circuit *c = &s->circ;
    *c = (circuit){0};
    c->ops = &STUDY_OPS;
    c->field = FIELD128;
    c->meas_count = s->meas_count;
    c->meas_len = s->num_wires;
    c->output_len = s->output_len;
    c->eval_output_len = 1 + s->num_relations;
    c->chunk_length = circuit_best_chunk_length(s->num_constraints);
    e = gadget_init_mul(&c->gadgets[0], c->chunk_length);
    if (e != CORE_OK)
        return e;
    c->num_gadgets = 1;
    c->gadget_calls[0] = (s->num_constraints + c->chunk_length - 1) / c->chunk_length;
    c->joint_rand_len = c->gadget_calls[0];
    c->user = s;
    e = circuit_check(c);
    unsigned shares = s->num_parties ? s->num_parties : STUDY_MIN_PARTIES;
    if (e == CORE_OK)
        e = prio3_new(&s->vdaf, c, STUDY_PRIO3_ID, shares, 1);
    if (e != CORE_OK)
        study_errf(err, err_size, "the study cannot be compiled: %s", core_err_str(e));
    return e;
}

void study_layout_free(study *s)
{
    prio3_free(s->vdaf);
    free(s->constraints);
    free(s->relations);
    free(s->terms);
    free(s->outputs);
    free(s->values);
    free(s->steps);
    s->values = NULL;
    s->steps = NULL;
    s->vdaf = NULL;
    s->constraints = NULL;
    s->relations = NULL;
    s->terms = NULL;
    s->outputs = NULL;
}

const prio3 *study_prio3(const study *s)
{
    return s->vdaf;
}

size_t study_meas_count(const study *s)
{
    return s->meas_count;
}

size_t study_row_meas_count(const study *s)
{
    return s->row_meas_count;
}

size_t study_cell_parts(const study_analysis *a)
{
    return a->num_bins + ((a->stats & STAT_SHARE_POSITIVE) ? 2 : 0);
}

void study_part_interval(const study *s, const study_analysis *a, size_t p, int64_t *lo,
                         int64_t *hi)
{
    const study_field *f = &s->fields[a->of];
    if (p < a->num_bins) {
        *lo = p == 0 || a->bins[p] < f->min ? f->min : a->bins[p];
        *hi = p + 1 < a->num_bins ? a->bins[p + 1] - 1 : f->max;
    } else if (p == STUDY_PART_NOT_POSITIVE(a)) {
        *lo = f->min;
        *hi = f->max < 0 ? f->max : 0;
    } else {
        *lo = f->min > 1 ? f->min : 1;
        *hi = f->max;
    }
}

size_t study_grid_cell(const study_analysis *a, int64_t v)
{
    size_t lo = 0, hi = a->grid_cells - 1; /* edges[lo] <= v */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (a->grid_edges[mid] <= v)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

size_t study_bin_of(const study_analysis *a, int64_t v)
{
    size_t bin = 0;
    for (size_t k = 1; k < a->num_bins; k++)
        bin += (size_t)(v >= a->bins[k]);
    return bin;
}

/* ---- answers ------------------------------------------------------------- */

static void choices_list(const study_field *f, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < f->num_choices && len + 8 < size; i++) {
        int n = snprintf(out + len, size - len, "%s\"%s\"", i ? ", " : "", f->choices[i]);
        if (n < 0 || (size_t)n >= size - len) {
            snprintf(out + len, size - len, ", ...");
            return;
        }
        len += (size_t)n;
    }
}

/* Parses a whole decimal number (optional '-', digits, surrounding spaces
 * allowed). Returns 0 on success. */
static int parse_integer(const char *t, int64_t *out)
{
    while (*t == ' ' || *t == '\t')
        t++;
    int neg = *t == '-';
    if (neg || *t == '+')
        t++;
    if (*t < '0' || *t > '9')
        return -1;
    int64_t v = 0;
    while (*t >= '0' && *t <= '9') {
        if (v > (STUDY_MAX_ABS * 8) / 10)
            return -1;
        v = v * 10 + (*t++ - '0');
    }
    while (*t == ' ' || *t == '\t')
        t++;
    if (*t != '\0')
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* One field's value from JSON (v) or text (t, when v is NULL). */
static core_err encode_value(const study_field *f, const cJSON *v, const char *t, uint64_t *out,
                             char *err, size_t err_size)
{
    char list[200];
    if (v != NULL && cJSON_IsString(v))
        t = v->valuestring;
    switch (f->type) {
    case STUDY_CHOICE:
        if (t != NULL)
            for (size_t c = 0; c < f->num_choices; c++)
                if (strcmp(t, f->choices[c]) == 0) {
                    *out = c;
                    return CORE_OK;
                }
        choices_list(f, list, sizeof list);
        if (t == NULL)
            study_errf(err, err_size, "%s: must be one of the choices %s", f->name, list);
        else
            study_errf(err, err_size, "%s: \"%.60s\" is not one of the choices %s", f->name, t,
                       list);
        return CORE_EMEAS;
    case STUDY_BOOLEAN:
        if (v != NULL && cJSON_IsBool(v)) {
            *out = cJSON_IsTrue(v) ? 1 : 0;
            return CORE_OK;
        }
        if (t != NULL && (ieq(t, "true") || ieq(t, "false"))) {
            *out = ieq(t, "true") ? 1 : 0;
            return CORE_OK;
        }
        study_errf(err, err_size, "%s: must be true or false", f->name);
        return CORE_EMEAS;
    case STUDY_INTEGER:
    default: {
        int64_t x;
        int ok;
        if (v != NULL && cJSON_IsNumber(v)) {
            double d = v->valuedouble;
            ok = d >= -(double)STUDY_MAX_ABS * 2 && d <= (double)STUDY_MAX_ABS * 2 &&
                 (double)(int64_t)d == d;
            x = ok ? (int64_t)d : 0;
        } else {
            ok = t != NULL && parse_integer(t, &x) == 0;
        }
        if (!ok) {
            study_errf(err, err_size,
                       "%s: must be a whole number from %lld to %lld (digits only, no separators)",
                       f->name, (long long)f->min, (long long)f->max);
            return CORE_EMEAS;
        }
        if (x < f->min || x > f->max) {
            study_errf(err, err_size, "%s: %lld is %s the %s %lld", f->name, (long long)x,
                       x < f->min ? "below" : "above", x < f->min ? "minimum" : "maximum",
                       (long long)(x < f->min ? f->min : f->max));
            return CORE_EMEAS;
        }
        *out = (uint64_t)(x - f->min);
        return CORE_OK;
    }
    }
}

/* Sets the histogram bins and positive indicators from the integer
 * values. */
static void encode_bins(const study *s, uint64_t *meas)
{
    for (size_t i = 0; i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        int64_t v = a->of >= 0 ? (int64_t)meas[a->of] + s->fields[a->of].min : 0;
        if (a->stats & STAT_HISTOGRAM)
            meas[a->bin_meas] = study_bin_of(a, v);
        if (a->stats & STAT_SHARE_POSITIVE)
            meas[a->pos_meas] = v > 0;
        if (a->stats & STAT_GRID)
            meas[a->grid_meas] = study_grid_cell(a, v);
    }
}

core_err study_encode_answer(const study *s, const cJSON *answer, uint64_t *meas, char *err,
                             size_t err_size)
{
    if (!cJSON_IsObject(answer)) {
        study_errf(err, err_size, "an answer must be a JSON object of field names and values");
        return CORE_EMEAS;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, answer)
    {
        size_t i = 0;
        while (i < s->num_fields && strcmp(s->fields[i].name, m->string) != 0)
            i++;
        if (i == s->num_fields) {
            study_errf(err, err_size, "\"%.60s\" is not a field of this study", m->string);
            return CORE_EMEAS;
        }
    }
    for (size_t i = 0; i < s->num_fields; i++) {
        const study_field *f = &s->fields[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(answer, f->name);
        if (v == NULL || cJSON_IsNull(v)) {
            study_errf(err, err_size, "%s: missing (%s); every field is required", f->name,
                       f->label);
            return CORE_EMEAS;
        }
        core_err e = encode_value(f, v, NULL, &meas[i], err, err_size);
        if (e != CORE_OK)
            return e;
    }
    encode_bins(s, meas);
    return CORE_OK;
}

core_err study_check_text(const study *s, const char *field, const char *text, char *err,
                          size_t err_size)
{
    for (size_t i = 0; i < s->num_fields; i++) {
        const study_field *f = &s->fields[i];
        if (strcmp(f->name, field) != 0)
            continue;
        if (text == NULL || text[0] == '\0') {
            study_errf(err, err_size, "%s: missing (%s); every field is required", f->name,
                       f->label);
            return CORE_EMEAS;
        }
        uint64_t v;
        return encode_value(f, NULL, text, &v, err, err_size);
    }
    study_errf(err, err_size, "\"%.60s\" is not a field of this study", field);
    return CORE_EINVAL;
}

core_err study_encode_texts(const study *s, const char *const *texts, uint64_t *meas, char *err,
                            size_t err_size)
{
    for (size_t i = 0; i < s->num_fields; i++) {
        const study_field *f = &s->fields[i];
        if (texts[i] == NULL || texts[i][0] == '\0') {
            study_errf(err, err_size, "%s: missing (%s); every field is required", f->name,
                       f->label);
            return CORE_EMEAS;
        }
        core_err e = encode_value(f, NULL, texts[i], &meas[i], err, err_size);
        if (e != CORE_OK)
            return e;
    }
    encode_bins(s, meas);
    return CORE_OK;
}
