/* Rescaling, fast basis conversion, ModUp and ModDown against GMP, each
 * within its documented bound, in both forms and with aliasing. */
#include "ring_internal.h"
#include "ringtest.h"

/* A ring whose primes differ in size, so q_l is sometimes more than twice
 * q_i (the general reduction path of rescale) and sometimes smaller. */
static hec_ring *mixed_ring(size_t n, size_t np)
{
	static const unsigned bits[] = {50, 61, 40, 55, 45};
	uint64_t pr[8];
	for (size_t i = 0; i < 5; i++)
		CK_OK(hec_ntt_primes_generate(&pr[i], 1, bits[i], n));
	if (np)
		CK_OK(hec_ntt_primes_generate(pr + 5, np, 58, n));
	hec_ring *r;
	CK_OK(hec_ring_new(&r, n, pr, 5, pr + 5, np));
	return r;
}

/* round(x / d) for odd d (no ties): floor((2x + d) / 2d). */
static void round_div(mpz_t out, const mpz_t x, const mpz_t d)
{
	mpz_t t, d2;
	mpz_inits(t, d2, NULL);
	mpz_mul_2exp(t, x, 1);
	mpz_add(t, t, d);
	mpz_mul_2exp(d2, d, 1);
	mpz_fdiv_q(out, t, d2);
	mpz_clears(t, d2, NULL);
}

/* rescale(x) = round(x / q_l) exactly for the centered x, at every level,
 * in both forms, in place and out of place. */
START_TEST(test_rescale)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x5ca1e));
	static const size_t ns[] = {16, 256, 1u << 13};
	mpz_t X, ql, want, got;
	mpz_inits(X, ql, want, got, NULL);
	for (size_t t = 0; t < 3; t++) {
		const size_t n = ns[t];
		hec_ring *r = mixed_ring(n, 0);
		hec_ring_workspace *w;
		CK_OK(hec_ring_workspace_new(&w, r));
		for (size_t limbs = 5; limbs >= 2; limbs--) {
			for (int form = 0; form < 2; form++) {
				for (int inplace = 0; inplace < 2; inplace++) {
					hec_poly a = new_poly(r, HEC_BASIS_Q, limbs, false), d = new_poly(r, HEC_BASIS_Q, 5, true);
					fill_random(&g, &a);
					/* Extreme coefficients: the centered range's ends. */
					mpz_t M;
					mpz_init(M);
					ref_modulus(M, &a);
					mpz_sub_ui(X, M, 1);
					mpz_tdiv_q_2exp(X, X, 1);
					hec_poly_set_mpz(&a, 0, X);
					mpz_neg(X, X);
					hec_poly_set_mpz(&a, 1, X);
					mpz_clear(M);
					mpz_t *xs = mpz_vec(n);
					for (size_t k = 0; k < n; k++)
						ref_coeff(xs[k], &a, k, true);
					if (form)
						hec_poly_ntt_fwd(&a);
					hec_poly *dst = inplace ? &a : &d;
					CK_OK(hec_poly_rescale(dst, &a, w));
					ck_assert_uint_eq(dst->limbs, limbs - 1);
					ck_assert(dst->ntt == (bool)form);
					hec_poly_ntt_inv(dst);
					mpz_set_ui(ql, hec_ring_q(r, limbs - 1));
					for (size_t k = 0; k < n; k++) {
						round_div(want, xs[k], ql);
						ref_coeff(got, dst, k, true);
						ck_assert_msg(!mpz_cmp(got, want), "n=%zu limbs=%zu form=%d inplace=%d k=%zu " SEED_FMT,
						              n, limbs, form, inplace, k, SEED_ARG(&g));
					}
					mpz_vec_free(xs, n);
					hec_poly_clear(&a);
					hec_poly_clear(&d);
				}
			}
		}
		/* One limb cannot be rescaled. */
		hec_poly a = new_poly(r, HEC_BASIS_Q, 1, false);
		ck_assert_int_eq(hec_poly_rescale(&a, &a, w), HEC_ERR_LEVEL);
		hec_poly_clear(&a);
		hec_ring_workspace_free(w);
		hec_ring_free(r);
	}
	mpz_clears(X, ql, want, got, NULL);
}
END_TEST

/* Fast basis conversion: approximate (x + u F, 0 <= u < nf), centered
 * (|e| <= nf / 2) and exact, including a source basis longer than the
 * 64-term accumulation chunk. */
static void check_conv(test_rng *g, size_t n, const uint64_t *from, size_t nf, const uint64_t *to, size_t nt)
{
	hec_rns_conv *cv;
	CK_OK(hec_rns_conv_new(&cv, n, from, nf, to, nt));
	uint64_t **src = malloc(nf * sizeof *src), **dst = malloc(nt * sizeof *dst);
	uint64_t *scratch = malloc(nf * n * sizeof *scratch);
	for (size_t i = 0; i < nf; i++)
		src[i] = malloc(n * sizeof(uint64_t));
	for (size_t j = 0; j < nt; j++)
		dst[j] = malloc(n * sizeof(uint64_t));
	mpz_t F, x, d, e, lim, tj;
	mpz_inits(F, x, d, e, lim, tj, NULL);
	mpz_set_ui(F, 1);
	for (size_t i = 0; i < nf; i++)
		mpz_mul_ui(F, F, from[i]);
	gmp_randstate_t gs;
	gmp_randinit_default(gs);
	gmp_randseed_ui(gs, (unsigned long)test_rng_next(g));
	mpz_t *xs = mpz_vec(n);
	for (int mode = 0; mode < 3; mode++) {
		for (size_t k = 0; k < n; k++) {
			mpz_urandomm(xs[k], gs, F);
			if (mode) { /* centered values */
				mpz_tdiv_q_2exp(lim, F, 1);
				mpz_sub(xs[k], xs[k], lim);
			}
			if (mode == 2) {
				/* Within the documented exact range: |x| <= F (1/2 - nf^2 2^-52),
				 * here |x| <= F/2 - F/2^38 at most; the edges included. */
				mpz_tdiv_q_2exp(lim, F, 38);
				if (mpz_cmpabs(xs[k], lim) > 0 && k % 4 == 0) {
					mpz_tdiv_q_2exp(d, F, 1);
					mpz_sub(xs[k], d, lim);
					if (k % 8 == 0)
						mpz_neg(xs[k], xs[k]);
				}
				mpz_tdiv_q_2exp(d, F, 1);
				mpz_sub(d, d, lim);
				if (mpz_cmpabs(xs[k], d) > 0)
					mpz_tdiv_q_2exp(xs[k], xs[k], 1);
			}
			if (k == 1)
				mpz_set_si(xs[k], mode ? -1 : 0);
			for (size_t i = 0; i < nf; i++)
				src[i][k] = mpz_fdiv_ui(xs[k], from[i]);
		}
		if (mode == 0)
			hec_rns_conv_apply(cv, dst, (const uint64_t *const *)src, scratch);
		else if (mode == 1)
			hec_rns_conv_apply_centered(cv, dst, (const uint64_t *const *)src, scratch);
		else
			hec_rns_conv_apply_exact(cv, dst, (const uint64_t *const *)src, scratch);
		for (size_t k = 0; k < n; k++) {
			/* Find the multiple of F: d = result - x must be e F mod every
			 * target with one e in the documented range. */
			long lo = mode == 0 ? 0 : mode == 1 ? -(long)nf / 2 : 0;
			long hi = mode == 0 ? (long)nf - 1 : mode == 1 ? (long)nf / 2 : 0;
			bool found = false;
			for (long u = lo; u <= hi && !found; u++) {
				bool all = true;
				for (size_t j = 0; j < nt && all; j++) {
					mpz_set_si(e, u);
					mpz_mul(e, e, F);
					mpz_add(e, e, xs[k]);
					all = mpz_fdiv_ui(e, to[j]) == dst[j][k] && dst[j][k] < to[j];
				}
				found = all;
			}
			ck_assert_msg(found, "conv mode %d nf=%zu k=%zu " SEED_FMT, mode, nf, k, SEED_ARG(g));
		}
	}
	mpz_vec_free(xs, n);
	gmp_randclear(gs);
	mpz_clears(F, x, d, e, lim, tj, NULL);
	for (size_t i = 0; i < nf; i++)
		free(src[i]);
	for (size_t j = 0; j < nt; j++)
		free(dst[j]);
	free(src);
	free(dst);
	free(scratch);
	hec_rns_conv_free(cv);
}

START_TEST(test_conv)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xc0de));
	uint64_t a[80], b[8];
	CK_OK(hec_ntt_primes_generate(a, 3, 50, 64));
	CK_OK(hec_ntt_primes_generate(b, 2, 61, 64));
	CK_OK(hec_ntt_primes_generate(b + 2, 2, 30, 64));
	check_conv(&g, 64, a, 3, b, 4);
	check_conv(&g, 64, b, 4, a, 3);
	check_conv(&g, 16, a, 1, b, 1);
	/* 70 sources of 61 bits: products near 2^122 force the chunked
	 * reduction. */
	CK_OK(hec_ntt_primes_generate(a, 70, 61, 16));
	CK_OK(hec_ntt_primes_generate(b, 3, 59, 16));
	check_conv(&g, 16, a, 70, b, 3);

	hec_rns_conv *cv;
	ck_assert_int_eq(hec_rns_conv_new(&cv, 16, a, 0, b, 1), HEC_ERR_ARG);
	uint64_t twice[2] = {a[0], a[0]};
	ck_assert_int_eq(hec_rns_conv_new(&cv, 16, twice, 2, b, 1), HEC_ERR_ARG);
	ck_assert_ptr_null(cv);
	hec_rns_conv_free(NULL);
}
END_TEST

/* The optimised conversion (specialised per source count, one-prime
 * shortcut, SIMD where the kernel allows) against the portable reference,
 * bit for bit: every mode, source counts 1..9 and 70, target subsets in
 * any order, prime sizes from 30 to 61 bits mixed, edge inputs (0, 1,
 * f/2, f/2 + 1, f - 1) and a length that is not a multiple of the block. */
static void check_conv_vs_ref(test_rng *g, size_t n, const uint64_t *from, size_t nf, const uint64_t *to, size_t nt)
{
	hec_rns_conv *cv;
	CK_OK(hec_rns_conv_new(&cv, n, from, nf, to, nt));
	uint64_t **src = malloc(nf * sizeof *src), **dst = malloc(nt * sizeof *dst), **ref = malloc(nt * sizeof *ref);
	uint64_t *scratch = malloc(nf * n * sizeof *scratch);
	size_t *sel = malloc(nt * sizeof *sel);
	for (size_t i = 0; i < nf; i++) {
		src[i] = malloc(n * sizeof(uint64_t));
		for (size_t k = 0; k < n; k++) {
			uint64_t f = from[i], edge[5] = {0, 1, f / 2, f / 2 + 1, f - 1};
			src[i][k] = k % 7 < 5 && test_rng_below(g, 4) == 0 ? edge[k % 7] : test_rng_below(g, f);
		}
	}
	for (size_t j = 0; j < nt; j++) {
		dst[j] = malloc(n * sizeof(uint64_t));
		ref[j] = malloc(n * sizeof(uint64_t));
	}
	/* impl 0: as dispatched (the AVX2 kernel where the primes and the CPU
	 * allow); 1: the portable optimised code forced. */
	for (int impl = 0; impl < 2; impl++) {
		cv->avx2 = cv->avx2 && impl == 0;
		for (int mode = 0; mode < 3; mode++) {
			for (int subset = 0; subset < 2; subset++) {
				/* subset: targets in reverse order, every other one dropped. */
				size_t nsel = 0;
				for (size_t j = 0; j < nt; j++)
					if (!subset || j % 2 == 0)
						sel[nsel++] = subset ? nt - 1 - j : j;
				for (size_t j = 0; j < nt; j++) {
					memset(dst[j], 0xa5, n * sizeof(uint64_t));
					memset(ref[j], 0x5a, n * sizeof(uint64_t));
				}
				_hec_rns_conv_apply_ref(cv, ref, subset ? sel : NULL, nsel, (const uint64_t *const *)src, scratch,
				                        (enum hec_conv_mode)mode);
				_hec_rns_conv_apply_sel(cv, dst, subset ? sel : NULL, nsel, (const uint64_t *const *)src, scratch,
				                        (enum hec_conv_mode)mode);
				for (size_t s = 0; s < nsel; s++)
					for (size_t k = 0; k < n; k++)
						ck_assert_msg(dst[s][k] == ref[s][k], "conv vs ref: impl %d mode %d nf=%zu target %zu k=%zu: %llu != %llu " SEED_FMT,
						              impl, mode, nf, s, k, (unsigned long long)dst[s][k], (unsigned long long)ref[s][k],
						              SEED_ARG(g));
			}
		}
	}
	for (size_t i = 0; i < nf; i++)
		free(src[i]);
	for (size_t j = 0; j < nt; j++) {
		free(dst[j]);
		free(ref[j]);
	}
	free(src);
	free(dst);
	free(ref);
	free(sel);
	free(scratch);
	hec_rns_conv_free(cv);
}

START_TEST(test_conv_vs_ref)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xfa57));
	static const unsigned bits[] = {30, 36, 39, 46, 49, 50, 55, 61};
	uint64_t pr[8][24];
	for (size_t b = 0; b < 8; b++)
		CK_OK(hec_ntt_primes_generate(pr[b], 24, bits[b], 256));
	for (size_t b = 0; b < 8; b++) {
		for (size_t nf = 1; nf <= 9; nf++) {
			/* Sources of `bits[b]` bits, mixed with a larger prime for
			 * odd nf; targets from every size. */
			uint64_t from[12], to[12];
			for (size_t i = 0; i < nf; i++)
				from[i] = i == 1 && nf % 2 ? pr[(b + 3) % 8][12 + i] : pr[b][i];
			size_t nt = 1 + (nf + b) % 9;
			for (size_t j = 0; j < nt; j++)
				to[j] = pr[(b + j) % 8][nf + 12 - (j % 3)];
			check_conv_vs_ref(&g, b % 2 ? 256 : 200, from, nf, to, nt);
		}
	}
	/* Same sizes (the usual ModUp/ModDown case), and 70 sources. */
	check_conv_vs_ref(&g, 256, pr[5], 4, pr[5] + 4, 7);
	check_conv_vs_ref(&g, 256, pr[1], 1, pr[1] + 1, 9);
	uint64_t many[74];
	CK_OK(hec_ntt_primes_generate(many, 74, 61, 16));
	check_conv_vs_ref(&g, 16, many, 70, many + 70, 4);
}
END_TEST

/* ModDown's and rescaling's fused last pass, d = (x - c) w mod q (and
 * (x - c) w + y v for the fused ModDown and rescale): the
 * portable kernel and the dispatched one (AVX2 below 2^50 where compiled
 * in and asked for) against mod_sub then mod_mul, with edge operands, in
 * place. */
START_TEST(test_sub_mul_scalar)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x5b31));
	static const unsigned bits[] = {20, 30, 36, 40, 46, 49, 50, 55, 61};
	const size_t n = 260;
	uint64_t x[260], c[260], d[260], e[260];
	for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++) {
		uint64_t q;
		CK_OK(hec_ntt_primes_generate(&q, 1, bits[b], 16));
		hec_modulus_t m;
		CK_OK(hec_ntt_modulus_init(&m, q));
		const uint64_t ws[] = {1, 2, q / 2, q / 2 + 1, q - 1, test_rng_below(&g, q)};
		for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
			const uint64_t w = ws[wi];
			for (size_t k = 0; k < n; k++) {
				const uint64_t edge[4] = {0, 1, q / 2, q - 1};
				x[k] = k < 16 ? edge[k % 4] : test_rng_below(&g, q);
				c[k] = k < 16 ? edge[k / 4] : test_rng_below(&g, q);
			}
			for (int simd = 0; simd < 4; simd++) {
				/* 0: portable kernel; 1: dispatched; 2: dispatched, in
				 * place; 3: dispatched, a length the vector kernel does
				 * not take. */
				const size_t len = simd == 3 ? n - 3 : n;
				memcpy(d, x, sizeof x);
				if (simd == 0)
					_hec_vec_sub_mul_scalar_ref(e, x, c, w, len, &m);
				else if (simd != 2)
					_hec_vec_sub_mul_scalar(e, x, c, w, len, &m, q < HEC_MODULUS_SIMD_MAX);
				else
					_hec_vec_sub_mul_scalar(d, d, c, w, len, &m, q < HEC_MODULUS_SIMD_MAX);
				const uint64_t *got = simd == 2 ? d : e;
				for (size_t k = 0; k < len; k++) {
					uint64_t want = hec_ntt_mod_mul(hec_ntt_mod_sub(x[k], c[k], q), w, &m);
					ck_assert_msg(got[k] == want, "bits %u w %llu variant %d k %zu " SEED_FMT, bits[b],
					              (unsigned long long)w, simd, k, SEED_ARG(&g));
				}
				/* With an added y v (y = the reversed c, v = the next w). */
				const uint64_t v = ws[(wi + 1) % (sizeof ws / sizeof ws[0])];
				uint64_t yv[260];
				for (size_t k = 0; k < n; k++)
					yv[k] = c[n - 1 - k];
				memcpy(d, x, sizeof x);
				if (simd == 0)
					_hec_vec_sub_mul_add_scalar_ref(e, x, c, w, yv, v, len, &m);
				else if (simd != 2)
					_hec_vec_sub_mul_add_scalar(e, x, c, w, yv, v, len, &m, q < HEC_MODULUS_SIMD_MAX);
				else
					_hec_vec_sub_mul_add_scalar(d, d, c, w, yv, v, len, &m, q < HEC_MODULUS_SIMD_MAX);
				for (size_t k = 0; k < len; k++) {
					uint64_t want = hec_ntt_mod_add(hec_ntt_mod_mul(hec_ntt_mod_sub(x[k], c[k], q), w, &m),
					                                hec_ntt_mod_mul(yv[k], v, &m), q);
					ck_assert_msg(got[k] == want, "add: bits %u w %llu variant %d k %zu " SEED_FMT, bits[b],
					              (unsigned long long)w, simd, k, SEED_ARG(&g));
				}
			}
		}
	}
}
END_TEST

/* ModUp: outputs are x + e Q_j in every prime of Q_l P with |e| <= (digit
 * size) / 2, the digit's own limbs copied; every digit size, level and
 * form, and dst_q == src. */
START_TEST(test_mod_up)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x30d0));
	const size_t n = 32, K = 3;
	hec_ring *r = mixed_ring(n, K);
	hec_ring_workspace *w;
	CK_OK(hec_ring_workspace_new(&w, r));
	mpz_t D, V, Qj, e;
	mpz_inits(D, V, Qj, e, NULL);
	for (size_t ds = 1; ds <= 5; ds++) {
		for (size_t limbs = 5; limbs >= 2; limbs -= 2) {
			for (size_t digit = 0; digit * ds < limbs; digit++) {
				for (int variant = 0; variant < 3; variant++) {
					/* 0: NTT form; 1: NTT form, dst_q == src; 2: coefficient form. */
					bool ntt = variant < 2;
					hec_poly a = new_poly(r, HEC_BASIS_Q, limbs, false), orig = new_poly(r, HEC_BASIS_Q, limbs, false);
					hec_poly dq = new_poly(r, HEC_BASIS_Q, 5, false), dp = new_poly(r, HEC_BASIS_P, K, false);
					fill_random(&g, &a);
					CK_OK(hec_poly_copy(&orig, &a));
					if (ntt)
						hec_poly_ntt_fwd(&a);
					hec_poly *dst_q = variant == 1 ? &a : &dq;
					CK_OK(hec_poly_mod_up(dst_q, &dp, &a, digit, ds, w));
					ck_assert_uint_eq(dst_q->limbs, limbs);
					ck_assert_uint_eq(dp.limbs, K);
					ck_assert(dst_q->ntt == ntt && dp.ntt == ntt);
					hec_poly_ntt_inv(dst_q);
					hec_poly_ntt_inv(&dp);
					size_t b = digit * ds, end = b + ds < limbs ? b + ds : limbs, nd = end - b;
					uint64_t res[16], mod[16];
					mpz_set_ui(Qj, 1);
					for (size_t i = b; i < end; i++)
						mpz_mul_ui(Qj, Qj, hec_ring_q(r, i));
					for (size_t k = 0; k < n; k++) {
						for (size_t i = b; i < end; i++) {
							res[i - b] = hec_poly_limb(&orig, i)[k];
							mod[i - b] = hec_ring_q(r, i);
							ck_assert(hec_poly_limb(dst_q, i)[k] == res[i - b]);
						}
						ref_crt(D, res, mod, nd, true);
						size_t c = 0;
						for (size_t i = 0; i < limbs; i++, c++) {
							res[c] = hec_poly_limb(dst_q, i)[k];
							mod[c] = hec_ring_q(r, i);
						}
						for (size_t j = 0; j < K; j++, c++) {
							res[c] = hec_poly_limb(&dp, j)[k];
							mod[c] = hec_ring_p(r, j);
						}
						ref_crt(V, res, mod, c, true);
						mpz_sub(e, V, D);
						ck_assert_msg(mpz_divisible_p(e, Qj), "not x + e Q_j: ds=%zu limbs=%zu digit=%zu k=%zu " SEED_FMT,
						              ds, limbs, digit, k, SEED_ARG(&g));
						mpz_divexact(e, e, Qj);
						mpz_mul_2exp(e, e, 1);
						ck_assert_msg(mpz_cmpabs_ui(e, nd) <= 0, "|e| > %zu/2: ds=%zu digit=%zu k=%zu " SEED_FMT, nd,
						              ds, digit, k, SEED_ARG(&g));
					}
					hec_poly_clear(&a);
					hec_poly_clear(&orig);
					hec_poly_clear(&dq);
					hec_poly_clear(&dp);
				}
			}
		}
	}
	/* Errors: a digit beyond the level; a ring without P. */
	hec_poly a = new_poly(r, HEC_BASIS_Q, 3, true), dq = new_poly(r, HEC_BASIS_Q, 5, true);
	hec_poly dp = new_poly(r, HEC_BASIS_P, K, true);
	ck_assert_int_eq(hec_poly_mod_up(&dq, &dp, &a, 2, 2, w), HEC_ERR_ARG);
	ck_assert_int_eq(hec_poly_mod_up(&dq, &dp, &a, 0, 0, w), HEC_ERR_ARG);
	CK_OK(hec_poly_mod_up(&dq, &dp, &a, 1, 2, w));
	hec_ring *r0 = make_ring(n, 2, 40, 0, 0);
	hec_ring_workspace *w0;
	CK_OK(hec_ring_workspace_new(&w0, r0));
	hec_poly a0 = new_poly(r0, HEC_BASIS_Q, 2, true), b0 = new_poly(r0, HEC_BASIS_Q, 2, true);
	ck_assert_int_eq(hec_poly_mod_up(&b0, &b0, &a0, 0, 1, w0), HEC_ERR_UNSUPPORTED);
	ck_assert_int_eq(hec_poly_mod_down(&b0, &a0, &b0, w0), HEC_ERR_UNSUPPORTED);
	ck_assert_int_eq(hec_poly_mod_up(&dq, &dp, &a, 0, 1, w0), HEC_ERR_ARG); /* another ring's workspace */
	hec_poly_clear(&a0);
	hec_poly_clear(&b0);
	hec_ring_workspace_free(w0);
	hec_ring_free(r0);
	hec_poly_clear(&a);
	hec_poly_clear(&dq);
	hec_poly_clear(&dp);
	mpz_clears(D, V, Qj, e, NULL);
	hec_ring_workspace_free(w);
	hec_ring_free(r);
}
END_TEST

/* ModDown: |dst - x / P| <= K/2 + 1/2 for x centered mod Q_l P. */
START_TEST(test_mod_down)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xd0e7));
	static const size_t Ks[] = {1, 2, 3};
	mpz_t M, P, X, got, diff;
	mpz_inits(M, P, X, got, diff, NULL);
	gmp_randstate_t gs;
	gmp_randinit_default(gs);
	gmp_randseed_ui(gs, (unsigned long)g.seed);
	for (size_t t = 0; t < 3; t++) {
		const size_t n = 64, K = Ks[t];
		hec_ring *r = mixed_ring(n, K);
		hec_ring_workspace *w;
		CK_OK(hec_ring_workspace_new(&w, r));
		for (size_t limbs = 5; limbs >= 1 && limbs <= 5; limbs -= 2) {
			for (int variant = 0; variant < 3; variant++) {
				bool ntt = variant < 2;
				hec_poly xq = new_poly(r, HEC_BASIS_Q, limbs, false), xp = new_poly(r, HEC_BASIS_P, K, false);
				hec_poly d = new_poly(r, HEC_BASIS_Q, 5, false);
				mpz_set_ui(M, 1);
				for (size_t i = 0; i < limbs; i++)
					mpz_mul_ui(M, M, hec_ring_q(r, i));
				mpz_set_ui(P, 1);
				for (size_t j = 0; j < K; j++)
					mpz_mul_ui(P, P, hec_ring_p(r, j));
				mpz_mul(M, M, P);
				mpz_t *xs = mpz_vec(n);
				for (size_t k = 0; k < n; k++) {
					/* Centered in the middle half of the range, so the
					 * quotient cannot wrap mod Q_l. */
					mpz_urandomm(xs[k], gs, M);
					mpz_tdiv_q_2exp(X, M, 1);
					mpz_sub(xs[k], xs[k], X);
					mpz_tdiv_q_2exp(xs[k], xs[k], 1);
					if (k < 2 * K + 2) /* values just around multiples of P/2 */
						mpz_mul_si(xs[k], P, (long)k - (long)K), mpz_tdiv_q_2exp(xs[k], xs[k], 1);
					hec_poly_set_mpz(&xq, k, xs[k]);
					hec_poly_set_mpz(&xp, k, xs[k]);
				}
				if (ntt) {
					hec_poly_ntt_fwd(&xq);
					hec_poly_ntt_fwd(&xp);
				}
				hec_poly *dst = variant == 1 ? &xq : &d;
				CK_OK(hec_poly_mod_down(dst, &xq, &xp, w));
				ck_assert_uint_eq(dst->limbs, limbs);
				hec_poly_ntt_inv(dst);
				for (size_t k = 0; k < n; k++) {
					ref_coeff(got, dst, k, true);
					/* |2 P dst - 2 x| <= P (K + 1). */
					mpz_mul(diff, got, P);
					mpz_sub(diff, diff, xs[k]);
					mpz_mul_2exp(diff, diff, 1);
					mpz_mul_ui(X, P, K + 1);
					ck_assert_msg(mpz_cmpabs(diff, X) <= 0, "K=%zu limbs=%zu variant=%d k=%zu " SEED_FMT, K, limbs,
					              variant, k, SEED_ARG(&g));
				}
				mpz_vec_free(xs, n);
				hec_poly_clear(&xq);
				hec_poly_clear(&xp);
				hec_poly_clear(&d);
			}
		}
		hec_ring_workspace_free(w);
		hec_ring_free(r);
	}
	gmp_randclear(gs);
	mpz_clears(M, P, X, got, diff, NULL);
}
END_TEST

/* ModDown fused with rescaling: |dst - (x + P y) / (P q_l)| <= 3/2 modulo
 * Q_{l-1} (exact rounding, off by one only at values next to an odd
 * multiple of P q_l / 2, which the first coefficients are), for x anywhere mod Q_l P and y anywhere mod Q_l (or
 * absent), every level, both forms, dst aliasing x_q or y; errors. */
START_TEST(test_mod_down_rescale)
{
	test_rng g;
	test_rng_init(&g, test_seed(0xd05c));
	mpz_t M, P, F, X, Y, V, got, T;
	mpz_inits(M, P, F, X, Y, V, got, T, NULL);
	gmp_randstate_t gs;
	gmp_randinit_default(gs);
	gmp_randseed_ui(gs, (unsigned long)g.seed);
	for (size_t K = 1; K <= 3; K++) {
		const size_t n = 64;
		hec_ring *r = mixed_ring(n, K);
		hec_ring_workspace *w;
		CK_OK(hec_ring_workspace_new(&w, r));
		for (size_t limbs = 5; limbs >= 2; limbs--) {
			for (int variant = 0; variant < 6; variant++) {
				/* variant & 1: coefficient form; variant / 2: 0 no y, 1 y,
				 * 2 y with dst aliasing (x_q when odd limbs, else y). */
				const bool ntt = !(variant & 1), with_y = variant >= 2, alias = variant >= 4;
				hec_poly xq = new_poly(r, HEC_BASIS_Q, limbs, false), xp = new_poly(r, HEC_BASIS_P, K, false);
				hec_poly y = new_poly(r, HEC_BASIS_Q, limbs, false), d = new_poly(r, HEC_BASIS_Q, 5, false);
				mpz_set_ui(M, 1);
				for (size_t i = 0; i < limbs; i++)
					mpz_mul_ui(M, M, hec_ring_q(r, i));
				mpz_set_ui(P, 1);
				for (size_t j = 0; j < K; j++)
					mpz_mul_ui(P, P, hec_ring_p(r, j));
				mpz_mul_ui(F, P, hec_ring_q(r, limbs - 1));
				mpz_t *vs = mpz_vec(n);
				fill_random(&g, &y);
				if (!with_y)
					hec_poly_zero(&y);
				for (size_t k = 0; k < n; k++) {
					mpz_mul(X, M, P);
					mpz_urandomm(X, gs, X);
					if (k < 2 * K + 4) /* around multiples of F / 2 */
						mpz_mul_si(X, F, (long)k - (long)K - 2), mpz_tdiv_q_2exp(X, X, 1);
					hec_poly_set_mpz(&xq, k, X);
					hec_poly_set_mpz(&xp, k, X);
					ref_coeff(Y, &y, k, false);
					mpz_mul(V, P, Y);
					mpz_add(vs[k], X, V); /* x + P y, as an integer */
				}
				if (ntt) {
					hec_poly_ntt_fwd(&xq);
					hec_poly_ntt_fwd(&xp);
					hec_poly_ntt_fwd(&y);
				}
				hec_poly *dst = !alias ? &d : limbs % 2 ? &xq : &y;
				CK_OK(hec_poly_mod_down_rescale(dst, &xq, &xp, with_y ? &y : NULL, w));
				ck_assert_uint_eq(dst->limbs, limbs - 1);
				ck_assert(dst->ntt == ntt);
				hec_poly_ntt_inv(dst);
				mpz_mul(M, M, P); /* Q_l P: the values' modulus */
				for (size_t k = 0; k < n; k++) {
					ref_coeff(got, dst, k, false);
					/* T = got F - V mod Q_l P, centered: |2 T| <= 3 F. */
					mpz_mul(T, got, F);
					mpz_sub(T, T, vs[k]);
					mpz_mod(T, T, M);
					mpz_mul_2exp(X, T, 1);
					if (mpz_cmp(X, M) > 0)
						mpz_sub(T, T, M);
					mpz_mul_2exp(T, T, 1);
					mpz_mul_ui(X, F, 3);
					ck_assert_msg(mpz_cmpabs(T, X) <= 0, "K=%zu limbs=%zu variant=%d k=%zu " SEED_FMT, K, limbs,
					              variant, k, SEED_ARG(&g));
				}
				mpz_vec_free(vs, n);
				hec_poly_clear(&xq);
				hec_poly_clear(&xp);
				hec_poly_clear(&y);
				hec_poly_clear(&d);
			}
		}
		/* Errors: level 0; y of another form; dst aliasing the P part. */
		hec_poly a = new_poly(r, HEC_BASIS_Q, 1, true), b = new_poly(r, HEC_BASIS_Q, 3, true);
		hec_poly c = new_poly(r, HEC_BASIS_Q, 3, false), p = new_poly(r, HEC_BASIS_P, K, true);
		ck_assert_int_eq(hec_poly_mod_down_rescale(&b, &a, &p, NULL, w), HEC_ERR_LEVEL);
		ck_assert_int_eq(hec_poly_mod_down_rescale(&a, &b, &p, &c, w), HEC_ERR_ARG);
		ck_assert_int_eq(hec_poly_mod_down_rescale(&p, &b, &p, NULL, w), HEC_ERR_ARG);
		ck_assert_int_eq(hec_poly_mod_down_rescale(&a, &b, &p, NULL, w), HEC_ERR_ARG); /* 1 < 2 limbs */
		hec_poly_drop_limbs(&b, 2);
		CK_OK(hec_poly_mod_down_rescale(&a, &b, &p, NULL, w)); /* level 1 -> 0: one limb is enough */
		hec_poly_clear(&a);
		hec_poly_clear(&b);
		hec_poly_clear(&c);
		hec_poly_clear(&p);
		hec_ring_workspace_free(w);
		hec_ring_free(r);
	}
	hec_ring *r0 = make_ring(16, 2, 40, 0, 0);
	hec_ring_workspace *w0;
	CK_OK(hec_ring_workspace_new(&w0, r0));
	hec_poly a0 = new_poly(r0, HEC_BASIS_Q, 2, true);
	ck_assert_int_eq(hec_poly_mod_down_rescale(&a0, &a0, &a0, NULL, w0), HEC_ERR_UNSUPPORTED);
	hec_poly_clear(&a0);
	hec_ring_workspace_free(w0);
	hec_ring_free(r0);
	gmp_randclear(gs);
	mpz_clears(M, P, F, X, Y, V, got, T, NULL);
}
END_TEST

/* Hybrid key switching's arithmetic skeleton: ModUp of a digit, multiply by
 * P (the key's factor) in Q_l P, ModDown: gives back the digit's value
 * plus e Q_j, within ModDown's rounding. */
START_TEST(test_up_then_down)
{
	test_rng g;
	test_rng_init(&g, test_seed(0x0bd));
	const size_t n = 64, K = 2, limbs = 4;
	hec_ring *r = make_ring(n, limbs, 45, K, 50);
	hec_ring_workspace *w;
	CK_OK(hec_ring_workspace_new(&w, r));
	hec_poly a = new_poly(r, HEC_BASIS_Q, limbs, false), dq = new_poly(r, HEC_BASIS_Q, limbs, true);
	hec_poly dp = new_poly(r, HEC_BASIS_P, K, true), out = new_poly(r, HEC_BASIS_Q, limbs, true);
	fill_random(&g, &a);
	hec_poly orig = new_poly(r, HEC_BASIS_Q, limbs, false);
	CK_OK(hec_poly_copy(&orig, &a));
	hec_poly_ntt_fwd(&a);
	CK_OK(hec_poly_mod_up(&dq, &dp, &a, 0, limbs, w)); /* one digit: all of Q */
	/* times P: P mod q_i on Q, 0 on P. */
	uint64_t pm[8];
	for (size_t i = 0; i < limbs; i++) {
		const hec_modulus_t *m = hec_ring_q_mod(r, i);
		pm[i] = 1;
		for (size_t j = 0; j < K; j++)
			pm[i] = hec_ntt_mod_mul(pm[i], hec_ring_p(r, j) % m->q, m);
	}
	CK_OK(hec_poly_mul_rns(&dq, &dq, pm));
	hec_poly_zero(&dp);
	CK_OK(hec_poly_mod_down(&out, &dq, &dp, w));
	hec_poly_ntt_inv(&out);
	/* x P / P = x exactly (mod Q). */
	ck_assert(!memcmp(out.c, orig.c, limbs * n * sizeof(uint64_t)));
	hec_poly_clear(&a);
	hec_poly_clear(&dq);
	hec_poly_clear(&dp);
	hec_poly_clear(&out);
	hec_poly_clear(&orig);
	hec_ring_workspace_free(w);
	hec_ring_free(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ring-modswitch");
	TCase *tc = tcase_create("modswitch");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_rescale);
	tcase_add_test(tc, test_conv);
	tcase_add_test(tc, test_conv_vs_ref);
	tcase_add_test(tc, test_sub_mul_scalar);
	tcase_add_test(tc, test_mod_up);
	tcase_add_test(tc, test_mod_down);
	tcase_add_test(tc, test_mod_down_rescale);
	tcase_add_test(tc, test_up_then_down);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
