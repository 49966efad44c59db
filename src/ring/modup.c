/* ModUp for hybrid key switching: extend one digit of a Q polynomial to the
 * rest of Q and to the special basis P.
 *
 * Hybrid key switching (Han, Ki, "Better bootstrapping for approximate
 * homomorphic encryption", CT-RSA 2020, section 3; and Kim, Polyakov, Zucca,
 * "Revisiting homomorphic encryption schemes for finite fields",
 * ASIACRYPT 2021, for the RNS form with arbitrary digit sizes) splits the
 * level-l primes of Q into digits of `digit_size` consecutive primes.
 * Digit j's value, given by its own residues, is carried to every other
 * prime by the centered fast basis conversion (conv.c): the result is
 * x + e Q_j with x the centered digit value and |e| <= (primes in the
 * digit) / 2.  The digit's own limbs are copied, the others converted, so
 * dst_q and dst_p represent that value exactly in every prime of Q_l P. */
#include <string.h>

#include "ring_internal.h"

hec_status hec_poly_mod_up(hec_poly *dst_q, hec_poly *dst_p, const hec_poly *src, size_t digit,
                           size_t digit_size, hec_ring_workspace *w)
{
	const hec_ring *r = src->ring;
	hec_status s = _hec_ring_check_ws(r, w, "mod_up");
	if (s != HEC_OK)
		return s;
	if (!r->np)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "mod_up: the ring has no special primes (K = 0)");
	if (src->basis != HEC_BASIS_Q)
		return hec_error_set(HEC_ERR_ARG, "mod_up: the source must be a Q polynomial");
	const size_t limbs = src->limbs, K = r->np, n = r->n;
	if (!digit_size || digit >= (limbs + digit_size - 1) / digit_size)
		return hec_error_set(HEC_ERR_ARG, "mod_up: digit %zu of size %zu does not exist at level %zu", digit,
		                     digit_size, limbs - 1);
	if (dst_q->ring != r || dst_p->ring != r || dst_q->cap < limbs || dst_p->cap < K || dst_q == dst_p ||
	    dst_p == src)
		return hec_error_set(HEC_ERR_ARG, "mod_up: destinations of another ring, too small (%zu < %zu or "
		                     "%zu < %zu limbs) or aliased", dst_q->cap, limbs, dst_p->cap, K);
	const size_t b = digit * digit_size, e = b + digit_size < limbs ? b + digit_size : limbs, nd = e - b;
	const hec_rns_conv *cv = _hec_ring_modup_conv(r, b, e);
	if (!cv)
		return hec_error_set(HEC_ERR_NOMEM, "mod_up: out of memory for the converter of primes [%zu, %zu)", b, e);
	const bool ntt = src->ntt;

	/* The digit in coefficient form.  In coefficient form the source limbs
	 * are read in place: the conversion writes only the other limbs, so
	 * this holds even when dst_q == src. */
	const uint64_t *in[HEC_RING_MAX_PRIMES];
	uint64_t *coef = w->buf, *scratch = w->buf + nd * n;
	for (size_t i = 0; i < nd; i++)
		in[i] = ntt ? coef + i * n : hec_poly_limb(src, b + i);
	if (ntt) {
		HEC_OMP_FOR_IF(nd * n >= HEC_OMP_MIN_WORDS / 4)
		for (size_t i = 0; i < nd; i++)
			hec_ntt_inv(r->tab[b + i], coef + i * n, hec_poly_limb(src, b + i));
	}

	/* Converter targets: q_0..q_{b-1}, q_e..q_{L-1}, p_0..p_{K-1}; this
	 * level uses q_e..q_{limbs-1} of the middle group. */
	uint64_t *out[2 * HEC_RING_MAX_PRIMES];
	size_t sel[2 * HEC_RING_MAX_PRIMES], gidx[2 * HEC_RING_MAX_PRIMES], nsel = 0;
	for (size_t i = 0; i < limbs; i++) {
		if (i >= b && i < e)
			continue;
		sel[nsel] = i < b ? i : i - nd;
		gidx[nsel] = i;
		out[nsel++] = hec_poly_limb(dst_q, i);
	}
	for (size_t j = 0; j < K; j++) {
		sel[nsel] = r->nq - nd + j;
		gidx[nsel] = r->nq + j;
		out[nsel++] = dst_p->c + j * n;
	}
	_hec_rns_conv_apply_sel(cv, out, sel, nsel, in, scratch, HEC_CONV_CENTERED);
	if (dst_q != src)
		memcpy(hec_poly_limb(dst_q, b), hec_poly_limb(src, b), nd * n * sizeof(uint64_t));
	if (ntt) {
		HEC_OMP_FOR_IF(nsel * n >= HEC_OMP_MIN_WORDS / 4)
		for (size_t k = 0; k < nsel; k++)
			hec_ntt_fwd(r->tab[gidx[k]], out[k], out[k]);
	}
	dst_q->basis = HEC_BASIS_Q;
	dst_q->limbs = limbs;
	dst_q->ntt = ntt;
	dst_p->basis = HEC_BASIS_P;
	dst_p->limbs = K;
	dst_p->ntt = ntt;
	return HEC_OK;
}
