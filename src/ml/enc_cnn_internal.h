/* Internal: the encrypted-CNN packing plan shared by the latency layout
 * (enc_cnn.c) and the batch layout (enc_cnn_batch.c).  Not installed. */
#ifndef HECATE_ML_ENC_CNN_INTERNAL_H
#define HECATE_ML_ENC_CNN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "hecate/ml.h"

#define ENC_LOG_N 14
#define ENC_SLOTS ((size_t)1 << (ENC_LOG_N - 1))
#define ENC_PRECISION 36

struct stage {
	size_t rows, period; /* A is rows x period over the physical input layout */
	double *A, *bias;    /* bias: rows */
	bool square;         /* then y -> (y + beta)^2 */
	double beta;
};

struct hec_ml_enc_plan {
	size_t n_out;
	/* first convolution */
	size_t maps, k, stride, pad, in_c, in_h, in_w, oh, ow, P, P_pad, B, G, ncts, KK;
	double *w0, *bias0; /* maps x KK, maps */
	bool square0;
	double beta0;
	size_t nst;
	struct stage st[HEC_ML_MAX_LAYERS];
	size_t depth;
};

/* Physical slot (within the period) of logical input l of stage 0's
 * successor: map-major blocks of P_pad. */
static inline size_t enc_stage1_phys(const struct hec_ml_enc_plan *p, size_t l)
{
	return (l / p->P) * p->P_pad + l % p->P;
}

/* Re-randomise a result: add a fresh public-key encryption of zero (tmp:
 * any ciphertext of the context, overwritten), so that its noise does not
 * carry the evaluation's history. */
hec_status enc_rerandomize(hec_evaluator *ev, const hec_public_key *pk, hec_ciphertext *ct, hec_ciphertext *tmp);

#endif
