/*
 * jfield.c - checked JSON members; see jfield.h.
 */
#include "jfield.h"

#include <stdlib.h>

#include "b64.h"

int jfield_put_b64(cJSON *obj, const char *name, const uint8_t *p, size_t n)
{
    char *t = b64_encode(p, n, 0);
    int ok = t != NULL && cJSON_AddStringToObject(obj, name, t) != NULL;
    free(t);
    return ok ? 0 : -1;
}

jfield_err jfield_get_b64(const cJSON *obj, const char *name, size_t exact, size_t max,
                          uint8_t **out, size_t *len)
{
    *out = NULL;
    const char *s = jfield_get_string(obj, name);
    if (s == NULL)
        return JFIELD_MISSING;
    size_t cap = exact ? exact : max;
    uint8_t *p = malloc(cap ? cap : 1);
    if (p == NULL)
        return JFIELD_NOMEM;
    long got = b64_decode(s, 0, p, cap);
    if (got < 0 || (exact && (size_t)got != exact)) {
        free(p);
        return JFIELD_INVALID;
    }
    *out = p;
    if (len != NULL)
        *len = (size_t)got;
    return JFIELD_OK;
}

jfield_err jfield_uint(const cJSON *item, uint64_t max, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return JFIELD_MISSING;
    double d = item->valuedouble;
    if (max > JFIELD_UINT_MAX)
        max = JFIELD_UINT_MAX;
    /* (The range check comes first: converting an out-of-range double to
     * an integer is undefined.) */
    if (!(d >= 0 && d <= (double)max) || d != (double)(uint64_t)d)
        return JFIELD_INVALID;
    *out = (uint64_t)d;
    return JFIELD_OK;
}

jfield_err jfield_get_uint(const cJSON *obj, const char *name, uint64_t max, uint64_t *out)
{
    return jfield_uint(cJSON_GetObjectItemCaseSensitive(obj, name), max, out);
}

const char *jfield_get_string(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}
