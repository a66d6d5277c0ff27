/*
 * flp.c - the FLP of draft-irtf-cfrg-vdaf-18, Section 7.3.
 *
 * For each gadget G called `calls` times, with wire polynomial length
 * P = next_power_of_2(1 + calls) (Section 7.3.3):
 *   - the prover records, for every input wire j, the values
 *     [seed_j, input of call 1, ..., input of call calls, 0...] as the
 *     values of a polynomial at the P-th roots of unity (Lagrange basis);
 *   - the gadget polynomial is G applied to the wire polynomials; its
 *     m = degree * (P - 1) + 1 values at the first m of the n-th roots of
 *     unity (n = next_power_of_2(m)) go into the proof. We compute them by
 *     moving each wire polynomial to the n-th roots (inverse NTT of size P,
 *     NTT of size n) and evaluating G pointwise, which is valid for any
 *     gadget because G is a polynomial map;
 *   - the verifier takes the output of call k from the gadget polynomial
 *     at w_P^k = w_n^(k n / P), interpolating when that index is >= m, and
 *     evaluates every wire polynomial and the gadget polynomial at the
 *     random point t (barycentric form over the known nodes).
 * All of these values are uniquely determined by the draft, so the outputs
 * match its reference byte for byte whatever the algorithm used.
 */
#include "flp.h"

#include <stdlib.h>

/* Largest gadget domain n, and largest arity * n the prover lifts at once. */
#define FLP_MAX_DOMAIN ((size_t)1 << 21)
#define FLP_MAX_LIFT ((size_t)1 << 24)

typedef struct gplan {
    size_t arity, degree, calls;
    size_t P;        /* wire polynomial length */
    size_t m;        /* gadget polynomial length (values in the proof) */
    size_t n;        /* gadget domain size, next_power_of_2(m) */
    size_t wire_off; /* offset of this gadget's wires in the wire buffer */
    felem *roots;    /* n powers of w_n */
    felem *wire_x;   /* P powers of w_P */
    felem *wire_w;   /* P barycentric weights of the P-th roots */
    felem *gadget_w; /* m barycentric weights of the first m n-th roots */
    felem p_inv;     /* 1 / P, to scale the inverse NTT */
} gplan;

struct flp {
    circuit c;
    gplan g[CIRCUIT_MAX_GADGETS];
    size_t prove_rand_len, query_rand_len, proof_len, verifier_len;
    size_t max_arity, max_m_or_p, wires_len, max_lift;
    felem *tables;
    size_t tables_len;
};

enum ctx_mode { CTX_PROVE, CTX_QUERY };

struct circuit_ctx {
    const flp *p;
    enum ctx_mode mode;
    felem *wires;                            /* PROVE, QUERY */
    const felem *gpoly[CIRCUIT_MAX_GADGETS]; /* QUERY: m values each */
    size_t k[CIRCUIT_MAX_GADGETS];           /* calls made so far */
    felem *scratch;                          /* max_arity */
    felem *basis;                            /* QUERY: max_m_or_p */
};

static size_t next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* log2 of a power of two. */
static unsigned log2_exact(size_t n)
{
    unsigned k = 0;
    while (((size_t)1 << k) < n)
        k++;
    return k;
}

/* a * b, or SIZE_MAX if it overflows (every limit below is far smaller). */
static size_t mul_sat(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

core_err flp_new(flp **out, const circuit *c)
{
    *out = NULL;
    core_err err = circuit_check(c);
    if (err != CORE_OK)
        return err;
    flp *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return CORE_ENOMEM;
    p->c = *c;
    field_id f = c->field;
    size_t tables = 0;
    p->max_arity = 1;
    for (size_t i = 0; i < c->num_gadgets; i++) {
        gplan *g = &p->g[i];
        g->arity = gadget_arity(&c->gadgets[i]);
        g->degree = gadget_degree(&c->gadgets[i]);
        g->calls = c->gadget_calls[i];
        g->P = next_pow2(1 + g->calls);
        g->m = g->degree * (g->P - 1) + 1;
        g->n = next_pow2(g->m);
        /* n must also divide the order 2^L of the field's generator. */
        if (g->n > FLP_MAX_DOMAIN || log2_exact(g->n) > field_gen_order_log2(f) ||
            mul_sat(g->arity, g->n) > FLP_MAX_LIFT) {
            free(p);
            return CORE_ELIMIT;
        }
        g->wire_off = p->wires_len;
        p->wires_len += g->arity * g->P;
        tables += g->n + 2 * g->P + g->m;
        p->prove_rand_len += g->arity;
        p->proof_len += g->arity + g->m;
        p->verifier_len += g->arity + 1;
        if (g->arity > p->max_arity)
            p->max_arity = g->arity;
        if (g->m > p->max_m_or_p)
            p->max_m_or_p = g->m;
        if (g->P > p->max_m_or_p)
            p->max_m_or_p = g->P;
        if (g->arity * g->n > p->max_lift)
            p->max_lift = g->arity * g->n;
    }
    p->verifier_len += 1;
    p->query_rand_len = c->num_gadgets + (c->eval_output_len > 1 ? c->eval_output_len : 0);

    p->tables = core_alloc_array(tables, sizeof(felem));
    if (p->tables == NULL) {
        free(p);
        return CORE_ENOMEM;
    }
    p->tables_len = tables;
    felem *t = p->tables;
    for (size_t i = 0; i < c->num_gadgets; i++) {
        gplan *g = &p->g[i];
        g->roots = t;
        t += g->n;
        g->wire_x = t;
        t += g->P;
        g->wire_w = t;
        t += g->P;
        g->gadget_w = t;
        t += g->m;
        field_root_powers(f, g->n, g->roots);
        for (size_t k = 0; k < g->P; k++)
            g->wire_x[k] = g->roots[k * (g->n / g->P)];
        field_root_subset_weights(f, g->wire_x, g->P, g->P, g->wire_w);
        g->p_inv = field_inv(f, field_from_u64(f, (uint64_t)g->P));
        field_root_subset_weights(f, g->roots, g->n, g->m, g->gadget_w);
    }
    *out = p;
    return CORE_OK;
}

void flp_free(flp *p)
{
    if (p == NULL)
        return;
    free(p->tables);
    free(p);
}

const circuit *flp_circuit(const flp *p)
{
    return &p->c;
}

size_t flp_prove_rand_len(const flp *p)
{
    return p->prove_rand_len;
}

size_t flp_query_rand_len(const flp *p)
{
    return p->query_rand_len;
}

size_t flp_proof_len(const flp *p)
{
    return p->proof_len;
}

size_t flp_verifier_len(const flp *p)
{
    return p->verifier_len;
}

felem *circuit_scratch(circuit_ctx *ctx)
{
    return ctx->scratch;
}

/* Value at the n-th root w_n^idx of the polynomial of degree < m given by
 * its values y at the first m n-th roots. */
static felem gadget_poly_at(const flp *p, const gplan *g, const felem *y, size_t idx, felem *basis)
{
    if (idx < g->m)
        return y[idx];
    field_lagrange_basis(p->c.field, g->roots, g->gadget_w, g->m, g->roots[idx], basis);
    return field_dot(p->c.field, y, basis, g->m);
}

core_err circuit_call_gadget(circuit_ctx *ctx, size_t gi, const felem *in, felem *out)
{
    const flp *p = ctx->p;
    if (gi >= p->c.num_gadgets)
        return CORE_EINTERNAL;
    const gplan *g = &p->g[gi];
    if (ctx->k[gi] >= g->calls)
        return CORE_EINTERNAL;
    size_t k = ++ctx->k[gi];
    felem *w = ctx->wires + g->wire_off;
    for (size_t j = 0; j < g->arity; j++)
        w[j * g->P + k] = in[j];
    if (ctx->mode == CTX_PROVE)
        *out = gadget_eval(p->c.field, &p->c.gadgets[gi], in);
    else
        *out = gadget_poly_at(p, g, ctx->gpoly[gi], k * (g->n / g->P), ctx->basis);
    return CORE_OK;
}

static core_err run_circuit(circuit_ctx *ctx, const felem *meas, const felem *joint_rand,
                            unsigned num_shares, felem *out)
{
    const flp *p = ctx->p;
    core_err err = p->c.ops->eval(&p->c, ctx, meas, joint_rand, num_shares, out);
    if (err != CORE_OK)
        return err;
    for (size_t i = 0; i < p->c.num_gadgets; i++) {
        if (ctx->k[i] != p->g[i].calls)
            return CORE_EINTERNAL;
    }
    return CORE_OK;
}

core_err flp_prove(const flp *p, const felem *meas, const felem *prove_rand,
                   const felem *joint_rand, felem *proof)
{
    field_id f = p->c.field;
    size_t len = p->wires_len + p->max_arity + p->max_lift + p->c.eval_output_len;
    felem *mem = core_calloc_array(len, sizeof(felem));
    if (mem == NULL)
        return CORE_ENOMEM;
    circuit_ctx ctx = {.p = p, .mode = CTX_PROVE, .wires = mem};
    ctx.scratch = mem + p->wires_len;
    felem *lift = ctx.scratch + p->max_arity;
    felem *eval_out = lift + p->max_lift;

    /* Wire seeds come from the prover randomness, gadget by gadget. */
    for (size_t i = 0, r = 0; i < p->c.num_gadgets; i++) {
        const gplan *g = &p->g[i];
        for (size_t j = 0; j < g->arity; j++)
            ctx.wires[g->wire_off + j * g->P] = prove_rand[r++];
    }
    core_err err = run_circuit(&ctx, meas, joint_rand, 1, eval_out);
    if (err != CORE_OK)
        goto cleanup;

    for (size_t i = 0, o = 0; i < p->c.num_gadgets; i++) {
        const gplan *g = &p->g[i];
        const felem *w = ctx.wires + g->wire_off;
        for (size_t j = 0; j < g->arity; j++) {
            proof[o++] = w[j * g->P];
            /* Wire values at the P-th roots -> coefficients -> values at
             * the n-th roots. */
            felem *l = lift + j * g->n;
            for (size_t k = 0; k < g->P; k++)
                l[k] = w[j * g->P + k];
            field_ntt(f, l, g->P, g->roots, g->n / g->P, 1);
            for (size_t k = 0; k < g->P; k++)
                l[k] = field_mul(f, l[k], g->p_inv);
            for (size_t k = g->P; k < g->n; k++)
                l[k] = field_zero();
            field_ntt(f, l, g->n, g->roots, 1, 0);
        }
        for (size_t k = 0; k < g->m; k++) {
            for (size_t j = 0; j < g->arity; j++)
                ctx.scratch[j] = lift[j * g->n + k];
            proof[o++] = gadget_eval(f, &p->c.gadgets[i], ctx.scratch);
        }
    }
cleanup:
    core_free_secret(mem, len * sizeof(felem));
    return err;
}

core_err flp_query(const flp *p, const felem *meas, const felem *proof, const felem *query_rand,
                   const felem *joint_rand, unsigned num_shares, felem *verifier)
{
    field_id f = p->c.field;
    size_t len = p->wires_len + p->max_arity + p->max_m_or_p + p->c.eval_output_len;
    felem *mem = core_calloc_array(len, sizeof(felem));
    if (mem == NULL)
        return CORE_ENOMEM;
    circuit_ctx ctx = {.p = p, .mode = CTX_QUERY, .wires = mem};
    ctx.scratch = mem + p->wires_len;
    ctx.basis = ctx.scratch + p->max_arity;
    felem *eval_out = ctx.basis + p->max_m_or_p;

    /* The proof holds, per gadget, the wire seeds then the gadget
     * polynomial's values. */
    for (size_t i = 0, o = 0; i < p->c.num_gadgets; i++) {
        const gplan *g = &p->g[i];
        for (size_t j = 0; j < g->arity; j++)
            ctx.wires[g->wire_off + j * g->P] = proof[o++];
        ctx.gpoly[i] = proof + o;
        o += g->m;
    }
    core_err err = run_circuit(&ctx, meas, joint_rand, num_shares, eval_out);
    if (err != CORE_OK)
        goto cleanup;

    /* Reduce the circuit output to one element with random coefficients. */
    size_t eol = p->c.eval_output_len;
    const felem *t = query_rand;
    if (eol > 1) {
        verifier[0] = field_dot(f, query_rand, eval_out, eol);
        t += eol;
    } else {
        verifier[0] = eval_out[0];
    }
    size_t o = 1;
    for (size_t i = 0; i < p->c.num_gadgets; i++) {
        const gplan *g = &p->g[i];
        /* A query point among the wire nodes would reveal a gadget output. */
        if (field_eq(field_pow(f, t[i], g->P), field_one(f))) {
            err = CORE_EQUERY;
            goto cleanup;
        }
        field_lagrange_basis(f, g->wire_x, g->wire_w, g->P, t[i], ctx.basis);
        for (size_t j = 0; j < g->arity; j++)
            verifier[o++] = field_dot(f, ctx.wires + g->wire_off + j * g->P, ctx.basis, g->P);
        field_lagrange_basis(f, g->roots, g->gadget_w, g->m, t[i], ctx.basis);
        verifier[o++] = field_dot(f, ctx.gpoly[i], ctx.basis, g->m);
    }
cleanup:
    core_free_secret(mem, len * sizeof(felem));
    return err;
}

core_err flp_decide(const flp *p, const felem *verifier)
{
    field_id f = p->c.field;
    if (!field_is_zero(verifier[0]))
        return CORE_EVERIFY;
    size_t o = 1;
    for (size_t i = 0; i < p->c.num_gadgets; i++) {
        const gplan *g = &p->g[i];
        felem y = gadget_eval(f, &p->c.gadgets[i], verifier + o);
        if (!field_eq(y, verifier[o + g->arity]))
            return CORE_EVERIFY;
        o += g->arity + 1;
    }
    return CORE_OK;
}
