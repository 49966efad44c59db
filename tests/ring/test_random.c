/* Randomness: ChaCha20 against RFC 8439's published vectors, the PRNG's
 * stream layout, fail-closed OS randomness (simulated failures), and the
 * samplers' statistics (mean, variance, bounds, chi-square) with fixed
 * seeds. */
#include <errno.h>
#include <math.h>

#include "ring_internal.h"
#include "ringtest.h"

static void unhex(uint8_t *out, const char *hex, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (*hex == ' ' || *hex == '\n')
			hex++;
		unsigned v;
		ck_assert(sscanf(hex, "%2x", &v) == 1);
		out[i] = (uint8_t)v;
		hex += 2;
	}
}

static const uint8_t rfc_key[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

/* RFC 8439 section 2.3.2: the block function test vector. */
START_TEST(test_chacha_block)
{
	uint32_t key[8], nonce[3] = {0x09000000, 0x4a000000, 0}, out[16];
	for (int i = 0; i < 8; i++)
		key[i] = (uint32_t)rfc_key[4 * i] | (uint32_t)rfc_key[4 * i + 1] << 8 | (uint32_t)rfc_key[4 * i + 2] << 16 |
		         (uint32_t)rfc_key[4 * i + 3] << 24;
	_hec_chacha20_block(out, key, 1, nonce);
	static const uint32_t want[16] = {0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3, 0xc7f4d1c7, 0x0368c033,
	                                  0x9aaa2204, 0x4e6cd4c3, 0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
	                                  0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2};
	for (int i = 0; i < 16; i++)
		ck_assert_msg(out[i] == want[i], "word %d: %08x != %08x", i, out[i], want[i]);
	/* The serialized block, through the byte interface (XOR with zeros). */
	uint8_t zero[64] = {0}, ks[64], serial[64];
	const uint8_t nb[12] = {0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0};
	_hec_chacha20_xor(ks, zero, 64, rfc_key, 1, nb);
	unhex(serial,
	      "10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4 c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e"
	      "d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2 b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e",
	      64);
	ck_assert(!memcmp(ks, serial, 64));
}
END_TEST

/* RFC 8439 section 2.4.2: encryption of the "sunscreen" text. */
START_TEST(test_chacha_encrypt)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
	                         "future, sunscreen would be it.";
	const size_t len = sizeof pt - 1;
	ck_assert_uint_eq(len, 114);
	uint8_t want[114], ct[114], back[114];
	unhex(want,
	      "6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81 e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b"
	      "f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57 16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8"
	      "07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e 52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36"
	      "5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42 87 4d",
	      114);
	const uint8_t nonce[12] = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
	_hec_chacha20_xor(ct, (const uint8_t *)pt, len, rfc_key, 1, nonce);
	ck_assert(!memcmp(ct, want, len));
	_hec_chacha20_xor(back, ct, len, rfc_key, 1, nonce);
	ck_assert(!memcmp(back, pt, len));
	memcpy(back, pt, len); /* in place */
	_hec_chacha20_xor(back, back, len, rfc_key, 1, nonce);
	ck_assert(!memcmp(back, want, len));
}
END_TEST

/* hec_prng is the ChaCha20 keystream: RFC 8439 appendix A.1 test vector 1
 * (zero key, zero nonce, counter 0) is its first block for seed 0, stream
 * 0; the stream number goes to nonce words 1 and 2, the counter's high half
 * to word 0; splitting requests does not change the stream. */
START_TEST(test_prng_stream)
{
	uint8_t seed[32] = {0}, out[64 * 3 + 5], want[64];
	hec_prng g;
	hec_prng_init(&g, seed, 0);
	hec_prng_bytes(&g, out, 64);
	unhex(want,
	      "76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28 bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7"
	      "da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37 6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86",
	      64);
	ck_assert(!memcmp(out, want, 64));
	hec_prng_clear(&g);

	memcpy(seed, rfc_key, 32);
	const uint64_t stream = UINT64_C(0x0123456789abcdef);
	hec_prng_init(&g, seed, stream);
	hec_prng_bytes(&g, out, sizeof out);
	uint8_t ref[sizeof out], zero[sizeof out] = {0};
	const uint8_t nonce[12] = {0, 0, 0, 0, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
	_hec_chacha20_xor(ref, zero, sizeof ref, rfc_key, 0, nonce);
	ck_assert(!memcmp(out, ref, sizeof out));

	/* Odd-sized pieces and u64 reads give the same bytes. */
	hec_prng h;
	hec_prng_init(&h, seed, stream);
	uint8_t pieces[sizeof out];
	size_t off = 0;
	static const size_t sizes[] = {1, 7, 8, 64, 3, 65, 0, 30, 19};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		hec_prng_bytes(&h, pieces + off, sizes[i]);
		off += sizes[i];
	}
	ck_assert_uint_eq(off, sizeof out);
	ck_assert(!memcmp(pieces, out, sizeof out));
	hec_prng_init(&h, seed, stream);
	hec_prng_bytes(&h, pieces, 3);
	for (size_t i = 0; i < 20; i++) {
		uint64_t v = hec_prng_u64(&h), w = 0;
		for (int b = 7; b >= 0; b--)
			w = (w << 8) | out[3 + 8 * i + (size_t)b];
		ck_assert_uint_eq(v, w);
	}
	/* Long requests take the four-blocks-at-a-time path: the same bytes,
	 * also across the 32-bit boundary of the block counter. */
	for (int t = 0; t < 2; t++) {
		uint8_t big[1000];
		hec_prng_init(&h, seed, stream);
		const uint64_t c0 = t ? UINT64_C(0xfffffffe) : 0;
		h.counter = c0;
		hec_prng_bytes(&h, big, sizeof big);
		for (size_t blk = 0; blk * 64 < sizeof big; blk++) {
			uint64_t c = c0 + blk;
			uint32_t key[8], w[16];
			const uint32_t nc[3] = {(uint32_t)(c >> 32), (uint32_t)stream, (uint32_t)(stream >> 32)};
			for (int i = 0; i < 8; i++)
				key[i] = (uint32_t)seed[4 * i] | (uint32_t)seed[4 * i + 1] << 8 |
				         (uint32_t)seed[4 * i + 2] << 16 | (uint32_t)seed[4 * i + 3] << 24;
			_hec_chacha20_block(w, key, (uint32_t)c, nc);
			for (size_t k = 0; k < 64 && blk * 64 + k < sizeof big; k++)
				ck_assert_msg(big[blk * 64 + k] == (uint8_t)(w[k / 4] >> (8 * (k % 4))), "block %zu byte %zu",
				              blk, k);
		}
		ck_assert_uint_eq(h.counter, c0 + 16);
	}
	/* Streams are separate. */
	hec_prng_init(&h, seed, HEC_STREAM_SECRET);
	hec_prng_init(&g, seed, HEC_STREAM_PUBLIC);
	ck_assert_uint_ne(hec_prng_u64(&h), hec_prng_u64(&g));
	hec_prng_clear(&h);
	const uint8_t *raw = (const uint8_t *)&h;
	for (size_t i = 0; i < sizeof h; i++)
		ck_assert_uint_eq(raw[i], 0);
	hec_prng_clear(&g);
}
END_TEST

/* Simulated kernel failures: errors, a zero-length read, EINTR and short
 * reads. */
static int calls;
static ssize_t fail_enosys(void *buf, size_t len, unsigned flags)
{
	(void)buf, (void)len, (void)flags;
	calls++;
	errno = ENOSYS;
	return -1;
}
static ssize_t return_zero(void *buf, size_t len, unsigned flags)
{
	(void)buf, (void)len, (void)flags;
	calls++;
	return 0;
}
static ssize_t short_then_fail(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	if (calls++ == 0) {
		memset(buf, 0xab, len / 2);
		return (ssize_t)(len / 2);
	}
	errno = EIO;
	return -1;
}
static ssize_t eintr_and_short(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	if (calls++ % 2 == 0) {
		errno = EINTR;
		return -1;
	}
	memset(buf, 0x5a, len < 5 ? len : 5);
	return (ssize_t)(len < 5 ? len : 5);
}

START_TEST(test_os_random)
{
	uint8_t a[64], b[64];
	CK_OK(hec_random_os(a, sizeof a));
	CK_OK(hec_random_os(b, sizeof b));
	ck_assert(memcmp(a, b, sizeof a)); /* 2^-512 to fail */
	CK_OK(hec_random_os(a, 0));

	ssize_t (*saved)(void *, size_t, unsigned) = _hec_random_source;
	ssize_t (*const failing[])(void *, size_t, unsigned) = {fail_enosys, return_zero, short_then_fail};
	for (size_t i = 0; i < 3; i++) {
		_hec_random_source = failing[i];
		calls = 0;
		memset(a, 0x11, sizeof a);
		ck_assert_int_eq(hec_random_os(a, sizeof a), HEC_ERR_RANDOM);
		ck_assert_msg(strstr(hec_error_detail(), "getrandom"), "%s", hec_error_detail());
		for (size_t k = 0; k < sizeof a; k++)
			ck_assert_uint_eq(a[k], 0); /* nothing that looks random is left */
		hec_prng g;
		ck_assert_int_eq(hec_prng_init_os(&g, HEC_STREAM_SECRET), HEC_ERR_RANDOM);
	}
	_hec_random_source = eintr_and_short;
	calls = 0;
	CK_OK(hec_random_os(a, 23));
	ck_assert_int_eq(calls, 10); /* 5 interrupted calls, 5 short reads */
	ck_assert_uint_eq(a[22], 0x5a);
	_hec_random_source = saved;
	hec_prng g;
	CK_OK(hec_prng_init_os(&g, HEC_STREAM_SECRET));
	hec_prng_clear(&g);
}
END_TEST

/* The chi-square critical value at significance 0.001 for d degrees of
 * freedom (Wilson-Hilferty approximation, within 0.5% for d >= 2): a correct
 * sampler fails a given fixed seed with probability about 1/1000. */
static double chi2_crit(double d)
{
	const double z = 3.0902; /* the standard normal's 0.999 quantile */
	double t = 1 - 2 / (9 * d) + z * sqrt(2 / (9 * d));
	return d * t * t * t;
}

static void make_prng(hec_prng *g, uint64_t seed)
{
	uint8_t s[32] = {0};
	for (int i = 0; i < 8; i++)
		s[i] = (uint8_t)(seed >> (8 * i));
	hec_prng_init(g, s, HEC_STREAM_PUBLIC);
}

/* Uniform: below q, 16-bin chi-square per prime, mean q/2, reproducible
 * from the seed, NTT form. */
START_TEST(test_sample_uniform)
{
	uint64_t seed = test_seed(0x0a1f);
	hec_ring *r = make_ring(4096, 3, 50, 1, 30);
	hec_prng g;
	make_prng(&g, seed);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 3, false), b = new_poly(r, HEC_BASIS_Q, 3, false);
	hec_poly p = new_poly(r, HEC_BASIS_P, 1, false);
	hec_sample_uniform(&a, &g);
	hec_sample_uniform(&p, &g);
	ck_assert(a.ntt && p.ntt);
	const size_t n = 4096;
	for (int which = 0; which < 2; which++) {
		hec_poly *x = which ? &p : &a;
		for (size_t i = 0; i < x->limbs; i++) {
			const uint64_t q = poly_prime(x, i);
			double count[16] = {0}, sum = 0;
			for (size_t k = 0; k < n; k++) {
				uint64_t v = hec_poly_limb(x, i)[k];
				ck_assert(v < q);
				count[(size_t)(((hec_u128)v * 16) / q)]++;
				sum += (double)v / (double)q;
			}
			double chi = 0, e = n / 16.0;
			for (int c = 0; c < 16; c++)
				chi += (count[c] - e) * (count[c] - e) / e;
			ck_assert_msg(chi < chi2_crit(15), "uniform chi2 %.1f limb %zu seed=0x%llx", chi, i,
			              (unsigned long long)seed);
			/* Mean of v/q: 1/2, standard deviation 1/sqrt(12 n). */
			ck_assert_msg(fabs(sum / n - 0.5) < 5 / sqrt(12.0 * n), "uniform mean seed=0x%llx",
			              (unsigned long long)seed);
		}
	}
	/* The seed reproduces the polynomial; a prefix level reproduces the
	 * first limbs. */
	make_prng(&g, seed);
	hec_sample_uniform(&b, &g);
	ck_assert(poly_equal(&a, &b));
	make_prng(&g, seed);
	hec_poly_drop_limbs(&b, 2);
	hec_sample_uniform(&b, &g);
	ck_assert(!memcmp(a.c, b.c, 2 * n * sizeof(uint64_t)));
	hec_prng_clear(&g);
	hec_poly_clear(&a);
	hec_poly_clear(&b);
	hec_poly_clear(&p);
	hec_ring_free(r);
}
END_TEST

/* The signed value a limb's residue encodes (|v| < q/2). */
static int64_t residue_value(uint64_t v, uint64_t q)
{
	return v > q / 2 ? -(int64_t)(q - v) : (int64_t)v;
}

/* Every limb holds the same small integer; returns it per coefficient. */
static void check_consistent(const hec_poly *x, int64_t *v)
{
	size_t n = hec_ring_n(x->ring);
	for (size_t k = 0; k < n; k++) {
		v[k] = residue_value(hec_poly_limb(x, 0)[k], poly_prime(x, 0));
		for (size_t i = 1; i < x->limbs; i++)
			ck_assert_int_eq(residue_value(hec_poly_limb(x, i)[k], poly_prime(x, i)), v[k]);
	}
}

START_TEST(test_sample_ternary)
{
	uint64_t seed = test_seed(0x7e7);
	const size_t n = 4096;
	hec_ring *r = make_ring(n, 3, 50, 0, 0);
	hec_prng g;
	make_prng(&g, seed);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 3, true);
	int64_t *v = malloc(n * sizeof *v);
	double count[3] = {0};
	for (int rep = 0; rep < 4; rep++) {
		hec_sample_ternary(&a, &g);
		ck_assert(!a.ntt);
		check_consistent(&a, v);
		for (size_t k = 0; k < n; k++) {
			ck_assert(v[k] >= -1 && v[k] <= 1);
			count[v[k] + 1]++;
		}
	}
	double e = 4.0 * n / 3, chi = 0;
	for (int c = 0; c < 3; c++)
		chi += (count[c] - e) * (count[c] - e) / e;
	ck_assert_msg(chi < chi2_crit(2), "ternary chi2 %.2f seed=0x%llx", chi, (unsigned long long)seed);
	free(v);
	hec_prng_clear(&g);
	hec_poly_clear(&a);
	hec_ring_free(r);
}
END_TEST

/* Fixed Hamming weight: exactly h nonzero values of +-1, every position
 * equally likely (chi-square over positions), balanced signs. */
START_TEST(test_sample_hw)
{
	uint64_t seed = test_seed(0x4a3);
	const size_t n = 64, h = 16, reps = 400;
	hec_ring *r = make_ring(n, 2, 40, 1, 30);
	hec_prng g;
	make_prng(&g, seed);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 2, false), p = new_poly(r, HEC_BASIS_P, 1, false);
	int64_t v[64];
	double pos[64] = {0}, plus = 0;
	for (size_t rep = 0; rep < reps; rep++) {
		CK_OK(hec_sample_ternary_hw(&a, &g, h));
		check_consistent(&a, v);
		size_t nz = 0;
		for (size_t k = 0; k < n; k++) {
			ck_assert(v[k] >= -1 && v[k] <= 1);
			nz += v[k] != 0;
			pos[k] += v[k] != 0;
			plus += v[k] == 1;
		}
		ck_assert_uint_eq(nz, h);
	}
	double e = (double)reps * h / n, chi = 0;
	for (size_t k = 0; k < n; k++)
		chi += (pos[k] - e) * (pos[k] - e) / e;
	/* Positions are not independent across k (exactly h per sample), which
	 * only makes the statistic smaller: the threshold stays sound. */
	ck_assert_msg(chi < chi2_crit(63), "positions chi2 %.1f seed=0x%llx", chi, (unsigned long long)seed);
	double total = (double)reps * h;
	ck_assert_msg(fabs(plus / total - 0.5) < 5 * 0.5 / sqrt(total), "signs seed=0x%llx", (unsigned long long)seed);
	/* Edges. */
	CK_OK(hec_sample_ternary_hw(&p, &g, 0));
	check_consistent(&p, v);
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(v[k], 0);
	CK_OK(hec_sample_ternary_hw(&a, &g, n));
	check_consistent(&a, v);
	for (size_t k = 0; k < n; k++)
		ck_assert(v[k] == 1 || v[k] == -1);
	ck_assert_int_eq(hec_sample_ternary_hw(&a, &g, n + 1), HEC_ERR_ARG);
	hec_prng_clear(&g);
	hec_poly_clear(&a);
	hec_poly_clear(&p);
	hec_ring_free(r);
}
END_TEST

/* Error: centered binomial eta = 21.  Bounds, mean 0, variance 10.5, and
 * a chi-square against the exact probabilities C(42, e + 21) / 2^42. */
START_TEST(test_sample_error)
{
	uint64_t seed = test_seed(0xe77);
	const size_t n = 4096, reps = 4, N = n * reps;
	hec_ring *r = make_ring(n, 3, 45, 0, 0);
	hec_prng g;
	make_prng(&g, seed);
	hec_poly a = new_poly(r, HEC_BASIS_Q, 3, false);
	int64_t *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
	double hist[43] = {0}, sum = 0, sq = 0;
	for (size_t rep = 0; rep < reps; rep++) {
		hec_sample_error(&a, &g, rep ? v : NULL);
		check_consistent(&a, w);
		for (size_t k = 0; k < n; k++) {
			if (rep)
				ck_assert_int_eq(v[k], w[k]);
			ck_assert(w[k] >= -21 && w[k] <= 21);
			hist[w[k] + 21]++;
			sum += (double)w[k];
			sq += (double)(w[k] * w[k]);
		}
	}
	double mean = sum / N, var = sq / N - mean * mean;
	/* sigma^2 = 10.5; std. error of the mean sigma / sqrt(N); of the
	 * variance about sigma^2 sqrt(2 / N). */
	ck_assert_msg(fabs(mean) < 5 * sqrt(10.5 / N), "mean %.4f seed=0x%llx", mean, (unsigned long long)seed);
	ck_assert_msg(fabs(var - 10.5) < 5 * 10.5 * sqrt(2.0 / N), "variance %.3f seed=0x%llx", var,
	              (unsigned long long)seed);
	/* Bins -9..9 and the two tails (each with expectation >= 5). */
	double chi = 0, lo = 0, hi = 0, plo = 0, phi = 0;
	for (int e = -21; e <= 21; e++) {
		double pr = 1;
		/* C(42, e + 21) / 2^42 by a product, in floating point. */
		for (int i = 1; i <= e + 21; i++)
			pr *= (double)(42 - (e + 21) + i) / i;
		pr = ldexp(pr, -42);
		double cnt = hist[e + 21];
		if (e <= -10) {
			lo += cnt, plo += pr;
		} else if (e >= 10) {
			hi += cnt, phi += pr;
		} else {
			chi += (cnt - N * pr) * (cnt - N * pr) / (N * pr);
		}
	}
	chi += (lo - N * plo) * (lo - N * plo) / (N * plo) + (hi - N * phi) * (hi - N * phi) / (N * phi);
	ck_assert_msg(chi < chi2_crit(20), "error chi2 %.1f seed=0x%llx", chi, (unsigned long long)seed);
	free(v);
	free(w);
	hec_prng_clear(&g);
	hec_poly_clear(&a);
	hec_ring_free(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ring-random");
	TCase *tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_chacha_block);
	tcase_add_test(tc, test_chacha_encrypt);
	tcase_add_test(tc, test_prng_stream);
	tcase_add_test(tc, test_os_random);
	tcase_add_test(tc, test_sample_uniform);
	tcase_add_test(tc, test_sample_ternary);
	tcase_add_test(tc, test_sample_hw);
	tcase_add_test(tc, test_sample_error);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
