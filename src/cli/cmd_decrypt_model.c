/* `hecate decrypt-model`: the key owner opens an encrypted logistic-
 * regression model (from `hecate train-encrypted`) into a plaintext model
 * file that `hecate eval` and `hecate predict` read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "enc_util.h"
#include "lr_cli.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate decrypt-model --keys DIR MODEL.ct --out MODEL.hcm\n"
    "\n"
    "Decrypt the encrypted logistic-regression model MODEL.ct (from `hecate\n"
    "train-encrypted`) with the secret key in DIR/secret.key (--keys may also name\n"
    "the file) and write the plaintext model MODEL.hcm: dense 196 -> 1 and the\n"
    "training sigmoid, as `hecate train-lr` writes it, so `hecate eval MODEL.hcm`\n"
    "reports its test accuracy.  If DIR/eval.keys is there, the model is first\n"
    "checked to come from these keys.\n";

int hec_cmd_decrypt_model(int argc, char **argv)
{
	const char *cmd = "decrypt-model", *keys = NULL, *in = NULL, *out = NULL, *v;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if ((r = cli_opt(cmd, argc, argv, &i, "--keys", &v))) {
			if (r < 0)
				return 2;
			keys = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--out", &v))) {
			if (r < 0)
				return 2;
			out = v;
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
	if (!keys || !in || !out) {
		fprintf(stderr, "hecate %s: need --keys DIR, MODEL.ct and --out MODEL.hcm; see `hecate %s --help`\n",
		        cmd, cmd);
		return 2;
	}
	if (cli_check_writable(cmd, out))
		return 1;
	int rc = 1;
	hec_context *c = NULL;
	hec_secret_key *sk = NULL;
	hec_ml_enc_lr_model *em = NULL;
	hec_ml_model *m = NULL;
	FILE *f = NULL;
	hec_status s = cli_load_secret(keys, &c, &sk);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	f = fopen(in, "rb");
	if (!f)
		s = hec_error_set(HEC_ERR_IO, "%s: cannot open", in);
	if (s == HEC_OK)
		s = hec_ml_enc_lr_model_read(&em, c, f);
	if (s != HEC_OK) {
		char det[512];
		snprintf(det, sizeof det, "%s", hec_error_detail());
		rc = cli_fail(cmd, hec_error_set(s, "%s: %s", in, det));
		goto done;
	}
	const hec_ml_enc_lr_info_t *info = hec_ml_enc_lr_model_info(em);
	/* Same parameters do not mean same keys: compare the key ids when
	 * the public key is at hand. */
	uint64_t id;
	if (info->key_id && lr_read_key_id(keys, c, &id) == HEC_OK && id != info->key_id) {
		fprintf(stderr, "hecate %s: %s was trained on data encrypted under other keys than those in %s\n", cmd,
		        in, keys);
		goto done;
	}
	if (info->task != HEC_ML_LR_MNIST_3V8 && info->task != HEC_ML_LR_FASHION_TSHIRT_SHIRT) {
		fprintf(stderr, "hecate %s: %s was trained on a feature matrix, not on an image task; there is no "
		        "image model to write\n", cmd, in);
		goto done;
	}
	const hec_ml_enc_lr_layout_t *l = hec_ml_enc_lr_model_layout(em);
	double *w = calloc(l->features, sizeof *w);
	if (!w) {
		cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}
	s = hec_ml_enc_lr_decrypt(w, em, sk);
	/* Decrypting under the wrong secret gives values of the size of the
	 * modulus: no logistic-regression weight looks like that. */
	double wmax = 0;
	for (size_t i = 0; s == HEC_OK && i < l->features; i++)
		wmax = isfinite(w[i]) ? fmax(wmax, fabs(w[i])) : INFINITY;
	if (s == HEC_OK && !(wmax < 1e4))
		s = hec_error_set(HEC_ERR_MISMATCH, "%s decrypts to values up to %.3g, not weights: it was not "
		                  "trained under the keys in %s", in, wmax, keys);
	if (s == HEC_OK && l->features != 197)
		s = hec_error_set(HEC_ERR_FORMAT, "%s has %zu features, an image model 197", in, l->features);
	const hec_ml_lr_opts_t *o = hec_ml_enc_lr_model_opts(em);
	if (s == HEC_OK)
		s = hec_ml_enc_lr_to_model(&m, w, (hec_ml_lr_task)info->task, o->degree);
	free(w);
	if (s == HEC_OK) {
		char note[256];
		snprintf(note, sizeof note,
		         "encrypted training: task=%s iterations=%u degree=%u lr=%g decay=%g l2=%g batch=%zu seed=%llu "
		         "samples=%zu", hec_ml_lr_task_name((hec_ml_lr_task)info->task), o->iterations, o->degree, o->lr0,
		         o->lr_decay, o->l2, l->batch, (unsigned long long)info->seed, l->samples);
		s = hec_ml_model_set_note(m, note);
	}
	if (s == HEC_OK)
		s = hec_ml_model_save(m, out);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	printf("model:       %s (%s, %u iterations on %zu encrypted samples, largest weight %.4f)\n", out,
	       hec_ml_lr_task_name((hec_ml_lr_task)info->task), o->iterations, l->samples, wmax);
	printf("next:        hecate eval %s\n", out);
	rc = 0;
done:
	if (f)
		fclose(f);
	hec_ml_model_free(m);
	hec_ml_enc_lr_model_free(em);
	hec_secret_key_free(sk);
	hec_context_free(c);
	return rc;
}
