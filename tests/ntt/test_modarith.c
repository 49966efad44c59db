/* Modular arithmetic and prime generation against GMP. */
#include <gmp.h>

#include "hecate/ntt.h"
#include "testutil.h"

/* Random primes of each size 20..61 (not necessarily NTT-friendly). */
static uint64_t random_prime(test_rng *r, unsigned bits)
{
	for (;;) {
		uint64_t c = (UINT64_C(1) << (bits - 1)) | test_rng_below(r, UINT64_C(1) << (bits - 1)) | 1;
		if (hec_ntt_is_prime(c))
			return c;
	}
}

static uint64_t mpz_u64(const mpz_t z)
{
	return (uint64_t)mpz_getlimbn(z, 0);
}

START_TEST(test_ops_vs_gmp)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x5eed0001 + (uint64_t)_i));
	unsigned bits = 20 + (unsigned)_i; /* 20..61 */
	mpz_t a, b, c, qq;
	mpz_inits(a, b, c, qq, NULL);
	for (int rep = 0; rep < 4; rep++) {
		uint64_t q = random_prime(&r, bits);
		hec_modulus_t m;
		ck_assert_int_eq(hec_ntt_modulus_init(&m, q), HEC_OK);
		mpz_set_ui(qq, q);
		for (int k = 0; k < 1000; k++) {
			/* Edge values first, then random. */
			static const int edges[] = {0, 1, -1};
			uint64_t x = k < 9 ? (edges[k / 3] < 0 ? q - 1 : (uint64_t)edges[k / 3]) : test_rng_below(&r, q);
			uint64_t y = k < 9 ? (edges[k % 3] < 0 ? q - 1 : (uint64_t)edges[k % 3]) : test_rng_below(&r, q);
			mpz_set_ui(a, x);
			mpz_set_ui(b, y);

			mpz_add(c, a, b);
			mpz_mod(c, c, qq);
			ck_assert_msg(hec_ntt_mod_add(x, y, q) == mpz_u64(c), "add q=%llu x=%llu y=%llu " SEED_FMT,
			              (unsigned long long)q, (unsigned long long)x, (unsigned long long)y, SEED_ARG(&r));
			mpz_sub(c, a, b);
			mpz_mod(c, c, qq);
			ck_assert_msg(hec_ntt_mod_sub(x, y, q) == mpz_u64(c), "sub " SEED_FMT, SEED_ARG(&r));
			mpz_neg(c, a);
			mpz_mod(c, c, qq);
			ck_assert_msg(hec_ntt_mod_neg(x, q) == mpz_u64(c), "neg " SEED_FMT, SEED_ARG(&r));
			mpz_mul(c, a, b);
			mpz_mod(c, c, qq);
			uint64_t want = mpz_u64(c);
			ck_assert_msg(hec_ntt_mod_mul(x, y, &m) == want, "mul q=%llu x=%llu y=%llu " SEED_FMT,
			              (unsigned long long)q, (unsigned long long)x, (unsigned long long)y, SEED_ARG(&r));
			uint64_t ys = hec_ntt_shoup(y, q);
			ck_assert_msg(hec_ntt_mod_mul_shoup(x, y, ys, q) == want, "shoup " SEED_FMT, SEED_ARG(&r));
			/* The lazy form accepts any 64-bit a and returns [0, 2q). */
			uint64_t big = test_rng_next(&r);
			uint64_t lazy = hec_ntt_mod_mul_shoup_lazy(big, y, ys, q);
			mpz_set_ui(c, big);
			mpz_mul(c, c, b);
			mpz_mod(c, c, qq);
			ck_assert_msg(lazy < 2 * q && lazy % q == mpz_u64(c), "shoup lazy " SEED_FMT, SEED_ARG(&r));
			/* Barrett on a full 128-bit value below 2^(2k). */
			hec_u128 wide = ((hec_u128)test_rng_next(&r) << 64 | test_rng_next(&r)) >>
			                         (128 - 2 * m.bits);
			mpz_set_ui(c, (uint64_t)(wide >> 64));
			mpz_mul_2exp(c, c, 64);
			mpz_add_ui(c, c, (uint64_t)wide);
			mpz_mod(c, c, qq);
			ck_assert_msg(hec_ntt_mod_reduce128(wide, &m) == mpz_u64(c), "reduce128 " SEED_FMT, SEED_ARG(&r));
			ck_assert_msg(hec_ntt_mod_reduce(big, &m) == big % q, "reduce " SEED_FMT, SEED_ARG(&r));

			if (k < 200) {
				uint64_t e = test_rng_next(&r);
				mpz_set_ui(c, e);
				mpz_powm(c, a, c, qq);
				ck_assert_msg(hec_ntt_mod_pow(x, e, &m) == mpz_u64(c), "pow " SEED_FMT, SEED_ARG(&r));
				uint64_t inv;
				if (x == 0) {
					ck_assert_int_eq(hec_ntt_mod_inv(&inv, x, q), HEC_ERR_ARG);
				} else {
					ck_assert_int_eq(hec_ntt_mod_inv(&inv, x, q), HEC_OK);
					mpz_invert(c, a, qq);
					ck_assert_msg(inv == mpz_u64(c), "inv " SEED_FMT, SEED_ARG(&r));
				}
			}
		}
	}
	mpz_clears(a, b, c, qq, NULL);
}
END_TEST

START_TEST(test_modulus_bounds)
{
	hec_modulus_t m;
	ck_assert_int_eq(hec_ntt_modulus_init(&m, 0), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_modulus_init(&m, 1), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_modulus_init(&m, HEC_MODULUS_MAX), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_modulus_init(&m, HEC_MODULUS_MAX - 1), HEC_OK);
	uint64_t inv;
	ck_assert_int_eq(hec_ntt_mod_inv(&inv, 6, 9), HEC_ERR_ARG); /* gcd 3 */
	ck_assert_int_eq(hec_ntt_mod_inv(&inv, 4, 9), HEC_OK);
	ck_assert_uint_eq(inv, 7);
}
END_TEST

START_TEST(test_is_prime_vs_gmp)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x5eed0002));
	mpz_t z;
	mpz_init(z);
	/* Small exhaustive range, then random 64-bit values, then known strong
	 * pseudoprimes to small bases. */
	for (uint64_t n = 0; n < 20000; n++) {
		mpz_set_ui(z, n);
		ck_assert_msg(hec_ntt_is_prime(n) == (mpz_probab_prime_p(z, 30) > 0), "n=%llu", (unsigned long long)n);
	}
	for (int k = 0; k < 20000; k++) {
		uint64_t n = test_rng_next(&r) | 1;
		mpz_set_ui(z, n);
		ck_assert_msg(hec_ntt_is_prime(n) == (mpz_probab_prime_p(z, 30) > 0), "n=%llu " SEED_FMT,
		              (unsigned long long)n, SEED_ARG(&r));
	}
	static const uint64_t pseudo[] = {2047, 1373653, 25326001, 3215031751, 2152302898747,
	                                  3474749660383, 341550071728321, 3825123056546413051u};
	for (size_t i = 0; i < sizeof pseudo / sizeof pseudo[0]; i++)
		ck_assert_msg(!hec_ntt_is_prime(pseudo[i]), "pseudoprime %llu", (unsigned long long)pseudo[i]);
	ck_assert(hec_ntt_is_prime(UINT64_C(18446744073709551557))); /* largest 64-bit prime */
	mpz_clear(z);
}
END_TEST

START_TEST(test_primes_generate)
{
	mpz_t z;
	mpz_init(z);
	for (unsigned bits = 20; bits <= 61; bits++) {
		for (size_t n = 1u << 10; n <= (1u << 17); n <<= 7) {
			size_t count = bits >= 40 ? 4 : 1;
			if (bits < 20 + 7 && n > (1u << 10))
				count = 0; /* few or none exist; checked below */
			uint64_t p[4];
			if (!count)
				continue;
			ck_assert_int_eq(hec_ntt_primes_generate(p, count, bits, n), HEC_OK);
			for (size_t i = 0; i < count; i++) {
				mpz_set_ui(z, p[i]);
				ck_assert_msg(mpz_probab_prime_p(z, 30) > 0, "not prime: %llu", (unsigned long long)p[i]);
				ck_assert_uint_eq(p[i] % (2 * n), 1);
				ck_assert_uint_eq(64 - __builtin_clzll(p[i]), bits);
				if (i)
					ck_assert(p[i] < p[i - 1]);
			}
			/* The largest such prime: nothing between p[0] and 2^bits. */
			for (uint64_t c = p[0] + 2 * n; c < (UINT64_C(1) << bits); c += 2 * n) {
				mpz_set_ui(z, c);
				ck_assert(mpz_probab_prime_p(z, 30) == 0);
			}
			uint64_t root;
			ck_assert_int_eq(hec_ntt_root_minimal(&root, p[0], 2 * n), HEC_OK);
			hec_modulus_t m;
			hec_ntt_modulus_init(&m, p[0]);
			/* Order exactly 2n: root^n = -1. */
			ck_assert_uint_eq(hec_ntt_mod_pow(root, n, &m), p[0] - 1);
			/* Minimal: no smaller element is a primitive 2n-th root (checked
			 * on a prefix, exhaustively for small roots). */
			for (uint64_t c = 2; c < root && c < 5000; c++)
				ck_assert(hec_ntt_mod_pow(c, n, &m) != p[0] - 1);
		}
	}
	uint64_t p[2];
	ck_assert_int_eq(hec_ntt_primes_generate(p, 1, 19, 1024), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_primes_generate(p, 1, 62, 1024), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ntt_primes_generate(p, 1, 30, 1000), HEC_ERR_ARG);
	/* 20-bit primes = 1 mod 2^18: only a handful exist. */
	uint64_t many[64];
	ck_assert_int_eq(hec_ntt_primes_generate(many, 64, 20, 1u << 17), HEC_ERR_NOT_FOUND);
	ck_assert_int_eq(hec_ntt_root_minimal(p, 97, 64), HEC_ERR_ARG); /* 64 does not divide 96 */
	mpz_clear(z);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ntt-modarith");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_ops_vs_gmp, 0, 42);
	tcase_add_test(tc, test_modulus_bounds);
	tcase_add_test(tc, test_is_prime_vs_gmp);
	tcase_add_test(tc, test_primes_generate);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
