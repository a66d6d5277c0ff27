/*
 * keccak.h - Keccak-p[1600, 12] and TurboSHAKE128 (RFC 9861, Section 2).
 *
 * mbedTLS 2.28 has no SHA-3 family, so the permutation is implemented here
 * and checked against RFC 9861's examples (tests/unit/test_keccak.c) and the
 * VDAF draft's XofTurboShake128 vectors.
 *
 * Usage: tshake128_init(), any number of tshake_absorb(), then any number
 * of tshake_squeeze() (absorbing after the first squeeze is not allowed).
 */
#ifndef MPC_KECCAK_H
#define MPC_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define TSHAKE128_RATE 168

typedef struct tshake {
    uint64_t lanes[25];
    size_t pos;     /* bytes absorbed into, or squeezed from, the block */
    uint8_t domain; /* domain separation byte D, 0x01..0x7F */
    int squeezing;
} tshake;

/* Starts TurboSHAKE128 with domain separation byte D (0x01..0x7F). */
void tshake128_init(tshake *t, uint8_t domain);

void tshake_absorb(tshake *t, const uint8_t *in, size_t n);

void tshake_squeeze(tshake *t, uint8_t *out, size_t n);

/* Wipes the sponge state. */
void tshake_wipe(tshake *t);

#endif
