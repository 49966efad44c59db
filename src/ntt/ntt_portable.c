/* Portable NTT kernel: plain C with hec_u128, any prime q < 2^61.
 *
 * This is the reference every SIMD kernel is tested against.  Butterflies
 * follow D. Harvey, "Faster arithmetic for number-theoretic transforms"
 * (J. Symb. Comp. 60, 2014): values travel in [0, 4q) (forward) or [0, 2q)
 * (inverse) and are only reduced at the end, which needs 4q < 2^64.
 *
 * Speed.  A butterfly costs three 64-bit multiplications (Shoup's quotient
 * hi(y ws), then y w and quot q, both mod 2^64) and a dozen other
 * instructions; on the machines measured (AMD Zen 3) the loop is bound by
 * the instruction count rather than by the multiplier, so this file
 * removes everything it can around the three products:
 *   - two stages per pass over the array (radix-4 grouping of the radix-2
 *     butterflies, with the bit-reversed twiddle layout of P. Longa,
 *     M. Naehrig, "Speeding up the Number Theoretic Transform for Faster
 *     Ideal Lattice-Based Cryptography", CANS 2016, making the three
 *     twiddles of a group adjacent), which halves loads and stores and
 *     gives the core four independent chains to overlap;
 *   - the last two forward stages (half-sizes 2 and 1), where a loop would
 *     run once per block, are straight-line groups of four, with the final
 *     reduction fused in; likewise the inverse's first two, and its last
 *     two merged with the scaling by n^-1;
 *   - for primes below 2^58 (every prime the SIMD kernels take, and the
 *     usual ones), the headroom of the 64-bit word replaces most
 *     conditional subtractions: see FAST_Q_MAX;
 *   - comparisons are written so the compiler cannot make them branches
 *     (csub), and table fields are read into locals once, because stores
 *     through uint64_t *a could otherwise alias them and force reloads. */
#include "kernels.h"

/* x - c if x >= c, else x, for x < 2c < 2^63.  Written with the sign mask
 * so that no compiler turns it into a data-dependent branch, which would
 * mispredict half the time on random residues. */
static inline uint64_t csub(uint64_t x, uint64_t c)
{
	uint64_t r = x - c;
	return r + (c & (uint64_t)((int64_t)r >> 63));
}

/* Reduce [0, 4q) to [0, 2q). */
static inline uint64_t red2q(uint64_t x, uint64_t q2)
{
	return csub(x, q2);
}

/* Reduce [0, 2q) to [0, q). */
static inline uint64_t red1q(uint64_t x, uint64_t q)
{
	return csub(x, q);
}

/* Any 64-bit x to [0, 2q): Shoup's product by w = 1 with one_s =
 * floor(2^64 / q); two multiplications, no comparison. */
static inline uint64_t red_any(uint64_t x, uint64_t q, uint64_t one_s)
{
	return x - (uint64_t)(((hec_u128)x * one_s) >> 64) * q;
}

/* a w mod q up to one q (Shoup).  In: any 64-bit a.  Out: [0, 2q). */
static inline uint64_t mulq(uint64_t a, uint64_t w, uint64_t ws, uint64_t q)
{
	return hec_ntt_mod_mul_shoup_lazy(a, w, ws, q);
}

/* Primes below 2^58 leave at least 2^6 of headroom in a 64-bit word; the
 * transforms spend it on skipping most reductions (see fwd_impl and
 * inv_impl).  Larger primes (up to 2^61) keep Harvey's classic bounds. */
#define FAST_Q_MAX (UINT64_C(1) << 58)

/* Harvey's forward butterfly x' = x + w y, y' = x - w y + 2q, with x first
 * brought from [0, 4q) to [0, 2q) unless `fast`.  Shoup's product takes
 * any 64-bit y, so y is never reduced.  Fast: inputs below B q give
 * outputs below (B + 2) q; otherwise [0, 4q) in and out. */
static inline __attribute__((always_inline)) void ct(uint64_t *x, uint64_t *y, uint64_t w, uint64_t ws,
                                                     uint64_t q, bool fast)
{
	const uint64_t u = fast ? *x : red2q(*x, 2 * q);
	const uint64_t v = mulq(*y, w, ws, q);
	*x = u + v;
	*y = u - v + 2 * q;
}

static inline __attribute__((always_inline)) void fwd_impl(const struct hec_ntt_table *t, uint64_t *a,
                                                           bool reduce, bool fast)
{
	const uint64_t q = t->mod.q, q2 = 2 * q, one_s = hec_ntt_shoup(1, q);
	const size_t n = t->n;
	const uint64_t *const w = t->w, *const ws = t->w_shoup;
	/* The stage with m blocks (m = 1, 2, 4, ...) has half-size h = n / 2m
	 * and uses w[m + i] in block i (bit-reversed order, Longa–Naehrig).
	 * Fast: inputs below 2q and +2q per stage, so at most (2 + 2 * 17) q =
	 * 36 q < 2^64.  Otherwise every value stays below 4q. */
	size_t m = 1, h = n / 2;
	if (t->logn & 1) {
		/* One radix-2 stage so that the rest pairs up. */
		uint64_t *restrict x = a, *restrict y = a + h;
		for (size_t j = 0; j < h; j++)
			ct(&x[j], &y[j], w[1], ws[1], q, fast);
		m = 2;
		h = n / 4;
	}
	/* Radix-4 passes: stage (m, h) then (2m, h/2) on groups of 2h values
	 * at quarter distance hq, indexed from one base pointer so that the
	 * four streams cost one register. */
	for (; h > 2; m <<= 2, h >>= 2) {
		const size_t hq = h / 2;
		for (size_t i = 0; i < m; i++) {
			const uint64_t tw[6] = {w[m + i],
			                        ws[m + i],
			                        w[2 * m + 2 * i],
			                        ws[2 * m + 2 * i],
			                        w[2 * m + 2 * i + 1],
			                        ws[2 * m + 2 * i + 1]};
			uint64_t *restrict x = a + 2 * i * h;
			for (size_t j = 0; j < hq; j++) {
				uint64_t a0 = x[j], a1 = x[j + hq], a2 = x[j + 2 * hq], a3 = x[j + 3 * hq];
				ct(&a0, &a2, tw[0], tw[1], q, fast);
				ct(&a1, &a3, tw[0], tw[1], q, fast);
				ct(&a0, &a1, tw[2], tw[3], q, fast);
				ct(&a2, &a3, tw[4], tw[5], q, fast);
				x[j] = a0;
				x[j + hq] = a1;
				x[j + 2 * hq] = a2;
				x[j + 3 * hq] = a3;
			}
		}
	}
	/* Last pass: half-sizes 2 and 1 (m = n / 4) on groups of four
	 * adjacent values, with the final reduction fused in. */
	for (size_t i = 0; i < m; i++) {
		uint64_t *x = a + 4 * i;
		uint64_t b[4] = {x[0], x[1], x[2], x[3]};
		ct(&b[0], &b[2], w[m + i], ws[m + i], q, fast);
		ct(&b[1], &b[3], w[m + i], ws[m + i], q, fast);
		ct(&b[0], &b[1], w[2 * m + 2 * i], ws[2 * m + 2 * i], q, fast);
		ct(&b[2], &b[3], w[2 * m + 2 * i + 1], ws[2 * m + 2 * i + 1], q, fast);
		/* Fast: below 36q, to [0, 2q) by Shoup's product by 1 (this is
		 * also the lazy output).  Otherwise below 4q already. */
		for (int k = 0; k < 4; k++) {
			uint64_t r = fast ? red_any(b[k], q, one_s) : b[k];
			if (reduce)
				r = red1q(fast ? r : red2q(r, q2), q);
			x[k] = r;
		}
	}
}

/* One radix-4 group of the inverse (Gentleman–Sande): stage (m, h) on
 * (a0, a1) with w0 and (a2, a3) with w1, then stage (m/2, 2h) on (a0, a2)
 * and (a1, a3) with w2.  Inputs below off = B q; differences are offset by
 * B q (then 2 B q, 2q) to stay non-negative, as Shoup's product needs.
 * The sum of all four inputs, below 4 B q, is the only value that must be
 * reduced (Shoup's product by 1, to [0, 2q)); the sum of two products is
 * below 4q and is reduced to [0, 2q) only if !fast.  So outputs are below
 * 4q (fast) or 2q, and fast needs 4 B q = 16 q < 2^64, the other 8q. */
static inline __attribute__((always_inline)) void gs4(uint64_t *a0, uint64_t *a1, uint64_t *a2, uint64_t *a3,
                                                      const uint64_t tw[6], uint64_t off, uint64_t q,
                                                      uint64_t one_s, bool fast)
{
	const uint64_t s0 = *a0 + *a1, s1 = mulq(*a0 - *a1 + off, tw[0], tw[1], q);
	const uint64_t s2 = *a2 + *a3, s3 = mulq(*a2 - *a3 + off, tw[2], tw[3], q);
	*a0 = red_any(s0 + s2, q, one_s);
	*a2 = mulq(s0 - s2 + 2 * off, tw[4], tw[5], q);
	*a1 = fast ? s1 + s3 : red2q(s1 + s3, 2 * q);
	*a3 = mulq(s1 - s3 + 2 * q, tw[4], tw[5], q);
}

static inline __attribute__((always_inline)) void inv_impl(const struct hec_ntt_table *t, uint64_t *a,
                                                           bool reduce, bool fast)
{
	const uint64_t q = t->mod.q, q2 = 2 * q, one_s = hec_ntt_shoup(1, q);
	const size_t n = t->n;
	const uint64_t *const w = t->wi, *const ws = t->wi_shoup;
	/* The stage of half-size h has m = n / 2h blocks and uses w[m + i] in
	 * block i; the last (m = 1) is merged with the scaling by n^-1.
	 * Inputs are below 2q; after the first pass every value is below
	 * bq = 4q (fast) or 2q (gs4). */
	const uint64_t bq = fast ? 4 * q : q2;
	size_t m = n / 2, h = 1;
	if (t->logn & 1) {
		/* One radix-2 stage so that the rest pairs up: sums below 4q,
		 * reduced to [0, 2q) unless fast. */
		for (size_t i = 0; i < m; i++) {
			const uint64_t u = a[2 * i], v = a[2 * i + 1];
			a[2 * i] = fast ? u + v : red2q(u + v, q2);
			a[2 * i + 1] = mulq(u - v + q2, w[m + i], ws[m + i], q);
		}
		m = n / 4;
		h = 2;
	} else {
		/* Half-sizes 1 and 2 on groups of four adjacent values. */
		for (size_t g = 0; g < m / 2; g++) {
			uint64_t *x = a + 4 * g;
			const uint64_t tw[6] = {w[m + 2 * g],      ws[m + 2 * g], w[m + 2 * g + 1],
			                        ws[m + 2 * g + 1], w[m / 2 + g],  ws[m / 2 + g]};
			gs4(&x[0], &x[1], &x[2], &x[3], tw, q2, q, one_s, fast);
		}
		m = n / 8;
		h = 4;
	}
	/* Radix-4 passes while the second stage is not the last. */
	for (; m > 2; m >>= 2, h <<= 2) {
		for (size_t g = 0; g < m / 2; g++) {
			const uint64_t tw[6] = {w[m + 2 * g],      ws[m + 2 * g], w[m + 2 * g + 1],
			                        ws[m + 2 * g + 1], w[m / 2 + g],  ws[m / 2 + g]};
			uint64_t *restrict x = a + 4 * g * h;
			for (size_t j = 0; j < h; j++)
				gs4(&x[j], &x[j + h], &x[j + 2 * h], &x[j + 3 * h], tw, bq, q, one_s, fast);
		}
	}
	/* Last pass (m = 2, h = n / 4): the stage with two blocks, then the
	 * last stage merged with the scaling, x' = (x + y) n^-1 and
	 * y' = (x - y) w[1] n^-1; all four outputs are Shoup products, so in
	 * [0, 2q) whatever the bounds of the sums. */
	const uint64_t w0 = w[2], w0s = ws[2], w1 = w[3], w1s = ws[3];
	const uint64_t ni = t->n_inv, nis = t->n_inv_shoup, wn = t->wi1_n_inv, wns = t->wi1_n_inv_shoup;
	uint64_t *restrict x = a;
	for (size_t j = 0; j < h; j++) {
		const uint64_t a0 = x[j], a1 = x[j + h], a2 = x[j + 2 * h], a3 = x[j + 3 * h];
		const uint64_t s0 = a0 + a1, s1 = mulq(a0 - a1 + bq, w0, w0s, q);
		const uint64_t s2 = a2 + a3, s3 = mulq(a2 - a3 + bq, w1, w1s, q);
		uint64_t b0 = mulq(s0 + s2, ni, nis, q);
		uint64_t b2 = mulq(s0 - s2 + 2 * bq, wn, wns, q);
		uint64_t b1 = mulq(s1 + s3, ni, nis, q);
		uint64_t b3 = mulq(s1 - s3 + q2, wn, wns, q);
		if (reduce) {
			b0 = red1q(b0, q);
			b1 = red1q(b1, q);
			b2 = red1q(b2, q);
			b3 = red1q(b3, q);
		}
		x[j] = b0;
		x[j + h] = b1;
		x[j + 2 * h] = b2;
		x[j + 3 * h] = b3;
	}
}

static void fwd(const struct hec_ntt_table *t, uint64_t *a, bool reduce)
{
	if (t->mod.q < FAST_Q_MAX)
		fwd_impl(t, a, reduce, true);
	else
		fwd_impl(t, a, reduce, false);
}

static void inv(const struct hec_ntt_table *t, uint64_t *a, bool reduce)
{
	if (t->mod.q < FAST_Q_MAX)
		inv_impl(t, a, reduce, true);
	else
		inv_impl(t, a, reduce, false);
}

/* The element-wise operations avoid comparisons the compiler might turn
 * into branches: on random residues those mispredict half the time. */
static void vec_add(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	for (size_t i = 0; i < n; i++)
		dst[i] = csub(a[i] + b[i], q);
}

static void vec_sub(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = a[i] - b[i]; /* a, b < 2^61: the sign bit says a < b */
		dst[i] = d + (q & (uint64_t)((int64_t)d >> 63));
	}
}

static void vec_neg(uint64_t *dst, const uint64_t *a, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	for (size_t i = 0; i < n; i++)
		dst[i] = csub(q - a[i], q); /* q - 0 = q maps to 0 */
}

/* Barrett reduction as hec_ntt_mod_reduce128 (HAC 14.42), with the
 * modulus in registers and both 128-bit shifts written as two 64-bit
 * shifts: their counts k - 1 and k + 1 lie in [1, 62], which the compiler
 * cannot know, so a plain 128-bit shift by a variable costs a test and
 * conditional moves.  In: x < 2^(2k).  Out: [0, q). */
struct barrett {
	uint64_t q, mu;
	unsigned s1, s2; /* k - 1, k + 1 */
};

static inline struct barrett barrett_of(const hec_modulus_t *m)
{
	struct barrett b = {m->q, m->barrett, m->bits - 1, m->bits + 1};
	return b;
}

static inline uint64_t barrett_reduce(hec_u128 x, struct barrett b)
{
	uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
	/* q1 = x >> (k-1) < 2^(k+1); for k >= 2 (q >= 2) s1 >= 1. */
	uint64_t q1 = (hi << (64 - b.s1)) | (lo >> b.s1);
	hec_u128 p = (hec_u128)q1 * b.mu;
	uint64_t plo = (uint64_t)p, phi = (uint64_t)(p >> 64);
	uint64_t q3 = (phi << (64 - b.s2)) | (plo >> b.s2);
	uint64_t r = lo - q3 * b.q; /* in [0, 3q), so the low word suffices */
	return csub(csub(r, b.q), b.q);
}

static void vec_mul(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const struct barrett br = barrett_of(m);
	for (size_t i = 0; i < n; i++)
		dst[i] = barrett_reduce((hec_u128)a[i] * b[i], br);
}

static void vec_mul_scalar(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q, ws = hec_ntt_shoup(w, q);
	for (size_t i = 0; i < n; i++)
		dst[i] = csub(mulq(a[i], w, ws, q), q);
}

static void vec_mul_acc(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	/* a b + d < q^2 + q < 2^(2k): one Barrett reduction suffices. */
	const struct barrett br = barrett_of(m);
	for (size_t i = 0; i < n; i++)
		dst[i] = barrett_reduce((hec_u128)a[i] * b[i] + dst[i], br);
}

const struct hec_ntt_kernel_ops hec_ntt_ops_portable = {
    .kind = HEC_KERNEL_PORTABLE,
    .max_q = HEC_MODULUS_MAX,
    .fwd = fwd,
    .inv = inv,
    .vec_add = vec_add,
    .vec_sub = vec_sub,
    .vec_neg = vec_neg,
    .vec_mul = vec_mul,
    .vec_mul_scalar = vec_mul_scalar,
    .vec_mul_acc = vec_mul_acc,
};
