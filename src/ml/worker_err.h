/* Internal to src/ml: the first failure among worker threads.  The error
 * detail (hec_error_detail) is per thread, so a worker keeps its status
 * with a copy of the detail and the calling thread raises it again. */
#ifndef HECATE_ML_WORKER_ERR_H
#define HECATE_ML_WORKER_ERR_H

#include <stdio.h>

#include "hecate/status.h"

struct ml_worker_err {
	hec_status s;
	char msg[512];
};

/* Keep s (if it is an error and none was kept yet), from any thread. */
static inline void ml_worker_err_keep(struct ml_worker_err *e, hec_status s)
{
	if (s == HEC_OK)
		return;
#ifdef _OPENMP
#pragma omp critical(hec_ml_worker_err)
#endif
	{
		if (e->s == HEC_OK) {
			e->s = s;
			snprintf(e->msg, sizeof e->msg, "%s", *hec_error_detail() ? hec_error_detail() : hec_status_str(s));
		}
	}
}

/* On the calling thread: HEC_OK, or the kept error with its detail. */
static inline hec_status ml_worker_err_raise(const struct ml_worker_err *e)
{
	return e->s == HEC_OK ? HEC_OK : hec_error_set(e->s, "%s", e->msg);
}

#endif
