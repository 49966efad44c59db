/* Plaintext matrix times encrypted vector by the diagonal method with
 * baby-step giant-step (Halevi, Shoup, "Algorithms in HElib", CRYPTO 2014;
 * "Faster homomorphic linear transformations in HElib", CRYPTO 2018).
 *
 * With diag_k[j] = M[j][(j + k) mod d], M x = sum_k diag_k * rot(x, k).
 * Writing k = g n1 + b and pulling rot(., g n1) out of each giant group,
 * M x = sum_g rot( sum_b rot(diag_{g n1 + b}, -g n1) * rot(x, b), g n1 ):
 * n1 - 1 hoisted baby rotations of x and d / n1 - 1 giant rotations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct hec_linear_transform {
	const hec_context *ctx;
	size_t dim, n1, n2, level;
	double pt_scale;
	hec_plaintext **diag; /* dim entries, NULL for all-zero diagonals */
};

hec_status hec_linear_transform_new(hec_linear_transform **out, const hec_context *c, const double *m,
                                    size_t rows, size_t dim, size_t level)
{
	*out = NULL;
	size_t slots = hec_context_slots(c);
	if (c->params.scheme != HEC_SCHEME_CKKS)
		return hec_error_set(HEC_ERR_ARG, "linear transform: not a CKKS context");
	if (dim < 1 || dim > slots || (dim & (dim - 1)) || rows < 1 || rows > dim)
		return hec_error_set(HEC_ERR_ARG,
		                     "linear transform: need rows <= dim, dim a power of two <= %zu slots (got %zu x %zu)",
		                     slots, rows, dim);
	if (level < 1 || level > hec_context_max_level(c))
		return hec_error_set(HEC_ERR_LEVEL, "linear transform: level %zu must be in [1, %zu]", level,
		                     hec_context_max_level(c));
	hec_linear_transform *lt = calloc(1, sizeof *lt);
	double complex *v = malloc(dim * sizeof *v);
	if (lt)
		lt->diag = calloc(dim, sizeof *lt->diag);
	if (!lt || !v || !lt->diag) {
		free(v);
		hec_linear_transform_free(lt);
		return hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	}
	lt->ctx = c;
	lt->dim = dim;
	lt->level = level;
	/* n1 = 2^ceil(log2(sqrt(dim))): baby steps at least as many as giant. */
	lt->n1 = 1;
	while (lt->n1 * lt->n1 < dim)
		lt->n1 <<= 1;
	lt->n2 = dim / lt->n1;
	lt->pt_scale = (double)hec_ring_q(c->ring, level);
	hec_status s = HEC_OK;
	for (size_t k = 0; k < dim && s == HEC_OK; k++) {
		size_t g = k / lt->n1 * lt->n1;
		bool zero = true;
		/* rot(diag_k, -g)[j] = diag_k[(j - g) mod d] */
		for (size_t j = 0; j < dim; j++) {
			size_t row = (j + dim - g) % dim;
			double x = row < rows ? m[row * dim + (row + k) % dim] : 0;
			v[j] = x;
			zero &= x == 0;
		}
		if (zero)
			continue;
		if ((s = hec_plaintext_new(&lt->diag[k], c)) == HEC_OK)
			s = hec_ckks_encode(lt->diag[k], v, dim, dim, level, lt->pt_scale);
	}
	free(v);
	if (s != HEC_OK) {
		hec_linear_transform_free(lt);
		return s;
	}
	*out = lt;
	return HEC_OK;
}

void hec_linear_transform_free(hec_linear_transform *lt)
{
	if (!lt)
		return;
	for (size_t k = 0; lt->diag && k < lt->dim; k++)
		hec_plaintext_free(lt->diag[k]);
	free(lt->diag);
	free(lt);
}

size_t hec_linear_transform_steps(const hec_linear_transform *lt, int64_t *steps, size_t max)
{
	size_t count = 0;
	/* Baby steps that some nonzero diagonal uses, then giant steps. */
	for (size_t b = 1; b < lt->n1; b++) {
		bool used = false;
		for (size_t g = 0; g < lt->n2 && !used; g++)
			used = g * lt->n1 + b < lt->dim && lt->diag[g * lt->n1 + b];
		if (used && count < max)
			steps[count] = (int64_t)b;
		count += used;
	}
	for (size_t g = 1; g < lt->n2; g++) {
		bool used = false;
		for (size_t b = 0; b < lt->n1 && !used; b++)
			used = lt->diag[g * lt->n1 + b] != NULL;
		if (used && count < max)
			steps[count] = (int64_t)(g * lt->n1);
		count += used;
	}
	return count;
}

hec_status hec_ckks_linear_transform(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                     const hec_linear_transform *lt)
{
	if (lt->ctx != ev->ctx || a->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "linear transform: objects of different contexts");
	if (a->level != lt->level)
		return hec_error_set(HEC_ERR_LEVEL, "linear transform: ciphertext at level %zu, transform built for %zu",
		                     a->level, lt->level);
	size_t n1 = lt->n1;
	hec_ciphertext **baby = calloc(n1, sizeof *baby);
	int64_t *steps = malloc(n1 * sizeof *steps);
	hec_ciphertext *inner = NULL, *acc = NULL, *tmp = NULL;
	hec_status s = baby && steps ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	for (size_t b = 0; b < n1 && s == HEC_OK; b++) {
		s = hec_ciphertext_new(&baby[b], ev->ctx);
		steps[b] = (int64_t)b;
	}
	if (s == HEC_OK)
		s = hec_ciphertext_new(&inner, ev->ctx);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&acc, ev->ctx);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&tmp, ev->ctx);
	/* Baby steps used by some diagonal; the others stay empty. */
	size_t nb = 0;
	hec_ciphertext **bout = NULL;
	int64_t *bsteps = NULL;
	if (s == HEC_OK) {
		bout = malloc(n1 * sizeof *bout);
		bsteps = malloc(n1 * sizeof *bsteps);
		if (!bout || !bsteps)
			s = hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	}
	bool *have = calloc(n1, sizeof *have);
	if (!have && s == HEC_OK)
		s = hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	for (size_t b = 0; b < n1 && s == HEC_OK; b++) {
		for (size_t g = 0; g < lt->n2 && !have[b]; g++)
			have[b] = lt->diag[g * n1 + b] != NULL;
		if (have[b]) {
			bout[nb] = baby[b];
			bsteps[nb++] = (int64_t)b;
		}
	}
	if (s == HEC_OK)
		s = hec_ckks_rotate_hoisted(ev, bout, a, bsteps, nb);
	bool acc_set = false;
	for (size_t g = 0; g < lt->n2 && s == HEC_OK; g++) {
		bool inner_set = false;
		for (size_t b = 0; b < n1 && s == HEC_OK; b++) {
			const hec_plaintext *d = lt->diag[g * n1 + b];
			if (!d)
				continue;
			if (!inner_set) {
				s = hec_ckks_mul_plain(ev, inner, baby[b], d);
				inner_set = true;
			} else {
				s = hec_ckks_mul_plain(ev, tmp, baby[b], d);
				if (s == HEC_OK)
					s = hec_ckks_add(ev, inner, inner, tmp);
			}
		}
		if (!inner_set || s != HEC_OK)
			continue;
		if (g && (s = hec_ckks_rotate(ev, inner, inner, (int64_t)(g * n1))) != HEC_OK)
			break;
		if (!acc_set) {
			s = hec_ciphertext_copy(acc, inner);
			acc_set = true;
		} else {
			s = hec_ckks_add(ev, acc, acc, inner);
		}
	}
	if (s == HEC_OK && !acc_set) {
		/* The zero matrix: a * 0 at the right scale. */
		s = hec_ckks_mul_const(ev, acc, a, 0.0, lt->pt_scale);
	}
	double scale = a->scale;
	if (s == HEC_OK)
		s = hec_ckks_rescale(ev, dst, acc);
	if (s == HEC_OK)
		dst->scale = scale; /* pt_scale = q_level exactly */
	for (size_t b = 0; baby && b < n1; b++)
		hec_ciphertext_free(baby[b]);
	free(baby);
	free(steps);
	free(bout);
	free(bsteps);
	free(have);
	hec_ciphertext_free(inner);
	hec_ciphertext_free(acc);
	hec_ciphertext_free(tmp);
	return s;
}
