/* Contexts: primes from the parameters, the security check, fingerprint. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void fnv1a(uint64_t *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		*h ^= p[i];
		*h *= UINT64_C(0x100000001b3);
	}
}

static void fnv_u64(uint64_t *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	fnv1a(h, b, 8);
}

static hec_status check_params(const hec_params_t *p, bool insecure)
{
	if (p->scheme != HEC_SCHEME_CKKS && p->scheme != HEC_SCHEME_BFV)
		return hec_error_set(HEC_ERR_ARG, "params: unknown scheme %d", (int)p->scheme);
	unsigned min_log_n = insecure ? 4 : 12;
	if (p->log_n < min_log_n || p->log_n > 17)
		return hec_error_set(HEC_ERR_ARG, "params: log N = %u is outside [%u, 17]", p->log_n, min_log_n);
	if (p->nq < 1 || p->nq > HEC_PARAMS_MAX_Q || p->np > HEC_PARAMS_MAX_P)
		return hec_error_set(HEC_ERR_ARG, "params: %u ciphertext and %u special primes (at most %d and %d)",
		                     p->nq, p->np, HEC_PARAMS_MAX_Q, HEC_PARAMS_MAX_P);
	for (unsigned i = 0; i < p->nq + p->np; i++) {
		unsigned b = i < p->nq ? p->q_bits[i] : p->p_bits[i - p->nq];
		if (b < 20 || b > 61)
			return hec_error_set(HEC_ERR_ARG, "params: prime %u has %u bits (allowed: 20..61)", i, b);
	}
	if (p->dnum < 1 || p->dnum > p->nq)
		return hec_error_set(HEC_ERR_ARG, "params: dnum = %u must be in [1, nq = %u]", p->dnum, p->nq);
	if (p->np == 0)
		return hec_error_set(HEC_ERR_ARG, "params: hybrid key switching needs at least one special prime");
	if (p->scheme == HEC_SCHEME_CKKS && !(p->log_scale >= 1 && p->log_scale < 120))
		return hec_error_set(HEC_ERR_ARG, "params: log2 scale %g is outside [1, 120)", p->log_scale);
	if (p->scheme == HEC_SCHEME_BFV && p->t < 2)
		return hec_error_set(HEC_ERR_ARG, "params: BFV plaintext modulus t = %llu must be >= 2",
		                     (unsigned long long)p->t);
	if (p->secret_hw > (1u << p->log_n))
		return hec_error_set(HEC_ERR_ARG, "params: secret Hamming weight %u exceeds N", p->secret_hw);
	return HEC_OK;
}

/* The primes for each requested size: largest = 1 (mod 2N) below 2^bits,
 * skipping those already taken, in the order Q then P. */
static hec_status make_primes(const hec_params_t *p, uint64_t *q, uint64_t *pp)
{
	uint64_t below[62];
	for (unsigned b = 0; b < 62; b++)
		below[b] = UINT64_C(1) << b;
	uint64_t m = UINT64_C(2) << p->log_n;
	for (unsigned i = 0; i < p->nq + p->np; i++) {
		unsigned b = i < p->nq ? p->q_bits[i] : p->p_bits[i - p->nq];
		uint64_t prime;
		if (hec_ntt_prime_prev(&prime, below[b], m) != HEC_OK || prime < (UINT64_C(1) << (b - 1)))
			return hec_error_set(HEC_ERR_ARG, "params: not enough %u-bit primes = 1 mod 2N for N = 2^%u", b,
			                     p->log_n);
		below[b] = prime;
		if (i < p->nq)
			q[i] = prime;
		else
			pp[i - p->nq] = prime;
	}
	return HEC_OK;
}

static hec_status context_new(hec_context **out, const hec_params_t *p, bool insecure)
{
	*out = NULL;
	hec_status s = check_params(p, insecure);
	if (s != HEC_OK)
		return s;
	uint64_t q[HEC_PARAMS_MAX_Q], pp[HEC_PARAMS_MAX_P];
	if ((s = make_primes(p, q, pp)) != HEC_OK)
		return s;
	double log_qp = 0;
	for (unsigned i = 0; i < p->nq; i++)
		log_qp += log2((double)q[i]);
	for (unsigned i = 0; i < p->np; i++)
		log_qp += log2((double)pp[i]);
	hec_security reached = hec_security_level(p->log_n, log_qp);
	if (!insecure) {
		unsigned bound = hec_security_max_log_qp(p->log_n, p->security);
		if (p->security == HEC_SECURITY_NONE)
			return hec_error_set(HEC_ERR_INSECURE, "params: no security level requested; use "
			                                       "hec_context_new_insecure to opt out explicitly");
		if (!bound)
			return hec_error_set(HEC_ERR_INSECURE,
			                     "params: no published %u-bit bound for N = 2^%u; choose another N or level",
			                     (unsigned)p->security, p->log_n);
		if (log_qp > bound)
			return hec_error_set(HEC_ERR_INSECURE,
			                     "params: log2(QP) = %.1f bits (Q %u primes, P %u primes) exceeds the %u-bit "
			                     "security bound %u for N = 2^%u; remove primes or raise N",
			                     log_qp, p->nq, p->np, (unsigned)p->security, bound, p->log_n);
	}
	if (p->scheme == HEC_SCHEME_BFV) {
		for (unsigned i = 0; i < p->nq; i++)
			if (q[i] % p->t == 0 || p->t >= q[i])
				return hec_error_set(HEC_ERR_ARG, "params: t = %llu must be smaller than and coprime to every q_i",
				                     (unsigned long long)p->t);
	}

	hec_context *c = calloc(1, sizeof *c);
	if (!c)
		return hec_error_set(HEC_ERR_NOMEM, "context: out of memory");
	c->params = *p;
	c->secure = reached != HEC_SECURITY_NONE && (p->security == HEC_SECURITY_NONE || reached >= p->security);
	c->level = reached;
	c->log_qp = log_qp;
	c->digit_size = (p->nq + p->dnum - 1) / p->dnum;
	size_t n = (size_t)1 << p->log_n;
	if ((s = hec_ring_new(&c->ring, n, q, p->nq, pp, p->np)) != HEC_OK) {
		free(c);
		return s;
	}
	if (p->scheme == HEC_SCHEME_CKKS) {
		c->roots = malloc(2 * n * sizeof *c->roots);
		if (!c->roots) {
			hec_context_free(c);
			return hec_error_set(HEC_ERR_NOMEM, "context: out of memory");
		}
		/* Computed from the angle directly (not by repeated
		 * multiplication) so each root is correctly rounded. */
		for (size_t k = 0; k < 2 * n; k++) {
			double a = 2 * M_PI * (double)k / (double)(2 * n);
			c->roots[k] = cos(a) + I * sin(a);
		}
	}
	if (p->scheme == HEC_SCHEME_BFV && (s = _hec_bfv_context_init(c)) != HEC_OK) {
		hec_context_free(c);
		return s;
	}
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	fnv1a(&h, "hecate-params-v1", 16);
	fnv_u64(&h, (uint64_t)p->scheme);
	fnv_u64(&h, p->log_n);
	fnv_u64(&h, p->nq);
	for (unsigned i = 0; i < p->nq; i++)
		fnv_u64(&h, q[i]);
	fnv_u64(&h, p->np);
	for (unsigned i = 0; i < p->np; i++)
		fnv_u64(&h, pp[i]);
	fnv_u64(&h, p->dnum);
	fnv_u64(&h, p->t);
	fnv_u64(&h, p->secret_hw);
	c->fingerprint = h;
	*out = c;
	return HEC_OK;
}

hec_status hec_context_new(hec_context **out, const hec_params_t *p)
{
	return context_new(out, p, false);
}

hec_status hec_context_new_insecure(hec_context **out, const hec_params_t *p)
{
	return context_new(out, p, true);
}

void hec_context_free(hec_context *c)
{
	if (!c)
		return;
	hec_ring_free(c->ring);
	free(c->roots);
	_hec_bfv_context_free(c->bfv);
	free(c);
}

const hec_params_t *hec_context_params(const hec_context *c) { return &c->params; }
const hec_ring *hec_context_ring(const hec_context *c) { return c->ring; }
bool hec_context_is_secure(const hec_context *c) { return c->secure; }
hec_security hec_context_security(const hec_context *c) { return c->level; }
uint64_t hec_context_fingerprint(const hec_context *c) { return c->fingerprint; }
size_t hec_context_n(const hec_context *c) { return hec_ring_n(c->ring); }
size_t hec_context_max_level(const hec_context *c) { return c->params.nq - 1; }
double hec_context_log_qp(const hec_context *c) { return c->log_qp; }

size_t hec_context_slots(const hec_context *c)
{
	size_t n = hec_ring_n(c->ring);
	return c->params.scheme == HEC_SCHEME_CKKS ? n / 2 : n;
}

void hec_context_describe(const hec_context *c, FILE *out)
{
	const hec_params_t *p = &c->params;
	const hec_ring *r = c->ring;
	fprintf(out, "scheme:     %s\n", p->scheme == HEC_SCHEME_CKKS ? "CKKS" : "BFV");
	fprintf(out, "N:          2^%u = %zu\n", p->log_n, hec_ring_n(r));
	fprintf(out, "slots:      %zu\n", hec_context_slots(c));
	fprintf(out, "Q chain:    %u primes:", p->nq);
	for (unsigned i = 0; i < p->nq; i++)
		fprintf(out, " %.1f", log2((double)hec_ring_q(r, i)));
	fprintf(out, " bits\nP special:  %u primes:", p->np);
	for (unsigned i = 0; i < p->np; i++)
		fprintf(out, " %.1f", log2((double)hec_ring_p(r, i)));
	fprintf(out, " bits\nlog2(QP):   %.1f (bound for 128-bit security at this N: %u)\n", c->log_qp,
	        hec_security_max_log_qp(p->log_n, HEC_SECURITY_128));
	if (c->level == HEC_SECURITY_NONE)
		fprintf(out, "security:   INSECURE (below 128 bits): for experiments only\n");
	else
		fprintf(out, "security:   %u bits (HE standard, ternary secret)\n", (unsigned)c->level);
	fprintf(out, "key switch: hybrid, dnum = %u digits of up to %zu primes\n", p->dnum, c->digit_size);
	if (p->scheme == HEC_SCHEME_CKKS)
		fprintf(out, "scale:      2^%g\ndepth:      %u multiplicative levels\n", p->log_scale, p->nq - 1);
	else
		fprintf(out, "t:          %llu\n", (unsigned long long)p->t);
	fprintf(out, "secret:     %s\n", p->secret_hw ? "ternary, fixed Hamming weight" : "uniform ternary");
	fprintf(out, "fingerprint: %016llx\n", (unsigned long long)c->fingerprint);
}
