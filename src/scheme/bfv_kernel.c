/* The BFV conversion kernel, portable twin, and its plans: per target j,
 * out_j = (sum_i rows_i c_ji + own_j o_j) mod p_j over a block of
 * coefficients.  Every basis extension and scaling of the multiplication
 * (bfv_mul.c) is one such combination once its rows are prepared; the
 * AVX2 twin (bfv_avx2.c) computes the same residues in double precision. */
#include <stdlib.h>
#include <string.h>

#include "bfv_internal.h"

hec_status _hec_bfv_plan_alloc(struct hec_bfv_plan *pl, size_t nr, size_t nt, bool own)
{
	memset(pl, 0, sizeof *pl);
	pl->nr = nr;
	pl->nt = nt;
	pl->coef = calloc(nt * nr, sizeof *pl->coef);
	pl->own = own ? calloc(nt, sizeof *pl->own) : NULL;
	pl->p = calloc(4 * nt, sizeof *pl->p);
	pl->coef_d = calloc(2 * nt * nr, sizeof *pl->coef_d);
	pl->pd = calloc(4 * nt, sizeof *pl->pd);
	if (!pl->coef || (own && !pl->own) || !pl->p || !pl->coef_d || !pl->pd)
		return hec_error_set(HEC_ERR_NOMEM, "bfv: out of memory");
	pl->r64 = pl->p + nt;
	pl->r64s = pl->p + 2 * nt;
	pl->ones = pl->p + 3 * nt;
	pl->coef_q = pl->coef_d + nt * nr;
	pl->pinv = pl->pd + nt;
	pl->own_d = pl->pd + 2 * nt;
	pl->own_q = pl->pd + 3 * nt;
	return HEC_OK;
}

void _hec_bfv_plan_free(struct hec_bfv_plan *pl)
{
	free(pl->coef);
	free(pl->own);
	free(pl->p);
	free(pl->coef_d);
	free(pl->pd);
	memset(pl, 0, sizeof *pl);
}

/* c in [0, p) as its balanced representative in (-p/2, p/2], a double. */
static double balanced(uint64_t c, uint64_t p)
{
	return c > p / 2 ? -(double)(p - c) : (double)c;
}

void _hec_bfv_plan_finish(struct hec_bfv_plan *pl, const uint64_t *primes)
{
	for (size_t j = 0; j < pl->nt; j++) {
		const uint64_t p = primes[j];
		pl->p[j] = p;
		pl->r64[j] = (uint64_t)(((hec_u128)1 << 64) % p);
		pl->r64s[j] = hec_ntt_shoup(pl->r64[j], p);
		pl->ones[j] = hec_ntt_shoup(1, p);
		pl->pd[j] = (double)p;
		pl->pinv[j] = 1.0 / (double)p;
		for (size_t i = 0; i < pl->nr; i++) {
			double c = balanced(pl->coef[j * pl->nr + i], p);
			pl->coef_d[j * pl->nr + i] = c;
			pl->coef_q[j * pl->nr + i] = c / (double)p;
		}
		if (pl->own) {
			pl->own_d[j] = balanced(pl->own[j], p);
			pl->own_q[j] = pl->own_d[j] / (double)p;
		}
	}
}

/* 128-bit sums of word products, below 2^128: the plans with rows and
 * constants up to 2^61 (Q residues against Q constants) have at most
 * 48 + 3 rows, 51 * 2^122 < 2^128; longer ones (the R residues of the
 * t / R scaling, up to 64 + 2 rows) have rows below 2^50. */
void _hec_bfv_lincomb_portable(uint64_t *const *out, size_t x0, const uint64_t *const *rows,
                               const uint64_t *const *own, const struct hec_bfv_plan *pl, size_t len)
{
	const size_t nr = pl->nr;
	for (size_t j = 0; j < pl->nt; j++) {
		const uint64_t *c = pl->coef + j * nr, p = pl->p[j];
		const uint64_t r64 = pl->r64[j], r64s = pl->r64s[j], ones = pl->ones[j];
		const uint64_t *ow = own ? own[j] + x0 : NULL, oc = own ? pl->own[j] : 0;
		uint64_t *o = out[j] + x0;
		for (size_t x = 0; x < len; x++) {
			hec_u128 acc = ow ? (hec_u128)ow[x] * oc : 0;
			for (size_t i = 0; i < nr; i++)
				acc += (hec_u128)rows[i][x] * c[i];
			o[x] = _hec_bfv_reduce128(acc, p, r64, r64s, ones);
		}
	}
}

void _hec_bfv_prep_portable(uint64_t *rows, const uint64_t *const *in, size_t x0, size_t len,
                            const struct hec_bfv_level *v, size_t vrow)
{
	double est[HEC_BFV_BLOCK];
	for (size_t x = 0; x < len; x++)
		est[x] = 0;
	for (size_t i = 0; i < v->k; i++) {
		const uint64_t q = v->sc_q[i], a = v->sc_ainv[i], as = v->sc_ainv_shoup[i];
		const double qi = v->sc_qinv[i];
		const uint64_t *src = in[i] + x0;
		uint64_t *y = rows + i * HEC_BFV_BLOCK;
		for (size_t x = 0; x < len; x++) {
			y[x] = hec_ntt_mod_mul_shoup(src[x], a, as, q);
			double p = (double)y[x] * qi;
			est[x] = est[x] + p;
		}
	}
	/* est >= 0 and below k: truncating est + 1/2 rounds to nearest. */
	for (size_t x = 0; x < len; x++)
		rows[vrow * HEC_BFV_BLOCK + x] = (uint64_t)(est[x] + 0.5);
}
