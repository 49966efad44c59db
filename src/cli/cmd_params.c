/* `hecate params`: show a parameter set and why it was chosen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hecate/hecate.h"

static const char usage_text[] =
	"usage: hecate params [--preset NAME | --depth D [--precision B]] [--security 128|192|256]\n"
	"       hecate params --scheme bfv [--preset NAME] [--t T]\n"
	"\n"
	"Print a CKKS/BFV parameter set: ring degree N, the ciphertext prime chain,\n"
	"the special (key-switching) primes, log2(QP), the security level it reaches\n"
	"under the Homomorphic Encryption Standard, slots, multiplicative depth, and\n"
	"why it was chosen.\n"
	"\n"
	"  --preset NAME     one of: ckks-n13 ckks-n14 ckks-n15 ckks-n16 bfv-n13\n"
	"  --depth D         the smallest secure CKKS set with D levels ...\n"
	"  --precision B     ... at a scale of 2^B (20..50, default 40)\n"
	"  --security S      security level to reach (default 128)\n"
	"  --scheme S        ckks or bfv: the preset must be of this scheme (bfv: default\n"
	"                    preset bfv-n13)\n"
	"  --t T             BFV plaintext modulus instead of the preset's (a prime = 1\n"
	"                    mod 2N for batching, else scalar encoding only)\n";

int hec_cmd_params(int argc, char **argv)
{
	const char *preset = NULL, *scheme = NULL;
	long depth = -1, precision = 40, security = 128;
	unsigned long long tmod = 0;
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!v) {
			fprintf(stderr, "hecate params: %s needs a value; see --help\n", a);
			return 2;
		}
		if (!strcmp(a, "--preset")) {
			preset = v;
		} else if (!strcmp(a, "--scheme")) {
			scheme = v;
		} else if (!strcmp(a, "--t")) {
			tmod = strtoull(v, &end, 10);
			if (*end || end == v || tmod < 2 || v[0] == '-') {
				fprintf(stderr, "hecate params: --t expects an integer >= 2, got '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--depth") || !strcmp(a, "--precision") || !strcmp(a, "--security")) {
			long x = strtol(v, &end, 10);
			if (*end || end == v || x < 0) {
				fprintf(stderr, "hecate params: %s expects a non-negative integer, got '%s'\n", a, v);
				return 2;
			}
			*(!strcmp(a, "--depth") ? &depth : !strcmp(a, "--precision") ? &precision : &security) = x;
		} else {
			fprintf(stderr, "hecate params: unknown option '%s'; see --help\n", a);
			return 2;
		}
	}
	if (scheme && strcmp(scheme, "ckks") && strcmp(scheme, "bfv")) {
		fprintf(stderr, "hecate params: --scheme must be ckks or bfv, got '%s'\n", scheme);
		return 2;
	}
	bool bfv = scheme && !strcmp(scheme, "bfv");
	if (bfv && depth >= 0) {
		fprintf(stderr, "hecate params: --depth selects CKKS parameters; for BFV give --preset\n");
		return 2;
	}
	if (bfv && !preset)
		preset = "bfv-n13";
	if (!preset && depth < 0) {
		fprintf(stderr, "hecate params: give --preset NAME or --depth D; see --help\n");
		return 2;
	}
	if (security != 128 && security != 192 && security != 256) {
		fprintf(stderr, "hecate params: --security must be 128, 192 or 256\n");
		return 2;
	}
	hec_params_t p;
	char why[512] = "";
	hec_status s;
	if (preset) {
		s = hec_params_preset(&p, preset);
		p.security = (hec_security)security;
		snprintf(why, sizeof why, "preset %s: every prime below 2^50 (SIMD kernels apply); base prime 10 bits "
		                          "above the scale; as few key-switching digits as the security budget allows",
		         preset);
	} else {
		s = hec_params_for_depth(&p, (unsigned)depth, (unsigned)precision, (hec_security)security, why, sizeof why);
	}
	if (s != HEC_OK) {
		fprintf(stderr, "hecate params: %s\n", hec_error_detail());
		return 1;
	}
	if (scheme && (p.scheme == HEC_SCHEME_BFV) != bfv) {
		fprintf(stderr, "hecate params: preset %s is not a %s preset\n", preset, scheme);
		return 2;
	}
	if (tmod && p.scheme != HEC_SCHEME_BFV) {
		fprintf(stderr, "hecate params: --t applies to BFV parameters only\n");
		return 2;
	}
	if (p.scheme == HEC_SCHEME_BFV) {
		if (tmod)
			p.t = tmod;
		snprintf(why, sizeof why,
		         "preset %s: SEAL's 218-bit modulus at N = 2^13 as four 47-bit ciphertext primes and a 30-bit "
		         "special prime (a bit moved from P to Q is a bit of noise budget); key switching by single-prime "
		         "digits; t = %llu%s",
		         preset, (unsigned long long)p.t,
		         tmod ? " (given)" : ", the largest 20-bit prime = 1 mod 2N (batching)");
	}
	hec_context *c;
	if ((s = hec_context_new(&c, &p)) != HEC_OK) {
		fprintf(stderr, "hecate params: %s\n", hec_error_detail());
		return 1;
	}
	hec_context_describe(c, stdout);
	printf("why:        %s\n", why);
	hec_context_free(c);
	return 0;
}
