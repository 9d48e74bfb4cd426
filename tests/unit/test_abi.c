/*
 * test_abi.c - the size rule of the structs a caller allocates (cerbo.h):
 * the library refuses a size below version 1, writes no byte past the
 * caller's size, gives fields a caller's version lacks their defaults, and
 * treats an error struct without its size as NULL.  Also: reading a store
 * never reorders it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cerbo.h"
#include "internal.h"
#include "storeutil.h"

#define SENTINEL 0xa5

static char dir[] = "/tmp/cerbo-abi.XXXXXX";
static char path[4096];

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/apiusers.yaml", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(STORE_HEAD, f);
	return fclose(f);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

/* How many of buf[from, to) still hold the sentinel. */
static size_t
untouched(const unsigned char *buf, size_t from, size_t to)
{
	size_t i, n = 0;

	for (i = from; i < to; i++)
		n += buf[i] == SENTINEL;
	return n;
}

static void
fill_args(struct cerbo_verify_args *a)
{
	a->store_path = path;
	a->username = "pk_a";
	a->request = "GET /a";
}

/* A struct of this version works: the verdict is whole. */
static void
verdict_of_this_version(void **state)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	fill_args(&a);
	assert_int_equal(cerbo__verify_untrusted(&a, &v), 0);
	assert_int_equal(v.size, sizeof(v));
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.rule_matched, 1);
	assert_string_equal(v.rule, "GET /a");
	assert_string_equal(v.profile, "p");
}

/*
 * A caller whose verdict is larger (built against a later cerbo.h with a
 * field added at the end): the library writes its own fields and not one
 * byte past them, and leaves the caller's size as it was.
 */
static void
verdict_of_a_later_caller_keeps_its_tail(void **state)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	size_t later = sizeof(struct cerbo_verdict) + 64;
	unsigned char *buf = malloc(later);
	struct cerbo_verdict *v = (struct cerbo_verdict *)(void *)buf;

	(void)state;
	assert_non_null(buf);
	memset(buf, SENTINEL, later);
	v->size = later;
	fill_args(&a);
	assert_int_equal(cerbo__verify_untrusted(&a, v), 0);
	assert_int_equal(v->size, later);
	assert_int_equal(v->code, CERBO_ALLOW);
	assert_string_equal(v->rule, "GET /a");
	assert_int_equal(untouched(buf, sizeof(struct cerbo_verdict), later),
	    64);
	free(buf);
}

/*
 * The smallest size accepted ends with version 1's last field; every byte
 * from there to sizeof (padding) keeps what the caller put there.
 */
static void
verdict_of_version_1_size_is_written_up_to_it(void **state)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	unsigned char buf[sizeof(struct cerbo_verdict)];
	struct cerbo_verdict *v = (struct cerbo_verdict *)(void *)buf;
	size_t v1 = CERBO__VERDICT_V1;

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	v->size = v1;
	fill_args(&a);
	assert_int_equal(cerbo__verify_untrusted(&a, v), 0);
	assert_int_equal(v->code, CERBO_ALLOW);
	assert_int_equal(untouched(buf, v1, sizeof(buf)), sizeof(buf) - v1);
}

/*
 * A verdict whose size ends before notice (the last field of version 1)
 * is refused, as is size 0: cerbo_verify() returns -1 and writes nothing,
 * so the bytes past size (notice) keep the caller's sentinel.
 */
static void
verdict_below_version_1_is_refused_untouched(void **state)
{
	static const size_t sizes[] = {0, 1, sizeof(size_t),
	    offsetof(struct cerbo_verdict, notice), CERBO__VERDICT_V1 - 1};
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	unsigned char buf[sizeof(struct cerbo_verdict)];
	struct cerbo_verdict *v = (struct cerbo_verdict *)(void *)buf;
	size_t i;

	(void)state;
	fill_args(&a);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(buf, SENTINEL, sizeof(buf));
		v->size = sizes[i];
		assert_int_equal(cerbo__verify_untrusted(&a, v), -1);
		assert_int_equal(v->size, sizes[i]);
		assert_int_equal(untouched(buf, sizeof(size_t), sizeof(buf)),
		    sizeof(buf) - sizeof(size_t));
	}
	assert_int_equal(cerbo__verify_untrusted(&a, NULL), -1);
}

/* Arguments without their size: refused, and the verdict says why. */
static void
args_below_version_1_are_refused(void **state)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	fill_args(&a);
	a.size = 0;
	assert_int_equal(cerbo__verify_untrusted(&a, &v), -1);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_non_null(strstr(v.reason, "CERBO_VERIFY_ARGS_INIT"));
	a.size = CERBO__VERIFY_ARGS_V1 - 1;
	assert_int_equal(cerbo__verify_untrusted(&a, &v), -1);
}

/*
 * An error struct without its size is treated as NULL: the call still
 * fails (its return value tells), nothing is written into it, and
 * cerbo_error_format() names the mistake instead of printing garbage.
 */
static void
error_without_size_is_not_written(void **state)
{
	unsigned char buf[sizeof(struct cerbo_error)];
	struct cerbo_error *err = (struct cerbo_error *)(void *)buf;
	struct cerbo_request req = CERBO_REQUEST_INIT;
	char text[256];

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	err->size = 0;
	assert_int_equal(cerbo_request_parse("GET /a/../b", &req, err), -1);
	assert_int_equal(untouched(buf, sizeof(size_t), sizeof(buf)),
	    sizeof(buf) - sizeof(size_t));
	assert_non_null(strstr(cerbo_error_format(err, text, sizeof(text)),
	    "CERBO_ERROR_INIT"));
	err->size = CERBO__ERROR_V1 - 1;
	assert_int_equal(cerbo_store_load("/nonexistent/x.yaml", 0,
	                     &(struct cerbo_store *){NULL}, err),
	    -1);
	assert_int_equal(untouched(buf, sizeof(size_t), sizeof(buf)),
	    sizeof(buf) - sizeof(size_t));
}

/* A request and a decision without their size: refused, untouched. */
static void
request_and_decision_without_size_are_refused(void **state)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_request bad = {0}; /* abi-init: unset on purpose */
	struct cerbo_decision d = CERBO_DECISION_INIT;
	struct cerbo_decision dbad = {0}; /* abi-init: unset on purpose */
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_basic b = {0}; /* abi-init: unset on purpose */
	struct cerbo_store *s = NULL;

	(void)state;
	assert_int_equal(cerbo_request_parse("GET /a", &bad, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_string_equal(bad.path, "");
	assert_int_equal(cerbo_basic_parse("Basic cGtfYTp4", &b, &err), -1);
	assert_int_equal(b.secret_len, 0);
	assert_int_equal(cerbo_store_load(path, CERBO_LOAD_NO_TRUST, &s, &err),
	    0);
	assert_int_equal(cerbo_request_parse("GET /a", &req, &err), 0);
	assert_int_equal(cerbo_profile_decide(cerbo_store_profile_find(s, "p"),
	                     &req, &dbad),
	    -1);
	assert_string_equal(dbad.rule, "");
	assert_int_equal(cerbo_profile_decide(cerbo_store_profile_find(s, "p"),
	                     &bad, &d),
	    -1);
	assert_int_equal(cerbo_profile_decide(cerbo_store_profile_find(s, "p"),
	                     &req, &d),
	    0);
	assert_int_equal(d.allowed, 1);
	cerbo_store_free(s);
}

/* Options and a user spec without their size: refused, nothing done. */
static void
options_and_spec_below_version_1_are_refused(void **state)
{
	struct cerbo_txn_options o = {0};  /* abi-init: unset on purpose */
	struct cerbo_user_spec spec = {0}; /* abi-init: unset on purpose */
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *s = cerbo__store_new();

	(void)state;
	assert_int_equal(cerbo_txn_begin(path, &o, &txn, &err), -1);
	assert_null(txn);
	assert_non_null(strstr(err.message, "CERBO_TXN_OPTIONS_INIT"));
	assert_int_equal(cerbo_store_compile(path, &o, &err), -1);
	assert_int_equal(cerbo_profile_add(s, "p", NULL, &err), 0);
	spec.username = "pk_b";
	spec.nickname = "B";
	spec.profile = "p";
	spec.email = "b@example.com";
	spec.description = "D";
	spec.secret_hash = HASH_A;
	assert_int_equal(cerbo_user_add(s, &spec, 1767225600, &err), -1);
	assert_non_null(strstr(err.message, "CERBO_USER_SPEC_INIT"));
	spec.size = sizeof(spec);
	assert_int_equal(cerbo_user_add(s, &spec, 1767225600, &err), 0);
	cerbo_store_free(s);
}

/*
 * The copying itself, with a struct that grew: version 1 of "thing" and
 * version 2, one field longer.  A version-1 caller's struct gets the
 * later field's default on the way in, and nothing past its size on the
 * way out; a version-2 caller gets it all.
 */
struct thing_v1 {
	size_t size;
	int a;
	char text[12];
};
struct thing_v2 {
	size_t size;
	int a;
	char text[12];
	int added;
};

static void
older_caller_gets_defaults_no_write_past_size(void **state)
{
	unsigned char buf[sizeof(struct thing_v2) + 16];
	struct thing_v1 *old = (struct thing_v1 *)(void *)buf;
	struct thing_v2 local;

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	old->size = sizeof(*old);
	old->a = 7;
	memcpy(old->text, "hello", 6);
	assert_int_equal(cerbo__abi_in(&local, sizeof(local), old,
	                     sizeof(struct thing_v1)),
	    0);
	assert_int_equal(local.size, sizeof(local));
	assert_int_equal(local.a, 7);
	assert_string_equal(local.text, "hello");
	assert_int_equal(local.added, 0); /* the default, not the sentinel */
	local.a = 8;
	local.added = 99;
	cerbo__abi_out(old, &local, sizeof(local));
	assert_int_equal(old->size, sizeof(*old));
	assert_int_equal(old->a, 8);
	assert_int_equal(untouched(buf, sizeof(*old), sizeof(buf)),
	    sizeof(buf) - sizeof(*old));
	old->size = sizeof(*old) - 1;
	assert_int_equal(cerbo__abi_in(&local, sizeof(local), old,
	                     sizeof(struct thing_v1)),
	    -1);
	old->size = sizeof(*old);
	cerbo__abi_wipe(old, sizeof(local));
	assert_int_equal(old->size, sizeof(*old));
	assert_int_equal(old->a, 0);
	assert_int_equal(untouched(buf, sizeof(*old), sizeof(buf)),
	    sizeof(buf) - sizeof(*old));
}

/* Adding and removing users leaves the store in order at once, so the
 * const getters have nothing to tidy: reading never changes it. */
static void
changes_leave_the_store_tidy(void **state)
{
	static const char *names[] = {"pk_d", "pk_b", "pk_c", "pk_a"};
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_store *s = cerbo__store_new();
	size_t i;

	(void)state;
	assert_int_equal(cerbo_profile_add(s, "p", NULL, &err), 0);
	spec.nickname = "N";
	spec.profile = "p";
	spec.email = "n@example.com";
	spec.description = "D";
	spec.secret_hash = HASH_A;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		spec.username = names[i];
		assert_int_equal(cerbo_user_add(s, &spec, 1767225600, &err), 0);
		assert_int_equal(s->nsorted, s->nslots);
		assert_false(s->holes);
	}
	assert_int_equal(cerbo_user_remove(s, "pk_b", &err), 0);
	assert_int_equal(s->nsorted, s->nslots);
	assert_false(s->holes);
	assert_int_equal(cerbo_store_user_count(s), 3);
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(s, 0)), "pk_a");
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(s, 1)), "pk_c");
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(s, 2)), "pk_d");
	cerbo_store_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(verdict_of_this_version),
	    cmocka_unit_test(verdict_of_a_later_caller_keeps_its_tail),
	    cmocka_unit_test(verdict_of_version_1_size_is_written_up_to_it),
	    cmocka_unit_test(verdict_below_version_1_is_refused_untouched),
	    cmocka_unit_test(args_below_version_1_are_refused),
	    cmocka_unit_test(error_without_size_is_not_written),
	    cmocka_unit_test(request_and_decision_without_size_are_refused),
	    cmocka_unit_test(options_and_spec_below_version_1_are_refused),
	    cmocka_unit_test(older_caller_gets_defaults_no_write_past_size),
	    cmocka_unit_test(changes_leave_the_store_tidy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
