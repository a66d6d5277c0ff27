/*
 * leader.c - the leader's side of the compute (party 0): POST
 * /api/compute (signed by the organizer) starts a thread that drives
 * every step of compute.h with the helpers, in batches of COMPUTE_BATCH
 * reports, doing this party's own share of each step (share.c) while the
 * helpers do theirs (fanout.c). Any failure before the release stops the
 * run at every party (abort) and releases nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute_state.h"
#include "handlers.h"
#include "hpke.h"
#include "jfield.h"
#include "log.h"
#include "peers.h"

typedef struct run {
    compute *c;
    party_app *app;
    const study *s;
    const prio3 *v;
    unsigned parties;
    uint8_t id[PEER_RUN_ID_SIZE];
    uint64_t total; /* the report set's size */
    /* Every party's approval statement, in party order (step 1). */
    uint8_t approvals[STUDY_MAX_PARTIES * SIGN_SIG_SIZE];
    char err[PEER_ERROR_SIZE];
} run;

static void fail(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(run *r, const char *fmt, ...)
{
    if (r->err[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
}

/* A request of this run. */
static peer_msg request(const run *r)
{
    peer_msg m = {0};
    memcpy(m.compute, r->id, PEER_RUN_ID_SIZE);
    return m;
}

/* One request to helper i; the run fails on error. 0 or -1. */
static int ask(run *r, unsigned i, peer_op op, const peer_msg *req, peer_msg *ans)
{
    char err[sizeof r->err];
    if (fanout_ask(r->app, i, op, req, 0, 0, ans, err, sizeof err) == 0)
        return 0;
    fail(r, "%s", err);
    return -1;
}

/* Waits for a fan-out; the run fails with its first error. 0 or -1. */
static int finish(run *r, fanout *f)
{
    char err[sizeof r->err];
    double waited = 0;
    int rc = fanout_finish(f, &waited, err, sizeof err);
    run_add_times(r->c, waited, 0);
    if (rc != 0)
        fail(r, "%s", err);
    return rc;
}

static const char *run_reason(run_err e)
{
    return e == RUN_NOMEM ? "out of memory" : "the run was stopped meanwhile";
}

/* Step 1: every party approved the study. A helper's approval counts only
 * with its statement, signed with its key from the sealed study; the
 * leader makes its own only if its database holds its approval. The
 * statements go to every helper with start, and each checks them all. */
static void check_approvals(run *r)
{
    char missing[400] = "";
    size_t len = 0;
    for (unsigned i = 0; i < r->parties; i++) {
        uint8_t *sig = r->approvals + i * SIGN_SIG_SIZE;
        int ok;
        const char *note = "";
        char why[300] = "";
        if (i == r->app->self) {
            ok = compute_approval(r->app, sig);
        } else {
            long status = 0;
            char *resp = NULL;
            size_t rlen;
            ok = peer_request(r->app, i, "GET", "/api/peer/hello", NULL, 0, 10000, &status, &resp,
                              &rlen, why, sizeof why) == 0;
            cJSON *j = ok ? cJSON_ParseWithLength(resp, rlen) : NULL;
            free(resp);
            if (!ok) {
                fail(r, "%s (%s) cannot be reached: %s; nothing was opened",
                     study_party_name(r->s, i), study_party_url(r->s, i), why);
                return;
            }
            const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "study_hash");
            int approved = status == 200 && cJSON_IsString(h) &&
                           strcmp(h->valuestring, r->app->study_hash_hex) == 0 &&
                           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "approved"));
            uint8_t *got = NULL;
            ok = approved &&
                 jfield_get_b64(j, "approval", SIGN_SIG_SIZE, 0, &got, NULL) == JFIELD_OK &&
                 compute_approval_valid(r->app, i, got);
            if (ok)
                memcpy(sig, got, SIGN_SIG_SIZE);
            else if (approved)
                note = " (it says it approved, but its signed approval is missing or does not "
                       "verify)";
            free(got);
            cJSON_Delete(j);
        }
        if (!ok && len < sizeof missing)
            len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%s%s", len ? ", " : "",
                                    study_party_name(r->s, i), note);
    }
    if (len > 0)
        fail(r,
             "not every party has approved this study (hash %.16s...): waiting for %s. Each "
             "party admin approves it on the dashboard or with mpc-party approve",
             r->app->study_hash_hex, missing);
}

static int cmp_record(const void *a, const void *b)
{
    return memcmp(a, b, PEER_RECORD);
}

/* Orders by token, then seq (big endian bytes), then report id. */
static int cmp_token_seq(const void *a, const void *b)
{
    const uint8_t *x = a, *y = b;
    int d = memcmp(x + 16, y + 16, 24);
    return d ? d : memcmp(x, y, 16);
}

/* Step 3: the report set from every party's list (records sorted by id):
 * the reports every party holds identically, then the latest per token.
 * Returns the chosen report ids (16 bytes each, new buffer) and their
 * number in *n; *incomplete counts the reports some parties lack. */
static uint8_t *report_set(run *r, uint8_t **lists, const size_t *counts, size_t *n,
                           uint64_t *incomplete)
{
    const size_t R = PEER_RECORD;
    size_t total = 0;
    for (unsigned i = 0; i < r->parties; i++)
        total += counts[i];
    uint8_t *all = core_alloc_array(total ? total : 1, R);
    uint8_t *chosen = core_alloc_array(counts[0] ? counts[0] : 1, R);
    if (all == NULL || chosen == NULL) {
        free(all);
        free(chosen);
        return NULL;
    }
    size_t off = 0;
    for (unsigned i = 0; i < r->parties; i++) {
        memcpy(all + off * R, lists[i], counts[i] * R);
        off += counts[i];
    }
    /* Identical records from every party sort together. */
    qsort(all, total, R, cmp_record);
    size_t distinct = 0, complete = 0;
    for (size_t k = 0; k < total;) {
        size_t same = 1;
        while (k + same < total && memcmp(all + k * R, all + (k + same) * R, R) == 0)
            same++;
        if (k == 0 || memcmp(all + k * R, all + (k - 1) * R, 16) != 0)
            distinct++;
        if (same == r->parties)
            memcpy(chosen + complete++ * R, all + k * R, R);
        k += same;
    }
    free(all);
    *incomplete = distinct - complete;
    /* The latest complete report per token (open studies: every one). */
    if (!study_access_open(r->s)) {
        qsort(chosen, complete, R, cmp_token_seq);
        size_t kept = 0;
        for (size_t k = 0; k < complete; k++)
            if (k + 1 == complete ||
                memcmp(chosen + k * R + 16, chosen + (k + 1) * R + 16, 16) != 0)
                memmove(chosen + kept++ * R, chosen + k * R, R);
        complete = kept;
    }
    qsort(chosen, complete, R, cmp_record);
    for (size_t k = 0; k < complete; k++)
        memmove(chosen + 16 * k, chosen + k * R, 16);
    *n = complete;
    return chosen;
}

/* Steps 2 and 3: the key to every helper, every party's list, the set. */
static uint8_t *start_helpers(run *r, const uint8_t vk[VK_SIZE], size_t *n, uint64_t *incomplete)
{
    uint8_t *lists[STUDY_MAX_PARTIES] = {NULL};
    size_t counts[STUDY_MAX_PARTIES] = {0};
    uint8_t *chosen = NULL;
    lists[0] = share_held_reports(r->app, &counts[0]);
    if (lists[0] == NULL) {
        fail(r, "the leader's reports cannot be read");
        return NULL;
    }
    for (unsigned i = 1; i < r->parties && !r->err[0]; i++) {
        uint8_t enc[HPKE_NENC], ct[VK_SIZE + HPKE_NT];
        if (share_seal_vk(r->s, i, vk, enc, ct) != CORE_OK) {
            fail(r, "cannot seal the verification key to %s", study_party_name(r->s, i));
            break;
        }
        peer_msg req = request(r), ans;
        req.enc = (peer_blob){enc, sizeof enc};
        req.key = (peer_blob){ct, sizeof ct};
        req.approvals = (peer_blob){r->approvals, r->parties * SIGN_SIG_SIZE};
        req.total = counts[0];
        if (ask(r, i, PEER_START, &req, &ans) == 0) {
            lists[i] = ans.held.p;
            counts[i] = ans.held.len / PEER_RECORD;
            ans.held.p = NULL;
        }
        peer_msg_free(&ans);
    }
    if (!r->err[0])
        chosen = report_set(r, lists, counts, n, incomplete);
    if (!r->err[0] && chosen == NULL)
        fail(r, "out of memory");
    for (unsigned i = 0; i < r->parties; i++)
        free(lists[i]);
    return chosen;
}

/* The leader combines the verifier shares of every party (ok: parties x
 * n flags, shares: parties x n verifier shares) into accept[k] and the
 * verifier messages. */
static void combine(run *r, size_t n, const uint8_t *ok, const uint8_t *shares, uint8_t *joined,
                    uint8_t *accept, uint8_t *msgs)
{
    size_t vss = prio3_verifier_share_size(r->v), vms = prio3_verifier_message_size(r->v);
    uint8_t ctx[STUDY_CTX_SIZE];
    study_vdaf_ctx(r->s, ctx);
    double t0 = compute_ms();
    for (size_t k = 0; k < n; k++) {
        accept[k] = 1;
        for (unsigned i = 0; i < r->parties; i++) {
            accept[k] &= ok[i * n + k] == 1;
            memcpy(joined + i * vss, shares + (i * n + k) * vss, vss);
        }
        if (accept[k] &&
            prio3_verifier_shares_to_message(r->v, ctx, sizeof ctx, joined, r->parties * vss,
                                             msgs + k * vms) != CORE_OK)
            accept[k] = 0;
    }
    run_add_times(r->c, 0, compute_ms() - t0);
}

/* Step 5, one batch: every party's verifier shares, the messages, each
 * party's verdict, the aggregation of the reports valid everywhere. */
static void verify_batch(run *r, long batch, const uint8_t *ids, size_t n, int last)
{
    compute *c = r->c;
    size_t vss = prio3_verifier_share_size(r->v), vms = prio3_verifier_message_size(r->v);
    uint8_t *ok = core_alloc_array(r->parties, n), *shares = core_alloc_array(r->parties * n, vss);
    uint8_t *joined = core_alloc_array(r->parties, vss), *accept = malloc(n);
    uint8_t *msgs = core_calloc_array(n, vms);
    char err[sizeof r->err];
    fanout f = {0};
    if (!ok || !shares || !joined || !accept || !msgs) {
        fail(r, "out of memory");
        goto done;
    }
    peer_msg req = request(r);
    req.batch = (uint64_t)batch;
    req.total = r->total;
    req.present = PEER_HAS_TOTAL;
    req.reports = (peer_blob){(uint8_t *)(uintptr_t)ids, 16 * n};
    if (fanout_start(&f, r->app, PEER_VERIFY, &req, n, err, sizeof err) != 0) {
        fail(r, "%s", err);
        goto done;
    }
    run_err e = share_verify(c, r->id, batch, ids, n, ok, shares);
    if (finish(r, &f) != 0)
        goto done;
    if (e != RUN_OK) {
        fail(r, "the leader's own verification failed: %s", run_reason(e));
        goto done;
    }
    for (unsigned i = 1; i < r->parties; i++) {
        memcpy(ok + i * n, f.calls[i].answer.ok.p, n);
        memcpy(shares + i * n * vss, f.calls[i].answer.shares.p, n * vss);
    }
    fanout_free(&f);
    combine(r, n, ok, shares, joined, accept, msgs);
    /* Every party checks the messages; a report counts only if every
     * party found it valid. */
    req = request(r);
    req.batch = (uint64_t)batch;
    req.accept = (peer_blob){accept, n};
    req.messages = (peer_blob){msgs, n * vms};
    if (fanout_start(&f, r->app, PEER_COMMIT, &req, n, err, sizeof err) != 0) {
        fail(r, "%s", err);
        goto done;
    }
    e = share_check(c, r->id, batch, accept, msgs, n, ok);
    if (finish(r, &f) != 0)
        goto done;
    if (e != RUN_OK) {
        fail(r, "the leader's own verification failed");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        accept[k] &= ok[k];
        for (unsigned i = 1; i < r->parties; i++)
            accept[k] &= f.calls[i].answer.valid.p[k];
    }
    fanout_free(&f);
    req = request(r);
    req.batch = (uint64_t)batch;
    req.last = last;
    req.present = PEER_HAS_LAST;
    req.accept = (peer_blob){accept, n};
    if (fanout_start(&f, r->app, PEER_AGGREGATE, &req, n, err, sizeof err) != 0) {
        fail(r, "%s", err);
        goto done;
    }
    uint64_t added = 0;
    e = share_aggregate(c, r->id, batch, accept, n, last, &added);
    if (finish(r, &f) != 0)
        goto done;
    if (e != RUN_OK) {
        fail(r, "the leader's own aggregation failed");
        goto done;
    }
    /* Every party added the same reports. */
    for (unsigned i = 1; i < r->parties; i++)
        if (f.calls[i].answer.accepted != added)
            fail(r, "%s aggregated another number of reports than the leader",
                 study_party_name(r->s, i));
done:
    fanout_free(&f);
    free(ok);
    free(shares);
    free(joined);
    free(accept);
    free(msgs);
}

/* Steps 6 and 7: every party's withheld aggregate share, the result. */
static void release_all(run *r, uint64_t incomplete)
{
    compute *c = r->c;
    size_t os = prio3_out_share_size(r->v), len = prio3_output_len(r->v);
    run_set_step(c, "releasing");
    char err[800];
    if (fanout_prepare(c, r->id, err, sizeof err) != 0) {
        fail(r, "%s; nothing was released", err);
        return;
    }
    run_err e;
    uint8_t pattern[PEER_PATTERN_SIZE];
    uint8_t *state = malloc(study_num_units(r->s) + 1);
    uint8_t *own = state ? share_prepared(c, r->id, state, pattern, &e) : NULL;
    uint8_t *all = core_calloc_array(r->parties, os);
    core_u128 *agg = core_calloc_array(len, sizeof *agg);
    if (own == NULL || all == NULL || agg == NULL) {
        fail(r, "%s", own == NULL && state != NULL ? run_reason(e) : "out of memory");
        goto done;
    }
    memcpy(all, own, os);
    /* Every helper prepares (fetches the counts, decides what is withheld)
     * before any releases, and must have decided what the leader did: a
     * failure here releases nothing. */
    for (unsigned i = 1; i < r->parties && !r->err[0]; i++) {
        peer_msg req = request(r), ans;
        if (ask(r, i, PEER_PREPARE, &req, &ans) == 0 &&
            memcmp(ans.pattern.p, pattern, sizeof pattern) != 0)
            fail(r,
                 "%s decided another release (other counts, or another suppression pattern); "
                 "nothing was released",
                 study_party_name(r->s, i));
        peer_msg_free(&ans);
    }
    /* The medians and quartiles: step by step, every party opens its
     * search's probes (each from every other party directly), the leader
     * first, then each helper in turn: a step begins once every party has
     * opened the one before. */
    size_t steps = r->err[0] ? 0 : share_search_steps(c);
    if (steps > 0)
        run_set_step(c, "finding medians and quartiles");
    for (size_t t = 0; t < steps && !r->err[0]; t++) {
        if (fanout_search(c, r->id, t, err, sizeof err) != 0) {
            fail(r, "%s; nothing was released", err);
            break;
        }
        for (unsigned i = 1; i < r->parties && !r->err[0]; i++) {
            peer_msg req = request(r), ans;
            req.step = t;
            ask(r, i, PEER_SEARCH, &req, &ans);
            peer_msg_free(&ans);
        }
    }
    /* From here on a helper that answered has released its share. */
    for (unsigned i = 1; i < r->parties && !r->err[0]; i++) {
        peer_msg req = request(r), ans;
        req.incomplete = incomplete;
        req.present = PEER_HAS_INCOMPLETE;
        req.pattern.p = pattern;
        req.pattern.len = sizeof pattern;
        if (ask(r, i, PEER_RELEASE, &req, &ans) == 0)
            memcpy(all + i * os, ans.aggregate.p, os);
        peer_msg_free(&ans);
    }
    if (r->err[0])
        goto done;
    uint64_t accepted, rejected;
    share_tally(c, &accepted, &rejected);
    cJSON *rows = NULL;
    if (prio3_unshard(r->v, all, r->parties * os, accepted, agg) != CORE_OK ||
        share_result(c, r->id, agg, state, &rows) != RUN_OK) {
        fail(r, "the aggregate shares do not combine (or fewer than %llu valid submissions)",
             (unsigned long long)study_min_submissions(r->s));
        goto done;
    }
    char *text = cJSON_PrintUnformatted(rows);
    cJSON_Delete(rows);
    if (text == NULL || run_record_release(c, incomplete, text, own, err, sizeof err) != 0)
        fail(r, "%s", text ? err : "out of memory");
    free(text);
done:
    core_free_secret(own, own ? os : 0);
    core_free_secret(all, all ? r->parties * os : 0);
    free(agg);
    free(state);
}

/* Every helper stops the run (best effort: a helper that does not answer
 * finds the run gone at the next request). */
static void abort_helpers(run *r)
{
    for (unsigned i = 1; i < r->parties; i++) {
        peer_msg req = request(r), ans;
        snprintf(req.error, sizeof req.error, "%s", r->err);
        req.present = PEER_HAS_ERROR;
        char why[300];
        fanout_ask(r->app, i, PEER_ABORT, &req, 0, 10000, &ans, why, sizeof why);
        peer_msg_free(&ans);
    }
}

static void *leader_main(void *arg)
{
    compute *c = arg;
    run r = {.c = c, .app = c->app, .s = c->app->study, .v = study_prio3(c->app->study)};
    r.parties = study_num_parties(r.s);
    run_id(c, r.id);
    uint8_t vk[VK_SIZE];
    uint8_t *ids = NULL;
    size_t n = 0;
    uint64_t incomplete = 0;
    check_approvals(&r);
    char why[200];
    if (!r.err[0] && share_study_vk(r.app, NULL, vk, why, sizeof why) != 0)
        fail(&r, "%s", why);
    if (!r.err[0] && run_begin(c, r.id, vk, 0, "agreeing on the reports") != RUN_OK)
        fail(&r, "out of memory");
    if (!r.err[0])
        ids = start_helpers(&r, vk, &n, &incomplete);
    core_wipe(vk, sizeof vk);
    if (!r.err[0]) {
        r.total = n;
        run_set_total(c, n, incomplete, 1);
        run_set_step(c, "verifying");
        if (n < study_min_submissions(r.s))
            fail(&r,
                 "only %zu complete submissions (%llu more held by only some parties); the study "
                 "needs at least %llu before anything is opened",
                 n, (unsigned long long)incomplete, (unsigned long long)study_min_submissions(r.s));
    }
    for (size_t k = 0; k < n && !r.err[0]; k += COMPUTE_BATCH) {
        size_t m = n - k < COMPUTE_BATCH ? n - k : COMPUTE_BATCH;
        verify_batch(&r, (long)(k / COMPUTE_BATCH), ids + 16 * k, m, k + m == n);
    }
    uint64_t none;
    if (n == 0 && !r.err[0] && share_aggregate(c, r.id, 0, NULL, 0, 1, &none) != RUN_OK)
        fail(&r, "the run was stopped meanwhile");
    if (!r.err[0])
        release_all(&r, incomplete);
    free(ids);
    if (r.err[0]) {
        abort_helpers(&r);
        run_fail(c, r.err);
        log_warn("compute failed: %s", r.err);
    } else {
        log_info("compute finished: the result is released");
    }
    return NULL;
}

void h_compute_start(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    char err[300];
    if (app->self != 0) {
        http_error(out, API_CONFLICT, "only the leader (%s, %s) runs the compute",
                   study_party_name(app->study, 0), study_party_url(app->study, 0));
        return;
    }
    if (run_request(app->compute, leader_main, err, sizeof err) != RUN_OK) {
        http_error(out, API_CONFLICT, "%s", err);
        return;
    }
    log_info("compute requested by the organizer");
    http_json(out, 202, compute_status(app->compute));
}
