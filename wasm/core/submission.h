/*
 * submission.h - one contributor's submission (docs/DESIGN.md, sections 3 and 4):
 * the encoded answer sharded with the study's Prio3 (nonce = report id,
 * ctx = "mpc-study/1" || study hash), each input share HPKE-sealed to its
 * party (info names the party, aad binds study, report, token, sequence
 * and public share), and the JSON body each party receives on
 * POST /api/reports. The browser (wasm/export.c) and `mpc submit` both
 * build submissions here, so their uploads are identical in form.
 */
#ifndef MPC_SUBMISSION_H
#define MPC_SUBMISSION_H

#include <stddef.h>
#include <stdint.h>

#include "study.h"

/* A token's text: base64url of its 16-byte id and a 64-byte signature. */
#define SUBMISSION_TOKEN_TEXT 107

/* Random bytes a submission needs: the Prio3 sharding randomness and one
 * HPKE ephemeral seed per party. */
size_t submission_rand_size(const study *s);

/* The token id of a token's text (no signature check: the parties do
 * that). CORE_EDECODE if malformed. */
CORE_MUST_CHECK core_err submission_token_id(const char *token, uint8_t id[STUDY_TOKEN_ID_SIZE]);

/* Builds the uploads of one answer (meas from study_encode_answer) of a
 * sealed study. token is the participation token's text (required for
 * "token" studies, NULL for "open" ones); seq orders resubmissions with
 * the same token; rand holds submission_rand_size(s) random bytes. On
 * success bodies[i] is a new NUL-terminated JSON text for party i (free
 * each with free()); on failure every bodies[i] is NULL and err says why. */
CORE_MUST_CHECK core_err submission_build(const study *s, const uint64_t *meas,
                                          const uint8_t report_id[STUDY_REPORT_ID_SIZE],
                                          const char *token, uint64_t seq, const uint8_t *rand,
                                          char **bodies, char *err, size_t err_size);

/* submission_build, made deliberately invalid as `forge` says (a test
 * harness: `mpc submit --forge KIND`): the encoding forgeries are proved
 * as they are; bad-proof adds one to an element of the leader's proof
 * share; bad-share flips a bit of one party's ciphertext and
 * public-share-mismatch gives one party another public share (the party
 * is chosen by the report id). The parties must reject every one. */
CORE_MUST_CHECK core_err submission_forge(const study *s, const uint64_t *meas, study_forgery forge,
                                          const uint8_t report_id[STUDY_REPORT_ID_SIZE],
                                          const char *token, uint64_t seq, const uint8_t *rand,
                                          char **bodies, char *err, size_t err_size);

#endif
