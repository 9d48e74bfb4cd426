/*
 * test_validate.c - every field rule of cerbo-store(5): good values, bad
 * values, and each bound at and one past its limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* A string of n copies of c (static buffer, n < 2048). */
static const char *
rep(char c, size_t n)
{
	static char buf[2048];

	assert_true(n < sizeof(buf));
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* Concatenate NULL-terminated pieces into out (size bytes). */
static const char *
join(char *out, size_t size, ...)
{
	const char *piece;
	size_t len = 0, n;
	va_list ap;

	va_start(ap, size);
	while ((piece = va_arg(ap, const char *)) != NULL) {
		n = strlen(piece);
		assert_true(len + n < size);
		memcpy(out + len, piece, n);
		len += n;
	}
	va_end(ap);
	out[len] = '\0';
	return out;
}

static int
username(const char *s)
{
	return cerbo__check_username(s, strlen(s), NULL);
}

static int
text(const char *s, size_t max)
{
	return cerbo__check_text("nickname", s, strlen(s), max, NULL);
}

static int
email(const char *s)
{
	return cerbo__check_email(s, strlen(s), NULL);
}

static int
profile(const char *s)
{
	return cerbo__check_profile_name(s, strlen(s), NULL);
}

/* ---- username -------------------------------------------------------- */

static void
username_with_prefix_letters_digits_dash_underscore_is_valid(void **state)
{
	(void)state;
	assert_int_equal(username("pk_scheduling_sync"), 0);
	assert_int_equal(username("pk_A-z_09"), 0);
	assert_int_equal(username("pk_x"), 0);
	assert_int_equal(username("pk__"), 0);
	assert_int_equal(cerbo_username_valid("pk_crm-sync"), 1);
}

static void
username_without_pk_prefix_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo__check_username("sk_x", 4, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_non_null(strstr(err.message, "pk_"));
	assert_int_equal(username("PK_x"), -1);
	assert_int_equal(username("pkx"), -1);
	assert_int_equal(username(""), -1);
}

static void
username_of_prefix_alone_is_refused(void **state)
{
	(void)state;
	assert_int_equal(username("pk_"), -1);
}

static void
username_with_space_or_punctuation_is_refused(void **state)
{
	(void)state;
	assert_int_equal(username("pk_a b"), -1);
	assert_int_equal(username("pk_a.b"), -1);
	assert_int_equal(username("pk_a:b"), -1);
	assert_int_equal(username("pk_a/b"), -1);
	assert_int_equal(username("pk_\xc3\xa9"), -1);
	assert_int_equal(cerbo_username_valid(NULL), 0);
}

static void
username_validate_says_why_a_name_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_username_validate("pk_crm-sync", &err), 0);
	assert_int_equal(cerbo_username_validate("pk_a b", &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_string_equal(err.message,
	    "username may hold only letters, digits, '_' and '-' "
	    "(byte 5 is not one)");
	assert_int_equal(cerbo_username_validate("pk_", &err), -1);
	assert_non_null(strstr(err.message, "at least one character"));
	assert_int_equal(cerbo_username_validate(NULL, &err), -1);
	assert_string_equal(err.message, "username is required");
}

static void
username_of_64_bytes_is_valid_and_65_refused(void **state)
{
	char name[80];

	(void)state;
	join(name, sizeof(name), "pk_", rep('a', 61), NULL);
	assert_int_equal(strlen(name), 64);
	assert_int_equal(username(name), 0);
	join(name, sizeof(name), "pk_", rep('a', 62), NULL);
	assert_int_equal(username(name), -1);
}

/* ---- profile names ---------------------------------------------------- */

static void
profile_name_of_lowercase_digits_dash_underscore_is_valid(void **state)
{
	(void)state;
	assert_int_equal(profile("scheduling"), 0);
	assert_int_equal(profile("crm-sync_2"), 0);
	assert_int_equal(profile("0"), 0);
}

static void
profile_name_with_uppercase_space_or_empty_is_refused(void **state)
{
	(void)state;
	assert_int_equal(profile("Scheduling"), -1);
	assert_int_equal(profile("a b"), -1);
	assert_int_equal(profile("a.b"), -1);
	assert_int_equal(profile(""), -1);
}

static void
profile_name_of_64_bytes_is_valid_and_65_refused(void **state)
{
	(void)state;
	assert_int_equal(profile(rep('p', 64)), 0);
	assert_int_equal(profile(rep('p', 65)), -1);
}

/* A name that starts with '-' would read as an option on a command line. */
static void
name_starting_with_dash_is_refused_for_a_change(void **state)
{
	struct cerbo_error e = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo__check_new_profile_name("-x", 2, &e), -1);
	assert_int_equal(e.status, CERBO_E_INVALID);
	assert_non_null(strstr(e.message, "'-'"));
	assert_int_equal(cerbo__check_new_profile_name("--", 2, NULL), -1);
	assert_int_equal(cerbo__check_new_profile_name("x-", 2, NULL), 0);
	assert_int_equal(cerbo__check_new_profile_name("a-b", 3, NULL), 0);
	/* The loader's rule lets one through, for stores that have one. */
	assert_int_equal(profile("-x"), 0);
	/* The public entry points a front end uses. */
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_PROFILE, "-x",
	                     NULL),
	    -1);
	assert_int_equal(cerbo_user_field_validate(CERBO_USER_PROFILE, "x",
	                     NULL),
	    0);
	assert_int_equal(cerbo_username_validate("-pk_x", NULL), -1);
	assert_int_equal(cerbo_username_validate("--", NULL), -1);
}

#define DASH_STORE                                                             \
	"cerbo_store: 1\n"                                                     \
	"generation: 1\n"                                                      \
	"profiles:\n"                                                          \
	"  -old:\n"                                                            \
	"    allow: [GET /a]\n"                                                \
	"users:\n"                                                             \
	"  pk_a:\n"                                                            \
	"    nickname: A\n"                                                    \
	"    profile: -old\n"                                                  \
	"    email: a@example.com\n"                                           \
	"    description: D\n"                                                 \
	"    secret: $cerbo-b2b$v=1$sikM6CXepa6AG3oInLgKMA$"                   \
	"wqv9lnz6THpqarx12UFCcbCxHkIeOo61hV8I4grK730\n"                        \
	"    secret_set: 2026-01-01T00:00:00Z\n"                               \
	"    created: 2026-01-01T00:00:00Z\n"                                  \
	"    updated: 2026-01-01T00:00:00Z\n"

static void
store_with_a_dash_profile_loads_but_takes_no_new_one(void **state)
{
	struct cerbo_store *s = NULL;
	struct cerbo_error e = CERBO_ERROR_INIT;
	int changed = 0;

	(void)state;
	assert_int_equal(cerbo_store_parse(DASH_STORE, strlen(DASH_STORE),
	                     "dash.yaml", &s, &e),
	    0);
	assert_non_null(cerbo_store_profile_find(s, "-old"));
	assert_int_equal(cerbo_profile_add(s, "-new", NULL, &e), -1);
	assert_int_equal(e.status, CERBO_E_INVALID);
	assert_null(cerbo_store_profile_find(s, "-new"));
	assert_int_equal(cerbo_profile_add(s, "new", NULL, &e), 0);
	/* A user may leave the old profile, not be put in one. */
	assert_int_equal(cerbo_user_set(s, "pk_a", CERBO_USER_PROFILE, "new",
	                     1767225600, &changed, &e),
	    0);
	assert_int_equal(changed, 1);
	assert_int_equal(cerbo_user_set(s, "pk_a", CERBO_USER_PROFILE, "-old",
	                     1767225600, &changed, &e),
	    -1);
	assert_string_equal(cerbo_user_get(cerbo_store_user_find(s, "pk_a"),
	                        CERBO_USER_PROFILE),
	    "new");
	cerbo_store_free(s);
}

/* ---- free text --------------------------------------------------------- */

static void
text_with_unicode_and_punctuation_is_valid(void **state)
{
	(void)state;
	assert_int_equal(text("Scheduling integration", 128), 0);
	assert_int_equal(text("Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91: "
	                      "\"quoted\" # x",
	                     128),
	    0);
}

static void
text_empty_or_blank_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo__check_text("nickname", "", 0, 128, &err), -1);
	assert_string_equal(err.message, "nickname must not be empty");
	assert_int_equal(text(" ", 128), -1);
	assert_int_equal(text("   ", 128), -1);
}

static void
text_with_leading_or_trailing_space_is_refused(void **state)
{
	(void)state;
	assert_int_equal(text(" x", 128), -1);
	assert_int_equal(text("x ", 128), -1);
}

static void
text_at_its_bound_is_valid_and_one_past_refused(void **state)
{
	(void)state;
	assert_int_equal(text(rep('n', CERBO_NICKNAME_MAX), CERBO_NICKNAME_MAX),
	    0);
	assert_int_equal(text(rep('n', CERBO_NICKNAME_MAX + 1),
	                     CERBO_NICKNAME_MAX),
	    -1);
	assert_int_equal(text(rep('d', CERBO_DESCRIPTION_MAX),
	                     CERBO_DESCRIPTION_MAX),
	    0);
	assert_int_equal(text(rep('d', CERBO_DESCRIPTION_MAX + 1),
	                     CERBO_DESCRIPTION_MAX),
	    -1);
}

static void
text_with_control_characters_is_refused(void **state)
{
	(void)state;
	assert_int_equal(text("a\tb", 128), -1);
	assert_int_equal(text("a\nb", 128), -1);
	assert_int_equal(text("a\rb", 128), -1);
	assert_int_equal(text("a\x1b[31mb", 128), -1);
	assert_int_equal(text("a\x7f", 128), -1);
	assert_int_equal(text("a\xc2\x85"
	                      "b",
	                     128),
	    -1); /* NEL (C1) */
	assert_int_equal(text("a\xe2\x80\xa8"
	                      "b",
	                     128),
	    -1); /* U+2028 */
	assert_int_equal(cerbo__check_text("x", "a\0b", 3, 128, NULL), -1);
}

/* Trojan Source: each of these reorders what is shown around it. */
static void
text_with_each_bidi_control_is_refused(void **state)
{
	static const struct {
		const char *utf8;
		unsigned code;
	} bidi[] = {
	    {"\xd8\x9c", 0x061c},     /* ALM */
	    {"\xe2\x80\x8e", 0x200e}, /* LRM */
	    {"\xe2\x80\x8f", 0x200f}, /* RLM */
	    {"\xe2\x80\xaa", 0x202a}, /* LRE */
	    {"\xe2\x80\xab", 0x202b}, /* RLE */
	    {"\xe2\x80\xac", 0x202c}, /* PDF */
	    {"\xe2\x80\xad", 0x202d}, /* LRO */
	    {"\xe2\x80\xae", 0x202e}, /* RLO */
	    {"\xe2\x81\xa6", 0x2066}, /* LRI */
	    {"\xe2\x81\xa7", 0x2067}, /* RLI */
	    {"\xe2\x81\xa8", 0x2068}, /* FSI */
	    {"\xe2\x81\xa9", 0x2069}, /* PDI */
	};
	struct cerbo_error err = CERBO_ERROR_INIT;
	char buf[64], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
		join(buf, sizeof(buf), "Sync ", bidi[i].utf8, "job", NULL);
		snprintf(want, sizeof(want),
		    "nickname must not contain "
		    "bidirectional text controls (U+%04X at byte 6)",
		    bidi[i].code);
		assert_int_equal(cerbo__check_text("nickname", buf, strlen(buf),
		                     128, &err),
		    -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_string_equal(err.message, want);
		/* at the very end too */
		join(buf, sizeof(buf), "Sync", bidi[i].utf8, NULL);
		assert_int_equal(text(buf, 128), -1);
	}
}

/* Right-to-left letters and the joiners of emoji are text, not controls;
 * so are the neighbours of the refused ranges. */
static void
text_in_rtl_scripts_and_with_joiners_is_valid(void **state)
{
	(void)state;
	assert_int_equal(text("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 128),
	    0); /* Hebrew */
	assert_int_equal(text("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", 128),
	    0); /* Arabic */
	assert_int_equal(text("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",
	                     128),
	    0); /* U+200D ZWJ in an emoji sequence */
	assert_int_equal(text("a\xd8\x9b"
	                      "b",
	                     128),
	    0); /* U+061B */
	assert_int_equal(text("a\xe2\x80\x8d"
	                      "b",
	                     128),
	    0); /* U+200D */
	assert_int_equal(text("a\xe2\x80\xaf"
	                      "b",
	                     128),
	    0); /* U+202F */
	assert_int_equal(text("a\xe2\x81\xa5"
	                      "b",
	                     128),
	    0); /* U+2065 */
	assert_int_equal(text("a\xe2\x81\xaa"
	                      "b",
	                     128),
	    0); /* U+206A */
}

static void
text_with_invalid_utf8_is_refused(void **state)
{
	(void)state;
	assert_int_equal(text("\xff", 128), -1);
	assert_int_equal(text("a\xc3", 128), -1);            /* truncated */
	assert_int_equal(text("\xc0\xaf", 128), -1);         /* overlong '/' */
	assert_int_equal(text("\xe0\x80\xaf", 128), -1);     /* overlong */
	assert_int_equal(text("\xf0\x80\x80\xaf", 128), -1); /* overlong */
	assert_int_equal(text("\xed\xa0\x80", 128), -1);     /* surrogate */
	assert_int_equal(text("\xf4\x90\x80\x80", 128), -1); /* > U+10FFFF */
	assert_int_equal(text("\x80", 128), -1); /* lone continuation */
}

static void
utf8_checker_accepts_every_boundary_code_point(void **state)
{
	(void)state;
	assert_int_equal(cerbo__utf8_valid("\x7f", 1, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xc2\x80", 2, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xdf\xbf", 2, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xe0\xa0\x80", 3, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xed\x9f\xbf", 3, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xee\x80\x80", 3, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xef\xbf\xbf", 3, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xf0\x90\x80\x80", 4, NULL), 1);
	assert_int_equal(cerbo__utf8_valid("\xf4\x8f\xbf\xbf", 4, NULL), 1);
}

static void
utf8_checker_reports_offset_of_bad_sequence(void **state)
{
	size_t off = 99;

	(void)state;
	assert_int_equal(cerbo__utf8_valid("abc\xc3(", 5, &off), 0);
	assert_int_equal(off, 3);
}

static void
trim_drops_surrounding_whitespace(void **state)
{
	const char *s = " \t Scheduling \n";
	size_t n = strlen(s);

	(void)state;
	cerbo__trim(&s, &n);
	assert_int_equal(n, 10);
	assert_memory_equal(s, "Scheduling", 10);
}

/* ---- email ------------------------------------------------------------ */

static void
email_pragmatic_addresses_are_valid(void **state)
{
	(void)state;
	assert_int_equal(email("ops@example.com"), 0);
	assert_int_equal(email("first.last+tag@mail.example.co.uk"), 0);
	assert_int_equal(email("o'brien@example-1.org"), 0);
	assert_int_equal(email("x@a.io"), 0);
}

static void
email_without_or_with_two_at_signs_is_refused(void **state)
{
	(void)state;
	assert_int_equal(email("ops.example.com"), -1);
	assert_int_equal(email("a@b@example.com"), -1);
	assert_int_equal(email("@example.com"), -1);
	assert_int_equal(email("ops@"), -1);
}

static void
email_with_undotted_or_malformed_domain_is_refused(void **state)
{
	(void)state;
	assert_int_equal(email("ops@localhost"), -1);
	assert_int_equal(email("ops@example..com"), -1);
	assert_int_equal(email("ops@.example.com"), -1);
	assert_int_equal(email("ops@example.com."), -1);
	assert_int_equal(email("ops@-example.com"), -1);
	assert_int_equal(email("ops@example_x.com"), -1);
	assert_int_equal(email("ops@192.0.2.1"), -1);
}

static void
email_with_spaces_or_bad_local_part_is_refused(void **state)
{
	(void)state;
	assert_int_equal(email("o ps@example.com"), -1);
	assert_int_equal(email(" ops@example.com"), -1);
	assert_int_equal(email(".ops@example.com"), -1);
	assert_int_equal(email("ops.@example.com"), -1);
	assert_int_equal(email("o..ps@example.com"), -1);
	assert_int_equal(email("o\"ps@example.com"), -1);
	assert_int_equal(email("\xc3\xa9@example.com"), -1);
	assert_int_equal(email(""), -1);
}

static void
email_of_254_bytes_is_valid_and_255_refused(void **state)
{
	char addr[300];

	(void)state;
	/* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 */
	char a[64], b[64], c[64];

	(void)state;
	/* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 */
	join(a, sizeof(a), rep('a', 63), NULL);
	join(b, sizeof(b), rep('b', 63), NULL);
	join(c, sizeof(c), rep('c', 61), NULL);
	join(addr, sizeof(addr), rep('l', 64), "@", a, ".", b, ".", c, NULL);
	assert_int_equal(strlen(addr), 254);
	assert_int_equal(email(addr), 0);
	join(addr, sizeof(addr), rep('l', 64), "@", a, ".", b, ".", c, "c",
	    NULL);
	assert_int_equal(email(addr), -1);
}

static void
email_local_part_of_65_bytes_is_refused(void **state)
{
	char addr[100];

	(void)state;
	join(addr, sizeof(addr), rep('l', 65), "@example.com", NULL);
	assert_int_equal(email(addr), -1);
}

/* ---- booleans --------------------------------------------------------- */

static void
bool_is_exactly_true_or_false(void **state)
{
	int v = -1;

	(void)state;
	assert_int_equal(cerbo__check_bool("disabled", "true", 4, &v, NULL), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cerbo__check_bool("disabled", "false", 5, &v, NULL),
	    0);
	assert_int_equal(v, 0);
}

static void
bool_spellings_other_than_true_false_are_refused(void **state)
{
	static const char *const bad[] = {"yes", "no", "on", "off", "True",
	    "FALSE", "1", "0", "y", "", "true ", NULL};
	const char *const *b;
	int v;

	(void)state;
	for (b = bad; *b != NULL; b++)
		assert_int_equal(cerbo__check_bool("disabled", *b, strlen(*b),
		                     &v, NULL),
		    -1);
}

/* ---- times ------------------------------------------------------------ */

static void
time_in_rfc3339_utc_is_parsed(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(cerbo__time_parse("2026-11-27T10:00:00Z", &t, NULL),
	    0);
	assert_int_equal(t, 1795773600);
	assert_int_equal(cerbo__time_parse("1970-01-01T00:00:00Z", &t, NULL),
	    0);
	assert_int_equal(t, 0);
	assert_int_equal(cerbo__time_parse("2024-02-29T23:59:59Z", &t, NULL),
	    0);
	assert_int_equal(cerbo__time_parse("9999-12-31T23:59:59Z", &t, NULL),
	    0);
	assert_int_equal(t, 253402300799LL);
}

static void
time_in_other_forms_is_refused(void **state)
{
	static const char *const bad[] = {"2026-11-27 10:00:00Z",
	    "2026-11-27T10:00:00", "2026-11-27T10:00:00+00:00",
	    "2026-11-27T10:00:00.5Z", "2026-11-27t10:00:00z", "2026-11-27",
	    "26-11-27T10:00:00Z", " 2026-11-27T10:00:00Z",
	    "2026-11-27T10:00:00Z ", "+026-11-27T10:00:00Z", "", NULL};
	const char *const *b;
	int64_t t;

	(void)state;
	for (b = bad; *b != NULL; b++)
		assert_int_equal(cerbo__time_parse(*b, &t, NULL), -1);
	assert_int_equal(cerbo__time_parse(NULL, &t, NULL), -1);
}

static void
time_out_of_range_fields_are_refused(void **state)
{
	static const char *const bad[] = {"2026-00-27T10:00:00Z",
	    "2026-13-27T10:00:00Z", "2026-11-00T10:00:00Z",
	    "2026-11-31T10:00:00Z", "2025-02-29T10:00:00Z",
	    "1900-02-29T10:00:00Z", "2026-11-27T24:00:00Z",
	    "2026-11-27T10:60:00Z", "2026-11-27T10:00:60Z",
	    "1969-12-31T23:59:59Z", NULL};
	const char *const *b;
	int64_t t;

	(void)state;
	for (b = bad; *b != NULL; b++)
		assert_int_equal(cerbo__time_parse(*b, &t, NULL), -1);
}

static void
time_format_round_trips_parse(void **state)
{
	char out[32];
	int64_t t;

	(void)state;
	cerbo__time_format(1795773600, out, sizeof(out));
	assert_string_equal(out, "2026-11-27T10:00:00Z");
	cerbo__time_format(951782400, out, sizeof(out));
	assert_string_equal(out, "2000-02-29T00:00:00Z");
	assert_int_equal(cerbo__time_parse(out, &t, NULL), 0);
	assert_int_equal(t, 951782400);
}

static void
time_format_of_out_of_range_or_short_buffer_is_empty(void **state)
{
	char out[32];

	(void)state;
	cerbo__time_format(-1, out, sizeof(out));
	assert_string_equal(out, "");
	cerbo__time_format(253402300800LL, out, sizeof(out));
	assert_string_equal(out, "");
	cerbo__time_format(0, out, 20);
	assert_string_equal(out, "");
}

/* ---- durations -------------------------------------------------------- */

static void
duration_with_unit_is_parsed(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(cerbo_duration_parse("90s", &v, NULL), 0);
	assert_int_equal(v, 90);
	assert_int_equal(cerbo_duration_parse("15m", &v, NULL), 0);
	assert_int_equal(v, 900);
	assert_int_equal(cerbo_duration_parse("24h", &v, NULL), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(cerbo_duration_parse("7d", &v, NULL), 0);
	assert_int_equal(v, 604800);
	assert_int_equal(cerbo_duration_parse("0s", &v, NULL), 0);
	assert_int_equal(v, 0);
}

static void
duration_without_unit_or_with_sign_is_refused(void **state)
{
	static const char *const bad[] = {"90", "s", "", "-5m", "+5m", "5 m",
	    " 5m", "5M", "5w", "1.5h", "0x10s", "5ms", NULL};
	const char *const *b;
	int64_t v;

	(void)state;
	for (b = bad; *b != NULL; b++)
		assert_int_equal(cerbo_duration_parse(*b, &v, NULL), -1);
	assert_int_equal(cerbo_duration_parse(NULL, &v, NULL), -1);
}

static void
duration_of_3650_days_is_valid_and_longer_refused(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(cerbo_duration_parse("3650d", &v, NULL), 0);
	assert_int_equal(v, 3650L * 86400);
	assert_int_equal(cerbo_duration_parse("3651d", &v, NULL), -1);
	assert_int_equal(cerbo_duration_parse("315360001s", &v, NULL), -1);
	assert_int_equal(cerbo_duration_parse("99999999999999999999999d", &v,
	                     NULL),
	    -1);
}

static void
duration_ms_takes_every_unit_and_a_bare_number_of_seconds(void **state)
{
	static const struct {
		const char *text;
		int64_t ms;
	} good[] = {
	    {"500ms", 500},
	    {"10s", 10000},
	    {"10", 10000},
	    {"2m", 120000},
	    {"1h", 3600000},
	    {"0", 0},
	    {"0ms", 0},
	};
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		assert_int_equal(cerbo_duration_parse_ms(good[i].text, 0,
		                     3600000, &v, NULL),
		    0);
		assert_int_equal(v, good[i].ms);
	}
}

static void
duration_ms_outside_its_bounds_is_refused_naming_them(void **state)
{
	static const char *const bad[] = {"2h", "3601s", "61m", "1d", "soon",
	    "-1s", "+1s", "1.5s", "1 s", "", "5M", "1w", NULL};
	const char *const *b;
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 7;

	(void)state;
	for (b = bad; *b != NULL; b++) {
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		assert_int_equal(cerbo_duration_parse_ms(*b, 0, 3600000, &v,
		                     &err),
		    -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_non_null(strstr(err.message, "between 0 and 1h"));
	}
	assert_int_equal(v, 7);
	assert_int_equal(cerbo_duration_parse_ms("99ms", 100, 1500, &v, &err),
	    -1);
	assert_non_null(strstr(err.message, "between 100ms and 1500ms"));
	assert_int_equal(cerbo_duration_parse_ms(NULL, 0, 1000, &v, NULL), -1);
}

static void
duration_units_mean_the_same_in_both_parsers(void **state)
{
	static const char *const both[] = {"90s", "15m", "1h", "24h", "7d",
	    "0s", NULL};
	const char *const *b;
	long secs;
	int64_t ms;

	(void)state;
	for (b = both; *b != NULL; b++) {
		assert_int_equal(cerbo_duration_parse(*b, &secs, NULL), 0);
		assert_int_equal(cerbo_duration_parse_ms(*b, 0,
		                     (int64_t)3650 * 86400000, &ms, NULL),
		    0);
		assert_int_equal(ms, (int64_t)secs * 1000);
	}
}

/* ---- allow_from ------------------------------------------------------- */

static void
cidr_ipv4_and_ipv6_networks_are_canonical(void **state)
{
	char out[CERBO__CIDR_TEXT];

	(void)state;
	assert_int_equal(cerbo__cidr_canon("192.0.2.0/24", 12, out, sizeof(out),
	                     NULL),
	    0);
	assert_string_equal(out, "192.0.2.0/24");
	assert_int_equal(cerbo__cidr_canon("2001:DB8:0:0::/32", 17, out,
	                     sizeof(out), NULL),
	    0);
	assert_string_equal(out, "2001:db8::/32");
	assert_int_equal(cerbo__cidr_canon("0.0.0.0/0", 9, out, sizeof(out),
	                     NULL),
	    0);
	assert_string_equal(out, "0.0.0.0/0");
}

static void
cidr_bare_address_means_one_host(void **state)
{
	char out[CERBO__CIDR_TEXT];

	(void)state;
	assert_int_equal(cerbo__cidr_canon("192.0.2.7", 9, out, sizeof(out),
	                     NULL),
	    0);
	assert_string_equal(out, "192.0.2.7/32");
	assert_int_equal(cerbo__cidr_canon("::1", 3, out, sizeof(out), NULL),
	    0);
	assert_string_equal(out, "::1/128");
}

static void
cidr_with_host_bits_set_is_refused_naming_the_network(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char out[CERBO__CIDR_TEXT];

	(void)state;
	assert_int_equal(cerbo__cidr_canon("192.0.2.1/24", 12, out, sizeof(out),
	                     &err),
	    -1);
	assert_non_null(strstr(err.message, "192.0.2.0/24"));
	assert_int_equal(cerbo__cidr_canon("2001:db8::1/32", 14, out,
	                     sizeof(out), NULL),
	    -1);
}

static void
cidr_malformed_networks_are_refused(void **state)
{
	static const char *const bad[] = {"192.0.2.0/33", "192.0.2.0/",
	    "192.0.2.0/024", "192.0.2/24", "192.0.2.256", "01.2.3.4",
	    "2001:db8::/129", "2001:db8:::/32", "host.example.com",
	    "192.0.2.0/-1", "192.0.2.0/2x", " 192.0.2.0/24", "", NULL};
	const char *const *b;
	char out[CERBO__CIDR_TEXT];

	(void)state;
	for (b = bad; *b != NULL; b++)
		assert_int_equal(cerbo__cidr_canon(*b, strlen(*b), out,
		                     sizeof(out), NULL),
		    -1);
}

static void
cidr_list_is_canonicalised_without_spaces(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(cerbo__cidr_list_canon(" 192.0.2.0/24 , "
	                                        "2001:DB8::/32,10.1.2.3",
	                     &out, NULL),
	    0);
	assert_string_equal(out, "192.0.2.0/24,2001:db8::/32,10.1.2.3/32");
	free(out);
}

static void
cidr_list_empty_duplicate_or_too_long_is_refused(void **state)
{
	char list[64 * 20 + 32];
	char *out = NULL;
	size_t i, len = 0;

	(void)state;
	assert_int_equal(cerbo__cidr_list_canon("", &out, NULL), -1);
	assert_int_equal(cerbo__cidr_list_canon("10.0.0.0/8,", &out, NULL), -1);
	assert_int_equal(cerbo__cidr_list_canon("10.0.0.0/8,,10.1.0.0/16", &out,
	                     NULL),
	    -1);
	assert_int_equal(cerbo__cidr_list_canon("10.0.0.1,10.0.0.1/32", &out,
	                     NULL),
	    -1);
	for (i = 0; i < CERBO__ALLOW_FROM_MAX; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		    "%s10.0.%zu.0/24", i > 0 ? "," : "", i);
	assert_int_equal(cerbo__cidr_list_canon(list, &out, NULL), 0);
	free(out);
	snprintf(list + len, sizeof(list) - len, ",10.1.0.0/24");
	assert_int_equal(cerbo__cidr_list_canon(list, &out, NULL), -1);
	assert_null(out);
}

static void
addr_inside_a_listed_network_is_allowed(void **state)
{
	const char *list = "192.0.2.0/24,2001:db8::/32,198.51.100.7/32";

	(void)state;
	assert_int_equal(cerbo__addr_allowed(list, "192.0.2.200"), 1);
	assert_int_equal(cerbo__addr_allowed(list, "2001:db8:1::5"), 1);
	assert_int_equal(cerbo__addr_allowed(list, "198.51.100.7"), 1);
}

static void
addr_outside_every_network_is_refused(void **state)
{
	const char *list = "192.0.2.0/24,2001:db8::/32,198.51.100.7/32";

	(void)state;
	assert_int_equal(cerbo__addr_allowed(list, "192.0.3.1"), 0);
	assert_int_equal(cerbo__addr_allowed(list, "2001:db9::1"), 0);
	assert_int_equal(cerbo__addr_allowed(list, "198.51.100.8"), 0);
}

static void
addr_missing_or_not_an_address_is_refused(void **state)
{
	(void)state;
	assert_int_equal(cerbo__addr_allowed("0.0.0.0/0", NULL), 0);
	assert_int_equal(cerbo__addr_allowed("0.0.0.0/0", ""), 0);
	assert_int_equal(cerbo__addr_allowed("0.0.0.0/0", "client.example"), 0);
	assert_int_equal(cerbo__addr_allowed("0.0.0.0/0", "192.0.2.1 "), 0);
	assert_int_equal(cerbo__addr_allowed(NULL, "192.0.2.1"), 0);
}

static void
addr_ipv4_mapped_ipv6_matches_ipv4_network(void **state)
{
	(void)state;
	assert_int_equal(cerbo__addr_allowed("192.0.2.0/24",
	                     "::ffff:192.0.2.9"),
	    1);
	assert_int_equal(cerbo__addr_allowed("192.0.2.0/24",
	                     "::ffff:192.0.3.9"),
	    0);
	assert_int_equal(cerbo__addr_allowed("::ffff:192.0.2.0/120",
	                     "192.0.2.9"),
	    1);
	assert_int_equal(cerbo__addr_allowed("::/0", "192.0.2.9"), 1);
}

static void
addr_ipv6_does_not_match_ipv4_network(void **state)
{
	(void)state;
	assert_int_equal(cerbo__addr_allowed("0.0.0.0/0", "2001:db8::1"), 0);
	assert_int_equal(cerbo__addr_allowed("0.0.0.0/0", "::1"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
	        username_with_prefix_letters_digits_dash_underscore_is_valid),
	    cmocka_unit_test(username_without_pk_prefix_is_refused),
	    cmocka_unit_test(username_of_prefix_alone_is_refused),
	    cmocka_unit_test(username_with_space_or_punctuation_is_refused),
	    cmocka_unit_test(username_of_64_bytes_is_valid_and_65_refused),
	    cmocka_unit_test(
	        profile_name_of_lowercase_digits_dash_underscore_is_valid),
	    cmocka_unit_test(
	        profile_name_with_uppercase_space_or_empty_is_refused),
	    cmocka_unit_test(profile_name_of_64_bytes_is_valid_and_65_refused),
	    cmocka_unit_test(name_starting_with_dash_is_refused_for_a_change),
	    cmocka_unit_test(
	        store_with_a_dash_profile_loads_but_takes_no_new_one),
	    cmocka_unit_test(text_with_unicode_and_punctuation_is_valid),
	    cmocka_unit_test(text_empty_or_blank_is_refused),
	    cmocka_unit_test(text_with_leading_or_trailing_space_is_refused),
	    cmocka_unit_test(text_at_its_bound_is_valid_and_one_past_refused),
	    cmocka_unit_test(text_with_control_characters_is_refused),
	    cmocka_unit_test(text_with_each_bidi_control_is_refused),
	    cmocka_unit_test(text_in_rtl_scripts_and_with_joiners_is_valid),
	    cmocka_unit_test(text_with_invalid_utf8_is_refused),
	    cmocka_unit_test(utf8_checker_accepts_every_boundary_code_point),
	    cmocka_unit_test(utf8_checker_reports_offset_of_bad_sequence),
	    cmocka_unit_test(trim_drops_surrounding_whitespace),
	    cmocka_unit_test(email_pragmatic_addresses_are_valid),
	    cmocka_unit_test(email_without_or_with_two_at_signs_is_refused),
	    cmocka_unit_test(
	        email_with_undotted_or_malformed_domain_is_refused),
	    cmocka_unit_test(email_with_spaces_or_bad_local_part_is_refused),
	    cmocka_unit_test(email_of_254_bytes_is_valid_and_255_refused),
	    cmocka_unit_test(email_local_part_of_65_bytes_is_refused),
	    cmocka_unit_test(bool_is_exactly_true_or_false),
	    cmocka_unit_test(bool_spellings_other_than_true_false_are_refused),
	    cmocka_unit_test(time_in_rfc3339_utc_is_parsed),
	    cmocka_unit_test(time_in_other_forms_is_refused),
	    cmocka_unit_test(time_out_of_range_fields_are_refused),
	    cmocka_unit_test(time_format_round_trips_parse),
	    cmocka_unit_test(
	        time_format_of_out_of_range_or_short_buffer_is_empty),
	    cmocka_unit_test(duration_with_unit_is_parsed),
	    cmocka_unit_test(duration_without_unit_or_with_sign_is_refused),
	    cmocka_unit_test(duration_of_3650_days_is_valid_and_longer_refused),
	    cmocka_unit_test(
	        duration_ms_takes_every_unit_and_a_bare_number_of_seconds),
	    cmocka_unit_test(
	        duration_ms_outside_its_bounds_is_refused_naming_them),
	    cmocka_unit_test(duration_units_mean_the_same_in_both_parsers),
	    cmocka_unit_test(cidr_ipv4_and_ipv6_networks_are_canonical),
	    cmocka_unit_test(cidr_bare_address_means_one_host),
	    cmocka_unit_test(
	        cidr_with_host_bits_set_is_refused_naming_the_network),
	    cmocka_unit_test(cidr_malformed_networks_are_refused),
	    cmocka_unit_test(cidr_list_is_canonicalised_without_spaces),
	    cmocka_unit_test(cidr_list_empty_duplicate_or_too_long_is_refused),
	    cmocka_unit_test(addr_inside_a_listed_network_is_allowed),
	    cmocka_unit_test(addr_outside_every_network_is_refused),
	    cmocka_unit_test(addr_missing_or_not_an_address_is_refused),
	    cmocka_unit_test(addr_ipv4_mapped_ipv6_matches_ipv4_network),
	    cmocka_unit_test(addr_ipv6_does_not_match_ipv4_network),
	    cmocka_unit_test(username_validate_says_why_a_name_is_refused),
	};

	return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
