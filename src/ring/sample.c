/* Samplers.  Every one writes the same integer (or, for the uniform
 * sampler, independent uniform residues) into every limb of the polynomial,
 * drawing from the caller's ChaCha20 stream in a fixed order (limb by limb,
 * coefficient by coefficient), so a stored seed reproduces the polynomial.
 *
 * Each sampler reads the stream in 512-byte chunks (64 little-endian
 * 64-bit words, generated four ChaCha20 blocks at a time) and discards the
 * words left in the last chunk: the polynomial is a function of the seed,
 * stream and the generator's position.
 *
 * Secret-dependent values are handled without secret-dependent branches or
 * memory indices where it is cheap to do so: residues of signed values use
 * masks, and the error distribution is a centered binomial computed from
 * bit counts.  Rejection loops reveal only how many candidates were
 * discarded, which is independent of the values kept. */
#include <string.h>

#include "ring_internal.h"

enum { CHUNK_WORDS = 64 };

struct reader {
	hec_prng *g;
	size_t pos;
	uint64_t w[CHUNK_WORDS];
};

static void reader_init(struct reader *r, hec_prng *g)
{
	r->g = g;
	r->pos = CHUNK_WORDS;
}

static inline uint64_t reader_next(struct reader *r)
{
	if (r->pos == CHUNK_WORDS) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* The words are little-endian: on such hosts, the bytes as is. */
		hec_prng_bytes(r->g, r->w, sizeof r->w);
#else
		uint8_t b[8 * CHUNK_WORDS];
		hec_prng_bytes(r->g, b, sizeof b);
		for (size_t i = 0; i < CHUNK_WORDS; i++) {
			uint64_t v = 0;
			for (int k = 7; k >= 0; k--)
				v = (v << 8) | b[8 * i + (size_t)k];
			r->w[i] = v;
		}
		explicit_bzero(b, sizeof b);
#endif
		r->pos = 0;
	}
	return r->w[r->pos++];
}

static void reader_done(struct reader *r)
{
	explicit_bzero(r->w, sizeof r->w);
}

void hec_sample_uniform(hec_poly *p, hec_prng *g)
{
	const size_t n = p->ring->n;
	struct reader rd;
	reader_init(&rd, g);
	for (size_t i = 0; i < p->limbs; i++) {
		const hec_modulus_t *m = hec_poly_mod(p, i);
		/* Candidates of the prime's bit length: acceptance > 1/2 and no
		 * modulo bias. */
		const uint64_t q = m->q, mask = m->bits == 64 ? UINT64_MAX : (UINT64_C(1) << m->bits) - 1;
		uint64_t *d = hec_poly_limb(p, i);
		for (size_t k = 0; k < n; k++) {
			uint64_t v;
			do
				v = reader_next(&rd) & mask;
			while (v >= q);
			d[k] = v;
		}
	}
	reader_done(&rd);
	p->ntt = true;
}

/* Coefficient k of every limb := s, a small signed integer. */
static inline void set_small(hec_poly *p, size_t k, int64_t s)
{
	for (size_t i = 0; i < p->limbs; i++)
		hec_poly_limb(p, i)[k] = hec_small_to_residue(s, hec_poly_mod(p, i)->q);
}

void hec_sample_ternary(hec_poly *p, hec_prng *g)
{
	const size_t n = p->ring->n;
	struct reader rd;
	reader_init(&rd, g);
	uint64_t pool = 0;
	unsigned bits = 0;
	for (size_t k = 0; k < n; k++) {
		uint64_t v;
		/* Uniform in {0, 1, 2} from 2-bit candidates (3 is rejected). */
		do {
			if (bits < 2) {
				pool = reader_next(&rd);
				bits = 64;
			}
			v = pool & 3;
			pool >>= 2;
			bits -= 2;
		} while (v == 3);
		set_small(p, k, (int64_t)v - 1);
	}
	reader_done(&rd);
	p->ntt = false;
}

/* Uniform in [0, bound] by rejection on candidates of bound's bit length. */
static uint64_t uniform_upto(struct reader *rd, uint64_t bound)
{
	const uint64_t mask = bound ? UINT64_MAX >> __builtin_clzll(bound) : 0;
	uint64_t v;
	do
		v = reader_next(rd) & mask;
	while (v > bound);
	return v;
}

hec_status hec_sample_ternary_hw(hec_poly *p, hec_prng *g, size_t h)
{
	const size_t n = p->ring->n;
	if (h > n)
		return hec_error_set(HEC_ERR_ARG, "sample_ternary_hw: Hamming weight %zu exceeds n = %zu", h, n);
	/* Limb 0 first holds codes: 0 for 0, 1 for +1, 2 for -1.  h nonzero
	 * codes with random signs, then a Fisher-Yates shuffle (Knuth, TAOCP
	 * vol. 2, Algorithm 3.4.2P) makes every support of size h equally
	 * likely.  The shuffle's memory accesses depend on the secret
	 * positions (as in the other libraries' samplers); keys are sampled
	 * once, where a cache-timing observer is not the threat model. */
	uint64_t *code = hec_poly_limb(p, 0);
	struct reader rd;
	reader_init(&rd, g);
	uint64_t pool = 0;
	unsigned bits = 0;
	for (size_t k = 0; k < n; k++) {
		if (!bits) {
			pool = reader_next(&rd);
			bits = 64;
		}
		code[k] = k < h ? 1 + (pool & 1) : 0;
		pool >>= 1;
		bits--;
	}
	for (size_t k = n - 1; k > 0; k--) {
		size_t j = (size_t)uniform_upto(&rd, k);
		uint64_t t = code[k];
		code[k] = code[j];
		code[j] = t;
	}
	/* Expand into every limb; limb 0 last since it holds the codes. */
	for (size_t k = 0; k < n; k++) {
		int64_t s = (int64_t)(code[k] & 1) - (int64_t)(code[k] >> 1);
		for (size_t i = p->limbs; i-- > 0;)
			hec_poly_limb(p, i)[k] = hec_small_to_residue(s, hec_poly_mod(p, i)->q);
	}
	reader_done(&rd);
	p->ntt = false;
	return HEC_OK;
}

/* Population count by the SWAR method (no table, no data-dependent
 * branch). */
static inline uint32_t popcount32(uint32_t x)
{
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0fu;
	return (x * 0x01010101u) >> 24;
}

void hec_sample_error(hec_poly *p, hec_prng *g, int64_t *v)
{
	/* Centered binomial with eta = 21 (the distribution Kyber uses for
	 * its noise, Bos et al., EuroS&P 2018): the difference of the bit
	 * counts of two independent 21-bit uniform words.  Variance eta / 2 =
	 * 10.5 (sigma = 3.24), support [-21, 21], and the same time for every
	 * value. */
	const size_t n = p->ring->n;
	struct reader rd;
	reader_init(&rd, g);
	for (size_t k = 0; k < n; k++) {
		uint64_t u = reader_next(&rd);
		int64_t e = (int64_t)popcount32((uint32_t)(u & 0x1fffff)) -
		            (int64_t)popcount32((uint32_t)((u >> 21) & 0x1fffff));
		set_small(p, k, e);
		if (v)
			v[k] = e;
	}
	reader_done(&rd);
	p->ntt = false;
}
