/*
 * test_request_parts.c - the two parts of a request a proxy names apart
 * (a method header, a URI header), each checked on its own before they are
 * joined into "METHOD TARGET".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cerbo.h"

static void
a_method_is_one_upper_case_token(void **state)
{
	(void)state;
	assert_int_equal(cerbo_request_method_valid("GET"), 1);
	assert_int_equal(cerbo_request_method_valid("PROPFIND"), 1);
	assert_int_equal(cerbo_request_method_valid("M-SEARCH"), 1);
	assert_int_equal(cerbo_request_method_valid("GET /api/v1/x"), 0);
	assert_int_equal(cerbo_request_method_valid("GET "), 0);
	assert_int_equal(cerbo_request_method_valid(" GET"), 0);
	assert_int_equal(cerbo_request_method_valid("get"), 0);
	assert_int_equal(cerbo_request_method_valid("-GET"), 0);
	assert_int_equal(cerbo_request_method_valid("GET\r\n"), 0);
	assert_int_equal(cerbo_request_method_valid(""), 0);
	assert_int_equal(cerbo_request_method_valid(NULL), 0);
}

static void
a_method_is_as_long_as_the_parser_takes_it(void **state)
{
	char m[CERBO_METHOD_MAX + 1];

	(void)state;
	memset(m, 'A', sizeof(m));
	m[CERBO_METHOD_MAX - 1] = '\0';
	assert_int_equal(cerbo_request_method_valid(m), 1);
	m[CERBO_METHOD_MAX - 1] = 'A';
	m[CERBO_METHOD_MAX] = '\0';
	assert_int_equal(cerbo_request_method_valid(m), 0);
}

static void
a_target_starts_with_a_slash_and_holds_no_space(void **state)
{
	(void)state;
	assert_int_equal(cerbo_request_target_valid("/"), 1);
	assert_int_equal(cerbo_request_target_valid("/api/v1/x?page=2"), 1);
	assert_int_equal(cerbo_request_target_valid("/a%20b"), 1);
	assert_int_equal(cerbo_request_target_valid("HTTP/1.1"), 0);
	assert_int_equal(cerbo_request_target_valid("api/v1/x"), 0);
	assert_int_equal(cerbo_request_target_valid("http://h/x"), 0);
	assert_int_equal(cerbo_request_target_valid("*"), 0);
	assert_int_equal(cerbo_request_target_valid("/x HTTP/1.1"), 0);
	assert_int_equal(cerbo_request_target_valid("/x\ty"), 0);
	assert_int_equal(cerbo_request_target_valid("/x\r\n"), 0);
	assert_int_equal(cerbo_request_target_valid("/caf\xc3\xa9"), 0);
	assert_int_equal(cerbo_request_target_valid(""), 0);
	assert_int_equal(cerbo_request_target_valid(NULL), 0);
}

/* What the checks are for: parts that would join into a valid line. */
static void
parts_that_join_into_a_valid_line_are_refused_apart(void **state)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_request_parse("GET /api/v1/x HTTP/1.1", &req,
	                     &err),
	    0);
	assert_int_equal(cerbo_request_method_valid("GET /api/v1/x"), 0);
	assert_int_equal(cerbo_request_target_valid("HTTP/1.1"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_method_is_one_upper_case_token),
	    cmocka_unit_test(a_method_is_as_long_as_the_parser_takes_it),
	    cmocka_unit_test(a_target_starts_with_a_slash_and_holds_no_space),
	    cmocka_unit_test(
	        parts_that_join_into_a_valid_line_are_refused_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
