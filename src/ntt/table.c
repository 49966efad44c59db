/* NTT tables (twiddles in bit-reversed order, Shoup form) and the public
 * transform and vector entry points, which forward to the table's kernel. */
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

static unsigned bit_reverse(unsigned x, unsigned bits)
{
	unsigned r = 0;
	for (unsigned i = 0; i < bits; i++, x >>= 1)
		r = (r << 1) | (x & 1);
	return r;
}

hec_status hec_ntt_table_new_kernel(hec_ntt_table **out, size_t n, uint64_t q, hec_kernel k)
{
	*out = NULL;
	hec_status s = hec_ntt_kernel_init();
	if (s != HEC_OK)
		return s;
	if (n < HEC_NTT_MIN_N || n > HEC_NTT_MAX_N || (n & (n - 1)))
		return hec_error_set(HEC_ERR_ARG, "ntt: n = %zu is not a power of two in [16, 2^17]", n);
	const struct hec_ntt_kernel_ops *ops = _hec_ntt_kernel_ops(k);
	if (!ops || !hec_ntt_kernel_supported(k))
		return hec_error_set(HEC_ERR_KERNEL, "ntt: the %s kernel is not supported on this CPU",
		                     hec_ntt_kernel_name(k));
	if (q >= ops->max_q)
		return hec_error_set(HEC_ERR_ARG, "ntt: the %s kernel needs q < 2^%d, got q = %llu",
		                     hec_ntt_kernel_name(k), 63 - __builtin_clzll(ops->max_q),
		                     (unsigned long long)q);
	if (q < 3 || (q - 1) % (2 * n) || !hec_ntt_is_prime(q))
		return hec_error_set(HEC_ERR_ARG, "ntt: q = %llu is not a prime = 1 mod 2n = %zu",
		                     (unsigned long long)q, 2 * n);

	hec_ntt_table *t = calloc(1, sizeof *t);
	if (!t)
		return hec_error_set(HEC_ERR_NOMEM, "ntt: out of memory");
	t->n = n;
	t->logn = (unsigned)__builtin_ctzll(n);
	t->ops = ops;
	hec_ntt_modulus_init(&t->mod, q);
	hec_ntt_root_minimal(&t->psi, q, 2 * n);
	t->w = aligned_alloc(64, 4 * n * sizeof(uint64_t));
	if (!t->w) {
		free(t);
		return hec_error_set(HEC_ERR_NOMEM, "ntt: out of memory");
	}
	t->w_shoup = t->w + n;
	t->wi = t->w + 2 * n;
	t->wi_shoup = t->w + 3 * n;

	uint64_t psi_inv;
	hec_ntt_mod_inv(&psi_inv, t->psi, q);
	/* Powers in natural order, then scattered to bit-reversed positions. */
	uint64_t p = 1, pi = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned j = bit_reverse((unsigned)i, t->logn);
		t->w[j] = p;
		t->wi[j] = pi;
		p = hec_ntt_mod_mul(p, t->psi, &t->mod);
		pi = hec_ntt_mod_mul(pi, psi_inv, &t->mod);
	}
	for (size_t j = 0; j < n; j++) {
		t->w_shoup[j] = hec_ntt_shoup(t->w[j], q);
		t->wi_shoup[j] = hec_ntt_shoup(t->wi[j], q);
	}
	hec_ntt_mod_inv(&t->n_inv, n % q, q);
	t->n_inv_shoup = hec_ntt_shoup(t->n_inv, q);
	t->wi1_n_inv = hec_ntt_mod_mul(t->wi[1], t->n_inv, &t->mod);
	t->wi1_n_inv_shoup = hec_ntt_shoup(t->wi1_n_inv, q);

	if (ops->table_init && (s = ops->table_init(t)) != HEC_OK) {
		free(t->w);
		free(t);
		return s;
	}
	*out = t;
	return HEC_OK;
}

hec_status hec_ntt_table_new(hec_ntt_table **out, size_t n, uint64_t q)
{
	hec_status s = hec_ntt_kernel_init();
	if (s != HEC_OK) {
		*out = NULL;
		return s;
	}
	return hec_ntt_table_new_kernel(out, n, q, hec_ntt_kernel_for(q));
}

void hec_ntt_table_free(hec_ntt_table *t)
{
	if (!t)
		return;
	if (t->ops->table_clear)
		t->ops->table_clear(t);
	free(t->w);
	free(t);
}

size_t hec_ntt_table_n(const hec_ntt_table *t) { return t->n; }
hec_kernel hec_ntt_table_kernel(const hec_ntt_table *t) { return t->ops->kind; }
const hec_modulus_t *hec_ntt_table_modulus(const hec_ntt_table *t) { return &t->mod; }
uint64_t hec_ntt_table_psi(const hec_ntt_table *t) { return t->psi; }

static void copy_in(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src)
{
	if (dst != src)
		memcpy(dst, src, t->n * sizeof *dst);
}

void hec_ntt_fwd(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src)
{
	copy_in(t, dst, src);
	t->ops->fwd(t, dst, true);
}

void hec_ntt_fwd_lazy(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src)
{
	copy_in(t, dst, src);
	t->ops->fwd(t, dst, false);
}

void hec_ntt_inv(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src)
{
	copy_in(t, dst, src);
	t->ops->inv(t, dst, true);
}

void hec_ntt_inv_lazy(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src)
{
	copy_in(t, dst, src);
	t->ops->inv(t, dst, false);
}

/* Vector operations go to the active kernel when it accepts q. */
static const struct hec_ntt_kernel_ops *vec_ops(const hec_modulus_t *m)
{
	return _hec_ntt_kernel_ops(hec_ntt_kernel_for(m->q));
}

void hec_ntt_vec_add(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	vec_ops(m)->vec_add(dst, a, b, n, m);
}

void hec_ntt_vec_sub(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	vec_ops(m)->vec_sub(dst, a, b, n, m);
}

void hec_ntt_vec_neg(uint64_t *dst, const uint64_t *a, size_t n, const hec_modulus_t *m)
{
	vec_ops(m)->vec_neg(dst, a, n, m);
}

void hec_ntt_vec_mul(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	vec_ops(m)->vec_mul(dst, a, b, n, m);
}

void hec_ntt_vec_mul_scalar(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m)
{
	vec_ops(m)->vec_mul_scalar(dst, a, w, n, m);
}

void hec_ntt_vec_mul_acc(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	vec_ops(m)->vec_mul_acc(dst, a, b, n, m);
}
