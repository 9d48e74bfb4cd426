/*
 * test_yaml_read.c - the strict store reader: a good full example, and
 * each refusal of cerbo-store(5) with its status, line and column.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cerbo.h"
#include "internal.h"
#include "storeutil.h"

static struct cerbo_error err = CERBO_ERROR_INIT;

static int
parse_len(const char *text, size_t len)
{
	struct cerbo_store *s = NULL;
	int rc;

	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = cerbo_store_parse(text, len, "t.yaml", &s, &err);
	if (rc == 0)
		assert_non_null(s);
	else
		assert_null(s);
	cerbo_store_free(s);
	return rc;
}

static int
parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static void
expect_len(const char *text, size_t len, enum cerbo_status status,
    unsigned long line, unsigned long column, const char *needle)
{
	if (parse_len(text, len) != -1)
		fail_msg("parsed, expected an error with \"%s\"", needle);
	if (err.status != status || err.line != line || err.column != column ||
	    strstr(err.message, needle) == NULL)
		fail_msg("got %s %lu:%lu \"%s\"; expected %s %lu:%lu \"%s\"",
		    cerbo_status_name(err.status), err.line, err.column,
		    err.message, cerbo_status_name(status), line, column,
		    needle);
	assert_string_equal(err.file, "t.yaml");
}

static void
expect(const char *text, unsigned long line, unsigned long column,
    const char *needle)
{
	expect_len(text, strlen(text), CERBO_E_STORE, line, column, needle);
}

/* ---- good stores ------------------------------------------------------ */

static void
full_example_parses_with_every_field(void **state)
{
	struct cerbo_store *s = NULL;
	const struct cerbo_user *u;
	const struct cerbo_profile *p;
	size_t len;
	char *text = read_data("example.yaml", &len);

	(void)state;
	assert_non_null(text);
	assert_int_equal(cerbo_store_parse(text, len, "example.yaml", &s, &err),
	    0);
	assert_int_equal(cerbo__store_format(s), 1);
	assert_int_equal(cerbo_store_generation(s), 42);
	assert_int_equal(cerbo_store_profile_count(s), 3);
	assert_string_equal(cerbo_profile_name(cerbo_store_profile_at(s, 0)),
	    "locked-down");
	p = cerbo_store_profile_find(s, "scheduling");
	assert_non_null(p);
	assert_string_equal(cerbo_profile_description(p),
	    "Scheduling integration");
	assert_int_equal(cerbo_profile_rule_count(p, CERBO_RULE_ALLOW), 2);
	assert_string_equal(cerbo_profile_rule_at(p, CERBO_RULE_DENY, 0),
	    "DELETE /**");
	assert_null(cerbo_profile_description(
	    cerbo_store_profile_find(s, "locked-down")));
	assert_int_equal(cerbo_store_user_count(s), 3);
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(s, 0)),
	    "pk_crm-import");
	u = cerbo_store_user_find(s, "pk_scheduling_sync");
	assert_non_null(u);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_NICKNAME),
	    "Scheduling integration");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_OLD_SECRET), HASH_B);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_OLD_SECRET_EXPIRES),
	    "2026-11-28T10:00:00Z");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_ALLOW_FROM),
	    "192.0.2.0/24,2001:db8::/32,198.51.100.7/32");
	assert_int_equal(cerbo__user_time(u, CERBO_USER_CREATED), 1795167000);
	assert_int_equal(cerbo_user_disabled(u), 0);
	u = cerbo_store_user_find(s, "pk_crm-import");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_NICKNAME),
	    "CRM import \"legacy\" \xc3\xa9");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_DESCRIPTION),
	    "Imported from the old system; its secret is a password, so it "
	    "is hashed with argon2id.");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_SECRET), HASH_ARGON);
	assert_int_equal(cerbo_user_disabled(u), 1);
	assert_null(cerbo_user_get(u, CERBO_USER_EXPIRES));
	assert_null(cerbo_user_get(u, CERBO_USER_ALLOW_FROM));
	cerbo_store_free(s);
	free(text);
}

static void
shipped_example_store_is_valid(void **state)
{
	size_t len;
	char *text = read_data("../../../etc/apiusers.yaml.example", &len);

	(void)state;
	assert_non_null(text);
	if (parse_len(text, len) != 0)
		fail_msg("%lu:%lu: %s", err.line, err.column, err.message);
	free(text);
}

static void
digest_is_blake2b_of_the_bytes_read(void **state)
{
	struct cerbo_store *s = NULL;
	const char *text = STORE_HEAD;
	char hex[65];

	(void)state;
	assert_int_equal(cerbo_store_parse(text, strlen(text), "t", &s, &err),
	    0);
	cerbo__digest_hex(text, strlen(text), hex);
	assert_string_equal(cerbo_store_digest(s), hex);
	assert_int_equal(strlen(hex), 64);
	cerbo_store_free(s);
}

static void
store_with_only_version_and_generation_is_valid(void **state)
{
	(void)state;
	assert_int_equal(parse("cerbo_store: 1\ngeneration: 0\n"), 0);
	assert_int_equal(parse("cerbo_store: 1\ngeneration: 0\nprofiles: {}\n"
	                       "users: {}\n"),
	    0);
	assert_int_equal(parse("---\ngeneration: 0\ncerbo_store: 1\n...\n"), 0);
}

static void
quoted_strings_of_any_style_are_text(void **state)
{
	(void)state;
	assert_int_equal(parse(STORE_HEAD
	                     "    expires: '2027-01-01T00:00:00Z'\n"),
	    0);
	assert_int_equal(parse("cerbo_store: 1\ngeneration: 1\nprofiles:\n"
	                       "  \"true\":\n    description: |-\n      two\n  "
	                       "    lines? no\n"),
	    -1); /* a newline is a control character in a description */
	assert_int_equal(parse("cerbo_store: 1\ngeneration: 1\nprofiles:\n"
	                       "  \"true\":\n    description: 'yes'\n"),
	    0);
}

/* ---- raw bytes ---------------------------------------------------------- */

static void
empty_file_is_refused(void **state)
{
	(void)state;
	expect("", 1, 1, "empty");
	expect("# only a comment\n", 2, 1, "empty");
}

static void
byte_order_mark_is_refused(void **state)
{
	(void)state;
	expect("\xef\xbb\xbf"
	       "cerbo_store: 1\ngeneration: 1\n",
	    1, 1, "byte order mark");
	expect("cerbo_store: 1\ngeneration: 1\n# \xef\xbb\xbf\n", 3, 3,
	    "byte order mark");
}

static void
nul_byte_is_refused(void **state)
{
	static const char text[] = "cerbo_store: 1\ngene\0ration: 1\n";

	(void)state;
	expect_len(text, sizeof(text) - 1, CERBO_E_STORE, 2, 5, "NUL");
}

static void
carriage_return_is_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1\r\ngeneration: 1\r\n", 1, 15, "CRLF");
}

static void
invalid_utf8_is_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1 # caf\xc3\n", 1, 21, "UTF-8");
	expect("cerbo_store: 1 # \xed\xa0\x80\n", 1, 18, "UTF-8");
	expect("# \xc3\xa9\xff\n", 1, 4, "UTF-8");
}

static void
control_characters_and_line_separators_are_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1\x1b\n", 1, 15, "control");
	expect("cerbo_store: 1 # \xc2\x85\n", 1, 18, "control");
	expect("cerbo_store: 1 # \xe2\x80\xa8\n", 1, 18, "separator");
}

static void
store_over_size_bound_is_refused_before_reading(void **state)
{
	(void)state;
	/* The bound is checked first: no byte past the first is read. */
	assert_int_equal(parse_len("x", (size_t)CERBO_STORE_SIZE_MAX + 1), -1);
	assert_int_equal(err.status, CERBO_E_STORE);
	assert_non_null(strstr(err.message, "larger"));
}

/* ---- YAML structure ----------------------------------------------------- */

static void
malformed_yaml_is_refused_with_position(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: \"1\n", 3, 1, "malformed YAML");
	expect("cerbo_store: 1\ngeneration: 1\nusers: ]\n", 3, 8,
	    "malformed YAML: did not find expected node content");
	expect("cerbo_store: 1\ngeneration: 1\n- x\n", 3, 1,
	    "malformed YAML: did not find expected key");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n\tpk_a: {}\n", 4, 1,
	    "malformed YAML");
}

static void
duplicate_top_level_key_is_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\ngeneration: 2\n", 3, 1,
	    "duplicate key \"generation\"");
}

static void
duplicate_user_field_is_refused(void **state)
{
	(void)state;
	expect(STORE_HEAD "    nickname: B\n", 16, 5,
	    "user pk_a: duplicate key \"nickname\"");
}

static void
duplicate_user_is_refused(void **state)
{
	(void)state;
	expect(STORE_HEAD "  pk_a:\n    nickname: B\n", 16, 3,
	    "user pk_a is defined twice");
}

static void
duplicate_profile_and_profile_key_are_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p: {}\n  p: {}\n",
	    5, 3, "profile p is defined twice");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n"
	       "    allow: []\n    allow: []\n",
	    6, 5, "duplicate key \"allow\"");
}

static void
unknown_keys_are_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nusres: {}\n", 3, 1,
	    "unknown key \"usres\"");
	expect(STORE_HEAD "    nick: B\n", 16, 5,
	    "user pk_a: unknown key \"nick\"");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n"
	       "    allows: []\n",
	    5, 5, "profile p: unknown key \"allows\"");
}

static void
anchors_aliases_and_tags_are_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: &g 1\n", 2, 13, "anchors");
	expect("cerbo_store: &v 1\ngeneration: *v\n", 1, 14, "anchors");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles: {}\nusers: *u\n", 4, 8,
	    "aliases");
	expect("cerbo_store: 1\ngeneration: !!int 1\n", 2, 13, "tags");
	expect(STORE_HEAD "    disabled: !!bool true\n", 16, 15, "tags");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles: !!map {}\n", 3, 11,
	    "tags");
}

static void
alias_to_a_defined_anchor_is_refused(void **state)
{
	(void)state;
	/* The anchor is refused first, wherever it is. */
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p: &p {}\n"
	       "  q: *p\n",
	    4, 6, "anchors");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p: {}\n"
	       "  q: *p\n",
	    5, 6, "aliases"); /* even an undefined one */
}

static void
directives_are_refused(void **state)
{
	(void)state;
	expect("%YAML 1.1\n---\ncerbo_store: 1\ngeneration: 1\n", 1, 1,
	    "directives");
	expect("%TAG !e! tag:example.com,2000:\n---\ncerbo_store: 1\n", 1, 1,
	    "directives");
}

static void
second_document_is_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\n---\ncerbo_store: 1\n"
	       "generation: 2\n",
	    3, 1, "one YAML document");
}

static void
wrong_types_are_refused(void **state)
{
	(void)state;
	expect("- cerbo_store: 1\n", 1, 1, "must be a mapping");
	expect("cerbo_store: 1\ngeneration: 1\nusers: []\n", 3, 8,
	    "users must be a mapping, not a list");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n", 3, 7,
	    "users must be a mapping, not empty");
	expect(STORE_HEAD "    expires: {a: b}\n", 16, 14,
	    "expires must be a single value, not a mapping");
	expect(STORE_HEAD "    allow_from: 192.0.2.0/24\n", 16, 17,
	    "allow_from must be a list");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n"
	       "    allow: GET /a\n",
	    5, 12, "must be a list, not a scalar");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n", 4, 5,
	    "a profile must be a mapping");
	expect("cerbo_store: 1\ngeneration: 1\n? [a]\n: b\n", 3, 3,
	    "a key must be a single value");
}

static void
deep_nesting_is_refused_at_the_first_level_too_deep(void **state)
{
	char text[8192];
	size_t i, len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), STORE_HEAD "    expires: ");
	for (i = 0; i < 3000; i++)
		text[len++] = '[';
	text[len++] = '\n';
	text[len] = '\0';
	expect(text, 16, 14, "expires must be a single value, not a list");
}

static void
booleans_are_exactly_plain_true_or_false(void **state)
{
	(void)state;
	assert_int_equal(parse(STORE_HEAD "    disabled: true\n"), 0);
	assert_int_equal(parse(STORE_HEAD "    disabled: false\n"), 0);
	expect(STORE_HEAD "    disabled: \"true\"\n", 16, 15, "without quotes");
	expect(STORE_HEAD "    disabled: yes\n", 16, 15,
	    "disabled must be true or false");
	expect(STORE_HEAD "    disabled: on\n", 16, 15,
	    "disabled must be true or false");
	expect(STORE_HEAD "    disabled: True\n", 16, 15,
	    "disabled must be true or false");
	expect(STORE_HEAD "    disabled: 1\n", 16, 15,
	    "disabled must be true or false");
}

static void
integers_are_plain_digits_within_bounds(void **state)
{
	(void)state;
	assert_int_equal(parse(
	                     "cerbo_store: 1\ngeneration: 9007199254740991\n"),
	    0);
	expect("cerbo_store: 1\ngeneration: 9007199254740992\n", 2, 13,
	    "larger than 9007199254740991");
	expect("cerbo_store: 1\ngeneration: \"1\"\n", 2, 13, "whole number");
	expect("cerbo_store: 1\ngeneration: 01\n", 2, 13, "whole number");
	expect("cerbo_store: 1\ngeneration: -1\n", 2, 13, "whole number");
	expect("cerbo_store: 1\ngeneration: +1\n", 2, 13, "whole number");
	expect("cerbo_store: 1\ngeneration: 1.0\n", 2, 13, "whole number");
	expect("cerbo_store: 1\ngeneration:\n", 2, 12, "whole number");
}

/* ---- format version ------------------------------------------------------ */

static void
newer_format_is_too_new(void **state)
{
	(void)state;
	expect_len("cerbo_store: 2\ngeneration: 1\n", 28, CERBO_E_TOO_NEW, 1,
	    14, "format 2 is too new for this pam_cerbo (it reads format 1)");
}

static void
newer_format_is_too_new_even_after_an_unknown_key(void **state)
{
	static const char text[] = "generation: 1\nnew_key: {x: 1}\n"
	                           "cerbo_store: 7\n";

	(void)state;
	expect_len(text, sizeof(text) - 1, CERBO_E_TOO_NEW, 3, 14,
	    "format 7 is too new");
}

static void
format_zero_or_missing_is_refused(void **state)
{
	(void)state;
	expect("cerbo_store: 0\ngeneration: 1\n", 1, 14, "does not exist");
	expect("generation: 1\n", 1, 1, "cerbo_store");
	expect("cerbo_store: 1\n", 1, 1, "generation is missing");
	expect("cerbo_store: \"1\"\ngeneration: 1\n", 1, 14, "whole number");
}

/* ---- users and fields ------------------------------------------------- */

static void
missing_required_field_is_refused_at_the_user(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p: {}\nusers:\n"
	       "  pk_a:\n    nickname: A\n",
	    6, 3, "user pk_a: profile is missing");
}

static void
old_secret_and_its_expiry_go_together(void **state)
{
	(void)state;
	expect(STORE_HEAD "    old_secret: " HASH_B "\n", 7, 3,
	    "old_secret needs old_secret_expires");
	expect(STORE_HEAD "    old_secret_expires: 2026-01-02T00:00:00Z\n", 7,
	    3, "old_secret_expires needs old_secret");
	assert_int_equal(parse(STORE_HEAD
	                     "    old_secret: " HASH_B "\n"
	                     "    old_secret_expires: 2026-01-02T00:00:00Z\n"),
	    0);
}

static void
unknown_profile_is_refused_where_it_is_named(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a:\n"
	       "    nickname: A\n    profile: nope\n    email: a@example.com\n"
	       "    description: D\n    secret: " HASH_A "\n"
	       "    secret_set: 2026-01-01T00:00:00Z\n"
	       "    created: 2026-01-01T00:00:00Z\n"
	       "    updated: 2026-01-01T00:00:00Z\n",
	    6, 14, "user pk_a: profile nope does not exist");
}

static void
profile_defined_after_its_users_is_found(void **state)
{
	(void)state;
	assert_int_equal(parse("cerbo_store: 1\ngeneration: 1\nusers:\n"
	                       "  pk_a:\n    nickname: A\n    profile: p\n"
	                       "    email: a@example.com\n    description: D\n"
	                       "    secret: " HASH_A
	                       "\n    secret_set: 2026-01-01T00:00:00Z\n"
	                       "    created: 2026-01-01T00:00:00Z\n"
	                       "    updated: 2026-01-01T00:00:00Z\nprofiles:\n "
	                       " p: {}\n"),
	    0);
}

static void
invalid_field_values_are_refused_at_the_value(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p: {}\nusers:\n"
	       "  pk_a:\n    email: not-an-address\n",
	    7, 12, "user pk_a: email must hold exactly one '@'");
	expect(STORE_HEAD "    expires: 2026-02-30T00:00:00Z\n", 16, 14,
	    "user pk_a: expires: time has no day 30");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a:\n"
	       "    secret: $argon2i$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA\n",
	    5, 13, "user pk_a: secret: ");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a:\n"
	       "    nickname: \" padded\"\n",
	    5, 15, "start or end with a space");
}

static void
invalid_username_is_refused_at_the_key(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  scheduling: {}\n", 4,
	    3, "username must start with \"pk_\"");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a.b: {}\n", 4, 3,
	    "username may hold only");
}

static void
plain_values_that_are_not_text_must_be_quoted(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a:\n"
	       "    nickname: true\n",
	    5, 15, "put it in quotes");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a:\n"
	       "    nickname: 1234\n",
	    5, 15, "put it in quotes");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a:\n"
	       "    nickname: ~\n",
	    5, 15, "put it in quotes");
	expect("cerbo_store: 1\ngeneration: 1\nusers:\n  pk_a:\n"
	       "    nickname:\n",
	    5, 14, "nickname has no value");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  123: {}\n", 4, 3,
	    "put it in quotes");
	assert_int_equal(parse("cerbo_store: 1\ngeneration: 1\nprofiles:\n"
	                       "  \"123\": {}\n"),
	    0);
}

static void
allow_from_entries_are_validated_one_by_one(void **state)
{
	(void)state;
	expect(STORE_HEAD "    allow_from: []\n", 16, 17, "at least one");
	expect(STORE_HEAD "    allow_from: [10.0.0.0/8, 192.0.2.1/24]\n", 16,
	    30, "192.0.2.0/24");
	expect(STORE_HEAD "    allow_from:\n      - 10.0.0.0/8,10.1.0.0/16\n",
	    17, 9, "one network per list entry");
	expect(STORE_HEAD "    allow_from: [10.0.0.0/8, 10.0.0.0/8]\n", 16, 17,
	    "listed twice");
	expect(STORE_HEAD "    allow_from: [[10.0.0.0/8]]\n", 16, 18,
	    "must be a single value");
}

static void
profile_rules_are_validated(void **state)
{
	(void)state;
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n"
	       "    allow:\n      - GET /a\n      - GET relative\n",
	    7, 9, "profile p: allow: ");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n"
	       "    deny: [GET /a, GET /a]\n",
	    5, 20, "listed twice");
	expect("cerbo_store: 1\ngeneration: 1\nprofiles:\n  Big: {}\n", 4, 3,
	    "profile name may hold only lower-case");
}

static void
error_without_err_struct_still_fails(void **state)
{
	struct cerbo_store *s = NULL;

	(void)state;
	assert_int_equal(cerbo_store_parse("x: 1\n", 5, NULL, &s, NULL), -1);
	assert_null(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(full_example_parses_with_every_field),
	    cmocka_unit_test(shipped_example_store_is_valid),
	    cmocka_unit_test(digest_is_blake2b_of_the_bytes_read),
	    cmocka_unit_test(store_with_only_version_and_generation_is_valid),
	    cmocka_unit_test(quoted_strings_of_any_style_are_text),
	    cmocka_unit_test(empty_file_is_refused),
	    cmocka_unit_test(byte_order_mark_is_refused),
	    cmocka_unit_test(nul_byte_is_refused),
	    cmocka_unit_test(carriage_return_is_refused),
	    cmocka_unit_test(invalid_utf8_is_refused),
	    cmocka_unit_test(
	        control_characters_and_line_separators_are_refused),
	    cmocka_unit_test(store_over_size_bound_is_refused_before_reading),
	    cmocka_unit_test(malformed_yaml_is_refused_with_position),
	    cmocka_unit_test(duplicate_top_level_key_is_refused),
	    cmocka_unit_test(duplicate_user_field_is_refused),
	    cmocka_unit_test(duplicate_user_is_refused),
	    cmocka_unit_test(duplicate_profile_and_profile_key_are_refused),
	    cmocka_unit_test(unknown_keys_are_refused),
	    cmocka_unit_test(anchors_aliases_and_tags_are_refused),
	    cmocka_unit_test(alias_to_a_defined_anchor_is_refused),
	    cmocka_unit_test(directives_are_refused),
	    cmocka_unit_test(second_document_is_refused),
	    cmocka_unit_test(wrong_types_are_refused),
	    cmocka_unit_test(
	        deep_nesting_is_refused_at_the_first_level_too_deep),
	    cmocka_unit_test(booleans_are_exactly_plain_true_or_false),
	    cmocka_unit_test(integers_are_plain_digits_within_bounds),
	    cmocka_unit_test(newer_format_is_too_new),
	    cmocka_unit_test(newer_format_is_too_new_even_after_an_unknown_key),
	    cmocka_unit_test(format_zero_or_missing_is_refused),
	    cmocka_unit_test(missing_required_field_is_refused_at_the_user),
	    cmocka_unit_test(old_secret_and_its_expiry_go_together),
	    cmocka_unit_test(unknown_profile_is_refused_where_it_is_named),
	    cmocka_unit_test(profile_defined_after_its_users_is_found),
	    cmocka_unit_test(invalid_field_values_are_refused_at_the_value),
	    cmocka_unit_test(invalid_username_is_refused_at_the_key),
	    cmocka_unit_test(plain_values_that_are_not_text_must_be_quoted),
	    cmocka_unit_test(allow_from_entries_are_validated_one_by_one),
	    cmocka_unit_test(profile_rules_are_validated),
	    cmocka_unit_test(error_without_err_struct_still_fails),
	};

	return cmocka_run_group_tests_name("yaml_read", tests, NULL, NULL);
}
