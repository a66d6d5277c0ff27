/*
 * httpc.c - one HTTP request over libcurl; see httpc.h.
 */
#include "httpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    return buf_append(user, data, size * n) == 0 ? size * n : 0;
}

int httpc_perform(CURL *reuse, const httpc_request *r, httpc_response *out, char *err,
                  size_t err_size)
{
    memset(out, 0, sizeof *out);
    CURL *c = reuse != NULL ? reuse : curl_easy_init();
    if (c == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (reuse != NULL)
        curl_easy_reset(c);
    struct curl_slist *headers = NULL;
    for (size_t i = 0; r->headers != NULL && r->headers[i] != NULL; i++)
        headers = curl_slist_append(headers, r->headers[i]);
    char type[128];
    if (r->body != NULL) {
        snprintf(type, sizeof type, "Content-Type: %s",
                 r->content_type ? r->content_type : "application/json");
        headers = curl_slist_append(headers, type);
    }
    buf data = BUF_INIT(r->max_response);
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &data);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (r->cacert != NULL)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->cacert);
    if (r->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)r->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        curl_off_t after = 0;
        if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
            out->retry_after = after > 3600 ? 3600 : (long)after;
        if ((out->body = buf_take(&data, &out->len)) == NULL) {
            snprintf(err, err_size, "out of memory");
            rc = CURLE_OUT_OF_MEMORY;
        }
    } else {
        snprintf(err, err_size, "%s", data.over ? "response too large" : curl_easy_strerror(rc));
    }
    curl_slist_free_all(headers);
    if (reuse == NULL)
        curl_easy_cleanup(c);
    buf_free(&data);
    return rc == CURLE_OK ? 0 : -1;
}
