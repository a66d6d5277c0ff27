/*
 * console.c - `mpc organizer serve`: the organizer's console (console.h).
 *
 * A web server on libmicrohttpd for one person at one machine. It listens
 * on a loopback address unless told otherwise (--allow-remote), and every
 * request to /api/ must carry the session secret printed in the console's
 * link (X-Console-Secret, compared in constant time): another user of the
 * machine, or a web page in the organizer's browser, cannot drive it. A
 * request whose Host is not the console's own (DNS rebinding) or that
 * comes from another origin (Origin, Sec-Fetch-Site) is refused before
 * anything else. The pages (web/organizer/, embedded) hold no secret.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "asset.h"
#include "buf.h"
#include "console.h"
#include "core.h"
#include "fileio.h"
#include "hex.h"
#include "keys.h"
#include "listen.h"
#include "mpc.h"
#include "random.h"

#define SECRET_BYTES 32
#define HOSTS 3

ASSET_DECLARE(organizer_index_html)
ASSET_DECLARE(organizer_css)
ASSET_DECLARE(organizer_js)
ASSET_DECLARE(console_submit_css)
ASSET_DECLARE(console_base_css)
ASSET_DECLARE(console_mpc_js)
ASSET_DECLARE(console_core_js)
ASSET_DECLARE(console_core_wasm)
ASSET_DECLARE(console_dom_js)
ASSET_DECLARE(console_form_js)

static const asset ASSETS[] = {
    {"/", organizer_index_html, &organizer_index_html_len, ASSET_HTML, 0},
    {"/organizer.css", organizer_css, &organizer_css_len, ASSET_CSS, 0},
    {"/organizer.js", organizer_js, &organizer_js_len, ASSET_JS, 0},
    {"/submit/submit.css", console_submit_css, &console_submit_css_len, ASSET_CSS, 0},
    {"/web/base.css", console_base_css, &console_base_css_len, ASSET_CSS, 0},
    {"/web/mpc.js", console_mpc_js, &console_mpc_js_len, ASSET_JS, 0},
    {"/web/mpc_core.js", console_core_js, &console_core_js_len, ASSET_JS, 0},
    {"/web/mpc_core.wasm", console_core_wasm, &console_core_wasm_len, ASSET_WASM, 0},
    {"/web/lib/dom.js", console_dom_js, &console_dom_js_len, ASSET_JS, 0},
    {"/web/lib/form.js", console_form_js, &console_form_js_len, ASSET_JS, 0},
};

/* The page may run its own scripts and the WebAssembly core, and talk to
 * this console only. */
static const char CSP[] = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "
                          "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                          "frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

typedef struct server {
    console c;
    char secret[2 * SECRET_BYTES + 1];
    char hosts[HOSTS][300]; /* the Host values accepted ("" for none) */
    int any_host;           /* --allow-remote: any Host (the secret still guards) */
} server;

static const char SERVE_HELP[] =
    "usage: mpc organizer serve --dir DIR [--listen 127.0.0.1:PORT] [--allow-remote]\n"
    "                           [--cacert PEM]\n"
    "\n"
    "Runs the organizer's console: a web page on this machine for the whole work of a\n"
    "study, from writing it to downloading its report. It prints a link to open in your\n"
    "browser; the link holds a secret for this run, so keep it to yourself.\n"
    "\n"
    "DIR holds everything the console signs and makes: the organizer's key (created\n"
    "on first use), the study, the parties' files, the sealed study and the links.\n"
    "Back it up: losing it cannot be undone.\n"
    "\n"
    "  --listen HOST:PORT  where the console listens (default 127.0.0.1:8700)\n"
    "  --allow-remote      allow a --listen address that is not this machine's loopback\n"
    "                      (anyone who can reach it and has the link can use the console)\n"
    "  --cacert PEM        the CA certificates the parties' https addresses use\n";

void con_error(con_reply *out, unsigned status, const char *field, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON_Delete(out->json);
    out->json = cJSON_CreateObject();
    cJSON_AddStringToObject(out->json, "error", msg);
    if (field != NULL)
        cJSON_AddStringToObject(out->json, "field", field);
    out->status = status;
}

int con_path(const console *c, const char *file, char *out, size_t size)
{
    return keys_path(out, size, c->dir, file);
}

/* ---- requests ----------------------------------------------------------------- */

typedef struct conn_state {
    buf body;
    int too_large;
} conn_state;

static int header_is(struct MHD_Connection *conn, const char *name, const char *value)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    return v != NULL && strcmp(v, value) == 0;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, con_reply *r, int page)
{
    char *text = NULL;
    const void *data = r->body;
    size_t len = r->body_len;
    const char *type = r->type;
    enum MHD_ResponseMemoryMode mode = MHD_RESPMEM_MUST_FREE;
    if (r->json != NULL) {
        text = cJSON_PrintUnformatted(r->json);
        if (text == NULL) {
            text = strdup("{\"error\":\"out of memory\"}");
            r->status = 500;
        }
        free(r->body);
        data = text;
        len = text != NULL ? strlen(text) : 0;
        type = "application/json";
    } else if (page) {
        mode = MHD_RESPMEM_PERSISTENT; /* an embedded page */
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, mode);
    if (resp == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free((void *)(uintptr_t)data);
        cJSON_Delete(r->json);
        return MHD_NO;
    }
    if (type != NULL)
        MHD_add_response_header(resp, "Content-Type", type);
    if (r->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    cJSON_Delete(r->json);
    return rc;
}

/* The checks every request passes: its Host is the console's, and it
 * does not come from another web page. 0, or -1 with out set. */
static int check_caller(server *s, struct MHD_Connection *conn, int api, con_reply *out)
{
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    int host_ok = s->any_host && host != NULL;
    for (int i = 0; !host_ok && host != NULL && i < HOSTS; i++)
        host_ok = s->hosts[i][0] != '\0' && strcmp(host, s->hosts[i]) == 0;
    if (!host_ok) {
        con_error(out, 421, NULL,
                  "this console answers only at its own address, http://%s/ (this request was "
                  "for another host name)",
                  s->hosts[0]);
        return -1;
    }
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    char own[320];
    snprintf(own, sizeof own, "http://%s", host);
    if ((origin != NULL && strcmp(origin, own) != 0) ||
        (api && (header_is(conn, "Sec-Fetch-Site", "cross-site") ||
                 header_is(conn, "Sec-Fetch-Site", "same-site")))) {
        con_error(out, 403, NULL,
                  "requests from other web pages are refused: use the console's own page");
        return -1;
    }
    if (!api)
        return 0;
    const char *secret = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Console-Secret");
    if (secret == NULL || strlen(secret) != strlen(s->secret) ||
        !core_ct_equal((const uint8_t *)secret, (const uint8_t *)s->secret, strlen(s->secret))) {
        con_error(out, 401, NULL,
                  "this console needs its secret: open the whole link that mpc organizer serve "
                  "printed (the part after '#' is the secret)");
        return -1;
    }
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **ptr)
{
    (void)version;
    server *s = cls;
    conn_state *st = *ptr;
    if (st == NULL) {
        if ((st = calloc(1, sizeof *st)) == NULL)
            return MHD_NO;
        buf_init(&st->body, CONSOLE_MAX_BODY);
        *ptr = st;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!st->too_large && buf_append(&st->body, upload_data, *upload_data_size) != 0)
            st->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    con_reply r = {.status = 200};
    int api = strncmp(url, "/api/", 5) == 0;
    if (check_caller(s, conn, api, &r) != 0)
        return send_reply(conn, &r, 0);
    if (!api) {
        const asset *a = asset_find(ASSETS, sizeof ASSETS / sizeof ASSETS[0], url);
        if (a == NULL) {
            con_error(&r, 404, NULL, "no such page");
            return send_reply(conn, &r, 0);
        }
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            con_error(&r, 405, NULL, "pages are read with GET");
            return send_reply(conn, &r, 0);
        }
        r.body = (char *)(uintptr_t)a->body;
        r.body_len = *a->len;
        r.type = a->type;
        return send_reply(conn, &r, 1);
    }
    if (st->too_large) {
        con_error(&r, 413, NULL, "the request is larger than %zu bytes", CONSOLE_MAX_BODY);
        return send_reply(conn, &r, 0);
    }
    const char *query = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "name");
    con_req req = {.method = method,
                   .path = url,
                   .query = query != NULL ? query : "",
                   .body = st->body.p != NULL ? (const char *)st->body.p : "",
                   .body_len = st->body.len};
    con_api(&s->c, &req, &r);
    return send_reply(conn, &r, 0);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ptr,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_state *st = *ptr;
    if (st != NULL) {
        buf_free(&st->body);
        free(st);
    }
    *ptr = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap; /* (libmicrohttpd's messages may quote a request: not shown) */
}

/* ---- the command ------------------------------------------------------------- */

static int open_folder(console *c, char *err, size_t err_size)
{
    char key[CONSOLE_PATH_MAX + 64];
    struct stat sb;
    if (con_path(c, KEYS_ORGANIZER_KEY, key, sizeof key) != 0) {
        snprintf(err, err_size, "--dir is too long");
        return -1;
    }
    if (stat(key, &sb) != 0) {
        if (errno != ENOENT) {
            snprintf(err, err_size, "cannot read %.900s: %s", key, strerror(errno));
            return -1;
        }
        if (keys_organizer_create(c->dir, err, err_size) != 0)
            return -1;
        c->created_key = 1;
    }
    organizer_keys k;
    int rc = keys_organizer_load(c->dir, &k, err, err_size);
    core_wipe(&k, sizeof k);
    return rc;
}

int cmd_organizer_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},    {"listen", required_argument, NULL, 'l'},
        {"allow-remote", no_argument, NULL, 'r'}, {"cacert", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *listen = "127.0.0.1:8700", *cacert = NULL;
    int remote = 0, ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': dir = optarg; break;
        case 'l': listen = optarg; break;
        case 'r': remote = 1; break;
        case 'a': cacert = optarg; break;
        case 'h': fputs(SERVE_HELP, stdout); return 0;
        default:
            fprintf(stderr, "mpc: unknown or incomplete option '%s'\n%s", argv[optind - 1],
                    SERVE_HELP);
            return 2;
        }
    }
    if (optind < argc || dir == NULL) {
        fprintf(stderr, "mpc: %s\n%s", dir == NULL ? "--dir is required" : "unexpected argument",
                SERVE_HELP);
        return 2;
    }
    char err[1200];
    struct sockaddr_storage sa;
    int v6;
    if (listen_resolve(listen, &sa, &v6, err, sizeof err) != 0) {
        fprintf(stderr, "mpc: %s\n", err);
        return 2;
    }
    if (!listen_is_loopback(&sa) && !remote) {
        fprintf(stderr,
                "mpc: --listen %s is not a loopback address (127.0.0.1 or [::1]): anyone who can "
                "reach this machine could reach the console. Use a loopback address, or add "
                "--allow-remote if that is what you mean.\n",
                listen);
        return 2;
    }
    server *s = calloc(1, sizeof *s);
    if (s == NULL || strlen(dir) >= sizeof s->c.dir) {
        fprintf(stderr, "mpc: %s\n", s == NULL ? "out of memory" : "--dir is too long");
        free(s);
        return 1;
    }
    snprintf(s->c.dir, sizeof s->c.dir, "%s", dir);
    s->c.cacert = cacert;
    s->any_host = remote;
    pthread_mutex_init(&s->c.lock, NULL);
    uint8_t secret[SECRET_BYTES];
    int rc = 1;
    struct MHD_Daemon *d = NULL;
    if (open_folder(&s->c, err, sizeof err) != 0 || random_bytes(secret, sizeof secret) != 0) {
        fprintf(stderr, "mpc: %s\n", err);
        goto done;
    }
    hex_encode(secret, sizeof secret, s->secret);
    core_wipe(secret, sizeof secret);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, 64u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_NOTIFY_COMPLETED,
                         on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                         MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        d != NULL ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (info == NULL) {
        fprintf(stderr,
                "mpc: cannot listen on %s (is the port in use? choose another with --listen "
                "127.0.0.1:PORT)\n",
                listen);
        goto done;
    }
    unsigned port = info->port;
    const char *colon = strrchr(listen, ':');
    snprintf(s->hosts[0], sizeof s->hosts[0], "%.*s:%u", (int)(colon - listen), listen, port);
    if (listen_is_loopback(&sa)) {
        snprintf(s->hosts[1], sizeof s->hosts[1], "localhost:%u", port);
        snprintf(s->hosts[2], sizeof s->hosts[2], v6 ? "[::1]:%u" : "127.0.0.1:%u", port);
    }
    if (s->c.created_key)
        printf("Created the organizer's key in %s (%s, mode 0600).\n", dir, KEYS_ORGANIZER_KEY);
    printf("The organizer's console for %s is running. Open this link in your browser:\n\n"
           "  http://%s/#secret=%s\n\n"
           "Keep the link to yourself: it lets whoever holds it act as the organizer.\n"
           "Everything the console signs stays in %s: back it up. Losing it cannot be\n"
           "undone (no one could seal, issue links, compute or download the report).\n"
           "Press Ctrl-C to stop.\n",
           dir, s->hosts[0], s->secret, dir);
    if (!listen_is_loopback(&sa))
        printf("\nWith --allow-remote it answers at any address this machine has (open the link\n"
               "with one that the browser's machine reaches if %s is not one). The link and\n"
               "everything the console sends travel in clear HTTP: use it only on a network\n"
               "you trust, or keep to 127.0.0.1 and reach it through an SSH tunnel\n"
               "(ssh -L %u:127.0.0.1:%u THIS-MACHINE) instead.\n",
               s->hosts[0], port, port);
    fflush(stdout);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    printf("Stopped.\n");
    rc = 0;
done:
    if (d != NULL)
        MHD_stop_daemon(d);
    pthread_mutex_destroy(&s->c.lock);
    core_wipe(s->secret, sizeof s->secret);
    free(s);
    return rc;
}
