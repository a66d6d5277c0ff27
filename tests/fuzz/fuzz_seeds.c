/*
 * fuzz_seeds.c - writes the seed corpora of the fuzzers (make fuzz):
 * valid inputs of each, built with the same fixture, so that each fuzzer
 * starts from messages that pass every check and mutates from there.
 *
 *   fuzz_seeds DIR      writes DIR/{upload,study,hpke,prio3,peer,party}/seed-*
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "b64.h"
#include "fileio.h"
#include "hex.h"
#include "fixture.h"
#include "hpke.h"
#include "party_file.h"
#include "prio3.h"
#include "random.h"
#include "submission.h"
#include "token.h"

static const char *dir;

static void put(const char *fuzzer, int n, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, fuzzer);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/seed-%d", dir, fuzzer, n);
    if (fileio_write(path, data, len, 0600, 0) != 0) {
        perror(path);
        exit(1);
    }
}

/* A mode byte (and a second byte) before data. */
static void put_mode(const char *fuzzer, int n, int mode, const void *data, size_t len)
{
    uint8_t *p = malloc(len + 2);
    p[0] = (uint8_t)mode;
    p[1] = 0;
    memcpy(p + 2, data, len);
    put(fuzzer, n, p, len + 2);
    free(p);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds DIR\n");
        return 2;
    }
    dir = argv[1];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    fuzz_fixture *f = fuzz_fixture_get(1);
    const study *s = f->study;
    const prio3 *v = study_prio3(s);

    /* party: a party.pub.json signed by its key, and the same changed. */
    {
        uint8_t ssk[SIGN_SK_SIZE], spk[SIGN_PK_SIZE], hpk[HPKE_NPK] = {9};
        char hex[2 * SIGN_PK_SIZE + 1];
        cJSON *pub = cJSON_CreateObject();
        if (sign_keygen(ssk, spk) != 0)
            return 1;
        cJSON_AddStringToObject(pub, "format", "mpc-party/1");
        cJSON_AddStringToObject(pub, "name", "Party 1");
        cJSON_AddStringToObject(pub, "url", "http://127.0.0.1:8001");
        hex_encode(hpk, sizeof hpk, hex);
        cJSON_AddStringToObject(pub, "hpke_public_key", hex);
        hex_encode(spk, sizeof spk, hex);
        cJSON_AddStringToObject(pub, "signing_public_key", hex);
        if (party_file_sign(pub, ssk) != 0)
            return 1;
        char *pt = cJSON_Print(pub);
        put("party", 0, pt, strlen(pt));
        free(pt);
        cJSON_ReplaceItemInObject(pub, "url", cJSON_CreateString("http://127.0.0.1:9"));
        pt = cJSON_PrintUnformatted(pub);
        put("party", 1, pt, strlen(pt));
        free(pt);
        cJSON_Delete(pub);
    }

    /* study: the examples, unsealed (the EU one with its grids, bands and
     * indicators), and the sealed text. */
    char *text;
    size_t len;
    if (fileio_read("schema/studies/pay-equity.json", 1 << 20, &text, &len) != 0)
        return 1;
    put("study", 0, text, len);
    free(text);
    if (fileio_read("schema/studies/eu-pay-transparency.json", 1 << 20, &text, &len) != 0)
        return 1;
    put("study", 4, text, len);
    free(text);
    /* an organization study (docs/STUDY.md, "Organizations"): the
     * pay-equity example reported by employers */
    static const char org[] =
        "{\"format\":\"mpc-study/1\",\"id\":\"org\",\"title\":\"Employers\","
        "\"access\":\"organization\",\"max_rows\":500,"
        "\"fields\":[{\"name\":\"gender\",\"label\":\"Gender\",\"type\":\"choice\","
        "\"choices\":[\"Woman\",\"Man\"]},{\"name\":\"salary\",\"label\":\"Salary\","
        "\"type\":\"integer\",\"min\":0,\"max\":1000000}],"
        "\"analyses\":[{\"name\":\"pay\",\"of\":\"salary\",\"by\":[\"gender\"],"
        "\"stats\":[\"count\",\"stddev\",\"histogram\",\"share_positive\"],"
        "\"bins\":[0,50000,100000],\"gap_reference\":\"Man\"}],"
        "\"privacy\":{\"min_submissions\":3,\"min_cell_count\":5,\"min_contributors\":3}}";
    put("study", 5, org, sizeof org - 1);
    put("study", 1, f->text, strlen(f->text));
    /* The sealed text with a party's address made hostile, and with an
     * escape sequence in the title: both refused (the fuzzer mutates from
     * the edge). */
    static const char *const edits[][2] = {
        {"\"url\":\"http://", "\"url\":\"http://evil.example;script-src *;x."},
        {"\"title\":\"", "\"title\":\"\\u001b[1A\\r"},
    };
    for (size_t e = 0; e < 2; e++) {
        const char *at = strstr(f->text, edits[e][0]);
        if (at == NULL)
            return 1;
        size_t n = strlen(f->text) + strlen(edits[e][1]) + 1;
        char *edited = malloc(n);
        if (edited == NULL)
            return 1;
        snprintf(edited, n, "%.*s%s%s", (int)(at - f->text), f->text, edits[e][1],
                 at + strlen(edits[e][0]));
        put("study", 2 + (int)e, edited, strlen(edited));
        free(edited);
    }

    /* upload: a valid body for party 2 (a signed token), and its siblings. */
    const char *texts[] = {"Woman", "Asian", "Sales", "85000", "false"};
    uint64_t meas[64];
    char err[256], *bodies[FUZZ_PARTIES], token[TOKEN_TEXT_SIZE];
    uint8_t tid[16], rid[16] = {7};
    size_t rn = submission_rand_size(s);
    uint8_t *rand = calloc(1, rn);
    if (study_encode_texts(s, texts, meas, err, sizeof err) != CORE_OK ||
        token_make(f->organizer.sign_sk, study_hash(s), tid, token) != 0 ||
        submission_build(s, meas, rid, token, 1, rand, bodies, err, sizeof err) != CORE_OK) {
        fprintf(stderr, "fuzz_seeds: %s\n", err);
        return 1;
    }
    for (unsigned i = 0; i < FUZZ_PARTIES; i++) {
        put("upload", (int)i, bodies[i], strlen(bodies[i]));
        free(bodies[i]);
    }

    /* hpke: enc | info length | info | aad length | aad | ciphertext, sealed
     * to the fuzzer's key. */
    const uint8_t ikm[32] = "mpc fuzz_hpke: a fixed key pair";
    uint8_t sk[HPKE_NSK], pk[HPKE_NPK], in[200], eikm[32] = {1};
    if (hpke_derive_keypair(ikm, sizeof ikm, sk, pk) != CORE_OK)
        return 1;
    in[32] = 4;
    memcpy(in + 33, "info", 4);
    in[37] = 3;
    memcpy(in + 38, "aad", 3);
    if (hpke_seal(pk, in + 33, 4, in + 38, 3, (const uint8_t *)"a plaintext", 11, eikm, in,
                  in + 41) != CORE_OK)
        return 1;
    put("hpke", 0, in, 41 + 11 + HPKE_NT);

    /* prio3: each party's public share and input share, verifier shares. */
    size_t ps = prio3_public_share_size(v), all = prio3_input_shares_size(v);
    uint8_t *pub = malloc(ps), *shares = malloc(all), nonce[16] = {0};
    if (prio3_shard(v, (const uint8_t *)"x", 1, meas, nonce, rand, pub, shares) != CORE_OK)
        return 1;
    size_t off = 0;
    for (unsigned i = 0; i < FUZZ_PARTIES; i++) {
        size_t il = prio3_input_share_size(v, i);
        uint8_t *p = malloc(1 + ps + il);
        p[0] = (uint8_t)i;
        memcpy(p + 1, pub, ps);
        memcpy(p + 1 + ps, shares + off, il);
        off += il;
        put("prio3", (int)i, p, 1 + ps + il);
        free(p);
    }
    uint8_t m = 4;
    put("prio3", 3, &m, 1);

    /* peer: the requests of a compute, with the fuzzer's run id and
     * report ids. */
    static const char *const peer[] = {
        "{\"compute\":\"00112233445566778899aabbccddeeff\",\"batch\":0,\"total\":4,"
        "\"reports\":\"AQEBAQEBAQEBAQEBAQEBAQICAgICAgICAgICAgICAgI=\"}",
        "{\"compute\":\"00112233445566778899aabbccddeeff\",\"batch\":0,\"accept\":\"AQE=\","
        "\"messages\":\"\"}",
        "{\"compute\":\"00112233445566778899aabbccddeeff\",\"batch\":0,\"accept\":\"AQE=\","
        "\"last\":true}",
        "{\"compute\":\"00112233445566778899aabbccddeeff\"}",
        "{\"compute\":\"00112233445566778899aabbccddeeff\",\"error\":\"stopped\"}",
        "{\"compute\":\"00112233445566778899aabbccddeeff\",\"step\":0}",
        "{\"compute\":\"00112233445566778899aabbccddeeff\",\"step\":1,"
        "\"probes\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}",
    };
    const int modes[] = {1, 2, 3, 4, 6, 7, 8};
    for (int i = 0; i < 7; i++)
        put_mode("peer", i, modes[i], peer[i], strlen(peer[i]));
    const char hdr[] = "0\n1700000000\n00112233445566778899aabbccddeeff\n00\n{}";
    put_mode("peer", 7, 9, hdr, sizeof hdr - 1);
    /* start: a sealed key and every party's approval statement (the
     * fuzzer mutates them from valid ones). */
    char *start = fuzz_fixture_start_body(f, "00112233445566778899aabbccddeeff", 4);
    put_mode("peer", 8, 0, start, strlen(start));
    free(start);
    free(rand);
    free(pub);
    free(shares);
    printf("fuzz_seeds: corpora in %s\n", dir);
    return 0;
}
