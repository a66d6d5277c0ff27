/*
 * handlers.h - the party's request handlers, one per route of routes.c:
 * handlers.c (the study, the admin session and dashboard, approval, peer
 * hello), upload.c (uploads), leader.c, helper.c and result.c (the
 * compute). Each validates its input fully before changing anything.
 */
#ifndef MPC_HANDLERS_H
#define MPC_HANDLERS_H

#include "http.h"

void h_root(party_app *app, const http_req *req, http_reply *out);
void h_study(party_app *app, const http_req *req, http_reply *out);
void h_collection(party_app *app, const http_req *req, http_reply *out);
void h_upload(party_app *app, const http_req *req, http_reply *out);
/* An upload's JSON body (after h_upload checked its Content-Type): parsed,
 * checked and stored; the fuzzer's entry point. */
void upload_json(party_app *app, const char *body, size_t len, int64_t now, http_reply *out);
void h_status(party_app *app, const http_req *req, http_reply *out);
void h_organizer_status(party_app *app, const http_req *req, http_reply *out);
void h_login(party_app *app, const http_req *req, http_reply *out);
void h_logout(party_app *app, const http_req *req, http_reply *out);
void h_session(party_app *app, const http_req *req, http_reply *out);
void h_approve(party_app *app, const http_req *req, http_reply *out);
/* A web page or asset of web/ (the form, the dashboard, the core). */
void h_asset(party_app *app, const http_req *req, http_reply *out);
void h_peer_hello(party_app *app, const http_req *req, http_reply *out);
void h_peer_unknown(party_app *app, const http_req *req, http_reply *out);

/* The compute. The organizer's requests (signed with the organizer's
 * key): start it (leader.c), its progress and the result (result.c). */
void h_compute_start(party_app *app, const http_req *req, http_reply *out);
void h_compute_get(party_app *app, const http_req *req, http_reply *out);
void h_result(party_app *app, const http_req *req, http_reply *out);
/* GET /api/report: the result for the /report page, with the organizer's
 * report key (X-MPC-Report-Key, from the link mpc report prints). */
void h_report_data(party_app *app, const http_req *req, http_reply *out);
/* GET /api/report.xlsx: the report's spreadsheet (the workbook of `mpc
 * report --xlsx`), with the same key. */
void h_report_xlsx(party_app *app, const http_req *req, http_reply *out);
/* POST /api/peer/compute/OP: the helper's operations (helper.c). */
void h_peer_compute(party_app *app, const http_req *req, http_reply *out);

/* The admin session's cookie: one name per party and study, since
 * cookies are not scoped by port (parties on one host, as in the demo,
 * would otherwise overwrite each other's): ADMIN_COOKIE "_<index>_<the
 * study hash's first 8 hex digits>", with the "__Host-" prefix under TLS
 * (Secure, Path=/, no Domain). */
#define ADMIN_COOKIE "mpc_admin"
#define ADMIN_COOKIE_SIZE 40
void admin_cookie_name(const party_app *app, char out[ADMIN_COOKIE_SIZE]);

#endif
