/*
 * helper.c - the helper's side of the compute: POST
 * /api/peer/compute/OP, signed by a party of the study. Every operation
 * but `counts` comes from the leader; `counts` from any party (each party
 * fetches every other's before it withholds anything). The operations are
 * a table, like the route table (routes.c): its name, who may ask, the
 * handler. Each request is read by the one codec (peer_msg.c) before
 * anything happens; the work on this party's shares is share.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute_state.h"
#include "handlers.h"
#include "log.h"

/* An operation's answer, or an error reply set. */
typedef void (*op_handler)(compute *c, const peer_msg *m, http_reply *out);

/* Replies with op's answer from a. */
static void answer(http_reply *out, peer_op op, const peer_msg *a)
{
    cJSON *j = peer_msg_write(op, 1, a);
    if (j == NULL)
        http_error(out, API_INTERNAL, "out of memory");
    else
        http_json(out, 200, j);
}

/* The reply for a run_err other than RUN_OK. */
static void refuse(http_reply *out, const char *op, run_err e, const char *order,
                   const char *refused)
{
    switch (e) {
    case RUN_NONE:
        http_error(out, API_CONFLICT, "no such compute running here (restarted?)");
        break;
    case RUN_ORDER: http_error(out, API_CONFLICT, "%s: %s", op, order); break;
    case RUN_REFUSED: http_error(out, API_CONFLICT, "%s: %s", op, refused); break;
    case RUN_OK:
    case RUN_NOMEM: http_error(out, API_INTERNAL, "out of memory"); break;
    }
}

/* The first party other than this one whose statement in approvals (one
 * per party, in party order: the codec checked the size) is not its
 * approval of this study signed with its key, or -1 if there is none. */
static int first_unapproved(const party_app *app, const uint8_t *approvals)
{
    for (unsigned i = 0; i < study_num_parties(app->study); i++)
        if (i != app->self && !compute_approval_valid(app, i, approvals + i * SIGN_SIG_SIZE))
            return (int)i;
    return -1;
}

/* start: this party takes part only if it approved the study (its own
 * database says so) and so did every other party (their signed
 * statements, which the leader collected: docs/COMPUTE.md, step 1). */
static void op_start(compute *c, const peer_msg *m, http_reply *out)
{
    party_app *app = c->app;
    uint8_t vk[VK_SIZE], sent[VK_SIZE];
    char why[200];
    int other = -1;
    if (!compute_approved(app)) {
        http_error(out, API_FORBIDDEN, "%s has not approved this study (hash %.16s...)",
                   study_party_name(app->study, app->self), app->study_hash_hex);
    } else if ((other = first_unapproved(app, m->approvals.p)) >= 0) {
        http_error(out, API_FORBIDDEN,
                   "start: %s has not approved this study (hash %.16s...): %s takes part only in "
                   "a compute every party approved",
                   study_party_name(app->study, (unsigned)other), app->study_hash_hex,
                   study_party_name(app->study, app->self));
    } else if (share_open_vk(app, m->enc.p, m->key.p, sent) != CORE_OK) {
        http_error(out, API_BAD_REQUEST, "start: the verification key cannot be opened");
    } else if (share_study_vk(app, sent, vk, why, sizeof why) != 0) {
        http_error(out, API_CONFLICT, "start: %s", why);
    } else {
        /* A party that released runs again (the leader stopped before it
         * had every share) but releases only the same share again. */
        run_err e = run_begin(c, m->compute, vk, m->total, "verifying");
        core_wipe(vk, sizeof vk);
        size_t n = 0;
        peer_msg a = {0};
        if (e == RUN_OK)
            a.held.p = share_held_reports(app, &n);
        a.held.len = n * PEER_RECORD;
        if (e != RUN_OK)
            refuse(out, "start", e, "", "");
        else if (a.held.p == NULL)
            http_error(out, API_UNAVAILABLE, "the reports cannot be read");
        else {
            log_info("compute started by the leader");
            answer(out, PEER_START, &a);
        }
        free(a.held.p);
    }
    core_wipe(sent, sizeof sent);
}

static void op_verify(compute *c, const peer_msg *m, http_reply *out)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t n = m->reports.len / 16, vss = prio3_verifier_share_size(v);
    peer_msg a = {0};
    a.ok.p = malloc(n);
    a.shares.p = core_alloc_array(n, vss);
    a.ok.len = n;
    a.shares.len = n * vss;
    run_err e = a.ok.p && a.shares.p ? share_verify(c, m->compute, (long)m->batch, m->reports.p, n,
                                                    a.ok.p, a.shares.p)
                                     : RUN_NOMEM;
    if (e != RUN_OK) {
        refuse(out, "verify", e, "", "");
    } else {
        if (m->present & PEER_HAS_TOTAL)
            run_set_total(c, m->total, 0, 0); /* the report set's size, for progress */
        answer(out, PEER_VERIFY, &a);
    }
    free(a.ok.p);
    free(a.shares.p);
}

/* commit: the leader's accept flags and verifier messages; answers which
 * reports verified here. */
static void op_commit(compute *c, const peer_msg *m, http_reply *out)
{
    size_t n = m->accept.len;
    peer_msg a = {0};
    a.valid.p = malloc(n);
    a.valid.len = n;
    run_err e = a.valid.p ? share_check(c, m->compute, (long)m->batch, m->accept.p, m->messages.p,
                                        n, a.valid.p)
                          : RUN_NOMEM;
    if (e != RUN_OK)
        refuse(out, "commit", e, "not the batch this party verified",
               "a report this party could not verify was accepted");
    else
        answer(out, PEER_COMMIT, &a);
    free(a.valid.p);
}

/* aggregate: the reports every party found valid are added. */
static void op_aggregate(compute *c, const peer_msg *m, http_reply *out)
{
    peer_msg a = {0};
    int last = (m->present & PEER_HAS_LAST) && m->last;
    run_err e = share_aggregate(c, m->compute, (long)m->batch, m->accept.p, m->accept.len, last,
                                &a.accepted);
    if (e != RUN_OK) {
        refuse(out, "aggregate", e, "not the batch this party checked",
               "a report this party found invalid");
        return;
    }
    if (last)
        run_set_step(c, "waiting for the release");
    answer(out, PEER_AGGREGATE, &a);
}

static void op_counts(compute *c, const peer_msg *m, http_reply *out)
{
    size_t os = prio3_out_share_size(study_prio3(c->app->study));
    peer_msg a = {0};
    a.counts.p = malloc(os);
    a.counts.len = os;
    run_err e = a.counts.p ? share_counts(c, m->compute, a.counts.p, &a.accepted) : RUN_NOMEM;
    if (e != RUN_OK)
        refuse(out, "counts", e, "verification is not finished here", "");
    else
        answer(out, PEER_COUNTS, &a);
    core_free_secret(a.counts.p, os);
}

/* prepare: the counts from every party, what is withheld and the share
 * to release (kept); answers the release digest. */
static void op_prepare(compute *c, const peer_msg *m, http_reply *out)
{
    run_err e = run_check(c, m->compute);
    char err[800];
    uint8_t pattern[PEER_PATTERN_SIZE];
    if (e != RUN_OK) {
        refuse(out, "prepare", e, "", "");
    } else if (fanout_prepare(c, m->compute, err, sizeof err) != 0) {
        http_error(out, API_UNAVAILABLE, "prepare: %s", err);
    } else if ((e = share_pattern(c, m->compute, pattern)) != RUN_OK) {
        refuse(out, "prepare", e, "nothing prepared", "");
    } else {
        run_set_step(c, "ready to release");
        peer_msg a = {0};
        a.pattern.p = pattern;
        a.pattern.len = sizeof pattern;
        answer(out, PEER_PREPARE, &a);
    }
}

/* release: the prepared share, recorded before it is sent. A party that
 * released before sends only the same share again. */
static void op_release(compute *c, const peer_msg *m, http_reply *out)
{
    size_t os = prio3_out_share_size(study_prio3(c->app->study));
    run_err e;
    uint8_t pattern[PEER_PATTERN_SIZE];
    uint8_t *share = share_prepared(c, m->compute, NULL, pattern, &e);
    if (share == NULL) {
        refuse(out, "release", e, "nothing prepared", "");
        return;
    }
    /* The leader combines the shares with its own pattern: one that is not
     * this party's (other counts, or another decision on them) is refused,
     * and nothing is released. */
    if (memcmp(pattern, m->pattern.p, sizeof pattern) != 0) {
        http_error(out, API_CONFLICT,
                   "release: the leader's release digest differs from this party's (other counts "
                   "or another suppression pattern); nothing is released");
        core_free_secret(share, os);
        log_warn("release refused: the leader's release digest differed from this party's");
        run_abort(c, m->compute, "the leader's release digest differed from this party's");
        return;
    }
    uint64_t incomplete = (m->present & PEER_HAS_INCOMPLETE) ? m->incomplete : 0;
    char err[800];
    db_release prev;
    db_err d = db_release_get(c->app->db, study_hash(c->app->study), &prev);
    if (d == DB_OK)
        free(prev.result);
    int again = d == DB_OK;
    if (d != DB_OK && d != DB_MISSING) {
        http_error(out, API_UNAVAILABLE, "release: the release record cannot be read");
    } else if (again ? run_released_before(c, &prev, share, err, sizeof err) != 0
                     : run_record_release(c, incomplete, NULL, share, err, sizeof err) != 0) {
        http_error(out, API_CONFLICT, "release: %s", err);
    } else {
        peer_msg a = {0};
        a.aggregate.p = share;
        a.aggregate.len = os;
        answer(out, PEER_RELEASE, &a);
        log_info(again ? "the same aggregate share sent again to the leader (it had not completed "
                         "the release)"
                       : "aggregate share released to the leader");
    }
    core_free_secret(share, os);
}

/* search: one step of this party's search for medians and quartiles
 * (the leader says when: every party has opened the step before). */
static void op_search(compute *c, const peer_msg *m, http_reply *out)
{
    run_err e = run_check(c, m->compute);
    char err[800];
    if (e != RUN_OK) {
        refuse(out, "search", e, "", "");
    } else if (fanout_search(c, m->compute, m->step, err, sizeof err) != 0) {
        http_error(out, API_UNAVAILABLE, "search: %s", err);
    } else {
        run_set_step(c, "finding medians and quartiles");
        peer_msg a = {0};
        answer(out, PEER_SEARCH, &a);
    }
}

/* probe: this party's shares of a step's probes, if they are the ones its
 * own search asks for (from any party). */
static void op_probe(compute *c, const peer_msg *m, http_reply *out)
{
    uint8_t digest[PEER_PROBES_SIZE];
    peer_msg a = {0};
    size_t n = 0;
    run_err e = share_probe(c, m->compute, m->step, m->probes.p, digest, &a.values.p, &n);
    if (e == RUN_REFUSED) {
        http_error(out, API_CONFLICT,
                   "probe: the probes asked for are not the ones this party's search opens at "
                   "step %llu; nothing is sent",
                   (unsigned long long)m->step);
        log_warn("probe refused: another party asked for other probes than this party's search");
        return;
    }
    a.values.len = n * PEER_VALUE_SIZE;
    if (e != RUN_OK)
        refuse(out, "probe", e, "the search has not reached that step here", "");
    else
        answer(out, PEER_PROBE, &a);
    core_free_secret(a.values.p, a.values.len);
}

static void op_abort(compute *c, const peer_msg *m, http_reply *out)
{
    run_err e = run_abort(c, m->compute,
                          (m->present & PEER_HAS_ERROR) ? m->error : "stopped by the leader");
    if (e != RUN_OK)
        refuse(out, "abort", e, "", "");
    else {
        peer_msg a = {0};
        answer(out, PEER_ABORT, &a);
    }
}

/* Who may ask for an operation. */
enum { FROM_LEADER = 1, FROM_ANY_PARTY = 2 };

static const struct peer_route {
    peer_op op;
    unsigned from;
    op_handler handler;
} OPS[] = {
    {PEER_START, FROM_LEADER, op_start},      {PEER_VERIFY, FROM_LEADER, op_verify},
    {PEER_COMMIT, FROM_LEADER, op_commit},    {PEER_AGGREGATE, FROM_LEADER, op_aggregate},
    {PEER_COUNTS, FROM_ANY_PARTY, op_counts}, {PEER_PREPARE, FROM_LEADER, op_prepare},
    {PEER_RELEASE, FROM_LEADER, op_release},  {PEER_ABORT, FROM_LEADER, op_abort},
    {PEER_SEARCH, FROM_LEADER, op_search},    {PEER_PROBE, FROM_ANY_PARTY, op_probe},
};

void h_peer_compute(party_app *app, const http_req *req, http_reply *out)
{
    const char *name = req->path + strlen("/api/peer/compute/");
    peer_op op = peer_op_find(name);
    const struct peer_route *r = NULL;
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
        if (OPS[i].op == op)
            r = &OPS[i];
    if (r == NULL) {
        http_error(out, API_NOT_FOUND, "no peer endpoint %.80s", req->path);
        return;
    }
    if (r->from == FROM_LEADER && req->sender != 0) {
        http_error(out, API_FORBIDDEN, "only the leader (party 1) drives the compute");
        return;
    }
    if (r->from == FROM_LEADER && app->self == 0) {
        http_error(out, API_FORBIDDEN, "this party is the leader");
        return;
    }
    cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
    peer_sizes z = fanout_sizes(app, 0);
    peer_msg m;
    char err[300];
    if (!cJSON_IsObject(body))
        http_error(out, API_BAD_REQUEST, "the body must be a JSON object");
    else if (peer_msg_read(op, 0, body, &z, &m, err, sizeof err) != 0)
        http_error(out, API_BAD_REQUEST, "%s", err);
    else {
        r->handler(app->compute, &m, out);
        peer_msg_free(&m);
    }
    cJSON_Delete(body);
}
