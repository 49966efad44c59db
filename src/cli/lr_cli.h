/* Helpers of the encrypted logistic-regression commands (encrypt-dataset,
 * train-encrypted, decrypt-model).  Their key files are those of `hecate
 * keygen` (enc_util.h): DIR/secret.key = [parameters][secret key] and
 * DIR/eval.keys = [parameters][public key][evaluation keys]. */
#ifndef HECATE_CLI_LR_CLI_H
#define HECATE_CLI_LR_CLI_H

#include <stdint.h>

#include "hecate/hecate.h"

/* Parse a task name ("mnist-3v8", "fashion-tshirt-shirt"); prints an error
 * naming the known tasks and returns -1 if it is none. */
int lr_parse_task(const char *cmd, const char *name, hec_ml_lr_task *t);

/* The key identifier (hec_ml_enc_lr_key_id) of the public key in
 * `path` (an eval.keys file or the directory holding it), reading only
 * the parameters and the public key; the parameters must be c's.
 * HEC_ERR_IO when there is no such file. */
hec_status lr_read_key_id(const char *path, const hec_context *c, uint64_t *id);

/* Size of the file at path in bytes (0 if it cannot be read). */
uint64_t lr_file_size(const char *path);

#endif
