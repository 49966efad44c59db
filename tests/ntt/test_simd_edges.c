/* The SIMD kernels this CPU supports, at the edges of what they accept,
 * against the portable kernel bit for bit:
 *   - the largest primes below 2^50 (the SIMD limit), where the error
 *     bounds of the floating-point AVX2 arithmetic and the 4q < 2^52 of
 *     the IFMA butterflies are tightest, for every n;
 *   - inputs that maximise growth (all 2q - 1, alternating extremes) and
 *     many random inputs;
 *   - vector operations with composite and power-of-two moduli, and
 *     operands just below q, which push quotient estimates furthest.
 * (test_kernels_match_portable in test_ntt.c covers primes up to 49 bits;
 * test_avx512_emul.c runs the IFMA kernel under emulation.) */
#include <stdio.h>
#include <string.h>

#include "hecate/ntt.h"
#include "kernels.h"
#include "testutil.h"

static uint64_t *alloc_vec(size_t n)
{
	uint64_t *v = aligned_alloc(64, (n < 8 ? 8 : (n + 7) / 8 * 8) * sizeof *v);
	ck_assert_ptr_nonnull(v);
	return v;
}

static bool skip(hec_kernel k)
{
	if (hec_ntt_kernel_supported(k))
		return false;
	fprintf(stderr, "SKIPPED: the %s kernel is not supported by this CPU or build\n",
	        hec_ntt_kernel_name(k));
	return true;
}

static void fill(test_rng *r, uint64_t *a, size_t n, uint64_t q, int pattern)
{
	for (size_t i = 0; i < n; i++) {
		switch (pattern) {
		case 0: a[i] = test_rng_below(r, 2 * q); break;
		case 1: a[i] = 2 * q - 1; break;
		case 2: a[i] = i & 1 ? 2 * q - 1 : 0; break;
		case 3: a[i] = q; break;
		default:
			a[i] =
			    test_rng_below(r, 2) ? 2 * q - 1 - test_rng_below(r, 16) : test_rng_below(r, 16);
		}
	}
}

static void compare(hec_kernel k, const hec_ntt_table *ts, const hec_ntt_table *tp, const uint64_t *a,
                    uint64_t *x, uint64_t *y, const char *what, test_rng *r)
{
	size_t n = hec_ntt_table_n(tp);
	uint64_t q = hec_ntt_table_modulus(tp)->q;
	hec_ntt_fwd(tp, x, a);
	hec_ntt_fwd(ts, y, a);
	ck_assert_msg(memcmp(x, y, n * 8) == 0, "%s fwd n=%zu q=%llu %s " SEED_FMT, hec_ntt_kernel_name(k), n,
	              (unsigned long long)q, what, SEED_ARG(r));
	hec_ntt_fwd_lazy(ts, y, a);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(y[i] < 4 * q && y[i] % q == x[i], "%s fwd_lazy n=%zu %s " SEED_FMT,
		              hec_ntt_kernel_name(k), n, what, SEED_ARG(r));
	hec_ntt_inv(tp, x, a);
	hec_ntt_inv(ts, y, a);
	ck_assert_msg(memcmp(x, y, n * 8) == 0, "%s inv n=%zu q=%llu %s " SEED_FMT, hec_ntt_kernel_name(k), n,
	              (unsigned long long)q, what, SEED_ARG(r));
	hec_ntt_inv_lazy(ts, y, a);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(y[i] < 2 * q && y[i] % q == x[i], "%s inv_lazy n=%zu %s " SEED_FMT,
		              hec_ntt_kernel_name(k), n, what, SEED_ARG(r));
}

/* _i = 0: avx2, 1: avx512.  Every n, the two largest 50-bit primes. */
START_TEST(test_largest_primes)
{
	hec_kernel k = (hec_kernel)(_i + 1);
	if (skip(k))
		return;
	test_rng r;
	test_rng_init(&r, test_seed(0x50b175 + (uint64_t)k));
	for (size_t n = HEC_NTT_MIN_N; n <= HEC_NTT_MAX_N; n <<= 1) {
		uint64_t qs[2];
		ck_assert_int_eq(hec_ntt_primes_generate(qs, 2, 50, n), HEC_OK);
		for (int j = 0; j < 2; j++) {
			hec_ntt_table *ts, *tp;
			ck_assert_int_eq(hec_ntt_table_new_kernel(&ts, n, qs[j], k), HEC_OK);
			ck_assert_int_eq(hec_ntt_table_new_kernel(&tp, n, qs[j], HEC_KERNEL_PORTABLE),
			                 HEC_OK);
			uint64_t *a = alloc_vec(n), *x = alloc_vec(n), *y = alloc_vec(n);
			static const char *const names[] = {"random", "all 2q-1", "alternating", "all q",
			                                    "near edges"};
			for (int pat = 0; pat < 5; pat++) {
				fill(&r, a, n, qs[j], pat);
				compare(k, ts, tp, a, x, y, names[pat], &r);
			}
			free(a);
			free(x);
			free(y);
			hec_ntt_table_free(ts);
			hec_ntt_table_free(tp);
		}
	}
}
END_TEST

/* Many random inputs at a few sizes and prime sizes, for rare rounding
 * paths. */
START_TEST(test_many_random)
{
	hec_kernel k = (hec_kernel)(_i + 1);
	if (skip(k))
		return;
	test_rng r;
	test_rng_init(&r, test_seed(0x3a11d + (uint64_t)k));
	static const size_t ns[] = {16, 32, 4096, 8192};
	static const unsigned bits[] = {21, 35, 48, 50};
	for (size_t in = 0; in < 4; in++) {
		for (size_t ib = 0; ib < 4; ib++) {
			uint64_t q;
			if (hec_ntt_primes_generate(&q, 1, bits[ib], ns[in]) != HEC_OK)
				continue;
			hec_ntt_table *ts, *tp;
			ck_assert_int_eq(hec_ntt_table_new_kernel(&ts, ns[in], q, k), HEC_OK);
			ck_assert_int_eq(hec_ntt_table_new_kernel(&tp, ns[in], q, HEC_KERNEL_PORTABLE),
			                 HEC_OK);
			uint64_t *a = alloc_vec(ns[in]), *x = alloc_vec(ns[in]), *y = alloc_vec(ns[in]);
			int reps = ns[in] < 1024 ? 400 : 25;
			for (int it = 0; it < reps; it++) {
				fill(&r, a, ns[in], q, it % 5 == 4 ? 4 : 0);
				compare(k, ts, tp, a, x, y, "random", &r);
			}
			free(a);
			free(x);
			free(y);
			hec_ntt_table_free(ts);
			hec_ntt_table_free(tp);
		}
	}
}
END_TEST

/* Vector operations with any modulus below 2^50 (composite, powers of two,
 * just above a power of two) and operands just below q, every length
 * 0..40. */
START_TEST(test_vector_ops_any_modulus)
{
	hec_kernel k = (hec_kernel)(_i + 1);
	if (skip(k))
		return;
	const struct hec_ntt_kernel_ops *e = _hec_ntt_kernel_ops(k),
	                                *p = _hec_ntt_kernel_ops(HEC_KERNEL_PORTABLE);
	test_rng r;
	test_rng_init(&r, test_seed(0x7ec0 + (uint64_t)k));
	static const uint64_t qs[] = {2,
	                              3,
	                              4,
	                              7,
	                              8,
	                              1024,
	                              65537,
	                              (UINT64_C(1) << 32),
	                              (UINT64_C(1) << 40) + 999,
	                              (UINT64_C(1) << 49),
	                              (UINT64_C(1) << 49) + 1,
	                              (UINT64_C(1) << 49) + 12345,
	                              (UINT64_C(1) << 50) - 1,
	                              (UINT64_C(1) << 50) - 27};
	for (size_t t = 0; t < sizeof qs / sizeof qs[0]; t++) {
		const uint64_t q = qs[t];
		hec_modulus_t m;
		hec_ntt_modulus_init(&m, q);
		for (int it = 0; it < 60; it++) {
			size_t len = (size_t)it % 41;
			uint64_t *a = alloc_vec(len + 1), *b = alloc_vec(len + 1), *x = alloc_vec(len + 1),
			         *y = alloc_vec(len + 1);
			for (size_t i = 0; i < len; i++) {
				bool near = it % 2 && q > (UINT64_C(1) << 21);
				a[i] = near ? q - 1 - test_rng_below(&r, 1000) : test_rng_below(&r, q);
				b[i] = near ? q - 1 - test_rng_below(&r, UINT64_C(1) << 20)
				            : test_rng_below(&r, q);
			}
			uint64_t w = it % 3 ? test_rng_below(&r, q) : q - 1;
#define SAME(what)                                                                                           \
	ck_assert_msg(memcmp(x, y, len * 8) == 0, "%s %s len=%zu q=%llu " SEED_FMT, hec_ntt_kernel_name(k),  \
	              what, len, (unsigned long long)q, SEED_ARG(&r))
			p->vec_add(x, a, b, len, &m);
			e->vec_add(y, a, b, len, &m);
			SAME("vec_add");
			p->vec_sub(x, a, b, len, &m);
			e->vec_sub(y, a, b, len, &m);
			SAME("vec_sub");
			p->vec_neg(x, a, len, &m);
			e->vec_neg(y, a, len, &m);
			SAME("vec_neg");
			p->vec_mul(x, a, b, len, &m);
			e->vec_mul(y, a, b, len, &m);
			SAME("vec_mul");
			p->vec_mul_scalar(x, a, w, len, &m);
			e->vec_mul_scalar(y, a, w, len, &m);
			SAME("vec_mul_scalar");
			memcpy(x, b, len * 8);
			memcpy(y, b, len * 8);
			p->vec_mul_acc(x, a, b, len, &m);
			e->vec_mul_acc(y, a, b, len, &m);
			SAME("vec_mul_acc");
			memcpy(x, b, len * 8);
			memcpy(y, b, len * 8);
			p->vec_mul(x, a, x, len, &m);
			e->vec_mul(y, a, y, len, &m);
			SAME("vec_mul dst == b");
#undef SAME
			free(a);
			free(b);
			free(x);
			free(y);
		}
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ntt-simd-edges");
	TCase *tc = tcase_create("edges");
	tcase_add_loop_test(tc, test_largest_primes, 0, HEC_KERNEL_COUNT - 1);
	tcase_add_loop_test(tc, test_many_random, 0, HEC_KERNEL_COUNT - 1);
	tcase_add_loop_test(tc, test_vector_ops_any_modulus, 0, HEC_KERNEL_COUNT - 1);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
