/* NTT-friendly prime generation and roots of unity. */
#include "hecate/ntt.h"

/* (a * b) mod n for any 64-bit n; not a hot path. */
static uint64_t mulmod_slow(uint64_t a, uint64_t b, uint64_t n)
{
	return (uint64_t)((hec_u128)a * b % n);
}

static uint64_t powmod_slow(uint64_t a, uint64_t e, uint64_t n)
{
	uint64_t r = 1 % n;
	a %= n;
	while (e) {
		if (e & 1)
			r = mulmod_slow(r, a, n);
		a = mulmod_slow(a, a, n);
		e >>= 1;
	}
	return r;
}

bool hec_ntt_is_prime(uint64_t n)
{
	/* The first twelve primes as Miller–Rabin bases are a deterministic
	 * test below 3.3 * 10^24 (J. Sorenson, J. Webster, "Strong
	 * pseudoprimes to twelve prime bases", Math. Comp. 2017), so for
	 * every 64-bit integer. */
	static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
	if (n < 2)
		return false;
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		if (n == bases[i])
			return true;
		if (n % bases[i] == 0)
			return false;
	}
	uint64_t d = n - 1;
	unsigned s = 0;
	while ((d & 1) == 0) {
		d >>= 1;
		s++;
	}
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		uint64_t x = powmod_slow(bases[i], d, n);
		if (x == 1 || x == n - 1)
			continue;
		unsigned r;
		for (r = 1; r < s; r++) {
			x = mulmod_slow(x, x, n);
			if (x == n - 1)
				break;
		}
		if (r == s)
			return false;
	}
	return true;
}

hec_status hec_ntt_prime_prev(uint64_t *p, uint64_t below, uint64_t m)
{
	if (m == 0 || below <= m + 1)
		return hec_error_set(HEC_ERR_NOT_FOUND, "no prime = 1 mod %llu below %llu",
		                     (unsigned long long)m, (unsigned long long)below);
	/* Largest candidate c < below with c = 1 (mod m). */
	uint64_t c = below - 1;
	c -= (c - 1) % m;
	for (; c > m; c -= m) {
		if (hec_ntt_is_prime(c)) {
			*p = c;
			return HEC_OK;
		}
	}
	return hec_error_set(HEC_ERR_NOT_FOUND, "no prime = 1 mod %llu below %llu",
	                     (unsigned long long)m, (unsigned long long)below);
}

hec_status hec_ntt_primes_generate(uint64_t *out, size_t count, unsigned bits, size_t n)
{
	if (bits < 20 || bits > 61)
		return hec_error_set(HEC_ERR_ARG, "prime size %u bits is outside [20, 61]", bits);
	if (n < 2 || n > HEC_NTT_MAX_N || (n & (n - 1)))
		return hec_error_set(HEC_ERR_ARG, "ring degree %zu is not a power of two in [2, 2^17]", n);
	uint64_t m = 2 * (uint64_t)n;
	uint64_t below = UINT64_C(1) << bits, low = UINT64_C(1) << (bits - 1);
	for (size_t i = 0; i < count; i++) {
		uint64_t p;
		if (hec_ntt_prime_prev(&p, below, m) != HEC_OK || p <= low)
			return hec_error_set(HEC_ERR_NOT_FOUND,
			                     "only %zu primes of %u bits are = 1 mod 2n for n = %zu; %zu requested",
			                     i, bits, n, count);
		out[i] = p;
		below = p;
	}
	return HEC_OK;
}

hec_status hec_ntt_root_minimal(uint64_t *root, uint64_t q, uint64_t order)
{
	if (order < 2 || (order & (order - 1)) || q < 3 || (q - 1) % order || !hec_ntt_is_prime(q))
		return hec_error_set(HEC_ERR_ARG, "no primitive %llu-th root of unity mod %llu",
		                     (unsigned long long)order, (unsigned long long)q);
	/* g^((q-1)/order) has order exactly `order` iff its (order/2)-th power
	 * is -1, since order is a power of two. */
	uint64_t r = 0;
	for (uint64_t g = 2; g < q; g++) {
		r = powmod_slow(g, (q - 1) / order, q);
		if (powmod_slow(r, order / 2, q) == q - 1)
			break;
	}
	/* The primitive roots are r^k for odd k; take the smallest. */
	uint64_t r2 = mulmod_slow(r, r, q), best = r, cur = r;
	for (uint64_t k = 3; k < order; k += 2) {
		cur = mulmod_slow(cur, r2, q);
		if (cur < best)
			best = cur;
	}
	*root = best;
	return HEC_OK;
}
