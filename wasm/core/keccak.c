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

/* Rotation offsets r[x + 5y] of the rho step (FIPS 202, Table 2). */
static const unsigned RHO[25] = {
    0,  1,  62, 28, 27, /* y = 0 */
    36, 44, 6,  55, 20, /* y = 1 */
    3,  10, 43, 25, 39, /* y = 2 */
    41, 45, 15, 21, 8,  /* y = 3 */
    18, 2,  61, 56, 14, /* y = 4 */
};

static uint64_t rotl(uint64_t v, unsigned n)
{
    return n == 0 ? v : (v << n) | (v >> (64 - n));
}

void keccak_p1600_12(uint64_t a[25])
{
    for (int round = 0; round < 12; round++) {
        /* theta */
        uint64_t c[5], d[5];
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        /* rho and pi: B[y][2x + 3y] = rot(A[x][y], r[x][y]) */
        uint64_t b[25];
        for (int x = 0; x < 5; x++) {
            for (int y = 0; y < 5; y++) {
                int nx = y, ny = (2 * x + 3 * y) % 5;
                b[nx + 5 * ny] = rotl(a[x + 5 * y], RHO[x + 5 * y]);
            }
        }
        /* chi */
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        /* iota */
        a[0] ^= ROUND_CONSTANTS[round];
    }
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
