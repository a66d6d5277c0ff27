/*
 * gadget.c - Mul, PolyEval and ParallelSum (draft-irtf-cfrg-vdaf-18,
 * Section 7.3.5). Only eval() lives here: the gadget polynomial the prover
 * needs is obtained in flp.c by evaluating the gadget pointwise on the wire
 * polynomials, which works for any composition of these gadgets.
 */
#include "gadget.h"

core_err gadget_init_mul(gadget *g, size_t count)
{
    if (count == 0 || count > GADGET_MAX_ARITY / 2)
        return CORE_EINVAL;
    g->kind = GADGET_MUL;
    g->count = count;
    g->degree = 2;
    for (size_t i = 0; i <= GADGET_MAX_DEGREE; i++)
        g->coeffs[i] = field_zero();
    return CORE_OK;
}

core_err gadget_init_poly_eval(gadget *g, field_id f, const int64_t *coeffs, size_t n, size_t count)
{
    while (n > 0 && coeffs[n - 1] == 0)
        n--;
    if (n < 2 || n > GADGET_MAX_DEGREE + 1 || count == 0 || count > GADGET_MAX_ARITY)
        return CORE_EINVAL;
    g->kind = GADGET_POLY_EVAL;
    g->count = count;
    g->degree = n - 1;
    for (size_t i = 0; i <= GADGET_MAX_DEGREE; i++) {
        int64_t c = i < n ? coeffs[i] : 0;
        /* Negate in unsigned arithmetic so that INT64_MIN is handled. */
        g->coeffs[i] = c < 0 ? field_from_neg_u64(f, (uint64_t)0 - (uint64_t)c)
                             : field_from_u64(f, (uint64_t)c);
    }
    return CORE_OK;
}

size_t gadget_arity(const gadget *g)
{
    return g->kind == GADGET_MUL ? 2 * g->count : g->count;
}

size_t gadget_degree(const gadget *g)
{
    return g->degree;
}

felem gadget_eval(field_id f, const gadget *g, const felem *in)
{
    felem acc = field_zero();
    if (g->kind == GADGET_MUL) {
        for (size_t i = 0; i < g->count; i++)
            acc = field_add(f, acc, field_mul(f, in[2 * i], in[2 * i + 1]));
        return acc;
    }
    for (size_t i = 0; i < g->count; i++) {
        /* Horner's rule. */
        felem r = g->coeffs[g->degree];
        for (size_t d = g->degree; d-- > 0;)
            r = field_add(f, field_mul(f, r, in[i]), g->coeffs[d]);
        acc = field_add(f, acc, r);
    }
    return acc;
}
