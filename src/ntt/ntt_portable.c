/* Portable NTT kernel: plain C with hec_u128, any prime q < 2^61.
 *
 * This is the reference every SIMD kernel is tested against.  Butterflies
 * follow D. Harvey, "Faster arithmetic for number-theoretic transforms"
 * (J. Symb. Comp. 60, 2014): values travel in [0, 4q) (forward) or [0, 2q)
 * (inverse) and are only reduced at the end, which needs 4q < 2^64. */
#include "kernels.h"

static void fwd(const struct hec_ntt_table *t, uint64_t *a, bool reduce)
{
	const uint64_t q = t->mod.q, q2 = 2 * q;
	const size_t n = t->n;
	for (size_t m = 1, h = n / 2; m < n; m <<= 1, h >>= 1) {
		for (size_t i = 0; i < m; i++) {
			const uint64_t w = t->w[m + i], ws = t->w_shoup[m + i];
			uint64_t *x = a + 2 * i * h, *y = x + h;
			for (size_t j = 0; j < h; j++) {
				/* In: x, y in [0, 4q).  Out: [0, 4q). */
				uint64_t u = x[j] >= q2 ? x[j] - q2 : x[j];
				uint64_t v = hec_ntt_mod_mul_shoup_lazy(y[j], w, ws, q);
				x[j] = u + v;
				y[j] = u - v + q2;
			}
		}
	}
	if (reduce) {
		for (size_t j = 0; j < n; j++) {
			uint64_t v = a[j] >= q2 ? a[j] - q2 : a[j];
			a[j] = v >= q ? v - q : v;
		}
	}
}

static void inv(const struct hec_ntt_table *t, uint64_t *a, bool reduce)
{
	const uint64_t q = t->mod.q, q2 = 2 * q;
	const size_t n = t->n;
	for (size_t m = n, h = 1; m > 2; m >>= 1, h <<= 1) {
		const size_t blocks = m / 2;
		for (size_t i = 0; i < blocks; i++) {
			const uint64_t w = t->wi[blocks + i], ws = t->wi_shoup[blocks + i];
			uint64_t *x = a + 2 * i * h, *y = x + h;
			for (size_t j = 0; j < h; j++) {
				/* In: [0, 2q).  Out: [0, 2q). */
				uint64_t u = x[j], v = y[j];
				uint64_t s = u + v;
				x[j] = s >= q2 ? s - q2 : s;
				y[j] = hec_ntt_mod_mul_shoup_lazy(u - v + q2, w, ws, q);
			}
		}
	}
	/* Last stage merged with the scaling by n^-1. */
	const size_t h = n / 2;
	for (size_t j = 0; j < h; j++) {
		uint64_t u = a[j], v = a[j + h];
		uint64_t x = hec_ntt_mod_mul_shoup_lazy(u + v, t->n_inv, t->n_inv_shoup, q);
		uint64_t y = hec_ntt_mod_mul_shoup_lazy(u - v + q2, t->wi1_n_inv, t->wi1_n_inv_shoup, q);
		if (reduce) {
			x = x >= q ? x - q : x;
			y = y >= q ? y - q : y;
		}
		a[j] = x;
		a[j + h] = y;
	}
}

static void vec_add(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = hec_ntt_mod_add(a[i], b[i], m->q);
}

static void vec_sub(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = hec_ntt_mod_sub(a[i], b[i], m->q);
}

static void vec_neg(uint64_t *dst, const uint64_t *a, size_t n, const hec_modulus_t *m)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = hec_ntt_mod_neg(a[i], m->q);
}

static void vec_mul(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = hec_ntt_mod_mul(a[i], b[i], m);
}

static void vec_mul_scalar(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m)
{
	const uint64_t ws = hec_ntt_shoup(w, m->q);
	for (size_t i = 0; i < n; i++)
		dst[i] = hec_ntt_mod_mul_shoup(a[i], w, ws, m->q);
}

static void vec_mul_acc(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	/* a b + d < q^2 + q < 2^(2k): one Barrett reduction suffices. */
	for (size_t i = 0; i < n; i++)
		dst[i] = hec_ntt_mod_reduce128((hec_u128)a[i] * b[i] + dst[i], m);
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
