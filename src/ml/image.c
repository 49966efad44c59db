/* User images: PGM (parsed here), PNG (libpng's simplified API) and JPEG
 * (libjpeg), all converted to 8-bit grayscale, then area-resampled to the
 * model's 28 x 28 input in [0, 1].  Every dimension is bounded before any
 * pixel buffer is allocated, and a truncated or corrupt file is an error,
 * never a crash. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "hecate/ml.h"

void hec_ml_image_init(hec_ml_image_t *img)
{
	img->width = img->height = 0;
	img->pixels = NULL;
}

void hec_ml_image_clear(hec_ml_image_t *img)
{
	free(img->pixels);
	hec_ml_image_init(img);
}

static hec_status check_size(const char *what, size_t w, size_t h)
{
	if (w == 0 || h == 0 || w > HEC_ML_IMAGE_MAX_SIDE || h > HEC_ML_IMAGE_MAX_SIDE)
		return hec_error_set(HEC_ERR_FORMAT, "%s: image size %zu x %zu outside [1, %u] per side",
		                     what, w, h, HEC_ML_IMAGE_MAX_SIDE);
	return HEC_OK;
}

/* ---- PGM (Netpbm): "P5" or "P2", width, height, maxval, separated by
 * whitespace with '#' comments, then one whitespace byte and the raster
 * (binary: 1 byte per sample if maxval < 256, else 2 big-endian bytes). */

struct cursor {
	const uint8_t *p, *end;
};

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skip whitespace and comments; read an unsigned decimal up to `max`.
 * 0 on success, -1 on a missing number, -2 on a number above max. */
static int pgm_number(struct cursor *c, unsigned long max, unsigned long *out)
{
	for (;;) {
		while (c->p < c->end && is_space(*c->p))
			c->p++;
		if (c->p < c->end && *c->p == '#') {
			while (c->p < c->end && *c->p != '\n')
				c->p++;
			continue;
		}
		break;
	}
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return -1;
	unsigned long v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (unsigned long)(*c->p++ - '0');
		if (v > max)
			return -2;
	}
	*out = v;
	return 0;
}

static hec_status pgm_fail(int r, const char *field)
{
	if (r == -2)
		return hec_error_set(HEC_ERR_FORMAT, "pgm: %s out of range", field);
	return hec_error_set(HEC_ERR_FORMAT, "pgm: truncated or malformed header (expected %s)", field);
}

hec_status hec_ml_image_decode_pgm(hec_ml_image_t *img, const uint8_t *buf, size_t len)
{
	if (len < 2 || buf[0] != 'P' || (buf[1] != '5' && buf[1] != '2'))
		return hec_error_set(HEC_ERR_FORMAT, "pgm: not a PGM file (magic must be P5 or P2)");
	int ascii = buf[1] == '2';
	struct cursor c = {buf + 2, buf + len};
	unsigned long w, h, maxval;
	int r;
	if ((r = pgm_number(&c, HEC_ML_IMAGE_MAX_SIDE, &w)))
		return pgm_fail(r, "width");
	if ((r = pgm_number(&c, HEC_ML_IMAGE_MAX_SIDE, &h)))
		return pgm_fail(r, "height");
	if ((r = pgm_number(&c, 65535, &maxval)))
		return pgm_fail(r, "maxval");
	hec_status s = check_size("pgm", w, h);
	if (s)
		return s;
	if (maxval == 0)
		return hec_error_set(HEC_ERR_FORMAT, "pgm: maxval 0 is not allowed");
	size_t n = (size_t)w * h, bps = maxval < 256 ? 1 : 2;
	if (!ascii) {
		if (c.p >= c.end || !is_space(*c.p))
			return hec_error_set(HEC_ERR_FORMAT, "pgm: no whitespace before the raster");
		c.p++;
		if ((size_t)(c.end - c.p) < n * bps)
			return hec_error_set(HEC_ERR_FORMAT,
			                     "pgm: truncated raster (%zu bytes, %lu x %lu needs %zu)",
			                     (size_t)(c.end - c.p), w, h, n * bps);
	}
	uint8_t *px = malloc(n);
	if (!px)
		return hec_error_set(HEC_ERR_NOMEM, "pgm: cannot allocate %zu bytes", n);
	for (size_t i = 0; i < n; i++) {
		unsigned long v;
		if (ascii) {
			if ((r = pgm_number(&c, maxval, &v))) {
				free(px);
				return r == -2 ? hec_error_set(HEC_ERR_FORMAT, "pgm: sample %zu exceeds maxval %lu",
				                               i, maxval)
				               : hec_error_set(HEC_ERR_FORMAT,
				                               "pgm: truncated raster (%zu of %zu samples)", i, n);
			}
		} else if (bps == 1) {
			v = c.p[i];
		} else {
			v = (unsigned long)c.p[2 * i] << 8 | c.p[2 * i + 1];
		}
		if (v > maxval) {
			free(px);
			return hec_error_set(HEC_ERR_FORMAT, "pgm: sample %zu is %lu > maxval %lu", i, v,
			                     maxval);
		}
		px[i] = (uint8_t)((v * 255 + maxval / 2) / maxval);
	}
	free(img->pixels);
	img->pixels = px;
	img->width = w;
	img->height = h;
	return HEC_OK;
}

hec_status hec_ml_image_write_pgm(const char *path, const hec_ml_image_t *img)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return hec_error_set(HEC_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
	size_t n = img->width * img->height;
	int ok = fprintf(f, "P5\n%zu %zu\n255\n", img->width, img->height) > 0 &&
	         fwrite(img->pixels, 1, n, f) == n;
	ok = (fclose(f) == 0) && ok;
	return ok ? HEC_OK : hec_error_set(HEC_ERR_IO, "%s: write failed", path);
}

/* ---- PNG: libpng's simplified API converts any colour type and bit depth
 * to 8-bit gray + alpha; we composite over black ourselves so a transparent
 * background becomes MNIST's black background. */
static hec_status load_png(hec_ml_image_t *img, const char *path)
{
	png_image pi;
	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&pi, path))
		return hec_error_set(HEC_ERR_FORMAT, "%s: bad PNG: %s", path, pi.message);
	hec_status s = check_size(path, pi.width, pi.height);
	if (s) {
		png_image_free(&pi);
		return s;
	}
	pi.format = PNG_FORMAT_GA;
	size_t n = (size_t)pi.width * pi.height;
	uint8_t *ga = malloc(2 * n), *px = malloc(n);
	if (!ga || !px) {
		free(ga);
		free(px);
		png_image_free(&pi);
		return hec_error_set(HEC_ERR_NOMEM, "%s: cannot allocate the image", path);
	}
	if (!png_image_finish_read(&pi, NULL, ga, 0, NULL)) {
		free(ga);
		free(px);
		s = hec_error_set(HEC_ERR_FORMAT, "%s: corrupt PNG: %s", path, pi.message);
		png_image_free(&pi);
		return s;
	}
	for (size_t i = 0; i < n; i++)
		px[i] = (uint8_t)((ga[2 * i] * ga[2 * i + 1] + 127) / 255);
	free(ga);
	free(img->pixels);
	img->pixels = px;
	img->width = pi.width;
	img->height = pi.height;
	png_image_free(&pi);
	return HEC_OK;
}

/* ---- JPEG: libjpeg reports errors through error_exit, which must not
 * return; we longjmp back and turn the message into a hec_status. */
struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail(j_common_ptr cinfo)
{
	struct jerr *e = (struct jerr *)cinfo->err;
	e->mgr.format_message(cinfo, e->msg);
	longjmp(e->jump, 1);
}

/* Count warnings (level -1: e.g. premature end of data, which libjpeg
 * papers over with gray) without printing them; they become errors below. */
static void jpeg_quiet(j_common_ptr cinfo, int level)
{
	if (level < 0)
		cinfo->err->num_warnings++;
}

static hec_status load_jpeg(hec_ml_image_t *img, const char *path, FILE *f)
{
	struct jpeg_decompress_struct ci;
	struct jerr e;
	/* volatile: modified between setjmp and longjmp. */
	uint8_t *volatile px = NULL;
	ci.err = jpeg_std_error(&e.mgr);
	e.mgr.error_exit = jpeg_fail;
	e.mgr.emit_message = jpeg_quiet;
	if (setjmp(e.jump)) {
		jpeg_destroy_decompress(&ci);
		free(px);
		return hec_error_set(HEC_ERR_FORMAT, "%s: corrupt JPEG: %s", path, e.msg);
	}
	jpeg_create_decompress(&ci);
	jpeg_stdio_src(&ci, f);
	jpeg_read_header(&ci, TRUE);
	hec_status s = check_size(path, ci.image_width, ci.image_height);
	if (s) {
		jpeg_destroy_decompress(&ci);
		return s;
	}
	ci.out_color_space = JCS_GRAYSCALE;
	jpeg_start_decompress(&ci);
	size_t w = ci.output_width, h = ci.output_height;
	px = malloc(w * h);
	if (!px) {
		jpeg_destroy_decompress(&ci);
		return hec_error_set(HEC_ERR_NOMEM, "%s: cannot allocate the image", path);
	}
	while (ci.output_scanline < ci.output_height) {
		JSAMPROW row = px + (size_t)ci.output_scanline * w;
		jpeg_read_scanlines(&ci, &row, 1);
	}
	/* A truncated file makes libjpeg pad with gray and warn; refuse it. */
	long warnings = e.mgr.num_warnings;
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	if (warnings > 0) {
		free(px);
		return hec_error_set(HEC_ERR_FORMAT, "%s: truncated or corrupt JPEG data", path);
	}
	free(img->pixels);
	img->pixels = px;
	img->width = w;
	img->height = h;
	return HEC_OK;
}

hec_status hec_ml_image_load(hec_ml_image_t *img, const char *path)
{
	if (!img || !path)
		return hec_error_set(HEC_ERR_ARG, "image: NULL argument");
	FILE *f = fopen(path, "rb");
	if (!f)
		return hec_error_set(HEC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	uint8_t sig[8] = {0};
	size_t got = fread(sig, 1, sizeof sig, f);
	hec_status s;
	if (got >= 8 && !png_sig_cmp(sig, 0, 8)) {
		fclose(f);
		return load_png(img, path);
	}
	if (got >= 3 && sig[0] == 0xff && sig[1] == 0xd8 && sig[2] == 0xff) {
		rewind(f);
		s = load_jpeg(img, path, f);
		fclose(f);
		return s;
	}
	if (got >= 2 && sig[0] == 'P' && (sig[1] == '5' || sig[1] == '2')) {
		/* Bound the read: the largest 16-bit PGM plus a generous header. */
		size_t cap = (size_t)HEC_ML_IMAGE_MAX_SIDE * HEC_ML_IMAGE_MAX_SIDE * 2 + 4096;
		if (fseek(f, 0, SEEK_END) != 0) {
			fclose(f);
			return hec_error_set(HEC_ERR_IO, "%s: cannot seek", path);
		}
		long len = ftell(f);
		if (len < 0 || (unsigned long)len > cap) {
			fclose(f);
			return hec_error_set(HEC_ERR_FORMAT, "%s: PGM file too large", path);
		}
		rewind(f);
		uint8_t *buf = malloc((size_t)len + 1);
		if (!buf) {
			fclose(f);
			return hec_error_set(HEC_ERR_NOMEM, "%s: cannot allocate %ld bytes", path, len);
		}
		size_t rd = fread(buf, 1, (size_t)len, f);
		fclose(f);
		if (rd != (size_t)len) {
			free(buf);
			return hec_error_set(HEC_ERR_IO, "%s: read failed", path);
		}
		s = hec_ml_image_decode_pgm(img, buf, rd);
		free(buf);
		if (s) {
			char d[512]; /* copy: the detail lives in hec_error_set's buffer */
			snprintf(d, sizeof d, "%s", hec_error_detail());
			return hec_error_set(s, "%s: %s", path, d);
		}
		return HEC_OK;
	}
	fclose(f);
	return hec_error_set(HEC_ERR_FORMAT,
	                     "%s: not a PGM (P2/P5), PNG or JPEG file (first bytes %02x %02x %02x %02x)",
	                     path, sig[0], sig[1], sig[2], sig[3]);
}

/* Area weights of a 1-D box resampling from n source cells to m output
 * cells: output i covers [i n/m, (i+1) n/m) in source units; each source
 * cell j contributes its overlap with that interval, normalised by its
 * length.  The exact average for any ratio (and the plain mean of k x k
 * blocks when n = k m), which is what avoids the aliasing of point
 * sampling when a photo is shrunk to 28 x 28. */
static double overlap(size_t i, size_t j, size_t n, size_t m)
{
	double a = (double)i * (double)n / (double)m, b = (double)(i + 1) * (double)n / (double)m;
	double lo = a > (double)j ? a : (double)j, hi = b < (double)(j + 1) ? b : (double)(j + 1);
	return hi > lo ? (hi - lo) * (double)m / (double)n : 0.0;
}

hec_status hec_ml_image_resample(float *dst, size_t out_w, size_t out_h,
                                 const hec_ml_image_t *src, int invert)
{
	if (!dst || !src || !src->pixels || src->width == 0 || src->height == 0 || out_w == 0 ||
	    out_h == 0 || out_w > 4096 || out_h > 4096)
		return hec_error_set(HEC_ERR_ARG, "resample: empty image or bad output size");
	size_t W = src->width, H = src->height;
	for (size_t oy = 0; oy < out_h; oy++) {
		size_t y0 = oy * H / out_h, y1 = ((oy + 1) * H + out_h - 1) / out_h;
		for (size_t ox = 0; ox < out_w; ox++) {
			size_t x0 = ox * W / out_w, x1 = ((ox + 1) * W + out_w - 1) / out_w;
			double acc = 0;
			for (size_t y = y0; y < y1 && y < H; y++) {
				double wy = overlap(oy, y, H, out_h);
				double row = 0;
				for (size_t x = x0; x < x1 && x < W; x++)
					row += overlap(ox, x, W, out_w) * src->pixels[y * W + x];
				acc += wy * row;
			}
			double v = acc / 255.0;
			v = v < 0 ? 0 : v > 1 ? 1 : v;
			dst[oy * out_w + ox] = (float)(invert ? 1.0 - v : v);
		}
	}
	return HEC_OK;
}
