/* Helpers for the ml suites: temporary files inside the build directory. */
#ifndef HECATE_MLTEST_H
#define HECATE_MLTEST_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hecate/ml.h"
#include "testutil.h"

/* A per-process path "ml-<pid>-<name>" in the working directory (the
 * build directory under meson test). */
static inline const char *tmp_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "ml-%ld-%s", (long)getpid(), name);
	return buf;
}

static inline void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

#define CK_OK(expr)                                                                          \
	do {                                                                                 \
		hec_status s_ = (expr);                                                      \
		ck_assert_msg(s_ == HEC_OK, "%s -> %d: %s", #expr, (int)s_, hec_error_detail()); \
	} while (0)

#endif
