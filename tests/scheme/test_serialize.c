/* Serialization: round trips for every object type, and rejection of
 * corrupt, truncated, foreign and out-of-range input with specific codes. */
#include <zlib.h>

#include "../../src/scheme/internal.h"
#include "scheme_testutil.h"

/* Re-seal a tampered object: recompute its CRC-32 (zlib's CRC is the same
 * IEEE polynomial) so the reader reaches the field-level checks. */
static void reseal(uint8_t *buf, size_t len)
{
	memset(buf + 32, 0, 4);
	uint32_t c = (uint32_t)crc32(0, buf, (uInt)len);
	for (int i = 0; i < 4; i++)
		buf[32 + i] = (uint8_t)(c >> (8 * i));
}

struct fix {
	hec_context *c;
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	hec_evaluator *ev;
	hec_plaintext *pt;
	hec_ciphertext *ct;
	double complex v[512], w[512];
	size_t slots;
};

static void setup(struct fix *f, uint64_t seed)
{
	test_rng r;
	test_rng_init(&r, seed);
	deterministic_randomness(seed);
	f->c = small_ckks(10, 3, 1, 3, 40);
	f->slots = hec_context_slots(f->c);
	int64_t steps[] = {1, 5};
	ck_assert_int_eq(hec_secret_key_new(&f->sk, f->c), HEC_OK);
	ck_assert_int_eq(hec_public_key_new(&f->pk, f->sk), HEC_OK);
	ck_assert_int_eq(hec_eval_keys_new(&f->ek, f->sk, true, steps, 2, false), HEC_OK);
	ck_assert_int_eq(hec_evaluator_new(&f->ev, f->c, f->ek), HEC_OK);
	ck_assert_int_eq(hec_plaintext_new(&f->pt, f->c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_new(&f->ct, f->c), HEC_OK);
	random_values(&r, f->v, f->slots, 1.0);
	ck_assert_int_eq(hec_ckks_encode(f->pt, f->v, f->slots, f->slots, 2, 0x1p40), HEC_OK);
	ck_assert_int_eq(hec_encrypt(f->ct, f->pk, f->pt), HEC_OK);
}

static void teardown(struct fix *f)
{
	hec_ciphertext_free(f->ct);
	hec_plaintext_free(f->pt);
	hec_evaluator_free(f->ev);
	hec_eval_keys_free(f->ek);
	hec_public_key_free(f->pk);
	hec_secret_key_free(f->sk);
	hec_context_free(f->c);
}

static double decrypt_err(struct fix *f, const hec_secret_key *sk, const hec_ciphertext *ct, const double complex *want)
{
	ck_assert_int_eq(hec_decrypt(f->pt, sk, ct), HEC_OK);
	ck_assert_int_eq(hec_ckks_decode(f->w, f->slots, f->pt), HEC_OK);
	return max_err(f->w, want, f->slots);
}

START_TEST(test_roundtrips)
{
	struct fix f;
	setup(&f, test_seed(0x5e41));
	size_t N = hec_context_n(f.c);
	double bound = bound_fresh(N, 0x1p40) + bound_encode(f.slots, 0x1p40);
	uint8_t *buf;
	size_t len;

	/* parameters -> an equal context */
	ck_assert_int_eq(hec_params_serialize(f.c, &buf, &len), HEC_OK);
	hec_context *c2;
	ck_assert_int_eq(hec_params_deserialize(&c2, buf, len, false), HEC_ERR_INSECURE);
	ck_assert_int_eq(hec_params_deserialize(&c2, buf, len, true), HEC_OK);
	ck_assert_uint_eq(hec_context_fingerprint(c2), hec_context_fingerprint(f.c));
	hec_context_free(c2);
	free(buf);

	/* secret key: decrypts what the original encrypted */
	ck_assert_int_eq(hec_secret_key_serialize(f.sk, &buf, &len), HEC_OK);
	ck_assert_uint_eq(len, HEC_HEADER_BYTES + 4 + N / 4);
	hec_secret_key *sk2;
	ck_assert_int_eq(hec_secret_key_deserialize(&sk2, f.c, buf, len), HEC_OK);
	ck_assert(decrypt_err(&f, sk2, f.ct, f.v) <= bound);
	free(buf);

	/* public key: the copy encrypts for the original secret */
	ck_assert_int_eq(hec_public_key_serialize(f.pk, &buf, &len), HEC_OK);
	hec_public_key *pk2;
	ck_assert_int_eq(hec_public_key_deserialize(&pk2, f.c, buf, len), HEC_OK);
	hec_ciphertext *ct2;
	ck_assert_int_eq(hec_ciphertext_new(&ct2, f.c), HEC_OK);
	ck_assert_int_eq(hec_encrypt(ct2, pk2, f.pt), HEC_OK);
	ck_assert(decrypt_err(&f, f.sk, ct2, f.v) <= bound);
	free(buf);

	/* ciphertexts: public-key (size 2 and 3) and seeded symmetric; the
	 * seeded one is about half the size */
	ck_assert_int_eq(hec_ciphertext_serialize(f.ct, &buf, &len), HEC_OK);
	size_t full = len;
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, buf, len), HEC_OK);
	ck_assert(decrypt_err(&f, f.sk, ct2, f.v) <= bound);
	free(buf);
	ck_assert_int_eq(hec_ckks_encode(f.pt, f.v, f.slots, f.slots, 2, 0x1p40), HEC_OK);
	ck_assert_int_eq(hec_encrypt_symmetric(ct2, f.sk, f.pt), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_serialize(ct2, &buf, &len), HEC_OK);
	ck_assert_uint_lt(len, full / 2 + 100);
	hec_ciphertext *ct3;
	ck_assert_int_eq(hec_ciphertext_new(&ct3, f.c), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct3, buf, len), HEC_OK);
	ck_assert(decrypt_err(&f, f.sk, ct3, f.v) <= bound);
	free(buf);
	ck_assert_int_eq(hec_ckks_mul(f.ev, ct2, f.ct, f.ct), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_serialize(ct2, &buf, &len), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct3, buf, len), HEC_OK);
	ck_assert_uint_eq(hec_ciphertext_size(ct3), 3);
	free(buf);

	/* evaluation keys: rotate with the copy */
	ck_assert_int_eq(hec_eval_keys_serialize(f.ek, &buf, &len), HEC_OK);
	hec_eval_keys *ek2;
	ck_assert_int_eq(hec_eval_keys_deserialize(&ek2, f.c, buf, len), HEC_OK);
	ck_assert_uint_eq(hec_eval_keys_count(ek2), 2);
	hec_evaluator *ev2;
	ck_assert_int_eq(hec_evaluator_new(&ev2, f.c, ek2), HEC_OK);
	ck_assert_int_eq(hec_ckks_rotate(ev2, ct2, f.ct, 5), HEC_OK);
	double complex want[512];
	for (size_t i = 0; i < f.slots; i++)
		want[i] = f.v[(i + 5) % f.slots];
	ck_assert(decrypt_err(&f, f.sk, ct2, want) <= bound + bound_keyswitch(N, 3, 0) / 0x1p40);
	free(buf);

	/* plaintext */
	ck_assert_int_eq(hec_ckks_encode(f.pt, f.v, f.slots, f.slots, 1, 0x1p40), HEC_OK);
	ck_assert_int_eq(hec_plaintext_serialize(f.pt, &buf, &len), HEC_OK);
	hec_plaintext *pt2;
	ck_assert_int_eq(hec_plaintext_new(&pt2, f.c), HEC_OK);
	ck_assert_int_eq(hec_plaintext_deserialize(pt2, buf, len), HEC_OK);
	ck_assert_int_eq(hec_ckks_decode(f.w, f.slots, pt2), HEC_OK);
	ck_assert(max_err(f.w, f.v, f.slots) <= bound_encode(f.slots, 0x1p40));
	free(buf);

	hec_plaintext_free(pt2);
	hec_evaluator_free(ev2);
	hec_eval_keys_free(ek2);
	hec_ciphertext_free(ct3);
	hec_ciphertext_free(ct2);
	hec_public_key_free(pk2);
	hec_secret_key_free(sk2);
	teardown(&f);
}
END_TEST

/* Every header byte flipped, payload bytes flipped, every truncation. */
START_TEST(test_reject_corruption)
{
	struct fix f;
	setup(&f, test_seed(0xbad));
	uint8_t *buf;
	size_t len;
	ck_assert_int_eq(hec_ciphertext_serialize(f.ct, &buf, &len), HEC_OK);
	hec_ciphertext *ct2;
	ck_assert_int_eq(hec_ciphertext_new(&ct2, f.c), HEC_OK);
	for (size_t i = 0; i < HEC_HEADER_BYTES; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			hec_status s = hec_ciphertext_deserialize(ct2, buf, len);
			ck_assert_msg(s == HEC_ERR_FORMAT || s == HEC_ERR_CHECKSUM, "header byte %zu bit %d: %d", i, bit, s);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (size_t i = HEC_HEADER_BYTES; i < len; i += 97) {
		buf[i] ^= 0x10;
		ck_assert_int_eq(hec_ciphertext_deserialize(ct2, buf, len), HEC_ERR_CHECKSUM);
		buf[i] ^= 0x10;
	}
	for (size_t cut = 0; cut < len; cut += (cut < 100 ? 1 : 1013))
		ck_assert_int_eq(hec_ciphertext_deserialize(ct2, buf, cut), HEC_ERR_FORMAT);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, buf, len), HEC_OK);
	/* Another object type in a ciphertext's place. */
	uint8_t *kb;
	size_t kl;
	ck_assert_int_eq(hec_public_key_serialize(f.pk, &kb, &kl), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, kb, kl), HEC_ERR_FORMAT);
	ck_assert(strstr(hec_error_detail(), "expected ciphertext") != NULL);
	free(kb);
	free(buf);
	/* The same through a stream: truncated file. */
	ck_assert_int_eq(hec_ciphertext_serialize(f.ct, &buf, &len), HEC_OK);
	FILE *tf = tmpfile();
	ck_assert_ptr_nonnull(tf);
	fwrite(buf, 1, len - 10, tf);
	rewind(tf);
	uint8_t *rb;
	size_t rl;
	ck_assert_int_eq(hec_object_read(tf, &rb, &rl, hec_context_max_payload(f.c)), HEC_ERR_FORMAT);
	rewind(tf);
	ck_assert_int_eq(hec_object_read(tf, &rb, &rl, 100), HEC_ERR_FORMAT); /* payload over the limit */
	fclose(tf);
	tf = tmpfile();
	ck_assert_int_eq(hec_object_write(tf, buf, len), HEC_OK);
	rewind(tf);
	ck_assert_int_eq(hec_object_read(tf, &rb, &rl, hec_context_max_payload(f.c)), HEC_OK);
	ck_assert_uint_eq(rl, len);
	ck_assert(memcmp(rb, buf, len) == 0);
	free(rb);
	fclose(tf);
	free(buf);
	hec_ciphertext_free(ct2);
	teardown(&f);
}
END_TEST

/* Well-formed but hostile content: each with its own code. */
START_TEST(test_reject_content)
{
	struct fix f;
	setup(&f, test_seed(0xc0ffee));
	uint8_t *buf;
	size_t len;
	hec_ciphertext *ct2;
	ck_assert_int_eq(hec_ciphertext_new(&ct2, f.c), HEC_OK);

	/* A coefficient equal to its prime. */
	uint64_t keep = f.ct->c[0].c[5];
	f.ct->c[0].c[5] = hec_ring_q(hec_context_ring(f.c), 0);
	ck_assert_int_eq(hec_ciphertext_serialize(f.ct, &buf, &len), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, buf, len), HEC_ERR_RANGE);
	ck_assert(strstr(hec_error_detail(), "not below its prime") != NULL);
	free(buf);
	f.ct->c[0].c[5] = keep;

	ck_assert_int_eq(hec_ciphertext_serialize(f.ct, &buf, &len), HEC_OK);
	/* payload: level u32 @48, size u32 @52, scale f64 @56 */
	uint8_t *t = malloc(len);
	memcpy(t, buf, len);
	t[48] = 100; /* level above the top */
	reseal(t, len);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, t, len), HEC_ERR_RANGE);
	memcpy(t, buf, len);
	t[52] = 7; /* 7 polynomials */
	reseal(t, len);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, t, len), HEC_ERR_RANGE);
	memcpy(t, buf, len);
	double nan = NAN;
	memcpy(t + 56, &nan, 8);
	reseal(t, len);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, t, len), HEC_ERR_RANGE);
	memcpy(t, buf, len);
	double neg = -1;
	memcpy(t + 56, &neg, 8);
	reseal(t, len);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, t, len), HEC_ERR_RANGE);
	/* The level says 1 but the payload holds 3 limbs: trailing bytes. */
	memcpy(t, buf, len);
	t[48] = 1;
	reseal(t, len);
	ck_assert_int_eq(hec_ciphertext_deserialize(ct2, t, len), HEC_ERR_FORMAT);
	free(t);

	/* Another parameter set: the fingerprint differs. */
	hec_context *other = small_ckks(10, 2, 1, 2, 40);
	hec_ciphertext *cto;
	ck_assert_int_eq(hec_ciphertext_new(&cto, other), HEC_OK);
	ck_assert_int_eq(hec_ciphertext_deserialize(cto, buf, len), HEC_ERR_MISMATCH);
	hec_public_key *pko;
	uint8_t *kb;
	size_t kl;
	ck_assert_int_eq(hec_public_key_serialize(f.pk, &kb, &kl), HEC_OK);
	ck_assert_int_eq(hec_public_key_deserialize(&pko, other, kb, kl), HEC_ERR_MISMATCH);
	free(kb);
	/* Evaluation keys claiming more Galois keys than fit. */
	ck_assert_int_eq(hec_eval_keys_serialize(f.ek, &kb, &kl), HEC_OK);
	hec_eval_keys *eko;
	kb[52] = 0xff;
	kb[53] = 0xff;
	reseal(kb, kl);
	ck_assert_int_eq(hec_eval_keys_deserialize(&eko, f.c, kb, kl), HEC_ERR_FORMAT);
	free(kb);
	/* A secret key with a non-ternary code. */
	ck_assert_int_eq(hec_secret_key_serialize(f.sk, &kb, &kl), HEC_OK);
	kb[60] = 0xff;
	reseal(kb, kl);
	hec_secret_key *sko;
	ck_assert_int_eq(hec_secret_key_deserialize(&sko, f.c, kb, kl), HEC_ERR_RANGE);
	free(kb);
	hec_ciphertext_free(cto);
	hec_context_free(other);
	free(buf);
	hec_ciphertext_free(ct2);
	teardown(&f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("serialize");
	TCase *tc = tcase_create("serialize");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_roundtrips);
	tcase_add_test(tc, test_reject_corruption);
	tcase_add_test(tc, test_reject_content);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
