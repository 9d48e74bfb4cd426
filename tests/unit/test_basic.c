/*
 * test_basic.c - parsing "Authorization: Basic ..." values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "cerbo.h"

/* "Basic " + base64 of len bytes of s. */
static char *
header_of(const char *s, size_t len)
{
	size_t n =
	    sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *h = malloc(6 + n);

	assert_non_null(h);
	memcpy(h, "Basic ", 6);
	sodium_bin2base64(h + 6, n, (const unsigned char *)s, len,
	    sodium_base64_VARIANT_ORIGINAL);
	return h;
}

static int
parse_text(const char *decoded, struct cerbo_basic *out,
    struct cerbo_error *err)
{
	char *h = header_of(decoded, strlen(decoded));
	int rc = cerbo_basic_parse(h, out, err);

	free(h);
	return rc;
}

static void
assert_wiped(const struct cerbo_basic *b)
{
	assert_int_equal(b->username[0], '\0');
	assert_int_equal(b->secret[0], '\0');
	assert_int_equal(b->secret_len, 0);
}

static void
good_value_gives_username_and_secret(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	/* base64("pk_sync:s3cret") */
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3luYzpzM2NyZXQ=", &b,
	                     &err),
	    0);
	assert_string_equal(b.username, "pk_sync");
	assert_string_equal(b.secret, "s3cret");
	assert_int_equal(b.secret_len, 6);
	cerbo_basic_wipe(&b);
	assert_wiped(&b);
}

static void
scheme_is_case_insensitive(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;

	(void)state;
	assert_int_equal(cerbo_basic_parse("basic cGtfc3luYzpzM2NyZXQ=", &b,
	                     NULL),
	    0);
	assert_string_equal(b.username, "pk_sync");
	assert_int_equal(cerbo_basic_parse("BASIC cGtfc3luYzpzM2NyZXQ=", &b,
	                     NULL),
	    0);
	assert_int_equal(cerbo_basic_parse("bAsIc cGtfc3luYzpzM2NyZXQ=", &b,
	                     NULL),
	    0);
	cerbo_basic_wipe(&b);
}

static void
several_spaces_after_the_scheme_are_accepted(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;

	(void)state;
	assert_int_equal(cerbo_basic_parse("Basic   cGtfc3luYzpzM2NyZXQ=", &b,
	                     NULL),
	    0);
	assert_string_equal(b.secret, "s3cret");
	cerbo_basic_wipe(&b);
}

static void
other_schemes_and_separators_are_refused(void **state)
{
	static const char *bad[] = {
	    "Bearer cGtfc3luYzpzM2NyZXQ=",
	    "Basiccgtfc3luYzpzM2NyZXQ=",
	    "Basic\tcGtfc3luYzpzM2NyZXQ=",
	    " Basic cGtfc3luYzpzM2NyZXQ=",
	    "Basic cGtfc3luYzpzM2NyZXQ= ",
	    "Basic",
	    "Basic ",
	    "",
	};
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cerbo_basic_parse(bad[i], &b, &err), -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_wiped(&b);
	}
	assert_int_equal(cerbo_basic_parse(NULL, &b, &err), -1);
}

static void
not_base64_is_refused(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_basic_parse("Basic pk_sync:s3cret", &b, &err),
	    -1);
	assert_non_null(strstr(err.message, "base64"));
	assert_wiped(&b);
	/* URL-safe alphabet: base64url("??>:a") */
	assert_int_equal(cerbo_basic_parse("Basic Pz8-OmE=", &b, &err), -1);
	/* embedded newline, as a line-wrapping encoder would write */
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3lu\nYzpzM2NyZXQ=", &b,
	                     &err),
	    -1);
}

/* libsodium 1.0.18 reads every byte >= 0x80 as the base64 digit '/': the
 * fuzz target found "cGtfYTp4" + "\xc3\xa9\xc3\xa9" decoding to pk_a. */
static void
bytes_outside_the_base64_alphabet_are_refused(void **state)
{
	static const char *bad[] = {
	    "Basic cGtfYTp4\xc3\xa9\xc3\xa9",
	    "Basic cGtfc3luYzpzM2NyZX\x80=",
	    "Basic cGtfc3luYzpzM2Ny\xffXQ=",
	    "Basic \xc3\xa9tfc3luYzpzM2NyZXQ=",
	    "Basic cGtfc3luYzpzM2NyZXQ\xaf",
	    "Basic cGtfc3luYzpz M2NyZXQ=",
	    "Basic cGtfc3luYzpz.M2NyZXQ",
	    "Basic cGtfc3luYzpz_M2NyZXQ",
	};
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# %zu\n", i);
		assert_int_equal(cerbo_basic_parse(bad[i], &b, &err), -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_non_null(strstr(err.message, "base64"));
		assert_wiped(&b);
	}
}

static void
padding_inside_the_value_is_refused(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	/* '=' that is not at the end, and '=' alone */
	assert_int_equal(cerbo_basic_parse("Basic cGtf=3luYzpzM2NyZXQ=", &b,
	                     &err),
	    -1);
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3luYzpzM2NyZX=Q", &b,
	                     &err),
	    -1);
	assert_int_equal(cerbo_basic_parse("Basic ====", &b, &err), -1);
	/* one '=' then a digit: a pad must end the value */
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3luYzpzM2NyZ=Q=", &b,
	                     &err),
	    -1);
	assert_wiped(&b);
}

static void
bad_padding_is_refused(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	/* missing '=' */
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3luYzpzM2NyZXQ", &b,
	                     &err),
	    -1);
	/* too many '=' */
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3luYzpzM2NyZXQ==", &b,
	                     &err),
	    -1);
	/* non-zero unused bits: 'R' instead of 'Q' before the '=' */
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3luYzpzM2NyZXR=", &b,
	                     &err),
	    -1);
	/* data after padding */
	assert_int_equal(cerbo_basic_parse("Basic cGtfc3luYzpzM2NyZXQ=cGs=", &b,
	                     &err),
	    -1);
	assert_wiped(&b);
}

static void
no_colon_is_refused(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(parse_text("pk_sync", &b, &err), -1);
	assert_non_null(strstr(err.message, "':'"));
	assert_wiped(&b);
}

static void
empty_username_is_refused(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(parse_text(":s3cret", &b, &err), -1);
	assert_non_null(strstr(err.message, "empty username"));
	assert_wiped(&b);
}

static void
empty_secret_is_refused(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(parse_text("pk_sync:", &b, &err), -1);
	assert_non_null(strstr(err.message, "empty secret"));
	assert_wiped(&b);
}

static void
colon_inside_the_secret_is_kept(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;

	(void)state;
	assert_int_equal(parse_text("pk_sync:a:b::c", &b, NULL), 0);
	assert_string_equal(b.username, "pk_sync");
	assert_string_equal(b.secret, "a:b::c");
	assert_int_equal(b.secret_len, 6);
	cerbo_basic_wipe(&b);
}

static void
control_characters_are_refused(void **state)
{
	static const char *bad[] = {
	    "pk_sync:s3cret\n",
	    "pk_sync:s3\tcret",
	    "pk_\x1bsync:s3cret",
	    "pk_sync:s3cret\x7f",
	    "pk_sync\r:s3cret",
	};
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_text(bad[i], &b, &err), -1);
		assert_non_null(strstr(err.message, "control"));
		assert_wiped(&b);
	}
}

/* The value that would authenticate as pk_reporting in PAM (which reads
 * up to the NUL) while a proxy passes every byte on: refused whole. */
static void
username_with_nul_cr_lf_and_junk_is_refused(void **state)
{
	static const char text[] = "pk_reporting\0\r\n<junk>:s3cret";
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *h = header_of(text, sizeof(text) - 1);

	(void)state;
	assert_int_equal(cerbo_basic_parse(h, &b, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_wiped(&b);
	free(h);
}

static void
nul_is_refused(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *h = header_of("pk_sync:s3\0cret", 15);

	(void)state;
	assert_int_equal(cerbo_basic_parse(h, &b, &err), -1);
	assert_wiped(&b);
	free(h);
}

static void
utf8_in_the_secret_is_accepted(void **state)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;

	(void)state;
	assert_int_equal(parse_text("pk_sync:gr\xc3\xbc\xc3\x9f"
	                            "e",
	                     &b, NULL),
	    0);
	assert_string_equal(b.secret,
	    "gr\xc3\xbc\xc3\x9f"
	    "e");
	cerbo_basic_wipe(&b);
}

static void
longest_username_and_secret_are_accepted(void **state)
{
	char text[CERBO_USERNAME_MAX + 1 + CERBO_SECRET_MAX + 1];
	struct cerbo_basic b = CERBO_BASIC_INIT;

	(void)state;
	memset(text, 'u', CERBO_USERNAME_MAX);
	text[CERBO_USERNAME_MAX] = ':';
	memset(text + CERBO_USERNAME_MAX + 1, 's', CERBO_SECRET_MAX);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(parse_text(text, &b, NULL), 0);
	assert_int_equal(strlen(b.username), CERBO_USERNAME_MAX);
	assert_int_equal(b.secret_len, CERBO_SECRET_MAX);
	cerbo_basic_wipe(&b);
}

static void
overlong_username_is_refused(void **state)
{
	char text[CERBO_USERNAME_MAX + 1 + 3 + 1];
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	memset(text, 'u', CERBO_USERNAME_MAX + 1);
	memcpy(text + CERBO_USERNAME_MAX + 1, ":s", 3);
	assert_int_equal(parse_text(text, &b, &err), -1);
	assert_non_null(strstr(err.message, "username longer"));
	assert_wiped(&b);
}

static void
overlong_secret_is_refused(void **state)
{
	char text[3 + CERBO_SECRET_MAX + 2];
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	memcpy(text, "pk:", 3);
	memset(text + 3, 's', CERBO_SECRET_MAX + 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(parse_text(text, &b, &err), -1);
	assert_non_null(strstr(err.message, "secret longer"));
	assert_wiped(&b);
}

static void
overlong_base64_is_refused_before_decoding(void **state)
{
	char *h = malloc(6 + 100000 + 1);
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_non_null(h);
	memcpy(h, "Basic ", 6);
	memset(h + 6, 'A', 100000);
	h[6 + 100000] = '\0';
	assert_int_equal(cerbo_basic_parse(h, &b, &err), -1);
	assert_non_null(strstr(err.message, "longer"));
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(good_value_gives_username_and_secret),
	    cmocka_unit_test(scheme_is_case_insensitive),
	    cmocka_unit_test(several_spaces_after_the_scheme_are_accepted),
	    cmocka_unit_test(other_schemes_and_separators_are_refused),
	    cmocka_unit_test(not_base64_is_refused),
	    cmocka_unit_test(bytes_outside_the_base64_alphabet_are_refused),
	    cmocka_unit_test(padding_inside_the_value_is_refused),
	    cmocka_unit_test(bad_padding_is_refused),
	    cmocka_unit_test(no_colon_is_refused),
	    cmocka_unit_test(empty_username_is_refused),
	    cmocka_unit_test(empty_secret_is_refused),
	    cmocka_unit_test(colon_inside_the_secret_is_kept),
	    cmocka_unit_test(control_characters_are_refused),
	    cmocka_unit_test(nul_is_refused),
	    cmocka_unit_test(username_with_nul_cr_lf_and_junk_is_refused),
	    cmocka_unit_test(utf8_in_the_secret_is_accepted),
	    cmocka_unit_test(longest_username_and_secret_are_accepted),
	    cmocka_unit_test(overlong_username_is_refused),
	    cmocka_unit_test(overlong_secret_is_refused),
	    cmocka_unit_test(overlong_base64_is_refused_before_decoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
