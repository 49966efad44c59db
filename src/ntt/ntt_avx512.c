/* AVX-512 IFMA NTT kernel for primes q < 2^50.
 *
 * VPMADD52LUQ / VPMADD52HUQ multiply the low 52 bits of two 64-bit lanes
 * and add the low or high 52 bits of the 104-bit product to a third: eight
 * 52 x 52-bit multiply-adds per instruction.  With a 52-bit word, Harvey's
 * lazy butterflies (D. Harvey, "Faster arithmetic for number-theoretic
 * transforms", J. Symb. Comp. 60, 2014) carry over unchanged with
 * beta = 2^52 in place of 2^64: a twiddle w < q comes with its Shoup
 * quotient w' = floor(w 2^52 / q); for any y < 2^52,
 *     Q = floor(y w' / 2^52)            (one madd52hi)
 *     r = y w - Q q  in [0, 2q)         (two madd52lo, one and)
 * where the second madd52lo adds the low 52 bits of Q (2^52 - q), i.e. of
 * -Q q, so the difference comes out modulo 2^52 without a subtraction.
 * Harvey's bounds need 4q <= beta, hence q < 2^50, and every value of a
 * transform stays below 4q < 2^52, so the multiplier always sees whole
 * operands.  The use of IFMA for exactly this follows F. Boemer, S. Kim,
 * G. Seifu, F. de Souza, V. Gopal, "Intel HEXL: Accelerating Homomorphic
 * Encryption with Intel AVX512-IFMA52", WAHC 2021; the code here is
 * written from the algorithm, not from HEXL.
 *
 * Passes (twiddles in the bit-reversed order of P. Longa, M. Naehrig,
 * "Speeding up the Number Theoretic Transform for Faster Ideal
 * Lattice-Based Cryptography", CANS 2016): stages whose pairs are at least
 * one register (8 lanes) apart are done two per pass over the array
 * (radix-4), with the twiddles broadcast once per block; the three stages
 * of half-sizes 4, 2, 1 are one pass over pairs of registers, the pairs
 * formed by two-source permutes (VPERMT2Q) and unpacks, with their
 * twiddles stored in the lane order they are consumed.  The forward
 * transform's reduction to [0, q) and the inverse's scaling by n^-1 are
 * fused into the last pass.
 *
 * This file is also compiled with -DHEC_SIMD512_EMULATE (see simd512.h),
 * which exposes the ops as hec_ntt_ops_avx512_emul, for the bit-for-bit
 * test on machines without AVX-512 (tests/ntt/test_avx512_emul.c).  At the
 * time of writing it had only been run that way: the real build compiles
 * without warnings, and tests/ntt/test_ntt.c and test_simd_edges.c compare
 * it with the portable kernel wherever the CPU has AVX-512 IFMA, but its
 * speed has not been measured. */
#include "kernels.h"
#include "simd512.h"

#include <stdlib.h>

#ifdef HEC_SIMD512_EMULATE
#define OPS_NAME hec_ntt_ops_avx512_emul
extern const struct hec_ntt_kernel_ops hec_ntt_ops_avx512_emul;
#else
#define OPS_NAME hec_ntt_ops_avx512
#endif

#ifdef HEC_SIMD512_EMULATE
#define FN static inline
#else
#define FN static inline __attribute__((always_inline))
#endif

struct ifma_tables {
	uint64_t *mem;
	/* (w, w') pairs at [2j] for j in [1, n/8): the stages of half-size
	 * >= 8, broadcast once per block. */
	uint64_t *fw, *iw;
	/* Per group of 16 values (g < n/16), REC words: the twiddles and
	 * quotients of the half-size 4, 2, 1 stages in lane order. */
	uint64_t *frec, *irec;
	uint64_t ninv, ninv_s; /* n^-1 and its quotient */
	uint64_t wn, wn_s;     /* wi[1] n^-1 and its quotient */
};

/* Record layout: [0, 8) w and [8, 16) w' for half-size 4; [16, 32) for
 * half-size 2; [32, 48) for half-size 1. */
#define REC 48

static uint64_t shoup52(uint64_t w, uint64_t q)
{
	return (uint64_t)(((hec_u128)w << 52) / q);
}

/* ------------------------------------------------------------------------
 * Arithmetic
 * --------------------------------------------------------------------- */

struct k512 {
	v512 q, q2, negq, m52, zero;
};

FN struct k512 consts(uint64_t q)
{
	struct k512 k = {v512_set1(q), v512_set1(2 * q), v512_set1((UINT64_C(1) << 52) - q),
	                 v512_set1(V512_M52), v512_zero()};
	return k;
}

/* y w mod q up to one q.  In: y < 2^52, w < q, ws = floor(w 2^52 / q).
 * Out: [0, 2q). */
FN v512 mulmod_lazy(v512 y, v512 w, v512 ws, struct k512 k)
{
	v512 quot = v512_madd52hi(k.zero, y, ws);
	v512 r = v512_madd52lo(k.zero, y, w);
	r = v512_madd52lo(r, quot, k.negq); /* low 52 bits: y w - quot q */
	return v512_and(r, k.m52);
}

/* x - c if x >= c, else x (unsigned: x - c wraps above x when x < c).
 * In: x < 2c. */
FN v512 csub(v512 x, v512 c)
{
	return v512_min(x, v512_sub(x, c));
}

/* Harvey's forward butterfly.  In: x, y in [0, 4q).  Out: [0, 4q). */
FN void ct(v512 *x, v512 *y, v512 w, v512 ws, struct k512 k)
{
	v512 u = csub(*x, k.q2);
	v512 t = mulmod_lazy(*y, w, ws, k);
	*x = v512_add(u, t);
	*y = v512_sub(v512_add(u, k.q2), t);
}

/* Harvey's inverse butterfly.  In: [0, 2q).  Out: [0, 2q). */
FN void gs(v512 *x, v512 *y, v512 w, v512 ws, struct k512 k)
{
	v512 s = csub(v512_add(*x, *y), k.q2);
	*y = mulmod_lazy(v512_sub(v512_add(*x, k.q2), *y), w, ws, k);
	*x = s;
}

/* ------------------------------------------------------------------------
 * Forward transform
 * --------------------------------------------------------------------- */

/* Radix-2 first pass (stage m = 1, half-size h >= 8), used when the number
 * of stages of half-size >= 8 is odd. */
static void fwd_r2(uint64_t *a, size_t h, const struct ifma_tables *t, struct k512 k)
{
	const v512 w = v512_bcast(&t->fw[2]), ws = v512_bcast(&t->fw[3]);
	for (size_t j = 0; j < h; j += 8) {
		v512 x = v512_load(a + j), y = v512_load(a + j + h);
		ct(&x, &y, w, ws, k);
		v512_store(a + j, x);
		v512_store(a + j + h, y);
	}
}

/* Radix-4 pass: stage (m, h) then (2m, h/2), groups of 2h values at
 * quarter distance hq = h/2 >= 8: four registers per step, the six
 * twiddle words broadcast once per group. */
static void fwd_r4(uint64_t *a, size_t m, size_t h, const struct ifma_tables *t, struct k512 k)
{
	const size_t hq = h / 2;
	const uint64_t *fw = t->fw;
	for (size_t i = 0; i < m; i++) {
		const v512 w1 = v512_bcast(&fw[2 * (m + i)]), w1s = v512_bcast(&fw[2 * (m + i) + 1]);
		const v512 w2 = v512_bcast(&fw[4 * (m + i)]), w2s = v512_bcast(&fw[4 * (m + i) + 1]);
		const v512 w3 = v512_bcast(&fw[4 * (m + i) + 2]), w3s = v512_bcast(&fw[4 * (m + i) + 3]);
		uint64_t *x0 = a + 2 * i * h, *x1 = x0 + hq, *x2 = x1 + hq, *x3 = x2 + hq;
		for (size_t j = 0; j < hq; j += 8) {
			v512 a0 = v512_load(x0 + j), a1 = v512_load(x1 + j);
			v512 a2 = v512_load(x2 + j), a3 = v512_load(x3 + j);
			ct(&a0, &a2, w1, w1s, k);
			ct(&a1, &a3, w1, w1s, k);
			ct(&a0, &a1, w2, w2s, k);
			ct(&a2, &a3, w3, w3s, k);
			v512_store(x0 + j, a0);
			v512_store(x1 + j, a1);
			v512_store(x2 + j, a2);
			v512_store(x3 + j, a3);
		}
	}
}

/* Lane permutations of the last three stages on a pair of registers
 * holding 16 consecutive values e0..e15 (A = e0..e7, B = e8..e15). */
struct perms {
	v512 h4x, h4y;   /* (A, B) -> X = e0-3 e8-11, Y = e4-7 e12-15 */
	v512 h2x, h2y;   /* (X, Y) of half-size 4 -> e0 e1 e4 e5 e8 e9 e12 e13 / e2 e3 ... */
	v512 outa, outb; /* (e0 e2 .. e14, e1 e3 .. e15) -> natural A, B */
};

FN struct perms fwd_perms(void)
{
	struct perms p = {
	    v512_setr(0, 1, 2, 3, 8, 9, 10, 11), v512_setr(4, 5, 6, 7, 12, 13, 14, 15),
	    v512_setr(0, 1, 8, 9, 4, 5, 12, 13), v512_setr(2, 3, 10, 11, 6, 7, 14, 15),
	    v512_setr(0, 8, 1, 9, 2, 10, 3, 11), v512_setr(4, 12, 5, 13, 6, 14, 7, 15),
	};
	return p;
}

/* The three stages of half-sizes 4, 2, 1 on one group of 16 values, and
 * the final reduction if asked.  In: [0, 4q). */
FN void fwd_last_group(uint64_t *p, const uint64_t *r, struct perms pm, struct k512 k, bool reduce)
{
	v512 A = v512_load(p), B = v512_load(p + 8);
	v512 X = v512_perm2(A, pm.h4x, B), Y = v512_perm2(A, pm.h4y, B);
	ct(&X, &Y, v512_load(r), v512_load(r + 8), k);
	A = v512_perm2(X, pm.h2x, Y);
	B = v512_perm2(X, pm.h2y, Y);
	ct(&A, &B, v512_load(r + 16), v512_load(r + 24), k);
	/* (e0 e1 e4 e5 ..), (e2 e3 e6 e7 ..) -> (e0 e2 e4 ..), (e1 e3 e5 ..) */
	X = v512_unpacklo(A, B);
	Y = v512_unpackhi(A, B);
	ct(&X, &Y, v512_load(r + 32), v512_load(r + 40), k);
	A = v512_perm2(X, pm.outa, Y);
	B = v512_perm2(X, pm.outb, Y);
	if (reduce) {
		A = csub(csub(A, k.q2), k.q);
		B = csub(csub(B, k.q2), k.q);
	}
	v512_store(p, A);
	v512_store(p + 8, B);
}

static void fwd_last(uint64_t *a, size_t n, const struct ifma_tables *t, struct k512 k, bool reduce)
{
	const struct perms pm = fwd_perms();
	const uint64_t *r = t->frec;
	/* Two independent groups per step give the out-of-order core two
	 * dependency chains to interleave. */
	size_t g = 0;
	for (; g + 2 <= n / 16; g += 2, r += 2 * REC) {
		fwd_last_group(a + 16 * g, r, pm, k, reduce);
		fwd_last_group(a + 16 * g + 16, r + REC, pm, k, reduce);
	}
	if (g < n / 16)
		fwd_last_group(a + 16 * g, r, pm, k, reduce);
}

static void fwd(const struct hec_ntt_table *tab, uint64_t *a, bool reduce)
{
	const struct ifma_tables *t = tab->kdata;
	const struct k512 k = consts(tab->mod.q);
	const size_t n = tab->n;
	size_t m = 1, h = n / 2;
	if ((tab->logn - 3) & 1) {
		fwd_r2(a, h, t, k);
		m = 2;
		h = n / 4;
	}
	for (; h >= 16; m <<= 2, h >>= 2)
		fwd_r4(a, m, h, t, k);
	fwd_last(a, n, t, k, reduce);
}

/* ------------------------------------------------------------------------
 * Inverse transform
 * --------------------------------------------------------------------- */

FN struct perms inv_perms(void)
{
	/* After unpack: X = e0 e8 e2 e10 e4 e12 e6 e14, Y = e1 e9 e3 e11 ...;
	 * half-size 2 wants e0 e1 e4 e5 e8 e9 e12 e13 / e2 e3 e6 e7 ...;
	 * half-size 4 wants e0-3 e8-11 / e4-7 e12-15; then natural order. */
	struct perms p = {
	    v512_setr(0, 8, 4, 12, 1, 9, 5, 13), v512_setr(2, 10, 6, 14, 3, 11, 7, 15),
	    v512_setr(0, 1, 8, 9, 4, 5, 12, 13), v512_setr(2, 3, 10, 11, 6, 7, 14, 15),
	    v512_setr(0, 1, 2, 3, 8, 9, 10, 11), v512_setr(4, 5, 6, 7, 12, 13, 14, 15),
	};
	return p;
}

/* The three stages of half-sizes 1, 2, 4 on one group of 16 values.
 * In and out: [0, 2q). */
FN void inv_first_group(uint64_t *p, const uint64_t *r, struct perms pm, struct k512 k)
{
	v512 A = v512_load(p), B = v512_load(p + 8);
	v512 X = v512_unpacklo(A, B), Y = v512_unpackhi(A, B);
	gs(&X, &Y, v512_load(r + 32), v512_load(r + 40), k);
	A = v512_perm2(X, pm.h4x, Y);
	B = v512_perm2(X, pm.h4y, Y);
	gs(&A, &B, v512_load(r + 16), v512_load(r + 24), k);
	X = v512_perm2(A, pm.h2x, B);
	Y = v512_perm2(A, pm.h2y, B);
	gs(&X, &Y, v512_load(r), v512_load(r + 8), k);
	v512_store(p, v512_perm2(X, pm.outa, Y));
	v512_store(p + 8, v512_perm2(X, pm.outb, Y));
}

static void inv_first(uint64_t *a, size_t n, const struct ifma_tables *t, struct k512 k)
{
	const struct perms pm = inv_perms();
	const uint64_t *r = t->irec;
	size_t g = 0;
	for (; g + 2 <= n / 16; g += 2, r += 2 * REC) {
		inv_first_group(a + 16 * g, r, pm, k);
		inv_first_group(a + 16 * g + 16, r + REC, pm, k);
	}
	if (g < n / 16)
		inv_first_group(a + 16 * g, r, pm, k);
}

/* The last stage merged with the scaling by n^-1:
 * x' = (x + y) n^-1, y' = (x - y) wi[1] n^-1.  In: [0, 2q).  Out: [0, 2q),
 * or [0, q) if reduce. */
FN void inv_scaled(uint64_t *px, uint64_t *py, v512 x, v512 y, const struct ifma_tables *t, struct k512 k,
                   bool reduce)
{
	v512 u = mulmod_lazy(v512_add(x, y), v512_bcast(&t->ninv), v512_bcast(&t->ninv_s), k);
	v512 v = mulmod_lazy(v512_sub(v512_add(x, k.q2), y), v512_bcast(&t->wn), v512_bcast(&t->wn_s), k);
	if (reduce) {
		u = csub(u, k.q);
		v = csub(v, k.q);
	}
	v512_store(px, u);
	v512_store(py, v);
}

/* Radix-2 pass (half-size h >= 8, m blocks); `last`: m = 1, scaled. */
static void inv_r2(uint64_t *a, size_t m, size_t h, const struct ifma_tables *t, struct k512 k, bool last,
                   bool reduce)
{
	for (size_t i = 0; i < m; i++) {
		const v512 w = v512_bcast(&t->iw[2 * (m + i)]), ws = v512_bcast(&t->iw[2 * (m + i) + 1]);
		uint64_t *x = a + 2 * i * h, *y = x + h;
		for (size_t j = 0; j < h; j += 8) {
			v512 u = v512_load(x + j), v = v512_load(y + j);
			if (last) {
				inv_scaled(x + j, y + j, u, v, t, k, reduce);
			} else {
				gs(&u, &v, w, ws, k);
				v512_store(x + j, u);
				v512_store(y + j, v);
			}
		}
	}
}

/* Radix-4 pass: stage (m, h) then (m/2, 2h) on groups of 4h values at
 * quarter distance h >= 8; `last`: m = 2, the second stage is scaled. */
static void inv_r4(uint64_t *a, size_t m, size_t h, const struct ifma_tables *t, struct k512 k, bool last,
                   bool reduce)
{
	const uint64_t *iw = t->iw;
	for (size_t g = 0; g < m / 2; g++) {
		const v512 w0 = v512_bcast(&iw[2 * (m + 2 * g)]), w0s = v512_bcast(&iw[2 * (m + 2 * g) + 1]);
		const v512 w1 = v512_bcast(&iw[2 * (m + 2 * g) + 2]),
		           w1s = v512_bcast(&iw[2 * (m + 2 * g) + 3]);
		const v512 w2 = v512_bcast(&iw[2 * (m / 2 + g)]), w2s = v512_bcast(&iw[2 * (m / 2 + g) + 1]);
		uint64_t *x0 = a + 4 * g * h, *x1 = x0 + h, *x2 = x1 + h, *x3 = x2 + h;
		for (size_t j = 0; j < h; j += 8) {
			v512 a0 = v512_load(x0 + j), a1 = v512_load(x1 + j);
			v512 a2 = v512_load(x2 + j), a3 = v512_load(x3 + j);
			gs(&a0, &a1, w0, w0s, k);
			gs(&a2, &a3, w1, w1s, k);
			if (last) {
				inv_scaled(x0 + j, x2 + j, a0, a2, t, k, reduce);
				inv_scaled(x1 + j, x3 + j, a1, a3, t, k, reduce);
			} else {
				gs(&a0, &a2, w2, w2s, k);
				gs(&a1, &a3, w2, w2s, k);
				v512_store(x0 + j, a0);
				v512_store(x1 + j, a1);
				v512_store(x2 + j, a2);
				v512_store(x3 + j, a3);
			}
		}
	}
}

static void inv(const struct hec_ntt_table *tab, uint64_t *a, bool reduce)
{
	const struct ifma_tables *t = tab->kdata;
	const struct k512 k = consts(tab->mod.q);
	const size_t n = tab->n;
	inv_first(a, n, t, k);
	/* Stages of half-size 8 .. n/2 (logn - 3 of them), the last scaled. */
	size_t m = n / 16, h = 8;
	if ((tab->logn - 3) & 1) {
		inv_r2(a, m, h, t, k, m == 1, reduce);
		m >>= 1;
		h <<= 1;
	}
	for (; m >= 2; m >>= 2, h <<= 2)
		inv_r4(a, m, h, t, k, m == 2, reduce);
}

/* ------------------------------------------------------------------------
 * Tables
 * --------------------------------------------------------------------- */

static void put(uint64_t *dst, uint64_t w, uint64_t q)
{
	dst[0] = w;
	dst[1] = shoup52(w, q);
}

/* lane -> offset of the block, within the group, for each record part. */
static void rec_fill(uint64_t *rec, const uint64_t *w, size_t n, uint64_t q, const unsigned b1[8])
{
	for (size_t g = 0; g < n / 16; g++) {
		uint64_t *r = rec + REC * g;
		for (unsigned l = 0; l < 8; l++) {
			/* Half-size 4: lanes 0-3 are block 2g, lanes 4-7 block 2g + 1. */
			uint64_t w4 = w[n / 8 + 2 * g + l / 4];
			/* Half-size 2: lane pairs are blocks 4g .. 4g + 3. */
			uint64_t w2 = w[n / 4 + 4 * g + l / 2];
			uint64_t w1 = w[n / 2 + 8 * g + b1[l]];
			r[l] = w4;
			r[8 + l] = shoup52(w4, q);
			r[16 + l] = w2;
			r[24 + l] = shoup52(w2, q);
			r[32 + l] = w1;
			r[40 + l] = shoup52(w1, q);
		}
	}
}

static hec_status table_init(struct hec_ntt_table *tab)
{
	const size_t n = tab->n;
	const uint64_t q = tab->mod.q;
	const size_t npair = n / 4; /* 2 words for each j < n/8 */
	struct ifma_tables *t = calloc(1, sizeof *t);
	/* aligned_alloc wants a size that is a multiple of the alignment. */
	uint64_t *mem = aligned_alloc(64, (2 * npair + 2 * (n / 16) * REC + 7) / 8 * 8 * sizeof(uint64_t));
	if (!t || !mem) {
		free(t);
		free(mem);
		return hec_error_set(HEC_ERR_NOMEM, "ntt: out of memory for the avx512 tables");
	}
	t->mem = mem;
	t->fw = mem;
	t->iw = mem + npair;
	t->frec = mem + 2 * npair;
	t->irec = t->frec + (n / 16) * REC;
	t->fw[0] = t->fw[1] = t->iw[0] = t->iw[1] = 0;
	for (size_t j = 1; j < n / 8; j++) {
		put(&t->fw[2 * j], tab->w[j], q);
		put(&t->iw[2 * j], tab->wi[j], q);
	}
	/* Half-size 1: forward lane l is pair l (unpack of the pair-ordered
	 * registers); inverse lanes hold pairs 0 4 1 5 2 6 3 7 (unpack of the
	 * natural-order registers). */
	static const unsigned fb1[8] = {0, 1, 2, 3, 4, 5, 6, 7}, ib1[8] = {0, 4, 1, 5, 2, 6, 3, 7};
	rec_fill(t->frec, tab->w, n, q, fb1);
	rec_fill(t->irec, tab->wi, n, q, ib1);
	t->ninv = tab->n_inv;
	t->ninv_s = shoup52(tab->n_inv, q);
	t->wn = tab->wi1_n_inv;
	t->wn_s = shoup52(tab->wi1_n_inv, q);
	tab->kdata = t;
	return HEC_OK;
}

static void table_clear(struct hec_ntt_table *tab)
{
	struct ifma_tables *t = tab->kdata;
	if (t) {
		free(t->mem);
		free(t);
	}
	tab->kdata = NULL;
}

/* ------------------------------------------------------------------------
 * Element-wise operations: inputs in [0, q), outputs in [0, q), any
 * length (scalar tail), dst may alias an input (each register is loaded
 * before it is stored).
 * --------------------------------------------------------------------- */

static void vec_add(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const v512 vq = v512_set1(q);
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		v512_store(dst + i, csub(v512_add(v512_load(a + i), v512_load(b + i)), vq));
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_add(a[i], b[i], q);
}

static void vec_sub(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const v512 vq = v512_set1(q);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		/* a - b wraps when a < b; then a - b + q is the smaller. */
		v512 d = v512_sub(v512_load(a + i), v512_load(b + i));
		v512_store(dst + i, v512_min(d, v512_add(d, vq)));
	}
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_sub(a[i], b[i], q);
}

static void vec_neg(uint64_t *dst, const uint64_t *a, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const v512 vq = v512_set1(q);
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		v512_store(dst + i, csub(v512_sub(vq, v512_load(a + i)), vq)); /* q - 0 = q maps to 0 */
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_neg(a[i], q);
}

/* Barrett reduction of a 52-bit-limb product (HAC 14.42 with the shifts
 * chosen for the 52-bit multiplier).  With k = bits(q) <= 50 and
 * x = a b = hi 2^52 + lo < 2^(2k): q1 = floor(x / 2^(k-1)) < 2^(k+1) and
 * mu = floor((2^(51+k) - 1) / q) < 2^52 (the -1 matters only for q a power
 * of two), so Q = floor(q1 mu / 2^52) is one madd52hi and lies less than
 * 3 below x / q: r = x - Q q in [0, 3q), computed modulo 2^52 like
 * mulmod_lazy, then two conditional subtractions.  Any q < 2^50, prime or
 * not. */
struct barrett52 {
	v512 sr, sl, mu, negq, m52, zero, q;
};

static struct barrett52 barrett_of(const hec_modulus_t *m)
{
	const unsigned k = m->bits;
	struct barrett52 b = {v512_set1(k - 1),
	                      v512_set1(53 - k),
	                      v512_set1((uint64_t)((((hec_u128)1 << (51 + k)) - 1) / m->q)),
	                      v512_set1((UINT64_C(1) << 52) - m->q),
	                      v512_set1(V512_M52),
	                      v512_zero(),
	                      v512_set1(m->q)};
	return b;
}

FN v512 mulmod_barrett(v512 a, v512 b, const struct barrett52 *c)
{
	v512 lo = v512_madd52lo(c->zero, a, b), hi = v512_madd52hi(c->zero, a, b);
	v512 q1 = v512_or(v512_srlv(lo, c->sr), v512_sllv(hi, c->sl));
	v512 quot = v512_madd52hi(c->zero, q1, c->mu);
	v512 r = v512_and(v512_madd52lo(lo, quot, c->negq), c->m52);
	return csub(csub(r, c->q), c->q);
}

static void vec_mul(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const struct barrett52 c = barrett_of(m);
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		v512_store(dst + i, mulmod_barrett(v512_load(a + i), v512_load(b + i), &c));
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_mul(a[i], b[i], m);
}

static void vec_mul_scalar(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q;
	const struct k512 k = consts(q);
	const v512 vw = v512_set1(w), vws = v512_set1(shoup52(w, q));
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		v512_store(dst + i, csub(mulmod_lazy(v512_load(a + i), vw, vws, k), k.q));
	const uint64_t ws = hec_ntt_shoup(w, q);
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_mul_shoup(a[i], w, ws, q);
}

static void vec_mul_acc(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m)
{
	const struct barrett52 c = barrett_of(m);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		v512 p = mulmod_barrett(v512_load(a + i), v512_load(b + i), &c);
		v512_store(dst + i, csub(v512_add(p, v512_load(dst + i)), c.q));
	}
	for (; i < n; i++)
		dst[i] = hec_ntt_mod_reduce128((hec_u128)a[i] * b[i] + dst[i], m);
}

const struct hec_ntt_kernel_ops OPS_NAME = {
    .kind = HEC_KERNEL_AVX512,
    .max_q = HEC_MODULUS_SIMD_MAX,
    .table_init = table_init,
    .table_clear = table_clear,
    .fwd = fwd,
    .inv = inv,
    .vec_add = vec_add,
    .vec_sub = vec_sub,
    .vec_neg = vec_neg,
    .vec_mul = vec_mul,
    .vec_mul_scalar = vec_mul_scalar,
    .vec_mul_acc = vec_mul_acc,
};
