/* Serialization of every public scheme object (DESIGN.md, "Serialization").
 * Writers build a buffer; readers validate every field against the local
 * context before using it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) ------------- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- writer ------------------------------------------------------------ */

struct writer {
	uint8_t *p;
	size_t len, cap;
	bool oom;
	uint64_t bits; /* pending bits for bit-packing */
	unsigned nbits;
};

static void w_reserve(struct writer *w, size_t more)
{
	if (w->oom || w->len + more <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : 4096;
	while (cap < w->len + more)
		cap *= 2;
	uint8_t *p = realloc(w->p, cap);
	if (!p) {
		w->oom = true;
		return;
	}
	w->p = p;
	w->cap = cap;
}

static void w_bytes(struct writer *w, const void *data, size_t n)
{
	w_reserve(w, n);
	if (w->oom)
		return;
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

static void w_uint(struct writer *w, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	w_bytes(w, b, bytes);
}

static void w_f64(struct writer *w, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	w_uint(w, v, 8);
}

/* Append `width` bits of v, least significant first. */
static void w_bits(struct writer *w, uint64_t v, unsigned width)
{
	while (width) {
		unsigned take = width < 64 - w->nbits ? width : 64 - w->nbits;
		uint64_t part = take == 64 ? v : v & ((UINT64_C(1) << take) - 1);
		w->bits |= part << w->nbits;
		w->nbits += take;
		v = take == 64 ? 0 : v >> take;
		width -= take;
		while (w->nbits >= 8) {
			w_uint(w, w->bits & 0xff, 1);
			w->bits >>= 8;
			w->nbits -= 8;
		}
	}
}

static void w_flush_bits(struct writer *w)
{
	if (w->nbits)
		w_uint(w, w->bits & 0xff, 1);
	w->bits = 0;
	w->nbits = 0;
}

static unsigned prime_width(const hec_ring *r, hec_basis b, size_t i)
{
	uint64_t q = b == HEC_BASIS_Q ? hec_ring_q(r, i) : hec_ring_p(r, i);
	return 64 - (unsigned)__builtin_clzll(q);
}

/* Limbs [0, limbs) of p, each bit-packed to its prime's width. */
static void w_poly(struct writer *w, const hec_poly *p, size_t limbs)
{
	size_t n = hec_ring_n(p->ring);
	for (size_t i = 0; i < limbs; i++) {
		unsigned width = prime_width(p->ring, p->basis, i);
		const uint64_t *c = hec_poly_limb(p, i);
		for (size_t k = 0; k < n; k++)
			w_bits(w, c[k], width);
		w_flush_bits(w);
	}
}

static void w_header(struct writer *w, uint16_t type, uint64_t fingerprint)
{
	w_bytes(w, "HECATE", 6);
	w_uint(w, HEC_FORMAT_VERSION, 2);
	w_uint(w, type, 2);
	w_uint(w, 0, 2);  /* flags */
	w_uint(w, 0, 4);  /* reserved */
	w_uint(w, fingerprint, 8);
	w_uint(w, 0, 8);  /* payload length, patched */
	w_uint(w, 0, 4);  /* checksum, patched */
	w_uint(w, 0, 8);  /* reserved */
	w_uint(w, 0, 4);
}

static hec_status w_finish(struct writer *w, uint8_t **buf, size_t *len)
{
	if (w->oom) {
		free(w->p);
		return hec_error_set(HEC_ERR_NOMEM, "serialize: out of memory");
	}
	uint64_t payload = w->len - HEC_HEADER_BYTES;
	for (int i = 0; i < 8; i++)
		w->p[24 + i] = (uint8_t)(payload >> (8 * i));
	uint32_t crc = crc32_update(0, w->p, w->len);
	for (int i = 0; i < 4; i++)
		w->p[32 + i] = (uint8_t)(crc >> (8 * i));
	*buf = w->p;
	*len = w->len;
	return HEC_OK;
}

/* ---- reader ------------------------------------------------------------ */

struct reader {
	const uint8_t *p;
	size_t len, pos;
	bool short_read;
	uint64_t bits;
	unsigned nbits;
};

static const uint8_t *r_bytes(struct reader *r, size_t n)
{
	if (r->short_read || n > r->len - r->pos) {
		r->short_read = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static uint64_t r_uint(struct reader *r, unsigned bytes)
{
	const uint8_t *b = r_bytes(r, bytes);
	uint64_t v = 0;
	for (unsigned i = 0; b && i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static double r_f64(struct reader *r)
{
	uint64_t v = r_uint(r, 8);
	double d;
	memcpy(&d, &v, 8);
	return d;
}

static uint64_t r_bits(struct reader *r, unsigned width)
{
	uint64_t v = 0;
	unsigned got = 0;
	while (got < width) {
		if (!r->nbits) {
			r->bits = r_uint(r, 1);
			r->nbits = 8;
		}
		unsigned take = width - got < r->nbits ? width - got : r->nbits;
		v |= (r->bits & ((UINT64_C(1) << take) - 1)) << got;
		r->bits >>= take;
		r->nbits -= take;
		got += take;
	}
	return v;
}

static void r_align(struct reader *r)
{
	r->nbits = 0;
	r->bits = 0;
}

/* Read limbs [0, limbs) into p, rejecting any coefficient >= its prime. */
static hec_status r_poly(struct reader *r, hec_poly *p, size_t limbs, const char *what)
{
	size_t n = hec_ring_n(p->ring);
	for (size_t i = 0; i < limbs; i++) {
		unsigned width = prime_width(p->ring, p->basis, i);
		uint64_t q = p->basis == HEC_BASIS_Q ? hec_ring_q(p->ring, i) : hec_ring_p(p->ring, i);
		if ((n * width + 7) / 8 > r->len - r->pos)
			return hec_error_set(HEC_ERR_FORMAT, "deserialize: %s truncated in limb %zu", what, i);
		uint64_t *c = hec_poly_limb(p, i);
		for (size_t k = 0; k < n; k++) {
			c[k] = r_bits(r, width);
			if (c[k] >= q)
				return hec_error_set(HEC_ERR_RANGE,
				                     "deserialize: %s coefficient %zu of limb %zu is %llu, not below its prime %llu",
				                     what, k, i, (unsigned long long)c[k], (unsigned long long)q);
		}
		r_align(r);
	}
	return r->short_read ? hec_error_set(HEC_ERR_FORMAT, "deserialize: %s truncated", what) : HEC_OK;
}

const char *hec_object_type_name(uint16_t type)
{
	switch (type) {
	case HEC_OBJ_PARAMS: return "parameters";
	case HEC_OBJ_SECRET_KEY: return "secret key";
	case HEC_OBJ_PUBLIC_KEY: return "public key";
	case HEC_OBJ_EVAL_KEYS: return "evaluation keys";
	case HEC_OBJ_CIPHERTEXT: return "ciphertext";
	case HEC_OBJ_PLAINTEXT: return "plaintext";
	default: return "unknown";
	}
}

hec_status hec_header_parse(hec_header_t *h, const uint8_t *buf, size_t len)
{
	if (len < HEC_HEADER_BYTES)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: %zu bytes is shorter than the %d-byte header", len,
		                     HEC_HEADER_BYTES);
	if (memcmp(buf, "HECATE", 6) != 0)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: not a Hecate object (bad magic)");
	struct reader r = {buf, len, 6, false, 0, 0};
	h->version = (uint16_t)r_uint(&r, 2);
	h->type = (uint16_t)r_uint(&r, 2);
	h->flags = (uint16_t)r_uint(&r, 2);
	uint64_t reserved = r_uint(&r, 4);
	h->fingerprint = r_uint(&r, 8);
	h->payload_len = r_uint(&r, 8);
	h->checksum = (uint32_t)r_uint(&r, 4);
	reserved |= r_uint(&r, 8) | r_uint(&r, 4);
	if (h->version != HEC_FORMAT_VERSION)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: format version %u is not supported (this is version %d)",
		                     h->version, HEC_FORMAT_VERSION);
	if (h->flags || reserved)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: reserved header fields are not zero");
	return HEC_OK;
}

hec_status hec_object_check(hec_header_t *h, const uint8_t *buf, size_t len)
{
	hec_status s = hec_header_parse(h, buf, len);
	if (s != HEC_OK)
		return s;
	if (h->payload_len != len - HEC_HEADER_BYTES)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: header announces %llu payload bytes, %zu present%s",
		                     (unsigned long long)h->payload_len, len - HEC_HEADER_BYTES,
		                     h->payload_len > len - HEC_HEADER_BYTES ? " (truncated)" : "");
	uint8_t head[HEC_HEADER_BYTES];
	memcpy(head, buf, HEC_HEADER_BYTES);
	memset(head + 32, 0, 4);
	uint32_t crc = crc32_update(crc32_update(0, head, HEC_HEADER_BYTES), buf + HEC_HEADER_BYTES,
	                            len - HEC_HEADER_BYTES);
	if (crc != h->checksum)
		return hec_error_set(HEC_ERR_CHECKSUM, "deserialize: checksum %08x does not match the content (%08x): "
		                     "the data is corrupt", h->checksum, crc);
	return HEC_OK;
}

/* Header, checksum, type and fingerprint; leaves r at the payload. */
static hec_status open_object(struct reader *r, const uint8_t *buf, size_t len, uint16_t type, const hec_context *c)
{
	hec_header_t h;
	hec_status s = hec_object_check(&h, buf, len);
	if (s != HEC_OK)
		return s;
	if (h.type != type)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: expected %s, found %s", hec_object_type_name(type),
		                     hec_object_type_name(h.type));
	if (c && h.fingerprint != c->fingerprint)
		return hec_error_set(HEC_ERR_MISMATCH,
		                     "deserialize: this %s belongs to parameters %016llx, not to the context's %016llx",
		                     hec_object_type_name(type), (unsigned long long)h.fingerprint,
		                     (unsigned long long)c->fingerprint);
	*r = (struct reader){buf, len, HEC_HEADER_BYTES, false, 0, 0};
	return HEC_OK;
}

static hec_status close_object(struct reader *r, const char *what)
{
	if (r->short_read)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: %s truncated", what);
	if (r->pos != r->len)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: %zu unexpected bytes after the %s", r->len - r->pos, what);
	return HEC_OK;
}

/* ---- parameters -------------------------------------------------------- */

hec_status hec_params_serialize(const hec_context *c, uint8_t **buf, size_t *len)
{
	const hec_params_t *p = &c->params;
	struct writer w = {0};
	w_header(&w, HEC_OBJ_PARAMS, c->fingerprint);
	w_uint(&w, (uint64_t)p->scheme, 4);
	w_uint(&w, p->log_n, 4);
	w_uint(&w, p->nq, 4);
	for (unsigned i = 0; i < p->nq; i++)
		w_uint(&w, p->q_bits[i], 1);
	w_uint(&w, p->np, 4);
	for (unsigned i = 0; i < p->np; i++)
		w_uint(&w, p->p_bits[i], 1);
	w_uint(&w, p->dnum, 4);
	w_f64(&w, p->log_scale);
	w_uint(&w, p->t, 8);
	w_uint(&w, p->secret_hw, 4);
	w_uint(&w, (uint64_t)p->security, 4);
	w_uint(&w, c->secure ? 0 : 1, 4);
	return w_finish(&w, buf, len);
}

hec_status hec_params_deserialize(hec_context **out, const uint8_t *buf, size_t len, bool allow_insecure)
{
	*out = NULL;
	struct reader r = {0};
	hec_status s = open_object(&r, buf, len, HEC_OBJ_PARAMS, NULL);
	if (s != HEC_OK)
		return s;
	hec_params_t p = {0};
	p.scheme = (hec_scheme)r_uint(&r, 4);
	p.log_n = (unsigned)r_uint(&r, 4);
	p.nq = (unsigned)r_uint(&r, 4);
	if (p.nq > HEC_PARAMS_MAX_Q)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: %u ciphertext primes (at most %d)", p.nq, HEC_PARAMS_MAX_Q);
	for (unsigned i = 0; i < p.nq; i++)
		p.q_bits[i] = (unsigned)r_uint(&r, 1);
	p.np = (unsigned)r_uint(&r, 4);
	if (p.np > HEC_PARAMS_MAX_P)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: %u special primes (at most %d)", p.np, HEC_PARAMS_MAX_P);
	for (unsigned i = 0; i < p.np; i++)
		p.p_bits[i] = (unsigned)r_uint(&r, 1);
	p.dnum = (unsigned)r_uint(&r, 4);
	p.log_scale = r_f64(&r);
	p.t = r_uint(&r, 8);
	p.secret_hw = (unsigned)r_uint(&r, 4);
	p.security = (hec_security)r_uint(&r, 4);
	uint64_t insecure = r_uint(&r, 4);
	if ((s = close_object(&r, "parameters")) != HEC_OK)
		return s;
	if (insecure > 1)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: bad parameter flags");
	if (insecure && !allow_insecure)
		return hec_error_set(HEC_ERR_INSECURE, "deserialize: these parameters are marked insecure; refusing them");
	hec_context *c;
	s = insecure ? hec_context_new_insecure(&c, &p) : hec_context_new(&c, &p);
	if (s != HEC_OK)
		return s;
	hec_header_t h;
	hec_header_parse(&h, buf, len);
	if (h.fingerprint != c->fingerprint) {
		hec_context_free(c);
		return hec_error_set(HEC_ERR_MISMATCH, "deserialize: parameters do not match their own fingerprint");
	}
	*out = c;
	return HEC_OK;
}

/* ---- keys ---------------------------------------------------------------- */

hec_status hec_secret_key_serialize(const hec_secret_key *sk, uint8_t **buf, size_t *len)
{
	const hec_context *c = sk->ctx;
	size_t n = hec_context_n(c);
	hec_poly s = {0};
	hec_status st = hec_poly_init(&s, c->ring, HEC_BASIS_Q, 1, true);
	if (st != HEC_OK)
		return st;
	memcpy(s.c, sk->s_q.c, n * sizeof *s.c);
	hec_poly_ntt_inv(&s);
	uint64_t q0 = hec_ring_q(c->ring, 0);
	struct writer w = {0};
	w_header(&w, HEC_OBJ_SECRET_KEY, c->fingerprint);
	w_uint(&w, n, 4);
	/* Two bits per coefficient: 0, 1, or 2 for -1. */
	for (size_t k = 0; k < n; k++)
		w_bits(&w, s.c[k] == 0 ? 0 : s.c[k] == 1 ? 1 : 2, 2);
	w_flush_bits(&w);
	hec_poly_clear(&s);
	(void)q0;
	hec_status r = w_finish(&w, buf, len);
	return r;
}

hec_status hec_secret_key_deserialize(hec_secret_key **out, const hec_context *c, const uint8_t *buf, size_t len)
{
	*out = NULL;
	struct reader r = {0};
	hec_status s = open_object(&r, buf, len, HEC_OBJ_SECRET_KEY, c);
	if (s != HEC_OK)
		return s;
	size_t n = hec_context_n(c);
	if (r_uint(&r, 4) != n)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: secret key degree differs from the context's");
	if ((n * 2 + 7) / 8 != r.len - r.pos)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: secret key has %zu payload bytes, expected %zu",
		                     r.len - r.pos, (n * 2 + 7) / 8);
	int64_t *v = malloc(n * sizeof *v);
	hec_secret_key *sk = calloc(1, sizeof *sk);
	if (!v || !sk) {
		free(v);
		free(sk);
		return hec_error_set(HEC_ERR_NOMEM, "deserialize: out of memory");
	}
	for (size_t k = 0; k < n && s == HEC_OK; k++) {
		uint64_t code = r_bits(&r, 2);
		if (code == 3)
			s = hec_error_set(HEC_ERR_RANGE, "deserialize: secret key coefficient %zu is not ternary", k);
		v[k] = code == 2 ? -1 : (int64_t)code;
	}
	if (s == HEC_OK)
		s = close_object(&r, "secret key");
	sk->ctx = c;
	if (s == HEC_OK)
		s = hec_poly_init(&sk->s_q, c->ring, HEC_BASIS_Q, c->params.nq, false);
	if (s == HEC_OK)
		s = hec_poly_init(&sk->s_p, c->ring, HEC_BASIS_P, c->params.np, false);
	if (s == HEC_OK) {
		hec_poly_set_i64(&sk->s_q, v);
		hec_poly_set_i64(&sk->s_p, v);
		hec_poly_ntt_fwd(&sk->s_q);
		hec_poly_ntt_fwd(&sk->s_p);
	}
	explicit_bzero(v, n * sizeof *v);
	free(v);
	if (s != HEC_OK) {
		hec_secret_key_free(sk);
		return s;
	}
	*out = sk;
	return HEC_OK;
}

hec_status hec_public_key_serialize(const hec_public_key *pk, uint8_t **buf, size_t *len)
{
	const hec_context *c = pk->ctx;
	struct writer w = {0};
	w_header(&w, HEC_OBJ_PUBLIC_KEY, c->fingerprint);
	w_bytes(&w, pk->seed, HEC_SEED_BYTES);
	w_poly(&w, &pk->b, c->params.nq);
	w_poly(&w, &pk->b_p, c->params.np);
	return w_finish(&w, buf, len);
}

hec_status hec_public_key_deserialize(hec_public_key **out, const hec_context *c, const uint8_t *buf, size_t len)
{
	*out = NULL;
	struct reader r = {0};
	hec_status s = open_object(&r, buf, len, HEC_OBJ_PUBLIC_KEY, c);
	if (s != HEC_OK)
		return s;
	hec_public_key *pk = calloc(1, sizeof *pk);
	if (!pk)
		return hec_error_set(HEC_ERR_NOMEM, "deserialize: out of memory");
	pk->ctx = c;
	const uint8_t *seed = r_bytes(&r, HEC_SEED_BYTES);
	if (!seed)
		s = hec_error_set(HEC_ERR_FORMAT, "deserialize: public key truncated");
	if (s == HEC_OK) {
		memcpy(pk->seed, seed, HEC_SEED_BYTES);
		s = hec_poly_init(&pk->b, c->ring, HEC_BASIS_Q, c->params.nq, true);
	}
	if (s == HEC_OK)
		s = r_poly(&r, &pk->b, c->params.nq, "public key");
	if (s == HEC_OK)
		s = hec_poly_init(&pk->b_p, c->ring, HEC_BASIS_P, c->params.np, true);
	if (s == HEC_OK)
		s = r_poly(&r, &pk->b_p, c->params.np, "public key");
	if (s == HEC_OK)
		s = close_object(&r, "public key");
	if (s == HEC_OK)
		s = _hec_expand_uniform(&pk->a, c, HEC_BASIS_Q, c->params.nq, pk->seed, 0);
	if (s == HEC_OK)
		s = _hec_expand_uniform(&pk->a_p, c, HEC_BASIS_P, c->params.np, pk->seed, 1);
	if (s != HEC_OK) {
		hec_public_key_free(pk);
		return s;
	}
	*out = pk;
	return HEC_OK;
}

static void w_switch_key(struct writer *w, const hec_context *c, const struct hec_switch_key *k)
{
	w_bytes(w, k->seed, HEC_SEED_BYTES);
	for (size_t j = 0; j < k->digits; j++) {
		w_poly(w, &k->bq[j], c->params.nq);
		w_poly(w, &k->bp[j], c->params.np);
	}
}

static hec_status r_switch_key(struct reader *r, const hec_context *c, struct hec_switch_key *k)
{
	size_t L = c->params.nq, K = c->params.np;
	memset(k, 0, sizeof *k);
	k->digits = c->params.dnum;
	k->bq = calloc(k->digits, sizeof *k->bq);
	k->bp = calloc(k->digits, sizeof *k->bp);
	k->aq = calloc(k->digits, sizeof *k->aq);
	k->ap = calloc(k->digits, sizeof *k->ap);
	if (!k->bq || !k->bp || !k->aq || !k->ap)
		return hec_error_set(HEC_ERR_NOMEM, "deserialize: out of memory");
	const uint8_t *seed = r_bytes(r, HEC_SEED_BYTES);
	if (!seed)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: evaluation keys truncated");
	memcpy(k->seed, seed, HEC_SEED_BYTES);
	hec_status s = HEC_OK;
	for (size_t j = 0; j < k->digits && s == HEC_OK; j++) {
		s = hec_poly_init(&k->bq[j], c->ring, HEC_BASIS_Q, L, true);
		if (s == HEC_OK)
			s = hec_poly_init(&k->bp[j], c->ring, HEC_BASIS_P, K, true);
		if (s == HEC_OK)
			s = r_poly(r, &k->bq[j], L, "evaluation key");
		if (s == HEC_OK)
			s = r_poly(r, &k->bp[j], K, "evaluation key");
		if (s == HEC_OK)
			s = _hec_expand_uniform(&k->aq[j], c, HEC_BASIS_Q, L, k->seed, 2 * j);
		if (s == HEC_OK)
			s = _hec_expand_uniform(&k->ap[j], c, HEC_BASIS_P, K, k->seed, 2 * j + 1);
	}
	return s;
}

hec_status hec_eval_keys_serialize(const hec_eval_keys *ek, uint8_t **buf, size_t *len)
{
	const hec_context *c = ek->ctx;
	struct writer w = {0};
	w_header(&w, HEC_OBJ_EVAL_KEYS, c->fingerprint);
	w_uint(&w, ek->has_relin, 4);
	w_uint(&w, ek->ngal, 4);
	for (size_t i = 0; i < ek->ngal; i++)
		w_uint(&w, ek->gal[i], 8);
	if (ek->has_relin)
		w_switch_key(&w, c, &ek->relin);
	for (size_t i = 0; i < ek->ngal; i++)
		w_switch_key(&w, c, &ek->galk[i]);
	return w_finish(&w, buf, len);
}

hec_status hec_eval_keys_deserialize(hec_eval_keys **out, const hec_context *c, const uint8_t *buf, size_t len)
{
	*out = NULL;
	struct reader r = {0};
	hec_status s = open_object(&r, buf, len, HEC_OBJ_EVAL_KEYS, c);
	if (s != HEC_OK)
		return s;
	size_t n = hec_context_n(c), L = c->params.nq, K = c->params.np;
	uint64_t relin = r_uint(&r, 4), ngal = r_uint(&r, 4);
	if (relin > 1 || ngal > n)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: evaluation keys claim %llu Galois keys (at most %zu)",
		                     (unsigned long long)ngal, n);
	/* Bound the size before allocating anything: every key is exactly
	 * this long. */
	uint64_t per_key = HEC_SEED_BYTES;
	for (size_t i = 0; i < L + K; i++)
		per_key += c->params.dnum * ((n * prime_width(c->ring, i < L ? HEC_BASIS_Q : HEC_BASIS_P, i < L ? i : i - L) + 7) / 8);
	if (r.len - r.pos != 8 * ngal + (relin + ngal) * per_key)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: evaluation keys have %zu payload bytes, expected %llu",
		                     r.len - r.pos, (unsigned long long)(8 * ngal + (relin + ngal) * per_key));
	hec_eval_keys *ek = calloc(1, sizeof *ek);
	if (!ek)
		return hec_error_set(HEC_ERR_NOMEM, "deserialize: out of memory");
	ek->ctx = c;
	ek->gal = malloc((ngal ? ngal : 1) * sizeof *ek->gal);
	ek->galk = calloc(ngal ? ngal : 1, sizeof *ek->galk);
	if (!ek->gal || !ek->galk)
		s = hec_error_set(HEC_ERR_NOMEM, "deserialize: out of memory");
	for (size_t i = 0; i < ngal && s == HEC_OK; i++) {
		ek->gal[i] = r_uint(&r, 8);
		if (!(ek->gal[i] & 1) || ek->gal[i] >= 2 * n || ek->gal[i] == 1 || (i && ek->gal[i] <= ek->gal[i - 1]))
			s = hec_error_set(HEC_ERR_RANGE, "deserialize: Galois element %llu is invalid or out of order",
			                  (unsigned long long)ek->gal[i]);
	}
	if (s == HEC_OK && relin) {
		s = r_switch_key(&r, c, &ek->relin);
		ek->has_relin = true;
	}
	for (size_t i = 0; i < ngal && s == HEC_OK; i++) {
		ek->ngal = i + 1;
		s = r_switch_key(&r, c, &ek->galk[i]);
	}
	if (s == HEC_OK)
		s = close_object(&r, "evaluation keys");
	if (s != HEC_OK) {
		hec_eval_keys_free(ek);
		return s;
	}
	*out = ek;
	return HEC_OK;
}

/* ---- ciphertexts and plaintexts ------------------------------------------ */

hec_status hec_ciphertext_serialize(const hec_ciphertext *ct, uint8_t **buf, size_t *len)
{
	const hec_context *c = ct->ctx;
	struct writer w = {0};
	w_header(&w, HEC_OBJ_CIPHERTEXT, c->fingerprint);
	w_uint(&w, ct->level, 4);
	w_uint(&w, ct->size, 4);
	w_f64(&w, ct->scale);
	w_uint(&w, ct->seeded, 4);
	if (ct->seeded)
		w_bytes(&w, ct->seed, HEC_SEED_BYTES);
	for (size_t i = 0; i < ct->size; i++)
		if (!(i == 1 && ct->seeded))
			w_poly(&w, &ct->c[i], ct->level + 1);
	return w_finish(&w, buf, len);
}

hec_status hec_ciphertext_deserialize(hec_ciphertext *ct, const uint8_t *buf, size_t len)
{
	const hec_context *c = ct->ctx;
	struct reader r = {0};
	hec_status s = open_object(&r, buf, len, HEC_OBJ_CIPHERTEXT, c);
	if (s != HEC_OK)
		return s;
	uint64_t level = r_uint(&r, 4), size = r_uint(&r, 4);
	double scale = r_f64(&r);
	uint64_t seeded = r_uint(&r, 4);
	if (r.short_read)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: ciphertext truncated");
	if (level > hec_context_max_level(c))
		return hec_error_set(HEC_ERR_RANGE, "deserialize: ciphertext level %llu above the top level %zu",
		                     (unsigned long long)level, hec_context_max_level(c));
	if (size < 2 || size > 3)
		return hec_error_set(HEC_ERR_RANGE, "deserialize: ciphertext has %llu polynomials (2 or 3 allowed)",
		                     (unsigned long long)size);
	if (!isfinite(scale) || !(scale > 0))
		return hec_error_set(HEC_ERR_RANGE, "deserialize: ciphertext scale %g is not finite and positive", scale);
	if (c->params.scheme == HEC_SCHEME_BFV && scale != 1)
		return hec_error_set(HEC_ERR_RANGE, "deserialize: a BFV ciphertext has scale 1, not %g", scale);
	if (seeded > 1 || (seeded && size != 2))
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: bad ciphertext flags");
	if (seeded) {
		const uint8_t *seed = r_bytes(&r, HEC_SEED_BYTES);
		if (!seed)
			return hec_error_set(HEC_ERR_FORMAT, "deserialize: ciphertext truncated");
		memcpy(ct->seed, seed, HEC_SEED_BYTES);
	}
	if ((s = _hec_ciphertext_shape(ct, size, level)) != HEC_OK)
		return s;
	for (size_t i = 0; i < size && s == HEC_OK; i++)
		if (!(i == 1 && seeded))
			s = r_poly(&r, &ct->c[i], level + 1, "ciphertext");
	if (s == HEC_OK)
		s = close_object(&r, "ciphertext");
	if (s == HEC_OK && seeded) {
		s = _hec_expand_uniform(&ct->c[1], c, HEC_BASIS_Q, c->params.nq, ct->seed, 0);
		hec_poly_drop_limbs(&ct->c[1], level + 1);
	}
	if (s != HEC_OK)
		return s;
	ct->scale = scale;
	ct->seeded = seeded;
	return HEC_OK;
}

hec_status hec_plaintext_serialize(const hec_plaintext *pt, uint8_t **buf, size_t *len)
{
	const hec_context *c = pt->ctx;
	struct writer w = {0};
	w_header(&w, HEC_OBJ_PLAINTEXT, c->fingerprint);
	w_uint(&w, pt->level, 4);
	w_f64(&w, pt->scale);
	w_uint(&w, pt->m.ntt, 4);
	/* A BFV plaintext is m mod t, the same in every limb: stored once. */
	w_poly(&w, &pt->m, c->params.scheme == HEC_SCHEME_BFV ? 1 : pt->level + 1);
	return w_finish(&w, buf, len);
}

hec_status hec_plaintext_deserialize(hec_plaintext *pt, const uint8_t *buf, size_t len)
{
	const hec_context *c = pt->ctx;
	struct reader r = {0};
	hec_status s = open_object(&r, buf, len, HEC_OBJ_PLAINTEXT, c);
	if (s != HEC_OK)
		return s;
	uint64_t level = r_uint(&r, 4);
	double scale = r_f64(&r);
	uint64_t ntt = r_uint(&r, 4);
	if (r.short_read)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: plaintext truncated");
	if (level > hec_context_max_level(c))
		return hec_error_set(HEC_ERR_RANGE, "deserialize: plaintext level %llu above the top level",
		                     (unsigned long long)level);
	if (!isfinite(scale) || !(scale > 0))
		return hec_error_set(HEC_ERR_RANGE, "deserialize: plaintext scale %g is not finite and positive", scale);
	if (ntt > 1)
		return hec_error_set(HEC_ERR_FORMAT, "deserialize: bad plaintext flags");
	const bool bfv = c->params.scheme == HEC_SCHEME_BFV;
	if (bfv && (level != hec_context_max_level(c) || ntt || scale != 1))
		return hec_error_set(HEC_ERR_RANGE, "deserialize: a BFV plaintext must be at the top level, in coefficient "
		                                    "form, with scale 1");
	if ((s = _hec_poly_reserve(&pt->m, c->ring, HEC_BASIS_Q, level + 1, ntt)) != HEC_OK)
		return s;
	if ((s = r_poly(&r, &pt->m, bfv ? 1 : level + 1, "plaintext")) != HEC_OK ||
	    (s = close_object(&r, "plaintext")) != HEC_OK || (bfv && (s = _hec_bfv_plain_check(pt)) != HEC_OK))
		return s;
	pt->level = level;
	pt->scale = scale;
	return HEC_OK;
}

/* ---- streams ---------------------------------------------------------------- */

hec_status hec_object_read(FILE *f, uint8_t **buf, size_t *len, uint64_t max_payload)
{
	*buf = NULL;
	*len = 0;
	uint8_t head[HEC_HEADER_BYTES];
	size_t got = fread(head, 1, sizeof head, f);
	if (got != sizeof head)
		return ferror(f) ? hec_error_set(HEC_ERR_IO, "read: input error")
		                 : hec_error_set(HEC_ERR_FORMAT, "read: truncated object header (%zu of %d bytes)", got,
		                                 HEC_HEADER_BYTES);
	hec_header_t h;
	hec_status s = hec_header_parse(&h, head, sizeof head);
	if (s != HEC_OK)
		return s;
	if (h.payload_len > max_payload)
		return hec_error_set(HEC_ERR_FORMAT, "read: %s payload of %llu bytes exceeds the limit %llu",
		                     hec_object_type_name(h.type), (unsigned long long)h.payload_len,
		                     (unsigned long long)max_payload);
	/* Grow with the data actually read, so a lying length cannot make us
	 * allocate more than the input holds. */
	size_t cap = HEC_HEADER_BYTES + (h.payload_len < (1u << 20) ? h.payload_len : (1u << 20));
	uint8_t *p = malloc(cap);
	if (!p)
		return hec_error_set(HEC_ERR_NOMEM, "read: out of memory");
	memcpy(p, head, HEC_HEADER_BYTES);
	size_t have = HEC_HEADER_BYTES, want = HEC_HEADER_BYTES + h.payload_len;
	while (have < want) {
		if (have == cap) {
			size_t ncap = cap * 2 < want ? cap * 2 : want;
			uint8_t *np = realloc(p, ncap);
			if (!np) {
				free(p);
				return hec_error_set(HEC_ERR_NOMEM, "read: out of memory");
			}
			p = np;
			cap = ncap;
		}
		size_t n = fread(p + have, 1, cap - have, f);
		if (n == 0) {
			free(p);
			return ferror(f) ? hec_error_set(HEC_ERR_IO, "read: input error")
			                 : hec_error_set(HEC_ERR_FORMAT, "read: %s truncated (%zu of %zu bytes)",
			                                 hec_object_type_name(h.type), have, want);
		}
		have += n;
	}
	*buf = p;
	*len = have;
	return HEC_OK;
}

hec_status hec_object_write(FILE *f, const uint8_t *buf, size_t len)
{
	if (fwrite(buf, 1, len, f) != len)
		return hec_error_set(HEC_ERR_IO, "write: output error");
	return HEC_OK;
}

uint64_t hec_context_max_payload(const hec_context *c)
{
	/* The largest object is an evaluation-key set with a key for every
	 * Galois element: N keys of dnum digits over Q P, 8 bytes a word. */
	uint64_t n = hec_context_n(c), words = (uint64_t)c->params.dnum * (c->params.nq + c->params.np) * n;
	return (n + 1) * (words * 8 + HEC_SEED_BYTES + 8) + 64;
}
