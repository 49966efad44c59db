/* Internal: the BFV precomputation a context carries and the scratch an
 * evaluator carries for BFV.  Not installed.
 *
 * Notation (per level l): Q = q_0 ... q_l (k = l + 1 primes), R = r_0 ...
 * r_{m-1} the auxiliary basis of the multiplication (fixed, m primes below
 * 2^50 distinct from Q and P, R >= 2^(log2 Q_top + log2 t)).  For a residue
 * vector x_i = x mod q_i, x = sum_i x_i a_i (Q / q_i) - u Q with
 * a_i = [(Q/q_i)^-1]_{q_i} and an integer 0 <= u < k (CRT). */
#ifndef HECATE_SCHEME_BFV_INTERNAL_H
#define HECATE_SCHEME_BFV_INTERNAL_H

#include "internal.h"

/* OpenMP over blocks of coefficients (results never depend on the thread
 * count: every block is independent). */
#define HEC_BFV_PRAGMA(x) _Pragma(#x)
#ifdef _OPENMP
#define HEC_BFV_OMP_FOR_IF(cond) HEC_BFV_PRAGMA(omp parallel for schedule(static) if (cond))
#else
#define HEC_BFV_OMP_FOR_IF(cond)
#endif

/* A linear combination of rows, reduced per target (the core of every
 * RNS conversion and scaling of the multiplication): for each target j,
 *   out_j[x] = (sum_i rows[i][x] c[j][i] + own_j[x] o[j]) mod p_j,
 * over a block of coefficients.  Rows are shared by all targets; own_j is
 * a row of target j's own (NULL-able).  Row values are below 2^52 on the
 * AVX2 path (every prime below 2^50), below 2^61 on the portable one. */
#define HEC_BFV_BLOCK 64
struct hec_bfv_plan {
	size_t nr, nt;           /* rows, targets */
	uint64_t *coef;          /* c[j][i] at j * nr + i, in [0, p_j) */
	uint64_t *own;           /* o[j] (NULL: no own rows) */
	uint64_t *p, *r64, *r64s, *ones; /* per target: prime, 2^64 mod p, Shoup quotients */
	/* AVX2: c balanced in (-p/2, p/2] as doubles, and c / p. */
	double *coef_d, *coef_q, *own_d, *own_q, *pd, *pinv;
};
typedef void (*hec_bfv_lincomb_fn)(uint64_t *const *out, size_t x0, const uint64_t *const *rows,
                                   const uint64_t *const *own, const struct hec_bfv_plan *pl, size_t len);
/* rows[i]: the block's len values of row i; out[j] and own[j] are whole
 * limbs, offset by x0 (own[j] may be out[j]); len <= HEC_BFV_BLOCK, a
 * multiple of 4.  Fully reduced outputs: the twins agree bit for bit. */
void _hec_bfv_lincomb_portable(uint64_t *const *out, size_t x0, const uint64_t *const *rows,
                               const uint64_t *const *own, const struct hec_bfv_plan *pl, size_t len);
#ifdef HECATE_HAVE_AVX2
void _hec_bfv_lincomb_avx2(uint64_t *const *out, size_t x0, const uint64_t *const *rows, const uint64_t *const *own,
                           const struct hec_bfv_plan *pl, size_t len);
#endif
/* The rows every conversion starts from, for coefficients [x0, x0 + len)
 * of x (v->k limbs in[i], offset by x0): y_i = [x_i a_i]_{q_i} at rows
 * 0..k-1 and v = round(sum_i y_i / q_i) (the centering overflow, summed in
 * double precision in the order of i, without fused operations, so that
 * both twins round alike) at row vrow.  Kernel twins, bit-identical. */
struct hec_bfv_level;
typedef void (*hec_bfv_prep_fn)(uint64_t *rows, const uint64_t *const *in, size_t x0, size_t len,
                                const struct hec_bfv_level *v, size_t vrow);
void _hec_bfv_prep_portable(uint64_t *rows, const uint64_t *const *in, size_t x0, size_t len,
                            const struct hec_bfv_level *v, size_t vrow);
#ifdef HECATE_HAVE_AVX2
void _hec_bfv_prep_avx2(uint64_t *rows, const uint64_t *const *in, size_t x0, size_t len,
                        const struct hec_bfv_level *v, size_t vrow);
#endif

/* Fill the per-target moduli (and the AVX2 doubles) of a plan whose coef /
 * own are set; allocate with plan_alloc. */
hec_status _hec_bfv_plan_alloc(struct hec_bfv_plan *pl, size_t nr, size_t nt, bool own);
void _hec_bfv_plan_finish(struct hec_bfv_plan *pl, const uint64_t *primes);
void _hec_bfv_plan_free(struct hec_bfv_plan *pl);

/* Constants of one level. */
struct hec_bfv_level {
	size_t k;                /* primes in Q at this level */
	/* Encryption: round(Q m / t) = delta m + round(qmod_t m / t). */
	uint64_t *delta;         /* [floor(Q / t)]_{q_i}, k words */
	uint64_t qmod_t;         /* Q mod t */
	/* Decryption (Halevi, Polyakov, Shoup, CT-RSA 2019, "simple scaling"):
	 * t x / Q = sum_i x_i (t a_i / q_i) - t u, so mod t
	 * round(t x / Q) = sum_i x_i omega_i + round(sum_i x_i theta_i), with
	 * t a_i / q_i = omega_i + theta_i.  theta_i to 128 bits, so the
	 * fractional part (the invariant noise) is exact to 2^-60. */
	uint64_t *dec_omega;     /* omega_i mod t, k words */
	uint64_t *dec_theta_hi;  /* floor(theta_i 2^64) */
	uint64_t *dec_theta_lo;  /* next 64 bits of theta_i */
	/* Multiplication (Halevi, Polyakov, Shoup, CT-RSA 2019, with the
	 * second operand scaled by R / Q as in Kim, Polyakov, Zucca,
	 * "Revisiting homomorphic encryption schemes for finite fields",
	 * ASIACRYPT 2021).  Both operands start from y_i = [x_i a_i]_{q_i},
	 * a_i = [(Q/q_i)^-1]_{q_i}: then x = sum_i y_i Q / q_i - v Q, and
	 * v = round(sum_i y_i / q_i) (floating point, HPS section 2.2) makes x
	 * the centered value.
	 *  - First operand, exact extension Q -> R ("ext", rows y_i and v):
	 *    x mod r_j = sum_i y_i [Q/q_i]_{r_j} + v [-Q]_{r_j}.
	 *  - Second operand, b' = round(R x / Q) over Q and R ("srq", rows
	 *    y_i, the rounding term (in 32-bit halves if it may reach 2^52),
	 *    v): with
	 *    R / q_i = G_i + g_i (integer and fractional parts),
	 *    b' = sum_i y_i G_i + round(sum_i y_i g_i) - v R. */
	uint64_t *sc_q;          /* q_i, k words */
	uint64_t *sc_ainv;       /* a_i, k words */
	uint64_t *sc_ainv_shoup;
	double *sc_qinv;         /* 1 / q_i */
	double *sc_pre;          /* AVX2: a_i balanced, a_i / q_i, q_i (3 k) */
	uint64_t *sc_gfrac;      /* floor(g_i 2^64) */
	struct hec_bfv_plan ext, srq;
	bool srq_split, str_split; /* rounding terms in two 32-bit rows (else one) */
	/* Multiplication, after tensoring in Q u R: round(t x / R) mod q_i
	 * ("str", rows y_j = the R residues and the rounding term, own rows
	 * the Q residues).  With b_i = [(QR/q_i)^-1]_{q_i},
	 * c_j = [(QR/r_j)^-1]_{r_j},
	 * t x / R = sum_i x_i b_i t Q / q_i + sum_j y_j (c_j t Q / r_j) - u t Q,
	 * the first terms integers vanishing mod q_{i'} (i' != i), so
	 * round(t x / R) mod q_i = x_i [b_i t Q/q_i]_{q_i} + sum_j y_j B_j
	 * + round(sum_j y_j psi_j) with c_j t Q / r_j = B_j + psi_j.  The
	 * overflow u of the tensor beyond Q R vanishes (u t Q = 0 mod Q), so
	 * the tensor may wrap around Q R. */
	uint64_t *tr_psi;        /* floor(psi_j 2^64), m words */
	struct hec_bfv_plan str;
};

struct hec_bfv_ctx {
	const hec_ring *ring;    /* the context's ring (Q and P) */
	uint64_t t;
	hec_modulus_t tm;
	uint64_t t_r64, t_r64_shoup, t_one_shoup; /* 2^64 mod t (Shoup), Shoup(1) */
	bool batching;           /* t prime = 1 mod 2N */
	hec_ntt_table *tntt;     /* NTT mod t (batching only) */
	uint32_t *slot_index;    /* slot s -> index of the NTT output, N words */
	hec_ring *aux;           /* the basis R as a ring (its "Q" basis) */
	size_t m;                /* primes in R */
	struct hec_bfv_level *lv; /* one per level */
	hec_bfv_lincomb_fn lincomb; /* the AVX2 kernels where they apply, else portable */
	hec_bfv_prep_fn prep;
	size_t nlevels;
};

/* Evaluator scratch for BFV (allocated on first use, sized for the top
 * level). */
struct hec_bfv_eval {
	hec_poly aq[2], ar[2];   /* first operand over Q, R (NTT) */
	hec_poly bq[2], br[2];   /* second operand, scaled by R / Q */
	hec_poly dq[3], dr[3];   /* the tensor over Q, R */
	hec_poly pt;             /* a plaintext lifted to Q */
	hec_ciphertext *tmp;     /* an operand brought to a lower level */
};

/* (_hec_bfv_context_init/_free and _hec_bfv_eval_free: internal.h.) */

/* The evaluator's BFV scratch, allocated on first use. */
hec_status _hec_bfv_eval_get(hec_evaluator *ev, struct hec_bfv_eval **out);

/* Checks shared by the evaluator's entry points: BFV context, a's context,
 * 2 or 3 polynomials. */
hec_status _hec_bfv_check_ct(const hec_evaluator *ev, const hec_ciphertext *a, const char *op);
/* Point the higher of *a, *b at a copy modulus-switched to the other's
 * level (the evaluator's temporary ciphertext). */
hec_status _hec_bfv_match_levels(hec_evaluator *ev, const hec_ciphertext **a, const hec_ciphertext **b);

/* The tensor of a and b (same level, 2 polynomials each, NTT form) scaled
 * by t / Q with rounding (up to the documented error of the R / Q
 * pre-scaling): dq[0..3) over Q in coefficient form.  (bfv_mul.c) */
hec_status _hec_bfv_tensor(hec_evaluator *ev, hec_poly dq[3], const hec_ciphertext *a, const hec_ciphertext *b);


/* x mod t for a 128-bit x (two Shoup products). */
static inline uint64_t _hec_bfv_reduce128(hec_u128 x, uint64_t q, uint64_t r64, uint64_t r64s, uint64_t ones)
{
	uint64_t a = hec_ntt_mod_mul_shoup((uint64_t)(x >> 64), r64, r64s, q);
	uint64_t b = hec_ntt_mod_mul_shoup((uint64_t)x, 1, ones, q);
	return hec_ntt_mod_add(a, b, q);
}

#endif
