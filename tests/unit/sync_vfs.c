/*
 * sync_vfs.c - an SQLite VFS for the tests that wraps the default one and
 * sees the syncs; see sync_vfs.h.
 *
 * Registered as SQLite's default VFS (before the database is opened), the
 * shim wraps the real default (unix) and forwards every call. Of the files
 * that hold the database (its main file, WAL and rollback journal) it
 * numbers the writes (xWrite, xTruncate) and records, per file, the first
 * write that no xSync has followed yet. It can also hold the next such
 * write at a gate, and make such writes fail (as a full disk does).
 */
#include "sync_vfs.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

typedef struct shim_file {
    sqlite3_file base;      /* base.pMethods = &io */
    sqlite3_io_methods io;  /* the shim's methods, of the real file's version */
    sqlite3_file *real;     /* the real VFS's file, allocated after this one */
    const char *name;       /* valid until xClose */
    int tracked;            /* a file of the database (else a temporary file) */
    uint64_t unsynced;      /* the first write since the last xSync, 0 if none */
    struct shim_file *next; /* in shim.files */
} shim_file;

enum { GATE_OPEN, GATE_ARMED, GATE_HOLDING };

static struct {
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t changed;
    sqlite3_vfs vfs, *real;
    shim_file *files;       /* the open tracked files */
    uint64_t writes, syncs; /* of tracked files, so far */
    int gate;               /* GATE_ARMED: the next write of a tracked file waits */
    int fail;               /* what writes of tracked files return (SQLITE_OK: they happen) */
} shim = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

#define REAL(f) (((shim_file *)(void *)(f))->real)

/* A write or truncation of s is about to happen. Lock held. */
static void shim_dirty(shim_file *s)
{
    shim.writes++;
    if (s->unsynced == 0)
        s->unsynced = shim.writes;
}

static int shim_close(sqlite3_file *f)
{
    shim_file *s = (shim_file *)(void *)f;
    pthread_mutex_lock(&shim.lock);
    for (shim_file **p = &shim.files; *p != NULL; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    pthread_mutex_unlock(&shim.lock);
    return s->real->pMethods->xClose(s->real);
}

static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    shim_file *s = (shim_file *)(void *)f;
    int fail = SQLITE_OK;
    if (s->tracked) {
        pthread_mutex_lock(&shim.lock);
        if (shim.gate == GATE_ARMED) {
            shim.gate = GATE_HOLDING;
            pthread_cond_broadcast(&shim.changed);
            while (shim.gate == GATE_HOLDING)
                pthread_cond_wait(&shim.changed, &shim.lock);
        }
        fail = shim.fail;
        if (fail == SQLITE_OK)
            shim_dirty(s);
        pthread_mutex_unlock(&shim.lock);
    }
    return fail != SQLITE_OK ? fail : s->real->pMethods->xWrite(s->real, p, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    shim_file *s = (shim_file *)(void *)f;
    if (s->tracked) {
        pthread_mutex_lock(&shim.lock);
        shim_dirty(s);
        pthread_mutex_unlock(&shim.lock);
    }
    return s->real->pMethods->xTruncate(s->real, size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
    shim_file *s = (shim_file *)(void *)f;
    int rc = s->real->pMethods->xSync(s->real, flags);
    if (rc == SQLITE_OK && s->tracked) {
        pthread_mutex_lock(&shim.lock);
        s->unsynced = 0;
        shim.syncs++;
        pthread_mutex_unlock(&shim.lock);
    }
    return rc;
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int shim_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int shim_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int shim_check_reserved_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int shim_shm_map(sqlite3_file *f, int page, int page_size, int extend, void volatile **p)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), page, page_size, extend, p);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int shim_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, n, p);
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods SHIM_IO = {
    3,
    shim_close,
    shim_read,
    shim_write,
    shim_truncate,
    shim_sync,
    shim_file_size,
    shim_lock,
    shim_unlock,
    shim_check_reserved_lock,
    shim_file_control,
    shim_sector_size,
    shim_device_characteristics,
    shim_shm_map,
    shim_shm_lock,
    shim_shm_barrier,
    shim_shm_unmap,
    shim_fetch,
    shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
                     int *out_flags)
{
    (void)vfs;
    shim_file *s = (shim_file *)(void *)f;
    memset(s, 0, sizeof *s);
    s->real = (sqlite3_file *)(void *)(s + 1);
    int rc = shim.real->xOpen(shim.real, name, s->real, flags, out_flags);
    const sqlite3_io_methods *real = s->real->pMethods;
    if (real == NULL)
        return rc; /* (a failed open; with methods, SQLite would still close it) */
    /* The real file's version: no method it lacks (SQLite runs WAL only
     * with xShmMap, and maps the file only with version 3). */
    s->io = SHIM_IO;
    s->io.iVersion = real->iVersion < 3 ? real->iVersion : 3;
    if (real->iVersion < 2 || real->xShmMap == NULL)
        s->io.xShmMap = NULL;
    s->base.pMethods = &s->io;
    s->name = name;
    s->tracked = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0;
    if (s->tracked) {
        pthread_mutex_lock(&shim.lock);
        s->next = shim.files;
        shim.files = s;
        pthread_mutex_unlock(&shim.lock);
    }
    return rc;
}

static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return shim.real->xDelete(shim.real, name, sync_dir);
}

static int shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return shim.real->xAccess(shim.real, name, flags, out);
}

static int shim_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return shim.real->xFullPathname(shim.real, name, n, out);
}

static void *shim_dl_open(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return shim.real->xDlOpen(shim.real, name);
}

static void shim_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    shim.real->xDlError(shim.real, n, msg);
}

static void (*shim_dl_sym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
    (void)vfs;
    return shim.real->xDlSym(shim.real, lib, sym);
}

static void shim_dl_close(sqlite3_vfs *vfs, void *lib)
{
    (void)vfs;
    shim.real->xDlClose(shim.real, lib);
}

static int shim_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return shim.real->xRandomness(shim.real, n, out);
}

static int shim_sleep(sqlite3_vfs *vfs, int microseconds)
{
    (void)vfs;
    return shim.real->xSleep(shim.real, microseconds);
}

static int shim_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return shim.real->xCurrentTime(shim.real, out);
}

static int shim_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return shim.real->xGetLastError(shim.real, n, out);
}

static int shim_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return shim.real->xCurrentTimeInt64(shim.real, out);
}

void sync_vfs_install(void)
{
    sqlite3_vfs_unregister(&shim.vfs); /* (if a failed test left it) */
    shim.real = sqlite3_vfs_find(NULL);
    ck_assert_ptr_nonnull(shim.real);
    /* Up to version 2 (the system calls of version 3 are the real VFS's). */
    shim.vfs = (sqlite3_vfs){shim.real->iVersion < 2 ? shim.real->iVersion : 2,
                             (int)sizeof(shim_file) + shim.real->szOsFile,
                             shim.real->mxPathname,
                             NULL,
                             "sync_vfs",
                             NULL,
                             shim_open,
                             shim_delete,
                             shim_access,
                             shim_full_pathname,
                             shim_dl_open,
                             shim_dl_error,
                             shim_dl_sym,
                             shim_dl_close,
                             shim_randomness,
                             shim_sleep,
                             shim_current_time,
                             shim_get_last_error,
                             shim_current_time_int64,
                             NULL,
                             NULL,
                             NULL};
    shim.files = NULL;
    shim.writes = shim.syncs = 0;
    shim.gate = GATE_OPEN;
    shim.fail = SQLITE_OK;
    ck_assert_int_eq(sqlite3_vfs_register(&shim.vfs, 1), SQLITE_OK);
}

void sync_vfs_uninstall(void)
{
    ck_assert_int_eq(sqlite3_vfs_unregister(&shim.vfs), SQLITE_OK);
    ck_assert_ptr_eq(sqlite3_vfs_find(NULL), shim.real);
    ck_assert_ptr_null(shim.files);
}

uint64_t sync_vfs_writes(void)
{
    pthread_mutex_lock(&shim.lock);
    uint64_t n = shim.writes;
    pthread_mutex_unlock(&shim.lock);
    return n;
}

uint64_t sync_vfs_syncs(void)
{
    pthread_mutex_lock(&shim.lock);
    uint64_t n = shim.syncs;
    pthread_mutex_unlock(&shim.lock);
    return n;
}

int sync_vfs_unsynced(uint64_t upto, char *name, size_t n)
{
    int found = 0;
    pthread_mutex_lock(&shim.lock);
    for (shim_file *s = shim.files; s != NULL && !found; s = s->next)
        if (s->unsynced != 0 && s->unsynced <= upto) {
            snprintf(name, n, "%s", s->name);
            found = 1;
        }
    pthread_mutex_unlock(&shim.lock);
    return found;
}

void sync_vfs_arm_gate(void)
{
    pthread_mutex_lock(&shim.lock);
    shim.gate = GATE_ARMED;
    pthread_mutex_unlock(&shim.lock);
}

void sync_vfs_wait_held(void)
{
    pthread_mutex_lock(&shim.lock);
    while (shim.gate != GATE_HOLDING)
        pthread_cond_wait(&shim.changed, &shim.lock);
    pthread_mutex_unlock(&shim.lock);
}

void sync_vfs_release(int fail)
{
    pthread_mutex_lock(&shim.lock);
    shim.fail = fail;
    shim.gate = GATE_OPEN;
    pthread_cond_broadcast(&shim.changed);
    pthread_mutex_unlock(&shim.lock);
}
