/*
 * sign.c - ECDSA P-256 / SHA-256 on mbedTLS; see sign.h.
 */
#include "sign.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/sha256.h>

#include "core.h"
#include "random.h"

static int rng(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    return random_bytes(out, n) == 0 ? 0 : -1;
}

/* The P-256 group, loaded once per thread: mbedTLS keeps a table of
 * multiples of the base point in the group after its first use, which
 * saves about a third of a verification (a party checks a token signature
 * on every upload). Public data; freed when the thread ends. */
static pthread_key_t group_key;
static pthread_once_t group_once = PTHREAD_ONCE_INIT;
static int group_key_ok;

static void group_free(void *g)
{
    mbedtls_ecp_group_free(g);
    free(g);
}

static void group_key_init(void)
{
    group_key_ok = pthread_key_create(&group_key, group_free) == 0;
}

static mbedtls_ecp_group *p256(void)
{
    pthread_once(&group_once, group_key_init);
    mbedtls_ecp_group *g = group_key_ok ? pthread_getspecific(group_key) : NULL;
    if (g != NULL || !group_key_ok)
        return g;
    g = malloc(sizeof *g);
    if (g == NULL)
        return NULL;
    mbedtls_ecp_group_init(g);
    if (mbedtls_ecp_group_load(g, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
        pthread_setspecific(group_key, g) != 0) {
        group_free(g);
        return NULL;
    }
    return g;
}

static int digest(const char *prefix, const uint8_t *msg, size_t len, uint8_t out[32])
{
    mbedtls_sha256_context h;
    mbedtls_sha256_init(&h);
    int rc = mbedtls_sha256_starts_ret(&h, 0) ||
             mbedtls_sha256_update_ret(&h, (const unsigned char *)prefix, strlen(prefix)) ||
             mbedtls_sha256_update_ret(&h, msg, len) || mbedtls_sha256_finish_ret(&h, out);
    mbedtls_sha256_free(&h);
    return rc ? -1 : 0;
}

int sign_keygen(uint8_t sk[SIGN_SK_SIZE], uint8_t pk[SIGN_PK_SIZE])
{
    mbedtls_ecdsa_context k;
    mbedtls_ecdsa_init(&k);
    size_t olen = 0;
    int rc = mbedtls_ecdsa_genkey(&k, MBEDTLS_ECP_DP_SECP256R1, rng, NULL) ||
             mbedtls_mpi_write_binary(&k.d, sk, SIGN_SK_SIZE) ||
             mbedtls_ecp_point_write_binary(&k.grp, &k.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pk,
                                            SIGN_PK_SIZE) ||
             olen != SIGN_PK_SIZE;
    mbedtls_ecdsa_free(&k);
    if (rc)
        core_wipe(sk, SIGN_SK_SIZE);
    return rc ? -1 : 0;
}

int sign_public_key(const uint8_t sk[SIGN_SK_SIZE], uint8_t pk[SIGN_PK_SIZE])
{
    mbedtls_ecp_group *grp = p256();
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    size_t olen = 0;
    int rc = grp == NULL || mbedtls_mpi_read_binary(&d, sk, SIGN_SK_SIZE) ||
             mbedtls_ecp_check_privkey(grp, &d) ||
             mbedtls_ecp_mul(grp, &q, &d, &grp->G, rng, NULL) ||
             mbedtls_ecp_point_write_binary(grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pk,
                                            SIGN_PK_SIZE) ||
             olen != SIGN_PK_SIZE;
    mbedtls_mpi_free(&d); /* mbedTLS wipes MPIs on free */
    mbedtls_ecp_point_free(&q);
    return rc ? -1 : 0;
}

int sign_message(const uint8_t sk[SIGN_SK_SIZE], const char *prefix, const uint8_t *msg, size_t len,
                 uint8_t sig[SIGN_SIG_SIZE])
{
    uint8_t h[32];
    if (digest(prefix, msg, len, h) != 0)
        return -1;
    mbedtls_ecp_group *grp = p256();
    mbedtls_mpi d, r, s;
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc =
        grp == NULL || mbedtls_mpi_read_binary(&d, sk, SIGN_SK_SIZE) ||
        mbedtls_ecp_check_privkey(grp, &d) ||
        mbedtls_ecdsa_sign_det_ext(grp, &r, &s, &d, h, sizeof h, MBEDTLS_MD_SHA256, rng, NULL) ||
        mbedtls_mpi_write_binary(&r, sig, 32) || mbedtls_mpi_write_binary(&s, sig + 32, 32);
    mbedtls_mpi_free(&d);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return rc ? -1 : 0;
}

int sign_verify(const uint8_t pk[SIGN_PK_SIZE], const char *prefix, const uint8_t *msg, size_t len,
                const uint8_t sig[SIGN_SIG_SIZE])
{
    uint8_t h[32];
    if (digest(prefix, msg, len, h) != 0)
        return -1;
    mbedtls_ecp_group *grp = p256();
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = grp == NULL || mbedtls_ecp_point_read_binary(grp, &q, pk, SIGN_PK_SIZE) ||
             mbedtls_ecp_check_pubkey(grp, &q) || mbedtls_mpi_read_binary(&r, sig, 32) ||
             mbedtls_mpi_read_binary(&s, sig + 32, 32) ||
             mbedtls_ecdsa_verify(grp, h, sizeof h, &q, &r, &s);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_ecp_point_free(&q);
    return rc ? -1 : 0;
}
