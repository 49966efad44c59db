/* Encrypted CNN inference with CKKS: the packing plan, the client's
 * encryption and decryption, and the server's evaluation.
 *
 * Layout (one image per evaluation, "latency" packing):
 *  - The first convolution's output is laid out map-major, map m's P
 *    positions in a block of P_pad = 2^ceil(log2 P) slots, the maps in a
 *    block of B = 2^ceil(log2(maps P_pad)) slots.  The client, who holds
 *    the image, encrypts it unrolled: kernel offset k (of KK = c k k) gets a
 *    B-block holding, at (m, p), the input pixel that offset k of output
 *    position p reads; G = slots / B offsets share a ciphertext.  The
 *    server multiplies each ciphertext by the weights w[m][k] laid out the
 *    same way and sums the G blocks with log2(G) rotations, so the
 *    convolution costs KK / G plaintext products and leaves its output
 *    repeated with period B (LoLa's "convolution as vector-matrix product
 *    on a redundant input", Brutzkus, Elisha, Gilad-Bachrach, ICML 2019).
 *  - Every later run of linear layers (conv, dense, average pooling) is
 *    merged into one affine map and applied by the hybrid diagonal method
 *    (hec_linear_transform), whose output repeats with the next power of
 *    two above its row count: exactly the periodic input the next one
 *    wants.
 *  - A degree-2 activation a + b y + c y^2 equals c (y + beta)^2 + gamma
 *    with beta = b / 2c, gamma = a - b^2 / 4c: the server adds beta and
 *    squares (one level); c and gamma are folded into the next affine map.
 *  - The scores are masked (every other slot zero) and the ciphertext is
 *    re-randomised by adding a fresh public-key encryption of zero. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hecate/ml.h"

#include "enc_cnn_internal.h"

static size_t pow2_at_least(size_t x)
{
	size_t p = 1;
	while (p < x)
		p <<= 1;
	return p;
}

void hec_ml_enc_plan_free(hec_ml_enc_plan *p)
{
	if (!p)
		return;
	free(p->w0);
	free(p->bias0);
	for (size_t i = 0; i < p->nst; i++) {
		free(p->st[i].A);
		free(p->st[i].bias);
	}
	free(p);
}

/* An affine map rows x cols in logical coordinates. */
struct affine {
	size_t rows, cols;
	double *A, *b;
};

static void affine_clear(struct affine *a)
{
	free(a->A);
	free(a->b);
	memset(a, 0, sizeof *a);
}

/* The matrix of a linear layer (conv, dense, avgpool) on the flattened
 * (c, h, w) input. */
static hec_status layer_affine(struct affine *out, const hec_ml_layer_t *L)
{
	size_t in = L->in_c * L->in_h * L->in_w, rows = L->out_c * L->out_h * L->out_w;
	out->rows = rows;
	out->cols = in;
	out->A = calloc(rows * in, sizeof *out->A);
	out->b = calloc(rows, sizeof *out->b);
	if (!out->A || !out->b)
		return hec_error_set(HEC_ERR_NOMEM, "encrypted plan: out of memory");
	if (L->kind == HEC_ML_DENSE) {
		for (size_t r = 0; r < rows; r++) {
			for (size_t c = 0; c < in; c++)
				out->A[r * in + c] = L->weights[r * in + c];
			out->b[r] = L->bias[r];
		}
	} else if (L->kind == HEC_ML_CONV) {
		for (size_t m = 0; m < L->out_c; m++)
			for (size_t oy = 0; oy < L->out_h; oy++)
				for (size_t ox = 0; ox < L->out_w; ox++) {
					size_t r = (m * L->out_h + oy) * L->out_w + ox;
					out->b[r] = L->bias[m];
					for (size_t ci = 0; ci < L->in_c; ci++)
						for (size_t ky = 0; ky < L->k; ky++)
							for (size_t kx = 0; kx < L->k; kx++) {
								long iy = (long)(oy * L->stride + ky) -
								          (long)L->pad;
								long ix = (long)(ox * L->stride + kx) -
								          (long)L->pad;
								if (iy < 0 || ix < 0 || iy >= (long)L->in_h ||
								    ix >= (long)L->in_w)
									continue;
								size_t c =
								    (ci * L->in_h + (size_t)iy) * L->in_w +
								    (size_t)ix;
								out->A[r * in + c] +=
								    L->weights[((m * L->in_c + ci) * L->k +
								                ky) *
								                   L->k +
								               kx];
							}
				}
	} else if (L->kind == HEC_ML_AVGPOOL) {
		double w = 1.0 / (double)(L->k * L->k);
		for (size_t ch = 0; ch < L->out_c; ch++)
			for (size_t oy = 0; oy < L->out_h; oy++)
				for (size_t ox = 0; ox < L->out_w; ox++) {
					size_t r = (ch * L->out_h + oy) * L->out_w + ox;
					for (size_t dy = 0; dy < L->k; dy++)
						for (size_t dx = 0; dx < L->k; dx++)
							out->A[r * in +
							       (ch * L->in_h + oy * L->k + dy) * L->in_w +
							       ox * L->k + dx] = w;
				}
	} else {
		return hec_error_set(HEC_ERR_ARG, "encrypted plan: layer is not linear");
	}
	return HEC_OK;
}

/* a = l o a (both affine). */
static hec_status affine_compose(struct affine *a, const struct affine *l)
{
	if (l->cols != a->rows)
		return hec_error_set(HEC_ERR_ARG, "encrypted plan: layer shapes do not chain");
	double *A = calloc(l->rows * a->cols, sizeof *A), *b = calloc(l->rows, sizeof *b);
	if (!A || !b) {
		free(A);
		free(b);
		return hec_error_set(HEC_ERR_NOMEM, "encrypted plan: out of memory");
	}
	for (size_t r = 0; r < l->rows; r++) {
		b[r] = l->b[r];
		for (size_t k = 0; k < l->cols; k++) {
			double w = l->A[r * l->cols + k];
			if (w == 0)
				continue;
			b[r] += w * a->b[k];
			for (size_t c = 0; c < a->cols; c++)
				A[r * a->cols + c] += w * a->A[k * a->cols + c];
		}
	}
	free(a->A);
	free(a->b);
	a->A = A;
	a->b = b;
	a->rows = l->rows;
	return HEC_OK;
}

/* Split an activation into the server's (y + beta)^2 and the scale c and
 * constant gamma the next layer absorbs; a linear activation (c = 0) needs
 * no squaring. */
static hec_status split_activation(const hec_ml_layer_t *L, bool *square, double *beta, double *scale,
                                   double *gamma)
{
	double a = L->coeffs[0], b = L->n_coeffs > 1 ? L->coeffs[1] : 0,
	       c = L->n_coeffs > 2 ? L->coeffs[2] : 0;
	if (L->n_coeffs > 3)
		for (size_t i = 3; i < L->n_coeffs; i++)
			if (L->coeffs[i] != 0)
				return hec_error_set(
				    HEC_ERR_UNSUPPORTED,
				    "encrypted plan: activation of degree %zu; only degree <= 2 is supported",
				    L->n_coeffs - 1);
	if (c != 0) {
		*square = true;
		*beta = b / (2 * c);
		*scale = c;
		*gamma = a - b * b / (4 * c);
	} else {
		*square = false;
		*beta = 0;
		*scale = b;
		*gamma = a;
	}
	return HEC_OK;
}

/* Fold the pending activation's scale and constant into the affine map:
 * x = scale * t + gamma, so A x + b = (scale A) t + (b + gamma A 1). */
static void fold_activation(struct affine *a, double scale, double gamma)
{
	for (size_t r = 0; r < a->rows; r++) {
		double row = 0;
		for (size_t c = 0; c < a->cols; c++) {
			row += a->A[r * a->cols + c];
			a->A[r * a->cols + c] *= scale;
		}
		a->b[r] += gamma * row;
	}
}

hec_status hec_ml_enc_plan_new(hec_ml_enc_plan **dst, const hec_ml_model *m)
{
	*dst = NULL;
	size_t nl = hec_ml_model_layer_count(m);
	hec_ml_layer_t L;
	if (nl < 1 || hec_ml_model_layer(&L, m, 0) != HEC_OK || L.kind != HEC_ML_CONV)
		return hec_error_set(HEC_ERR_UNSUPPORTED,
		                     "encrypted plan: the model's first layer must be a convolution");
	hec_ml_enc_plan *p = calloc(1, sizeof *p);
	if (!p)
		return hec_error_set(HEC_ERR_NOMEM, "encrypted plan: out of memory");
	p->n_out = hec_ml_model_output_count(m);
	p->maps = L.out_c;
	p->k = L.k;
	p->stride = L.stride;
	p->pad = L.pad;
	p->in_c = L.in_c;
	p->in_h = L.in_h;
	p->in_w = L.in_w;
	p->oh = L.out_h;
	p->ow = L.out_w;
	p->P = p->oh * p->ow;
	p->P_pad = pow2_at_least(p->P);
	p->B = pow2_at_least(p->maps * p->P_pad);
	p->KK = p->in_c * p->k * p->k;
	hec_status s = HEC_OK;
	if (p->B > ENC_SLOTS)
		s = hec_error_set(HEC_ERR_UNSUPPORTED,
		                  "encrypted plan: the first convolution's %zu x %zu outputs need %zu "
		                  "slots, more than %zu",
		                  p->maps, p->P, p->B, ENC_SLOTS);
	/* All slots/B blocks take part in the rotate-and-sum, so every block
	 * ends up holding the whole sum (blocks without an offset hold zeros). */
	p->G = s == HEC_OK ? ENC_SLOTS / p->B : 1;
	p->ncts = (p->KK + p->G - 1) / p->G;
	p->w0 = malloc(p->maps * p->KK * sizeof *p->w0);
	p->bias0 = malloc(p->maps * sizeof *p->bias0);
	if (s == HEC_OK && (!p->w0 || !p->bias0))
		s = hec_error_set(HEC_ERR_NOMEM, "encrypted plan: out of memory");
	for (size_t i = 0; s == HEC_OK && i < p->maps * p->KK; i++)
		p->w0[i] = L.weights[i];
	for (size_t i = 0; s == HEC_OK && i < p->maps; i++)
		p->bias0[i] = L.bias[i];
	p->depth = 1; /* the convolution's plaintext products */

	/* Walk the rest: [poly] then runs of linear layers. */
	bool pending = false, *prev_square = &p->square0;
	double *prev_beta = &p->beta0, act_scale = 1, act_gamma = 0;
	size_t li = 1, in_period = p->B;
	bool first_stage = true;
	while (s == HEC_OK && li < nl) {
		hec_ml_model_layer(&L, m, li);
		if (L.kind == HEC_ML_POLY) {
			if (pending) {
				s = hec_error_set(HEC_ERR_UNSUPPORTED,
				                  "encrypted plan: two activations in a row");
				break;
			}
			if (li == nl - 1) {
				/* A final activation: a binary model's training sigmoid,
				 * monotone, so the logit decides; skip it. */
				if (hec_ml_model_task(m) == HEC_ML_BINARY)
					break;
				s = hec_error_set(
				    HEC_ERR_UNSUPPORTED,
				    "encrypted plan: a multiclass model ending in an activation");
				break;
			}
			s = split_activation(&L, prev_square, prev_beta, &act_scale, &act_gamma);
			if (s == HEC_OK && *prev_square)
				p->depth++;
			pending = true;
			li++;
			continue;
		}
		/* A run of linear layers, merged. */
		struct affine a = {0};
		s = layer_affine(&a, &L);
		for (li++; s == HEC_OK && li < nl; li++) {
			hec_ml_layer_t N;
			hec_ml_model_layer(&N, m, li);
			if (N.kind == HEC_ML_POLY)
				break;
			struct affine l = {0};
			s = layer_affine(&l, &N);
			if (s == HEC_OK)
				s = affine_compose(&a, &l);
			affine_clear(&l);
		}
		if (s == HEC_OK && pending)
			fold_activation(&a, act_scale, act_gamma);
		pending = false;
		struct stage *st = &p->st[p->nst];
		if (s == HEC_OK && pow2_at_least(a.rows) > ENC_SLOTS)
			s = hec_error_set(HEC_ERR_UNSUPPORTED,
			                  "encrypted plan: a layer with %zu outputs exceeds %zu slots",
			                  a.rows, ENC_SLOTS);
		if (s == HEC_OK) {
			st->rows = a.rows;
			st->period = in_period;
			st->A = calloc(a.rows * in_period, sizeof *st->A);
			st->bias = a.b;
			a.b = NULL;
			if (!st->A)
				s = hec_error_set(HEC_ERR_NOMEM, "encrypted plan: out of memory");
		}
		/* Logical input column l sits at physical slot phys(l) of the
		 * period: map-major blocks after the first convolution, packed
		 * after a matrix product. */
		for (size_t r = 0; s == HEC_OK && r < a.rows; r++)
			for (size_t l = 0; l < a.cols; l++) {
				size_t phys = first_stage ? (l / p->P) * p->P_pad + l % p->P : l;
				st->A[r * in_period + phys] = a.A[r * a.cols + l];
			}
		affine_clear(&a);
		if (s != HEC_OK)
			break;
		p->nst++;
		p->depth++;
		prev_square = &st->square;
		prev_beta = &st->beta;
		in_period = pow2_at_least(st->rows);
		first_stage = false;
	}
	if (s == HEC_OK && pending)
		s = hec_error_set(HEC_ERR_UNSUPPORTED,
		                  "encrypted plan: an activation with no layer after it");
	p->depth++; /* the final mask */
	if (s != HEC_OK) {
		hec_ml_enc_plan_free(p);
		return s;
	}
	*dst = p;
	return HEC_OK;
}

size_t hec_ml_enc_plan_depth(const hec_ml_enc_plan *p)
{
	return p->depth;
}
size_t hec_ml_enc_plan_input_cts(const hec_ml_enc_plan *p)
{
	return p->ncts;
}

hec_status hec_ml_enc_plan_params(const hec_ml_enc_plan *p, hec_params_t *params)
{
	hec_status s =
	    hec_params_for_depth(params, (unsigned)p->depth, ENC_PRECISION, HEC_SECURITY_128, NULL, 0);
	if (s != HEC_OK)
		return s;
	if (params->log_n > ENC_LOG_N)
		return hec_error_set(HEC_ERR_UNSUPPORTED,
		                     "encrypted plan: depth %zu needs N = 2^%u; the packing assumes N = 2^%d",
		                     p->depth, params->log_n, ENC_LOG_N);
	/* A larger ring than needed is only more secure. */
	params->log_n = ENC_LOG_N;
	return HEC_OK;
}

size_t hec_ml_enc_plan_steps(const hec_ml_enc_plan *p, int64_t *steps, size_t max)
{
	/* The steps depend only on the shapes, not on a context: mirror
	 * hec_linear_transform_steps with every diagonal assumed present
	 * unless the matrix proves it zero. */
	size_t count = 0;
#define PUSH(x)                                                                                              \
	do {                                                                                                 \
		int64_t v_ = (x);                                                                            \
		bool dup_ = false;                                                                           \
		for (size_t d_ = 0; d_ < count && d_ < max; d_++)                                            \
			dup_ |= steps[d_] == v_;                                                             \
		if (!dup_) {                                                                                 \
			if (count < max)                                                                     \
				steps[count] = v_;                                                           \
			count++;                                                                             \
		}                                                                                            \
	} while (0)
	for (size_t span = p->B; span < p->B * p->G; span <<= 1)
		PUSH((int64_t)span);
	for (size_t i = 0; i < p->nst; i++) {
		const struct stage *st = &p->st[i];
		size_t m = pow2_at_least(st->rows), n = st->period > m ? st->period : m, n1 = 1;
		while (n1 * n1 < m)
			n1 <<= 1;
		size_t n2 = m / n1;
		/* Diagonal d (< m) is zero iff A[j mod m][(j + d) mod n] = 0 for all j. */
		bool *used = calloc(m, sizeof *used);
		for (size_t d = 0; used && d < m; d++)
			for (size_t j = 0; j < n && !used[d]; j++) {
				size_t r = j % m, c = (j + d) % n;
				used[d] = r < st->rows && c < st->period && st->A[r * st->period + c] != 0;
			}
		for (size_t b = 1; b < n1; b++) {
			bool u = !used;
			for (size_t g = 0; g < n2 && !u; g++)
				u = used[g * n1 + b];
			if (u)
				PUSH((int64_t)b);
		}
		for (size_t g = 1; g < n2; g++) {
			bool u = !used;
			for (size_t b = 0; b < n1 && !u; b++)
				u = used[g * n1 + b];
			if (u)
				PUSH((int64_t)(g * n1));
		}
		free(used);
		for (size_t span = m; span < n; span <<= 1)
			PUSH((int64_t)span);
	}
#undef PUSH
	return count;
}

void hec_ml_enc_plan_describe(const hec_ml_enc_plan *p, char *buf, size_t len)
{
	size_t off = 0;
#define OUT(...)                                                                                             \
	do {                                                                                                 \
		int n_ = snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__);                        \
		if (n_ > 0)                                                                                  \
			off += (size_t)n_;                                                                   \
	} while (0)
	size_t level = p->depth;
	OUT("input:   %zu ciphertexts (im2col: %zu kernel offsets, %zu per ciphertext, blocks of %zu "
	    "slots)\n",
	    p->ncts, p->KK, p->G, p->B);
	size_t rot = 0;
	for (size_t g = p->G; g > 1; g >>= 1)
		rot++;
	OUT("conv:    %zu maps x %zu positions: %zu ct x pt, %zu rotations, 1 rescale, level %zu -> %zu\n",
	    p->maps, p->P, p->ncts, rot, level, level - 1);
	level--;
	if (p->square0) {
		OUT("act:     (y + %.4g)^2: 1 ct x ct + relinearisation, 1 rescale, level %zu -> %zu\n",
		    p->beta0, level, level - 1);
		level--;
	}
	for (size_t i = 0; i < p->nst; i++) {
		const struct stage *st = &p->st[i];
		size_t m = pow2_at_least(st->rows), n = st->period > m ? st->period : m, n1 = 1;
		while (n1 * n1 < m)
			n1 <<= 1;
		size_t chunks = 0;
		for (size_t span = m; span < n; span <<= 1)
			chunks++;
		OUT("linear:  %zu outputs from a period of %zu: %zu diagonals, <= %zu hoisted + %zu giant + "
		    "%zu chunk "
		    "rotations, %zu ct x pt, 1 rescale, level %zu -> %zu\n",
		    st->rows, st->period, m, n1 - 1, m / n1 - 1, chunks, m, level, level - 1);
		level--;
		if (st->square) {
			OUT("act:     (y + %.4g)^2: 1 ct x ct + relinearisation, 1 rescale, level %zu -> "
			    "%zu\n",
			    st->beta, level, level - 1);
			level--;
		}
	}
	OUT("mask:    1 ct x pt, 1 rescale, level %zu -> %zu; re-randomise: 1 public-key encryption of "
	    "zero\n",
	    level, level - 1);
#undef OUT
}

/* The folded plan in doubles.  y0 is the first convolution's output in
 * logical order (maps x P). */
hec_status hec_ml_enc_plan_simulate(const hec_ml_enc_plan *p, double *scores, const float *input)
{
	size_t maxw = p->maps * p->P;
	for (size_t i = 0; i < p->nst; i++)
		if (p->st[i].rows > maxw)
			maxw = p->st[i].rows;
	double *x = calloc(maxw, sizeof *x), *y = calloc(maxw, sizeof *y);
	if (!x || !y) {
		free(x);
		free(y);
		return hec_error_set(HEC_ERR_NOMEM, "simulate: out of memory");
	}
	for (size_t mm = 0; mm < p->maps; mm++)
		for (size_t pos = 0; pos < p->P; pos++) {
			size_t oy = pos / p->ow, ox = pos % p->ow;
			double acc = p->bias0[mm];
			for (size_t k = 0; k < p->KK; k++) {
				size_t ci = k / (p->k * p->k), ky = k / p->k % p->k, kx = k % p->k;
				long iy = (long)(oy * p->stride + ky) - (long)p->pad,
				     ix = (long)(ox * p->stride + kx) - (long)p->pad;
				if (iy < 0 || ix < 0 || iy >= (long)p->in_h || ix >= (long)p->in_w)
					continue;
				acc += p->w0[mm * p->KK + k] *
				       input[(ci * p->in_h + (size_t)iy) * p->in_w + (size_t)ix];
			}
			x[mm * p->P + pos] = p->square0 ? (acc + p->beta0) * (acc + p->beta0) : acc;
		}
	size_t n_in = p->maps * p->P;
	for (size_t i = 0; i < p->nst; i++) {
		const struct stage *st = &p->st[i];
		for (size_t r = 0; r < st->rows; r++) {
			double acc = st->bias[r];
			for (size_t l = 0; l < n_in; l++) {
				size_t phys = i == 0 ? (l / p->P) * p->P_pad + l % p->P : l;
				acc += st->A[r * st->period + phys] * x[l];
			}
			y[r] = st->square ? (acc + st->beta) * (acc + st->beta) : acc;
		}
		memcpy(x, y, st->rows * sizeof *x);
		n_in = st->rows;
	}
	for (size_t i = 0; i < p->n_out; i++)
		scores[i] = x[i];
	free(x);
	free(y);
	return HEC_OK;
}

hec_status hec_ml_enc_encrypt_input(const hec_ml_enc_plan *p, const hec_secret_key *sk,
                                    hec_ciphertext *const *cts, const float *input)
{
	const hec_context *c = hec_secret_key_context(sk);
	if (hec_context_slots(c) != ENC_SLOTS)
		return hec_error_set(HEC_ERR_MISMATCH,
		                     "encrypt: the keys' parameters do not match this model's packing");
	double *v = calloc(ENC_SLOTS, sizeof *v);
	hec_plaintext *pt;
	hec_status s = v ? hec_plaintext_new(&pt, c) : hec_error_set(HEC_ERR_NOMEM, "encrypt: out of memory");
	if (s != HEC_OK) {
		free(v);
		return s;
	}
	size_t top = hec_context_max_level(c);
	double scale = exp2(hec_context_params(c)->log_scale);
	for (size_t g = 0; g < p->ncts && s == HEC_OK; g++) {
		memset(v, 0, ENC_SLOTS * sizeof *v);
		for (size_t j = 0; j < p->G; j++) {
			size_t k = g * p->G + j;
			if (k >= p->KK)
				break;
			size_t ci = k / (p->k * p->k), ky = k / p->k % p->k, kx = k % p->k;
			for (size_t pos = 0; pos < p->P; pos++) {
				size_t oy = pos / p->ow, ox = pos % p->ow;
				long iy = (long)(oy * p->stride + ky) - (long)p->pad,
				     ix = (long)(ox * p->stride + kx) - (long)p->pad;
				if (iy < 0 || ix < 0 || iy >= (long)p->in_h || ix >= (long)p->in_w)
					continue;
				double px = input[(ci * p->in_h + (size_t)iy) * p->in_w + (size_t)ix];
				for (size_t mm = 0; mm < p->maps; mm++)
					v[j * p->B + mm * p->P_pad + pos] = px;
			}
		}
		s = hec_ckks_encode_real(pt, v, ENC_SLOTS, ENC_SLOTS, top, scale);
		if (s == HEC_OK)
			s = hec_encrypt_symmetric(cts[g], sk, pt);
	}
	hec_plaintext_free(pt);
	free(v);
	return s;
}

struct hec_ml_enc_model {
	const hec_ml_enc_plan *plan;
	const hec_context *ctx;
	hec_plaintext **w0; /* ncts */
	hec_plaintext *bias0;
	hec_linear_transform *lt[HEC_ML_MAX_LAYERS];
	hec_plaintext *bias[HEC_ML_MAX_LAYERS];
	hec_plaintext *mask;
};

void hec_ml_enc_model_free(hec_ml_enc_model *em)
{
	if (!em)
		return;
	for (size_t g = 0; em->w0 && g < em->plan->ncts; g++)
		hec_plaintext_free(em->w0[g]);
	free(em->w0);
	hec_plaintext_free(em->bias0);
	for (size_t i = 0; i < em->plan->nst; i++) {
		hec_linear_transform_free(em->lt[i]);
		hec_plaintext_free(em->bias[i]);
	}
	hec_plaintext_free(em->mask);
	free(em);
}

/* A real vector of `period` entries, repeated over the slots. */
static hec_status encode_periodic(hec_plaintext **pt, const hec_context *c, const double *v, size_t period,
                                  size_t level, double scale)
{
	hec_status s = hec_plaintext_new(pt, c);
	if (s == HEC_OK)
		s = hec_ckks_encode_real(*pt, v, period, period, level, scale);
	return s;
}

hec_status hec_ml_enc_model_new(hec_ml_enc_model **dst, const hec_ml_enc_plan *p, const hec_context *c)
{
	*dst = NULL;
	if (hec_context_slots(c) != ENC_SLOTS || hec_context_max_level(c) < p->depth)
		return hec_error_set(HEC_ERR_MISMATCH,
		                     "encrypted model: the parameters (%zu slots, %zu levels) do not fit "
		                     "the plan (%zu slots, %zu levels)",
		                     hec_context_slots(c), hec_context_max_level(c), ENC_SLOTS, p->depth);
	hec_ml_enc_model *em = calloc(1, sizeof *em);
	if (!em)
		return hec_error_set(HEC_ERR_NOMEM, "encrypted model: out of memory");
	em->plan = p;
	em->ctx = c;
	const hec_ring *r = hec_context_ring(c);
	size_t level = hec_context_max_level(c);
	double scale = exp2(hec_context_params(c)->log_scale);
	double *v = calloc(ENC_SLOTS, sizeof *v);
	em->w0 = calloc(p->ncts, sizeof *em->w0);
	hec_status s = v && em->w0 ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "encrypted model: out of memory");
	/* Convolution weights at the top level, scale q_top (the rescale
	 * restores the input's scale). */
	for (size_t g = 0; g < p->ncts && s == HEC_OK; g++) {
		memset(v, 0, ENC_SLOTS * sizeof *v);
		for (size_t j = 0; j < p->G; j++) {
			size_t k = g * p->G + j;
			for (size_t mm = 0; k < p->KK && mm < p->maps; mm++)
				for (size_t pos = 0; pos < p->P; pos++)
					v[j * p->B + mm * p->P_pad + pos] = p->w0[mm * p->KK + k];
		}
		s = encode_periodic(&em->w0[g], c, v, ENC_SLOTS, level, (double)hec_ring_q(r, level));
	}
	level--;
	if (s == HEC_OK) {
		memset(v, 0, ENC_SLOTS * sizeof *v);
		for (size_t mm = 0; mm < p->maps; mm++)
			for (size_t pos = 0; pos < p->P; pos++)
				v[mm * p->P_pad + pos] = p->bias0[mm];
		s = encode_periodic(&em->bias0, c, v, p->B, level, scale);
	}
	if (p->square0) {
		scale = scale * scale / (double)hec_ring_q(r, level);
		level--;
	}
	for (size_t i = 0; i < p->nst && s == HEC_OK; i++) {
		const struct stage *st = &p->st[i];
		s = hec_linear_transform_new(&em->lt[i], c, st->A, st->rows, st->period, st->period, level);
		level--;
		size_t m = hec_linear_transform_out_period(em->lt[i]);
		if (s == HEC_OK) {
			memset(v, 0, m * sizeof *v);
			memcpy(v, st->bias, st->rows * sizeof *v);
			s = encode_periodic(&em->bias[i], c, v, m, level, scale);
		}
		if (st->square) {
			scale = scale * scale / (double)hec_ring_q(r, level);
			level--;
		}
	}
	if (s == HEC_OK) {
		memset(v, 0, ENC_SLOTS * sizeof *v);
		for (size_t i = 0; i < p->n_out; i++)
			v[i] = 1;
		s = encode_periodic(&em->mask, c, v, ENC_SLOTS, level, (double)hec_ring_q(r, level));
	}
	free(v);
	if (s != HEC_OK) {
		hec_ml_enc_model_free(em);
		return s;
	}
	*dst = em;
	return HEC_OK;
}

static hec_status square_shifted(hec_evaluator *ev, hec_ciphertext *x, double beta)
{
	hec_status s = beta != 0 ? hec_ckks_add_const(ev, x, x, beta) : HEC_OK;
	if (s == HEC_OK)
		s = hec_ckks_mul_relin_rescale(ev, x, x, x);
	return s;
}

hec_status hec_ml_enc_classify(const hec_ml_enc_model *em, hec_evaluator *ev, const hec_public_key *pk,
                               hec_ciphertext *out, hec_ciphertext *const *in)
{
	const hec_ml_enc_plan *p = em->plan;
	const hec_context *c = em->ctx;
	size_t top = hec_context_max_level(c);
	for (size_t g = 0; g < p->ncts; g++)
		if (hec_ciphertext_context(in[g]) != c || hec_ciphertext_level(in[g]) != top ||
		    hec_ciphertext_size(in[g]) != 2)
			return hec_error_set(
			    HEC_ERR_MISMATCH,
			    "classify: input ciphertext %zu is not a fresh encryption under these parameters",
			    g);
	hec_ciphertext *tmp;
	hec_status s = hec_ciphertext_new(&tmp, c);
	if (s != HEC_OK)
		return s;
	s = hec_ckks_mul_plain(ev, out, in[0], em->w0[0]);
	for (size_t g = 1; g < p->ncts && s == HEC_OK; g++) {
		s = hec_ckks_mul_plain(ev, tmp, in[g], em->w0[g]);
		if (s == HEC_OK)
			s = hec_ckks_add(ev, out, out, tmp);
	}
	if (s == HEC_OK)
		s = hec_ckks_rescale(ev, out, out);
	if (s == HEC_OK && p->G > 1)
		s = hec_ckks_rotate_sum(ev, out, out, p->G, (int64_t)p->B);
	if (s == HEC_OK)
		s = hec_ckks_add_plain(ev, out, out, em->bias0);
	if (s == HEC_OK && p->square0)
		s = square_shifted(ev, out, p->beta0);
	for (size_t i = 0; i < p->nst && s == HEC_OK; i++) {
		s = hec_ckks_linear_transform(ev, out, out, em->lt[i]);
		if (s == HEC_OK)
			s = hec_ckks_add_plain(ev, out, out, em->bias[i]);
		if (s == HEC_OK && p->st[i].square)
			s = square_shifted(ev, out, p->st[i].beta);
	}
	if (s == HEC_OK)
		s = hec_ckks_mul_plain(ev, out, out, em->mask);
	if (s == HEC_OK)
		s = hec_ckks_rescale(ev, out, out);
	if (s == HEC_OK && pk)
		s = enc_rerandomize(ev, pk, out, tmp);
	hec_ciphertext_free(tmp);
	return s;
}

hec_status enc_rerandomize(hec_evaluator *ev, const hec_public_key *pk, hec_ciphertext *ct,
                           hec_ciphertext *tmp)
{
	hec_plaintext *zero;
	hec_status s = hec_plaintext_new(&zero, hec_ciphertext_context(ct));
	if (s == HEC_OK)
		s = hec_ckks_encode_real(zero, NULL, 0, 1, hec_ciphertext_level(ct),
		                         hec_ciphertext_scale(ct));
	if (s == HEC_OK)
		s = hec_encrypt(tmp, pk, zero);
	if (s == HEC_OK)
		s = hec_ckks_add(ev, ct, ct, tmp);
	hec_plaintext_free(zero);
	return s;
}

hec_status hec_ml_enc_decrypt_scores(const hec_ml_enc_plan *p, const hec_secret_key *sk,
                                     const hec_ciphertext *out, double *scores)
{
	const hec_context *c = hec_secret_key_context(sk);
	if (hec_ciphertext_context(out) != c)
		return hec_error_set(HEC_ERR_MISMATCH,
		                     "decrypt: the result belongs to other parameters than the key");
	hec_plaintext *pt;
	double complex *v = malloc(ENC_SLOTS * sizeof *v);
	hec_status s = v ? hec_plaintext_new(&pt, c) : hec_error_set(HEC_ERR_NOMEM, "decrypt: out of memory");
	if (s != HEC_OK) {
		free(v);
		return s;
	}
	s = hec_decrypt(pt, sk, out);
	if (s == HEC_OK)
		s = hec_ckks_decode(v, ENC_SLOTS, pt);
	for (size_t i = 0; s == HEC_OK && i < p->n_out; i++)
		scores[i] = creal(v[i]);
	hec_plaintext_free(pt);
	free(v);
	return s;
}
