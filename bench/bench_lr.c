/* hecate-bench lr: encrypted logistic-regression training (Kim et al.
 * 2018; Han et al. 2019) end to end at 128-bit security — key generation,
 * encryption of the data set (time and size), each training iteration's
 * wall and CPU time, the total, the peak memory (getrusage ru_maxrss), and
 * the test accuracy of the decrypted model next to the plaintext trainer's
 * with the same data, iterations, polynomial and schedule.
 *
 * Tasks: mnist-3v8 (Han et al.'s MNIST 3 vs 8 at 14 x 14 features; the
 * default, 16 iterations, the most the parameters hold without
 * bootstrapping) and idash (an iDASH-sized synthetic problem: 1,579
 * samples x 18 features, 7 iterations, as Kim et al.'s; the accuracy is on
 * 1,000 more samples of the same distribution).  --samples N uses the first
 * N training samples, --iters K another iteration count, --threads T the
 * thread count.  The data set goes through a file, as with
 * `hecate encrypt-dataset` / `train-encrypted`, so the memory figure is
 * the server's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"
#include "hecate/hecate.h"

static void must(hec_status s, const char *what)
{
	if (s != HEC_OK) {
		fprintf(stderr, "hecate-bench lr: %s: %s (%s)\n", what, hec_status_str(s), hec_error_detail());
		exit(1);
	}
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double peak_rss_bytes(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss * 1024.0; /* kilobytes on Linux */
}

/* The iDASH-sized synthetic problem: features uniform in [-1, 1], labels
 * drawn from a logistic model with fixed weights (deterministic). */
static void synth(double *x, uint8_t *y, size_t n, size_t F, uint64_t seed)
{
	hec_ml_rng_t r;
	hec_ml_rng_init(&r, 0x1da5);
	double w[64];
	for (size_t f = 0; f < F; f++)
		w[f] = 2.0 * hec_ml_rng_uniform(&r) - 1.0;
	hec_ml_rng_init(&r, seed);
	for (size_t i = 0; i < n; i++) {
		double z = w[F - 1];
		for (size_t f = 0; f + 1 < F; f++) {
			x[i * F + f] = 2.0 * hec_ml_rng_uniform(&r) - 1.0;
			z += w[f] * x[i * F + f];
		}
		x[i * F + F - 1] = 1.0;
		y[i] = hec_ml_rng_uniform(&r) < hec_ml_sigmoid(2.0 * z);
	}
}

static double accuracy_matrix(const double *w, const double *x, const uint8_t *y, size_t n, size_t F)
{
	size_t ok = 0;
	for (size_t i = 0; i < n; i++) {
		double z = 0;
		for (size_t f = 0; f < F; f++)
			z += w[f] * x[i * F + f];
		ok += (z > 0) == (y[i] == 1);
	}
	return (double)ok / (double)n;
}

struct iters {
	double *wall, *cpu;
	double cpu0;
	unsigned n;
	int json;
};

static void on_iter(unsigned done, unsigned total, double seconds, void *user)
{
	struct iters *it = user;
	double c = cpu_ns();
	it->wall[it->n] = seconds * 1e9;
	it->cpu[it->n] = c - it->cpu0;
	it->cpu0 = c;
	it->n++;
	if (!it->json) {
		fprintf(stderr, "  iteration %u/%u: %.2f s (CPU %.2f s)\n", done, total, seconds, it->cpu[it->n - 1] / 1e9);
		fflush(stderr);
	}
}

int bench_lr(const struct bench_opts *o)
{
	const char *task = o->task ? o->task : "mnist-3v8";
	int idash = !strcmp(task, "idash");
	if (!idash && strcmp(task, "mnist-3v8") && strcmp(task, "fashion-tshirt-shirt")) {
		fprintf(stderr, "hecate-bench lr: --task must be mnist-3v8, fashion-tshirt-shirt or idash\n");
		return 2;
	}
	unsigned threads = o->threads[0] ? o->threads[0] : 0;
#ifdef _OPENMP
	if (threads)
		omp_set_num_threads((int)threads);
	threads = (unsigned)omp_get_max_threads();
#else
	threads = 1;
#endif
	hec_ml_lr_task lt = strcmp(task, "fashion-tshirt-shirt") ? HEC_ML_LR_MNIST_3V8 : HEC_ML_LR_FASHION_TSHIRT_SHIRT;
	hec_ml_lr_opts_t opt;
	hec_ml_lr_opts_default(&opt, lt);
	opt.iterations = o->iters ? o->iters : idash ? 7 : 16;
	opt.batch = 0;
	opt.l2 = 0;
	opt.lr0 = idash ? 1.0 : lt == HEC_ML_LR_MNIST_3V8 ? 1.2 : 0.1;

	/* The data. */
	double *x = NULL, *xt = NULL;
	uint8_t *y = NULL, *yt = NULL;
	size_t n = 0, nt = 0, F;
	hec_ml_dataset *test = NULL;
	if (idash) {
		F = 19;
		n = o->samples ? o->samples : 1579;
		nt = 1000;
		x = malloc(n * F * sizeof *x);
		y = malloc(n);
		xt = malloc(nt * F * sizeof *xt);
		yt = malloc(nt);
		if (!x || !y || !xt || !yt)
			must(HEC_ERR_NOMEM, "data");
		synth(x, y, n, F, 1);
		synth(xt, yt, nt, F, 2);
	} else {
		F = 197;
		hec_ml_dataset *train;
		must(hec_ml_dataset_load(&train, hec_ml_lr_task_dataset(lt), HEC_ML_TRAIN, NULL), "loading the data set");
		must(hec_ml_dataset_load(&test, hec_ml_lr_task_dataset(lt), HEC_ML_TEST, NULL), "loading the test set");
		must(hec_ml_lr_task_matrix(&x, &y, &n, train, lt, o->samples), "features");
		hec_ml_dataset_free(train);
	}
	char fields[256];
	const char *kn = hec_ntt_kernel_name(hec_ntt_kernel_active());

	/* Parameters and keys (the client). */
	hec_params_t p;
	char why[512];
	must(hec_ml_enc_lr_params(&p, 3, opt.iterations, HEC_SECURITY_128, why, sizeof why), "parameters");
	hec_context *c;
	must(hec_context_new(&c, &p), "context");
	hec_ml_enc_lr_layout_t l;
	must(hec_ml_enc_lr_layout(&l, hec_context_slots(c), n, F, 0), "layout");
	snprintf(fields, sizeof fields, "\"task\":\"%s\",\"iters\":%u,\"samples\":%zu,\"features\":%zu,\"n\":%zu,"
	         "\"levels\":%zu", task, opt.iterations, n, F, hec_context_n(c), hec_context_max_level(c));
	if (!o->json)
		bench_header(o, "encrypted logistic regression (CKKS, 128-bit, NAG, degree-3 sigmoid)");
	if (!o->json)
		fprintf(stderr, "  %s\n", why);
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	int64_t steps[128];
	size_t ns = hec_ml_enc_lr_steps(&l, steps, 128);
	double t0 = now_ns();
	must(hec_secret_key_new(&sk, c), "secret key");
	must(hec_public_key_new(&pk, sk), "public key");
	must(hec_eval_keys_new(&ek, sk, true, steps, ns, true), "evaluation keys");
	double t_key = now_ns() - t0;
	bench_report(o, "lr.keygen", fields, kn, threads, (struct bench_result){1, t_key, t_key});
	uint8_t *kb;
	size_t klen;
	must(hec_eval_keys_serialize(ek, &kb, &klen), "key size");
	free(kb);
	bench_report_value(o, "lr.eval_keys_bytes", fields, kn, threads, "bytes", (double)klen);

	/* Encryption (the client), a round of one ciphertext per thread, into
	 * a file as `hecate encrypt-dataset` writes it. */
	size_t *order = malloc(n * sizeof *order);
	if (!order)
		must(HEC_ERR_NOMEM, "order");
	hec_ml_lr_order(order, n, opt.seed);
	hec_ml_enc_lr_info_t info = {idash ? 0 : (uint32_t)lt, {0, 1}, opt.seed, 0};
	must(hec_ml_enc_lr_key_id(&info.key_id, pk), "key id");
	char path[64];
	snprintf(path, sizeof path, "hecate-bench-lr-%ld.cts", (long)getpid());
	FILE *f = fopen(path, "w+b");
	if (!f)
		must(HEC_ERR_IO, "temporary data file");
	size_t total = hec_ml_enc_lr_data_cts(&l);
	hec_ciphertext *cts[64];
	for (unsigned i = 0; i < threads && i < 64; i++)
		must(hec_ciphertext_new(&cts[i], c), "ciphertext");
	size_t per = threads < 64 ? threads : 64;
	t0 = now_ns();
	double e_cpu = cpu_ns();
	must(hec_ml_enc_lr_data_write_header(f, c, &l, &info), "writing");
	for (size_t base = 0; base < total; base += per) {
		size_t nr = total - base < per ? total - base : per;
		hec_status st[64];
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1)
#endif
		for (size_t j = 0; j < nr; j++)
			st[j] = hec_ml_enc_lr_encrypt_ct(cts[j], sk, &l, x, y, order, base + j);
		for (size_t j = 0; j < nr; j++) {
			must(st[j], "encryption");
			uint8_t *b;
			size_t len;
			must(hec_ciphertext_serialize(cts[j], &b, &len), "serializing");
			must(hec_object_write(f, b, len), "writing");
			free(b);
		}
	}
	fflush(f);
	double t_enc = now_ns() - t0;
	e_cpu = cpu_ns() - e_cpu;
	double bytes = (double)ftell(f);
	fclose(f);
	for (unsigned i = 0; i < threads && i < 64; i++)
		hec_ciphertext_free(cts[i]);
	bench_report(o, "lr.encrypt", fields, kn, threads, (struct bench_result){1, t_enc, t_enc});
	bench_report_value(o, "lr.encrypt_cpu", fields, kn, threads, "cpu_ns", e_cpu);
	bench_report_value(o, "lr.dataset_bytes", fields, kn, threads, "bytes", bytes);
	bench_report_value(o, "lr.dataset_cts", fields, kn, threads, "ciphertexts", (double)total);

	/* Training (the server: evaluation keys only), from the file. */
	hec_ml_enc_lr_data *d;
	must(hec_ml_enc_lr_data_open(&d, c, path), "opening the data set");
	struct iters it = {calloc(opt.iterations, sizeof(double)), calloc(opt.iterations, sizeof(double)), 0, 0, o->json};
	if (!it.wall || !it.cpu)
		must(HEC_ERR_NOMEM, "iterations");
	hec_ml_enc_lr_model *m;
	t0 = now_ns();
	it.cpu0 = cpu_ns();
	double t_cpu = it.cpu0;
	must(hec_ml_enc_lr_train(&m, d, ek, &opt, on_iter, &it), "training");
	double t_train = now_ns() - t0;
	t_cpu = cpu_ns() - t_cpu;
	hec_ml_enc_lr_data_free(d);
	remove(path);
	double wall_sorted[64], cpu_sorted[64];
	unsigned k = it.n < 64 ? it.n : 64;
	memcpy(wall_sorted, it.wall, k * sizeof(double));
	memcpy(cpu_sorted, it.cpu, k * sizeof(double));
	qsort(wall_sorted, k, sizeof(double), cmp_double);
	qsort(cpu_sorted, k, sizeof(double), cmp_double);
	bench_report(o, "lr.iteration", fields, kn, threads, (struct bench_result){k, wall_sorted[k / 2], wall_sorted[0]});
	bench_report_value(o, "lr.iteration_cpu", fields, kn, threads, "median_cpu_ns", cpu_sorted[k / 2]);
	bench_report_value(o, "lr.iteration_max", fields, kn, threads, "max_ns", wall_sorted[k - 1]);
	bench_report(o, "lr.total", fields, kn, threads, (struct bench_result){1, t_train, t_train});
	bench_report_value(o, "lr.total_cpu", fields, kn, threads, "cpu_ns", t_cpu);
	bench_report_value(o, "lr.peak_rss", fields, kn, threads, "bytes", peak_rss_bytes());

	/* Accuracy of the decrypted model next to the plaintext trainer's. */
	double *w = malloc(F * sizeof *w), *wp = malloc(F * sizeof *wp);
	if (!w || !wp)
		must(HEC_ERR_NOMEM, "weights");
	must(hec_ml_enc_lr_decrypt(w, m, sk), "decryption");
	must(hec_ml_lr_train_matrix(wp, x, y, n, F, &opt), "plaintext training");
	double werr = 0;
	for (size_t i = 0; i < F; i++)
		werr = fmax(werr, fabs(w[i] - wp[i]));
	double acc_e, acc_p;
	if (idash) {
		acc_e = accuracy_matrix(w, xt, yt, nt, F);
		acc_p = accuracy_matrix(wp, xt, yt, nt, F);
	} else {
		hec_ml_model *me, *mp;
		size_t ce, cp, tot;
		must(hec_ml_enc_lr_to_model(&me, w, lt, 3), "model");
		must(hec_ml_enc_lr_to_model(&mp, wp, lt, 3), "model");
		must(hec_ml_model_evaluate(me, test, &ce, &tot, NULL), "evaluation");
		must(hec_ml_model_evaluate(mp, test, &cp, &tot, NULL), "evaluation");
		acc_e = (double)ce / (double)tot;
		acc_p = (double)cp / (double)tot;
		hec_ml_model_free(me);
		hec_ml_model_free(mp);
	}
	bench_report_value(o, "lr.accuracy.encrypted", fields, kn, threads, "accuracy", acc_e);
	bench_report_value(o, "lr.accuracy.plain", fields, kn, threads, "accuracy", acc_p);
	bench_report_value(o, "lr.weight_error", fields, kn, threads, "max_abs", werr);

	free(w);
	free(wp);
	free(it.wall);
	free(it.cpu);
	free(order);
	hec_ml_enc_lr_model_free(m);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_secret_key_free(sk);
	hec_context_free(c);
	hec_ml_dataset_free(test);
	free(x);
	free(y);
	free(xt);
	free(yt);
	return 0;
}
