/* Encrypted logistic-regression training: the decrypted weights against
 * the plaintext trainer hec_ml_train_lr on the same images, iterations,
 * polynomial and schedule, within a bound derived from the parameters and
 * the data; inference with the encrypted model against the plaintext
 * logit; and bad input (wrong task, mismatched keys, truncated and
 * tampered files) refused with a clear error.
 *
 * Small insecure rings (N = 2^12) keep the suite fast; the arithmetic is
 * the one the 128-bit parameters run.  The images are the first MNIST 3s
 * and 8s when the data set is present (HECATE_TEST_DATA), otherwise
 * synthetic digit-like shapes, so the suite never needs the real data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "hecate/hecate.h"
#include "mltest.h"

extern ssize_t (*_hec_random_source)(void *buf, size_t len, unsigned flags);
static ssize_t (*os_source)(void *buf, size_t len, unsigned flags);
static test_rng det;
static ssize_t det_source(void *buf, size_t len, unsigned flags)
{
	(void)flags;
	for (size_t i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)test_rng_next(&det);
	return (ssize_t)len;
}

/* A synthetic "3" (three horizontal strokes joined on the right) or "8"
 * (two stacked rings), jittered and noisy. */
static void draw(uint8_t *img, int eight, test_rng *r)
{
	memset(img, 0, 784);
	int dx = (int)test_rng_below(r, 5) - 2, dy = (int)test_rng_below(r, 5) - 2;
	for (int y = 0; y < 28; y++)
		for (int x = 0; x < 28; x++) {
			double v = 0;
			int X = x - dx, Y = y - dy;
			if (eight) {
				double d1 = hypot(X - 14, Y - 9), d2 = hypot(X - 14, Y - 19);
				v = (fabs(d1 - 5) < 1.6 || fabs(d2 - 5.5) < 1.6) ? 1 : 0;
			} else {
				v = ((abs(Y - 5) < 2 || abs(Y - 14) < 2 || abs(Y - 23) < 2) && X > 8 && X < 21) ||
				            (X > 18 && X < 22 && Y > 4 && Y < 24)
				        ? 1
				        : 0;
			}
			double n = (double)test_rng_below(r, 40);
			img[y * 28 + x] = (uint8_t)fmin(255, v * 215 + n);
		}
}

/* n images of 3s and 8s: real ones if present, else synthetic. */
static hec_ml_dataset *digits(size_t n, test_rng *r, int *real)
{
	hec_ml_dataset *full = NULL, *d = NULL;
	const char *dir = getenv("HECATE_TEST_DATA");
	uint8_t *px = malloc(n * 784), *lab = malloc(n);
	ck_assert(px && lab);
	*real = 0;
	if (dir && hec_ml_dataset_load(&full, "mnist", HEC_ML_TRAIN, dir) == HEC_OK) {
		size_t k = 0;
		for (size_t i = 0; i < hec_ml_dataset_count(full) && k < n; i++) {
			unsigned l = hec_ml_dataset_label(full, i);
			if (l != 3 && l != 8)
				continue;
			memcpy(px + k * 784, hec_ml_dataset_image(full, i), 784);
			lab[k++] = (uint8_t)l;
		}
		*real = k == n;
		hec_ml_dataset_free(full);
	}
	if (!*real)
		for (size_t i = 0; i < n; i++) {
			lab[i] = test_rng_below(r, 2) ? 8 : 3;
			draw(px + i * 784, lab[i] == 8, r);
		}
	CK_OK(hec_ml_dataset_new(&d, "mnist", px, lab, n, 28, 28));
	free(px);
	free(lab);
	return d;
}

/* Parameters for `iters` iterations on an insecure N = 2^12 ring. */
static hec_context *small_context(unsigned iters)
{
	hec_params_t p;
	CK_OK(hec_ml_enc_lr_params(&p, 3, iters, HEC_SECURITY_128, NULL, 0));
	p.log_n = 12;
	hec_context *c;
	CK_OK(hec_context_new_insecure(&c, &p));
	return c;
}

struct keys {
	hec_context *c;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	uint64_t id;
};

static void keys_make(struct keys *k, hec_context *c, const hec_ml_enc_lr_layout_t *l)
{
	k->c = c;
	CK_OK(hec_secret_key_new(&k->sk, c));
	CK_OK(hec_public_key_new(&k->pk, k->sk));
	int64_t steps[64];
	size_t n = hec_ml_enc_lr_steps(l, steps, 64);
	ck_assert_uint_le(n, 64);
	CK_OK(hec_eval_keys_new(&k->ek, k->sk, true, steps, n, true));
	CK_OK(hec_ml_enc_lr_key_id(&k->id, k->pk));
}

static void keys_free(struct keys *k)
{
	hec_eval_keys_free(k->ek);
	hec_public_key_free(k->pk);
	hec_secret_key_free(k->sk);
}

/* Largest eigenvalue of X^T X / B over the data (power iteration): with
 * the polynomial's largest slope on [-8, 8] it bounds how much one NAG
 * step can amplify an error in the weights. */
static double gram_norm(const double *x, size_t n, size_t F, size_t B)
{
	double *v = malloc(F * sizeof *v), *u = malloc(F * sizeof *u), lam = 0;
	for (size_t i = 0; i < F; i++)
		v[i] = 1;
	for (int it = 0; it < 60; it++) {
		memset(u, 0, F * sizeof *u);
		for (size_t s = 0; s < n; s++) {
			double d = 0;
			for (size_t i = 0; i < F; i++)
				d += x[s * F + i] * v[i];
			for (size_t i = 0; i < F; i++)
				u[i] += d * x[s * F + i];
		}
		double nn = 0;
		for (size_t i = 0; i < F; i++)
			nn += u[i] * u[i];
		nn = sqrt(nn);
		for (size_t i = 0; i < F; i++)
			v[i] = u[i] / nn;
		lam = nn;
	}
	free(v);
	free(u);
	return lam / (double)B;
}

/* The error bound after K iterations: each step injects at most the
 * model's step bound (from N, the scales and the schedule) and the NAG map
 * amplifies earlier errors by at most (1 + |gamma|)(1 + alpha L),
 * L = max|p'| lambda_max(X^T X / B) (0.16 bounds |p'| = |c1 + 3 c3 t^2| on
 * [-8, 8]). */
static double weight_bound(const hec_ml_enc_lr_model *m, const hec_ml_lr_opts_t *o, double gram)
{
	double step = hec_ml_enc_lr_model_step_bound(m), e = 0;
	for (unsigned t = 1; t < o->iterations; t++) {
		double amp = (1 + fabs(hec_ml_lr_gamma(t))) * (1 + hec_ml_lr_step(o, t) * 0.16 * gram);
		e = e * amp + step;
	}
	return e + step;
}

static void run_case(size_t n, size_t batch, unsigned iters, uint64_t seed)
{
	test_rng r;
	test_rng_init(&r, test_seed(seed));
	test_rng_init(&det, r.seed ^ 0x5a5a);
	os_source = _hec_random_source;
	_hec_random_source = det_source;
	int real;
	hec_ml_dataset *d = digits(n, &r, &real);

	hec_ml_lr_opts_t o;
	hec_ml_lr_opts_default(&o, HEC_ML_LR_MNIST_3V8);
	o.iterations = iters;
	o.batch = batch;
	o.lr0 = 1.0;
	hec_ml_model *plain;
	CK_OK(hec_ml_train_lr(&plain, d, &o));

	double *x;
	uint8_t *y;
	size_t cnt;
	CK_OK(hec_ml_lr_task_matrix(&x, &y, &cnt, d, HEC_ML_LR_MNIST_3V8, 0));
	ck_assert_uint_eq(cnt, n);
	/* The matrix reference is the plaintext trainer, bit for bit. */
	double wm[197];
	CK_OK(hec_ml_lr_train_matrix(wm, x, y, n, 197, &o));
	const float *pw = hec_ml_model_weights(plain, 0), *pb = hec_ml_model_bias(plain, 0);
	for (size_t i = 0; i < 196; i++)
		ck_assert_msg((float)wm[i] == pw[i], "matrix trainer w[%zu] %.9g vs %.9g", i, wm[i], (double)pw[i]);
	ck_assert((float)wm[196] == pb[0]);

	hec_context *c = small_context(iters);
	hec_ml_enc_lr_layout_t l;
	CK_OK(hec_ml_enc_lr_layout(&l, hec_context_slots(c), n, 197, batch));
	struct keys k;
	keys_make(&k, c, &l);
	size_t *order = malloc(n * sizeof *order);
	hec_ml_lr_order(order, n, o.seed);
	hec_ml_enc_lr_info_t info = {HEC_ML_LR_MNIST_3V8, {3, 8}, o.seed, k.id};
	hec_ml_enc_lr_data *ed;
	CK_OK(hec_ml_enc_lr_encrypt(&ed, k.sk, &l, &info, x, y, order));
	hec_ml_enc_lr_model *em;
	CK_OK(hec_ml_enc_lr_train(&em, ed, k.ek, &o, NULL, NULL));
	ck_assert_uint_eq(hec_ml_enc_lr_model_level(em), 1);

	double w[197];
	CK_OK(hec_ml_enc_lr_decrypt(w, em, k.sk));
	double bound = weight_bound(em, &o, gram_norm(x, n, 197, l.batch)), worst = 0, wmax = 0;
	for (size_t i = 0; i < 197; i++) {
		double ref = i < 196 ? pw[i] : pb[0];
		/* The plaintext model stores floats: add their rounding. */
		double err = fabs(w[i] - ref) - fabs(ref) * 0x1p-24;
		worst = fmax(worst, err);
		wmax = fmax(wmax, fabs(ref));
	}
	ck_assert_msg(bound < 0.05 * wmax, "the bound %.3g says nothing about weights up to %.3g", bound, wmax);
	ck_assert_msg(worst <= bound, "%s images, n=%zu batch=%zu iters=%u: weight error %.3g > bound %.3g; " SEED_FMT,
	              real ? "real" : "synthetic", n, batch, iters, worst, bound, SEED_ARG(&r));

	/* Inference with the encrypted model on a few training images: the
	 * decrypted logit is w.x of the decrypted weights (up to the noise of
	 * one product), and its sign is the plaintext model's prediction. */
	hec_ml_model *dm;
	CK_OK(hec_ml_enc_lr_to_model(&dm, w, HEC_ML_LR_MNIST_3V8, 3));
	hec_evaluator *ev;
	CK_OK(hec_evaluator_new(&ev, c, k.ek));
	hec_ciphertext **in = calloc(l.pairs, sizeof *in), *out;
	for (size_t p = 0; p < l.pairs; p++)
		CK_OK(hec_ciphertext_new(&in[p], c));
	CK_OK(hec_ciphertext_new(&out, c));
	for (size_t s = 0; s < 4; s++) {
		CK_OK(hec_ml_enc_lr_encrypt_input(in, k.sk, &l, x + s * 197, 1));
		CK_OK(hec_ml_enc_lr_infer(ev, out, em, in));
		double z, ref = 0, norm = 0;
		CK_OK(hec_ml_enc_lr_decrypt_logit(&z, k.sk, &l, out));
		for (size_t i = 0; i < 197; i++) {
			ref += w[i] * x[s * 197 + i];
			norm += fabs(w[i]);
		}
		float in196[196], score;
		hec_ml_model_prepare_input_u8(dm, in196, hec_ml_dataset_image(d, s));
		CK_OK(hec_ml_model_forward(dm, &score, in196));
		/* One product of two fresh-scale operands and a rotate-sum. */
		double ib = 1e-6 * (1 + norm);
		ck_assert_msg(fabs(z - ref) <= ib, "image %zu: encrypted logit %.9g, plaintext %.9g", s, z, ref);
		if (fabs(ref) > ib)
			ck_assert_msg((z > 0) == (score > 0), "image %zu: prediction differs (%g vs %g)", s, z, score);
	}
	for (size_t p = 0; p < l.pairs; p++)
		hec_ciphertext_free(in[p]);
	free(in);
	hec_ciphertext_free(out);
	hec_evaluator_free(ev);
	hec_ml_model_free(dm);
	hec_ml_enc_lr_model_free(em);
	hec_ml_enc_lr_data_free(ed);
	keys_free(&k);
	hec_context_free(c);
	free(order);
	free(x);
	free(y);
	hec_ml_model_free(plain);
	hec_ml_dataset_free(d);
	_hec_random_source = os_source;
}

START_TEST(full_batch)
{
	run_case(80, 0, 3, 0x1e0);
}
END_TEST

START_TEST(mini_batch)
{
	/* Three batches of 32: every iteration uses the next one, in the
	 * plaintext trainer's shuffled order. */
	run_case(96, 32, 4, 0x1e1);
}
END_TEST

START_TEST(layouts)
{
	/* The layout is a function of its inputs, fits the slots, and covers
	 * every sample and feature once. */
	size_t cases[][4] = {{2048, 80, 197, 0}, {2048, 1579, 19, 0}, {65536, 11982, 197, 0}, {32768, 1000, 197, 128},
	                     {16, 3, 2, 0}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hec_ml_enc_lr_layout_t a, b;
		CK_OK(hec_ml_enc_lr_layout(&a, cases[i][0], cases[i][1], cases[i][2], cases[i][3]));
		CK_OK(hec_ml_enc_lr_layout(&b, cases[i][0], cases[i][1], cases[i][2], cases[i][3]));
		ck_assert(!memcmp(&a, &b, sizeof a));
		ck_assert_uint_le(a.blocks * 2 * a.chunk, a.slots);
		ck_assert_uint_ge(a.chunks * a.chunk, a.features);
		ck_assert_uint_ge(a.groups * 2 * a.blocks, a.batch);
		ck_assert_uint_eq(a.pairs, (a.chunks + 1) / 2);
	}
	hec_ml_enc_lr_layout_t l;
	ck_assert_int_eq(hec_ml_enc_lr_layout(&l, 1000, 10, 5, 0), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ml_enc_lr_layout(&l, 1024, 0, 5, 0), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ml_enc_lr_layout(&l, 1024, 10, 1, 0), HEC_ERR_ARG);
}
END_TEST

START_TEST(params)
{
	/* 128-bit parameters: the depth holds the iterations, and more than
	 * the chain can hold is refused naming the maximum. */
	hec_params_t p;
	char why[512];
	for (unsigned it = 1; it <= 16; it += 15) {
		CK_OK(hec_ml_enc_lr_params(&p, 3, it, HEC_SECURITY_128, why, sizeof why));
		hec_context *c;
		CK_OK(hec_context_new(&c, &p));
		ck_assert(hec_context_is_secure(c));
		ck_assert_uint_ge(hec_ml_enc_lr_max_iterations(c, 3), it);
		ck_assert_uint_eq(hec_context_max_level(c), hec_ml_enc_lr_depth(3, it, 1));
		hec_context_free(c);
	}
	ck_assert_int_eq(hec_ml_enc_lr_params(&p, 3, 17, HEC_SECURITY_128, NULL, 0), HEC_ERR_UNSUPPORTED);
	ck_assert_msg(strstr(hec_error_detail(), "at most 16 iterations"), "%s", hec_error_detail());
	ck_assert_int_eq(hec_ml_enc_lr_params(&p, 5, 4, HEC_SECURITY_128, NULL, 0), HEC_ERR_UNSUPPORTED);
}
END_TEST

START_TEST(bad_input)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x1e2));
	test_rng_init(&det, r.seed);
	os_source = _hec_random_source;
	_hec_random_source = det_source;
	int real;
	hec_ml_dataset *d = digits(16, &r, &real);
	double *x;
	uint8_t *y;
	size_t n;
	/* Wrong task: no T-shirts or shirts among digits. */
	ck_assert_int_eq(hec_ml_lr_task_matrix(&x, &y, &n, d, HEC_ML_LR_FASHION_TSHIRT_SHIRT, 0), HEC_ERR_ARG);
	ck_assert_msg(strstr(hec_error_detail(), "no images labelled 0 or 6"), "%s", hec_error_detail());
	CK_OK(hec_ml_lr_task_matrix(&x, &y, &n, d, HEC_ML_LR_MNIST_3V8, 0));

	hec_context *c = small_context(2), *c3 = small_context(3);
	hec_ml_enc_lr_layout_t l;
	CK_OK(hec_ml_enc_lr_layout(&l, hec_context_slots(c), n, 197, 0));
	struct keys a, b;
	keys_make(&a, c, &l);
	keys_make(&b, c, &l);
	ck_assert(a.id != b.id); /* same parameters, other keys: told apart */
	hec_ml_enc_lr_info_t info = {HEC_ML_LR_MNIST_3V8, {3, 8}, 1, a.id};
	hec_ml_enc_lr_data *ed;
	CK_OK(hec_ml_enc_lr_encrypt(&ed, a.sk, &l, &info, x, y, NULL));

	/* A feature out of range. */
	hec_ml_enc_lr_data *bad;
	x[5] = 1.5;
	ck_assert_int_eq(hec_ml_enc_lr_encrypt(&bad, a.sk, &l, &info, x, y, NULL), HEC_ERR_RANGE);
	x[5] = 0.5;

	/* Too many iterations for the parameters: refused before any work,
	 * naming the maximum. */
	hec_ml_lr_opts_t o;
	hec_ml_lr_opts_default(&o, HEC_ML_LR_MNIST_3V8);
	o.batch = 0;
	o.iterations = 3;
	hec_ml_enc_lr_model *m;
	ck_assert_int_eq(hec_ml_enc_lr_train(&m, ed, a.ek, &o, NULL, NULL), HEC_ERR_LEVEL);
	ck_assert_msg(strstr(hec_error_detail(), "at most 2 iterations"), "%s", hec_error_detail());
	o.iterations = 2;
	o.batch = 8;
	ck_assert_int_eq(hec_ml_enc_lr_train(&m, ed, a.ek, &o, NULL, NULL), HEC_ERR_ARG);
	o.batch = 0;
	o.degree = 5;
	ck_assert_int_eq(hec_ml_enc_lr_train(&m, ed, a.ek, &o, NULL, NULL), HEC_ERR_UNSUPPORTED);
	o.degree = 3;

	/* Files: a round trip, then a data set read under other parameters,
	 * truncated, and tampered. */
	char path[64];
	tmp_path(path, sizeof path, "lr.cts");
	FILE *f = fopen(path, "wb");
	CK_OK(hec_ml_enc_lr_data_write(f, ed));
	long size = ftell(f);
	fclose(f);
	hec_ml_enc_lr_data *back;
	f = fopen(path, "rb");
	CK_OK(hec_ml_enc_lr_data_read(&back, c, f));
	fclose(f);
	ck_assert_uint_eq(hec_ml_enc_lr_data_info(back)->key_id, a.id);
	ck_assert(!memcmp(hec_ml_enc_lr_data_layout(back), &l, sizeof l));

	f = fopen(path, "rb");
	ck_assert_int_eq(hec_ml_enc_lr_data_read(&bad, c3, f), HEC_ERR_MISMATCH);
	fclose(f);
	ck_assert_msg(strstr(hec_error_detail(), "parameters"), "%s", hec_error_detail());

	ck_assert_int_eq(truncate(path, size - 1000), 0);
	f = fopen(path, "rb");
	ck_assert_int_eq(hec_ml_enc_lr_data_read(&bad, c, f), HEC_ERR_FORMAT);
	fclose(f);
	ck_assert_msg(strstr(hec_error_detail(), "truncated") || strstr(hec_error_detail(), "of 7"), "%s",
	              hec_error_detail());
	ck_assert_int_eq(truncate(path, 20), 0);
	f = fopen(path, "rb");
	ck_assert_int_ne(hec_ml_enc_lr_data_read(&bad, c, f), HEC_OK);
	fclose(f);

	f = fopen(path, "wb");
	CK_OK(hec_ml_enc_lr_data_write(f, ed));
	fclose(f);
	f = fopen(path, "r+b");
	fseek(f, HEC_FILE_HEADER_SIZE + 40, SEEK_SET);
	fputc(0x77, f);
	fclose(f);
	f = fopen(path, "rb");
	ck_assert_int_eq(hec_ml_enc_lr_data_read(&bad, c, f), HEC_ERR_CHECKSUM);
	fclose(f);

	/* Training from the file, a round of groups at a time, gives the same
	 * ciphertexts as from memory. */
	f = fopen(path, "wb");
	CK_OK(hec_ml_enc_lr_data_write(f, ed));
	fclose(f);
	hec_ml_enc_lr_data *onfile;
	CK_OK(hec_ml_enc_lr_data_open(&onfile, c, path));
	hec_ml_enc_lr_model *mf;
	CK_OK(hec_ml_enc_lr_train(&mf, onfile, a.ek, &o, NULL, NULL));
	hec_ml_enc_lr_data_free(onfile);
	ck_assert_int_eq(truncate(path, size - 1), 0);
	ck_assert_int_eq(hec_ml_enc_lr_data_open(&onfile, c, path), HEC_ERR_FORMAT);
	ck_assert_msg(strstr(hec_error_detail(), "truncated"), "%s", hec_error_detail());
	remove(path);

	/* Mismatched keys: the model of key set a decrypts only under a. */
	CK_OK(hec_ml_enc_lr_train(&m, back, a.ek, &o, NULL, NULL));
	{
		double wa[197], wb[197];
		CK_OK(hec_ml_enc_lr_decrypt(wa, m, a.sk));
		CK_OK(hec_ml_enc_lr_decrypt(wb, mf, a.sk));
		ck_assert(!memcmp(wa, wb, sizeof wa));
		hec_ml_enc_lr_model_free(mf);
	}
	ck_assert_uint_eq(hec_ml_enc_lr_model_info(m)->key_id, a.id);
	hec_secret_key *other;
	CK_OK(hec_secret_key_new(&other, c3));
	double w[197];
	ck_assert_int_eq(hec_ml_enc_lr_decrypt(w, m, other), HEC_ERR_MISMATCH);
	hec_secret_key_free(other);
	/* Evaluation keys of another context. */
	hec_ml_enc_lr_layout_t l3;
	CK_OK(hec_ml_enc_lr_layout(&l3, hec_context_slots(c3), n, 197, 0));
	struct keys k3;
	keys_make(&k3, c3, &l3);
	hec_ml_enc_lr_model *m2;
	ck_assert_int_eq(hec_ml_enc_lr_train(&m2, ed, k3.ek, &o, NULL, NULL), HEC_ERR_MISMATCH);

	/* Model file round trip and truncation. */
	tmp_path(path, sizeof path, "lr.model");
	f = fopen(path, "wb");
	CK_OK(hec_ml_enc_lr_model_write(f, m));
	size = ftell(f);
	fclose(f);
	f = fopen(path, "rb");
	CK_OK(hec_ml_enc_lr_model_read(&m2, c, f));
	fclose(f);
	double w1[197], w2[197];
	CK_OK(hec_ml_enc_lr_decrypt(w1, m, a.sk));
	CK_OK(hec_ml_enc_lr_decrypt(w2, m2, a.sk));
	ck_assert(!memcmp(w1, w2, sizeof w1));
	hec_ml_enc_lr_model_free(m2);
	ck_assert_int_eq(truncate(path, size / 2), 0);
	f = fopen(path, "rb");
	ck_assert_int_eq(hec_ml_enc_lr_model_read(&m2, c, f), HEC_ERR_FORMAT);
	fclose(f);
	/* A data set is not a model. */
	f = fopen(path, "wb");
	CK_OK(hec_ml_enc_lr_data_write(f, ed));
	fclose(f);
	f = fopen(path, "rb");
	ck_assert_int_eq(hec_ml_enc_lr_model_read(&m2, c, f), HEC_ERR_FORMAT);
	fclose(f);
	ck_assert_msg(strstr(hec_error_detail(), "data set"), "%s", hec_error_detail());
	remove(path);

	hec_ml_enc_lr_model_free(m);
	hec_ml_enc_lr_data_free(back);
	hec_ml_enc_lr_data_free(ed);
	keys_free(&a);
	keys_free(&b);
	keys_free(&k3);
	hec_context_free(c);
	hec_context_free(c3);
	free(x);
	free(y);
	hec_ml_dataset_free(d);
	_hec_random_source = os_source;
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ml-enc-logreg");
	TCase *tc = tcase_create("enc_logreg");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, layouts);
	tcase_add_test(tc, params);
	tcase_add_test(tc, full_batch);
	tcase_add_test(tc, mini_batch);
	tcase_add_test(tc, bad_input);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
