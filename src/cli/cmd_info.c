/* `hecate info`: what a Hecate file holds.  Dispatches on the object type
 * of the common header (DESIGN.md, Serialization), so each new kind of file
 * adds one entry to `kinds`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "enc_util.h"
#include "info_scheme.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate info FILE\n"
    "\n"
    "Print what a Hecate file holds: the common header (format version, object\n"
    "type, payload size and checksum), then a description of the object.  Model\n"
    "files (.hcm) list the data set, input normalisation, classes, every layer\n"
    "with its shape and parameter count, the activation polynomials and the\n"
    "multiplicative depth of a CKKS evaluation.\n";

static const char *kind_name(hec_ml_layer_kind k)
{
	switch (k) {
	case HEC_ML_CONV: return "conv";
	case HEC_ML_DENSE: return "dense";
	case HEC_ML_POLY: return "poly";
	case HEC_ML_AVGPOOL: return "avgpool";
	}
	return "?";
}

static int info_model(const char *path)
{
	hec_ml_model *m;
	hec_status s = hec_ml_model_load(&m, path);
	if (s)
		return cli_fail("info", s);
	hec_ml_input_t in = hec_ml_model_input(m);
	const char *ds = hec_ml_model_dataset(m);
	printf("object:    model\n");
	printf("data set:  %s\n", ds);
	printf("task:      %s\n", hec_ml_model_task(m) == HEC_ML_BINARY ? "binary (logistic)"
	                                                                 : "multiclass (arg-max)");
	printf("classes:  ");
	for (size_t i = 0; i < hec_ml_model_class_count(m); i++)
		printf(" %u=%s", hec_ml_model_class_label(m, i), cli_class_name(ds, hec_ml_model_class_label(m, i)));
	printf("\ninput:     28x28 pixels in [0,1]%s, x = (p - %.4f) / %.4f\n",
	       in.pool == 2 ? ", 2x2 average pooled to 14x14" : "", (double)in.mean, (double)in.std);
	size_t total = 0;
	printf("layers:    %zu\n", hec_ml_model_layer_count(m));
	for (size_t i = 0; i < hec_ml_model_layer_count(m); i++) {
		hec_ml_layer_t L;
		hec_ml_model_layer(&L, m, i);
		printf("  %2zu %-8s %zux%zux%zu -> %zux%zux%zu", i, kind_name(L.kind), L.in_c, L.in_h,
		       L.in_w, L.out_c, L.out_h, L.out_w);
		if (L.kind == HEC_ML_CONV)
			printf("  %zux%zu stride %zu pad %zu", L.k, L.k, L.stride, L.pad);
		if (L.kind == HEC_ML_AVGPOOL)
			printf("  %zux%zu", L.k, L.k);
		if (L.n_weights) {
			printf("  %zu params", L.n_weights + L.out_c);
			total += L.n_weights + L.out_c;
		}
		if (L.kind == HEC_ML_POLY) {
			printf("  y =");
			for (size_t j = 0; j < L.n_coeffs; j++) {
				if (j == 0)
					printf(" %.8g", L.coeffs[0]);
				else if (j == 1)
					printf(" %+.8g*x", L.coeffs[1]);
				else
					printf(" %+.8g*x^%zu", L.coeffs[j], j);
			}
		}
		printf("\n");
	}
	printf("params:    %zu (float32)\n", total);
	printf("depth:     %u multiplicative levels (CKKS, straightforward evaluation)\n",
	       hec_ml_model_mult_depth(m));
	if (*hec_ml_model_note(m))
		printf("note:      %s\n", hec_ml_model_note(m));
	hec_ml_model_free(m);
	return 0;
}

struct kind {
	uint32_t type;
	const char *name;
	int (*info)(const char *path);
};

static const struct kind kinds[] = {
	{HEC_OBJ_MODEL, "model", info_model},
	{CLI_OBJ_INPUTS, "encrypted images", cli_info_enc},
	{CLI_OBJ_SCORES, "encrypted scores", cli_info_enc},
};

int hec_cmd_info(int argc, char **argv)
{
	const char *cmd = "info";
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc != 2 || (argv[1][0] == '-' && argv[1][1])) {
		fprintf(stderr, "hecate %s: need exactly one FILE; see `hecate info --help`\n", cmd);
		return 2;
	}
	const char *path = argv[1];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "hecate %s: %s: cannot open: %s\n", cmd, path, strerror(errno));
		return 1;
	}
	/* Room for either header: scheme objects' is the longer one. */
	uint8_t head[HEC_HEADER_BYTES > HEC_FILE_HEADER_SIZE ? HEC_HEADER_BYTES : HEC_FILE_HEADER_SIZE];
	size_t got = fread(head, 1, sizeof head, f);
	hec_header_t sh;
	if (hec_header_parse(&sh, head, got) == HEC_OK) {
		/* A scheme object (parameters, keys, ciphertexts). */
		rewind(f);
		printf("file:      %s\n", path);
		int rc = cli_info_scheme(path, f);
		fclose(f);
		return rc;
	}
	fclose(f);
	hec_file_header_t h;
	hec_status s = hec_file_header_parse(&h, head, got);
	if (s) {
		fprintf(stderr, "hecate %s: %s: %s\n", cmd, path, hec_error_detail());
		return 1;
	}
	const struct kind *k = NULL;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].type == h.type)
			k = &kinds[i];
	char tag[5];
	for (int i = 0; i < 4; i++) {
		char c = (char)(h.type >> (8 * i));
		tag[i] = c >= 32 && c < 127 ? c : '?';
	}
	tag[4] = 0;
	printf("file:      %s\n", path);
	printf("format:    Hecate version %u, object type 0x%08x \"%s\" (%s)\n", h.version, h.type, tag,
	       k ? k->name : "unknown to this build");
	printf("payload:   %llu bytes, CRC-32 %08x\n", (unsigned long long)h.payload_len, h.payload_crc);
	if (h.fingerprint)
		printf("params:    fingerprint %016llx\n", (unsigned long long)h.fingerprint);
	if (!k)
		return 1;
	return k->info(path);
}
