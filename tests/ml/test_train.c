/* Training: a small separable synthetic set is learnt to 100%; the same
 * seed gives the same model bit for bit, also with 1 and 2 OpenMP threads
 * (the chunked, fixed-order gradient sum); the logistic-regression trainer
 * separates a separable task with every sigmoid variant. */
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "mltest.h"

/* n images of 10 classes: class c is a bright 6 x 6 square at a
 * class-specific place plus faint noise. */
static hec_ml_dataset *synthetic(size_t n, uint64_t seed)
{
	test_rng r;
	test_rng_init(&r, seed);
	uint8_t *px = calloc(n * 784, 1), *lab = malloc(n);
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned)(i % 10);
		lab[i] = (uint8_t)c;
		size_t x0 = 2 + (c % 5) * 5, y0 = c < 5 ? 4 : 16;
		for (size_t k = 0; k < 784; k++)
			px[i * 784 + k] = (uint8_t)test_rng_below(&r, 40);
		for (size_t y = y0; y < y0 + 6; y++)
			for (size_t x = x0; x < x0 + 6; x++)
				px[i * 784 + y * 28 + x] = (uint8_t)(200 + test_rng_below(&r, 56));
	}
	hec_ml_dataset *d;
	CK_OK(hec_ml_dataset_new(&d, "mnist", px, lab, n, 28, 28));
	free(px);
	free(lab);
	return d;
}

static void small_opts(hec_ml_train_opts_t *o, hec_ml_arch arch)
{
	hec_ml_train_opts_default(o, arch, "mnist");
	o->epochs = 6;
	o->batch = 32;
	o->chunk = 8;
	o->maps1 = 3;
	o->maps2 = 4;
	o->hidden = 16;
	o->lr = 5e-3f;
	o->shift = 1;
	o->seed = 42;
}

static void bytes_of(hec_ml_model *m, uint8_t **b, size_t *n)
{
	CK_OK(hec_ml_model_serialize(b, n, m));
}

START_TEST(test_cnn_learns_separable)
{
	hec_ml_dataset *d = synthetic(320, test_seed(0x7a11));
	for (int a = 0; a < 2; a++) {
		hec_ml_train_opts_t o;
		small_opts(&o, a ? HEC_ML_ARCH_DEEP : HEC_ML_ARCH_CRYPTONETS);
		hec_ml_model *m;
		CK_OK(hec_ml_train_cnn(&m, d, NULL, &o));
		size_t c, t;
		CK_OK(hec_ml_model_evaluate(m, d, &c, &t, NULL));
		ck_assert_uint_eq(t, 320);
		ck_assert_msg(c == t, "arch %d: %zu / %zu correct", a, c, t);
		ck_assert_uint_le(hec_ml_model_mult_depth(m), a ? 7u : 5u);
		hec_ml_model_free(m);
	}
	hec_ml_dataset_free(d);
}
END_TEST

START_TEST(test_cnn_deterministic)
{
	hec_ml_dataset *d = synthetic(160, test_seed(0x7a12));
	hec_ml_train_opts_t o;
	small_opts(&o, HEC_ML_ARCH_DEEP);
	o.epochs = 2;
	uint8_t *b[3];
	size_t n[3];
	for (int run = 0; run < 3; run++) {
#ifdef _OPENMP
		omp_set_num_threads(run == 2 ? 1 : 2);
#endif
		hec_ml_model *m;
		CK_OK(hec_ml_train_cnn(&m, d, NULL, &o));
		bytes_of(m, &b[run], &n[run]);
		hec_ml_model_free(m);
	}
	ck_assert_uint_eq(n[0], n[1]);
	ck_assert_msg(!memcmp(b[0], b[1], n[0]), "same seed, different model");
	ck_assert_uint_eq(n[0], n[2]);
	ck_assert_msg(!memcmp(b[0], b[2], n[0]), "1 thread and 2 threads give different models");
	/* Another seed gives another model. */
	o.seed = 43;
	hec_ml_model *m;
	CK_OK(hec_ml_train_cnn(&m, d, NULL, &o));
	uint8_t *b4;
	size_t n4;
	bytes_of(m, &b4, &n4);
	ck_assert(n4 == n[0] && memcmp(b4, b[0], n4));
	hec_ml_model_free(m);
	for (int i = 0; i < 3; i++)
		free(b[i]);
	free(b4);
	hec_ml_dataset_free(d);
}
END_TEST

START_TEST(test_cnn_rejects)
{
	hec_ml_dataset *d = synthetic(40, 1);
	hec_ml_train_opts_t o;
	small_opts(&o, HEC_ML_ARCH_CRYPTONETS);
	hec_ml_model *m;
	o.batch = 30; /* not a multiple of chunk 8 */
	ck_assert_int_eq(hec_ml_train_cnn(&m, d, NULL, &o), HEC_ERR_ARG);
	o.batch = 64; /* more than the data */
	ck_assert_int_eq(hec_ml_train_cnn(&m, d, NULL, &o), HEC_ERR_ARG);
	o.batch = 32;
	o.epochs = 0;
	ck_assert_int_eq(hec_ml_train_cnn(&m, d, NULL, &o), HEC_ERR_ARG);
	hec_ml_dataset_free(d);
}
END_TEST

/* Labels 3 and 8 (plus distractors): 3 lights the left half, 8 the right. */
static hec_ml_dataset *synthetic_lr(size_t n, uint64_t seed)
{
	test_rng r;
	test_rng_init(&r, seed);
	uint8_t *px = calloc(n * 784, 1), *lab = malloc(n);
	for (size_t i = 0; i < n; i++) {
		unsigned c = i % 3 == 0 ? 3 : i % 3 == 1 ? 8 : 5;
		lab[i] = (uint8_t)c;
		for (size_t y = 0; y < 28; y++)
			for (size_t x = 0; x < 28; x++) {
				int lit = (c == 3 && x < 12) || (c == 8 && x >= 16) || (c == 5 && y < 5);
				px[i * 784 + y * 28 + x] = (uint8_t)(lit ? 120 + test_rng_below(&r, 136)
				                                         : test_rng_below(&r, 90));
			}
	}
	hec_ml_dataset *d;
	CK_OK(hec_ml_dataset_new(&d, "mnist", px, lab, n, 28, 28));
	free(px);
	free(lab);
	return d;
}

START_TEST(test_lr_learns_and_is_deterministic)
{
	hec_ml_dataset *d = synthetic_lr(600, test_seed(0x7a13));
	static const unsigned degs[4] = {0, 3, 5, 7};
	for (int k = 0; k < 4; k++) {
		hec_ml_lr_opts_t o;
		hec_ml_lr_opts_default(&o, HEC_ML_LR_MNIST_3V8);
		o.degree = degs[k];
		o.iterations = 60;
		o.batch = 100;
		hec_ml_model *m, *m2;
		CK_OK(hec_ml_train_lr(&m, d, &o));
		size_t c, t;
		CK_OK(hec_ml_model_evaluate(m, d, &c, &t, NULL));
		ck_assert_uint_eq(t, 400); /* the 5s are not part of the task */
		ck_assert_msg(c == t, "degree %u: %zu / %zu", degs[k], c, t);
		ck_assert_uint_eq(hec_ml_model_output_count(m), 1);
		CK_OK(hec_ml_train_lr(&m2, d, &o));
		uint8_t *b1, *b2;
		size_t n1, n2;
		bytes_of(m, &b1, &n1);
		bytes_of(m2, &b2, &n2);
		ck_assert(n1 == n2 && !memcmp(b1, b2, n1));
		free(b1);
		free(b2);
		hec_ml_model_free(m);
		hec_ml_model_free(m2);
	}
	hec_ml_lr_opts_t o;
	hec_ml_lr_opts_default(&o, HEC_ML_LR_MNIST_3V8);
	o.degree = 4;
	hec_ml_model *m;
	ck_assert_int_eq(hec_ml_train_lr(&m, d, &o), HEC_ERR_ARG);
	hec_ml_dataset_free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ml-train");
	TCase *t = tcase_create("train");
	tcase_set_timeout(t, 600);
	tcase_add_test(t, test_cnn_learns_separable);
	tcase_add_test(t, test_cnn_deterministic);
	tcase_add_test(t, test_cnn_rejects);
	tcase_add_test(t, test_lr_learns_and_is_deterministic);
	suite_add_tcase(s, t);
	return s;
}

TEST_MAIN(suite)
