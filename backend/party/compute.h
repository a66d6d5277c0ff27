/*
 * compute.h - the compute protocol (docs/COMPUTE.md): the leader (party 0)
 * drives it in a thread of its own when the organizer asks; every other
 * party answers the leader's signed requests under /api/peer/compute/.
 *
 *   1. every party approved the study: its approval statement, signed
 *      with its key (GET /api/peer/hello; compute_approval);
 *   2. the verification key: the leader's, HPKE-sealed to each helper
 *      (start, with every party's approval statement: each helper checks
 *      them all), which answers with the list of reports it holds;
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
 *
 * Where each step lives:
 *   compute.c   the run's state and status, the release record
 *   share.c     this party's own work on its shares: the verification
 *               key, verify, check, aggregate, counts, withhold (and the
 *               lock discipline)
 *   peer_msg.c  every request and answer between parties, typed
 *   fanout.c    requests to other parties: one, or every helper at once;
 *               every other party's counts
 *   helper.c    the helper's operations (POST /api/peer/compute/OP)
 *   leader.c    the leader's driver (POST /api/compute starts it)
 *   result.c    the result for the organizer and the report page
 */
#ifndef MPC_COMPUTE_H
#define MPC_COMPUTE_H

#include <cjson/cJSON.h>

#include "party.h"

#define COMPUTE_BATCH 500          /* reports per verification round trip */
#define COMPUTE_TIMEOUT_MS 120000L /* one peer request (default of --peer-timeout) */

typedef struct compute compute;

/* A compute for app (no run yet; it shows a release recorded earlier).
 * 0, or -1 out of memory. Free with compute_free. */
int compute_new(party_app *app, compute **out);

/* Waits for a running leader thread to end (its peer requests time out),
 * wipes and frees c; accepts NULL. */
void compute_free(compute *c);

/* The compute's state for /api/status and GET /api/compute: {state
 * ("not_started", "running", "failed", "released"), step, total, verified,
 * rejected, incomplete, error, started_at, finished_at, profile_ms}.
 * profile_ms: where this party's time went in the latest run, in
 * milliseconds {storage, decrypt, verify, wait_for_helpers, total}.
 * Never waits for a batch being verified (share.c). */
cJSON *compute_status(compute *c);

/* This party's approval statement of the study it serves (reqsign.h,
 * REQSIGN_APPROVAL_PREFIX): 1 with sig made if its database holds its
 * approval, else 0 (nothing is signed). */
int compute_approval(const party_app *app, uint8_t sig[SIGN_SIG_SIZE]);

/* 1 if sig is party i's approval statement of the study app serves,
 * under i's signing key in the sealed study. */
int compute_approval_valid(const party_app *app, unsigned i, const uint8_t sig[SIGN_SIG_SIZE]);

#endif
