/* Run-time choice of the layer kernels, made once (thread-safe through
 * pthread_once): AVX2 when this build has it and the CPU supports it,
 * unless HECATE_KERNEL=portable asks for the portable twin (the same
 * variable the NTT layer honours). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ml_internal.h"

static ml_forward_fn *fwd = ml_layer_forward_portable;
static ml_backward_fn *bwd = ml_layer_backward_portable;
static const char *name = "portable";
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void choose(void)
{
#ifdef HECATE_ML_AVX2
	const char *e = getenv("HECATE_KERNEL");
	if (e && !strcmp(e, "portable"))
		return;
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2")) {
		fwd = ml_layer_forward_avx2;
		bwd = ml_layer_backward_avx2;
		name = "avx2";
	}
#endif
}

const char *ml_kernel_name(void)
{
	pthread_once(&once, choose);
	return name;
}

void ml_layer_forward(const struct ml_layer *L, float *out, const float *in, float *scratch)
{
	pthread_once(&once, choose);
	fwd(L, out, in, scratch);
}

void ml_layer_backward(const struct ml_layer *L, float *din, float *gw, float *gb, double *gc,
                       const float *in, const float *dout, float *scratch)
{
	pthread_once(&once, choose);
	bwd(L, din, gw, gb, gc, in, dout, scratch);
}
