/*
 * keccak.c - Keccak-p[1600, 12] (FIPS 202, Section 3.3, with n_r = 12: the
 * last 12 of the 24 rounds of Keccak-f[1600]) and TurboSHAKE128 (RFC 9861,
 * Section 2.2: rate 168 bytes, message || D padded with pad10*1).
 *
 * The state is 25 lanes of 64 bits; byte i of the state is byte i % 8
 * (little-endian) of lane i / 8, so the code is endian-independent.
 */
#include "keccak.h"

#include "core.h"

/* Round constants of rounds 12..23 (FIPS 202, Section 3.2.5). */
static const uint64_t ROUND_CONSTANTS[12] = {
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Left rotation by n, 0 < n < 64 (rho offsets of FIPS 202, Table 2; the
 * zero offset of lane 0 is written without rotation below). */
#define ROTL(v, n) (((v) << (n)) | ((v) >> ((64 - (n)) & 63)))

/* Keccak-p[1600, 12] applied in place to the 25 lanes. */
static void keccak_p1600_12(uint64_t a[25])
{
    uint64_t b[25], c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    for (int round = 0; round < 12; round++) {
        /* theta */
        c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
        c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
        c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
        c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
        c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
        d0 = c4 ^ ROTL(c1, 1);
        d1 = c0 ^ ROTL(c2, 1);
        d2 = c1 ^ ROTL(c3, 1);
        d3 = c2 ^ ROTL(c4, 1);
        d4 = c3 ^ ROTL(c0, 1);
        /* rho and pi: b[y + 5 ((2x + 3y) mod 5)] = rot(a[x + 5y] ^ d[x]) */
        b[0] = a[0] ^ d0;
        b[10] = ROTL(a[1] ^ d1, 1);
        b[20] = ROTL(a[2] ^ d2, 62);
        b[5] = ROTL(a[3] ^ d3, 28);
        b[15] = ROTL(a[4] ^ d4, 27);
        b[16] = ROTL(a[5] ^ d0, 36);
        b[1] = ROTL(a[6] ^ d1, 44);
        b[11] = ROTL(a[7] ^ d2, 6);
        b[21] = ROTL(a[8] ^ d3, 55);
        b[6] = ROTL(a[9] ^ d4, 20);
        b[7] = ROTL(a[10] ^ d0, 3);
        b[17] = ROTL(a[11] ^ d1, 10);
        b[2] = ROTL(a[12] ^ d2, 43);
        b[12] = ROTL(a[13] ^ d3, 25);
        b[22] = ROTL(a[14] ^ d4, 39);
        b[23] = ROTL(a[15] ^ d0, 41);
        b[8] = ROTL(a[16] ^ d1, 45);
        b[18] = ROTL(a[17] ^ d2, 15);
        b[3] = ROTL(a[18] ^ d3, 21);
        b[13] = ROTL(a[19] ^ d4, 8);
        b[14] = ROTL(a[20] ^ d0, 18);
        b[24] = ROTL(a[21] ^ d1, 2);
        b[9] = ROTL(a[22] ^ d2, 61);
        b[19] = ROTL(a[23] ^ d3, 56);
        b[4] = ROTL(a[24] ^ d4, 14);
        /* chi */
        a[0] = b[0] ^ (~b[1] & b[2]);
        a[1] = b[1] ^ (~b[2] & b[3]);
        a[2] = b[2] ^ (~b[3] & b[4]);
        a[3] = b[3] ^ (~b[4] & b[0]);
        a[4] = b[4] ^ (~b[0] & b[1]);
        a[5] = b[5] ^ (~b[6] & b[7]);
        a[6] = b[6] ^ (~b[7] & b[8]);
        a[7] = b[7] ^ (~b[8] & b[9]);
        a[8] = b[8] ^ (~b[9] & b[5]);
        a[9] = b[9] ^ (~b[5] & b[6]);
        a[10] = b[10] ^ (~b[11] & b[12]);
        a[11] = b[11] ^ (~b[12] & b[13]);
        a[12] = b[12] ^ (~b[13] & b[14]);
        a[13] = b[13] ^ (~b[14] & b[10]);
        a[14] = b[14] ^ (~b[10] & b[11]);
        a[15] = b[15] ^ (~b[16] & b[17]);
        a[16] = b[16] ^ (~b[17] & b[18]);
        a[17] = b[17] ^ (~b[18] & b[19]);
        a[18] = b[18] ^ (~b[19] & b[15]);
        a[19] = b[19] ^ (~b[15] & b[16]);
        a[20] = b[20] ^ (~b[21] & b[22]);
        a[21] = b[21] ^ (~b[22] & b[23]);
        a[22] = b[22] ^ (~b[23] & b[24]);
        a[23] = b[23] ^ (~b[24] & b[20]);
        a[24] = b[24] ^ (~b[20] & b[21]);
        /* iota */
        a[0] ^= ROUND_CONSTANTS[round];
    }
    core_wipe(b, sizeof(b));
}

static void xor_byte(uint64_t *lanes, size_t i, uint8_t v)
{
    lanes[i / 8] ^= (uint64_t)v << (8 * (i % 8));
}

void tshake128_init(tshake *t, uint8_t domain)
{
    for (int i = 0; i < 25; i++)
        t->lanes[i] = 0;
    t->pos = 0;
    t->domain = domain;
    t->squeezing = 0;
}

void tshake_absorb(tshake *t, const uint8_t *in, size_t n)
{
    while (n > 0) {
        if (t->pos == 0 && n >= TSHAKE128_RATE) {
            /* Whole block: XOR lanes directly. */
            for (size_t l = 0; l < TSHAKE128_RATE / 8; l++) {
                uint64_t v = 0;
                for (int b = 7; b >= 0; b--)
                    v = (v << 8) | in[8 * l + (size_t)b];
                t->lanes[l] ^= v;
            }
            keccak_p1600_12(t->lanes);
            in += TSHAKE128_RATE;
            n -= TSHAKE128_RATE;
            continue;
        }
        xor_byte(t->lanes, t->pos++, *in++);
        n--;
        if (t->pos == TSHAKE128_RATE) {
            keccak_p1600_12(t->lanes);
            t->pos = 0;
        }
    }
}

void tshake_squeeze(tshake *t, uint8_t *out, size_t n)
{
    if (!t->squeezing) {
        xor_byte(t->lanes, t->pos, t->domain);
        xor_byte(t->lanes, TSHAKE128_RATE - 1, 0x80);
        keccak_p1600_12(t->lanes);
        t->pos = 0;
        t->squeezing = 1;
    }
    while (n > 0) {
        if (t->pos == TSHAKE128_RATE) {
            keccak_p1600_12(t->lanes);
            t->pos = 0;
        }
        *out++ = (uint8_t)(t->lanes[t->pos / 8] >> (8 * (t->pos % 8)));
        t->pos++;
        n--;
    }
}

void tshake_wipe(tshake *t)
{
    core_wipe(t, sizeof(*t));
}
