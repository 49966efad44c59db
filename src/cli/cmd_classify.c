/* `hecate classify`: the server evaluates a model on encrypted images with
 * public material only (eval.keys), or estimates the cost (--dry-run). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "commands.h"
#include "enc_util.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate classify --model MODEL.hcm --eval-keys FILE X.ct --out Y.ct [--threads T]\n"
    "       hecate classify --model MODEL.hcm [--eval-keys FILE] --dry-run [--threads T]\n"
    "\n"
    "The server side: evaluate MODEL on the encrypted images in X.ct (from `hecate\n"
    "encrypt`) with the public evaluation keys in FILE (DIR/eval.keys from `hecate\n"
    "keygen`, or the directory holding it), and write the encrypted scores to Y.ct\n"
    "for `hecate decrypt`.  No secret key is read or needed.  Every slot of a result\n"
    "but the scores is masked to zero and the result is re-randomised with the\n"
    "public key before it is written.  With several images, T threads (default: all\n"
    "cores) classify images side by side; progress goes to stderr.  Images encrypted\n"
    "in the batch layout (keys of `hecate keygen --layout batch`) are classified a\n"
    "batch of up to N/2 at a time, one image per slot, every slot a score.\n"
    "\n"
    "--dry-run prints, without classifying, the plan's per-layer operation counts\n"
    "(rotations, ct x pt and ct x ct products, rescales), the levels used, the key\n"
    "sizes, and an estimated time per image from timing each operation once at the\n"
    "real parameters on this machine.  Without --eval-keys it generates throwaway\n"
    "keys for the calibration.\n";

/* ---- dry run ------------------------------------------------------------ */

enum { OP_CTPT, OP_MULRELIN, OP_ROT, OP_HOIST, OP_RESCALE, OP_ADD, OP_ENCZERO, NOPS };
static const char *const op_names[NOPS] = {"ct x pt",           "ct x ct + relin", "rotations",
                                           "hoisted rotations", "rescales",        "additions",
                                           "encryption of zero"};

/* CPU seconds of the calling thread: the calibration measures the work,
 * not how busy the machine happens to be. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of the whole process (every thread). */
static double proc_cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One stage of the plan (a line of hec_ml_enc_plan_describe). */
struct stage_cost {
	char *text;
	long level; /* -1: no operations */
	double n[NOPS];
};

/* The number written just before `word` in line (0 if absent). */
static double count_before(const char *line, const char *word)
{
	const char *w = strstr(line, word);
	if (!w || w == line)
		return 0;
	const char *q = w;
	while (q > line && q[-1] == ' ')
		q--;
	while (q > line && q[-1] >= '0' && q[-1] <= '9')
		q--;
	return atof(q);
}

/* Seconds for each operation with a non-zero count at `level`. */
static hec_status time_ops(hec_evaluator *ev, const hec_public_key *pk, const hec_context *c, size_t level,
                           const int64_t *steps, size_t nsteps, const double *need, double *cost)
{
	hec_ciphertext *a = NULL, *b = NULL, *h[8] = {0};
	hec_plaintext *pt = NULL;
	size_t slots = hec_context_slots(c), top = hec_context_max_level(c), nh = nsteps < 8 ? nsteps : 8;
	double *v = calloc(slots, sizeof *v), scale = exp2(hec_context_params(c)->log_scale);
	hec_status s = v ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; v && i < slots; i++)
		v[i] = 0.5 * sin((double)i);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&a, c);
	if (s == HEC_OK)
		s = hec_ciphertext_new(&b, c);
	for (size_t i = 0; i < nh && s == HEC_OK; i++)
		s = hec_ciphertext_new(&h[i], c);
	if (s == HEC_OK)
		s = hec_plaintext_new(&pt, c);
	if (s == HEC_OK)
		s = hec_ckks_encode_real(pt, v, slots, slots, top, scale);
	if (s == HEC_OK)
		s = hec_encrypt(a, pk, pt);
	if (s == HEC_OK && level < top)
		s = hec_ckks_drop_to_level(ev, a, a, level);
	if (s == HEC_OK)
		s = hec_ckks_encode_real(pt, v, slots, slots, level, scale);
	for (int op = 0; op < NOPS && s == HEC_OK; op++) {
		cost[op] = 0;
		if (need[op] <= 0 || ((op == OP_ROT || op == OP_HOIST) && !nsteps) ||
		    (op == OP_RESCALE && !level))
			continue;
		/* The minimum of at least two runs after a warm-up, and of as many
		 * as 30 ms of CPU allow (up to 50) for the cheap operations: on a
		 * shared machine single runs are noisy. */
		double best = 1e30, spent = 0;
		for (int rep = 0; s == HEC_OK && (rep < 3 || (spent < 0.03 && rep < 51)); rep++) {
			if (op == OP_RESCALE)
				s = hec_ciphertext_copy(b, a);
			double t0 = cpu_now();
			switch (op) {
			case OP_CTPT: s = hec_ckks_mul_plain(ev, b, a, pt); break;
			case OP_MULRELIN: s = hec_ckks_mul_relin(ev, b, a, a); break;
			case OP_ROT: s = hec_ckks_rotate(ev, b, a, steps[0]); break;
			case OP_HOIST: s = hec_ckks_rotate_hoisted(ev, h, a, steps, nh); break;
			case OP_RESCALE: s = s == HEC_OK ? hec_ckks_rescale(ev, b, b) : s; break;
			case OP_ADD: s = hec_ckks_add(ev, b, a, a); break;
			case OP_ENCZERO: s = hec_encrypt(b, pk, pt); break;
			}
			double t = (cpu_now() - t0) / (op == OP_HOIST ? (double)nh : 1.0);
			if (rep > 0 && t < best)
				best = t;
			if (rep > 0)
				spent += t;
		}
		cost[op] = best;
	}
	for (size_t i = 0; i < 8; i++)
		hec_ciphertext_free(h[i]);
	hec_ciphertext_free(a);
	hec_ciphertext_free(b);
	hec_plaintext_free(pt);
	free(v);
	return s;
}

static int dry_run(const char *cmd, const char *mpath, const hec_ml_enc_plan *p, const char *ekpath,
                   const hec_context *c, const hec_public_key *pk, const hec_eval_keys *ek, size_t key_bytes)
{
	char desc[8192];
	hec_ml_enc_plan_describe(p, desc, sizeof desc);
	size_t top = hec_context_max_level(c), depth = hec_ml_enc_plan_depth(p);
	char b1[32];
	printf("model:       %s\n", mpath);
	printf("parameters:  N = %zu, %zu slots, %zu levels, scale 2^%.0f, log2(QP) %.1f, %s, fingerprint "
	       "%016llx\n",
	       hec_context_n(c), hec_context_slots(c), top, hec_context_params(c)->log_scale,
	       hec_context_log_qp(c), hec_context_is_secure(c) ? "128-bit secure" : "NOT SECURE",
	       (unsigned long long)hec_context_fingerprint(c));
	printf("levels:      %zu used of %zu (level %zu -> %zu); input: %zu ciphertexts per image\n", depth,
	       top, top, top >= depth ? top - depth : 0, hec_ml_enc_plan_input_cts(p));
	printf("keys:        %s%s relinearisation + %zu rotation keys, %s\n",
	       ekpath ? ekpath : "throwaway keys;", ekpath ? ":" : " keygen would write",
	       hec_eval_keys_count(ek), cli_bytes_str(b1, sizeof b1, key_bytes));

	/* Parse the stages: their level and operation counts. */
	/* Calibrate on one thread: the estimate is the work per image, which
	 * threads then share (inside an operation, or image by image). */
#ifdef _OPENMP
	int saved_threads = omp_get_max_threads();
	omp_set_num_threads(1);
#endif
	struct stage_cost st[64];
	size_t ns = 0;
	double total_n[NOPS] = {0};
	for (char *line = desc; *line && ns < 64;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		struct stage_cost *x = &st[ns++];
		memset(x, 0, sizeof *x);
		x->text = line;
		const char *lv = strstr(line, "level ");
		x->level = lv ? strtol(lv + 6, NULL, 10) : -1;
		if (x->level >= 0) {
			x->n[OP_CTPT] = count_before(line, " ct x pt");
			x->n[OP_ADD] = x->n[OP_CTPT] > 1 ? x->n[OP_CTPT] - 1 : 0;
			x->n[OP_MULRELIN] = count_before(line, " ct x ct");
			x->n[OP_ROT] = count_before(line, " rotations,") + count_before(line, " giant") +
			               count_before(line, " chunk rotations");
			x->n[OP_HOIST] = count_before(line, " hoisted");
			x->n[OP_RESCALE] = count_before(line, " rescale");
			x->n[OP_ENCZERO] = count_before(line, " public-key encryption");
			for (int op = 0; op < NOPS; op++)
				total_n[op] += x->n[op];
		}
		line = nl ? nl + 1 : line + strlen(line);
	}

	int64_t *steps = NULL;
	size_t nsteps = 0;
	if (cli_plan_steps(p, &steps, &nsteps))
		return cli_fail(cmd, HEC_ERR_NOMEM);
	hec_evaluator *ev;
	hec_status s = hec_evaluator_new(&ev, c, ek);
	static double cost[64][NOPS];
	bool timed[64] = {0};
	double t_cal = cli_now(), total = 0;
	for (size_t i = 0; i < ns && s == HEC_OK; i++) {
		long L = st[i].level;
		if (L < 0 || L >= 64 || timed[L])
			continue;
		double need[NOPS] = {0};
		for (size_t j = 0; j < ns; j++)
			for (int op = 0; op < NOPS && st[j].level == L; op++)
				need[op] += st[j].n[op];
		s = time_ops(ev, pk, c, (size_t)L, steps, nsteps, need, cost[L]);
		timed[L] = true;
	}
	t_cal = cli_now() - t_cal;
#ifdef _OPENMP
	omp_set_num_threads(saved_threads);
#endif
	hec_evaluator_free(ev);
	free(steps);
	if (s != HEC_OK)
		return cli_fail(cmd, s);

	printf(
	    "\nper image (time estimated from each operation timed at its level, CPU time of one thread):\n");
	for (size_t i = 0; i < ns; i++) {
		double est = 0;
		for (int op = 0; st[i].level >= 0 && st[i].level < 64 && op < NOPS; op++)
			est += st[i].n[op] * cost[st[i].level][op];
		total += est;
		if (st[i].level >= 0)
			printf("  %-140s %8.1f ms\n", st[i].text, 1e3 * est);
		else
			printf("  %s\n", st[i].text);
	}
	printf("\ntotal:      ");
	for (int op = 0, first = 1; op < NOPS; op++)
		if (total_n[op] > 0 && op != OP_ADD) {
			printf("%s %.0f %s", first ? "" : ",", total_n[op], op_names[op]);
			first = 0;
		}
	printf("\ncalibration: at level %zu:", top);
	for (int op = 0, first = 1; op < NOPS && timed[top]; op++)
		if (cost[top][op] > 0) {
			printf("%s %s %.2f ms", first ? "" : ",", op_names[op], 1e3 * cost[top][op]);
			first = 0;
		}
	printf(" (took %.1f s)\n", t_cal);
	printf("estimate:    %.3f s per image on one thread, plus the one-off encoding of the model's "
	       "plaintexts;\n"
	       "             several images run side by side, one per thread\n",
	       total);
	return 0;
}

/* ---- batch layout --------------------------------------------------------- */

static void batch_progress(size_t done, size_t total, void *user)
{
	(void)user;
	cli_progress("classifying (layers of this batch)", done, total);
}

/* Classify every batch of fin (after its header `meta`) into o. */
static hec_status classify_batches(const char *in, FILE *fin, const struct cli_enc_meta *meta,
                                   struct cli_out *o, const hec_ml_enc_plan *p, const hec_context *c,
                                   const hec_public_key *pk, const hec_eval_keys *ek, size_t *bytes,
                                   double *t_eval)
{
	const size_t nin = meta->cts_per_group, nout = meta->n_classes, groups = cli_meta_groups(meta);
	hec_ciphertext **cin = calloc(nin, sizeof *cin), **cout = calloc(nout, sizeof *cout);
	hec_evaluator *ev = NULL;
	hec_status s =
	    cin && cout ? hec_evaluator_new(&ev, c, ek) : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < nin && s == HEC_OK; i++)
		s = hec_ciphertext_new(&cin[i], c);
	for (size_t i = 0; i < nout && s == HEC_OK; i++)
		s = hec_ciphertext_new(&cout[i], c);
	struct cli_enc_meta om = *meta;
	om.type = CLI_OBJ_SCORES;
	om.cts_per_group = (uint32_t)nout;
	if (s == HEC_OK)
		s = cli_meta_write(o->f, &om);
	char what[96];
	for (size_t b = 0; b < groups && s == HEC_OK; b++) {
		snprintf(what, sizeof what, "%s: batch %zu", in, b + 1);
		s = cli_read_cts(fin, cin, nin, what);
		double t0 = cli_now();
		if (s == HEC_OK)
			s = hec_ml_enc_batch_classify(p, ev, pk, cout, cin, batch_progress, NULL);
		*t_eval += cli_now() - t0;
		if (s == HEC_OK)
			s = cli_write_cts(o->f, cout, nout, bytes);
		cli_progress_end();
	}
	for (size_t i = 0; cin && i < nin; i++)
		hec_ciphertext_free(cin[i]);
	for (size_t i = 0; cout && i < nout; i++)
		hec_ciphertext_free(cout[i]);
	free(cin);
	free(cout);
	hec_evaluator_free(ev);
	return s;
}

/* ---- classify ----------------------------------------------------------- */

/* After the last result: the input must end there (s == HEC_OK so far),
 * then the output replaces its target.  0, or 1 with the error printed. */
static int finish_output(const char *cmd, hec_status s, FILE *fin, const char *in, struct cli_out *o)
{
	if (s == HEC_OK)
		s = cli_expect_eof(fin, in);
	if (s != HEC_OK)
		return cli_fail(cmd, s);
	return cli_out_commit(cmd, o, false) ? 1 : 0;
}

int hec_cmd_classify(int argc, char **argv)
{
	const char *cmd = "classify", *mpath = NULL, *ekpath = NULL, *in = NULL, *out = NULL, *v;
	int dry = 0;
	unsigned long long threads = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--dry-run")) {
			dry = 1;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--model", &v))) {
			if (r < 0)
				return 2;
			mpath = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--eval-keys", &v))) {
			if (r < 0)
				return 2;
			ekpath = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--out", &v))) {
			if (r < 0)
				return 2;
			out = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--threads", &v))) {
			if (r < 0 || cli_uint(cmd, "--threads", v, 1, 1024, &threads))
				return 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hecate %s: unknown option '%s'; see `hecate classify --help`\n", cmd,
			        argv[i]);
			return 2;
		} else if (!in) {
			in = argv[i];
		} else {
			fprintf(stderr, "hecate %s: unexpected argument '%s'\n", cmd, argv[i]);
			return 2;
		}
	}
	if (!mpath || (!dry && (!ekpath || !in || !out))) {
		fprintf(stderr,
		        "hecate %s: need --model MODEL.hcm, --eval-keys FILE, X.ct and --out Y.ct (or "
		        "--dry-run); see `hecate classify --help`\n",
		        cmd);
		return 2;
	}
	cli_set_threads((unsigned)threads);
	int rc = 1;
	hec_ml_model *m = NULL;
	hec_ml_enc_plan *p = NULL;
	hec_context *c = NULL;
	hec_public_key *pk = NULL;
	hec_eval_keys *ek = NULL;
	hec_ml_enc_model *em = NULL;
	FILE *fin = NULL;
	struct cli_out o = {0};
	hec_ciphertext **cts = NULL, **res = NULL;
	hec_evaluator **evs = NULL;
	size_t key_bytes = 0, nthreads = 1, ncts = 0;
	hec_status s;

	if (!dry && cli_check_writable(cmd, out))
		goto done;
	if (cli_load_model_plan(cmd, mpath, &m, &p))
		goto done;
	/* The input first, completely (header, every ciphertext's framing,
	 * checksum and parameters), then the keys: bad input fails fast,
	 * before the expensive part. */
	struct cli_enc_meta meta = {0};
	uint64_t mid;
	if ((s = cli_model_id(&mid, m)) != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	ncts = hec_ml_enc_plan_input_cts(p);
	if (!dry) {
		fin = fopen(in, "rb");
		if (!fin) {
			fprintf(stderr, "hecate %s: %s: cannot open: %s\n", cmd, in, strerror(errno));
			goto done;
		}
		if ((s = cli_meta_read(fin, &meta, CLI_OBJ_INPUTS)) != HEC_OK) {
			fprintf(stderr, "hecate %s: %s: %s\n", cmd, in, hec_error_detail());
			goto done;
		}
		if (meta.layout == CLI_LAYOUT_BATCH)
			ncts = hec_ml_enc_batch_input_cts(p);
		if (meta.model_id != mid || meta.cts_per_group != ncts) {
			fprintf(
			    stderr,
			    "hecate %s: %s was encrypted for model %016llx (%u ciphertexts per %s), not for "
			    "%s (%016llx, %zu per %s)\n",
			    cmd, in, (unsigned long long)meta.model_id, meta.cts_per_group,
			    cli_meta_group_name(&meta), mpath, (unsigned long long)mid, ncts,
			    cli_meta_group_name(&meta));
			goto done;
		}
		if ((s = cli_check_cts(fin, &meta, in)) != HEC_OK) {
			rc = cli_fail(cmd, s);
			goto done;
		}
		uint64_t kfp;
		if ((s = cli_eval_fingerprint(ekpath, &kfp)) != HEC_OK) {
			rc = cli_fail(cmd, s);
			goto done;
		}
		if (meta.fingerprint != kfp) {
			fprintf(stderr,
			        "hecate %s: %s was encrypted under parameters %016llx, but %s holds keys for "
			        "parameters %016llx: the images and the keys come from different keygen runs "
			        "or models\n",
			        cmd, in, (unsigned long long)meta.fingerprint, ekpath,
			        (unsigned long long)kfp);
			goto done;
		}
	}
	if (ekpath) {
		s = cli_load_eval(ekpath, &c, &pk, &ek, &key_bytes);
	} else {
		/* Throwaway keys, for --dry-run's calibration only. */
		hec_params_t params;
		hec_secret_key *sk = NULL;
		int64_t *steps = NULL;
		size_t nsteps = 0;
		s = hec_ml_enc_plan_params(p, &params);
		if (s == HEC_OK)
			s = hec_context_new(&c, &params);
		if (s == HEC_OK)
			s = hec_secret_key_new(&sk, c);
		if (s == HEC_OK)
			s = hec_public_key_new(&pk, sk);
		if (s == HEC_OK)
			s = cli_plan_steps(p, &steps, &nsteps) ? HEC_ERR_NOMEM : HEC_OK;
		if (s == HEC_OK)
			s = hec_eval_keys_new(&ek, sk, true, steps, nsteps, false);
		uint8_t *buf[3] = {0};
		size_t len[3] = {0};
		if (s == HEC_OK)
			s = hec_params_serialize(c, &buf[0], &len[0]);
		if (s == HEC_OK)
			s = hec_public_key_serialize(pk, &buf[1], &len[1]);
		if (s == HEC_OK)
			s = hec_eval_keys_serialize(ek, &buf[2], &len[2]);
		key_bytes = len[0] + len[1] + len[2];
		for (int i = 0; i < 3; i++)
			free(buf[i]);
		free(steps);
		hec_secret_key_free(sk);
	}
	if (s != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	const enum cli_layout key_layout = cli_layout_of(p, hec_context_params(c));
	if (dry && key_layout != CLI_LAYOUT_LATENCY) {
		fprintf(stderr,
		        "hecate %s: --dry-run estimates the latency layout; %s holds keys of other "
		        "parameters (the "
		        "batch layout's throughput is measured by `hecate-bench ml-batch`)\n",
		        cmd, ekpath);
		goto done;
	}
	if (!dry && key_layout != meta.layout) {
		fprintf(stderr, "hecate %s: %s is in the %s layout, but %s holds keys for %s\n", cmd, in,
		        meta.layout == CLI_LAYOUT_BATCH ? "batch" : "latency", ekpath,
		        key_layout == CLI_LAYOUT_BATCH     ? "the batch layout"
		        : key_layout == CLI_LAYOUT_LATENCY ? "the latency layout"
		                                           : "other parameters");
		goto done;
	}
	if (dry) {
		rc = dry_run(cmd, mpath, p, ekpath, c, pk, ek, key_bytes);
		goto done;
	}
	if (meta.layout == CLI_LAYOUT_BATCH) {
		double t0 = cli_now(), t_eval = 0;
		size_t bytes = 0;
		if (cli_out_open(cmd, &o, out, 0644))
			goto done;
		s = classify_batches(in, fin, &meta, &o, p, c, pk, ek, &bytes, &t_eval);
		if (finish_output(cmd, s, fin, in, &o))
			goto done;
		double t = cli_now() - t0;
		printf("classified:  %u image%s of %s with %s, one per slot in %u batch%s (no secret key "
		       "involved)\n",
		       meta.images, meta.images == 1 ? "" : "s", in, mpath, cli_meta_groups(&meta),
		       cli_meta_groups(&meta) == 1 ? "" : "es");
		printf("output:      %s (%s: encrypted scores, one image per slot, re-randomised)\n", out,
		       cli_bytes_str((char[32]){0}, 32, bytes + 160));
		printf("time:        %.3f s classifying (%.0f images/s), %.3f s in all with reading and "
		       "writing\n",
		       t_eval, meta.images / t_eval, t);
		rc = 0;
		goto done;
	}

	double t0 = cli_now(), c0 = proc_cpu_now();
	if ((s = hec_ml_enc_model_new(&em, p, c)) != HEC_OK) {
		rc = cli_fail(cmd, s);
		goto done;
	}
	double t_prep = cli_now() - t0, c_prep = proc_cpu_now() - c0;

#ifdef _OPENMP
	nthreads = (size_t)omp_get_max_threads();
#endif
	if (nthreads > meta.images)
		nthreads = meta.images;
	if (nthreads > 64)
		nthreads = 64;
	cts = calloc(nthreads * ncts, sizeof *cts);
	res = calloc(nthreads, sizeof *res);
	evs = calloc(nthreads, sizeof *evs);
	s = cts && res && evs ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < nthreads * ncts && s == HEC_OK; i++)
		s = hec_ciphertext_new(&cts[i], c);
	for (size_t t = 0; t < nthreads && s == HEC_OK; t++) {
		s = hec_ciphertext_new(&res[t], c);
		if (s == HEC_OK)
			s = hec_evaluator_new(&evs[t], c, ek);
	}
	if (s == HEC_OK && cli_out_open(cmd, &o, out, 0644))
		goto done;
	struct cli_enc_meta om = meta;
	om.type = CLI_OBJ_SCORES;
	om.cts_per_group = 1;
	if (s == HEC_OK)
		s = cli_meta_write(o.f, &om);
	/* Images in rounds of one per thread: read the round, classify it
	 * in parallel (one evaluator each), write it in order. */
	double t_eval = 0, t_min = 1e30, t_max = 0, c_eval = proc_cpu_now();
	size_t bytes = 0;
	char what[96];
	for (size_t base = 0; base < meta.images && s == HEC_OK; base += nthreads) {
		size_t nr = meta.images - base < nthreads ? meta.images - base : nthreads;
		for (size_t j = 0; j < nr && s == HEC_OK; j++)
			for (size_t g = 0; g < ncts && s == HEC_OK; g++) {
				snprintf(what, sizeof what, "%s: image %zu, ciphertext %zu", in, base + j + 1,
				         g + 1);
				s = cli_read_ct(fin, cts[j * ncts + g], what);
			}
		if (s != HEC_OK)
			break;
		hec_status st[64] = {0};
		double dt[64] = {0}, r0 = cli_now();
		if (nr == 1) {
			/* Outside any parallel region, so that the library's own
			 * threads (over limbs) are free to run. */
			st[0] = hec_ml_enc_classify(em, evs[0], pk, res[0], &cts[0]);
			dt[0] = cli_now() - r0;
		} else {
#pragma omp parallel for schedule(static, 1) num_threads((int)nr)
			for (size_t j = 0; j < nr; j++) {
				double t1 = cli_now();
				st[j % 64] = hec_ml_enc_classify(em, evs[j], pk, res[j], &cts[j * ncts]);
				dt[j % 64] = cli_now() - t1;
			}
		}
		t_eval += cli_now() - r0;
		for (size_t j = 0; j < nr && s == HEC_OK; j++) {
			s = st[j % 64];
			if (s != HEC_OK) {
				char d[512];
				snprintf(d, sizeof d, "%s", hec_error_detail());
				s = hec_error_set(s, "image %zu: %s", base + j + 1,
				                  *d ? d : hec_status_str(s));
			}
			if (s == HEC_OK)
				s = cli_write_cts(o.f, &res[j], 1, &bytes);
			t_min = dt[j % 64] < t_min ? dt[j % 64] : t_min;
			t_max = dt[j % 64] > t_max ? dt[j % 64] : t_max;
		}
		cli_progress("classifying", base + nr, meta.images);
	}
	cli_progress_end();
	c_eval = proc_cpu_now() - c_eval;
	if (finish_output(cmd, s, fin, in, &o))
		goto done;
	double t_all = cli_now() - t0;
	char b1[32];
	printf("classified:  %u image%s of %s with %s (no secret key involved)\n", meta.images,
	       meta.images == 1 ? "" : "s", in, mpath);
	printf("output:      %s (%s: encrypted scores, other slots masked, re-randomised)\n", out,
	       cli_bytes_str(b1, sizeof b1, bytes + 160));
	printf("time:        %.3f s preparing the model's plaintexts (CPU %.3f s), %.3f s classifying (%.3f "
	       "s per "
	       "image, CPU %.3f s per image; %.3f..%.3f s each on %zu thread%s), %.3f s in all\n",
	       t_prep, c_prep, t_eval, t_eval / meta.images, c_eval / meta.images, t_min, t_max, nthreads,
	       nthreads == 1 ? "" : "s", t_all);
	rc = 0;
done:
	cli_out_abort(&o);
	if (fin)
		fclose(fin);
	for (size_t i = 0; cts && i < nthreads * ncts; i++)
		hec_ciphertext_free(cts[i]);
	for (size_t t = 0; res && t < nthreads; t++)
		hec_ciphertext_free(res[t]);
	for (size_t t = 0; evs && t < nthreads; t++)
		hec_evaluator_free(evs[t]);
	free(cts);
	free(res);
	free(evs);
	hec_ml_enc_model_free(em);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_context_free(c);
	hec_ml_enc_plan_free(p);
	hec_ml_model_free(m);
	return rc;
}
