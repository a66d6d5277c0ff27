/*
 * prio3.h - the Prio3 VDAF of draft-irtf-cfrg-vdaf-18, Section 7, with any
 * number of shares (2..255) and of proofs (1..255), over any circuit.
 *
 * Every message crosses this API in its byte encoding (Section 7.2.6), in
 * caller-provided buffers whose sizes come from the prio3_*_size()
 * functions. The instance is immutable after creation and may be shared
 * between threads. Randomness is an input (shard's `rand`), never drawn
 * here.
 *
 * Flow for one report (agg_id 0 is the leader):
 *   client:      prio3_shard -> public share, one input share per party
 *   each party:  prio3_verify_init -> verify state, verifier share
 *   one party:   prio3_verifier_shares_to_message (all verifier shares)
 *   each party:  prio3_verify_next(state, message) -> output share
 *                prio3_aggregate(agg_share, out_share)
 *   collector:   prio3_unshard(all agg shares) -> aggregate result
 */
#ifndef MPC_PRIO3_H
#define MPC_PRIO3_H

#include <stddef.h>
#include <stdint.h>

#include "circuit.h"
#include "core.h"

#define PRIO3_VERSION 18
#define PRIO3_NONCE_SIZE 16
#define PRIO3_SEED_SIZE 32
#define PRIO3_VERIFY_KEY_SIZE 32
#define PRIO3_MAX_SHARES 255
#define PRIO3_MAX_PROOFS 255
/* Largest input share (the leader's) or verifier share an instance may
 * have; keeps every size well inside a 32-bit size_t (WebAssembly). */
#define PRIO3_MAX_MESSAGE_SIZE ((size_t)64 << 20)
/* The DST's length is encoded in 16 bits and starts with 8 fixed bytes. */
#define PRIO3_MAX_CTX_SIZE (65535 - 8)

/* Algorithm identifiers of Section 10 (0xFFFFFFFF: the draft's tests). */
#define PRIO3_ID_COUNT 0x00000001u
#define PRIO3_ID_SUM 0x00000002u
#define PRIO3_ID_SUMVEC 0x00000003u
#define PRIO3_ID_HISTOGRAM 0x00000004u
#define PRIO3_ID_MULTIHOT 0x00000005u
#define PRIO3_ID_TEST 0xFFFFFFFFu

typedef struct prio3 prio3;

/* Creates Prio3 over a copy of circuit *c. Fails with CORE_ELIMIT if a
 * message would exceed PRIO3_MAX_MESSAGE_SIZE. On failure *out is NULL. */
CORE_MUST_CHECK core_err prio3_new(prio3 **out, const circuit *c, uint32_t algorithm_id,
                                   unsigned shares, unsigned proofs);

/* The standard instantiations of Section 7.4 (one proof each). */
CORE_MUST_CHECK core_err prio3_new_count(prio3 **out, unsigned shares);
CORE_MUST_CHECK core_err prio3_new_sum(prio3 **out, unsigned shares, uint64_t max_measurement);
CORE_MUST_CHECK core_err prio3_new_sumvec(prio3 **out, unsigned shares, size_t length,
                                          uint64_t max_measurement, size_t chunk_length);
CORE_MUST_CHECK core_err prio3_new_histogram(prio3 **out, unsigned shares, size_t length,
                                             size_t chunk_length);
CORE_MUST_CHECK core_err prio3_new_multihot(prio3 **out, unsigned shares, size_t length,
                                            uint64_t max_weight, size_t chunk_length);

/* Frees p; accepts NULL. */
void prio3_free(prio3 *p);

const circuit *prio3_circuit(const prio3 *p);
unsigned prio3_shares(const prio3 *p);

/* Sizes, in bytes unless stated. */
size_t prio3_meas_count(const prio3 *p); /* integers in a measurement */
size_t prio3_output_len(const prio3 *p); /* elements in an aggregate */
size_t prio3_rand_size(const prio3 *p);
size_t prio3_public_share_size(const prio3 *p);
size_t prio3_input_share_size(const prio3 *p, unsigned agg_id);
size_t prio3_input_shares_size(const prio3 *p); /* all shares, concatenated */
size_t prio3_verify_state_size(const prio3 *p);
size_t prio3_verifier_share_size(const prio3 *p);
size_t prio3_verifier_message_size(const prio3 *p);
size_t prio3_out_share_size(const prio3 *p); /* also the aggregate share size */

/* Shards a measurement of prio3_meas_count(p) integers. rand holds
 * prio3_rand_size(p) random bytes. Writes the public share and the input
 * shares, leader first, concatenated into input_shares. Fails with
 * CORE_EMEAS for an invalid measurement (outputs are then zeroed). */
CORE_MUST_CHECK core_err prio3_shard(const prio3 *p, const uint8_t *ctx, size_t ctx_len,
                                     const uint64_t *meas, const uint8_t nonce[PRIO3_NONCE_SIZE],
                                     const uint8_t *rand, uint8_t *public_share,
                                     uint8_t *input_shares);

/* prio3_shard with the measurement given either as integers (meas, then
 * encoded by the circuit) or already encoded (given, meas_len elements,
 * sharded and proved as it is: a test harness builds invalid reports this
 * way, see submission_forge). Exactly one of meas and given is non-NULL. */
CORE_MUST_CHECK core_err prio3_shard_encoded(const prio3 *p, const uint8_t *ctx, size_t ctx_len,
                                             const uint64_t *meas, const felem *given,
                                             const uint8_t nonce[PRIO3_NONCE_SIZE],
                                             const uint8_t *rand, uint8_t *public_share,
                                             uint8_t *input_shares);

/* Party agg_id's first verification step. Writes its verify state and its
 * verifier share. Fails with CORE_EDECODE for malformed shares and
 * CORE_EQUERY in the negligible case of Section 7.3.3's query check. */
CORE_MUST_CHECK core_err prio3_verify_init(const prio3 *p,
                                           const uint8_t verify_key[PRIO3_VERIFY_KEY_SIZE],
                                           const uint8_t *ctx, size_t ctx_len, unsigned agg_id,
                                           const uint8_t nonce[PRIO3_NONCE_SIZE],
                                           const uint8_t *public_share, size_t public_share_len,
                                           const uint8_t *input_share, size_t input_share_len,
                                           uint8_t *verify_state, uint8_t *verifier_share);

/* Combines all parties' verifier shares (concatenated, party order) into
 * the verifier message. Fails with CORE_EVERIFY if a proof is rejected. */
CORE_MUST_CHECK core_err prio3_verifier_shares_to_message(const prio3 *p, const uint8_t *ctx,
                                                          size_t ctx_len,
                                                          const uint8_t *verifier_shares,
                                                          size_t verifier_shares_len,
                                                          uint8_t *message);

/* Finishes verification: writes the output share. Fails with CORE_EJOINT
 * if the joint randomness the client used is not the parties' one. */
CORE_MUST_CHECK core_err prio3_verify_next(const prio3 *p, const uint8_t *verify_state,
                                           size_t verify_state_len, const uint8_t *message,
                                           size_t message_len, uint8_t *out_share);

/* Sets an aggregate share to zero. */
void prio3_agg_init(const prio3 *p, uint8_t *agg_share);

/* agg_share += out_share (also merges two aggregate shares). */
CORE_MUST_CHECK core_err prio3_aggregate(const prio3 *p, uint8_t *agg_share,
                                         const uint8_t *out_share, size_t out_share_len);

/* Sums all parties' aggregate shares (concatenated) and decodes the
 * aggregate into prio3_output_len(p) integers. */
CORE_MUST_CHECK core_err prio3_unshard(const prio3 *p, const uint8_t *agg_shares,
                                       size_t agg_shares_len, uint64_t num_measurements,
                                       core_u128 *result);

#endif
