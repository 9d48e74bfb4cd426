/*
 * test_log_verdict.c - the log lines of a check (cerbo_log_verdict): the
 * line and priority of every verdict code, of a front end's own refusal,
 * how a request is quoted, and which lines are limited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cerbo.h"
#include "internal.h"

#define LINES_MAX 8

/* What a writer was handed. */
struct written {
	size_t n;
	int priority[LINES_MAX];
	char line[LINES_MAX][CERBO_LOG_LINE_MAX];
};

static void
keep(void *ctx, int priority, const char *line)
{
	struct written *w = ctx;

	assert_true(w->n < LINES_MAX);
	assert_true(strlen(line) < CERBO_LOG_LINE_MAX);
	w->priority[w->n] = priority;
	(void)snprintf(w->line[w->n], sizeof(w->line[w->n]), "%s", line);
	w->n++;
}

/* The lines of one verdict of code with reason, as cerbo-authd logs. */
static void
log_code(enum cerbo_verdict_code code, const char *reason, unsigned flags,
    struct written *w)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	v.code = code;
	v.username_valid = 1;
	(void)snprintf(v.reason, sizeof(v.reason), "%s", reason);
	la.flags = flags;
	la.status = cerbo_verdict_http_status(code);
	la.rhost = "192.0.2.7";
	la.username = "pk_sync";
	la.request = "GET /api/v1/x";
	la.verdict = &v;
	memset(w, 0, sizeof(*w));
	assert_int_equal(cerbo_log_verdict(&la, keep, w), 0);
}

static void
every_refusing_code_gives_one_notice_line_with_status_address_and_request(
    void **state)
{
	static const struct {
		enum cerbo_verdict_code code;
		const char *reason;
		const char *line;
	} cases[] = {
	    {CERBO_DENY_CREDENTIALS, "wrong secret for user pk_sync",
	        "refused (401) from 192.0.2.7: wrong secret for user pk_sync; "
	        "request \"GET /api/v1/x\""},
	    {CERBO_DENY_DISABLED, "user pk_sync is disabled",
	        "refused (401) from 192.0.2.7: user pk_sync is disabled; "
	        "request \"GET /api/v1/x\""},
	    {CERBO_DENY_EXPIRED, "user pk_sync expired at 2020-01-01T00:00:00Z",
	        "refused (401) from 192.0.2.7: user pk_sync expired at "
	        "2020-01-01T00:00:00Z; request \"GET /api/v1/x\""},
	    {CERBO_DENY_ADDRESS,
	        "client address 192.0.2.7 is not in allow_from of user pk_sync",
	        "refused (401) from 192.0.2.7: client address 192.0.2.7 is not "
	        "in allow_from of user pk_sync; request \"GET /api/v1/x\""},
	    {CERBO_DENY_REQUEST,
	        "request refused: dot segment (. or ..) in path (user pk_sync)",
	        "refused (403) from 192.0.2.7: request refused: dot segment "
	        "(. or ..) in path (user pk_sync); request \"GET /api/v1/x\""},
	};
	struct written w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_code(cases[i].code, cases[i].reason, 0, &w);
		assert_int_equal(w.n, 1);
		assert_int_equal(w.priority[0], LOG_NOTICE);
		assert_string_equal(w.line[0], cases[i].line);
	}
}

static void
a_forbidden_request_is_told_by_profile_and_rule_and_in_its_quotes(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct written w;

	(void)state;
	memset(&w, 0, sizeof(w));
	v.code = CERBO_DENY_FORBIDDEN;
	v.username_valid = 1;
	snprintf(v.profile, sizeof(v.profile), "scheduling");
	/* The verifier's reason holds the decoded path bare: not used. */
	snprintf(v.reason, sizeof(v.reason),
	    "user pk_sync forbidden by profile scheduling: no allow rule "
	    "matches GET /a: allowed by profile admin");
	la.status = 403;
	la.rhost = "192.0.2.7";
	la.username = "pk_sync";
	la.request = "GET /a%3A%20allowed%20by%20profile%20admin";
	la.verdict = &v;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.priority[0], LOG_NOTICE);
	assert_string_equal(w.line[0],
	    "refused (403) from 192.0.2.7: user pk_sync forbidden by profile "
	    "scheduling: no allow rule matches; request "
	    "\"GET /a%3A%20allowed%20by%20profile%20admin\"");

	memset(&w, 0, sizeof(w));
	v.rule_matched = 1;
	v.rule_kind = CERBO_RULE_DENY;
	snprintf(v.rule, sizeof(v.rule), "DELETE /**");
	v.key = CERBO_KEY_OLD;
	la.request = "DELETE /api/v1/appointments/4";
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.line[0],
	    "refused (403) from 192.0.2.7: user pk_sync forbidden by profile "
	    "scheduling: deny rule DELETE /** (old key); request "
	    "\"DELETE /api/v1/appointments/4\"");
}

static void
a_store_error_is_an_error_line_limited_per_text(void **state)
{
	char reason[128], want[CERBO_LOG_LINE_MAX];
	struct written w;

	(void)state;
	(void)snprintf(reason, sizeof(reason),
	    "store error: /s/apiusers.yaml: cannot open: test %d",
	    (int)getpid());
	(void)snprintf(want, sizeof(want),
	    "cannot use the store (reading as uid %u), refusing everyone: %s",
	    (unsigned)geteuid(), reason);
	log_code(CERBO_STORE_ERROR, reason, 0, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.priority[0], LOG_ERR);
	assert_string_equal(w.line[0], want);
	log_code(CERBO_STORE_ERROR, reason, 0, &w);
	assert_int_equal(w.n, 0); /* the same line again: held back */
}

static void
an_allowed_check_is_logged_only_when_asked(void **state)
{
	struct written w;

	(void)state;
	log_code(CERBO_ALLOW,
	    "user pk_sync allowed by profile scheduling: allow rule GET /api/**",
	    0, &w);
	assert_int_equal(w.n, 0);
	log_code(CERBO_ALLOW,
	    "user pk_sync allowed by profile scheduling: allow rule GET /api/**",
	    CERBO_LOG_SUCCESS, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.priority[0], LOG_INFO);
	assert_string_equal(w.line[0],
	    "allowed from 192.0.2.7: user pk_sync allowed by profile "
	    "scheduling: allow rule GET /api/**; request \"GET /api/v1/x\"");
}

static void
an_old_key_is_noticed_once_per_interval_per_user(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct written w;

	(void)state;
	memset(&w, 0, sizeof(w));
	v.code = CERBO_ALLOW;
	v.key = CERBO_KEY_OLD;
	v.username_valid = 1;
	la.prefix = "auth";
	la.username = "pk_oldkeytest";
	la.verdict = &v;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.priority[0], LOG_NOTICE);
	assert_string_equal(w.line[0],
	    "auth: pk_oldkeytest authenticated with its old key: the client "
	    "should switch to the new key before the grace period ends");
}

static void
a_notice_comes_first_with_the_store_path(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct written w;

	(void)state;
	memset(&w, 0, sizeof(w));
	v.code = CERBO_DENY_CREDENTIALS;
	snprintf(v.reason, sizeof(v.reason), "unknown user pk_nobody");
	snprintf(v.notice, sizeof(v.notice),
	    "store generation went back from 2 to 1");
	la.prefix = "auth";
	la.store_path = "/s/apiusers.yaml";
	la.verdict = &v;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.priority[0], LOG_WARNING);
	assert_string_equal(w.line[0],
	    "store generation went back from 2 to 1 (store /s/apiusers.yaml)");
	assert_int_equal(w.priority[1], LOG_NOTICE);
	assert_string_equal(w.line[1],
	    "auth: refused from unknown address: unknown user pk_nobody");

	/* Deferred: the notice alone; a refused call: an error line. */
	memset(&w, 0, sizeof(w));
	la.verify_rc = CERBO_VERIFY_DEFERRED;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.priority[0], LOG_WARNING);
	memset(&w, 0, sizeof(w));
	v.notice[0] = '\0';
	la.verify_rc = -1;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.priority[0], LOG_ERR);
	assert_string_equal(w.line[0],
	    "auth: refused from unknown address: the verifier refused its "
	    "arguments");
}

static void
the_debug_line_comes_with_its_flag(void **state)
{
	struct written w;

	(void)state;
	log_code(CERBO_DENY_DISABLED, "user pk_sync is disabled",
	    CERBO_LOG_DEBUG, &w);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.priority[0], LOG_DEBUG);
	assert_string_equal(w.line[0],
	    "check of user pk_sync from 192.0.2.7, store " CERBO_STORE_DEFAULT
	    "; request \"GET /api/v1/x\": verdict deny_disabled, key none: "
	    "user pk_sync is disabled");
	assert_int_equal(w.priority[1], LOG_NOTICE);
}

/* What a client sent cannot close the quotes or start a line. */
static void
the_request_is_quoted_escaped_cut_and_without_its_query(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	char request[600];
	struct written w;

	(void)state;
	memset(&w, 0, sizeof(w));
	la.refusal = "a test refusal";
	la.request =
	    "GET /a\"; allowed from 10.0.0.1\\\r\nx\xc3\xa9?token=s3cr3t";
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	la.request = NULL;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	memset(request, 'a', sizeof(request));
	memcpy(request, "GET /", 5);
	request[sizeof(request) - 1] = '\0';
	la.request = request;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.line[0],
	    "refused from unknown address: a test refusal; request "
	    "\"GET /a\\\"; allowed from 10.0.0.1\\\\??x??\"");
	assert_string_equal(w.line[1],
	    "refused from unknown address: a test refusal");
	assert_int_equal(strlen(strchr(w.line[2], '"')),
	    1 + 256 + strlen("\" (cut)"));
	assert_string_equal(w.line[2] + strlen(w.line[2]) - 7, "\" (cut)");
}

/* A line with no room for the whole request still closes its quotes. */
static void
a_request_without_room_is_cut_inside_closed_quotes(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	char refusal[900], request[200];
	struct written w;
	size_t n;

	(void)state;
	memset(&w, 0, sizeof(w));
	memset(refusal, 'r', sizeof(refusal));
	refusal[sizeof(refusal) - 1] = '\0';
	memset(request, '"', sizeof(request));
	memcpy(request, "GET /", 5);
	request[sizeof(request) - 1] = '\0';
	la.refusal = refusal;
	la.request = request;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 1);
	n = strlen(w.line[0]);
	assert_true(n < CERBO_LOG_LINE_MAX);
	assert_string_equal(w.line[0] + n - 7, "\" (cut)");
	assert_non_null(strstr(w.line[0], "; request \"GET /\\\""));
	/* An escaped quote is never split from its backslash. */
	assert_int_equal(w.line[0][n - 8], '"');
	assert_int_equal(w.line[0][n - 9], '\\');
}

static void
a_front_end_refusal_names_a_valid_user_only(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	struct written w;

	(void)state;
	memset(&w, 0, sizeof(w));
	la.prefix = "auth";
	la.rhost = "attacker.example";
	la.username = "pk_alice";
	la.refusal = "no secret (Conversation error)";
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	la.username = "cerbo_sk_typed_as_the_username";
	la.status = 429;
	la.priority = LOG_WARNING;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.priority[0], LOG_NOTICE);
	assert_string_equal(w.line[0],
	    "auth: refused from (not shown): no secret (Conversation error) "
	    "(user pk_alice)");
	assert_int_equal(w.priority[1], LOG_WARNING);
	assert_string_equal(w.line[1],
	    "auth: refused (429) from (not shown): no secret (Conversation "
	    "error) (user (invalid username))");
}

/* A flood of one refusal from many addresses: one line per interval. */
static void
refusals_are_limited_per_reason_when_asked(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	const char *key = "refused (401): limit test reason";
	struct timespec ts;
	struct written w;

	(void)state;
	memset(&w, 0, sizeof(w));
	la.status = 401;
	la.refusal = "limit test reason";
	la.rhost = "192.0.2.1";
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 1); /* not limited without the flag */
	la.flags = CERBO_LOG_LIMIT_REFUSALS;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	la.rhost = "192.0.2.2";
	la.request = "GET /other";
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.line[1],
	    "refused (401) from 192.0.2.1: limit test reason");
	la.refusal = "another limit test reason";
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 3);

	/* The interval over, the next line says how many were held. */
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	(void)cerbo__log_repeat_allowed_at(key,
	    (int64_t)ts.tv_sec - CERBO_LOG_REPEAT_INTERVAL, NULL);
	(void)cerbo__log_repeat_allowed_at(key,
	    (int64_t)ts.tv_sec - CERBO_LOG_REPEAT_INTERVAL, NULL);
	la.refusal = "limit test reason";
	la.request = NULL;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.line[3],
	    "refused (401) from 192.0.2.2: limit test reason "
	    "(1 refusals with this reason suppressed)");
}

static void
misuse_writes_nothing(void **state)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	struct cerbo_log_args small = CERBO_LOG_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct written w;

	(void)state;
	memset(&w, 0, sizeof(w));
	la.refusal = "x";
	assert_int_equal(cerbo_log_verdict(NULL, keep, &w), -1);
	assert_int_equal(cerbo_log_verdict(&la, NULL, &w), -1);
	small.size = offsetof(struct cerbo_log_args, priority);
	small.refusal = "x";
	assert_int_equal(cerbo_log_verdict(&small, keep, &w), -1);
	la.flags = 0x80;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), -1);
	la.flags = 0;
	la.refusal = NULL;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), -1);
	v.size = 8; /* a verdict declared without its initialiser */
	la.verdict = &v;
	assert_int_equal(cerbo_log_verdict(&la, keep, &w), -1);
	assert_int_equal(w.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
	        every_refusing_code_gives_one_notice_line_with_status_address_and_request),
	    cmocka_unit_test(
	        a_forbidden_request_is_told_by_profile_and_rule_and_in_its_quotes),
	    cmocka_unit_test(a_store_error_is_an_error_line_limited_per_text),
	    cmocka_unit_test(an_allowed_check_is_logged_only_when_asked),
	    cmocka_unit_test(an_old_key_is_noticed_once_per_interval_per_user),
	    cmocka_unit_test(a_notice_comes_first_with_the_store_path),
	    cmocka_unit_test(the_debug_line_comes_with_its_flag),
	    cmocka_unit_test(
	        the_request_is_quoted_escaped_cut_and_without_its_query),
	    cmocka_unit_test(
	        a_request_without_room_is_cut_inside_closed_quotes),
	    cmocka_unit_test(a_front_end_refusal_names_a_valid_user_only),
	    cmocka_unit_test(refusals_are_limited_per_reason_when_asked),
	    cmocka_unit_test(misuse_writes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
