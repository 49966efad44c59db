/* Encrypted CNN inference: the folded plan against the model's own float
 * forward pass, and the encrypted scores against the plan's plain
 * evaluation within a bound derived from the parameters; the argmax
 * agrees; the rotation keys are exactly those the plan names. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "hecate/ml.h"
#include "testutil.h"

extern ssize_t (*_hec_random_source)(void *buf, size_t len, unsigned flags);
static test_rng det;
static ssize_t det_source(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	for (size_t i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)test_rng_next(&det);
	return (ssize_t)len;
}

static double uni(test_rng *r, double a)
{
	return a * (2.0 * (double)test_rng_next(r) / 0x1p64 - 1.0);
}

/* A small CryptoNets-shaped model with random weights: conv 5x5 stride 2
 * (maps), poly, dense hidden, poly, dense 10; optionally an extra conv and
 * an average pool (the deeper shape). */
static hec_ml_model *random_model(test_rng *r, size_t maps, size_t hidden, bool deep)
{
	hec_ml_input_t in = {1, 0.1307f, 0.3081f};
	unsigned labels[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	hec_ml_model *m;
	ck_assert_int_eq(hec_ml_model_new(&m, "mnist", &in, HEC_ML_MULTICLASS, labels, 10), HEC_OK);
	double act[3] = {-0.2, 0.85, 0.15};
	ck_assert_int_eq(hec_ml_model_add_conv(m, maps, 5, 2, 1), HEC_OK);
	ck_assert_int_eq(hec_ml_model_add_poly(m, act, 3), HEC_OK);
	if (deep) {
		ck_assert_int_eq(hec_ml_model_add_conv(m, 4, 3, 2, 0), HEC_OK);
		ck_assert_int_eq(hec_ml_model_add_poly(m, act, 3), HEC_OK);
		ck_assert_int_eq(hec_ml_model_add_avgpool(m, 2), HEC_OK);
	}
	ck_assert_int_eq(hec_ml_model_add_dense(m, hidden), HEC_OK);
	ck_assert_int_eq(hec_ml_model_add_poly(m, act, 3), HEC_OK);
	ck_assert_int_eq(hec_ml_model_add_dense(m, 10), HEC_OK);
	for (size_t i = 0; i < hec_ml_model_layer_count(m); i++) {
		hec_ml_layer_t L;
		hec_ml_model_layer(&L, m, i);
		float *w = hec_ml_model_weights(m, i), *b = hec_ml_model_bias(m, i);
		double fan =
		    L.kind == HEC_ML_CONV ? (double)(L.in_c * L.k * L.k) : (double)(L.in_c * L.in_h * L.in_w);
		for (size_t j = 0; w && j < L.n_weights; j++)
			w[j] = (float)uni(r, 1.5 / sqrt(fan));
		for (size_t j = 0; b && j < L.out_c; j++)
			b[j] = (float)uni(r, 0.1);
	}
	return m;
}

static void random_input(test_rng *r, const hec_ml_model *m, float *input)
{
	float px[784];
	for (int i = 0; i < 784; i++)
		px[i] = (float)((double)test_rng_next(r) / 0x1p64);
	hec_ml_model_prepare_input(m, input, px);
}

START_TEST(test_plan_matches_model)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xc4a + (uint64_t)_i));
	hec_ml_model *m = random_model(&r, 5, 100, _i == 1);
	hec_ml_enc_plan *p;
	ck_assert_msg(hec_ml_enc_plan_new(&p, m) == HEC_OK, "%s", hec_error_detail());
	ck_assert_uint_eq(hec_ml_enc_plan_depth(p), _i == 1 ? 8 : 6);
	for (int t = 0; t < 5; t++) {
		float input[784], out[10];
		double sim[10];
		random_input(&r, m, input);
		ck_assert_int_eq(hec_ml_model_forward(m, out, input), HEC_OK);
		ck_assert_int_eq(hec_ml_enc_plan_simulate(p, sim, input), HEC_OK);
		for (int i = 0; i < 10; i++)
			ck_assert_msg(fabs(sim[i] - out[i]) <= 1e-4 * (1 + fabs(out[i])),
			              "class %d: %g vs %g " SEED_FMT, i, sim[i], (double)out[i],
			              SEED_ARG(&r));
	}
	char buf[2048];
	hec_ml_enc_plan_describe(p, buf, sizeof buf);
	ck_assert(strstr(buf, "mask:") != NULL);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
}
END_TEST

START_TEST(test_encrypted_matches_plain)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xe1c));
	test_rng_init(&det, r.seed ^ 0x5a5a);
	_hec_random_source = det_source;
	hec_ml_model *m = random_model(&r, 5, 100, false);
	hec_ml_enc_plan *p;
	ck_assert_int_eq(hec_ml_enc_plan_new(&p, m), HEC_OK);
	hec_params_t params;
	ck_assert_msg(hec_ml_enc_plan_params(p, &params) == HEC_OK, "%s", hec_error_detail());
	hec_context *c;
	ck_assert_int_eq(hec_context_new(&c, &params), HEC_OK);
	ck_assert(hec_context_is_secure(c));
	int64_t steps[256];
	size_t ns = hec_ml_enc_plan_steps(p, steps, 256);
	ck_assert_uint_le(ns, 256);
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	ck_assert_int_eq(hec_secret_key_new(&sk, c), HEC_OK);
	ck_assert_int_eq(hec_public_key_new(&pk, sk), HEC_OK);
	ck_assert_int_eq(hec_eval_keys_new(&ek, sk, true, steps, ns, false), HEC_OK);
	ck_assert_uint_eq(hec_eval_keys_count(ek), ns);
	hec_ml_enc_model *em;
	ck_assert_msg(hec_ml_enc_model_new(&em, p, c) == HEC_OK, "%s", hec_error_detail());
	hec_evaluator *ev;
	ck_assert_int_eq(hec_evaluator_new(&ev, c, ek), HEC_OK);
	size_t nin = hec_ml_enc_plan_input_cts(p);
	hec_ciphertext *in[16], *out;
	for (size_t i = 0; i < nin; i++)
		ck_assert_int_eq(hec_ciphertext_new(&in[i], c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_new(&out, c), HEC_OK);
	/* One image: keeps the sanitizer build's run short (the second image
	 * exercised nothing new). */
	for (int t = 0; t < 1; t++) {
		float input[784];
		double sim[10], got[10];
		random_input(&r, m, input);
		ck_assert_int_eq(hec_ml_enc_plan_simulate(p, sim, input), HEC_OK);
		ck_assert_int_eq(hec_ml_enc_encrypt_input(p, sk, in, input), HEC_OK);
		ck_assert_msg(hec_ml_enc_classify(em, ev, pk, out, in) == HEC_OK, "%s", hec_error_detail());
		ck_assert_uint_eq(hec_ciphertext_level(out),
		                  hec_context_max_level(c) - hec_ml_enc_plan_depth(p));
		ck_assert_int_eq(hec_ml_enc_decrypt_scores(p, sk, out, got), HEC_OK);
		/* Error bound: CKKS noise at scale 2^36 (fresh ~ 2^-20 relative
		 * to the values, growing with each layer's l1 norm, here below
		 * 2^10 in total): 2^-8 absolute on scores of magnitude <= 2^4. */
		double maxabs = 0;
		unsigned a1 = 0, a2 = 0;
		for (int i = 0; i < 10; i++) {
			ck_assert_msg(fabs(got[i] - sim[i]) <= 0x1p-8 * (1 + fabs(sim[i])),
			              "class %d: %.9g vs %.9g " SEED_FMT, i, got[i], sim[i], SEED_ARG(&r));
			maxabs = fmax(maxabs, fabs(sim[i]));
			a1 = sim[i] > sim[a1] ? (unsigned)i : a1;
			a2 = got[i] > got[a2] ? (unsigned)i : a2;
		}
		ck_assert_uint_eq(a1, a2);
		/* Every slot but the scores is masked to (about) zero. */
		hec_plaintext *pt;
		double complex v[8192];
		ck_assert_int_eq(hec_plaintext_new(&pt, c), HEC_OK);
		ck_assert_int_eq(hec_decrypt(pt, sk, out), HEC_OK);
		ck_assert_int_eq(hec_ckks_decode(v, 8192, pt), HEC_OK);
		for (size_t i = 10; i < 8192; i++)
			ck_assert_msg(cabs(v[i]) < 0x1p-8, "slot %zu not masked: %g", i, cabs(v[i]));
		hec_plaintext_free(pt);
	}
	/* A wrong input: ciphertexts at a lower level are refused. */
	ck_assert_int_eq(hec_ckks_drop_to_level(ev, in[0], in[0], 1), HEC_OK);
	ck_assert_int_eq(hec_ml_enc_classify(em, ev, pk, out, in), HEC_ERR_MISMATCH);
	for (size_t i = 0; i < nin; i++)
		hec_ciphertext_free(in[i]);
	hec_ciphertext_free(out);
	hec_evaluator_free(ev);
	hec_ml_enc_model_free(em);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_secret_key_free(sk);
	hec_context_free(c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
}
END_TEST

/* The throughput layout on a small (insecure, test-only) ring: a batch of
 * images in the slots, compared image by image with the plan. */
START_TEST(test_batch_matches_plain)
{
	test_rng r;
	test_rng_init(&r, test_seed(0xba7c4));
	test_rng_init(&det, r.seed ^ 0xa5a5);
	_hec_random_source = det_source;
	hec_ml_model *m = random_model(&r, 3, 20, false);
	hec_ml_enc_plan *p;
	ck_assert_int_eq(hec_ml_enc_plan_new(&p, m), HEC_OK);
	/* One level per linear layer (convolution, hidden, output), on the
	 * plan's own chain: 50-bit base, then the output layer's prime down to
	 * the convolution's; 128-bit secure at N = 2^14. */
	ck_assert_uint_eq(hec_ml_enc_batch_depth(p), 3);
	hec_params_t params;
	ck_assert_int_eq(hec_ml_enc_batch_params(p, HEC_SECURITY_128, &params), HEC_OK);
	ck_assert_uint_eq(params.log_n, 14);
	ck_assert_uint_eq(params.nq, 4);
	ck_assert_uint_eq(params.q_bits[0], 50);
	ck_assert_uint_eq(params.q_bits[1], 21 + 56 - 38);
	ck_assert_uint_eq(params.q_bits[2], 21 + 56 - 28);
	ck_assert_uint_eq(params.q_bits[3], 21 + 34 - 28);
	params.log_n = 7; /* 64 slots */
	hec_context *c;
	ck_assert_int_eq(hec_context_new_insecure(&c, &params), HEC_OK);
	hec_secret_key *sk;
	hec_eval_keys *ek;
	ck_assert_int_eq(hec_secret_key_new(&sk, c), HEC_OK);
	ck_assert_int_eq(hec_eval_keys_new(&ek, sk, true, NULL, 0, false), HEC_OK);
	hec_public_key *pk; /* the outputs are re-randomised with it */
	ck_assert_int_eq(hec_public_key_new(&pk, sk), HEC_OK);
	hec_evaluator *ev;
	ck_assert_int_eq(hec_evaluator_new(&ev, c, ek), HEC_OK);
	size_t nin = hec_ml_enc_batch_input_cts(p), count = 37;
	ck_assert_uint_eq(nin, 784);
	hec_ciphertext **in = malloc(nin * sizeof *in), *out[10];
	for (size_t i = 0; i < nin; i++)
		ck_assert_int_eq(hec_ciphertext_new(&in[i], c), HEC_OK);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(hec_ciphertext_new(&out[i], c), HEC_OK);
	float *inputs = malloc(count * 784 * sizeof *inputs);
	for (size_t i = 0; i < count; i++)
		random_input(&r, m, inputs + i * 784);
	ck_assert_int_eq(hec_ml_enc_batch_encrypt(p, sk, in, inputs, count), HEC_OK);
	ck_assert_msg(hec_ml_enc_batch_classify(p, ev, pk, out, in, NULL, NULL) == HEC_OK, "%s",
	              hec_error_detail());
	double *scores = malloc(count * 10 * sizeof *scores);
	ck_assert_int_eq(hec_ml_enc_batch_decrypt(p, sk, scores, count, out), HEC_OK);
	for (size_t i = 0; i < count; i++) {
		double sim[10];
		ck_assert_int_eq(hec_ml_enc_plan_simulate(p, sim, inputs + i * 784), HEC_OK);
		for (int k = 0; k < 10; k++)
			ck_assert_msg(fabs(scores[i * 10 + k] - sim[k]) <= 0x1p-8 * (1 + fabs(sim[k])),
			              "image %zu class %d: %.9g vs %.9g " SEED_FMT, i, k, scores[i * 10 + k],
			              sim[k], SEED_ARG(&r));
	}
	/* Too many images for the slots: a clear error. */
	ck_assert_int_eq(hec_ml_enc_batch_encrypt(p, sk, in, inputs, 65), HEC_ERR_ARG);
	/* A uniform 36-bit chain with as many levels would leave the hidden
	 * layer's weights 2^8 of scale after the unrescaled square: refused. */
	hec_params_t uniform = params;
	for (unsigned i = 1; i < uniform.nq; i++)
		uniform.q_bits[i] = 36;
	hec_context *cu;
	hec_secret_key *sku;
	hec_eval_keys *eku;
	hec_evaluator *evu;
	ck_assert_int_eq(hec_context_new_insecure(&cu, &uniform), HEC_OK);
	ck_assert_int_eq(hec_secret_key_new(&sku, cu), HEC_OK);
	ck_assert_int_eq(hec_eval_keys_new(&eku, sku, true, NULL, 0, false), HEC_OK);
	ck_assert_int_eq(hec_evaluator_new(&evu, cu, eku), HEC_OK);
	hec_ciphertext **inu = malloc(nin * sizeof *inu), *outu[10];
	for (size_t i = 0; i < nin; i++)
		ck_assert_int_eq(hec_ciphertext_new(&inu[i], cu), HEC_OK);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(hec_ciphertext_new(&outu[i], cu), HEC_OK);
	ck_assert_int_eq(hec_ml_enc_batch_encrypt(p, sku, inu, inputs, count), HEC_OK);
	ck_assert_int_eq(hec_ml_enc_batch_classify(p, evu, NULL, outu, inu, NULL, NULL), HEC_ERR_MISMATCH);
	for (size_t i = 0; i < nin; i++)
		hec_ciphertext_free(inu[i]);
	for (int i = 0; i < 10; i++)
		hec_ciphertext_free(outu[i]);
	free(inu);
	hec_evaluator_free(evu);
	hec_eval_keys_free(eku);
	hec_secret_key_free(sku);
	hec_context_free(cu);
	for (size_t i = 0; i < nin; i++)
		hec_ciphertext_free(in[i]);
	for (int i = 0; i < 10; i++)
		hec_ciphertext_free(out[i]);
	free(in);
	free(inputs);
	free(scores);
	hec_evaluator_free(ev);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_secret_key_free(sk);
	hec_context_free(c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
}
END_TEST

START_TEST(test_unsupported_shapes)
{
	hec_ml_input_t in = {1, 0, 1};
	unsigned labels[2] = {3, 8};
	hec_ml_model *m;
	ck_assert_int_eq(hec_ml_model_new(&m, "mnist", &in, HEC_ML_MULTICLASS, labels, 2), HEC_OK);
	ck_assert_int_eq(hec_ml_model_add_dense(m, 2), HEC_OK);
	hec_ml_enc_plan *p;
	ck_assert_int_eq(hec_ml_enc_plan_new(&p, m), HEC_ERR_UNSUPPORTED);
	ck_assert(strstr(hec_error_detail(), "convolution") != NULL);
	hec_ml_model_free(m);
	ck_assert_int_eq(hec_ml_model_new(&m, "mnist", &in, HEC_ML_MULTICLASS, labels, 2), HEC_OK);
	double cubic[4] = {0, 1, 0, 0.1};
	ck_assert_int_eq(hec_ml_model_add_conv(m, 2, 5, 2, 1), HEC_OK);
	ck_assert_int_eq(hec_ml_model_add_poly(m, cubic, 4), HEC_OK);
	ck_assert_int_eq(hec_ml_model_add_dense(m, 2), HEC_OK);
	ck_assert_int_eq(hec_ml_enc_plan_new(&p, m), HEC_ERR_UNSUPPORTED);
	ck_assert(strstr(hec_error_detail(), "degree") != NULL);
	hec_ml_model_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("enc_cnn");
	TCase *tc = tcase_create("enc_cnn");
	tcase_set_timeout(tc, 900);
	tcase_add_loop_test(tc, test_plan_matches_model, 0, 2);
	tcase_add_test(tc, test_encrypted_matches_plain);
	tcase_add_test(tc, test_batch_matches_plain);
	tcase_add_test(tc, test_unsupported_shapes);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
