/* Least-squares polynomial approximations of the sigmoid, the activation
 * the encrypted logistic-regression trainer evaluates (Kim et al. 2018,
 * "Logistic regression model training based on the approximate homomorphic
 * encryption", fit degree 3, 5 and 7 on [-8, 8]; Han et al. 2019 reuse
 * them).
 *
 * The continuous least-squares fit on [-B, B] with uniform weight is the
 * truncated Legendre expansion of f(t) = sigmoid(B t) on [-1, 1]:
 *     c_k = (2k + 1) / 2 * integral_{-1}^{1} f(t) P_k(t) dt,
 * so no (ill-conditioned) normal equations are solved.  The integrals use
 * composite Gauss-Legendre quadrature (5 points on each of 64 panels:
 * exact for the polynomial part, error far below 1e-12 for the smooth
 * sigmoid).  The Legendre series is then converted to monomials in t and
 * rescaled to x = B t. */
#include <math.h>
#include <string.h>

#include "hecate/ml.h"

double hec_ml_sigmoid(double x)
{
	if (x >= 0)
		return 1.0 / (1.0 + exp(-x));
	double e = exp(x);
	return e / (1.0 + e);
}

double hec_ml_poly_eval(const double *c, size_t n, double x)
{
	if (n == 0)
		return 0;
	double y = c[n - 1];
	for (size_t i = n - 1; i-- > 0;)
		y = y * x + c[i];
	return y;
}

/* Monomial coefficients of the Legendre polynomials P_0..P_deg by Bonnet's
 * recursion (k+1) P_{k+1} = (2k+1) t P_k - k P_{k-1}. */
static void legendre_monomials(double P[][HEC_ML_MAX_POLY_DEGREE + 1], unsigned deg)
{
	memset(P, 0, (deg + 1) * sizeof *P);
	P[0][0] = 1;
	if (deg >= 1)
		P[1][1] = 1;
	for (unsigned k = 1; k < deg; k++)
		for (unsigned j = 0; j <= k + 1; j++) {
			double v = -(double)k * P[k - 1][j];
			if (j > 0)
				v += (double)(2 * k + 1) * P[k][j - 1];
			P[k + 1][j] = v / (double)(k + 1);
		}
}

hec_status hec_ml_sigmoid_fit(double *coeffs, unsigned degree, double bound)
{
	if (!coeffs || degree < 1 || degree > HEC_ML_MAX_POLY_DEGREE || !(bound > 0) ||
	    !isfinite(bound) || bound > 1e3)
		return hec_error_set(HEC_ERR_ARG, "sigmoid fit: degree %u must be in [1, %d] and bound > 0",
		                     degree, HEC_ML_MAX_POLY_DEGREE);
	/* 5-point Gauss-Legendre nodes and weights on [-1, 1]. */
	static const double gx[5] = {0.0, -0.5384693101056831, 0.5384693101056831,
	                             -0.9061798459386640, 0.9061798459386640};
	static const double gw[5] = {0.5688888888888889, 0.4786286704993665, 0.4786286704993665,
	                             0.2369268850561891, 0.2369268850561891};
	double P[HEC_ML_MAX_POLY_DEGREE + 1][HEC_ML_MAX_POLY_DEGREE + 1];
	legendre_monomials(P, degree);
	double leg[HEC_ML_MAX_POLY_DEGREE + 1] = {0};
	const unsigned panels = 64;
	for (unsigned p = 0; p < panels; p++) {
		double a = -1.0 + 2.0 * p / panels, h = 1.0 / panels; /* half width */
		for (int q = 0; q < 5; q++) {
			double t = a + h * (1.0 + gx[q]), f = hec_ml_sigmoid(bound * t) * gw[q] * h;
			for (unsigned k = 0; k <= degree; k++)
				leg[k] += f * hec_ml_poly_eval(P[k], k + 1, t);
		}
	}
	double mono[HEC_ML_MAX_POLY_DEGREE + 1] = {0};
	for (unsigned k = 0; k <= degree; k++) {
		double ck = leg[k] * (2.0 * k + 1.0) / 2.0;
		for (unsigned j = 0; j <= k; j++)
			mono[j] += ck * P[k][j];
	}
	/* p(x) = sum_j mono[j] (x / B)^j.  The sigmoid minus 1/2 is odd, so
	 * even coefficients above 0 vanish analytically: store them as 0. */
	double scale = 1.0;
	for (unsigned j = 0; j <= degree; j++, scale /= bound)
		coeffs[j] = (j > 0 && j % 2 == 0) ? 0.0 : mono[j] * scale;
	coeffs[0] = 0.5;
	return HEC_OK;
}
