/*
 * server.c - the HTTP server; see server.h.
 */
#include "server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <pthread.h>

#include "buf.h"
#include "core.h"
#include "fileio.h"
#include "handlers.h"
#include "listen.h"
#include "log.h"
#include "routes.h"

#define SERVER_IDLE_TIMEOUT 30 /* seconds a connection may send nothing */

struct server {
    struct MHD_Daemon *daemon;
    party_app *app;
    char *cert, *key;
};

/* http_req.lookup: the connection's headers and cookies. */
static const char *lookup(void *ctx, http_kind kind, const char *name)
{
    return MHD_lookup_connection_value(ctx, kind == HTTP_COOKIE ? MHD_COOKIE_KIND : MHD_HEADER_KIND,
                                       name);
}

_Static_assert(AUTH_CLIENT_MAX == RATELIMIT_CLIENT_MAX, "one name of a client");

/* http_req.client: the connection's client address (an IPv6 address as
 * its /64, an IPv4-mapped one as IPv4), "" if unknown. */
static void client_address(struct MHD_Connection *c, char out[AUTH_CLIENT_MAX])
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL)
        return;
    if (ci->client_addr->sa_family == AF_INET) {
        struct sockaddr_in sin;
        memcpy(&sin, ci->client_addr, sizeof sin);
        if (inet_ntop(AF_INET, &sin.sin_addr, out, AUTH_CLIENT_MAX) == NULL)
            out[0] = '\0';
    } else if (ci->client_addr->sa_family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, ci->client_addr, sizeof sin6);
        struct in6_addr *a = &sin6.sin6_addr;
        int v4 = IN6_IS_ADDR_V4MAPPED(a);
        if (!v4)
            memset(a->s6_addr + 8, 0, 8);
        if (inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? (void *)(a->s6_addr + 12) : (void *)a, out,
                      AUTH_CLIENT_MAX - 3) == NULL)
            out[0] = '\0';
        else if (!v4)
            snprintf(out + strlen(out), AUTH_CLIENT_MAX - strlen(out), "/64");
    }
}

/* ---- per-connection state --------------------------------------------------- */

typedef struct conn_state {
    int64_t started_ms; /* when the request line arrived */
    int begun;          /* the headers were seen (on_request's first call) */
    const route *route;
    api_err route_err;
    char allow[64];
    buf body; /* limited to the route's maximum body */
    /* A deferred reply (http_reply.defer): run by its own thread while the
     * connection is suspended, then sent when libmicrohttpd calls again. */
    struct MHD_Connection *conn;
    party_app *app;
    http_reply reply;
    int deferred; /* 1 running, 2 done (reply set) */
} conn_state;

/* The thread of a deferred reply. */
static void *run_deferred(void *arg)
{
    conn_state *st = arg;
    party_app *app = st->app;
    http_reply r = {0};
    void (*defer)(void *, http_reply *) = st->reply.defer;
    defer(st->reply.defer_ctx, &r);
    st->reply = r;
    st->deferred = 2;
    MHD_resume_connection(st->conn); /* (st may be gone from here on) */
    atomic_fetch_sub(&app->deferred, 1);
    return NULL;
}

/* Runs r's deferred work off this request thread (or on it, if no
 * thread can be started); MHD_YES: the reply follows on resume. */
static enum MHD_Result defer_reply(party_app *app, struct MHD_Connection *c, conn_state *st,
                                   const http_reply *r)
{
    st->conn = c;
    st->app = app;
    st->reply = *r;
    st->deferred = 1;
    atomic_fetch_add(&app->deferred, 1);
    MHD_suspend_connection(c);
    pthread_attr_t attr;
    pthread_t t;
    int started = pthread_attr_init(&attr) == 0;
    if (started) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&t, &attr, run_deferred, st) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started)
        run_deferred(st);
    return MHD_YES;
}

/* The pages' Content-Security-Policy: only this party's own scripts and
 * styles; network requests only to the study's parties (origins checked
 * when the study was loaded, wasm/core/safe_text.h). 0, or -1 if it does
 * not fit. */
static int page_csp(const party_app *app, int page, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size,
                                "default-src 'self'; style-src 'self'; "
                                "script-src 'self'%s; img-src 'self' data:; "
                                "frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'self'; connect-src 'self'",
                                page == HTTP_PAGE_WASM ? " 'wasm-unsafe-eval'" : "");
    for (unsigned i = 0; i < study_num_parties(app->study) && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, " %s", app->origins[i]);
    return n < size ? 0 : -1;
}

/* 1 if libmicrohttpd took the header, 0 if it refused it (a CR, LF or
 * other byte a header may not hold). */
static int header(struct MHD_Response *resp, const char *name, const char *value)
{
    return MHD_add_response_header(resp, name, value) == MHD_YES;
}

/* The answer when a header was refused: a plain 500, with headers that
 * are constants; nothing of the intended reply. */
static enum MHD_Result send_refused(struct MHD_Connection *c)
{
    static const char body[] = "{\"error\":\"internal error: the reply could not be built\"}";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        sizeof body - 1, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result ok = MHD_NO;
    if (header(resp, "Content-Type", "application/json") &&
        header(resp, "X-Content-Type-Options", "nosniff") &&
        header(resp, "Content-Security-Policy", "default-src 'none'") &&
        header(resp, "Cache-Control", "no-store"))
        ok = MHD_queue_response(c, 500, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* The Origin header if it is one of the study's parties, else NULL. */
static const char *allowed_origin(const party_app *app, struct MHD_Connection *c)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (origin == NULL)
        return NULL;
    for (unsigned i = 0; i < study_num_parties(app->study); i++)
        if (strcmp(origin, app->origins[i]) == 0)
            return origin;
    return NULL;
}

static enum MHD_Result send_reply(party_app *app, struct MHD_Connection *c, const char *method,
                                  const char *url, const conn_state *st, http_reply *r)
{
    struct MHD_Response *resp;
    if (r->json != NULL) {
        char *text = cJSON_PrintUnformatted(r->json);
        if (text == NULL)
            return MHD_NO;
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL)
            free(text);
        r->content_type = "application/json";
    } else if (r->body != NULL) {
        resp = MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL)
            free(r->body);
        r->body = NULL; /* (the response's now) */
    } else {
        resp = MHD_create_response_from_buffer(r->raw_len, (void *)(uintptr_t)r->raw,
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (resp == NULL)
        return MHD_NO;
    /* Every header is checked: a page without its CSP is not served. */
    int ok = header(resp, "Content-Type", r->content_type ? r->content_type : "text/plain") &&
             header(resp, "X-Content-Type-Options", "nosniff") &&
             header(resp, "Referrer-Policy", "no-referrer") &&
             header(resp, "X-Frame-Options", "DENY") &&
             header(resp, "Cache-Control", strncmp(url, "/api/", 5) == 0 ? "no-store" : "no-cache");
    if (ok && r->html) {
        char csp[PARTY_CSP_SIZE];
        ok = page_csp(app, r->html, csp, sizeof csp) == 0 &&
             header(resp, "Content-Security-Policy", csp);
    }
    if (ok && r->set_cookie[0])
        ok = header(resp, "Set-Cookie", r->set_cookie);
    if (ok && r->location[0])
        ok = header(resp, "Location", r->location);
    if (ok && r->disposition[0])
        ok = header(resp, "Content-Disposition", r->disposition);
    if (ok && st->allow[0])
        ok = header(resp, "Allow", st->allow);
    if (ok && r->retry_after) {
        char v[16];
        snprintf(v, sizeof v, "%u", r->retry_after);
        ok = header(resp, "Retry-After", v);
    }
    const char *origin = allowed_origin(app, c);
    if (ok && origin != NULL && st->route != NULL && (st->route->flags & ROUTE_CORS))
        /* The form backs off as a busy party asks (uploads to other origins). */
        ok = header(resp, "Access-Control-Allow-Origin", origin) &&
             header(resp, "Access-Control-Expose-Headers", "Retry-After") &&
             header(resp, "Vary", "Origin");
    if (!ok) {
        MHD_destroy_response(resp);
        cJSON_Delete(r->json);
        r->json = NULL;
        log_warn("%s %s: a response header was refused; answered 500 instead", method, url);
        return send_refused(c);
    }
    enum MHD_Result queued = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    /* Changes and failures only (peers' checks every few seconds are not
     * news); paths only: query strings are never logged. */
    if (strcmp(method, "GET") != 0 || r->status >= 400)
        log_info("%.16s %.300s %u", method, url, r->status);
    cJSON_Delete(r->json);
    r->json = NULL;
    return queued;
}

/* CORS preflight for the routes the study's pages call. */
static enum MHD_Result preflight(party_app *app, struct MHD_Connection *c, const char *url,
                                 conn_state *st)
{
    http_reply r = {.status = 204, .raw = "", .content_type = "text/plain"};
    api_err e;
    const route *rt = routes_find("GET", url, &e, st->allow, sizeof st->allow);
    if (rt == NULL)
        rt = routes_find("POST", url, &e, st->allow, sizeof st->allow);
    st->allow[0] = '\0';
    const char *origin = allowed_origin(app, c);
    if (rt == NULL || !(rt->flags & ROUTE_CORS) || origin == NULL) {
        http_error(&r, API_FORBIDDEN,
                   "cross-origin requests are allowed only from the study's "
                   "parties, to /api/study, /api/collection and /api/reports");
        return send_reply(app, c, "OPTIONS", url, st, &r);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    if (!(header(resp, "Access-Control-Allow-Origin", origin) &&
          header(resp, "Access-Control-Allow-Methods", "GET, POST") &&
          header(resp, "Access-Control-Allow-Headers", "Content-Type") &&
          header(resp, "Access-Control-Max-Age", "600") && header(resp, "Vary", "Origin"))) {
        MHD_destroy_response(resp);
        return send_refused(c);
    }
    enum MHD_Result ok = MHD_queue_response(c, 204, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* Authentication of the route; 0 or an error reply set. */
static int authenticate(party_app *app, const route *rt, http_req *req, http_reply *r)
{
    if (rt->flags & ROUTE_ADMIN) {
        const char *csrf = (rt->flags & ROUTE_CSRF) ? http_header(req, "X-CSRF-Token") : NULL;
        if ((rt->flags & ROUTE_CSRF) && csrf == NULL)
            csrf = "";
        char name[ADMIN_COOKIE_SIZE];
        admin_cookie_name(app, name);
        int rc = auth_session_check(app->auth, http_cookie(req, name), csrf, req->now, NULL);
        if (rc == -1) {
            http_error(r, API_UNAUTHORIZED, "sign in first (POST /api/login)");
            return -1;
        }
        if (rc != 0) {
            http_error(r, API_FORBIDDEN, "missing or wrong X-CSRF-Token");
            return -1;
        }
    }
    if (rt->flags & (ROUTE_PEER | ROUTE_ORGANIZER)) {
        char why[256];
        auth_peer_headers h = {http_header(req, "X-MPC-Party"), http_header(req, "X-MPC-To"),
                               http_header(req, "X-MPC-Time"), http_header(req, "X-MPC-Nonce"),
                               http_header(req, "X-MPC-Signature")};
        int who = auth_peer_verify(app->auth, app->study, app->self, req->method, req->path,
                                   (const uint8_t *)req->body, req->body_len, &h, req->now, why,
                                   sizeof why);
        api_err refusal = API_UNAUTHORIZED; /* not signed by anyone of the study */
        if (who >= 0 && (who == AUTH_ORGANIZER) != ((rt->flags & ROUTE_ORGANIZER) != 0)) {
            snprintf(why, sizeof why, "%s",
                     who == AUTH_ORGANIZER ? "this path is for the study's parties only"
                                           : "this path is for the study's organizer only");
            who = -1;
            refusal = API_FORBIDDEN; /* signed, by someone it is not for */
        }
        if (who < 0) {
            http_error(r, refusal, "%s", why);
            log_warn("signed request to %s refused: %s", req->path, why);
            return -1;
        }
        req->sender = who;
    }
    return 0;
}

/* The request line has arrived: the request's clock starts (its headers
 * and body must come within the deadline). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)uri;
    (void)c;
    conn_state *st = calloc(1, sizeof *st);
    if (st != NULL)
        st->started_ms = party_mono_ms();
    return st;
}

/* The first call, headers complete: the route, the limits that need no
 * body. MHD_YES to read the body, or a reply queued. */
static enum MHD_Result begin(party_app *app, struct MHD_Connection *c, const char *url,
                             const char *method, conn_state *st)
{
    st->begun = 1;
    if (strcmp(method, "OPTIONS") == 0)
        return preflight(app, c, url, st);
    st->route = routes_find(method, url, &st->route_err, st->allow, sizeof st->allow);
    int upload = st->route != NULL && (st->route->flags & ROUTE_UPLOAD);
    buf_init(&st->body, upload ? app->max_upload_body : app->max_body);
    http_reply r = {0};
    if (party_mono_ms() - st->started_ms > (int64_t)app->deadline * 1000) {
        http_error(&r, API_REQUEST_TIMEOUT, "the request's headers took more than %u seconds",
                   app->deadline);
        return send_reply(app, c, method, url, st, &r);
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    unsigned long long announced = cl != NULL ? strtoull(cl, NULL, 10) : 0;
    if (announced > st->body.max) {
        http_error(&r, API_TOO_LARGE, "the request body is larger than %zu bytes", st->body.max);
        return send_reply(app, c, method, url, st, &r);
    }
    if (upload && app->upload_rate != NULL) {
        char client[AUTH_CLIENT_MAX];
        client_address(c, client);
        unsigned wait = ratelimit_take(app->upload_rate, client, party_mono_ms());
        if (wait > 0) {
            http_error(&r, API_TOO_MANY,
                       "too many uploads from your address; try again in %u seconds", wait);
            r.retry_after = wait;
            return send_reply(app, c, method, url, st, &r);
        }
    }
    /* The whole body at once (it is at most the route's maximum). */
    if (announced > 0)
        buf_reserve(&st->body, (size_t)announced);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    party_app *app = cls;
    conn_state *st = *con_cls;
    if (st == NULL) { /* (on_uri found no memory) */
        st = on_uri(app, url, c);
        if (st == NULL)
            return MHD_NO;
        *con_cls = st;
    }
    if (!st->begun)
        return begin(app, c, url, method, st);
    if (st->deferred == 2) {
        st->deferred = 0;
        return send_reply(app, c, method, url, st, &st->reply);
    }
    if (party_mono_ms() - st->started_ms > (int64_t)app->deadline * 1000) {
        /* A body trickling in past the deadline: the connection is closed
         * (an answer could not be sent before the body is read). */
        log_warn("%.16s %.300s: the body took more than %u seconds; connection closed", method, url,
                 app->deadline);
        return MHD_NO;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (buf_append(&st->body, upload_data, n) != 0 && !st->body.over)
            return MHD_NO; /* out of memory */
        if (st->body.over)
            buf_free(&st->body); /* (the rest is read and dropped) */
        return MHD_YES;
    }
    http_reply r = {0};
    http_req req = {lookup,       c,           method, url, st->body.p ? (char *)st->body.p : "",
                    st->body.len, party_now(), -1,     ""};
    client_address(c, req.client);
    /* An upload takes a slot only now, its body complete: clients that
     * send slowly hold a connection, not a slot. */
    int upload = st->route != NULL && (st->route->flags & ROUTE_UPLOAD), slot = 0;
    if (st->body.over) {
        http_error(&r, API_TOO_LARGE, "the request body is larger than %zu bytes", st->body.max);
    } else if (st->route == NULL) {
        if (st->route_err == API_METHOD)
            http_error(&r, API_METHOD, "%s is not allowed on %.80s (allowed: %s)", method, url,
                       st->allow);
        else
            http_error(&r, API_NOT_FOUND, "no such path: %.80s", url);
    } else if (upload && (slot = 1, atomic_fetch_add(&app->uploads, 1) >= app->max_uploads)) {
        http_error(&r, API_UNAVAILABLE, "too many uploads at once; try again shortly");
        r.retry_after = 2;
    } else if (authenticate(app, st->route, &req, &r) == 0) {
        st->route->handler(app, &req, &r);
        if (r.defer != NULL)
            return defer_reply(app, c, st, &r);
    }
    if (slot)
        atomic_fetch_sub(&app->uploads, 1);
    if (r.status == 0)
        http_error(&r, API_INTERNAL, "no reply");
    return send_reply(app, c, method, url, st, &r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_state *st = *con_cls;
    if (st == NULL)
        return;
    if (st->deferred == 2) { /* (made, never sent) */
        cJSON_Delete(st->reply.json);
        free(st->reply.body);
    }
    buf_free(&st->body);
    free(st);
    *con_cls = NULL;
}

/* (fmt is libmicrohttpd's own format string.) */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_warn("http: %s", msg);
}

/* ---- start / stop -------------------------------------------------------------- */

int server_start(party_app *app, const server_options *opt, server **out, char *err,
                 size_t err_size)
{
    *out = NULL;
    struct sockaddr_storage sa;
    int v6;
    if (listen_resolve(opt->listen, &sa, &v6, err, err_size) != 0)
        return -1;
    server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->app = app;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    if (v6)
        flags |= MHD_USE_IPv6;
    if ((opt->tls_cert == NULL) != (opt->tls_key == NULL)) {
        snprintf(err, err_size, "--tls-cert and --tls-key go together");
        free(s);
        return -1;
    }
    if (opt->tls_cert != NULL) {
        size_t len;
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(err, err_size, "this libmicrohttpd was built without TLS");
            free(s);
            return -1;
        }
        if (fileio_read(opt->tls_cert, 1 << 20, &s->cert, &len) != 0 ||
            fileio_read(opt->tls_key, 1 << 20, &s->key, &len) != 0) {
            snprintf(err, err_size, "cannot read the TLS certificate or key");
            server_stop(s);
            return -1;
        }
        flags |= MHD_USE_TLS;
        app->tls = 1;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, app, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)opt->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)opt->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)opt->max_per_address,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVER_IDLE_TIMEOUT, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, app, MHD_OPTION_NOTIFY_COMPLETED, on_completed, app, MHD_OPTION_ARRAY,
        opt->tls_cert ? tls_opts : tls_opts + 2, MHD_OPTION_END);
    if (s->daemon == NULL) {
        snprintf(err, err_size,
                 "cannot listen on %s (is the port in use, or the address not this machine's?)",
                 opt->listen);
        server_stop(s);
        return -1;
    }
    *out = s;
    return 0;
}

void server_stop(server *s)
{
    if (s == NULL)
        return;
    if (s->daemon != NULL) {
        /* No connection may be suspended when the daemon stops: the
         * deferred replies finish first (a password hash, about 1 s). */
        MHD_socket listener = MHD_quiesce_daemon(s->daemon);
        while (atomic_load(&s->app->deferred) > 0)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        MHD_stop_daemon(s->daemon);
        if (listener != MHD_INVALID_SOCKET)
            close(listener);
    }
    if (s->key != NULL)
        core_wipe(s->key, strlen(s->key));
    free(s->key);
    free(s->cert);
    free(s);
}
