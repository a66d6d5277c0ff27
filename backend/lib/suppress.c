/*
 * suppress.c - primary and complementary suppression; see suppress.h and
 * docs/COMPUTE.md, "Suppression". The linear programs are solved with
 * GLPK's simplex (glpk.h), built once per pattern and warm-started (see
 * "the linear programs" below); the same counts give the same questions
 * in the same order, so the outcome depends only on the counts.
 */
#include "suppress.h"

#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-6

/* A sparse matrix in GLPK's 1-based triplets. */
typedef struct triplets {
    int *ia, *ja;
    double *ar;
    size_t n, cap;
    int failed;
} triplets;

static void put(triplets *t, int row, int col, double v)
{
    if (t->failed || v == 0)
        return;
    if (t->n + 1 >= t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 4096;
        int *ia = realloc(t->ia, cap * sizeof *ia), *ja = NULL;
        if (ia != NULL)
            t->ia = ia;
        ja = ia ? realloc(t->ja, cap * sizeof *ja) : NULL;
        if (ja != NULL)
            t->ja = ja;
        double *ar = ja ? realloc(t->ar, cap * sizeof *ar) : NULL;
        if (ar == NULL) {
            t->failed = 1;
            return;
        }
        t->ar = ar;
        t->cap = cap;
    }
    t->n++;
    t->ia[t->n] = row;
    t->ja[t->n] = col;
    t->ar[t->n] = v;
}

static void triplets_free(triplets *t)
{
    free(t->ia);
    free(t->ja);
    free(t->ar);
}

/* ---- the linear programs -------------------------------------------------------
 *
 * Each program is built once per suppress_pattern and kept, with a row for
 * every unit whether released or not: a unit's state only sets its rows'
 * bounds (fixed when released, free when withheld), and a question only
 * sets the objective. So every solve after the first starts from the last
 * optimal basis (GLPK's warm start), a few pivots away. The optimum does
 * not depend on the path taken to it, and every party takes the same path
 * on the same counts.
 *
 * The count program: a column n_f >= 0 per finest cell (0 where the cell
 * can hold nobody); row 1, everyone; row 2 + v, unit v's count.
 *
 * The sums program of a field and kind (sums or squares): two copies, a
 * and b, of the count program, each with a column s_f per finest cell
 * (the sum, in units of the field's spread) bounded by n_f times the
 * cell's bounds; and a row per unit releasing that sum, saying that a and
 * b agree on it. The objective is unit u's sum in a minus in b. */

typedef struct program {
    glp_prob *lp;
    int field, squares; /* the sums program's field and kind; -1 for the count program */
    int copies;         /* 1 (counts) or 2 (sums) */
    int *sum_row;       /* per unit: its row of agreeing sums, or 0 */
    size_t objective;   /* the unit of the objective, or SIZE_MAX */
    int warm;           /* solved before: the kept basis is a start */
} program;

typedef struct solver {
    const study_model *m;
    uint64_t num_reports;
    program counts;
    program sums[2 * STUDY_MAX_FIELDS]; /* by field and kind, built when first asked */
} solver;

/* Copy c's first count row and first column of n (0-based offsets). */
static int count_row0(const study_model *m, int c)
{
    return c * (int)(m->num_units + 1);
}

static int n_col0(const study_model *m, const program *p, int c)
{
    return c * (p->field >= 0 ? 2 : 1) * (int)m->num_finest;
}

/* The bounds of a person's sum (squares: 0) or square (1) in [lo, hi]. */
static void person_bounds(int64_t lo, int64_t hi, int squares, double *l, double *h)
{
    if (!squares) {
        *l = (double)lo;
        *h = (double)hi;
        return;
    }
    double a = (double)lo * (double)lo, b = (double)hi * (double)hi;
    *l = lo <= 0 && hi >= 0 ? 0 : fmin(a, b);
    *h = fmax(a, b);
}

/* The width of a person's value of field (or its square): the spread that
 * sums are measured in; 0 for a constant field. */
static double spread(const study *s, int field, int squares)
{
    double l, h;
    person_bounds(study_field_min(s, (size_t)field), study_field_max(s, (size_t)field), squares, &l,
                  &h);
    return h - l;
}

/* Builds program p (its field, squares and copies set): 0, or -1 if out
 * of memory. */
static int build(const study_model *m, program *p)
{
    int F = (int)m->num_finest, U = (int)m->num_units, rows = 0;
    triplets t = {0};
    p->lp = glp_create_prob();
    p->objective = SIZE_MAX;
    glp_add_cols(p->lp, p->copies * (p->field >= 0 ? 2 : 1) * F);
    for (int c = 0; c < p->copies; c++) {
        int n0 = n_col0(m, p, c);
        for (int f = 0; f < F; f++)
            glp_set_col_bnds(p->lp, n0 + f + 1, study_model_empty(m, (size_t)f) ? GLP_FX : GLP_LO,
                             0, 0);
        glp_add_rows(p->lp, U + 1);
        rows += U + 1;
        int r0 = count_row0(m, c);
        for (int f = 0; f < F; f++)
            if (!study_model_empty(m, (size_t)f))
                put(&t, r0 + 1, n0 + f + 1, 1);
        for (int v = 0; v < U; v++) {
            const study_unit *u = &m->units[v];
            for (size_t k = 0; k < u->count; k++)
                put(&t, r0 + 2 + v, n0 + (int)m->members[u->first + k] + 1, 1);
        }
    }
    if (p->field >= 0) {
        double w = spread(m->s, p->field, p->squares);
        for (int c = 0; c < p->copies; c++) {
            int n0 = n_col0(m, p, c), s0 = n0 + F;
            for (int f = 0; f < F; f++) {
                int empty = study_model_empty(m, (size_t)f);
                glp_set_col_bnds(p->lp, s0 + f + 1, empty ? GLP_FX : GLP_FR, 0, 0);
                if (empty)
                    continue;
                int64_t lo, hi;
                double l, h;
                study_model_bounds(m, p->field, (size_t)f, &lo, &hi);
                person_bounds(lo, hi, p->squares, &l, &h);
                glp_add_rows(p->lp, 2);
                glp_set_row_bnds(p->lp, ++rows, GLP_LO, 0, 0); /* s - l n >= 0 */
                put(&t, rows, s0 + f + 1, 1);
                put(&t, rows, n0 + f + 1, -l / w);
                glp_set_row_bnds(p->lp, ++rows, GLP_UP, 0, 0); /* s - h n <= 0 */
                put(&t, rows, s0 + f + 1, 1);
                put(&t, rows, n0 + f + 1, -h / w);
            }
        }
        p->sum_row = calloc(m->num_units ? m->num_units : 1, sizeof *p->sum_row);
        if (p->sum_row == NULL)
            t.failed = 1;
        for (int v = 0; v < U && !t.failed; v++) {
            const study_unit *y = &m->units[v];
            if (y->field != p->field || (p->squares && !y->squares))
                continue;
            glp_add_rows(p->lp, 1);
            p->sum_row[v] = ++rows;
            for (size_t k = 0; k < y->count; k++) {
                int f = (int)m->members[y->first + k];
                put(&t, rows, F + f + 1, 1);
                put(&t, rows, 3 * F + f + 1, -1);
            }
        }
    }
    if (!t.failed)
        glp_load_matrix(p->lp, (int)t.n, t.ia, t.ja, t.ar);
    triplets_free(&t);
    return t.failed ? -1 : 0;
}

static void program_free(program *p)
{
    if (p->lp != NULL)
        glp_delete_prob(p->lp);
    free(p->sum_row);
}

/* The rows' bounds for the units' states, and the objective: unit u's
 * count (counts) or its sum in a minus in b (sums). */
static void pose(const solver *sv, program *p, const uint8_t *state, size_t u)
{
    const study_model *m = sv->m;
    double everyone = (double)sv->num_reports;
    for (int c = 0; c < p->copies; c++) {
        int r0 = count_row0(m, c);
        glp_set_row_bnds(p->lp, r0 + 1, GLP_FX, everyone, everyone);
        for (size_t v = 0; v < m->num_units; v++) {
            double n = (double)m->units[v].n;
            if (state[v] == STUDY_RELEASED)
                glp_set_row_bnds(p->lp, r0 + 2 + (int)v, GLP_FX, n, n);
            else
                glp_set_row_bnds(p->lp, r0 + 2 + (int)v, GLP_FR, 0, 0);
        }
    }
    for (size_t v = 0; p->sum_row != NULL && v < m->num_units; v++)
        if (p->sum_row[v])
            glp_set_row_bnds(p->lp, p->sum_row[v], state[v] == STUDY_RELEASED ? GLP_FX : GLP_FR, 0,
                             0);
    if (p->objective == u)
        return;
    int F = (int)m->num_finest;
    for (int pass = 0; pass < 2; pass++) {
        size_t w = pass == 0 ? p->objective : u;
        if (w == SIZE_MAX)
            continue;
        const study_unit *x = &m->units[w];
        for (size_t k = 0; k < x->count; k++) {
            int f = (int)m->members[x->first + k];
            if (p->field < 0) {
                glp_set_obj_coef(p->lp, f + 1, pass);
            } else {
                glp_set_obj_coef(p->lp, F + f + 1, pass);
                glp_set_obj_coef(p->lp, 3 * F + f + 1, -pass);
            }
        }
    }
    p->objective = u;
}

/* Solves p in direction dir from its last basis (the first time, and
 * after a failure, with GLPK's presolver, which leaves an optimal basis
 * for the next): the optimum in *v; -1 if not optimal. */
static int solve(program *p, int dir, double *v)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    glp_set_obj_dir(p->lp, dir);
    for (int attempt = 0; attempt < 2; attempt++) {
        parm.presolve = p->warm ? GLP_OFF : GLP_ON;
        if (glp_simplex(p->lp, &parm) == 0 && glp_get_status(p->lp) == GLP_OPT) {
            *v = glp_get_obj_val(p->lp);
            p->warm = 1;
            return 0;
        }
        p->warm = 0;
    }
    return -1;
}

/* The range of unit u's count: [*lo, *hi]. */
static int count_range(solver *sv, const uint8_t *state, size_t u, double *lo, double *hi)
{
    program *p = &sv->counts;
    if (p->lp == NULL) {
        p->field = p->squares = -1;
        p->copies = 1;
        if (build(sv->m, p) != 0)
            return -1;
    }
    pose(sv, p, state, u);
    return solve(p, GLP_MIN, lo) == 0 && solve(p, GLP_MAX, hi) == 0 ? 0 : -1;
}

/* How far apart unit u's sum (or sum of squares) of its field can be in
 * two data sets with the same released counts and the same released sums
 * (or sums of squares) of that field, in units of the field's spread. */
static int sum_width(solver *sv, const uint8_t *state, size_t u, int squares, double *width)
{
    const study_unit *x = &sv->m->units[u];
    if (spread(sv->m->s, x->field, squares) <=
        0) { /* (a constant field: its sums follow from the counts) */
        *width = INFINITY;
        return 0;
    }
    program *p = &sv->sums[2 * x->field + squares];
    if (p->lp == NULL) {
        p->field = x->field;
        p->squares = squares;
        p->copies = 2;
        if (build(sv->m, p) != 0)
            return -1;
    }
    pose(sv, p, state, u);
    return solve(p, GLP_MAX, width);
}

/* How well unit u is protected: the smallest of its widths over what its
 * rule asks (1 or more: protected). -1 if the solver failed. */
static int margin(solver *sv, const uint8_t *state, size_t u, double *out)
{
    const study_model *m = sv->m;
    double need = (double)study_min_cell_count(m->s), lo, hi, w;
    if (count_range(sv, state, u, &lo, &hi) != 0)
        return -1;
    *out = (hi - lo) / need;
    const study_unit *x = &m->units[u];
    for (int sq = 0; sq < 2 && *out >= 1 - EPS; sq++) {
        if (x->field < 0 || (sq && !x->squares))
            continue;
        if (sum_width(sv, state, u, sq, &w) != 0)
            return -1;
        if (w / need < *out)
            *out = w / need;
    }
    return 0;
}

/* Whether unit v is linked to unit u (suppress.h). mark: u's finest cells
 * (NULL: only the links within an analysis). */
static int linked(const study_model *m, size_t u, size_t v, const uint8_t *mark)
{
    const study_unit *x = &m->units[u], *y = &m->units[v];
    const study *s = m->s;
    if (x->analysis == y->analysis) {
        size_t i = x->analysis, nb = study_analysis_num_by(s, i), differ = 0;
        if (x->bin != y->bin && x->cell == y->cell)
            return 1; /* the cell and its bins, or two bins of one cell */
        if (x->bin != y->bin)
            return 0;
        for (size_t k = 0; k < nb; k++)
            differ += study_cell_choice(s, i, x->cell, k) != study_cell_choice(s, i, y->cell, k);
        return differ == 1;
    }
    for (size_t k = 0; mark != NULL && k < y->count; k++)
        if (mark[m->members[y->first + k]])
            return 1;
    return 0;
}

typedef struct candidate {
    size_t unit;
    uint64_t n;
} candidate;

static int by_size(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return (x->unit > y->unit) - (x->unit < y->unit);
}

/* Whether released unit v is a candidate at level: 0, linked to u; 1,
 * linked to any suppressed unit; 2, any. mark: the finest cells of u (0)
 * or of every suppressed unit (1). */
static int candidate_at(const study_model *m, const uint8_t *state, size_t u, size_t v, int level,
                        const uint8_t *mark)
{
    /* (A unit no one can be in, such as the positive part of a field
     * that is never positive, is 0 by the study itself, and the count of
     * one that everyone can be in is the number of submissions, always
     * released: withholding either, its count could never be protected
     * in turn.) */
    const study_unit *y = &m->units[v];
    if (v == u || state[v] != STUDY_RELEASED || y->count == 0 || y->count == m->num_nonempty)
        return 0;
    if (level == 2)
        return 1;
    if (level == 0)
        return linked(m, u, v, mark);
    for (size_t w = 0; w < m->num_units; w++)
        if (state[w] != STUDY_RELEASED && linked(m, w, v, NULL))
            return 1;
    for (size_t k = 0; k < y->count; k++)
        if (mark[m->members[y->first + k]])
            return 1;
    return 0;
}

/* Suppresses one more unit for u, whose margin is now `now`: among the
 * released units linked to u, the first (fewest contributors) whose
 * suppression protects u, else the one that widens u's margin most; if
 * none widens it, the same among the units linked to any suppressed unit,
 * then among all; if none at all widens it, the smallest unit linked to u
 * (or, failing that, to any suppressed unit, or any): two together may
 * be needed. 1 with *chosen, 0 if no unit is left, -1 on failure. */
static int complement(solver *sv, uint8_t *state, size_t u, double now, size_t *chosen)
{
    const study_model *m = sv->m;
    uint8_t *mark = calloc(m->num_finest, 1);
    candidate *c = calloc(m->num_units, sizeof *c);
    if (mark == NULL || c == NULL) {
        free(mark);
        free(c);
        return -1;
    }
    int rc = 0, have_fallback = 0;
    size_t fallback = 0;
    for (int level = 0; level < 3 && rc == 0; level++) {
        memset(mark, 0, m->num_finest);
        for (size_t w = 0; w < m->num_units; w++) {
            if (level == 0 ? w != u : state[w] == STUDY_RELEASED)
                continue;
            const study_unit *x = &m->units[w];
            for (size_t k = 0; k < x->count; k++)
                mark[m->members[x->first + k]] = 1;
        }
        size_t n = 0;
        for (size_t v = 0; v < m->num_units; v++)
            if (candidate_at(m, state, u, v, level, mark))
                c[n++] = (candidate){v, m->units[v].n};
        qsort(c, n, sizeof *c, by_size);
        if (n > 0 && !have_fallback) {
            fallback = c[0].unit;
            have_fallback = 1;
        }
        double best = now + EPS;
        for (size_t k = 0; k < n; k++) {
            double g;
            state[c[k].unit] = STUDY_COMPLEMENTARY;
            int e = margin(sv, state, u, &g);
            state[c[k].unit] = STUDY_RELEASED;
            if (e != 0) {
                rc = -1;
                break;
            }
            if (g > best) {
                best = g;
                *chosen = c[k].unit;
                rc = 1;
            }
            if (g >= 1 - EPS)
                break;
        }
    }
    if (rc == 0 && have_fallback) {
        *chosen = fallback;
        rc = 1;
    }
    free(mark);
    free(c);
    return rc;
}

/* Withholds the share parts of unit u's cell once u is withheld
 * (study_share_units), queueing them: a part no one can be in stays
 * released (it is 0 by the study itself). */
static void withhold_shares(const study_model *m, uint8_t *state, size_t u, size_t *queue,
                            size_t *tail, size_t *added)
{
    size_t parts[2], n = study_share_units(m->s, m->units[u].analysis, m->units[u].cell, parts);
    for (size_t k = 0; k < n; k++)
        if (state[parts[k]] == STUDY_RELEASED && m->units[parts[k]].count > 0) {
            state[parts[k]] = STUDY_COMPLEMENTARY;
            queue[(*tail)++] = parts[k];
            if (added != NULL)
                (*added)++;
        }
}

int suppress_pattern(const study *s, const core_u128 *counts, uint64_t num_reports, uint8_t *state,
                     size_t *added, char *err, size_t err_size)
{
    if (added != NULL)
        *added = 0;
    study_model *m = NULL;
    core_err e = study_model_new(s, counts, num_reports, &m);
    if (e != CORE_OK) {
        snprintf(err, err_size, "%s",
                 e == CORE_EINVAL ? "the study's analyses are linked in too many cells to check "
                                    "its suppression"
                                  : "out of memory");
        return -1;
    }
    glp_term_out(GLP_OFF);
    size_t *queue = malloc((m->num_units + 1) * sizeof *queue), head = 0, tail = 0;
    if (queue == NULL) {
        study_model_free(m);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (size_t u = 0; u < m->num_units; u++) {
        state[u] = study_unit_small(s, m->units[u].n, m->units[u].employers) ? STUDY_PRIMARY
                                                                             : STUDY_RELEASED;
        if (state[u] == STUDY_PRIMARY)
            queue[tail++] = u;
    }
    for (size_t q = 0, primaries = tail; q < primaries; q++)
        withhold_shares(m, state, queue[q], queue, &tail, added);
    /* Suppressing more only widens every range: a unit once protected
     * stays protected, so each unit is checked until it is. */
    solver sv = {.m = m, .num_reports = study_people(s, counts, num_reports)};
    int rc = 0;
    while (head < tail && rc == 0) {
        size_t u = queue[head];
        double g;
        if (margin(&sv, state, u, &g) != 0) {
            snprintf(err, err_size, "the suppression cannot be checked (the solver failed)");
            rc = -1;
        } else if (g >= 1 - EPS) {
            head++;
        } else {
            size_t v = 0;
            int got = complement(&sv, state, u, g, &v);
            if (got == 1) {
                state[v] = STUDY_COMPLEMENTARY;
                queue[tail++] = v; /* (each unit enters once: it is then suppressed) */
                if (added != NULL)
                    (*added)++;
                withhold_shares(m, state, v, queue, &tail, added);
            } else {
                snprintf(err, err_size, "%s",
                         got == 0 ? "a small group cannot be protected even with every linked "
                                    "group suppressed"
                                  : "the suppression cannot be checked (out of memory or the "
                                    "solver failed)");
                rc = -1;
            }
        }
    }
    program_free(&sv.counts);
    for (size_t i = 0; i < sizeof sv.sums / sizeof sv.sums[0]; i++)
        program_free(&sv.sums[i]);
    free(queue);
    study_model_free(m);
    return rc;
}
