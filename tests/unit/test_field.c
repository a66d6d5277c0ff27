/*
 * test_field.c - Field64 and Field128: arithmetic against an independent
 * slow reference, field laws, constants, encoding, NTT and Lagrange basis.
 */
#include <check.h>
#include <stdlib.h>

#include "field.h"
#include "testutil.h"

static const field_id FIELDS[2] = {FIELD64, FIELD128};

/* The moduli as 128-bit integers, written independently of field.h. */
static field_u128 modulus(field_id f)
{
    if (f == FIELD64)
        return ((field_u128)4294967295u << 32) + 1;
    return ((field_u128)4611686018427387897ULL << 66) + 1;
}

static field_u128 to_int(field_id f, felem a)
{
    core_u128 v = field_to_u128(f, a);
    return ((field_u128)v.hi << 64) | v.lo;
}

static felem from_int(field_id f, field_u128 v)
{
    uint8_t b[16];
    for (int i = 0; i < 16; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    felem e;
    ck_assert_int_eq(field_vec_decode(f, b, 1, &e), CORE_OK);
    return e;
}

/* (x + y) mod p for x, y < p, without overflowing 128 bits. */
static field_u128 ref_add(field_u128 p, field_u128 x, field_u128 y)
{
    return x >= p - y ? x - (p - y) : x + y;
}

/* x * y mod p by double-and-add. */
static field_u128 ref_mul(field_u128 p, field_u128 x, field_u128 y)
{
    field_u128 r = 0;
    for (int bit = 127; bit >= 0; bit--) {
        r = ref_add(p, r, r);
        if ((y >> bit) & 1)
            r = ref_add(p, r, x);
    }
    return r;
}

static field_u128 rand_int(field_id f)
{
    /* Mix uniform values with values near 0 and near p. */
    field_u128 p = modulus(f);
    uint64_t kind = tu_rand_below(4);
    if (kind == 0)
        return tu_rand_below(1000);
    if (kind == 1)
        return p - 1 - tu_rand_below(1000);
    return to_int(f, tu_rand_elem(f));
}

START_TEST(test_arith_matches_reference)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        field_u128 p = modulus(f);
        for (int i = 0; i < 20000; i++) {
            field_u128 x = rand_int(f), y = rand_int(f);
            felem a = from_int(f, x), b = from_int(f, y);
            ck_assert(to_int(f, field_mul(f, a, b)) == ref_mul(p, x, y));
            ck_assert(to_int(f, field_add(f, a, b)) == ref_add(p, x, y));
            ck_assert(to_int(f, field_sub(f, a, b)) == ref_add(p, x, y == 0 ? 0 : p - y));
            ck_assert(to_int(f, field_neg(f, a)) == (x == 0 ? 0 : p - x));
        }
    }
}
END_TEST

START_TEST(test_edge_values)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        field_u128 p = modulus(f);
        felem m1 = from_int(f, p - 1), one = field_one(f), zero = field_zero();
        ck_assert(to_int(f, one) == 1);
        ck_assert(field_is_zero(field_add(f, m1, one)));
        ck_assert(field_eq(field_sub(f, zero, one), m1));
        ck_assert(field_eq(field_mul(f, m1, m1), one));
        ck_assert(to_int(f, field_from_u64(f, UINT64_MAX)) == (field_u128)UINT64_MAX % p);
        ck_assert(field_eq(field_add(f, field_from_neg_u64(f, 5), field_from_u64(f, 5)), zero));
        ck_assert(!field_eq(one, zero));
        ck_assert(field_eq(field_select(~(uint64_t)0, one, zero), one));
        ck_assert(field_eq(field_select(0, one, zero), zero));
    }
}
END_TEST

START_TEST(test_field_laws)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        for (int i = 0; i < 2000; i++) {
            felem a = tu_rand_elem(f), b = tu_rand_elem(f), c = tu_rand_elem(f);
            ck_assert(field_eq(field_mul(f, a, b), field_mul(f, b, a)));
            ck_assert(
                field_eq(field_mul(f, field_mul(f, a, b), c), field_mul(f, a, field_mul(f, b, c))));
            ck_assert(field_eq(field_mul(f, a, field_add(f, b, c)),
                               field_add(f, field_mul(f, a, b), field_mul(f, a, c))));
            ck_assert(field_eq(field_add(f, field_sub(f, a, b), b), a));
            if (!field_is_zero(a))
                ck_assert(field_eq(field_mul(f, a, field_inv(f, a)), field_one(f)));
        }
        ck_assert(field_is_zero(field_inv(f, field_zero())));
        ck_assert(field_eq(field_pow(f, field_from_u64(f, 3), 5), field_from_u64(f, 243)));
    }
}
END_TEST

START_TEST(test_roots_of_unity)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        unsigned L = field_gen_order_log2(f);
        felem g = field_root(f, L), minus_one = field_neg(f, field_one(f));
        /* g has order exactly 2^L: squaring L-1 times gives -1. */
        for (unsigned i = 0; i + 1 < L; i++)
            g = field_mul(f, g, g);
        ck_assert(field_eq(g, minus_one));
        ck_assert(field_eq(field_root(f, 1), minus_one));
        ck_assert(field_eq(field_root(f, 0), field_one(f)));
        felem w[8];
        field_root_powers(f, 8, w);
        ck_assert(field_eq(field_mul(f, w[7], w[1]), field_one(f)));
        ck_assert(field_eq(w[4], minus_one));
    }
}
END_TEST

START_TEST(test_encoding)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        size_t es = field_encoded_size(f);
        felem v[16], back[16];
        uint8_t buf[16 * 16];
        for (int i = 0; i < 16; i++)
            v[i] = tu_rand_elem(f);
        field_vec_encode(f, v, 16, buf);
        ck_assert_int_eq(field_vec_decode(f, buf, 16, back), CORE_OK);
        for (int i = 0; i < 16; i++)
            ck_assert(field_eq(v[i], back[i]));
        /* Little-endian: 1 encodes as 01 00 .. 00. */
        felem one = field_one(f);
        field_vec_encode(f, &one, 1, buf);
        ck_assert_int_eq(buf[0], 1);
        for (size_t i = 1; i < es; i++)
            ck_assert_int_eq(buf[i], 0);
        /* p, p + 1 and 2^(8 es) - 1 are rejected, p - 1 accepted, also in
         * the middle of a vector. */
        field_u128 p = modulus(f);
        const field_u128 bad[3] = {p, p + 1, f == FIELD64 ? UINT64_MAX : ~(field_u128)0};
        for (int k = 0; k < 3; k++) {
            field_vec_encode(f, v, 3, buf);
            for (size_t i = 0; i < es; i++)
                buf[es + i] = (uint8_t)(bad[k] >> (8 * i));
            ck_assert_int_eq(field_vec_decode(f, buf, 3, back), CORE_EDECODE);
            felem e;
            ck_assert_int_eq(field_sample(f, buf + es, &e), 0);
        }
        for (size_t i = 0; i < es; i++)
            buf[i] = (uint8_t)((p - 1) >> (8 * i));
        ck_assert_int_eq(field_vec_decode(f, buf, 1, back), CORE_OK);
        ck_assert(to_int(f, back[0]) == p - 1);
    }
}
END_TEST

START_TEST(test_add_encoded)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        size_t es = field_encoded_size(f);
        felem a[8], b[8], sum[8];
        uint8_t ea[8 * 16], eb[8 * 16], copy[8 * 16];
        for (int i = 0; i < 8; i++) {
            a[i] = tu_rand_elem(f);
            b[i] = tu_rand_elem(f);
            sum[i] = field_add(f, a[i], b[i]);
        }
        field_vec_encode(f, a, 8, ea);
        field_vec_encode(f, b, 8, eb);
        ck_assert_int_eq(field_vec_add_encoded(f, ea, eb, 8), CORE_OK);
        ck_assert_int_eq(field_vec_decode(f, ea, 8, a), CORE_OK);
        for (int i = 0; i < 8; i++)
            ck_assert(field_eq(a[i], sum[i]));
        /* An unreduced input is rejected and the accumulator untouched. */
        for (size_t i = 0; i < es; i++)
            eb[5 * es + i] = 0xFF;
        for (size_t i = 0; i < 8 * es; i++)
            copy[i] = ea[i];
        ck_assert_int_eq(field_vec_add_encoded(f, ea, eb, 8), CORE_EDECODE);
        for (size_t i = 0; i < 8 * es; i++)
            ck_assert_int_eq(ea[i], copy[i]);
    }
}
END_TEST

/* Horner evaluation of coefficients c[0..n) at x. */
static felem horner(field_id f, const felem *c, size_t n, felem x)
{
    felem r = field_zero();
    for (size_t i = n; i-- > 0;)
        r = field_add(f, field_mul(f, r, x), c[i]);
    return r;
}

START_TEST(test_ntt)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        for (size_t n = 1; n <= 256; n *= 2) {
            felem roots[512], c[256], v[256];
            field_root_powers(f, 2 * n, roots);
            for (size_t i = 0; i < n; i++)
                c[i] = v[i] = tu_rand_elem(f);
            /* Stride 2 over the 2n-th roots gives the n-th roots. */
            field_ntt(f, v, n, roots, 2, 0);
            for (size_t i = 0; i < n; i++)
                ck_assert(field_eq(v[i], horner(f, c, n, roots[2 * i])));
            field_ntt(f, v, n, roots, 2, 1);
            felem n_inv = field_inv(f, field_from_u64(f, n));
            for (size_t i = 0; i < n; i++)
                ck_assert(field_eq(field_mul(f, v[i], n_inv), c[i]));
        }
    }
}
END_TEST

START_TEST(test_lagrange)
{
    for (int fi = 0; fi < 2; fi++) {
        field_id f = FIELDS[fi];
        const size_t n = 64;
        felem roots[64], w[64], basis[64], c[64], y[64];
        field_root_powers(f, n, roots);
        for (size_t m = 1; m <= n; m += 7) {
            /* A polynomial of degree < m, known by its values at the first
             * m n-th roots, evaluated elsewhere. */
            for (size_t i = 0; i < m; i++)
                c[i] = tu_rand_elem(f);
            for (size_t i = 0; i < m; i++)
                y[i] = horner(f, c, m, roots[i]);
            field_root_subset_weights(f, roots, n, m, w);
            for (size_t i = 0; i < m; i++) {
                felem d = field_one(f);
                for (size_t j = 0; j < m; j++)
                    if (j != i)
                        d = field_mul(f, d, field_sub(f, roots[i], roots[j]));
                ck_assert(field_eq(field_mul(f, d, w[i]), field_one(f)));
            }
            felem t = tu_rand_elem(f);
            field_lagrange_basis(f, roots, w, m, t, basis);
            ck_assert(field_eq(field_dot(f, y, basis, m), horner(f, c, m, t)));
            if (m < n) {
                field_lagrange_basis(f, roots, w, m, roots[n - 1], basis);
                ck_assert(field_eq(field_dot(f, y, basis, m), horner(f, c, m, roots[n - 1])));
            }
        }
    }
}
END_TEST

TU_MAIN("field", 60, test_arith_matches_reference, test_edge_values, test_field_laws,
        test_roots_of_unity, test_encoding, test_add_encoded, test_ntt, test_lagrange)
