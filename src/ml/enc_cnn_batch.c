/* Encrypted CNN inference, throughput layout (CryptoNets: Gilad-Bachrach,
 * Dowlin, Laine, Lauter, Naehrig, Wernsing, ICML 2016): slot s of every
 * ciphertext belongs to image s, and there is one ciphertext per input
 * pixel, per hidden unit and per score.  Every linear layer is then a
 * weighted sum of ciphertexts (hec_ckks_lincomb, no rotations and no Galois
 * keys at all), every activation one squaring per unit, and a batch of N/2
 * images costs the same as one.  The same folded plan as the latency
 * layout (enc_cnn.c) drives it; no final mask is needed (the slots hold
 * nothing but scores). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "enc_cnn_internal.h"

size_t hec_ml_enc_batch_input_cts(const hec_ml_enc_plan *p)
{
	return p->in_c * p->in_h * p->in_w;
}

size_t hec_ml_enc_batch_depth(const hec_ml_enc_plan *p)
{
	return p->depth - 1; /* no mask */
}

hec_status hec_ml_enc_batch_encrypt(const hec_ml_enc_plan *p, const hec_secret_key *sk, hec_ciphertext *const *cts,
                                    const float *inputs, size_t count)
{
	const hec_context *c = hec_secret_key_context(sk);
	size_t slots = hec_context_slots(c), in = hec_ml_enc_batch_input_cts(p);
	if (count < 1 || count > slots)
		return hec_error_set(HEC_ERR_ARG, "batch encrypt: %zu images; this context holds 1 to %zu", count, slots);
	if (hec_context_max_level(c) < hec_ml_enc_batch_depth(p))
		return hec_error_set(HEC_ERR_MISMATCH, "batch encrypt: the parameters have %zu levels, the model needs %zu",
		                     hec_context_max_level(c), hec_ml_enc_batch_depth(p));
	double *v = malloc(count * sizeof *v);
	hec_plaintext *pt;
	hec_status s = v ? hec_plaintext_new(&pt, c) : hec_error_set(HEC_ERR_NOMEM, "batch encrypt: out of memory");
	if (s != HEC_OK) {
		free(v);
		return s;
	}
	double scale = exp2(hec_context_params(c)->log_scale);
	for (size_t j = 0; j < in && s == HEC_OK; j++) {
		for (size_t i = 0; i < count; i++)
			v[i] = inputs[i * in + j];
		s = hec_ckks_encode_real(pt, v, count, slots, hec_context_max_level(c), scale);
		if (s == HEC_OK)
			s = hec_encrypt_symmetric(cts[j], sk, pt);
	}
	hec_plaintext_free(pt);
	free(v);
	return s;
}

/* A worker thread's first failure, with its detail (which is per thread). */
struct row_err {
	hec_status s;
	char msg[256];
};

static void row_keep(struct row_err *e, hec_status s)
{
	if (s == HEC_OK)
		return;
#pragma omp critical(hec_batch_err)
	if (e->s == HEC_OK) {
		e->s = s;
		snprintf(e->msg, sizeof e->msg, "%s", *hec_error_detail() ? hec_error_detail() : hec_status_str(s));
	}
}

/* One output after the sums: rescale, relinearise if the inputs were
 * unrelinearised squares, add the bias (with the folded activation's
 * offset), square without relinearising, rescale. */
static hec_status row_finish(hec_evaluator *ev, hec_ciphertext *y, double add, bool square)
{
	hec_status s = hec_ckks_rescale(ev, y, y);
	if (s == HEC_OK && hec_ciphertext_size(y) == 3)
		s = hec_ckks_relinearize(ev, y, y);
	if (s == HEC_OK && add != 0)
		s = hec_ckks_add_const(ev, y, y, add);
	if (s == HEC_OK && square) {
		s = hec_ckks_mul(ev, y, y, y);
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, y, y);
	}
	return s;
}

/* y[r] = act(sum_l A[r][l] x[l] + bias[r]) for r < rows: one matrix
 * product over all rows (hec_ckks_lincomb_many), then per row the rescale,
 * the bias and the squaring.  Squares are left unrelinearised (three
 * polynomials): the next layer's sums are linear in each polynomial, so
 * its few outputs are relinearised instead of this layer's many squares
 * (845 key switches become 100 in the CryptoNets shape, for sums over one
 * more polynomial). */
static hec_status dense_layer(hec_evaluator *ev, hec_ciphertext **y, hec_ciphertext *const *x, size_t n_in,
                              size_t rows, const double *A, size_t lda, const size_t *col_of, const double *bias,
                              bool square, double beta)
{
	double *W = calloc(rows * n_in, sizeof *W);
	if (!W)
		return hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
	for (size_t r = 0; r < rows; r++)
		for (size_t l = 0; l < n_in; l++)
			W[r * n_in + l] = A[r * lda + (col_of ? col_of[l] : l)];
	hec_status s = hec_ckks_lincomb_many(ev, y, rows, (const hec_ciphertext *const *)x, W, n_in, 0);
	free(W);
	if (s != HEC_OK)
		return s;
	/* The rows are independent: one evaluator per thread, each row's
	 * operations on one thread (the library's per-limb threads would share
	 * a few milliseconds of work per row). */
	int nt = 1;
#ifdef _OPENMP
	nt = omp_get_max_threads();
#endif
	hec_evaluator **evs = calloc((size_t)nt, sizeof *evs);
	if (!evs)
		return hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
	evs[0] = ev;
	for (int t = 1; t < nt && s == HEC_OK; t++)
		s = hec_evaluator_new(&evs[t], hec_evaluator_context(ev), hec_evaluator_keys(ev));
	struct row_err err = {HEC_OK, ""};
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (s == HEC_OK)
	for (size_t r = 0; r < rows; r++) {
		int t = 0;
#ifdef _OPENMP
		t = omp_get_thread_num();
#endif
		row_keep(&err, row_finish(evs[t], y[r], bias[r] + (square ? beta : 0), square));
	}
	for (int t = 1; t < nt; t++)
		hec_evaluator_free(evs[t]);
	free(evs);
	if (s != HEC_OK)
		return s;
	return err.s == HEC_OK ? HEC_OK : hec_error_set(err.s, "%s", err.msg);
}

static void free_cts(hec_ciphertext **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		hec_ciphertext_free(v[i]);
	free(v);
}

static hec_ciphertext **new_cts(const hec_context *c, size_t n)
{
	hec_ciphertext **v = calloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; v && i < n; i++)
		if (hec_ciphertext_new(&v[i], c) != HEC_OK) {
			free_cts(v, i);
			return NULL;
		}
	return v;
}

hec_status hec_ml_enc_batch_classify(const hec_ml_enc_plan *p, hec_evaluator *ev, hec_ciphertext *const *out,
                                     hec_ciphertext *const *in, void (*progress)(size_t done, size_t total, void *),
                                     void *user)
{
	const hec_context *c = hec_ciphertext_context(in[0]);
	size_t n_in = hec_ml_enc_batch_input_cts(p), n0 = p->maps * p->P;
	for (size_t j = 0; j < n_in; j++)
		if (hec_ciphertext_context(in[j]) != c || hec_ciphertext_level(in[j]) != hec_context_max_level(c))
			return hec_error_set(HEC_ERR_MISMATCH, "batch classify: input %zu is not a fresh ciphertext of these "
			                     "parameters", j);
	size_t total = 1 + p->nst, done = 0;
	/* Stage 0, the first convolution, as an n0 x n_in matrix. */
	double *A0 = calloc(n0 * n_in, sizeof *A0), *b0 = malloc(n0 * sizeof *b0);
	hec_ciphertext **x = new_cts(c, n0), **y = NULL;
	hec_status s = A0 && b0 && x ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
	for (size_t m = 0; s == HEC_OK && m < p->maps; m++)
		for (size_t pos = 0; pos < p->P; pos++) {
			size_t oy = pos / p->ow, ox = pos % p->ow, r = m * p->P + pos;
			b0[r] = p->bias0[m];
			for (size_t k = 0; k < p->KK; k++) {
				size_t ci = k / (p->k * p->k), ky = k / p->k % p->k, kx = k % p->k;
				long iy = (long)(oy * p->stride + ky) - (long)p->pad, ix = (long)(ox * p->stride + kx) - (long)p->pad;
				if (iy < 0 || ix < 0 || iy >= (long)p->in_h || ix >= (long)p->in_w)
					continue;
				A0[r * n_in + (ci * p->in_h + (size_t)iy) * p->in_w + (size_t)ix] += p->w0[m * p->KK + k];
			}
		}
	if (s == HEC_OK)
		s = dense_layer(ev, x, in, n_in, n0, A0, n_in, NULL, b0, p->square0, p->beta0);
	free(A0);
	free(b0);
	if (progress && s == HEC_OK)
		progress(++done, total, user);
	size_t width = n0;
	size_t *col_of = malloc(n0 * sizeof *col_of);
	if (!col_of && s == HEC_OK)
		s = hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
	for (size_t l = 0; col_of && l < n0; l++)
		col_of[l] = enc_stage1_phys(p, l);
	for (size_t i = 0; i < p->nst && s == HEC_OK; i++) {
		const struct stage *st = &p->st[i];
		bool last = i + 1 == p->nst;
		y = last ? NULL : new_cts(c, st->rows);
		hec_ciphertext **dst = last ? (hec_ciphertext **)out : y;
		if (!dst) {
			s = hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
			break;
		}
		s = dense_layer(ev, dst, x, width, last ? p->n_out : st->rows, st->A, st->period, i == 0 ? col_of : NULL,
		                st->bias, st->square, st->beta);
		free_cts(x, width);
		x = y;
		width = st->rows;
		if (progress && s == HEC_OK)
			progress(++done, total, user);
	}
	if (p->nst == 0 && s == HEC_OK)
		s = hec_error_set(HEC_ERR_UNSUPPORTED, "batch classify: the model has no layer after the convolution");
	if (s != HEC_OK || p->nst == 0)
		free_cts(x, width);
	free(col_of);
	return s;
}

hec_status hec_ml_enc_batch_decrypt(const hec_ml_enc_plan *p, const hec_secret_key *sk, double *scores, size_t count,
                                    hec_ciphertext *const *out)
{
	const hec_context *c = hec_secret_key_context(sk);
	size_t slots = hec_context_slots(c);
	if (count > slots)
		return hec_error_set(HEC_ERR_ARG, "batch decrypt: %zu images; at most %zu", count, slots);
	double complex *v = malloc(slots * sizeof *v);
	hec_plaintext *pt;
	hec_status s = v ? hec_plaintext_new(&pt, c) : hec_error_set(HEC_ERR_NOMEM, "batch decrypt: out of memory");
	if (s != HEC_OK) {
		free(v);
		return s;
	}
	for (size_t i = 0; i < p->n_out && s == HEC_OK; i++) {
		s = hec_decrypt(pt, sk, out[i]);
		if (s == HEC_OK)
			s = hec_ckks_decode(v, slots, pt);
		for (size_t j = 0; s == HEC_OK && j < count; j++)
			scores[j * p->n_out + i] = creal(v[j]);
	}
	hec_plaintext_free(pt);
	free(v);
	return s;
}
