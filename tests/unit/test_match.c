/*
 * test_match.c - endpoint rules: grammar, matching, and profile decisions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "internal.h"

static int
matches(const char *rule, const char *line)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	if (cerbo_request_parse(line, &req, &err) != 0)
		fail_msg("request \"%s\" refused: %s", line, err.message);
	if (cerbo_rule_validate(rule, &err) != 0)
		fail_msg("rule \"%s\" refused: %s", rule, err.message);
	return cerbo__rule_match(rule, &req);
}

struct pair {
	const char *rule;
	const char *request;
};

static void
check_pairs(const struct pair *p, size_t n, int want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (matches(p[i].rule, p[i].request) != want)
			fail_msg("rule \"%s\" and request \"%s\": expected %s",
			    p[i].rule, p[i].request,
			    want ? "match" : "no match");
}

#define MATCH(t) check_pairs(t, sizeof(t) / sizeof(t[0]), 1)
#define NO_MATCH(t) check_pairs(t, sizeof(t) / sizeof(t[0]), 0)

/* ---- grammar ----------------------------------------------------------- */

static void
valid_rules_are_accepted(void **state)
{
	static const char *good[] = {
	    "GET /",
	    "GET /api/v1/appointments",
	    "POST /api/v1/appointments/",
	    "* /**",
	    "* /",
	    "DELETE /**",
	    "GET /api/*/x",
	    "GET /api/**/x",
	    "GET /**/**",
	    "GET /a/**/",
	    "M-SEARCH /x",
	    "GET /caf\xc3\xa9",
	    "GET /a.b/c-d/e_f/~g/h+i/j=k/l@m/n:o/p,q/r!s/t$u/v&w/x'y/(z)",
	    "GET /.well-known/x",
	    "GET /a/...",
	};
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (cerbo_rule_validate(good[i], &err) != 0)
			fail_msg("\"%s\" refused: %s", good[i], err.message);
}

struct bad_rule {
	const char *rule;
	const char *why;
};

static void
invalid_rules_are_refused_with_a_reason(void **state)
{
	static const struct bad_rule bad[] = {
	    {"", "empty"},
	    {"GET", "METHOD PATH"},
	    {"/api", "METHOD PATH"},
	    {"get /api", "method"},
	    {"Get /api", "method"},
	    {"G1 /api", "method"},
	    {"** /api", "method"},
	    {"GET api", "start with /"},
	    {"GET  /api", "start with /"},
	    {"GET /api /x", "one space"},
	    {"GET /api ", "one space"},
	    {"GET\t/api", "control"},
	    {"GET /a\tb", "control"},
	    {"GET /a//b", "empty path segment"},
	    {"GET //", "empty path segment"},
	    {"GET /a*", "whole path segment"},
	    {"GET /*a", "whole path segment"},
	    {"GET /a/***", "whole path segment"},
	    {"GET /a/b**", "whole path segment"},
	    {"GET /a/x*/y", "whole path segment"},
	    {"GET /api?x=1", "query string"},
	    {"GET /api#x", "fragment"},
	    {"GET /a%20b", "%-encoding"},
	    {"GET /a;b", "never match"},
	    {"GET /a\\b", "never match"},
	    {"GET /a/../b", "dot segments"},
	    {"GET /a/./b", "dot segments"},
	    {"GET /caf\xc3", "UTF-8"},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG /x", "method"},
	};
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		if (cerbo_rule_validate(bad[i].rule, &err) == 0)
			fail_msg("\"%s\" accepted", bad[i].rule);
		assert_int_equal(err.status, CERBO_E_INVALID);
		if (strstr(err.message, bad[i].why) == NULL)
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].rule,
			    err.message, bad[i].why);
	}
	assert_int_equal(cerbo_rule_validate(NULL, &err), -1);
}

/* "GET /aaa...": a rule of exactly len bytes in rule (len + 1 bytes). */
static void
rule_of_length(char *rule, size_t len)
{
	memcpy(rule, "GET /", 5);
	memset(rule + 5, 'a', len - 5);
	rule[len] = '\0';
}

static void
rule_of_rule_max_bytes_is_valid(void **state)
{
	char rule[CERBO_RULE_MAX + 1];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	rule_of_length(rule, CERBO_RULE_MAX);
	assert_int_equal(strlen(rule), 1024);
	assert_int_equal(cerbo_rule_validate(rule, &err), 0);
}

static void
overlong_rule_is_refused(void **state)
{
	char rule[CERBO_RULE_MAX + 2];
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	rule_of_length(rule, CERBO_RULE_MAX + 1);
	assert_int_equal(cerbo_rule_validate(rule, &err), -1);
	assert_string_equal(err.message, "rule: longer than 1024 bytes");
}

/* The deciding rule is reported whole, even at the bound. */
static void
decision_holds_a_rule_of_rule_max_bytes(void **state)
{
	char rule[CERBO_RULE_MAX + 1];
	struct cerbo_store *store;
	const struct cerbo_profile *p;
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_decision d = CERBO_DECISION_INIT;
	int changed;

	(void)state;
	rule_of_length(rule, CERBO_RULE_MAX);
	store = cerbo__store_new();
	assert_non_null(store);
	assert_int_equal(cerbo_profile_add(store, "big", NULL, NULL), 0);
	assert_int_equal(cerbo_profile_rule_add(store, "big", CERBO_RULE_ALLOW,
	                     rule, &changed, NULL),
	    0);
	p = cerbo_store_profile_find(store, "big");
	assert_non_null(p);
	assert_int_equal(cerbo_request_parse(rule, &req, NULL), 0);
	assert_int_equal(cerbo_profile_decide(p, &req, &d), 0);
	assert_int_equal(d.allowed, 1);
	assert_int_equal(d.matched, 1);
	assert_int_equal(strlen(d.rule), CERBO_RULE_MAX);
	assert_string_equal(d.rule, rule);
	cerbo_store_free(store);
}

/* ---- matching ---------------------------------------------------------- */

static void
literal_paths_match_exactly(void **state)
{
	static const struct pair yes[] = {
	    {"GET /api/v1/x", "GET /api/v1/x"},
	    {"GET /", "GET /"},
	    {"GET /caf\xc3\xa9", "GET /caf%C3%A9"},
	    {"GET /file.json", "GET /file%2Ejson"},
	    {"GET /api/v1/x", "GET /api/v1/x?y=1 HTTP/1.1"},
	};
	static const struct pair no[] = {
	    {"GET /api/v1/x", "GET /api/v1/X"},
	    {"GET /api/v1/x", "GET /api/v1/xy"},
	    {"GET /api/v1/x", "GET /api/v1"},
	    {"GET /api/v1/x", "GET /api/v1/x/y"},
	    {"GET /", "GET /a"},
	};

	(void)state;
	MATCH(yes);
	NO_MATCH(no);
}

/* Rules hold no spaces, so a decoded space is matched by a wildcard. */
static void
decoded_space_is_matched_by_a_wildcard(void **state)
{
	static const struct pair yes[] = {
	    {"GET /files/*", "GET /files/a%20b"},
	};

	(void)state;
	MATCH(yes);
}

static void
single_star_matches_exactly_one_non_empty_segment(void **state)
{
	static const struct pair yes[] = {
	    {"GET /api/*", "GET /api/x"},
	    {"GET /api/*/y", "GET /api/x/y"},
	    {"GET /*", "GET /a"},
	    {"GET /*/*", "GET /a/b"},
	    {"GET /api/*", "GET /api/%2Ex"},
	};
	static const struct pair no[] = {
	    {"GET /api/*", "GET /api"},
	    {"GET /api/*", "GET /api/"},
	    {"GET /api/*", "GET /api/x/y"},
	    {"GET /api/*", "GET /api/x/"},
	    {"GET /api/*/y", "GET /api/y"},
	    {"GET /*", "GET /"},
	    {"GET /*/*", "GET /a"},
	};

	(void)state;
	MATCH(yes);
	NO_MATCH(no);
}

static void
double_star_matches_zero_or_more_whole_segments(void **state)
{
	static const struct pair yes[] = {
	    {"GET /api/**", "GET /api"},
	    {"GET /api/**", "GET /api/"},
	    {"GET /api/**", "GET /api/x"},
	    {"GET /api/**", "GET /api/x/y/z"},
	    {"GET /api/**", "GET /api/x/y/"},
	    {"GET /**", "GET /"},
	    {"GET /**", "GET /anything/at/all"},
	    {"GET /**/x", "GET /x"},
	    {"GET /**/x", "GET /a/b/c/x"},
	    {"GET /a/**/b", "GET /a/b"},
	    {"GET /a/**/b", "GET /a/x/y/b"},
	    {"GET /a/**/b/**/c", "GET /a/b/b/c/c"},
	    {"GET /a/**/*", "GET /a/x"},
	    {"GET /**/**", "GET /a/b"},
	    {"GET /a/**/", "GET /a/x/"},
	    {"GET /a/**/", "GET /a/"},
	};
	static const struct pair no[] = {
	    {"GET /api/**", "GET /apix"},
	    {"GET /api/**", "GET /ap"},
	    {"GET /api/**", "GET /other/api/x"},
	    {"GET /**/x", "GET /a/x/y"},
	    {"GET /**/x", "GET /a/xx"},
	    {"GET /a/**/b", "GET /a/b/c"},
	    {"GET /a/**/*", "GET /a"},
	    {"GET /a/**/*", "GET /a/"},
	    {"GET /a/**/", "GET /a/x"},
	    {"GET /a/**/", "GET /a"},
	};

	(void)state;
	MATCH(yes);
	NO_MATCH(no);
}

static void
trailing_slash_is_significant(void **state)
{
	static const struct pair yes[] = {
	    {"GET /a/", "GET /a/"},
	    {"GET /a", "GET /a"},
	    {"GET /a/*/", "GET /a/x/"},
	};
	static const struct pair no[] = {
	    {"GET /a/", "GET /a"},
	    {"GET /a", "GET /a/"},
	    {"GET /a/*/", "GET /a/x"},
	    {"GET /a/*", "GET /a/x/"},
	};

	(void)state;
	MATCH(yes);
	NO_MATCH(no);
}

static void
method_must_match_exactly_and_head_does_not_follow_get(void **state)
{
	static const struct pair yes[] = {
	    {"GET /a", "GET /a"},
	    {"* /a", "GET /a"},
	    {"* /a", "DELETE /a"},
	    {"* /a", "PROPFIND /a"},
	    {"HEAD /a", "HEAD /a"},
	};
	static const struct pair no[] = {
	    {"GET /a", "HEAD /a"},
	    {"GET /a", "POST /a"},
	    {"HEAD /a", "GET /a"},
	    {"GET /a", "GETX /a"},
	    {"GETX /a", "GET /a"},
	};

	(void)state;
	MATCH(yes);
	NO_MATCH(no);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A rule of many "**" against a long path that almost matches: a
 * backtracking matcher takes exponential time here. */
static void
many_double_stars_match_in_polynomial_time(void **state)
{
	char rule[CERBO_RULE_MAX + 1];
	char line[CERBO_PATH_MAX];
	struct cerbo_request req = CERBO_REQUEST_INIT;
	size_t r = 0, l = 0, i;
	double t0, t1;
	int m;

	(void)state;
	r += (size_t)snprintf(rule + r, sizeof(rule) - r, "GET ");
	for (i = 0; i < 150; i++)
		r += (size_t)snprintf(rule + r, sizeof(rule) - r, "/**/a");
	r += (size_t)snprintf(rule + r, sizeof(rule) - r, "/b");
	assert_int_equal(cerbo_rule_validate(rule, NULL), 0);
	l += (size_t)snprintf(line + l, sizeof(line) - l, "GET ");
	for (i = 0; i < 1500; i++)
		l += (size_t)snprintf(line + l, sizeof(line) - l, "/a");
	l += (size_t)snprintf(line + l, sizeof(line) - l, "/c");
	assert_int_equal(cerbo_request_parse(line, &req, NULL), 0);

	t0 = now_seconds();
	m = cerbo__rule_match(rule, &req);
	t1 = now_seconds();
	assert_int_equal(m, 0);
	print_message("# 150 x ** against 1501 segments: %.3f ms\n",
	    (t1 - t0) * 1e3);
	assert_true(t1 - t0 < 0.5);

	/* and the same path ending in /b matches */
	req.path[strlen(req.path) - 1] = 'b';
	assert_int_equal(cerbo__rule_match(rule, &req), 1);
}

/* ---- profiles ---------------------------------------------------------- */

static struct cerbo_store *
store_with(const char *name, const char **allow, const char **deny)
{
	struct cerbo_store *s = cerbo__store_new();
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	assert_non_null(s);
	if (cerbo_profile_add(s, name, "test", &err) != 0)
		fail_msg("profile_add: %s", err.message);
	for (i = 0; allow != NULL && allow[i] != NULL; i++)
		if (cerbo_profile_rule_add(s, name, CERBO_RULE_ALLOW, allow[i],
		        NULL, &err) != 0)
			fail_msg("allow %s: %s", allow[i], err.message);
	for (i = 0; deny != NULL && deny[i] != NULL; i++)
		if (cerbo_profile_rule_add(s, name, CERBO_RULE_DENY, deny[i],
		        NULL, &err) != 0)
			fail_msg("deny %s: %s", deny[i], err.message);
	return s;
}

static void
decide(const struct cerbo_store *s, const char *name, const char *line,
    struct cerbo_decision *d)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;

	assert_int_equal(cerbo_request_parse(line, &req, NULL), 0);
	assert_int_equal(cerbo_profile_decide(cerbo_store_profile_find(s, name),
	                     &req, d),
	    0);
}

static void
deny_rule_wins_over_allow(void **state)
{
	const char *allow[] = {"* /api/**", NULL};
	const char *deny[] = {"DELETE /**", NULL};
	struct cerbo_store *s = store_with("sched", allow, deny);
	struct cerbo_decision d = CERBO_DECISION_INIT;

	(void)state;
	decide(s, "sched", "DELETE /api/v1/x HTTP/1.1", &d);
	assert_int_equal(d.allowed, 0);
	assert_int_equal(d.matched, 1);
	assert_int_equal(d.kind, CERBO_RULE_DENY);
	assert_string_equal(d.rule, "DELETE /**");
	assert_string_equal(d.profile, "sched");
	cerbo_store_free(s);
}

static void
allow_rule_allows_and_is_named(void **state)
{
	const char *allow[] = {"POST /api/v1/appointments",
	    "GET /api/v1/appointments/**", NULL};
	const char *deny[] = {"DELETE /**", NULL};
	struct cerbo_store *s = store_with("sched", allow, deny);
	struct cerbo_decision d = CERBO_DECISION_INIT;

	(void)state;
	decide(s, "sched", "GET /api/v1/appointments/7?full=1 HTTP/1.1", &d);
	assert_int_equal(d.allowed, 1);
	assert_int_equal(d.matched, 1);
	assert_int_equal(d.kind, CERBO_RULE_ALLOW);
	assert_string_equal(d.rule, "GET /api/v1/appointments/**");
	assert_string_equal(d.profile, "sched");
	cerbo_store_free(s);
}

static void
no_matching_rule_is_default_deny(void **state)
{
	const char *allow[] = {"GET /api/v1/appointments/**", NULL};
	struct cerbo_store *s = store_with("sched", allow, NULL);
	struct cerbo_decision d = CERBO_DECISION_INIT;

	(void)state;
	decide(s, "sched", "GET /api/v1/patients/1", &d);
	assert_int_equal(d.allowed, 0);
	assert_int_equal(d.matched, 0);
	assert_string_equal(d.rule, "");
	assert_string_equal(d.profile, "sched");
	decide(s, "sched", "HEAD /api/v1/appointments/1", &d);
	assert_int_equal(d.allowed, 0);
	cerbo_store_free(s);
}

static void
profile_without_rules_refuses_everything(void **state)
{
	struct cerbo_store *s = store_with("empty", NULL, NULL);
	struct cerbo_decision d = CERBO_DECISION_INIT;

	(void)state;
	decide(s, "empty", "GET /", &d);
	assert_int_equal(d.allowed, 0);
	assert_int_equal(d.matched, 0);
	cerbo_store_free(s);
}

static void
null_profile_or_request_refuses(void **state)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_decision d = CERBO_DECISION_INIT;

	(void)state;
	assert_int_equal(cerbo_request_parse("GET /", &req, NULL), 0);
	assert_int_equal(cerbo_profile_decide(NULL, &req, &d), 0);
	assert_int_equal(d.allowed, 0);
	assert_int_equal(d.matched, 0);
}

static void
allows_everything_only_for_any_method_on_all_paths(void **state)
{
	const char *all[] = {"GET /x", "* /**", NULL};
	const char *get_all[] = {"GET /**", NULL};
	const char *under[] = {"* /api/**", NULL};
	struct cerbo_store *s1 = store_with("a", all, NULL);
	struct cerbo_store *s2 = store_with("b", get_all, NULL);
	struct cerbo_store *s3 = store_with("c", under, NULL);

	(void)state;
	assert_int_equal(cerbo_profile_allows_everything(
	                     cerbo_store_profile_find(s1, "a")),
	    1);
	assert_int_equal(cerbo_profile_allows_everything(
	                     cerbo_store_profile_find(s2, "b")),
	    0);
	assert_int_equal(cerbo_profile_allows_everything(
	                     cerbo_store_profile_find(s3, "c")),
	    0);
	assert_int_equal(cerbo_profile_allows_everything(NULL), 0);
	cerbo_store_free(s1);
	cerbo_store_free(s2);
	cerbo_store_free(s3);
}

/* The point of the parser: a deny under a broad allow cannot be walked
 * around by a path the server would normalise. */
static void
deny_cannot_be_bypassed_by_normalisation(void **state)
{
	static const char *lines[] = {
	    "GET /api/v1/appointments/%2e%2e/patients/1 HTTP/1.1",
	    "GET /api/v1/appointments%2f..%2fpatients/1 HTTP/1.1",
	    "GET /api//v1/patients/1 HTTP/1.1",
	    "GET http://host/api/v1/patients/1 HTTP/1.1",
	    "GET /api/v1/Patients/../patients/1 HTTP/1.1",
	    "GET /api/v1/patients;x=1/1 HTTP/1.1",
	};
	struct cerbo_request req = CERBO_REQUEST_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (cerbo_request_parse(lines[i], &req, NULL) == 0)
			fail_msg("\"%s\" accepted as \"%s\"", lines[i],
			    req.path);
}

/*
 * A deny rule matches every spelling a backend may route to the same
 * handler: HEAD for a GET, any case, one trailing '/'.  Allow rules stay
 * exact.
 */
static void
deny_rule_covers_what_backends_route_alike(void **state)
{
	const char *allow[] = {"* /api/**", NULL};
	const char *deny[] = {"GET /api/v1/admin/**", "DELETE /api/v1/users/*",
	    "POST /api/v1/Reports/run", NULL};
	static const char *refused[] = {
	    "GET /api/v1/admin/export",
	    "HEAD /api/v1/admin/export",
	    "GET /api/v1/Admin/export",
	    "HEAD /API/V1/ADMIN/export",
	    "GET /api/v1/admin",
	    "DELETE /api/v1/users/42",
	    "DELETE /api/v1/users/42/",
	    "DELETE /api/v1/USERS/42/",
	    "POST /api/v1/reports/run",
	    "POST /api/v1/reports/RUN/",
	};
	static const char *allowed[] = {
	    "POST /api/v1/admin/export", /* deny names GET only */
	    "DELETE /api/v1/users/42/x", /* one segment deeper */
	    "DELETE /api/v1/users",      /* "*" needs a segment */
	    "POST /api/v1/reports/run/x",
	    "GET /api/v1/users/42/",
	    "HEAD /api/v1/users/42",
	};
	struct cerbo_store *s = store_with("p", allow, deny);
	struct cerbo_decision d = CERBO_DECISION_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		decide(s, "p", refused[i], &d);
		if (d.allowed || d.kind != CERBO_RULE_DENY)
			fail_msg("\"%s\" was not denied", refused[i]);
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		decide(s, "p", allowed[i], &d);
		if (!d.allowed)
			fail_msg("\"%s\" was refused by %s", allowed[i],
			    d.rule);
	}
	cerbo_store_free(s);
}

/*
 * Rails' "(.:format)", Spring MVC's suffix pattern match and many routers
 * serve "/patients.json" from the handler of "/patients": a literal
 * segment of a deny rule also matches itself followed by '.' and a
 * suffix.  Before this, "GET /api/v1/patients.json" was allowed.
 */
static void
deny_rule_literal_covers_a_format_suffix(void **state)
{
	const char *allow[] = {"* /api/**", NULL};
	const char *deny[] = {"GET /api/v1/patients/**",
	    "DELETE /api/v1/users/*", "POST /api/v1/reports/run", NULL};
	static const char *refused[] = {
	    "GET /api/v1/patients.json",
	    "GET /api/v1/patients.xml",
	    "GET /api/v1/patients.csv?page=2",
	    "GET /api/v1/Patients.JSON",
	    "HEAD /api/v1/patients.json",
	    "GET /api/v1/patients.json/",
	    "GET /api/v1/patients.tar.gz",
	    "GET /api/v1/patients.",
	    "GET /api/v1/patients/7.json",
	    "GET /api/v1/patients.json/7",
	    "DELETE /api/v1/users/7.json",
	    "DELETE /api/v1/users.json/7",
	    "POST /api/v1/reports/run.json",
	    "POST /api/v1/reports.xml/run.json/",
	};
	static const char *allowed[] = {
	    "GET /api/v1/patientsjson",  /* no '.': another name */
	    "GET /api/v1/patients-json", /* idem */
	    "GET /api/v1/patient.json",  /* the literal is not all there */
	    "POST /api/v1/patients.json",
	    "POST /api/v1/reports/running.json",
	    "DELETE /api/v1/users/7.json/x",
	};
	struct cerbo_store *s = store_with("p", allow, deny);
	struct cerbo_decision d = CERBO_DECISION_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		decide(s, "p", refused[i], &d);
		if (d.allowed || d.kind != CERBO_RULE_DENY)
			fail_msg("\"%s\" was not denied", refused[i]);
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		decide(s, "p", allowed[i], &d);
		if (!d.allowed)
			fail_msg("\"%s\" was refused by %s", allowed[i],
			    d.rule);
	}
	cerbo_store_free(s);
}

static void
allow_rule_stays_exact(void **state)
{
	const char *allow[] = {"GET /api/v1/reports/*", NULL};
	struct cerbo_store *s = store_with("p", allow, NULL);
	struct cerbo_decision d = CERBO_DECISION_INIT;

	(void)state;
	decide(s, "p", "GET /api/v1/reports/7", &d);
	assert_int_equal(d.allowed, 1);
	decide(s, "p", "HEAD /api/v1/reports/7", &d);
	assert_int_equal(d.allowed, 0);
	decide(s, "p", "GET /api/v1/Reports/7", &d);
	assert_int_equal(d.allowed, 0);
	decide(s, "p", "GET /api/v1/reports/7/", &d);
	assert_int_equal(d.allowed, 0);
	cerbo_store_free(s);

	/* a format suffix is a deny spelling only */
	s = store_with("p", (const char *[]){"GET /api/v1/reports", NULL},
	    NULL);
	decide(s, "p", "GET /api/v1/reports", &d);
	assert_int_equal(d.allowed, 1);
	decide(s, "p", "GET /api/v1/reports.json", &d);
	assert_int_equal(d.allowed, 0);
	cerbo_store_free(s);
}

static void
deny_rule_without_double_star_is_warned_of(void **state)
{
	(void)state;
	assert_non_null(
	    cerbo_rule_warning(CERBO_RULE_DENY, "GET /api/v1/admin"));
	assert_non_null(
	    cerbo_rule_warning(CERBO_RULE_DENY, "DELETE /api/v1/users/*"));
	assert_non_null(cerbo_rule_warning(CERBO_RULE_DENY, "GET /a/**/b"));
	assert_null(
	    cerbo_rule_warning(CERBO_RULE_DENY, "GET /api/v1/admin/**"));
	assert_null(cerbo_rule_warning(CERBO_RULE_DENY, "DELETE /**"));
	assert_null(cerbo_rule_warning(CERBO_RULE_ALLOW, "GET /api/v1/admin"));
	assert_null(cerbo_rule_warning(CERBO_RULE_DENY, NULL));
}

/* A rule naming a character the request parser refuses (KELVIN SIGN,
 * LIGATURE fi) is valid but can never match: said, for both kinds. */
static void
rule_with_a_folding_character_is_warned_of(void **state)
{
	static const char kelvin[] = "GET /api/v1/\xe2\x84\xaa"
	                             "eys/**";
	static const char fi[] = "GET /pro\xef\xac\x81le";
	const char *w;

	(void)state;
	assert_int_equal(cerbo_rule_validate(kelvin, NULL), 0);
	w = cerbo_rule_warning(CERBO_RULE_ALLOW, kelvin);
	assert_non_null(w);
	assert_non_null(strstr(w, "never matches"));
	assert_non_null(cerbo_rule_warning(CERBO_RULE_DENY, kelvin));
	assert_non_null(cerbo_rule_warning(CERBO_RULE_ALLOW, fi));
	assert_null(cerbo_rule_warning(CERBO_RULE_ALLOW, "GET /caf\xc3\xa9"));
	assert_null(cerbo_rule_warning(CERBO_RULE_DENY, "GET /caf\xc3\xa9/**"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_rules_are_accepted),
	    cmocka_unit_test(invalid_rules_are_refused_with_a_reason),
	    cmocka_unit_test(rule_of_rule_max_bytes_is_valid),
	    cmocka_unit_test(overlong_rule_is_refused),
	    cmocka_unit_test(decision_holds_a_rule_of_rule_max_bytes),
	    cmocka_unit_test(literal_paths_match_exactly),
	    cmocka_unit_test(decoded_space_is_matched_by_a_wildcard),
	    cmocka_unit_test(single_star_matches_exactly_one_non_empty_segment),
	    cmocka_unit_test(double_star_matches_zero_or_more_whole_segments),
	    cmocka_unit_test(trailing_slash_is_significant),
	    cmocka_unit_test(
	        method_must_match_exactly_and_head_does_not_follow_get),
	    cmocka_unit_test(many_double_stars_match_in_polynomial_time),
	    cmocka_unit_test(deny_rule_wins_over_allow),
	    cmocka_unit_test(deny_rule_covers_what_backends_route_alike),
	    cmocka_unit_test(deny_rule_literal_covers_a_format_suffix),
	    cmocka_unit_test(allow_rule_stays_exact),
	    cmocka_unit_test(deny_rule_without_double_star_is_warned_of),
	    cmocka_unit_test(rule_with_a_folding_character_is_warned_of),
	    cmocka_unit_test(allow_rule_allows_and_is_named),
	    cmocka_unit_test(no_matching_rule_is_default_deny),
	    cmocka_unit_test(profile_without_rules_refuses_everything),
	    cmocka_unit_test(null_profile_or_request_refuses),
	    cmocka_unit_test(
	        allows_everything_only_for_any_method_on_all_paths),
	    cmocka_unit_test(deny_cannot_be_bypassed_by_normalisation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
