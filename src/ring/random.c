/* Operating-system randomness.  getrandom(2) blocks until the kernel's pool
 * is seeded and then never fails for lack of entropy; any error it does
 * report (ENOSYS on an old kernel, a seccomp filter, EFAULT) is returned as
 * HEC_ERR_RANDOM.  There is deliberately no fallback to /dev/urandom, the
 * time or a counter: keys made from weak randomness look fine and are not
 * (fail closed). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "ring_internal.h"

ssize_t (*_hec_random_source)(void *buf, size_t len, unsigned flags) = getrandom;

hec_status hec_random_os(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t left = len;
	while (left) {
		ssize_t got = _hec_random_source(p, left, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			int err = got < 0 ? errno : EIO;
			/* Leave nothing that could be mistaken for random bytes. */
			explicit_bzero(buf, len);
			return hec_error_set(HEC_ERR_RANDOM, "random: getrandom failed (%s); refusing to continue "
			                     "without operating-system randomness", strerror(err));
		}
		p += got;
		left -= (size_t)got;
	}
	return HEC_OK;
}
