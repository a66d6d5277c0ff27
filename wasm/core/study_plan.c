/*
 * study_plan.c - the analysis plan in plain language (study_plan): the
 * lines a party admin approves, whole however long their labels and bins:
 * one per analysis, then how small groups are protected.
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

/* Whether analyses a and b are linked: they group by a common field, one
 * covers every contributor, or one bands the field the other sums (a
 * histogram, or share_positive: not positive and positive). The
 * shared fields' labels into shared (*n of them). */
static int linked(const study *s, const study_analysis *a, const study_analysis *b,
                  const char **shared, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < a->num_by; i++)
        for (size_t j = 0; j < b->num_by; j++)
            if (a->by[i] == b->by[j])
                shared[(*n)++] = s->fields[a->by[i]].label;
    unsigned sums = STAT_SUM | STAT_MEAN | STAT_STDDEV,
             bands = STAT_HISTOGRAM | STAT_SHARE_POSITIVE;
    int banded =
        a->of >= 0 && a->of == b->of &&
        (((a->stats & bands) && (b->stats & sums)) || ((b->stats & bands) && (a->stats & sums)));
    return *n > 0 || a->num_by == 0 || b->num_by == 0 || banded;
}

/* The plan's last line: how small groups are protected (docs/COMPUTE.md,
 * "Suppression"), with the linked analyses named. */
static cJSON *protection_line(const study *s)
{
    text t = BUF_INIT(STUDY_MAX_JSON);
    char num[160];
    uint64_t k = study_min_cell_count(s);
    if (k <= 1) {
        add(&t, "Small groups: none is suppressed (the study's minimum group size is 1).");
    } else {
        snprintf(num, sizeof num,
                 "Small groups: a group or band with 1 to %llu contributor%s is suppressed, and "
                 "its figures are never released. ",
                 (unsigned long long)(k - 1), k == 2 ? "" : "s");
        add(&t, num);
    }
    uint64_t mc = study_min_contributors(s);
    if (mc > 1) {
        snprintf(num, sizeof num,
                 k > 1 ? "So is a group or band with people from fewer than %llu organizations, "
                         "however many people it holds: no figure describes one organization. "
                       : "A group or band with people from fewer than %llu organizations is "
                         "suppressed, however many people it holds: no figure describes one "
                         "organization. ",
                 (unsigned long long)mc);
        add(&t, num);
    }
    int protect = k > 1 || mc > 1;
    size_t links = 0;
    for (size_t i = 0; protect && i < s->num_analyses; i++)
        for (size_t j = i + 1; j < s->num_analyses; j++) {
            const study_analysis *a = &s->analyses[i], *b = &s->analyses[j];
            const char *shared[STUDY_MAX_BY];
            size_t n;
            if (!linked(s, a, b, shared, &n))
                continue;
            add(&t, links++ ? "; \"" : "Linked analyses: \"");
            add(&t, a->name);
            add(&t, "\" and \"");
            add(&t, b->name);
            add(&t, "\" (");
            if (n > 0) {
                add(&t, "both by ");
                add_list(&t, shared, n);
            } else if (a->num_by == 0 || b->num_by == 0) {
                add(&t, "one covers every contributor");
            } else {
                add(&t, "bands and sums of ");
                add(&t, s->fields[a->of].label);
            }
            add(&t, ")");
        }
    if (links)
        add(&t, ". ");
    int quantiles = 0;
    for (size_t i = 0; i < s->num_analyses; i++)
        quantiles |= (s->analyses[i].stats & STAT_QUANTILES) != 0;
    if (protect)
        add(&t, "Because a suppressed group's figures could be worked out by subtracting released "
                "figures (of its own analysis, of linked analyses, or from the number of "
                "submissions), more groups than the small ones alone may be withheld to protect "
                "them, the smallest first; they are marked \"" STUDY_NOTE_COMPLEMENTARY "\".");
    if (quantiles)
        add(&t, " Medians and quartiles are released only for groups whose figures are released, "
                "and none of a value's while any band or share of that value is withheld (a "
                "quartile tells where the group's values lie, and could narrow a withheld band; "
                "marked \"" STUDY_NOTE_COMPLEMENTARY "\").");
    cJSON *line = buf_ok(&t) ? cJSON_CreateString((const char *)t.p) : NULL;
    buf_free(&t);
    return line;
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
        if (a->stats & STAT_SHARE_POSITIVE) {
            add(&t, nw || (a->stats & STAT_HISTOGRAM) ? "; the share of contributors whose "
                                                      : "the share of contributors whose ");
            add(&t, s->fields[a->of].label);
            add(&t, " is above 0");
        }
        if (a->stats & STAT_QUANTILES) {
            int first = !nw && !(a->stats & (STAT_HISTOGRAM | STAT_SHARE_POSITIVE));
            add(&t, first ? "" : "; ");
            add(&t, (a->stats & STAT_QUARTILES)
                        ? "the quartiles (25th, 50th and 75th percentiles) of "
                        : "the median of ");
            add(&t, s->fields[a->of].label);
            if (a->quantiles_positive)
                add(&t, " (among the values above 0)");
            if (a->grid_step)
                snprintf(num, sizeof num, " to the nearest %lld below (on a grid of %lld from %lld)",
                         (long long)a->grid_step, (long long)a->grid_step,
                         (long long)s->fields[a->of].min);
            else
                snprintf(num, sizeof num,
                         " rounded down to a grid %lld%% apart from %lld (%lld below that)",
                         (long long)a->grid_percent, (long long)a->grid_from,
                         (long long)s->fields[a->of].min);
            add(&t, num);
        }
        if (a->stats & STAT_BANDS) {
            int first = !nw && !(a->stats & (STAT_HISTOGRAM | STAT_SHARE_POSITIVE | STAT_QUANTILES));
            add(&t, first ? "" : "; ");
            add(&t, "each group's share of each quartile pay band of ");
            add(&t, s->fields[a->of].label);
            add(&t, " (everyone ranked by it and cut at the quartiles of \"");
            add(&t, s->analyses[a->band_ref].name);
            add(&t, "\")");
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
            add(&t, "\" (the gap), and as the pay gap in percent (the mean of \"");
            add(&t, s->fields[a->by[0]].choices[a->gap_ref]);
            add(&t, "\" minus the group's, divided by the mean of \"");
            add(&t, s->fields[a->by[0]].choices[a->gap_ref]);
            add(&t, "\")");
            if (a->stats & STAT_QUANTILES)
                add(&t, ", and the median gap in percent likewise");
        }
        if (a->stats & STAT_BANDS)
            add(&t, ". To find the bands, the computing parties learn each group's number of "
                    "contributors up to each quartile of everyone, and release a band for every "
                    "group or none (none when a group has 1 to the smallest released group size "
                    "minus 1 in it)");
        if (a->stats & STAT_QUANTILES) {
            size_t steps = study_search_steps_for(a->grid_cells);
            snprintf(num, sizeof num, "%zu step%s", steps, steps == 1 ? "" : "s");
            add(&t, ". To find ");
            add(&t, (a->stats & STAT_QUARTILES) ? "the quartiles" : "the median");
            add(&t, (a->stats & STAT_QUARTILES) ? ", the computing parties learn, for each group and "
                                                  "quartile, one count per step of a binary "
                                                  "search over the grid ("
                                                : ", the computing parties learn, for each "
                                                  "group, one count per step of a binary search "
                                                  "over the grid (");
            add(&t, num);
            add(&t, "): how many of the group lie below a grid value; never the group's whole "
                    "distribution, and the report shows none of these counts");
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
    cJSON *line = plan ? protection_line(s) : NULL;
    if (line == NULL || !cJSON_AddItemToArray(plan, line)) {
        cJSON_Delete(line);
        cJSON_Delete(plan);
        return NULL;
    }
    return plan;
}
