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

/* "%XX" for each byte of the UTF-8 form of cp, into out (13 bytes). */
static void
percent_utf8(uint32_t cp, char *out)
{
	unsigned char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	for (i = 0; i < n; i++)
		snprintf(out + 3 * i, 4, "%%%02X", b[i]);
}

/* Whether "GET /api/v1/<cp>eys/1", cp percent-encoded, is refused naming
 * it; fails the test with the message otherwise. */
static int
refused_naming(uint32_t cp)
{
	char enc[13], line[64], want[16];
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	percent_utf8(cp, enc);
	snprintf(line, sizeof(line), "GET /api/v1/%seys/1 HTTP/1.1", enc);
	snprintf(want, sizeof(want), "U+%04X ", (unsigned)cp);
	if (cerbo_request_parse(line, &req, &err) == 0)
		return 0;
	return err.status == CERBO_E_INVALID &&
	    strstr(err.message, want) != NULL;
}

/*
 * The review's finding: Java's toLowerCase() reads U+212A KELVIN SIGN as
 * "k" and U+017F LONG S as "s" (upper case "S"), so these stepped around
 * deny rules on the subtrees /api/v1/keys and /api/v1/patients.  All accepted
 * before; refused raw (as every non-ASCII byte) and percent-encoded.
 */
static void
letters_that_fold_to_ascii_are_refused_raw_and_encoded(void **state)
{
	static const struct refused t[] = {
	    {"GET /api/v1/%E2%84%AAeys/1 HTTP/1.1", "U+212A"},
	    {"GET /api/v1/%e2%84%aaeys/1", "U+212A"},
	    {"GET /api/v1/patient%C5%BF/1", "U+017F"},
	    {"GET /api/v1/%C4%B0tems", "U+0130"},     /* I WITH DOT ABOVE */
	    {"GET /api/v1/%C4%B1tems", "U+0131"},     /* DOTLESS I: "I" */
	    {"GET /api/v1/%EF%BD%8Beys", "U+FF4B"},   /* FULLWIDTH k */
	    {"GET /api/v1/%EF%BC%AB", "U+FF2B"},      /* FULLWIDTH K */
	    {"GET /api/v1/a%EF%BC%8Fb", "U+FF0F"},    /* FULLWIDTH SOLIDUS */
	    {"GET /api/v1/%E2%80%A5/x", "U+2025"},    /* TWO DOT LEADER ".." */
	    {"GET /api/v1/%E2%84%AB", "U+212B"},      /* ANGSTROM SIGN */
	    {"GET /api/v1/%E2%84%A6", "U+2126"},      /* OHM SIGN */
	    {"GET /api/v1/pro%EF%AC%81le", "U+FB01"}, /* LIGATURE fi */
	    {"GET /api/v1/cla%C3%9F", "U+00DF"},      /* SHARP S: "ss" */
	    {"GET /api/v1/pati%C2%ADents", "U+00AD"}, /* SOFT HYPHEN */
	    {"GET /api/v1/keys%E2%80%8B", "U+200B"},  /* ZERO WIDTH SPACE */
	    {"GET /api/v1/%F0%9D%90%A4eys", "U+1D424"}, /* MATHEMATICAL k */
	    {"GET /api/v1/\xe2\x84\xaa"
	     "eys/1",
	        "non-ASCII"},
	    {"GET /api/v1/patient\xc5\xbf/1", "non-ASCII"},
	};

	(void)state;
	REFUSED(t);
}

/*
 * Every entry of the table in store/fold.c (Unicode 14.0: NFKC, case
 * mapping and folding that give ASCII; OHM and ANGSTROM SIGN; default
 * ignorables), at its first, middle and last code point.
 */
static void
every_folding_code_point_is_refused(void **state)
{
	static const struct {
		uint32_t lo, hi;
	} t[] = {
	    {0x00A0, 0x00A0},
	    {0x00A8, 0x00A8},
	    {0x00AA, 0x00AA},
	    {0x00AD, 0x00AD},
	    {0x00AF, 0x00AF},
	    {0x00B2, 0x00B4},
	    {0x00B8, 0x00BA},
	    {0x00BC, 0x00BE},
	    {0x00DF, 0x00DF},
	    {0x0130, 0x0133},
	    {0x013F, 0x0140},
	    {0x0149, 0x0149},
	    {0x017F, 0x017F},
	    {0x01C4, 0x01CC},
	    {0x01F0, 0x01F3},
	    {0x02B0, 0x02B0},
	    {0x02B2, 0x02B3},
	    {0x02B7, 0x02B8},
	    {0x02D8, 0x02DD},
	    {0x02E1, 0x02E3},
	    {0x034F, 0x034F},
	    {0x037A, 0x037A},
	    {0x037E, 0x037E},
	    {0x0384, 0x0385},
	    {0x061C, 0x061C},
	    {0x115F, 0x1160},
	    {0x17B4, 0x17B5},
	    {0x180B, 0x180F},
	    {0x1D2C, 0x1D2C},
	    {0x1D2E, 0x1D2E},
	    {0x1D30, 0x1D31},
	    {0x1D33, 0x1D3A},
	    {0x1D3C, 0x1D3C},
	    {0x1D3E, 0x1D43},
	    {0x1D47, 0x1D49},
	    {0x1D4D, 0x1D4D},
	    {0x1D4F, 0x1D50},
	    {0x1D52, 0x1D52},
	    {0x1D56, 0x1D58},
	    {0x1D5B, 0x1D5B},
	    {0x1D62, 0x1D65},
	    {0x1D9C, 0x1D9C},
	    {0x1DA0, 0x1DA0},
	    {0x1DBB, 0x1DBB},
	    {0x1E96, 0x1E9A},
	    {0x1E9E, 0x1E9E},
	    {0x1FBD, 0x1FBD},
	    {0x1FBF, 0x1FC1},
	    {0x1FCD, 0x1FCF},
	    {0x1FDD, 0x1FDF},
	    {0x1FED, 0x1FEF},
	    {0x1FFD, 0x1FFE},
	    {0x2000, 0x200F},
	    {0x2017, 0x2017},
	    {0x2024, 0x2026},
	    {0x202A, 0x202F},
	    {0x203C, 0x203C},
	    {0x203E, 0x203E},
	    {0x2047, 0x2049},
	    {0x205F, 0x2071},
	    {0x2074, 0x207A},
	    {0x207C, 0x208A},
	    {0x208C, 0x208E},
	    {0x2090, 0x2093},
	    {0x2095, 0x209C},
	    {0x20A8, 0x20A8},
	    {0x2100, 0x2103},
	    {0x2105, 0x2106},
	    {0x2109, 0x210E},
	    {0x2110, 0x2113},
	    {0x2115, 0x2116},
	    {0x2119, 0x211D},
	    {0x2120, 0x2122},
	    {0x2124, 0x2124},
	    {0x2126, 0x2126},
	    {0x2128, 0x2128},
	    {0x212A, 0x212D},
	    {0x212F, 0x2131},
	    {0x2133, 0x2134},
	    {0x2139, 0x2139},
	    {0x213B, 0x213B},
	    {0x2145, 0x2149},
	    {0x2150, 0x217F},
	    {0x2189, 0x2189},
	    {0x2460, 0x24EA},
	    {0x2A74, 0x2A76},
	    {0x2C7C, 0x2C7D},
	    {0x3000, 0x3000},
	    {0x309B, 0x309C},
	    {0x3164, 0x3164},
	    {0x3200, 0x321E},
	    {0x3220, 0x3243},
	    {0x3250, 0x325F},
	    {0x32B1, 0x32CF},
	    {0x3358, 0x337A},
	    {0x3380, 0x33FF},
	    {0xA7F2, 0xA7F4},
	    {0xFB00, 0xFB06},
	    {0xFB29, 0xFB29},
	    {0xFC5E, 0xFC63},
	    {0xFDFA, 0xFDFB},
	    {0xFE00, 0xFE10},
	    {0xFE13, 0xFE16},
	    {0xFE19, 0xFE19},
	    {0xFE30, 0xFE30},
	    {0xFE33, 0xFE38},
	    {0xFE47, 0xFE50},
	    {0xFE52, 0xFE52},
	    {0xFE54, 0xFE57},
	    {0xFE59, 0xFE5C},
	    {0xFE5F, 0xFE66},
	    {0xFE68, 0xFE6B},
	    {0xFE70, 0xFE70},
	    {0xFE72, 0xFE72},
	    {0xFE74, 0xFE74},
	    {0xFE76, 0xFE76},
	    {0xFE78, 0xFE78},
	    {0xFE7A, 0xFE7A},
	    {0xFE7C, 0xFE7C},
	    {0xFE7E, 0xFE7E},
	    {0xFEFF, 0xFEFF},
	    {0xFF01, 0xFF5E},
	    {0xFFA0, 0xFFA0},
	    {0xFFE3, 0xFFE3},
	    {0xFFF0, 0xFFF8},
	    {0x107A5, 0x107A5},
	    {0x1BCA0, 0x1BCA3},
	    {0x1D173, 0x1D17A},
	    {0x1D400, 0x1D454},
	    {0x1D456, 0x1D49C},
	    {0x1D49E, 0x1D49F},
	    {0x1D4A2, 0x1D4A2},
	    {0x1D4A5, 0x1D4A6},
	    {0x1D4A9, 0x1D4AC},
	    {0x1D4AE, 0x1D4B9},
	    {0x1D4BB, 0x1D4BB},
	    {0x1D4BD, 0x1D4C3},
	    {0x1D4C5, 0x1D505},
	    {0x1D507, 0x1D50A},
	    {0x1D50D, 0x1D514},
	    {0x1D516, 0x1D51C},
	    {0x1D51E, 0x1D539},
	    {0x1D53B, 0x1D53E},
	    {0x1D540, 0x1D544},
	    {0x1D546, 0x1D546},
	    {0x1D54A, 0x1D550},
	    {0x1D552, 0x1D6A3},
	    {0x1D7CE, 0x1D7FF},
	    {0x1F100, 0x1F10A},
	    {0x1F110, 0x1F12E},
	    {0x1F130, 0x1F14F},
	    {0x1F16A, 0x1F16C},
	    {0x1F190, 0x1F190},
	    {0x1FBF0, 0x1FBF9},
	    {0xE0000, 0xE0FFF},
	};
	size_t i;
	uint32_t cp[3];
	int k;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cp[0] = t[i].lo;
		cp[1] = t[i].lo + (t[i].hi - t[i].lo) / 2;
		cp[2] = t[i].hi;
		for (k = 0; k < 3; k++)
			if (!refused_naming(cp[k]))
				fail_msg("U+%04X accepted", (unsigned)cp[k]);
	}
}

/*
 * The code points next to each entry of the table that fold to nothing
 * ASCII (letters, marks, symbols: é, ß's neighbour Þ, Greek, CJK...), and
 * some common non-ASCII text: accepted, decoded as UTF-8.
 */
static void
code_points_that_do_not_fold_are_accepted(void **state)
{
	static const uint32_t t[] = {
	    0x00A1,
	    0x00A7,
	    0x00A9,
	    0x00AB,
	    0x00AC,
	    0x00AE,
	    0x00B0,
	    0x00B1,
	    0x00B5,
	    0x00B7,
	    0x00BB,
	    0x00BF,
	    0x00DE,
	    0x00E0,
	    0x012F,
	    0x0134,
	    0x013E,
	    0x0141,
	    0x0148,
	    0x014A,
	    0x017E,
	    0x0180,
	    0x01C3,
	    0x01CD,
	    0x01EF,
	    0x01F4,
	    0x02AF,
	    0x02B1,
	    0x02B4,
	    0x02B6,
	    0x02B9,
	    0x02D7,
	    0x02DE,
	    0x02E0,
	    0x02E4,
	    0x034E,
	    0x0350,
	    0x037B,
	    0x037D,
	    0x037F,
	    0x0386,
	    0x061B,
	    0x061D,
	    0x115E,
	    0x1161,
	    0x17B3,
	    0x17B6,
	    0x180A,
	    0x1810,
	    0x1D2B,
	    0x1D2D,
	    0x1D2F,
	    0x1D32,
	    0x1D3B,
	    0x1D3D,
	    0x1D44,
	    0x1D46,
	    0x1D4A,
	    0x1D4C,
	    0x1D4E,
	    0x1D51,
	    0x1D53,
	    0x1D55,
	    0x1D59,
	    0x1D5A,
	    0x1D5C,
	    0x1D61,
	    0x1D66,
	    0x1D9B,
	    0x1D9D,
	    0x1D9F,
	    0x1DA1,
	    0x1DBA,
	    0x1DBC,
	    0x1E95,
	    0x1E9B,
	    0x1E9D,
	    0x1E9F,
	    0x1FBC,
	    0x1FBE,
	    0x1FC2,
	    0x1FCC,
	    0x1FD0,
	    0x1FE0,
	    0x1FEC,
	    0x1FFC,
	    0x2010,
	    0x2016,
	    0x2018,
	    0x2023,
	    0x2027,
	    0x2030,
	    0x203B,
	    0x203D,
	    0x203F,
	    0x2046,
	    0x204A,
	    0x205E,
	    0x207B,
	    0x208B,
	    0x2094,
	    0x20A7,
	    0x20A9,
	    0x2104,
	    0x2107,
	    0x2108,
	    0x210F,
	    0x2114,
	    0x2117,
	    0x2118,
	    0x211E,
	    0x211F,
	    0x2123,
	    0x2125,
	    0x2127,
	    0x2129,
	    0x212E,
	    0x2132,
	    0x2135,
	    0x2138,
	    0x213A,
	    0x213C,
	    0x2144,
	    0x214A,
	    0x214F,
	    0x2180,
	    0x2188,
	    0x218A,
	    0x24EB,
	    0x2A73,
	    0x2A77,
	    0x2C7B,
	    0x2C7E,
	    0x3001,
	    0x309A,
	    0x309D,
	    0x3163,
	    0x3165,
	    0x31FF,
	    0x3244,
	    0x324F,
	    0x3260,
	    0x32B0,
	    0x32D0,
	    0x3357,
	    0x337B,
	    0x337F,
	    0x3400,
	    0xA7F5,
	    0xFB28,
	    0xFB2A,
	    0xFC5D,
	    0xFC64,
	    0xFDF9,
	    0xFDFC,
	    0xFDFF,
	    0xFE11,
	    0xFE12,
	    0xFE17,
	    0xFE18,
	    0xFE2F,
	    0xFE31,
	    0xFE32,
	    0xFE39,
	    0xFE46,
	    0xFE51,
	    0xFE58,
	    0xFE5D,
	    0xFE5E,
	    0xFE71,
	    0xFE73,
	    0xFE77,
	    0xFE79,
	    0xFE7B,
	    0xFE7D,
	    0xFE7F,
	    0xFF5F,
	    0xFF9F,
	    0xFFA1,
	    0xFFE2,
	    0xFFE4,
	    0x107A4,
	    0x107A6,
	    0x1BC9F,
	    0x1D172,
	    0x1D17B,
	    0x1D6A4,
	    0x1D800,
	    0x1F10B,
	    0x1F10F,
	    0x1F12F,
	    0x1F150,
	    0x1F169,
	    0x1F16D,
	    0x1F18F,
	    0x1F191,
	    0x00E9,
	    0x00FC,
	    0x03A9,
	    0x00C5,
	    0x00E5,
	    0x0436,
	    0x4E2D,
	    0x1F600,
	};
	char enc[13], line[64];
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		percent_utf8(t[i], enc);
		snprintf(line, sizeof(line), "GET /a/%s", enc);
		if (cerbo_request_parse(line, &req, &err) != 0)
			fail_msg("U+%04X refused: %s", (unsigned)t[i],
			    err.message);
		/* decoded: 3 bytes of "%XX" make one */
		assert_int_equal(strlen(req.path), 3 + strlen(enc) / 3);
	}
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
	    cmocka_unit_test(
	        letters_that_fold_to_ascii_are_refused_raw_and_encoded),
	    cmocka_unit_test(every_folding_code_point_is_refused),
	    cmocka_unit_test(code_points_that_do_not_fold_are_accepted),
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
