/*
 * console.h - `mpc organizer serve`: the organizer's console, a local web
 * server (console.c) whose pages (web/organizer/) drive the same work as
 * the commands (console_api.c): the study, its parties and seal, the
 * participation links, the collection, the compute and the report.
 */
#ifndef MPC_CONSOLE_H
#define MPC_CONSOLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "study.h"

#define CONSOLE_MAX_BODY ((size_t)4 << 20) /* bytes of a request body */
#define CONSOLE_MAX_LINKS 10000            /* links made at once */
#define CONSOLE_HISTORY 720                /* collection samples kept */
#define CONSOLE_MAX_FILES 1000             /* files of links in the folder */
#define CONSOLE_PATH_MAX 4096

/* Files of the console in its folder (beside the organizer's keys). */
#define CONSOLE_STUDY "study.json"     /* the study being written */
#define CONSOLE_PARTIES "parties.json" /* the parties added, in order */
#define CONSOLE_SEALED "sealed.json"   /* the sealed study */
#define CONSOLE_LINKS "links"          /* links-N.csv: the links made */

typedef struct console_sample {
    int64_t at;         /* seconds since the epoch */
    double received[STUDY_MAX_PARTIES]; /* per party, -1 if unreachable */
} console_sample;

typedef struct console {
    char dir[CONSOLE_PATH_MAX];
    const char *cacert;   /* the parties' CA (PEM), or NULL */
    int created_key;      /* this run created the organizer's key */
    pthread_mutex_t lock; /* the folder's files and the history */
    console_sample history[CONSOLE_HISTORY];
    size_t history_len;
} console;

typedef struct con_req {
    const char *method, *path, *query; /* query: after '?', or "" */
    const char *body;
    size_t body_len;
} con_req;

typedef struct con_reply {
    unsigned status;
    cJSON *json; /* owned, or */
    char *body;  /* owned (malloc'd) */
    size_t body_len;
    const char *type; /* of body */
    char disposition[128];
} con_reply;

/* An error reply {"error": ...}, with "field" (the member an error about
 * the study names) when field is not NULL. */
void con_error(con_reply *out, unsigned status, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* A path in the console's folder into out; -1 if it does not fit. */
int con_path(const console *c, const char *file, char *out, size_t size);

/* Answers an API request (path under /api/): console_api.c. */
void con_api(console *c, const con_req *r, con_reply *out);

#endif
