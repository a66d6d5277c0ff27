/*
 * interop_native.c - the native half of the wasm/native interoperability
 * test (tests/wasm/interop.mjs runs the other half with the WebAssembly
 * build and crosses them):
 *
 *   interop_native produce FILE TYPE   shard and HPKE-seal reports of a
 *                                      3-party Prio3 TYPE (count, histogram
 *                                      or sumvec) into FILE
 *   interop_native consume FILE        open every share, verify every report
 *                                      among the 3 parties, aggregate, and
 *                                      check the result against the
 *                                      measurements the file lists
 *
 * Each share is sealed to its party's key with info "mpc-interop party J"
 * and aad nonce || public share. The producer adds two bad reports: one
 * with a corrupted ciphertext (must fail to open) and one whose leader
 * share was altered before sealing (must fail verification). The consumer
 * exits 0 only if every good report is accepted, both bad ones rejected,
 * and the aggregate equals the sum of the good measurements.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "hex.h"
#include "hpke.h"
#include "prio3.h"
#include "random.h"

#define SHARES 3
#define GOOD_REPORTS 20
#define MAX_SHARE_SIZE (1u << 20)

static const char CTX[] = "mpc-interop/1";

static int die(const char *msg)
{
    fprintf(stderr, "interop_native: %s\n", msg);
    return 1;
}

static core_err make(const char *type, uint64_t length, uint64_t max, uint64_t chunk, prio3 **p)
{
    if (strcmp(type, "count") == 0)
        return prio3_new_count(p, SHARES);
    if (strcmp(type, "histogram") == 0)
        return prio3_new_histogram(p, SHARES, length, chunk);
    if (strcmp(type, "sumvec") == 0)
        return prio3_new_sumvec(p, SHARES, length, max, chunk);
    return CORE_EINVAL;
}

static void info_for(unsigned party, char *out, size_t cap)
{
    snprintf(out, cap, "mpc-interop party %u", party);
}

static void add_hex(cJSON *obj, const char *name, const uint8_t *b, size_t n)
{
    char *h = malloc(2 * n + 1);
    hex_encode(b, n, h);
    cJSON_AddStringToObject(obj, name, h);
    free(h);
}

static uint8_t *get_hex_field(const cJSON *obj, const char *name, size_t *len)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    uint8_t *out;
    if (!cJSON_IsString(item) || hex_decode(item->valuestring, &out, len) != 0)
        return NULL;
    return out;
}

static uint64_t random_below(uint64_t n)
{
    uint64_t v;
    random_bytes((uint8_t *)&v, sizeof(v));
    return v % n;
}

static int produce(const char *path, const char *type)
{
    uint64_t length = strcmp(type, "histogram") == 0 ? 240 : 30;
    uint64_t max = (1u << 20) - 1;
    uint64_t chunk = circuit_best_chunk_length(strcmp(type, "sumvec") == 0 ? length * 20 : length);
    prio3 *p;
    if (make(type, length, max, chunk, &p) != CORE_OK)
        return die("unknown type (count, histogram or sumvec)");
    cJSON *doc = cJSON_CreateObject(), *keys = cJSON_CreateArray(), *reps = cJSON_CreateArray();
    cJSON_AddStringToObject(doc, "type", type);
    cJSON_AddNumberToObject(doc, "length", (double)length);
    cJSON_AddNumberToObject(doc, "max", (double)max);
    cJSON_AddNumberToObject(doc, "chunk", (double)chunk);
    uint8_t sk[SHARES][HPKE_NSK], pk[SHARES][HPKE_NPK], ikm[32];
    for (unsigned j = 0; j < SHARES; j++) {
        random_bytes(ikm, sizeof(ikm));
        if (hpke_derive_keypair(ikm, sizeof(ikm), sk[j], pk[j]) != CORE_OK)
            return die("key generation failed");
        cJSON *k = cJSON_CreateObject();
        add_hex(k, "sk", sk[j], HPKE_NSK);
        add_hex(k, "pk", pk[j], HPKE_NPK);
        cJSON_AddItemToArray(keys, k);
    }
    cJSON_AddItemToObject(doc, "keys", keys);
    size_t mc = prio3_meas_count(p), ps = prio3_public_share_size(p);
    uint8_t *rand = malloc(prio3_rand_size(p)), *pub = malloc(ps + 1);
    uint8_t *shares = malloc(prio3_input_shares_size(p)), *ct = malloc(MAX_SHARE_SIZE);
    uint8_t *aad = malloc(PRIO3_NONCE_SIZE + ps);
    uint64_t *meas = calloc(mc, sizeof(uint64_t));
    for (int i = 0; i < GOOD_REPORTS + 2; i++) {
        const char *tamper = i == GOOD_REPORTS       ? "ciphertext"
                             : i == GOOD_REPORTS + 1 ? "share"
                                                     : "";
        cJSON *rep = cJSON_CreateObject(), *m = cJSON_CreateArray(), *sealed = cJSON_CreateArray();
        for (size_t k = 0; k < mc; k++) {
            meas[k] = strcmp(type, "count") == 0       ? random_below(2)
                      : strcmp(type, "histogram") == 0 ? random_below(length)
                                                       : random_below(max + 1);
            cJSON_AddItemToArray(m, cJSON_CreateNumber((double)meas[k]));
        }
        uint8_t nonce[PRIO3_NONCE_SIZE];
        random_bytes(nonce, sizeof(nonce));
        random_bytes(rand, prio3_rand_size(p));
        if (prio3_shard(p, (const uint8_t *)CTX, strlen(CTX), meas, nonce, rand, pub, shares) !=
            CORE_OK)
            return die("shard failed");
        if (strcmp(tamper, "share") == 0)
            shares[1] ^= 1;
        memcpy(aad, nonce, sizeof(nonce));
        memcpy(aad + sizeof(nonce), pub, ps);
        size_t off = 0;
        for (unsigned j = 0; j < SHARES; j++) {
            size_t n = prio3_input_share_size(p, j);
            uint8_t enc[HPKE_NENC];
            char info[64];
            info_for(j, info, sizeof(info));
            random_bytes(ikm, sizeof(ikm));
            if (hpke_seal(pk[j], (const uint8_t *)info, strlen(info), aad, sizeof(nonce) + ps,
                          shares + off, n, ikm, enc, ct) != CORE_OK)
                return die("seal failed");
            if (strcmp(tamper, "ciphertext") == 0 && j == 1)
                ct[0] ^= 1;
            cJSON *s = cJSON_CreateObject();
            add_hex(s, "enc", enc, sizeof(enc));
            add_hex(s, "ct", ct, n + HPKE_NT);
            cJSON_AddItemToArray(sealed, s);
            off += n;
        }
        cJSON_AddItemToObject(rep, "measurement", m);
        add_hex(rep, "nonce", nonce, sizeof(nonce));
        add_hex(rep, "public_share", pub, ps);
        cJSON_AddItemToObject(rep, "shares", sealed);
        cJSON_AddStringToObject(rep, "tamper", tamper);
        cJSON_AddItemToArray(reps, rep);
    }
    cJSON_AddItemToObject(doc, "reports", reps);
    char *text = cJSON_Print(doc);
    FILE *fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0)
        return die("cannot write the output file");
    printf("interop_native: produced %d reports of %s\n", GOOD_REPORTS + 2, type);
    free(text);
    cJSON_Delete(doc);
    free(rand);
    free(pub);
    free(shares);
    free(ct);
    free(aad);
    free(meas);
    prio3_free(p);
    return 0;
}

/* Opens and verifies one report; returns 1 if accepted (out shares
 * aggregated into aggs), 0 if rejected. */
static int consume_report(const prio3 *p, const cJSON *rep, uint8_t (*sk)[HPKE_NSK],
                          const uint8_t *verify_key, uint8_t *aggs)
{
    size_t nonce_len, ps_len, vs = prio3_verifier_share_size(p), os = prio3_out_share_size(p);
    uint8_t *nonce = get_hex_field(rep, "nonce", &nonce_len);
    uint8_t *pub = get_hex_field(rep, "public_share", &ps_len);
    uint8_t *aad = malloc(PRIO3_NONCE_SIZE + ps_len + 1), *share = malloc(MAX_SHARE_SIZE);
    uint8_t *states[SHARES] = {0}, *vshares = malloc(SHARES * vs), msg[PRIO3_SEED_SIZE];
    uint8_t *outs = malloc(SHARES * os);
    int accepted = 0;
    if (nonce == NULL || pub == NULL || nonce_len != PRIO3_NONCE_SIZE)
        goto cleanup;
    memcpy(aad, nonce, nonce_len);
    memcpy(aad + nonce_len, pub, ps_len);
    const cJSON *sealed = cJSON_GetObjectItemCaseSensitive(rep, "shares");
    for (unsigned j = 0; j < SHARES; j++) {
        const cJSON *s = cJSON_GetArrayItem(sealed, (int)j);
        size_t enc_len, ct_len;
        uint8_t *enc = get_hex_field(s, "enc", &enc_len), *ct = get_hex_field(s, "ct", &ct_len);
        char info[64];
        info_for(j, info, sizeof(info));
        int ok = enc != NULL && ct != NULL && enc_len == HPKE_NENC && ct_len >= HPKE_NT &&
                 ct_len - HPKE_NT <= MAX_SHARE_SIZE &&
                 hpke_open(sk[j], enc, (const uint8_t *)info, strlen(info), aad, nonce_len + ps_len,
                           ct, ct_len, share) == CORE_OK;
        states[j] = malloc(prio3_verify_state_size(p));
        ok = ok && prio3_verify_init(p, verify_key, (const uint8_t *)CTX, strlen(CTX), j, nonce,
                                     pub, ps_len, share, ct_len - HPKE_NT, states[j],
                                     vshares + j * vs) == CORE_OK;
        free(enc);
        free(ct);
        if (!ok)
            goto cleanup;
    }
    if (prio3_verifier_shares_to_message(p, (const uint8_t *)CTX, strlen(CTX), vshares, SHARES * vs,
                                         msg) != CORE_OK)
        goto cleanup;
    for (unsigned j = 0; j < SHARES; j++) {
        if (prio3_verify_next(p, states[j], prio3_verify_state_size(p), msg,
                              prio3_verifier_message_size(p), outs + j * os) != CORE_OK)
            goto cleanup;
    }
    for (unsigned j = 0; j < SHARES; j++) {
        if (prio3_aggregate(p, aggs + j * os, outs + j * os, os) != CORE_OK)
            goto cleanup;
    }
    accepted = 1;
cleanup:
    for (unsigned j = 0; j < SHARES; j++)
        free(states[j]);
    free(nonce);
    free(pub);
    free(aad);
    core_free_secret(share, MAX_SHARE_SIZE);
    free(vshares);
    free(outs);
    return accepted;
}

static int consume(const char *path)
{
    char *text;
    size_t len;
    if (fileio_read(path, (size_t)64 << 20, &text, &len) != 0)
        return die("cannot read the input file");
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    if (doc == NULL)
        return die("the input file is not JSON");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    double length = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(doc, "length"));
    double max = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(doc, "max"));
    double chunk = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(doc, "chunk"));
    prio3 *p;
    if (!cJSON_IsString(type) ||
        make(type->valuestring, (uint64_t)length, (uint64_t)max, (uint64_t)chunk, &p) != CORE_OK)
        return die("bad type or parameters");
    uint8_t sk[SHARES][HPKE_NSK], verify_key[PRIO3_VERIFY_KEY_SIZE];
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
    for (unsigned j = 0; j < SHARES; j++) {
        size_t n;
        uint8_t *k = get_hex_field(cJSON_GetArrayItem(keys, (int)j), "sk", &n);
        if (k == NULL || n != HPKE_NSK)
            return die("bad keys");
        memcpy(sk[j], k, n);
        free(k);
    }
    random_bytes(verify_key, sizeof(verify_key));
    size_t os = prio3_out_share_size(p), olen = prio3_output_len(p), mc = prio3_meas_count(p);
    uint8_t *aggs = calloc(SHARES, os);
    core_u128 *want = calloc(olen, sizeof(core_u128)), *got = calloc(olen, sizeof(core_u128));
    int good = 0, rejected = 0, errors = 0;
    const cJSON *rep;
    cJSON_ArrayForEach(rep, cJSON_GetObjectItemCaseSensitive(doc, "reports"))
    {
        const cJSON *tamper = cJSON_GetObjectItemCaseSensitive(rep, "tamper");
        int bad = cJSON_IsString(tamper) && tamper->valuestring[0] != '\0';
        int accepted = consume_report(p, rep, sk, verify_key, aggs);
        if (accepted == bad) {
            fprintf(stderr, "interop_native: a %s report was %s\n",
                    bad ? tamper->valuestring : "good", accepted ? "accepted" : "rejected");
            errors++;
        }
        if (!accepted) {
            rejected++;
            continue;
        }
        good++;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(rep, "measurement");
        for (size_t k = 0; k < mc; k++) {
            uint64_t v = (uint64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(m, (int)k));
            if (strcmp(type->valuestring, "histogram") == 0)
                want[v].lo++;
            else
                want[k].lo += v;
        }
    }
    if (prio3_unshard(p, aggs, SHARES * os, (uint64_t)good, got) != CORE_OK)
        errors++;
    for (size_t i = 0; i < olen; i++) {
        if (got[i].lo != want[i].lo || got[i].hi != want[i].hi)
            errors++;
    }
    printf("interop_native: %s: %d accepted, %d rejected, aggregate %s\n", type->valuestring, good,
           rejected, errors == 0 ? "matches the measurements" : "WRONG");
    free(aggs);
    free(want);
    free(got);
    prio3_free(p);
    cJSON_Delete(doc);
    return errors == 0 && good > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "produce") == 0)
        return produce(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "consume") == 0)
        return consume(argv[2]);
    fprintf(stderr, "usage: interop_native produce FILE count|histogram|sumvec\n"
                    "       interop_native consume FILE\n");
    return 2;
}
