/*
 * base64.c - the one rule for the base64 the library reads: the standard
 * alphabet (A-Z a-z 0-9 + /), canonical (unused low bits zero), '=' only
 * as padding at the end and only where the caller asks for it.
 *
 * Two decoders keep that rule.  cerbo__base64_decode is for text that may
 * hold a secret (a Basic value): its alphabet check and libsodium's
 * decoder take time that does not depend on the bytes.  The fixed-size
 * decoder is for the fast scheme's salt and hash, read on every request:
 * a table lookup, because libsodium's constant-time decoder costs as much
 * as the BLAKE2b itself, and those fields (a random salt, a keyed hash of
 * a 256-bit key) reveal nothing usable through timing.
 */
#include <pthread.h>

#include <sodium.h>

#include "internal.h"

/* 1 when lo <= c <= hi, else 0, without a branch on c (c, lo, hi < 256):
 * both differences wrap around to a set top bit exactly then. */
static unsigned
in_range(unsigned c, unsigned lo, unsigned hi)
{
	return ((lo - 1u - c) & (c - hi - 1u)) >> 31;
}

/* 1 when c is one of the 64 digits of standard base64, else 0. */
static unsigned
base64_digit(unsigned char c)
{
	return in_range(c, 'A', 'Z') | in_range(c, 'a', 'z') |
	    in_range(c, '0', '9') | in_range(c, '+', '+') |
	    in_range(c, '/', '/');
}

int
cerbo__base64_decode(const char *s, size_t len, int padded, unsigned char *bin,
    size_t max, size_t *binlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t digits = len, i;
	unsigned ok = 1;

	*binlen = 0;
	if (padded) {
		if (len % 4 != 0)
			return -1;
		/* the padding, if any, is public: it tells len mod 3 */
		if (len >= 1 && u[len - 1] == '=') {
			digits--;
			if (u[len - 2] == '=')
				digits--;
		}
	} else if (len % 4 == 1) {
		return -1; /* 6 bits: not even one byte */
	}
	/* no early exit: the time must not tell where a bad byte is */
	for (i = 0; i < digits; i++)
		ok &= base64_digit(u[i]);
	if (!ok)
		return -1;
	if (sodium_base642bin(bin, max, s, len, NULL, binlen, NULL,
	        padded ? sodium_base64_VARIANT_ORIGINAL
	               : sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
		*binlen = 0;
		return -1;
	}
	return 0;
}

/* ---- fixed-size fields ------------------------------------------------ */

/* The value of each byte as a digit; NOT_DIGIT for other bytes.
 * Unsigned, so a value is never sign-extended on its way to an int. */
#define NOT_DIGIT 0xffu

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static unsigned char b64_digit[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* Made from the alphabet once per process rather than 256 literals. */
static void
make_table(void)
{
	int n;

	for (n = 0; n < 256; n++)
		b64_digit[n] = NOT_DIGIT;
	for (n = 0; n < 64; n++)
		b64_digit[(unsigned char)alphabet[n]] = (unsigned char)n;
}

int
cerbo__base64_decode_fixed(const char *s, size_t n, unsigned char *out,
    size_t outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0;
	unsigned a, b, c, d;
	uint32_t v;

	if (pthread_once(&table_once, make_table) != 0)
		return -1;
	if (n != (outlen * 8 + 5) / 6)
		return -1;
	for (; i + 4 <= n; i += 4) {
		a = b64_digit[u[i]];
		b = b64_digit[u[i + 1]];
		c = b64_digit[u[i + 2]];
		d = b64_digit[u[i + 3]];
		/* a NOT_DIGIT among them makes the OR exceed 63 */
		if ((a | b | c | d) > 63)
			return -1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		    (uint32_t)d;
		out[o++] = (unsigned char)(v >> 16);
		out[o++] = (unsigned char)(v >> 8);
		out[o++] = (unsigned char)v;
	}
	if (n - i == 2) {
		a = b64_digit[u[i]];
		b = b64_digit[u[i + 1]];
		/* 12 bits give one byte; the 4 unused bits must be zero */
		if ((a | b) > 63 || (b & 0xf) != 0)
			return -1;
		out[o++] = (unsigned char)((uint32_t)a << 2 | (uint32_t)b >> 4);
	} else if (n - i == 3) {
		a = b64_digit[u[i]];
		b = b64_digit[u[i + 1]];
		c = b64_digit[u[i + 2]];
		/* 18 bits give two bytes; the 2 unused bits must be zero */
		if ((a | b | c) > 63 || (c & 0x3) != 0)
			return -1;
		v = (uint32_t)a << 12 | (uint32_t)b << 6 | (uint32_t)c;
		out[o++] = (unsigned char)(v >> 10);
		out[o++] = (unsigned char)(v >> 2);
	} else if (n - i != 0) {
		return -1;
	}
	return o == outlen ? 0 : -1;
}
