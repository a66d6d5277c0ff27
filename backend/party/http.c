/*
 * http.c - requests and replies as handlers see them; see http.h. Nothing
 * here knows the HTTP engine.
 */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>

unsigned http_status(api_err e)
{
    static const unsigned map[] = {
        [API_OK] = 200,
        [API_BAD_REQUEST] = 400,
        [API_UNAUTHORIZED] = 401,
        [API_FORBIDDEN] = 403,
        [API_NOT_FOUND] = 404,
        [API_METHOD] = 405,
        [API_REQUEST_TIMEOUT] = 408,
        [API_CONFLICT] = 409,
        [API_TOO_LARGE] = 413,
        [API_UNSUPPORTED] = 415,
        [API_TOO_MANY] = 429,
        [API_INTERNAL] = 500,
        [API_UNAVAILABLE] = 503,
        [API_STORAGE_FULL] = 507,
    };
    return (size_t)e < sizeof map / sizeof map[0] ? map[e] : 500;
}

const char *http_header(const http_req *r, const char *name)
{
    return r->lookup ? r->lookup(r->lookup_ctx, HTTP_HEADER, name) : NULL;
}

const char *http_cookie(const http_req *r, const char *name)
{
    return r->lookup ? r->lookup(r->lookup_ctx, HTTP_COOKIE, name) : NULL;
}

void http_json(http_reply *out, unsigned status, cJSON *json)
{
    cJSON_Delete(out->json);
    out->status = status;
    out->json = json;
}

void http_error(http_reply *out, api_err e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "error", msg);
    http_json(out, http_status(e), j);
}
