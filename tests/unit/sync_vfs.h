/*
 * sync_vfs.h - a test library: an SQLite VFS that wraps the default one
 * (unix) and sees the syncs. Of the files that hold a database (its main
 * file, WAL and rollback journal) it records which have writes that no
 * fsync (xSync) followed yet, and counts the writes and the syncs; it can
 * also hold the next write at a gate, and make writes fail (as a full disk
 * does). Temporary files pass through unwatched.
 *
 * Installed as SQLite's default VFS, it watches the databases opened after
 * sync_vfs_install, until sync_vfs_uninstall. Its functions are
 * thread-safe; install and uninstall check with Check's assertions, so
 * they belong inside a test.
 */
#ifndef MPC_TEST_SYNC_VFS_H
#define MPC_TEST_SYNC_VFS_H

#include <stddef.h>
#include <stdint.h>

/* Makes the VFS SQLite's default (for the databases opened next), with
 * its counts at 0, the gate open and writes happening. */
void sync_vfs_install(void);

/* The real VFS the default again; every file of a database was closed. */
void sync_vfs_uninstall(void);

/* Writes of the database's files so far (the number of the latest). */
uint64_t sync_vfs_writes(void);

/* xSyncs of the database's files so far. */
uint64_t sync_vfs_syncs(void);

/* Whether a file of the database has a write numbered up to `upto` that no
 * xSync followed (the file's name then in name, n bytes). */
int sync_vfs_unsynced(uint64_t upto, char *name, size_t n);

/* The next write of a database file waits (sync_vfs_wait_held,
 * sync_vfs_release). */
void sync_vfs_arm_gate(void);

/* Until a write waits at the gate. */
void sync_vfs_wait_held(void);

/* From now on writes of the database's files return fail, an SQLite result
 * code (SQLITE_OK: they happen); the write held at the gate, if any, goes
 * on. */
void sync_vfs_release(int fail);

#endif
