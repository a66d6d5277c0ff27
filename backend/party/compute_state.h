/*
 * compute_state.h - the compute's state, private to the compute's modules
 * (compute.c, share.c, fanout.c, helper.c, leader.c, result.c).
 *
 * Lock discipline: c->lock guards every field below, and is held only to
 * read or change them (and for a probe's shares, the sums of a few
 * entries of the aggregate: share_probe): never over storage reads, HPKE
 * opens, proofs or a request to another party. The long work of a batch (share.c) runs on
 * buffers of its own with no lock held, and its result is installed only
 * if the run is still the one it started on (c->gen), so that the
 * dashboard's status answers at once during a compute. Only compute.c and
 * share.c take the lock; the leader and helper call their functions.
 */
#ifndef MPC_COMPUTE_STATE_H
#define MPC_COMPUTE_STATE_H

#include <pthread.h>
#include <stdint.h>

#include "compute.h"
#include "peer_msg.h"
#include "prio3.h"
#include "storage.h"

#define VK_SIZE PRIO3_VERIFY_KEY_SIZE

struct compute {
    party_app *app;
    pthread_mutex_t lock;
    /* Status. */
    const char *state, *step;
    uint64_t total, verified, rejected, incomplete;
    char error[PEER_ERROR_SIZE];
    int64_t started_at, finished_at;
    /* Where this party's time went in the latest run (milliseconds):
     * reading reports, HPKE open, the FLP (verify, combine, aggregate),
     * (the leader) waiting for the helpers, and deciding the suppression
     * pattern; wall time from the start. */
    double ms_storage, ms_decrypt, ms_verify, ms_wait, ms_suppress, ms_total;
    double run_t0;
    /* The current run (both roles). */
    int active;
    uint64_t gen; /* changes with every run begun or dropped */
    uint8_t id[PEER_RUN_ID_SIZE];
    uint8_t vk[VK_SIZE];
    uint8_t *agg;      /* this party's aggregate share */
    uint64_t accepted; /* reports in agg */
    int verified_all;  /* every batch aggregated: counts may be served */
    long batch;        /* the batch whose states are held */
    size_t batch_n;
    uint8_t *states, *ok;               /* verify_init's states, and which reports were usable */
    uint8_t *outs, *valid;              /* the batch's output shares, and which verified */
    uint8_t *prepared;                  /* the aggregate share to release, sums withheld */
    uint8_t *unit_state;                /* with it: every unit's state (suppress_pattern) */
    uint8_t pattern[PEER_PATTERN_SIZE]; /* and the release digest */
    study_search *search;               /* the quantiles' search of the prepared release */
    uint64_t search_gen;                /* the run whose search is counted (db_search_begin) */
    int search_counted;
    /* The leader's thread. */
    pthread_t thread;
    int thread_started;
};

extern const char *const COMPUTE_IDLE, *const COMPUTE_RUNNING, *const COMPUTE_FAILED,
                                                                   *const COMPUTE_RELEASED;

/* Outcomes of the run-state and share functions. */
typedef enum run_err {
    RUN_OK = 0,
    RUN_NONE,    /* no such run here (another one, or none: restarted?) */
    RUN_ORDER,   /* not the batch held, or a step before its turn */
    RUN_REFUSED, /* a report this party could not verify, or found invalid, was accepted */
    RUN_NOMEM
} run_err;

/* Milliseconds of a monotonic clock. */
double compute_ms(void);

/* The party has approved the study it serves. */
int compute_approved(const party_app *app);

/* ---- compute.c: the run ---------------------------------------------------- */

/* The organizer asks the leader for a run: unless one is running or the
 * study was released (RUN_ORDER, err says so), a new run id, the state
 * running, and the leader's thread started with leader(c). */
run_err run_request(compute *c, void *(*leader)(void *), char *err, size_t err_size);

/* The id of the latest run requested (the leader's thread reads it). */
void run_id(compute *c, uint8_t id[PEER_RUN_ID_SIZE]);

/* Begins run id at this party under vk (a zero aggregate share, status
 * running at `step`, total reports): RUN_OK or RUN_NOMEM. */
run_err run_begin(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const uint8_t vk[VK_SIZE],
                  uint64_t total, const char *step);

/* RUN_OK if id is the active run. */
run_err run_check(compute *c, const uint8_t id[PEER_RUN_ID_SIZE]);

/* Progress: the step shown (a static string), and the report set's size
 * and incomplete reports when known (total_known). */
void run_set_step(compute *c, const char *step);
void run_set_total(compute *c, uint64_t total, uint64_t incomplete, int incomplete_known);
/* Adds to the profile: waiting for the helpers, and the leader's own
 * combining of verifier shares. */
void run_add_times(compute *c, double wait_ms, double verify_ms);

/* The run stops: its secrets dropped; the state shows this party's
 * release if it made one, else failed with why (copied). */
void run_fail(compute *c, const char *why);

/* The same for the run id only (a helper told by the leader): RUN_NONE
 * if it is not the active run. */
run_err run_abort(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const char *why);

/* Records this party's release (once per study) with the SHA-256 of the
 * share it releases (share NULL: none) and the result (leader: JSON text,
 * else NULL); the run ends released. 0, or -1 with err. */
int run_record_release(compute *c, uint64_t incomplete, const char *result, const uint8_t *share,
                       char *err, size_t err_size);

/* A helper asked to release again after the leader stopped before it had
 * every share: 0 (the run ends released) if share is the very share this
 * party released before, else -1 with err: a party never releases two
 * different aggregate shares of a study. */
int run_released_before(compute *c, const db_release *prev, const uint8_t *share, char *err,
                        size_t err_size);

/* ---- share.c: this party's shares ------------------------------------------------ */

/* Frees the batch held (states, flags, output shares). Lock held. */
void share_drop_batch(compute *c);

/* The study's verification key here: the one stored (sealed to this
 * party) by the first compute. The leader makes it (proposed NULL); a
 * helper keeps the first one the leader sent and refuses any other, so
 * that no report is ever verified under two keys. 0, or -1 with err. */
int share_study_vk(const party_app *app, const uint8_t *proposed, uint8_t vk[VK_SIZE], char *err,
                   size_t err_size);

/* The verification key sealed to party i, and opened by this party. */
core_err share_seal_vk(const study *s, unsigned i, const uint8_t vk[VK_SIZE], uint8_t *enc,
                       uint8_t *ct);
core_err share_open_vk(const party_app *app, const uint8_t *enc, const uint8_t *ct,
                       uint8_t vk[VK_SIZE]);

/* Every report this party holds as PEER_RECORD records sorted by id: a
 * new buffer (free()) with *n records, or NULL. */
uint8_t *share_held_reports(const party_app *app, size_t *n);

/* verify_init on this party's share of each of the n reports ids:
 * ok[k] = 0 when the share cannot be used (missing, not decryptable, not
 * decodable); shares[k] its verifier share (zeros when not ok). The
 * states are kept for share_check. */
run_err share_verify(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], long batch, const uint8_t *ids,
                     size_t n, uint8_t *ok, uint8_t *shares);

/* verify_next for the reports of the held batch the leader accepted:
 * valid[k] = 1 where it succeeds (a public share that differs between
 * parties, for example, fails here at some parties only); the output
 * shares are kept for share_aggregate. RUN_REFUSED for an accepted report
 * this party could not use (the leader misbehaves). */
run_err share_check(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], long batch,
                    const uint8_t *accept, const uint8_t *messages, size_t n, uint8_t *valid);

/* Adds the output shares of the reports every party found valid (final)
 * to the aggregate share; *added is their number. last: verification is
 * finished (counts may be served). RUN_REFUSED for a report this party
 * did not find valid. */
run_err share_aggregate(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], long batch,
                        const uint8_t *final, size_t n, int last, uint64_t *added);

/* This party's counts share (its aggregate share with every entry but
 * the counts zeroed) into out (one output share) and the reports in it:
 * RUN_ORDER before verification is finished. */
run_err share_counts(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint8_t *out,
                     uint64_t *accepted);

/* From every party's counts share (all: parties x output share, this
 * party's own included), what is released: every unit's state
 * (suppress_pattern: primary, then complementary suppression), the share
 * to release (this party's aggregate share with the entries
 * study_open_mask_states closes zeroed) and the release digest, SHA-256
 * of "mpc-release/1", the number of reports (8 bytes, big endian), every
 * combined output entry of the counts (16 bytes each, big endian; 0 for
 * the others) and the units' states (a byte each); kept as prepared.
 * RUN_REFUSED if the counts do not combine or the pattern cannot be
 * decided (why says which). */
run_err share_prepare(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const uint8_t *all, char *why,
                      size_t why_size);

/* A copy of the prepared share: a new buffer (core_free_secret), or
 * NULL (RUN_ORDER: nothing prepared, or another run). The units' states
 * (state, if not NULL: study_num_units bytes) and the release digest
 * (pattern, if not NULL) with it. */
uint8_t *share_prepared(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint8_t *state,
                        uint8_t pattern[PEER_PATTERN_SIZE], run_err *e);

/* The release digest of the prepared share alone (a helper's prepare
 * answer): RUN_OK, or why there is none. */
run_err share_pattern(compute *c, const uint8_t id[PEER_RUN_ID_SIZE],
                      uint8_t pattern[PEER_PATTERN_SIZE]);

/* ---- share.c: the quantiles' search (docs/COMPUTE.md, "Quantiles") ----------- */
/* The steps of the prepared release's search (0: no quantile to find). */
size_t share_search_steps(compute *c);
/* This party's shares of step `step`'s probes, as a new buffer
 * (core_free_secret) of *n x PEER_VALUE_SIZE bytes (*n may be 0), and the
 * probes' digest. With `expect` (another party's request) the step's
 * probes must be the ones it names: a party only opens what its own view
 * of the search asks for. RUN_ORDER before the step is planned here
 * (step not yet reached), RUN_REFUSED for other probes. */
run_err share_probe(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint64_t step,
                    const uint8_t *expect, uint8_t digest[PEER_PROBES_SIZE], uint8_t **values,
                    size_t *n);
/* Opens step `step` (the next one here) from every party's shares of it
 * (parties x n x PEER_VALUE_SIZE): RUN_OK, RUN_ORDER, or RUN_REFUSED if
 * they do not combine into prefix counts. */
run_err share_search_open(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint64_t step,
                          const uint8_t *all, size_t n);
/* The report rows of the release (the leader): study_result_states with
 * this party's search. */
run_err share_result(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const core_u128 *agg,
                     const uint8_t *state, cJSON **rows);
/* The reports in the aggregate, and those rejected, of the active run. */
void share_tally(compute *c, uint64_t *accepted, uint64_t *rejected);

/* ---- fanout.c: requests to other parties ---------------------------------------- */

/* The study's sizes for the codec (n reports in the batch, 0 if not known). */
peer_sizes fanout_sizes(const party_app *app, size_t n);

/* One request of the compute to party i, the answer read into *ans
 * (peer_msg_free it either way). timeout_ms 0: mpc-party serve
 * --peer-timeout. 0, or with err naming the party and the step -1 (no
 * answer, or a refusal) or -2 (an answer that cannot be read). */
int fanout_ask(const party_app *app, unsigned i, peer_op op, const peer_msg *req, size_t n,
               long timeout_ms, peer_msg *ans, char *err, size_t err_size);

/* The same request to every helper at once, each in a thread of its own,
 * while the caller goes on with its own share of the work. */
typedef struct fanout {
    const party_app *app;
    peer_op op;
    char *body;
    size_t body_len, n;
    struct fanout_call {
        struct fanout *f;
        unsigned party;
        peer_msg answer;
        int started, answered;
        pthread_t thread;
        char err[700];
    } calls[STUDY_MAX_PARTIES];
} fanout;

/* Starts the calls: 0, or -1 (out of memory; nothing started, err set). */
int fanout_start(fanout *f, const party_app *app, peer_op op, const peer_msg *req, size_t n,
                 char *err, size_t err_size);

/* Waits for every call: 0 with every f->calls[i].answer read (i >= 1),
 * or -1 with the first error in party order. Returns the milliseconds
 * waited in *waited. Free with fanout_free either way. */
int fanout_finish(fanout *f, double *waited, char *err, size_t err_size);
void fanout_free(fanout *f);

/* Prepares this party's release: every other party's counts share
 * (signed requests, each party from each other: no party relies on
 * another's word for the counts), then share_prepare. 0, or -1 with err. */
int fanout_prepare(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], char *err, size_t err_size);
/* Step `step` of this party's quantiles' search: its own shares of the
 * step's probes and every other party's (signed requests, from each party
 * directly, as the counts), opened. 0, or -1 with err. */
int fanout_search(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint64_t step, char *err,
                  size_t err_size);

#endif
