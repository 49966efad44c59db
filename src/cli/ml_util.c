/* Helpers for the machine-learning subcommands; see ml_util.h. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ml_util.h"

int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != 0)
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "hecate %s: option %s needs a value\n", cmd, name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int cli_uint(const char *cmd, const char *opt, const char *s, unsigned long long lo,
             unsigned long long hi, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (!*s || *end || errno || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "hecate %s: %s '%s' is not an integer in [%llu, %llu]\n", cmd, opt, s, lo,
		        hi);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= lo && v <= hi)) {
		fprintf(stderr, "hecate %s: %s '%s' is not a number in [%g, %g]\n", cmd, opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_fail(const char *cmd, hec_status s)
{
	const char *d = hec_error_detail();
	fprintf(stderr, "hecate %s: %s\n", cmd, d && *d ? d : hec_status_str(s));
	return 1;
}

int cli_check_writable(const char *cmd, const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -1;
	const char *dir = dirname(copy);
	int ok = access(dir, W_OK | X_OK) == 0;
	if (!ok)
		fprintf(stderr, "hecate %s: cannot write %s: directory '%s': %s\n", cmd, path, dir,
		        strerror(errno));
	free(copy);
	return ok ? 0 : -1;
}

static int progress_drawn;

void cli_progress(const char *label, size_t done, size_t total)
{
	if (!isatty(STDERR_FILENO) || total == 0)
		return;
	/* Redraw at most ~100 times per bar. */
	if (done != total && done % (total / 100 + 1) != 0)
		return;
	int width = 40, fill = (int)((double)done / (double)total * width);
	fprintf(stderr, "\r%s [%.*s%*s] %3d%%", label, fill, "########################################",
	        width - fill, "", (int)(100.0 * (double)done / (double)total));
	fflush(stderr);
	progress_drawn = 1;
}

void cli_progress_end(void)
{
	if (progress_drawn) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		progress_drawn = 0;
	}
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_set_threads(unsigned n)
{
#ifdef _OPENMP
	if (n)
		omp_set_num_threads((int)n);
#else
	(void)n;
#endif
}

const char *cli_class_name(const char *dataset, unsigned label)
{
	static const char *const fashion[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
	static const char *const digits[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
	if (label >= 10)
		return "?";
	return !strcmp(dataset, "fashion-mnist") ? fashion[label] : digits[label];
}

/* One panel: a polyline per series, y range [lo, hi]. */
static void panel(FILE *f, double x0, double y0, double w, double h, const char *title,
                  const double *const *series, const char *const *colours, const char *const *names,
                  int ns, size_t n, double lo, double hi, const char *xlabel)
{
	fprintf(f, "<rect x='%g' y='%g' width='%g' height='%g' fill='none' stroke='#888'/>\n", x0, y0,
	        w, h);
	fprintf(f, "<text x='%g' y='%g' font-size='14' text-anchor='middle'>%s</text>\n", x0 + w / 2,
	        y0 - 8, title);
	fprintf(f, "<text x='%g' y='%g' font-size='11' text-anchor='middle'>%s</text>\n", x0 + w / 2,
	        y0 + h + 28, xlabel);
	for (int t = 0; t <= 4; t++) {
		double v = lo + (hi - lo) * t / 4, y = y0 + h - h * t / 4;
		fprintf(f, "<text x='%g' y='%g' font-size='10' text-anchor='end'>%.4g</text>\n", x0 - 4,
		        y + 3, v);
		fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='#eee'/>\n", x0, y, x0 + w, y);
	}
	fprintf(f, "<text x='%g' y='%g' font-size='10'>1</text>\n", x0, y0 + h + 14);
	fprintf(f, "<text x='%g' y='%g' font-size='10' text-anchor='end'>%zu</text>\n", x0 + w,
	        y0 + h + 14, n);
	for (int s = 0; s < ns; s++) {
		if (!series[s] || series[s][0] < 0)
			continue;
		fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='2' points='", colours[s]);
		for (size_t i = 0; i < n; i++) {
			double x = x0 + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
			double v = (series[s][i] - lo) / (hi - lo);
			v = v < 0 ? 0 : v > 1 ? 1 : v;
			fprintf(f, "%.1f,%.1f ", x, y0 + h - h * v);
		}
		fprintf(f, "'/>\n<text x='%g' y='%g' font-size='11' fill='%s'>%s</text>\n", x0 + 8,
		        y0 + 16 + 14 * s, colours[s], names[s]);
	}
}

int cli_plot_svg(const char *cmd, const char *path, const char *title, const double *loss,
                 const double *train_acc, const double *test_acc, size_t n, const char *xlabel)
{
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 16);
	if (!tmp)
		return -1;
	memcpy(tmp, path, pl);
	memcpy(tmp + pl, ".tmp.XXXXXX", 12);
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "hecate %s: cannot create %s: %s\n", cmd, path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	(void)fchmod(fd, 0644);
	double lmax = 0, amin = 1;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(loss[i]) && loss[i] > lmax)
			lmax = loss[i];
		if (train_acc[i] < amin)
			amin = train_acc[i];
		if (test_acc && test_acc[i] >= 0 && test_acc[i] < amin)
			amin = test_acc[i];
	}
	if (lmax <= 0)
		lmax = 1;
	amin = floor(amin * 20) / 20;
	if (amin >= 1)
		amin = 0.95;
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
	           "<svg xmlns='http://www.w3.org/2000/svg' width='860' height='360' "
	           "font-family='sans-serif'>\n<rect width='860' height='360' fill='white'/>\n"
	           "<text x='430' y='20' font-size='15' text-anchor='middle'>%s</text>\n",
	        title);
	const double *ls[1] = {loss};
	const char *lc[1] = {"#c0392b"}, *ln[1] = {"training loss"};
	panel(f, 60, 50, 340, 250, "loss", ls, lc, ln, 1, n, 0, lmax, xlabel);
	const double *as[2] = {train_acc, test_acc};
	const char *ac[2] = {"#2471a3", "#229954"}, *an[2] = {"train accuracy", "test accuracy"};
	panel(f, 480, 50, 340, 250, "accuracy", as, ac, an, test_acc ? 2 : 1, n, amin, 1.0, xlabel);
	fprintf(f, "</svg>\n");
	int ok = fflush(f) == 0 && !ferror(f);
	ok = (fclose(f) == 0) && ok;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "hecate %s: writing %s failed: %s\n", cmd, path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ok ? 0 : -1;
}
