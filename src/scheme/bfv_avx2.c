/* The BFV conversion kernel (bfv_kernel.c) in AVX2 double precision, for
 * primes below 2^50 and rows below 2^52.
 *
 * The arithmetic is that of the AVX2 NTT (src/ntt/ntt_avx2.c): a product
 * y c of a row value and a balanced constant |c| <= p/2 splits exactly into
 * h + l with h = fl(y c) and l = fma(y, c, -h); the quotient estimate
 * qt = round(y (c / p)) is off by less than one, so r = (h - qt p) + l =
 * y c - qt p is an exact integer with |r| <= 3p/4 (|y (c / p)| <= 2^51
 * keeps the rounding trick valid), computed without
 * rounding because every intermediate is an integer below 2^53 (Ogita,
 * Rump, Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 2005,
 * for the exact two-product; D. Harvey, J. Symb. Comp. 2014, for the
 * precomputed c / p).  Up to eight such terms sum exactly below 2^53; the
 * sum is then brought back to |acc| <= p/2 by one more quotient estimate,
 * and finally to [0, p).  The result is the exact residue, so it equals the
 * portable twin's bit for bit.  Four vectors (16 coefficients) are in
 * flight at once so that the additions' latency overlaps. */
#include "bfv_internal.h"
#include "fma_avx2.h"

void _hec_bfv_lincomb_avx2(uint64_t *const *out, size_t x0, const uint64_t *const *rows, const uint64_t *const *own,
                           const struct hec_bfv_plan *pl, size_t len)
{
	const size_t nr = pl->nr;
	double dr[(HEC_RING_MAX_PRIMES + 3) * HEC_BFV_BLOCK];
	for (size_t i = 0; i < nr; i++)
		for (size_t x = 0; x < len; x += 4)
			_mm256_storeu_pd(dr + i * HEC_BFV_BLOCK + x, load_u64(rows[i] + x));
	for (size_t j = 0; j < pl->nt; j++) {
		const double *cd = pl->coef_d + j * nr, *cq = pl->coef_q + j * nr;
		const __m256d p = _mm256_set1_pd(pl->pd[j]), pinv = _mm256_set1_pd(pl->pinv[j]);
		const uint64_t *ow = own ? own[j] + x0 : NULL;
		const __m256d od = _mm256_set1_pd(own ? pl->own_d[j] : 0), oq = _mm256_set1_pd(own ? pl->own_q[j] : 0);
		uint64_t *o = out[j] + x0;
		size_t x = 0;
		for (; x + 16 <= len; x += 16) {
			__m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
			if (ow) {
				a0 = mulmod_const(load_u64(ow + x), od, oq, p);
				a1 = mulmod_const(load_u64(ow + x + 4), od, oq, p);
				a2 = mulmod_const(load_u64(ow + x + 8), od, oq, p);
				a3 = mulmod_const(load_u64(ow + x + 12), od, oq, p);
			}
			for (size_t i = 0; i < nr; i++) {
				const __m256d c = _mm256_broadcast_sd(cd + i), q = _mm256_broadcast_sd(cq + i);
				const double *y = dr + i * HEC_BFV_BLOCK + x;
				a0 = _mm256_add_pd(a0, mulmod_const(_mm256_loadu_pd(y), c, q, p));
				a1 = _mm256_add_pd(a1, mulmod_const(_mm256_loadu_pd(y + 4), c, q, p));
				a2 = _mm256_add_pd(a2, mulmod_const(_mm256_loadu_pd(y + 8), c, q, p));
				a3 = _mm256_add_pd(a3, mulmod_const(_mm256_loadu_pd(y + 12), c, q, p));
				/* Nine terms of at most 3p/4 (< 2^49.6 each) stay below
				 * 2^53: reduce after every eighth row (and the own
				 * term). */
				if ((i & 7) == 6) {
					a0 = reduce(a0, p, pinv);
					a1 = reduce(a1, p, pinv);
					a2 = reduce(a2, p, pinv);
					a3 = reduce(a3, p, pinv);
				}
			}
			store_u64(o + x, canon(reduce(a0, p, pinv), p));
			store_u64(o + x + 4, canon(reduce(a1, p, pinv), p));
			store_u64(o + x + 8, canon(reduce(a2, p, pinv), p));
			store_u64(o + x + 12, canon(reduce(a3, p, pinv), p));
		}
		for (; x < len; x += 4) {
			__m256d a = ow ? mulmod_const(load_u64(ow + x), od, oq, p) : _mm256_setzero_pd();
			for (size_t i = 0; i < nr; i++) {
				a = _mm256_add_pd(a, mulmod_const(_mm256_loadu_pd(dr + i * HEC_BFV_BLOCK + x),
				                            _mm256_broadcast_sd(cd + i), _mm256_broadcast_sd(cq + i), p));
				if ((i & 7) == 6)
					a = reduce(a, p, pinv);
			}
			store_u64(o + x, canon(reduce(a, p, pinv), p));
		}
	}
}

/* The same rows as _hec_bfv_prep_portable: y_i exact (so equal), and v
 * from the same double operations in the same order (a product, then a
 * sum; no FMA), so equal too. */
void _hec_bfv_prep_avx2(uint64_t *rows, const uint64_t *const *in, size_t x0, size_t len,
                        const struct hec_bfv_level *v, size_t vrow)
{
	const size_t k = v->k;
	for (size_t x = 0; x < len; x += 4) {
		__m256d est = _mm256_setzero_pd();
		for (size_t i = 0; i < k; i++) {
			const __m256d a = _mm256_broadcast_sd(v->sc_pre + 3 * i), aq = _mm256_broadcast_sd(v->sc_pre + 3 * i + 1);
			const __m256d q = _mm256_broadcast_sd(v->sc_pre + 3 * i + 2);
			__m256d y = canon(mulmod_const(load_u64(in[i] + x0 + x), a, aq, q), q);
			store_u64(rows + i * HEC_BFV_BLOCK + x, y);
			est = _mm256_add_pd(est, _mm256_mul_pd(y, _mm256_set1_pd(v->sc_qinv[i])));
		}
		/* (uint64_t)(est + 0.5) truncates a non-negative value: floor. */
		store_u64(rows + vrow * HEC_BFV_BLOCK + x, _mm256_floor_pd(_mm256_add_pd(est, _mm256_set1_pd(0.5))));
	}
}
