/* Encrypted logistic-regression training: Nesterov's accelerated gradient
 * on CKKS ciphertexts, after
 *
 *   Kim, Song, Kim, Lee, Cheon, "Logistic regression model training based
 *   on the approximate homomorphic encryption", BMC Medical Genomics 11
 *   (Suppl 4), 2018 — the label folded into the sample (z = y' x, y' =
 *   2y - 1), the least-squares polynomial sigmoid on [-8, 8], NAG;
 *
 *   Han, Hong, Kim, Lee, Yoo, "Logistic regression on homomorphic encrypted
 *   data at scale", AAAI 2019 — many samples per ciphertext, mini-batches
 *   packed once in a fixed order, MNIST 3 vs 8 at 14 x 14 features.
 *
 * The arithmetic follows hec_ml_train_lr (logreg.c) term by term, so the
 * decrypted weights equal the plaintext trainer's up to CKKS noise:
 *
 *   g       = sum_b (p(v.x_b) - y_b) x_b          (p: odd fit + 1/2)
 *           = sum_b (-1/2 z_b + c1 T_b z_b + c3 T_b^3 z_b),  T_b = v.z_b
 *   w'      = v (1 - alpha l2 [not bias]) - (alpha / B) g
 *   v'      = (1 - gamma) w' + gamma w
 *
 * (p(-t) = 1 - p(t) exactly: the fit's even coefficients are 0 and c0 = 1/2,
 * so p(v.x) - y = -y' p(-y' v.x), Kim et al.'s identity.)
 *
 * Layout (see hec_ml_enc_lr_layout_t in ml.h): each ciphertext holds one
 * chunk of `chunk` features for 2 `blocks` samples, a sample per block of
 * 2 chunk slots and per complex part, the block's second half zero.
 *
 *   inner products: M = sum_j Z_j V_j; M += rot(M, -chunk) copies every
 *     block's products into its empty half, so a window sum of `chunk`
 *     slots (log2 chunk rotations) is the whole inner product in the first
 *     half of every block: no mask, no level.  T = a + i b carries the two
 *     samples of the block.
 *   sigmoid: the gradient needs, per complex slot, c1 (a z_a + b z_b) +
 *     c3 (a^3 z_a + b^3 z_b) = Re[(c1 conj(T) + c3/4 T (T^2 + 3 conj(T)^2)) Z]
 *     since a^3 - i b^3 = T (T^2 + 3 conj(T)^2) / 4: one conjugation per
 *     group of ciphertexts, and the per-sample term is evaluated as
 *     (T^2 + 3 conj(T)^2) x (T Z) — depth 2 after T, the minimum for a
 *     degree-7 product T^3 z.  The constant -1/2 z joins as
 *     c1 (conj(T) - (1 - i) / (2 c1)) Z.
 *   gradient sums: chunks are merged two by two (the empty half of one
 *     takes the other: one rotation), summed over the blocks (log2 blocks
 *     rotations, a cyclic sum: every block ends up holding the sums, the
 *     weights are already replicated), and the real part is taken with one
 *     conjugation.
 *
 * Levels: iteration 0 (w = 0) costs only the rescale that sets the first
 * weights' scale; every later iteration costs 3 (ct x ct inner product,
 * squares and T Z, their product).  Nothing on that path multiplies by a
 * constant with a rescale: constants are absorbed into the scale (multiply
 * by +-1 and divide the recorded scale: hec_ckks_mul_const(c, 1 / |c|)),
 * and the scale the chain drifts to is pulled back up once per iteration
 * with an exact integer factor (hec_ckks_mul_const(1, k)).  The terms off
 * the critical path (v (1 - alpha l2), gamma w) are computed from the
 * previous weights, two levels up, at exactly the scale of the gradient
 * term they are added to.
 *
 * Cost per iteration: about groups x (log2 chunk + 4) + data ciphertexts +
 * chunks + pairs x (log2 blocks + 3) key switches (MNIST 3 vs 8 at
 * N = 2^17: 6 groups, 42 data ciphertexts, 7 chunks, 4 pairs of 1,024
 * blocks: 153), all on data-independent shapes; OpenMP runs groups, chunks
 * and pairs on separate threads with an evaluator each. */
#include <complex.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "ml_internal.h"
#include "worker_err.h"

/* Prime sizes (see hec_ml_enc_lr_params): 45-bit chain primes keep every
 * SIMD kernel, a 58-bit base prime holds the final weights, and the data
 * are encoded 6 bits below the primes, which leaves the integer
 * magnitudes of the chain balanced (the analysis at choose_tau). */
#define LR_QBITS 45u
#define LR_QBITS_MIN 40u
#define LR_Q0 58u
#define LR_DATA_GAP 6u

#define ELRD_TYPE 0x44524c45u /* "ELRD" */
#define ELRM_TYPE 0x4d524c45u /* "ELRM" */
#define ELR_VERSION 1u
#define ELRD_PAYLOAD 96  /* version, info (28), layout (56), count */
#define ELRM_PAYLOAD 128 /* version, info, layout, iterations, degree, lr0, decay, l2, bound */
#define LR_MAX_SAMPLES ((size_t)1 << 26)
#define LR_MAX_FEATURES ((size_t)1 << 16)

/* An encrypted data set, in memory (ct) or left in its file (fd, with
 * every ciphertext object's offset and length): at N = 2^17 a full data
 * set is gigabytes, so the trainer reads one round of groups at a time. */
struct hec_ml_enc_lr_data {
	const hec_context *ctx;
	hec_ml_enc_lr_layout_t lay;
	hec_ml_enc_lr_info_t info;
	hec_ciphertext **ct; /* ((batch * groups) + group) * chunks + chunk */
	size_t nct;
	int fd;              /* -1 when in memory */
	uint64_t *off, *len;
	double scale;        /* every data ciphertext's scale */
};

struct hec_ml_enc_lr_model {
	const hec_context *ctx;
	hec_ml_enc_lr_layout_t lay;
	hec_ml_enc_lr_info_t info;
	hec_ml_lr_opts_t opts;
	double step_bound;
	hec_ciphertext **w; /* pairs */
};

/* ------------------------------------------------------------------ */
/* Layout, depth, parameters                                           */
/* ------------------------------------------------------------------ */

static size_t log2_exact(size_t x)
{
	size_t k = 0;
	while (((size_t)1 << k) < x)
		k++;
	return k;
}

static size_t pow2_at_least(size_t x)
{
	size_t p = 1;
	while (p < x)
		p <<= 1;
	return p;
}

hec_status hec_ml_enc_lr_layout(hec_ml_enc_lr_layout_t *l, size_t slots, size_t samples, size_t features,
                                size_t batch)
{
	if (!l || slots < 4 || (slots & (slots - 1)))
		return hec_error_set(HEC_ERR_ARG, "encrypted LR layout: %zu slots is not a power of two >= 4", slots);
	if (samples < 1 || samples > LR_MAX_SAMPLES)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR layout: %zu samples (1 .. %zu)", samples, LR_MAX_SAMPLES);
	if (features < 2 || features > LR_MAX_FEATURES)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR layout: %zu features (2 .. %zu, bias included)",
		                     features, LR_MAX_FEATURES);
	size_t B = batch == 0 || batch > samples ? samples : batch;
	memset(l, 0, sizeof *l);
	double best = INFINITY;
	/* Every power-of-two chunk that leaves at least one block: estimate
	 * the key switches of one iteration (the dominant cost) plus half a
	 * key switch's worth of products and rescales per data ciphertext. */
	for (size_t cr = 1; 2 * cr <= slots && cr < 2 * features; cr <<= 1) {
		size_t chunks = (features + cr - 1) / cr, pairs = (chunks + 1) / 2;
		size_t maxblocks = slots / (2 * cr);
		size_t blocks = pow2_at_least((B + 1) / 2);
		if (blocks > maxblocks)
			blocks = maxblocks;
		size_t groups = (B + 2 * blocks - 1) / (2 * blocks);
		double ks = (double)groups * (double)(5 + log2_exact(cr)) + (double)(groups * chunks) + (double)chunks +
		            (double)(chunks / 2) * 2 + (double)pairs * (double)(log2_exact(blocks) + 1);
		double cost = ks + 0.5 * (double)(groups * chunks);
		if (cost < best) {
			best = cost;
			l->chunk = cr;
			l->chunks = chunks;
			l->pairs = pairs;
			l->blocks = blocks;
			l->groups = groups;
		}
	}
	if (!l->chunk)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR layout: %zu slots are too few", slots);
	l->samples = samples;
	l->features = features;
	l->batch = B;
	l->batches = samples / B;
	l->slots = slots;
	return HEC_OK;
}

size_t hec_ml_enc_lr_data_cts(const hec_ml_enc_lr_layout_t *l)
{
	return l->batches * l->groups * l->chunks;
}

/* The period of the slot vectors: blocks x 2 chunk slots (the vector
 * repeats to fill all slots when fewer are needed). */
static size_t period(const hec_ml_enc_lr_layout_t *l)
{
	return l->blocks * 2 * l->chunk;
}

size_t hec_ml_enc_lr_steps(const hec_ml_enc_lr_layout_t *l, int64_t *steps, size_t max)
{
	size_t n = 0;
#define PUT(v)                                                                                                    \
	do {                                                                                                      \
		if (n < max)                                                                                      \
			steps[n] = (v);                                                                           \
		n++;                                                                                              \
	} while (0)
	/* Window sums of the inner products (and of inference, one more
	 * doubling: `chunk` itself). */
	for (size_t s = 1; s <= l->chunk; s <<= 1)
		PUT((int64_t)s);
	/* Copy into the empty half, and merging chunk pairs. */
	PUT(-(int64_t)l->chunk);
	/* Gradient sums over the blocks. */
	for (size_t s = 1; s < l->blocks; s <<= 1)
		PUT((int64_t)(s * 2 * l->chunk));
#undef PUT
	return n;
}

size_t hec_ml_enc_lr_depth(unsigned degree, unsigned iterations, int inference)
{
	(void)degree; /* degree 3: 3 levels per iteration */
	if (iterations == 0)
		return inference ? 1 : 0;
	return 1 + 3 * (size_t)(iterations - 1) + (inference ? 1 : 0);
}

unsigned hec_ml_enc_lr_max_iterations(const hec_context *c, unsigned degree)
{
	(void)degree;
	size_t top = hec_context_max_level(c);
	return top < 1 ? 0 : 1 + (unsigned)((top - 1) / 3);
}

hec_status hec_ml_enc_lr_params(hec_params_t *p, unsigned degree, unsigned iterations, hec_security sec,
                                char *why, size_t why_len)
{
	if (degree != 3)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "encrypted LR: sigmoid degree %u is not implemented "
		                     "encrypted (degree 3 only)", degree);
	if (iterations < 1)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: need at least one iteration");
	size_t depth = hec_ml_enc_lr_depth(degree, iterations, 1);
	unsigned max_chain = HEC_PARAMS_MAX_Q - 1;
	unsigned max_iters = 1 + (max_chain - 2) / 3;
	if (depth > max_chain)
		return hec_error_set(HEC_ERR_UNSUPPORTED,
		                     "encrypted LR: %u iterations need %zu levels (1 + 3 per iteration after the first, "
		                     "+ 1 for inference), more than the %u primes a modulus chain may hold; at most %u "
		                     "iterations without bootstrapping (not available)",
		                     iterations, depth, max_chain, max_iters);
	/* Among the sets that fit, the cheapest key switch per slot: a key
	 * switch costs about (dnum + 2) (L + K) NTTs of size N, and a data set
	 * needs about 1/N as many ciphertexts at larger N, but small data sets
	 * do not fill the slots, so the cost is taken per ciphertext (N
	 * counted once): small rings win unless they need many digits. */
	double best = INFINITY;
	hec_params_t cand;
	unsigned best_bound = 0;
	for (unsigned log_n = 13; log_n <= 17; log_n++) {
		unsigned bound = hec_security_max_log_qp(log_n, sec);
		if (!bound)
			continue;
		for (unsigned qb = LR_QBITS; qb >= LR_QBITS_MIN; qb--) {
			unsigned nq = (unsigned)depth + 1, log_q = LR_Q0 + (unsigned)depth * qb;
			for (unsigned alpha = nq; alpha >= 1; alpha--) {
				/* P must exceed the largest digit (the first: q0 and
				 * alpha - 1 chain primes). */
				unsigned digit = LR_Q0 + (alpha - 1) * qb;
				unsigned np = (digit + 48) / 49, pbits = (digit + np - 1) / np + 1;
				if (np > HEC_PARAMS_MAX_P || log_q + np * pbits > bound)
					continue;
				unsigned dnum = (nq + alpha - 1) / alpha;
				double cost = (double)(dnum + 2) * (double)(nq + np) * exp2(log_n);
				if (cost < best) {
					best = cost;
					best_bound = bound;
					memset(&cand, 0, sizeof cand);
					cand.scheme = HEC_SCHEME_CKKS;
					cand.log_n = log_n;
					cand.nq = nq;
					cand.q_bits[0] = LR_Q0;
					for (unsigned i = 1; i < nq; i++)
						cand.q_bits[i] = qb;
					cand.np = np;
					for (unsigned i = 0; i < np; i++)
						cand.p_bits[i] = pbits;
					cand.dnum = dnum;
					cand.log_scale = qb - LR_DATA_GAP;
					cand.security = sec;
				}
				break; /* the largest digit that fits is the cheapest here */
			}
			break; /* the largest prime size that fits gives the most precision */
		}
	}
	if (isfinite(best)) {
		*p = cand;
		if (why)
			snprintf(why, why_len,
			         "%u iterations: 1 level for the first (w = 0), 3 for each later one (degree-3 sigmoid), "
			         "+ 1 for encrypted inference = depth %zu; N = 2^%u (128-bit bound log QP <= %u) holds "
			         "Q = %u + %zu x %u bits and P = %u x %u bits with %u key-switching digits, the cheapest "
			         "key switch among the rings that fit",
			         iterations, depth, p->log_n, best_bound, LR_Q0, depth, p->q_bits[1], p->np, p->p_bits[0],
			         p->dnum);
		return HEC_OK;
	}
	return hec_error_set(HEC_ERR_UNSUPPORTED,
	                     "encrypted LR: %u iterations (depth %zu) do not fit N = 2^17 at %u-bit security; "
	                     "fewer iterations are needed (bootstrapping is not available)",
	                     iterations, depth, (unsigned)sec);
}

/* ------------------------------------------------------------------ */
/* Errors, threads                                                     */
/* ------------------------------------------------------------------ */

/* Prefix the current error detail (copied first: hec_error_set writes the
 * buffer it lives in). */
static hec_status wrap(hec_status s, const char *prefix)
{
	char detail[512];
	snprintf(detail, sizeof detail, "%s", *hec_error_detail() ? hec_error_detail() : hec_status_str(s));
	return hec_error_set(s, "%s: %s", prefix, detail);
}

static int lr_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

static int lr_thread(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

/* ------------------------------------------------------------------ */
/* Client: encryption                                                  */
/* ------------------------------------------------------------------ */

static hec_status check_layout_ctx(const hec_ml_enc_lr_layout_t *l, const hec_context *c)
{
	hec_ml_enc_lr_layout_t ref;
	hec_status s = hec_ml_enc_lr_layout(&ref, hec_context_slots(c), l->samples, l->features, l->batch);
	if (s != HEC_OK)
		return s;
	if (memcmp(&ref, l, sizeof ref))
		return hec_error_set(HEC_ERR_MISMATCH, "encrypted LR: the layout does not match these parameters (%zu "
		                     "slots)", hec_context_slots(c));
	return HEC_OK;
}

hec_status hec_ml_enc_lr_encrypt_ct(hec_ciphertext *ct, const hec_secret_key *sk, const hec_ml_enc_lr_layout_t *l,
                                    const double *x, const uint8_t *y, const size_t *order, size_t index)
{
	const hec_context *c = hec_ciphertext_context(ct);
	if (hec_secret_key_context(sk) != c)
		return hec_error_set(HEC_ERR_MISMATCH, "encrypted LR: the ciphertext and the key belong to different "
		                     "contexts");
	if (index >= hec_ml_enc_lr_data_cts(l))
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: ciphertext %zu of %zu", index, hec_ml_enc_lr_data_cts(l));
	size_t j = index % l->chunks, g = (index / l->chunks) % l->groups, b = index / (l->chunks * l->groups);
	size_t per = period(l), F = l->features;
	double complex *v = calloc(per, sizeof *v);
	hec_plaintext *pt = NULL;
	hec_status s = v ? hec_plaintext_new(&pt, c) : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t r = 0; s == HEC_OK && r < 2 * l->blocks; r++) {
		size_t pos = g * 2 * l->blocks + r; /* position within the batch */
		if (pos >= l->batch)
			break;
		size_t smp = b * l->batch + pos;
		size_t src = order ? order[smp] : smp;
		if (src >= l->samples) {
			s = hec_error_set(HEC_ERR_ARG, "encrypted LR: order[%zu] = %zu is not a sample", smp, src);
			break;
		}
		if (y[src] > 1) {
			s = hec_error_set(HEC_ERR_ARG, "encrypted LR: label %u of sample %zu is not 0 or 1", y[src], src);
			break;
		}
		double sign = y[src] ? 1.0 : -1.0; /* y' = 2y - 1 */
		size_t blk = r % l->blocks;
		for (size_t f = 0; f < l->chunk; f++) {
			size_t feat = j * l->chunk + f;
			if (feat >= F)
				break;
			double xv = x[src * F + feat];
			if (!(fabs(xv) <= 1.0)) {
				s = hec_error_set(HEC_ERR_RANGE, "encrypted LR: feature %zu of sample %zu is %g; normalise "
				                  "features to [-1, 1]", feat, src, xv);
				break;
			}
			if (r < l->blocks)
				v[blk * 2 * l->chunk + f] += sign * xv;
			else
				v[blk * 2 * l->chunk + f] += I * sign * xv;
		}
	}
	size_t top = hec_context_max_level(c);
	if (s == HEC_OK)
		s = hec_ckks_encode(pt, v, per, per, top, exp2(hec_context_params(c)->log_scale));
	if (s == HEC_OK)
		s = hec_encrypt_symmetric(ct, sk, pt);
	/* The plaintext holds the data: wipe it. */
	if (v)
		explicit_bzero(v, per * sizeof *v);
	free(v);
	hec_plaintext_free(pt);
	return s;
}

static hec_status data_alloc(hec_ml_enc_lr_data **dst, const hec_context *c, const hec_ml_enc_lr_layout_t *l,
                             const hec_ml_enc_lr_info_t *info)
{
	hec_ml_enc_lr_data *d = calloc(1, sizeof *d);
	if (!d)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	d->ctx = c;
	d->lay = *l;
	d->info = *info;
	d->fd = -1;
	d->scale = exp2(hec_context_params(c)->log_scale);
	d->nct = hec_ml_enc_lr_data_cts(l);
	d->ct = calloc(d->nct, sizeof *d->ct);
	hec_status s = d->ct ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; s == HEC_OK && i < d->nct; i++)
		s = hec_ciphertext_new(&d->ct[i], c);
	if (s != HEC_OK) {
		hec_ml_enc_lr_data_free(d);
		return s;
	}
	*dst = d;
	return HEC_OK;
}

hec_status hec_ml_enc_lr_encrypt(hec_ml_enc_lr_data **dst, const hec_secret_key *sk, const hec_ml_enc_lr_layout_t *l,
                                 const hec_ml_enc_lr_info_t *info, const double *x, const uint8_t *y,
                                 const size_t *order)
{
	if (!dst || !sk || !l || !info || !x || !y)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: NULL argument");
	const hec_context *c = hec_secret_key_context(sk);
	hec_status s = check_layout_ctx(l, c);
	hec_ml_enc_lr_data *d = NULL;
	if (s == HEC_OK)
		s = data_alloc(&d, c, l, info);
	if (s != HEC_OK)
		return s;
	struct ml_worker_err e = {0};
	long n = (long)d->nct;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
	for (long i = 0; i < n; i++)
		if (e.s == HEC_OK)
			ml_worker_err_keep(&e, hec_ml_enc_lr_encrypt_ct(d->ct[i], sk, l, x, y, order, (size_t)i));
	if ((s = ml_worker_err_raise(&e)) != HEC_OK) {
		hec_ml_enc_lr_data_free(d);
		return s;
	}
	*dst = d;
	return HEC_OK;
}

void hec_ml_enc_lr_data_free(hec_ml_enc_lr_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->ct && i < d->nct; i++)
		hec_ciphertext_free(d->ct[i]);
	free(d->ct);
	if (d->fd >= 0)
		close(d->fd);
	free(d->off);
	free(d->len);
	free(d);
}

const hec_ml_enc_lr_layout_t *hec_ml_enc_lr_data_layout(const hec_ml_enc_lr_data *d)
{
	return &d->lay;
}

const hec_ml_enc_lr_info_t *hec_ml_enc_lr_data_info(const hec_ml_enc_lr_data *d)
{
	return &d->info;
}

/* ------------------------------------------------------------------ */
/* Server: training                                                    */
/* ------------------------------------------------------------------ */

/* dst = c a without a level: multiply by sign(c) and divide the recorded
 * scale by |c| (the integer the ciphertext holds is unchanged, so is its
 * relative precision). */
static hec_status free_mul(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double c)
{
	return hec_ckks_mul_const(ev, dst, a, c, 1.0 / fabs(c));
}

/* dst = c a at exactly `target` scale after the next rescale: the constant
 * is encoded at target q_level / scale(a). */
static hec_status mul_to(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double c, double target)
{
	const hec_ring *r = hec_context_ring(hec_ciphertext_context(a));
	double q = (double)hec_ring_q(r, hec_ciphertext_level(a));
	return hec_ckks_mul_const(ev, dst, a, c, target * q / hec_ciphertext_scale(a));
}

static double qlog(const hec_context *c, size_t level)
{
	return log2((double)hec_ring_q(hec_context_ring(c), level));
}

/* The scale T is brought to after each inner product.  With all scales
 * in log2: the chain from V (level l) gives
 *   T: tau;  u = T^2 + 3 conj(T)^2: 2 tau - q_{l-1};  T Z: tau + zeta - q_{l-1};
 *   P = (c3/4 u)(T Z): 3 tau + zeta - 2 q_{l-1} - q_{l-2} - log|c3/4|;
 *   G = Re sum P: + 1;  V' = -kappa (1 - gamma) G: - log(kappa (1 - gamma));
 * and the next inner product lands at zeta + V' - q_{l-3}.  That must not
 * exceed tau (the integer factor can only raise a scale), so
 *   tau <= (2 q_{l-1} + q_{l-2} + q_{l-3} - 2 zeta - 1 + log|c3/4| + log(kappa (1 - gamma))) / 2,
 * minus one bit of margin, the minimum over the iterations.  With 45-bit
 * primes and zeta = 39 this puts T at about 2^38, T Z at 2^32 and the
 * weights near 2^44: every intermediate keeps >= 12 bits above the
 * rescaling noise (about 2^19 at N = 2^17), and the final weights fit the
 * 58-bit base prime. */
static double choose_tau(const hec_context *c, const hec_ml_enc_lr_layout_t *l, const hec_ml_lr_opts_t *o,
                         double zeta, double c3, size_t top)
{
	double tau = INFINITY;
	for (unsigned t = 1; t < o->iterations; t++) {
		size_t lev = top - 1 - 3 * (size_t)(t - 1);
		double kappa = hec_ml_lr_step(o, t) / (double)l->batch * (1.0 - hec_ml_lr_gamma(t));
		double q1 = qlog(c, lev - 1), q2 = qlog(c, lev - 2);
		/* The next iteration rescales by q_{l-3}; the base prime never is. */
		double q3 = lev > 3 ? qlog(c, lev - 3) : q2;
		double bound = (2 * q1 + q2 + q3 - 2 * zeta - 1 + log2(fabs(c3) / 4) + log2(kappa)) / 2 - 1;
		if (bound < tau)
			tau = bound;
	}
	if (!isfinite(tau))
		tau = zeta;
	return exp2(tau);
}

struct lr_state {
	const hec_context *ctx;
	const hec_ml_enc_lr_data *d;
	const hec_ml_enc_lr_layout_t *l;
	hec_evaluator **ev; /* one per thread */
	int nthreads;
	size_t round;                /* groups processed side by side */
	hec_ciphertext **V, **W;     /* pairs: current v, w (same level) */
	hec_ciphertext **Vu;         /* pairs: odd chunks' v rotated into the first half */
	hec_ciphertext **T, **U, **Y; /* round: T, c3/4 (T^2 + 3 conj T^2), conj T - (1-i)/(2 c1) */
	hec_ciphertext **zb;         /* round x chunks: data read from the file */
	hec_ciphertext **cache;      /* all data at a lower level, once they fit */
	const hec_ciphertext **zp;   /* round x chunks: the data ciphertexts in use */
	hec_ciphertext **P;          /* chunks: gradient terms summed over groups */
	hec_ciphertext **tmp;        /* per thread: 3 scratch ciphertexts */
	hec_plaintext **pt;          /* per thread */
	hec_plaintext *one_minus_i;  /* 1 - i at scale 1 (the polynomial 1 - X^(N/2)) */
	double c1, c3, tau;
	double min_tz_scale;         /* smallest scale of T Z seen (for the noise bound) */
	struct ml_worker_err err;
};

/* Data ciphertext i: the one in memory, or read from the file into buf. */
static hec_status data_get(const hec_ml_enc_lr_data *d, size_t i, hec_ciphertext *buf, const hec_ciphertext **out)
{
	if (d->ct) {
		*out = d->ct[i];
		return HEC_OK;
	}
	uint8_t *b = malloc(d->len[i]);
	if (!b)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	size_t got = 0;
	while (got < d->len[i]) {
		ssize_t r = pread(d->fd, b + got, d->len[i] - got, (off_t)(d->off[i] + got));
		if (r <= 0) {
			free(b);
			return hec_error_set(HEC_ERR_IO, "data ciphertext %zu: read error: %s", i + 1,
			                     r < 0 ? strerror(errno) : "the file shrank");
		}
		got += (size_t)r;
	}
	hec_status s = hec_ciphertext_deserialize(buf, b, got);
	free(b);
	if (s != HEC_OK)
		return wrap(s, "data ciphertext");
	if (hec_ciphertext_level(buf) != hec_context_max_level(d->ctx) ||
	    fabs(hec_ciphertext_scale(buf) / d->scale - 1) > 1e-12)
		return hec_error_set(HEC_ERR_FORMAT, "data ciphertext %zu is not at the data set's level and scale", i + 1);
	*out = buf;
	return HEC_OK;
}

/* Bring group g of `batch` into round slot r. */
static hec_status fetch_group(struct lr_state *st, size_t batch, size_t g, size_t r)
{
	const hec_ml_enc_lr_layout_t *l = st->l;
	hec_status s = HEC_OK;
	for (size_t j = 0; j < l->chunks && s == HEC_OK; j++) {
		size_t i = (batch * l->groups + g) * l->chunks + j;
		if (st->cache) {
			st->zp[r * l->chunks + j] = st->cache[i];
			continue;
		}
		s = data_get(st->d, i, st->d->ct ? NULL : st->zb[r * l->chunks + j], &st->zp[r * l->chunks + j]);
	}
	return s;
}

static const hec_ciphertext *Z(const struct lr_state *st, size_t r, size_t j)
{
	return st->zp[r * st->l->chunks + j];
}

/* v of chunk j in the first half of every block. */
static const hec_ciphertext *vchunk(const struct lr_state *st, size_t j)
{
	return j % 2 ? st->Vu[j / 2] : st->V[j / 2];
}

static hec_ciphertext *scratch(struct lr_state *st, int k)
{
	return st->tmp[lr_thread() * 3 + k];
}

static hec_evaluator *EV(struct lr_state *st)
{
	return st->ev[lr_thread()];
}

static hec_status new_cts(hec_ciphertext ***a, size_t k, const hec_context *c);

/* A data set read from its file is read again every iteration, at the top
 * level, though each iteration needs fewer limbs.  Once all ciphertexts
 * dropped to the current level fit in the memory the round buffers took,
 * keep them (and release the buffers).  The round buffers beyond one read
 * buffer per thread go first, and each cached ciphertext is shrunk to its
 * level's limbs (a new one holds the top level's), so memory does not
 * peak while both exist (it did, by 4.5 GB at N = 2^17: the 42 cached
 * ciphertexts were allocated at the top level). */
static hec_status maybe_cache(struct lr_state *st, size_t level)
{
	const hec_ml_enc_lr_data *d = st->d;
	const hec_ml_enc_lr_layout_t *l = st->l;
	const size_t top = hec_context_max_level(st->ctx), nbuf = st->round * l->chunks;
	if (d->ct || st->cache || d->nct * (level + 1) > nbuf * (top + 1) || nbuf < (size_t)st->nthreads)
		return HEC_OK;
	for (size_t i = (size_t)st->nthreads; i < nbuf; i++) {
		hec_ciphertext_free(st->zb[i]);
		st->zb[i] = NULL;
	}
	if (!(st->cache = calloc(d->nct, sizeof *st->cache)))
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	long n = (long)d->nct;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
	for (long i = 0; i < n; i++) {
		if (st->err.s != HEC_OK)
			continue;
		hec_ciphertext *buf = st->zb[lr_thread()];
		const hec_ciphertext *src;
		hec_status e = data_get(d, (size_t)i, buf, &src);
		if (e == HEC_OK)
			e = hec_ckks_drop_to_level(EV(st), buf, buf, level);
		if (e == HEC_OK)
			e = hec_ciphertext_new(&st->cache[i], st->ctx);
		if (e == HEC_OK)
			e = hec_ciphertext_copy(st->cache[i], buf);
		if (e == HEC_OK)
			e = hec_ciphertext_shrink(st->cache[i]);
		ml_worker_err_keep(&st->err, e);
	}
	hec_status s = ml_worker_err_raise(&st->err);
	if (s == HEC_OK) {
		for (size_t i = 0; i < nbuf; i++) {
			hec_ciphertext_free(st->zb[i]);
			st->zb[i] = NULL;
		}
	}
	return s;
}

/* Merge a chunk pair (a as is, b rotated into the empty half; b may be
 * NULL for an odd last chunk), sum over the blocks, and take the real
 * part: dst = Re sum_blocks (a + rot(b, -chunk)). */
static hec_status merge_sum_re(struct lr_state *st, hec_ciphertext *dst, const hec_ciphertext *a,
                               const hec_ciphertext *b)
{
	hec_evaluator *ev = EV(st);
	hec_ciphertext *t = scratch(st, 0);
	const hec_ml_enc_lr_layout_t *l = st->l;
	hec_status s = hec_ciphertext_copy(dst, a);
	if (s == HEC_OK && b) {
		s = hec_ckks_rotate(ev, t, b, -(int64_t)l->chunk);
		if (s == HEC_OK)
			s = hec_ckks_add(ev, dst, dst, t);
	}
	if (s == HEC_OK && l->blocks > 1)
		s = hec_ckks_rotate_sum(ev, dst, dst, l->blocks, (int64_t)(2 * l->chunk));
	if (s == HEC_OK)
		s = hec_ckks_conjugate(ev, t, dst);
	if (s == HEC_OK)
		s = hec_ckks_add(ev, dst, dst, t);
	if (s == HEC_OK)
		s = free_mul(ev, dst, dst, 0.5);
	return s;
}

/* Iteration 0: v = w = 0, so p(v.x) = 1/2 and g = -1/2 sum z; the new
 * weights are -kappa g, computed from the batch's sums at the top level
 * and rescaled once to the scale that puts the next inner product at
 * tau / 2. */
static hec_status first_iteration(struct lr_state *st, const hec_ml_lr_opts_t *o, size_t top)
{
	const hec_ml_enc_lr_layout_t *l = st->l;
	double kappa = hec_ml_lr_step(o, 0) / (double)l->batch, gam = hec_ml_lr_gamma(0);
	double target = st->tau / 2 * (double)hec_ring_q(hec_context_ring(st->ctx), top - 1) / st->d->scale;
	/* Per chunk: the sum over the batch's groups, read a round at a
	 * time. */
	for (size_t g0 = 0; g0 < l->groups; g0 += st->round) {
		long nr = (long)(l->groups - g0 < st->round ? l->groups - g0 : st->round);
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1)
#endif
		for (long r = 0; r < nr; r++)
			if (st->err.s == HEC_OK)
				ml_worker_err_keep(&st->err, fetch_group(st, 0, g0 + (size_t)r, (size_t)r));
		if (st->err.s != HEC_OK)
			return ml_worker_err_raise(&st->err);
		long n = (long)l->chunks;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
		for (long j = 0; j < n; j++) {
			hec_status s = HEC_OK;
			for (long r = 0; r < nr && s == HEC_OK; r++)
				s = g0 == 0 && r == 0 ? hec_ciphertext_copy(st->P[j], Z(st, 0, (size_t)j))
				                      : hec_ckks_add(EV(st), st->P[j], st->P[j], Z(st, (size_t)r, (size_t)j));
			ml_worker_err_keep(&st->err, s);
		}
		if (st->err.s != HEC_OK)
			return ml_worker_err_raise(&st->err);
	}
	long n = (long)l->pairs;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
	for (long m = 0; m < n; m++) {
		if (st->err.s != HEC_OK)
			continue;
		hec_evaluator *ev = EV(st);
		hec_ciphertext *sum = scratch(st, 1);
		size_t j = 2 * (size_t)m;
		/* Re[(1 - i)(a + i b)] = a + b: both samples of every slot. */
		hec_status s = hec_ckks_mul_plain(ev, st->P[j], st->P[j], st->one_minus_i);
		if (s == HEC_OK && j + 1 < l->chunks)
			s = hec_ckks_mul_plain(ev, st->P[j + 1], st->P[j + 1], st->one_minus_i);
		if (s == HEC_OK)
			s = merge_sum_re(st, sum, st->P[j], j + 1 < l->chunks ? st->P[j + 1] : NULL);
		/* sum = sum of z over the batch; the gradient is -sum / 2. */
		if (s == HEC_OK)
			s = mul_to(ev, st->W[m], sum, kappa / 2, target);
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, st->W[m], st->W[m]);
		if (s == HEC_OK)
			s = mul_to(ev, st->V[m], sum, (1 - gam) * kappa / 2, target);
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, st->V[m], st->V[m]);
		ml_worker_err_keep(&st->err, s);
	}
	return ml_worker_err_raise(&st->err);
}

/* The mask (1 - alpha l2) on the weights of a pair's features, 1 on the
 * bias, times `factor`, encoded for V at `level` so that the product,
 * rescaled, lands at scale `target`. */
static hec_status encode_decay(struct lr_state *st, hec_plaintext *pt, const hec_ciphertext *V, size_t m,
                               double alpha_l2, double factor, double target)
{
	const hec_ml_enc_lr_layout_t *l = st->l;
	size_t per = 2 * l->chunk;
	double *v = malloc(per * sizeof *v);
	if (!v)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < per; i++) {
		size_t feat = (2 * m + i / l->chunk) * l->chunk + i % l->chunk;
		v[i] = factor * (feat + 1 < l->features ? 1.0 - alpha_l2 : 1.0);
	}
	size_t lev = hec_ciphertext_level(V);
	double q = (double)hec_ring_q(hec_context_ring(st->ctx), lev);
	hec_status s = hec_ckks_encode_real(pt, v, per, per, lev, target * q / hec_ciphertext_scale(V));
	free(v);
	return s;
}

/* One NAG step t >= 1 from (V, W) at level lev to level lev - 3. */
static hec_status iteration(struct lr_state *st, const hec_ml_lr_opts_t *o, unsigned t)
{
	const hec_ml_enc_lr_layout_t *l = st->l;
	size_t batch = t % l->batches;
	double alpha = hec_ml_lr_step(o, t), kappa = alpha / (double)l->batch, gam = hec_ml_lr_gamma(t);
	double complex beta = -(1.0 - I) / (2 * st->c1);

	hec_status s0 = maybe_cache(st, hec_ciphertext_level(st->V[0]));
	if (s0 != HEC_OK)
		return s0;

	/* 1. Unmerge: odd chunks' weights rotated into the first half. */
	long nc = (long)l->chunks;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
	for (long j = 0; j < nc; j++) {
		if (st->err.s != HEC_OK)
			continue;
		if (j % 2)
			ml_worker_err_keep(&st->err, hec_ckks_rotate(EV(st), st->Vu[j / 2], st->V[j / 2], (int64_t)l->chunk));
	}
	if (st->err.s != HEC_OK)
		return ml_worker_err_raise(&st->err);

	/* 2-3. Groups a round at a time (one per thread): read them, then
	 * per group the inner products T, the sigmoid's square term U and Y;
	 * then per chunk the gradient terms U (T Z) + c1 Y Z, summed over the
	 * groups before the one relinearisation. */
	for (size_t g0 = 0; g0 < l->groups; g0 += st->round) {
		long nr = (long)(l->groups - g0 < st->round ? l->groups - g0 : st->round);
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1)
#endif
		for (long r = 0; r < nr; r++) {
			if (st->err.s != HEC_OK)
				continue;
			hec_evaluator *ev = EV(st);
			hec_ciphertext *T = st->T[r], *a = scratch(st, 0), *b = scratch(st, 1);
			hec_status s = fetch_group(st, batch, g0 + (size_t)r, (size_t)r);
			if (s == HEC_OK)
				s = hec_ckks_mul(ev, T, Z(st, (size_t)r, 0), vchunk(st, 0));
			for (size_t j = 1; j < l->chunks && s == HEC_OK; j++) {
				s = hec_ckks_mul(ev, a, Z(st, (size_t)r, j), vchunk(st, j));
				if (s == HEC_OK)
					s = hec_ckks_add(ev, T, T, a);
			}
			if (s == HEC_OK)
				s = hec_ckks_relinearize(ev, T, T);
			if (s == HEC_OK)
				s = hec_ckks_rescale(ev, T, T);
			/* Copy the products into the empty half; a window of `chunk`
			 * slots is then the whole inner product. */
			if (s == HEC_OK)
				s = hec_ckks_rotate(ev, a, T, -(int64_t)l->chunk);
			if (s == HEC_OK)
				s = hec_ckks_add(ev, T, T, a);
			if (s == HEC_OK && l->chunk > 1)
				s = hec_ckks_rotate_sum(ev, T, T, l->chunk, 1);
			if (s == HEC_OK) {
				double k = floor(st->tau / hec_ciphertext_scale(T));
				if (k >= 2)
					s = hec_ckks_mul_const(ev, T, T, 1.0, k);
			}
			if (s == HEC_OK)
				s = hec_ckks_conjugate(ev, b, T);
			/* Y = conj T - (1 - i) / (2 c1), so that c1 Y Z adds -z/2. */
			if (s == HEC_OK)
				s = hec_ckks_add_const(ev, st->Y[r], b, beta);
			/* U = c3/4 (T^2 + 3 conj(T)^2): both products summed before
			 * the one relinearisation. */
			if (s == HEC_OK)
				s = hec_ckks_mul(ev, st->U[r], T, T);
			if (s == HEC_OK)
				s = hec_ckks_mul(ev, a, b, b);
			if (s == HEC_OK)
				s = hec_ckks_mul_int(ev, a, a, 3);
			if (s == HEC_OK)
				s = hec_ckks_add(ev, st->U[r], st->U[r], a);
			if (s == HEC_OK)
				s = hec_ckks_relinearize(ev, st->U[r], st->U[r]);
			if (s == HEC_OK)
				s = hec_ckks_rescale(ev, st->U[r], st->U[r]);
			if (s == HEC_OK)
				s = free_mul(ev, st->U[r], st->U[r], st->c3 / 4);
			ml_worker_err_keep(&st->err, s);
		}
		if (st->err.s != HEC_OK)
			return ml_worker_err_raise(&st->err);
		long n = (long)l->chunks;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
		for (long j = 0; j < n; j++) {
			if (st->err.s != HEC_OK)
				continue;
			hec_evaluator *ev = EV(st);
			hec_ciphertext *P = st->P[j], *tz = scratch(st, 0), *prod = scratch(st, 1), *yz = scratch(st, 2);
			hec_status s = HEC_OK;
			for (long r = 0; r < nr && s == HEC_OK; r++) {
				const hec_ciphertext *z = Z(st, (size_t)r, (size_t)j);
				int first = g0 == 0 && r == 0;
				s = hec_ckks_mul_relin_rescale(ev, tz, st->T[r], z);
				if (s == HEC_OK)
					s = hec_ckks_mul(ev, first ? P : prod, st->U[r], tz);
				if (s == HEC_OK && !first)
					s = hec_ckks_add(ev, P, P, prod);
				if (s == HEC_OK)
					s = hec_ckks_mul(ev, yz, st->Y[r], z);
				if (s == HEC_OK)
					s = hec_ckks_rescale(ev, yz, yz);
				if (s == HEC_OK)
					s = hec_ckks_mul_const(ev, yz, yz, st->c1,
					                       hec_ciphertext_scale(P) / hec_ciphertext_scale(yz));
				if (s == HEC_OK)
					s = hec_ckks_add(ev, P, P, yz);
				if (s == HEC_OK) {
#ifdef _OPENMP
#pragma omp critical(hec_lr_bound)
#endif
					if (hec_ciphertext_scale(tz) < st->min_tz_scale)
						st->min_tz_scale = hec_ciphertext_scale(tz);
				}
			}
			ml_worker_err_keep(&st->err, s);
		}
		if (st->err.s != HEC_OK)
			return ml_worker_err_raise(&st->err);
	}
	long n = (long)l->chunks;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
	for (long j = 0; j < n; j++) {
		if (st->err.s != HEC_OK)
			continue;
		hec_status s = hec_ckks_relinearize(EV(st), st->P[j], st->P[j]);
		if (s == HEC_OK)
			s = hec_ckks_rescale(EV(st), st->P[j], st->P[j]);
		ml_worker_err_keep(&st->err, s);
	}
	if (st->err.s != HEC_OK)
		return ml_worker_err_raise(&st->err);

	/* 4. Per pair: the gradient G (real, replicated), then
	 *    W' = V (1 - alpha l2) - kappa G
	 *    V' = (1 - gamma)(V (1 - alpha l2)) + gamma W - (1 - gamma) kappa G,
	 * the V and W terms two levels up, at exactly the gradient term's
	 * scale. */
	n = (long)l->pairs;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
	for (long m = 0; m < n; m++) {
		if (st->err.s != HEC_OK)
			continue;
		hec_evaluator *ev = EV(st);
		hec_ciphertext *G = scratch(st, 1), *x = scratch(st, 2), *y = scratch(st, 0);
		hec_plaintext *pt = st->pt[lr_thread()];
		hec_status s = merge_sum_re(st, G, st->P[2 * m], 2 * (size_t)m + 1 < l->chunks ? st->P[2 * m + 1] : NULL);
		size_t lev = hec_ciphertext_level(G);
		/* V' first (it needs the old W), into x. */
		double sv = hec_ciphertext_scale(G) / ((1 - gam) * kappa);
		if (s == HEC_OK)
			s = encode_decay(st, pt, st->V[m], (size_t)m, alpha * o->l2, 1 - gam, sv);
		if (s == HEC_OK)
			s = hec_ckks_mul_plain(ev, x, st->V[m], pt);
		if (s == HEC_OK && gam != 0) {
			s = hec_ckks_mul_const(ev, y, st->W[m], gam, hec_ciphertext_scale(x) / hec_ciphertext_scale(st->W[m]));
			if (s == HEC_OK)
				s = hec_ckks_add(ev, x, x, y);
		}
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, x, x);
		if (s == HEC_OK)
			s = hec_ckks_drop_to_level(ev, x, x, lev);
		if (s == HEC_OK)
			s = free_mul(ev, y, G, -(1 - gam) * kappa);
		if (s == HEC_OK)
			s = hec_ckks_add(ev, x, x, y);
		/* W' = V (1 - alpha l2) - kappa G, over the old W. */
		double sw = hec_ciphertext_scale(G) / kappa;
		if (s == HEC_OK)
			s = encode_decay(st, pt, st->V[m], (size_t)m, alpha * o->l2, 1.0, sw);
		if (s == HEC_OK)
			s = hec_ckks_mul_plain(ev, y, st->V[m], pt);
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, y, y);
		if (s == HEC_OK)
			s = hec_ckks_drop_to_level(ev, y, y, lev);
		if (s == HEC_OK)
			s = free_mul(ev, G, G, -kappa);
		if (s == HEC_OK)
			s = hec_ckks_add(ev, st->W[m], y, G);
		if (s == HEC_OK)
			s = hec_ciphertext_copy(st->V[m], x);
		ml_worker_err_keep(&st->err, s);
	}
	return ml_worker_err_raise(&st->err);
}

static void state_free(struct lr_state *st)
{
	const hec_ml_enc_lr_layout_t *l = st->l;
#define FREE_ARR(a, k)                                                                                           \
	do {                                                                                                      \
		for (size_t i_ = 0; (a) && i_ < (k); i_++)                                                        \
			hec_ciphertext_free((a)[i_]);                                                              \
		free(a);                                                                                          \
	} while (0)
	FREE_ARR(st->V, l->pairs);
	FREE_ARR(st->W, l->pairs);
	FREE_ARR(st->Vu, l->pairs);
	FREE_ARR(st->T, st->round);
	FREE_ARR(st->U, st->round);
	FREE_ARR(st->Y, st->round);
	FREE_ARR(st->zb, st->d->ct ? 0 : st->round * l->chunks);
	FREE_ARR(st->cache, st->cache ? st->d->nct : 0);
	free(st->zp);
	FREE_ARR(st->P, l->chunks);
	FREE_ARR(st->tmp, (size_t)st->nthreads * 3);
#undef FREE_ARR
	for (int i = 0; st->pt && i < st->nthreads; i++)
		hec_plaintext_free(st->pt[i]);
	free(st->pt);
	for (int i = 0; st->ev && i < st->nthreads; i++)
		hec_evaluator_free(st->ev[i]);
	free(st->ev);
	hec_plaintext_free(st->one_minus_i);
}

static hec_status new_cts(hec_ciphertext ***a, size_t k, const hec_context *c)
{
	*a = calloc(k ? k : 1, sizeof **a);
	if (!*a)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < k; i++) {
		hec_status s = hec_ciphertext_new(&(*a)[i], c);
		if (s != HEC_OK)
			return s;
	}
	return HEC_OK;
}

static hec_status state_new(struct lr_state *st, const hec_ml_enc_lr_data *d, const hec_eval_keys *ek)
{
	const hec_context *c = d->ctx;
	const hec_ml_enc_lr_layout_t *l = &d->lay;
	st->ctx = c;
	st->d = d;
	st->l = l;
	st->nthreads = lr_threads();
	/* One group per thread at a time: their T, U, Y (and, for a data set
	 * left in its file, their ciphertexts) are what memory holds. */
	st->round = (size_t)st->nthreads < l->groups ? (size_t)st->nthreads : l->groups;
	hec_status s = HEC_OK;
	st->ev = calloc((size_t)st->nthreads, sizeof *st->ev);
	st->pt = calloc((size_t)st->nthreads, sizeof *st->pt);
	if (!st->ev || !st->pt)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (int i = 0; s == HEC_OK && i < st->nthreads; i++) {
		s = hec_evaluator_new(&st->ev[i], c, ek);
		if (s == HEC_OK)
			s = hec_plaintext_new(&st->pt[i], c);
	}
	if (s == HEC_OK)
		s = new_cts(&st->V, l->pairs, c);
	if (s == HEC_OK)
		s = new_cts(&st->W, l->pairs, c);
	if (s == HEC_OK)
		s = new_cts(&st->Vu, l->pairs, c);
	if (s == HEC_OK)
		s = new_cts(&st->T, st->round, c);
	if (s == HEC_OK)
		s = new_cts(&st->U, st->round, c);
	if (s == HEC_OK)
		s = new_cts(&st->Y, st->round, c);
	if (s == HEC_OK)
		s = new_cts(&st->zb, d->ct ? 0 : st->round * l->chunks, c);
	if (s == HEC_OK && !(st->zp = calloc(st->round * l->chunks, sizeof *st->zp)))
		s = hec_error_set(HEC_ERR_NOMEM, "out of memory");
	if (s == HEC_OK)
		s = new_cts(&st->P, l->chunks, c);
	if (s == HEC_OK)
		s = new_cts(&st->tmp, (size_t)st->nthreads * 3, c);
	/* 1 - i in every slot at scale 1 is the integer polynomial
	 * 1 - X^(N/2): multiplying by it costs no level and no precision. */
	if (s == HEC_OK)
		s = hec_plaintext_new(&st->one_minus_i, c);
	if (s == HEC_OK) {
		double complex v = 1.0 - I;
		s = hec_ckks_encode(st->one_minus_i, &v, 1, 1, hec_context_max_level(c), 1.0);
	}
	return s;
}

/* Key-switching, rescaling and encoding noise per slot (Cheon, Kim, Kim,
 * Song 2017, section 3.4, with the bounds the scheme tests use): an
 * absolute bound in units of the ciphertext's integer. */
static double noise_units(const hec_context *c)
{
	double N = (double)hec_context_n(c), h = N;
	double rescale = sqrt(N / 3) * (3 + 8 * sqrt(h));
	/* Key switching adds about as much as a rescale (P exceeds every
	 * digit), and a relinearised product collects a few of each. */
	return 4 * rescale;
}

hec_status hec_ml_enc_lr_train(hec_ml_enc_lr_model **dst, const hec_ml_enc_lr_data *d, const hec_eval_keys *ek,
                               const hec_ml_lr_opts_t *o, hec_ml_enc_lr_progress_fn progress, void *user)
{
	if (!dst || !d || !ek || !o)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: NULL argument");
	const hec_context *c = d->ctx;
	const hec_ml_enc_lr_layout_t *l = &d->lay;
	if (hec_eval_keys_context(ek) != c)
		return hec_error_set(HEC_ERR_MISMATCH, "encrypted LR: the evaluation keys belong to other parameters "
		                     "than the data set");
	if (o->degree != 3)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "encrypted LR: sigmoid degree %u is not implemented "
		                     "encrypted (degree 3 only)", o->degree);
	if (o->iterations < 1 || o->iterations > 1000000 || !(o->lr0 > 0) || !(o->lr_decay >= 0) || !(o->l2 >= 0))
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: need iterations >= 1, lr0 > 0, decay >= 0, l2 >= 0");
	size_t want_batch = o->batch == 0 || o->batch > l->samples ? l->samples : o->batch;
	if (want_batch != l->batch)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: the data set was packed for %s (%zu samples), not "
		                     "for batches of %zu", l->batch == l->samples ? "full-batch training" : "mini-batches",
		                     l->batch, want_batch);
	unsigned maxit = hec_ml_enc_lr_max_iterations(c, o->degree);
	if (o->iterations > maxit)
		return hec_error_set(HEC_ERR_LEVEL,
		                     "encrypted LR: %u iterations need %zu levels but these parameters have %zu; at most "
		                     "%u iterations (no bootstrapping: encrypt with parameters for more iterations)",
		                     o->iterations, hec_ml_enc_lr_depth(o->degree, o->iterations, 0),
		                     hec_context_max_level(c), maxit);
	/* Every key the trainer will use, checked before any work. */
	int64_t steps[128];
	size_t ns = hec_ml_enc_lr_steps(l, steps, 128);
	const hec_ring *r = hec_context_ring(c);
	if (!hec_eval_keys_has(ek, 0))
		return hec_error_set(HEC_ERR_KEY, "encrypted LR: the evaluation keys lack relinearisation");
	if (!hec_eval_keys_has(ek, hec_ring_galois_conjugation(r)))
		return hec_error_set(HEC_ERR_KEY, "encrypted LR: the evaluation keys lack the conjugation key");
	for (size_t i = 0; i < ns && i < 128; i++) {
		int64_t st = steps[i] % (int64_t)l->slots;
		if (st < 0)
			st += (int64_t)l->slots;
		if (!hec_eval_keys_has(ek, hec_ring_galois_rotation(r, st)))
			return hec_error_set(HEC_ERR_KEY, "encrypted LR: no rotation key for step %lld (keys made for "
			                     "another layout?)", (long long)steps[i]);
	}
	size_t top = hec_context_max_level(c);
	for (size_t i = 0; d->ct && i < d->nct; i++)
		if (hec_ciphertext_level(d->ct[i]) != top || hec_ciphertext_context(d->ct[i]) != c ||
		    fabs(hec_ciphertext_scale(d->ct[i]) / d->scale - 1) > 1e-12)
			return hec_error_set(HEC_ERR_LEVEL, "encrypted LR: data ciphertext %zu is not at the top level and "
			                     "the data scale", i);

	double poly[8] = {0};
	hec_status s = hec_ml_sigmoid_fit(poly, 3, 8.0);
	if (s != HEC_OK)
		return s;
	struct lr_state st = {0};
	st.c1 = poly[1];
	st.c3 = poly[3];
	st.min_tz_scale = INFINITY;
	double zeta = d->scale;
	st.tau = choose_tau(c, l, o, log2(zeta), st.c3, top);
	hec_ml_enc_lr_model *m = NULL;
	s = state_new(&st, d, ek);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (s == HEC_OK)
		s = first_iteration(&st, o, top);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (s == HEC_OK && progress)
		progress(1, o->iterations, (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec), user);
	for (unsigned t = 1; s == HEC_OK && t < o->iterations; t++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		s = iteration(&st, o, t);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (s == HEC_OK && progress)
			progress(t + 1, o->iterations,
			         (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec), user);
	}
	if (s == HEC_OK) {
		m = calloc(1, sizeof *m);
		if (!m)
			s = hec_error_set(HEC_ERR_NOMEM, "out of memory");
	}
	if (s == HEC_OK) {
		m->ctx = c;
		m->lay = *l;
		m->info = d->info;
		m->opts = *o;
		m->opts.on_iter = NULL;
		m->opts.user = NULL;
		m->opts.batch = l->batch == l->samples ? 0 : l->batch;
		m->w = st.W;
		st.W = NULL;
		/* One step's error in a weight, from the same starting point: each
		 * per-sample gradient term r_b z_b carries the noise of its
		 * smallest-scale factor, T Z (e = noise / scale in value units),
		 * through the inner product, the product with U and the c1 term
		 * (a factor 4 for those sources) and at most the polynomial's
		 * slope on [-8, 8], |c1| + 3 |c3| 8^2; the batch sum of B terms
		 * times alpha / B keeps alpha times the per-term bound (the noise
		 * of different terms adding coherently, the worst case); the
		 * update adds the rescaling noise at the weights' scale (>= 2^40). */
		double tz = isfinite(st.min_tz_scale) ? st.min_tz_scale : zeta;
		double e = noise_units(c) / tz;
		double amax = 0;
		for (unsigned t = 0; t < o->iterations; t++)
			amax = fmax(amax, hec_ml_lr_step(o, t));
		m->step_bound = amax * (fabs(st.c1) + 3 * fabs(st.c3) * 64) * e * 4 + noise_units(c) / exp2(40);
	}
	state_free(&st);
	if (s != HEC_OK) {
		free(m);
		return s;
	}
	*dst = m;
	return HEC_OK;
}

void hec_ml_enc_lr_model_free(hec_ml_enc_lr_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->w && i < m->lay.pairs; i++)
		hec_ciphertext_free(m->w[i]);
	free(m->w);
	free(m);
}

const hec_ml_enc_lr_layout_t *hec_ml_enc_lr_model_layout(const hec_ml_enc_lr_model *m)
{
	return &m->lay;
}

const hec_ml_enc_lr_info_t *hec_ml_enc_lr_model_info(const hec_ml_enc_lr_model *m)
{
	return &m->info;
}

const hec_ml_lr_opts_t *hec_ml_enc_lr_model_opts(const hec_ml_enc_lr_model *m)
{
	return &m->opts;
}

size_t hec_ml_enc_lr_model_level(const hec_ml_enc_lr_model *m)
{
	return hec_ciphertext_level(m->w[0]);
}

double hec_ml_enc_lr_model_step_bound(const hec_ml_enc_lr_model *m)
{
	return m->step_bound;
}

/* ------------------------------------------------------------------ */
/* Client: decryption, the plaintext model                             */
/* ------------------------------------------------------------------ */

hec_status hec_ml_enc_lr_decrypt(double *w, const hec_ml_enc_lr_model *m, const hec_secret_key *sk)
{
	if (!w || !m || !sk)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: NULL argument");
	if (hec_secret_key_context(sk) != m->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "encrypted LR: the model was trained under other keys");
	const hec_ml_enc_lr_layout_t *l = &m->lay;
	size_t per = period(l), F = l->features;
	hec_plaintext *pt = NULL;
	double complex *v = malloc(per * sizeof *v);
	hec_status s = v ? hec_plaintext_new(&pt, m->ctx) : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < F; i++)
		w[i] = 0;
	for (size_t p = 0; s == HEC_OK && p < l->pairs; p++) {
		s = hec_decrypt(pt, sk, m->w[p]);
		if (s == HEC_OK)
			s = hec_ckks_decode(v, per, pt);
		for (size_t i = 0; s == HEC_OK && i < 2 * l->chunk; i++) {
			size_t feat = (2 * p + i / l->chunk) * l->chunk + i % l->chunk;
			if (feat >= F)
				continue;
			double acc = 0;
			for (size_t blk = 0; blk < l->blocks; blk++)
				acc += creal(v[blk * 2 * l->chunk + i]);
			w[feat] = acc / (double)l->blocks;
		}
	}
	if (pt) {
		hec_plaintext_free(pt);
	}
	free(v);
	return s;
}

hec_status hec_ml_enc_lr_to_model(hec_ml_model **dst, const double *w, hec_ml_lr_task task, unsigned degree)
{
	if (task != HEC_ML_LR_MNIST_3V8 && task != HEC_ML_LR_FASHION_TSHIRT_SHIRT)
		return hec_error_set(HEC_ERR_ARG, "encrypted LR: task %d is not an image task", (int)task);
	unsigned lab[2];
	hec_ml_lr_task_labels(task, lab);
	double poly[8] = {0};
	hec_status s = degree ? hec_ml_sigmoid_fit(poly, degree, 8.0) : HEC_OK;
	hec_ml_input_t in = {2, 0.0f, 1.0f};
	hec_ml_model *m = NULL;
	if (s == HEC_OK)
		s = hec_ml_model_new(&m, hec_ml_lr_task_dataset(task), &in, HEC_ML_BINARY, lab, 2);
	if (s == HEC_OK)
		s = hec_ml_model_add_dense(m, 1);
	if (s == HEC_OK && degree)
		s = hec_ml_model_add_poly(m, poly, degree + 1);
	if (s != HEC_OK) {
		hec_ml_model_free(m);
		return s;
	}
	float *wt = hec_ml_model_weights(m, 0), *bias = hec_ml_model_bias(m, 0);
	for (size_t i = 0; i < 196; i++)
		wt[i] = (float)w[i];
	bias[0] = (float)w[196];
	*dst = m;
	return HEC_OK;
}

/* ------------------------------------------------------------------ */
/* Encrypted inference with the encrypted model                        */
/* ------------------------------------------------------------------ */

hec_status hec_ml_enc_lr_encrypt_input(hec_ciphertext *const *cts, const hec_secret_key *sk,
                                       const hec_ml_enc_lr_layout_t *l, const double *x, size_t level)
{
	const hec_context *c = hec_secret_key_context(sk);
	if (level < 1 || level > hec_context_max_level(c))
		return hec_error_set(HEC_ERR_LEVEL, "encrypted LR inference: level %zu (1 .. %zu)", level,
		                     hec_context_max_level(c));
	size_t per = period(l);
	double complex *v = malloc(per * sizeof *v);
	hec_plaintext *pt = NULL;
	hec_status s = v ? hec_plaintext_new(&pt, c) : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t p = 0; s == HEC_OK && p < l->pairs; p++) {
		/* The sample in every block (one block would do; all of them let
		 * the client average the noise away). */
		for (size_t i = 0; i < per; i++) {
			size_t o = i % (2 * l->chunk), feat = (2 * p + o / l->chunk) * l->chunk + o % l->chunk;
			v[i] = feat < l->features ? x[feat] : 0;
		}
		s = hec_ckks_encode(pt, v, per, per, level, exp2(hec_context_params(c)->log_scale));
		if (s == HEC_OK)
			s = hec_encrypt_symmetric(cts[p], sk, pt);
	}
	if (v)
		explicit_bzero(v, per * sizeof *v);
	free(v);
	hec_plaintext_free(pt);
	return s;
}

hec_status hec_ml_enc_lr_infer(hec_evaluator *ev, hec_ciphertext *out, const hec_ml_enc_lr_model *m,
                               hec_ciphertext *const *in)
{
	const hec_ml_enc_lr_layout_t *l = &m->lay;
	if (hec_ciphertext_level(m->w[0]) < 1)
		return hec_error_set(HEC_ERR_LEVEL, "encrypted LR inference: the model is at level 0 (trained to the "
		                     "last level); train one iteration fewer to keep a level for inference");
	hec_ciphertext *t = NULL;
	hec_status s = hec_ciphertext_new(&t, m->ctx);
	if (s == HEC_OK)
		s = hec_ckks_mul(ev, out, m->w[0], in[0]);
	for (size_t p = 1; s == HEC_OK && p < l->pairs; p++) {
		s = hec_ckks_mul(ev, t, m->w[p], in[p]);
		if (s == HEC_OK)
			s = hec_ckks_add(ev, out, out, t);
	}
	if (s == HEC_OK)
		s = hec_ckks_relinearize(ev, out, out);
	if (s == HEC_OK)
		s = hec_ckks_rescale(ev, out, out);
	/* Sum the 2 chunk products of every block: slot 0 of each block. */
	if (s == HEC_OK)
		s = hec_ckks_rotate_sum(ev, out, out, 2 * l->chunk, 1);
	hec_ciphertext_free(t);
	return s;
}

hec_status hec_ml_enc_lr_decrypt_logit(double *z, const hec_secret_key *sk, const hec_ml_enc_lr_layout_t *l,
                                       const hec_ciphertext *out)
{
	size_t per = period(l);
	hec_plaintext *pt = NULL;
	double complex *v = malloc(per * sizeof *v);
	hec_status s = v ? hec_plaintext_new(&pt, hec_secret_key_context(sk))
	                 : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	if (s == HEC_OK)
		s = hec_decrypt(pt, sk, out);
	if (s == HEC_OK)
		s = hec_ckks_decode(v, per, pt);
	if (s == HEC_OK) {
		double acc = 0;
		for (size_t blk = 0; blk < l->blocks; blk++)
			acc += creal(v[blk * 2 * l->chunk]);
		*z = acc / (double)l->blocks;
	}
	hec_plaintext_free(pt);
	free(v);
	return s;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_f64(uint8_t *p, double x)
{
	uint64_t u;
	memcpy(&u, &x, 8);
	put(p, u, 8);
}

static double get_f64(const uint8_t *p)
{
	uint64_t u = get(p, 8);
	double x;
	memcpy(&x, &u, 8);
	return x;
}

static hec_status write_object(FILE *f, uint32_t type, uint64_t fp, uint8_t *b, size_t payload)
{
	memcpy(b, HEC_FILE_MAGIC, 8);
	put(b + 8, 1, 2);
	put(b + 10, HEC_FILE_HEADER_SIZE, 2);
	put(b + 12, type, 4);
	put(b + 16, fp, 8);
	put(b + 24, payload, 8);
	put(b + 32, crc32(0L, b + HEC_FILE_HEADER_SIZE, (uInt)payload), 4);
	put(b + 36, crc32(0L, b, 36), 4);
	if (fwrite(b, 1, HEC_FILE_HEADER_SIZE + payload, f) != HEC_FILE_HEADER_SIZE + payload)
		return hec_error_set(HEC_ERR_IO, "write error: %s", strerror(errno));
	return HEC_OK;
}

static const char *kind_name(uint32_t type)
{
	return type == ELRD_TYPE ? "an encrypted LR data set (hecate encrypt-dataset)"
	       : type == ELRM_TYPE ? "an encrypted LR model (hecate train-encrypted)"
	                           : "another kind of Hecate object";
}

/* Read and check a header object of type `want` and payload size `len`
 * into b (HEC_FILE_HEADER_SIZE + len bytes). */
static hec_status read_object(FILE *f, const hec_context *c, uint32_t want, uint8_t *b, size_t len)
{
	size_t got = fread(b, 1, HEC_FILE_HEADER_SIZE, f);
	if (got >= 10 && !memcmp(b, "HECATE", 6) && get(b + 6, 2) == HEC_FORMAT_VERSION)
		return hec_error_set(HEC_ERR_FORMAT, "this file starts with a %s object, not with the header of %s",
		                     hec_object_type_name((uint16_t)get(b + 8, 2)), kind_name(want));
	hec_file_header_t h;
	hec_status s = hec_file_header_parse(&h, b, got);
	if (s != HEC_OK) {
		char pre[128];
		snprintf(pre, sizeof pre, "not %s", kind_name(want));
		return wrap(s, pre);
	}
	if (h.type != want)
		return hec_error_set(HEC_ERR_FORMAT, "this file holds %s, not %s", kind_name(h.type), kind_name(want));
	if (h.payload_len != len)
		return hec_error_set(HEC_ERR_FORMAT, "header payload of %llu bytes, expected %zu",
		                     (unsigned long long)h.payload_len, len);
	if (fread(b + HEC_FILE_HEADER_SIZE, 1, len, f) != len)
		return hec_error_set(HEC_ERR_FORMAT, "truncated header");
	if (crc32(0L, b + HEC_FILE_HEADER_SIZE, (uInt)len) != h.payload_crc)
		return hec_error_set(HEC_ERR_CHECKSUM, "header checksum mismatch: the file is corrupt");
	if (get(b + HEC_FILE_HEADER_SIZE, 4) != ELR_VERSION)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "layout version %llu is not supported",
		                     (unsigned long long)get(b + HEC_FILE_HEADER_SIZE, 4));
	if (h.fingerprint != hec_context_fingerprint(c))
		return hec_error_set(HEC_ERR_MISMATCH, "%s was made for parameters %016llx, but the keys are for "
		                     "%016llx (keys of another run?)", want == ELRD_TYPE ? "the data set" : "the model",
		                     (unsigned long long)h.fingerprint, (unsigned long long)hec_context_fingerprint(c));
	return HEC_OK;
}

static void put_layout(uint8_t *p, const hec_ml_enc_lr_layout_t *l)
{
	put(p, l->samples, 8);
	put(p + 8, l->features, 8);
	put(p + 16, l->batch, 8);
	put(p + 24, l->slots, 8);
	put(p + 32, l->chunk, 8);
	put(p + 40, l->blocks, 8);
	put(p + 48, l->groups, 8);
}

/* Read a layout and check it is the one the parameters derive. */
static hec_status get_layout(hec_ml_enc_lr_layout_t *l, const uint8_t *p, const hec_context *c)
{
	uint64_t n = get(p, 8), F = get(p + 8, 8), B = get(p + 16, 8), slots = get(p + 24, 8);
	if (slots != hec_context_slots(c))
		return hec_error_set(HEC_ERR_MISMATCH, "the file's layout is for %llu slots, the parameters have %zu",
		                     (unsigned long long)slots, hec_context_slots(c));
	if (n < 1 || n > LR_MAX_SAMPLES || F < 2 || F > LR_MAX_FEATURES || B < 1 || B > n)
		return hec_error_set(HEC_ERR_FORMAT, "layout sizes out of range (%llu samples, %llu features, batch "
		                     "%llu)", (unsigned long long)n, (unsigned long long)F, (unsigned long long)B);
	hec_status s = hec_ml_enc_lr_layout(l, (size_t)slots, (size_t)n, (size_t)F, (size_t)B);
	if (s != HEC_OK)
		return s;
	if (l->chunk != get(p + 32, 8) || l->blocks != get(p + 40, 8) || l->groups != get(p + 48, 8))
		return hec_error_set(HEC_ERR_FORMAT, "the file's packing (chunk %llu, blocks %llu, groups %llu) is not "
		                     "the one these sizes give", (unsigned long long)get(p + 32, 8),
		                     (unsigned long long)get(p + 40, 8), (unsigned long long)get(p + 48, 8));
	return HEC_OK;
}

static void put_info(uint8_t *p, const hec_ml_enc_lr_info_t *in)
{
	put(p, in->task, 4);
	put(p + 4, in->labels[0], 4);
	put(p + 8, in->labels[1], 4);
	put(p + 12, in->seed, 8);
	put(p + 20, in->key_id, 8);
}

static hec_status get_info(hec_ml_enc_lr_info_t *in, const uint8_t *p)
{
	in->task = (uint32_t)get(p, 4);
	in->labels[0] = (uint32_t)get(p + 4, 4);
	in->labels[1] = (uint32_t)get(p + 8, 4);
	in->seed = get(p + 12, 8);
	in->key_id = get(p + 20, 8);
	if (in->task > HEC_ML_LR_FASHION_TSHIRT_SHIRT || in->labels[0] > 255 || in->labels[1] > 255)
		return hec_error_set(HEC_ERR_FORMAT, "task %u or labels out of range", in->task);
	return HEC_OK;
}

hec_status hec_ml_enc_lr_data_write_header(FILE *f, const hec_context *c, const hec_ml_enc_lr_layout_t *l,
                                           const hec_ml_enc_lr_info_t *info)
{
	uint8_t b[HEC_FILE_HEADER_SIZE + ELRD_PAYLOAD] = {0}, *p = b + HEC_FILE_HEADER_SIZE;
	put(p, ELR_VERSION, 4);
	put_info(p + 4, info);
	put_layout(p + 32, l);
	put(p + 88, hec_ml_enc_lr_data_cts(l), 8);
	return write_object(f, ELRD_TYPE, hec_context_fingerprint(c), b, ELRD_PAYLOAD);
}

static hec_status write_ct(FILE *f, const hec_ciphertext *ct)
{
	uint8_t *buf;
	size_t len;
	hec_status s = hec_ciphertext_serialize(ct, &buf, &len);
	if (s != HEC_OK)
		return s;
	s = hec_object_write(f, buf, len);
	free(buf);
	return s;
}

static hec_status read_ct(FILE *f, hec_ciphertext *ct, size_t i, size_t n, const char *what)
{
	int ch = fgetc(f);
	if (ch == EOF)
		return hec_error_set(HEC_ERR_FORMAT, "the file is truncated: %s %zu of %zu is missing", what, i + 1, n);
	ungetc(ch, f);
	uint8_t *buf;
	size_t len;
	char pre[128];
	snprintf(pre, sizeof pre, "%s %zu of %zu", what, i + 1, n);
	hec_status s = hec_object_read(f, &buf, &len, hec_context_max_payload(hec_ciphertext_context(ct)));
	if (s != HEC_OK)
		return wrap(s, pre);
	s = hec_ciphertext_deserialize(ct, buf, len);
	free(buf);
	return s == HEC_OK ? s : wrap(s, pre);
}

hec_status hec_ml_enc_lr_data_write(FILE *f, const hec_ml_enc_lr_data *d)
{
	hec_status s = hec_ml_enc_lr_data_write_header(f, d->ctx, &d->lay, &d->info);
	for (size_t i = 0; s == HEC_OK && i < d->nct; i++)
		s = write_ct(f, d->ct[i]);
	return s;
}

hec_status hec_ml_enc_lr_data_read_header(hec_ml_enc_lr_layout_t *l, hec_ml_enc_lr_info_t *info,
                                          const hec_context *c, FILE *f)
{
	uint8_t b[HEC_FILE_HEADER_SIZE + ELRD_PAYLOAD], *p = b + HEC_FILE_HEADER_SIZE;
	hec_status s = read_object(f, c, ELRD_TYPE, b, ELRD_PAYLOAD);
	if (s == HEC_OK)
		s = get_info(info, p + 4);
	if (s == HEC_OK)
		s = get_layout(l, p + 32, c);
	if (s == HEC_OK && get(p + 88, 8) != hec_ml_enc_lr_data_cts(l))
		return hec_error_set(HEC_ERR_FORMAT, "the header counts %llu ciphertexts, the layout %zu",
		                     (unsigned long long)get(p + 88, 8), hec_ml_enc_lr_data_cts(l));
	return s;
}

hec_status hec_ml_enc_lr_data_read(hec_ml_enc_lr_data **dst, const hec_context *c, FILE *f)
{
	hec_ml_enc_lr_layout_t l;
	hec_ml_enc_lr_info_t info;
	hec_status s = hec_ml_enc_lr_data_read_header(&l, &info, c, f);
	hec_ml_enc_lr_data *d = NULL;
	if (s == HEC_OK)
		s = data_alloc(&d, c, &l, &info);
	size_t top = hec_context_max_level(c);
	for (size_t i = 0; s == HEC_OK && i < d->nct; i++) {
		s = read_ct(f, d->ct[i], i, d->nct, "data ciphertext");
		if (s == HEC_OK && hec_ciphertext_level(d->ct[i]) != top)
			s = hec_error_set(HEC_ERR_FORMAT, "data ciphertext %zu is at level %zu, not at the top level %zu", i,
			                  hec_ciphertext_level(d->ct[i]), top);
		if (s == HEC_OK && fabs(hec_ciphertext_scale(d->ct[i]) / d->scale - 1) > 1e-12)
			s = hec_error_set(HEC_ERR_FORMAT, "data ciphertext %zu is not at the data scale 2^%g", i,
			                  log2(d->scale));
	}
	if (s == HEC_OK && fgetc(f) != EOF)
		s = hec_error_set(HEC_ERR_FORMAT, "unexpected data after the last ciphertext");
	if (s != HEC_OK) {
		hec_ml_enc_lr_data_free(d);
		return s;
	}
	*dst = d;
	return HEC_OK;
}

hec_status hec_ml_enc_lr_data_open(hec_ml_enc_lr_data **dst, const hec_context *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return hec_error_set(HEC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	hec_ml_enc_lr_layout_t l;
	hec_ml_enc_lr_info_t info;
	hec_status s = hec_ml_enc_lr_data_read_header(&l, &info, c, f);
	hec_ml_enc_lr_data *d = NULL;
	if (s == HEC_OK && !(d = calloc(1, sizeof *d)))
		s = hec_error_set(HEC_ERR_NOMEM, "out of memory");
	if (s == HEC_OK) {
		d->ctx = c;
		d->lay = l;
		d->info = info;
		d->fd = -1;
		d->scale = exp2(hec_context_params(c)->log_scale);
		d->nct = hec_ml_enc_lr_data_cts(&l);
		d->off = calloc(d->nct, sizeof *d->off);
		d->len = calloc(d->nct, sizeof *d->len);
		if (!d->off || !d->len)
			s = hec_error_set(HEC_ERR_NOMEM, "out of memory");
	}
	/* Walk the object headers: every ciphertext is there, whole, for these
	 * parameters (its payload is checked when the trainer reads it). */
	uint64_t pos = (uint64_t)ftell(f), max = hec_context_max_payload(c);
	for (size_t i = 0; s == HEC_OK && i < d->nct; i++) {
		uint8_t h[HEC_HEADER_BYTES];
		hec_header_t hd;
		if (fseek(f, (long)pos, SEEK_SET) != 0 || fread(h, 1, sizeof h, f) != sizeof h) {
			s = hec_error_set(HEC_ERR_FORMAT, "the file is truncated: data ciphertext %zu of %zu is missing", i + 1,
			                  d->nct);
			break;
		}
		s = hec_header_parse(&hd, h, sizeof h);
		if (s != HEC_OK) {
			char pre[96];
			snprintf(pre, sizeof pre, "data ciphertext %zu of %zu", i + 1, d->nct);
			s = wrap(s, pre);
		} else if (hd.type != HEC_OBJ_CIPHERTEXT || hd.payload_len > max)
			s = hec_error_set(HEC_ERR_FORMAT, "data ciphertext %zu of %zu: a %s of %llu bytes", i + 1, d->nct,
			                  hec_object_type_name(hd.type), (unsigned long long)hd.payload_len);
		else if (hd.fingerprint != hec_context_fingerprint(c))
			s = hec_error_set(HEC_ERR_MISMATCH, "data ciphertext %zu of %zu belongs to other parameters", i + 1,
			                  d->nct);
		if (s == HEC_OK) {
			d->off[i] = pos;
			d->len[i] = HEC_HEADER_BYTES + hd.payload_len;
			pos += d->len[i];
		}
	}
	if (s == HEC_OK) {
		if (fseek(f, 0, SEEK_END) != 0)
			s = hec_error_set(HEC_ERR_IO, "%s: cannot seek", path);
		else if ((uint64_t)ftell(f) < pos)
			s = hec_error_set(HEC_ERR_FORMAT, "the file is truncated: data ciphertext %zu of %zu is cut short",
			                  d->nct, d->nct);
		else if ((uint64_t)ftell(f) > pos)
			s = hec_error_set(HEC_ERR_FORMAT, "unexpected data after the last ciphertext");
	}
	if (s == HEC_OK && (d->fd = dup(fileno(f))) < 0)
		s = hec_error_set(HEC_ERR_IO, "%s: %s", path, strerror(errno));
	fclose(f);
	if (s != HEC_OK) {
		hec_ml_enc_lr_data_free(d);
		return s;
	}
	*dst = d;
	return HEC_OK;
}

hec_status hec_ml_enc_lr_model_write(FILE *f, const hec_ml_enc_lr_model *m)
{
	uint8_t b[HEC_FILE_HEADER_SIZE + ELRM_PAYLOAD] = {0}, *p = b + HEC_FILE_HEADER_SIZE;
	put(p, ELR_VERSION, 4);
	put_info(p + 4, &m->info);
	put_layout(p + 32, &m->lay);
	put(p + 88, m->opts.iterations, 4);
	put(p + 92, m->opts.degree, 4);
	put_f64(p + 96, m->opts.lr0);
	put_f64(p + 104, m->opts.lr_decay);
	put_f64(p + 112, m->opts.l2);
	put_f64(p + 120, m->step_bound);
	hec_status s = write_object(f, ELRM_TYPE, hec_context_fingerprint(m->ctx), b, ELRM_PAYLOAD);
	for (size_t i = 0; s == HEC_OK && i < m->lay.pairs; i++)
		s = write_ct(f, m->w[i]);
	return s;
}

hec_status hec_ml_enc_lr_model_read(hec_ml_enc_lr_model **dst, const hec_context *c, FILE *f)
{
	uint8_t b[HEC_FILE_HEADER_SIZE + ELRM_PAYLOAD], *p = b + HEC_FILE_HEADER_SIZE;
	hec_status s = read_object(f, c, ELRM_TYPE, b, ELRM_PAYLOAD);
	hec_ml_enc_lr_model *m = calloc(1, sizeof *m);
	if (!m)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	m->ctx = c;
	if (s == HEC_OK)
		s = get_info(&m->info, p + 4);
	if (s == HEC_OK)
		s = get_layout(&m->lay, p + 32, c);
	if (s == HEC_OK) {
		m->opts.task = m->info.task ? (hec_ml_lr_task)m->info.task : HEC_ML_LR_MNIST_3V8;
		m->opts.iterations = (unsigned)get(p + 88, 4);
		m->opts.degree = (unsigned)get(p + 92, 4);
		m->opts.lr0 = get_f64(p + 96);
		m->opts.lr_decay = get_f64(p + 104);
		m->opts.l2 = get_f64(p + 112);
		m->opts.batch = m->lay.batch == m->lay.samples ? 0 : m->lay.batch;
		m->step_bound = get_f64(p + 120);
		if (m->opts.degree != 3 || m->opts.iterations < 1 || !isfinite(m->opts.lr0) ||
		    !isfinite(m->opts.lr_decay) || !isfinite(m->opts.l2) || !isfinite(m->step_bound))
			s = hec_error_set(HEC_ERR_FORMAT, "the model's schedule is out of range");
	}
	if (s == HEC_OK)
		s = new_cts(&m->w, m->lay.pairs, c);
	for (size_t i = 0; s == HEC_OK && i < m->lay.pairs; i++)
		s = read_ct(f, m->w[i], i, m->lay.pairs, "weight ciphertext");
	for (size_t i = 1; s == HEC_OK && i < m->lay.pairs; i++)
		if (hec_ciphertext_level(m->w[i]) != hec_ciphertext_level(m->w[0]))
			s = hec_error_set(HEC_ERR_FORMAT, "weight ciphertexts at different levels");
	if (s == HEC_OK && fgetc(f) != EOF)
		s = hec_error_set(HEC_ERR_FORMAT, "unexpected data after the last ciphertext");
	if (s != HEC_OK) {
		hec_ml_enc_lr_model_free(m);
		return s;
	}
	*dst = m;
	return HEC_OK;
}

hec_status hec_ml_enc_lr_key_id(uint64_t *id, const hec_public_key *pk)
{
	uint8_t *buf;
	size_t len;
	hec_status s = hec_public_key_serialize(pk, &buf, &len);
	if (s != HEC_OK)
		return s;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < len; i++) {
		h ^= buf[i];
		h *= UINT64_C(0x100000001b3);
	}
	free(buf);
	*id = h ? h : 1;
	return HEC_OK;
}

/* ------------------------------------------------------------------ */
/* Plaintext reference                                                 */
/* ------------------------------------------------------------------ */

hec_status hec_ml_lr_train_matrix(double *w, const double *x, const uint8_t *y, size_t n, size_t features,
                                  const hec_ml_lr_opts_t *o)
{
	if (!w || !x || !y || !o || n == 0 || features < 2)
		return hec_error_set(HEC_ERR_ARG, "train-lr: bad arguments");
	if (o->degree != 0 && o->degree != 3 && o->degree != 5 && o->degree != 7)
		return hec_error_set(HEC_ERR_ARG, "train-lr: sigmoid degree %u is not 0, 3, 5 or 7", o->degree);
	if (o->iterations == 0 || o->iterations > 1000000 || !(o->lr0 > 0) || o->lr_decay < 0)
		return hec_error_set(HEC_ERR_ARG, "train-lr: need iterations >= 1, lr0 > 0, decay >= 0");
	size_t NF = features - 1, batch = o->batch == 0 || o->batch > n ? n : o->batch;
	size_t *order = malloc(n * sizeof *order);
	double *v = calloc(features, sizeof *v), *g = calloc(features, sizeof *g), *wn = calloc(features, sizeof *wn);
	if (!order || !v || !g || !wn) {
		free(order);
		free(v);
		free(g);
		free(wn);
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < features; i++)
		w[i] = 0;
	double poly[8] = {0};
	if (o->degree)
		hec_ml_sigmoid_fit(poly, o->degree, 8.0);
	/* The same order, sums and updates as hec_ml_train_lr (logreg.c). */
	hec_ml_lr_order(order, n, o->seed);
	size_t nb = n / batch;
	for (unsigned t = 0; t < o->iterations; t++) {
		const size_t *idx = order + (t % nb) * batch;
		memset(g, 0, features * sizeof *g);
		for (size_t b = 0; b < batch; b++) {
			const double *xi = x + idx[b] * features;
			double z = v[NF];
			for (size_t i = 0; i < NF; i++)
				z += v[i] * xi[i];
			double p = o->degree ? hec_ml_poly_eval(poly, o->degree + 1, z) : hec_ml_sigmoid(z);
			double r = p - y[idx[b]];
			for (size_t i = 0; i < NF; i++)
				g[i] += r * xi[i];
			g[NF] += r;
		}
		double a = hec_ml_lr_step(o, t) / (double)batch, gam = hec_ml_lr_gamma(t);
		for (size_t i = 0; i < features; i++) {
			double gi = g[i] + (i < NF ? o->l2 * (double)batch * v[i] : 0.0);
			wn[i] = v[i] - a * gi;
			v[i] = (1.0 - gam) * wn[i] + gam * w[i];
			w[i] = wn[i];
		}
	}
	free(order);
	free(v);
	free(g);
	free(wn);
	return HEC_OK;
}

hec_status hec_ml_lr_task_matrix(double **x, uint8_t **y, size_t *n, const hec_ml_dataset *train,
                                 hec_ml_lr_task task, size_t limit)
{
	if (!x || !y || !n || !train)
		return hec_error_set(HEC_ERR_ARG, "LR features: NULL argument");
	if (task != HEC_ML_LR_MNIST_3V8 && task != HEC_ML_LR_FASHION_TSHIRT_SHIRT)
		return hec_error_set(HEC_ERR_ARG, "LR features: unknown task %d", (int)task);
	if (hec_ml_dataset_rows(train) != 28 || hec_ml_dataset_cols(train) != 28)
		return hec_error_set(HEC_ERR_ARG, "LR features: images must be 28 x 28");
	unsigned lab[2];
	hec_ml_lr_task_labels(task, lab);
	size_t total = hec_ml_dataset_count(train), cnt = 0;
	for (size_t i = 0; i < total && (!limit || cnt < limit); i++) {
		unsigned l = hec_ml_dataset_label(train, i);
		cnt += l == lab[0] || l == lab[1];
	}
	if (cnt == 0)
		return hec_error_set(HEC_ERR_ARG, "LR features: the %s data set has no images labelled %u or %u",
		                     hec_ml_dataset_name(train), lab[0], lab[1]);
	double *X = malloc(cnt * 197 * sizeof *X);
	uint8_t *Y = malloc(cnt);
	if (!X || !Y) {
		free(X);
		free(Y);
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	}
	float f[196];
	for (size_t i = 0, j = 0; i < total && j < cnt; i++) {
		unsigned l = hec_ml_dataset_label(train, i);
		if (l != lab[0] && l != lab[1])
			continue;
		hec_ml_lr_features(f, hec_ml_dataset_image(train, i));
		for (size_t k = 0; k < 196; k++)
			X[j * 197 + k] = f[k];
		X[j * 197 + 196] = 1.0;
		Y[j] = l == lab[1];
		j++;
	}
	*x = X;
	*y = Y;
	*n = cnt;
	return HEC_OK;
}
