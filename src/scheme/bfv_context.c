/* BFV precomputation: the plaintext modulus, the batching NTT mod t and its
 * slot order, the auxiliary basis R of the multiplication, and per level
 * the constants of encryption, decryption and the multiplication's two
 * scalings (see bfv_internal.h for the formulas).  Everything big is
 * computed once with GMP, so the hot paths only see words. */
#include <gmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bfv_internal.h"

/* floor(frac * 2^64) for frac = num / den in [0, 1) (num < den < 2^64). */
static uint64_t frac64(uint64_t num, uint64_t den)
{
	return (uint64_t)(((hec_u128)num << 64) / den);
}

/* x mod q for an mpz (any sign). */
static uint64_t mpz_mod_u64(const mpz_t x, uint64_t q)
{
	return mpz_fdiv_ui(x, q);
}

static void free_level(struct hec_bfv_level *v)
{
	free(v->delta);
	free(v->dec_omega);
	free(v->dec_theta_hi);
	free(v->dec_theta_lo);
	free(v->sc_q);
	free(v->sc_ainv);
	free(v->sc_ainv_shoup);
	free(v->sc_qinv);
	free(v->sc_pre);
	free(v->sc_gfrac);
	free(v->tr_psi);
	_hec_bfv_plan_free(&v->ext);
	_hec_bfv_plan_free(&v->srq);
	_hec_bfv_plan_free(&v->str);
}

void _hec_bfv_context_free(struct hec_bfv_ctx *b)
{
	if (!b)
		return;
	for (size_t l = 0; b->lv && l < b->nlevels; l++)
		free_level(&b->lv[l]);
	free(b->lv);
	hec_ntt_table_free(b->tntt);
	free(b->slot_index);
	hec_ring_free(b->aux);
	free(b);
}

/* 2^64 mod q with its Shoup quotient, and the Shoup quotient of 1. */
static void r64_consts(uint64_t q, uint64_t *r64, uint64_t *r64s, uint64_t *ones)
{
	*r64 = (uint64_t)(((hec_u128)1 << 64) % q);
	*r64s = hec_ntt_shoup(*r64, q);
	*ones = hec_ntt_shoup(1, q);
}

static hec_status build_level(struct hec_bfv_ctx *b, const hec_ring *r, size_t l)
{
	struct hec_bfv_level *v = &b->lv[l];
	const size_t k = l + 1, m = b->m;
	const uint64_t t = b->t;
	v->k = k;
	v->delta = malloc(k * sizeof *v->delta);
	v->dec_omega = malloc(k * sizeof *v->dec_omega);
	v->dec_theta_hi = malloc(k * sizeof *v->dec_theta_hi);
	v->dec_theta_lo = malloc(k * sizeof *v->dec_theta_lo);
	v->sc_q = malloc(k * sizeof *v->sc_q);
	v->sc_pre = malloc(3 * k * sizeof *v->sc_pre);
	v->sc_ainv = malloc(k * sizeof *v->sc_ainv);
	v->sc_ainv_shoup = malloc(k * sizeof *v->sc_ainv_shoup);
	v->sc_qinv = malloc(k * sizeof *v->sc_qinv);
	v->sc_gfrac = malloc(k * sizeof *v->sc_gfrac);
	v->tr_psi = malloc(m * sizeof *v->tr_psi);
	if (!v->delta || !v->dec_omega || !v->dec_theta_hi || !v->dec_theta_lo || !v->sc_ainv || !v->sc_ainv_shoup ||
	    !v->sc_qinv || !v->sc_gfrac || !v->tr_psi || !v->sc_q || !v->sc_pre)
		return hec_error_set(HEC_ERR_NOMEM, "bfv: out of memory");
	/* The rounding terms are below (number of terms) x (largest prime):
	 * one row when that stays below 2^52 (the AVX2 kernel's row bound),
	 * else two rows of 32-bit halves. */
	uint64_t qmax = 0, rmax = 0;
	for (size_t i = 0; i < k; i++)
		qmax = hec_ring_q(r, i) > qmax ? hec_ring_q(r, i) : qmax;
	for (size_t j = 0; j < m; j++)
		rmax = hec_ring_q(b->aux, j) > rmax ? hec_ring_q(b->aux, j) : rmax;
	v->srq_split = (hec_u128)qmax * k >= (UINT64_C(1) << 52);
	v->str_split = (hec_u128)rmax * m >= (UINT64_C(1) << 52);
	const size_t srq_nr = k + 2 + v->srq_split, str_nr = m + 1 + v->str_split;
	hec_status s;
	if ((s = _hec_bfv_plan_alloc(&v->ext, k + 1, m, false)) != HEC_OK ||
	    (s = _hec_bfv_plan_alloc(&v->srq, srq_nr, k + m, false)) != HEC_OK ||
	    (s = _hec_bfv_plan_alloc(&v->str, str_nr, k, true)) != HEC_OK)
		return s;

	/* Target primes: Q then R. */
	uint64_t pr[HEC_PARAMS_MAX_Q + HEC_RING_MAX_PRIMES];
	for (size_t i = 0; i < k; i++)
		pr[i] = hec_ring_q(r, i);
	for (size_t j = 0; j < m; j++)
		pr[k + j] = hec_ring_q(b->aux, j);
	const uint64_t *qs = pr, *rs = pr + k;

	mpz_t Q, R, x, y;
	mpz_inits(Q, R, x, y, NULL);
	mpz_set_ui(Q, 1);
	for (size_t i = 0; i < k; i++)
		mpz_mul_ui(Q, Q, qs[i]);
	mpz_set_ui(R, 1);
	for (size_t j = 0; j < m; j++)
		mpz_mul_ui(R, R, rs[j]);

	/* Encryption: floor(Q / t) mod q_i and Q mod t. */
	mpz_fdiv_q_ui(x, Q, t);
	for (size_t i = 0; i < k; i++)
		v->delta[i] = mpz_mod_u64(x, qs[i]);
	v->qmod_t = mpz_mod_u64(Q, t);

	s = HEC_OK;
	for (size_t i = 0; i < k && s == HEC_OK; i++) {
		const uint64_t q = qs[i];
		const hec_modulus_t *mq = hec_ring_q_mod(r, i);
		/* a_i = (Q / q_i)^-1 mod q_i */
		mpz_divexact_ui(x, Q, q);
		uint64_t qhat = mpz_mod_u64(x, q), a, bi;
		if (hec_ntt_mod_inv(&a, qhat, q) != HEC_OK) {
			s = hec_error_set(HEC_ERR_ARG, "bfv: prime %llu repeats", (unsigned long long)q);
			break;
		}
		/* Decryption: t a_i / q_i = omega_i + f_i / q_i. */
		hec_u128 ta = (hec_u128)t * a;
		v->dec_omega[i] = (uint64_t)(ta / q) % t;
		uint64_t f = (uint64_t)(ta % q);
		v->dec_theta_hi[i] = frac64(f, q);
		uint64_t rem = (uint64_t)(((hec_u128)f << 64) % q);
		v->dec_theta_lo[i] = frac64(rem, q);
		v->sc_ainv[i] = a;
		v->sc_ainv_shoup[i] = hec_ntt_shoup(a, q);
		v->sc_qinv[i] = 1.0 / (double)q;
		v->sc_q[i] = q;
		double ab = a > q / 2 ? -(double)(q - a) : (double)a;
		v->sc_pre[3 * i] = ab;
		v->sc_pre[3 * i + 1] = ab / (double)q;
		v->sc_pre[3 * i + 2] = (double)q;
		/* Extension: [Q / q_i]_{r_j}. */
		for (size_t j = 0; j < m; j++)
			v->ext.coef[j * (k + 1) + i] = mpz_mod_u64(x, rs[j]);
		/* Scaling by R / Q: G_i = floor(R / q_i) mod every target, and
		 * the fraction g_i = [R]_{q_i} / q_i. */
		mpz_fdiv_q_ui(y, R, q);
		for (size_t j = 0; j < k + m; j++)
			v->srq.coef[j * srq_nr + i] = mpz_mod_u64(y, pr[j]);
		v->sc_gfrac[i] = frac64(mpz_mod_u64(R, q), q);
		/* Scaling by t / R: b_i = (Q R / q_i)^-1 mod q_i; the own-row
		 * constant b_i t (Q / q_i) mod q_i. */
		uint64_t qr = hec_ntt_mod_mul(qhat, mpz_mod_u64(R, q), mq);
		if (hec_ntt_mod_inv(&bi, qr, q) != HEC_OK) {
			s = hec_error_set(HEC_ERR_ARG, "bfv: auxiliary prime coincides with q_%zu", i);
			break;
		}
		v->str.own[i] = hec_ntt_mod_mul(hec_ntt_mod_mul(bi, t % q, mq), qhat, mq);
	}
	for (size_t j = 0; j < m && s == HEC_OK; j++) {
		uint64_t negq = (rs[j] - mpz_mod_u64(Q, rs[j])) % rs[j];
		v->ext.coef[j * (k + 1) + k] = negq;
	}
	for (size_t j = 0; j < k + m && s == HEC_OK; j++) {
		uint64_t *c = v->srq.coef + j * srq_nr;
		c[k] = 1 % pr[j];
		if (v->srq_split)
			c[k + 1] = (UINT64_C(1) << 32) % pr[j];
		c[srq_nr - 1] = j < k ? (pr[j] - mpz_mod_u64(R, pr[j])) % pr[j] : 0;
	}
	for (size_t j = 0; j < m && s == HEC_OK; j++) {
		const uint64_t rj = rs[j];
		/* c_j = (Q R / r_j)^-1 mod r_j; V = c_j t Q = B_j r_j + [V]_{r_j}. */
		mpz_divexact_ui(x, R, rj);
		mpz_mul(x, x, Q);
		uint64_t c;
		if (hec_ntt_mod_inv(&c, mpz_mod_u64(x, rj), rj) != HEC_OK) {
			s = hec_error_set(HEC_ERR_ARG, "bfv: auxiliary prime %llu is not coprime to Q", (unsigned long long)rj);
			break;
		}
		mpz_mul_ui(x, Q, c);
		mpz_mul_ui(x, x, t);
		uint64_t vr = mpz_fdiv_q_ui(y, x, rj); /* y = B_j, vr = [V]_{r_j} */
		v->tr_psi[j] = frac64(vr, rj);
		for (size_t i = 0; i < k; i++)
			v->str.coef[i * str_nr + j] = mpz_mod_u64(y, qs[i]);
	}
	for (size_t i = 0; i < k && s == HEC_OK; i++) {
		v->str.coef[i * str_nr + m] = 1 % qs[i];
		if (v->str_split)
			v->str.coef[i * str_nr + m + 1] = (UINT64_C(1) << 32) % qs[i];
	}
	mpz_clears(Q, R, x, y, NULL);
	if (s != HEC_OK)
		return s;
	_hec_bfv_plan_finish(&v->ext, rs);
	_hec_bfv_plan_finish(&v->srq, pr);
	_hec_bfv_plan_finish(&v->str, qs);
	return HEC_OK;
}

/* The slot order: slot (row w, column j) holds m(psi^e) with e = 5^j for
 * row 0 and e = -5^j mod 2N for row 1, so X -> X^(5^s) moves column j + s
 * to column j in both rows and X -> X^(2N-1) swaps the rows (the Galois
 * group of the 2N-th cyclotomic is <5> x <-1>, as in the CKKS slot order of
 * ckks_encoder.c).  hec_ntt_fwd puts m(psi^(2 brv(i) + 1)) at index i, so
 * e sits at index brv((e - 1) / 2). */
static void build_slot_index(uint32_t *idx, size_t n, unsigned logn)
{
	uint64_t e = 1, two_n = 2 * (uint64_t)n;
	for (size_t j = 0; j < n / 2; j++) {
		uint64_t pos[2] = {(e - 1) / 2, (two_n - e - 1) / 2};
		for (int w = 0; w < 2; w++) {
			uint64_t rev = 0, x = pos[w];
			for (unsigned b = 0; b < logn; b++, x >>= 1)
				rev = (rev << 1) | (x & 1);
			idx[(size_t)w * (n / 2) + j] = (uint32_t)rev;
		}
		e = e * 5 % two_n;
	}
}

/* The auxiliary primes: the largest primes = 1 mod 2N below 2^50 that are
 * not in Q or P, until log2 R >= log2 Q + log2(N) / 2 + 4.  Rounding the
 * second operand to R / Q adds t a (b' - R b / Q) / R to the product's
 * components, coefficients of standard deviation t Q sqrt(2N) / (12 R) for
 * a, b uniform mod Q; through s and s^2 (2-norm ~ 2N/3) that is invariant
 * noise ~ t^2 N^1.5 / (9 R), against the product's own ~ t N v_fresh >=
 * t^2 N 2^10 / Q: R = Q sqrt(N) 2^4 keeps it 2^-10 below (the test checks
 * the worst case t N Q / (2R) per component exactly against GMP). */
static hec_status choose_aux(const hec_ring *r, uint64_t *rs, size_t *m)
{
	size_t n = hec_ring_n(r), nq = hec_ring_nq(r), np = hec_ring_np(r);
	double need = hec_ring_log2_q(r, nq - 1) + log2((double)n) / 2 + 4, have = 0;
	uint64_t below = UINT64_C(1) << 50;
	*m = 0;
	while (have < need) {
		uint64_t p;
		if (*m == HEC_RING_MAX_PRIMES || hec_ntt_prime_prev(&p, below, 2 * (uint64_t)n) != HEC_OK ||
		    p < (UINT64_C(1) << 30))
			return hec_error_set(HEC_ERR_ARG, "bfv: not enough auxiliary primes for the multiplication");
		below = p;
		bool taken = false;
		for (size_t i = 0; i < nq; i++)
			taken |= hec_ring_q(r, i) == p;
		for (size_t i = 0; i < np; i++)
			taken |= hec_ring_p(r, i) == p;
		if (taken)
			continue;
		rs[(*m)++] = p;
		have += log2((double)p);
	}
	return HEC_OK;
}

hec_status _hec_bfv_context_init(hec_context *c)
{
	const hec_ring *r = c->ring;
	size_t n = hec_ring_n(r), nq = hec_ring_nq(r);
	uint64_t t = c->params.t;
	struct hec_bfv_ctx *b = calloc(1, sizeof *b);
	if (!b)
		return hec_error_set(HEC_ERR_NOMEM, "bfv: out of memory");
	c->bfv = b;
	b->ring = r;
	b->t = t;
	hec_status s = hec_ntt_modulus_init(&b->tm, t);
	if (s != HEC_OK)
		return s;
	r64_consts(t, &b->t_r64, &b->t_r64_shoup, &b->t_one_shoup);
	b->batching = hec_ntt_is_prime(t) && (t - 1) % (2 * (uint64_t)n) == 0;
	if (b->batching) {
		if ((s = hec_ntt_table_new(&b->tntt, n, t)) != HEC_OK)
			return s;
		b->slot_index = malloc(n * sizeof *b->slot_index);
		if (!b->slot_index)
			return hec_error_set(HEC_ERR_NOMEM, "bfv: out of memory");
		build_slot_index(b->slot_index, n, c->params.log_n);
	}
	uint64_t rs[HEC_RING_MAX_PRIMES];
	if ((s = choose_aux(r, rs, &b->m)) != HEC_OK || (s = hec_ring_new(&b->aux, n, rs, b->m, NULL, 0)) != HEC_OK)
		return s;
	b->lv = calloc(nq, sizeof *b->lv);
	if (!b->lv)
		return hec_error_set(HEC_ERR_NOMEM, "bfv: out of memory");
	b->nlevels = nq;
	for (size_t l = 0; l < nq; l++)
		if ((s = build_level(b, r, l)) != HEC_OK)
			return s;
	/* The AVX2 kernel computes in doubles: every prime below 2^50, as
	 * for the NTT kernels (HECATE_KERNEL=portable forces the twin). */
	b->lincomb = _hec_bfv_lincomb_portable;
	b->prep = _hec_bfv_prep_portable;
#ifdef HECATE_HAVE_AVX2
	bool small = true;
	for (size_t i = 0; i < nq; i++)
		small &= hec_ring_q(r, i) < HEC_MODULUS_SIMD_MAX;
	for (size_t j = 0; j < b->m; j++)
		small &= rs[j] < HEC_MODULUS_SIMD_MAX;
	if (small && hec_ntt_kernel_active() != HEC_KERNEL_PORTABLE)
	{
		b->lincomb = _hec_bfv_lincomb_avx2;
		b->prep = _hec_bfv_prep_avx2;
	}
#endif
	return HEC_OK;
}
