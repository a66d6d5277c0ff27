/*
 * fileio.h - whole-file reads with a size limit.
 */
#ifndef MPC_FILEIO_H
#define MPC_FILEIO_H

#include <stddef.h>

/* Reads the file at path into a new NUL-terminated buffer. Fails (returns
 * -1 with errno set, *out NULL) if it cannot be read or is larger than max
 * bytes (errno EFBIG). The caller frees *out. */
int fileio_read(const char *path, size_t max, char **out, size_t *len);

/* Writes len bytes to path with the given mode (e.g. 0600), durably
 * (fsync of the file and its directory). With exclusive, fails with errno
 * EEXIST if path exists; otherwise the file is replaced atomically (a
 * temporary file renamed over it). Returns 0 or -1 with errno set. */
int fileio_write(const char *path, const void *data, size_t len, unsigned mode, int exclusive);

/* Creates directory path (and missing parents) with mode 0700; an
 * existing directory is fine. Returns 0 or -1 with errno set. */
int fileio_mkdirs(const char *path);

#endif
