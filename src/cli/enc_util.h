/* Files of the encrypted-classification commands (keygen, encrypt,
 * classify, decrypt) and helpers they share.
 *
 * The files, all built from the serialization family of DESIGN.md:
 *
 *   DIR/secret.key  client only, mode 0600, never overwritten:
 *                   [parameters][secret key]
 *   DIR/eval.keys   for the server: [parameters][public key][evaluation
 *                   keys: relinearisation + exactly the plan's rotations]
 *   x.ct            encrypted images: [inputs header][ciphertext] x (groups
 *                   x ciphertexts per group), group-major
 *   y.ct            encrypted scores: [scores header][ciphertext] x groups
 *
 * A group is one image in the latency layout (the plan's ciphertexts per
 * image; one score ciphertext), or one batch of up to N/2 images, one per
 * slot, in the batch layout (one ciphertext per input pixel or per score).
 * The keys decide the layout: `keygen --layout batch` makes parameters for
 * the batch chain (hec_ml_enc_batch_params), and encrypt follows them.
 *
 * The two ciphertext files start with a small header object in the model
 * file's framing (40-byte "HECATE\r\n" header, types "EIMG" and "ESCR",
 * CRC-32 of header and payload), whose fingerprint field holds the
 * parameters' fingerprint.  Its payload (little-endian) names what the
 * ciphertexts mean, so a reader can refuse a file for another model or a
 * file cut at an object boundary before decrypting garbage:
 *
 *   u32 layout (1 latency, 2 batch)  u32 images  u32 ciphertexts per group
 *   u64 model id (FNV-1a 64 of the model's serialization)
 *   u32 classes  u32 class label[16]  char data set[32] (NUL padded)
 *   layout 2 only: u32 images per batch
 *
 * Nothing in x.ct or y.ct is secret beyond the ciphertexts: the model id,
 * the image count and the class labels are what the server knows anyway.
 * True labels of data-set images stay on the client (`encrypt --labels`). */
#ifndef HECATE_CLI_ENC_UTIL_H
#define HECATE_CLI_ENC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hecate/hecate.h"

#define CLI_SECRET_KEY_FILE "secret.key"
#define CLI_EVAL_KEYS_FILE  "eval.keys"

/* Header object types, as the little-endian u32 of their 4-letter tag. */
#define CLI_OBJ_INPUTS 0x474d4945u /* "EIMG" */
#define CLI_OBJ_SCORES 0x52435345u /* "ESCR" */

/* Largest image count of one ciphertext file. */
#define CLI_MAX_IMAGES 100000u

enum cli_layout { CLI_LAYOUT_LATENCY = 1, CLI_LAYOUT_BATCH = 2 };

struct cli_enc_meta {
	uint32_t type;        /* CLI_OBJ_INPUTS or CLI_OBJ_SCORES */
	uint64_t fingerprint; /* of the parameters */
	uint64_t model_id;
	uint32_t layout; /* enum cli_layout */
	uint32_t batch;  /* batch layout: images per batch (the last may hold fewer) */
	uint32_t images, cts_per_group;
	uint32_t n_classes;
	unsigned labels[HEC_ML_MAX_CLASSES];
	char dataset[HEC_ML_DATASET_NAME_MAX];
};

/* FNV-1a 64 of the model's serialization: names a model in ciphertext
 * files (an identifier, not an authenticator). */
hec_status cli_model_id(uint64_t *id, const hec_ml_model *m);

/* Groups in the file: images (latency layout) or batches. */
uint32_t cli_meta_groups(const struct cli_enc_meta *meta);
/* "image" or "batch". */
const char *cli_meta_group_name(const struct cli_enc_meta *meta);

/* The parameters of `layout` for a plan. */
hec_status cli_layout_params(const hec_ml_enc_plan *p, enum cli_layout layout, hec_params_t *out);
/* The layout whose parameters `have` are (keys of `hecate keygen --model
 * M [--layout batch]`); 0 if neither. */
enum cli_layout cli_layout_of(const hec_ml_enc_plan *p, const hec_params_t *have);

/* Fill meta's model fields (id, classes, data set) from a model. */
hec_status cli_meta_from_model(struct cli_enc_meta *meta, const hec_ml_model *m);

/* Write / read a ciphertext file's header object.  read checks the magic,
 * the CRCs, the type (`want`, or either when 0), every count, and prints
 * nothing: errors are hec_status with the detail set. */
hec_status cli_meta_write(FILE *f, const struct cli_enc_meta *meta);
hec_status cli_meta_read(FILE *f, struct cli_enc_meta *meta, uint32_t want);
/* Describe a header object (for `hecate info`). */
void cli_meta_describe(const struct cli_enc_meta *meta, FILE *out);
/* `hecate info` for a ciphertext file: the header, then every ciphertext
 * object checked (framing, checksum, parameters) and summarised.  Returns
 * an exit status. */
int cli_info_enc(const char *path);

/* Read the client's key file: `path` is a directory holding secret.key or
 * the file itself.  Rebuilds the context from the parameters object.
 * Errors name the file and what was found instead ("this is the server's
 * eval.keys"). */
hec_status cli_load_secret(const char *path, hec_context **c, hec_secret_key **sk);
/* Read eval.keys (a file, or a directory holding it).  pk or ek may be NULL
 * when not wanted. */
hec_status cli_load_eval(const char *path, hec_context **c, hec_public_key **pk, hec_eval_keys **ek,
                         size_t *file_bytes);

/* The parameter fingerprint eval.keys (a file or its directory) is for,
 * from its first object alone: a cheap check before loading the keys. */
hec_status cli_eval_fingerprint(const char *path, uint64_t *fp);
/* Check every ciphertext object after a ciphertext file's header: framing,
 * checksum, type, the header's fingerprint, the count, nothing after.
 * Leaves f where it was.  Cheap next to deserializing (no context). */
hec_status cli_check_cts(FILE *f, const struct cli_enc_meta *meta, const char *path);

/* Read one ciphertext object from f into ct (created on the right
 * context), naming `what` in errors. */
hec_status cli_read_ct(FILE *f, hec_ciphertext *ct, const char *what);
/* Read n ciphertext objects from f into cts (each created on the right
 * context): the bytes in order, the deserialization on all threads.
 * Errors name "WHAT, ciphertext K" (the first failing one). */
hec_status cli_read_cts(FILE *f, hec_ciphertext *const *cts, size_t n, const char *what);
/* Serialize n ciphertexts (on all threads) and append them to f in order;
 * adds the bytes written to *bytes (may be NULL). */
hec_status cli_write_cts(FILE *f, hec_ciphertext *const *cts, size_t n, size_t *bytes);
/* Fail unless f is at its end (trailing data after the last object). */
hec_status cli_expect_eof(FILE *f, const char *path);

/* Atomic output: written to a temporary file in the target's directory,
 * flushed and synced, then renamed over the target (or, with `exclusive`,
 * linked to it, which fails if the target exists: a secret key is never
 * overwritten).  On any error the target is untouched and the temporary
 * file removed. */
struct cli_out {
	char *path, *tmp;
	FILE *f;
};
int cli_out_open(const char *cmd, struct cli_out *o, const char *path, unsigned mode);
int cli_out_commit(const char *cmd, struct cli_out *o, bool exclusive);
void cli_out_abort(struct cli_out *o);

/* "12.3 MB", "456 kB", "789 bytes". */
const char *cli_bytes_str(char *buf, size_t len, uint64_t bytes);

/* Parse "I" or "I..J" (inclusive) into [*lo, *hi]. */
int cli_range(const char *cmd, const char *opt, const char *s, size_t *lo, size_t *hi);

/* Build the plan of a model, printing the reason when it cannot be
 * evaluated encrypted.  Returns 0 or 1 (error printed). */
int cli_load_model_plan(const char *cmd, const char *path, hec_ml_model **m, hec_ml_enc_plan **p);

/* The plan's rotation steps in a malloc'd array (*steps, *n).  Returns 0,
 * or -1 when out of memory. */
int cli_plan_steps(const hec_ml_enc_plan *p, int64_t **steps, size_t *n);

#endif
