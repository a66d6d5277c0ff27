/*
 * http.h - what a handler sees of a request and how it answers, with no
 * libmicrohttpd types: handlers are plain functions from an http_req to an
 * http_reply (http.c builds replies); the HTTP engine (server.c) fills in
 * the request, looks its headers up through http_req.lookup and sends the
 * reply. No handler depends on the engine.
 */
#ifndef MPC_HTTP_H
#define MPC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "party.h"

/* The errors a handler can answer with; http_status() maps each to its
 * HTTP status (the only place that does). */
typedef enum api_err {
    API_OK = 0,
    API_BAD_REQUEST,     /* 400: malformed or invalid input */
    API_UNAUTHORIZED,    /* 401: not signed in / unsigned peer request */
    API_FORBIDDEN,       /* 403: bad token, CSRF token, or peer not allowed */
    API_NOT_FOUND,       /* 404 */
    API_METHOD,          /* 405 */
    API_REQUEST_TIMEOUT, /* 408: the request took longer than its deadline */
    API_CONFLICT,        /* 409: replayed report id, other study */
    API_TOO_LARGE,       /* 413 */
    API_UNSUPPORTED,     /* 415: not JSON */
    API_TOO_MANY,        /* 429: login throttled, too many uploads from one address */
    API_INTERNAL,        /* 500 */
    API_UNAVAILABLE,     /* 503: too many concurrent uploads, storage down */
    API_STORAGE_FULL     /* 507: the database reached its size limit */
} api_err;

unsigned http_status(api_err e);

/* Where a header or a cookie is looked up (the engine's connection). */
typedef enum http_kind { HTTP_HEADER, HTTP_COOKIE } http_kind;
typedef const char *(*http_lookup)(void *ctx, http_kind kind, const char *name);

typedef struct http_req {
    http_lookup lookup; /* NULL: no headers (a request made in a test) */
    void *lookup_ctx;
    const char *method, *path;
    const char *body;
    size_t body_len;
    int64_t now;
    int sender; /* signed requests: the party index, or AUTH_ORGANIZER */
    /* The client's address as text (an IPv6 address as its /64: one
     * client's network), "" if unknown; sign-ins are throttled by it. */
    char client[AUTH_CLIENT_MAX];
} http_req;

/* A request header or cookie value, or NULL. */
const char *http_header(const http_req *r, const char *name);
const char *http_cookie(const http_req *r, const char *name);

/* http_reply.html: a page, and one that runs the WebAssembly core. */
#define HTTP_PAGE 1
#define HTTP_PAGE_WASM 2

typedef struct http_reply {
    unsigned status;
    cJSON *json;     /* owned; sent as application/json */
    const char *raw; /* or a static body (not owned) */
    size_t raw_len;
    uint8_t *body; /* or a body of its own (malloc'd, freed once sent) */
    size_t body_len;
    const char *content_type;
    char disposition[96]; /* Content-Disposition (a download), if set */
    int html;             /* HTTP_PAGE*: add the pages' Content-Security-Policy */
    char set_cookie[256];
    char location[128];
    unsigned retry_after;
    /* Set, with nothing else, by a handler whose remaining work is slow (a
     * password hash): the engine runs defer(defer_ctx, reply) off its
     * request threads and sends the reply that sets. defer frees
     * defer_ctx. */
    void (*defer)(void *ctx, struct http_reply *out);
    void *defer_ctx;
} http_reply;

/* Sets a JSON error reply {"error": message}. */
void http_error(http_reply *out, api_err e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Sets a JSON reply (takes ownership of json). */
void http_json(http_reply *out, unsigned status, cJSON *json);

#endif
