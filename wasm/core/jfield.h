/*
 * jfield.h - members of JSON objects (cJSON) that carry binary data or
 * counts: base64 blobs (RFC 4648 section 4) and whole numbers. The one
 * reader and writer of such members for the uploads, the submissions and
 * the party-to-party messages, so that every one is checked the same way
 * before use: a number is never converted unless it is a whole number in
 * range, a blob never decoded beyond its limit.
 */
#ifndef MPC_JFIELD_H
#define MPC_JFIELD_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core.h"

/* The largest whole number a JSON number (an IEEE double) holds exactly:
 * 2^53 - 1. */
#define JFIELD_UINT_MAX 9007199254740991ULL

typedef enum jfield_err {
    JFIELD_OK = 0,
    JFIELD_MISSING, /* no such member, or not of the member's JSON type */
    JFIELD_INVALID, /* present, but not valid (encoding, size, range) */
    JFIELD_NOMEM
} jfield_err;

/* Adds member name = base64 of p[0..n) to obj. 0, or -1 (out of memory). */
int jfield_put_b64(cJSON *obj, const char *name, const uint8_t *p, size_t n);

/* Member name of obj as base64. With exact > 0 it must decode to exactly
 * exact bytes; with exact == 0 to at most max bytes. On JFIELD_OK *out is
 * a new buffer (free(); at least 1 byte is allocated) and *len its
 * length (len may be NULL with exact > 0); otherwise *out is NULL. */
jfield_err jfield_get_b64(const cJSON *obj, const char *name, size_t exact, size_t max,
                          uint8_t **out, size_t *len) CORE_MUST_CHECK;

/* A JSON number that is a whole number from 0 to max (at most
 * JFIELD_UINT_MAX): JFIELD_OK with *out set, or JFIELD_MISSING /
 * JFIELD_INVALID with *out untouched. Never converts anything else. */
jfield_err jfield_uint(const cJSON *item, uint64_t max, uint64_t *out) CORE_MUST_CHECK;

/* jfield_uint of member name of obj. */
jfield_err jfield_get_uint(const cJSON *obj, const char *name, uint64_t max,
                           uint64_t *out) CORE_MUST_CHECK;

/* Member name of obj if it is a string, else NULL. */
const char *jfield_get_string(const cJSON *obj, const char *name);

#endif
