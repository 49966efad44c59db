/* hecate-bench: reproducible measurements as a table or JSON Lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "hecate/hecate.h"

struct family {
	const char *name;
	int (*run)(const struct bench_opts *o);
	const char *summary;
};

static const struct family families[] = {
    {"ntt", bench_ntt, "forward/inverse NTT and element-wise multiply, per kernel"},
    {"ring", bench_ring, "RNS polynomials: NTT of all limbs, conversion, ModUp/Down, rescale, automorphism"},
    {"ckks", bench_ckks,
     "CKKS keys, encoding, encryption, arithmetic, rotations, transforms, sizes, precision"},
    {"ml", bench_ml,
     "private classification per model: keygen, encrypt, classify, decrypt, sizes, agreement, "
     "throughput (one batch)"},
    {"ml-batch", bench_ml_batch, "encrypted CNN, one image per slot: throughput (--model M, --n images)"},
    {"bfv", bench_bfv, "BFV encoding, encryption, arithmetic, products, rotations, sizes, noise budget"},
    {"lr", bench_lr, "encrypted logistic-regression training: encryption, iterations, memory, accuracy"},
};
#define NFAMILIES (sizeof families / sizeof families[0])

static void usage(FILE *out)
{
	fprintf(out, "usage: hecate-bench [OPTIONS] FAMILY...\n\n"
	             "Measure Hecate's operations: a warm-up, then the median and minimum of many\n"
	             "repetitions, printed as a table or (--json) as JSON Lines.\n\n"
	             "families:\n");
	for (size_t i = 0; i < NFAMILIES; i++)
		fprintf(out, "  %-8s %s\n", families[i].name, families[i].summary);
	fprintf(out, "\noptions:\n"
	             "  --json            JSON Lines, one object per measurement\n"
	             "  --n N[,N...]      ring degrees (default: the family's sweep)\n"
	             "  --bits B[,B...]   prime sizes in bits\n"
	             "  --kernel K[,K...] portable, avx2, avx512 (default: every supported one)\n"
	             "  --threads T[,T...] thread counts where the family is multithreaded\n"
	             "  --preset P        parameter preset where the family has presets\n"
	             "  --model M         ml, ml-batch: a model file or a shipped model's name (default "
	             "mnist-cryptonets;\n"
	             "                    --preset NAME works too)\n"
	             "  --images K        ml: test images for agreement and accuracy (default 100)\n"
	             "  --task T          lr: mnist-3v8 (default), fashion-tshirt-shirt, idash (1,579 x 18 "
	             "synthetic)\n"
	             "  --samples N       lr: the first N training samples (default: all)\n"
	             "  --iters K         lr: training iterations (default 16; idash 7)\n"
	             "  --reps R          repetitions per measurement (default: fill --time)\n"
	             "  --time S          seconds per measurement when --reps is not given (0.25)\n"
	             "  --version, --help\n");
}

static int parse_list(const char *arg, unsigned long *out, size_t max, const char *opt)
{
	size_t k = 0;
	char *end;
	const char *p = arg;
	while (*p) {
		if (k + 1 >= max) {
			fprintf(stderr, "hecate-bench: too many values for %s\n", opt);
			return -1;
		}
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || (*end && *end != ',') || v == 0) {
			fprintf(stderr,
			        "hecate-bench: %s expects positive integers separated by commas, got '%s'\n",
			        opt, arg);
			return -1;
		}
		out[k++] = v;
		p = *end ? end + 1 : end;
	}
	return (int)k;
}

int main(int argc, char **argv)
{
	struct bench_opts o = {.budget_s = 0.25, .kernels = {-1}};
	const char *selected[NFAMILIES] = {0};
	size_t nsel = 0;
	unsigned long tmp[16];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int k;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("hecate-bench %s\n", HECATE_VERSION);
			return 0;
		} else if (!strcmp(a, "--json")) {
			o.json = true;
			continue;
		}
		if (a[0] == '-' && !val) {
			fprintf(stderr, "hecate-bench: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--n")) {
			if ((k = parse_list(val, tmp, 16, a)) < 0)
				return 2;
			for (int j = 0; j < k; j++)
				o.ns[j] = tmp[j];
		} else if (!strcmp(a, "--bits")) {
			if ((k = parse_list(val, tmp, 8, a)) < 0)
				return 2;
			for (int j = 0; j < k; j++)
				o.bits[j] = (unsigned)tmp[j];
		} else if (!strcmp(a, "--threads")) {
			if ((k = parse_list(val, tmp, 4, a)) < 0)
				return 2;
			for (int j = 0; j < k; j++)
				o.threads[j] = (unsigned)tmp[j];
		} else if (!strcmp(a, "--kernel")) {
			char buf[64];
			snprintf(buf, sizeof buf, "%s", val);
			int nk = 0;
			for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
				hec_kernel kern;
				if (nk == 3 || hec_ntt_kernel_parse(&kern, tok) != HEC_OK) {
					fprintf(stderr,
					        "hecate-bench: bad --kernel '%s' (portable, avx2, avx512)\n",
					        val);
					return 2;
				}
				if (!hec_ntt_kernel_supported(kern)) {
					fprintf(stderr,
					        "hecate-bench: the %s kernel is not supported on this CPU "
					        "(see `hecate cpu`)\n",
					        tok);
					return 1;
				}
				o.kernels[nk++] = kern;
			}
			o.kernels[nk] = -1;
		} else if (!strcmp(a, "--preset")) {
			o.preset = val;
		} else if (!strcmp(a, "--model")) {
			o.model = val;
		} else if (!strcmp(a, "--images")) {
			if (parse_list(val, tmp, 2, a) != 1)
				return 2;
			o.images = (unsigned)tmp[0];
		} else if (!strcmp(a, "--task")) {
			o.task = val;
		} else if (!strcmp(a, "--samples")) {
			if (parse_list(val, tmp, 2, a) != 1)
				return 2;
			o.samples = tmp[0];
		} else if (!strcmp(a, "--iters")) {
			if (parse_list(val, tmp, 2, a) != 1)
				return 2;
			o.iters = (unsigned)tmp[0];
		} else if (!strcmp(a, "--reps")) {
			if (parse_list(val, tmp, 2, a) != 1)
				return 2;
			o.reps = (unsigned)tmp[0];
		} else if (!strcmp(a, "--time")) {
			o.budget_s = atof(val);
			if (!(o.budget_s > 0)) {
				fprintf(stderr,
				        "hecate-bench: --time expects a positive number of seconds\n");
				return 2;
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "hecate-bench: unknown option '%s'; see --help\n", a);
			return 2;
		} else {
			size_t f;
			for (f = 0; f < NFAMILIES && strcmp(a, families[f].name); f++)
				;
			if (f == NFAMILIES) {
				fprintf(stderr, "hecate-bench: unknown family '%s'; see --help\n", a);
				return 2;
			}
			selected[nsel++] = families[f].name;
			continue;
		}
		i++;
	}
	if (!nsel) {
		usage(stderr);
		return 2;
	}
	if (hec_ntt_kernel_init() != HEC_OK) {
		fprintf(stderr, "hecate-bench: %s\n", hec_error_detail());
		return 1;
	}
	int rc = 0;
	for (size_t s = 0; s < nsel; s++)
		for (size_t f = 0; f < NFAMILIES; f++)
			if (!strcmp(selected[s], families[f].name) && families[f].run(&o) != 0)
				rc = 1;
	return rc;
}
