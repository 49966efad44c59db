/* Linear combinations of many ciphertexts with real weights: the kernel of
 * the CryptoNets-style batch layout, where every dense-layer output is a
 * weighted sum of hundreds of ciphertexts.  Products are accumulated in
 * 128 bits and reduced once per coefficient, so a term costs one 64 x 64
 * multiplication and an add instead of a multiplication and a reduction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* round(x) mod q for a finite double x (x = mant 2^e exactly). */
static uint64_t weight_residue(double x, const hec_modulus_t *m)
{
	double rx = round(x);
	int e;
	double f = frexp(fabs(rx), &e);
	uint64_t mant = (uint64_t)ldexp(f, 53);
	e -= 53;
	if (e < 0) {
		mant >>= -e;
		e = 0;
	}
	uint64_t v = hec_ntt_mod_reduce(mant, m);
	if (e)
		v = hec_ntt_mod_mul(v, hec_ntt_mod_pow(2 % m->q, (uint64_t)e, m), m);
	return rx < 0 ? hec_ntt_mod_neg(v, m->q) : v;
}

/* x mod q for any 128-bit x: split at 2^64 and fold the high half with
 * r64 = 2^64 mod q (three Barrett reductions instead of a 128-bit
 * division).  Needs q >= 2^32 so a 64-bit value is below 2^(2k). */
static uint64_t reduce_wide(hec_u128 x, const hec_modulus_t *m, uint64_t r64)
{
	if (m->bits < 32)
		return (uint64_t)(x % m->q);
	uint64_t hi = hec_ntt_mod_reduce((uint64_t)(x >> 64), m), lo = hec_ntt_mod_reduce((uint64_t)x, m);
	return hec_ntt_mod_add(hec_ntt_mod_mul(hi, r64, m), lo, m->q);
}

hec_status hec_ckks_lincomb(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *const *cts,
                            const double *w, size_t n, double const_scale)
{
	if (n == 0)
		return hec_error_set(HEC_ERR_ARG, "lincomb: no inputs");
	const hec_context *c = ev->ctx;
	const hec_ciphertext *a0 = cts[0];
	for (size_t i = 0; i < n; i++) {
		if (cts[i]->ctx != c)
			return hec_error_set(HEC_ERR_MISMATCH, "lincomb: input %zu belongs to another context", i);
		if (cts[i] == dst)
			return hec_error_set(HEC_ERR_ARG, "lincomb: the destination aliases input %zu", i);
		if (cts[i]->level != a0->level || cts[i]->size != 2 || fabs(cts[i]->scale / a0->scale - 1) > 0x1p-30)
			return hec_error_set(HEC_ERR_LEVEL, "lincomb: input %zu differs in level, size or scale from input 0", i);
		if (!isfinite(w[i]))
			return hec_error_set(HEC_ERR_ARG, "lincomb: weight %zu is not finite", i);
	}
	if (const_scale == 0)
		const_scale = (double)hec_ring_q(c->ring, a0->level);
	if (!(const_scale > 0) || !isfinite(const_scale))
		return hec_error_set(HEC_ERR_ARG, "lincomb: const_scale must be finite and positive");
	size_t N = hec_context_n(c), limbs = a0->level + 1;
	hec_status s = _hec_ciphertext_shape(dst, 2, a0->level);
	if (s != HEC_OK)
		return s;
	/* Products are below q^2 < 2^122 for q < 2^61; 2^6 of them fit before
	 * the 128-bit accumulator must be folded. */
	hec_u128 *acc = malloc(N * sizeof *acc);
	uint64_t *wr = malloc(n * sizeof *wr);
	if (!acc || !wr) {
		free(acc);
		free(wr);
		return hec_error_set(HEC_ERR_NOMEM, "lincomb: out of memory");
	}
	for (size_t l = 0; l < limbs; l++) {
		const hec_modulus_t *m = hec_ring_q_mod(c->ring, l);
		unsigned slack = 128 - 2 * m->bits; /* products per fold */
		size_t per_fold = slack >= 20 ? ((size_t)1 << 20) : ((size_t)1 << slack);
		uint64_t r64 = (uint64_t)(((hec_u128)1 << 64) % m->q);
		for (size_t i = 0; i < n; i++)
			wr[i] = w[i] == 0 ? 0 : weight_residue(w[i] * const_scale, m);
		for (int h = 0; h < 2; h++) {
			memset(acc, 0, N * sizeof *acc);
			size_t since = 0;
			for (size_t i = 0; i < n; i++) {
				if (!wr[i])
					continue;
				const uint64_t *x = hec_poly_limb(&cts[i]->c[h], l), wi = wr[i];
				for (size_t k = 0; k < N; k++)
					acc[k] += (hec_u128)x[k] * wi;
				if (++since == per_fold) {
					for (size_t k = 0; k < N; k++)
						acc[k] = reduce_wide(acc[k], m, r64);
					since = 0;
				}
			}
			uint64_t *out = hec_poly_limb(&dst->c[h], l);
			for (size_t k = 0; k < N; k++)
				out[k] = reduce_wide(acc[k], m, r64);
		}
	}
	free(acc);
	free(wr);
	dst->scale = a0->scale * const_scale;
	dst->seeded = false;
	return HEC_OK;
}

/* Coefficients per block: rows x BLK 128-bit accumulators stay in cache. */
#define LC_BLK 128

hec_status hec_ckks_lincomb_many(hec_evaluator *ev, hec_ciphertext *const *dst, size_t rows,
                                 const hec_ciphertext *const *cts, const double *w, size_t n, double const_scale)
{
	if (n == 0 || rows == 0)
		return hec_error_set(HEC_ERR_ARG, "lincomb: no inputs or no outputs");
	const hec_context *c = ev->ctx;
	const hec_ciphertext *a0 = cts[0];
	for (size_t i = 0; i < n; i++) {
		if (cts[i]->ctx != c)
			return hec_error_set(HEC_ERR_MISMATCH, "lincomb: input %zu belongs to another context", i);
		if (cts[i]->level != a0->level || cts[i]->size != 2 || fabs(cts[i]->scale / a0->scale - 1) > 0x1p-30)
			return hec_error_set(HEC_ERR_LEVEL, "lincomb: input %zu differs in level, size or scale from input 0", i);
		for (size_t r = 0; r < rows; r++)
			if (dst[r] == cts[i])
				return hec_error_set(HEC_ERR_ARG, "lincomb: output %zu aliases input %zu", r, i);
	}
	for (size_t k = 0; k < rows * n; k++)
		if (!isfinite(w[k]))
			return hec_error_set(HEC_ERR_ARG, "lincomb: weight %zu is not finite", k);
	if (const_scale == 0)
		const_scale = (double)hec_ring_q(c->ring, a0->level);
	if (!(const_scale > 0) || !isfinite(const_scale))
		return hec_error_set(HEC_ERR_ARG, "lincomb: const_scale must be finite and positive");
	size_t N = hec_context_n(c), limbs = a0->level + 1;
	hec_status s = HEC_OK;
	for (size_t r = 0; r < rows && s == HEC_OK; r++)
		s = _hec_ciphertext_shape(dst[r], 2, a0->level);
	if (s != HEC_OK)
		return s;
	/* Weight residues per limb, column-major per input (w_i's rows
	 * together), and per input the rows with a nonzero weight. */
	uint64_t *wr = malloc(limbs * n * rows * sizeof *wr);
	if (!wr)
		return hec_error_set(HEC_ERR_NOMEM, "lincomb: out of memory");
	for (size_t l = 0; l < limbs; l++) {
		const hec_modulus_t *m = hec_ring_q_mod(c->ring, l);
		for (size_t i = 0; i < n; i++)
			for (size_t r = 0; r < rows; r++) {
				double x = w[r * n + i];
				wr[(l * n + i) * rows + r] = x == 0 ? 0 : weight_residue(x * const_scale, m);
			}
	}
	size_t blk = N < LC_BLK ? N : LC_BLK, nblk = N / blk, jobs = limbs * 2 * nblk;
	bool oom = false;
#pragma omp parallel
	{
		hec_u128 *acc = malloc(rows * blk * sizeof *acc);
		if (!acc) {
#pragma omp atomic write
			oom = true;
		}
#pragma omp for schedule(dynamic, 1)
		for (size_t job = 0; job < jobs; job++) {
			if (!acc)
				continue;
			size_t l = job / (2 * nblk), h = job / nblk % 2, k0 = job % nblk * blk;
			const hec_modulus_t *m = hec_ring_q_mod(c->ring, l);
			uint64_t r64 = (uint64_t)(((hec_u128)1 << 64) % m->q);
			/* Products are below 2^(2k); 2^(128-2k) of them fit. */
			unsigned slack = 128 - 2 * m->bits;
			size_t per_fold = slack >= 20 ? ((size_t)1 << 20) : ((size_t)1 << slack), since = 0;
			memset(acc, 0, rows * blk * sizeof *acc);
			for (size_t i = 0; i < n; i++) {
				const uint64_t *x = hec_poly_limb(&cts[i]->c[h], l) + k0;
				const uint64_t *wi = wr + (l * n + i) * rows;
				for (size_t r = 0; r < rows; r++) {
					uint64_t wv = wi[r];
					if (!wv)
						continue;
					hec_u128 *ar = acc + r * blk;
					for (size_t k = 0; k < blk; k++)
						ar[k] += (hec_u128)x[k] * wv;
				}
				if (++since == per_fold) {
					for (size_t k = 0; k < rows * blk; k++)
						acc[k] = reduce_wide(acc[k], m, r64);
					since = 0;
				}
			}
			for (size_t r = 0; r < rows; r++) {
				uint64_t *out = hec_poly_limb(&dst[r]->c[h], l) + k0;
				for (size_t k = 0; k < blk; k++)
					out[k] = reduce_wide(acc[r * blk + k], m, r64);
			}
		}
		free(acc);
	}
	free(wr);
	if (oom)
		return hec_error_set(HEC_ERR_NOMEM, "lincomb: out of memory");
	for (size_t r = 0; r < rows; r++) {
		dst[r]->scale = a0->scale * const_scale;
		dst[r]->seeded = false;
	}
	return HEC_OK;
}
