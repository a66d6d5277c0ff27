/*
 * peers.c - peer checks and party-to-party requests; see peers.h.
 */
#include "peers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "compute.h"
#include "hex.h"
#include "httpc.h"
#include "jfield.h"
#include "reqsign.h"

struct peers {
    party_app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    peer_status status[STUDY_MAX_PARTIES];
};

int peer_request(const party_app *app, unsigned to, const char *method, const char *path,
                 const uint8_t *body, size_t body_len, long timeout_ms, long *status, char **resp,
                 size_t *resp_len, char *err, size_t err_size)
{
    *resp = NULL;
    *resp_len = 0;
    char url[512];
    snprintf(url, sizeof url, "%s%s", study_party_url(app->study, to), path);
    reqsign_headers h;
    int signed_request = strncmp(path, "/api/peer/", 10) == 0;
    if (signed_request) {
        char who[8];
        snprintf(who, sizeof who, "%u", app->self);
        if (reqsign_sign(app->keys.sign_sk, REQSIGN_PEER_PREFIX, who, to, study_hash(app->study),
                         method, path, body, body_len, party_now(), &h) != 0) {
            snprintf(err, err_size, "cannot sign the request");
            return -1;
        }
    }
    httpc_request r = {.method = method,
                       .url = url,
                       .headers = signed_request ? h.list : NULL,
                       .body = body,
                       .body_len = body_len,
                       .timeout_ms = timeout_ms,
                       .max_response = PEERS_MAX_RESPONSE};
    httpc_response out;
    if (httpc_perform(NULL, &r, &out, err, err_size) != 0)
        return -1;
    *status = out.status;
    *resp = out.body;
    *resp_len = out.len;
    return 0;
}

/* One check of party i. */
static void check_peer(party_app *app, unsigned i, peer_status *st)
{
    memset(st, 0, sizeof *st);
    st->checked = 1;
    st->same_study = st->approved = -1;
    st->checked_at = party_now();
    long status = 0;
    char *resp;
    size_t len;
    if (peer_request(app, i, "GET", "/api/study", NULL, 0, PEERS_TIMEOUT_MS, &status, &resp, &len,
                     st->error, sizeof st->error) != 0)
        return;
    st->reachable = 1;
    cJSON *doc = status == 200 ? cJSON_ParseWithLength(resp, len) : NULL;
    free(resp);
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(doc, "hash");
    if (!cJSON_IsString(hash)) {
        snprintf(st->error, sizeof st->error, "it does not serve a sealed study (HTTP %ld)",
                 status);
        cJSON_Delete(doc);
        return;
    }
    st->same_study = strcmp(hash->valuestring, app->study_hash_hex) == 0;
    cJSON_Delete(doc);
    if (!st->same_study) {
        snprintf(st->error, sizeof st->error, "it serves a different study");
        return;
    }
    if (peer_request(app, i, "GET", "/api/peer/hello", NULL, 0, PEERS_TIMEOUT_MS, &status, &resp,
                     &len, st->error, sizeof st->error) != 0)
        return;
    doc = status == 200 ? cJSON_ParseWithLength(resp, len) : NULL;
    const cJSON *approved = cJSON_GetObjectItemCaseSensitive(doc, "approved");
    uint8_t *sig = NULL;
    if (cJSON_IsTrue(approved)) {
        /* (It counts only with its statement signed with its key.) */
        st->approved = jfield_get_b64(doc, "approval", SIGN_SIG_SIZE, 0, &sig, NULL) == JFIELD_OK &&
                       compute_approval_valid(app, i, sig);
        if (!st->approved)
            snprintf(st->error, sizeof st->error,
                     "it says it approved, but its signed approval is missing or does not verify");
        free(sig);
    } else if (cJSON_IsBool(approved)) {
        st->approved = 0;
    } else {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
        snprintf(st->error, sizeof st->error, "it refused our signed request: %s",
                 cJSON_IsString(e) ? e->valuestring : "no reason given");
    }
    cJSON_Delete(doc);
    free(resp);
}

static void *run(void *arg)
{
    peers *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        pthread_mutex_unlock(&p->lock);
        for (unsigned i = 0; i < study_num_parties(p->app->study); i++) {
            if (i == p->app->self)
                continue;
            peer_status st;
            check_peer(p->app, i, &st);
            pthread_mutex_lock(&p->lock);
            p->status[i] = st;
            pthread_mutex_unlock(&p->lock);
        }
        pthread_mutex_lock(&p->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += PEERS_INTERVAL;
        while (!p->stop && pthread_cond_timedwait(&p->wake, &p->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

peers *peers_start(party_app *app)
{
    peers *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->app = app;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->wake);
        free(p);
        return NULL;
    }
    return p;
}

void peers_stop(peers *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
}

void peers_get(peers *p, unsigned i, peer_status *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->status[i];
    pthread_mutex_unlock(&p->lock);
}
