/* Secret, public and evaluation keys; hybrid key-switching key generation
 * (Han, Ki, "Better bootstrapping for approximate homomorphic encryption",
 * CT-RSA 2020, section 3). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

hec_status _hec_expand_uniform(hec_poly *p, const hec_context *c, hec_basis b, size_t limbs,
                               const uint8_t seed[HEC_SEED_BYTES], uint64_t stream)
{
	hec_status s = _hec_poly_reserve(p, c->ring, b, limbs, true);
	if (s != HEC_OK)
		return s;
	hec_prng g;
	hec_prng_init(&g, seed, ((uint64_t)HEC_STREAM_PUBLIC << 32) | stream);
	hec_sample_uniform(p, &g);
	hec_prng_clear(&g);
	return HEC_OK;
}

/* An error polynomial over Q (all limbs) and, if ep != NULL, the same one
 * over P; both NTT form. */
static hec_status sample_error_qp(const hec_context *c, hec_prng *g, hec_poly *eq, hec_poly *ep)
{
	size_t n = hec_context_n(c);
	int64_t *v = malloc(n * sizeof *v);
	if (!v)
		return hec_error_set(HEC_ERR_NOMEM, "keygen: out of memory");
	hec_status s = _hec_poly_reserve(eq, c->ring, HEC_BASIS_Q, c->params.nq, false);
	if (s == HEC_OK && ep)
		s = _hec_poly_reserve(ep, c->ring, HEC_BASIS_P, c->params.np, false);
	if (s == HEC_OK) {
		hec_sample_error(eq, g, v);
		hec_poly_ntt_fwd(eq);
		if (ep) {
			hec_poly_set_i64(ep, v);
			hec_poly_ntt_fwd(ep);
		}
	}
	explicit_bzero(v, n * sizeof *v);
	free(v);
	return s;
}

hec_status hec_secret_key_new(hec_secret_key **out, const hec_context *c)
{
	*out = NULL;
	hec_secret_key *sk = calloc(1, sizeof *sk);
	if (!sk)
		return hec_error_set(HEC_ERR_NOMEM, "keygen: out of memory");
	sk->ctx = c;
	size_t n = hec_context_n(c);
	int64_t *v = malloc(n * sizeof *v);
	hec_prng g;
	hec_status s = hec_prng_init_os(&g, HEC_STREAM_SECRET);
	if (s == HEC_OK && !v)
		s = hec_error_set(HEC_ERR_NOMEM, "keygen: out of memory");
	if (s == HEC_OK)
		s = hec_poly_init(&sk->s_q, c->ring, HEC_BASIS_Q, c->params.nq, false);
	if (s == HEC_OK)
		s = hec_poly_init(&sk->s_p, c->ring, HEC_BASIS_P, c->params.np, false);
	if (s == HEC_OK) {
		if (c->params.secret_hw)
			s = hec_sample_ternary_hw(&sk->s_q, &g, c->params.secret_hw);
		else
			hec_sample_ternary(&sk->s_q, &g);
	}
	if (s == HEC_OK) {
		/* The same ternary integers over P. */
		const uint64_t *l0 = hec_poly_limb(&sk->s_q, 0);
		uint64_t q0 = hec_ring_q(c->ring, 0);
		for (size_t i = 0; i < n; i++)
			v[i] = l0[i] == 0 ? 0 : l0[i] == 1 ? 1 : (l0[i] == q0 - 1 ? -1 : 0);
		hec_poly_set_i64(&sk->s_p, v);
		hec_poly_ntt_fwd(&sk->s_q);
		hec_poly_ntt_fwd(&sk->s_p);
	}
	hec_prng_clear(&g);
	if (v) {
		explicit_bzero(v, n * sizeof *v);
		free(v);
	}
	if (s != HEC_OK) {
		hec_secret_key_free(sk);
		return s;
	}
	*out = sk;
	return HEC_OK;
}

void hec_secret_key_free(hec_secret_key *sk)
{
	if (!sk)
		return;
	hec_poly_clear(&sk->s_q); /* wipes */
	hec_poly_clear(&sk->s_p);
	free(sk);
}

hec_status hec_public_key_new(hec_public_key **out, const hec_secret_key *sk)
{
	const hec_context *c = sk->ctx;
	*out = NULL;
	hec_public_key *pk = calloc(1, sizeof *pk);
	if (!pk)
		return hec_error_set(HEC_ERR_NOMEM, "keygen: out of memory");
	pk->ctx = c;
	hec_prng g;
	hec_poly e = {0}, ep = {0};
	hec_status s = hec_random_os(pk->seed, sizeof pk->seed);
	if (s == HEC_OK)
		s = hec_prng_init_os(&g, HEC_STREAM_SECRET);
	if (s == HEC_OK) {
		s = _hec_expand_uniform(&pk->a, c, HEC_BASIS_Q, c->params.nq, pk->seed, 0);
		if (s == HEC_OK)
			s = _hec_expand_uniform(&pk->a_p, c, HEC_BASIS_P, c->params.np, pk->seed, 1);
		if (s == HEC_OK)
			s = sample_error_qp(c, &g, &e, &ep);
		if (s == HEC_OK)
			s = hec_poly_init(&pk->b, c->ring, HEC_BASIS_Q, c->params.nq, true);
		if (s == HEC_OK)
			s = hec_poly_init(&pk->b_p, c->ring, HEC_BASIS_P, c->params.np, true);
		if (s == HEC_OK) {
			/* b = -(a s) + e over Q and over P */
			hec_poly_mul(&pk->b, &pk->a, &sk->s_q);
			hec_poly_sub(&pk->b, &e, &pk->b);
			hec_poly_mul(&pk->b_p, &pk->a_p, &sk->s_p);
			hec_poly_sub(&pk->b_p, &ep, &pk->b_p);
		}
		hec_prng_clear(&g);
	}
	hec_poly_clear(&e);
	hec_poly_clear(&ep);
	if (s != HEC_OK) {
		hec_public_key_free(pk);
		return s;
	}
	*out = pk;
	return HEC_OK;
}

void hec_public_key_free(hec_public_key *pk)
{
	if (!pk)
		return;
	hec_poly_clear(&pk->b);
	hec_poly_clear(&pk->a);
	hec_poly_clear(&pk->b_p);
	hec_poly_clear(&pk->a_p);
	free(pk);
}

void _hec_switch_key_clear(struct hec_switch_key *k)
{
	for (size_t j = 0; k->bq && j < k->digits; j++) {
		hec_poly_clear(&k->bq[j]);
		hec_poly_clear(&k->bp[j]);
		hec_poly_clear(&k->aq[j]);
		hec_poly_clear(&k->ap[j]);
	}
	free(k->bq);
	free(k->bp);
	free(k->aq);
	free(k->ap);
	memset(k, 0, sizeof *k);
}

hec_status _hec_switch_key_gen(struct hec_switch_key *k, const hec_secret_key *sk, const hec_poly *sq_from,
                               const hec_poly *sp_from)
{
	(void)sp_from; /* the gadget P * Qhat_j * [Qhat_j^-1] vanishes mod every p_k */
	const hec_context *c = sk->ctx;
	const hec_ring *r = c->ring;
	size_t L = c->params.nq, K = c->params.np, alpha = c->digit_size;
	memset(k, 0, sizeof *k);
	k->digits = c->params.dnum;
	k->bq = calloc(k->digits, sizeof *k->bq);
	k->bp = calloc(k->digits, sizeof *k->bp);
	k->aq = calloc(k->digits, sizeof *k->aq);
	k->ap = calloc(k->digits, sizeof *k->ap);
	if (!k->bq || !k->bp || !k->aq || !k->ap) {
		_hec_switch_key_clear(k);
		return hec_error_set(HEC_ERR_NOMEM, "keygen: out of memory");
	}
	hec_prng g;
	hec_status s = hec_random_os(k->seed, sizeof k->seed);
	if (s == HEC_OK)
		s = hec_prng_init_os(&g, HEC_STREAM_SECRET);
	if (s != HEC_OK) {
		_hec_switch_key_clear(k);
		return s;
	}
	/* P mod q_i. */
	uint64_t p_mod_q[HEC_PARAMS_MAX_Q];
	for (size_t i = 0; i < L; i++) {
		const hec_modulus_t *m = hec_ring_q_mod(r, i);
		p_mod_q[i] = 1;
		for (size_t t = 0; t < K; t++)
			p_mod_q[i] = hec_ntt_mod_mul(p_mod_q[i], hec_ring_p(r, t) % m->q, m);
	}
	hec_poly tmp = {0}, tmp_p = {0};
	for (size_t j = 0; j < k->digits && s == HEC_OK; j++) {
		s = _hec_expand_uniform(&k->aq[j], c, HEC_BASIS_Q, L, k->seed, 2 * j);
		if (s == HEC_OK)
			s = _hec_expand_uniform(&k->ap[j], c, HEC_BASIS_P, K, k->seed, 2 * j + 1);
		if (s == HEC_OK)
			s = sample_error_qp(c, &g, &k->bq[j], &k->bp[j]);
		if (s == HEC_OK)
			s = _hec_poly_reserve(&tmp, r, HEC_BASIS_Q, L, true);
		if (s == HEC_OK)
			s = _hec_poly_reserve(&tmp_p, r, HEC_BASIS_P, K, true);
		if (s != HEC_OK)
			break;
		/* b = e - a s over Q and P. */
		hec_poly_mul(&tmp, &k->aq[j], &sk->s_q);
		hec_poly_sub(&k->bq[j], &k->bq[j], &tmp);
		hec_poly_mul(&tmp_p, &k->ap[j], &sk->s_p);
		hec_poly_sub(&k->bp[j], &k->bp[j], &tmp_p);
		/* + P s' on the limbs of digit j. */
		size_t n = hec_ring_n(r);
		for (size_t i = j * alpha; i < (j + 1) * alpha && i < L; i++) {
			const hec_modulus_t *m = hec_ring_q_mod(r, i);
			uint64_t *dst = hec_poly_limb(&k->bq[j], i);
			const uint64_t *src = hec_poly_limb(sq_from, i);
			uint64_t w = p_mod_q[i], ws = hec_ntt_shoup(w, m->q);
			for (size_t x = 0; x < n; x++)
				dst[x] = hec_ntt_mod_add(dst[x], hec_ntt_mod_mul_shoup(src[x], w, ws, m->q), m->q);
		}
	}
	hec_poly_clear(&tmp);
	hec_poly_clear(&tmp_p);
	hec_prng_clear(&g);
	if (s != HEC_OK)
		_hec_switch_key_clear(k);
	return s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

hec_status hec_eval_keys_new(hec_eval_keys **out, const hec_secret_key *sk, bool relin, const int64_t *steps,
                             size_t nsteps, bool conj)
{
	const hec_context *c = sk->ctx;
	const hec_ring *r = c->ring;
	*out = NULL;
	hec_eval_keys *ek = calloc(1, sizeof *ek);
	uint64_t *gal = malloc((nsteps + 1) * sizeof *gal);
	if (!ek || !gal) {
		free(ek);
		free(gal);
		return hec_error_set(HEC_ERR_NOMEM, "keygen: out of memory");
	}
	ek->ctx = c;
	hec_status s = HEC_OK;
	hec_poly s2 = {0}, sq = {0}, sp = {0};
	if (relin) {
		/* s' = s^2 */
		s = hec_poly_init(&s2, r, HEC_BASIS_Q, c->params.nq, true);
		if (s == HEC_OK) {
			hec_poly_mul(&s2, &sk->s_q, &sk->s_q);
			s = _hec_switch_key_gen(&ek->relin, sk, &s2, NULL);
		}
		ek->has_relin = s == HEC_OK;
	}
	/* Distinct Galois elements. */
	size_t ng = 0;
	for (size_t i = 0; i < nsteps; i++) {
		uint64_t g = hec_ring_galois_rotation(r, steps[i]);
		if (g != 1)
			gal[ng++] = g;
	}
	if (conj)
		gal[ng++] = hec_ring_galois_conjugation(r);
	qsort(gal, ng, sizeof *gal, cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < ng; i++)
		if (!u || gal[u - 1] != gal[i])
			gal[u++] = gal[i];
	ek->gal = gal;
	ek->galk = calloc(u ? u : 1, sizeof *ek->galk);
	if (!ek->galk && s == HEC_OK)
		s = hec_error_set(HEC_ERR_NOMEM, "keygen: out of memory");
	if (s == HEC_OK)
		s = hec_poly_init(&sq, r, HEC_BASIS_Q, c->params.nq, true);
	for (size_t i = 0; i < u && s == HEC_OK; i++) {
		/* s' = s(X^g) */
		if ((s = hec_poly_automorphism(&sq, &sk->s_q, gal[i])) != HEC_OK)
			break;
		if ((s = _hec_switch_key_gen(&ek->galk[i], sk, &sq, NULL)) != HEC_OK)
			break;
		ek->ngal = i + 1;
	}
	hec_poly_clear(&s2);
	hec_poly_clear(&sq);
	hec_poly_clear(&sp);
	if (s != HEC_OK) {
		hec_eval_keys_free(ek);
		return s;
	}
	*out = ek;
	return HEC_OK;
}

void hec_eval_keys_free(hec_eval_keys *ek)
{
	if (!ek)
		return;
	if (ek->has_relin)
		_hec_switch_key_clear(&ek->relin);
	for (size_t i = 0; i < ek->ngal; i++)
		_hec_switch_key_clear(&ek->galk[i]);
	free(ek->galk);
	free(ek->gal);
	free(ek);
}

const struct hec_switch_key *_hec_eval_keys_find(const hec_eval_keys *ek, uint64_t g)
{
	if (!ek)
		return NULL;
	if (g == 0)
		return ek->has_relin ? &ek->relin : NULL;
	size_t lo = 0, hi = ek->ngal;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ek->gal[mid] < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ek->ngal && ek->gal[lo] == g ? &ek->galk[lo] : NULL;
}

bool hec_eval_keys_has(const hec_eval_keys *ek, uint64_t galois)
{
	return _hec_eval_keys_find(ek, galois) != NULL;
}

size_t hec_eval_keys_count(const hec_eval_keys *ek)
{
	return ek->ngal;
}

const hec_context *hec_secret_key_context(const hec_secret_key *sk) { return sk->ctx; }
const hec_context *hec_public_key_context(const hec_public_key *pk) { return pk->ctx; }
const hec_context *hec_eval_keys_context(const hec_eval_keys *ek) { return ek->ctx; }
