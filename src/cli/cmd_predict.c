/* `hecate predict`: classify one image in plain floating point (the
 * reference the encrypted path is compared with). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate predict MODEL.hcm IMAGE [--invert] [--json]\n"
    "\n"
    "Classify IMAGE (PNG, JPEG or PGM, any size) with MODEL in plain floating point.\n"
    "The image is converted to grayscale and area-resampled to 28x28.  Models expect\n"
    "the MNIST convention: a light digit or garment on a dark background.  Use\n"
    "--invert for dark ink on white paper.  Prints the predicted label and the\n"
    "model's output scores.\n";

int hec_cmd_predict(int argc, char **argv)
{
	const char *cmd = "predict", *mpath = NULL, *ipath = NULL;
	int invert = 0, json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--invert"))
			invert = 1;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hecate %s: unknown option '%s'; see `hecate predict --help`\n", cmd,
			        argv[i]);
			return 2;
		} else if (!mpath)
			mpath = argv[i];
		else if (!ipath)
			ipath = argv[i];
		else {
			fprintf(stderr, "hecate %s: unexpected argument '%s'\n", cmd, argv[i]);
			return 2;
		}
	}
	if (!mpath || !ipath) {
		fprintf(stderr, "hecate %s: need MODEL.hcm and IMAGE; see `hecate predict --help`\n", cmd);
		return 2;
	}
	hec_ml_model *m;
	hec_status s = hec_ml_model_load(&m, mpath);
	if (s)
		return cli_fail(cmd, s);
	hec_ml_image_t img;
	hec_ml_image_init(&img);
	float px[784], scores[64];
	unsigned label = 0;
	s = hec_ml_image_load(&img, ipath);
	if (!s)
		s = hec_ml_image_resample(px, 28, 28, &img, invert);
	if (!s && hec_ml_model_output_count(m) > 64)
		s = hec_error_set(HEC_ERR_UNSUPPORTED, "model has more than 64 outputs");
	if (!s)
		s = hec_ml_model_predict(m, &label, scores, px);
	hec_ml_image_clear(&img);
	if (s) {
		hec_ml_model_free(m);
		return cli_fail(cmd, s);
	}
	const char *ds = hec_ml_model_dataset(m);
	size_t no = hec_ml_model_output_count(m);
	if (json) {
		printf("{\"image\":\"%s\",\"label\":%u,\"name\":\"%s\",\"scores\":[", ipath, label,
		       cli_class_name(ds, label));
		for (size_t i = 0; i < no; i++)
			printf("%s%.6g", i ? "," : "", (double)scores[i]);
		printf("]}\n");
	} else {
		printf("%s: %u (%s)\n", ipath, label, cli_class_name(ds, label));
		if (hec_ml_model_task(m) == HEC_ML_BINARY) {
			printf("  logit %.4f: class %u if > 0, else %u\n", (double)scores[0],
			       hec_ml_model_class_label(m, 1), hec_ml_model_class_label(m, 0));
		} else {
			for (size_t i = 0; i < no && i < hec_ml_model_class_count(m); i++)
				printf("  %-12s %9.4f\n", cli_class_name(ds, hec_ml_model_class_label(m, i)),
				       (double)scores[i]);
		}
	}
	hec_ml_model_free(m);
	return 0;
}
