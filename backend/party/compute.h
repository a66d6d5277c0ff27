/*
 * compute.h - the compute protocol (docs/COMPUTE.md): the leader (party 0)
 * drives it in a thread of its own when the organizer asks; every other
 * party answers the leader's signed requests under /api/peer/compute/.
 *
 *   1. every party approved the study (GET /api/peer/hello);
 *   2. the verification key: the leader's, HPKE-sealed to each helper
 *      (start), which answers with the list of reports it holds;
 *   3. the report set: reports held by every party, the latest per token;
 *   4. min_submissions, before anything is opened;
 *   5. joint verification in batches (verify: each party's verifier
 *      shares; commit: the verifier messages, each party answering which
 *      reports verified there; aggregate: the reports every party
 *      verified, whose output shares each party adds to its aggregate);
 *   6. the counts first (counts: every party fetches every other's),
 *      then each party withholds the sums of cells under min_cell_count
 *      (prepare) and, once every party has prepared, releases its
 *      aggregate share (release), recording the release;
 *   7. the leader combines the shares into the result and stores it.
 *
 * A failure at any step before a release leaves nothing released; the
 * compute can be run again.
 */
#ifndef MPC_COMPUTE_H
#define MPC_COMPUTE_H

#include <cjson/cJSON.h>

#include "http.h"

#define COMPUTE_BATCH 500          /* reports per verification round trip */
#define COMPUTE_TIMEOUT_MS 120000L /* one peer request (default of --peer-timeout) */

typedef struct compute compute;

int compute_new(party_app *app, compute **out);
/* Waits for a running compute to end (its peer requests time out). */
void compute_free(compute *c);

/* The compute's state for /api/status and GET /api/compute: {state
 * ("not_started", "running", "failed", "released"), step, total, verified,
 * rejected, incomplete, error, started_at, finished_at, profile_ms}.
 * profile_ms: where this party's time went in the latest run, in
 * milliseconds {storage, decrypt, verify, wait_for_helpers, total}. */
cJSON *compute_status(compute *c);

/* The organizer's requests (signed with the organizer's key). */
void h_compute_start(party_app *app, const http_req *req, http_reply *out);
void h_compute_get(party_app *app, const http_req *req, http_reply *out);
void h_result(party_app *app, const http_req *req, http_reply *out);
/* GET /api/report: the same for the /report page, with the organizer's
 * report key (X-MPC-Report-Key, from the link mpc report prints). */
void h_report_data(party_app *app, const http_req *req, http_reply *out);

/* POST /api/peer/compute/{start,verify,commit,aggregate,counts,prepare,release,abort}. */
void h_peer_compute(party_app *app, const http_req *req, http_reply *out);

#endif
