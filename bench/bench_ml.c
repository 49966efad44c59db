/* hecate-bench ml: private classification per model — key generation,
 * encryption, classification and decryption latency, end to end, the
 * one-off encoding of the model, serialized sizes, and the agreement of the
 * encrypted with the plaintext predictions (and the encrypted accuracy) on
 * the first K test images; then the throughput layout's images per second
 * over one full batch (bench_ml_batch). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "hecate/hecate.h"

static void must(hec_status s, const char *what)
{
	if (s != HEC_OK) {
		fprintf(stderr, "hecate-bench ml: %s: %s (%s)\n", what, hec_status_str(s),
		        hec_error_detail());
		exit(1);
	}
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* CPU time of the whole process (all threads), in ns. */
static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double median(double *s, unsigned n)
{
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* bench_run's rule with a budget fit for operations of a second: one
 * warm-up call, then `reps` timed calls (--reps, else `dflt`).  *cpu gets
 * the median CPU time per call: on a shared machine, the work done as
 * opposed to the wall time the scheduler granted. */
static struct bench_result run_few(const struct bench_opts *o, unsigned dflt, void (*fn)(void *), void *arg,
                                   double *cpu)
{
	unsigned reps = o->reps ? o->reps : dflt;
	double *s = malloc(2 * reps * sizeof *s), *c = s + reps;
	if (!s)
		must(HEC_ERR_NOMEM, "timing");
	fn(arg);
	for (unsigned i = 0; i < reps; i++) {
		double t = now_ns(), u = cpu_ns();
		fn(arg);
		s[i] = now_ns() - t;
		c[i] = cpu_ns() - u;
	}
	struct bench_result r = {reps, median(s, reps), 0};
	r.min_ns = s[0];
	if (cpu)
		*cpu = median(c, reps);
	free(s);
	return r;
}

struct mlx {
	const hec_ml_model *m;
	const hec_ml_enc_plan *p;
	hec_context *c;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	hec_ml_enc_model *em;
	hec_ciphertext **in, *out;
	size_t ncts;
	int64_t *steps;
	size_t nsteps;
	float *input;
	double scores[HEC_ML_MAX_CLASSES];
};

static void op_keygen(void *p)
{
	struct mlx *x = p;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	must(hec_secret_key_new(&sk, x->c), "secret key");
	must(hec_public_key_new(&pk, sk), "public key");
	must(hec_eval_keys_new(&ek, sk, true, x->steps, x->nsteps, false), "evaluation keys");
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_secret_key_free(sk);
}

static void op_prepare(void *p)
{
	struct mlx *x = p;
	hec_ml_enc_model *em;
	must(hec_ml_enc_model_new(&em, x->p, x->c), "encode the model");
	hec_ml_enc_model_free(em);
}

static void op_encrypt(void *p)
{
	struct mlx *x = p;
	must(hec_ml_enc_encrypt_input(x->p, x->sk, x->in, x->input), "encrypt");
}

static void op_classify(void *p)
{
	struct mlx *x = p;
	must(hec_ml_enc_classify(x->em, x->ev, x->pk, x->out, x->in), "classify");
}

static void op_decrypt(void *p)
{
	struct mlx *x = p;
	must(hec_ml_enc_decrypt_scores(x->p, x->sk, x->out, x->scores), "decrypt");
}

/* Through bytes, as between client and server. */
static void round_trip(hec_ciphertext *ct)
{
	uint8_t *buf;
	size_t len;
	must(hec_ciphertext_serialize(ct, &buf, &len), "serialize");
	must(hec_ciphertext_deserialize(ct, buf, len), "deserialize");
	free(buf);
}

/* Encrypt, serialize, classify, serialize, decrypt: one image's trip
 * (keys and the encoded model exist already). */
static void op_end_to_end(void *p)
{
	struct mlx *x = p;
	op_encrypt(x);
	for (size_t g = 0; g < x->ncts; g++)
		round_trip(x->in[g]);
	op_classify(x);
	round_trip(x->out);
	op_decrypt(x);
}

static size_t serialized_size(hec_status (*ser)(const void *, uint8_t **, size_t *), const void *obj)
{
	uint8_t *buf;
	size_t len;
	must(ser(obj, &buf, &len), "serialize");
	free(buf);
	return len;
}
static hec_status ser_params(const void *c, uint8_t **b, size_t *l)
{
	return hec_params_serialize(c, b, l);
}
static hec_status ser_sk(const void *k, uint8_t **b, size_t *l)
{
	return hec_secret_key_serialize(k, b, l);
}
static hec_status ser_pk(const void *k, uint8_t **b, size_t *l)
{
	return hec_public_key_serialize(k, b, l);
}
static hec_status ser_ek(const void *k, uint8_t **b, size_t *l)
{
	return hec_eval_keys_serialize(k, b, l);
}
static hec_status ser_ct(const void *k, uint8_t **b, size_t *l)
{
	return hec_ciphertext_serialize(k, b, l);
}

static size_t argmax(const double *v, size_t n)
{
	size_t b = 0;
	for (size_t i = 1; i < n; i++)
		if (v[i] > v[b])
			b = i;
	return b;
}

/* The first k test images, encrypted and classified side by side, one
 * image per thread with its own evaluator: agreement with the plaintext
 * model, accuracy, the largest score error, and images per second. */
static void agreement(const struct bench_opts *o, struct mlx *x, const char *fields, const char *kn,
                      unsigned th, const char *mname)
{
	hec_ml_dataset *d;
	const char *ds = hec_ml_model_dataset(x->m);
	if (hec_ml_dataset_load(&d, ds, HEC_ML_TEST, NULL) != HEC_OK) {
		fprintf(stderr, "hecate-bench ml: %s: agreement and accuracy skipped: %s\n", mname,
		        hec_error_detail());
		return;
	}
	size_t k = o->images ? o->images : 100, nout = hec_ml_model_output_count(x->m),
	       insize = hec_ml_model_input_size(x->m);
	if (k > hec_ml_dataset_count(d))
		k = hec_ml_dataset_count(d);
	size_t agree = 0, correct = 0, total = 0;
	double maxerr = 0;
	double t0 = now_ns();
	hec_status first = HEC_OK;
#pragma omp parallel num_threads((int)th) reduction(+ : agree, correct, total) reduction(max : maxerr)
	{
		hec_evaluator *ev = NULL;
		hec_ciphertext **in = calloc(x->ncts, sizeof *in), *out = NULL;
		float *input = malloc(insize * sizeof *input), pl[HEC_ML_MAX_CLASSES];
		double got[HEC_ML_MAX_CLASSES];
		hec_status s = in && input ? hec_evaluator_new(&ev, x->c, x->ek) : HEC_ERR_NOMEM;
		for (size_t g = 0; g < x->ncts && s == HEC_OK; g++)
			s = hec_ciphertext_new(&in[g], x->c);
		if (s == HEC_OK)
			s = hec_ciphertext_new(&out, x->c);
#pragma omp for schedule(dynamic, 1)
		for (size_t i = 0; i < k; i++) {
			if (s != HEC_OK)
				continue;
			hec_ml_model_prepare_input_u8(x->m, input, hec_ml_dataset_image(d, i));
			s = hec_ml_model_forward(x->m, pl, input);
			if (s == HEC_OK)
				s = hec_ml_enc_encrypt_input(x->p, x->sk, in, input);
			if (s == HEC_OK)
				s = hec_ml_enc_classify(x->em, ev, x->pk, out, in);
			if (s == HEC_OK)
				s = hec_ml_enc_decrypt_scores(x->p, x->sk, out, got);
			if (s != HEC_OK)
				continue;
			double plv[HEC_ML_MAX_CLASSES];
			for (size_t j = 0; j < nout; j++) {
				plv[j] = pl[j];
				double e = fabs(got[j] - plv[j]);
				maxerr = e > maxerr ? e : maxerr;
			}
			size_t a = argmax(got, nout), b = argmax(plv, nout);
			agree += a == b;
			correct += hec_ml_model_class_label(x->m, a) == hec_ml_dataset_label(d, i);
			total++;
		}
		if (s != HEC_OK) {
#pragma omp critical
			first = first == HEC_OK ? s : first;
		}
		for (size_t g = 0; in && g < x->ncts; g++)
			hec_ciphertext_free(in[g]);
		free(in);
		free(input);
		hec_ciphertext_free(out);
		hec_evaluator_free(ev);
	}
	double secs = (now_ns() - t0) / 1e9;
	hec_ml_dataset_free(d);
	must(first, "classifying the test images");
	char f[320];
	snprintf(f, sizeof f, "%s,\"images\":%zu", fields, total);
	bench_report_value(o, "ml.agreement", f, kn, th, "agreement", (double)agree / (double)total);
	bench_report_value(o, "ml.accuracy", f, kn, th, "accuracy", (double)correct / (double)total);
	bench_report_value(o, "ml.max_score_error", f, kn, th, "abs", maxerr);
	/* Images side by side on the threads in the latency layout (the
	 * throughput layout's ml.throughput follows, from ml-batch). */
	bench_report_value(o, "ml.latency.throughput", f, kn, th, "images_per_s", (double)total / secs);
}

static void run_model(const struct bench_opts *o, const char *name, const unsigned *threads)
{
	char *path = bench_find_model(name);
	if (!path)
		must(HEC_ERR_NOMEM, "model path");
	hec_ml_model *m;
	hec_ml_enc_plan *p;
	if (hec_ml_model_load(&m, path) != HEC_OK) {
		fprintf(stderr, "hecate-bench ml: %s: %s\n", path, hec_error_detail());
		free(path);
		exit(1);
	}
	must(hec_ml_enc_plan_new(&p, m), path);
	char mname[64];
	snprintf(mname, sizeof mname, "%s", name);
	char *base = strrchr(mname, '/');
	if (base)
		memmove(mname, base + 1, strlen(base));
	if (strstr(mname, ".hcm"))
		*strstr(mname, ".hcm") = 0;

	struct mlx x = {.m = m, .p = p, .ncts = hec_ml_enc_plan_input_cts(p)};
	hec_params_t params;
	must(hec_ml_enc_plan_params(p, &params), "parameters");
	must(hec_context_new(&x.c, &params), "context");
	/* The plan merges duplicate steps among those that fit: grow the
	 * buffer until the count fits. */
	for (size_t cap = 64;; cap = x.nsteps) {
		free(x.steps);
		x.steps = malloc(cap * sizeof *x.steps);
		if (!x.steps)
			must(HEC_ERR_NOMEM, "steps");
		x.nsteps = hec_ml_enc_plan_steps(p, x.steps, cap);
		if (x.nsteps <= cap)
			break;
	}
	must(hec_secret_key_new(&x.sk, x.c), "secret key");
	must(hec_public_key_new(&x.pk, x.sk), "public key");
	must(hec_eval_keys_new(&x.ek, x.sk, true, x.steps, x.nsteps, false), "evaluation keys");
	must(hec_evaluator_new(&x.ev, x.c, x.ek), "evaluator");
	must(hec_ml_enc_model_new(&x.em, p, x.c), "encode the model");
	x.in = calloc(x.ncts, sizeof *x.in);
	x.input = malloc(hec_ml_model_input_size(m) * sizeof *x.input);
	if (!x.in || !x.input)
		must(HEC_ERR_NOMEM, "buffers");
	for (size_t g = 0; g < x.ncts; g++)
		must(hec_ciphertext_new(&x.in[g], x.c), "ciphertext");
	must(hec_ciphertext_new(&x.out, x.c), "ciphertext");
	/* A test image when the data set is there, else a synthetic one. */
	hec_ml_dataset *d;
	if (hec_ml_dataset_load(&d, hec_ml_model_dataset(m), HEC_ML_TEST, NULL) == HEC_OK) {
		hec_ml_model_prepare_input_u8(m, x.input, hec_ml_dataset_image(d, 0));
		hec_ml_dataset_free(d);
	} else {
		float px[784];
		for (int i = 0; i < 784; i++)
			px[i] = (float)(0.5 + 0.5 * sin(0.37 * i));
		hec_ml_model_prepare_input(m, x.input, px);
	}
	op_encrypt(&x);
	op_classify(&x);

	char fields[256];
	/* Short enough for the table's parameter column (dnum follows from
	 * the parameters). */
	snprintf(fields, sizeof fields,
	         "\"model\":\"%s\",\"n\":%zu,\"limbs\":%u,\"log_qp\":%.1f,\"depth\":%zu", mname,
	         hec_context_n(x.c), params.nq, hec_context_log_qp(x.c), hec_ml_enc_plan_depth(p));
	const char *kn = hec_ntt_kernel_name(hec_ntt_kernel_active());
	bench_header(o, "ml");
	size_t par = serialized_size(ser_params, x.c);
	bench_report_value(o, "ml.size.secret_key", fields, kn, 1, "bytes",
	                   (double)(par + serialized_size(ser_sk, x.sk)));
	bench_report_value(o, "ml.size.eval_keys", fields, kn, 1, "bytes",
	                   (double)(par + serialized_size(ser_pk, x.pk) + serialized_size(ser_ek, x.ek)));
	bench_report_value(o, "ml.size.rotation_keys", fields, kn, 1, "count",
	                   (double)hec_eval_keys_count(x.ek));
	size_t in_bytes = 0;
	for (size_t g = 0; g < x.ncts; g++)
		in_bytes += serialized_size(ser_ct, x.in[g]);
	bench_report_value(o, "ml.size.input", fields, kn, 1, "bytes", (double)in_bytes);
	bench_report_value(o, "ml.size.output", fields, kn, 1, "bytes",
	                   (double)serialized_size(ser_ct, x.out));
	size_t last = 0;
	for (size_t t = 0; threads[t]; t++)
		last = t;
	for (size_t t = 0; threads[t]; t++) {
		unsigned th = threads[t];
		omp_set_num_threads((int)th);
		static const struct {
			const char *name;
			void (*fn)(void *);
			unsigned reps;
		} ops[] = {
		    {"ml.keygen", op_keygen, 3},    {"ml.prepare", op_prepare, 3},
		    {"ml.encrypt", op_encrypt, 5},  {"ml.classify", op_classify, 5},
		    {"ml.decrypt", op_decrypt, 11}, {"ml.end_to_end", op_end_to_end, 5},
		};
		for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
			double cpu;
			char name[48];
			bench_report(o, ops[i].name, fields, kn, th,
			             run_few(o, ops[i].reps, ops[i].fn, &x, &cpu));
			snprintf(name, sizeof name, "%s.cpu", ops[i].name);
			bench_report_value(o, name, fields, kn, th, "cpu_ns", cpu);
		}
		/* The predictions do not depend on the thread count: measure
		 * them once, with the most threads asked for. */
		if (t == last)
			agreement(o, &x, fields, kn, th, mname);
	}
	for (size_t g = 0; g < x.ncts; g++)
		hec_ciphertext_free(x.in[g]);
	free(x.in);
	free(x.input);
	free(x.steps);
	hec_ciphertext_free(x.out);
	hec_ml_enc_model_free(x.em);
	hec_evaluator_free(x.ev);
	hec_eval_keys_free(x.ek);
	hec_public_key_free(x.pk);
	hec_secret_key_free(x.sk);
	hec_context_free(x.c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
	free(path);
}

int bench_ml(const struct bench_opts *o)
{
	static const unsigned default_threads[] = {1, 2, 0};
	const unsigned *threads = o->threads[0] ? o->threads : default_threads;
	if (o->model)
		run_model(o, o->model, threads);
	else
		run_model(o, o->preset ? o->preset : "mnist-cryptonets", threads);
	/* And the throughput layout on the same model: one full batch of test
	 * images (ml.throughput; `hecate-bench ml-batch` runs the whole test
	 * set). */
	struct bench_opts ob = *o;
	ob.images = 0;
	ob.ns[0] = 0;
	ob.threads[0] = 0;
	ob.batch_once = true;
	return bench_ml_batch(&ob);
}
