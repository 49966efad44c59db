/* hec_vec_lincomb: both kernels against GMP sums, bit for bit, across
 * prime sizes, fold boundaries of the AVX2 kernel's exact double sums,
 * block tails, sparse and extreme weights; and its argument checks. */
#include <check.h>
#include <stdlib.h>

#include "ring_internal.h"
#include "ringtest.h"

typedef hec_status (*lincomb_fn)(uint64_t *const *, size_t, const uint64_t *const *, size_t, const uint64_t *,
                                 size_t, const hec_modulus_t *, bool);

/* One case: rows x count weights (a fraction `zeros` of them zero, or all
 * extreme when `extreme`; with small > 0 balanced weights in [-small,
 * small], and with extreme too exactly +-small), count inputs of n
 * coefficients mod a prime of `bits` bits; both kernels against the GMP
 * sums, replacing d's values and adding to them (values near q when
 * extreme). */
static void check_case_w(test_rng *g, unsigned bits, size_t rows, size_t count, size_t n, unsigned zeros_pct,
                         bool extreme, uint64_t small)
{
	uint64_t q;
	CK_OK(hec_ntt_primes_generate(&q, 1, bits, 16));
	hec_modulus_t m;
	CK_OK(hec_ntt_modulus_init(&m, q));
	uint64_t *W = malloc(rows * count * sizeof *W), **x = malloc(count * sizeof *x),
	         **d = malloc(rows * sizeof *d);
	ck_assert(W && x && d);
	for (size_t k = 0; k < rows * count; k++) {
		const bool neg = test_rng_below(g, 2);
		if (test_rng_below(g, 100) < zeros_pct)
			W[k] = 0;
		else if (small) { /* |w| <= small, or = small when extreme */
			const uint64_t a = (extreme ? small : test_rng_below(g, small + 1)) % q;
			W[k] = neg && a ? q - a : a;
		} else if (extreme) /* the largest balanced magnitudes, both signs */
			W[k] = test_rng_below(g, 2) ? (q - 1) / 2 : (q + 1) / 2;
		else
			W[k] = test_rng_below(g, q);
	}
	for (size_t i = 0; i < count; i++) {
		x[i] = malloc(n * sizeof *x[i]);
		ck_assert_ptr_nonnull(x[i]);
		for (size_t k = 0; k < n; k++)
			x[i][k] = extreme ? q - 1 - test_rng_below(g, 2) : test_rng_below(g, q);
	}
	for (size_t r = 0; r < rows; r++)
		ck_assert_ptr_nonnull(d[r] = malloc(n * sizeof *d[r]));
	/* The sums by GMP, and d's starting values for the adding mode. */
	uint64_t *want = malloc(rows * n * sizeof *want), *start = malloc(rows * n * sizeof *start);
	ck_assert(want && start);
	for (size_t k = 0; k < rows * n; k++)
		start[k] = extreme ? q - 1 - test_rng_below(g, 2) : test_rng_below(g, q);
	mpz_t s, t;
	mpz_inits(s, t, NULL);
	for (size_t r = 0; r < rows; r++)
		for (size_t k = 0; k < n; k++) {
			mpz_set_ui(s, 0);
			for (size_t i = 0; i < count; i++) {
				mpz_set_ui(t, x[i][k]);
				mpz_addmul_ui(s, t, W[r * count + i]);
			}
			want[r * n + k] = mpz_fdiv_ui(s, q);
		}
	mpz_clears(s, t, NULL);
	/* The dispatcher (the AVX2 kernel where it applies) and the portable
	 * kernel. */
	const lincomb_fn kernels[2] = {hec_vec_lincomb, _hec_vec_lincomb_ref};
	for (int mode = 0; mode < 4; mode++) {
		const int kn = mode % 2;
		const bool add = mode >= 2;
		for (size_t r = 0; r < rows; r++)
			for (size_t k = 0; k < n; k++) /* garbage the kernel must overwrite, or the start */
				d[r][k] = add ? start[r * n + k] : test_rng_next(g);
		CK_OK(kernels[kn](d, rows, (const uint64_t *const *)x, count, W, n, &m, add));
		for (size_t r = 0; r < rows; r++)
			for (size_t k = 0; k < n; k++) {
				const uint64_t w =
				    add ? (want[r * n + k] + start[r * n + k]) % q : want[r * n + k];
				ck_assert_msg(d[r][k] == w,
				              "kernel %d add %d bits %u rows %zu count %zu n %zu: row %zu "
				              "coeff %zu: %llu, "
				              "want %llu " SEED_FMT,
				              kn, add, bits, rows, count, n, r, k,
				              (unsigned long long)d[r][k], (unsigned long long)w,
				              SEED_ARG(g));
			}
	}
	for (size_t i = 0; i < count; i++)
		free(x[i]);
	for (size_t r = 0; r < rows; r++)
		free(d[r]);
	free(want);
	free(start);
	free(W);
	free(x);
	free(d);
}

static void check_case(test_rng *g, unsigned bits, size_t rows, size_t count, size_t n, unsigned zeros_pct,
                       bool extreme)
{
	check_case_w(g, bits, rows, count, n, zeros_pct, extreme, 0);
}

START_TEST(test_lincomb_vs_gmp)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x11c0b));
	/* The AVX2 kernel folds its sums every 24 terms at 49 bits, every 203
	 * at 46 (counts 23-25, 49 and 300 cross them); 60-bit primes take the
	 * portable kernel even through the dispatcher. */
	static const unsigned bits[] = {20, 30, 36, 40, 45, 46, 47, 49, 60};
	static const size_t counts[] = {1, 2, 23, 24, 25, 49, 300};
	static const size_t ns[] = {4, 12, 64, 1028};
	for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
		for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
			for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
				if (counts[c] * ns[k] > 100000)
					continue;
				check_case(&g, bits[b], 1 + (c + k) % 3, counts[c], ns[k], (unsigned)(b * 10),
				           false);
				check_case(&g, bits[b], 2, counts[c], ns[k], 0, true);
			}
	/* Many inputs and rows, extremes across several folds, block tails,
	 * and a convolution's shape with mostly-zero rows. */
	check_case(&g, 40, 3, 900, 516, 0, false);
	check_case(&g, 46, 2, 700, 64, 0, true);
	check_case(&g, 36, 9, 100, 64, 0, false);
	check_case(&g, 30, 6, 25, 1028, 0, false);
	check_case(&g, 49, 5, 784, 256, 97, false);
}
END_TEST

/* Small weights (|w| <= 2^24: the AVX2 kernel's split paths, which reduce
 * every 7 2^25 / max|w| terms: 14 at 2^24, so counts 13-15 and 29 cross
 * it), dense (four rows at a time: 1 to 7 rows) and sparse,
 * tails of 4 and 12 coefficients, extremes (weights exactly +-2^24, inputs
 * and starting values next to q), and a weight just above the bound (the
 * general path). */
START_TEST(test_lincomb_small_weights)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x5a11));
	static const unsigned bits[] = {30, 40, 49};
	static const size_t counts[] = {1, 13, 14, 15, 29, 300};
	static const size_t ns[] = {4, 12, 48, 1028};
	static const uint64_t smalls[] = {1, 1 << 10, 1 << 24};
	for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
		for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
			for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
				if (counts[c] * ns[k] > 100000)
					continue;
				const uint64_t small = smalls[(b + c + k) % 3];
				check_case_w(&g, bits[b], 1 + (c + k) % 4, counts[c], ns[k], 0, false, small);
				check_case_w(&g, bits[b], 3, counts[c], ns[k], 0, true, 1 << 24);
			}
	check_case_w(&g, 45, 100, 845, 64, 0, false, 1 << 22);
	check_case_w(&g, 40, 7, 50, 28, 0, true, 1 << 24);
	check_case_w(&g, 40, 5, 50, 36, 0, false, 1 << 24);
	check_case_w(&g, 45, 4, 200, 64, 0, true, (1 << 24) + 1);
	check_case_w(&g, 45, 4, 200, 64, 30, false, 1 << 20);
	/* Sparse rows of small weights (a convolution's): the split path one
	 * row at a time, with extremes and a tail. */
	check_case_w(&g, 49, 5, 784, 256, 97, false, 1 << 24);
	check_case_w(&g, 49, 3, 300, 68, 90, true, 1 << 24);
	check_case_w(&g, 30, 2, 29, 12, 60, true, 1 << 23);
}
END_TEST

START_TEST(test_lincomb_checks)
{
	uint64_t q;
	CK_OK(hec_ntt_primes_generate(&q, 1, 40, 16));
	hec_modulus_t m;
	CK_OK(hec_ntt_modulus_init(&m, q));
	uint64_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {0}, *x[1] = {a}, *d[1] = {b};
	uint64_t w[1] = {q};
	ck_assert_int_eq(hec_vec_lincomb(d, 1, (const uint64_t *const *)x, 1, w, 8, &m, false), HEC_ERR_ARG);
	w[0] = 3;
	d[0] = a;
	ck_assert_int_eq(hec_vec_lincomb(d, 1, (const uint64_t *const *)x, 1, w, 8, &m, false), HEC_ERR_ARG);
	d[0] = b;
	CK_OK(hec_vec_lincomb(d, 1, (const uint64_t *const *)x, 1, w, 8, &m, false));
	for (size_t k = 0; k < 8; k++)
		ck_assert_uint_eq(b[k], 3 * a[k]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ring-lincomb");
	TCase *tc = tcase_create("lincomb");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_lincomb_vs_gmp);
	tcase_add_test(tc, test_lincomb_small_weights);
	tcase_add_test(tc, test_lincomb_checks);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
