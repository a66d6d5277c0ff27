/*
 * buf.c - the growable buffer with a hard limit; see buf.h.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void buf_init(buf *b, size_t max)
{
    *b = (buf)BUF_INIT(max);
}

/* Room for n more bytes and the NUL: 0, or -1 with the buffer failed. */
static int reserve(buf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (n > b->max - b->len || b->len + n == SIZE_MAX) {
        b->failed = b->over = 1;
        return -1;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    b->p[b->len] = 0; /* (a buffer reserved but never appended to is "") */
    return 0;
}

int buf_reserve(buf *b, size_t n)
{
    return reserve(b, n);
}

int buf_append(buf *b, const void *data, size_t n)
{
    if (reserve(b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

int buf_puts(buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0) {
        b->failed = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void *buf_grow(buf *b, size_t n)
{
    if (reserve(b, n) != 0)
        return NULL;
    uint8_t *at = b->p + b->len;
    memset(at, 0, n + 1);
    b->len += n;
    return at;
}

int buf_ok(const buf *b)
{
    return !b->failed;
}

char *buf_take(buf *b, size_t *len)
{
    char *p = (char *)b->p;
    size_t n = b->len;
    if (p == NULL && (p = malloc(1)) != NULL)
        p[0] = '\0';
    if (len != NULL)
        *len = n;
    buf_init(b, b->max);
    return p;
}

void buf_free(buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void buf_free_secret(buf *b)
{
    core_free_secret(b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}
