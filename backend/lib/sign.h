/*
 * sign.h - ECDSA P-256 with SHA-256 (mbedTLS): the signatures of sealed
 * studies, participation tokens and party-to-party requests (docs/DESIGN.md,
 * section 4). Keys are raw: a private key is the 32-byte scalar, a public
 * key the 65-byte uncompressed SEC1 point, a signature r || s (64 bytes).
 * Signing is deterministic (RFC 6979). Messages are domain-separated by
 * the callers (each passes its own prefix).
 */
#ifndef MPC_SIGN_H
#define MPC_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_SK_SIZE 32
#define SIGN_PK_SIZE 65
#define SIGN_SIG_SIZE 64

/* A new key pair from the OS CSPRNG. Returns 0 or -1. */
int sign_keygen(uint8_t sk[SIGN_SK_SIZE], uint8_t pk[SIGN_PK_SIZE]);

/* The public key of sk; -1 if sk is not a valid scalar. */
int sign_public_key(const uint8_t sk[SIGN_SK_SIZE], uint8_t pk[SIGN_PK_SIZE]);

/* Signs SHA-256(prefix || msg). Returns 0 or -1. */
int sign_message(const uint8_t sk[SIGN_SK_SIZE], const char *prefix, const uint8_t *msg, size_t len,
                 uint8_t sig[SIGN_SIG_SIZE]);

/* 0 if sig is a valid signature of SHA-256(prefix || msg) by pk, else -1
 * (also for a malformed key or signature). */
int sign_verify(const uint8_t pk[SIGN_PK_SIZE], const char *prefix, const uint8_t *msg, size_t len,
                const uint8_t sig[SIGN_SIG_SIZE])
#if defined(__GNUC__)
    __attribute__((warn_unused_result))
#endif
    ;

#endif
