/* An encrypted dot product with CKKS: the smallest complete Hecate program.
 *
 *   cc ckks_basics.c $(pkg-config --cflags --libs hecate) -o ckks_basics
 *
 * The client encrypts a vector x; the server, holding only public keys and
 * a plaintext weight vector w, computes <w, x> under encryption; the client
 * decrypts the result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <hecate/hecate.h>

#define CHECK(call)                                                                        \
	do {                                                                               \
		hec_status s_ = (call);                                                    \
		if (s_ != HEC_OK) {                                                        \
			fprintf(stderr, "%s: %s (%s)\n", #call, hec_status_str(s_), hec_error_detail()); \
			return 1;                                                          \
		}                                                                          \
	} while (0)

int main(void)
{
	enum { DIM = 64 };
	hec_params_t params;
	CHECK(hec_params_preset(&params, "ckks-n13"));
	hec_context *ctx;
	CHECK(hec_context_new(&ctx, &params)); /* refuses insecure parameters */

	/* Client: keys. The rotations 1, 2, 4, ... let the server sum the slots. */
	int64_t steps[6] = {1, 2, 4, 8, 16, 32};
	hec_secret_key *sk;
	hec_public_key *pk;
	hec_eval_keys *ek;
	CHECK(hec_secret_key_new(&sk, ctx));
	CHECK(hec_public_key_new(&pk, sk));
	CHECK(hec_eval_keys_new(&ek, sk, false, steps, 6, false));

	/* Client: encrypt x (DIM slots, repeated over the whole vector). */
	double x[DIM], w[DIM], want = 0;
	for (int i = 0; i < DIM; i++) {
		x[i] = sin(0.1 * i);
		w[i] = cos(0.05 * i) / DIM;
		want += x[i] * w[i];
	}
	double scale = exp2(params.log_scale);
	size_t top = hec_context_max_level(ctx);
	hec_plaintext *pt;
	hec_ciphertext *ct;
	CHECK(hec_plaintext_new(&pt, ctx));
	CHECK(hec_ciphertext_new(&ct, ctx));
	CHECK(hec_ckks_encode_real(pt, x, DIM, DIM, top, scale));
	CHECK(hec_encrypt(ct, pk, pt));

	/* Server: multiply by w (encoded at the next prime, so the rescale
	 * restores the scale) and sum the DIM slots with log2(DIM) rotations. */
	hec_evaluator *ev;
	CHECK(hec_evaluator_new(&ev, ctx, ek));
	CHECK(hec_ckks_encode_real(pt, w, DIM, DIM, top, (double)hec_ring_q(hec_context_ring(ctx), top)));
	CHECK(hec_ckks_mul_plain(ev, ct, ct, pt));
	CHECK(hec_ckks_rescale(ev, ct, ct));
	CHECK(hec_ckks_rotate_sum(ev, ct, ct, DIM, 1));

	/* Client: decrypt. */
	double complex got[DIM];
	CHECK(hec_decrypt(pt, sk, ct));
	CHECK(hec_ckks_decode(got, DIM, pt));
	double err = fabs(creal(got[0]) - want);
	printf("<w, x> = %.9f encrypted, %.9f in the clear, error %.2e\n", creal(got[0]), want, err);

	hec_evaluator_free(ev);
	hec_ciphertext_free(ct);
	hec_plaintext_free(pt);
	hec_eval_keys_free(ek);
	hec_public_key_free(pk);
	hec_secret_key_free(sk);
	hec_context_free(ctx);
	return err < 1e-6 ? 0 : 1;
}
