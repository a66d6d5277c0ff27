/*
 * common.c - shared pieces of the mpc-vectors runner (see vectors.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "hex.h"
#include "jfield.h"
#include "vectors.h"

void fail(result *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
    r->failed = 1;
}

/* ---- JSON helpers --------------------------------------------------------- */

const cJSON *field(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

int get_uint(const cJSON *item, uint64_t *out)
{
    if (cJSON_IsBool(item)) {
        *out = cJSON_IsTrue(item) ? 1 : 0;
        return 0;
    }
    return jfield_uint(item, JFIELD_UINT_MAX, out) == JFIELD_OK ? 0 : -1;
}

int get_uint_field(const cJSON *obj, const char *name, uint64_t *out)
{
    return get_uint(field(obj, name), out);
}

int get_hex(const cJSON *item, uint8_t **out, size_t *len)
{
    *out = NULL;
    if (!cJSON_IsString(item))
        return -1;
    return hex_decode(item->valuestring, out, len);
}

void expect_hex(result *r, const cJSON *item, const uint8_t *got, size_t got_len, const char *what)
{
    uint8_t *want;
    size_t want_len;
    if (get_hex(item, &want, &want_len) != 0) {
        fail(r, "%s: missing or malformed expected value", what);
        return;
    }
    if (want_len != got_len || memcmp(want, got, got_len) != 0)
        fail(r, "%s: bytes differ (expected %zu bytes, computed %zu)", what, want_len, got_len);
    r->checks++;
    free(want);
}

/* Checks an operation's result against the outcome the file expects.
 * Returns 1 when the operation succeeded as expected and its outputs are to
 * be compared, else 0 (after recording a failure if the outcome differs). */
int outcome(result *r, core_err err, int success, const char *what)
{
    if (!success) {
        if (err == CORE_OK)
            fail(r, "%s succeeded but must fail", what);
        r->checks++;
        return 0;
    }
    if (err != CORE_OK) {
        fail(r, "%s failed: %s", what, core_err_str(err));
        return 0;
    }
    return 1;
}

cJSON *load_json(const char *path, result *r)
{
    char *text = NULL;
    size_t len;
    cJSON *doc = NULL;
    if (fileio_read(path, MAX_VECTOR_FILE, &text, &len) != 0)
        fail(r, "cannot read: %s", strerror(errno));
    else if ((doc = cJSON_ParseWithLength(text, len)) == NULL)
        fail(r, "not valid JSON");
    free(text);
    return doc;
}
