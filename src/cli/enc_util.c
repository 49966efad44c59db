/* Files of the encrypted-classification commands; see enc_util.h. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "enc_util.h"
#include "ml_util.h"

#define META_PAYLOAD      (4 + 4 + 4 + 8 + 4 + 4 * HEC_ML_MAX_CLASSES + HEC_ML_DATASET_NAME_MAX)
#define MAX_CTS_PER_IMAGE 1024u
#define MAX_BATCH         65536u /* N / 2 at N = 2^17 */

/* Prefix the current error detail: "<prefix>: <detail>".  The detail is
 * copied first, since it lives in the buffer hec_error_set writes. */
static hec_status wrap(hec_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static hec_status wrap(hec_status s, const char *fmt, ...)
{
	char prefix[512], detail[768];
	snprintf(detail, sizeof detail, "%s", *hec_error_detail() ? hec_error_detail() : hec_status_str(s));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	return hec_error_set(s, "%s: %s", prefix, detail);
}

hec_status cli_model_id(uint64_t *id, const hec_ml_model *m)
{
	uint8_t *buf;
	size_t len;
	hec_status s = hec_ml_model_serialize(&buf, &len, m);
	if (s != HEC_OK)
		return s;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < len; i++) {
		h ^= buf[i];
		h *= UINT64_C(0x100000001b3);
	}
	free(buf);
	*id = h;
	return HEC_OK;
}

hec_status cli_meta_from_model(struct cli_enc_meta *meta, const hec_ml_model *m)
{
	hec_status s = cli_model_id(&meta->model_id, m);
	if (s != HEC_OK)
		return s;
	size_t k = hec_ml_model_output_count(m);
	if (k > HEC_ML_MAX_CLASSES || k != hec_ml_model_class_count(m))
		return hec_error_set(HEC_ERR_UNSUPPORTED,
		                     "the model has %zu outputs for %zu classes; the encrypted "
		                     "classifier needs one score per class",
		                     k, hec_ml_model_class_count(m));
	meta->n_classes = (uint32_t)k;
	for (size_t i = 0; i < k; i++)
		meta->labels[i] = hec_ml_model_class_label(m, i);
	memset(meta->dataset, 0, sizeof meta->dataset);
	snprintf(meta->dataset, sizeof meta->dataset, "%s", hec_ml_model_dataset(m));
	return HEC_OK;
}

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

hec_status cli_meta_write(FILE *f, const struct cli_enc_meta *meta)
{
	uint8_t b[HEC_FILE_HEADER_SIZE + META_PAYLOAD + 4] = {0}, *p = b + HEC_FILE_HEADER_SIZE;
	memcpy(b, HEC_FILE_MAGIC, 8);
	put(b + 8, 1, 2);
	put(b + 10, HEC_FILE_HEADER_SIZE, 2);
	put(b + 12, meta->type, 4);
	put(b + 16, meta->fingerprint, 8);
	const size_t len = META_PAYLOAD + (meta->layout == CLI_LAYOUT_BATCH ? 4 : 0);
	put(b + 24, len, 8);
	put(p, meta->layout, 4);
	put(p + 4, meta->images, 4);
	put(p + 8, meta->cts_per_group, 4);
	put(p + 12, meta->model_id, 8);
	put(p + 20, meta->n_classes, 4);
	for (int i = 0; i < HEC_ML_MAX_CLASSES; i++)
		put(p + 24 + 4 * i, meta->labels[i], 4);
	memcpy(p + 24 + 4 * HEC_ML_MAX_CLASSES, meta->dataset, HEC_ML_DATASET_NAME_MAX);
	if (meta->layout == CLI_LAYOUT_BATCH)
		put(p + META_PAYLOAD, meta->batch, 4);
	put(b + 32, crc32(0L, p, len), 4);
	put(b + 36, crc32(0L, b, 36), 4);
	if (fwrite(b, 1, HEC_FILE_HEADER_SIZE + len, f) != HEC_FILE_HEADER_SIZE + len)
		return hec_error_set(HEC_ERR_IO, "write error: %s", strerror(errno));
	return HEC_OK;
}

static const char *meta_kind(uint32_t type)
{
	return type == CLI_OBJ_INPUTS   ? "encrypted images (hecate encrypt)"
	       : type == CLI_OBJ_SCORES ? "encrypted scores (hecate classify)"
	                                : "unknown";
}

hec_status cli_meta_read(FILE *f, struct cli_enc_meta *meta, uint32_t want)
{
	uint8_t b[HEC_FILE_HEADER_SIZE + META_PAYLOAD + 4];
	size_t got = fread(b, 1, HEC_FILE_HEADER_SIZE, f);
	if (got >= 10 && !memcmp(b, "HECATE", 6) && get(b + 6, 2) == HEC_FORMAT_VERSION)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "this file starts with a %s object, not with the header of %s",
		                     hec_object_type_name((uint16_t)get(b + 8, 2)),
		                     want ? meta_kind(want) : "a ciphertext file");
	hec_file_header_t h;
	hec_status s = hec_file_header_parse(&h, b, got);
	if (s != HEC_OK)
		return wrap(s, "not a Hecate ciphertext file");
	if (h.type != CLI_OBJ_INPUTS && h.type != CLI_OBJ_SCORES)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "this Hecate file (object type 0x%08x) holds neither encrypted "
		                     "images nor encrypted scores",
		                     h.type);
	if (want && h.type != want)
		return hec_error_set(HEC_ERR_FORMAT, "this file holds %s; expected %s", meta_kind(h.type),
		                     meta_kind(want));
	if (h.payload_len != META_PAYLOAD && h.payload_len != META_PAYLOAD + 4)
		return hec_error_set(HEC_ERR_FORMAT, "header payload of %llu bytes, expected %d or %d",
		                     (unsigned long long)h.payload_len, META_PAYLOAD, META_PAYLOAD + 4);
	const uint8_t *p = b + HEC_FILE_HEADER_SIZE;
	const size_t len = (size_t)h.payload_len;
	if (fread(b + HEC_FILE_HEADER_SIZE, 1, len, f) != len)
		return hec_error_set(HEC_ERR_FORMAT, "truncated header");
	if (crc32(0L, p, (uInt)len) != h.payload_crc)
		return hec_error_set(HEC_ERR_CHECKSUM, "header checksum mismatch: the file is corrupt");
	meta->layout = (uint32_t)get(p, 4);
	if (meta->layout != CLI_LAYOUT_LATENCY && meta->layout != CLI_LAYOUT_BATCH)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "layout %u is not supported (1: latency, 2: batch)",
		                     meta->layout);
	if (len != META_PAYLOAD + (meta->layout == CLI_LAYOUT_BATCH ? 4 : 0))
		return hec_error_set(HEC_ERR_FORMAT, "header payload of %zu bytes for layout %u", len,
		                     meta->layout);
	meta->batch = meta->layout == CLI_LAYOUT_BATCH ? (uint32_t)get(p + META_PAYLOAD, 4) : 0;
	if (meta->layout == CLI_LAYOUT_BATCH && (meta->batch < 1 || meta->batch > MAX_BATCH))
		return hec_error_set(HEC_ERR_FORMAT, "%u images per batch is out of range (1..%u)",
		                     meta->batch, MAX_BATCH);
	meta->type = h.type;
	meta->fingerprint = h.fingerprint;
	meta->images = (uint32_t)get(p + 4, 4);
	meta->cts_per_group = (uint32_t)get(p + 8, 4);
	meta->model_id = get(p + 12, 8);
	meta->n_classes = (uint32_t)get(p + 20, 4);
	if (meta->images < 1 || meta->images > CLI_MAX_IMAGES || meta->cts_per_group < 1 ||
	    meta->cts_per_group > MAX_CTS_PER_IMAGE || meta->n_classes < 1 ||
	    meta->n_classes > HEC_ML_MAX_CLASSES)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "header counts out of range (%u images, %u ciphertexts each, %u "
		                     "classes)",
		                     meta->images, meta->cts_per_group, meta->n_classes);
	for (int i = 0; i < HEC_ML_MAX_CLASSES; i++) {
		meta->labels[i] = (unsigned)get(p + 24 + 4 * i, 4);
		if (meta->labels[i] > 255)
			return hec_error_set(HEC_ERR_FORMAT, "class label %u out of range", meta->labels[i]);
	}
	memcpy(meta->dataset, p + 24 + 4 * HEC_ML_MAX_CLASSES, HEC_ML_DATASET_NAME_MAX);
	if (meta->dataset[HEC_ML_DATASET_NAME_MAX - 1] != 0)
		return hec_error_set(HEC_ERR_FORMAT, "data set name is not terminated");
	return HEC_OK;
}

uint32_t cli_meta_groups(const struct cli_enc_meta *meta)
{
	return meta->layout == CLI_LAYOUT_BATCH ? (meta->images + meta->batch - 1) / meta->batch
	                                        : meta->images;
}

const char *cli_meta_group_name(const struct cli_enc_meta *meta)
{
	return meta->layout == CLI_LAYOUT_BATCH ? "batch" : "image";
}

void cli_meta_describe(const struct cli_enc_meta *meta, FILE *out)
{
	fprintf(out, "contents:  %s\n", meta_kind(meta->type));
	if (meta->layout == CLI_LAYOUT_BATCH)
		fprintf(out,
		        "images:    %u, one per slot (batch layout): %u batch%s of up to %u, %u ciphertext%s "
		        "each\n",
		        meta->images, cli_meta_groups(meta), cli_meta_groups(meta) == 1 ? "" : "es",
		        meta->batch, meta->cts_per_group, meta->cts_per_group == 1 ? "" : "s");
	else
		fprintf(out, "images:    %u, %u ciphertext%s each\n", meta->images, meta->cts_per_group,
		        meta->cts_per_group == 1 ? "" : "s");
	fprintf(out, "model:     id %016llx, data set %s, classes", (unsigned long long)meta->model_id,
	        meta->dataset);
	for (uint32_t i = 0; i < meta->n_classes; i++)
		fprintf(out, " %u", meta->labels[i]);
	fprintf(out, "\n");
}

/* path itself, or path/name when path is a directory (malloc'd). */
static char *resolve(const char *path, const char *name)
{
	struct stat st;
	size_t n = strlen(path);
	bool dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	char *r = malloc(n + strlen(name) + 2);
	if (r) {
		if (dir)
			sprintf(r, "%s%s%s", path, n && path[n - 1] == '/' ? "" : "/", name);
		else
			memcpy(r, path, n + 1);
	}
	return r;
}

/* Read the next object, which must be of type `type`; describe what was
 * found instead in terms of the files the user knows. */
static hec_status read_typed(FILE *f, const char *path, uint16_t type, uint64_t max_payload, uint8_t **buf,
                             size_t *len, const char *role)
{
	hec_status s = hec_object_read(f, buf, len, max_payload);
	if (s != HEC_OK)
		return wrap(s, "%s: reading the %s", path, hec_object_type_name(type));
	hec_header_t h;
	s = hec_header_parse(&h, *buf, *len);
	if (s == HEC_OK && h.type != type) {
		const char *hint = h.type == HEC_OBJ_SECRET_KEY   ? "the client's secret.key"
		                   : h.type == HEC_OBJ_PUBLIC_KEY ? "the server's eval.keys"
		                   : h.type == HEC_OBJ_CIPHERTEXT ? "a ciphertext file"
		                                                  : "another kind of file";
		s = hec_error_set(HEC_ERR_FORMAT,
		                  "%s: expected the %s, found a %s: this looks like %s, not %s", path,
		                  hec_object_type_name(type), hec_object_type_name(h.type), hint, role);
		free(*buf);
		*buf = NULL;
	}
	return s;
}

static hec_status read_params(FILE *f, const char *path, hec_context **c, const char *role)
{
	uint8_t *buf;
	size_t len;
	hec_status s = read_typed(f, path, HEC_OBJ_PARAMS, 1u << 20, &buf, &len, role);
	if (s != HEC_OK)
		return s;
	s = hec_params_deserialize(c, buf, len, false);
	free(buf);
	return s == HEC_OK ? s : wrap(s, "%s: parameters", path);
}

hec_status cli_expect_eof(FILE *f, const char *path)
{
	int ch = fgetc(f);
	if (ch != EOF)
		return hec_error_set(HEC_ERR_FORMAT, "%s: unexpected data after the last object", path);
	return ferror(f) ? hec_error_set(HEC_ERR_IO, "%s: read error", path) : HEC_OK;
}

hec_status cli_load_secret(const char *path, hec_context **c, hec_secret_key **sk)
{
	*c = NULL;
	*sk = NULL;
	char *file = resolve(path, CLI_SECRET_KEY_FILE);
	if (!file)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	FILE *f = fopen(file, "rb");
	hec_status s = HEC_OK;
	if (!f)
		s = hec_error_set(HEC_ERR_IO, "%s: cannot open: %s%s", file, strerror(errno),
		                  errno == ENOENT ? " (create keys with `hecate keygen --model M --out DIR`)"
		                                  : "");
	const char *role = "the client's secret.key";
	if (s == HEC_OK)
		s = read_params(f, file, c, role);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (s == HEC_OK)
		s = read_typed(f, file, HEC_OBJ_SECRET_KEY, hec_context_max_payload(*c), &buf, &len, role);
	if (s == HEC_OK) {
		s = hec_secret_key_deserialize(sk, *c, buf, len);
		if (s != HEC_OK)
			s = wrap(s, "%s: secret key", file);
	}
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (s == HEC_OK)
		s = cli_expect_eof(f, file);
	if (f)
		fclose(f);
	free(file);
	if (s != HEC_OK) {
		hec_secret_key_free(*sk);
		hec_context_free(*c);
		*sk = NULL;
		*c = NULL;
	}
	return s;
}

hec_status cli_load_eval(const char *path, hec_context **c, hec_public_key **pk, hec_eval_keys **ek,
                         size_t *file_bytes)
{
	*c = NULL;
	if (pk)
		*pk = NULL;
	if (ek)
		*ek = NULL;
	char *file = resolve(path, CLI_EVAL_KEYS_FILE);
	if (!file)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	FILE *f = fopen(file, "rb");
	hec_status s = HEC_OK;
	if (!f)
		s = hec_error_set(HEC_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
	struct stat st;
	if (s == HEC_OK && file_bytes)
		*file_bytes = fstat(fileno(f), &st) == 0 ? (size_t)st.st_size : 0;
	const char *role = "the server's eval.keys";
	if (s == HEC_OK)
		s = read_params(f, file, c, role);
	uint8_t *buf = NULL;
	size_t len = 0;
	hec_public_key *p = NULL;
	hec_eval_keys *e = NULL;
	if (s == HEC_OK)
		s = read_typed(f, file, HEC_OBJ_PUBLIC_KEY, hec_context_max_payload(*c), &buf, &len, role);
	if (s == HEC_OK && (s = hec_public_key_deserialize(&p, *c, buf, len)) != HEC_OK)
		s = wrap(s, "%s: public key", file);
	free(buf);
	buf = NULL;
	if (s == HEC_OK)
		s = read_typed(f, file, HEC_OBJ_EVAL_KEYS, hec_context_max_payload(*c), &buf, &len, role);
	if (s == HEC_OK && (s = hec_eval_keys_deserialize(&e, *c, buf, len)) != HEC_OK)
		s = wrap(s, "%s: evaluation keys", file);
	free(buf);
	if (s == HEC_OK)
		s = cli_expect_eof(f, file);
	if (f)
		fclose(f);
	free(file);
	if (s == HEC_OK && pk) {
		*pk = p;
		p = NULL;
	}
	if (s == HEC_OK && ek) {
		*ek = e;
		e = NULL;
	}
	hec_public_key_free(p);
	hec_eval_keys_free(e);
	if (s != HEC_OK) {
		hec_context_free(*c);
		*c = NULL;
	}
	return s;
}

/* The next object's bytes, for ciphertext `what` (named in errors). */
static hec_status read_ct_bytes(FILE *f, const hec_ciphertext *ct, uint8_t **buf, size_t *len,
                                const char *what)
{
	int ch = fgetc(f);
	if (ch == EOF)
		return hec_error_set(HEC_ERR_FORMAT, "%s is missing: the file is truncated", what);
	ungetc(ch, f);
	hec_status s = hec_object_read(f, buf, len, hec_context_max_payload(hec_ciphertext_context(ct)));
	return s == HEC_OK ? s : wrap(s, "%s", what);
}

/* Deserialize ciphertext `what`, naming it in errors. */
static hec_status deserialize_ct(hec_ciphertext *ct, const uint8_t *buf, size_t len, const char *what)
{
	hec_status s = hec_ciphertext_deserialize(ct, buf, len);
	if (s == HEC_ERR_MISMATCH)
		return wrap(
		    s, "%s was encrypted for other parameters (keys of another model or another keygen run)",
		    what);
	return s == HEC_OK ? s : wrap(s, "%s", what);
}

hec_status cli_read_ct(FILE *f, hec_ciphertext *ct, const char *what)
{
	uint8_t *buf;
	size_t len;
	hec_status s = read_ct_bytes(f, ct, &buf, &len, what);
	if (s != HEC_OK)
		return s;
	s = deserialize_ct(ct, buf, len, what);
	free(buf);
	return s;
}

/* n buffers and lengths, and a status each (all zero), or NULL. */
struct ct_bufs {
	uint8_t **buf;
	size_t *len;
	hec_status *st;
};

static hec_status ct_bufs_new(struct ct_bufs *b, size_t n)
{
	b->buf = calloc(n, sizeof *b->buf);
	b->len = calloc(n, sizeof *b->len);
	b->st = calloc(n, sizeof *b->st);
	return b->buf && b->len && b->st ? HEC_OK : hec_error_set(HEC_ERR_NOMEM, "out of memory");
}

static void ct_bufs_free(struct ct_bufs *b, size_t n)
{
	for (size_t i = 0; b->buf && i < n; i++)
		free(b->buf[i]);
	free(b->buf);
	free(b->len);
	free(b->st);
}

hec_status cli_read_cts(FILE *f, hec_ciphertext *const *cts, size_t n, const char *what)
{
	struct ct_bufs b;
	hec_status s = ct_bufs_new(&b, n);
	/* The objects' bytes in order, then their deserialization (seed
	 * expansion, checks) side by side; the first failure is redone on
	 * this thread for its detail (which is per thread). */
	char name[160];
	for (size_t i = 0; i < n && s == HEC_OK; i++) {
		snprintf(name, sizeof name, "%s, ciphertext %zu", what, i + 1);
		s = read_ct_bytes(f, cts[i], &b.buf[i], &b.len[i], name);
	}
	if (s == HEC_OK) {
#pragma omp parallel for schedule(dynamic, 8)
		for (size_t i = 0; i < n; i++)
			b.st[i] = hec_ciphertext_deserialize(cts[i], b.buf[i], b.len[i]);
		for (size_t i = 0; i < n && s == HEC_OK; i++)
			if (b.st[i] != HEC_OK) {
				snprintf(name, sizeof name, "%s, ciphertext %zu", what, i + 1);
				s = deserialize_ct(cts[i], b.buf[i], b.len[i], name);
			}
	}
	ct_bufs_free(&b, n);
	return s;
}

hec_status cli_write_cts(FILE *f, hec_ciphertext *const *cts, size_t n, size_t *bytes)
{
	struct ct_bufs b;
	hec_status s = ct_bufs_new(&b, n);
	/* Serialized side by side (the first failure redone on this thread
	 * for its detail), written in order. */
	if (s == HEC_OK) {
#pragma omp parallel for schedule(dynamic, 8)
		for (size_t i = 0; i < n; i++)
			b.st[i] = hec_ciphertext_serialize(cts[i], &b.buf[i], &b.len[i]);
		for (size_t i = 0; i < n && s == HEC_OK; i++)
			if (b.st[i] != HEC_OK) {
				free(b.buf[i]);
				b.buf[i] = NULL;
				s = hec_ciphertext_serialize(cts[i], &b.buf[i], &b.len[i]);
			}
	}
	for (size_t i = 0; i < n && s == HEC_OK; i++) {
		s = hec_object_write(f, b.buf[i], b.len[i]);
		if (s == HEC_OK && bytes)
			*bytes += b.len[i];
	}
	ct_bufs_free(&b, n);
	return s;
}

int cli_out_open(const char *cmd, struct cli_out *o, const char *path, unsigned mode)
{
	memset(o, 0, sizeof *o);
	char *c1 = strdup(path), *c2 = strdup(path);
	o->path = strdup(path);
	o->tmp = malloc(strlen(path) + 32);
	if (!c1 || !c2 || !o->path || !o->tmp) {
		fprintf(stderr, "hecate %s: out of memory\n", cmd);
		free(c1);
		free(c2);
		cli_out_abort(o);
		return -1;
	}
	/* A hidden temporary next to the target, so rename is atomic. */
	sprintf(o->tmp, "%s/.%s.tmp.XXXXXX", dirname(c1), basename(c2));
	free(c1);
	free(c2);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		fprintf(stderr, "hecate %s: cannot create %s: %s\n", cmd, path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		cli_out_abort(o);
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || !(o->f = fdopen(fd, "wb"))) {
		fprintf(stderr, "hecate %s: cannot create %s: %s\n", cmd, path, strerror(errno));
		close(fd);
		cli_out_abort(o);
		return -1;
	}
	return 0;
}

void cli_out_abort(struct cli_out *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

int cli_out_commit(const char *cmd, struct cli_out *o, bool exclusive)
{
	int ok = fflush(o->f) == 0 && !ferror(o->f) && fsync(fileno(o->f)) == 0;
	ok = fclose(o->f) == 0 && ok;
	o->f = NULL;
	int err = errno;
	if (ok && exclusive) {
		/* link() never replaces an existing name: the check and the
		 * creation are one step. */
		ok = link(o->tmp, o->path) == 0;
		err = errno;
		if (!ok && err == EEXIST) {
			fprintf(stderr, "hecate %s: %s already exists; refusing to overwrite it\n", cmd,
			        o->path);
			cli_out_abort(o);
			return -1;
		}
		if (ok)
			unlink(o->tmp);
	} else if (ok) {
		ok = rename(o->tmp, o->path) == 0;
		err = errno;
	}
	if (!ok) {
		fprintf(stderr, "hecate %s: writing %s failed: %s\n", cmd, o->path, strerror(err));
		cli_out_abort(o);
		return -1;
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
	return 0;
}

const char *cli_bytes_str(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= 10u << 20)
		snprintf(buf, len, "%.1f MB", (double)bytes / 1048576.0);
	else if (bytes >= 10u << 10)
		snprintf(buf, len, "%.1f kB", (double)bytes / 1024.0);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

int cli_range(const char *cmd, const char *opt, const char *s, size_t *lo, size_t *hi)
{
	char a[32];
	const char *dots = strstr(s, "..");
	unsigned long long x, y;
	if (!dots) {
		if (cli_uint(cmd, opt, s, 0, 99999999, &x))
			return -1;
		*lo = *hi = (size_t)x;
		return 0;
	}
	size_t n = (size_t)(dots - s);
	if (n >= sizeof a) {
		fprintf(stderr, "hecate %s: %s '%s' is not I or I..J\n", cmd, opt, s);
		return -1;
	}
	memcpy(a, s, n);
	a[n] = 0;
	if (cli_uint(cmd, opt, a, 0, 99999999, &x) || cli_uint(cmd, opt, dots + 2, 0, 99999999, &y))
		return -1;
	if (y < x) {
		fprintf(stderr, "hecate %s: %s '%s': the range is empty\n", cmd, opt, s);
		return -1;
	}
	*lo = (size_t)x;
	*hi = (size_t)y;
	return 0;
}

int cli_load_model_plan(const char *cmd, const char *path, hec_ml_model **m, hec_ml_enc_plan **p)
{
	*p = NULL;
	hec_status s = hec_ml_model_load(m, path);
	if (s != HEC_OK) {
		wrap(s, "%s", path);
		return cli_fail(cmd, s);
	}
	s = hec_ml_enc_plan_new(p, *m);
	if (s != HEC_OK) {
		wrap(s, "%s cannot be evaluated encrypted", path);
		hec_ml_model_free(*m);
		*m = NULL;
		return cli_fail(cmd, s);
	}
	return 0;
}

int cli_plan_steps(const hec_ml_enc_plan *p, int64_t **steps, size_t *n)
{
	/* The plan merges duplicates only among the steps that fit, so grow
	 * until the count fits the buffer. */
	size_t cap = 64;
	for (;;) {
		int64_t *b = malloc(cap * sizeof *b);
		if (!b)
			return -1;
		size_t k = hec_ml_enc_plan_steps(p, b, cap);
		if (k <= cap) {
			*steps = b;
			*n = k;
			return 0;
		}
		free(b);
		cap = k;
	}
}

int cli_info_enc(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "hecate info: %s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	struct cli_enc_meta meta;
	hec_status s = cli_meta_read(f, &meta, 0);
	if (s != HEC_OK) {
		fprintf(stderr, "hecate info: %s: %s\n", path, hec_error_detail());
		fclose(f);
		return 1;
	}
	cli_meta_describe(&meta, stdout);
	uint64_t want = (uint64_t)cli_meta_groups(&meta) * meta.cts_per_group, n = 0, bytes = 0;
	int rc = 0;
	for (; n < want; n++) {
		uint8_t *buf;
		size_t len;
		hec_header_t h;
		/* Ciphertexts only, each within the largest at N = 2^17 (a bound
		 * before the parameters are known). */
		s = hec_object_read(f, &buf, &len, UINT64_C(1) << 30);
		if (s == HEC_OK) {
			s = hec_object_check(&h, buf, len);
			if (s == HEC_OK && h.type != HEC_OBJ_CIPHERTEXT)
				s = hec_error_set(HEC_ERR_FORMAT, "a %s object where a ciphertext belongs",
				                  hec_object_type_name(h.type));
			if (s == HEC_OK && h.fingerprint != meta.fingerprint)
				s = hec_error_set(HEC_ERR_MISMATCH, "parameters %016llx, not the header's",
				                  (unsigned long long)h.fingerprint);
			if (s == HEC_OK && n == 0 && len >= HEC_HEADER_BYTES + 20)
				printf("ciphertext: level %llu, %llu polynomials%s, %s each\n",
				       (unsigned long long)get(buf + HEC_HEADER_BYTES, 4),
				       (unsigned long long)get(buf + HEC_HEADER_BYTES + 4, 4),
				       get(buf + HEC_HEADER_BYTES + 16, 4)
				           ? " (seeded: uniform half stored as a seed)"
				           : "",
				       cli_bytes_str((char[32]){0}, 32, len));
			bytes += len;
			free(buf);
		}
		if (s != HEC_OK) {
			fprintf(stderr, "hecate info: %s: ciphertext %llu of %llu: %s\n", path,
			        (unsigned long long)n + 1, (unsigned long long)want, hec_error_detail());
			rc = 1;
			break;
		}
	}
	if (rc == 0 && (s = cli_expect_eof(f, path)) != HEC_OK) {
		fprintf(stderr, "hecate info: %s\n", hec_error_detail());
		rc = 1;
	}
	if (rc == 0)
		printf("checked:   %llu ciphertexts, %s, framing and checksums valid\n",
		       (unsigned long long)n, cli_bytes_str((char[32]){0}, 32, bytes));
	fclose(f);
	return rc;
}

hec_status cli_eval_fingerprint(const char *path, uint64_t *fp)
{
	char *file = resolve(path, CLI_EVAL_KEYS_FILE);
	if (!file)
		return hec_error_set(HEC_ERR_NOMEM, "out of memory");
	FILE *f = fopen(file, "rb");
	hec_status s = HEC_OK;
	uint8_t *buf = NULL;
	size_t len = 0;
	if (!f)
		s = hec_error_set(HEC_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
	if (s == HEC_OK)
		s = read_typed(f, file, HEC_OBJ_PARAMS, 1u << 20, &buf, &len, "the server's eval.keys");
	hec_header_t h;
	if (s == HEC_OK && (s = hec_object_check(&h, buf, len)) != HEC_OK)
		s = wrap(s, "%s: parameters", file);
	if (s == HEC_OK)
		*fp = h.fingerprint;
	free(buf);
	if (f)
		fclose(f);
	free(file);
	return s;
}

hec_status cli_check_cts(FILE *f, const struct cli_enc_meta *meta, const char *path)
{
	long start = ftell(f);
	if (start < 0)
		return hec_error_set(HEC_ERR_IO, "%s: cannot seek: %s", path, strerror(errno));
	hec_status s = HEC_OK;
	uint64_t want = (uint64_t)cli_meta_groups(meta) * meta->cts_per_group;
	for (uint64_t n = 0; n < want && s == HEC_OK; n++) {
		uint64_t img = n / meta->cts_per_group + 1, k = n % meta->cts_per_group + 1;
		int ch = fgetc(f);
		if (ch == EOF) {
			s = hec_error_set(
			    HEC_ERR_FORMAT, "%s: %s %llu, ciphertext %llu is missing: the file is truncated",
			    path, cli_meta_group_name(meta), (unsigned long long)img, (unsigned long long)k);
			break;
		}
		ungetc(ch, f);
		uint8_t *buf;
		size_t len;
		hec_header_t h;
		s = hec_object_read(f, &buf, &len, UINT64_C(1) << 30);
		if (s == HEC_OK) {
			s = hec_object_check(&h, buf, len);
			if (s == HEC_OK && h.type != HEC_OBJ_CIPHERTEXT)
				s = hec_error_set(HEC_ERR_FORMAT, "a %s object where a ciphertext belongs",
				                  hec_object_type_name(h.type));
			if (s == HEC_OK && h.fingerprint != meta->fingerprint)
				s = hec_error_set(
				    HEC_ERR_MISMATCH, "parameters %016llx, not the file header's %016llx",
				    (unsigned long long)h.fingerprint, (unsigned long long)meta->fingerprint);
			free(buf);
		}
		if (s != HEC_OK)
			s = wrap(s, "%s: %s %llu, ciphertext %llu", path, cli_meta_group_name(meta),
			         (unsigned long long)img, (unsigned long long)k);
	}
	if (s == HEC_OK)
		s = cli_expect_eof(f, path);
	if (fseek(f, start, SEEK_SET) != 0 && s == HEC_OK)
		s = hec_error_set(HEC_ERR_IO, "%s: cannot seek: %s", path, strerror(errno));
	return s;
}

hec_status cli_layout_params(const hec_ml_enc_plan *p, enum cli_layout layout, hec_params_t *out)
{
	return layout == CLI_LAYOUT_BATCH ? hec_ml_enc_batch_params(p, HEC_SECURITY_128, out)
	                                  : hec_ml_enc_plan_params(p, out);
}

/* Same parameters (as keygen made them). */
static bool params_match(const hec_params_t *a, const hec_params_t *b)
{
	if (a->log_n != b->log_n || a->nq != b->nq || a->np != b->np || a->dnum != b->dnum ||
	    a->log_scale != b->log_scale)
		return false;
	for (unsigned i = 0; i < a->nq; i++)
		if (a->q_bits[i] != b->q_bits[i])
			return false;
	for (unsigned i = 0; i < a->np; i++)
		if (a->p_bits[i] != b->p_bits[i])
			return false;
	return true;
}

enum cli_layout cli_layout_of(const hec_ml_enc_plan *p, const hec_params_t *have)
{
	static const enum cli_layout all[] = {CLI_LAYOUT_LATENCY, CLI_LAYOUT_BATCH};
	for (size_t i = 0; i < 2; i++) {
		hec_params_t want;
		if (cli_layout_params(p, all[i], &want) == HEC_OK && params_match(have, &want))
			return all[i];
	}
	return 0;
}
