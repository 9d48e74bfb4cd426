/*
 * test_base64.c - the library's one base64 rule (store/base64.c): the
 * standard alphabet, '=' only as padding at the end, canonical bits; and
 * the fixed-size decoder of the fast scheme keeps the very same rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "internal.h"

static int
decode(const char *s, int padded, unsigned char *bin, size_t max,
    size_t *binlen)
{
	return cerbo__base64_decode(s, strlen(s), padded, bin, max, binlen);
}

static void
standard_alphabet_decodes(void **state)
{
	unsigned char bin[64];
	size_t n = 99;

	(void)state;
	assert_int_equal(decode("cGtfc3luYzpzM2NyZXQ=", 1, bin, sizeof(bin),
	                     &n),
	    0);
	assert_int_equal(n, 14);
	assert_memory_equal(bin, "pk_sync:s3cret", 14);
	assert_int_equal(decode("cGtfc3luYzpzM2NyZXQ", 0, bin, sizeof(bin), &n),
	    0);
	assert_int_equal(n, 14);
	/* '+' and '/' are digits 62 and 63 */
	assert_int_equal(decode("+/+/", 1, bin, sizeof(bin), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(bin, "\xfb\xff\xbf", 3);
	assert_int_equal(decode("", 1, bin, sizeof(bin), &n), 0);
	assert_int_equal(n, 0);
}

/* libsodium 1.0.18 reads every byte >= 0x80 as '/': each byte outside the
 * alphabet is refused before it gets there. */
static void
bytes_outside_the_alphabet_are_refused(void **state)
{
	static const char bad[] = {'-', '_', ' ', '\t', '\n', '.', '\0', '*',
	    (char)0x80, (char)0xaf, (char)0xc3, (char)0xff};
	unsigned char bin[16];
	char s[5];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		memcpy(s, "QUJD", 5);
		s[1] = bad[i];
		print_message("# byte 0x%02x\n", (unsigned char)bad[i]);
		n = 99;
		assert_int_equal(cerbo__base64_decode(s, 4, 1, bin, sizeof(bin),
		                     &n),
		    -1);
		assert_int_equal(n, 0);
		assert_int_equal(cerbo__base64_decode(s, 4, 0, bin, sizeof(bin),
		                     &n),
		    -1);
	}
}

static void
padding_only_at_the_end_and_only_when_asked(void **state)
{
	unsigned char bin[16];
	size_t n;

	(void)state;
	assert_int_equal(decode("QQ==", 1, bin, sizeof(bin), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(decode("QUI=", 1, bin, sizeof(bin), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(decode("QQ==QUJD", 1, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("Q=Q=", 1, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("Q===", 1, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("====", 1, bin, sizeof(bin), &n), -1);
	/* padded: the length is a multiple of 4 */
	assert_int_equal(decode("QQ", 1, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("QQ=", 1, bin, sizeof(bin), &n), -1);
	/* unpadded: no '=' at all, and never a lone sixth of a byte */
	assert_int_equal(decode("QQ", 0, bin, sizeof(bin), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(decode("QQ==", 0, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("QUJDQ", 0, bin, sizeof(bin), &n), -1);
}

static void
unused_low_bits_must_be_zero(void **state)
{
	unsigned char bin[16];
	size_t n;

	(void)state;
	/* "QR==" and "QUJ=" decode to the same bytes as "QQ==" and "QUI="
	 * with stray bits set: only the canonical form is read. */
	assert_int_equal(decode("QR==", 1, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("QUJ=", 1, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("QR", 0, bin, sizeof(bin), &n), -1);
	assert_int_equal(decode("QUJ", 0, bin, sizeof(bin), &n), -1);
}

static void
output_longer_than_max_is_refused(void **state)
{
	unsigned char bin[3];
	size_t n = 99;

	(void)state;
	assert_int_equal(decode("QUJD", 1, bin, 3, &n), 0);
	assert_int_equal(decode("QUJDRA==", 1, bin, 3, &n), -1);
	assert_int_equal(n, 0);
}

/* ---- the fixed-size decoder ------------------------------------------- */

static void
fixed_decoder_reads_exactly_its_length(void **state)
{
	unsigned char out[16];

	(void)state;
	assert_int_equal(cerbo__base64_decode_fixed("QUJD", 4, out, 3), 0);
	assert_memory_equal(out, "ABC", 3);
	assert_int_equal(cerbo__base64_decode_fixed("QUI", 3, out, 2), 0);
	assert_memory_equal(out, "AB", 2);
	/* one character short or long of outlen's length */
	assert_int_equal(cerbo__base64_decode_fixed("QU", 2, out, 2), -1);
	assert_int_equal(cerbo__base64_decode_fixed("QUJD", 4, out, 2), -1);
	/* padding has no place in a fixed field */
	assert_int_equal(cerbo__base64_decode_fixed("Q=", 2, out, 1), -1);
}

/* Both decoders give the same answer (refused, or the same bytes). */
static void
agree(const char *s, size_t n, size_t outlen)
{
	unsigned char a[64], b[64];
	size_t alen = 0;
	int ra, rb;

	ra = cerbo__base64_decode(s, n, 0, a, outlen, &alen);
	if (ra == 0 && alen != outlen)
		ra = -1;
	rb = cerbo__base64_decode_fixed(s, n, b, outlen);
	if (ra != rb)
		fail_msg("\"%.*s\" (%zu bytes): strict %d, fixed %d", (int)n, s,
		    outlen, ra, rb);
	if (ra == 0)
		assert_memory_equal(a, b, outlen);
}

/*
 * Every pair of bytes as a one-byte field, every triple over the alphabet
 * and a few strangers as a two-byte field, and random fields of the fast
 * scheme's sizes with one byte changed: the fixed decoder refuses exactly
 * what the strict one refuses.
 */
static void
fixed_decoder_keeps_the_strict_rule(void **state)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	    "=-_ .\x80\xc3\xff";
	static const size_t sizes[] = {16, 32};
	unsigned char bin[32];
	char s[64];
	size_t i, j, k, z, len;

	(void)state;
	for (i = 0; i < 256; i++) {
		for (j = 0; j < 256; j++) {
			s[0] = (char)i;
			s[1] = (char)j;
			agree(s, 2, 1);
		}
	}
	for (i = 0; i < sizeof(set) - 1; i++) {
		for (j = 0; j < sizeof(set) - 1; j++) {
			for (k = 0; k < sizeof(set) - 1; k++) {
				s[0] = set[i];
				s[1] = set[j];
				s[2] = set[k];
				agree(s, 3, 2);
			}
		}
	}
	for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		for (i = 0; i < 200; i++) {
			randombytes_buf(bin, sizes[z]);
			sodium_bin2base64(s, sizeof(s), bin, sizes[z],
			    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
			len = strlen(s);
			agree(s, len, sizes[z]);
			s[randombytes_uniform((uint32_t)len)] =
			    set[randombytes_uniform(sizeof(set) - 1)];
			agree(s, len, sizes[z]);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(standard_alphabet_decodes),
	    cmocka_unit_test(bytes_outside_the_alphabet_are_refused),
	    cmocka_unit_test(padding_only_at_the_end_and_only_when_asked),
	    cmocka_unit_test(unused_low_bits_must_be_zero),
	    cmocka_unit_test(output_longer_than_max_is_refused),
	    cmocka_unit_test(fixed_decoder_reads_exactly_its_length),
	    cmocka_unit_test(fixed_decoder_keeps_the_strict_rule),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
