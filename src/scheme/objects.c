/* Plaintext and ciphertext objects. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

hec_status _hec_poly_reserve(hec_poly *p, const hec_ring *r, hec_basis b, size_t limbs, bool ntt)
{
	if (p->c && p->ring == r && p->basis == b && p->cap >= limbs) {
		p->limbs = limbs;
		p->ntt = ntt;
		return HEC_OK;
	}
	hec_poly_clear(p);
	return hec_poly_init(p, r, b, limbs, ntt);
}

hec_status hec_plaintext_new(hec_plaintext **out, const hec_context *c)
{
	hec_plaintext *pt = calloc(1, sizeof *pt);
	*out = NULL;
	if (!pt)
		return hec_error_set(HEC_ERR_NOMEM, "plaintext: out of memory");
	pt->ctx = c;
	hec_status s = hec_poly_init(&pt->m, c->ring, HEC_BASIS_Q, c->params.nq, true);
	if (s != HEC_OK) {
		free(pt);
		return s;
	}
	pt->level = c->params.nq - 1;
	pt->scale = 1;
	*out = pt;
	return HEC_OK;
}

void hec_plaintext_free(hec_plaintext *pt)
{
	if (!pt)
		return;
	hec_poly_clear(&pt->m); /* wipes: a plaintext is the secret message */
	free(pt);
}

size_t hec_plaintext_level(const hec_plaintext *pt) { return pt->level; }
double hec_plaintext_scale(const hec_plaintext *pt) { return pt->scale; }

hec_status hec_ciphertext_new(hec_ciphertext **out, const hec_context *c)
{
	hec_ciphertext *ct = calloc(1, sizeof *ct);
	*out = NULL;
	if (!ct)
		return hec_error_set(HEC_ERR_NOMEM, "ciphertext: out of memory");
	ct->ctx = c;
	for (int i = 0; i < 2; i++) {
		hec_status s = hec_poly_init(&ct->c[i], c->ring, HEC_BASIS_Q, c->params.nq, true);
		if (s != HEC_OK) {
			hec_ciphertext_free(ct);
			return s;
		}
	}
	ct->size = 2;
	ct->level = c->params.nq - 1;
	ct->scale = 1;
	*out = ct;
	return HEC_OK;
}

void hec_ciphertext_free(hec_ciphertext *ct)
{
	if (!ct)
		return;
	for (int i = 0; i < 3; i++)
		hec_poly_clear(&ct->c[i]);
	free(ct);
}

/* Give ct `size` polynomials at `level` in NTT form (contents undefined). */
hec_status _hec_ciphertext_shape(hec_ciphertext *ct, size_t size, size_t level)
{
	for (size_t i = 0; i < size; i++) {
		hec_status s = _hec_poly_reserve(&ct->c[i], ct->ctx->ring, HEC_BASIS_Q, level + 1, true);
		if (s != HEC_OK)
			return s;
	}
	ct->size = size;
	ct->level = level;
	return HEC_OK;
}

hec_status hec_ciphertext_copy(hec_ciphertext *dst, const hec_ciphertext *src)
{
	if (dst == src)
		return HEC_OK;
	if (dst->ctx != src->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "ciphertext copy: different contexts");
	hec_status s = _hec_ciphertext_shape(dst, src->size, src->level);
	if (s != HEC_OK)
		return s;
	for (size_t i = 0; i < src->size; i++)
		if ((s = hec_poly_copy(&dst->c[i], &src->c[i])) != HEC_OK)
			return s;
	dst->scale = src->scale;
	dst->seeded = src->seeded;
	memcpy(dst->seed, src->seed, sizeof dst->seed);
	return HEC_OK;
}

hec_status hec_ciphertext_shrink(hec_ciphertext *ct)
{
	for (size_t i = 0; i < 3; i++) {
		hec_poly *p = &ct->c[i];
		if (!p->c || (i < ct->size && p->cap == p->limbs))
			continue;
		if (i >= ct->size) { /* a third polynomial left from before a relinearisation */
			hec_poly_clear(p);
			continue;
		}
		hec_poly small;
		hec_status s = hec_poly_init(&small, p->ring, p->basis, p->limbs, p->ntt);
		if (s != HEC_OK)
			return s;
		hec_poly_copy(&small, p);
		hec_poly_clear(p);
		*p = small;
	}
	return HEC_OK;
}

size_t hec_ciphertext_level(const hec_ciphertext *ct) { return ct->level; }
double hec_ciphertext_scale(const hec_ciphertext *ct) { return ct->scale; }
size_t hec_ciphertext_size(const hec_ciphertext *ct) { return ct->size; }
const hec_context *hec_ciphertext_context(const hec_ciphertext *ct) { return ct->ctx; }
