/*
 * clear_aggregate.c - see clear_aggregate.h.
 */
#include "clear_aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "prio3.h"

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
    int rc = -1;
    if (!meas || !out || !agg || !raw || !shares) {
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
    free(meas);
    free(out);
    free(agg);
    free(raw);
    free(shares);
    return rc;
}
