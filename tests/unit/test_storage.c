/*
 * test_storage.c - the party's storage under concurrent uploads (group
 * commit, backend/party/storage.c) on a real SQLite file: every upload
 * gets its own outcome although many share one transaction: new reports
 * stored, a client's retry recognized as the same, a reused id with other
 * content refused with exactly one winner, and nothing stored after the
 * release; and what was acknowledged is there after a reopen.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage.h"
#include "testutil.h"

#define THREADS 8
#define PER_THREAD 120 /* new reports of each thread */
#define CONTESTED 16   /* ids every thread tries, each with its own content */

static const uint8_t STUDY[32] = {7};

typedef struct upload {
    uint8_t report_id[16], token_id[16], public_share[96], enc[32], ciphertext[80];
    db_report r;
} upload;

/* An upload with report id (a, b) and content marked with `mark`. */
static void make_upload(upload *u, unsigned a, unsigned b, unsigned mark)
{
    memset(u, 0, sizeof *u);
    u->report_id[0] = (uint8_t)a;
    u->report_id[1] = (uint8_t)(b & 0xff);
    u->report_id[2] = (uint8_t)(b >> 8);
    u->report_id[15] = 0x5a;
    memcpy(u->token_id, u->report_id, 16);
    memset(u->public_share, (int)mark, sizeof u->public_share);
    memset(u->enc, (int)(mark + 1), sizeof u->enc);
    memset(u->ciphertext, (int)(mark + 2), sizeof u->ciphertext);
    u->r = (db_report){STUDY,           u->report_id,           u->token_id, mark,
                       u->public_share, sizeof u->public_share, u->enc,      sizeof u->enc,
                       u->ciphertext,   sizeof u->ciphertext,   1700000000};
}

typedef struct worker {
    storage *db;
    unsigned index;
    unsigned ok, exists_same, exists_other, closed, error;
    unsigned won[CONTESTED];
} worker;

static void tally(worker *w, db_err e, int same)
{
    if (e == DB_OK)
        w->ok++;
    else if (e == DB_EXISTS && same)
        w->exists_same++;
    else if (e == DB_EXISTS)
        w->exists_other++;
    else if (e == DB_CLOSED)
        w->closed++;
    else
        w->error++;
}

/* Each thread: its own new reports, each sent twice (the second is a
 * client's retry), with the contested ids in between. */
static void *run_worker(void *arg)
{
    worker *w = arg;
    upload u;
    for (unsigned i = 0; i < PER_THREAD; i++) {
        int same = 0;
        for (int retry = 0; retry < 2; retry++) {
            make_upload(&u, w->index + 1, i, w->index + 1);
            db_err e = db_report_insert(w->db, &u.r, &same);
            tally(w, e, same);
        }
        if (i < CONTESTED) {
            make_upload(&u, 0xee, i, 100 + w->index);
            db_err e = db_report_insert(w->db, &u.r, &same);
            tally(w, e, same);
            w->won[i] = e == DB_OK;
        }
    }
    return NULL;
}

static storage *open_db(char *path, size_t n)
{
    snprintf(path, n, "/tmp/test_storage_%ld.db", (long)getpid());
    storage *db = NULL;
    char err[256];
    ck_assert_msg(db_open(path, &db, err, sizeof err) == 0, "%s", err);
    return db;
}

static void remove_db(const char *path)
{
    char p[300];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

START_TEST(test_concurrent_uploads)
{
    char path[256];
    storage *db = open_db(path, sizeof path);
    worker w[THREADS];
    pthread_t th[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        w[t] = (worker){.db = db, .index = t};
        ck_assert_int_eq(pthread_create(&th[t], NULL, run_worker, &w[t]), 0);
    }
    for (unsigned t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);

    unsigned ok = 0, same = 0, other = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        ck_assert_uint_eq(w[t].error, 0);
        ck_assert_uint_eq(w[t].closed, 0);
        ok += w[t].ok;
        same += w[t].exists_same;
        other += w[t].exists_other;
    }
    /* Every new report stored, every retry seen as the same, and each
     * contested id won by exactly one thread, whose content is stored. */
    ck_assert_uint_eq(same, THREADS * PER_THREAD);
    ck_assert_uint_eq(ok, THREADS * PER_THREAD + CONTESTED);
    ck_assert_uint_eq(other, (THREADS - 1) * CONTESTED);
    for (unsigned i = 0; i < CONTESTED; i++) {
        unsigned winners = 0, winner = 0;
        for (unsigned t = 0; t < THREADS; t++)
            if (w[t].won[i]) {
                winners++;
                winner = t;
            }
        ck_assert_uint_eq(winners, 1);
        upload u;
        make_upload(&u, 0xee, i, 100 + winner);
        db_report_data d;
        ck_assert_int_eq(db_report_get(db, STUDY, u.report_id, &d), DB_OK);
        ck_assert_uint_eq(d.key.seq, 100 + winner);
        ck_assert_mem_eq(d.ciphertext, u.ciphertext, sizeof u.ciphertext);
        db_report_data_free(&d);
    }
    db_counts c;
    ck_assert_int_eq(db_report_counts(db, STUDY, &c), DB_OK);
    ck_assert_uint_eq(c.received, THREADS * PER_THREAD + CONTESTED);

    /* Acknowledged means committed: all there after a reopen. */
    db_close(db);
    db = open_db(path, sizeof path);
    ck_assert_int_eq(db_report_counts(db, STUDY, &c), DB_OK);
    ck_assert_uint_eq(c.received, THREADS * PER_THREAD + CONTESTED);
    db_close(db);
    remove_db(path);
}
END_TEST

START_TEST(test_closed_after_release)
{
    char path[256];
    storage *db = open_db(path, sizeof path);
    upload u;
    int same = 0;
    make_upload(&u, 1, 1, 1);
    ck_assert_int_eq(db_report_insert(db, &u.r, &same), DB_OK);
    db_release rel = {.released_at = 1700000100, .accepted = 1};
    ck_assert_int_eq(db_release_put(db, STUDY, &rel), DB_OK);

    worker w[THREADS];
    pthread_t th[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        w[t] = (worker){.db = db, .index = t};
        ck_assert_int_eq(pthread_create(&th[t], NULL, run_worker, &w[t]), 0);
    }
    for (unsigned t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    /* Every upload is refused as closed (thread 0 also sends the stored
     * report again). */
    for (unsigned t = 0; t < THREADS; t++)
        ck_assert_uint_eq(w[t].closed, 2 * PER_THREAD + CONTESTED);
    db_counts c;
    ck_assert_int_eq(db_report_counts(db, STUDY, &c), DB_OK);
    ck_assert_uint_eq(c.received, 1);
    db_close(db);
    remove_db(path);
}
END_TEST

TU_MAIN("storage", 60, test_concurrent_uploads, test_closed_after_release)
