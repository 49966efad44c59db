/* `hecate keygen`: the client's keys for one model's encrypted evaluation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "enc_util.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate keygen --model MODEL.hcm --out DIR [--layout latency|batch] [--threads T]\n"
    "\n"
    "Generate the keys for classifying images encrypted under MODEL (client side).\n"
    "DIR is created if missing (mode 0700) and receives two files:\n"
    "\n"
    "  DIR/secret.key  the parameters, then the secret key.  Stays with the client:\n"
    "                  encrypt and decrypt read it.  Created with mode 0600 and never\n"
    "                  overwritten: keygen refuses to run if it exists.\n"
    "  DIR/eval.keys   the parameters, the public key (used by the server only to\n"
    "                  re-randomise its result), the relinearisation key and exactly\n"
    "                  the rotation keys the model's evaluation needs, seeded and\n"
    "                  bit-packed.  Give this file to the server (hecate classify).\n"
    "\n"
    "The CKKS parameters are derived from the model (its packing plan's depth),\n"
    "128-bit secure by the Homomorphic Encryption Standard; `hecate info FILE`\n"
    "prints them.  The secret comes from the operating system's CSPRNG.\n"
    "\n"
    "--layout picks how images are packed, which the keys then fix for encrypt,\n"
    "classify and decrypt:\n"
    "  latency  (default) one image per ciphertext group: the fastest answer for\n"
    "           a few images (rotation keys included);\n"
    "  batch    one image per slot, up to N/2 = 8192 images per batch in the same\n"
    "           time as one: the most images per second (relinearisation key\n"
    "           only, no rotations).\n";

/* mkdir -p: missing parents 0755, the key directory itself 0700. */
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

int hec_cmd_keygen(int argc, char **argv)
{
	const char *cmd = "keygen", *mpath = NULL, *dir = NULL, *v;
	unsigned long long threads = 0;
	enum cli_layout layout = CLI_LAYOUT_LATENCY;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if ((r = cli_opt(cmd, argc, argv, &i, "--model", &v))) {
			if (r < 0)
				return 2;
			mpath = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--out", &v))) {
			if (r < 0)
				return 2;
			dir = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--threads", &v))) {
			if (r < 0 || cli_uint(cmd, "--threads", v, 1, 1024, &threads))
				return 2;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--layout", &v))) {
			if (r < 0)
				return 2;
			if (strcmp(v, "latency") && strcmp(v, "batch")) {
				fprintf(stderr, "hecate %s: --layout %s: expected latency or batch\n", cmd,
				        v);
				return 2;
			}
			layout = strcmp(v, "batch") ? CLI_LAYOUT_LATENCY : CLI_LAYOUT_BATCH;
		} else {
			fprintf(stderr, "hecate %s: unexpected argument '%s'; see `hecate keygen --help`\n",
			        cmd, argv[i]);
			return 2;
		}
	}
	if (!mpath || !dir) {
		fprintf(stderr,
		        "hecate %s: need --model MODEL.hcm and --out DIR; see `hecate keygen --help`\n", cmd);
		return 2;
	}
	cli_set_threads((unsigned)threads);
	size_t dl = strlen(dir);
	char *skpath = malloc(dl + 32), *ekpath = malloc(dl + 32);
	if (!skpath || !ekpath) {
		free(skpath);
		free(ekpath);
		return cli_fail(cmd, HEC_ERR_NOMEM);
	}
	sprintf(skpath, "%s/%s", dir, CLI_SECRET_KEY_FILE);
	sprintf(ekpath, "%s/%s", dir, CLI_EVAL_KEYS_FILE);
	int rc = 1;
	hec_ml_model *m = NULL;
	hec_ml_enc_plan *p = NULL;
	hec_context *c = NULL;
	hec_secret_key *sk = NULL;
	hec_public_key *pk = NULL;
	hec_eval_keys *ek = NULL;
	uint8_t *b_par = NULL, *b_sk = NULL, *b_pk = NULL, *b_ek = NULL;
	size_t l_par = 0, l_sk = 0, l_pk = 0, l_ek = 0;
	int64_t *steps = NULL;
	struct cli_out osk = {0}, oek = {0};
	struct stat st;

	if (lstat(skpath, &st) == 0) {
		fprintf(stderr,
		        "hecate %s: %s already exists; refusing to overwrite a secret key (choose another "
		        "--out directory or remove the old keys yourself)\n",
		        cmd, skpath);
		goto done;
	}
	if (cli_load_model_plan(cmd, mpath, &m, &p))
		goto done;
	hec_params_t params;
	hec_status s = cli_layout_params(p, layout, &params);
	if (s == HEC_OK)
		s = hec_context_new(&c, &params);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "hecate %s: cannot create directory %s: %s\n", cmd, dir, strerror(errno));
		goto done;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hecate %s: %s is not a directory\n", cmd, dir);
		goto done;
	}
	size_t nsteps = 0;
	if (layout == CLI_LAYOUT_LATENCY && cli_plan_steps(p, &steps, &nsteps)) {
		rc = cli_fail(cmd, HEC_ERR_NOMEM);
		goto done;
	}

	double t0 = cli_now();
	s = hec_secret_key_new(&sk, c);
	if (s == HEC_OK)
		s = hec_public_key_new(&pk, sk);
	if (s == HEC_OK)
		s = hec_eval_keys_new(&ek, sk, true, steps, nsteps, false);
	double t1 = cli_now();
	if (s == HEC_OK)
		s = hec_params_serialize(c, &b_par, &l_par);
	if (s == HEC_OK)
		s = hec_secret_key_serialize(sk, &b_sk, &l_sk);
	if (s == HEC_OK)
		s = hec_public_key_serialize(pk, &b_pk, &l_pk);
	if (s == HEC_OK)
		s = hec_eval_keys_serialize(ek, &b_ek, &l_ek);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	if (cli_out_open(cmd, &osk, skpath, 0600) || cli_out_open(cmd, &oek, ekpath, 0644))
		goto done;
	s = hec_object_write(osk.f, b_par, l_par);
	if (s == HEC_OK)
		s = hec_object_write(osk.f, b_sk, l_sk);
	if (s == HEC_OK)
		s = hec_object_write(oek.f, b_par, l_par);
	if (s == HEC_OK)
		s = hec_object_write(oek.f, b_pk, l_pk);
	if (s == HEC_OK)
		s = hec_object_write(oek.f, b_ek, l_ek);
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	/* The secret key first, exclusively: if it appeared meanwhile,
	 * nothing is replaced. */
	if (cli_out_commit(cmd, &osk, true) || cli_out_commit(cmd, &oek, false))
		goto done;
	double t2 = cli_now();

	char b1[32], b2[32], b3[32];
	printf("model:       %s\n", mpath);
	hec_context_describe(c, stdout);
	if (layout == CLI_LAYOUT_BATCH) {
		printf("plan:        batch layout: up to %zu images per batch, one per slot; %zu ciphertexts "
		       "per batch, "
		       "%zu levels (one per linear layer), no rotation keys\n",
		       hec_context_slots(c), hec_ml_enc_batch_input_cts(p), hec_ml_enc_batch_depth(p));
	} else {
		printf("plan:        depth %zu, %zu ciphertexts per image, %zu rotation keys:",
		       hec_ml_enc_plan_depth(p), hec_ml_enc_plan_input_cts(p), nsteps);
		for (size_t i = 0; i < nsteps; i++)
			printf(" %lld", (long long)steps[i]);
		printf("\n");
	}
	printf("secret key:  %s (%s, mode 0600)\n", skpath, cli_bytes_str(b1, sizeof b1, l_par + l_sk));
	printf("eval keys:   %s (%s: public key %s, relinearisation + %zu rotation keys %s)\n", ekpath,
	       cli_bytes_str(b1, sizeof b1, l_par + l_pk + l_ek), cli_bytes_str(b2, sizeof b2, l_pk), nsteps,
	       cli_bytes_str(b3, sizeof b3, l_ek));
	printf("time:        %.3f s generating, %.3f s writing\n", t1 - t0, t2 - t1);
	rc = 0;
done:
	cli_out_abort(&osk);
	cli_out_abort(&oek);
	if (b_sk)
		explicit_bzero(b_sk, l_sk);
	free(b_par);
	free(b_sk);
	free(b_pk);
	free(b_ek);
	free(steps);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_secret_key_free(sk);
	hec_context_free(c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
	free(skpath);
	free(ekpath);
	return rc;
}
