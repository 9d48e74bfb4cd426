/*
 * test_log_line.c - the two rules for a front end's log line: what bytes
 * it may hold, and how often an identical line is written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cerbo.h"
#include "internal.h"

static void
control_and_non_ascii_bytes_become_question_marks(void **state)
{
	char out[64];

	(void)state;
	cerbo_log_clean(out, sizeof(out),
	    "pk_a\r\nNov 1 forged: ok\x1b[31m\x7f\xc3\xa9\t");
	assert_string_equal(out, "pk_a??Nov 1 forged: ok?[31m????");
	cerbo_log_clean(out, sizeof(out), "GET /api/v1/x?a=b 200");
	assert_string_equal(out, "GET /api/v1/x?a=b 200");
	cerbo_log_clean(out, sizeof(out), NULL);
	assert_string_equal(out, "");
}

static void
a_long_line_is_cut_and_terminated(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'Z', sizeof(out));
	cerbo_log_clean(out, sizeof(out), "0123456789");
	assert_string_equal(out, "0123456");
	out[0] = 'Z';
	cerbo_log_clean(out, 1, "0123456789");
	assert_int_equal(out[0], '\0');
	cerbo_log_clean(out, 0, "x"); /* writes nothing, does not crash */
	cerbo_log_clean(NULL, 4, "x");
}

static void
an_identical_line_is_held_back_and_counted(void **state)
{
	const char *line = "store unusable: test line 1";
	unsigned long held = 99;

	(void)state;
	assert_int_equal(cerbo__log_repeat_allowed_at(line, 1000, &held), 1);
	assert_int_equal(held, 0);
	assert_int_equal(cerbo__log_repeat_allowed_at(line, 1000, &held), 0);
	assert_int_equal(cerbo__log_repeat_allowed_at(line, 1005, &held), 0);
	assert_int_equal(cerbo__log_repeat_allowed_at(line,
	                     1000 + CERBO_LOG_REPEAT_INTERVAL - 1, &held),
	    0);
	/* The interval has passed: written again, with the three held back. */
	assert_int_equal(cerbo__log_repeat_allowed_at(line,
	                     1000 + CERBO_LOG_REPEAT_INTERVAL, &held),
	    1);
	assert_int_equal(held, 3);
	assert_int_equal(cerbo__log_repeat_allowed_at(line,
	                     1000 + 3 * CERBO_LOG_REPEAT_INTERVAL, NULL),
	    1);
}

static void
different_lines_are_limited_apart(void **state)
{
	unsigned long held;

	(void)state;
	assert_int_equal(cerbo__log_repeat_allowed_at("store unusable: A", 2000,
	                     &held),
	    1);
	assert_int_equal(cerbo__log_repeat_allowed_at("store unusable: B", 2000,
	                     &held),
	    1);
	assert_int_equal(cerbo__log_repeat_allowed_at("store unusable: A", 2001,
	                     &held),
	    0);
}

static void
a_clock_that_went_back_does_not_silence_a_line(void **state)
{
	const char *line = "store unusable: clock test";
	unsigned long held;

	(void)state;
	assert_int_equal(cerbo__log_repeat_allowed_at(line, 5000, &held), 1);
	assert_int_equal(cerbo__log_repeat_allowed_at(line, 4000, &held), 1);
}

static void
the_public_call_uses_the_monotonic_clock(void **state)
{
	char line[64] = "store unusable: public call";

	(void)state;
	assert_int_equal(cerbo_log_repeat_allowed(line, sizeof(line)), 1);
	assert_string_equal(line, "store unusable: public call");
	assert_int_equal(cerbo_log_repeat_allowed(line, sizeof(line)), 0);
	assert_string_equal(line, "store unusable: public call");
}

/* The count of held-back lines goes at the end of the line written. */
static void
the_held_back_count_is_appended_and_always_fits(void **state)
{
	const char *text = "store unusable: count test";
	char line[64], small[24];
	struct timespec ts;
	int64_t then;

	(void)state;
	/* Two lines held back, CERBO_LOG_REPEAT_INTERVAL seconds ago. */
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	then = (int64_t)ts.tv_sec - CERBO_LOG_REPEAT_INTERVAL;
	assert_int_equal(cerbo__log_repeat_allowed_at(text, then, NULL), 1);
	assert_int_equal(cerbo__log_repeat_allowed_at(text, then, NULL), 0);
	assert_int_equal(cerbo__log_repeat_allowed_at(text, then, NULL), 0);
	snprintf(line, sizeof(line), "%s", text);
	assert_int_equal(cerbo_log_repeat_allowed(line, sizeof(line)), 1);
	assert_string_equal(line,
	    "store unusable: count test (2 identical messages suppressed)");

	/* Too small a buffer: the line is cut, the count stays whole. */
	then -= 1;
	text = "store unusable: a line too long for its buffer";
	assert_int_equal(cerbo__log_repeat_allowed_at(text, then, NULL), 1);
	assert_int_equal(cerbo__log_repeat_allowed_at(text, then, NULL), 0);
	memset(line, 0, sizeof(line));
	snprintf(line, sizeof(line), "%s", text);
	assert_int_equal(cerbo_log_repeat_allowed(line, 60), 1);
	assert_int_equal(strlen(line), 59);
	assert_string_equal(line + 59 -
	        strlen(" (1 identical messages suppressed)"),
	    " (1 identical messages suppressed)");
	/* A buffer that cannot hold the count keeps the line as it was. */
	text = "store unusable: tiny";
	assert_int_equal(cerbo__log_repeat_allowed_at(text, then, NULL), 1);
	assert_int_equal(cerbo__log_repeat_allowed_at(text, then, NULL), 0);
	snprintf(small, sizeof(small), "%s", text);
	assert_int_equal(cerbo_log_repeat_allowed(small, sizeof(small)), 1);
	assert_string_equal(small, "store unusable: tiny");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(control_and_non_ascii_bytes_become_question_marks),
	    cmocka_unit_test(a_long_line_is_cut_and_terminated),
	    cmocka_unit_test(an_identical_line_is_held_back_and_counted),
	    cmocka_unit_test(different_lines_are_limited_apart),
	    cmocka_unit_test(a_clock_that_went_back_does_not_silence_a_line),
	    cmocka_unit_test(the_public_call_uses_the_monotonic_clock),
	    cmocka_unit_test(the_held_back_count_is_appended_and_always_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
