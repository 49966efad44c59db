/* Model files: round trip (bit-exact weights, shapes, coefficients,
 * extension sections), atomic save, and rejection of every single-byte
 * header change, every truncation, payload corruption, and hostile but
 * correctly checksummed contents. */
#include <math.h>
#include <stdlib.h>
#include <zlib.h>

#include "mltest.h"

static hec_ml_model *small_model(test_rng *r)
{
	static const unsigned labels[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	hec_ml_input_t in = {1, 0.1307f, 0.3081f};
	hec_ml_model *m;
	CK_OK(hec_ml_model_new(&m, "mnist", &in, HEC_ML_MULTICLASS, labels, 10));
	double act[3] = {0.01, 0.5, 0.125};
	CK_OK(hec_ml_model_add_conv(m, 3, 5, 2, 1));
	CK_OK(hec_ml_model_add_poly(m, act, 3));
	CK_OK(hec_ml_model_add_avgpool(m, 2));
	CK_OK(hec_ml_model_add_dense(m, 12));
	CK_OK(hec_ml_model_add_poly(m, act, 3));
	CK_OK(hec_ml_model_add_dense(m, 10));
	CK_OK(hec_ml_model_poly_set_trainable(m, 1, 1));
	for (size_t i = 0; i < hec_ml_model_layer_count(m); i++) {
		hec_ml_layer_t L;
		CK_OK(hec_ml_model_layer(&L, m, i));
		float *w = hec_ml_model_weights(m, i), *b = hec_ml_model_bias(m, i);
		for (size_t j = 0; w && j < L.n_weights; j++)
			w[j] = (float)((double)test_rng_next(r) / 18446744073709551616.0 - 0.5);
		for (size_t j = 0; b && j < L.out_c; j++)
			b[j] = (float)j * 0.01f;
	}
	CK_OK(hec_ml_model_set_note(m, "test model"));
	return m;
}

static void same_model(const hec_ml_model *a, const hec_ml_model *b)
{
	ck_assert_str_eq(hec_ml_model_dataset(a), hec_ml_model_dataset(b));
	ck_assert_str_eq(hec_ml_model_note(a), hec_ml_model_note(b));
	ck_assert_uint_eq(hec_ml_model_layer_count(a), hec_ml_model_layer_count(b));
	ck_assert_uint_eq(hec_ml_model_class_count(a), hec_ml_model_class_count(b));
	ck_assert(hec_ml_model_input(a).mean == hec_ml_model_input(b).mean);
	for (size_t i = 0; i < hec_ml_model_layer_count(a); i++) {
		hec_ml_layer_t x, y;
		CK_OK(hec_ml_model_layer(&x, a, i));
		CK_OK(hec_ml_model_layer(&y, b, i));
		ck_assert_int_eq(x.kind, y.kind);
		ck_assert_uint_eq(x.out_c * x.out_h * x.out_w, y.out_c * y.out_h * y.out_w);
		ck_assert_uint_eq(x.n_weights, y.n_weights);
		if (x.n_weights) {
			ck_assert(!memcmp(x.weights, y.weights, x.n_weights * sizeof(float)));
			ck_assert(!memcmp(x.bias, y.bias, x.out_c * sizeof(float)));
		}
		ck_assert_uint_eq(x.n_coeffs, y.n_coeffs);
		if (x.n_coeffs)
			ck_assert(!memcmp(x.coeffs, y.coeffs, x.n_coeffs * sizeof(double)));
	}
	ck_assert_uint_eq(hec_ml_model_param_count(a), hec_ml_model_param_count(b));
}

START_TEST(test_roundtrip)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x30d1));
	hec_ml_model *m = small_model(&r);
	CK_OK(hec_ml_model_section_set(m, "PACK", "layout-v0", 9));
	uint8_t *buf;
	size_t len;
	CK_OK(hec_ml_model_serialize(&buf, &len, m));
	hec_ml_model *b;
	CK_OK(hec_ml_model_deserialize(&b, buf, len));
	same_model(m, b);
	size_t sl;
	const void *sec = hec_ml_model_section_get(b, "PACK", &sl);
	ck_assert_uint_eq(sl, 9);
	ck_assert(!memcmp(sec, "layout-v0", 9));
	/* Serialising the loaded model gives the same bytes. */
	uint8_t *buf2;
	size_t len2;
	CK_OK(hec_ml_model_serialize(&buf2, &len2, b));
	ck_assert_uint_eq(len, len2);
	ck_assert(!memcmp(buf, buf2, len));
	/* Same predictions. */
	float px[784], s1[10], s2[10];
	for (size_t i = 0; i < 784; i++)
		px[i] = (float)(i % 17) / 16.0f;
	unsigned l1, l2;
	CK_OK(hec_ml_model_predict(m, &l1, s1, px));
	CK_OK(hec_ml_model_predict(b, &l2, s2, px));
	ck_assert_uint_eq(l1, l2);
	ck_assert(!memcmp(s1, s2, sizeof s1));
	/* Through a file. */
	char p[64];
	tmp_path(p, sizeof p, "m.hcm");
	CK_OK(hec_ml_model_save(m, p));
	hec_ml_model *c;
	CK_OK(hec_ml_model_load(&c, p));
	same_model(m, c);
	unlink(p);
	free(buf);
	free(buf2);
	hec_ml_model_free(m);
	hec_ml_model_free(b);
	hec_ml_model_free(c);
}
END_TEST

START_TEST(test_header_flips_and_truncation)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x30d2));
	hec_ml_model *m = small_model(&r);
	uint8_t *buf;
	size_t len;
	CK_OK(hec_ml_model_serialize(&buf, &len, m));
	hec_ml_model *b = NULL;
	/* Each header byte, each bit pattern change: always an error. */
	for (size_t i = 0; i < HEC_FILE_HEADER_SIZE; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			hec_status s = hec_ml_model_deserialize(&b, buf, len);
			ck_assert_msg(s != HEC_OK, "header byte %zu bit %d flip accepted", i, bit);
			ck_assert_msg(s == HEC_ERR_FORMAT || s == HEC_ERR_CHECKSUM || s == HEC_ERR_UNSUPPORTED,
			              "byte %zu: status %d", i, (int)s);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	/* Every truncation. */
	for (size_t cut = 0; cut < len; cut++)
		ck_assert_msg(hec_ml_model_deserialize(&b, buf, cut) != HEC_OK, "cut %zu accepted", cut);
	/* Payload bytes: the checksum catches a flip anywhere. */
	for (size_t i = HEC_FILE_HEADER_SIZE; i < len; i += 1 + test_rng_below(&r, 97)) {
		buf[i] ^= 0x40;
		ck_assert_int_eq(hec_ml_model_deserialize(&b, buf, len), HEC_ERR_CHECKSUM);
		buf[i] ^= 0x40;
	}
	/* Trailing garbage through the file reader. */
	char p[64];
	tmp_path(p, sizeof p, "t.hcm");
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	write_bytes(p, longer, len + 1);
	ck_assert_int_eq(hec_ml_model_load(&b, p), HEC_ERR_FORMAT);
	write_bytes(p, buf, len / 2);
	ck_assert_int_eq(hec_ml_model_load(&b, p), HEC_ERR_FORMAT);
	CK_OK(hec_ml_model_deserialize(&b, buf, len));
	hec_ml_model_free(b);
	unlink(p);
	free(longer);
	free(buf);
	hec_ml_model_free(m);
}
END_TEST

/* Re-seal a modified payload with valid checksums so the structural checks
 * (not the CRC) must catch the damage. */
static void reseal(uint8_t *buf, size_t len)
{
	uint32_t pc = (uint32_t)crc32(0, buf + HEC_FILE_HEADER_SIZE, (uInt)(len - HEC_FILE_HEADER_SIZE));
	for (int i = 0; i < 4; i++)
		buf[32 + i] = (uint8_t)(pc >> (8 * i));
	uint64_t pl = len - HEC_FILE_HEADER_SIZE;
	for (int i = 0; i < 8; i++)
		buf[24 + i] = (uint8_t)(pl >> (8 * i));
	uint32_t hc = (uint32_t)crc32(0, buf, 36);
	for (int i = 0; i < 4; i++)
		buf[36 + i] = (uint8_t)(hc >> (8 * i));
}

START_TEST(test_hostile_payload)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x30d3));
	hec_ml_model *m = small_model(&r);
	uint8_t *buf;
	size_t len;
	CK_OK(hec_ml_model_serialize(&buf, &len, m));
	uint8_t *c = malloc(len + 64);
	hec_ml_model *b = NULL;
	/* Any single payload byte change, re-sealed: rejected or a model that
	 * is still self-consistent — never a crash (ASan checks that). */
	size_t rejected = 0, tried = 0;
	for (size_t i = HEC_FILE_HEADER_SIZE; i < len; i += 1 + test_rng_below(&r, 13)) {
		memcpy(c, buf, len);
		c[i] ^= (uint8_t)(1 + test_rng_below(&r, 255));
		reseal(c, len);
		tried++;
		hec_status s = hec_ml_model_deserialize(&b, c, len);
		if (s == HEC_OK)
			hec_ml_model_free(b);
		else
			rejected++;
	}
	ck_assert_uint_gt(tried, 0);
	/* Specific structural damage. */
	size_t meta_len_at = HEC_FILE_HEADER_SIZE + 8;
	memcpy(c, buf, len);
	c[meta_len_at] = 0xff; /* META longer than the file */
	c[meta_len_at + 5] = 0x7f;
	reseal(c, len);
	ck_assert_int_eq(hec_ml_model_deserialize(&b, c, len), HEC_ERR_FORMAT);
	memcpy(c, buf, len);
	memcpy(c + HEC_FILE_HEADER_SIZE, "LAYR", 4); /* first section not META */
	reseal(c, len);
	ck_assert_int_eq(hec_ml_model_deserialize(&b, c, len), HEC_ERR_FORMAT);
	/* An unknown required section. */
	memcpy(c, buf, len);
	uint8_t extra[16] = {'Z', 'Z', 'Z', 'Z', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	memcpy(c + len, extra, 16);
	reseal(c, len + 16);
	ck_assert_int_eq(hec_ml_model_deserialize(&b, c, len + 16), HEC_ERR_UNSUPPORTED);
	/* An unknown optional section is kept. */
	extra[4] = 0;
	memcpy(c + len, extra, 16);
	reseal(c, len + 16);
	CK_OK(hec_ml_model_deserialize(&b, c, len + 16));
	size_t sl = 1;
	ck_assert_ptr_nonnull(hec_ml_model_section_get(b, "ZZZZ", &sl));
	ck_assert_uint_eq(sl, 0);
	hec_ml_model_free(b);
	/* A newer format version. */
	memcpy(c, buf, len);
	c[8] = 2;
	reseal(c, len);
	ck_assert_int_eq(hec_ml_model_deserialize(&b, c, len), HEC_ERR_UNSUPPORTED);
	/* Another object type. */
	memcpy(c, buf, len);
	c[12] = 'X';
	reseal(c, len);
	ck_assert_int_eq(hec_ml_model_deserialize(&b, c, len), HEC_ERR_UNSUPPORTED);
	/* A NaN weight: find the first dense layer's first weight by
	 * re-serialising a model whose weight is NaN. */
	hec_ml_model_weights(m, 0)[0] = NAN;
	uint8_t *nb;
	size_t nl;
	CK_OK(hec_ml_model_serialize(&nb, &nl, m));
	ck_assert_int_eq(hec_ml_model_deserialize(&b, nb, nl), HEC_ERR_FORMAT);
	free(nb);
	free(c);
	free(buf);
	hec_ml_model_free(m);
}
END_TEST

/* A failed save leaves the existing file untouched. */
START_TEST(test_atomic_save)
{
	test_rng r;
	test_rng_init(&r, test_seed(0x30d4));
	hec_ml_model *m = small_model(&r);
	char p[64];
	tmp_path(p, sizeof p, "keep.hcm");
	write_bytes(p, "precious", 8);
	hec_ml_model *junk;
	ck_assert_int_ne(hec_ml_model_load(&junk, p), HEC_OK);
	char bad[128];
	snprintf(bad, sizeof bad, "%s.missing-dir/x.hcm", p);
	ck_assert_int_eq(hec_ml_model_save(m, bad), HEC_ERR_IO);
	FILE *f = fopen(p, "rb");
	char got[16] = {0};
	ck_assert_uint_eq(fread(got, 1, sizeof got, f), 8);
	fclose(f);
	ck_assert_str_eq(got, "precious");
	CK_OK(hec_ml_model_save(m, p));
	hec_ml_model *b;
	CK_OK(hec_ml_model_load(&b, p));
	hec_ml_model_free(b);
	unlink(p);
	hec_ml_model_free(m);
}
END_TEST

START_TEST(test_builder_rejects)
{
	static const unsigned labels[2] = {3, 8};
	hec_ml_input_t in = {2, 0, 1};
	hec_ml_model *m;
	ck_assert_int_eq(hec_ml_model_new(&m, "cifar", &in, HEC_ML_BINARY, labels, 2), HEC_ERR_ARG);
	in.std = 0;
	ck_assert_int_eq(hec_ml_model_new(&m, "mnist", &in, HEC_ML_BINARY, labels, 2), HEC_ERR_ARG);
	in.std = 1;
	ck_assert_int_eq(hec_ml_model_new(&m, "mnist", &in, HEC_ML_BINARY, labels, 3), HEC_ERR_ARG);
	CK_OK(hec_ml_model_new(&m, "mnist", &in, HEC_ML_BINARY, labels, 2));
	ck_assert_int_eq(hec_ml_model_add_conv(m, 4, 15, 1, 0), HEC_ERR_ARG); /* 15 > 14 */
	ck_assert_int_eq(hec_ml_model_add_avgpool(m, 20), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ml_model_add_dense(m, 0), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ml_model_add_dense(m, 1u << 20), HEC_ERR_ARG); /* too many weights */
	double c[17] = {0};
	ck_assert_int_eq(hec_ml_model_add_poly(m, c, 17), HEC_ERR_ARG);
	ck_assert_int_eq(hec_ml_model_section_set(m, "META", "x", 1), HEC_ERR_ARG);
	CK_OK(hec_ml_model_add_dense(m, 1));
	ck_assert_uint_eq(hec_ml_model_output_count(m), 1);
	ck_assert_uint_eq(hec_ml_model_mult_depth(m), 1);
	hec_ml_model_free(m);
	hec_ml_model_free(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ml-model-file");
	TCase *t = tcase_create("model");
	tcase_add_test(t, test_roundtrip);
	tcase_add_test(t, test_header_flips_and_truncation);
	tcase_add_test(t, test_hostile_payload);
	tcase_add_test(t, test_atomic_save);
	tcase_add_test(t, test_builder_rejects);
	suite_add_tcase(s, t);
	return s;
}

TEST_MAIN(suite)
