/*
 * result.c - what the organizer reads of the compute: its progress (GET
 * /api/compute), the released result (GET /api/result, signed by the
 * organizer) and the same for the report page (GET /api/report, with the
 * organizer's report key).
 */
#include <stdlib.h>

#include "compute.h"
#include "handlers.h"
#include "hex.h"
#include "reqsign.h"
#include "sign.h"

void h_compute_get(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    http_json(out, 200, compute_status(app->compute));
}

/* The released result: {study, title, released_at, accepted, rejected,
 * incomplete, min_submissions, min_cell_count, plan, rows}. */
static void send_result(party_app *app, http_reply *out)
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
        return;
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
    cJSON_AddItemToObject(j, "plan", study_plan(app->study));
    cJSON_AddItemToObject(j, "rows", rows ? rows : cJSON_CreateArray());
    http_json(out, 200, j);
}

void h_result(party_app *app, const http_req *req, http_reply *out)
{
    (void)req;
    send_result(app, out);
}

void h_report_data(party_app *app, const http_req *req, http_reply *out)
{
    const char *key = http_header(req, "X-MPC-Report-Key");
    uint8_t sig[SIGN_SIG_SIZE];
    if (key == NULL || hex_decode_fixed(key, sig, sizeof sig) != 0 ||
        sign_verify(study_organizer_key(app->study), REQSIGN_REPORT_PREFIX, study_hash(app->study),
                    STUDY_HASH_SIZE, sig) != 0) {
        http_error(out, API_FORBIDDEN,
                   "this page needs the organizer's report link (printed by mpc report)");
        return;
    }
    send_result(app, out);
}
