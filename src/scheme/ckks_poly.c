/* Polynomial evaluation in the Chebyshev basis, and Chebyshev fitting.
 *
 * T_1..T_d come from the product tree T_{a+b} = 2 T_a T_b - T_{a-b} with
 * a = ceil(i/2), b = floor(i/2), so T_i sits ceil(log2 i) levels down.
 * Every ciphertext carries its exact scale; before the shared rescale the
 * subtracted T_{a-b} is multiplied by the constant 1 at scale s_a s_b /
 * s_{a-b}, which lands it on the product's scale without spending a level.
 * The series is then summed with each c_i T_i brought to the input's scale
 * by a per-term constant (Bossuat, Mouchet, Troncoso-Pastoriza, Hubaux,
 * EUROCRYPT 2021, use the same per-level scale bookkeeping). */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

void hec_chebyshev_fit(double *c, size_t degree, double (*f)(double x, void *arg), void *arg, double a, double b)
{
	size_t n = degree + 1;
	for (size_t k = 0; k < n; k++)
		c[k] = 0;
	for (size_t j = 0; j < n; j++) {
		double t = cos(M_PI * ((double)j + 0.5) / (double)n);
		double fx = f(0.5 * (b - a) * t + 0.5 * (a + b), arg);
		for (size_t k = 0; k < n; k++)
			c[k] += fx * cos((double)k * M_PI * ((double)j + 0.5) / (double)n);
	}
	for (size_t k = 0; k < n; k++)
		c[k] *= (k ? 2.0 : 1.0) / (double)n;
}

double hec_chebyshev_eval(const double *c, size_t degree, double a, double b, double x)
{
	/* Clenshaw's recurrence. */
	double y = (2 * x - a - b) / (b - a), b1 = 0, b2 = 0;
	for (size_t k = degree; k >= 1; k--) {
		double t = 2 * y * b1 - b2 + c[k];
		b2 = b1;
		b1 = t;
	}
	return y * b1 - b2 + c[0];
}

static bool is_unit_interval(double lo, double hi)
{
	return lo == -1 && hi == 1;
}

static size_t ceil_log2(size_t x)
{
	size_t l = 0;
	while (((size_t)1 << l) < x)
		l++;
	return l;
}

size_t hec_ckks_chebyshev_depth(size_t degree, double lo, double hi)
{
	return (is_unit_interval(lo, hi) ? 0 : 1) + ceil_log2(degree) + 1;
}

hec_status hec_ckks_eval_chebyshev(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const double *c,
                                   size_t degree, double lo, double hi)
{
	const hec_context *ctx = ev->ctx;
	if (a->ctx != ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "chebyshev: ciphertext of another context");
	if (degree < 1 || !(hi > lo) || !isfinite(lo) || !isfinite(hi))
		return hec_error_set(HEC_ERR_ARG, "chebyshev: need degree >= 1 and a finite interval lo < hi");
	size_t depth = hec_ckks_chebyshev_depth(degree, lo, hi);
	if (depth > a->level)
		return hec_error_set(HEC_ERR_LEVEL,
		                     "chebyshev: degree %zu needs %zu levels; the ciphertext has %zu left", degree,
		                     depth, a->level);
	for (size_t k = 0; k <= degree; k++)
		if (!isfinite(c[k]))
			return hec_error_set(HEC_ERR_ARG, "chebyshev: coefficient %zu is not finite", k);
	const double target = a->scale;
	hec_ciphertext **T = calloc(degree + 1, sizeof *T);
	hec_ciphertext *r = NULL, *acc = NULL;
	hec_status s = T ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "chebyshev: out of memory");
	for (size_t i = 1; i <= degree && s == HEC_OK; i++)
		s = hec_ciphertext_new(&T[i], ctx);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&r, ctx);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&acc, ctx);
	/* T_1 = y = (2x - lo - hi) / (hi - lo). */
	if (s == HEC_OK) {
		if (is_unit_interval(lo, hi)) {
			s = hec_ckks_relinearize(ev, T[1], a);
		} else {
			s = hec_ckks_mul_const(ev, T[1], a, 2 / (hi - lo), 0);
			if (s == HEC_OK)
				s = hec_ckks_rescale(ev, T[1], T[1]);
			if (s == HEC_OK) {
				T[1]->scale = target;
				s = hec_ckks_add_const(ev, T[1], T[1], -(hi + lo) / (hi - lo));
			}
		}
	}
	for (size_t i = 2; i <= degree && s == HEC_OK; i++) {
		size_t ia = (i + 1) / 2, ib = i / 2;
		hec_ciphertext *t = T[i];
		s = hec_ckks_mul_relin(ev, t, T[ia], T[ib]);
		if (s == HEC_OK)
			s = hec_ckks_mul_int(ev, t, t, 2);
		if (s != HEC_OK)
			break;
		if (ia == ib) {
			s = hec_ckks_add_const(ev, t, t, -1.0); /* T_0 = 1, exact at t's scale */
		} else {
			/* T_{ia - ib} = T_1 brought to t's level and scale. */
			const hec_ciphertext *d = T[ia - ib];
			double cs = t->scale / d->scale;
			s = hec_ckks_drop_to_level(ev, r, d, t->level);
			if (s == HEC_OK)
				s = hec_ckks_mul_const(ev, r, r, 1.0, cs);
			if (s == HEC_OK) {
				r->scale = t->scale;
				s = hec_ckks_sub(ev, t, t, r);
			}
		}
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, t, t);
	}
	/* sum_i c_i T_i, every term on the input's scale one level below the
	 * deepest T_i. */
	size_t out_level = s == HEC_OK ? T[degree]->level - 1 : 0;
	bool acc_set = false;
	for (size_t i = 1; i <= degree && s == HEC_OK; i++) {
		if (c[i] == 0)
			continue;
		double q = (double)hec_ring_q(ctx->ring, T[i]->level);
		s = hec_ckks_mul_const(ev, r, T[i], c[i], target * q / T[i]->scale);
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, r, r);
		if (s == HEC_OK)
			s = hec_ckks_drop_to_level(ev, r, r, out_level);
		if (s != HEC_OK)
			break;
		r->scale = target;
		if (!acc_set) {
			s = hec_ciphertext_copy(acc, r);
			acc_set = true;
		} else {
			s = hec_ckks_add(ev, acc, acc, r);
		}
	}
	if (s == HEC_OK && !acc_set) {
		/* Only a constant term: 0 * x at the right level and scale. */
		s = hec_ckks_drop_to_level(ev, acc, T[1], out_level + 1);
		if (s == HEC_OK)
			s = hec_ckks_mul_const(ev, acc, acc, 0.0, 0);
		if (s == HEC_OK)
			s = hec_ckks_rescale(ev, acc, acc);
		acc->scale = target;
	}
	if (s == HEC_OK)
		s = hec_ckks_add_const(ev, acc, acc, c[0]);
	if (s == HEC_OK)
		s = hec_ciphertext_copy(dst, acc);
	for (size_t i = 1; T && i <= degree; i++)
		hec_ciphertext_free(T[i]);
	free(T);
	hec_ciphertext_free(r);
	hec_ciphertext_free(acc);
	return s;
}
