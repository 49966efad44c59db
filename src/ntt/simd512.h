/* Internal: the handful of 512-bit integer operations the AVX-512 IFMA NTT
 * kernel (ntt_avx512.c) is written against.
 *
 * Normally each maps to one AVX-512F / AVX-512IFMA52 intrinsic.  With
 * -DHEC_SIMD512_EMULATE they are plain C on eight uint64_t lanes instead,
 * with the instructions' exact semantics, so that the kernel can be built
 * and tested bit for bit on a machine without AVX-512 (the Intel SDM's
 * definitions of VPMADD52LUQ / VPMADD52HUQ, VPERMT2Q, VPUNPCKLQDQ and
 * VPMINUQ are what the emulation follows).  Only integer operations
 * appear: the kernel never needs a mask register, which keeps the two
 * versions trivially equivalent. */
#ifndef HECATE_NTT_SIMD512_H
#define HECATE_NTT_SIMD512_H

#include <stdint.h>
#include <string.h>

#include "hecate/ntt.h" /* hec_u128 */

#define V512_M52 ((UINT64_C(1) << 52) - 1)

#ifdef HEC_SIMD512_EMULATE

typedef struct {
	uint64_t l[8];
} v512;

#define V512_FN static inline

V512_FN v512 v512_load(const uint64_t *p)
{
	v512 r;
	memcpy(r.l, p, sizeof r.l);
	return r;
}

V512_FN void v512_store(uint64_t *p, v512 x)
{
	memcpy(p, x.l, sizeof x.l);
}

V512_FN v512 v512_set1(uint64_t x)
{
	v512 r;
	for (int i = 0; i < 8; i++)
		r.l[i] = x;
	return r;
}

/* Lanes 0..7 in order. */
V512_FN v512 v512_setr(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f, uint64_t g,
                       uint64_t h)
{
	v512 r = {{a, b, c, d, e, f, g, h}};
	return r;
}

#define V512_LANEWISE(name, expr)                                                                            \
	V512_FN v512 name(v512 a, v512 b)                                                                    \
	{                                                                                                    \
		v512 r;                                                                                      \
		for (int i = 0; i < 8; i++)                                                                  \
			r.l[i] = (expr);                                                                     \
		return r;                                                                                    \
	}

V512_LANEWISE(v512_add, a.l[i] + b.l[i])
V512_LANEWISE(v512_sub, a.l[i] - b.l[i])
V512_LANEWISE(v512_and, a.l[i] & b.l[i])
V512_LANEWISE(v512_or, a.l[i] | b.l[i])
V512_LANEWISE(v512_min, a.l[i] < b.l[i] ? a.l[i] : b.l[i]) /* unsigned */
/* VPSRLVQ / VPSLLVQ: counts of 64 or more give 0. */
V512_LANEWISE(v512_srlv, b.l[i] > 63 ? 0 : a.l[i] >> b.l[i])
V512_LANEWISE(v512_sllv, b.l[i] > 63 ? 0 : a.l[i] << b.l[i])
/* VPUNPCKLQDQ / VPUNPCKHQDQ: within each 128-bit lane, (a even, b even)
 * and (a odd, b odd). */
V512_LANEWISE(v512_unpacklo, (i & 1) ? b.l[i - 1] : a.l[i])
V512_LANEWISE(v512_unpackhi, (i & 1) ? b.l[i] : a.l[i + 1])
#undef V512_LANEWISE

/* VPMADD52LUQ: a + the low 52 bits of the 104-bit product of the low 52
 * bits of b and c, modulo 2^64. */
V512_FN v512 v512_madd52lo(v512 a, v512 b, v512 c)
{
	v512 r;
	for (int i = 0; i < 8; i++)
		r.l[i] =
		    a.l[i] + ((uint64_t)((hec_u128)(b.l[i] & V512_M52) * (c.l[i] & V512_M52)) & V512_M52);
	return r;
}

/* VPMADD52HUQ: a + bits 52..103 of that product, modulo 2^64. */
V512_FN v512 v512_madd52hi(v512 a, v512 b, v512 c)
{
	v512 r;
	for (int i = 0; i < 8; i++)
		r.l[i] = a.l[i] + (uint64_t)(((hec_u128)(b.l[i] & V512_M52) * (c.l[i] & V512_M52)) >> 52);
	return r;
}

/* VPERMT2Q (_mm512_permutex2var_epi64): lane i takes element idx[i] & 7
 * of a, or of b if bit 3 of idx[i] is set. */
V512_FN v512 v512_perm2(v512 a, v512 idx, v512 b)
{
	v512 r;
	for (int i = 0; i < 8; i++) {
		unsigned j = (unsigned)(idx.l[i] & 15);
		r.l[i] = j < 8 ? a.l[j] : b.l[j - 8];
	}
	return r;
}

#else /* real AVX-512 */

#include <immintrin.h>

typedef __m512i v512;

#define V512_FN static inline __attribute__((always_inline))

V512_FN v512 v512_load(const uint64_t *p)
{
	return _mm512_loadu_si512((const void *)p);
}

V512_FN void v512_store(uint64_t *p, v512 x)
{
	_mm512_storeu_si512((void *)p, x);
}

V512_FN v512 v512_set1(uint64_t x)
{
	return _mm512_set1_epi64((long long)x);
}

V512_FN v512 v512_setr(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f, uint64_t g,
                       uint64_t h)
{
	return _mm512_set_epi64((long long)h, (long long)g, (long long)f, (long long)e, (long long)d,
	                        (long long)c, (long long)b, (long long)a);
}

V512_FN v512 v512_add(v512 a, v512 b)
{
	return _mm512_add_epi64(a, b);
}
V512_FN v512 v512_sub(v512 a, v512 b)
{
	return _mm512_sub_epi64(a, b);
}
V512_FN v512 v512_and(v512 a, v512 b)
{
	return _mm512_and_si512(a, b);
}
V512_FN v512 v512_or(v512 a, v512 b)
{
	return _mm512_or_si512(a, b);
}
V512_FN v512 v512_min(v512 a, v512 b)
{
	return _mm512_min_epu64(a, b);
}
V512_FN v512 v512_srlv(v512 a, v512 b)
{
	return _mm512_srlv_epi64(a, b);
}
V512_FN v512 v512_sllv(v512 a, v512 b)
{
	return _mm512_sllv_epi64(a, b);
}
V512_FN v512 v512_unpacklo(v512 a, v512 b)
{
	return _mm512_unpacklo_epi64(a, b);
}
V512_FN v512 v512_unpackhi(v512 a, v512 b)
{
	return _mm512_unpackhi_epi64(a, b);
}
V512_FN v512 v512_madd52lo(v512 a, v512 b, v512 c)
{
	return _mm512_madd52lo_epu64(a, b, c);
}
V512_FN v512 v512_madd52hi(v512 a, v512 b, v512 c)
{
	return _mm512_madd52hi_epu64(a, b, c);
}
V512_FN v512 v512_perm2(v512 a, v512 idx, v512 b)
{
	return _mm512_permutex2var_epi64(a, idx, b);
}

#endif

V512_FN v512 v512_zero(void)
{
	return v512_set1(0);
}

/* Broadcast *p to every lane (a memory-operand broadcast on hardware). */
V512_FN v512 v512_bcast(const uint64_t *p)
{
	return v512_set1(*p);
}

#endif
