/*
 * core.c - error strings and the few memory helpers every module uses.
 */
#include "core.h"

#include <stdlib.h>

#include <mbedtls/platform_util.h>

const char *core_err_str(core_err err)
{
    switch (err) {
    case CORE_OK: return "success";
    case CORE_EINVAL: return "invalid parameter";
    case CORE_ENOMEM: return "out of memory";
    case CORE_ELIMIT: return "size exceeds a limit of the core";
    case CORE_EDECODE: return "malformed encoding";
    case CORE_EMEAS: return "measurement out of range";
    case CORE_EVERIFY: return "proof verification failed";
    case CORE_EJOINT: return "joint randomness check failed";
    case CORE_EQUERY: return "query point is a root of unity";
    case CORE_EINTERNAL: return "internal error in a validity circuit";
    case CORE_EKEY: return "invalid public key";
    case CORE_EAUTH: return "decryption failed: wrong key or altered data";
    case CORE_ECRYPTO: return "cryptographic library error";
    }
    return "unknown error";
}

const char *core_err_name(core_err err)
{
    switch (err) {
    case CORE_OK: return "OK";
    case CORE_EINVAL: return "EINVAL";
    case CORE_ENOMEM: return "ENOMEM";
    case CORE_ELIMIT: return "ELIMIT";
    case CORE_EDECODE: return "EDECODE";
    case CORE_EMEAS: return "EMEAS";
    case CORE_EVERIFY: return "EVERIFY";
    case CORE_EJOINT: return "EJOINT";
    case CORE_EQUERY: return "EQUERY";
    case CORE_EINTERNAL: return "EINTERNAL";
    case CORE_EKEY: return "EKEY";
    case CORE_EAUTH: return "EAUTH";
    case CORE_ECRYPTO: return "ECRYPTO";
    }
    return "EUNKNOWN";
}

void core_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        mbedtls_platform_zeroize(p, n);
}

int core_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    /* 1 if diff == 0, computed without a branch. */
    return (int)(1 & ((uint32_t)(diff - 1) >> 8));
}

void core_put_be(uint8_t *out, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

void *core_alloc_array(size_t count, size_t size)
{
    if (count == 0 || size == 0 || count > SIZE_MAX / size)
        return NULL;
    return malloc(count * size);
}

void *core_calloc_array(size_t count, size_t size)
{
    if (count == 0 || size == 0)
        return NULL;
    return calloc(count, size);
}

void core_free_secret(void *p, size_t n)
{
    if (p == NULL)
        return;
    core_wipe(p, n);
    free(p);
}
