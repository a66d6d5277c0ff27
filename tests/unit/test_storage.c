/*
 * test_storage.c - the party's storage (backend/party/storage.c) on a real
 * SQLite file. Under concurrent uploads (group commit) every upload gets
 * its own outcome although many share one transaction: new reports
 * stored, a client's retry recognized as the same, a reused id with other
 * content refused with exactly one winner, and nothing stored after the
 * release; and what was acknowledged is there after a reopen. Durability,
 * through a VFS that watches the database's files (sync_vfs.h): an
 * acknowledged upload was synced (no write before it that no fsync
 * followed: this fails with synchronous NORMAL or OFF); and a COMMIT that
 * fails (beyond the file size limit, or on a full disk) fails every upload
 * it carried, none of them stored.
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "storage.h"
#include "sync_vfs.h"
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

static void db_path(char *path, size_t n)
{
    snprintf(path, n, "/tmp/test_storage_%ld.db", (long)getpid());
}

static storage *open_db(const char *path)
{
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
    db_path(path, sizeof path);
    storage *db = open_db(path);
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
    db = open_db(path);
    ck_assert_int_eq(db_report_counts(db, STUDY, &c), DB_OK);
    ck_assert_uint_eq(c.received, THREADS * PER_THREAD + CONTESTED);
    db_close(db);
    remove_db(path);
}
END_TEST

START_TEST(test_closed_after_release)
{
    char path[256];
    db_path(path, sizeof path);
    storage *db = open_db(path);
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

/* ---- acknowledged means synced ---------------------------------------------
 */

#define SYNCED_UPLOADS 16 /* of the test alone, and of each of its threads */

typedef struct syncer {
    storage *db;
    unsigned index;
    unsigned errors, unsynced, no_sync; /* uploads */
    char file[300];                     /* the last file found unsynced */
} syncer;

/* Each thread: its uploads; after each DB_OK, every write of the database's
 * files made before the upload was sent has been synced, and a sync
 * happened meanwhile (the writes of a commit that started later may not be
 * synced yet). */
static void *run_syncer(void *arg)
{
    syncer *w = arg;
    upload u;
    for (unsigned i = 0; i < SYNCED_UPLOADS; i++) {
        make_upload(&u, 0x40 + w->index, i, 1);
        uint64_t writes = sync_vfs_writes(), syncs = sync_vfs_syncs();
        int same = 0;
        db_err e = db_report_insert(w->db, &u.r, &same);
        if (e != DB_OK)
            w->errors++;
        else if (sync_vfs_unsynced(writes, w->file, sizeof w->file))
            w->unsynced++;
        else if (sync_vfs_syncs() == syncs)
            w->no_sync++;
    }
    return NULL;
}

START_TEST(test_acknowledged_is_synced)
{
    char path[256], file[300];
    db_path(path, sizeof path);
    remove_db(path);
    sync_vfs_install();
    storage *db = open_db(path);

    /* One at a time: nothing unsynced once an upload is acknowledged. */
    upload u;
    for (unsigned i = 0; i < SYNCED_UPLOADS; i++) {
        make_upload(&u, 0x30, i, 1);
        uint64_t syncs = sync_vfs_syncs();
        int same = 0;
        ck_assert_int_eq(db_report_insert(db, &u.r, &same), DB_OK);
        ck_assert_msg(!sync_vfs_unsynced(UINT64_MAX, file, sizeof file),
                      "upload %u was acknowledged while %s has writes that no fsync followed", i,
                      file);
        ck_assert_msg(sync_vfs_syncs() > syncs, "upload %u was acknowledged without an fsync", i);
    }

    /* Group commits. */
    syncer w[THREADS];
    pthread_t th[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        w[t] = (syncer){.db = db, .index = t};
        ck_assert_int_eq(pthread_create(&th[t], NULL, run_syncer, &w[t]), 0);
    }
    for (unsigned t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    for (unsigned t = 0; t < THREADS; t++) {
        ck_assert_uint_eq(w[t].errors, 0);
        ck_assert_msg(w[t].unsynced == 0,
                      "%u uploads of thread %u were acknowledged while %s had "
                      "writes from before "
                      "they were sent that no fsync followed",
                      w[t].unsynced, t, w[t].file);
        ck_assert_msg(w[t].no_sync == 0,
                      "%u uploads of thread %u were acknowledged without an fsync "
                      "since they were "
                      "sent",
                      w[t].no_sync, t);
    }
    db_close(db);
    sync_vfs_uninstall();
    remove_db(path);
}
END_TEST

/* ---- a failed COMMIT fails every upload it carried -------------------------
 */

#define EARLIER 4 /* uploads stored before the failure */
#define QUEUED 6  /* uploads of the failed commits: the first held, the others queued */

enum { FILE_SIZE_LIMIT, DISK_FULL };

typedef struct queued {
    storage *db;
    upload u;
    db_err result;
} queued;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned n; /* threads about to call db_report_insert */
} sending = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static void *send_queued(void *arg)
{
    queued *q = arg;
    pthread_mutex_lock(&sending.lock);
    sending.n++;
    pthread_cond_broadcast(&sending.changed);
    pthread_mutex_unlock(&sending.lock);
    int same = 0;
    q->result = db_report_insert(q->db, &q->u.r, &same);
    return NULL;
}

/* Until n threads are about to call db_report_insert, and a moment more
 * for them to join the queue (a mutex and a list append). */
static void wait_sending(unsigned n)
{
    pthread_mutex_lock(&sending.lock);
    while (sending.n < n)
        pthread_cond_wait(&sending.changed, &sending.lock);
    pthread_mutex_unlock(&sending.lock);
    struct timespec moment = {0, 50 * 1000 * 1000};
    nanosleep(&moment, NULL);
}

/* The smallest of the sizes of the database's files (main file, WAL). */
static rlim_t smallest_file(const char *path)
{
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat a, b;
    ck_assert_int_eq(stat(path, &a), 0);
    ck_assert_int_eq(stat(wal, &b), 0);
    return (rlim_t)(a.st_size < b.st_size ? a.st_size : b.st_size);
}

typedef struct saved_limit {
    struct rlimit fsize;
    struct sigaction xfsz;
} saved_limit;

/* Lowers the file size limit (RLIMIT_FSIZE) to `limit`, SIGXFSZ ignored
 * (a write beyond it fails with EFBIG): 0, or -1 if nothing changed. */
static int lower_file_size_limit(rlim_t limit, saved_limit *saved)
{
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    sigemptyset(&ignore.sa_mask);
    if (getrlimit(RLIMIT_FSIZE, &saved->fsize) != 0 ||
        sigaction(SIGXFSZ, &ignore, &saved->xfsz) != 0)
        return -1;
    struct rlimit lower = {limit, saved->fsize.rlim_max};
    if (setrlimit(RLIMIT_FSIZE, &lower) != 0) {
        sigaction(SIGXFSZ, &saved->xfsz, NULL);
        return -1;
    }
    return 0;
}

static void restore_file_size_limit(const saved_limit *saved)
{
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved->fsize), 0);
    ck_assert_int_eq(sigaction(SIGXFSZ, &saved->xfsz, NULL), 0);
}

/* Uploads queued into group commits whose COMMIT fails: the first one's
 * commit is held at its first write (the WAL's, at COMMIT: the rows are
 * small, SQLite writes nothing before) while the others queue behind it;
 * then the writes fail: beyond the file size limit (RLIMIT_FSIZE at the
 * smallest size of the database's files: the WAL cannot grow, and as Linux
 * refuses any write at or beyond the limit, even inside a file, neither
 * would a WAL written again from its start), or on a full disk (the
 * VFS's SQLITE_FULL). */
static void failed_commit(int how, db_err expected)
{
    char path[256];
    db_path(path, sizeof path);
    remove_db(path);
    sync_vfs_install();
    storage *db = open_db(path);
    upload u;
    int same = 0;
    for (unsigned i = 0; i < EARLIER; i++) {
        make_upload(&u, 0x50, i, 1);
        ck_assert_int_eq(db_report_insert(db, &u.r, &same), DB_OK);
    }

    queued q[QUEUED];
    pthread_t th[QUEUED];
    sending.n = 0;
    sync_vfs_arm_gate();
    for (unsigned t = 0; t < QUEUED; t++) {
        q[t] = (queued){.db = db, .result = DB_OK};
        make_upload(&q[t].u, 0x51, t, 1);
        ck_assert_int_eq(pthread_create(&th[t], NULL, send_queued, &q[t]), 0);
        if (t == 0)
            sync_vfs_wait_held();
    }
    wait_sending(QUEUED);

    /* (No ck_assert while the limit is low: a failed write of Check's own
     * would end the test.) */
    saved_limit saved;
    int limited = how == FILE_SIZE_LIMIT ? lower_file_size_limit(smallest_file(path), &saved) : 0;
    sync_vfs_release(how == DISK_FULL ? SQLITE_FULL : SQLITE_OK);
    for (unsigned t = 0; t < QUEUED; t++)
        pthread_join(th[t], NULL);
    sync_vfs_release(SQLITE_OK);
    if (how == FILE_SIZE_LIMIT && limited == 0)
        restore_file_size_limit(&saved);
    ck_assert_msg(limited == 0, "cannot lower the file size limit");

    for (unsigned t = 0; t < QUEUED; t++)
        ck_assert_msg(q[t].result == expected,
                      "queued upload %u: db_report_insert returned %d although its COMMIT "
                      "failed (expected %d)",
                      t, (int)q[t].result, (int)expected);
    /* The failure passed: the next upload is stored. */
    make_upload(&u, 0x52, 0, 1);
    ck_assert_int_eq(db_report_insert(db, &u.r, &same), DB_OK);

    /* After a reopen: the earlier uploads and the next one, none of the
     * failed ones. */
    db_close(db);
    db = open_db(path);
    db_report_data d;
    for (unsigned i = 0; i < EARLIER; i++) {
        make_upload(&u, 0x50, i, 1);
        ck_assert_int_eq(db_report_get(db, STUDY, u.report_id, &d), DB_OK);
        db_report_data_free(&d);
    }
    for (unsigned t = 0; t < QUEUED; t++)
        ck_assert_msg(db_report_get(db, STUDY, q[t].u.report_id, &d) == DB_MISSING,
                      "queued upload %u is stored although its COMMIT failed", t);
    db_counts c;
    ck_assert_int_eq(db_report_counts(db, STUDY, &c), DB_OK);
    ck_assert_uint_eq(c.received, EARLIER + 1);
    db_close(db);
    sync_vfs_uninstall();
    remove_db(path);
}

/* SQLite reports a write refused beyond the file size limit (EFBIG) as an
 * I/O error, and only a full disk (ENOSPC) as SQLITE_FULL. */
START_TEST(test_commit_fails_file_size_limit)
{
    failed_commit(FILE_SIZE_LIMIT, DB_ERROR);
}
END_TEST

START_TEST(test_commit_fails_disk_full)
{
    failed_commit(DISK_FULL, DB_FULL);
}
END_TEST

TU_MAIN("storage", 60, test_concurrent_uploads, test_closed_after_release,
        test_acknowledged_is_synced, test_commit_fails_file_size_limit, test_commit_fails_disk_full)
