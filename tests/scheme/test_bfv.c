/* BFV against plain arithmetic mod t: slot-wise and negacyclic results must
 * agree exactly; the tensor product against a GMP computation of the exact
 * product and rounding; the noise budget against its per-operation bounds;
 * rotations by every row step; serialization round trips and rejections. */
#include <gmp.h>
#include <stdio.h>
#include <zlib.h>

#include "../../src/scheme/bfv_internal.h"
#include "scheme_testutil.h"

/* A small BFV context (insecure: tests only): nq primes of qbits, np
 * special primes of pbits, dnum digits. */
static hec_context *small_bfv(unsigned log_n, unsigned nq, unsigned qbits, unsigned np, unsigned pbits, unsigned dnum,
                              uint64_t t)
{
	hec_params_t p = {0};
	p.scheme = HEC_SCHEME_BFV;
	p.log_n = log_n;
	p.nq = nq;
	for (unsigned i = 0; i < nq; i++)
		p.q_bits[i] = qbits;
	p.np = np;
	for (unsigned i = 0; i < np; i++)
		p.p_bits[i] = pbits;
	p.dnum = dnum;
	p.t = t;
	hec_context *c;
	ck_assert_msg(hec_context_new_insecure(&c, &p) == HEC_OK, "%s", hec_error_detail());
	return c;
}

struct fix {
	hec_context *c;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	hec_plaintext *pt;
	size_t n;
	uint64_t t;
};

static void setup(struct fix *f, hec_context *c, const int64_t *steps, size_t nsteps, bool conj)
{
	f->c = c;
	f->n = hec_context_n(c);
	f->t = hec_context_params(c)->t;
	ck_assert_int_eq(hec_secret_key_new(&f->sk, c), HEC_OK);
	ck_assert_int_eq(hec_public_key_new(&f->pk, f->sk), HEC_OK);
	ck_assert_msg(hec_eval_keys_new(&f->ek, f->sk, true, steps, nsteps, conj) == HEC_OK, "%s", hec_error_detail());
	ck_assert_int_eq(hec_evaluator_new(&f->ev, c, f->ek), HEC_OK);
	ck_assert_int_eq(hec_plaintext_new(&f->pt, c), HEC_OK);
}

static void teardown(struct fix *f)
{
	hec_plaintext_free(f->pt);
	hec_evaluator_free(f->ev);
	hec_eval_keys_free(f->ek);
	hec_public_key_free(f->pk);
	hec_secret_key_free(f->sk);
	hec_context_free(f->c);
}

static void random_slots(test_rng *r, uint64_t *v, size_t n, uint64_t t)
{
	for (size_t i = 0; i < n; i++)
		v[i] = test_rng_below(r, t);
}

static hec_ciphertext *enc(struct fix *f, const uint64_t *v)
{
	hec_ciphertext *ct;
	ck_assert_int_eq(hec_ciphertext_new(&ct, f->c), HEC_OK);
	ck_assert_int_eq(hec_bfv_encode(f->pt, v, f->n), HEC_OK);
	ck_assert_int_eq(hec_encrypt(ct, f->pk, f->pt), HEC_OK);
	return ct;
}

/* Decrypt and compare every slot with want; returns the noise budget. */
static double check_slots(struct fix *f, const hec_ciphertext *ct, const uint64_t *want, const char *what,
                          const test_rng *r)
{
	uint64_t *got = malloc(f->n * sizeof *got);
	hec_status s = hec_bfv_decrypt(f->pt, f->sk, ct);
	ck_assert_msg(s == HEC_OK, "%s: decrypt %s: %s " SEED_FMT, what, hec_status_str(s), hec_error_detail(),
	              SEED_ARG(r));
	ck_assert_int_eq(hec_bfv_decode(got, f->n, f->pt), HEC_OK);
	for (size_t i = 0; i < f->n; i++)
		ck_assert_msg(got[i] == want[i], "%s: slot %zu = %llu, want %llu " SEED_FMT, what, i,
		              (unsigned long long)got[i], (unsigned long long)want[i], SEED_ARG(r));
	free(got);
	double b;
	ck_assert_int_eq(hec_bfv_noise_budget(&b, f->sk, ct), HEC_OK);
	return b;
}

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t t)
{
	return (uint64_t)((hec_u128)a * b % t);
}

/* ---- encoding ------------------------------------------------------------ */

START_TEST(test_encode)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf01));
	deterministic_randomness(r.seed);
	for (unsigned log_n = 4; log_n <= 12; log_n += 4) {
		hec_context *c = small_bfv(log_n, 2, 40, 1, 40, 2, 65537);
		ck_assert(hec_bfv_batching(c));
		size_t n = hec_context_n(c);
		hec_plaintext *pt;
		ck_assert_int_eq(hec_plaintext_new(&pt, c), HEC_OK);
		uint64_t *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
		int64_t *vi = malloc(n * sizeof *vi), *wi = malloc(n * sizeof *wi);
		random_slots(&r, v, n, 65537);
		ck_assert_int_eq(hec_bfv_encode(pt, v, n), HEC_OK);
		ck_assert_int_eq(hec_bfv_decode(w, n, pt), HEC_OK);
		ck_assert(memcmp(v, w, n * sizeof *v) == 0);
		/* Slot-wise product = negacyclic product of the encodings. */
		hec_plaintext *pt2;
		ck_assert_int_eq(hec_plaintext_new(&pt2, c), HEC_OK);
		random_slots(&r, w, n, 65537);
		ck_assert_int_eq(hec_bfv_encode(pt2, w, n), HEC_OK);
		uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *p = calloc(n, sizeof *p);
		ck_assert_int_eq(hec_bfv_decode_coeffs(a, n, pt), HEC_OK);
		ck_assert_int_eq(hec_bfv_decode_coeffs(b, n, pt2), HEC_OK);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				uint64_t x = mulmod(a[i], b[j], 65537);
				size_t k = (i + j) % n;
				p[k] = (i + j < n) ? (p[k] + x) % 65537 : (p[k] + 65537 - x) % 65537;
			}
		ck_assert_int_eq(hec_bfv_encode_coeffs(pt, p, n), HEC_OK);
		ck_assert_int_eq(hec_bfv_decode(a, n, pt), HEC_OK);
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq(a[i], mulmod(v[i], w[i], 65537));
		/* Signed values, centered decoding; fewer values than slots. */
		for (size_t i = 0; i < n; i++)
			vi[i] = (int64_t)test_rng_below(&r, 65537) - 32768;
		ck_assert_int_eq(hec_bfv_encode_int(pt, vi, n / 2), HEC_OK);
		ck_assert_int_eq(hec_bfv_decode_int(wi, n, pt), HEC_OK);
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(wi[i], i < n / 2 ? vi[i] : 0);
		/* Errors. */
		v[3] = 65537;
		ck_assert_int_eq(hec_bfv_encode(pt, v, n), HEC_ERR_RANGE);
		ck_assert_int_eq(hec_bfv_encode(pt, v, n + 1), HEC_ERR_ARG);
		ck_assert_int_eq(hec_bfv_encode_coeffs(pt, v, n), HEC_ERR_RANGE);
		ck_assert_int_eq(hec_bfv_decode(w, n + 1, pt2), HEC_ERR_ARG);
		hec_plaintext *fresh;
		ck_assert_int_eq(hec_plaintext_new(&fresh, c), HEC_OK);
		ck_assert_int_eq(hec_bfv_decode(w, n, fresh), HEC_ERR_ARG);
		hec_plaintext_free(fresh);
		free(a);
		free(b);
		free(p);
		free(v);
		free(w);
		free(vi);
		free(wi);
		hec_plaintext_free(pt);
		hec_plaintext_free(pt2);
		hec_context_free(c);
	}
	/* Without batching: coefficients only. */
	hec_context *c = small_bfv(5, 2, 40, 1, 40, 2, 1000);
	ck_assert(!hec_bfv_batching(c));
	hec_plaintext *pt;
	ck_assert_int_eq(hec_plaintext_new(&pt, c), HEC_OK);
	uint64_t v[32] = {999, 1, 2}, w[32];
	ck_assert_int_eq(hec_bfv_encode(pt, v, 32), HEC_ERR_UNSUPPORTED);
	ck_assert_int_eq(hec_bfv_encode_coeffs(pt, v, 32), HEC_OK);
	ck_assert_int_eq(hec_bfv_decode_coeffs(w, 32, pt), HEC_OK);
	ck_assert(memcmp(v, w, sizeof v) == 0);
	ck_assert_int_eq(hec_bfv_decode(w, 32, pt), HEC_ERR_UNSUPPORTED);
	hec_plaintext_free(pt);
	hec_context_free(c);
	/* A CKKS context is not BFV. */
	c = small_ckks(5, 2, 1, 2, 30);
	ck_assert(!hec_bfv_batching(c));
	ck_assert_int_eq(hec_plaintext_new(&pt, c), HEC_OK);
	ck_assert_int_eq(hec_bfv_encode_coeffs(pt, v, 32), HEC_ERR_ARG);
	hec_plaintext_free(pt);
	hec_context_free(c);
}
END_TEST

/* ---- encryption ---------------------------------------------------------- */

START_TEST(test_encrypt_decrypt)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf02));
	deterministic_randomness(r.seed);
	struct fix f;
	setup(&f, small_bfv(10, 3, 45, 1, 50, 3, 65537), NULL, 0, false);
	uint64_t *v = malloc(f.n * sizeof *v);
	random_slots(&r, v, f.n, f.t);
	hec_ciphertext *ct = enc(&f, v);
	double b = check_slots(&f, ct, v, "public-key", &r);
	/* Fresh budget: log2(Q / t) minus the noise t |e| (|e| ~ 2^10 here),
	 * within a few bits. */
	double logq = hec_ring_log2_q(hec_context_ring(f.c), 2);
	ck_assert_msg(b > logq - 17 - 16 && b < logq - 17, "fresh budget %.1f of log2(Q/t) = %.1f", b, logq - 17);
	/* Symmetric (seeded) and through the generic hec_decrypt. */
	ck_assert_int_eq(hec_encrypt_symmetric(ct, f.sk, f.pt), HEC_OK);
	double bs = check_slots(&f, ct, v, "symmetric", &r);
	ck_assert(bs >= b - 2); /* no u e term: at least as good */
	ck_assert_int_eq(hec_decrypt(f.pt, f.sk, ct), HEC_OK);
	uint64_t *w = malloc(f.n * sizeof *w);
	ck_assert_int_eq(hec_bfv_decode(w, f.n, f.pt), HEC_OK);
	ck_assert(memcmp(v, w, f.n * sizeof *v) == 0);
	/* Plaintext by coefficients, t = 2^k-ish values. */
	for (size_t i = 0; i < f.n; i++)
		v[i] = i % 7 == 0 ? f.t - 1 : i;
	ck_assert_int_eq(hec_bfv_encode_coeffs(f.pt, v, f.n), HEC_OK);
	ck_assert_int_eq(hec_encrypt(ct, f.pk, f.pt), HEC_OK);
	ck_assert_int_eq(hec_bfv_decrypt(f.pt, f.sk, ct), HEC_OK);
	ck_assert_int_eq(hec_bfv_decode_coeffs(w, f.n, f.pt), HEC_OK);
	ck_assert(memcmp(v, w, f.n * sizeof *v) == 0);
	/* A wrong key: the noise is uniform, and decryption says so. */
	hec_secret_key *other;
	ck_assert_int_eq(hec_secret_key_new(&other, f.c), HEC_OK);
	ck_assert_int_eq(hec_bfv_decrypt(f.pt, other, ct), HEC_ERR_RANGE);
	ck_assert(strstr(hec_error_detail(), "noise budget") != NULL);
	ck_assert_int_eq(hec_bfv_noise_budget(&b, other, ct), HEC_OK);
	ck_assert(b < 1);
	hec_secret_key_free(other);
	free(v);
	free(w);
	hec_ciphertext_free(ct);
	teardown(&f);
}
END_TEST

/* ---- the tensor product against GMP -------------------------------------- */

/* Coefficients of p (Q, NTT or coefficient form) as centered integers. */
static mpz_t *to_mpz(const hec_poly *p)
{
	hec_poly q = {0};
	ck_assert_int_eq(hec_poly_init(&q, p->ring, HEC_BASIS_Q, p->limbs, p->ntt), HEC_OK);
	ck_assert_int_eq(hec_poly_copy(&q, p), HEC_OK);
	hec_poly_ntt_inv(&q);
	size_t n = hec_ring_n(p->ring);
	mpz_t *z = malloc(n * sizeof *z);
	for (size_t i = 0; i < n; i++) {
		mpz_init(z[i]);
		hec_poly_get_mpz(z[i], &q, i, true);
	}
	hec_poly_clear(&q);
	return z;
}

static void free_mpz(mpz_t *z, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mpz_clear(z[i]);
	free(z);
}

/* acc += x * y in Z[X]/(X^n + 1). */
static void negacyclic_acc(mpz_t *acc, mpz_t *x, mpz_t *y, size_t n)
{
	mpz_t p;
	mpz_init(p);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			mpz_mul(p, x[i], y[j]);
			if (i + j < n)
				mpz_add(acc[i + j], acc[i + j], p);
			else
				mpz_sub(acc[i + j - n], acc[i + j - n], p);
		}
	mpz_clear(p);
}

START_TEST(test_tensor_gmp)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf03 + (uint64_t)_i));
	deterministic_randomness(r.seed);
	/* Three shapes: 2 and 4 primes, a non-batching t, 60-bit primes. */
	static const unsigned shape[3][4] = {{5, 2, 45, 65537}, {6, 4, 50, 40961}, {4, 3, 60, 1000}};
	const unsigned *sh = shape[_i];
	struct fix f;
	setup(&f, small_bfv(sh[0], sh[1], sh[2], 1, 60, sh[1], sh[3]), NULL, 0, false);
	const size_t n = f.n;
	const struct hec_bfv_ctx *bc = f.c->bfv;
	uint64_t *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = test_rng_below(&r, f.t);
	ck_assert_int_eq(hec_bfv_encode_coeffs(f.pt, v, n), HEC_OK);
	hec_ciphertext *a, *b;
	ck_assert_int_eq(hec_ciphertext_new(&a, f.c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_new(&b, f.c), HEC_OK);
	ck_assert_int_eq(hec_encrypt(a, f.pk, f.pt), HEC_OK);
	ck_assert_int_eq(hec_encrypt_symmetric(b, f.sk, f.pt), HEC_OK);
	for (int pass = 0; pass < 3; pass++) {
		/* pass 0: a x b at the top; 1: a x a (squaring path); 2: one
		 * level lower. */
		const hec_ciphertext *x = a, *y = pass == 1 ? a : b;
		if (pass == 2) {
			ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, a, a, hec_ciphertext_level(a) - 1), HEC_OK);
			ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, b, b, hec_ciphertext_level(b) - 1), HEC_OK);
		}
		size_t level = hec_ciphertext_level(x);
		hec_poly d[3] = {{0}};
		ck_assert_int_eq(_hec_bfv_tensor(f.ev, d, x, y), HEC_OK);
		mpz_t *x0 = to_mpz(&x->c[0]), *x1 = to_mpz(&x->c[1]), *y0 = to_mpz(&y->c[0]), *y1 = to_mpz(&y->c[1]);
		mpz_t *want[3];
		for (int i = 0; i < 3; i++) {
			want[i] = malloc(n * sizeof(mpz_t));
			for (size_t k = 0; k < n; k++)
				mpz_init(want[i][k]);
		}
		negacyclic_acc(want[0], x0, y0, n);
		negacyclic_acc(want[1], x0, y1, n);
		negacyclic_acc(want[1], x1, y0, n);
		negacyclic_acc(want[2], x1, y1, n);
		/* The HPS/KPZ result differs from round(t x / Q) by at most
		 * t |a (b' - R b / Q)| / R + 1 <= 1.5 t N Q / R + 2 (the R / Q
		 * rounding of b, with one unit of slack for a fixed-point
		 * rounding either way). */
		mpz_t Q, q, rem, got, diff;
		mpz_inits(Q, q, rem, got, diff, NULL);
		hec_poly_modulus_mpz(Q, &x->c[0]);
		double logr = hec_ring_log2_q(bc->aux, bc->m - 1), logq = hec_ring_log2_q(hec_context_ring(f.c), level);
		double bound = 1.5 * (double)f.t * (double)n * exp2(logq - logr) + 2;
		double worst = 0;
		for (int i = 0; i < 3; i++) {
			mpz_t *gz = to_mpz(&d[i]);
			for (size_t k = 0; k < n; k++) {
				/* round(t w / Q) = floor((2 t w + Q) / 2Q) */
				mpz_mul_ui(q, want[i][k], 2 * f.t);
				mpz_add(q, q, Q);
				mpz_mul_2exp(rem, Q, 1);
				mpz_fdiv_q(q, q, rem);
				mpz_sub(diff, gz[k], q);
				mpz_mod(diff, diff, Q);
				mpz_mul_2exp(rem, diff, 1);
				if (mpz_cmp(rem, Q) > 0)
					mpz_sub(diff, diff, Q);
				double e = fabs(mpz_get_d(diff));
				worst = fmax(worst, e);
				ck_assert_msg(e <= bound, "pass %d poly %d coeff %zu: off by %g (bound %g) " SEED_FMT, pass, i, k,
				              e, bound, SEED_ARG(&r));
			}
			free_mpz(gz, n);
		}
		printf("bfv tensor vs GMP (N=%zu, %zu primes, t=%llu, pass %d): max error %g (bound %g)\n", n, level + 1,
		       (unsigned long long)f.t, pass, worst, bound);
		mpz_clears(Q, q, rem, got, diff, NULL);
		for (int i = 0; i < 3; i++) {
			free_mpz(want[i], n);
			hec_poly_clear(&d[i]);
		}
		free_mpz(x0, n);
		free_mpz(x1, n);
		free_mpz(y0, n);
		free_mpz(y1, n);
	}
	/* And the full product decrypts to the negacyclic square mod t. */
	ck_assert_int_eq(hec_bfv_mul_relin(f.ev, a, a, b), HEC_OK);
	ck_assert_int_eq(hec_bfv_decrypt(f.pt, f.sk, a), HEC_OK);
	uint64_t *w = malloc(n * sizeof *w), *p = calloc(n, sizeof *p);
	ck_assert_int_eq(hec_bfv_decode_coeffs(w, n, f.pt), HEC_OK);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			uint64_t x = mulmod(v[i], v[j], f.t);
			size_t k = (i + j) % n;
			p[k] = (i + j < n) ? (p[k] + x) % f.t : (p[k] + f.t - x) % f.t;
		}
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(w[i], p[i]);
	free(w);
	free(p);
	free(v);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	teardown(&f);
}
END_TEST

/* ---- the conversion kernel's twins ---------------------------------------- */

/* The active kernel (AVX2 where the CPU and the primes allow) against the
 * portable twin, bit for bit: on the real plans of a context, on a long
 * synthetic plan (the reductions every eighth row), and on extreme values;
 * then a whole product computed with each. */
START_TEST(test_kernel_twins)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf0b));
	deterministic_randomness(r.seed);
	struct fix f;
	setup(&f, small_bfv(7, 4, 50, 1, 50, 4, 65537), NULL, 0, false);
	struct hec_bfv_ctx *bc = f.c->bfv;
	const hec_bfv_lincomb_fn active = bc->lincomb;
	const hec_bfv_prep_fn active_prep = bc->prep;
	printf("bfv kernel: %s\n", active == _hec_bfv_lincomb_portable ? "portable" : "avx2");
	enum { B = HEC_BFV_BLOCK, NT = 24, NR = 40 };
	uint64_t *rows = malloc(NR * B * sizeof *rows), *own = malloc(NT * B * sizeof *own);
	uint64_t *o1 = malloc(NT * B * sizeof *o1), *o2 = malloc(NT * B * sizeof *o2);
	uint64_t *po1[NT], *po2[NT], *pown[NT];
	for (size_t j = 0; j < NT; j++) {
		po1[j] = o1 + j * B;
		po2[j] = o2 + j * B;
		pown[j] = own + j * B;
	}
	/* Synthetic plans: 50-bit and 30-bit primes, up to 40 rows below 2^52
	 * (the AVX2 kernel's bound). */
	uint64_t primes[NT];
	ck_assert_int_eq(hec_ntt_primes_generate(primes, 12, 50, 16), HEC_OK);
	ck_assert_int_eq(hec_ntt_primes_generate(primes + 12, 12, 30, 16), HEC_OK);
	for (int pass = 0; pass < 6; pass++) {
		size_t nr = pass < 3 ? (size_t)(1 + 13 * pass) : NR;
		struct hec_bfv_plan pl;
		ck_assert_int_eq(_hec_bfv_plan_alloc(&pl, nr, NT, pass & 1), HEC_OK);
		for (size_t j = 0; j < NT; j++) {
			for (size_t i = 0; i < nr; i++) {
				uint64_t c = test_rng_below(&r, primes[j]);
				pl.coef[j * nr + i] = pass == 5 ? (i & 1 ? primes[j] - 1 : primes[j] / 2 + 1) : c;
			}
			if (pl.own)
				pl.own[j] = pass == 5 ? primes[j] - 1 : test_rng_below(&r, primes[j]);
		}
		_hec_bfv_plan_finish(&pl, primes);
		for (size_t x = 0; x < nr * B; x++)
			rows[x] = pass >= 4 ? (UINT64_C(1) << 52) - 1 - (x & 3) : test_rng_below(&r, UINT64_C(1) << 52);
		for (size_t j = 0; j < NT; j++)
			for (size_t x = 0; x < B; x++)
				own[j * B + x] = pass >= 4 ? primes[j] - 1 : test_rng_below(&r, primes[j]);
		for (size_t x0 = 0; x0 < B; x0 += B / 2) {
			/* row pointers at the block, outputs and own rows whole
			 * limbs offset by x0 */
			const uint64_t *rp[NR];
			for (size_t i = 0; i < nr; i++)
				rp[i] = rows + i * B + x0;
			_hec_bfv_lincomb_portable(po1, x0, rp, pl.own ? (const uint64_t *const *)pown : NULL, &pl, B / 2);
			active(po2, x0, rp, pl.own ? (const uint64_t *const *)pown : NULL, &pl, B / 2);
		}
		for (size_t j = 0; j < NT; j++)
			for (size_t x = 0; x < B; x++) {
				ck_assert_msg(o1[j * B + x] == o2[j * B + x], "pass %d target %zu coeff %zu: %llu != %llu " SEED_FMT,
				              pass, j, x, (unsigned long long)o1[j * B + x], (unsigned long long)o2[j * B + x],
				              SEED_ARG(&r));
				/* And against the definition. */
				hec_u128 acc = pl.own ? (hec_u128)own[j * B + x] * pl.own[j] : 0;
				for (size_t i = 0; i < nr; i++)
					acc += (hec_u128)rows[i * B + x] * pl.coef[j * nr + i] % primes[j];
				ck_assert_msg(o1[j * B + x] == (uint64_t)(acc % primes[j]), "pass %d target %zu nr %zu own %d", pass, j, nr, pl.own != NULL);
			}
		_hec_bfv_plan_free(&pl);
	}
	/* The rows' preparation (y_i and the centering overflow v) on random
	 * residues and on residues whose value sits near +-Q/2, where v flips. */
	for (size_t level = 0; level < 4; level++) {
		const struct hec_bfv_level *lv = &bc->lv[level];
		uint64_t *in = malloc(lv->k * B * sizeof *in), *r1 = malloc((lv->k + 1) * B * sizeof *r1),
		         *r2 = malloc((lv->k + 1) * B * sizeof *r2);
		const uint64_t *pin[4];
		mpz_t Q, z;
		mpz_inits(Q, z, NULL);
		mpz_set_ui(Q, 1);
		for (size_t i = 0; i < lv->k; i++)
			mpz_mul_ui(Q, Q, lv->sc_q[i]);
		for (size_t x = 0; x < B; x++) {
			/* z = Q/2 + (x - B/2) for half the coefficients, random otherwise */
			mpz_fdiv_q_2exp(z, Q, 1);
			if (x & 1)
				mpz_add_ui(z, z, test_rng_below(&r, 1u << 20));
			else
				mpz_sub_ui(z, z, x);
			for (size_t i = 0; i < lv->k; i++)
				in[i * B + x] = x % 4 == 3 ? test_rng_below(&r, lv->sc_q[i]) : mpz_fdiv_ui(z, lv->sc_q[i]);
		}
		for (size_t i = 0; i < lv->k; i++)
			pin[i] = in + i * B;
		_hec_bfv_prep_portable(r1, pin, 0, B, lv, lv->k);
		active_prep(r2, pin, 0, B, lv, lv->k);
		ck_assert(memcmp(r1, r2, (lv->k + 1) * B * sizeof *r1) == 0);
		mpz_clears(Q, z, NULL);
		free(in);
		free(r1);
		free(r2);
	}
	/* Whole products with either kernel agree exactly. */
	uint64_t *v = malloc(f.n * sizeof *v);
	random_slots(&r, v, f.n, f.t);
	hec_ciphertext *a = enc(&f, v), *b = enc(&f, v), *d1, *d2;
	ck_assert_int_eq(hec_ciphertext_new(&d1, f.c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_new(&d2, f.c), HEC_OK);
	bc->lincomb = _hec_bfv_lincomb_portable;
	bc->prep = _hec_bfv_prep_portable;
	ck_assert_int_eq(hec_bfv_mul(f.ev, d1, a, b), HEC_OK);
	bc->lincomb = active;
	bc->prep = active_prep;
	ck_assert_int_eq(hec_bfv_mul(f.ev, d2, a, b), HEC_OK);
	for (int i = 0; i < 3; i++)
		ck_assert(memcmp(d1->c[i].c, d2->c[i].c, 4 * f.n * sizeof(uint64_t)) == 0);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	hec_ciphertext_free(d1);
	hec_ciphertext_free(d2);
	free(v);
	free(rows);
	free(own);
	free(o1);
	free(o2);
	teardown(&f);
}
END_TEST

#ifdef _OPENMP
#include <omp.h>
/* Results do not depend on the thread count (DESIGN.md): a product with
 * relinearisation, a rotation and a modulus switch with 1 and 2 threads. */
START_TEST(test_threads)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf0c));
	deterministic_randomness(r.seed);
	int64_t one = 1;
	struct fix f;
	setup(&f, small_bfv(12, 4, 50, 1, 50, 4, 65537), &one, 1, false);
	uint64_t *v = malloc(f.n * sizeof *v);
	random_slots(&r, v, f.n, f.t);
	hec_ciphertext *a = enc(&f, v), *b = enc(&f, v), *d[2];
	for (int th = 0; th < 2; th++) {
		omp_set_num_threads(th + 1);
		ck_assert_int_eq(hec_ciphertext_new(&d[th], f.c), HEC_OK);
		ck_assert_int_eq(hec_bfv_mul_relin(f.ev, d[th], a, b), HEC_OK);
		ck_assert_int_eq(hec_bfv_rotate_rows(f.ev, d[th], d[th], 1), HEC_OK);
		ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, d[th], d[th], 2), HEC_OK);
	}
	omp_set_num_threads(1);
	for (int i = 0; i < 2; i++)
		ck_assert(memcmp(d[0]->c[i].c, d[1]->c[i].c, 3 * f.n * sizeof(uint64_t)) == 0);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	hec_ciphertext_free(d[0]);
	hec_ciphertext_free(d[1]);
	free(v);
	teardown(&f);
}
END_TEST
#endif

/* ---- slot arithmetic and the noise budget's bounds ------------------------ */

/* Invariant-noise bounds: budget b means max |v| = 2^-(b+1). */
static double noise_of(double budget)
{
	return exp2(-(budget + 1));
}
static double budget_of(double noise)
{
	return -log2(2 * noise);
}

START_TEST(test_arith_noise)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf04));
	deterministic_randomness(r.seed);
	struct fix f;
	setup(&f, small_bfv(10, 4, 50, 1, 55, 4, 65537), NULL, 0, false);
	const size_t n = f.n;
	const uint64_t t = f.t;
	const double N = (double)n, T = (double)t;
	const double logq = hec_ring_log2_q(hec_context_ring(f.c), 3);
	uint64_t *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z),
	         *want = malloc(n * sizeof *want);
	random_slots(&r, x, n, t);
	random_slots(&r, y, n, t);
	random_slots(&r, z, n, t);
	hec_ciphertext *a = enc(&f, x), *b = enc(&f, y), *d;
	ck_assert_int_eq(hec_ciphertext_new(&d, f.c), HEC_OK);
	double ba = check_slots(&f, a, x, "fresh a", &r), bb = check_slots(&f, b, y, "fresh b", &r), bd;
	/* Rounding terms relative to Q: t/Q per unit in the components. */
	const double unit = T * exp2(-logq);

	/* add, sub, negate: |v| <= |v_a| + |v_b|. */
	ck_assert_int_eq(hec_bfv_add(f.ev, d, a, b), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = (x[i] + y[i]) % t;
	bd = check_slots(&f, d, want, "add", &r);
	ck_assert_msg(bd >= budget_of(noise_of(ba) + noise_of(bb)) - 1e-9, "add: %.2f from %.2f, %.2f", bd, ba, bb);
	ck_assert_int_eq(hec_bfv_sub(f.ev, d, a, b), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = (x[i] + t - y[i]) % t;
	bd = check_slots(&f, d, want, "sub", &r);
	ck_assert(bd >= budget_of(noise_of(ba) + noise_of(bb)) - 1e-9);
	ck_assert_int_eq(hec_bfv_negate(f.ev, d, a), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = (t - x[i]) % t;
	bd = check_slots(&f, d, want, "negate", &r);
	ck_assert(fabs(bd - ba) < 1e-9);

	/* Plaintext operations. */
	hec_plaintext *pz;
	ck_assert_int_eq(hec_plaintext_new(&pz, f.c), HEC_OK);
	ck_assert_int_eq(hec_bfv_encode(pz, z, n), HEC_OK);
	ck_assert_int_eq(hec_bfv_add_plain(f.ev, d, a, pz), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = (x[i] + z[i]) % t;
	bd = check_slots(&f, d, want, "add_plain", &r);
	ck_assert(bd >= budget_of(noise_of(ba) + unit / 2) - 1e-9);
	ck_assert_int_eq(hec_bfv_sub_plain(f.ev, d, a, pz), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = (x[i] + t - z[i]) % t;
	check_slots(&f, d, want, "sub_plain", &r);
	ck_assert_int_eq(hec_bfv_mul_plain(f.ev, d, a, pz), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = mulmod(x[i], z[i], t);
	bd = check_slots(&f, d, want, "mul_plain", &r);
	/* |m v| <= |m|_1 |v| <= N t / 2 |v| */
	ck_assert_msg(bd >= budget_of(N * T / 2 * noise_of(ba)) - 1e-9, "mul_plain: %.2f from %.2f", bd, ba);
	uint64_t k = t - 3; /* centered: -3 */
	ck_assert_int_eq(hec_bfv_mul_const(f.ev, d, a, k), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = mulmod(x[i], k, t);
	bd = check_slots(&f, d, want, "mul_const", &r);
	ck_assert(bd >= budget_of(3 * noise_of(ba)) - 1e-9);
	ck_assert_int_eq(hec_bfv_mul_const(f.ev, d, a, t), HEC_ERR_RANGE);

	/* Multiplication.  With t/Q (a0 + a1 s) = m_a + v_a + t k_a, |k_a| <=
	 * (1 + N) / 2: v = m_a v_b + m_b v_a + t (v_a k_b + v_b k_a) + t v_a v_b
	 * + (the scaling's rounding, at most 1/2 + 1.5 t N Q / R units per
	 * component, times 1 + N + N^2 for the powers of s) + relin. */
	ck_assert_int_eq(hec_bfv_mul(f.ev, d, a, b), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_size(d), 3);
	for (size_t i = 0; i < n; i++)
		want[i] = mulmod(x[i], y[i], t);
	double b3 = check_slots(&f, d, want, "mul (size 3)", &r);
	const struct hec_bfv_ctx *bc = f.c->bfv;
	double logr = hec_ring_log2_q(bc->aux, bc->m - 1);
	double va = noise_of(ba), vb = noise_of(bb);
	double vmul = N * T / 2 * (va + vb) + T * N * (1 + N) / 2 * (va + vb) + T * va * vb +
	              unit * (0.5 + 1.5 * T * N * exp2(logq - logr) + 1) * (1 + N + N * N);
	ck_assert_msg(b3 >= budget_of(vmul), "mul: %.2f from %.2f, %.2f (bound %.2f)", b3, ba, bb, budget_of(vmul));
	/* Relinearisation adds key-switching noise: per digit D_j e_j / P. */
	ck_assert_int_eq(hec_bfv_relinearize(f.ev, d, d), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_size(d), 2);
	double br = check_slots(&f, d, want, "relinearize", &r);
	double vks = unit * bound_keyswitch(n, 4, 50 - 55);
	ck_assert_msg(br >= budget_of(noise_of(b3) + vks), "relin: %.2f from %.2f", br, b3);
	/* mul_relin in one call, aliased. */
	hec_ciphertext *e;
	ck_assert_int_eq(hec_ciphertext_new(&e, f.c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_copy(e, a), HEC_OK);
	ck_assert_int_eq(hec_bfv_mul_relin(f.ev, e, e, b), HEC_OK);
	check_slots(&f, e, want, "mul_relin aliased", &r);
	ck_assert_int_eq(hec_bfv_mul(f.ev, e, e, b), HEC_OK);
	ck_assert_int_eq(hec_bfv_mul(f.ev, e, e, b), HEC_ERR_ARG); /* size 3: relinearize first */
	/* After one product: about log2(N t) bits gone, not much more. */
	printf("bfv budgets (N=%zu, log Q=%.0f, t=%llu): fresh %.1f / %.1f, after mul %.1f, after relin %.1f\n", n,
	       logq, (unsigned long long)t, ba, bb, b3, br);
	free(x);
	free(y);
	free(z);
	free(want);
	hec_plaintext_free(pz);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	hec_ciphertext_free(d);
	hec_ciphertext_free(e);
	teardown(&f);
}
END_TEST

/* ---- depth: until the budget runs out ------------------------------------- */

/* x_{d+1} = x_d^2 + f_d, slot-wise mod t, encrypted and in the clear, until
 * decryption refuses; every successful decryption must be exact.  Returns
 * the number of products that decrypted correctly. */
static int run_depth(struct fix *f, test_rng *r, bool switch_down, const char *name)
{
	const size_t n = f->n;
	const uint64_t t = f->t;
	uint64_t *x = malloc(n * sizeof *x), *fr = malloc(n * sizeof *fr), *got = malloc(n * sizeof *got);
	random_slots(r, x, n, t);
	hec_ciphertext *c = enc(f, x);
	double prev;
	ck_assert_int_eq(hec_bfv_noise_budget(&prev, f->sk, c), HEC_OK);
	char log[512];
	int len = snprintf(log, sizeof log, "%.0f", prev), depth = 0;
	for (int d = 1; d < 64; d++) {
		random_slots(r, fr, n, t);
		hec_ciphertext *g = enc(f, fr);
		ck_assert_int_eq(hec_bfv_mul_relin(f->ev, c, c, c), HEC_OK);
		ck_assert_int_eq(hec_bfv_add(f->ev, c, c, g), HEC_OK);
		hec_ciphertext_free(g);
		for (size_t i = 0; i < n; i++)
			x[i] = (mulmod(x[i], x[i], t) + fr[i]) % t;
		if (switch_down && hec_ciphertext_level(c) > 0) {
			/* Drop a prime while the budget allows it (the budget after
			 * switching is capped near log2(Q' / t) - log2 N). */
			double b;
			ck_assert_int_eq(hec_bfv_noise_budget(&b, f->sk, c), HEC_OK);
			double logq1 = hec_ring_log2_q(hec_context_ring(f->c), hec_ciphertext_level(c) - 1);
			if (b + 40 < logq1 - log2((double)t) - log2((double)n))
				ck_assert_int_eq(hec_bfv_mod_switch_to_level(f->ev, c, c, hec_ciphertext_level(c) - 1), HEC_OK);
		}
		double b;
		ck_assert_int_eq(hec_bfv_noise_budget(&b, f->sk, c), HEC_OK);
		hec_status s = hec_bfv_decrypt(f->pt, f->sk, c);
		if (s == HEC_OK) {
			ck_assert_int_eq(hec_bfv_decode(got, n, f->pt), HEC_OK);
			for (size_t i = 0; i < n; i++)
				ck_assert_msg(got[i] == x[i], "%s depth %d slot %zu: %llu != %llu (budget %.2f) " SEED_FMT, name,
				              d, i, (unsigned long long)got[i], (unsigned long long)x[i], b, SEED_ARG(r));
			ck_assert_msg(b >= 1 - 1e-9, "%s depth %d: decrypted with budget %.2f", name, d, b);
			ck_assert_msg(b < prev, "%s depth %d: budget rose %.2f -> %.2f", name, d, prev, b);
			depth = d;
			prev = b;
			if (len < (int)sizeof log - 16)
				len += snprintf(log + len, sizeof log - (size_t)len, " %.0f", b);
		} else {
			/* Refused: the budget is gone (below 1 bit). */
			ck_assert_msg(s == HEC_ERR_RANGE, "%s depth %d: %s", name, d, hec_error_detail());
			ck_assert_msg(b < 1, "%s depth %d: refused with budget %.2f", name, d, b);
			break;
		}
	}
	printf("bfv depth (%s, N=%zu, t=%llu): %d multiplications decrypted exactly; budgets %s, then refused\n", name, n,
	       (unsigned long long)t, depth, log);
	hec_ciphertext_free(c);
	free(x);
	free(fr);
	free(got);
	return depth;
}

START_TEST(test_depth)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf05));
	deterministic_randomness(r.seed);
	struct fix f;
	/* log Q = 250, t = 2^16 + 1, N = 2^10: about 215 bits fresh, 30-35 per
	 * squaring. */
	setup(&f, small_bfv(10, 5, 50, 1, 55, 5, 65537), NULL, 0, false);
	int d = run_depth(&f, &r, false, "small");
	ck_assert_int_ge(d, 5);
	int d2 = run_depth(&f, &r, true, "small, mod-switched");
	ck_assert_int_ge(d2, d - 1);
	teardown(&f);
}
END_TEST

/* The bfv-n13 preset (SEAL's 218-bit modulus at N = 2^13, t a 20-bit
 * batching prime): SEAL reaches 146 bits fresh, 114 after one product. */
START_TEST(test_depth_preset)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf06));
	deterministic_randomness(r.seed);
	hec_params_t p;
	ck_assert_int_eq(hec_params_preset(&p, "bfv-n13"), HEC_OK);
	hec_context *c;
	ck_assert_msg(hec_context_new(&c, &p) == HEC_OK, "%s", hec_error_detail());
	ck_assert(hec_context_is_secure(c));
	ck_assert(hec_bfv_batching(c));
	struct fix f;
	setup(&f, c, NULL, 0, false);
	int d = run_depth(&f, &r, false, "bfv-n13");
	ck_assert_int_ge(d, 4);
	teardown(&f);
}
END_TEST

/* ---- rotations ------------------------------------------------------------- */

START_TEST(test_rotations)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf07));
	deterministic_randomness(r.seed);
	const size_t N = 32, cols = N / 2;
	int64_t steps[16];
	for (size_t i = 0; i < cols; i++)
		steps[i] = (int64_t)i;
	struct fix f;
	setup(&f, small_bfv(5, 3, 40, 1, 50, 3, 65537), steps, cols, true);
	uint64_t v[32], want[32];
	random_slots(&r, v, N, f.t);
	hec_ciphertext *a = enc(&f, v), *d;
	ck_assert_int_eq(hec_ciphertext_new(&d, f.c), HEC_OK);
	for (int64_t s = -(int64_t)cols; s <= (int64_t)cols; s++) {
		ck_assert_int_eq(hec_bfv_rotate_rows(f.ev, d, a, s), HEC_OK);
		for (size_t w = 0; w < 2; w++)
			for (size_t j = 0; j < cols; j++)
				want[w * cols + j] = v[w * cols + (size_t)(((int64_t)j + s + 2 * (int64_t)cols) % (int64_t)cols)];
		char what[32];
		snprintf(what, sizeof what, "rotate %lld", (long long)s);
		check_slots(&f, d, want, what, &r);
	}
	ck_assert_int_eq(hec_bfv_swap_columns(f.ev, d, a), HEC_OK);
	for (size_t j = 0; j < N; j++)
		want[j] = v[(j + cols) % N];
	check_slots(&f, d, want, "swap_columns", &r);
	/* Aliased, and on a lower level. */
	ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, d, a, 1), HEC_OK);
	ck_assert_int_eq(hec_bfv_rotate_rows(f.ev, d, d, 3), HEC_OK);
	ck_assert_int_eq(hec_bfv_swap_columns(f.ev, d, d), HEC_OK);
	for (size_t w = 0; w < 2; w++)
		for (size_t j = 0; j < cols; j++)
			want[w * cols + j] = v[(1 - w) * cols + (j + 3) % cols];
	check_slots(&f, d, want, "rotate 3, swap, level 1", &r);
	/* A size-3 ciphertext must be relinearized first. */
	ck_assert_int_eq(hec_bfv_mul(f.ev, d, a, a), HEC_OK);
	ck_assert_int_eq(hec_bfv_rotate_rows(f.ev, d, d, 1), HEC_ERR_ARG);
	hec_ciphertext_free(d);
	hec_ciphertext_free(a);
	teardown(&f);

	/* Only power-of-two keys: every step is composed. */
	int64_t pow2[] = {1, 2, 4, 8};
	setup(&f, small_bfv(5, 3, 40, 1, 50, 3, 65537), pow2, 4, false);
	a = enc(&f, v);
	ck_assert_int_eq(hec_ciphertext_new(&d, f.c), HEC_OK);
	for (int64_t s = -(int64_t)cols + 1; s < (int64_t)cols; s++) {
		ck_assert_int_eq(hec_bfv_rotate_rows(f.ev, d, a, s), HEC_OK);
		for (size_t w = 0; w < 2; w++)
			for (size_t j = 0; j < cols; j++)
				want[w * cols + j] = v[w * cols + (size_t)(((int64_t)j + s + 2 * (int64_t)cols) % (int64_t)cols)];
		check_slots(&f, d, want, "composed rotation", &r);
	}
	ck_assert_int_eq(hec_bfv_swap_columns(f.ev, d, a), HEC_ERR_KEY);
	hec_evaluator *bare;
	ck_assert_int_eq(hec_evaluator_new(&bare, f.c, NULL), HEC_OK);
	ck_assert_int_eq(hec_bfv_rotate_rows(bare, d, a, 1), HEC_ERR_KEY);
	ck_assert_int_eq(hec_bfv_mul_relin(bare, d, a, a), HEC_ERR_KEY);
	hec_evaluator_free(bare);
	hec_ciphertext_free(d);
	hec_ciphertext_free(a);
	teardown(&f);
}
END_TEST

/* ---- modulus switching ------------------------------------------------------ */

START_TEST(test_mod_switch)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf08));
	deterministic_randomness(r.seed);
	struct fix f;
	setup(&f, small_bfv(10, 4, 50, 1, 55, 4, 65537), NULL, 0, false);
	const size_t n = f.n;
	uint64_t *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *want = malloc(n * sizeof *want);
	random_slots(&r, x, n, f.t);
	random_slots(&r, y, n, f.t);
	hec_ciphertext *a = enc(&f, x), *b = enc(&f, y), *d;
	ck_assert_int_eq(hec_ciphertext_new(&d, f.c), HEC_OK);
	/* A product first, so the noise is well above the switching's own. */
	ck_assert_int_eq(hec_bfv_mul_relin(f.ev, a, a, b), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = mulmod(x[i], y[i], f.t);
	double b0 = check_slots(&f, a, want, "top", &r);
	uint8_t *buf;
	size_t len, len_top;
	ck_assert_int_eq(hec_ciphertext_serialize(a, &buf, &len_top), HEC_OK);
	free(buf);
	for (size_t level = 3; level-- > 0;) {
		ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, d, a, level), HEC_OK);
		ck_assert_uint_eq(hec_ciphertext_level(d), level);
		double bl = check_slots(&f, d, want, "switched", &r);
		/* v' = v + t/Q' (e0 + e1 s), |e_i| <= 1/2 per switch. */
		double logq = hec_ring_log2_q(hec_context_ring(f.c), level);
		double vsw = (double)f.t * exp2(-logq) * (1 + (double)n) / 2 * (double)(3 - level);
		ck_assert_msg(bl >= budget_of(noise_of(b0) + vsw), "level %zu: budget %.2f from %.2f", level, bl, b0);
		ck_assert_int_eq(hec_ciphertext_serialize(d, &buf, &len), HEC_OK);
		ck_assert_uint_lt(len, len_top * (level + 1) / 4 + 200);
		free(buf);
	}
	/* Mixed levels are switched down automatically. */
	ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, d, a, 1), HEC_OK);
	hec_ciphertext *c = enc(&f, x);
	ck_assert_int_eq(hec_bfv_add(f.ev, c, c, d), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_level(c), 1);
	for (size_t i = 0; i < n; i++)
		want[i] = (x[i] + mulmod(x[i], y[i], f.t)) % f.t;
	check_slots(&f, c, want, "mixed add", &r);
	hec_ciphertext *e = enc(&f, y);
	ck_assert_int_eq(hec_bfv_mul_relin(f.ev, c, e, c), HEC_OK);
	for (size_t i = 0; i < n; i++)
		want[i] = mulmod(want[i], y[i], f.t);
	check_slots(&f, c, want, "mixed mul", &r);
	ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, d, d, 2), HEC_ERR_LEVEL);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	hec_ciphertext_free(c);
	hec_ciphertext_free(d);
	hec_ciphertext_free(e);
	free(x);
	free(y);
	free(want);
	teardown(&f);
}
END_TEST

/* ---- scalar encoding (no batching) -------------------------------------- */

START_TEST(test_scalar)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf09));
	deterministic_randomness(r.seed);
	static const uint64_t ts[] = {2, 1000, 65536};
	for (int ti = 0; ti < 3; ti++) {
		struct fix f;
		setup(&f, small_bfv(6, 3, 50, 1, 55, 3, ts[ti]), NULL, 0, false);
		const size_t n = f.n;
		const uint64_t t = f.t;
		uint64_t a[64], b[64], p[64] = {0}, got[64];
		random_slots(&r, a, n, t);
		random_slots(&r, b, n, t);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				uint64_t x = mulmod(a[i], b[j], t);
				size_t k = (i + j) % n;
				p[k] = (i + j < n) ? (p[k] + x) % t : (p[k] + t - x) % t;
			}
		hec_ciphertext *ca, *cb;
		ck_assert_int_eq(hec_ciphertext_new(&ca, f.c), HEC_OK);
		ck_assert_int_eq(hec_ciphertext_new(&cb, f.c), HEC_OK);
		ck_assert_int_eq(hec_bfv_encode_coeffs(f.pt, a, n), HEC_OK);
		ck_assert_int_eq(hec_encrypt(ca, f.pk, f.pt), HEC_OK);
		ck_assert_int_eq(hec_bfv_encode_coeffs(f.pt, b, n), HEC_OK);
		ck_assert_int_eq(hec_encrypt_symmetric(cb, f.sk, f.pt), HEC_OK);
		ck_assert_int_eq(hec_bfv_mul_relin(f.ev, ca, ca, cb), HEC_OK);
		ck_assert_int_eq(hec_bfv_decrypt(f.pt, f.sk, ca), HEC_OK);
		ck_assert_int_eq(hec_bfv_decode_coeffs(got, n, f.pt), HEC_OK);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(got[i] == p[i], "t=%llu coeff %zu: %llu != %llu", (unsigned long long)t, i,
			              (unsigned long long)got[i], (unsigned long long)p[i]);
		/* Times the plaintext b once more. */
		ck_assert_int_eq(hec_bfv_mul_plain(f.ev, ca, ca, f.pt), HEC_OK);
		ck_assert_int_eq(hec_bfv_encode_coeffs(f.pt, b, n), HEC_OK);
		ck_assert_int_eq(hec_bfv_mul_plain(f.ev, ca, ca, f.pt), HEC_OK);
		uint64_t q[64] = {0};
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				uint64_t x = mulmod(p[i], b[j], t);
				size_t k = (i + j) % n;
				q[k] = (i + j < n) ? (q[k] + x) % t : (q[k] + t - x) % t;
			}
		ck_assert_int_eq(hec_bfv_decrypt(f.pt, f.sk, ca), HEC_OK);
		ck_assert_int_eq(hec_bfv_decode_coeffs(got, n, f.pt), HEC_OK);
		/* (mul_plain by the decrypted p then by b: p * p * b.) */
		uint64_t w[64] = {0};
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				uint64_t x = mulmod(q[i], p[j], t);
				size_t k = (i + j) % n;
				w[k] = (i + j < n) ? (w[k] + x) % t : (w[k] + t - x) % t;
			}
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq(got[i], w[i]);
		hec_ciphertext_free(ca);
		hec_ciphertext_free(cb);
		teardown(&f);
	}
}
END_TEST

/* A plaintext modulus above 2^32 (the 128-bit rounding path of the
 * encryption's round(Q m / t)) with 60-bit primes (the portable kernels). */
START_TEST(test_large_t)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf0d));
	deterministic_randomness(r.seed);
	uint64_t t;
	ck_assert_int_eq(hec_ntt_primes_generate(&t, 1, 41, 32), HEC_OK);
	struct fix f;
	setup(&f, small_bfv(5, 4, 60, 1, 60, 4, t), NULL, 0, false);
	ck_assert(hec_bfv_batching(f.c));
	uint64_t x[32], y[32], want[32];
	random_slots(&r, x, 32, t);
	random_slots(&r, y, 32, t);
	x[0] = t - 1;
	y[0] = t - 1;
	hec_ciphertext *a = enc(&f, x), *b = enc(&f, y);
	ck_assert_int_eq(hec_bfv_mul_relin(f.ev, a, a, b), HEC_OK);
	for (size_t i = 0; i < 32; i++)
		want[i] = mulmod(x[i], y[i], t);
	double bud = check_slots(&f, a, want, "41-bit t", &r);
	ck_assert_int_eq(hec_bfv_add_plain(f.ev, a, a, f.pt), HEC_OK); /* f.pt: the decryption */
	for (size_t i = 0; i < 32; i++)
		want[i] = (want[i] * 2) % t;
	check_slots(&f, a, want, "41-bit t, add_plain", &r);
	printf("bfv 41-bit t (N=32, log Q=240): budget after one product %.1f\n", bud);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	teardown(&f);
}
END_TEST

/* ---- serialization -------------------------------------------------------- */

static void reseal(uint8_t *buf, size_t len)
{
	memset(buf + 32, 0, 4);
	uint32_t c = (uint32_t)crc32(0, buf, (uInt)len);
	for (int i = 0; i < 4; i++)
		buf[32 + i] = (uint8_t)(c >> (8 * i));
}

START_TEST(test_serialize)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xbf0a));
	deterministic_randomness(r.seed);
	int64_t steps[] = {1};
	struct fix f;
	setup(&f, small_bfv(10, 3, 45, 1, 50, 3, 65537), steps, 1, true);
	const size_t n = f.n;
	uint64_t *x = malloc(n * sizeof *x), *want = malloc(n * sizeof *want);
	random_slots(&r, x, n, f.t);
	hec_ciphertext *a = enc(&f, x), *b;
	ck_assert_int_eq(hec_ciphertext_new(&b, f.c), HEC_OK);
	uint8_t *buf;
	size_t len;

	/* Parameters keep t. */
	ck_assert_int_eq(hec_params_serialize(f.c, &buf, &len), HEC_OK);
	hec_context *c2;
	ck_assert_int_eq(hec_params_deserialize(&c2, buf, len, true), HEC_OK);
	ck_assert_uint_eq(hec_context_params(c2)->t, f.t);
	ck_assert_uint_eq(hec_context_fingerprint(c2), hec_context_fingerprint(f.c));
	ck_assert(hec_bfv_batching(c2));
	hec_context_free(c2);
	free(buf);

	/* Ciphertexts: fresh, seeded symmetric (about half the size), size 3,
	 * mod-switched. */
	ck_assert_int_eq(hec_ciphertext_serialize(a, &buf, &len), HEC_OK);
	size_t full = len;
	ck_assert_int_eq(hec_ciphertext_deserialize(b, buf, len), HEC_OK);
	check_slots(&f, b, x, "deserialized", &r);
	free(buf);
	ck_assert_int_eq(hec_bfv_encode(f.pt, x, n), HEC_OK);
	ck_assert_int_eq(hec_encrypt_symmetric(b, f.sk, f.pt), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_serialize(b, &buf, &len), HEC_OK);
	ck_assert_uint_lt(len, full / 2 + 100);
	hec_ciphertext *c3;
	ck_assert_int_eq(hec_ciphertext_new(&c3, f.c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(c3, buf, len), HEC_OK);
	check_slots(&f, c3, x, "seeded", &r);
	free(buf);
	ck_assert_int_eq(hec_bfv_mul(f.ev, b, a, a), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_serialize(b, &buf, &len), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(c3, buf, len), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_size(c3), 3);
	for (size_t i = 0; i < n; i++)
		want[i] = mulmod(x[i], x[i], f.t);
	check_slots(&f, c3, want, "size 3", &r);
	free(buf);
	ck_assert_int_eq(hec_bfv_mod_switch_to_level(f.ev, b, a, 0), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_serialize(b, &buf, &len), HEC_OK);
	ck_assert_uint_lt(len, full / 3 + 100);
	ck_assert_int_eq(hec_ciphertext_deserialize(c3, buf, len), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_level(c3), 0);
	check_slots(&f, c3, x, "level 0", &r);
	free(buf);

	/* Evaluation keys: rotate and swap with the copy. */
	ck_assert_int_eq(hec_eval_keys_serialize(f.ek, &buf, &len), HEC_OK);
	hec_eval_keys *ek2;
	ck_assert_int_eq(hec_eval_keys_deserialize(&ek2, f.c, buf, len), HEC_OK);
	free(buf);
	hec_evaluator *ev2;
	ck_assert_int_eq(hec_evaluator_new(&ev2, f.c, ek2), HEC_OK);
	ck_assert_int_eq(hec_bfv_rotate_rows(ev2, b, a, 1), HEC_OK);
	ck_assert_int_eq(hec_bfv_swap_columns(ev2, b, b), HEC_OK);
	for (size_t w = 0; w < 2; w++)
		for (size_t j = 0; j < n / 2; j++)
			want[w * n / 2 + j] = x[(1 - w) * n / 2 + (j + 1) % (n / 2)];
	check_slots(&f, b, want, "keys copy", &r);
	hec_evaluator_free(ev2);
	hec_eval_keys_free(ek2);

	/* Plaintexts: stored once (one limb), restored to every limb. */
	ck_assert_int_eq(hec_bfv_encode(f.pt, x, n), HEC_OK);
	ck_assert_int_eq(hec_plaintext_serialize(f.pt, &buf, &len), HEC_OK);
	ck_assert_uint_lt(len, HEC_HEADER_BYTES + 16 + n * 46 / 8 + 8);
	hec_plaintext *p2;
	ck_assert_int_eq(hec_plaintext_new(&p2, f.c), HEC_OK);
	ck_assert_int_eq(hec_plaintext_deserialize(p2, buf, len), HEC_OK);
	ck_assert_int_eq(hec_bfv_decode(want, n, p2), HEC_OK);
	ck_assert(memcmp(want, x, n * sizeof *x) == 0);
	ck_assert_int_eq(hec_encrypt(b, f.pk, p2), HEC_OK);
	check_slots(&f, b, x, "deserialized plaintext", &r);
	free(buf);
	/* Rejected: a coefficient >= t (but < q_0); a plaintext in NTT form;
	 * a ciphertext with a scale other than 1. */
	f.pt->m.c[7] = f.t + 5;
	ck_assert_int_eq(hec_plaintext_serialize(f.pt, &buf, &len), HEC_OK);
	ck_assert_int_eq(hec_plaintext_deserialize(p2, buf, len), HEC_ERR_RANGE);
	ck_assert(strstr(hec_error_detail(), "not below t") != NULL);
	/* payload: level u32 @48, scale f64 @52, ntt u32 @60 */
	f.pt->m.c[7] = 1;
	free(buf);
	ck_assert_int_eq(hec_plaintext_serialize(f.pt, &buf, &len), HEC_OK);
	buf[60] = 1;
	reseal(buf, len);
	ck_assert_int_eq(hec_plaintext_deserialize(p2, buf, len), HEC_ERR_RANGE);
	buf[60] = 0;
	buf[48] = 0; /* not the top level */
	reseal(buf, len);
	ck_assert_int_eq(hec_plaintext_deserialize(p2, buf, len), HEC_ERR_RANGE);
	free(buf);
	ck_assert_int_eq(hec_ciphertext_serialize(a, &buf, &len), HEC_OK);
	double two = 2;
	memcpy(buf + 56, &two, 8);
	reseal(buf, len);
	ck_assert_int_eq(hec_ciphertext_deserialize(b, buf, len), HEC_ERR_RANGE);
	free(buf);
	/* Corruption and truncation, as for CKKS. */
	ck_assert_int_eq(hec_ciphertext_serialize(a, &buf, &len), HEC_OK);
	for (size_t i = 0; i < HEC_HEADER_BYTES; i += 3) {
		buf[i] ^= 0x21;
		hec_status s = hec_ciphertext_deserialize(b, buf, len);
		ck_assert_msg(s == HEC_ERR_FORMAT || s == HEC_ERR_CHECKSUM, "header byte %zu: %d", i, s);
		buf[i] ^= 0x21;
	}
	for (size_t cut = 0; cut < len; cut += 997)
		ck_assert_int_eq(hec_ciphertext_deserialize(b, buf, cut), HEC_ERR_FORMAT);
	/* A CKKS context, or a BFV context with another t, rejects it. */
	hec_context *ck = small_ckks(10, 3, 1, 3, 40);
	hec_ciphertext *cc;
	ck_assert_int_eq(hec_ciphertext_new(&cc, ck), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(cc, buf, len), HEC_ERR_MISMATCH);
	hec_ciphertext_free(cc);
	hec_context_free(ck);
	hec_context *ot = small_bfv(10, 3, 45, 1, 50, 3, 40961);
	ck_assert_int_eq(hec_ciphertext_new(&cc, ot), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(cc, buf, len), HEC_ERR_MISMATCH);
	/* ... and the evaluator refuses objects of another context. */
	ck_assert_int_eq(hec_bfv_add(f.ev, b, a, cc), HEC_ERR_MISMATCH);
	ck_assert_int_eq(hec_bfv_mul(f.ev, cc, a, a), HEC_ERR_MISMATCH);
	ck_assert_int_eq(hec_bfv_decrypt(f.pt, f.sk, cc), HEC_ERR_MISMATCH);
	hec_ciphertext_free(cc);
	hec_context_free(ot);
	free(buf);

	hec_plaintext_free(p2);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	hec_ciphertext_free(c3);
	free(x);
	free(want);
	teardown(&f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bfv");
	TCase *tc = tcase_create("bfv");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_encrypt_decrypt);
	tcase_add_loop_test(tc, test_tensor_gmp, 0, 3);
	tcase_add_test(tc, test_kernel_twins);
#ifdef _OPENMP
	tcase_add_test(tc, test_threads);
#endif
	tcase_add_test(tc, test_arith_noise);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_depth_preset);
	tcase_add_test(tc, test_rotations);
	tcase_add_test(tc, test_mod_switch);
	tcase_add_test(tc, test_scalar);
	tcase_add_test(tc, test_large_t);
	tcase_add_test(tc, test_serialize);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
