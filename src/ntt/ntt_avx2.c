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
 * Passes.  The stages of half-size >= 16 go two per pass over the array
 * (radix-4 grouping of the Cooley–Tukey / Gentleman–Sande butterflies
 * with the twiddles in bit-reversed order, P. Longa, M. Naehrig,
 * "Speeding up the Number Theoretic Transform for Faster Ideal
 * Lattice-Based Cryptography", CANS 2016), twiddles broadcast once per
 * block; the four stages of half-sizes 8, 4, 2, 1 are one pass over groups
 * of 16 values (four registers): two stages between whole registers, a
 * 4 x 4 transpose (unpck + vperm2f128), the other two between whole
 * registers again, and the transpose back, with those stages' twiddles
 * stored in the lane order they are consumed.  A 2^14-point transform thus
 * makes 6 passes, not 14.  Measured on Zen 3, the transform is bound by the
 * FP ports (8 operations per 4 butterflies), not by memory, so the passes
 * stream through L2 without blocking for L1.  The conversion from
 * uint64_t to double (and back, with the final reduction to [0, q)) is
 * fused into the first and last passes: a value below 2^52 becomes a
 * double by or-ing it into the significand of 2^52 and subtracting 2^52;
 * back, adding 1.5 * 2^52 leaves the integer in the significand.
 *
 * All outputs, lazy or not, are fully reduced to [0, q), hence identical to
 * the portable kernel's reduced outputs. */
#include "kernels.h"

#include <assert.h>
#include <immintrin.h>
#include <stdlib.h>

#define TWO52   0x1p52
#define ROUND_C 0x1.8p52 /* adding it rounds |x| < 2^51 to an integer */
/* Largest multiplicand allowed; |y w / q| < 2^51 with room for rounding. */
#define Y_LIMIT (0x1p52 - 0x1p40)

struct avx2_tables {
	double *mem;
	/* Pairs (w, w/q), balanced, at [2j] for j in [1, n/16): the twiddles
	 * of the stages done by the radix-2 and radix-4 passes. */
	double *fw, *iw;
	/* The twiddles of the four stages with half-sizes 8, 4, 2, 1 done by
	 * the radix-16 pass, one record of REC doubles per group g of 16
	 * values (see rec_fill), forward and inverse. */
	double *frec, *irec;
	double q, qinv;
	double ninv, ninv_q; /* n^-1, balanced, and / q */
	double wn, wn_q;     /* wi[1] n^-1, balanced, and / q */
};

/* Record of one group of 16 values: [0..5] (w, w/q) for half-size 8
 * (block n/16 + g) and half-size 4 (blocks n/8 + 2g, n/8 + 2g + 1); [8..15]
 * half-size 2, lane l = block n/4 + 4g + l, 4 twiddles then 4 quotients;
 * [16..23] and [24..31] half-size 1, lane l = block n/2 + 8g + 2l and
 * n/2 + 8g + 2l + 1 (the layout after a 4 x 4 transpose). */
#define REC 32

/* ------------------------------------------------------------------------
 * Vector arithmetic
 * --------------------------------------------------------------------- */

struct consts {
	__m256d q, qinv, c;
	__m256i qi;
};

static inline __attribute__((always_inline)) struct consts consts_q(double q, double qinv)
{
	struct consts c = {_mm256_set1_pd(q), _mm256_set1_pd(qinv), _mm256_set1_pd(ROUND_C),
	                   _mm256_set1_epi64x((long long)q)};
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

/* Cooley–Tukey butterfly: (x, y) <- (x + w y, x - w y). */
static inline __attribute__((always_inline)) void ct(__m256d *x, __m256d *y, __m256d w, __m256d wq,
                                                     struct consts k)
{
	__m256d v = mulmod(*y, w, wq, k);
	*y = _mm256_sub_pd(*x, v);
	*x = _mm256_add_pd(*x, v);
}

/* Gentleman–Sande butterfly: (x, y) <- (x + y, (x - y) w). */
static inline __attribute__((always_inline)) void gs(__m256d *x, __m256d *y, __m256d w, __m256d wq,
                                                     struct consts k)
{
	__m256d s = _mm256_add_pd(*x, *y);
	*y = mulmod(_mm256_sub_pd(*x, *y), w, wq, k);
	*x = s;
}

/* 4 x 4 transpose: r_i[j] <- r_j[i]. */
static inline __attribute__((always_inline)) void transpose4(__m256d *r0, __m256d *r1, __m256d *r2,
                                                             __m256d *r3)
{
	__m256d t0 = _mm256_unpacklo_pd(*r0, *r1), t1 = _mm256_unpackhi_pd(*r0, *r1);
	__m256d t2 = _mm256_unpacklo_pd(*r2, *r3), t3 = _mm256_unpackhi_pd(*r2, *r3);
	*r0 = _mm256_permute2f128_pd(t0, t2, 0x20);
	*r1 = _mm256_permute2f128_pd(t1, t3, 0x20);
	*r2 = _mm256_permute2f128_pd(t0, t2, 0x31);
	*r3 = _mm256_permute2f128_pd(t1, t3, 0x31);
}

/* Four values in [0, 2^52) to doubles, minus `shift` (2^52 + 0 or + q): the
 * value or-ed into the significand of 2^52 is 2^52 + x exactly. */
static inline __attribute__((always_inline)) __m256d load_u64(const uint64_t *p, __m256d two52_shift)
{
	__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256d d = _mm256_castsi256_pd(_mm256_or_si256(x, _mm256_castpd_si256(_mm256_set1_pd(TWO52))));
	return _mm256_sub_pd(d, two52_shift);
}

/* x if its sign bit is clear, else y: blendv reads the sign bits. */
static inline __attribute__((always_inline)) __m256i sel_nonneg(__m256i x, __m256i y)
{
	return _mm256_castpd_si256(
	    _mm256_blendv_pd(_mm256_castsi256_pd(x), _mm256_castsi256_pd(y), _mm256_castsi256_pd(x)));
}

/* Balanced |x| < q to [0, q) as uint64_t.  Adding 1.5 * 2^52 puts
 * 2^51 + x in the significand, so subtracting the bits of 1.5 * 2^52
 * gives x as a two's-complement integer (with -0.0 mapped to 0), and the
 * sign fix-up is done on integers. */
static inline __attribute__((always_inline)) __m256i to_u64(__m256d x, struct consts k)
{
	__m256i xi = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(x, k.c)), _mm256_castpd_si256(k.c));
	return sel_nonneg(xi, _mm256_add_epi64(xi, k.qi));
}

static inline __attribute__((always_inline)) void store_bal(uint64_t *p, __m256d x, struct consts k)
{
	_mm256_storeu_si256((__m256i *)(void *)p, to_u64(x, k));
}

/* |x| < 2^53 to [0, q). */
static inline __attribute__((always_inline)) void store_red(uint64_t *p, __m256d x, struct consts k)
{
	store_bal(p, reduce(x, k), k); /* |reduce(x)| <= q/2 + 2 < q */
}

static inline __attribute__((always_inline)) __m256d ld(const uint64_t *p)
{
	return _mm256_loadu_pd((const double *)(const void *)p);
}

static inline __attribute__((always_inline)) void st(uint64_t *p, __m256d x)
{
	_mm256_storeu_pd((double *)(void *)p, x);
}

static inline __attribute__((always_inline)) __m256d bc(const double *p)
{
	return _mm256_broadcast_sd(p);
}

static inline __attribute__((always_inline)) __m256d ldd(const double *p)
{
	return _mm256_loadu_pd(p);
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

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

/* ------------------------------------------------------------------------
 * Forward transform: radix-2 (if needed) and radix-4 passes for the stages
 * of half-size >= 16, then one radix-16 pass for half-sizes 8, 4, 2, 1.
 * --------------------------------------------------------------------- */

/* Radix-2 first pass (stage m = 1, half-size h) from uint64_t in [0, 2q),
 * centred to [-q, q); used when the number of stages of half-size >= 16
 * is odd. */
static void fwd_r2_first(uint64_t *a, size_t h, const struct avx2_tables *t)
{
	const struct consts k = consts_q(t->q, t->qinv);
	const __m256d sh = _mm256_set1_pd(TWO52 + t->q);
	const __m256d w = bc(&t->fw[2]), wq = bc(&t->fw[3]);
	for (size_t j = 0; j < h; j += 4) {
		__m256d x = load_u64(a + j, sh), y = load_u64(a + j + h, sh);
		ct(&x, &y, w, wq, k);
		st(a + j, x);
		st(a + j + h, y);
	}
}

/* Radix-4 pass: stage (m, h) then (2m, h/2), groups of 2h values at
 * quarter distance hq = h/2 >= 16.  `conv`: inputs are uint64_t in
 * [0, 2q) (first pass).  `red`: first reduce the two operands that are not
 * multiplied in the first stage. */
static inline __attribute__((always_inline)) void fwd_r4(uint64_t *a, size_t m, size_t h,
                                                         const struct avx2_tables *t, bool conv, bool red)
{
	const struct consts k = consts_q(t->q, t->qinv);
	const __m256d sh = _mm256_set1_pd(TWO52 + t->q);
	const size_t hq = h / 2;
	const double *fw = t->fw;
	for (size_t i = 0; i < m; i++) {
		const __m256d w1 = bc(&fw[2 * (m + i)]), w1q = bc(&fw[2 * (m + i) + 1]);
		const __m256d w2 = bc(&fw[4 * (m + i)]), w2q = bc(&fw[4 * (m + i) + 1]);
		const __m256d w3 = bc(&fw[4 * (m + i) + 2]), w3q = bc(&fw[4 * (m + i) + 3]);
		uint64_t *x0 = a + 2 * i * h, *x1 = x0 + hq, *x2 = x1 + hq, *x3 = x2 + hq;
		for (size_t j = 0; j < hq; j += 4) {
			__m256d a0, a1, a2, a3;
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
			ct(&a0, &a2, w1, w1q, k);
			ct(&a1, &a3, w1, w1q, k);
			ct(&a0, &a1, w2, w2q, k);
			ct(&a2, &a3, w3, w3q, k);
			st(x0 + j, a0);
			st(x1 + j, a1);
			st(x2 + j, a2);
			st(x3 + j, a3);
		}
	}
}

/* Radix-16 last pass: half-sizes 8 and 4 between whole registers, a 4 x 4
 * transpose, half-sizes 2 and 1 between whole registers again, the
 * transpose back, and the conversion to uint64_t in [0, q).  `conv`: the
 * inputs are uint64_t in [0, 2q) (n = 16, where this is also the first
 * pass).  `red`: reduce the operands not multiplied in the first stage.
 *
 * One group is a chain of four dependent stages, too long for the
 * out-of-order window to overlap consecutive groups well, so U = 2 groups
 * (U = 1 for n = 16) go through each step side by side. */
static inline __attribute__((always_inline)) void
fwd_r16_groups(uint64_t *p, const double *r, int U, const struct avx2_tables *t, bool conv, bool red)
{
	const struct consts k = consts_q(t->q, t->qinv);
	const __m256d sh = _mm256_set1_pd(TWO52 + t->q);
	__m256d v[2][4];
	for (int u = 0; u < U; u++)
		for (int i = 0; i < 4; i++)
			v[u][i] = conv ? load_u64(p + 16 * u + 4 * i, sh) : ld(p + 16 * u + 4 * i);
	for (int u = 0; u < U && red; u++) {
		v[u][0] = reduce(v[u][0], k);
		v[u][1] = reduce(v[u][1], k);
	}
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		ct(&v[u][0], &v[u][2], bc(ru), bc(ru + 1), k);
		ct(&v[u][1], &v[u][3], bc(ru), bc(ru + 1), k);
	}
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		ct(&v[u][0], &v[u][1], bc(ru + 2), bc(ru + 3), k);
		ct(&v[u][2], &v[u][3], bc(ru + 4), bc(ru + 5), k);
	}
	for (int u = 0; u < U; u++)
		transpose4(&v[u][0], &v[u][1], &v[u][2], &v[u][3]);
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		ct(&v[u][0], &v[u][2], ldd(ru + 8), ldd(ru + 12), k);
		ct(&v[u][1], &v[u][3], ldd(ru + 8), ldd(ru + 12), k);
	}
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		ct(&v[u][0], &v[u][1], ldd(ru + 16), ldd(ru + 20), k);
		ct(&v[u][2], &v[u][3], ldd(ru + 24), ldd(ru + 28), k);
	}
	for (int u = 0; u < U; u++)
		transpose4(&v[u][0], &v[u][1], &v[u][2], &v[u][3]);
	for (int u = 0; u < U; u++)
		for (int i = 0; i < 4; i++)
			store_red(p + 16 * u + 4 * i, v[u][i], k);
}

static inline __attribute__((always_inline)) void fwd_r16(uint64_t *a, size_t n, const struct avx2_tables *t,
                                                          bool conv, bool red)
{
	if (n == 16) {
		fwd_r16_groups(a, t->frec, 1, t, conv, red);
		return;
	}
	for (size_t g = 0; g < n / 16; g += 2)
		fwd_r16_groups(a + 16 * g, t->frec + REC * g, 2, t, conv, red);
}

/* Plans.  Each decides whether a pass must reduce the operands its first
 * stage does not multiply, from the bound b on its inputs, and updates b
 * to the bound on its outputs.  Invariant: b <= Y_LIMIT between passes, so
 * the operands the first stage multiplies are always admissible. */
static bool fwd_plan(double q, double *b, int stages)
{
	double x = *b;
	bool ok = true;
	for (int s = 0; s < stages; s++) {
		if (s > 0 && x > Y_LIMIT)
			ok = false; /* a later stage's multiplicands */
		x += rb(q, s == 0 ? *b : x);
	}
	if (ok && x <= Y_LIMIT) {
		*b = x;
		return false;
	}
	/* Reduced: below 0.5q + 2, then at most ~0.6q more per stage, so
	 * about 3.1q after four stages, for any q < 2^50. */
	x = redb(q) + rb(q, *b);
	for (int s = 1; s < stages; s++) {
		assert(x <= Y_LIMIT);
		x += rb(q, x);
	}
	assert(x <= Y_LIMIT);
	*b = x;
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
	if ((tab->logn - 4) & 1) {
		fwd_r2_first(a, h, t);
		b += rb(q, b);
		conv = false;
		m = 2;
		h = n / 4;
	}
	for (; h >= 32; m <<= 2, h >>= 2) {
		bool red = fwd_plan(q, &b, 2);
		if (conv)
			fwd_r4(a, m, h, t, true, false); /* b = q never needs it */
		else if (red)
			fwd_r4(a, m, h, t, false, true);
		else
			fwd_r4(a, m, h, t, false, false);
		conv = false;
	}
	bool red = fwd_plan(q, &b, 4);
	if (conv)
		fwd_r16(a, n, t, true, false);
	else if (red)
		fwd_r16(a, n, t, false, true);
	else
		fwd_r16(a, n, t, false, false);
}

/* ------------------------------------------------------------------------
 * Inverse transform: one radix-16 pass for half-sizes 1, 2, 4, 8, then
 * radix-2 (if needed) and radix-4 passes; the last stage is merged with
 * the scaling by n^-1 and the conversion back.
 * --------------------------------------------------------------------- */

/* The scaled last stage on (x, y): ((x + y) n^-1, (x - y) wi[1] n^-1), both
 * products, hence balanced below q: converted without a reduction. */
static inline __attribute__((always_inline)) void inv_scale_store(uint64_t *px, uint64_t *py, __m256d x,
                                                                  __m256d y, const struct avx2_tables *t,
                                                                  struct consts k)
{
	store_bal(px, mulmod(_mm256_add_pd(x, y), _mm256_set1_pd(t->ninv), _mm256_set1_pd(t->ninv_q), k), k);
	store_bal(py, mulmod(_mm256_sub_pd(x, y), _mm256_set1_pd(t->wn), _mm256_set1_pd(t->wn_q), k), k);
}

/* Radix-16 first pass from uint64_t in [0, 2q), centred to [-q, q).  The
 * sums double at every stage; those of the stages of half-size 1 and 4
 * are reduced, which keeps every multiplicand below 2.5q + 8 and the
 * outputs below 1.32q + 8 (inv_r16_bound).  `last`: n = 16, the stage of
 * half-size 8 is the scaled last one.  Two groups side by side, as in
 * fwd_r16. */
static inline __attribute__((always_inline)) void inv_r16_groups(uint64_t *p, const double *r, int U,
                                                                 const struct avx2_tables *t, bool last)
{
	const struct consts k = consts_q(t->q, t->qinv);
	const __m256d sh = _mm256_set1_pd(TWO52 + t->q);
	__m256d v[2][4];
	for (int u = 0; u < U; u++) {
		for (int i = 0; i < 4; i++)
			v[u][i] = load_u64(p + 16 * u + 4 * i, sh);
		transpose4(&v[u][0], &v[u][1], &v[u][2], &v[u][3]);
	}
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		gs(&v[u][0], &v[u][1], ldd(ru + 16), ldd(ru + 20), k);
		gs(&v[u][2], &v[u][3], ldd(ru + 24), ldd(ru + 28), k);
		v[u][0] = reduce(v[u][0], k);
		v[u][2] = reduce(v[u][2], k);
	}
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		gs(&v[u][0], &v[u][2], ldd(ru + 8), ldd(ru + 12), k);
		gs(&v[u][1], &v[u][3], ldd(ru + 8), ldd(ru + 12), k);
	}
	for (int u = 0; u < U; u++)
		transpose4(&v[u][0], &v[u][1], &v[u][2], &v[u][3]);
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		gs(&v[u][0], &v[u][1], bc(ru + 2), bc(ru + 3), k);
		gs(&v[u][2], &v[u][3], bc(ru + 4), bc(ru + 5), k);
		v[u][0] = reduce(v[u][0], k);
		v[u][2] = reduce(v[u][2], k);
	}
	for (int u = 0; u < U; u++) {
		const double *ru = r + REC * u;
		uint64_t *pu = p + 16 * u;
		if (last) {
			inv_scale_store(pu, pu + 8, v[u][0], v[u][2], t, k);
			inv_scale_store(pu + 4, pu + 12, v[u][1], v[u][3], t, k);
		} else {
			gs(&v[u][0], &v[u][2], bc(ru), bc(ru + 1), k);
			gs(&v[u][1], &v[u][3], bc(ru), bc(ru + 1), k);
			for (int i = 0; i < 4; i++)
				st(pu + 4 * i, v[u][i]);
		}
	}
}

static void inv_r16(uint64_t *a, size_t n, const struct avx2_tables *t, bool last)
{
	if (n == 16) {
		inv_r16_groups(a, t->irec, 1, t, last);
		return;
	}
	for (size_t g = 0; g < n / 16; g += 2)
		inv_r16_groups(a + 16 * g, t->irec + REC * g, 2, t, last);
}

/* Output bound of inv_r16 (not last), following its reductions. */
static double inv_r16_bound(double q)
{
	double b1 = dmax(redb(q), rb(q, 2 * q));  /* after half-size 1 */
	double b2 = 2 * b1;                       /* after half-size 2 */
	double b3 = dmax(redb(q), rb(q, 2 * b2)); /* after half-size 4 */
	assert(2 * b2 <= Y_LIMIT);                /* its multiplicands */
	double b4 = dmax(2 * b3, rb(q, 2 * b3));  /* after half-size 8 */
	assert(b4 <= Y_LIMIT / 2);
	return b4;
}

/* Radix-2 pass (half-size h, m blocks).  `red`: reduce the sums.  `last`:
 * m = 1, the scaled last stage. */
static inline __attribute__((always_inline)) void inv_r2(uint64_t *a, size_t m, size_t h,
                                                         const struct avx2_tables *t, bool red, bool last)
{
	const struct consts k = consts_q(t->q, t->qinv);
	for (size_t i = 0; i < m; i++) {
		const __m256d w = bc(&t->iw[2 * (m + i)]), wq = bc(&t->iw[2 * (m + i) + 1]);
		uint64_t *x = a + 2 * i * h, *y = x + h;
		for (size_t j = 0; j < h; j += 4) {
			__m256d u = ld(x + j), v = ld(y + j);
			if (last) {
				inv_scale_store(x + j, y + j, u, v, t, k);
			} else {
				gs(&u, &v, w, wq, k);
				st(x + j, red ? reduce(u, k) : u);
				st(y + j, v);
			}
		}
	}
}

/* Radix-4 pass: stage (m, h) then (m/2, 2h) on groups of 4h values at
 * quarter distance h >= 16.  `red`: reduce the sums of the first stage.
 * `last`: m = 2, the second stage is the scaled last one. */
static inline __attribute__((always_inline)) void inv_r4(uint64_t *a, size_t m, size_t h,
                                                         const struct avx2_tables *t, bool red, bool last)
{
	const struct consts k = consts_q(t->q, t->qinv);
	const double *iw = t->iw;
	for (size_t g = 0; g < m / 2; g++) {
		const __m256d w0 = bc(&iw[2 * (m + 2 * g)]), w0q = bc(&iw[2 * (m + 2 * g) + 1]);
		const __m256d w1 = bc(&iw[2 * (m + 2 * g) + 2]), w1q = bc(&iw[2 * (m + 2 * g) + 3]);
		const __m256d w2 = bc(&iw[2 * (m / 2 + g)]), w2q = bc(&iw[2 * (m / 2 + g) + 1]);
		uint64_t *x0 = a + 4 * g * h, *x1 = x0 + h, *x2 = x1 + h, *x3 = x2 + h;
		for (size_t j = 0; j < h; j += 4) {
			__m256d a0 = ld(x0 + j), a1 = ld(x1 + j), a2 = ld(x2 + j), a3 = ld(x3 + j);
			gs(&a0, &a1, w0, w0q, k);
			gs(&a2, &a3, w1, w1q, k);
			if (red) {
				a0 = reduce(a0, k);
				a2 = reduce(a2, k);
			}
			if (last) {
				inv_scale_store(x0 + j, x2 + j, a0, a2, t, k);
				inv_scale_store(x1 + j, x3 + j, a1, a3, t, k);
			} else {
				gs(&a0, &a2, w2, w2q, k);
				gs(&a1, &a3, w2, w2q, k);
				st(x0 + j, a0);
				st(x1 + j, a1);
				st(x2 + j, a2);
				st(x3 + j, a3);
			}
		}
	}
}

/* Inverse bounds.  A stage maps inputs bounded by b to sums bounded by 2b
 * and products bounded by rb(2b); its multiplicands (differences) are
 * bounded by 2b.  Invariant between passes: b <= Y_LIMIT / 2.  Decide
 * whether the sums of the first stage of a radix-4 pass must be reduced;
 * update b. */
static bool inv_plan(double q, double *b)
{
	const double lim = Y_LIMIT / 2;
	double p1 = rb(q, 2 * *b), mx = dmax(2 * *b, p1);
	if (mx <= lim && 2 * mx <= lim) {
		*b = dmax(2 * mx, rb(q, 2 * mx));
		return false;
	}
	mx = dmax(redb(q), p1);
	*b = dmax(2 * mx, rb(q, 2 * mx));
	assert(2 * mx <= Y_LIMIT && *b <= lim);
	return true;
}

static void inv(const struct hec_ntt_table *tab, uint64_t *a, bool reduce_out)
{
	(void)reduce_out; /* outputs are always in [0, q) */
	const struct avx2_tables *t = tab->kdata;
	const size_t n = tab->n;
	const double q = t->q;
	const unsigned rest = tab->logn - 4; /* stages of half-size >= 16 */
	if (rest == 0) {
		inv_r16(a, n, t, true);
		return;
	}
	inv_r16(a, n, t, false);
	double b = inv_r16_bound(q);
	size_t m = n / 32, h = 16;
	if (rest & 1) {
		bool red = 2 * b > Y_LIMIT / 2;
		if (m == 1)
			inv_r2(a, m, h, t, false, true);
		else if (red)
			inv_r2(a, m, h, t, true, false);
		else
			inv_r2(a, m, h, t, false, false);
		b = dmax(red ? redb(q) : 2 * b, rb(q, 2 * b));
		m >>= 1;
		h <<= 1;
	}
	for (; m >= 2; m >>= 2, h <<= 2) {
		bool red = inv_plan(q, &b);
		if (m == 2) {
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

/* w in [0, q) as a balanced double and its quotient w / q.  Division of
 * exact integers is correctly rounded: w / q has relative error at most
 * 2^-53, as the bounds assume. */
static void put(double *dst, uint64_t w, uint64_t q)
{
	double wd = w > q / 2 ? -(double)(q - w) : (double)w;
	dst[0] = wd;
	dst[1] = wd / (double)q;
}

static void rec_fill(double *rec, const uint64_t *w, size_t n, uint64_t q)
{
	for (size_t g = 0; g < n / 16; g++) {
		double *r = rec + REC * g, tmp[2];
		put(r, w[n / 16 + g], q);
		put(r + 2, w[n / 8 + 2 * g], q);
		put(r + 4, w[n / 8 + 2 * g + 1], q);
		r[6] = r[7] = 0;
		for (size_t l = 0; l < 4; l++) {
			put(tmp, w[n / 4 + 4 * g + l], q);
			r[8 + l] = tmp[0];
			r[12 + l] = tmp[1];
			put(tmp, w[n / 2 + 8 * g + 2 * l], q);
			r[16 + l] = tmp[0];
			r[20 + l] = tmp[1];
			put(tmp, w[n / 2 + 8 * g + 2 * l + 1], q);
			r[24 + l] = tmp[0];
			r[28 + l] = tmp[1];
		}
	}
}

static hec_status table_init(struct hec_ntt_table *tab)
{
	const size_t n = tab->n;
	const uint64_t q = tab->mod.q;
	/* fw, iw: n/8 doubles each (at least 2); frec, irec: 2n each. */
	const size_t npair = n / 8 > 2 ? n / 8 : 2;
	struct avx2_tables *t = calloc(1, sizeof *t);
	/* aligned_alloc wants a size that is a multiple of the alignment. */
	double *mem = aligned_alloc(64, (2 * npair + 4 * n + 7) / 8 * 8 * sizeof(double));
	if (!t || !mem) {
		free(t);
		free(mem);
		return hec_error_set(HEC_ERR_NOMEM, "ntt: out of memory for the avx2 tables");
	}
	t->mem = mem;
	t->frec = mem;
	t->irec = mem + 2 * n;
	t->fw = mem + 4 * n;
	t->iw = mem + 4 * n + npair;
	t->q = (double)q;
	t->qinv = 1.0 / (double)q;
	t->fw[0] = t->fw[1] = t->iw[0] = t->iw[1] = 0;
	for (size_t j = 1; j < n / 16; j++) {
		put(&t->fw[2 * j], tab->w[j], q);
		put(&t->iw[2 * j], tab->wi[j], q);
	}
	rec_fill(t->frec, tab->w, n, q);
	rec_fill(t->irec, tab->wi, n, q);
	double tmp[2];
	put(tmp, tab->n_inv, q);
	t->ninv = tmp[0];
	t->ninv_q = tmp[1];
	put(tmp, tab->wi1_n_inv, q);
	t->wn = tmp[0];
	t->wn_q = tmp[1];
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

static struct consts consts_m(const hec_modulus_t *m)
{
	return consts_q((double)m->q, 1.0 / (double)m->q);
}

static void vec_mul(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const struct consts k = consts_m(m);
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		sti(dst + i, to_u64(mul_ab(cvt_in(a + i), cvt_in(b + i), k), k));
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_mul(a[i], b[i], m);
}

static void vec_mul_scalar(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const struct consts k = consts_m(m);
	/* w unbalanced in [0, q): |a w / q| < q < 2^50 and the estimate a wq
	 * is within 2^-3 of it. */
	const __m256d vw = _mm256_set1_pd((double)w), vwq = _mm256_set1_pd((double)w / (double)q);
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		sti(dst + i, to_u64(mulmod(cvt_in(a + i), vw, vwq, k), k));
	const uint64_t ws = hec_ntt_shoup(w, q);
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_mul_shoup(a[i], w, ws, q);
}

static void vec_mul_acc(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const struct consts k = consts_m(m);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m256i p = to_u64(mul_ab(cvt_in(a + i), cvt_in(b + i), k), k);
		__m256i sum = _mm256_add_epi64(p, ldi(dst + i)); /* [0, 2q) */
		sti(dst + i, sel_nonneg(_mm256_sub_epi64(sum, k.qi), sum));
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
