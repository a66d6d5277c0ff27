/*
 * peer_msg.c - the compute protocol's messages; see peer_msg.h and
 * docs/COMPUTE.md ("Messages").
 */
#include "peer_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "core.h"
#include "hex.h"
#include "hpke.h"
#include "jfield.h"
#include "prio3.h"
#include "sign.h"

typedef enum kind { K_ID, K_UINT, K_BOOL, K_TEXT, K_BLOB } kind;

/* How long a blob member is. */
typedef enum size_rule {
    S_NONE,       /* (not a blob) */
    S_FIXED,      /* exactly `bytes` */
    S_OUT_SHARE,  /* exactly one output share */
    S_PER_PARTY,  /* exactly `bytes` per party of the study */
    S_PER_REPORT, /* `bytes` (or the verifier share or message size) per report */
    S_LIST        /* any number of `bytes`-byte records, up to PEER_MAX_RECORDS */
} size_rule;

/* Per-report sizes that depend on the study. */
#define UNIT_VERIFIER_SHARE ((size_t)-1)
#define UNIT_VERIFIER_MESSAGE ((size_t)-2)

typedef enum member_id {
    M_COMPUTE,
    M_BATCH,
    M_TOTAL,
    M_INCOMPLETE,
    M_ACCEPTED,
    M_LAST,
    M_ERROR,
    M_ENC,
    M_KEY,
    M_APPROVALS,
    M_REPORTS,
    M_HELD,
    M_OK,
    M_SHARES,
    M_ACCEPT,
    M_MESSAGES,
    M_VALID,
    M_COUNTS,
    M_AGGREGATE,
    M_PATTERN,
    M_STEP,
    M_PROBES,
    M_VALUES,
    M_COUNT
} member_id;

#define B(m) (1u << (m))

/* Every member: its JSON name, type, place in peer_msg and size rule (in
 * the order they are read: a batch's first per-report member comes before
 * the others, so that it gives their number of reports). */
static const struct member {
    const char *name;
    kind kind;
    size_t offset;
    size_rule rule;
    size_t bytes;
    unsigned has; /* PEER_HAS_* when optional somewhere */
    const char *what;
} MEMBERS[M_COUNT] = {
    [M_COMPUTE] = {"compute", K_ID, offsetof(peer_msg, compute), S_NONE, 0, 0,
                   "32 hexadecimal digits"},
    [M_BATCH] = {"batch", K_UINT, offsetof(peer_msg, batch), S_NONE, 0, 0, NULL},
    [M_TOTAL] = {"total", K_UINT, offsetof(peer_msg, total), S_NONE, 0, PEER_HAS_TOTAL, NULL},
    [M_INCOMPLETE] = {"incomplete", K_UINT, offsetof(peer_msg, incomplete), S_NONE, 0,
                      PEER_HAS_INCOMPLETE, NULL},
    [M_ACCEPTED] = {"accepted", K_UINT, offsetof(peer_msg, accepted), S_NONE, 0, 0, NULL},
    [M_LAST] = {"last", K_BOOL, offsetof(peer_msg, last), S_NONE, 0, PEER_HAS_LAST, NULL},
    [M_ERROR] = {"error", K_TEXT, offsetof(peer_msg, error), S_NONE, 0, PEER_HAS_ERROR, NULL},
    [M_ENC] = {"enc", K_BLOB, offsetof(peer_msg, enc), S_FIXED, HPKE_NENC, 0, NULL},
    [M_KEY] = {"key", K_BLOB, offsetof(peer_msg, key), S_FIXED, PRIO3_VERIFY_KEY_SIZE + HPKE_NT, 0,
               NULL},
    [M_APPROVALS] = {"approvals", K_BLOB, offsetof(peer_msg, approvals), S_PER_PARTY, SIGN_SIG_SIZE,
                     0, "approval statements"},
    [M_REPORTS] = {"reports", K_BLOB, offsetof(peer_msg, reports), S_PER_REPORT, 16, 0,
                   "report ids"},
    [M_HELD] = {"held", K_BLOB, offsetof(peer_msg, held), S_LIST, PEER_RECORD, 0, "report records"},
    [M_OK] = {"ok", K_BLOB, offsetof(peer_msg, ok), S_PER_REPORT, 1, 0, "flags"},
    [M_SHARES] = {"shares", K_BLOB, offsetof(peer_msg, shares), S_PER_REPORT, UNIT_VERIFIER_SHARE,
                  0, "verifier shares"},
    [M_ACCEPT] = {"accept", K_BLOB, offsetof(peer_msg, accept), S_PER_REPORT, 1, 0, "flags"},
    [M_MESSAGES] = {"messages", K_BLOB, offsetof(peer_msg, messages), S_PER_REPORT,
                    UNIT_VERIFIER_MESSAGE, 0, "verifier messages"},
    [M_VALID] = {"valid", K_BLOB, offsetof(peer_msg, valid), S_PER_REPORT, 1, 0, "flags"},
    [M_COUNTS] = {"counts", K_BLOB, offsetof(peer_msg, counts), S_OUT_SHARE, 0, 0, NULL},
    [M_AGGREGATE] = {"aggregate", K_BLOB, offsetof(peer_msg, aggregate), S_OUT_SHARE, 0, 0, NULL},
    [M_PATTERN] = {"pattern", K_BLOB, offsetof(peer_msg, pattern), S_FIXED, PEER_PATTERN_SIZE, 0,
                   NULL},
    [M_STEP] = {"step", K_UINT, offsetof(peer_msg, step), S_NONE, 0, 0, NULL},
    [M_PROBES] = {"probes", K_BLOB, offsetof(peer_msg, probes), S_FIXED, PEER_PROBES_SIZE, 0, NULL},
    [M_VALUES] = {"values", K_BLOB, offsetof(peer_msg, values), S_LIST, PEER_VALUE_SIZE, 0,
                  "probe shares"},
};

/* Every operation: its name, the members of its request (required and
 * optional) and of its answer, and what an unreadable answer is. */
static const struct op {
    const char *name;
    unsigned request, optional, answer;
    const char *answer_what;
} OPS[PEER_OPS] = {
    [PEER_START] = {"start", B(M_COMPUTE) | B(M_ENC) | B(M_KEY) | B(M_APPROVALS) | B(M_TOTAL), 0,
                    B(M_HELD), "a malformed report list"},
    [PEER_VERIFY] = {"verify", B(M_COMPUTE) | B(M_BATCH) | B(M_REPORTS), B(M_TOTAL),
                     B(M_OK) | B(M_SHARES), "malformed verifier shares"},
    [PEER_COMMIT] = {"commit", B(M_COMPUTE) | B(M_BATCH) | B(M_ACCEPT) | B(M_MESSAGES), 0,
                     B(M_VALID), "malformed validity flags"},
    [PEER_AGGREGATE] = {"aggregate", B(M_COMPUTE) | B(M_BATCH) | B(M_ACCEPT), B(M_LAST),
                        B(M_ACCEPTED), "a malformed aggregate answer"},
    [PEER_COUNTS] = {"counts", B(M_COMPUTE), 0, B(M_COUNTS) | B(M_ACCEPTED), "malformed counts"},
    [PEER_PREPARE] = {"prepare", B(M_COMPUTE), 0, B(M_PATTERN), "a malformed release digest"},
    [PEER_RELEASE] = {"release", B(M_COMPUTE) | B(M_PATTERN), B(M_INCOMPLETE), B(M_AGGREGATE),
                      "a malformed aggregate share"},
    [PEER_ABORT] = {"abort", B(M_COMPUTE), B(M_ERROR), 0, "a malformed answer"},
    [PEER_SEARCH] = {"search", B(M_COMPUTE) | B(M_STEP), 0, 0, "a malformed answer"},
    [PEER_PROBE] = {"probe", B(M_COMPUTE) | B(M_STEP) | B(M_PROBES), 0, B(M_VALUES),
                    "malformed probe shares"},
};

const char *peer_op_name(peer_op op)
{
    return op < PEER_OPS ? OPS[op].name : "?";
}

peer_op peer_op_find(const char *name)
{
    for (unsigned op = 0; op < PEER_OPS; op++)
        if (strcmp(OPS[op].name, name) == 0)
            return (peer_op)op;
    return PEER_OPS;
}

const char *peer_op_answer_what(peer_op op)
{
    return op < PEER_OPS ? OPS[op].answer_what : "a malformed answer";
}

static peer_blob *blob_at(peer_msg *m, const struct member *d)
{
    return (peer_blob *)(void *)((char *)m + d->offset);
}

static const peer_blob *cblob_at(const peer_msg *m, const struct member *d)
{
    return (const peer_blob *)(const void *)((const char *)m + d->offset);
}

static uint64_t *uint_at(peer_msg *m, const struct member *d)
{
    return (uint64_t *)(void *)((char *)m + d->offset);
}

static uint64_t cuint_at(const peer_msg *m, const struct member *d)
{
    return *(const uint64_t *)(const void *)((const char *)m + d->offset);
}

static int write_member(cJSON *j, const peer_msg *m, const struct member *d)
{
    const char *at = (const char *)m + d->offset;
    switch (d->kind) {
    case K_ID: {
        char hex[2 * PEER_RUN_ID_SIZE + 1];
        hex_encode((const uint8_t *)at, PEER_RUN_ID_SIZE, hex);
        return cJSON_AddStringToObject(j, d->name, hex) != NULL;
    }
    case K_UINT: return cJSON_AddNumberToObject(j, d->name, (double)cuint_at(m, d)) != NULL;
    case K_BOOL: return cJSON_AddBoolToObject(j, d->name, *(const int *)(const void *)at) != NULL;
    case K_TEXT: return cJSON_AddStringToObject(j, d->name, at) != NULL;
    case K_BLOB: {
        const peer_blob *b = cblob_at(m, d);
        return jfield_put_b64(j, d->name, b->p, b->len) == 0;
    }
    }
    return 0;
}

cJSON *peer_msg_write(peer_op op, int answer, const peer_msg *m)
{
    if (op >= PEER_OPS)
        return NULL;
    const struct op *o = &OPS[op];
    unsigned members = answer ? o->answer : o->request | o->optional;
    cJSON *j = cJSON_CreateObject();
    for (unsigned i = 0; j != NULL && i < M_COUNT; i++) {
        if (!(members & B(i)))
            continue;
        const struct member *d = &MEMBERS[i];
        int optional = !answer && (o->optional & B(i));
        if (optional && !(m->present & d->has))
            continue;
        if (!write_member(j, m, d)) {
            cJSON_Delete(j);
            j = NULL;
        }
    }
    return j;
}

/* Bytes per report of a per-report member. */
static size_t unit_of(const struct member *d, const peer_sizes *z)
{
    if (d->bytes == UNIT_VERIFIER_SHARE)
        return z->verifier_share;
    if (d->bytes == UNIT_VERIFIER_MESSAGE)
        return z->verifier_message;
    return d->bytes;
}

/* A blob member: its exact size, or (list or first per-report member)
 * any multiple of its unit up to a maximum; *n learns the batch size. */
static int read_blob(const cJSON *j, const struct member *d, const peer_sizes *z, size_t *n,
                     peer_blob *b, char *why, size_t why_size)
{
    size_t exact = 0, unit = 1, max = 0;
    switch (d->rule) {
    case S_FIXED: exact = d->bytes; break;
    case S_OUT_SHARE: exact = z->out_share; break;
    case S_PER_PARTY: exact = z->parties * d->bytes; break;
    case S_PER_REPORT:
        unit = unit_of(d, z);
        if (*n > 0)
            exact = *n * unit;
        else
            max = COMPUTE_BATCH * unit;
        break;
    case S_LIST:
        unit = d->bytes;
        max = PEER_MAX_RECORDS * unit;
        break;
    case S_NONE: return -1;
    }
    jfield_err e = jfield_get_b64(j, d->name, exact, max, &b->p, &b->len);
    if (e == JFIELD_OK && exact == 0 &&
        (b->len % unit != 0 || (d->rule == S_PER_REPORT && b->len == 0))) {
        free(b->p);
        b->p = NULL;
        e = JFIELD_INVALID;
    }
    if (e == JFIELD_OK) {
        if (d->rule == S_PER_REPORT && *n == 0)
            *n = b->len / unit;
        return 0;
    }
    if (e == JFIELD_MISSING)
        snprintf(why, why_size, "missing, or not a string");
    else if (e == JFIELD_NOMEM)
        snprintf(why, why_size, "out of memory");
    else if (d->rule == S_PER_PARTY)
        snprintf(why, why_size,
                 "must be base64 of exactly %zu bytes (%u %s of %zu bytes, one per party)", exact,
                 z->parties, d->what, d->bytes);
    else if (exact)
        snprintf(why, why_size, "must be base64 of exactly %zu bytes", exact);
    else if (d->rule == S_PER_REPORT)
        snprintf(why, why_size, "must be base64 of 1 to %d %s of %zu bytes", COMPUTE_BATCH, d->what,
                 unit);
    else
        snprintf(why, why_size, "must be base64 of at most %zu %s of %zu bytes", max / unit,
                 d->what, unit);
    return -1;
}

static int read_member(const cJSON *j, const struct member *d, const peer_sizes *z, size_t *n,
                       peer_msg *m, char *why, size_t why_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, d->name);
    char *at = (char *)m + d->offset;
    switch (d->kind) {
    case K_ID:
        if (cJSON_IsString(v) &&
            hex_decode_fixed(v->valuestring, (uint8_t *)at, PEER_RUN_ID_SIZE) == 0)
            return 0;
        snprintf(why, why_size, "must be %s", d->what);
        return -1;
    case K_UINT:
        if (jfield_uint(v, JFIELD_UINT_MAX, uint_at(m, d)) == JFIELD_OK)
            return 0;
        snprintf(why, why_size, "must be a whole number from 0 to 2^53 - 1");
        return -1;
    case K_BOOL:
        if (cJSON_IsBool(v)) {
            *(int *)(void *)at = cJSON_IsTrue(v);
            return 0;
        }
        snprintf(why, why_size, "must be true or false");
        return -1;
    case K_TEXT:
        if (cJSON_IsString(v)) {
            snprintf(at, PEER_ERROR_SIZE, "%s", v->valuestring);
            return 0;
        }
        snprintf(why, why_size, "must be a string");
        return -1;
    case K_BLOB: return read_blob(j, d, z, n, blob_at(m, d), why, why_size);
    }
    return -1;
}

int peer_msg_read(peer_op op, int answer, const cJSON *j, const peer_sizes *z, peer_msg *m,
                  char *err, size_t err_size)
{
    memset(m, 0, sizeof *m);
    m->owned = 1;
    if (op >= PEER_OPS || !cJSON_IsObject(j)) {
        snprintf(err, err_size, "the body must be a JSON object");
        return -1;
    }
    const struct op *o = &OPS[op];
    unsigned required = answer ? o->answer : o->request;
    unsigned optional = answer ? 0 : o->optional;
    size_t n = answer ? z->n : 0;
    for (unsigned i = 0; i < M_COUNT; i++) {
        const struct member *d = &MEMBERS[i];
        char why[160];
        if (!((required | optional) & B(i)))
            continue;
        if ((optional & B(i)) && cJSON_GetObjectItemCaseSensitive(j, d->name) == NULL)
            continue;
        if (read_member(j, d, z, &n, m, why, sizeof why) != 0) {
            if (answer)
                snprintf(err, err_size, "%s: %s", d->name, why);
            else
                snprintf(err, err_size, "%s: %s: %s", o->name, d->name, why);
            peer_msg_free(m);
            return -1;
        }
        if (optional & B(i))
            m->present |= d->has;
    }
    return 0;
}

void peer_msg_free(peer_msg *m)
{
    if (m->owned) {
        for (unsigned i = 0; i < M_COUNT; i++) {
            if (MEMBERS[i].kind != K_BLOB)
                continue;
            peer_blob *b = blob_at(m, &MEMBERS[i]);
            core_free_secret(b->p, b->len);
        }
    }
    core_wipe(m, sizeof *m);
}
