/* `hecate decrypt`: the client opens the server's encrypted scores. */
#include <complex.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "enc_util.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate decrypt --keys DIR Y.ct [--json] [--model MODEL.hcm] [--labels FILE]\n"
    "\n"
    "Decrypt the encrypted scores in Y.ct (from `hecate classify`) with the secret key\n"
    "in DIR/secret.key (--keys may also name the file) and print, per image, the\n"
    "predicted label (the arg-max of the scores, mapped through the model's class\n"
    "labels, which Y.ct records) and the per-class scores.  --json prints one object\n"
    "per image: {\"image\":N,\"label\":L,\"name\":\"...\",\"scores\":[...]}.\n"
    "\n"
    "--model checks that Y.ct was computed with MODEL.  --labels FILE (written by\n"
    "`hecate encrypt --labels`) adds each image's true label and the plaintext\n"
    "model's prediction, and a summary: agreement and accuracy.\n";

struct label_row {
	int truth; /* -1: unknown */
	int plain;
	char source[256];
};

/* Read the client-side labels file written by `hecate encrypt --labels`. */
static int read_labels(const char *cmd, const char *path, struct label_row *rows, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "hecate %s: %s: cannot open: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	char line[512];
	size_t k = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		size_t idx;
		char truth[16], src[256] = "";
		int plain, used = 0;
		if (sscanf(line, "%zu %15s %d %n", &idx, truth, &plain, &used) < 3 || idx != k || k >= n) {
			fprintf(stderr,
			        "hecate %s: %s: line for image %zu is malformed or out of order (or more "
			        "lines than "
			        "the %zu images)\n",
			        cmd, path, k, n);
			rc = -1;
			break;
		}
		snprintf(src, sizeof src, "%s", line + used);
		src[strcspn(src, "\r\n")] = 0;
		rows[k].truth = strcmp(truth, "-") ? atoi(truth) : -1;
		rows[k].plain = plain;
		snprintf(rows[k].source, sizeof rows[k].source, "%s", src);
		k++;
	}
	fclose(f);
	if (rc == 0 && k != n) {
		fprintf(stderr, "hecate %s: %s lists %zu images; the scores file holds %zu\n", cmd, path, k,
		        n);
		rc = -1;
	}
	return rc;
}

int hec_cmd_decrypt(int argc, char **argv)
{
	const char *cmd = "decrypt", *keys = NULL, *in = NULL, *mpath = NULL, *lpath = NULL, *v;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--keys", &v))) {
			if (r < 0)
				return 2;
			keys = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--model", &v))) {
			if (r < 0)
				return 2;
			mpath = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--labels", &v))) {
			if (r < 0)
				return 2;
			lpath = v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hecate %s: unknown option '%s'; see `hecate decrypt --help`\n", cmd,
			        argv[i]);
			return 2;
		} else if (!in) {
			in = argv[i];
		} else {
			fprintf(stderr, "hecate %s: unexpected argument '%s'\n", cmd, argv[i]);
			return 2;
		}
	}
	if (!keys || !in) {
		fprintf(stderr, "hecate %s: need --keys DIR and Y.ct; see `hecate decrypt --help`\n", cmd);
		return 2;
	}
	int rc = 1;
	hec_ml_model *m = NULL;
	hec_ml_enc_plan *p = NULL;
	hec_context *c = NULL;
	hec_secret_key *sk = NULL;
	hec_ciphertext *ct = NULL;
	hec_plaintext *pt = NULL;
	double complex *slots = NULL;
	struct label_row *rows = NULL;
	FILE *f = NULL;
	hec_status s;
	double t0 = cli_now();

	if (mpath && cli_load_model_plan(cmd, mpath, &m, &p))
		goto done;
	if ((s = cli_load_secret(keys, &c, &sk)) != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	f = fopen(in, "rb");
	if (!f) {
		fprintf(stderr, "hecate %s: %s: cannot open: %s\n", cmd, in, strerror(errno));
		goto done;
	}
	struct cli_enc_meta meta;
	if ((s = cli_meta_read(f, &meta, CLI_OBJ_SCORES)) != HEC_OK) {
		fprintf(stderr, "hecate %s: %s: %s\n", cmd, in, hec_error_detail());
		goto done;
	}
	if (meta.fingerprint != hec_context_fingerprint(c)) {
		fprintf(
		    stderr,
		    "hecate %s: %s belongs to parameters %016llx, but the secret key in %s to %016llx: it "
		    "was not computed on images encrypted with this key\n",
		    cmd, in, (unsigned long long)meta.fingerprint, keys,
		    (unsigned long long)hec_context_fingerprint(c));
		goto done;
	}
	if (m) {
		uint64_t mid;
		if ((s = cli_model_id(&mid, m)) != HEC_OK) {
			rc = cli_fail(cmd, s);
			goto done;
		}
		if (mid != meta.model_id) {
			fprintf(stderr,
			        "hecate %s: %s was computed with model %016llx, not with %s (%016llx)\n", cmd,
			        in, (unsigned long long)meta.model_id, mpath, (unsigned long long)mid);
			goto done;
		}
	}
	const bool batch = meta.layout == CLI_LAYOUT_BATCH;
	if (meta.cts_per_group != (batch ? meta.n_classes : 1)) {
		fprintf(stderr, "hecate %s: %s: %u ciphertexts per %s; scores take %u\n", cmd, in,
		        meta.cts_per_group, cli_meta_group_name(&meta), batch ? meta.n_classes : 1);
		goto done;
	}
	if (batch && meta.batch > hec_context_slots(c)) {
		fprintf(stderr, "hecate %s: %s: batches of %u images; these parameters hold %zu\n", cmd, in,
		        meta.batch, hec_context_slots(c));
		goto done;
	}
	if (lpath) {
		rows = calloc(meta.images, sizeof *rows);
		if (!rows || read_labels(cmd, lpath, rows, meta.images))
			goto done;
	}
	size_t ns = hec_context_slots(c);
	slots = malloc(ns * sizeof *slots);
	s = slots ? hec_ciphertext_new(&ct, c) : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	if (s == HEC_OK)
		s = hec_plaintext_new(&pt, c);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	/* Read and decrypt everything before printing, so a truncated file
	 * prints an error and no partial answer. */
	double *scores = malloc((size_t)meta.images * meta.n_classes * sizeof *scores);
	if (!scores) {
		rc = cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}
	double t1 = cli_now();
	char what[96];
	/* Batch layout: ciphertext k of a batch holds class k's score of
	 * every image of the batch, image j in slot j. */
	for (uint32_t b = 0; batch && b < cli_meta_groups(&meta) && s == HEC_OK; b++) {
		const uint32_t first = b * meta.batch,
		               count = meta.images - first < meta.batch ? meta.images - first : meta.batch;
		for (uint32_t k = 0; k < meta.n_classes && s == HEC_OK; k++) {
			snprintf(what, sizeof what, "%s: batch %u, class %u", in, b + 1, k + 1);
			s = cli_read_ct(f, ct, what);
			if (s == HEC_OK)
				s = hec_decrypt(pt, sk, ct);
			if (s == HEC_OK)
				s = hec_ckks_decode(slots, ns, pt);
			for (uint32_t j = 0; s == HEC_OK && j < count; j++)
				scores[(size_t)(first + j) * meta.n_classes + k] = creal(slots[j]);
		}
	}
	for (uint32_t i = 0; !batch && i < meta.images && s == HEC_OK; i++) {
		snprintf(what, sizeof what, "%s: image %u", in, i + 1);
		s = cli_read_ct(f, ct, what);
		double *sc = scores + (size_t)i * meta.n_classes;
		if (s == HEC_OK && p) {
			s = hec_ml_enc_decrypt_scores(p, sk, ct, sc);
		} else if (s == HEC_OK) {
			/* Without the model: the scores are the first slots (the
			 * server masked all others to zero). */
			s = hec_decrypt(pt, sk, ct);
			if (s == HEC_OK)
				s = hec_ckks_decode(slots, ns, pt);
			for (uint32_t j = 0; s == HEC_OK && j < meta.n_classes; j++)
				sc[j] = creal(slots[j]);
		}
	}
	if (s == HEC_OK)
		s = cli_expect_eof(f, in);
	double t_dec = cli_now() - t1;
	if (s != HEC_OK) {
		free(scores);
		rc = cli_fail(cmd, s);
		goto done;
	}
	size_t agree = 0, correct = 0, known = 0;
	for (uint32_t i = 0; i < meta.images; i++) {
		const double *sc = scores + (size_t)i * meta.n_classes;
		uint32_t best = 0;
		for (uint32_t j = 1; j < meta.n_classes; j++)
			if (sc[j] > sc[best])
				best = j;
		unsigned label = meta.labels[best];
		const char *name = cli_class_name(meta.dataset, label);
		if (rows) {
			agree += rows[i].plain == (int)label;
			known += rows[i].truth >= 0;
			correct += rows[i].truth == (int)label;
		}
		if (json) {
			printf("{\"image\":%u,\"label\":%u,\"name\":\"%s\",\"scores\":[", i, label, name);
			for (uint32_t j = 0; j < meta.n_classes; j++)
				printf("%s%.6g", j ? "," : "", sc[j]);
			printf("]");
			if (rows && rows[i].truth >= 0)
				printf(",\"true\":%d", rows[i].truth);
			if (rows)
				printf(",\"plaintext\":%d", rows[i].plain);
			printf("}\n");
			continue;
		}
		printf("image %u: %u", i, label);
		if (strcmp(name, "?") && strcmp(meta.dataset, "mnist"))
			printf(" (%s)", name);
		if (rows) {
			if (rows[i].truth >= 0)
				printf("   true %d%s", rows[i].truth,
				       rows[i].truth == (int)label ? "" : " (WRONG)");
			printf("   plaintext model %d%s", rows[i].plain,
			       rows[i].plain == (int)label ? "" : " (DIFFERS)");
			if (*rows[i].source)
				printf("   [%s]", rows[i].source);
		}
		printf("\n  scores:");
		for (uint32_t j = 0; j < meta.n_classes; j++)
			printf(" %u:%.3f", meta.labels[j], sc[j]);
		printf("\n");
	}
	if (!json) {
		if (rows) {
			printf("agreement:   %zu / %u with the plaintext model\n", agree, meta.images);
			if (known)
				printf("accuracy:    %zu / %zu (%.2f%%)\n", correct, known,
				       100.0 * (double)correct / (double)known);
		}
		printf("time:        %.3f s decrypting (%.4f s per image), %.3f s in all\n", t_dec,
		       t_dec / meta.images, cli_now() - t0);
	}
	free(scores);
	rc = 0;
done:
	if (f)
		fclose(f);
	free(rows);
	free(slots);
	hec_plaintext_free(pt);
	hec_ciphertext_free(ct);
	hec_secret_key_free(sk);
	hec_context_free(c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
	return rc;
}
