/*
 * xof.c - XofTurboShake128 (draft-irtf-cfrg-vdaf-18, Section 6.2.1) and the
 * derived methods derive_seed / next_vec of Section 6.2.
 */
#include "xof.h"

#include "core.h"

/* Domain separation byte of TurboSHAKE128 used by XofTurboShake128. */
#define XOF_TURBOSHAKE_DOMAIN 0x01

void xof_begin(xof *x, size_t dst_len)
{
    uint8_t len[2] = {(uint8_t)dst_len, (uint8_t)(dst_len >> 8)};
    tshake128_init(&x->sponge, XOF_TURBOSHAKE_DOMAIN);
    tshake_absorb(&x->sponge, len, sizeof(len));
}

void xof_absorb(xof *x, const uint8_t *data, size_t n)
{
    tshake_absorb(&x->sponge, data, n);
}

void xof_absorb_seed(xof *x, const uint8_t *seed, size_t seed_len)
{
    uint8_t len = (uint8_t)seed_len;
    tshake_absorb(&x->sponge, &len, 1);
    tshake_absorb(&x->sponge, seed, seed_len);
}

void xof_next(xof *x, uint8_t *out, size_t n)
{
    tshake_squeeze(&x->sponge, out, n);
}

void xof_next_vec(xof *x, field_id f, felem *out, uint8_t *raw, size_t n)
{
    size_t es = field_encoded_size(f);
    uint8_t buf[FIELD_MAX_ENCODED_SIZE];
    size_t i = 0;
    while (i < n) {
        tshake_squeeze(&x->sponge, buf, es);
        /* The mask of Section 6.2 is 2^(8 * es) - 1 for both fields (their
         * moduli are just below a power of 2^64), so no bits are cleared.
         * Rejection reveals only that a discarded sample was >= p. */
        if (field_sample(f, buf, &out[i])) {
            if (raw != NULL) {
                for (size_t b = 0; b < es; b++)
                    raw[es * i + b] = buf[b];
            }
            i++;
        }
    }
    core_wipe(buf, sizeof(buf));
}

void xof_wipe(xof *x)
{
    tshake_wipe(&x->sponge);
}

void xof_init(xof *x, const uint8_t *seed, size_t seed_len, const uint8_t *dst, size_t dst_len,
              const uint8_t *binder, size_t binder_len)
{
    xof_begin(x, dst_len);
    xof_absorb(x, dst, dst_len);
    xof_absorb_seed(x, seed, seed_len);
    xof_absorb(x, binder, binder_len);
}

void xof_derive_seed(const uint8_t *seed, size_t seed_len, const uint8_t *dst, size_t dst_len,
                     const uint8_t *binder, size_t binder_len, uint8_t out[XOF_SEED_SIZE])
{
    xof x;
    xof_init(&x, seed, seed_len, dst, dst_len, binder, binder_len);
    xof_next(&x, out, XOF_SEED_SIZE);
    xof_wipe(&x);
}
