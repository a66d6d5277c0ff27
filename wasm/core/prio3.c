/*
 * prio3.c - Prio3 (draft-irtf-cfrg-vdaf-18, Section 7.2): sharding
 * (7.2.1, with and without joint randomness), verification (7.2.2),
 * aggregation (7.2.4), unsharding (7.2.5) and the message encodings
 * (7.2.6). Domain separation follows Section 6.2.2: every XOF use has
 *   dst = VERSION || 0 (Prio3 class) || be32(algorithm id) || be16(usage) || ctx.
 *
 * Helper shares are derived from seeds by streaming: a helper's
 * measurement share is subtracted from the leader's and absorbed into its
 * joint-randomness part element by element, so sharding needs no buffer per
 * helper.
 */
#include "prio3.h"

#include <stdlib.h>
#include <string.h>

#include "flp.h"
#include "xof.h"

enum {
    USAGE_MEAS_SHARE = 1,
    USAGE_PROOF_SHARE = 2,
    USAGE_JOINT_RANDOMNESS = 3,
    USAGE_PROVE_RANDOMNESS = 4,
    USAGE_QUERY_RANDOMNESS = 5,
    USAGE_JOINT_RAND_SEED = 6,
    USAGE_JOINT_RAND_PART = 7,
};

struct prio3 {
    flp *flp;
    const circuit *c; /* owned by flp */
    uint32_t id;
    unsigned shares, proofs;
    int jr;    /* uses joint randomness */
    size_t es; /* encoded element size */
    size_t meas_len, proof_len, verifier_len, output_len;
    size_t prove_rand_len, query_rand_len, joint_rand_len;
};

/* ---- construction and sizes ------------------------------------------- */

core_err prio3_new(prio3 **out, const circuit *c, uint32_t algorithm_id, unsigned shares,
                   unsigned proofs)
{
    *out = NULL;
    if (shares < 2 || shares > PRIO3_MAX_SHARES || proofs < 1 || proofs > PRIO3_MAX_PROOFS)
        return CORE_EINVAL;
    prio3 *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return CORE_ENOMEM;
    core_err err = flp_new(&p->flp, c);
    if (err != CORE_OK) {
        free(p);
        return err;
    }
    p->c = flp_circuit(p->flp);
    p->id = algorithm_id;
    p->shares = shares;
    p->proofs = proofs;
    p->jr = p->c->joint_rand_len > 0;
    p->es = field_encoded_size(p->c->field);
    p->meas_len = p->c->meas_len;
    p->output_len = p->c->output_len;
    p->joint_rand_len = p->c->joint_rand_len;
    p->proof_len = flp_proof_len(p->flp);
    p->verifier_len = flp_verifier_len(p->flp);
    p->prove_rand_len = flp_prove_rand_len(p->flp);
    p->query_rand_len = flp_query_rand_len(p->flp);
    /* Bound the largest messages, computed in 64 bits so that nothing
     * wraps on 32-bit targets (the circuit's lengths are already bounded). */
    uint64_t leader = (uint64_t)p->es * (p->meas_len + (uint64_t)p->proof_len * proofs);
    uint64_t verifier = (uint64_t)p->es * p->verifier_len * proofs;
    if (leader + 2 * PRIO3_SEED_SIZE > PRIO3_MAX_MESSAGE_SIZE ||
        verifier + PRIO3_SEED_SIZE > PRIO3_MAX_MESSAGE_SIZE) {
        prio3_free(p);
        return CORE_ELIMIT;
    }
    *out = p;
    return CORE_OK;
}

core_err prio3_new_count(prio3 **out, unsigned shares)
{
    circuit c;
    core_err err = circuit_init_count(&c);
    return err != CORE_OK ? err : prio3_new(out, &c, PRIO3_ID_COUNT, shares, 1);
}

core_err prio3_new_sum(prio3 **out, unsigned shares, uint64_t max_measurement)
{
    circuit c;
    core_err err = circuit_init_sum(&c, max_measurement);
    return err != CORE_OK ? err : prio3_new(out, &c, PRIO3_ID_SUM, shares, 1);
}

core_err prio3_new_sumvec(prio3 **out, unsigned shares, size_t length, uint64_t max_measurement,
                          size_t chunk_length)
{
    circuit c;
    core_err err = circuit_init_sumvec(&c, FIELD128, length, max_measurement, chunk_length);
    return err != CORE_OK ? err : prio3_new(out, &c, PRIO3_ID_SUMVEC, shares, 1);
}

core_err prio3_new_histogram(prio3 **out, unsigned shares, size_t length, size_t chunk_length)
{
    circuit c;
    core_err err = circuit_init_histogram(&c, length, chunk_length);
    return err != CORE_OK ? err : prio3_new(out, &c, PRIO3_ID_HISTOGRAM, shares, 1);
}

core_err prio3_new_multihot(prio3 **out, unsigned shares, size_t length, uint64_t max_weight,
                            size_t chunk_length)
{
    circuit c;
    core_err err = circuit_init_multihot(&c, length, max_weight, chunk_length);
    return err != CORE_OK ? err : prio3_new(out, &c, PRIO3_ID_MULTIHOT, shares, 1);
}

void prio3_free(prio3 *p)
{
    if (p == NULL)
        return;
    flp_free(p->flp);
    free(p);
}

const circuit *prio3_circuit(const prio3 *p)
{
    return p->c;
}

unsigned prio3_shares(const prio3 *p)
{
    return p->shares;
}

size_t prio3_meas_count(const prio3 *p)
{
    return p->c->meas_count;
}

size_t prio3_output_len(const prio3 *p)
{
    return p->output_len;
}

size_t prio3_rand_size(const prio3 *p)
{
    return (size_t)p->shares * PRIO3_SEED_SIZE * (p->jr ? 2 : 1);
}

size_t prio3_public_share_size(const prio3 *p)
{
    return p->jr ? (size_t)p->shares * PRIO3_SEED_SIZE : 0;
}

size_t prio3_input_share_size(const prio3 *p, unsigned agg_id)
{
    size_t blind = p->jr ? PRIO3_SEED_SIZE : 0;
    if (agg_id > 0)
        return PRIO3_SEED_SIZE + blind;
    return p->es * (p->meas_len + p->proof_len * p->proofs) + blind;
}

size_t prio3_input_shares_size(const prio3 *p)
{
    return prio3_input_share_size(p, 0) + (p->shares - 1) * prio3_input_share_size(p, 1);
}

size_t prio3_verify_state_size(const prio3 *p)
{
    return p->es * p->output_len + (p->jr ? PRIO3_SEED_SIZE : 0);
}

size_t prio3_verifier_share_size(const prio3 *p)
{
    return p->es * p->verifier_len * p->proofs + (p->jr ? PRIO3_SEED_SIZE : 0);
}

size_t prio3_verifier_message_size(const prio3 *p)
{
    return p->jr ? PRIO3_SEED_SIZE : 0;
}

size_t prio3_out_share_size(const prio3 *p)
{
    return p->es * p->output_len;
}

/* ---- XOF helpers (Section 7.2.3) --------------------------------------- */

/* Starts the XOF for (seed, dst(usage, ctx)); the caller absorbs the
 * binder next. */
static void xof_start(const prio3 *p, xof *x, unsigned usage, const uint8_t *ctx, size_t ctx_len,
                      const uint8_t *seed)
{
    const uint8_t prefix[8] = {
        PRIO3_VERSION,          0,
        (uint8_t)(p->id >> 24), (uint8_t)(p->id >> 16),
        (uint8_t)(p->id >> 8),  (uint8_t)p->id,
        (uint8_t)(usage >> 8),  (uint8_t)usage,
    };
    xof_begin(x, sizeof(prefix) + ctx_len);
    xof_absorb(x, prefix, sizeof(prefix));
    xof_absorb(x, ctx, ctx_len);
    xof_absorb_seed(x, seed, PRIO3_SEED_SIZE);
}

/* expand_into_vec(seed, dst(usage), binder_a || binder_b, n) */
static void expand(const prio3 *p, unsigned usage, const uint8_t *ctx, size_t ctx_len,
                   const uint8_t *seed, const uint8_t *binder_a, size_t len_a,
                   const uint8_t *binder_b, size_t len_b, felem *out, size_t n)
{
    xof x;
    xof_start(p, &x, usage, ctx, ctx_len, seed);
    xof_absorb(&x, binder_a, len_a);
    xof_absorb(&x, binder_b, len_b);
    xof_next_vec(&x, p->c->field, out, NULL, n);
    xof_wipe(&x);
}

/* Starts the joint randomness part XOF for party agg_id: the binder is
 * agg_id || nonce || encoded measurement share (absorbed by the caller). */
static void part_start(const prio3 *p, xof *x, const uint8_t *ctx, size_t ctx_len, unsigned agg_id,
                       const uint8_t *blind, const uint8_t *nonce)
{
    uint8_t id = (uint8_t)agg_id;
    xof_start(p, x, USAGE_JOINT_RAND_PART, ctx, ctx_len, blind);
    xof_absorb(x, &id, 1);
    xof_absorb(x, nonce, PRIO3_NONCE_SIZE);
}

/* joint_rand_seed(parts): derive_seed(zeros, dst(JOINT_RAND_SEED), parts) */
static void joint_rand_seed(const prio3 *p, const uint8_t *ctx, size_t ctx_len,
                            const uint8_t *parts, uint8_t seed[PRIO3_SEED_SIZE])
{
    static const uint8_t zeros[PRIO3_SEED_SIZE] = {0};
    xof x;
    xof_start(p, &x, USAGE_JOINT_RAND_SEED, ctx, ctx_len, zeros);
    xof_absorb(&x, parts, (size_t)p->shares * PRIO3_SEED_SIZE);
    xof_next(&x, seed, PRIO3_SEED_SIZE);
    xof_wipe(&x);
}

/* A party's measurement share from its seed (Section 7.2.3,
 * helper_meas_share), optionally absorbing its encoding into *part, and
 * optionally subtracting it from `from` (the leader's share). */
static void helper_meas_share(const prio3 *p, const uint8_t *ctx, size_t ctx_len, unsigned agg_id,
                              const uint8_t *seed, felem *out, felem *from, xof *part)
{
    field_id f = p->c->field;
    uint8_t id = (uint8_t)agg_id, raw[FIELD_MAX_ENCODED_SIZE];
    xof x;
    xof_start(p, &x, USAGE_MEAS_SHARE, ctx, ctx_len, seed);
    xof_absorb(&x, &id, 1);
    for (size_t i = 0; i < p->meas_len; i++) {
        felem e;
        xof_next_vec(&x, f, &e, raw, 1);
        if (out != NULL)
            out[i] = e;
        if (from != NULL)
            from[i] = field_sub(f, from[i], e);
        if (part != NULL)
            xof_absorb(part, raw, p->es);
    }
    xof_wipe(&x);
    core_wipe(raw, sizeof(raw));
}

/* A party's share of the proofs, expanded from its seed. */
static void helper_proofs_share(const prio3 *p, const uint8_t *ctx, size_t ctx_len, unsigned agg_id,
                                const uint8_t *seed, felem *out)
{
    uint8_t binder[2] = {(uint8_t)p->proofs, (uint8_t)agg_id};
    expand(p, USAGE_PROOF_SHARE, ctx, ctx_len, seed, binder, 2, NULL, 0, out,
           p->proof_len * p->proofs);
}

/* ---- sharding (Section 7.2.1) ----------------------------------------- */

core_err prio3_shard(const prio3 *p, const uint8_t *ctx, size_t ctx_len, const uint64_t *meas,
                     const uint8_t nonce[PRIO3_NONCE_SIZE], const uint8_t *rand,
                     uint8_t *public_share, uint8_t *input_shares)
{
    return prio3_shard_encoded(p, ctx, ctx_len, meas, NULL, nonce, rand, public_share,
                               input_shares);
}

core_err prio3_shard_encoded(const prio3 *p, const uint8_t *ctx, size_t ctx_len,
                             const uint64_t *meas, const felem *given,
                             const uint8_t nonce[PRIO3_NONCE_SIZE], const uint8_t *rand,
                             uint8_t *public_share, uint8_t *input_shares)
{
    if (ctx_len > PRIO3_MAX_CTX_SIZE || (meas == NULL) == (given == NULL))
        return CORE_EINVAL;
    field_id f = p->c->field;
    const size_t S = p->shares, PR = p->proofs, L = PRIO3_SEED_SIZE;
    const uint8_t pr = (uint8_t)PR;
    size_t n_proofs = p->proof_len * PR;
    size_t n_prove = p->prove_rand_len * PR, n_joint = p->joint_rand_len * PR;
    size_t total = 2 * p->meas_len + 2 * n_proofs + n_prove + n_joint;
    felem *mem = core_alloc_array(total, sizeof(felem));
    uint8_t *parts = p->jr ? malloc(S * L) : NULL;
    if (mem == NULL || (p->jr && parts == NULL)) {
        free(mem);
        free(parts);
        return CORE_ENOMEM;
    }
    felem *encoded = mem, *leader_meas = encoded + p->meas_len;
    felem *proofs = leader_meas + p->meas_len, *helper_proofs = proofs + n_proofs;
    felem *prove_rands = helper_proofs + n_proofs, *joint_rands = prove_rands + n_prove;
    uint8_t jr_seed[PRIO3_SEED_SIZE];
    xof part;

    /* Seeds in rand: per helper (share seed[, blind]), then [leader blind,]
     * prove seed. */
    const size_t per_helper = p->jr ? 2 : 1;
    const uint8_t *leader_blind = rand + (S - 1) * per_helper * L;
    const uint8_t *prove_seed = leader_blind + (p->jr ? L : 0);

    core_err err = CORE_OK;
    if (given != NULL)
        memcpy(encoded, given, p->meas_len * sizeof(felem));
    else
        err = p->c->ops->encode(p->c, meas, encoded);
    CORE_DECLASSIFY(&err, sizeof(err)); /* the caller learns validity anyway */
    if (err != CORE_OK)
        goto cleanup;

    memcpy(leader_meas, encoded, p->meas_len * sizeof(felem));
    for (size_t j = 1; j < S; j++) {
        const uint8_t *seed = rand + (j - 1) * per_helper * L;
        if (p->jr)
            part_start(p, &part, ctx, ctx_len, (unsigned)j, seed + L, nonce);
        helper_meas_share(p, ctx, ctx_len, (unsigned)j, seed, NULL, leader_meas,
                          p->jr ? &part : NULL);
        if (p->jr)
            xof_next(&part, parts + j * L, L);
    }
    if (p->jr) {
        uint8_t raw[FIELD_MAX_ENCODED_SIZE];
        part_start(p, &part, ctx, ctx_len, 0, leader_blind, nonce);
        for (size_t i = 0; i < p->meas_len; i++) {
            field_vec_encode(f, &leader_meas[i], 1, raw);
            xof_absorb(&part, raw, p->es);
        }
        xof_next(&part, parts, L);
        core_wipe(raw, sizeof(raw));
        /* The parts are published in the public share. */
        CORE_DECLASSIFY(parts, S * L);
        joint_rand_seed(p, ctx, ctx_len, parts, jr_seed);
        expand(p, USAGE_JOINT_RANDOMNESS, ctx, ctx_len, jr_seed, &pr, 1, NULL, 0, joint_rands,
               n_joint);
    }
    expand(p, USAGE_PROVE_RANDOMNESS, ctx, ctx_len, prove_seed, &pr, 1, NULL, 0, prove_rands,
           n_prove);
    for (size_t i = 0; i < PR; i++) {
        err = flp_prove(p->flp, encoded, prove_rands + i * p->prove_rand_len,
                        joint_rands + i * p->joint_rand_len, proofs + i * p->proof_len);
        if (err != CORE_OK)
            goto cleanup;
    }
    for (size_t j = 1; j < S; j++) {
        helper_proofs_share(p, ctx, ctx_len, (unsigned)j, rand + (j - 1) * per_helper * L,
                            helper_proofs);
        field_vec_sub(f, proofs, helper_proofs, n_proofs);
    }

    /* Encode: public share = joint randomness parts; leader = measurement
     * share || proofs share [|| blind]; helper = seed [|| blind]. */
    if (p->jr)
        memcpy(public_share, parts, S * L);
    uint8_t *o = input_shares;
    field_vec_encode(f, leader_meas, p->meas_len, o);
    o += p->es * p->meas_len;
    field_vec_encode(f, proofs, n_proofs, o);
    o += p->es * n_proofs;
    if (p->jr) {
        memcpy(o, leader_blind, L);
        o += L;
    }
    for (size_t j = 1; j < S; j++) {
        memcpy(o, rand + (j - 1) * per_helper * L, per_helper * L);
        o += per_helper * L;
    }

cleanup:
    if (err != CORE_OK) {
        core_wipe(public_share, prio3_public_share_size(p));
        core_wipe(input_shares, prio3_input_shares_size(p));
    }
    xof_wipe(&part);
    core_wipe(jr_seed, sizeof(jr_seed));
    core_free_secret(mem, total * sizeof(felem));
    core_free_secret(parts, p->jr ? S * L : 0);
    return err;
}

/* ---- verification (Section 7.2.2) -------------------------------------- */

core_err prio3_verify_init(const prio3 *p, const uint8_t verify_key[PRIO3_VERIFY_KEY_SIZE],
                           const uint8_t *ctx, size_t ctx_len, unsigned agg_id,
                           const uint8_t nonce[PRIO3_NONCE_SIZE], const uint8_t *public_share,
                           size_t public_share_len, const uint8_t *input_share,
                           size_t input_share_len, uint8_t *verify_state, uint8_t *verifier_share)
{
    if (ctx_len > PRIO3_MAX_CTX_SIZE || agg_id >= p->shares)
        return CORE_EINVAL;
    if (public_share_len != prio3_public_share_size(p) ||
        input_share_len != prio3_input_share_size(p, agg_id))
        return CORE_EDECODE;
    field_id f = p->c->field;
    const size_t PR = p->proofs, L = PRIO3_SEED_SIZE;
    size_t n_proofs = p->proof_len * PR, n_joint = p->joint_rand_len * PR;
    size_t n_query = p->query_rand_len * PR, n_ver = p->verifier_len * PR;
    size_t total = p->meas_len + n_proofs + n_joint + n_query + n_ver + p->output_len;
    felem *mem = core_alloc_array(total, sizeof(felem));
    uint8_t *parts = p->jr ? malloc(p->shares * L) : NULL;
    if (mem == NULL || (p->jr && parts == NULL)) {
        free(mem);
        free(parts);
        return CORE_ENOMEM;
    }
    felem *meas = mem, *proofs = meas + p->meas_len, *joint_rands = proofs + n_proofs;
    felem *query_rands = joint_rands + n_joint, *verifiers = query_rands + n_query;
    felem *out_share = verifiers + n_ver;
    uint8_t corrected[PRIO3_SEED_SIZE], part_out[PRIO3_SEED_SIZE];
    const uint8_t *blind = NULL;
    xof part;
    core_err err = CORE_OK;

    if (p->jr) {
        memcpy(parts, public_share, p->shares * L);
        blind = input_share + input_share_len - L;
    }
    if (agg_id == 0) {
        size_t meas_bytes = p->es * p->meas_len;
        err = field_vec_decode(f, input_share, p->meas_len, meas);
        if (err == CORE_OK)
            err = field_vec_decode(f, input_share + meas_bytes, n_proofs, proofs);
        if (err != CORE_OK)
            goto cleanup;
        if (p->jr) {
            part_start(p, &part, ctx, ctx_len, 0, blind, nonce);
            xof_absorb(&part, input_share, meas_bytes);
        }
    } else {
        if (p->jr)
            part_start(p, &part, ctx, ctx_len, agg_id, blind, nonce);
        helper_meas_share(p, ctx, ctx_len, agg_id, input_share, meas, NULL, p->jr ? &part : NULL);
        helper_proofs_share(p, ctx, ctx_len, agg_id, input_share, proofs);
    }
    p->c->ops->truncate(p->c, meas, out_share);

    uint8_t binder[1 + PRIO3_NONCE_SIZE];
    binder[0] = (uint8_t)PR;
    memcpy(binder + 1, nonce, PRIO3_NONCE_SIZE);
    if (p->jr) {
        xof_next(&part, part_out, L);
        memcpy(parts + (size_t)agg_id * L, part_out, L);
        joint_rand_seed(p, ctx, ctx_len, parts, corrected);
        expand(p, USAGE_JOINT_RANDOMNESS, ctx, ctx_len, corrected, binder, 1, NULL, 0, joint_rands,
               n_joint);
    }
    expand(p, USAGE_QUERY_RANDOMNESS, ctx, ctx_len, verify_key, binder, 1, nonce, PRIO3_NONCE_SIZE,
           query_rands, n_query);
    for (size_t i = 0; i < PR; i++) {
        err = flp_query(p->flp, meas, proofs + i * p->proof_len,
                        query_rands + i * p->query_rand_len, joint_rands + i * p->joint_rand_len,
                        p->shares, verifiers + i * p->verifier_len);
        if (err != CORE_OK)
            goto cleanup;
    }

    field_vec_encode(f, out_share, p->output_len, verify_state);
    field_vec_encode(f, verifiers, n_ver, verifier_share);
    if (p->jr) {
        memcpy(verify_state + p->es * p->output_len, corrected, L);
        memcpy(verifier_share + p->es * n_ver, part_out, L);
    }

cleanup:
    if (p->jr)
        xof_wipe(&part);
    core_wipe(corrected, sizeof(corrected));
    core_free_secret(mem, total * sizeof(felem));
    core_free_secret(parts, p->jr ? p->shares * L : 0);
    return err;
}

core_err prio3_verifier_shares_to_message(const prio3 *p, const uint8_t *ctx, size_t ctx_len,
                                          const uint8_t *verifier_shares,
                                          size_t verifier_shares_len, uint8_t *message)
{
    if (ctx_len > PRIO3_MAX_CTX_SIZE)
        return CORE_EINVAL;
    size_t vs = prio3_verifier_share_size(p);
    if (verifier_shares_len != vs * p->shares)
        return CORE_EDECODE;
    field_id f = p->c->field;
    const size_t L = PRIO3_SEED_SIZE, n_ver = p->verifier_len * p->proofs;
    felem *mem = core_alloc_array(2 * n_ver, sizeof(felem));
    uint8_t *parts = p->jr ? malloc(p->shares * L) : NULL;
    if (mem == NULL || (p->jr && parts == NULL)) {
        free(mem);
        free(parts);
        return CORE_ENOMEM;
    }
    felem *sum = mem, *share = mem + n_ver;
    core_err err = CORE_OK;
    for (size_t i = 0; i < n_ver; i++)
        sum[i] = field_zero();
    for (size_t j = 0; j < p->shares; j++) {
        const uint8_t *s = verifier_shares + j * vs;
        err = field_vec_decode(f, s, n_ver, share);
        if (err != CORE_OK)
            goto cleanup;
        field_vec_add(f, sum, share, n_ver);
        if (p->jr)
            memcpy(parts + j * L, s + p->es * n_ver, L);
    }
    for (size_t i = 0; i < p->proofs; i++) {
        err = flp_decide(p->flp, sum + i * p->verifier_len);
        if (err != CORE_OK)
            goto cleanup;
    }
    if (p->jr)
        joint_rand_seed(p, ctx, ctx_len, parts, message);
cleanup:
    core_free_secret(mem, 2 * n_ver * sizeof(felem));
    free(parts);
    return err;
}

core_err prio3_verify_next(const prio3 *p, const uint8_t *verify_state, size_t verify_state_len,
                           const uint8_t *message, size_t message_len, uint8_t *out_share)
{
    if (verify_state_len != prio3_verify_state_size(p))
        return CORE_EINVAL;
    if (message_len != prio3_verifier_message_size(p))
        return p->jr ? CORE_EJOINT : CORE_EDECODE;
    size_t out_len = prio3_out_share_size(p);
    if (p->jr && !core_ct_equal(message, verify_state + out_len, PRIO3_SEED_SIZE))
        return CORE_EJOINT;
    memcpy(out_share, verify_state, out_len);
    return CORE_OK;
}

/* ---- aggregation and unsharding (Sections 7.2.4, 7.2.5) --------------- */

void prio3_agg_init(const prio3 *p, uint8_t *agg_share)
{
    memset(agg_share, 0, prio3_out_share_size(p));
}

core_err prio3_aggregate(const prio3 *p, uint8_t *agg_share, const uint8_t *out_share,
                         size_t out_share_len)
{
    if (out_share_len != prio3_out_share_size(p))
        return CORE_EDECODE;
    return field_vec_add_encoded(p->c->field, agg_share, out_share, p->output_len);
}

core_err prio3_unshard(const prio3 *p, const uint8_t *agg_shares, size_t agg_shares_len,
                       uint64_t num_measurements, core_u128 *result)
{
    size_t as = prio3_out_share_size(p);
    if (agg_shares_len != as * p->shares)
        return CORE_EDECODE;
    field_id f = p->c->field;
    uint8_t *acc = calloc(1, as);
    felem *agg = core_alloc_array(p->output_len, sizeof(felem));
    core_err err = CORE_ENOMEM;
    if (acc == NULL || agg == NULL)
        goto cleanup;
    for (size_t j = 0; j < p->shares; j++) {
        err = field_vec_add_encoded(f, acc, agg_shares + j * as, p->output_len);
        if (err != CORE_OK)
            goto cleanup;
    }
    err = field_vec_decode(f, acc, p->output_len, agg);
    if (err != CORE_OK)
        goto cleanup;
    if (p->c->ops->decode != NULL) {
        p->c->ops->decode(p->c, agg, num_measurements, result);
    } else {
        for (size_t i = 0; i < p->output_len; i++)
            result[i] = field_to_u128(f, agg[i]);
    }
cleanup:
    free(acc);
    free(agg);
    return err;
}
