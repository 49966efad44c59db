/* Shared test helpers: a seeded generator whose seed every failure prints. */
#ifndef HECATE_TESTUTIL_H
#define HECATE_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "hecate/ntt.h" /* hec_u128 */

/* SplitMix64 (Steele, Lea, Flood, OOPSLA 2014): test inputs only, never
 * key material. */
typedef struct {
	uint64_t s;
	uint64_t seed;
} test_rng;

static inline void test_rng_init(test_rng *r, uint64_t seed)
{
	r->s = r->seed = seed;
}

static inline uint64_t test_rng_next(test_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound) (the tiny modulo bias is irrelevant for tests). */
static inline uint64_t test_rng_below(test_rng *r, uint64_t bound)
{
	return (uint64_t)(((hec_u128)test_rng_next(r) * bound) >> 64);
}

/* Seed from HECATE_TEST_SEED if set (to replay), else the given default. */
static inline uint64_t test_seed(uint64_t dflt)
{
	const char *e = getenv("HECATE_TEST_SEED");
	return e && *e ? strtoull(e, NULL, 0) : dflt;
}

#define SEED_FMT "seed=0x%llx (replay with HECATE_TEST_SEED)"
#define SEED_ARG(r) (unsigned long long)(r)->seed

/* Build a suite runner main() from a suite constructor. */
#define TEST_MAIN(make_suite)                                                        \
	int main(void)                                                               \
	{                                                                            \
		SRunner *sr = srunner_create(make_suite());                          \
		srunner_run_all(sr, CK_NORMAL);                                      \
		int failed = srunner_ntests_failed(sr);                              \
		srunner_free(sr);                                                    \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                         \
	}

#endif
