/* hecate-bench ntt: forward and inverse NTT and the element-wise multiply,
 * for every requested kernel, ring degree and prime size. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "hecate/ntt.h"
#include "kernels.h" /* per-kernel vector ops */

struct ntt_arg {
	const hec_ntt_table *t;
	uint64_t *a, *b;
	const hec_modulus_t *m;
};

static void run_fwd(void *p)
{
	struct ntt_arg *x = p;
	hec_ntt_fwd(x->t, x->a, x->a);
}

static void run_inv(void *p)
{
	struct ntt_arg *x = p;
	hec_ntt_inv(x->t, x->a, x->a);
}

static void run_vec_mul(void *p)
{
	struct ntt_arg *x = p;
	x->t->ops->vec_mul(x->a, x->a, x->b, x->t->n, x->m);
}

int bench_ntt(const struct bench_opts *o)
{
	static const size_t default_ns[] = {1u << 12, 1u << 13, 1u << 14, 1u << 15, 1u << 16, 1u << 17, 0};
	static const unsigned default_bits[] = {30, 50, 60, 0};
	const size_t *ns = o->ns[0] ? o->ns : default_ns;
	const unsigned *bits = o->bits[0] ? o->bits : default_bits;
	int kernels[HEC_KERNEL_COUNT + 1], nk = 0;
	if (o->kernels[0] >= 0) {
		for (int i = 0; o->kernels[i] >= 0; i++)
			kernels[nk++] = o->kernels[i];
	} else {
		for (int k = HEC_KERNEL_COUNT - 1; k >= 0; k--)
			if (hec_ntt_kernel_supported((hec_kernel)k))
				kernels[nk++] = k;
	}
	bench_header(o, "ntt: one prime, one thread");
	uint64_t state = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; ns[i]; i++) {
		for (size_t j = 0; bits[j]; j++) {
			uint64_t q;
			if (hec_ntt_primes_generate(&q, 1, bits[j], ns[i]) != HEC_OK) {
				fprintf(stderr, "hecate-bench: %s\n", hec_error_detail());
				return 1;
			}
			for (int k = 0; k < nk; k++) {
				hec_ntt_table *t;
				if (hec_ntt_table_new_kernel(&t, ns[i], q, (hec_kernel)kernels[k]) != HEC_OK)
					continue; /* the kernel does not accept this prime size */
				uint64_t *a = aligned_alloc(64, ns[i] * 8), *b = aligned_alloc(64, ns[i] * 8);
				if (!a || !b) {
					fprintf(stderr, "hecate-bench: out of memory\n");
					return 1;
				}
				for (size_t c = 0; c < ns[i]; c++) {
					state = state * 6364136223846793005u + 1442695040888963407u;
					a[c] = (state >> 11) % q;
					b[c] = (state >> 7) % q;
				}
				struct ntt_arg arg = {t, a, b, hec_ntt_table_modulus(t)};
				char fields[96];
				snprintf(fields, sizeof fields, "\"n\":%zu,\"bits\":%u", ns[i], bits[j]);
				const char *kn = hec_ntt_kernel_name((hec_kernel)kernels[k]);
				bench_report(o, "ntt.fwd", fields, kn, 1, bench_run(o, run_fwd, &arg));
				bench_report(o, "ntt.inv", fields, kn, 1, bench_run(o, run_inv, &arg));
				bench_report(o, "vec.mul", fields, kn, 1, bench_run(o, run_vec_mul, &arg));
				free(a);
				free(b);
				hec_ntt_table_free(t);
			}
		}
	}
	return 0;
}
