/* hecate-bench ml-batch: the throughput layout of encrypted CNN inference
 * (one image per slot, CryptoNets-style): images per second over a full
 * batch of real test images, and the agreement of the encrypted
 * predictions with the plaintext model's. */
#include <math.h>
#include <stdbool.h>
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

/* One batch of `count` images from test image `first` on: encrypt,
 * classify (timed, per thread count), decrypt, and count the agreeing and
 * correct predictions. */
struct batch_run {
	const hec_ml_model *m;
	const hec_ml_enc_plan *p;
	const hec_ml_dataset *d;
	hec_secret_key *sk;
	hec_evaluator *ev;
	hec_ciphertext **cin, **cout;
	float *inputs;
	double *scores;
	size_t agree, correct;
	double t_enc;
};

static int run_batch(struct batch_run *b, const struct bench_opts *o, const unsigned *threads, size_t first,
                     size_t count, const char *fields, bool report)
{
	size_t in = hec_ml_model_input_size(b->m), nout = hec_ml_model_output_count(b->m);
	const char *kn = hec_ntt_kernel_name(hec_ntt_kernel_active());
	for (size_t i = 0; i < count; i++)
		hec_ml_model_prepare_input_u8(b->m, b->inputs + i * in,
		                              hec_ml_dataset_image(b->d, first + i));
	double t0 = now_s();
	if (hec_ml_enc_batch_encrypt(b->p, b->sk, b->cin, b->inputs, count) != HEC_OK)
		return fail("encrypt");
	b->t_enc = now_s() - t0;
	for (size_t t = 0; threads[t]; t++) {
		omp_set_num_threads((int)threads[t]);
		t0 = now_s();
		if (hec_ml_enc_batch_classify(b->p, b->ev, NULL, b->cout, b->cin, NULL, NULL) != HEC_OK)
			return fail("classify");
		double t_cls = now_s() - t0;
		if (report) {
			struct bench_result r = {1, t_cls * 1e9, t_cls * 1e9};
			bench_report(o, "ml.batch.classify", fields, kn, threads[t], r);
			bench_report_value(o, "ml.throughput", fields, kn, threads[t], "images_per_s",
			                   (double)count / t_cls);
		}
	}
	if (hec_ml_enc_batch_decrypt(b->p, b->sk, b->scores, count, b->cout) != HEC_OK)
		return fail("decrypt");
	for (size_t i = 0; i < count; i++) {
		float f[16];
		hec_ml_model_forward(b->m, f, b->inputs + i * in);
		size_t a = 0, e = 0;
		for (size_t k = 1; k < nout; k++) {
			a = b->scores[i * nout + k] > b->scores[i * nout + a] ? k : a;
			e = f[k] > f[e] ? k : e;
		}
		b->agree += a == e;
		b->correct += hec_ml_model_class_label(b->m, a) == hec_ml_dataset_label(b->d, first + i);
	}
	return 0;
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
	if (hec_ml_enc_batch_params(p, HEC_SECURITY_128, &params) != HEC_OK)
		return fail("parameters");
	hec_context *c;
	hec_secret_key *sk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	if (hec_context_new(&c, &params) != HEC_OK || hec_secret_key_new(&sk, c) != HEC_OK ||
	    hec_eval_keys_new(&ek, sk, true, NULL, 0, false) != HEC_OK ||
	    hec_evaluator_new(&ev, c, ek) != HEC_OK)
		return fail("keys");
	hec_ml_dataset *d;
	if (hec_ml_dataset_load(&d, hec_ml_model_dataset(m), HEC_ML_TEST, NULL) != HEC_OK)
		return fail("data set");
	/* --n limits a batch; --images the test images (default: all of
	 * them, in as many batches as it takes). */
	size_t batch = hec_context_slots(c), total = hec_ml_dataset_count(d);
	if (o->ns[0] && o->ns[0] < batch)
		batch = o->ns[0];
	if (o->images && o->images < total)
		total = o->images;
	if (batch > total)
		batch = total;
	if (o->batch_once)
		total = batch;
	size_t in = hec_ml_model_input_size(m), nout = hec_ml_model_output_count(m),
	       nin = hec_ml_enc_batch_input_cts(p);
	struct batch_run b = {m,
	                      p,
	                      d,
	                      sk,
	                      ev,
	                      calloc(nin, sizeof *b.cin),
	                      calloc(nout, sizeof *b.cout),
	                      malloc(batch * in * sizeof *b.inputs),
	                      malloc(batch * nout * sizeof *b.scores),
	                      0,
	                      0,
	                      0};
	if (!b.cin || !b.cout || !b.inputs || !b.scores)
		return fail("memory");
	for (size_t i = 0; i < nin; i++)
		hec_ciphertext_new(&b.cin[i], c);
	for (size_t i = 0; i < nout; i++)
		hec_ciphertext_new(&b.cout[i], c);
	char fields[256];
	snprintf(fields, sizeof fields,
	         "\"model\":\"%s\",\"layout\":\"batch\",\"n\":%zu,\"images\":%zu,\"limbs\":%u", path,
	         hec_context_n(c), batch, params.nq);
	const char *kn = hec_ntt_kernel_name(hec_ntt_kernel_active());
	bench_header(o, "ml-batch: encrypted CNN, one image per slot");
	/* The first batch (a full one unless --images is smaller) is timed at
	 * every thread count; the others, classified with the first count,
	 * only add to the agreement and the accuracy. */
	for (size_t first = 0; first < total; first += batch) {
		size_t count = total - first < batch ? total - first : batch;
		unsigned one[2] = {threads[0], 0};
		if (run_batch(&b, o, first ? one : threads, first, count, fields, first == 0))
			return 1;
		if (first == 0)
			bench_report_value(o, "ml.batch.encrypt", fields, kn, 1, "seconds", b.t_enc);
	}
	snprintf(fields, sizeof fields,
	         "\"model\":\"%s\",\"layout\":\"batch\",\"n\":%zu,\"images\":%zu,\"limbs\":%u", path,
	         hec_context_n(c), total, params.nq);
	bench_report_value(o, "ml.batch.agreement", fields, kn, 1, "agreement",
	                   (double)b.agree / (double)total);
	bench_report_value(o, "ml.batch.accuracy", fields, kn, 1, "accuracy",
	                   (double)b.correct / (double)total);
	for (size_t i = 0; i < nin; i++)
		hec_ciphertext_free(b.cin[i]);
	for (size_t i = 0; i < nout; i++)
		hec_ciphertext_free(b.cout[i]);
	free(b.cin);
	free(b.cout);
	free(b.inputs);
	free(b.scores);
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
