/*
 * testutil.c - see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t state;
static int seeded;

static void seed_once(void)
{
    if (seeded)
        return;
    const char *env = getenv("TEST_SEED");
    if (env != NULL) {
        state = strtoull(env, NULL, 10);
    } else {
        FILE *fp = fopen("/dev/urandom", "rb");
        if (fp == NULL || fread(&state, sizeof(state), 1, fp) != 1)
            state = 0x853c49e6748fea9bULL;
        if (fp != NULL)
            fclose(fp);
    }
    seeded = 1;
    fprintf(stderr, "random seed %llu (set TEST_SEED to reproduce)\n", (unsigned long long)state);
}

uint64_t tu_rand64(void)
{
    /* splitmix64 */
    seed_once();
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t tu_rand_below(uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do {
        v = tu_rand64();
    } while (v >= limit);
    return v % bound;
}

void tu_rand_bytes(uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)tu_rand64();
}

felem tu_rand_elem(field_id f)
{
    uint8_t b[16];
    felem e;
    do {
        tu_rand_bytes(b, sizeof(b));
    } while (!field_sample(f, b, &e));
    return e;
}

const char *tu_vectors_dir(void)
{
    const char *d = getenv("VECTORS");
    return d != NULL ? d : "tests/vectors";
}

void tu_hex(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i] != '\0'; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

int tu_main(const char *name, const TTest *const *tests, size_t n, double timeout)
{
    seed_once(); /* in the parent, so every forked test shares one seed */
    Suite *s = suite_create(name);
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, timeout);
    for (size_t i = 0; i < n; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
