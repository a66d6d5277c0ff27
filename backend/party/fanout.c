/*
 * fanout.c - the compute's requests to other parties: one typed request
 * (signed, POST /api/peer/compute/OP), the same request to every helper
 * at once, and every other party's counts. See compute_state.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute_state.h"
#include "peers.h"

peer_sizes fanout_sizes(const party_app *app, size_t n)
{
    const prio3 *v = study_prio3(app->study);
    return (peer_sizes){prio3_verifier_share_size(v), prio3_verifier_message_size(v),
                        prio3_out_share_size(v), n, study_num_parties(app->study)};
}

static long timeout_of(const party_app *app, long timeout_ms)
{
    if (timeout_ms > 0)
        return timeout_ms;
    return app->peer_timeout_ms > 0 ? app->peer_timeout_ms : COMPUTE_TIMEOUT_MS;
}

/* Sends body (JSON text) to party i as op and reads the answer of a 200
 * into *ans: 0, or with err naming the party and the step -1 (no answer,
 * or a refusal) or -2 (an answer that cannot be read). */
static int send_body(const party_app *app, unsigned i, peer_op op, const char *body, size_t len,
                     size_t n, long timeout_ms, peer_msg *ans, char *err, size_t err_size)
{
    char path[64], why[300];
    const char *name = study_party_name(app->study, i), *opname = peer_op_name(op);
    snprintf(path, sizeof path, "/api/peer/compute/%s", opname);
    long status = 0;
    char *resp = NULL;
    size_t resp_len = 0;
    memset(ans, 0, sizeof *ans);
    if (peer_request(app, i, "POST", path, (const uint8_t *)body, len, timeout_of(app, timeout_ms),
                     &status, &resp, &resp_len, why, sizeof why) != 0) {
        snprintf(err, err_size, "%s (%s) did not answer (%s): %s", name,
                 study_party_url(app->study, i), opname, why);
        return -1;
    }
    cJSON *j = cJSON_ParseWithLength(resp, resp_len);
    free(resp);
    int rc = -1;
    if (status != 200) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        snprintf(err, err_size, "%s refused (%s, HTTP %ld): %s", name, opname, status,
                 cJSON_IsString(e) ? e->valuestring : "no reason given");
    } else if (j == NULL) {
        snprintf(err, err_size, "%s answered %s with something that is not JSON", name, opname);
    } else {
        peer_sizes z = fanout_sizes(app, n);
        if (peer_msg_read(op, 1, j, &z, ans, why, sizeof why) == 0) {
            rc = 0;
        } else {
            snprintf(err, err_size, "%s sent %s (%s)", name, peer_op_answer_what(op), why);
            rc = -2;
        }
    }
    cJSON_Delete(j);
    return rc;
}

/* The request's JSON text: a new string, or NULL. */
static char *request_text(peer_op op, const peer_msg *req)
{
    cJSON *j = peer_msg_write(op, 0, req);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return text;
}

int fanout_ask(const party_app *app, unsigned i, peer_op op, const peer_msg *req, size_t n,
               long timeout_ms, peer_msg *ans, char *err, size_t err_size)
{
    char *text = request_text(op, req);
    if (text == NULL) {
        memset(ans, 0, sizeof *ans);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    int rc = send_body(app, i, op, text, strlen(text), n, timeout_ms, ans, err, err_size);
    free(text);
    return rc;
}

static void *call_main(void *arg)
{
    struct fanout_call *k = arg;
    const fanout *f = k->f;
    k->answered = send_body(f->app, k->party, f->op, f->body, f->body_len, f->n, 0, &k->answer,
                            k->err, sizeof k->err) == 0;
    return NULL;
}

int fanout_start(fanout *f, const party_app *app, peer_op op, const peer_msg *req, size_t n,
                 char *err, size_t err_size)
{
    memset(f, 0, sizeof *f);
    f->app = app;
    f->op = op;
    f->n = n;
    f->body = request_text(op, req);
    if (f->body == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    f->body_len = strlen(f->body);
    for (unsigned i = 1; i < study_num_parties(app->study); i++) {
        struct fanout_call *k = &f->calls[i];
        k->f = f;
        k->party = i;
        if (pthread_create(&k->thread, NULL, call_main, k) == 0)
            k->started = 1;
        else
            snprintf(k->err, sizeof k->err, "cannot start a thread to reach %s",
                     study_party_name(app->study, i));
    }
    return 0;
}

int fanout_finish(fanout *f, double *waited, char *err, size_t err_size)
{
    double t0 = compute_ms();
    unsigned parties = study_num_parties(f->app->study);
    for (unsigned i = 1; i < parties; i++)
        if (f->calls[i].started) {
            pthread_join(f->calls[i].thread, NULL);
            f->calls[i].started = 0;
        }
    *waited = compute_ms() - t0;
    for (unsigned i = 1; i < parties; i++)
        if (!f->calls[i].answered) {
            snprintf(err, err_size, "%s", f->calls[i].err);
            return -1;
        }
    return 0;
}

void fanout_free(fanout *f)
{
    for (unsigned i = 1; i < STUDY_MAX_PARTIES; i++)
        peer_msg_free(&f->calls[i].answer);
    free(f->body);
    f->body = NULL;
}

int fanout_prepare(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], char *err, size_t err_size)
{
    const party_app *app = c->app;
    const study *s = app->study;
    unsigned parties = study_num_parties(s);
    size_t os = prio3_out_share_size(study_prio3(s));
    uint8_t *all = core_calloc_array(parties, os);
    uint64_t accepted = 0;
    if (all == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    run_err e = share_counts(c, id, all + app->self * os, &accepted);
    err[0] = '\0';
    if (e != RUN_OK)
        snprintf(err, err_size, "%s",
                 e == RUN_NOMEM ? "out of memory" : "verification is not finished here");
    peer_msg req = {0};
    memcpy(req.compute, id, PEER_RUN_ID_SIZE);
    for (unsigned i = 0; i < parties && err[0] == '\0'; i++) {
        if (i == app->self)
            continue;
        char why[700];
        peer_msg ans;
        int rc = fanout_ask(app, i, PEER_COUNTS, &req, 0, 0, &ans, why, sizeof why);
        if (rc != 0)
            snprintf(err, err_size, "%s%s", rc == -1 ? "the counts could not be fetched: " : "",
                     why);
        else if (ans.accepted != accepted)
            snprintf(err, err_size, "%s aggregated %llu reports, this party %llu",
                     study_party_name(s, i), (unsigned long long)ans.accepted,
                     (unsigned long long)accepted);
        else
            memcpy(all + i * os, ans.counts.p, os);
        peer_msg_free(&ans);
    }
    if (err[0] == '\0') {
        char why[700];
        e = share_prepare(c, id, all, why, sizeof why);
        if (e != RUN_OK)
            snprintf(err, err_size, "%s",
                     e == RUN_REFUSED ? why
                     : e == RUN_NOMEM ? "out of memory"
                                      : "the run stopped meanwhile");
    }
    core_free_secret(all, parties * os);
    return err[0] == '\0' ? 0 : -1;
}

int fanout_search(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint64_t step, char *err,
                  size_t err_size)
{
    const party_app *app = c->app;
    const study *s = app->study;
    unsigned parties = study_num_parties(s);
    uint8_t digest[PEER_PROBES_SIZE], *own = NULL, *all = NULL;
    size_t n = 0;
    err[0] = '\0';
    run_err e = share_probe(c, id, step, NULL, digest, &own, &n);
    if (e != RUN_OK)
        snprintf(err, err_size, "%s",
                 e == RUN_NOMEM ? "out of memory"
                                : "the search for medians and quartiles is not at this step here");
    else if ((all = core_calloc_array(parties, (n ? n : 1) * PEER_VALUE_SIZE)) == NULL)
        snprintf(err, err_size, "out of memory");
    else
        memcpy(all + app->self * n * PEER_VALUE_SIZE, own, n * PEER_VALUE_SIZE);
    peer_msg req = {0};
    memcpy(req.compute, id, PEER_RUN_ID_SIZE);
    req.step = step;
    req.probes.p = digest;
    req.probes.len = sizeof digest;
    /* A step without probes (every search narrowed down) asks nobody. */
    for (unsigned i = 0; i < parties && n > 0 && err[0] == '\0'; i++) {
        if (i == app->self)
            continue;
        char why[700];
        peer_msg ans;
        int rc = fanout_ask(app, i, PEER_PROBE, &req, 0, 0, &ans, why, sizeof why);
        if (rc != 0)
            snprintf(err, err_size, "%s%s",
                     rc == -1 ? "the medians' and quartiles' probes could not be fetched: " : "",
                     why);
        else if (ans.values.len != n * PEER_VALUE_SIZE)
            snprintf(err, err_size, "%s sent %zu probe shares, this party asked for %zu",
                     study_party_name(s, i), ans.values.len / PEER_VALUE_SIZE, n);
        else
            memcpy(all + i * n * PEER_VALUE_SIZE, ans.values.p, ans.values.len);
        peer_msg_free(&ans);
    }
    if (err[0] == '\0' && (e = share_search_open(c, id, step, all, n)) != RUN_OK)
        snprintf(err, err_size, "%s",
                 e == RUN_REFUSED ? "the probe shares do not combine into counts (a party sent a "
                                    "wrong share)"
                 : e == RUN_NOMEM ? "out of memory"
                                  : "the run stopped meanwhile");
    core_free_secret(own, n * PEER_VALUE_SIZE);
    core_free_secret(all, all ? parties * (n ? n : 1) * PEER_VALUE_SIZE : 0);
    return err[0] == '\0' ? 0 : -1;
}
