/*
 * test_flp.c - the FLP proof system (draft-irtf-cfrg-vdaf-18, Sections
 * 7.3.3-7.3.4): completeness on valid measurements for every
 * standard circuit and a user-defined two-gadget circuit, soundness on
 * invalid measurements and tampered proofs, the query-point check, and the
 * circuit contract.
 */
#include <check.h>
#include <stdlib.h>

#include "flp.h"
#include "testutil.h"

/* ---- a user-defined circuit with two gadgets ------------------------------ */

/* Three Field64 values, each in {0, 1, 2}, with m2 = m0 * m1. The degree-3
 * PolyEval is called three times (wire length 4, gadget polynomial 10
 * values over 16 roots), so call 3 reads a value the verifier has to
 * interpolate. */
static core_err two_encode(const circuit *c, const uint64_t *m, felem *out)
{
    for (int i = 0; i < 3; i++)
        out[i] = field_from_u64(c->field, m[i]);
    return CORE_OK;
}

static core_err two_eval(const circuit *c, circuit_ctx *ctx, const felem *meas, const felem *jr,
                         unsigned num_shares, felem *out)
{
    (void)jr;
    (void)num_shares;
    core_err err;
    for (int i = 0; i < 3; i++) {
        if ((err = circuit_call_gadget(ctx, 1, &meas[i], &out[i])) != CORE_OK)
            return err;
    }
    felem in[2] = {meas[0], meas[1]}, prod;
    if ((err = circuit_call_gadget(ctx, 0, in, &prod)) != CORE_OK)
        return err;
    out[3] = field_sub(c->field, prod, meas[2]);
    return CORE_OK;
}

static const circuit_ops TWO_OPS = {two_encode, two_eval, NULL, NULL};

static void truncate_all(const circuit *c, const felem *meas, felem *out)
{
    for (size_t i = 0; i < c->output_len; i++)
        out[i] = meas[i];
}

static void init_two(circuit *c, circuit_ops *ops)
{
    static const int64_t three_values[4] = {0, 2, -3, 1};
    *ops = TWO_OPS;
    ops->truncate = truncate_all;
    *c = (circuit){0};
    c->ops = ops;
    c->field = FIELD64;
    c->meas_count = c->meas_len = c->output_len = 3;
    c->eval_output_len = 4;
    c->num_gadgets = 2;
    ck_assert_int_eq(gadget_init_mul(&c->gadgets[0], 1), CORE_OK);
    c->gadget_calls[0] = 1;
    ck_assert_int_eq(gadget_init_poly_eval(&c->gadgets[1], FIELD64, three_values, 4, 1), CORE_OK);
    c->gadget_calls[1] = 3;
    ck_assert_int_eq(circuit_check(c), CORE_OK);
}

static flp *make_flp(const circuit *c)
{
    flp *p;
    ck_assert_int_eq(flp_new(&p, c), CORE_OK);
    return p;
}

static felem *encode(const circuit *c, const uint64_t *m)
{
    felem *enc = calloc(c->meas_len, sizeof(felem));
    ck_assert_int_eq(c->ops->encode(c, m, enc), CORE_OK);
    return enc;
}

START_TEST(test_count_flp)
{
    circuit c;
    ck_assert_int_eq(circuit_init_count(&c), CORE_OK);
    flp *p = make_flp(&c);
    ck_assert_uint_eq(flp_proof_len(p), 5); /* 2 seeds + 3 values */
    ck_assert_uint_eq(flp_verifier_len(p), 4);
    for (uint64_t v = 0; v < 2; v++) {
        felem *e = encode(&c, &v);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 0), CORE_OK);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 5, 0), CORE_OK);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 1), CORE_EVERIFY);
        free(e);
    }
    felem two = field_from_u64(FIELD64, 2);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, &two, 3, 0), CORE_EVERIFY);
    flp_free(p);
}
END_TEST

START_TEST(test_sum_flp)
{
    circuit c;
    ck_assert_int_eq(circuit_init_sum(&c, 1337), CORE_OK);
    flp *p = make_flp(&c);
    uint64_t v = 1000;
    felem *e = encode(&c, &v);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 3, 0), CORE_OK);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 3, 1), CORE_EVERIFY);
    e[4] = field_from_u64(FIELD64, 2); /* a "bit" that is not a bit */
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 3, 0), CORE_EVERIFY);
    free(e);
    flp_free(p);
}
END_TEST

START_TEST(test_histogram_flp)
{
    circuit c;
    ck_assert_int_eq(circuit_init_histogram(&c, 100, 10), CORE_OK);
    flp *p = make_flp(&c);
    uint64_t v = 42;
    felem *e = encode(&c, &v);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 0), CORE_OK);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 4, 0), CORE_OK);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 1), CORE_EVERIFY);
    e[7] = field_one(FIELD128); /* two buckets */
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 0), CORE_EVERIFY);
    e[42] = field_zero(); /* one bucket, but not 0/1 elsewhere */
    e[7] = field_zero();
    e[8] = field_from_u64(FIELD128, 2);
    e[9] = field_from_neg_u64(FIELD128, 1);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 0), CORE_EVERIFY);
    free(e);
    flp_free(p);
}
END_TEST

START_TEST(test_sumvec_flp)
{
    circuit c;
    ck_assert_int_eq(circuit_init_sumvec(&c, FIELD128, 20, 65535, 17), CORE_OK);
    flp *p = make_flp(&c);
    uint64_t m[20];
    for (int i = 0; i < 20; i++)
        m[i] = tu_rand_below(65536);
    felem *e = encode(&c, m);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 3, 0), CORE_OK);
    e[33] = field_from_u64(FIELD128, 2);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 3, 0), CORE_EVERIFY);
    free(e);
    flp_free(p);
}
END_TEST

START_TEST(test_multihot_flp)
{
    circuit c;
    ck_assert_int_eq(circuit_init_multihot(&c, 10, 3, 4), CORE_OK);
    flp *p = make_flp(&c);
    uint64_t m[10] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0};
    felem *e = encode(&c, m);
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 0), CORE_OK);
    e[1] = field_one(FIELD128); /* weight 4, claimed 3 */
    ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 0), CORE_EVERIFY);
    free(e);
    flp_free(p);
}
END_TEST

START_TEST(test_user_circuit_two_gadgets)
{
    circuit c;
    circuit_ops ops;
    init_two(&c, &ops);
    flp *p = make_flp(&c);
    /* Mul: P = 2, m = 3; PolyEval degree 3: P = 4, m = 10. */
    ck_assert_uint_eq(flp_proof_len(p), 2 + 3 + 1 + 10);
    ck_assert_uint_eq(flp_verifier_len(p), 1 + 3 + 2);
    ck_assert_uint_eq(flp_query_rand_len(p), 2 + 4);
    const uint64_t good[3][3] = {{1, 2, 2}, {0, 2, 0}, {2, 1, 2}};
    const uint64_t bad[2][3] = {{2, 2, 4}, {1, 1, 2}};
    for (int i = 0; i < 3; i++) {
        felem *e = encode(&c, good[i]);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 3, 0), CORE_OK);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 3, 1), CORE_EVERIFY);
        free(e);
    }
    for (int i = 0; i < 2; i++) {
        felem *e = encode(&c, bad[i]);
        ck_assert_int_eq(tu_flp_prove_and_verify(p, e, 2, 0), CORE_EVERIFY);
        free(e);
    }
    flp_free(p);
}
END_TEST

START_TEST(test_query_point_on_root_of_unity)
{
    circuit c;
    ck_assert_int_eq(circuit_init_count(&c), CORE_OK);
    flp *p = make_flp(&c);
    felem meas = field_one(FIELD64), prove_rand[2], proof[5], ver[4];
    prove_rand[0] = tu_rand_elem(FIELD64);
    prove_rand[1] = tu_rand_elem(FIELD64);
    ck_assert_int_eq(flp_prove(p, &meas, prove_rand, NULL, proof), CORE_OK);
    /* Wire length 2: the query point -1 is a square root of unity. */
    felem t = field_neg(FIELD64, field_one(FIELD64));
    ck_assert_int_eq(flp_query(p, &meas, proof, &t, NULL, 1, ver), CORE_EQUERY);
    t = field_one(FIELD64);
    ck_assert_int_eq(flp_query(p, &meas, proof, &t, NULL, 1, ver), CORE_EQUERY);
    t = field_from_u64(FIELD64, 5);
    ck_assert_int_eq(flp_query(p, &meas, proof, &t, NULL, 1, ver), CORE_OK);
    ck_assert_int_eq(flp_decide(p, ver), CORE_OK);
    flp_free(p);
}
END_TEST

/* ---- circuits that break the contract --------------------------------------- */

static int calls_to_make;
static size_t gadget_to_call;

static core_err rogue_eval(const circuit *c, circuit_ctx *ctx, const felem *meas, const felem *jr,
                           unsigned num_shares, felem *out)
{
    (void)c;
    (void)jr;
    (void)num_shares;
    felem in[2] = {meas[0], meas[0]};
    out[0] = field_zero();
    for (int i = 0; i < calls_to_make; i++) {
        core_err err = circuit_call_gadget(ctx, gadget_to_call, in, &out[0]);
        if (err != CORE_OK)
            return err;
    }
    return CORE_OK;
}

START_TEST(test_contract_violations)
{
    circuit c;
    ck_assert_int_eq(circuit_init_count(&c), CORE_OK);
    circuit_ops ops = *c.ops;
    ops.eval = rogue_eval;
    c.ops = &ops;
    flp *p = make_flp(&c);
    felem meas = field_one(FIELD64), prove_rand[2] = {field_one(FIELD64), field_one(FIELD64)};
    felem proof[5], ver[4], t = field_from_u64(FIELD64, 5);
    const struct {
        int calls;
        size_t gadget;
    } cases[] = {{0, 0}, {2, 0}, {1, 1}};
    for (int i = 0; i < 3; i++) {
        calls_to_make = cases[i].calls;
        gadget_to_call = cases[i].gadget;
        ck_assert_int_eq(flp_prove(p, &meas, prove_rand, NULL, proof), CORE_EINTERNAL);
        ck_assert_int_eq(flp_query(p, &meas, proof, &t, NULL, 1, ver), CORE_EINTERNAL);
    }
    flp_free(p);
}
END_TEST

TU_MAIN("flp", 60, test_count_flp, test_sum_flp, test_histogram_flp, test_sumvec_flp,
        test_multihot_flp, test_user_circuit_two_gadgets, test_query_point_on_root_of_unity,
        test_contract_violations)
