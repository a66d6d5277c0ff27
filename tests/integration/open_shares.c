/*
 * open_shares.c - test tool: what the parties of a test study received,
 * opened with every party's private key (the tests hold them all), to
 * check what the real clients sent and what the parties released.
 *
 *   open_shares shares   SEALED.json DIR1 ... DIRn < BODIES
 *   open_shares released SEALED.json DIR1 ... DIRn < BODIES
 *
 * BODIES: upload bodies (POST /api/reports), one JSON text per line, for
 * any party, in any order (a test records them with a proxy or in the
 * browser). DIRi: party i's directory (mpc-party init).
 *
 * shares: one line per body, {"party", "report_id", "enc", "share"} (hex),
 * the input share as the party decrypts it.
 *
 * released: the aggregate share each party must release if it aggregates
 * every report whose uploads reached all parties (the bodies must be
 * honest): every party's output shares are computed here from the opened
 * input shares (the Prio3 verification run for all parties at once, with a
 * verification key of zeros: the output shares do not depend on it), the
 * open mask from the combined counts (the suppression pattern of
 * backend/lib/suppress.c, study_open_mask_states), and every entry it
 * closes set to zero. First line {"reports", "entries", "element_size",
 * "closed": [indices]}, then one line per party {"party", "released"
 * (base64), "digest" (hex SHA-256, as the party records it)}. The
 * zeroing here is written apart from the parties' (share.c), so that a
 * party that releases a closed entry differs from this.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "b64.h"
#include "core.h"
#include "hex.h"
#include "hpke.h"
#include "jfield.h"
#include "keys.h"
#include "sealed.h"
#include "submission.h"
#include "suppress.h"

#define MAX_BODIES 4096
#define MAX_LINE (1 << 20)

typedef struct opened {
    unsigned party;
    uint8_t report_id[STUDY_REPORT_ID_SIZE], enc[HPKE_NENC];
    uint8_t *public_share, *share;
    size_t public_share_len, share_len;
} opened;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "open_shares: %s: %s\n", what, why);
    exit(1);
}

/* Opens one upload body with its party's key. */
static void open_body(const study *s, const party_keys *keys, const char *line, opened *o)
{
    cJSON *doc = cJSON_Parse(line);
    if (!cJSON_IsObject(doc))
        die("a body", "not a JSON object");
    uint64_t party, seq;
    if (jfield_get_uint(doc, "party", study_num_parties(s) - 1, &party) != JFIELD_OK ||
        jfield_get_uint(doc, "seq", JFIELD_UINT_MAX, &seq) != JFIELD_OK ||
        hex_decode_fixed(jfield_get_string(doc, "report_id"), o->report_id, sizeof o->report_id) !=
            0)
        die("a body", "party, seq or report_id missing or malformed");
    o->party = (unsigned)party;
    uint8_t token_id[STUDY_TOKEN_ID_SIZE];
    const char *token = jfield_get_string(doc, "token");
    if (token != NULL && submission_token_id(token, token_id) != CORE_OK)
        die("a body", "a malformed token");
    const prio3 *v = study_prio3(s);
    uint8_t *enc = NULL, *ct = NULL;
    size_t enc_len, ct_len;
    if (jfield_get_b64(doc, "public_share", prio3_public_share_size(v), 0, &o->public_share,
                       &o->public_share_len) != JFIELD_OK ||
        jfield_get_b64(doc, "enc", HPKE_NENC, 0, &enc, &enc_len) != JFIELD_OK ||
        jfield_get_b64(doc, "ciphertext", prio3_input_share_size(v, o->party) + HPKE_NT, 0, &ct,
                       &ct_len) != JFIELD_OK)
        die("a body", "public_share, enc or ciphertext missing or of the wrong size");
    memcpy(o->enc, enc, HPKE_NENC);
    size_t aad_size = STUDY_AAD_FIXED + o->public_share_len;
    uint8_t *aad = malloc(aad_size), info[STUDY_INFO_SIZE];
    o->share_len = ct_len - HPKE_NT;
    o->share = malloc(o->share_len);
    if (aad == NULL || o->share == NULL)
        die("memory", "out of memory");
    study_hpke_info(o->party, info);
    size_t aad_len = study_hpke_aad(s, o->report_id, token ? token_id : NULL, seq, o->public_share,
                                    o->public_share_len, aad, aad_size);
    if (aad_len == 0 || hpke_open(keys[o->party].hpke_sk, o->enc, info, sizeof info, aad, aad_len,
                                  ct, ct_len, o->share) != CORE_OK)
        die("a body", "its share does not open with its party's key");
    free(aad);
    free(enc);
    free(ct);
    cJSON_Delete(doc);
}

/* Adds member name to obj: the n bytes at p in hex. */
static void add_hex(cJSON *obj, const char *name, const uint8_t *p, size_t n)
{
    char *h = malloc(2 * n + 1);
    if (h == NULL)
        die("memory", "out of memory");
    hex_encode(p, n, h);
    cJSON_AddStringToObject(obj, name, h);
    free(h);
}

/* Prints obj as one line and frees it. */
static void print_line(cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);
    if (text == NULL)
        die("memory", "out of memory");
    printf("%s\n", text);
    free(text);
    cJSON_Delete(obj);
}

static int by_report(const void *a, const void *b)
{
    const opened *x = a, *y = b;
    int d = memcmp(x->report_id, y->report_id, STUDY_REPORT_ID_SIZE);
    return d ? d : (int)x->party - (int)y->party;
}

/* Every party's output share of the report whose n opened shares are
 * o[0..n) (party order): out holds n out shares. */
static void output_shares(const study *s, const opened *o, uint8_t *out)
{
    const prio3 *v = study_prio3(s);
    unsigned n = study_num_parties(s);
    size_t sts = prio3_verify_state_size(v), vss = prio3_verifier_share_size(v);
    size_t vms = prio3_verifier_message_size(v), os = prio3_out_share_size(v);
    uint8_t *states = core_calloc_array(n, sts), *vshares = core_calloc_array(n, vss);
    uint8_t *msg = malloc(vms), vk[PRIO3_VERIFY_KEY_SIZE] = {0}, ctx[STUDY_CTX_SIZE];
    if (states == NULL || vshares == NULL || msg == NULL)
        die("memory", "out of memory");
    study_vdaf_ctx(s, ctx);
    for (unsigned i = 0; i < n; i++)
        if (prio3_verify_init(v, vk, ctx, sizeof ctx, i, o[i].report_id, o[i].public_share,
                              o[i].public_share_len, o[i].share, o[i].share_len, states + i * sts,
                              vshares + i * vss) != CORE_OK)
            die("a report", "its shares do not verify");
    if (prio3_verifier_shares_to_message(v, ctx, sizeof ctx, vshares, n * vss, msg) != CORE_OK)
        die("a report", "its proof is rejected (the bodies must be honest)");
    for (unsigned i = 0; i < n; i++)
        if (prio3_verify_next(v, states + i * sts, sts, msg, vms, out + i * os) != CORE_OK)
            die("a report", "its joint randomness does not check");
    free(states);
    free(vshares);
    free(msg);
}

static void released(const study *s, opened *o, size_t count)
{
    const prio3 *v = study_prio3(s);
    unsigned n = study_num_parties(s);
    size_t os = prio3_out_share_size(v), len = prio3_output_len(v), elem = os / len;
    uint8_t *agg = core_calloc_array(n, os), *out = core_calloc_array(n, os);
    uint8_t *counts = core_calloc_array(n, os), *is_count = malloc(len), *open = malloc(len);
    core_u128 *combined = core_calloc_array(len, sizeof *combined);
    if (!agg || !out || !counts || !is_count || !open || !combined)
        die("memory", "out of memory");
    for (unsigned i = 0; i < n; i++)
        prio3_agg_init(v, agg + i * os);
    qsort(o, count, sizeof *o, by_report);
    uint64_t reports = 0;
    for (size_t k = 0; k < count;) {
        size_t same = 1;
        while (k + same < count &&
               memcmp(o[k].report_id, o[k + same].report_id, STUDY_REPORT_ID_SIZE) == 0)
            same++;
        if (same == n) { /* (a report some party lacks is not aggregated) */
            for (unsigned i = 0; i < n; i++)
                if (o[k + i].party != i)
                    die("a report", "two uploads for one party");
            output_shares(s, o + k, out);
            for (unsigned i = 0; i < n; i++)
                if (prio3_aggregate(v, agg + i * os, out + i * os, os) != CORE_OK)
                    die("a report", "its output share does not aggregate");
            reports++;
        }
        k += same;
    }
    /* The open mask, from the combined counts alone. */
    study_count_outputs(s, is_count);
    memcpy(counts, agg, n * os);
    for (unsigned i = 0; i < n; i++)
        for (size_t e = 0; e < len; e++)
            if (!is_count[e])
                memset(counts + i * os + e * elem, 0, elem);
    if (prio3_unshard(v, counts, n * os, reports, combined) != CORE_OK)
        die("the counts", "they do not combine");
    uint8_t *state = malloc(study_num_units(s) + 1);
    char why[300];
    if (state == NULL)
        die("memory", "out of memory");
    if (suppress_pattern(s, combined, reports, state, NULL, why, sizeof why) != 0)
        die("the suppression pattern", why);
    study_open_mask_states(s, state, open);
    free(state);
    cJSON *head = cJSON_CreateObject(), *closed = cJSON_AddArrayToObject(head, "closed");
    cJSON_AddNumberToObject(head, "reports", (double)reports);
    cJSON_AddNumberToObject(head, "entries", (double)len);
    cJSON_AddNumberToObject(head, "element_size", (double)elem);
    for (size_t e = 0; e < len; e++)
        if (!open[e])
            cJSON_AddItemToArray(closed, cJSON_CreateNumber((double)e));
    print_line(head);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *share = agg + i * os, digest[32];
        for (size_t e = 0; e < len; e++)
            if (!open[e])
                memset(share + e * elem, 0, elem);
        char *b = b64_encode(share, os, 0);
        if (b == NULL || mbedtls_sha256_ret(share, os, digest, 0) != 0)
            die("memory", "out of memory");
        cJSON *line = cJSON_CreateObject();
        cJSON_AddNumberToObject(line, "party", i);
        cJSON_AddStringToObject(line, "released", b);
        add_hex(line, "digest", digest, sizeof digest);
        print_line(line);
        free(b);
    }
    free(agg);
    free(out);
    free(counts);
    free(is_count);
    free(open);
    free(combined);
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "shares") != 0 && strcmp(argv[1], "released") != 0)) {
        fprintf(stderr, "usage: open_shares shares|released SEALED.json DIR1 ... DIRn < BODIES\n");
        return 2;
    }
    char err[512];
    study *s;
    if (sealed_load(argv[2], &s, NULL, err, sizeof err) != 0)
        die(argv[2], err);
    unsigned n = study_num_parties(s);
    if ((unsigned)(argc - 3) != n)
        die("the party directories", "give one per party of the study, in party order");
    party_keys keys[STUDY_MAX_PARTIES];
    for (unsigned i = 0; i < n; i++)
        if (keys_party_load(argv[3 + i], &keys[i], err, sizeof err) != 0)
            die(argv[3 + i], err);
    opened *o = calloc(MAX_BODIES, sizeof *o);
    char *line = malloc(MAX_LINE);
    size_t count = 0;
    if (o == NULL || line == NULL)
        die("memory", "out of memory");
    while (fgets(line, MAX_LINE, stdin) != NULL) {
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        if (count == MAX_BODIES)
            die("the bodies", "too many");
        open_body(s, keys, line, &o[count++]);
    }
    if (strcmp(argv[1], "shares") == 0) {
        for (size_t k = 0; k < count; k++) {
            cJSON *row = cJSON_CreateObject();
            cJSON_AddNumberToObject(row, "party", o[k].party);
            add_hex(row, "report_id", o[k].report_id, STUDY_REPORT_ID_SIZE);
            add_hex(row, "enc", o[k].enc, HPKE_NENC);
            add_hex(row, "share", o[k].share, o[k].share_len);
            print_line(row);
        }
    } else {
        released(s, o, count);
    }
    for (size_t k = 0; k < count; k++) {
        core_free_secret(o[k].share, o[k].share_len);
        free(o[k].public_share);
    }
    core_wipe(keys, sizeof keys);
    free(o);
    free(line);
    study_free(s);
    return 0;
}
