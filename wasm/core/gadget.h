/*
 * gadget.h - the gadgets of draft-irtf-cfrg-vdaf-18, Section 7.3.5:
 * Mul, PolyEval and ParallelSum over either of them.
 *
 * A gadget here is always a ParallelSum of `count` copies of a base gadget;
 * count = 1 is the plain base gadget, which has the same arity, degree and
 * values, so the proofs are identical.
 */
#ifndef MPC_GADGET_H
#define MPC_GADGET_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"

#define GADGET_MAX_DEGREE 16
#define GADGET_MAX_ARITY 65536

typedef enum gadget_kind { GADGET_MUL = 1, GADGET_POLY_EVAL = 2 } gadget_kind;

typedef struct gadget {
    gadget_kind kind;
    size_t count;                        /* ParallelSum count, >= 1 */
    size_t degree;                       /* PolyEval: degree of the polynomial; Mul: 2 */
    felem coeffs[GADGET_MAX_DEGREE + 1]; /* PolyEval, constant term first */
} gadget;

/* Mul (arity 2, degree 2), summed over count parallel copies. */
CORE_MUST_CHECK core_err gadget_init_mul(gadget *g, size_t count);

/* PolyEval of the polynomial with n integer coefficients (constant term
 * first; leading zeros are stripped; the result must have degree >= 1),
 * summed over count parallel copies. */
CORE_MUST_CHECK core_err gadget_init_poly_eval(gadget *g, field_id f, const int64_t *coeffs,
                                               size_t n, size_t count);

/* Number of inputs: 2 * count for Mul, count for PolyEval. */
size_t gadget_arity(const gadget *g);

/* Arithmetic degree. */
size_t gadget_degree(const gadget *g);

/* Evaluates the gadget on gadget_arity(g) inputs. */
felem gadget_eval(field_id f, const gadget *g, const felem *in);

#endif
