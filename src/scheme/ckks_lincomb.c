/* Linear combinations of many ciphertexts with real weights: the kernel of
 * the CryptoNets-style batch layout, where every dense-layer output is a
 * weighted sum of hundreds of ciphertexts.  The weights become residues
 * once per limb; the sums are the ring's matrix product over coefficients
 * (hec_vec_lincomb: unreduced sums, one reduction per coefficient), which
 * is linear, so it applies to each ciphertext polynomial alike, including
 * the third one of an unrelinearised product. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* round(x) mod q for a finite double x (x = mant 2^e exactly). */
static uint64_t weight_residue(double x, const hec_modulus_t *m)
{
	double rx = round(x);
	int e;
	double f = frexp(fabs(rx), &e);
	uint64_t mant = (uint64_t)ldexp(f, 53);
	e -= 53;
	if (e < 0) {
		mant >>= -e;
		e = 0;
	}
	uint64_t v = hec_ntt_mod_reduce(mant, m);
	if (e)
		v = hec_ntt_mod_mul(v, hec_ntt_mod_pow(2 % m->q, (uint64_t)e, m), m);
	return rx < 0 ? hec_ntt_mod_neg(v, m->q) : v;
}

/* The checks both entry points share; *size gets the inputs' size. */
static hec_status check_inputs(const hec_evaluator *ev, hec_ciphertext *const *dst, size_t rows,
                               const hec_ciphertext *const *cts, const double *w, size_t n, size_t *size)
{
	if (n == 0 || rows == 0)
		return hec_error_set(HEC_ERR_ARG, "lincomb: no inputs or no outputs");
	const hec_ciphertext *a0 = cts[0];
	for (size_t i = 0; i < n; i++) {
		if (cts[i]->ctx != ev->ctx)
			return hec_error_set(HEC_ERR_MISMATCH,
			                     "lincomb: input %zu belongs to another context", i);
		if (cts[i]->level != a0->level || cts[i]->size != a0->size ||
		    fabs(cts[i]->scale / a0->scale - 1) > 0x1p-30)
			return hec_error_set(
			    HEC_ERR_LEVEL, "lincomb: input %zu differs in level, size or scale from input 0",
			    i);
		for (size_t r = 0; r < rows; r++)
			if (dst[r] == cts[i])
				return hec_error_set(HEC_ERR_ARG, "lincomb: output %zu aliases input %zu", r,
				                     i);
	}
	if (a0->size != 2 && a0->size != 3)
		return hec_error_set(HEC_ERR_ARG,
		                     "lincomb: inputs have %zu polynomials; 2 or 3 are supported", a0->size);
	for (size_t k = 0; k < rows * n; k++)
		if (!isfinite(w[k]))
			return hec_error_set(HEC_ERR_ARG, "lincomb: weight %zu is not finite", k);
	*size = a0->size;
	return HEC_OK;
}

static hec_status lincomb_many(hec_evaluator *ev, hec_ciphertext *const *dst, size_t rows,
                               const hec_ciphertext *const *cts, const double *w, size_t n,
                               double const_scale, bool add)
{
	size_t size;
	hec_status s = check_inputs(ev, dst, rows, cts, w, n, &size);
	if (s != HEC_OK)
		return s;
	const hec_context *c = ev->ctx;
	const hec_ciphertext *a0 = cts[0];
	if (const_scale == 0)
		const_scale = (double)hec_ring_q(c->ring, a0->level);
	if (!(const_scale > 0) || !isfinite(const_scale))
		return hec_error_set(HEC_ERR_ARG, "lincomb: const_scale must be finite and positive");
	const size_t limbs = a0->level + 1, N = hec_context_n(c), jobs = limbs * size;
	const double scale = a0->scale * const_scale;
	for (size_t r = 0; r < rows && s == HEC_OK; r++) {
		if (!add)
			s = _hec_ciphertext_shape(dst[r], size, a0->level);
		else if (dst[r]->ctx != c || dst[r]->level != a0->level || dst[r]->size != size ||
		         fabs(dst[r]->scale / scale - 1) > 0x1p-30)
			s = hec_error_set(HEC_ERR_LEVEL,
			                  "lincomb: output %zu differs in context, level, size or scale from "
			                  "the sums added to it",
			                  r);
	}
	if (s != HEC_OK)
		return s;
	/* The weights' residues, per limb a rows x n matrix. */
	uint64_t *wr = malloc(limbs * rows * n * sizeof *wr);
	if (!wr)
		return hec_error_set(HEC_ERR_NOMEM, "lincomb: out of memory");
	for (size_t l = 0; l < limbs; l++) {
		const hec_modulus_t *m = hec_ring_q_mod(c->ring, l);
		for (size_t k = 0; k < rows * n; k++)
			wr[l * rows * n + k] = w[k] == 0 ? 0 : weight_residue(w[k] * const_scale, m);
	}
	/* One job per limb, polynomial and quarter of the coefficients: a
	 * rows x n matrix product over N / 4 coefficients (hec_vec_lincomb).
	 * Quarters, because limbs x polynomials (9 for 3 limbs of
	 * unrelinearised inputs) rarely divide evenly among the threads. */
	const size_t parts = N % (4 * 16) == 0 ? 4 : 1, len = N / parts;
	hec_status err = HEC_OK;
#pragma omp parallel for schedule(dynamic, 1)
	for (size_t job = 0; job < jobs * parts; job++) {
		const size_t l = job / parts / size, h = job / parts % size, off = job % parts * len;
		const uint64_t **x = malloc(n * sizeof *x);
		uint64_t **d = malloc(rows * sizeof *d);
		hec_status js = x && d ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "lincomb: out of memory");
		for (size_t i = 0; js == HEC_OK && i < n; i++)
			x[i] = hec_poly_limb(&cts[i]->c[h], l) + off;
		for (size_t r = 0; js == HEC_OK && r < rows; r++)
			d[r] = hec_poly_limb(&dst[r]->c[h], l) + off;
		if (js == HEC_OK)
			js = hec_vec_lincomb(d, rows, x, n, wr + l * rows * n, len,
			                     hec_ring_q_mod(c->ring, l), add);
		free(x);
		free(d);
		if (js != HEC_OK) {
#pragma omp critical(hec_lincomb_err)
			err = js;
		}
	}
	free(wr);
	/* The arguments were checked above: a job fails only for memory (and
	 * its detail stayed on its thread). */
	if (err != HEC_OK)
		return hec_error_set(err, "lincomb: out of memory for a limb's scratch");
	for (size_t r = 0; r < rows; r++) {
		if (!add)
			dst[r]->scale = scale;
		dst[r]->seeded = false;
	}
	return HEC_OK;
}

hec_status hec_ckks_lincomb_many(hec_evaluator *ev, hec_ciphertext *const *dst, size_t rows,
                                 const hec_ciphertext *const *cts, const double *w, size_t n,
                                 double const_scale)
{
	return lincomb_many(ev, dst, rows, cts, w, n, const_scale, false);
}

hec_status hec_ckks_lincomb_many_add(hec_evaluator *ev, hec_ciphertext *const *dst, size_t rows,
                                     const hec_ciphertext *const *cts, const double *w, size_t n,
                                     double const_scale)
{
	return lincomb_many(ev, dst, rows, cts, w, n, const_scale, true);
}

hec_status hec_ckks_lincomb(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *const *cts,
                            const double *w, size_t n, double const_scale)
{
	return hec_ckks_lincomb_many(ev, &dst, 1, cts, w, n, const_scale);
}
