/*
 * test_yaml_write.c - the deterministic writer: output compared with the
 * expected files, exact round trips of every field, quoting of values
 * that YAML would misread.
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
#include "storeutil.h"

#define T0 1795773600 /* 2026-11-27T10:00:00Z */

static struct cerbo_error err = CERBO_ERROR_INIT;

static void
ok(int rc)
{
	if (rc != 0)
		fail_msg("%s: %s", cerbo_status_name(err.status), err.message);
}

static void
add_user(struct cerbo_store *s, const char *name, const char *profile,
    const char *nickname, time_t now)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec.username = name;
	spec.nickname = nickname;
	spec.profile = profile;
	spec.email = "ops@example.com";
	spec.description = "Syncs appointments";
	spec.secret_hash = HASH_A;
	ok(cerbo_user_add(s, &spec, now, &err));
}

/* The store of expected-built.yaml, built through the API. */
static struct cerbo_store *
built_store(void)
{
	struct cerbo_store *s = cerbo__store_new();
	int changed;

	assert_non_null(s);
	ok(cerbo_profile_add(s, "scheduling", "Scheduling integration", &err));
	ok(cerbo_profile_rule_add(s, "scheduling", CERBO_RULE_ALLOW,
	    "GET /api/v1/appointments/**", &changed, &err));
	ok(cerbo_profile_rule_add(s, "scheduling", CERBO_RULE_ALLOW,
	    "POST /api/v1/appointments", &changed, &err));
	ok(cerbo_profile_rule_add(s, "scheduling", CERBO_RULE_DENY,
	    "DELETE /**", &changed, &err));
	ok(cerbo_profile_add(s, "empty", NULL, &err));
	add_user(s, "pk_scheduling_sync", "scheduling",
	    "Scheduling integration", T0);
	add_user(s, "pk_b", "empty", "B \"quoted\" \\ back", T0 + 1);
	ok(cerbo_user_set_secret(s, "pk_scheduling_sync", HASH_B, T0 + 60, 3600,
	    0, &err));
	ok(cerbo_user_set(s, "pk_scheduling_sync", CERBO_USER_ALLOW_FROM,
	    "192.0.2.0/24,2001:db8::/32", T0 + 60, &changed, &err));
	ok(cerbo_user_set(s, "pk_scheduling_sync", CERBO_USER_EXPIRES,
	    "2027-11-27T00:00:00Z", T0 + 60, &changed, &err));
	ok(cerbo_user_set(s, "pk_b", CERBO_USER_DISABLED, "true", T0 + 120,
	    &changed, &err));
	cerbo__store_set_generation(s, 7);
	return s;
}

static char *
emit(const struct cerbo_store *s, size_t *len)
{
	char *buf = NULL;

	ok(cerbo_store_emit(s, &buf, len, &err));
	assert_non_null(buf);
	return buf;
}

static struct cerbo_store *
reparse(const char *buf, size_t len)
{
	struct cerbo_store *s = NULL;
	char msg[1024];

	if (cerbo_store_parse(buf, len, "emitted", &s, &err) != 0)
		fail_msg("%s\n%.*s", cerbo_error_format(&err, msg, sizeof(msg)),
		    (int)len, buf);
	return s;
}

static void
assert_same_text(const char *got, size_t glen, const char *want, size_t wlen)
{
	if (glen != wlen || memcmp(got, want, glen) != 0)
		fail_msg("output differs:\n--- got\n%.*s\n--- expected\n%.*s",
		    (int)glen, got, (int)wlen, want);
}

static void
built_store_emits_expected_file(void **state)
{
	struct cerbo_store *s = built_store();
	size_t len, wlen;
	char *buf = emit(s, &len);
	char *want = read_data("expected-built.yaml", &wlen);

	(void)state;
	assert_non_null(want);
	assert_same_text(buf, len, want, wlen);
	free(want);
	free(buf);
	cerbo_store_free(s);
}

static void
parsed_example_emits_expected_file(void **state)
{
	size_t len, olen, wlen;
	char *text = read_data("example.yaml", &len);
	char *want = read_data("expected-example.yaml", &wlen);
	struct cerbo_store *s;
	char *out;

	(void)state;
	assert_non_null(text);
	assert_non_null(want);
	s = reparse(text, len);
	out = emit(s, &olen);
	assert_same_text(out, olen, want, wlen);
	free(out);
	free(want);
	free(text);
	cerbo_store_free(s);
}

static void
emit_of_parsed_emit_is_byte_identical(void **state)
{
	struct cerbo_store *a = built_store(), *b;
	size_t l1, l2;
	char *e1 = emit(a, &l1), *e2;

	(void)state;
	b = reparse(e1, l1);
	e2 = emit(b, &l2);
	assert_same_text(e2, l2, e1, l1);
	free(e1);
	free(e2);
	cerbo_store_free(a);
	cerbo_store_free(b);
}

static void
every_field_survives_a_round_trip(void **state)
{
	struct cerbo_store *a = built_store(), *b;
	const struct cerbo_user *u;
	char why[256];
	size_t len;
	char *text = emit(a, &len);

	(void)state;
	b = reparse(text, len);
	if (!stores_equal(a, b, why, sizeof(why)))
		fail_msg("differs in %s", why);
	u = cerbo_store_user_find(b, "pk_b");
	assert_int_equal(cerbo_user_disabled(u), 1);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_DISABLED), "true");
	u = cerbo_store_user_find(b, "pk_scheduling_sync");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_OLD_SECRET), HASH_A);
	assert_int_equal(cerbo__user_time(u, CERBO_USER_OLD_SECRET_EXPIRES),
	    T0 + 60 + 3600);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_ALLOW_FROM),
	    "192.0.2.0/24,2001:db8::/32");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_EXPIRES),
	    "2027-11-27T00:00:00Z");
	free(text);
	cerbo_store_free(a);
	cerbo_store_free(b);
}

static void
disabled_false_is_written_explicitly(void **state)
{
	struct cerbo_store *s = built_store();
	size_t len;
	char *text = emit(s, &len);

	(void)state;
	assert_non_null(strstr(text, "    disabled: false\n"));
	assert_non_null(strstr(text, "    disabled: true\n"));
	free(text);
	cerbo_store_free(s);
}

static void
text_that_yaml_would_misread_round_trips(void **state)
{
	static const char *const tricky[] = {"true", "yes", "No", "null", "~",
	    "123", "-1", "0x1F", "1e3", ".inf", "2026-01-01", "- item", "a: b",
	    "a #b", "#x", "&a", "*a", "!tag", "|", ">", "%x", "@x", "`x", "'q'",
	    "\"dq\"", "back\\slash", "{x}", "[x]", "? x", ",x",
	    "x:", "caf\xc3\xa9 \xf0\x9f\x94\x91", "a  b", "---", "...", "=",
	    "<<", NULL};
	struct cerbo_store *a = cerbo__store_new(), *b;
	const char *const *t;
	char name[32], why[256];
	size_t len, i = 0;
	char *text;

	(void)state;
	ok(cerbo_profile_add(a, "p", NULL, &err));
	for (t = tricky; *t != NULL; t++, i++) {
		snprintf(name, sizeof(name), "pk_%02zu", i);
		add_user(a, name, "p", *t, T0);
		ok(cerbo_user_set(a, name, CERBO_USER_DESCRIPTION, *t, T0, NULL,
		    &err));
	}
	text = emit(a, &len);
	b = reparse(text, len);
	if (!stores_equal(a, b, why, sizeof(why)))
		fail_msg("differs in %s", why);
	free(text);
	cerbo_store_free(a);
	cerbo_store_free(b);
}

static void
profile_names_that_look_typed_are_quoted_and_round_trip(void **state)
{
	static const char *const names[] = {"true", "yes", "on", "y", "n",
	    "null", "123", "0", "0x1f", "0o17", "0b101", "1e5", "1_000",
	    "2024-01-01", "_x", "x-", NULL};
	struct cerbo_store *a = cerbo__store_new(), *b;
	const char *const *n;
	char why[256];
	size_t len;
	char *text;

	(void)state;
	for (n = names; *n != NULL; n++)
		ok(cerbo_profile_add(a, *n, NULL, &err));
	text = emit(a, &len);
	assert_non_null(strstr(text, "  \"true\":\n"));
	assert_non_null(strstr(text, "  \"123\":\n"));
	assert_non_null(strstr(text, "  x-:\n"));
	b = reparse(text, len);
	if (!stores_equal(a, b, why, sizeof(why)))
		fail_msg("differs in %s", why);
	free(text);
	cerbo_store_free(a);
	cerbo_store_free(b);
}

/* A new profile may not be named "-x" (it reads as an option), but a store
 * that already has one keeps it through a write. */
static void
stored_dash_profile_name_round_trips(void **state)
{
	struct cerbo_store *a = cerbo__store_new(), *b, *c;
	size_t len, len2;
	char *text, *again, *at;
	char why[256];

	(void)state;
	ok(cerbo_profile_add(a, "zx", NULL, &err));
	text = emit(a, &len);
	at = strstr(text, "  zx:\n");
	assert_non_null(at);
	at[2] = '-';
	b = reparse(text, len);
	assert_non_null(cerbo_store_profile_find(b, "-x"));
	again = emit(b, &len2);
	c = reparse(again, len2);
	if (!stores_equal(b, c, why, sizeof(why)))
		fail_msg("differs in %s", why);
	free(text);
	free(again);
	cerbo_store_free(a);
	cerbo_store_free(b);
	cerbo_store_free(c);
}

static void
empty_store_emits_empty_mappings(void **state)
{
	struct cerbo_store *a = cerbo__store_new(), *b;
	size_t len;
	char *text = emit(a, &len);

	(void)state;
	assert_non_null(strstr(text,
	    "\ncerbo_store: 1\ngeneration: 0\n"
	    "profiles: {}\nusers: {}\n"));
	b = reparse(text, len);
	assert_int_equal(cerbo_store_user_count(b), 0);
	free(text);
	cerbo_store_free(a);
	cerbo_store_free(b);
}

static void
output_starts_with_header_pointing_to_the_man_page(void **state)
{
	struct cerbo_store *a = cerbo__store_new();
	size_t len;
	char *text = emit(a, &len);

	(void)state;
	assert_int_equal(text[0], '#');
	assert_non_null(strstr(text, "managed by"));
	assert_non_null(strstr(text, "cerbo-store(5)"));
	free(text);
	cerbo_store_free(a);
}

static void
insertion_order_does_not_change_output(void **state)
{
	struct cerbo_store *a = cerbo__store_new(), *b = cerbo__store_new();
	char name[32];
	size_t i, la, lb;
	char *ea, *eb;

	(void)state;
	ok(cerbo_profile_add(a, "q", NULL, &err));
	ok(cerbo_profile_add(a, "p", NULL, &err));
	ok(cerbo_profile_add(b, "p", NULL, &err));
	ok(cerbo_profile_add(b, "q", NULL, &err));
	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "pk_%04zu", (i * 389) % 500);
		add_user(a, name, "p", "N", T0);
		snprintf(name, sizeof(name), "pk_%04zu", 499 - i);
		add_user(b, name, "p", "N", T0);
	}
	ea = emit(a, &la);
	eb = emit(b, &lb);
	assert_same_text(ea, la, eb, lb);
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(a, 0)),
	    "pk_0000");
	free(ea);
	free(eb);
	cerbo_store_free(a);
	cerbo_store_free(b);
}

static void
invalid_store_is_never_written(void **state)
{
	struct cerbo_store *s = built_store();
	char *buf = (char *)1;
	size_t len = 99;

	(void)state;
	cerbo__store_set_generation(s, CERBO__GENERATION_MAX + 1);
	assert_int_equal(cerbo_store_emit(s, &buf, &len, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_null(buf);
	assert_int_equal(len, 0);
	cerbo_store_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(built_store_emits_expected_file),
	    cmocka_unit_test(parsed_example_emits_expected_file),
	    cmocka_unit_test(emit_of_parsed_emit_is_byte_identical),
	    cmocka_unit_test(every_field_survives_a_round_trip),
	    cmocka_unit_test(disabled_false_is_written_explicitly),
	    cmocka_unit_test(text_that_yaml_would_misread_round_trips),
	    cmocka_unit_test(
	        profile_names_that_look_typed_are_quoted_and_round_trip),
	    cmocka_unit_test(stored_dash_profile_name_round_trips),
	    cmocka_unit_test(empty_store_emits_empty_mappings),
	    cmocka_unit_test(
	        output_starts_with_header_pointing_to_the_man_page),
	    cmocka_unit_test(insertion_order_does_not_change_output),
	    cmocka_unit_test(invalid_store_is_never_written),
	};

	return cmocka_run_group_tests_name("yaml_write", tests, NULL, NULL);
}
