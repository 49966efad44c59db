/* Linear combinations of coefficient vectors with scalar weights, one limb
 * at a time: d[r] = sum_i W[r][i] x[i] mod q.  This is a matrix product
 * over the ring's coefficients, the kernel of every layer of the
 * CryptoNets-style batch layout (a dense layer of an encrypted network is
 * exactly this, per limb and per ciphertext polynomial).
 *
 * The portable kernel keeps 128-bit sums, one 64 x 64 product and an add
 * per term, and reduces once per coefficient; the AVX2 one (poly_avx2.c)
 * keeps exact double-precision sums.  Both block the coefficients so that
 * every input's block stays in cache while all rows read it, and both skip
 * zero weights (a convolution's matrix is mostly zeros). */
#include <stdlib.h>

#include "ring_internal.h"

/* Coefficients per block of the portable kernel: one row's 128-bit sums
 * (2 KiB) stay in L1. */
#define REF_BLK 128

/* x mod q for any 128-bit x: the high half folded with r64 = 2^64 mod q. */
static uint64_t reduce_wide(hec_u128 x, const hec_modulus_t *m, uint64_t r64)
{
	uint64_t hi = (uint64_t)(x >> 64) % m->q, lo = (uint64_t)x % m->q;
	return hec_ntt_mod_add(hec_ntt_mod_mul(hi, r64, m), lo, m->q);
}

hec_status _hec_vec_lincomb_ref(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                                const uint64_t *W, size_t n, const hec_modulus_t *m, bool add)
{
	/* Products are below q^2 < 2^(2 bits); 2^(128 - 2 bits) of them fit
	 * in the 128-bit sums before one must be folded. */
	const unsigned slack = 128 - 2 * m->bits;
	const size_t per_fold = slack >= 20 ? (size_t)1 << 20 : (size_t)1 << slack;
	const uint64_t r64 = (uint64_t)(((hec_u128)1 << 64) % m->q);
	hec_u128 acc[REF_BLK];
	for (size_t k0 = 0; k0 < n; k0 += REF_BLK) {
		const size_t len = n - k0 < REF_BLK ? n - k0 : REF_BLK;
		for (size_t r = 0; r < rows; r++) {
			const uint64_t *w = W + r * count;
			for (size_t k = 0; k < len; k++)
				acc[k] = add ? d[r][k0 + k] : 0;
			size_t since = 0;
			for (size_t i = 0; i < count; i++) {
				if (!w[i])
					continue;
				const uint64_t *xi = x[i] + k0;
				for (size_t k = 0; k < len; k++)
					acc[k] += (hec_u128)xi[k] * w[i];
				if (++since == per_fold) {
					for (size_t k = 0; k < len; k++)
						acc[k] = reduce_wide(acc[k], m, r64);
					since = 0;
				}
			}
			for (size_t k = 0; k < len; k++)
				d[r][k0 + k] = reduce_wide(acc[k], m, r64);
		}
	}
	return HEC_OK;
}

hec_status hec_vec_lincomb(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                           const uint64_t *W, size_t n, const hec_modulus_t *m, bool add)
{
	for (size_t r = 0; r < rows; r++)
		for (size_t i = 0; i < count; i++) {
			if (d[r] == x[i])
				return hec_error_set(HEC_ERR_ARG, "vec_lincomb: output %zu aliases input %zu", r, i);
			if (W[r * count + i] >= m->q)
				return hec_error_set(HEC_ERR_ARG, "vec_lincomb: weight (%zu, %zu) is not below q", r, i);
		}
#ifdef HECATE_HAVE_AVX2
	if (m->q < ((uint64_t)1 << 50) && hec_ntt_kernel_for(m->q) != HEC_KERNEL_PORTABLE && n % 4 == 0)
		return _hec_vec_lincomb_avx2(d, rows, x, count, W, n, m, add);
#endif
	return _hec_vec_lincomb_ref(d, rows, x, count, W, n, m, add);
}
