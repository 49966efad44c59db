/* Run-time kernel selection from CPUID (chosen once, thread-safe). */
#include "kernels.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[HEC_KERNEL_COUNT] = {"portable", "avx2", "avx512"};

const char *hec_ntt_kernel_name(hec_kernel k)
{
	return (unsigned)k < HEC_KERNEL_COUNT ? names[k] : "unknown";
}

hec_status hec_ntt_kernel_parse(hec_kernel *k, const char *name)
{
	for (int i = 0; i < HEC_KERNEL_COUNT; i++) {
		if (strcmp(name, names[i]) == 0) {
			*k = (hec_kernel)i;
			return HEC_OK;
		}
	}
	return hec_error_set(HEC_ERR_ARG, "unknown kernel '%s' (expected portable, avx2 or avx512)", name);
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

void hec_ntt_cpu_features(hec_cpu_features_t *f)
{
	unsigned a, b, c, d;
	memset(f, 0, sizeof *f);
	if (!__get_cpuid(0, &a, &b, &c, &d))
		return;
	memcpy(f->vendor, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	unsigned max_leaf = a;
	__get_cpuid(1, &a, &b, &c, &d);
	bool osxsave = c & bit_OSXSAVE, avx = c & bit_AVX;
	if (osxsave) {
		uint64_t xcr0 = xgetbv0();
		/* XMM and YMM state (bits 1, 2); opmask, ZMM_Hi256, Hi16_ZMM (5-7). */
		f->os_avx = avx && (xcr0 & 0x6) == 0x6;
		f->os_avx512 = f->os_avx && (xcr0 & 0xe0) == 0xe0;
	}
	if (max_leaf >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		f->avx2 = b & bit_AVX2;
		f->bmi2 = b & bit_BMI2;
		f->adx = b & bit_ADX;
		f->avx512f = b & bit_AVX512F;
		f->avx512dq = b & bit_AVX512DQ;
		f->avx512vl = b & bit_AVX512VL;
		f->avx512ifma = b & bit_AVX512IFMA;
	}
	if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
		unsigned *brand = (unsigned *)(void *)f->brand;
		for (unsigned leaf = 0; leaf < 3; leaf++)
			__get_cpuid(0x80000002 + leaf, &brand[4 * leaf], &brand[4 * leaf + 1],
			            &brand[4 * leaf + 2], &brand[4 * leaf + 3]);
		f->brand[48] = 0;
	}
}

const struct hec_ntt_kernel_ops *_hec_ntt_kernel_ops(hec_kernel k)
{
	switch (k) {
	case HEC_KERNEL_PORTABLE: return &hec_ntt_ops_portable;
#ifdef HECATE_HAVE_AVX2
	case HEC_KERNEL_AVX2: return &hec_ntt_ops_avx2;
#endif
#ifdef HECATE_HAVE_AVX512
	case HEC_KERNEL_AVX512: return &hec_ntt_ops_avx512;
#endif
	default: return NULL;
	}
}

bool hec_ntt_kernel_supported(hec_kernel k)
{
	if (!_hec_ntt_kernel_ops(k))
		return false;
	hec_cpu_features_t f;
	hec_ntt_cpu_features(&f);
	switch (k) {
	case HEC_KERNEL_PORTABLE: return true;
	case HEC_KERNEL_AVX2: return f.os_avx && f.avx2 && f.bmi2;
	case HEC_KERNEL_AVX512:
		return f.os_avx512 && f.avx512f && f.avx512dq && f.avx512vl && f.avx512ifma;
	default: return false;
	}
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static hec_kernel active = HEC_KERNEL_PORTABLE;
static hec_status init_status = HEC_OK;
static char init_detail[200];

static void select_kernel(void)
{
	const char *env = getenv("HECATE_KERNEL");
	if (env && *env) {
		hec_kernel k;
		if (hec_ntt_kernel_parse(&k, env) != HEC_OK) {
			init_status = HEC_ERR_ARG;
			snprintf(init_detail, sizeof init_detail,
			         "HECATE_KERNEL=%s is not a kernel (expected portable, avx2 or avx512)", env);
		} else if (!hec_ntt_kernel_supported(k)) {
			init_status = HEC_ERR_KERNEL;
			snprintf(init_detail, sizeof init_detail,
			         "HECATE_KERNEL=%s but this CPU (or this build) does not support the %s kernel; "
			         "run `hecate cpu` to see what it supports", env, env);
		} else {
			active = k;
		}
		return;
	}
	for (int k = HEC_KERNEL_COUNT - 1; k > 0; k--) {
		if (hec_ntt_kernel_supported((hec_kernel)k)) {
			active = (hec_kernel)k;
			return;
		}
	}
}

hec_status hec_ntt_kernel_init(void)
{
	pthread_once(&once, select_kernel);
	if (init_status != HEC_OK)
		return hec_error_set(init_status, "%s", init_detail);
	return HEC_OK;
}

hec_kernel hec_ntt_kernel_active(void)
{
	pthread_once(&once, select_kernel);
	return active;
}

hec_kernel hec_ntt_kernel_for(uint64_t q)
{
	hec_kernel k = hec_ntt_kernel_active();
	return q < _hec_ntt_kernel_ops(k)->max_q ? k : HEC_KERNEL_PORTABLE;
}
