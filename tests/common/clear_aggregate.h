/*
 * clear_aggregate.h - the aggregate of a study's answers computed in the
 * clear, as the parties' shares would add up to it: each answer encoded
 * (study_encode_answer), its encoding checked by the study circuit's FLP
 * (an honest answer must be accepted: the encoder and the circuit's
 * checks agree), and truncated by the study's circuit, the outputs
 * summed in the field and decoded (prio3_unshard of the sum as one party's
 * share). For the tests that need a study's counts and sums without any
 * party: tests/integration/clear_report.c, tests/unit/test_suppress.c.
 */
#ifndef MPC_TEST_CLEAR_AGGREGATE_H
#define MPC_TEST_CLEAR_AGGREGATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "study.h"

/* The aggregate of answers[0..n) into result (prio3_output_len integers).
 * Returns 0, or -1 with err (an answer the study refuses, out of memory). */
int clear_aggregate(const study *s, cJSON *const *answers, size_t n, core_u128 *result, char *err,
                    size_t err_size);

/* The same, with the number of reports into *reports: n, or in an
 * organization study (docs/STUDY.md, "Organizations") the employers, the
 * answers grouped into each employer's table by their "_employer" member
 * (any JSON value). */
int clear_aggregate_reports(const study *s, cJSON *const *answers, size_t n, core_u128 *result,
                            size_t *reports, char *err, size_t err_size);

#endif
