/*
 * report.c - `mpc report`: downloads the released result from the leader
 * (a request signed with the organizer's key), checks it against the
 * sealed study and writes it as the CSV of docs/DESIGN.md, section 7 and
 * as a spreadsheet (backend/lib/report_file.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mpc.h"
#include "report_file.h"

static const char REPORT_HELP[] =
    "usage: mpc report --organizer DIR --study SEALED.json [--xlsx FILE] [--csv FILE]\n"
    "                  [--cacert PEM]\n"
    "\n"
    "Downloads the statistics the parties released for the study (after mpc compute)\n"
    "and writes them as a spreadsheet (--xlsx: a summary, one table per analysis, and\n"
    "how it was computed) and/or as CSV (--csv: one row per statistic, the columns\n"
    "analysis,group,statistic,value,note,indicator). Without either, prints the CSV.\n";

/* "FILE.partial": where a file is written before it is renamed to FILE. */
static void partial_name(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s.partial", path);
}

int cmd_report(int argc, char **argv)
{
    org_opts opts = {.report = 1};
    int rc = org_parse(argc, argv, REPORT_HELP, &opts);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[1200], csv_tmp[4096] = "", xlsx_tmp[4096] = "";
    org_ctx o;
    cJSON *j = NULL;
    study_row_ref *refs = NULL;
    long status = 0;
    rc = 1;
    if (org_load(opts.organizer, opts.study, &o, err, sizeof err) != 0)
        goto done;
    o.cacert = opts.cacert;
    j = org_request(&o, "GET", "/api/result", &status, err, sizeof err);
    if (j == NULL || status != 200)
        goto done;
    if (report_check(o.study, j, &refs, err, sizeof err) != 0)
        goto done;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
    /* Both files are written under other names first, then renamed: a
     * failure leaves neither. */
    if (opts.csv != NULL) {
        partial_name(opts.csv, csv_tmp, sizeof csv_tmp);
        FILE *f = fopen(csv_tmp, "w");
        int bad = f == NULL || report_csv(f, o.study, rows, refs) != 0;
        if (f != NULL && fclose(f) != 0)
            bad = 1;
        if (bad) {
            snprintf(err, sizeof err, "cannot write %s: %s", opts.csv, strerror(errno));
            goto done;
        }
    }
    if (opts.xlsx != NULL) {
        partial_name(opts.xlsx, xlsx_tmp, sizeof xlsx_tmp);
        lxw_error e = report_xlsx(xlsx_tmp, o.study, j, refs);
        if (e != LXW_NO_ERROR) {
            snprintf(err, sizeof err, "cannot write %s: %s", opts.xlsx, lxw_strerror(e));
            goto done;
        }
    }
    if ((opts.csv != NULL && rename(csv_tmp, opts.csv) != 0) ||
        (opts.xlsx != NULL && rename(xlsx_tmp, opts.xlsx) != 0)) {
        snprintf(err, sizeof err, "cannot write the report: %s", strerror(errno));
        goto done;
    }
    csv_tmp[0] = xlsx_tmp[0] = '\0';
    if (opts.csv != NULL)
        printf("Wrote %s (%d rows).\n", opts.csv, cJSON_GetArraySize(rows));
    if (opts.xlsx != NULL)
        printf("Wrote %s.\n", opts.xlsx);
    if (opts.csv == NULL && opts.xlsx == NULL && report_csv(stdout, o.study, rows, refs) != 0) {
        snprintf(err, sizeof err, "cannot write the CSV");
        goto done;
    }
    char link[1024];
    if ((opts.csv != NULL || opts.xlsx != NULL) && org_report_link(&o, link, sizeof link) == 0)
        printf("The report page (keep this link private): %s\n", link);
    rc = 0;
done:
    if (csv_tmp[0] != '\0')
        remove(csv_tmp);
    if (xlsx_tmp[0] != '\0')
        remove(xlsx_tmp);
    if (rc != 0)
        fprintf(stderr, "mpc: %s\n", err);
    free(refs);
    cJSON_Delete(j);
    org_free(&o);
    return rc;
}
