/* BFV decryption and the invariant noise budget.
 *
 * With x = [c0 + c1 s (+ c2 s^2)]_Q, a ciphertext holds m with invariant
 * noise v when t x / Q = m + v + t k for an integer polynomial k
 * (Bajard, Eynard, Hasan, Zucca, SAC 2016; SEAL's "invariant
 * noise").  Decryption rounds t x / Q and reduces mod t; it is correct
 * while every |v_i| < 1/2.  The budget is -log2(2 max |v_i|) bits.
 *
 * Decryption follows the "simple scaling" of Halevi, Polyakov, Shoup (An
 * improved RNS variant of the BFV homomorphic encryption scheme, CT-RSA
 * 2019): t x / Q = sum_i x_i (t a_i / q_i) - t u with
 * a_i = [(Q/q_i)^-1]_{q_i}, so mod t only the words x_i (omega_i + theta_i)
 * matter.  HPS evaluate the fractional part in floating point; here theta_i
 * is a 128-bit fixed-point fraction, so the sum's fractional part, which is
 * v_i itself, comes out to within 2^-60: it decides the rounding, and it
 * lets decryption refuse a ciphertext whose noise has grown too large. */
#include <gmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bfv_internal.h"

/* x = c0 + c1 s (+ c2 s^2) at the ciphertext's level into p, coefficient
 * form; p is reserved with `cap` limbs of capacity. */
static hec_status dot_secret(hec_poly *p, size_t cap, const hec_secret_key *sk, const hec_ciphertext *ct)
{
	const hec_context *c = sk->ctx;
	hec_status s = _hec_poly_reserve(p, c->ring, HEC_BASIS_Q, cap, true);
	if (s != HEC_OK)
		return s;
	p->limbs = ct->level + 1;
	if (ct->size == 3) {
		hec_poly_mul(p, &ct->c[2], &sk->s_q);
		hec_poly_add(p, p, &ct->c[1]);
		hec_poly_mul(p, p, &sk->s_q);
	} else {
		hec_poly_mul(p, &ct->c[1], &sk->s_q);
	}
	hec_poly_add(p, p, &ct->c[0]);
	hec_poly_ntt_inv(p);
	return HEC_OK;
}

static hec_status check(const hec_secret_key *sk, const hec_ciphertext *ct, const char *op)
{
	const hec_context *c = sk->ctx;
	if (c->params.scheme != HEC_SCHEME_BFV)
		return hec_error_set(HEC_ERR_ARG, "%s: the context is not a BFV context", op);
	if (ct->ctx != c)
		return hec_error_set(HEC_ERR_MISMATCH, "%s: the ciphertext and the key belong to different contexts", op);
	if (ct->size < 2 || ct->size > 3)
		return hec_error_set(HEC_ERR_ARG, "%s: ciphertext has %zu polynomials", op, ct->size);
	return HEC_OK;
}

/* A decryption is refused when some coefficient's invariant noise exceeds
 * 1/4 (budget below 1 bit).  Below 1/2 the result would still be right,
 * but past 1/2 the noise wraps and looks like anything in [-1/2, 1/2):
 * with N coefficients, a wrapped ciphertext shows some |v_i| > 1/4 with
 * overwhelming probability, so this threshold catches exhausted budgets
 * instead of returning a wrong plaintext. */
#define NOISE_LIMIT (UINT64_C(1) << 62)

hec_status hec_bfv_decrypt(hec_plaintext *pt, const hec_secret_key *sk, const hec_ciphertext *ct)
{
	const hec_context *c = sk->ctx;
	hec_status s = check(sk, ct, "bfv decrypt");
	if (s != HEC_OK)
		return s;
	if (pt->ctx != c)
		return hec_error_set(HEC_ERR_MISMATCH, "bfv decrypt: the plaintext belongs to another context");
	const size_t nq = c->params.nq, n = hec_context_n(c), k = ct->level + 1;
	if ((s = dot_secret(&pt->m, nq, sk, ct)) != HEC_OK)
		return s;
	const struct hec_bfv_ctx *b = c->bfv;
	const struct hec_bfv_level *v = &b->lv[ct->level];
	const uint64_t t = b->t;
	uint64_t worst = 0;
	/* Coefficient x's output depends only on coefficient x's residues:
	 * write it over limb 0 in place. */
	for (size_t x = 0; x < n; x++) {
		hec_u128 whole = 0, ip = 0, fp = 0;
		for (size_t i = 0; i < k; i++) {
			const uint64_t xi = pt->m.c[i * n + x];
			whole += (hec_u128)xi * v->dec_omega[i];
			hec_u128 p = (hec_u128)xi * v->dec_theta_hi[i] + (((hec_u128)xi * v->dec_theta_lo[i]) >> 64);
			ip += p >> 64;
			fp += (uint64_t)p;
		}
		ip += fp >> 64;
		uint64_t frac = (uint64_t)fp, noise = frac;
		if (frac >> 63) { /* round up; the noise is 2^64 - frac below */
			ip++;
			noise = (uint64_t)0 - frac;
		}
		worst = noise > worst ? noise : worst;
		pt->m.c[x] = _hec_bfv_reduce128(whole + ip, t, b->t_r64, b->t_r64_shoup, b->t_one_shoup);
	}
	pt->m.limbs = nq;
	pt->m.ntt = false;
	pt->level = nq - 1;
	pt->scale = 1;
	for (size_t i = 1; i < nq; i++)
		memcpy(hec_poly_limb(&pt->m, i), pt->m.c, n * sizeof *pt->m.c);
	if (worst > NOISE_LIMIT) {
		/* Leave no half-trustworthy plaintext behind. */
		hec_poly_zero(&pt->m);
		return hec_error_set(HEC_ERR_RANGE,
		                     "bfv decrypt: the noise budget is exhausted (invariant noise 2^%.2f of the 1/2 "
		                     "that decryption tolerates); the result would be unreliable",
		                     log2((double)worst) - 64);
	}
	return HEC_OK;
}

hec_status hec_bfv_noise_budget(double *bits, const hec_secret_key *sk, const hec_ciphertext *ct)
{
	const hec_context *c = sk->ctx;
	*bits = 0;
	hec_status s = check(sk, ct, "bfv noise_budget");
	if (s != HEC_OK)
		return s;
	hec_poly x = {0};
	if ((s = dot_secret(&x, ct->level + 1, sk, ct)) != HEC_OK)
		return s;
	/* Exactly, with big integers: w = [t x]_Q centered, |v| = |w| / Q. */
	const size_t n = hec_context_n(c);
	mpz_t Q, z, worst;
	mpz_inits(Q, z, worst, NULL);
	hec_poly_modulus_mpz(Q, &x);
	for (size_t i = 0; i < n; i++) {
		hec_poly_get_mpz(z, &x, i, false);
		mpz_mul_ui(z, z, c->params.t);
		mpz_mod(z, z, Q);
		mpz_mul_2exp(z, z, 1);
		if (mpz_cmp(z, Q) > 0)
			mpz_sub(z, z, Q), mpz_sub(z, Q, z);
		/* z = 2 |w| now (2 Q - 2w when w was above Q/2: 2 (Q - w)). */
		if (mpz_cmp(z, worst) > 0)
			mpz_set(worst, z);
	}
	long eq, ew;
	double dq = mpz_get_d_2exp(&eq, Q);
	if (mpz_sgn(worst) == 0) {
		*bits = log2(dq) + (double)eq;
	} else {
		double dw = mpz_get_d_2exp(&ew, worst);
		double b = (log2(dq) + (double)eq) - (log2(dw) + (double)ew);
		*bits = b > 0 ? b : 0;
	}
	mpz_clears(Q, z, worst, NULL);
	hec_poly_clear(&x);
	return HEC_OK;
}
