/* Scheme-test helpers: deterministic randomness for replayable tests, small
 * insecure contexts, and the CKKS error bounds the tests assert. */
#ifndef HECATE_SCHEME_TESTUTIL_H
#define HECATE_SCHEME_TESTUTIL_H

#include <complex.h>
#include <math.h>
#include <string.h>
#include <sys/types.h>

#include "hecate/scheme.h"
#include "testutil.h"

/* The ring layer's test hook: the source of "OS" randomness.  Tests replace
 * it with a seeded stream so keys, errors and failures replay exactly. */
extern ssize_t (*_hec_random_source)(void *buf, size_t len, unsigned flags);

static test_rng det_rng;
static ssize_t det_source(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	unsigned char *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)test_rng_next(&det_rng);
	return (ssize_t)len;
}

/* Make all randomness deterministic from `seed` (printed by failures). */
static inline void deterministic_randomness(uint64_t seed)
{
	test_rng_init(&det_rng, seed);
	_hec_random_source = det_source;
}

/* A small CKKS context (insecure: tests only). */
static inline hec_context *small_ckks(unsigned log_n, unsigned nq, unsigned np, unsigned dnum, unsigned scale_bits)
{
	hec_params_t p = {0};
	p.scheme = HEC_SCHEME_CKKS;
	p.log_n = log_n;
	p.nq = nq;
	p.q_bits[0] = scale_bits + 10;
	for (unsigned i = 1; i < nq; i++)
		p.q_bits[i] = scale_bits;
	p.np = np;
	for (unsigned i = 0; i < np; i++)
		p.p_bits[i] = 50;
	p.dnum = dnum;
	p.log_scale = scale_bits;
	hec_context *c;
	ck_assert_msg(hec_context_new_insecure(&c, &p) == HEC_OK, "%s", hec_error_detail());
	return c;
}

/* Error bounds in the canonical embedding (Cheon, Kim, Kim, Song 2017,
 * Lemma 1 and section 3.4), as absolute errors per slot for scale `scale`.
 * sigma is the error's standard deviation (centered binomial eta = 21:
 * sqrt(10.5)); h bounds the secret's Hamming weight (N for uniform
 * ternary). */
#define TEST_SIGMA 3.2404
static inline double bound_encode(size_t slots, double scale)
{
	/* 2 slots coefficients each rounded by at most 1/2. */
	return (double)slots / scale;
}
static inline double bound_fresh(size_t n, double scale)
{
	double N = (double)n, h = N;
	return (8 * sqrt(2.0) * TEST_SIGMA * N + 6 * TEST_SIGMA * sqrt(N) + 16 * TEST_SIGMA * sqrt(h * N)) / scale;
}
static inline double bound_rescale(size_t n)
{
	double N = (double)n, h = N;
	return sqrt(N / 3) * (3 + 8 * sqrt(h));
}
/* Key switching: sum over digits of D_j e_j / P (D_j < Q_j / 2) plus the
 * ModDown rounding; log2_ratio = log2(max digit / P). */
static inline double bound_keyswitch(size_t n, size_t dnum, double log2_ratio)
{
	double N = (double)n;
	return 8 * TEST_SIGMA * N / sqrt(3.0) * sqrt((double)dnum) * exp2(log2_ratio) + bound_rescale(n);
}

static inline void random_values(test_rng *r, double complex *v, size_t n, double radius)
{
	for (size_t i = 0; i < n; i++) {
		double a = 2 * M_PI * (double)test_rng_next(r) / 0x1p64;
		double m = radius * sqrt((double)test_rng_next(r) / 0x1p64);
		v[i] = m * cos(a) + I * m * sin(a);
	}
}

static inline double max_err(const double complex *a, const double complex *b, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e = fmax(e, cabs(a[i] - b[i]));
	return e;
}

#endif
