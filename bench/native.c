/*
 * native.c - the native side of `make bench` (bench/client.mjs): medians of
 * the client's work with the native build of the core, printed as one JSON
 * object.
 *
 *   native shard ITERATIONS
 *       3-party Prio3Histogram(240) and Prio3SumVec(240 entries of 20 bits)
 *       shard, median milliseconds of each
 *   native submission SEALED.json ITERATIONS [ANSWER.json text]
 *       one pay-equity answer encoded, proved, sharded and sealed for every
 *       party (submission_build), median milliseconds, and the bytes of the
 *       leader's and a helper's upload bodies
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circuit.h"
#include "prio3.h"
#include "random.h"
#include "sealed.h"
#include "submission.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

/* Median ms of prio3_shard over iterations (after a tenth as warm-up). */
static double shard_ms(const prio3 *p, int iterations, uint64_t max)
{
    size_t rs = prio3_rand_size(p), n = prio3_meas_count(p);
    uint8_t *rand = malloc(rs), *pub = malloc(prio3_public_share_size(p) + 1);
    uint8_t *shares = malloc(prio3_input_shares_size(p)), nonce[PRIO3_NONCE_SIZE];
    uint64_t *meas = calloc(n, sizeof *meas);
    double *t = malloc(sizeof *t * (size_t)iterations);
    const uint8_t ctx[] = "mpc-study/1 bench";
    for (int i = -iterations / 10 - 1; i < iterations; i++) {
        for (size_t k = 0; k < n; k++)
            meas[k] = n == 1 ? (uint64_t)(i + iterations) % max : ((uint64_t)i * 7919 + k) % max;
        random_bytes(nonce, sizeof nonce);
        random_bytes(rand, rs);
        double t0 = now_ms();
        if (prio3_shard(p, ctx, sizeof ctx - 1, meas, nonce, rand, pub, shares) != CORE_OK)
            exit(1);
        if (i >= 0)
            t[i] = now_ms() - t0;
    }
    double m = median(t, iterations);
    free(rand);
    free(pub);
    free(shares);
    free(meas);
    free(t);
    return m;
}

static int bench_shard(int iterations, cJSON *out)
{
    prio3 *h, *v;
    if (prio3_new_histogram(&h, 3, 240, circuit_best_chunk_length(240)) != CORE_OK ||
        prio3_new_sumvec(&v, 3, 240, (1u << 20) - 1, circuit_best_chunk_length(240 * 20)) !=
            CORE_OK)
        return 1;
    cJSON_AddNumberToObject(out, "shard_histogram240_ms", shard_ms(h, iterations, 240));
    cJSON_AddNumberToObject(out, "shard_sumvec240x20_ms", shard_ms(v, iterations, 1u << 20));
    prio3_free(h);
    prio3_free(v);
    return 0;
}

static int bench_submission(const char *path, int iterations, const char *answer_json, cJSON *out)
{
    char err[512];
    study *s;
    if (sealed_load(path, &s, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "native: %s\n", err);
        return 1;
    }
    cJSON *answer =
        cJSON_Parse(answer_json != NULL ? answer_json
                                        : "{\"gender\":\"Woman\",\"ethnicity\":\"Asian\",\"job\":"
                                          "\"Sales\",\"salary\":85000,\"manager\":false}");
    if (answer == NULL) {
        fprintf(stderr, "native: the answer is not JSON\n");
        study_free(s);
        return 1;
    }
    uint64_t *meas = calloc(study_meas_count(s), sizeof *meas);
    size_t rn = submission_rand_size(s);
    uint8_t *rand = malloc(rn), rid[STUDY_REPORT_ID_SIZE];
    double *t = malloc(sizeof *t * (size_t)iterations);
    char *bodies[STUDY_MAX_PARTIES];
    size_t leader = 0, helper = 0;
    /* A well-formed token text (its signature is not checked here). */
    char text[SUBMISSION_TOKEN_TEXT + 1];
    memset(text, 'A', SUBMISSION_TOKEN_TEXT);
    text[SUBMISSION_TOKEN_TEXT] = '\0';
    const char *token = study_access_open(s) ? NULL : text;
    for (int i = -iterations / 10 - 1; i < iterations; i++) {
        random_bytes(rid, sizeof rid);
        random_bytes(rand, rn);
        double t0 = now_ms();
        if (study_encode_report(s, answer, meas, err, sizeof err) != CORE_OK ||
            submission_build(s, meas, rid, token, 1, rand, bodies, err, sizeof err) != CORE_OK) {
            fprintf(stderr, "native: %s\n", err);
            return 1;
        }
        if (i >= 0)
            t[i] = now_ms() - t0;
        leader = strlen(bodies[0]);
        helper = strlen(bodies[1]);
        for (unsigned j = 0; j < study_num_parties(s); j++)
            free(bodies[j]);
    }
    cJSON_AddNumberToObject(out, "submission_encode_ms", median(t, iterations));
    cJSON_AddNumberToObject(out, "leader_bytes", (double)leader);
    cJSON_AddNumberToObject(out, "helper_bytes", (double)helper);
    free(t);
    free(rand);
    free(meas);
    cJSON_Delete(answer);
    study_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    int shard = argc == 3 && strcmp(argv[1], "shard") == 0;
    int sub = (argc == 4 || argc == 5) && strcmp(argv[1], "submission") == 0;
    int iterations = shard ? atoi(argv[2]) : sub ? atoi(argv[3]) : 0;
    if ((!shard && !sub) || iterations < 1 || iterations > 100000) {
        fprintf(stderr, "usage: native shard ITERATIONS | native submission SEALED.json "
                        "ITERATIONS [ANSWER_JSON]\n");
        return 2;
    }
    cJSON *out = cJSON_CreateObject();
    int rc = shard ? bench_shard(iterations, out)
                   : bench_submission(argv[2], iterations, argc == 5 ? argv[4] : NULL, out);
    cJSON_AddNumberToObject(out, "iterations", iterations);
    char *text = cJSON_PrintUnformatted(out);
    if (rc == 0)
        puts(text);
    free(text);
    cJSON_Delete(out);
    return rc;
}
