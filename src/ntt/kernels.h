/* Internal: the kernel interface every NTT implementation provides, and the
 * table layout they share.  Not installed. */
#ifndef HECATE_NTT_KERNELS_H
#define HECATE_NTT_KERNELS_H

#include "hecate/ntt.h"

/* Tables shared by all kernels.  Twiddles are stored in bit-reversed order
 * (Longa–Naehrig): w[j] = psi^brv(j) and wi[j] = psi^-brv(j) for j in
 * [1, n), each with its 64-bit Shoup quotient. */
struct hec_ntt_table {
	size_t n;
	unsigned logn;
	hec_modulus_t mod;
	uint64_t psi;
	uint64_t *w, *w_shoup;   /* forward twiddles */
	uint64_t *wi, *wi_shoup; /* inverse twiddles */
	uint64_t n_inv, n_inv_shoup;       /* n^-1 mod q */
	uint64_t wi1_n_inv, wi1_n_inv_shoup; /* wi[1] * n^-1 for the merged last stage */
	const struct hec_ntt_kernel_ops *ops;
	void *kdata; /* kernel-specific precomputation (owned by ops) */
};

struct hec_ntt_kernel_ops {
	hec_kernel kind;
	uint64_t max_q; /* exclusive bound on the modulus the kernel accepts */

	/* Optional: build / free kernel-specific data in t->kdata after the
	 * shared tables are filled. */
	hec_status (*table_init)(struct hec_ntt_table *t);
	void (*table_clear)(struct hec_ntt_table *t);

	/* In-place forward NTT.  In: [0, 2q).  Out: [0, q) if reduce, else
	 * [0, 4q). */
	void (*fwd)(const struct hec_ntt_table *t, uint64_t *a, bool reduce);
	/* In-place inverse NTT including the n^-1 scaling.  In: [0, 2q).
	 * Out: [0, q) if reduce, else [0, 2q). */
	void (*inv)(const struct hec_ntt_table *t, uint64_t *a, bool reduce);

	/* Element-wise operations: see hec_ntt_vec_* in hecate/ntt.h. */
	void (*vec_add)(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);
	void (*vec_sub)(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);
	void (*vec_neg)(uint64_t *dst, const uint64_t *a, size_t n, const hec_modulus_t *m);
	void (*vec_mul)(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);
	void (*vec_mul_scalar)(uint64_t *dst, const uint64_t *a, uint64_t w, size_t n, const hec_modulus_t *m);
	void (*vec_mul_acc)(uint64_t *dst, const uint64_t *a, const uint64_t *b, size_t n, const hec_modulus_t *m);
};

extern const struct hec_ntt_kernel_ops hec_ntt_ops_portable;
#ifdef HECATE_HAVE_AVX2
extern const struct hec_ntt_kernel_ops hec_ntt_ops_avx2;
#endif
#ifdef HECATE_HAVE_AVX512
extern const struct hec_ntt_kernel_ops hec_ntt_ops_avx512;
#endif

/* The ops of kernel k, or NULL if not compiled in.  Does not check CPU
 * support: see hec_ntt_kernel_supported. */
const struct hec_ntt_kernel_ops *_hec_ntt_kernel_ops(hec_kernel k);

#endif
