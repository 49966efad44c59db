/* Galois automorphisms: the NTT-form permutation against direct evaluation
 * at the roots, agreement of the two forms, the group law (composition and
 * inverses), and the rotation / conjugation elements. */
#include "ringtest.h"

static unsigned brv(unsigned x, unsigned bits)
{
	unsigned r = 0;
	for (unsigned i = 0; i < bits; i++, x >>= 1)
		r = (r << 1) | (x & 1);
	return r;
}

static uint64_t inverse_mod_2n(uint64_t k, uint64_t two_n)
{
	for (uint64_t x = 1; x < two_n; x += 2)
		if ((x * k) % two_n == 1)
			return x;
	ck_abort_msg("no inverse");
	return 0;
}

/* Slot i of aut(NTT(a), k) is a evaluated at zeta_i^k, zeta_i =
 * psi^(2 brv(i) + 1), computed here by Horner's rule. */
START_TEST(test_ntt_is_evaluation)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xa07));
	for (size_t n = 16; n <= 64; n <<= 1) {
		hec_ring *r = make_ring(n, 2, 50, 1, 40);
		const uint64_t ks[] = {1, 3, 5, 2 * n - 1, hec_ring_galois_rotation(r, 3), n + 1};
		for (int basis = 0; basis < 2; basis++) {
			size_t limbs = basis ? 1 : 2;
			hec_poly a = new_poly(r, (hec_basis)basis, limbs, false);
			hec_poly A = new_poly(r, (hec_basis)basis, limbs, false);
			hec_poly B = new_poly(r, (hec_basis)basis, limbs, false);
			fill_random(&g, &a);
			CK_OK(hec_poly_copy(&A, &a));
			hec_poly_ntt_fwd(&A);
			for (size_t t = 0; t < sizeof ks / sizeof ks[0]; t++) {
				CK_OK(hec_poly_automorphism(&B, &A, ks[t]));
				ck_assert(B.ntt);
				for (size_t j = 0; j < limbs; j++) {
					const hec_ntt_table *tab = basis ? hec_ring_p_ntt(r, j) : hec_ring_q_ntt(r, j);
					const hec_modulus_t *m = hec_ntt_table_modulus(tab);
					uint64_t psi = hec_ntt_table_psi(tab);
					unsigned logn = (unsigned)__builtin_ctzll(n);
					for (size_t i = 0; i < n; i++) {
						uint64_t e = ((2 * brv((unsigned)i, logn) + 1) * ks[t]) % (2 * n);
						uint64_t x = hec_ntt_mod_pow(psi, e, m), acc = 0;
						for (size_t c = n; c-- > 0;)
							acc = hec_ntt_mod_add(hec_ntt_mod_mul(acc, x, m), hec_poly_limb(&a, j)[c], m->q);
						ck_assert_msg(hec_poly_limb(&B, j)[i] == acc, "n=%zu k=%llu limb %zu slot %zu " SEED_FMT,
						              n, (unsigned long long)ks[t], j, i, SEED_ARG(&g));
					}
				}
			}
			hec_poly_clear(&a);
			hec_poly_clear(&A);
			hec_poly_clear(&B);
		}
		hec_ring_free(r);
	}
}
END_TEST

/* Coefficient form against its definition, through GMP: coefficient i
 * moves to i k mod n, negated when i k mod 2n >= n. */
START_TEST(test_coeff_definition)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xc0ef));
	const size_t n = 32;
	hec_ring *r = make_ring(n, 3, 40, 0, 0);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 3, false), b = new_poly(r, HEC_BASIS_Q, 3, false);
	fill_random(&g, &a);
	mpz_t M, x, y;
	mpz_inits(M, x, y, NULL);
	ref_modulus(M, &a);
	for (uint64_t k = 1; k < 2 * n; k += 2) {
		CK_OK(hec_poly_automorphism(&b, &a, k));
		for (size_t i = 0; i < n; i++) {
			uint64_t e = (i * k) % (2 * n);
			ref_coeff(x, &a, i, false);
			if (e >= n)
				mpz_neg(x, x);
			mpz_mod(x, x, M);
			ref_coeff(y, &b, e % n, false);
			ck_assert_msg(!mpz_cmp(x, y), "k=%llu i=%zu", (unsigned long long)k, i);
		}
	}
	mpz_clears(M, x, y, NULL);
	hec_poly_clear(&a);
	hec_poly_clear(&b);
	hec_ring_free(r);
}
END_TEST

/* NTT(aut_coeff(a)) == aut_ntt(NTT(a)) for every k (small n) or random k
 * (large n); k1 then k2 equals k1 k2; k then k^-1 is the identity. */
START_TEST(test_group_law)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x6a1));
	static const size_t ns[] = {16, 256, 1u << 14};
	for (size_t t = 0; t < 3; t++) {
		const size_t n = ns[t], L = n > 1024 ? 2 : 3;
		hec_ring *r = make_ring(n, L, 45, 0, 0);
		hec_poly a = new_poly(r, HEC_BASIS_Q, L, false), A = new_poly(r, HEC_BASIS_Q, L, false);
		hec_poly b = new_poly(r, HEC_BASIS_Q, L, false), B = new_poly(r, HEC_BASIS_Q, L, false);
		hec_poly c = new_poly(r, HEC_BASIS_Q, L, false);
		fill_random(&g, &a);
		CK_OK(hec_poly_copy(&A, &a));
		hec_poly_ntt_fwd(&A);
		size_t trials = n == 16 ? n : 6;
		for (size_t s = 0; s < trials; s++) {
			uint64_t k1 = n == 16 ? 2 * s + 1 : (test_rng_below(&g, n) * 2 + 1);
			uint64_t k2 = test_rng_below(&g, n) * 2 + 1;
			if (s == 1)
				k1 = hec_ring_galois_conjugation(r);
			/* Forms agree. */
			CK_OK(hec_poly_automorphism(&b, &a, k1));
			ck_assert(!b.ntt);
			hec_poly_ntt_fwd(&b);
			CK_OK(hec_poly_automorphism(&B, &A, k1));
			ck_assert_msg(poly_equal(&b, &B), "forms n=%zu k=%llu " SEED_FMT, n, (unsigned long long)k1,
			              SEED_ARG(&g));
			/* Composition, NTT form then coefficient form. */
			CK_OK(hec_poly_automorphism(&c, &B, k2));
			CK_OK(hec_poly_automorphism(&b, &A, (k1 * k2) % (2 * n)));
			ck_assert_msg(poly_equal(&b, &c), "compose n=%zu " SEED_FMT, n, SEED_ARG(&g));
			CK_OK(hec_poly_automorphism(&b, &a, k1));
			CK_OK(hec_poly_automorphism(&c, &b, k2));
			CK_OK(hec_poly_automorphism(&b, &a, k1 * k2)); /* k reduced mod 2n */
			ck_assert(poly_equal(&b, &c));
			/* Inverse. */
			CK_OK(hec_poly_automorphism(&c, &B, inverse_mod_2n(k1, 2 * n)));
			ck_assert(poly_equal(&c, &A));
		}
		hec_poly_clear(&a);
		hec_poly_clear(&A);
		hec_poly_clear(&b);
		hec_poly_clear(&B);
		hec_poly_clear(&c);
		hec_ring_free(r);
	}
}
END_TEST

START_TEST(test_galois_elements)
{
	for (size_t n = 16; n <= 4096; n <<= 1) {
		hec_ring *r = make_ring(n, 1, 40, 0, 0);
		const uint64_t two_n = 2 * n;
		ck_assert_uint_eq(hec_ring_galois_rotation(r, 0), 1);
		ck_assert_uint_eq(hec_ring_galois_rotation(r, 1), 5);
		ck_assert_uint_eq(hec_ring_galois_rotation(r, (int64_t)n / 2), 1);
		ck_assert_uint_eq(hec_ring_galois_conjugation(r), two_n - 1);
		for (int64_t s = -40; s <= 40; s += 7) {
			uint64_t gs = hec_ring_galois_rotation(r, s), gm = hec_ring_galois_rotation(r, -s);
			ck_assert_uint_eq((gs * gm) % two_n, 1);
			ck_assert_uint_eq((gs * hec_ring_galois_rotation(r, 3)) % two_n, hec_ring_galois_rotation(r, s + 3));
			ck_assert(gs & 1);
			ck_assert(gs < two_n);
		}
		ck_assert_uint_eq(hec_ring_galois_rotation(r, INT64_MIN) & 1, 1);
		hec_ring_free(r);
	}
}
END_TEST

START_TEST(test_errors)
{
	hec_ring *r = make_ring(16, 2, 40, 0, 0);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 2, true), b = new_poly(r, HEC_BASIS_Q, 1, true);
	ck_assert_int_eq(hec_poly_automorphism(&a, &a, 5), HEC_ERR_ARG);
	ck_assert_msg(strstr(hec_error_detail(), "alias"), "%s", hec_error_detail());
	ck_assert_int_eq(hec_poly_automorphism(&b, &a, 4), HEC_ERR_ARG);
	ck_assert_int_eq(hec_poly_automorphism(&b, &a, 5), HEC_ERR_ARG); /* capacity 1 < 2 */
	hec_poly_drop_limbs(&a, 1);
	CK_OK(hec_poly_automorphism(&b, &a, 5));
	hec_poly_clear(&a);
	hec_poly_clear(&b);
	hec_ring_free(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ring-automorphism");
	TCase *tc = tcase_create("automorphism");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ntt_is_evaluation);
	tcase_add_test(tc, test_coeff_definition);
	tcase_add_test(tc, test_group_law);
	tcase_add_test(tc, test_galois_elements);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
