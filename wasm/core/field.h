/*
 * field.h - the prime fields of draft-irtf-cfrg-vdaf-18, Section 6.1.
 *
 *   Field64:  p = 2^32 * 4294967295 + 1          (= 2^64 - 2^32 + 1)
 *   Field128: p = 2^66 * 4611686018427387897 + 1 (= 2^128 - 28 * 2^64 + 1)
 *
 * Both are NTT-friendly (Section 6.1.2): Field64's generator has order 2^32,
 * Field128's has order 2^66. Elements are held in an `felem`: Field64 in
 * canonical form in `lo` (hi = 0), Field128 in Montgomery form (x * 2^128
 * mod p). Every element held in an felem is fully reduced (< p), so two
 * elements are equal exactly when their words are equal.
 *
 * Constant time: the arithmetic below has no branches and no memory
 * accesses that depend on element values. Carries, borrows and conditional
 * subtractions are turned into all-zero/all-one masks. The only branch on
 * the field id is on a public parameter. tests/ct/ checks this with
 * valgrind (secret inputs marked undefined; memcheck flags any branch or
 * address computed from them).
 */
#ifndef MPC_FIELD_H
#define MPC_FIELD_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

__extension__ typedef unsigned __int128 field_u128;

typedef enum field_id { FIELD64 = 0, FIELD128 = 1 } field_id;

typedef struct felem {
    uint64_t lo, hi;
} felem;

#define FIELD64_P 0xFFFFFFFF00000001ULL
#define FIELD128_P0 0x0000000000000001ULL
#define FIELD128_P1 0xFFFFFFFFFFFFFFE4ULL
#define FIELD_MAX_ENCODED_SIZE 16

/* Number of bytes of an encoded element: 8 or 16. */
static inline size_t field_encoded_size(field_id f)
{
    return f == FIELD64 ? 8 : 16;
}

/* log2 of the order of the field's NTT generator: 32 or 66. */
static inline unsigned field_gen_order_log2(field_id f)
{
    return f == FIELD64 ? 32 : 66;
}

/* ---- Field64 ------------------------------------------------------- */

/* Mask of all ones when the top bit of the 128-bit value is set. */
static inline uint64_t field_mask_top(field_u128 x)
{
    return (uint64_t)0 - (uint64_t)(x >> 127);
}

static inline uint64_t f64_add(uint64_t a, uint64_t b)
{
    field_u128 s = (field_u128)a + b;
    field_u128 d = s - FIELD64_P;
    uint64_t keep = field_mask_top(d); /* s < p: keep s */
    return ((uint64_t)s & keep) | ((uint64_t)d & ~keep);
}

static inline uint64_t f64_sub(uint64_t a, uint64_t b)
{
    field_u128 d = (field_u128)a - b;
    return (uint64_t)d + (FIELD64_P & field_mask_top(d));
}

/* Reduces a 128-bit product using 2^64 = 2^32 - 1 and 2^96 = -1 (mod p). */
static inline uint64_t f64_reduce128(field_u128 x)
{
    const uint64_t eps = 0xFFFFFFFFULL; /* 2^64 mod p */
    uint64_t lo = (uint64_t)x;
    uint64_t hi = (uint64_t)(x >> 64);
    uint64_t hh = hi >> 32, hl = hi & eps;
    field_u128 d = (field_u128)lo - hh;
    uint64_t t0 = (uint64_t)d - (eps & (uint64_t)(d >> 64));
    uint64_t t1 = (hl << 32) - hl;
    field_u128 s = (field_u128)t0 + t1;
    uint64_t r = (uint64_t)s + (eps & ((uint64_t)0 - (uint64_t)(s >> 64)));
    field_u128 c = (field_u128)r + eps; /* carries iff r >= p */
    uint64_t sub = (uint64_t)0 - (uint64_t)(c >> 64);
    return (r & ~sub) | ((uint64_t)c & sub);
}

static inline uint64_t f64_mul(uint64_t a, uint64_t b)
{
    return f64_reduce128((field_u128)a * b);
}

/* ---- Field128 (Montgomery form, R = 2^128) -------------------------- */

static inline felem f128_add(felem a, felem b)
{
    field_u128 t = (field_u128)a.lo + b.lo;
    uint64_t s0 = (uint64_t)t;
    t = (field_u128)a.hi + b.hi + (uint64_t)(t >> 64);
    uint64_t s1 = (uint64_t)t, s2 = (uint64_t)(t >> 64);
    t = (field_u128)s0 - FIELD128_P0;
    uint64_t d0 = (uint64_t)t, br = (uint64_t)(t >> 64) & 1;
    t = (field_u128)s1 - FIELD128_P1 - br;
    uint64_t d1 = (uint64_t)t;
    br = (uint64_t)(t >> 64) & 1;
    uint64_t keep = (uint64_t)0 - (br & (s2 ^ 1)); /* s < p */
    felem r = {(s0 & keep) | (d0 & ~keep), (s1 & keep) | (d1 & ~keep)};
    return r;
}

static inline felem f128_sub(felem a, felem b)
{
    field_u128 t = (field_u128)a.lo - b.lo;
    uint64_t d0 = (uint64_t)t, br = (uint64_t)(t >> 64) & 1;
    t = (field_u128)a.hi - b.hi - br;
    uint64_t d1 = (uint64_t)t;
    uint64_t mask = (uint64_t)0 - ((uint64_t)(t >> 64) & 1);
    t = (field_u128)d0 + (FIELD128_P0 & mask);
    felem r;
    r.lo = (uint64_t)t;
    r.hi = d1 + (FIELD128_P1 & mask) + (uint64_t)(t >> 64);
    return r;
}

/* Montgomery multiplication: a * b / 2^128 mod p. Since p = 1 mod 2^64,
 * -p^-1 mod 2^64 is 2^64 - 1, so each reduction digit is just -T_i. */
static inline felem f128_mul(felem a, felem b)
{
    field_u128 ll = (field_u128)a.lo * b.lo, lh = (field_u128)a.lo * b.hi;
    field_u128 hl = (field_u128)a.hi * b.lo, hh = (field_u128)a.hi * b.hi;
    uint64_t t0 = (uint64_t)ll;
    field_u128 t = (ll >> 64) + (uint64_t)lh + (uint64_t)hl;
    uint64_t t1 = (uint64_t)t;
    t = (t >> 64) + (lh >> 64) + (hl >> 64) + (uint64_t)hh;
    uint64_t t2 = (uint64_t)t;
    t = (t >> 64) + (hh >> 64);
    uint64_t t3 = (uint64_t)t;

    uint64_t m = (uint64_t)0 - t0;
    t = (field_u128)t0 + m;
    t = (field_u128)t1 + (field_u128)m * FIELD128_P1 + (uint64_t)(t >> 64);
    t1 = (uint64_t)t;
    t = (field_u128)t2 + (uint64_t)(t >> 64);
    t2 = (uint64_t)t;
    t = (field_u128)t3 + (uint64_t)(t >> 64);
    t3 = (uint64_t)t;
    uint64_t t4 = (uint64_t)(t >> 64);

    m = (uint64_t)0 - t1;
    t = (field_u128)t1 + m;
    t = (field_u128)t2 + (field_u128)m * FIELD128_P1 + (uint64_t)(t >> 64);
    t2 = (uint64_t)t;
    t = (field_u128)t3 + (uint64_t)(t >> 64);
    t3 = (uint64_t)t;
    t4 += (uint64_t)(t >> 64);

    /* Result (t2, t3, t4) < 2p: subtract p once unless that borrows. */
    t = (field_u128)t2 - FIELD128_P0;
    uint64_t d0 = (uint64_t)t, br = (uint64_t)(t >> 64) & 1;
    t = (field_u128)t3 - FIELD128_P1 - br;
    uint64_t d1 = (uint64_t)t;
    br = (uint64_t)(t >> 64) & 1;
    uint64_t keep = (uint64_t)0 - (br & (t4 ^ 1));
    felem r = {(t2 & keep) | (d0 & ~keep), (t3 & keep) | (d1 & ~keep)};
    return r;
}

/* ---- Generic element operations ------------------------------------ */

static inline felem field_zero(void)
{
    felem z = {0, 0};
    return z;
}

static inline felem field_one(field_id f)
{
    /* Field128: 2^128 mod p = 28 * 2^64 - 1, the Montgomery form of 1. */
    felem r = {f == FIELD64 ? 1 : 0xFFFFFFFFFFFFFFFFULL, f == FIELD64 ? 0 : 27};
    return r;
}

static inline felem field_add(field_id f, felem a, felem b)
{
    if (f == FIELD64) {
        felem r = {f64_add(a.lo, b.lo), 0};
        return r;
    }
    return f128_add(a, b);
}

static inline felem field_sub(field_id f, felem a, felem b)
{
    if (f == FIELD64) {
        felem r = {f64_sub(a.lo, b.lo), 0};
        return r;
    }
    return f128_sub(a, b);
}

static inline felem field_neg(field_id f, felem a)
{
    return field_sub(f, field_zero(), a);
}

static inline felem field_mul(field_id f, felem a, felem b)
{
    if (f == FIELD64) {
        felem r = {f64_mul(a.lo, b.lo), 0};
        return r;
    }
    return f128_mul(a, b);
}

/* Equality of two reduced elements, as 0 or 1, without a branch. */
static inline int field_eq(felem a, felem b)
{
    uint64_t d = (a.lo ^ b.lo) | (a.hi ^ b.hi);
    return (int)(1 & (((d | ((uint64_t)0 - d)) >> 63) ^ 1));
}

static inline int field_is_zero(felem a)
{
    return field_eq(a, field_zero());
}

/* All-ones mask -> a, zero mask -> b. */
static inline felem field_select(uint64_t mask, felem a, felem b)
{
    felem r = {(a.lo & mask) | (b.lo & ~mask), (a.hi & mask) | (b.hi & ~mask)};
    return r;
}

/* The element with integer value v (reduced mod p for Field64). */
felem field_from_u64(field_id f, uint64_t v);

/* The element with value -v. */
felem field_from_neg_u64(field_id f, uint64_t v);

/* The integer value in [0, p) of an element. */
core_u128 field_to_u128(field_id f, felem a);

/* a^e for a public exponent e (branches on the bits of e only). */
felem field_pow(field_id f, felem a, uint64_t e);

/* a^-1 (a^(p-2)); the inverse of 0 is 0. Constant time in a. */
felem field_inv(field_id f, felem a);

/* ---- Encoding (Section 6.1: little-endian, fixed width) ------------- */

/* Writes n elements as n * field_encoded_size(f) bytes. */
void field_vec_encode(field_id f, const felem *v, size_t n, uint8_t *out);

/* Reads n elements from n * field_encoded_size(f) bytes. Fails with
 * CORE_EDECODE if any value is >= p; the check does not stop early, so its
 * timing does not depend on which element (if any) is out of range. */
CORE_MUST_CHECK core_err field_vec_decode(field_id f, const uint8_t *in, size_t n, felem *out);

/* Rejection sampling step of the XOF (Section 6.2): interprets
 * field_encoded_size(f) little-endian bytes as an integer; returns 1 and
 * the element if it is < p, else 0. */
int field_sample(field_id f, const uint8_t *in, felem *out);

/* dst[i] += src[i] for i < n, on encoded vectors (values are added in
 * canonical form, which needs no conversion). Fails with CORE_EDECODE if
 * an input is not reduced; dst is then unchanged. */
CORE_MUST_CHECK core_err field_vec_add_encoded(field_id f, uint8_t *dst, const uint8_t *src,
                                               size_t n);

/* ---- Vectors --------------------------------------------------------- */

void field_vec_add(field_id f, felem *dst, const felem *src, size_t n);
void field_vec_sub(field_id f, felem *dst, const felem *src, size_t n);

/* Sum of a[i] * b[i]. */
felem field_dot(field_id f, const felem *a, const felem *b, size_t n);

/* ---- NTT and polynomials in the Lagrange basis (Section 6.1.2) ------ */

/* The principal 2^k-th root of unity gen^(2^(L-k)), for k <= L. */
felem field_root(field_id f, unsigned k);

/* out[i] = w^i for i < n, where w is the principal n-th root of unity and
 * n is a power of two no larger than 2^L. */
void field_root_powers(field_id f, size_t n, felem *out);

/* In-place NTT of size n (a power of two): a holds coefficients c_j and
 * becomes the values sum_j c_j w^(ij), where w^k = roots[k * stride] for
 * k < n (roots from field_root_powers(f, n * stride)). With inverse set,
 * uses w^-1 instead: values at w^i -> n times the coefficients (the caller
 * scales by 1/n, which it can compute once). */
void field_ntt(field_id f, felem *a, size_t n, const felem *roots, size_t stride, int inverse);

/* Barycentric weights of the first m of the n-th roots of unity x_i = w^i
 * (m <= n, n a power of two): out[i] = 1 / prod_{j < m, j != i} (x_i - x_j),
 * computed without inversion as (x_i / n) * prod_{m <= j < n} (x_i - x_j).
 * roots holds the n powers of w. O(m * (n - m)). */
void field_root_subset_weights(field_id f, const felem *roots, size_t n, size_t m, felem *out);

/* Lagrange basis at t: out[i] = w[i] * prod_{j != i} (t - x[j]), so that a
 * polynomial of degree < m with values y at x has value sum y[i] out[i] at
 * t. O(m), no scratch. */
void field_lagrange_basis(field_id f, const felem *x, const felem *w, size_t m, felem t,
                          felem *out);

#endif
