/* Out-of-line modular arithmetic: modulus setup, power, inverse. */
#include "hecate/ntt.h"

hec_status hec_ntt_modulus_init(hec_modulus_t *m, uint64_t q)
{
	if (q < 2 || q >= HEC_MODULUS_MAX)
		return hec_error_set(HEC_ERR_ARG, "modulus %llu is outside [2, 2^61)", (unsigned long long)q);
	unsigned k = 64 - (unsigned)__builtin_clzll(q);
	m->q = q;
	m->bits = k;
	m->barrett = (uint64_t)(((hec_u128)1 << (2 * k)) / q);
	return HEC_OK;
}

uint64_t hec_ntt_mod_pow(uint64_t a, uint64_t e, const hec_modulus_t *m)
{
	uint64_t r = 1 % m->q;
	while (e) {
		if (e & 1)
			r = hec_ntt_mod_mul(r, a, m);
		a = hec_ntt_mod_mul(a, a, m);
		e >>= 1;
	}
	return r;
}

hec_status hec_ntt_mod_inv(uint64_t *inv, uint64_t a, uint64_t q)
{
	/* Extended Euclid on (q, a) with signed 128-bit cofactors. */
	hec_i128 r0 = q, r1 = a, t0 = 0, t1 = 1;
	while (r1 != 0) {
		hec_i128 quot = r0 / r1, tmp;
		tmp = r0 - quot * r1; r0 = r1; r1 = tmp;
		tmp = t0 - quot * t1; t0 = t1; t1 = tmp;
	}
	if (r0 != 1 || q < 2)
		return hec_error_set(HEC_ERR_ARG, "%llu has no inverse modulo %llu",
		                     (unsigned long long)a, (unsigned long long)q);
	if (t0 < 0)
		t0 += q;
	*inv = (uint64_t)t0;
	return HEC_OK;
}
