/*
 * export.c - the WebAssembly ABI of the core.
 *
 * Plain functions over pointers, lengths and 32-bit integers (no struct by
 * value and no 64-bit argument crosses the boundary), exported by the
 * explicit list in wasm/exports.txt. The only caller is the JavaScript API
 * in web/mpc.js, which allocates every buffer with mpc_alloc(), sizes it
 * with the size functions below, and releases it with mpc_free() (which
 * wipes it first). Every function returns a core_err (0 = success) unless
 * it is a size or a constructor.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "hpke.h"
#include "prio3.h"
#include "study.h"
#include "submission.h"
#include "xof.h"

/* The declarations live here only: this file is the ABI, not a C API. */
#define EXPORT __attribute__((used, visibility("default")))

/* ---- memory and errors ---------------------------------------------------- */

EXPORT void *mpc_alloc(size_t n);
EXPORT void mpc_free(void *p, size_t n);
EXPORT size_t mpc_heap_in_use(void);
EXPORT const char *mpc_err_str(int err);
EXPORT const char *mpc_err_name(int err);

void *mpc_alloc(size_t n)
{
    return malloc(n > 0 ? n : 1);
}

void mpc_free(void *p, size_t n)
{
    core_free_secret(p, n);
}

size_t mpc_heap_in_use(void)
{
    struct mallinfo mi = mallinfo();
    return (size_t)mi.uordblks;
}

const char *mpc_err_str(int err)
{
    return core_err_str((core_err)err);
}

const char *mpc_err_name(int err)
{
    return core_err_name((core_err)err);
}

/* ---- Prio3 ----------------------------------------------------------------- */

/* Circuit kinds of mpc_prio3_new. */
enum {
    KIND_COUNT = 1,
    KIND_SUM = 2,
    KIND_SUMVEC = 3,
    KIND_HISTOGRAM = 4,
    KIND_MULTIHOT = 5,
    KIND_HIGHER_DEGREE = 6,
};

EXPORT prio3 *mpc_prio3_new(int kind, int field, uint32_t length, uint32_t max_lo, uint32_t max_hi,
                            uint32_t chunk_length, uint32_t algorithm_id, uint32_t shares,
                            uint32_t proofs, int *err_out);

/* Creates Prio3 over a standard circuit. max is max_measurement (Sum,
 * SumVec) or max_weight (MultihotCountVec), as two 32-bit halves; field is
 * 64 or 128 (SumVec only). A chunk_length of 0 picks the one that gives the
 * shortest proof; an algorithm_id of 0 the standard identifier of the kind.
 * Returns NULL and sets *err_out on failure. */
prio3 *mpc_prio3_new(int kind, int field, uint32_t length, uint32_t max_lo, uint32_t max_hi,
                     uint32_t chunk_length, uint32_t algorithm_id, uint32_t shares, uint32_t proofs,
                     int *err_out)
{
    uint64_t max = (uint64_t)max_hi << 32 | max_lo;
    size_t checked = length; /* entries the range check covers */
    if (kind == KIND_SUMVEC)
        checked = (size_t)length * circuit_bit_length(max);
    else if (kind == KIND_MULTIHOT)
        checked = (size_t)length + circuit_bit_length(max);
    size_t chunk = chunk_length > 0 ? chunk_length : circuit_best_chunk_length(checked);
    static const uint32_t standard_id[] = {0,
                                           PRIO3_ID_COUNT,
                                           PRIO3_ID_SUM,
                                           PRIO3_ID_SUMVEC,
                                           PRIO3_ID_HISTOGRAM,
                                           PRIO3_ID_MULTIHOT,
                                           PRIO3_ID_TEST};
    circuit c;
    core_err err;
    switch (kind) {
    case KIND_COUNT: err = circuit_init_count(&c); break;
    case KIND_SUM: err = circuit_init_sum(&c, max); break;
    case KIND_SUMVEC:
        err = field != 64 && field != 128
                  ? CORE_EINVAL
                  : circuit_init_sumvec(&c, field == 64 ? FIELD64 : FIELD128, length, max, chunk);
        break;
    case KIND_HISTOGRAM: err = circuit_init_histogram(&c, length, chunk); break;
    case KIND_MULTIHOT: err = circuit_init_multihot(&c, length, max, chunk); break;
    case KIND_HIGHER_DEGREE: err = circuit_init_higher_degree(&c); break;
    default: err = CORE_EINVAL;
    }
    prio3 *p = NULL;
    if (err == CORE_OK)
        err =
            prio3_new(&p, &c, algorithm_id != 0 ? algorithm_id : standard_id[kind], shares, proofs);
    *err_out = (int)err;
    return p;
}

EXPORT void mpc_prio3_free(prio3 *p);
EXPORT size_t mpc_prio3_meas_count(const prio3 *p);
EXPORT size_t mpc_prio3_chunk_length(const prio3 *p);
EXPORT size_t mpc_prio3_output_len(const prio3 *p);
EXPORT size_t mpc_prio3_rand_size(const prio3 *p);
EXPORT size_t mpc_prio3_public_share_size(const prio3 *p);
EXPORT size_t mpc_prio3_input_share_size(const prio3 *p, unsigned agg_id);
EXPORT size_t mpc_prio3_input_shares_size(const prio3 *p);
EXPORT size_t mpc_prio3_verify_state_size(const prio3 *p);
EXPORT size_t mpc_prio3_verifier_share_size(const prio3 *p);
EXPORT size_t mpc_prio3_verifier_message_size(const prio3 *p);
EXPORT size_t mpc_prio3_out_share_size(const prio3 *p);
EXPORT size_t mpc_prio3_nonce_size(void);
EXPORT size_t mpc_prio3_verify_key_size(void);
EXPORT size_t mpc_prio3_max_ctx_size(void);

void mpc_prio3_free(prio3 *p)
{
    prio3_free(p);
}

size_t mpc_prio3_chunk_length(const prio3 *p)
{
    return prio3_circuit(p)->chunk_length;
}

size_t mpc_prio3_meas_count(const prio3 *p)
{
    return prio3_meas_count(p);
}

size_t mpc_prio3_output_len(const prio3 *p)
{
    return prio3_output_len(p);
}

size_t mpc_prio3_rand_size(const prio3 *p)
{
    return prio3_rand_size(p);
}

size_t mpc_prio3_public_share_size(const prio3 *p)
{
    return prio3_public_share_size(p);
}

size_t mpc_prio3_input_share_size(const prio3 *p, unsigned agg_id)
{
    return prio3_input_share_size(p, agg_id);
}

size_t mpc_prio3_input_shares_size(const prio3 *p)
{
    return prio3_input_shares_size(p);
}

size_t mpc_prio3_verify_state_size(const prio3 *p)
{
    return prio3_verify_state_size(p);
}

size_t mpc_prio3_verifier_share_size(const prio3 *p)
{
    return prio3_verifier_share_size(p);
}

size_t mpc_prio3_verifier_message_size(const prio3 *p)
{
    return prio3_verifier_message_size(p);
}

size_t mpc_prio3_out_share_size(const prio3 *p)
{
    return prio3_out_share_size(p);
}

size_t mpc_prio3_nonce_size(void)
{
    return PRIO3_NONCE_SIZE;
}

size_t mpc_prio3_verify_key_size(void)
{
    return PRIO3_VERIFY_KEY_SIZE;
}

size_t mpc_prio3_max_ctx_size(void)
{
    return PRIO3_MAX_CTX_SIZE;
}

EXPORT int mpc_prio3_shard(const prio3 *p, const uint8_t *ctx, size_t ctx_len, const uint64_t *meas,
                           const uint8_t *nonce, const uint8_t *rand, uint8_t *public_share,
                           uint8_t *input_shares);
EXPORT int mpc_prio3_verify_init(const prio3 *p, const uint8_t *verify_key, const uint8_t *ctx,
                                 size_t ctx_len, unsigned agg_id, const uint8_t *nonce,
                                 const uint8_t *public_share, size_t public_share_len,
                                 const uint8_t *input_share, size_t input_share_len,
                                 uint8_t *verify_state, uint8_t *verifier_share);
EXPORT int mpc_prio3_verifier_shares_to_message(const prio3 *p, const uint8_t *ctx, size_t ctx_len,
                                                const uint8_t *shares, size_t shares_len,
                                                uint8_t *message);
EXPORT int mpc_prio3_verify_next(const prio3 *p, const uint8_t *state, size_t state_len,
                                 const uint8_t *message, size_t message_len, uint8_t *out_share);
EXPORT int mpc_prio3_aggregate(const prio3 *p, uint8_t *agg_share, const uint8_t *out_share,
                               size_t out_share_len);
EXPORT int mpc_prio3_unshard(const prio3 *p, const uint8_t *agg_shares, size_t agg_shares_len,
                             uint32_t num_measurements, core_u128 *result);

int mpc_prio3_shard(const prio3 *p, const uint8_t *ctx, size_t ctx_len, const uint64_t *meas,
                    const uint8_t *nonce, const uint8_t *rand, uint8_t *public_share,
                    uint8_t *input_shares)
{
    return prio3_shard(p, ctx, ctx_len, meas, nonce, rand, public_share, input_shares);
}

int mpc_prio3_verify_init(const prio3 *p, const uint8_t *verify_key, const uint8_t *ctx,
                          size_t ctx_len, unsigned agg_id, const uint8_t *nonce,
                          const uint8_t *public_share, size_t public_share_len,
                          const uint8_t *input_share, size_t input_share_len, uint8_t *verify_state,
                          uint8_t *verifier_share)
{
    return prio3_verify_init(p, verify_key, ctx, ctx_len, agg_id, nonce, public_share,
                             public_share_len, input_share, input_share_len, verify_state,
                             verifier_share);
}

int mpc_prio3_verifier_shares_to_message(const prio3 *p, const uint8_t *ctx, size_t ctx_len,
                                         const uint8_t *shares, size_t shares_len, uint8_t *message)
{
    return prio3_verifier_shares_to_message(p, ctx, ctx_len, shares, shares_len, message);
}

int mpc_prio3_verify_next(const prio3 *p, const uint8_t *state, size_t state_len,
                          const uint8_t *message, size_t message_len, uint8_t *out_share)
{
    return prio3_verify_next(p, state, state_len, message, message_len, out_share);
}

int mpc_prio3_aggregate(const prio3 *p, uint8_t *agg_share, const uint8_t *out_share,
                        size_t out_share_len)
{
    return prio3_aggregate(p, agg_share, out_share, out_share_len);
}

int mpc_prio3_unshard(const prio3 *p, const uint8_t *agg_shares, size_t agg_shares_len,
                      uint32_t num_measurements, core_u128 *result)
{
    return prio3_unshard(p, agg_shares, agg_shares_len, num_measurements, result);
}

/* ---- HPKE ------------------------------------------------------------------ */

EXPORT size_t mpc_hpke_size(int which);
EXPORT int mpc_hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len, uint8_t *sk, uint8_t *pk);
EXPORT int mpc_hpke_public_key(const uint8_t *sk, uint8_t *pk);
EXPORT int mpc_hpke_seal(const uint8_t *pk, const uint8_t *info, size_t info_len,
                         const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                         const uint8_t *ikm_e, uint8_t *enc, uint8_t *ct);
EXPORT int mpc_hpke_open(const uint8_t *sk, const uint8_t *enc, const uint8_t *info,
                         size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                         size_t ct_len, uint8_t *pt);

/* Sizes: 0 private key, 1 public key, 2 enc, 3 tag, 4 context object,
 * 5 key schedule secrets (mpc_hpke_ctx_secrets), 6 max info, 7 seed. */
size_t mpc_hpke_size(int which)
{
    switch (which) {
    case 0: return HPKE_NSK;
    case 1: return HPKE_NPK;
    case 2: return HPKE_NENC;
    case 3: return HPKE_NT;
    case 4: return sizeof(hpke_ctx);
    case 5: return HPKE_NK + HPKE_NN + HPKE_NH;
    case 6: return HPKE_MAX_INFO;
    case 7: return HPKE_NSK;
    }
    return 0;
}

int mpc_hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len, uint8_t *sk, uint8_t *pk)
{
    return hpke_derive_keypair(ikm, ikm_len, sk, pk);
}

int mpc_hpke_public_key(const uint8_t *sk, uint8_t *pk)
{
    return hpke_public_key(sk, pk);
}

int mpc_hpke_seal(const uint8_t *pk, const uint8_t *info, size_t info_len, const uint8_t *aad,
                  size_t aad_len, const uint8_t *pt, size_t pt_len, const uint8_t *ikm_e,
                  uint8_t *enc, uint8_t *ct)
{
    return hpke_seal(pk, info, info_len, aad, aad_len, pt, pt_len, ikm_e, enc, ct);
}

int mpc_hpke_open(const uint8_t *sk, const uint8_t *enc, const uint8_t *info, size_t info_len,
                  const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *pt)
{
    return hpke_open(sk, enc, info, info_len, aad, aad_len, ct, ct_len, pt);
}

EXPORT int mpc_hpke_encap(const uint8_t *pk, const uint8_t *ikm_e, uint8_t *shared, uint8_t *enc);
EXPORT int mpc_hpke_decap(const uint8_t *enc, const uint8_t *sk, uint8_t *shared);

int mpc_hpke_encap(const uint8_t *pk, const uint8_t *ikm_e, uint8_t *shared, uint8_t *enc)
{
    return hpke_encap(pk, ikm_e, shared, enc);
}

int mpc_hpke_decap(const uint8_t *enc, const uint8_t *sk, uint8_t *shared)
{
    return hpke_decap(enc, sk, shared);
}

/* Contexts live in memory from mpc_alloc(mpc_hpke_size(4)). */
EXPORT int mpc_hpke_key_schedule(hpke_ctx *ctx, const uint8_t *shared, const uint8_t *info,
                                 size_t info_len);
EXPORT int mpc_hpke_setup_sender(hpke_ctx *ctx, uint8_t *enc, const uint8_t *pk,
                                 const uint8_t *info, size_t info_len, const uint8_t *ikm_e);
EXPORT int mpc_hpke_setup_receiver(hpke_ctx *ctx, const uint8_t *enc, const uint8_t *sk,
                                   const uint8_t *info, size_t info_len);
EXPORT int mpc_hpke_ctx_seal(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                             size_t pt_len, uint8_t *ct);
EXPORT int mpc_hpke_ctx_open(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                             size_t ct_len, uint8_t *pt);
EXPORT int mpc_hpke_ctx_export(const hpke_ctx *ctx, const uint8_t *context, size_t context_len,
                               uint8_t *out, size_t out_len);
EXPORT void mpc_hpke_ctx_secrets(const hpke_ctx *ctx, uint8_t *out);

int mpc_hpke_key_schedule(hpke_ctx *ctx, const uint8_t *shared, const uint8_t *info,
                          size_t info_len)
{
    return hpke_key_schedule(ctx, shared, info, info_len);
}

int mpc_hpke_setup_sender(hpke_ctx *ctx, uint8_t *enc, const uint8_t *pk, const uint8_t *info,
                          size_t info_len, const uint8_t *ikm_e)
{
    return hpke_setup_sender(ctx, enc, pk, info, info_len, ikm_e);
}

int mpc_hpke_setup_receiver(hpke_ctx *ctx, const uint8_t *enc, const uint8_t *sk,
                            const uint8_t *info, size_t info_len)
{
    return hpke_setup_receiver(ctx, enc, sk, info, info_len);
}

int mpc_hpke_ctx_seal(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                      size_t pt_len, uint8_t *ct)
{
    return hpke_ctx_seal(ctx, aad, aad_len, pt, pt_len, ct);
}

int mpc_hpke_ctx_open(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                      size_t ct_len, uint8_t *pt)
{
    return hpke_ctx_open(ctx, aad, aad_len, ct, ct_len, pt);
}

int mpc_hpke_ctx_export(const hpke_ctx *ctx, const uint8_t *context, size_t context_len,
                        uint8_t *out, size_t out_len)
{
    return hpke_ctx_export(ctx, context, context_len, out, out_len);
}

/* key || base_nonce || exporter_secret, for checking RFC 9180's vectors. */
void mpc_hpke_ctx_secrets(const hpke_ctx *ctx, uint8_t *out)
{
    memcpy(out, ctx->key, HPKE_NK);
    memcpy(out + HPKE_NK, ctx->base_nonce, HPKE_NN);
    memcpy(out + HPKE_NK + HPKE_NN, ctx->exporter_secret, HPKE_NH);
}

/* ---- XOF (for the draft's XofTurboShake128 vectors) ------------------------ */

EXPORT void mpc_xof_derive_seed(const uint8_t *seed, size_t seed_len, const uint8_t *dst,
                                size_t dst_len, const uint8_t *binder, size_t binder_len,
                                uint8_t *out);
EXPORT int mpc_xof_expand_field128(const uint8_t *seed, size_t seed_len, const uint8_t *dst,
                                   size_t dst_len, const uint8_t *binder, size_t binder_len,
                                   uint32_t length, uint8_t *out);

void mpc_xof_derive_seed(const uint8_t *seed, size_t seed_len, const uint8_t *dst, size_t dst_len,
                         const uint8_t *binder, size_t binder_len, uint8_t *out)
{
    xof_derive_seed(seed, seed_len, dst, dst_len, binder, binder_len, out);
}

/* Writes length Field128 elements, encoded (16 * length bytes). */
int mpc_xof_expand_field128(const uint8_t *seed, size_t seed_len, const uint8_t *dst,
                            size_t dst_len, const uint8_t *binder, size_t binder_len,
                            uint32_t length, uint8_t *out)
{
    felem *v = core_alloc_array(length, sizeof(felem));
    if (v == NULL)
        return length == 0 ? CORE_EINVAL : CORE_ENOMEM;
    xof x;
    xof_init(&x, seed, seed_len, dst, dst_len, binder, binder_len);
    xof_next_vec(&x, FIELD128, v, out, length);
    xof_wipe(&x);
    free(v);
    return CORE_OK;
}

/* ---- studies and submissions (the contributor's form) --------------------- */

EXPORT study *mpc_study_parse(const char *json, size_t len, int sealed, char *err, size_t err_size,
                              int *err_out);
EXPORT void mpc_study_free(study *s);
EXPORT const uint8_t *mpc_study_hash(const study *s);
EXPORT size_t mpc_study_rand_size(const study *s);
EXPORT int mpc_study_check_text(const study *s, const char *field, const char *text, char *err,
                                size_t err_size);
EXPORT char *mpc_study_plan(const study *s);
EXPORT int mpc_study_submission(const study *s, const char *answer, size_t answer_len,
                                const char *token, uint32_t seq_lo, uint32_t seq_hi,
                                const uint8_t *report_id, const uint8_t *rand, char **out,
                                char *err, size_t err_size);

/* Parses and validates a study (sealed != 0: a sealed one, whose stored
 * hash must match). Returns NULL with *err_out and err set on failure. */
study *mpc_study_parse(const char *json, size_t len, int sealed, char *err, size_t err_size,
                       int *err_out)
{
    study *s = NULL;
    *err_out = (int)study_parse(json, len, sealed ? STUDY_SEALED : 0, &s, err, err_size);
    return s;
}

void mpc_study_free(study *s)
{
    study_free(s);
}

const uint8_t *mpc_study_hash(const study *s)
{
    return study_hash(s);
}

size_t mpc_study_rand_size(const study *s)
{
    return submission_rand_size(s);
}

int mpc_study_check_text(const study *s, const char *field, const char *text, char *err,
                         size_t err_size)
{
    return (int)study_check_text(s, field, text, err, err_size);
}

/* The plan in plain language: a new JSON array of strings (NULL if out of
 * memory); the caller frees it with mpc_free. */
char *mpc_study_plan(const study *s)
{
    cJSON *plan = study_plan(s);
    char *text = plan != NULL ? cJSON_PrintUnformatted(plan) : NULL;
    cJSON_Delete(plan);
    return text;
}

/* Encodes a report (study_encode_report: an answer, a JSON object, or an
 * employer's rows, an array; answer_len bytes), shards and seals it
 * (submission_build) and sets *out to a new string: the body for each
 * party, in party order, one per line (JSON text never holds a raw line
 * break). token is NUL-terminated, or NULL for an open study; seq is given
 * as two 32-bit halves. The caller frees *out with mpc_free. */
int mpc_study_submission(const study *s, const char *answer, size_t answer_len, const char *token,
                         uint32_t seq_lo, uint32_t seq_hi, const uint8_t *report_id,
                         const uint8_t *rand, char **out, char *err, size_t err_size)
{
    *out = NULL;
    cJSON *doc = cJSON_ParseWithLength(answer, answer_len);
    size_t n = study_meas_count(s), parties = study_num_parties(s);
    uint64_t *meas = core_alloc_array(n, sizeof *meas);
    char *bodies[STUDY_MAX_PARTIES] = {NULL};
    core_err e = CORE_ENOMEM;
    if (meas == NULL)
        goto done;
    e = study_encode_report(s, doc, meas, err, err_size);
    if (e == CORE_OK)
        e = submission_build(s, meas, report_id, token, (uint64_t)seq_hi << 32 | seq_lo, rand,
                             bodies, err, err_size);
    if (e != CORE_OK)
        goto done;
    size_t total = 0;
    for (size_t i = 0; i < parties; i++)
        total += strlen(bodies[i]) + 1;
    *out = malloc(total);
    if (*out == NULL) {
        e = CORE_ENOMEM;
        goto done;
    }
    for (size_t i = 0, off = 0; i < parties; i++) {
        size_t len = strlen(bodies[i]);
        memcpy(*out + off, bodies[i], len);
        off += len;
        (*out)[off++] = i + 1 < parties ? '\n' : '\0';
    }
done:
    for (size_t i = 0; i < parties; i++)
        free(bodies[i]);
    core_free_secret(meas, meas ? n * sizeof *meas : 0);
    cJSON_Delete(doc);
    return (int)e;
}
