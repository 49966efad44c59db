/* CKKS homomorphic arithmetic: additions, multiplications, relinearisation,
 * rescaling, level and scale management. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static hec_status check_ct(const hec_evaluator *ev, const hec_ciphertext *a, const char *op)
{
	if (a->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: ciphertext belongs to another context", op);
	if (ev->ctx->params.scheme != HEC_SCHEME_CKKS)
		return hec_error_set(HEC_ERR_ARG, "%s: not a CKKS context", op);
	return HEC_OK;
}

static bool scales_match(double a, double b)
{
	return fabs(a / b - 1) < 0x1p-30;
}

static hec_status scale_error(const char *op, double a, double b)
{
	return hec_error_set(HEC_ERR_LEVEL,
	                     "%s: operand scales 2^%.6f and 2^%.6f differ; rescale, or bring one to the "
	                     "other's scale with hec_ckks_match_scale",
	                     op, log2(a), log2(b));
}

static hec_status add_sub(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b,
                          bool sub, const char *op)
{
	hec_status s;
	if ((s = check_ct(ev, a, op)) != HEC_OK || (s = check_ct(ev, b, op)) != HEC_OK)
		return s;
	if (!scales_match(a->scale, b->scale))
		return scale_error(op, a->scale, b->scale);
	size_t level = a->level < b->level ? a->level : b->level;
	size_t size = a->size > b->size ? a->size : b->size;
	double scale = a->scale;
	size_t sa = a->size, sb = b->size;
	if ((s = _hec_ciphertext_shape(dst, size, level)) != HEC_OK)
		return s;
	for (size_t i = 0; i < size; i++) {
		if (i < sa && i < sb)
			s = sub ? hec_poly_sub(&dst->c[i], &a->c[i], &b->c[i]) : hec_poly_add(&dst->c[i], &a->c[i], &b->c[i]);
		else if (i < sa)
			s = dst == a ? HEC_OK : hec_poly_copy(&dst->c[i], &a->c[i]);
		else
			s = sub ? hec_poly_neg(&dst->c[i], &b->c[i]) : (dst == b ? HEC_OK : hec_poly_copy(&dst->c[i], &b->c[i]));
		if (s != HEC_OK)
			return s;
		hec_poly_drop_limbs(&dst->c[i], level + 1);
	}
	dst->scale = scale;
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_ckks_add(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	return add_sub(ev, dst, a, b, false, "add");
}

hec_status hec_ckks_sub(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	return add_sub(ev, dst, a, b, true, "sub");
}

hec_status hec_ckks_negate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = check_ct(ev, a, "negate");
	if (s != HEC_OK)
		return s;
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	for (size_t i = 0; i < dst->size; i++)
		hec_poly_neg(&dst->c[i], &dst->c[i]);
	dst->seeded = false;
	return HEC_OK;
}

/* dst = a (+/-) pt in c0; the plaintext must be at a's level or above. */
static hec_status add_sub_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                const hec_plaintext *pt, bool sub, const char *op)
{
	hec_status s = check_ct(ev, a, op);
	if (s != HEC_OK)
		return s;
	if (pt->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: plaintext belongs to another context", op);
	if (!scales_match(a->scale, pt->scale))
		return scale_error(op, a->scale, pt->scale);
	size_t level = a->level < pt->level ? a->level : pt->level;
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	for (size_t i = 0; i < dst->size; i++)
		hec_poly_drop_limbs(&dst->c[i], level + 1);
	dst->level = level;
	s = sub ? hec_poly_sub(&dst->c[0], &dst->c[0], &pt->m) : hec_poly_add(&dst->c[0], &dst->c[0], &pt->m);
	dst->seeded = false;
	return s;
}

hec_status hec_ckks_add_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt)
{
	return add_sub_plain(ev, dst, a, pt, false, "add_plain");
}

hec_status hec_ckks_sub_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt)
{
	return add_sub_plain(ev, dst, a, pt, true, "sub_plain");
}

/* Residues of round(x) mod each prime of Q up to `limbs`, x any finite
 * double (exact: x = mant 2^e). */
static void residues_of(uint64_t *out, double x, const hec_ring *r, size_t limbs)
{
	double rx = round(x);
	int e;
	double f = frexp(fabs(rx), &e);
	uint64_t mant = (uint64_t)ldexp(f, 53);
	e -= 53;
	if (e < 0) {
		mant >>= -e;
		e = 0;
	}
	for (size_t i = 0; i < limbs; i++) {
		const hec_modulus_t *m = hec_ring_q_mod(r, i);
		uint64_t v = hec_ntt_mod_reduce(mant, m);
		if (e)
			v = hec_ntt_mod_mul(v, hec_ntt_mod_pow(2 % m->q, (uint64_t)e, m), m);
		out[i] = rx < 0 ? hec_ntt_mod_neg(v, m->q) : v;
	}
}

/* Constant c in every slot as a plaintext at the given level and scale. */
static hec_status const_plain(hec_plaintext **pt, const hec_context *c, double complex v, size_t level, double scale)
{
	hec_status s = hec_plaintext_new(pt, c);
	if (s != HEC_OK)
		return s;
	size_t slots = hec_context_slots(c);
	double complex *vals = malloc(slots * sizeof *vals);
	if (!vals) {
		hec_plaintext_free(*pt);
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < slots; i++)
		vals[i] = v;
	s = hec_ckks_encode(*pt, vals, slots, slots, level, scale);
	free(vals);
	if (s != HEC_OK)
		hec_plaintext_free(*pt);
	return s;
}

hec_status hec_ckks_add_const(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double complex c)
{
	hec_status s = check_ct(ev, a, "add_const");
	if (s != HEC_OK)
		return s;
	if (cimag(c) != 0) {
		hec_plaintext *pt;
		if ((s = const_plain(&pt, ev->ctx, c, a->level, a->scale)) != HEC_OK)
			return s;
		s = hec_ckks_add_plain(ev, dst, a, pt);
		hec_plaintext_free(pt);
		return s;
	}
	/* A real constant is the constant polynomial round(c * scale): in
	 * NTT form, that residue in every slot. */
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	uint64_t res[HEC_PARAMS_MAX_Q];
	residues_of(res, creal(c) * a->scale, ev->ctx->ring, a->level + 1);
	dst->seeded = false;
	return hec_poly_add_rns(&dst->c[0], &dst->c[0], res);
}

hec_status hec_ckks_mul(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	hec_status s;
	if ((s = check_ct(ev, a, "mul")) != HEC_OK || (s = check_ct(ev, b, "mul")) != HEC_OK)
		return s;
	if (a->size != 2 || b->size != 2)
		return hec_error_set(HEC_ERR_ARG, "mul: operands must have 2 polynomials; relinearize first");
	size_t level = a->level < b->level ? a->level : b->level;
	double scale = a->scale * b->scale;
	if ((s = _hec_ciphertext_shape(dst, 3, level)) != HEC_OK)
		return s;
	/* (a0 + a1 s)(b0 + b1 s) = a0 b0 + (a0 b1 + a1 b0) s + a1 b1 s^2, each
	 * output written after the last read of the input it may alias (dst
	 * may be a or b; shaping keeps their limbs): c2 first, then c1 in
	 * place over a1 (or b1) while a0 and b0 are intact, then c0.  A square
	 * takes 2 a0 a1, one product fewer. */
	hec_poly_mul(&dst->c[2], &a->c[1], &b->c[1]);
	if (a == b) {
		hec_poly_mul(&dst->c[1], &a->c[0], &a->c[1]);
		hec_poly_add(&dst->c[1], &dst->c[1], &dst->c[1]);
	} else if (dst == b) {
		hec_poly_mul(&dst->c[1], &b->c[1], &a->c[0]);
		hec_poly_mul_acc(&dst->c[1], &a->c[1], &b->c[0]);
	} else {
		hec_poly_mul(&dst->c[1], &a->c[1], &b->c[0]);
		hec_poly_mul_acc(&dst->c[1], &a->c[0], &b->c[1]);
	}
	hec_poly_mul(&dst->c[0], &a->c[0], &b->c[0]);
	dst->scale = scale;
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_ckks_square(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = hec_ckks_mul(ev, dst, a, a);
	return s == HEC_OK ? hec_ckks_relinearize(ev, dst, dst) : s;
}

hec_status hec_ckks_relinearize(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = check_ct(ev, a, "relinearize");
	if (s != HEC_OK)
		return s;
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	if (dst->size == 2)
		return HEC_OK;
	const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, 0);
	if (!k)
		return hec_error_set(HEC_ERR_KEY, "relinearize: no relinearisation key; generate evaluation keys with relin");
	hec_poly *o0 = &ev->tmp[2], *o1 = &ev->tmp[3];
	if ((s = _hec_keyswitch_raise(ev, &dst->c[2])) != HEC_OK ||
	    (s = _hec_keyswitch_apply(ev, o0, o1, dst->level, k, 0)) != HEC_OK)
		return s;
	hec_poly_add(&dst->c[0], &dst->c[0], o0);
	hec_poly_add(&dst->c[1], &dst->c[1], o1);
	dst->size = 2;
	return HEC_OK;
}

hec_status hec_ckks_mul_relin(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b)
{
	hec_status s = hec_ckks_mul(ev, dst, a, b);
	return s == HEC_OK ? hec_ckks_relinearize(ev, dst, dst) : s;
}

/* The key switch's ModDown and the rescale share one conversion
 * (hec_poly_mod_down_rescale): (c_h + <raise(c2), key_h>) / (P q_l) in one
 * step, with the tensor's c_h as the part added before the division. */
hec_status hec_ckks_mul_relin_rescale(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                      const hec_ciphertext *b)
{
	hec_status s = hec_ckks_mul(ev, dst, a, b);
	if (s != HEC_OK)
		return s;
	if (dst->level == 0)
		return hec_error_set(HEC_ERR_LEVEL, "mul_relin_rescale: the product is at level 0; no prime left to divide by");
	const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, 0);
	if (!k)
		return hec_error_set(HEC_ERR_KEY, "mul_relin_rescale: no relinearisation key; generate evaluation keys with "
		                     "relin");
	if ((s = _hec_keyswitch_raise(ev, &dst->c[2])) != HEC_OK ||
	    (s = _hec_keyswitch_inner(ev, dst->level, k, 0)) != HEC_OK)
		return s;
	for (int h = 0; h < 2 && s == HEC_OK; h++)
		s = hec_poly_mod_down_rescale(&dst->c[h], &ev->acc_q[h], &ev->acc_p[h], &dst->c[h], ev->ws);
	if (s != HEC_OK)
		return s;
	dst->scale /= (double)hec_ring_q(ev->ctx->ring, dst->level);
	dst->level--;
	dst->size = 2;
	return HEC_OK;
}

hec_status hec_ckks_mul_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt)
{
	hec_status s = check_ct(ev, a, "mul_plain");
	if (s != HEC_OK)
		return s;
	if (pt->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "mul_plain: plaintext belongs to another context");
	size_t level = a->level < pt->level ? a->level : pt->level;
	double scale = a->scale * pt->scale;
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	for (size_t i = 0; i < dst->size; i++) {
		hec_poly_drop_limbs(&dst->c[i], level + 1);
		hec_poly_mul(&dst->c[i], &dst->c[i], &pt->m);
	}
	dst->level = level;
	dst->scale = scale;
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_ckks_mul_const(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double complex c,
                              double const_scale)
{
	hec_status s = check_ct(ev, a, "mul_const");
	if (s != HEC_OK)
		return s;
	if (const_scale == 0)
		const_scale = (double)hec_ring_q(ev->ctx->ring, a->level);
	if (!(const_scale > 0) || !isfinite(const_scale) || !isfinite(creal(c)) || !isfinite(cimag(c)))
		return hec_error_set(HEC_ERR_ARG, "mul_const: constant and scale must be finite, scale positive");
	if (cimag(c) != 0) {
		hec_plaintext *pt;
		if ((s = const_plain(&pt, ev->ctx, c, a->level, const_scale)) != HEC_OK)
			return s;
		s = hec_ckks_mul_plain(ev, dst, a, pt);
		hec_plaintext_free(pt);
		return s;
	}
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	uint64_t res[HEC_PARAMS_MAX_Q];
	residues_of(res, creal(c) * const_scale, ev->ctx->ring, a->level + 1);
	for (size_t i = 0; i < dst->size; i++)
		hec_poly_mul_rns(&dst->c[i], &dst->c[i], res);
	dst->scale = a->scale * const_scale;
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_ckks_mul_int(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, int64_t k)
{
	hec_status s = check_ct(ev, a, "mul_int");
	if (s != HEC_OK)
		return s;
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	for (size_t i = 0; i < dst->size; i++)
		hec_poly_mul_int(&dst->c[i], &dst->c[i], k);
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_ckks_rescale(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a)
{
	hec_status s = check_ct(ev, a, "rescale");
	if (s != HEC_OK)
		return s;
	if (a->level == 0)
		return hec_error_set(HEC_ERR_LEVEL, "rescale: the ciphertext is at level 0; no prime left to divide by");
	/* Out of place, straight from a's polynomials (no copy first). */
	const size_t size = a->size, level = a->level;
	const double scale = a->scale / (double)hec_ring_q(ev->ctx->ring, level);
	if (dst != a && (s = _hec_ciphertext_shape(dst, size, level - 1)) != HEC_OK)
		return s;
	for (size_t i = 0; i < size; i++)
		if ((s = hec_poly_rescale(&dst->c[i], &a->c[i], ev->ws)) != HEC_OK)
			return s;
	dst->size = size;
	dst->level = level - 1;
	dst->scale = scale;
	dst->seeded = false;
	return HEC_OK;
}

hec_status hec_ckks_drop_to_level(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, size_t level)
{
	hec_status s = check_ct(ev, a, "drop_to_level");
	if (s != HEC_OK)
		return s;
	if (level > a->level)
		return hec_error_set(HEC_ERR_LEVEL, "drop_to_level: cannot raise level %zu to %zu", a->level, level);
	if (dst != a && (s = hec_ciphertext_copy(dst, a)) != HEC_OK)
		return s;
	for (size_t i = 0; i < dst->size; i++)
		hec_poly_drop_limbs(&dst->c[i], level + 1);
	/* A seeded c1 stays a prefix of the seed's expansion. */
	dst->level = level;
	return HEC_OK;
}

hec_status hec_ckks_match_scale(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double scale)
{
	hec_status s = check_ct(ev, a, "match_scale");
	if (s != HEC_OK)
		return s;
	if (a->level == 0)
		return hec_error_set(HEC_ERR_LEVEL, "match_scale: needs one level; the ciphertext is at level 0");
	/* Multiply by 1 at scale target * q_l / scale_a, then divide by q_l. */
	double q = (double)hec_ring_q(ev->ctx->ring, a->level);
	if ((s = hec_ckks_mul_const(ev, dst, a, 1.0, scale * q / a->scale)) != HEC_OK)
		return s;
	if ((s = hec_ckks_rescale(ev, dst, dst)) != HEC_OK)
		return s;
	dst->scale = scale; /* exact up to the rounding of the constant */
	return HEC_OK;
}
