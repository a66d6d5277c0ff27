/*
 * fuzz_prio3.c - every Prio3 message a party decodes from another party or
 * a contributor, on the pay-equity study circuit (3 parties). The first
 * input byte chooses:
 *   0-2  prio3_verify_init as party 0-2: public share and input share
 *   3    prio3_verifier_shares_to_message: every party's verifier share
 *   4    prio3_verify_next: a verifier message, against the state of an
 *        honest report
 *   5    prio3_unshard: every party's aggregate share
 *   6    prio3_aggregate: an output share
 * Missing bytes are zeros; extra bytes are passed on (a length check must
 * refuse them).
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "prio3.h"
#include "random.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const prio3 *v;
static uint8_t vk[PRIO3_VERIFY_KEY_SIZE], ctx[STUDY_CTX_SIZE], nonce[PRIO3_NONCE_SIZE];
static uint8_t *state; /* party 0's state for an honest report */

static void setup(void)
{
    fuzz_fixture *f = fuzz_fixture_get(0);
    v = study_prio3(f->study);
    study_vdaf_ctx(f->study, ctx);
    const char *texts[] = {"Woman", "Asian", "Sales", "85000", "false"};
    uint64_t meas[64];
    char err[256];
    size_t rs = prio3_rand_size(v), ps = prio3_public_share_size(v);
    uint8_t *rand = malloc(rs), *pub = malloc(ps + 1), *shares = malloc(prio3_input_shares_size(v));
    uint8_t *vs = malloc(prio3_verifier_share_size(v));
    state = malloc(prio3_verify_state_size(v));
    if (rand == NULL || pub == NULL || shares == NULL || vs == NULL || state == NULL ||
        random_bytes(rand, rs) != 0 || random_bytes(vk, sizeof vk) != 0 ||
        study_encode_texts(f->study, texts, meas, err, sizeof err) != CORE_OK ||
        prio3_shard(v, ctx, sizeof ctx, meas, nonce, rand, pub, shares) != CORE_OK ||
        prio3_verify_init(v, vk, ctx, sizeof ctx, 0, nonce, pub, ps, shares,
                          prio3_input_share_size(v, 0), state, vs) != CORE_OK)
        abort();
    free(rand);
    free(pub);
    free(shares);
    free(vs);
}

/* data padded with zeros to at least n bytes (a new buffer). */
static uint8_t *padded(const uint8_t *data, size_t size, size_t n)
{
    uint8_t *p = calloc(1, (size > n ? size : n) + 1);
    if (p != NULL && size > 0)
        memcpy(p, data, size);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (v == NULL)
        setup();
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 7;
    data++;
    size--;
    size_t ps = prio3_public_share_size(v), vss = prio3_verifier_share_size(v);
    size_t vms = prio3_verifier_message_size(v), os = prio3_out_share_size(v);
    size_t sts = prio3_verify_state_size(v);
    uint8_t *st = malloc(sts), *out = malloc(os > vss ? os : vss), *vm = malloc(vms + 1);
    if (st == NULL || out == NULL || vm == NULL)
        goto done;
    if (mode <= 2) {
        size_t in_len = size > ps ? size - ps : 0;
        uint8_t *p = padded(data, size, ps);
        if (p != NULL)
            (void)prio3_verify_init(v, vk, ctx, sizeof ctx, mode, nonce, p, ps, p + ps, in_len, st,
                                    out);
        free(p);
    } else if (mode == 3) {
        size_t n = size < 3 * vss ? 3 * vss : size;
        uint8_t *p = padded(data, size, n);
        if (p != NULL)
            (void)prio3_verifier_shares_to_message(v, ctx, sizeof ctx, p, size, vm);
        free(p);
    } else if (mode == 4) {
        memcpy(st, state, sts);
        (void)prio3_verify_next(v, st, sts, data, size, out);
    } else if (mode == 5) {
        core_u128 *agg = calloc(prio3_output_len(v), sizeof *agg);
        uint8_t *p = padded(data, size, 3 * os);
        if (agg != NULL && p != NULL && size >= 8)
            (void)prio3_unshard(v, p, size, (uint64_t)data[0] | ((uint64_t)data[1] << 8), agg);
        free(agg);
        free(p);
    } else {
        uint8_t *agg = calloc(1, os);
        if (agg != NULL) {
            prio3_agg_init(v, agg);
            (void)prio3_aggregate(v, agg, data, size);
        }
        free(agg);
    }
done:
    free(st);
    free(out);
    free(vm);
    return 0;
}
