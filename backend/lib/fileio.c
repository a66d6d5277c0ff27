/*
 * fileio.c - whole-file reads with a size limit.
 */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "core.h"

int fileio_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return -1;
    buf b = BUF_INIT(max);
    /* Room for the whole file at once: a key file's text is never copied
     * by a growing buffer (and the buffer is wiped on failure). */
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && sb.st_size >= 0 && (uint64_t)sb.st_size <= max)
        buf_reserve(&b, (size_t)sb.st_size);
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0 && buf_append(&b, chunk, got) == 0)
        ;
    core_wipe(chunk, sizeof chunk);
    int failed = ferror(fp), over = b.over, ok = buf_ok(&b);
    fclose(fp);
    if (failed || !ok) {
        buf_free_secret(&b);
        errno = failed ? EIO : over ? EFBIG : ENOMEM;
        return -1;
    }
    *out = buf_take(&b, len);
    if (*out == NULL) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int fileio_write(const char *path, const void *data, size_t len, unsigned mode, int exclusive)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (tmp == NULL)
        return -1;
    const char *target = path;
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    if (!exclusive) {
        snprintf(tmp, plen + 16, "%s.tmp", path);
        unlink(tmp);
        target = tmp;
    }
    int fd = open(target, flags, (mode_t)mode);
    int rc = -1, saved = 0;
    if (fd < 0)
        goto cleanup;
    if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        unlink(target);
        errno = saved;
        goto cleanup;
    }
    if (close(fd) != 0 || (!exclusive && rename(tmp, path) != 0)) {
        saved = errno;
        unlink(target);
        errno = saved;
        goto cleanup;
    }
    rc = sync_dir_of(path);
cleanup:
    free(tmp);
    return rc;
}

int fileio_mkdirs(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    int rc = 0;
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(copy);
    if (rc == 0) {
        struct stat st;
        if (stat(path, &st) != 0)
            return -1;
        if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            return -1;
        }
    }
    return rc;
}
