/*
 * random.c - the operating system's CSPRNG (getrandom(2), blocking until
 * the kernel's pool is initialized, retried on interruption).
 */
#define _DEFAULT_SOURCE
#include "random.h"

#include <errno.h>
#include <sys/random.h>

int random_bytes(uint8_t *buf, size_t n)
{
    while (n > 0) {
        ssize_t got = getrandom(buf, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += got;
        n -= (size_t)got;
    }
    return 0;
}
