/*
 * fuzz_peer.c - the peer API's parsers at a helper (party 2 of the sealed
 * pay-equity study, its database holding a few honest reports, a compute
 * started by the leader). The first input byte chooses:
 *   0-8  the body of POST /api/peer/compute/{start, verify, commit,
 *        aggregate, counts, release, abort, search, probe}
 *        (h_peer_compute), from the leader, or (second byte odd) from
 *        another party
 *   9    the signature headers of a peer request (auth_peer_verify):
 *        party, time, nonce, signature and body separated by newlines
 * "prepare" is left out: it makes requests to the other parties ("search"
 * would too, but with nothing prepared it is refused before any).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "b64.h"
#include "compute.h"
#include "compute_state.h"
#include "fixture.h"
#include "handlers.h"
#include "random.h"
#include "submission.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RUN_ID "00112233445566778899aabbccddeeff"
#define REPORTS 4

static fuzz_fixture *f;
static auth *a;
static char *start_body;

/* Stores REPORTS honest reports (ids 01.., 02.., ...) at this party. */
static void store_reports(void)
{
    const char *texts[] = {"Woman", "Asian", "Sales", "85000", "false"};
    uint64_t meas[64];
    char err[256], *bodies[FUZZ_PARTIES];
    size_t rn = submission_rand_size(f->study);
    uint8_t *rand = malloc(rn);
    if (rand == NULL || study_encode_texts(f->study, texts, meas, err, sizeof err) != CORE_OK)
        abort();
    for (int k = 0; k < REPORTS; k++) {
        uint8_t rid[STUDY_REPORT_ID_SIZE], tok[16 + 64];
        memset(rid, k + 1, sizeof rid);
        memset(tok, k + 1, sizeof tok);
        char *token = b64_encode(tok, sizeof tok, 1);
        if (token == NULL || random_bytes(rand, rn) != 0 ||
            submission_build(f->study, meas, rid, token, 1, rand, bodies, err, sizeof err) !=
                CORE_OK)
            abort();
        /* The party's own upload path would check the token's signature:
         * these go straight into the database. */
        cJSON *b = cJSON_Parse(bodies[f->app.self]);
        uint8_t pub[4096], enc[64], ct[65536], tid[16];
        long pl =
            b64_decode(cJSON_GetObjectItem(b, "public_share")->valuestring, 0, pub, sizeof pub);
        long el = b64_decode(cJSON_GetObjectItem(b, "enc")->valuestring, 0, enc, sizeof enc);
        long cl = b64_decode(cJSON_GetObjectItem(b, "ciphertext")->valuestring, 0, ct, sizeof ct);
        if (pl < 0 || el < 0 || cl < 0 || submission_token_id(token, tid) != CORE_OK)
            abort();
        db_report r = {study_hash(f->study), rid, tid,        1,         pub, (size_t)pl, enc,
                       (size_t)el,           ct,  (size_t)cl, 1700000000};
        int same;
        if (db_report_insert(f->app.db, &r, &same) != DB_OK)
            abort();
        cJSON_Delete(b);
        free(token);
        for (unsigned i = 0; i < FUZZ_PARTIES; i++)
            free(bodies[i]);
    }
    free(rand);
}

static void call(const char *op, int sender, const char *body, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/api/peer/compute/%s", op);
    http_req req = {.method = "POST",
                    .path = path,
                    .body = body,
                    .body_len = len,
                    .now = 1700000000,
                    .sender = sender};
    http_reply out = {0};
    h_peer_compute(&f->app, &req, &out);
    if (out.status < 200 || out.status > 503)
        abort();
    cJSON_Delete(out.json);
}

/* A running compute before each input (an input may have ended it). */
static void ensure_running(void)
{
    cJSON *st = compute_status(f->app.compute);
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(st, "state");
    int running = cJSON_IsString(state) && strcmp(state->valuestring, "running") == 0;
    cJSON_Delete(st);
    if (!running)
        call("start", 0, start_body, strlen(start_body));
}

static void setup(void)
{
    char err[256];
    f = fuzz_fixture_get(1);
    store_reports();
    start_body = fuzz_fixture_start_body(f, RUN_ID, REPORTS);
    if (auth_password_save(f->dir, "fuzzing password", err, sizeof err) != 0 ||
        auth_new(f->dir, &a, err, sizeof err) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ops[] = {"start",   "verify", "commit", "aggregate", "counts",
                                      "release", "abort",  "search", "probe"};
    if (f == NULL)
        setup();
    if (size < 2)
        return 0;
    unsigned mode = data[0] % 10;
    int sender = data[1] & 1 ? 2 : 0;
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    if (mode < 9) {
        ensure_running();
        call(ops[mode], sender, body, len);
        return 0;
    }
    /* party \n time \n nonce \n signature \n body */
    char *copy = malloc(len + 1), *parts[5] = {NULL};
    if (copy == NULL)
        return 0;
    memcpy(copy, body, len);
    copy[len] = '\0';
    char *p = copy;
    int k = 0;
    for (; k < 4 && p != NULL; k++) {
        parts[k] = p;
        p = strchr(p, '\n');
        if (p != NULL)
            *p++ = '\0';
    }
    parts[4] = p;
    char err[300];
    char to[8];
    snprintf(to, sizeof to, "%u", f->app.self);
    auth_peer_headers h = {parts[0], to, parts[1], parts[2], parts[3]};
    (void)auth_peer_verify(a, f->study, f->app.self, "POST", "/api/peer/compute/verify",
                           (const uint8_t *)(parts[4] ? parts[4] : ""),
                           parts[4] ? strlen(parts[4]) : 0, &h, 1700000000, err, sizeof err);
    free(copy);
    return 0;
}
