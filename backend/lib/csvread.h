/*
 * csvread.h - reading a CSV file with libcsv (an HR export, tokens.csv):
 * RFC 4180 quoting (strict), a UTF-8 byte order mark ignored, ';' as the
 * delimiter when the first line has semicolons and no commas (spreadsheets
 * in many locales write that), spaces around unquoted values trimmed,
 * blank lines skipped. Records are numbered from 1, the header's number.
 */
#ifndef MPC_CSVREAD_H
#define MPC_CSVREAD_H

#include <stddef.h>

#define CSVREAD_MAX_FIELDS 256
#define CSVREAD_MAX_FIELD 4096 /* bytes of one value */

/* Called for each record with its number and its n values (each
 * NUL-terminated, valid during the call). A non-zero return stops the
 * reading; the callback has then written err. */
typedef int (*csvread_row)(void *ctx, size_t number, char **values, size_t n, char *err,
                           size_t err_size);

/* Reads the CSV file at path (at most max_bytes) and calls row for each
 * record. Returns 0, or -1 with err saying what is wrong and where. */
int csvread_file(const char *path, size_t max_bytes, csvread_row row, void *ctx, char *err,
                 size_t err_size);

#endif
