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

#endif
