/* Helpers shared by the ring suites: rings from generated primes, random
 * polynomials, and an independent GMP reference (CRT by mpz_invert, not the
 * library's Garner code). */
#ifndef HECATE_RINGTEST_H
#define HECATE_RINGTEST_H

#include <gmp.h>
#include <stdio.h>
#include <string.h>

#include "hecate/ring.h"
#include "testutil.h"

#define CK_OK(expr) ck_assert_msg((expr) == HEC_OK, "%s: %s", #expr, hec_error_detail())

/* nq primes of qbits bits, then np primes of pbits bits, all = 1 mod 2n. */
static inline hec_ring *make_ring(size_t n, size_t nq, unsigned qbits, size_t np, unsigned pbits)
{
	uint64_t pr[2 * HEC_RING_MAX_PRIMES];
	if (qbits == pbits) {
		CK_OK(hec_ntt_primes_generate(pr, nq + np, qbits, n));
	} else {
		CK_OK(hec_ntt_primes_generate(pr, nq, qbits, n));
		if (np)
			CK_OK(hec_ntt_primes_generate(pr + nq, np, pbits, n));
	}
	hec_ring *r;
	CK_OK(hec_ring_new(&r, n, pr, nq, pr + nq, np));
	return r;
}

static inline uint64_t poly_prime(const hec_poly *p, size_t i)
{
	return p->basis == HEC_BASIS_Q ? hec_ring_q(p->ring, i) : hec_ring_p(p->ring, i);
}

static inline void fill_random(test_rng *g, hec_poly *p)
{
	size_t n = hec_ring_n(p->ring);
	for (size_t i = 0; i < p->limbs; i++)
		for (size_t k = 0; k < n; k++)
			hec_poly_limb(p, i)[k] = test_rng_below(g, poly_prime(p, i));
}

static inline hec_poly new_poly(const hec_ring *r, hec_basis b, size_t limbs, bool ntt)
{
	hec_poly p;
	CK_OK(hec_poly_init(&p, r, b, limbs, ntt));
	return p;
}

/* Independent CRT: x = sum r_i M_i (M_i^-1 mod m_i) mod M, then centered
 * into [-(M-1)/2, (M-1)/2] if asked. */
static inline void ref_crt(mpz_t x, const uint64_t *res, const uint64_t *mod, size_t k, bool centered)
{
	mpz_t M, Mi, t, mi;
	mpz_inits(M, Mi, t, mi, NULL);
	mpz_set_ui(M, 1);
	for (size_t i = 0; i < k; i++)
		mpz_mul_ui(M, M, mod[i]);
	mpz_set_ui(x, 0);
	for (size_t i = 0; i < k; i++) {
		mpz_set_ui(mi, mod[i]);
		mpz_divexact_ui(Mi, M, mod[i]);
		ck_assert(mpz_invert(t, Mi, mi));
		mpz_mul_ui(t, t, res[i]);
		mpz_mod(t, t, mi);
		mpz_addmul(x, t, Mi);
	}
	mpz_mod(x, x, M);
	if (centered) {
		mpz_mul_2exp(t, x, 1);
		if (mpz_cmp(t, M) > 0)
			mpz_sub(x, x, M);
	}
	mpz_clears(M, Mi, t, mi, NULL);
}

/* Coefficient k of p (its residues) by the reference CRT. */
static inline void ref_coeff(mpz_t x, const hec_poly *p, size_t k, bool centered)
{
	uint64_t res[2 * HEC_RING_MAX_PRIMES], mod[2 * HEC_RING_MAX_PRIMES];
	for (size_t i = 0; i < p->limbs; i++) {
		res[i] = hec_poly_limb(p, i)[k];
		mod[i] = poly_prime(p, i);
	}
	ref_crt(x, res, mod, p->limbs, centered);
}

/* The product of p's primes. */
static inline void ref_modulus(mpz_t M, const hec_poly *p)
{
	mpz_set_ui(M, 1);
	for (size_t i = 0; i < p->limbs; i++)
		mpz_mul_ui(M, M, poly_prime(p, i));
}

static inline mpz_t *mpz_vec(size_t n)
{
	mpz_t *v = malloc(n * sizeof *v);
	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < n; i++)
		mpz_init(v[i]);
	return v;
}

static inline void mpz_vec_free(mpz_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mpz_clear(v[i]);
	free(v);
}

static inline bool poly_equal(const hec_poly *a, const hec_poly *b)
{
	return a->limbs == b->limbs && a->ntt == b->ntt &&
	       !memcmp(a->c, b->c, a->limbs * hec_ring_n(a->ring) * sizeof(uint64_t));
}

#endif
