/*
 * testutil.c - see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "fileio.h"

static uint64_t state;
static int seeded;

static void seed_once(void)
{
    if (seeded)
        return;
    const char *env = getenv("TEST_SEED");
    if (env != NULL) {
        state = strtoull(env, NULL, 10);
    } else {
        FILE *fp = fopen("/dev/urandom", "rb");
        if (fp == NULL || fread(&state, sizeof(state), 1, fp) != 1)
            state = 0x853c49e6748fea9bULL;
        if (fp != NULL)
            fclose(fp);
    }
    seeded = 1;
    fprintf(stderr, "random seed %llu (set TEST_SEED to reproduce)\n", (unsigned long long)state);
}

uint64_t tu_rand64(void)
{
    /* splitmix64 */
    seed_once();
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t tu_rand_below(uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do {
        v = tu_rand64();
    } while (v >= limit);
    return v % bound;
}

void tu_rand_bytes(uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)tu_rand64();
}

felem tu_rand_elem(field_id f)
{
    uint8_t b[16];
    felem e;
    do {
        tu_rand_bytes(b, sizeof(b));
    } while (!field_sample(f, b, &e));
    return e;
}

const char *tu_vectors_dir(void)
{
    const char *d = getenv("VECTORS");
    return d != NULL ? d : "tests/vectors";
}

void tu_hex(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i] != '\0'; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

uint8_t *tu_b64_member(const cJSON *obj, const char *name, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    ck_assert_msg(cJSON_IsString(v), "%s: missing", name);
    size_t max = strlen(v->valuestring);
    uint8_t *out = malloc(max + 1);
    ck_assert_ptr_nonnull(out);
    long n = b64_decode(v->valuestring, 0, out, max);
    ck_assert_msg(n >= 0, "%s: not base64", name);
    *len = (size_t)n;
    return out;
}

int tu_main(const char *name, const TTest *const *tests, size_t n, double timeout)
{
    seed_once(); /* in the parent, so every forked test shares one seed */
    Suite *s = suite_create(name);
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, timeout);
    for (size_t i = 0; i < n; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Proves meas (already encoded), shares meas and proof additively among
 * `shares` parties, queries each share and decides. */
core_err tu_flp_prove_and_verify(const flp *p, const felem *meas, unsigned shares, int tamper)
{
    const circuit *c = flp_circuit(p);
    field_id f = c->field;
    size_t ml = c->meas_len, pl = flp_proof_len(p), vl = flp_verifier_len(p);
    felem *prove_rand = calloc(flp_prove_rand_len(p), sizeof(felem));
    felem *query_rand = calloc(flp_query_rand_len(p), sizeof(felem));
    felem *joint_rand = calloc(c->joint_rand_len + 1, sizeof(felem));
    felem *proof = calloc(pl, sizeof(felem)), *ms = calloc(ml, sizeof(felem));
    felem *ps = calloc(pl, sizeof(felem)), *vs = calloc(vl, sizeof(felem));
    felem *ver = calloc(vl, sizeof(felem)), *mrest = calloc(ml, sizeof(felem));
    felem *prest = calloc(pl, sizeof(felem));
    for (size_t i = 0; i < flp_prove_rand_len(p); i++)
        prove_rand[i] = tu_rand_elem(f);
    for (size_t i = 0; i < flp_query_rand_len(p); i++)
        query_rand[i] = tu_rand_elem(f);
    for (size_t i = 0; i < c->joint_rand_len; i++)
        joint_rand[i] = tu_rand_elem(f);
    ck_assert_int_eq(flp_prove(p, meas, prove_rand, joint_rand, proof), CORE_OK);
    if (tamper)
        proof[tu_rand_below(pl)] = field_add(f, proof[0], field_one(f));
    for (size_t i = 0; i < ml; i++)
        mrest[i] = meas[i];
    for (size_t i = 0; i < pl; i++)
        prest[i] = proof[i];
    core_err err = CORE_OK;
    for (unsigned s = 0; s < shares; s++) {
        for (size_t i = 0; i < ml; i++) {
            ms[i] = s + 1 < shares ? tu_rand_elem(f) : mrest[i];
            mrest[i] = field_sub(f, mrest[i], ms[i]);
        }
        for (size_t i = 0; i < pl; i++) {
            ps[i] = s + 1 < shares ? tu_rand_elem(f) : prest[i];
            prest[i] = field_sub(f, prest[i], ps[i]);
        }
        err = flp_query(p, ms, ps, query_rand, joint_rand, shares, vs);
        if (err != CORE_OK)
            break;
        field_vec_add(f, ver, vs, vl);
    }
    if (err == CORE_OK)
        err = flp_decide(p, ver);
    free(prove_rand);
    free(query_rand);
    free(joint_rand);
    free(proof);
    free(ms);
    free(ps);
    free(vs);
    free(ver);
    free(mrest);
    free(prest);
    return err;
}

cJSON *tu_load_doc(const char *path)
{
    char *text;
    size_t len;
    ck_assert_msg(fileio_read(path, STUDY_MAX_JSON, &text, &len) == 0, "cannot read %s", path);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

core_err tu_parse_doc(const cJSON *doc, unsigned flags, study **out, char *err)
{
    char *text = cJSON_PrintUnformatted(doc);
    ck_assert_ptr_nonnull(text);
    core_err e = study_parse(text, strlen(text), flags, out, err, STUDY_ERR_SIZE);
    free(text);
    return e;
}

study *tu_parse_ok(const cJSON *doc)
{
    char err[STUDY_ERR_SIZE];
    study *s = NULL;
    core_err e = tu_parse_doc(doc, 0, &s, err);
    ck_assert_msg(e == CORE_OK, "parse failed: %s", err);
    return s;
}

void tu_add_parties(cJSON *doc, int n)
{
    cJSON *parties = cJSON_AddArrayToObject(doc, "parties");
    for (int i = 0; i < n; i++) {
        char name[32], url[48], hpke[65], sign[131];
        snprintf(name, sizeof name, "Party %d", i);
        snprintf(url, sizeof url, "http://127.0.0.1:%d", 8001 + i);
        memset(hpke, 'a' + i, 64);
        hpke[64] = '\0';
        sign[0] = '0';
        sign[1] = '4';
        memset(sign + 2, 'a' + i, 128);
        sign[130] = '\0';
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", name);
        cJSON_AddStringToObject(p, "url", url);
        cJSON_AddStringToObject(p, "hpke_public_key", hpke);
        cJSON_AddStringToObject(p, "signing_public_key", sign);
        cJSON_AddItemToArray(parties, p);
    }
}

void tu_run_prio3(const study *s, const uint64_t *meas, size_t stride, size_t n, core_u128 *result)
{
    const prio3 *v = study_prio3(s);
    unsigned shares = prio3_shares(v);
    uint8_t ctx[STUDY_CTX_SIZE], vk[PRIO3_VERIFY_KEY_SIZE], nonce[PRIO3_NONCE_SIZE];
    study_vdaf_ctx(s, ctx);
    tu_rand_bytes(vk, sizeof vk);
    size_t ps = prio3_public_share_size(v), vss = prio3_verifier_share_size(v);
    size_t sts = prio3_verify_state_size(v), os = prio3_out_share_size(v);
    size_t ms = prio3_verifier_message_size(v);
    uint8_t *rand = malloc(prio3_rand_size(v)), *pub = malloc(ps);
    uint8_t *in = malloc(prio3_input_shares_size(v));
    uint8_t *states = malloc(sts * shares), *vshares = malloc(vss * shares);
    uint8_t *msg = malloc(ms), *out = malloc(os), *agg = malloc(os * shares);
    for (unsigned j = 0; j < shares; j++)
        prio3_agg_init(v, agg + j * os);
    for (size_t r = 0; r < n; r++) {
        tu_rand_bytes(rand, prio3_rand_size(v));
        tu_rand_bytes(nonce, sizeof nonce);
        ck_assert_int_eq(prio3_shard(v, ctx, sizeof ctx, meas + r * stride, nonce, rand, pub, in),
                         CORE_OK);
        size_t off = 0;
        for (unsigned j = 0; j < shares; j++) {
            size_t len = prio3_input_share_size(v, j);
            ck_assert_int_eq(prio3_verify_init(v, vk, ctx, sizeof ctx, j, nonce, pub, ps, in + off,
                                               len, states + j * sts, vshares + j * vss),
                             CORE_OK);
            off += len;
        }
        ck_assert_int_eq(
            prio3_verifier_shares_to_message(v, ctx, sizeof ctx, vshares, vss * shares, msg),
            CORE_OK);
        for (unsigned j = 0; j < shares; j++) {
            ck_assert_int_eq(prio3_verify_next(v, states + j * sts, sts, msg, ms, out), CORE_OK);
            ck_assert_int_eq(prio3_aggregate(v, agg + j * os, out, os), CORE_OK);
        }
    }
    ck_assert_int_eq(prio3_unshard(v, agg, os * shares, n, result), CORE_OK);
    free(rand);
    free(pub);
    free(in);
    free(states);
    free(vshares);
    free(msg);
    free(out);
    free(agg);
}
