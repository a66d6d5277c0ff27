/*
 * test_circuit.c - measurement encodings of the standard circuits
 * (draft-irtf-cfrg-vdaf-18, Section 7.4), their range checks, truncation,
 * parameter validation and the chunk-length helper.
 */
#include <check.h>

#include "circuit.h"
#include "testutil.h"

static uint64_t int_of(field_id f, felem e)
{
    core_u128 v = field_to_u128(f, e);
    ck_assert_uint_eq(v.hi, 0);
    return v.lo;
}

START_TEST(test_bit_length)
{
    ck_assert_uint_eq(circuit_bit_length(0), 0);
    ck_assert_uint_eq(circuit_bit_length(1), 1);
    ck_assert_uint_eq(circuit_bit_length(255), 8);
    ck_assert_uint_eq(circuit_bit_length(256), 9);
    ck_assert_uint_eq(circuit_bit_length(UINT64_MAX), 64);
}
END_TEST

static void check_range_checked(field_id f, uint64_t max, uint64_t value)
{
    felem enc[64];
    unsigned bits = circuit_bit_length(max);
    ck_assert_uint_eq(circuit_encode_range_checked(f, value, max, enc), 1);
    for (unsigned i = 0; i < bits; i++)
        ck_assert_uint_le(int_of(f, enc[i]), 1);
    ck_assert_uint_eq(int_of(f, circuit_decode_range_checked(f, enc, max)), value);
}

START_TEST(test_range_checked)
{
    static const uint64_t maxes[] = {
        1, 2, 3, 7, 8, 255, 1337, (1u << 20) - 1, 1000000, ((uint64_t)1 << 62) + 5};
    felem enc[64];
    for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
        uint64_t max = maxes[i];
        for (int fi = 0; fi < 2; fi++) {
            field_id f = fi ? FIELD128 : FIELD64;
            check_range_checked(f, max, 0);
            check_range_checked(f, max, max);
            check_range_checked(f, max, max / 2);
            check_range_checked(f, max, max - 1);
            for (int k = 0; k < 50; k++)
                check_range_checked(f, max, tu_rand_below(max + 1));
            ck_assert_uint_eq(circuit_encode_range_checked(f, max + 1, max, enc), 0);
            ck_assert_uint_eq(circuit_encode_range_checked(f, UINT64_MAX, max, enc), 0);
        }
    }
    /* max = 0 has no encoding: nothing is written, nothing read. */
    ck_assert_uint_eq(circuit_encode_range_checked(FIELD64, 0, 0, NULL), 0);
    ck_assert(field_is_zero(circuit_decode_range_checked(FIELD64, NULL, 0)));
    check_range_checked(FIELD128, UINT64_MAX, UINT64_MAX);
    check_range_checked(FIELD128, UINT64_MAX, 12345);
}
END_TEST

START_TEST(test_count)
{
    circuit c;
    felem out[1];
    ck_assert_int_eq(circuit_init_count(&c), CORE_OK);
    ck_assert_uint_eq(c.field, FIELD64);
    for (uint64_t v = 0; v < 2; v++) {
        ck_assert_int_eq(c.ops->encode(&c, &v, out), CORE_OK);
        ck_assert_uint_eq(int_of(c.field, out[0]), v);
    }
    const uint64_t bad[] = {2, 3, UINT64_MAX};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(c.ops->encode(&c, &bad[i], out), CORE_EMEAS);
}
END_TEST

START_TEST(test_sum)
{
    circuit c;
    felem enc[64], t;
    ck_assert_int_eq(circuit_init_sum(&c, 0), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_sum(&c, (uint64_t)1 << 63), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_sum(&c, 1337), CORE_OK);
    ck_assert_uint_eq(c.meas_len, 11);
    ck_assert_uint_eq(c.eval_output_len, 11);
    uint64_t v = 1000;
    ck_assert_int_eq(c.ops->encode(&c, &v, enc), CORE_OK);
    c.ops->truncate(&c, enc, &t);
    ck_assert_uint_eq(int_of(c.field, t), 1000);
    v = 1338;
    ck_assert_int_eq(c.ops->encode(&c, &v, enc), CORE_EMEAS);
}
END_TEST

START_TEST(test_sumvec)
{
    circuit c;
    ck_assert_int_eq(circuit_init_sumvec(&c, FIELD64, 3, UINT64_MAX, 2), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_sumvec(&c, FIELD128, 0, 5, 2), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_sumvec(&c, FIELD128, 3, 5, 0), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_sumvec(&c, FIELD128, 10, 32000, 7), CORE_OK);
    ck_assert_uint_eq(c.meas_len, 150);
    ck_assert_uint_eq(c.gadget_calls[0], 22);
    ck_assert_uint_eq(c.joint_rand_len, 22);
    uint64_t m[10];
    felem enc[150], out[10];
    for (int i = 0; i < 10; i++)
        m[i] = tu_rand_below(32001);
    m[3] = 32000;
    ck_assert_int_eq(c.ops->encode(&c, m, enc), CORE_OK);
    c.ops->truncate(&c, enc, out);
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(int_of(c.field, out[i]), m[i]);
    m[9] = 32001;
    ck_assert_int_eq(c.ops->encode(&c, m, enc), CORE_EMEAS);
}
END_TEST

START_TEST(test_histogram)
{
    circuit c;
    ck_assert_int_eq(circuit_init_histogram(&c, 0, 1), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_histogram(&c, 11, 3), CORE_OK);
    ck_assert_uint_eq(c.gadget_calls[0], 4);
    felem enc[11];
    for (uint64_t v = 0; v < 11; v++) {
        ck_assert_int_eq(c.ops->encode(&c, &v, enc), CORE_OK);
        for (uint64_t i = 0; i < 11; i++)
            ck_assert_uint_eq(int_of(c.field, enc[i]), i == v);
    }
    uint64_t bad = 11;
    ck_assert_int_eq(c.ops->encode(&c, &bad, enc), CORE_EMEAS);
    bad = UINT64_MAX;
    ck_assert_int_eq(c.ops->encode(&c, &bad, enc), CORE_EMEAS);
}
END_TEST

START_TEST(test_multihot)
{
    circuit c;
    ck_assert_int_eq(circuit_init_multihot(&c, 4, 5, 2), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_multihot(&c, 4, 0, 2), CORE_EINVAL);
    ck_assert_int_eq(circuit_init_multihot(&c, 10, 2, 3), CORE_OK);
    ck_assert_uint_eq(c.meas_len, 12);
    ck_assert_uint_eq(c.output_len, 10);
    uint64_t m[10] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    felem enc[12], out[10];
    ck_assert_int_eq(c.ops->encode(&c, m, enc), CORE_OK);
    c.ops->truncate(&c, enc, out);
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(int_of(c.field, out[i]), m[i]);
    ck_assert_uint_eq(int_of(c.field, circuit_decode_range_checked(c.field, enc + 10, 2)), 2);
    m[4] = 1; /* weight 3 > 2 */
    ck_assert_int_eq(c.ops->encode(&c, m, enc), CORE_EMEAS);
    m[4] = 2; /* not a bit */
    ck_assert_int_eq(c.ops->encode(&c, m, enc), CORE_EMEAS);
}
END_TEST

static size_t proof_len_for(size_t meas_len, size_t chunk)
{
    size_t calls = (meas_len + chunk - 1) / chunk, p = 1;
    while (p < calls + 1)
        p *= 2;
    return 2 * chunk + 2 * p - 1;
}

START_TEST(test_best_chunk_length)
{
    static const size_t lens[] = {1, 2, 10, 100, 240, 4800, 100000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t best = circuit_best_chunk_length(lens[i]);
        size_t best_len = proof_len_for(lens[i], best);
        for (size_t chunk = 1; chunk <= lens[i] && chunk <= 32768; chunk++)
            ck_assert_uint_le(best_len, proof_len_for(lens[i], chunk));
    }
}
END_TEST

START_TEST(test_check_rejects_bad_circuits)
{
    circuit c;
    ck_assert_int_eq(circuit_init_count(&c), CORE_OK);
    circuit bad = c;
    bad.num_gadgets = 0;
    ck_assert_int_ne(circuit_check(&bad), CORE_OK);
    bad = c;
    bad.gadget_calls[0] = 0;
    ck_assert_int_ne(circuit_check(&bad), CORE_OK);
    bad = c;
    bad.gadget_calls[0] = CIRCUIT_MAX_GADGET_CALLS + 1;
    ck_assert_int_eq(circuit_check(&bad), CORE_ELIMIT);
    bad = c;
    bad.meas_len = CIRCUIT_MAX_MEAS_LEN + 1;
    ck_assert_int_eq(circuit_check(&bad), CORE_ELIMIT);
    bad = c;
    bad.ops = NULL;
    ck_assert_int_eq(circuit_check(&bad), CORE_EINVAL);
    bad = c;
    bad.field = (field_id)7;
    ck_assert_int_eq(circuit_check(&bad), CORE_EINVAL);
}
END_TEST

TU_MAIN("circuit", 60, test_bit_length, test_range_checked, test_count, test_sum, test_sumvec,
        test_histogram, test_multihot, test_best_chunk_length, test_check_rejects_bad_circuits)
