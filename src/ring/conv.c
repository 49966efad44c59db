/* Fast RNS basis conversion.
 *
 * From residues x_i = x mod f_i (F = prod f_i, F_i = F / f_i):
 *   y_i = [x_i F_i^-1]_{f_i},   S = sum_i y_i F_i = x + u F,  0 <= u < nf
 * (Bajard, Eynard, Hasan, Zucca, "A full RNS variant of FV like somewhat
 * homomorphic encryption schemes", SAC 2016).  Reducing S modulo each target
 * t_j costs nf word products per coefficient and target, and no big
 * integers.  Three ways of handling the overflow u:
 *
 *  - approximate: keep it (x + u F, 0 <= u < nf);
 *  - centered: read each y_i as its centered representative in
 *    (-f_i/2, f_i/2), i.e. subtract c F where c counts the y_i > f_i/2.  Then
 *    |S| < nf F / 2, so S = x + e F with x the centered value of x and
 *    |e| <= nf / 2 (|e| < (nf + 1) / 2 and e is an integer).  This is the
 *    form hybrid key switching wants (ModUp, ModDown);
 *  - exact: S / F = sum_i y_i / f_i, so v = round(sum_i y_i / f_i) in
 *    floating point gives S - v F = x, the centered value, exactly
 *    (Halevi, Polyakov, Shoup, "An improved RNS variant of the BFV
 *    homomorphic encryption scheme", CT-RSA 2019, section 2.2).  Each term
 *    y_i * (1/f_i) is in [0, 1) with absolute error below 2^-52, and the
 *    nf-term sum adds at most nf^2 2^-53, so v is the true rounding unless
 *    x / F is within nf^2 2^-52 of +-1/2: the result is exact for
 *    |x| <= F (1/2 - nf^2 2^-52), and otherwise off by exactly +-F.
 *
 * The work is done in blocks of coefficients: a block's y_i (nf x BLOCK
 * words, stored contiguously in the scratch) stay in L1 while every target
 * reads them, and blocks are independent, so OpenMP splits the
 * coefficients without changing any result. */
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"

#define BLOCK HEC_CONV_BLOCK
/* Products y_i [F_i]_t are below (2^61)^2 = 2^122; 64 of them plus a
 * reduced partial sum stay below 2^128. */
#define CHUNK 64

hec_status hec_rns_conv_new(hec_rns_conv **out, size_t n, const uint64_t *from, size_t nf, const uint64_t *to,
                            size_t nt)
{
	*out = NULL;
	if (!n || !nf || !nt || !from || !to)
		return hec_error_set(HEC_ERR_ARG,
		                     "rns_conv: n = %zu, %zu source and %zu target moduli; all must be > 0",
		                     n, nf, nt);
	for (size_t i = 0; i < nf + nt; i++) {
		uint64_t m = i < nf ? from[i] : to[i - nf];
		if (m < 2 || m >= HEC_MODULUS_MAX)
			return hec_error_set(HEC_ERR_ARG, "rns_conv: modulus %llu is outside [2, 2^61)",
			                     (unsigned long long)m);
	}
	hec_rns_conv *cv = calloc(1, sizeof *cv);
	if (!cv)
		return hec_error_set(HEC_ERR_NOMEM, "rns_conv: out of memory");
	cv->n = n;
	cv->nf = nf;
	cv->nt = nt;
	cv->fm = malloc((nf + nt) * sizeof *cv->fm);
	/* One block for the word tables. */
	size_t words = 3 * nf + nt * nf + 2 * nt * (nf + 1) + 3 * nt;
	uint64_t *w = malloc(words * sizeof *w);
	cv->f_inv = malloc(nf * sizeof *cv->f_inv);
	if (!cv->fm || !w || !cv->f_inv) {
		free(w);
		hec_rns_conv_free(cv);
		return hec_error_set(HEC_ERR_NOMEM, "rns_conv: out of memory");
	}
	cv->tm = cv->fm + nf;
	cv->fhat_inv = w;
	cv->fhat_inv_shoup = w + nf;
	cv->f_half = w + 2 * nf;
	cv->fhat_mod_t = w + 3 * nf;
	cv->f_mult_mod_t = cv->fhat_mod_t + nt * nf;
	cv->f_negmult_mod_t = cv->f_mult_mod_t + nt * (nf + 1);
	cv->r64_mod_t = cv->f_negmult_mod_t + nt * (nf + 1);
	cv->r64_shoup = cv->r64_mod_t + nt;
	cv->one_shoup = cv->r64_shoup + nt;
	for (size_t i = 0; i < nf; i++)
		hec_ntt_modulus_init(&cv->fm[i], from[i]);
	for (size_t j = 0; j < nt; j++)
		hec_ntt_modulus_init(&cv->tm[j], to[j]);

	for (size_t i = 0; i < nf; i++) {
		const hec_modulus_t *m = &cv->fm[i];
		uint64_t fhat = 1 % m->q;
		for (size_t k = 0; k < nf; k++)
			if (k != i)
				fhat = hec_ntt_mod_mul(fhat, hec_ntt_mod_reduce(from[k], m), m);
		if (hec_ntt_mod_inv(&cv->fhat_inv[i], fhat, m->q) != HEC_OK) {
			hec_rns_conv_free(cv);
			return hec_error_set(HEC_ERR_ARG,
			                     "rns_conv: source modulus %llu is not coprime to the others",
			                     (unsigned long long)from[i]);
		}
		cv->fhat_inv_shoup[i] = hec_ntt_shoup(cv->fhat_inv[i], m->q);
		cv->f_half[i] = m->q / 2;
		cv->f_inv[i] = 1.0 / (double)m->q;
	}
	for (size_t j = 0; j < nt; j++) {
		const hec_modulus_t *m = &cv->tm[j];
		uint64_t fmod = 1 % m->q;
		for (size_t i = 0; i < nf; i++) {
			uint64_t fhat = 1 % m->q;
			for (size_t k = 0; k < nf; k++)
				if (k != i)
					fhat = hec_ntt_mod_mul(fhat, hec_ntt_mod_reduce(from[k], m), m);
			cv->fhat_mod_t[j * nf + i] = fhat;
			fmod = hec_ntt_mod_mul(fmod, hec_ntt_mod_reduce(from[i], m), m);
		}
		uint64_t *mult = cv->f_mult_mod_t + j * (nf + 1);
		mult[0] = 0;
		for (size_t c = 1; c <= nf; c++)
			mult[c] = hec_ntt_mod_add(mult[c - 1], fmod, m->q);
		for (size_t c = 0; c <= nf; c++)
			cv->f_negmult_mod_t[j * (nf + 1) + c] = hec_ntt_mod_neg(mult[c], m->q);
		cv->r64_mod_t[j] = hec_ntt_mod_add(hec_ntt_mod_reduce(UINT64_MAX, m), 1 % m->q, m->q);
		cv->r64_shoup[j] = hec_ntt_shoup(cv->r64_mod_t[j], m->q);
		cv->one_shoup[j] = hec_ntt_shoup(1 % m->q, m->q);
	}
#ifdef HECATE_HAVE_AVX2
	/* The AVX2 kernel computes in doubles: every prime below 2^50, as for
	 * the NTT kernels; HECATE_KERNEL=portable forces the portable code. */
	bool small = true;
	for (size_t i = 0; i < nf + nt; i++)
		small &= cv->fm[i].q < HEC_MODULUS_SIMD_MAX;
	if (small && hec_ntt_kernel_active() != HEC_KERNEL_PORTABLE) {
		double *dw = malloc((4 * nf + 4 * nt + 2 * nt * nf) * sizeof *dw);
		if (!dw) {
			hec_rns_conv_free(cv);
			return hec_error_set(HEC_ERR_NOMEM, "rns_conv: out of memory");
		}
		struct hec_conv_dbl *d = &cv->dbl;
		d->f = dw;
		d->f_half = d->f + nf;
		d->w = d->f_half + nf;
		d->wq = d->w + nf;
		d->t = d->wq + nf;
		d->tinv = d->t + nt;
		d->c = d->tinv + nt;
		d->cq = d->c + nt * nf;
		d->fneg = d->cq + nt * nf;
		d->fnegq = d->fneg + nt;
		for (size_t i = 0; i < nf; i++) {
			const uint64_t f = cv->fm[i].q, w = cv->fhat_inv[i];
			d->f[i] = (double)f;
			d->f_half[i] = (double)cv->f_half[i];
			d->w[i] = w > f / 2 ? -(double)(f - w) : (double)w;
			d->wq[i] = d->w[i] / d->f[i];
		}
		for (size_t j = 0; j < nt; j++) {
			const uint64_t t = cv->tm[j].q;
			d->t[j] = (double)t;
			d->tinv[j] = 1.0 / d->t[j];
			for (size_t i = 0; i < nf; i++) {
				const uint64_t c = cv->fhat_mod_t[j * nf + i];
				d->c[j * nf + i] = c > t / 2 ? -(double)(t - c) : (double)c;
				d->cq[j * nf + i] = d->c[j * nf + i] / d->t[j];
			}
			const uint64_t fneg = cv->f_negmult_mod_t[j * (nf + 1) + 1];
			d->fneg[j] = fneg > t / 2 ? -(double)(t - fneg) : (double)fneg;
			d->fnegq[j] = d->fneg[j] / d->t[j];
		}
		cv->avx2 = true;
	}
#endif
	*out = cv;
	return HEC_OK;
}

void hec_rns_conv_free(hec_rns_conv *cv)
{
	if (!cv)
		return;
	free(cv->fm);
	free(cv->fhat_inv); /* the word block */
	free(cv->f_inv);
	free(cv->dbl.f);
	free(cv);
}

/* A block's y_i = [x_i F_i^-1]_{f_i} (row i at ys + i * len: rows n words
 * apart would all fall into the same cache sets) and the count corr[k] of
 * the y_i above f_i / 2 (centered mode) or the rounded sum_i y_i / f_i
 * (exact mode). */
static void conv_ys(const hec_rns_conv *cv, const uint64_t *const *src, uint64_t *ys, uint64_t *corr,
                    enum hec_conv_mode mode, size_t k0, size_t len)
{
	const size_t nf = cv->nf;
	for (size_t k = 0; k < len; k++)
		corr[k] = 0;
	for (size_t i = 0; i < nf; i++) {
		const uint64_t fi = cv->fm[i].q, w = cv->fhat_inv[i], ws = cv->fhat_inv_shoup[i];
		const uint64_t half = cv->f_half[i];
		const uint64_t *x = src[i] + k0;
		uint64_t *y = ys + i * len;
		for (size_t k = 0; k < len; k++) {
			y[k] = hec_ntt_mod_mul_shoup(x[k], w, ws, fi);
			corr[k] += half < y[k];
		}
	}
	if (mode == HEC_CONV_EXACT) {
		double est[BLOCK];
		for (size_t k = 0; k < len; k++)
			est[k] = 0;
		for (size_t i = 0; i < nf; i++) {
			const double fi = cv->f_inv[i];
			const uint64_t *y = ys + i * len;
			for (size_t k = 0; k < len; k++) {
				/* A separate product and sum, never contracted to a
				 * fused multiply-add: the AVX2 kernel rounds the same. */
				const double p = (double)y[k] * fi;
				est[k] += p;
			}
		}
		/* est >= 0, so truncating est + 1/2 rounds to nearest. */
		for (size_t k = 0; k < len; k++)
			corr[k] = (uint64_t)(est[k] + 0.5);
	}
}

/* Reference: one target at a time, 128-bit sums reduced every CHUNK terms.
 * Portable and simple; the optimised paths below are tested against it
 * bit for bit. */
static void conv_block_ref(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                           const uint64_t *const *src, uint64_t *scratch, enum hec_conv_mode mode, size_t k0,
                           size_t len)
{
	const size_t nf = cv->nf;
	uint64_t corr[BLOCK];
	uint64_t *ys = scratch + k0 * nf;
	conv_ys(cv, src, ys, corr, mode, k0, len);
	for (size_t s = 0; s < nsel; s++) {
		const size_t j = sel ? sel[s] : s;
		const uint64_t t = cv->tm[j].q;
		const uint64_t *c = cv->fhat_mod_t + j * nf;
		const uint64_t *mult = cv->f_mult_mod_t + j * (nf + 1);
		const uint64_t r64 = cv->r64_mod_t[j], r64s = cv->r64_shoup[j], ones = cv->one_shoup[j];
		uint64_t *out = dst[s] + k0;
		for (size_t k = 0; k < len; k++) {
			const uint64_t *y = ys + k;
			hec_u128 acc = 0;
			size_t i = 0;
			for (size_t stop = nf < CHUNK ? nf : CHUNK;;
			     stop = (stop + CHUNK < nf ? stop + CHUNK : nf)) {
				for (; i < stop; i++)
					acc += (hec_u128)y[i * len] * c[i];
				if (i == nf)
					break;
				acc = hec_reduce_u128_any(acc, t, r64, r64s, ones);
			}
			uint64_t r = hec_reduce_u128_any(acc, t, r64, r64s, ones);
			if (mode != HEC_CONV_APPROX)
				r = hec_ntt_mod_sub(r, mult[corr[k]], t);
			out[k] = r;
		}
	}
}

/* A target's constants, held in registers by the loops below. */
struct conv_target {
	uint64_t t, t2, r64, r64s, ones;
	const uint64_t *c, *negmult;
};

static inline struct conv_target conv_target_of(const hec_rns_conv *cv, size_t j)
{
	struct conv_target g = {cv->tm[j].q,
	                        2 * cv->tm[j].q,
	                        cv->r64_mod_t[j],
	                        cv->r64_shoup[j],
	                        cv->one_shoup[j],
	                        cv->fhat_mod_t + j * cv->nf,
	                        cv->f_negmult_mod_t + j * (cv->nf + 1)};
	return g;
}

static inline uint64_t mulhi64(uint64_t a, uint64_t b)
{
	return (uint64_t)(((hec_u128)a * b) >> 64);
}

/* x mod t for any 128-bit x, as hec_reduce_u128_any with both Shoup
 * products left lazy ([0, 2t) each) and one final correction chain. */
static inline uint64_t conv_reduce(hec_u128 x, const struct conv_target *g)
{
	const uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	uint64_t r = hi * g->r64 - mulhi64(hi, g->r64s) * g->t; /* [0, 2t) */
	r += lo - mulhi64(lo, g->ones) * g->t;                  /* [0, 4t), t < 2^61 */
	r -= g->t2 & hec_mask_lt(g->t2 - 1, r);
	return r - (g->t & hec_mask_lt(g->t - 1, r));
}

/* Two targets per pass over the block (each y load serves both); nf is a
 * compile-time constant where the caller specialises it, so the sums stay
 * in registers and the loops unroll.  nf <= CHUNK: the sums, plus the
 * correction [-corr F]_t < 2^61, stay below 2^128.  In centered and exact
 * modes the correction joins the sum before the one reduction. */
static inline __attribute__((always_inline)) void
conv_pair(const struct conv_target *g0, const struct conv_target *g1, uint64_t *o0, uint64_t *o1,
          const uint64_t *ys, const uint64_t *corr, size_t len, size_t nf, bool sub)
{
	for (size_t k = 0; k < len; k++) {
		hec_u128 a0 = sub ? g0->negmult[corr[k]] : 0, a1 = sub ? g1->negmult[corr[k]] : 0;
		for (size_t i = 0; i < nf; i++) {
			const uint64_t v = ys[i * len + k];
			a0 += (hec_u128)v * g0->c[i];
			a1 += (hec_u128)v * g1->c[i];
		}
		o0[k] = conv_reduce(a0, g0);
		o1[k] = conv_reduce(a1, g1);
	}
}

static inline __attribute__((always_inline)) void conv_one(const struct conv_target *g, uint64_t *o,
                                                           const uint64_t *ys, const uint64_t *corr,
                                                           size_t len, size_t nf, bool sub)
{
	for (size_t k = 0; k < len; k++) {
		hec_u128 a = sub ? g->negmult[corr[k]] : 0;
		for (size_t i = 0; i < nf; i++)
			a += (hec_u128)ys[i * len + k] * g->c[i];
		o[k] = conv_reduce(a, g);
	}
}

/* The targets of one block for a fixed nf (specialised by the switch in
 * conv_block). */
static inline __attribute__((always_inline)) void conv_targets(const hec_rns_conv *cv, uint64_t *const *dst,
                                                               const size_t *sel, size_t nsel,
                                                               const uint64_t *ys, const uint64_t *corr,
                                                               size_t k0, size_t len, size_t nf, bool sub)
{
	size_t s = 0;
	for (; s + 2 <= nsel; s += 2) {
		const struct conv_target g0 = conv_target_of(cv, sel ? sel[s] : s);
		const struct conv_target g1 = conv_target_of(cv, sel ? sel[s + 1] : s + 1);
		if (sub)
			conv_pair(&g0, &g1, dst[s] + k0, dst[s + 1] + k0, ys, corr, len, nf, true);
		else
			conv_pair(&g0, &g1, dst[s] + k0, dst[s + 1] + k0, ys, corr, len, nf, false);
	}
	if (s < nsel) {
		const struct conv_target g = conv_target_of(cv, sel ? sel[s] : s);
		if (sub)
			conv_one(&g, dst[s] + k0, ys, corr, len, nf, true);
		else
			conv_one(&g, dst[s] + k0, ys, corr, len, nf, false);
	}
}

/* One source prime (a ModUp digit of one prime, a ModDown with K = 1):
 * F_1 = 1, so y = x and the conversion is x mod t, or in centered mode
 * (x - f) mod t = (x + [-f]_t) mod t where x > f / 2.  No scratch; one
 * Shoup product (which accepts any 64-bit input) per output.  In: x in
 * [0, f) (as everywhere). */
static void conv_block_nf1(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                           const uint64_t *x, bool centered, size_t k0, size_t len)
{
	const uint64_t half = centered ? cv->f_half[0] : UINT64_MAX;
	x += k0;
	for (size_t s = 0; s < nsel; s++) {
		const size_t j = sel ? sel[s] : s;
		const uint64_t t = cv->tm[j].q, ones = cv->one_shoup[j];
		const uint64_t negf = hec_ntt_mod_neg(cv->f_mult_mod_t[2 * j + 1], t);
		uint64_t *out = dst[s] + k0;
		for (size_t k = 0; k < len; k++) {
			const uint64_t v = x[k] + (negf & hec_mask_lt(half, x[k])); /* < f + t < 2^62 */
			uint64_t r = v - mulhi64(v, ones) * t;                      /* [0, 2t) */
			out[k] = r - (t & hec_mask_lt(t - 1, r));
		}
	}
}

/* One block [k0, k0 + len) of coefficients. */
static void conv_block(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                       const uint64_t *const *src, uint64_t *scratch, enum hec_conv_mode mode, size_t k0,
                       size_t len)
{
	const size_t nf = cv->nf;
#ifdef HECATE_HAVE_AVX2
	if (cv->avx2 && len % 4 == 0) {
		/* The block's rows of doubles take the place of its y_i. */
		_hec_conv_block_avx2(cv, dst, sel, nsel, src, (double *)(scratch + k0 * nf), mode, k0, len);
		return;
	}
#endif
	if (nf == 1 && mode != HEC_CONV_EXACT) {
		conv_block_nf1(cv, dst, sel, nsel, src[0], mode == HEC_CONV_CENTERED, k0, len);
		return;
	}
	if (nf > CHUNK) {
		conv_block_ref(cv, dst, sel, nsel, src, scratch, mode, k0, len);
		return;
	}
	uint64_t corr[BLOCK];
	uint64_t *ys = scratch + k0 * nf;
	conv_ys(cv, src, ys, corr, mode, k0, len);
	const bool sub = mode != HEC_CONV_APPROX;
	switch (nf) {
	case 1: conv_targets(cv, dst, sel, nsel, ys, corr, k0, len, 1, sub); break;
	case 2: conv_targets(cv, dst, sel, nsel, ys, corr, k0, len, 2, sub); break;
	case 3: conv_targets(cv, dst, sel, nsel, ys, corr, k0, len, 3, sub); break;
	case 4: conv_targets(cv, dst, sel, nsel, ys, corr, k0, len, 4, sub); break;
	case 5: conv_targets(cv, dst, sel, nsel, ys, corr, k0, len, 5, sub); break;
	case 6: conv_targets(cv, dst, sel, nsel, ys, corr, k0, len, 6, sub); break;
	default: conv_targets(cv, dst, sel, nsel, ys, corr, k0, len, nf, sub); break;
	}
}

void _hec_rns_conv_apply_sel(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                             const uint64_t *const *src, uint64_t *scratch, enum hec_conv_mode mode)
{
	const size_t n = cv->n, nblocks = (n + BLOCK - 1) / BLOCK;
	HEC_OMP_FOR_IF(n * (cv->nf + nsel) >= HEC_OMP_MIN_WORDS)
	for (size_t b = 0; b < nblocks; b++) {
		size_t k0 = b * BLOCK, len = n - k0 < BLOCK ? n - k0 : BLOCK;
		conv_block(cv, dst, sel, nsel, src, scratch, mode, k0, len);
	}
}

void _hec_rns_conv_apply_ref(const hec_rns_conv *cv, uint64_t *const *dst, const size_t *sel, size_t nsel,
                             const uint64_t *const *src, uint64_t *scratch, enum hec_conv_mode mode)
{
	const size_t n = cv->n;
	for (size_t k0 = 0; k0 < n; k0 += BLOCK)
		conv_block_ref(cv, dst, sel, nsel, src, scratch, mode, k0, n - k0 < BLOCK ? n - k0 : BLOCK);
}

void hec_rns_conv_apply(const hec_rns_conv *cv, uint64_t *const *dst, const uint64_t *const *src,
                        uint64_t *scratch)
{
	_hec_rns_conv_apply_sel(cv, dst, NULL, cv->nt, src, scratch, HEC_CONV_APPROX);
}

void hec_rns_conv_apply_centered(const hec_rns_conv *cv, uint64_t *const *dst, const uint64_t *const *src,
                                 uint64_t *scratch)
{
	_hec_rns_conv_apply_sel(cv, dst, NULL, cv->nt, src, scratch, HEC_CONV_CENTERED);
}

void hec_rns_conv_apply_exact(const hec_rns_conv *cv, uint64_t *const *dst, const uint64_t *const *src,
                              uint64_t *scratch)
{
	_hec_rns_conv_apply_sel(cv, dst, NULL, cv->nt, src, scratch, HEC_CONV_EXACT);
}
