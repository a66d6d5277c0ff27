/*
 * hpke.c - the HPKE part of mpc-vectors: RFC 9180 test-vector files (an
 * array of entries, format in tests/vectors/SOURCES.md). Entries of the
 * suite this project implements (base mode, DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-128-GCM) are checked completely: both key derivations,
 * encapsulation and decapsulation, the key schedule, every encryption
 * (sealed and opened, and a tampered copy refused) and every export. Other
 * entries are counted as skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpke.h"
#include "vectors.h"

/* Decodes a hex field that must have exactly len bytes into out. */
static int get_fixed(const cJSON *obj, const char *name, uint8_t *out, size_t len)
{
    uint8_t *b;
    size_t n;
    if (get_hex(field(obj, name), &b, &n) != 0)
        return -1;
    int ok = n == len;
    if (ok)
        memcpy(out, b, len);
    free(b);
    return ok ? 0 : -1;
}

static void check_keys(const cJSON *e, const char *ikm_name, const char *sk_name,
                       const char *pk_name, uint8_t sk[HPKE_NSK], uint8_t pk[HPKE_NPK], result *r)
{
    uint8_t *ikm;
    size_t n;
    if (get_hex(field(e, ikm_name), &ikm, &n) != 0) {
        fail(r, "malformed %s", ikm_name);
        return;
    }
    if (outcome(r, hpke_derive_keypair(ikm, n, sk, pk), 1, "DeriveKeyPair")) {
        expect_hex(r, field(e, sk_name), sk, HPKE_NSK, sk_name);
        expect_hex(r, field(e, pk_name), pk, HPKE_NPK, pk_name);
    }
    free(ikm);
}

static void check_encryptions(const cJSON *e, hpke_ctx *sender, hpke_ctx *receiver, result *r)
{
    const cJSON *enc;
    size_t i = 0;
    cJSON_ArrayForEach(enc, field(e, "encryptions"))
    {
        uint8_t *aad = NULL, *pt = NULL, *ct = NULL, *got = NULL;
        size_t aad_len, pt_len;
        char what[64];
        snprintf(what, sizeof(what), "encryption %zu", i);
        if (get_hex(field(enc, "aad"), &aad, &aad_len) != 0 ||
            get_hex(field(enc, "pt"), &pt, &pt_len) != 0 ||
            (got = malloc(pt_len + HPKE_NT)) == NULL) {
            fail(r, "%s: malformed", what);
        } else if (outcome(r, hpke_ctx_seal(sender, aad, aad_len, pt, pt_len, got), 1, what)) {
            expect_hex(r, field(enc, "ct"), got, pt_len + HPKE_NT, what);
            ct = malloc(pt_len + HPKE_NT);
            memcpy(ct, got, pt_len + HPKE_NT);
            if (i == 0) {
                /* A tampered ciphertext is refused and costs no sequence
                 * number. */
                ct[0] ^= 1;
                if (hpke_ctx_open(receiver, aad, aad_len, ct, pt_len + HPKE_NT, got) != CORE_EAUTH)
                    fail(r, "%s: a tampered ciphertext was not refused", what);
                ct[0] ^= 1;
            }
            if (outcome(r, hpke_ctx_open(receiver, aad, aad_len, ct, pt_len + HPKE_NT, got), 1,
                        what) &&
                memcmp(got, pt, pt_len) != 0)
                fail(r, "%s: opened plaintext differs", what);
            r->checks++;
        }
        free(aad);
        free(pt);
        free(ct);
        free(got);
        i++;
    }
}

static void check_exports(const cJSON *e, const hpke_ctx *ctx, result *r)
{
    const cJSON *x;
    size_t i = 0;
    cJSON_ArrayForEach(x, field(e, "exports"))
    {
        uint8_t *context = NULL, *out = NULL;
        size_t context_len;
        uint64_t len;
        char what[64];
        snprintf(what, sizeof(what), "export %zu", i++);
        if (get_hex(field(x, "exporter_context"), &context, &context_len) != 0 ||
            get_uint_field(x, "L", &len) != 0 || (out = malloc(len + 1)) == NULL)
            fail(r, "%s: malformed", what);
        else if (outcome(r, hpke_ctx_export(ctx, context, context_len, out, len), 1, what))
            expect_hex(r, field(x, "exported_value"), out, len, what);
        free(context);
        free(out);
    }
}

static void check_entry(const cJSON *e, result *r)
{
    uint8_t sk_e[HPKE_NSK], pk_e[HPKE_NPK], sk_r[HPKE_NSK], pk_r[HPKE_NPK], ikm_e[HPKE_NSK];
    uint8_t shared[HPKE_NSECRET], enc[HPKE_NENC], *info = NULL;
    size_t info_len;
    hpke_ctx sender, receiver;
    check_keys(e, "ikmE", "skEm", "pkEm", sk_e, pk_e, r);
    check_keys(e, "ikmR", "skRm", "pkRm", sk_r, pk_r, r);
    if (r->failed || get_fixed(e, "ikmE", ikm_e, sizeof(ikm_e)) != 0 ||
        get_hex(field(e, "info"), &info, &info_len) != 0) {
        fail(r, "malformed ikmE or info");
        goto cleanup;
    }
    if (outcome(r, hpke_encap(pk_r, ikm_e, shared, enc), 1, "Encap")) {
        expect_hex(r, field(e, "enc"), enc, sizeof(enc), "enc");
        expect_hex(r, field(e, "shared_secret"), shared, sizeof(shared), "shared_secret (Encap)");
    }
    if (outcome(r, hpke_decap(enc, sk_r, shared), 1, "Decap"))
        expect_hex(r, field(e, "shared_secret"), shared, sizeof(shared), "shared_secret (Decap)");
    if (outcome(r, hpke_key_schedule(&sender, shared, info, info_len), 1, "KeySchedule")) {
        expect_hex(r, field(e, "key"), sender.key, HPKE_NK, "key");
        expect_hex(r, field(e, "base_nonce"), sender.base_nonce, HPKE_NN, "base_nonce");
        expect_hex(r, field(e, "exporter_secret"), sender.exporter_secret, HPKE_NH,
                   "exporter_secret");
    }
    hpke_ctx_wipe(&sender);
    if (r->failed)
        goto cleanup;
    if (outcome(r, hpke_setup_sender(&sender, enc, pk_r, info, info_len, ikm_e), 1, "SetupBaseS") &&
        outcome(r, hpke_setup_receiver(&receiver, enc, sk_r, info, info_len), 1, "SetupBaseR")) {
        check_encryptions(e, &sender, &receiver, r);
        check_exports(e, &sender, r);
        check_exports(e, &receiver, r);
    }
    hpke_ctx_wipe(&sender);
    hpke_ctx_wipe(&receiver);
cleanup:
    free(info);
}

void run_hpke_file(const char *path, int *passed, int *failed, int *skipped)
{
    result fr = {0};
    cJSON *doc = load_json(path, &fr);
    if (doc != NULL && !cJSON_IsArray(doc))
        fail(&fr, "not an array of test entries");
    if (fr.failed) {
        printf("FAIL %s: %s\n", path, fr.msg);
        (*failed)++;
        cJSON_Delete(doc);
        return;
    }
    const cJSON *e;
    int index = 0, skipped_here = 0;
    cJSON_ArrayForEach(e, doc)
    {
        uint64_t mode, kem, kdf, aead;
        result r = {0};
        if (get_uint_field(e, "mode", &mode) != 0 || get_uint_field(e, "kem_id", &kem) != 0 ||
            get_uint_field(e, "kdf_id", &kdf) != 0 || get_uint_field(e, "aead_id", &aead) != 0) {
            fail(&r, "entry without mode, kem_id, kdf_id or aead_id");
        } else if (mode != 0 || kem != HPKE_KEM_ID || kdf != HPKE_KDF_ID || aead != HPKE_AEAD_ID) {
            skipped_here++;
            index++;
            continue;
        } else {
            check_entry(e, &r);
        }
        if (r.failed) {
            printf("FAIL %s #%d: %s\n", path, index, r.msg);
            (*failed)++;
        } else {
            printf("PASS %s #%d (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, "
                   "AES-128-GCM; %zu checks)\n",
                   path, index, r.checks);
            (*passed)++;
        }
        index++;
    }
    if (skipped_here > 0)
        printf("SKIP %s: %d entries of suites this project does not implement\n", path,
               skipped_here);
    *skipped += skipped_here;
    cJSON_Delete(doc);
}
