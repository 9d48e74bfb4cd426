/*
 * test_verify_cost.c - what a server asks the library before a check:
 * the HTTP status of each verdict, and whether a check would run the slow
 * (argon2id) scheme.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

#define GEN CERBO_SECRET_GENERATED_SIZE
#define A2_SECRET "imported-Secret-1"

static struct {
	char dir[64];
	char path[128];
	char key[GEN];
	char h_key[CERBO_HASH_MAX];
	char h_a2[CERBO_HASH_MAX];
} C;

#define USER_FMT                                                               \
	"  %s:\n"                                                              \
	"    nickname: Test user\n"                                            \
	"    profile: all\n"                                                   \
	"    email: ops@example.com\n"                                         \
	"    description: A user of the tests\n"                               \
	"    secret: \"%s\"\n"                                                 \
	"    secret_set: 2029-12-30T00:00:00Z\n"                               \
	"    created: 2026-01-01T00:00:00Z\n"                                  \
	"    updated: 2029-12-30T00:00:00Z\n"                                  \
	"%s"

static int
group_setup(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char text[8192], old[512];
	size_t n;
	FILE *f;

	(void)state;
	snprintf(C.dir, sizeof(C.dir), "/tmp/cerbo-cost-XXXXXX");
	if (mkdtemp(C.dir) == NULL)
		return -1;
	snprintf(C.path, sizeof(C.path), "%s/apiusers.yaml", C.dir);
	if (cerbo_secret_generate(C.key, GEN) != 0 ||
	    cerbo_secret_hash(C.key, strlen(C.key), C.h_key, CERBO_HASH_MAX,
	        &err) != 0 ||
	    cerbo_secret_hash(A2_SECRET, strlen(A2_SECRET), C.h_a2,
	        CERBO_HASH_MAX, &err) != 0)
		return -1;
	n = (size_t)snprintf(text, sizeof(text),
	    "cerbo_store: 1\ngeneration: 1\nprofiles:\n  all:\n"
	    "    description: Everything\n    allow:\n      - \"* /**\"\n"
	    "users:\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, USER_FMT, "pk_fast",
	    C.h_key, "");
	n += (size_t)snprintf(text + n, sizeof(text) - n, USER_FMT, "pk_slow",
	    C.h_a2, "");
	/* A generated current key, an imported old one still valid. */
	snprintf(old, sizeof(old),
	    "    old_secret: \"%s\"\n"
	    "    old_secret_expires: 2099-12-31T00:00:00Z\n",
	    C.h_a2);
	n += (size_t)snprintf(text + n, sizeof(text) - n, USER_FMT, "pk_rot",
	    C.h_key, old);
	if (n >= sizeof(text))
		return -1;
	f = fopen(C.path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		return -1;
	return chmod(C.path, 0640);
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	cerbo__verify_cache_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", C.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
cost(const char *user, const char *secret, int *slow)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	a = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	a.store_path = C.path;
	a.username = user;
	a.secret = secret;
	a.secret_len = secret != NULL ? strlen(secret) : 0;
	*slow = -1;
	return cerbo_verify_cost(&a, slow, NULL, 0, &err);
}

static void
every_verdict_has_its_http_status(void **state)
{
	(void)state;
	assert_int_equal(cerbo_verdict_http_status(CERBO_ALLOW), 200);
	assert_int_equal(cerbo_verdict_http_status(CERBO_DENY_CREDENTIALS),
	    401);
	assert_int_equal(cerbo_verdict_http_status(CERBO_DENY_DISABLED), 401);
	assert_int_equal(cerbo_verdict_http_status(CERBO_DENY_EXPIRED), 401);
	assert_int_equal(cerbo_verdict_http_status(CERBO_DENY_ADDRESS), 401);
	assert_int_equal(cerbo_verdict_http_status(CERBO_DENY_FORBIDDEN), 403);
	assert_int_equal(cerbo_verdict_http_status(CERBO_DENY_REQUEST), 403);
	assert_int_equal(cerbo_verdict_http_status(CERBO_STORE_ERROR), 500);
	assert_int_equal(cerbo_verdict_http_status((enum cerbo_verdict_code)99),
	    500);
}

static void
generated_key_user_is_fast(void **state)
{
	int slow;

	(void)state;
	assert_int_equal(cost("pk_fast", "anything", &slow), 0);
	assert_int_equal(slow, 0);
}

static void
imported_key_user_is_slow(void **state)
{
	int slow;

	(void)state;
	assert_int_equal(cost("pk_slow", "wrong", &slow), 0);
	assert_int_equal(slow, 1);
}

static void
unknown_and_invalid_users_are_fast(void **state)
{
	int slow;

	(void)state;
	assert_int_equal(cost("pk_nobody", "x", &slow), 0);
	assert_int_equal(slow, 0);
	assert_int_equal(cost("not a name", "x", &slow), 0);
	assert_int_equal(slow, 0);
}

static void
imported_old_key_in_grace_is_slow(void **state)
{
	int slow;

	(void)state;
	assert_int_equal(cost("pk_rot", "wrong", &slow), 0);
	assert_int_equal(slow, 1);
}

/* cerbo_verify(flags) of user with secret, on GET /api/v1/x: its return. */
static int
verify_with(const char *user, const char *secret, unsigned flags,
    struct cerbo_verdict *v)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;

	a = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	a.store_path = C.path;
	a.username = user;
	a.secret = secret;
	a.secret_len = strlen(secret);
	a.request = "GET /api/v1/x";
	a.flags = flags;
	*v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	return cerbo_verify(&a, v);
}

static int
verify_fast_only(const char *user, const char *secret, struct cerbo_verdict *v)
{
	return verify_with(user, secret, CERBO_VERIFY_FAST_ONLY, v);
}

static void
remembered_argon2id_success_is_fast(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int slow;

	(void)state;
	assert_int_equal(verify_with("pk_slow", A2_SECRET, 0, &v), 0);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(cost("pk_slow", A2_SECRET, &slow), 0);
	assert_int_equal(slow, 0);
	/* Another secret for the same user still costs argon2id. */
	assert_int_equal(cost("pk_slow", "imported-Secret-2", &slow), 0);
	assert_int_equal(slow, 1);
}

static void
fast_only_decides_fast_checks(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	assert_int_equal(verify_fast_only("pk_fast", C.key, &v), 0);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(verify_fast_only("pk_fast", "wrong", &v), 0);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_string_equal(v.reason, "wrong secret for user pk_fast");
	assert_int_equal(verify_fast_only("pk_nobody", "wrong", &v), 0);
	assert_string_equal(v.reason, "unknown user pk_nobody");
}

static void
fast_only_defers_argon2id_and_refuses_meanwhile(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	cerbo__verify_cache_clear(); /* forget earlier tests' successes */
	/* Deferred, never decided: a caller that ignored the return
	 * would still refuse. */
	assert_int_equal(verify_fast_only("pk_slow", A2_SECRET, &v),
	    CERBO_VERIFY_DEFERRED);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_int_equal(v.key, CERBO_KEY_NONE);
	assert_int_equal(verify_fast_only("pk_rot", "wrong", &v),
	    CERBO_VERIFY_DEFERRED);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	/* Without the flag the same check is decided, and its success is
	 * remembered: the next fast-only call decides it at once. */
	assert_int_equal(verify_with("pk_slow", A2_SECRET, 0, &v), 0);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(verify_fast_only("pk_slow", A2_SECRET, &v), 0);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(verify_fast_only("pk_slow", "imported-Secret-2", &v),
	    CERBO_VERIFY_DEFERRED);
}

static void
unusable_store_is_an_error(void **state)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char path[160];
	int slow;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.yaml", C.dir);
	a = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	a.store_path = path;
	a.username = "pk_fast";
	assert_int_equal(cerbo_verify_cost(&a, &slow, NULL, 0, &err), -1);
	assert_int_equal(err.status, CERBO_E_NOTFOUND);
	assert_int_equal(cerbo_verify_cost(NULL, &slow, NULL, 0, &err), -1);
	assert_int_equal(cerbo_verify_cost(&a, NULL, NULL, 0, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_verdict_has_its_http_status),
	    cmocka_unit_test(generated_key_user_is_fast),
	    cmocka_unit_test(imported_key_user_is_slow),
	    cmocka_unit_test(unknown_and_invalid_users_are_fast),
	    cmocka_unit_test(imported_old_key_in_grace_is_slow),
	    cmocka_unit_test(remembered_argon2id_success_is_fast),
	    cmocka_unit_test(fast_only_decides_fast_checks),
	    cmocka_unit_test(fast_only_defers_argon2id_and_refuses_meanwhile),
	    cmocka_unit_test(unusable_store_is_an_error),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
