/* libFuzzer target for the ml layer's parsers of hostile bytes: the model
 * file reader and the PGM decoder (the IDX, PNG and JPEG paths go through
 * zlib, libpng and libjpeg, fuzzed by their own projects; their wrappers'
 * bounds are covered by the unit tests).  Built only with clang; meson
 * runs it for a bounded number of inputs as a test, and
 *     build/tests/ml/fuzz_ml CORPUS_DIR
 * fuzzes for as long as you like. */
#include <stddef.h>
#include <stdint.h>

#include "hecate/ml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hec_ml_model *m = NULL;
	if (hec_ml_model_deserialize(&m, data, size) == HEC_OK) {
		/* A model that parses must also run. */
		float in[784] = {0}, out[4096];
		if (hec_ml_model_output_count(m) <= 4096)
			(void)hec_ml_model_forward(m, out, in);
		hec_ml_model_free(m);
	}
	hec_ml_image_t img;
	hec_ml_image_init(&img);
	if (hec_ml_image_decode_pgm(&img, data, size) == HEC_OK) {
		float px[784];
		(void)hec_ml_image_resample(px, 28, 28, &img, 0);
	}
	hec_ml_image_clear(&img);
	return 0;
}
