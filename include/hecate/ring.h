/* Hecate — layer 2: RNS polynomial rings (src/ring).
 *
 * A hec_ring fixes the degree n and two ordered prime bases: the ciphertext
 * basis Q = (q_0, ..., q_{L-1}) and the special basis P = (p_0, ..., p_{K-1})
 * used by hybrid key switching.  Polynomials live in a prefix of Q
 * (q_0..q_level, "level" limbs + 1) or in all of P.  Every constant the
 * layer needs (NTT tables, CRT constants for each prefix, rescaling and
 * modulus-switching constants, basis converters) is precomputed when the
 * ring is created; the ring is immutable afterwards and may be shared by
 * threads.  (Two tables depend on the caller's choices and are built on
 * first use, then cached under a lock: the ModUp converter of each digit
 * [b, e) of primes, and the NTT-form permutation of each Galois element.)
 *
 * Operations follow FLINT's rules: destination first, const inputs, and the
 * destination may alias any input.  Hot operations do not allocate; those
 * that need scratch memory take a hec_ring_workspace.
 */
#ifndef HECATE_RING_H
#define HECATE_RING_H

#include <gmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hecate/ntt.h"
#include "hecate/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Rings
 * ------------------------------------------------------------------------ */

typedef struct hec_ring hec_ring;

#define HEC_RING_MAX_PRIMES 64

/* Create a ring of degree n (power of two, 16..2^17) with ciphertext primes
 * q[0..nq) and special primes p[0..np) (np may be 0).  Every prime must be
 * distinct and = 1 (mod 2n), below 2^61.  Allocates.  HEC_ERR_ARG with a
 * detail naming the bad prime, HEC_ERR_NOMEM. */
hec_status hec_ring_new(hec_ring **out, size_t n, const uint64_t *q, size_t nq, const uint64_t *p, size_t np);
/* NULL is a no-op.  Clear the ring's polynomials first (clearing a
 * polynomial reads its ring's degree). */
void hec_ring_free(hec_ring *r);

size_t hec_ring_n(const hec_ring *r);
size_t hec_ring_nq(const hec_ring *r); /* L */
size_t hec_ring_np(const hec_ring *r); /* K */
/* Prime i of Q, and its NTT table / modulus. */
uint64_t hec_ring_q(const hec_ring *r, size_t i);
const hec_ntt_table *hec_ring_q_ntt(const hec_ring *r, size_t i);
const hec_modulus_t *hec_ring_q_mod(const hec_ring *r, size_t i);
uint64_t hec_ring_p(const hec_ring *r, size_t i);
const hec_ntt_table *hec_ring_p_ntt(const hec_ring *r, size_t i);
const hec_modulus_t *hec_ring_p_mod(const hec_ring *r, size_t i);
/* log2 of the product of Q's first level+1 primes, and of P. */
double hec_ring_log2_q(const hec_ring *r, size_t level);
double hec_ring_log2_p(const hec_ring *r);

/* ---------------------------------------------------------------------------
 * Polynomials: (limbs) x n residues, limb i reduced mod prime i of its basis
 * ------------------------------------------------------------------------ */

typedef enum hec_basis { HEC_BASIS_Q = 0, HEC_BASIS_P = 1 } hec_basis;

/* A plain value (init/clear).  Limb i is c + i * n.  A Q polynomial at
 * level l has l + 1 limbs (primes q_0..q_l); a P polynomial has K limbs. */
typedef struct hec_poly {
	const hec_ring *ring;
	hec_basis basis;
	size_t limbs;
	bool ntt;     /* true: NTT (evaluation) form; false: coefficient form */
	uint64_t *c;  /* limbs * n words, 64-byte aligned; owned */
	size_t cap;   /* allocated limbs */
} hec_poly;

/* Allocate a zero polynomial with `limbs` limbs in basis b (for Q: 1..L,
 * for P: exactly K).  HEC_ERR_ARG, HEC_ERR_NOMEM. */
hec_status hec_poly_init(hec_poly *p, const hec_ring *r, hec_basis b, size_t limbs, bool ntt);
/* Free; wipes the memory first (polynomials may hold secrets).  A cleared
 * or zero-initialised hec_poly may be cleared again. */
void hec_poly_clear(hec_poly *p);
/* dst = src (dst must have capacity for src's limbs; limbs/form copied). */
hec_status hec_poly_copy(hec_poly *dst, const hec_poly *src);
void hec_poly_zero(hec_poly *p);
/* Drop limbs above new_limbs (level lowering; no arithmetic).  new_limbs
 * >= 1; a larger value than p->limbs (or 0) changes nothing. */
void hec_poly_drop_limbs(hec_poly *p, size_t new_limbs);
/* Limb i's residues. */
static inline uint64_t *hec_poly_limb(const hec_poly *p, size_t i)
{
	return p->c + i * hec_ring_n(p->ring);
}

/* Element-wise arithmetic.  Operands must share ring, basis and form, and
 * have at least dst->limbs limbs (extra limbs of inputs are ignored); the
 * checked functions return HEC_ERR_ARG otherwise.  Inputs in [0, q_i). */
hec_status hec_poly_add(hec_poly *dst, const hec_poly *a, const hec_poly *b);
hec_status hec_poly_sub(hec_poly *dst, const hec_poly *a, const hec_poly *b);
hec_status hec_poly_neg(hec_poly *dst, const hec_poly *a);
/* Pointwise product (NTT form only). */
hec_status hec_poly_mul(hec_poly *dst, const hec_poly *a, const hec_poly *b);
/* dst += a * b pointwise (NTT form only). */
hec_status hec_poly_mul_acc(hec_poly *dst, const hec_poly *a, const hec_poly *b);
/* Inner product: dst = sum_{j < count} a[j] * b[j] pointwise (NTT form
 * only), a and b arrays of `count` polynomials (1 <= count <=
 * HEC_POLY_DOT_MAX) meeting the rules above; dst->limbs limbs are
 * computed.  The sums are kept unreduced and reduced once per coefficient:
 * fewer instructions than zeroing dst and calling hec_poly_mul_acc count
 * times, and the same result bit for bit.  dst may alias any a[j] or b[j].
 * Does not allocate; OpenMP over limbs. */
#define HEC_POLY_DOT_MAX 64
hec_status hec_poly_dot(hec_poly *dst, const hec_poly *a, const hec_poly *b, size_t count);
/* Linear combinations of one limb's coefficient vectors with scalar
 * weights, a matrix product over the coefficients: d[r][k] (+)= sum_{i <
 * count} W[r count + i] x[i][k] mod q for r < rows and k < n (the dense
 * layers of an encrypted network, per limb and ciphertext polynomial);
 * with `add` the sums are added to d's values (in [0, q)), else they
 * replace them.  Inputs and weights in [0, q) (a weight >= q is
 * HEC_ERR_ARG), outputs in [0, q); zero weights of sparse rows cost
 * nothing.  No d[r] may alias an x[i] (HEC_ERR_ARG).  The AVX2 kernel where
 * q < 2^50, the NTT kernel for q is not portable and n % 4 == 0 (fastest
 * with dense rows of small weights, |balanced w| <= 2^24, as scaled real
 * weights are); the same result bit for bit otherwise.  Allocates scratch (HEC_ERR_NOMEM); single-threaded (callers
 * spread limbs over threads). */
hec_status hec_vec_lincomb(uint64_t *const *d, size_t rows, const uint64_t *const *x, size_t count,
                           const uint64_t *W, size_t n, const hec_modulus_t *m, bool add);
/* Two inner products sharing a: dst0 = sum_j a[j] * b0[j] and dst1 = sum_j
 * a[j] * b1[j], reading each a[j] once (key switching's products of the
 * raised digits with both halves of the key).  Same rules as hec_poly_dot;
 * dst0 and dst1 are distinct, with the same number of limbs, and either
 * may alias any input. */
hec_status hec_poly_dot2(hec_poly *dst0, hec_poly *dst1, const hec_poly *a, const hec_poly *b0, const hec_poly *b1,
                         size_t count);
/* The same with the Galois automorphism X -> X^k applied to every a[j]
 * first: dst = sum_j a[j](X^k) * b[j] (and dst1 likewise), without writing
 * the permuted a[j] anywhere (hoisted rotations: the raised digits of one
 * ciphertext, permuted per rotation, times that rotation's key).  k odd
 * (taken mod 2n); the permutation is the cached one of
 * hec_poly_automorphism (built on first use; HEC_ERR_NOMEM if it cannot
 * be).  A destination must not alias any a[j] (HEC_ERR_ARG); it may alias
 * any b[j]. */
hec_status hec_poly_dot_automorphism(hec_poly *dst, const hec_poly *a, uint64_t k, const hec_poly *b, size_t count);
hec_status hec_poly_dot2_automorphism(hec_poly *dst0, hec_poly *dst1, const hec_poly *a, uint64_t k,
                                      const hec_poly *b0, const hec_poly *b1, size_t count);
/* dst = a * k for a signed integer k (any form). */
hec_status hec_poly_mul_int(hec_poly *dst, const hec_poly *a, int64_t k);
/* dst = a * c where c[i] is a residue mod prime i (an RNS constant). */
hec_status hec_poly_mul_rns(hec_poly *dst, const hec_poly *a, const uint64_t *c);
/* dst = a + c (constant term in coefficient form, every slot in NTT form),
 * c[i] a residue mod prime i. */
hec_status hec_poly_add_rns(hec_poly *dst, const hec_poly *a, const uint64_t *c);
/* Forward / inverse NTT of every limb (OpenMP over limbs); sets p->ntt.
 * A polynomial already in the requested form is left unchanged (the tag
 * says what the data is). */
void hec_poly_ntt_fwd(hec_poly *p);
void hec_poly_ntt_inv(hec_poly *p);

/* Set from small signed integers v[0..n) (the same integer in every limb),
 * coefficient form.  Any int64 value. */
void hec_poly_set_i64(hec_poly *p, const int64_t *v);

/* ---------------------------------------------------------------------------
 * Galois automorphisms X -> X^k, k odd in [1, 2n)
 * ------------------------------------------------------------------------ */

/* dst = src(X^k).  Coefficient or NTT form (the NTT form is an index
 * permutation, precomputed per k on first use and cached in the ring,
 * thread-safe).  dst must not alias src.  HEC_ERR_ARG for even k; odd k
 * >= 2n is taken mod 2n.  HEC_ERR_NOMEM if the permutation cannot be
 * cached (n 32-bit words). */
hec_status hec_poly_automorphism(hec_poly *dst, const hec_poly *src, uint64_t k);
/* The Galois element for a rotation by `step` slots: 5^step mod 2n
 * (negative steps allowed), and for conjugation: 2n - 1. */
uint64_t hec_ring_galois_rotation(const hec_ring *r, int64_t step);
uint64_t hec_ring_galois_conjugation(const hec_ring *r);

/* ---------------------------------------------------------------------------
 * Workspace: scratch memory for the operations below
 * ------------------------------------------------------------------------ */

typedef struct hec_ring_workspace hec_ring_workspace;
/* Enough scratch for any operation below on this ring, for one thread at a
 * time (the operation's own OpenMP threads share it).  Allocates
 * max(L + 1, 2 L, L + 2 K + 1) * n words (the last term when K > 0):
 * 2 L n = 2.4 MB at n = 2^14, L = 9, K = 3.  Wiped when freed. */
hec_status hec_ring_workspace_new(hec_ring_workspace **out, const hec_ring *r);
void hec_ring_workspace_free(hec_ring_workspace *w);

/* ---------------------------------------------------------------------------
 * Basis conversion and modulus changes (all values centered where stated)
 * ------------------------------------------------------------------------ */

/* Rescale by the last prime: dst (level l-1) = round(src / q_l) for src at
 * level l >= 1 (either form; dst gets src's form).  Error: |dst*q_l - src|
 * <= q_l/2 per coefficient (exact rounding of the centered representative).
 * dst may alias src. */
hec_status hec_poly_rescale(hec_poly *dst, const hec_poly *src, hec_ring_workspace *w);
/* (Destinations of rescale, mod_up and mod_down need enough capacity; their
 * limbs, basis and form are set by the call.) */

/* Hybrid key-switching decomposition ("ModUp", Han–Ki, CT-RSA 2020): the
 * limbs of digit j of src (Q polynomial at level l, NTT form; digits are
 * consecutive groups of `digit_size` primes of Q, the last one possibly
 * shorter) are converted by approximate fast basis conversion to every
 * other prime of Q up to level l and to all of P.  Output: dst_q (level l,
 * NTT form) and dst_p (P, NTT form) represent x + e * Q_j with |e| <= (size
 * of digit j) / 2, where x is the centered digit value. */
hec_status hec_poly_mod_up(hec_poly *dst_q, hec_poly *dst_p, const hec_poly *src, size_t digit,
                           size_t digit_size, hec_ring_workspace *w);
/* (dst_q may alias src.  Both NTT and coefficient forms are accepted; the
 * outputs take src's form.  HEC_ERR_UNSUPPORTED if K = 0.) */

/* ModDown: dst (Q, level l) = round((x_q, x_p) / P) for a QP value given as
 * its Q part (level l) and P part, both NTT form.  Uses the approximate
 * conversion P -> Q: error |dst - x/P| <= K/2 + 1/2 per coefficient. */
hec_status hec_poly_mod_down(hec_poly *dst, const hec_poly *x_q, const hec_poly *x_p, hec_ring_workspace *w);
/* (dst may alias x_q.  Coefficient form is accepted too when x_q and x_p
 * share it.) */

/* ModDown fused with rescaling: dst (Q, level l - 1) = round((x + P y) /
 * (P q_l)) for the Q_l P value x given by x_q (level l >= 1) and x_p, and
 * an optional Q polynomial y (level >= l, same form; NULL for 0), e.g. the
 * part of a ciphertext a key switch's output is added to before the
 * rescale.  One centered conversion from (p_0..p_{K-1}, q_l) to q_0..q_{l-1}
 * replaces ModDown's conversion and NTTs of l + 1 limbs plus rescaling's
 * NTTs of l limbs: (K + 1) inverse and l forward NTTs in all, instead of
 * (K + 1) and 2 l + 1.  The conversion is the exact one (a floating-point
 * estimate of the overflow), since an approximate one's error would not be
 * divided by q_l as it is when ModDown and rescale run apart: |dst - (x +
 * P y) / (P q_l)| <= 1/2 per coefficient, 3/2 next to odd multiples of
 * P q_l / 2 (measured: CKKS at N = 2^14 keeps its two-step precision,
 * 28.4 mean bits, where the centered approximate conversion lost 0.3).  The
 * converter of each level is built on first use and cached in the ring
 * (thread-safe).  dst may alias x_q or y, not x_p.  Either form, as
 * hec_poly_mod_down.  HEC_ERR_LEVEL at level 0, HEC_ERR_UNSUPPORTED if
 * K = 0, HEC_ERR_NOMEM if the converter cannot be built. */
hec_status hec_poly_mod_down_rescale(hec_poly *dst, const hec_poly *x_q, const hec_poly *x_p, const hec_poly *y,
                                     hec_ring_workspace *w);

/* Generic fast basis conversion (Bajard et al., SAC 2016; approximate):
 * from residues of x modulo primes from[0..nf) to residues modulo
 * to[0..nt) of x + u * F, F = prod(from), 0 <= u < nf, for x in [0, F).
 * Coefficient form.  A converter precomputes the constants. */
typedef struct hec_rns_conv hec_rns_conv;
hec_status hec_rns_conv_new(hec_rns_conv **out, size_t n, const uint64_t *from, size_t nf, const uint64_t *to, size_t nt);
void hec_rns_conv_free(hec_rns_conv *cv);
/* dst[j] (n words each) from src[i]; scratch: nf * n words. */
void hec_rns_conv_apply(const hec_rns_conv *cv, uint64_t *const *dst, const uint64_t *const *src, uint64_t *scratch);
/* Exact variant for centered x in (-F/2, F/2): the overflow count u is
 * computed in floating point (Halevi–Polyakov–Shoup, CT-RSA 2019) so the
 * result is exactly x mod to[j].  (Floating point decides the rounding:
 * exact for |x| <= F (1/2 - nf^2 2^-52); closer to +-F/2 the result may be
 * off by exactly +-F.) */
void hec_rns_conv_apply_exact(const hec_rns_conv *cv, uint64_t *const *dst, const uint64_t *const *src, uint64_t *scratch);
/* Centered variant: residues of x + e F with x the centered value in
 * (-F/2, F/2) and |e| <= nf / 2 (each y_i taken as its centered
 * representative), the form hybrid key switching uses.  Same arguments. */
void hec_rns_conv_apply_centered(const hec_rns_conv *cv, uint64_t *const *dst, const uint64_t *const *src, uint64_t *scratch);

/* ---------------------------------------------------------------------------
 * GMP bridge
 * ------------------------------------------------------------------------ */

/* Coefficient i of p (coefficient form) as an integer in [0, M) or, if
 * centered, in (-M/2, M/2], where M is the product of p's primes.  (In NTT
 * form it composes slot i's residues.)  Inputs reduced, as everywhere. */
void hec_poly_get_mpz(mpz_t out, const hec_poly *p, size_t i, bool centered);
/* Set coefficient i of p (coefficient form) to x mod each prime (any sign). */
void hec_poly_set_mpz(hec_poly *p, size_t i, const mpz_t x);
/* The product of p's primes. */
void hec_poly_modulus_mpz(mpz_t out, const hec_poly *p);

/* ---------------------------------------------------------------------------
 * Randomness
 * ------------------------------------------------------------------------ */

#define HEC_SEED_BYTES 32

/* Fill buf from the operating system (getrandom).  Fails closed:
 * HEC_ERR_RANDOM on any failure, never a weaker fallback. */
hec_status hec_random_os(void *buf, size_t len);

/* A deterministic expandable stream (ChaCha20, RFC 8439) keyed by a 32-byte
 * seed and a 64-bit stream number; used for public uniform polynomials
 * stored as seeds and for reproducible tests.  Plain value; wiped by clear. */
typedef struct hec_prng {
	uint32_t key[8];
	uint64_t stream;
	uint64_t counter;
	uint8_t buf[64];
	size_t used;
} hec_prng;
void hec_prng_init(hec_prng *g, const uint8_t seed[HEC_SEED_BYTES], uint64_t stream);
/* Seed from the OS; HEC_ERR_RANDOM on failure. */
hec_status hec_prng_init_os(hec_prng *g, uint64_t stream);
void hec_prng_bytes(hec_prng *g, void *out, size_t len);
uint64_t hec_prng_u64(hec_prng *g);
void hec_prng_clear(hec_prng *g);

/* Stream numbers that keep public and secret randomness apart. */
#define HEC_STREAM_PUBLIC 1 /* uniform "a" polynomials (public) */
#define HEC_STREAM_SECRET 2 /* secrets, errors, encryption randomness */

/* ---------------------------------------------------------------------------
 * Samplers (all write every limb of p, consistently across limbs)
 * ------------------------------------------------------------------------ */

/* Uniform mod each prime, by rejection (no modulo bias), in NTT form
 * (uniform is uniform in either form; p->ntt is set true). */
void hec_sample_uniform(hec_poly *p, hec_prng *g);
/* Uniform ternary {-1, 0, 1} (coefficient form). */
void hec_sample_ternary(hec_poly *p, hec_prng *g);
/* Ternary with exactly h nonzero coefficients (coefficient form). */
hec_status hec_sample_ternary_hw(hec_poly *p, hec_prng *g, size_t h);
/* Error distribution, sigma ~ 3.2 (centered binomial with eta = 21, sigma
 * = sqrt(21/2) = 3.24), sampled in constant time, coefficient form.  Also
 * fills v[0..n) with the integers when v != NULL. */
void hec_sample_error(hec_poly *p, hec_prng *g, int64_t *v);

#ifdef __cplusplus
}
#endif
#endif
