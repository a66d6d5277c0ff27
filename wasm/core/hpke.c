/*
 * hpke.c - RFC 9180 base mode for DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-128-GCM. Sections cited: 4 (LabeledExtract/Expand, DHKEM), 5.1 (key
 * schedule), 5.2 (encryption), 5.3 (export), 7.1 (X25519 specifics).
 */
#include "hpke.h"

#include <string.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

/* suite_id of the KEM ("KEM" || kem_id) and of HPKE (Section 5.1). */
static const uint8_t KEM_SUITE[5] = {'K', 'E', 'M', HPKE_KEM_ID >> 8, HPKE_KEM_ID & 0xFF};
static const uint8_t HPKE_SUITE[10] = {'H',
                                       'P',
                                       'K',
                                       'E',
                                       HPKE_KEM_ID >> 8,
                                       HPKE_KEM_ID & 0xFF,
                                       HPKE_KDF_ID >> 8,
                                       HPKE_KDF_ID & 0xFF,
                                       HPKE_AEAD_ID >> 8,
                                       HPKE_AEAD_ID & 0xFF};
static const uint8_t VERSION_LABEL[7] = {'H', 'P', 'K', 'E', '-', 'v', '1'};
#define MAX_LABEL 16
#define LABELED_MAX (2 + sizeof(VERSION_LABEL) + sizeof(HPKE_SUITE) + MAX_LABEL + HPKE_MAX_INFO)

/* The X25519 base point, u = 9 (RFC 7748 Section 4.1). */
static const uint8_t BASE_POINT[32] = {9};

typedef struct suite {
    const uint8_t *id;
    size_t len;
} suite;

static const suite KEM = {KEM_SUITE, sizeof(KEM_SUITE)};
static const suite HPKE = {HPKE_SUITE, sizeof(HPKE_SUITE)};

/* Writes [prefix] || "HPKE-v1" || suite_id || label || data into buf and
 * returns its length (0 if data or label is too long). */
static size_t labeled(uint8_t buf[LABELED_MAX], const uint8_t *prefix, size_t prefix_len, suite s,
                      const char *label, const uint8_t *data, size_t data_len)
{
    size_t label_len = strlen(label);
    if (label_len > MAX_LABEL || data_len > HPKE_MAX_INFO)
        return 0;
    size_t n = 0;
    if (prefix_len > 0)
        memcpy(buf, prefix, prefix_len);
    n += prefix_len;
    memcpy(buf + n, VERSION_LABEL, sizeof(VERSION_LABEL));
    n += sizeof(VERSION_LABEL);
    memcpy(buf + n, s.id, s.len);
    n += s.len;
    memcpy(buf + n, label, label_len);
    n += label_len;
    if (data_len > 0)
        memcpy(buf + n, data, data_len);
    return n + data_len;
}

/* LabeledExtract(salt, label, ikm) (Section 4). */
static core_err labeled_extract(suite s, const uint8_t *salt, size_t salt_len, const char *label,
                                const uint8_t *ikm, size_t ikm_len, uint8_t prk[HPKE_NH])
{
    uint8_t buf[LABELED_MAX];
    size_t n = labeled(buf, NULL, 0, s, label, ikm, ikm_len);
    if (n == 0)
        return CORE_ELIMIT;
    int rc = mbedtls_hkdf_extract(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, salt_len, buf,
                                  n, prk);
    core_wipe(buf, n);
    return rc == 0 ? CORE_OK : CORE_ECRYPTO;
}

/* LabeledExpand(prk, label, info, L) (Section 4). */
static core_err labeled_expand(suite s, const uint8_t prk[HPKE_NH], const char *label,
                               const uint8_t *info, size_t info_len, uint8_t *out, size_t len)
{
    if (len > 255 * HPKE_NH)
        return CORE_ELIMIT;
    uint8_t buf[LABELED_MAX];
    const uint8_t l2[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    size_t n = labeled(buf, l2, 2, s, label, info, info_len);
    if (n == 0)
        return CORE_ELIMIT;
    int rc = mbedtls_hkdf_expand(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), prk, HPKE_NH, buf, n,
                                 out, len);
    core_wipe(buf, n);
    return rc == 0 ? CORE_OK : CORE_ECRYPTO;
}

/* X25519(scalar, u) through the mbedtls_ecdh context API. The all-zero
 * output (a low-order u) is rejected as RFC 9180 Section 7.1.4 requires. */
static core_err x25519(const uint8_t scalar[32], const uint8_t u[32], uint8_t out[32])
{
    static const uint8_t zero[32] = {0};
    mbedtls_ecp_keypair ours, theirs;
    mbedtls_ecdh_context ecdh;
    mbedtls_ecp_keypair_init(&ours);
    mbedtls_ecp_keypair_init(&theirs);
    mbedtls_ecdh_init(&ecdh);
    size_t olen = 0;
    core_err err = CORE_ECRYPTO;
    if (mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, &ours, scalar, 32) != 0 ||
        mbedtls_ecp_group_load(&theirs.grp, MBEDTLS_ECP_DP_CURVE25519) != 0 ||
        mbedtls_ecdh_setup(&ecdh, MBEDTLS_ECP_DP_CURVE25519) != 0 ||
        mbedtls_ecdh_get_params(&ecdh, &ours, MBEDTLS_ECDH_OURS) != 0)
        goto cleanup;
    err = CORE_EKEY;
    if (mbedtls_ecp_point_read_binary(&theirs.grp, &theirs.Q, u, 32) != 0 ||
        mbedtls_ecdh_get_params(&ecdh, &theirs, MBEDTLS_ECDH_THEIRS) != 0 ||
        mbedtls_ecdh_calc_secret(&ecdh, &olen, out, 32, NULL, NULL) != 0 || olen != 32 ||
        core_ct_equal(out, zero, 32))
        goto cleanup;
    err = CORE_OK;
cleanup:
    if (err != CORE_OK)
        core_wipe(out, 32);
    mbedtls_ecdh_free(&ecdh);
    mbedtls_ecp_keypair_free(&ours);
    mbedtls_ecp_keypair_free(&theirs);
    return err;
}

core_err hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len, uint8_t sk[HPKE_NSK],
                             uint8_t pk[HPKE_NPK])
{
    if (ikm_len < HPKE_NSK || ikm_len > HPKE_MAX_INFO)
        return CORE_EINVAL;
    uint8_t prk[HPKE_NH];
    core_err err = labeled_extract(KEM, NULL, 0, "dkp_prk", ikm, ikm_len, prk);
    if (err == CORE_OK)
        err = labeled_expand(KEM, prk, "sk", NULL, 0, sk, HPKE_NSK);
    if (err == CORE_OK)
        err = hpke_public_key(sk, pk);
    if (err != CORE_OK)
        core_wipe(sk, HPKE_NSK);
    core_wipe(prk, sizeof(prk));
    return err;
}

core_err hpke_public_key(const uint8_t sk[HPKE_NSK], uint8_t pk[HPKE_NPK])
{
    return x25519(sk, BASE_POINT, pk);
}

/* ExtractAndExpand(dh, enc || pk_r) (Section 4.1). */
static core_err extract_and_expand(const uint8_t dh[32], const uint8_t enc[HPKE_NENC],
                                   const uint8_t pk_r[HPKE_NPK],
                                   uint8_t shared_secret[HPKE_NSECRET])
{
    uint8_t prk[HPKE_NH], kem_context[HPKE_NENC + HPKE_NPK];
    memcpy(kem_context, enc, HPKE_NENC);
    memcpy(kem_context + HPKE_NENC, pk_r, HPKE_NPK);
    core_err err = labeled_extract(KEM, NULL, 0, "eae_prk", dh, 32, prk);
    if (err == CORE_OK)
        err = labeled_expand(KEM, prk, "shared_secret", kem_context, sizeof(kem_context),
                             shared_secret, HPKE_NSECRET);
    core_wipe(prk, sizeof(prk));
    return err;
}

core_err hpke_encap(const uint8_t pk_r[HPKE_NPK], const uint8_t ikm_e[HPKE_NSK],
                    uint8_t shared_secret[HPKE_NSECRET], uint8_t enc[HPKE_NENC])
{
    uint8_t sk_e[HPKE_NSK], dh[32];
    core_err err = hpke_derive_keypair(ikm_e, HPKE_NSK, sk_e, enc);
    if (err == CORE_OK)
        err = x25519(sk_e, pk_r, dh);
    if (err == CORE_OK)
        err = extract_and_expand(dh, enc, pk_r, shared_secret);
    core_wipe(sk_e, sizeof(sk_e));
    core_wipe(dh, sizeof(dh));
    return err;
}

/* Decap; pk_r is sk_r's public key, or NULL to compute it (one more X25519). */
static core_err decap(const uint8_t enc[HPKE_NENC], const uint8_t sk_r[HPKE_NSK],
                      const uint8_t *pk_r, uint8_t shared_secret[HPKE_NSECRET])
{
    uint8_t dh[32], pk[HPKE_NPK];
    core_err err = x25519(sk_r, enc, dh);
    if (err == CORE_OK && pk_r == NULL) {
        err = hpke_public_key(sk_r, pk);
        pk_r = pk;
    }
    if (err == CORE_OK)
        err = extract_and_expand(dh, enc, pk_r, shared_secret);
    core_wipe(dh, sizeof(dh));
    return err;
}

core_err hpke_decap(const uint8_t enc[HPKE_NENC], const uint8_t sk_r[HPKE_NSK],
                    uint8_t shared_secret[HPKE_NSECRET])
{
    return decap(enc, sk_r, NULL, shared_secret);
}

core_err hpke_key_schedule(hpke_ctx *ctx, const uint8_t shared_secret[HPKE_NSECRET],
                           const uint8_t *info, size_t info_len)
{
    /* Base mode: mode 0, empty psk and psk_id. */
    uint8_t context[1 + 2 * HPKE_NH], secret[HPKE_NH];
    context[0] = 0x00;
    core_err err = labeled_extract(HPKE, NULL, 0, "psk_id_hash", NULL, 0, context + 1);
    if (err == CORE_OK)
        err = labeled_extract(HPKE, NULL, 0, "info_hash", info, info_len, context + 1 + HPKE_NH);
    if (err == CORE_OK)
        err = labeled_extract(HPKE, shared_secret, HPKE_NSECRET, "secret", NULL, 0, secret);
    if (err == CORE_OK)
        err = labeled_expand(HPKE, secret, "key", context, sizeof(context), ctx->key, HPKE_NK);
    if (err == CORE_OK)
        err = labeled_expand(HPKE, secret, "base_nonce", context, sizeof(context), ctx->base_nonce,
                             HPKE_NN);
    if (err == CORE_OK)
        err = labeled_expand(HPKE, secret, "exp", context, sizeof(context), ctx->exporter_secret,
                             HPKE_NH);
    ctx->seq = 0;
    if (err != CORE_OK)
        hpke_ctx_wipe(ctx);
    core_wipe(secret, sizeof(secret));
    return err;
}

core_err hpke_setup_sender(hpke_ctx *ctx, uint8_t enc[HPKE_NENC], const uint8_t pk_r[HPKE_NPK],
                           const uint8_t *info, size_t info_len, const uint8_t ikm_e[HPKE_NSK])
{
    uint8_t shared[HPKE_NSECRET];
    core_err err = hpke_encap(pk_r, ikm_e, shared, enc);
    if (err == CORE_OK)
        err = hpke_key_schedule(ctx, shared, info, info_len);
    core_wipe(shared, sizeof(shared));
    return err;
}

static core_err setup_receiver(hpke_ctx *ctx, const uint8_t enc[HPKE_NENC],
                               const uint8_t sk_r[HPKE_NSK], const uint8_t *pk_r,
                               const uint8_t *info, size_t info_len)
{
    uint8_t shared[HPKE_NSECRET];
    core_err err = decap(enc, sk_r, pk_r, shared);
    if (err == CORE_OK)
        err = hpke_key_schedule(ctx, shared, info, info_len);
    core_wipe(shared, sizeof(shared));
    return err;
}

core_err hpke_setup_receiver(hpke_ctx *ctx, const uint8_t enc[HPKE_NENC],
                             const uint8_t sk_r[HPKE_NSK], const uint8_t *info, size_t info_len)
{
    return setup_receiver(ctx, enc, sk_r, NULL, info, info_len);
}

/* ComputeNonce(seq) (Section 5.2): base_nonce XOR I2OSP(seq, Nn). */
static void compute_nonce(const hpke_ctx *ctx, uint8_t nonce[HPKE_NN])
{
    memcpy(nonce, ctx->base_nonce, HPKE_NN);
    for (int i = 0; i < 8; i++)
        nonce[HPKE_NN - 1 - i] ^= (uint8_t)(ctx->seq >> (8 * i));
}

/* Encrypts (decrypt = 0) or authenticates and decrypts (decrypt = 1) with
 * the context's current nonce; advances the sequence number on success. */
static core_err aead(hpke_ctx *ctx, int decrypt, const uint8_t *aad, size_t aad_len,
                     const uint8_t *in, size_t in_len, uint8_t *out)
{
    if (aad_len > HPKE_MAX_MESSAGE || in_len > HPKE_MAX_MESSAGE + HPKE_NT ||
        (decrypt && in_len < HPKE_NT))
        return decrypt ? CORE_EAUTH : CORE_ELIMIT;
    if (ctx->seq == UINT64_MAX) /* Section 5.2: never reuse a nonce */
        return CORE_ELIMIT;
    uint8_t nonce[HPKE_NN];
    compute_nonce(ctx, nonce);
    mbedtls_gcm_context gcm;
    mbedtls_gcm_init(&gcm);
    core_err err = CORE_ECRYPTO;
    if (mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, ctx->key, 8 * HPKE_NK) != 0)
        goto cleanup;
    if (decrypt) {
        size_t n = in_len - HPKE_NT;
        int rc = mbedtls_gcm_auth_decrypt(&gcm, n, nonce, HPKE_NN, aad, aad_len, in + n, HPKE_NT,
                                          in, out);
        err = rc == 0 ? CORE_OK : (rc == MBEDTLS_ERR_GCM_AUTH_FAILED ? CORE_EAUTH : CORE_ECRYPTO);
    } else {
        int rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, in_len, nonce, HPKE_NN, aad,
                                           aad_len, in, out, HPKE_NT, out + in_len);
        err = rc == 0 ? CORE_OK : CORE_ECRYPTO;
    }
    if (err == CORE_OK)
        ctx->seq++;
cleanup:
    mbedtls_gcm_free(&gcm);
    core_wipe(nonce, sizeof(nonce));
    return err;
}

core_err hpke_ctx_seal(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                       size_t pt_len, uint8_t *ct)
{
    if (pt_len > HPKE_MAX_MESSAGE)
        return CORE_ELIMIT;
    return aead(ctx, 0, aad, aad_len, pt, pt_len, ct);
}

core_err hpke_ctx_open(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                       size_t ct_len, uint8_t *pt)
{
    return aead(ctx, 1, aad, aad_len, ct, ct_len, pt);
}

core_err hpke_ctx_export(const hpke_ctx *ctx, const uint8_t *exporter_context, size_t context_len,
                         uint8_t *out, size_t out_len)
{
    return labeled_expand(HPKE, ctx->exporter_secret, "sec", exporter_context, context_len, out,
                          out_len);
}

void hpke_ctx_wipe(hpke_ctx *ctx)
{
    core_wipe(ctx, sizeof(*ctx));
}

core_err hpke_seal(const uint8_t pk_r[HPKE_NPK], const uint8_t *info, size_t info_len,
                   const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                   const uint8_t ikm_e[HPKE_NSK], uint8_t enc[HPKE_NENC], uint8_t *ct)
{
    hpke_ctx ctx;
    core_err err = hpke_setup_sender(&ctx, enc, pk_r, info, info_len, ikm_e);
    if (err == CORE_OK)
        err = hpke_ctx_seal(&ctx, aad, aad_len, pt, pt_len, ct);
    hpke_ctx_wipe(&ctx);
    return err;
}

core_err hpke_open_known(const uint8_t sk_r[HPKE_NSK], const uint8_t pk_r[HPKE_NPK],
                         const uint8_t enc[HPKE_NENC], const uint8_t *info, size_t info_len,
                         const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
                         uint8_t *pt)
{
    hpke_ctx ctx;
    core_err err = setup_receiver(&ctx, enc, sk_r, pk_r, info, info_len);
    if (err == CORE_OK)
        err = hpke_ctx_open(&ctx, aad, aad_len, ct, ct_len, pt);
    hpke_ctx_wipe(&ctx);
    return err;
}

core_err hpke_open(const uint8_t sk_r[HPKE_NSK], const uint8_t enc[HPKE_NENC], const uint8_t *info,
                   size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                   size_t ct_len, uint8_t *pt)
{
    return hpke_open_known(sk_r, NULL, enc, info, info_len, aad, aad_len, ct, ct_len, pt);
}
