/*
 * csvread.c - CSV files through libcsv; see csvread.h.
 */
#include "csvread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "core.h"
#include "fileio.h"

typedef struct reader {
    const char *path;
    csvread_row row;
    void *ctx;
    char *values[CSVREAD_MAX_FIELDS];
    size_t n, number;
    int failed;
    char *err;
    size_t err_size;
} reader;

static void clear(reader *r)
{
    /* The values may be answers: wiped before they are freed. */
    for (size_t i = 0; i < r->n; i++)
        core_free_secret(r->values[i], strlen(r->values[i]));
    r->n = 0;
}

static void on_field(void *data, size_t len, void *user)
{
    reader *r = user;
    if (r->failed)
        return;
    if (r->n == CSVREAD_MAX_FIELDS || len > CSVREAD_MAX_FIELD) {
        snprintf(r->err, r->err_size, "%s, row %zu: %s", r->path, r->number + 1,
                 r->n == CSVREAD_MAX_FIELDS ? "more than 256 columns"
                                            : "a value longer than 4096 bytes");
        r->failed = 1;
        return;
    }
    char *v = malloc(len + 1);
    if (v == NULL) {
        snprintf(r->err, r->err_size, "out of memory");
        r->failed = 1;
        return;
    }
    if (len > 0)
        memcpy(v, data, len);
    v[len] = '\0';
    r->values[r->n++] = v;
}

static void on_record(int end, void *user)
{
    (void)end;
    reader *r = user;
    if (!r->failed) {
        r->number++;
        if (r->row(r->ctx, r->number, r->values, r->n, r->err, r->err_size) != 0)
            r->failed = 1;
    }
    clear(r);
}

int csvread_file(const char *path, size_t max_bytes, csvread_row row, void *ctx, char *err,
                 size_t err_size)
{
    char *text;
    size_t len;
    if (fileio_read(path, max_bytes, &text, &len) != 0) {
        snprintf(err, err_size, "cannot read %s: %s", path,
                 errno == EFBIG ? "file too large" : strerror(errno));
        return -1;
    }
    const char *p = text;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        len -= 3;
    }
    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(text);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    size_t first = strcspn(p, "\r\n");
    if (memchr(p, ';', first) != NULL && memchr(p, ',', first) == NULL)
        csv_set_delim(&parser, ';');
    reader r = {.path = path, .row = row, .ctx = ctx, .err = err, .err_size = err_size};
    size_t done = csv_parse(&parser, p, len, on_field, on_record, &r);
    int bad = done != len || csv_fini(&parser, on_field, on_record, &r) != 0;
    if (bad && !r.failed) {
        snprintf(err, err_size, "%s, row %zu: %s", path, r.number + 1,
                 csv_error(&parser) == CSV_EPARSE
                     ? "malformed CSV (a quote inside an unquoted value, or a quoted value "
                       "that is not closed)"
                     : csv_strerror(csv_error(&parser)));
        r.failed = 1;
    }
    clear(&r);
    csv_free(&parser);
    core_free_secret(text, len + (size_t)(p - text));
    return r.failed ? -1 : 0;
}
