/* Ring creation: validation of the primes, NTT tables, and every constant
 * the layer's operations need (rescaling, ModDown, the GMP bridge), plus the
 * lazily filled caches (ModUp converters, Galois permutations) and the
 * workspace. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"

_Static_assert(sizeof(unsigned long) == 8, "the GMP bridge passes 64-bit words as unsigned long");

/* q must be an NTT-friendly prime distinct from the `count` accepted so far. */
static hec_status check_prime(const hec_ring *r, size_t count, uint64_t q, const char *which, size_t i)
{
	if (q >= HEC_MODULUS_MAX || q < 3 || (q - 1) % (2 * r->n) || !hec_ntt_is_prime(q))
		return hec_error_set(HEC_ERR_ARG,
		                     "ring: %s[%zu] = %llu is not a prime = 1 (mod 2n = %zu) below 2^61", which,
		                     i, (unsigned long long)q, 2 * r->n);
	for (size_t j = 0; j < count; j++)
		if (r->prime[j] == q)
			return hec_error_set(HEC_ERR_ARG, "ring: %s[%zu] = %llu appears twice", which, i,
			                     (unsigned long long)q);
	return HEC_OK;
}

/* Product of the primes with global indices [from, to) modulo m. */
static uint64_t prod_mod(const hec_ring *r, size_t from, size_t to, const hec_modulus_t *m)
{
	uint64_t acc = 1 % m->q;
	for (size_t j = from; j < to; j++)
		acc = hec_ntt_mod_mul(acc, hec_ntt_mod_reduce(r->prime[j], m), m);
	return acc;
}

/* Garner table for primes with global indices [base, base + k). */
static uint64_t *garner_table(const hec_ring *r, size_t base, size_t k)
{
	uint64_t *g = calloc(k ? k * k : 1, sizeof *g);
	if (!g)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		const hec_modulus_t *m = &r->mod[base + i];
		for (size_t j = 0; j < i; j++)
			hec_ntt_mod_inv(&g[i * k + j], hec_ntt_mod_reduce(r->prime[base + j], m), m->q);
	}
	return g;
}

hec_status hec_ring_new(hec_ring **out, size_t n, const uint64_t *q, size_t nq, const uint64_t *p, size_t np)
{
	*out = NULL;
	hec_status s = hec_ntt_kernel_init();
	if (s != HEC_OK)
		return s;
	if (n < HEC_NTT_MIN_N || n > HEC_NTT_MAX_N || (n & (n - 1)))
		return hec_error_set(HEC_ERR_ARG, "ring: n = %zu is not a power of two in [16, 2^17]", n);
	if (nq < 1 || nq > HEC_RING_MAX_PRIMES || np > HEC_RING_MAX_PRIMES)
		return hec_error_set(HEC_ERR_ARG, "ring: %zu ciphertext and %zu special primes; need 1..%d and 0..%d",
		                     nq, np, HEC_RING_MAX_PRIMES, HEC_RING_MAX_PRIMES);
	if (!q || (np && !p))
		return hec_error_set(HEC_ERR_ARG, "ring: NULL prime list");

	hec_ring *r = calloc(1, sizeof *r);
	if (!r)
		return hec_error_set(HEC_ERR_NOMEM, "ring: out of memory");
	r->n = n;
	r->logn = (unsigned)__builtin_ctzll(n);
	for (size_t i = 0; i < nq + np; i++) {
		bool isq = i < nq;
		uint64_t v = isq ? q[i] : p[i - nq];
		if ((s = check_prime(r, i, v, isq ? "q" : "p", isq ? i : i - nq)) != HEC_OK) {
			free(r);
			return s;
		}
		r->prime[i] = v;
	}
	r->nq = nq;
	r->np = np;
	pthread_mutex_init(&r->lock, NULL);
	/* From here on hec_ring_free can undo a partial construction. */
	for (size_t i = 0; i < nq + np; i++) {
		hec_ntt_modulus_init(&r->mod[i], r->prime[i]);
		if ((s = hec_ntt_table_new(&r->tab[i], n, r->prime[i])) != HEC_OK)
			goto fail;
	}
	double acc = 0;
	for (size_t i = 0; i < nq; i++)
		r->log2q[i] = (acc += log2((double)r->prime[i]));
	for (size_t i = 0; i < np; i++)
		r->log2p += log2((double)r->prime[nq + i]);

	/* Rescaling constants (see rescale.c). */
	if (!(r->resc_inv = calloc(nq * nq, sizeof(uint64_t))))
		goto nomem;
	for (size_t l = 1; l < nq; l++) {
		for (size_t i = 0; i < l; i++) {
			const hec_modulus_t *m = &r->mod[i];
			hec_ntt_mod_inv(&r->resc_inv[l * nq + i], hec_ntt_mod_reduce(r->prime[l], m), m->q);
		}
	}

	/* ModDown constants (see moddown.c). */
	if (np) {
		for (size_t i = 0; i < nq; i++) {
			uint64_t pm = prod_mod(r, nq, nq + np, &r->mod[i]);
			hec_ntt_mod_inv(&r->pinv[i], pm, r->prime[i]);
		}
		if ((s = hec_rns_conv_new(&r->p_to_q, n, r->prime + nq, np, r->prime, nq)) != HEC_OK)
			goto fail;
	}

	/* GMP bridge. */
	r->garner_q = garner_table(r, 0, nq);
	r->garner_p = garner_table(r, nq, np);
	if (!r->garner_q || !r->garner_p || !(r->q_prefix = malloc(nq * sizeof *r->q_prefix)))
		goto nomem;
	/* Initialise every mpz at once so hec_ring_free may clear them all. */
	mpz_init_set_ui(r->p_prod, 1);
	for (size_t i = 0; i < nq; i++)
		mpz_init(r->q_prefix[i]);
	for (size_t i = 0; i < np; i++)
		mpz_mul_ui(r->p_prod, r->p_prod, r->prime[nq + i]);
	for (size_t i = 0; i < nq; i++) {
		if (i)
			mpz_mul_ui(r->q_prefix[i], r->q_prefix[i - 1], r->prime[i]);
		else
			mpz_set_ui(r->q_prefix[i], r->prime[0]);
	}

	r->modup = calloc((nq + 1) * (nq + 1), sizeof *r->modup);
	r->downresc = calloc(nq, sizeof *r->downresc);
	r->galois = calloc(n, sizeof *r->galois);
	if (!r->modup || !r->downresc || !r->galois)
		goto nomem;
	*out = r;
	return HEC_OK;

nomem:
	s = hec_error_set(HEC_ERR_NOMEM, "ring: out of memory");
fail:
	hec_ring_free(r);
	return s;
}

void hec_ring_free(hec_ring *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nq + r->np; i++)
		hec_ntt_table_free(r->tab[i]);
	free(r->resc_inv);
	hec_rns_conv_free(r->p_to_q);
	free(r->garner_q);
	free(r->garner_p);
	if (r->q_prefix) {
		/* q_prefix is allocated last among the mpz values: if it exists,
		 * p_prod and every entry were initialised. */
		for (size_t i = 0; i < r->nq; i++)
			mpz_clear(r->q_prefix[i]);
		mpz_clear(r->p_prod);
		free(r->q_prefix);
	}
	if (r->modup) {
		for (size_t i = 0; i < (r->nq + 1) * (r->nq + 1); i++)
			hec_rns_conv_free(atomic_load_explicit(&r->modup[i], memory_order_relaxed));
		free(r->modup);
	}
	if (r->downresc) {
		for (size_t i = 0; i < r->nq; i++)
			hec_rns_conv_free(atomic_load_explicit(&r->downresc[i], memory_order_relaxed));
		free(r->downresc);
	}
	if (r->galois) {
		for (size_t i = 0; i < r->n; i++)
			free(atomic_load_explicit(&r->galois[i], memory_order_relaxed));
		free(r->galois);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

size_t hec_ring_n(const hec_ring *r) { return r->n; }
size_t hec_ring_nq(const hec_ring *r) { return r->nq; }
size_t hec_ring_np(const hec_ring *r) { return r->np; }
uint64_t hec_ring_q(const hec_ring *r, size_t i) { return r->prime[i]; }
const hec_ntt_table *hec_ring_q_ntt(const hec_ring *r, size_t i) { return r->tab[i]; }
const hec_modulus_t *hec_ring_q_mod(const hec_ring *r, size_t i) { return &r->mod[i]; }
uint64_t hec_ring_p(const hec_ring *r, size_t i) { return r->prime[r->nq + i]; }
const hec_ntt_table *hec_ring_p_ntt(const hec_ring *r, size_t i) { return r->tab[r->nq + i]; }
const hec_modulus_t *hec_ring_p_mod(const hec_ring *r, size_t i) { return &r->mod[r->nq + i]; }
double hec_ring_log2_q(const hec_ring *r, size_t level) { return r->log2q[level]; }
double hec_ring_log2_p(const hec_ring *r) { return r->log2p; }

const hec_rns_conv *_hec_ring_modup_conv(const hec_ring *r, size_t b, size_t e)
{
	_Atomic(hec_rns_conv *) *slot = &r->modup[b * (r->nq + 1) + e];
	/* Double-checked publication: the acquire load pairs with the release
	 * store below, so a reader that sees the pointer sees the constants. */
	hec_rns_conv *cv = atomic_load_explicit(slot, memory_order_acquire);
	if (cv)
		return cv;
	hec_ring *rw = (hec_ring *)r; /* the cache is the only mutable part */
	pthread_mutex_lock(&rw->lock);
	cv = atomic_load_explicit(slot, memory_order_relaxed);
	if (!cv) {
		/* Targets: q_0..q_{b-1}, q_e..q_{L-1}, then p_0..p_{K-1}. */
		uint64_t to[2 * HEC_RING_MAX_PRIMES];
		size_t nt = 0;
		for (size_t i = 0; i < r->nq + r->np; i++)
			if (i < b || i >= e)
				to[nt++] = r->prime[i];
		if (hec_rns_conv_new(&cv, r->n, r->prime + b, e - b, to, nt) == HEC_OK)
			atomic_store_explicit(slot, cv, memory_order_release);
		else
			cv = NULL;
	}
	pthread_mutex_unlock(&rw->lock);
	return cv;
}

const hec_rns_conv *_hec_ring_downresc_conv(const hec_ring *r, size_t l)
{
	_Atomic(hec_rns_conv *) *slot = &r->downresc[l];
	hec_rns_conv *cv = atomic_load_explicit(slot, memory_order_acquire);
	if (cv)
		return cv;
	hec_ring *rw = (hec_ring *)r;
	pthread_mutex_lock(&rw->lock);
	cv = atomic_load_explicit(slot, memory_order_relaxed);
	if (!cv) {
		/* Sources: p_0..p_{K-1}, then q_l; targets q_0..q_{l-1}. */
		uint64_t from[HEC_RING_MAX_PRIMES + 1];
		for (size_t j = 0; j < r->np; j++)
			from[j] = r->prime[r->nq + j];
		from[r->np] = r->prime[l];
		if (hec_rns_conv_new(&cv, r->n, from, r->np + 1, r->prime, l) == HEC_OK)
			atomic_store_explicit(slot, cv, memory_order_release);
		else
			cv = NULL;
	}
	pthread_mutex_unlock(&rw->lock);
	return cv;
}

/* Workspace size in words, the largest need of any operation:
 *   rescale (NTT form): the last limb in coefficient form plus one
 *     temporary per remaining limb: (L + 1) n;
 *   ModUp: the digit's limbs in coefficient form plus the conversion's
 *     scratch: 2 * digit_size * n <= 2 L n;
 *   ModDown: P's limbs in coefficient form, the conversion's scratch and the
 *     converted Q limbs: (2 K + L) n;
 *   ModDown with rescaling: the same with q_l as a source, one limb fewer
 *     as a target: (2 (K + 1) + L - 1) n. */
static size_t workspace_words(const hec_ring *r)
{
	size_t L = r->nq, K = r->np, w = L + 1;
	if (2 * L > w)
		w = 2 * L;
	if (K && 2 * K + L + 1 > w)
		w = 2 * K + L + 1;
	return w * r->n;
}

hec_status hec_ring_workspace_new(hec_ring_workspace **out, const hec_ring *r)
{
	*out = NULL;
	hec_ring_workspace *w = calloc(1, sizeof *w);
	if (!w)
		return hec_error_set(HEC_ERR_NOMEM, "ring: out of memory for a workspace");
	w->ring = r;
	w->words = workspace_words(r);
	w->buf = aligned_alloc(64, w->words * sizeof(uint64_t));
	if (!w->buf) {
		free(w);
		return hec_error_set(HEC_ERR_NOMEM, "ring: out of memory for a %zu-word workspace",
		                     workspace_words(r));
	}
	*out = w;
	return HEC_OK;
}

void hec_ring_workspace_free(hec_ring_workspace *w)
{
	if (!w)
		return;
	/* Scratch held intermediate values of secret-dependent polynomials. */
	explicit_bzero(w->buf, w->words * sizeof(uint64_t));
	free(w->buf);
	free(w);
}

hec_status _hec_ring_check_ws(const hec_ring *r, const hec_ring_workspace *w, const char *op)
{
	if (!w || w->ring != r)
		return hec_error_set(HEC_ERR_ARG, "%s: the workspace was not created for this ring", op);
	return HEC_OK;
}
