/* Rescaling by the last prime: dst = round(src / q_l), level l -> l - 1.
 *
 * With r the centered representative of src mod q_l (in [-(q_l-1)/2,
 * (q_l-1)/2]), src - r is divisible by q_l and (src - r) / q_l is src / q_l
 * rounded to the nearest integer.  In RNS: dst_i = (src_i - [r]_{q_i}) *
 * q_l^-1 mod q_i (the RNS form of the CKKS rescale; Cheon, Han, Kim, Kim,
 * Song, "A full RNS variant of approximate homomorphic encryption", SAC
 * 2018).  The centered r comes from u = (t + h) mod q_l, h = (q_l - 1) / 2,
 * t = src mod q_l: r = u - h, with u in [0, q_l) computed once for all
 * limbs.
 *
 * In NTT form the last limb is brought back to coefficients once and r is
 * transformed with each remaining prime's table.  When q_l < 2 q_i (primes
 * of similar size, the usual case) r + q_i = u + (q_i - h) already lies in
 * the transform's input range [0, 2 q_i), so limb i costs one addition
 * pass, the NTT, and one fused pass (subtract, multiply by q_l^-1; SIMD
 * where the limb's NTT is).  Otherwise each coefficient is reduced. */
#include <string.h>

#include "ring_internal.h"

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
	/* u = (t + h) mod q_l into workspace block 0 (src is not modified, so
	 * dst == src is fine: dst only writes limbs < l). */
	uint64_t *u = w->buf;
	if (ntt)
		hec_ntt_inv(r->tab[l], u, hec_poly_limb(src, l));
	else
		memcpy(u, hec_poly_limb(src, l), n * sizeof *u);
	for (size_t k = 0; k < n; k++) {
		uint64_t v = u[k] + half;
		u[k] = v - (ql & hec_mask_lt(ql - 1, v));
	}
	/* Limb i's temporary is workspace block i + 1: limbs run in parallel. */
	HEC_OMP_FOR_IF(l * n >= HEC_OMP_MIN_WORDS / 4)
	for (size_t i = 0; i < l; i++) {
		const hec_modulus_t *m = &r->mod[i];
		const uint64_t q = m->q, inv = r->resc_inv[l * nq + i];
		const uint64_t hq = hec_ntt_mod_reduce(half, m);
		uint64_t *tmp = w->buf + (i + 1) * n;
		if (ntt && ql < 2 * q) {
			/* h < q, so u + (q - h) is in [q - h, q + h] within [0, 2q):
			 * a plain (vectorisable) addition is a valid NTT input. */
			const uint64_t c = q - half;
			for (size_t k = 0; k < n; k++)
				tmp[k] = u[k] + c;
			hec_ntt_fwd(r->tab[i], tmp, tmp);
		} else {
			for (size_t k = 0; k < n; k++)
				tmp[k] = hec_ntt_mod_sub(hec_ntt_mod_reduce(u[k], m), hq, q);
			if (ntt)
				hec_ntt_fwd(r->tab[i], tmp, tmp);
		}
		_hec_vec_sub_mul_scalar(hec_poly_limb(dst, i), hec_poly_limb(src, i), tmp, inv, n, m,
		                        hec_ntt_table_kernel(r->tab[i]) != HEC_KERNEL_PORTABLE);
	}
	dst->basis = HEC_BASIS_Q;
	dst->limbs = l;
	dst->ntt = ntt;
	return HEC_OK;
}
