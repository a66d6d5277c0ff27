/*
 * vectors.h - shared pieces of the mpc-vectors runner: per-file results
 * and JSON helpers for the official vector formats.
 */
#ifndef MPC_VECTORS_H
#define MPC_VECTORS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define MAX_VECTOR_FILE ((size_t)64 << 20)

/* The outcome of one file (VDAF) or one entry (HPKE). */
typedef struct result {
    char msg[512];
    int failed;
    size_t checks;
} result;

/* Records the first failure of r (later ones are ignored). */
void fail(result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checks an operation's result against the outcome the file expects.
 * Returns 1 when the operation succeeded as expected and its outputs are to
 * be compared, else 0 (after recording a failure if the outcome differs). */
int outcome(result *r, core_err err, int success, const char *what);

const cJSON *field(const cJSON *obj, const char *name);

/* A non-negative integer that a double represents exactly (or a boolean). */
int get_uint(const cJSON *item, uint64_t *out);
int get_uint_field(const cJSON *obj, const char *name, uint64_t *out);

/* Decodes a hex string item into a new buffer (*out NULL on failure). */
int get_hex(const cJSON *item, uint8_t **out, size_t *len);

/* Compares bytes with the hex string item; records a failure naming what. */
void expect_hex(result *r, const cJSON *item, const uint8_t *got, size_t got_len, const char *what);

/* Reads and parses a JSON file; on failure records why in r and returns
 * NULL. */
cJSON *load_json(const char *path, result *r);

/* Runs one VDAF file (Prio3*.json or XofTurboShake128.json); prints its
 * line; returns 0 if it passed. */
int run_vdaf_file(const char *path);

/* Runs an RFC 9180 vector file; prints a line per checked entry and adds to
 * the counts. */
void run_hpke_file(const char *path, int *passed, int *failed, int *skipped);

#endif
