/*
 * test_yaml_strict.c - the store reader (cerbo_store_parse) and the apply
 * document reader (cerbo_store_apply) keep one set of strict YAML rules:
 * the same hostile bytes and events are refused by both, with the same
 * message at the same line and column.  Only the status tells them apart:
 * a damaged store (CERBO_E_STORE), an invalid document (CERBO_E_INVALID).
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
#include "storeutil.h"

#define NOW ((time_t)1790000000)

struct both {
	int store_rc, apply_rc;
	/* sized in read_both(): abi-init: unset on purpose */
	struct cerbo_error store; /* abi-init: unset on purpose */
	struct cerbo_error apply; /* abi-init: unset on purpose */
};

/* Feed len bytes of text to both readers, under one name. */
static void
read_both(const char *text, size_t len, struct both *b)
{
	struct cerbo_store *parsed = NULL, *target = cerbo__store_new();

	assert_non_null(target);
	memset(b, 0, sizeof(*b));
	b->store = (struct cerbo_error)CERBO_ERROR_INIT;
	b->apply = (struct cerbo_error)CERBO_ERROR_INIT;
	b->store_rc =
	    cerbo_store_parse(text, len, "t.yaml", &parsed, &b->store);
	b->apply_rc = cerbo_store_apply(target, text, len, "t.yaml", NOW, NULL,
	    &b->apply);
	cerbo_store_free(parsed);
	cerbo_store_free(target);
}

/* Both refuse text with one message, naming needle, at line:column. */
static void
same_refusal_len(const char *text, size_t len, unsigned long line,
    unsigned long column, const char *needle)
{
	struct both b;

	read_both(text, len, &b);
	if (b.store_rc != -1 || b.apply_rc != -1)
		fail_msg("store %d, apply %d: expected both to refuse",
		    b.store_rc, b.apply_rc);
	if (b.store.status != CERBO_E_STORE ||
	    b.apply.status != CERBO_E_INVALID ||
	    strcmp(b.store.message, b.apply.message) != 0 ||
	    b.store.line != b.apply.line || b.store.column != b.apply.column)
		fail_msg("store: %s %lu:%lu \"%s\"; apply: %s %lu:%lu \"%s\"",
		    cerbo_status_name(b.store.status), b.store.line,
		    b.store.column, b.store.message,
		    cerbo_status_name(b.apply.status), b.apply.line,
		    b.apply.column, b.apply.message);
	if (b.store.line != line || b.store.column != column ||
	    strstr(b.store.message, needle) == NULL)
		fail_msg("both say %lu:%lu \"%s\"; expected %lu:%lu \"%s\"",
		    b.store.line, b.store.column, b.store.message, line, column,
		    needle);
	assert_string_equal(b.store.file, "t.yaml");
	assert_string_equal(b.apply.file, "t.yaml");
}

static void
same_refusal(const char *text, unsigned long line, unsigned long column,
    const char *needle)
{
	same_refusal_len(text, strlen(text), line, column, needle);
}

/* ---- bytes ------------------------------------------------------------ */

static void
carriage_returns_are_refused_by_both(void **state)
{
	(void)state;
	same_refusal("users: []\r\n", 1, 10, "CRLF");
	same_refusal("users: []\r", 1, 10, "carriage return");
	same_refusal("users:\r- {username: pk_a}\n", 1, 7, "carriage return");
	same_refusal("# a comment\r\nusers: []\n", 1, 12, "CRLF");
}

static void
line_breaks_libyaml_would_guess_are_refused_by_both(void **state)
{
	(void)state;
	same_refusal("users: [] # \xc2\x85\n", 1, 13, "C1");
	same_refusal("users:\xc2\x85- x\n", 1, 7, "C1");
	same_refusal("users: [] # \xe2\x80\xa8\n", 1, 13, "separator");
	same_refusal("users: [] # \xe2\x80\xa9\n", 1, 13, "separator");
}

static void
byte_order_marks_are_refused_by_both(void **state)
{
	(void)state;
	same_refusal("\xef\xbb\xbfusers: []\n", 1, 1, "byte order mark");
	same_refusal("users: []\n# \xef\xbb\xbf\n", 2, 3, "byte order mark");
}

static void
nul_bytes_are_refused_by_both(void **state)
{
	static const char end[] = "users: []\n\0\n";
	static const char key[] = "use\0rs: []\n";

	(void)state;
	same_refusal_len(end, sizeof(end) - 1, 2, 1, "NUL");
	same_refusal_len(key, sizeof(key) - 1, 1, 4, "NUL");
}

static void
bytes_that_are_not_utf8_are_refused_by_both(void **state)
{
	(void)state;
	same_refusal("users: [\xff]\n", 1, 9, "UTF-8");
	same_refusal("# caf\xc3\n", 1, 6, "UTF-8");          /* truncated */
	same_refusal("# \xc0\xaf\n", 1, 3, "UTF-8");         /* overlong '/' */
	same_refusal("# \xed\xa0\x80\n", 1, 3, "UTF-8");     /* a surrogate */
	same_refusal("# \xf4\x90\x80\x80\n", 1, 3, "UTF-8"); /* > U+10FFFF */
}

static void
control_characters_are_refused_by_both(void **state)
{
	(void)state;
	same_refusal("users: [] # \x1b[2J\n", 1, 13, "control character");
	same_refusal("users: [] # \x7f\n", 1, 13, "control character");
	same_refusal("users: [] # \x0b\n", 1, 13, "control character");
	same_refusal("users: [] # \xc2\x9b\n", 1, 13, "C1");
}

/* ---- events ----------------------------------------------------------- */

static void
anchors_aliases_and_tags_are_refused_by_both(void **state)
{
	(void)state;
	same_refusal("&a {}\n", 1, 1, "anchors are not allowed");
	same_refusal("*a\n", 1, 1, "aliases are not allowed");
	same_refusal("!!map {}\n", 1, 1, "tags are not allowed");
	same_refusal("users: &u []\n", 1, 8, "anchors are not allowed");
	same_refusal("users: !!seq []\n", 1, 8, "tags are not allowed");
	same_refusal("users: *u\n", 1, 8, "aliases are not allowed");
}

static void
directives_are_refused_by_both(void **state)
{
	(void)state;
	same_refusal("%YAML 1.1\n---\nusers: []\n", 1, 1, "directives");
	same_refusal("%TAG !e! tag:example.com,2000:\n---\nusers: []\n", 1, 1,
	    "directives");
}

static void
malformed_yaml_is_refused_by_both_in_the_same_words(void **state)
{
	(void)state;
	same_refusal("users: ]\n", 1, 8,
	    "malformed YAML: did not find expected node content");
	same_refusal("users: \"x\n", 2, 1, "malformed YAML");
	same_refusal("users:\n\t- x\n", 2, 1, "malformed YAML");
}

/* ---- the hostile files ------------------------------------------------ */

/*
 * Each hostile store in tests/data/hostile/ is refused by both readers.
 * Those refused for their bytes are refused in the same words at the same
 * place; the others are refused by the store reader for what they hold
 * (an anchor, a duplicate key) and by the apply reader at the first key,
 * cerbo_store, which a document does not have.
 */
static const struct hostile_file {
	const char *name;
	int same; /* refused for its bytes */
	const char *needle;
} hostile_files[] = {
    {"binary_garbage.yaml", 1, "UTF-8"},
    {"crlf.yaml", 1, "CRLF"},
    {"latin1.yaml", 1, "UTF-8"},
    {"utf16be_without_bom.yaml", 1, "NUL"},
    {"utf16le_with_bom.yaml", 1, "UTF-8"},
    {"windows_1252_quotes.yaml", 1, "UTF-8"},
    {"billion_laughs.yaml", 0, "anchors"},
    {"profile_loop_alias.yaml", 0, "anchors"},
    {"json_duplicate_keys.json", 0, "duplicate key"},
    {"user_with_every_field_wrong.yaml", 0, ""},
};

static void
hostile_files_are_refused_by_both(void **state)
{
	char name[128];
	size_t i, len = 0;
	struct both b;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(hostile_files) / sizeof(hostile_files[0]); i++) {
		const struct hostile_file *h = &hostile_files[i];

		snprintf(name, sizeof(name), "../hostile/%s", h->name);
		text = read_data(name, &len);
		assert_non_null(text);
		print_message("# %s\n", h->name);
		read_both(text, len, &b);
		assert_int_equal(b.store_rc, -1);
		assert_int_equal(b.apply_rc, -1);
		assert_int_equal(b.store.status, CERBO_E_STORE);
		assert_int_equal(b.apply.status, CERBO_E_INVALID);
		assert_non_null(strstr(b.store.message, h->needle));
		if (h->same) {
			assert_string_equal(b.apply.message, b.store.message);
			assert_int_equal(b.apply.line, b.store.line);
			assert_int_equal(b.apply.column, b.store.column);
		} else {
			assert_non_null(strstr(b.apply.message,
			    "unknown key \"cerbo_store\""));
		}
		free(text);
	}
}

/*
 * A bidirectional control is not a byte rule: both readers refuse it in
 * text through the field rules (cerbo-store(5)), each naming the field.
 */
static void
bidi_controls_in_text_are_refused_by_both(void **state)
{
	static const char *const doc =
	    "profiles:\n- name: p\n  description: \"a\xe2\x80\xae"
	    "b\"\n";
	static const char *const store =
	    "cerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n"
	    "    description: \"a\xe2\x80\xae"
	    "b\"\n";
	struct cerbo_store *parsed = NULL, *target = cerbo__store_new();
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_store_parse(store, strlen(store), "t.yaml",
	                     &parsed, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_STORE);
	assert_non_null(strstr(err.message, "bidirectional"));
	assert_int_equal(cerbo_store_apply(target, doc, strlen(doc), "t.yaml",
	                     NOW, NULL, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_non_null(strstr(err.message, "bidirectional"));
	cerbo_store_free(target);
}

/* What one reader accepts the other does too, byte for byte: a tab in a
 * comment, UTF-8 text, a final line without LF. */
static void
clean_bytes_are_read_by_both(void **state)
{
	static const char *const doc =
	    "# a\tcomment\nprofiles:\n- name: p\n  description: \"caf\xc3\xa9 "
	    "\xe2\x82\xac\"";
	static const char *const store =
	    "# a\tcomment\ncerbo_store: 1\ngeneration: 1\nprofiles:\n  p:\n"
	    "    description: \"caf\xc3\xa9 \xe2\x82\xac\"";
	struct cerbo_store *parsed = NULL, *target = cerbo__store_new();
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_store_parse(store, strlen(store), "t.yaml",
	                     &parsed, &err),
	    0);
	assert_int_equal(cerbo_store_apply(target, doc, strlen(doc), "t.yaml",
	                     NOW, NULL, &err),
	    0);
	assert_string_equal(cerbo_profile_description(
	                        cerbo_store_profile_find(parsed, "p")),
	    cerbo_profile_description(cerbo_store_profile_find(target, "p")));
	cerbo_store_free(parsed);
	cerbo_store_free(target);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(carriage_returns_are_refused_by_both),
	    cmocka_unit_test(
	        line_breaks_libyaml_would_guess_are_refused_by_both),
	    cmocka_unit_test(byte_order_marks_are_refused_by_both),
	    cmocka_unit_test(nul_bytes_are_refused_by_both),
	    cmocka_unit_test(bytes_that_are_not_utf8_are_refused_by_both),
	    cmocka_unit_test(control_characters_are_refused_by_both),
	    cmocka_unit_test(anchors_aliases_and_tags_are_refused_by_both),
	    cmocka_unit_test(directives_are_refused_by_both),
	    cmocka_unit_test(
	        malformed_yaml_is_refused_by_both_in_the_same_words),
	    cmocka_unit_test(hostile_files_are_refused_by_both),
	    cmocka_unit_test(bidi_controls_in_text_are_refused_by_both),
	    cmocka_unit_test(clean_bytes_are_read_by_both),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
