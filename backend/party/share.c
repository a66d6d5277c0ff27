/*
 * share.c - this party's own work on its shares during a compute (both
 * roles): the verification key, verify_init on each report of a batch,
 * verify_next on the leader's messages, the aggregate, the counts and the
 * withheld share to release. See compute_state.h.
 *
 * The lock discipline of the compute is here: every function takes
 * c->lock only to read what it needs of the run or to install its
 * result; the storage reads, HPKE opens and FLP work of a batch run with
 * no lock held, on buffers of their own, and their result is installed
 * only if the run is still the one they began on (c->gen): a run aborted
 * or begun meanwhile discards it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "buf.h"
#include "compute_state.h"
#include "core.h"
#include "hpke.h"
#include "log.h"
#include "random.h"
#include "suppress.h"

#define VK_CT (VK_SIZE + HPKE_NT)

/* ---- the verification key ------------------------------------------------------ */

/* HPKE info of the key sealed to party i: names the party and the key's
 * purpose (the aad is the study hash). */
static size_t vk_info(unsigned i, uint8_t info[40])
{
    int n = snprintf((char *)info, 40, "mpc-study/1 verify key");
    info[n] = (uint8_t)i;
    return (size_t)n + 1;
}

core_err share_seal_vk(const study *s, unsigned i, const uint8_t vk[VK_SIZE], uint8_t *enc,
                       uint8_t *ct)
{
    uint8_t ikm[HPKE_NSK], info[40];
    size_t info_len = vk_info(i, info);
    if (random_bytes(ikm, sizeof ikm) != 0)
        return CORE_ECRYPTO;
    core_err e = hpke_seal(study_party_hpke_key(s, i), info, info_len, study_hash(s),
                           STUDY_HASH_SIZE, vk, VK_SIZE, ikm, enc, ct);
    core_wipe(ikm, sizeof ikm);
    return e;
}

core_err share_open_vk(const party_app *app, const uint8_t *enc, const uint8_t *ct,
                       uint8_t vk[VK_SIZE])
{
    uint8_t info[40];
    size_t info_len = vk_info(app->self, info);
    return hpke_open(app->keys.hpke_sk, enc, info, info_len, study_hash(app->study),
                     STUDY_HASH_SIZE, ct, VK_CT, vk);
}

int share_study_vk(const party_app *app, const uint8_t *proposed, uint8_t vk[VK_SIZE], char *err,
                   size_t err_size)
{
    uint8_t enc[HPKE_NENC], ct[VK_CT], fresh[VK_SIZE];
    const uint8_t *h = study_hash(app->study);
    db_err e = db_compute_key_get(app->db, h, enc, ct);
    if (e == DB_MISSING) {
        if (proposed != NULL)
            memcpy(fresh, proposed, VK_SIZE);
        if ((proposed == NULL && random_bytes(fresh, VK_SIZE) != 0) ||
            share_seal_vk(app->study, app->self, fresh, enc, ct) != CORE_OK ||
            db_compute_key_put(app->db, h, enc, ct) != DB_OK) {
            core_wipe(fresh, sizeof fresh);
            snprintf(err, err_size, "the verification key cannot be stored");
            return -1;
        }
        core_wipe(fresh, sizeof fresh);
        e = db_compute_key_get(app->db, h, enc, ct); /* the first one stays */
    }
    if (e != DB_OK || share_open_vk(app, enc, ct, vk) != CORE_OK) {
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

/* ---- the reports held ---------------------------------------------------------- */

uint8_t *share_held_reports(const party_app *app, size_t *n)
{
    db_report_key *keys;
    if (db_report_keys(app->db, study_hash(app->study), &keys, n) != DB_OK)
        return NULL;
    buf list = BUF_INIT(PEER_MAX_RECORDS * PEER_RECORD);
    for (size_t i = 0; i < *n; i++) {
        uint8_t *r = buf_grow(&list, PEER_RECORD);
        if (r == NULL)
            break;
        memcpy(r, keys[i].report_id, 16);
        memcpy(r + 16, keys[i].token_id, 16);
        for (int b = 0; b < 8; b++)
            r[32 + b] = (uint8_t)(keys[i].seq >> (56 - 8 * b));
    }
    free(keys);
    if (!buf_ok(&list)) {
        buf_free(&list);
        return NULL;
    }
    return (uint8_t *)buf_take(&list, NULL);
}

/* ---- the run as the lock guards it ---------------------------------------------- */

/* Lock held: id is the active run. */
static int is_run(const compute *c, const uint8_t id[PEER_RUN_ID_SIZE])
{
    return c->active && memcmp(id, c->id, PEER_RUN_ID_SIZE) == 0;
}

void share_drop_batch(compute *c)
{
    const prio3 *v = study_prio3(c->app->study);
    core_free_secret(c->states, c->states ? c->batch_n * prio3_verify_state_size(v) : 0);
    core_free_secret(c->outs, c->outs ? c->batch_n * prio3_out_share_size(v) : 0);
    free(c->ok);
    free(c->valid);
    c->states = c->outs = c->ok = c->valid = NULL;
    c->batch = -1;
    c->batch_n = 0;
}

/* ---- verify, check, aggregate ------------------------------------------------------ */

/* Where a batch's time went, added to the status when it is installed. */
typedef struct timing {
    double storage, decrypt, verify;
} timing;

/* The batch's work, no lock held: each report read, its share opened and
 * verify_init run into states/ok/shares. */
static void verify_batch(const party_app *app, const uint8_t vk[VK_SIZE], const uint8_t *ids,
                         size_t n, uint8_t *states, uint8_t *ok, uint8_t *shares, uint8_t *share,
                         uint8_t *aad, timing *t)
{
    const study *s = app->study;
    const prio3 *v = study_prio3(s);
    size_t sts = prio3_verify_state_size(v), vss = prio3_verifier_share_size(v);
    size_t in_len = prio3_input_share_size(v, app->self);
    size_t aad_size = STUDY_AAD_FIXED + prio3_public_share_size(v);
    uint8_t ctx[STUDY_CTX_SIZE], info[STUDY_INFO_SIZE];
    study_vdaf_ctx(s, ctx);
    study_hpke_info(app->self, info);
    for (size_t k = 0; k < n; k++) {
        const uint8_t *id = ids + 16 * k;
        memset(shares + k * vss, 0, vss);
        ok[k] = 0;
        db_report_data d;
        double t0 = compute_ms();
        db_err e = db_report_get(app->db, study_hash(s), id, &d);
        double t1 = compute_ms();
        t->storage += t1 - t0;
        if (e != DB_OK)
            continue;
        size_t aad_len = study_hpke_aad(s, id, d.key.has_token ? d.key.token_id : NULL, d.key.seq,
                                        d.public_share, d.public_share_len, aad, aad_size);
        int opened =
            aad_len > 0 && d.enc_len == HPKE_NENC && d.ciphertext_len == in_len + HPKE_NT &&
            hpke_open_known(app->keys.hpke_sk, app->keys.hpke_pk, d.enc, info, sizeof info, aad,
                            aad_len, d.ciphertext, d.ciphertext_len, share) == CORE_OK;
        double t2 = compute_ms();
        t->decrypt += t2 - t1;
        ok[k] = opened && prio3_verify_init(v, vk, ctx, sizeof ctx, app->self, id, d.public_share,
                                            d.public_share_len, share, in_len, states + k * sts,
                                            shares + k * vss) == CORE_OK;
        t->verify += compute_ms() - t2;
        core_wipe(share, in_len);
        db_report_data_free(&d);
    }
}

run_err share_verify(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], long batch, const uint8_t *ids,
                     size_t n, uint8_t *ok, uint8_t *shares)
{
    const party_app *app = c->app;
    const prio3 *v = study_prio3(app->study);
    size_t sts = prio3_verify_state_size(v);
    size_t in_len = prio3_input_share_size(v, app->self);
    uint8_t vk[VK_SIZE];
    pthread_mutex_lock(&c->lock);
    int running = is_run(c, id);
    uint64_t gen = c->gen;
    memcpy(vk, c->vk, VK_SIZE);
    pthread_mutex_unlock(&c->lock);
    if (!running) {
        core_wipe(vk, sizeof vk);
        return RUN_NONE;
    }
    uint8_t *states = core_calloc_array(n ? n : 1, sts), *flags = calloc(n ? n : 1, 1);
    uint8_t *share = malloc(in_len ? in_len : 1);
    uint8_t *aad = malloc(STUDY_AAD_FIXED + prio3_public_share_size(v));
    run_err e = RUN_NOMEM;
    timing t = {0, 0, 0};
    if (states != NULL && flags != NULL && share != NULL && aad != NULL) {
        verify_batch(app, vk, ids, n, states, ok, shares, share, aad, &t);
        memcpy(flags, ok, n);
        pthread_mutex_lock(&c->lock);
        e = c->gen == gen ? RUN_OK : RUN_NONE;
        if (e == RUN_OK) {
            share_drop_batch(c);
            c->states = states;
            c->ok = flags;
            c->batch = batch;
            c->batch_n = n;
            states = flags = NULL;
            c->ms_storage += t.storage;
            c->ms_decrypt += t.decrypt;
            c->ms_verify += t.verify;
        }
        pthread_mutex_unlock(&c->lock);
    }
    core_wipe(vk, sizeof vk);
    core_free_secret(states, states ? n * sts : 0);
    free(flags);
    free(share);
    free(aad);
    return e;
}

run_err share_check(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], long batch,
                    const uint8_t *accept, const uint8_t *messages, size_t n, uint8_t *valid)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t sts = prio3_verify_state_size(v), vms = prio3_verifier_message_size(v);
    size_t os = prio3_out_share_size(v);
    uint8_t *outs = core_calloc_array(n ? n : 1, os), *flags = calloc(n ? n : 1, 1);
    if (outs == NULL || flags == NULL) {
        free(outs);
        free(flags);
        return RUN_NOMEM;
    }
    /* The batch's states and usable flags are taken from the run: the
     * states are used once. */
    pthread_mutex_lock(&c->lock);
    run_err e = !is_run(c, id)                                              ? RUN_NONE
                : batch != c->batch || n != c->batch_n || c->states == NULL ? RUN_ORDER
                                                                            : RUN_OK;
    uint64_t gen = c->gen;
    uint8_t *states = NULL, *usable = NULL;
    if (e == RUN_OK) {
        states = c->states;
        usable = c->ok;
        c->states = NULL;
        c->ok = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    double t0 = compute_ms();
    for (size_t k = 0; k < n && e == RUN_OK; k++) {
        if (accept[k] && !usable[k])
            e = RUN_REFUSED;
        else if (accept[k])
            flags[k] = prio3_verify_next(v, states + k * sts, sts, messages + k * vms, vms,
                                         outs + k * os) == CORE_OK;
        valid[k] = flags[k];
    }
    double ms = compute_ms() - t0;
    core_free_secret(states, states ? n * sts : 0);
    free(usable);
    pthread_mutex_lock(&c->lock);
    if (e == RUN_OK && c->gen != gen)
        e = RUN_NONE;
    if (e == RUN_OK) {
        core_free_secret(c->outs, c->outs ? c->batch_n * os : 0);
        free(c->valid);
        c->outs = outs;
        c->valid = flags;
        outs = flags = NULL;
        c->ms_verify += ms;
    }
    pthread_mutex_unlock(&c->lock);
    core_free_secret(outs, outs ? n * os : 0);
    free(flags);
    return e;
}

/* (The additions of a batch are quick: done with the lock held.) */
run_err share_aggregate(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], long batch,
                        const uint8_t *final, size_t n, int last, uint64_t *added)
{
    const prio3 *v = study_prio3(c->app->study);
    size_t os = prio3_out_share_size(v);
    *added = 0;
    pthread_mutex_lock(&c->lock);
    run_err e = RUN_OK;
    if (!is_run(c, id))
        e = RUN_NONE;
    else if (n > 0 && (batch != c->batch || n != c->batch_n || c->outs == NULL))
        e = RUN_ORDER;
    for (size_t k = 0; k < n && e == RUN_OK; k++)
        if (final[k] && !c->valid[k])
            e = RUN_REFUSED;
    double t0 = compute_ms();
    uint64_t count = 0;
    for (size_t k = 0; k < n && e == RUN_OK; k++)
        if (final[k]) {
            if (prio3_aggregate(v, c->agg, c->outs + k * os, os) != CORE_OK)
                e = RUN_REFUSED;
            else
                count++;
        }
    if (e != RUN_NONE) {
        c->ms_verify += compute_ms() - t0;
        c->ms_total = compute_ms() - c->run_t0;
    }
    if (e == RUN_OK) {
        c->accepted += count;
        c->verified += n;
        c->rejected += n - count;
        if (last)
            c->verified_all = 1;
        *added = count;
    }
    if ((e == RUN_OK || e == RUN_REFUSED) && n > 0)
        share_drop_batch(c);
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* ---- counts, withholding, release ------------------------------------------------ */

run_err share_counts(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint8_t *out,
                     uint64_t *accepted)
{
    const study *s = c->app->study;
    const prio3 *v = study_prio3(s);
    size_t os = prio3_out_share_size(v), len = prio3_output_len(v), elem = os / len;
    uint8_t *is_count = malloc(len);
    if (is_count == NULL)
        return RUN_NOMEM;
    study_count_outputs(s, is_count);
    pthread_mutex_lock(&c->lock);
    run_err e = !is_run(c, id) ? RUN_NONE : !c->verified_all ? RUN_ORDER : RUN_OK;
    if (e == RUN_OK) {
        for (size_t i = 0; i < len; i++)
            if (is_count[i])
                memcpy(out + i * elem, c->agg + i * elem, elem);
            else
                memset(out + i * elem, 0, elem);
        *accepted = c->accepted;
    }
    pthread_mutex_unlock(&c->lock);
    free(is_count);
    return e;
}

/* Counts run gen's search (once per run) against the party's limit
 * (app->max_searches, kept in the database across restarts): each run
 * opens some of the groups' cumulative counts, and a party that aborts
 * runs and starts them again could have others opened each time. */
static run_err count_search(compute *c, uint64_t gen, char *why, size_t why_size)
{
    const party_app *app = c->app;
    pthread_mutex_lock(&c->lock);
    int counted = c->search_counted && c->search_gen == gen;
    pthread_mutex_unlock(&c->lock);
    if (counted)
        return RUN_OK;
    uint64_t runs = 0;
    db_err de = db_search_begin(app->db, study_hash(app->study), app->max_searches, &runs);
    if (de == DB_FULL) {
        snprintf(why, why_size,
                 "%s has taken part in %llu runs of this study's search for medians and "
                 "quartiles, the most it allows (each run opens some of the groups' cumulative "
                 "counts, and runs stopped and started again could open others); its party admin "
                 "can allow more with mpc-party serve --max-searches",
                 study_party_name(app->study, app->self), (unsigned long long)runs);
        log_warn("search refused: %llu runs of this study's search already, the most allowed "
                 "(--max-searches)",
                 (unsigned long long)runs);
        return RUN_REFUSED;
    }
    if (de != DB_OK) {
        snprintf(why, why_size, "the search could not be recorded in the database of %s",
                 study_party_name(app->study, app->self));
        return RUN_REFUSED;
    }
    pthread_mutex_lock(&c->lock);
    if (c->gen == gen) {
        c->search_gen = gen;
        c->search_counted = 1;
    }
    pthread_mutex_unlock(&c->lock);
    log_info("search for medians and quartiles: run %llu of at most %u for this study",
             (unsigned long long)runs, app->max_searches);
    return RUN_OK;
}
/* The release digest (compute_state.h, share_prepare). */
static int release_digest(const study *s, const core_u128 *counts, uint64_t accepted,
                          const uint8_t *state, uint8_t out[PEER_PATTERN_SIZE])
{
    size_t len = prio3_output_len(study_prio3(s)), units = study_num_units(s);
    uint8_t *be = core_alloc_array(len, 16);
    mbedtls_sha256_context h;
    uint8_t n[8];
    int rc = -1;
    if (be == NULL)
        return -1;
    for (size_t i = 0; i < len; i++) {
        core_put_be(be + i * 16, counts[i].hi, 8);
        core_put_be(be + i * 16 + 8, counts[i].lo, 8);
    }
    core_put_be(n, accepted, 8);
    static const char TAG[] = "mpc-release/1";
    mbedtls_sha256_init(&h);
    if (mbedtls_sha256_starts_ret(&h, 0) == 0 &&
        mbedtls_sha256_update_ret(&h, (const uint8_t *)TAG, sizeof TAG - 1) == 0 &&
        mbedtls_sha256_update_ret(&h, n, sizeof n) == 0 &&
        mbedtls_sha256_update_ret(&h, be, len * 16) == 0 &&
        mbedtls_sha256_update_ret(&h, state, units) == 0 && mbedtls_sha256_finish_ret(&h, out) == 0)
        rc = 0;
    mbedtls_sha256_free(&h);
    free(be);
    return rc;
}

run_err share_prepare(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const uint8_t *all, char *why,
                      size_t why_size)
{
    const study *s = c->app->study;
    const prio3 *v = study_prio3(s);
    unsigned parties = study_num_parties(s);
    size_t os = prio3_out_share_size(v), len = prio3_output_len(v), elem = os / len;
    size_t units = study_num_units(s);
    uint8_t *open = malloc(len), *share = malloc(os), *state = malloc(units ? units : 1);
    core_u128 *counts = core_calloc_array(len, sizeof *counts);
    uint8_t digest[PEER_PATTERN_SIZE];
    study_search *search = NULL;
    run_err e = RUN_NOMEM;
    uint64_t accepted = 0, gen = 0;
    why[0] = '\0';
    if (open != NULL && share != NULL && state != NULL && counts != NULL) {
        pthread_mutex_lock(&c->lock);
        e = !is_run(c, id) ? RUN_NONE : !c->verified_all ? RUN_ORDER : RUN_OK;
        if (e == RUN_OK) {
            memcpy(share, c->agg, os);
            accepted = c->accepted;
            gen = c->gen;
        }
        pthread_mutex_unlock(&c->lock);
    }
    if (e == RUN_OK && prio3_unshard(v, all, parties * os, accepted, counts) != CORE_OK) {
        snprintf(why, why_size, "the counts do not combine");
        e = RUN_REFUSED;
    }
    size_t added = 0;
    char err[300];
    double t0 = compute_ms();
    if (e == RUN_OK && suppress_pattern(s, counts, accepted, state, &added, err, sizeof err) != 0) {
        snprintf(why, why_size, "the suppression pattern cannot be decided: %s", err);
        e = RUN_REFUSED;
    }
    double suppress_ms = compute_ms() - t0;
    if (e == RUN_OK && (release_digest(s, counts, accepted, state, digest) != 0 ||
                        study_search_new(s, counts, accepted, state, &search) != CORE_OK))
        e = RUN_NOMEM;
    if (e == RUN_OK && study_search_steps(search) > 0)
        e = count_search(c, gen, why, why_size);
    if (e == RUN_OK) {
        study_open_mask_states(s, state, open);
        for (size_t i = 0; i < len; i++)
            if (!open[i])
                memset(share + i * elem, 0, elem);
        pthread_mutex_lock(&c->lock);
        e = c->gen == gen ? RUN_OK : RUN_NONE;
        if (e == RUN_OK) {
            core_free_secret(c->prepared, c->prepared ? os : 0);
            free(c->unit_state);
            study_search_free(c->search);
            c->prepared = share;
            c->unit_state = state;
            c->search = search;
            memcpy(c->pattern, digest, sizeof digest);
            c->ms_suppress += suppress_ms;
            share = state = NULL;
            search = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        if (e == RUN_OK)
            log_info("release pattern decided: %zu groups withheld to protect others", added);
    }
    core_free_secret(share, share ? os : 0);
    study_search_free(search);
    free(state);
    free(open);
    free(counts);
    return e;
}

uint8_t *share_prepared(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint8_t *state,
                        uint8_t pattern[PEER_PATTERN_SIZE], run_err *e)
{
    size_t os = prio3_out_share_size(study_prio3(c->app->study));
    uint8_t *copy = malloc(os);
    if (copy == NULL) {
        *e = RUN_NOMEM;
        return NULL;
    }
    pthread_mutex_lock(&c->lock);
    *e = !is_run(c, id) ? RUN_NONE : c->prepared == NULL ? RUN_ORDER : RUN_OK;
    if (*e == RUN_OK) {
        memcpy(copy, c->prepared, os);
        if (state != NULL)
            memcpy(state, c->unit_state, study_num_units(c->app->study));
        if (pattern != NULL)
            memcpy(pattern, c->pattern, PEER_PATTERN_SIZE);
    }
    pthread_mutex_unlock(&c->lock);
    if (*e != RUN_OK) {
        free(copy);
        return NULL;
    }
    return copy;
}

run_err share_pattern(compute *c, const uint8_t id[PEER_RUN_ID_SIZE],
                      uint8_t pattern[PEER_PATTERN_SIZE])
{
    pthread_mutex_lock(&c->lock);
    run_err e = !is_run(c, id) ? RUN_NONE : c->prepared == NULL ? RUN_ORDER : RUN_OK;
    if (e == RUN_OK)
        memcpy(pattern, c->pattern, PEER_PATTERN_SIZE);
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* ---- the quantiles' search ------------------------------------------------------ */

size_t share_search_steps(compute *c)
{
    pthread_mutex_lock(&c->lock);
    size_t t = c->search ? study_search_steps(c->search) : 0;
    pthread_mutex_unlock(&c->lock);
    return t;
}

/* SHA-256 of "mpc-search/1", the step (8 bytes, big endian) and its
 * probes (search number and grid cell, 4 bytes each, big endian). */
static int probes_digest(uint64_t step, const uint32_t *p, size_t n, uint8_t out[PEER_PROBES_SIZE])
{
    static const char TAG[] = "mpc-search/1";
    mbedtls_sha256_context h;
    uint8_t b[8];
    int ok;
    mbedtls_sha256_init(&h);
    core_put_be(b, step, 8);
    ok = mbedtls_sha256_starts_ret(&h, 0) == 0 &&
         mbedtls_sha256_update_ret(&h, (const uint8_t *)TAG, sizeof TAG - 1) == 0 &&
         mbedtls_sha256_update_ret(&h, b, 8) == 0;
    for (size_t k = 0; k < 2 * n && ok; k++) {
        core_put_be(b, p[k], 4);
        ok = mbedtls_sha256_update_ret(&h, b, 4) == 0;
    }
    ok = ok && mbedtls_sha256_finish_ret(&h, out) == 0;
    mbedtls_sha256_free(&h);
    return ok ? 0 : -1;
}

run_err share_probe(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint64_t step,
                    const uint8_t *expect, uint8_t digest[PEER_PROBES_SIZE], uint8_t **values,
                    size_t *n)
{
    *values = NULL;
    *n = 0;
    pthread_mutex_lock(&c->lock);
    run_err e = !is_run(c, id)      ? RUN_NONE
                : c->search == NULL ? RUN_ORDER
                : step >= study_search_steps(c->search) || step > study_search_done(c->search)
                    ? RUN_ORDER
                    : RUN_OK;
    const uint32_t *p = e == RUN_OK ? study_search_probes(c->search, (size_t)step, n) : NULL;
    if (e == RUN_OK && probes_digest(step, p, *n, digest) != 0)
        e = RUN_NOMEM;
    if (e == RUN_OK && expect != NULL && !core_ct_equal(expect, digest, PEER_PROBES_SIZE))
        e = RUN_REFUSED;
    if (e == RUN_OK && (*values = core_alloc_array(*n ? *n : 1, PEER_VALUE_SIZE)) == NULL)
        e = RUN_NOMEM;
    /* (under the lock, as the search changes when a step opens: a sum of
     * at most the grid's cells of c->agg per probe, a few microseconds) */
    if (e == RUN_OK && study_search_share(c->search, (size_t)step, c->agg, *values) != CORE_OK)
        e = RUN_NOMEM; /* (this party's own share is made of field elements) */
    pthread_mutex_unlock(&c->lock);
    if (e != RUN_OK) {
        core_free_secret(*values, *values ? (*n ? *n : 1) * PEER_VALUE_SIZE : 0);
        *values = NULL;
        *n = 0;
    }
    return e;
}

run_err share_search_open(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], uint64_t step,
                          const uint8_t *all, size_t n)
{
    pthread_mutex_lock(&c->lock);
    size_t have = 0;
    run_err e = !is_run(c, id)      ? RUN_NONE
                : c->search == NULL ? RUN_ORDER
                : step != study_search_done(c->search) || step >= study_search_steps(c->search)
                    ? RUN_ORDER
                    : RUN_OK;
    if (e == RUN_OK)
        (void)study_search_probes(c->search, (size_t)step, &have);
    if (e == RUN_OK && have != n)
        e = RUN_ORDER;
    if (e == RUN_OK) {
        core_err ce = study_search_open(c->search, all, study_num_parties(c->app->study));
        e = ce == CORE_OK ? RUN_OK : ce == CORE_ENOMEM ? RUN_NOMEM : RUN_REFUSED;
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

run_err share_result(compute *c, const uint8_t id[PEER_RUN_ID_SIZE], const core_u128 *agg,
                     const uint8_t *state, cJSON **rows)
{
    *rows = NULL;
    pthread_mutex_lock(&c->lock);
    run_err e = !is_run(c, id) ? RUN_NONE : c->search == NULL ? RUN_ORDER : RUN_OK;
    if (e == RUN_OK && study_search_done(c->search) != study_search_steps(c->search))
        e = RUN_ORDER;
    if (e == RUN_OK && study_result_states(c->app->study, agg, c->accepted, c->rejected, state,
                                           c->search, rows) != CORE_OK)
        e = RUN_REFUSED;
    pthread_mutex_unlock(&c->lock);
    return e;
}

void share_tally(compute *c, uint64_t *accepted, uint64_t *rejected)
{
    pthread_mutex_lock(&c->lock);
    *accepted = c->accepted;
    *rejected = c->rejected;
    pthread_mutex_unlock(&c->lock);
}
