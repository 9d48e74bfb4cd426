/*
 * test_number.c - the one parser of whole numbers, modes and option
 * durations (store/parse.h) every front end reads its options with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"

/* err's message holds text. */
static void
assert_message(const struct cerbo_error *err, const char *text)
{
	if (strstr(err->message, text) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err->message, text);
	assert_int_equal(err->status, CERBO_E_INVALID);
}

/* ---- whole numbers ------------------------------------------------------ */

static void
number_within_bounds_is_taken(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 0;

	(void)state;
	assert_int_equal(cerbo__number_parse("42", 0, 100, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cerbo__number_parse("0", 0, 100, &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cerbo__number_parse("100", 0, 100, &v, &err), 0);
	assert_int_equal(v, 100);
	assert_int_equal(cerbo__number_parse("-5", -10, 10, &v, &err), 0);
	assert_int_equal(v, -5);
	/* Leading zeros are decimal, never octal. */
	assert_int_equal(cerbo__number_parse("010", 0, 100, &v, &err), 0);
	assert_int_equal(v, 10);
	assert_int_equal(err.status, CERBO_OK);
}

static void
number_takes_the_whole_int64_range(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 0;

	(void)state;
	assert_int_equal(cerbo__number_parse("9223372036854775807", INT64_MIN,
	                     INT64_MAX, &v, &err),
	    0);
	assert_true(v == INT64_MAX);
	assert_int_equal(cerbo__number_parse("-9223372036854775808", INT64_MIN,
	                     INT64_MAX, &v, &err),
	    0);
	assert_true(v == INT64_MIN);
}

static void
number_with_a_sign_space_or_junk_is_not_a_number(void **state)
{
	static const char *const bad[] = {"", "+1", " 1", "1 ", "\t1", "1\n",
	    "1 2", "-", "--1", "- 1", "1x", "0x10", "1e3", "1.5", "1,000",
	    "abc", "99999999999999999999x", NULL};
	const char *const *s;
	int64_t v = 7;

	(void)state;
	for (s = bad; *s != NULL; s++) {
		struct cerbo_error err = CERBO_ERROR_INIT;

		if (cerbo__number_parse(*s, 0, 100, &v, &err) != -1)
			fail_msg("took \"%s\"", *s);
		assert_string_equal(err.message,
		    "not a whole number from 0 to 100");
		assert_int_equal(err.status, CERBO_E_INVALID);
	}
	assert_int_equal(v, 7);
}

static void
number_outside_bounds_says_which_side(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 7;

	(void)state;
	assert_int_equal(cerbo__number_parse("101", 0, 100, &v, &err), -1);
	assert_string_equal(err.message,
	    "too large: a whole number from 0 to 100");
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__number_parse("0", 1, 256, &v, &err), -1);
	assert_string_equal(err.message,
	    "too small: a whole number from 1 to 256");
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__number_parse("-1", 0, 100, &v, &err), -1);
	assert_message(&err, "too small");
	assert_int_equal(v, 7);
}

static void
number_overflow_is_out_of_range_not_wrapped(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 7;

	(void)state;
	/* 2^64 + 1 would wrap to 1 in a careless parser. */
	assert_int_equal(cerbo__number_parse("18446744073709551617", 0, 100, &v,
	                     &err),
	    -1);
	assert_message(&err, "too large");
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__number_parse("9223372036854775808", INT64_MIN,
	                     INT64_MAX, &v, &err),
	    -1);
	assert_message(&err, "too large");
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__number_parse("-9223372036854775809", INT64_MIN,
	                     INT64_MAX, &v, &err),
	    -1);
	assert_message(&err, "too small");
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__number_parse("000000000000000000000000000042",
	                     0, 100, &v, &err),
	    0);
	assert_int_equal(v, 42);
}

static void
number_null_or_empty_bounds_are_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 7;

	(void)state;
	assert_int_equal(cerbo__number_parse(NULL, 0, 100, &v, &err), -1);
	assert_message(&err, "not a whole number");
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__number_parse("5", 10, 1, &v, &err), -1);
	assert_message(&err, "no whole number is from 10 to 1");
	/* err may be NULL: the answer alone. */
	assert_int_equal(cerbo__number_parse("x", 0, 1, &v, NULL), -1);
	assert_int_equal(v, 7);
}

static void
unsigned_number_reaches_uint64_max(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cerbo__number_parse_u64("18446744073709551615",
	                     UINT64_MAX, &v, &err),
	    0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cerbo__number_parse_u64("0", UINT64_MAX, &v, &err), 0);
	assert_true(v == 0);
	assert_int_equal(cerbo__number_parse_u64("18446744073709551616",
	                     UINT64_MAX, &v, &err),
	    -1);
	assert_message(&err,
	    "too large: a whole number from 0 to "
	    "18446744073709551615");
	v = 7;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__number_parse_u64("-1", UINT64_MAX, &v, &err),
	    -1);
	assert_message(&err, "not a whole number");
	assert_int_equal(cerbo__number_parse_u64("+1", UINT64_MAX, &v, &err),
	    -1);
	assert_int_equal(cerbo__number_parse_u64(" 1", UINT64_MAX, &v, &err),
	    -1);
	assert_int_equal(cerbo__number_parse_u64("1a", UINT64_MAX, &v, &err),
	    -1);
	assert_int_equal(cerbo__number_parse_u64("11", 10, &v, &err), -1);
	assert_message(&err, "too large: a whole number from 0 to 10");
	assert_true(v == 7);
}

/* ---- modes -----------------------------------------------------------------
 */

static void
mode_is_octal_digits_up_to_the_limit(void **state)
{
	static const char *const bad[] = {"", "0668", "0x1b0", "-0660", "+0660",
	    " 0660", "0660 ", "01000", "u+rw", NULL};
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *const *s;
	unsigned v = 7;

	(void)state;
	assert_int_equal(cerbo__mode_parse("0660", 0777, &v, &err), 0);
	assert_int_equal(v, 0660);
	assert_int_equal(cerbo__mode_parse("600", 0777, &v, &err), 0);
	assert_int_equal(v, 0600);
	assert_int_equal(cerbo__mode_parse("0", 0777, &v, &err), 0);
	assert_int_equal(v, 0);
	for (s = bad; *s != NULL; s++) {
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		v = 7;
		if (cerbo__mode_parse(*s, 0777, &v, &err) != -1)
			fail_msg("took \"%s\"", *s);
		assert_string_equal(err.message,
		    "not an octal mode from 0 to 0777 (e.g. 0660)");
		assert_int_equal(v, 7);
	}
}

/* ---- option durations ------------------------------------------------------
 */

static void
duration_in_seconds_takes_every_unit_and_bare_seconds(void **state)
{
	static const struct {
		const char *text;
		int64_t s;
	} good[] = {{"60", 60}, {"1m", 60}, {"90s", 90}, {"2h", 7200},
	    {"1d", 86400}, {"2000ms", 2}, {"1", 1}};
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		if (cerbo__duration_parse(good[i].text, CERBO__UNIT_S, 1, 86400,
		        &v, &err) != 0)
			fail_msg("refused %s: %s", good[i].text, err.message);
		assert_int_equal(v, good[i].s);
	}
}

static void
duration_in_milliseconds_reads_bare_numbers_as_milliseconds(void **state)
{
	static const struct {
		const char *text;
		int64_t ms;
	} good[] = {{"250", 250}, {"250ms", 250}, {"2s", 2000}, {"0", 0},
	    {"10s", 10000}, {"10000", 10000}};
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		if (cerbo__duration_parse(good[i].text, CERBO__UNIT_MS, 0,
		        10000, &v, &err) != 0)
			fail_msg("refused %s: %s", good[i].text, err.message);
		assert_int_equal(v, good[i].ms);
	}
}

static void
duration_out_of_bounds_or_malformed_states_the_bounds(void **state)
{
	static const char *const bad[] = {"0", "2d", "86401", "-1", "+1", " 1m",
	    "1m ", "1 m", "1M", "1.5m", "1m30s", "m", "", "soon",
	    "99999999999999999999", NULL};
	const char *const *s;
	int64_t v = 7;

	(void)state;
	for (s = bad; *s != NULL; s++) {
		struct cerbo_error err = CERBO_ERROR_INIT;

		if (cerbo__duration_parse(*s, CERBO__UNIT_S, 1, 86400, &v,
		        &err) != -1)
			fail_msg("took \"%s\"", *s);
		assert_string_equal(err.message,
		    "not a duration from 1s to 1d (e.g. 500ms, 10s, 2m; a bare number is seconds)");
	}
	assert_int_equal(v, 7);
}

static void
duration_that_is_not_whole_seconds_is_refused(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 7;

	(void)state;
	assert_int_equal(cerbo__duration_parse("1500ms", CERBO__UNIT_S, 1, 60,
	                     &v, &err),
	    -1);
	assert_string_equal(err.message, "not a whole number of seconds");
	assert_int_equal(v, 7);
}

static void
duration_bounds_in_milliseconds_are_shown_in_their_largest_unit(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 7;

	(void)state;
	assert_int_equal(cerbo__duration_parse("10001", CERBO__UNIT_MS, 0,
	                     10000, &v, &err),
	    -1);
	assert_string_equal(err.message,
	    "not a duration from 0 to 10s (e.g. 500ms, 10s, 2m; a bare number is milliseconds)");
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo__duration_parse("1", 60, 0, 10, &v, &err), -1);
	assert_message(&err, "no duration is from");
	assert_int_equal(v, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(number_within_bounds_is_taken),
	    cmocka_unit_test(number_takes_the_whole_int64_range),
	    cmocka_unit_test(number_with_a_sign_space_or_junk_is_not_a_number),
	    cmocka_unit_test(number_outside_bounds_says_which_side),
	    cmocka_unit_test(number_overflow_is_out_of_range_not_wrapped),
	    cmocka_unit_test(number_null_or_empty_bounds_are_refused),
	    cmocka_unit_test(unsigned_number_reaches_uint64_max),
	    cmocka_unit_test(mode_is_octal_digits_up_to_the_limit),
	    cmocka_unit_test(
	        duration_in_seconds_takes_every_unit_and_bare_seconds),
	    cmocka_unit_test(
	        duration_in_milliseconds_reads_bare_numbers_as_milliseconds),
	    cmocka_unit_test(
	        duration_out_of_bounds_or_malformed_states_the_bounds),
	    cmocka_unit_test(duration_that_is_not_whole_seconds_is_refused),
	    cmocka_unit_test(
	        duration_bounds_in_milliseconds_are_shown_in_their_largest_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
