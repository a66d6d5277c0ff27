/*
 * submit.c - `mpc submit`: the bulk client (an HR export, or tests).
 *
 *   mpc submit --study SEALED.json --csv FILE [--tokens tokens.csv] [--jobs N] [--cacert PEM]
 *   mpc submit --study SEALED.json --csv FILE --organization --token TOKEN
 *
 * One submission per CSV row (or, with --organization, the whole file as
 * one employer's report: its table of its people, study_table_add), through the same core as the
 * browser's form (study_encode_texts, submission_build): the whole file is checked first, and
 * nothing is sent if any value is invalid (every error names its row and column). Then worker
 * threads build each submission (a fresh report id and randomness) and upload its share to every
 * party, retrying failures with the same body (a retry of a stored report is confirmed by its 409
 * "same"). A progress bar is drawn on a terminal; a summary ends the run. The exit status is 0 only
 * if every party confirmed every row.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "csvread.h"
#include "hex.h"
#include "httpc.h"
#include "mpc.h"
#include "safe_text.h"
#include "random.h"
#include "sealed.h"
#include "submission.h"
#include "token.h"

#define MAX_ROWS 1000000
#define MAX_CSV ((size_t)512 << 20)
#define MAX_JOBS 64
#define MAX_LISTED 10 /* invalid values listed before "and N more" */
#define UPLOAD_TIMEOUT_MS 30000
#define ATTEMPTS 8            /* per upload, for failures that may pass */
#define STOP_AFTER_FAILURES 5 /* consecutive failed rows that end the run */

static const char SUBMIT_HELP[] =
    "usage: mpc submit --study SEALED.json --csv FILE [--tokens tokens.csv] [--jobs N]\n"
    "                  [--cacert PEM] [--forge KIND]\n"
    "       mpc submit --study SEALED.json --csv FILE --organization --token TOKEN\n"
    "                  [--cacert PEM] [--forge KIND]\n"
    "\n"
    "Submits one answer per row of FILE to every party of the sealed study, through the\n"
    "same code as the web form: each answer is encoded, proved, split into one share per\n"
    "party and each share encrypted to its party. No party sees an answer.\n"
    "\n"
    "  --organization  the study takes one report per employer (\"access\": \"organization\"):\n"
    "              the whole of FILE is this employer's people, sent as one report (its\n"
    "              table of counts and sums, as the upload page makes it). Sending again\n"
    "              with the same token replaces the employer's earlier report as a whole.\n"
    "  --token     the employer's participation token (the code after token= in its link)\n"
    "\n"
    "  FILE        CSV with a header line of field names (any order), then one row per\n"
    "              contributor; choices are written as their labels, booleans as\n"
    "              true/false. The whole file is checked before anything is sent.\n"
    "  --tokens    tokens.csv from 'mpc tokens' (needed by token studies): row i of FILE\n"
    "              uses the i-th token. Submitting again with the same token replaces the\n"
    "              earlier answer at every party.\n"
    "  --jobs N    submissions built and sent in parallel (1-64, default 8)\n"
    "  --cacert    PEM file of the CA that signed the parties' HTTPS certificates\n"
    "              (default: the system's CAs)\n"
    "  --forge KIND  test harness: every row becomes a deliberately invalid report of\n"
    "              KIND, uploaded like any other, which the compute must reject: range\n"
    "              (an integer beyond its bounds), multi-choice (two choices of one\n"
    "              field), no-choice, bad-proof (a tampered proof share), bad-share (one\n"
    "              party's ciphertext corrupted), public-share-mismatch (another public\n"
    "              share to one party), bin-value (a histogram bin that does not hold\n"
    "              the value), positive-indicator (share_positive's indicator flipped),\n"
    "              grid-value and grid-two-cells (a median's grid cell wrong, or two);\n"
    "              for an employer's report: presence (a group's presence bit 0 beside\n"
    "              its people), count-above-max (a count above max_rows), sum-bounds (a\n"
    "              sum above its count times the field's maximum)\n";

typedef struct submit_opts {
    const char *study, *csv, *tokens, *cacert, *token;
    unsigned jobs;
    int organization;
    study_forgery forge;
} submit_opts;

/* ---- reading the answers ---------------------------------------------------- */

/* "gender, ethnicity, ..." (the header a CSV file needs). */
static const char *field_list(const study *s)
{
    static char list[1024];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < study_num_fields(s) && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? "," : "",
                                study_field_name(s, i));
    return list;
}

typedef struct answers {
    const study *s;
    const char *path;
    size_t meas_count;
    int column_field[CSVREAD_MAX_FIELDS]; /* field of each column */
    char *column_name[CSVREAD_MAX_FIELDS];
    size_t columns;
    buf encoded; /* rows x meas_count, the encoded answers (meas points into it) */
    uint64_t *meas;
    size_t rows;
    size_t invalid;
    buf listed; /* the first MAX_LISTED errors, one per line */
} answers;

/* Spreadsheet column name of index i: A..Z, AA.. */
static void column_letters(size_t i, char out[8])
{
    char tmp[8];
    size_t n = 0;
    i++;
    while (i > 0 && n < 7) {
        tmp[n++] = (char)('A' + (i - 1) % 26);
        i = (i - 1) / 26;
    }
    for (size_t k = 0; k < n; k++)
        out[k] = tmp[n - 1 - k];
    out[n] = '\0';
}

static void list_error(answers *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void list_error(answers *a, const char *fmt, ...)
{
    if (a->invalid++ >= MAX_LISTED)
        return;
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_printf(&a->listed, "%s\n", line);
}

static int header_row(answers *a, char **values, size_t n, char *err, size_t err_size)
{
    const study *s = a->s;
    size_t fields = study_num_fields(s);
    int seen[STUDY_MAX_FIELDS] = {0};
    for (size_t c = 0; c < n; c++) {
        char col[8];
        column_letters(c, col);
        int f = -1;
        for (size_t i = 0; i < fields; i++)
            if (strcmp(values[c], study_field_name(s, i)) == 0)
                f = (int)i;
        if (f < 0) {
            snprintf(err, err_size,
                     "%s, row 1 (the header), column %s: \"%.60s\" is not a field of the study "
                     "(its fields: %s)",
                     a->path, col, values[c], field_list(s));
            return -1;
        }
        if (seen[f]++) {
            snprintf(err, err_size, "%s, row 1 (the header), column %s: \"%s\" appears twice",
                     a->path, col, values[c]);
            return -1;
        }
        a->column_field[c] = f;
        a->column_name[c] = strdup(values[c]);
        if (a->column_name[c] == NULL) {
            snprintf(err, err_size, "out of memory");
            return -1;
        }
    }
    a->columns = n;
    for (size_t i = 0; i < fields; i++)
        if (!seen[i]) {
            snprintf(err, err_size,
                     "%s: the header has no column \"%s\" (%s); every field is required, "
                     "the header names them: %s",
                     a->path, study_field_name(s, i), study_field_label(s, i), field_list(s));
            return -1;
        }
    return 0;
}

static int answer_row(void *ctx, size_t number, char **values, size_t n, char *err, size_t err_size)
{
    answers *a = ctx;
    if (number == 1)
        return header_row(a, values, n, err, err_size);
    if (n != a->columns) {
        list_error(a, "row %zu: %zu values, but the header has %zu columns", number, n, a->columns);
        return 0;
    }
    if (a->rows == MAX_ROWS) {
        snprintf(err, err_size, "%s: more than %d rows; split the file", a->path, MAX_ROWS);
        return -1;
    }
    const char *texts[STUDY_MAX_FIELDS];
    char msg[STUDY_ERR_SIZE];
    int ok = 1;
    for (size_t c = 0; c < n; c++) {
        texts[a->column_field[c]] = values[c];
        if (study_check_text(a->s, a->column_name[c], values[c], msg, sizeof msg) != CORE_OK) {
            char col[8];
            column_letters(c, col);
            /* The core's message starts with the field's name, given here. */
            const char *m = msg;
            size_t nl = strlen(a->column_name[c]);
            if (strncmp(m, a->column_name[c], nl) == 0 && strncmp(m + nl, ": ", 2) == 0)
                m += nl + 2;
            char value[100] = "";
            if (strchr(m, '"') == NULL && values[c][0] != '\0' && strstr(m, values[c]) == NULL)
                snprintf(value, sizeof value, " (the value is \"%.60s\")", values[c]);
            list_error(a, "row %zu, column %s (%s): %s%s", number, col, a->column_name[c], m,
                       value);
            ok = 0;
        }
    }
    if (!ok)
        return 0;
    uint64_t *m = buf_grow(&a->encoded, a->meas_count * sizeof *m);
    if (m == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    a->meas = (uint64_t *)(void *)a->encoded.p;
    if (study_encode_texts(a->s, texts, m, msg, sizeof msg) != CORE_OK) {
        a->encoded.len -= a->meas_count * sizeof *m;
        list_error(a, "row %zu: %s", number, msg);
        return 0;
    }
    a->rows++;
    return 0;
}

/* ---- reading the tokens ------------------------------------------------------- */

typedef struct tokens {
    const study *s;
    const char *path;
    size_t column;
    buf list; /* the tokens (text points into it) */
    char (*text)[TOKEN_TEXT_SIZE];
    size_t count;
} tokens;

static int token_row(void *ctx, size_t number, char **values, size_t n, char *err, size_t err_size)
{
    tokens *t = ctx;
    if (number == 1) {
        for (t->column = 0; t->column < n && strcmp(values[t->column], "token") != 0; t->column++)
            ;
        if (t->column == n) {
            snprintf(err, err_size,
                     "%s: the header has no \"token\" column (use the file made by mpc tokens)",
                     t->path);
            return -1;
        }
        return 0;
    }
    if (t->column >= n || strlen(values[t->column]) != TOKEN_TEXT_SIZE - 1) {
        snprintf(err, err_size,
                 "%s, row %zu: not a participation token (use the file made by "
                 "mpc tokens)",
                 t->path, number);
        return -1;
    }
    char *slot = buf_grow(&t->list, TOKEN_TEXT_SIZE);
    if (slot == NULL) {
        snprintf(err, err_size, "%s: %s", t->path,
                 t->list.over ? "more tokens than rows an upload may have" : "out of memory");
        return -1;
    }
    memcpy(slot, values[t->column], TOKEN_TEXT_SIZE);
    t->text = (char(*)[TOKEN_TEXT_SIZE])(void *)t->list.p;
    t->count++;
    return 0;
}

/* ---- uploading -------------------------------------------------------------------- */

typedef struct uploader {
    const study *s;
    const answers *a;
    const tokens *t;
    const char *cacert;
    study_forgery forge;
    pthread_mutex_t lock;
    size_t next, done, confirmed, failed, failed_in_a_row;
    int stop;
    uint64_t last_seq;
    char first_failure[700];
    size_t failure_rows[MAX_LISTED];
    size_t num_failure_rows;
} uploader;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Client sequence numbers: microseconds since 1970, strictly increasing
 * within the run (so a later submission with a token replaces an earlier
 * one, also across runs). */
static uint64_t next_seq(uploader *u)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    pthread_mutex_lock(&u->lock);
    if (us <= u->last_seq)
        us = u->last_seq + 1;
    u->last_seq = us;
    pthread_mutex_unlock(&u->lock);
    return us;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Uploads one body to party i until it is confirmed or refused. Returns 0
 * when confirmed; -1 with err set otherwise. */
static int upload_one(const uploader *u, CURL *c, unsigned i, const char *body, char *err,
                      size_t err_size)
{
    char url[600];
    snprintf(url, sizeof url, "%s/api/reports", study_party_url(u->s, i));
    httpc_request r = {.method = "POST",
                       .url = url,
                       .body = body,
                       .body_len = strlen(body),
                       .timeout_ms = UPLOAD_TIMEOUT_MS,
                       .max_response = 65536,
                       .cacert = u->cacert};
    long delay = 250;
    for (int attempt = 1;; attempt++) {
        httpc_response resp;
        char why[300];
        int transient = 1;
        if (httpc_perform(c, &r, &resp, why, sizeof why) == 0) {
            cJSON *j = cJSON_ParseWithLength(resp.body, resp.len);
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "error");
            int same = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "same"));
            long status = resp.status;
            snprintf(why, sizeof why, "HTTP %ld: %.200s", status,
                     cJSON_IsString(msg) ? SAFE_TEXT_SHOW(msg->valuestring) : "(no message)");
            cJSON_Delete(j);
            free(resp.body);
            if (status == 201 || (status == 409 && same))
                return 0;
            transient = (status >= 500 && status != 507) || status == 429; /* (507: full) */
            if (resp.retry_after > 0)
                delay = resp.retry_after * 1000 > 30000 ? 30000 : resp.retry_after * 1000;
        }
        if (!transient || attempt == ATTEMPTS) {
            snprintf(err, err_size, "%s (%s): %s%s", study_party_name(u->s, i),
                     study_party_url(u->s, i), why, transient ? " (gave up after 8 attempts)" : "");
            return -1;
        }
        sleep_ms(delay);
        delay = delay * 2 > 15000 ? 15000 : delay * 2;
    }
}

/* Builds and uploads row k; returns 0 if every party confirmed it. */
static int submit_row(uploader *u, CURL **handles, size_t k, char *err, size_t err_size)
{
    const study *s = u->s;
    uint8_t rid[STUDY_REPORT_ID_SIZE];
    size_t rn = submission_rand_size(s);
    uint8_t *rand = malloc(rn);
    char *bodies[STUDY_MAX_PARTIES];
    int rc = -1;
    if (rand == NULL || random_bytes(rid, sizeof rid) != 0 || random_bytes(rand, rn) != 0) {
        snprintf(err, err_size, "no randomness from the system");
        free(rand);
        return -1;
    }
    const char *token = u->t != NULL ? u->t->text[k] : NULL;
    const uint64_t *meas = u->a->meas + k * u->a->meas_count;
    core_err e =
        u->forge ? submission_forge(s, meas, u->forge, rid, token, next_seq(u), rand, bodies, err,
                                    err_size)
                 : submission_build(s, meas, rid, token, next_seq(u), rand, bodies, err, err_size);
    if (e != CORE_OK) {
        core_free_secret(rand, rn);
        return -1;
    }
    core_free_secret(rand, rn);
    rc = 0;
    for (unsigned i = 0; i < study_num_parties(s); i++) {
        if (rc == 0 && upload_one(u, handles[i], i, bodies[i], err, err_size) != 0)
            rc = -1;
        free(bodies[i]);
    }
    return rc;
}

static void *worker(void *arg)
{
    uploader *u = arg;
    CURL *handles[STUDY_MAX_PARTIES] = {NULL};
    for (unsigned i = 0; i < study_num_parties(u->s); i++)
        handles[i] = curl_easy_init();
    for (;;) {
        pthread_mutex_lock(&u->lock);
        size_t k = u->next;
        int stop = u->stop || k >= u->a->rows;
        if (!stop)
            u->next++;
        pthread_mutex_unlock(&u->lock);
        if (stop)
            break;
        char err[700];
        int rc = submit_row(u, handles, k, err, sizeof err);
        pthread_mutex_lock(&u->lock);
        u->done++;
        if (rc == 0) {
            u->confirmed++;
            u->failed_in_a_row = 0;
        } else {
            if (u->failed++ == 0)
                snprintf(u->first_failure, sizeof u->first_failure, "%s", err);
            if (u->num_failure_rows < MAX_LISTED)
                u->failure_rows[u->num_failure_rows++] = k;
            if (++u->failed_in_a_row >= STOP_AFTER_FAILURES)
                u->stop = 1;
        }
        pthread_mutex_unlock(&u->lock);
    }
    for (unsigned i = 0; i < study_num_parties(u->s); i++)
        curl_easy_cleanup(handles[i]);
    return NULL;
}

static void progress(const uploader *u, size_t total, double start, int final)
{
    double t = now_seconds() - start;
    size_t done = u->done;
    const int width = 30;
    int filled = total ? (int)((double)width * (double)done / (double)total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    double rate = t > 0 ? (double)done / t : 0;
    fprintf(stderr, "\r  [%s] %zu/%zu rows  %.0f rows/s", bar, done, total, rate);
    if (!final && rate > 0)
        fprintf(stderr, "  %.0f s left ", (double)(total - done) / rate);
    else
        fputs("             ", stderr);
    if (final)
        fputc('\n', stderr);
}

/* Every party serves this study (checked before anything is sent). */
static int check_parties(const study *s, const char *cacert, char *err, size_t err_size)
{
    char hash[2 * STUDY_HASH_SIZE + 1];
    hex_encode(study_hash(s), STUDY_HASH_SIZE, hash);
    for (unsigned i = 0; i < study_num_parties(s); i++) {
        char url[600], why[300];
        snprintf(url, sizeof url, "%s/api/study", study_party_url(s, i));
        httpc_request r = {.method = "GET",
                           .url = url,
                           .timeout_ms = 10000,
                           .max_response = STUDY_MAX_JSON,
                           .cacert = cacert};
        httpc_response resp;
        if (httpc_perform(NULL, &r, &resp, why, sizeof why) != 0) {
            snprintf(err, err_size, "party %u, %s (%s), cannot be reached: %s; nothing was sent",
                     i + 1, study_party_name(s, i), study_party_url(s, i), why);
            return -1;
        }
        cJSON *j = cJSON_ParseWithLength(resp.body, resp.len);
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "hash");
        int same = resp.status == 200 && cJSON_IsString(h) && strcmp(h->valuestring, hash) == 0;
        cJSON_Delete(j);
        free(resp.body);
        if (!same) {
            snprintf(err, err_size,
                     "party %u, %s (%s), does not serve this study (HTTP %ld, another study "
                     "hash); nothing was sent",
                     i + 1, study_party_name(s, i), study_party_url(s, i), resp.status);
            return -1;
        }
    }
    return 0;
}

/* --forge: the forgery can be made for this study (tried on the first
 * row); says so on stderr. 0, or -1 with err. */
static int check_forgery(const study *s, const answers *a, study_forgery forge, char *err,
                         size_t err_size)
{
    size_t rn = submission_rand_size(s);
    uint8_t *rand = calloc(1, rn), rid[STUDY_REPORT_ID_SIZE] = {0};
    char *bodies[STUDY_MAX_PARTIES], why[300], token[SUBMISSION_TOKEN_TEXT + 1];
    memset(token, 'A', SUBMISSION_TOKEN_TEXT);
    token[SUBMISSION_TOKEN_TEXT] = '\0';
    core_err e = rand == NULL
                     ? CORE_ENOMEM
                     : submission_forge(s, a->meas, forge, rid, study_access_open(s) ? NULL : token,
                                        1, rand, bodies, why, sizeof why);
    free(rand);
    if (e != CORE_OK) {
        snprintf(err, err_size, "--forge: %s; nothing was sent", why);
        return -1;
    }
    for (unsigned i = 0; i < study_num_parties(s); i++)
        free(bodies[i]);
    fprintf(stderr, "Forging: every row is sent as a deliberately invalid report; the compute must "
                    "reject each one.\n");
    return 0;
}

static int parse_submit(int argc, char **argv, submit_opts *o)
{
    static const struct option longopts[] = {
        {"study", required_argument, NULL, 's'},  {"csv", required_argument, NULL, 'c'},
        {"tokens", required_argument, NULL, 't'}, {"jobs", required_argument, NULL, 'j'},
        {"cacert", required_argument, NULL, 'a'}, {"forge", required_argument, NULL, 'f'},
        {"organization", no_argument, NULL, 'o'}, {"token", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int ch;
    char *end;
    opterr = 0;
    optind = 1;
    o->jobs = 8;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's': o->study = optarg; break;
        case 'c': o->csv = optarg; break;
        case 't': o->tokens = optarg; break;
        case 'a': o->cacert = optarg; break;
        case 'o': o->organization = 1; break;
        case 'k': o->token = optarg; break;
        case 'j': {
            errno = 0;
            unsigned long j = strtoul(optarg, &end, 10);
            if (errno != 0 || *optarg == '\0' || *end != '\0' || j == 0 || j > MAX_JOBS) {
                fprintf(stderr, "mpc: --jobs must be a number from 1 to %d\n", MAX_JOBS);
                return -1;
            }
            o->jobs = (unsigned)j;
            break;
        }
        case 'f':
            o->forge = study_forgery_parse(optarg);
            if (o->forge == STUDY_FORGE_NONE) {
                fprintf(stderr, "mpc: --forge must be one of " STUDY_FORGERY_NAMES "\n");
                return -1;
            }
            break;
        case 'h': fputs(SUBMIT_HELP, stdout); return 1;
        default:
            fprintf(stderr, "mpc: unknown or incomplete option '%s'\n%s", argv[optind - 1],
                    SUBMIT_HELP);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mpc: unexpected argument '%s'\n%s", argv[optind], SUBMIT_HELP);
        return -1;
    }
    if (o->study == NULL || o->csv == NULL) {
        fprintf(stderr, "mpc: %s is required\n%s", o->study == NULL ? "--study" : "--csv",
                SUBMIT_HELP);
        return -1;
    }
    if (o->organization && (o->token == NULL || o->tokens != NULL)) {
        fprintf(stderr, "mpc: --organization sends one report with the employer's --token "
                        "TOKEN (not --tokens)\n");
        return -1;
    }
    if (!o->organization && o->token != NULL) {
        fprintf(stderr, "mpc: --token is for --organization (one employer's report); give "
                        "one token per row with --tokens tokens.csv\n");
        return -1;
    }
    return 0;
}

/* --organization: the rows of a become one employer's table, a single
 * report (a->meas, a->rows = 1), with the employer's token in t. 0, or
 * -1 with err. */
static int make_table(const submit_opts *o, const study *s, answers *a, tokens *t, size_t *people,
                      char *err, size_t err_size)
{
    if (a->rows > study_max_rows(s)) {
        snprintf(err, err_size,
                 "%s has %zu rows, more than the %llu people one employer may report in this "
                 "study (max_rows); nothing was sent",
                 o->csv, a->rows, (unsigned long long)study_max_rows(s));
        return -1;
    }
    uint8_t id[STUDY_TOKEN_ID_SIZE];
    if (strlen(o->token) != TOKEN_TEXT_SIZE - 1 ||
        token_verify(o->token, study_organizer_key(s), study_hash(s), id) != 0) {
        snprintf(err, err_size,
                 "--token: not a valid participation token for this study (copy the code after "
                 "token= in the employer's link); nothing was sent");
        return -1;
    }
    size_t n = study_meas_count(s);
    uint64_t *table = calloc(n, sizeof *table);
    if (table == NULL || buf_reserve(&t->list, TOKEN_TEXT_SIZE) != 0) {
        free(table);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < a->rows; k++)
        if (study_table_add(s, a->meas + k * a->meas_count, table) != CORE_OK) {
            core_free_secret(table, n * sizeof *table);
            snprintf(err, err_size, "%s: the rows do not make a table", o->csv);
            return -1;
        }
    *people = a->rows;
    buf_free_secret(&a->encoded);
    a->encoded.p = (uint8_t *)table;
    a->encoded.len = a->encoded.cap = n * sizeof *table;
    a->meas = table;
    a->meas_count = n;
    a->rows = 1;
    memcpy(t->list.p, o->token, TOKEN_TEXT_SIZE);
    t->list.len = TOKEN_TEXT_SIZE;
    t->text = (char(*)[TOKEN_TEXT_SIZE])(void *)t->list.p;
    t->count = 1;
    return 0;
}

/* Reads and checks the answers and tokens: 0, or -1 with err set (or the
 * invalid values listed in a). */
static int load_input(const submit_opts *o, const study *s, answers *a, tokens *t, char *err,
                      size_t err_size)
{
    if (csvread_file(o->csv, MAX_CSV, answer_row, a, err, err_size) != 0)
        return -1;
    if (a->columns == 0) {
        snprintf(err, err_size, "%s is empty: it needs a header line of field names (%s)", o->csv,
                 field_list(s));
        return -1;
    }
    if (a->invalid > 0) {
        snprintf(err, err_size,
                 "%s: %zu invalid row%s; nothing was sent. Fix them and run again:\n%s%s", o->csv,
                 a->invalid, a->invalid == 1 ? "" : "s", a->listed.p ? (char *)a->listed.p : "",
                 a->invalid > MAX_LISTED ? "  ... and more\n" : "");
        return -1;
    }
    if (a->rows == 0) {
        snprintf(err, err_size, "%s has a header but no rows: nothing to submit", o->csv);
        return -1;
    }
    if (o->organization != study_is_organization(s)) {
        snprintf(err, err_size,
                 o->organization
                     ? "%s is not an organization study: it takes one answer per row (drop "
                       "--organization and --token)"
                     : "%s takes one report per employer: send the whole file as one report "
                       "with --organization --token TOKEN (the employer's token)",
                 o->study);
        return -1;
    }
    if (o->organization)
        return 0;
    if (study_access_open(s)) {
        if (o->tokens != NULL) {
            snprintf(err, err_size, "%s is an open study: it takes no tokens (drop --tokens)",
                     o->study);
            return -1;
        }
        return 0;
    }
    if (o->tokens == NULL) {
        snprintf(err, err_size,
                 "this study needs participation tokens: add --tokens tokens.csv (made by "
                 "mpc tokens); row i of %s uses the i-th token",
                 o->csv);
        return -1;
    }
    if (csvread_file(o->tokens, MAX_CSV, token_row, t, err, err_size) != 0)
        return -1;
    if (t->count < a->rows) {
        snprintf(err, err_size, "%s has %zu rows but %s only %zu tokens: make more with mpc tokens",
                 o->csv, a->rows, o->tokens, t->count);
        return -1;
    }
    /* The parties check each token too; checking the ones used here first
     * means that nothing is sent with a wrong tokens file. */
    for (size_t i = 0; i < a->rows; i++) {
        uint8_t id[STUDY_TOKEN_ID_SIZE];
        if (token_verify(t->text[i], study_organizer_key(s), study_hash(s), id) != 0) {
            snprintf(err, err_size,
                     "%s, row %zu: not a valid participation token for this study (made for "
                     "another study, or changed); nothing was sent",
                     o->tokens, i + 2);
            return -1;
        }
    }
    return 0;
}

int cmd_submit(int argc, char **argv)
{
    submit_opts o = {0};
    int rc = parse_submit(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    static char err[8192];
    study *s = NULL;
    answers a = {.path = o.csv, .listed = BUF_INIT(MAX_LISTED * 700)};
    tokens t = {.path = o.tokens, .list = BUF_INIT((size_t)MAX_ROWS * TOKEN_TEXT_SIZE)};
    rc = 1;
    if (sealed_load(o.study, &s, NULL, err, sizeof err) != 0)
        goto done;
    a.s = t.s = s;
    a.meas_count = study_row_meas_count(s);
    buf_init(&a.encoded, (size_t)MAX_ROWS * a.meas_count * sizeof(uint64_t));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    size_t people = 0;
    if (load_input(&o, s, &a, &t, err, sizeof err) != 0 ||
        (o.organization && make_table(&o, s, &a, &t, &people, err, sizeof err) != 0) ||
        check_parties(s, o.cacert, err, sizeof err) != 0)
        goto done;

    if (o.forge != STUDY_FORGE_NONE && check_forgery(s, &a, o.forge, err, sizeof err) != 0)
        goto done;
    uploader u = {.s = s,
                  .a = &a,
                  .t = study_access_open(s) ? NULL : &t,
                  .cacert = o.cacert,
                  .forge = o.forge};
    pthread_mutex_init(&u.lock, NULL);
    unsigned jobs = o.jobs < a.rows ? o.jobs : (unsigned)a.rows;
    pthread_t threads[MAX_JOBS];
    int tty = isatty(2);
    if (o.organization)
        fprintf(stderr, "Submitting the employer's report of %s (%zu %s) to %u parties...\n", o.csv,
                people, people == 1 ? "person" : "people", study_num_parties(s));
    else
        fprintf(stderr, "Submitting %zu row%s of %s to %u parties...\n", a.rows,
                a.rows == 1 ? "" : "s", o.csv, study_num_parties(s));
    double start = now_seconds();
    unsigned started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, &u) != 0)
            break;
    if (started == 0) {
        snprintf(err, sizeof err, "cannot start a thread");
        goto done;
    }
    for (;;) {
        pthread_mutex_lock(&u.lock);
        int running = u.done < a.rows && !(u.stop && u.done == u.next);
        pthread_mutex_unlock(&u.lock);
        if (!running)
            break;
        if (tty)
            progress(&u, a.rows, start, 0);
        sleep_ms(200);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    double seconds = now_seconds() - start;
    if (tty)
        progress(&u, a.rows, start, 1);
    pthread_mutex_destroy(&u.lock);

    if (o.organization && u.failed == 0 && u.confirmed == 1) {
        printf("Submitted the employer's report of %zu %s to %u parties in %.1f s. Every party "
               "confirmed it. Sending again with the same token replaces it as a whole.\n",
               people, people == 1 ? "person" : "people", study_num_parties(s), seconds);
        rc = 0;
        goto done;
    }
    printf("Submitted %zu of %zu row%s to %u parties in %.1f s (%.0f rows/s).\n", u.confirmed,
           a.rows, a.rows == 1 ? "" : "s", study_num_parties(s), seconds,
           seconds > 0 ? (double)u.confirmed / seconds : 0);
    if (u.failed == 0 && u.confirmed == a.rows) {
        printf("Every party confirmed every row.%s\n",
               study_access_open(s) ? ""
                                    : " A row submitted again with the same token replaces "
                                      "the earlier one.");
        rc = 0;
        goto done;
    }
    if (o.organization) {
        snprintf(err, sizeof err,
                 "the employer's report was not confirmed by every party: %s. A report that "
                 "reached only some parties is never counted; send it again with the same "
                 "token (it replaces the partial one)",
                 u.first_failure);
        goto done;
    }
    size_t len =
        (size_t)snprintf(err, sizeof err, "%zu row%s not confirmed by every party",
                         a.rows - u.confirmed, a.rows - u.confirmed == 1 ? " was" : "s were");
    if (u.stop)
        len += (size_t)snprintf(err + len, sizeof err - len,
                                " (stopped after %d failures in a row; rows %zu and later were "
                                "not sent)",
                                STOP_AFTER_FAILURES, u.next + 2);
    len += (size_t)snprintf(err + len, sizeof err - len,
                            ". First failure: %s.\nFailed rows:", u.first_failure);
    for (size_t i = 0; i < u.num_failure_rows && len < sizeof err; i++)
        len += (size_t)snprintf(err + len, sizeof err - len, " %zu", u.failure_rows[i] + 2);
    if (len < sizeof err)
        snprintf(err + len, sizeof err - len,
                 "%s (row numbers count the header as row 1).\nA row that reached only some "
                 "parties is never counted. Submit the failed rows again%s.",
                 u.failed > u.num_failure_rows ? " ..." : "",
                 study_access_open(s) ? ""
                                      : " with their tokens (the new submission replaces "
                                        "the partial one)");
done:
    if (rc != 0)
        fprintf(stderr, "mpc: %s\n", err);
    for (size_t c = 0; c < a.columns; c++)
        free(a.column_name[c]);
    buf_free_secret(&a.encoded);
    buf_free(&a.listed);
    buf_free(&t.list);
    study_free(s);
    curl_global_cleanup();
    return rc;
}
