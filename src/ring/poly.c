/* Polynomials: allocation, copies, element-wise arithmetic (through the
 * SIMD-dispatched hec_ntt_vec_* kernels) and the NTT of every limb. */
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"

hec_status hec_poly_init(hec_poly *p, const hec_ring *r, hec_basis b, size_t limbs, bool ntt)
{
	memset(p, 0, sizeof *p);
	if (!r || (b != HEC_BASIS_Q && b != HEC_BASIS_P))
		return hec_error_set(HEC_ERR_ARG, "poly_init: no ring or an unknown basis");
	if (b == HEC_BASIS_Q ? limbs < 1 || limbs > r->nq : limbs != r->np || !r->np)
		return hec_error_set(HEC_ERR_ARG, "poly_init: %zu limbs in basis %s; the ring has L = %zu, K = %zu",
		                     limbs, b == HEC_BASIS_Q ? "Q" : "P", r->nq, r->np);
	p->c = aligned_alloc(64, limbs * r->n * sizeof(uint64_t));
	if (!p->c)
		return hec_error_set(HEC_ERR_NOMEM, "poly_init: out of memory for %zu x %zu words", limbs, r->n);
	memset(p->c, 0, limbs * r->n * sizeof(uint64_t));
	p->ring = r;
	p->basis = b;
	p->limbs = p->cap = limbs;
	p->ntt = ntt;
	return HEC_OK;
}

void hec_poly_clear(hec_poly *p)
{
	if (!p)
		return;
	if (p->c) {
		explicit_bzero(p->c, p->cap * p->ring->n * sizeof(uint64_t));
		free(p->c);
	}
	memset(p, 0, sizeof *p);
}

hec_status hec_poly_copy(hec_poly *dst, const hec_poly *src)
{
	if (dst->ring != src->ring || dst->cap < src->limbs)
		return hec_error_set(HEC_ERR_ARG, "poly_copy: destination (capacity %zu limbs) cannot hold %zu limbs%s",
		                     dst->cap, src->limbs, dst->ring != src->ring ? " of another ring" : "");
	if (dst != src)
		memmove(dst->c, src->c, src->limbs * src->ring->n * sizeof(uint64_t));
	dst->basis = src->basis;
	dst->limbs = src->limbs;
	dst->ntt = src->ntt;
	return HEC_OK;
}

void hec_poly_zero(hec_poly *p)
{
	memset(p->c, 0, p->limbs * p->ring->n * sizeof(uint64_t));
}

void hec_poly_drop_limbs(hec_poly *p, size_t new_limbs)
{
	if (new_limbs && new_limbs < p->limbs)
		p->limbs = new_limbs;
}

/* Operands: same ring, basis and form as `a`, at least dst->limbs limbs.
 * dst takes a's basis and form; in_dst says dst is also an input. */
static hec_status check_ops(const char *op, const hec_poly *dst, const hec_poly *a, const hec_poly *b, bool in_dst,
                            bool need_ntt)
{
	const hec_poly *ops[3] = {a, b, in_dst ? dst : NULL};
	for (int i = 0; i < 3; i++) {
		const hec_poly *x = ops[i];
		if (!x)
			continue;
		if (x->ring != dst->ring || x->basis != a->basis || x->ntt != a->ntt)
			return hec_error_set(HEC_ERR_ARG, "%s: operands differ in ring, basis or form (coefficient/NTT)", op);
		if (x->limbs < dst->limbs)
			return hec_error_set(HEC_ERR_ARG, "%s: an operand has %zu limbs, the destination %zu", op,
			                     x->limbs, dst->limbs);
	}
	if (!dst->c || dst->basis != a->basis)
		return hec_error_set(HEC_ERR_ARG, "%s: the destination is not a polynomial of the operands' basis", op);
	if (need_ntt && !a->ntt)
		return hec_error_set(HEC_ERR_ARG, "%s: operands must be in NTT form; call hec_poly_ntt_fwd first", op);
	return HEC_OK;
}

#define PAR_LIMBS(p) HEC_OMP_FOR_IF((p)->limbs * (p)->ring->n >= HEC_OMP_MIN_WORDS)

hec_status hec_poly_add(hec_poly *dst, const hec_poly *a, const hec_poly *b)
{
	hec_status s = check_ops("poly_add", dst, a, b, false, false);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	for (size_t i = 0; i < dst->limbs; i++)
		hec_ntt_vec_add(hec_poly_limb(dst, i), hec_poly_limb(a, i), hec_poly_limb(b, i), n, hec_poly_mod(dst, i));
	dst->ntt = a->ntt;
	return HEC_OK;
}

hec_status hec_poly_sub(hec_poly *dst, const hec_poly *a, const hec_poly *b)
{
	hec_status s = check_ops("poly_sub", dst, a, b, false, false);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	for (size_t i = 0; i < dst->limbs; i++)
		hec_ntt_vec_sub(hec_poly_limb(dst, i), hec_poly_limb(a, i), hec_poly_limb(b, i), n, hec_poly_mod(dst, i));
	dst->ntt = a->ntt;
	return HEC_OK;
}

hec_status hec_poly_neg(hec_poly *dst, const hec_poly *a)
{
	hec_status s = check_ops("poly_neg", dst, a, NULL, false, false);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	for (size_t i = 0; i < dst->limbs; i++)
		hec_ntt_vec_neg(hec_poly_limb(dst, i), hec_poly_limb(a, i), n, hec_poly_mod(dst, i));
	dst->ntt = a->ntt;
	return HEC_OK;
}

hec_status hec_poly_mul(hec_poly *dst, const hec_poly *a, const hec_poly *b)
{
	hec_status s = check_ops("poly_mul", dst, a, b, false, true);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	PAR_LIMBS(dst)
	for (size_t i = 0; i < dst->limbs; i++)
		hec_ntt_vec_mul(hec_poly_limb(dst, i), hec_poly_limb(a, i), hec_poly_limb(b, i), n, hec_poly_mod(dst, i));
	dst->ntt = true;
	return HEC_OK;
}

hec_status hec_poly_mul_acc(hec_poly *dst, const hec_poly *a, const hec_poly *b)
{
	hec_status s = check_ops("poly_mul_acc", dst, a, b, true, true);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	/* Aliasing: vec_mul_acc reads a[k], b[k] and dst[k] before writing
	 * dst[k], so dst == a or dst == b is fine. */
	PAR_LIMBS(dst)
	for (size_t i = 0; i < dst->limbs; i++)
		hec_ntt_vec_mul_acc(hec_poly_limb(dst, i), hec_poly_limb(a, i), hec_poly_limb(b, i), n,
		                    hec_poly_mod(dst, i));
	return HEC_OK;
}

/* Products a b < q^2 < 2^122 for q < 2^61: 64 of them, plus a reduced
 * partial sum, stay below 2^128. */
#define DOT_CHUNK 64
/* Coefficients per pass: the 128-bit sums (4 KB) stay in L1 while every
 * term's operands stream through. */
#define DOT_BLOCK 256

/* 2^64 mod q with its Shoup quotient, and floor(2^64 / q), for
 * hec_reduce_u128_any. */
struct dot_consts {
	uint64_t q, r64, r64s, ones;
};

static struct dot_consts dot_consts_of(const hec_modulus_t *m)
{
	struct dot_consts c;
	c.q = m->q;
	c.r64 = hec_ntt_mod_add(hec_ntt_mod_reduce(UINT64_MAX, m), 1 % m->q, m->q);
	c.r64s = hec_ntt_shoup(c.r64, m->q);
	c.ones = hec_ntt_shoup(1 % m->q, m->q);
	return c;
}

/* One limb: d[o] = sum_j a'_j b[o]_j mod q for nout = 1 or 2 outputs
 * (a'_j = a_j permuted by perm if given), in blocks of coefficients; block
 * [k0, k0 + len) is written only after every term's block was read, so
 * d[o] may be any input other than a permuted a_j.  In: [0, q).  Out:
 * [0, q). */
void _hec_poly_dot_limb_ref(uint64_t *const *d, size_t nout, const uint64_t *const *a, const uint32_t *perm,
                            const uint64_t *const *const *b, size_t count, size_t n, const hec_modulus_t *m)
{
	const struct dot_consts c = dot_consts_of(m);
	hec_u128 acc[2][DOT_BLOCK];
	uint64_t xbuf[DOT_BLOCK];
	for (size_t k0 = 0; k0 < n; k0 += DOT_BLOCK) {
		const size_t len = n - k0 < DOT_BLOCK ? n - k0 : DOT_BLOCK;
		for (size_t j = 0; j < count; j++) {
			const uint64_t *x = a[j] + k0;
			if (perm) {
				for (size_t k = 0; k < len; k++)
					xbuf[k] = a[j][perm[k0 + k]];
				x = xbuf;
			}
			for (size_t o = 0; o < nout; o++) {
				const uint64_t *y = b[o][j] + k0;
				hec_u128 *ac = acc[o];
				if (j == 0) {
					for (size_t k = 0; k < len; k++)
						ac[k] = (hec_u128)x[k] * y[k];
				} else {
					for (size_t k = 0; k < len; k++)
						ac[k] += (hec_u128)x[k] * y[k];
				}
				if (j % DOT_CHUNK == DOT_CHUNK - 1 && j + 1 < count)
					for (size_t k = 0; k < len; k++)
						ac[k] = hec_reduce_u128_any(ac[k], c.q, c.r64, c.r64s, c.ones);
			}
		}
		for (size_t o = 0; o < nout; o++)
			for (size_t k = 0; k < len; k++)
				d[o][k0 + k] = hec_reduce_u128_any(acc[o][k], c.q, c.r64, c.r64s, c.ones);
	}
}

/* hec_poly_dot (nout = 1) and hec_poly_dot2 (nout = 2), with the Galois
 * element k applied to the a[j] (k = 0: none). */
static hec_status poly_dot(const char *op, hec_poly *const *dst, size_t nout, const hec_poly *a, uint64_t k,
                           const hec_poly *const *b, size_t count)
{
	if (!count || count > HEC_POLY_DOT_MAX)
		return hec_error_set(HEC_ERR_ARG, "%s: %zu terms; need 1 to %d", op, count, HEC_POLY_DOT_MAX);
	if (nout == 2 && (dst[0] == dst[1] || dst[0]->c == dst[1]->c || dst[0]->limbs != dst[1]->limbs))
		return hec_error_set(HEC_ERR_ARG, "%s: the two destinations are the same polynomial or differ in limbs", op);
	for (size_t o = 0; o < nout; o++) {
		for (size_t j = 0; j < count; j++) {
			hec_status s = check_ops(op, dst[o], &a[j], &b[o][j], false, true);
			if (s != HEC_OK)
				return s;
			if (a[j].basis != a[0].basis || a[j].ntt != a[0].ntt)
				return hec_error_set(HEC_ERR_ARG, "%s: term %zu differs from term 0 in basis or form", op, j);
			if (k && (dst[o] == &a[j] || dst[o]->c == a[j].c))
				return hec_error_set(HEC_ERR_ARG, "%s: a destination aliases a[%zu], which is permuted", op, j);
		}
	}
	hec_poly *d0 = dst[0];
	const size_t n = d0->ring->n;
	const uint32_t *perm = NULL;
	if (k) {
		if (!(k & 1))
			return hec_error_set(HEC_ERR_ARG, "%s: k = %llu is even; Galois elements are odd", op,
			                     (unsigned long long)k);
		k &= 2 * n - 1;
		if (k != 1 && !(perm = _hec_ring_galois_perm(d0->ring, k)))
			return hec_error_set(HEC_ERR_NOMEM, "%s: out of memory for the permutation of k = %llu", op,
			                     (unsigned long long)k);
	}
	PAR_LIMBS(d0)
	for (size_t i = 0; i < d0->limbs; i++) {
		const uint64_t *ap[HEC_POLY_DOT_MAX], *bp[2][HEC_POLY_DOT_MAX];
		const uint64_t *const *bpp[2] = {bp[0], bp[1]};
		uint64_t *dp[2] = {hec_poly_limb(d0, i), nout > 1 ? hec_poly_limb(dst[1], i) : NULL};
		for (size_t j = 0; j < count; j++) {
			ap[j] = hec_poly_limb(&a[j], i);
			for (size_t o = 0; o < nout; o++)
				bp[o][j] = hec_poly_limb(&b[o][j], i);
		}
#ifdef HECATE_HAVE_AVX2
		/* The AVX2 kernel wherever the limb's NTT uses a SIMD kernel
		 * (q < 2^50, a capable CPU, not forced portable). */
		if (hec_ntt_table_kernel(hec_poly_tab(d0, i)) != HEC_KERNEL_PORTABLE && n % 16 == 0) {
			_hec_poly_dot_limb_avx2(dp, nout, ap, perm, bpp, count, n, hec_poly_mod(d0, i));
			continue;
		}
#endif
		_hec_poly_dot_limb_ref(dp, nout, ap, perm, bpp, count, n, hec_poly_mod(d0, i));
	}
	for (size_t o = 0; o < nout; o++)
		dst[o]->ntt = true;
	return HEC_OK;
}

hec_status hec_poly_dot(hec_poly *dst, const hec_poly *a, const hec_poly *b, size_t count)
{
	return poly_dot("poly_dot", &dst, 1, a, 0, &b, count);
}

hec_status hec_poly_dot2(hec_poly *dst0, hec_poly *dst1, const hec_poly *a, const hec_poly *b0, const hec_poly *b1,
                         size_t count)
{
	hec_poly *dst[2] = {dst0, dst1};
	const hec_poly *b[2] = {b0, b1};
	return poly_dot("poly_dot2", dst, 2, a, 0, b, count);
}

hec_status hec_poly_dot_automorphism(hec_poly *dst, const hec_poly *a, uint64_t k, const hec_poly *b, size_t count)
{
	if (!k)
		return hec_error_set(HEC_ERR_ARG, "poly_dot_automorphism: k = 0 is even; Galois elements are odd");
	return poly_dot("poly_dot_automorphism", &dst, 1, a, k, &b, count);
}

hec_status hec_poly_dot2_automorphism(hec_poly *dst0, hec_poly *dst1, const hec_poly *a, uint64_t k,
                                      const hec_poly *b0, const hec_poly *b1, size_t count)
{
	if (!k)
		return hec_error_set(HEC_ERR_ARG, "poly_dot2_automorphism: k = 0 is even; Galois elements are odd");
	hec_poly *dst[2] = {dst0, dst1};
	const hec_poly *b[2] = {b0, b1};
	return poly_dot("poly_dot2_automorphism", dst, 2, a, k, b, count);
}

void _hec_vec_sub_mul_scalar_ref(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, size_t n,
                                 const hec_modulus_t *m)
{
	const uint64_t q = m->q, ws = hec_ntt_shoup(w, q);
	for (size_t k = 0; k < n; k++) {
		/* x - c + q in [1, 2q): Shoup's product accepts any 64-bit input. */
		uint64_t r = hec_ntt_mod_mul_shoup_lazy(x[k] - c[k] + q, w, ws, q);
		d[k] = r - (q & hec_mask_lt(q - 1, r));
	}
}

void _hec_vec_sub_mul_scalar(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, size_t n,
                             const hec_modulus_t *m, bool simd)
{
#ifdef HECATE_HAVE_AVX2
	if (simd && n % 4 == 0) {
		_hec_vec_sub_mul_scalar_avx2(d, x, c, w, n, m);
		return;
	}
#else
	(void)simd;
#endif
	_hec_vec_sub_mul_scalar_ref(d, x, c, w, n, m);
}

void _hec_vec_sub_mul_add_scalar_ref(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w,
                                     const uint64_t *y, uint64_t v, size_t n, const hec_modulus_t *m)
{
	const uint64_t q = m->q, ws = hec_ntt_shoup(w, q), vs = hec_ntt_shoup(v, q);
	for (size_t k = 0; k < n; k++) {
		uint64_t r = hec_ntt_mod_mul_shoup_lazy(x[k] - c[k] + q, w, ws, q); /* [0, 2q) */
		r += hec_ntt_mod_mul_shoup_lazy(y[k], v, vs, q);                     /* [0, 4q) */
		r -= (2 * q) & hec_mask_lt(2 * q - 1, r);
		d[k] = r - (q & hec_mask_lt(q - 1, r));
	}
}

void _hec_vec_sub_mul_add_scalar(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, const uint64_t *y,
                                 uint64_t v, size_t n, const hec_modulus_t *m, bool simd)
{
#ifdef HECATE_HAVE_AVX2
	if (simd && n % 4 == 0) {
		_hec_vec_sub_mul_add_scalar_avx2(d, x, c, w, y, v, n, m);
		return;
	}
#else
	(void)simd;
#endif
	_hec_vec_sub_mul_add_scalar_ref(d, x, c, w, y, v, n, m);
}

/* k mod q for a signed 64-bit k. */
static uint64_t i64_mod(int64_t k, const hec_modulus_t *m)
{
	/* |k| as unsigned even for INT64_MIN. */
	uint64_t mag = k < 0 ? (uint64_t)0 - (uint64_t)k : (uint64_t)k;
	uint64_t r = hec_ntt_mod_reduce(mag, m);
	return k < 0 ? hec_ntt_mod_neg(r, m->q) : r;
}

hec_status hec_poly_mul_int(hec_poly *dst, const hec_poly *a, int64_t k)
{
	hec_status s = check_ops("poly_mul_int", dst, a, NULL, false, false);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	for (size_t i = 0; i < dst->limbs; i++) {
		const hec_modulus_t *m = hec_poly_mod(dst, i);
		hec_ntt_vec_mul_scalar(hec_poly_limb(dst, i), hec_poly_limb(a, i), i64_mod(k, m), n, m);
	}
	dst->ntt = a->ntt;
	return HEC_OK;
}

hec_status hec_poly_mul_rns(hec_poly *dst, const hec_poly *a, const uint64_t *c)
{
	hec_status s = check_ops("poly_mul_rns", dst, a, NULL, false, false);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	for (size_t i = 0; i < dst->limbs; i++) {
		const hec_modulus_t *m = hec_poly_mod(dst, i);
		hec_ntt_vec_mul_scalar(hec_poly_limb(dst, i), hec_poly_limb(a, i), hec_ntt_mod_reduce(c[i], m), n, m);
	}
	dst->ntt = a->ntt;
	return HEC_OK;
}

hec_status hec_poly_add_rns(hec_poly *dst, const hec_poly *a, const uint64_t *c)
{
	hec_status s = check_ops("poly_add_rns", dst, a, NULL, false, false);
	if (s != HEC_OK)
		return s;
	const size_t n = dst->ring->n;
	for (size_t i = 0; i < dst->limbs; i++) {
		const hec_modulus_t *m = hec_poly_mod(dst, i);
		const uint64_t ci = hec_ntt_mod_reduce(c[i], m);
		uint64_t *d = hec_poly_limb(dst, i);
		const uint64_t *x = hec_poly_limb(a, i);
		if (d != x)
			memcpy(d, x, n * sizeof *d);
		if (a->ntt) {
			/* A constant evaluates to itself at every root. */
			for (size_t k = 0; k < n; k++)
				d[k] = hec_ntt_mod_add(d[k], ci, m->q);
		} else {
			d[0] = hec_ntt_mod_add(d[0], ci, m->q);
		}
	}
	dst->ntt = a->ntt;
	return HEC_OK;
}

void hec_poly_ntt_fwd(hec_poly *p)
{
	if (p->ntt)
		return;
	PAR_LIMBS(p)
	for (size_t i = 0; i < p->limbs; i++)
		hec_ntt_fwd(hec_poly_tab(p, i), hec_poly_limb(p, i), hec_poly_limb(p, i));
	p->ntt = true;
}

void hec_poly_ntt_inv(hec_poly *p)
{
	if (!p->ntt)
		return;
	PAR_LIMBS(p)
	for (size_t i = 0; i < p->limbs; i++)
		hec_ntt_inv(hec_poly_tab(p, i), hec_poly_limb(p, i), hec_poly_limb(p, i));
	p->ntt = false;
}

void hec_poly_set_i64(hec_poly *p, const int64_t *v)
{
	const size_t n = p->ring->n;
	for (size_t i = 0; i < p->limbs; i++) {
		const hec_modulus_t *m = hec_poly_mod(p, i);
		uint64_t *d = hec_poly_limb(p, i);
		for (size_t k = 0; k < n; k++) {
			/* Branch-free: the values may be secret. */
			uint64_t neg = (uint64_t)(v[k] >> 63);
			uint64_t mag = ((uint64_t)v[k] ^ neg) - neg;
			uint64_t r = hec_ntt_mod_reduce(mag, m);
			uint64_t nr = m->q - r; /* in (0, q]; r = 0 gives q, fixed below */
			r = (r & ~neg) | (nr & neg);
			d[k] = r - (m->q & hec_mask_lt(m->q - 1, r));
		}
	}
	p->ntt = false;
}
