/*
 * main.c - mpc-party: a computing party's command line.
 *
 *   mpc-party init    --dir DIR --name NAME --url URL [--admin-password-file F]
 *   mpc-party serve   --dir DIR --study SEALED.json --listen HOST:PORT [options]
 *   mpc-party approve --dir DIR --study SEALED.json [--yes]
 *
 * This file reads options, loads keys, study and database, starts the
 * server and waits for SIGTERM/SIGINT; the rest lives in the modules.
 */
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "compute.h"
#include "core.h"
#include "fileio.h"
#include "hex.h"
#include "log.h"
#include "party.h"
#include "peers.h"
#include "safe_text.h"
#include "sealed.h"
#include "server.h"

#define ERR_SIZE 512

static const char USAGE[] =
    "usage: mpc-party COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  init     create this party's keys:  --dir DIR --name NAME --url URL\n"
    "  serve    run this party's server:   --dir DIR --study SEALED.json --listen HOST:PORT\n"
    "  approve  approve the sealed plan:   --dir DIR --study SEALED.json\n"
    "\n"
    "Run 'mpc-party COMMAND --help' for a command's options.\n";

static const char INIT_HELP[] =
    "usage: mpc-party init --dir DIR --name NAME --url URL [--admin-password-file FILE]\n"
    "\n"
    "Creates this party's keys in DIR: party.key.json (private, mode 0600) and\n"
    "party.pub.json (public: send it to the organizer). NAME is how contributors\n"
    "and the other parties see this party; URL is where its server will be\n"
    "reachable (http://host:port or https://host:port).\n"
    "The admin password for the dashboard is read from FILE (first line), or\n"
    "generated and printed once.\n";

static const char SERVE_HELP[] =
    "usage: mpc-party serve --dir DIR --study SEALED.json --listen HOST:PORT [options]\n"
    "\n"
    "Serves the sealed study: contributors' uploads, the dashboard (/admin) and the\n"
    "party-to-party API. Stops cleanly on SIGTERM or Ctrl-C.\n"
    "\n"
    "Options:\n"
    "  --tls-cert FILE, --tls-key FILE  serve HTTPS with this PEM certificate and key\n"
    "  --admin-password-file FILE       set a new admin password (first line of FILE)\n"
    "  --threads N                      worker threads (default 8)\n"
    "  --max-connections N              open connections (default 1000)\n"
    "  --max-uploads N                  uploads being stored at once (default 256)\n"
    "  --max-per-address N              connections from one address at once (default 64)\n"
    "  --upload-rate N                  uploads a minute from one address, a minute's\n"
    "                                   worth at once (default 120 for an open study,\n"
    "                                   6000 for a token study)\n"
    "  --request-deadline SECONDS       time for a request's headers and body, all told\n"
    "                                   (default 60)\n"
    "  --max-db-mb N                    refuse uploads (507) once the database holds N\n"
    "                                   MiB (default 16384)\n"
    "  --max-body BYTES                 largest request body other than an upload\n"
    "                                   (default 65536)\n"
    "  --peer-timeout SECONDS           how long a request to another party may take\n"
    "                                   during the compute before it fails (default 120)\n"
    "  --max-searches N                 runs of the search for a study's medians and\n"
    "                                   quartiles this party takes part in, all told\n"
    "                                   (default 10; each opens some cumulative counts)\n";

static const char APPROVE_HELP[] =
    "usage: mpc-party approve --dir DIR --study SEALED.json [--yes]\n"
    "\n"
    "Shows the study's plan in plain language and records this party's approval of\n"
    "it. Without approval this party takes part in no computation. --yes approves\n"
    "without asking.\n";

typedef struct options {
    const char *dir, *name, *url, *study, *listen, *tls_cert, *tls_key, *password_file;
    unsigned threads, max_connections, max_uploads, peer_timeout;
    unsigned max_per_address, upload_rate, deadline, max_db_mb, max_body, max_searches;
    int yes;
} options;

/* The numeric options: each a number from 1 to max (0 in options: the
 * default). Their getopt value is NUMERIC + their index here. */
#define NUMERIC 256
static const struct numeric {
    const char *name;
    unsigned long max;
    size_t offset;
} NUMERICS[] = {
    {"threads", 256, offsetof(options, threads)},
    {"max-connections", 60000, offsetof(options, max_connections)},
    {"max-uploads", 60000, offsetof(options, max_uploads)},
    {"max-per-address", 60000, offsetof(options, max_per_address)},
    {"upload-rate", 1000000, offsetof(options, upload_rate)},
    {"request-deadline", 3600, offsetof(options, deadline)},
    {"max-db-mb", 1u << 30, offsetof(options, max_db_mb)},
    {"max-body", 64ul << 20, offsetof(options, max_body)},
    {"peer-timeout", 3600, offsetof(options, peer_timeout)},
    {"max-searches", 1000000, offsetof(options, max_searches)},
};
#define NUM_NUMERICS (sizeof NUMERICS / sizeof NUMERICS[0])

static int parse_numeric(const struct numeric *n, const char *v, options *o)
{
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x == 0 || x > n->max) {
        fprintf(stderr, "mpc-party: --%s must be a number from 1 to %lu\n", n->name, n->max);
        return -1;
    }
    *(unsigned *)(void *)((char *)o + n->offset) = (unsigned)x;
    return 0;
}

/* Parses argv for command cmd; returns 0, 1 (help shown) or -1. */
static int parse_options(int argc, char **argv, const char *help, options *o)
{
    struct option longopts[9 + NUM_NUMERICS + 1] = {
        {"dir", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"url", required_argument, NULL, 'u'},
        {"study", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'l'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'},
        {"admin-password-file", required_argument, NULL, 'p'},
        {"yes", no_argument, NULL, 'y'},
    };
    for (size_t i = 0; i < NUM_NUMERICS; i++)
        longopts[9 + i] =
            (struct option){NUMERICS[i].name, required_argument, NULL, NUMERIC + (int)i};
    longopts[9 + NUM_NUMERICS] = (struct option){"help", no_argument, NULL, 'h'};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch >= NUMERIC && ch < NUMERIC + (int)NUM_NUMERICS) {
            if (parse_numeric(&NUMERICS[ch - NUMERIC], optarg, o) != 0)
                return -1;
            continue;
        }
        switch (ch) {
        case 'd': o->dir = optarg; break;
        case 'n': o->name = optarg; break;
        case 'u': o->url = optarg; break;
        case 's': o->study = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'c': o->tls_cert = optarg; break;
        case 'k': o->tls_key = optarg; break;
        case 'p': o->password_file = optarg; break;
        case 'y': o->yes = 1; break;
        case 'h': fputs(help, stdout); return 1;
        default:
            fprintf(stderr, "mpc-party: unknown or incomplete option '%s'\n%s", argv[optind - 1],
                    help);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mpc-party: unexpected argument '%s'\n%s", argv[optind], help);
        return -1;
    }
    return 0;
}

static int need(const char *value, const char *flag, const char *help)
{
    if (value != NULL)
        return 0;
    fprintf(stderr, "mpc-party: %s is required\n%s", flag, help);
    return -1;
}

/* Reads the first line of a password file. */
static int read_password(const char *path, char *out, size_t size)
{
    char *text;
    size_t len;
    if (fileio_read(path, 4096, &text, &len) != 0) {
        fprintf(stderr, "mpc-party: cannot read the password file %s\n", path);
        return -1;
    }
    size_t n = strcspn(text, "\r\n");
    int rc = n < size ? 0 : -1;
    if (rc == 0) {
        memcpy(out, text, n);
        out[n] = '\0';
    }
    core_wipe(text, len);
    free(text);
    return rc;
}

static int set_password(const char *dir, const char *file)
{
    char pw[AUTH_MAX_PASSWORD + 1], err[ERR_SIZE];
    if (read_password(file, pw, sizeof pw) != 0)
        return -1;
    int rc = auth_password_save(dir, pw, err, sizeof err);
    core_wipe(pw, sizeof pw);
    if (rc != 0)
        fprintf(stderr, "mpc-party: %s\n", err);
    return rc;
}

static int cmd_init(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options(argc, argv, INIT_HELP, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (need(o.dir, "--dir", INIT_HELP) || need(o.name, "--name", INIT_HELP) ||
        need(o.url, "--url", INIT_HELP))
        return 2;
    char err[ERR_SIZE], pw[25];
    if (safe_text_origin(o.url, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: --url: %s\n", err);
        return 2;
    }
    if (strlen(o.name) == 0 || strlen(o.name) > 100 || safe_text_has_control(o.name)) {
        fprintf(stderr, "mpc-party: --name must be 1 to 100 characters, with no control "
                        "characters\n");
        return 2;
    }
    if (keys_party_create(o.dir, o.name, o.url, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: %s\n", err);
        return 1;
    }
    if (o.password_file != NULL) {
        if (set_password(o.dir, o.password_file) != 0)
            return 1;
    } else if (auth_password_generate(pw) != 0 ||
               auth_password_save(o.dir, pw, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: cannot set the admin password\n");
        return 1;
    }
    printf("Created party \"%s\" in %s.\n"
           "  %s/%s  send this file to the organizer (public keys only)\n"
           "  %s/%s  this party's private keys (mode 0600): never share or move it\n"
           "\n"
           "WARNING: back up the directory %s now and keep the copy safe. If %s is\n"
           "lost, the shares this party stores can never be decrypted: no study it takes\n"
           "part in can be computed, and there is no way to recover them.\n",
           o.name, o.dir, o.dir, KEYS_PARTY_PUB, o.dir, KEYS_PARTY_KEY, o.dir, KEYS_PARTY_KEY);
    if (o.password_file == NULL) {
        printf("\nAdmin password for the dashboard (shown only now; store it safely):\n  %s\n", pw);
        core_wipe(pw, sizeof pw);
    }
    return 0;
}

/* Loads keys and the sealed study and finds this party in it. */
static int load_party(const options *o, party_app *app)
{
    char err[ERR_SIZE];
    if (keys_party_load(o->dir, &app->keys, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: %s\n", err);
        return -1;
    }
    if (sealed_load(o->study, &app->study, &app->study_text, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: %s\n", err);
        return -1;
    }
    app->study_len = strlen(app->study_text);
    hex_encode(study_hash(app->study), STUDY_HASH_SIZE, app->study_hash_hex);
    for (unsigned i = 0; i < study_num_parties(app->study); i++)
        if (memcmp(study_party_hpke_key(app->study, i), app->keys.hpke_pk, HPKE_NPK) == 0 &&
            memcmp(study_party_signing_key(app->study, i), app->keys.sign_pk, SIGN_PK_SIZE) == 0) {
            app->self = i;
            return 0;
        }
    fprintf(stderr,
            "mpc-party: this party (the keys in %s) is not one of the parties of %s; ask the "
            "organizer to seal the study with your %s\n",
            o->dir, o->study, KEYS_PARTY_PUB);
    return -1;
}

static int open_db(const char *dir, storage **db)
{
    char path[4096], err[ERR_SIZE];
    if (keys_path(path, sizeof path, dir, PARTY_DB_FILE) != 0 ||
        db_open(path, db, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: %s\n", err);
        return -1;
    }
    return 0;
}

static void free_party(party_app *app)
{
    db_close(app->db);
    ratelimit_free(app->upload_rate);
    auth_free(app->auth);
    study_free(app->study);
    free(app->study_text);
    core_wipe(&app->keys, sizeof app->keys);
}

/* (A study with control characters is refused already: what is shown on
 * the admin's terminal is escaped too, a second fence.) */
#define TERM(s) SAFE_TEXT_SHOW(s)

static void print_plan(const party_app *app)
{
    const study *s = app->study;
    printf("Study: %s (%s)\nStudy hash: %s\n\nParties:\n", TERM(study_title(s)), TERM(study_id(s)),
           app->study_hash_hex);
    for (unsigned i = 0; i < study_num_parties(s); i++)
        printf("  %u. %s, %s%s%s\n", i + 1, TERM(study_party_name(s, i)),
               TERM(study_party_url(s, i)), i == 0 ? " (leader)" : "",
               i == app->self ? " <- this party" : "");
    printf("\nWhat will be computed, once, and released:\n");
    cJSON *plan = study_plan(s);
    const cJSON *line;
    cJSON_ArrayForEach(line, plan)
    {
        size_t n = strlen(line->valuestring) * 4 + 4;
        char *safe = malloc(n);
        if (safe != NULL)
            printf("  - %s\n",
                   safe_text_escape(line->valuestring, strlen(line->valuestring), safe, n));
        free(safe);
    }
    cJSON_Delete(plan);
    printf("\nNothing is released with fewer than %llu submissions; the sums of a suppressed\n"
           "group are never opened.\n",
           (unsigned long long)study_min_submissions(s));
}

static int cmd_approve(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options(argc, argv, APPROVE_HELP, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (need(o.dir, "--dir", APPROVE_HELP) || need(o.study, "--study", APPROVE_HELP))
        return 2;
    party_app app = {0};
    rc = 1;
    if (load_party(&o, &app) != 0 || open_db(o.dir, &app.db) != 0)
        goto cleanup;
    int approved;
    int64_t at;
    if (db_approval_get(app.db, study_hash(app.study), &approved, &at) != DB_OK) {
        fprintf(stderr, "mpc-party: the database cannot be read\n");
        goto cleanup;
    }
    print_plan(&app);
    if (approved) {
        char when[21];
        party_iso_time(at, when);
        printf("\nThis party already approved this plan on %s.\n", when);
        rc = 0;
        goto cleanup;
    }
    if (!o.yes) {
        char answer[64];
        printf("\nCheck that the study hash above is the one the organizer sent you.\n"
               "Approving lets the parties compute exactly these statistics, once. It cannot be\n"
               "undone. Type 'approve' to approve: ");
        fflush(stdout);
        if (fgets(answer, sizeof answer, stdin) == NULL || strncmp(answer, "approve", 7) != 0 ||
            strspn(answer + 7, " \r\n") != strlen(answer + 7)) {
            printf("Not approved.\n");
            goto cleanup;
        }
    }
    if (db_approve(app.db, study_hash(app.study), party_now(), "command line") != DB_OK) {
        fprintf(stderr, "mpc-party: the approval could not be stored\n");
        goto cleanup;
    }
    printf("Approved.\n");
    rc = 0;
cleanup:
    free_party(&app);
    return rc;
}

static int set_limits(party_app *app, const options *o)
{
    const prio3 *v = study_prio3(app->study);
    size_t raw =
        prio3_public_share_size(v) + HPKE_NENC + prio3_input_share_size(v, app->self) + HPKE_NT;
    app->max_upload_body = 4 * (raw / 3 + 3) + 2048; /* base64 and the JSON around it */
    app->max_body = o->max_body ? o->max_body : 65536;
    app->max_uploads = o->max_uploads ? o->max_uploads : 256;
    app->peer_timeout_ms = 1000L * o->peer_timeout; /* 0: COMPUTE_TIMEOUT_MS */
    app->max_searches = o->max_searches ? o->max_searches : 10;
    app->deadline = o->deadline ? o->deadline : 60;
    /* An open study's uploads need no token: one address, 2 a second. A
     * token study's are bounded by its tokens (each keeps its latest few):
     * 100 a second, so that an employer's HR system (mpc submit) is not
     * held back. */
    unsigned rate = o->upload_rate ? o->upload_rate : study_access_open(app->study) ? 120 : 6000;
    if ((app->upload_rate = ratelimit_new(rate, rate)) == NULL)
        return -1;
    db_set_limits(app->db, (uint64_t)(o->max_db_mb ? o->max_db_mb : 16384) << 20,
                  PARTY_KEEP_PER_TOKEN);
    for (unsigned i = 0; i < study_num_parties(app->study); i++)
        snprintf(app->origins[i], PARTY_MAX_ORIGIN, "%s", study_party_url(app->study, i));
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options(argc, argv, SERVE_HELP, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (need(o.dir, "--dir", SERVE_HELP) || need(o.study, "--study", SERVE_HELP) ||
        need(o.listen, "--listen", SERVE_HELP))
        return 2;
    /* Signals are taken by sigwait below, in this thread only. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    party_app app = {0};
    server *srv = NULL;
    char err[ERR_SIZE];
    rc = 1;
    app.dir = o.dir;
    app.started_at = party_now();
    if (load_party(&o, &app) != 0)
        goto cleanup;
    if (o.password_file != NULL && set_password(o.dir, o.password_file) != 0)
        goto cleanup;
    if (auth_new(o.dir, &app.auth, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: %s\n", err);
        goto cleanup;
    }
    if (open_db(o.dir, &app.db) != 0)
        goto cleanup;
    if (set_limits(&app, &o) != 0 || compute_new(&app, &app.compute) != 0) {
        fprintf(stderr, "mpc-party: out of memory\n");
        goto cleanup;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (app.peers = peers_start(&app)) == NULL) {
        fprintf(stderr, "mpc-party: cannot start the peer checks\n");
        goto cleanup;
    }
    server_options so = {o.listen,
                         o.tls_cert,
                         o.tls_key,
                         o.threads ? o.threads : 8,
                         o.max_connections ? o.max_connections : 1000,
                         o.max_per_address ? o.max_per_address : 64};
    if (server_start(&app, &so, &srv, err, sizeof err) != 0) {
        fprintf(stderr, "mpc-party: %s\n", err);
        goto cleanup;
    }
    log_info("party %u (%s) serving study %s (hash %.16s...) on %s%s", app.self,
             study_party_name(app.study, app.self), study_id(app.study), app.study_hash_hex,
             o.listen, app.tls ? " with TLS" : "");
    log_info("dashboard: %s/admin", study_party_url(app.study, app.self));
    int sig = 0;
    sigwait(&stop, &sig);
    log_info("%s received: finishing requests in progress, then stopping",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    rc = 0;
cleanup:
    server_stop(srv);
    peers_stop(app.peers);
    compute_free(app.compute);
    if (app.peers != NULL)
        curl_global_cleanup();
    free_party(&app);
    if (rc == 0)
        log_info("stopped");
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "approve") == 0)
        return cmd_approve(argc - 1, argv + 1);
    fprintf(stderr, "mpc-party: unknown command '%s'\n%s", cmd, USAGE);
    return 2;
}
