/* User images: PGM parsing (binary, ASCII, 16-bit, comments), PNG and
 * JPEG decoding through their libraries, malformed files, and the area
 * resampling of known drawings to exact 28 x 28 values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>
#include <png.h>

#include "mltest.h"

static void load_mem_pgm(hec_ml_image_t *img, const char *text, size_t len, hec_status want)
{
	hec_status s = hec_ml_image_decode_pgm(img, (const uint8_t *)text, len);
	ck_assert_msg(s == want, "pgm '%.20s...' gave %d (%s), want %d", text, (int)s,
	              hec_error_detail(), (int)want);
}

START_TEST(test_pgm)
{
	hec_ml_image_t img;
	hec_ml_image_init(&img);
	const char p2[] = "P2\n# a comment\n3 2\n# another\n4\n0 1 2\n3 4 0\n";
	load_mem_pgm(&img, p2, sizeof p2 - 1, HEC_OK);
	ck_assert_uint_eq(img.width, 3);
	ck_assert_uint_eq(img.height, 2);
	static const uint8_t want[6] = {0, 64, 128, 191, 255, 0}; /* v * 255 / 4, rounded */
	ck_assert(!memcmp(img.pixels, want, 6));
	const char p5[] = "P5 2 2 255\n\x00\x10\x20\xff";
	load_mem_pgm(&img, p5, sizeof p5 - 1, HEC_OK);
	ck_assert_uint_eq(img.pixels[3], 255);
	ck_assert_uint_eq(img.pixels[1], 16);
	const char p16[] = "P5 2 1 65535\n\xff\xff\x80\x00";
	load_mem_pgm(&img, p16, sizeof p16 - 1, HEC_OK);
	ck_assert_uint_eq(img.pixels[0], 255);
	ck_assert_uint_eq(img.pixels[1], 128);
	/* Malformed. */
	const char *bad[] = {
	    "P6 1 1 255\n\x00",       /* colour PPM */
	    "P5 2 2 255\n\x00\x01",   /* truncated raster */
	    "P5 2 2",                 /* truncated header */
	    "P5 0 2 255\n",           /* zero width */
	    "P5 99999 2 255\n",       /* oversized */
	    "P5 2 2 0\n\x00\x00\x00\x00", /* maxval 0 */
	    "P5 1 1 70000\n\x00\x00", /* maxval > 65535 */
	    "P2 2 1 4\n1 5\n",        /* sample > maxval */
	    "P2 2 2 4\n1 2 3\n",      /* truncated ASCII raster */
	    "P5 1 1 255",             /* no whitespace before the raster */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = strlen(bad[i]);
		if (i == 1)
			len = 13; /* includes two raster bytes, one NUL */
		load_mem_pgm(&img, bad[i], len, HEC_ERR_FORMAT);
	}
	/* A failed decode leaves the previous image intact. */
	ck_assert_uint_eq(img.width, 2);
	hec_ml_image_clear(&img);
	ck_assert_ptr_null(img.pixels);
}
END_TEST

/* A 56 x 56 drawing: background 0, a filled 16 x 16 square of 255 at
 * (8, 8) and a 1-pixel vertical line of 255 at x = 41 for rows 20..35. */
static void draw(hec_ml_image_t *img, size_t scale)
{
	img->width = img->height = 28 * scale;
	img->pixels = calloc(img->width * img->height, 1);
	for (size_t y = 0; y < img->height; y++)
		for (size_t x = 0; x < img->width; x++) {
			int sq = y >= 4 * scale && y < 12 * scale && x >= 4 * scale && x < 12 * scale;
			int line = x == 41 && y >= 20 && y < 36;
			img->pixels[y * img->width + x] = (sq || (scale == 2 && line)) ? 255 : 0;
		}
}

START_TEST(test_resample_known_drawing)
{
	hec_ml_image_t img;
	hec_ml_image_init(&img);
	draw(&img, 2);
	float out[784];
	CK_OK(hec_ml_image_resample(out, 28, 28, &img, 0));
	for (size_t y = 0; y < 28; y++)
		for (size_t x = 0; x < 28; x++) {
			float want = 0;
			if (y >= 4 && y < 12 && x >= 4 && x < 12)
				want = 1; /* square: whole 2x2 blocks */
			if (x == 20 && y >= 10 && y < 18)
				want = 0.5f; /* line covers half of each 2x2 block */
			ck_assert_msg(fabsf(out[y * 28 + x] - want) < 1e-6f, "(%zu,%zu) = %g, want %g", x, y,
			              (double)out[y * 28 + x], (double)want);
		}
	/* Invert: 1 - v. */
	float inv[784];
	CK_OK(hec_ml_image_resample(inv, 28, 28, &img, 1));
	for (size_t i = 0; i < 784; i++)
		ck_assert(fabsf(inv[i] - (1 - out[i])) < 1e-6f);
	hec_ml_image_clear(&img);
	/* A non-integer ratio (42 -> 28, 1.5 source pixels per output): a
	 * single white source pixel at (0, 0) covers 1 x 1 of output (0,0)'s
	 * 1.5 x 1.5 area -> 1 / 2.25; output (1, 0) sees its 0.5 x 1 overlap
	 * with pixel (1, 0), which is black. */
	img.width = img.height = 42;
	img.pixels = calloc(42 * 42, 1);
	img.pixels[0] = 255;
	CK_OK(hec_ml_image_resample(out, 28, 28, &img, 0));
	ck_assert(fabsf(out[0] - 1.0f / 2.25f) < 1e-6f);
	ck_assert(fabsf(out[1]) < 1e-6f);
	/* Uniform images stay uniform at any ratio (weights sum to 1). */
	memset(img.pixels, 200, 42 * 42);
	CK_OK(hec_ml_image_resample(out, 28, 28, &img, 0));
	for (size_t i = 0; i < 784; i++)
		ck_assert(fabsf(out[i] - 200.0f / 255.0f) < 1e-5f);
	hec_ml_image_clear(&img);
	/* Upsampling a 1 x 1 image. */
	uint8_t one = 51;
	img.width = img.height = 1;
	img.pixels = &one;
	CK_OK(hec_ml_image_resample(out, 28, 28, &img, 0));
	ck_assert(fabsf(out[783] - 0.2f) < 1e-6f);
	hec_ml_image_t empty;
	hec_ml_image_init(&empty);
	ck_assert_int_eq(hec_ml_image_resample(out, 28, 28, &empty, 0), HEC_ERR_ARG);
}
END_TEST

static void write_png(const char *path, const uint8_t *rgba, unsigned w, unsigned h)
{
	png_image pi;
	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	pi.width = w;
	pi.height = h;
	pi.format = PNG_FORMAT_RGBA;
	ck_assert(png_image_write_to_file(&pi, path, 0, rgba, 0, NULL));
}

START_TEST(test_png)
{
	char p[64];
	tmp_path(p, sizeof p, "t.png");
	/* White opaque, black opaque, white transparent (-> background 0),
	 * pure green (luma ~ 0.7). */
	uint8_t rgba[16] = {255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 255, 0, 255};
	write_png(p, rgba, 2, 2);
	hec_ml_image_t img;
	hec_ml_image_init(&img);
	CK_OK(hec_ml_image_load(&img, p));
	ck_assert_uint_eq(img.width, 2);
	ck_assert_uint_eq(img.pixels[0], 255);
	ck_assert_uint_eq(img.pixels[1], 0);
	ck_assert_uint_eq(img.pixels[2], 0);
	ck_assert_msg(img.pixels[3] > 150 && img.pixels[3] < 250, "green -> %u", img.pixels[3]);
	/* Truncations of the file are errors, never crashes (libpng accepts a
	 * file whose only missing part is the 12-byte IEND chunk: the pixels
	 * are all there). */
	FILE *f = fopen(p, "rb");
	uint8_t buf[4096];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (size_t cut = 0; cut + 12 < len; cut += 7) {
		write_bytes(p, buf, cut);
		hec_status s = hec_ml_image_load(&img, p);
		ck_assert_msg(s == HEC_ERR_FORMAT, "cut %zu gave %d", cut, (int)s);
	}
	/* Corrupt IDAT data: flip bytes after the header. */
	for (size_t at = 33; at < len; at += 5) {
		uint8_t c[4096];
		memcpy(c, buf, len);
		c[at] ^= 0x5a;
		write_bytes(p, c, len);
		(void)hec_ml_image_load(&img, p); /* must not crash; CRC usually catches it */
	}
	hec_ml_image_clear(&img);
	unlink(p);
}
END_TEST

START_TEST(test_jpeg)
{
	char p[64];
	tmp_path(p, sizeof p, "t.jpg");
	/* Encode a 16 x 16 gray gradient with libjpeg, decode it back. */
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, f);
	c.image_width = 16;
	c.image_height = 16;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 100, TRUE);
	jpeg_start_compress(&c, TRUE);
	uint8_t row[16];
	while (c.next_scanline < 16) {
		for (int x = 0; x < 16; x++)
			row[x] = (uint8_t)(x * 16);
		JSAMPROW rp = row;
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	fclose(f);
	hec_ml_image_t img;
	hec_ml_image_init(&img);
	CK_OK(hec_ml_image_load(&img, p));
	ck_assert_uint_eq(img.width, 16);
	for (int x = 0; x < 16; x++)
		ck_assert_msg(abs((int)img.pixels[5 * 16 + x] - x * 16) <= 3, "x=%d: %u", x,
		              img.pixels[5 * 16 + x]);
	/* Truncated JPEGs are refused (all but the last few bytes — the
	 * end-of-image marker and final padding — after which every pixel has
	 * been decoded). */
	f = fopen(p, "rb");
	uint8_t buf[8192];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (size_t cut = 3; cut + 4 < len; cut += 11) {
		write_bytes(p, buf, cut);
		hec_status s = hec_ml_image_load(&img, p);
		ck_assert_msg(s == HEC_ERR_FORMAT, "cut %zu of %zu gave %d", cut, len, (int)s);
	}
	hec_ml_image_clear(&img);
	unlink(p);
}
END_TEST

START_TEST(test_unknown_and_missing)
{
	char p[64];
	tmp_path(p, sizeof p, "t.bin");
	write_bytes(p, "GIF89a....", 10);
	hec_ml_image_t img;
	hec_ml_image_init(&img);
	ck_assert_int_eq(hec_ml_image_load(&img, p), HEC_ERR_FORMAT);
	write_bytes(p, "", 0);
	ck_assert_int_eq(hec_ml_image_load(&img, p), HEC_ERR_FORMAT);
	unlink(p);
	ck_assert_int_eq(hec_ml_image_load(&img, p), HEC_ERR_IO);
	/* A PGM file round trip through the writer. */
	draw(&img, 1);
	CK_OK(hec_ml_image_write_pgm(p, &img));
	hec_ml_image_t back;
	hec_ml_image_init(&back);
	CK_OK(hec_ml_image_load(&back, p));
	ck_assert_uint_eq(back.width, 28);
	ck_assert(!memcmp(back.pixels, img.pixels, 784));
	hec_ml_image_clear(&img);
	hec_ml_image_clear(&back);
	unlink(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ml-image");
	TCase *t = tcase_create("image");
	tcase_add_test(t, test_pgm);
	tcase_add_test(t, test_resample_known_drawing);
	tcase_add_test(t, test_png);
	tcase_add_test(t, test_jpeg);
	tcase_add_test(t, test_unknown_and_missing);
	suite_add_tcase(s, t);
	return s;
}

TEST_MAIN(suite)
