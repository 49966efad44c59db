/* Helpers of the encrypted logistic-regression commands; see lr_cli.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "enc_util.h"
#include "lr_cli.h"

int lr_parse_task(const char *cmd, const char *name, hec_ml_lr_task *t)
{
	if (!strcmp(name, "mnist-3v8"))
		*t = HEC_ML_LR_MNIST_3V8;
	else if (!strcmp(name, "fashion-tshirt-shirt"))
		*t = HEC_ML_LR_FASHION_TSHIRT_SHIRT;
	else {
		fprintf(stderr, "hecate %s: unknown task '%s' (known: mnist-3v8, fashion-tshirt-shirt)\n", cmd, name);
		return -1;
	}
	return 0;
}

uint64_t lr_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

hec_status lr_read_key_id(const char *path, const hec_context *c, uint64_t *id)
{
	struct stat st;
	size_t n = strlen(path);
	char *file = malloc(n + sizeof CLI_EVAL_KEYS_FILE + 2);
	if (!file)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		sprintf(file, "%s/%s", path, CLI_EVAL_KEYS_FILE);
	else
		memcpy(file, path, n + 1);
	FILE *f = fopen(file, "rb");
	hec_status s = HEC_OK;
	if (!f)
		s = hec_error_set(HEC_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
	uint8_t *buf = NULL;
	size_t len = 0;
	hec_header_t h;
	/* The parameters: the same as the secret key's. */
	if (s == HEC_OK)
		s = hec_object_read(f, &buf, &len, 1u << 20);
	if (s == HEC_OK)
		s = hec_object_check(&h, buf, len);
	if (s == HEC_OK && (h.type != HEC_OBJ_PARAMS || h.fingerprint != hec_context_fingerprint(c)))
		s = hec_error_set(HEC_ERR_MISMATCH, "%s does not start with the parameters of the secret key", file);
	free(buf);
	buf = NULL;
	hec_public_key *pk = NULL;
	if (s == HEC_OK)
		s = hec_object_read(f, &buf, &len, hec_context_max_payload(c));
	if (s == HEC_OK)
		s = hec_public_key_deserialize(&pk, c, buf, len);
	free(buf);
	if (s == HEC_OK)
		s = hec_ml_enc_lr_key_id(id, pk);
	hec_public_key_free(pk);
	if (f)
		fclose(f);
	free(file);
	return s;
}
