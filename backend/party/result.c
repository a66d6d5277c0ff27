/*
 * result.c - what the organizer reads of the compute: its progress (GET
 * /api/compute), the released result (GET /api/result, signed by the
 * organizer), the same for the report page (GET /api/report, with the
 * organizer's report key) and the report's spreadsheet (GET
 * /api/report.xlsx, with the same key).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compute.h"
#include "fileio.h"
#include "handlers.h"
#include "hex.h"
#include "log.h"
#include "report_file.h"
#include "reqsign.h"
#include "sign.h"

/* The largest spreadsheet served (a study's rows are bounded: a few MB at
 * most). */
#define XLSX_MAX ((size_t)64 << 20)

void h_compute_get(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    http_json(out, 200, compute_status(app->compute));
}

/* The released result: {study, title, released_at, accepted, rejected,
 * incomplete, min_submissions, min_cell_count, plan, rows}; or NULL with
 * the error reply set. */
static cJSON *result_json(party_app *app, http_reply *out)
{
    db_release r;
    db_err e = db_release_get(app->db, study_hash(app->study), &r);
    if (e != DB_OK || r.result == NULL) {
        if (e == DB_OK)
            free(r.result);
        http_error(out, e == DB_ERROR ? API_UNAVAILABLE : API_NOT_FOUND, "%s",
                   e == DB_ERROR    ? "the database cannot be read"
                   : app->self != 0 ? "the result is kept by the leader"
                                    : "no result yet: run mpc compute first");
        return NULL;
    }
    cJSON *rows = cJSON_Parse(r.result);
    free(r.result);
    cJSON *j = cJSON_CreateObject();
    char t[21];
    party_iso_time(r.released_at, t);
    cJSON_AddStringToObject(j, "study", app->study_hash_hex);
    cJSON_AddStringToObject(j, "title", study_title(app->study));
    cJSON_AddStringToObject(j, "released_at", t);
    cJSON_AddNumberToObject(j, "accepted", (double)r.accepted);
    cJSON_AddNumberToObject(j, "rejected", (double)r.rejected);
    cJSON_AddNumberToObject(j, "incomplete", (double)r.incomplete);
    cJSON_AddNumberToObject(j, "min_submissions", (double)study_min_submissions(app->study));
    cJSON_AddNumberToObject(j, "min_cell_count", (double)study_min_cell_count(app->study));
    if (study_is_organization(app->study))
        cJSON_AddNumberToObject(j, "min_contributors", (double)study_min_contributors(app->study));
    cJSON_AddItemToObject(j, "plan", study_plan(app->study));
    cJSON_AddItemToObject(j, "rows", rows ? rows : cJSON_CreateArray());
    return j;
}

static void send_result(party_app *app, http_reply *out)
{
    cJSON *j = result_json(app, out);
    if (j != NULL)
        http_json(out, 200, j);
}

void h_result(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    send_result(app, out);
}

/* Whether the request carries the organizer's report key (the report
 * link's); if not, the 403 is set. */
static int report_key_ok(party_app *app, const http_req *req, http_reply *out)
{
    const char *key = http_header(req, "X-MPC-Report-Key");
    uint8_t sig[SIGN_SIG_SIZE];
    if (key == NULL || hex_decode_fixed(key, sig, sizeof sig) != 0 ||
        sign_verify(study_organizer_key(app->study), REQSIGN_REPORT_PREFIX, study_hash(app->study),
                    STUDY_HASH_SIZE, sig) != 0) {
        http_error(out, API_FORBIDDEN,
                   "this page needs the organizer's report link (printed by mpc report)");
        return 0;
    }
    return 1;
}

void h_report_data(party_app *app, const http_req *req, http_reply *out)
{
    if (report_key_ok(app, req, out))
        send_result(app, out);
}

/* The spreadsheet of result j: a new buffer in *data (free()), or -1 with
 * err. It is written to a file of its own in the party's directory (the
 * writer takes a path), read back and removed. */
static int xlsx_bytes(party_app *app, const cJSON *j, char **data, size_t *len, char *err,
                      size_t err_size)
{
    study_row_ref *refs = NULL;
    char path[4200];
    *data = NULL;
    if (report_check(app->study, j, &refs, err, err_size) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/report-XXXXXX", app->dir);
    int fd = mkstemp(path), rc = -1;
    if (fd < 0) {
        snprintf(err, err_size, "no file for the spreadsheet in the party's directory (%s)",
                 strerror(errno));
    } else {
        close(fd);
        lxw_error e = report_xlsx(path, app->study, j, refs);
        if (e != LXW_NO_ERROR)
            snprintf(err, err_size, "the spreadsheet cannot be written (%s)", lxw_strerror(e));
        else if (fileio_read(path, XLSX_MAX, data, len) != 0)
            snprintf(err, err_size, "the spreadsheet cannot be read back (%s)", strerror(errno));
        else
            rc = 0;
        remove(path);
    }
    free(refs);
    return rc;
}

/* One spreadsheet is made at a time (each takes a file and some
 * milliseconds); another request meanwhile is asked to retry. */
static pthread_mutex_t xlsx_lock = PTHREAD_MUTEX_INITIALIZER;

void h_report_xlsx(party_app *app, const http_req *req, http_reply *out)
{
    if (!report_key_ok(app, req, out))
        return;
    if (pthread_mutex_trylock(&xlsx_lock) != 0) {
        http_error(out, API_UNAVAILABLE,
                   "the spreadsheet is being made for another download; try again in a moment");
        out->retry_after = 2;
        return;
    }
    cJSON *j = result_json(app, out);
    if (j == NULL) {
        pthread_mutex_unlock(&xlsx_lock);
        return;
    }
    char *data, err[800];
    size_t len;
    int made = xlsx_bytes(app, j, &data, &len, err, sizeof err);
    pthread_mutex_unlock(&xlsx_lock);
    if (made != 0) {
        log_warn("report spreadsheet: %s", err);
        http_error(out, API_INTERNAL, "the spreadsheet could not be made: %s", err);
    } else {
        out->status = 200;
        out->body = (uint8_t *)data;
        out->body_len = len;
        out->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        snprintf(out->disposition, sizeof out->disposition,
                 "attachment; filename=\"report-%.16s.xlsx\"", app->study_hash_hex);
    }
    cJSON_Delete(j);
}
