/* Hecate — status codes shared by every layer.
 *
 * Every fallible library function returns a hec_status: 0 on success, a
 * negative code otherwise.  A library function never exits or aborts on bad
 * input.  hec_status_str() gives the fixed sentence for a code;
 * hec_error_detail() gives the calling thread's most recent detailed message
 * ("ntt: n = 3000 is not a power of two in [2^10, 2^17]"), which the function
 * that failed set just before returning.
 */
#ifndef HECATE_STATUS_H
#define HECATE_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hec_status {
	HEC_OK = 0,
	HEC_ERR_ARG = -1,         /* an argument is out of its documented range */
	HEC_ERR_NOMEM = -2,       /* an allocation failed */
	HEC_ERR_KERNEL = -3,      /* the requested SIMD kernel is unavailable */
	HEC_ERR_NOT_FOUND = -4,   /* no object (prime, root, key) satisfies the request */
	HEC_ERR_RANDOM = -5,      /* the operating system's randomness failed */
	HEC_ERR_FORMAT = -6,      /* serialized input is malformed */
	HEC_ERR_CHECKSUM = -7,    /* serialized input fails its checksum */
	HEC_ERR_MISMATCH = -8,    /* objects belong to different parameters */
	HEC_ERR_RANGE = -9,       /* a value does not fit (coefficient >= prime, overflow) */
	HEC_ERR_INSECURE = -10,   /* parameters below the requested security level */
	HEC_ERR_IO = -11,         /* reading or writing a file failed */
	HEC_ERR_LEVEL = -12,      /* operands at incompatible levels or scales */
	HEC_ERR_KEY = -13,        /* a required evaluation key is missing */
	HEC_ERR_UNSUPPORTED = -14 /* the operation is not available for these inputs */
} hec_status;

/* The fixed one-line description of a status code.  Never NULL. */
const char *hec_status_str(hec_status s);

/* The calling thread's most recent error detail, or "" if none was set.
 * Thread-safe: each thread has its own buffer. */
const char *hec_error_detail(void);

/* Set the calling thread's error detail (printf-style) and return `s`, so a
 * failing function can write `return hec_error_set(HEC_ERR_ARG, "...", ...)`. */
hec_status hec_error_set(hec_status s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
