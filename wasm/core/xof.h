/*
 * xof.h - XofTurboShake128 of draft-irtf-cfrg-vdaf-18, Section 6.2.1.
 *
 * The XOF stream for (seed, dst, binder) is TurboSHAKE128 with D = 0x01 over
 *     le16(len(dst)) || dst || u8(len(seed)) || seed || binder.
 * The message is absorbed piece by piece so that long binders (encoded
 * measurement shares) never need a buffer of their own:
 *
 *     xof_begin(&x, dst_len);            le16(len(dst))
 *     xof_absorb(&x, dst_part, n); ...   dst, in as many parts as needed
 *     xof_absorb_seed(&x, seed, 32);     u8(len(seed)) || seed
 *     xof_absorb(&x, binder_part, n); ...
 *     xof_next(&x, out, n); / xof_next_vec(&x, f, out, n);
 */
#ifndef MPC_XOF_H
#define MPC_XOF_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "keccak.h"

#define XOF_SEED_SIZE 32

typedef struct xof {
    tshake sponge;
} xof;

void xof_begin(xof *x, size_t dst_len);
void xof_absorb(xof *x, const uint8_t *data, size_t n);
void xof_absorb_seed(xof *x, const uint8_t *seed, size_t seed_len);

/* Next n bytes of the stream. */
void xof_next(xof *x, uint8_t *out, size_t n);

/* Next n field elements by rejection sampling (Section 6.2, next_vec). If
 * raw is not NULL it receives the canonical encoding of each element
 * (n * field_encoded_size(f) bytes), which is exactly the sampled bytes. */
void xof_next_vec(xof *x, field_id f, felem *out, uint8_t *raw, size_t n);

/* Wipes the state. */
void xof_wipe(xof *x);

/* One-shot helpers for the common case of a contiguous dst and binder. */
void xof_init(xof *x, const uint8_t *seed, size_t seed_len, const uint8_t *dst, size_t dst_len,
              const uint8_t *binder, size_t binder_len);

/* derive_seed: the first XOF_SEED_SIZE bytes of the stream. */
void xof_derive_seed(const uint8_t *seed, size_t seed_len, const uint8_t *dst, size_t dst_len,
                     const uint8_t *binder, size_t binder_len, uint8_t out[XOF_SEED_SIZE]);

#endif
