/* ModDown for hybrid key switching: divide a Q_l P value by P and round.
 *
 * For x given by its residues in Q_l (x_q) and in P (x_p): the centered
 * fast conversion (conv.c) carries [x]_P's centered value x_c to Q_l as
 * x_c + e P with |e| <= K / 2, and x - x_c is divisible by P with
 * (x - x_c) / P = round(x / P).  Hence
 *   dst_i = (x_q,i - conv_i) * P^-1 mod q_i = round(x / P) - e,
 * so |dst - x / P| <= 1/2 + K/2 (Han, Ki, CT-RSA 2020, section 3; the
 * centered conversion halves the usual error of the unsigned one).
 *
 * Fused with rescaling (hec_poly_mod_down_rescale), the same with F = P q_l
 * in place of P, but with the exact conversion from (p_0..p_{K-1}, q_l) to
 * q_0..q_{l-1} (|e| <= (K + 1) / 2 would otherwise stay in the result
 * undivided; Jung, Kim, Ahn, Cheon, Lee, "Over 100x faster bootstrapping
 * in fully homomorphic encryption through memory-centric optimization with
 * GPUs", TCHES 2021, merge ModDown and the following rescale the same
 * way). */
#include <string.h>

#include "ring_internal.h"

hec_status hec_poly_mod_down(hec_poly *dst, const hec_poly *x_q, const hec_poly *x_p, hec_ring_workspace *w)
{
	const hec_ring *r = x_q->ring;
	hec_status s = _hec_ring_check_ws(r, w, "mod_down");
	if (s != HEC_OK)
		return s;
	if (!r->np)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "mod_down: the ring has no special primes (K = 0)");
	if (x_q->basis != HEC_BASIS_Q || x_p->basis != HEC_BASIS_P || x_p->ring != r || x_p->limbs != r->np ||
	    x_q->ntt != x_p->ntt)
		return hec_error_set(HEC_ERR_ARG, "mod_down: need a Q part and a full P part of the same ring and form");
	const size_t limbs = x_q->limbs, K = r->np, n = r->n;
	if (dst->ring != r || dst->cap < limbs || dst == x_p)
		return hec_error_set(HEC_ERR_ARG, "mod_down: the destination is of another ring, aliases the P part "
		                     "or holds %zu < %zu limbs", dst->cap, limbs);
	const bool ntt = x_q->ntt;
	uint64_t *pcoef = w->buf, *scratch = pcoef + K * n, *conv = scratch + K * n;

	const uint64_t *in[HEC_RING_MAX_PRIMES];
	for (size_t j = 0; j < K; j++)
		in[j] = ntt ? pcoef + j * n : x_p->c + j * n;
	if (ntt) {
		HEC_OMP_FOR_IF(K * n >= HEC_OMP_MIN_WORDS / 4)
		for (size_t j = 0; j < K; j++)
			hec_ntt_inv(r->tab[r->nq + j], pcoef + j * n, x_p->c + j * n);
	}
	uint64_t *out[HEC_RING_MAX_PRIMES];
	for (size_t i = 0; i < limbs; i++)
		out[i] = conv + i * n;
	/* The converter's targets are q_0..q_{L-1}; level l uses a prefix. */
	_hec_rns_conv_apply_sel(r->p_to_q, out, NULL, limbs, in, scratch, HEC_CONV_CENTERED);

	HEC_OMP_FOR_IF(limbs * n >= HEC_OMP_MIN_WORDS / 4)
	for (size_t i = 0; i < limbs; i++) {
		const hec_modulus_t *m = &r->mod[i];
		uint64_t *d = hec_poly_limb(dst, i);
		if (ntt)
			hec_ntt_fwd(r->tab[i], out[i], out[i]);
		/* (x - conv) P^-1 in one pass (SIMD where the limb's NTT is). */
		_hec_vec_sub_mul_scalar(d, hec_poly_limb(x_q, i), out[i], r->pinv[i], n, m,
		                        hec_ntt_table_kernel(r->tab[i]) != HEC_KERNEL_PORTABLE);
	}
	dst->basis = HEC_BASIS_Q;
	dst->limbs = limbs;
	dst->ntt = ntt;
	return HEC_OK;
}

hec_status hec_poly_mod_down_rescale(hec_poly *dst, const hec_poly *x_q, const hec_poly *x_p, const hec_poly *y,
                                     hec_ring_workspace *w)
{
	const hec_ring *r = x_q->ring;
	hec_status s = _hec_ring_check_ws(r, w, "mod_down_rescale");
	if (s != HEC_OK)
		return s;
	if (!r->np)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "mod_down_rescale: the ring has no special primes (K = 0)");
	if (x_q->basis != HEC_BASIS_Q || x_p->basis != HEC_BASIS_P || x_p->ring != r || x_p->limbs != r->np ||
	    x_q->ntt != x_p->ntt)
		return hec_error_set(HEC_ERR_ARG,
		                     "mod_down_rescale: need a Q part and a full P part of the same ring and form");
	const size_t limbs = x_q->limbs, K = r->np, n = r->n;
	if (limbs < 2)
		return hec_error_set(HEC_ERR_LEVEL, "mod_down_rescale: the Q part is at level 0; no prime left to divide by");
	const size_t l = limbs - 1;
	if (y && (y->ring != r || y->basis != HEC_BASIS_Q || y->limbs < limbs || y->ntt != x_q->ntt || y == x_p))
		return hec_error_set(HEC_ERR_ARG, "mod_down_rescale: the added polynomial must be a Q polynomial of the same "
		                     "ring and form with at least %zu limbs", limbs);
	if (dst->ring != r || dst->cap < l || dst == x_p || dst->c == x_p->c)
		return hec_error_set(HEC_ERR_ARG, "mod_down_rescale: the destination is of another ring, aliases the P "
		                     "part or holds %zu < %zu limbs", dst->cap, l);
	const hec_rns_conv *cv = _hec_ring_downresc_conv(r, l);
	if (!cv)
		return hec_error_set(HEC_ERR_NOMEM, "mod_down_rescale: out of memory for the converter of level %zu", l);
	const bool ntt = x_q->ntt;
	/* Workspace: the K + 1 source limbs in coefficient form, the
	 * conversion's scratch, the l converted limbs. */
	uint64_t *src = w->buf, *scratch = src + (K + 1) * n, *conv = scratch + (K + 1) * n;

	/* Sources: x's P limbs, and its q_l limb plus [P]_{q_l} y_l. */
	const uint64_t *in[HEC_RING_MAX_PRIMES + 1];
	for (size_t j = 0; j < K; j++)
		in[j] = ntt ? src + j * n : x_p->c + j * n;
	uint64_t *last = src + K * n;
	in[K] = last;
	const hec_modulus_t *ml = &r->mod[l];
	if (y) {
		uint64_t pm = 1;
		for (size_t j = 0; j < K; j++)
			pm = hec_ntt_mod_mul(pm, hec_ntt_mod_reduce(r->prime[r->nq + j], ml), ml);
		hec_ntt_vec_mul_scalar(last, hec_poly_limb(y, l), pm, n, ml);
		hec_ntt_vec_add(last, last, hec_poly_limb(x_q, l), n, ml);
	} else {
		memcpy(last, hec_poly_limb(x_q, l), n * sizeof *last);
	}
	if (ntt) {
		HEC_OMP_FOR_IF((K + 1) * n >= HEC_OMP_MIN_WORDS / 4)
		for (size_t j = 0; j <= K; j++) {
			if (j < K)
				hec_ntt_inv(r->tab[r->nq + j], src + j * n, x_p->c + j * n);
			else
				hec_ntt_inv(r->tab[l], last, last);
		}
	}
	uint64_t *out[HEC_RING_MAX_PRIMES];
	for (size_t i = 0; i < l; i++)
		out[i] = conv + i * n;
	_hec_rns_conv_apply_sel(cv, out, NULL, l, in, scratch, HEC_CONV_EXACT);

	HEC_OMP_FOR_IF(l * n >= HEC_OMP_MIN_WORDS / 4)
	for (size_t i = 0; i < l; i++) {
		const hec_modulus_t *m = &r->mod[i];
		const uint64_t qinv = r->resc_inv[l * r->nq + i]; /* q_l^-1 mod q_i */
		const bool simd = hec_ntt_table_kernel(r->tab[i]) != HEC_KERNEL_PORTABLE;
		if (ntt)
			hec_ntt_fwd(r->tab[i], out[i], out[i]);
		/* (x + P y - conv) (P q_l)^-1 = (x - conv) (P q_l)^-1 + y q_l^-1. */
		const uint64_t fi = hec_ntt_mod_mul(r->pinv[i], qinv, m);
		uint64_t *d = hec_poly_limb(dst, i);
		if (y)
			_hec_vec_sub_mul_add_scalar(d, hec_poly_limb(x_q, i), out[i], fi, hec_poly_limb(y, i), qinv, n, m, simd);
		else
			_hec_vec_sub_mul_scalar(d, hec_poly_limb(x_q, i), out[i], fi, n, m, simd);
	}
	dst->basis = HEC_BASIS_Q;
	dst->limbs = l;
	dst->ntt = ntt;
	return HEC_OK;
}
