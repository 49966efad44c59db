/* `hecate train-lr`: binary logistic regression with Nesterov's
 * accelerated gradient and a polynomial sigmoid — the plaintext run of the
 * encrypted trainer's schedule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate train-lr --task mnist-3v8|fashion-tshirt-shirt --out MODEL.hcm\n"
    "                       [--degree 0|3|5|7] [--iterations N] [--batch B] [--lr X]\n"
    "                       [--lr-decay D] [--seed S] [--plot FILE.svg] [--data DIR]\n"
    "\n"
    "Train a binary logistic regression on 14x14 = 196 features (2x2 average pooled\n"
    "pixels) with Nesterov's accelerated gradient (Kim et al. 2018) and the\n"
    "least-squares polynomial fit of the sigmoid on [-8, 8] of the given degree\n"
    "(0 = the exact sigmoid, the baseline).  This is the schedule the encrypted\n"
    "trainer follows.  Tasks: MNIST 3 vs 8 (Han et al. 2019), Fashion-MNIST T-shirt\n"
    "vs shirt.  Prints the training loss/accuracy every 10 iterations and the test\n"
    "accuracy at the end.\n"
    "\n"
    "  --iterations N  NAG steps (default 300)    --batch B  mini-batch (default 1024, 0 = all)\n"
    "  --lr X          step size alpha_0 (default 0.5; 0.1 for Fashion)\n"
    "  --lr-decay D    alpha_t = alpha_0 / (1 + D t) (default 0)\n"
    "  --l2 L          ridge penalty (L/2)|w|^2 keeping logits in the fit's range\n"
    "                  (default 0.003; 0.01 for degree 7)\n";

struct ctx {
	double *loss, *acc;
	size_t n;
};

static void on_iter(unsigned it, double loss, double acc, void *user)
{
	struct ctx *c = user;
	c->loss[c->n] = loss;
	c->acc[c->n] = acc;
	c->n++;
	if (it % 10 == 0 || it == 1)
		printf("iteration %4u  loss %.4f  train %.2f%%\n", it, loss, 100 * acc);
}

int hec_cmd_train_lr(int argc, char **argv)
{
	const char *cmd = "train-lr", *task = NULL, *out = NULL, *plot = NULL, *data = NULL, *v;
	hec_ml_lr_opts_t o;
	hec_ml_lr_opts_default(&o, HEC_ML_LR_MNIST_3V8);
	unsigned long long degree = o.degree, iters = o.iterations, batch = o.batch, seed = o.seed;
	double lr = -1, decay = o.lr_decay, l2 = -1;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
#define OPT(name) ((r = cli_opt(cmd, argc, argv, &i, name, &v)) != 0)
		if (OPT("--task")) {
			if (r < 0) return 2;
			task = v;
		} else if (OPT("--out")) {
			if (r < 0) return 2;
			out = v;
		} else if (OPT("--plot")) {
			if (r < 0) return 2;
			plot = v;
		} else if (OPT("--data")) {
			if (r < 0) return 2;
			data = v;
		} else if (OPT("--degree")) {
			if (r < 0 || cli_uint(cmd, "--degree", v, 0, 7, &degree)) return 2;
			if (degree != 0 && degree != 3 && degree != 5 && degree != 7) {
				fprintf(stderr, "hecate %s: --degree must be 0, 3, 5 or 7\n", cmd);
				return 2;
			}
		} else if (OPT("--iterations")) {
			if (r < 0 || cli_uint(cmd, "--iterations", v, 1, 100000, &iters)) return 2;
		} else if (OPT("--batch")) {
			if (r < 0 || cli_uint(cmd, "--batch", v, 0, 1000000, &batch)) return 2;
		} else if (OPT("--seed")) {
			if (r < 0 || cli_uint(cmd, "--seed", v, 0, UINT64_MAX, &seed)) return 2;
		} else if (OPT("--lr")) {
			if (r < 0 || cli_double(cmd, "--lr", v, 1e-9, 1e3, &lr)) return 2;
		} else if (OPT("--l2")) {
			if (r < 0 || cli_double(cmd, "--l2", v, 0, 1e3, &l2)) return 2;
		} else if (OPT("--lr-decay")) {
			if (r < 0 || cli_double(cmd, "--lr-decay", v, 0, 1e3, &decay)) return 2;
		} else {
			fprintf(stderr, "hecate %s: unknown argument '%s'; see `hecate train-lr --help`\n",
			        cmd, argv[i]);
			return 2;
		}
#undef OPT
	}
	if (!task || !out) {
		fprintf(stderr, "hecate %s: --task and --out are required; see `hecate train-lr --help`\n",
		        cmd);
		return 2;
	}
	if (!strcmp(task, "mnist-3v8"))
		hec_ml_lr_opts_default(&o, HEC_ML_LR_MNIST_3V8);
	else if (!strcmp(task, "fashion-tshirt-shirt"))
		hec_ml_lr_opts_default(&o, HEC_ML_LR_FASHION_TSHIRT_SHIRT);
	else {
		fprintf(stderr, "hecate %s: --task must be mnist-3v8 or fashion-tshirt-shirt, not '%s'\n",
		        cmd, task);
		return 2;
	}
	if (cli_check_writable(cmd, out) || (plot && cli_check_writable(cmd, plot)))
		return 1;
	o.degree = (unsigned)degree;
	o.iterations = (unsigned)iters;
	o.batch = batch;
	o.seed = seed;
	if (lr > 0)
		o.lr0 = lr;
	o.lr_decay = decay;
	/* The degree-7 fit leaves [-8, 8] fastest (x^7), so it needs the
	 * stronger ridge to keep the logits inside. */
	o.l2 = l2 >= 0 ? l2 : degree == 7 ? 0.01 : o.l2;
	struct ctx c = {calloc(iters, sizeof(double)), calloc(iters, sizeof(double)), 0};
	if (!c.loss || !c.acc) {
		fprintf(stderr, "hecate %s: out of memory\n", cmd);
		return 1;
	}
	o.on_iter = on_iter;
	o.user = &c;
	const char *ds = hec_ml_lr_task_dataset(o.task);
	hec_ml_dataset *train = NULL, *test = NULL;
	hec_ml_model *m = NULL;
	hec_status s = hec_ml_dataset_load(&train, ds, HEC_ML_TRAIN, data);
	if (!s)
		s = hec_ml_dataset_load(&test, ds, HEC_ML_TEST, data);
	double t0 = cli_now();
	if (!s)
		s = hec_ml_train_lr(&m, train, &o);
	int rc = 0;
	if (s) {
		rc = cli_fail(cmd, s);
	} else {
		size_t correct, total;
		s = hec_ml_model_evaluate(m, test, &correct, &total, NULL);
		if (s) {
			rc = cli_fail(cmd, s);
		} else {
			printf("test accuracy %.2f%% (%zu / %zu), %.2fs\n", 100.0 * (double)correct / (double)total,
			       correct, total, cli_now() - t0);
			char note[256];
			snprintf(note, sizeof note,
			         "hecate train-lr --task %s --degree %u --iterations %u --batch %zu --lr %g "
			         "--lr-decay %g --l2 %g --seed %llu",
			         task, o.degree, o.iterations, o.batch, o.lr0, o.lr_decay, o.l2, seed);
			hec_ml_model_set_note(m, note);
			s = hec_ml_model_save(m, out);
			if (s)
				rc = cli_fail(cmd, s);
			else if (plot) {
				char title[128];
				snprintf(title, sizeof title, "%s logistic regression, degree %u", task, o.degree);
				if (cli_plot_svg(cmd, plot, title, c.loss, c.acc, NULL, c.n, "iteration"))
					rc = 1;
			}
		}
	}
	hec_ml_model_free(m);
	hec_ml_dataset_free(train);
	hec_ml_dataset_free(test);
	free(c.loss);
	free(c.acc);
	return rc;
}
