/*
 * test_prio3.c - Prio3 end to end (draft-irtf-cfrg-vdaf-18, Section 7):
 * shard, verify among all parties, aggregate and unshard random
 * measurements and compare with the sums computed in the clear; then the
 * ways a report must be refused (tampered shares, public share, verifier
 * message, keys, context, encodings) and parameter validation.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "prio3.h"
#include "testutil.h"

static const uint8_t CTX[] = "mpc-study/1 test context";
#define CTX_LEN (sizeof(CTX) - 1)

/* One sharded report and every party's view of it. */
typedef struct report {
    uint8_t nonce[PRIO3_NONCE_SIZE];
    uint8_t *public_share, *input_shares;
    uint8_t **states, **vshares;
} report;

static size_t share_offset(const prio3 *p, unsigned agg)
{
    return agg == 0 ? 0 : prio3_input_share_size(p, 0) + (agg - 1) * prio3_input_share_size(p, 1);
}

static core_err shard(const prio3 *p, const uint64_t *m, report *r)
{
    unsigned S = prio3_shares(p);
    size_t rs = prio3_rand_size(p);
    uint8_t *rand = malloc(rs);
    tu_rand_bytes(rand, rs);
    tu_rand_bytes(r->nonce, sizeof(r->nonce));
    r->public_share = malloc(prio3_public_share_size(p) + 1);
    r->input_shares = malloc(prio3_input_shares_size(p));
    r->states = calloc(S, sizeof(uint8_t *));
    r->vshares = calloc(S, sizeof(uint8_t *));
    core_err err =
        prio3_shard(p, CTX, CTX_LEN, m, r->nonce, rand, r->public_share, r->input_shares);
    free(rand);
    return err;
}

static void report_free(const prio3 *p, report *r)
{
    for (unsigned j = 0; r->states != NULL && j < prio3_shares(p); j++) {
        free(r->states[j]);
        free(r->vshares[j]);
    }
    free(r->states);
    free(r->vshares);
    free(r->public_share);
    free(r->input_shares);
}

/* Runs verification for every party with their own verify key (keys[j],
 * normally all equal). Returns the first error; on success writes each
 * party's output share into outs[j]. */
static core_err verify(const prio3 *p, report *r, const uint8_t (*keys)[32], const uint8_t *ctx,
                       size_t ctx_len, uint8_t **outs)
{
    unsigned S = prio3_shares(p);
    size_t vs = prio3_verifier_share_size(p);
    uint8_t *all = malloc(vs * S), msg[PRIO3_SEED_SIZE];
    core_err err = CORE_OK;
    for (unsigned j = 0; j < S && err == CORE_OK; j++) {
        r->states[j] = malloc(prio3_verify_state_size(p));
        r->vshares[j] = malloc(vs);
        err = prio3_verify_init(p, keys[j], ctx, ctx_len, j, r->nonce, r->public_share,
                                prio3_public_share_size(p), r->input_shares + share_offset(p, j),
                                prio3_input_share_size(p, j), r->states[j], r->vshares[j]);
        if (err == CORE_OK)
            memcpy(all + j * vs, r->vshares[j], vs);
    }
    if (err == CORE_OK)
        err = prio3_verifier_shares_to_message(p, ctx, ctx_len, all, vs * S, msg);
    for (unsigned j = 0; j < S && err == CORE_OK; j++)
        err = prio3_verify_next(p, r->states[j], prio3_verify_state_size(p), msg,
                                prio3_verifier_message_size(p), outs[j]);
    free(all);
    return err;
}

static uint8_t (*same_keys(unsigned S))[32]
{
    uint8_t(*keys)[32] = malloc(S * 32);
    tu_rand_bytes(keys[0], 32);
    for (unsigned j = 1; j < S; j++)
        memcpy(keys[j], keys[0], 32);
    return keys;
}

/* Shards, verifies and aggregates n measurements (each prio3_meas_count
 * integers) and checks the unsharded result against want. */
static void round_trip(const prio3 *p, const uint64_t *meas, size_t n, const core_u128 *want)
{
    unsigned S = prio3_shares(p);
    size_t as = prio3_out_share_size(p), olen = prio3_output_len(p);
    uint8_t *aggs = malloc(as * S), **outs = calloc(S, sizeof(uint8_t *));
    uint8_t(*keys)[32] = same_keys(S);
    for (unsigned j = 0; j < S; j++) {
        outs[j] = malloc(as);
        prio3_agg_init(p, aggs + j * as);
    }
    for (size_t i = 0; i < n; i++) {
        report r = {0};
        ck_assert_int_eq(shard(p, meas + i * prio3_meas_count(p), &r), CORE_OK);
        ck_assert_int_eq(verify(p, &r, (const uint8_t(*)[32])keys, CTX, CTX_LEN, outs), CORE_OK);
        for (unsigned j = 0; j < S; j++)
            ck_assert_int_eq(prio3_aggregate(p, aggs + j * as, outs[j], as), CORE_OK);
        report_free(p, &r);
    }
    core_u128 *got = calloc(olen, sizeof(core_u128));
    ck_assert_int_eq(prio3_unshard(p, aggs, as * S, n, got), CORE_OK);
    for (size_t k = 0; k < olen; k++) {
        ck_assert_uint_eq(got[k].lo, want[k].lo);
        ck_assert_uint_eq(got[k].hi, want[k].hi);
    }
    for (unsigned j = 0; j < S; j++)
        free(outs[j]);
    free(outs);
    free(aggs);
    free(keys);
    free(got);
}

START_TEST(test_histogram240_three_parties)
{
    prio3 *p;
    const size_t len = 240, n = 60;
    ck_assert_int_eq(prio3_new_histogram(&p, 3, len, circuit_best_chunk_length(len)), CORE_OK);
    uint64_t meas[60];
    core_u128 want[240] = {{0, 0}};
    for (size_t i = 0; i < n; i++) {
        meas[i] = tu_rand_below(len);
        want[meas[i]].lo++;
    }
    round_trip(p, meas, n, want);
    prio3_free(p);
}
END_TEST

START_TEST(test_sumvec240_three_parties)
{
    prio3 *p;
    const size_t len = 240, n = 20;
    const uint64_t max = (1u << 20) - 1;
    ck_assert_int_eq(prio3_new_sumvec(&p, 3, len, max, circuit_best_chunk_length(len * 20)),
                     CORE_OK);
    uint64_t *meas = malloc(n * len * sizeof(uint64_t));
    core_u128 want[240] = {{0, 0}};
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < len; k++) {
            uint64_t v = i == 0 ? max : tu_rand_below(max + 1);
            meas[i * len + k] = v;
            want[k].lo += v;
        }
    }
    round_trip(p, meas, n, want);
    free(meas);
    prio3_free(p);
}
END_TEST

START_TEST(test_other_instances)
{
    prio3 *p;
    uint64_t meas[50 * 8];
    core_u128 want[8];
    static const unsigned share_counts[] = {2, 3, 5, 10};
    for (size_t s = 0; s < 4; s++) {
        unsigned S = share_counts[s];
        /* Count */
        ck_assert_int_eq(prio3_new_count(&p, S), CORE_OK);
        want[0] = (core_u128){0, 0};
        for (int i = 0; i < 20; i++)
            want[0].lo += meas[i] = tu_rand_below(2);
        round_trip(p, meas, 20, want);
        prio3_free(p);
        /* Sum */
        ck_assert_int_eq(prio3_new_sum(&p, S, 1000000), CORE_OK);
        want[0] = (core_u128){0, 0};
        for (int i = 0; i < 20; i++)
            want[0].lo += meas[i] = tu_rand_below(1000001);
        round_trip(p, meas, 20, want);
        prio3_free(p);
        /* MultihotCountVec */
        ck_assert_int_eq(prio3_new_multihot(&p, S, 8, 3, 3), CORE_OK);
        memset(want, 0, sizeof(want));
        for (int i = 0; i < 20; i++) {
            for (int k = 0; k < 8; k++)
                meas[i * 8 + k] = 0;
            for (int w = 0; w < 3; w++)
                meas[i * 8 + tu_rand_below(8)] = 1;
            for (int k = 0; k < 8; k++)
                want[k].lo += meas[i * 8 + k];
        }
        round_trip(p, meas, 20, want);
        prio3_free(p);
    }
}
END_TEST

START_TEST(test_many_shares_and_proofs)
{
    prio3 *p;
    uint64_t meas[4] = {1, 0, 1, 1};
    core_u128 want[1] = {{3, 0}};
    ck_assert_int_eq(prio3_new_count(&p, 255), CORE_OK);
    round_trip(p, meas, 4, want);
    prio3_free(p);

    circuit c;
    ck_assert_int_eq(circuit_init_histogram(&c, 30, 6), CORE_OK);
    for (unsigned proofs = 2; proofs <= 4; proofs++) {
        ck_assert_int_eq(prio3_new(&p, &c, PRIO3_ID_TEST, 3, proofs), CORE_OK);
        uint64_t h[5] = {0, 29, 29, 7, 13};
        core_u128 hw[30] = {{0, 0}};
        hw[0].lo = 1;
        hw[29].lo = 2;
        hw[7].lo = 1;
        hw[13].lo = 1;
        round_trip(p, h, 5, hw);
        prio3_free(p);
    }
}
END_TEST

START_TEST(test_invalid_parameters)
{
    prio3 *p = (prio3 *)1;
    ck_assert_int_eq(prio3_new_count(&p, 1), CORE_EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(prio3_new_count(&p, 256), CORE_EINVAL);
    circuit c;
    ck_assert_int_eq(circuit_init_count(&c), CORE_OK);
    ck_assert_int_eq(prio3_new(&p, &c, 1, 2, 0), CORE_EINVAL);
    ck_assert_int_eq(prio3_new(&p, &c, 1, 2, 256), CORE_EINVAL);
    ck_assert_int_eq(prio3_new_histogram(&p, 2, 0, 1), CORE_EINVAL);
    ck_assert_int_eq(prio3_new_sum(&p, 2, 0), CORE_EINVAL);
    /* A leader share of 16 * 2^22 bytes plus its proof exceeds 64 MiB. */
    ck_assert_int_eq(prio3_new_histogram(&p, 2, (size_t)1 << 22, 2048), CORE_ELIMIT);
    ck_assert_ptr_null(p);
    /* 32 MiB of measurement share, then 255 proofs of 10239 elements. */
    ck_assert_int_eq(circuit_init_histogram(&c, (size_t)1 << 21, 4096), CORE_OK);
    ck_assert_int_eq(prio3_new(&p, &c, PRIO3_ID_TEST, 2, 255), CORE_ELIMIT);
    ck_assert_int_eq(prio3_new(&p, &c, PRIO3_ID_TEST, 2, 1), CORE_OK);
    prio3_free(p);
    prio3_free(NULL);
}
END_TEST

START_TEST(test_invalid_measurement)
{
    prio3 *p;
    ck_assert_int_eq(prio3_new_histogram(&p, 2, 10, 3), CORE_OK);
    uint64_t m = 10;
    report r = {0};
    ck_assert_int_eq(shard(p, &m, &r), CORE_EMEAS);
    for (size_t i = 0; i < prio3_input_shares_size(p); i++)
        ck_assert_int_eq(r.input_shares[i], 0);
    report_free(p, &r);
    prio3_free(p);
}
END_TEST

/* Builds a valid 3-party Histogram report, applies a mutation and checks
 * that verification refuses it. */
typedef void (*mutation)(const prio3 *p, report *r, uint8_t (*keys)[32]);

static void flip_leader_meas(const prio3 *p, report *r, uint8_t (*keys)[32])
{
    (void)p;
    (void)keys;
    r->input_shares[3] ^= 1; /* low byte of element 0: still < p */
}

static void flip_leader_proof(const prio3 *p, report *r, uint8_t (*keys)[32])
{
    (void)keys;
    const circuit *c = prio3_circuit(p);
    r->input_shares[16 * c->meas_len + 16 * 5 + 2] ^= 0x10;
}

static void flip_helper_seed(const prio3 *p, report *r, uint8_t (*keys)[32])
{
    (void)keys;
    r->input_shares[share_offset(p, 2)] ^= 1;
}

static void flip_helper_blind(const prio3 *p, report *r, uint8_t (*keys)[32])
{
    (void)keys;
    r->input_shares[share_offset(p, 1) + PRIO3_SEED_SIZE + 7] ^= 1;
}

static void flip_public_share(const prio3 *p, report *r, uint8_t (*keys)[32])
{
    (void)p;
    (void)keys;
    r->public_share[PRIO3_SEED_SIZE + 9] ^= 1;
}

static void other_verify_key(const prio3 *p, report *r, uint8_t (*keys)[32])
{
    (void)p;
    (void)r;
    keys[1][0] ^= 1;
}

static void other_nonce(const prio3 *p, report *r, uint8_t (*keys)[32])
{
    (void)p;
    (void)keys;
    r->nonce[15] ^= 1;
}

START_TEST(test_tampered_reports_refused)
{
    static const mutation mutations[] = {flip_leader_meas,  flip_leader_proof, flip_helper_seed,
                                         flip_helper_blind, flip_public_share, other_verify_key,
                                         other_nonce};
    prio3 *p;
    ck_assert_int_eq(prio3_new_histogram(&p, 3, 20, 5), CORE_OK);
    size_t as = prio3_out_share_size(p);
    uint8_t *outs[3] = {malloc(as), malloc(as), malloc(as)};
    for (size_t k = 0; k < sizeof(mutations) / sizeof(mutations[0]); k++) {
        uint64_t m = tu_rand_below(20);
        report r = {0};
        uint8_t(*keys)[32] = same_keys(3);
        ck_assert_int_eq(shard(p, &m, &r), CORE_OK);
        mutations[k](p, &r, keys);
        core_err err = verify(p, &r, (const uint8_t(*)[32])keys, CTX, CTX_LEN, outs);
        ck_assert_msg(err == CORE_EVERIFY || err == CORE_EJOINT,
                      "mutation %zu: verification returned %s", k, core_err_str(err));
        report_free(p, &r);
        free(keys);
    }
    /* A report verified under another context is refused too. */
    uint64_t m = 3;
    report r = {0};
    uint8_t(*keys)[32] = same_keys(3);
    ck_assert_int_eq(shard(p, &m, &r), CORE_OK);
    ck_assert_int_ne(verify(p, &r, (const uint8_t(*)[32])keys, (const uint8_t *)"other", 5, outs),
                     CORE_OK);
    report_free(p, &r);
    free(keys);
    for (int j = 0; j < 3; j++)
        free(outs[j]);
    prio3_free(p);
}
END_TEST

START_TEST(test_malformed_messages)
{
    prio3 *p;
    ck_assert_int_eq(prio3_new_histogram(&p, 2, 10, 3), CORE_OK);
    uint64_t m = 4;
    report r = {0};
    ck_assert_int_eq(shard(p, &m, &r), CORE_OK);
    uint8_t key[32] = {0}, *state = malloc(prio3_verify_state_size(p));
    uint8_t *vs = malloc(2 * prio3_verifier_share_size(p)), msg[32];
    size_t ps = prio3_public_share_size(p), l0 = prio3_input_share_size(p, 0);
    /* Wrong lengths. */
    ck_assert_int_eq(prio3_verify_init(p, key, CTX, CTX_LEN, 0, r.nonce, r.public_share, ps - 1,
                                       r.input_shares, l0, state, vs),
                     CORE_EDECODE);
    ck_assert_int_eq(prio3_verify_init(p, key, CTX, CTX_LEN, 0, r.nonce, r.public_share, ps,
                                       r.input_shares, l0 + 1, state, vs),
                     CORE_EDECODE);
    ck_assert_int_eq(prio3_verify_init(p, key, CTX, CTX_LEN, 2, r.nonce, r.public_share, ps,
                                       r.input_shares, l0, state, vs),
                     CORE_EINVAL);
    ck_assert_int_eq(prio3_verify_init(p, key, CTX, PRIO3_MAX_CTX_SIZE + 1, 0, r.nonce,
                                       r.public_share, ps, r.input_shares, l0, state, vs),
                     CORE_EINVAL);
    /* An element >= p in the leader's share. */
    memset(r.input_shares + 16, 0xFF, 16);
    ck_assert_int_eq(prio3_verify_init(p, key, CTX, CTX_LEN, 0, r.nonce, r.public_share, ps,
                                       r.input_shares, l0, state, vs),
                     CORE_EDECODE);
    /* Verifier shares, verifier message and output share lengths. */
    memset(vs, 0, 2 * prio3_verifier_share_size(p));
    ck_assert_int_eq(
        prio3_verifier_shares_to_message(p, CTX, CTX_LEN, vs, prio3_verifier_share_size(p), msg),
        CORE_EDECODE);
    memset(vs, 0xFF, 16);
    ck_assert_int_eq(prio3_verifier_shares_to_message(p, CTX, CTX_LEN, vs,
                                                      2 * prio3_verifier_share_size(p), msg),
                     CORE_EDECODE);
    uint8_t out[16 * 10];
    ck_assert_int_eq(prio3_verify_next(p, state, prio3_verify_state_size(p), msg, 31, out),
                     CORE_EJOINT);
    ck_assert_int_eq(prio3_verify_next(p, state, 3, msg, 32, out), CORE_EINVAL);
    uint8_t agg[16 * 10];
    prio3_agg_init(p, agg);
    ck_assert_int_eq(prio3_aggregate(p, agg, out, 16 * 9), CORE_EDECODE);
    core_u128 res[10];
    ck_assert_int_eq(prio3_unshard(p, agg, 16 * 10, 1, res), CORE_EDECODE);
    free(state);
    free(vs);
    report_free(p, &r);
    prio3_free(p);
}
END_TEST

START_TEST(test_sizes)
{
    prio3 *p;
    ck_assert_int_eq(prio3_new_count(&p, 3), CORE_OK);
    ck_assert_uint_eq(prio3_rand_size(p), 3 * 32);
    ck_assert_uint_eq(prio3_public_share_size(p), 0);
    ck_assert_uint_eq(prio3_input_share_size(p, 0), 8 * (1 + 5));
    ck_assert_uint_eq(prio3_input_share_size(p, 2), 32);
    ck_assert_uint_eq(prio3_verifier_message_size(p), 0);
    prio3_free(p);
    ck_assert_int_eq(prio3_new_histogram(&p, 3, 4, 2), CORE_OK);
    ck_assert_uint_eq(prio3_rand_size(p), 6 * 32);
    ck_assert_uint_eq(prio3_public_share_size(p), 3 * 32);
    ck_assert_uint_eq(prio3_input_share_size(p, 1), 64);
    ck_assert_uint_eq(prio3_verifier_message_size(p), 32);
    ck_assert_uint_eq(prio3_input_shares_size(p), prio3_input_share_size(p, 0) + 2 * 64);
    prio3_free(p);
}
END_TEST

TU_MAIN("prio3", 120, test_histogram240_three_parties, test_sumvec240_three_parties,
        test_other_instances, test_many_shares_and_proofs, test_invalid_parameters,
        test_invalid_measurement, test_tampered_reports_refused, test_malformed_messages,
        test_sizes)
