/* The AVX-512 IFMA kernel, compiled with -DHEC_SIMD512_EMULATE (plain C
 * lanes with the instructions' exact semantics, src/ntt/simd512.h), against
 * the portable kernel bit for bit: transforms for every n in [16, 2^17]
 * and prime sizes 20..50 bits (every size the kernel accepts, q < 2^50),
 * vector operations on every length 0..70.
 * This is how the kernel is verified on machines without AVX-512; where
 * the CPU has it, test_kernels_match_portable in test_ntt.c runs the same
 * comparison on the real instructions. */
#include <stdio.h>
#include <string.h>

#include "hecate/ntt.h"
#include "kernels.h"
#include "simd512.h"
#include "testutil.h"

extern const struct hec_ntt_kernel_ops hec_ntt_ops_avx512_emul;

static uint64_t *alloc_vec(size_t n)
{
	uint64_t *v = aligned_alloc(64, (n < 8 ? 8 : (n + 7) / 8 * 8) * sizeof *v);
	ck_assert_ptr_nonnull(v);
	return v;
}

static void random_vec(test_rng *r, uint64_t *v, size_t n, uint64_t bound)
{
	for (size_t i = 0; i < n; i++)
		v[i] = test_rng_below(r, bound);
}

/* The emulation layer itself, on operands whose bits above 52 must be
 * ignored and sums that wrap modulo 2^64. */
START_TEST(test_emulated_instructions)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x1f3a));
	const uint64_t m52 = (UINT64_C(1) << 52) - 1;
	for (int it = 0; it < 10000; it++) {
		uint64_t a[8], b[8], c[8], idx[8];
		for (int i = 0; i < 8; i++) {
			a[i] = test_rng_next(&r);
			b[i] = test_rng_next(&r);
			c[i] = test_rng_next(&r);
			idx[i] = test_rng_next(&r);
		}
		if (it == 0) /* the largest product */
			for (int i = 0; i < 8; i++)
				b[i] = c[i] = ~UINT64_C(0);
		v512 va = v512_load(a), vb = v512_load(b), vc = v512_load(c), vi = v512_load(idx);
		uint64_t lo[8], hi[8], pm[8], ul[8], uh[8];
		v512_store(lo, v512_madd52lo(va, vb, vc));
		v512_store(hi, v512_madd52hi(va, vb, vc));
		v512_store(pm, v512_perm2(va, vi, vb));
		v512_store(ul, v512_unpacklo(va, vb));
		v512_store(uh, v512_unpackhi(va, vb));
		for (int i = 0; i < 8; i++) {
			hec_u128 p = (hec_u128)(b[i] & m52) * (c[i] & m52); /* < 2^104 */
			ck_assert_uint_eq(lo[i], a[i] + (uint64_t)(p % ((hec_u128)1 << 52)));
			ck_assert_uint_eq(hi[i], a[i] + (uint64_t)(p >> 52));
			unsigned j = idx[i] & 15;
			ck_assert_uint_eq(pm[i], j < 8 ? a[j] : b[j - 8]);
			/* VPUNPCKLQDQ / VPUNPCKHQDQ, per 128-bit lane k = i / 2. */
			unsigned k = (unsigned)i / 2;
			ck_assert_uint_eq(ul[i], i % 2 ? b[2 * k] : a[2 * k]);
			ck_assert_uint_eq(uh[i], i % 2 ? b[2 * k + 1] : a[2 * k + 1]);
		}
	}
}
END_TEST

/* A table for the emulated kernel: the shared tables built by the portable
 * kernel, the IFMA kernel's own precomputation on top. */
static void emul_table(struct hec_ntt_table *te, const hec_ntt_table *tp)
{
	*te = *tp;
	te->ops = &hec_ntt_ops_avx512_emul;
	te->kdata = NULL;
	ck_assert_int_eq(hec_ntt_ops_avx512_emul.table_init(te), HEC_OK);
}

/* One n, all prime sizes in [lo, hi] that exist for it; three inputs:
 * random in [0, 2q), all 2q - 1, all 0. */
static void compare_transforms(size_t n, unsigned lo, unsigned hi, test_rng *r)
{
	const struct hec_ntt_kernel_ops *e = &hec_ntt_ops_avx512_emul;
	for (unsigned bits = lo; bits <= hi; bits++) {
		uint64_t q;
		if (hec_ntt_primes_generate(&q, 1, bits, n) != HEC_OK)
			continue; /* small primes = 1 mod 2n run out for large n */
		hec_ntt_table *tp;
		ck_assert_int_eq(hec_ntt_table_new_kernel(&tp, n, q, HEC_KERNEL_PORTABLE), HEC_OK);
		struct hec_ntt_table te;
		emul_table(&te, tp);
		uint64_t *a = alloc_vec(n), *x = alloc_vec(n), *y = alloc_vec(n);
		for (int pass = 0; pass < 3; pass++) {
			if (pass == 0)
				random_vec(r, a, n, 2 * q);
			for (size_t i = 0; pass && i < n; i++)
				a[i] = pass == 1 ? 2 * q - 1 : 0;
			memcpy(x, a, n * 8);
			hec_ntt_fwd(tp, x, x);
			memcpy(y, a, n * 8);
			e->fwd(&te, y, true);
			ck_assert_msg(memcmp(x, y, n * 8) == 0, "fwd n=%zu q=%llu pass=%d " SEED_FMT, n,
			              (unsigned long long)q, pass, SEED_ARG(r));
			memcpy(y, a, n * 8);
			e->fwd(&te, y, false);
			for (size_t i = 0; i < n; i++)
				ck_assert_msg(y[i] < 4 * q && y[i] % q == x[i],
				              "fwd lazy n=%zu q=%llu i=%zu " SEED_FMT, n,
				              (unsigned long long)q, i, SEED_ARG(r));
			memcpy(x, a, n * 8);
			hec_ntt_inv(tp, x, x);
			memcpy(y, a, n * 8);
			e->inv(&te, y, true);
			ck_assert_msg(memcmp(x, y, n * 8) == 0, "inv n=%zu q=%llu pass=%d " SEED_FMT, n,
			              (unsigned long long)q, pass, SEED_ARG(r));
			memcpy(y, a, n * 8);
			e->inv(&te, y, false);
			for (size_t i = 0; i < n; i++)
				ck_assert_msg(y[i] < 2 * q && y[i] % q == x[i],
				              "inv lazy n=%zu q=%llu i=%zu " SEED_FMT, n,
				              (unsigned long long)q, i, SEED_ARG(r));
		}
		free(a);
		free(x);
		free(y);
		e->table_clear(&te);
		hec_ntt_table_free(tp);
	}
}

/* n = 2^(4 + _i), _i in [0, 13]: every prime size 20..50 up to n = 2^12;
 * eight sizes spread over the range up to 2^15; four at 2^16 and 2^17,
 * where the emulation (slower still under sanitizers) costs most. */
START_TEST(test_transforms_match_portable)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xa512 + (uint64_t)_i));
	size_t n = (size_t)1 << (4 + _i);
	if (n <= (1u << 12)) {
		compare_transforms(n, 20, 50, &r);
	} else {
		static const unsigned mid[] = {24, 30, 36, 40, 44, 47, 49, 50}, few[] = {30, 40, 49, 50};
		const unsigned *b = n <= (1u << 15) ? mid : few;
		int nb = n <= (1u << 15) ? 8 : 4;
		for (int j = 0; j < nb; j++)
			compare_transforms(n, b[j], b[j], &r);
	}
}
END_TEST

/* Vector operations: every length 0..70 (all tails of the 8-lane loop),
 * every prime size 20..50, edge values, aliasing. */
START_TEST(test_vector_ops_match_portable)
{
	const struct hec_ntt_kernel_ops *e = &hec_ntt_ops_avx512_emul,
	                                *p = _hec_ntt_kernel_ops(HEC_KERNEL_PORTABLE);
	test_rng r;
	test_rng_init(&r, test_seed(0xa5120ec));
	for (unsigned qb = 20; qb <= 50; qb++) {
		uint64_t q;
		ck_assert_int_eq(hec_ntt_primes_generate(&q, 1, qb, 16), HEC_OK);
		hec_modulus_t m;
		hec_ntt_modulus_init(&m, q);
		for (size_t len = 0; len <= 70; len++) {
			size_t cap = len + 1;
			uint64_t *a = alloc_vec(cap), *b = alloc_vec(cap), *x = alloc_vec(cap),
			         *y = alloc_vec(cap);
			random_vec(&r, a, len, q);
			random_vec(&r, b, len, q);
			for (size_t i = 0; i < len; i += 5) { /* edge values in every lane position */
				a[i] = (i / 5) % 3 == 0 ? q - 1 : (i / 5) % 3 == 1 ? 0 : a[i];
				b[i] = (i / 5) % 2 == 0 ? q - 1 : 0;
			}
			uint64_t w = len % 7 == 0 ? q - 1 : test_rng_below(&r, q);
#define SAME(what)                                                                                           \
	ck_assert_msg(memcmp(x, y, len * 8) == 0, "avx512-emul %s len=%zu q=%llu " SEED_FMT, what, len,      \
	              (unsigned long long)q, SEED_ARG(&r))
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
			/* Aliasing: dst == a, dst == b. */
			memcpy(x, a, len * 8);
			memcpy(y, a, len * 8);
			p->vec_mul(x, x, b, len, &m);
			e->vec_mul(y, y, b, len, &m);
			SAME("vec_mul dst == a");
			memcpy(x, b, len * 8);
			memcpy(y, b, len * 8);
			p->vec_sub(x, a, x, len, &m);
			e->vec_sub(y, a, y, len, &m);
			SAME("vec_sub dst == b");
			memcpy(x, a, len * 8);
			memcpy(y, a, len * 8);
			p->vec_add(x, x, x, len, &m);
			e->vec_add(y, y, y, len, &m);
			SAME("vec_add dst == a == b");
#undef SAME
			free(a);
			free(b);
			free(x);
			free(y);
		}
	}
}
END_TEST

/* Barrett in vec_mul accepts any q < 2^50, not only primes: small and
 * power-of-two moduli, where its constant is at its extreme, and moduli
 * just above a power of two with operands just below q, where its
 * quotient estimate is furthest off (the remainder reaches [2q, 3q) for
 * about one product in a hundred with q = 2^49 + 12345). */
START_TEST(test_vec_mul_any_modulus)
{
	const struct hec_ntt_kernel_ops *e = &hec_ntt_ops_avx512_emul,
	                                *p = _hec_ntt_kernel_ops(HEC_KERNEL_PORTABLE);
	test_rng r;
	test_rng_init(&r, test_seed(0xa512b));
	static const uint64_t qs[] = {2,
	                              3,
	                              4,
	                              5,
	                              7,
	                              8,
	                              1024,
	                              65537,
	                              (UINT64_C(1) << 32),
	                              (UINT64_C(1) << 49),
	                              (UINT64_C(1) << 50) - 1,
	                              (UINT64_C(1) << 49) + 1,
	                              (UINT64_C(1) << 49) + 12345,
	                              (UINT64_C(1) << 40) + 999};
	for (size_t t = 0; t < sizeof qs / sizeof qs[0]; t++) {
		const uint64_t q = qs[t];
		hec_modulus_t m;
		hec_ntt_modulus_init(&m, q);
		for (int it = 0; it < 200; it++) {
			enum { LEN = 64 };
			uint64_t a[LEN], b[LEN], x[LEN], y[LEN];
			random_vec(&r, a, LEN, q);
			random_vec(&r, b, LEN, q);
			if (it % 2 && q > (UINT64_C(1) << 21)) {
				for (int i = 0; i < LEN; i++) {
					a[i] = q - 1 - test_rng_below(&r, 1000);
					b[i] = q - 1 - test_rng_below(&r, UINT64_C(1) << 20);
				}
			}
			a[0] = b[0] = q - 1;
			p->vec_mul(x, a, b, LEN, &m);
			e->vec_mul(y, a, b, LEN, &m);
			ck_assert_msg(memcmp(x, y, sizeof x) == 0, "vec_mul q=%llu " SEED_FMT,
			              (unsigned long long)q, SEED_ARG(&r));
			memcpy(x, b, sizeof x);
			memcpy(y, b, sizeof y);
			p->vec_mul_acc(x, a, b, LEN, &m);
			e->vec_mul_acc(y, a, b, LEN, &m);
			ck_assert_msg(memcmp(x, y, sizeof x) == 0, "vec_mul_acc q=%llu " SEED_FMT,
			              (unsigned long long)q, SEED_ARG(&r));
		}
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ntt-avx512-emul");
	TCase *ti = tcase_create("instructions");
	tcase_add_test(ti, test_emulated_instructions);
	suite_add_tcase(s, ti);
	TCase *tt = tcase_create("transforms");
	tcase_add_loop_test(tt, test_transforms_match_portable, 0, 14);
	suite_add_tcase(s, tt);
	TCase *tv = tcase_create("vectors");
	tcase_add_test(tv, test_vector_ops_match_portable);
	tcase_add_test(tv, test_vec_mul_any_modulus);
	suite_add_tcase(s, tv);
	return s;
}

TEST_MAIN(suite)
