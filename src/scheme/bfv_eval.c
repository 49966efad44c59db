/* BFV homomorphic arithmetic besides the ciphertext product (bfv_mul.c):
 * additions, plaintext and constant operations, relinearisation, rotations
 * of the slot matrix, and modulus switching.
 *
 * BFV ciphertexts carry no scale, but their level matters more than in
 * CKKS: dropping a prime without dividing by it would multiply the message
 * by that prime mod t, so operands at different levels are brought
 * together by modulus switching (divide and round, Brakerski, Gentry,
 * Vaikuntanathan, ITCS 2012), never by truncation. */
#include <stdlib.h>
#include <string.h>

#include "bfv_internal.h"

hec_status _hec_bfv_eval_get(hec_evaluator *ev, struct hec_bfv_eval **out)
{
	if (!ev->bfv) {
		const hec_context *c = ev->ctx;
		struct hec_bfv_eval *b = calloc(1, sizeof *b);
		if (!b)
			return hec_error_set(HEC_ERR_NOMEM, "bfv evaluator: out of memory");
		hec_status s = hec_ciphertext_new(&b->tmp, c);
		if (s != HEC_OK) {
			_hec_bfv_eval_free(b);
			return s;
		}
		ev->bfv = b;
	}
	*out = ev->bfv;
	return HEC_OK;
}

void _hec_bfv_eval_free(struct hec_bfv_eval *b)
{
	if (!b)
		return;
	for (int i = 0; i < 2; i++) {
		hec_poly_clear(&b->aq[i]);
		hec_poly_clear(&b->ar[i]);
		hec_poly_clear(&b->bq[i]);
		hec_poly_clear(&b->br[i]);
	}
	for (int i = 0; i < 3; i++) {
		hec_poly_clear(&b->dq[i]);
		hec_poly_clear(&b->dr[i]);
	}
	hec_poly_clear(&b->pt);
	hec_ciphertext_free(b->tmp);
	free(b);
}

hec_status _hec_bfv_check_ct(const hec_evaluator *ev, const hec_ciphertext *a, const char *op)
{
	if (ev->ctx->params.scheme != HEC_SCHEME_BFV)
		return hec_error_set(HEC_ERR_ARG, "%s: not a BFV context", op);
	if (a->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: ciphertext belongs to another context", op);
	if (a->size < 2 || a->size > 3)
		return hec_error_set(HEC_ERR_ARG, "%s: ciphertext has %zu polynomials", op, a->size);
	return HEC_OK;
}

hec_status hec_bfv_mod_switch_to_level(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                       size_t level)
{
	hec_status s = _hec_bfv_check_ct(ev, a, "bfv mod_switch_to_level");
	if (s != HEC_OK)
		return s;
	if (dst->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "bfv mod_switch_to_level: destination belongs to another context");
	if (level > a->level)
		return hec_error_set(HEC_ERR_LEVEL, "bfv mod_switch_to_level: cannot raise level %zu to %zu", a->level,
		                     level);
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	/* c -> round(c / q_l), one prime at a time: t/Q' (c0' + c1' s) =
	 * t/Q (c0 + c1 s) + t/Q' (e0 + e1 s) with |e_i| <= 1/2, so the invariant
	 * noise grows by at most t (1 + |s|_1) / (2 Q') (BGV 2012, Lemma 4, in
	 * BFV's scale-invariant form). */
	while (dst->level > level) {
		for (size_t i = 0; i < dst->size; i++)
			if ((s = hec_poly_rescale(&dst->c[i], &dst->c[i], ev->ws)) != HEC_OK)
				return s;
		dst->level--;
	}
	if (level != a->level)
		dst->seeded = false; /* c1 is no longer the seed's expansion */
	return HEC_OK;
}

hec_status _hec_bfv_match_levels(hec_evaluator *ev, const hec_ciphertext **a, const hec_ciphertext **b)
{
	if ((*a)->level == (*b)->level)
		return HEC_OK;
	struct hec_bfv_eval *w;
	hec_status s = _hec_bfv_eval_get(ev, &w);
	if (s != HEC_OK)
		return s;
	const hec_ciphertext **hi = (*a)->level > (*b)->level ? a : b, *lo = hi == a ? *b : *a;
	if ((s = hec_bfv_mod_switch_to_level(ev, w->tmp, *hi, lo->level)) != HEC_OK)
		return s;
	*hi = w->tmp;
	return HEC_OK;
}

static hec_status add_sub(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b,
                          bool sub, const char *op)
{
	hec_status s;
	if ((s = _hec_bfv_check_ct(ev, a, op)) != HEC_OK || (s = _hec_bfv_check_ct(ev, b, op)) != HEC_OK)
		return s;
	if (dst->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: destination belongs to another context", op);
	if ((s = _hec_bfv_match_levels(ev, &a, &b)) != HEC_OK)
		return s;
	size_t level = a->level, sa = a->size, sb = b->size, size = sa > sb ? sa : sb;
	/* Shape dst without losing an aliased operand's third polynomial. */
	for (size_t i = 0; i < size; i++)
		if ((s = _hec_poly_reserve(&dst->c[i], ev->ctx->ring, HEC_BASIS_Q, level + 1, true)) != HEC_OK)
			return s;
	for (size_t i = 0; i < size && s == HEC_OK; i++) {
		if (i < sa && i < sb)
			s = sub ? hec_poly_sub(&dst->c[i], &a->c[i], &b->c[i]) : hec_poly_add(&dst->c[i], &a->c[i], &b->c[i]);
		else if (i < sa)
			s = dst == a ? HEC_OK : hec_poly_copy(&dst->c[i], &a->c[i]);
		else
			s = sub ? hec_poly_neg(&dst->c[i], &b->c[i]) : (dst == b ? HEC_OK : hec_poly_copy(&dst->c[i], &b->c[i]));
	}
	dst->size = size;
	dst->level = level;
	dst->scale = 1;
	dst->seeded = false;
	return s;
}

hec_status hec_bfv_add(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	return add_sub(ev, dst, a, b, false, "bfv add");
}

hec_status hec_bfv_sub(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	return add_sub(ev, dst, a, b, true, "bfv sub");
}

/* dst = copy of a (for the unary operations), checked. */
static hec_status unary_prep(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const char *op)
{
	hec_status s = _hec_bfv_check_ct(ev, a, op);
	if (s != HEC_OK)
		return s;
	if (dst->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: destination belongs to another context", op);
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_bfv_negate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = unary_prep(ev, dst, a, "bfv negate");
	for (size_t i = 0; s == HEC_OK && i < dst->size; i++)
		hec_poly_neg(&dst->c[i], &dst->c[i]);
	return s;
}

static hec_status check_pt(const hec_evaluator *ev, const hec_plaintext *pt, const char *op)
{
	if (pt->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: plaintext belongs to another context", op);
	if (pt->m.ntt || pt->m.limbs != ev->ctx->params.nq)
		return hec_error_set(HEC_ERR_ARG, "%s: not a BFV plaintext (encode it first)", op);
	return HEC_OK;
}

static hec_status add_sub_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                const hec_plaintext *pt, bool sub, const char *op)
{
	struct hec_bfv_eval *w;
	hec_status s = _hec_bfv_check_ct(ev, a, op);
	if (s != HEC_OK || (s = check_pt(ev, pt, op)) != HEC_OK || (s = _hec_bfv_eval_get(ev, &w)) != HEC_OK)
		return s;
	/* round(Q m / t) at a's level, added to c0: the noise does not grow
	 * beyond the rounding (1/2 per coefficient, t/(2Q) invariant). */
	if ((s = _hec_bfv_scaled_plain(&w->pt, pt, a->level + 1)) != HEC_OK || (s = unary_prep(ev, dst, a, op)) != HEC_OK)
		return s;
	return sub ? hec_poly_sub(&dst->c[0], &dst->c[0], &w->pt) : hec_poly_add(&dst->c[0], &dst->c[0], &w->pt);
}

hec_status hec_bfv_add_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt)
{
	return add_sub_plain(ev, dst, a, pt, false, "bfv add_plain");
}

hec_status hec_bfv_sub_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt)
{
	return add_sub_plain(ev, dst, a, pt, true, "bfv sub_plain");
}

hec_status hec_bfv_mul_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt)
{
	struct hec_bfv_eval *w;
	hec_status s = _hec_bfv_check_ct(ev, a, "bfv mul_plain");
	if (s != HEC_OK || (s = check_pt(ev, pt, "bfv mul_plain")) != HEC_OK || (s = _hec_bfv_eval_get(ev, &w)) != HEC_OK)
		return s;
	const hec_context *c = ev->ctx;
	const size_t n = hec_context_n(c), k = a->level + 1;
	const uint64_t t = c->params.t, half = t / 2;
	if ((s = _hec_poly_reserve(&w->pt, c->ring, HEC_BASIS_Q, k, false)) != HEC_OK)
		return s;
	/* m with centered coefficients in (-t/2, t/2]: the invariant noise
	 * grows by the factor |m|_1 <= N t / 2, half of what [0, t) gives. */
	const uint64_t *m = hec_poly_limb(&pt->m, 0);
	for (size_t i = 0; i < k; i++) {
		const uint64_t q = hec_ring_q(c->ring, i), lift = q - t;
		uint64_t *o = hec_poly_limb(&w->pt, i);
		for (size_t x = 0; x < n; x++)
			o[x] = m[x] > half ? m[x] + lift : m[x];
	}
	hec_poly_ntt_fwd(&w->pt);
	if ((s = unary_prep(ev, dst, a, "bfv mul_plain")) != HEC_OK)
		return s;
	for (size_t i = 0; i < dst->size; i++)
		hec_poly_mul(&dst->c[i], &dst->c[i], &w->pt);
	return HEC_OK;
}

hec_status hec_bfv_mul_const(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, uint64_t k)
{
	const uint64_t t = ev->ctx->params.t;
	if (k >= t)
		return hec_error_set(HEC_ERR_RANGE, "bfv mul_const: constant %llu is not below t = %llu",
		                     (unsigned long long)k, (unsigned long long)t);
	hec_status s = unary_prep(ev, dst, a, "bfv mul_const");
	/* The centered representative: noise grows by |k| <= t/2. */
	int64_t kc = k > t / 2 ? (int64_t)k - (int64_t)t : (int64_t)k;
	for (size_t i = 0; s == HEC_OK && i < dst->size; i++)
		s = hec_poly_mul_int(&dst->c[i], &dst->c[i], kc);
	return s;
}

hec_status hec_bfv_relinearize(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = unary_prep(ev, dst, a, "bfv relinearize");
	if (s != HEC_OK || dst->size == 2)
		return s;
	const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, 0);
	if (!k)
		return hec_error_set(HEC_ERR_KEY, "bfv relinearize: no relinearisation key; generate evaluation keys with "
		                                  "relin = true");
	/* c2 s^2 ~ o0 + o1 s by hybrid key switching (keyswitch.c). */
	hec_poly *o0 = &ev->tmp[2], *o1 = &ev->tmp[3];
	if ((s = _hec_keyswitch_raise(ev, &dst->c[2])) != HEC_OK ||
	    (s = _hec_keyswitch_apply(ev, o0, o1, dst->level, k, 0)) != HEC_OK)
		return s;
	hec_poly_add(&dst->c[0], &dst->c[0], o0);
	hec_poly_add(&dst->c[1], &dst->c[1], o1);
	dst->size = 2;
	return HEC_OK;
}

/* ---- Galois automorphisms ------------------------------------------------ */

/* dst = a(X^g) switched back to s with key k (a has 2 polynomials). */
static hec_status apply_galois(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, uint64_t g,
                               const struct hec_switch_key *k)
{
	const hec_ring *r = ev->ctx->ring;
	size_t level = a->level, limbs = level + 1;
	hec_poly *t = &ev->tmp[2];
	hec_status s;
	/* Key-switch c1(X^g) from s(X^g) to s; c0(X^g) needs no switching.
	 * Both halves of a are consumed (raised, or mapped into t) before dst
	 * is written, so dst may be a. */
	if ((s = _hec_poly_reserve(t, r, HEC_BASIS_Q, limbs, true)) != HEC_OK ||
	    (s = hec_poly_automorphism(t, &a->c[1], g)) != HEC_OK || (s = _hec_keyswitch_raise(ev, t)) != HEC_OK ||
	    (s = hec_poly_automorphism(t, &a->c[0], g)) != HEC_OK)
		return s;
	if ((s = _hec_ciphertext_shape(dst, 2, level)) != HEC_OK ||
	    (s = _hec_keyswitch_apply(ev, &dst->c[0], &dst->c[1], level, k, 0)) != HEC_OK)
		return s;
	hec_poly_add(&dst->c[0], &dst->c[0], t);
	dst->scale = 1;
	dst->seeded = false;
	return HEC_OK;
}

static hec_status check_rot(const hec_evaluator *ev, const hec_ciphertext *dst, const hec_ciphertext *a,
                            const char *op)
{
	hec_status s = _hec_bfv_check_ct(ev, a, op);
	if (s != HEC_OK)
		return s;
	if (dst->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: destination belongs to another context", op);
	if (a->size != 2)
		return hec_error_set(HEC_ERR_ARG, "%s: relinearize the ciphertext first", op);
	return HEC_OK;
}

hec_status hec_bfv_rotate_rows(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, int64_t step)
{
	hec_status s = check_rot(ev, dst, a, "bfv rotate_rows");
	if (s != HEC_OK)
		return s;
	const hec_ring *r = ev->ctx->ring;
	const int64_t cols = (int64_t)hec_context_n(ev->ctx) / 2;
	step %= cols;
	if (step < 0)
		step += cols;
	if (step == 0)
		return dst == a ? HEC_OK : hec_ciphertext_copy(dst, a);
	uint64_t g = hec_ring_galois_rotation(r, step);
	const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, g);
	if (k)
		return apply_galois(ev, dst, a, g, k);
	/* Compose from power-of-two steps (the binary digits of step, or of
	 * cols - step the other way), whichever set of keys exists. */
	for (int dir = 0; dir < 2; dir++) {
		int64_t rest = dir ? step - cols : step, mag = rest < 0 ? -rest : rest;
		bool ok = true;
		for (int64_t bit = 1; bit <= mag && ok; bit <<= 1)
			if ((mag & bit) && !_hec_eval_keys_find(ev->ek, hec_ring_galois_rotation(r, rest < 0 ? -bit : bit)))
				ok = false;
		if (!ok)
			continue;
		const hec_ciphertext *src = a;
		for (int64_t bit = 1; bit <= mag; bit <<= 1) {
			if (!(mag & bit))
				continue;
			uint64_t gb = hec_ring_galois_rotation(r, rest < 0 ? -bit : bit);
			if ((s = apply_galois(ev, dst, src, gb, _hec_eval_keys_find(ev->ek, gb))) != HEC_OK)
				return s;
			src = dst;
		}
		return HEC_OK;
	}
	return hec_error_set(HEC_ERR_KEY,
	                     "bfv rotate_rows: no Galois key for a row rotation by %lld (nor the power-of-two keys "
	                     "to compose it); generate evaluation keys with this step",
	                     (long long)step);
}

hec_status hec_bfv_swap_columns(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = check_rot(ev, dst, a, "bfv swap_columns");
	if (s != HEC_OK)
		return s;
	uint64_t g = hec_ring_galois_conjugation(ev->ctx->ring);
	const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, g);
	if (!k)
		return hec_error_set(HEC_ERR_KEY, "bfv swap_columns: no key for X -> X^(2N-1); generate evaluation keys "
		                                  "with conj = true");
	return apply_galois(ev, dst, a, g, k);
}
