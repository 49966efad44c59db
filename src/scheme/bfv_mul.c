/* The BFV ciphertext product in RNS form.
 *
 * BFV multiplies (a0 + a1 s)(b0 + b1 s) over the integers and scales the
 * three coefficients of s^0, s^1, s^2 by t / Q with rounding (Fan,
 * Vercauteren, ePrint 2012/144).  The integers exceed Q, so the product is
 * formed in a larger RNS basis Q u R.  Halevi, Polyakov and Shoup ("An
 * improved RNS variant of the BFV homomorphic encryption scheme", CT-RSA
 * 2019) extend both operands exactly from Q to Q u R, multiply, scale by
 * t / Q into R and extend back to Q.  Kim, Polyakov and Zucca ("Revisiting
 * homomorphic encryption schemes for finite fields", ASIACRYPT 2021) scale
 * the second operand by R / Q up front instead, b' = round(R b / Q), so the
 * product a b' ~ (R / Q) a b is divided by R rather than Q: the final
 * scaling round(t a b' / R) lands in Q directly, and any wrap-around of the
 * product modulo Q R disappears in it (a multiple of Q R becomes a
 * multiple of t Q).  The rounding of b' costs |t a (b' - R b / Q) / R| <=
 * t N Q / (2 R) per component, far below the product's own noise for
 * R >= Q sqrt(N) 2^4 (bfv_context.c; the test checks it against GMP).
 *
 * Steps at level l (k primes of Q, m of R), the operands in NTT form:
 *   1. a: inverse NTT, exact extension Q -> R (HPS's floating-point
 *      correction of the CRT overflow), NTT over R;
 *   2. b: inverse NTT, b' = round(R b / Q) over Q and R in one pass, NTT
 *      over Q and R;
 *   3. the tensor (a0 b0', a0 b1' + a1 b0', a1 b1') pointwise over Q u R;
 *   4. inverse NTT over Q u R, round(t x / R) into Q, NTT over Q (for
 *      mul_relin, the third polynomial goes to key switching as it is).
 * Each conversion of 1, 2 and 4 is one linear combination of prepared rows
 * per target prime (bfv_internal.h), computed by the kernel twins of
 * bfv_kernel.c / bfv_avx2.c over blocks of 64 coefficients, the blocks
 * spread over OpenMP threads. */
#include <stdlib.h>
#include <string.h>

#include "bfv_internal.h"

#define BLOCK HEC_BFV_BLOCK

/* Pointers to a polynomial's limbs. */
static void limb_ptrs(uint64_t **out, const hec_poly *p)
{
	for (size_t i = 0; i < p->limbs; i++)
		out[i] = hec_poly_limb(p, i);
}

/* round(sum_i y_i f_i / 2^64) for 64-bit fixed-point fractions f_i: the
 * integer parts and the fractional parts are summed apart so that no
 * 128-bit sum can overflow. */
static inline uint64_t round_fixed(const uint64_t *y, size_t stride, const uint64_t *f, size_t cnt)
{
	hec_u128 ip = 0, fp = 0;
	for (size_t i = 0; i < cnt; i++) {
		hec_u128 p = (hec_u128)y[i * stride] * f[i];
		ip += p >> 64;
		fp += (uint64_t)p;
	}
	return (uint64_t)(ip + (fp >> 64) + ((uint64_t)fp >> 63));
}

/* The rows of a conversion from x (k limbs): y_i and v (the kernel twins
 * prep), and with `frac` the rounding term round(sum_i y_i g_i) of the
 * R / Q scaling at row k (and k + 1: its 32-bit halves, if split). */
static void prep_y(const struct hec_bfv_ctx *b, uint64_t *rows, const struct hec_bfv_level *v,
                   const uint64_t *const *in, size_t x0, size_t len, bool frac, size_t vrow)
{
	const size_t k = v->k;
	b->prep(rows, in, x0, len, v, vrow);
	if (frac) {
		for (size_t x = 0; x < len; x++) {
			uint64_t rnd = round_fixed(rows + x, BLOCK, v->sc_gfrac, k);
			rows[k * BLOCK + x] = v->srq_split ? rnd & 0xffffffffu : rnd;
			if (v->srq_split)
				rows[(k + 1) * BLOCK + x] = rnd >> 32;
		}
	}
}

/* Exact extension of the centered x (k limbs, coefficient form) to R. */
static void extend_qr(const struct hec_bfv_ctx *b, const struct hec_bfv_level *v, hec_poly *outr, const hec_poly *in)
{
	uint64_t *o[HEC_RING_MAX_PRIMES], *ip[HEC_PARAMS_MAX_Q];
	limb_ptrs(o, outr);
	limb_ptrs(ip, in);
	const size_t n = hec_ring_n(b->ring), nb = (n + BLOCK - 1) / BLOCK;
	HEC_BFV_OMP_FOR_IF(n * (v->k + b->m) >= (1u << 15))
	for (size_t blk = 0; blk < nb; blk++) {
		uint64_t rows[(HEC_PARAMS_MAX_Q + 3) * BLOCK];
		size_t x0 = blk * BLOCK, len = n - x0 < BLOCK ? n - x0 : BLOCK;
		const uint64_t *rp[HEC_PARAMS_MAX_Q + 3];
		prep_y(b, rows, v, (const uint64_t *const *)ip, x0, len, false, v->k);
		for (size_t i = 0; i < v->ext.nr; i++)
			rp[i] = rows + i * BLOCK;
		b->lincomb(o, x0, rp, NULL, &v->ext, len);
	}
	outr->ntt = false;
}

/* b' = round(R x / Q) over Q (outq, may alias in) and R (outr). */
static void scale_rq(const struct hec_bfv_ctx *b, const struct hec_bfv_level *v, hec_poly *outq, hec_poly *outr,
                     const hec_poly *in)
{
	uint64_t *o[HEC_PARAMS_MAX_Q + HEC_RING_MAX_PRIMES], *ip[HEC_PARAMS_MAX_Q];
	limb_ptrs(o, outq);
	limb_ptrs(o + v->k, outr);
	limb_ptrs(ip, in);
	const size_t n = hec_ring_n(b->ring), nb = (n + BLOCK - 1) / BLOCK;
	HEC_BFV_OMP_FOR_IF(n * (v->k + b->m) >= (1u << 15))
	for (size_t blk = 0; blk < nb; blk++) {
		uint64_t rows[(HEC_PARAMS_MAX_Q + 3) * BLOCK];
		size_t x0 = blk * BLOCK, len = n - x0 < BLOCK ? n - x0 : BLOCK;
		/* The block's inputs are all read into rows before any output of
		 * the block is written: outq may alias in. */
		const uint64_t *rp[HEC_PARAMS_MAX_Q + 3];
		prep_y(b, rows, v, (const uint64_t *const *)ip, x0, len, true, v->srq.nr - 1);
		for (size_t i = 0; i < v->srq.nr; i++)
			rp[i] = rows + i * BLOCK;
		b->lincomb(o, x0, rp, NULL, &v->srq, len);
	}
	outq->ntt = outr->ntt = false;
}

/* round(t x / R) mod q_i for x given over Q (dq, k limbs, overwritten) and
 * R (dr, m limbs). */
static void scale_tr(const struct hec_bfv_ctx *b, const struct hec_bfv_level *v, hec_poly *dq, const hec_poly *dr)
{
	uint64_t *q[HEC_PARAMS_MAX_Q], *r[HEC_RING_MAX_PRIMES];
	limb_ptrs(q, dq);
	limb_ptrs(r, dr);
	const size_t n = hec_ring_n(b->ring), nb = (n + BLOCK - 1) / BLOCK, m = b->m;
	HEC_BFV_OMP_FOR_IF(n * (v->k + m) >= (1u << 15))
	for (size_t blk = 0; blk < nb; blk++) {
		uint64_t lo[BLOCK], hi[BLOCK];
		const uint64_t *rp[HEC_RING_MAX_PRIMES + 2];
		size_t x0 = blk * BLOCK, len = n - x0 < BLOCK ? n - x0 : BLOCK;
		for (size_t j = 0; j < m; j++)
			rp[j] = r[j] + x0;
		for (size_t x = 0; x < len; x++) {
			uint64_t rnd = round_fixed(r[0] + x0 + x, n, v->tr_psi, m); /* limb j is n words after limb j - 1 */
			lo[x] = v->str_split ? rnd & 0xffffffffu : rnd;
			hi[x] = rnd >> 32;
		}
		rp[m] = lo;
		rp[m + 1] = hi; /* a row only when split (str.nr = m + 2) */
		/* Target i's own row is x_i itself, read before it is
		 * overwritten (same coefficient). */
		b->lincomb(q, x0, rp, (const uint64_t *const *)q, &v->str, len);
	}
}

/* p = the inverse NTT of src (Q, k limbs), out of place. */
static hec_status coeff_copy(hec_poly *p, const hec_ring *r, const hec_poly *src, size_t k)
{
	hec_status s = _hec_poly_reserve(p, r, HEC_BASIS_Q, k, false);
	if (s != HEC_OK)
		return s;
	const size_t n = hec_ring_n(r);
	HEC_BFV_OMP_FOR_IF(k * n >= (1u << 15))
	for (size_t i = 0; i < k; i++)
		hec_ntt_inv(hec_ring_q_ntt(r, i), hec_poly_limb(p, i), hec_poly_limb(src, i));
	return HEC_OK;
}

static void swap_poly(hec_poly *a, hec_poly *b)
{
	hec_poly t = *a;
	*a = *b;
	*b = t;
}

hec_status _hec_bfv_tensor(hec_evaluator *ev, hec_poly dq[3], const hec_ciphertext *a, const hec_ciphertext *b)
{
	const hec_context *c = ev->ctx;
	const struct hec_bfv_ctx *bc = c->bfv;
	struct hec_bfv_eval *w;
	hec_status s = _hec_bfv_eval_get(ev, &w);
	if (s != HEC_OK)
		return s;
	const size_t level = a->level, k = level + 1, m = bc->m;
	const struct hec_bfv_level *v = &bc->lv[level];
	const hec_ring *r = c->ring, *aux = bc->aux;
	/* 1. a over R: exact extension of the centered coefficients. */
	for (int h = 0; h < 2; h++) {
		if ((s = coeff_copy(&w->aq[h], r, &a->c[h], k)) != HEC_OK ||
		    (s = _hec_poly_reserve(&w->ar[h], aux, HEC_BASIS_Q, m, false)) != HEC_OK)
			return s;
		extend_qr(bc, v, &w->ar[h], &w->aq[h]);
		hec_poly_ntt_fwd(&w->ar[h]);
	}
	/* 2. b' = round(R b / Q) over Q and R (a squaring reuses a's
	 * coefficients). */
	for (int h = 0; h < 2; h++) {
		const hec_poly *src = &w->aq[h];
		if (b != a) {
			if ((s = coeff_copy(&w->bq[h], r, &b->c[h], k)) != HEC_OK)
				return s;
			src = &w->bq[h];
		} else if ((s = _hec_poly_reserve(&w->bq[h], r, HEC_BASIS_Q, k, false)) != HEC_OK) {
			return s;
		}
		if ((s = _hec_poly_reserve(&w->br[h], aux, HEC_BASIS_Q, m, false)) != HEC_OK)
			return s;
		scale_rq(bc, v, &w->bq[h], &w->br[h], src);
		hec_poly_ntt_fwd(&w->bq[h]);
		hec_poly_ntt_fwd(&w->br[h]);
	}
	/* 3. The tensor over Q (a in NTT form as given) and over R. */
	for (int i = 0; i < 3; i++)
		if ((s = _hec_poly_reserve(&dq[i], r, HEC_BASIS_Q, k, true)) != HEC_OK ||
		    (s = _hec_poly_reserve(&w->dr[i], aux, HEC_BASIS_Q, m, true)) != HEC_OK)
			return s;
	hec_poly_mul(&dq[0], &a->c[0], &w->bq[0]);
	hec_poly_mul(&dq[1], &a->c[0], &w->bq[1]);
	hec_poly_mul_acc(&dq[1], &a->c[1], &w->bq[0]);
	hec_poly_mul(&dq[2], &a->c[1], &w->bq[1]);
	hec_poly_mul(&w->dr[0], &w->ar[0], &w->br[0]);
	hec_poly_mul(&w->dr[1], &w->ar[0], &w->br[1]);
	hec_poly_mul_acc(&w->dr[1], &w->ar[1], &w->br[0]);
	hec_poly_mul(&w->dr[2], &w->ar[1], &w->br[1]);
	/* 4. Back to coefficients, divide by R / t with rounding into Q. */
	for (int i = 0; i < 3; i++) {
		hec_poly_ntt_inv(&dq[i]);
		hec_poly_ntt_inv(&w->dr[i]);
		scale_tr(bc, v, &dq[i], &w->dr[i]);
	}
	return HEC_OK;
}

static hec_status mul_common(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b,
                             bool relin, const char *op)
{
	hec_status s;
	if ((s = _hec_bfv_check_ct(ev, a, op)) != HEC_OK || (s = _hec_bfv_check_ct(ev, b, op)) != HEC_OK)
		return s;
	if (dst->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: destination belongs to another context", op);
	if (a->size != 2 || b->size != 2)
		return hec_error_set(HEC_ERR_ARG, "%s: operands must have 2 polynomials; relinearize first", op);
	const struct hec_switch_key *k = relin ? _hec_eval_keys_find(ev->ek, 0) : NULL;
	if (relin && !k)
		return hec_error_set(HEC_ERR_KEY, "%s: no relinearisation key; generate evaluation keys with relin = true",
		                     op);
	struct hec_bfv_eval *w;
	if ((s = _hec_bfv_eval_get(ev, &w)) != HEC_OK || (s = _hec_bfv_match_levels(ev, &a, &b)) != HEC_OK)
		return s;
	if ((s = _hec_bfv_tensor(ev, w->dq, a, b)) != HEC_OK)
		return s;
	size_t level = a->level, size = 3;
	hec_poly_ntt_fwd(&w->dq[0]);
	hec_poly_ntt_fwd(&w->dq[1]);
	if (relin) {
		/* c2 s^2 ~ o0 + o1 s, raising c2 straight from coefficient form
		 * (ModUp of a coefficient-form input needs no inverse NTTs, and
		 * c2 itself is never needed in NTT form). */
		hec_poly *o0 = &ev->tmp[2], *o1 = &ev->tmp[3];
		if ((s = _hec_keyswitch_raise(ev, &w->dq[2])) != HEC_OK)
			return s;
		for (size_t j = 0; j < ev->ndigits; j++) {
			hec_poly_ntt_fwd(&ev->up_q[j]);
			hec_poly_ntt_fwd(&ev->up_p[j]);
		}
		if ((s = _hec_keyswitch_apply(ev, o0, o1, level, k, 0)) != HEC_OK)
			return s;
		hec_poly_add(&w->dq[0], &w->dq[0], o0);
		hec_poly_add(&w->dq[1], &w->dq[1], o1);
		size = 2;
	} else {
		hec_poly_ntt_fwd(&w->dq[2]);
	}
	/* The results live in the scratch polynomials: exchange them with
	 * dst's (same ring and basis), which become the next scratch. */
	for (size_t i = 0; i < size; i++)
		swap_poly(&dst->c[i], &w->dq[i]);
	dst->size = size;
	dst->level = level;
	dst->scale = 1;
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_bfv_mul(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	return mul_common(ev, dst, a, b, false, "bfv mul");
}

hec_status hec_bfv_mul_relin(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	return mul_common(ev, dst, a, b, true, "bfv mul_relin");
}
