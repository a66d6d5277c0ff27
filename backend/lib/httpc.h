/*
 * httpc.h - the HTTP client of the party server (party-to-party requests)
 * and of `mpc submit` (uploads): one request over libcurl, on a handle the
 * caller may reuse so that its connections are kept alive.
 */
#ifndef MPC_HTTPC_H
#define MPC_HTTPC_H

#include <stddef.h>

#include <curl/curl.h>

typedef struct httpc_request {
    const char *method, *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated, or NULL */
    const void *body;           /* NULL: none */
    size_t body_len;
    const char *content_type; /* of the body; default application/json */
    long timeout_ms;
    size_t max_response; /* bytes; a longer response is an error */
    const char *cacert;  /* PEM file of trusted CAs, or NULL for the system's */
} httpc_request;

typedef struct httpc_response {
    long status;
    char *body; /* NUL-terminated (free with free()) */
    size_t len;
    long retry_after; /* seconds from a Retry-After header, or 0 */
} httpc_response;

/* Performs one request. c is a handle from curl_easy_init() to reuse (it
 * is reset first), or NULL for a one-off one. Returns 0 when a response
 * arrived (any status; out->body set), -1 with err set when none did
 * (connection refused, timeout, TLS failure, response too large). */
int httpc_perform(CURL *c, const httpc_request *r, httpc_response *out, char *err, size_t err_size);

#endif
