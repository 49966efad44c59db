/* `hecate cpu`: what the CPU offers and which kernel Hecate would use. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hecate/ntt.h"

int hec_cmd_cpu(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: hecate cpu\n\n"
		       "Print the CPU's SIMD features relevant to Hecate's kernels, which kernels\n"
		       "this build and CPU support, and the kernel that would be used (honouring\n"
		       "HECATE_KERNEL=portable|avx2|avx512).\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "hecate cpu: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	hec_cpu_features_t f;
	hec_ntt_cpu_features(&f);
	printf("cpu:       %s (%s)\n", f.brand[0] ? f.brand : "unknown", f.vendor);
	printf("features: %s%s%s%s%s%s%s\n", f.avx2 ? " avx2" : "", f.bmi2 ? " bmi2" : "",
	       f.adx ? " adx" : "", f.avx512f ? " avx512f" : "", f.avx512dq ? " avx512dq" : "",
	       f.avx512vl ? " avx512vl" : "", f.avx512ifma ? " avx512ifma" : "");
	printf("os state:  avx %s, avx512 %s\n", f.os_avx ? "enabled" : "disabled",
	       f.os_avx512 ? "enabled" : "disabled");
	printf("kernels:  ");
	for (int k = 0; k < HEC_KERNEL_COUNT; k++)
		printf(" %s (%s)", hec_ntt_kernel_name((hec_kernel)k),
		       hec_ntt_kernel_supported((hec_kernel)k) ? "yes" : "no");
	printf("\n");
	hec_status s = hec_ntt_kernel_init();
	if (s != HEC_OK) {
		fprintf(stderr, "hecate cpu: %s\n", hec_error_detail());
		return 1;
	}
	printf("selected:  %s (primes below 2^%d; larger primes use portable)\n",
	       hec_ntt_kernel_name(hec_ntt_kernel_active()),
	       hec_ntt_kernel_active() == HEC_KERNEL_PORTABLE ? 61 : 50);
	return 0;
}
