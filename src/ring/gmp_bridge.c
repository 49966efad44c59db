/* The GMP bridge: a coefficient's residues as one big integer and back.
 *
 * Composition uses Garner's mixed-radix algorithm (H. L. Garner, "The
 * residue number system", IRE Trans. Electronic Computers, 1959; Knuth,
 * TAOCP vol. 2, section 4.3.2): x = v_0 + v_1 q_0 + v_2 q_0 q_1 + ... with
 * digits v_i in [0, q_i) found by word arithmetic, then evaluated by Horner's
 * rule with single-word GMP multiplications.  Its constants q_j^-1 mod q_i
 * do not depend on the level, so one table built with the ring serves
 * every prefix of Q, and no big integer has to be stored per level besides
 * the moduli themselves. */
#include "ring_internal.h"

void hec_poly_get_mpz(mpz_t out, const hec_poly *p, size_t i, bool centered)
{
	const hec_ring *r = p->ring;
	const bool isq = p->basis == HEC_BASIS_Q;
	const size_t base = isq ? 0 : r->nq, stride = isq ? r->nq : r->np, k = p->limbs;
	const uint64_t *g = isq ? r->garner_q : r->garner_p;
	uint64_t v[HEC_RING_MAX_PRIMES];
	for (size_t j = 0; j < k; j++) {
		const hec_modulus_t *m = &r->mod[base + j];
		uint64_t t = hec_ntt_mod_reduce(hec_poly_limb(p, j)[i], m);
		for (size_t l = 0; l < j; l++)
			t = hec_ntt_mod_mul(hec_ntt_mod_sub(t, hec_ntt_mod_reduce(v[l], m), m->q), g[j * stride + l], m);
		v[j] = t;
	}
	mpz_set_ui(out, v[k - 1]);
	for (size_t j = k - 1; j-- > 0;) {
		mpz_mul_ui(out, out, r->prime[base + j]);
		mpz_add_ui(out, out, v[j]);
	}
	if (centered) {
		const mpz_srcptr M = isq ? r->q_prefix[k - 1] : r->p_prod;
		/* M is odd: the centered range is [-(M-1)/2, (M-1)/2]. */
		mpz_t twice;
		mpz_init(twice);
		mpz_mul_2exp(twice, out, 1);
		if (mpz_cmp(twice, M) > 0)
			mpz_sub(out, out, M);
		mpz_clear(twice);
	}
}

void hec_poly_set_mpz(hec_poly *p, size_t i, const mpz_t x)
{
	for (size_t j = 0; j < p->limbs; j++)
		hec_poly_limb(p, j)[i] = mpz_fdiv_ui(x, hec_poly_mod(p, j)->q);
}

void hec_poly_modulus_mpz(mpz_t out, const hec_poly *p)
{
	if (p->basis == HEC_BASIS_Q)
		mpz_set(out, p->ring->q_prefix[p->limbs - 1]);
	else
		mpz_set(out, p->ring->p_prod);
}
