/* BFV encoding.  A BFV plaintext is m in Z_t[X]/(X^N + 1), coefficients in
 * [0, t), stored in coefficient form in every limb of the plaintext's Q
 * polynomial (t < q_i, so the residue is the coefficient itself) at the top
 * level.
 *
 * Batching (Smart, Vercauteren, "Fully homomorphic SIMD operations", DCC
 * 2014; Brakerski, Gentry, Halevi, PKC 2013): when t is a prime = 1 mod 2N,
 * X^N + 1 splits into N linear factors mod t and m is determined by its N
 * values m(psi^e) at the odd powers of a primitive 2N-th root psi mod t.
 * Encoding is an inverse NTT mod t, decoding a forward one; the slot order
 * (bfv_context.c) makes X -> X^(5^s) rotate the rows of the 2 x N/2 slot
 * matrix and X -> X^(2N-1) swap them.
 *
 * Encryption puts round(Q m / t) into the ciphertext, the exact scaling
 * (not floor(Q / t) m): then t (c0 + c1 s) - Q m is t times the error, with
 * no [Q]_t m term, which is what gives a fresh ciphertext its full noise
 * budget. */
#include <stdlib.h>
#include <string.h>

#include "bfv_internal.h"

static hec_status check_bfv(const hec_context *c, const char *op)
{
	if (c->params.scheme != HEC_SCHEME_BFV)
		return hec_error_set(HEC_ERR_ARG, "%s: the context is not a BFV context", op);
	return HEC_OK;
}

bool hec_bfv_batching(const hec_context *c)
{
	return c->params.scheme == HEC_SCHEME_BFV && c->bfv->batching;
}

/* Give pt its BFV shape: every limb of Q, coefficient form, top level;
 * returns limb 0 for the caller to fill. */
static hec_status plain_shape(hec_plaintext *pt, uint64_t **limb0)
{
	const hec_context *c = pt->ctx;
	hec_status s = _hec_poly_reserve(&pt->m, c->ring, HEC_BASIS_Q, c->params.nq, false);
	if (s != HEC_OK)
		return s;
	pt->level = c->params.nq - 1;
	pt->scale = 1;
	*limb0 = hec_poly_limb(&pt->m, 0);
	return HEC_OK;
}

/* Copy limb 0 (values < t < q_i) to every other limb. */
static void plain_replicate(hec_plaintext *pt)
{
	size_t n = hec_context_n(pt->ctx);
	for (size_t i = 1; i < pt->m.limbs; i++)
		memcpy(hec_poly_limb(&pt->m, i), hec_poly_limb(&pt->m, 0), n * sizeof(uint64_t));
}

static hec_status check_plain(const hec_plaintext *pt, const char *op)
{
	hec_status s = check_bfv(pt->ctx, op);
	if (s != HEC_OK)
		return s;
	if (pt->m.ntt || pt->m.limbs != pt->ctx->params.nq)
		return hec_error_set(HEC_ERR_ARG, "%s: not a BFV plaintext (encode it with hec_bfv_encode or "
		                                  "hec_bfv_encode_coeffs, or decrypt into it)", op);
	return HEC_OK;
}

/* values[0..len) < t (or any int64 when `vi` is given, reduced mod t) into
 * limb 0 at the given positions (idx == NULL: coefficient i). */
static hec_status fill(hec_plaintext *pt, const uint64_t *vu, const int64_t *vi, size_t len, const uint32_t *idx,
                       const char *op)
{
	const hec_context *c = pt->ctx;
	size_t n = hec_context_n(c);
	uint64_t t = c->params.t;
	if (len > n)
		return hec_error_set(HEC_ERR_ARG, "%s: %zu values do not fit in N = %zu slots", op, len, n);
	for (size_t i = 0; vu && i < len; i++)
		if (vu[i] >= t)
			return hec_error_set(HEC_ERR_RANGE, "%s: value %zu = %llu is not below t = %llu", op, i,
			                     (unsigned long long)vu[i], (unsigned long long)t);
	uint64_t *m;
	hec_status s = plain_shape(pt, &m);
	if (s != HEC_OK)
		return s;
	memset(m, 0, n * sizeof *m);
	for (size_t i = 0; i < len; i++) {
		uint64_t v;
		if (vu)
			v = vu[i];
		else {
			int64_t r = vi[i] % (int64_t)t;
			v = r < 0 ? (uint64_t)(r + (int64_t)t) : (uint64_t)r;
		}
		m[idx ? idx[i] : i] = v;
	}
	return HEC_OK;
}

static hec_status encode(hec_plaintext *pt, const uint64_t *vu, const int64_t *vi, size_t len)
{
	const hec_context *c = pt->ctx;
	hec_status s = check_bfv(c, "bfv encode");
	if (s != HEC_OK)
		return s;
	if (!c->bfv->batching)
		return hec_error_set(HEC_ERR_UNSUPPORTED,
		                     "bfv encode: t = %llu is not a prime = 1 mod 2N = %zu, so there are no slots; use "
		                     "hec_bfv_encode_coeffs",
		                     (unsigned long long)c->params.t, 2 * hec_context_n(c));
	if ((s = fill(pt, vu, vi, len, c->bfv->slot_index, "bfv encode")) != HEC_OK)
		return s;
	uint64_t *m = hec_poly_limb(&pt->m, 0);
	hec_ntt_inv(c->bfv->tntt, m, m);
	plain_replicate(pt);
	return HEC_OK;
}

hec_status hec_bfv_encode(hec_plaintext *pt, const uint64_t *values, size_t len)
{
	return encode(pt, values, NULL, len);
}

hec_status hec_bfv_encode_int(hec_plaintext *pt, const int64_t *values, size_t len)
{
	return encode(pt, NULL, values, len);
}

hec_status hec_bfv_encode_coeffs(hec_plaintext *pt, const uint64_t *coeffs, size_t len)
{
	hec_status s = check_bfv(pt->ctx, "bfv encode_coeffs");
	if (s == HEC_OK)
		s = fill(pt, coeffs, NULL, len, NULL, "bfv encode_coeffs");
	if (s == HEC_OK)
		plain_replicate(pt);
	return s;
}

/* The slot values (or, without batching, nothing) of pt into out[0..len). */
static hec_status decode(uint64_t *vu, int64_t *vi, size_t len, const hec_plaintext *pt)
{
	const hec_context *c = pt->ctx;
	hec_status s = check_plain(pt, "bfv decode");
	if (s != HEC_OK)
		return s;
	size_t n = hec_context_n(c);
	uint64_t t = c->params.t;
	if (!c->bfv->batching)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "bfv decode: t = %llu has no slots; use hec_bfv_decode_coeffs",
		                     (unsigned long long)t);
	if (len > n)
		return hec_error_set(HEC_ERR_ARG, "bfv decode: %zu values requested of N = %zu slots", len, n);
	uint64_t *buf = malloc(n * sizeof *buf);
	if (!buf)
		return hec_error_set(HEC_ERR_NOMEM, "bfv decode: out of memory");
	hec_ntt_fwd(c->bfv->tntt, buf, hec_poly_limb(&pt->m, 0));
	for (size_t i = 0; i < len; i++) {
		uint64_t v = buf[c->bfv->slot_index[i]];
		if (vu)
			vu[i] = v;
		else
			vi[i] = v > t / 2 ? (int64_t)v - (int64_t)t : (int64_t)v;
	}
	explicit_bzero(buf, n * sizeof *buf);
	free(buf);
	return HEC_OK;
}

hec_status hec_bfv_decode(uint64_t *values, size_t len, const hec_plaintext *pt)
{
	return decode(values, NULL, len, pt);
}

hec_status hec_bfv_decode_int(int64_t *values, size_t len, const hec_plaintext *pt)
{
	return decode(NULL, values, len, pt);
}

hec_status hec_bfv_decode_coeffs(uint64_t *coeffs, size_t len, const hec_plaintext *pt)
{
	hec_status s = check_plain(pt, "bfv decode_coeffs");
	if (s != HEC_OK)
		return s;
	size_t n = hec_context_n(pt->ctx);
	if (len > n)
		return hec_error_set(HEC_ERR_ARG, "bfv decode_coeffs: %zu coefficients requested of N = %zu", len, n);
	memcpy(coeffs, hec_poly_limb(&pt->m, 0), len * sizeof *coeffs);
	return HEC_OK;
}

hec_status _hec_bfv_plain_check(hec_plaintext *pt)
{
	const uint64_t t = pt->ctx->params.t, *m = hec_poly_limb(&pt->m, 0);
	for (size_t x = 0; x < hec_context_n(pt->ctx); x++)
		if (m[x] >= t)
			return hec_error_set(HEC_ERR_RANGE, "deserialize: BFV plaintext coefficient %zu is %llu, not below t = %llu",
			                     x, (unsigned long long)m[x], (unsigned long long)t);
	plain_replicate(pt);
	return HEC_OK;
}

hec_status _hec_bfv_scaled_plain(hec_poly *dst, const hec_plaintext *pt, size_t limbs)
{
	const hec_context *c = pt->ctx;
	hec_status s = check_plain(pt, "bfv encrypt");
	if (s != HEC_OK)
		return s;
	if ((s = _hec_poly_reserve(dst, c->ring, HEC_BASIS_Q, limbs, false)) != HEC_OK)
		return s;
	const struct hec_bfv_level *v = &c->bfv->lv[limbs - 1];
	const size_t n = hec_context_n(c);
	const uint64_t t = c->params.t, r = v->qmod_t, half = t / 2;
	const uint64_t *m = hec_poly_limb(&pt->m, 0);
	/* The rounding term round(r m / t), r = Q mod t, into the last limb
	 * first (it is overwritten last). */
	uint64_t *corr = hec_poly_limb(dst, limbs - 1);
	if (t < (UINT64_C(1) << 32)) {
		for (size_t x = 0; x < n; x++)
			corr[x] = (r * m[x] + half) / t;
	} else {
		for (size_t x = 0; x < n; x++)
			corr[x] = (uint64_t)(((hec_u128)r * m[x] + half) / t);
	}
	/* limb i = delta_i m + corr mod q_i, the last limb last. */
	for (size_t i = 0; i < limbs; i++) {
		const hec_modulus_t *mq = hec_ring_q_mod(c->ring, i);
		const uint64_t d = v->delta[i], ds = hec_ntt_shoup(d, mq->q);
		uint64_t *out = hec_poly_limb(dst, i);
		for (size_t x = 0; x < n; x++)
			out[x] = hec_ntt_mod_add(hec_ntt_mod_mul_shoup(m[x], d, ds, mq->q), corr[x], mq->q);
	}
	hec_poly_ntt_fwd(dst);
	return HEC_OK;
}
