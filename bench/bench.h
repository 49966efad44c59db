/* hecate-bench: shared measurement and reporting helpers. */
#ifndef HECATE_BENCH_H
#define HECATE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Options common to every bench family. */
struct bench_opts {
	bool json;           /* JSON Lines instead of a table */
	unsigned reps;       /* 0: choose from a time budget */
	double budget_s;     /* time budget per measurement when reps == 0 */
	size_t ns[16];       /* --n values (0-terminated; empty: the family's defaults) */
	unsigned bits[8];    /* --bits values (0-terminated) */
	int kernels[4];      /* --kernel values (-1-terminated; empty: all supported) */
	unsigned threads[4]; /* --threads values (0-terminated; empty: the family's defaults) */
	const char *preset;  /* --preset name, if any */
	const char *model;   /* --model FILE or name (ml family), if any */
	unsigned images;     /* --images K: test images for accuracy measurements (0: the family's default) */
	size_t samples;      /* --samples N: training samples (lr: the first N; 0: all) */
	unsigned iters;      /* --iters K: training iterations (lr; 0: the task's default) */
	const char *task;    /* --task NAME (lr: mnist-3v8, fashion-tshirt-shirt, idash) */
	bool batch_once;     /* ml-batch: one full batch only (as part of the ml family) */
};

struct bench_result {
	unsigned reps;
	double median_ns, min_ns;
};

/* Time fn(arg) after a warm-up: the median and minimum over many
 * repetitions (at least 11, or opts->reps). */
struct bench_result bench_run(const struct bench_opts *o, void (*fn)(void *), void *arg);

/* Print one measurement: as a table row, or a JSON object whose fields are
 * `bench`, then the "key":value pairs in `fields` (already JSON-formatted,
 * comma-separated, may be empty), then kernel/threads/reps/median/min/cpu. */
void bench_report(const struct bench_opts *o, const char *bench, const char *fields, const char *kernel,
                  unsigned threads, struct bench_result r);

/* Print a table header once per family (no-op under --json). */
void bench_header(const struct bench_opts *o, const char *title);

/* A model named on the command line: a path, or a shipped model's name
 * looked up in $HECATE_MODELS, ./models and the source tree of this build
 * (malloc'd; NULL when out of memory). */
char *bench_find_model(const char *name);

int bench_ntt(const struct bench_opts *o);
int bench_ring(const struct bench_opts *o);
int bench_ckks(const struct bench_opts *o);
int bench_ml(const struct bench_opts *o);
int bench_ml_batch(const struct bench_opts *o);
int bench_bfv(const struct bench_opts *o);
int bench_lr(const struct bench_opts *o);

/* Print a non-timing measurement (a size, a precision, an accuracy): the
 * JSON object carries `bench`, the fields, then "<name>":value. */
void bench_report_value(const struct bench_opts *o, const char *bench, const char *fields, const char *kernel,
                        unsigned threads, const char *name, double value);

#endif
