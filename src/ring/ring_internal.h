/* Internal: the ring's precomputed state, the basis converter's layout, and
 * helpers shared by the files of src/ring.  Not installed. */
#ifndef HECATE_RING_INTERNAL_H
#define HECATE_RING_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "hecate/ring.h"

/* OpenMP is optional: without it the pragmas vanish (and -Wunknown-pragmas
 * stays quiet).  Loops are parallel only when the work is large enough to
 * pay for waking the team (~ a few microseconds); every parallel loop is
 * over independent limbs or coefficient blocks, so results never depend on
 * the number of threads. */
#define HEC_PRAGMA(x) _Pragma(#x)
#ifdef _OPENMP
#define HEC_OMP_FOR_IF(cond) HEC_PRAGMA(omp parallel for schedule(static) if (cond))
#else
#define HEC_OMP_FOR_IF(cond)
#endif
/* Words of work (limbs x n) from which a loop over limbs is parallelised. */
#define HEC_OMP_MIN_WORDS (1u << 15)

/* Approximate / centered / exact modes of the fast basis conversion. */
enum hec_conv_mode {
	HEC_CONV_APPROX = 0,   /* x + u F, 0 <= u < nf, for x in [0, F) */
	HEC_CONV_CENTERED = 1, /* x + e F, |e| <= nf / 2, x the centered value */
	HEC_CONV_EXACT = 2     /* x, centered (floating-point correction) */
};

/* Fast basis conversion constants (Bajard, Eynard, Hasan, Zucca, "A full
 * RNS variant of FV like somewhat homomorphic encryption schemes", SAC
 * 2016): with F = prod f_i and F_i = F / f_i,
 *   y_i = [x_i * F_i^-1]_{f_i},   conv(x)_j = sum_i y_i * [F_i]_{t_j}. */
/* The double-precision constants of the AVX2 block kernel (conv_avx2.c):
 * sources f_i, floor(f_i / 2), the balanced [F_i^-1]_{f_i} (in
 * [-f_i/2, f_i/2]) and its quotient by f_i; targets t_j, 1 / t_j, the
 * balanced [F_i]_{t_j} at j * nf + i and their quotients by t_j. */
struct hec_conv_dbl {
	double *f, *f_half, *w, *wq;
	double *t, *tinv, *c, *cq;
	double *fneg, *fnegq; /* balanced [-F]_{t_j} and its quotient by t_j */
};

struct hec_rns_conv {
	size_t n, nf, nt;
	bool avx2;                  /* use the AVX2 block kernel (all primes < 2^50, kernel not portable) */
	struct hec_conv_dbl dbl;    /* its constants (one allocation at dbl.f) */
	hec_modulus_t *fm, *tm;     /* from / to moduli */
	uint64_t *fhat_inv;         /* [F_i^-1]_{f_i}, nf words */
	uint64_t *fhat_inv_shoup;   /* their Shoup quotients */
	uint64_t *fhat_mod_t;       /* [F_i]_{t_j} at j * nf + i */
	uint64_t *f_mult_mod_t;     /* [c F]_{t_j} at j * (nf + 1) + c, c = 0..nf */
	uint64_t *f_negmult_mod_t;  /* [-c F]_{t_j}, same layout */
	uint64_t *r64_mod_t;        /* 2^64 mod t_j, for reducing 128-bit sums, */
	uint64_t *r64_shoup;        /* its Shoup quotient, */
	uint64_t *one_shoup;        /* and floor(2^64 / t_j) */
	double *f_inv;              /* 1 / f_i */
	uint64_t *f_half;           /* floor(f_i / 2) */
};

/* Conversion restricted to selected targets: dst[k] receives target sel[k]
 * (sel == NULL: all targets in order, nsel = nt).  src[i] in [0, f_i),
 * outputs in [0, t_j), coefficient form.  scratch: nf * n words.  OpenMP
 * over blocks of coefficients. */
void _hec_rns_conv_apply_sel(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                             const uint64_t *const *src, uint64_t *scratch, enum hec_conv_mode mode);
/* Coefficients per block of the conversion (conv.c). */
#define HEC_CONV_BLOCK 64
/* The AVX2 block kernel: coefficients [k0, k0 + len), len a multiple of 4
 * and at most HEC_CONV_BLOCK; any mode; yd: nf * len doubles of scratch. */
void _hec_conv_block_avx2(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                          const uint64_t *const *src, double *yd, enum hec_conv_mode mode, size_t k0, size_t len);
/* The portable reference of the same (one target at a time, no
 * specialisation, single-threaded), for tests: results are identical. */
void _hec_rns_conv_apply_ref(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                             const uint64_t *const *src, uint64_t *scratch, enum hec_conv_mode mode);

struct hec_ring {
	size_t n;
	unsigned logn;
	size_t nq, np;
	/* Primes of Q then of P: index i < nq is q_i, index nq + j is p_j. */
	uint64_t prime[2 * HEC_RING_MAX_PRIMES];
	hec_modulus_t mod[2 * HEC_RING_MAX_PRIMES];
	hec_ntt_table *tab[2 * HEC_RING_MAX_PRIMES];
	double log2q[HEC_RING_MAX_PRIMES]; /* prefix sums of log2 q_i */
	double log2p;

	/* Rescaling by q_l, for i < l, at l * nq + i: q_l^-1 mod q_i. */
	uint64_t *resc_inv;

	/* ModDown: P^-1 mod q_i; the converter from P to all of Q (a level-l
	 * ModDown uses its first l + 1 targets). */
	uint64_t pinv[HEC_RING_MAX_PRIMES];
	hec_rns_conv *p_to_q;

	/* Garner's mixed-radix constants for the GMP bridge: for basis Q,
	 * garner_q[i * nq + j] = q_j^-1 mod q_i (j < i); likewise for P.  They
	 * do not depend on the level, so one table serves every prefix. */
	uint64_t *garner_q, *garner_p;
	mpz_t *q_prefix; /* q_0 ... q_l for each l */
	mpz_t p_prod;

	/* Lazily built, cached under `lock`, read lock-free once published:
	 * ModUp converters from digit primes [b, e) of Q to all other primes of
	 * Q and to P, at b * (nq + 1) + e; NTT-form Galois permutations, at
	 * (k - 1) / 2; see also downresc. */
	pthread_mutex_t lock;
	_Atomic(hec_rns_conv *) *modup;
	/* ... and the fused ModDown-and-rescale converters of each level l >= 1,
	 * from p_0..p_{K-1}, q_l to q_0..q_{l-1}, at l. */
	_Atomic(hec_rns_conv *) *downresc;
	_Atomic(uint32_t *) *galois;
};

struct hec_ring_workspace {
	const hec_ring *ring;
	uint64_t *buf;
	size_t words;
};

/* Global prime index (into ring->prime/mod/tab) of limb i in basis b. */
static inline size_t hec_ring_index(const hec_ring *r, hec_basis b, size_t i)
{
	return b == HEC_BASIS_P ? r->nq + i : i;
}

static inline const hec_modulus_t *hec_poly_mod(const hec_poly *p, size_t i)
{
	return &p->ring->mod[hec_ring_index(p->ring, p->basis, i)];
}

static inline const hec_ntt_table *hec_poly_tab(const hec_poly *p, size_t i)
{
	return p->ring->tab[hec_ring_index(p->ring, p->basis, i)];
}

/* Reduce any 128-bit x = hi 2^64 + lo mod t as hi * [2^64]_t + lo * 1,
 * two Shoup products (which accept any 64-bit multiplicand): r64 = 2^64 mod
 * t with its Shoup quotient r64s, and ones = floor(2^64 / t), the Shoup
 * quotient of 1.  Out: [0, t). */
static inline uint64_t hec_reduce_u128_any(hec_u128 x, uint64_t t, uint64_t r64, uint64_t r64s, uint64_t ones)
{
	uint64_t a = hec_ntt_mod_mul_shoup((uint64_t)(x >> 64), r64, r64s, t);
	uint64_t b = hec_ntt_mod_mul_shoup((uint64_t)x, 1, ones, t);
	return hec_ntt_mod_add(a, b, t);
}

/* All-ones if a < b, else 0, without a branch. */
static inline uint64_t hec_mask_lt(uint64_t a, uint64_t b)
{
	return (uint64_t)0 - (uint64_t)(a < b);
}

/* A signed integer |v| < q as a residue in [0, q), without a branch. */
static inline uint64_t hec_small_to_residue(int64_t v, uint64_t q)
{
	return (uint64_t)v + (q & (uint64_t)(v >> 63));
}

/* The inner products' kernels on one limb of n coefficients: d[o] =
 * sum_{j < count} a'[j] b[o][j] mod q for the nout (1 or 2) outputs, where
 * a'[j][k] = a[j][perm[k]] (perm == NULL: a' = a); inputs in [0, q).  The
 * portable one (for tests, and the dispatcher's fallback): */
void _hec_poly_dot_limb_ref(uint64_t *const *d, size_t nout, const uint64_t *const *a, const uint32_t *perm,
                            const uint64_t *const *const *b, size_t count, size_t n, const hec_modulus_t *m);
/* AVX2 double precision (poly_avx2.c): q < 2^50, n a multiple of 16. */
void _hec_poly_dot_limb_avx2(uint64_t *const *d, size_t nout, const uint64_t *const *a, const uint32_t *perm,
                             const uint64_t *const *const *b, size_t count, size_t n, const hec_modulus_t *m);

/* hec_vec_lincomb's kernels, without its argument checks: portable
 * (lincomb.c, any q) and AVX2 (poly_avx2.c, q < 2^50, n % 4 == 0). */
hec_status _hec_vec_lincomb_ref(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                                const uint64_t *W, size_t n, const hec_modulus_t *m, bool add);
hec_status _hec_vec_lincomb_avx2(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                                 const uint64_t *W, size_t n, const hec_modulus_t *m, bool add);

/* d = (x - c) w mod q for x, c, w in [0, q), in one pass (ModDown's and
 * rescaling's last step); d may alias x or c.  Chooses the AVX2 kernel
 * when `simd` (the limb's NTT uses a SIMD kernel) and n % 4 == 0. */
void _hec_vec_sub_mul_scalar(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, size_t n,
                             const hec_modulus_t *m, bool simd);
/* d = (x - c) w + y v mod q, all in [0, q), one pass (the fused ModDown
 * and rescale with an added Q part); d may alias x, c or y. */
void _hec_vec_sub_mul_add_scalar(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, const uint64_t *y,
                                 uint64_t v, size_t n, const hec_modulus_t *m, bool simd);
void _hec_vec_sub_mul_add_scalar_ref(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w,
                                     const uint64_t *y, uint64_t v, size_t n, const hec_modulus_t *m);
void _hec_vec_sub_mul_add_scalar_avx2(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w,
                                      const uint64_t *y, uint64_t v, size_t n, const hec_modulus_t *m);
/* Its portable kernel (for tests) and the AVX2 one (poly_avx2.c, q <
 * 2^50, n % 4 == 0). */
void _hec_vec_sub_mul_scalar_ref(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, size_t n,
                                 const hec_modulus_t *m);
void _hec_vec_sub_mul_scalar_avx2(uint64_t *d, const uint64_t *x, const uint64_t *c, uint64_t w, size_t n,
                                  const hec_modulus_t *m);

/* The NTT-form permutation of the Galois element k (odd, reduced mod 2n):
 * slot i of a(X^k) is slot perm[i] of a.  Built on first use and cached;
 * NULL on allocation failure. */
const uint32_t *_hec_ring_galois_perm(const hec_ring *r, uint64_t k);

/* Scratch pointer check: the ring's operations take the workspace built for
 * the same ring. */
hec_status _hec_ring_check_ws(const hec_ring *r, const hec_ring_workspace *w, const char *op);

/* Build (or fetch from the cache) the ModUp converter for digit primes
 * [b, e) of Q.  NULL on allocation failure. */
const hec_rns_conv *_hec_ring_modup_conv(const hec_ring *r, size_t b, size_t e);
/* The same for the fused ModDown and rescale at level l >= 1 (K > 0). */
const hec_rns_conv *_hec_ring_downresc_conv(const hec_ring *r, size_t l);

/* The OS randomness source used by hec_random_os: getrandom(2) by default.
 * Test hook only: a test replaces it to simulate a failing kernel and
 * restores it; it is never changed by the library. */
extern ssize_t (*_hec_random_source)(void *buf, size_t len, unsigned flags);

/* The ChaCha20 block function of RFC 8439, section 2.3: out = the 16-word
 * keystream block for key, 32-bit block counter and 96-bit nonce. */
void _hec_chacha20_block(uint32_t out[16], const uint32_t key[8], uint32_t counter, const uint32_t nonce[3]);

/* RFC 8439 section 2.4 encryption: out = in XOR keystream (counter,
 * counter + 1, ...).  out may equal in. */
void _hec_chacha20_xor(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32], uint32_t counter,
                       const uint8_t nonce[12]);

#endif
