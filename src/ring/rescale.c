/* Rescaling by the last prime: dst = round(src / q_l), level l -> l - 1.
 *
 * With r the centered representative of src mod q_l (in [-(q_l-1)/2,
 * (q_l-1)/2]), src - r is divisible by q_l and (src - r) / q_l is src / q_l
 * rounded to the nearest integer.  In RNS: dst_i = (src_i - [r]_{q_i}) *
 * q_l^-1 mod q_i (the RNS form of the CKKS rescale; Cheon, Han, Kim, Kim,
 * Song, "A full RNS variant of approximate homomorphic encryption", SAC
 * 2018).  For t = src mod q_l in [0, q_l), r = t - q_l when t > q_l / 2, so
 * [r]_{q_i} = [t]_{q_i} + (q_i - [q_l]_{q_i}) when t > q_l / 2: a
 * branch-free select, no signed arithmetic.
 *
 * In NTT form the last limb is brought back to coefficients once, then r is
 * transformed with each remaining prime's table; the subtraction and the
 * multiplication by q_l^-1 (Shoup) are fused into one pass that also absorbs
 * the lazy NTT's [0, 4q) output range. */
#include <string.h>

#include "ring_internal.h"

/* [r]_{q_i} in [0, 2q) for t in [0, q_l), given adj = q_i - [q_l]_{q_i}. */
static inline uint64_t centered_residue(uint64_t t, uint64_t half, uint64_t adj, bool small, const hec_modulus_t *m)
{
	/* small: q_l < 2 q_i, so t < 2 q_i needs one conditional subtraction. */
	uint64_t v = small ? t - (m->q & hec_mask_lt(m->q - 1, t)) : hec_ntt_mod_reduce(t, m);
	return v + (adj & hec_mask_lt(half, t));
}

hec_status hec_poly_rescale(hec_poly *dst, const hec_poly *src, hec_ring_workspace *w)
{
	const hec_ring *r = src->ring;
	hec_status s = _hec_ring_check_ws(r, w, "rescale");
	if (s != HEC_OK)
		return s;
	if (src->basis != HEC_BASIS_Q || src->limbs < 2)
		return hec_error_set(HEC_ERR_LEVEL, "rescale: the source has %zu limb(s) in basis %s; need a Q polynomial "
		                     "at level >= 1", src->limbs, src->basis == HEC_BASIS_Q ? "Q" : "P");
	if (dst->ring != r || dst->cap < src->limbs - 1)
		return hec_error_set(HEC_ERR_ARG, "rescale: the destination is of another ring or holds %zu < %zu limbs",
		                     dst->cap, src->limbs - 1);
	const size_t n = r->n, l = src->limbs - 1, nq = r->nq;
	const uint64_t ql = r->prime[l], half = ql / 2;
	const bool ntt = src->ntt;
	const uint64_t *last = hec_poly_limb(src, l);
	if (ntt) {
		hec_ntt_inv(r->tab[l], w->buf, last);
		last = w->buf;
	}
	/* In coefficient form `last` stays in src: dst only writes limbs < l,
	 * so even dst == src leaves it intact. */
	HEC_OMP_FOR_IF(l * n >= HEC_OMP_MIN_WORDS / 4)
	for (size_t i = 0; i < l; i++) {
		const hec_modulus_t *m = &r->mod[i];
		const uint64_t q = m->q, inv = r->resc_inv[l * nq + i], invs = r->resc_inv_shoup[l * nq + i];
		const uint64_t adj = q - r->resc_ql[l * nq + i];
		const bool small = ql < 2 * q;
		const uint64_t *a = hec_poly_limb(src, i);
		uint64_t *d = hec_poly_limb(dst, i);
		if (ntt) {
			uint64_t *tmp = w->buf + (i + 1) * n;
			for (size_t k = 0; k < n; k++)
				tmp[k] = centered_residue(last[k], half, adj, small, m);
			hec_ntt_fwd_lazy(r->tab[i], tmp, tmp);
			/* a + 4q - tmp in (0, 5q) < 2^64: one Shoup product. */
			for (size_t k = 0; k < n; k++)
				d[k] = hec_ntt_mod_mul_shoup(a[k] + 4 * q - tmp[k], inv, invs, q);
		} else {
			for (size_t k = 0; k < n; k++) {
				uint64_t v = centered_residue(last[k], half, adj, small, m);
				d[k] = hec_ntt_mod_mul_shoup(a[k] + 2 * q - v, inv, invs, q);
			}
		}
	}
	dst->basis = HEC_BASIS_Q;
	dst->limbs = l;
	dst->ntt = ntt;
	return HEC_OK;
}
