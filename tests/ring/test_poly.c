/* Rings and polynomials against GMP: element-wise arithmetic mod Q, the
 * NTT-form product as the big-integer negacyclic product mod Q, the CRT
 * bridge, aliasing, and argument checks. */
#include <stdint.h>

#include "ringtest.h"

START_TEST(test_ring_errors)
{
	uint64_t q[4];
	CK_OK(hec_ntt_primes_generate(q, 4, 40, 64));
	hec_ring *r = (hec_ring *)1;
	ck_assert_int_eq(hec_ring_new(&r, 48, q, 2, NULL, 0), HEC_ERR_ARG);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(hec_ring_new(&r, 8, q, 2, NULL, 0), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ring_new(&r, 64, q, 0, NULL, 0), HEC_ERR_ARG);
	/* Primes = 1 mod 128 need not be = 1 mod 256: the first that is not is
	 * refused for n = 128, by name. */
	for (size_t i = 0; i < 4; i++) {
		if ((q[i] - 1) % 256 == 0)
			continue;
		ck_assert_int_eq(hec_ring_new(&r, 128, q, 4, NULL, 0), HEC_ERR_ARG);
		char want[32];
		snprintf(want, sizeof want, "%llu", (unsigned long long)q[i]);
		ck_assert_msg(strstr(hec_error_detail(), want), "detail names the prime: %s", hec_error_detail());
		break;
	}
	/* Not prime, duplicate (within Q and across Q and P), too large. */
	uint64_t notprime[2] = {q[0], 129 * 257};
	ck_assert_int_eq(hec_ring_new(&r, 64, notprime, 2, NULL, 0), HEC_ERR_ARG);
	uint64_t dup[2] = {q[0], q[0]};
	ck_assert_int_eq(hec_ring_new(&r, 64, dup, 2, NULL, 0), HEC_ERR_ARG);
	ck_assert_msg(strstr(hec_error_detail(), "twice"), "%s", hec_error_detail());
	ck_assert_int_eq(hec_ring_new(&r, 64, q, 2, q + 1, 1), HEC_ERR_ARG);
	uint64_t big[1];
	CK_OK(hec_ntt_primes_generate(big, 1, 61, 64));
	/* 61-bit primes are accepted (by the portable kernel). */
	CK_OK(hec_ring_new(&r, 64, big, 1, NULL, 0));
	hec_ring_free(r);
	hec_ring_free(NULL);

	CK_OK(hec_ring_new(&r, 64, q, 3, q + 3, 1));
	ck_assert_uint_eq(hec_ring_n(r), 64);
	ck_assert_uint_eq(hec_ring_nq(r), 3);
	ck_assert_uint_eq(hec_ring_np(r), 1);
	ck_assert_uint_eq(hec_ring_q(r, 2), q[2]);
	ck_assert_uint_eq(hec_ring_p(r, 0), q[3]);
	ck_assert_uint_eq(hec_ring_q_mod(r, 1)->q, q[1]);
	ck_assert_uint_eq(hec_ring_p_mod(r, 0)->q, q[3]);
	ck_assert_uint_eq(hec_ntt_table_modulus(hec_ring_q_ntt(r, 1))->q, q[1]);
	ck_assert_uint_eq(hec_ntt_table_modulus(hec_ring_p_ntt(r, 0))->q, q[3]);
	double l2 = log2((double)q[0]) + log2((double)q[1]);
	ck_assert_double_eq_tol(hec_ring_log2_q(r, 1), l2, 1e-9);
	ck_assert_double_eq_tol(hec_ring_log2_p(r), log2((double)q[3]), 1e-9);

	hec_poly p;
	ck_assert_int_eq(hec_poly_init(&p, r, HEC_BASIS_Q, 0, false), HEC_ERR_ARG);
	ck_assert_int_eq(hec_poly_init(&p, r, HEC_BASIS_Q, 4, false), HEC_ERR_ARG);
	ck_assert_int_eq(hec_poly_init(&p, r, HEC_BASIS_P, 2, false), HEC_ERR_ARG);
	hec_poly_clear(&p); /* zeroed by the failed init: clearing is harmless */
	CK_OK(hec_poly_init(&p, r, HEC_BASIS_P, 1, true));
	hec_poly_clear(&p);
	hec_poly_clear(&p);
	hec_ring_free(r);
}
END_TEST

/* Element-wise operations in both bases against GMP mod the basis product,
 * with every aliasing pattern. */
START_TEST(test_elementwise)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x71e1));
	hec_ring *r = make_ring(64, 3, 50, 2, 45);
	const size_t n = 64;
	static const int64_t ks[] = {0, 1, -1, 3, -12345678901, INT64_MAX, INT64_MIN};
	mpz_t M, x, y, want, got;
	mpz_inits(M, x, y, want, got, NULL);
	for (int basis = 0; basis < 2; basis++) {
		size_t limbs = basis ? 2 : 3;
		for (int alias = 0; alias < 4; alias++) {
			hec_poly a = new_poly(r, (hec_basis)basis, limbs, false);
			hec_poly b = new_poly(r, (hec_basis)basis, limbs, false);
			hec_poly d = new_poly(r, (hec_basis)basis, limbs, false);
			ref_modulus(M, &a);
			for (int op = 0; op < 5 + 7; op++) {
				fill_random(&g, &a);
				fill_random(&g, &b);
				hec_poly a0 = new_poly(r, (hec_basis)basis, limbs, false);
				hec_poly b0 = new_poly(r, (hec_basis)basis, limbs, false);
				CK_OK(hec_poly_copy(&a0, &a));
				CK_OK(hec_poly_copy(&b0, &b));
				/* alias 0: d distinct; 1: d = a; 2: d = b; 3: a = b (d distinct). */
				hec_poly *dst = alias == 1 ? &a : alias == 2 ? &b : &d;
				const hec_poly *pb = alias == 3 ? &a : &b;
				const hec_poly *rb = alias == 3 ? &a0 : &b0;
				uint64_t c[3];
				for (size_t i = 0; i < limbs; i++)
					c[i] = test_rng_below(&g, poly_prime(&a, i));
				switch (op) {
				case 0: CK_OK(hec_poly_add(dst, &a, pb)); break;
				case 1: CK_OK(hec_poly_sub(dst, &a, pb)); break;
				case 2: CK_OK(hec_poly_neg(dst, &a)); break;
				case 3: CK_OK(hec_poly_mul_rns(dst, &a, c)); break;
				case 4: CK_OK(hec_poly_add_rns(dst, &a, c)); break;
				default: CK_OK(hec_poly_mul_int(dst, &a, ks[op - 5])); break;
				}
				/* The RNS constant as an integer mod M. */
				mpz_t cz;
				mpz_init(cz);
				uint64_t mods[3];
				for (size_t i = 0; i < limbs; i++)
					mods[i] = poly_prime(&a, i);
				ref_crt(cz, c, mods, limbs, false);
				for (size_t k = 0; k < n; k++) {
					ref_coeff(x, &a0, k, false);
					ref_coeff(y, rb, k, false);
					switch (op) {
					case 0: mpz_add(want, x, y); break;
					case 1: mpz_sub(want, x, y); break;
					case 2: mpz_neg(want, x); break;
					case 3: mpz_mul(want, x, cz); break;
					case 4: mpz_set(want, x); if (k == 0) mpz_add(want, x, cz); break;
					default: mpz_set_si(y, ks[op - 5]); mpz_mul(want, x, y); break;
					}
					mpz_mod(want, want, M);
					ref_coeff(got, dst, k, false);
					ck_assert_msg(!mpz_cmp(got, want), "basis %d alias %d op %d k %zu " SEED_FMT, basis,
					              alias, op, k, SEED_ARG(&g));
				}
				for (size_t i = 0; i < limbs; i++)
					for (size_t k = 0; k < n; k++)
						ck_assert(hec_poly_limb(dst, i)[k] < poly_prime(dst, i));
				mpz_clear(cz);
				hec_poly_clear(&a0);
				hec_poly_clear(&b0);
			}
			hec_poly_clear(&a);
			hec_poly_clear(&b);
			hec_poly_clear(&d);
		}
	}
	mpz_clears(M, x, y, want, got, NULL);
	hec_ring_free(r);
}
END_TEST

/* GMP schoolbook negacyclic product mod M. */
static void ref_negacyclic(mpz_t *c, mpz_t *a, mpz_t *b, size_t n, const mpz_t M)
{
	for (size_t k = 0; k < n; k++)
		mpz_set_ui(c[k], 0);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			if (i + j < n)
				mpz_addmul(c[i + j], a[i], b[j]);
			else
				mpz_submul(c[i + j - n], a[i], b[j]);
		}
	for (size_t k = 0; k < n; k++)
		mpz_mod(c[k], c[k], M);
}

/* The NTT-form product is the negacyclic product mod Q; mul_acc adds it;
 * aliasing (dst = a, dst = b, a = b) gives the same. */
START_TEST(test_ntt_product)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x9a0d));
	static const struct { size_t n, L; unsigned bits; } cases[] = {
		{16, 1, 61}, {16, 4, 30}, {128, 3, 50}, {256, 2, 61}, {256, 5, 40},
	};
	for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		const size_t n = cases[t].n, L = cases[t].L;
		hec_ring *r = make_ring(n, L, cases[t].bits, 0, 0);
		for (size_t limbs = L; limbs >= 1 && limbs + 2 > L; limbs--) {
			hec_poly a = new_poly(r, HEC_BASIS_Q, limbs, false), b = new_poly(r, HEC_BASIS_Q, limbs, false);
			hec_poly d = new_poly(r, HEC_BASIS_Q, limbs, false), e = new_poly(r, HEC_BASIS_Q, limbs, false);
			fill_random(&g, &a);
			fill_random(&g, &b);
			fill_random(&g, &e);
			mpz_t M;
			mpz_init(M);
			ref_modulus(M, &a);
			mpz_t *za = mpz_vec(n), *zb = mpz_vec(n), *zc = mpz_vec(n), *ze = mpz_vec(n), *zsq = mpz_vec(n);
			for (size_t k = 0; k < n; k++) {
				ref_coeff(za[k], &a, k, false);
				ref_coeff(zb[k], &b, k, false);
				ref_coeff(ze[k], &e, k, false);
			}
			ref_negacyclic(zc, za, zb, n, M);
			ref_negacyclic(zsq, za, za, n, M);

			hec_poly_ntt_fwd(&a);
			hec_poly_ntt_fwd(&b);
			hec_poly_ntt_fwd(&e);
			ck_assert(a.ntt);
			CK_OK(hec_poly_mul(&d, &a, &b));
			CK_OK(hec_poly_mul_acc(&e, &a, &b));
			hec_poly_ntt_inv(&d);
			hec_poly_ntt_inv(&e);
			ck_assert(!d.ntt);
			mpz_t got, want;
			mpz_inits(got, want, NULL);
			for (size_t k = 0; k < n; k++) {
				ref_coeff(got, &d, k, false);
				ck_assert_msg(!mpz_cmp(got, zc[k]), "n=%zu limbs=%zu k=%zu " SEED_FMT, n, limbs, k, SEED_ARG(&g));
				mpz_add(want, zc[k], ze[k]);
				mpz_mod(want, want, M);
				ref_coeff(got, &e, k, false);
				ck_assert_msg(!mpz_cmp(got, want), "mul_acc n=%zu k=%zu " SEED_FMT, n, k, SEED_ARG(&g));
			}
			/* Aliasing: d = a * b computed in place into a and into b,
			 * and a * a. */
			hec_poly a2 = new_poly(r, HEC_BASIS_Q, limbs, true), b2 = new_poly(r, HEC_BASIS_Q, limbs, true);
			hec_poly ref = new_poly(r, HEC_BASIS_Q, limbs, true);
			CK_OK(hec_poly_mul(&ref, &a, &b));
			CK_OK(hec_poly_copy(&a2, &a));
			CK_OK(hec_poly_mul(&a2, &a2, &b));
			ck_assert(poly_equal(&a2, &ref));
			CK_OK(hec_poly_copy(&b2, &b));
			CK_OK(hec_poly_mul(&b2, &a, &b2));
			ck_assert(poly_equal(&b2, &ref));
			CK_OK(hec_poly_copy(&a2, &a));
			CK_OK(hec_poly_mul(&a2, &a2, &a2));
			hec_poly_ntt_inv(&a2);
			for (size_t k = 0; k < n; k++) {
				ref_coeff(got, &a2, k, false);
				ck_assert_msg(!mpz_cmp(got, zsq[k]), "square n=%zu k=%zu " SEED_FMT, n, k, SEED_ARG(&g));
			}
			/* mul_acc with dst aliasing an input: a2 += a2 * b. */
			CK_OK(hec_poly_copy(&a2, &a));
			CK_OK(hec_poly_copy(&b2, &a));
			CK_OK(hec_poly_mul_acc(&b2, &a, &b)); /* reference: a + a b */
			CK_OK(hec_poly_mul_acc(&a2, &a2, &b));
			ck_assert(poly_equal(&a2, &b2));
			/* Forms are checked. */
			hec_poly_ntt_inv(&b2);
			ck_assert_int_eq(hec_poly_mul(&d, &a, &b2), HEC_ERR_ARG);
			hec_poly_ntt_inv(&a);
			ck_assert_int_eq(hec_poly_mul(&d, &a, &b2), HEC_ERR_ARG);
			ck_assert_msg(strstr(hec_error_detail(), "NTT"), "%s", hec_error_detail());
			/* Converting to the current form does nothing. */
			CK_OK(hec_poly_copy(&a2, &a));
			hec_poly_ntt_inv(&a2);
			ck_assert(poly_equal(&a2, &a));

			mpz_clears(got, want, M, NULL);
			mpz_vec_free(za, n);
			mpz_vec_free(zb, n);
			mpz_vec_free(zc, n);
			mpz_vec_free(ze, n);
			mpz_vec_free(zsq, n);
			hec_poly_clear(&a);
			hec_poly_clear(&b);
			hec_poly_clear(&d);
			hec_poly_clear(&e);
			hec_poly_clear(&a2);
			hec_poly_clear(&b2);
			hec_poly_clear(&ref);
		}
		hec_ring_free(r);
	}
}
END_TEST

/* hec_poly_dot and hec_poly_dot2 equal zeroing and calling mul_acc count
 * times, bit for bit (mul_acc is checked against GMP above), and their
 * _automorphism variants equal automorphisms then the products: random and
 * extreme (q - 1) inputs, term counts across the kernels' folding points
 * (every 8 terms in AVX2, 64 in portable), both bases, primes from 30 to 61
 * bits (the AVX2 kernel below 2^50 where the CPU has it, the portable one
 * above), a destination with fewer limbs than the operands, outputs
 * aliasing inputs; argument checks. */
static void fill_dot(test_rng *g, hec_poly *p)
{
	fill_random(g, p);
	if (test_rng_below(g, 4) == 0) /* every coefficient q - 1: the largest products */
		for (size_t i = 0; i < p->limbs; i++)
			for (size_t k = 0; k < hec_ring_n(p->ring); k++)
				hec_poly_limb(p, i)[k] = poly_prime(p, i) - 1;
}

START_TEST(test_dot)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xd07));
	static const struct { size_t n, L, K; unsigned qbits, pbits; } cases[] = {
		{64, 3, 2, 30, 36}, {32, 3, 1, 49, 50}, {16, 2, 1, 61, 55}, {48 / 3 * 4, 2, 2, 40, 46},
	};
	static const size_t counts[] = {1, 2, 7, 8, 9, 17, HEC_POLY_DOT_MAX};
	for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		hec_ring *r = make_ring(cases[t].n, cases[t].L, cases[t].qbits, cases[t].K, cases[t].pbits);
		for (int basis = 0; basis < 2; basis++) {
			const hec_basis bs = (hec_basis)basis;
			const size_t limbs = basis ? cases[t].K : cases[t].L, dl = basis ? limbs : limbs - 1 + (t % 2);
			for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
				const size_t cnt = counts[c];
				hec_poly *a = malloc(cnt * sizeof *a), *b0 = malloc(cnt * sizeof *b0), *b1 = malloc(cnt * sizeof *b1);
				for (size_t j = 0; j < cnt; j++) {
					a[j] = new_poly(r, bs, limbs, true);
					b0[j] = new_poly(r, bs, limbs, true);
					b1[j] = new_poly(r, bs, limbs, true);
					fill_dot(&g, &a[j]);
					fill_dot(&g, &b0[j]);
					fill_dot(&g, &b1[j]);
				}
				hec_poly r0 = new_poly(r, bs, dl, true), r1 = new_poly(r, bs, dl, true);
				hec_poly d0 = new_poly(r, bs, dl, true), d1 = new_poly(r, bs, dl, true);
				hec_poly keep = new_poly(r, bs, limbs, true);
				for (size_t j = 0; j < cnt; j++) {
					CK_OK(hec_poly_mul_acc(&r0, &a[j], &b0[j]));
					CK_OK(hec_poly_mul_acc(&r1, &a[j], &b1[j]));
				}
				fill_random(&g, &d0);
				CK_OK(hec_poly_dot(&d0, a, b0, cnt));
				ck_assert_msg(poly_equal(&d0, &r0), "dot: case %zu basis %d count %zu " SEED_FMT, t, basis, cnt,
				              SEED_ARG(&g));
				fill_random(&g, &d0);
				fill_random(&g, &d1);
				CK_OK(hec_poly_dot2(&d0, &d1, a, b0, b1, cnt));
				ck_assert_msg(poly_equal(&d0, &r0) && poly_equal(&d1, &r1), "dot2: case %zu basis %d count %zu " SEED_FMT,
				              t, basis, cnt, SEED_ARG(&g));
				if (dl == limbs) {
					/* Outputs aliasing inputs: dot into b0[last]; dot2 with
					 * dst0 = b1[last] (read by the second output) and dst1 =
					 * a[0]. */
					const size_t last = cnt - 1;
					CK_OK(hec_poly_copy(&keep, &b0[last]));
					CK_OK(hec_poly_dot(&b0[last], a, b0, cnt));
					ck_assert(poly_equal(&b0[last], &r0));
					CK_OK(hec_poly_copy(&b0[last], &keep));
					hec_poly keep_a = new_poly(r, bs, limbs, true);
					CK_OK(hec_poly_copy(&keep, &b1[last]));
					CK_OK(hec_poly_copy(&keep_a, &a[0]));
					CK_OK(hec_poly_dot2(&b1[last], &a[0], a, b0, b1, cnt));
					ck_assert_msg(poly_equal(&b1[last], &r0) && poly_equal(&a[0], &r1),
					              "dot2 aliased: case %zu basis %d count %zu " SEED_FMT, t, basis, cnt, SEED_ARG(&g));
					hec_poly_clear(&keep_a);
				}
				/* With a Galois element: automorphism then dot, in one
				 * pass; b may be aliased, a may not. */
				uint64_t gal = hec_ring_galois_rotation(r, (int64_t)(1 + cnt % 5)) + (c % 2 ? 2 * hec_ring_n(r) : 0);
				hec_poly *pa = malloc(cnt * sizeof *pa);
				for (size_t j = 0; j < cnt; j++) {
					pa[j] = new_poly(r, bs, limbs, true);
					CK_OK(hec_poly_automorphism(&pa[j], &a[j], gal));
				}
				CK_OK(hec_poly_dot2(&r0, &r1, pa, b0, b1, cnt));
				fill_random(&g, &d0);
				CK_OK(hec_poly_dot_automorphism(&d0, a, gal, b0, cnt));
				ck_assert_msg(poly_equal(&d0, &r0), "dot_automorphism: case %zu basis %d count %zu " SEED_FMT, t, basis,
				              cnt, SEED_ARG(&g));
				fill_random(&g, &d0);
				fill_random(&g, &d1);
				CK_OK(hec_poly_dot2_automorphism(&d0, &d1, a, gal, b0, b1, cnt));
				ck_assert_msg(poly_equal(&d0, &r0) && poly_equal(&d1, &r1),
				              "dot2_automorphism: case %zu basis %d count %zu " SEED_FMT, t, basis, cnt, SEED_ARG(&g));
				if (dl == limbs) {
					CK_OK(hec_poly_copy(&keep, &b1[0]));
					CK_OK(hec_poly_dot2_automorphism(&d0, &b1[0], a, gal, b0, b1, cnt));
					ck_assert(poly_equal(&d0, &r0) && poly_equal(&b1[0], &r1));
					CK_OK(hec_poly_copy(&b1[0], &keep));
				}
				ck_assert_int_eq(hec_poly_dot2_automorphism(&d0, &a[cnt - 1], a, gal, b0, b1, cnt), HEC_ERR_ARG);
				ck_assert_int_eq(hec_poly_dot_automorphism(&d0, a, gal + 1, b0, cnt), HEC_ERR_ARG);
				ck_assert_int_eq(hec_poly_dot_automorphism(&d0, a, 0, b0, cnt), HEC_ERR_ARG);
				/* k = 1 is the identity. */
				CK_OK(hec_poly_dot(&r0, a, b0, cnt));
				CK_OK(hec_poly_dot_automorphism(&d0, a, 1, b0, cnt));
				ck_assert(poly_equal(&d0, &r0));
				for (size_t j = 0; j < cnt; j++)
					hec_poly_clear(&pa[j]);
				free(pa);
				hec_poly_clear(&r0);
				hec_poly_clear(&r1);
				hec_poly_clear(&d0);
				hec_poly_clear(&d1);
				hec_poly_clear(&keep);
				for (size_t j = 0; j < cnt; j++) {
					hec_poly_clear(&a[j]);
					hec_poly_clear(&b0[j]);
					hec_poly_clear(&b1[j]);
				}
				free(a);
				free(b0);
				free(b1);
			}
		}
		hec_ring_free(r);
	}
	/* Errors: no terms, too many, coefficient form, a term of another
	 * basis, one destination twice, destinations of different sizes. */
	hec_ring *r = make_ring(16, 3, 40, 1, 40);
	hec_poly a[2] = {new_poly(r, HEC_BASIS_Q, 3, true), new_poly(r, HEC_BASIS_Q, 3, true)};
	hec_poly b[2] = {new_poly(r, HEC_BASIS_Q, 3, true), new_poly(r, HEC_BASIS_P, 1, true)};
	hec_poly d = new_poly(r, HEC_BASIS_Q, 3, true), e = new_poly(r, HEC_BASIS_Q, 2, true);
	ck_assert_int_eq(hec_poly_dot(&d, a, b, 0), HEC_ERR_ARG);
	ck_assert_int_eq(hec_poly_dot(&d, a, b, HEC_POLY_DOT_MAX + 1), HEC_ERR_ARG);
	ck_assert_int_eq(hec_poly_dot(&d, a, b, 2), HEC_ERR_ARG); /* b[1] is a P polynomial */
	CK_OK(hec_poly_dot(&d, a, b, 1));
	ck_assert_int_eq(hec_poly_dot2(&d, &d, a, b, b, 1), HEC_ERR_ARG);
	ck_assert_int_eq(hec_poly_dot2(&d, &e, a, b, b, 1), HEC_ERR_ARG);
	CK_OK(hec_poly_dot2(&d, &a[1], a, b, b, 1));
	a[0].ntt = false;
	ck_assert_int_eq(hec_poly_dot(&d, a, b, 1), HEC_ERR_ARG);
	hec_poly_clear(&a[0]);
	hec_poly_clear(&a[1]);
	hec_poly_clear(&b[0]);
	hec_poly_clear(&b[1]);
	hec_poly_clear(&d);
	hec_poly_clear(&e);
	hec_ring_free(r);
}
END_TEST

/* add_rns in NTT form adds the constant polynomial. */
START_TEST(test_add_rns_ntt)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xadd));
	hec_ring *r = make_ring(32, 3, 45, 0, 0);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 3, false), b = new_poly(r, HEC_BASIS_Q, 3, false);
	fill_random(&g, &a);
	uint64_t c[3];
	for (size_t i = 0; i < 3; i++)
		c[i] = test_rng_below(&g, hec_ring_q(r, i));
	CK_OK(hec_poly_add_rns(&b, &a, c));
	hec_poly_ntt_fwd(&a);
	CK_OK(hec_poly_add_rns(&a, &a, c));
	hec_poly_ntt_inv(&a);
	ck_assert(poly_equal(&a, &b));
	hec_poly_clear(&a);
	hec_poly_clear(&b);
	hec_ring_free(r);
}
END_TEST

/* Argument checks: different forms, too few limbs, another ring. */
START_TEST(test_checks)
{
	hec_ring *r = make_ring(16, 3, 40, 1, 40), *r2 = make_ring(16, 3, 41, 0, 0);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 3, false), b = new_poly(r, HEC_BASIS_Q, 2, false);
	hec_poly c = new_poly(r, HEC_BASIS_Q, 3, true), x = new_poly(r2, HEC_BASIS_Q, 3, false);
	hec_poly p = new_poly(r, HEC_BASIS_P, 1, false);
	ck_assert_int_eq(hec_poly_add(&a, &a, &b), HEC_ERR_ARG);  /* b has 2 < 3 limbs */
	CK_OK(hec_poly_add(&b, &a, &a));                          /* extra input limbs ignored */
	ck_assert_uint_eq(b.limbs, 2);
	ck_assert_int_eq(hec_poly_add(&a, &a, &c), HEC_ERR_ARG);  /* forms differ */
	ck_assert_int_eq(hec_poly_sub(&a, &a, &x), HEC_ERR_ARG);  /* rings differ */
	ck_assert_int_eq(hec_poly_add(&p, &p, &a), HEC_ERR_ARG);  /* bases differ */
	ck_assert_int_eq(hec_poly_copy(&b, &a), HEC_ERR_ARG);     /* capacity 2 < 3 */
	hec_poly_drop_limbs(&a, 1);
	ck_assert_uint_eq(a.limbs, 1);
	hec_poly_drop_limbs(&a, 5);
	ck_assert_uint_eq(a.limbs, 1);
	hec_poly_drop_limbs(&a, 0);
	ck_assert_uint_eq(a.limbs, 1);
	CK_OK(hec_poly_copy(&b, &a));
	ck_assert_uint_eq(b.limbs, 1);
	hec_poly_clear(&a);
	hec_poly_clear(&b);
	hec_poly_clear(&c);
	hec_poly_clear(&x);
	hec_poly_clear(&p);
	hec_ring_free(r);
	hec_ring_free(r2);
}
END_TEST

/* CRT composition against the reference and round trips through
 * set_mpz / get_mpz, at every level and in P. */
START_TEST(test_crt_roundtrip)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xc47));
	hec_ring *r = make_ring(16, 5, 55, 3, 60);
	gmp_randstate_t gs;
	gmp_randinit_default(gs);
	gmp_randseed_ui(gs, (unsigned long)g.seed);
	mpz_t M, x, want, got, half;
	mpz_inits(M, x, want, got, half, NULL);
	for (int basis = 0; basis < 2; basis++) {
		for (size_t limbs = 1; limbs <= (basis ? 3u : 5u); limbs++) {
			if (basis && limbs != 3)
				continue;
			hec_poly p = new_poly(r, (hec_basis)basis, limbs, false);
			ref_modulus(M, &p);
			hec_poly_modulus_mpz(got, &p);
			ck_assert(!mpz_cmp(got, M));
			fill_random(&g, &p);
			for (size_t k = 0; k < 16; k++) {
				for (int centered = 0; centered < 2; centered++) {
					ref_coeff(want, &p, k, centered);
					hec_poly_get_mpz(got, &p, k, centered);
					ck_assert_msg(!mpz_cmp(got, want), "get basis %d limbs %zu " SEED_FMT, basis, limbs,
					              SEED_ARG(&g));
				}
			}
			/* Any integer, either sign, several times M. */
			for (size_t k = 0; k < 16; k++) {
				mpz_urandomm(x, gs, M);
				mpz_mul_ui(x, x, 5);
				if (k & 1)
					mpz_neg(x, x);
				if (k == 2)
					mpz_set(x, M);
				if (k == 3) { /* the centered range's edges */
					mpz_sub_ui(x, M, 1);
					mpz_tdiv_q_2exp(x, x, 1);
				}
				if (k == 4) {
					mpz_sub_ui(x, M, 1);
					mpz_tdiv_q_2exp(x, x, 1);
					mpz_neg(x, x);
				}
				hec_poly_set_mpz(&p, k, x);
				hec_poly_get_mpz(got, &p, k, false);
				mpz_mod(want, x, M);
				ck_assert(!mpz_cmp(got, want));
				hec_poly_get_mpz(got, &p, k, true);
				mpz_sub_ui(half, M, 1);
				mpz_tdiv_q_2exp(half, half, 1);
				if (mpz_cmp(want, half) > 0)
					mpz_sub(want, want, M);
				ck_assert_msg(!mpz_cmp(got, want), "centered k %zu " SEED_FMT, k, SEED_ARG(&g));
				if (k >= 3 && k <= 4)
					ck_assert(!mpz_cmp(got, x));
			}
			hec_poly_clear(&p);
		}
	}
	mpz_clears(M, x, want, got, half, NULL);
	gmp_randclear(gs);
	hec_ring_free(r);
}
END_TEST

START_TEST(test_set_i64)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x164));
	hec_ring *r = make_ring(64, 3, 40, 1, 30);
	int64_t v[64];
	for (size_t k = 0; k < 64; k++)
		v[k] = (int64_t)test_rng_next(&g) >> (k % 64);
	v[0] = INT64_MIN;
	v[1] = INT64_MAX;
	v[2] = 0;
	v[3] = -1;
	for (int basis = 0; basis < 2; basis++) {
		hec_poly p = new_poly(r, (hec_basis)basis, basis ? 1 : 3, true);
		hec_poly_set_i64(&p, v);
		ck_assert(!p.ntt);
		mpz_t got, want, M;
		mpz_inits(got, want, M, NULL);
		ref_modulus(M, &p);
		for (size_t k = 0; k < 64; k++) {
			mpz_set_si(want, v[k]);
			mpz_mod(want, want, M);
			ref_coeff(got, &p, k, false);
			ck_assert_msg(!mpz_cmp(got, want), "k %zu v %lld " SEED_FMT, k, (long long)v[k], SEED_ARG(&g));
		}
		mpz_clears(got, want, M, NULL);
		hec_poly_clear(&p);
	}
	hec_ring_free(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ring-poly");
	TCase *tc = tcase_create("poly");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ring_errors);
	tcase_add_test(tc, test_elementwise);
	tcase_add_test(tc, test_ntt_product);
	tcase_add_test(tc, test_dot);
	tcase_add_test(tc, test_add_rns_ntt);
	tcase_add_test(tc, test_checks);
	tcase_add_test(tc, test_crt_roundtrip);
	tcase_add_test(tc, test_set_i64);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
