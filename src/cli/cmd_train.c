/* `hecate train`: train an HE-friendly CNN on MNIST or Fashion-MNIST and
 * write a model file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate train --dataset mnist|fashion-mnist --arch cryptonets|deep --out MODEL.hcm\n"
    "                    [--epochs E] [--seed S] [--plot FILE.svg] [--data DIR] [--threads T]\n"
    "                    [--lr X] [--wd W] [--batch B] [--shift P] [--[no-]flip] [--maps1 M]\n"
    "                    [--maps2 M] [--hidden H]\n"
    "\n"
    "Train a CNN whose activations are trained quadratics a*x^2 + b*x + c, so the\n"
    "encrypted evaluator can run it under CKKS:\n"
    "  cryptonets  conv 5x5 stride 2 (maps1 maps) -> act -> dense hidden -> act -> dense 10\n"
    "              (the CryptoNets / LoLa shape)\n"
    "  deep        conv 5x5/2 (maps1) -> act -> conv 3x3/2 (maps2) -> act -> dense hidden\n"
    "              -> act -> dense 10\n"
    "Adam with cosine decay; deterministic: the same options and data give the same\n"
    "model bit for bit, whatever the thread count.  Prints one line per epoch (loss,\n"
    "training and test accuracy); a progress bar is drawn on stderr when it is a\n"
    "terminal.  MODEL.hcm is written only when training succeeds (atomically).\n"
    "\n"
    "Defaults are the recipe of the shipped models (models/README.md).\n"
    "  --epochs E     passes over the training set (default 20)\n"
    "  --seed S       random seed for initialisation, shuffling, augmentation (default 1)\n"
    "  --plot F.svg   also write the loss/accuracy curves as SVG\n"
    "  --data DIR     where the data set is (else $HECATE_DATA, ./data/<set>,\n"
    "                 /usr/share/datasets/<set>; `scripts/get-data.sh` fetches both)\n"
    "  --threads T    OpenMP threads (default: all cores); does not change the result\n"
    "  --lr X --wd W --batch B --shift P --maps1 M --maps2 M --hidden H\n"
    "                 hyper-parameters (defaults 0.002, 1e-4 or 0.05 for Fashion, 128,\n"
    "                 1, 5 or 16, 32, 100; W: decoupled weight decay; P: random\n"
    "                 translation of up to P pixels, 0..4)\n"
    "  --flip, --no-flip  random horizontal flips (default: on for Fashion-MNIST only)\n";

struct ctx {
	double *loss, *tr, *te;
	size_t n;
	double t0;
};

static void on_epoch(unsigned ep, double loss, double tr, double te, void *user)
{
	struct ctx *c = user;
	cli_progress_end();
	c->loss[c->n] = loss;
	c->tr[c->n] = tr;
	c->te[c->n] = te;
	c->n++;
	printf("epoch %3u  loss %.4f  train %.2f%%", ep, loss, 100 * tr);
	if (te >= 0)
		printf("  test %.2f%%", 100 * te);
	printf("  %.1fs\n", cli_now() - c->t0);
	fflush(stdout);
}

static void on_progress(size_t done, size_t total, void *user)
{
	(void)user;
	cli_progress("training", done, total);
}

int hec_cmd_train(int argc, char **argv)
{
	const char *cmd = "train", *dataset = NULL, *arch = NULL, *out = NULL, *plot = NULL,
	           *data = NULL, *v;
	unsigned long long epochs = 0, seed = 1, threads = 0, batch = 0, shift = 1000, maps1 = 0,
	                   maps2 = 0, hidden = 0;
	double lr = 0, wd = -1;
	int flip = -1;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
#define OPT(name) ((r = cli_opt(cmd, argc, argv, &i, name, &v)) != 0)
		if (!strcmp(argv[i], "--flip")) {
			flip = 1;
		} else if (!strcmp(argv[i], "--no-flip")) {
			flip = 0;
		} else if (OPT("--dataset")) {
			if (r < 0) return 2;
			dataset = v;
		} else if (OPT("--arch")) {
			if (r < 0) return 2;
			arch = v;
		} else if (OPT("--out")) {
			if (r < 0) return 2;
			out = v;
		} else if (OPT("--plot")) {
			if (r < 0) return 2;
			plot = v;
		} else if (OPT("--data")) {
			if (r < 0) return 2;
			data = v;
		} else if (OPT("--epochs")) {
			if (r < 0 || cli_uint(cmd, "--epochs", v, 1, 1000, &epochs)) return 2;
		} else if (OPT("--seed")) {
			if (r < 0 || cli_uint(cmd, "--seed", v, 0, UINT64_MAX, &seed)) return 2;
		} else if (OPT("--threads")) {
			if (r < 0 || cli_uint(cmd, "--threads", v, 1, 1024, &threads)) return 2;
		} else if (OPT("--batch")) {
			if (r < 0 || cli_uint(cmd, "--batch", v, 16, 4096, &batch)) return 2;
		} else if (OPT("--shift")) {
			if (r < 0 || cli_uint(cmd, "--shift", v, 0, 4, &shift)) return 2;
		} else if (OPT("--maps1")) {
			if (r < 0 || cli_uint(cmd, "--maps1", v, 1, 256, &maps1)) return 2;
		} else if (OPT("--maps2")) {
			if (r < 0 || cli_uint(cmd, "--maps2", v, 1, 256, &maps2)) return 2;
		} else if (OPT("--hidden")) {
			if (r < 0 || cli_uint(cmd, "--hidden", v, 1, 4096, &hidden)) return 2;
		} else if (OPT("--wd")) {
			if (r < 0 || cli_double(cmd, "--wd", v, 0, 10.0, &wd)) return 2;
		} else if (OPT("--lr")) {
			if (r < 0 || cli_double(cmd, "--lr", v, 1e-6, 1.0, &lr)) return 2;
		} else {
			fprintf(stderr, "hecate %s: unknown argument '%s'; see `hecate train --help`\n", cmd,
			        argv[i]);
			return 2;
		}
#undef OPT
	}
	if (!dataset || !arch || !out) {
		fprintf(stderr, "hecate %s: --dataset, --arch and --out are required; see `hecate train --help`\n",
		        cmd);
		return 2;
	}
	if (strcmp(dataset, "mnist") && strcmp(dataset, "fashion-mnist")) {
		fprintf(stderr, "hecate %s: --dataset must be mnist or fashion-mnist, not '%s'\n", cmd,
		        dataset);
		return 2;
	}
	hec_ml_arch a;
	if (!strcmp(arch, "cryptonets"))
		a = HEC_ML_ARCH_CRYPTONETS;
	else if (!strcmp(arch, "deep"))
		a = HEC_ML_ARCH_DEEP;
	else {
		fprintf(stderr, "hecate %s: --arch must be cryptonets or deep, not '%s'\n", cmd, arch);
		return 2;
	}
	if (cli_check_writable(cmd, out) || (plot && cli_check_writable(cmd, plot)))
		return 1;
	cli_set_threads((unsigned)threads);

	hec_ml_train_opts_t o;
	hec_ml_train_opts_default(&o, a, dataset);
	if (epochs) o.epochs = (unsigned)epochs;
	o.seed = seed;
	if (batch) {
		if (batch % o.chunk) {
			fprintf(stderr, "hecate %s: --batch must be a multiple of %zu\n", cmd, o.chunk);
			return 2;
		}
		o.batch = batch;
	}
	if (shift != 1000) o.shift = (unsigned)shift;
	if (maps1) o.maps1 = maps1;
	if (maps2) o.maps2 = maps2;
	if (hidden) o.hidden = hidden;
	if (lr > 0) o.lr = (float)lr;
	if (wd >= 0) o.weight_decay = (float)wd;
	if (flip >= 0) o.flip = flip;

	hec_ml_dataset *train = NULL, *test = NULL;
	hec_status s = hec_ml_dataset_load(&train, dataset, HEC_ML_TRAIN, data);
	if (!s)
		s = hec_ml_dataset_load(&test, dataset, HEC_ML_TEST, data);
	if (s) {
		hec_ml_dataset_free(train);
		return cli_fail(cmd, s);
	}
	struct ctx c = {calloc(o.epochs, sizeof(double)), calloc(o.epochs, sizeof(double)),
	                calloc(o.epochs, sizeof(double)), 0, cli_now()};
	if (!c.loss || !c.tr || !c.te) {
		fprintf(stderr, "hecate %s: out of memory\n", cmd);
		return 1;
	}
	o.on_epoch = on_epoch;
	o.on_progress = on_progress;
	o.user = &c;
	fprintf(stderr, "hecate train: %s %s, %zu training images, %u epochs, seed %llu\n", dataset,
	        arch, hec_ml_dataset_count(train), o.epochs, seed);
	hec_ml_model *m = NULL;
	s = hec_ml_train_cnn(&m, train, test, &o);
	int rc = 0;
	if (s) {
		rc = cli_fail(cmd, s);
	} else {
		char note[256];
		snprintf(note, sizeof note,
		         "hecate train --dataset %s --arch %s --epochs %u --seed %llu --lr %g --wd %g "
		         "--batch %zu --shift %u%s --maps1 %zu --maps2 %zu --hidden %zu",
		         dataset, arch, o.epochs, seed, (double)o.lr, (double)o.weight_decay, o.batch,
		         o.shift, o.flip ? " --flip" : "", o.maps1, a == HEC_ML_ARCH_DEEP ? o.maps2 : 0,
		         o.hidden);
		hec_ml_model_set_note(m, note);
		s = hec_ml_model_save(m, out);
		if (s)
			rc = cli_fail(cmd, s);
		else
			fprintf(stderr, "hecate train: wrote %s (%.1fs)\n", out, cli_now() - c.t0);
		if (!rc && plot) {
			char title[128];
			snprintf(title, sizeof title, "%s %s, seed %llu", dataset, arch, seed);
			if (cli_plot_svg(cmd, plot, title, c.loss, c.tr, c.te, c.n, "epoch"))
				rc = 1;
		}
	}
	hec_ml_model_free(m);
	hec_ml_dataset_free(train);
	hec_ml_dataset_free(test);
	free(c.loss);
	free(c.tr);
	free(c.te);
	return rc;
}
