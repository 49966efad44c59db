/* Plaintext CNN training: HE-friendly architectures (CryptoNets,
 * Gilad-Bachrach et al. 2016; LoLa, Brutzkus et al. 2019) with trained
 * quadratic activations a x^2 + b x + c, mini-batch Adam (Kingma and Ba
 * 2015) with decoupled weight decay (Loshchilov and Hutter 2019), cosine
 * step-size decay and global-norm gradient clipping.
 *
 * Determinism: a mini-batch is cut into fixed chunks; each chunk's gradient
 * is computed sequentially into its own buffer (any thread may do it) and
 * the chunk gradients are summed in chunk order.  Every random draw
 * (initialisation, shuffle, augmentation) happens on the master thread in a
 * fixed order.  So the trained weights are a function of the data and the
 * options alone — the same bits with 1 or 32 threads.
 *
 * Why trained quadratics: the activation must be a polynomial for CKKS to
 * evaluate it, and degree 2 costs one multiplicative level.  A pure square
 * (CryptoNets) makes activations grow as x^(2^depth) and training diverges
 * easily; starting from a near-identity a x^2 + x and letting a, b, c
 * learn (as in the trainable activations of Garimella et al. 2021 and the
 * "approximate ReLU" of HE-friendly networks) keeps early training linear
 * and stable while the clipping bounds any blow-up. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml_internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- Engine: per-sample forward and backward over a layer array. */

struct engine {
	const struct ml_layer *L;
	size_t n;            /* layers */
	size_t *act_off;     /* n + 1 offsets into an activation buffer */
	size_t act_total, max_act, max_scr;
	size_t *poff;        /* parameter offset of each layer */
	size_t nparams;
	int task;
	size_t n_out;
};

struct worker {
	float *acts, *d0, *d1, *scr;
	float *g;            /* gradient sum of this chunk */
	double *gc;          /* n x (MAX_DEGREE + 1) POLY coefficient gradients */
	double loss;
	size_t correct;
};

static void engine_free(struct engine *e)
{
	free(e->act_off);
	free(e->poff);
}

static hec_status engine_init(struct engine *e, const struct ml_layer *L, size_t n, size_t in_size,
                              hec_ml_task_kind task)
{
	memset(e, 0, sizeof *e);
	e->L = L;
	e->n = n;
	e->task = task;
	e->act_off = malloc((n + 1) * sizeof *e->act_off);
	e->poff = malloc((n + 1) * sizeof *e->poff);
	if (!e->act_off || !e->poff) {
		engine_free(e);
		return hec_error_set(HEC_ERR_NOMEM, "train: out of memory");
	}
	size_t off = 0, p = 0;
	e->max_act = in_size;
	e->max_scr = 1;
	for (size_t i = 0; i <= n; i++) {
		e->act_off[i] = off;
		off += i == 0 ? in_size : ml_out_size(&L[i - 1]);
		if (i < n) {
			e->poff[i] = p;
			p += ml_layer_params(&L[i]);
			if (ml_out_size(&L[i]) > e->max_act)
				e->max_act = ml_out_size(&L[i]);
			if (ml_layer_scratch(&L[i]) > e->max_scr)
				e->max_scr = ml_layer_scratch(&L[i]);
		}
	}
	e->poff[n] = p;
	e->act_total = off;
	e->nparams = p;
	e->n_out = n ? ml_out_size(&L[n - 1]) : in_size;
	return HEC_OK;
}

static int worker_init(struct worker *w, const struct engine *e)
{
	memset(w, 0, sizeof *w);
	w->acts = malloc((e->act_total + 2 * e->max_act + e->max_scr) * sizeof(float));
	w->g = malloc((e->nparams ? e->nparams : 1) * sizeof(float));
	w->gc = malloc((e->n + 1) * (HEC_ML_MAX_POLY_DEGREE + 1) * sizeof(double));
	if (!w->acts || !w->g || !w->gc)
		return -1;
	w->d0 = w->acts + e->act_total;
	w->d1 = w->d0 + e->max_act;
	w->scr = w->d1 + e->max_act;
	return 0;
}

static void worker_free(struct worker *w)
{
	free(w->acts);
	free(w->g);
	free(w->gc);
}

static void worker_zero(struct worker *w, const struct engine *e)
{
	memset(w->g, 0, e->nparams * sizeof(float));
	memset(w->gc, 0, (e->n + 1) * (HEC_ML_MAX_POLY_DEGREE + 1) * sizeof(double));
	w->loss = 0;
	w->correct = 0;
}

/* Forward one prepared input (already in w->acts[0..in)), add its loss and
 * gradient (w.r.t. every parameter) to the worker's sums.  `cls` is the
 * class index. */
static void sample_step(const struct engine *e, struct worker *w, size_t cls)
{
	for (size_t i = 0; i < e->n; i++)
		ml_layer_forward(&e->L[i], w->acts + e->act_off[i + 1], w->acts + e->act_off[i], w->scr);
	const float *z = w->acts + e->act_off[e->n];
	float *d = w->d0;
	if (e->task == HEC_ML_BINARY) {
		/* Logistic loss on the logit z: log(1 + e^-z) for y = 1. */
		double zz = z[0], y = (double)cls;
		double l = zz > 0 ? log1p(exp(-zz)) + (1 - y) * zz : log1p(exp(zz)) - y * zz;
		w->loss += l;
		d[0] = (float)(1.0 / (1.0 + exp(-zz)) - y);
		w->correct += (size_t)((zz > 0) == (cls == 1));
	} else {
		/* Softmax cross entropy, shifted by the max for stability. */
		size_t k = e->n_out, best = 0;
		float mx = z[0];
		for (size_t j = 1; j < k; j++)
			if (z[j] > mx) {
				mx = z[j];
				best = j;
			}
		double sum = 0;
		for (size_t j = 0; j < k; j++)
			sum += exp((double)(z[j] - mx));
		w->loss += log(sum) - (double)(z[cls] - mx);
		for (size_t j = 0; j < k; j++)
			d[j] = (float)(exp((double)(z[j] - mx)) / sum) - (j == cls ? 1.0f : 0.0f);
		w->correct += best == cls;
	}
	for (size_t i = e->n; i-- > 0;) {
		const struct ml_layer *L = &e->L[i];
		float *din = i > 0 ? (d == w->d0 ? w->d1 : w->d0) : NULL;
		float *gw = w->g + e->poff[i];
		ml_layer_backward(L, din, gw, gw + L->nw, w->gc + i * (HEC_ML_MAX_POLY_DEGREE + 1),
		                  w->acts + e->act_off[i], d, w->scr);
		d = din;
	}
}

/* Move the chunk's POLY coefficient gradients (doubles) into w->g. */
static void worker_flush(const struct engine *e, struct worker *w)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct ml_layer *L = &e->L[i];
		if (L->kind == HEC_ML_POLY && L->trainable)
			for (size_t k = 0; k < L->nc; k++)
				w->g[e->poff[i] + k] += (float)w->gc[i * (HEC_ML_MAX_POLY_DEGREE + 1) + k];
	}
}

hec_status hec_ml_model_poly_set_trainable(hec_ml_model *m, size_t i, int trainable)
{
	if (!m || i >= m->n_layers || m->layers[i].kind != HEC_ML_POLY)
		return hec_error_set(HEC_ERR_ARG, "model: layer %zu is not a polynomial", i);
	m->layers[i].trainable = trainable != 0;
	return HEC_OK;
}

hec_status hec_ml_model_loss_grad(const hec_ml_model *m, double *loss, float *grad,
                                  const float *inputs, const unsigned *classes, size_t n)
{
	struct engine e;
	size_t in = ml_model_input_size(m);
	hec_status s = engine_init(&e, m->layers, m->n_layers, in, m->task);
	if (s)
		return s;
	if (m->task == HEC_ML_BINARY && m->n_layers && m->layers[m->n_layers - 1].kind == HEC_ML_POLY)
		e.n--, e.n_out = ml_out_size(&m->layers[e.n - 1]);
	struct worker w;
	if (worker_init(&w, &e)) {
		worker_free(&w);
		engine_free(&e);
		return hec_error_set(HEC_ERR_NOMEM, "train: out of memory");
	}
	worker_zero(&w, &e);
	for (size_t i = 0; i < n; i++) {
		memcpy(w.acts, inputs + i * in, in * sizeof(float));
		sample_step(&e, &w, classes[i]);
	}
	worker_flush(&e, &w);
	size_t np = hec_ml_model_param_count(m);
	memset(grad, 0, np * sizeof *grad);
	for (size_t j = 0; j < e.nparams && j < np; j++)
		grad[j] = w.g[j] / (float)n;
	*loss = w.loss / (double)n;
	worker_free(&w);
	engine_free(&e);
	return HEC_OK;
}

/* ---- Architectures. */

void hec_ml_train_opts_default(hec_ml_train_opts_t *o, hec_ml_arch arch, const char *dataset)
{
	int fashion = dataset && !strcmp(dataset, "fashion-mnist");
	memset(o, 0, sizeof *o);
	o->arch = arch;
	o->epochs = 20;
	o->seed = 1;
	o->batch = 128;
	o->chunk = 16;
	o->lr = 2e-3f;
	o->weight_decay = fashion ? 0.05f : 1e-4f;
	o->shift = 1;
	o->flip = fashion;
	o->maps1 = arch == HEC_ML_ARCH_DEEP ? 16 : 5;
	o->maps2 = arch == HEC_ML_ARCH_DEEP ? 32 : 0;
	o->hidden = 100;
}

static const double act_init[3] = {0.0, 1.0, 0.1};

static hec_status build(hec_ml_model **dst, const char *dataset, const hec_ml_train_opts_t *o)
{
	static const unsigned digits[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	/* Per-pixel mean and standard deviation of each training set. */
	hec_ml_input_t in = {1, 0.1307f, 0.3081f};
	if (!strcmp(dataset, "fashion-mnist"))
		in = (hec_ml_input_t){1, 0.2860f, 0.3530f};
	hec_ml_model *m;
	hec_status s = hec_ml_model_new(&m, dataset, &in, HEC_ML_MULTICLASS, digits, 10);
	if (s)
		return s;
	if (o->arch == HEC_ML_ARCH_CRYPTONETS) {
		/* 28x28 -> conv 5x5 stride 2 pad 1 -> maps x 13 x 13 (CryptoNets
		 * pads to 29x29; LoLa uses the same 5x5/2 window) -> act -> dense
		 * hidden -> act -> dense 10.  Depth: 2 linear + 1 + 1 + ... */
		s = hec_ml_model_add_conv(m, o->maps1, 5, 2, 1);
		if (!s) s = hec_ml_model_add_poly(m, act_init, 3);
		if (!s) s = hec_ml_model_add_dense(m, o->hidden);
		if (!s) s = hec_ml_model_add_poly(m, act_init, 3);
		if (!s) s = hec_ml_model_add_dense(m, 10);
	} else {
		/* Two convolutions: 5x5/2 to 13x13, then 3x3/2 to 6x6. */
		s = hec_ml_model_add_conv(m, o->maps1, 5, 2, 1);
		if (!s) s = hec_ml_model_add_poly(m, act_init, 3);
		if (!s) s = hec_ml_model_add_conv(m, o->maps2, 3, 2, 0);
		if (!s) s = hec_ml_model_add_poly(m, act_init, 3);
		if (!s) s = hec_ml_model_add_dense(m, o->hidden);
		if (!s) s = hec_ml_model_add_poly(m, act_init, 3);
		if (!s) s = hec_ml_model_add_dense(m, 10);
	}
	for (size_t i = 0; !s && i < m->n_layers; i++)
		if (m->layers[i].kind == HEC_ML_POLY)
			m->layers[i].trainable = 1;
	if (s) {
		hec_ml_model_free(m);
		return s;
	}
	*dst = m;
	return HEC_OK;
}

/* Uniform initialisation with variance 1 / fan_in (LeCun et al. 1998),
 * drawn in layer order from the seeded generator; biases start at 0. */
static void init_weights(hec_ml_model *m, hec_ml_rng_t *r)
{
	for (size_t i = 0; i < m->n_layers; i++) {
		struct ml_layer *L = &m->layers[i];
		if (!L->nw)
			continue;
		size_t fan_in = L->nw / L->nb;
		double a = sqrt(3.0 / (double)fan_in);
		for (size_t j = 0; j < L->nw; j++)
			L->w[j] = (float)((2.0 * hec_ml_rng_uniform(r) - 1.0) * a);
	}
}

/* Prepare a training input with an integer translation (dx, dy), the
 * vacated border filled with background. */
static void prepare_shifted(const hec_ml_model *m, float *dst, const uint8_t *px, int dx, int dy,
                            int flip)
{
	float f[784];
	for (int y = 0; y < 28; y++)
		for (int x = 0; x < 28; x++) {
			int sx = (flip ? 27 - x : x) - dx, sy = y - dy;
			f[y * 28 + x] = sx >= 0 && sx < 28 && sy >= 0 && sy < 28
			                    ? (float)px[sy * 28 + sx] / 255.0f
			                    : 0.0f;
		}
	hec_ml_model_prepare_input(m, dst, f);
}

hec_status hec_ml_train_cnn(hec_ml_model **dst, const hec_ml_dataset *train,
                            const hec_ml_dataset *test, const hec_ml_train_opts_t *o)
{
	if (!dst || !train || !o)
		return hec_error_set(HEC_ERR_ARG, "train: NULL argument");
	if (o->arch != HEC_ML_ARCH_CRYPTONETS && o->arch != HEC_ML_ARCH_DEEP)
		return hec_error_set(HEC_ERR_ARG, "train: unknown architecture %d", (int)o->arch);
	if (o->epochs == 0 || o->epochs > 1000 || o->chunk == 0 || o->batch == 0 ||
	    o->batch % o->chunk || o->batch > 65536 || !(o->lr > 0) || o->weight_decay < 0 ||
	    o->shift > 4 || o->maps1 == 0 || o->hidden == 0 ||
	    (o->arch == HEC_ML_ARCH_DEEP && o->maps2 == 0))
		return hec_error_set(HEC_ERR_ARG,
		                     "train: invalid options (epochs %u, batch %zu, chunk %zu must divide "
		                     "it, lr > 0, shift <= 4, maps and hidden >= 1)",
		                     o->epochs, o->batch, o->chunk);
	if (hec_ml_dataset_rows(train) != 28 || hec_ml_dataset_cols(train) != 28)
		return hec_error_set(HEC_ERR_ARG, "train: images must be 28 x 28");
	size_t n = hec_ml_dataset_count(train);
	if (n < o->batch)
		return hec_error_set(HEC_ERR_ARG, "train: %zu images, fewer than one batch of %zu", n,
		                     o->batch);
	for (size_t i = 0; i < n; i++)
		if (hec_ml_dataset_label(train, i) >= 10)
			return hec_error_set(HEC_ERR_ARG, "train: label %u of image %zu is not a digit class",
			                     hec_ml_dataset_label(train, i), i);

	hec_ml_model *m;
	hec_status s = build(&m, hec_ml_dataset_name(train), o);
	if (s)
		return s;
	hec_ml_rng_t rng;
	hec_ml_rng_init(&rng, o->seed);
	init_weights(m, &rng);

	struct ml_layer tl[HEC_ML_MAX_LAYERS];
	memcpy(tl, m->layers, m->n_layers * sizeof *tl);
	struct engine e;
	size_t in = ml_model_input_size(m);
	s = engine_init(&e, tl, m->n_layers, in, m->task);
	if (s) {
		hec_ml_model_free(m);
		return s;
	}
	size_t np = e.nparams, nchunks = o->batch / o->chunk, nb = n / o->batch;
	float *P = malloc(np * sizeof *P), *G = malloc(np * sizeof *G);
	float *M1 = calloc(np, sizeof *M1), *M2 = calloc(np, sizeof *M2);
	size_t *order = malloc(n * sizeof *order);
	signed char *shifts = malloc(3 * o->batch);
	uint8_t *decay = calloc(np, 1);
	struct worker *wk = calloc(nchunks, sizeof *wk);
	int bad = !P || !G || !M1 || !M2 || !order || !shifts || !decay || !wk;
	for (size_t c = 0; !bad && c < nchunks; c++)
		bad = worker_init(&wk[c], &e);
	if (bad) {
		s = hec_error_set(HEC_ERR_NOMEM, "train: out of memory");
		goto done;
	}
	hec_ml_model_param_get(m, P);
	/* Point the training layers at P; mark which parameters get decay. */
	for (size_t i = 0; i < m->n_layers; i++)
		if (tl[i].nw) {
			tl[i].w = P + e.poff[i];
			tl[i].b = P + e.poff[i] + tl[i].nw;
			memset(decay + e.poff[i], 1, tl[i].nw);
		}
	for (size_t i = 0; i < n; i++)
		order[i] = i;

	const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, clip = 5.0;
	size_t total_steps = (size_t)o->epochs * nb, step = 0, warm = nb / 2;
	for (unsigned ep = 1; ep <= o->epochs; ep++) {
		hec_ml_shuffle(order, n, &rng);
		double ep_loss = 0;
		size_t ep_correct = 0;
		for (size_t b = 0; b < nb; b++, step++) {
			for (size_t i = 0; i < 2 * o->batch; i++)
				shifts[i] = o->shift ? (signed char)((int)hec_ml_rng_below(&rng, 2 * o->shift + 1) -
				                                     (int)o->shift)
				                     : 0;
			for (size_t i = 0; i < o->batch; i++)
				shifts[2 * o->batch + i] = o->flip ? (signed char)hec_ml_rng_below(&rng, 2) : 0;
			for (size_t i = 0; i < m->n_layers; i++)
				if (tl[i].kind == HEC_ML_POLY)
					for (size_t k = 0; k < tl[i].nc; k++)
						tl[i].c[k] = P[e.poff[i] + k];
			const size_t *idx = order + b * o->batch;
#pragma omp parallel for schedule(dynamic, 1)
			for (size_t c = 0; c < nchunks; c++) {
				struct worker *w = &wk[c];
				worker_zero(w, &e);
				for (size_t t = c * o->chunk; t < (c + 1) * o->chunk; t++) {
					prepare_shifted(m, w->acts, hec_ml_dataset_image(train, idx[t]),
					                shifts[2 * t], shifts[2 * t + 1], shifts[2 * o->batch + t]);
					sample_step(&e, w, hec_ml_dataset_label(train, idx[t]));
				}
				worker_flush(&e, w);
			}
			/* Fixed-order reduction: chunk 0, 1, 2, ... */
			memcpy(G, wk[0].g, np * sizeof *G);
			ep_loss += wk[0].loss;
			ep_correct += wk[0].correct;
			for (size_t c = 1; c < nchunks; c++) {
				for (size_t j = 0; j < np; j++)
					G[j] += wk[c].g[j];
				ep_loss += wk[c].loss;
				ep_correct += wk[c].correct;
			}
			double norm2 = 0, inv = 1.0 / (double)o->batch;
			for (size_t j = 0; j < np; j++) {
				G[j] = (float)(G[j] * inv);
				norm2 += (double)G[j] * G[j];
			}
			double scale = sqrt(norm2) > clip ? clip / sqrt(norm2) : 1.0;
			/* Linear warm-up for half an epoch, then cosine decay to lr/50. */
			double frac = (double)step / (double)total_steps;
			double lr = o->lr * (0.02 + 0.98 * 0.5 * (1.0 + cos(M_PI * frac)));
			if (step < warm)
				lr *= (double)(step + 1) / (double)warm;
			double bc1 = 1.0 - pow(beta1, (double)(step + 1)),
			       bc2 = 1.0 - pow(beta2, (double)(step + 1));
			for (size_t j = 0; j < np; j++) {
				double g = G[j] * scale;
				M1[j] = (float)(beta1 * M1[j] + (1 - beta1) * g);
				M2[j] = (float)(beta2 * M2[j] + (1 - beta2) * g * g);
				double upd = (M1[j] / bc1) / (sqrt(M2[j] / bc2) + eps);
				if (decay[j])
					upd += o->weight_decay * P[j];
				P[j] = (float)(P[j] - lr * upd);
			}
			if (o->on_progress)
				o->on_progress(b + 1, nb, o->user);
		}
		hec_ml_model_param_set(m, P);
		double test_acc = -1;
		if (test) {
			size_t c, t;
			s = hec_ml_model_evaluate(m, test, &c, &t, NULL);
			if (s)
				goto done;
			test_acc = t ? (double)c / (double)t : 0;
		}
		if (o->on_epoch)
			o->on_epoch(ep, ep_loss / (double)(nb * o->batch),
			            (double)ep_correct / (double)(nb * o->batch), test_acc, o->user);
	}
	hec_ml_model_param_set(m, P);
done:
	for (size_t c = 0; wk && c < nchunks; c++)
		worker_free(&wk[c]);
	free(wk);
	free(P);
	free(G);
	free(M1);
	free(M2);
	free(order);
	free(shifts);
	free(decay);
	engine_free(&e);
	if (s) {
		hec_ml_model_free(m);
		return s;
	}
	*dst = m;
	return HEC_OK;
}
