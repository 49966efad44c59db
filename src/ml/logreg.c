/* Binary logistic regression trained with Nesterov's accelerated gradient
 * and a polynomial sigmoid — the plaintext twin of the encrypted trainer
 * (Kim et al. 2018, "Logistic regression model training based on the
 * approximate homomorphic encryption"; Han et al. 2019, "Logistic
 * regression on homomorphic encrypted data at scale", whose MNIST 3-vs-8
 * task at 14 x 14 = 196 features we reproduce).  The schedule (step size,
 * momentum, mini-batch order) and the polynomial are public so the
 * encrypted trainer can follow exactly the same trajectory up to CKKS
 * noise.  Arithmetic is double precision and every sum runs in a fixed
 * order, so a seed fixes the result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml_internal.h"

#define NF 196 /* features; index NF is the constant 1 for the bias */

const char *hec_ml_lr_task_dataset(hec_ml_lr_task t)
{
	return t == HEC_ML_LR_FASHION_TSHIRT_SHIRT ? "fashion-mnist" : "mnist";
}

const char *hec_ml_lr_task_name(hec_ml_lr_task t)
{
	return t == HEC_ML_LR_FASHION_TSHIRT_SHIRT ? "fashion-tshirt-shirt" : "mnist-3v8";
}

void hec_ml_lr_task_labels(hec_ml_lr_task t, unsigned labels[2])
{
	if (t == HEC_ML_LR_FASHION_TSHIRT_SHIRT) {
		labels[0] = 0; /* T-shirt/top */
		labels[1] = 6; /* shirt */
	} else {
		labels[0] = 3;
		labels[1] = 8;
	}
}

void hec_ml_lr_opts_default(hec_ml_lr_opts_t *o, hec_ml_lr_task task)
{
	memset(o, 0, sizeof *o);
	o->task = task;
	o->degree = 3;
	o->iterations = 300;
	o->batch = 1024;
	/* Fashion images carry more ink (larger feature norms), so the same
	 * step overshoots out of the polynomial's range [-8, 8]. */
	o->lr0 = task == HEC_ML_LR_FASHION_TSHIRT_SHIRT ? 0.1 : 0.5;
	o->l2 = 0.003;
	o->lr_decay = 0.0;
	o->seed = 1;
}

double hec_ml_lr_step(const hec_ml_lr_opts_t *o, unsigned t)
{
	return o->lr0 / (1.0 + (double)t * o->lr_decay);
}

/* Nesterov's sequence, started one step in so that the first update is a
 * plain gradient step (with lambda_0 = 0 the literal gamma_0 would be 1,
 * which discards the first step). */
double hec_ml_lr_gamma(unsigned t)
{
	double lam = 1.0; /* lambda_1 */
	for (unsigned i = 0; i <= t; i++) {
		double next = (1.0 + sqrt(1.0 + 4.0 * lam * lam)) / 2.0;
		if (i == t)
			return (1.0 - lam) / next;
		lam = next;
	}
	return 0.0;
}

void hec_ml_lr_order(size_t *order, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	hec_ml_rng_t rng;
	hec_ml_rng_init(&rng, seed);
	hec_ml_shuffle(order, n, &rng);
}

void hec_ml_lr_features(float *dst, const uint8_t *px)
{
	for (size_t y = 0; y < 14; y++)
		for (size_t x = 0; x < 14; x++) {
			unsigned s = (unsigned)px[(2 * y) * 28 + 2 * x] + px[(2 * y) * 28 + 2 * x + 1] +
			             px[(2 * y + 1) * 28 + 2 * x] + px[(2 * y + 1) * 28 + 2 * x + 1];
			dst[y * 14 + x] = (float)s / (4.0f * 255.0f);
		}
}

static double sig(const hec_ml_lr_opts_t *o, const double *poly, double z)
{
	return o->degree ? hec_ml_poly_eval(poly, o->degree + 1, z) : hec_ml_sigmoid(z);
}

static double dotf(const double *w, const float *x)
{
	double s = w[NF];
	for (size_t i = 0; i < NF; i++)
		s += w[i] * x[i];
	return s;
}

hec_status hec_ml_train_lr(hec_ml_model **dst, const hec_ml_dataset *train,
                           const hec_ml_lr_opts_t *o)
{
	if (!dst || !train || !o)
		return hec_error_set(HEC_ERR_ARG, "train-lr: NULL argument");
	if (o->task != HEC_ML_LR_MNIST_3V8 && o->task != HEC_ML_LR_FASHION_TSHIRT_SHIRT)
		return hec_error_set(HEC_ERR_ARG, "train-lr: unknown task %d", (int)o->task);
	if (o->degree != 0 && o->degree != 3 && o->degree != 5 && o->degree != 7)
		return hec_error_set(HEC_ERR_ARG, "train-lr: sigmoid degree %u is not 0, 3, 5 or 7",
		                     o->degree);
	if (o->iterations == 0 || o->iterations > 1000000 || !(o->lr0 > 0) || o->lr_decay < 0)
		return hec_error_set(HEC_ERR_ARG, "train-lr: need iterations >= 1, lr0 > 0, decay >= 0");
	if (hec_ml_dataset_rows(train) != 28 || hec_ml_dataset_cols(train) != 28)
		return hec_error_set(HEC_ERR_ARG, "train-lr: images must be 28 x 28");
	unsigned lab[2];
	hec_ml_lr_task_labels(o->task, lab);
	size_t total = hec_ml_dataset_count(train), n = 0;
	for (size_t i = 0; i < total; i++) {
		unsigned l = hec_ml_dataset_label(train, i);
		n += l == lab[0] || l == lab[1];
	}
	if (n == 0)
		return hec_error_set(HEC_ERR_ARG, "train-lr: no training images labelled %u or %u", lab[0],
		                     lab[1]);
	size_t batch = o->batch == 0 || o->batch > n ? n : o->batch;
	float *X = malloc(n * NF * sizeof *X);
	uint8_t *Y = malloc(n);
	size_t *order = malloc(n * sizeof *order);
	double *w = calloc(NF + 1, sizeof *w), *v = calloc(NF + 1, sizeof *v),
	       *g = calloc(NF + 1, sizeof *g), *wn = calloc(NF + 1, sizeof *wn);
	hec_ml_model *m = NULL;
	hec_status s = HEC_OK;
	if (!X || !Y || !order || !w || !v || !g || !wn) {
		s = hec_error_set(HEC_ERR_NOMEM, "train-lr: out of memory");
		goto done;
	}
	for (size_t i = 0, j = 0; i < total; i++) {
		unsigned l = hec_ml_dataset_label(train, i);
		if (l != lab[0] && l != lab[1])
			continue;
		hec_ml_lr_features(X + j * NF, hec_ml_dataset_image(train, i));
		Y[j] = l == lab[1];
		j++;
	}
	/* One shuffle: the encrypted trainer packs its mini-batches once. */
	hec_ml_lr_order(order, n, o->seed);
	double poly[8] = {0};
	if (o->degree)
		hec_ml_sigmoid_fit(poly, o->degree, 8.0);
	size_t nb = n / batch;
	for (unsigned t = 0; t < o->iterations; t++) {
		const size_t *idx = order + (t % nb) * batch;
		memset(g, 0, (NF + 1) * sizeof *g);
		for (size_t b = 0; b < batch; b++) {
			const float *x = X + idx[b] * NF;
			double r = sig(o, poly, dotf(v, x)) - Y[idx[b]];
			for (size_t i = 0; i < NF; i++)
				g[i] += r * x[i];
			g[NF] += r;
		}
		double a = hec_ml_lr_step(o, t) / (double)batch, gam = hec_ml_lr_gamma(t);
		for (size_t i = 0; i <= NF; i++) {
			/* Ridge term on the weights (not the bias): keeps the logits
			 * inside [-8, 8], where the polynomial is a sigmoid at all. */
			double gi = g[i] + (i < NF ? o->l2 * (double)batch * v[i] : 0.0);
			wn[i] = v[i] - a * gi;
			v[i] = (1.0 - gam) * wn[i] + gam * w[i];
			w[i] = wn[i];
		}
		if (o->on_iter) {
			double loss = 0;
			size_t ok = 0;
			for (size_t j = 0; j < n; j++) {
				double z = dotf(w, X + j * NF);
				loss += Y[j] ? log1p(exp(-z)) : log1p(exp(z));
				ok += (z > 0) == (Y[j] == 1);
			}
			o->on_iter(t + 1, loss / (double)n, (double)ok / (double)n, o->user);
		}
	}
	hec_ml_input_t in = {2, 0.0f, 1.0f};
	s = hec_ml_model_new(&m, hec_ml_lr_task_dataset(o->task), &in, HEC_ML_BINARY, lab, 2);
	if (!s)
		s = hec_ml_model_add_dense(m, 1);
	if (!s && o->degree)
		s = hec_ml_model_add_poly(m, poly, o->degree + 1);
	if (s)
		goto done;
	for (size_t i = 0; i < NF; i++)
		m->layers[0].w[i] = (float)w[i];
	m->layers[0].b[0] = (float)w[NF];
done:
	free(X);
	free(Y);
	free(order);
	free(w);
	free(v);
	free(g);
	free(wn);
	if (s) {
		hec_ml_model_free(m);
		return s;
	}
	*dst = m;
	return HEC_OK;
}
