/*
 * test_submission.c - what binds a submission's share to its place
 * (docs/DESIGN.md, section 4): each input share is HPKE-sealed to its
 * party with an info naming the party and an aad holding the study hash,
 * the report id, the token id, the sequence number and the public share.
 * A share moved anywhere else (another report, token, sequence, public
 * share or party) does not open, so the party that receives it rejects
 * the report before any proof is checked. This is the layer meant to stop
 * a moved share (docs/HARDENING.md, "Which layer stops what"); the Prio3
 * joint randomness, which also binds the report id, is a second one.
 *
 * The pay-equity example is sealed for 3 parties (example_study.c); two
 * submissions are built with the core (submission_build), and each
 * party's share of the first is opened where it belongs and everywhere
 * else, with that party's key.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "example_study.h"
#include "hpke.h"
#include "study.h"
#include "submission.h"
#include "testutil.h"

#define PARTIES 3

typedef struct sealed_share {
    uint8_t *public_share, *enc, *ct;
    size_t public_share_len, ct_len;
} sealed_share;

/* Party i's sealed share from body i of one submission. */
static sealed_share read_share(const char *body)
{
    cJSON *doc = cJSON_Parse(body);
    ck_assert_ptr_nonnull(doc);
    sealed_share x;
    size_t enc_len;
    x.public_share = tu_b64_member(doc, "public_share", &x.public_share_len);
    x.enc = tu_b64_member(doc, "enc", &enc_len);
    ck_assert_uint_eq(enc_len, HPKE_NENC);
    x.ct = tu_b64_member(doc, "ciphertext", &x.ct_len);
    cJSON_Delete(doc);
    return x;
}

/* Opens share x as party `as` would for a report at (rid, token id, seq,
 * public share): CORE_OK only where it was sealed. */
static core_err open_at(const study *s, const party_keys *k, unsigned as, const sealed_share *x,
                        const uint8_t *rid, const uint8_t *tid, uint64_t seq, const uint8_t *ps,
                        size_t ps_len)
{
    uint8_t info[STUDY_INFO_SIZE], *aad = malloc(STUDY_AAD_FIXED + ps_len);
    uint8_t *pt = malloc(x->ct_len);
    ck_assert_ptr_nonnull(aad);
    ck_assert_ptr_nonnull(pt);
    study_hpke_info(as, info);
    size_t aad_len = study_hpke_aad(s, rid, tid, seq, ps, ps_len, aad, STUDY_AAD_FIXED + ps_len);
    ck_assert_uint_gt(aad_len, 0);
    core_err e =
        hpke_open(k->hpke_sk, x->enc, info, sizeof info, aad, aad_len, x->ct, x->ct_len, pt);
    free(aad);
    free(pt);
    return e;
}

START_TEST(test_a_share_opens_only_where_it_was_sealed)
{
    party_keys keys[PARTIES];
    organizer_keys org;
    char *text, err[512];
    study *s;
    ck_assert_msg(example_study_seal("schema/studies/pay-equity.json", PARTIES, keys, &org, &text,
                                     &s, err, sizeof err) == 0,
                  "%s", err);
    cJSON *answer = cJSON_Parse("{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\","
                                "\"salary\":85000,\"manager\":false}");
    uint64_t meas[STUDY_MAX_FIELDS + STUDY_MAX_ANALYSES];
    ck_assert_int_eq(study_encode_answer(s, answer, meas, err, sizeof err), CORE_OK);
    /* Two submissions of one answer under two tokens (the parties check
     * a token's signature; its id is what the aad binds). */
    char tokens[2][SUBMISSION_TOKEN_TEXT + 1];
    uint8_t rid[2][STUDY_REPORT_ID_SIZE], tid[2][STUDY_TOKEN_ID_SIZE];
    sealed_share x[2][PARTIES];
    size_t rs = submission_rand_size(s);
    uint8_t *rand = malloc(rs);
    for (int a = 0; a < 2; a++) {
        memset(tokens[a], a ? 'B' : 'A', SUBMISSION_TOKEN_TEXT);
        tokens[a][SUBMISSION_TOKEN_TEXT] = '\0';
        ck_assert_int_eq(submission_token_id(tokens[a], tid[a]), CORE_OK);
        tu_rand_bytes(rid[a], sizeof rid[a]);
        tu_rand_bytes(rand, rs);
        char *bodies[PARTIES];
        ck_assert_int_eq(
            submission_build(s, meas, rid[a], tokens[a], 7, rand, bodies, err, sizeof err),
            CORE_OK);
        for (unsigned i = 0; i < PARTIES; i++) {
            x[a][i] = read_share(bodies[i]);
            free(bodies[i]);
        }
    }
    ck_assert(memcmp(tid[0], tid[1], STUDY_TOKEN_ID_SIZE) != 0);
    for (unsigned i = 0; i < PARTIES; i++) {
        const sealed_share *m = &x[0][i], *other = &x[1][i];
        const uint8_t *ps = m->public_share;
        size_t pl = m->public_share_len;
        /* Where it belongs. */
        ck_assert_int_eq(open_at(s, &keys[i], i, m, rid[0], tid[0], 7, ps, pl), CORE_OK);
        /* Moved to the other report (its id, token and public share), or
         * with one of them changed at a time. */
        ck_assert_int_ne(open_at(s, &keys[i], i, m, rid[1], tid[1], 7, other->public_share,
                                 other->public_share_len),
                         CORE_OK);
        ck_assert_int_ne(open_at(s, &keys[i], i, m, rid[1], tid[0], 7, ps, pl), CORE_OK);
        ck_assert_int_ne(open_at(s, &keys[i], i, m, rid[0], tid[1], 7, ps, pl), CORE_OK);
        ck_assert_int_ne(open_at(s, &keys[i], i, m, rid[0], tid[0], 8, ps, pl), CORE_OK);
        ck_assert_int_ne(open_at(s, &keys[i], i, m, rid[0], tid[0], 7, other->public_share, pl),
                         CORE_OK);
        /* At another party (with that party's key and info), or at this
         * party under another party's info. */
        unsigned j = (i + 1) % PARTIES;
        ck_assert_int_ne(open_at(s, &keys[j], j, m, rid[0], tid[0], 7, ps, pl), CORE_OK);
        ck_assert_int_ne(open_at(s, &keys[i], j, m, rid[0], tid[0], 7, ps, pl), CORE_OK);
    }
    for (int a = 0; a < 2; a++)
        for (unsigned i = 0; i < PARTIES; i++) {
            free(x[a][i].public_share);
            free(x[a][i].enc);
            free(x[a][i].ct);
        }
    free(rand);
    cJSON_Delete(answer);
    free(text);
    study_free(s);
}
END_TEST

TU_MAIN("submission", 60, test_a_share_opens_only_where_it_was_sealed)
