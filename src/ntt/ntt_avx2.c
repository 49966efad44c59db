/* AVX2 NTT kernel for primes q < 2^50, in double-precision arithmetic.
 *
 * Why floating point.  AVX2 has no 64 x 64-bit integer multiplier: a
 * 50-bit product from _mm256_mul_epu32 takes four 32-bit partial products
 * and a dozen shifts and adds per lane.  Its FMA units, on the other hand,
 * multiply 53-bit significands, and with an FMA the rounding error of a
 * product is itself exactly representable, so a 100-bit product a w splits
 * exactly into h + l with h = fl(a w), l = fma(a, w, -h).  A quotient
 * estimate qt = round(a w / q) is then one more FMA with a precomputed
 * w / q, and the remainder r = (h - qt q) + l is exact too, because both
 * terms are integers below 2^53.  Six floating-point operations per four
 * products, all on the FMA and FADD ports, no integer multiply at all.
 * (The idea of modular multiplication through floating-point quotient
 * estimates is old: V. Shoup's NTL MulMod, and D. Harvey, "Faster
 * arithmetic for number-theoretic transforms", J. Symb. Comp. 60, 2014,
 * which also motivates w / q as a per-twiddle precomputation; the exact
 * two-product is the classical error-free transformation, e.g. Ogita,
 * Rump, Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 2005.)
 *
 * Representation.  Inside a transform every value is an integer held in a
 * double, in a signed (balanced) range |x| <= B, and every twiddle w is
 * stored balanced, |w| <= q/2, so |y w / q| <= |y| / 2.  Rounding the
 * quotient to nearest gives |r| <= q/2 + |y| q 2^-54 (the second term is
 * the error of the rounded w / q), so products come out balanced, and the
 * sums of a butterfly grow by at most that much per stage.  Nothing is
 * reduced until a bound says it must be: the limits are |y| < 2^52 for a
 * multiplicand (the round-to-integer trick with 1.5 * 2^52 needs
 * |y w / q| < 2^51) and |x| < 2^53 for exactness.  fwd_plan/inv_plan
 * track the bound pass by pass, from q, and switch on a reduction
 * (x - round(x / q) q, three operations) only in the passes that need it:
 * for a 50-bit prime about every other pass of the forward transform,
 * and two of the four sums in each pass of the inverse, whose sums double.
 *
 * Passes.  Two stages per pass over the array (radix-4 grouping of the
 * Cooley–Tukey / Gentleman–Sande butterflies with the twiddles in
 * bit-reversed order, P. Longa, M. Naehrig, "Speeding up the Number
 * Theoretic Transform for Faster Ideal Lattice-Based Cryptography", CANS
 * 2016), so a 2^14-point transform makes 7 passes, not 14.  The two stages
 * whose pairs lie inside one 4-lane register (half-sizes 2 and 1) are one
 * pass over pairs of registers, with the pairs formed by vperm2f128 and
 * unpck; the twiddles of those stages are stored pre-shuffled in the lane
 * order they are consumed.  The conversion from uint64_t to double (and
 * back, with the final reduction to [0, q)) is fused into the first and
 * last passes: a value below 2^52 becomes a double by or-ing it into the
 * significand of 2^52 and subtracting 2^52, and back the same way.
 *
 * All outputs, lazy or not, are fully reduced to [0, q), hence identical to
 * the portable kernel's reduced outputs. */
#include "kernels.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define TWO52 0x1p52
#define ROUND_C 0x1.8p52 /* adding it rounds |x| < 2^51 to an integer */
/* Largest multiplicand allowed; |y w / q| < 2^51 with room for rounding. */
#define Y_LIMIT (0x1p52 - 0x1p40)

struct avx2_tables {
	double *mem;
	/* Forward: pairs (w, w/q) for j in [1, n/4), balanced, at fw[2j]. */
	double *fw;
	/* Forward half-size-2 and half-size-1 stages, per group of 8 values:
	 * 4 twiddles then their 4 quotients, in lane order. */
	double *fw2, *fw1;
	/* Inverse: the same for wi. */
	double *iw, *iw2, *iw1;
	double q, qinv;
	double ninv, ninv_q;     /* n^-1, balanced, and / q */
	double wn, wn_q;         /* wi[1] n^-1, balanced, and / q */
};

/* ------------------------------------------------------------------------
 * Vector arithmetic
 * --------------------------------------------------------------------- */

struct consts {
	__m256d q, qinv, c;
};

static inline __attribute__((always_inline)) struct consts consts_of(const struct avx2_tables *k)
{
	struct consts c = {_mm256_set1_pd(k->q), _mm256_set1_pd(k->qinv), _mm256_set1_pd(ROUND_C)};
	return c;
}

/* y w mod q, balanced: |result| <= q/2 + |y| q 2^-54.  In: |y| < Y_LIMIT,
 * |w| <= q/2, wq = fl(w / q).  h + l = y w exactly; qt = round(y wq);
 * h - qt q is an integer below 2^53 in magnitude, so the FNMADD is exact,
 * and so is adding l back. */
static inline __attribute__((always_inline)) __m256d mulmod(__m256d y, __m256d w, __m256d wq, struct consts k)
{
	__m256d h = _mm256_mul_pd(y, w);
	__m256d l = _mm256_fmsub_pd(y, w, h);
	__m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(y, wq, k.c), k.c);
	return _mm256_add_pd(_mm256_fnmadd_pd(qt, k.q, h), l);
}

/* x - round(x / q) q: |result| <= q/2 + |x| 2^-53 + 1.  In: |x| < 2^53. */
static inline __attribute__((always_inline)) __m256d reduce(__m256d x, struct consts k)
{
	__m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(x, k.qinv, k.c), k.c);
	return _mm256_fnmadd_pd(qt, k.q, x);
}

/* Four values in [0, 2^52) to doubles, minus `shift` (0 or q): the value
 * or-ed into the significand of 2^52 is 2^52 + x exactly. */
static inline __attribute__((always_inline)) __m256d load_u64(const uint64_t *p, __m256d two52_shift)
{
	__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256d d = _mm256_castsi256_pd(_mm256_or_si256(x, _mm256_castpd_si256(_mm256_set1_pd(TWO52))));
	return _mm256_sub_pd(d, two52_shift);
}

/* Four balanced values (|x| < 2^53) to uint64_t in [0, q). */
static inline __attribute__((always_inline)) void store_u64(uint64_t *p, __m256d x, struct consts k)
{
	x = reduce(x, k); /* |x| <= q/2 + 2 < q */
	x = _mm256_add_pd(x, _mm256_and_pd(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ), k.q));
	__m256d two52 = _mm256_set1_pd(TWO52);
	__m256i r = _mm256_xor_si256(_mm256_castpd_si256(_mm256_add_pd(x, two52)), _mm256_castpd_si256(two52));
	_mm256_storeu_si256((__m256i *)(void *)p, r);
}

static inline __attribute__((always_inline)) __m256d ld(const uint64_t *p)
{
	return _mm256_loadu_pd((const double *)(const void *)p);
}

static inline __attribute__((always_inline)) void st(uint64_t *p, __m256d x)
{
	_mm256_storeu_pd((double *)(void *)p, x);
}

/* ------------------------------------------------------------------------
 * Bounds (scalar, once per pass): all in absolute value, rounded up.
 * --------------------------------------------------------------------- */

/* Bound on |mulmod(y, ., .)| for |y| <= y. */
static double rb(double q, double y)
{
	return 0.5 * q + y * q * 0x1p-54 + 2;
}

/* Bound on |reduce(x)|, any |x| < 2^53. */
static double redb(double q)
{
	return 0.5 * q + 2;
}

/* ------------------------------------------------------------------------
 * Forward transform
 * --------------------------------------------------------------------- */

/* Radix-2 pass, only as the first pass when the number of stages with
 * half-size >= 4 is odd: stage m = 1, half-size h, inputs uint64_t in
 * [0, 2q), centred to [-q, q). */
static void fwd_r2_first(uint64_t *a, size_t h, const struct avx2_tables *t)
{
	const struct consts k = consts_of(t);
	const __m256d sh = _mm256_set1_pd(TWO52 + t->q);
	const __m256d w = _mm256_set1_pd(t->fw[2]), wq = _mm256_set1_pd(t->fw[3]);
	for (size_t j = 0; j < h; j += 4) {
		__m256d x = load_u64(a + j, sh), y = load_u64(a + j + h, sh);
		__m256d v = mulmod(y, w, wq, k);
		st(a + j, _mm256_add_pd(x, v));
		st(a + j + h, _mm256_sub_pd(x, v));
	}
}

/* Radix-4 pass: stage (m, h) then (2m, h/2), groups of 2h values at
 * quarter distance hq = h/2 >= 4.  `conv`: inputs are uint64_t in [0, 2q)
 * (first pass).  `red`: reduce the two operands that are not multiplied
 * in the first stage. */
static inline __attribute__((always_inline)) void fwd_r4(uint64_t *a, size_t m, size_t h,
                                                         const struct avx2_tables *t, bool conv, bool red)
{
	const struct consts k = consts_of(t);
	const __m256d sh = _mm256_set1_pd(TWO52 + t->q);
	const size_t hq = h / 2;
	const double *fw = t->fw;
	for (size_t i = 0; i < m; i++) {
		const __m256d w1 = _mm256_broadcast_sd(&fw[2 * (m + i)]), w1q = _mm256_broadcast_sd(&fw[2 * (m + i) + 1]);
		const __m256d w2 = _mm256_broadcast_sd(&fw[4 * (m + i)]), w2q = _mm256_broadcast_sd(&fw[4 * (m + i) + 1]);
		const __m256d w3 = _mm256_broadcast_sd(&fw[4 * (m + i) + 2]),
		              w3q = _mm256_broadcast_sd(&fw[4 * (m + i) + 3]);
		uint64_t *x0 = a + 2 * i * h, *x1 = x0 + hq, *x2 = x1 + hq, *x3 = x2 + hq;
		for (size_t j = 0; j < hq; j += 4) {
			__m256d a0, a1, a2, a3, v;
			if (conv) {
				a0 = load_u64(x0 + j, sh);
				a1 = load_u64(x1 + j, sh);
				a2 = load_u64(x2 + j, sh);
				a3 = load_u64(x3 + j, sh);
			} else {
				a0 = ld(x0 + j);
				a1 = ld(x1 + j);
				a2 = ld(x2 + j);
				a3 = ld(x3 + j);
			}
			if (red) {
				a0 = reduce(a0, k);
				a1 = reduce(a1, k);
			}
			v = mulmod(a2, w1, w1q, k);
			a2 = _mm256_sub_pd(a0, v);
			a0 = _mm256_add_pd(a0, v);
			v = mulmod(a3, w1, w1q, k);
			a3 = _mm256_sub_pd(a1, v);
			a1 = _mm256_add_pd(a1, v);
			v = mulmod(a1, w2, w2q, k);
			a1 = _mm256_sub_pd(a0, v);
			a0 = _mm256_add_pd(a0, v);
			v = mulmod(a3, w3, w3q, k);
			a3 = _mm256_sub_pd(a2, v);
			a2 = _mm256_add_pd(a2, v);
			st(x0 + j, a0);
			st(x1 + j, a1);
			st(x2 + j, a2);
			st(x3 + j, a3);
		}
	}
}

/* Last pass: half-sizes 2 and 1 on groups of 8 values (two registers),
 * with the conversion back to uint64_t in [0, q). */
static inline __attribute__((always_inline)) void fwd_last(uint64_t *a, size_t n, const struct avx2_tables *t,
                                                           bool red)
{
	const struct consts k = consts_of(t);
	const double *w2 = t->fw2, *w1 = t->fw1;
	for (size_t g = 0; g < n / 8; g++, w2 += 8, w1 += 8) {
		__m256d A = ld(a + 8 * g), B = ld(a + 8 * g + 4);
		/* X = (e0 e1 e4 e5), Y = (e2 e3 e6 e7): pairs at distance 2. */
		__m256d X = _mm256_permute2f128_pd(A, B, 0x20), Y = _mm256_permute2f128_pd(A, B, 0x31);
		if (red)
			X = reduce(X, k);
		__m256d v = mulmod(Y, _mm256_loadu_pd(w2), _mm256_loadu_pd(w2 + 4), k);
		Y = _mm256_sub_pd(X, v);
		X = _mm256_add_pd(X, v);
		/* U = (e0 e2 e4 e6), V = (e1 e3 e5 e7): pairs at distance 1. */
		__m256d U = _mm256_unpacklo_pd(X, Y), V = _mm256_unpackhi_pd(X, Y);
		v = mulmod(V, _mm256_loadu_pd(w1), _mm256_loadu_pd(w1 + 4), k);
		V = _mm256_sub_pd(U, v);
		U = _mm256_add_pd(U, v);
		__m256d lo = _mm256_unpacklo_pd(U, V), hi = _mm256_unpackhi_pd(U, V);
		store_u64(a + 8 * g, _mm256_permute2f128_pd(lo, hi, 0x20), k);
		store_u64(a + 8 * g + 4, _mm256_permute2f128_pd(lo, hi, 0x31), k);
	}
}

/* Decide whether a radix-4 forward pass with inputs bounded by b must
 * reduce its unmultiplied operands, and update b to the output bound.
 * Invariant: b <= Y_LIMIT on entry and exit. */
static bool fwd_plan(double q, double *b)
{
	double s = *b + rb(q, *b), out = s + rb(q, s);
	if (s <= Y_LIMIT && out <= Y_LIMIT) {
		*b = out;
		return false;
	}
	s = redb(q) + rb(q, *b);
	*b = s + rb(q, s);
	return true;
}

static void fwd(const struct hec_ntt_table *tab, uint64_t *a, bool reduce_out)
{
	(void)reduce_out; /* outputs are always in [0, q) */
	const struct avx2_tables *t = tab->kdata;
	const size_t n = tab->n;
	const double q = t->q;
	double b = q; /* inputs [0, 2q) centred to [-q, q) */
	size_t m = 1, h = n / 2;
	bool conv = true;
	/* Stages with half-size >= 4: logn - 2 of them. */
	if ((tab->logn - 2) & 1) {
		fwd_r2_first(a, h, t);
		b = b + rb(q, b);
		conv = false;
		m = 2;
		h = n / 4;
	}
	for (; h >= 8; m <<= 2, h >>= 2) {
		bool red = fwd_plan(q, &b);
		if (conv)
			fwd_r4(a, m, h, t, true, false); /* b = q: never needs it */
		else if (red)
			fwd_r4(a, m, h, t, false, true);
		else
			fwd_r4(a, m, h, t, false, false);
		conv = false;
	}
	if (fwd_plan(q, &b))
		fwd_last(a, n, t, true);
	else
		fwd_last(a, n, t, false);
}

/* ------------------------------------------------------------------------
 * Inverse transform
 * --------------------------------------------------------------------- */

/* First pass: half-sizes 1 and 2 on groups of 8 values, from uint64_t in
 * [0, 2q) centred to [-q, q).  `red`: reduce the sums of the first
 * stage. */
static inline __attribute__((always_inline)) void inv_first(uint64_t *a, size_t n, const struct avx2_tables *t,
                                                            bool red)
{
	const struct consts k = consts_of(t);
	const __m256d sh = _mm256_set1_pd(TWO52 + t->q);
	const double *w1 = t->iw1, *w2 = t->iw2;
	for (size_t g = 0; g < n / 8; g++, w1 += 8, w2 += 8) {
		__m256d A = load_u64(a + 8 * g, sh), B = load_u64(a + 8 * g + 4, sh);
		/* U = (e0 e4 e2 e6), V = (e1 e5 e3 e7): pairs at distance 1; the
		 * twiddles are stored in this lane order. */
		__m256d U = _mm256_unpacklo_pd(A, B), V = _mm256_unpackhi_pd(A, B);
		__m256d s = _mm256_add_pd(U, V);
		V = mulmod(_mm256_sub_pd(U, V), _mm256_loadu_pd(w1), _mm256_loadu_pd(w1 + 4), k);
		U = red ? reduce(s, k) : s;
		/* Back to natural order, then X = (e0 e1 e4 e5), Y = (e2 e3 e6 e7). */
		A = _mm256_unpacklo_pd(U, V);
		B = _mm256_unpackhi_pd(U, V);
		__m256d X = _mm256_permute2f128_pd(A, B, 0x20), Y = _mm256_permute2f128_pd(A, B, 0x31);
		s = _mm256_add_pd(X, Y);
		Y = mulmod(_mm256_sub_pd(X, Y), _mm256_loadu_pd(w2), _mm256_loadu_pd(w2 + 4), k);
		X = s;
		st(a + 8 * g, _mm256_permute2f128_pd(X, Y, 0x20));
		st(a + 8 * g + 4, _mm256_permute2f128_pd(X, Y, 0x31));
	}
}

/* Radix-2 pass (half-size h, m blocks), when the number of stages with
 * half-size >= 4 is odd.  `red`: reduce the sums. */
static inline __attribute__((always_inline)) void inv_r2(uint64_t *a, size_t m, size_t h,
                                                         const struct avx2_tables *t, bool red)
{
	const struct consts k = consts_of(t);
	for (size_t i = 0; i < m; i++) {
		const __m256d w = _mm256_broadcast_sd(&t->iw[2 * (m + i)]);
		const __m256d wq = _mm256_broadcast_sd(&t->iw[2 * (m + i) + 1]);
		uint64_t *x = a + 2 * i * h, *y = x + h;
		for (size_t j = 0; j < h; j += 4) {
			__m256d u = ld(x + j), v = ld(y + j), s = _mm256_add_pd(u, v);
			st(y + j, mulmod(_mm256_sub_pd(u, v), w, wq, k));
			st(x + j, red ? reduce(s, k) : s);
		}
	}
}

/* Radix-4 pass: stage (m, h) then (m/2, 2h) on groups of 4h values at
 * quarter distance h >= 4.  `red`: reduce the sums of the first stage.
 * `last`: the second stage is the last one (m == 2), merged with the
 * scaling by n^-1 and the conversion to uint64_t. */
static inline __attribute__((always_inline)) void inv_r4(uint64_t *a, size_t m, size_t h,
                                                         const struct avx2_tables *t, bool red, bool last)
{
	const struct consts k = consts_of(t);
	const double *iw = t->iw;
	const __m256d ni = _mm256_set1_pd(t->ninv), niq = _mm256_set1_pd(t->ninv_q);
	const __m256d wn = _mm256_set1_pd(t->wn), wnq = _mm256_set1_pd(t->wn_q);
	for (size_t g = 0; g < m / 2; g++) {
		const __m256d w0 = _mm256_broadcast_sd(&iw[2 * (m + 2 * g)]);
		const __m256d w0q = _mm256_broadcast_sd(&iw[2 * (m + 2 * g) + 1]);
		const __m256d w1 = _mm256_broadcast_sd(&iw[2 * (m + 2 * g) + 2]);
		const __m256d w1q = _mm256_broadcast_sd(&iw[2 * (m + 2 * g) + 3]);
		const __m256d w2 = _mm256_broadcast_sd(&iw[2 * (m / 2 + g)]);
		const __m256d w2q = _mm256_broadcast_sd(&iw[2 * (m / 2 + g) + 1]);
		uint64_t *x0 = a + 4 * g * h, *x1 = x0 + h, *x2 = x1 + h, *x3 = x2 + h;
		for (size_t j = 0; j < h; j += 4) {
			__m256d a0 = ld(x0 + j), a1 = ld(x1 + j), a2 = ld(x2 + j), a3 = ld(x3 + j);
			__m256d s0 = _mm256_add_pd(a0, a1), s1 = mulmod(_mm256_sub_pd(a0, a1), w0, w0q, k);
			__m256d s2 = _mm256_add_pd(a2, a3), s3 = mulmod(_mm256_sub_pd(a2, a3), w1, w1q, k);
			if (red) {
				s0 = reduce(s0, k);
				s2 = reduce(s2, k);
			}
			if (last) {
				store_u64(x0 + j, mulmod(_mm256_add_pd(s0, s2), ni, niq, k), k);
				store_u64(x2 + j, mulmod(_mm256_sub_pd(s0, s2), wn, wnq, k), k);
				store_u64(x1 + j, mulmod(_mm256_add_pd(s1, s3), ni, niq, k), k);
				store_u64(x3 + j, mulmod(_mm256_sub_pd(s1, s3), wn, wnq, k), k);
			} else {
				st(x0 + j, _mm256_add_pd(s0, s2));
				st(x2 + j, mulmod(_mm256_sub_pd(s0, s2), w2, w2q, k));
				st(x1 + j, _mm256_add_pd(s1, s3));
				st(x3 + j, mulmod(_mm256_sub_pd(s1, s3), w2, w2q, k));
			}
		}
	}
}

/* Inverse bounds.  A stage maps inputs bounded by b to sums bounded by 2b
 * and products bounded by rb(2b); multiplicands (differences) are bounded
 * by 2b.  Invariant between passes: b <= Y_LIMIT / 2. */

/* A two-stage pass (first pass or radix-4): decide whether the sums of
 * the first stage must be reduced; update b. */
static bool inv_plan(double q, double *b)
{
	const double lim = Y_LIMIT / 2;
	double p1 = rb(q, 2 * *b); /* products of the first stage */
	double s = 2 * *b;         /* sums of the first stage */
	double mx = s > p1 ? s : p1;
	double out = 2 * mx, p2 = rb(q, 2 * mx);
	if (2 * *b <= Y_LIMIT && 2 * mx <= Y_LIMIT && out <= lim && p2 <= lim) {
		*b = out > p2 ? out : p2;
		return false;
	}
	s = redb(q);
	mx = s > p1 ? s : p1;
	out = 2 * mx;
	p2 = rb(q, 2 * mx);
	*b = out > p2 ? out : p2;
	return true;
}

static void inv(const struct hec_ntt_table *tab, uint64_t *a, bool reduce_out)
{
	(void)reduce_out; /* outputs are always in [0, q) */
	const struct avx2_tables *t = tab->kdata;
	const size_t n = tab->n;
	const double q = t->q;
	double b = q;
	if (inv_plan(q, &b))
		inv_first(a, n, t, true);
	else
		inv_first(a, n, t, false);
	size_t m = n / 8, h = 4;
	if ((tab->logn - 2) & 1) {
		/* One radix-2 stage (h = 4); the sums are reduced if 2b would
		 * break the invariant. */
		bool red = 2 * b > Y_LIMIT / 2;
		if (red)
			inv_r2(a, m, h, t, true);
		else
			inv_r2(a, m, h, t, false);
		double s = red ? redb(q) : 2 * b, p = rb(q, 2 * b);
		b = s > p ? s : p;
		m >>= 1;
		h <<= 1;
	}
	for (; m >= 2; m >>= 2, h <<= 2) {
		bool red = inv_plan(q, &b);
		if (m == 2) {
			/* The scaled last stage multiplies every output, so the plan
			 * (which keeps its multiplicands below Y_LIMIT) suffices. */
			if (red)
				inv_r4(a, m, h, t, true, true);
			else
				inv_r4(a, m, h, t, false, true);
		} else if (red) {
			inv_r4(a, m, h, t, true, false);
		} else {
			inv_r4(a, m, h, t, false, false);
		}
	}
}

/* ------------------------------------------------------------------------
 * Tables
 * --------------------------------------------------------------------- */

static double balanced(uint64_t w, uint64_t q)
{
	return w > q / 2 ? -(double)(q - w) : (double)w;
}

static hec_status table_init(struct hec_ntt_table *tab)
{
	const size_t n = tab->n;
	const uint64_t q = tab->mod.q;
	struct avx2_tables *t = calloc(1, sizeof *t);
	/* fw: n/2 doubles; fw2, fw1: n/8 groups of 8; the same for inverse. */
	double *mem = aligned_alloc(64, 5 * n * sizeof(double));
	if (!t || !mem) {
		free(t);
		free(mem);
		return hec_error_set(HEC_ERR_NOMEM, "ntt: out of memory for the avx2 tables");
	}
	t->mem = mem;
	t->fw = mem;
	t->fw2 = mem + n / 2;
	t->fw1 = mem + 3 * n / 2;
	t->iw = mem + 5 * n / 2;
	t->iw2 = mem + 3 * n;
	t->iw1 = mem + 4 * n;
	const double qd = (double)q;
	t->q = qd;
	t->qinv = 1.0 / qd;
	/* Division of exact integers is correctly rounded: w / q has relative
	 * error at most 2^-53, as the bounds assume. */
#define PUT(dst, w)                                   \
	do {                                          \
		double wd_ = balanced((w), q);        \
		(dst)[0] = wd_;                       \
		(dst)[1] = wd_ / qd;                  \
	} while (0)
	t->fw[0] = t->fw[1] = t->iw[0] = t->iw[1] = 0;
	for (size_t j = 1; j < n / 4; j++) {
		PUT(&t->fw[2 * j], tab->w[j]);
		PUT(&t->iw[2 * j], tab->wi[j]);
	}
	const size_t m2 = n / 4, m1 = n / 2;
	for (size_t g = 0; g < n / 8; g++) {
		double *f2 = t->fw2 + 8 * g, *f1 = t->fw1 + 8 * g, *i2 = t->iw2 + 8 * g, *i1 = t->iw1 + 8 * g;
		/* Half-size 2: lanes (e0 e1 | e4 e5) are blocks 2g, 2g, 2g+1, 2g+1. */
		static const unsigned blk2[4] = {0, 0, 1, 1};
		/* Forward half-size 1: lane k is pair k.  Inverse: lanes hold the
		 * pairs 0, 2, 1, 3 (unpck of two natural-order registers). */
		static const unsigned fblk1[4] = {0, 1, 2, 3}, iblk1[4] = {0, 2, 1, 3};
		for (int l = 0; l < 4; l++) {
			double tmp[2];
			PUT(tmp, tab->w[m2 + 2 * g + blk2[l]]);
			f2[l] = tmp[0];
			f2[4 + l] = tmp[1];
			PUT(tmp, tab->w[m1 + 4 * g + fblk1[l]]);
			f1[l] = tmp[0];
			f1[4 + l] = tmp[1];
			PUT(tmp, tab->wi[m2 + 2 * g + blk2[l]]);
			i2[l] = tmp[0];
			i2[4 + l] = tmp[1];
			PUT(tmp, tab->wi[m1 + 4 * g + iblk1[l]]);
			i1[l] = tmp[0];
			i1[4 + l] = tmp[1];
		}
	}
	double tmp[2];
	PUT(tmp, tab->n_inv);
	t->ninv = tmp[0];
	t->ninv_q = tmp[1];
	PUT(tmp, tab->wi1_n_inv);
	t->wn = tmp[0];
	t->wn_q = tmp[1];
#undef PUT
	tab->kdata = t;
	return HEC_OK;
}

static void table_clear(struct hec_ntt_table *tab)
{
	struct avx2_tables *t = tab->kdata;
	if (t) {
		free(t->mem);
		free(t);
	}
	tab->kdata = NULL;
}

/* ------------------------------------------------------------------------
 * Element-wise operations.  Integer AVX2 for add/sub/neg; the same
 * floating-point product for the multiplications.  Inputs in [0, q),
 * outputs in [0, q), any length (a scalar tail), dst may alias an input.
 * --------------------------------------------------------------------- */

static inline __attribute__((always_inline)) __m256i ldi(const uint64_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

static inline __attribute__((always_inline)) void sti(uint64_t *p, __m256i x)
{
	_mm256_storeu_si256((__m256i *)(void *)p, x);
}

/* x if its sign bit is clear, else y: blendv reads the sign bits. */
static inline __attribute__((always_inline)) __m256i sel_nonneg(__m256i x, __m256i y)
{
	return _mm256_castpd_si256(
	        _mm256_blendv_pd(_mm256_castsi256_pd(x), _mm256_castsi256_pd(y), _mm256_castsi256_pd(x)));
}

static void vec_add(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const __m256i vq = _mm256_set1_epi64x((long long)q);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m256i s = _mm256_add_epi64(ldi(a + i), ldi(b + i));
		sti(dst + i, sel_nonneg(_mm256_sub_epi64(s, vq), s));
	}
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_add(a[i], b[i], q);
}

static void vec_sub(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const __m256i vq = _mm256_set1_epi64x((long long)q);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m256i d = _mm256_sub_epi64(ldi(a + i), ldi(b + i));
		sti(dst + i, sel_nonneg(d, _mm256_add_epi64(d, vq)));
	}
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_sub(a[i], b[i], q);
}

static void vec_neg(uint64_t *dst, const uint64_t *a, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const __m256i vq = _mm256_set1_epi64x((long long)q);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m256i x = ldi(a + i);
		/* -x is negative unless x = 0, where it is the answer. */
		__m256i nx = _mm256_sub_epi64(_mm256_setzero_si256(), x);
		sti(dst + i, sel_nonneg(nx, _mm256_sub_epi64(vq, x)));
	}
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_neg(a[i], q);
}

/* [0, q) values to doubles and back (no centring). */
static inline __attribute__((always_inline)) __m256d cvt_in(const uint64_t *p)
{
	return load_u64(p, _mm256_set1_pd(TWO52));
}

/* |x| < q to [0, q) as uint64_t. */
static inline __attribute__((always_inline)) __m256i cvt_out(__m256d x, __m256d vq)
{
	x = _mm256_add_pd(x, _mm256_and_pd(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ), vq));
	__m256d two52 = _mm256_set1_pd(TWO52);
	return _mm256_xor_si256(_mm256_castpd_si256(_mm256_add_pd(x, two52)), _mm256_castpd_si256(two52));
}

/* a b mod q with a, b in [0, q): h + l = a b exactly, qt = round(h / q):
 * the estimate h qinv is within (a b / q) 2^-52 < 1/4 of a b / q, so
 * |a b - qt q| < 3q/4, which one conditional addition of q maps to
 * [0, q). */
static inline __attribute__((always_inline)) __m256d mul_ab(__m256d x, __m256d y, struct consts k)
{
	__m256d h = _mm256_mul_pd(x, y);
	__m256d l = _mm256_fmsub_pd(x, y, h);
	__m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(h, k.qinv, k.c), k.c);
	return _mm256_add_pd(_mm256_fnmadd_pd(qt, k.q, h), l);
}

static struct consts consts_q(uint64_t q)
{
	struct consts k = {_mm256_set1_pd((double)q), _mm256_set1_pd(1.0 / (double)q), _mm256_set1_pd(ROUND_C)};
	return k;
}

static void vec_mul(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const struct consts k = consts_q(m->q);
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		sti(dst + i, cvt_out(mul_ab(cvt_in(a + i), cvt_in(b + i), k), k.q));
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_mul(a[i], b[i], m);
}

static void vec_mul_scalar(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const struct consts k = consts_q(q);
	/* w unbalanced in [0, q): |a w / q| < q < 2^50 and the estimate a wq
	 * is within 2^-3 of it. */
	const __m256d vw = _mm256_set1_pd((double)w), vwq = _mm256_set1_pd((double)w / (double)q);
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		sti(dst + i, cvt_out(mulmod(cvt_in(a + i), vw, vwq, k), k.q));
	const uint64_t ws = hec_ntt_shoup(w, q);
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_mul_shoup(a[i], w, ws, q);
}

static void vec_mul_acc(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const struct consts k = consts_q(m->q);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		/* p in (-3q/4, 3q/4) plus d in [0, q): (-3q/4, 7q/4), so at most
		 * one q to add or subtract. */
		__m256d s = _mm256_add_pd(mul_ab(cvt_in(a + i), cvt_in(b + i), k), cvt_in(dst + i));
		__m256d neg = _mm256_cmp_pd(s, _mm256_setzero_pd(), _CMP_LT_OQ);
		__m256d big = _mm256_cmp_pd(s, k.q, _CMP_GE_OQ);
		s = _mm256_add_pd(s, _mm256_and_pd(neg, k.q));
		s = _mm256_sub_pd(s, _mm256_and_pd(big, k.q));
		__m256d two52 = _mm256_set1_pd(TWO52);
		sti(dst + i, _mm256_xor_si256(_mm256_castpd_si256(_mm256_add_pd(s, two52)), _mm256_castpd_si256(two52)));
	}
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_reduce128((hec_u128)a[i] * b[i] + dst[i], m);
}

const struct hec_ntt_kernel_ops hec_ntt_ops_avx2 = {
	.kind = HEC_KERNEL_AVX2,
	.max_q = HEC_MODULUS_SIMD_MAX,
	.table_init = table_init,
	.table_clear = table_clear,
	.fwd = fwd,
	.inv = inv,
	.vec_add = vec_add,
	.vec_sub = vec_sub,
	.vec_neg = vec_neg,
	.vec_mul = vec_mul,
	.vec_mul_scalar = vec_mul_scalar,
	.vec_mul_acc = vec_mul_acc,
};
