/*
 * hpke.h - Hybrid Public Key Encryption, RFC 9180, base mode, for the one
 * suite this project uses:
 *   KEM  0x0020 DHKEM(X25519, HKDF-SHA256)
 *   KDF  0x0001 HKDF-SHA256
 *   AEAD 0x0001 AES-128-GCM
 * built on mbedTLS (X25519 through the mbedtls_ecdh_* context API, so either
 * of mbedTLS's X25519 implementations works; HKDF; GCM). Only the key
 * schedule of RFC 9180 (Sections 4 and 5.1) is written here.
 *
 * Randomness is an input: the sender's ephemeral key is derived from 32
 * random bytes the caller provides (GenerateKeyPair = DeriveKeyPair of
 * random bytes, RFC 9180 Section 7.1.2). Secret keys, shared secrets and
 * contexts are wiped on every path.
 */
#ifndef MPC_HPKE_H
#define MPC_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define HPKE_KEM_ID 0x0020
#define HPKE_KDF_ID 0x0001
#define HPKE_AEAD_ID 0x0001
#define HPKE_NSK 32     /* private key */
#define HPKE_NPK 32     /* public key */
#define HPKE_NENC 32    /* encapsulated key */
#define HPKE_NSECRET 32 /* KEM shared secret */
#define HPKE_NK 16      /* AEAD key */
#define HPKE_NN 12      /* AEAD nonce */
#define HPKE_NT 16      /* AEAD tag: a ciphertext is 16 bytes longer */
#define HPKE_NH 32      /* hash output */
/* Limits: info and exporter contexts, and one message. */
#define HPKE_MAX_INFO 1024
#define HPKE_MAX_MESSAGE ((size_t)64 << 20)

/* An encryption context (RFC 9180 Section 5.1): the sender's or the
 * receiver's. Wipe it with hpke_ctx_wipe() when done. */
typedef struct hpke_ctx {
    uint8_t key[HPKE_NK];
    uint8_t base_nonce[HPKE_NN];
    uint8_t exporter_secret[HPKE_NH];
    uint64_t seq;
} hpke_ctx;

/* DeriveKeyPair (Section 7.1.3): a key pair from ikm (at least HPKE_NSK
 * bytes of entropy, at most HPKE_MAX_INFO bytes). */
CORE_MUST_CHECK core_err hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len,
                                             uint8_t sk[HPKE_NSK], uint8_t pk[HPKE_NPK]);

/* The public key of a private key. */
CORE_MUST_CHECK core_err hpke_public_key(const uint8_t sk[HPKE_NSK], uint8_t pk[HPKE_NPK]);

/* Encap (Section 4.1) with the ephemeral key pair derived from ikm_e.
 * Fails with CORE_EKEY if pk_r is a low-order point (all-zero DH). */
CORE_MUST_CHECK core_err hpke_encap(const uint8_t pk_r[HPKE_NPK], const uint8_t ikm_e[HPKE_NSK],
                                    uint8_t shared_secret[HPKE_NSECRET], uint8_t enc[HPKE_NENC]);

/* Decap (Section 4.1). Fails with CORE_EKEY for an invalid enc. */
CORE_MUST_CHECK core_err hpke_decap(const uint8_t enc[HPKE_NENC], const uint8_t sk_r[HPKE_NSK],
                                    uint8_t shared_secret[HPKE_NSECRET]);

/* KeySchedule in base mode (Section 5.1). */
CORE_MUST_CHECK core_err hpke_key_schedule(hpke_ctx *ctx, const uint8_t shared_secret[HPKE_NSECRET],
                                           const uint8_t *info, size_t info_len);

/* SetupBaseS / SetupBaseR (Section 5.1.1). */
CORE_MUST_CHECK core_err hpke_setup_sender(hpke_ctx *ctx, uint8_t enc[HPKE_NENC],
                                           const uint8_t pk_r[HPKE_NPK], const uint8_t *info,
                                           size_t info_len, const uint8_t ikm_e[HPKE_NSK]);
CORE_MUST_CHECK core_err hpke_setup_receiver(hpke_ctx *ctx, const uint8_t enc[HPKE_NENC],
                                             const uint8_t sk_r[HPKE_NSK], const uint8_t *info,
                                             size_t info_len);

/* ContextS.Seal / ContextR.Open (Section 5.2), with the context's next
 * sequence number. ct holds pt_len + HPKE_NT bytes; pt holds ct_len -
 * HPKE_NT bytes. Open fails with CORE_EAUTH (pt is then zeroed, and the
 * sequence number is not advanced). */
CORE_MUST_CHECK core_err hpke_ctx_seal(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len,
                                       const uint8_t *pt, size_t pt_len, uint8_t *ct);
CORE_MUST_CHECK core_err hpke_ctx_open(hpke_ctx *ctx, const uint8_t *aad, size_t aad_len,
                                       const uint8_t *ct, size_t ct_len, uint8_t *pt);

/* Context.Export (Section 5.3): out_len bytes (at most 255 * HPKE_NH). */
CORE_MUST_CHECK core_err hpke_ctx_export(const hpke_ctx *ctx, const uint8_t *exporter_context,
                                         size_t context_len, uint8_t *out, size_t out_len);

void hpke_ctx_wipe(hpke_ctx *ctx);

/* Single-shot encryption (Section 6.1): enc || ct for one message. */
CORE_MUST_CHECK core_err hpke_seal(const uint8_t pk_r[HPKE_NPK], const uint8_t *info,
                                   size_t info_len, const uint8_t *aad, size_t aad_len,
                                   const uint8_t *pt, size_t pt_len, const uint8_t ikm_e[HPKE_NSK],
                                   uint8_t enc[HPKE_NENC], uint8_t *ct);
CORE_MUST_CHECK core_err hpke_open(const uint8_t sk_r[HPKE_NSK], const uint8_t enc[HPKE_NENC],
                                   const uint8_t *info, size_t info_len, const uint8_t *aad,
                                   size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *pt);

/* hpke_open with the receiver's public key already known (pk_r must be
 * sk_r's: the party's key files hold both): one X25519 instead of two, for
 * a party opening many reports. */
CORE_MUST_CHECK core_err hpke_open_known(const uint8_t sk_r[HPKE_NSK], const uint8_t pk_r[HPKE_NPK],
                                         const uint8_t enc[HPKE_NENC], const uint8_t *info,
                                         size_t info_len, const uint8_t *aad, size_t aad_len,
                                         const uint8_t *ct, size_t ct_len, uint8_t *pt);

#endif
