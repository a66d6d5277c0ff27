/*
 * test_hpke.c - HPKE (RFC 9180 base mode, X25519/HKDF-SHA256/AES-128-GCM):
 * round trips, the checks the RFC requires (low-order public keys give an
 * all-zero shared secret and are refused), authentication failures,
 * sequence numbers, exports and limits. The RFC's own vectors run through
 * mpc-vectors (make check-vectors).
 */
#include <check.h>
#include <string.h>

#include "hpke.h"
#include "testutil.h"

static void keypair(uint8_t sk[HPKE_NSK], uint8_t pk[HPKE_NPK])
{
    uint8_t ikm[32];
    tu_rand_bytes(ikm, sizeof(ikm));
    ck_assert_int_eq(hpke_derive_keypair(ikm, sizeof(ikm), sk, pk), CORE_OK);
}

START_TEST(test_round_trip)
{
    uint8_t sk[32], pk[32], ikm_e[32], enc[32], pt[300], ct[316], back[300];
    keypair(sk, pk);
    for (size_t len = 0; len <= sizeof(pt); len += 75) {
        tu_rand_bytes(pt, len);
        tu_rand_bytes(ikm_e, 32);
        ck_assert_int_eq(hpke_seal(pk, (const uint8_t *)"info", 4, (const uint8_t *)"aad", 3, pt,
                                   len, ikm_e, enc, ct),
                         CORE_OK);
        ck_assert_int_eq(hpke_open(sk, enc, (const uint8_t *)"info", 4, (const uint8_t *)"aad", 3,
                                   ct, len + HPKE_NT, back),
                         CORE_OK);
        ck_assert(memcmp(pt, back, len) == 0);
        /* The same with the public key given (a party's compute). */
        memset(back, 0, sizeof back);
        ck_assert_int_eq(hpke_open_known(sk, pk, enc, (const uint8_t *)"info", 4,
                                         (const uint8_t *)"aad", 3, ct, len + HPKE_NT, back),
                         CORE_OK);
        ck_assert(memcmp(pt, back, len) == 0);
    }
    uint8_t pk2[32];
    ck_assert_int_eq(hpke_public_key(sk, pk2), CORE_OK);
    ck_assert(memcmp(pk, pk2, 32) == 0);
}
END_TEST

START_TEST(test_refusals)
{
    uint8_t sk[32], pk[32], sk2[32], pk2[32], ikm_e[32], enc[32], pt[40], ct[56], back[40];
    keypair(sk, pk);
    keypair(sk2, pk2);
    tu_rand_bytes(pt, sizeof(pt));
    tu_rand_bytes(ikm_e, sizeof(ikm_e));
    const uint8_t *info = (const uint8_t *)"party 1", *aad = (const uint8_t *)"report";
    ck_assert_int_eq(hpke_seal(pk, info, 7, aad, 6, pt, 40, ikm_e, enc, ct), CORE_OK);
    /* Wrong key, wrong info, wrong aad, altered ciphertext or enc, short. */
    ck_assert_int_eq(hpke_open(sk2, enc, info, 7, aad, 6, ct, 56, back), CORE_EAUTH);
    for (size_t i = 0; i < sizeof(back); i++)
        ck_assert_int_eq(back[i], 0);
    /* A public key that is not the private key's: the key schedule differs. */
    ck_assert_int_eq(hpke_open_known(sk, pk2, enc, info, 7, aad, 6, ct, 56, back), CORE_EAUTH);
    ck_assert_int_eq(hpke_open_known(sk2, pk, enc, info, 7, aad, 6, ct, 56, back), CORE_EAUTH);
    ck_assert_int_eq(hpke_open(sk, enc, (const uint8_t *)"party 2", 7, aad, 6, ct, 56, back),
                     CORE_EAUTH);
    ck_assert_int_eq(hpke_open(sk, enc, info, 7, aad, 5, ct, 56, back), CORE_EAUTH);
    ct[20] ^= 4;
    ck_assert_int_eq(hpke_open(sk, enc, info, 7, aad, 6, ct, 56, back), CORE_EAUTH);
    ct[20] ^= 4;
    enc[3] ^= 1;
    core_err err = hpke_open(sk, enc, info, 7, aad, 6, ct, 56, back);
    ck_assert(err == CORE_EAUTH || err == CORE_EKEY);
    enc[3] ^= 1;
    ck_assert_int_eq(hpke_open(sk, enc, info, 7, aad, 6, ct, 15, back), CORE_EAUTH);
    ck_assert_int_eq(hpke_open(sk, enc, info, 7, aad, 6, ct, 56, back), CORE_OK);
}
END_TEST

START_TEST(test_low_order_points_refused)
{
    /* u-coordinates whose X25519 output is all zero for every private key
     * (points of small order, and their equivalents modulo p). */
    static const char *const points[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    uint8_t sk[32], pk[32], ikm_e[32], shared[32], enc[32], bad[32];
    keypair(sk, pk);
    tu_rand_bytes(ikm_e, sizeof(ikm_e));
    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
        tu_hex(points[i], bad);
        ck_assert_msg(hpke_encap(bad, ikm_e, shared, enc) == CORE_EKEY, "point %zu", i);
        ck_assert_msg(hpke_decap(bad, sk, shared) == CORE_EKEY, "point %zu", i);
    }
}
END_TEST

START_TEST(test_context_sequence_and_export)
{
    uint8_t sk[32], pk[32], ikm_e[32], enc[32];
    keypair(sk, pk);
    tu_rand_bytes(ikm_e, sizeof(ikm_e));
    hpke_ctx s, r;
    ck_assert_int_eq(hpke_setup_sender(&s, enc, pk, NULL, 0, ikm_e), CORE_OK);
    ck_assert_int_eq(hpke_setup_receiver(&r, enc, sk, NULL, 0), CORE_OK);
    uint8_t ct[3][21], pt[5], back[5];
    for (int i = 0; i < 3; i++) {
        memset(pt, 'a' + i, sizeof(pt));
        ck_assert_int_eq(hpke_ctx_seal(&s, NULL, 0, pt, 5, ct[i]), CORE_OK);
    }
    /* Messages must be opened in order: the second one fails first. */
    ck_assert_int_eq(hpke_ctx_open(&r, NULL, 0, ct[1], 21, back), CORE_EAUTH);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(hpke_ctx_open(&r, NULL, 0, ct[i], 21, back), CORE_OK);
        ck_assert_int_eq(back[0], 'a' + i);
    }
    uint8_t e1[64], e2[64];
    ck_assert_int_eq(hpke_ctx_export(&s, (const uint8_t *)"x", 1, e1, 64), CORE_OK);
    ck_assert_int_eq(hpke_ctx_export(&r, (const uint8_t *)"x", 1, e2, 64), CORE_OK);
    ck_assert(memcmp(e1, e2, 64) == 0);
    ck_assert_int_eq(hpke_ctx_export(&s, (const uint8_t *)"y", 1, e2, 64), CORE_OK);
    ck_assert(memcmp(e1, e2, 64) != 0);
    uint8_t big[255 * 32 + 1];
    ck_assert_int_eq(hpke_ctx_export(&s, NULL, 0, big, sizeof(big)), CORE_ELIMIT);
    ck_assert_int_eq(hpke_ctx_export(&s, NULL, 0, big, sizeof(big) - 1), CORE_OK);
    s.seq = UINT64_MAX;
    ck_assert_int_eq(hpke_ctx_seal(&s, NULL, 0, pt, 5, ct[0]), CORE_ELIMIT);
    hpke_ctx_wipe(&s);
    hpke_ctx_wipe(&r);
    for (size_t i = 0; i < sizeof(s.key); i++)
        ck_assert_int_eq(s.key[i], 0);
}
END_TEST

START_TEST(test_limits)
{
    uint8_t sk[32], pk[32], ikm[HPKE_MAX_INFO + 1] = {0}, enc[32], ct[16], shared[32];
    ck_assert_int_eq(hpke_derive_keypair(ikm, 31, sk, pk), CORE_EINVAL);
    ck_assert_int_eq(hpke_derive_keypair(ikm, HPKE_MAX_INFO + 1, sk, pk), CORE_EINVAL);
    ck_assert_int_eq(hpke_derive_keypair(ikm, HPKE_MAX_INFO, sk, pk), CORE_OK);
    /* Deterministic. */
    uint8_t sk2[32], pk2[32];
    ck_assert_int_eq(hpke_derive_keypair(ikm, HPKE_MAX_INFO, sk2, pk2), CORE_OK);
    ck_assert(memcmp(pk, pk2, 32) == 0 && memcmp(sk, sk2, 32) == 0);
    hpke_ctx c;
    tu_rand_bytes(shared, sizeof(shared));
    ck_assert_int_eq(hpke_key_schedule(&c, shared, ikm, HPKE_MAX_INFO + 1), CORE_ELIMIT);
    ck_assert_int_eq(hpke_key_schedule(&c, shared, ikm, HPKE_MAX_INFO), CORE_OK);
    ck_assert_int_eq(hpke_seal(pk, ikm, HPKE_MAX_INFO + 1, NULL, 0, NULL, 0, ikm, enc, ct),
                     CORE_ELIMIT);
}
END_TEST

TU_MAIN("hpke", 30, test_round_trip, test_refusals, test_low_order_points_refused,
        test_context_sequence_and_export, test_limits)
