/*
 * suppress.c - primary and complementary suppression; see suppress.h and
 * docs/COMPUTE.md, "Suppression". The linear programs are solved with
 * GLPK's simplex (glpk.h); each is built afresh from the model and the
 * current states, so the outcome depends only on the counts.
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

/* Solves lp in direction dir: its optimum in *v; -1 if not optimal. */
static int solve(glp_prob *lp, int dir, double *v)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    glp_set_obj_dir(lp, dir);
    if (glp_simplex(lp, &parm) != 0 || glp_get_status(lp) != GLP_OPT)
        return -1;
    *v = glp_get_obj_val(lp);
    return 0;
}

/* Adds to lp (rows from *row) one copy of the count constraints, its
 * count columns from col0 + 1: everyone, and every released unit. */
static void count_rows(const study_model *m, const uint8_t *state, uint64_t num_reports,
                       glp_prob *lp, triplets *t, int *row, int col0)
{
    glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, ++*row, GLP_FX, (double)num_reports, (double)num_reports);
    for (size_t f = 0; f < m->num_finest; f++)
        if (!study_model_empty(m, f))
            put(t, *row, col0 + (int)f + 1, 1);
    for (size_t v = 0; v < m->num_units; v++) {
        if (state[v] != STUDY_RELEASED)
            continue;
        const study_unit *u = &m->units[v];
        glp_add_rows(lp, 1);
        glp_set_row_bnds(lp, ++*row, GLP_FX, (double)u->n, (double)u->n);
        for (size_t k = 0; k < u->count; k++)
            put(t, *row, col0 + (int)m->members[u->first + k] + 1, 1);
    }
}

static void count_cols(const study_model *m, glp_prob *lp, int col0)
{
    for (size_t f = 0; f < m->num_finest; f++)
        glp_set_col_bnds(lp, col0 + (int)f + 1, study_model_empty(m, f) ? GLP_FX : GLP_LO, 0, 0);
}

/* The range of unit u's count: [*lo, *hi]. */
static int count_range(const study_model *m, const uint8_t *state, uint64_t num_reports, size_t u,
                       double *lo, double *hi)
{
    glp_prob *lp = glp_create_prob();
    triplets t = {0};
    int row = 0, F = (int)m->num_finest;
    glp_add_cols(lp, F);
    count_cols(m, lp, 0);
    count_rows(m, state, num_reports, lp, &t, &row, 0);
    const study_unit *x = &m->units[u];
    for (size_t k = 0; k < x->count; k++)
        glp_set_obj_coef(lp, (int)m->members[x->first + k] + 1, 1);
    int rc = -1;
    if (!t.failed) {
        glp_load_matrix(lp, (int)t.n, t.ia, t.ja, t.ar);
        rc = solve(lp, GLP_MIN, lo) == 0 && solve(lp, GLP_MAX, hi) == 0 ? 0 : -1;
    }
    triplets_free(&t);
    glp_delete_prob(lp);
    return rc;
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

/* How far apart unit u's sum (or sum of squares) of its field can be in
 * two data sets with the same released counts and the same released sums
 * (or sums of squares) of that field, in units of the field's spread. */
static int sum_width(const study_model *m, const uint8_t *state, uint64_t num_reports, size_t u,
                     int squares, double *width)
{
    const study_unit *x = &m->units[u];
    const study *s = m->s;
    int64_t flo = study_field_min(s, (size_t)x->field), fhi = study_field_max(s, (size_t)x->field);
    double wl, wh;
    person_bounds(flo, fhi, squares, &wl, &wh);
    double w = wh - wl;
    if (w <= 0) { /* (a constant field: its sums follow from the counts) */
        *width = INFINITY;
        return 0;
    }
    int F = (int)m->num_finest, row = 0;
    glp_prob *lp = glp_create_prob();
    triplets t = {0};
    glp_add_cols(lp, 4 * F); /* copy a: n, s; copy b: n, s */
    for (int copy = 0; copy < 2; copy++) {
        int n0 = copy * 2 * F, s0 = n0 + F;
        count_cols(m, lp, n0);
        count_rows(m, state, num_reports, lp, &t, &row, n0);
        for (size_t f = 0; f < m->num_finest; f++) {
            int empty = study_model_empty(m, f);
            glp_set_col_bnds(lp, s0 + (int)f + 1, empty ? GLP_FX : GLP_FR, 0, 0);
            if (empty)
                continue;
            int64_t lo, hi;
            double l, h;
            study_model_bounds(m, x->field, f, &lo, &hi);
            person_bounds(lo, hi, squares, &l, &h);
            glp_add_rows(lp, 2);
            glp_set_row_bnds(lp, ++row, GLP_LO, 0, 0); /* s - l n >= 0 */
            put(&t, row, s0 + (int)f + 1, 1);
            put(&t, row, n0 + (int)f + 1, -l / w);
            glp_set_row_bnds(lp, ++row, GLP_UP, 0, 0); /* s - h n <= 0 */
            put(&t, row, s0 + (int)f + 1, 1);
            put(&t, row, n0 + (int)f + 1, -h / w);
        }
    }
    /* The released sums of the field agree between the two. */
    for (size_t v = 0; v < m->num_units; v++) {
        const study_unit *y = &m->units[v];
        if (state[v] != STUDY_RELEASED || y->field != x->field || (squares && !y->squares))
            continue;
        glp_add_rows(lp, 1);
        glp_set_row_bnds(lp, ++row, GLP_FX, 0, 0);
        for (size_t k = 0; k < y->count; k++) {
            int f = (int)m->members[y->first + k];
            put(&t, row, F + f + 1, 1);
            put(&t, row, 3 * F + f + 1, -1);
        }
    }
    for (size_t k = 0; k < x->count; k++) {
        int f = (int)m->members[x->first + k];
        glp_set_obj_coef(lp, F + f + 1, 1);
        glp_set_obj_coef(lp, 3 * F + f + 1, -1);
    }
    int rc = -1;
    if (!t.failed) {
        glp_load_matrix(lp, (int)t.n, t.ia, t.ja, t.ar);
        rc = solve(lp, GLP_MAX, width);
    }
    triplets_free(&t);
    glp_delete_prob(lp);
    return rc;
}

/* How well unit u is protected: the smallest of its widths over what its
 * rule asks (1 or more: protected). -1 if the solver failed. */
static int margin(const study_model *m, const uint8_t *state, uint64_t num_reports, size_t u,
                  double *out)
{
    double need = (double)study_min_cell_count(m->s), lo, hi, w;
    if (count_range(m, state, num_reports, u, &lo, &hi) != 0)
        return -1;
    *out = (hi - lo) / need;
    const study_unit *x = &m->units[u];
    for (int sq = 0; sq < 2 && *out >= 1 - EPS; sq++) {
        if (x->field < 0 || (sq && !x->squares))
            continue;
        if (sum_width(m, state, num_reports, u, sq, &w) != 0)
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
    if (v == u || state[v] != STUDY_RELEASED)
        return 0;
    if (level == 2)
        return 1;
    if (level == 0)
        return linked(m, u, v, mark);
    for (size_t w = 0; w < m->num_units; w++)
        if (state[w] != STUDY_RELEASED && linked(m, w, v, NULL))
            return 1;
    const study_unit *y = &m->units[v];
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
static int complement(const study_model *m, uint8_t *state, uint64_t num_reports, size_t u,
                      double now, size_t *chosen)
{
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
            int e = margin(m, state, num_reports, u, &g);
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
    uint64_t k = study_min_cell_count(s);
    size_t *queue = malloc((m->num_units + 1) * sizeof *queue), head = 0, tail = 0;
    if (queue == NULL) {
        study_model_free(m);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (size_t u = 0; u < m->num_units; u++) {
        state[u] = m->units[u].n > 0 && m->units[u].n < k ? STUDY_PRIMARY : STUDY_RELEASED;
        if (state[u] == STUDY_PRIMARY)
            queue[tail++] = u;
    }
    /* Suppressing more only widens every range: a unit once protected
     * stays protected, so each unit is checked until it is. */
    int rc = 0;
    while (head < tail && rc == 0) {
        size_t u = queue[head];
        double g;
        if (margin(m, state, num_reports, u, &g) != 0) {
            snprintf(err, err_size, "the suppression cannot be checked (the solver failed)");
            rc = -1;
        } else if (g >= 1 - EPS) {
            head++;
        } else {
            size_t v = 0;
            int got = complement(m, state, num_reports, u, g, &v);
            if (got == 1) {
                state[v] = STUDY_COMPLEMENTARY;
                queue[tail++] = v; /* (each unit enters once: it is then suppressed) */
                if (added != NULL)
                    (*added)++;
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
    free(queue);
    study_model_free(m);
    return rc;
}
