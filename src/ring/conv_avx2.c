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
 * so the two agree bit for bit (tested against the portable reference).
 *
 * The exact mode computes the portable code's estimate v = round(sum_i y_i
 * / f_i) with the same roundings (a product, then a sum, in the same order:
 * no fused multiply-add), so v is the same integer in [0, nf], and adds
 * v [-F]_t as one more exact term. */
#include "fma_avx2.h"
#include "ring_internal.h"

void _hec_conv_block_avx2(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                          const uint64_t *const *src, double *yd, enum hec_conv_mode mode, size_t k0,
                          size_t len)
{
	const size_t nf = cv->nf;
	const struct hec_conv_dbl *d = &cv->dbl;
	const bool centered = mode == HEC_CONV_CENTERED, exact = mode == HEC_CONV_EXACT;
	if (nf == 1 && !exact) {
		/* One source prime (a ModUp digit of one prime): F_1 = 1, so the
		 * output is x itself (centered if asked), |x| < 2^50, reduced by
		 * one quotient estimate; straight from the source, no y rows. */
		const __m256d f = _mm256_set1_pd(d->f[0]), half = _mm256_set1_pd(d->f_half[0]);
		const uint64_t *x = src[0] + k0;
		for (size_t s = 0; s < nsel; s++) {
			const size_t j = sel ? sel[s] : s;
			const __m256d t = _mm256_set1_pd(d->t[j]), tinv = _mm256_set1_pd(d->tinv[j]);
			uint64_t *o = dst[s] + k0;
			for (size_t k = 0; k < len; k += 4) {
				__m256d u = load_u64(x + k);
				if (centered)
					u = _mm256_sub_pd(
					    u, _mm256_and_pd(_mm256_cmp_pd(u, half, _CMP_GT_OQ), f));
				store_u64(o + k, canon(reduce(u, t, tinv), t));
			}
		}
		return;
	}
	/* Exact mode: v per coefficient (sum_i y_i (1 / f_i), rounded). */
	double v[HEC_CONV_BLOCK];
	/* y_i (centered if asked) as doubles, row i at yd + i * len. */
	for (size_t i = 0; i < nf; i++) {
		const __m256d f = _mm256_set1_pd(d->f[i]), half = _mm256_set1_pd(d->f_half[i]);
		const __m256d w = _mm256_set1_pd(d->w[i]), wq = _mm256_set1_pd(d->wq[i]);
		const __m256d finv = _mm256_set1_pd(cv->f_inv[i]);
		const uint64_t *x = src[i] + k0;
		double *y = yd + i * len;
		for (size_t k = 0; k < len; k += 4) {
			/* With one source prime F_1 = 1: y = x, already in [0, f). */
			__m256d u =
			    nf == 1 ? load_u64(x + k) : canon(mulmod_const(load_u64(x + k), w, wq, f), f);
			if (centered)
				u = _mm256_sub_pd(u, _mm256_and_pd(_mm256_cmp_pd(u, half, _CMP_GT_OQ), f));
			if (exact) {
				const __m256d p = _mm256_mul_pd(u, finv);
				_mm256_storeu_pd(v + k, i ? _mm256_add_pd(_mm256_loadu_pd(v + k), p) : p);
			}
			_mm256_storeu_pd(y + k, u);
		}
	}
	if (exact)
		for (size_t k = 0; k < len; k += 4)
			_mm256_storeu_pd(
			    v + k, _mm256_round_pd(_mm256_add_pd(_mm256_loadu_pd(v + k), _mm256_set1_pd(0.5)),
			                           _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
	for (size_t s = 0; s < nsel; s++) {
		const size_t j = sel ? sel[s] : s;
		const double *cd = d->c + j * nf, *cq = d->cq + j * nf;
		const __m256d t = _mm256_set1_pd(d->t[j]), tinv = _mm256_set1_pd(d->tinv[j]);
		/* Zero when not exact: v's term vanishes. */
		const __m256d fneg = _mm256_set1_pd(exact ? d->fneg[j] : 0),
		              fnegq = _mm256_set1_pd(exact ? d->fnegq[j] : 0);
		uint64_t *o = dst[s] + k0;
		size_t k = 0;
		if (nf == 1) {
			/* Exact mode, one source: y plus v [-F]_t, below 2^50 +
			 * 5t/8 in magnitude, so one quotient estimate reduces it. */
			for (; k < len; k += 4) {
				const __m256d a =
				    _mm256_add_pd(_mm256_loadu_pd(yd + k),
				                  mulmod_const(_mm256_loadu_pd(v + k), fneg, fnegq, t));
				store_u64(o + k, canon(reduce(a, t, tinv), t));
			}
			continue;
		}
		/* The sums below hold at most 7 terms after a reduction (|a| <=
		 * t/2 + 1) or 8 from zero, plus v's: below 5.5 t < 2^53. */
		for (; k + 16 <= len; k += 16) {
			__m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
			if (exact) {
				a0 = mulmod_const(_mm256_loadu_pd(v + k), fneg, fnegq, t);
				a1 = mulmod_const(_mm256_loadu_pd(v + k + 4), fneg, fnegq, t);
				a2 = mulmod_const(_mm256_loadu_pd(v + k + 8), fneg, fnegq, t);
				a3 = mulmod_const(_mm256_loadu_pd(v + k + 12), fneg, fnegq, t);
			}
			for (size_t i = 0; i < nf; i++) {
				const __m256d c = _mm256_broadcast_sd(cd + i),
				              q = _mm256_broadcast_sd(cq + i);
				const double *y = yd + i * len + k;
				a0 = _mm256_add_pd(a0, mulmod_const(_mm256_loadu_pd(y), c, q, t));
				a1 = _mm256_add_pd(a1, mulmod_const(_mm256_loadu_pd(y + 4), c, q, t));
				a2 = _mm256_add_pd(a2, mulmod_const(_mm256_loadu_pd(y + 8), c, q, t));
				a3 = _mm256_add_pd(a3, mulmod_const(_mm256_loadu_pd(y + 12), c, q, t));
				/* Terms of at most 5t/8 < 2^49.4. */
				if ((i & 7) == 6) {
					a0 = reduce(a0, t, tinv);
					a1 = reduce(a1, t, tinv);
					a2 = reduce(a2, t, tinv);
					a3 = reduce(a3, t, tinv);
				}
			}
			store_u64(o + k, canon(reduce(a0, t, tinv), t));
			store_u64(o + k + 4, canon(reduce(a1, t, tinv), t));
			store_u64(o + k + 8, canon(reduce(a2, t, tinv), t));
			store_u64(o + k + 12, canon(reduce(a3, t, tinv), t));
		}
		for (; k < len; k += 4) {
			__m256d a = exact ? mulmod_const(_mm256_loadu_pd(v + k), fneg, fnegq, t)
			                  : _mm256_setzero_pd();
			for (size_t i = 0; i < nf; i++) {
				a = _mm256_add_pd(a, mulmod_const(_mm256_loadu_pd(yd + i * len + k),
				                                  _mm256_broadcast_sd(cd + i),
				                                  _mm256_broadcast_sd(cq + i), t));
				if ((i & 7) == 6)
					a = reduce(a, t, tinv);
			}
			store_u64(o + k, canon(reduce(a, t, tinv), t));
		}
	}
}
