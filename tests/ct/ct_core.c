/*
 * ct_core.c - constant-time check of the core, run under valgrind.
 *
 * Secrets (field elements, measurements) are marked undefined with
 * VALGRIND_MAKE_MEM_UNDEFINED; memcheck then reports every conditional
 * jump, conditional move or memory address computed from them. The core is
 * compiled with CORE_CT_CHECK so that values the protocol makes public
 * anyway (measurement validity, joint randomness parts) are declassified
 * where the core branches on them. Exits non-zero on a functional error;
 * valgrind's --error-exitcode reports a timing leak.
 *
 * Covered: Field64/Field128 arithmetic, inversion, conversion, encoding
 * and decoding; TurboSHAKE128 on secret input; every standard circuit's
 * encoder; the whole Prio3 shard (client side) of every standard
 * instance; the study circuit's (wasm/core/study_circuit.c) shard of an
 * answer, and an organization study's (study_org.c): an employer's table
 * added up from secret rows (study_table_add), then sharded. Not covered,
 * by design: rejection sampling in the XOF (it
 * branches on discarded samples only) and verification (whose outcome is
 * public).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "keccak.h"
#include "prio3.h"
#include "study.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "ct_core: %s failed\n", what);
        failures++;
    }
}

static uint64_t rng = 0x243F6A8885A308D3ULL;

static uint64_t next64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)next64();
}

static void field_ops(field_id f)
{
    felem a = field_from_u64(f, next64()), b = field_from_u64(f, next64()), r[12];
    uint64_t mask = 0 - (next64() & 1), raw = next64();
    SECRET(&a, sizeof(a));
    SECRET(&b, sizeof(b));
    SECRET(&mask, sizeof(mask));
    SECRET(&raw, sizeof(raw));
    r[0] = field_add(f, a, b);
    r[1] = field_sub(f, a, b);
    r[2] = field_mul(f, a, b);
    r[3] = field_neg(f, a);
    r[4] = field_inv(f, a);
    r[5] = field_select(mask, a, b);
    r[6] = field_from_u64(f, raw);
    r[7] = field_from_neg_u64(f, raw);
    r[8].lo = (uint64_t)field_eq(a, b);
    r[8].hi = (uint64_t)field_is_zero(a);
    core_u128 v = field_to_u128(f, a);
    r[9].lo = v.lo;
    r[9].hi = v.hi;
    r[10] = field_pow(f, a, 12345);
    r[11] = field_dot(f, r, r + 1, 4);
    uint8_t enc[12 * 16];
    field_vec_encode(f, r, 12, enc);
    felem back[12];
    core_err err = field_vec_decode(f, enc, 12, back);
    uint8_t acc[12 * 16];
    memcpy(acc, enc, sizeof(acc));
    core_err err2 = field_vec_add_encoded(f, acc, enc, 12);
    PUBLIC(&err, sizeof(err));
    PUBLIC(&err2, sizeof(err2));
    check(err == CORE_OK && err2 == CORE_OK, "field encode/decode");
}

static void keccak_ops(void)
{
    uint8_t in[300], out[64];
    fill(in, sizeof(in));
    SECRET(in, sizeof(in));
    tshake t;
    tshake128_init(&t, 0x1F);
    tshake_absorb(&t, in, 7);
    tshake_absorb(&t, in + 7, sizeof(in) - 7);
    tshake_squeeze(&t, out, sizeof(out));
}

/* Shards a secret measurement with public randomness. */
static void shard_with(const prio3 *p, uint64_t *meas, const char *what)
{
    uint8_t nonce[PRIO3_NONCE_SIZE];
    size_t rs = prio3_rand_size(p);
    uint8_t *rand = malloc(rs), *pub = malloc(prio3_public_share_size(p) + 1);
    uint8_t *shares = malloc(prio3_input_shares_size(p));
    fill(nonce, sizeof(nonce));
    fill(rand, rs);
    SECRET(meas, prio3_meas_count(p) * sizeof(uint64_t));
    core_err err = prio3_shard(p, (const uint8_t *)"ct", 2, meas, nonce, rand, pub, shares);
    PUBLIC(&err, sizeof(err));
    check(err == CORE_OK, what);
    free(rand);
    free(pub);
    free(shares);
}

/* The same with a standard instance, freed after. */
static void shard_secret(prio3 *p, uint64_t *meas, const char *what)
{
    shard_with(p, meas, what);
    prio3_free(p);
}

/* A study with every kind of part a table has (groups, a histogram, a
 * share above 0, the sums and squares, a median's grid). */
#define STUDY_JSON(ACCESS)                                                                         \
    "{\"format\":\"mpc-study/1\",\"id\":\"ct\",\"title\":\"CT\"," ACCESS                           \
    "\"fields\":[{\"name\":\"g\",\"label\":\"G\",\"type\":\"choice\",\"choices\":[\"a\",\"b\","    \
    "\"c\"]},"                                                                                     \
    "{\"name\":\"v\",\"label\":\"V\",\"type\":\"integer\",\"min\":-5,\"max\":1000}],"              \
    "\"analyses\":[{\"name\":\"x\",\"of\":\"v\",\"by\":[\"g\"],\"stats\":[\"count\",\"stddev\","   \
    "\"histogram\",\"share_positive\",\"median\"],\"bins\":[-5,0,100,500],\"grid\":50}],"          \
    "\"privacy\":{\"min_submissions\":1,\"min_cell_count\":1}}"

static void study_shards(void)
{
    char err[STUDY_ERR_SIZE];
    study *s = NULL, *o = NULL;
    static const char person[] = STUDY_JSON("\"access\":\"open\",");
    static const char org[] = STUDY_JSON("\"access\":\"organization\",\"max_rows\":100,");
    if (study_parse(person, sizeof person - 1, 0, &s, err, sizeof err) != CORE_OK ||
        study_parse(org, sizeof org - 1, 0, &o, err, sizeof err) != CORE_OK) {
        fprintf(stderr, "ct_core: the studies: %s\n", err);
        failures++;
        study_free(s);
        return;
    }
    /* The rows, encoded in public (parsing text is not constant time),
     * then secret. */
    enum { ROWS = 12 };
    uint64_t rows[ROWS][8];
    for (int r = 0; r < ROWS; r++) {
        char g[2] = {(char)('a' + r % 3), 0}, v[16];
        snprintf(v, sizeof v, "%d", (int)(next64() % 1006) - 5);
        const char *texts[2] = {g, v};
        check(study_encode_texts(s, texts, rows[r], err, sizeof err) == CORE_OK, "a row");
    }
    shard_with(study_prio3(s), rows[0], "the study circuit");
    uint64_t *table = calloc(study_meas_count(o), sizeof *table);
    SECRET(rows, sizeof rows);
    SECRET(table, study_meas_count(o) * sizeof *table);
    for (int r = 0; r < ROWS; r++) {
        core_err e = study_table_add(o, rows[r], table);
        PUBLIC(&e, sizeof e);
        check(e == CORE_OK, "study_table_add");
    }
    shard_with(study_prio3(o), table, "an employer's table");
    free(table);
    study_free(s);
    study_free(o);
}

int main(void)
{
    field_ops(FIELD64);
    field_ops(FIELD128);
    keccak_ops();

    prio3 *p;
    uint64_t m[64];
    if (prio3_new_count(&p, 3) == CORE_OK) {
        m[0] = 1;
        shard_secret(p, m, "count");
    }
    if (prio3_new_sum(&p, 3, 1000000) == CORE_OK) {
        m[0] = 81234;
        shard_secret(p, m, "sum");
    }
    if (prio3_new_histogram(&p, 3, 240, 16) == CORE_OK) {
        m[0] = 137;
        shard_secret(p, m, "histogram");
    }
    if (prio3_new_sumvec(&p, 3, 30, (1u << 20) - 1, 25) == CORE_OK) {
        for (int i = 0; i < 30; i++)
            m[i] = next64() & 0xFFFFF;
        shard_secret(p, m, "sumvec");
    }
    if (prio3_new_multihot(&p, 3, 40, 5, 7) == CORE_OK) {
        for (int i = 0; i < 40; i++)
            m[i] = i % 9 == 0;
        shard_secret(p, m, "multihot");
    }
    study_shards();
    if (failures == 0)
        printf("constant-time check: field, keccak, 5 encoders and shards, a study's answer and "
               "an employer's table ran\n");
    return failures == 0 ? 0 : 1;
}
