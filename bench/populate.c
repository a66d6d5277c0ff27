/*
 * populate.c - the data of the compute benchmark (bench/compute.mjs): every
 * row of a CSV of answers (scripts/synthetic.mjs) made into a submission by
 * the core (submission_build, as the browser and `mpc submit` do) and
 * stored straight into every party's database, as each party's server
 * would store its upload (same columns, same storage code); and the same
 * rows in the clear into a SQLite table, for the plaintext baseline.
 *
 *   populate SEALED.json ANSWERS.csv CLEAR.db PARTY_DIR...
 *       (one PARTY_DIR per party, in the study's order). Each row gets a
 *       random report id and, for token studies, a random token id (no
 *       signature: the compute does not read it). Prints
 *       {"reports": N, "seconds": S} (S: the time to build and store).
 *   populate --plaintext CLEAR.db
 *       the pay-equity statistics (docs/DESIGN.md, section 5) computed in the clear
 *       by SQLite from CLEAR.db: prints {"rows": N, "seconds": S, "cells":
 *       C} (S: the queries' time).
 *
 * Uploads are built on every core (one thread each) and stored 500 at a
 * time per party, in one transaction each.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "csvread.h"
#include "figures.h"
#include "hex.h"
#include "hpke.h"
#include "party.h"
#include "random.h"
#include "sealed.h"
#include "storage.h"
#include "submission.h"

#define CHUNK 500
#define MAX_ROWS 1000000
#define MAX_THREADS 16

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "populate: %s: %s\n", what, why);
    return 1;
}

/* ---- the answers ------------------------------------------------------------ */

typedef struct answers {
    const study *s;
    size_t fields, meas_count;
    int column[STUDY_MAX_FIELDS]; /* the CSV column of each field */
    buf encoded;                  /* the rows' measurements (meas points into it) */
    uint64_t *meas;               /* meas_count per row */
    size_t n;
    sqlite3_stmt *clear; /* INSERT into the clear table */
} answers;

static int read_row(void *ctx, size_t number, char **values, size_t n, char *err, size_t err_size)
{
    answers *r = ctx;
    if (number == 1) {
        for (size_t f = 0; f < r->fields; f++) {
            r->column[f] = -1;
            for (size_t c = 0; c < n; c++)
                if (strcmp(values[c], study_field_name(r->s, f)) == 0)
                    r->column[f] = (int)c;
            if (r->column[f] < 0) {
                snprintf(err, err_size, "no column %s", study_field_name(r->s, f));
                return -1;
            }
        }
        return 0;
    }
    if (r->n == MAX_ROWS) {
        snprintf(err, err_size, "more than %d rows", MAX_ROWS);
        return -1;
    }
    uint64_t *m = buf_grow(&r->encoded, r->meas_count * sizeof *m);
    if (m == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    r->meas = (uint64_t *)(void *)r->encoded.p;
    const char *texts[STUDY_MAX_FIELDS];
    for (size_t f = 0; f < r->fields; f++)
        texts[f] = (size_t)r->column[f] < n ? values[r->column[f]] : "";
    char msg[300];
    if (study_encode_texts(r->s, texts, m, msg, sizeof msg) != CORE_OK) {
        snprintf(err, err_size, "row %zu: %s", number, msg);
        return -1;
    }
    for (size_t f = 0; f < r->fields; f++)
        sqlite3_bind_text(r->clear, (int)f + 1, texts[f], -1, SQLITE_STATIC);
    int rc = sqlite3_step(r->clear);
    sqlite3_reset(r->clear);
    if (rc != SQLITE_DONE) {
        snprintf(err, err_size, "the clear table: %s", sqlite3_errstr(rc));
        return -1;
    }
    r->n++;
    return 0;
}

/* Reads the CSV into r and its rows (values as given, NUMERIC affinity)
 * into CLEAR.db's table answers, one column per field. */
static int read_answers(answers *r, const char *csv, const char *clear_path)
{
    sqlite3 *db = NULL;
    char sql[4096], err[512];
    int len = snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS answers; CREATE TABLE answers (");
    for (size_t f = 0; f < r->fields; f++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s\"%s\" NUMERIC", f ? ", " : "",
                        study_field_name(r->s, f));
    snprintf(sql + len, sizeof sql - (size_t)len, "); BEGIN;");
    if (sqlite3_open(clear_path, &db) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(clear_path, sqlite3_errmsg(db));
    len = snprintf(sql, sizeof sql, "INSERT INTO answers VALUES (");
    for (size_t f = 0; f < r->fields; f++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s?", f ? ", " : "");
    snprintf(sql + len, sizeof sql - (size_t)len, ")");
    if (sqlite3_prepare_v2(db, sql, -1, &r->clear, NULL) != SQLITE_OK)
        return fail(clear_path, sqlite3_errmsg(db));
    int rc = csvread_file(csv, (size_t)1 << 30, read_row, r, err, sizeof err);
    sqlite3_finalize(r->clear);
    if (rc != 0)
        return fail(csv, err);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return fail(clear_path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return 0;
}

/* ---- the uploads ---------------------------------------------------------------- */

typedef struct job {
    const answers *r;
    storage *db[STUDY_MAX_PARTIES];
    unsigned parties;
    pthread_mutex_t lock;
    size_t next; /* the next row to build */
    int failed;
    char err[512];
} job;

/* Decodes member name (base64) of body into a new buffer. */
static uint8_t *member(const cJSON *body, const char *name, size_t *len)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, name);
    if (!cJSON_IsString(m))
        return NULL;
    size_t cap = strlen(m->valuestring);
    uint8_t *p = malloc(cap + 1);
    long n = p ? b64_decode(m->valuestring, 0, p, cap) : -1;
    if (n < 0) {
        free(p);
        return NULL;
    }
    *len = (size_t)n;
    return p;
}

/* Builds the uploads of rows [from, to) and stores each party's. */
static int build_chunk(job *j, size_t from, size_t to, char *err, size_t err_size)
{
    const study *s = j->r->s;
    size_t n = to - from, rn = submission_rand_size(s);
    db_report *reps = calloc(n * j->parties, sizeof *reps);
    uint8_t *ids = malloc(n * 32), *rand = malloc(rn);
    uint8_t **blobs = calloc(n * j->parties * 3, sizeof *blobs);
    int rc = reps && ids && rand && blobs ? 0 : -1;
    if (rc != 0)
        snprintf(err, err_size, "out of memory");
    int64_t now = (int64_t)time(NULL);
    for (size_t k = 0; k < n && rc == 0; k++) {
        uint8_t *rid = ids + 32 * k, *tid = rid + 16, tok[16 + 64];
        char *token = NULL, *bodies[STUDY_MAX_PARTIES];
        if (random_bytes(rid, 32) != 0 || random_bytes(tok + 16, 64) != 0 ||
            random_bytes(rand, rn) != 0) {
            snprintf(err, err_size, "no randomness");
            rc = -1;
            break;
        }
        memcpy(tok, tid, 16);
        if (!study_access_open(s) && (token = b64_encode(tok, sizeof tok, 1)) == NULL) {
            snprintf(err, err_size, "out of memory");
            rc = -1;
            break;
        }
        rc = submission_build(s, j->r->meas + (from + k) * j->r->meas_count, rid, token, 1, rand,
                              bodies, err, err_size) == CORE_OK
                 ? 0
                 : -1;
        free(token);
        for (unsigned i = 0; i < j->parties && rc == 0; i++) {
            cJSON *body = cJSON_Parse(bodies[i]);
            db_report *d = &reps[i * n + k];
            uint8_t **b = blobs + 3 * (i * n + k);
            b[0] = member(body, "public_share", &d->public_share_len);
            b[1] = member(body, "enc", &d->enc_len);
            b[2] = member(body, "ciphertext", &d->ciphertext_len);
            *d = (db_report){study_hash(s),
                             rid,
                             study_access_open(s) ? NULL : tid,
                             1,
                             b[0],
                             d->public_share_len,
                             b[1],
                             d->enc_len,
                             b[2],
                             d->ciphertext_len,
                             now};
            if (b[0] == NULL || b[1] == NULL || b[2] == NULL) {
                snprintf(err, err_size, "a body the core built cannot be read back");
                rc = -1;
            }
            cJSON_Delete(body);
        }
        if (rc == 0)
            for (unsigned i = 0; i < j->parties; i++)
                free(bodies[i]);
    }
    for (unsigned i = 0; i < j->parties && rc == 0; i++)
        if (db_report_insert_all(j->db[i], reps + i * n, n) != DB_OK) {
            snprintf(err, err_size, "party %u's database refused the reports", i + 1);
            rc = -1;
        }
    for (size_t b = 0; blobs && b < n * j->parties * 3; b++)
        free(blobs[b]);
    free(blobs);
    free(reps);
    free(ids);
    free(rand);
    return rc;
}

static void *worker(void *arg)
{
    job *j = arg;
    char err[512];
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t from = j->next, to = from + CHUNK < j->r->n ? from + CHUNK : j->r->n;
        j->next = to;
        int stop = j->failed || from >= to;
        pthread_mutex_unlock(&j->lock);
        if (stop)
            return NULL;
        if (build_chunk(j, from, to, err, sizeof err) != 0) {
            pthread_mutex_lock(&j->lock);
            if (!j->failed)
                snprintf(j->err, sizeof j->err, "%s", err);
            j->failed = 1;
            pthread_mutex_unlock(&j->lock);
            return NULL;
        }
    }
}

static int populate(int argc, char **argv)
{
    char err[512];
    study *s;
    if (sealed_load(argv[1], &s, NULL, err, sizeof err) != 0)
        return fail(argv[1], err);
    if (study_is_organization(s)) {
        study_free(s);
        return fail(argv[1], "an organization study: populate stores one answer per row");
    }
    answers r = {.s = s, .fields = study_num_fields(s), .meas_count = study_meas_count(s)};
    buf_init(&r.encoded, (size_t)MAX_ROWS * r.meas_count * sizeof(uint64_t));
    job j = {.r = &r, .parties = study_num_parties(s)};
    if ((unsigned)argc - 4 != j.parties) {
        study_free(s);
        fprintf(stderr, "populate: the study has %u parties: give as many party directories\n",
                j.parties);
        return 2;
    }
    int rc = read_answers(&r, argv[2], argv[3]);
    for (unsigned i = 0; i < j.parties && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[4 + i], PARTY_DB_FILE);
        if (db_open(path, &j.db[i], err, sizeof err) != 0)
            rc = fail(path, err);
    }
    double t0 = now_s();
    if (rc == 0) {
        pthread_mutex_init(&j.lock, NULL);
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int threads = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (int)cores;
        pthread_t t[MAX_THREADS];
        for (int i = 0; i < threads; i++)
            pthread_create(&t[i], NULL, worker, &j);
        for (int i = 0; i < threads; i++)
            pthread_join(t[i], NULL);
        pthread_mutex_destroy(&j.lock);
        if (j.failed)
            rc = fail("building the uploads", j.err);
    }
    if (rc == 0)
        print_figures(2, (const char *const[]){"reports", "seconds"},
                      (const double[]){(double)r.n, now_s() - t0});
    for (unsigned i = 0; i < j.parties; i++)
        db_close(j.db[i]);
    buf_free(&r.encoded);
    study_free(s);
    return rc;
}

/* ---- the plaintext baseline --------------------------------------------------- */

/* The pay-equity analyses (schema/studies/pay-equity.json) as SQL: the
 * headcount cells, the salary cells with their sums of squares (the mean
 * and the standard deviation follow from them, as in the report), and the
 * salary bands per gender. */
static const char *const QUERIES[] = {
    "SELECT gender, ethnicity, job, COUNT(*) FROM answers GROUP BY gender, ethnicity, job",
    "SELECT gender, job, COUNT(*), SUM(salary), SUM(salary * salary) FROM answers "
    "GROUP BY gender, job",
    "SELECT gender, SUM(salary < 50000), SUM(salary >= 50000 AND salary < 100000), "
    "SUM(salary >= 100000 AND salary < 200000), SUM(salary >= 200000) FROM answers "
    "GROUP BY gender",
};

static int plaintext(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return fail(path, sqlite3_errmsg(db));
    long rows = 0, cells = 0;
    double t0 = now_s();
    for (size_t q = 0; q < sizeof QUERIES / sizeof QUERIES[0]; q++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, QUERIES[q], -1, &st, NULL) != SQLITE_OK)
            return fail(path, sqlite3_errmsg(db));
        while (sqlite3_step(st) == SQLITE_ROW)
            cells++;
        sqlite3_finalize(st);
    }
    double seconds = now_s() - t0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM answers", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    print_figures(3, (const char *const[]){"rows", "seconds", "cells"},
                  (const double[]){(double)rows, seconds, (double)cells});
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--plaintext") == 0)
        return plaintext(argv[2]);
    if (argc < 5 || argv[1][0] == '-') {
        fprintf(stderr, "usage: populate SEALED.json ANSWERS.csv CLEAR.db PARTY_DIR...\n"
                        "       populate --plaintext CLEAR.db\n");
        return 2;
    }
    return populate(argc, argv);
}
