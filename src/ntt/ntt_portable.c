/* Portable NTT kernel: plain C with hec_u128, any prime q < 2^61.
 *
 * This is the reference every SIMD kernel is tested against.  Butterflies
 * follow D. Harvey, "Faster arithmetic for number-theoretic transforms"
 * (J. Symb. Comp. 60, 2014): values travel in [0, 4q) (forward) or [0, 2q)
 * (inverse) and are only reduced at the end, which needs 4q < 2^64.
 *
 * Speed.  A butterfly costs three 64-bit multiplications (Shoup's quotient
 * hi(y ws), then y w and quot q, both mod 2^64), and on current x86 cores
 * one multiplier issues one per cycle, so that is the floor.  What this
 * file removes is everything around it:
 *   - two stages are done per pass over the array (radix-4 grouping of the
 *     radix-2 butterflies, as in P. Longa, M. Naehrig, "Speeding up the
 *     Number Theoretic Transform for Faster Ideal Lattice-Based
 *     Cryptography", CANS 2016, whose bit-reversed twiddle layout makes
 *     the four twiddles of a group adjacent), which halves loads and stores
 *     and gives the core four independent multiply chains to overlap;
 *   - the last two forward stages (half-sizes 2 and 1), where a generic
 *     loop would run one or two iterations per block, are unrolled into one
 *     straight-line group of four, and the final reduction to [0, q) is
 *     fused into that same pass instead of a separate sweep;
 *   - likewise the inverse's first two stages and its last two, the last
 *     one merged with the scaling by n^-1;
 *   - table fields are read into locals once, because stores through
 *     uint64_t *a could otherwise alias them and force reloads. */
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
 * transforms spend it on skipping most reductions (see fwd_stage and
 * inv_impl).  Larger primes (up to 2^61) keep Harvey's classic bounds. */
#define FAST_Q_MAX (UINT64_C(1) << 58)

/* One forward (Cooley–Tukey) stage of half-size h >= 4 on m blocks:
 * x' = x + w y, y' = x - w y + 2q.  Inputs below B q, outputs below
 * (B' + 2) q where B' = B, or 2 if `fast` is false and x is first brought
 * from [0, 4q) to [0, 2q) (Harvey's butterfly).  Shoup's product takes any
 * 64-bit y, so y needs no reduction.  Unrolled by four: every butterfly is
 * independent, and the loop overhead is a tenth of the work otherwise. */
static inline __attribute__((always_inline)) void fwd_stage(uint64_t *a, size_t m, size_t h, const uint64_t *w,
                                                            const uint64_t *ws, uint64_t q, bool fast)
{
	const uint64_t q2 = 2 * q;
	for (size_t i = 0; i < m; i++) {
		const uint64_t wi = w[m + i], wis = ws[m + i];
		uint64_t *restrict x = a + 2 * i * h, *restrict y = x + h;
		for (size_t j = 0; j < h; j += 4) {
			for (size_t k = j; k < j + 4; k++) {
				uint64_t u = fast ? x[k] : red2q(x[k], q2);
				uint64_t v = mulq(y[k], wi, wis, q);
				x[k] = u + v;
				y[k] = u - v + q2;
			}
		}
	}
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
	size_t m = 1;
	for (size_t h = n / 2; h >= 4; m <<= 1, h >>= 1)
		fwd_stage(a, m, h, w, ws, q, fast);
	/* The last two stages (half-sizes 2 and 1, m = n / 4) on groups of four
	 * adjacent values, where a loop over j would run once or twice, and
	 * the final reduction fused in. */
	for (size_t i = 0; i < m; i++) {
		uint64_t *x = a + 4 * i;
		uint64_t b[4] = {x[0], x[1], x[2], x[3]}, v;
		const uint64_t w1 = w[m + i], w1s = ws[m + i];
		const uint64_t w2 = w[2 * m + 2 * i], w2s = ws[2 * m + 2 * i];
		const uint64_t w3 = w[2 * m + 2 * i + 1], w3s = ws[2 * m + 2 * i + 1];
		if (!fast) {
			b[0] = red2q(b[0], q2);
			b[1] = red2q(b[1], q2);
		}
		v = mulq(b[2], w1, w1s, q);
		b[2] = b[0] - v + q2;
		b[0] += v;
		v = mulq(b[3], w1, w1s, q);
		b[3] = b[1] - v + q2;
		b[1] += v;
		if (!fast) {
			b[0] = red2q(b[0], q2);
			b[2] = red2q(b[2], q2);
		}
		v = mulq(b[1], w2, w2s, q);
		b[1] = b[0] - v + q2;
		b[0] += v;
		v = mulq(b[3], w3, w3s, q);
		b[3] = b[2] - v + q2;
		b[2] += v;
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

/* One inverse (Gentleman–Sande) stage of half-size h >= 4 on m blocks:
 * x' = x + y, y' = (x - y + Bq) w.  Inputs below B q (off = B q).  The
 * products are below 2q; the sums double the bound, unless `red`, which
 * brings them back to [0, 2q) with Shoup's product by 1. */
static inline __attribute__((always_inline)) void inv_stage(uint64_t *a, size_t m, size_t h, const uint64_t *w,
                                                            const uint64_t *ws, uint64_t q, uint64_t one_s,
                                                            uint64_t off, bool red)
{
	for (size_t i = 0; i < m; i++) {
		const uint64_t wi = w[m + i], wis = ws[m + i];
		uint64_t *restrict x = a + 2 * i * h, *restrict y = x + h;
		for (size_t j = 0; j < h; j += 4) {
			for (size_t k = j; k < j + 4; k++) {
				uint64_t u = x[k], v = y[k];
				x[k] = red ? red_any(u + v, q, one_s) : u + v;
				y[k] = mulq(u - v + off, wi, wis, q);
			}
		}
	}
}

static inline __attribute__((always_inline)) void inv_impl(const struct hec_ntt_table *t, uint64_t *a,
                                                           bool reduce, bool fast)
{
	const uint64_t q = t->mod.q, q2 = 2 * q, one_s = hec_ntt_shoup(1, q);
	const size_t n = t->n;
	const uint64_t *const w = t->wi, *const ws = t->wi_shoup;
	/* The stage of half-size h has m = n / 2h blocks and uses w[m + i] in
	 * block i; the last (m = 1) is merged with the scaling by n^-1.
	 * Every value stays below B q; a stage doubles B through the sums, and
	 * reduces them (B = 2) when the doubled bound would pass bmax: 16 for
	 * q < 2^58, so that the largest intermediate, below 2 * 16 q, fits in
	 * 63 bits; 2 otherwise, so that it is Harvey's schedule and 4q < 2^63
	 * is all that is needed. */
	const unsigned bmax = fast ? 16 : 2;
	/* Half-sizes 1 and 2 on groups of four adjacent values. */
	const size_t m1 = n / 2, m2 = n / 4;
	for (size_t g = 0; g < m2; g++) {
		uint64_t *x = a + 4 * g;
		uint64_t a0 = x[0], a1 = x[1], a2 = x[2], a3 = x[3];
		const uint64_t w2 = w[m2 + g], w2s = ws[m2 + g];
		/* B = 2 in, 4 out (fast) or 2 (reduced). */
		uint64_t s0 = a0 + a1, s1 = mulq(a0 - a1 + q2, w[m1 + 2 * g], ws[m1 + 2 * g], q);
		uint64_t s2 = a2 + a3, s3 = mulq(a2 - a3 + q2, w[m1 + 2 * g + 1], ws[m1 + 2 * g + 1], q);
		if (!fast) {
			s0 = red2q(s0, q2);
			s2 = red2q(s2, q2);
		}
		const uint64_t off = fast ? 4 * q : q2;
		x[0] = fast ? s0 + s2 : red2q(s0 + s2, q2);
		x[2] = mulq(s0 - s2 + off, w2, w2s, q);
		x[1] = fast ? s1 + s3 : red2q(s1 + s3, q2);
		x[3] = mulq(s1 - s3 + off, w2, w2s, q);
	}
	unsigned b = fast ? 8 : 2;
	size_t m = n / 8, h = 4;
	for (; m >= 2; m >>= 1, h <<= 1) {
		if (2 * b > bmax) {
			inv_stage(a, m, h, w, ws, q, one_s, b * q, true);
			b = 2;
		} else {
			inv_stage(a, m, h, w, ws, q, one_s, b * q, false);
			b *= 2;
		}
	}
	/* Last stage (m = 1, h = n / 2) merged with the scaling:
	 * x' = (x + y) n^-1, y' = (x - y) w[1] n^-1, both Shoup products, so in
	 * [0, 2q) whatever the bound of the sums. */
	const uint64_t ni = t->n_inv, nis = t->n_inv_shoup, wn = t->wi1_n_inv, wns = t->wi1_n_inv_shoup;
	const uint64_t off = b * q;
	uint64_t *restrict x = a, *restrict y = a + h;
	for (size_t j = 0; j < h; j += 4) {
		for (size_t k = j; k < j + 4; k++) {
			uint64_t u = x[k], v = y[k];
			uint64_t r0 = mulq(u + v, ni, nis, q), r1 = mulq(u - v + off, wn, wns, q);
			x[k] = reduce ? red1q(r0, q) : r0;
			y[k] = reduce ? red1q(r1, q) : r1;
		}
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
