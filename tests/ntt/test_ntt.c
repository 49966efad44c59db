/* The negacyclic NTT against independent references: direct evaluation at
 * the roots, schoolbook convolution, GMP (Kronecker substitution); and
 * every SIMD kernel against the portable one, bit for bit. */
#include <gmp.h>
#include <stdio.h>
#include <string.h>

#include "hecate/ntt.h"
#include "kernels.h"
#include "testutil.h"

static uint64_t *alloc_vec(size_t n)
{
	/* aligned_alloc needs a size that is a multiple of the alignment. */
	uint64_t *v = aligned_alloc(64, (n + 7) / 8 * 8 * sizeof *v + 64);
	ck_assert_ptr_nonnull(v);
	return v;
}

static void random_vec(test_rng *r, uint64_t *v, size_t n, uint64_t bound)
{
	for (size_t i = 0; i < n; i++)
		v[i] = test_rng_below(r, bound);
}

static uint64_t prime_for(unsigned bits, size_t n)
{
	uint64_t q;
	ck_assert_msg(hec_ntt_primes_generate(&q, 1, bits, n) == HEC_OK, "%s", hec_error_detail());
	return q;
}

static unsigned brv(unsigned x, unsigned bits)
{
	unsigned r = 0;
	for (unsigned i = 0; i < bits; i++, x >>= 1)
		r = (r << 1) | (x & 1);
	return r;
}

/* out[i] = a(psi^(2 brv(i) + 1)), evaluated by Horner's rule. */
START_TEST(test_fwd_is_evaluation)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xe7a1));
	static const unsigned bits[] = {20, 30, 45, 61};
	for (size_t n = 16; n <= 1024; n <<= 1) {
		for (size_t b = 0; b < 4; b++) {
			uint64_t q = prime_for(bits[b], n);
			hec_ntt_table *t;
			ck_assert_int_eq(hec_ntt_table_new_kernel(&t, n, q, HEC_KERNEL_PORTABLE), HEC_OK);
			const hec_modulus_t *m = hec_ntt_table_modulus(t);
			uint64_t psi = hec_ntt_table_psi(t);
			uint64_t *a = alloc_vec(n), *out = alloc_vec(n);
			random_vec(&r, a, n, q);
			hec_ntt_fwd(t, out, a);
			unsigned logn = (unsigned)__builtin_ctzll(n);
			for (size_t i = 0; i < n; i++) {
				uint64_t x = hec_ntt_mod_pow(psi, 2 * brv((unsigned)i, logn) + 1, m), acc = 0;
				for (size_t k = n; k-- > 0;)
					acc = hec_ntt_mod_add(hec_ntt_mod_mul(acc, x, m), a[k], q);
				ck_assert_msg(out[i] == acc, "n=%zu q=%llu i=%zu " SEED_FMT, n,
				              (unsigned long long)q, i, SEED_ARG(&r));
			}
			free(a);
			free(out);
			hec_ntt_table_free(t);
		}
	}
}
END_TEST

/* inv(fwd(x)) = x for every n and several prime sizes; inputs in [0, 2q). */
START_TEST(test_roundtrip)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x4017));
	static const unsigned bits[] = {20, 30, 40, 50, 55, 61};
	for (size_t n = HEC_NTT_MIN_N; n <= HEC_NTT_MAX_N; n <<= 1) {
		for (size_t b = 0; b < 6; b++) {
			uint64_t q;
			if (hec_ntt_primes_generate(&q, 1, bits[b], n) != HEC_OK)
				continue; /* 20-bit primes = 1 mod 2n run out for large n */
			hec_ntt_table *t;
			ck_assert_int_eq(hec_ntt_table_new_kernel(&t, n, q, HEC_KERNEL_PORTABLE), HEC_OK);
			uint64_t *a = alloc_vec(n), *x = alloc_vec(n), *y = alloc_vec(n);
			random_vec(&r, a, n, 2 * q);
			hec_ntt_fwd(t, x, a);
			hec_ntt_inv(t, y, x);
			for (size_t i = 0; i < n; i++) {
				ck_assert_msg(x[i] < q, "fwd range n=%zu bits=%u " SEED_FMT, n, bits[b], SEED_ARG(&r));
				ck_assert_msg(y[i] == a[i] % q, "roundtrip n=%zu bits=%u i=%zu " SEED_FMT, n, bits[b], i,
				              SEED_ARG(&r));
			}
			/* Lazy variants: documented ranges, congruent results. */
			hec_ntt_fwd_lazy(t, y, a);
			for (size_t i = 0; i < n; i++)
				ck_assert_msg(y[i] < 4 * q && y[i] % q == x[i], "fwd_lazy " SEED_FMT, SEED_ARG(&r));
			hec_ntt_inv_lazy(t, y, x);
			for (size_t i = 0; i < n; i++)
				ck_assert_msg(y[i] < 2 * q && y[i] % q == a[i] % q, "inv_lazy " SEED_FMT, SEED_ARG(&r));
			/* Out-of-place leaves the source intact and equals in-place. */
			memcpy(y, a, n * sizeof *a);
			hec_ntt_fwd(t, y, y);
			ck_assert(memcmp(x, y, n * sizeof *x) == 0);
			free(a);
			free(x);
			free(y);
			hec_ntt_table_free(t);
		}
	}
}
END_TEST

static void ntt_multiply(const hec_ntt_table *t, uint64_t *c, const uint64_t *a, const uint64_t *b)
{
	size_t n = hec_ntt_table_n(t);
	uint64_t *fa = alloc_vec(n), *fb = alloc_vec(n);
	hec_ntt_fwd(t, fa, a);
	hec_ntt_fwd(t, fb, b);
	hec_ntt_vec_mul(c, fa, fb, n, hec_ntt_table_modulus(t));
	hec_ntt_inv(t, c, c);
	free(fa);
	free(fb);
}

/* Schoolbook negacyclic product for n = 2^10 .. 2^13. */
START_TEST(test_product_vs_schoolbook)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x5c00 + (uint64_t)_i));
	size_t n = (size_t)1 << (10 + _i);
	/* O(n^2): three prime sizes up to 2^12, the extremes at 2^13. */
	static const unsigned bits[] = {30, 61, 50};
	for (size_t b = 0; b < (n > 4096 ? 2u : 3u); b++) {
		uint64_t q = prime_for(bits[b], n);
		hec_ntt_table *t;
		ck_assert_int_eq(hec_ntt_table_new(&t, n, q), HEC_OK);
		const hec_modulus_t *m = hec_ntt_table_modulus(t);
		uint64_t *a = alloc_vec(n), *bb = alloc_vec(n), *c = alloc_vec(n), *ref = alloc_vec(n);
		random_vec(&r, a, n, q);
		random_vec(&r, bb, n, q);
		ntt_multiply(t, c, a, bb);
		memset(ref, 0, n * sizeof *ref);
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < n; j++) {
				uint64_t p = hec_ntt_mod_mul(a[i], bb[j], m);
				size_t k = i + j;
				if (k < n)
					ref[k] = hec_ntt_mod_add(ref[k], p, q);
				else /* X^n = -1 */
					ref[k - n] = hec_ntt_mod_sub(ref[k - n], p, q);
			}
		}
		ck_assert_msg(memcmp(c, ref, n * sizeof *c) == 0, "n=%zu bits=%u " SEED_FMT, n, bits[b],
		              SEED_ARG(&r));
		free(a);
		free(bb);
		free(c);
		free(ref);
		hec_ntt_table_free(t);
	}
}
END_TEST

/* GMP reference by Kronecker substitution: pack each coefficient into a
 * 192-bit slot (a product coefficient is below n q^2 < 2^140), multiply the
 * big integers, unpack, fold X^n = -1. */
static void kronecker_negacyclic(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q)
{
	const size_t slot = 3;
	uint64_t *wa = calloc(slot * n, 8), *wb = calloc(slot * n, 8), *wc = calloc(slot * 2 * n + 4, 8);
	ck_assert(wa && wb && wc);
	for (size_t i = 0; i < n; i++) {
		wa[slot * i] = a[i];
		wb[slot * i] = b[i];
	}
	mpz_t za, zb, zc;
	mpz_inits(za, zb, zc, NULL);
	mpz_import(za, slot * n, -1, 8, 0, 0, wa);
	mpz_import(zb, slot * n, -1, 8, 0, 0, wb);
	mpz_mul(zc, za, zb);
	size_t count;
	mpz_export(wc, &count, -1, 8, 0, 0, zc);
	for (size_t k = 0; k < n; k++) {
		uint64_t v[2];
		for (int h = 0; h < 2; h++) {
			const uint64_t *w = wc + slot * (k + (size_t)h * n);
			hec_u128 x = ((hec_u128)(w[2] % q) << 64 | w[1]) % q;
			v[h] = (uint64_t)(((x << 64) | w[0]) % q);
		}
		out[k] = v[0] >= v[1] ? v[0] - v[1] : v[0] + q - v[1];
	}
	mpz_clears(za, zb, zc, NULL);
	free(wa);
	free(wb);
	free(wc);
}

START_TEST(test_product_vs_gmp)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x6a40 + (uint64_t)_i));
	/* One prime per size class at each large n, up to 2^17. */
	static const unsigned bits[] = {28, 45, 61};
	size_t n = (size_t)1 << (14 + _i / 3);
	unsigned qb = bits[_i % 3];
	uint64_t q = prime_for(qb, n);
	hec_ntt_table *t;
	ck_assert_int_eq(hec_ntt_table_new(&t, n, q), HEC_OK);
	uint64_t *a = alloc_vec(n), *b = alloc_vec(n), *c = alloc_vec(n), *ref = alloc_vec(n);
	random_vec(&r, a, n, q);
	random_vec(&r, b, n, q);
	ntt_multiply(t, c, a, b);
	kronecker_negacyclic(ref, a, b, n, q);
	ck_assert_msg(memcmp(c, ref, n * sizeof *c) == 0, "n=%zu bits=%u kernel=%s " SEED_FMT, n, qb,
	              hec_ntt_kernel_name(hec_ntt_table_kernel(t)), SEED_ARG(&r));
	free(a);
	free(b);
	free(c);
	free(ref);
	hec_ntt_table_free(t);
}
END_TEST

START_TEST(test_table_errors)
{
	hec_ntt_table *t = (hec_ntt_table *)1;
	uint64_t q = prime_for(40, 1024);
	ck_assert_int_eq(hec_ntt_table_new(&t, 1000, q), HEC_ERR_ARG);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(hec_ntt_table_new(&t, 8, q), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_table_new(&t, 1u << 18, q), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_table_new(&t, 1024, q + 2), HEC_ERR_ARG);    /* not = 1 mod 2n or not prime */
	uint64_t small = prime_for(20, 1024); /* small^2 = 1 mod 2n but composite */
	ck_assert_int_eq(hec_ntt_table_new(&t, 1024, small * small), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_table_new(&t, 1024, q), HEC_OK);
	hec_ntt_table_free(t);
	hec_ntt_table_free(NULL);
	for (int k = 1; k < HEC_KERNEL_COUNT; k++) {
		hec_status s = hec_ntt_table_new_kernel(&t, 1024, prime_for(55, 1024), (hec_kernel)k);
		if (hec_ntt_kernel_supported((hec_kernel)k))
			ck_assert_int_eq(s, HEC_ERR_ARG); /* SIMD kernels need q < 2^50 */
		else
			ck_assert_int_eq(s, HEC_ERR_KERNEL);
		ck_assert(strlen(hec_error_detail()) > 0);
	}
}
END_TEST

/* Every SIMD kernel equals the portable one bit for bit: transforms for
 * every n and accepted prime size, vector ops for many lengths. */
START_TEST(test_kernels_match_portable)
{
	hec_kernel k = (hec_kernel)(_i + 1);
	if (!hec_ntt_kernel_supported(k)) {
		fprintf(stderr, "SKIPPED: the %s kernel is not supported by this CPU or build; "
		                "its bit-for-bit comparison did not run\n", hec_ntt_kernel_name(k));
		return;
	}
	const struct hec_ntt_kernel_ops *ops = _hec_ntt_kernel_ops(k), *ref = _hec_ntt_kernel_ops(HEC_KERNEL_PORTABLE);
	test_rng r;
	test_rng_init(&r, test_seed(0xb17b17 + (uint64_t)k));
	static const unsigned bits[] = {20, 24, 30, 36, 40, 44, 47, 49};
	for (size_t n = HEC_NTT_MIN_N; n <= HEC_NTT_MAX_N; n <<= 1) {
		for (size_t b = 0; b < 8; b++) {
			uint64_t q;
			/* Every size up to 2^14; beyond, the smallest and largest. */
			if (n > (1u << 14) && b != 0 && b != 7)
				continue;
			if (hec_ntt_primes_generate(&q, 1, bits[b], n) != HEC_OK)
				continue;
			hec_ntt_table *ts, *tp;
			ck_assert_int_eq(hec_ntt_table_new_kernel(&ts, n, q, k), HEC_OK);
			ck_assert_int_eq(hec_ntt_table_new_kernel(&tp, n, q, HEC_KERNEL_PORTABLE), HEC_OK);
			uint64_t *a = alloc_vec(n), *x = alloc_vec(n), *y = alloc_vec(n);
			for (int pass = 0; pass < 3; pass++) {
				/* Random in [0, 2q); then the extremes 2q - 1 and 0. */
				if (pass == 0)
					random_vec(&r, a, n, 2 * q);
				for (size_t i = 0; pass && i < n; i++)
					a[i] = pass == 1 ? 2 * q - 1 : 0;
				hec_ntt_fwd(tp, x, a);
				hec_ntt_fwd(ts, y, a);
				ck_assert_msg(memcmp(x, y, n * 8) == 0, "%s fwd n=%zu q=%llu pass=%d " SEED_FMT,
				              hec_ntt_kernel_name(k), n, (unsigned long long)q, pass, SEED_ARG(&r));
				hec_ntt_fwd_lazy(ts, y, a);
				for (size_t i = 0; i < n; i++)
					ck_assert_msg(y[i] < 4 * q && y[i] % q == x[i], "%s fwd_lazy n=%zu " SEED_FMT,
					              hec_ntt_kernel_name(k), n, SEED_ARG(&r));
				hec_ntt_inv(tp, x, a);
				hec_ntt_inv(ts, y, a);
				ck_assert_msg(memcmp(x, y, n * 8) == 0, "%s inv n=%zu q=%llu pass=%d " SEED_FMT,
				              hec_ntt_kernel_name(k), n, (unsigned long long)q, pass, SEED_ARG(&r));
				hec_ntt_inv_lazy(ts, y, a);
				for (size_t i = 0; i < n; i++)
					ck_assert_msg(y[i] < 2 * q && y[i] % q == x[i], "%s inv_lazy n=%zu " SEED_FMT,
					              hec_ntt_kernel_name(k), n, SEED_ARG(&r));
			}
			free(a);
			free(x);
			free(y);
			hec_ntt_table_free(ts);
			hec_ntt_table_free(tp);
		}
	}
	/* Vector kernels: lengths with every tail, primes of every size. */
	for (unsigned qb = 20; qb < 50; qb++) {
		uint64_t q = prime_for(qb, 16);
		hec_modulus_t m;
		hec_ntt_modulus_init(&m, q);
		for (size_t len = 0; len < 70; len += (len < 20 ? 1 : 7)) {
			size_t cap = len + 1;
			uint64_t *a = alloc_vec(cap), *b = alloc_vec(cap), *x = alloc_vec(cap), *y = alloc_vec(cap);
			random_vec(&r, a, len, q);
			random_vec(&r, b, len, q);
			if (len > 2) {
				a[0] = b[0] = q - 1;
				a[1] = 0;
				b[2] = q - 1;
			}
			uint64_t w = test_rng_below(&r, q);
#define SAME(what)                                                                               \
	ck_assert_msg(memcmp(x, y, len * 8) == 0, "%s %s len=%zu q=%llu " SEED_FMT, hec_ntt_kernel_name(k), \
	              what, len, (unsigned long long)q, SEED_ARG(&r))
			ref->vec_add(x, a, b, len, &m);
			ops->vec_add(y, a, b, len, &m);
			SAME("vec_add");
			ref->vec_sub(x, a, b, len, &m);
			ops->vec_sub(y, a, b, len, &m);
			SAME("vec_sub");
			ref->vec_neg(x, a, len, &m);
			ops->vec_neg(y, a, len, &m);
			SAME("vec_neg");
			ref->vec_mul(x, a, b, len, &m);
			ops->vec_mul(y, a, b, len, &m);
			SAME("vec_mul");
			ref->vec_mul_scalar(x, a, w, len, &m);
			ops->vec_mul_scalar(y, a, w, len, &m);
			SAME("vec_mul_scalar");
			memcpy(x, b, len * 8);
			memcpy(y, b, len * 8);
			ref->vec_mul_acc(x, a, b, len, &m);
			ops->vec_mul_acc(y, a, b, len, &m);
			SAME("vec_mul_acc");
			/* Aliasing: dst == a. */
			memcpy(x, a, len * 8);
			memcpy(y, a, len * 8);
			ref->vec_mul(x, x, b, len, &m);
			ops->vec_mul(y, y, b, len, &m);
			SAME("vec_mul aliased");
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
	Suite *s = suite_create("ntt");
	TCase *tc = tcase_create("transform");
	tcase_add_test(tc, test_fwd_is_evaluation);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_loop_test(tc, test_product_vs_schoolbook, 0, 4);
	tcase_add_loop_test(tc, test_product_vs_gmp, 0, 12);
	tcase_add_test(tc, test_table_errors);
	suite_add_tcase(s, tc);
	TCase *tk = tcase_create("kernels");
	tcase_add_loop_test(tk, test_kernels_match_portable, 0, HEC_KERNEL_COUNT - 1);
	suite_add_tcase(s, tk);
	return s;
}

TEST_MAIN(suite)
