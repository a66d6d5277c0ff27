/*
 * test_xof.c - XofTurboShake128 (draft-irtf-cfrg-vdaf-18, Section 6.2.1):
 * the draft's known answer, streaming versus one-shot construction, and
 * next_vec's raw output.
 */
#include <check.h>
#include <string.h>

#include "testutil.h"
#include "xof.h"

/* From test_vec/XofTurboShake128.json of the draft. */
#define SEED_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define DERIVED_HEX "b62ef0a2778190792d4d42d8c167ba20e0c37a3f319ba79645829c427d70eea5"
#define VEC_HEX_PREFIX                                                                             \
    "b62ef0a2778190792d4d42d8c167ba20e0c37a3f319ba79645829c427d70eea5"                             \
    "6d92fef65a07b17a0438e25452cdc7f15f63caf0e8a2a3c72ac69524729e64e0"
static const char DST[] = "domain separation tag";
static const char BINDER[] = "binder string";

START_TEST(test_known_answer)
{
    uint8_t seed[32], want[32], got[32];
    tu_hex(SEED_HEX, seed);
    tu_hex(DERIVED_HEX, want);
    xof_derive_seed(seed, 32, (const uint8_t *)DST, strlen(DST), (const uint8_t *)BINDER,
                    strlen(BINDER), got);
    ck_assert(memcmp(got, want, 32) == 0);

    uint8_t want_vec[64], enc[64], raw[64];
    felem v[4];
    tu_hex(VEC_HEX_PREFIX, want_vec);
    xof x;
    xof_init(&x, seed, 32, (const uint8_t *)DST, strlen(DST), (const uint8_t *)BINDER,
             strlen(BINDER));
    xof_next_vec(&x, FIELD128, v, raw, 4);
    field_vec_encode(FIELD128, v, 4, enc);
    ck_assert(memcmp(enc, want_vec, 64) == 0);
    ck_assert(memcmp(raw, want_vec, 64) == 0);
}
END_TEST

START_TEST(test_streaming_equals_one_shot)
{
    uint8_t seed[32], a[100], b[100];
    tu_rand_bytes(seed, sizeof(seed));
    xof x;
    xof_init(&x, seed, 32, (const uint8_t *)DST, strlen(DST), (const uint8_t *)BINDER,
             strlen(BINDER));
    xof_next(&x, a, sizeof(a));

    xof_begin(&x, strlen(DST));
    xof_absorb(&x, (const uint8_t *)DST, 6);
    xof_absorb(&x, (const uint8_t *)DST + 6, strlen(DST) - 6);
    xof_absorb_seed(&x, seed, 32);
    xof_absorb(&x, (const uint8_t *)BINDER, 3);
    xof_absorb(&x, (const uint8_t *)BINDER + 3, strlen(BINDER) - 3);
    xof_next(&x, b, 40);
    xof_next(&x, b + 40, 60);
    ck_assert(memcmp(a, b, sizeof(a)) == 0);
    xof_wipe(&x);
}
END_TEST

START_TEST(test_binding)
{
    /* Changing any input changes the stream. */
    uint8_t seed[32], base[32], other[32];
    tu_rand_bytes(seed, sizeof(seed));
    xof_derive_seed(seed, 32, (const uint8_t *)"ab", 2, (const uint8_t *)"c", 1, base);
    xof_derive_seed(seed, 32, (const uint8_t *)"a", 1, (const uint8_t *)"bc", 2, other);
    ck_assert(memcmp(base, other, 32) != 0);
    seed[31] ^= 1;
    xof_derive_seed(seed, 32, (const uint8_t *)"ab", 2, (const uint8_t *)"c", 1, other);
    ck_assert(memcmp(base, other, 32) != 0);
}
END_TEST

START_TEST(test_field64_vec)
{
    /* Field64 samples are 8-byte little-endian values below p. */
    uint8_t seed[32], raw[8 * 50];
    felem v[50];
    tu_rand_bytes(seed, sizeof(seed));
    xof x;
    xof_init(&x, seed, 32, NULL, 0, NULL, 0);
    xof_next_vec(&x, FIELD64, v, raw, 50);
    for (int i = 0; i < 50; i++) {
        uint64_t le = 0;
        for (int b = 7; b >= 0; b--)
            le = (le << 8) | raw[8 * i + b];
        ck_assert_uint_eq(le, v[i].lo);
        ck_assert(v[i].lo < FIELD64_P);
    }
}
END_TEST

TU_MAIN("xof", 10, test_known_answer, test_streaming_equals_one_shot, test_binding,
        test_field64_vec)
