/*
 * peer_msg.h - the messages of the compute protocol between parties
 * (POST /api/peer/compute/OP, docs/COMPUTE.md): one typed struct for every
 * request and answer, and the one codec that writes and reads them, used
 * by the leader (requests out, answers in) and the helpers (requests in,
 * answers out). Each member's JSON name, type and size rule is written
 * once, in peer_msg.c's member table; each operation's request and answer
 * members once, in its operation table.
 *
 * Sizes: a member that carries one item per report of the batch (report
 * ids, flags, verifier shares and messages) holds 1 to COMPUTE_BATCH
 * items. The batch size n is known to the leader reading an answer
 * (peer_sizes.n); a helper reading a request learns it from the request's
 * first per-report member (`reports` or `accept`), and every other
 * per-report member must then match it. A member with one item per party
 * of the study (`approvals`) holds exactly peer_sizes.parties items.
 */
#ifndef MPC_PEER_MSG_H
#define MPC_PEER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define PEER_RUN_ID_SIZE 16
#define PEER_ERROR_SIZE 600
/* A report in a report list: id 16, token id 16, seq 8 (big endian). */
#define PEER_RECORD 40
/* The release digest: SHA-256 of the combined counts and of which units
 * are withheld (share_prepare), on which the parties agree. */
#define PEER_PATTERN_SIZE 32
#define PEER_MAX_RECORDS (((size_t)64 << 20) / PEER_RECORD)
/* The digest of a step's probes (share.c), and the size of a probe's share. */
#define PEER_PROBES_SIZE 32
#define PEER_VALUE_SIZE 16

typedef enum peer_op {
    PEER_START,     /* every party's approval, the verification key; answer: the reports held */
    PEER_VERIFY,    /* a batch's report ids; answer: usable flags, verifier shares */
    PEER_COMMIT,    /* accept flags and verifier messages; answer: validity */
    PEER_AGGREGATE, /* the reports every party found valid; answer: how many added */
    PEER_COUNTS,    /* answer: this party's counts share (from any party) */
    PEER_PREPARE,   /* fetch the counts, decide what is withheld; answer: its digest */
    PEER_RELEASE,   /* the leader's digest; answer: the prepared aggregate share */
    PEER_ABORT,     /* the run stops (with the leader's reason) */
    PEER_SEARCH,    /* a step of the quantiles' search: fetch every party's probes, open them */
    PEER_PROBE,     /* a step and its probes' digest; answer: this party's shares of them */
    PEER_OPS
} peer_op;

/* A byte string member: owned by the message after a parse, borrowed
 * from the caller when the message is written. */
typedef struct peer_blob {
    uint8_t *p;
    size_t len;
} peer_blob;

/* Every member a compute message may carry; each operation uses some
 * (peer_msg.c). Numbers are whole numbers from 0 to 2^53 - 1. */
typedef struct peer_msg {
    uint8_t compute[PEER_RUN_ID_SIZE]; /* the run (32 hex digits) */
    uint64_t batch, total, incomplete, accepted;
    uint64_t step;               /* search, probe: the step of the quantiles' search */
    int last;                    /* aggregate: the last batch */
    char error[PEER_ERROR_SIZE]; /* abort: why */
    peer_blob enc, key;          /* start: the sealed verification key */
    peer_blob approvals;         /* start: every party's approval statement, in party order */
    peer_blob reports;           /* verify: report ids, 16 bytes each */
    peer_blob held;              /* start's answer: PEER_RECORD records */
    peer_blob ok, shares;        /* verify's answer: a flag, a verifier share per report */
    peer_blob accept, messages;  /* commit: flag, verifier message per report; aggregate: flags */
    peer_blob valid;             /* commit's answer: a flag per report */
    peer_blob counts, aggregate; /* counts', release's answer: an output share */
    peer_blob pattern;           /* prepare's answer, release: the release digest (32 bytes) */
    peer_blob probes;            /* probe: the digest of the step's probes (32 bytes) */
    peer_blob values;            /* probe's answer: a share per probe (16 bytes each) */
    unsigned present;            /* (parsed: which optional members were there) */
    int owned;                   /* (the blobs belong to the message: peer_msg_free) */
} peer_msg;

/* The study's sizes the codec checks blobs against. */
typedef struct peer_sizes {
    size_t verifier_share, verifier_message, out_share;
    size_t n;         /* reports in the batch when known (the leader), else 0 */
    unsigned parties; /* the study's parties */
} peer_sizes;

/* Optional members (peer_msg.present). */
#define PEER_HAS_TOTAL (1u << 0)
#define PEER_HAS_INCOMPLETE (1u << 1)
#define PEER_HAS_LAST (1u << 2)
#define PEER_HAS_ERROR (1u << 3)

/* The operation's name ("verify"): its path is /api/peer/compute/NAME. */
const char *peer_op_name(peer_op op);

/* The operation named name, or PEER_OPS. */
peer_op peer_op_find(const char *name);

/* What a helper's answer to op that cannot be read is, for messages:
 * "malformed verifier shares". */
const char *peer_op_answer_what(peer_op op);

/* Writes op's request (answer 0) or answer (answer 1) from m: a new JSON
 * object (cJSON_Delete), or NULL if out of memory. Blobs are borrowed. */
cJSON *peer_msg_write(peer_op op, int answer, const peer_msg *m);

/* Reads op's request or answer from j into *m (zeroed first): 0, or -1
 * with err saying which member is missing or wrong ("verify: reports:
 * ..." for a request, "shares: ..." for an answer; m then holds nothing
 * to free). On success free it with peer_msg_free. */
int peer_msg_read(peer_op op, int answer, const cJSON *j, const peer_sizes *z, peer_msg *m,
                  char *err, size_t err_size);

/* Frees (wiping) what peer_msg_read allocated; accepts a written message
 * (nothing is freed) and a zeroed one. */
void peer_msg_free(peer_msg *m);

#endif
