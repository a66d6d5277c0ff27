/*
 * storage.h - the party's SQLite database (schema/party.sql): reports as
 * received (input shares still HPKE-encrypted) and approvals. The only
 * module that includes sqlite3.h. WAL mode with synchronous=FULL: a
 * function that returned DB_OK for a write has made it durable (it
 * survives kill -9 and power loss).
 *
 * Thread-safe: one connection, serialized by a mutex; uploads stored
 * meanwhile by other threads share one commit (db_report_insert).
 */
#ifndef MPC_STORAGE_H
#define MPC_STORAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct storage storage;

typedef enum db_err {
    DB_OK = 0,
    DB_EXISTS,  /* a report with this id is already stored */
    DB_MISSING, /* no such row */
    DB_CLOSED,  /* a report for a study released here: not stored */
    DB_FULL,    /* the database reached its size limit (or the disk is full) */
    DB_ERROR    /* SQLite failed (I/O error, ...) */
} db_err;

/* Opens (creating with mode 0600 if needed) and migrates the database.
 * Returns 0, or -1 with a message in err (also for a database written by
 * a newer version). */
int db_open(const char *path, storage **out, char *err, size_t err_size);

/* Closes db; accepts NULL. */
void db_close(storage *db);

typedef struct db_report {
    const uint8_t *study_hash; /* 32 bytes */
    const uint8_t *report_id;  /* 16 bytes */
    const uint8_t *token_id;   /* 16 bytes or NULL */
    uint64_t seq;
    const uint8_t *public_share;
    size_t public_share_len;
    const uint8_t *enc;
    size_t enc_len;
    const uint8_t *ciphertext;
    size_t ciphertext_len;
    int64_t received_at;
} db_report;

/* Stores a report durably: it returns once the report is committed, in
 * one transaction with the uploads other threads store meanwhile (group
 * commit: one fsync for all). DB_EXISTS if its id is already stored for the
 * study; *same is then 1 if the stored report is byte-identical (a
 * client's retry), else 0. DB_CLOSED (nothing stored) once the study was
 * released here (db_release_put): no report arrives after a release. */
db_err db_report_insert(storage *db, const db_report *r, int *same);

/* Limits of db_report_insert (db_report_insert_all, used by the tests'
 * fixtures, has none): DB_FULL once the database holds max_bytes or more
 * (0: no limit); and of a token's reports only the keep_per_token with the
 * highest sequence numbers are kept, the older ones deleted in the same
 * transaction (0: all kept). Call before any insert. */
void db_set_limits(storage *db, uint64_t max_bytes, unsigned keep_per_token);

/* Stores n reports durably in one transaction: all or none (DB_EXISTS if
 * one's id is already stored, DB_CLOSED if the study was released). */
db_err db_report_insert_all(storage *db, const db_report *r, size_t n);

typedef struct db_counts {
    uint64_t received;   /* rows */
    uint64_t current;    /* latest per token (every row for open studies) */
    int64_t last_upload; /* unix seconds, 0 if none */
} db_counts;

db_err db_report_counts(storage *db, const uint8_t *study_hash, db_counts *out);

/* Uploads per hour since `since` (unix seconds): up to max (hour start,
 * count) pairs in time order; *n is the number written. */
db_err db_report_per_hour(storage *db, const uint8_t *study_hash, int64_t since, int64_t *hours,
                          uint64_t *counts, size_t max, size_t *n);

/* Bytes used by the database and its WAL. */
uint64_t db_size(storage *db);

/* Approval of a study hash: *approved 0/1 and when. */
db_err db_approval_get(storage *db, const uint8_t *study_hash, int *approved, int64_t *at);

/* Records the approval (idempotent: the first one stays). */
db_err db_approve(storage *db, const uint8_t *study_hash, int64_t at, const char *by);

/* ---- the compute ------------------------------------------------------- */

/* What identifies a stored report in the report set. */
typedef struct db_report_key {
    uint8_t report_id[16];
    uint8_t token_id[16]; /* zeros when none */
    int has_token;
    uint64_t seq;
} db_report_key;

/* The most reports of one study db_report_keys lists. */
#define DB_MAX_REPORTS ((size_t)1 << 22)

/* Every report of the study (new array in *out, free with free()). */
db_err db_report_keys(storage *db, const uint8_t *study_hash, db_report_key **out, size_t *n);

/* A stored report with its blobs (free with db_report_data_free). */
typedef struct db_report_data {
    db_report_key key;
    uint8_t *public_share, *enc, *ciphertext;
    size_t public_share_len, enc_len, ciphertext_len;
} db_report_data;

db_err db_report_get(storage *db, const uint8_t *study_hash, const uint8_t report_id[16],
                     db_report_data *out);
void db_report_data_free(db_report_data *d);

/* The study's verification key, sealed to this party (enc 32 bytes,
 * ciphertext 48 bytes): DB_MISSING if none yet. put keeps the first. */
db_err db_compute_key_get(storage *db, const uint8_t *study_hash, uint8_t enc[32], uint8_t ct[48]);
db_err db_compute_key_put(storage *db, const uint8_t *study_hash, const uint8_t enc[32],
                          const uint8_t ct[48]);

typedef struct db_release {
    int64_t released_at;
    uint64_t accepted, rejected, incomplete;
    char *result; /* JSON text or NULL (free with free()) */
    int has_digest;
    uint8_t share_digest[32]; /* SHA-256 of the share released (if has_digest) */
} db_release;

/* A new run of the study's search for medians and quartiles, unless this
 * party already took part in `max`: DB_OK with *runs the runs so far, this
 * one included; DB_FULL with *runs = max (nothing changes). */
db_err db_search_begin(storage *db, const uint8_t *study_hash, uint64_t max, uint64_t *runs);
/* The runs so far (0 before the first). */
db_err db_search_runs(storage *db, const uint8_t *study_hash, uint64_t *runs);

/* DB_MISSING if the study was not released. */
db_err db_release_get(storage *db, const uint8_t *study_hash, db_release *out);
/* DB_EXISTS if it was released already (nothing changes). */
db_err db_release_put(storage *db, const uint8_t *study_hash, const db_release *r);

#endif
