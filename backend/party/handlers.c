/*
 * handlers.c - the party's handlers other than the upload (upload.c):
 * the study, the admin session and dashboard, approval, peer hello.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "compute.h"
#include "core.h"
#include "hex.h"
#include "jfield.h"
#include "log.h"
#include "peers.h"

/* The web pages and their assets (web/), embedded by the build
 * (build/gen/party_embed.c). */
ASSET_DECLARE(admin_index_html)
ASSET_DECLARE(admin_css)
ASSET_DECLARE(admin_js)
ASSET_DECLARE(submit_index_html)
ASSET_DECLARE(submit_css)
ASSET_DECLARE(submit_js)
ASSET_DECLARE(submit_upload_js)
ASSET_DECLARE(report_index_html)
ASSET_DECLARE(report_css)
ASSET_DECLARE(report_js)
ASSET_DECLARE(web_base_css)
ASSET_DECLARE(web_mpc_js)
ASSET_DECLARE(web_core_js)
ASSET_DECLARE(web_core_wasm)
ASSET_DECLARE(web_lib_dom_js)
ASSET_DECLARE(web_lib_form_js)
ASSET_DECLARE(web_lib_link_js)
ASSET_DECLARE(web_lib_page_error_js)
ASSET_DECLARE(web_vendor_xlsx_js)

static const asset ASSETS[] = {
    {"/admin", admin_index_html, &admin_index_html_len, ASSET_HTML, HTTP_PAGE},
    {"/admin/", admin_index_html, &admin_index_html_len, ASSET_HTML, HTTP_PAGE},
    {"/admin/admin.css", admin_css, &admin_css_len, ASSET_CSS, 0},
    {"/admin/admin.js", admin_js, &admin_js_len, ASSET_JS, 0},
    {"/submit", submit_index_html, &submit_index_html_len, ASSET_HTML, HTTP_PAGE_WASM},
    {"/submit/", submit_index_html, &submit_index_html_len, ASSET_HTML, HTTP_PAGE_WASM},
    {"/submit/submit.css", submit_css, &submit_css_len, ASSET_CSS, 0},
    {"/submit/submit.js", submit_js, &submit_js_len, ASSET_JS, 0},
    {"/submit/upload.js", submit_upload_js, &submit_upload_js_len, ASSET_JS, 0},
    {"/report", report_index_html, &report_index_html_len, ASSET_HTML, HTTP_PAGE},
    {"/report/", report_index_html, &report_index_html_len, ASSET_HTML, HTTP_PAGE},
    {"/report/report.css", report_css, &report_css_len, ASSET_CSS, 0},
    {"/report/report.js", report_js, &report_js_len, ASSET_JS, 0},
    {"/web/base.css", web_base_css, &web_base_css_len, ASSET_CSS, 0},
    {"/web/mpc.js", web_mpc_js, &web_mpc_js_len, ASSET_JS, 0},
    {"/web/mpc_core.js", web_core_js, &web_core_js_len, ASSET_JS, 0},
    {"/web/mpc_core.wasm", web_core_wasm, &web_core_wasm_len, ASSET_WASM, 0},
    {"/web/lib/dom.js", web_lib_dom_js, &web_lib_dom_js_len, ASSET_JS, 0},
    {"/web/lib/form.js", web_lib_form_js, &web_lib_form_js_len, ASSET_JS, 0},
    {"/web/lib/link.js", web_lib_link_js, &web_lib_link_js_len, ASSET_JS, 0},
    {"/web/lib/page_error.js", web_lib_page_error_js, &web_lib_page_error_js_len, ASSET_JS, 0},
    /* read-excel-file (npm), for the upload page of organization studies */
    {"/web/vendor/read-excel-file.min.js", web_vendor_xlsx_js, &web_vendor_xlsx_js_len, ASSET_JS,
     0},
};

static void raw(http_reply *out, const char *body, size_t len, const char *type, int page)
{
    out->status = 200;
    out->raw = body;
    out->raw_len = len;
    out->content_type = type;
    out->html = page;
}

void h_asset(party_app *app, const http_req *req, http_reply *out)
{
    (void)app;
    const asset *a = asset_find(ASSETS, sizeof ASSETS / sizeof ASSETS[0], req->path);
    if (a != NULL)
        raw(out, a->body, *a->len, a->type, a->page);
    else
        http_error(out, API_NOT_FOUND, "no such page");
}

void h_root(party_app *app, const http_req *req, http_reply *out)
{
    (void)app;
    (void)req;
    out->status = 302;
    snprintf(out->location, sizeof out->location, "/admin");
    out->raw = "";
    out->content_type = "text/plain";
}

void h_study(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    raw(out, app->study_text, app->study_len, "application/json", 0);
}

/* ---- admin session ---------------------------------------------------------- */

void admin_cookie_name(const party_app *app, char out[ADMIN_COOKIE_SIZE])
{
    snprintf(out, ADMIN_COOKIE_SIZE, "%s" ADMIN_COOKIE "_%u_%.8s", app->tls ? "__Host-" : "",
             app->self, app->study_hash_hex);
}

/* A reserved sign-in, checked off the request thread (http_reply.defer). */
typedef struct login_job {
    party_app *app;
    int ticket;
    int64_t now;
    char client[AUTH_CLIENT_MAX];
    char *password;
} login_job;

static void login_finish(void *ctx, http_reply *out)
{
    login_job *job = ctx;
    party_app *app = job->app;
    char cookie[AUTH_TOKEN_HEX + 1], csrf[AUTH_TOKEN_HEX + 1], name[ADMIN_COOKIE_SIZE];
    auth_login r = auth_login_check(app->auth, job->ticket, job->password, job->now, cookie, csrf);
    core_wipe(job->password, strlen(job->password));
    free(job->password);
    if (r != AUTH_LOGIN_OK) {
        http_error(out, API_UNAUTHORIZED, "wrong password");
        log_warn("admin login from %s failed: wrong password", job->client);
        free(job);
        return;
    }
    admin_cookie_name(app, name);
    snprintf(out->set_cookie, sizeof out->set_cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
             name, cookie, app->tls ? "; Secure" : "");
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "csrf", csrf);
    http_json(out, 200, j);
    core_wipe(cookie, sizeof cookie);
    core_wipe(csrf, sizeof csrf);
    log_info("admin signed in from %s", job->client);
    free(job);
}

/* POST /api/login: the attempt is reserved here (the throttling of
 * auth.h), the password hashed off the request thread (login_finish). */
void h_login(party_app *app, const http_req *req, http_reply *out)
{
    const char *type = http_header(req, "Content-Type");
    if (type == NULL || strncmp(type, "application/json", 16) != 0) {
        http_error(out, API_UNSUPPORTED,
                   "send {\"password\": \"...\"} as JSON (Content-Type: application/json)");
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(req->body, req->body_len);
    const cJSON *pw = cJSON_GetObjectItemCaseSensitive(doc, "password");
    if (!cJSON_IsString(pw)) {
        http_error(out, API_BAD_REQUEST, "send {\"password\": \"...\"} as JSON");
        cJSON_Delete(doc);
        return;
    }
    unsigned wait = 0;
    int ticket;
    auth_login r = auth_login_reserve(app->auth, req->client, req->now, &wait, &ticket);
    login_job *job = r == AUTH_LOGIN_OK ? calloc(1, sizeof *job) : NULL;
    if (job != NULL) {
        job->app = app;
        job->ticket = ticket;
        job->now = req->now;
        snprintf(job->client, sizeof job->client, "%s", req->client);
        job->password = strdup(pw->valuestring);
    }
    core_wipe(pw->valuestring, strlen(pw->valuestring));
    cJSON_Delete(doc);
    if (r == AUTH_LOGIN_OK && (job == NULL || job->password == NULL)) {
        auth_login_cancel(app->auth, ticket, req->now);
        free(job);
        http_error(out, API_UNAVAILABLE, "out of memory; try again shortly");
        out->retry_after = 1;
        return;
    }
    if (r == AUTH_LOGIN_OK) {
        out->defer = login_finish;
        out->defer_ctx = job;
        return;
    }
    if (r == AUTH_LOGIN_THROTTLED)
        http_error(out, API_TOO_MANY, "too many sign-in attempts from your address; wait %u s",
                   wait);
    else
        http_error(out, API_UNAVAILABLE, "other sign-ins are being checked; try again in %u s",
                   wait);
    out->retry_after = wait;
    log_warn("admin login from %s refused: %s", req->client,
             r == AUTH_LOGIN_THROTTLED ? "too many failed attempts" : "busy");
}

void h_logout(party_app *app, const http_req *req, http_reply *out)
{
    char name[ADMIN_COOKIE_SIZE];
    admin_cookie_name(app, name);
    auth_logout(app->auth, http_cookie(req, name));
    snprintf(out->set_cookie, sizeof out->set_cookie,
             "%s=; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=0", name,
             app->tls ? "; Secure" : "");
    http_json(out, 200, cJSON_CreateObject());
}

void h_session(party_app *app, const http_req *req, http_reply *out)
{
    char csrf[AUTH_TOKEN_HEX + 1], name[ADMIN_COOKIE_SIZE];
    admin_cookie_name(app, name);
    if (auth_session_check(app->auth, http_cookie(req, name), NULL, req->now, csrf) != 0) {
        http_error(out, API_UNAUTHORIZED, "not signed in");
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "csrf", csrf);
    http_json(out, 200, j);
}

/* ---- status ------------------------------------------------------------------ */

static void add_time(cJSON *obj, const char *name, int64_t t)
{
    char iso[21];
    if (t <= 0) {
        cJSON_AddNullToObject(obj, name);
        return;
    }
    party_iso_time(t, iso);
    cJSON_AddStringToObject(obj, name, iso);
}

/* GET /api/collection: whether this party still accepts submissions
 * ({"open": true}), or closed them when it released the study ({"open":
 * false, "released_at": ISO 8601}). The form asks every party on load. */
void h_collection(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    db_release r;
    db_err e = db_release_get(app->db, study_hash(app->study), &r);
    if (e != DB_OK && e != DB_MISSING) {
        http_error(out, API_UNAVAILABLE, "the database cannot be read");
        return;
    }
    free(r.result);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "open", e == DB_MISSING);
    if (e == DB_OK)
        add_time(j, "released_at", r.released_at);
    http_json(out, 200, j);
}

static void add_tristate(cJSON *obj, const char *name, int v)
{
    if (v < 0)
        cJSON_AddNullToObject(obj, name);
    else
        cJSON_AddBoolToObject(obj, name, v);
}

static cJSON *status_study(const party_app *app)
{
    const study *s = app->study;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", study_id(s));
    cJSON_AddStringToObject(j, "title", study_title(s));
    cJSON_AddStringToObject(j, "hash", app->study_hash_hex);
    cJSON_AddStringToObject(j, "access", study_access_open(s) ? "open" : "token");
    cJSON *names = cJSON_AddArrayToObject(j, "parties");
    for (unsigned i = 0; i < study_num_parties(s); i++)
        cJSON_AddItemToArray(names, cJSON_CreateString(study_party_name(s, i)));
    cJSON_AddNumberToObject(j, "min_submissions", (double)study_min_submissions(s));
    cJSON_AddNumberToObject(j, "min_cell_count", (double)study_min_cell_count(s));
    return j;
}

static cJSON *status_submissions(party_app *app, int64_t now, int *ok)
{
    db_counts c;
    enum { HOURS = 48 };
    int64_t hours[HOURS + 1];
    uint64_t counts[HOURS + 1];
    size_t n = 0;
    int64_t since = (now / 3600 - (HOURS - 1)) * 3600;
    *ok = db_report_counts(app->db, study_hash(app->study), &c) == DB_OK &&
          db_report_per_hour(app->db, study_hash(app->study), since, hours, counts, HOURS + 1,
                             &n) == DB_OK;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "received", (double)c.received);
    cJSON_AddNumberToObject(j, "current", (double)c.current);
    add_time(j, "last_upload", c.last_upload);
    cJSON *per = cJSON_AddArrayToObject(j, "per_hour");
    for (size_t i = 0; i < n; i++) {
        cJSON *h = cJSON_CreateObject();
        add_time(h, "hour", hours[i]);
        cJSON_AddNumberToObject(h, "count", (double)counts[i]);
        cJSON_AddItemToArray(per, h);
    }
    return j;
}

static cJSON *status_peers(party_app *app)
{
    cJSON *arr = cJSON_CreateArray();
    for (unsigned i = 0; i < study_num_parties(app->study); i++) {
        if (i == app->self)
            continue;
        peer_status st;
        peers_get(app->peers, i, &st);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "index", i);
        cJSON_AddStringToObject(p, "name", study_party_name(app->study, i));
        cJSON_AddStringToObject(p, "url", study_party_url(app->study, i));
        add_tristate(p, "reachable", st.checked ? st.reachable : -1);
        add_tristate(p, "same_study", st.same_study);
        add_tristate(p, "approved", st.approved);
        if (st.error[0])
            cJSON_AddStringToObject(p, "error", st.error);
        else
            cJSON_AddNullToObject(p, "error");
        add_time(p, "checked_at", st.checked_at);
        cJSON_AddItemToArray(arr, p);
    }
    return arr;
}

void h_status(party_app *app, const http_req *req, http_reply *out)
{
    const study *s = app->study;
    cJSON *j = cJSON_CreateObject();
    cJSON *party = cJSON_AddObjectToObject(j, "party");
    cJSON_AddNumberToObject(party, "index", app->self);
    cJSON_AddStringToObject(party, "name", study_party_name(s, app->self));
    cJSON_AddStringToObject(party, "url", study_party_url(s, app->self));
    cJSON_AddBoolToObject(party, "leader", app->self == 0);
    cJSON_AddItemToObject(j, "study", status_study(app));
    cJSON_AddItemToObject(j, "plan", study_plan(s));
    int approved = 0, ok;
    int64_t at = 0;
    ok = db_approval_get(app->db, study_hash(s), &approved, &at) == DB_OK;
    cJSON *ap = cJSON_AddObjectToObject(j, "approval");
    cJSON_AddBoolToObject(ap, "approved", approved);
    add_time(ap, "approved_at", approved ? at : 0);
    int ok2;
    cJSON_AddItemToObject(j, "submissions", status_submissions(app, req->now, &ok2));
    cJSON *store = cJSON_AddObjectToObject(j, "storage");
    cJSON_AddNumberToObject(store, "database_bytes", (double)db_size(app->db));
    cJSON_AddItemToObject(j, "peers", status_peers(app));
    cJSON *cs = compute_status(app->compute);
    uint64_t runs = 0;
    if (cs != NULL && study_has_search(s)) {
        /* (the runs of the quantiles' search, against --max-searches) */
        cJSON *q = cJSON_AddObjectToObject(cs, "searches");
        ok = ok && db_search_runs(app->db, study_hash(s), &runs) == DB_OK;
        cJSON_AddNumberToObject(q, "runs", (double)runs);
        cJSON_AddNumberToObject(q, "max", (double)app->max_searches);
    }
    cJSON_AddItemToObject(j, "compute", cs);
    cJSON *server = cJSON_AddObjectToObject(j, "server");
    add_time(server, "started_at", app->started_at);
    cJSON_AddStringToObject(server, "version", PARTY_VERSION);
    if (!ok || !ok2) {
        cJSON_Delete(j);
        http_error(out, API_UNAVAILABLE, "the database cannot be read");
        return;
    }
    http_json(out, 200, j);
}

/* The organizer's view of this party (its console's collection page):
 * the study it serves, whether it approved it, how many submissions it
 * holds and the compute's state. Counts only: never a token, a report id
 * or an address. */
void h_organizer_status(party_app *app, const http_req *req, http_reply *out)
{
    const study *s = app->study;
    int approved = 0, ok, ok2;
    int64_t at = 0;
    ok = db_approval_get(app->db, study_hash(s), &approved, &at) == DB_OK;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "index", app->self);
    cJSON_AddStringToObject(j, "name", study_party_name(s, app->self));
    cJSON_AddStringToObject(j, "study", app->study_hash_hex);
    cJSON_AddBoolToObject(j, "approved", approved);
    add_time(j, "approved_at", approved ? at : 0);
    cJSON_AddItemToObject(j, "submissions", status_submissions(app, req->now, &ok2));
    cJSON *c = compute_status(app->compute),
          *state = cJSON_DetachItemFromObjectCaseSensitive(c, "state");
    cJSON_Delete(c);
    cJSON_AddItemToObject(j, "compute", state);
    add_time(j, "now", req->now);
    if (!ok || !ok2) {
        cJSON_Delete(j);
        http_error(out, API_UNAVAILABLE, "the database cannot be read");
        return;
    }
    http_json(out, 200, j);
}

void h_approve(party_app *app, const http_req *req, http_reply *out)
{
    cJSON *doc = cJSON_ParseWithLength(req->body, req->body_len);
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(doc, "hash");
    if (!cJSON_IsString(hash)) {
        http_error(out, API_BAD_REQUEST, "send {\"hash\": \"<the study hash>\"} as JSON");
    } else if (strcmp(hash->valuestring, app->study_hash_hex) != 0) {
        http_error(out, API_CONFLICT,
                   "this is not the hash of the study this party serves; nothing was approved");
    } else if (db_approve(app->db, study_hash(app->study), req->now, "dashboard") != DB_OK) {
        http_error(out, API_UNAVAILABLE, "the approval could not be stored");
    } else {
        int approved;
        int64_t at;
        if (db_approval_get(app->db, study_hash(app->study), &approved, &at) != DB_OK)
            at = req->now;
        cJSON *j = cJSON_CreateObject();
        cJSON_AddBoolToObject(j, "approved", 1);
        add_time(j, "approved_at", at);
        http_json(out, 200, j);
        log_info("study %.16s... approved on the dashboard", app->study_hash_hex);
    }
    cJSON_Delete(doc);
}

/* ---- peers ------------------------------------------------------------------ */

void h_peer_hello(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    int approved = 0;
    int64_t at;
    if (db_approval_get(app->db, study_hash(app->study), &approved, &at) != DB_OK) {
        http_error(out, API_UNAVAILABLE, "the database cannot be read");
        return;
    }
    /* With the approval, its statement signed with this party's key: the
     * other parties check it before they take part (docs/COMPUTE.md). */
    uint8_t sig[SIGN_SIG_SIZE];
    if (approved && !compute_approval(app, sig)) {
        http_error(out, API_UNAVAILABLE, "the approval cannot be read or signed");
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "party", app->self);
    cJSON_AddStringToObject(j, "study_hash", app->study_hash_hex);
    cJSON_AddBoolToObject(j, "approved", approved);
    if (approved && jfield_put_b64(j, "approval", sig, sizeof sig) != 0) {
        cJSON_Delete(j);
        http_error(out, API_INTERNAL, "out of memory");
        return;
    }
    http_json(out, 200, j);
}

void h_peer_unknown(party_app *app, const http_req *req, http_reply *out)
{
    (void)app;
    http_error(out, API_NOT_FOUND, "no peer endpoint %.80s", req->path);
}
