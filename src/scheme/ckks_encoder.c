/* CKKS encoding through the canonical embedding (Cheon, Kim, Kim, Song,
 * "Homomorphic encryption for arithmetic of approximate numbers",
 * ASIACRYPT 2017).
 *
 * With n slots (a power of two, n <= N/2) the message lives in the subring
 * of Y = X^gap, gap = N / 2n, where Y^(2n) = -1.  Slot j is m(w^(5^j)) with
 * w = exp(2 pi i / 4n).  Writing m(Y) = sum_{k<n} (a_k + b_k Y^n) Y^k and
 * using (w^(5^j))^n = i (as 5^j = 1 mod 4), slot j equals p(w^(5^j)) for the
 * complex polynomial p_k = a_k + i b_k.  The exponents 5^j mod 4n are
 * exactly the n residues 4t + 1, so the slots are a standard n-point DFT of
 * p_k w^k, read in the order t_j = (5^j mod 4n - 1) / 4: O(n log n) with an
 * ordinary radix-2 FFT and one twist, no special transform needed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* t_j for j < n. */
static void slot_order(size_t *t, size_t n)
{
	uint64_t e = 1, m = 4 * (uint64_t)n;
	for (size_t j = 0; j < n; j++) {
		t[j] = (size_t)((e - 1) / 4);
		e = e * 5 % m;
	}
}

/* In-place radix-2 DFT of length n: a_t <- sum_k a_k exp(sign 2 pi i k t / n),
 * with roots[k] = exp(2 pi i k / 2N). */
static void dft(double complex *a, size_t n, const double complex *roots, size_t two_n_ring, int sign)
{
	for (size_t i = 1, j = 0; i < n; i++) {
		size_t bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j |= bit;
		if (i < j) {
			double complex tmp = a[i];
			a[i] = a[j];
			a[j] = tmp;
		}
	}
	for (size_t len = 2; len <= n; len <<= 1) {
		size_t step = two_n_ring / len;
		for (size_t i = 0; i < n; i += len) {
			for (size_t k = 0; k < len / 2; k++) {
				double complex w = roots[k * step];
				if (sign < 0)
					w = conj(w);
				double complex u = a[i + k], v = a[i + k + len / 2] * w;
				a[i + k] = u + v;
				a[i + k + len / 2] = u - v;
			}
		}
	}
}

static hec_status check_slots(const hec_context *c, size_t slots)
{
	size_t n = hec_context_n(c);
	if (c->params.scheme != HEC_SCHEME_CKKS)
		return hec_error_set(HEC_ERR_ARG, "ckks: the context is not a CKKS context");
	if (slots < 1 || slots > n / 2 || (slots & (slots - 1)))
		return hec_error_set(HEC_ERR_ARG, "ckks: %zu slots is not a power of two in [1, N/2 = %zu]", slots,
		                     n / 2);
	return HEC_OK;
}

/* x mod q for a double x that is an integer (any magnitude below 2^1023):
 * x = mant * 2^exp with |mant| < 2^53, so x mod q = mant * 2^exp mod q. */
static uint64_t reduce_double(double x, const hec_modulus_t *m)
{
	int exp;
	double f = frexp(fabs(x), &exp); /* |x| = f 2^exp, f in [0.5, 1) */
	uint64_t mant = (uint64_t)ldexp(f, 53);
	exp -= 53;
	uint64_t r = hec_ntt_mod_reduce(mant, m);
	if (exp > 0)
		r = hec_ntt_mod_mul(r, hec_ntt_mod_pow(2 % m->q, (uint64_t)exp, m), m);
	else if (exp < 0)
		r = hec_ntt_mod_reduce(mant >> -exp, m); /* x is an integer: the low bits are zero */
	return x < 0 ? hec_ntt_mod_neg(r, m->q) : r;
}

/* The residues of the integer coefficients coef[0..2n) (at positions
 * k * gap) in every limb of p, then its NTT. */
static void write_residues(hec_poly *p, const double *coef, size_t n, size_t gap)
{
	hec_poly_zero(p);
	p->ntt = false;
	for (size_t i = 0; i < p->limbs; i++) {
		const hec_modulus_t *m =
		    p->basis == HEC_BASIS_Q ? hec_ring_q_mod(p->ring, i) : hec_ring_p_mod(p->ring, i);
		uint64_t *limb = hec_poly_limb(p, i);
		for (size_t k = 0; k < 2 * n; k++)
			limb[k * gap] = fabs(coef[k]) < 0x1p62 ? (coef[k] < 0 ? hec_ntt_mod_neg(hec_ntt_mod_reduce(
			                                                           (uint64_t)-coef[k], m), m->q)
			                                                      : hec_ntt_mod_reduce((uint64_t)coef[k], m))
			                                   : reduce_double(coef[k], m);
	}
	hec_poly_ntt_fwd(p);
}

/* Encode into pt at `level` and, if p_part != NULL, the same integer
 * polynomial over the special primes P (for products accumulated in QP
 * before a single ModDown). */
hec_status _hec_ckks_encode_qp(hec_plaintext *pt, hec_poly *p_part, const double complex *values, size_t len,
                               size_t slots, size_t level, double scale)
{
	const hec_context *c = pt->ctx;
	hec_status s = check_slots(c, slots);
	if (s != HEC_OK)
		return s;
	if (len > slots)
		return hec_error_set(HEC_ERR_ARG, "ckks encode: %zu values do not fit in %zu slots", len, slots);
	if (level > hec_context_max_level(c))
		return hec_error_set(HEC_ERR_ARG, "ckks encode: level %zu above the top level %zu", level,
		                     hec_context_max_level(c));
	if (!(scale > 0) || !isfinite(scale))
		return hec_error_set(HEC_ERR_ARG, "ckks encode: scale must be finite and positive");
	for (size_t j = 0; j < len; j++)
		if (!isfinite(creal(values[j])) || !isfinite(cimag(values[j])))
			return hec_error_set(HEC_ERR_ARG, "ckks encode: value %zu is not finite", j);

	size_t N = hec_context_n(c), n = slots, gap = N / (2 * n);
	double complex *w = calloc(n, sizeof *w);
	size_t *t = malloc(n * sizeof *t);
	double *coef = calloc(2 * n, sizeof *coef);
	if (!w || !t || !coef) {
		s = hec_error_set(HEC_ERR_NOMEM, "ckks encode: out of memory");
		goto out;
	}
	slot_order(t, n);
	for (size_t j = 0; j < len; j++)
		w[t[j]] = values[j];
	dft(w, n, c->roots, 2 * N, -1);
	double maxabs = 0;
	for (size_t k = 0; k < n; k++) {
		double complex p = w[k] / (double)n * conj(c->roots[k * gap]);
		coef[k] = round(creal(p) * scale);
		coef[k + n] = round(cimag(p) * scale);
		maxabs = fmax(maxabs, fmax(fabs(coef[k]), fabs(coef[k + n])));
	}
	double log_q = hec_ring_log2_q(c->ring, level);
	if (maxabs > 0 && log2(maxabs) + 1 >= log_q) {
		s = hec_error_set(HEC_ERR_RANGE,
		                  "ckks encode: a scaled coefficient needs %.1f bits but Q at level %zu has %.1f; "
		                  "lower the scale (2^%.1f) or the values, or encode at a higher level",
		                  log2(maxabs) + 1, level, log_q, log2(scale));
		goto out;
	}
	if ((s = _hec_poly_reserve(&pt->m, c->ring, HEC_BASIS_Q, level + 1, false)) != HEC_OK)
		goto out;
	write_residues(&pt->m, coef, n, gap);
	pt->level = level;
	pt->scale = scale;
	if (p_part) {
		if ((s = _hec_poly_reserve(p_part, c->ring, HEC_BASIS_P, c->params.np, false)) != HEC_OK)
			goto out;
		write_residues(p_part, coef, n, gap);
	}
out:
	free(w);
	free(t);
	free(coef);
	return s;
}

hec_status hec_ckks_encode(hec_plaintext *pt, const double complex *values, size_t len, size_t slots,
                           size_t level, double scale)
{
	return _hec_ckks_encode_qp(pt, NULL, values, len, slots, level, scale);
}

hec_status hec_ckks_encode_real(hec_plaintext *pt, const double *values, size_t len, size_t slots, size_t level,
                                double scale)
{
	double complex *v = malloc((len ? len : 1) * sizeof *v);
	if (!v)
		return hec_error_set(HEC_ERR_NOMEM, "ckks encode: out of memory");
	for (size_t j = 0; j < len; j++)
		v[j] = values[j];
	hec_status s = hec_ckks_encode(pt, v, len, slots, level, scale);
	free(v);
	return s;
}

/* Centered value of coefficient i of p (coefficient form) as a double.
 * Two limbs determine it exactly when |x| < q_0 q_1 / 2; with a larger
 * scale, the full CRT through GMP. */
static double centered_coeff(const hec_poly *p, size_t i, bool full, mpz_t tmp)
{
	const hec_ring *r = p->ring;
	uint64_t q0 = hec_ring_q(r, 0), x0 = hec_poly_limb(p, 0)[i];
	if (p->limbs == 1)
		return x0 > q0 / 2 ? -(double)(q0 - x0) : (double)x0;
	if (full) {
		hec_poly_get_mpz(tmp, p, i, true);
		return mpz_get_d(tmp);
	}
	const hec_modulus_t *m1 = hec_ring_q_mod(r, 1);
	uint64_t q1 = m1->q, x1 = hec_poly_limb(p, 1)[i];
	uint64_t q0inv;
	hec_ntt_mod_inv(&q0inv, q0 % q1, q1);
	/* x = x0 + q0 * ((x1 - x0) q0^-1 mod q1), in [0, q0 q1). */
	uint64_t k = hec_ntt_mod_mul(hec_ntt_mod_sub(x1, x0 % q1, q1), q0inv, m1);
	hec_u128 x = (hec_u128)q0 * k + x0, qq = (hec_u128)q0 * q1;
	return x > qq / 2 ? -(double)(qq - x) : (double)x;
}

hec_status hec_ckks_decode(double complex *values, size_t slots, const hec_plaintext *pt)
{
	const hec_context *c = pt->ctx;
	hec_status s = check_slots(c, slots);
	if (s != HEC_OK)
		return s;
	size_t N = hec_context_n(c), n = slots, gap = N / (2 * n);
	hec_poly tmp = {0};
	double complex *w = malloc(n * sizeof *w);
	size_t *t = malloc(n * sizeof *t);
	mpz_t z;
	mpz_init(z);
	if (!w || !t) {
		s = hec_error_set(HEC_ERR_NOMEM, "ckks decode: out of memory");
		goto out;
	}
	if ((s = hec_poly_init(&tmp, c->ring, HEC_BASIS_Q, pt->level + 1, pt->m.ntt)) != HEC_OK ||
	    (s = hec_poly_copy(&tmp, &pt->m)) != HEC_OK)
		goto out;
	if (tmp.ntt)
		hec_poly_ntt_inv(&tmp);
	/* Two limbs suffice unless the scale leaves fewer than 20 bits of
	 * headroom below q_0 q_1 / 2. */
	bool full = tmp.limbs > 2 && log2(pt->scale) + 20 > hec_ring_log2_q(c->ring, 1) - 1;
	for (size_t k = 0; k < n; k++) {
		double re = centered_coeff(&tmp, k * gap, full, z), im = centered_coeff(&tmp, (k + n) * gap, full, z);
		w[k] = (re + I * im) / pt->scale * c->roots[k * gap];
	}
	dft(w, n, c->roots, 2 * N, +1);
	slot_order(t, n);
	for (size_t j = 0; j < n; j++)
		values[j] = w[t[j]];
out:
	hec_poly_clear(&tmp);
	mpz_clear(z);
	free(w);
	free(t);
	return s;
}
