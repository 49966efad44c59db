/* Hecate — layer 3: parameters, keys, key switching, CKKS and BFV
 * (src/scheme).
 *
 * Objects are opaque with _new/_free pairs (_free(NULL) is a no-op; objects
 * holding secrets are wiped before their memory is released).  A context is
 * immutable after creation and may be shared by threads; keys are immutable
 * after creation.  An evaluator owns scratch memory: use one evaluator per
 * thread.  Ciphertexts and plaintexts are modified only through the
 * functions that take them as destination (destination first; it may alias
 * any input).
 */
#ifndef HECATE_SCHEME_H
#define HECATE_SCHEME_H

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hecate/ring.h"
#include "hecate/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Parameters and security
 * ------------------------------------------------------------------------ */

typedef enum hec_scheme { HEC_SCHEME_CKKS = 1, HEC_SCHEME_BFV = 2 } hec_scheme;

/* Security levels of the Homomorphic Encryption Standard (Albrecht et al.,
 * 2018), ternary secrets, classical attacks. */
typedef enum hec_security {
	HEC_SECURITY_NONE = 0, /* only through hec_context_new_insecure */
	HEC_SECURITY_128 = 128,
	HEC_SECURITY_192 = 192,
	HEC_SECURITY_256 = 256
} hec_security;

#define HEC_PARAMS_MAX_Q 48
#define HEC_PARAMS_MAX_P 16

/* A parameter set (plain value).  Primes are generated deterministically
 * from the bit sizes: for each size, the largest primes = 1 (mod 2N) below
 * 2^bits not already taken, so equal parameters give equal primes. */
typedef struct hec_params_t {
	hec_scheme scheme;
	unsigned log_n;                     /* 12..17 (smaller only when insecure) */
	unsigned nq;                        /* ciphertext primes q_0..q_{nq-1} */
	unsigned q_bits[HEC_PARAMS_MAX_Q];  /* q_0 is the base prime */
	unsigned np;                        /* special primes for key switching */
	unsigned p_bits[HEC_PARAMS_MAX_P];
	unsigned dnum;                      /* key-switching digits, 1..nq */
	double log_scale;                   /* CKKS default scale 2^log_scale */
	uint64_t t;                         /* BFV plaintext modulus */
	unsigned secret_hw;                 /* 0: uniform ternary; else fixed Hamming weight */
	hec_security security;              /* level the context must reach */
} hec_params_t;

/* Fill `p` with a named preset: "ckks-n13" (N=2^13, 3 levels),
 * "ckks-n14" (N=2^14, 8 levels), "ckks-n15" (N=2^15, 16 levels),
 * "ckks-n16" (N=2^16, 24 levels), "bfv-n13" (N=2^13, t = 20-bit batching
 * prime).  HEC_ERR_ARG for an unknown name (the detail lists the names). */
hec_status hec_params_preset(hec_params_t *p, const char *name);
/* The preset names, NULL-terminated. */
const char *const *hec_params_preset_names(void);

/* Smallest CKKS parameters with `depth` multiplicative levels at a scale
 * of 2^precision_bits (20..50) that reach `sec`; the reasoning is written to
 * `why` (may be NULL) if it has room. */
hec_status hec_params_for_depth(hec_params_t *p, unsigned depth, unsigned precision_bits, hec_security sec,
                                char *why, size_t why_len);

/* The largest log2(Q*P) the Homomorphic Encryption Standard allows at N =
 * 2^log_n for `sec` (ternary secret), or 0 if the table has no entry. */
unsigned hec_security_max_log_qp(unsigned log_n, hec_security sec);

/* The highest level (128, 192, 256) these parameters reach, or
 * HEC_SECURITY_NONE, given the real log2(Q*P). */
hec_security hec_security_level(unsigned log_n, double log_qp);

/* ---------------------------------------------------------------------------
 * Context: the parameters with their primes and precomputation
 * ------------------------------------------------------------------------ */

typedef struct hec_context hec_context;

/* Build a context.  HEC_ERR_INSECURE (with log QP and the bound in the
 * detail) if the parameters do not reach p->security; HEC_ERR_ARG for
 * inconsistent parameters.  Allocates. */
hec_status hec_context_new(hec_context **out, const hec_params_t *p);
/* The same without the security check, for experiments only: the context
 * is marked insecure, and every tool that uses it must say so. */
hec_status hec_context_new_insecure(hec_context **out, const hec_params_t *p);
void hec_context_free(hec_context *c);

const hec_params_t *hec_context_params(const hec_context *c);
const hec_ring *hec_context_ring(const hec_context *c);
bool hec_context_is_secure(const hec_context *c);
/* The security level actually reached (HEC_SECURITY_NONE if below 128). */
hec_security hec_context_security(const hec_context *c);
/* 64-bit fingerprint of everything that makes two contexts compatible
 * (scheme, n, primes, dnum, t, secret distribution). */
uint64_t hec_context_fingerprint(const hec_context *c);
size_t hec_context_n(const hec_context *c);
/* Highest ciphertext level: nq - 1. */
size_t hec_context_max_level(const hec_context *c);
/* CKKS: N/2 complex slots; BFV: N slots. */
size_t hec_context_slots(const hec_context *c);
double hec_context_log_qp(const hec_context *c);
/* Human-readable summary (N, chain, log QP, security, slots, depth). */
void hec_context_describe(const hec_context *c, FILE *out);

/* ---------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

typedef struct hec_secret_key hec_secret_key;
typedef struct hec_public_key hec_public_key;
/* Relinearisation and Galois keys, looked up by Galois element. */
typedef struct hec_eval_keys hec_eval_keys;

/* A fresh secret from the OS CSPRNG (uniform ternary, or fixed Hamming
 * weight per the parameters).  HEC_ERR_RANDOM if the OS fails. */
hec_status hec_secret_key_new(hec_secret_key **out, const hec_context *c);
void hec_secret_key_free(hec_secret_key *sk);
const hec_context *hec_secret_key_context(const hec_secret_key *sk);

/* Public key (b = -a s + e, a) at the top level; a comes from a stored
 * seed.  HEC_ERR_RANDOM. */
hec_status hec_public_key_new(hec_public_key **out, const hec_secret_key *sk);
void hec_public_key_free(hec_public_key *pk);
const hec_context *hec_public_key_context(const hec_public_key *pk);

/* Evaluation keys: relinearisation (if `relin`), rotations by each of
 * steps[0..nsteps) slots (positive = left), and conjugation (if `conj`,
 * CKKS) — each a hybrid key-switching key with the context's dnum digits
 * (Han–Ki, CT-RSA 2020).  Duplicate steps are merged. */
hec_status hec_eval_keys_new(hec_eval_keys **out, const hec_secret_key *sk, bool relin, const int64_t *steps,
                             size_t nsteps, bool conj);
void hec_eval_keys_free(hec_eval_keys *ek);
const hec_context *hec_eval_keys_context(const hec_eval_keys *ek);
/* Whether a key for Galois element g (or relinearisation, g = 0) exists. */
bool hec_eval_keys_has(const hec_eval_keys *ek, uint64_t galois);
/* Number of Galois keys. */
size_t hec_eval_keys_count(const hec_eval_keys *ek);

/* ---------------------------------------------------------------------------
 * Plaintexts and ciphertexts
 * ------------------------------------------------------------------------ */

typedef struct hec_plaintext hec_plaintext;
typedef struct hec_ciphertext hec_ciphertext;

hec_status hec_plaintext_new(hec_plaintext **out, const hec_context *c);
void hec_plaintext_free(hec_plaintext *pt);
size_t hec_plaintext_level(const hec_plaintext *pt);
double hec_plaintext_scale(const hec_plaintext *pt);

hec_status hec_ciphertext_new(hec_ciphertext **out, const hec_context *c);
void hec_ciphertext_free(hec_ciphertext *ct);
hec_status hec_ciphertext_copy(hec_ciphertext *dst, const hec_ciphertext *src);
/* A ciphertext keeps the memory of its largest shape (a new one: the top
 * level) so that operations do not allocate; this releases what its
 * current level and size do not use (for ciphertexts kept long at a low
 * level).  The contents are unchanged.  HEC_ERR_NOMEM (ct unchanged). */
hec_status hec_ciphertext_shrink(hec_ciphertext *ct);
size_t hec_ciphertext_level(const hec_ciphertext *ct);
double hec_ciphertext_scale(const hec_ciphertext *ct);
/* Number of polynomials: 2, or 3 after a multiplication without
 * relinearisation. */
size_t hec_ciphertext_size(const hec_ciphertext *ct);
const hec_context *hec_ciphertext_context(const hec_ciphertext *ct);

/* ---------------------------------------------------------------------------
 * CKKS encoding (Cheon, Kim, Kim, Song, ASIACRYPT 2017)
 *
 * Slot j holds m(zeta^(5^j)), zeta = exp(i pi / N); a vector of `slots`
 * values (a power of two <= N/2) lives in the subring of X^(N/(2 slots)).
 * ------------------------------------------------------------------------ */

/* Encode values[0..len) (len <= slots; the rest are zero) into `pt` at
 * `level` and `scale` (> 0), NTT form.  `slots` is a power of two in
 * [1, N/2].  HEC_ERR_RANGE if a scaled coefficient would not fit in
 * (-Q_level/2, Q_level/2) (the detail says by how much).  Allocates
 * nothing after the first call on a context. */
hec_status hec_ckks_encode(hec_plaintext *pt, const double complex *values, size_t len, size_t slots,
                           size_t level, double scale);
/* Same for real values. */
hec_status hec_ckks_encode_real(hec_plaintext *pt, const double *values, size_t len, size_t slots,
                                size_t level, double scale);
/* Decode `slots` values (the count used when encoding). */
hec_status hec_ckks_decode(double complex *values, size_t slots, const hec_plaintext *pt);

/* ---------------------------------------------------------------------------
 * Encryption and decryption (both schemes)
 * ------------------------------------------------------------------------ */

/* Public-key encryption (fresh randomness from the OS CSPRNG). */
hec_status hec_encrypt(hec_ciphertext *ct, const hec_public_key *pk, const hec_plaintext *pt);
/* Symmetric encryption: the uniform half comes from a fresh seed that the
 * serialized ciphertext stores instead of the polynomial. */
hec_status hec_encrypt_symmetric(hec_ciphertext *ct, const hec_secret_key *sk, const hec_plaintext *pt);
/* Decrypt (any size 2 or 3) into pt at the ciphertext's level and scale. */
hec_status hec_decrypt(hec_plaintext *pt, const hec_secret_key *sk, const hec_ciphertext *ct);

/* ---------------------------------------------------------------------------
 * CKKS evaluator
 * ------------------------------------------------------------------------ */

typedef struct hec_evaluator hec_evaluator;

/* An evaluator for a context with optional evaluation keys (ek may be NULL
 * for operations that need none).  Owns scratch memory; not thread-safe:
 * one per thread.  Allocates. */
hec_status hec_evaluator_new(hec_evaluator **out, const hec_context *c, const hec_eval_keys *ek);
void hec_evaluator_free(hec_evaluator *ev);
/* The evaluator's context and keys (NULL if none): another thread's
 * evaluator is hec_evaluator_new(hec_evaluator_context(ev),
 * hec_evaluator_keys(ev)). */
const hec_context *hec_evaluator_context(const hec_evaluator *ev);
const hec_eval_keys *hec_evaluator_keys(const hec_evaluator *ev);

/* Additions.  Operands at different levels are brought to the lower one;
 * their scales must agree to within a relative 2^-30 (else HEC_ERR_LEVEL
 * with both scales in the detail: rescale or use hec_ckks_match_scale). */
hec_status hec_ckks_add(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
hec_status hec_ckks_sub(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
hec_status hec_ckks_negate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
hec_status hec_ckks_add_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt);
hec_status hec_ckks_sub_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt);
/* dst = a + c in every slot (c encoded at a's scale exactly). */
hec_status hec_ckks_add_const(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double complex c);

/* dst = a * b (size 3; relinearise next).  Scales multiply. */
hec_status hec_ckks_mul(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
/* dst = a * b then relinearise. */
hec_status hec_ckks_mul_relin(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
hec_status hec_ckks_square(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
hec_status hec_ckks_relinearize(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
/* mul_relin followed by rescale, with the key switch's division by P and
 * the rescale's by the last prime fused into one (fewer NTTs: hybrid key
 * switching's ModDown needs no NTT back to the dropped level); the result
 * matches the two-step path within the rescale's rounding.  HEC_ERR_LEVEL
 * at level 0. */
hec_status hec_ckks_mul_relin_rescale(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                      const hec_ciphertext *b);
hec_status hec_ckks_mul_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt);
/* dst = a * c, c encoded as round(c * const_scale); the result's scale is
 * a's scale times const_scale.  const_scale = 0 picks the prime that the
 * next rescale divides by, so that rescaling restores a's scale exactly. */
hec_status hec_ckks_mul_const(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double complex c,
                              double const_scale);
/* dst = sum_i w[i] * cts[i], each w[i] encoded as round(w[i] * const_scale)
 * (const_scale = 0: the prime the next rescale divides by, so rescaling
 * restores the inputs' scale), accumulated without intermediate reductions
 * (hec_vec_lincomb).  All n >= 1 inputs share one level, scale and size (2,
 * or 3 for unrelinearised products: the sum is linear, so it can be
 * relinearised once afterwards instead of every input before); zero weights
 * are skipped.  dst may alias none of the inputs. */
hec_status hec_ckks_lincomb(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *const *cts,
                            const double *w, size_t n, double const_scale);
/* Many weighted sums at once: dst[r] = sum_i w[r * n + i] * cts[i] for
 * r < rows (a plaintext matrix times a vector of ciphertexts), each limb
 * and polynomial one matrix product over the coefficients, OpenMP across
 * them.  Same rules as hec_ckks_lincomb; the dst[r] must be distinct from
 * the inputs. */
hec_status hec_ckks_lincomb_many(hec_evaluator *ev, hec_ciphertext *const *dst, size_t rows,
                                 const hec_ciphertext *const *cts, const double *w, size_t n, double const_scale);
/* The same added to the dst[r]: dst[r] += sum_i w[r * n + i] * cts[i]
 * (partial sums over slices of a long input vector, so the slices need not
 * all exist at once).  Each dst[r] must already have the inputs' level and
 * size and their scale times const_scale (HEC_ERR_LEVEL otherwise). */
hec_status hec_ckks_lincomb_many_add(hec_evaluator *ev, hec_ciphertext *const *dst, size_t rows,
                                     const hec_ciphertext *const *cts, const double *w, size_t n, double const_scale);
/* dst = a * k for an integer k; no scale change, no level used. */
hec_status hec_ckks_mul_int(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, int64_t k);
/* Divide by the last prime: level - 1, scale / q_level. */
hec_status hec_ckks_rescale(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
/* Drop to a lower level without changing the scale. */
hec_status hec_ckks_drop_to_level(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, size_t level);
/* Bring a to exactly `scale` (one level: multiply by 1 at the right scale
 * and rescale). */
hec_status hec_ckks_match_scale(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, double scale);

/* Rotate left by `step` slots (negative: right), modulo the slot count
 * N/2.  Uses the key for this step if present, else composes keys for
 * power-of-two steps; HEC_ERR_KEY (naming the missing steps) otherwise. */
hec_status hec_ckks_rotate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, int64_t step);
hec_status hec_ckks_conjugate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
/* dst[i] = rotate(a, steps[i]) sharing one key-switching decomposition of
 * a (hoisting, Halevi–Shoup, CRYPTO 2014/2018).  Every step needs its own
 * key.  dst[i] may not alias a. */
hec_status hec_ckks_rotate_hoisted(hec_evaluator *ev, hec_ciphertext *const *dst, const hec_ciphertext *a,
                                   const int64_t *steps, size_t nsteps);
/* dst = sum over i < count of rotate(a, i * stride), in log2(count)
 * rotations (count a power of two). */
hec_status hec_ckks_rotate_sum(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, size_t count,
                               int64_t stride);

/* ---------------------------------------------------------------------------
 * Linear transforms: plaintext matrix x encrypted vector
 * ------------------------------------------------------------------------ */

typedef struct hec_linear_transform hec_linear_transform;

/* Precompute y = M x for M of rows x cols (row-major), for an encrypted x
 * that holds x[0..cols) periodically with period `period` (a power of two
 * >= cols dividing the slot count; entries cols..period-1 are ignored).
 * With m = the power of two >= rows and n = max(period, m), the hybrid
 * diagonal method (Juvekar, Vaikuntanathan, Chandrakasan, "GAZELLE",
 * USENIX Security 2018) computes z = sum_{i<m} rot(x, i) * d_i with
 * d_i[j] = M[j mod m][(j + i) mod n], by baby-step giant-step (Halevi,
 * Shoup, CRYPTO 2018: n1 ~ sqrt(m) hoisted baby rotations, m / n1 giant
 * ones, all-zero diagonals skipped), then sums the n / m chunks of z with
 * log2(n / m) rotations.  The output holds y[0..rows) periodically with
 * period m (zeros in rows..m-1).  Diagonals are encoded at `level` with
 * the scale of that level's prime, so the rescale inside apply restores
 * the input's scale exactly.  Allocates. */
hec_status hec_linear_transform_new(hec_linear_transform **out, const hec_context *c, const double *m,
                                    size_t rows, size_t cols, size_t period, size_t level);
void hec_linear_transform_free(hec_linear_transform *lt);
/* The rotation steps apply() needs (writes up to `max`; returns the
 * count). */
size_t hec_linear_transform_steps(const hec_linear_transform *lt, int64_t *steps, size_t max);
/* The output period m. */
size_t hec_linear_transform_out_period(const hec_linear_transform *lt);
/* dst = M a, one level consumed.  a must be at the transform's level. */
hec_status hec_ckks_linear_transform(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                     const hec_linear_transform *lt);

/* ---------------------------------------------------------------------------
 * Polynomial evaluation in the Chebyshev basis
 * ------------------------------------------------------------------------ */

/* Chebyshev interpolation of f on [a, b] at degree + 1 Chebyshev nodes:
 * f(x) ~ sum_k c[k] T_k((2x - a - b) / (b - a)).  c has degree + 1
 * entries. */
void hec_chebyshev_fit(double *c, size_t degree, double (*f)(double x, void *arg), void *arg, double a, double b);
/* Plain evaluation of the same series (the tests' reference). */
double hec_chebyshev_eval(const double *c, size_t degree, double a, double b, double x);

/* dst = sum_k c[k] T_k(y), y = (2x - a - b) / (b - a), for x encrypted in
 * a: T_1..T_degree by the product tree T_{i+j} = 2 T_i T_j - T_{|i-j|}
 * with every operand's scale tracked exactly (the subtracted term is
 * multiplied by the constant that matches the product's scale before the
 * shared rescale, so no level is spent on scale matching), then the
 * coefficients at per-term constant scales landing every term on a's
 * scale.  Depth: 1 (map to [-1, 1], skipped when a = -1, b = 1) +
 * ceil(log2(degree)) + 1.  Needs the relinearisation key. */
hec_status hec_ckks_eval_chebyshev(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const double *c,
                                   size_t degree, double lo, double hi);
/* The levels hec_ckks_eval_chebyshev consumes for this degree and interval. */
size_t hec_ckks_chebyshev_depth(size_t degree, double lo, double hi);

/* ---------------------------------------------------------------------------
 * Serialization (DESIGN.md): a 48-byte header — magic "HECATE", format
 * version, object type, flags, the parameter fingerprint, payload length,
 * CRC-32 of header and payload — then a little-endian payload with
 * coefficients bit-packed to their prime's width.  Seeded objects (public
 * keys, evaluation keys, symmetric ciphertexts) store the 32-byte seed of
 * their uniform half.  Readers check everything before trusting it and
 * return a specific code: HEC_ERR_FORMAT (magic, version, type, sizes,
 * truncation, reserved bits), HEC_ERR_CHECKSUM, HEC_ERR_MISMATCH
 * (fingerprint), HEC_ERR_RANGE (a coefficient >= its prime, a bad scale or
 * level).  Serializers allocate *buf (release with free()).
 * ------------------------------------------------------------------------ */

typedef enum hec_object_type {
	HEC_OBJ_PARAMS = 1,
	HEC_OBJ_SECRET_KEY = 2,
	HEC_OBJ_PUBLIC_KEY = 3,
	HEC_OBJ_EVAL_KEYS = 4,
	HEC_OBJ_CIPHERTEXT = 5,
	HEC_OBJ_PLAINTEXT = 6
} hec_object_type;

#define HEC_HEADER_BYTES 48
#define HEC_FORMAT_VERSION 1

typedef struct hec_header_t {
	uint16_t version, type, flags;
	uint64_t fingerprint;
	uint64_t payload_len;
	uint32_t checksum;
} hec_header_t;

/* Parse and check a header (magic, version, reserved bytes) without a
 * context; does not verify the checksum (needs the payload). */
hec_status hec_header_parse(hec_header_t *h, const uint8_t *buf, size_t len);
/* Name of an object type ("ciphertext", ...). */
const char *hec_object_type_name(uint16_t type);
/* Check a whole object: header, payload length == len - header, CRC. */
hec_status hec_object_check(hec_header_t *h, const uint8_t *buf, size_t len);

hec_status hec_params_serialize(const hec_context *c, uint8_t **buf, size_t *len);
/* Rebuild a context from serialized parameters (insecure ones only if
 * allow_insecure).  Allocates *out. */
hec_status hec_params_deserialize(hec_context **out, const uint8_t *buf, size_t len, bool allow_insecure);

hec_status hec_secret_key_serialize(const hec_secret_key *sk, uint8_t **buf, size_t *len);
hec_status hec_secret_key_deserialize(hec_secret_key **out, const hec_context *c, const uint8_t *buf, size_t len);
hec_status hec_public_key_serialize(const hec_public_key *pk, uint8_t **buf, size_t *len);
hec_status hec_public_key_deserialize(hec_public_key **out, const hec_context *c, const uint8_t *buf, size_t len);
hec_status hec_eval_keys_serialize(const hec_eval_keys *ek, uint8_t **buf, size_t *len);
hec_status hec_eval_keys_deserialize(hec_eval_keys **out, const hec_context *c, const uint8_t *buf, size_t len);
hec_status hec_ciphertext_serialize(const hec_ciphertext *ct, uint8_t **buf, size_t *len);
hec_status hec_ciphertext_deserialize(hec_ciphertext *ct, const uint8_t *buf, size_t len);
hec_status hec_plaintext_serialize(const hec_plaintext *pt, uint8_t **buf, size_t *len);
hec_status hec_plaintext_deserialize(hec_plaintext *pt, const uint8_t *buf, size_t len);

/* Read one whole object (header + payload) from a stream into a fresh
 * buffer, refusing payloads above max_payload bytes.  HEC_ERR_IO at a read
 * error, HEC_ERR_FORMAT when truncated.  *buf is freed by the caller. */
hec_status hec_object_read(FILE *f, uint8_t **buf, size_t *len, uint64_t max_payload);
/* Write a buffer fully; HEC_ERR_IO on failure. */
hec_status hec_object_write(FILE *f, const uint8_t *buf, size_t len);
/* An upper bound on any object's payload for context c (for readers). */
uint64_t hec_context_max_payload(const hec_context *c);

/* ---------------------------------------------------------------------------
 * Precision report
 * ------------------------------------------------------------------------ */

/* Bits of precision of `got` against `want`: per slot -log2 |got - want|
 * (capped at 60 for an exact match); the worst (min), mean, and best. */
typedef struct hec_precision_t {
	double min_bits, mean_bits, max_bits;
	double max_abs_err;
} hec_precision_t;
hec_precision_t hec_ckks_precision(const double complex *got, const double complex *want, size_t n);

/* ===========================================================================
 * BFV (Brakerski, CRYPTO 2012; Fan, Vercauteren, ePrint 2012/144): exact
 * arithmetic on integers mod t
 *
 * A BFV context has params.scheme = HEC_SCHEME_BFV and a plaintext modulus
 * params.t, 2 <= t < every q_i and coprime to them.  Keys, key switching,
 * encryption (hec_encrypt, hec_encrypt_symmetric), decryption (hec_decrypt
 * calls hec_bfv_decrypt) and serialization are shared with CKKS.
 *
 * A plaintext is a polynomial m with coefficients in [0, t).  When t is a
 * prime = 1 mod 2N ("batching"), m is also a vector of N slots mod t, laid
 * out as a 2 x N/2 matrix: values[w * N/2 + j] is row w, column j.  Slot-wise
 * addition and multiplication are the ciphertext + and x; rotate_rows
 * rotates both rows cyclically, swap_columns exchanges the two rows (swaps
 * the entries of every column).
 *
 * Ciphertexts have scale 1 and a level: fresh ones sit at the top, and
 * hec_bfv_mod_switch_to_level lowers them (smaller to store and send, and
 * cheaper to compute on; the noise budget is kept until it reaches the
 * smaller modulus' ceiling).  Operands at different levels are brought to
 * the lower one by modulus switching automatically.
 *
 * Noise: a ciphertext at modulus Q holds m with invariant noise v when
 * t/Q (c0 + c1 s + c2 s^2) = m + v + t k for an integer polynomial k; it
 * decrypts correctly while every |v_i| < 1/2.  The noise budget is
 * -log2(2 max |v_i|) bits: about log2(Q / t) - 8 when fresh, minus about
 * log2(N t) per multiplication; additions cost at most 1 bit (bfv-n13: 160
 * fresh, 128 after one product, 4 products deep).
 *
 * Thread-safety: as for CKKS, an evaluator is used by one thread at a time.
 * =========================================================================== */

/* Whether the context is BFV with a batching t (prime = 1 mod 2N). */
bool hec_bfv_batching(const hec_context *c);

/* Batch encoding: values[0..len) (len <= N, each < t; missing slots are 0)
 * into pt (an inverse NTT mod t).  HEC_ERR_UNSUPPORTED without batching,
 * HEC_ERR_RANGE for a value >= t, HEC_ERR_ARG for len > N.  Does not
 * allocate after pt's first use. */
hec_status hec_bfv_encode(hec_plaintext *pt, const uint64_t *values, size_t len);
/* The same for signed values, reduced mod t. */
hec_status hec_bfv_encode_int(hec_plaintext *pt, const int64_t *values, size_t len);
/* The first len (<= N) slots of pt, in [0, t) / centered in (-t/2, t/2].
 * HEC_ERR_ARG if pt does not hold a BFV plaintext.  Allocates N words
 * temporarily. */
hec_status hec_bfv_decode(uint64_t *values, size_t len, const hec_plaintext *pt);
hec_status hec_bfv_decode_int(int64_t *values, size_t len, const hec_plaintext *pt);
/* Scalar encoding, any t: m = sum_i coeffs[i] X^i, len <= N, coeffs[i] < t
 * (HEC_ERR_RANGE otherwise).  Products are negacyclic: X^N = -1 mod t. */
hec_status hec_bfv_encode_coeffs(hec_plaintext *pt, const uint64_t *coeffs, size_t len);
hec_status hec_bfv_decode_coeffs(uint64_t *coeffs, size_t len, const hec_plaintext *pt);

/* Decrypt (2 or 3 polynomials, any level): pt = round(t/Q [c0 + c1 s
 * (+ c2 s^2)]_Q) mod t, by the RNS scaling of Halevi, Polyakov, Shoup
 * (CT-RSA 2019).  HEC_ERR_RANGE (pt zeroed) when some coefficient's
 * invariant noise exceeds 1/4, i.e. the noise budget is below 1 bit: past
 * 1/2 the result would be wrong, and the check catches such ciphertexts
 * with overwhelming probability instead of returning garbage.
 * HEC_ERR_MISMATCH for objects of other contexts. */
hec_status hec_bfv_decrypt(hec_plaintext *pt, const hec_secret_key *sk, const hec_ciphertext *ct);

/* The invariant noise budget of ct in bits, -log2(2 max |v_i|) (0 when
 * exhausted; fractional, floor() gives SEAL's integer convention), computed
 * exactly with big integers (a few ms at N = 2^13).  For the key owner
 * only: it reveals the noise, a function of the secret key, so computing it
 * on ciphertexts an attacker chose (and telling the attacker) leaks
 * information about the key, as any decryption-failure oracle does. */
hec_status hec_bfv_noise_budget(double *bits, const hec_secret_key *sk, const hec_ciphertext *ct);

/* Evaluator (hec_evaluator_new; ek supplies relinearisation and Galois
 * keys).  dst may alias any operand.  Errors: HEC_ERR_ARG (not BFV, wrong
 * number of polynomials), HEC_ERR_MISMATCH (another context), HEC_ERR_KEY
 * (a needed key is missing), HEC_ERR_NOMEM.  Scratch memory is allocated
 * once per evaluator, on first use. */
hec_status hec_bfv_add(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
hec_status hec_bfv_sub(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
hec_status hec_bfv_negate(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
/* dst = a +/- pt (round(Q m / t) added to c0: no noise growth beyond
 * rounding). */
hec_status hec_bfv_add_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt);
hec_status hec_bfv_sub_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt);
/* dst = a * b, 3 polynomials (relinearize next): the tensor product in RNS
 * form, HPS (CT-RSA 2019) with the R/Q pre-scaling of Kim, Polyakov, Zucca
 * (ASIACRYPT 2021); see src/scheme/bfv_mul.c.  a and b need 2 polynomials. */
hec_status hec_bfv_mul(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
/* 3 polynomials -> 2 with the relinearisation key (hybrid key switching);
 * a 2-polynomial input is copied. */
hec_status hec_bfv_relinearize(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
/* mul then relinearize, fused: the third polynomial goes from the scaling
 * into key switching in coefficient form, never transformed back. */
hec_status hec_bfv_mul_relin(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_ciphertext *b);
/* dst = a * pt (slot-wise product with batching; the noise grows by at most
 * N t / 2, the 1-norm of pt's centered coefficients). */
hec_status hec_bfv_mul_plain(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, const hec_plaintext *pt);
/* dst = a * k for a constant k in [0, t) (HEC_ERR_RANGE otherwise); the
 * noise grows by |k| taken centered (at most t/2). */
hec_status hec_bfv_mul_const(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, uint64_t k);
/* Rotate both rows of the slot matrix left by step (negative: right),
 * modulo N/2: Galois element 5^step mod 2N.  Uses the key for this step,
 * else composes power-of-two keys; HEC_ERR_KEY otherwise.  a needs 2
 * polynomials. */
hec_status hec_bfv_rotate_rows(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a, int64_t step);
/* Swap the two rows (Galois element 2N - 1; generate keys with conj =
 * true). */
hec_status hec_bfv_swap_columns(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a);
/* Divide by the top primes with rounding down to `level` (<= a's level;
 * HEC_ERR_LEVEL otherwise). */
hec_status hec_bfv_mod_switch_to_level(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                       size_t level);

#ifdef __cplusplus
}
#endif
#endif
