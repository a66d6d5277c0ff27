/*
 * upload.c - POST /api/reports: a contributor's share for this party.
 *
 * Body (JSON, docs/PARTY.md):
 *   {"study": hex hash, "party": index, "report_id": 32 hex, "seq": n,
 *    "token": "..." (token studies only), "public_share": base64,
 *    "enc": base64, "ciphertext": base64}
 * Every member is checked (presence, type, encoding, exact size for this
 * study and party, the token's signature) before anything is stored; the
 * 201 is sent only after the row is durable. A replayed report id is
 * refused with 409 ("same": true when it is a byte-identical retry, which
 * a client may treat as confirmed).
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "hex.h"
#include "jfield.h"
#include "log.h"
#include "token.h"

static const char *const MEMBERS[] = {"study", "party",        "report_id", "seq",
                                      "token", "public_share", "enc",       "ciphertext"};

typedef struct upload {
    uint8_t report_id[STUDY_REPORT_ID_SIZE];
    uint8_t token_id[STUDY_TOKEN_ID_SIZE];
    int has_token;
    uint64_t seq;
    uint8_t *public_share, *enc, *ciphertext;
    size_t public_share_len, enc_len, ciphertext_len;
} upload;

/* Decodes base64 member `name` of exactly `size` bytes into a new buffer. */
static api_err get_blob(const cJSON *obj, const char *name, size_t size, uint8_t **out, size_t *len,
                        http_reply *reply)
{
    jfield_err e = jfield_get_b64(obj, name, size, 0, out, len);
    if (e == JFIELD_MISSING)
        http_error(reply, API_BAD_REQUEST, "%s: missing, or not a string", name);
    else if (e == JFIELD_NOMEM)
        http_error(reply, API_INTERNAL, "out of memory");
    else if (e != JFIELD_OK)
        http_error(reply, API_BAD_REQUEST, "%s: must be base64 of exactly %zu bytes", name, size);
    return e == JFIELD_OK ? API_OK : e == JFIELD_NOMEM ? API_INTERNAL : API_BAD_REQUEST;
}

static api_err parse(party_app *app, const cJSON *doc, upload *u, http_reply *reply)
{
    const study *s = app->study;
    const prio3 *v = study_prio3(s);
    if (!cJSON_IsObject(doc)) {
        http_error(reply, API_BAD_REQUEST, "the body must be a JSON object");
        return API_BAD_REQUEST;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, doc)
    {
        size_t i = 0;
        while (i < sizeof MEMBERS / sizeof MEMBERS[0] && strcmp(MEMBERS[i], m->string) != 0)
            i++;
        if (i == sizeof MEMBERS / sizeof MEMBERS[0]) {
            http_error(reply, API_BAD_REQUEST, "unknown member \"%.40s\"", m->string);
            return API_BAD_REQUEST;
        }
    }
    const char *hash = jfield_get_string(doc, "study");
    if (hash == NULL) {
        http_error(reply, API_BAD_REQUEST, "study: missing, or not a string");
        return API_BAD_REQUEST;
    }
    if (strcmp(hash, app->study_hash_hex) != 0) {
        http_error(reply, API_CONFLICT,
                   "this upload is for another study than the one this party serves (reload "
                   "the form)");
        return API_CONFLICT;
    }
    uint64_t party = 0;
    if (jfield_get_uint(doc, "party", STUDY_MAX_PARTIES, &party) != JFIELD_OK ||
        party != app->self) {
        http_error(reply, API_BAD_REQUEST, "party: must be %u, this party's index", app->self);
        return API_BAD_REQUEST;
    }
    if (hex_decode_fixed(jfield_get_string(doc, "report_id"), u->report_id, sizeof u->report_id) !=
        0) {
        http_error(reply, API_BAD_REQUEST, "report_id: must be 32 hexadecimal digits");
        return API_BAD_REQUEST;
    }
    if (jfield_get_uint(doc, "seq", JFIELD_UINT_MAX, &u->seq) != JFIELD_OK) {
        http_error(reply, API_BAD_REQUEST, "seq: must be a whole number from 0 to 2^53 - 1");
        return API_BAD_REQUEST;
    }
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(doc, "token");
    if (study_access_open(s)) {
        if (token != NULL) {
            http_error(reply, API_BAD_REQUEST, "token: this study is open; send no token");
            return API_BAD_REQUEST;
        }
    } else {
        if (!cJSON_IsString(token)) {
            http_error(reply, API_UNAUTHORIZED,
                       "token: missing; this study needs a participation token (use the link "
                       "you were sent)");
            return API_UNAUTHORIZED;
        }
        if (token_verify(token->valuestring, study_organizer_key(s), study_hash(s), u->token_id) !=
            0) {
            http_error(reply, API_FORBIDDEN,
                       "token: not a valid participation token for this study");
            return API_FORBIDDEN;
        }
        u->has_token = 1;
    }
    api_err e = get_blob(doc, "public_share", prio3_public_share_size(v), &u->public_share,
                         &u->public_share_len, reply);
    if (e == API_OK)
        e = get_blob(doc, "enc", HPKE_NENC, &u->enc, &u->enc_len, reply);
    if (e == API_OK)
        e = get_blob(doc, "ciphertext", prio3_input_share_size(v, app->self) + HPKE_NT,
                     &u->ciphertext, &u->ciphertext_len, reply);
    return e;
}

void h_upload(party_app *app, const http_req *req, http_reply *out)
{
    const char *type = http_header(req, "Content-Type");
    if (type == NULL || strncmp(type, "application/json", 16) != 0) {
        http_error(out, API_UNSUPPORTED, "the body must be JSON (Content-Type: application/json)");
        return;
    }
    upload_json(app, req->body, req->body_len, req->now, out);
}

void upload_json(party_app *app, const char *body, size_t len, int64_t now, http_reply *out)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (doc == NULL) {
        http_error(out, API_BAD_REQUEST, "the body is not valid JSON");
        return;
    }
    upload u = {0};
    if (parse(app, doc, &u, out) == API_OK) {
        db_report r = {study_hash(app->study),
                       u.report_id,
                       u.has_token ? u.token_id : NULL,
                       u.seq,
                       u.public_share,
                       u.public_share_len,
                       u.enc,
                       u.enc_len,
                       u.ciphertext,
                       u.ciphertext_len,
                       now};
        int same = 0;
        db_err e = db_report_insert(app->db, &r, &same);
        char rid[2 * STUDY_REPORT_ID_SIZE + 1], when[21];
        hex_encode(u.report_id, sizeof u.report_id, rid);
        party_iso_time(now, when);
        if (e == DB_OK) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "report_id", rid);
            cJSON_AddStringToObject(j, "received_at", when);
            cJSON_AddNumberToObject(j, "party", app->self);
            http_json(out, 201, j);
        } else if (e == DB_EXISTS) {
            http_error(out, API_CONFLICT,
                       same ? "report %s was already received"
                            : "report %s was already received, with other content: a report id "
                              "is used once",
                       rid);
            cJSON_AddBoolToObject(out->json, "same", same);
        } else if (e == DB_CLOSED) {
            http_error(out, API_CONFLICT,
                       "this study's result was released: submissions are closed");
        } else if (e == DB_FULL) {
            log_warn("an upload was refused: the database reached its size limit (--max-db-mb)");
            http_error(out, API_STORAGE_FULL,
                       "this party's storage is full (it reached its size limit): nothing was "
                       "stored; try again later");
            out->retry_after = 3600;
        } else {
            log_error("storing a report failed (see the database)");
            http_error(out, API_UNAVAILABLE, "the report could not be stored; try again later");
            out->retry_after = 30;
        }
    }
    free(u.public_share);
    free(u.enc);
    free(u.ciphertext);
    cJSON_Delete(doc);
}
