/* The BFV ciphertext product in RNS form.
 *
 * BFV multiplies (a0 + a1 s)(b0 + b1 s) over the integers and scales the
 * three coefficients of s^0, s^1, s^2 by t / Q with rounding (Fan,
 * Vercauteren, ePrint 2012/144).  The integers exceed Q, so the product is
 * formed in a larger RNS basis Q u R.  Halevi, Polyakov and Shoup ("An
 * improved RNS variant of the BFV homomorphic encryption scheme", CT-RSA
 * 2019, section 4) extend both operands exactly from Q to Q u R, multiply,
 * scale by t / Q into R and extend back to Q.  Kim, Polyakov and Zucca
 * ("Revisiting homomorphic encryption schemes for finite fields",
 * ASIACRYPT 2021, section 4) scale the second operand by R / Q up front
 * instead, b' = round(R b / Q), so the product a b' ~ (R / Q) a b is divided
 * by R rather than Q: the final scaling round(t a b' / R) lands in Q
 * directly, and any wrap-around of the product modulo Q R disappears in it
 * (a multiple of Q R becomes a multiple of t Q).  R only needs to exceed
 * Q t (bfv_context.c) for the rounding of b' to cost a few bits of noise at
 * most: |t a (b' - R b / Q) / R| <= t N Q / (2 R).
 *
 * Steps at level l (k primes of Q, m of R), the operands in NTT form:
 *   1. a: inverse NTT, exact extension Q -> R (HPS floating-point
 *      correction, hec_rns_conv_apply_exact), NTT over R;
 *   2. b: inverse NTT, b' = round(R b / Q) over Q and R in one pass
 *      (bfv_internal.h), NTT over Q and R;
 *   3. the tensor (a0 b0', a0 b1' + a1 b0', a1 b1') pointwise over Q u R;
 *   4. inverse NTT over Q u R, round(t x / R) into Q, NTT over Q. */
#include <stdlib.h>
#include <string.h>

#include "bfv_internal.h"

#define BLOCK 64

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

/* b' = round(R x / Q) for coefficients [x0, x0 + len) of x (k limbs), into
 * outq (k limbs, may alias in) and outr (m limbs). */
static void scale_rq_block(const struct hec_bfv_ctx *b, const struct hec_bfv_level *v, uint64_t *const *outq,
                           uint64_t *const *outr, const uint64_t *const *in, size_t x0, size_t len)
{
	const size_t k = v->k, m = b->m;
	uint64_t y[HEC_PARAMS_MAX_Q * BLOCK], rnd[BLOCK], over[BLOCK];
	double est[BLOCK];
	for (size_t x = 0; x < len; x++)
		est[x] = 0;
	for (size_t i = 0; i < k; i++) {
		const uint64_t q = hec_ring_q(b->ring, i), a = v->sc_ainv[i], as = v->sc_ainv_shoup[i];
		const double qi = v->sc_qinv[i];
		const uint64_t *src = in[i] + x0;
		uint64_t *yi = y + i * BLOCK;
		for (size_t x = 0; x < len; x++) {
			yi[x] = hec_ntt_mod_mul_shoup(src[x], a, as, q);
			est[x] += (double)yi[x] * qi;
		}
	}
	for (size_t x = 0; x < len; x++) {
		/* v = round(sum y_i / q_i) makes x centered (est >= 0). */
		over[x] = (uint64_t)(est[x] + 0.5);
		rnd[x] = round_fixed(y + x, BLOCK, v->sc_gfrac, k);
	}
	for (size_t j = 0; j < k + m; j++) {
		const uint64_t *g = v->sc_g + j * k, neg_r = v->sc_rmod[j];
		uint64_t p, r64, r64s, ones, *out;
		if (j < k) {
			p = hec_ring_q(b->ring, j);
			r64 = b->q_r64[j], r64s = b->q_r64_shoup[j], ones = b->q_one_shoup[j];
			out = outq[j] + x0;
		} else {
			p = hec_ring_q(b->aux, j - k);
			r64 = b->r_r64[j - k], r64s = b->r_r64_shoup[j - k], ones = b->r_one_shoup[j - k];
			out = outr[j - k] + x0;
		}
		for (size_t x = 0; x < len; x++) {
			hec_u128 acc = (hec_u128)rnd[x] + (hec_u128)over[x] * neg_r;
			for (size_t i = 0; i < k; i++)
				acc += (hec_u128)y[i * BLOCK + x] * g[i];
			out[x] = _hec_bfv_reduce128(acc, p, r64, r64s, ones);
		}
	}
}

/* round(t x / R) mod q_i for x given over Q (dq, k limbs, overwritten) and
 * R (dr, m limbs), coefficients [x0, x0 + len). */
static void scale_tr_block(const struct hec_bfv_ctx *b, const struct hec_bfv_level *v, uint64_t *const *dq,
                           const uint64_t *const *dr, size_t x0, size_t len)
{
	const size_t k = v->k, m = b->m;
	uint64_t y[HEC_RING_MAX_PRIMES * BLOCK], rnd[BLOCK];
	for (size_t j = 0; j < m; j++)
		memcpy(y + j * BLOCK, dr[j] + x0, len * sizeof *y);
	for (size_t x = 0; x < len; x++)
		rnd[x] = round_fixed(y + x, BLOCK, v->tr_psi, m);
	for (size_t i = 0; i < k; i++) {
		const uint64_t q = hec_ring_q(b->ring, i), self = v->tr_self[i];
		const uint64_t r64 = b->q_r64[i], r64s = b->q_r64_shoup[i], ones = b->q_one_shoup[i];
		const uint64_t *bi = v->tr_b + i * m;
		uint64_t *io = dq[i] + x0;
		for (size_t x = 0; x < len; x++) {
			hec_u128 acc = (hec_u128)io[x] * self + rnd[x];
			for (size_t j = 0; j < m; j++)
				acc += (hec_u128)y[j * BLOCK + x] * bi[j];
			io[x] = _hec_bfv_reduce128(acc, q, r64, r64s, ones);
		}
	}
}

static void scale_rq(const struct hec_bfv_ctx *b, const struct hec_bfv_level *v, hec_poly *outq, hec_poly *outr,
                     const hec_poly *in)
{
	uint64_t *oq[HEC_PARAMS_MAX_Q], *or_[HEC_RING_MAX_PRIMES], *ip[HEC_PARAMS_MAX_Q];
	limb_ptrs(oq, outq);
	limb_ptrs(or_, outr);
	limb_ptrs(ip, in);
	const size_t n = hec_ring_n(b->ring), nb = (n + BLOCK - 1) / BLOCK;
	HEC_BFV_OMP_FOR_IF(n * (v->k + b->m) >= (1u << 15))
	for (size_t blk = 0; blk < nb; blk++) {
		size_t x0 = blk * BLOCK, len = n - x0 < BLOCK ? n - x0 : BLOCK;
		scale_rq_block(b, v, oq, or_, (const uint64_t *const *)ip, x0, len);
	}
	outq->ntt = outr->ntt = false;
}

static void scale_tr(const struct hec_bfv_ctx *b, const struct hec_bfv_level *v, hec_poly *dq, const hec_poly *dr)
{
	uint64_t *q[HEC_PARAMS_MAX_Q], *r[HEC_RING_MAX_PRIMES];
	limb_ptrs(q, dq);
	limb_ptrs(r, dr);
	const size_t n = hec_ring_n(b->ring), nb = (n + BLOCK - 1) / BLOCK;
	HEC_BFV_OMP_FOR_IF(n * (v->k + b->m) >= (1u << 15))
	for (size_t blk = 0; blk < nb; blk++) {
		size_t x0 = blk * BLOCK, len = n - x0 < BLOCK ? n - x0 : BLOCK;
		scale_tr_block(b, v, q, (const uint64_t *const *)r, x0, len);
	}
}

/* p = the inverse NTT of src (Q, k limbs). */
static hec_status coeff_copy(hec_poly *p, const hec_ring *r, const hec_poly *src, size_t k)
{
	hec_status s = _hec_poly_reserve(p, r, HEC_BASIS_Q, k, true);
	if (s != HEC_OK)
		return s;
	memcpy(p->c, src->c, k * hec_ring_n(r) * sizeof *p->c);
	hec_poly_ntt_inv(p);
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
		uint64_t *dst[HEC_RING_MAX_PRIMES], *src[HEC_PARAMS_MAX_Q];
		if ((s = coeff_copy(&w->aq[h], r, &a->c[h], k)) != HEC_OK ||
		    (s = _hec_poly_reserve(&w->ar[h], aux, HEC_BASIS_Q, m, false)) != HEC_OK)
			return s;
		limb_ptrs(dst, &w->ar[h]);
		limb_ptrs(src, &w->aq[h]);
		hec_rns_conv_apply_exact(v->q_to_r, dst, (const uint64_t *const *)src, w->scratch);
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

hec_status hec_bfv_mul(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	hec_status s;
	if ((s = _hec_bfv_check_ct(ev, a, "bfv mul")) != HEC_OK || (s = _hec_bfv_check_ct(ev, b, "bfv mul")) != HEC_OK)
		return s;
	if (dst->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "bfv mul: destination belongs to another context");
	if (a->size != 2 || b->size != 2)
		return hec_error_set(HEC_ERR_ARG, "bfv mul: operands must have 2 polynomials; relinearize first");
	struct hec_bfv_eval *w;
	if ((s = _hec_bfv_eval_get(ev, &w)) != HEC_OK || (s = _hec_bfv_match_levels(ev, &a, &b)) != HEC_OK)
		return s;
	if ((s = _hec_bfv_tensor(ev, w->dq, a, b)) != HEC_OK)
		return s;
	size_t level = a->level;
	/* The results live in the scratch polynomials: exchange them with
	 * dst's (same ring and basis), which become the next scratch. */
	for (int i = 0; i < 3; i++) {
		hec_poly_ntt_fwd(&w->dq[i]);
		swap_poly(&dst->c[i], &w->dq[i]);
	}
	dst->size = 3;
	dst->level = level;
	dst->scale = 1;
	dst->seeded = false;
	return HEC_OK;
}
