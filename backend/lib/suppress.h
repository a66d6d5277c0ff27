/*
 * suppress.h - which units of a report are released (docs/COMPUTE.md,
 * "Suppression"): primary suppression of the small ones, then
 * complementary suppression across all analyses of the study, decided from
 * the counts alone, with GLPK's simplex on the study's release model
 * (study.h, "the release model").
 *
 * A suppressed unit is protected when, given every released unit's count
 * and that no finest cell holds a negative number of people, its count
 * can lie anywhere in a range at least min_cell_count wide; and, if it
 * carries sums of a field x, when two data sets with the same released
 * counts and the same released sums (and sums of squares) of x can differ
 * in its sum (and sum of squares) by at least min_cell_count times the
 * width of x's bounds (hi - lo; hi^2 - lo^2 for squares). The released
 * count of every unit is assumed known, even where its analysis does not
 * list the count: the rule is then stricter, never weaker.
 */
#ifndef MPC_SUPPRESS_H
#define MPC_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "study.h"

/* Decides the state of every unit of s (state: study_num_units(s) bytes)
 * from the counts (as study_open_mask takes them) of num_reports reports:
 * STUDY_PRIMARY for a unit with 1 to min_cell_count - 1 contributors (a
 * unit with none is released: a 0 says only that nobody is there), then
 * STUDY_COMPLEMENTARY for more units until every suppressed unit is
 * protected. A unit failing its rule gets, among the released units
 * linked to it (in its analysis, the cells that differ in one grouping
 * field, and its cell's bins; in other analyses, the units that share
 * finest cells with it), the one with the fewest contributors whose
 * suppression protects it; if none alone does, the one that widens its
 * range most; ties go to the unit that comes first. Deterministic for the
 * same counts. *added (if not NULL) gets the number of complementary
 * suppressions. Returns 0, or -1 with err (out of memory, a study too
 * large to model, a unit that cannot be protected even with everything
 * else suppressed, the solver failing). */
int suppress_pattern(const study *s, const core_u128 *counts, uint64_t num_reports, uint8_t *state,
                     size_t *added, char *err, size_t err_size);

#endif
