/* `hecate encrypt`: the client encrypts images for a model's encrypted
 * evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "enc_util.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate encrypt --keys DIR --model MODEL.hcm --out X.ct\n"
    "                      (IMAGE... [--invert] [--resize] |\n"
    "                       --dataset mnist|fashion-mnist --index I[..J] [--split test|train] [--data DIR])\n"
    "                      [--labels FILE] [--threads T]\n"
    "\n"
    "Encrypt images for classification by MODEL (client side) with the secret key in\n"
    "DIR/secret.key (written by `hecate keygen`; --keys may also name the file).\n"
    "Each image becomes the model plan's few ciphertexts (the first convolution's\n"
    "receptive fields, unrolled), encrypted symmetrically with a fresh seed; with\n"
    "keys of `hecate keygen --layout batch`, the images go one per slot instead,\n"
    "in batches of up to N/2 (one ciphertext per pixel and batch).\n"
    "\n"
    "Images: PNG, JPEG or PGM files, 28x28 (--resize area-resamples any size first),\n"
    "light ink on a dark background as in MNIST (--invert for dark ink on white).\n"
    "Or test images of a data set by index (I..J inclusive, numbered from 0); the\n"
    "data set is looked up as `hecate eval` does (--data DIR, $HECATE_DATA,\n"
    "./data/NAME, /usr/share/datasets/NAME).\n"
    "\n"
    "X.ct holds a small header (image count, model id, parameter fingerprint) and\n"
    "the ciphertexts; nothing else.  --labels FILE writes, for the client only, each\n"
    "image's true label (data sets) and the plaintext model's prediction, which\n"
    "`hecate decrypt --labels FILE` prints next to the decrypted labels.\n";

struct image_src {
	const char *path; /* or NULL for a data-set image */
	size_t index;
	unsigned truth; /* data sets only */
};

static unsigned argmax_label(const hec_ml_model *m, const float *scores)
{
	size_t k = hec_ml_model_output_count(m), best = 0;
	for (size_t i = 1; i < k; i++)
		if (scores[i] > scores[best])
			best = i;
	return hec_ml_model_class_label(m, best);
}

int hec_cmd_encrypt(int argc, char **argv)
{
	const char *cmd = "encrypt", *keys = NULL, *mpath = NULL, *out = NULL, *dsname = NULL, *index = NULL;
	const char *data = NULL, *split = "test", *labels = NULL, *v;
	int invert = 0, resize = 0;
	unsigned long long threads = 0;
	const char **paths = calloc((size_t)argc, sizeof *paths);
	size_t npaths = 0;
	if (!paths)
		return cli_fail(cmd, HEC_ERR_NOMEM);
	for (int i = 1; i < argc; i++) {
		int r = 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			free(paths);
			return 0;
		}
		if (!strcmp(argv[i], "--invert"))
			invert = 1;
		else if (!strcmp(argv[i], "--resize"))
			resize = 1;
		else if ((r = cli_opt(cmd, argc, argv, &i, "--keys", &v)) > 0)
			keys = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--model", &v)) > 0)
			mpath = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--out", &v)) > 0)
			out = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--dataset", &v)) > 0)
			dsname = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--index", &v)) > 0)
			index = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--split", &v)) > 0)
			split = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--data", &v)) > 0)
			data = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--labels", &v)) > 0)
			labels = v;
		else if (r == 0 && (r = cli_opt(cmd, argc, argv, &i, "--threads", &v)) > 0) {
			if (cli_uint(cmd, "--threads", v, 1, 1024, &threads))
				r = -1;
		} else if (r == 0 && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hecate %s: unknown option '%s'; see `hecate encrypt --help`\n", cmd,
			        argv[i]);
			r = -1;
		} else if (r == 0)
			paths[npaths++] = argv[i];
		if (r < 0) {
			free(paths);
			return 2;
		}
	}
	const char *why = !keys || !mpath || !out ? "need --keys DIR, --model MODEL.hcm and --out X.ct"
	                  : !npaths && !dsname    ? "need IMAGE files or --dataset NAME --index I[..J]"
	                  : npaths && dsname      ? "give IMAGE files or --dataset, not both"
	                  : dsname && !index      ? "--dataset needs --index I[..J]"
	                  : !dsname && index      ? "--index needs --dataset"
	                  : strcmp(split, "test") && strcmp(split, "train") ? "--split is test or train"
	                                                                    : NULL;
	if (why) {
		fprintf(stderr, "hecate %s: %s; see `hecate encrypt --help`\n", cmd, why);
		free(paths);
		return 2;
	}
	size_t lo = 0, hi = 0;
	if (index && cli_range(cmd, "--index", index, &lo, &hi)) {
		free(paths);
		return 2;
	}
	cli_set_threads((unsigned)threads);

	int rc = 1;
	hec_ml_model *m = NULL;
	hec_ml_enc_plan *p = NULL;
	hec_context *c = NULL;
	hec_secret_key *sk = NULL;
	hec_ml_dataset *d = NULL;
	hec_ciphertext **cts = NULL;
	struct image_src *src = NULL;
	float *inputs = NULL;
	unsigned *plain = NULL;
	size_t nimg = dsname ? hi - lo + 1 : npaths, ncts = 0, insize = 0;
	struct cli_out o = {0}, ol = {0};
	hec_status s;

	if (nimg > CLI_MAX_IMAGES) {
		fprintf(stderr, "hecate %s: %zu images; at most %u per file\n", cmd, nimg, CLI_MAX_IMAGES);
		goto done;
	}
	if (cli_check_writable(cmd, out) || (labels && cli_check_writable(cmd, labels)))
		goto done;
	if (cli_load_model_plan(cmd, mpath, &m, &p))
		goto done;
	if ((s = cli_load_secret(keys, &c, &sk)) != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	const enum cli_layout layout = cli_layout_of(p, hec_context_params(c));
	if (!layout) {
		fprintf(
		    stderr,
		    "hecate %s: the keys in %s were made for other parameters (%zu levels) than %s needs in "
		    "either layout: run `hecate keygen --model %s` for this model\n",
		    cmd, keys, hec_context_max_level(c), mpath, mpath);
		goto done;
	}
	const bool batch = layout == CLI_LAYOUT_BATCH;
	const size_t per_batch = batch ? hec_context_slots(c) : 1;

	/* Every input first, so a bad image fails before any encryption. */
	insize = hec_ml_model_input_size(m);
	ncts = batch ? hec_ml_enc_batch_input_cts(p) : hec_ml_enc_plan_input_cts(p);
	struct cli_enc_meta meta = {.type = CLI_OBJ_INPUTS,
	                            .fingerprint = hec_context_fingerprint(c),
	                            .layout = layout,
	                            .batch = batch ? (uint32_t)per_batch : 0,
	                            .images = (uint32_t)nimg,
	                            .cts_per_group = (uint32_t)ncts};
	if ((s = cli_meta_from_model(&meta, m)) != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	src = calloc(nimg, sizeof *src);
	inputs = malloc(nimg * insize * sizeof *inputs);
	plain = calloc(nimg, sizeof *plain);
	if (!src || !inputs || !plain) {
		rc = cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}
	float scores[HEC_ML_MAX_CLASSES];
	if (dsname) {
		s = hec_ml_dataset_load(&d, dsname, !strcmp(split, "test") ? HEC_ML_TEST : HEC_ML_TRAIN,
		                        data);
		if (s != HEC_OK) {
			rc = cli_fail(cmd, s);
			goto done;
		}
		if (hi >= hec_ml_dataset_count(d)) {
			fprintf(stderr, "hecate %s: --index %s: the %s %s split has %zu images (0..%zu)\n",
			        cmd, index, dsname, split, hec_ml_dataset_count(d),
			        hec_ml_dataset_count(d) - 1);
			goto done;
		}
		if (strcmp(dsname, hec_ml_model_dataset(m)))
			fprintf(stderr, "hecate %s: warning: %s was trained on %s, not %s\n", cmd, mpath,
			        hec_ml_model_dataset(m), dsname);
		for (size_t i = 0; i < nimg; i++) {
			src[i].index = lo + i;
			src[i].truth = hec_ml_dataset_label(d, lo + i);
			hec_ml_model_prepare_input_u8(m, inputs + i * insize,
			                              hec_ml_dataset_image(d, lo + i));
		}
	} else {
		for (size_t i = 0; i < nimg; i++) {
			hec_ml_image_t img;
			float px[784];
			hec_ml_image_init(&img);
			src[i].path = paths[i];
			s = hec_ml_image_load(&img, paths[i]);
			if (s == HEC_OK && !resize && (img.width != 28 || img.height != 28))
				s = hec_error_set(
				    HEC_ERR_FORMAT,
				    "%s is %zux%zu pixels; the model reads 28x28 (pass --resize "
				    "to area-resample it)",
				    paths[i], img.width, img.height);
			if (s == HEC_OK)
				s = hec_ml_image_resample(px, 28, 28, &img, invert);
			hec_ml_image_clear(&img);
			if (s != HEC_OK) {
				rc = cli_fail(cmd, s);
				goto done;
			}
			hec_ml_model_prepare_input(m, inputs + i * insize, px);
		}
	}
	for (size_t i = 0; labels && i < nimg; i++) {
		if ((s = hec_ml_model_forward(m, scores, inputs + i * insize)) != HEC_OK) {
			rc = cli_fail(cmd, s);
			goto done;
		}
		plain[i] = argmax_label(m, scores);
	}

	cts = calloc(ncts, sizeof *cts);
	if (!cts) {
		rc = cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}
	s = HEC_OK;
	for (size_t g = 0; g < ncts && s == HEC_OK; g++)
		s = hec_ciphertext_new(&cts[g], c);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	if (cli_out_open(cmd, &o, out, 0644))
		goto done;
	s = cli_meta_write(o.f, &meta);
	double t_enc = 0, t0 = cli_now();
	size_t bytes = 0;
	/* Group by group: an image, or a batch of images one per slot. */
	for (size_t i = 0; i < nimg && s == HEC_OK; i += per_batch) {
		const size_t count = nimg - i < per_batch ? nimg - i : per_batch;
		double t1 = cli_now();
		s = batch ? hec_ml_enc_batch_encrypt(p, sk, cts, inputs + i * insize, count)
		          : hec_ml_enc_encrypt_input(p, sk, cts, inputs + i * insize);
		t_enc += cli_now() - t1;
		if (s == HEC_OK)
			s = cli_write_cts(o.f, cts, ncts, &bytes);
		cli_progress("encrypting", i + count, nimg);
	}
	cli_progress_end();
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	if (labels) {
		if (cli_out_open(cmd, &ol, labels, 0600))
			goto done;
		fprintf(ol.f,
		        "# hecate encrypt: client-side labels for %s (do not send to the server)\n"
		        "# image true plaintext-prediction source\n",
		        out);
		for (size_t i = 0; i < nimg; i++) {
			if (src[i].path)
				fprintf(ol.f, "%zu - %u %s\n", i, plain[i], src[i].path);
			else
				fprintf(ol.f, "%zu %u %u %s:%s:%zu\n", i, src[i].truth, plain[i], dsname,
				        split, src[i].index);
		}
		if (cli_out_commit(cmd, &ol, false))
			goto done;
	}
	if (cli_out_commit(cmd, &o, false))
		goto done;
	double t_all = cli_now() - t0;
	char b1[32];
	if (batch)
		printf("encrypted:   %zu image%s from %s, one per slot: %u batch%s of %zu ciphertexts "
		       "(parameters "
		       "%016llx)\n",
		       nimg, nimg == 1 ? "" : "s", dsname ? dsname : "image files", cli_meta_groups(&meta),
		       cli_meta_groups(&meta) == 1 ? "" : "es", ncts, (unsigned long long)meta.fingerprint);
	else
		printf("encrypted:   %zu image%s from %s, %zu ciphertexts each (parameters %016llx)\n", nimg,
		       nimg == 1 ? "" : "s", dsname ? dsname : "image files", ncts,
		       (unsigned long long)meta.fingerprint);
	printf("output:      %s (%s, %s per image)\n", out, cli_bytes_str(b1, sizeof b1, bytes + 160),
	       cli_bytes_str((char[32]){0}, 32, bytes / nimg));
	if (labels)
		printf("labels:      %s (client side only)\n", labels);
	if (batch)
		printf("time:        %.3f s encrypting (%.3f s per batch), %.3f s with writing\n", t_enc,
		       t_enc / (double)cli_meta_groups(&meta), t_all);
	else
		printf("time:        %.3f s encrypting (%.3f s per image), %.3f s with writing\n", t_enc,
		       t_enc / (double)nimg, t_all);
	rc = 0;
done:
	cli_out_abort(&o);
	cli_out_abort(&ol);
	for (size_t g = 0; cts && g < ncts; g++)
		hec_ciphertext_free(cts[g]);
	free(cts);
	free(src);
	free(inputs);
	free(plain);
	free(paths);
	hec_ml_dataset_free(d);
	hec_secret_key_free(sk);
	hec_context_free(c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
	return rc;
}
