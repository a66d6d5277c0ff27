/*
 * storage.c - SQLite storage; see storage.h and schema/party.sql.
 */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"

/* schema/party.sql, embedded by the build. */
extern const char party_sql[];
extern const size_t party_sql_len;

/* An upload waiting for its group commit (db_report_insert). */
typedef struct pending {
    const db_report *r;
    db_err result;
    int same, done;
    struct pending *next;
} pending;

struct storage {
    sqlite3 *db;
    pthread_mutex_t lock;
    /* Group commit: uploads queue here; one thread at a time takes the
     * whole queue and stores it in one transaction (one fsync). */
    pthread_mutex_t queue_lock;
    pthread_cond_t committed;
    pending *queue, **queue_end; /* in arrival order */
    int committing;
    char path[4096];
    sqlite3_stmt *insert, *existing, *count, *current, *per_hour, *approval, *approve, *prune,
        *pages;
    uint64_t max_bytes;      /* 0: no limit */
    unsigned keep_per_token; /* 0: all */
};

static const char SQL_INSERT[] =
    "INSERT INTO reports (study_hash, report_id, token_id, client_seq, public_share, enc, "
    "ciphertext, received_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 "
    "WHERE NOT EXISTS (SELECT 1 FROM releases WHERE study_hash = ?1)";
static const char SQL_EXISTING[] =
    "SELECT token_id, client_seq, public_share, enc, ciphertext FROM reports "
    "WHERE study_hash = ? AND report_id = ?";
static const char SQL_COUNT[] =
    "SELECT COUNT(*), COALESCE(MAX(received_at), 0) FROM reports WHERE study_hash = ?";
static const char SQL_CURRENT[] =
    "SELECT COUNT(DISTINCT COALESCE(token_id, report_id)) FROM reports WHERE study_hash = ?";
static const char SQL_PER_HOUR[] =
    "SELECT received_at / 3600 * 3600 AS h, COUNT(*) FROM reports "
    "WHERE study_hash = ? AND received_at >= ? GROUP BY h ORDER BY h";
static const char SQL_PRUNE[] =
    "DELETE FROM reports WHERE study_hash = ?1 AND token_id = ?2 AND id NOT IN "
    "(SELECT id FROM reports WHERE study_hash = ?1 AND token_id = ?2 "
    "ORDER BY client_seq DESC, id DESC LIMIT ?3)";
static const char SQL_PAGES[] =
    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";
static const char SQL_APPROVAL[] = "SELECT approved_at FROM approvals WHERE study_hash = ?";
static const char SQL_APPROVE[] =
    "INSERT OR IGNORE INTO approvals (study_hash, approved_at, approved_by) VALUES (?, ?, ?)";

#define MIGRATION "-- migration "

/* The next line from p on that starts a migration ("-- migration N"). */
static const char *next_migration(const char *p)
{
    for (; (p = strstr(p, MIGRATION)) != NULL; p++) {
        const char *digit = p + strlen(MIGRATION);
        if ((p == party_sql || p[-1] == '\n') && *digit >= '1' && *digit <= '9')
            return p;
    }
    return NULL;
}

/* Runs the migrations of schema/party.sql above the database's version. */
static int migrate(sqlite3 *db, char *err, size_t err_size)
{
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);

    int latest = 0;
    const char *p = next_migration(party_sql);
    while (p != NULL) {
        int n = atoi(p + strlen(MIGRATION));
        const char *next = next_migration(p + 1);
        size_t len = next ? (size_t)(next - p) : strlen(p);
        if (n != latest + 1) {
            snprintf(err, err_size, "schema/party.sql: migration %d out of order", n);
            return -1;
        }
        latest = n;
        if (n > version) {
            char *sql = malloc(len + 200);
            if (sql == NULL)
                return -1;
            int k = snprintf(sql, len + 200,
                             "BEGIN IMMEDIATE;\n%.*s\nPRAGMA user_version = %d;\nCOMMIT;", (int)len,
                             p, n);
            char *msg = NULL;
            int rc = k > 0 ? sqlite3_exec(db, sql, NULL, NULL, &msg) : SQLITE_ERROR;
            free(sql);
            if (rc != SQLITE_OK) {
                snprintf(err, err_size, "database migration %d failed: %s", n,
                         msg ? msg : sqlite3_errstr(rc));
                sqlite3_free(msg);
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                return -1;
            }
        }
        p = next;
    }
    if (version > latest) {
        snprintf(err, err_size,
                 "the database was written by a newer version of mpc-party (schema %d, this one "
                 "knows %d); upgrade mpc-party",
                 version, latest);
        return -1;
    }
    return 0;
}

int db_open(const char *path, storage **out, char *err, size_t err_size)
{
    *out = NULL;
    storage *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->queue_lock, NULL);
    pthread_cond_init(&s->committed, NULL);
    /* Create the file with mode 0600 before SQLite does (its WAL and shm
     * files take the database file's mode). */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
        db_close(s);
        return -1;
    }
    close(fd);
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db,
                          "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                          "PRAGMA foreign_keys = ON;",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(s->db, 10000);
    if (rc != SQLITE_OK) {
        snprintf(err, err_size, "cannot open the database %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        db_close(s);
        return -1;
    }
    if (migrate(s->db, err, err_size) != 0) {
        db_close(s);
        return -1;
    }
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } stmts[] = {
        {&s->insert, SQL_INSERT},   {&s->existing, SQL_EXISTING}, {&s->count, SQL_COUNT},
        {&s->current, SQL_CURRENT}, {&s->per_hour, SQL_PER_HOUR}, {&s->approval, SQL_APPROVAL},
        {&s->approve, SQL_APPROVE}, {&s->prune, SQL_PRUNE},       {&s->pages, SQL_PAGES}};
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        if (sqlite3_prepare_v3(s->db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, stmts[i].st,
                               NULL) != SQLITE_OK) {
            snprintf(err, err_size, "database error: %s", sqlite3_errmsg(s->db));
            db_close(s);
            return -1;
        }
    *out = s;
    return 0;
}

void db_close(storage *s)
{
    if (s == NULL)
        return;
    sqlite3_stmt *all[] = {s->insert,   s->existing, s->count, s->current, s->per_hour,
                           s->approval, s->approve,  s->prune, s->pages};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->queue_lock);
    pthread_cond_destroy(&s->committed);
    free(s);
}

static int blob_eq(sqlite3_stmt *st, int col, const uint8_t *p, size_t n)
{
    if (p == NULL)
        return sqlite3_column_type(st, col) == SQLITE_NULL;
    return (size_t)sqlite3_column_bytes(st, col) == n &&
           memcmp(sqlite3_column_blob(st, col), p, n) == 0;
}

#define INSERT_CLOSED (-1) /* not an SQLite code: the study was released here */

/* One INSERT of r (none once the study is released: the same statement
 * checks, so no report arrives after the release); SQLITE_DONE,
 * INSERT_CLOSED, or SQLite's extended error code. Lock held. */
static int insert_one(storage *s, const db_report *r)
{
    sqlite3_stmt *st = s->insert;
    sqlite3_bind_blob(st, 1, r->study_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->report_id, 16, SQLITE_STATIC);
    if (r->token_id != NULL)
        sqlite3_bind_blob(st, 3, r->token_id, 16, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)r->seq);
    sqlite3_bind_blob(st, 5, r->public_share, (int)r->public_share_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, r->enc, (int)r->enc_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, r->ciphertext, (int)r->ciphertext_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, r->received_at);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        rc = sqlite3_extended_errcode(s->db);
    else if (sqlite3_changes(s->db) == 0)
        rc = INSERT_CLOSED;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Deletes the reports of r's token beyond the latest keep_per_token.
 * SQLITE_DONE or SQLite's error code. Lock held. */
static int prune_token(storage *s, const db_report *r)
{
    if (r->token_id == NULL || s->keep_per_token == 0)
        return SQLITE_DONE;
    sqlite3_stmt *st = s->prune;
    sqlite3_bind_blob(st, 1, r->study_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->token_id, 16, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)s->keep_per_token);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        rc = sqlite3_extended_errcode(s->db);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* 1 if the database holds max_bytes or more. Lock held. */
static int over_limit(storage *s)
{
    if (s->max_bytes == 0)
        return 0;
    int over = sqlite3_step(s->pages) != SQLITE_ROW ||
               (uint64_t)sqlite3_column_int64(s->pages, 0) >= s->max_bytes;
    sqlite3_reset(s->pages);
    return over;
}

void db_set_limits(storage *s, uint64_t max_bytes, unsigned keep_per_token)
{
    s->max_bytes = max_bytes;
    s->keep_per_token = keep_per_token;
}

/* Whether the stored report with r's id is byte-identical to r. Lock held. */
static int stored_same(storage *s, const db_report *r)
{
    sqlite3_stmt *st = s->existing;
    sqlite3_bind_blob(st, 1, r->study_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->report_id, 16, SQLITE_STATIC);
    int same = sqlite3_step(st) == SQLITE_ROW && blob_eq(st, 0, r->token_id, 16) &&
               (uint64_t)sqlite3_column_int64(st, 1) == r->seq &&
               blob_eq(st, 2, r->public_share, r->public_share_len) &&
               blob_eq(st, 3, r->enc, r->enc_len) &&
               blob_eq(st, 4, r->ciphertext, r->ciphertext_len);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return same;
}

/* Stores the queued uploads from batch on in one transaction, each with
 * its own outcome: a report id already stored or a released study refuses
 * that upload only (SQLite rolls back the statement, not the transaction);
 * any other error, or a failed COMMIT, fails them all and stores none. */
static void commit_batch(storage *s, pending *batch)
{
    pthread_mutex_lock(&s->lock);
    int full = over_limit(s);
    int ok = !full && sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    for (pending *p = batch; p != NULL && ok; p = p->next) {
        int rc = insert_one(s, p->r);
        p->same = 0;
        if (rc == SQLITE_DONE && (rc = prune_token(s, p->r)) != SQLITE_DONE)
            ok = 0, full = (rc & 0xff) == SQLITE_FULL;
        else if (rc == SQLITE_DONE)
            p->result = DB_OK;
        else if (rc == INSERT_CLOSED)
            p->result = DB_CLOSED;
        else if (rc == SQLITE_CONSTRAINT_UNIQUE) {
            p->result = DB_EXISTS;
            p->same = stored_same(s, p->r);
        } else {
            ok = 0;
            full = (rc & 0xff) == SQLITE_FULL;
        }
    }
    if (ok && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        ok = 0;
        full = sqlite3_errcode(s->db) == SQLITE_FULL;
    }
    if (!ok) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        for (pending *p = batch; p != NULL; p = p->next) {
            p->result = full ? DB_FULL : DB_ERROR;
            p->same = 0;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

db_err db_report_insert(storage *s, const db_report *r, int *same)
{
    pending me = {.r = r, .result = DB_ERROR};
    pthread_mutex_lock(&s->queue_lock);
    if (s->queue == NULL)
        s->queue_end = &s->queue;
    *s->queue_end = &me;
    s->queue_end = &me.next;
    while (!me.done) {
        if (s->committing) {
            pthread_cond_wait(&s->committed, &s->queue_lock);
            continue;
        }
        /* Commit what has queued up, this upload included, while the
         * uploads that arrive meanwhile queue for the next commit. */
        pending *batch = s->queue;
        s->queue = NULL;
        s->committing = 1;
        pthread_mutex_unlock(&s->queue_lock);
        commit_batch(s, batch);
        pthread_mutex_lock(&s->queue_lock);
        for (pending *p = batch; p != NULL; p = p->next)
            p->done = 1;
        s->committing = 0;
        pthread_cond_broadcast(&s->committed);
    }
    pthread_mutex_unlock(&s->queue_lock);
    *same = me.same;
    return me.result;
}

db_err db_report_insert_all(storage *s, const db_report *r, size_t n)
{
    pthread_mutex_lock(&s->lock);
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? SQLITE_DONE
                                                                                   : SQLITE_ERROR;
    for (size_t i = 0; i < n && rc == SQLITE_DONE; i++)
        rc = insert_one(s, &r[i]);
    if (rc == SQLITE_DONE && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = SQLITE_ERROR;
    if (rc != SQLITE_DONE)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->lock);
    return rc == SQLITE_DONE                ? DB_OK
           : rc == SQLITE_CONSTRAINT_UNIQUE ? DB_EXISTS
           : rc == INSERT_CLOSED            ? DB_CLOSED
                                            : DB_ERROR;
}

db_err db_report_counts(storage *s, const uint8_t *study_hash, db_counts *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->lock);
    db_err e = DB_ERROR;
    sqlite3_bind_blob(s->count, 1, study_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(s->current, 1, study_hash, 32, SQLITE_STATIC);
    if (sqlite3_step(s->count) == SQLITE_ROW && sqlite3_step(s->current) == SQLITE_ROW) {
        out->received = (uint64_t)sqlite3_column_int64(s->count, 0);
        out->last_upload = sqlite3_column_int64(s->count, 1);
        out->current = (uint64_t)sqlite3_column_int64(s->current, 0);
        e = DB_OK;
    }
    sqlite3_reset(s->count);
    sqlite3_reset(s->current);
    pthread_mutex_unlock(&s->lock);
    return e;
}

db_err db_report_per_hour(storage *s, const uint8_t *study_hash, int64_t since, int64_t *hours,
                          uint64_t *counts, size_t max, size_t *n)
{
    *n = 0;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = s->per_hour;
    sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        hours[*n] = sqlite3_column_int64(st, 0);
        counts[*n] = (uint64_t)sqlite3_column_int64(st, 1);
        (*n)++;
    }
    sqlite3_reset(st);
    pthread_mutex_unlock(&s->lock);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

uint64_t db_size(storage *s)
{
    uint64_t total = 0;
    struct stat st;
    char wal[4096 + 8];
    if (stat(s->path, &st) == 0)
        total += (uint64_t)st.st_size;
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    if (stat(wal, &st) == 0)
        total += (uint64_t)st.st_size;
    return total;
}

db_err db_approval_get(storage *s, const uint8_t *study_hash, int *approved, int64_t *at)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = s->approval;
    sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *approved = rc == SQLITE_ROW;
    *at = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    pthread_mutex_unlock(&s->lock);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

db_err db_approve(storage *s, const uint8_t *study_hash, int64_t at, const char *by)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = s->approve;
    sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->lock);
    return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

/* ---- the compute (rare statements: prepared when used) ------------------- */

static sqlite3_stmt *prepare(storage *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

static void copy_blob(sqlite3_stmt *st, int col, uint8_t *out, size_t n)
{
    memset(out, 0, n);
    if ((size_t)sqlite3_column_bytes(st, col) == n)
        memcpy(out, sqlite3_column_blob(st, col), n);
}

db_err db_report_keys(storage *s, const uint8_t *study_hash, db_report_key **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prepare(s, "SELECT report_id, token_id, client_seq FROM reports "
                                  "WHERE study_hash = ? ORDER BY report_id");
    db_err e = DB_ERROR;
    buf keys = BUF_INIT(DB_MAX_REPORTS * sizeof(db_report_key));
    if (st != NULL) {
        sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
        int rc;
        e = DB_OK;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            db_report_key *k = buf_grow(&keys, sizeof *k);
            if (k == NULL) {
                e = DB_ERROR;
                break;
            }
            (*n)++;
            copy_blob(st, 0, k->report_id, 16);
            k->has_token = sqlite3_column_type(st, 1) != SQLITE_NULL;
            copy_blob(st, 1, k->token_id, 16);
            k->seq = (uint64_t)sqlite3_column_int64(st, 2);
        }
        if (rc != SQLITE_DONE)
            e = DB_ERROR;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    if (e == DB_OK)
        *out = (db_report_key *)(void *)buf_take(&keys, NULL);
    buf_free(&keys);
    if (e == DB_OK && *out == NULL)
        e = DB_ERROR;
    if (e != DB_OK)
        *n = 0;
    return e;
}

static uint8_t *dup_blob(sqlite3_stmt *st, int col, size_t *len)
{
    *len = (size_t)sqlite3_column_bytes(st, col);
    uint8_t *p = malloc(*len ? *len : 1);
    if (p != NULL && *len)
        memcpy(p, sqlite3_column_blob(st, col), *len);
    return p;
}

db_err db_report_get(storage *s, const uint8_t *study_hash, const uint8_t report_id[16],
                     db_report_data *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = s->existing;
    sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, report_id, 16, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    db_err e = rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_MISSING : DB_ERROR;
    if (e == DB_OK) {
        memcpy(out->key.report_id, report_id, 16);
        out->key.has_token = sqlite3_column_type(st, 0) != SQLITE_NULL;
        copy_blob(st, 0, out->key.token_id, 16);
        out->key.seq = (uint64_t)sqlite3_column_int64(st, 1);
        out->public_share = dup_blob(st, 2, &out->public_share_len);
        out->enc = dup_blob(st, 3, &out->enc_len);
        out->ciphertext = dup_blob(st, 4, &out->ciphertext_len);
        if (!out->public_share || !out->enc || !out->ciphertext)
            e = DB_ERROR;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->lock);
    if (e != DB_OK)
        db_report_data_free(out);
    return e;
}

void db_report_data_free(db_report_data *d)
{
    free(d->public_share);
    free(d->enc);
    free(d->ciphertext);
    memset(d, 0, sizeof *d);
}

db_err db_compute_key_get(storage *s, const uint8_t *study_hash, uint8_t enc[32], uint8_t ct[48])
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prepare(s, "SELECT enc, ciphertext FROM compute_keys WHERE study_hash = ?");
    db_err e = DB_ERROR;
    if (st != NULL) {
        sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        e = rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_MISSING : DB_ERROR;
        if (e == DB_OK) {
            copy_blob(st, 0, enc, 32);
            copy_blob(st, 1, ct, 48);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return e;
}

db_err db_compute_key_put(storage *s, const uint8_t *study_hash, const uint8_t enc[32],
                          const uint8_t ct[48])
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prepare(s, "INSERT OR IGNORE INTO compute_keys (study_hash, enc, "
                                  "ciphertext) VALUES (?, ?, ?)");
    db_err e = DB_ERROR;
    if (st != NULL) {
        sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, enc, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, ct, 48, SQLITE_STATIC);
        e = sqlite3_step(st) == SQLITE_DONE ? DB_OK : DB_ERROR;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return e;
}

/* The runs so far, with s->lock held. */
static db_err search_runs(storage *s, const uint8_t *study_hash, uint64_t *runs)
{
    *runs = 0;
    sqlite3_stmt *st = prepare(s, "SELECT runs FROM searches WHERE study_hash = ?");
    if (st == NULL)
        return DB_ERROR;
    sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *runs = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

db_err db_search_runs(storage *s, const uint8_t *study_hash, uint64_t *runs)
{
    pthread_mutex_lock(&s->lock);
    db_err e = search_runs(s, study_hash, runs);
    pthread_mutex_unlock(&s->lock);
    return e;
}

db_err db_search_begin(storage *s, const uint8_t *study_hash, uint64_t max, uint64_t *runs)
{
    pthread_mutex_lock(&s->lock);
    db_err e = search_runs(s, study_hash, runs);
    if (e == DB_OK && *runs >= max) {
        *runs = max;
        e = DB_FULL;
    } else if (e == DB_OK) {
        sqlite3_stmt *st = prepare(s, "INSERT INTO searches (study_hash, runs) VALUES (?, 1) "
                                      "ON CONFLICT (study_hash) DO UPDATE SET runs = runs + 1");
        e = DB_ERROR;
        if (st != NULL) {
            sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
            e = sqlite3_step(st) == SQLITE_DONE ? DB_OK : DB_ERROR;
        }
        sqlite3_finalize(st);
        if (e == DB_OK)
            (*runs)++;
    }
    pthread_mutex_unlock(&s->lock);
    return e;
}

db_err db_release_get(storage *s, const uint8_t *study_hash, db_release *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prepare(s, "SELECT released_at, accepted, rejected, incomplete, result, "
                                  "share_digest FROM releases WHERE study_hash = ?");
    db_err e = DB_ERROR;
    if (st != NULL) {
        sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        e = rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_MISSING : DB_ERROR;
        if (e == DB_OK) {
            out->released_at = sqlite3_column_int64(st, 0);
            out->accepted = (uint64_t)sqlite3_column_int64(st, 1);
            out->rejected = (uint64_t)sqlite3_column_int64(st, 2);
            out->incomplete = (uint64_t)sqlite3_column_int64(st, 3);
            const unsigned char *text = sqlite3_column_text(st, 4);
            if (text != NULL && (out->result = strdup((const char *)text)) == NULL)
                e = DB_ERROR;
            if (sqlite3_column_bytes(st, 5) == 32) {
                memcpy(out->share_digest, sqlite3_column_blob(st, 5), 32);
                out->has_digest = 1;
            }
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return e;
}

db_err db_release_put(storage *s, const uint8_t *study_hash, const db_release *r)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prepare(s, "INSERT INTO releases (study_hash, released_at, accepted, "
                                  "rejected, incomplete, result, share_digest) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)");
    db_err e = DB_ERROR;
    if (st != NULL) {
        sqlite3_bind_blob(st, 1, study_hash, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, r->released_at);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)r->accepted);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)r->rejected);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)r->incomplete);
        if (r->result != NULL)
            sqlite3_bind_text(st, 6, r->result, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
        if (r->has_digest)
            sqlite3_bind_blob(st, 7, r->share_digest, 32, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 7);
        int rc = sqlite3_step(st);
        e = rc == SQLITE_DONE                                                 ? DB_OK
            : sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY ? DB_EXISTS
                                                                              : DB_ERROR;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return e;
}
