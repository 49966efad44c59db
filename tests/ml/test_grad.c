/* Back-propagation against central finite differences, for every
 * trainable parameter of a network holding each layer kind (convolution
 * with stride and padding, trained polynomial, average pooling, dense),
 * for the softmax and the logistic loss. */
#include <math.h>
#include <stdlib.h>

#include "ml_internal.h"
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

/* The AVX2 kernels against the portable twins, bit for bit, on every
 * layer kind, forward and backward (the reason both give the same trained
 * model). */
START_TEST(test_kernels_agree)
{
#ifdef HECATE_ML_AVX2
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2")) {
		printf("SKIP: CPU without AVX2\n");
		return;
	}
	test_rng r;
	test_rng_init(&r, test_seed(0x6ad3));
	static const unsigned labels[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	hec_ml_input_t in = {1, 0.0f, 1.0f};
	hec_ml_model *m;
	CK_OK(hec_ml_model_new(&m, "mnist", &in, HEC_ML_MULTICLASS, labels, 10));
	double act[3] = {0.05, 0.9, 0.2};
	CK_OK(hec_ml_model_add_conv(m, 5, 5, 2, 1));
	CK_OK(hec_ml_model_add_poly(m, act, 3));
	CK_OK(hec_ml_model_add_avgpool(m, 2));
	CK_OK(hec_ml_model_add_conv(m, 7, 3, 1, 1));
	CK_OK(hec_ml_model_add_dense(m, 37));
	CK_OK(hec_ml_model_add_poly(m, act, 3));
	CK_OK(hec_ml_model_add_dense(m, 10));
	size_t np = hec_ml_model_param_count(m);
	float *p = malloc(np * sizeof *p);
	for (size_t i = 0; i < np; i++)
		p[i] = frand(&r, 0.5f);
	CK_OK(hec_ml_model_param_set(m, p));
	free(p);
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct ml_layer *L = &m->layers[i];
		size_t ni = ml_in_size(L), no = ml_out_size(L), ns = ml_layer_scratch(L) + 1;
		float *x = malloc(ni * sizeof *x), *d = malloc(no * sizeof *d);
		float *o[2], *di[2], *gw[2], *gb[2], *sc = malloc(ns * sizeof *sc);
		double gc[2][HEC_ML_MAX_POLY_DEGREE + 1] = {{0}};
		for (size_t j = 0; j < ni; j++)
			x[j] = frand(&r, 2.0f);
		for (size_t j = 0; j < no; j++)
			d[j] = frand(&r, 1.0f);
		for (int k = 0; k < 2; k++) {
			o[k] = calloc(no, sizeof(float));
			di[k] = calloc(ni, sizeof(float));
			gw[k] = calloc(L->nw + 1, sizeof(float));
			gb[k] = calloc(L->nb + 1, sizeof(float));
			(k ? ml_layer_forward_avx2 : ml_layer_forward_portable)(L, o[k], x, sc);
			(k ? ml_layer_backward_avx2 : ml_layer_backward_portable)(L, di[k], gw[k], gb[k], gc[k],
			                                                          x, d, sc);
		}
		ck_assert_msg(!memcmp(o[0], o[1], no * sizeof(float)), "layer %zu forward differs", i);
		ck_assert_msg(!memcmp(di[0], di[1], ni * sizeof(float)), "layer %zu input grad differs", i);
		ck_assert_msg(!memcmp(gw[0], gw[1], L->nw * sizeof(float)), "layer %zu weight grad differs", i);
		ck_assert_msg(!memcmp(gb[0], gb[1], L->nb * sizeof(float)), "layer %zu bias grad differs", i);
		ck_assert(!memcmp(gc[0], gc[1], sizeof gc[0]));
		for (int k = 0; k < 2; k++) {
			free(o[k]);
			free(di[k]);
			free(gw[k]);
			free(gb[k]);
		}
		free(x);
		free(d);
		free(sc);
	}
	hec_ml_model_free(m);
#else
	printf("SKIP: built without the AVX2 kernel\n");
#endif
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ml-grad");
	TCase *t = tcase_create("grad");
	tcase_set_timeout(t, 600);
	tcase_add_test(t, test_grad_cnn);
	tcase_add_test(t, test_grad_logistic);
	tcase_add_test(t, test_kernels_agree);
	suite_add_tcase(s, t);
	return s;
}

TEST_MAIN(suite)
