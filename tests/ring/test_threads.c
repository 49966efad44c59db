/* Results do not depend on the number of OpenMP threads: every parallel
 * operation, run with 1 and with 2 threads on the same inputs, gives the
 * same bits.  The sizes are above the parallelisation thresholds. */
#include "ringtest.h"
#ifdef _OPENMP
#include <omp.h>
#endif

enum { NOUT = 11 };

/* Run every parallel operation on fixed inputs; outputs in out[0..NOUT). */
static void run_all(const hec_ring *r, hec_poly *out, uint64_t seed)
{
	test_rng g;
	test_rng_init(&g, seed);
	const size_t L = hec_ring_nq(r), K = hec_ring_np(r), n = hec_ring_n(r);
	hec_ring_workspace *w;
	CK_OK(hec_ring_workspace_new(&w, r));
	hec_poly a = new_poly(r, HEC_BASIS_Q, L, false), b = new_poly(r, HEC_BASIS_Q, L, false);
	fill_random(&g, &a);
	fill_random(&g, &b);
	for (int i = 0; i < NOUT; i++)
		out[i] = new_poly(r, i == 3 ? HEC_BASIS_P : HEC_BASIS_Q, i == 3 ? K : L, i >= 8);
	CK_OK(hec_poly_copy(&out[0], &a));
	hec_poly_ntt_fwd(&out[0]);                            /* NTT of all limbs */
	hec_poly_ntt_fwd(&b);
	CK_OK(hec_poly_mul(&out[1], &out[0], &b));            /* pointwise product */
	CK_OK(hec_poly_mul_acc(&out[1], &out[0], &b));
	CK_OK(hec_poly_rescale(&out[2], &out[1], w));         /* rescale, NTT form */
	CK_OK(hec_poly_mod_up(&out[4], &out[3], &out[0], 1, 2, w));
	CK_OK(hec_poly_mod_down(&out[5], &out[4], &out[3], w));
	/* Inner products (plain and rotated on the fly) and ModDown fused
	 * with rescaling (converters built here, on first use). */
	const hec_poly terms[3] = {out[0], out[1], out[4]};
	CK_OK(hec_poly_dot2_automorphism(&out[8], &out[9], terms, hec_ring_galois_rotation(r, 3), terms, &b, 1));
	CK_OK(hec_poly_dot(&out[9], terms, terms, 3));
	CK_OK(hec_poly_mod_down_rescale(&out[10], &out[4], &out[3], &out[0], w));
	CK_OK(hec_poly_automorphism(&out[6], &out[1], hec_ring_galois_rotation(r, 7)));
	CK_OK(hec_poly_copy(&out[7], &out[6]));
	hec_poly_ntt_inv(&out[7]);
	/* Exact conversion from Q to P into out[3]'s limbs. */
	uint64_t q[64], p[64];
	const uint64_t *src[64];
	uint64_t *dst[64];
	for (size_t i = 0; i < L; i++) {
		q[i] = hec_ring_q(r, i);
		src[i] = hec_poly_limb(&out[7], i);
	}
	for (size_t j = 0; j < K; j++) {
		p[j] = hec_ring_p(r, j);
		dst[j] = hec_poly_limb(&out[3], j);
	}
	hec_rns_conv *cv;
	CK_OK(hec_rns_conv_new(&cv, n, q, L, p, K));
	uint64_t *scratch = malloc(L * n * sizeof *scratch);
	hec_rns_conv_apply_exact(cv, dst, src, scratch);
	free(scratch);
	hec_rns_conv_free(cv);
	hec_poly_clear(&a);
	hec_poly_clear(&b);
	hec_ring_workspace_free(w);
}

START_TEST(test_thread_count_invariance)
{
#ifdef _OPENMP
	uint64_t seed = test_seed(0x7407);
	hec_ring *r = make_ring(1u << 12, 6, 50, 3, 55);
	hec_poly one[NOUT], two[NOUT];
	omp_set_num_threads(1);
	run_all(r, one, seed);
	omp_set_num_threads(2);
	run_all(r, two, seed);
	for (int i = 0; i < NOUT; i++) {
		ck_assert_msg(poly_equal(&one[i], &two[i]), "output %d differs between 1 and 2 threads seed=0x%llx", i,
		              (unsigned long long)seed);
		hec_poly_clear(&one[i]);
		hec_poly_clear(&two[i]);
	}
	hec_ring_free(r);
#endif
}
END_TEST

/* Galois permutations and converters are built lazily under a lock:
 * threads racing for the same and different ones see complete tables. */
START_TEST(test_cache_race)
{
#ifdef _OPENMP
	hec_ring *r = make_ring(1024, 2, 50, 1, 50);
	hec_ring_workspace *w[2];
	CK_OK(hec_ring_workspace_new(&w[0], r));
	CK_OK(hec_ring_workspace_new(&w[1], r));
	hec_poly a = new_poly(r, HEC_BASIS_Q, 2, true), ref = new_poly(r, HEC_BASIS_Q, 2, true);
	test_rng g;
	test_rng_init(&g, 0x1ace);
	fill_random(&g, &a);
	int bad = 0;
#pragma omp parallel num_threads(2) reduction(+ : bad)
	{
		int t = omp_get_thread_num();
		hec_poly d = new_poly(r, HEC_BASIS_Q, 2, true), dq = new_poly(r, HEC_BASIS_Q, 2, true);
		hec_poly dp = new_poly(r, HEC_BASIS_P, 1, true);
		for (uint64_t k = 1; k < 400; k += 2)
			bad += hec_poly_automorphism(&d, &a, k) != HEC_OK;
		for (size_t ds = 1; ds <= 2; ds++)
			bad += hec_poly_mod_up(&dq, &dp, &a, 0, ds, w[t]) != HEC_OK;
		bad += hec_poly_mod_down_rescale(&d, &dq, &dp, NULL, w[t]) != HEC_OK;
		for (uint64_t k = 3; k < 200; k += 4)
			bad += hec_poly_dot_automorphism(&d, &a, k, &a, 1) != HEC_OK;
		hec_poly_clear(&d);
		hec_poly_clear(&dq);
		hec_poly_clear(&dp);
	}
	ck_assert_int_eq(bad, 0);
	/* The cached tables give what a fresh ring computes. */
	hec_ring *r2 = make_ring(1024, 2, 50, 1, 50);
	hec_poly a2 = new_poly(r2, HEC_BASIS_Q, 2, true), d2 = new_poly(r2, HEC_BASIS_Q, 2, true);
	ck_assert_int_eq(hec_poly_copy(&a2, &a), HEC_ERR_ARG); /* rings differ: copy the words */
	memcpy(a2.c, a.c, 2 * 1024 * sizeof(uint64_t));
	for (uint64_t k = 1; k < 400; k += 34) {
		CK_OK(hec_poly_automorphism(&ref, &a, k));
		CK_OK(hec_poly_automorphism(&d2, &a2, k));
		ck_assert(!memcmp(ref.c, d2.c, 2 * 1024 * sizeof(uint64_t)));
	}
	hec_poly_clear(&a2);
	hec_poly_clear(&d2);
	hec_ring_free(r2);
	hec_poly_clear(&a);
	hec_poly_clear(&ref);
	hec_ring_workspace_free(w[0]);
	hec_ring_workspace_free(w[1]);
	hec_ring_free(r);
#endif
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ring-threads");
	TCase *tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_thread_count_invariance);
	tcase_add_test(tc, test_cache_race);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
