/* Write a tiny CNN model for the command-line tests: conv 5x5 stride 2
 * (2 maps) -> dense 10, fixed pseudo-random weights.  Its encrypted plan
 * has depth 3 where the shipped models have 6, so its keys belong to
 * another parameter set: what the tests need to provoke a fingerprint
 * mismatch cheaply.  Usage: make_model OUT.hcm */
#include <stdio.h>

#include "hecate/ml.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_model OUT.hcm\n");
		return 2;
	}
	hec_ml_input_t in = {1, 0.1307f, 0.3081f};
	unsigned labels[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	hec_ml_model *m;
	hec_status s = hec_ml_model_new(&m, "mnist", &in, HEC_ML_MULTICLASS, labels, 10);
	if (s == HEC_OK)
		s = hec_ml_model_add_conv(m, 2, 5, 2, 1);
	if (s == HEC_OK)
		s = hec_ml_model_add_dense(m, 10);
	hec_ml_rng_t r;
	hec_ml_rng_init(&r, 7);
	for (size_t i = 0; s == HEC_OK && i < hec_ml_model_layer_count(m); i++) {
		hec_ml_layer_t L;
		hec_ml_model_layer(&L, m, i);
		float *w = hec_ml_model_weights(m, i), *b = hec_ml_model_bias(m, i);
		for (size_t j = 0; w && j < L.n_weights; j++)
			w[j] = (float)(0.2 * (hec_ml_rng_uniform(&r) - 0.5));
		for (size_t j = 0; b && j < L.out_c; j++)
			b[j] = (float)(0.1 * (hec_ml_rng_uniform(&r) - 0.5));
	}
	if (s == HEC_OK)
		s = hec_ml_model_save(m, argv[1]);
	hec_ml_model_free(m);
	if (s != HEC_OK) {
		fprintf(stderr, "make_model: %s\n", hec_error_detail());
		return 1;
	}
	return 0;
}
