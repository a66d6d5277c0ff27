/*
 * field.c - Field64 and Field128 of draft-irtf-cfrg-vdaf-18, Section 6.1:
 * conversions, encoding, exponentiation, NTT and Lagrange-basis helpers.
 * The element arithmetic itself is inline in field.h.
 */
#include "field.h"

#include <string.h>

/* 2^256 mod p: multiplying by it moves a Field128 value into Montgomery
 * form. Checked by test_field.c against an independent computation. */
static const felem F128_R2 = {0xFFFFFFFFFFFFFCF1ULL, 0x5587ULL};

/* The multiplicative generator 7 raised to the odd cofactor of p - 1
 * generates the subgroup of order 2^L (Section 6.1.2, gen()). */
#define F64_COFACTOR 4294967295ULL
#define F128_COFACTOR 4611686018427387897ULL

static uint64_t load64_le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void store64_le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* 1 if the canonical integer (lo, hi) is < p for field f, else 0. */
static uint64_t is_reduced(field_id f, uint64_t lo, uint64_t hi)
{
    if (f == FIELD64) {
        field_u128 d = (field_u128)lo - FIELD64_P;
        return (uint64_t)(d >> 127);
    }
    field_u128 t = (field_u128)lo - FIELD128_P0;
    uint64_t br = (uint64_t)(t >> 64) & 1;
    t = (field_u128)hi - FIELD128_P1 - br;
    return (uint64_t)(t >> 64) & 1;
}

static felem from_canonical(field_id f, uint64_t lo, uint64_t hi)
{
    felem r = {lo, hi};
    if (f == FIELD64)
        return r;
    return f128_mul(r, F128_R2);
}

felem field_from_u64(field_id f, uint64_t v)
{
    if (f == FIELD64) {
        felem r = {f64_reduce128(v), 0};
        return r;
    }
    return from_canonical(f, v, 0);
}

felem field_from_neg_u64(field_id f, uint64_t v)
{
    return field_neg(f, field_from_u64(f, v));
}

core_u128 field_to_u128(field_id f, felem a)
{
    core_u128 r = {a.lo, 0};
    if (f == FIELD128) {
        felem one = {1, 0};
        felem c = f128_mul(a, one);
        r.lo = c.lo;
        r.hi = c.hi;
    }
    return r;
}

/* a^e where e is given as little-endian 64-bit limbs (public). */
static felem pow_limbs(field_id f, felem a, const uint64_t *e, size_t limbs)
{
    felem r = field_one(f);
    for (size_t i = limbs; i-- > 0;) {
        for (int b = 63; b >= 0; b--) {
            r = field_mul(f, r, r);
            if ((e[i] >> b) & 1)
                r = field_mul(f, r, a);
        }
    }
    return r;
}

felem field_pow(field_id f, felem a, uint64_t e)
{
    return pow_limbs(f, a, &e, 1);
}

felem field_inv(field_id f, felem a)
{
    if (f == FIELD64) {
        uint64_t e = FIELD64_P - 2;
        return pow_limbs(f, a, &e, 1);
    }
    /* p - 2 = (P1, P0) - 2 = (P1 - 1) * 2^64 + (2^64 - 1) since P0 = 1. */
    const uint64_t e[2] = {0xFFFFFFFFFFFFFFFFULL, FIELD128_P1 - 1};
    return pow_limbs(f, a, e, 2);
}

void field_vec_encode(field_id f, const felem *v, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (f == FIELD64) {
            store64_le(out + 8 * i, v[i].lo);
        } else {
            core_u128 c = field_to_u128(f, v[i]);
            store64_le(out + 16 * i, c.lo);
            store64_le(out + 16 * i + 8, c.hi);
        }
    }
}

core_err field_vec_decode(field_id f, const uint8_t *in, size_t n, felem *out)
{
    size_t es = field_encoded_size(f);
    uint64_t ok = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t lo = load64_le(in + es * i);
        uint64_t hi = f == FIELD64 ? 0 : load64_le(in + es * i + 8);
        ok &= is_reduced(f, lo, hi);
        out[i] = from_canonical(f, lo, hi);
    }
    return core_err_unless(ok, CORE_EDECODE);
}

int field_sample(field_id f, const uint8_t *in, felem *out)
{
    uint64_t lo = load64_le(in);
    uint64_t hi = f == FIELD64 ? 0 : load64_le(in + 8);
    if (!is_reduced(f, lo, hi))
        return 0;
    *out = from_canonical(f, lo, hi);
    return 1;
}

core_err field_vec_add_encoded(field_id f, uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t es = field_encoded_size(f);
    uint64_t ok = 1;
    for (size_t i = 0; i < n; i++) {
        for (int side = 0; side < 2; side++) {
            const uint8_t *p = (side ? src : dst) + es * i;
            ok &= is_reduced(f, load64_le(p), f == FIELD64 ? 0 : load64_le(p + 8));
        }
    }
    /* Addition mod p is the same on canonical values as on any other
     * representation, so the values are added without conversion. Each sum
     * is kept only if every input was reduced (a mask, not a branch). */
    uint64_t keep = (uint64_t)0 - ok;
    for (size_t i = 0; i < n; i++) {
        uint8_t *d = dst + es * i;
        const uint8_t *s = src + es * i;
        felem a = {load64_le(d), f == FIELD64 ? 0 : load64_le(d + 8)};
        felem b = {load64_le(s), f == FIELD64 ? 0 : load64_le(s + 8)};
        felem r = field_select(keep, field_add(f, a, b), a);
        store64_le(d, r.lo);
        if (f == FIELD128)
            store64_le(d + 8, r.hi);
    }
    return core_err_unless(ok, CORE_EDECODE);
}

void field_vec_add(field_id f, felem *dst, const felem *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = field_add(f, dst[i], src[i]);
}

void field_vec_sub(field_id f, felem *dst, const felem *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = field_sub(f, dst[i], src[i]);
}

felem field_dot(field_id f, const felem *a, const felem *b, size_t n)
{
    felem acc = field_zero();
    for (size_t i = 0; i < n; i++)
        acc = field_add(f, acc, field_mul(f, a[i], b[i]));
    return acc;
}

felem field_root(field_id f, unsigned k)
{
    unsigned L = field_gen_order_log2(f);
    felem g = field_pow(f, field_from_u64(f, 7), f == FIELD64 ? F64_COFACTOR : F128_COFACTOR);
    for (unsigned i = k; i < L; i++)
        g = field_mul(f, g, g);
    return g;
}

void field_root_powers(field_id f, size_t n, felem *out)
{
    unsigned k = 0;
    while (((size_t)1 << k) < n)
        k++;
    felem w = field_root(f, k);
    felem acc = field_one(f);
    for (size_t i = 0; i < n; i++) {
        out[i] = acc;
        acc = field_mul(f, acc, w);
    }
}

void field_ntt(field_id f, felem *a, size_t n, const felem *roots, size_t stride, int inverse)
{
    if (n < 2)
        return;
    /* Bit-reversal permutation. */
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            felem t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        size_t half = len >> 1, step = n / len;
        for (size_t i = 0; i < n; i += len) {
            for (size_t j = 0; j < half; j++) {
                size_t k = j * step;
                felem w = roots[stride * (inverse && k != 0 ? n - k : k)];
                felem u = a[i + j];
                felem v = field_mul(f, a[i + j + half], w);
                a[i + j] = field_add(f, u, v);
                a[i + j + half] = field_sub(f, u, v);
            }
        }
    }
}

void field_root_subset_weights(field_id f, const felem *roots, size_t n, size_t m, felem *out)
{
    felem n_inv = field_inv(f, field_from_u64(f, (uint64_t)n));
    for (size_t i = 0; i < m; i++) {
        felem acc = field_mul(f, roots[i], n_inv);
        for (size_t j = m; j < n; j++)
            acc = field_mul(f, acc, field_sub(f, roots[i], roots[j]));
        out[i] = acc;
    }
}

void field_lagrange_basis(field_id f, const felem *x, const felem *w, size_t m, felem t, felem *out)
{
    /* out[i] = prod_{j < i} (t - x[j]), then times the suffix product. */
    felem acc = field_one(f);
    for (size_t i = 0; i < m; i++) {
        out[i] = acc;
        acc = field_mul(f, acc, field_sub(f, t, x[i]));
    }
    acc = field_one(f);
    for (size_t i = m; i-- > 0;) {
        out[i] = field_mul(f, field_mul(f, out[i], acc), w[i]);
        acc = field_mul(f, acc, field_sub(f, t, x[i]));
    }
}
