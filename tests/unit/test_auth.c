/*
 * test_auth.c - the party's authentication (backend/party/auth.h) with the
 * real signing code (backend/lib/reqsign.h) on the example study sealed
 * for 3 parties: a request signed for one party is refused by every
 * other, with the reason named, and its recipient cannot be changed; the
 * organizer signs for the leader only. A party's approval statement
 * verifies for its own index, study and key only. Sign-in throttling:
 * failures count per client, one client's never lock out another, an
 * attempt is reserved before its hash (one at a time per client,
 * AUTH_MAX_HASHING on the whole server), the wait doubles, and the table
 * of clients is bounded, the one idle longest evicted. (The admin file here uses 1,000
 * PBKDF2 iterations, the least auth_new accepts, to keep the test quick.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#include "auth.h"
#include "example_study.h"
#include "fileio.h"
#include "hex.h"
#include "reqsign.h"
#include "testutil.h"

#define PARTIES 3
#define NOW 1700000000
#define PASSWORD "correct horse battery staple"

static study *s;
static party_keys keys[PARTIES];
static organizer_keys org;
static char dir[64];

static void setup(void)
{
    char err[256], *text = NULL;
    ck_assert_msg(example_study_seal("schema/studies/pay-equity.json", PARTIES, keys, &org, &text,
                                     &s, err, sizeof err) == 0,
                  "%s", err);
    free(text);
    /* DIR/admin.json for PASSWORD, 1,000 iterations. */
    snprintf(dir, sizeof dir, "/tmp/test_auth_%ld", (long)getpid());
    ck_assert_int_eq(fileio_mkdirs(dir), 0);
    uint8_t salt[16] = {1, 2, 3}, hash[32];
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    ck_assert_int_eq(mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1), 0);
    ck_assert_int_eq(mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)PASSWORD,
                                               strlen(PASSWORD), salt, sizeof salt, 1000,
                                               sizeof hash, hash),
                     0);
    mbedtls_md_free(&md);
    char salt_hex[33], hash_hex[65], json[256], path[128];
    hex_encode(salt, sizeof salt, salt_hex);
    hex_encode(hash, sizeof hash, hash_hex);
    int n = snprintf(json, sizeof json,
                     "{\"format\": \"mpc-admin/1\", \"algorithm\": \"pbkdf2-hmac-sha256\", "
                     "\"iterations\": 1000, \"salt\": \"%s\", \"hash\": \"%s\"}",
                     salt_hex, hash_hex);
    snprintf(path, sizeof path, "%s/%s", dir, AUTH_ADMIN_FILE);
    ck_assert_int_eq(fileio_write(path, json, (size_t)n, 0600, 0), 0);
}

static void teardown(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, AUTH_ADMIN_FILE);
    unlink(path);
    rmdir(dir);
    study_free(s);
}

static auth *new_auth(void)
{
    auth *a;
    char err[256];
    ck_assert_msg(auth_new(dir, &a, err, sizeof err) == 0, "%s", err);
    return a;
}

static auth_peer_headers headers_of(const reqsign_headers *h)
{
    return (auth_peer_headers){h->who, h->to, h->time, h->nonce, h->signature};
}

/* Verifies h at party self (a fresh nonce cache): the sender, or -1. */
static int verify_at(unsigned self, const auth_peer_headers *h, const char *body, char *err)
{
    auth *a = new_auth();
    int who = auth_peer_verify(a, s, self, "POST", "/api/peer/compute/release",
                               (const uint8_t *)body, strlen(body), h, NOW, err, 256);
    auth_free(a);
    return who;
}

START_TEST(test_peer_recipient)
{
    const char *body = "{\"compute\": \"00\"}";
    reqsign_headers h;
    ck_assert_int_eq(reqsign_sign(keys[0].sign_sk, REQSIGN_PEER_PREFIX, "0", 1, study_hash(s),
                                  "POST", "/api/peer/compute/release", body, strlen(body), NOW, &h),
                     0);
    ck_assert_str_eq(h.to, "1");
    ck_assert_str_eq(h.lines[1], "X-MPC-To: 1");
    ck_assert_ptr_null(h.list[5]);
    char err[256];
    auth_peer_headers ph = headers_of(&h);
    ck_assert_int_eq(verify_at(1, &ph, body, err), 0);
    /* The same request at Party 3 (its nonce never seen there). */
    ck_assert_int_eq(verify_at(2, &ph, body, err), -1);
    ck_assert_msg(strstr(err, "signed for party 2 (X-MPC-To: 1), not for this party (3)") != NULL,
                  "%s", err);
    /* ... claiming Party 3 as the recipient: the signature covers it. */
    ph.to = "2";
    ck_assert_int_eq(verify_at(2, &ph, body, err), -1);
    ck_assert_str_eq(err, "invalid signature");
    /* No recipient: not a signed request. */
    ph.to = NULL;
    ck_assert_int_eq(verify_at(1, &ph, body, err), -1);
    ck_assert_msg(strstr(err, "X-MPC-To") != NULL, "%s", err);
    ph.to = "9";
    ck_assert_int_eq(verify_at(1, &ph, body, err), -1);
    ck_assert_str_eq(err, "malformed signature headers");
}
END_TEST

START_TEST(test_organizer_recipient)
{
    reqsign_headers h;
    ck_assert_int_eq(reqsign_sign(org.sign_sk, REQSIGN_ORGANIZER_PREFIX, REQSIGN_ORGANIZER, 0,
                                  study_hash(s), "POST", "/api/peer/compute/release", "", 0, NOW,
                                  &h),
                     0);
    char err[256];
    auth_peer_headers ph = headers_of(&h);
    ck_assert_int_eq(verify_at(0, &ph, "", err), AUTH_ORGANIZER);
    ck_assert_int_eq(verify_at(1, &ph, "", err), -1);
    ck_assert_msg(strstr(err, "signed for party 1") != NULL, "%s", err);
}
END_TEST

START_TEST(test_message_names_recipient)
{
    char m1[1024], m2[1024];
    int n1 = reqsign_message(study_hash(s), 1, "GET", "/api/peer/hello", "1", "ab", "", 0, m1,
                             sizeof m1);
    int n2 = reqsign_message(study_hash(s), 2, "GET", "/api/peer/hello", "1", "ab", "", 0, m2,
                             sizeof m2);
    ck_assert_int_gt(n1, 0);
    ck_assert_int_eq(n1, n2);
    ck_assert_int_eq(strncmp(m1, "1\nGET\n/api/peer/hello\n1\nab\n", 26), 0);
    ck_assert_int_ne(strcmp(m1, m2), 0);
    ck_assert_str_eq(REQSIGN_PEER_PREFIX, "mpc-peer/2");
    ck_assert_str_eq(REQSIGN_ORGANIZER_PREFIX, "mpc-organizer/2");
}
END_TEST

/* A party's approval statement: its key over the study hash and its own
 * index; no other index, study or key passes, nor a damaged statement. */
START_TEST(test_approval_statement)
{
    uint8_t sig[SIGN_SIG_SIZE], again[SIGN_SIG_SIZE], other[32];
    const uint8_t *h = study_hash(s);
    ck_assert_str_eq(REQSIGN_APPROVAL_PREFIX, "mpc-approval/1");
    for (unsigned i = 0; i < PARTIES; i++) {
        ck_assert_int_eq(reqsign_approval(keys[i].sign_sk, h, i, sig), 0);
        ck_assert_int_eq(reqsign_approval_verify(study_party_signing_key(s, i), h, i, sig), 0);
        /* Deterministic (RFC 6979): made on demand, the same each time. */
        ck_assert_int_eq(reqsign_approval(keys[i].sign_sk, h, i, again), 0);
        ck_assert_mem_eq(sig, again, sizeof sig);
        for (unsigned j = 0; j < PARTIES; j++) {
            if (j == i)
                continue;
            /* Another party's index, or another party's key. */
            ck_assert_int_eq(reqsign_approval_verify(study_party_signing_key(s, i), h, j, sig), -1);
            ck_assert_int_eq(reqsign_approval_verify(study_party_signing_key(s, j), h, i, sig), -1);
        }
    }
    ck_assert_int_eq(reqsign_approval(keys[0].sign_sk, h, 0, sig), 0);
    const uint8_t *pk = study_party_signing_key(s, 0);
    memcpy(other, h, sizeof other);
    other[31] ^= 1;
    ck_assert_int_eq(reqsign_approval_verify(pk, other, 0, sig), -1);
    /* The index is 4 bytes: 256 is not 0. */
    ck_assert_int_eq(reqsign_approval_verify(pk, h, 256, sig), -1);
    /* The same key and message under another prefix is not an approval. */
    uint8_t msg[36] = {0};
    memcpy(msg, h, 32);
    ck_assert_int_eq(sign_message(keys[0].sign_sk, REQSIGN_PEER_PREFIX, msg, sizeof msg, again), 0);
    ck_assert_int_eq(reqsign_approval_verify(pk, h, 0, again), -1);
    ck_assert_int_eq(sign_message(keys[0].sign_sk, REQSIGN_APPROVAL_PREFIX, msg, sizeof msg, again),
                     0);
    ck_assert_int_eq(reqsign_approval_verify(pk, h, 0, again), 0);
    memcpy(again, sig, sizeof sig);
    again[10] ^= 0x40;
    ck_assert_int_eq(reqsign_approval_verify(pk, h, 0, again), -1);
    memset(again, 0, sizeof again);
    ck_assert_int_eq(reqsign_approval_verify(pk, h, 0, again), -1);
}
END_TEST

static auth_login try_login(auth *a, const char *client, const char *password, int64_t now,
                            unsigned *wait)
{
    char cookie[AUTH_TOKEN_HEX + 1], csrf[AUTH_TOKEN_HEX + 1];
    return auth_login_password(a, client, password, now, cookie, csrf, wait);
}

START_TEST(test_login_per_client)
{
    auth *a = new_auth();
    unsigned wait;
    /* AUTH_LOGIN_FREE failures, then waits of 1, 2, 4, ... seconds. */
    int64_t t = NOW;
    for (unsigned k = 1; k <= AUTH_LOGIN_FREE + 4; k++) {
        ck_assert_int_eq(try_login(a, "192.0.2.1", "wrong", t, &wait), AUTH_LOGIN_WRONG);
        ck_assert_uint_eq(wait, 0);
        if (k < AUTH_LOGIN_FREE)
            continue;
        unsigned expect = 1u << (k - AUTH_LOGIN_FREE);
        /* Throttled, even with the right password, until the wait ends. */
        ck_assert_int_eq(try_login(a, "192.0.2.1", PASSWORD, t, &wait), AUTH_LOGIN_THROTTLED);
        ck_assert_uint_eq(wait, expect);
        ck_assert_int_eq(try_login(a, "192.0.2.1", PASSWORD, t + expect - 1, &wait),
                         AUTH_LOGIN_THROTTLED);
        ck_assert_uint_eq(wait, 1);
        /* Another client signs in meanwhile. */
        ck_assert_int_eq(try_login(a, "192.0.2.2", PASSWORD, t, &wait), AUTH_LOGIN_OK);
        t += expect;
    }
    /* The right password after the wait: a session, and the count reset. */
    ck_assert_int_eq(try_login(a, "192.0.2.1", PASSWORD, t, &wait), AUTH_LOGIN_OK);
    for (unsigned k = 1; k < AUTH_LOGIN_FREE; k++)
        ck_assert_int_eq(try_login(a, "192.0.2.1", "wrong", t, &wait), AUTH_LOGIN_WRONG);
    ck_assert_int_eq(try_login(a, "192.0.2.1", PASSWORD, t, &wait), AUTH_LOGIN_OK);
    /* The wait is bounded. */
    for (unsigned k = 0; k < 40; k++) {
        ck_assert_int_eq(try_login(a, "192.0.2.3", "wrong", t, &wait), AUTH_LOGIN_WRONG);
        t += AUTH_LOGIN_MAX_WAIT;
    }
    ck_assert_int_eq(try_login(a, "192.0.2.3", "wrong", t - AUTH_LOGIN_MAX_WAIT, &wait),
                     AUTH_LOGIN_THROTTLED);
    ck_assert_uint_eq(wait, AUTH_LOGIN_MAX_WAIT);
    auth_free(a);
}
END_TEST

START_TEST(test_login_reserved_before_hash)
{
    auth *a = new_auth();
    unsigned wait;
    int t1, t2, t3;
    char cookie[AUTH_TOKEN_HEX + 1], csrf[AUTH_TOKEN_HEX + 1];
    ck_assert_int_eq(auth_login_reserve(a, "192.0.2.1", NOW, &wait, &t1), AUTH_LOGIN_OK);
    /* One attempt at a time per client. */
    ck_assert_int_eq(auth_login_reserve(a, "192.0.2.1", NOW, &wait, &t2), AUTH_LOGIN_THROTTLED);
    ck_assert_uint_eq(wait, 1);
    ck_assert_int_eq(t2, -1);
    /* AUTH_MAX_HASHING (2) on the whole server. */
    ck_assert_int_eq(auth_login_reserve(a, "192.0.2.2", NOW, &wait, &t2), AUTH_LOGIN_OK);
    ck_assert_int_eq(auth_login_reserve(a, "192.0.2.3", NOW, &wait, &t3), AUTH_LOGIN_BUSY);
    ck_assert_uint_eq(wait, 1);
    ck_assert_int_eq(auth_login_check(a, t1, "wrong", NOW, cookie, csrf), AUTH_LOGIN_WRONG);
    ck_assert_int_eq(auth_login_reserve(a, "192.0.2.3", NOW, &wait, &t3), AUTH_LOGIN_OK);
    ck_assert_int_eq(auth_login_check(a, t2, PASSWORD, NOW, cookie, csrf), AUTH_LOGIN_OK);
    ck_assert_int_eq(auth_session_check(a, cookie, csrf, NOW, NULL), 0);
    auth_login_cancel(a, t3, NOW);
    ck_assert_int_eq(auth_login_reserve(a, "192.0.2.3", NOW, &wait, &t3), AUTH_LOGIN_OK);
    ck_assert_int_eq(auth_login_check(a, t3, PASSWORD, NOW, cookie, csrf), AUTH_LOGIN_OK);
    auth_free(a);
}
END_TEST

START_TEST(test_login_table_bounded)
{
    auth *a = new_auth();
    unsigned wait;
    char client[32];
    for (unsigned k = 0; k < AUTH_LOGIN_FREE; k++)
        ck_assert_int_eq(try_login(a, "192.0.2.1", "wrong", NOW, &wait), AUTH_LOGIN_WRONG);
    ck_assert_int_eq(try_login(a, "192.0.2.1", "wrong", NOW, &wait), AUTH_LOGIN_THROTTLED);
    /* AUTH_LOGIN_CLIENTS - 1 other clients fail later: 192.0.2.1 is kept. */
    for (unsigned i = 0; i < AUTH_LOGIN_CLIENTS - 1; i++) {
        snprintf(client, sizeof client, "198.51.%u.%u", i / 200, i % 200);
        ck_assert_int_eq(try_login(a, client, "wrong", NOW + 1 + i, &wait), AUTH_LOGIN_WRONG);
    }
    ck_assert_int_eq(try_login(a, "192.0.2.1", "wrong", NOW, &wait), AUTH_LOGIN_THROTTLED);
    /* One more: the entry idle longest (192.0.2.1, at NOW) is evicted. */
    ck_assert_int_eq(try_login(a, "203.0.113.1", "wrong", NOW + 1000, &wait), AUTH_LOGIN_WRONG);
    ck_assert_int_eq(try_login(a, "192.0.2.1", PASSWORD, NOW, &wait), AUTH_LOGIN_OK);
    /* A count is forgotten AUTH_LOGIN_FORGET after the last attempt. */
    for (unsigned k = 0; k < AUTH_LOGIN_FREE; k++)
        ck_assert_int_eq(try_login(a, "192.0.2.9", "wrong", NOW, &wait), AUTH_LOGIN_WRONG);
    ck_assert_int_eq(try_login(a, "192.0.2.9", "wrong", NOW + AUTH_LOGIN_FORGET + 1, &wait),
                     AUTH_LOGIN_WRONG);
    ck_assert_int_eq(try_login(a, "192.0.2.9", "wrong", NOW + AUTH_LOGIN_FORGET + 1, &wait),
                     AUTH_LOGIN_WRONG);
    auth_free(a);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("auth");
    TCase *tc = tcase_create("auth");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_peer_recipient);
    tcase_add_test(tc, test_organizer_recipient);
    tcase_add_test(tc, test_message_names_recipient);
    tcase_add_test(tc, test_approval_statement);
    tcase_add_test(tc, test_login_per_client);
    tcase_add_test(tc, test_login_reserved_before_hash);
    tcase_add_test(tc, test_login_table_bounded);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
