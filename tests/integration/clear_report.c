/*
 * clear_report.c - test tool: the report rows of a study computed in the
 * clear from its answers, through the core's release path (the study's
 * circuit encodes and truncates each answer as a client and the parties
 * would, the outputs are summed and decoded, and study_result makes the
 * rows with its suppression), without any party: for the suppression
 * auditor's randomized studies (tests/integration/audit.mjs).
 *
 *   clear_report STUDY.json < ANSWERS.jsonl
 *
 * STUDY.json: a study file, sealed or not. ANSWERS.jsonl: one answer per
 * line, a JSON object as `mpc submit` reads a row (field name to value).
 * Prints the rows as study_result makes them (a JSON array of
 * [analysis, group, statistic, value, note]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "field.h"
#include "prio3.h"
#include "study.h"

#define MAX_LINE (1 << 16)

static void die(const char *what, const char *why)
{
    fprintf(stderr, "clear_report: %s: %s\n", what, why);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: clear_report STUDY.json < ANSWERS.jsonl\n");
        return 2;
    }
    char err[STUDY_ERR_SIZE];
    size_t len;
    char *text = NULL;
    if (fileio_read(argv[1], STUDY_MAX_JSON, &text, &len) != 0)
        die(argv[1], "cannot be read");
    study *s = NULL;
    int sealed = strstr(text, "\"signature\"") != NULL;
    if (study_parse(text, len, sealed, &s, err, sizeof err) != CORE_OK)
        die(argv[1], err);
    const circuit *c = prio3_circuit(study_prio3(s));
    felem *meas = calloc(c->meas_len, sizeof *meas), *out = calloc(c->output_len, sizeof *out);
    felem *agg = calloc(c->output_len, sizeof *agg);
    core_u128 *result = calloc(c->output_len, sizeof *result);
    uint64_t *raw = calloc(study_meas_count(s), sizeof *raw);
    char *line = malloc(MAX_LINE);
    if (!meas || !out || !agg || !result || !raw || !line)
        die("memory", "out of memory");
    uint64_t n = 0;
    while (fgets(line, MAX_LINE, stdin) != NULL) {
        if (line[0] == '\n')
            continue;
        cJSON *answer = cJSON_Parse(line);
        if (answer == NULL || study_encode_answer(s, answer, raw, err, sizeof err) != CORE_OK ||
            c->ops->encode(c, raw, meas) != CORE_OK)
            die("an answer", answer == NULL ? "not JSON" : err);
        cJSON_Delete(answer);
        c->ops->truncate(c, meas, out);
        for (size_t i = 0; i < c->output_len; i++)
            agg[i] = field_add(c->field, agg[i], out[i]);
        n++;
    }
    /* The aggregate as one party's share, the others zero: unshard decodes it. */
    const prio3 *v = study_prio3(s);
    size_t os = prio3_out_share_size(v);
    uint8_t *shares = calloc(prio3_shares(v), os);
    if (shares == NULL)
        die("memory", "out of memory");
    field_vec_encode(c->field, agg, c->output_len, shares);
    if (prio3_unshard(v, shares, prio3_shares(v) * os, n, result) != CORE_OK)
        die("the aggregate", "it does not decode");
    free(shares);
    cJSON *rows = NULL;
    if (study_result(s, result, n, 0, &rows) != CORE_OK)
        die("the result", "fewer answers than the study's min_submissions");
    char *printed = cJSON_PrintUnformatted(rows);
    if (printed == NULL)
        die("memory", "out of memory");
    printf("%s\n", printed);
    free(printed);
    cJSON_Delete(rows);
    free(meas);
    free(out);
    free(agg);
    free(result);
    free(raw);
    free(line);
    free(text);
    study_free(s);
    return 0;
}
