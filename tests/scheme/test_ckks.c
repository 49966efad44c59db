/* CKKS against the same computation on plain doubles, with error bounds
 * derived from the parameters. */
#include <stdio.h>

#include "scheme_testutil.h"

struct fixture {
	hec_context *c;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	hec_plaintext *pt;
	size_t slots;
	double scale;
};

static void setup(struct fixture *f, hec_context *c, const int64_t *steps, size_t nsteps)
{
	f->c = c;
	ck_assert_int_eq(hec_secret_key_new(&f->sk, c), HEC_OK);
	ck_assert_int_eq(hec_public_key_new(&f->pk, f->sk), HEC_OK);
	ck_assert_msg(hec_eval_keys_new(&f->ek, f->sk, true, steps, nsteps, true) == HEC_OK, "%s", hec_error_detail());
	ck_assert_int_eq(hec_evaluator_new(&f->ev, c, f->ek), HEC_OK);
	ck_assert_int_eq(hec_plaintext_new(&f->pt, c), HEC_OK);
	f->slots = hec_context_slots(c);
	f->scale = exp2(hec_context_params(c)->log_scale);
}

static void teardown(struct fixture *f)
{
	hec_plaintext_free(f->pt);
	hec_evaluator_free(f->ev);
	hec_eval_keys_free(f->ek);
	hec_public_key_free(f->pk);
	hec_secret_key_free(f->sk);
	hec_context_free(f->c);
}

static hec_ciphertext *encrypt_values(struct fixture *f, const double complex *v, size_t level)
{
	hec_ciphertext *ct;
	ck_assert_int_eq(hec_ciphertext_new(&ct, f->c), HEC_OK);
	ck_assert_int_eq(hec_ckks_encode(f->pt, v, f->slots, f->slots, level, f->scale), HEC_OK);
	ck_assert_int_eq(hec_encrypt(ct, f->pk, f->pt), HEC_OK);
	return ct;
}

static void decrypt_values(struct fixture *f, double complex *out, const hec_ciphertext *ct)
{
	ck_assert_int_eq(hec_decrypt(f->pt, f->sk, ct), HEC_OK);
	ck_assert_int_eq(hec_ckks_decode(out, f->slots, f->pt), HEC_OK);
}

START_TEST(test_encode_decode)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xc0de));
	deterministic_randomness(r.seed);
	hec_context *c = small_ckks(11, 3, 1, 3, 40);
	hec_plaintext *pt;
	ck_assert_int_eq(hec_plaintext_new(&pt, c), HEC_OK);
	size_t N = hec_context_n(c);
	double complex *v = malloc(N * sizeof *v), *w = malloc(N * sizeof *w);
	for (size_t slots = 1; slots <= N / 2; slots <<= 1) {
		for (size_t level = 0; level < 3; level++) {
			double scale = exp2(level == 0 ? 30 : 40);
			random_values(&r, v, slots, 1.0);
			ck_assert_int_eq(hec_ckks_encode(pt, v, slots, slots, level, scale), HEC_OK);
			ck_assert_int_eq(hec_ckks_decode(w, slots, pt), HEC_OK);
			double e = max_err(v, w, slots);
			ck_assert_msg(e <= bound_encode(slots, scale), "slots=%zu level=%zu err=%g bound=%g " SEED_FMT, slots,
			              level, e, bound_encode(slots, scale), SEED_ARG(&r));
		}
	}
	/* Fewer values than slots: the rest decode to zero. */
	v[0] = 0.5;
	ck_assert_int_eq(hec_ckks_encode(pt, v, 1, 8, 2, 0x1p40), HEC_OK);
	ck_assert_int_eq(hec_ckks_decode(w, 8, pt), HEC_OK);
	for (size_t i = 1; i < 8; i++)
		ck_assert(cabs(w[i]) < 1e-9);
	/* Large coefficients beyond 2^63 (scale 2^70 at the top level). */
	random_values(&r, v, 16, 1.0);
	ck_assert_int_eq(hec_ckks_encode(pt, v, 16, 16, 2, 0x1p70), HEC_OK);
	ck_assert_int_eq(hec_ckks_decode(w, 16, pt), HEC_OK);
	ck_assert_msg(max_err(v, w, 16) < 1e-12, "big scale " SEED_FMT, SEED_ARG(&r));
	/* Overflow is a clear error, not garbage. */
	v[0] = 1e6;
	ck_assert_int_eq(hec_ckks_encode(pt, v, 1, 8, 0, 0x1p40), HEC_ERR_RANGE);
	ck_assert(strstr(hec_error_detail(), "bits") != NULL);
	ck_assert_int_eq(hec_ckks_encode(pt, v, 1, 3, 0, 0x1p40), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ckks_encode(pt, v, 9, 8, 0, 0x1p40), HEC_ERR_ARG);
	v[0] = NAN;
	ck_assert_int_eq(hec_ckks_encode(pt, v, 1, 8, 0, 0x1p40), HEC_ERR_ARG);
	free(v);
	free(w);
	hec_plaintext_free(pt);
	hec_context_free(c);
}
END_TEST

START_TEST(test_encrypt_decrypt)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xe2c));
	deterministic_randomness(r.seed);
	struct fixture f;
	setup(&f, small_ckks(11, 3, 1, 3, 40), NULL, 0);
	size_t n = f.slots, N = hec_context_n(f.c);
	double complex *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
	for (size_t level = 0; level < 3; level++) {
		random_values(&r, v, n, 1.0);
		hec_ciphertext *ct = encrypt_values(&f, v, level);
		decrypt_values(&f, w, ct);
		double bound = bound_fresh(N, f.scale) + bound_encode(n, f.scale);
		ck_assert_msg(max_err(v, w, n) <= bound, "pk level=%zu err=%g bound=%g " SEED_FMT, level, max_err(v, w, n),
		              bound, SEED_ARG(&r));
		/* Symmetric encryption. */
		ck_assert_int_eq(hec_encrypt_symmetric(ct, f.sk, f.pt), HEC_OK);
		decrypt_values(&f, w, ct);
		ck_assert_msg(max_err(v, w, n) <= bound, "sym level=%zu " SEED_FMT, level, SEED_ARG(&r));
		hec_ciphertext_free(ct);
	}
	free(v);
	free(w);
	teardown(&f);
}
END_TEST

/* add/sub/negate/plain/const operations against doubles. */
/* The same serialized bytes. */
static bool same_ct(const hec_ciphertext *x, const hec_ciphertext *y)
{
	uint8_t *bx, *by;
	size_t lx, ly;
	ck_assert_int_eq(hec_ciphertext_serialize(x, &bx, &lx), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_serialize(y, &by, &ly), HEC_OK);
	bool same = lx == ly && !memcmp(bx, by, lx);
	free(bx);
	free(by);
	return same;
}

START_TEST(test_linear_ops)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xadd));
	deterministic_randomness(r.seed);
	struct fixture f;
	setup(&f, small_ckks(11, 3, 1, 3, 40), NULL, 0);
	size_t n = f.slots, N = hec_context_n(f.c);
	double complex *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *want = malloc(n * sizeof *a),
	               *got = malloc(n * sizeof *a);
	random_values(&r, a, n, 1.0);
	random_values(&r, b, n, 1.0);
	hec_ciphertext *ca = encrypt_values(&f, a, 2), *cb = encrypt_values(&f, b, 1), *cd;
	ck_assert_int_eq(hec_ciphertext_new(&cd, f.c), HEC_OK);
	double fresh = bound_fresh(N, f.scale) + bound_encode(n, f.scale);

	/* add across levels: the result is at the lower level. */
	ck_assert_int_eq(hec_ckks_add(f.ev, cd, ca, cb), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_level(cd), 1);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = a[i] + b[i];
	ck_assert_msg(max_err(got, want, n) <= 2 * fresh, "add " SEED_FMT, SEED_ARG(&r));
	/* sub with aliasing dst == a */
	ck_assert_int_eq(hec_ckks_sub(f.ev, cd, cd, cb), HEC_OK);
	decrypt_values(&f, got, cd);
	ck_assert_msg(max_err(got, a, n) <= 3 * fresh, "sub " SEED_FMT, SEED_ARG(&r));
	ck_assert_int_eq(hec_ckks_negate(f.ev, cd, ca), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = -a[i];
	ck_assert_msg(max_err(got, want, n) <= fresh, "negate " SEED_FMT, SEED_ARG(&r));
	/* plaintext add/sub */
	ck_assert_int_eq(hec_ckks_encode(f.pt, b, n, n, 2, f.scale), HEC_OK);
	ck_assert_int_eq(hec_ckks_add_plain(f.ev, cd, ca, f.pt), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = a[i] + b[i];
	ck_assert_msg(max_err(got, want, n) <= 2 * fresh, "add_plain " SEED_FMT, SEED_ARG(&r));
	ck_assert_int_eq(hec_ckks_encode(f.pt, b, n, n, 2, f.scale), HEC_OK);
	ck_assert_int_eq(hec_ckks_sub_plain(f.ev, cd, ca, f.pt), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = a[i] - b[i];
	ck_assert_msg(max_err(got, want, n) <= 2 * fresh, "sub_plain " SEED_FMT, SEED_ARG(&r));
	/* constants */
	ck_assert_int_eq(hec_ckks_add_const(f.ev, cd, ca, 0.75), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = a[i] + 0.75;
	ck_assert_msg(max_err(got, want, n) <= 2 * fresh, "add_const " SEED_FMT, SEED_ARG(&r));
	ck_assert_int_eq(hec_ckks_add_const(f.ev, cd, ca, 0.25 - 0.5 * I), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = a[i] + 0.25 - 0.5 * I;
	ck_assert_msg(max_err(got, want, n) <= 2 * fresh, "add_const complex " SEED_FMT, SEED_ARG(&r));
	ck_assert_int_eq(hec_ckks_mul_int(f.ev, cd, ca, -3), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = -3 * a[i];
	ck_assert_msg(max_err(got, want, n) <= 3 * fresh, "mul_int " SEED_FMT, SEED_ARG(&r));
	ck_assert(fabs(hec_ciphertext_scale(cd) - f.scale) < 1e-6);
	/* mul_const at the next prime keeps the scale across the rescale. */
	ck_assert_int_eq(hec_ckks_mul_const(f.ev, cd, ca, -0.3, 0), HEC_OK);
	/* Out of place (into a ciphertext of another shape) and in place:
	 * the same bytes. */
	hec_ciphertext *oop;
	ck_assert_int_eq(hec_ciphertext_new(&oop, f.c), HEC_OK);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, oop, ca), HEC_OK); /* a shape to overwrite */
	ck_assert_int_eq(hec_ckks_rescale(f.ev, oop, cd), HEC_OK);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, cd, cd), HEC_OK);
	ck_assert_msg(same_ct(oop, cd), "rescale out of place differs from in place " SEED_FMT, SEED_ARG(&r));
	hec_ciphertext_free(oop);
	ck_assert(fabs(hec_ciphertext_scale(cd) / f.scale - 1) < 1e-12);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = -0.3 * a[i];
	double resc = bound_rescale(N) / f.scale;
	ck_assert_msg(max_err(got, want, n) <= fresh + resc + 1e-11, "mul_const err=%g " SEED_FMT, max_err(got, want, n),
	              SEED_ARG(&r));
	/* scale mismatch is an error with both scales in the message */
	ck_assert_int_eq(hec_ckks_mul_const(f.ev, cd, ca, 2.0, 0x1p20), HEC_OK);
	ck_assert_int_eq(hec_ckks_add(f.ev, cd, cd, ca), HEC_ERR_LEVEL);
	ck_assert(strstr(hec_error_detail(), "match_scale") != NULL);
	/* match_scale brings it back */
	ck_assert_int_eq(hec_ckks_match_scale(f.ev, cd, cd, f.scale), HEC_OK);
	ck_assert_int_eq(hec_ckks_add(f.ev, cd, cd, ca), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = 3 * a[i];
	ck_assert_msg(max_err(got, want, n) <= 1e-5, "match_scale err=%g " SEED_FMT, max_err(got, want, n), SEED_ARG(&r));
	ck_assert_int_eq(hec_ckks_drop_to_level(f.ev, cd, ca, 0), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_level(cd), 0);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, cd, cd), HEC_ERR_LEVEL);
	ck_assert_int_eq(hec_ckks_drop_to_level(f.ev, cd, cd, 1), HEC_ERR_LEVEL);
	hec_ciphertext_free(ca);
	hec_ciphertext_free(cb);
	hec_ciphertext_free(cd);
	free(a);
	free(b);
	free(want);
	free(got);
	teardown(&f);
}
END_TEST

/* mul + relin + rescale for several dnum values. */
START_TEST(test_mul_relin_rescale)
{
	static const unsigned dnums[] = {1, 2, 4};
	unsigned dnum = dnums[_i];
	test_rng r;
	test_rng_init(&r, test_seed(0x3a1 + (uint64_t)_i));
	deterministic_randomness(r.seed);
	struct fixture f;
	/* 4 primes of Q; P as large as the largest digit needs. */
	unsigned alpha = (4 + dnum - 1) / dnum;
	setup(&f, small_ckks(11, 4, alpha, dnum, 40), NULL, 0);
	size_t n = f.slots, N = hec_context_n(f.c);
	double complex *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *want = malloc(n * sizeof *a),
	               *got = malloc(n * sizeof *a);
	random_values(&r, a, n, 1.0);
	random_values(&r, b, n, 1.0);
	hec_ciphertext *ca = encrypt_values(&f, a, 3), *cb = encrypt_values(&f, b, 3), *cd;
	ck_assert_int_eq(hec_ciphertext_new(&cd, f.c), HEC_OK);
	ck_assert_int_eq(hec_ckks_mul(f.ev, cd, ca, cb), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_size(cd), 3);
	/* size-3 decryption works before relinearisation */
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = a[i] * b[i];
	double fresh = bound_fresh(N, f.scale) + bound_encode(n, f.scale);
	double mul_bound = 2 * fresh + fresh * fresh; /* |a| , |b| <= 1 */
	ck_assert_msg(max_err(got, want, n) <= mul_bound, "mul " SEED_FMT, SEED_ARG(&r));
	ck_assert_int_eq(hec_ckks_relinearize(f.ev, cd, cd), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_size(cd), 2);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, cd, cd), HEC_OK);
	decrypt_values(&f, got, cd);
	/* Key switching: digits up to the largest digit's size over P. */
	double log_ratio = (10.0 + 40.0 * alpha) - 50.0 * alpha;
	double ks = bound_keyswitch(N, dnum, log_ratio) / (f.scale * f.scale);
	double bound = mul_bound + ks + bound_rescale(N) / hec_ciphertext_scale(cd);
	hec_precision_t p = hec_ckks_precision(got, want, n);
	ck_assert_msg(p.max_abs_err <= bound, "dnum=%u err=%g bound=%g " SEED_FMT, dnum, p.max_abs_err, bound,
	              SEED_ARG(&r));
	/* mul_relin and square agree with the two-step path. */
	ck_assert_int_eq(hec_ckks_mul_relin(f.ev, cd, ca, ca), HEC_OK);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, cd, cd), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = a[i] * a[i];
	ck_assert_msg(max_err(got, want, n) <= bound, "square via mul_relin " SEED_FMT, SEED_ARG(&r));
	ck_assert_int_eq(hec_ckks_square(f.ev, cd, ca), HEC_OK);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, cd, cd), HEC_OK);
	decrypt_values(&f, got, cd);
	ck_assert_msg(max_err(got, want, n) <= bound, "square " SEED_FMT, SEED_ARG(&r));
	/* The fused mul_relin_rescale (one exact conversion for ModDown and
	 * the rescale, rounding error at most 3/2 against the rescale's 1/2,
	 * both far inside bound_rescale): the same bound, one level down. */
	ck_assert_int_eq(hec_ckks_mul_relin_rescale(f.ev, cd, ca, ca), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_level(cd), hec_ciphertext_level(ca) - 1);
	ck_assert_uint_eq(hec_ciphertext_size(cd), 2);
	decrypt_values(&f, got, cd);
	ck_assert_msg(max_err(got, want, n) <= bound, "fused square err=%g bound=%g " SEED_FMT, max_err(got, want, n), bound,
	              SEED_ARG(&r));
	/* Depth: multiply down to level 0 and stay within bounds that grow
	 * with each level. */
	hec_ciphertext *acc;
	ck_assert_int_eq(hec_ciphertext_new(&acc, f.c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_copy(acc, ca), HEC_OK);
	double complex *ref = malloc(n * sizeof *ref);
	memcpy(ref, a, n * sizeof *ref);
	for (int d = 0; d < 3; d++) {
		if (d == 1) { /* the fused path in the middle of the chain */
			ck_assert_int_eq(hec_ckks_mul_relin_rescale(f.ev, acc, acc, cb), HEC_OK);
		} else {
			ck_assert_int_eq(hec_ckks_mul_relin(f.ev, acc, acc, cb), HEC_OK);
			ck_assert_int_eq(hec_ckks_rescale(f.ev, acc, acc), HEC_OK);
		}
		for (size_t i = 0; i < n; i++)
			ref[i] *= b[i];
	}
	ck_assert_uint_eq(hec_ciphertext_level(acc), 0);
	ck_assert_int_eq(hec_ckks_mul_relin_rescale(f.ev, cd, acc, acc), HEC_ERR_LEVEL);
	decrypt_values(&f, got, acc);
	ck_assert_msg(max_err(got, ref, n) <= 4 * bound, "depth 3 err=%g " SEED_FMT, max_err(got, ref, n), SEED_ARG(&r));
	hec_ciphertext_free(acc);
	free(ref);
	hec_ciphertext_free(ca);
	hec_ciphertext_free(cb);
	hec_ciphertext_free(cd);
	free(a);
	free(b);
	free(want);
	free(got);
	teardown(&f);
}
END_TEST

/* mul writes its outputs in place: every aliasing of the destination with
 * an operand, squares, and operands at different levels give the bytes of
 * the product into a fresh ciphertext; shrinking changes no byte. */
START_TEST(test_mul_aliasing)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xa11a5));
	deterministic_randomness(r.seed);
	struct fixture f;
	setup(&f, small_ckks(10, 3, 1, 3, 40), NULL, 0);
	size_t n = f.slots;
	double complex *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	random_values(&r, a, n, 1.0);
	random_values(&r, b, n, 1.0);
	for (int low = 0; low < 2; low++) {
		hec_ciphertext *ca = encrypt_values(&f, a, 2), *cb = encrypt_values(&f, b, 2), *want, *x;
		if (low) /* b one level below a */
			ck_assert_int_eq(hec_ckks_drop_to_level(f.ev, cb, cb, 1), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_new(&want, f.c), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_new(&x, f.c), HEC_OK);
		ck_assert_int_eq(hec_ckks_mul(f.ev, want, ca, cb), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_copy(x, ca), HEC_OK); /* dst = a */
		ck_assert_int_eq(hec_ckks_mul(f.ev, x, x, cb), HEC_OK);
		ck_assert_msg(same_ct(x, want), "dst = a, low %d " SEED_FMT, low, SEED_ARG(&r));
		ck_assert_int_eq(hec_ciphertext_copy(x, cb), HEC_OK); /* dst = b */
		ck_assert_int_eq(hec_ckks_mul(f.ev, x, ca, x), HEC_OK);
		ck_assert_msg(same_ct(x, want), "dst = b, low %d " SEED_FMT, low, SEED_ARG(&r));
		/* Squares: fresh, in place, and against a * copy(a). */
		hec_ciphertext *ca2;
		ck_assert_int_eq(hec_ciphertext_new(&ca2, f.c), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_copy(ca2, ca), HEC_OK);
		ck_assert_int_eq(hec_ckks_mul(f.ev, want, ca, ca2), HEC_OK);
		ck_assert_int_eq(hec_ckks_mul(f.ev, x, ca, ca), HEC_OK);
		ck_assert_msg(same_ct(x, want), "square, low %d " SEED_FMT, low, SEED_ARG(&r));
		ck_assert_int_eq(hec_ckks_mul(f.ev, ca, ca, ca), HEC_OK);
		ck_assert_msg(same_ct(ca, want), "square in place, low %d " SEED_FMT, low, SEED_ARG(&r));
		/* Shrinking releases memory only: a size-3 ciphertext, and one
		 * dropped to level 0 that is then used again. */
		ck_assert_int_eq(hec_ciphertext_shrink(ca), HEC_OK);
		ck_assert_msg(same_ct(ca, want), "shrink, size 3, low %d " SEED_FMT, low, SEED_ARG(&r));
		ck_assert_int_eq(hec_ckks_drop_to_level(f.ev, x, cb, 0), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_copy(ca2, x), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_shrink(x), HEC_OK);
		ck_assert_msg(same_ct(x, ca2), "shrink, level 0, low %d " SEED_FMT, low, SEED_ARG(&r));
		ck_assert_int_eq(hec_ckks_mul(f.ev, x, x, x), HEC_OK);
		ck_assert_int_eq(hec_ckks_mul(f.ev, want, ca2, ca2), HEC_OK);
		ck_assert_msg(same_ct(x, want), "square after shrink, low %d " SEED_FMT, low, SEED_ARG(&r));
		hec_ciphertext_free(ca);
		hec_ciphertext_free(ca2);
		hec_ciphertext_free(cb);
		hec_ciphertext_free(want);
		hec_ciphertext_free(x);
	}
	free(a);
	free(b);
	teardown(&f);
}
END_TEST

/* Every rotation step at a small N, conjugation, composed and hoisted
 * rotations, rotate-and-sum. */
START_TEST(test_rotations)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x707));
	deterministic_randomness(r.seed);
	struct fixture f;
	hec_context *c = small_ckks(6, 3, 1, 3, 40); /* N = 64: 32 slots */
	size_t n = hec_context_slots(c);
	int64_t steps[32];
	for (size_t i = 0; i < n; i++)
		steps[i] = (int64_t)i;
	setup(&f, c, steps, n);
	ck_assert_uint_eq(hec_eval_keys_count(f.ek), n); /* n - 1 rotations + conjugation */
	size_t N = hec_context_n(f.c);
	double complex *a = malloc(n * sizeof *a), *want = malloc(n * sizeof *a), *got = malloc(n * sizeof *a);
	random_values(&r, a, n, 1.0);
	hec_ciphertext *ca = encrypt_values(&f, a, 2), *cd;
	ck_assert_int_eq(hec_ciphertext_new(&cd, f.c), HEC_OK);
	double bound = bound_fresh(N, f.scale) + bound_encode(n, f.scale) +
	               bound_keyswitch(N, 3, 50.0 - 50.0) / f.scale;
	for (int64_t st = -(int64_t)n; st <= (int64_t)n; st++) {
		ck_assert_int_eq(hec_ckks_rotate(f.ev, cd, ca, st), HEC_OK);
		decrypt_values(&f, got, cd);
		for (size_t i = 0; i < n; i++)
			want[i] = a[((int64_t)i + st + 2 * (int64_t)n) % (int64_t)n];
		ck_assert_msg(max_err(got, want, n) <= bound, "rotate %lld err=%g bound=%g " SEED_FMT, (long long)st,
		              max_err(got, want, n), bound, SEED_ARG(&r));
	}
	ck_assert_int_eq(hec_ckks_conjugate(f.ev, cd, ca), HEC_OK);
	decrypt_values(&f, got, cd);
	for (size_t i = 0; i < n; i++)
		want[i] = conj(a[i]);
	ck_assert_msg(max_err(got, want, n) <= bound, "conjugate " SEED_FMT, SEED_ARG(&r));
	/* Hoisted rotations equal the plain ones. */
	hec_ciphertext *outs[8];
	int64_t hs[8] = {1, 2, 3, 5, 8, 13, -1, 0};
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(hec_ciphertext_new(&outs[i], f.c), HEC_OK);
	ck_assert_int_eq(hec_ckks_rotate_hoisted(f.ev, outs, ca, hs, 8), HEC_OK);
	for (int k = 0; k < 8; k++) {
		decrypt_values(&f, got, outs[k]);
		for (size_t i = 0; i < n; i++)
			want[i] = a[((int64_t)i + hs[k] + (int64_t)n) % (int64_t)n];
		ck_assert_msg(max_err(got, want, n) <= bound, "hoisted %lld " SEED_FMT, (long long)hs[k], SEED_ARG(&r));
	}
	/* Rotate-and-sum over all slots: every slot holds the total. */
	ck_assert_int_eq(hec_ckks_rotate_sum(f.ev, cd, ca, n, 1), HEC_OK);
	decrypt_values(&f, got, cd);
	double complex total = 0;
	for (size_t i = 0; i < n; i++)
		total += a[i];
	for (size_t i = 0; i < n; i++)
		want[i] = total;
	ck_assert_msg(max_err(got, want, n) <= n * bound, "rotate_sum " SEED_FMT, SEED_ARG(&r));
	for (int i = 0; i < 8; i++)
		hec_ciphertext_free(outs[i]);
	hec_ciphertext_free(ca);
	hec_ciphertext_free(cd);
	free(a);
	free(want);
	free(got);
	teardown(&f);
}
END_TEST

/* Rotations composed from power-of-two keys; missing keys are named. */
START_TEST(test_rotation_composition)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x2f));
	deterministic_randomness(r.seed);
	struct fixture f;
	int64_t pow2[] = {1, 2, 4, 8, 16, 32, 64};
	setup(&f, small_ckks(8, 2, 1, 2, 40), pow2, 7); /* 128 slots */
	size_t n = f.slots, N = hec_context_n(f.c);
	double complex *a = malloc(n * sizeof *a), *want = malloc(n * sizeof *a), *got = malloc(n * sizeof *a);
	random_values(&r, a, n, 1.0);
	hec_ciphertext *ca = encrypt_values(&f, a, 1), *cd;
	ck_assert_int_eq(hec_ciphertext_new(&cd, f.c), HEC_OK);
	double bound = bound_fresh(N, f.scale) + bound_encode(n, f.scale) + 7 * bound_keyswitch(N, 2, 0) / f.scale;
	static const int64_t tries[] = {3, 7, 100, 127, -5, -100};
	for (size_t k = 0; k < 6; k++) {
		ck_assert_int_eq(hec_ckks_rotate(f.ev, cd, ca, tries[k]), HEC_OK);
		decrypt_values(&f, got, cd);
		for (size_t i = 0; i < n; i++)
			want[i] = a[((int64_t)i + tries[k] + 2 * (int64_t)n) % (int64_t)n];
		ck_assert_msg(max_err(got, want, n) <= bound, "composed %lld " SEED_FMT, (long long)tries[k], SEED_ARG(&r));
	}
	/* Hoisting needs exact keys. */
	hec_ciphertext *outs[1] = {cd};
	int64_t st = 3;
	ck_assert_int_eq(hec_ckks_rotate_hoisted(f.ev, outs, ca, &st, 1), HEC_ERR_KEY);
	/* Without any keys: a clear error. */
	hec_evaluator *bare;
	ck_assert_int_eq(hec_evaluator_new(&bare, f.c, NULL), HEC_OK);
	ck_assert_int_eq(hec_ckks_rotate(bare, cd, ca, 1), HEC_ERR_KEY);
	ck_assert(strstr(hec_error_detail(), "rotation by 1") != NULL);
	hec_ciphertext *c3;
	ck_assert_int_eq(hec_ciphertext_new(&c3, f.c), HEC_OK);
	ck_assert_int_eq(hec_ckks_mul(bare, c3, ca, ca), HEC_OK);
	ck_assert_int_eq(hec_ckks_relinearize(bare, c3, c3), HEC_ERR_KEY);
	ck_assert_int_eq(hec_ckks_rotate(f.ev, cd, c3, 1), HEC_ERR_ARG);
	hec_ciphertext_free(c3);
	hec_evaluator_free(bare);
	hec_ciphertext_free(ca);
	hec_ciphertext_free(cd);
	free(a);
	free(want);
	free(got);
	teardown(&f);
}
END_TEST

START_TEST(test_context_mismatch)
{
	deterministic_randomness(test_seed(0x11));
	hec_context *c1 = small_ckks(10, 2, 1, 2, 40), *c2 = small_ckks(10, 3, 1, 3, 40);
	ck_assert(hec_context_fingerprint(c1) != hec_context_fingerprint(c2));
	hec_secret_key *sk1;
	ck_assert_int_eq(hec_secret_key_new(&sk1, c1), HEC_OK);
	hec_plaintext *pt2;
	hec_ciphertext *ct1;
	ck_assert_int_eq(hec_plaintext_new(&pt2, c2), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_new(&ct1, c1), HEC_OK);
	double complex v = 1;
	ck_assert_int_eq(hec_ckks_encode(pt2, &v, 1, 1, 0, 0x1p30), HEC_OK);
	ck_assert_int_eq(hec_encrypt_symmetric(ct1, sk1, pt2), HEC_ERR_MISMATCH);
	hec_evaluator *ev2;
	ck_assert_int_eq(hec_evaluator_new(&ev2, c2, NULL), HEC_OK);
	ck_assert_int_eq(hec_ckks_add(ev2, ct1, ct1, ct1), HEC_ERR_MISMATCH);
	hec_evaluator_free(ev2);
	hec_plaintext_free(pt2);
	hec_ciphertext_free(ct1);
	hec_secret_key_free(sk1);
	hec_context_free(c1);
	hec_context_free(c2);
}
END_TEST

/* Linear transforms vs plain matrix-vector products: square, rectangular
 * (rows < cols, and rows > period), banded (zero diagonals skipped). */
START_TEST(test_linear_transform)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x11ea5));
	deterministic_randomness(r.seed);
	hec_context *c = small_ckks(10, 3, 1, 3, 40);
	struct fixture f;
	static const struct {
		size_t rows, cols, period;
		bool banded;
	} shapes[] = {{16, 16, 16, false}, {10, 50, 64, false}, {512, 512, 512, true}, {100, 30, 32, false},
	              {3, 200, 256, false}};
	enum { NT = 5 };
	int64_t steps[2000];
	size_t nsteps = 0;
	hec_linear_transform *lt[NT];
	double *m[NT];
	for (int t = 0; t < NT; t++) {
		size_t R = shapes[t].rows, C = shapes[t].cols;
		m[t] = malloc(R * C * sizeof *m[t]);
		for (size_t i = 0; i < R * C; i++)
			m[t][i] = (double)test_rng_below(&r, 2001) / 1000.0 - 1.0;
		if (shapes[t].banded) /* most diagonals zero and skipped */
			for (size_t i = 0; i < R; i++)
				for (size_t j = 0; j < C; j++)
					if ((j + C - i) % C > 3)
						m[t][i * C + j] = 0;
		ck_assert_msg(hec_linear_transform_new(&lt[t], c, m[t], R, C, shapes[t].period, 2) == HEC_OK, "%s",
		              hec_error_detail());
		nsteps += hec_linear_transform_steps(lt[t], steps + nsteps, 2000 - nsteps);
	}
	setup(&f, c, steps, nsteps);
	size_t N = hec_context_n(c);
	for (int t = 0; t < NT; t++) {
		size_t R = shapes[t].rows, C = shapes[t].cols, P = shapes[t].period;
		size_t mp = hec_linear_transform_out_period(lt[t]);
		double complex *x = calloc(P, sizeof *x), *got = malloc(f.slots * sizeof *x), *want = calloc(mp, sizeof *x);
		for (size_t i = 0; i < C; i++)
			x[i] = (double)test_rng_below(&r, 2001) / 1000.0 - 1.0;
		for (size_t i = C; i < P; i++) /* ignored entries: garbage on purpose */
			x[i] = 7.0;
		hec_ciphertext *ct, *out;
		ck_assert_int_eq(hec_ciphertext_new(&ct, c), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_new(&out, c), HEC_OK);
		ck_assert_int_eq(hec_ckks_encode(f.pt, x, P, P, 2, f.scale), HEC_OK);
		ck_assert_int_eq(hec_encrypt(ct, f.pk, f.pt), HEC_OK);
		ck_assert_msg(hec_ckks_linear_transform(f.ev, out, ct, lt[t]) == HEC_OK, "%s", hec_error_detail());
		ck_assert_uint_eq(hec_ciphertext_level(out), 1);
		ck_assert(fabs(hec_ciphertext_scale(out) - f.scale) < 1e-3);
		ck_assert_int_eq(hec_decrypt(f.pt, f.sk, out), HEC_OK);
		ck_assert_int_eq(hec_ckks_decode(got, f.slots, f.pt), HEC_OK);
		double row_l1 = 0;
		for (size_t i = 0; i < R; i++) {
			double acc = 0, l1 = 0;
			for (size_t j = 0; j < C; j++) {
				acc += m[t][i * C + j] * creal(x[j]);
				l1 += fabs(m[t][i * C + j]);
			}
			want[i] = acc;
			row_l1 = fmax(row_l1, l1);
		}
		/* Each rotated copy carries a fresh + key-switch error, weighted by
		 * the row's l1 norm; the chunk sums add up to n/m of those; plus
		 * the encoding of the diagonals and the rescale. */
		double chunks = (double)(P > mp ? P / mp : 1);
		double bound = chunks * row_l1 * (bound_fresh(N, f.scale) + bound_encode(N / 2, f.scale) +
		                                  4 * bound_keyswitch(N, 3, 0) / f.scale) +
		               (double)mp * bound_encode(N / 2, f.scale) + bound_rescale(N) / f.scale;
		double err = 0;
		for (size_t s = 0; s < f.slots; s++) /* the output repeats with period m */
			err = fmax(err, cabs(got[s] - want[s % mp]));
		ck_assert_msg(err <= bound, "shape %d (%zux%zu/%zu) err=%g bound=%g " SEED_FMT, t, R, C, P, err, bound,
		              SEED_ARG(&r));
		hec_ciphertext_free(ct);
		hec_ciphertext_free(out);
		free(x);
		free(got);
		free(want);
		hec_linear_transform_free(lt[t]);
		free(m[t]);
	}
	teardown(&f);
}
END_TEST

/* Weighted sums of many ciphertexts (lazy 128-bit accumulation) against
 * doubles; weights include zeros, negatives and large magnitudes. */
START_TEST(test_lincomb)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x11c0));
	deterministic_randomness(r.seed);
	struct fixture f;
	setup(&f, small_ckks(10, 3, 1, 3, 40), NULL, 0);
	size_t n = f.slots, N = hec_context_n(f.c);
	enum { K = 70 };
	hec_ciphertext *cts[K], *d;
	double w[K];
	double complex *vals[K], *got = malloc(n * sizeof *got), *want = calloc(n, sizeof *want);
	double l1 = 0;
	for (int k = 0; k < K; k++) {
		vals[k] = malloc(n * sizeof *vals[k]);
		random_values(&r, vals[k], n, 1.0);
		cts[k] = encrypt_values(&f, vals[k], 2);
		w[k] = k % 7 == 0 ? 0 : (double)test_rng_below(&r, 20001) / 1000.0 - 10.0;
		l1 += fabs(w[k]);
		for (size_t i = 0; i < n; i++)
			want[i] += w[k] * vals[k][i];
	}
	ck_assert_int_eq(hec_ciphertext_new(&d, f.c), HEC_OK);
	ck_assert_msg(hec_ckks_lincomb(f.ev, d, (const hec_ciphertext *const *)cts, w, K, 0) == HEC_OK, "%s",
	              hec_error_detail());
	ck_assert_int_eq(hec_ckks_rescale(f.ev, d, d), HEC_OK);
	ck_assert(fabs(hec_ciphertext_scale(d) / f.scale - 1) < 1e-12);
	decrypt_values(&f, got, d);
	double bound = l1 * (bound_fresh(N, f.scale) + bound_encode(n, f.scale)) + (double)K / f.scale +
	               bound_rescale(N) / f.scale;
	ck_assert_msg(max_err(got, want, n) <= bound, "lincomb err=%g bound=%g " SEED_FMT, max_err(got, want, n), bound,
	              SEED_ARG(&r));
	/* The blocked many-rows version: row 0 = w, row 1 = -w, row 2 = 0. */
	double *W3 = calloc(3 * K, sizeof *W3);
	for (int k = 0; k < K; k++) {
		W3[k] = w[k];
		W3[K + k] = -w[k];
	}
	hec_ciphertext *outs[3];
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(hec_ciphertext_new(&outs[i], f.c), HEC_OK);
	ck_assert_msg(hec_ckks_lincomb_many(f.ev, outs, 3, (const hec_ciphertext *const *)cts, W3, K, 0) == HEC_OK, "%s",
	              hec_error_detail());
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(hec_ckks_rescale(f.ev, outs[i], outs[i]), HEC_OK);
		decrypt_values(&f, got, outs[i]);
		double complex sign = i == 0 ? 1 : i == 1 ? -1 : 0;
		double err = 0;
		for (size_t j = 0; j < n; j++)
			err = fmax(err, cabs(got[j] - sign * want[j]));
		ck_assert_msg(err <= bound, "lincomb_many row %d err=%g " SEED_FMT, i, err, SEED_ARG(&r));
	}
	/* In two slices, the second added to the first's sums: the same
	 * ciphertexts bit for bit (the sums are exact residues). */
	{
		enum { H = K / 2 };
		double *Wa = calloc(3 * H, sizeof *Wa), *Wb = calloc(3 * (K - H), sizeof *Wb);
		for (int i = 0; i < 3; i++) {
			memcpy(Wa + i * H, W3 + i * K, H * sizeof *Wa);
			memcpy(Wb + i * (K - H), W3 + i * K + H, (K - H) * sizeof *Wb);
		}
		hec_ciphertext *parts[3];
		for (int i = 0; i < 3; i++)
			ck_assert_int_eq(hec_ciphertext_new(&parts[i], f.c), HEC_OK);
		ck_assert_int_eq(hec_ckks_lincomb_many(f.ev, parts, 3, (const hec_ciphertext *const *)cts, Wa, H, 0), HEC_OK);
		ck_assert_msg(hec_ckks_lincomb_many_add(f.ev, parts, 3, (const hec_ciphertext *const *)cts + H, Wb, K - H, 0) ==
		                  HEC_OK,
		              "%s", hec_error_detail());
		for (int i = 0; i < 3; i++) {
			ck_assert_int_eq(hec_ckks_rescale(f.ev, parts[i], parts[i]), HEC_OK);
			uint8_t *b1, *b2;
			size_t l1b, l2b;
			ck_assert_int_eq(hec_ciphertext_serialize(parts[i], &b1, &l1b), HEC_OK);
			ck_assert_int_eq(hec_ciphertext_serialize(outs[i], &b2, &l2b), HEC_OK);
			ck_assert_msg(l1b == l2b && !memcmp(b1, b2, l1b), "lincomb_many_add row %d differs " SEED_FMT, i,
			              SEED_ARG(&r));
			free(b1);
			free(b2);
		}
		/* Adding to sums of another level is refused. */
		ck_assert_int_eq(hec_ckks_lincomb_many_add(f.ev, parts, 3, (const hec_ciphertext *const *)cts + H, Wb, K - H, 0),
		                 HEC_ERR_LEVEL);
		for (int i = 0; i < 3; i++)
			hec_ciphertext_free(parts[i]);
		free(Wa);
		free(Wb);
	}
	ck_assert_int_eq(hec_ckks_lincomb_many(f.ev, cts, 1, (const hec_ciphertext *const *)cts, W3, K, 0), HEC_ERR_ARG);
	for (int i = 0; i < 3; i++)
		hec_ciphertext_free(outs[i]);
	free(W3);
	/* Unrelinearised squares (3 polynomials) combine the same way and are
	 * relinearised once afterwards: sum_k w_k x_k^2. */
	enum { K3 = 9 };
	hec_ciphertext *sq[K3];
	double l1_sq = 0;
	for (size_t i = 0; i < n; i++)
		want[i] = 0;
	for (int k = 0; k < K3; k++) {
		ck_assert_int_eq(hec_ciphertext_new(&sq[k], f.c), HEC_OK);
		ck_assert_int_eq(hec_ckks_mul(f.ev, sq[k], cts[k], cts[k]), HEC_OK);
		ck_assert_uint_eq(hec_ciphertext_size(sq[k]), 3);
		l1_sq += fabs(w[k]);
		for (size_t i = 0; i < n; i++)
			want[i] += w[k] * vals[k][i] * vals[k][i];
	}
	ck_assert_msg(hec_ckks_lincomb(f.ev, d, (const hec_ciphertext *const *)sq, w, K3, 0) == HEC_OK, "%s",
	              hec_error_detail());
	ck_assert_uint_eq(hec_ciphertext_size(d), 3);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, d, d), HEC_OK);
	ck_assert_int_eq(hec_ckks_relinearize(f.ev, d, d), HEC_OK);
	ck_assert_int_eq(hec_ckks_rescale(f.ev, d, d), HEC_OK);
	decrypt_values(&f, got, d);
	double fresh = bound_fresh(N, f.scale) + bound_encode(n, f.scale), sq_scale = f.scale * f.scale;
	double bound3 = l1_sq * (2 * fresh + fresh * fresh) + (double)K3 / sq_scale +
	                (bound_rescale(N) + bound_keyswitch(N, 3, 0)) / sq_scale +
	                bound_rescale(N) / hec_ciphertext_scale(d);
	ck_assert_msg(max_err(got, want, n) <= bound3, "lincomb of squares err=%g bound=%g " SEED_FMT,
	              max_err(got, want, n), bound3, SEED_ARG(&r));
	const hec_ciphertext *mixed[2] = {sq[0], cts[1]}; /* 3 and 2 polynomials */
	ck_assert_int_eq(hec_ckks_lincomb(f.ev, d, mixed, w, 2, 0), HEC_ERR_LEVEL);
	for (int k = 0; k < K3; k++)
		hec_ciphertext_free(sq[k]);
	/* Aliasing the destination and mixing levels are refused. */
	ck_assert_int_eq(hec_ckks_lincomb(f.ev, cts[0], (const hec_ciphertext *const *)cts, w, K, 0), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ckks_drop_to_level(f.ev, cts[1], cts[1], 1), HEC_OK);
	ck_assert_int_eq(hec_ckks_lincomb(f.ev, d, (const hec_ciphertext *const *)cts, w, K, 0), HEC_ERR_LEVEL);
	for (int k = 0; k < K; k++) {
		hec_ciphertext_free(cts[k]);
		free(vals[k]);
	}
	hec_ciphertext_free(d);
	free(got);
	free(want);
	teardown(&f);
}
END_TEST

static double f_sigmoid(double x, void *arg)
{
	(void)arg;
	return 1 / (1 + exp(-x));
}

static double f_square(double x, void *arg)
{
	(void)arg;
	return x * x;
}

/* Chebyshev series vs Clenshaw on the plain values, degrees 1..31. */
START_TEST(test_chebyshev)
{
	static const size_t degrees[] = {1, 2, 3, 5, 7, 15, 31};
	size_t deg = degrees[_i];
	test_rng r;
	test_rng_init(&r, test_seed(0xcbe0 + (uint64_t)_i));
	deterministic_randomness(r.seed);
	double lo = -8, hi = 8;
	size_t depth = hec_ckks_chebyshev_depth(deg, lo, hi);
	struct fixture f;
	setup(&f, small_ckks(10, (unsigned)depth + 1, 1, (unsigned)depth + 1, 40), NULL, 0);
	size_t n = f.slots, N = hec_context_n(f.c);
	double coef[32];
	hec_chebyshev_fit(coef, deg, deg == 2 ? f_square : f_sigmoid, NULL, lo, hi);
	double complex *x = malloc(n * sizeof *x), *got = malloc(n * sizeof *x), *want = malloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++) {
		x[i] = lo + (hi - lo) * (double)test_rng_next(&r) / 0x1p64;
		want[i] = hec_chebyshev_eval(coef, deg, lo, hi, creal(x[i]));
	}
	if (deg == 2) /* the fit of x^2 is exact */
		ck_assert(fabs(hec_chebyshev_eval(coef, 2, lo, hi, 3.0) - 9.0) < 1e-9);
	hec_ciphertext *ct = encrypt_values(&f, x, depth), *out;
	ck_assert_int_eq(hec_ciphertext_new(&out, f.c), HEC_OK);
	ck_assert_msg(hec_ckks_eval_chebyshev(f.ev, out, ct, coef, deg, lo, hi) == HEC_OK, "%s", hec_error_detail());
	ck_assert_uint_eq(hec_ciphertext_level(out), 0);
	ck_assert(fabs(hec_ciphertext_scale(out) / f.scale - 1) < 1e-9);
	decrypt_values(&f, got, out);
	/* Each T_i grows the error by at most a factor 2 i per level (|T'_i| <=
	 * i^2 on [-1, 1], and 2 T_a T_b doubles), times sum |c_i|. */
	double l1 = 0;
	for (size_t k = 0; k <= deg; k++)
		l1 += fabs(coef[k]);
	double base = bound_fresh(N, f.scale) * 2 / (hi - lo) + bound_rescale(N) / f.scale +
	              bound_keyswitch(N, depth + 1, 0) / f.scale;
	double bound = l1 * (double)(deg * deg) * 4 * base;
	ck_assert_msg(max_err(got, want, n) <= bound, "deg=%zu err=%g bound=%g " SEED_FMT, deg, max_err(got, want, n),
	              bound, SEED_ARG(&r));
	/* Too few levels: a clear error. */
	hec_ciphertext *low;
	ck_assert_int_eq(hec_ciphertext_new(&low, f.c), HEC_OK);
	ck_assert_int_eq(hec_ckks_drop_to_level(f.ev, low, ct, depth - 1), HEC_OK);
	ck_assert_int_eq(hec_ckks_eval_chebyshev(f.ev, out, low, coef, deg, lo, hi), HEC_ERR_LEVEL);
	hec_ciphertext_free(low);
	hec_ciphertext_free(ct);
	hec_ciphertext_free(out);
	free(x);
	free(got);
	free(want);
	teardown(&f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ckks");
	TCase *tc = tcase_create("ckks");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_encode_decode);
	tcase_add_test(tc, test_encrypt_decrypt);
	tcase_add_test(tc, test_linear_ops);
	tcase_add_loop_test(tc, test_mul_relin_rescale, 0, 3);
	tcase_add_test(tc, test_rotations);
	tcase_add_test(tc, test_rotation_composition);
	tcase_add_test(tc, test_context_mismatch);
	tcase_add_test(tc, test_linear_transform);
	tcase_add_test(tc, test_lincomb);
	tcase_add_test(tc, test_mul_aliasing);
	tcase_add_loop_test(tc, test_chebyshev, 0, 7);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
