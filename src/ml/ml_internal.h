/* Internal to src/ml: the model's concrete layout and the per-layer
 * kernels shared by inference, training and the gradient checks. */
#ifndef HECATE_ML_INTERNAL_H
#define HECATE_ML_INTERNAL_H

#include "hecate/ml.h"

struct ml_layer {
	hec_ml_layer_kind kind;
	size_t in_c, in_h, in_w, out_c, out_h, out_w;
	size_t k, stride, pad;
	float *w, *b; /* CONV/DENSE; owned by the model (or views in training) */
	size_t nw, nb;
	double c[HEC_ML_MAX_POLY_DEGREE + 1];
	size_t nc;
	int trainable; /* POLY: coefficients are trained parameters */
};

struct ml_section {
	char tag[4];
	uint32_t flags;
	uint8_t *data;
	size_t len;
};

struct hec_ml_model {
	char dataset[HEC_ML_DATASET_NAME_MAX];
	hec_ml_input_t input;
	hec_ml_task_kind task;
	unsigned classes[HEC_ML_MAX_CLASSES];
	size_t n_classes;
	struct ml_layer layers[HEC_ML_MAX_LAYERS];
	size_t n_layers;
	char note[256];
	struct ml_section *sec;
	size_t n_sec;
};

#define ML_MAX_WEIGHTS ((size_t)1 << 24)

static inline size_t ml_in_size(const struct ml_layer *L)
{
	return L->in_c * L->in_h * L->in_w;
}
static inline size_t ml_out_size(const struct ml_layer *L)
{
	return L->out_c * L->out_h * L->out_w;
}

/* Floats of scratch space one sample's forward+backward needs for layer L. */
size_t ml_layer_scratch(const struct ml_layer *L);

/* One sample through one layer. */
typedef void ml_forward_fn(const struct ml_layer *L, float *out, const float *in, float *scratch);

/* Back-propagate dout through L for one sample: accumulates the parameter
 * gradients into gw, gb (CONV/DENSE) or gc (trainable POLY, doubles), and
 * writes din unless it is NULL. */
typedef void ml_backward_fn(const struct ml_layer *L, float *din, float *gw, float *gb, double *gc,
                            const float *in, const float *dout, float *scratch);

/* The kernels: portable, AVX2 (same bits), and the one chosen at run time
 * (AVX2 when the CPU has it, unless HECATE_KERNEL=portable). */
ml_forward_fn ml_layer_forward_portable, ml_layer_forward_avx2, ml_layer_forward;
ml_backward_fn ml_layer_backward_portable, ml_layer_backward_avx2, ml_layer_backward;
/* Name of the kernel ml_layer_forward/backward use: "portable" or "avx2". */
const char *ml_kernel_name(void);

/* Number of trainable floats of one layer. */
size_t ml_layer_params(const struct ml_layer *L);

/* Model input size (floats) and the largest activation over all layers. */
size_t ml_model_input_size(const struct hec_ml_model *m);
size_t ml_model_max_act(const struct hec_ml_model *m);
size_t ml_model_max_scratch(const struct hec_ml_model *m);

/* Final layers evaluated at inference (BINARY models stop before a trailing
 * POLY sigmoid). */
size_t ml_model_infer_layers(const struct hec_ml_model *m);

/* Deterministic dot product: 8 interleaved partial sums combined in a fixed
 * tree, so the compiler may vectorise it without reassociating anything. */
static inline float ml_dot(const float *a, const float *b, size_t n)
{
	float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
			acc[j] += a[i + j] * b[i + j];
	float tail = 0;
	for (; i < n; i++)
		tail += a[i] * b[i];
	return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7])) + tail;
}

static inline void ml_axpy(float *y, float a, const float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += a * x[i];
}

#endif
