/*
 * mbedtls_wasm_config.h - mbedTLS 2.28 configuration for the WebAssembly
 * build (used as MBEDTLS_CONFIG_FILE for Debian's mbedtls source and for
 * the core compiled with it).
 *
 * Only what the core needs: SHA-256 and HKDF, AES-128-GCM, and X25519. For
 * X25519 the build uses mbedTLS's Project Everest implementation (verified,
 * constant time, no bignum): the default ECP code takes about 510 us per
 * scalar multiplication natively and the Everest code about 80 us, and a
 * contributor's browser does three per submission. The Everest variant is
 * reached through the mbedtls_ecdh_* context API only, which is all
 * wasm/core/hpke.c uses, so the same source runs with either variant.
 */
#ifndef MPC_MBEDTLS_WASM_CONFIG_H
#define MPC_MBEDTLS_WASM_CONFIG_H

/* Bignum and curves (Curve25519 only; ECP is still needed by the ECDH
 * context API and key parsing). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED
/* The core never asks ECP for a blinded multiplication (Everest does not
 * need blinding), so ECP's internal DRBG is not compiled in. */
#define MBEDTLS_ECP_NO_INTERNAL_RNG

/* Hashing and key derivation. */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_HKDF_C

/* AES-128-GCM. */
#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C

/* Base64: binary fields of submissions (wasm/core/b64.c). */
#define MBEDTLS_BASE64_C

#include "mbedtls/check_config.h"

#endif
