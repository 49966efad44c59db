/* hec_poly_dot's limb kernel (poly.c) in AVX2 double precision, for primes
 * below 2^50.
 *
 * The arithmetic of the AVX2 NTT (src/ntt/ntt_avx2.c) with both factors
 * variable: for a, b in [0, q), h = fl(a b) and l = fma(a, b, -h) give
 * a b = h + l exactly (Ogita, Rump, Oishi, SIAM J. Sci. Comput. 2005); the
 * quotient estimate qt = round(h (1/q)), one fused multiply-add, is within
 * 1/2 + 1/4 of a b / q (a b / q < 2^50 and two relative errors of 2^-53), so
 * r = (h - qt q) + l = a b - qt q is an exact integer with |r| <= 3q/4,
 * every intermediate an integer below 2^53.  Eight such terms sum exactly
 * (8 * 3/4 * 2^50 < 2^53); the sum is brought back to |s| <= q/2 + 1 by one
 * more estimate, then to [0, q).  The result is the exact residue, equal
 * to the portable kernel's bit for bit. */
#include <math.h>
#include <stdlib.h>

#include "fma_avx2.h"
#include "ring_internal.h"

/* a b - round(a b / q) q, exactly; |result| <= 3q/4. */
static inline __m256d mulmod(__m256d a, __m256d b, __m256d q, __m256d qinv)
{
	const __m256d magic = _mm256_set1_pd(MAGIC);
	__m256d h = _mm256_mul_pd(a, b);
	__m256d l = _mm256_fmsub_pd(a, b, h);
	__m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(h, qinv, magic), magic);
	return _mm256_add_pd(_mm256_fnmadd_pd(qt, q, h), l);
}

#define DOT_BLK 1024
/* Slots ahead whose cache line a permuted gather prefetches (16 lines;
 * 64 to 256 measured alike, none about 20% slower at N = 2^14). */
#define GATHER_AHEAD 128

/* One term over a block of sums: acc_o (+)= x y_o, folded every eighth
 * term, written out as residues at the last. */
static inline __attribute__((always_inline)) void dot_term(double *const *acc, uint64_t *const *out,
                                                           const uint64_t *x, const uint64_t *const *y,
                                                           size_t nout, size_t len, bool first, bool fold,
                                                           bool last, __m256d q, __m256d qinv)
{
	for (size_t k = 0; k < len; k += 4) {
		const __m256d xv = load_u64(x + k);
		__m256d s[2];
		for (size_t o = 0; o < nout; o++) {
			s[o] = mulmod(xv, load_u64(y[o] + k), q, qinv);
			if (!first)
				s[o] = _mm256_add_pd(s[o], _mm256_load_pd(acc[o] + k));
		}
		/* Stores after all loads of these coefficients: outputs may alias
		 * inputs. */
		for (size_t o = 0; o < nout; o++) {
			if (last)
				store_u64(out[o] + k, canon(reduce(s[o], q, qinv), q));
			else
				_mm256_store_pd(acc[o] + k, fold ? reduce(s[o], q, qinv) : s[o]);
		}
	}
}

/* n a multiple of 16; nout = 1 or 2 outputs sharing the a[j] (d[o] = sum_j
 * a'[j] b[o][j], a'[j] = a[j] permuted by perm if given).  The terms are
 * taken one at a time over a block of coefficients, the running sums held
 * in L1 buffers: 1 + nout streams at a time (long runs of sequential reads
 * the prefetcher follows) instead of (1 + nout) count interleaved ones; a
 * permuted term is first gathered into an L1 buffer (NTT-form
 * permutations map aligned runs of 8 slots to aligned runs of 8, so whole
 * cache lines are read).  A block is written after all its terms were
 * read, so d[o] may be any b[o'][j] (and any a[j] without perm). */
void _hec_poly_dot_limb_avx2(uint64_t *const *d, size_t nout, const uint64_t *const *a, const uint32_t *perm,
                             const uint64_t *const *const *b, size_t count, size_t n, const hec_modulus_t *m)
{
	const __m256d q = _mm256_set1_pd((double)m->q), qinv = _mm256_set1_pd(1.0 / (double)m->q);
	double buf[2][DOT_BLK] __attribute__((aligned(32)));
	uint64_t xbuf[DOT_BLK] __attribute__((aligned(32)));
	double *acc[2] = {buf[0], buf[1]};
	for (size_t k0 = 0; k0 < n; k0 += DOT_BLK) {
		const size_t len = n - k0 < DOT_BLK ? n - k0 : DOT_BLK;
		uint64_t *out[2] = {d[0] + k0, nout > 1 ? d[1] + k0 : NULL};
		for (size_t j = 0; j < count; j++) {
			const bool first = j == 0, fold = (j & 7) == 7, last = j + 1 == count;
			const uint64_t *y[2] = {b[0][j] + k0, nout > 1 ? b[1][j] + k0 : NULL};
			const uint64_t *x = a[j] + k0;
			if (perm) {
				const uint32_t *p = perm + k0;
				const uint64_t *src = a[j];
				for (size_t k = 0; k < len; k += 8) {
					/* Each aligned run of 8 slots reads one cache line, in
					 * an order the prefetcher cannot guess: ask for the
					 * lines ahead. */
					if (k + GATHER_AHEAD < len)
						_mm_prefetch((const char *)(src + p[k + GATHER_AHEAD]),
						             _MM_HINT_T0);
					for (size_t t = 0; t < 8; t++)
						xbuf[k + t] = src[p[k + t]];
				}
				x = xbuf;
			}
			/* Specialised on the flags and nout (the common cases). */
			if (nout == 2) {
				if (first)
					dot_term(acc, out, x, y, 2, len, true, false, last, q, qinv);
				else if (last)
					dot_term(acc, out, x, y, 2, len, false, false, true, q, qinv);
				else
					dot_term(acc, out, x, y, 2, len, false, fold, false, q, qinv);
			} else {
				if (first)
					dot_term(acc, out, x, y, 1, len, true, false, last, q, qinv);
				else if (last)
					dot_term(acc, out, x, y, 1, len, false, false, true, q, qinv);
				else
					dot_term(acc, out, x, y, 1, len, false, fold, false, q, qinv);
			}
		}
	}
}

/* mulmod_const (fma_avx2.h) with |s| < q and a balanced constant |w| <=
 * q/2 with its quotient w / q: |s w / q| < 2^49, so the estimate is within
 * 1/2 + 2^-4 and the exact result is at most 5q/8 in magnitude. */
static inline double balanced(uint64_t w, uint64_t q)
{
	return w > q / 2 ? -(double)(q - w) : (double)w;
}

/* d = (x - c) w mod q for a constant w in [0, q): x - c in (-q, q)
 * exactly, times the balanced w, then [0, q).  n a multiple of 4; d may
 * alias x or c. */
void _hec_vec_sub_mul_scalar_avx2(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, size_t n,
                                  const hec_modulus_t *m)
{
	const double qd = (double)m->q, wd = balanced(w, m->q);
	const __m256d q = _mm256_set1_pd(qd), wv = _mm256_set1_pd(wd), wq = _mm256_set1_pd(wd / qd);
	for (size_t k = 0; k < n; k += 4) {
		const __m256d s = _mm256_sub_pd(load_u64(x + k), load_u64(c + k));
		store_u64(d + k, canon(mulmod_const(s, wv, wq, q), q));
	}
}

/* d = (x - c) w + y v mod q: two exact products of at most 5q/8 each, their
 * sum reduced by one more estimate, then [0, q).  n a multiple of 4; d may
 * alias x, c or y. */
void _hec_vec_sub_mul_add_scalar_avx2(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w,
                                      const uint64_t *y, uint64_t v, size_t n, const hec_modulus_t *m)
{
	const double qd = (double)m->q, wd = balanced(w, m->q), vd = balanced(v, m->q);
	const __m256d q = _mm256_set1_pd(qd), qinv = _mm256_set1_pd(1.0 / qd);
	const __m256d wv = _mm256_set1_pd(wd), wq = _mm256_set1_pd(wd / qd);
	const __m256d vv = _mm256_set1_pd(vd), vq = _mm256_set1_pd(vd / qd);
	for (size_t k = 0; k < n; k += 4) {
		const __m256d s = _mm256_sub_pd(load_u64(x + k), load_u64(c + k));
		const __m256d a = mulmod_const(s, wv, wq, q), b = mulmod_const(load_u64(y + k), vv, vq, q);
		store_u64(d + k, canon(reduce(_mm256_add_pd(a, b), q, qinv), q));
	}
}

/* hec_vec_lincomb in exact double precision, two ways.
 *
 * General weights: each term is mulmod_const's exact x w - round(x w / q)
 * q, |term| <= 5q/8, with the weight balanced; a sum below q in magnitude
 * (a reduced one, or d's value when adding) takes G more terms exactly as
 * long as q (1 + 5G/8) <= 2^53, which G = (t - 1) 8/5 with t = floor(2^53
 * / q) guarantees (q (1 + t - 1) = q t <= 2^53); q < 2^50 gives t >= 8 and
 * G >= 11.
 *
 * Small weights (every balanced |w| <= 2^24: the CKKS lincomb's, real
 * weights of magnitude below 8 scaled by about 2^21): each input x < 2^50
 * is split once per block into halves x = x1 2^25 + x0, x0, x1 < 2^25, so
 * a term's two products x_h w are below 2^49 and exact in a double: a term
 * costs two fused multiply-adds and no reduction; the two sums are reduced
 * only every G = 7 2^25 / max|w| terms (at least 14: |sum| <= 2^50 + G
 * 2^25 max|w| <= 2^53), and sum1 2^25 + sum0 is one mulmod_const at the
 * end.  Dense rows go four at a time (lc_small_pass), sharing every load
 * of the halves, which makes 4 bytes of buffer read per term (the buffer
 * lives in L2, whose bandwidth bounds these loops: two rows at a time ran
 * at 0.17-0.22 ns a term); sparse rows (a convolution's) one at a time
 * over their nonzero terms (lc_run_split).  A split block buffer holds,
 * per 4 coefficients, their 4 low halves then their 4 high ones, so that
 * one 64-byte line serves a pass over 4 coefficients.
 *
 * Coefficients are taken 16 at a time: every input's 16 (or their 32
 * halves) are converted to double once into one contiguous buffer, which
 * each row's terms then read in order, the sums in registers (measured,
 * general weights: 0.25 ns a term at 100 x 845, N = 2^14, against
 * 0.29-0.39 with blocks of 32-256 sized for L2, whose strided reads the
 * prefetcher followed less well; small weights, dense: 0.17-0.22).  All
 * exact: the result is the portable kernel's bit for bit.
 *
 * Tried and removed: for primes of up to 46 bits, Karatsuba on halves of
 * x and w (three exact FMA sums a term, halves stored as floats), alone
 * and four dense rows at a time; fewer multiplications, but bound by the
 * float conversions and L2 reads, it made the batch CNN 20-50% slower
 * (hecate-bench ml-batch, interleaved runs). */
#define LC_BLK     16
#define LC_SMALL_W (1 << 24)

struct lc_term {
	const double *x; /* the input's block */
	double w, wq;
};

/* The constants every kernel below needs. */
struct lc_consts {
	__m256d q, qinv, t25, t25q; /* t25: balanced 2^25 mod q */
	size_t group;               /* terms between reductions */
};

/* General weights: sums over coefficients [k, k + 4 v) of one row, v = 1
 * to 4 vectors, starting from out's values with `add`. */
static inline __attribute__((always_inline)) void lc_run(uint64_t *out, const struct lc_term *t, size_t nt,
                                                         size_t k, int v, bool add, const struct lc_consts *c)
{
	__m256d acc[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
	if (add)
		for (int u = 0; u < v; u++)
			acc[u] = load_u64(out + 4 * u);
	for (size_t j0 = 0; j0 < nt; j0 += c->group) {
		const size_t j1 = nt - j0 < c->group ? nt : j0 + c->group;
		for (size_t j = j0; j < j1; j++) {
			const __m256d w = _mm256_broadcast_sd(&t[j].w), wq = _mm256_broadcast_sd(&t[j].wq);
			for (int u = 0; u < v; u++)
				acc[u] = _mm256_add_pd(
				    acc[u], mulmod_const(_mm256_load_pd(t[j].x + k + 4 * u), w, wq, c->q));
		}
		if (j1 < nt)
			for (int u = 0; u < v; u++)
				acc[u] = reduce(acc[u], c->q, c->qinv);
	}
	for (int u = 0; u < v; u++)
		store_u64(out + 4 * u, canon(reduce(acc[u], c->q, c->qinv), c->q));
}

/* Small weights: sum1 2^25 + sum0 from reduced halves' sums (|sum_h| <=
 * q/2 + 1: one mulmod_const, |.| <= 5q/8, and a total below 2q). */
static inline __m256d lc_join(__m256d s0, __m256d s1, const struct lc_consts *c)
{
	return canon(reduce(_mm256_add_pd(mulmod_const(s1, c->t25, c->t25q, c->q), s0), c->q, c->qinv), c->q);
}

/* Small weights, one sparse row: as lc_run over split inputs. */
static inline __attribute__((always_inline)) void lc_run_split(uint64_t *out, const struct lc_term *t,
                                                               size_t nt, size_t k, int v, bool add,
                                                               const struct lc_consts *c)
{
	__m256d a0[4], a1[4];
	for (int u = 0; u < 4; u++)
		a0[u] = a1[u] = _mm256_setzero_pd();
	if (add)
		for (int u = 0; u < v; u++)
			a0[u] = load_u64(out + 4 * u);
	for (size_t j0 = 0; j0 < nt; j0 += c->group) {
		const size_t j1 = nt - j0 < c->group ? nt : j0 + c->group;
		for (size_t j = j0; j < j1; j++) {
			const __m256d w = _mm256_broadcast_sd(&t[j].w);
			const double *y = t[j].x + 2 * k;
			for (int u = 0; u < v; u++) {
				a0[u] = _mm256_fmadd_pd(_mm256_load_pd(y + 8 * u), w, a0[u]);
				a1[u] = _mm256_fmadd_pd(_mm256_load_pd(y + 8 * u + 4), w, a1[u]);
			}
		}
		for (int u = 0; u < v; u++) {
			a0[u] = reduce(a0[u], c->q, c->qinv);
			a1[u] = reduce(a1[u], c->q, c->qinv);
		}
	}
	for (int u = 0; u < v; u++)
		store_u64(out + 4 * u, lc_join(a0[u], a1[u], c));
}

/* Small weights, four dense rows (w[r]: their count weights, as doubles;
 * rows beyond `nr` repeat the last real one and are not stored) over
 * coefficients [4 g, 4 g + 4) of a block whose input i has its halves at
 * buf + 32 i. */
static inline __attribute__((always_inline)) void lc_small_pass(uint64_t *const o[4],
                                                                const double *const w[4], int nr,
                                                                const double *buf, size_t count, size_t g,
                                                                bool add, const struct lc_consts *c)
{
	__m256d a[4][2];
	for (int r = 0; r < 4; r++) {
		a[r][0] = add ? load_u64(o[r] + 4 * g) : _mm256_setzero_pd();
		a[r][1] = _mm256_setzero_pd();
	}
	for (size_t i0 = 0; i0 < count; i0 += c->group) {
		const size_t i1 = count - i0 < c->group ? count : i0 + c->group;
		for (size_t i = i0; i < i1; i++) {
			const double *y = buf + 32 * i + 8 * g;
			const __m256d lo = _mm256_load_pd(y), hi = _mm256_load_pd(y + 4);
			for (int r = 0; r < 4; r++) {
				const __m256d cr = _mm256_broadcast_sd(w[r] + i);
				a[r][0] = _mm256_fmadd_pd(lo, cr, a[r][0]);
				a[r][1] = _mm256_fmadd_pd(hi, cr, a[r][1]);
			}
		}
		for (int r = 0; r < 4; r++) {
			a[r][0] = reduce(a[r][0], c->q, c->qinv);
			a[r][1] = reduce(a[r][1], c->q, c->qinv);
		}
	}
	for (int r = 0; r < nr; r++)
		store_u64(o[r] + 4 * g, lc_join(a[r][0], a[r][1], c));
}

/* Input coefficients [0, len) into a block buffer: 16 doubles, or with
 * `split` per 4 coefficients their low halves (x mod 2^25), then their
 * high ones (x >> 25). */
static inline void lc_load_block(double *buf, const uint64_t *x, size_t len, bool split)
{
	const __m256i mask = _mm256_set1_epi64x((1 << 25) - 1);
	for (size_t k = 0; k < len; k += 4) {
		if (!split) {
			_mm256_store_pd(buf + k, load_u64(x + k));
			continue;
		}
		const __m256i v = _mm256_loadu_si256((const __m256i *)(x + k));
		uint64_t lo[4], hi[4];
		_mm256_storeu_si256((__m256i *)lo, _mm256_and_si256(v, mask));
		_mm256_storeu_si256((__m256i *)hi, _mm256_srli_epi64(v, 25));
		_mm256_store_pd(buf + 2 * k, load_u64(lo));
		_mm256_store_pd(buf + 2 * k + 4, load_u64(hi));
	}
}

/* Dense rows of small weights, two at a time. */
static hec_status lc_dense_small(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                                 const uint64_t *W, size_t n, const hec_modulus_t *m, bool add,
                                 const struct lc_consts *c)
{
	double *buf = aligned_alloc(32, count * 32 * sizeof *buf), *wd = malloc(rows * count * sizeof *wd);
	if (!buf || !wd) {
		free(buf);
		free(wd);
		return hec_error_set(HEC_ERR_NOMEM, "vec_lincomb: out of memory");
	}
	for (size_t k = 0; k < rows * count; k++)
		wd[k] = balanced(W[k], m->q);
	for (size_t k0 = 0; k0 < n; k0 += LC_BLK) {
		const size_t len = n - k0 < LC_BLK ? n - k0 : LC_BLK; /* a multiple of 4 */
		for (size_t i = 0; i < count; i++)
			lc_load_block(buf + 32 * i, x[i] + k0, len, true);
		for (size_t r = 0; r < rows; r += 4) {
			const int nr = rows - r < 4 ? (int)(rows - r) : 4;
			uint64_t *o[4];
			const double *w[4];
			for (int u = 0; u < 4; u++) {
				const size_t ru = r + (size_t)(u < nr ? u : nr - 1);
				o[u] = d[ru] + k0;
				w[u] = wd + ru * count;
			}
			/* add as a constant, so that the sums stay in registers. */
			for (size_t g = 0; g < len / 4; g++)
				if (add)
					lc_small_pass(o, w, nr, buf, count, g, true, c);
				else
					lc_small_pass(o, w, nr, buf, count, g, false, c);
		}
	}
	free(buf);
	free(wd);
	return HEC_OK;
}

hec_status _hec_vec_lincomb_avx2(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                                 const uint64_t *W, size_t n, const hec_modulus_t *m, bool add)
{
	const double qd = (double)m->q, t25 = balanced((UINT64_C(1) << 25) % m->q, m->q);
	size_t nnz = 0;
	double wmax = 0;
	for (size_t k = 0; k < rows * count; k++) {
		nnz += W[k] != 0;
		wmax = fmax(wmax, fabs(balanced(W[k], m->q)));
	}
	const bool split = wmax <= LC_SMALL_W;
	const struct lc_consts c = {_mm256_set1_pd(qd), _mm256_set1_pd(1.0 / qd), _mm256_set1_pd(t25),
	                            _mm256_set1_pd(t25 / qd),
	                            split ? (size_t)(7 * 0x1p25 / (wmax > 1 ? wmax : 1))
	                                  : (((UINT64_C(1) << 53) / m->q) - 1) * 8 / 5};
	if (split && 2 * nnz >= rows * count)
		return lc_dense_small(d, rows, x, count, W, n, m, add, &c);
	const size_t blk = split ? 2 * LC_BLK : LC_BLK; /* doubles per input and block */
	double *xd = aligned_alloc(32, (count ? count : 1) * blk * sizeof *xd);
	struct lc_term *terms = malloc((nnz ? nnz : 1) * sizeof *terms);
	size_t *row_end = malloc(rows * sizeof *row_end), *used = calloc(count ? count : 1, sizeof *used);
	if (!xd || !terms || !row_end || !used) {
		free(xd);
		free(terms);
		free(row_end);
		free(used);
		return hec_error_set(HEC_ERR_NOMEM, "vec_lincomb: out of memory");
	}
	/* Each row's nonzero terms, pointing at their input's block buffer;
	 * the inputs some row reads (only they are converted). */
	for (size_t r = 0, j = 0; r < rows; r++) {
		for (size_t i = 0; i < count; i++) {
			const uint64_t w = W[r * count + i];
			if (w) {
				const double wd = balanced(w, m->q);
				terms[j++] = (struct lc_term){xd + i * blk, wd, wd / qd};
				used[i] = 1;
			}
		}
		row_end[r] = j;
	}
	size_t nused = 0;
	for (size_t i = 0; i < count; i++)
		if (used[i])
			used[nused++] = i;
	for (size_t k0 = 0; k0 < n; k0 += LC_BLK) {
		const size_t len = n - k0 < LC_BLK ? n - k0 : LC_BLK; /* a multiple of 4 */
		for (size_t u = 0; u < nused; u++)
			lc_load_block(xd + used[u] * blk, x[used[u]] + k0, len, split);
		for (size_t r = 0; r < rows; r++) {
			const size_t j0 = r ? row_end[r - 1] : 0;
			const struct lc_term *t = terms + j0;
			const size_t nt = row_end[r] - j0;
			/* The last block of an n that is not a multiple of 16 goes 4
			 * coefficients at a time. */
			if (split && len == LC_BLK && add)
				lc_run_split(d[r] + k0, t, nt, 0, 4, true, &c);
			else if (split && len == LC_BLK)
				lc_run_split(d[r] + k0, t, nt, 0, 4, false, &c);
			else if (split)
				for (size_t k = 0; k < len; k += 4)
					lc_run_split(d[r] + k0 + k, t, nt, k, 1, add, &c);
			else if (len == LC_BLK && add)
				lc_run(d[r] + k0, t, nt, 0, 4, true, &c);
			else if (len == LC_BLK)
				lc_run(d[r] + k0, t, nt, 0, 4, false, &c);
			else
				for (size_t k = 0; k < len; k += 4)
					lc_run(d[r] + k0 + k, t, nt, k, 1, add, &c);
		}
	}
	free(xd);
	free(terms);
	free(row_end);
	free(used);
	return HEC_OK;
}
