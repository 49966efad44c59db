/* The layer kernels compiled for AVX2 (see layers.c): built with -mavx2 and
 * -ffp-contract=off, never -mfma, so every lane performs exactly the
 * portable kernel's roundings. */
#define ML_KERNEL(name) name##_avx2
#include "layers.c"
