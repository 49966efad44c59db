/* Back-propagation against central finite differences, for every
 * trainable parameter of a network holding each layer kind (convolution
 * with stride and padding, trained polynomial, average pooling, dense),
 * for the softmax and the logistic loss. */
#include <math.h>
#include <stdlib.h>

#include "mltest.h"

static float frand(test_rng *r, float a)
{
	return (float)(((double)test_rng_next(r) / 18446744073709551616.0 * 2 - 1) * a);
}

static void check_grad(hec_ml_model *m, test_rng *r, size_t n_samples, size_t n_classes)
{
	size_t np = hec_ml_model_param_count(m), in = 784 / (hec_ml_model_input(m).pool *
	                                                     hec_ml_model_input(m).pool);
	float *p = malloc(np * sizeof *p), *g = malloc(np * sizeof *g), *dummy = malloc(np * sizeof *g);
	float *x = malloc(n_samples * in * sizeof *x);
	unsigned *cls = malloc(n_samples * sizeof *cls);
	CK_OK(hec_ml_model_param_get(m, p));
	for (size_t i = 0; i < np; i++)
		p[i] = frand(r, 0.4f);
	CK_OK(hec_ml_model_param_set(m, p));
	for (size_t i = 0; i < n_samples * in; i++)
		x[i] = frand(r, 1.0f);
	for (size_t i = 0; i < n_samples; i++)
		cls[i] = (unsigned)test_rng_below(r, n_classes);
	double loss;
	CK_OK(hec_ml_model_loss_grad(m, &loss, g, x, cls, n_samples));
	ck_assert(isfinite(loss));
	size_t checked = 0;
	for (size_t i = 0; i < np; i++) {
		/* Central difference in float32 arithmetic: h balances truncation
		 * (O(h^2)) against rounding of the loss (~1e-7 / h). */
		const float h = 1e-2f;
		float save = p[i];
		double lp, lm;
		p[i] = save + h;
		CK_OK(hec_ml_model_param_set(m, p));
		CK_OK(hec_ml_model_loss_grad(m, &lp, dummy, x, cls, n_samples));
		p[i] = save - h;
		CK_OK(hec_ml_model_param_set(m, p));
		CK_OK(hec_ml_model_loss_grad(m, &lm, dummy, x, cls, n_samples));
		p[i] = save;
		double fd = (lp - lm) / (2.0 * h);
		double tol = 2e-3 + 2e-2 * fabs(fd);
		ck_assert_msg(fabs(fd - g[i]) <= tol, "param %zu of %zu: backprop %.6g, finite difference %.6g "
		              SEED_FMT, i, np, (double)g[i], fd, SEED_ARG(r));
		checked++;
	}
	CK_OK(hec_ml_model_param_set(m, p));
	ck_assert_uint_eq(checked, np);
	free(p);
	free(g);
	free(dummy);
	free(x);
	free(cls);
}

START_TEST(test_grad_cnn)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x6ad1));
	static const unsigned labels[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	hec_ml_input_t in = {1, 0.0f, 1.0f};
	hec_ml_model *m;
	CK_OK(hec_ml_model_new(&m, "mnist", &in, HEC_ML_MULTICLASS, labels, 10));
	double act[3] = {0.05, 0.9, 0.2};
	CK_OK(hec_ml_model_add_conv(m, 2, 5, 2, 1));      /* 2 x 13 x 13 */
	CK_OK(hec_ml_model_add_poly(m, act, 3));
	CK_OK(hec_ml_model_add_avgpool(m, 2));            /* 2 x 6 x 6 */
	CK_OK(hec_ml_model_add_conv(m, 3, 3, 1, 0));      /* 3 x 4 x 4 */
	CK_OK(hec_ml_model_add_poly(m, act, 3));
	CK_OK(hec_ml_model_add_dense(m, 5));
	CK_OK(hec_ml_model_add_poly(m, act, 3));
	CK_OK(hec_ml_model_add_dense(m, 10));
	for (size_t i = 0; i < hec_ml_model_layer_count(m); i++) {
		hec_ml_layer_t L;
		CK_OK(hec_ml_model_layer(&L, m, i));
		if (L.kind == HEC_ML_POLY)
			CK_OK(hec_ml_model_poly_set_trainable(m, i, 1));
	}
	check_grad(m, &r, 3, 10);
	hec_ml_model_free(m);
}
END_TEST

START_TEST(test_grad_logistic)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x6ad2));
	static const unsigned labels[2] = {3, 8};
	hec_ml_input_t in = {2, 0.0f, 1.0f};
	hec_ml_model *m;
	CK_OK(hec_ml_model_new(&m, "mnist", &in, HEC_ML_BINARY, labels, 2));
	CK_OK(hec_ml_model_add_dense(m, 1));
	double sig3[4];
	CK_OK(hec_ml_sigmoid_fit(sig3, 3, 8.0));
	CK_OK(hec_ml_model_add_poly(m, sig3, 4)); /* skipped by the loss */
	check_grad(m, &r, 4, 2);
	hec_ml_model_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ml-grad");
	TCase *t = tcase_create("grad");
	tcase_set_timeout(t, 600);
	tcase_add_test(t, test_grad_cnn);
	tcase_add_test(t, test_grad_logistic);
	suite_add_tcase(s, t);
	return s;
}

TEST_MAIN(suite)
