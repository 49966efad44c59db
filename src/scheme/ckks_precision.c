/* Precision report: bits of agreement between decrypted and reference
 * vectors, as Lattigo reports them. */
#include <math.h>

#include "internal.h"

hec_precision_t hec_ckks_precision(const double complex *got, const double complex *want, size_t n)
{
	hec_precision_t p = {60, 0, 0, 0};
	if (n == 0)
		return p;
	for (size_t i = 0; i < n; i++) {
		double err = cabs(got[i] - want[i]);
		double bits = err > 0 ? -log2(err) : 60;
		if (bits > 60)
			bits = 60;
		p.min_bits = fmin(p.min_bits, bits);
		p.max_bits = fmax(p.max_bits, bits);
		p.mean_bits += bits;
		p.max_abs_err = fmax(p.max_abs_err, err);
	}
	p.mean_bits /= (double)n;
	return p;
}
