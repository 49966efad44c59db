/* Per-sample layer kernels (float32), forward and backward.  Convolution
 * is im2col followed by a matrix product written as rows of axpy updates
 * (vectorisable without reassociating floating-point sums); every
 * reduction has a fixed order (ml_dot), so a result depends only on the
 * inputs — never on the thread that computes it or the SIMD width.
 *
 * This file is compiled twice: as the portable kernel, and by
 * layers_avx2.c with -mavx2 (and no FMA, no contraction), which gives the
 * same IEEE operations in the same order on 8 lanes instead of 4 — so both
 * produce the same bits, and a model trains identically on either (the
 * tests compare them).  ML_KERNEL(name) names this copy's entry points. */
#include <string.h>

#include "ml_internal.h"

#ifndef ML_KERNEL
#define ML_KERNEL(name) name##_portable

size_t ml_layer_params(const struct ml_layer *L)
{
	return L->nw + L->nb + (L->kind == HEC_ML_POLY && L->trainable ? L->nc : 0);
}

size_t ml_layer_scratch(const struct ml_layer *L)
{
	if (L->kind != HEC_ML_CONV)
		return 0;
	return 2 * L->in_c * L->k * L->k * L->out_h * L->out_w;
}
#endif

/* cols[(ci k + ky) k + kx][oy OW + ox] = in[ci][oy s - pad + ky][ox s - pad + kx] (0 outside). */
static void im2col(const struct ml_layer *L, float *cols, const float *in)
{
	size_t k = L->k, ohw = L->out_h * L->out_w;
	for (size_t ci = 0; ci < L->in_c; ci++)
		for (size_t ky = 0; ky < k; ky++)
			for (size_t kx = 0; kx < k; kx++) {
				float *row = cols + ((ci * k + ky) * k + kx) * ohw;
				for (size_t oy = 0; oy < L->out_h; oy++) {
					long iy = (long)(oy * L->stride + ky) - (long)L->pad;
					for (size_t ox = 0; ox < L->out_w; ox++) {
						long ix = (long)(ox * L->stride + kx) - (long)L->pad;
						row[oy * L->out_w + ox] =
						    iy >= 0 && iy < (long)L->in_h && ix >= 0 && ix < (long)L->in_w
						        ? in[(ci * L->in_h + (size_t)iy) * L->in_w + (size_t)ix]
						        : 0.0f;
					}
				}
			}
}

static void col2im(const struct ml_layer *L, float *din, const float *cols)
{
	size_t k = L->k, ohw = L->out_h * L->out_w;
	memset(din, 0, ml_in_size(L) * sizeof *din);
	for (size_t ci = 0; ci < L->in_c; ci++)
		for (size_t ky = 0; ky < k; ky++)
			for (size_t kx = 0; kx < k; kx++) {
				const float *row = cols + ((ci * k + ky) * k + kx) * ohw;
				for (size_t oy = 0; oy < L->out_h; oy++) {
					long iy = (long)(oy * L->stride + ky) - (long)L->pad;
					if (iy < 0 || iy >= (long)L->in_h)
						continue;
					for (size_t ox = 0; ox < L->out_w; ox++) {
						long ix = (long)(ox * L->stride + kx) - (long)L->pad;
						if (ix >= 0 && ix < (long)L->in_w)
							din[(ci * L->in_h + (size_t)iy) * L->in_w + (size_t)ix] +=
							    row[oy * L->out_w + ox];
					}
				}
			}
}

static float poly_f(const double *c, size_t nc, float x)
{
	float y = (float)c[nc - 1];
	for (size_t i = nc - 1; i-- > 0;)
		y = y * x + (float)c[i];
	return y;
}

static float poly_df(const double *c, size_t nc, float x)
{
	if (nc < 2)
		return 0.0f;
	float y = (float)((double)(nc - 1) * c[nc - 1]);
	for (size_t i = nc - 1; i-- > 1;)
		y = y * x + (float)((double)i * c[i]);
	return y;
}

void ML_KERNEL(ml_layer_forward)(const struct ml_layer *L, float *out, const float *in, float *scratch)
{
	switch (L->kind) {
	case HEC_ML_CONV: {
		size_t ohw = L->out_h * L->out_w, ckk = L->in_c * L->k * L->k;
		im2col(L, scratch, in);
		for (size_t m = 0; m < L->out_c; m++) {
			float *o = out + m * ohw;
			for (size_t s = 0; s < ohw; s++)
				o[s] = L->b[m];
			for (size_t p = 0; p < ckk; p++)
				ml_axpy(o, L->w[m * ckk + p], scratch + p * ohw, ohw);
		}
		break;
	}
	case HEC_ML_DENSE: {
		size_t n = ml_in_size(L);
		for (size_t j = 0; j < L->out_c; j++)
			out[j] = L->b[j] + ml_dot(L->w + j * n, in, n);
		break;
	}
	case HEC_ML_POLY: {
		size_t n = ml_in_size(L);
		for (size_t i = 0; i < n; i++)
			out[i] = poly_f(L->c, L->nc, in[i]);
		break;
	}
	case HEC_ML_AVGPOOL: {
		size_t k = L->k;
		float inv = 1.0f / (float)(k * k);
		for (size_t c = 0; c < L->out_c; c++)
			for (size_t oy = 0; oy < L->out_h; oy++)
				for (size_t ox = 0; ox < L->out_w; ox++) {
					float s = 0;
					for (size_t y = 0; y < k; y++)
						for (size_t x = 0; x < k; x++)
							s += in[(c * L->in_h + oy * k + y) * L->in_w + ox * k + x];
					out[(c * L->out_h + oy) * L->out_w + ox] = s * inv;
				}
		break;
	}
	}
}

void ML_KERNEL(ml_layer_backward)(const struct ml_layer *L, float *din, float *gw, float *gb,
                                  double *gc, const float *in, const float *dout, float *scratch)
{
	switch (L->kind) {
	case HEC_ML_CONV: {
		size_t ohw = L->out_h * L->out_w, ckk = L->in_c * L->k * L->k;
		float *cols = scratch, *dcols = scratch + ckk * ohw;
		im2col(L, cols, in);
		for (size_t m = 0; m < L->out_c; m++) {
			const float *d = dout + m * ohw;
			float sum = 0;
			for (size_t s = 0; s < ohw; s++)
				sum += d[s];
			gb[m] += sum;
			for (size_t p = 0; p < ckk; p++)
				gw[m * ckk + p] += ml_dot(d, cols + p * ohw, ohw);
		}
		if (din) {
			memset(dcols, 0, ckk * ohw * sizeof *dcols);
			for (size_t m = 0; m < L->out_c; m++)
				for (size_t p = 0; p < ckk; p++)
					ml_axpy(dcols + p * ohw, L->w[m * ckk + p], dout + m * ohw, ohw);
			col2im(L, din, dcols);
		}
		break;
	}
	case HEC_ML_DENSE: {
		size_t n = ml_in_size(L);
		if (din)
			memset(din, 0, n * sizeof *din);
		for (size_t j = 0; j < L->out_c; j++) {
			gb[j] += dout[j];
			ml_axpy(gw + j * n, dout[j], in, n);
			if (din)
				ml_axpy(din, dout[j], L->w + j * n, n);
		}
		break;
	}
	case HEC_ML_POLY: {
		size_t n = ml_in_size(L);
		if (din)
			for (size_t i = 0; i < n; i++)
				din[i] = dout[i] * poly_df(L->c, L->nc, in[i]);
		if (L->trainable && gc) {
			/* d/dc_k sum_i dout_i x_i^k, accumulated in double. */
			double acc[HEC_ML_MAX_POLY_DEGREE + 1] = {0};
			for (size_t i = 0; i < n; i++) {
				double p = dout[i], x = in[i];
				for (size_t k = 0; k < L->nc; k++, p *= x)
					acc[k] += p;
			}
			for (size_t k = 0; k < L->nc; k++)
				gc[k] += acc[k];
		}
		break;
	}
	case HEC_ML_AVGPOOL: {
		if (!din)
			break;
		size_t k = L->k;
		float inv = 1.0f / (float)(k * k);
		memset(din, 0, ml_in_size(L) * sizeof *din);
		for (size_t c = 0; c < L->out_c; c++)
			for (size_t oy = 0; oy < L->out_h; oy++)
				for (size_t ox = 0; ox < L->out_w; ox++) {
					float g = dout[(c * L->out_h + oy) * L->out_w + ox] * inv;
					for (size_t y = 0; y < k; y++)
						for (size_t x = 0; x < k; x++)
							din[(c * L->in_h + oy * k + y) * L->in_w + ox * k + x] = g;
				}
		break;
	}
	}
}
