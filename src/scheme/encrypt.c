/* Encryption and decryption (Lyubashevsky, Peikert, Regev public-key RLWE
 * encryption as used by CKKS and BFV). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static hec_status check_pt(const hec_context *c, const hec_plaintext *pt)
{
	if (pt->ctx != c)
		return hec_error_set(HEC_ERR_MISMATCH, "encrypt: plaintext and key belong to different contexts");
	if (!pt->m.ntt && c->params.scheme != HEC_SCHEME_BFV) /* BFV plaintexts hold m mod t */
		return hec_error_set(HEC_ERR_ARG, "encrypt: plaintext not encoded");
	return HEC_OK;
}

/* A small polynomial (NTT form, level+1 limbs) from a sampler. */
static hec_status small_poly(hec_poly *p, const hec_context *c, size_t limbs, hec_prng *g, bool ternary)
{
	hec_status s = _hec_poly_reserve(p, c->ring, HEC_BASIS_Q, limbs, false);
	if (s != HEC_OK)
		return s;
	if (ternary)
		hec_sample_ternary(p, g);
	else
		hec_sample_error(p, g, NULL);
	hec_poly_ntt_fwd(p);
	return HEC_OK;
}

/* A small polynomial over Q_l (limbs) and the same integers over P, both
 * NTT form: ternary, or from the error distribution. */
static hec_status small_poly_qp(hec_poly *q, hec_poly *p, const hec_context *c, size_t limbs, hec_prng *g,
                                bool ternary, int64_t *v)
{
	size_t n = hec_context_n(c);
	hec_status s = _hec_poly_reserve(q, c->ring, HEC_BASIS_Q, limbs, false);
	if (s == HEC_OK)
		s = _hec_poly_reserve(p, c->ring, HEC_BASIS_P, c->params.np, false);
	if (s != HEC_OK)
		return s;
	if (ternary) {
		hec_sample_ternary(q, g);
		const uint64_t *l0 = hec_poly_limb(q, 0);
		uint64_t q0 = hec_ring_q(c->ring, 0);
		for (size_t i = 0; i < n; i++)
			v[i] = l0[i] == 0 ? 0 : l0[i] == 1 ? 1 : (l0[i] == q0 - 1 ? -1 : 0);
	} else {
		hec_sample_error(q, g, v);
	}
	hec_poly_set_i64(p, v);
	hec_poly_ntt_fwd(q);
	hec_poly_ntt_fwd(p);
	return HEC_OK;
}

hec_status hec_encrypt(hec_ciphertext *ct, const hec_public_key *pk, const hec_plaintext *pt)
{
	const hec_context *c = pk->ctx;
	hec_status s = check_pt(c, pt);
	if (s != HEC_OK)
		return s;
	if (ct->ctx != c)
		return hec_error_set(HEC_ERR_MISMATCH, "encrypt: ciphertext and key belong to different contexts");
	size_t limbs = pt->level + 1, n = hec_context_n(c);
	hec_prng g;
	if ((s = hec_prng_init_os(&g, HEC_STREAM_SECRET)) != HEC_OK)
		return s;
	hec_poly u = {0}, up = {0}, e = {0}, ep = {0}, tq = {0}, tp = {0}, dm = {0};
	hec_ring_workspace *ws = NULL;
	int64_t *v = malloc(n * sizeof *v);
	const hec_poly *msg = &pt->m;
	if (!v) {
		s = hec_error_set(HEC_ERR_NOMEM, "encrypt: out of memory");
		goto out;
	}
	if ((s = _hec_ciphertext_shape(ct, 2, pt->level)) != HEC_OK ||
	    (s = small_poly_qp(&u, &up, c, limbs, &g, true, v)) != HEC_OK ||
	    (s = hec_poly_init(&tq, c->ring, HEC_BASIS_Q, limbs, true)) != HEC_OK ||
	    (s = hec_poly_init(&tp, c->ring, HEC_BASIS_P, c->params.np, true)) != HEC_OK ||
	    (s = hec_ring_workspace_new(&ws, c->ring)) != HEC_OK)
		goto out;
	/* BFV: the message enters as round(Q m / t). */
	if (c->params.scheme == HEC_SCHEME_BFV) {
		if ((s = _hec_bfv_scaled_plain(&dm, pt, limbs)) != HEC_OK)
			goto out;
		msg = &dm;
	}
	/* c_i = ModDown((pk_i u + e_i) over Q_l P): the noise shrinks by P. */
	for (int h = 0; h < 2 && s == HEC_OK; h++) {
		const hec_poly *kq = h ? &pk->a : &pk->b, *kp = h ? &pk->a_p : &pk->b_p;
		if ((s = small_poly_qp(&e, &ep, c, limbs, &g, false, v)) != HEC_OK)
			break;
		hec_poly_mul(&tq, kq, &u);
		hec_poly_add(&tq, &tq, &e);
		hec_poly_mul(&tp, kp, &up);
		hec_poly_add(&tp, &tp, &ep);
		s = hec_poly_mod_down(&ct->c[h], &tq, &tp, ws);
	}
	if (s == HEC_OK)
		hec_poly_add(&ct->c[0], &ct->c[0], msg);
	ct->scale = pt->scale;
	ct->seeded = false;
out:
	hec_prng_clear(&g);
	if (v) {
		explicit_bzero(v, n * sizeof *v);
		free(v);
	}
	hec_poly_clear(&u);
	hec_poly_clear(&up);
	hec_poly_clear(&e);
	hec_poly_clear(&ep);
	hec_poly_clear(&tq);
	hec_poly_clear(&tp);
	hec_poly_clear(&dm);
	hec_ring_workspace_free(ws);
	return s;
}

hec_status hec_encrypt_symmetric(hec_ciphertext *ct, const hec_secret_key *sk, const hec_plaintext *pt)
{
	const hec_context *c = sk->ctx;
	hec_status s = check_pt(c, pt);
	if (s != HEC_OK)
		return s;
	if (ct->ctx != c)
		return hec_error_set(HEC_ERR_MISMATCH, "encrypt: ciphertext and key belong to different contexts");
	size_t limbs = pt->level + 1;
	hec_prng g;
	hec_poly e = {0}, dm = {0};
	const hec_poly *msg = &pt->m;
	if ((s = hec_random_os(ct->seed, sizeof ct->seed)) != HEC_OK || (s = hec_prng_init_os(&g, HEC_STREAM_SECRET)) != HEC_OK)
		return s;
	/* c1 = a (from the seed, all of Q, then the top limbs dropped). */
	if ((s = _hec_expand_uniform(&ct->c[1], c, HEC_BASIS_Q, c->params.nq, ct->seed, 0)) != HEC_OK ||
	    (s = _hec_poly_reserve(&ct->c[0], c->ring, HEC_BASIS_Q, limbs, true)) != HEC_OK ||
	    (s = small_poly(&e, c, limbs, &g, false)) != HEC_OK)
		goto out;
	if (c->params.scheme == HEC_SCHEME_BFV) {
		if ((s = _hec_bfv_scaled_plain(&dm, pt, limbs)) != HEC_OK)
			goto out;
		msg = &dm;
	}
	hec_poly_drop_limbs(&ct->c[1], limbs);
	/* c0 = -a s + e + m */
	hec_poly_mul(&ct->c[0], &ct->c[1], &sk->s_q);
	hec_poly_sub(&ct->c[0], &e, &ct->c[0]);
	hec_poly_add(&ct->c[0], &ct->c[0], msg);
	ct->size = 2;
	ct->level = pt->level;
	ct->scale = pt->scale;
	ct->seeded = true;
out:
	hec_prng_clear(&g);
	hec_poly_clear(&e);
	hec_poly_clear(&dm);
	return s;
}

hec_status hec_decrypt(hec_plaintext *pt, const hec_secret_key *sk, const hec_ciphertext *ct)
{
	const hec_context *c = sk->ctx;
	if (c->params.scheme == HEC_SCHEME_BFV)
		return hec_bfv_decrypt(pt, sk, ct);
	if (ct->ctx != c || pt->ctx != c)
		return hec_error_set(HEC_ERR_MISMATCH, "decrypt: ciphertext, plaintext and key belong to different contexts");
	size_t limbs = ct->level + 1;
	hec_status s = _hec_poly_reserve(&pt->m, c->ring, HEC_BASIS_Q, limbs, true);
	if (s != HEC_OK)
		return s;
	/* m = c0 + c1 s (+ c2 s^2), Horner: ((c2 s) + c1) s + c0. */
	if (ct->size == 3) {
		hec_poly_mul(&pt->m, &ct->c[2], &sk->s_q);
		hec_poly_add(&pt->m, &pt->m, &ct->c[1]);
		hec_poly_mul(&pt->m, &pt->m, &sk->s_q);
	} else {
		hec_poly_mul(&pt->m, &ct->c[1], &sk->s_q);
	}
	hec_poly_add(&pt->m, &pt->m, &ct->c[0]);
	pt->level = ct->level;
	pt->scale = ct->scale;
	return HEC_OK;
}
