/* Deterministic random numbers for training: xoshiro256** (Blackman and
 * Vigna, "Scrambled linear pseudorandom number generators", 2018), seeded
 * through SplitMix64 as its authors recommend.  A seed fixes weight
 * initialisation, shuffling and augmentation, hence the whole training run. */
#include "hecate/ml.h"

__extension__ typedef unsigned __int128 u128;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void hec_ml_rng_init(hec_ml_rng_t *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t hec_ml_rng_next(hec_ml_rng_t *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Lemire's multiply-shift with rejection ("Fast random integer generation
 * in an interval", 2019): unbiased without a division in the common case. */
uint64_t hec_ml_rng_below(hec_ml_rng_t *r, uint64_t bound)
{
	if (bound == 0)
		return 0;
	u128 m = (u128)hec_ml_rng_next(r) * bound;
	uint64_t lo = (uint64_t)m;
	if (lo < bound) {
		uint64_t thresh = -bound % bound;
		while (lo < thresh) {
			m = (u128)hec_ml_rng_next(r) * bound;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double hec_ml_rng_uniform(hec_ml_rng_t *r)
{
	return (double)(hec_ml_rng_next(r) >> 11) * 0x1.0p-53;
}

void hec_ml_shuffle(size_t *order, size_t n, hec_ml_rng_t *r)
{
	for (size_t i = n; i-- > 1;) {
		size_t j = (size_t)hec_ml_rng_below(r, i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}
