/* `hecate info` for the scheme objects (parameters, keys, ciphertexts,
 * plaintexts): the header, then what can be read without the context. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hecate/hecate.h"
#include "info_scheme.h"

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int cli_info_scheme(const char *path, FILE *f)
{
	uint8_t *buf;
	size_t len;
	/* Files of concatenated objects (a key file holds parameters and
	 * keys): describe each. */
	int objects = 0;
	uint16_t types[4] = {0};
	for (;;) {
		int c = fgetc(f);
		if (c == EOF)
			break;
		ungetc(c, f);
		hec_status s = hec_object_read(f, &buf, &len, UINT64_C(1) << 40);
		if (s != HEC_OK) {
			fprintf(stderr, "hecate info: %s: object %d: %s\n", path, objects + 1, hec_error_detail());
			return 1;
		}
		hec_header_t h;
		s = hec_object_check(&h, buf, len);
		printf("object %d:  %s, format version %u, %zu bytes, parameters %016llx, CRC-32 %08x (%s)\n",
		       objects + 1, hec_object_type_name(h.type), h.version, len, (unsigned long long)h.fingerprint,
		       h.checksum, s == HEC_OK ? "valid" : "CORRUPT");
		const uint8_t *p = buf + HEC_HEADER_BYTES;
		if (s == HEC_OK && h.type == HEC_OBJ_PARAMS) {
			hec_context *c;
			if (hec_params_deserialize(&c, buf, len, true) == HEC_OK) {
				hec_context_describe(c, stdout);
				if (!hec_context_is_secure(c))
					printf("WARNING:    these parameters are NOT secure\n");
				hec_context_free(c);
			}
		} else if (s == HEC_OK && h.type == HEC_OBJ_CIPHERTEXT && len >= HEC_HEADER_BYTES + 20) {
			double scale;
			uint64_t bits = le(p + 8, 8);
			memcpy(&scale, &bits, 8);
			printf("  level %llu, %llu polynomials, scale 2^%.3f%s\n", (unsigned long long)le(p, 4),
			       (unsigned long long)le(p + 4, 4), log2(scale),
			       le(p + 16, 4) ? ", seeded (symmetric: uniform half stored as a seed)" : "");
		} else if (s == HEC_OK && h.type == HEC_OBJ_EVAL_KEYS && len >= HEC_HEADER_BYTES + 8) {
			printf("  relinearisation key: %s, Galois keys: %llu\n", le(p, 4) ? "yes" : "no",
			       (unsigned long long)le(p + 4, 4));
		} else if (s == HEC_OK && h.type == HEC_OBJ_SECRET_KEY) {
			printf("  SECRET: keep this file private (mode 0600); never send it to a server\n");
		}
		free(buf);
		if (objects < 4)
			types[objects] = h.type;
		objects++;
		if (s != HEC_OK)
			return 1;
	}
	/* The files `hecate keygen` writes. */
	if (objects == 2 && types[0] == HEC_OBJ_PARAMS && types[1] == HEC_OBJ_SECRET_KEY)
		printf("file kind: the client's secret.key (hecate keygen): parameters + secret key\n");
	else if (objects == 3 && types[0] == HEC_OBJ_PARAMS && types[1] == HEC_OBJ_PUBLIC_KEY &&
	         types[2] == HEC_OBJ_EVAL_KEYS)
		printf("file kind: the server's eval.keys (hecate keygen): parameters + public key + evaluation keys; "
		       "holds nothing that decrypts\n");
	return 0;
}
