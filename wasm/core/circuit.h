/*
 * circuit.h - validity circuits (draft-irtf-cfrg-vdaf-18, Section 7.3.2)
 * and the standard ones of Section 7.4: Count, Sum, SumVec, Histogram,
 * MultihotCountVec, plus the draft's test-only HigherDegree circuit.
 *
 * A circuit is a plain struct filled in by an init function: a table of
 * operations, the field, the lengths of Section 7.3.2 and the gadgets with
 * their number of calls. Study-specific circuits implement the same
 * interface with their own circuit_ops and `user` data; nothing else in
 * the FLP or Prio3 code knows which circuit it runs.
 *
 * Contract for eval(): it must call every gadget exactly gadget_calls[i]
 * times through circuit_call_gadget() and compute its output as an affine
 * function of the gadget outputs, measurement and joint randomness, where
 * every constant term is divided by num_shares (so that shares of the
 * output sum to the output).
 */
#ifndef MPC_CIRCUIT_H
#define MPC_CIRCUIT_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "gadget.h"

#define CIRCUIT_MAX_GADGETS 8
#define CIRCUIT_MAX_MEAS_LEN ((size_t)1 << 22)
#define CIRCUIT_MAX_GADGET_CALLS (((size_t)1 << 20) - 1)

typedef struct circuit circuit;

/* Evaluation context provided by the FLP (flp.c): records gadget inputs
 * (prover, verifier) and supplies gadget outputs. */
typedef struct circuit_ctx circuit_ctx;

/* Calls gadget number g on gadget_arity() inputs and stores its output. */
CORE_MUST_CHECK core_err circuit_call_gadget(circuit_ctx *ctx, size_t g, const felem *in,
                                             felem *out);

/* A buffer of at least max(gadget_arity) elements for building inputs. */
felem *circuit_scratch(circuit_ctx *ctx);

typedef struct circuit_ops {
    /* Encodes a measurement given as meas_count integers into meas_len
     * elements. Fails with CORE_EMEAS if it is out of range; the check and
     * the encoding run in time independent of the values. */
    core_err (*encode)(const circuit *c, const uint64_t *meas, felem *out);
    /* Writes eval_output_len elements. */
    core_err (*eval)(const circuit *c, circuit_ctx *ctx, const felem *meas, const felem *joint_rand,
                     unsigned num_shares, felem *out);
    /* Maps meas_len elements (or shares) to output_len elements. */
    void (*truncate)(const circuit *c, const felem *meas, felem *out);
    /* Maps an aggregate (output_len elements) to integers; NULL means each
     * element's integer value. */
    void (*decode)(const circuit *c, const felem *agg, uint64_t num_measurements, core_u128 *out);
} circuit_ops;

struct circuit {
    const circuit_ops *ops;
    field_id field;
    size_t meas_count; /* integers in a measurement */
    size_t meas_len;
    size_t joint_rand_len;
    size_t output_len;
    size_t eval_output_len;
    size_t num_gadgets;
    gadget gadgets[CIRCUIT_MAX_GADGETS];
    size_t gadget_calls[CIRCUIT_MAX_GADGETS];
    /* Parameters of the standard circuits. */
    size_t length, chunk_length, bits;
    uint64_t max_measurement, max_weight;
    /* Study-specific circuits' own data (not owned). */
    const void *user;
};

/* Count: measurement 0 or 1 (Field64). */
CORE_MUST_CHECK core_err circuit_init_count(circuit *c);

/* Sum: measurement in [0, max_measurement], max_measurement >= 1
 * (Field64, so max_measurement < 2^63). */
CORE_MUST_CHECK core_err circuit_init_sum(circuit *c, uint64_t max_measurement);

/* SumVec: `length` integers in [0, max_measurement] (Field128 for
 * Prio3SumVec; Field64 in the draft's multiproof test variant). */
CORE_MUST_CHECK core_err circuit_init_sumvec(circuit *c, field_id f, size_t length,
                                             uint64_t max_measurement, size_t chunk_length);

/* Histogram: measurement is a bucket index in [0, length) (Field128). */
CORE_MUST_CHECK core_err circuit_init_histogram(circuit *c, size_t length, size_t chunk_length);

/* MultihotCountVec: `length` values 0/1 with at most max_weight ones. */
CORE_MUST_CHECK core_err circuit_init_multihot(circuit *c, size_t length, uint64_t max_weight,
                                               size_t chunk_length);

/* The draft's test circuit Prio3HigherDegree: one Field64 element x, valid
 * iff x * (x - 1) * (x - 2) = 0, checked with a degree-3 PolyEval. */
CORE_MUST_CHECK core_err circuit_init_higher_degree(circuit *c);

/* Checks that a (possibly user-defined) circuit is internally consistent
 * and within the core's limits. */
CORE_MUST_CHECK core_err circuit_check(const circuit *c);

/* A chunk length for a ParallelSum range check over meas_len elements
 * that minimizes the proof length (2 * chunk + 2 * P - 1, P the wire
 * polynomial length). */
size_t circuit_best_chunk_length(size_t meas_len);

/* Number of bits of x (0 for 0). */
unsigned circuit_bit_length(uint64_t x);
unsigned circuit_bit_length_wide(field_u128 x);

/* x as an element (x below the field's modulus). */
felem circuit_elem_wide(field_id f, field_u128 x);

/* The range-checked encoding of value (Section 7.4.2): bit_length(max)
 * elements. Returns 1 if value <= max, else 0 (the output is then
 * meaningless; nothing is written for max = 0). Constant time in value. */
uint64_t circuit_encode_range_checked(field_id f, uint64_t value, uint64_t max, felem *out);

/* Inverse of the above; linear, so it also maps shares to shares (0 for
 * max = 0). */
felem circuit_decode_range_checked(field_id f, const felem *in, uint64_t max);

/* The same for values up to 2^128 - 1 (Field128, max below its modulus). */
uint64_t circuit_encode_range_checked_wide(field_id f, field_u128 value, field_u128 max,
                                           felem *out);
felem circuit_decode_range_checked_wide(field_id f, const felem *in, field_u128 max);

#endif
