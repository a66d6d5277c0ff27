/*
 * study_plan.c - the analysis plan in plain language (study_plan): the
 * lines a party admin approves, whole however long their labels and bins.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "study_internal.h"

/* A plan line is whole, however long its labels and bins (at most a few
 * KiB: 64 bins, 4 labels of 200 characters). */
typedef buf text;

static void add(text *t, const char *s)
{
    buf_puts(t, s);
}

/* "A", "A and B", "A, B and C". */
static void add_list(text *t, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            add(t, i + 1 == n ? " and " : ", ");
        add(t, items[i]);
    }
}

cJSON *study_plan(const study *s)
{
    cJSON *plan = cJSON_CreateArray();
    for (size_t i = 0; plan != NULL && i < s->num_analyses; i++) {
        const study_analysis *a = &s->analyses[i];
        text t = BUF_INIT(STUDY_MAX_JSON);
        char num[96];
        add(&t, a->name);
        add(&t, ": ");
        const char *what[4];
        size_t nw = 0;
        if (a->stats & STAT_COUNT)
            what[nw++] = "the number of contributors";
        if (a->stats & STAT_SUM)
            what[nw++] = "the sum";
        if (a->stats & STAT_MEAN)
            what[nw++] = "the mean";
        if (a->stats & STAT_STDDEV)
            what[nw++] = "the standard deviation";
        add_list(&t, what, nw);
        if (a->of >= 0 && (a->stats & (STAT_SUM | STAT_MEAN | STAT_STDDEV))) {
            add(&t, " of ");
            add(&t, s->fields[a->of].label);
        }
        if (a->stats & STAT_HISTOGRAM) {
            add(&t, nw ? "; how many contributors fall in each band of "
                       : "how many contributors "
                         "fall in each band of ");
            add(&t, s->fields[a->of].label);
            add(&t, " (");
            for (size_t b = 0; b < a->num_bins; b++) {
                if (b + 1 < a->num_bins)
                    snprintf(num, sizeof num, "%s%lld to %lld", b ? ", " : "",
                             (long long)a->bins[b], (long long)a->bins[b + 1] - 1);
                else
                    snprintf(num, sizeof num, "%s%lld and above", b ? ", " : "",
                             (long long)a->bins[b]);
                add(&t, num);
            }
            add(&t, ")");
        }
        if (a->num_by > 0) {
            const char *labels[STUDY_MAX_BY];
            for (size_t k = 0; k < a->num_by; k++)
                labels[k] = s->fields[a->by[k]].label;
            add(&t, ", by ");
            add_list(&t, labels, a->num_by);
            snprintf(num, sizeof num, " (%zu groups)", a->cells);
            add(&t, num);
        } else {
            add(&t, ", over all contributors");
        }
        if (a->gap_ref >= 0) {
            add(&t, "; and each group's mean as a ratio to the mean of \"");
            add(&t, s->fields[a->by[0]].choices[a->gap_ref]);
            add(&t, "\" (the gap)");
        }
        add(&t, ".");
        cJSON *line = buf_ok(&t) ? cJSON_CreateString((const char *)t.p) : NULL;
        buf_free(&t);
        if (line == NULL || !cJSON_AddItemToArray(plan, line)) {
            cJSON_Delete(line);
            cJSON_Delete(plan);
            return NULL;
        }
    }
    return plan;
}
