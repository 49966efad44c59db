/* Plaintext matrix times encrypted vector: the hybrid diagonal method
 * (Juvekar, Vaikuntanathan, Chandrakasan, "GAZELLE", USENIX Security 2018)
 * with baby-step giant-step (Halevi, Shoup, "Algorithms in HElib", CRYPTO
 * 2014; "Faster homomorphic linear transformations in HElib", CRYPTO 2018).
 *
 * x has period n; M is padded to m x n (m, n powers of two, m <= n).  With
 * d_i[j] = M[j mod m][(j + i) mod n], z = sum_{i<m} d_i * rot(x, i) holds
 * in slot r + t m the partial sum over columns c = r + t m + i (mod n), so
 * summing the n/m chunks of z gives y = M x with period m.  Writing
 * i = g n1 + b and pulling rot(., g n1) out of each giant group,
 * z = sum_g rot( sum_b rot(d_{g n1 + b}, -g n1) * rot(x, b), g n1 ):
 * n1 - 1 hoisted baby rotations of x and m / n1 - 1 giant rotations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct hec_linear_transform {
	const hec_context *ctx;
	size_t m, n, n1, n2, level;
	double pt_scale;
	hec_plaintext **diag; /* m entries, NULL for all-zero diagonals */
};

static size_t pow2_at_least(size_t x)
{
	size_t p = 1;
	while (p < x)
		p <<= 1;
	return p;
}

hec_status hec_linear_transform_new(hec_linear_transform **out, const hec_context *c, const double *mat,
                                    size_t rows, size_t cols, size_t period, size_t level)
{
	*out = NULL;
	size_t slots = hec_context_slots(c);
	if (c->params.scheme != HEC_SCHEME_CKKS)
		return hec_error_set(HEC_ERR_ARG, "linear transform: not a CKKS context");
	if (period < 1 || period > slots || (period & (period - 1)) || cols < 1 || cols > period || rows < 1 ||
	    pow2_at_least(rows) > slots)
		return hec_error_set(HEC_ERR_ARG,
		                     "linear transform: need cols <= period, period a power of two dividing %zu slots, "
		                     "rows <= %zu (got %zu x %zu, period %zu)",
		                     slots, slots, rows, cols, period);
	if (level < 1 || level > hec_context_max_level(c))
		return hec_error_set(HEC_ERR_LEVEL, "linear transform: level %zu must be in [1, %zu]", level,
		                     hec_context_max_level(c));
	hec_linear_transform *lt = calloc(1, sizeof *lt);
	if (!lt)
		return hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	lt->ctx = c;
	lt->m = pow2_at_least(rows);
	lt->n = period > lt->m ? period : lt->m;
	lt->level = level;
	/* n1 = 2^ceil(log2(sqrt(m))): baby steps at least as many as giant. */
	lt->n1 = 1;
	while (lt->n1 * lt->n1 < lt->m)
		lt->n1 <<= 1;
	lt->n2 = lt->m / lt->n1;
	lt->pt_scale = (double)hec_ring_q(c->ring, level);
	size_t m = lt->m, n = lt->n;
	lt->diag = calloc(m, sizeof *lt->diag);
	double complex *v = malloc(n * sizeof *v);
	hec_status s = lt->diag && v ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	for (size_t i = 0; i < m && s == HEC_OK; i++) {
		size_t g = i / lt->n1 * lt->n1;
		bool zero = true;
		/* rot(d_i, -g)[j] = d_i[(j - g) mod n] */
		for (size_t j = 0; j < n; j++) {
			size_t jj = (j + n - g) % n, r = jj % m, col = (jj + i) % n;
			double x = r < rows && col < cols ? mat[r * cols + col] : 0;
			v[j] = x;
			zero &= x == 0;
		}
		if (zero)
			continue;
		if ((s = hec_plaintext_new(&lt->diag[i], c)) == HEC_OK)
			s = hec_ckks_encode(lt->diag[i], v, n, n, level, lt->pt_scale);
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
	for (size_t k = 0; lt->diag && k < lt->m; k++)
		hec_plaintext_free(lt->diag[k]);
	free(lt->diag);
	free(lt);
}

size_t hec_linear_transform_out_period(const hec_linear_transform *lt)
{
	return lt->m;
}

static bool baby_used(const hec_linear_transform *lt, size_t b)
{
	for (size_t g = 0; g < lt->n2; g++)
		if (lt->diag[g * lt->n1 + b])
			return true;
	return false;
}

static bool giant_used(const hec_linear_transform *lt, size_t g)
{
	for (size_t b = 0; b < lt->n1; b++)
		if (lt->diag[g * lt->n1 + b])
			return true;
	return false;
}

size_t hec_linear_transform_steps(const hec_linear_transform *lt, int64_t *steps, size_t max)
{
	size_t count = 0;
#define PUSH(x)                          \
	do {                             \
		if (count < max)         \
			steps[count] = (x); \
		count++;                 \
	} while (0)
	for (size_t b = 1; b < lt->n1; b++)
		if (baby_used(lt, b))
			PUSH((int64_t)b);
	for (size_t g = 1; g < lt->n2; g++)
		if (giant_used(lt, g))
			PUSH((int64_t)(g * lt->n1));
	for (size_t span = lt->m; span < lt->n; span <<= 1)
		PUSH((int64_t)span);
#undef PUSH
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
	hec_ciphertext **baby = calloc(n1, sizeof *baby), **bout = calloc(n1, sizeof *bout);
	int64_t *bsteps = malloc(n1 * sizeof *bsteps);
	hec_ciphertext *inner = NULL, *acc = NULL, *tmp = NULL;
	hec_status s = baby && bout && bsteps ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	size_t nb = 0;
	for (size_t b = 0; b < n1 && s == HEC_OK; b++) {
		if (!baby_used(lt, b))
			continue;
		s = hec_ciphertext_new(&baby[b], ev->ctx);
		bout[nb] = baby[b];
		bsteps[nb++] = (int64_t)b;
	}
	if (s == HEC_OK)
		s = hec_ciphertext_new(&inner, ev->ctx);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&acc, ev->ctx);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&tmp, ev->ctx);
	/* All baby rotations share one key-switching decomposition of a. */
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
	if (s == HEC_OK && !acc_set) /* the zero matrix */
		s = hec_ckks_mul_const(ev, acc, a, 0.0, lt->pt_scale);
	double scale = a->scale;
	/* Sum the n / m chunks: the output has period m. */
	if (s == HEC_OK && lt->n > lt->m)
		s = hec_ckks_rotate_sum(ev, acc, acc, lt->n / lt->m, (int64_t)lt->m);
	if (s == HEC_OK)
		s = hec_ckks_rescale(ev, dst, acc);
	if (s == HEC_OK)
		dst->scale = scale; /* pt_scale = q_level exactly */
	for (size_t b = 0; baby && b < n1; b++)
		hec_ciphertext_free(baby[b]);
	free(baby);
	free(bout);
	free(bsteps);
	hec_ciphertext_free(inner);
	hec_ciphertext_free(acc);
	hec_ciphertext_free(tmp);
	return s;
}
