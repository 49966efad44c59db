/* `hecate train-encrypted`: the server side of encrypted training —
 * Nesterov's accelerated gradient on an encrypted data set with the public
 * evaluation keys only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "commands.h"
#include "enc_util.h"
#include "lr_cli.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate train-encrypted --eval-keys FILE TRAIN.cts --iters K --out MODEL.ct\n"
    "                              [--lr X] [--lr-decay D] [--l2 L] [--threads T]\n"
    "\n"
    "The server side of encrypted logistic-regression training: K iterations of\n"
    "Nesterov's accelerated gradient with the degree-3 least-squares sigmoid on\n"
    "[-8, 8], the step sizes, momentum and mini-batch order of `hecate train-lr`\n"
    "(Kim et al. 2018; Han et al. 2019), on the encrypted data set TRAIN.cts (from\n"
    "`hecate encrypt-dataset`) with the evaluation keys in FILE (DIR/eval.keys, or\n"
    "the directory holding it).  No secret key is read or needed.  The encrypted\n"
    "model goes to MODEL.ct for `hecate decrypt-model`.\n"
    "\n"
    "The parameters carry no bootstrapping: the first iteration uses 1 level and\n"
    "every later one 3, so K is bounded by the levels the keys were made with (said\n"
    "before any work).  Prints each iteration's wall and CPU time.\n"
    "\n"
    "  --iters K     NAG iterations (required)\n"
    "  --lr X        step size alpha_0 (default 1.2 for mnist-3v8, 0.1 for fashion)\n"
    "  --lr-decay D  alpha_t = alpha_0 / (1 + D t) (default 0)\n"
    "  --l2 L        ridge penalty (L/2)|w|^2, bias excluded (default 0)\n"
    "  --threads T   threads (default: all cores)\n";

struct prog {
	unsigned total;
	double cpu0, wall_sum;
};

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void on_iter(unsigned done, unsigned total, double seconds, void *user)
{
	struct prog *p = user;
	double cpu = cpu_now();
	cli_progress_end();
	printf("iteration %3u/%u  %8.2f s  (CPU %8.2f s)\n", done, total, seconds, cpu - p->cpu0);
	fflush(stdout);
	p->cpu0 = cpu;
	p->wall_sum += seconds;
	cli_progress("training", done, total);
}

int hec_cmd_train_encrypted(int argc, char **argv)
{
	const char *cmd = "train-encrypted", *ekpath = NULL, *in = NULL, *out = NULL, *v;
	unsigned long long iters = 0, threads = 0;
	double lr = -1, decay = 0, l2 = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if ((r = cli_opt(cmd, argc, argv, &i, "--eval-keys", &v))) {
			if (r < 0)
				return 2;
			ekpath = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--out", &v))) {
			if (r < 0)
				return 2;
			out = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--iters", &v))) {
			if (r < 0 || cli_uint(cmd, "--iters", v, 1, 1000, &iters))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--lr", &v))) {
			if (r < 0 || cli_double(cmd, "--lr", v, 1e-9, 1e3, &lr))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--lr-decay", &v))) {
			if (r < 0 || cli_double(cmd, "--lr-decay", v, 0, 1e3, &decay))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--l2", &v))) {
			if (r < 0 || cli_double(cmd, "--l2", v, 0, 1e3, &l2))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--threads", &v))) {
			if (r < 0 || cli_uint(cmd, "--threads", v, 1, 1024, &threads))
				return 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hecate %s: unknown option '%s'; see `hecate %s --help`\n", cmd, argv[i], cmd);
			return 2;
		} else if (!in) {
			in = argv[i];
		} else {
			fprintf(stderr, "hecate %s: unexpected argument '%s'\n", cmd, argv[i]);
			return 2;
		}
	}
	if (!ekpath || !in || !out || !iters) {
		fprintf(stderr, "hecate %s: need --eval-keys FILE, TRAIN.cts, --iters K and --out MODEL.ct; see "
		        "`hecate %s --help`\n", cmd, cmd);
		return 2;
	}
	if (cli_check_writable(cmd, out))
		return 1;
	if (threads)
		cli_set_threads((unsigned)threads);
	int rc = 1;
	hec_context *c = NULL;
	hec_public_key *pk = NULL;
	hec_eval_keys *ek = NULL;
	hec_ml_enc_lr_data *d = NULL;
	hec_ml_enc_lr_model *m = NULL;
	struct cli_out o = {0};
	FILE *f = NULL;
	size_t key_bytes = 0;

	double t0 = cli_now();
	hec_status s = cli_load_eval(ekpath, &c, &pk, &ek, &key_bytes);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	f = fopen(in, "rb");
	if (!f) {
		s = hec_error_set(HEC_ERR_IO, "%s: cannot open", in);
		rc = cli_fail(cmd, s);
		goto done;
	}
	/* The header first: a wrong file or other keys are refused before
	 * gigabytes are read. */
	hec_ml_enc_lr_layout_t l;
	hec_ml_enc_lr_info_t info;
	s = hec_ml_enc_lr_data_read_header(&l, &info, c, f);
	uint64_t id = 0;
	if (s == HEC_OK)
		s = hec_ml_enc_lr_key_id(&id, pk);
	if (s == HEC_OK && info.key_id && info.key_id != id)
		s = hec_error_set(HEC_ERR_MISMATCH, "%s was encrypted under other keys than %s (same parameters, another "
		                  "key generation)", in, ekpath);
	hec_ml_lr_opts_t opt;
	hec_ml_lr_opts_default(&opt, info.task ? (hec_ml_lr_task)info.task : HEC_ML_LR_MNIST_3V8);
	opt.iterations = (unsigned)iters;
	opt.batch = l.batch == l.samples ? 0 : l.batch;
	opt.lr0 = lr > 0 ? lr : info.task == HEC_ML_LR_FASHION_TSHIRT_SHIRT ? 0.1 : 1.2;
	opt.lr_decay = decay;
	opt.l2 = l2;
	opt.seed = info.seed;
	unsigned maxit = hec_ml_enc_lr_max_iterations(c, 3);
	if (s == HEC_OK && iters > maxit)
		s = hec_error_set(HEC_ERR_LEVEL,
		                  "%llu iterations need %zu levels; the parameters in %s have %zu, so at most %u iterations "
		                  "(bootstrapping is not available: encrypt the data with keys for more iterations, "
		                  "`hecate encrypt-dataset --iters K`, up to 16)",
		                  iters, hec_ml_enc_lr_depth(3, (unsigned)iters, 0), ekpath, hec_context_max_level(c), maxit);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	fclose(f);
	f = NULL;
	/* The ciphertexts stay in the file: the trainer reads a round of
	 * groups at a time (gigabytes at N = 2^17). */
	s = hec_ml_enc_lr_data_open(&d, c, in);
	if (s != HEC_OK) {
		char det[512];
		snprintf(det, sizeof det, "%s", hec_error_detail());
		rc = cli_fail(cmd, hec_error_set(s, "%s: %s", in, det));
		goto done;
	}
	double t1 = cli_now();
	char b1[32], b2[32];
	int nthreads = 1;
#ifdef _OPENMP
	nthreads = omp_get_max_threads();
#endif
	printf("data:        %s: %zu samples x %zu features (%s), %zu ciphertexts (%s)\n", in, l.samples,
	       l.features, l.batch == l.samples ? "full batch" : "mini-batches", hec_ml_enc_lr_data_cts(&l),
	       cli_bytes_str(b1, sizeof b1, lr_file_size(in)));
	printf("keys:        %s (%s), N = 2^%u, %zu levels: up to %u iterations; no secret key involved\n", ekpath,
	       cli_bytes_str(b2, sizeof b2, key_bytes), hec_context_params(c)->log_n, hec_context_max_level(c), maxit);
	printf("schedule:    %u iterations, degree-3 sigmoid, lr %g, decay %g, l2 %g, %s; %d thread%s\n",
	       opt.iterations, opt.lr0, opt.lr_decay, opt.l2,
	       l.batch == l.samples ? "full batch" : "mini-batches", nthreads, nthreads == 1 ? "" : "s");
	fflush(stdout);
	struct prog pr = {opt.iterations, cpu_now(), 0};
	double c0 = pr.cpu0;
	s = hec_ml_enc_lr_train(&m, d, ek, &opt, on_iter, &pr);
	cli_progress_end();
	double t2 = cli_now(), cpu = cpu_now() - c0;
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	hec_ml_enc_lr_data_free(d);
	d = NULL;
	if (cli_out_open(cmd, &o, out, 0644))
		goto done;
	s = hec_ml_enc_lr_model_write(o.f, m);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	if (cli_out_commit(cmd, &o, false))
		goto done;
	printf("model:       %s (%s, level %zu: %s)\n", out, cli_bytes_str(b1, sizeof b1, lr_file_size(out)),
	       hec_ml_enc_lr_model_level(m),
	       hec_ml_enc_lr_model_level(m) ? "encrypted inference possible" : "no level left for inference");
	printf("time:        %.2f s loading, %.2f s training (%.2f s per iteration, CPU %.2f s), %.2f s in all\n",
	       t1 - t0, t2 - t1, (t2 - t1) / opt.iterations, cpu, cli_now() - t0);
	rc = 0;
done:
	cli_out_abort(&o);
	if (f)
		fclose(f);
	hec_ml_enc_lr_model_free(m);
	hec_ml_enc_lr_data_free(d);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_context_free(c);
	return rc;
}
