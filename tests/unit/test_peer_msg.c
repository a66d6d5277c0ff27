/*
 * test_peer_msg.c - the compute's party-to-party messages
 * (backend/party/peer_msg.h): every operation's request and answer written
 * and read back member for member; every size rule enforced (exact sizes,
 * one item per report of the batch, 1 to COMPUTE_BATCH reports, records,
 * one approval statement per party); missing members, bad numbers and
 * bad ids refused with the member named; optional members marked present
 * only when sent.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "hpke.h"
#include "jfield.h"
#include "peer_msg.h"
#include "prio3.h"
#include "sign.h"
#include "testutil.h"

static const peer_sizes Z = {
    .verifier_share = 48, .verifier_message = 32, .out_share = 160, .parties = 3};

/* Writes op's request or answer from m and reads it back into *back. */
static int round_trip(peer_op op, int answer, const peer_msg *m, size_t n, peer_msg *back,
                      char *err)
{
    cJSON *j = peer_msg_write(op, answer, m);
    ck_assert_ptr_nonnull(j);
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    cJSON *parsed = cJSON_Parse(text);
    free(text);
    peer_sizes z = Z;
    z.n = n;
    int rc = peer_msg_read(op, answer, parsed, &z, back, err, 300);
    cJSON_Delete(parsed);
    return rc;
}

static peer_blob blob(size_t len)
{
    peer_blob b = {malloc(len ? len : 1), len};
    tu_rand_bytes(b.p, len);
    return b;
}

static void same_blob(const peer_blob *a, const peer_blob *b)
{
    ck_assert_uint_eq(a->len, b->len);
    ck_assert_mem_eq(a->p, b->p, a->len);
}

START_TEST(test_op_names)
{
    for (unsigned op = 0; op < PEER_OPS; op++) {
        ck_assert_int_eq(peer_op_find(peer_op_name((peer_op)op)), op);
        ck_assert_ptr_nonnull(peer_op_answer_what((peer_op)op));
    }
    ck_assert_int_eq(peer_op_find("bogus"), PEER_OPS);
    ck_assert_int_eq(peer_op_find(""), PEER_OPS);
}
END_TEST

START_TEST(test_every_message_round_trips)
{
    const size_t n = 7;
    peer_msg m = {0}, b;
    char err[300];
    tu_rand_bytes(m.compute, sizeof m.compute);
    m.batch = 3;
    m.total = 1234;
    m.incomplete = 5;
    m.accepted = 6;
    m.last = 1;
    snprintf(m.error, sizeof m.error, "%s", "Party 3 did not answer");
    m.present = PEER_HAS_TOTAL | PEER_HAS_INCOMPLETE | PEER_HAS_LAST | PEER_HAS_ERROR;
    m.enc = blob(HPKE_NENC);
    m.key = blob(PRIO3_VERIFY_KEY_SIZE + HPKE_NT);
    m.approvals = blob(3 * SIGN_SIG_SIZE);
    m.reports = blob(16 * n);
    m.held = blob(PEER_RECORD * 11);
    m.ok = blob(n);
    m.shares = blob(n * Z.verifier_share);
    m.accept = blob(n);
    m.messages = blob(n * Z.verifier_message);
    m.valid = blob(n);
    m.counts = blob(Z.out_share);
    m.aggregate = blob(Z.out_share);
    m.pattern = blob(PEER_PATTERN_SIZE);

    ck_assert_int_eq(round_trip(PEER_START, 0, &m, 0, &b, err), 0);
    ck_assert_mem_eq(b.compute, m.compute, sizeof m.compute);
    same_blob(&b.enc, &m.enc);
    same_blob(&b.key, &m.key);
    same_blob(&b.approvals, &m.approvals);
    ck_assert_uint_eq(b.total, 1234);
    peer_msg_free(&b);
    ck_assert_int_eq(round_trip(PEER_START, 1, &m, 0, &b, err), 0);
    same_blob(&b.held, &m.held);
    peer_msg_free(&b);

    ck_assert_int_eq(round_trip(PEER_VERIFY, 0, &m, 0, &b, err), 0);
    ck_assert_uint_eq(b.batch, 3);
    ck_assert_uint_eq(b.present, PEER_HAS_TOTAL);
    ck_assert_uint_eq(b.total, 1234);
    same_blob(&b.reports, &m.reports);
    peer_msg_free(&b);
    ck_assert_int_eq(round_trip(PEER_VERIFY, 1, &m, n, &b, err), 0);
    same_blob(&b.ok, &m.ok);
    same_blob(&b.shares, &m.shares);
    peer_msg_free(&b);

    ck_assert_int_eq(round_trip(PEER_COMMIT, 0, &m, 0, &b, err), 0);
    same_blob(&b.accept, &m.accept);
    same_blob(&b.messages, &m.messages);
    peer_msg_free(&b);
    ck_assert_int_eq(round_trip(PEER_COMMIT, 1, &m, n, &b, err), 0);
    same_blob(&b.valid, &m.valid);
    peer_msg_free(&b);

    ck_assert_int_eq(round_trip(PEER_AGGREGATE, 0, &m, 0, &b, err), 0);
    ck_assert_int_eq(b.last, 1);
    ck_assert_uint_eq(b.present, PEER_HAS_LAST);
    peer_msg_free(&b);
    ck_assert_int_eq(round_trip(PEER_AGGREGATE, 1, &m, n, &b, err), 0);
    ck_assert_uint_eq(b.accepted, 6);
    peer_msg_free(&b);

    ck_assert_int_eq(round_trip(PEER_COUNTS, 1, &m, 0, &b, err), 0);
    same_blob(&b.counts, &m.counts);
    ck_assert_uint_eq(b.accepted, 6);
    peer_msg_free(&b);

    ck_assert_int_eq(round_trip(PEER_PREPARE, 0, &m, 0, &b, err), 0);
    peer_msg_free(&b);
    ck_assert_int_eq(round_trip(PEER_PREPARE, 1, &m, 0, &b, err), 0);
    same_blob(&b.pattern, &m.pattern);
    peer_msg_free(&b);

    ck_assert_int_eq(round_trip(PEER_RELEASE, 0, &m, 0, &b, err), 0);
    ck_assert_uint_eq(b.incomplete, 5);
    ck_assert_uint_eq(b.present, PEER_HAS_INCOMPLETE);
    same_blob(&b.pattern, &m.pattern);
    peer_msg_free(&b);
    ck_assert_int_eq(round_trip(PEER_RELEASE, 1, &m, 0, &b, err), 0);
    same_blob(&b.aggregate, &m.aggregate);
    peer_msg_free(&b);

    ck_assert_int_eq(round_trip(PEER_ABORT, 0, &m, 0, &b, err), 0);
    ck_assert_str_eq(b.error, "Party 3 did not answer");
    peer_msg_free(&b);

    /* Optional members not sent are not present. */
    m.present = 0;
    ck_assert_int_eq(round_trip(PEER_VERIFY, 0, &m, 0, &b, err), 0);
    ck_assert_uint_eq(b.present, 0);
    peer_msg_free(&b);
    ck_assert_int_eq(round_trip(PEER_ABORT, 0, &m, 0, &b, err), 0);
    ck_assert_uint_eq(b.present, 0);
    ck_assert_str_eq(b.error, "");
    peer_msg_free(&b);

    peer_blob *all[] = {&m.enc,    &m.key,    &m.approvals, &m.reports, &m.held,   &m.ok,
                        &m.shares, &m.accept, &m.messages,  &m.valid,   &m.counts, &m.aggregate,
                        &m.pattern};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->p);
}
END_TEST

/* Reads j (taken over) as op's request (answer 0) or answer with n
 * reports known; expects a refusal naming `needle`. */
static void refused(peer_op op, int answer, size_t n, cJSON *j, const char *needle)
{
    peer_sizes z = Z;
    z.n = n;
    peer_msg m;
    char err[300] = "";
    int rc = peer_msg_read(op, answer, j, &z, &m, err, sizeof err);
    char *text = cJSON_PrintUnformatted(j);
    ck_assert_msg(rc == -1, "accepted: %s", text);
    ck_assert_msg(strstr(err, needle) != NULL, "'%s' does not name '%s'", err, needle);
    free(text);
    cJSON_Delete(j);
}

/* Reads j (taken over) as op's request: it must be accepted. */
static void accepted(peer_op op, cJSON *j, peer_msg *m)
{
    char err[300];
    ck_assert_msg(peer_msg_read(op, 0, j, &Z, m, err, sizeof err) == 0, "%s", err);
    cJSON_Delete(j);
}

/* Adds member name: base64 of n zero bytes. Returns j. */
static cJSON *zeros(cJSON *j, const char *name, size_t n)
{
    uint8_t *z = calloc(n ? n : 1, 1);
    ck_assert_int_eq(jfield_put_b64(j, name, z, n), 0);
    free(z);
    return j;
}

/* A request of run 0011...eeff, with batch (if batch >= 0). */
static cJSON *request(double batch)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "compute", "00112233445566778899aabbccddeeff");
    if (batch >= 0)
        cJSON_AddNumberToObject(j, "batch", batch);
    return j;
}

START_TEST(test_refusals)
{
    cJSON *j = cJSON_CreateArray();
    refused(PEER_VERIFY, 0, 0, j, "JSON object");
    j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "batch", 0);
    refused(PEER_VERIFY, 0, 0, j, "verify: compute");
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "compute", "0011");
    cJSON_AddNumberToObject(j, "batch", 0);
    refused(PEER_VERIFY, 0, 0, j, "compute: must be 32 hex");
    refused(PEER_VERIFY, 0, 0, zeros(request(-1), "reports", 48), "verify: batch");
    cJSON *bad_numbers[] = {cJSON_CreateNumber(-1), cJSON_CreateNumber(1.5),
                            cJSON_CreateNumber(2.2e67), cJSON_CreateString("1"),
                            cJSON_CreateTrue()};
    for (size_t i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++) {
        j = zeros(request(-1), "reports", 48);
        cJSON_AddItemToObject(j, "batch", bad_numbers[i]);
        refused(PEER_VERIFY, 0, 0, j, "batch: must be a whole number");
    }
    j = zeros(request(0), "reports", 48);
    cJSON_AddNumberToObject(j, "total", -3);
    refused(PEER_VERIFY, 0, 0, j, "total: must be a whole number");
    refused(PEER_VERIFY, 0, 0, zeros(request(0), "reports", 47),
            "reports: must be base64 of 1 to 500 report ids");
    refused(PEER_VERIFY, 0, 0, zeros(request(0), "reports", 0), "reports:");
    refused(PEER_VERIFY, 0, 0, zeros(request(0), "reports", 16 * (COMPUTE_BATCH + 1)), "reports:");
    /* (The most reports a batch holds is accepted.) */
    peer_msg m;
    accepted(PEER_VERIFY, zeros(request(0), "reports", 16 * COMPUTE_BATCH), &m);
    ck_assert_uint_eq(m.reports.len, 16 * COMPUTE_BATCH);
    peer_msg_free(&m);
    /* The batch's first per-report member sets the number of the others. */
    refused(PEER_COMMIT, 0, 0, zeros(zeros(request(0), "accept", 3), "messages", 2 * 32),
            "commit: messages: must be base64 of exactly 96 bytes");
    accepted(PEER_COMMIT, zeros(zeros(request(0), "accept", 3), "messages", 3 * 32), &m);
    peer_msg_free(&m);
    /* Answers: the leader knows the batch's size. */
    refused(PEER_COMMIT, 1, 4, zeros(cJSON_CreateObject(), "valid", 3),
            "valid: must be base64 of exactly 4 bytes");
    refused(PEER_VERIFY, 1, 3, zeros(zeros(cJSON_CreateObject(), "ok", 3), "shares", 3 * 32),
            "shares: must be base64 of exactly 144 bytes");
    j = zeros(cJSON_CreateObject(), "counts", 159);
    cJSON_AddNumberToObject(j, "accepted", 1);
    refused(PEER_COUNTS, 1, 0, j, "counts: must be base64 of exactly 160 bytes");
    refused(PEER_COUNTS, 1, 0, zeros(cJSON_CreateObject(), "counts", 160), "accepted:");
    /* 48 bytes: not whole records. */
    refused(PEER_START, 1, 0, zeros(cJSON_CreateObject(), "held", 48),
            "held: must be base64 of at most");
    j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "aggregate", "not base64!");
    refused(PEER_RELEASE, 1, 0, j, "aggregate:");
    /* The release digest: exactly 32 bytes, in prepare's answer and in
     * every release request. */
    refused(PEER_PREPARE, 1, 0, cJSON_CreateObject(), "pattern:");
    refused(PEER_PREPARE, 1, 0, zeros(cJSON_CreateObject(), "pattern", 31),
            "pattern: must be base64 of exactly 32 bytes");
    refused(PEER_RELEASE, 0, 0, request(-1), "release: pattern:");
    accepted(PEER_RELEASE, zeros(request(-1), "pattern", 32), &m);
    peer_msg_free(&m);
    j = zeros(request(1), "accept", 2);
    cJSON_AddNumberToObject(j, "last", 1);
    refused(PEER_AGGREGATE, 0, 0, j, "last: must be true or false");
    j = request(-1);
    cJSON_AddNumberToObject(j, "error", 5);
    refused(PEER_ABORT, 0, 0, j, "error: must be a string");
}
END_TEST

/* A start request: its key, the approvals of `approvals` bytes (or none
 * with -1). */
static cJSON *start_request(long approvals)
{
    cJSON *j = zeros(zeros(request(-1), "enc", HPKE_NENC), "key", PRIO3_VERIFY_KEY_SIZE + HPKE_NT);
    cJSON_AddNumberToObject(j, "total", 4);
    return approvals >= 0 ? zeros(j, "approvals", (size_t)approvals) : j;
}

/* start carries exactly one approval statement per party of the study. */
START_TEST(test_start_approvals)
{
    peer_msg m;
    accepted(PEER_START, start_request(3 * SIGN_SIG_SIZE), &m);
    ck_assert_uint_eq(m.approvals.len, 3 * SIGN_SIG_SIZE);
    peer_msg_free(&m);
    refused(PEER_START, 0, 0, start_request(-1), "start: approvals: missing");
    const char *why = "start: approvals: must be base64 of exactly 192 bytes (3 approval "
                      "statements of 64 bytes, one per party)";
    refused(PEER_START, 0, 0, start_request(2 * SIGN_SIG_SIZE), why);
    refused(PEER_START, 0, 0, start_request(3 * SIGN_SIG_SIZE - 1), why);
    refused(PEER_START, 0, 0, start_request(4 * SIGN_SIG_SIZE), why);
    refused(PEER_START, 0, 0, start_request(0), why);
    cJSON *j = start_request(-1);
    cJSON_AddNumberToObject(j, "approvals", 1);
    refused(PEER_START, 0, 0, j, "start: approvals:");
    /* Another study's number of parties: another exact size. */
    peer_sizes z = Z;
    z.parties = 5;
    char err[300];
    j = start_request(5 * SIGN_SIG_SIZE);
    ck_assert_msg(peer_msg_read(PEER_START, 0, j, &z, &m, err, sizeof err) == 0, "%s", err);
    peer_msg_free(&m);
    cJSON_Delete(j);
}
END_TEST

TU_MAIN("peer_msg", 20, test_op_names, test_every_message_round_trips, test_refusals,
        test_start_approvals)
