/*
 * test_gadget.c - Mul, PolyEval and ParallelSum (draft-irtf-cfrg-vdaf-18,
 * Section 7.3.5): known answers, degree and arity, coefficient handling and
 * parameter validation.
 */
#include <check.h>

#include "gadget.h"
#include "testutil.h"

START_TEST(test_gadgets)
{
    gadget g;
    felem in[6];
    field_id f = FIELD128;
    for (int i = 0; i < 6; i++)
        in[i] = field_from_u64(f, (uint64_t)i + 2); /* 2 3 4 5 6 7 */
    ck_assert_int_eq(gadget_init_mul(&g, 3), CORE_OK);
    ck_assert_uint_eq(gadget_arity(&g), 6);
    ck_assert_uint_eq(gadget_degree(&g), 2);
    ck_assert(field_eq(gadget_eval(f, &g, in), field_from_u64(f, 6 + 20 + 42)));

    const int64_t poly[5] = {0, -1, 1, 0, 0}; /* x^2 - x, trailing zeros */
    ck_assert_int_eq(gadget_init_poly_eval(&g, f, poly, 5, 2), CORE_OK);
    ck_assert_uint_eq(gadget_degree(&g), 2);
    ck_assert_uint_eq(gadget_arity(&g), 2);
    ck_assert(field_eq(gadget_eval(f, &g, in), field_from_u64(f, 2 + 6)));

    const int64_t zero[3] = {0, 0, 0}, constant[1] = {5}, negative[2] = {INT64_MIN, 1};
    ck_assert_int_eq(gadget_init_poly_eval(&g, f, zero, 3, 1), CORE_EINVAL);
    ck_assert_int_eq(gadget_init_poly_eval(&g, f, constant, 1, 1), CORE_EINVAL);
    int64_t big[GADGET_MAX_DEGREE + 2] = {0};
    big[GADGET_MAX_DEGREE + 1] = 1;
    ck_assert_int_eq(gadget_init_poly_eval(&g, f, big, GADGET_MAX_DEGREE + 2, 1), CORE_EINVAL);
    ck_assert_int_eq(gadget_init_poly_eval(&g, f, negative, 2, 1), CORE_OK);
    ck_assert(field_eq(gadget_eval(f, &g, in),
                       field_add(f, in[0], field_from_neg_u64(f, (uint64_t)1 << 63))));
    ck_assert_int_eq(gadget_init_mul(&g, 0), CORE_EINVAL);
}
END_TEST

TU_MAIN("gadget", 10, test_gadgets)
