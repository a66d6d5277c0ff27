/*
 * fileio.c - whole-file reads with a size limit.
 */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int fileio_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return -1;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = -1;
    if (buf == NULL)
        goto cleanup;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max) {
                errno = EFBIG;
                goto cleanup;
            }
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                goto cleanup;
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        errno = EIO;
        goto cleanup;
    }
    if (n > max) {
        errno = EFBIG;
        goto cleanup;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
    rc = 0;
cleanup:
    free(buf);
    fclose(fp);
    return rc;
}
