/* hecate-bench ckks: keys, encoding, encryption, arithmetic, rotations,
 * linear transforms, polynomial evaluation, serialized sizes and precision,
 * per preset and thread count. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "hecate/hecate.h"

struct ck {
	hec_context *c;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	hec_plaintext *pt;
	hec_ciphertext *a, *b, *d, *hoist[8];
	hec_linear_transform *lt;
	double complex *v, *out;
	size_t slots, top;
	double scale, cheb[32];
	size_t deg;
};

static void must(hec_status s, const char *what)
{
	if (s != HEC_OK) {
		fprintf(stderr, "hecate-bench ckks: %s: %s (%s)\n", what, hec_status_str(s), hec_error_detail());
		exit(1);
	}
}

static void op_keygen_public(void *p)
{
	struct ck *x = p;
	hec_public_key *pk;
	must(hec_public_key_new(&pk, x->sk), "public key");
	hec_public_key_free(pk);
}

static void op_keygen_relin(void *p)
{
	struct ck *x = p;
	hec_eval_keys *ek;
	must(hec_eval_keys_new(&ek, x->sk, true, NULL, 0, false), "relin key");
	hec_eval_keys_free(ek);
}

static void op_keygen_galois(void *p)
{
	struct ck *x = p;
	hec_eval_keys *ek;
	int64_t one = 1;
	must(hec_eval_keys_new(&ek, x->sk, false, &one, 1, false), "galois key");
	hec_eval_keys_free(ek);
}

static void op_encode(void *p)
{
	struct ck *x = p;
	must(hec_ckks_encode(x->pt, x->v, x->slots, x->slots, x->top, x->scale), "encode");
}

static void op_encrypt(void *p)
{
	struct ck *x = p;
	must(hec_encrypt(x->d, x->pk, x->pt), "encrypt");
}

static void op_encrypt_sym(void *p)
{
	struct ck *x = p;
	must(hec_encrypt_symmetric(x->d, x->sk, x->pt), "encrypt");
}

static void op_decrypt(void *p)
{
	struct ck *x = p;
	must(hec_decrypt(x->pt, x->sk, x->a), "decrypt");
}

static void op_decode(void *p)
{
	struct ck *x = p;
	must(hec_ckks_decode(x->out, x->slots, x->pt), "decode");
}

static void op_add(void *p)
{
	struct ck *x = p;
	must(hec_ckks_add(x->ev, x->d, x->a, x->b), "add");
}

static void op_mul_relin(void *p)
{
	struct ck *x = p;
	must(hec_ckks_mul_relin(x->ev, x->d, x->a, x->b), "mul_relin");
}

static void op_rescale(void *p)
{
	struct ck *x = p;
	must(hec_ckks_rescale(x->ev, x->d, x->a), "rescale");
}

static void op_mul_relin_rescale(void *p)
{
	struct ck *x = p;
	must(hec_ckks_mul_relin_rescale(x->ev, x->d, x->a, x->b), "mul_relin_rescale");
}

static void op_rotate(void *p)
{
	struct ck *x = p;
	must(hec_ckks_rotate(x->ev, x->d, x->a, 1), "rotate");
}

static void op_hoisted8(void *p)
{
	struct ck *x = p;
	static const int64_t steps[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	must(hec_ckks_rotate_hoisted(x->ev, x->hoist, x->a, steps, 8), "hoisted");
}

static void op_conjugate(void *p)
{
	struct ck *x = p;
	must(hec_ckks_conjugate(x->ev, x->d, x->a), "conjugate");
}

static void op_linear64(void *p)
{
	struct ck *x = p;
	must(hec_ckks_linear_transform(x->ev, x->d, x->a, x->lt), "linear transform");
}

static void op_poly(void *p)
{
	struct ck *x = p;
	must(hec_ckks_eval_chebyshev(x->ev, x->d, x->a, x->cheb, x->deg, -8, 8), "chebyshev");
}

static double sigmoid(double t, void *arg)
{
	(void)arg;
	return 1 / (1 + exp(-t));
}

static void run_preset(const struct bench_opts *o, const char *preset, const unsigned *threads)
{
	struct ck x = {0};
	hec_params_t p;
	must(hec_params_preset(&p, preset), "preset");
	must(hec_context_new(&x.c, &p), "context");
	x.slots = hec_context_slots(x.c);
	x.top = hec_context_max_level(x.c);
	x.scale = exp2(p.log_scale);
	int64_t steps[80];
	size_t ns = 0;
	for (int i = 1; i <= 8; i++)
		steps[ns++] = i;
	/* 64 x 64 transform on 64-periodic input. */
	double *m = malloc(64 * 64 * sizeof *m);
	for (int i = 0; i < 64 * 64; i++)
		m[i] = sin(i * 0.37);
	must(hec_linear_transform_new(&x.lt, x.c, m, 64, 64, 64, x.top), "linear transform");
	free(m);
	ns += hec_linear_transform_steps(x.lt, steps + ns, 80 - ns);
	must(hec_secret_key_new(&x.sk, x.c), "secret key");
	must(hec_public_key_new(&x.pk, x.sk), "public key");
	must(hec_eval_keys_new(&x.ek, x.sk, true, steps, ns, true), "eval keys");
	must(hec_evaluator_new(&x.ev, x.c, x.ek), "evaluator");
	must(hec_plaintext_new(&x.pt, x.c), "plaintext");
	must(hec_ciphertext_new(&x.a, x.c), "ct");
	must(hec_ciphertext_new(&x.b, x.c), "ct");
	must(hec_ciphertext_new(&x.d, x.c), "ct");
	for (int i = 0; i < 8; i++)
		must(hec_ciphertext_new(&x.hoist[i], x.c), "ct");
	x.v = malloc(x.slots * sizeof *x.v);
	x.out = malloc(x.slots * sizeof *x.out);
	double complex *ref = malloc(x.slots * sizeof *ref), *got = malloc(x.slots * sizeof *got);
	uint64_t st = 42;
	for (size_t i = 0; i < x.slots; i++) {
		st = st * 6364136223846793005u + 1442695040888963407u;
		double a = (double)(st >> 11) / 0x1p53 * 2 * M_PI;
		st = st * 6364136223846793005u + 1442695040888963407u;
		double r = sqrt((double)(st >> 11) / 0x1p53);
		x.v[i] = r * cos(a) + I * r * sin(a); /* unit disk */
		ref[i] = x.v[i] * x.v[i];
	}
	must(hec_ckks_encode(x.pt, x.v, x.slots, x.slots, x.top, x.scale), "encode");
	must(hec_encrypt(x.a, x.pk, x.pt), "encrypt");
	must(hec_encrypt(x.b, x.pk, x.pt), "encrypt");

	char fields[160];
	snprintf(fields, sizeof fields, "\"preset\":\"%s\",\"n\":%zu,\"limbs\":%u,\"log_qp\":%.1f,\"dnum\":%u", preset,
	         hec_context_n(x.c), p.nq, hec_context_log_qp(x.c), p.dnum);
	const char *kn = hec_ntt_kernel_name(hec_ntt_kernel_active());
	bench_header(o, "ckks");
	for (size_t t = 0; threads[t]; t++) {
		unsigned th = threads[t];
		omp_set_num_threads((int)th);
		static const struct {
			const char *name;
			void (*fn)(void *);
		} ops[] = {
			{"ckks.keygen.public", op_keygen_public}, {"ckks.keygen.relin", op_keygen_relin},
			{"ckks.keygen.galois", op_keygen_galois}, {"ckks.encode", op_encode},
			{"ckks.encrypt", op_encrypt},             {"ckks.encrypt.sym", op_encrypt_sym},
			{"ckks.decrypt", op_decrypt},             {"ckks.decode", op_decode},
			{"ckks.add", op_add},                     {"ckks.mul_relin", op_mul_relin},
			{"ckks.rescale", op_rescale},             {"ckks.mul_relin_rescale", op_mul_relin_rescale},
			{"ckks.rotate", op_rotate},               {"ckks.rotate_hoisted8", op_hoisted8},
			{"ckks.conjugate", op_conjugate},         {"ckks.linear64", op_linear64},
		};
		for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
			if (ops[i].fn == op_decode) /* decode what was just decrypted */
				must(hec_decrypt(x.pt, x.sk, x.a), "decrypt");
			bench_report(o, ops[i].name, fields, kn, th, bench_run(o, ops[i].fn, &x));
			if (ops[i].fn == op_decode) /* restore the encoded input */
				must(hec_ckks_encode(x.pt, x.v, x.slots, x.slots, x.top, x.scale), "encode");
		}
		static const size_t degs[] = {7, 15, 31};
		for (size_t k = 0; k < 3; k++) {
			if (hec_ckks_chebyshev_depth(degs[k], -8, 8) > x.top)
				continue;
			x.deg = degs[k];
			hec_chebyshev_fit(x.cheb, x.deg, sigmoid, NULL, -8, 8);
			char name[40];
			snprintf(name, sizeof name, "ckks.poly%zu", degs[k]);
			bench_report(o, name, fields, kn, th, bench_run(o, op_poly, &x));
		}
	}
	omp_set_num_threads(1);
	/* Serialized sizes. */
	hec_ciphertext *sym;
	must(hec_ciphertext_new(&sym, x.c), "ct");
	must(hec_encrypt_symmetric(sym, x.sk, x.pt), "encrypt");
	hec_eval_keys *relin, *gal;
	int64_t one = 1;
	must(hec_eval_keys_new(&relin, x.sk, true, NULL, 0, false), "relin");
	must(hec_eval_keys_new(&gal, x.sk, false, &one, 1, false), "galois");
#define REPORT_SIZE(name, call)                                                          \
	do {                                                                              \
		uint8_t *buf;                                                             \
		size_t len;                                                               \
		must(call, name);                                                         \
		free(buf);                                                                \
		bench_report_value(o, name, fields, kn, 1, "bytes", (double)len);         \
	} while (0)
	REPORT_SIZE("ckks.size.ciphertext", hec_ciphertext_serialize(x.a, &buf, &len));
	REPORT_SIZE("ckks.size.ciphertext_sym", hec_ciphertext_serialize(sym, &buf, &len));
	REPORT_SIZE("ckks.size.public_key", hec_public_key_serialize(x.pk, &buf, &len));
	REPORT_SIZE("ckks.size.secret_key", hec_secret_key_serialize(x.sk, &buf, &len));
	REPORT_SIZE("ckks.size.relin_key", hec_eval_keys_serialize(relin, &buf, &len));
	REPORT_SIZE("ckks.size.galois_key", hec_eval_keys_serialize(gal, &buf, &len));
#undef REPORT_SIZE
	/* Precision after one mul + relin + rescale, values in the unit disk. */
	op_mul_relin_rescale(&x);
	must(hec_decrypt(x.pt, x.sk, x.d), "decrypt");
	must(hec_ckks_decode(got, x.slots, x.pt), "decode");
	hec_precision_t pr = hec_ckks_precision(got, ref, x.slots);
	bench_report_value(o, "ckks.precision.mean", fields, kn, 1, "bits", pr.mean_bits);
	bench_report_value(o, "ckks.precision.min", fields, kn, 1, "bits", pr.min_bits);
	/* The same with symmetric (secret-key) encryption, whose fresh noise
	 * is only e (no u e_pk + e1 s terms). */
	must(hec_ckks_encode(x.pt, x.v, x.slots, x.slots, x.top, x.scale), "encode");
	must(hec_encrypt_symmetric(x.a, x.sk, x.pt), "encrypt");
	must(hec_encrypt_symmetric(x.b, x.sk, x.pt), "encrypt");
	op_mul_relin_rescale(&x);
	must(hec_decrypt(x.pt, x.sk, x.d), "decrypt");
	must(hec_ckks_decode(got, x.slots, x.pt), "decode");
	pr = hec_ckks_precision(got, ref, x.slots);
	bench_report_value(o, "ckks.precision.sym.mean", fields, kn, 1, "bits", pr.mean_bits);
	bench_report_value(o, "ckks.precision.sym.min", fields, kn, 1, "bits", pr.min_bits);
	hec_eval_keys_free(relin);
	hec_eval_keys_free(gal);
	hec_ciphertext_free(sym);
	free(ref);
	free(got);
	free(x.v);
	free(x.out);
	for (int i = 0; i < 8; i++)
		hec_ciphertext_free(x.hoist[i]);
	hec_ciphertext_free(x.a);
	hec_ciphertext_free(x.b);
	hec_ciphertext_free(x.d);
	hec_plaintext_free(x.pt);
	hec_linear_transform_free(x.lt);
	hec_evaluator_free(x.ev);
	hec_eval_keys_free(x.ek);
	hec_public_key_free(x.pk);
	hec_secret_key_free(x.sk);
	hec_context_free(x.c);
}

int bench_ckks(const struct bench_opts *o)
{
	static const unsigned default_threads[] = {1, 2, 0};
	const unsigned *threads = o->threads[0] ? o->threads : default_threads;
	if (o->preset) {
		run_preset(o, o->preset, threads);
	} else {
		run_preset(o, "ckks-n13", threads);
		run_preset(o, "ckks-n14", threads);
	}
	return 0;
}
