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

int clear_aggregate(const study *s, cJSON *const *answers, size_t n, core_u128 *result, char *err,
                    size_t err_size)
{
    const prio3 *v = study_prio3(s);
    const circuit *c = prio3_circuit(v);
    size_t os = prio3_out_share_size(v);
    felem *meas = calloc(c->meas_len, sizeof *meas), *out = calloc(c->output_len, sizeof *out);
    felem *agg = calloc(c->output_len, sizeof *agg);
    uint64_t *raw = calloc(study_meas_count(s) + 1, sizeof *raw);
    uint8_t *shares = calloc(prio3_shares(v), os);
    flp *p = NULL;
    int rc = -1;
    if (flp_new(&p, c) != CORE_OK || !meas || !out || !agg || !raw || !shares) {
        snprintf(err, err_size, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        char why[STUDY_ERR_SIZE];
        if (study_encode_answer(s, answers[k], raw, why, sizeof why) != CORE_OK ||
            c->ops->encode(c, raw, meas) != CORE_OK) {
            snprintf(err, err_size, "answer %zu: %s", k + 1, why);
            goto done;
        }
        if (flp_accepts(p, meas) != CORE_OK) {
            snprintf(err, err_size, "answer %zu: the study circuit rejects its honest encoding",
                     k + 1);
            goto done;
        }
        c->ops->truncate(c, meas, out);
        for (size_t i = 0; i < c->output_len; i++)
            agg[i] = field_add(c->field, agg[i], out[i]);
    }
    /* The sum as one party's share, the others zero: unshard decodes it. */
    field_vec_encode(c->field, agg, c->output_len, shares);
    if (prio3_unshard(v, shares, prio3_shares(v) * os, n, result) != CORE_OK) {
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
