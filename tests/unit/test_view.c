/*
 * test_view.c - the privacy of one party's view (docs/DESIGN.md, section 2,
 * guarantee 1): what a party stores and sees during the protocol does not
 * depend on the contributor's input.
 *
 * The pay-equity example study is sealed for 3 parties (example_study.c).
 * For two very different answers, REPORTS submissions each are built with
 * the core (submission_build, as the browser and `mpc submit` do), and for
 * every party its view is taken through the same calls its server makes
 * (backend/party/compute.c): the stored public share, encapsulated key and
 * ciphertext; the input share it decrypts with its own key; its verifier
 * share; the verifier message; and its output share. Field elements are
 * little-endian numbers below a prime close to a power of 2, so each byte
 * of a uniformly random element is uniform to within 2^-32.
 *
 * For each part of the view:
 *  - uniform: the bytes of every report, pooled, fit 256 equally likely
 *    values (chi-square, 255 degrees of freedom);
 *  - independent of the input: at each byte position, the top 4 bits under
 *    the two answers have the same distribution (a 2 x 16 contingency
 *    chi-square per position, summed over all positions).
 * The verifier message is not uniform (its circuit output is 0 for a valid
 * answer), so only its independence is tested. A statistic passes when it
 * is within 6 standard deviations of its expectation; the randomness is
 * seeded (TEST_SEED), so a run is reproducible.
 *
 * Controls show that the test can fail: the encoded answer itself (what a
 * party would hold under "threshold 1" sharing, or a leader share equal to
 * the input) fails both tests, and so does a share that is uniform except
 * for a single input-dependent byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "example_study.h"
#include "hex.h"
#include "hpke.h"
#include "prio3.h"
#include "study.h"
#include "submission.h"
#include "testutil.h"

#define PARTIES 3
#define REPORTS 320
#define MAX_Z 6.0
/* A single position's chi-square (15 degrees of freedom) above this has a
 * probability of about 4e-12 under independence. */
#define MAX_CHI 90.0

/* One part of the view: REPORTS byte strings of len bytes per answer. */
typedef struct part {
    const char *name;
    size_t len;
    uint8_t *bytes[2]; /* [answer][report * len] */
} part;

enum {
    P_PUBLIC,
    P_ENC, /* + party */
    P_CT = P_ENC + PARTIES,
    P_INPUT = P_CT + PARTIES,
    P_VERIFIER = P_INPUT + PARTIES,
    P_OUTPUT = P_VERIFIER + PARTIES,
    P_MESSAGE = P_OUTPUT + PARTIES,
    P_COUNT
};

static study *s;
static party_keys keys[PARTIES];
static char *sealed_text;
static part parts[P_COUNT];

/* Pooled bytes against 256 equally likely values: the chi-square's
 * distance from its mean, in standard deviations. */
static double uniform_z(const uint8_t *b, size_t n)
{
    double count[256] = {0};
    for (size_t i = 0; i < n; i++)
        count[b[i]]++;
    double e = (double)n / 256, chi = 0;
    for (int v = 0; v < 256; v++)
        chi += (count[v] - e) * (count[v] - e) / e;
    return (chi - 255) / sqrt(2 * 255);
}

/* Same distribution under both answers, position by position (top 4
 * bits): the summed contingency chi-square's distance from its mean, in
 * standard deviations; *max_chi is the largest chi-square of a single
 * position (15 degrees of freedom), which finds a leak confined to one
 * byte that the sum would dilute. */
static double independent_z(const uint8_t *a, const uint8_t *b, size_t len, size_t reports,
                            double *max_chi)
{
    double chi = 0, dof = 0;
    *max_chi = 0;
    for (size_t j = 0; j < len; j++) {
        double ca[16] = {0}, cb[16] = {0}, here = 0;
        for (size_t r = 0; r < reports; r++) {
            ca[a[r * len + j] >> 4]++;
            cb[b[r * len + j] >> 4]++;
        }
        for (int k = 0; k < 16; k++) {
            double e = (ca[k] + cb[k]) / 2;
            if (e > 0) {
                here += (ca[k] - e) * (ca[k] - e) / e + (cb[k] - e) * (cb[k] - e) / e;
                dof += 1;
            }
        }
        dof -= 1; /* per position: (used buckets - 1) degrees of freedom */
        chi += here;
        if (here > *max_chi)
            *max_chi = here;
    }
    return dof > 0 ? (chi - dof) / sqrt(2 * dof) : 0;
}

static void part_init(part *p, const char *name, size_t len)
{
    p->name = name;
    p->len = len;
    for (int a = 0; a < 2; a++)
        ck_assert_ptr_nonnull(p->bytes[a] = calloc(REPORTS, len));
}

/* The views of every party for one submission of answer a (report r). */
static void one_report(int a, size_t r, const uint64_t *meas, const char *token)
{
    const prio3 *v = study_prio3(s);
    uint8_t rid[STUDY_REPORT_ID_SIZE], token_id[STUDY_TOKEN_ID_SIZE], ctx[STUDY_CTX_SIZE];
    uint8_t vk[PRIO3_VERIFY_KEY_SIZE];
    size_t rs = submission_rand_size(s);
    uint8_t *rand = malloc(rs);
    tu_rand_bytes(rid, sizeof rid);
    tu_rand_bytes(rand, rs);
    tu_rand_bytes(vk, sizeof vk);
    char *bodies[PARTIES], err[256];
    ck_assert_int_eq(submission_build(s, meas, rid, token, 7, rand, bodies, err, sizeof err),
                     CORE_OK);
    ck_assert_int_eq(submission_token_id(token, token_id), CORE_OK);
    study_vdaf_ctx(s, ctx);
    size_t vss = prio3_verifier_share_size(v), sts = prio3_verify_state_size(v);
    size_t vms = prio3_verifier_message_size(v), os = prio3_out_share_size(v);
    uint8_t *vshares = malloc(PARTIES * vss), *states = malloc(PARTIES * sts);
    uint8_t *msg = malloc(vms), *out = malloc(os);
    for (unsigned i = 0; i < PARTIES; i++) {
        cJSON *body = cJSON_Parse(bodies[i]);
        ck_assert_ptr_nonnull(body);
        size_t ps_len, enc_len, ct_len, in_len = prio3_input_share_size(v, i);
        uint8_t *ps = tu_b64_member(body, "public_share", &ps_len),
                *enc = tu_b64_member(body, "enc", &enc_len);
        uint8_t *ct = tu_b64_member(body, "ciphertext", &ct_len), *in = malloc(in_len);
        ck_assert_uint_eq(ps_len, parts[P_PUBLIC].len);
        ck_assert_uint_eq(enc_len, HPKE_NENC);
        ck_assert_uint_eq(ct_len, in_len + HPKE_NT);
        /* What this party stores. */
        if (i == 0)
            memcpy(parts[P_PUBLIC].bytes[a] + r * ps_len, ps, ps_len);
        memcpy(parts[P_ENC + i].bytes[a] + r * enc_len, enc, enc_len);
        memcpy(parts[P_CT + i].bytes[a] + r * ct_len, ct, ct_len);
        /* What it decrypts, as its server does. */
        uint8_t info[STUDY_INFO_SIZE], aad[STUDY_AAD_FIXED + 4096];
        ck_assert_uint_le(ps_len, 4096);
        study_hpke_info(i, info);
        size_t aad_len = study_hpke_aad(s, rid, token_id, 7, ps, ps_len, aad, sizeof aad);
        ck_assert_uint_gt(aad_len, 0);
        ck_assert_int_eq(hpke_open_known(keys[i].hpke_sk, keys[i].hpke_pk, enc, info, sizeof info,
                                         aad, aad_len, ct, ct_len, in),
                         CORE_OK);
        memcpy(parts[P_INPUT + i].bytes[a] + r * in_len, in, in_len);
        ck_assert_int_eq(prio3_verify_init(v, vk, ctx, sizeof ctx, i, rid, ps, ps_len, in, in_len,
                                           states + i * sts, vshares + i * vss),
                         CORE_OK);
        memcpy(parts[P_VERIFIER + i].bytes[a] + r * vss, vshares + i * vss, vss);
        free(ps);
        free(enc);
        free(ct);
        free(in);
        cJSON_Delete(body);
        free(bodies[i]);
    }
    /* What the leader combines and every party then sees. */
    ck_assert_int_eq(
        prio3_verifier_shares_to_message(v, ctx, sizeof ctx, vshares, PARTIES * vss, msg), CORE_OK);
    memcpy(parts[P_MESSAGE].bytes[a] + r * vms, msg, vms);
    for (unsigned i = 0; i < PARTIES; i++) {
        ck_assert_int_eq(prio3_verify_next(v, states + i * sts, sts, msg, vms, out), CORE_OK);
        memcpy(parts[P_OUTPUT + i].bytes[a] + r * os, out, os);
    }
    free(rand);
    free(vshares);
    free(states);
    free(msg);
    free(out);
}

static void encode(const char *json, uint64_t *meas)
{
    cJSON *answer = cJSON_Parse(json);
    char err[256];
    ck_assert_int_eq(study_encode_answer(s, answer, meas, err, sizeof err), CORE_OK);
    cJSON_Delete(answer);
}

static const char *const ANSWERS[2] = {
    "{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":\"Sales\",\"salary\":20000,"
    "\"manager\":false}",
    "{\"gender\":\"Man\",\"ethnicity\":\"White\",\"job\":\"Professionals\",\"salary\":300000,"
    "\"manager\":true}",
};

static void seal(void)
{
    organizer_keys org;
    char err[512];
    ck_assert_msg(example_study_seal("schema/studies/pay-equity.json", PARTIES, keys, &org,
                                     &sealed_text, &s, err, sizeof err) == 0,
                  "%s", err);
}

/* Every part of every party's view, for REPORTS submissions of each answer. */
static void collect(void)
{
    seal();
    const prio3 *v = study_prio3(s);
    static char names[P_COUNT][48];
    snprintf(names[P_PUBLIC], sizeof names[0], "public share");
    snprintf(names[P_MESSAGE], sizeof names[0], "verifier message");
    part_init(&parts[P_PUBLIC], names[P_PUBLIC], prio3_public_share_size(v));
    part_init(&parts[P_MESSAGE], names[P_MESSAGE], prio3_verifier_message_size(v));
    for (unsigned i = 0; i < PARTIES; i++) {
        snprintf(names[P_ENC + i], sizeof names[0], "party %u: stored HPKE enc", i + 1);
        snprintf(names[P_CT + i], sizeof names[0], "party %u: stored ciphertext", i + 1);
        snprintf(names[P_INPUT + i], sizeof names[0], "party %u: decrypted input share", i + 1);
        snprintf(names[P_VERIFIER + i], sizeof names[0], "party %u: verifier share", i + 1);
        snprintf(names[P_OUTPUT + i], sizeof names[0], "party %u: output share", i + 1);
        part_init(&parts[P_ENC + i], names[P_ENC + i], HPKE_NENC);
        part_init(&parts[P_CT + i], names[P_CT + i], prio3_input_share_size(v, i) + HPKE_NT);
        part_init(&parts[P_INPUT + i], names[P_INPUT + i], prio3_input_share_size(v, i));
        part_init(&parts[P_VERIFIER + i], names[P_VERIFIER + i], prio3_verifier_share_size(v));
        part_init(&parts[P_OUTPUT + i], names[P_OUTPUT + i], prio3_out_share_size(v));
    }
    /* A token's text: 16-byte id and 64-byte signature (the parties check
     * it; the view does not depend on it). */
    char token[SUBMISSION_TOKEN_TEXT + 1];
    memset(token, 'A', SUBMISSION_TOKEN_TEXT);
    token[SUBMISSION_TOKEN_TEXT] = '\0';
    uint64_t *meas = calloc(prio3_meas_count(v), sizeof *meas);
    for (int a = 0; a < 2; a++) {
        encode(ANSWERS[a], meas);
        for (size_t r = 0; r < REPORTS; r++)
            one_report(a, r, meas, token);
    }
    free(meas);
}

static void teardown(void)
{
    for (int i = 0; i < P_COUNT; i++)
        for (int a = 0; a < 2; a++)
            free(parts[i].bytes[a]);
    study_free(s);
    free(sealed_text);
}

START_TEST(every_part_is_uniform_and_independent_of_the_input)
{
    collect();
    for (int i = 0; i < P_COUNT; i++) {
        const part *p = &parts[i];
        double max;
        double zi = independent_z(p->bytes[0], p->bytes[1], p->len, REPORTS, &max);
        printf("  %-34s %5zu bytes  independent z = %5.2f (max chi %5.1f)", p->name, p->len, zi,
               max);
        ck_assert_msg(zi < MAX_Z, "%s depends on the input (z = %.2f)", p->name, zi);
        ck_assert_msg(max < MAX_CHI, "a byte of %s depends on the input (chi-square %.1f)", p->name,
                      max);
        if (i != P_MESSAGE) {
            double zu[2] = {uniform_z(p->bytes[0], REPORTS * p->len),
                            uniform_z(p->bytes[1], REPORTS * p->len)};
            printf("  uniform z = %5.2f, %5.2f", zu[0], zu[1]);
            for (int a = 0; a < 2; a++)
                ck_assert_msg(zu[a] < MAX_Z, "%s is not uniform (answer %d, z = %.2f)", p->name,
                              a + 1, zu[a]);
        }
        printf("\n");
    }
    teardown();
}
END_TEST

/* The answer itself, encoded (a party's share under "threshold 1"): both
 * tests reject it. */
START_TEST(control_the_encoded_answer_fails_both_tests)
{
    seal();
    const prio3 *v = study_prio3(s);
    size_t n = prio3_meas_count(v), len = n * sizeof(uint64_t);
    uint8_t *b[2];
    for (int a = 0; a < 2; a++) {
        uint64_t *meas = calloc(n, sizeof *meas);
        encode(ANSWERS[a], meas);
        b[a] = malloc(REPORTS * len);
        for (size_t r = 0; r < REPORTS; r++)
            memcpy(b[a] + r * len, meas, len);
        free(meas);
    }
    double max;
    ck_assert_double_gt(uniform_z(b[0], REPORTS * len), 100);
    ck_assert_double_gt(independent_z(b[0], b[1], len, REPORTS, &max), 100);
    ck_assert_double_gt(max, MAX_CHI);
    free(b[0]);
    free(b[1]);
    study_free(s);
    free(sealed_text);
}
END_TEST

/* Random bytes but for one byte that follows the input (a leak of a
 * single bit): uniform enough, and the independence test rejects it. */
START_TEST(control_one_leaking_byte_fails_independence)
{
    const size_t len = 1024;
    uint8_t *b[2];
    for (int a = 0; a < 2; a++) {
        b[a] = malloc(REPORTS * len);
        tu_rand_bytes(b[a], REPORTS * len);
        for (size_t r = 0; r < REPORTS; r++)
            b[a][r * len] = (uint8_t)((b[a][r * len] & 0x7f) | (a << 7));
    }
    double max;
    ck_assert_double_lt(uniform_z(b[0], REPORTS * len), MAX_Z);
    ck_assert_double_lt(independent_z(b[0], b[1], len, REPORTS, &max), MAX_Z); /* diluted */
    ck_assert_double_gt(max, MAX_CHI);
    free(b[0]);
    free(b[1]);
}
END_TEST

int main(void)
{
    /* A fixed seed unless TEST_SEED is set: the statistics are then the
     * same in every run, so the test never fails by chance. */
    setenv("TEST_SEED", "20261124", 0);
    const TTest *const tests[] = {every_part_is_uniform_and_independent_of_the_input,
                                  control_the_encoded_answer_fails_both_tests,
                                  control_one_leaking_byte_fails_independence};
    return tu_main("one party's view", tests, sizeof tests / sizeof tests[0], 300);
}
