/*
 * reqsign.c - signed HTTP requests; see reqsign.h.
 */
#include "reqsign.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "core.h"
#include "hex.h"
#include "random.h"

int reqsign_message(const uint8_t study_hash[32], unsigned to, const char *method, const char *path,
                    const char *time, const char *nonce, const void *body, size_t body_len,
                    char *out, size_t size)
{
    uint8_t bh[32];
    char bh_hex[65], sh_hex[65];
    if (mbedtls_sha256_ret(body, body_len, bh, 0) != 0)
        return -1;
    hex_encode(bh, 32, bh_hex);
    hex_encode(study_hash, 32, sh_hex);
    int n = snprintf(out, size, "%u\n%s\n%s\n%s\n%s\n%s\n%s\n", to, method, path, time, nonce,
                     sh_hex, bh_hex);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

int reqsign_sign(const uint8_t sk[SIGN_SK_SIZE], const char *prefix, const char *who, unsigned to,
                 const uint8_t study_hash[32], const char *method, const char *path,
                 const void *body, size_t body_len, int64_t now, reqsign_headers *out)
{
    uint8_t nonce[REQSIGN_NONCE_HEX / 2], sig[SIGN_SIG_SIZE];
    char msg[2048];
    if (random_bytes(nonce, sizeof nonce) != 0)
        return -1;
    hex_encode(nonce, sizeof nonce, out->nonce);
    snprintf(out->who, sizeof out->who, "%s", who);
    snprintf(out->to, sizeof out->to, "%u", to);
    snprintf(out->time, sizeof out->time, "%lld", (long long)now);
    int n = reqsign_message(study_hash, to, method, path, out->time, out->nonce, body, body_len,
                            msg, sizeof msg);
    if (n < 0 || sign_message(sk, prefix, (const uint8_t *)msg, (size_t)n, sig) != 0)
        return -1;
    hex_encode(sig, sizeof sig, out->signature);
    const char *names[] = {"X-MPC-Party", "X-MPC-To", "X-MPC-Time", "X-MPC-Nonce",
                           "X-MPC-Signature"};
    const char *values[] = {out->who, out->to, out->time, out->nonce, out->signature};
    for (size_t i = 0; i < 5; i++) {
        snprintf(out->lines[i], sizeof out->lines[i], "%s: %s", names[i], values[i]);
        out->list[i] = out->lines[i];
    }
    out->list[5] = NULL;
    return 0;
}

/* The approval statement's message: the study hash, then the index. */
static void approval_message(const uint8_t study_hash[32], unsigned index, uint8_t msg[36])
{
    memcpy(msg, study_hash, 32);
    core_put_be(msg + 32, index, 4);
}

int reqsign_approval(const uint8_t sk[SIGN_SK_SIZE], const uint8_t study_hash[32], unsigned index,
                     uint8_t sig[SIGN_SIG_SIZE])
{
    uint8_t msg[36];
    approval_message(study_hash, index, msg);
    return sign_message(sk, REQSIGN_APPROVAL_PREFIX, msg, sizeof msg, sig);
}

int reqsign_approval_verify(const uint8_t pk[SIGN_PK_SIZE], const uint8_t study_hash[32],
                            unsigned index, const uint8_t sig[SIGN_SIG_SIZE])
{
    uint8_t msg[36];
    approval_message(study_hash, index, msg);
    return sign_verify(pk, REQSIGN_APPROVAL_PREFIX, msg, sizeof msg, sig) == 0 ? 0 : -1;
}
