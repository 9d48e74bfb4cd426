/*
 * test_secret.c - generated keys, hash strings of both schemes, checking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "cerbo.h"
#include "internal.h"

#define GEN CERBO_SECRET_GENERATED_SIZE

static void
generate(char key[GEN])
{
	assert_int_equal(cerbo_secret_generate(key, GEN), 0);
}

static void
hash_of(const char *secret, char out[CERBO_HASH_MAX])
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(cerbo_secret_hash(secret, strlen(secret), out,
	                     CERBO_HASH_MAX, &err),
	    0);
}

/* A base62 character that differs from c. */
static char
other_char(char c)
{
	return c == 'a' ? 'b' : 'a';
}

static void
generated_key_has_prefix_body_and_checksum(void **state)
{
	char key[GEN];
	size_t i;

	(void)state;
	generate(key);
	assert_int_equal(strlen(key), 58);
	assert_memory_equal(key, "cerbo_sk_", 9);
	for (i = 9; i < 58; i++)
		assert_non_null(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                       "abcdefghijklmnopqrstuvwxyz",
		    key[i]));
	assert_int_equal(cerbo_secret_is_generated(key, strlen(key)), 1);
}

static void
generate_refuses_a_short_buffer(void **state)
{
	char key[GEN];

	(void)state;
	assert_int_equal(cerbo_secret_generate(key, GEN - 1), -1);
	assert_int_equal(cerbo_secret_generate(NULL, GEN), -1);
}

static void
generated_keys_are_unique(void **state)
{
	char keys[64][GEN];
	size_t i, j;

	(void)state;
	for (i = 0; i < 64; i++)
		generate(keys[i]);
	for (i = 0; i < 64; i++)
		for (j = i + 1; j < 64; j++)
			assert_string_not_equal(keys[i], keys[j]);
}

static void
any_changed_character_fails_the_checksum(void **state)
{
	char key[GEN];
	size_t i;

	(void)state;
	generate(key);
	for (i = 9; i < 58; i++) {
		char saved = key[i];

		key[i] = other_char(saved);
		assert_int_equal(cerbo_secret_is_generated(key, 58), 0);
		key[i] = saved;
	}
	assert_int_equal(cerbo_secret_is_generated(key, 58), 1);
}

static void
wrong_prefix_or_length_is_not_generated(void **state)
{
	char key[GEN];

	(void)state;
	generate(key);
	assert_int_equal(cerbo_secret_is_generated(key, 57), 0);
	key[0] = 'C';
	assert_int_equal(cerbo_secret_is_generated(key, 58), 0);
	assert_int_equal(cerbo_secret_is_generated("cerbo_sk_", 9), 0);
	assert_int_equal(cerbo_secret_is_generated(NULL, 58), 0);
}

/* Keys whose checksums were computed independently (Python: zlib.crc32
 * and a base62 encoder over 0-9A-Za-z). */
#define CRC_OF_ZERO_KEY "3xQm1l" /* body of 43 '0': the value 0 */
#define KEY_MAX_VALUE                                                          \
	"cerbo_sk_yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp127JD6T"
#define KEY_2_POW_256                                                          \
	"cerbo_sk_yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp24IShEN"
#define KEY_ALL_Z "cerbo_sk_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz3QgepY"
/* BLAKE2b-256("hunter2", key = 16 zero bytes), Python hashlib. */
#define FORGED_HUNTER2 "ooVDdM0c64+elYzHHQf4Cp695vQDqUIoj+61rfGgnz4"
/* The same for KEY_MAX_VALUE: shows hashes made that way do verify. */
#define FORGED_MAXKEY "sK3K6IYH/Mm1Mx0wtXtYWW8rb6dXejQ6UhioSn6+xgI"

static void
body_of_2_pow_256_minus_1_is_generated(void **state)
{
	(void)state;
	assert_int_equal(cerbo_secret_is_generated(KEY_MAX_VALUE, 58), 1);
}

/* The checksum is right but the value does not fit 256 bits: no
 * generator made it, so it is not a generated key. */
static void
body_above_256_bits_is_not_generated(void **state)
{
	char hash[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_secret_is_generated(KEY_2_POW_256, 58), 0);
	assert_int_equal(cerbo_secret_is_generated(KEY_ALL_Z, 58), 0);
	/* it has the prefix but is no key: refused, not hashed */
	assert_int_equal(cerbo_secret_hash(KEY_ALL_Z, 58, hash, sizeof(hash),
	                     &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
}

static void
known_key_checksum_is_crc32_base62(void **state)
{
	char buf[GEN];

	(void)state;
	memcpy(buf, "cerbo_sk_", 9);
	memset(buf + 9, '0', 43);
	memcpy(buf + 52, CRC_OF_ZERO_KEY, 6);
	buf[58] = '\0';
	assert_int_equal(cerbo_secret_is_generated(buf, 58), 1);
}

static void
generated_key_hashes_with_the_fast_scheme(void **state)
{
	char key[GEN], hash[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	generate(key);
	hash_of(key, hash);
	assert_int_equal(strncmp(hash, "$cerbo-b2b$v=1$", 15), 0);
	assert_int_equal(strlen(hash), 81);
	assert_string_equal(cerbo_hash_scheme(hash), "cerbo-b2b");
	assert_int_equal(cerbo__hash_validate(hash, &err), 0);
	assert_null(strstr(hash, key + 9));
}

static void
fast_scheme_round_trip(void **state)
{
	char key[GEN], hash[CERBO_HASH_MAX];

	(void)state;
	generate(key);
	hash_of(key, hash);
	assert_int_equal(cerbo_secret_check(hash, key, strlen(key)), 0);
}

static void
fast_scheme_salts_differ(void **state)
{
	char key[GEN], h1[CERBO_HASH_MAX], h2[CERBO_HASH_MAX];

	(void)state;
	generate(key);
	hash_of(key, h1);
	hash_of(key, h2);
	assert_string_not_equal(h1, h2);
	assert_int_equal(cerbo_secret_check(h2, key, strlen(key)), 0);
}

static void
fast_scheme_refuses_another_generated_key(void **state)
{
	char key[GEN], other[GEN], hash[CERBO_HASH_MAX];

	(void)state;
	generate(key);
	generate(other);
	hash_of(key, hash);
	assert_int_equal(cerbo_secret_check(hash, other, strlen(other)), -1);
}

static void
fast_scheme_refuses_a_key_with_a_bad_checksum(void **state)
{
	char key[GEN], hash[CERBO_HASH_MAX];

	(void)state;
	generate(key);
	hash_of(key, hash);
	key[57] = other_char(key[57]);
	assert_int_equal(cerbo_secret_check(hash, key, strlen(key)), -1);
}

/* A hash string forged by hand (keyed BLAKE2b of a non-generated secret
 * in the fast scheme's format) must not make the fast scheme accept a
 * weak secret. */
static void
fast_scheme_refuses_a_non_generated_secret_even_if_forged(void **state)
{
	/* salt = 16 zero bytes; hash = BLAKE2b-256("hunter2", key=salt),
	 * computed with Python's hashlib.blake2b(digest_size=32, key=...). */
	const char *forged =
	    "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAA$" FORGED_HUNTER2;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo__hash_validate(forged, &err), 0);
	assert_int_equal(cerbo_secret_check(forged, "hunter2", 7), -1);
}

static void
fast_scheme_matches_an_independent_blake2b(void **state)
{
	const char *h = "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAA$" FORGED_MAXKEY;

	(void)state;
	assert_int_equal(cerbo_secret_check(h, KEY_MAX_VALUE, 58), 0);
}

static void
other_secret_hashes_with_argon2id(void **state)
{
	char hash[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	hash_of("correct horse battery staple", hash);
	assert_int_equal(strncmp(hash, "$argon2id$v=19$m=", 17), 0);
	assert_string_equal(cerbo_hash_scheme(hash), "argon2id");
	assert_int_equal(cerbo__hash_validate(hash, &err), 0);
}

static void
argon2id_round_trip_and_wrong_secret(void **state)
{
	const char *s = "imported-secret-1";
	char hash[CERBO_HASH_MAX];

	(void)state;
	hash_of(s, hash);
	assert_int_equal(cerbo_secret_check(hash, s, strlen(s)), 0);
	assert_int_equal(cerbo_secret_check(hash, "imported-secret-2", 17), -1);
	assert_int_equal(cerbo_secret_check(hash, s, strlen(s) - 1), -1);
}

static void
hash_refuses_empty_and_control_characters(void **state)
{
	char hash[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_secret_hash("", 0, hash, sizeof(hash), &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(cerbo_secret_hash("abc\n", 4, hash, sizeof(hash),
	                     &err),
	    -1);
	assert_non_null(strstr(err.message, "control"));
	assert_int_equal(cerbo_secret_hash("a\0b", 3, hash, sizeof(hash), &err),
	    -1);
}

static void
hash_refuses_an_overlong_secret(void **state)
{
	char big[CERBO_SECRET_MAX + 2], hash[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(cerbo_secret_hash(big, CERBO_SECRET_MAX + 1, hash,
	                     sizeof(hash), &err),
	    -1);
	assert_int_equal(cerbo_secret_check("$cerbo-b2b$v=1$x$y", big,
	                     CERBO_SECRET_MAX + 1),
	    -1);
}

/* A valid libsodium argon2id string of "pw" (m=65536,t=2,p=1) to edit. */
#define A2_SALT "c29tZXNhbHRzb21lc2FsdA"
#define A2_HASH "q0J8TTbGKKiTADlUNwgfMTv0EBjy9JLSzr9nmYxdHX8"

static void
argon2id_parameters_within_bounds_validate(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(
	    cerbo__hash_validate("$argon2id$v=19$m=65536,t=2,p=1$" A2_SALT
	                         "$" A2_HASH,
	        &err),
	    0);
	assert_int_equal(cerbo__hash_validate("$argon2id$v=19$m=262144,t=10,"
	                                      "p=1$" A2_SALT "$" A2_HASH,
	                     &err),
	    0);
}

static void
argon2id_memory_over_bound_is_refused(void **state)
{
	const char *h = "$argon2id$v=19$m=262145,t=2,p=1$" A2_SALT "$" A2_HASH;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo__hash_validate(h, &err), -1);
	assert_non_null(strstr(err.message, "m="));
	assert_int_equal(cerbo_secret_check(h, "pw", 2), -1);
	assert_null(cerbo_hash_scheme(h));
}

static void
argon2id_huge_memory_is_refused_without_allocating(void **state)
{
	const char *h =
	    "$argon2id$v=19$m=4294967295,t=2,p=1$" A2_SALT "$" A2_HASH;

	(void)state;
	assert_int_equal(cerbo__hash_validate(h, NULL), -1);
	assert_int_equal(cerbo_secret_check(h, "pw", 2), -1);
}

static void
argon2id_time_over_bound_is_refused(void **state)
{
	const char *h = "$argon2id$v=19$m=65536,t=11,p=1$" A2_SALT "$" A2_HASH;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo__hash_validate(h, &err), -1);
	assert_non_null(strstr(err.message, "t="));
	assert_int_equal(cerbo_secret_check(h, "pw", 2), -1);
}

static void
argon2id_parallelism_other_than_one_is_refused(void **state)
{
	const char *h = "$argon2id$v=19$m=65536,t=2,p=4$" A2_SALT "$" A2_HASH;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo__hash_validate(h, &err), -1);
	assert_non_null(strstr(err.message, "p="));
	assert_int_equal(cerbo_secret_check(h, "pw", 2), -1);
}

static void
argon2id_malformed_strings_are_refused(void **state)
{
	static const char *bad[] = {
	    "$argon2id$v=19$m=065536,t=2,p=1$" A2_SALT "$" A2_HASH,
	    "$argon2id$v=19$m=65536,t=2$" A2_SALT "$" A2_HASH,
	    "$argon2id$v=19$t=2,m=65536,p=1$" A2_SALT "$" A2_HASH,
	    "$argon2id$v=19$m=65536,t=2,p=1$" A2_SALT,
	    "$argon2id$v=19$m=65536,t=2,p=1$" A2_SALT "$",
	    "$argon2id$v=19$m=65536,t=2,p=1$$" A2_HASH,
	    "$argon2id$v=19$m=65536,t=2,p=1$" A2_SALT "$" A2_HASH "=",
	    "$argon2id$v=19$m=65536,t=2,p=1$" A2_SALT "$" A2_HASH "$",
	    "$argon2id$v=19$m=65536,t=0,p=1$" A2_SALT "$" A2_HASH,
	    "$argon2id$v=19$m=4,t=2,p=1$" A2_SALT "$" A2_HASH,
	    "$argon2id$v=19$m=-1,t=2,p=1$" A2_SALT "$" A2_HASH,
	    "$argon2id$v=16$m=65536,t=2,p=1$" A2_SALT "$" A2_HASH,
	    "$argon2id$m=65536,t=2,p=1$" A2_SALT "$" A2_HASH,
	    "$argon2id$v=19$m=65536,t=2,p=1$c29t$" A2_HASH,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# %s\n", bad[i]);
		assert_int_equal(cerbo__hash_validate(bad[i], NULL), -1);
		assert_int_equal(cerbo_secret_check(bad[i], "pw", 2), -1);
	}
}

/* libsodium 1.0.18 reads every byte >= 0x80 as the base64 digit '/':
 * each byte outside A-Z a-z 0-9 + / is refused before it gets there. */
static void
argon2id_salt_byte_outside_the_base64_alphabet_is_refused(void **state)
{
	static const char *bytes[] = {"\xc3", "\x80", "\xaf", "\xff", "-", "_",
	    "=", " ", "."};
	char h[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i, at;

	(void)state;
	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		snprintf(h, sizeof(h), "$argon2id$v=19$m=65536,t=2,p=1$%s$%s",
		    A2_SALT, A2_HASH);
		at = strlen("$argon2id$v=19$m=65536,t=2,p=1$") + 5;
		h[at] = bytes[i][0];
		print_message("# byte 0x%02x in the salt\n",
		    (unsigned char)bytes[i][0]);
		assert_int_equal(cerbo__hash_validate(h, &err), -1);
		assert_non_null(strstr(err.message, "salt"));
		assert_int_equal(cerbo_secret_check(h, "pw", 2), -1);
	}
}

static void
argon2id_hash_byte_outside_the_base64_alphabet_is_refused(void **state)
{
	static const char *bytes[] = {"\xc3", "\x80", "\xff", "-", "="};
	char h[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		snprintf(h, sizeof(h), "$argon2id$v=19$m=65536,t=2,p=1$%s$%s",
		    A2_SALT, A2_HASH);
		h[strlen(h) - 7] = bytes[i][0];
		print_message("# byte 0x%02x in the hash\n",
		    (unsigned char)bytes[i][0]);
		assert_int_equal(cerbo__hash_validate(h, &err), -1);
		assert_non_null(strstr(err.message, "hash is not"));
		assert_int_equal(cerbo_secret_check(h, "pw", 2), -1);
	}
}

/* The input the hash fuzz target found: a raw 0xC3 in an argon2id salt. */
static void
argon2id_salt_with_a_raw_utf8_byte_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(
	    cerbo__hash_validate("$argon2id$v=19$m=8,t=1,p=1$"
	                         "oJk6k7\xc3W8Iv94ZaoQnJT6g$"
	                         "njWm0Gw9KolExN1aYyQOWrc+X7cq2TqzT3OYj1B6btM",
	        &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	/* the same string with 'a' in place of the byte is valid */
	assert_int_equal(
	    cerbo__hash_validate("$argon2id$v=19$m=8,t=1,p=1$"
	                         "oJk6k7aW8Iv94ZaoQnJT6g$"
	                         "njWm0Gw9KolExN1aYyQOWrc+X7cq2TqzT3OYj1B6btM",
	        &err),
	    0);
}

static void
fast_scheme_byte_outside_the_base64_alphabet_is_refused(void **state)
{
	char h[] = "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAA$" FORGED_HUNTER2;

	(void)state;
	assert_int_equal(cerbo__hash_validate(h, NULL), 0);
	h[15 + 3] = (char)0xc3; /* salt */
	assert_int_equal(cerbo__hash_validate(h, NULL), -1);
	h[15 + 3] = 'A';
	h[strlen(h) - 5] = (char)0x80; /* hash */
	assert_int_equal(cerbo__hash_validate(h, NULL), -1);
}

static void
argon2i_and_argon2d_are_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(
	    cerbo__hash_validate("$argon2i$v=19$m=65536,t=2,p=1$" A2_SALT
	                         "$" A2_HASH,
	        &err),
	    -1);
	assert_non_null(strstr(err.message, "argon2id"));
	assert_int_equal(
	    cerbo__hash_validate("$argon2d$v=19$m=65536,t=2,p=1$" A2_SALT
	                         "$" A2_HASH,
	        &err),
	    -1);
	assert_int_equal(
	    cerbo_secret_check("$argon2i$v=19$m=65536,t=2,p=1$" A2_SALT
	                       "$" A2_HASH,
	        "pw", 2),
	    -1);
}

static void
unknown_schemes_are_refused(void **state)
{
	static const char *bad[] = {
	    "",
	    "plain-text-secret",
	    "$6$salt$abcdefghijklmnop",
	    "$2b$10$abcdefghijklmnopqrstuv",
	    "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
	    "$cerbo-b2b$v=2$AAAAAAAAAAAAAAAAAAAAAA$" FORGED_HUNTER2,
	    "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAA",
	    "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAB$" FORGED_HUNTER2,
	    "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAA=$" FORGED_HUNTER2,
	    "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAA$" FORGED_HUNTER2 "x",
	    "$CERBO-B2B$v=1$AAAAAAAAAAAAAAAAAAAAAA$" FORGED_HUNTER2,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# %s\n", bad[i]);
		assert_int_equal(cerbo__hash_validate(bad[i], NULL), -1);
		assert_null(cerbo_hash_scheme(bad[i]));
	}
	assert_int_equal(cerbo__hash_validate(NULL, NULL), -1);
}

/* Each field has exactly one spelling: unused low bits of the last
 * base64 character must be zero. */
static void
fast_scheme_strings_must_be_canonical(void **state)
{
	/* FORGED_HUNTER2 ends in '4' (56 = 111000b); '5' sets an unused bit */
	char h[] = "$cerbo-b2b$v=1$AAAAAAAAAAAAAAAAAAAAAA$" FORGED_HUNTER2;

	(void)state;
	assert_int_equal(cerbo__hash_validate(h, NULL), 0);
	h[strlen(h) - 1] = '5';
	assert_int_equal(cerbo__hash_validate(h, NULL), -1);
	h[strlen(h) - 1] = '4';
	h[15 + 21] = 'B'; /* last salt character: 4 unused bits */
	assert_int_equal(cerbo__hash_validate(h, NULL), -1);
	h[15 + 21] = 'Q'; /* 16 = 010000b: unused bits zero */
	assert_int_equal(cerbo__hash_validate(h, NULL), 0);
	h[15 + 3] = '-'; /* URL-safe alphabet is not the standard one */
	assert_int_equal(cerbo__hash_validate(h, NULL), -1);
}

static void
hash_refuses_a_mistyped_generated_key(void **state)
{
	char key[GEN], hash[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	generate(key);
	key[20] = other_char(key[20]);
	assert_int_equal(cerbo_secret_hash(key, strlen(key), hash, sizeof(hash),
	                     &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_non_null(strstr(err.message, "typo"));
	/* one character lost in a copy */
	generate(key);
	assert_int_equal(cerbo_secret_hash(key, strlen(key) - 1, hash,
	                     sizeof(hash), &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	/* the prefix alone */
	assert_int_equal(cerbo_secret_hash("cerbo_sk_", 9, hash, sizeof(hash),
	                     &err),
	    -1);
}

/* An argon2id hash of a mistyped key (made before typos were refused, or
 * by hand) never lets that key in: it is refused before any hashing. */
static void
check_refuses_a_mistyped_key_whatever_the_scheme(void **state)
{
	char key[GEN], hash[crypto_pwhash_STRBYTES];

	(void)state;
	generate(key);
	key[57] = other_char(key[57]);
	assert_int_equal(crypto_pwhash_str_alg(hash, key, strlen(key),
	                     crypto_pwhash_OPSLIMIT_MIN, 8192,
	                     crypto_pwhash_ALG_ARGON2ID13),
	    0);
	assert_int_equal(crypto_pwhash_str_verify(hash, key, strlen(key)), 0);
	assert_int_equal(cerbo_secret_check(hash, key, strlen(key)), -1);
}

static void
check_refuses_null_and_empty(void **state)
{
	char key[GEN], hash[CERBO_HASH_MAX];

	(void)state;
	generate(key);
	hash_of(key, hash);
	assert_int_equal(cerbo_secret_check(NULL, key, strlen(key)), -1);
	assert_int_equal(cerbo_secret_check(hash, NULL, 0), -1);
	assert_int_equal(cerbo_secret_check(hash, key, 0), -1);
}

/* One rule for every secret: the tools' input and hashing apply it. */
static void
secret_rule_names_the_first_control_byte(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		const char *why;
	} bad[] = {
	    {"", 0, "empty secret"},
	    {"ab\ncd", 5, "at byte 3"},
	    {"a\0b", 3, "at byte 2"},
	    {"\x7f", 1, "at byte 1"},
	    {"abc\r", 4, "at byte 4"},
	};
	struct cerbo_error err = CERBO_ERROR_INIT;
	char hash[CERBO_HASH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		assert_int_equal(cerbo_secret_validate(bad[i].s, bad[i].len,
		                     &err),
		    -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		if (strstr(err.message, bad[i].why) == NULL)
			fail_msg("%zu: %s", i, err.message);
		/* and hashing refuses it by the same rule */
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		assert_int_equal(cerbo_secret_hash(bad[i].s, bad[i].len, hash,
		                     sizeof(hash), &err),
		    -1);
		assert_non_null(strstr(err.message, bad[i].why));
	}
	assert_int_equal(cerbo_secret_validate("p\xc3\xa4ss word", 10, NULL),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(generated_key_has_prefix_body_and_checksum),
	    cmocka_unit_test(secret_rule_names_the_first_control_byte),
	    cmocka_unit_test(generate_refuses_a_short_buffer),
	    cmocka_unit_test(generated_keys_are_unique),
	    cmocka_unit_test(any_changed_character_fails_the_checksum),
	    cmocka_unit_test(wrong_prefix_or_length_is_not_generated),
	    cmocka_unit_test(body_of_2_pow_256_minus_1_is_generated),
	    cmocka_unit_test(body_above_256_bits_is_not_generated),
	    cmocka_unit_test(known_key_checksum_is_crc32_base62),
	    cmocka_unit_test(generated_key_hashes_with_the_fast_scheme),
	    cmocka_unit_test(fast_scheme_round_trip),
	    cmocka_unit_test(fast_scheme_salts_differ),
	    cmocka_unit_test(fast_scheme_refuses_another_generated_key),
	    cmocka_unit_test(fast_scheme_refuses_a_key_with_a_bad_checksum),
	    cmocka_unit_test(
	        fast_scheme_refuses_a_non_generated_secret_even_if_forged),
	    cmocka_unit_test(fast_scheme_matches_an_independent_blake2b),
	    cmocka_unit_test(other_secret_hashes_with_argon2id),
	    cmocka_unit_test(argon2id_round_trip_and_wrong_secret),
	    cmocka_unit_test(hash_refuses_empty_and_control_characters),
	    cmocka_unit_test(hash_refuses_an_overlong_secret),
	    cmocka_unit_test(argon2id_parameters_within_bounds_validate),
	    cmocka_unit_test(argon2id_memory_over_bound_is_refused),
	    cmocka_unit_test(
	        argon2id_huge_memory_is_refused_without_allocating),
	    cmocka_unit_test(argon2id_time_over_bound_is_refused),
	    cmocka_unit_test(argon2id_parallelism_other_than_one_is_refused),
	    cmocka_unit_test(argon2id_malformed_strings_are_refused),
	    cmocka_unit_test(
	        argon2id_salt_byte_outside_the_base64_alphabet_is_refused),
	    cmocka_unit_test(
	        argon2id_hash_byte_outside_the_base64_alphabet_is_refused),
	    cmocka_unit_test(argon2id_salt_with_a_raw_utf8_byte_is_refused),
	    cmocka_unit_test(
	        fast_scheme_byte_outside_the_base64_alphabet_is_refused),
	    cmocka_unit_test(argon2i_and_argon2d_are_refused),
	    cmocka_unit_test(unknown_schemes_are_refused),
	    cmocka_unit_test(fast_scheme_strings_must_be_canonical),
	    cmocka_unit_test(hash_refuses_a_mistyped_generated_key),
	    cmocka_unit_test(check_refuses_a_mistyped_key_whatever_the_scheme),
	    cmocka_unit_test(check_refuses_null_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
