/* hecate-bench ring: the RNS ring layer's heavy operations at the sizes
 * CKKS uses: NTT of all limbs, pointwise product, basis conversion Q -> P,
 * ModUp (one digit of K primes, raised to Q_l P), ModDown, rescaling of a
 * ciphertext (two polynomials), ModDown fused with rescaling, key
 * switching's inner product over ceil(L / K) raised digits with both key
 * halves (hec_poly_dot2, without and with a rotation applied on the fly),
 * an NTT-form automorphism and the samplers,
 * for 1 and 2 threads.  Defaults: (n = 2^14, 9 limbs, K = 3) and
 * (n = 2^16, 24 limbs, K = 8), 50-bit primes; --n picks sizes (other n use
 * 9 limbs), --bits the prime size, --threads the thread counts.  The NTT
 * kernel is the active one (HECATE_KERNEL selects it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"
#include "hecate/ring.h"

struct ring_arg {
	const hec_ring *r;
	hec_ring_workspace *w;
	hec_poly a, b, c, d, e, p, p2;
	hec_rns_conv *q_to_p;
	const uint64_t *conv_src[HEC_RING_MAX_PRIMES];
	uint64_t *conv_dst[HEC_RING_MAX_PRIMES];
	uint64_t *scratch;
	size_t digit_size, ndigits;
	hec_poly *up, *kb, *ka, acc0, acc1; /* ndigits raised digits and key halves (Q parts) */
	uint64_t galois;
	hec_prng g;
};

static void run_ntt1(void *v)
{
	struct ring_arg *x = v;
	hec_ntt_fwd(hec_ring_q_ntt(x->r, 0), x->c.c, x->c.c);
}

static void run_ntt_fwd(void *v)
{
	struct ring_arg *x = v;
	x->c.ntt = false; /* the data stays in [0, q): transform it again */
	hec_poly_ntt_fwd(&x->c);
}

static void run_ntt_inv(void *v)
{
	struct ring_arg *x = v;
	x->c.ntt = true;
	hec_poly_ntt_inv(&x->c);
}

static void run_mul(void *v)
{
	struct ring_arg *x = v;
	hec_poly_mul(&x->c, &x->a, &x->b);
}

static void run_conv(void *v)
{
	struct ring_arg *x = v;
	hec_rns_conv_apply(x->q_to_p, x->conv_dst, x->conv_src, x->scratch);
}

static void run_modup(void *v)
{
	struct ring_arg *x = v;
	hec_poly_mod_up(&x->c, &x->p, &x->a, 0, x->digit_size, x->w);
}

static void run_moddown(void *v)
{
	struct ring_arg *x = v;
	hec_poly_mod_down(&x->c, &x->a, &x->p2, x->w);
}

static void run_moddown_rescale(void *v)
{
	struct ring_arg *x = v;
	hec_poly_mod_down_rescale(&x->d, &x->a, &x->p2, NULL, x->w);
}

static void run_dot2(void *v)
{
	struct ring_arg *x = v;
	hec_poly_dot2(&x->acc0, &x->acc1, x->up, x->kb, x->ka, x->ndigits);
}

static void run_dot2_rot(void *v)
{
	struct ring_arg *x = v;
	hec_poly_dot2_automorphism(&x->acc0, &x->acc1, x->up, x->galois, x->kb, x->ka, x->ndigits);
}

static void run_rescale(void *v)
{
	struct ring_arg *x = v;
	hec_poly_rescale(&x->d, &x->a, x->w);
	hec_poly_rescale(&x->e, &x->b, x->w);
}

static void run_automorphism(void *v)
{
	struct ring_arg *x = v;
	hec_poly_automorphism(&x->c, &x->a, x->galois);
}

static void run_sample_uniform(void *v)
{
	struct ring_arg *x = v;
	hec_sample_uniform(&x->c, &x->g);
}

static void run_sample_error(void *v)
{
	struct ring_arg *x = v;
	hec_sample_error(&x->c, &x->g, NULL);
}

static int fail(const char *what)
{
	fprintf(stderr, "hecate-bench: %s: %s\n", what, hec_error_detail());
	return 1;
}

static int bench_one(const struct bench_opts *o, size_t n, size_t L, size_t K, unsigned bits,
                     const unsigned *threads)
{
	uint64_t pr[2 * HEC_RING_MAX_PRIMES];
	if (hec_ntt_primes_generate(pr, L + K, bits, n) != HEC_OK)
		return fail("primes");
	struct ring_arg x;
	memset(&x, 0, sizeof x);
	hec_ring *r;
	if (hec_ring_new(&r, n, pr, L, pr + L, K) != HEC_OK)
		return fail("ring");
	x.r = r;
	if (hec_ring_workspace_new(&x.w, r) != HEC_OK)
		return fail("workspace");
	hec_poly *qs[] = {&x.a, &x.b, &x.c, &x.d, &x.e};
	for (size_t i = 0; i < 5; i++)
		if (hec_poly_init(qs[i], r, HEC_BASIS_Q, L, true) != HEC_OK)
			return fail("poly");
	if (hec_poly_init(&x.p, r, HEC_BASIS_P, K, true) != HEC_OK ||
	    hec_poly_init(&x.p2, r, HEC_BASIS_P, K, true) != HEC_OK)
		return fail("poly");
	uint8_t seed[HEC_SEED_BYTES] = {42};
	hec_prng_init(&x.g, seed, HEC_STREAM_PUBLIC);
	hec_sample_uniform(&x.a, &x.g);
	hec_sample_uniform(&x.b, &x.g);
	hec_sample_uniform(&x.c, &x.g);
	hec_sample_uniform(&x.p2, &x.g);
	if (hec_rns_conv_new(&x.q_to_p, n, pr, L, pr + L, K) != HEC_OK)
		return fail("converter");
	for (size_t i = 0; i < L; i++)
		x.conv_src[i] = hec_poly_limb(&x.a, i);
	for (size_t j = 0; j < K; j++)
		x.conv_dst[j] = hec_poly_limb(&x.p, j);
	x.scratch = malloc(L * n * sizeof *x.scratch);
	if (!x.scratch)
		return fail("scratch");
	x.digit_size = K;
	x.galois = hec_ring_galois_rotation(r, 1);
	x.ndigits = (L + K - 1) / K;
	x.up = calloc(3 * x.ndigits, sizeof *x.up);
	if (!x.up)
		return fail("digits");
	x.kb = x.up + x.ndigits;
	x.ka = x.kb + x.ndigits;
	for (size_t j = 0; j < 3 * x.ndigits; j++) {
		if (hec_poly_init(&x.up[j], r, HEC_BASIS_Q, L, true) != HEC_OK)
			return fail("poly");
		hec_sample_uniform(&x.up[j], &x.g);
	}
	if (hec_poly_init(&x.acc0, r, HEC_BASIS_Q, L, true) != HEC_OK ||
	    hec_poly_init(&x.acc1, r, HEC_BASIS_Q, L, true) != HEC_OK)
		return fail("poly");

	const char *kn = hec_ntt_kernel_name(hec_ntt_table_kernel(hec_ring_q_ntt(r, 0)));
	char fields[128];
	snprintf(fields, sizeof fields, "\"n\":%zu,\"limbs\":%zu,\"special\":%zu,\"bits\":%u", n, L, K, bits);
	struct bench_result single = {0}, all = {0}, resc = {0}, aut = {0};
	for (size_t t = 0; threads[t]; t++) {
#ifdef _OPENMP
		omp_set_num_threads((int)threads[t]);
#else
		if (threads[t] != 1)
			continue; /* built without OpenMP */
#endif
		const unsigned th = threads[t];
		struct bench_result res;
		if (th == 1) {
			single = bench_run(o, run_ntt1, &x);
			char f1[64];
			snprintf(f1, sizeof f1, "\"n\":%zu,\"limbs\":1,\"bits\":%u", n, bits);
			bench_report(o, "ring.ntt1.fwd", f1, kn, 1, single);
		}
		bench_report(o, "ring.ntt.fwd", fields, kn, th, res = bench_run(o, run_ntt_fwd, &x));
		if (th == 1)
			all = res;
		bench_report(o, "ring.ntt.inv", fields, kn, th, bench_run(o, run_ntt_inv, &x));
		x.c.ntt = true;
		bench_report(o, "ring.mul", fields, kn, th, bench_run(o, run_mul, &x));
		bench_report(o, "ring.conv.q2p", fields, kn, th, bench_run(o, run_conv, &x));
		bench_report(o, "ring.modup.digit", fields, kn, th, bench_run(o, run_modup, &x));
		bench_report(o, "ring.moddown", fields, kn, th, bench_run(o, run_moddown, &x));
		bench_report(o, "ring.rescale.ct", fields, kn, th, res = bench_run(o, run_rescale, &x));
		if (th == 1)
			resc = res;
		bench_report(o, "ring.moddown_rescale", fields, kn, th, bench_run(o, run_moddown_rescale, &x));
		char df[160];
		snprintf(df, sizeof df, "%s,\"digits\":%zu", fields, x.ndigits);
		bench_report(o, "ring.dot2", df, kn, th, bench_run(o, run_dot2, &x));
		bench_report(o, "ring.dot2.automorphism", df, kn, th, bench_run(o, run_dot2_rot, &x));
		bench_report(o, "ring.automorphism", fields, kn, th, res = bench_run(o, run_automorphism, &x));
		if (th == 1)
			aut = res;
		bench_report(o, "ring.sample.uniform", fields, kn, th, bench_run(o, run_sample_uniform, &x));
		bench_report(o, "ring.sample.error", fields, kn, th, bench_run(o, run_sample_error, &x));
	}
	if (!o->json && single.reps && all.reps)
		printf("  one thread: NTT of %zu limbs = %.2f x one prime's; rescale of a ciphertext %.3f ms; "
		       "automorphism %.3f ms\n",
		       L, all.median_ns / single.median_ns, resc.median_ns / 1e6, aut.median_ns / 1e6);
	free(x.scratch);
	for (size_t j = 0; j < 3 * x.ndigits; j++)
		hec_poly_clear(&x.up[j]);
	free(x.up);
	hec_poly_clear(&x.acc0);
	hec_poly_clear(&x.acc1);
	hec_rns_conv_free(x.q_to_p);
	for (size_t i = 0; i < 5; i++)
		hec_poly_clear(qs[i]);
	hec_poly_clear(&x.p);
	hec_poly_clear(&x.p2);
	hec_prng_clear(&x.g);
	hec_ring_workspace_free(x.w);
	hec_ring_free(r);
	return 0;
}

int bench_ring(const struct bench_opts *o)
{
	static const size_t default_ns[] = {1u << 14, 1u << 16, 0};
	static const unsigned default_threads[] = {1, 2, 0};
	const size_t *ns = o->ns[0] ? o->ns : default_ns;
	const unsigned *threads = o->threads[0] ? o->threads : default_threads;
	const unsigned bits = o->bits[0] ? o->bits[0] : 50;
	bench_header(o, "ring: RNS polynomial operations (active NTT kernel)");
	int rc = 0;
	for (size_t i = 0; ns[i]; i++) {
		size_t L = ns[i] == (1u << 16) ? 24 : 9, K = ns[i] == (1u << 16) ? 8 : 3;
		if (bench_one(o, ns[i], L, K, bits, threads))
			rc = 1;
	}
	return rc;
}
