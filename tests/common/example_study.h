/*
 * example_study.h - a study file of schema/studies/ sealed for n parties
 * with fixed keys (made from the party's index), for the tests that need a
 * sealed study without running the commands: the fuzzers' fixture and the
 * one-party-view test. ECDSA signatures are deterministic, so the sealed
 * text is the same in every run.
 */
#ifndef MPC_TEST_EXAMPLE_STUDY_H
#define MPC_TEST_EXAMPLE_STUDY_H

#include <stddef.h>

#include "keys.h"
#include "study.h"

/* Seals the study file at path for n parties (at most STUDY_MAX_PARTIES):
 * keys[i] gets party i's keys, org the organizer's, *text the sealed JSON
 * (free()), *out the parsed study (study_free). Returns 0, or -1 with err. */
int example_study_seal(const char *path, unsigned n, party_keys *keys, organizer_keys *org,
                       char **text, study **out, char *err, size_t err_size);

#endif
