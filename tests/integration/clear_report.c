/*
 * clear_report.c - test tool: the report rows of a study computed in the
 * clear from its answers, through the core's release path (the study's
 * circuit encodes and truncates each answer as a client and the parties
 * would, the outputs are summed and decoded, and study_result makes the
 * rows with its suppression), without any party: for the suppression
 * auditor's randomized studies (tests/integration/audit.mjs).
 *
 *   clear_report [--suppress] [--csv] STUDY.json < ANSWERS.jsonl
 *
 * --suppress: the units released as backend/lib/suppress.c decides them
 * (primary and complementary suppression; the number of complementary
 * suppressions goes to stderr), instead of study_result's cell rule.
 * --csv: the rows as the report's CSV (backend/lib/report_file.c, the
 * writer of mpc report --csv: the indicators' rows first) instead of
 * JSON.
 *
 * The aggregate is tests/common/clear_aggregate.c's.
 *
 * STUDY.json: a study file, sealed or not. ANSWERS.jsonl: one answer per
 * line, a JSON object as `mpc submit` reads a row (field name to value);
 * in an organization study with an "_employer" member too (the answers of
 * each employer are its report's table).
 * Prints the rows as study_result makes them (a JSON array of
 * [analysis, group, statistic, value, note]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clear_aggregate.h"
#include "fileio.h"
#include "prio3.h"
#include "report_file.h"
#include "study.h"
#include "suppress.h"

#define MAX_LINE (1 << 16)

static void die(const char *what, const char *why)
{
    fprintf(stderr, "clear_report: %s: %s\n", what, why);
    exit(1);
}

int main(int argc, char **argv)
{
    int suppress = 0, csv = 0, a = 1;
    for (; a < argc - 1; a++) {
        if (strcmp(argv[a], "--suppress") == 0)
            suppress = 1;
        else if (strcmp(argv[a], "--csv") == 0)
            csv = 1;
        else
            break;
    }
    if (a != argc - 1) {
        fprintf(stderr, "usage: clear_report [--suppress] [--csv] STUDY.json < ANSWERS.jsonl\n");
        return 2;
    }
    const char *path = argv[a];
    char err[STUDY_ERR_SIZE];
    size_t len;
    char *text = NULL;
    if (fileio_read(path, STUDY_MAX_JSON, &text, &len) != 0)
        die(path, "cannot be read");
    study *s = NULL;
    int sealed = strstr(text, "\"signature\"") != NULL;
    if (study_parse(text, len, sealed, &s, err, sizeof err) != CORE_OK)
        die(path, err);
    core_u128 *result = calloc(prio3_output_len(study_prio3(s)), sizeof *result);
    char *line = malloc(MAX_LINE);
    size_t n = 0, cap = 1024;
    cJSON **answers = malloc(cap * sizeof *answers);
    if (result == NULL || line == NULL || answers == NULL)
        die("memory", "out of memory");
    while (fgets(line, MAX_LINE, stdin) != NULL) {
        if (line[0] == '\n')
            continue;
        if (n == cap && (answers = realloc(answers, (cap *= 2) * sizeof *answers)) == NULL)
            die("memory", "out of memory");
        if ((answers[n++] = cJSON_Parse(line)) == NULL)
            die("an answer", "not JSON");
    }
    size_t people = n;
    if (clear_aggregate_reports(s, answers, people, result, &n, err, sizeof err) != 0)
        die("the answers", err);
    cJSON *rows = NULL;
    if (n < study_min_submissions(s))
        die("the result", "fewer answers than the study's min_submissions");
    if (suppress) {
        uint8_t *state = malloc(study_num_units(s) + 1);
        size_t added = 0;
        if (state == NULL || suppress_pattern(s, result, n, state, &added, err, sizeof err) != 0 ||
            study_result_states(s, result, n, 0, state, NULL, &rows) != CORE_OK)
            die("the suppression", state == NULL ? "out of memory" : err);
        fprintf(stderr, "complementary suppressions: %zu\n", added);
        free(state);
    } else if (study_result(s, result, n, 0, &rows) != CORE_OK) {
        die("the result", "out of memory");
    }
    if (csv) {
        study_row_ref *refs = malloc(((size_t)cJSON_GetArraySize(rows) + 1) * sizeof *refs);
        if (refs == NULL)
            die("memory", "out of memory");
        if (study_check_rows(s, rows, refs, err, sizeof err) != CORE_OK)
            die("the rows", err);
        if (report_csv(stdout, s, rows, refs) != 0)
            die("the CSV", "cannot be written");
        free(refs);
    } else {
        char *printed = cJSON_PrintUnformatted(rows);
        if (printed == NULL)
            die("memory", "out of memory");
        printf("%s\n", printed);
        free(printed);
    }
    cJSON_Delete(rows);
    for (size_t k = 0; k < people; k++)
        cJSON_Delete(answers[k]);
    free(answers);
    free(result);
    free(line);
    free(text);
    study_free(s);
    return 0;
}
