/*
 * flp.h - the fully linear proof system of draft-irtf-cfrg-vdaf-18,
 * Section 7.3 (FLP of [BBCGGI19], Theorem 4.3, with polynomials in the
 * Lagrange basis over roots of unity).
 *
 * An flp is built once per circuit: it copies the circuit and precomputes
 * the roots of unity and barycentric weights every prove/query needs. It is
 * immutable afterwards, so one flp may serve several threads. Each
 * operation allocates its own scratch, bounded by the circuit's sizes.
 */
#ifndef MPC_FLP_H
#define MPC_FLP_H

#include <stddef.h>

#include "circuit.h"
#include "field.h"

typedef struct flp flp;

/* Creates the proof system for a copy of *c. On failure *out is NULL. */
CORE_MUST_CHECK core_err flp_new(flp **out, const circuit *c);

/* Frees p; accepts NULL. */
void flp_free(flp *p);

const circuit *flp_circuit(const flp *p);
size_t flp_prove_rand_len(const flp *p);
size_t flp_query_rand_len(const flp *p);
size_t flp_proof_len(const flp *p);
size_t flp_verifier_len(const flp *p);

/* Writes flp_proof_len(p) elements of a proof that meas is valid. */
CORE_MUST_CHECK core_err flp_prove(const flp *p, const felem *meas, const felem *prove_rand,
                                   const felem *joint_rand, felem *proof);

/* Writes flp_verifier_len(p) elements: this party's verifier share for
 * its shares of meas and proof. Fails with CORE_EQUERY if a query point is
 * a root of unity of the wire domain (the report must be rejected). */
CORE_MUST_CHECK core_err flp_query(const flp *p, const felem *meas, const felem *proof,
                                   const felem *query_rand, const felem *joint_rand,
                                   unsigned num_shares, felem *verifier);

/* Decides on a combined verifier: CORE_OK if valid, else CORE_EVERIFY. */
CORE_MUST_CHECK core_err flp_decide(const flp *p, const felem *verifier);

#endif
