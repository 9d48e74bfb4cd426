/*
 * test_cli.c - the tools' pure helpers: the whole numbers and durations of
 * the common options (the library's parsers), and the JSON writer's
 * escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

/* ---- numbers ----------------------------------------------------------- */

static void
expect_generation_takes_the_whole_unsigned_range(void **state)
{
	struct cli_opts o;

	(void)state;
	cli_opts_init(&o);
	assert_int_equal(cli_opt_common(&o, "edit", CLI_OPT_EXPECT_GENERATION,
	                     "18446744073709551615"),
	    1);
	assert_true(o.expect_generation == UINT64_MAX);
	assert_int_equal(o.expect_generation_set, 1);
	assert_int_equal(cli_opt_common(&o, "edit", CLI_OPT_EXPECT_GENERATION,
	                     "0"),
	    1);
	assert_true(o.expect_generation == 0);
}

static void
expect_generation_not_a_whole_number_is_a_usage_error(void **state)
{
	static const char *const bad[] = {"18446744073709551616", "-1", "+1",
	    "1a", " 1", "1 ", "0x10", "", NULL};
	const char *const *s;
	struct cli_opts o;

	(void)state;
	cli_opts_init(&o);
	for (s = bad; *s != NULL; s++)
		if (cli_opt_common(&o, "edit", CLI_OPT_EXPECT_GENERATION, *s) !=
		    -1)
			fail_msg("took \"%s\"", *s);
	assert_int_equal(o.expect_generation_set, 0);
}

/* ---- the lock timeout -------------------------------------------------- */

static void
lock_timeout_takes_every_unit_up_to_an_hour(void **state)
{
	static const struct {
		const char *text;
		long ms;
	} good[] = {
	    {"500ms", 500}, {"10s", 10000}, {"10", 10000}, {"2m", 120000},
	    {"1h", 3600000}, {"3600s", 3600000},
	    {"0", 1}, /* "do not wait": the library reads 0 as its default */
	};
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;
	long v;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		if (cli_parse_timeout_ms(good[i].text, &v, &err) != 0)
			fail_msg("refused %s: %s", good[i].text, err.message);
		assert_int_equal(v, good[i].ms);
	}
}

static void
lock_timeout_past_an_hour_or_malformed_is_refused(void **state)
{
	static const char *const bad[] = {"2h", "61m", "3601s", "1d", "soon",
	    "-1", "1.5s", "", NULL};
	const char *const *s;
	struct cerbo_error err = CERBO_ERROR_INIT;
	long v = 7;

	(void)state;
	for (s = bad; *s != NULL; s++) {
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		assert_int_equal(cli_parse_timeout_ms(*s, &v, &err), -1);
		assert_non_null(strstr(err.message, "between 0 and 1h"));
	}
	assert_int_equal(v, 7);
}

static void
lock_timeout_option_keeps_bare_numbers_as_seconds(void **state)
{
	static const struct {
		const char *text;
		long ms;
	} good[] = {{"1m", 60000}, {"30s", 30000}, {"30", 30000},
	    {"250ms", 250}};
	struct cli_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cli_opts_init(&o);
		assert_int_equal(cli_opt_common(&o, "add", CLI_OPT_LOCK_TIMEOUT,
		                     good[i].text),
		    1);
		assert_int_equal(o.lock_timeout_ms, good[i].ms);
	}
	assert_int_equal(cli_opt_common(&o, "add", CLI_OPT_LOCK_TIMEOUT, "1x"),
	    -1);
}

/* ---- JSON -------------------------------------------------------------- */

/* The document j holds, printed as cli_json_print() prints it. */
static char *
printed(struct cli_json *j)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cli_json_print(j, f, &err), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
json_escapes_quotes_backslashes_and_control_characters(void **state)
{
	struct cli_json j;
	char *out;

	(void)state;
	cli_json_init(&j);
	cli_json_object_begin(&j, NULL);
	cli_json_str(&j, "q", "a\"b\\c");
	cli_json_str(&j, "ws", "\n\r\t\b\f");
	cli_json_str(&j, "ctl", "\x01\x1f\x7f");
	cli_json_strn(&j, "nul", "a\0b", 3);
	cli_json_str(&j, "utf8", "\xc3\xa9\xe4\xb8\xad");
	cli_json_str(&j, "k\"ey", "v");
	cli_json_object_end(&j);
	out = printed(&j);
	assert_string_equal(out,
	    "{\"q\":\"a\\\"b\\\\c\",\"ws\":\"\\n\\r\\t\\b\\f\","
	    "\"ctl\":\"\\u0001\\u001f\\u007f\",\"nul\":\"a\\u0000b\","
	    "\"utf8\":\"\xc3\xa9\xe4\xb8\xad\",\"k\\\"ey\":\"v\"}\n");
	free(out);
	cli_json_free(&j);
}

static void
json_writes_every_value_type_and_nests(void **state)
{
	struct cli_json j;
	char *out;

	(void)state;
	cli_json_init(&j);
	cli_json_object_begin(&j, NULL);
	cli_json_bool(&j, "t", 1);
	cli_json_bool(&j, "f", 0);
	cli_json_u64(&j, "n", UINT64_MAX);
	cli_json_null(&j, "z");
	cli_json_str(&j, "s", NULL);
	cli_json_array_begin(&j, "a");
	cli_json_str(&j, NULL, "x");
	cli_json_object_begin(&j, NULL);
	cli_json_u64(&j, "i", 0);
	cli_json_object_end(&j);
	cli_json_array_end(&j);
	cli_json_array_begin(&j, "empty");
	cli_json_array_end(&j);
	cli_json_object_end(&j);
	out = printed(&j);
	assert_string_equal(out,
	    "{\"t\":true,\"f\":false,\"n\":18446744073709551615,\"z\":null,"
	    "\"s\":null,\"a\":[\"x\",{\"i\":0}],\"empty\":[]}\n");
	free(out);
	cli_json_free(&j);
}

/* Bytes written on stderr while fn(j, f, err) runs. */
static long
stderr_bytes(int (*fn)(struct cli_json *, FILE *, struct cerbo_error *),
    struct cli_json *j, FILE *f, struct cerbo_error *err, int *rc)
{
	FILE *cap = tmpfile();
	int saved;
	long n;

	assert_non_null(cap);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(cap), 2), 2);
	*rc = fn(j, f, err);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_int_equal(fseek(cap, 0, SEEK_END), 0);
	n = ftell(cap);
	fclose(cap);
	return n;
}

/* The writer reports a failed write to its caller and prints nothing: the
 * tool decides what to say and which exit code follows. */
static void
json_print_returns_a_write_error_and_prints_nothing(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	FILE *full;
	int rc = 0;

	(void)state;
	full = fopen("/dev/full", "w");
	if (full == NULL)
		skip();
	cli_json_init(&j);
	cli_json_object_begin(&j, NULL);
	cli_json_str(&j, "s", "x");
	cli_json_object_end(&j);
	assert_int_equal(stderr_bytes(cli_json_print, &j, full, &err, &rc), 0);
	assert_int_equal(rc, -1);
	assert_int_equal(err.status, CERBO_E_IO);
	assert_non_null(strstr(err.message, "writing the output"));
	fclose(full);
	cli_json_free(&j);
}

static void
json_print_of_an_unfinished_document_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc = 0;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	cli_json_init(&j);
	cli_json_object_begin(&j, NULL);
	assert_int_equal(stderr_bytes(cli_json_print, &j, f, &err, &rc), 0);
	assert_int_equal(rc, -1);
	assert_int_equal(err.status, CERBO_E_NOMEM);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(len, 0);
	free(buf);
	cli_json_free(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(expect_generation_takes_the_whole_unsigned_range),
	    cmocka_unit_test(
	        expect_generation_not_a_whole_number_is_a_usage_error),
	    cmocka_unit_test(lock_timeout_option_keeps_bare_numbers_as_seconds),
	    cmocka_unit_test(lock_timeout_takes_every_unit_up_to_an_hour),
	    cmocka_unit_test(lock_timeout_past_an_hour_or_malformed_is_refused),
	    cmocka_unit_test(
	        json_escapes_quotes_backslashes_and_control_characters),
	    cmocka_unit_test(json_writes_every_value_type_and_nests),
	    cmocka_unit_test(
	        json_print_returns_a_write_error_and_prints_nothing),
	    cmocka_unit_test(json_print_of_an_unfinished_document_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
