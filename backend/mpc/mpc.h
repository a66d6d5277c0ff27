/*
 * mpc.h - the subcommands of mpc beyond main.c, and what they share.
 */
#ifndef MPC_MPC_H
#define MPC_MPC_H

#include <cjson/cJSON.h>

#include "keys.h"
#include "study.h"

/* mpc submit (submit.c), mpc compute (compute.c), mpc report (report.c).
 * argv[0] is the command's name. Each returns the exit status. */
int cmd_submit(int argc, char **argv);
int cmd_compute(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* mpc organizer serve (console.c). */
int cmd_organizer_serve(int argc, char **argv);

/* ---- the organizer's requests to the leader (compute.c) ---------------------- */

typedef struct org_opts {
    const char *organizer, *study, *cacert;
    int report; /* accept --xlsx and --csv */
    const char *xlsx, *csv;
} org_opts;

/* Parses --organizer, --study, --cacert (and for report, --xlsx, --csv).
 * 0, 1 after --help, -1 after an error message. */
int org_parse(int argc, char **argv, const char *help, org_opts *o);

typedef struct org_ctx {
    organizer_keys keys;
    study *study;
    const char *cacert;
} org_ctx;

/* Loads the organizer's keys and the sealed study (sealed by that key). */
int org_load(const char *organizer, const char *study_path, org_ctx *o, char *err, size_t err_size);
void org_free(org_ctx *o);

/* The /report page's link on the leader, with the organizer's report key
 * after '#'. 0 or -1. */
int org_report_link(const org_ctx *o, char *out, size_t size);

/* A request to the leader signed with the organizer's key: the parsed
 * JSON answer and its status (err set for statuses from 300), or NULL
 * with err set. */
cJSON *org_request(const org_ctx *o, const char *method, const char *path, long *status, char *err,
                   size_t err_size);

/* ---- the organizer's files (organizer.c) ---------------------------------- */

#define ORG_EMAIL_MAX 254
#define ORG_MAX_LINKS 1000000

/* Seals the study doc (changed in place) for parties (an array of party
 * entries from party_file_parse, taken over) with the organizer's keys.
 * Returns the sealed file's text (free()) and the sealed study in
 * *sealed, or NULL with err. */
char *org_seal(const organizer_keys *k, cJSON *doc, cJSON *parties, study **sealed, char *err,
               size_t err_size);

/* The plan's last line (the small groups and linked analyses), or NULL. */
const char *org_small_groups_line(const cJSON *plan);

/* 0 if email is an address a mail-merge file can carry, else -1 with err. */
int org_email_check(const char *email, char *err, size_t err_size);

/* count participation links for the sealed study s, as CSV: "token,link"
 * rows, or with emails (count checked addresses) "email,link" rows.
 * Returns the text (free()) or NULL with err. */
char *org_links_csv(const organizer_keys *k, const study *s, size_t count,
                    const char *const *emails, char *err, size_t err_size);

#endif
