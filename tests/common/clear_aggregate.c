/*
 * clear_aggregate.c - see clear_aggregate.h.
 */
#include "clear_aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "flp.h"
#include "prio3.h"

/* Whether the FLP accepts encoded measurement w (one share, fixed
 * randomness: an honest encoding passes for any). */
static core_err flp_accepts(const flp *p, const felem *w)
{
    const circuit *c = flp_circuit(p);
    size_t np = flp_prove_rand_len(p), nq = flp_query_rand_len(p), nj = c->joint_rand_len;
    felem *r = core_alloc_array(np + nq + nj + 1, sizeof *r);
    felem *proof = core_alloc_array(flp_proof_len(p), sizeof *proof);
    felem *ver = core_alloc_array(flp_verifier_len(p), sizeof *ver);
    core_err e = CORE_ENOMEM;
    if (r != NULL && proof != NULL && ver != NULL) {
        for (size_t i = 0; i < np + nq + nj; i++)
            r[i] = field_from_u64(c->field, 0x9e3779b97f4a7c15u * (i + 1) + 0x632be59bd9b4e019u);
        e = flp_prove(p, w, r, r + np + nq, proof);
        if (e == CORE_OK)
            e = flp_query(p, w, proof, r + np, r + np + nq, 1, ver);
        if (e == CORE_OK)
            e = flp_decide(p, ver);
    }
    free(r);
    free(proof);
    free(ver);
    return e;
}

/* The reports of answers[0..n): each answer's encoding, or in an
 * organization study each employer's table (answers grouped by their
 * "_employer" member, taken out while they are encoded). A new array of
 * *reports x study_meas_count integers, or NULL with err. */
static uint64_t *encode_reports(const study *s, cJSON *const *answers, size_t n, size_t *reports,
                                char *err, size_t err_size)
{
    size_t mc = study_meas_count(s), rc = study_row_meas_count(s);
    int org = study_is_organization(s);
    uint64_t *out = calloc((n ? n : 1) * mc, sizeof *out), *row = calloc(rc + 1, sizeof *row);
    char **keys = calloc(n ? n : 1, sizeof *keys);
    size_t count = 0;
    if (out == NULL || row == NULL || keys == NULL) {
        snprintf(err, err_size, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        char why[STUDY_ERR_SIZE];
        cJSON *employer =
            org ? cJSON_DetachItemFromObjectCaseSensitive(answers[k], "_employer") : NULL;
        if (org && employer == NULL) {
            snprintf(err, err_size, "answer %zu: an organization study's answer needs _employer",
                     k + 1);
            goto fail;
        }
        core_err e = study_encode_answer(s, answers[k], org ? row : out + k * mc, why, sizeof why);
        char *key = org ? cJSON_PrintUnformatted(employer) : NULL;
        if (org)
            cJSON_AddItemToObject(answers[k], "_employer", employer);
        if (e != CORE_OK || (org && key == NULL)) {
            snprintf(err, err_size, "answer %zu: %s", k + 1, e != CORE_OK ? why : "out of memory");
            free(key);
            goto fail;
        }
        if (!org) {
            count++;
            continue;
        }
        size_t at = 0;
        while (at < count && strcmp(keys[at], key) != 0)
            at++;
        if (at == count)
            keys[count++] = key;
        else
            free(key);
        if (study_table_add(s, row, out + at * mc) != CORE_OK) {
            snprintf(err, err_size, "answer %zu: employer %s has more than max_rows people", k + 1,
                     keys[at]);
            goto fail;
        }
    }
    for (size_t k = 0; org && k < count; k++)
        free(keys[k]);
    free(keys);
    free(row);
    *reports = count;
    return out;
fail:
    for (size_t k = 0; org && keys != NULL && k < count; k++)
        free(keys[k]);
    free(keys);
    free(row);
    free(out);
    return NULL;
}

int clear_aggregate_reports(const study *s, cJSON *const *answers, size_t n, core_u128 *result,
                            size_t *reports, char *err, size_t err_size)
{
    const prio3 *v = study_prio3(s);
    const circuit *c = prio3_circuit(v);
    size_t os = prio3_out_share_size(v), mc = study_meas_count(s);
    felem *meas = calloc(c->meas_len, sizeof *meas), *out = calloc(c->output_len, sizeof *out);
    felem *agg = calloc(c->output_len, sizeof *agg);
    uint8_t *shares = calloc(prio3_shares(v), os);
    uint64_t *raw = NULL;
    flp *p = NULL;
    int rc = -1;
    if (flp_new(&p, c) != CORE_OK || !meas || !out || !agg || !shares) {
        snprintf(err, err_size, "out of memory");
        goto done;
    }
    if ((raw = encode_reports(s, answers, n, reports, err, err_size)) == NULL)
        goto done;
    for (size_t k = 0; k < *reports; k++) {
        if (c->ops->encode(c, raw + k * mc, meas) != CORE_OK) {
            snprintf(err, err_size, "report %zu: the study circuit cannot encode it", k + 1);
            goto done;
        }
        if (flp_accepts(p, meas) != CORE_OK) {
            snprintf(err, err_size, "report %zu: the study circuit rejects its honest encoding",
                     k + 1);
            goto done;
        }
        c->ops->truncate(c, meas, out);
        for (size_t i = 0; i < c->output_len; i++)
            agg[i] = field_add(c->field, agg[i], out[i]);
    }
    /* The sum as one party's share, the others zero: unshard decodes it. */
    field_vec_encode(c->field, agg, c->output_len, shares);
    if (prio3_unshard(v, shares, prio3_shares(v) * os, *reports, result) != CORE_OK) {
        snprintf(err, err_size, "the aggregate does not decode");
        goto done;
    }
    rc = 0;
done:
    flp_free(p);
    free(meas);
    free(out);
    free(agg);
    free(raw);
    free(shares);
    return rc;
}

int clear_aggregate(const study *s, cJSON *const *answers, size_t n, core_u128 *result, char *err,
                    size_t err_size)
{
    size_t reports = 0;
    return clear_aggregate_reports(s, answers, n, result, &reports, err, err_size);
}
