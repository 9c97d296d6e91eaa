/* hash.c: MD5 (RFC 1321) for {s.md5} and sl's To-tags, and the CRC-CCITT
 * Kamailio puts after the To-tag's dot (crcitt_string_array: the reflected
 * polynomial 0x8408, initial 0xFFFF, complemented, written as hex digits
 * lowest nibble first).
 */
#include "pv/pv.h"

#include <stdint.h>
#include <string.h>

typedef struct md5 {
	uint32_t a, b, c, d;
	uint64_t len;
	unsigned char buf[64];
	int n;
} md5;

static const uint32_t K[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const int R[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static void md5_block(md5 *h, const unsigned char *p)
{
	uint32_t w[16], a = h->a, b = h->b, c = h->c, d = h->d;
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
		       (uint32_t)p[4 * i + 3] << 24;
	for (int i = 0; i < 64; i++) {
		uint32_t f;
		int g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		uint32_t t = d;
		d = c;
		c = b;
		uint32_t x = a + f + K[i] + w[g];
		b = b + (x << R[i] | x >> (32 - R[i]));
		a = t;
	}
	h->a += a;
	h->b += b;
	h->c += c;
	h->d += d;
}

static void md5_add(md5 *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	h->len += n;
	while (n) {
		size_t k = 64 - (size_t)h->n;
		if (k > n)
			k = n;
		memcpy(h->buf + h->n, p, k);
		h->n += (int)k;
		p += k;
		n -= k;
		if (h->n == 64) {
			md5_block(h, h->buf);
			h->n = 0;
		}
	}
}

void pv_md5_hex(const rc_str *parts, int n, char out[32])
{
	md5 h = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0, { 0 }, 0 };
	for (int i = 0; i < n; i++)
		if (parts[i].s && parts[i].len > 0)
			md5_add(&h, parts[i].s, (size_t)parts[i].len);
	uint64_t bits = h.len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padn = (size_t)((h.n < 56 ? 56 : 120) - h.n);
	md5_add(&h, pad, padn);
	unsigned char lenb[8];
	for (int i = 0; i < 8; i++)
		lenb[i] = (unsigned char)(bits >> (8 * i));
	md5_add(&h, lenb, 8);
	uint32_t v[4] = { h.a, h.b, h.c, h.d };
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		unsigned char byte = (unsigned char)(v[i / 4] >> (8 * (i % 4)));
		out[2 * i] = hex[byte >> 4];
		out[2 * i + 1] = hex[byte & 15];
	}
}

void pv_crc16_hex(const rc_str *parts, int n, char out[4])
{
	unsigned crc = 0xFFFF;
	for (int i = 0; i < n; i++) {
		if (!parts[i].s)
			break; /* as Kamailio: a missing part ends the input */
		for (int k = 0; k < parts[i].len; k++) {
			crc ^= (unsigned char)parts[i].s[k];
			for (int b = 0; b < 8; b++)
				crc = crc & 1 ? (crc >> 1) ^ 0x8408 : crc >> 1;
		}
	}
	crc = ~crc & 0xFFFF;
	static const char hex[] = "0123456789abcdef";
	int o = 0;
	if (crc == 0)
		out[o++] = '0';
	for (; crc && o < 4; crc >>= 4)
		out[o++] = hex[crc & 15];
	while (o < 4)
		out[o++] = '0';
}
