/*
 * compute.c - `mpc compute`: the organizer asks the leader to run the
 * compute protocol (a request signed with the organizer's key) and
 * follows its progress until the result is released or the compute fails.
 * Also the organizer's signed requests that `mpc report` uses.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core.h"
#include "hex.h"
#include "httpc.h"
#include "keys.h"
#include "mpc.h"
#include "safe_text.h"
#include "reqsign.h"
#include "sealed.h"

static const char COMPUTE_HELP[] =
    "usage: mpc compute --organizer DIR --study SEALED.json [--cacert PEM]\n"
    "\n"
    "Asks the leader (the study's first party) to run the compute: every party checks\n"
    "that all parties approved the study, the parties agree on the submissions every\n"
    "one of them holds, verify every submission's proof together without decrypting\n"
    "it, and release only the study's statistics (small groups suppressed). Shows the\n"
    "progress until the result is released; then 'mpc report' downloads it. A study is\n"
    "computed once; a compute that failed (a party down, for example) can be run again.\n";

int org_load(const char *organizer, const char *study_path, org_ctx *o, char *err, size_t err_size)
{
    memset(o, 0, sizeof *o);
    if (keys_organizer_load(organizer, &o->keys, err, err_size) != 0 ||
        sealed_load(study_path, &o->study, NULL, err, err_size) != 0)
        return -1;
    if (memcmp(study_organizer_key(o->study), o->keys.sign_pk, SIGN_PK_SIZE) != 0) {
        snprintf(err, err_size, "%s was sealed by another organizer key than the one in %s",
                 study_path, organizer);
        return -1;
    }
    return 0;
}

void org_free(org_ctx *o)
{
    core_wipe(&o->keys, sizeof o->keys);
    study_free(o->study);
    o->study = NULL;
}

/* After the leader refused the organizer's signature: if the leader serves
 * another version of the study (the plan was changed and sealed again),
 * err says so and what to do; else it is left as it is. */
static void explain_refusal(const org_ctx *o, char *err, size_t err_size)
{
    char url[600];
    snprintf(url, sizeof url, "%s/api/study", study_party_url(o->study, 0));
    httpc_request r = {.method = "GET",
                       .url = url,
                       .timeout_ms = 30000,
                       .max_response = (size_t)1 << 20,
                       .cacert = o->cacert};
    httpc_response resp;
    char why[300], ours[2 * STUDY_HASH_SIZE + 1];
    if (httpc_perform(NULL, &r, &resp, why, sizeof why) != 0)
        return;
    cJSON *j = resp.status == 200 ? cJSON_ParseWithLength(resp.body, resp.len) : NULL;
    free(resp.body);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "hash");
    hex_encode(study_hash(o->study), STUDY_HASH_SIZE, ours);
    if (cJSON_IsString(h) && strcmp(h->valuestring, ours) != 0)
        snprintf(err, err_size,
                 "the leader, %s, serves another version of this study (hash %.16s...), not "
                 "this file's (hash %.16s...). A changed plan must be sealed again, given to "
                 "every party and approved by each before it can be computed",
                 study_party_name(o->study, 0), SAFE_TEXT_SHOW(h->valuestring), ours);
    cJSON_Delete(j);
}

cJSON *org_request(const org_ctx *o, const char *method, const char *path, long *status, char *err,
                   size_t err_size)
{
    char url[600];
    snprintf(url, sizeof url, "%s%s", study_party_url(o->study, 0), path);
    reqsign_headers h;
    /* (Signed for the leader, party index 0: no other party accepts it.) */
    if (reqsign_sign(o->keys.sign_sk, REQSIGN_ORGANIZER_PREFIX, REQSIGN_ORGANIZER, 0,
                     study_hash(o->study), method, path, "", 0, (int64_t)time(NULL), &h) != 0) {
        snprintf(err, err_size, "cannot sign the request");
        return NULL;
    }
    httpc_request r = {.method = method,
                       .url = url,
                       .headers = h.list,
                       .timeout_ms = 30000,
                       .max_response = (size_t)64 << 20,
                       .cacert = o->cacert};
    httpc_response resp;
    char why[300];
    if (httpc_perform(NULL, &r, &resp, why, sizeof why) != 0) {
        snprintf(err, err_size, "the leader, %s (%s), cannot be reached: %s",
                 study_party_name(o->study, 0), study_party_url(o->study, 0), why);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(resp.body, resp.len);
    free(resp.body);
    *status = resp.status;
    if (j == NULL) {
        snprintf(err, err_size, "the leader answered HTTP %ld with something that is not JSON",
                 resp.status);
        return NULL;
    }
    if (resp.status >= 300) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        /* (What the leader says reaches the organizer's terminal: escaped.) */
        snprintf(err, err_size, "%s",
                 cJSON_IsString(e) ? SAFE_TEXT_SHOW(e->valuestring) : "refused");
        if (resp.status == 401)
            explain_refusal(o, err, err_size);
    }
    return j;
}

int org_report_link(const org_ctx *o, char *out, size_t size)
{
    uint8_t sig[SIGN_SIG_SIZE];
    char hash[2 * STUDY_HASH_SIZE + 1], key[2 * SIGN_SIG_SIZE + 1];
    if (sign_message(o->keys.sign_sk, REQSIGN_REPORT_PREFIX, study_hash(o->study), STUDY_HASH_SIZE,
                     sig) != 0)
        return -1;
    hex_encode(study_hash(o->study), STUDY_HASH_SIZE, hash);
    hex_encode(sig, sizeof sig, key);
    snprintf(out, size, "%s/report#study=%s&key=%s", study_party_url(o->study, 0), hash, key);
    return 0;
}

int org_parse(int argc, char **argv, const char *help, org_opts *o)
{
    static const struct option longopts[] = {
        {"organizer", required_argument, NULL, 'o'},
        {"study", required_argument, NULL, 's'},
        {"cacert", required_argument, NULL, 'a'},
        {"xlsx", required_argument, NULL, 'x'},
        {"csv", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o': o->organizer = optarg; break;
        case 's': o->study = optarg; break;
        case 'a': o->cacert = optarg; break;
        case 'x':
        case 'c':
            if (!o->report) {
                fprintf(stderr, "mpc: unknown option '%s'\n%s", argv[optind - 1], help);
                return -1;
            }
            *(ch == 'x' ? &o->xlsx : &o->csv) = optarg;
            break;
        case 'h': fputs(help, stdout); return 1;
        default:
            fprintf(stderr, "mpc: unknown or incomplete option '%s'\n%s", argv[optind - 1], help);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mpc: unexpected argument '%s'\n%s", argv[optind], help);
        return -1;
    }
    if (o->organizer == NULL || o->study == NULL) {
        fprintf(stderr, "mpc: %s is required\n%s", o->organizer == NULL ? "--organizer" : "--study",
                help);
        return -1;
    }
    return 0;
}

static double num(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

int cmd_compute(int argc, char **argv)
{
    org_opts opts = {0};
    int rc = org_parse(argc, argv, COMPUTE_HELP, &opts);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[800];
    org_ctx o;
    rc = 1;
    cJSON *j = NULL;
    long status = 0;
    if (org_load(opts.organizer, opts.study, &o, err, sizeof err) != 0)
        goto done;
    o.cacert = opts.cacert;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    j = org_request(&o, "POST", "/api/compute", &status, err, sizeof err);
    if (j == NULL || status != 202)
        goto done;
    int tty = isatty(2);
    char last_step[64] = "";
    fprintf(stderr, "Computing %s with %u parties...\n", study_title(o.study),
            study_num_parties(o.study));
    for (;;) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        cJSON_Delete(j);
        j = org_request(&o, "GET", "/api/compute", &status, err, sizeof err);
        if (j == NULL || status != 200)
            goto done;
        const char *state = str(j, "state"), *step = SAFE_TEXT_SHOW(str(j, "step"));
        if (strcmp(state, "running") != 0) {
            if (tty)
                fputc('\n', stderr);
            break;
        }
        double total = num(j, "total"), verified = num(j, "verified");
        if (tty) {
            fprintf(stderr, "\r  %-26s", step);
            if (strcmp(step, "verifying") == 0 && total > 0)
                fprintf(stderr, " %.0f/%.0f submissions (%.0f%%)  ", verified, total,
                        100 * verified / total);
            else
                fputs("                                ", stderr);
        } else if (strcmp(step, last_step) != 0) {
            fprintf(stderr, "  %s\n", step);
        }
        snprintf(last_step, sizeof last_step, "%s", step);
    }
    if (strcmp(str(j, "state"), "released") != 0) {
        snprintf(err, sizeof err,
                 "the compute failed: %s\nNothing was released. Fix the cause "
                 "and run mpc compute again.",
                 SAFE_TEXT_SHOW(str(j, "error")));
        goto done;
    }
    printf("Released the result of %s: %.0f submissions accepted, %.0f rejected (invalid "
           "proof), %.0f incomplete (held by only some parties, not used).\n"
           "Download it: mpc report --organizer %s --study %s --xlsx report.xlsx --csv "
           "report.csv\n",
           study_title(o.study), num(j, "total") - num(j, "rejected"), num(j, "rejected"),
           num(j, "incomplete"), opts.organizer, opts.study);
    if (study_is_organization(o.study))
        printf("(Each submission is one employer's report; the report counts their people.)\n");
    char link[1024];
    if (org_report_link(&o, link, sizeof link) == 0)
        printf("Or open the report page (keep this link private):\n  %s\n", link);
    rc = 0;
done:
    if (rc != 0)
        fprintf(stderr, "mpc: %s\n", err);
    cJSON_Delete(j);
    org_free(&o);
    return rc;
}
