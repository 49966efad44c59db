/* Encrypted CNN inference, throughput layout (CryptoNets: Gilad-Bachrach,
 * Dowlin, Laine, Lauter, Naehrig, Wernsing, ICML 2016): slot s of every
 * ciphertext belongs to image s, and there is one ciphertext per input
 * pixel, per hidden unit and per score.  Every linear layer is then a
 * weighted sum of ciphertexts (hec_ckks_lincomb, no rotations and no Galois
 * keys at all), every activation one squaring per unit, and a batch of N/2
 * images costs the same as one.  The same folded plan as the latency
 * layout (enc_cnn.c) drives it; no final mask is needed (the slots hold
 * nothing but scores).
 *
 * Scales and primes.  The cost of every step is proportional to the number
 * of limbs it runs on, so the layout spends one prime per linear layer and
 * none per activation: each layer's sums are rescaled once, straight to the
 * scale its activation wants, and the square is left unrescaled, its
 * doubled scale absorbed by the next layer's (wider) prime.  In log2:
 * inputs at 34; a layer's sums at (its input scale + about 21, the
 * weights' scale), rescaled by a prime chosen to land on 28 (hidden) or 38
 * (scores); a square doubles 28 to 56.  For the CryptoNets shape that is 4
 * primes (27 + 49 + 39 + 50 bits) where one rescale per multiplication at
 * a uniform scale needed 6, and the first dense layer, the bulk of the
 * work, runs on 3 limbs instead of 4.  Precision: fresh noise (~2^9) at
 * 2^34 and rescaling noise (~2^7) at 2^28 leave about 20 bits in every
 * hidden value, weights are rounded to about 2^-21; the plan tests compare
 * the scores to 2^-8.  Unrelinearised sums are relinearised before their
 * rescale, which divides the key switch's noise (~N sigma for a digit as
 * wide as P) by the prime. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "enc_cnn_internal.h"
#include "worker_err.h"

#define LOG_IN     34 /* inputs */
#define LOG_HIDDEN 28 /* a hidden layer's sums after their rescale */
#define LOG_OUT    38 /* the scores */
#define LOG_W      21 /* a layer's weights, about: the prime sets it exactly */
#define LOG_BASE   50 /* q_0: scores up to 2^11 in magnitude */
#define LOG_W_MIN  16 /* a chain giving the weights fewer bits is refused */
#define LOG_W_MAX  40

/* Linear layers: the convolution and the plan's stages. */
static size_t layers(const hec_ml_enc_plan *p)
{
	return 1 + p->nst;
}

/* log2 of layer j's input scale and of its sums' scale after the rescale. */
static unsigned layer_log_in(const hec_ml_enc_plan *p, size_t j)
{
	if (j == 0)
		return LOG_IN;
	bool squared = j == 1 ? p->square0 : p->st[j - 2].square;
	return squared ? 2 * LOG_HIDDEN : LOG_HIDDEN;
}

static unsigned layer_log_out(const hec_ml_enc_plan *p, size_t j)
{
	return j + 1 == layers(p) ? LOG_OUT : LOG_HIDDEN;
}

size_t hec_ml_enc_batch_input_cts(const hec_ml_enc_plan *p)
{
	return p->in_c * p->in_h * p->in_w;
}

size_t hec_ml_enc_batch_depth(const hec_ml_enc_plan *p)
{
	return layers(p);
}

hec_status hec_ml_enc_batch_params(const hec_ml_enc_plan *p, hec_security sec, hec_params_t *out)
{
	const size_t nl = layers(p);
	if (nl + 1 > HEC_PARAMS_MAX_Q)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "batch parameters: %zu layers is too many", nl);
	hec_params_t q = {0};
	q.scheme = HEC_SCHEME_CKKS;
	q.nq = (unsigned)nl + 1;
	q.q_bits[0] = LOG_BASE;
	/* Layer j rescales by q_{nl - j}: the chain lists the layers from the
	 * last one down, q_1 being the scores' prime. */
	unsigned log_q = LOG_BASE;
	for (size_t j = 0; j < nl; j++) {
		int bits = LOG_W + (int)layer_log_in(p, j) - (int)layer_log_out(p, j);
		bits = bits < 24 ? 24 : bits > 50 ? 50 : bits;
		q.q_bits[nl - j] = (unsigned)bits;
		log_q += (unsigned)bits;
	}
	/* Relinearisation only (no rotations): one digit per prime, and one
	 * special prime as wide as the widest. */
	q.np = 1;
	q.p_bits[0] = 50;
	q.dnum = q.nq;
	q.log_scale = LOG_IN;
	q.security = sec;
	/* N = 2^14 at least: per image a batch of 8192 ran 10-15% faster than
	 * one of 4096 at 2^13 (the fixed costs per ciphertext and per call
	 * are shared by twice the images). */
	for (q.log_n = 14; q.log_n <= 17; q.log_n++) {
		unsigned bound = hec_security_max_log_qp(q.log_n, sec);
		if (bound && log_q + 50 < bound) {
			*out = q;
			return HEC_OK;
		}
	}
	return hec_error_set(HEC_ERR_INSECURE,
	                     "batch parameters: log QP = %u bits reaches no ring at this security",
	                     log_q + 50);
}

/* The weights' scale of layer j, whose inputs are at `scale` on `level`:
 * the one that makes the rescale land on the layer's output scale. */
static hec_status layer_weight_scale(double *ws, const hec_ml_enc_plan *p, size_t j, const hec_context *c,
                                     size_t level, double scale)
{
	if (level == 0)
		return hec_error_set(HEC_ERR_LEVEL,
		                     "batch classify: no level left for layer %zu (parameters from "
		                     "hec_ml_enc_batch_params have one per layer)",
		                     j + 1);
	*ws = exp2(layer_log_out(p, j)) * (double)hec_ring_q(hec_context_ring(c), level) / scale;
	if (!(*ws >= exp2(LOG_W_MIN) && *ws <= exp2(LOG_W_MAX)))
		return hec_error_set(HEC_ERR_MISMATCH,
		                     "batch classify: layer %zu's weights would be scaled by 2^%.1f "
		                     "(outside 2^%d..2^%d): use the chain of hec_ml_enc_batch_params",
		                     j + 1, log2(*ws), LOG_W_MIN, LOG_W_MAX);
	return HEC_OK;
}

hec_status hec_ml_enc_batch_encrypt(const hec_ml_enc_plan *p, const hec_secret_key *sk,
                                    hec_ciphertext *const *cts, const float *inputs, size_t count)
{
	const hec_context *c = hec_secret_key_context(sk);
	size_t slots = hec_context_slots(c), in = hec_ml_enc_batch_input_cts(p);
	if (count < 1 || count > slots)
		return hec_error_set(HEC_ERR_ARG, "batch encrypt: %zu images; this context holds 1 to %zu",
		                     count, slots);
	if (hec_context_max_level(c) < hec_ml_enc_batch_depth(p))
		return hec_error_set(HEC_ERR_MISMATCH,
		                     "batch encrypt: the parameters have %zu levels, the model needs %zu",
		                     hec_context_max_level(c), hec_ml_enc_batch_depth(p));
	/* One input (pixel) ciphertext at a time, spread over the threads. */
	const double scale = exp2(LOG_IN);
	struct ml_worker_err err = {HEC_OK, ""};
#pragma omp parallel
	{
		double *v = malloc(count * sizeof *v);
		hec_plaintext *pt = NULL;
		hec_status ts = v ? hec_plaintext_new(&pt, c)
		                  : hec_error_set(HEC_ERR_NOMEM, "batch encrypt: out of memory");
		ml_worker_err_keep(&err, ts);
#pragma omp for schedule(dynamic, 8)
		for (size_t j = 0; j < in; j++) {
			if (ts != HEC_OK)
				continue;
			for (size_t i = 0; i < count; i++)
				v[i] = inputs[i * in + j];
			ts = hec_ckks_encode_real(pt, v, count, slots, hec_context_max_level(c), scale);
			if (ts == HEC_OK)
				ts = hec_encrypt_symmetric(cts[j], sk, pt);
			ml_worker_err_keep(&err, ts);
		}
		hec_plaintext_free(pt);
		free(v);
	}
	return ml_worker_err_raise(&err);
}

/* One output after the sums: relinearise if the inputs were
 * unrelinearised squares, rescale, add the bias (with the folded
 * activation's offset), square without relinearising or rescaling. */
static hec_status row_finish(hec_evaluator *ev, hec_ciphertext *y, double add, bool square)
{
	hec_status s = HEC_OK;
	if (hec_ciphertext_size(y) == 3)
		s = hec_ckks_relinearize(ev, y, y);
	if (s == HEC_OK)
		s = hec_ckks_rescale(ev, y, y);
	if (s == HEC_OK && add != 0)
		s = hec_ckks_add_const(ev, y, y, add);
	if (s == HEC_OK && square)
		s = hec_ckks_mul(ev, y, y, y);
	return s;
}

/* One evaluator per thread for the per-row work: evs[0] is the caller's,
 * the others are made here (and kept for the whole classification, so
 * their scratch is allocated once).  NULL-filled on failure. */
static hec_status thread_evaluators(hec_evaluator ***evs, int *nt, hec_evaluator *ev)
{
	*nt = 1;
#ifdef _OPENMP
	*nt = omp_get_max_threads();
#endif
	if (!(*evs = calloc((size_t)*nt, sizeof **evs)))
		return hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
	(*evs)[0] = ev;
	hec_status s = HEC_OK;
	for (int t = 1; t < *nt && s == HEC_OK; t++)
		s = hec_evaluator_new(&(*evs)[t], hec_evaluator_context(ev), hec_evaluator_keys(ev));
	return s;
}

static void thread_evaluators_free(hec_evaluator **evs, int nt)
{
	for (int t = 1; evs && t < nt; t++)
		hec_evaluator_free(evs[t]);
	free(evs);
}

/* Per row r < rows of y: row_finish with bias[r] (+ beta when squaring),
 * on evs[thread].  The rows are independent: each row's operations run on
 * one thread (the library's per-limb threads would share a few
 * milliseconds of work per row). */
static hec_status finish_rows(hec_evaluator *const *evs, int nt, hec_ciphertext *const *y, size_t rows,
                              const double *bias, bool square, double beta)
{
	struct ml_worker_err err = {HEC_OK, ""};
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
	for (size_t r = 0; r < rows; r++) {
		int t = 0;
#ifdef _OPENMP
		t = omp_get_thread_num();
#endif
		ml_worker_err_keep(&err, row_finish(evs[t], y[r], bias[r] + (square ? beta : 0), square));
	}
	return ml_worker_err_raise(&err);
}

/* W = the columns cols[0..n) of the rows x ? matrix A (leading dimension
 * lda), or its first n columns if cols is NULL.  NULL when out of memory. */
static double *matrix_columns(const double *A, size_t rows, size_t lda, const size_t *cols, size_t n)
{
	double *W = malloc(rows * n * sizeof *W);
	for (size_t r = 0; W && r < rows; r++)
		for (size_t l = 0; l < n; l++)
			W[r * n + l] = A[r * lda + (cols ? cols[l] : l)];
	return W;
}

/* y[r] (+)= sum_l A[r][cols[l]] x[l] for r < rows, l < n (cols NULL: the
 * first n columns), the weights at scale ws. */
static hec_status layer_sums(hec_evaluator *ev, hec_ciphertext *const *y, size_t rows,
                             hec_ciphertext *const *x, size_t n, const double *A, size_t lda,
                             const size_t *cols, bool add, double ws)
{
	double *W = matrix_columns(A, rows, lda, cols, n);
	if (!W)
		return hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
	const hec_ciphertext *const *xc = (const hec_ciphertext *const *)x;
	hec_status s = add ? hec_ckks_lincomb_many_add(ev, y, rows, xc, W, n, ws)
	                   : hec_ckks_lincomb_many(ev, y, rows, xc, W, n, ws);
	free(W);
	return s;
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

/* The first convolution as an n0 x n_in matrix (row m P + pos: map m at
 * output position pos) and its biases. */
static void conv_matrix(const hec_ml_enc_plan *p, double *A0, double *b0, size_t n_in)
{
	for (size_t m = 0; m < p->maps; m++)
		for (size_t pos = 0; pos < p->P; pos++) {
			size_t oy = pos / p->ow, ox = pos % p->ow, r = m * p->P + pos;
			b0[r] = p->bias0[m];
			for (size_t k = 0; k < p->KK; k++) {
				size_t ci = k / (p->k * p->k), ky = k / p->k % p->k, kx = k % p->k;
				long iy = (long)(oy * p->stride + ky) - (long)p->pad,
				     ix = (long)(ox * p->stride + kx) - (long)p->pad;
				if (iy < 0 || ix < 0 || iy >= (long)p->in_h || ix >= (long)p->in_w)
					continue;
				A0[r * n_in + (ci * p->in_h + (size_t)iy) * p->in_w + (size_t)ix] +=
				    p->w0[m * p->KK + k];
			}
		}
}

/* Convolution outputs per chunk (about): the convolution and the first
 * dense layer are interleaved over chunks of the convolution's outputs
 * (the dense layer's sums added up chunk by chunk), so only a chunk of
 * them exists at a time: 845 ciphertexts of 3 polynomials would be 1.6 GB
 * at N = 2^14, whose allocation and first touch cost more than a second.
 * A chunk is a band of output rows across all maps, which reads only the
 * band of input rows under it (the convolution is memory-bound: an input
 * ciphertext is read once per chunk that uses it). */
#define CONV_CHUNK 260

/* The convolution's output indices (m P + oy ow + ox) of output rows
 * [y0, y1), all maps; their count. */
static size_t conv_band(const hec_ml_enc_plan *p, size_t *idx, size_t y0, size_t y1)
{
	size_t n = 0;
	for (size_t m = 0; m < p->maps; m++)
		for (size_t oy = y0; oy < y1; oy++)
			for (size_t ox = 0; ox < p->ow; ox++)
				idx[n++] = m * p->P + oy * p->ow + ox;
	return n;
}

hec_status hec_ml_enc_batch_classify(const hec_ml_enc_plan *p, hec_evaluator *ev, const hec_public_key *pk,
                                     hec_ciphertext *const *out, hec_ciphertext *const *in,
                                     void (*progress)(size_t done, size_t total, void *), void *user)
{
	const hec_context *c = hec_ciphertext_context(in[0]);
	size_t n_in = hec_ml_enc_batch_input_cts(p), n0 = p->maps * p->P;
	for (size_t j = 0; j < n_in; j++)
		if (hec_ciphertext_context(in[j]) != c ||
		    hec_ciphertext_level(in[j]) != hec_context_max_level(c))
			return hec_error_set(HEC_ERR_MISMATCH,
			                     "batch classify: input %zu is not a fresh ciphertext of these "
			                     "parameters",
			                     j);
	if (p->nst == 0)
		return hec_error_set(HEC_ERR_UNSUPPORTED,
		                     "batch classify: the model has no layer after the convolution");
	const size_t band = CONV_CHUNK / (p->maps * p->ow) ? CONV_CHUNK / (p->maps * p->ow) : 1;
	const size_t chunk = band * p->maps * p->ow, nchunks = (p->oh + band - 1) / band;
	size_t total = nchunks + p->nst, done = 0;
	double *A0 = calloc(n0 * n_in, sizeof *A0), *b0 = malloc(n0 * sizeof *b0);
	double *Ac = malloc(chunk * n_in * sizeof *Ac), *bc = malloc(chunk * sizeof *bc);
	size_t *idx = malloc(chunk * sizeof *idx), *cols = malloc(chunk * sizeof *cols);
	const struct stage *st = &p->st[0];
	const size_t rows1 = p->nst == 1 ? p->n_out : st->rows;
	hec_ciphertext **xs = new_cts(c, chunk), **x = p->nst == 1 ? NULL : new_cts(c, rows1), **y = NULL;
	hec_ciphertext *const *y1 = p->nst == 1 ? out : x;
	hec_status s = A0 && b0 && Ac && bc && idx && cols && xs && y1
	                   ? HEC_OK
	                   : hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
	hec_evaluator **evs = NULL;
	int nt = 1;
	double ws0 = 0, ws1 = 0;
	if (s == HEC_OK)
		s = layer_weight_scale(&ws0, p, 0, c, hec_ciphertext_level(in[0]),
		                       hec_ciphertext_scale(in[0]));
	if (s == HEC_OK)
		s = thread_evaluators(&evs, &nt, ev);
	if (s == HEC_OK)
		conv_matrix(p, A0, b0, n_in);
	/* Stages 0 and 1, band by band. */
	for (size_t y0 = 0; y0 < p->oh && s == HEC_OK; y0 += band) {
		const size_t C = conv_band(p, idx, y0, y0 + band < p->oh ? y0 + band : p->oh);
		for (size_t l = 0; l < C; l++) {
			memcpy(Ac + l * n_in, A0 + idx[l] * n_in, n_in * sizeof *Ac);
			bc[l] = b0[idx[l]];
			cols[l] = enc_stage1_phys(p, idx[l]);
		}
		s = hec_ckks_lincomb_many(ev, xs, C, (const hec_ciphertext *const *)in, Ac, n_in, ws0);
		if (s == HEC_OK)
			s = finish_rows(evs, nt, xs, C, bc, p->square0, p->beta0);
		if (s == HEC_OK && y0 == 0)
			s = layer_weight_scale(&ws1, p, 1, c, hec_ciphertext_level(xs[0]),
			                       hec_ciphertext_scale(xs[0]));
		if (s == HEC_OK)
			s = layer_sums(ev, y1, rows1, xs, C, st->A, st->period, cols, y0 > 0, ws1);
		if (progress && s == HEC_OK)
			progress(++done, total, user);
	}
	free_cts(xs, chunk);
	free(A0);
	free(b0);
	free(Ac);
	free(bc);
	free(idx);
	free(cols);
	if (s == HEC_OK)
		s = finish_rows(evs, nt, y1, rows1, st->bias, st->square, st->beta);
	if (progress && s == HEC_OK)
		progress(++done, total, user);
	/* The remaining dense layers. */
	size_t width = rows1;
	for (size_t i = 1; i < p->nst && s == HEC_OK; i++) {
		st = &p->st[i];
		bool last = i + 1 == p->nst;
		size_t rows = last ? p->n_out : st->rows;
		y = last ? NULL : new_cts(c, rows);
		hec_ciphertext *const *dst = last ? out : y;
		if (!dst) {
			s = hec_error_set(HEC_ERR_NOMEM, "batch classify: out of memory");
			break;
		}
		double ws;
		s = layer_weight_scale(&ws, p, i + 1, c, hec_ciphertext_level(x[0]),
		                       hec_ciphertext_scale(x[0]));
		if (s == HEC_OK)
			s = layer_sums(ev, dst, rows, x, width, st->A, st->period, NULL, false, ws);
		if (s == HEC_OK)
			s = finish_rows(evs, nt, dst, rows, st->bias, st->square, st->beta);
		free_cts(x, width);
		x = y;
		width = rows;
		if (progress && s == HEC_OK)
			progress(++done, total, user);
	}
	if (s != HEC_OK)
		free_cts(x, width);
	thread_evaluators_free(evs, nt);
	if (s == HEC_OK && pk) {
		hec_ciphertext *tmp;
		s = hec_ciphertext_new(&tmp, c);
		for (size_t i = 0; i < p->n_out && s == HEC_OK; i++)
			s = enc_rerandomize(ev, pk, out[i], tmp);
		hec_ciphertext_free(tmp);
	}
	return s;
}

hec_status hec_ml_enc_batch_decrypt(const hec_ml_enc_plan *p, const hec_secret_key *sk, double *scores,
                                    size_t count, hec_ciphertext *const *out)
{
	const hec_context *c = hec_secret_key_context(sk);
	size_t slots = hec_context_slots(c);
	if (count > slots)
		return hec_error_set(HEC_ERR_ARG, "batch decrypt: %zu images; at most %zu", count, slots);
	double complex *v = malloc(slots * sizeof *v);
	hec_plaintext *pt;
	hec_status s =
	    v ? hec_plaintext_new(&pt, c) : hec_error_set(HEC_ERR_NOMEM, "batch decrypt: out of memory");
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
