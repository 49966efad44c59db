/* The security check (table-driven), presets and parameter selection. */
#include "scheme_testutil.h"

static hec_params_t make(unsigned log_n, const unsigned *qb, unsigned nq, const unsigned *pb, unsigned np)
{
	hec_params_t p = {0};
	p.scheme = HEC_SCHEME_CKKS;
	p.log_n = log_n;
	p.nq = nq;
	for (unsigned i = 0; i < nq; i++)
		p.q_bits[i] = qb[i];
	p.np = np;
	for (unsigned i = 0; i < np; i++)
		p.p_bits[i] = pb[i];
	p.dnum = nq;
	p.log_scale = 30;
	p.security = HEC_SECURITY_128;
	return p;
}

/* Fill `total` bits with primes of at most `max` bits each. */
static unsigned split(unsigned *out, unsigned total, unsigned max)
{
	unsigned n = (total + max - 1) / max;
	for (unsigned i = 0; i < n; i++)
		out[i] = total / n + (i < total % n ? 1 : 0);
	return n;
}

START_TEST(test_bound_table)
{
	/* HE standard, 128-bit, ternary secret; 2^16 and 2^17 from the
	 * extensions. */
	static const unsigned want[] = {27, 54, 109, 218, 438, 881, 1747, 3523};
	for (unsigned log_n = 10; log_n <= 17; log_n++) {
		ck_assert_uint_eq(hec_security_max_log_qp(log_n, HEC_SECURITY_128), want[log_n - 10]);
		ck_assert_int_eq(hec_security_level(log_n, want[log_n - 10]) >= HEC_SECURITY_128, 1);
		ck_assert_int_eq(hec_security_level(log_n, want[log_n - 10] + 0.01), HEC_SECURITY_NONE);
	}
	ck_assert_uint_eq(hec_security_max_log_qp(13, HEC_SECURITY_192), 152);
	ck_assert_uint_eq(hec_security_max_log_qp(13, HEC_SECURITY_256), 118);
	ck_assert_int_eq(hec_security_level(13, 150), HEC_SECURITY_192);
	ck_assert_int_eq(hec_security_level(13, 100), HEC_SECURITY_256);
	ck_assert_uint_eq(hec_security_max_log_qp(9, HEC_SECURITY_128), 0);
	ck_assert_uint_eq(hec_security_max_log_qp(16, HEC_SECURITY_192), 0);
}
END_TEST

/* At each N from 2^12 to 2^15: exactly the bound passes (the primes sit
 * just below 2^bits, so log QP < sum of bits), bound + 1 fails, and a set
 * whose Q fits but whose special primes push it over fails. */
START_TEST(test_context_security_check)
{
	unsigned log_n = 12 + (unsigned)_i;
	unsigned bound = hec_security_max_log_qp(log_n, HEC_SECURITY_128);
	unsigned qb[HEC_PARAMS_MAX_Q], pb[4];
	unsigned pbits = 45;
	unsigned nq = split(qb, bound - pbits, 49);
	pb[0] = pbits;
	hec_params_t p = make(log_n, qb, nq, pb, 1);
	hec_context *c;
	ck_assert_msg(hec_context_new(&c, &p) == HEC_OK, "log_n=%u: %s", log_n, hec_error_detail());
	ck_assert(hec_context_is_secure(c));
	ck_assert(hec_context_log_qp(c) <= bound);
	hec_context_free(c);
	/* One more bit in P: over. */
	pb[0] = pbits + 1;
	p = make(log_n, qb, nq, pb, 1);
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_INSECURE);
	ck_assert(strstr(hec_error_detail(), "exceeds") != NULL);
	/* The same through the insecure door works and says so. */
	ck_assert_int_eq(hec_context_new_insecure(&c, &p), HEC_OK);
	ck_assert(!hec_context_is_secure(c));
	hec_context_free(c);
	/* Q alone within the bound, a second special prime pushes it over. */
	pb[0] = pbits;
	pb[1] = 20;
	p = make(log_n, qb, nq, pb, 2);
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_INSECURE);
	/* 192-bit requested: the 128-bit-sized set is refused. */
	p = make(log_n, qb, nq, pb, 1);
	p.security = HEC_SECURITY_192;
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_INSECURE);
	p.security = HEC_SECURITY_NONE;
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_INSECURE);
}
END_TEST

START_TEST(test_bad_params)
{
	unsigned qb[] = {40, 40}, pb[] = {40};
	hec_params_t p = make(13, qb, 2, pb, 1);
	hec_context *c;
	p.dnum = 3;
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_ARG);
	p = make(13, qb, 2, pb, 0);
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_ARG);
	p = make(13, qb, 2, pb, 1);
	p.q_bits[1] = 62;
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_ARG);
	p = make(18, qb, 2, pb, 1);
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_ARG);
	p = make(11, qb, 2, pb, 1); /* below 2^12 needs the insecure door */
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_ARG);
	p = make(13, qb, 2, pb, 1);
	p.log_scale = NAN;
	ck_assert_int_eq(hec_context_new(&c, &p), HEC_ERR_ARG);
	/* Too many primes of one size for this N. */
	unsigned many[40];
	for (int i = 0; i < 40; i++)
		many[i] = 20;
	p = make(13, many, 40, pb, 1);
	ck_assert_int_eq(hec_context_new_insecure(&c, &p), HEC_ERR_ARG);
}
END_TEST

START_TEST(test_presets_and_depth)
{
	for (const char *const *name = hec_params_preset_names(); *name; name++) {
		hec_params_t p;
		ck_assert_int_eq(hec_params_preset(&p, *name), HEC_OK);
		if (p.log_n > 14)
			continue; /* the large presets are exercised by the benches */
		hec_context *c;
		ck_assert_msg(hec_context_new(&c, &p) == HEC_OK, "%s: %s", *name, hec_error_detail());
		ck_assert(hec_context_is_secure(c));
		/* Every prime below 2^50: the SIMD kernels apply. */
		for (size_t i = 0; i < hec_ring_nq(hec_context_ring(c)); i++)
			ck_assert(hec_ring_q(hec_context_ring(c), i) < HEC_MODULUS_SIMD_MAX);
		hec_context_free(c);
	}
	hec_params_t p;
	ck_assert_int_eq(hec_params_preset(&p, "nope"), HEC_ERR_ARG);
	ck_assert(strstr(hec_error_detail(), "ckks-n14") != NULL);
	/* Parameters for a depth: secure, enough levels, smallest N. */
	for (unsigned depth = 1; depth <= 10; depth += 3) {
		char why[512];
		ck_assert_int_eq(hec_params_for_depth(&p, depth, 30, HEC_SECURITY_128, why, sizeof why), HEC_OK);
		ck_assert_uint_eq(p.nq, depth + 1);
		ck_assert(strlen(why) > 20);
		hec_context *c;
		ck_assert_msg(hec_context_new(&c, &p) == HEC_OK, "depth %u: %s", depth, hec_error_detail());
		/* A smaller ring could not have held it. */
		ck_assert(hec_context_log_qp(c) > (double)hec_security_max_log_qp(p.log_n - 1, HEC_SECURITY_128) - 2 * 50 ||
		          p.log_n == 12);
		hec_context_free(c);
	}
	ck_assert_int_eq(hec_params_for_depth(&p, 20, 50, HEC_SECURITY_192, NULL, 0), HEC_ERR_INSECURE);
	ck_assert_int_eq(hec_params_for_depth(&p, 3, 10, HEC_SECURITY_128, NULL, 0), HEC_ERR_ARG);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("params");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_bound_table);
	tcase_add_loop_test(tc, test_context_security_check, 0, 4);
	tcase_add_test(tc, test_bad_params);
	tcase_add_test(tc, test_presets_and_depth);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
