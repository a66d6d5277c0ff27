/*
 * report_file.h - the report's files from a released result (the JSON
 * object the leader serves at /api/result: study, title, released_at,
 * accepted, rejected, incomplete, min_submissions, min_cell_count, plan,
 * rows), one writer for `mpc report` and for the leader's report page
 * (docs/COMPUTE.md, "The report").
 */
#ifndef MPC_REPORT_FILE_H
#define MPC_REPORT_FILE_H

#include <stdio.h>

#include <cjson/cJSON.h>
#include <xlsxwriter.h>

#include "study.h"

/* The result checked against the sealed study s (docs/DESIGN.md, section
 * 7): for that study's hash, every row one the study makes. refs: one per
 * row (free with free()). 0, or -1 with err saying what is wrong. */
int report_check(const study *s, const cJSON *result, study_row_ref **refs, char *err,
                 size_t err_size);

/* The CSV of a checked result's rows (refs from report_check) to f
 * (docs/DESIGN.md, section 7: the _study rows, the rows under the
 * study's indicators in their order, then the others): 0, or -1 on a
 * write error. */
int report_csv(FILE *f, const study *s, const cJSON *rows, const study_row_ref *refs);

/* The spreadsheet of a checked result (refs from report_check) written to
 * path. */
lxw_error report_xlsx(const char *path, const study *s, const cJSON *result,
                      const study_row_ref *refs);

#endif
