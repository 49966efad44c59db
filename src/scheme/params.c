/* Parameter presets, the security table and parameter selection by depth. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Largest log2(Q P) for 128/192/256-bit security with a ternary secret:
 * Albrecht et al., "Homomorphic Encryption Standard" (2018), Table 1
 * (classical), N = 2^10 .. 2^15; N = 2^16 and 2^17 at 128 bits from the
 * extension used by the major libraries (Bossuat et al., Lattigo; the HE
 * standard's follow-up estimates).  No published entry: 0. */
static const unsigned bound_table[3][8] = {
	/* log_n:  10   11   12   13   14   15    16    17 */
	{27, 54, 109, 218, 438, 881, 1747, 3523}, /* 128 */
	{19, 37, 75, 152, 305, 611, 0, 0},        /* 192 */
	{14, 29, 58, 118, 237, 476, 0, 0},        /* 256 */
};

unsigned hec_security_max_log_qp(unsigned log_n, hec_security sec)
{
	if (log_n < 10 || log_n > 17)
		return 0;
	switch (sec) {
	case HEC_SECURITY_128: return bound_table[0][log_n - 10];
	case HEC_SECURITY_192: return bound_table[1][log_n - 10];
	case HEC_SECURITY_256: return bound_table[2][log_n - 10];
	default: return 0;
	}
}

hec_security hec_security_level(unsigned log_n, double log_qp)
{
	static const hec_security levels[] = {HEC_SECURITY_256, HEC_SECURITY_192, HEC_SECURITY_128};
	for (size_t i = 0; i < 3; i++) {
		unsigned b = hec_security_max_log_qp(log_n, levels[i]);
		if (b && log_qp <= b)
			return levels[i];
	}
	return HEC_SECURITY_NONE;
}

static const char *const preset_names[] = {"ckks-n13", "ckks-n14", "ckks-n15", "ckks-n16", "bfv-n13", NULL};

const char *const *hec_params_preset_names(void)
{
	return preset_names;
}

static void fill(hec_params_t *p, hec_scheme s, unsigned log_n, unsigned q0, unsigned qbits, unsigned levels,
                 unsigned pbits, unsigned np, unsigned dnum)
{
	memset(p, 0, sizeof *p);
	p->scheme = s;
	p->log_n = log_n;
	p->nq = levels + 1;
	p->q_bits[0] = q0;
	for (unsigned i = 1; i <= levels; i++)
		p->q_bits[i] = qbits;
	p->np = np;
	for (unsigned i = 0; i < np; i++)
		p->p_bits[i] = pbits;
	p->dnum = dnum;
	p->log_scale = qbits;
	p->security = HEC_SECURITY_128;
}

hec_status hec_params_preset(hec_params_t *p, const char *name)
{
	/* Every prime below 2^50 keeps the SIMD kernels in play.  The base
	 * prime q_0 is 10 bits above the scale: decrypted values up to 2^9 in
	 * magnitude survive.  Digits hold as many primes as the special
	 * modulus P can cover within the security budget: fewer digits mean
	 * fewer NTTs per key switch. */
	if (!strcmp(name, "ckks-n13"))
		fill(p, HEC_SCHEME_CKKS, 13, 50, 40, 2, 50, 1, 3); /* log QP ~ 180 of 218 */
	else if (!strcmp(name, "ckks-n14"))
		fill(p, HEC_SCHEME_CKKS, 14, 50, 40, 8, 50, 1, 9); /* ~ 420 of 438 */
	else if (!strcmp(name, "ckks-n15"))
		fill(p, HEC_SCHEME_CKKS, 15, 50, 40, 16, 50, 3, 6); /* ~ 840 of 881 */
	else if (!strcmp(name, "ckks-n16"))
		fill(p, HEC_SCHEME_CKKS, 16, 50, 40, 24, 50, 5, 5); /* ~ 1260 of 1747 */
	else if (!strcmp(name, "bfv-n13")) {
		/* SEAL's default 218-bit modulus at N = 2^13, as five primes,
		 * split for BFV: four 47-bit ciphertext primes and a 30-bit
		 * special prime.  Every bit moved from P to Q adds a bit of noise
		 * budget, while key switching (digits of one prime, noise ~
		 * digit / P) stays far below a product's noise: 160 bits fresh,
		 * 128 after one product, 141 after a rotation of a fresh
		 * ciphertext (SEAL, 43 + 43 + 44 + 44 and 44 bits: 146 / 114). */
		fill(p, HEC_SCHEME_BFV, 13, 47, 47, 3, 30, 1, 4);
		p->log_scale = 0;
		hec_ntt_prime_prev(&p->t, UINT64_C(1) << 20, UINT64_C(1) << 14);
	} else {
		return hec_error_set(HEC_ERR_ARG,
		                     "unknown preset '%s' (known: ckks-n13, ckks-n14, ckks-n15, ckks-n16, bfv-n13)",
		                     name);
	}
	return HEC_OK;
}

hec_status hec_params_for_depth(hec_params_t *p, unsigned depth, unsigned precision_bits, hec_security sec,
                                char *why, size_t why_len)
{
	if (precision_bits < 20 || precision_bits > 50)
		return hec_error_set(HEC_ERR_ARG, "precision %u bits is outside [20, 50]", precision_bits);
	if (depth < 1 || depth + 1 > HEC_PARAMS_MAX_Q)
		return hec_error_set(HEC_ERR_ARG, "depth %u is outside [1, %d]", depth, HEC_PARAMS_MAX_Q - 1);
	if (sec != HEC_SECURITY_128 && sec != HEC_SECURITY_192 && sec != HEC_SECURITY_256)
		return hec_error_set(HEC_ERR_ARG, "security must be 128, 192 or 256 bits");
	/* The base prime keeps 10 bits of headroom above the scale (at most 60
	 * bits; above 49 bits that prime uses the portable kernel). */
	unsigned q0 = precision_bits + 10 > 60 ? 60 : precision_bits + 10;
	unsigned nq = depth + 1;
	unsigned log_q = q0 + depth * precision_bits;
	for (unsigned log_n = 12; log_n <= 17; log_n++) {
		unsigned bound = hec_security_max_log_qp(log_n, sec);
		if (!bound || log_q >= bound)
			continue;
		/* Largest digit (fewest digits, cheapest key switching) whose
		 * special modulus still fits: P must be at least as large as the
		 * largest digit, made of primes of up to 50 bits. */
		for (unsigned alpha = nq; alpha >= 1; alpha--) {
			unsigned digit_bits = q0 + (alpha - 1) * precision_bits;
			unsigned np = (digit_bits + 49) / 50;
			unsigned pbits = (digit_bits + np - 1) / np;
			if (pbits < 20)
				pbits = 20;
			if (np > HEC_PARAMS_MAX_P || log_q + np * pbits > bound)
				continue;
			fill(p, HEC_SCHEME_CKKS, log_n, q0, precision_bits, depth, pbits, np, (nq + alpha - 1) / alpha);
			p->security = sec;
			if (why)
				snprintf(why, why_len,
				         "N = 2^%u is the smallest ring whose %u-bit security bound (log QP <= %u) holds "
				         "Q = %u bits (base prime %u + %u levels x %u) plus P = %u x %u bits; "
				         "digits of up to %u primes (dnum = %u) are the fewest that fit",
				         log_n, (unsigned)sec, bound, log_q, q0, depth, precision_bits, np, pbits,
				         (nq + p->dnum - 1) / p->dnum, p->dnum);
			return HEC_OK;
		}
	}
	return hec_error_set(HEC_ERR_INSECURE,
	                     "depth %u at %u-bit precision needs log Q = %u bits, more than N = 2^17 allows at "
	                     "%u-bit security (bootstrapping is not available)",
	                     depth, precision_bits, log_q, (unsigned)sec);
}
