/* Internal layout of the scheme objects.  Not installed. */
#ifndef HECATE_SCHEME_INTERNAL_H
#define HECATE_SCHEME_INTERNAL_H

#include <complex.h>
#include <pthread.h>

#include "hecate/scheme.h"

struct hec_context {
	hec_params_t params;
	hec_ring *ring;
	bool secure;
	hec_security level;
	double log_qp;
	uint64_t fingerprint;
	size_t digit_size; /* primes per key-switching digit: ceil(nq / dnum) */
	/* CKKS: exp(2 pi i k / 2N) for k in [0, 2N). */
	double complex *roots;
	/* BFV: plaintext modulus, batching and multiplication constants
	 * (bfv_internal.h); NULL for CKKS. */
	struct hec_bfv_ctx *bfv;
};

struct hec_secret_key {
	const hec_context *ctx;
	hec_poly s_q; /* all of Q, NTT form */
	hec_poly s_p; /* all of P, NTT form (empty if no special primes) */
};

/* A public key over Q P: (b, a) with b = -a s + e.  Encryption computes
 * (b u + e0, a u + e1) over Q_l P and divides by P, so the fresh noise is
 * that of the rounding alone (Lattigo's "encryption in Q P"). */
struct hec_public_key {
	const hec_context *ctx;
	hec_poly b, a;     /* all of Q, NTT form */
	hec_poly b_p, a_p; /* all of P, NTT form */
	uint8_t seed[HEC_SEED_BYTES];
};

/* A hybrid key-switching key from s' to s: for each digit j,
 * b_j = -a_j s + e_j + P s' on the limbs of digit j (0 elsewhere), over Q
 * and P, NTT form; a_j expands from `seed` (stream j). */
struct hec_switch_key {
	size_t digits;
	hec_poly *bq, *bp, *aq, *ap;
	uint8_t seed[HEC_SEED_BYTES];
};

struct hec_eval_keys {
	const hec_context *ctx;
	bool has_relin;
	struct hec_switch_key relin;
	size_t ngal;
	uint64_t *gal;                 /* Galois elements, ascending */
	struct hec_switch_key *galk;   /* matching keys */
};

struct hec_plaintext {
	const hec_context *ctx;
	hec_poly m;    /* level + 1 limbs */
	size_t level;
	double scale;
};

struct hec_ciphertext {
	const hec_context *ctx;
	hec_poly c[3];
	size_t size;   /* 2 or 3 */
	size_t level;
	double scale;
	bool seeded;   /* c[1] = expand(seed) at the top level, untouched since */
	uint8_t seed[HEC_SEED_BYTES];
};

struct hec_evaluator {
	const hec_context *ctx;
	const hec_eval_keys *ek;
	hec_ring_workspace *ws;
	/* Key-switching scratch: per digit, the raised polynomial over Q and
	 * P; accumulators over Q and P for both output halves. */
	hec_poly *up_q, *up_p;
	hec_poly acc_q[2], acc_p[2];
	hec_poly tmp[4];
	size_t ndigits;
	/* BFV scratch (bfv_internal.h), allocated on first use. */
	struct hec_bfv_eval *bfv;
	/* Scratch that grows on demand and lives as long as the evaluator, so
	 * hot paths do not allocate: polynomials and ciphertexts by index. */
	hec_poly **pool;
	size_t npool;
	hec_ciphertext **ctpool;
	size_t nctpool;
};

/* Evaluator scratch polynomial number idx, shaped (basis, limbs, NTT form),
 * contents undefined.  NULL on allocation failure (detail set). */
hec_poly *_hec_ev_poly(hec_evaluator *ev, size_t idx, hec_basis b, size_t limbs);
/* Evaluator scratch ciphertext number idx.  NULL on allocation failure. */
hec_ciphertext *_hec_ev_ct(hec_evaluator *ev, size_t idx);

/* BFV hooks (bfv_context.c, bfv_eval.c): build / free a BFV context's
 * precomputation, free an evaluator's BFV scratch (NULL is a no-op). */
hec_status _hec_bfv_context_init(hec_context *c);
void _hec_bfv_context_free(struct hec_bfv_ctx *b);
void _hec_bfv_eval_free(struct hec_bfv_eval *b);
/* BFV encryption's message term: dst (Q, `limbs` limbs, NTT form) =
 * round(Q_l m / t) for the BFV plaintext pt, l = limbs - 1. */
hec_status _hec_bfv_scaled_plain(hec_poly *dst, const hec_plaintext *pt, size_t limbs);
/* A deserialized BFV plaintext: limb 0's coefficients must be below t
 * (HEC_ERR_RANGE otherwise); they are copied to the other limbs. */
hec_status _hec_bfv_plain_check(hec_plaintext *pt);

/* Make sure pt/ct polynomials have `limbs` limbs of capacity. */
hec_status _hec_poly_reserve(hec_poly *p, const hec_ring *r, hec_basis b, size_t limbs, bool ntt);

/* Give ct `size` polynomials at `level`, NTT form, contents undefined. */
hec_status _hec_ciphertext_shape(hec_ciphertext *ct, size_t size, size_t level);

/* Key switching of d (Q, level l, NTT form) with key k: out0, out1 (level
 * l, NTT form) with out0 + out1 s ~ d s'.  If `galois` != 0, d's raised
 * digits are first mapped by X -> X^galois (for hoisting, the raise of d is
 * reused when `raised` is true). */
hec_status _hec_keyswitch_raise(hec_evaluator *ev, const hec_poly *d);
hec_status _hec_keyswitch_apply(hec_evaluator *ev, hec_poly *out0, hec_poly *out1, size_t level,
                                const struct hec_switch_key *k, uint64_t galois);

/* Key switching without the final ModDown: ev->acc_q[0..1] and
 * ev->acc_p[0..1] receive sum_j raise_j(d)(X^galois) * key_j over Q_l P,
 * from the digits last raised by _hec_keyswitch_raise. */
hec_status _hec_keyswitch_inner(hec_evaluator *ev, size_t level, const struct hec_switch_key *k, uint64_t galois);

/* CKKS encoding into pt (level limbs) and, if p_part != NULL, the same
 * integer polynomial over P (NTT form). */
hec_status _hec_ckks_encode_qp(hec_plaintext *pt, hec_poly *p_part, const double complex *values, size_t len,
                               size_t slots, size_t level, double scale);

/* The switching key for Galois element g, or NULL. */
const struct hec_switch_key *_hec_eval_keys_find(const hec_eval_keys *ek, uint64_t g);

/* Generate a switching key from s' (given over Q and P, NTT form) to sk. */
hec_status _hec_switch_key_gen(struct hec_switch_key *k, const hec_secret_key *sk, const hec_poly *sq_from,
                               const hec_poly *sp_from);
void _hec_switch_key_clear(struct hec_switch_key *k);

/* Expand the uniform polynomial with the given seed and stream over the
 * first `limbs` limbs of basis b (NTT form). */
hec_status _hec_expand_uniform(hec_poly *p, const hec_context *c, hec_basis b, size_t limbs,
                               const uint8_t seed[HEC_SEED_BYTES], uint64_t stream);

#endif
