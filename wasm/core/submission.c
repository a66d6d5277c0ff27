/*
 * submission.c - building a submission's uploads; see submission.h.
 */
#include "submission.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "hex.h"
#include "hpke.h"
#include "jfield.h"
#include "study_internal.h"

size_t submission_rand_size(const study *s)
{
    return prio3_rand_size(study_prio3(s)) + (size_t)study_num_parties(s) * HPKE_NSK;
}

core_err submission_token_id(const char *token, uint8_t id[STUDY_TOKEN_ID_SIZE])
{
    uint8_t raw[STUDY_TOKEN_ID_SIZE + STUDY_SIG_SIZE];
    if (token == NULL || strlen(token) != SUBMISSION_TOKEN_TEXT ||
        b64_decode(token, 1, raw, sizeof raw) != (long)sizeof raw)
        return CORE_EDECODE;
    memcpy(id, raw, STUDY_TOKEN_ID_SIZE);
    return CORE_OK;
}

/* The JSON body for party i. */
static char *body_for(const study *s, unsigned i, const char *report_hex, const char *token,
                      uint64_t seq, const uint8_t *pub, size_t pub_len, const uint8_t *enc,
                      const uint8_t *ct, size_t ct_len)
{
    char hash[2 * STUDY_HASH_SIZE + 1];
    hex_encode(study_hash(s), STUDY_HASH_SIZE, hash);
    cJSON *j = cJSON_CreateObject();
    char *text = NULL;
    if (j != NULL && cJSON_AddStringToObject(j, "study", hash) &&
        cJSON_AddNumberToObject(j, "party", i) &&
        cJSON_AddStringToObject(j, "report_id", report_hex) &&
        cJSON_AddNumberToObject(j, "seq", (double)seq) &&
        (token == NULL || cJSON_AddStringToObject(j, "token", token)) &&
        jfield_put_b64(j, "public_share", pub, pub_len) == 0 &&
        jfield_put_b64(j, "enc", enc, HPKE_NENC) == 0 &&
        jfield_put_b64(j, "ciphertext", ct, ct_len) == 0)
        text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return text;
}

/* The forgeries made on the shares: one proof element of the leader's
 * share plus one (a tampered proof share). */
static void tamper_proof(const prio3 *v, uint8_t *shares)
{
    field_id f = prio3_circuit(v)->field;
    size_t es = field_encoded_size(f);
    uint8_t *at = shares + es * prio3_circuit(v)->meas_len;
    felem e;
    if (field_vec_decode(f, at, 1, &e) == CORE_OK) {
        e = field_add(f, e, field_one(f));
        field_vec_encode(f, &e, 1, at);
    }
}

static core_err build(const study *s, const uint64_t *meas, study_forgery forge,
                      const uint8_t report_id[STUDY_REPORT_ID_SIZE], const char *token,
                      uint64_t seq, const uint8_t *rand, char **bodies, char *err, size_t err_size)
{
    const prio3 *v = study_prio3(s);
    unsigned n = study_num_parties(s);
    for (unsigned i = 0; i < n; i++)
        bodies[i] = NULL;
    if (!study_is_sealed(s)) {
        study_errf(err, err_size, "the study is not sealed");
        return CORE_EINVAL;
    }
    uint8_t token_id[STUDY_TOKEN_ID_SIZE];
    if (study_access_open(s)) {
        if (token != NULL) {
            study_errf(err, err_size, "this study is open: it takes no participation token");
            return CORE_EINVAL;
        }
    } else if (submission_token_id(token, token_id) != CORE_OK) {
        study_errf(err, err_size,
                   "this study needs a participation token (from your link); "
                   "the one given is missing or malformed");
        return CORE_EINVAL;
    }
    if (seq > ((uint64_t)1 << 53) - 1) {
        study_errf(err, err_size, "seq: at most 2^53 - 1");
        return CORE_EINVAL;
    }
    size_t pub_len = prio3_public_share_size(v), shares_len = prio3_input_shares_size(v);
    size_t aad_size = STUDY_AAD_FIXED + pub_len;
    size_t max_share = prio3_input_share_size(v, 0);
    size_t meas_len = prio3_circuit(v)->meas_len;
    uint8_t *pub = malloc(pub_len ? pub_len : 1), *shares = malloc(shares_len);
    uint8_t *aad = malloc(aad_size), *ct = malloc(max_share + HPKE_NT);
    felem *forged = forge ? core_alloc_array(meas_len, sizeof(felem)) : NULL;
    core_err e = CORE_ENOMEM;
    if (pub == NULL || shares == NULL || aad == NULL || ct == NULL || (forge && forged == NULL))
        goto cleanup;
    uint8_t ctx[STUDY_CTX_SIZE];
    study_vdaf_ctx(s, ctx);
    if (study_forgery_encoded(forge)) {
        e = study_encode_forged(s, meas, forge, forged, err, err_size);
        if (e != CORE_OK)
            goto cleanup;
        e = prio3_shard_encoded(v, ctx, sizeof ctx, NULL, forged, report_id, rand, pub, shares);
    } else {
        e = prio3_shard(v, ctx, sizeof ctx, meas, report_id, rand, pub, shares);
    }
    if (e != CORE_OK) {
        study_errf(err, err_size, "the answer cannot be shared: %s", core_err_str(e));
        goto cleanup;
    }
    if (forge == STUDY_FORGE_BAD_PROOF)
        tamper_proof(v, shares);
    /* Which party a share-level forgery hits: the report id chooses. The
     * mismatch changes the leader's joint randomness part, which the
     * leader itself recomputes rather than reads, so it goes to a helper. */
    unsigned target = report_id[0] % n;
    if (forge == STUDY_FORGE_PUBLIC_SHARE_MISMATCH) {
        if (pub_len == 0) {
            study_errf(err, err_size, "this study's reports have no public share to change");
            e = CORE_EINVAL;
            goto cleanup;
        }
        if (target == 0)
            target = n - 1;
    }
    char report_hex[2 * STUDY_REPORT_ID_SIZE + 1];
    hex_encode(report_id, STUDY_REPORT_ID_SIZE, report_hex);
    const uint8_t *ikm = rand + prio3_rand_size(v);
    size_t off = 0;
    for (unsigned i = 0; i < n && e == CORE_OK; i++) {
        size_t len = prio3_input_share_size(v, i);
        uint8_t info[STUDY_INFO_SIZE], enc[HPKE_NENC];
        if (forge == STUDY_FORGE_PUBLIC_SHARE_MISMATCH && i == target)
            pub[0] ^= 0x01; /* this party's public share differs from the others' */
        size_t aad_len = study_hpke_aad(s, report_id, study_access_open(s) ? NULL : token_id, seq,
                                        pub, pub_len, aad, aad_size);
        study_hpke_info(i, info);
        e = hpke_seal(study_party_hpke_key(s, i), info, sizeof info, aad, aad_len, shares + off,
                      len, ikm + (size_t)i * HPKE_NSK, enc, ct);
        off += len;
        if (e != CORE_OK) {
            study_errf(err, err_size, "sealing the share of party %u failed: %s", i,
                       core_err_str(e));
            break;
        }
        if (forge == STUDY_FORGE_BAD_SHARE && i == target)
            ct[len / 2] ^= 0x01;
        bodies[i] = body_for(s, i, report_hex, study_access_open(s) ? NULL : token, seq, pub,
                             pub_len, enc, ct, len + HPKE_NT);
        if (forge == STUDY_FORGE_PUBLIC_SHARE_MISMATCH && i == target)
            pub[0] ^= 0x01;
        if (bodies[i] == NULL)
            e = CORE_ENOMEM;
    }
cleanup:
    core_free_secret(shares, shares ? shares_len : 0);
    core_free_secret(ct, ct ? max_share + HPKE_NT : 0);
    core_free_secret(forged, forged ? meas_len * sizeof(felem) : 0);
    free(pub);
    free(aad);
    if (e != CORE_OK)
        for (unsigned i = 0; i < n; i++) {
            free(bodies[i]);
            bodies[i] = NULL;
        }
    return e;
}

core_err submission_build(const study *s, const uint64_t *meas,
                          const uint8_t report_id[STUDY_REPORT_ID_SIZE], const char *token,
                          uint64_t seq, const uint8_t *rand, char **bodies, char *err,
                          size_t err_size)
{
    return build(s, meas, STUDY_FORGE_NONE, report_id, token, seq, rand, bodies, err, err_size);
}

core_err submission_forge(const study *s, const uint64_t *meas, study_forgery forge,
                          const uint8_t report_id[STUDY_REPORT_ID_SIZE], const char *token,
                          uint64_t seq, const uint8_t *rand, char **bodies, char *err,
                          size_t err_size)
{
    if (forge == STUDY_FORGE_NONE) {
        study_errf(err, err_size, "no such forgery");
        for (unsigned i = 0; i < study_num_parties(s); i++)
            bodies[i] = NULL;
        return CORE_EINVAL;
    }
    return build(s, meas, forge, report_id, token, seq, rand, bodies, err, err_size);
}
