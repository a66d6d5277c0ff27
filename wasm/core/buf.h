/*
 * buf.h - a growable byte buffer with a hard limit: the one place where
 * data of a size not known in advance is collected (request and response
 * bodies, files, canonical JSON, lists of rows or records).
 *
 * A buffer never holds more than its `max` bytes. An append that would go
 * over it, or that finds no memory, fails and marks the buffer failed;
 * every later append is then refused too, so a caller may append many
 * times and check once (buf_ok). The contents are always followed by a NUL
 * byte (not counted in len), so text can be used as a C string.
 *
 * Ownership: the buffer owns p; buf_free releases it (buf_free_secret
 * wipes it first), buf_take hands it to the caller. A zeroed struct with
 * max set (BUF_INIT) is an empty buffer: no allocation happens until the
 * first append.
 */
#ifndef MPC_BUF_H
#define MPC_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    uint8_t *p; /* NULL until the first append; then p[len] == 0 */
    size_t len, cap, max;
    int failed; /* an append failed: nothing more is added */
    int over;   /* (it failed because it would exceed max) */
} buf;

#define BUF_INIT(limit)                                                                            \
    {                                                                                              \
        NULL, 0, 0, (limit), 0, 0                                                                  \
    }

/* An empty buffer that will hold at most max bytes. */
void buf_init(buf *b, size_t max);

/* Makes room for n more bytes at once (so that no later append up to
 * them moves the contents: for secrets). 0, or -1 as buf_append. */
int buf_reserve(buf *b, size_t n);

/* Appends n bytes. 0, or -1 (over max: b->over set; or out of memory). */
int buf_append(buf *b, const void *data, size_t n);

/* Appends the C string s (without its NUL). */
int buf_puts(buf *b, const char *s);

/* Appends formatted text (printf). 0 or -1 as buf_append. */
int buf_printf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* n more bytes at the end, zero-filled: a pointer to them (valid until
 * the next append), or NULL as buf_append fails. For arrays of records:
 * `item *it = buf_grow(&b, sizeof *it)`, then b.len / sizeof *it items. */
void *buf_grow(buf *b, size_t n);

/* 1 if no append has failed. */
int buf_ok(const buf *b);

/* Hands the contents to the caller (free() them; never NULL unless out
 * of memory: an empty buffer gives ""), *len set if len is not NULL; the
 * buffer is empty afterwards (its limit kept, the failure cleared). */
char *buf_take(buf *b, size_t *len);

/* Empties the buffer and releases its memory. The limit and a failure
 * are kept: a failed buffer stays failed (a body over its limit is
 * dropped, and the rest of it too). Accepts a buffer never appended to. */
void buf_free(buf *b);

/* The same, wiping the contents first (secrets). */
void buf_free_secret(buf *b);

#endif
