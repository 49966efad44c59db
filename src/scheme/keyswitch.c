/* Hybrid key switching (Han, Ki, CT-RSA 2020; Kim, Polyakov, Zucca,
 * "Revisiting homomorphic encryption schemes for finite fields",
 * ASIACRYPT 2021, section 3).
 *
 * To switch d (mod Q_l) from s' to s: split Q_l's primes into digits of
 * alpha consecutive primes, raise each digit's residues [d]_{Q_j} to Q_l P
 * by approximate basis conversion, take the inner product with the key
 * (b_j, a_j) = (-a_j s + e_j + P Qhat_j [Qhat_j^-1]_{Q_j} s', a_j), and
 * divide by P with rounding.  The conversion's overflow u Q_j is killed by
 * the gadget factor (it becomes a multiple of P Q), so only the rounding
 * and the e_j terms remain: an error of about sqrt(dnum N) alpha-digit
 * size / P * sigma, below 1 when P exceeds every digit. */
#include <stdlib.h>

#include "internal.h"

hec_status _hec_keyswitch_raise(hec_evaluator *ev, const hec_poly *d)
{
	const hec_context *c = ev->ctx;
	size_t limbs = d->limbs, alpha = c->digit_size;
	size_t digits = (limbs + alpha - 1) / alpha;
	for (size_t j = 0; j < digits; j++) {
		hec_status s = _hec_poly_reserve(&ev->up_q[j], c->ring, HEC_BASIS_Q, limbs, true);
		if (s == HEC_OK)
			s = _hec_poly_reserve(&ev->up_p[j], c->ring, HEC_BASIS_P, c->params.np, true);
		if (s == HEC_OK)
			s = hec_poly_mod_up(&ev->up_q[j], &ev->up_p[j], d, j, alpha, ev->ws);
		if (s != HEC_OK)
			return s;
	}
	ev->ndigits = digits;
	return HEC_OK;
}

hec_status _hec_keyswitch_inner(hec_evaluator *ev, size_t level, const struct hec_switch_key *k, uint64_t galois)
{
	const hec_context *c = ev->ctx;
	const hec_ring *r = c->ring;
	size_t limbs = level + 1, K = c->params.np;
	hec_status s = HEC_OK;
	for (int h = 0; h < 2 && s == HEC_OK; h++) {
		s = _hec_poly_reserve(&ev->acc_q[h], r, HEC_BASIS_Q, limbs, true);
		if (s == HEC_OK)
			s = _hec_poly_reserve(&ev->acc_p[h], r, HEC_BASIS_P, K, true);
	}
	if (s != HEC_OK)
		return s;
	/* <raise(d), key_b> and <raise(d), key_a> over Q_l and P, each digit
	 * read once for both halves and the sums reduced once per coefficient.
	 * With a Galois element the raised digits are permuted on the fly: the
	 * automorphism commutes with the raise (both act coefficient-wise up
	 * to multiples of Q_j, which the gadget absorbs). */
	if (galois) {
		s = hec_poly_dot2_automorphism(&ev->acc_q[0], &ev->acc_q[1], ev->up_q, galois, k->bq, k->aq, ev->ndigits);
		if (s == HEC_OK)
			s = hec_poly_dot2_automorphism(&ev->acc_p[0], &ev->acc_p[1], ev->up_p, galois, k->bp, k->ap,
			                               ev->ndigits);
	} else {
		s = hec_poly_dot2(&ev->acc_q[0], &ev->acc_q[1], ev->up_q, k->bq, k->aq, ev->ndigits);
		if (s == HEC_OK)
			s = hec_poly_dot2(&ev->acc_p[0], &ev->acc_p[1], ev->up_p, k->bp, k->ap, ev->ndigits);
	}
	return s;
}

hec_status _hec_keyswitch_apply(hec_evaluator *ev, hec_poly *out0, hec_poly *out1, size_t level,
                                const struct hec_switch_key *k, uint64_t galois)
{
	const hec_ring *r = ev->ctx->ring;
	size_t limbs = level + 1;
	hec_status s = _hec_keyswitch_inner(ev, level, k, galois);
	if (s == HEC_OK)
		s = _hec_poly_reserve(out0, r, HEC_BASIS_Q, limbs, true);
	if (s == HEC_OK)
		s = _hec_poly_reserve(out1, r, HEC_BASIS_Q, limbs, true);
	if (s == HEC_OK)
		s = hec_poly_mod_down(out0, &ev->acc_q[0], &ev->acc_p[0], ev->ws);
	if (s == HEC_OK)
		s = hec_poly_mod_down(out1, &ev->acc_q[1], &ev->acc_p[1], ev->ws);
	return s;
}

hec_status hec_evaluator_new(hec_evaluator **out, const hec_context *c, const hec_eval_keys *ek)
{
	*out = NULL;
	if (ek && ek->ctx != c)
		return hec_error_set(HEC_ERR_MISMATCH, "evaluator: evaluation keys belong to another context");
	hec_evaluator *ev = calloc(1, sizeof *ev);
	if (!ev)
		return hec_error_set(HEC_ERR_NOMEM, "evaluator: out of memory");
	ev->ctx = c;
	ev->ek = ek;
	size_t dnum = c->params.dnum;
	ev->up_q = calloc(dnum, sizeof *ev->up_q);
	ev->up_p = calloc(dnum, sizeof *ev->up_p);
	hec_status s = hec_ring_workspace_new(&ev->ws, c->ring);
	if (s == HEC_OK && (!ev->up_q || !ev->up_p))
		s = hec_error_set(HEC_ERR_NOMEM, "evaluator: out of memory");
	if (s != HEC_OK) {
		hec_evaluator_free(ev);
		return s;
	}
	*out = ev;
	return HEC_OK;
}

hec_poly *_hec_ev_poly(hec_evaluator *ev, size_t idx, hec_basis b, size_t limbs)
{
	if (idx >= ev->npool) {
		size_t n = idx + 8;
		hec_poly **p = realloc(ev->pool, n * sizeof *p);
		if (!p) {
			hec_error_set(HEC_ERR_NOMEM, "evaluator: out of memory");
			return NULL;
		}
		for (size_t i = ev->npool; i < n; i++)
			p[i] = NULL;
		ev->pool = p;
		ev->npool = n;
	}
	if (!ev->pool[idx] && !(ev->pool[idx] = calloc(1, sizeof(hec_poly)))) {
		hec_error_set(HEC_ERR_NOMEM, "evaluator: out of memory");
		return NULL;
	}
	/* Keep the largest allocation: reserve by capacity, not shape. */
	hec_poly *p = ev->pool[idx];
	size_t cap = b == HEC_BASIS_Q ? ev->ctx->params.nq : ev->ctx->params.np;
	if (!p->c || p->basis != b) {
		if (_hec_poly_reserve(p, ev->ctx->ring, b, cap, true) != HEC_OK)
			return NULL;
	}
	p->limbs = limbs;
	p->ntt = true;
	return p;
}

hec_ciphertext *_hec_ev_ct(hec_evaluator *ev, size_t idx)
{
	if (idx >= ev->nctpool) {
		size_t n = idx + 4;
		hec_ciphertext **p = realloc(ev->ctpool, n * sizeof *p);
		if (!p) {
			hec_error_set(HEC_ERR_NOMEM, "evaluator: out of memory");
			return NULL;
		}
		for (size_t i = ev->nctpool; i < n; i++)
			p[i] = NULL;
		ev->ctpool = p;
		ev->nctpool = n;
	}
	if (!ev->ctpool[idx] && hec_ciphertext_new(&ev->ctpool[idx], ev->ctx) != HEC_OK)
		return NULL;
	return ev->ctpool[idx];
}

const hec_context *hec_evaluator_context(const hec_evaluator *ev)
{
	return ev->ctx;
}

const hec_eval_keys *hec_evaluator_keys(const hec_evaluator *ev)
{
	return ev->ek;
}

void hec_evaluator_free(hec_evaluator *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->npool; i++) {
		if (ev->pool[i])
			hec_poly_clear(ev->pool[i]);
		free(ev->pool[i]);
	}
	free(ev->pool);
	for (size_t i = 0; i < ev->nctpool; i++)
		hec_ciphertext_free(ev->ctpool[i]);
	free(ev->ctpool);
	for (size_t j = 0; ev->up_q && j < ev->ctx->params.dnum; j++) {
		hec_poly_clear(&ev->up_q[j]);
		hec_poly_clear(&ev->up_p[j]);
	}
	free(ev->up_q);
	free(ev->up_p);
	for (int h = 0; h < 2; h++) {
		hec_poly_clear(&ev->acc_q[h]);
		hec_poly_clear(&ev->acc_p[h]);
	}
	for (int i = 0; i < 4; i++)
		hec_poly_clear(&ev->tmp[i]);
	_hec_bfv_eval_free(ev->bfv);
	hec_ring_workspace_free(ev->ws);
	free(ev);
}
