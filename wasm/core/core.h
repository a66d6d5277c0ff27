/*
 * core.h - definitions shared by every module of the portable core.
 *
 * The core (wasm/core/) is pure C11: no I/O, no global mutable state, no
 * randomness of its own (callers pass random bytes in), and every
 * allocation is bounded by parameters the caller chose and can query.
 * The same sources are compiled natively for the party servers and tools
 * and with Emscripten for contributors' browsers.
 */
#ifndef MPC_CORE_H
#define MPC_CORE_H

#include <stddef.h>
#include <stdint.h>

/* Errors of the core. 0 is success; every fallible function returns one. */
typedef enum core_err {
    CORE_OK = 0,
    CORE_EINVAL,    /* a parameter is out of its documented range */
    CORE_ENOMEM,    /* an allocation failed */
    CORE_ELIMIT,    /* a size exceeds a hard limit of the core */
    CORE_EDECODE,   /* an encoded message has the wrong length or content */
    CORE_EMEAS,     /* the measurement is not valid for this VDAF */
    CORE_EVERIFY,   /* a proof was rejected (the report is invalid) */
    CORE_EJOINT,    /* joint randomness check failed (the report is invalid) */
    CORE_EQUERY,    /* the query point hit a root of unity (reject report) */
    CORE_EINTERNAL, /* a circuit violated the FLP contract (programming bug) */
    CORE_EKEY,      /* an invalid public key or key agreement result */
    CORE_EAUTH,     /* decryption failed: wrong key, or data was altered */
    CORE_ECRYPTO    /* the cryptographic library failed unexpectedly */
} core_err;

#define CORE_ERR_LAST CORE_ECRYPTO

/* Returns a static English description of err; never NULL. */
const char *core_err_str(core_err err);

/* Returns the symbolic name of err ("CORE_EMEAS" -> "EMEAS"); never NULL. */
const char *core_err_name(core_err err);

#if defined(__GNUC__) || defined(__clang__)
#define CORE_MUST_CHECK __attribute__((warn_unused_result))
#else
#define CORE_MUST_CHECK
#endif

/* CORE_OK if ok is 1, else err, computed without a branch (ok is 0/1). */
static inline core_err core_err_unless(uint64_t ok, core_err err)
{
    return (core_err)((uint64_t)err * (ok ^ 1));
}

/* Marks n bytes at p as no longer secret. Secret-dependent values that the
 * protocol makes public anyway (validity of a measurement, joint
 * randomness parts) pass through here before any branch on them. Under
 * the constant-time check (CORE_CT_CHECK, tests/ct/) this tells valgrind
 * the bytes are defined; otherwise it compiles to nothing. */
#ifdef CORE_CT_CHECK
#include <valgrind/memcheck.h>
#define CORE_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define CORE_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

/* Unsigned 128-bit integer used for aggregate results (Field128 values). */
typedef struct core_u128 {
    uint64_t lo, hi;
} core_u128;

/* Overwrites n bytes at p with zeros in a way the compiler cannot elide. */
void core_wipe(void *p, size_t n);

/* Constant-time equality of two byte strings of length n: 1 if equal. */
int core_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* The low n bytes (1 to 8) of v, big endian, into out. */
void core_put_be(uint8_t *out, uint64_t v, size_t n);

/* malloc that returns NULL for a zero size or when count * size overflows.
 * The result must be released with core_free_secret() or free(). */
void *core_alloc_array(size_t count, size_t size);

/* The same, zero-filled (all-zero bytes are the element 0 of both fields). */
void *core_calloc_array(size_t count, size_t size);

/* Wipes n bytes at p, then frees p. Accepts NULL. */
void core_free_secret(void *p, size_t n);

#endif
