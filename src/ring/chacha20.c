/* ChaCha20 (D. J. Bernstein, 2008) as specified by RFC 8439, and the
 * seeded expandable generator hec_prng built on it.
 *
 * hec_prng's 64-bit block counter and 64-bit stream number fill state words
 * 12..15 as (counter low, counter high, stream low, stream high): exactly
 * the RFC 8439 block function with 32-bit counter = counter low and 96-bit
 * nonce = (counter high, stream low, stream high).  The stream is therefore
 * the standard ChaCha20 keystream, which the tests check against the RFC's
 * published vectors.  2^64 blocks per (seed, stream) never wrap in
 * practice. */
#include <string.h>

#include "ring_internal.h"

static inline uint32_t rotl32(uint32_t x, unsigned s)
{
	return (x << s) | (x >> (32 - s));
}

/* RFC 8439 section 2.1: the quarter round. */
#define QR(a, b, c, d)                                                                                             \
	do {                                                                                                       \
		a += b, d ^= a, d = rotl32(d, 16);                                                                 \
		c += d, b ^= c, b = rotl32(b, 12);                                                                 \
		a += b, d ^= a, d = rotl32(d, 8);                                                                  \
		c += d, b ^= c, b = rotl32(b, 7);                                                                  \
	} while (0)

static void chacha20_core(uint32_t out[16], const uint32_t in[16])
{
	uint32_t x[16];
	memcpy(x, in, sizeof x);
	/* Ten double rounds: a column round, then a diagonal round (2.3). */
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
	explicit_bzero(x, sizeof x);
}

void _hec_chacha20_block(uint32_t out[16], const uint32_t key[8], uint32_t counter, const uint32_t nonce[3])
{
	/* "expand 32-byte k" */
	uint32_t st[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	memcpy(st + 4, key, 8 * sizeof(uint32_t));
	st[12] = counter;
	st[13] = nonce[0];
	st[14] = nonce[1];
	st[15] = nonce[2];
	chacha20_core(out, st);
	explicit_bzero(st, sizeof st);
}

static uint32_t load32_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_block_le(uint8_t out[64], const uint32_t w[16])
{
	for (int i = 0; i < 16; i++) {
		out[4 * i] = (uint8_t)w[i];
		out[4 * i + 1] = (uint8_t)(w[i] >> 8);
		out[4 * i + 2] = (uint8_t)(w[i] >> 16);
		out[4 * i + 3] = (uint8_t)(w[i] >> 24);
	}
}

void _hec_chacha20_xor(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32], uint32_t counter,
                       const uint8_t nonce[12])
{
	uint32_t k[8], nc[3], w[16];
	uint8_t ks[64];
	for (int i = 0; i < 8; i++)
		k[i] = load32_le(key + 4 * i);
	for (int i = 0; i < 3; i++)
		nc[i] = load32_le(nonce + 4 * i);
	for (size_t off = 0; off < len; off += 64, counter++) {
		_hec_chacha20_block(w, k, counter, nc);
		store_block_le(ks, w);
		size_t m = len - off < 64 ? len - off : 64;
		for (size_t i = 0; i < m; i++)
			out[off + i] = in[off + i] ^ ks[i];
	}
	explicit_bzero(k, sizeof k);
	explicit_bzero(w, sizeof w);
	explicit_bzero(ks, sizeof ks);
}

void hec_prng_init(hec_prng *g, const uint8_t seed[HEC_SEED_BYTES], uint64_t stream)
{
	for (int i = 0; i < 8; i++)
		g->key[i] = load32_le(seed + 4 * i);
	g->stream = stream;
	g->counter = 0;
	g->used = sizeof g->buf;
}

hec_status hec_prng_init_os(hec_prng *g, uint64_t stream)
{
	uint8_t seed[HEC_SEED_BYTES];
	hec_status s = hec_random_os(seed, sizeof seed);
	if (s == HEC_OK)
		hec_prng_init(g, seed, stream);
	else
		memset(g, 0, sizeof *g);
	explicit_bzero(seed, sizeof seed);
	return s;
}

/* Four consecutive keystream blocks (counters counter .. counter + 3) into
 * out[256], computed side by side: each state word is a 4-lane vector, so
 * the compiler maps every quarter-round step to one SSE/AVX instruction on
 * any x86-64 (no target-specific code).  Same bytes as four prng_block
 * calls. */
static void prng_blocks4(const hec_prng *g, uint8_t out[256])
{
	uint32_t in[16][4], x[16][4];
	static const uint32_t sigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	for (int l = 0; l < 4; l++) {
		const uint64_t ctr = g->counter + (uint64_t)l;
		for (int w = 0; w < 4; w++)
			in[w][l] = sigma[w];
		for (int w = 0; w < 8; w++)
			in[4 + w][l] = g->key[w];
		in[12][l] = (uint32_t)ctr;
		in[13][l] = (uint32_t)(ctr >> 32);
		in[14][l] = (uint32_t)g->stream;
		in[15][l] = (uint32_t)(g->stream >> 32);
	}
	memcpy(x, in, sizeof x);
#define QR4(a, b, c, d)                                                                                            \
	for (int l = 0; l < 4; l++)                                                                                \
		QR(x[a][l], x[b][l], x[c][l], x[d][l])
	for (int i = 0; i < 10; i++) {
		QR4(0, 4, 8, 12);
		QR4(1, 5, 9, 13);
		QR4(2, 6, 10, 14);
		QR4(3, 7, 11, 15);
		QR4(0, 5, 10, 15);
		QR4(1, 6, 11, 12);
		QR4(2, 7, 8, 13);
		QR4(3, 4, 9, 14);
	}
#undef QR4
	for (int l = 0; l < 4; l++) {
		uint32_t w[16];
		for (int k = 0; k < 16; k++)
			w[k] = x[k][l] + in[k][l];
		store_block_le(out + 64 * l, w);
		explicit_bzero(w, sizeof w);
	}
	explicit_bzero(x, sizeof x);
	explicit_bzero(in, sizeof in);
}

/* The next keystream block into out. */
static void prng_block(hec_prng *g, uint8_t out[64])
{
	uint32_t w[16];
	const uint32_t nonce[3] = {(uint32_t)(g->counter >> 32), (uint32_t)g->stream, (uint32_t)(g->stream >> 32)};
	_hec_chacha20_block(w, g->key, (uint32_t)g->counter, nonce);
	store_block_le(out, w);
	explicit_bzero(w, sizeof w);
	g->counter++;
}

void hec_prng_bytes(hec_prng *g, void *out, size_t len)
{
	uint8_t *o = out;
	while (len) {
		if (g->used == sizeof g->buf) {
			/* Whole blocks go straight to the caller, four at a time
			 * when possible. */
			while (len >= 256) {
				prng_blocks4(g, o);
				g->counter += 4;
				o += 256;
				len -= 256;
			}
			while (len >= 64) {
				prng_block(g, o);
				o += 64;
				len -= 64;
			}
			if (!len)
				break;
			prng_block(g, g->buf);
			g->used = 0;
		}
		size_t m = sizeof g->buf - g->used;
		if (m > len)
			m = len;
		memcpy(o, g->buf + g->used, m);
		g->used += m;
		o += m;
		len -= m;
	}
}

uint64_t hec_prng_u64(hec_prng *g)
{
	uint8_t b[8];
	/* Samplers call this per coefficient: read the buffer directly when it
	 * holds 8 more bytes.  (Consumed bytes are not wiped: the key in the
	 * state regenerates them anyway; hec_prng_clear wipes everything.) */
	const uint8_t *src = b;
	if (g->used <= sizeof g->buf - 8) {
		src = g->buf + g->used;
		g->used += 8;
	} else {
		hec_prng_bytes(g, b, sizeof b);
	}
	return (uint64_t)load32_le(src) | (uint64_t)load32_le(src + 4) << 32;
}

void hec_prng_clear(hec_prng *g)
{
	explicit_bzero(g, sizeof *g);
}
