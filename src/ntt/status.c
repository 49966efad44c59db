/* Status strings and the per-thread error detail. */
#include "hecate/status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char detail[256];

const char *hec_status_str(hec_status s)
{
	switch (s) {
	case HEC_OK: return "success";
	case HEC_ERR_ARG: return "invalid argument";
	case HEC_ERR_NOMEM: return "out of memory";
	case HEC_ERR_KERNEL: return "requested SIMD kernel is not available on this CPU";
	case HEC_ERR_NOT_FOUND: return "no object satisfies the request";
	case HEC_ERR_RANDOM: return "operating-system randomness failed";
	case HEC_ERR_FORMAT: return "malformed serialized data";
	case HEC_ERR_CHECKSUM: return "checksum mismatch";
	case HEC_ERR_MISMATCH: return "objects belong to different parameters";
	case HEC_ERR_RANGE: return "value out of range";
	case HEC_ERR_INSECURE: return "parameters are below the requested security level";
	case HEC_ERR_IO: return "input/output error";
	case HEC_ERR_LEVEL: return "operands have incompatible levels or scales";
	case HEC_ERR_KEY: return "a required key is missing";
	case HEC_ERR_UNSUPPORTED: return "operation not supported for these inputs";
	}
	return "unknown status code";
}

const char *hec_error_detail(void)
{
	return detail;
}

hec_status hec_error_set(hec_status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	return s;
}
