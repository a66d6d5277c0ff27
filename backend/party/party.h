/*
 * party.h - the state of one running party server, shared by its modules
 * (server, handlers, peers). Set up by main.c before the server starts;
 * read-only afterwards except where a field says otherwise.
 */
#ifndef MPC_PARTY_H
#define MPC_PARTY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "keys.h"
#include "ratelimit.h"
#include "storage.h"
#include "study.h"

#define PARTY_VERSION "0.4.0"
#define PARTY_DB_FILE "party.db"
#define PARTY_MAX_ORIGIN 256
/* Of one token's submissions a party keeps the latest few (the compute
 * takes the latest; the older ones are deleted as new ones arrive). */
#define PARTY_KEEP_PER_TOKEN 5
/* A page's Content-Security-Policy: the fixed part and every origin. */
#define PARTY_CSP_SIZE (512 + STUDY_MAX_PARTIES * PARTY_MAX_ORIGIN)

typedef struct peers peers;
typedef struct compute compute;

typedef struct party_app {
    const char *dir;
    study *study;
    char *study_text; /* the sealed file as served by GET /api/study */
    size_t study_len;
    char study_hash_hex[2 * STUDY_HASH_SIZE + 1];
    unsigned self; /* this party's index in the study */
    party_keys keys;
    storage *db;
    auth *auth;
    peers *peers;
    compute *compute; /* the compute protocol (compute.c) */
    int tls;
    int64_t started_at;
    /* Limits. */
    size_t max_body;        /* any request body */
    size_t max_upload_body; /* POST /api/reports: from the study's sizes */
    unsigned max_uploads;   /* uploads being stored at once (bodies complete) */
    ratelimit *upload_rate; /* uploads per client address */
    unsigned deadline;      /* seconds for a request's headers and body */
    long peer_timeout_ms;   /* one request to another party during the compute */
    unsigned max_searches;  /* runs of a study's quantiles' search (db_search_begin) */
    atomic_uint uploads;    /* in flight (changes) */
    atomic_uint deferred;   /* replies being made off the request threads (changes) */
    /* CORS: the parties' origins (scheme://host[:port]). */
    char origins[STUDY_MAX_PARTIES][PARTY_MAX_ORIGIN];
} party_app;

/* Unix time in seconds. */
int64_t party_now(void);

/* A monotonic clock in milliseconds (deadlines, rates). */
int64_t party_mono_ms(void);

/* ISO 8601 UTC ("2026-11-23T10:00:00Z") of t into out[21]. */
void party_iso_time(int64_t t, char out[21]);

#endif
