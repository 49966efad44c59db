/* Exact modular arithmetic on residues held in doubles, AVX2 + FMA: the
 * helpers the double-precision kernels above the NTT share (the ring's
 * basis conversion and inner products, BFV's conversion).  Internal;
 * include only from files compiled with the AVX2 flags.
 *
 * A product y c of integers splits exactly into h + l with h = fl(y c) and
 * l = fma(y, c, -h) (Ogita, Rump, Oishi, "Accurate sum and dot product",
 * SIAM J. Sci. Comput. 2005); with a quotient estimate qt = round(y cq),
 * cq ~ c / t precomputed (D. Harvey, J. Symb. Comp. 2014), r = (h - qt t)
 * + l = y c - qt t is computed without rounding as long as every
 * intermediate is an integer below 2^53.  Each caller states the operand
 * ranges that guarantee this and the bound on r they give. */
#ifndef HECATE_FMA_AVX2_H
#define HECATE_FMA_AVX2_H

#include <immintrin.h>
#include <stdint.h>

#define TWO52 0x1p52
#define MAGIC 0x1.8p52 /* a + 1.5 * 2^52 - 1.5 * 2^52 rounds |a| < 2^51 to an integer */

/* Four integers in [0, 2^52) to double, exactly. */
static inline __m256d load_u64(const uint64_t *p)
{
	const __m256i two52 = _mm256_castpd_si256(_mm256_set1_pd(TWO52));
	__m256i v = _mm256_loadu_si256((const __m256i *)p);
	return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(v, two52)), _mm256_set1_pd(TWO52));
}

/* In: integers in [0, 2^52). */
static inline void store_u64(uint64_t *p, __m256d x)
{
	const __m256d two52 = _mm256_set1_pd(TWO52);
	__m256i b = _mm256_castpd_si256(_mm256_add_pd(x, two52));
	_mm256_storeu_si256((__m256i *)p, _mm256_xor_si256(b, _mm256_castpd_si256(two52)));
}

/* y c - round(y cq) t, exactly under the caller's bounds (above). */
static inline __m256d mulmod_const(__m256d y, __m256d c, __m256d cq, __m256d t)
{
	const __m256d magic = _mm256_set1_pd(MAGIC);
	const __m256d h = _mm256_mul_pd(y, c);
	const __m256d l = _mm256_fmsub_pd(y, c, h);
	const __m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(y, cq, magic), magic);
	return _mm256_add_pd(_mm256_fnmadd_pd(qt, t, h), l);
}

/* a - round(a / t) t for |a| < 2^53: |result| <= t/2 + 1. */
static inline __m256d reduce(__m256d a, __m256d t, __m256d tinv)
{
	const __m256d magic = _mm256_set1_pd(MAGIC);
	__m256d qt = _mm256_sub_pd(_mm256_fmadd_pd(a, tinv, magic), magic);
	return _mm256_fnmadd_pd(qt, t, a);
}

/* |a| < t -> [0, t). */
static inline __m256d canon(__m256d a, __m256d t)
{
	a = _mm256_add_pd(a, _mm256_and_pd(_mm256_cmp_pd(a, _mm256_setzero_pd(), _CMP_LT_OQ), t));
	return _mm256_sub_pd(a, _mm256_and_pd(_mm256_cmp_pd(a, t, _CMP_GE_OQ), t));
}

#endif
