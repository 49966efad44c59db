/* Galois automorphisms X -> X^k of Z_q[X]/(X^n + 1), k odd.
 *
 * Coefficient form: X^i -> X^(ik mod 2n), and X^(n + j) = -X^j, so
 * coefficient i moves to ik mod n with the sign of floor(ik / n) mod 2.
 *
 * NTT form: slot i holds the evaluation at zeta_i = psi^(2 brv(i) + 1)
 * (include/hecate/ntt.h).  a(X^k) evaluated at zeta_i is a evaluated at
 * zeta_i^k = psi^((2 brv(i) + 1) k), which is slot j of a for
 * 2 brv(j) + 1 = (2 brv(i) + 1) k mod 2n.  The permutation i -> j depends
 * only on n and k, not on the prime, so one table serves every limb; it is
 * built on first use and cached in the ring. */
#include <stdlib.h>

#include "ring_internal.h"

static uint32_t brv(uint32_t x, unsigned bits)
{
	uint32_t r = 0;
	for (unsigned i = 0; i < bits; i++, x >>= 1)
		r = (r << 1) | (x & 1);
	return r;
}

const uint32_t *_hec_ring_galois_perm(const hec_ring *r, uint64_t k)
{
	_Atomic(uint32_t *) *slot = &r->galois[(k - 1) / 2];
	uint32_t *perm = atomic_load_explicit(slot, memory_order_acquire);
	if (perm)
		return perm;
	hec_ring *rw = (hec_ring *)r; /* the cache is the only mutable part */
	pthread_mutex_lock(&rw->lock);
	perm = atomic_load_explicit(slot, memory_order_relaxed);
	if (!perm && (perm = malloc(r->n * sizeof *perm))) {
		const uint64_t mask = 2 * r->n - 1;
		for (uint32_t i = 0; i < r->n; i++) {
			uint64_t e = ((2 * (uint64_t)brv(i, r->logn) + 1) * k) & mask;
			perm[i] = brv((uint32_t)((e - 1) / 2), r->logn);
		}
		atomic_store_explicit(slot, perm, memory_order_release);
	}
	pthread_mutex_unlock(&rw->lock);
	return perm;
}

/* dst limbs [l, l + cnt) = src limbs permuted by perm, cnt <= 3.
 *
 * Locality: for slots i = 8b + t (t < 8), brv(i) = brv(8b) + t n / 8, and
 * (brv(i) k + (k - 1)/2) mod n changes only in its top three bits as t
 * varies, so the source slots are the 8 slots of one aligned block. */
static void permute_group(hec_poly *dst, const hec_poly *src, size_t l, size_t cnt, const uint32_t *perm, size_t n)
{
	uint64_t *d0 = hec_poly_limb(dst, l);
	const uint64_t *s0 = hec_poly_limb(src, l);
	if (cnt == 3) {
		uint64_t *d1 = d0 + n, *d2 = d1 + n;
		const uint64_t *s1 = s0 + n, *s2 = s1 + n;
		for (size_t i = 0; i < n; i++) {
			const uint32_t j = perm[i];
			d0[i] = s0[j];
			d1[i] = s1[j];
			d2[i] = s2[j];
		}
	} else if (cnt == 2) {
		uint64_t *d1 = d0 + n;
		const uint64_t *s1 = s0 + n;
		for (size_t i = 0; i < n; i++) {
			const uint32_t j = perm[i];
			d0[i] = s0[j];
			d1[i] = s1[j];
		}
	} else {
		for (size_t i = 0; i < n; i++)
			d0[i] = s0[perm[i]];
	}
}

hec_status hec_poly_automorphism(hec_poly *dst, const hec_poly *src, uint64_t k)
{
	const hec_ring *r = src->ring;
	if (!(k & 1))
		return hec_error_set(HEC_ERR_ARG, "automorphism: k = %llu is even; Galois elements are odd",
		                     (unsigned long long)k);
	if (dst == src || dst->c == src->c)
		return hec_error_set(HEC_ERR_ARG, "automorphism: the destination must not alias the source");
	if (dst->ring != r || dst->cap < src->limbs)
		return hec_error_set(HEC_ERR_ARG, "automorphism: destination of another ring or with capacity %zu < %zu limbs",
		                     dst->cap, src->limbs);
	const size_t n = r->n, limbs = src->limbs;
	k &= 2 * n - 1;
	dst->basis = src->basis;
	dst->limbs = limbs;
	dst->ntt = src->ntt;
	if (src->ntt) {
		const uint32_t *perm = _hec_ring_galois_perm(r, k);
		if (!perm)
			return hec_error_set(HEC_ERR_NOMEM, "automorphism: out of memory for the permutation of k = %llu",
			                     (unsigned long long)k);
		/* Three limbs per pass share each index load (about 20% faster
		 * than one limb at a time); every aligned block of 8 slots reads
		 * one aligned block of 8 (see permute_group), so the reads touch
		 * each cache line once. */
		const size_t groups = (limbs + 2) / 3;
		HEC_OMP_FOR_IF(limbs * n >= HEC_OMP_MIN_WORDS)
		for (size_t gi = 0; gi < groups; gi++) {
			size_t l = 3 * gi, cnt = limbs - l < 3 ? limbs - l : 3;
			permute_group(dst, src, l, cnt, perm, n);
		}
		return HEC_OK;
	}
	HEC_OMP_FOR_IF(limbs * n >= HEC_OMP_MIN_WORDS)
	for (size_t l = 0; l < limbs; l++) {
		const uint64_t q = hec_poly_mod(src, l)->q;
		uint64_t *d = hec_poly_limb(dst, l);
		const uint64_t *s = hec_poly_limb(src, l);
		/* i k mod 2n walks by steps of k: no multiplication per index. */
		for (size_t i = 0, e = 0; i < n; i++, e = (e + k) & (2 * n - 1)) {
			uint64_t v = s[i];
			if (e < n)
				d[e] = v;
			else
				d[e - n] = hec_ntt_mod_neg(v, q);
		}
	}
	return HEC_OK;
}

uint64_t hec_ring_galois_rotation(const hec_ring *r, int64_t step)
{
	/* 5 has order n/2 modulo 2n, so 5^-s = 5^(n/2 - s mod n/2). */
	const uint64_t half = r->n / 2, mask = 2 * r->n - 1;
	int64_t s = step % (int64_t)half;
	uint64_t e = (uint64_t)(s < 0 ? s + (int64_t)half : s);
	uint64_t g = 1, b = 5;
	for (; e; e >>= 1, b = (b * b) & mask)
		if (e & 1)
			g = (g * b) & mask;
	return g;
}

uint64_t hec_ring_galois_conjugation(const hec_ring *r)
{
	return 2 * r->n - 1;
}
