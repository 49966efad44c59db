/* Plaintext matrix times encrypted vector: the hybrid diagonal method
 * (Juvekar, Vaikuntanathan, Chandrakasan, "GAZELLE", USENIX Security 2018)
 * with baby-step giant-step (Halevi, Shoup, "Algorithms in HElib", CRYPTO
 * 2014; "Faster homomorphic linear transformations in HElib", CRYPTO 2018).
 *
 * x has period n; M is padded to m x n (m, n powers of two, m <= n).  With
 * d_i[j] = M[j mod m][(j + i) mod n], z = sum_{i<m} d_i * rot(x, i) holds
 * in slot r + t m the partial sum over columns c = r + t m + i (mod n), so
 * summing the n/m chunks of z gives y = M x with period m.  Writing
 * i = g n1 + b and pulling rot(., g n1) out of each giant group,
 * z = sum_g rot( sum_b rot(d_{g n1 + b}, -g n1) * rot(x, b), g n1 ):
 * n1 - 1 hoisted baby rotations of x and m / n1 - 1 giant rotations.
 *
 * The baby steps are "double hoisted" (Bossuat, Mouchet, Troncoso-Pastoriza,
 * Hubaux, EUROCRYPT 2021, section 6): x's c1 is raised to Q P once, each
 * baby rotation stays in Q P as (P c0(X^k) + <raise(c1)(X^k), key_b>,
 * <raise(c1)(X^k), key_a>), the diagonals (encoded over Q P too) are
 * multiplied and accumulated there, and each giant group is divided by P
 * (ModDown) once: no baby rotation pays for its own ModDown, and the
 * rounding error is added once per group instead of once per diagonal. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct hec_linear_transform {
	const hec_context *ctx;
	size_t m, n, n1, n2, level;
	double pt_scale;
	hec_plaintext **diag; /* m entries, NULL for all-zero diagonals */
	hec_poly *diag_p;     /* the same integer polynomials over P */
	uint64_t p_mod_q[HEC_PARAMS_MAX_Q];
};

static size_t pow2_at_least(size_t x)
{
	size_t p = 1;
	while (p < x)
		p <<= 1;
	return p;
}

hec_status hec_linear_transform_new(hec_linear_transform **out, const hec_context *c, const double *mat,
                                    size_t rows, size_t cols, size_t period, size_t level)
{
	*out = NULL;
	size_t slots = hec_context_slots(c);
	if (c->params.scheme != HEC_SCHEME_CKKS)
		return hec_error_set(HEC_ERR_ARG, "linear transform: not a CKKS context");
	if (period < 1 || period > slots || (period & (period - 1)) || cols < 1 || cols > period || rows < 1 ||
	    pow2_at_least(rows) > slots)
		return hec_error_set(HEC_ERR_ARG,
		                     "linear transform: need cols <= period, period a power of two dividing %zu slots, "
		                     "rows <= %zu (got %zu x %zu, period %zu)",
		                     slots, slots, rows, cols, period);
	if (level < 1 || level > hec_context_max_level(c))
		return hec_error_set(HEC_ERR_LEVEL, "linear transform: level %zu must be in [1, %zu]", level,
		                     hec_context_max_level(c));
	hec_linear_transform *lt = calloc(1, sizeof *lt);
	if (!lt)
		return hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	lt->ctx = c;
	lt->m = pow2_at_least(rows);
	lt->n = period > lt->m ? period : lt->m;
	lt->level = level;
	/* n1 = 2^ceil(log2(sqrt(m))): baby steps at least as many as giant. */
	lt->n1 = 1;
	while (lt->n1 * lt->n1 < lt->m)
		lt->n1 <<= 1;
	lt->n2 = lt->m / lt->n1;
	lt->pt_scale = (double)hec_ring_q(c->ring, level);
	size_t m = lt->m, n = lt->n;
	lt->diag = calloc(m, sizeof *lt->diag);
	lt->diag_p = calloc(m, sizeof *lt->diag_p);
	double complex *v = malloc(n * sizeof *v);
	hec_status s = lt->diag && lt->diag_p && v ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "linear transform: out of memory");
	for (size_t i = 0; i <= level; i++) {
		const hec_modulus_t *mq = hec_ring_q_mod(c->ring, i);
		lt->p_mod_q[i] = 1;
		for (size_t k = 0; k < c->params.np; k++)
			lt->p_mod_q[i] = hec_ntt_mod_mul(lt->p_mod_q[i], hec_ring_p(c->ring, k) % mq->q, mq);
	}
	for (size_t i = 0; i < m && s == HEC_OK; i++) {
		size_t g = i / lt->n1 * lt->n1;
		bool zero = true;
		/* rot(d_i, -g)[j] = d_i[(j - g) mod n] */
		for (size_t j = 0; j < n; j++) {
			size_t jj = (j + n - g) % n, r = jj % m, col = (jj + i) % n;
			double x = r < rows && col < cols ? mat[r * cols + col] : 0;
			v[j] = x;
			zero &= x == 0;
		}
		if (zero)
			continue;
		if ((s = hec_plaintext_new(&lt->diag[i], c)) == HEC_OK)
			s = _hec_ckks_encode_qp(lt->diag[i], &lt->diag_p[i], v, n, n, level, lt->pt_scale);
	}
	free(v);
	if (s != HEC_OK) {
		hec_linear_transform_free(lt);
		return s;
	}
	*out = lt;
	return HEC_OK;
}

void hec_linear_transform_free(hec_linear_transform *lt)
{
	if (!lt)
		return;
	for (size_t k = 0; lt->diag && k < lt->m; k++)
		hec_plaintext_free(lt->diag[k]);
	for (size_t k = 0; lt->diag_p && k < lt->m; k++)
		hec_poly_clear(&lt->diag_p[k]);
	free(lt->diag);
	free(lt->diag_p);
	free(lt);
}

size_t hec_linear_transform_out_period(const hec_linear_transform *lt)
{
	return lt->m;
}

static bool baby_used(const hec_linear_transform *lt, size_t b)
{
	for (size_t g = 0; g < lt->n2; g++)
		if (lt->diag[g * lt->n1 + b])
			return true;
	return false;
}

static bool giant_used(const hec_linear_transform *lt, size_t g)
{
	for (size_t b = 0; b < lt->n1; b++)
		if (lt->diag[g * lt->n1 + b])
			return true;
	return false;
}

size_t hec_linear_transform_steps(const hec_linear_transform *lt, int64_t *steps, size_t max)
{
	size_t count = 0;
#define PUSH(x)                          \
	do {                             \
		if (count < max)         \
			steps[count] = (x); \
		count++;                 \
	} while (0)
	for (size_t b = 1; b < lt->n1; b++)
		if (baby_used(lt, b))
			PUSH((int64_t)b);
	for (size_t g = 1; g < lt->n2; g++)
		if (giant_used(lt, g))
			PUSH((int64_t)(g * lt->n1));
	for (size_t span = lt->m; span < lt->n; span <<= 1)
		PUSH((int64_t)span);
#undef PUSH
	return count;
}

hec_status hec_ckks_linear_transform(hec_evaluator *ev, hec_ciphertext *dst, const hec_ciphertext *a,
                                     const hec_linear_transform *lt)
{
	if (lt->ctx != ev->ctx || a->ctx != ev->ctx)
		return hec_error_set(HEC_ERR_MISMATCH, "linear transform: objects of different contexts");
	if (a->level != lt->level)
		return hec_error_set(HEC_ERR_LEVEL, "linear transform: ciphertext at level %zu, transform built for %zu",
		                     a->level, lt->level);
	if (a->size != 2)
		return hec_error_set(HEC_ERR_ARG, "linear transform: relinearize the ciphertext first");
	const hec_context *c = ev->ctx;
	const hec_ring *r = c->ring;
	size_t n1 = lt->n1, n2 = lt->n2, limbs = lt->level + 1, K = c->params.np;
	/* Scratch from the evaluator (no allocation after the first call):
	 * polys 0..3 hold one baby rotation over Q P, then four per giant
	 * group (its accumulators over Q and P, both halves); ciphertexts 1
	 * and 2 the running sum and the current group. */
	hec_poly *rq[2], *rp[2];
	hec_status s = HEC_OK;
	for (int h = 0; h < 2; h++) {
		rq[h] = _hec_ev_poly(ev, (size_t)h, HEC_BASIS_Q, limbs);
		rp[h] = _hec_ev_poly(ev, 2 + (size_t)h, HEC_BASIS_P, K);
		if (!rq[h] || !rp[h])
			return HEC_ERR_NOMEM;
	}
#define ACC_Q(g, h) ev->pool[4 + 4 * (g) + (size_t)(h)]
#define ACC_P(g, h) ev->pool[4 + 4 * (g) + 2 + (size_t)(h)]
	for (size_t g = 0; g < n2; g++) {
		if (!giant_used(lt, g))
			continue;
		for (int h = 0; h < 2; h++) {
			if (!_hec_ev_poly(ev, 4 + 4 * g + (size_t)h, HEC_BASIS_Q, limbs) ||
			    !_hec_ev_poly(ev, 4 + 4 * g + 2 + (size_t)h, HEC_BASIS_P, K))
				return HEC_ERR_NOMEM;
			hec_poly_zero(ACC_Q(g, h));
			hec_poly_zero(ACC_P(g, h));
		}
	}
	hec_ciphertext *sum = _hec_ev_ct(ev, 1), *grp = _hec_ev_ct(ev, 2);
	if (!sum || !grp)
		return HEC_ERR_NOMEM;
	/* One raise of c1 serves every baby step. */
	bool raised = false;
	for (size_t b = 0; b < n1 && s == HEC_OK; b++) {
		if (!baby_used(lt, b))
			continue;
		bool p_zero = b == 0;
		if (b == 0) {
			/* rot(x, 0) in Q P: (P c0, P c1), zero over P. */
			hec_poly_mul_rns(rq[0], &a->c[0], lt->p_mod_q);
			hec_poly_mul_rns(rq[1], &a->c[1], lt->p_mod_q);
		} else {
			uint64_t gal = hec_ring_galois_rotation(r, (int64_t)b);
			const struct hec_switch_key *k = _hec_eval_keys_find(ev->ek, gal);
			if (!k) {
				s = hec_error_set(HEC_ERR_KEY, "linear transform: no Galois key for the baby step %zu", b);
				break;
			}
			if (!raised && (s = _hec_keyswitch_raise(ev, &a->c[1])) != HEC_OK)
				break;
			raised = true;
			if ((s = _hec_keyswitch_inner(ev, lt->level, k, gal)) != HEC_OK ||
			    (s = hec_poly_automorphism(rq[0], &a->c[0], gal)) != HEC_OK)
				break;
			hec_poly_mul_rns(rq[0], rq[0], lt->p_mod_q);
			hec_poly_add(rq[0], rq[0], &ev->acc_q[0]);
			hec_poly_copy(rq[1], &ev->acc_q[1]);
			hec_poly_copy(rp[0], &ev->acc_p[0]);
			hec_poly_copy(rp[1], &ev->acc_p[1]);
		}
		for (size_t g = 0; g < n2; g++) {
			size_t i = g * n1 + b;
			if (!lt->diag[i])
				continue;
			for (int h = 0; h < 2; h++) {
				hec_poly_mul_acc(ACC_Q(g, h), rq[h], &lt->diag[i]->m);
				if (!p_zero)
					hec_poly_mul_acc(ACC_P(g, h), rp[h], &lt->diag_p[i]);
			}
		}
	}
	/* Each giant group: one ModDown, then its giant rotation. */
	bool sum_set = false;
	for (size_t g = 0; g < n2 && s == HEC_OK; g++) {
		if (!giant_used(lt, g))
			continue;
		if ((s = _hec_ciphertext_shape(grp, 2, lt->level)) != HEC_OK)
			break;
		for (int h = 0; h < 2 && s == HEC_OK; h++)
			s = hec_poly_mod_down(&grp->c[h], ACC_Q(g, h), ACC_P(g, h), ev->ws);
		if (s != HEC_OK)
			break;
		grp->scale = a->scale * lt->pt_scale;
		grp->seeded = false;
		if (g && (s = hec_ckks_rotate(ev, grp, grp, (int64_t)(g * n1))) != HEC_OK)
			break;
		s = sum_set ? hec_ckks_add(ev, sum, sum, grp) : hec_ciphertext_copy(sum, grp);
		sum_set = true;
	}
	if (s == HEC_OK && !sum_set) /* the zero matrix */
		s = hec_ckks_mul_const(ev, sum, a, 0.0, lt->pt_scale);
	double scale = a->scale;
	/* Sum the n / m chunks: the output has period m. */
	if (s == HEC_OK && lt->n > lt->m)
		s = hec_ckks_rotate_sum(ev, sum, sum, lt->n / lt->m, (int64_t)lt->m);
	if (s == HEC_OK)
		s = hec_ckks_rescale(ev, dst, sum);
	if (s == HEC_OK)
		dst->scale = scale; /* pt_scale = q_level exactly */
#undef ACC_Q
#undef ACC_P
	return s;
}
