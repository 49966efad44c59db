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
#include <immintrin.h>
#include <stdlib.h>

#include "ring_internal.h"

#define TWO52 0x1p52
#define MAGIC 0x1.8p52 /* a + 1.5 * 2^52 - 1.5 * 2^52 rounds |a| < 2^51 to an integer */

/* Integers in [0, 2^52) to double (exact). */
static inline __m256d int_to_double(__m256i v)
{
	const __m256i two52 = _mm256_castpd_si256(_mm256_set1_pd(TWO52));
	return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(v, two52)), _mm256_set1_pd(TWO52));
}

static inline __m256d load_u64(const uint64_t *p)
{
	return int_to_double(_mm256_loadu_si256((const __m256i *)p));
}

/* In: integers in [0, 2^52). */
static inline void store_u64(uint64_t *p, __m256d x)
{
	const __m256d two52 = _mm256_set1_pd(TWO52);
	__m256i b = _mm256_castpd_si256(_mm256_add_pd(x, two52));
	_mm256_storeu_si256((__m256i *)p, _mm256_xor_si256(b, _mm256_castpd_si256(two52)));
}

/* a b - round(a b / q) q, exactly; |result| <= 3q/4. */
static inline __m256d mulmod(__m256d a, __m256d b, __m256d q, __m256d qinv)
{
	const __m256d magic = _mm256_set1_pd(MAGIC);
	__m256d h = _mm256_mul_pd(a, b);
	__m256d l = _mm256_fmsub_pd(a, b, h);
	__m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(h, qinv, magic), magic);
	return _mm256_add_pd(_mm256_fnmadd_pd(qt, q, h), l);
}

/* s - round(s / q) q for |s| < 2^53: |result| <= q/2 + 1. */
static inline __m256d reduce(__m256d s, __m256d q, __m256d qinv)
{
	const __m256d magic = _mm256_set1_pd(MAGIC);
	__m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(s, qinv, magic), magic);
	return _mm256_fnmadd_pd(qt, q, s);
}

/* |s| < q -> [0, q). */
static inline __m256d canon(__m256d s, __m256d q)
{
	s = _mm256_add_pd(s, _mm256_and_pd(_mm256_cmp_pd(s, _mm256_setzero_pd(), _CMP_LT_OQ), q));
	return _mm256_sub_pd(s, _mm256_and_pd(_mm256_cmp_pd(s, q, _CMP_GE_OQ), q));
}

#define DOT_BLK 1024
/* Slots ahead whose cache line a permuted gather prefetches (16 lines;
 * 64 to 256 measured alike, none about 20% slower at N = 2^14). */
#define GATHER_AHEAD 128

/* One term over a block of sums: acc_o (+)= x y_o, folded every eighth
 * term, written out as residues at the last. */
static inline __attribute__((always_inline)) void dot_term(double *const *acc, uint64_t *const *out,
                                                           const uint64_t *x, const uint64_t *const *y, size_t nout,
                                                           size_t len, bool first, bool fold, bool last, __m256d q,
                                                           __m256d qinv)
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
						_mm_prefetch((const char *)(src + p[k + GATHER_AHEAD]), _MM_HINT_T0);
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

/* s w - round(s w / q) q for |s| < q and a balanced constant |w| <= q/2
 * with its quotient wq = w / q (|s w / q| < 2^49, so the estimate is
 * within 1/2 + 2^-4): exact, |result| <= 5q/8. */
static inline __m256d mulmod_const(__m256d s, __m256d w, __m256d wq, __m256d q)
{
	const __m256d magic = _mm256_set1_pd(MAGIC);
	const __m256d h = _mm256_mul_pd(s, w);
	const __m256d l = _mm256_fmsub_pd(s, w, h);
	const __m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(s, wq, magic), magic);
	return _mm256_add_pd(_mm256_fnmadd_pd(qt, q, h), l);
}

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
 * Primes of up to 46 bits (the CKKS scales' primes): both factors split
 * into halves of h = ceil(bits / 2) <= 23 bits, x = x1 2^h + x0 and w = w1
 * 2^h + w0, and Karatsuba's three products x0 w0, x1 w1 and (x0 + x1)(w0
 * + w1), each below 2^(2h + 2), are summed exactly in three accumulators by
 * one fused multiply-add each; x w = x1 w1 2^2h + ((x0 + x1)(w0 + w1) -
 * x0 w0 - x1 w1) 2^h + x0 w0, so only the three sums are reduced and
 * recombined, once per run.  A sum below q in magnitude (a reduced one)
 * takes G more terms while q + G 2^(2h + 2) <= 2^53 (G = 31 at 46 bits,
 * 32767 at 36).  x0, x1 and x0 + x1 (below 2^24) are exact in single
 * precision, so the block buffer holds them as floats: the kernel is bound
 * by reading that buffer from L2 once per row, and floats halve it
 * (doubles made the split kernel slower than the exact one; floats make it
 * about 1.25x faster at 100 x 845, N = 2^14, 36-bit primes).
 *
 * Wider primes (below 2^50): each term is mulmod_const's exact x w -
 * round(x w / q) q, |term| <= 5q/8, with the weight balanced; a sum below
 * q in magnitude takes G more terms while q (1 + 5G/8) <= 2^53, which G =
 * (t - 1) 8/5 with t = floor(2^53 / q) guarantees (q t <= 2^53); q < 2^50
 * gives G >= 11.
 *
 * Coefficients are taken 16 at a time: every input's 16 (as halves and
 * their sum in floats, or whole in doubles) are converted once into one
 * contiguous buffer, then each row's sums live in registers across all its terms,
 * which read the buffer in order (0.25 ns a term at 100 x 845, N = 2^14,
 * for the exact kernel, against 0.29-0.39 with blocks of 32-256 sized for
 * L2, whose strided reads the prefetcher followed less well).  Per row
 * only the nonzero weights are kept. */
#define LC_BLK 16
#define LC_SPLIT_BITS 46

struct lc_term {
	const void *x; /* the input's block: doubles, or floats (split) */
	double a, b, c;  /* w, w / q (exact kernel); w0, w1, w0 + w1 (split) */
};

/* The exact kernel's sums over coefficients [k, k + 4 v) of one row, v = 1
 * to 4 vectors, starting from out's values with `add`. */
static inline __attribute__((always_inline)) void lc_run(uint64_t *out, const struct lc_term *t, size_t nt,
                                                          size_t k, size_t group, int v, bool add, __m256d q,
                                                          __m256d qinv)
{
	__m256d acc[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
	if (add)
		for (int u = 0; u < v; u++)
			acc[u] = load_u64(out + 4 * u);
	for (size_t j0 = 0; j0 < nt; j0 += group) {
		const size_t j1 = nt - j0 < group ? nt : j0 + group;
		for (size_t j = j0; j < j1; j++) {
			const __m256d w = _mm256_broadcast_sd(&t[j].a), wq = _mm256_broadcast_sd(&t[j].b);
			for (int u = 0; u < v; u++)
				acc[u] = _mm256_add_pd(acc[u], mulmod_const(_mm256_load_pd((const double *)t[j].x + k + 4 * u), w, wq, q));
		}
		if (j1 < nt)
			for (int u = 0; u < v; u++)
				acc[u] = reduce(acc[u], q, qinv);
	}
	for (int u = 0; u < v; u++)
		store_u64(out + 4 * u, canon(reduce(acc[u], q, qinv), q));
}

/* The split kernel's constants: 2^h and 2^2h mod q, balanced, with their
 * quotients. */
struct lc_split {
	__m256d c1, c1q, c2, c2q;
};

/* The split kernel's last step for one vector: each sum to |r| <= q/2 + 1,
 * the middle one's difference again, then r2 2^2h + rm 2^h + r0 (+ out's
 * value): below 3q, one more reduction. */
static inline __attribute__((always_inline)) void lc_split_finish(uint64_t *out, __m256d s0, __m256d s2, __m256d sm,
                                                                   bool add, __m256d q, __m256d qinv,
                                                                   const struct lc_split *sp)
{
	const __m256d r0 = reduce(s0, q, qinv), r2 = reduce(s2, q, qinv);
	const __m256d rm = reduce(_mm256_sub_pd(_mm256_sub_pd(reduce(sm, q, qinv), r0), r2), q, qinv);
	__m256d r = _mm256_add_pd(mulmod_const(r2, sp->c2, sp->c2q, q), mulmod_const(rm, sp->c1, sp->c1q, q));
	r = _mm256_add_pd(r, r0);
	if (add)
		r = _mm256_add_pd(r, load_u64(out));
	store_u64(out, canon(reduce(r, q, qinv), q));
}

/* The split kernel's run: the block buffer holds x0, x1 and x0 + x1 as
 * floats for the 16 coefficients at offsets 0, 16 and 32 (floats). */
static inline __attribute__((always_inline)) void lc_run_split(uint64_t *out, const struct lc_term *t, size_t nt,
                                                                size_t k, size_t group, int v, bool add, __m256d q,
                                                                __m256d qinv, const struct lc_split *sp)
{
	__m256d s0[4], s2[4], sm[4];
	for (int u = 0; u < v; u++)
		s0[u] = s2[u] = sm[u] = _mm256_setzero_pd();
	for (size_t j0 = 0; j0 < nt; j0 += group) {
		const size_t j1 = nt - j0 < group ? nt : j0 + group;
		for (size_t j = j0; j < j1; j++) {
			/* One weight register at a time: 12 sums, a weight and a
			 * converted input fit the 16 registers (three weights at
			 * once made GCC spill a sum, a store-to-load chain through
			 * every term). */
			const float *x = (const float *)t[j].x + k;
			__m256d w = _mm256_broadcast_sd(&t[j].a);
			for (int u = 0; u < v; u++)
				s0[u] = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_load_ps(x + 4 * u)), w, s0[u]);
			w = _mm256_broadcast_sd(&t[j].b);
			for (int u = 0; u < v; u++)
				s2[u] = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_load_ps(x + LC_BLK + 4 * u)), w, s2[u]);
			w = _mm256_broadcast_sd(&t[j].c);
			for (int u = 0; u < v; u++)
				sm[u] = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_load_ps(x + 2 * LC_BLK + 4 * u)), w, sm[u]);
		}
		if (j1 < nt)
			for (int u = 0; u < v; u++) {
				s0[u] = reduce(s0[u], q, qinv);
				s2[u] = reduce(s2[u], q, qinv);
				sm[u] = reduce(sm[u], q, qinv);
			}
	}
	for (int u = 0; u < v; u++)
		lc_split_finish(out + 4 * u, s0[u], s2[u], sm[u], add, q, qinv, sp);
}

/* The split kernel's run for four rows with the same inputs (a dense
 * matrix's rows), over 4 coefficients: each converted input vector serves
 * the four rows, so a term costs 3 conversions for 12 FMAs instead of 12
 * (the single-row run is bound by its conversions).  12 sums, one input
 * and one weight register. */
static inline __attribute__((always_inline)) void lc_run_split4(uint64_t *const *out, const struct lc_term *const *t,
                                                                 size_t nt, size_t k, size_t group, bool add,
                                                                 __m256d q, __m256d qinv, const struct lc_split *sp)
{
	__m256d s0[4], s2[4], sm[4];
	for (int r = 0; r < 4; r++)
		s0[r] = s2[r] = sm[r] = _mm256_setzero_pd();
	for (size_t j0 = 0; j0 < nt; j0 += group) {
		const size_t j1 = nt - j0 < group ? nt : j0 + group;
		for (size_t j = j0; j < j1; j++) {
			const float *x = (const float *)t[0][j].x + k;
			__m256d xv = _mm256_cvtps_pd(_mm_load_ps(x));
			for (int r = 0; r < 4; r++)
				s0[r] = _mm256_fmadd_pd(xv, _mm256_broadcast_sd(&t[r][j].a), s0[r]);
			xv = _mm256_cvtps_pd(_mm_load_ps(x + LC_BLK));
			for (int r = 0; r < 4; r++)
				s2[r] = _mm256_fmadd_pd(xv, _mm256_broadcast_sd(&t[r][j].b), s2[r]);
			xv = _mm256_cvtps_pd(_mm_load_ps(x + 2 * LC_BLK));
			for (int r = 0; r < 4; r++)
				sm[r] = _mm256_fmadd_pd(xv, _mm256_broadcast_sd(&t[r][j].c), sm[r]);
		}
		if (j1 < nt)
			for (int r = 0; r < 4; r++) {
				s0[r] = reduce(s0[r], q, qinv);
				s2[r] = reduce(s2[r], q, qinv);
				sm[r] = reduce(sm[r], q, qinv);
			}
	}
	for (int r = 0; r < 4; r++)
		lc_split_finish(out[r] + k, s0[r], s2[r], sm[r], add, q, qinv, sp);
}

hec_status _hec_vec_lincomb_avx2(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                                 const uint64_t *W, size_t n, const hec_modulus_t *m, bool add)
{
	const double qd = (double)m->q;
	const __m256d q = _mm256_set1_pd(qd), qinv = _mm256_set1_pd(1.0 / qd);
	const bool split = m->bits <= LC_SPLIT_BITS;
	const unsigned h = (m->bits + 1) / 2;
	const uint64_t lo_mask = ((uint64_t)1 << h) - 1;
	const size_t group = split ? (((uint64_t)1 << 53) - m->q) >> (2 * h + 2)
	                           : ((((uint64_t)1 << 53) / m->q) - 1) * 8 / 5;
	const size_t blk = LC_BLK, stride = split ? 3 * LC_BLK / 2 : LC_BLK; /* split: 3 x 16 floats */
	struct lc_split sp = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
	if (split) {
		const uint64_t c1 = ((uint64_t)1 << h) % m->q, c2 = hec_ntt_mod_mul(c1, c1, m);
		const double c1b = balanced(c1, m->q), c2b = balanced(c2, m->q);
		sp = (struct lc_split){_mm256_set1_pd(c1b), _mm256_set1_pd(c1b / qd), _mm256_set1_pd(c2b),
		                       _mm256_set1_pd(c2b / qd)};
	}
	size_t nnz = 0;
	for (size_t k = 0; k < rows * count; k++)
		nnz += W[k] != 0;
	double *xd = aligned_alloc(32, (count ? count : 1) * stride * sizeof *xd);
	struct lc_term *terms = malloc((nnz ? nnz : 1) * sizeof *terms);
	size_t *row_end = malloc(rows * sizeof *row_end), *used = calloc(count ? count : 1, sizeof *used);
	bool *same_as_next = calloc(rows, sizeof *same_as_next);
	if (!xd || !terms || !row_end || !used || !same_as_next) {
		free(xd);
		free(terms);
		free(row_end);
		free(used);
		free(same_as_next);
		return hec_error_set(HEC_ERR_NOMEM, "vec_lincomb: out of memory");
	}
	/* Each row's nonzero terms, pointing at their input's block buffer;
	 * the inputs some row reads (only they are converted). */
	for (size_t r = 0, j = 0; r < rows; r++) {
		for (size_t i = 0; i < count; i++) {
			const uint64_t w = W[r * count + i];
			if (!w)
				continue;
			if (split) {
				const double w0 = (double)(w & lo_mask), w1 = (double)(w >> h);
				terms[j++] = (struct lc_term){xd + i * stride, w0, w1, w0 + w1};
			} else {
				const double wd = balanced(w, m->q);
				terms[j++] = (struct lc_term){xd + i * stride, wd, wd / qd, 0};
			}
			used[i] = 1;
		}
		row_end[r] = j;
	}
	size_t nused = 0;
	for (size_t i = 0; i < count; i++)
		if (used[i])
			used[nused++] = i;
	/* Row r reads the same inputs as row r + 1 (dense rows do). */
	for (size_t r = 0; r + 1 < rows; r++) {
		const size_t a0 = r ? row_end[r - 1] : 0, n0 = row_end[r] - a0, n1 = row_end[r + 1] - row_end[r];
		bool same = n0 == n1;
		for (size_t j = 0; same && j < n0; j++)
			same = terms[a0 + j].x == terms[row_end[r] + j].x;
		same_as_next[r] = same;
	}
	const __m256i mask = _mm256_set1_epi64x((long long)lo_mask);
	for (size_t k0 = 0; k0 < n; k0 += blk) {
		const size_t len = n - k0 < blk ? n - k0 : blk; /* a multiple of 4 */
		for (size_t u = 0; u < nused; u++) {
			double *b = xd + used[u] * stride;
			const uint64_t *src = x[used[u]] + k0;
			for (size_t k = 0; k < len; k += 4) {
				if (!split) {
					_mm256_store_pd(b + k, load_u64(src + k));
					continue;
				}
				const __m256i v = _mm256_loadu_si256((const __m256i *)(src + k));
				const __m256d x0 = int_to_double(_mm256_and_si256(v, mask));
				const __m256d x1 = int_to_double(_mm256_srli_epi64(v, (int)h));
				float *bf = (float *)b;
				_mm_store_ps(bf + k, _mm256_cvtpd_ps(x0));
				_mm_store_ps(bf + LC_BLK + k, _mm256_cvtpd_ps(x1));
				_mm_store_ps(bf + 2 * LC_BLK + k, _mm256_cvtpd_ps(_mm256_add_pd(x0, x1)));
			}
		}
		for (size_t r = 0; r < rows; r++) {
			const size_t j0 = r ? row_end[r - 1] : 0;
			const struct lc_term *t = terms + j0;
			const size_t nt = row_end[r] - j0;
			uint64_t *o = d[r] + k0;
			if (split && r + 4 <= rows && same_as_next[r] && same_as_next[r + 1] && same_as_next[r + 2]) {
				/* Four rows reading the same inputs. */
				const struct lc_term *t4[4] = {t, terms + row_end[r], terms + row_end[r + 1],
				                               terms + row_end[r + 2]};
				uint64_t *o4[4] = {o, d[r + 1] + k0, d[r + 2] + k0, d[r + 3] + k0};
				for (size_t k = 0; k < len; k += 4)
					add ? lc_run_split4(o4, t4, nt, k, group, true, q, qinv, &sp)
					    : lc_run_split4(o4, t4, nt, k, group, false, q, qinv, &sp);
				r += 3;
				continue;
			}
			if (split && len == LC_BLK)
				add ? lc_run_split(o, t, nt, 0, group, 4, true, q, qinv, &sp)
				    : lc_run_split(o, t, nt, 0, group, 4, false, q, qinv, &sp);
			else if (len == LC_BLK)
				add ? lc_run(o, t, nt, 0, group, 4, true, q, qinv) : lc_run(o, t, nt, 0, group, 4, false, q, qinv);
			else /* the last block of an n that is not a multiple of 16 */
				for (size_t k = 0; k < len; k += 4) {
					if (split)
						lc_run_split(o + k, t, nt, k, group, 1, add, q, qinv, &sp);
					else
						lc_run(o + k, t, nt, k, group, 1, add, q, qinv);
				}
		}
	}
	free(xd);
	free(terms);
	free(row_end);
	free(used);
	free(same_as_next);
	return HEC_OK;
}
