/* Hecate — layer 1: word-size modular arithmetic, NTT-friendly primes and
 * the negacyclic number-theoretic transform (src/ntt).
 *
 * Everything here works on one prime q at a time.  Three kernels implement
 * the transforms and the element-wise vector operations: portable C (any
 * prime q < 2^61), AVX2 and AVX-512 IFMA (primes q < 2^50).  The best kernel
 * the CPU supports is chosen once, at run time, from CPUID; the environment
 * variable HECATE_KERNEL=portable|avx2|avx512 forces one.  Fully reduced
 * outputs are bit-identical across kernels.
 *
 * Thread-safety: the inline arithmetic and the transforms are pure; a
 * hec_ntt_table is immutable after creation and may be shared by threads.
 */
#ifndef HECATE_NTT_H
#define HECATE_NTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hecate/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Modular arithmetic on one word-size prime
 * ------------------------------------------------------------------------ */

/* 128-bit integers (a GCC/Clang extension on 64-bit targets). */
__extension__ typedef unsigned __int128 hec_u128;
__extension__ typedef __int128 hec_i128;

/* Largest modulus (exclusive) accepted by the portable arithmetic. */
#define HEC_MODULUS_MAX (UINT64_C(1) << 61)
/* Largest modulus (exclusive) accepted by the SIMD kernels. */
#define HEC_MODULUS_SIMD_MAX (UINT64_C(1) << 50)

/* A modulus with its Barrett constant.  Plain value: copy freely. */
typedef struct hec_modulus_t {
	uint64_t q;       /* the modulus, 2 <= q < 2^61 */
	unsigned bits;    /* k = bit length of q: 2^(k-1) <= q < 2^k */
	uint64_t barrett; /* floor(2^(2k) / q), below 2^(k+1) */
} hec_modulus_t;

/* Fill `m` for modulus q.  HEC_ERR_ARG unless 2 <= q < 2^61. */
hec_status hec_ntt_modulus_init(hec_modulus_t *m, uint64_t q);

/* a + b mod q.  In: a, b in [0, q).  Out: [0, q). */
static inline uint64_t hec_ntt_mod_add(uint64_t a, uint64_t b, uint64_t q)
{
	uint64_t s = a + b;
	return s >= q ? s - q : s;
}

/* a - b mod q.  In: a, b in [0, q).  Out: [0, q). */
static inline uint64_t hec_ntt_mod_sub(uint64_t a, uint64_t b, uint64_t q)
{
	return a >= b ? a - b : a + q - b;
}

/* -a mod q.  In: a in [0, q).  Out: [0, q). */
static inline uint64_t hec_ntt_mod_neg(uint64_t a, uint64_t q)
{
	return a ? q - a : 0;
}

/* Barrett reduction of a 128-bit x = hi * 2^64 + lo (Menezes, van Oorschot,
 * Vanstone, Handbook of Applied Cryptography, Algorithm 14.42, base 2).
 * In: x < 2^(2k) where k = m->bits (e.g. any product of two values < q).
 * Out: [0, q). */
static inline uint64_t hec_ntt_mod_reduce128(hec_u128 x, const hec_modulus_t *m)
{
	/* q1 = floor(x / 2^(k-1)) < 2^(k+1); q3 = floor(q1 * mu / 2^(k+1)) is
	 * at most 2 below floor(x / q), so r = x - q3 q lies in [0, 3q). */
	uint64_t q1 = (uint64_t)(x >> (m->bits - 1));
	uint64_t q3 = (uint64_t)(((hec_u128)q1 * m->barrett) >> (m->bits + 1));
	uint64_t r = (uint64_t)x - q3 * m->q;
	r = r >= m->q ? r - m->q : r;
	return r >= m->q ? r - m->q : r;
}

/* a * b mod q.  In: a, b in [0, q).  Out: [0, q). */
static inline uint64_t hec_ntt_mod_mul(uint64_t a, uint64_t b, const hec_modulus_t *m)
{
	return hec_ntt_mod_reduce128((hec_u128)a * b, m);
}

/* x mod q for any 64-bit x.  Out: [0, q). */
static inline uint64_t hec_ntt_mod_reduce(uint64_t x, const hec_modulus_t *m)
{
	/* x < 2^64 may exceed 2^(2k) only for k < 32; split it then. */
	if (m->bits >= 32)
		return hec_ntt_mod_reduce128(x, m);
	return x % m->q;
}

/* Shoup's precomputed quotient for a fixed multiplicand w:
 * floor(w * 2^64 / q) (V. Shoup, NTL; D. Harvey, "Faster arithmetic for
 * number-theoretic transforms", J. Symb. Comp. 2014).  In: w in [0, q). */
static inline uint64_t hec_ntt_shoup(uint64_t w, uint64_t q)
{
	return (uint64_t)(((hec_u128)w << 64) / q);
}

/* a * w mod q with w's Shoup quotient ws, lazily reduced.
 * In: any 64-bit a, w in [0, q), q < 2^63.  Out: [0, 2q). */
static inline uint64_t hec_ntt_mod_mul_shoup_lazy(uint64_t a, uint64_t w, uint64_t ws, uint64_t q)
{
	uint64_t quot = (uint64_t)(((hec_u128)a * ws) >> 64);
	return a * w - quot * q;
}

/* a * w mod q with w's Shoup quotient ws.  In: any 64-bit a, w in [0, q).
 * Out: [0, q). */
static inline uint64_t hec_ntt_mod_mul_shoup(uint64_t a, uint64_t w, uint64_t ws, uint64_t q)
{
	uint64_t r = hec_ntt_mod_mul_shoup_lazy(a, w, ws, q);
	return r >= q ? r - q : r;
}

/* a^e mod q by square-and-multiply.  In: a in [0, q).  Out: [0, q);
 * 0^0 = 1. */
uint64_t hec_ntt_mod_pow(uint64_t a, uint64_t e, const hec_modulus_t *m);

/* The inverse of a mod q (q need not be prime).  HEC_ERR_ARG if
 * gcd(a, q) != 1.  In: a in [0, q).  Out: *inv in [1, q). */
hec_status hec_ntt_mod_inv(uint64_t *inv, uint64_t a, uint64_t q);

/* ---------------------------------------------------------------------------
 * NTT-friendly primes
 * ------------------------------------------------------------------------ */

/* Deterministic primality test for any 64-bit n (Miller–Rabin with the
 * first twelve primes as bases, exact below 3.3 * 10^24). */
bool hec_ntt_is_prime(uint64_t n);

/* The largest prime p < below with p = 1 (mod m), p > m.  HEC_ERR_NOT_FOUND
 * if there is none. */
hec_status hec_ntt_prime_prev(uint64_t *p, uint64_t below, uint64_t m);

/* `count` distinct primes q = 1 (mod 2n) with exactly `bits` bits
 * (2^(bits-1) < q < 2^bits), the largest first.  bits in [20, 61], n a power
 * of two in [2, 2^17].  HEC_ERR_NOT_FOUND if fewer exist. */
hec_status hec_ntt_primes_generate(uint64_t *out, size_t count, unsigned bits, size_t n);

/* The smallest primitive `order`-th root of unity mod the prime q, where
 * order is a power of two dividing q - 1.  HEC_ERR_ARG otherwise. */
hec_status hec_ntt_root_minimal(uint64_t *root, uint64_t q, uint64_t order);

/* ---------------------------------------------------------------------------
 * Kernels and run-time dispatch
 * ------------------------------------------------------------------------ */

typedef enum hec_kernel {
	HEC_KERNEL_PORTABLE = 0,
	HEC_KERNEL_AVX2 = 1,
	HEC_KERNEL_AVX512 = 2, /* AVX-512F + IFMA52 */
	HEC_KERNEL_COUNT = 3
} hec_kernel;

/* "portable", "avx2", "avx512". */
const char *hec_ntt_kernel_name(hec_kernel k);

/* Parse a kernel name; HEC_ERR_ARG if unknown. */
hec_status hec_ntt_kernel_parse(hec_kernel *k, const char *name);

/* True if the kernel is compiled in and this CPU and OS support it. */
bool hec_ntt_kernel_supported(hec_kernel k);

/* Select the kernel once (thread-safe, idempotent): HECATE_KERNEL if set,
 * else the best supported.  HEC_ERR_ARG for an unknown HECATE_KERNEL value,
 * HEC_ERR_KERNEL if it names a kernel this CPU lacks.  Every other entry
 * point calls it; calling it first gives the error early. */
hec_status hec_ntt_kernel_init(void);

/* The selected kernel (portable if selection failed). */
hec_kernel hec_ntt_kernel_active(void);

/* The best kernel the active selection allows for modulus q: the active
 * kernel if it accepts q, else portable. */
hec_kernel hec_ntt_kernel_for(uint64_t q);

/* CPU features relevant to the kernels, for `hecate cpu`. */
typedef struct hec_cpu_features_t {
	bool avx2, bmi2, adx, avx512f, avx512dq, avx512vl, avx512ifma, os_avx, os_avx512;
	char vendor[13];
	char brand[49];
} hec_cpu_features_t;
void hec_ntt_cpu_features(hec_cpu_features_t *f);

/* ---------------------------------------------------------------------------
 * Negacyclic NTT over Z_q[X]/(X^n + 1)
 *
 * Forward: natural-order coefficients a_0..a_{n-1} -> evaluations in
 * bit-reversed order: out[i] = a(psi^(2 brv(i) + 1)), where psi is the
 * minimal primitive 2n-th root of unity mod q and brv reverses log2(n) bits.
 * Inverse undoes it exactly.  Cooley–Tukey forward and Gentleman–Sande
 * inverse with merged psi-twisting (P. Longa, M. Naehrig, "Speeding up the
 * Number Theoretic Transform for Faster Ideal Lattice-Based Cryptography",
 * CANS 2016) and Harvey's lazy butterflies.
 * ------------------------------------------------------------------------ */

typedef struct hec_ntt_table hec_ntt_table;

#define HEC_NTT_MIN_N 16
#define HEC_NTT_MAX_N (1u << 17)

/* Precompute the tables for degree n (a power of two in [16, 2^17]) and the
 * prime q = 1 (mod 2n), q < 2^61, using hec_ntt_kernel_for(q).  Allocates.
 * HEC_ERR_ARG for bad n or q, HEC_ERR_NOMEM, or the kernel_init error. */
hec_status hec_ntt_table_new(hec_ntt_table **out, size_t n, uint64_t q);

/* The same with an explicit kernel; HEC_ERR_KERNEL if the CPU lacks it,
 * HEC_ERR_ARG if it does not accept q. */
hec_status hec_ntt_table_new_kernel(hec_ntt_table **out, size_t n, uint64_t q, hec_kernel k);

/* Free a table; NULL is a no-op. */
void hec_ntt_table_free(hec_ntt_table *t);

size_t hec_ntt_table_n(const hec_ntt_table *t);
hec_kernel hec_ntt_table_kernel(const hec_ntt_table *t);
const hec_modulus_t *hec_ntt_table_modulus(const hec_ntt_table *t);
/* psi, the minimal primitive 2n-th root of unity used. */
uint64_t hec_ntt_table_psi(const hec_ntt_table *t);

/* Forward transform, dst = NTT(src).  In: n values in [0, 2q).  Out:
 * [0, q).  dst == src allowed; otherwise they must not overlap. */
void hec_ntt_fwd(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src);
/* Same, lazily reduced.  Out: [0, 4q), congruent to hec_ntt_fwd's output. */
void hec_ntt_fwd_lazy(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src);
/* Inverse transform.  In: [0, 2q).  Out: [0, q).  Aliasing as above. */
void hec_ntt_inv(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src);
/* Same, lazily reduced.  Out: [0, 2q). */
void hec_ntt_inv_lazy(const hec_ntt_table *t, uint64_t *dst, const uint64_t *src);

/* ---------------------------------------------------------------------------
 * Element-wise vector kernels mod q (any length n; dst may alias inputs)
 * All inputs in [0, q), outputs in [0, q), q < 2^61, with the active kernel
 * where it accepts q.
 * ------------------------------------------------------------------------ */

void hec_ntt_vec_add(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);
void hec_ntt_vec_sub(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);
void hec_ntt_vec_neg(uint64_t *dst, const uint64_t *a, size_t n, const hec_modulus_t *m);
/* dst = a * b mod q. */
void hec_ntt_vec_mul(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);
/* dst = a * w mod q for a constant w in [0, q) (Shoup; the quotient is
 * computed once per call). */
void hec_ntt_vec_mul_scalar(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m);
/* dst = dst + a * b mod q. */
void hec_ntt_vec_mul_acc(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);

#ifdef __cplusplus
}
#endif
#endif
