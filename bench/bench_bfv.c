/* hecate-bench bfv: encoding, encryption, decryption, additions, products
 * (tensor, relinearisation, both), plaintext products, row rotations and
 * the column swap, modulus switching; serialized sizes and the noise
 * budget fresh and after one product; per preset (default bfv-n13: N =
 * 2^13, SEAL's 218-bit modulus, t a 20-bit batching prime) and thread
 * count. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "hecate/hecate.h"

struct bx {
	hec_context *c;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	hec_plaintext *pt, *pt2;
	hec_ciphertext *a, *b, *d, *m3;
	uint64_t *v;
	size_t n;
};

static void must(hec_status s, const char *what)
{
	if (s != HEC_OK) {
		fprintf(stderr, "hecate-bench bfv: %s: %s (%s)\n", what, hec_status_str(s), hec_error_detail());
		exit(1);
	}
}

static void op_encode(void *p)
{
	struct bx *x = p;
	must(hec_bfv_encode(x->pt, x->v, x->n), "encode");
}
static void op_decode(void *p)
{
	struct bx *x = p;
	must(hec_bfv_decode(x->v, x->n, x->pt), "decode");
}
static void op_encrypt(void *p)
{
	struct bx *x = p;
	must(hec_encrypt(x->d, x->pk, x->pt), "encrypt");
}
static void op_encrypt_sym(void *p)
{
	struct bx *x = p;
	must(hec_encrypt_symmetric(x->d, x->sk, x->pt), "encrypt");
}
static void op_decrypt(void *p)
{
	struct bx *x = p;
	must(hec_bfv_decrypt(x->pt2, x->sk, x->a), "decrypt");
}
static void op_add(void *p)
{
	struct bx *x = p;
	must(hec_bfv_add(x->ev, x->d, x->a, x->b), "add");
}
static void op_mul(void *p)
{
	struct bx *x = p;
	must(hec_bfv_mul(x->ev, x->d, x->a, x->b), "mul");
}
static void op_relin(void *p)
{
	struct bx *x = p;
	must(hec_bfv_relinearize(x->ev, x->d, x->m3), "relin");
}
static void op_mul_relin(void *p)
{
	struct bx *x = p;
	must(hec_bfv_mul_relin(x->ev, x->d, x->a, x->b), "mul_relin");
}
static void op_square_relin(void *p)
{
	struct bx *x = p;
	must(hec_bfv_mul_relin(x->ev, x->d, x->a, x->a), "square");
}
static void op_mul_plain(void *p)
{
	struct bx *x = p;
	must(hec_bfv_mul_plain(x->ev, x->d, x->a, x->pt), "mul_plain");
}
static void op_mul_const(void *p)
{
	struct bx *x = p;
	must(hec_bfv_mul_const(x->ev, x->d, x->a, 12345), "mul_const");
}
static void op_rotate(void *p)
{
	struct bx *x = p;
	must(hec_bfv_rotate_rows(x->ev, x->d, x->a, 1), "rotate");
}
static void op_swap(void *p)
{
	struct bx *x = p;
	must(hec_bfv_swap_columns(x->ev, x->d, x->a), "swap");
}
static void op_mod_switch(void *p)
{
	struct bx *x = p;
	must(hec_bfv_mod_switch_to_level(x->ev, x->d, x->a, hec_ciphertext_level(x->a) - 1), "mod switch");
}

static void run_preset(const struct bench_opts *o, const char *preset, const unsigned *threads)
{
	struct bx x = {0};
	hec_params_t p;
	must(hec_params_preset(&p, preset), "preset");
	if (p.scheme != HEC_SCHEME_BFV) {
		fprintf(stderr, "hecate-bench bfv: preset %s is not a BFV preset\n", preset);
		exit(2);
	}
	must(hec_context_new(&x.c, &p), "context");
	x.n = hec_context_n(x.c);
	int64_t one = 1;
	must(hec_secret_key_new(&x.sk, x.c), "secret key");
	must(hec_public_key_new(&x.pk, x.sk), "public key");
	must(hec_eval_keys_new(&x.ek, x.sk, true, &one, 1, true), "eval keys");
	must(hec_evaluator_new(&x.ev, x.c, x.ek), "evaluator");
	must(hec_plaintext_new(&x.pt, x.c), "plaintext");
	must(hec_plaintext_new(&x.pt2, x.c), "plaintext");
	must(hec_ciphertext_new(&x.a, x.c), "ct");
	must(hec_ciphertext_new(&x.b, x.c), "ct");
	must(hec_ciphertext_new(&x.d, x.c), "ct");
	must(hec_ciphertext_new(&x.m3, x.c), "ct");
	x.v = malloc(x.n * sizeof *x.v);
	uint64_t st = 42;
	for (size_t i = 0; i < x.n; i++) {
		st = st * 6364136223846793005u + 1442695040888963407u;
		x.v[i] = (st >> 11) % p.t;
	}
	must(hec_bfv_encode(x.pt, x.v, x.n), "encode");
	must(hec_encrypt(x.a, x.pk, x.pt), "encrypt");
	must(hec_encrypt(x.b, x.pk, x.pt), "encrypt");
	must(hec_bfv_mul(x.ev, x.m3, x.a, x.b), "mul");
	char fields[200];
	snprintf(fields, sizeof fields,
	         "\"preset\":\"%s\",\"n\":%zu,\"limbs\":%u,\"log_qp\":%.1f,\"dnum\":%u,\"t_bits\":%.1f", preset, x.n,
	         p.nq, hec_context_log_qp(x.c), p.dnum, log2((double)p.t));
	const char *kn = hec_ntt_kernel_name(hec_ntt_kernel_active());
	bench_header(o, "bfv");
	for (size_t t = 0; threads[t]; t++) {
		unsigned th = threads[t];
		omp_set_num_threads((int)th);
		static const struct {
			const char *name;
			void (*fn)(void *);
		} ops[] = {
			{"bfv.encode", op_encode},         {"bfv.decode", op_decode},
			{"bfv.encrypt", op_encrypt},       {"bfv.encrypt.sym", op_encrypt_sym},
			{"bfv.decrypt", op_decrypt},       {"bfv.add", op_add},
			{"bfv.mul", op_mul},               {"bfv.relin", op_relin},
			{"bfv.mul_relin", op_mul_relin},   {"bfv.square_relin", op_square_relin},
			{"bfv.mul_plain", op_mul_plain},   {"bfv.mul_const", op_mul_const},
			{"bfv.rotate_rows", op_rotate},    {"bfv.swap_columns", op_swap},
			{"bfv.mod_switch", op_mod_switch},
		};
		for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
			bench_report(o, ops[i].name, fields, kn, th, bench_run(o, ops[i].fn, &x));
	}
	omp_set_num_threads(1);
	/* Serialized sizes. */
	hec_ciphertext *sym;
	must(hec_ciphertext_new(&sym, x.c), "ct");
	must(hec_encrypt_symmetric(sym, x.sk, x.pt), "encrypt");
	hec_eval_keys *relin, *gal;
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
	REPORT_SIZE("bfv.size.ciphertext", hec_ciphertext_serialize(x.a, &buf, &len));
	REPORT_SIZE("bfv.size.ciphertext_sym", hec_ciphertext_serialize(sym, &buf, &len));
	must(hec_bfv_mod_switch_to_level(x.ev, x.d, x.a, 0), "mod switch");
	REPORT_SIZE("bfv.size.ciphertext_level0", hec_ciphertext_serialize(x.d, &buf, &len));
	REPORT_SIZE("bfv.size.plaintext", hec_plaintext_serialize(x.pt, &buf, &len));
	REPORT_SIZE("bfv.size.public_key", hec_public_key_serialize(x.pk, &buf, &len));
	REPORT_SIZE("bfv.size.secret_key", hec_secret_key_serialize(x.sk, &buf, &len));
	REPORT_SIZE("bfv.size.relin_key", hec_eval_keys_serialize(relin, &buf, &len));
	REPORT_SIZE("bfv.size.galois_key", hec_eval_keys_serialize(gal, &buf, &len));
#undef REPORT_SIZE
	/* Noise budgets: fresh (public-key and symmetric), after one product
	 * (relinearised), after a rotation of a fresh ciphertext. */
	double bits;
	must(hec_bfv_noise_budget(&bits, x.sk, x.a), "budget");
	bench_report_value(o, "bfv.budget.fresh", fields, kn, 1, "bits", bits);
	must(hec_bfv_noise_budget(&bits, x.sk, sym), "budget");
	bench_report_value(o, "bfv.budget.fresh_sym", fields, kn, 1, "bits", bits);
	must(hec_bfv_mul_relin(x.ev, x.d, x.a, x.b), "mul_relin");
	must(hec_bfv_noise_budget(&bits, x.sk, x.d), "budget");
	bench_report_value(o, "bfv.budget.mul_relin", fields, kn, 1, "bits", bits);
	must(hec_bfv_mul_relin(x.ev, x.d, x.d, x.b), "mul_relin");
	must(hec_bfv_noise_budget(&bits, x.sk, x.d), "budget");
	bench_report_value(o, "bfv.budget.mul_relin2", fields, kn, 1, "bits", bits);
	must(hec_bfv_rotate_rows(x.ev, x.d, x.a, 1), "rotate");
	must(hec_bfv_noise_budget(&bits, x.sk, x.d), "budget");
	bench_report_value(o, "bfv.budget.rotate", fields, kn, 1, "bits", bits);
	hec_eval_keys_free(relin);
	hec_eval_keys_free(gal);
	hec_ciphertext_free(sym);
	free(x.v);
	hec_ciphertext_free(x.a);
	hec_ciphertext_free(x.b);
	hec_ciphertext_free(x.d);
	hec_ciphertext_free(x.m3);
	hec_plaintext_free(x.pt);
	hec_plaintext_free(x.pt2);
	hec_evaluator_free(x.ev);
	hec_eval_keys_free(x.ek);
	hec_public_key_free(x.pk);
	hec_secret_key_free(x.sk);
	hec_context_free(x.c);
}

int bench_bfv(const struct bench_opts *o)
{
	static const unsigned default_threads[] = {1, 2, 0};
	run_preset(o, o->preset ? o->preset : "bfv-n13", o->threads[0] ? o->threads : default_threads);
	return 0;
}
