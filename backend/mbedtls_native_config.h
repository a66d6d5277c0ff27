/*
 * mbedtls_native_config.h - mbedTLS 2.28 configuration of the native build
 * (Debian's mbedtls source package, built by the Makefile into
 * BUILD/mbedtls/libmbedcrypto.a and linked statically; every native object
 * is compiled against the same configuration).
 *
 * Everything the core needs, configured as for the browser
 * (wasm/mbedtls_wasm_config.h: X25519 from Project Everest, about 80 us per
 * scalar multiplication instead of 510 us with Debian's binary package,
 * and HPKE open is a party's largest per-report cost), and what the
 * backend adds: ECDSA P-256 signatures (deterministic, RFC 6979) and
 * PBKDF2 for the admin password, with the x86-64 assembly and AES-NI of
 * Debian's own build.
 */
#ifndef MPC_MBEDTLS_NATIVE_CONFIG_H
#define MPC_MBEDTLS_NATIVE_CONFIG_H

#if defined(__x86_64__) || defined(__i386__)
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_AESNI_C
#endif

/* Signatures: ECDSA over P-256 (party, organizer and token signatures). */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

/* The admin password's hash (PBKDF2-HMAC-SHA256). */
#define MBEDTLS_PKCS5_C
#define MBEDTLS_OID_C /* (pkcs5.c refers to it) */

#include "mbedtls_wasm_config.h"

#endif
