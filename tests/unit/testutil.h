/*
 * testutil.h - helpers shared by the Check unit tests: a seeded random
 * generator (TEST_SEED reproduces a run), random field elements, the
 * location of the official vector files, base64 members of upload bodies.
 */
#ifndef MPC_TESTUTIL_H
#define MPC_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "field.h"
#include "flp.h"
#include "study.h"

uint64_t tu_rand64(void);
uint64_t tu_rand_below(uint64_t bound); /* uniform in [0, bound), bound > 0 */
void tu_rand_bytes(uint8_t *out, size_t n);
felem tu_rand_elem(field_id f);

/* Directory holding vdaf-18/ and hpke-rfc9180/ (env VECTORS, default
 * tests/vectors). */
const char *tu_vectors_dir(void);

/* Decodes a hex literal into out (which holds at least strlen(hex) / 2). */
void tu_hex(const char *hex, uint8_t *out);

/* The bytes of base64 member `name` of a JSON object (an upload body),
 * in a new buffer (free()); *len their number. Fails the test if absent. */
uint8_t *tu_b64_member(const cJSON *obj, const char *name, size_t *len);

/* Proves meas (already encoded, circuit's meas_len elements) with random
 * prove and joint randomness, shares meas and proof additively among
 * `shares` parties, queries each share and decides. With tamper, one
 * proof element is changed first. Returns flp_query's or flp_decide's
 * result. */
core_err tu_flp_prove_and_verify(const flp *p, const felem *meas, unsigned shares, int tamper);

/* Study fixtures: a study file as cJSON (a failed check if unreadable);
 * doc parsed (printed first; the error code, and the message in err,
 * STUDY_ERR_SIZE bytes); doc parsed or a failed check; n fake parties
 * added (their keys only checked for form). */
cJSON *tu_load_doc(const char *path);
core_err tu_parse_doc(const cJSON *doc, unsigned flags, study **out, char *err);
study *tu_parse_ok(const cJSON *doc);
void tu_add_parties(cJSON *doc, int n);

/* A real Prio3 run of n reports of s (report r's measurement at meas + r
 * x stride), every one verified by all the parties; the aggregate into
 * result (prio3_output_len integers). */
void tu_run_prio3(const study *s, const uint64_t *meas, size_t stride, size_t n, core_u128 *result);

/* Runs the n tests as one suite named name, each with the given timeout
 * in seconds; returns the process exit status. */
int tu_main(const char *name, const TTest *const *tests, size_t n, double timeout);

#define TU_MAIN(name, timeout, ...)                                                                \
    int main(void)                                                                                 \
    {                                                                                              \
        const TTest *const tests_[] = {__VA_ARGS__};                                               \
        return tu_main(name, tests_, sizeof(tests_) / sizeof(tests_[0]), timeout);                 \
    }

#endif
