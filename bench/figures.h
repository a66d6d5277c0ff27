/*
 * figures.h - how the C benchmarks print their figures for the scripts of
 * `make bench`: one line of JSON on standard output.
 */
#ifndef MPC_BENCH_FIGURES_H
#define MPC_BENCH_FIGURES_H

#include <stddef.h>

/* Prints {names[i]: values[i], ...} (n pairs) as one line of JSON. */
void print_figures(size_t n, const char *const *names, const double *values);

#endif
