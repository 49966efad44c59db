/* hecate-bench ml-batch: the throughput layout of encrypted CNN inference
 * (one image per slot, CryptoNets-style): images per second over a full
 * batch of real test images, and the agreement of the encrypted
 * predictions with the plaintext model's. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "hecate/hecate.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int fail(const char *what)
{
	fprintf(stderr, "hecate-bench ml-batch: %s: %s\n", what, hec_error_detail());
	return 1;
}

int bench_ml_batch(const struct bench_opts *o)
{
	char *path = bench_find_model(o->model ? o->model : o->preset ? o->preset : "mnist-cryptonets");
	if (!path)
		return fail("model path");
	static const unsigned default_threads[] = {2, 0};
	const unsigned *threads = o->threads[0] ? o->threads : default_threads;
	hec_ml_model *m;
	if (hec_ml_model_load(&m, path) != HEC_OK)
		return fail(path);
	hec_ml_enc_plan *p;
	if (hec_ml_enc_plan_new(&p, m) != HEC_OK)
		return fail("plan");
	hec_params_t params;
	if (hec_params_for_depth(&params, (unsigned)hec_ml_enc_batch_depth(p), 36, HEC_SECURITY_128, NULL, 0) != HEC_OK)
		return fail("parameters");
	hec_context *c;
	hec_secret_key *sk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	if (hec_context_new(&c, &params) != HEC_OK || hec_secret_key_new(&sk, c) != HEC_OK ||
	    hec_eval_keys_new(&ek, sk, true, NULL, 0, false) != HEC_OK || hec_evaluator_new(&ev, c, ek) != HEC_OK)
		return fail("keys");
	hec_ml_dataset *d;
	if (hec_ml_dataset_load(&d, hec_ml_model_dataset(m), HEC_ML_TEST, NULL) != HEC_OK)
		return fail("data set");
	size_t count = hec_context_slots(c);
	if (o->ns[0] && o->ns[0] < count)
		count = o->ns[0]; /* --n limits the batch */
	if (count > hec_ml_dataset_count(d))
		count = hec_ml_dataset_count(d);
	size_t in = hec_ml_model_input_size(m), nout = hec_ml_model_output_count(m), nin = hec_ml_enc_batch_input_cts(p);
	float *inputs = malloc(count * in * sizeof *inputs);
	double *scores = malloc(count * nout * sizeof *scores);
	hec_ciphertext **cin = calloc(nin, sizeof *cin), **cout = calloc(nout, sizeof *cout);
	for (size_t i = 0; i < nin; i++)
		hec_ciphertext_new(&cin[i], c);
	for (size_t i = 0; i < nout; i++)
		hec_ciphertext_new(&cout[i], c);
	for (size_t i = 0; i < count; i++)
		hec_ml_model_prepare_input_u8(m, inputs + i * in, hec_ml_dataset_image(d, i));
	char fields[256];
	snprintf(fields, sizeof fields, "\"model\":\"%s\",\"layout\":\"batch\",\"n\":%zu,\"images\":%zu,\"limbs\":%u",
	         path, hec_context_n(c), count, params.nq);
	const char *kn = hec_ntt_kernel_name(hec_ntt_kernel_active());
	bench_header(o, "ml-batch: encrypted CNN, one image per slot");
	double t0 = now_s();
	if (hec_ml_enc_batch_encrypt(p, sk, cin, inputs, count) != HEC_OK)
		return fail("encrypt");
	double t_enc = now_s() - t0;
	for (size_t t = 0; threads[t]; t++) {
		omp_set_num_threads((int)threads[t]);
		t0 = now_s();
		if (hec_ml_enc_batch_classify(p, ev, cout, cin, NULL, NULL) != HEC_OK)
			return fail("classify");
		double t_cls = now_s() - t0;
		struct bench_result r = {1, t_cls * 1e9, t_cls * 1e9};
		bench_report(o, "ml.batch.classify", fields, kn, threads[t], r);
		bench_report_value(o, "ml.throughput", fields, kn, threads[t], "images_per_s", (double)count / t_cls);
	}
	bench_report_value(o, "ml.batch.encrypt", fields, kn, 1, "seconds", t_enc);
	if (hec_ml_enc_batch_decrypt(p, sk, scores, count, cout) != HEC_OK)
		return fail("decrypt");
	size_t agree = 0, correct = 0;
	for (size_t i = 0; i < count; i++) {
		float f[16];
		hec_ml_model_forward(m, f, inputs + i * in);
		size_t a = 0, b = 0;
		for (size_t k = 1; k < nout; k++) {
			a = scores[i * nout + k] > scores[i * nout + a] ? k : a;
			b = f[k] > f[b] ? k : b;
		}
		agree += a == b;
		correct += hec_ml_model_class_label(m, a) == hec_ml_dataset_label(d, i);
	}
	bench_report_value(o, "ml.batch.agreement", fields, kn, 1, "agreement", (double)agree / (double)count);
	bench_report_value(o, "ml.batch.accuracy", fields, kn, 1, "accuracy", (double)correct / (double)count);
	for (size_t i = 0; i < nin; i++)
		hec_ciphertext_free(cin[i]);
	for (size_t i = 0; i < nout; i++)
		hec_ciphertext_free(cout[i]);
	free(cin);
	free(cout);
	free(inputs);
	free(scores);
	hec_ml_dataset_free(d);
	hec_evaluator_free(ev);
	hec_eval_keys_free(ek);
	hec_secret_key_free(sk);
	hec_context_free(c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
	free(path);
	return 0;
}
