/* `hecate encrypt-dataset`: the data owner's side of encrypted training —
 * keys (created on first use), then the training images of a task packed
 * and encrypted for `hecate train-encrypted`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "commands.h"
#include "enc_util.h"
#include "lr_cli.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate encrypt-dataset --keys DIR --task mnist-3v8|fashion-tshirt-shirt --out TRAIN.cts\n"
    "                              [--iters K] [--batch B] [--limit N] [--seed S] [--data DIR]\n"
    "                              [--threads T]\n"
    "\n"
    "The client side of encrypted logistic-regression training (Kim et al. 2018, Han\n"
    "et al. 2019).  Extracts the task's training images as 196 pooled pixels plus a\n"
    "bias, folds each label in (z = (2y - 1) x), packs two samples per complex slot\n"
    "and many samples per ciphertext, and encrypts them into TRAIN.cts for `hecate\n"
    "train-encrypted`.\n"
    "\n"
    "Keys: if DIR/secret.key exists it is used (with DIR/eval.keys); otherwise DIR is\n"
    "created with DIR/secret.key (mode 0600, never overwritten: the client keeps it)\n"
    "and DIR/eval.keys (the parameters, the public key and the evaluation keys the\n"
    "training needs: relinearisation, conjugation and the layout's rotations; give\n"
    "it to the server).  The parameters are chosen for K iterations, 128-bit secure;\n"
    "without bootstrapping they bound the iterations the server can run (at most 16).\n"
    "\n"
    "  --iters K    iterations the new keys allow (default 16, the most that fit)\n"
    "  --batch B    pack mini-batches of B samples (default 0: full batch)\n"
    "  --limit N    only the first N images of the task (tests, quick runs)\n"
    "  --seed S     the mini-batch order's seed (default 1, as hecate train-lr)\n"
    "  --data DIR   where the data set is (see hecate train --help)\n"
    "  --threads T  encryption threads (default: all cores)\n";

static int mkdir_p(const char *dir)
{
	char *d = strdup(dir);
	if (!d)
		return -1;
	for (char *q = d + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(d, 0755) != 0 && errno != EEXIST) {
			free(d);
			return -1;
		}
		*q = '/';
	}
	free(d);
	return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Create DIR/secret.key and DIR/eval.keys for `iters` iterations on data
 * of this size.  Returns 0, or 1 after printing the error. */
static int make_keys(const char *cmd, const char *dir, const char *skpath, const char *ekpath, unsigned iters,
                     size_t n, size_t batch, hec_context **cp, hec_secret_key **skp, uint64_t *id)
{
	hec_params_t params;
	char why[512];
	hec_status s = hec_ml_enc_lr_params(&params, 3, iters, HEC_SECURITY_128, why, sizeof why);
	hec_context *c = NULL;
	hec_secret_key *sk = NULL;
	hec_public_key *pk = NULL;
	hec_eval_keys *ek = NULL;
	uint8_t *b[4] = {0};
	size_t len[4] = {0};
	struct cli_out osk = {0}, oek = {0};
	int rc = 1;
	if (s == HEC_OK)
		s = hec_context_new(&c, &params);
	hec_ml_enc_lr_layout_t l;
	if (s == HEC_OK)
		s = hec_ml_enc_lr_layout(&l, hec_context_slots(c), n, 197, batch);
	if (s != HEC_OK) {
		cli_fail(cmd, s);
		goto done;
	}
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "hecate %s: cannot create directory %s: %s\n", cmd, dir, strerror(errno));
		goto done;
	}
	int64_t steps[128];
	size_t ns = hec_ml_enc_lr_steps(&l, steps, 128);
	printf("parameters:  %s\n", why);
	double t0 = cli_now();
	s = hec_secret_key_new(&sk, c);
	if (s == HEC_OK)
		s = hec_public_key_new(&pk, sk);
	if (s == HEC_OK)
		s = hec_eval_keys_new(&ek, sk, true, steps, ns, true);
	if (s == HEC_OK)
		s = hec_ml_enc_lr_key_id(id, pk);
	if (s == HEC_OK)
		s = hec_params_serialize(c, &b[0], &len[0]);
	if (s == HEC_OK)
		s = hec_secret_key_serialize(sk, &b[1], &len[1]);
	if (s == HEC_OK)
		s = hec_public_key_serialize(pk, &b[2], &len[2]);
	/* The evaluation keys are by far the largest object: serialize them
	 * and let the expanded keys go before writing. */
	if (s == HEC_OK)
		s = hec_eval_keys_serialize(ek, &b[3], &len[3]);
	hec_eval_keys_free(ek);
	ek = NULL;
	if (s != HEC_OK) {
		cli_fail(cmd, s);
		goto done;
	}
	if (cli_out_open(cmd, &osk, skpath, 0600) || cli_out_open(cmd, &oek, ekpath, 0644))
		goto done;
	s = hec_object_write(osk.f, b[0], len[0]);
	if (s == HEC_OK)
		s = hec_object_write(osk.f, b[1], len[1]);
	if (s == HEC_OK)
		s = hec_object_write(oek.f, b[0], len[0]);
	if (s == HEC_OK)
		s = hec_object_write(oek.f, b[2], len[2]);
	if (s == HEC_OK)
		s = hec_object_write(oek.f, b[3], len[3]);
	if (s != HEC_OK) {
		cli_fail(cmd, s);
		goto done;
	}
	/* The secret key first and exclusively: never replace one. */
	if (cli_out_commit(cmd, &osk, true) || cli_out_commit(cmd, &oek, false))
		goto done;
	char b1[32], b2[32];
	printf("keys:        %s (%s, mode 0600) and %s (%s: relinearisation, conjugation, %zu rotations), "
	       "%.1f s\n", skpath, cli_bytes_str(b1, sizeof b1, len[0] + len[1]), ekpath,
	       cli_bytes_str(b2, sizeof b2, len[0] + len[2] + len[3]), ns, cli_now() - t0);
	*cp = c;
	*skp = sk;
	c = NULL;
	sk = NULL;
	rc = 0;
done:
	cli_out_abort(&osk);
	cli_out_abort(&oek);
	if (b[1])
		explicit_bzero(b[1], len[1]);
	for (int i = 0; i < 4; i++)
		free(b[i]);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_secret_key_free(sk);
	hec_context_free(c);
	return rc;
}

int hec_cmd_encrypt_dataset(int argc, char **argv)
{
	const char *cmd = "encrypt-dataset", *dir = NULL, *task_name = NULL, *out = NULL, *data = NULL, *v;
	unsigned long long iters = 0, batch = 0, limit = 0, seed = 1, threads = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if ((r = cli_opt(cmd, argc, argv, &i, "--keys", &v))) {
			if (r < 0)
				return 2;
			dir = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--task", &v))) {
			if (r < 0)
				return 2;
			task_name = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--out", &v))) {
			if (r < 0)
				return 2;
			out = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--data", &v))) {
			if (r < 0)
				return 2;
			data = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--iters", &v))) {
			if (r < 0 || cli_uint(cmd, "--iters", v, 1, 1000, &iters))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--batch", &v))) {
			if (r < 0 || cli_uint(cmd, "--batch", v, 0, 100000000, &batch))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--limit", &v))) {
			if (r < 0 || cli_uint(cmd, "--limit", v, 1, 100000000, &limit))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--seed", &v))) {
			if (r < 0 || cli_uint(cmd, "--seed", v, 0, UINT64_MAX, &seed))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--threads", &v))) {
			if (r < 0 || cli_uint(cmd, "--threads", v, 1, 1024, &threads))
				return 2;
		} else {
			fprintf(stderr, "hecate %s: unknown argument '%s'; see `hecate %s --help`\n", cmd, argv[i], cmd);
			return 2;
		}
	}
	if (!dir || !task_name || !out) {
		fprintf(stderr, "hecate %s: --keys DIR, --task and --out are required; see `hecate %s --help`\n", cmd,
		        cmd);
		return 2;
	}
	hec_ml_lr_task task;
	if (lr_parse_task(cmd, task_name, &task))
		return 2;
	if (cli_check_writable(cmd, out))
		return 1;
	if (threads)
		cli_set_threads((unsigned)threads);

	int rc = 1;
	hec_ml_dataset *train = NULL;
	double *x = NULL;
	uint8_t *y = NULL;
	size_t n = 0, *order = NULL;
	hec_context *c = NULL;
	hec_secret_key *sk = NULL;
	hec_ciphertext **cts = NULL;
	size_t nthreads = 1;
	struct cli_out o = {0};
	char *skpath = malloc(strlen(dir) + 32), *ekpath = malloc(strlen(dir) + 32);
	if (!skpath || !ekpath) {
		cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}
	sprintf(skpath, "%s/%s", dir, CLI_SECRET_KEY_FILE);
	sprintf(ekpath, "%s/%s", dir, CLI_EVAL_KEYS_FILE);

	double t0 = cli_now();
	hec_status s = hec_ml_dataset_load(&train, hec_ml_lr_task_dataset(task), HEC_ML_TRAIN, data);
	if (s == HEC_OK)
		s = hec_ml_lr_task_matrix(&x, &y, &n, train, task, (size_t)limit);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	hec_ml_dataset_free(train);
	train = NULL;
	if (batch > n)
		batch = 0;

	uint64_t key_id = 0;
	struct stat st;
	if (lstat(skpath, &st) == 0) {
		/* Existing keys: they must be for encrypted LR and hold the
		 * requested iterations. */
		if ((s = cli_load_secret(dir, &c, &sk)) == HEC_OK)
			s = lr_read_key_id(dir, c, &key_id);
		if (s != HEC_OK) {
			rc = cli_fail(cmd, s);
			goto done;
		}
		unsigned maxit = hec_ml_enc_lr_max_iterations(c, 3);
		if (iters && iters > maxit) {
			fprintf(stderr, "hecate %s: the keys in %s allow at most %u iterations, not %llu; use another "
			        "--keys directory for new keys\n", cmd, dir, maxit, iters);
			goto done;
		}
		printf("keys:        %s (existing; up to %u iterations)\n", skpath, maxit);
	} else {
		if (make_keys(cmd, dir, skpath, ekpath, iters ? (unsigned)iters : 16, n, (size_t)batch, &c, &sk, &key_id))
			goto done;
	}
	double t1 = cli_now();

	hec_ml_enc_lr_layout_t l;
	if ((s = hec_ml_enc_lr_layout(&l, hec_context_slots(c), n, 197, (size_t)batch)) != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	order = malloc(n * sizeof *order);
	if (!order) {
		cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}
	hec_ml_lr_order(order, n, seed);
	unsigned labels[2];
	hec_ml_lr_task_labels(task, labels);
	hec_ml_enc_lr_info_t info = {(uint32_t)task, {labels[0], labels[1]}, seed, key_id};

	/* Ciphertexts in rounds of one per thread: encrypt in parallel,
	 * write in order, so memory holds T ciphertexts, not the data set. */
#ifdef _OPENMP
	nthreads = (size_t)omp_get_max_threads();
#endif
	cts = calloc(nthreads, sizeof *cts);
	if (!cts) {
		cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}
	for (size_t i = 0; i < nthreads && s == HEC_OK; i++)
		s = hec_ciphertext_new(&cts[i], c);
	if (s == HEC_OK && cli_out_open(cmd, &o, out, 0644))
		goto done;
	if (s == HEC_OK)
		s = hec_ml_enc_lr_data_write_header(o.f, c, &l, &info);
	size_t total = hec_ml_enc_lr_data_cts(&l);
	for (size_t base = 0; base < total && s == HEC_OK; base += nthreads) {
		size_t nr = total - base < nthreads ? total - base : nthreads;
		hec_status st_[64] = {0};
		char msg[64][256];
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads((int)nr) if (nr > 1)
#endif
		for (size_t j = 0; j < nr; j++) {
			st_[j % 64] = hec_ml_enc_lr_encrypt_ct(cts[j], sk, &l, x, y, order, base + j);
			if (st_[j % 64] != HEC_OK)
				snprintf(msg[j % 64], sizeof msg[0], "%s", hec_error_detail());
		}
		for (size_t j = 0; j < nr && s == HEC_OK; j++) {
			if (st_[j % 64] != HEC_OK)
				s = hec_error_set(st_[j % 64], "%s", msg[j % 64]);
			else {
				uint8_t *buf;
				size_t len;
				s = hec_ciphertext_serialize(cts[j], &buf, &len);
				if (s == HEC_OK)
					s = hec_object_write(o.f, buf, len);
				free(buf);
			}
		}
		cli_progress("encrypting", base + nr, total);
	}
	cli_progress_end();
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	if (cli_out_commit(cmd, &o, false))
		goto done;
	double t2 = cli_now();
	char b1[32];
	printf("data set:    %zu %s training images (%s: labels %u -> y = 0, %u -> y = 1), 196 features + bias\n", n,
	       hec_ml_lr_task_dataset(task), hec_ml_lr_task_name(task), labels[0], labels[1]);
	printf("packing:     %s; chunks of %zu features (%zu), %zu blocks of 2 samples per ciphertext, %zu groups "
	       "per batch, %zu ciphertexts\n", l.batch == l.samples ? "full batch" : "mini-batches",
	       l.chunk, l.chunks, l.blocks, l.groups, total);
	if (l.batch != l.samples)
		printf("             %zu batches of %zu samples in the order of seed %llu\n", l.batches, l.batch, seed);
	printf("output:      %s (%s)\n", out, cli_bytes_str(b1, sizeof b1, lr_file_size(out)));
	printf("time:        %.2f s loading and keys, %.2f s encrypting (%.1f ms per ciphertext)\n", t1 - t0, t2 - t1,
	       1e3 * (t2 - t1) / (double)total);
	printf("next:        hecate train-encrypted --eval-keys %s %s --iters K --out MODEL.ct (K <= %u)\n", ekpath,
	       out, hec_ml_enc_lr_max_iterations(c, 3));
	rc = 0;
done:
	cli_out_abort(&o);
	for (size_t i = 0; cts && i < nthreads; i++)
		hec_ciphertext_free(cts[i]);
	free(cts);
	free(order);
	if (x)
		explicit_bzero(x, n * 197 * sizeof *x);
	free(x);
	free(y);
	hec_ml_dataset_free(train);
	hec_secret_key_free(sk);
	hec_context_free(c);
	free(skpath);
	free(ekpath);
	return rc;
}
