/* Model files (.hcm), in the serialization family of DESIGN.md: a fixed
 * header (magic, version, object type, parameter fingerprint, payload
 * length, payload CRC, header CRC) and a little-endian payload of tagged
 * sections, so later fields — the packing metadata of the encrypted
 * evaluator first — can be appended without a format break.  The reader
 * treats every byte as hostile: sizes are bounded before allocation, and
 * the model is rebuilt through the same checked constructors a program
 * uses, then compared field by field with what the file claims. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ml_internal.h"

#define FORMAT_VERSION 1u
#define SEC_REQUIRED 1u

/* ---- Little-endian writer with a growing buffer. */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void wb_bytes(struct wbuf *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void wb_u8(struct wbuf *b, uint8_t v) { wb_bytes(b, &v, 1); }

static void wb_u16(struct wbuf *b, uint16_t v)
{
	uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	wb_bytes(b, t, 2);
}

static void wb_u32(struct wbuf *b, uint32_t v)
{
	uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	wb_bytes(b, t, 4);
}

static void wb_u64(struct wbuf *b, uint64_t v)
{
	wb_u32(b, (uint32_t)v);
	wb_u32(b, (uint32_t)(v >> 32));
}

static void wb_f32(struct wbuf *b, float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	wb_u32(b, u);
}

static void wb_f64(struct wbuf *b, double f)
{
	uint64_t u;
	memcpy(&u, &f, 8);
	wb_u64(b, u);
}

/* Begin a section; returns the offset of its length field to patch. */
static size_t wb_section(struct wbuf *b, const char *tag, uint32_t flags)
{
	wb_bytes(b, tag, 4);
	wb_u32(b, flags);
	size_t at = b->len;
	wb_u64(b, 0);
	return at;
}

static void wb_patch_len(struct wbuf *b, size_t at)
{
	if (b->oom)
		return;
	uint64_t len = b->len - at - 8;
	for (int i = 0; i < 8; i++)
		b->p[at + (size_t)i] = (uint8_t)(len >> (8 * i));
}

/* ---- Little-endian reader that never reads past its end. */

struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	int err;
};

static const uint8_t *rb_take(struct rbuf *r, size_t n)
{
	if (r->err || n > r->len - r->pos) {
		r->err = 1;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static uint32_t rb_u32(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
	         : 0;
}

static uint64_t rb_u64(struct rbuf *r)
{
	uint64_t lo = rb_u32(r);
	return lo | (uint64_t)rb_u32(r) << 32;
}

static unsigned rb_u8(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 1);
	return p ? p[0] : 0;
}

static unsigned rb_u16(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 2);
	return p ? (unsigned)p[0] | (unsigned)p[1] << 8 : 0;
}

static float rb_f32(struct rbuf *r)
{
	uint32_t u = rb_u32(r);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static double rb_f64(struct rbuf *r)
{
	uint64_t u = rb_u64(r);
	double f;
	memcpy(&f, &u, 8);
	return f;
}

/* ---- Header. */

static uint32_t crc(const uint8_t *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);
	while (n > 0) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
		c = crc32(c, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return (uint32_t)c;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

hec_status hec_file_header_parse(hec_file_header_t *dst, const uint8_t *buf, size_t len)
{
	if (!dst || !buf)
		return hec_error_set(HEC_ERR_ARG, "header: NULL argument");
	if (len < HEC_FILE_HEADER_SIZE)
		return hec_error_set(HEC_ERR_FORMAT, "file is %zu bytes, shorter than the %u-byte header",
		                     len, HEC_FILE_HEADER_SIZE);
	if (memcmp(buf, HEC_FILE_MAGIC, 8))
		return hec_error_set(HEC_ERR_FORMAT, "not a Hecate file (bad magic; expected \"HECATE\\r\\n\")");
	unsigned version = (unsigned)buf[8] | (unsigned)buf[9] << 8;
	unsigned hsize = (unsigned)buf[10] | (unsigned)buf[11] << 8;
	if (get32(buf + 36) != crc(buf, 36))
		return hec_error_set(HEC_ERR_CHECKSUM, "header checksum mismatch: the file is corrupt");
	if (hsize != HEC_FILE_HEADER_SIZE)
		return hec_error_set(HEC_ERR_FORMAT, "header size %u, expected %u", hsize,
		                     HEC_FILE_HEADER_SIZE);
	if (version == 0 || version > FORMAT_VERSION)
		return hec_error_set(HEC_ERR_UNSUPPORTED,
		                     "format version %u; this build reads versions 1..%u (upgrade hecate)",
		                     version, FORMAT_VERSION);
	dst->version = version;
	dst->type = get32(buf + 12);
	dst->fingerprint = get64(buf + 16);
	dst->payload_len = get64(buf + 24);
	dst->payload_crc = get32(buf + 32);
	return HEC_OK;
}

/* ---- Serialisation. */

hec_status hec_ml_model_serialize(uint8_t **out, size_t *out_len, const hec_ml_model *m)
{
	if (!out || !out_len || !m)
		return hec_error_set(HEC_ERR_ARG, "model: NULL argument");
	struct wbuf b = {0};
	uint8_t zero[HEC_FILE_HEADER_SIZE] = {0};
	wb_bytes(&b, zero, sizeof zero);

	size_t at = wb_section(&b, "META", SEC_REQUIRED);
	size_t nlen = strlen(m->dataset);
	wb_u8(&b, (uint8_t)nlen);
	wb_bytes(&b, m->dataset, nlen);
	wb_u32(&b, (uint32_t)m->task);
	wb_u32(&b, (uint32_t)m->n_classes);
	for (size_t i = 0; i < m->n_classes; i++)
		wb_u8(&b, (uint8_t)m->classes[i]);
	wb_u32(&b, (uint32_t)m->input.pool);
	wb_f32(&b, m->input.mean);
	wb_f32(&b, m->input.std);
	wb_u32(&b, (uint32_t)m->n_layers);
	size_t note = strlen(m->note);
	wb_u16(&b, (uint16_t)note);
	wb_bytes(&b, m->note, note);
	wb_patch_len(&b, at);

	for (size_t i = 0; i < m->n_layers; i++) {
		const struct ml_layer *L = &m->layers[i];
		at = wb_section(&b, "LAYR", SEC_REQUIRED);
		const size_t dims[] = {L->in_c, L->in_h, L->in_w, L->out_c, L->out_h, L->out_w,
		                       L->k, L->stride, L->pad};
		wb_u32(&b, (uint32_t)L->kind);
		for (size_t d = 0; d < 9; d++)
			wb_u32(&b, (uint32_t)dims[d]);
		wb_u32(&b, (uint32_t)L->trainable);
		wb_u32(&b, (uint32_t)L->nw);
		wb_u32(&b, (uint32_t)L->nb);
		wb_u32(&b, (uint32_t)L->nc);
		for (size_t j = 0; j < L->nw; j++)
			wb_f32(&b, L->w[j]);
		for (size_t j = 0; j < L->nb; j++)
			wb_f32(&b, L->b[j]);
		for (size_t j = 0; j < L->nc; j++)
			wb_f64(&b, L->c[j]);
		wb_patch_len(&b, at);
	}
	for (size_t i = 0; i < m->n_sec; i++) {
		at = wb_section(&b, m->sec[i].tag, m->sec[i].flags);
		wb_bytes(&b, m->sec[i].data, m->sec[i].len);
		wb_patch_len(&b, at);
	}
	if (b.oom) {
		free(b.p);
		return hec_error_set(HEC_ERR_NOMEM, "model: out of memory while serialising");
	}
	uint8_t *h = b.p;
	memcpy(h, HEC_FILE_MAGIC, 8);
	h[8] = FORMAT_VERSION & 0xff;
	h[9] = FORMAT_VERSION >> 8;
	h[10] = HEC_FILE_HEADER_SIZE & 0xff;
	h[11] = HEC_FILE_HEADER_SIZE >> 8;
	put32(h + 12, HEC_OBJ_MODEL);
	put64(h + 16, 0);
	put64(h + 24, b.len - HEC_FILE_HEADER_SIZE);
	put32(h + 32, crc(h + HEC_FILE_HEADER_SIZE, b.len - HEC_FILE_HEADER_SIZE));
	put32(h + 36, crc(h, 36));
	*out = b.p;
	*out_len = b.len;
	return HEC_OK;
}

/* ---- Deserialisation. */

static hec_status bad(const char *what)
{
	return hec_error_set(HEC_ERR_FORMAT, "model file: %s", what);
}

static hec_status parse_meta(hec_ml_model **dst, struct rbuf *r, size_t *n_layers)
{
	char name[HEC_ML_DATASET_NAME_MAX];
	unsigned nlen = rb_u8(r);
	if (nlen == 0 || nlen >= sizeof name)
		return bad("data set name length out of range");
	const uint8_t *p = rb_take(r, nlen);
	if (!p)
		return bad("META section truncated");
	memcpy(name, p, nlen);
	name[nlen] = 0;
	uint32_t task = rb_u32(r), nc = rb_u32(r);
	if (r->err || nc < 2 || nc > HEC_ML_MAX_CLASSES)
		return bad("class count out of range");
	unsigned classes[HEC_ML_MAX_CLASSES];
	for (uint32_t i = 0; i < nc; i++)
		classes[i] = rb_u8(r);
	hec_ml_input_t in;
	in.pool = rb_u32(r);
	in.mean = rb_f32(r);
	in.std = rb_f32(r);
	uint32_t nl = rb_u32(r);
	unsigned note_len = rb_u16(r);
	const uint8_t *note = rb_take(r, note_len);
	if (r->err)
		return bad("META section truncated");
	if (r->pos != r->len)
		return bad("META section has trailing bytes");
	if (nl == 0 || nl > HEC_ML_MAX_LAYERS)
		return bad("layer count out of range");
	if (note_len > 255)
		return bad("note longer than 255 bytes");
	hec_status s = hec_ml_model_new(dst, name, &in, (hec_ml_task_kind)task, classes, nc);
	if (s)
		return hec_error_set(HEC_ERR_FORMAT, "model file: invalid META: %s", hec_error_detail());
	memcpy((*dst)->note, note, note_len);
	(*dst)->note[note_len] = 0;
	*n_layers = nl;
	return HEC_OK;
}

static hec_status parse_layer(hec_ml_model *m, struct rbuf *r)
{
	size_t idx = m->n_layers;
	uint32_t kind = rb_u32(r), d[9];
	for (int i = 0; i < 9; i++)
		d[i] = rb_u32(r);
	uint32_t trainable = rb_u32(r), nw = rb_u32(r), nb = rb_u32(r), nc = rb_u32(r);
	if (r->err)
		return bad("LAYR section truncated");
	if (trainable > 1)
		return bad("layer trainable flag is not 0 or 1");
	/* Bound the counts by what the section actually holds before any
	 * allocation (add_* allocates from the recomputed shape). */
	uint64_t need = (uint64_t)nw * 4 + (uint64_t)nb * 4 + (uint64_t)nc * 8;
	if (need != r->len - r->pos)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "model file: layer %zu declares %u weights, %u biases, %u coefficients "
		                     "but its section holds %zu bytes",
		                     idx, nw, nb, nc, r->len - r->pos);
	hec_status s;
	switch (kind) {
	case HEC_ML_CONV:
		s = hec_ml_model_add_conv(m, d[3], d[6], d[7], d[8]);
		break;
	case HEC_ML_DENSE:
		s = hec_ml_model_add_dense(m, d[3]);
		break;
	case HEC_ML_AVGPOOL:
		s = hec_ml_model_add_avgpool(m, d[6]);
		break;
	case HEC_ML_POLY: {
		if (nc == 0 || nc > HEC_ML_MAX_POLY_DEGREE + 1)
			return bad("polynomial coefficient count out of range");
		double c[HEC_ML_MAX_POLY_DEGREE + 1];
		size_t save = r->pos;
		r->pos += (size_t)nw * 4 + (size_t)nb * 4;
		for (uint32_t i = 0; i < nc; i++)
			c[i] = rb_f64(r);
		r->pos = save;
		s = hec_ml_model_add_poly(m, c, nc);
		break;
	}
	default:
		return hec_error_set(HEC_ERR_FORMAT, "model file: layer %zu has unknown kind %u", idx, kind);
	}
	if (s)
		return hec_error_set(HEC_ERR_FORMAT, "model file: layer %zu: %s", idx, hec_error_detail());
	struct ml_layer *L = &m->layers[idx];
	const size_t dims[] = {L->in_c, L->in_h, L->in_w, L->out_c, L->out_h, L->out_w,
	                       L->k, L->stride, L->pad};
	for (int i = 0; i < 9; i++)
		if (dims[i] != d[i] && !(L->kind == HEC_ML_DENSE && i >= 6) &&
		    !(L->kind == HEC_ML_POLY && i >= 6))
			return hec_error_set(HEC_ERR_FORMAT,
			                     "model file: layer %zu shape field %d is %u, the chain implies %zu",
			                     idx, i, d[i], dims[i]);
	if (L->nw != nw || L->nb != nb || (L->kind != HEC_ML_POLY && nc != 0))
		return hec_error_set(HEC_ERR_FORMAT, "model file: layer %zu parameter counts inconsistent",
		                     idx);
	for (size_t j = 0; j < nw; j++)
		if (!isfinite(L->w[j] = rb_f32(r)))
			return hec_error_set(HEC_ERR_FORMAT, "model file: layer %zu weight %zu not finite", idx, j);
	for (size_t j = 0; j < nb; j++)
		if (!isfinite(L->b[j] = rb_f32(r)))
			return hec_error_set(HEC_ERR_FORMAT, "model file: layer %zu bias %zu not finite", idx, j);
	L->trainable = L->kind == HEC_ML_POLY && trainable;
	return HEC_OK;
}

hec_status hec_ml_model_deserialize(hec_ml_model **dst, const uint8_t *buf, size_t len)
{
	if (!dst || !buf)
		return hec_error_set(HEC_ERR_ARG, "model: NULL argument");
	hec_file_header_t h;
	hec_status s = hec_file_header_parse(&h, buf, len);
	if (s)
		return s;
	if (h.type != HEC_OBJ_MODEL)
		return hec_error_set(HEC_ERR_UNSUPPORTED, "file holds object type 0x%08x, not a model",
		                     h.type);
	if (h.fingerprint != 0)
		return hec_error_set(HEC_ERR_FORMAT, "model file: parameter fingerprint must be 0");
	if (h.payload_len > HEC_ML_MODEL_MAX_BYTES || h.payload_len != len - HEC_FILE_HEADER_SIZE)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "model file: payload is %zu bytes but the header says %llu%s",
		                     len - HEC_FILE_HEADER_SIZE, (unsigned long long)h.payload_len,
		                     h.payload_len > len - HEC_FILE_HEADER_SIZE ? " (truncated file)" : "");
	if (crc(buf + HEC_FILE_HEADER_SIZE, (size_t)h.payload_len) != h.payload_crc)
		return hec_error_set(HEC_ERR_CHECKSUM, "model file: payload checksum mismatch: the file is corrupt");
	struct rbuf r = {buf + HEC_FILE_HEADER_SIZE, (size_t)h.payload_len, 0, 0};
	hec_ml_model *m = NULL;
	size_t n_layers = 0;
	while (r.pos < r.len) {
		const uint8_t *tag = rb_take(&r, 4);
		uint32_t flags = rb_u32(&r);
		uint64_t slen = rb_u64(&r);
		if (r.err || slen > r.len - r.pos) {
			s = bad("section header truncated or section longer than the file");
			break;
		}
		struct rbuf sr = {r.p + r.pos, (size_t)slen, 0, 0};
		r.pos += (size_t)slen;
		if (!memcmp(tag, "META", 4)) {
			if (m) {
				s = bad("second META section");
				break;
			}
			s = parse_meta(&m, &sr, &n_layers);
		} else if (!m) {
			s = bad("first section is not META");
		} else if (!memcmp(tag, "LAYR", 4)) {
			if (m->n_layers >= n_layers)
				s = bad("more LAYR sections than META announces");
			else
				s = parse_layer(m, &sr);
		} else if (flags & SEC_REQUIRED) {
			s = hec_error_set(HEC_ERR_UNSUPPORTED,
			                  "model file: required section '%.4s' is unknown to this build", tag);
		} else if (slen > ((size_t)1 << 26)) {
			s = bad("extension section larger than 64 MiB");
		} else {
			char t[4];
			memcpy(t, tag, 4);
			s = hec_ml_model_section_set(m, t, sr.p, sr.len);
			if (!s)
				m->sec[m->n_sec - 1].flags = flags;
			else if (s != HEC_ERR_NOMEM)
				s = bad("invalid extension section");
		}
		if (s)
			break;
	}
	if (!s && !m)
		s = bad("no META section");
	if (!s && m->n_layers != n_layers)
		s = hec_error_set(HEC_ERR_FORMAT, "model file: META announces %zu layers, found %zu",
		                  n_layers, m->n_layers);
	if (!s && m->task == HEC_ML_MULTICLASS && hec_ml_model_output_count(m) < m->n_classes)
		s = bad("fewer outputs than classes");
	if (!s && m->task == HEC_ML_BINARY && hec_ml_model_output_count(m) != 1)
		s = bad("a binary model must have exactly one output");
	if (s) {
		hec_ml_model_free(m);
		return s;
	}
	*dst = m;
	return HEC_OK;
}

/* Prefix the current error detail with the file name.  The detail is
 * copied first: it lives in the buffer hec_error_set writes. */
static hec_status prefix_path(hec_status s, const char *path)
{
	char d[512];
	snprintf(d, sizeof d, "%s", hec_error_detail());
	return hec_error_set(s, "%s: %s", path, d);
}

hec_status hec_ml_model_load(hec_ml_model **dst, const char *path)
{
	if (!dst || !path)
		return hec_error_set(HEC_ERR_ARG, "model: NULL argument");
	FILE *f = fopen(path, "rb");
	if (!f)
		return hec_error_set(HEC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	uint8_t head[HEC_FILE_HEADER_SIZE];
	size_t got = fread(head, 1, sizeof head, f);
	hec_file_header_t h;
	hec_status s = hec_file_header_parse(&h, head, got);
	if (!s && h.type == HEC_OBJ_MODEL && h.payload_len > HEC_ML_MODEL_MAX_BYTES)
		s = hec_error_set(HEC_ERR_FORMAT, "payload of %llu bytes exceeds the %u-byte limit",
		                  (unsigned long long)h.payload_len, HEC_ML_MODEL_MAX_BYTES);
	if (s) {
		fclose(f);
		return prefix_path(s, path);
	}
	/* Allocate what the (bounded) header announces plus one byte to detect
	 * trailing data. */
	size_t want = HEC_FILE_HEADER_SIZE + (size_t)h.payload_len;
	uint8_t *buf = malloc(want + 1);
	if (!buf) {
		fclose(f);
		return hec_error_set(HEC_ERR_NOMEM, "%s: out of memory", path);
	}
	memcpy(buf, head, sizeof head);
	size_t rd = got + fread(buf + got, 1, want + 1 - got, f);
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		return hec_error_set(HEC_ERR_IO, "%s: read error", path);
	}
	if (rd > want) {
		free(buf);
		return hec_error_set(HEC_ERR_FORMAT, "%s: trailing bytes after the announced payload", path);
	}
	s = hec_ml_model_deserialize(dst, buf, rd);
	free(buf);
	if (s)
		return prefix_path(s, path);
	return HEC_OK;
}

hec_status hec_ml_model_save(const hec_ml_model *m, const char *path)
{
	if (!m || !path)
		return hec_error_set(HEC_ERR_ARG, "model: NULL argument");
	uint8_t *buf;
	size_t len;
	hec_status s = hec_ml_model_serialize(&buf, &len, m);
	if (s)
		return s;
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 16);
	if (!tmp) {
		free(buf);
		return hec_error_set(HEC_ERR_NOMEM, "model: out of memory");
	}
	/* Same directory as the target so rename() is atomic. */
	memcpy(tmp, path, pl);
	memcpy(tmp + pl, ".tmp.XXXXXX", 12);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		s = hec_error_set(HEC_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
		                  strerror(errno));
		free(tmp);
		free(buf);
		return s;
	}
	/* mkstemp makes the file 0600; a model is not secret. */
	(void)fchmod(fd, 0644);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int ok = off == len && fsync(fd) == 0;
	int saved = errno;
	ok = (close(fd) == 0) && ok;
	if (ok && rename(tmp, path) != 0) {
		saved = errno;
		ok = 0;
	}
	if (!ok) {
		unlink(tmp);
		s = hec_error_set(HEC_ERR_IO, "%s: write failed: %s (the previous file is untouched)", path,
		                  strerror(saved));
	}
	free(tmp);
	free(buf);
	return s;
}
