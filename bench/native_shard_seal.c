/*
 * native_shard_seal.c - the native baseline for bench/wasm.mjs: the median
 * time to shard one 3-party Prio3Histogram(240) measurement and HPKE-seal
 * each input share to its party, over ITERATIONS runs after a warm-up.
 * Prints one JSON object on stdout.
 *
 *   native_shard_seal [ITERATIONS]
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circuit.h"
#include "hpke.h"
#include "prio3.h"
#include "random.h"

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

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 200;
    if (iterations < 1 || iterations > 100000) {
        fprintf(stderr, "native_shard_seal: ITERATIONS must be 1..100000\n");
        return 2;
    }
    prio3 *p;
    if (prio3_new_histogram(&p, 3, 240, circuit_best_chunk_length(240)) != CORE_OK)
        return 1;
    uint8_t pk[3][HPKE_NPK], sk[HPKE_NSK], ikm[32];
    for (int j = 0; j < 3; j++) {
        random_bytes(ikm, sizeof(ikm));
        if (hpke_derive_keypair(ikm, sizeof(ikm), sk, pk[j]) != CORE_OK)
            return 1;
    }
    size_t rs = prio3_rand_size(p), ps = prio3_public_share_size(p);
    uint8_t *rand = malloc(rs), *pub = malloc(ps), *shares = malloc(prio3_input_shares_size(p));
    uint8_t *ct = malloc(prio3_input_share_size(p, 0) + HPKE_NT), nonce[16], enc[HPKE_NENC];
    double *times = malloc(sizeof(double) * (size_t)iterations);
    const uint8_t ctx[] = "mpc-study/1 bench";
    for (int i = -iterations / 10 - 1; i < iterations; i++) {
        uint64_t m = (uint64_t)(i + iterations) % 240;
        double t0 = now_ms();
        random_bytes(nonce, sizeof(nonce));
        random_bytes(rand, rs);
        if (prio3_shard(p, ctx, sizeof(ctx) - 1, &m, nonce, rand, pub, shares) != CORE_OK)
            return 1;
        size_t off = 0;
        for (unsigned j = 0; j < 3; j++) {
            size_t n = prio3_input_share_size(p, j);
            random_bytes(ikm, sizeof(ikm));
            if (hpke_seal(pk[j], ctx, sizeof(ctx) - 1, pub, ps, shares + off, n, ikm, enc, ct) !=
                CORE_OK)
                return 1;
            off += n;
        }
        if (i >= 0)
            times[i] = now_ms() - t0;
    }
    qsort(times, (size_t)iterations, sizeof(double), cmp_double);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "shard_seal_histogram240_ms", times[iterations / 2]);
    cJSON_AddNumberToObject(out, "iterations", iterations);
    char *text = cJSON_PrintUnformatted(out);
    puts(text);
    free(text);
    cJSON_Delete(out);
    free(rand);
    free(pub);
    free(shares);
    free(ct);
    free(times);
    prio3_free(p);
    return 0;
}
