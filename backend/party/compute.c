/*
 * compute.c - the compute protocol; see compute.h and docs/COMPUTE.md.
 *
 * Both roles share one state (struct compute): the leader's thread and
 * the helper's handlers verify and aggregate their own shares with the
 * same functions (verify_own, check_own, aggregate_own, release_own).
 */
#include "compute.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mbedtls/sha256.h>

#include "b64.h"
#include "hex.h"
#include "hpke.h"
#include "log.h"
#include "peers.h"
#include "random.h"
#include "reqsign.h"
#include "sign.h"

#define VK_SIZE PRIO3_VERIFY_KEY_SIZE
#define VK_CT (VK_SIZE + HPKE_NT)
#define RECORD 40 /* a report in a list: id 16, token id 16, seq 8 (big endian) */

struct compute {
    party_app *app;
    pthread_mutex_t lock; /* everything below */
    /* Status. */
    const char *state, *step;
    uint64_t total, verified, rejected, incomplete;
    char error[600];
    int64_t started_at, finished_at;
    /* Where this party's time went in the latest run (milliseconds):
     * reading reports, HPKE open, the FLP (verify, combine, aggregate),
     * and (the leader) waiting for the helpers; wall time from the start. */
    double ms_storage, ms_decrypt, ms_verify, ms_wait, ms_total;
    double run_t0;
    /* The current run (both roles). */
    int active;
    uint8_t id[16];
    uint8_t vk[VK_SIZE];
    uint8_t *agg;      /* this party's aggregate share */
    uint64_t accepted; /* reports in agg */
    int verified_all;  /* every batch committed: counts may be served */
    long batch;        /* the batch whose states are held */
    size_t batch_n;
    uint8_t *states, *ok;
    uint8_t *outs, *valid; /* the batch's output shares, and which verified */
    uint8_t *prepared;     /* the aggregate share to release, sums withheld */
    /* The leader's thread. */
    pthread_t thread;
    int thread_started;
};

static double mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static const char *const STATE_IDLE = "not_started", *const STATE_RUNNING = "running",
                         *const STATE_FAILED = "failed", *const STATE_RELEASED = "released";

/* If this party released the study, its state shows that release (at
 * start, and when a later run stops). Returns 1 if so. */
static int show_release(compute *c)
{
    db_release r;
    if (db_release_get(c->app->db, study_hash(c->app->study), &r) != DB_OK)
        return 0;
    c->state = STATE_RELEASED;
    c->step = "";
    c->total = r.accepted + r.rejected;
    c->verified = c->total;
    c->rejected = r.rejected;
    c->incomplete = r.incomplete;
    c->finished_at = r.released_at;
    free(r.result);
    return 1;
}

int compute_new(party_app *app, compute **out)
{
    compute *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    c->app = app;
    pthread_mutex_init(&c->lock, NULL);
    c->state = STATE_IDLE;
    c->step = "";
    c->batch = -1;
    show_release(c);
    *out = c;
    return 0;
}

static void drop_run(compute *c)
{
    const prio3 *v = study_prio3(c->app->study);
    core_free_secret(c->agg, c->agg ? prio3_out_share_size(v) : 0);
    core_free_secret(c->states, c->states ? c->batch_n * prio3_verify_state_size(v) : 0);
    free(c->ok);
    core_free_secret(c->outs, c->outs ? c->batch_n * prio3_out_share_size(v) : 0);
    free(c->valid);
    core_free_secret(c->prepared, c->prepared ? prio3_out_share_size(v) : 0);
    c->agg = c->states = c->ok = c->prepared = c->outs = c->valid = NULL;
    core_wipe(c->vk, sizeof c->vk);
    c->active = 0;
    c->verified_all = 0;
    c->batch = -1;
    c->batch_n = 0;
    c->accepted = 0;
}

void compute_free(compute *c)
{
    if (c == NULL)
        return;
    if (c->thread_started)
        pthread_join(c->thread, NULL);
    drop_run(c);
    pthread_mutex_destroy(&c->lock);
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
                 {"total", c->ms_total}};
    for (size_t i = 0; p != NULL && i < sizeof parts / sizeof parts[0]; i++)
        cJSON_AddNumberToObject(p, parts[i].name, (double)(long long)(parts[i].ms + 0.5));
    pthread_mutex_unlock(&c->lock);
    return j;
}

/* One request to another party: mpc-party serve --peer-timeout. */
static long peer_timeout(const party_app *app)
{
    return app->peer_timeout_ms > 0 ? app->peer_timeout_ms : COMPUTE_TIMEOUT_MS;
}

static void set_step(compute *c, const char *step)
{
    pthread_mutex_lock(&c->lock);
    c->step = step;
    pthread_mutex_unlock(&c->lock);
}

/* ---- this party's own shares (both roles) ----------------------------------- */

/* The verification key sealed to party i (info names the party and the
 * key's purpose; aad is the study hash). */
static core_err seal_vk(const study *s, unsigned i, const uint8_t vk[VK_SIZE],
                        uint8_t enc[HPKE_NENC], uint8_t ct[VK_CT])
{
    uint8_t ikm[HPKE_NSK], info[40];
    int n = snprintf((char *)info, sizeof info, "mpc-study/1 verify key");
    info[n] = (uint8_t)i;
    if (random_bytes(ikm, sizeof ikm) != 0)
        return CORE_ECRYPTO;
    core_err e = hpke_seal(study_party_hpke_key(s, i), info, (size_t)n + 1, study_hash(s),
                           STUDY_HASH_SIZE, vk, VK_SIZE, ikm, enc, ct);
    core_wipe(ikm, sizeof ikm);
    return e;
}

static core_err open_vk(const party_app *app, const uint8_t enc[HPKE_NENC], const uint8_t ct[VK_CT],
                        uint8_t vk[VK_SIZE])
{
    uint8_t info[40];
    int n = snprintf((char *)info, sizeof info, "mpc-study/1 verify key");
    info[n] = (uint8_t)app->self;
    return hpke_open(app->keys.hpke_sk, enc, info, (size_t)n + 1, study_hash(app->study),
                     STUDY_HASH_SIZE, ct, VK_CT, vk);
}

/* The study's verification key at this party: the one stored (sealed to
 * this party) by the first compute. The leader makes it (proposed NULL);
 * a helper keeps the first one the leader sent and refuses any other, so
 * that no report is ever verified under two keys. 0, or -1 with err. */
static int study_vk(const party_app *app, const uint8_t *proposed, uint8_t vk[VK_SIZE], char *err,
                    size_t err_size)
{
    uint8_t enc[HPKE_NENC], ct[VK_CT], fresh[VK_SIZE];
    const uint8_t *h = study_hash(app->study);
    db_err e = db_compute_key_get(app->db, h, enc, ct);
    if (e == DB_MISSING) {
        if (proposed != NULL)
            memcpy(fresh, proposed, VK_SIZE);
        if ((proposed == NULL && random_bytes(fresh, VK_SIZE) != 0) ||
            seal_vk(app->study, app->self, fresh, enc, ct) != CORE_OK ||
            db_compute_key_put(app->db, h, enc, ct) != DB_OK) {
            core_wipe(fresh, sizeof fresh);
            snprintf(err, err_size, "the verification key cannot be stored");
            return -1;
        }
        core_wipe(fresh, sizeof fresh);
        e = db_compute_key_get(app->db, h, enc, ct); /* the first one stays */
    }
    if (e != DB_OK || open_vk(app, enc, ct, vk) != CORE_OK) {
        snprintf(err, err_size, "the verification key cannot be read");
        return -1;
    }
    if (proposed != NULL && !core_ct_equal(vk, proposed, VK_SIZE)) {
        core_wipe(vk, VK_SIZE);
        snprintf(err, err_size,
                 "the leader sent another verification key than in the first compute; refused "
                 "(a report is never verified under two keys)");
        return -1;
    }
    return 0;
}

/* Starts a run at this party: a zero aggregate share. */
static int begin_run(compute *c, const uint8_t id[16], const uint8_t vk[VK_SIZE], uint64_t total)
{
    const prio3 *v = study_prio3(c->app->study);
    drop_run(c);
    c->agg = malloc(prio3_out_share_size(v));
    if (c->agg == NULL)
        return -1;
    prio3_agg_init(v, c->agg);
    memcpy(c->id, id, 16);
    memcpy(c->vk, vk, VK_SIZE);
    c->active = 1;
    c->state = STATE_RUNNING;
    c->step = "verifying";
    c->total = total;
    c->verified = c->rejected = 0;
    c->error[0] = '\0';
    c->started_at = party_now();
    c->finished_at = 0;
    c->ms_storage = c->ms_decrypt = c->ms_verify = c->ms_wait = c->ms_total = 0;
    c->run_t0 = mono_ms();
    return 0;
}

/* verify_init on this party's share of each report: ok[k] = 0 when the
 * share cannot be used (missing, not decryptable, not decodable); shares
 * gets each verifier share (zeros when not ok). Keeps the states for
 * check_own. Called with c->lock held. */
static int verify_own(compute *c, long batch, const uint8_t *ids, size_t n, uint8_t *ok,
                      uint8_t *shares)
{
    party_app *app = c->app;
    const study *s = app->study;
    const prio3 *v = study_prio3(s);
    size_t sts = prio3_verify_state_size(v), vss = prio3_verifier_share_size(v);
    size_t in_len = prio3_input_share_size(v, app->self);
    core_free_secret(c->states, c->states ? c->batch_n * sts : 0);
    core_free_secret(c->outs, c->outs ? c->batch_n * prio3_out_share_size(v) : 0);
    free(c->ok);
    free(c->valid);
    c->outs = c->valid = NULL;
    c->states = calloc(n ? n : 1, sts);
    c->ok = calloc(n ? n : 1, 1);
    uint8_t *share = malloc(in_len ? in_len : 1);
    size_t aad_size = STUDY_AAD_FIXED + prio3_public_share_size(v);
    uint8_t *aad = malloc(aad_size);
    if (c->states == NULL || c->ok == NULL || share == NULL || aad == NULL) {
        free(share);
        free(aad);
        return -1;
    }
    c->batch = batch;
    c->batch_n = n;
    uint8_t ctx[STUDY_CTX_SIZE], info[STUDY_INFO_SIZE];
    study_vdaf_ctx(s, ctx);
    study_hpke_info(app->self, info);
    for (size_t k = 0; k < n; k++) {
        const uint8_t *id = ids + 16 * k;
        memset(shares + k * vss, 0, vss);
        db_report_data d;
        ok[k] = 0;
        double t0 = mono_ms();
        db_err e = db_report_get(app->db, study_hash(s), id, &d);
        double t1 = mono_ms();
        c->ms_storage += t1 - t0;
        if (e != DB_OK)
            continue;
        size_t aad_len = study_hpke_aad(s, id, d.key.has_token ? d.key.token_id : NULL, d.key.seq,
                                        d.public_share, d.public_share_len, aad, aad_size);
        int opened =
            aad_len > 0 && d.enc_len == HPKE_NENC && d.ciphertext_len == in_len + HPKE_NT &&
            hpke_open_known(app->keys.hpke_sk, app->keys.hpke_pk, d.enc, info, sizeof info, aad,
                            aad_len, d.ciphertext, d.ciphertext_len, share) == CORE_OK;
        double t2 = mono_ms();
        c->ms_decrypt += t2 - t1;
        ok[k] = opened && prio3_verify_init(v, c->vk, ctx, sizeof ctx, app->self, id,
                                            d.public_share, d.public_share_len, share, in_len,
                                            c->states + k * sts, shares + k * vss) == CORE_OK;
        c->ms_verify += mono_ms() - t2;
        core_wipe(share, in_len);
        db_report_data_free(&d);
        c->ok[k] = ok[k];
    }
    free(share);
    free(aad);
    return 0;
}

/* verify_next for the reports of the held batch the leader accepted:
 * valid[k] = 1 where it succeeds (a public share that differs between
 * parties, for example, fails here at some parties only); the output
 * shares are kept for aggregate_own. Returns 0, or -1 (not the held batch,
 * or an accepted report this party could not verify: the leader
 * misbehaves). Lock held. */
static int check_own(compute *c, long batch, const uint8_t *accept, const uint8_t *messages,
                     size_t n, uint8_t *valid)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t sts = prio3_verify_state_size(v), vms = prio3_verifier_message_size(v);
    size_t os = prio3_out_share_size(v);
    if (batch != c->batch || n != c->batch_n || c->states == NULL)
        return -1;
    c->outs = calloc(n ? n : 1, os);
    c->valid = calloc(n ? n : 1, 1);
    if (c->outs == NULL || c->valid == NULL)
        return -1;
    int rc = 0;
    double t0 = mono_ms();
    for (size_t k = 0; k < n && rc == 0; k++) {
        if (accept[k] && !c->ok[k])
            rc = -1;
        else if (accept[k])
            c->valid[k] = prio3_verify_next(v, c->states + k * sts, sts, messages + k * vms, vms,
                                            c->outs + k * os) == CORE_OK;
        valid[k] = c->valid[k];
    }
    c->ms_verify += mono_ms() - t0;
    core_free_secret(c->states, c->batch_n * sts);
    c->states = NULL;
    return rc;
}

/* Adds the output shares of the reports every party found valid (final,
 * from the leader) to the aggregate share. Returns the number added, or -1
 * (not the checked batch, or a report this party did not find valid).
 * Lock held. */
static long aggregate_own(compute *c, long batch, const uint8_t *final, size_t n)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t os = prio3_out_share_size(v);
    if (batch != c->batch || n != c->batch_n || c->outs == NULL)
        return -1;
    long added = 0;
    for (size_t k = 0; k < n && added >= 0; k++)
        if (final[k] && !c->valid[k])
            added = -1;
    double t0 = mono_ms();
    for (size_t k = 0; k < n && added >= 0; k++)
        if (final[k]) {
            if (prio3_aggregate(v, c->agg, c->outs + k * os, os) != CORE_OK)
                added = -1;
            else
                added++;
        }
    c->ms_verify += mono_ms() - t0;
    c->ms_total = mono_ms() - c->run_t0;
    if (added >= 0) {
        c->accepted += (uint64_t)added;
        c->verified += n;
        c->rejected += n - (size_t)added;
    }
    core_free_secret(c->outs, n * os);
    free(c->valid);
    c->outs = c->valid = NULL;
    c->batch = -1;
    return added;
}

/* This party's counts share: its aggregate share with every entry but the
 * counts set to zero. Lock held. */
static uint8_t *counts_share(compute *c)
{
    const study *s = c->app->study;
    const prio3 *v = study_prio3(s);
    size_t os = prio3_out_share_size(v), len = prio3_output_len(v), elem = os / len;
    uint8_t *is_count = malloc(len), *out = malloc(os);
    if (is_count == NULL || out == NULL) {
        free(is_count);
        free(out);
        return NULL;
    }
    study_count_outputs(s, is_count);
    for (size_t i = 0; i < len; i++)
        if (is_count[i])
            memcpy(out + i * elem, c->agg + i * elem, elem);
        else
            memset(out + i * elem, 0, elem);
    free(is_count);
    return out;
}

/* ---- JSON helpers -------------------------------------------------------------- */

static int add_blob(cJSON *j, const char *name, const uint8_t *p, size_t n)
{
    char *t = b64_encode(p, n, 0);
    int ok = t != NULL && cJSON_AddStringToObject(j, name, t) != NULL;
    free(t);
    return ok;
}

/* Member `name` as base64 of exactly n bytes (n == 0: any length up to
 * max, *len set). A new buffer, or NULL. */
static uint8_t *get_blob(const cJSON *j, const char *name, size_t n, size_t max, size_t *len)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, name);
    if (!cJSON_IsString(m))
        return NULL;
    size_t cap = n ? n : max;
    uint8_t *p = malloc(cap ? cap : 1);
    long got = p ? b64_decode(m->valuestring, 0, p, cap) : -1;
    if (got < 0 || (n && (size_t)got != n)) {
        free(p);
        return NULL;
    }
    if (len)
        *len = (size_t)got;
    return p;
}

/* Member `name` as a whole number from 0 to 2^53 - 1: 0, or -1 (missing,
 * or anything else: never converted). */
static int get_uint(const cJSON *j, const char *name, uint64_t *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, name);
    if (!cJSON_IsNumber(m) || !(m->valuedouble >= 0 && m->valuedouble <= 9007199254740991.0) ||
        m->valuedouble != (double)(uint64_t)m->valuedouble)
        return -1;
    *out = (uint64_t)m->valuedouble;
    return 0;
}

static int get_id(const cJSON *j, uint8_t id[16])
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "compute");
    return cJSON_IsString(m) && hex_decode_fixed(m->valuestring, id, 16) == 0 ? 0 : -1;
}

/* ---- helper side: /api/peer/compute/... ------------------------------------------ */

static int approved(party_app *app)
{
    int a = 0;
    int64_t at;
    return db_approval_get(app->db, study_hash(app->study), &a, &at) == DB_OK && a;
}

/* Every report this party holds as records (id, token id, seq big
 * endian), sorted by id: a new buffer, or NULL. */
static uint8_t *report_records(party_app *app, size_t *n)
{
    db_report_key *keys;
    if (db_report_keys(app->db, study_hash(app->study), &keys, n) != DB_OK)
        return NULL;
    uint8_t *list = malloc(*n ? *n * RECORD : 1);
    for (size_t i = 0; list != NULL && i < *n; i++) {
        uint8_t *r = list + i * RECORD;
        memcpy(r, keys[i].report_id, 16);
        memcpy(r + 16, keys[i].token_id, 16);
        for (int b = 0; b < 8; b++)
            r[32 + b] = (uint8_t)(keys[i].seq >> (56 - 8 * b));
    }
    free(keys);
    return list;
}

static void reports_list(party_app *app, cJSON *j, http_reply *out)
{
    size_t n;
    uint8_t *list = report_records(app, &n);
    if (list == NULL)
        http_error(out, API_UNAVAILABLE, "the reports cannot be read");
    else if (!add_blob(j, "reports", list, n * RECORD))
        http_error(out, API_INTERNAL, "out of memory");
    free(list);
}

static void peer_start(compute *c, const cJSON *body, http_reply *out)
{
    party_app *app = c->app;
    uint8_t id[16], vk[VK_SIZE], sent[VK_SIZE];
    char why[200];
    uint8_t *enc = get_blob(body, "enc", HPKE_NENC, 0, NULL);
    uint8_t *ct = get_blob(body, "key", VK_CT, 0, NULL);
    uint64_t total = 0;
    if (get_id(body, id) != 0 || enc == NULL || ct == NULL ||
        get_uint(body, "total", &total) != 0) {
        http_error(out, API_BAD_REQUEST, "start: compute, enc, key and total are required");
    } else if (!approved(app)) {
        http_error(out, API_FORBIDDEN, "%s has not approved this study (hash %.16s...)",
                   study_party_name(app->study, app->self), app->study_hash_hex);
    } else if (open_vk(app, enc, ct, sent) != CORE_OK) {
        http_error(out, API_BAD_REQUEST, "start: the verification key cannot be opened");
    } else if (study_vk(app, sent, vk, why, sizeof why) != 0) {
        http_error(out, API_CONFLICT, "start: %s", why);
    } else {
        pthread_mutex_lock(&c->lock);
        /* A party that released runs again (the leader stopped before it
         * had every share) but releases only the same share again. */
        int rc = begin_run(c, id, vk, total);
        pthread_mutex_unlock(&c->lock);
        core_wipe(vk, sizeof vk);
        if (rc != 0) {
            http_error(out, API_INTERNAL, "out of memory");
        } else {
            log_info("compute started by the leader");
            cJSON *j = cJSON_CreateObject();
            reports_list(app, j, out);
            if (out->json == NULL)
                http_json(out, 200, j);
            else
                cJSON_Delete(j);
        }
    }
    core_wipe(sent, sizeof sent);
    free(enc);
    free(ct);
}

/* The run named by body, with c->lock held; else an error reply. */
static int same_run(compute *c, const cJSON *body, http_reply *out)
{
    uint8_t id[16];
    if (get_id(body, id) != 0) {
        http_error(out, API_BAD_REQUEST, "compute: 32 hexadecimal digits required");
        return -1;
    }
    if (!c->active || memcmp(id, c->id, 16) != 0) {
        http_error(out, API_CONFLICT, "no such compute running here (restarted?)");
        return -1;
    }
    return 0;
}

static void peer_verify(compute *c, const cJSON *body, http_reply *out)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t vss = prio3_verifier_share_size(v), len = 0;
    uint64_t batch = 0, total = 0;
    int has_batch = get_uint(body, "batch", &batch) == 0;
    uint8_t *ids = get_blob(body, "reports", 0, 16 * COMPUTE_BATCH, &len);
    size_t n = len / 16;
    uint8_t *ok = malloc(n ? n : 1), *shares = malloc(n ? n * vss : 1);
    pthread_mutex_lock(&c->lock);
    if (same_run(c, body, out) != 0) {
    } else if (ids == NULL || len % 16 != 0 || !has_batch || ok == NULL || shares == NULL) {
        http_error(out, API_BAD_REQUEST, "verify: batch and reports (at most %d) are required",
                   COMPUTE_BATCH);
    } else if (verify_own(c, (long)batch, ids, n, ok, shares) != 0) {
        http_error(out, API_INTERNAL, "out of memory");
    } else {
        if (get_uint(body, "total", &total) == 0)
            c->total = total; /* the report set's size, for progress */
        cJSON *j = cJSON_CreateObject();
        if (add_blob(j, "ok", ok, n) && add_blob(j, "shares", shares, n * vss))
            http_json(out, 200, j);
        else {
            cJSON_Delete(j);
            http_error(out, API_INTERNAL, "out of memory");
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(ids);
    free(ok);
    free(shares);
}

/* commit: the leader's accept flags and verifier messages; answers which
 * reports verified here. */
static void peer_commit(compute *c, const cJSON *body, http_reply *out)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t vms = prio3_verifier_message_size(v), n = 0, mlen = 0;
    uint64_t batch = 0;
    int has_batch = get_uint(body, "batch", &batch) == 0;
    uint8_t *accept = get_blob(body, "accept", 0, COMPUTE_BATCH, &n);
    uint8_t *msgs = get_blob(body, "messages", 0, COMPUTE_BATCH * vms, &mlen);
    uint8_t *valid = malloc(n ? n : 1);
    pthread_mutex_lock(&c->lock);
    if (same_run(c, body, out) != 0) {
    } else if (accept == NULL || msgs == NULL || valid == NULL || mlen != n * vms || !has_batch) {
        http_error(out, API_BAD_REQUEST, "commit: batch, accept and messages are required");
    } else if (check_own(c, (long)batch, accept, msgs, n, valid) != 0) {
        http_error(out, API_CONFLICT,
                   "commit: not the batch this party verified, or a report it could not verify "
                   "was accepted");
    } else {
        cJSON *j = cJSON_CreateObject();
        if (add_blob(j, "valid", valid, n))
            http_json(out, 200, j);
        else {
            cJSON_Delete(j);
            http_error(out, API_INTERNAL, "out of memory");
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(accept);
    free(msgs);
    free(valid);
}

/* aggregate: the reports every party found valid are added. */
static void peer_aggregate(compute *c, const cJSON *body, http_reply *out)
{
    size_t n = 0;
    uint64_t batch = 0;
    int has_batch = get_uint(body, "batch", &batch) == 0;
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(body, "last");
    uint8_t *final = get_blob(body, "accept", 0, COMPUTE_BATCH, &n);
    pthread_mutex_lock(&c->lock);
    if (same_run(c, body, out) != 0) {
    } else if (final == NULL || !has_batch) {
        http_error(out, API_BAD_REQUEST, "aggregate: batch and accept are required");
    } else {
        long added = aggregate_own(c, (long)batch, final, n);
        if (added < 0) {
            http_error(out, API_CONFLICT,
                       "aggregate: not the batch this party checked, or a report it found "
                       "invalid");
        } else {
            if (cJSON_IsTrue(last)) {
                c->verified_all = 1;
                c->step = "waiting for the release";
            }
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "accepted", (double)added);
            http_json(out, 200, j);
        }
    }
    pthread_mutex_unlock(&c->lock);
    free(final);
}

static void peer_counts(compute *c, const cJSON *body, http_reply *out)
{
    const prio3 *v = study_prio3(c->app->study);
    pthread_mutex_lock(&c->lock);
    if (same_run(c, body, out) != 0) {
    } else if (!c->verified_all) {
        http_error(out, API_CONFLICT, "counts: verification is not finished here");
    } else {
        uint8_t *share = counts_share(c);
        cJSON *j = cJSON_CreateObject();
        if (share != NULL && add_blob(j, "counts", share, prio3_out_share_size(v)) &&
            cJSON_AddNumberToObject(j, "accepted", (double)c->accepted))
            http_json(out, 200, j);
        else {
            cJSON_Delete(j);
            http_error(out, API_INTERNAL, "out of memory");
        }
        free(share);
    }
    pthread_mutex_unlock(&c->lock);
}

/* A signed JSON request to party i (POST /api/peer/compute/OP): the parsed
 * answer of a 200, or NULL with err saying why (naming the party). */
static cJSON *peer_ask(party_app *app, unsigned i, const char *op, const cJSON *body, char *err,
                       size_t err_size)
{
    char path[64], why[300];
    snprintf(path, sizeof path, "/api/peer/compute/%s", op);
    char *text = cJSON_PrintUnformatted(body);
    long status = 0;
    char *resp = NULL;
    size_t len = 0;
    int rc = text ? peer_request(app, i, "POST", path, (const uint8_t *)text, strlen(text),
                                 peer_timeout(app), &status, &resp, &len, why, sizeof why)
                  : -1;
    free(text);
    cJSON *j = rc == 0 ? cJSON_ParseWithLength(resp, len) : NULL;
    free(resp);
    const char *name = study_party_name(app->study, i);
    err[0] = '\0';
    if (rc != 0) {
        snprintf(err, err_size, "%s (%s) did not answer (%s): %s", name,
                 study_party_url(app->study, i), op, text ? why : "out of memory");
    } else if (status != 200) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        snprintf(err, err_size, "%s refused (%s, HTTP %ld): %s", name, op, status,
                 cJSON_IsString(e) ? e->valuestring : "no reason given");
    } else if (j == NULL) {
        snprintf(err, err_size, "%s answered %s with something that is not JSON", name, op);
    }
    if (err[0]) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* Fetches every other party's counts share (signed requests, each party
 * from each other: no party relies on another's word for the counts), adds
 * this party's, and withholds (zeroes) the entries of this party's
 * aggregate share that study_open_mask closes. Lock NOT held: it makes
 * requests. Returns the share to release (new buffer) or NULL with err. */
static uint8_t *withheld_share(compute *c, char *err, size_t err_size)
{
    party_app *app = c->app;
    const study *s = app->study;
    const prio3 *v = study_prio3(s);
    unsigned parties = study_num_parties(s);
    size_t os = prio3_out_share_size(v), len = prio3_output_len(v), elem = os / len;
    uint8_t *all = calloc(parties, os), *open = malloc(len), *share = malloc(os);
    core_u128 *counts = calloc(len, sizeof *counts);
    char idhex[33];
    int ok = all != NULL && open != NULL && share != NULL && counts != NULL;
    uint64_t accepted;
    pthread_mutex_lock(&c->lock);
    hex_encode(c->id, 16, idhex);
    accepted = c->accepted;
    uint8_t *own = ok ? counts_share(c) : NULL;
    if (own != NULL) {
        memcpy(all + app->self * os, own, os);
        memcpy(share, c->agg, os);
    }
    pthread_mutex_unlock(&c->lock);
    ok = ok && own != NULL;
    free(own);
    err[0] = '\0';
    cJSON *req = cJSON_CreateObject();
    if (!ok || !cJSON_AddStringToObject(req, "compute", idhex)) {
        snprintf(err, err_size, "out of memory");
        ok = 0;
    }
    for (unsigned i = 0; i < parties && ok; i++) {
        if (i == app->self)
            continue;
        char why[600];
        cJSON *j = peer_ask(app, i, "counts", req, why, sizeof why);
        uint8_t *theirs = j ? get_blob(j, "counts", os, 0, NULL) : NULL;
        uint64_t acc = 0;
        if (j == NULL)
            snprintf(err, err_size, "the counts could not be fetched: %s", why);
        else if (theirs == NULL || get_uint(j, "accepted", &acc) != 0)
            snprintf(err, err_size, "%s sent malformed counts", study_party_name(s, i));
        else if (acc != accepted)
            snprintf(err, err_size, "%s aggregated %llu reports, this party %llu",
                     study_party_name(s, i), (unsigned long long)acc, (unsigned long long)accepted);
        else
            memcpy(all + i * os, theirs, os);
        ok = err[0] == '\0';
        free(theirs);
        cJSON_Delete(j);
    }
    cJSON_Delete(req);
    if (ok && prio3_unshard(v, all, parties * os, accepted, counts) != CORE_OK) {
        snprintf(err, err_size, "the counts do not combine");
        ok = 0;
    }
    if (ok) {
        study_open_mask(s, counts, accepted, open);
        for (size_t i = 0; i < len; i++)
            if (!open[i])
                memset(share + i * elem, 0, elem);
    }
    free(all);
    free(open);
    free(counts);
    if (!ok) {
        core_free_secret(share, share ? os : 0);
        return NULL;
    }
    return share;
}

/* The run ends released (c->lock held). */
static void set_released(compute *c, uint64_t incomplete, int64_t at)
{
    c->state = STATE_RELEASED;
    c->step = "";
    c->error[0] = '\0';
    c->incomplete = incomplete;
    c->finished_at = at;
    c->ms_total = mono_ms() - c->run_t0;
    drop_run(c);
}

/* Records this party's release (once per study) with the SHA-256 of the
 * share it releases (share NULL: none). */
static int record_release(compute *c, uint64_t incomplete, const char *result, const uint8_t *share,
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

/* A helper asked to release again, after the leader stopped before it had
 * every share: 0 if share is the very share this party released before
 * (sending it again tells the leader nothing new), else -1 with err. A
 * party never releases two different aggregate shares of a study, so no
 * difference between two report sets can be learned. */
static int released_before(compute *c, const db_release *prev, const uint8_t *share, char *err,
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

/* prepare: the counts from every party, the share to release (kept). */
static void peer_prepare(compute *c, const cJSON *body, http_reply *out)
{
    pthread_mutex_lock(&c->lock);
    int ready = same_run(c, body, out) == 0;
    if (ready && !c->verified_all) {
        http_error(out, API_CONFLICT, "prepare: verification is not finished here");
        ready = 0;
    }
    pthread_mutex_unlock(&c->lock);
    if (!ready)
        return;
    char err[800];
    uint8_t *share = withheld_share(c, err, sizeof err);
    if (share == NULL) {
        http_error(out, API_UNAVAILABLE, "prepare: %s", err);
        return;
    }
    const prio3 *v = study_prio3(c->app->study);
    pthread_mutex_lock(&c->lock);
    core_free_secret(c->prepared, c->prepared ? prio3_out_share_size(v) : 0);
    c->prepared = share;
    c->step = "ready to release";
    pthread_mutex_unlock(&c->lock);
    http_json(out, 200, cJSON_CreateObject());
}

/* release: the prepared share, recorded before it is sent. A party that
 * released before sends only the same share again (released_before). */
static void peer_release(compute *c, const cJSON *body, http_reply *out)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t os = prio3_out_share_size(v);
    uint64_t incomplete = 0;
    int has_incomplete = get_uint(body, "incomplete", &incomplete) == 0;
    pthread_mutex_lock(&c->lock);
    uint8_t *share = NULL;
    if (same_run(c, body, out) == 0) {
        if (c->prepared == NULL)
            http_error(out, API_CONFLICT, "release: nothing prepared");
        else if ((share = malloc(os)) == NULL)
            http_error(out, API_INTERNAL, "out of memory");
        else
            memcpy(share, c->prepared, os);
    }
    pthread_mutex_unlock(&c->lock);
    if (share == NULL)
        return;
    char err[800];
    db_release prev;
    db_err e = db_release_get(c->app->db, study_hash(c->app->study), &prev);
    free(prev.result);
    int again = e == DB_OK;
    if (e != DB_OK && e != DB_MISSING) {
        http_error(out, API_UNAVAILABLE, "release: the release record cannot be read");
    } else if (again ? released_before(c, &prev, share, err, sizeof err) != 0
                     : record_release(c, has_incomplete ? incomplete : 0, NULL, share, err,
                                      sizeof err) != 0) {
        http_error(out, API_CONFLICT, "release: %s", err);
    } else {
        cJSON *j = cJSON_CreateObject();
        if (add_blob(j, "aggregate", share, os))
            http_json(out, 200, j);
        else
            cJSON_Delete(j);
        log_info(again ? "the same aggregate share sent again to the leader (it had not completed "
                         "the release)"
                       : "aggregate share released to the leader");
    }
    core_free_secret(share, os);
}

static void peer_abort(compute *c, const cJSON *body, http_reply *out)
{
    pthread_mutex_lock(&c->lock);
    if (same_run(c, body, out) == 0) {
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(body, "error");
        drop_run(c);
        snprintf(c->error, sizeof c->error, "%s",
                 cJSON_IsString(why) ? why->valuestring : "stopped by the leader");
        if (!show_release(c)) { /* (a party that released still shows it) */
            c->state = STATE_FAILED;
            c->step = "";
            c->finished_at = party_now();
        }
        http_json(out, 200, cJSON_CreateObject());
    }
    pthread_mutex_unlock(&c->lock);
}

void h_peer_compute(party_app *app, const http_req *req, http_reply *out)
{
    const char *op = req->path + strlen("/api/peer/compute/");
    int from_leader = req->sender == 0;
    if (strcmp(op, "counts") != 0 && !from_leader) {
        http_error(out, API_FORBIDDEN, "only the leader (party 1) drives the compute");
        return;
    }
    if (app->self == 0 && strcmp(op, "counts") != 0) {
        http_error(out, API_FORBIDDEN, "this party is the leader");
        return;
    }
    cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
    if (!cJSON_IsObject(body)) {
        http_error(out, API_BAD_REQUEST, "the body must be a JSON object");
    } else if (strcmp(op, "start") == 0) {
        peer_start(app->compute, body, out);
    } else if (strcmp(op, "verify") == 0) {
        peer_verify(app->compute, body, out);
    } else if (strcmp(op, "commit") == 0) {
        peer_commit(app->compute, body, out);
    } else if (strcmp(op, "aggregate") == 0) {
        peer_aggregate(app->compute, body, out);
    } else if (strcmp(op, "counts") == 0) {
        peer_counts(app->compute, body, out);
    } else if (strcmp(op, "prepare") == 0) {
        peer_prepare(app->compute, body, out);
    } else if (strcmp(op, "release") == 0) {
        peer_release(app->compute, body, out);
    } else if (strcmp(op, "abort") == 0) {
        peer_abort(app->compute, body, out);
    } else {
        http_error(out, API_NOT_FOUND, "no peer endpoint %.80s", req->path);
    }
    cJSON_Delete(body);
}

/* ---- the leader ------------------------------------------------------------------- */

typedef struct run {
    compute *c;
    party_app *app;
    const study *s;
    const prio3 *v;
    unsigned parties;
    char idhex[33];
    char err[600];
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

/* peer_ask to helper i within the run. */
static cJSON *ask_to(const run *r, unsigned i, const char *op, const cJSON *body, char *err,
                     size_t err_size)
{
    return peer_ask(r->app, i, op, body, err, err_size);
}

/* ask_to, the run failed on error. */
static cJSON *ask(run *r, unsigned i, const char *op, const cJSON *body)
{
    char err[sizeof r->err];
    cJSON *j = ask_to(r, i, op, body, err, sizeof err);
    if (j == NULL)
        fail(r, "%s", err);
    return j;
}

/* The same request to every helper at once, each in a thread of its own,
 * while the leader goes on with its own share of the work: calls_start,
 * then calls_finish for the answers. */
typedef struct call {
    const run *r;
    unsigned party;
    const char *op;
    cJSON *body;
    cJSON *answer;
    pthread_t thread;
    int started;
    char err[600];
} call;

static void *call_main(void *arg)
{
    call *k = arg;
    k->answer = ask_to(k->r, k->party, k->op, k->body, k->err, sizeof k->err);
    return NULL;
}

/* Sends bodies[i] (taken over) to helper i for every helper. */
static void calls_start(run *r, call *calls, const char *op, cJSON **bodies)
{
    for (unsigned i = 1; i < r->parties; i++) {
        call *k = &calls[i];
        *k = (call){.r = r, .party = i, .op = op, .body = bodies[i]};
        if (k->body == NULL)
            snprintf(k->err, sizeof k->err, "out of memory");
        else if (pthread_create(&k->thread, NULL, call_main, k) == 0)
            k->started = 1;
        else
            snprintf(k->err, sizeof k->err, "cannot start a thread to reach %s",
                     study_party_name(r->s, i));
    }
}

/* Waits for every call; the run fails with the first error in party
 * order. Each calls[i].answer is then a 200's JSON or NULL (free them). */
static void calls_finish(run *r, call *calls)
{
    double t0 = mono_ms();
    for (unsigned i = 1; i < r->parties; i++) {
        if (calls[i].started)
            pthread_join(calls[i].thread, NULL);
        cJSON_Delete(calls[i].body);
        calls[i].body = NULL;
    }
    pthread_mutex_lock(&r->c->lock);
    r->c->ms_wait += mono_ms() - t0;
    pthread_mutex_unlock(&r->c->lock);
    for (unsigned i = 1; i < r->parties; i++)
        if (calls[i].err[0])
            fail(r, "%s", calls[i].err);
}

static cJSON *run_body(const run *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "compute", r->idhex);
    return j;
}

/* Step 1: every party approved the study. */
static void check_approvals(run *r)
{
    char missing[400] = "";
    size_t len = 0;
    for (unsigned i = 0; i < r->parties; i++) {
        int ok;
        char why[300] = "";
        if (i == r->app->self) {
            ok = approved(r->app);
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
            ok = status == 200 && cJSON_IsString(h) &&
                 strcmp(h->valuestring, r->app->study_hash_hex) == 0 &&
                 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "approved"));
            cJSON_Delete(j);
        }
        if (!ok && len < sizeof missing)
            len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%s", len ? ", " : "",
                                    study_party_name(r->s, i));
    }
    if (len > 0)
        fail(r,
             "not every party has approved this study (hash %.16s...): waiting for %s. Each "
             "party admin approves it on the dashboard or with mpc-party approve",
             r->app->study_hash_hex, missing);
}

static int cmp_record(const void *a, const void *b)
{
    return memcmp(a, b, RECORD);
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
    size_t total = 0;
    for (unsigned i = 0; i < r->parties; i++)
        total += counts[i];
    uint8_t *all = malloc(total ? total * RECORD : 1);
    uint8_t *chosen = malloc(counts[0] ? counts[0] * RECORD : 1);
    if (all == NULL || chosen == NULL) {
        free(all);
        free(chosen);
        return NULL;
    }
    size_t off = 0;
    for (unsigned i = 0; i < r->parties; i++) {
        memcpy(all + off * RECORD, lists[i], counts[i] * RECORD);
        off += counts[i];
    }
    /* Identical records from every party sort together. */
    qsort(all, total, RECORD, cmp_record);
    size_t distinct = 0, complete = 0;
    for (size_t k = 0; k < total;) {
        size_t same = 1;
        while (k + same < total && memcmp(all + k * RECORD, all + (k + same) * RECORD, RECORD) == 0)
            same++;
        if (k == 0 || memcmp(all + k * RECORD, all + (k - 1) * RECORD, 16) != 0)
            distinct++;
        if (same == r->parties)
            memcpy(chosen + complete++ * RECORD, all + k * RECORD, RECORD);
        k += same;
    }
    free(all);
    *incomplete = distinct - complete;
    /* The latest complete report per token (open studies: every one). */
    if (!study_access_open(r->s)) {
        qsort(chosen, complete, RECORD, cmp_token_seq);
        size_t kept = 0;
        for (size_t k = 0; k < complete; k++)
            if (k + 1 == complete ||
                memcmp(chosen + k * RECORD + 16, chosen + (k + 1) * RECORD + 16, 16) != 0)
                memmove(chosen + kept++ * RECORD, chosen + k * RECORD, RECORD);
        complete = kept;
    }
    qsort(chosen, complete, RECORD, cmp_record);
    for (size_t k = 0; k < complete; k++)
        memmove(chosen + 16 * k, chosen + k * RECORD, 16);
    *n = complete;
    return chosen;
}

/* Step 2 and 3: the key to every helper, every party's list, the set. */
static uint8_t *start_helpers(run *r, const uint8_t vk[VK_SIZE], size_t *n, uint64_t *incomplete)
{
    uint8_t *lists[STUDY_MAX_PARTIES] = {NULL};
    size_t counts[STUDY_MAX_PARTIES] = {0};
    uint8_t *chosen = NULL;
    size_t nk;
    lists[0] = report_records(r->app, &nk);
    counts[0] = nk;
    if (lists[0] == NULL) {
        fail(r, "the leader's reports cannot be read");
        return NULL;
    }
    for (unsigned i = 1; i < r->parties && !r->err[0]; i++) {
        uint8_t enc[HPKE_NENC], ct[VK_CT];
        if (seal_vk(r->s, i, vk, enc, ct) != CORE_OK) {
            fail(r, "cannot seal the verification key to %s", study_party_name(r->s, i));
            break;
        }
        cJSON *body = run_body(r);
        add_blob(body, "enc", enc, sizeof enc);
        add_blob(body, "key", ct, sizeof ct);
        cJSON_AddNumberToObject(body, "total", (double)nk);
        cJSON *j = ask(r, i, "start", body);
        cJSON_Delete(body);
        size_t len = 0;
        lists[i] = j ? get_blob(j, "reports", 0, (size_t)64 << 20, &len) : NULL;
        counts[i] = len / RECORD;
        if (j != NULL && (lists[i] == NULL || len % RECORD != 0))
            fail(r, "%s sent a malformed report list", study_party_name(r->s, i));
        cJSON_Delete(j);
    }
    if (!r->err[0])
        chosen = report_set(r, lists, counts, n, incomplete);
    if (!r->err[0] && chosen == NULL)
        fail(r, "out of memory");
    for (unsigned i = 0; i < r->parties; i++)
        free(lists[i]);
    return chosen;
}

/* Step 5, one batch: every party's verifier shares, the messages, the
 * commits. */
static void verify_batch(run *r, long batch, const uint8_t *ids, size_t n, int last)
{
    compute *c = r->c;
    size_t vss = prio3_verifier_share_size(r->v), vms = prio3_verifier_message_size(r->v);
    uint8_t *ok = malloc(r->parties * n), *shares = malloc(r->parties * n * vss);
    uint8_t *joined = malloc(r->parties * vss), *accept = malloc(n), *msgs = calloc(n, vms);
    uint8_t ctx[STUDY_CTX_SIZE];
    study_vdaf_ctx(r->s, ctx);
    if (!ok || !shares || !joined || !accept || !msgs) {
        fail(r, "out of memory");
        goto done;
    }
    call calls[STUDY_MAX_PARTIES];
    cJSON *bodies[STUDY_MAX_PARTIES] = {NULL};
    for (unsigned i = 1; i < r->parties; i++) {
        cJSON *body = bodies[i] = run_body(r);
        cJSON_AddNumberToObject(body, "batch", (double)batch);
        cJSON_AddNumberToObject(body, "total", (double)r->c->total);
        add_blob(body, "reports", ids, 16 * n);
    }
    calls_start(r, calls, "verify", bodies);
    pthread_mutex_lock(&c->lock);
    int rc = verify_own(c, batch, ids, n, ok, shares);
    pthread_mutex_unlock(&c->lock);
    calls_finish(r, calls);
    if (rc != 0)
        fail(r, "out of memory");
    for (unsigned i = 1; i < r->parties; i++) {
        cJSON *j = calls[i].answer;
        uint8_t *o = j ? get_blob(j, "ok", n, 0, NULL) : NULL;
        uint8_t *sh = j ? get_blob(j, "shares", n * vss, 0, NULL) : NULL;
        if (j != NULL && (o == NULL || sh == NULL))
            fail(r, "%s sent malformed verifier shares", study_party_name(r->s, i));
        else if (j != NULL) {
            memcpy(ok + i * n, o, n);
            memcpy(shares + i * n * vss, sh, n * vss);
        }
        free(o);
        free(sh);
        cJSON_Delete(j);
    }
    if (r->err[0])
        goto done;
    double t0 = mono_ms();
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
    pthread_mutex_lock(&c->lock);
    c->ms_verify += mono_ms() - t0;
    pthread_mutex_unlock(&c->lock);
    /* Every party checks the messages; a report counts only if every
     * party found it valid. */
    for (unsigned i = 1; i < r->parties; i++) {
        cJSON *body = bodies[i] = run_body(r);
        cJSON_AddNumberToObject(body, "batch", (double)batch);
        add_blob(body, "accept", accept, n);
        add_blob(body, "messages", msgs, n * vms);
    }
    calls_start(r, calls, "commit", bodies);
    pthread_mutex_lock(&c->lock);
    int checked = check_own(c, batch, accept, msgs, n, ok);
    pthread_mutex_unlock(&c->lock);
    calls_finish(r, calls);
    if (checked != 0)
        fail(r, "the leader's own verification failed");
    for (size_t k = 0; k < n; k++)
        accept[k] &= ok[k];
    for (unsigned i = 1; i < r->parties; i++) {
        uint8_t *valid = calls[i].answer ? get_blob(calls[i].answer, "valid", n, 0, NULL) : NULL;
        if (calls[i].answer != NULL && valid == NULL)
            fail(r, "%s sent malformed validity flags", study_party_name(r->s, i));
        for (size_t k = 0; valid != NULL && k < n; k++)
            accept[k] &= valid[k];
        free(valid);
        cJSON_Delete(calls[i].answer);
    }
    if (r->err[0])
        goto done;
    for (unsigned i = 1; i < r->parties; i++) {
        cJSON *body = bodies[i] = run_body(r);
        cJSON_AddNumberToObject(body, "batch", (double)batch);
        cJSON_AddBoolToObject(body, "last", last);
        add_blob(body, "accept", accept, n);
    }
    calls_start(r, calls, "aggregate", bodies);
    pthread_mutex_lock(&c->lock);
    long added = aggregate_own(c, batch, accept, n);
    pthread_mutex_unlock(&c->lock);
    calls_finish(r, calls);
    if (added < 0)
        fail(r, "the leader's own aggregation failed");
    /* Every party added the same reports. */
    for (unsigned i = 1; i < r->parties; i++) {
        uint64_t theirs = 0;
        if (calls[i].answer != NULL && added >= 0 &&
            (get_uint(calls[i].answer, "accepted", &theirs) != 0 || theirs != (uint64_t)added))
            fail(r, "%s aggregated another number of reports than the leader",
                 study_party_name(r->s, i));
        cJSON_Delete(calls[i].answer);
    }
    if (!r->err[0] && last) {
        pthread_mutex_lock(&c->lock);
        c->verified_all = 1;
        pthread_mutex_unlock(&c->lock);
    }
done:
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
    set_step(c, "releasing");
    char err[800];
    uint8_t *own = withheld_share(c, err, sizeof err);
    if (own == NULL) {
        fail(r, "%s; nothing was released", err);
        return;
    }
    uint8_t *all = calloc(r->parties, os);
    core_u128 *agg = calloc(len, sizeof *agg);
    if (all == NULL || agg == NULL) {
        fail(r, "out of memory");
        goto done;
    }
    memcpy(all, own, os);
    /* Every helper prepares (fetches the counts, withholds the small
     * cells' sums) before any releases: a failure here releases nothing. */
    for (unsigned i = 1; i < r->parties && !r->err[0]; i++) {
        cJSON *body = run_body(r);
        cJSON_Delete(ask(r, i, "prepare", body));
        cJSON_Delete(body);
    }
    /* From here on a helper that answered has released its share. */
    for (unsigned i = 1; i < r->parties && !r->err[0]; i++) {
        cJSON *body = run_body(r);
        cJSON_AddNumberToObject(body, "incomplete", (double)incomplete);
        cJSON *j = ask(r, i, "release", body);
        cJSON_Delete(body);
        uint8_t *share = j ? get_blob(j, "aggregate", os, 0, NULL) : NULL;
        if (j != NULL && share == NULL)
            fail(r, "%s sent a malformed aggregate share", study_party_name(r->s, i));
        else if (share != NULL)
            memcpy(all + i * os, share, os);
        free(share);
        cJSON_Delete(j);
    }
    if (r->err[0])
        goto done;
    pthread_mutex_lock(&c->lock);
    uint64_t accepted = c->accepted, rejected = c->rejected;
    pthread_mutex_unlock(&c->lock);
    cJSON *rows = NULL;
    if (prio3_unshard(r->v, all, r->parties * os, accepted, agg) != CORE_OK ||
        study_result(r->s, agg, accepted, rejected, &rows) != CORE_OK) {
        fail(r, "the aggregate shares do not combine (or fewer than %llu valid submissions)",
             (unsigned long long)study_min_submissions(r->s));
        goto done;
    }
    char *text = cJSON_PrintUnformatted(rows);
    cJSON_Delete(rows);
    if (text == NULL || record_release(c, incomplete, text, own, err, sizeof err) != 0)
        fail(r, "%s", text ? err : "out of memory");
    free(text);
done:
    core_free_secret(own, os);
    free(all);
    free(agg);
}

static void abort_helpers(run *r)
{
    for (unsigned i = 1; i < r->parties; i++) {
        cJSON *body = run_body(r);
        cJSON_AddStringToObject(body, "error", r->err);
        char *text = cJSON_PrintUnformatted(body);
        cJSON_Delete(body);
        long status;
        char *resp = NULL, why[200];
        size_t len;
        if (text != NULL)
            peer_request(r->app, i, "POST", "/api/peer/compute/abort", (const uint8_t *)text,
                         strlen(text), 10000, &status, &resp, &len, why, sizeof why);
        free(text);
        free(resp);
    }
}

static void *leader_main(void *arg)
{
    compute *c = arg;
    run r = {.c = c, .app = c->app, .s = c->app->study, .v = study_prio3(c->app->study)};
    r.parties = study_num_parties(r.s);
    pthread_mutex_lock(&c->lock);
    hex_encode(c->id, 16, r.idhex);
    pthread_mutex_unlock(&c->lock);
    uint8_t vk[VK_SIZE];
    uint8_t *ids = NULL;
    size_t n = 0;
    uint64_t incomplete = 0;
    check_approvals(&r);
    char why[200];
    if (!r.err[0] && study_vk(r.app, NULL, vk, why, sizeof why) != 0)
        fail(&r, "%s", why);
    if (!r.err[0]) {
        pthread_mutex_lock(&c->lock);
        uint8_t id[16];
        memcpy(id, c->id, 16);
        int rc = begin_run(c, id, vk, 0);
        c->step = "agreeing on the reports";
        pthread_mutex_unlock(&c->lock);
        if (rc != 0)
            fail(&r, "out of memory");
        core_wipe(vk, sizeof vk);
    }
    if (!r.err[0])
        ids = start_helpers(&r, c->vk, &n, &incomplete);
    if (!r.err[0]) {
        pthread_mutex_lock(&c->lock);
        c->total = n;
        c->incomplete = incomplete;
        c->step = "verifying";
        pthread_mutex_unlock(&c->lock);
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
    if (n == 0 && !r.err[0]) {
        pthread_mutex_lock(&c->lock);
        c->verified_all = 1;
        pthread_mutex_unlock(&c->lock);
    }
    if (!r.err[0])
        release_all(&r, incomplete);
    free(ids);
    if (r.err[0]) {
        abort_helpers(&r);
        pthread_mutex_lock(&c->lock);
        drop_run(c);
        c->state = STATE_FAILED;
        c->step = "";
        c->finished_at = party_now();
        snprintf(c->error, sizeof c->error, "%s", r.err);
        pthread_mutex_unlock(&c->lock);
        log_warn("compute failed: %s", r.err);
    } else {
        log_info("compute finished: the result is released");
    }
    return NULL;
}

/* ---- the organizer's requests ------------------------------------------------------ */

void h_compute_start(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    compute *c = app->compute;
    if (app->self != 0) {
        http_error(out, API_CONFLICT, "only the leader (%s, %s) runs the compute",
                   study_party_name(app->study, 0), study_party_url(app->study, 0));
        return;
    }
    pthread_mutex_lock(&c->lock);
    if (c->state == STATE_RELEASED) {
        pthread_mutex_unlock(&c->lock);
        http_error(out, API_CONFLICT,
                   "this study's result was released already; it is computed once (mpc "
                   "report downloads it)");
        return;
    }
    if (c->state == STATE_RUNNING) {
        pthread_mutex_unlock(&c->lock);
        http_error(out, API_CONFLICT, "a compute is running (mpc compute shows its progress)");
        return;
    }
    if (c->thread_started) {
        pthread_join(c->thread, NULL);
        c->thread_started = 0;
    }
    int rc = random_bytes(c->id, sizeof c->id);
    c->state = STATE_RUNNING;
    c->step = "checking approvals";
    c->total = c->verified = c->rejected = c->incomplete = 0;
    c->error[0] = '\0';
    c->started_at = party_now();
    c->finished_at = 0;
    if (rc == 0 && pthread_create(&c->thread, NULL, leader_main, c) == 0) {
        c->thread_started = 1;
    } else {
        c->state = STATE_FAILED;
        snprintf(c->error, sizeof c->error, "the compute could not start");
    }
    pthread_mutex_unlock(&c->lock);
    log_info("compute requested by the organizer");
    http_json(out, 202, compute_status(c));
}

void h_compute_get(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    http_json(out, 200, compute_status(app->compute));
}

/* The released result: {study, title, released_at, accepted, rejected,
 * incomplete, rows}. */
static void send_result(party_app *app, http_reply *out)
{
    db_release r;
    db_err e = db_release_get(app->db, study_hash(app->study), &r);
    if (e != DB_OK || r.result == NULL) {
        free(r.result);
        http_error(out, e == DB_ERROR ? API_UNAVAILABLE : API_NOT_FOUND, "%s",
                   e == DB_ERROR    ? "the database cannot be read"
                   : app->self != 0 ? "the result is kept by the leader"
                                    : "no result yet: run mpc compute first");
        return;
    }
    cJSON *rows = cJSON_Parse(r.result);
    free(r.result);
    cJSON *j = cJSON_CreateObject();
    char t[21];
    party_iso_time(r.released_at, t);
    cJSON_AddStringToObject(j, "study", app->study_hash_hex);
    cJSON_AddStringToObject(j, "title", study_title(app->study));
    cJSON_AddStringToObject(j, "released_at", t);
    cJSON_AddNumberToObject(j, "accepted", (double)r.accepted);
    cJSON_AddNumberToObject(j, "rejected", (double)r.rejected);
    cJSON_AddNumberToObject(j, "incomplete", (double)r.incomplete);
    cJSON_AddNumberToObject(j, "min_submissions", (double)study_min_submissions(app->study));
    cJSON_AddNumberToObject(j, "min_cell_count", (double)study_min_cell_count(app->study));
    cJSON_AddItemToObject(j, "plan", study_plan(app->study));
    cJSON_AddItemToObject(j, "rows", rows ? rows : cJSON_CreateArray());
    http_json(out, 200, j);
}

void h_result(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    send_result(app, out);
}

void h_report_data(party_app *app, const http_req *req, http_reply *out)
{
    const char *key = http_header(req, "X-MPC-Report-Key");
    uint8_t sig[SIGN_SIG_SIZE];
    if (key == NULL || hex_decode_fixed(key, sig, sizeof sig) != 0 ||
        sign_verify(study_organizer_key(app->study), REQSIGN_REPORT_PREFIX, study_hash(app->study),
                    STUDY_HASH_SIZE, sig) != 0) {
        http_error(out, API_FORBIDDEN,
                   "this page needs the organizer's report link (printed by mpc report)");
        return;
    }
    send_result(app, out);
}
