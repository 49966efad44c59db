/* Slot rotations and conjugation by Galois automorphisms, single and
 * hoisted (Halevi, Shoup, "Faster homomorphic linear transformations in
 * HElib", CRYPTO 2018: one key-switching decomposition shared by many
 * rotations of the same ciphertext), and rotate-and-sum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static hec_status check_rot(const hec_evaluator *ev, const hec_ciphertext *a, const char *op)
{
	if (a->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: ciphertext belongs to another context", op);
	if (a->size != 2)
		return hec_error_set(HEC_ERR_ARG, "%s: relinearize the ciphertext first", op);
	return HEC_OK;
}

/* dst = a(X^g) switched back to s with key k. */
static hec_status apply_galois(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, uint64_t g,
                               const struct hec_switch_key *k)
{
	const hec_ring *r = ev->ctx->ring;
	size_t limbs = a->level + 1;
	hec_poly *t = &ev->tmp[2], *o1 = &ev->tmp[3];
	hec_status s;
	if ((s = _hec_poly_reserve(t, r, HEC_BASIS_Q, limbs, true)) != HEC_OK ||
	    (s = hec_poly_automorphism(t, &a->c[1], g)) != HEC_OK || (s = _hec_keyswitch_raise(ev, t)) != HEC_OK)
		return s;
	/* t is free again: reuse it for c0(X^g). */
	if ((s = hec_poly_automorphism(t, &a->c[0], g)) != HEC_OK)
		return s;
	double scale = a->scale;
	size_t level = a->level;
	if ((s = _hec_ciphertext_shape(dst, 2, level)) != HEC_OK ||
	    (s = _hec_keyswitch_apply(ev, &dst->c[0], o1, level, k, 0)) != HEC_OK)
		return s;
	hec_poly_add(&dst->c[0], &dst->c[0], t);
	hec_poly_copy(&dst->c[1], o1);
	dst->scale = scale;
	dst->seeded = false;
	return HEC_OK;
}

static int64_t normalise_step(const hec_evaluator *ev, int64_t step)
{
	int64_t slots = (int64_t)hec_context_slots(ev->ctx);
	step %= slots;
	return step < 0 ? step + slots : step;
}

hec_status hec_ckks_rotate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, int64_t step)
{
	hec_status s = check_rot(ev, a, "rotate");
	if (s != HEC_OK)
		return s;
	const hec_ring *r = ev->ctx->ring;
	int64_t slots = (int64_t)hec_context_slots(ev->ctx);
	step = normalise_step(ev, step);
	if (step == 0)
		return dst == a ? HEC_OK : hec_ciphertext_copy(dst, a);
	uint64_t g = hec_ring_galois_rotation(r, step);
	const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, g);
	if (k)
		return apply_galois(ev, dst, a, g, k);
	/* Compose from power-of-two keys: the binary digits of the step, or
	 * of slots - step rotating the other way, whichever keys exist. */
	for (int dir = 0; dir < 2; dir++) {
		int64_t rest = dir ? step - slots : step;
		int64_t mag = rest < 0 ? -rest : rest;
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
	                     "rotate: no Galois key for a rotation by %lld slots, and the power-of-two keys to "
	                     "compose it are missing too; generate keys for this step",
	                     (long long)step);
}

hec_status hec_ckks_conjugate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = check_rot(ev, a, "conjugate");
	if (s != HEC_OK)
		return s;
	uint64_t g = hec_ring_galois_conjugation(ev->ctx->ring);
	const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, g);
	if (!k)
		return hec_error_set(HEC_ERR_KEY, "conjugate: no conjugation key; generate evaluation keys with conj");
	return apply_galois(ev, dst, a, g, k);
}

hec_status hec_ckks_rotate_hoisted(hec_evaluator *ev, hec_ciphertext *const *dst, const hec_ciphertext *a,
                                   const int64_t *steps, size_t nsteps)
{
	hec_status s = check_rot(ev, a, "rotate_hoisted");
	if (s != HEC_OK)
		return s;
	const hec_ring *r = ev->ctx->ring;
	for (size_t i = 0; i < nsteps; i++) {
		if (dst[i] == a)
			return hec_error_set(HEC_ERR_ARG, "rotate_hoisted: output %zu aliases the input", i);
		int64_t st = normalise_step(ev, steps[i]);
		if (st && !_hec_eval_keys_find(ev->ek, hec_ring_galois_rotation(r, st)))
			return hec_error_set(HEC_ERR_KEY, "rotate_hoisted: no Galois key for step %lld", (long long)steps[i]);
	}
	/* One raise of c1 serves every rotation: the automorphism is applied
	 * to the raised digits instead. */
	if ((s = _hec_keyswitch_raise(ev, &a->c[1])) != HEC_OK)
		return s;
	for (size_t i = 0; i < nsteps; i++) {
		int64_t st = normalise_step(ev, steps[i]);
		if (st == 0) {
			if ((s = hec_ciphertext_copy(dst[i], a)) != HEC_OK)
				return s;
			continue;
		}
		uint64_t g = hec_ring_galois_rotation(r, st);
		hec_ciphertext *d = dst[i];
		if ((s = _hec_ciphertext_shape(d, 2, a->level)) != HEC_OK ||
		    (s = _hec_keyswitch_apply(ev, &d->c[0], &d->c[1], a->level, _hec_eval_keys_find(ev->ek, g), g)) != HEC_OK)
			return s;
		hec_poly *t = &ev->tmp[2];
		if ((s = _hec_poly_reserve(t, r, HEC_BASIS_Q, a->level + 1, true)) != HEC_OK ||
		    (s = hec_poly_automorphism(t, &a->c[0], g)) != HEC_OK)
			return s;
		hec_poly_add(&d->c[0], &d->c[0], t);
		d->scale = a->scale;
		d->seeded = false;
	}
	return HEC_OK;
}

hec_status hec_ckks_rotate_sum(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, size_t count,
                               int64_t stride)
{
	if (count == 0 || (count & (count - 1)))
		return hec_error_set(HEC_ERR_ARG, "rotate_sum: count %zu is not a power of two", count);
	hec_ciphertext *tmp = _hec_ev_ct(ev, 0);
	if (!tmp)
		return HEC_ERR_NOMEM;
	hec_status s = HEC_OK;
	if (dst != a)
		s = hec_ciphertext_copy(dst, a);
	for (size_t span = 1; span < count && s == HEC_OK; span <<= 1) {
		s = hec_ckks_rotate(ev, tmp, dst, (int64_t)span * stride);
		if (s == HEC_OK)
			s = hec_ckks_add(ev, dst, dst, tmp);
	}
	return s;
}
