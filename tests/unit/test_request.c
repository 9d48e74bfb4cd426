/*
 * test_request.c - the request parser: what it accepts, how it decodes,
 * and every target a web server would normalise into another path.
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

struct good {
	const char *line;
	const char *method;
	const char *path;
};

struct refused {
	const char *line;
	const char *why; /* a part of the message */
};

static void
check_good(const struct good *g, size_t n)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		if (cerbo_request_parse(g[i].line, &req, &err) != 0)
			fail_msg("refused \"%s\": %s", g[i].line, err.message);
		if (strcmp(req.method, g[i].method) != 0 ||
		    strcmp(req.path, g[i].path) != 0)
			fail_msg("\"%s\" gave \"%s\" \"%s\", expected \"%s\" "
			         "\"%s\"",
			    g[i].line, req.method, req.path, g[i].method,
			    g[i].path);
	}
}

static void
check_refused(const struct refused *r, size_t n)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		memset(&req, 'x', sizeof(req));
		req.size = sizeof(req);
		if (cerbo_request_parse(r[i].line, &req, &err) == 0)
			fail_msg("accepted \"%s\" as \"%s\"", r[i].line,
			    req.path);
		if (err.status != CERBO_E_INVALID)
			fail_msg("\"%s\": status %d", r[i].line, err.status);
		if (strstr(err.message, r[i].why) == NULL)
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"",
			    r[i].line, err.message, r[i].why);
		if (req.path[0] != '\0' || req.method[0] != '\0')
			fail_msg("\"%s\": output not cleared", r[i].line);
	}
}

#define GOOD(t) check_good(t, sizeof(t) / sizeof(t[0]))
#define REFUSED(t) check_refused(t, sizeof(t) / sizeof(t[0]))

static void
method_and_path_are_accepted(void **state)
{
	static const struct good t[] = {
	    {"GET /api/v1/patients/1", "GET", "/api/v1/patients/1"},
	    {"POST /api/v1/appointments", "POST", "/api/v1/appointments"},
	    {"DELETE /", "DELETE", "/"},
	    {"M-SEARCH /x", "M-SEARCH", "/x"},
	    {"VERSION_CONTROL /x", "VERSION_CONTROL", "/x"},
	};

	(void)state;
	GOOD(t);
}

static void
request_line_with_http_version_is_accepted(void **state)
{
	static const struct good t[] = {
	    {"GET /a/b HTTP/1.1", "GET", "/a/b"},
	    {"GET /a/b HTTP/1.0", "GET", "/a/b"},
	    {"GET /a/b HTTP/2.0", "GET", "/a/b"},
	    {"GET /a/b HTTP/2", "GET", "/a/b"},
	    {"GET /a/b HTTP/3", "GET", "/a/b"},
	};

	(void)state;
	GOOD(t);
}

static void
query_string_is_dropped(void **state)
{
	static const struct good t[] = {
	    {"GET /a/b?x=1 HTTP/1.1", "GET", "/a/b"},
	    {"GET /a/b?x=/../../etc&y=%2f HTTP/1.1", "GET", "/a/b"},
	    {"GET /a/b? HTTP/1.1", "GET", "/a/b"},
	    {"GET /?q=1", "GET", "/"},
	    {"GET /a/b/?x=%25", "GET", "/a/b/"},
	};

	(void)state;
	GOOD(t);
}

/*
 * Laravel, Symfony, Express's method-override and Spring's
 * HiddenHttpMethodFilter run the method a "_method" parameter names: a
 * POST the profile allows would run a DELETE it denies.  Names are read
 * as PHP reads them ('.' and ' ' as '_', leading spaces dropped, cut at
 * '['), in any case and percent-encoded.  All accepted before.
 */
static void
method_override_in_the_query_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"POST /api/v1/appointments/1?_method=DELETE HTTP/1.1",
	        "method override"},
	    {"POST /a?_method=DELETE", "_method"},
	    {"POST /a?x=1&_method=DELETE", "_method"},
	    {"POST /a?x=1;_method=DELETE", "_method"},
	    {"POST /a?_method", "_method"},
	    {"POST /a?_method=", "_method"},
	    {"POST /a?_method&x=1", "_method"},
	    {"POST /a?_METHOD=DELETE", "_method"},
	    {"POST /a?_Method=delete", "_method"},
	    {"POST /a?%5Fmethod=DELETE", "_method"},
	    {"POST /a?%5fmethod=DELETE", "_method"},
	    {"POST /a?_%6Dethod=DELETE", "_method"},
	    {"POST /a?%5F%6D%65%74%68%6F%64=DELETE", "_method"},
	    {"POST /a?.method=DELETE", "_method"},
	    {"POST /a?+_method=DELETE", "_method"},
	    {"POST /a?_method[]=DELETE", "_method"},
	    {"POST /a?_method[x]=DELETE", "_method"},
	    {"POST /a?_method%00x=DELETE", "_method"},
	    {"GET /a?_method=GET", "_method"},
	    {"POST /a/?&&_method=PUT&", "_method"},
	};

	(void)state;
	REFUSED(t);
}

/* Other parameters, and "_method" as a value or inside a longer name,
 * pass. */
static void
query_without_a_method_parameter_is_accepted(void **state)
{
	static const struct good t[] = {
	    {"POST /a?method=DELETE", "POST", "/a"},
	    {"POST /a?x=_method", "POST", "/a"},
	    {"POST /a?x_method=DELETE", "POST", "/a"},
	    {"POST /a?_methods=DELETE", "POST", "/a"},
	    {"POST /a?_method_=DELETE", "POST", "/a"},
	    {"POST /a?__method=DELETE", "POST", "/a"},
	    {"POST /a?a=1&b=_method=2", "POST", "/a"},
	    {"POST /a?_meth%GGod=1", "POST", "/a"},
	    {"POST /a?+method=DELETE", "POST", "/a"}, /* PHP: "method" */
	    {"POST /a?%20method=DELETE", "POST", "/a"},
	    {"POST /_method", "POST", "/_method"},
	};

	(void)state;
	GOOD(t);
}

/* Servers disagree on where a '#' ends a path: one is never cut. */
static void
hash_sign_in_the_target_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET /a/b#frag", "'#'"},
	    {"GET /api/v1/admin#/../public HTTP/1.1", "'#'"},
	    {"GET /a?b#c?d", "'#'"},
	    {"GET /#", "'#'"},
	};

	(void)state;
	REFUSED(t);
}

static void
path_is_percent_decoded_once(void **state)
{
	static const struct good t[] = {
	    {"GET /a%20b", "GET", "/a b"},
	    {"GET /caf%C3%A9", "GET", "/caf\xc3\xa9"},
	    {"GET /caf%c3%a9", "GET", "/caf\xc3\xa9"},
	    {"GET /file%2Ejson", "GET", "/file.json"},
	    {"GET /%41%42%43", "GET", "/ABC"},
	    {"GET /a%3Fb", "GET", "/a?b"},
	    {"GET /a%23b", "GET", "/a#b"},
	    {"GET /%7Euser", "GET", "/~user"},
	    {"GET /a+b", "GET", "/a+b"},
	};

	(void)state;
	GOOD(t);
}

static void
trailing_slash_is_kept(void **state)
{
	static const struct good t[] = {
	    {"GET /a/b/", "GET", "/a/b/"},
	    {"GET /a/", "GET", "/a/"},
	};

	(void)state;
	GOOD(t);
}

static void
dots_that_are_not_dot_segments_are_kept(void **state)
{
	static const struct good t[] = {
	    {"GET /a/.well-known/x", "GET", "/a/.well-known/x"},
	    {"GET /a/...", "GET", "/a/..."},
	    {"GET /a/..b", "GET", "/a/..b"},
	    {"GET /a/b.", "GET", "/a/b."},
	    {"GET /v1.2/x", "GET", "/v1.2/x"},
	};

	(void)state;
	GOOD(t);
}

/* The bypasses nginx 1.22 serves as /api/v1/patients/1. */
static void
nginx_normalisation_bypasses_are_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET /api/v1/appointments/%2e%2e/patients/1 HTTP/1.1",
	        "dot segment"},
	    {"GET /api/v1/appointments%2f..%2fpatients/1 HTTP/1.1",
	        "encoded slash"},
	    {"GET /api//v1/patients/1 HTTP/1.1", "empty path segment"},
	    {"GET http://host/api/v1/patients/1 HTTP/1.1", "absolute-form"},
	};

	(void)state;
	REFUSED(t);
}

static void
dot_segments_are_refused_raw_and_encoded_in_any_case(void **state)
{
	static const struct refused t[] = {
	    {"GET /a/../b", "dot segment"},
	    {"GET /a/./b", "dot segment"},
	    {"GET /a/..", "dot segment"},
	    {"GET /a/.", "dot segment"},
	    {"GET /..", "dot segment"},
	    {"GET /.", "dot segment"},
	    {"GET /a/../", "dot segment"},
	    {"GET /a/%2e%2e/b", "dot segment"},
	    {"GET /a/%2E%2E/b", "dot segment"},
	    {"GET /a/%2E%2e/b", "dot segment"},
	    {"GET /a/%2e%2E/b", "dot segment"},
	    {"GET /a/.%2e/b", "dot segment"},
	    {"GET /a/%2e./b", "dot segment"},
	    {"GET /a/.%2E/b", "dot segment"},
	    {"GET /a/%2e/b", "dot segment"},
	    {"GET /a/%2E/b", "dot segment"},
	    {"GET /a/%2e%2e", "dot segment"},
	    {"GET /a/%2e%2e?x=1", "dot segment"},
	};

	(void)state;
	REFUSED(t);
}

static void
double_encoding_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET /a/%252e%252e/b", "double encoding"},
	    {"GET /a/%252E/b", "double encoding"},
	    {"GET /a%252fb", "double encoding"},
	    {"GET /100%25", "double encoding"},
	};

	(void)state;
	REFUSED(t);
}

static void
encoded_slash_is_refused_in_any_case(void **state)
{
	static const struct refused t[] = {
	    {"GET /a%2fb", "encoded slash"},
	    {"GET /a%2Fb", "encoded slash"},
	    {"GET /%2F", "encoded slash"},
	    {"GET /a/%2f/b", "encoded slash"},
	};

	(void)state;
	REFUSED(t);
}

static void
empty_segments_are_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET //", "empty path segment"},
	    {"GET //a", "empty path segment"},
	    {"GET /a//b", "empty path segment"},
	    {"GET /a/b//", "empty path segment"},
	    {"GET /a///b", "empty path segment"},
	};

	(void)state;
	REFUSED(t);
}

static void
target_not_in_origin_form_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET http://host/api/v1/patients/1", "absolute-form"},
	    {"GET https://host/x HTTP/1.1", "absolute-form"},
	    {"GET HTTP://HOST/x", "absolute-form"},
	    {"OPTIONS * HTTP/1.1", "asterisk-form"},
	    {"CONNECT host:443 HTTP/1.1", "absolute-form"},
	    {"GET api/v1/x", "does not start with /"},
	    {"GET ?x=1", "does not start with /"},
	};

	(void)state;
	REFUSED(t);
}

static void
path_parameters_are_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET /app;jsessionid=ABC/admin", "';'"},
	    {"GET /a/b;x", "';'"},
	    {"GET /a/..;/b", "';'"},
	    {"GET /a;/b", "';'"},
	    {"GET /a%3bb", "';'"},
	    {"GET /a%3Bb", "';'"},
	};

	(void)state;
	REFUSED(t);
}

static void
backslash_is_refused_raw_and_encoded(void **state)
{
	static const struct refused t[] = {
	    {"GET /a\\..\\b", "backslash"},
	    {"GET /a\\b", "backslash"},
	    {"GET /a%5cb", "backslash"},
	    {"GET /a%5C..%5Cb", "backslash"},
	};

	(void)state;
	REFUSED(t);
}

static void
control_characters_are_refused_raw_and_encoded(void **state)
{
	static const struct refused t[] = {
	    {"GET /a\tb", "control character"},
	    {"GET /a\rb", "control character"},
	    {"GET /a\nb", "control character"},
	    {"GET /a\x7f", "control character"},
	    {"GET /a HTTP/1.1\r\n", "control character"},
	    {"GET /a?x=\x01", "control character"},
	    {"GET /a%00b", "control character or NUL"},
	    {"GET /a%0Ab", "control character"},
	    {"GET /a%0d%0aSet-Cookie:x", "control character"},
	    {"GET /a%1f", "control character"},
	    {"GET /a%7F", "control character"},
	};

	(void)state;
	REFUSED(t);
}

/* A C string ends at NUL, so a raw NUL cuts the line short: what is after
 * it is never seen, and what is before is judged alone. */
static void
raw_nul_ends_the_line(void **state)
{
	static const char line[] = "GET /a\0/../b";
	struct cerbo_request req = CERBO_REQUEST_INIT;

	(void)state;
	assert_int_equal(cerbo_request_parse(line, &req, NULL), 0);
	assert_string_equal(req.path, "/a");
}

static void
raw_non_ascii_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET /caf\xc3\xa9", "non-ASCII"},
	    {"GET /a\xff", "non-ASCII"},
	    {"GET /a?q=\xc3\xa9", "non-ASCII"},
	};

	(void)state;
	REFUSED(t);
}

static void
invalid_utf8_after_decoding_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET /a/%C0%AE%C0%AE/b", "UTF-8"}, /* overlong '.' */
	    {"GET /a%c0%afb", "UTF-8"},         /* overlong '/' */
	    {"GET /a%ff", "UTF-8"}, {"GET /a%C3", "UTF-8"},
	    {"GET /a%ED%A0%80", "UTF-8"}, /* surrogate */
	};

	(void)state;
	REFUSED(t);
}

static void
malformed_percent_encoding_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"GET /a%", "malformed percent"},
	    {"GET /a%2", "malformed percent"},
	    {"GET /a%2g", "malformed percent"},
	    {"GET /a%g2", "malformed percent"},
	    {"GET /a%%32e", "malformed percent"},
	    {"GET /a%2?x", "malformed percent"},
	    {"GET /a%u002e", "malformed percent"},
	};

	(void)state;
	REFUSED(t);
}

static void
bad_method_is_refused(void **state)
{
	static const struct refused t[] = {
	    {"get /a", "upper-case"},
	    {"Get /a", "upper-case"},
	    {"G3T /a", "upper-case"},
	    {"-GET /a", "upper-case"},
	    {"* /a", "upper-case"},
	    {" /a", "empty method"},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG /a", "method too long"},
	};

	(void)state;
	REFUSED(t);
}

static void
spacing_and_version_must_be_exact(void **state)
{
	static const struct refused t[] = {
	    {"GET", "METHOD TARGET"},
	    {"", "METHOD TARGET"},
	    {"GET  /a", "more than one space"},
	    {"GET /a  HTTP/1.1", "HTTP/x.y"},
	    {"GET /a ", "HTTP/x.y"},
	    {"GET /a HTTP/1.1 ", "HTTP/x.y"},
	    {"GET /a HTTP/1.1 x", "HTTP/x.y"},
	    {"GET /a http/1.1", "HTTP/x.y"},
	    {"GET /a HTTP/1.", "HTTP/x.y"},
	    {"GET /a HTTP/1.10", "HTTP/x.y"},
	    {"GET /a HTTP/", "HTTP/x.y"},
	    {"GET /a /b", "HTTP/x.y"},
	    {"GET /a b", "HTTP/x.y"},
	};

	(void)state;
	REFUSED(t);
}

static void
path_up_to_the_limit_is_accepted(void **state)
{
	char *line = malloc(4 + CERBO_PATH_MAX);
	struct cerbo_request req = CERBO_REQUEST_INIT;

	(void)state;
	assert_non_null(line);
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', CERBO_PATH_MAX - 2);
	line[4 + CERBO_PATH_MAX - 1] = '\0';
	assert_int_equal(strlen(line) - 4, CERBO_PATH_MAX - 1);
	assert_int_equal(cerbo_request_parse(line, &req, NULL), 0);
	assert_int_equal(strlen(req.path), CERBO_PATH_MAX - 1);
	free(line);
}

static void
path_over_the_limit_is_refused(void **state)
{
	char *line = malloc(5 + CERBO_PATH_MAX);
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_non_null(line);
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', CERBO_PATH_MAX - 1);
	line[4 + CERBO_PATH_MAX] = '\0';
	assert_int_equal(cerbo_request_parse(line, &req, &err), -1);
	assert_non_null(strstr(err.message, "too long"));
	free(line);
}

static void
encoded_path_over_the_limit_is_refused(void **state)
{
	/* each %41 decodes to one byte: CERBO_PATH_MAX of them overflow */
	size_t n = 5 + 3 * CERBO_PATH_MAX + 1;
	char *line = malloc(n);
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	assert_non_null(line);
	memcpy(line, "GET /", 5);
	for (i = 0; i < CERBO_PATH_MAX; i++)
		memcpy(line + 5 + 3 * i, "%41", 3);
	line[n - 1] = '\0';
	assert_int_equal(cerbo_request_parse(line, &req, &err), -1);
	assert_non_null(strstr(err.message, "too long"));
	free(line);
}

static void
huge_query_string_is_refused(void **state)
{
	size_t n = 70000;
	char *line = malloc(n + 1);
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_non_null(line);
	memset(line, 'q', n);
	memcpy(line, "GET /a?", 7);
	line[n] = '\0';
	assert_int_equal(cerbo_request_parse(line, &req, &err), -1);
	assert_non_null(strstr(err.message, "too long"));
	free(line);
}

static void
null_arguments_are_refused(void **state)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_request_parse(NULL, &req, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(cerbo_request_parse("GET /", NULL, &err), -1);
	assert_int_equal(cerbo_request_parse("GET /../", &req, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(method_and_path_are_accepted),
	    cmocka_unit_test(request_line_with_http_version_is_accepted),
	    cmocka_unit_test(query_string_is_dropped),
	    cmocka_unit_test(hash_sign_in_the_target_is_refused),
	    cmocka_unit_test(method_override_in_the_query_is_refused),
	    cmocka_unit_test(query_without_a_method_parameter_is_accepted),
	    cmocka_unit_test(path_is_percent_decoded_once),
	    cmocka_unit_test(trailing_slash_is_kept),
	    cmocka_unit_test(dots_that_are_not_dot_segments_are_kept),
	    cmocka_unit_test(nginx_normalisation_bypasses_are_refused),
	    cmocka_unit_test(
	        dot_segments_are_refused_raw_and_encoded_in_any_case),
	    cmocka_unit_test(double_encoding_is_refused),
	    cmocka_unit_test(encoded_slash_is_refused_in_any_case),
	    cmocka_unit_test(empty_segments_are_refused),
	    cmocka_unit_test(target_not_in_origin_form_is_refused),
	    cmocka_unit_test(path_parameters_are_refused),
	    cmocka_unit_test(backslash_is_refused_raw_and_encoded),
	    cmocka_unit_test(control_characters_are_refused_raw_and_encoded),
	    cmocka_unit_test(raw_nul_ends_the_line),
	    cmocka_unit_test(raw_non_ascii_is_refused),
	    cmocka_unit_test(invalid_utf8_after_decoding_is_refused),
	    cmocka_unit_test(malformed_percent_encoding_is_refused),
	    cmocka_unit_test(bad_method_is_refused),
	    cmocka_unit_test(spacing_and_version_must_be_exact),
	    cmocka_unit_test(path_up_to_the_limit_is_accepted),
	    cmocka_unit_test(path_over_the_limit_is_refused),
	    cmocka_unit_test(encoded_path_over_the_limit_is_refused),
	    cmocka_unit_test(huge_query_string_is_refused),
	    cmocka_unit_test(null_arguments_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
