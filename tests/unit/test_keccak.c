/*
 * test_keccak.c - Keccak-p[1600,12] and TurboSHAKE128 against the examples
 * of RFC 9861, Section 5, and incremental use against one-shot use.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "testutil.h"

/* ptn(n) of RFC 9861: the bytes 00 01 .. FA repeated. */
static uint8_t *ptn(size_t n)
{
    uint8_t *b = malloc(n + 1);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i % 251);
    return b;
}

static void turboshake(const uint8_t *m, size_t n, uint8_t d, uint8_t *out, size_t len)
{
    tshake t;
    tshake128_init(&t, d);
    tshake_absorb(&t, m, n);
    tshake_squeeze(&t, out, len);
}

static const struct {
    size_t ptn_len;
    uint8_t domain;
    size_t out_len;
    const char *expect;
} RFC9861[] = {
    {0, 0x1F, 32, "1e415f1c5983aff2169217277d17bb538cd945a397ddec541f1ce41af2c1b74c"},
    {0, 0x1F, 64,
     "1e415f1c5983aff2169217277d17bb538cd945a397ddec541f1ce41af2c1b74c"
     "3e8ccae2a4dae56c84a04c2385c03c15e8193bdf58737363321691c05462c8df"},
    {1, 0x1F, 32, "55cedd6f60af7bb29a4042ae832ef3f58db7299f893ebb9247247d856958daa9"},
    {17, 0x1F, 32, "9c97d036a3bac819db70ede0ca554ec6e4c2a1a4ffbfd9ec269ca6a111161233"},
    {289, 0x1F, 32, "96c77c279e0126f7fc07c9b07f5cdae1e0be60bdbe10620040e75d7223a624d2"},
    {4913, 0x1F, 32, "d4976eb56bcf118520582b709f73e1d6853e001fdaf80e1b13e0d0599d5fb372"},
    {83521, 0x1F, 32, "da67c7039e98bf530cf7a37830c6664e14cbab7f540f58403b1b82951318ee5c"},
    {0, 0x07, 32, "5a223ad30b3b8c66a243048cfced430f54e7529287d15150b973133adfac6a2f"},
};

START_TEST(test_rfc9861_examples)
{
    for (size_t i = 0; i < sizeof(RFC9861) / sizeof(RFC9861[0]); i++) {
        uint8_t *m = ptn(RFC9861[i].ptn_len), out[64], want[64];
        turboshake(m, RFC9861[i].ptn_len, RFC9861[i].domain, out, RFC9861[i].out_len);
        tu_hex(RFC9861[i].expect, want);
        ck_assert_msg(memcmp(out, want, RFC9861[i].out_len) == 0, "RFC 9861 example %zu", i);
        free(m);
    }
}
END_TEST

START_TEST(test_long_output)
{
    /* RFC 9861: TurboSHAKE128(M = empty, D = 1F, 10032), last 32 bytes. */
    uint8_t *out = malloc(10032), want[32];
    ck_assert_ptr_nonnull(out);
    turboshake(NULL, 0, 0x1F, out, 10032);
    tu_hex("a3b9b0385900ce761f22aed548e754da10a5242d62e8c658e3f3a923a7555607", want);
    ck_assert(memcmp(out + 10000, want, 32) == 0);
    free(out);
}
END_TEST

START_TEST(test_incremental)
{
    /* Any split of the input and of the output gives the same stream. */
    uint8_t *m = ptn(1000), whole[500], part[500];
    turboshake(m, 1000, 0x01, whole, sizeof(whole));
    for (int trial = 0; trial < 200; trial++) {
        tshake t;
        tshake128_init(&t, 0x01);
        size_t in = 0;
        while (in < 1000) {
            size_t n = tu_rand_below(400);
            if (n > 1000 - in)
                n = 1000 - in;
            tshake_absorb(&t, m + in, n);
            in += n;
        }
        size_t out = 0;
        while (out < sizeof(part)) {
            size_t n = tu_rand_below(200);
            if (n > sizeof(part) - out)
                n = sizeof(part) - out;
            tshake_squeeze(&t, part + out, n);
            out += n;
        }
        ck_assert(memcmp(whole, part, sizeof(whole)) == 0);
    }
    free(m);
}
END_TEST

START_TEST(test_domain_and_wipe)
{
    uint8_t a[32], b[32];
    turboshake((const uint8_t *)"x", 1, 0x01, a, 32);
    turboshake((const uint8_t *)"x", 1, 0x02, b, 32);
    ck_assert(memcmp(a, b, 32) != 0);
    tshake t;
    tshake128_init(&t, 0x01);
    tshake_absorb(&t, a, 32);
    tshake_wipe(&t);
    for (int i = 0; i < 25; i++)
        ck_assert_uint_eq(t.lanes[i], 0);
}
END_TEST

TU_MAIN("keccak", 10, test_rfc9861_examples, test_long_output, test_incremental,
        test_domain_and_wipe)
