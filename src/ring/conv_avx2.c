/* The fast basis conversion's block kernel (conv.c) in AVX2 double
 * precision, for source and target primes below 2^50; approximate and
 * centered modes.
 *
 * Same arithmetic as the AVX2 NTT (src/ntt/ntt_avx2.c) and the BFV
 * conversion twin (src/scheme/bfv_avx2.c): a product y c of integers with
 * |y| < 2^50 and a balanced constant |c| <= t/2 splits exactly into
 * h + l, h = fl(y c), l = fma(y, c, -h) (the exact two-product: Ogita,
 * Rump, Oishi, SIAM J. Sci. Comput. 2005); the quotient estimate
 * qt = round(y (c / t)), one fused multiply-add from the precomputed c / t
 * (Harvey's precomputed quotient, J. Symb. Comp. 2014), is within 1/2 +
 * 2^-3 of y c / t because |y c / t| < 2^49, so r = (h - qt t) + l =
 * y c - qt t is an exact integer with |r| <= 5t/8, every intermediate an
 * integer below 2^53.  Eight such terms sum exactly; the sum is brought back
 * to |a| <= t/2 + 1 by one more quotient estimate and then to [0, t).
 *
 * The centered mode takes each y_i as its centered representative
 * (y_i - f_i when y_i > f_i / 2), which is what the portable code's count
 * of such y_i subtracts as a multiple of F: the result is the same residue,
 * so the two agree bit for bit (tested against the portable reference). */
#include "fma_avx2.h"
#include "ring_internal.h"

void _hec_conv_block_avx2(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                          const uint64_t *const *src, double *yd, bool centered, size_t k0, size_t len)
{
	const size_t nf = cv->nf;
	const struct hec_conv_dbl *d = &cv->dbl;
	/* y_i (centered if asked) as doubles, row i at yd + i * len. */
	for (size_t i = 0; i < nf; i++) {
		const __m256d f = _mm256_set1_pd(d->f[i]), half = _mm256_set1_pd(d->f_half[i]);
		const __m256d w = _mm256_set1_pd(d->w[i]), wq = _mm256_set1_pd(d->wq[i]);
		const uint64_t *x = src[i] + k0;
		double *y = yd + i * len;
		for (size_t k = 0; k < len; k += 4) {
			/* With one source prime F_1 = 1: y = x, already in [0, f). */
			__m256d v = nf == 1 ? load_u64(x + k) : canon(mulmod_const(load_u64(x + k), w, wq, f), f);
			if (centered)
				v = _mm256_sub_pd(v, _mm256_and_pd(_mm256_cmp_pd(v, half, _CMP_GT_OQ), f));
			_mm256_storeu_pd(y + k, v);
		}
	}
	for (size_t s = 0; s < nsel; s++) {
		const size_t j = sel ? sel[s] : s;
		const double *cd = d->c + j * nf, *cq = d->cq + j * nf;
		const __m256d t = _mm256_set1_pd(d->t[j]), tinv = _mm256_set1_pd(d->tinv[j]);
		uint64_t *o = dst[s] + k0;
		size_t k = 0;
		if (nf == 1) {
			/* [F_1]_t = 1: the sum is y itself, |y| < 2^50, so one
			 * quotient estimate reduces it. */
			for (; k < len; k += 4)
				store_u64(o + k, canon(reduce(_mm256_loadu_pd(yd + k), t, tinv), t));
			continue;
		}
		for (; k + 16 <= len; k += 16) {
			__m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
			for (size_t i = 0; i < nf; i++) {
				const __m256d c = _mm256_broadcast_sd(cd + i), q = _mm256_broadcast_sd(cq + i);
				const double *y = yd + i * len + k;
				a0 = _mm256_add_pd(a0, mulmod_const(_mm256_loadu_pd(y), c, q, t));
				a1 = _mm256_add_pd(a1, mulmod_const(_mm256_loadu_pd(y + 4), c, q, t));
				a2 = _mm256_add_pd(a2, mulmod_const(_mm256_loadu_pd(y + 8), c, q, t));
				a3 = _mm256_add_pd(a3, mulmod_const(_mm256_loadu_pd(y + 12), c, q, t));
				/* Terms of at most 5t/8 < 2^49.4: eight stay below 2^53. */
				if ((i & 7) == 7) {
					a0 = reduce(a0, t, tinv);
					a1 = reduce(a1, t, tinv);
					a2 = reduce(a2, t, tinv);
					a3 = reduce(a3, t, tinv);
				}
			}
			if (nf > 1) {
				a0 = reduce(a0, t, tinv);
				a1 = reduce(a1, t, tinv);
				a2 = reduce(a2, t, tinv);
				a3 = reduce(a3, t, tinv);
			}
			store_u64(o + k, canon(a0, t));
			store_u64(o + k + 4, canon(a1, t));
			store_u64(o + k + 8, canon(a2, t));
			store_u64(o + k + 12, canon(a3, t));
		}
		for (; k < len; k += 4) {
			__m256d a = _mm256_setzero_pd();
			for (size_t i = 0; i < nf; i++) {
				a = _mm256_add_pd(a, mulmod_const(_mm256_loadu_pd(yd + i * len + k), _mm256_broadcast_sd(cd + i),
				                            _mm256_broadcast_sd(cq + i), t));
				if ((i & 7) == 7)
					a = reduce(a, t, tinv);
			}
			if (nf > 1)
				a = reduce(a, t, tinv);
			store_u64(o + k, canon(a, t));
		}
	}
}
