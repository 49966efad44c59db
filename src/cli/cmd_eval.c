/* `hecate eval`: test-set accuracy and confusion matrix of a model file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ml_util.h"

static const char usage_text[] =
    "usage: hecate eval MODEL.hcm [--dataset mnist|fashion-mnist] [--data DIR] [--json]\n"
    "                   [--threads T]\n"
    "\n"
    "Evaluate a model in plain floating point on the test split of its data set\n"
    "(recorded in the model; --dataset overrides it) and print the accuracy and\n"
    "the confusion matrix (rows: true class, columns: predicted).  A binary model\n"
    "(logistic regression) is evaluated on the test images of its two classes.\n"
    "--json prints one JSON object instead, with `accuracy` as a fraction.\n";

int hec_cmd_eval(int argc, char **argv)
{
	const char *cmd = "eval", *path = NULL, *dataset = NULL, *data = NULL, *v;
	int json = 0;
	unsigned long long threads = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--dataset", &v))) {
			if (r < 0) return 2;
			dataset = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--data", &v))) {
			if (r < 0) return 2;
			data = v;
		} else if ((r = cli_opt(cmd, argc, argv, &i, "--threads", &v))) {
			if (r < 0 || cli_uint(cmd, "--threads", v, 1, 1024, &threads)) return 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hecate %s: unknown option '%s'; see `hecate eval --help`\n", cmd, argv[i]);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "hecate %s: unexpected argument '%s'\n", cmd, argv[i]);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "hecate %s: missing MODEL.hcm; see `hecate eval --help`\n", cmd);
		return 2;
	}
	cli_set_threads((unsigned)threads);
	hec_ml_model *m;
	hec_status s = hec_ml_model_load(&m, path);
	if (s)
		return cli_fail(cmd, s);
	if (!dataset)
		dataset = hec_ml_model_dataset(m);
	hec_ml_dataset *d;
	s = hec_ml_dataset_load(&d, dataset, HEC_ML_TEST, data);
	if (s) {
		hec_ml_model_free(m);
		return cli_fail(cmd, s);
	}
	size_t k = hec_ml_model_class_count(m), correct, total;
	uint64_t *conf = calloc(k * k, sizeof *conf);
	double t0 = cli_now();
	s = conf ? hec_ml_model_evaluate(m, d, &correct, &total, conf) : HEC_ERR_NOMEM;
	double secs = cli_now() - t0;
	int rc = 0;
	if (s) {
		rc = cli_fail(cmd, s);
	} else if (total == 0) {
		fprintf(stderr, "hecate %s: the test set has no image of the model's classes\n", cmd);
		rc = 1;
	} else {
		double acc = (double)correct / (double)total;
		if (json) {
			printf("{\"model\":\"%s\",\"dataset\":\"%s\",\"split\":\"test\",\"images\":%zu,"
			       "\"correct\":%zu,\"accuracy\":%.6f,\"classes\":[",
			       path, dataset, total, correct, acc);
			for (size_t i = 0; i < k; i++)
				printf("%s%u", i ? "," : "", hec_ml_model_class_label(m, i));
			printf("],\"confusion\":[");
			for (size_t i = 0; i < k; i++) {
				printf("%s[", i ? "," : "");
				for (size_t j = 0; j < k; j++)
					printf("%s%llu", j ? "," : "", (unsigned long long)conf[i * k + j]);
				printf("]");
			}
			printf("],\"seconds\":%.3f}\n", secs);
		} else {
			printf("model:     %s\n", path);
			printf("data set:  %s (test split, %zu images)\n", dataset, total);
			printf("accuracy:  %.2f%% (%zu / %zu)\n\n", 100 * acc, correct, total);
			printf("confusion matrix (rows: true, columns: predicted)\n%12s", "");
			for (size_t j = 0; j < k; j++)
				printf(" %6u", hec_ml_model_class_label(m, j));
			printf("\n");
			for (size_t i = 0; i < k; i++) {
				printf("%-12.12s", cli_class_name(dataset, hec_ml_model_class_label(m, i)));
				for (size_t j = 0; j < k; j++)
					printf(" %6llu", (unsigned long long)conf[i * k + j]);
				printf("\n");
			}
		}
	}
	free(conf);
	hec_ml_dataset_free(d);
	hec_ml_model_free(m);
	return rc;
}
