/*
 * report_file.c - the report's files, written the same way by `mpc report`
 * and by the leader's report page: the CSV of docs/DESIGN.md, section 7,
 * and the spreadsheet (libxlsxwriter): a summary sheet, one table per
 * analysis, and a method sheet in plain language. See report_file.h.
 */
#include "report_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"

static const char *str(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- CSV ---------------------------------------------------------------------- */

/* What a spreadsheet reads as the start of a formula (the OWASP rule
 * against CSV injection). */
static int formula_start(char c)
{
    return c != '\0' && strchr("=+-@\t\r", c) != NULL;
}

/* One cell, quoted as RFC 4180 says when it has a comma, a quote or a line
 * break. A number is written as it is; in any other text, what a
 * spreadsheet would read as a formula, at the start of the cell or after a
 * ';' (where spreadsheets set to the ';' separator start a cell), gets a '
 * before it. */
static void csv_cell(FILE *f, const char *v, int last)
{
    int number = study_is_number(v), quote = strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    for (const char *p = v; *p; p++) {
        if (!number && formula_start(*p) && (p == v || p[-1] == ';'))
            fputc('\'', f);
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
    fputc(last ? '\n' : ',', f);
}

/* Where a row is listed in the CSV: 0 for the _study rows, 1 + the
 * indicators' table it is under (sections in order, their tables in
 * order), then past every table (CSV_OTHER) the other rows. */
#define CSV_PLACES (2 + STUDY_MAX_SECTIONS * STUDY_MAX_TABLES)
#define CSV_OTHER (CSV_PLACES - 1)
static size_t csv_place(const study *s, const study_row_ref *ref)
{
    size_t k, t;
    if (ref->analysis < 0)
        return 0;
    if (study_row_indicator(s, ref, &k, &t))
        return 1 + k * STUDY_MAX_TABLES + t;
    return CSV_OTHER;
}

/* "HEADING" or "HEADING: LABEL" of the table at place p (a new string,
 * whole however long the study's texts; NULL without memory). */
static char *indicator_name(const study *s, size_t p)
{
    size_t k = (p - 1) / STUDY_MAX_TABLES, t = (p - 1) % STUDY_MAX_TABLES;
    const char *heading = study_section_heading(s, k), *label = study_table_label(s, k, t);
    size_t n = strlen(heading) + (label ? strlen(label) + 2 : 0) + 1;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s%s%s", heading, label ? ": " : "", label ? label : "");
    return out;
}

int report_csv(FILE *f, const study *s, const cJSON *rows, const study_row_ref *refs)
{
    static const char *const cols[] = {"analysis", "group", "statistic", "value", "note"};
    size_t n = (size_t)cJSON_GetArraySize(rows), start[CSV_PLACES + 1] = {0};
    const cJSON **order = malloc((n ? n : 1) * sizeof *order);
    size_t *place = malloc((n ? n : 1) * sizeof *place);
    char *names[CSV_PLACES] = {NULL};
    int bad = order == NULL || place == NULL;
    /* A stable counting sort of the rows by place. */
    for (size_t i = 0; i < n && !bad; i++)
        start[(place[i] = csv_place(s, &refs[i])) + 1]++;
    for (size_t p = 0; p < CSV_PLACES && !bad; p++) {
        start[p + 1] += start[p];
        if (p > 0 && p < CSV_OTHER && start[p + 1] > start[p] &&
            (names[p] = indicator_name(s, p)) == NULL)
            bad = 1;
    }
    size_t i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        if (!bad)
            order[start[place[i]]++] = r;
        i++;
    }
    fputs("analysis,group,statistic,value,note,indicator\n", f);
    /* (start[p] is now where place p + 1 begins) */
    for (size_t j = 0, p = 0; j < n && !bad; j++) {
        while (j >= start[p])
            p++;
        for (int c = 0; c < 5; c++)
            csv_cell(f, str(order[j], cols[c]), 0);
        csv_cell(f, names[p] ? names[p] : "", 1);
    }
    for (size_t p = 0; p < CSV_PLACES; p++)
        free(names[p]);
    free(order);
    free(place);
    return bad || ferror(f) ? -1 : 0;
}

/* ---- XLSX --------------------------------------------------------------------- */

typedef struct formats {
    lxw_format *title, *heading, *bold, *header, *count, *number, *ratio, *percent, *muted, *wrap;
} formats;

/* A sheet name Excel accepts: at most 31 characters, none of []:*?/\ . */
static void sheet_name(const char *name, size_t index, char out[32])
{
    snprintf(out, 32, "%.27s", name);
    for (char *p = out; *p; p++)
        if (strchr("[]:*?/\\", *p))
            *p = '_';
    /* (Excel compares sheet names without case) */
    if (strcasecmp(out, "Summary") == 0 || strcasecmp(out, "Method") == 0 ||
        strcasecmp(out, "Indicators") == 0 || out[0] == '\0')
        snprintf(out, 32, "%.24s (%u)", name, (unsigned)(index % STUDY_MAX_ANALYSES) + 1);
}

/* Writes a value: a number with the statistic's format, or the note. */
static void write_value(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const cJSON *r,
                        const formats *fm)
{
    const char *value = str(r, "value"), *note = str(r, "note"), *stat = str(r, "statistic");
    if (value[0] == '\0') {
        worksheet_write_string(ws, row, col, note[0] ? note : "n/a", fm->muted);
        return;
    }
    char *end;
    double d = strtod(value, &end);
    if (*end != '\0') {
        worksheet_write_string(ws, row, col, value, NULL);
        return;
    }
    lxw_format *f = fm->number;
    if (strcmp(stat, "count") == 0 || strcmp(stat, "sum") == 0 || strcmp(stat, "median") == 0 ||
        strcmp(stat, "quartile_1") == 0 || strcmp(stat, "quartile_3") == 0 ||
        strncmp(stat, "histogram", 9) == 0 || strncmp(stat, "submissions", 11) == 0)
        f = fm->count;
    else if (strcmp(stat, "gap") == 0)
        f = fm->ratio;
    else if (strcmp(stat, "share_positive") == 0 || strncmp(stat, "quartile_band_", 14) == 0)
        f = fm->percent;
    worksheet_write_number(ws, row, col, d, f);
}

/* Which columns of an analysis's cells a table shows: all of them, or
 * those of table t of the indicators' section k. */
typedef struct columns {
    const study *s;
    size_t k, t;
    int all;
} columns;

static int shows(const columns *cols, size_t stat)
{
    return cols->all || study_table_shows(cols->s, cols->k, cols->t, stat);
}

/* Analysis ai's cells as a table with its header at row `top`: a row per
 * cell, a column per "by" field (the choices of the study's own cells,
 * never split out of the group's text) and per statistic shown. refs:
 * where each row belongs (study_check_rows). Returns the number of
 * statistics' columns (by-columns: *by_cols). */
static size_t write_cells(lxw_worksheet *ws, lxw_row_t top, size_t ai, const cJSON *rows,
                          const study_row_ref *refs, const columns *cols, const formats *fm,
                          lxw_col_t *by_cols)
{
    const study *s = cols->s;
    size_t nby = study_analysis_num_by(s, ai);
    for (size_t b = 0; b < nby; b++)
        worksheet_write_string(ws, top, (lxw_col_t)b,
                               study_field_label(s, study_analysis_by(s, ai, b)), fm->header);
    lxw_col_t col = (lxw_col_t)(nby ? nby : 1);
    if (nby == 0)
        worksheet_write_string(ws, top, 0, "Group", fm->header);
    /* Each statistic's column: how many shown columns come before it. */
    size_t place[STUDY_CELL_STATS], nstats = 0;
    for (size_t c = 0; c < STUDY_CELL_STATS; c++)
        place[c] = shows(cols, c) ? nstats++ : SIZE_MAX;
    size_t used = 0, i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        const study_row_ref *ref = &refs[i++];
        if (ref->analysis != (int)ai || ref->stat >= STUDY_CELL_STATS)
            continue;
        lxw_row_t row = (lxw_row_t)(top + 1 + ref->cell);
        if (ref->stat == 0) {
            if (nby == 0)
                worksheet_write_string(ws, row, 0, "everyone", NULL);
            for (size_t b = 0; b < nby; b++)
                worksheet_write_string(ws, row, (lxw_col_t)b,
                                       study_cell_choice(s, ai, ref->cell, b), NULL);
        }
        if (place[ref->stat] == SIZE_MAX)
            continue;
        lxw_col_t at = (lxw_col_t)(col + place[ref->stat]);
        if (ref->cell == 0) {
            worksheet_write_string(ws, top, at, str(r, "statistic"), fm->header);
            used = place[ref->stat] + 1;
        }
        write_value(ws, row, at, r, fm);
    }
    *by_cols = col;
    return used;
}

/* Analysis ai: its whole table on a sheet of its own. */
static void analysis_sheet(lxw_workbook *wb, const study *s, size_t ai, const cJSON *rows,
                           const study_row_ref *refs, const formats *fm)
{
    char name[32];
    const char *analysis = study_analysis_name(s, ai);
    sheet_name(analysis, ai, name);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    size_t cells = study_analysis_cells(s, ai);
    worksheet_write_string(ws, 0, 0, analysis, fm->title);
    columns all = {.s = s, .all = 1};
    lxw_col_t col;
    size_t nstats = write_cells(ws, 2, ai, rows, refs, &all, fm, &col);
    worksheet_set_column(ws, 0, (lxw_col_t)(col - 1), 24, NULL);
    worksheet_set_column(ws, col, (lxw_col_t)(col + nstats), 16, NULL);
    worksheet_freeze_panes(ws, 3, col);
    worksheet_write_string(ws, (lxw_row_t)(cells + 4), 0,
                           "\"suppressed\": fewer contributors than the study's minimum group "
                           "size. \"" STUDY_NOTE_COMPLEMENTARY "\": withheld so that no "
                           "suppressed figure can be worked out from the released ones. Neither "
                           "was opened by the parties.",
                           fm->muted);
}

/* The indicators (docs/STUDY.md): the study's title for them, then per
 * section its heading and its tables, each under its label if it has one
 * and the name of its analysis. */
static void indicators_sheet(lxw_workbook *wb, const study *s, const cJSON *rows,
                             const study_row_ref *refs, const formats *fm)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Indicators");
    worksheet_set_column(ws, 0, 3, 24, NULL);
    worksheet_set_column(ws, 4, 12, 16, NULL);
    worksheet_write_string(ws, 0, 0, study_indicators_title(s), fm->title);
    lxw_row_t row = 2;
    for (size_t k = 0; k < study_num_sections(s); k++) {
        worksheet_write_string(ws, row++, 0, study_section_heading(s, k), fm->heading);
        for (size_t t = 0; t < study_section_tables(s, k); t++) {
            size_t ai = study_table_analysis(s, k, t);
            const char *label = study_table_label(s, k, t);
            /* (the label whole, however long) */
            if (label != NULL)
                worksheet_write_string(ws, row, 0, label, fm->muted);
            char what[64];
            snprintf(what, sizeof what, "(analysis %s)", study_analysis_name(s, ai));
            worksheet_write_string(ws, row++, label ? 1 : 0, what, fm->muted);
            columns one = {.s = s, .k = k, .t = t};
            lxw_col_t col;
            write_cells(ws, row, ai, rows, refs, &one, fm, &col);
            row = (lxw_row_t)(row + 2 + study_analysis_cells(s, ai));
        }
    }
    worksheet_write_string(ws, row, 0,
                           "The same figures as on the analyses' own sheets, under the headings "
                           "the study gives them.",
                           fm->muted);
}

/* How many rows are withheld to protect another group. */
static size_t complementary_rows(const cJSON *rows)
{
    size_t n = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        n += strcmp(str(r, "note"), STUDY_NOTE_COMPLEMENTARY) == 0;
    }
    return n;
}

lxw_error report_xlsx(const char *path, const study *s, const cJSON *result,
                      const study_row_ref *refs)
{
    lxw_workbook *wb = workbook_new(path);
    if (wb == NULL)
        return LXW_ERROR_CREATING_XLSX_FILE;
    formats fm;
    fm.title = workbook_add_format(wb);
    format_set_bold(fm.title);
    format_set_font_size(fm.title, 14);
    fm.heading = workbook_add_format(wb);
    format_set_bold(fm.heading);
    format_set_font_size(fm.heading, 12);
    fm.bold = workbook_add_format(wb);
    format_set_bold(fm.bold);
    fm.header = workbook_add_format(wb);
    format_set_bold(fm.header);
    format_set_bottom(fm.header, LXW_BORDER_THIN);
    format_set_text_wrap(fm.header);
    fm.count = workbook_add_format(wb);
    format_set_num_format(fm.count, "#,##0");
    fm.number = workbook_add_format(wb);
    format_set_num_format(fm.number, "#,##0.00");
    fm.ratio = workbook_add_format(wb);
    format_set_num_format(fm.ratio, "0.0000");
    fm.percent = workbook_add_format(wb);
    format_set_num_format(fm.percent, "0.0%");
    fm.muted = workbook_add_format(wb);
    format_set_italic(fm.muted);
    format_set_font_color(fm.muted, 0x666666);
    fm.wrap = workbook_add_format(wb);
    format_set_text_wrap(fm.wrap);
    format_set_align(fm.wrap, LXW_ALIGN_VERTICAL_TOP);

    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(result, "rows");
    char hash[2 * STUDY_HASH_SIZE + 1], n[32];
    hex_encode(study_hash(s), STUDY_HASH_SIZE, hash);

    /* Summary. */
    lxw_worksheet *sum = workbook_add_worksheet(wb, "Summary");
    worksheet_set_column(sum, 0, 0, 34, fm.bold);
    worksheet_set_column(sum, 1, 1, 70, NULL);
    worksheet_write_string(sum, 0, 0, study_title(s), fm.title);
    const char *labels[] = {"Study",
                            "Plan hash",
                            "Released",
                            "Submissions accepted",
                            "Submissions rejected (invalid proof)",
                            "Submissions incomplete (not used)",
                            "Minimum submissions",
                            "Minimum group size"};
    lxw_row_t row = 2;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        worksheet_write_string(sum, (lxw_row_t)(row + i), 0, labels[i], NULL);
    worksheet_write_string(sum, row++, 1, study_id(s), NULL);
    worksheet_write_string(sum, row++, 1, hash, NULL);
    worksheet_write_string(sum, row++, 1, str(result, "released_at"), NULL);
    const char *nums[] = {"accepted", "rejected", "incomplete"};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(result, nums[i]);
        worksheet_write_number(sum, row++, 1, cJSON_IsNumber(v) ? v->valuedouble : 0, fm.count);
    }
    worksheet_write_number(sum, row++, 1, (double)study_min_submissions(s), fm.count);
    worksheet_write_number(sum, row++, 1, (double)study_min_cell_count(s), fm.count);
    if (study_is_organization(s)) {
        /* One report per organization: the people in them, and the
         * organizations a group needs. */
        const cJSON *r;
        double people = 0;
        cJSON_ArrayForEach(r, rows)
        {
            if (strcmp(str(r, "analysis"), "_study") == 0 && strcmp(str(r, "statistic"), "people") == 0)
                people = atof(str(r, "value"));
        }
        worksheet_write_string(sum, row, 0, "People (in the organizations' reports)", NULL);
        worksheet_write_number(sum, row++, 1, people, fm.count);
        worksheet_write_string(sum, row, 0, "Minimum organizations per group", NULL);
        worksheet_write_number(sum, row++, 1, (double)study_min_contributors(s), fm.count);
    }
    row++;
    worksheet_write_string(sum, row++, 0, "Computing parties", fm.bold);
    for (unsigned i = 0; i < study_num_parties(s); i++) {
        snprintf(n, sizeof n, "%s%u", i == 0 ? "Leader, party " : "Party ", i + 1);
        worksheet_write_string(sum, row, 0, n, NULL);
        worksheet_write_string(sum, row++, 1, study_party_name(s, i), NULL);
    }

    /* The indicators, if the study has them; one sheet per analysis. */
    if (study_num_sections(s) > 0)
        indicators_sheet(wb, s, rows, refs, &fm);
    cJSON *plan = study_plan(s);
    for (size_t i = 0; i < study_num_analyses(s); i++)
        analysis_sheet(wb, s, i, rows, refs, &fm);

    /* Method, in plain language. */
    lxw_worksheet *m = workbook_add_worksheet(wb, "Method");
    worksheet_set_column(m, 0, 0, 110, fm.wrap);
    row = 0;
    worksheet_write_string(m, row++, 0, "How these statistics were computed", fm.title);
    char text[2048];
    if (study_is_organization(s))
        snprintf(text, sizeof text,
                 "Each organization sent one report: its people's rows added up in its browser "
                 "(or by mpc submit --organization) into a table of counts and sums per group, "
                 "split into %u secret shares, one encrypted to each computing party. A single "
                 "share reveals nothing: no party, and no group of parties short of all %u, "
                 "could see an organization's figures. A group with people from fewer than %llu "
                 "organizations was suppressed however many people it held.",
                 study_num_parties(s), study_num_parties(s),
                 (unsigned long long)study_min_contributors(s));
    else
        snprintf(text, sizeof text,
                 "Each contributor's answers were split in their browser (or by the bulk "
                 "client) into %u secret shares, one encrypted to each computing party. A "
                 "single share reveals nothing: no party, and no group of parties short of all "
                 "%u, could see an answer.",
                 study_num_parties(s), study_num_parties(s));
    worksheet_write_string(m, row++, 0, text, NULL);
    worksheet_write_string(
        m, row++, 0,
        "Every submission carried a zero-knowledge proof that it is well formed (one choice "
        "per question, numbers within their bounds). The parties checked every proof together "
        "without decrypting anything (Prio3, IETF draft-irtf-cfrg-vdaf-18); submissions "
        "whose proof failed were rejected and are not counted. Submissions that reached only "
        "some parties were not used. With a participation token, only the latest submission "
        "of each token counts.",
        NULL);
    snprintf(text, sizeof text,
             "Only the statistics agreed in the study, approved by every party, were computed, "
             "once. Nothing was released below %llu submissions. A group or histogram band with "
             "1 to %llu contributors is shown as \"suppressed\": its sums were never opened. A "
             "released 0 says only that nobody is in that group.",
             (unsigned long long)study_min_submissions(s),
             (unsigned long long)study_min_cell_count(s) - 1);
    worksheet_write_string(m, row++, 0, text, NULL);
    snprintf(
        text, sizeof text,
        "A suppressed figure could otherwise be worked out by subtracting released ones (the "
        "number of submissions minus the other groups, or one table minus a linked one). "
        "So more groups were withheld where needed, shown as \"" STUDY_NOTE_COMPLEMENTARY
        "\" (%zu figures in this report) and never opened either. Every party chose them from the "
        "counts alone, the smallest groups first, and the parties checked that they agree. "
        "With a linear-programming model of every released figure, the parties made sure "
        "that no suppressed count can be narrowed to a range narrower than %llu, and that "
        "no suppressed sum can be pinned down more closely than %llu contributors anywhere "
        "in the field's range would allow.",
        complementary_rows(rows), (unsigned long long)study_min_cell_count(s),
        (unsigned long long)study_min_cell_count(s));
    worksheet_write_string(m, row++, 0, text, NULL);
    worksheet_write_string(
        m, row++, 0,
        "What the parties learned: these statistics, and the number of contributors in every "
        "group, band and share (the counts are opened first, to decide which groups to "
        "suppress). The mean is the sum divided by the count; the standard deviation is the "
        "sample one (n - 1); the gap is a group's mean divided by the reference group's mean in "
        "the same cell, and the pay gap is (the reference group's mean minus the group's) "
        "divided by the reference group's mean, in percent, as the pay-transparency laws "
        "define it; the share above 0 is the part of a group whose value is above 0 (for "
        "a bonus: the share receiving one), withheld when either part, above 0 or not, is "
        "small.",
        NULL);
    row++;
    worksheet_write_string(m, row++, 0, "The statistics computed", fm.bold);
    const cJSON *p;
    cJSON_ArrayForEach(p, plan)
    {
        if (cJSON_IsString(p))
            worksheet_write_string(m, row++, 0, p->valuestring, NULL);
    }
    cJSON_Delete(plan);
    return workbook_close(wb);
}

int report_check(const study *s, const cJSON *j, study_row_ref **refs, char *err, size_t err_size)
{
    char hash[2 * STUDY_HASH_SIZE + 1], why[600];
    hex_encode(study_hash(s), STUDY_HASH_SIZE, hash);
    const char *theirs = str(j, "study");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
    *refs = NULL;
    if (!cJSON_IsArray(rows) || theirs[0] == '\0') {
        snprintf(err, err_size, "the leader's answer has no result rows; nothing was written");
        return -1;
    }
    if (strcmp(theirs, hash) != 0) {
        int is_hash = strlen(theirs) == 2 * STUDY_HASH_SIZE &&
                      strspn(theirs, "0123456789abcdef") == 2 * STUDY_HASH_SIZE;
        snprintf(err, err_size,
                 "the leader's result is for another study (%s), not the sealed one (%s); "
                 "nothing was written. Check that the leader runs the study you sealed",
                 is_hash ? theirs : "not a study hash", hash);
        return -1;
    }
    int n = cJSON_GetArraySize(rows);
    *refs = malloc((size_t)(n > 0 ? n : 1) * sizeof **refs);
    if (*refs == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (study_check_rows(s, rows, *refs, why, sizeof why) != CORE_OK) {
        snprintf(err, err_size,
                 "the leader's result does not match the sealed study: %s. Nothing was written; "
                 "the leader (or whoever answered for it) sent rows the study does not make",
                 why);
        free(*refs);
        *refs = NULL;
        return -1;
    }
    return 0;
}
