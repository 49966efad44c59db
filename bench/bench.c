/* Measurement: warm-up, then the median of many timed repetitions. */
#include "bench.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hecate/ntt.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct bench_result bench_run(const struct bench_opts *o, void (*fn)(void *), void *arg)
{
	/* Warm-up: at least 3 calls and 20 ms, which also sizes the run. */
	double t0 = now_ns(), t;
	unsigned warm = 0;
	do {
		fn(arg);
		warm++;
		t = now_ns();
	} while (warm < 3 || t - t0 < 2e7);
	double per_call = (t - t0) / warm;
	unsigned reps = o->reps;
	if (!reps) {
		double want = o->budget_s * 1e9 / per_call;
		reps = want < 11 ? 11 : want > 5000 ? 5000 : (unsigned)want;
	}
	double *s = malloc(reps * sizeof *s);
	if (!s) {
		fprintf(stderr, "hecate-bench: out of memory\n");
		exit(1);
	}
	for (unsigned i = 0; i < reps; i++) {
		double a = now_ns();
		fn(arg);
		s[i] = now_ns() - a;
	}
	qsort(s, reps, sizeof *s, cmp_double);
	struct bench_result r = {reps, reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2, s[0]};
	free(s);
	return r;
}

static const char *cpu_name(void)
{
	static hec_cpu_features_t f;
	static int done;
	if (!done) {
		hec_ntt_cpu_features(&f);
		/* Trim the brand string's padding. */
		size_t len = strlen(f.brand);
		while (len && f.brand[len - 1] == ' ')
			f.brand[--len] = 0;
		done = 1;
	}
	return f.brand[0] ? f.brand : "unknown";
}

void bench_header(const struct bench_opts *o, const char *title)
{
	if (o->json)
		return;
	printf("\n%s  (cpu: %s)\n", title, cpu_name());
	printf("%-14s %-34s %-9s %7s %6s %12s %12s\n", "bench", "parameters", "kernel", "threads",
	       "reps", "median", "min");
}

static void fmt_time(char *buf, size_t len, double ns)
{
	if (ns < 1e4)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e7)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else if (ns < 1e10)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
}

/* The JSON fields as the table's readable parameter list (k=v k=v ...),
 * whole: a cut list once showed images=8 for images=8192. */
#define PARAMS_MAX 512
static void table_params(char out[PARAMS_MAX], const char *fields)
{
	size_t j = 0;
	for (const char *p = fields; *p && j + 1 < PARAMS_MAX; p++)
		if (*p != '"')
			out[j++] = *p == ':' ? '=' : *p == ',' ? ' ' : *p;
	out[j] = 0;
}

void bench_report(const struct bench_opts *o, const char *bench, const char *fields,
                  const char *kernel, unsigned threads, struct bench_result r)
{
	if (o->json) {
		printf("{\"bench\":\"%s\"%s%s,\"kernel\":\"%s\",\"threads\":%u,\"reps\":%u,"
		       "\"median_ns\":%.0f,\"min_ns\":%.0f,\"cpu\":\"%s\"}\n",
		       bench, *fields ? "," : "", fields, kernel, threads, r.reps, r.median_ns, r.min_ns,
		       cpu_name());
	} else {
		char params[PARAMS_MAX], med[24], min[24];
		table_params(params, fields);
		fmt_time(med, sizeof med, r.median_ns);
		fmt_time(min, sizeof min, r.min_ns);
		printf("%-14s %-34s %-9s %7u %6u %12s %12s\n", bench, params, kernel, threads, r.reps, med, min);
	}
	fflush(stdout);
}

void bench_report_value(const struct bench_opts *o, const char *bench, const char *fields, const char *kernel,
                        unsigned threads, const char *name, double value)
{
	if (o->json) {
		printf("{\"bench\":\"%s\"%s%s,\"kernel\":\"%s\",\"threads\":%u,\"%s\":%.6g,\"cpu\":\"%s\"}\n",
		       bench, *fields ? "," : "", fields, kernel, threads, name, value, cpu_name());
	} else {
		char params[PARAMS_MAX];
		table_params(params, fields);
		printf("%-14s %-34s %-9s %7u %6s %12.6g %s\n", bench, params, kernel, threads, "-", value, name);
	}
	fflush(stdout);
}

/* A model named on the command line: a path, or a shipped model's name
 * looked up in $HECATE_MODELS, ./models and the source tree of this
 * build. */
char *bench_find_model(const char *name)
{
	char *r = malloc(4096), exe[4096];
	if (!r)
		return NULL;
	if (strchr(name, '/') || strstr(name, ".hcm")) {
		snprintf(r, 4096, "%s", name);
		return r;
	}
	const char *env = getenv("HECATE_MODELS");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	const char *dirs[3] = {env, "models", NULL};
	char up[4096];
	if (n > 0) {
		/* build/bench/hecate-bench -> build/../models */
		snprintf(up, sizeof up, "%s/../../models", dirname(exe));
		dirs[2] = up;
	}
	for (int i = 0; i < 3; i++) {
		if (!dirs[i])
			continue;
		snprintf(r, 4096, "%s/%s.hcm", dirs[i], name);
		if (access(r, R_OK) == 0)
			return r;
	}
	snprintf(r, 4096, "models/%s.hcm", name);
	return r;
}
