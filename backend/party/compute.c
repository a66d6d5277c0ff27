/*
 * compute.c - the compute's run state and status; see compute.h and
 * compute_state.h (the lock discipline).
 */
#include "compute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mbedtls/sha256.h>

#include "compute_state.h"
#include "core.h"
#include "random.h"
#include "reqsign.h"

const char *const COMPUTE_IDLE = "not_started", *const COMPUTE_RUNNING = "running",
                  *const COMPUTE_FAILED = "failed", *const COMPUTE_RELEASED = "released";

double compute_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int compute_approved(const party_app *app)
{
    int a = 0;
    int64_t at;
    return db_approval_get(app->db, study_hash(app->study), &a, &at) == DB_OK && a;
}

int compute_approval(const party_app *app, uint8_t sig[SIGN_SIG_SIZE])
{
    return compute_approved(app) &&
           reqsign_approval(app->keys.sign_sk, study_hash(app->study), app->self, sig) == 0;
}

int compute_approval_valid(const party_app *app, unsigned i, const uint8_t sig[SIGN_SIG_SIZE])
{
    return i < study_num_parties(app->study) &&
           reqsign_approval_verify(study_party_signing_key(app->study, i), study_hash(app->study),
                                   i, sig) == 0;
}

/* This party's release of the study, if it made one: 1 with *r read
 * (its result freed), else 0. A storage read: called without the lock. */
static int read_release(const compute *c, db_release *r)
{
    if (db_release_get(c->app->db, study_hash(c->app->study), r) != DB_OK)
        return 0;
    free(r->result);
    r->result = NULL;
    return 1;
}

/* The state shows release r (at start, and when a later run stops).
 * Lock held. */
static void show_release(compute *c, const db_release *r)
{
    c->state = COMPUTE_RELEASED;
    c->step = "";
    c->total = r->accepted + r->rejected;
    c->verified = c->total;
    c->rejected = r->rejected;
    c->incomplete = r->incomplete;
    c->finished_at = r->released_at;
}

/* Drops the run's secrets and batch. Lock held. */
static void drop_run(compute *c)
{
    size_t os = prio3_out_share_size(study_prio3(c->app->study));
    share_drop_batch(c);
    core_free_secret(c->agg, c->agg ? os : 0);
    core_free_secret(c->prepared, c->prepared ? os : 0);
    c->agg = c->prepared = NULL;
    free(c->unit_state);
    c->unit_state = NULL;
    study_search_free(c->search);
    c->search = NULL;
    core_wipe(c->vk, sizeof c->vk);
    c->active = 0;
    c->gen++;
    c->verified_all = 0;
    c->accepted = 0;
}

int compute_new(party_app *app, compute **out)
{
    compute *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    c->app = app;
    pthread_mutex_init(&c->lock, NULL);
    c->state = COMPUTE_IDLE;
    c->step = "";
    c->batch = -1;
    db_release r;
    if (read_release(c, &r))
        show_release(c, &r);
    *out = c;
    return 0;
}

void compute_free(compute *c)
{
    if (c == NULL)
        return;
    if (c->thread_started)
        pthread_join(c->thread, NULL);
    drop_run(c);
    pthread_mutex_destroy(&c->lock);
    core_wipe(c, sizeof *c);
    free(c);
}

cJSON *compute_status(compute *c)
{
    cJSON *j = cJSON_CreateObject();
    pthread_mutex_lock(&c->lock);
    cJSON_AddStringToObject(j, "state", c->state);
    cJSON_AddStringToObject(j, "step", c->step);
    cJSON_AddNumberToObject(j, "total", (double)c->total);
    cJSON_AddNumberToObject(j, "verified", (double)c->verified);
    cJSON_AddNumberToObject(j, "rejected", (double)c->rejected);
    cJSON_AddNumberToObject(j, "incomplete", (double)c->incomplete);
    cJSON_AddStringToObject(j, "error", c->error);
    cJSON_AddStringToObject(j, "message", c->error); /* (the dashboard's name for it) */
    char t[21] = "";
    if (c->started_at)
        party_iso_time(c->started_at, t);
    cJSON_AddStringToObject(j, "started_at", t);
    t[0] = '\0';
    if (c->finished_at)
        party_iso_time(c->finished_at, t);
    cJSON_AddStringToObject(j, "finished_at", t);
    cJSON *p = cJSON_AddObjectToObject(j, "profile_ms");
    const struct {
        const char *name;
        double ms;
    } parts[] = {{"storage", c->ms_storage},
                 {"decrypt", c->ms_decrypt},
                 {"verify", c->ms_verify},
                 {"wait_for_helpers", c->ms_wait},
                 {"suppression", c->ms_suppress},
                 {"total", c->ms_total}};
    for (size_t i = 0; p != NULL && i < sizeof parts / sizeof parts[0]; i++)
        cJSON_AddNumberToObject(p, parts[i].name, (double)(long long)(parts[i].ms + 0.5));
    pthread_mutex_unlock(&c->lock);
    return j;
}

run_err run_begin(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const uint8_t vk[VK_SIZE],
                  uint64_t total, const char *step)
{
    const prio3 *v = study_prio3(c->app->study);
    uint8_t *agg = malloc(prio3_out_share_size(v));
    if (agg == NULL)
        return RUN_NOMEM;
    prio3_agg_init(v, agg);
    pthread_mutex_lock(&c->lock);
    drop_run(c);
    c->agg = agg;
    memcpy(c->id, id, PEER_RUN_ID_SIZE);
    memcpy(c->vk, vk, VK_SIZE);
    c->active = 1;
    c->state = COMPUTE_RUNNING;
    c->step = step;
    c->total = total;
    c->verified = c->rejected = 0;
    c->error[0] = '\0';
    c->started_at = party_now();
    c->finished_at = 0;
    c->ms_storage = c->ms_decrypt = c->ms_verify = c->ms_wait = c->ms_suppress = c->ms_total = 0;
    c->run_t0 = compute_ms();
    pthread_mutex_unlock(&c->lock);
    return RUN_OK;
}

/* Lock held. */
static int is_run(const compute *c, const uint8_t id[PEER_RUN_ID_SIZE])
{
    return c->active && memcmp(id, c->id, PEER_RUN_ID_SIZE) == 0;
}

run_err run_check(compute *c, const uint8_t id[PEER_RUN_ID_SIZE])
{
    pthread_mutex_lock(&c->lock);
    int ok = is_run(c, id);
    pthread_mutex_unlock(&c->lock);
    return ok ? RUN_OK : RUN_NONE;
}

void run_set_step(compute *c, const char *step)
{
    pthread_mutex_lock(&c->lock);
    c->step = step;
    pthread_mutex_unlock(&c->lock);
}

void run_set_total(compute *c, uint64_t total, uint64_t incomplete, int incomplete_known)
{
    pthread_mutex_lock(&c->lock);
    c->total = total;
    if (incomplete_known)
        c->incomplete = incomplete;
    pthread_mutex_unlock(&c->lock);
}

void run_add_times(compute *c, double wait_ms, double verify_ms)
{
    pthread_mutex_lock(&c->lock);
    c->ms_wait += wait_ms;
    c->ms_verify += verify_ms;
    pthread_mutex_unlock(&c->lock);
}

/* Lock held; released: this party's release, if any (read_release). */
static void stop_run(compute *c, const char *why, const db_release *released)
{
    drop_run(c);
    snprintf(c->error, sizeof c->error, "%s", why);
    if (released != NULL) { /* (a party that released still shows it) */
        show_release(c, released);
    } else {
        c->state = COMPUTE_FAILED;
        c->step = "";
        c->finished_at = party_now();
    }
}

void run_fail(compute *c, const char *why)
{
    db_release r;
    int released = read_release(c, &r);
    pthread_mutex_lock(&c->lock);
    stop_run(c, why, released ? &r : NULL);
    pthread_mutex_unlock(&c->lock);
}

run_err run_abort(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const char *why)
{
    db_release r;
    int released = read_release(c, &r);
    pthread_mutex_lock(&c->lock);
    int ok = is_run(c, id);
    if (ok)
        stop_run(c, why, released ? &r : NULL);
    pthread_mutex_unlock(&c->lock);
    return ok ? RUN_OK : RUN_NONE;
}

/* The run ends released. Lock held. */
static void set_released(compute *c, uint64_t incomplete, int64_t at)
{
    c->state = COMPUTE_RELEASED;
    c->step = "";
    c->error[0] = '\0';
    c->incomplete = incomplete;
    c->finished_at = at;
    c->ms_total = compute_ms() - c->run_t0;
    drop_run(c);
}

int run_record_release(compute *c, uint64_t incomplete, const char *result, const uint8_t *share,
                       char *err, size_t err_size)
{
    db_release r = {party_now(), 0, 0, incomplete, (char *)(uintptr_t)result, 0, {0}};
    if (share != NULL) {
        size_t os = prio3_out_share_size(study_prio3(c->app->study));
        if (mbedtls_sha256_ret(share, os, r.share_digest, 0) != 0) {
            snprintf(err, err_size, "the release cannot be recorded");
            return -1;
        }
        r.has_digest = 1;
    }
    pthread_mutex_lock(&c->lock);
    r.accepted = c->accepted;
    r.rejected = c->rejected;
    pthread_mutex_unlock(&c->lock);
    db_err e = db_release_put(c->app->db, study_hash(c->app->study), &r);
    if (e != DB_OK) {
        snprintf(err, err_size, "%s",
                 e == DB_EXISTS ? "this study was released already"
                                : "the release cannot be recorded");
        return -1;
    }
    pthread_mutex_lock(&c->lock);
    set_released(c, incomplete, r.released_at);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int run_released_before(compute *c, const db_release *prev, const uint8_t *share, char *err,
                        size_t err_size)
{
    size_t os = prio3_out_share_size(study_prio3(c->app->study));
    uint8_t digest[32];
    if (!prev->has_digest || mbedtls_sha256_ret(share, os, digest, 0) != 0 ||
        !core_ct_equal(digest, prev->share_digest, sizeof digest)) {
        snprintf(err, err_size,
                 "%s released another aggregate share of this study before, and never releases "
                 "a second one",
                 study_party_name(c->app->study, c->app->self));
        return -1;
    }
    pthread_mutex_lock(&c->lock);
    set_released(c, prev->incomplete, prev->released_at);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

run_err run_request(compute *c, void *(*leader)(void *), char *err, size_t err_size)
{
    uint8_t id[PEER_RUN_ID_SIZE];
    int random_ok = random_bytes(id, sizeof id) == 0;
    pthread_mutex_lock(&c->lock);
    run_err e = RUN_OK;
    if (c->state == COMPUTE_RELEASED) {
        snprintf(err, err_size,
                 "this study's result was released already; it is computed once (mpc report "
                 "downloads it)");
        e = RUN_ORDER;
    } else if (c->state == COMPUTE_RUNNING) {
        snprintf(err, err_size, "a compute is running (mpc compute shows its progress)");
        e = RUN_ORDER;
    }
    if (e == RUN_OK) {
        if (c->thread_started) {
            pthread_join(c->thread, NULL); /* (it ended: the state is not running) */
            c->thread_started = 0;
        }
        memcpy(c->id, id, sizeof id);
        c->state = COMPUTE_RUNNING;
        c->step = "checking approvals";
        c->total = c->verified = c->rejected = c->incomplete = 0;
        c->error[0] = '\0';
        c->started_at = party_now();
        c->finished_at = 0;
        if (random_ok && pthread_create(&c->thread, NULL, leader, c) == 0) {
            c->thread_started = 1;
        } else {
            c->state = COMPUTE_FAILED;
            snprintf(c->error, sizeof c->error, "the compute could not start");
        }
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

void run_id(compute *c, uint8_t id[PEER_RUN_ID_SIZE])
{
    pthread_mutex_lock(&c->lock);
    memcpy(id, c->id, PEER_RUN_ID_SIZE);
    pthread_mutex_unlock(&c->lock);
}
