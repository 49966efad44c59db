/* Helpers shared by the machine-learning subcommands (train, train-lr,
 * eval, predict, info): option parsing, progress on a terminal, SVG
 * curves, output-path checks. */
#ifndef HECATE_CLI_ML_UTIL_H
#define HECATE_CLI_ML_UTIL_H

#include <stddef.h>

#include "hecate/ml.h"

/* Match argv[*i] against "--name VALUE" or "--name=VALUE".  Returns 1 and
 * sets *val (advancing *i past a separate value) on a match, 0 if argv[*i]
 * is another option, -1 (after printing an error for `cmd`) if the value is
 * missing. */
int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **val);

/* Parse an unsigned integer / a float in [lo, hi]; print an error naming
 * `opt` and return -1 if it is not one. */
int cli_uint(const char *cmd, const char *opt, const char *s, unsigned long long lo,
             unsigned long long hi, unsigned long long *out);
int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);

/* Print "hecate CMD: <detail or status sentence>" on stderr; returns 1. */
int cli_fail(const char *cmd, hec_status s);

/* Check that a file can be created at `path` (its directory exists and is
 * writable) before a long computation; prints an error and returns -1 if
 * not. */
int cli_check_writable(const char *cmd, const char *path);

/* A one-line progress bar on stderr, drawn only when stderr is a terminal. */
void cli_progress(const char *label, size_t done, size_t total);
void cli_progress_end(void);

/* Write loss and accuracy curves (n points; test may hold negative values
 * for "none") as an SVG file, atomically.  Returns 0 or -1 (error printed). */
int cli_plot_svg(const char *cmd, const char *path, const char *title, const double *loss,
                 const double *train_acc, const double *test_acc, size_t n, const char *xlabel);

/* Name of class `label` of a data set (digits print as themselves). */
const char *cli_class_name(const char *dataset, unsigned label);

/* Seconds on a monotonic clock. */
double cli_now(void);

/* Set the OpenMP thread count (no-op without OpenMP). */
void cli_set_threads(unsigned n);

#endif
