/*
 * storage.c - the party's storage rate for `make bench` (bench/ingest.mjs):
 * THREADS threads store COUNT reports of the leader's upload size into a
 * fresh SQLite file in DIR, through the party's own storage code, twice:
 * each report in its own transaction under the storage lock (one fsync
 * each: how the party stored uploads before group commit, and the
 * baseline), then through db_report_insert (group commit: the reports
 * that arrive while a commit runs share the next one). Prints one JSON
 * object with both rates.
 *
 *   storage DIR THREADS COUNT
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "figures.h"
#include "storage.h"

#define SHARE_BYTES 8048 /* the pay-equity study's leader ciphertext */

typedef struct run {
    storage *db;
    unsigned thread, count, group;
    int failed;
} run;

static const uint8_t STUDY[32] = {0xbe};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *store(void *arg)
{
    run *r = arg;
    static uint8_t public_share[96], enc[32], ciphertext[SHARE_BYTES];
    for (unsigned i = 0; i < r->count; i++) {
        uint8_t id[16] = {(uint8_t)r->thread, (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16)};
        db_report rep = {STUDY,        id,
                         NULL,         i,
                         public_share, sizeof public_share,
                         enc,          32,
                         ciphertext,   sizeof ciphertext,
                         1700000000};
        int same = 0;
        db_err e =
            r->group ? db_report_insert(r->db, &rep, &same) : db_report_insert_all(r->db, &rep, 1);
        if (e != DB_OK)
            r->failed = 1;
    }
    return NULL;
}

/* Reports per second of one way of storing, on a fresh file; -1 if one
 * failed. */
static double rate(const char *dir, unsigned threads, unsigned count, unsigned group)
{
    char path[4096], err[256], extra[4200];
    snprintf(path, sizeof path, "%s/storage-bench-%u.db", dir, group);
    storage *db = NULL;
    if (db_open(path, &db, err, sizeof err) != 0) {
        fprintf(stderr, "storage: %s\n", err);
        return -1;
    }
    run *runs = calloc(threads, sizeof *runs);
    pthread_t *th = calloc(threads, sizeof *th);
    double t0 = now_s();
    unsigned started = 0;
    for (; runs && th && started < threads; started++) {
        runs[started] = (run){db, started, count / threads, group, 0};
        if (pthread_create(&th[started], NULL, store, &runs[started]) != 0)
            break;
    }
    int failed = started < threads;
    for (unsigned t = 0; t < started; t++) {
        pthread_join(th[t], NULL);
        failed |= runs[t].failed;
    }
    double seconds = now_s() - t0;
    free(runs);
    free(th);
    db_close(db);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(extra, sizeof extra, "%s%s", path, suffix[i]);
        unlink(extra);
    }
    return failed ? -1 : (double)(count / threads * threads) / seconds;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: storage DIR THREADS COUNT\n");
        return 2;
    }
    unsigned threads = (unsigned)strtoul(argv[2], NULL, 10);
    unsigned count = (unsigned)strtoul(argv[3], NULL, 10);
    if (threads < 1 || threads > 64 || count < threads || count > 1000000) {
        fprintf(stderr, "storage: THREADS from 1 to 64, COUNT from THREADS to 1000000\n");
        return 2;
    }
    double one_each = rate(argv[1], threads, count, 0);
    double group = rate(argv[1], threads, count, 1);
    if (one_each < 0 || group < 0) {
        fprintf(stderr, "storage: a report could not be stored\n");
        return 1;
    }
    print_figures(5,
                  (const char *const[]){"threads", "reports", "report_bytes",
                                        "one_commit_each_per_s", "group_commit_per_s"},
                  (const double[]){threads, count / threads * threads, SHARE_BYTES + 96 + 32,
                                   one_each, group});
    return 0;
}
