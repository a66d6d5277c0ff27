/*
 * console_api.c - what the organizer's console does (console.h), through
 * the same code as the commands: org_seal and org_links_csv (organizer.c),
 * org_request (compute.c) and the report's writers (report_file.c).
 *
 *   GET    /api/state           the folder: the study, the parties, the seal, the links
 *   GET    /api/template?name=  a template study (pay-equity, union-vote,
 *                                eu-pay-transparency)
 *   PUT    /api/study           the study (checked by the core; refused once sealed)
 *   POST   /api/parties         a party's party.pub.json (checked, distinct)
 *   DELETE /api/parties/N       removes party N (1 is the leader)
 *   POST   /api/parties/N/lead  makes party N the leader
 *   POST   /api/seal            seals the study for its parties: sealed.json
 *   POST   /api/unseal          sets sealed.json aside to change the study
 *   GET    /api/sealed.json     the sealed study, as a download
 *   POST   /api/links           {"count": N} or {"emails": [...]}: a CSV of links
 *   GET    /api/links/N         an earlier file of links
 *   GET    /api/collection      every party's counts (signed requests)
 *   POST   /api/compute, GET /api/compute   the leader's compute
 *   GET    /api/report.csv, /api/report.xlsx, /api/report/link   the report
 */
/* (realpath) */
#define _XOPEN_SOURCE 700

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "asset.h"
#include "console.h"
#include "core.h"
#include "fileio.h"
#include "hex.h"
#include "httpc.h"
#include "mpc.h"
#include "party_file.h"
#include "reqsign.h"
#include "report_file.h"
#include "sealed.h"

ASSET_DECLARE(template_pay_equity)
ASSET_DECLARE(template_union_vote)
ASSET_DECLARE(template_eu_pay)

#define PATH_SIZE (CONSOLE_PATH_MAX + 64)
#define STATUS_TIMEOUT_MS 4000

/* ---- the folder's files --------------------------------------------------------- */

static int file_exists(const console *c, const char *name)
{
    char path[PATH_SIZE];
    struct stat sb;
    return con_path(c, name, path, sizeof path) == 0 && stat(path, &sb) == 0;
}

/* A file of the folder as text (*text NULL if it does not exist). */
static int read_file(const console *c, const char *name, size_t max, char **text, size_t *len)
{
    char path[PATH_SIZE];
    *text = NULL;
    *len = 0;
    if (con_path(c, name, path, sizeof path) != 0)
        return -1;
    if (fileio_read(path, max, text, len) != 0)
        return errno == ENOENT ? 0 : -1;
    return 0;
}

static int write_file(const console *c, const char *name, const char *text, size_t len,
                      unsigned mode)
{
    char path[PATH_SIZE];
    return con_path(c, name, path, sizeof path) == 0 && fileio_write(path, text, len, mode, 0) == 0
               ? 0
               : -1;
}

/* A JSON file of the folder, or NULL (missing or unreadable). */
static cJSON *read_json_file(const console *c, const char *name, size_t max)
{
    char *text;
    size_t len;
    if (read_file(c, name, max, &text, &len) != 0 || text == NULL)
        return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    return j;
}

static cJSON *load_parties(const console *c)
{
    cJSON *p = read_json_file(c, CONSOLE_PARTIES, (size_t)STUDY_MAX_PARTIES * PARTY_FILE_MAX);
    if (!cJSON_IsArray(p)) {
        cJSON_Delete(p);
        p = cJSON_CreateArray();
    }
    return p;
}

static int save_json(const console *c, const char *name, const cJSON *j)
{
    char *text = cJSON_Print(j);
    int rc = text != NULL ? write_file(c, name, text, strlen(text), 0644) : -1;
    free(text);
    return rc;
}

static int sealed_exists(const console *c)
{
    return file_exists(c, CONSOLE_SEALED);
}

/* The organizer's context for the sealed study (keys and study). */
static int load_org(console *c, org_ctx *o, char *err, size_t err_size)
{
    char path[PATH_SIZE];
    pthread_mutex_lock(&c->lock);
    int rc = con_path(c, CONSOLE_SEALED, path, sizeof path) == 0 && sealed_exists(c)
                 ? org_load(c->dir, path, o, err, err_size)
                 : (snprintf(err, err_size, "the study is not sealed yet"), -1);
    pthread_mutex_unlock(&c->lock);
    if (rc != 0)
        memset(o, 0, sizeof *o);
    o->cacert = c->cacert;
    return rc;
}

/* The hash in groups of eight digits, as the party's dashboard shows it,
 * to read aloud or compare. */
static void hash_groups(const char *hex, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; hex[i] != '\0' && n + 6 < size; i++) {
        if (i > 0 && i % 8 == 0)
            out[n++] = ' ';
        out[n++] = hex[i];
    }
    out[n] = '\0';
}

/* ---- the state -------------------------------------------------------------------- */

static cJSON *links_state(const console *c)
{
    cJSON *arr = cJSON_CreateArray();
    char dir[PATH_SIZE], name[64];
    if (con_path(c, CONSOLE_LINKS, dir, sizeof dir) != 0)
        return arr;
    for (unsigned n = 1; n <= CONSOLE_MAX_FILES; n++) {
        snprintf(name, sizeof name, "%s/links-%u.csv", CONSOLE_LINKS, n);
        char *text;
        size_t len;
        if (read_file(c, name, (size_t)CONSOLE_MAX_LINKS * 2048, &text, &len) != 0 || !text)
            break;
        size_t rows = 0;
        for (size_t i = 0; i < len; i++)
            rows += text[i] == '\n';
        cJSON *l = cJSON_CreateObject();
        cJSON_AddNumberToObject(l, "number", n);
        cJSON_AddNumberToObject(l, "links", rows > 0 ? (double)(rows - 1) : 0);
        cJSON_AddStringToObject(l, "kind", strncmp(text, "email,", 6) == 0 ? "email" : "token");
        cJSON_AddItemToArray(arr, l);
        free(text);
    }
    return arr;
}

static void api_state(console *c, con_reply *out)
{
    cJSON *j = cJSON_CreateObject();
    char abs[PATH_SIZE];
    cJSON_AddStringToObject(j, "dir", realpath(c->dir, abs) != NULL ? abs : c->dir);
    cJSON_AddBoolToObject(j, "created_key", c->created_key);
    cJSON *draft = read_json_file(c, CONSOLE_STUDY, STUDY_MAX_JSON);
    cJSON_AddItemToObject(j, "study", draft != NULL ? draft : cJSON_CreateNull());
    cJSON_AddItemToObject(j, "parties", load_parties(c));
    char path[PATH_SIZE], err[600], *text = NULL;
    study *s = NULL;
    if (sealed_exists(c) && con_path(c, CONSOLE_SEALED, path, sizeof path) == 0 &&
        sealed_load(path, &s, &text, err, sizeof err) == 0) {
        /* Once sealed, the study and parties shown are the sealed ones
         * (what the parties approve), whatever else the folder holds. */
        cJSON *doc = cJSON_Parse(text);
        free(text);
        cJSON *parties = cJSON_DetachItemFromObjectCaseSensitive(doc, "parties");
        static const char *const SEALING[] = {"organizer", "hash", "signature"};
        for (size_t i = 0; i < 3; i++)
            cJSON_DeleteItemFromObjectCaseSensitive(doc, SEALING[i]);
        if (doc != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(j, "study", doc);
        if (parties != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(j, "parties", parties);
        char hex[2 * STUDY_HASH_SIZE + 1], groups[100];
        hex_encode(study_hash(s), STUDY_HASH_SIZE, hex);
        hash_groups(hex, groups, sizeof groups);
        cJSON *sj = cJSON_AddObjectToObject(j, "sealed");
        cJSON_AddStringToObject(sj, "hash", hex);
        cJSON_AddStringToObject(sj, "hash_groups", groups);
        cJSON_AddStringToObject(sj, "title", study_title(s));
        cJSON_AddBoolToObject(sj, "open", study_access_open(s));
        cJSON_AddItemToObject(sj, "plan", study_plan(s));
        if (study_access_open(s)) {
            char link[800];
            snprintf(link, sizeof link, "%s/submit#study=%s", study_party_url(s, 0), hex);
            cJSON_AddStringToObject(sj, "form_link", link);
        }
        study_free(s);
    } else {
        cJSON_AddNullToObject(j, "sealed");
        if (sealed_exists(c))
            cJSON_AddStringToObject(j, "sealed_error", err);
    }
    cJSON_AddItemToObject(j, "links", links_state(c));
    out->json = j;
}

static void api_template(const con_req *r, con_reply *out)
{
    const char *text = NULL;
    size_t len = 0;
    if (strcmp(r->query, "pay-equity") == 0) {
        text = template_pay_equity;
        len = template_pay_equity_len;
    } else if (strcmp(r->query, "union-vote") == 0) {
        text = template_union_vote;
        len = template_union_vote_len;
    } else if (strcmp(r->query, "eu-pay-transparency") == 0) {
        text = template_eu_pay;
        len = template_eu_pay_len;
    }
    if (text == NULL) {
        con_error(out, 404, NULL,
                  "no such template (pay-equity, union-vote or eu-pay-transparency)");
        return;
    }
    out->json = cJSON_ParseWithLength(text, len);
}

/* ---- the study and its parties --------------------------------------------------- */

static int refuse_if_sealed(const console *c, con_reply *out)
{
    if (!sealed_exists(c))
        return 0;
    con_error(out, 409, NULL,
              "the study is sealed: it can no longer change. To change it, set the seal aside "
              "(\"Change the study\"): every party will then need the new sealed file and must "
              "approve it again");
    return -1;
}

/* The member a core message names ("fields[1].max: must be ..."), or NULL. */
static const char *message_field(const char *msg, char *out, size_t size)
{
    size_t n = strcspn(msg, ": ");
    if (n == 0 || n >= size || msg[n] != ':' || strncmp(msg, "line ", 5) == 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)msg[i]) && strchr("_[].", msg[i]) == NULL)
            return NULL;
    memcpy(out, msg, n);
    out[n] = '\0';
    return out;
}

static void api_put_study(console *c, const con_req *r, con_reply *out)
{
    if (refuse_if_sealed(c, out))
        return;
    char why[STUDY_ERR_SIZE], field[STUDY_ERR_SIZE];
    if (r->body_len > STUDY_MAX_JSON) {
        con_error(out, 413, NULL, "a study is at most %zu bytes", (size_t)STUDY_MAX_JSON);
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(r->body, r->body_len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        con_error(out, 400, NULL, "the study must be a JSON object");
        return;
    }
    static const char *const SEALING[] = {"parties", "organizer", "hash", "signature"};
    for (size_t i = 0; i < 4; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(doc, SEALING[i]);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    study *s = NULL;
    core_err e =
        text != NULL ? study_parse(text, strlen(text), 0, &s, why, sizeof why) : CORE_ENOMEM;
    study_free(s);
    if (e != CORE_OK) {
        con_error(out, 400, e == CORE_ENOMEM ? NULL : message_field(why, field, sizeof field), "%s",
                  e == CORE_ENOMEM ? "out of memory" : why);
    } else if (write_file(c, CONSOLE_STUDY, text, strlen(text), 0644) != 0) {
        con_error(out, 500, NULL, "cannot write %s in %s: %s", CONSOLE_STUDY, c->dir,
                  strerror(errno));
    } else {
        api_state(c, out);
    }
    free(text);
}

static void api_add_party(console *c, const con_req *r, con_reply *out)
{
    if (refuse_if_sealed(c, out))
        return;
    cJSON *parties = load_parties(c);
    char err[800], why[600];
    cJSON *entry = NULL;
    if (cJSON_GetArraySize(parties) >= STUDY_MAX_PARTIES) {
        con_error(out, 400, NULL, "a study has at most %d parties", STUDY_MAX_PARTIES);
    } else if ((entry = party_file_parse(r->body, r->body_len, "this party.pub.json", err,
                                         sizeof err)) == NULL) {
        con_error(out, 400, NULL, "%s", err);
    } else if (party_file_distinct(parties, entry, why, sizeof why) != 0) {
        con_error(out, 409, NULL, "%s", why);
        cJSON_Delete(entry);
    } else {
        cJSON_AddItemToArray(parties, entry);
        if (save_json(c, CONSOLE_PARTIES, parties) != 0)
            con_error(out, 500, NULL, "cannot write %s: %s", CONSOLE_PARTIES, strerror(errno));
        else
            api_state(c, out);
    }
    cJSON_Delete(parties);
}

/* DELETE /api/parties/N and POST /api/parties/N/lead. */
static void api_party(console *c, const con_req *r, con_reply *out)
{
    if (refuse_if_sealed(c, out))
        return;
    const char *rest = r->path + strlen("/api/parties/");
    char *end;
    long n = strtol(rest, &end, 10);
    int lead = strcmp(end, "/lead") == 0;
    cJSON *parties = load_parties(c);
    if (!isdigit((unsigned char)rest[0]) || n < 1 || n > cJSON_GetArraySize(parties) ||
        (*end != '\0' && !lead)) {
        con_error(out, 404, NULL, "no such party");
    } else if (lead != (strcmp(r->method, "POST") == 0) ||
               (!lead && strcmp(r->method, "DELETE") != 0)) {
        con_error(out, 405, NULL,
                  "DELETE /api/parties/N removes a party; POST .../lead makes it "
                  "the leader");
    } else {
        cJSON *p = cJSON_DetachItemFromArray(parties, (int)n - 1);
        if (lead)
            cJSON_InsertItemInArray(parties, 0, p);
        else
            cJSON_Delete(p);
        if (save_json(c, CONSOLE_PARTIES, parties) != 0)
            con_error(out, 500, NULL, "cannot write %s: %s", CONSOLE_PARTIES, strerror(errno));
        else
            api_state(c, out);
    }
    cJSON_Delete(parties);
}

static void api_seal(console *c, con_reply *out)
{
    if (refuse_if_sealed(c, out))
        return;
    cJSON *doc = read_json_file(c, CONSOLE_STUDY, STUDY_MAX_JSON), *parties = load_parties(c);
    char err[800];
    organizer_keys k;
    study *s = NULL;
    if (doc == NULL) {
        con_error(out, 409, NULL, "write the study first (page 1)");
        cJSON_Delete(parties);
        return;
    }
    if (cJSON_GetArraySize(parties) < STUDY_MIN_PARTIES) {
        con_error(out, 409, NULL, "add at least %d parties first (page 2)", STUDY_MIN_PARTIES);
        cJSON_Delete(parties);
        cJSON_Delete(doc);
        return;
    }
    if (keys_organizer_load(c->dir, &k, err, sizeof err) != 0) {
        con_error(out, 500, NULL, "%s", err);
        cJSON_Delete(parties);
        cJSON_Delete(doc);
        return;
    }
    char *text = org_seal(&k, doc, parties, &s, err, sizeof err);
    core_wipe(&k, sizeof k);
    study_free(s);
    cJSON_Delete(doc);
    if (text == NULL)
        con_error(out, 400, NULL, "%s", err);
    else if (write_file(c, CONSOLE_SEALED, text, strlen(text), 0644) != 0)
        con_error(out, 500, NULL, "cannot write %s: %s", CONSOLE_SEALED, strerror(errno));
    else
        api_state(c, out);
    free(text);
}

/* The sealed file is kept, renamed sealed-N.json, never deleted. */
static void api_unseal(console *c, con_reply *out)
{
    char from[PATH_SIZE], to[PATH_SIZE], name[64];
    if (!sealed_exists(c)) {
        con_error(out, 409, NULL, "the study is not sealed");
        return;
    }
    for (unsigned n = 1; n < 10000; n++) {
        snprintf(name, sizeof name, "sealed-%u.json", n);
        if (file_exists(c, name))
            continue;
        if (con_path(c, CONSOLE_SEALED, from, sizeof from) != 0 ||
            con_path(c, name, to, sizeof to) != 0 || rename(from, to) != 0) {
            con_error(out, 500, NULL, "cannot rename %s: %s", CONSOLE_SEALED, strerror(errno));
            return;
        }
        api_state(c, out);
        return;
    }
    con_error(out, 500, NULL, "too many earlier seals in %s", c->dir);
}

static void download(con_reply *out, char *body, size_t len, const char *type, const char *name)
{
    out->body = body;
    out->body_len = len;
    out->type = type;
    snprintf(out->disposition, sizeof out->disposition, "attachment; filename=\"%s\"", name);
}

static void api_sealed_file(console *c, con_reply *out)
{
    char *text;
    size_t len;
    if (read_file(c, CONSOLE_SEALED, STUDY_MAX_JSON + 65536, &text, &len) != 0 || text == NULL) {
        con_error(out, 404, NULL, "the study is not sealed yet");
        return;
    }
    download(out, text, len, "application/json", "sealed.json");
}

/* ---- participation links ------------------------------------------------------ */

static void api_links(console *c, const con_req *r, con_reply *out)
{
    cJSON *req = cJSON_ParseWithLength(r->body, r->body_len);
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(req, "count");
    const cJSON *emails = cJSON_GetObjectItemCaseSensitive(req, "emails");
    const char **list = NULL;
    size_t n = 0;
    char err[800];
    org_ctx o;
    char *csv = NULL;
    if (load_org(c, &o, err, sizeof err) != 0) {
        con_error(out, 409, NULL, "%s", err);
        goto done;
    }
    if (study_access_open(o.study)) {
        con_error(out, 409, NULL, "this study is open (its access is open): it needs no links");
        goto done;
    }
    if (cJSON_IsNumber(count) && emails == NULL) {
        if (count->valuedouble < 1 || count->valuedouble > CONSOLE_MAX_LINKS ||
            count->valuedouble != (double)(size_t)count->valuedouble) {
            con_error(out, 400, "count", "the number of links must be from 1 to %d",
                      CONSOLE_MAX_LINKS);
            goto done;
        }
        n = (size_t)count->valuedouble;
    } else if (cJSON_IsArray(emails) && count == NULL) {
        int len = cJSON_GetArraySize(emails);
        if (len < 1 || len > CONSOLE_MAX_LINKS) {
            con_error(out, 400, "emails", "give 1 to %d e-mail addresses", CONSOLE_MAX_LINKS);
            goto done;
        }
        if ((list = calloc((size_t)len, sizeof *list)) == NULL) {
            con_error(out, 500, NULL, "out of memory");
            goto done;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, emails)
        {
            if (!cJSON_IsString(e)) {
                con_error(out, 400, "emails", "each e-mail address must be a string");
                goto done;
            }
            if (org_email_check(e->valuestring, err, sizeof err) != 0) {
                con_error(out, 400, "emails", "line %zu: %s", n + 1, err);
                goto done;
            }
            for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], e->valuestring) == 0) {
                    con_error(out, 400, "emails",
                              "%s is in the list twice (lines %zu and %zu): each person gets one "
                              "link",
                              e->valuestring, i + 1, n + 1);
                    goto done;
                }
            list[n++] = e->valuestring;
        }
    } else {
        con_error(out, 400, NULL, "send {\"count\": N} or {\"emails\": [...]}");
        goto done;
    }
    if ((csv = org_links_csv(&o.keys, o.study, n, list, err, sizeof err)) == NULL) {
        con_error(out, 500, NULL, "%s", err);
        goto done;
    }
    /* Kept in the folder (0600: a link lets its holder answer). */
    char dir[PATH_SIZE], name[64];
    if (con_path(c, CONSOLE_LINKS, dir, sizeof dir) != 0 || fileio_mkdirs(dir) != 0) {
        con_error(out, 500, NULL, "cannot create %s/%s: %s", c->dir, CONSOLE_LINKS,
                  strerror(errno));
        goto done;
    }
    pthread_mutex_lock(&c->lock);
    unsigned number = 1;
    for (; number <= CONSOLE_MAX_FILES; number++) {
        snprintf(name, sizeof name, "%s/links-%u.csv", CONSOLE_LINKS, number);
        if (!file_exists(c, name))
            break;
    }
    int bad = number > CONSOLE_MAX_FILES ? -2 : write_file(c, name, csv, strlen(csv), 0600);
    pthread_mutex_unlock(&c->lock);
    if (bad == -2) {
        con_error(out, 409, NULL, "%s/%s already holds %d files of links", c->dir, CONSOLE_LINKS,
                  CONSOLE_MAX_FILES);
        goto done;
    }
    if (bad) {
        con_error(out, 500, NULL, "cannot write %s: %s", name, strerror(errno));
        goto done;
    }
    download(out, csv, strlen(csv), "text/csv; charset=utf-8", name + strlen(CONSOLE_LINKS) + 1);
    csv = NULL;
done:
    free(csv);
    free(list);
    cJSON_Delete(req);
    org_free(&o);
}

static void api_links_file(console *c, const con_req *r, con_reply *out)
{
    const char *rest = r->path + strlen("/api/links/");
    char *end, name[64];
    unsigned long n = strtoul(rest, &end, 10);
    char *text;
    size_t len;
    if (!isdigit((unsigned char)rest[0]) || *end != '\0' || n < 1 || n > CONSOLE_MAX_FILES) {
        con_error(out, 404, NULL, "no such file of links");
        return;
    }
    snprintf(name, sizeof name, "%s/links-%lu.csv", CONSOLE_LINKS, n);
    if (read_file(c, name, (size_t)CONSOLE_MAX_LINKS * 2048, &text, &len) != 0 || text == NULL) {
        con_error(out, 404, NULL, "no such file of links");
        return;
    }
    download(out, text, len, "text/csv; charset=utf-8", name + strlen(CONSOLE_LINKS) + 1);
}

/* ---- the collection ------------------------------------------------------------- */

static const char *str_of(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* One party's counts: an organizer-signed GET /api/organizer/status. */
static cJSON *party_status(const org_ctx *o, unsigned i, const char *hash_hex)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "index", i);
    cJSON_AddStringToObject(p, "name", study_party_name(o->study, i));
    cJSON_AddStringToObject(p, "url", study_party_url(o->study, i));
    char url[700], why[400];
    snprintf(url, sizeof url, "%s/api/organizer/status", study_party_url(o->study, i));
    reqsign_headers h;
    httpc_response resp = {0};
    if (reqsign_sign(o->keys.sign_sk, REQSIGN_ORGANIZER_PREFIX, REQSIGN_ORGANIZER, i,
                     study_hash(o->study), "GET", "/api/organizer/status", "", 0,
                     (int64_t)time(NULL), &h) != 0) {
        cJSON_AddStringToObject(p, "error", "cannot sign the request");
        return p;
    }
    httpc_request r = {.method = "GET",
                       .url = url,
                       .headers = h.list,
                       .timeout_ms = STATUS_TIMEOUT_MS,
                       .max_response = (size_t)1 << 20,
                       .cacert = o->cacert};
    if (httpc_perform(NULL, &r, &resp, why, sizeof why) != 0) {
        cJSON_AddBoolToObject(p, "reachable", 0);
        cJSON_AddStringToObject(p, "error", why);
        return p;
    }
    cJSON_AddBoolToObject(p, "reachable", 1);
    cJSON *j = cJSON_ParseWithLength(resp.body, resp.len);
    free(resp.body);
    if (resp.status != 200 || j == NULL) {
        const char *e = str_of(j, "error");
        char msg[600];
        /* (A party of another version of the study cannot check the
         * organizer's signature for this one: 401.) */
        snprintf(msg, sizeof msg, "%s (HTTP %ld)%s", e != NULL ? e : "an answer that is not JSON",
                 resp.status,
                 resp.status == 401 ? ": it may serve another study, or another version of this "
                                      "one; check its dashboard"
                                    : "");
        cJSON_AddStringToObject(p, "error", msg);
        cJSON_Delete(j);
        return p;
    }
    const char *served = str_of(j, "study");
    cJSON_AddBoolToObject(p, "same_study", served != NULL && strcmp(served, hash_hex) == 0);
    cJSON_AddBoolToObject(p, "approved",
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "approved")));
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(j, "submissions");
    cJSON_AddNumberToObject(p, "received", num_of(sub, "received"));
    cJSON_AddNumberToObject(p, "current", num_of(sub, "current"));
    const char *last = str_of(sub, "last_upload");
    cJSON_AddStringToObject(p, "last_upload", last != NULL ? last : "");
    const char *state = str_of(j, "compute");
    cJSON_AddStringToObject(p, "compute", state != NULL ? state : "");
    cJSON_AddNullToObject(p, "error");
    cJSON_Delete(j);
    return p;
}

typedef struct status_job {
    const org_ctx *o;
    unsigned index;
    const char *hash_hex;
    pthread_t thread;
    int started;
    cJSON *out;
} status_job;

static void *status_thread(void *arg)
{
    status_job *job = arg;
    job->out = party_status(job->o, job->index, job->hash_hex);
    return NULL;
}

static void api_collection(console *c, con_reply *out)
{
    org_ctx o;
    char err[800], hex[2 * STUDY_HASH_SIZE + 1];
    if (load_org(c, &o, err, sizeof err) != 0) {
        con_error(out, 409, NULL, "%s", err);
        org_free(&o);
        return;
    }
    hex_encode(study_hash(o.study), STUDY_HASH_SIZE, hex);
    cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "parties");
    console_sample now = {.at = (int64_t)time(NULL)};
    /* Every party at once: one that does not answer costs its timeout,
     * not the sum of all of them. */
    status_job jobs[STUDY_MAX_PARTIES];
    unsigned n = study_num_parties(o.study);
    for (unsigned i = 0; i < n; i++) {
        jobs[i] = (status_job){.o = &o, .index = i, .hash_hex = hex};
        jobs[i].started = pthread_create(&jobs[i].thread, NULL, status_thread, &jobs[i]) == 0;
        if (!jobs[i].started)
            status_thread(&jobs[i]);
    }
    for (unsigned i = 0; i < n; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].thread, NULL);
        cJSON *p = jobs[i].out != NULL ? jobs[i].out : cJSON_CreateObject();
        now.received[i] = num_of(p, "received");
        cJSON_AddItemToArray(arr, p);
    }
    /* The history: samples at least 2 s apart, then this one. */
    pthread_mutex_lock(&c->lock);
    size_t len = c->history_len;
    int kept = len == 0 || now.at >= c->history[len - 1].at + 2;
    if (kept) {
        if (len == CONSOLE_HISTORY) {
            memmove(c->history, c->history + 1, sizeof c->history[0] * (CONSOLE_HISTORY - 1));
            c->history_len--;
        }
        c->history[c->history_len++] = now;
    }
    cJSON *hist = cJSON_AddArrayToObject(j, "history");
    for (size_t k = 0; k < c->history_len + !kept; k++) {
        const console_sample *sample = k < c->history_len ? &c->history[k] : &now;
        cJSON *s = cJSON_CreateObject(), *v = cJSON_AddArrayToObject(s, "received");
        cJSON_AddNumberToObject(s, "at", (double)sample->at);
        for (unsigned i = 0; i < n; i++)
            cJSON_AddItemToArray(v, cJSON_CreateNumber(sample->received[i]));
        cJSON_AddItemToArray(hist, s);
    }
    pthread_mutex_unlock(&c->lock);
    cJSON_AddStringToObject(j, "hash", hex);
    out->json = j;
    org_free(&o);
}

/* ---- the compute and the report ------------------------------------------------ */

/* A request to the leader, its answer passed on (502 if unreachable). */
static void leader_request(console *c, const char *method, const char *path, con_reply *out)
{
    org_ctx o;
    char err[1000];
    long status = 0;
    if (load_org(c, &o, err, sizeof err) != 0) {
        con_error(out, 409, NULL, "%s", err);
    } else {
        cJSON *j = org_request(&o, method, path, &status, err, sizeof err);
        if (j == NULL)
            con_error(out, 502, NULL, "%s", err);
        else if (status >= 300) {
            con_error(out, (unsigned)status, NULL, "%s", err);
            cJSON_Delete(j);
        } else {
            out->status = (unsigned)status;
            out->json = j;
        }
    }
    org_free(&o);
}

static void api_report(console *c, const con_req *r, con_reply *out)
{
    org_ctx o;
    char err[1200], path[PATH_SIZE], tmp[PATH_SIZE + 16];
    long status = 0;
    cJSON *j = NULL;
    study_row_ref *refs = NULL;
    int xlsx = strcmp(r->path, "/api/report.xlsx") == 0;
    if (load_org(c, &o, err, sizeof err) != 0) {
        con_error(out, 409, NULL, "%s", err);
        goto done;
    }
    if (strcmp(r->path, "/api/report/link") == 0) {
        char link[1024];
        if (org_report_link(&o, link, sizeof link) != 0) {
            con_error(out, 500, NULL, "cannot sign the report link");
            goto done;
        }
        out->json = cJSON_CreateObject();
        cJSON_AddStringToObject(out->json, "link", link);
        goto done;
    }
    if ((j = org_request(&o, "GET", "/api/result", &status, err, sizeof err)) == NULL ||
        status != 200) {
        con_error(out, j == NULL ? 502 : (unsigned)status, NULL, "%s", err);
        goto done;
    }
    if (report_check(o.study, j, &refs, err, sizeof err) != 0) {
        con_error(out, 502, NULL, "the leader's result does not match the study: %s", err);
        goto done;
    }
    /* Written into the folder (renamed into place), then sent. */
    const char *name = xlsx ? "report.xlsx" : "report.csv";
    if (con_path(c, name, path, sizeof path) != 0) {
        con_error(out, 500, NULL, "--dir is too long");
        goto done;
    }
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    int bad;
    if (xlsx) {
        bad = report_xlsx(tmp, o.study, j, refs) != LXW_NO_ERROR;
    } else {
        FILE *f = fopen(tmp, "w");
        bad = f == NULL || report_csv(f, o.study, cJSON_GetObjectItemCaseSensitive(j, "rows"), refs) != 0;
        if (f != NULL && fclose(f) != 0)
            bad = 1;
    }
    char *body = NULL;
    size_t len = 0;
    if (bad || rename(tmp, path) != 0 || fileio_read(path, (size_t)256 << 20, &body, &len) != 0) {
        remove(tmp);
        con_error(out, 500, NULL, "cannot write %s in %s: %s", name, c->dir, strerror(errno));
        goto done;
    }
    download(out, body, len,
             xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                  : "text/csv; charset=utf-8",
             name);
done:
    free(refs);
    cJSON_Delete(j);
    org_free(&o);
}

/* ---- the routes ------------------------------------------------------------------ */

void con_api(console *c, const con_req *r, con_reply *out)
{
    const char *p = r->path, *m = r->method;
    int get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
    if (strcmp(p, "/api/state") == 0 && get)
        api_state(c, out);
    else if (strcmp(p, "/api/template") == 0 && get)
        api_template(r, out);
    else if (strcmp(p, "/api/study") == 0 && strcmp(m, "PUT") == 0) {
        pthread_mutex_lock(&c->lock);
        api_put_study(c, r, out);
        pthread_mutex_unlock(&c->lock);
    } else if (strcmp(p, "/api/parties") == 0 && post) {
        pthread_mutex_lock(&c->lock);
        api_add_party(c, r, out);
        pthread_mutex_unlock(&c->lock);
    } else if (strncmp(p, "/api/parties/", 13) == 0) {
        pthread_mutex_lock(&c->lock);
        api_party(c, r, out);
        pthread_mutex_unlock(&c->lock);
    } else if (strcmp(p, "/api/seal") == 0 && post) {
        pthread_mutex_lock(&c->lock);
        api_seal(c, out);
        pthread_mutex_unlock(&c->lock);
    } else if (strcmp(p, "/api/unseal") == 0 && post) {
        pthread_mutex_lock(&c->lock);
        api_unseal(c, out);
        pthread_mutex_unlock(&c->lock);
    } else if (strcmp(p, "/api/sealed.json") == 0 && get)
        api_sealed_file(c, out);
    else if (strcmp(p, "/api/links") == 0 && post)
        api_links(c, r, out);
    else if (strncmp(p, "/api/links/", 11) == 0 && get)
        api_links_file(c, r, out);
    else if (strcmp(p, "/api/collection") == 0 && get)
        api_collection(c, out);
    else if (strcmp(p, "/api/compute") == 0 && (get || post))
        leader_request(c, m, "/api/compute", out);
    else if ((strcmp(p, "/api/report.csv") == 0 || strcmp(p, "/api/report.xlsx") == 0 ||
              strcmp(p, "/api/report/link") == 0) &&
             get)
        api_report(c, r, out);
    else
        con_error(out, 404, NULL, "no such request: %.20s %.80s", m, p);
}
