/*
 * vdaf.c - the VDAF part of mpc-vectors: draft-irtf-cfrg-vdaf-18 files
 * (test_vec/vdaf/Prio3*.json and test_vec/XofTurboShake128.json; format in
 * tests/vectors/SOURCES.md). The Prio3 instance is chosen by the file name
 * (Prio3Count_0.json -> Prio3Count) and its parameters by the file's
 * fields. Every operation the file lists is run in order, and every byte it
 * gives is compared; operations marked "success": false must fail at
 * exactly that step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "prio3.h"
#include "vectors.h"
#include "xof.h"

/* ---- XofTurboShake128.json ------------------------------------------------ */

static void run_xof(const cJSON *doc, result *r)
{
    uint8_t *seed = NULL, *dst = NULL, *binder = NULL, *raw = NULL;
    size_t seed_len, dst_len, binder_len;
    felem *vec = NULL;
    uint64_t length;
    if (get_hex(field(doc, "seed"), &seed, &seed_len) != 0 ||
        get_hex(field(doc, "dst"), &dst, &dst_len) != 0 ||
        get_hex(field(doc, "binder"), &binder, &binder_len) != 0 ||
        get_uint_field(doc, "length", &length) != 0 || length == 0 || length > 1000000 ||
        seed_len != XOF_SEED_SIZE || dst_len > 65535) {
        fail(r, "malformed XOF vector");
        goto cleanup;
    }
    uint8_t derived[XOF_SEED_SIZE];
    xof_derive_seed(seed, seed_len, dst, dst_len, binder, binder_len, derived);
    expect_hex(r, field(doc, "derived_seed"), derived, sizeof(derived), "derived_seed");

    vec = calloc(length, sizeof(felem));
    raw = calloc(length, 16);
    if (vec == NULL || raw == NULL) {
        fail(r, "out of memory");
        goto cleanup;
    }
    xof x;
    xof_init(&x, seed, seed_len, dst, dst_len, binder, binder_len);
    xof_next_vec(&x, FIELD128, vec, NULL, length);
    field_vec_encode(FIELD128, vec, length, raw);
    expect_hex(r, field(doc, "expanded_vec_field128"), raw, length * 16, "expanded_vec_field128");
cleanup:
    free(seed);
    free(dst);
    free(binder);
    free(vec);
    free(raw);
}

/* ---- Prio3 files ------------------------------------------------------------ */

/* Builds the Prio3 instance a file describes. */
static core_err make_prio3(const char *name, const cJSON *doc, unsigned shares, prio3 **out,
                           result *r)
{
    uint64_t length = 0, chunk = 0, max = 0, weight = 0;
    get_uint_field(doc, "length", &length);
    get_uint_field(doc, "chunk_length", &chunk);
    get_uint_field(doc, "max_measurement", &max);
    get_uint_field(doc, "max_weight", &weight);
    circuit c;
    core_err err;
    if (strcmp(name, "Prio3Count") == 0)
        return prio3_new_count(out, shares);
    if (strcmp(name, "Prio3Sum") == 0)
        return prio3_new_sum(out, shares, max);
    if (strcmp(name, "Prio3SumVec") == 0)
        return prio3_new_sumvec(out, shares, length, max, chunk);
    if (strcmp(name, "Prio3Histogram") == 0)
        return prio3_new_histogram(out, shares, length, chunk);
    if (strcmp(name, "Prio3MultihotCountVec") == 0)
        return prio3_new_multihot(out, shares, length, weight, chunk);
    if (strcmp(name, "Prio3HigherDegree") == 0) {
        err = circuit_init_higher_degree(&c);
        return err != CORE_OK ? err : prio3_new(out, &c, PRIO3_ID_TEST, shares, 1);
    }
    if (strcmp(name, "Prio3SumVecWithMultiproof") == 0) {
        /* The draft instantiates this test variant with Field64 and three
         * proofs; the file does not say so, so confirm it from the size of
         * the leader's input share, trying the other choices if needed. */
        const cJSON *reports = field(doc, "reports");
        const cJSON *shares0 = field(cJSON_GetArrayItem(reports, 0), "input_shares");
        const cJSON *leader = cJSON_GetArrayItem(shares0, 0);
        size_t want = cJSON_IsString(leader) ? strlen(leader->valuestring) / 2 : 0;
        for (unsigned attempt = 0; attempt <= 2 * PRIO3_MAX_PROOFS; attempt++) {
            field_id f = attempt == 0 || attempt % 2 == 1 ? FIELD64 : FIELD128;
            unsigned proofs = attempt == 0 ? 3 : (attempt + 1) / 2;
            err = circuit_init_sumvec(&c, f, length, max, chunk);
            if (err != CORE_OK)
                return err;
            err = prio3_new(out, &c, PRIO3_ID_TEST, shares, proofs);
            if (err != CORE_OK || prio3_input_share_size(*out, 0) == want)
                return err;
            prio3_free(*out);
            *out = NULL;
        }
        fail(r, "no field and proof count matches the leader input share size");
        return CORE_EINVAL;
    }
    fail(r, "unsupported VDAF %s", name);
    return CORE_EINVAL;
}

/* Converts a JSON measurement into the integers prio3_shard takes. */
static int get_measurement(const cJSON *m, uint64_t *out, size_t count)
{
    if (cJSON_IsArray(m)) {
        if ((size_t)cJSON_GetArraySize(m) != count)
            return -1;
        size_t i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, m)
        {
            if (get_uint(e, &out[i++]) != 0)
                return -1;
        }
        return 0;
    }
    return count == 1 ? get_uint(m, &out[0]) : -1;
}

/* Per-report, per-party state kept between operations. */
typedef struct report_state {
    uint8_t **verify_state; /* [shares], NULL until verify_init */
} report_state;

typedef struct run {
    const cJSON *doc;
    prio3 *p;
    unsigned shares;
    uint8_t *ctx, *verify_key;
    size_t ctx_len;
    report_state *rs;
    size_t nreports;
    result *r;
} run;

static const cJSON *report_at(const run *u, uint64_t index)
{
    return cJSON_GetArrayItem(field(u->doc, "reports"), (int)index);
}

static void op_shard(run *u, const cJSON *rep, size_t ri, int success)
{
    const prio3 *p = u->p;
    uint8_t *nonce = NULL, *rand = NULL, *pub = NULL, *shares = NULL;
    size_t nonce_len, rand_len;
    uint64_t *meas = calloc(prio3_meas_count(p), sizeof(uint64_t));
    char what[64];
    if (meas == NULL || get_hex(field(rep, "nonce"), &nonce, &nonce_len) != 0 ||
        get_hex(field(rep, "rand"), &rand, &rand_len) != 0 || nonce_len != PRIO3_NONCE_SIZE ||
        rand_len != prio3_rand_size(p)) {
        fail(u->r, "report %zu: shard: malformed nonce or rand", ri);
        goto cleanup;
    }
    pub = malloc(prio3_public_share_size(p) + 1);
    shares = malloc(prio3_input_shares_size(p));
    if (pub == NULL || shares == NULL) {
        fail(u->r, "out of memory");
        goto cleanup;
    }
    core_err err = CORE_EMEAS;
    if (get_measurement(field(rep, "measurement"), meas, prio3_meas_count(p)) == 0)
        err = prio3_shard(p, u->ctx, u->ctx_len, meas, nonce, rand, pub, shares);
    snprintf(what, sizeof(what), "report %zu: shard", ri);
    if (!outcome(u->r, err, success, what))
        goto cleanup;
    snprintf(what, sizeof(what), "report %zu: public share", ri);
    expect_hex(u->r, field(rep, "public_share"), pub, prio3_public_share_size(p), what);
    const uint8_t *s = shares;
    for (unsigned j = 0; j < u->shares; j++) {
        snprintf(what, sizeof(what), "report %zu: input share %u", ri, j);
        expect_hex(u->r, cJSON_GetArrayItem(field(rep, "input_shares"), (int)j), s,
                   prio3_input_share_size(p, j), what);
        s += prio3_input_share_size(p, j);
    }
cleanup:
    free(meas);
    free(nonce);
    free(rand);
    free(pub);
    free(shares);
}

static void op_verify_init(run *u, const cJSON *rep, size_t ri, unsigned agg, int success)
{
    const prio3 *p = u->p;
    uint8_t *nonce = NULL, *pub = NULL, *share = NULL, *state = NULL, *vshare = NULL;
    size_t nonce_len, pub_len, share_len;
    char what[64];
    if (agg >= u->shares || get_hex(field(rep, "nonce"), &nonce, &nonce_len) != 0 ||
        nonce_len != PRIO3_NONCE_SIZE || get_hex(field(rep, "public_share"), &pub, &pub_len) != 0 ||
        get_hex(cJSON_GetArrayItem(field(rep, "input_shares"), (int)agg), &share, &share_len) !=
            0) {
        fail(u->r, "report %zu: verify_init: malformed report", ri);
        goto cleanup;
    }
    state = malloc(prio3_verify_state_size(p) + 1);
    vshare = malloc(prio3_verifier_share_size(p));
    if (state == NULL || vshare == NULL) {
        fail(u->r, "out of memory");
        goto cleanup;
    }
    core_err err = prio3_verify_init(p, u->verify_key, u->ctx, u->ctx_len, agg, nonce, pub, pub_len,
                                     share, share_len, state, vshare);
    snprintf(what, sizeof(what), "report %zu: verify_init (party %u)", ri, agg);
    if (!outcome(u->r, err, success, what))
        goto cleanup;
    snprintf(what, sizeof(what), "report %zu: verifier share %u", ri, agg);
    const cJSON *round0 = cJSON_GetArrayItem(field(rep, "verifier_shares"), 0);
    expect_hex(u->r, cJSON_GetArrayItem(round0, (int)agg), vshare, prio3_verifier_share_size(p),
               what);
    free(u->rs[ri].verify_state[agg]);
    u->rs[ri].verify_state[agg] = state;
    state = NULL;
cleanup:
    free(nonce);
    free(pub);
    free(share);
    free(state);
    free(vshare);
}

static void op_to_message(run *u, const cJSON *rep, size_t ri, uint64_t round, int success)
{
    const prio3 *p = u->p;
    size_t vs = prio3_verifier_share_size(p);
    uint8_t *all = malloc(vs * u->shares + 1), *msg = malloc(PRIO3_SEED_SIZE);
    char what[64];
    if (all == NULL || msg == NULL) {
        fail(u->r, "out of memory");
        goto cleanup;
    }
    const cJSON *list = cJSON_GetArrayItem(field(rep, "verifier_shares"), (int)round);
    for (unsigned j = 0; j < u->shares; j++) {
        uint8_t *b;
        size_t n;
        if (get_hex(cJSON_GetArrayItem(list, (int)j), &b, &n) != 0 || n != vs) {
            free(b);
            fail(u->r, "report %zu: verifier share %u: malformed", ri, j);
            goto cleanup;
        }
        memcpy(all + j * vs, b, vs);
        free(b);
    }
    core_err err =
        prio3_verifier_shares_to_message(p, u->ctx, u->ctx_len, all, vs * u->shares, msg);
    snprintf(what, sizeof(what), "report %zu: verifier_shares_to_message", ri);
    if (!outcome(u->r, err, success, what))
        goto cleanup;
    snprintf(what, sizeof(what), "report %zu: verifier message", ri);
    expect_hex(u->r, cJSON_GetArrayItem(field(rep, "verifier_messages"), (int)round), msg,
               prio3_verifier_message_size(p), what);
cleanup:
    free(all);
    free(msg);
}

static void op_verify_next(run *u, const cJSON *rep, size_t ri, unsigned agg, uint64_t round,
                           int success)
{
    const prio3 *p = u->p;
    uint8_t *msg = NULL, *out = malloc(prio3_out_share_size(p));
    size_t msg_len;
    char what[64];
    const uint8_t *state = agg < u->shares ? u->rs[ri].verify_state[agg] : NULL;
    if (out == NULL || state == NULL || round != 1 ||
        get_hex(cJSON_GetArrayItem(field(rep, "verifier_messages"), (int)round - 1), &msg,
                &msg_len) != 0) {
        fail(u->r, "report %zu: verify_next (party %u): no state or malformed message", ri, agg);
        goto cleanup;
    }
    core_err err = prio3_verify_next(p, state, prio3_verify_state_size(p), msg, msg_len, out);
    snprintf(what, sizeof(what), "report %zu: verify_next (party %u)", ri, agg);
    if (!outcome(u->r, err, success, what))
        goto cleanup;
    snprintf(what, sizeof(what), "report %zu: output share %u", ri, agg);
    expect_hex(u->r, cJSON_GetArrayItem(field(rep, "out_shares"), (int)agg), out,
               prio3_out_share_size(p), what);
cleanup:
    free(msg);
    free(out);
}

static void op_aggregate(run *u, unsigned agg, int success)
{
    const prio3 *p = u->p;
    size_t as = prio3_out_share_size(p);
    uint8_t *acc = malloc(as);
    char what[64];
    core_err err = CORE_OK;
    if (acc == NULL || agg >= u->shares) {
        fail(u->r, "aggregate: bad party or out of memory");
        goto cleanup;
    }
    prio3_agg_init(p, acc);
    for (size_t ri = 0; ri < u->nreports && err == CORE_OK; ri++) {
        uint8_t *b;
        size_t n;
        const cJSON *outs = field(report_at(u, ri), "out_shares");
        if (get_hex(cJSON_GetArrayItem(outs, (int)agg), &b, &n) != 0) {
            fail(u->r, "aggregate: report %zu has no output share %u", ri, agg);
            goto cleanup;
        }
        err = prio3_aggregate(p, acc, b, n);
        free(b);
    }
    snprintf(what, sizeof(what), "aggregate (party %u)", agg);
    if (!outcome(u->r, err, success, what))
        goto cleanup;
    snprintf(what, sizeof(what), "aggregate share %u", agg);
    expect_hex(u->r, cJSON_GetArrayItem(field(u->doc, "agg_shares"), (int)agg), acc, as, what);
cleanup:
    free(acc);
}

static void op_unshard(run *u, int success)
{
    const prio3 *p = u->p;
    size_t as = prio3_out_share_size(p);
    size_t olen = prio3_output_len(p);
    uint8_t *all = malloc(as * u->shares);
    core_u128 *res = calloc(olen, sizeof(core_u128));
    core_err err = CORE_EDECODE;
    if (all == NULL || res == NULL) {
        fail(u->r, "out of memory");
        goto cleanup;
    }
    const cJSON *list = field(u->doc, "agg_shares");
    int ok = cJSON_GetArraySize(list) == (int)u->shares;
    for (unsigned j = 0; ok && j < u->shares; j++) {
        uint8_t *b;
        size_t n;
        ok = get_hex(cJSON_GetArrayItem(list, (int)j), &b, &n) == 0 && n == as;
        if (ok)
            memcpy(all + j * as, b, as);
        free(b);
    }
    if (ok)
        err = prio3_unshard(p, all, as * u->shares, u->nreports, res);
    if (!outcome(u->r, err, success, "unshard"))
        goto cleanup;
    const cJSON *want = field(u->doc, "agg_result");
    for (size_t i = 0; i < olen; i++) {
        const cJSON *w = cJSON_IsArray(want) ? cJSON_GetArrayItem(want, (int)i) : want;
        uint64_t v;
        if ((cJSON_IsArray(want) ? (size_t)cJSON_GetArraySize(want) != olen : olen != 1) ||
            get_uint(w, &v) != 0 || res[i].hi != 0 || res[i].lo != v) {
            fail(u->r, "unshard: aggregate result element %zu differs", i);
            break;
        }
    }
    u->r->checks++;
cleanup:
    free(all);
    free(res);
}

static void run_prio3(const char *name, const cJSON *doc, result *r)
{
    run u = {.doc = doc, .r = r};
    uint64_t shares;
    const cJSON *reports = field(doc, "reports"), *ops = field(doc, "operations");
    if (get_uint_field(doc, "shares", &shares) != 0 || shares < 2 || shares > PRIO3_MAX_SHARES ||
        !cJSON_IsArray(reports) || !cJSON_IsArray(ops) ||
        get_hex(field(doc, "ctx"), &u.ctx, &u.ctx_len) != 0) {
        fail(r, "malformed file: shares, reports, operations or ctx");
        goto cleanup;
    }
    const cJSON *agg_param = field(doc, "agg_param");
    if (!cJSON_IsString(agg_param) || agg_param->valuestring[0] != '\0') {
        fail(r, "Prio3 has no aggregation parameter, but the file has one");
        goto cleanup;
    }
    size_t vk_len;
    if (get_hex(field(doc, "verify_key"), &u.verify_key, &vk_len) != 0 ||
        vk_len != PRIO3_VERIFY_KEY_SIZE) {
        fail(r, "malformed verify_key");
        goto cleanup;
    }
    u.shares = (unsigned)shares;
    core_err err = make_prio3(name, doc, u.shares, &u.p, r);
    if (err != CORE_OK) {
        fail(r, "cannot instantiate %s: %s", name, core_err_str(err));
        goto cleanup;
    }
    u.nreports = (size_t)cJSON_GetArraySize(reports);
    u.rs = calloc(u.nreports + 1, sizeof(report_state));
    if (u.rs == NULL) {
        fail(r, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < u.nreports; i++) {
        u.rs[i].verify_state = calloc(u.shares, sizeof(uint8_t *));
        if (u.rs[i].verify_state == NULL) {
            fail(r, "out of memory");
            goto cleanup;
        }
    }

    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        if (r->failed)
            break;
        const cJSON *name_item = field(op, "operation");
        const char *o = cJSON_IsString(name_item) ? name_item->valuestring : "";
        int success = cJSON_IsTrue(field(op, "success"));
        uint64_t ri = 0, agg = 0, round = 0;
        int has_report = get_uint_field(op, "report_index", &ri) == 0;
        get_uint_field(op, "aggregator_id", &agg);
        get_uint_field(op, "round", &round);
        if (has_report && ri >= u.nreports) {
            fail(r, "operation %s names report %llu, which does not exist", o,
                 (unsigned long long)ri);
            break;
        }
        const cJSON *rep = has_report ? report_at(&u, ri) : NULL;
        if (strcmp(o, "shard") == 0 && rep)
            op_shard(&u, rep, ri, success);
        else if (strcmp(o, "verify_init") == 0 && rep)
            op_verify_init(&u, rep, ri, (unsigned)agg, success);
        else if (strcmp(o, "verifier_shares_to_message") == 0 && rep)
            op_to_message(&u, rep, ri, round, success);
        else if (strcmp(o, "verify_next") == 0 && rep)
            op_verify_next(&u, rep, ri, (unsigned)agg, round, success);
        else if (strcmp(o, "aggregate") == 0)
            op_aggregate(&u, (unsigned)agg, success);
        else if (strcmp(o, "unshard") == 0)
            op_unshard(&u, success);
        else
            fail(r, "unknown or incomplete operation \"%s\"", o);
    }
    if (!r->failed && r->checks == 0)
        fail(r, "the file lists no operation");
cleanup:
    for (size_t i = 0; u.rs != NULL && i < u.nreports; i++) {
        for (unsigned j = 0; u.rs[i].verify_state != NULL && j < u.shares; j++)
            free(u.rs[i].verify_state[j]);
        free(u.rs[i].verify_state);
    }
    free(u.rs);
    prio3_free(u.p);
    free(u.ctx);
    free(u.verify_key);
}

/* The instance name: the file's base name up to its first '_' or '.'. */
static void vdaf_name(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, "_.");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

int run_vdaf_file(const char *path)
{
    result r = {0};
    char name[64];
    vdaf_name(path, name, sizeof(name));
    cJSON *doc = load_json(path, &r);
    if (doc != NULL && strcmp(name, "XofTurboShake128") == 0)
        run_xof(doc, &r);
    else if (doc != NULL)
        run_prio3(name, doc, &r);
    if (r.failed)
        printf("FAIL %s: %s\n", path, r.msg);
    else
        printf("PASS %s (%zu checks)\n", path, r.checks);
    cJSON_Delete(doc);
    return r.failed ? -1 : 0;
}
