/*
 * fixture.h - what the fuzzers share: the pay-equity study sealed for 3
 * parties with keys made at start-up (so that the fuzzers need no files
 * but the example study), and a party around it (its database in a
 * temporary directory).
 */
#ifndef MPC_FUZZ_FIXTURE_H
#define MPC_FUZZ_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "party.h"
#include "study.h"

#define FUZZ_PARTIES 3

typedef struct fuzz_fixture {
    study *study;
    char *text; /* the sealed study */
    party_keys party[FUZZ_PARTIES];
    organizer_keys organizer;
    party_app app; /* party `self` with a database, for the handlers */
    char dir[64];
} fuzz_fixture;

/* The fixture, made once (exits the process on failure); the party is
 * party `self` (0 the leader), with the study approved. */
fuzz_fixture *fuzz_fixture_get(unsigned self);

/* The leader's start request to the fixture's party for run run_id (32
 * hex digits) with `total` reports: a verification key sealed to it as
 * the leader seals it and every party's approval statement, written by
 * the protocol's own codec. A new string (free()); exits on failure. */
char *fuzz_fixture_start_body(const fuzz_fixture *f, const char *run_id, uint64_t total);

#endif
