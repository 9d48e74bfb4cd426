/*
 * test_verify.c - the shared verifier, end to end on store files: every
 * verdict, key rotation, the store cache and its re-validation.
 *
 * Stores are written as YAML text, mode 0640, in a 0700 folder under /tmp
 * (root-owned and sticky, so trusted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "verify_threads.h"

#define GEN CERBO_SECRET_GENERATED_SIZE
#define A2_SECRET "imported-Secret-1"

static struct {
	char dir[64];
	char path[128];
	char key[GEN];    /* current key of most users */
	char newkey[GEN]; /* pk_rot's current key */
	char oldkey[GEN]; /* pk_rot's old key, in its grace period */
	char other[GEN];  /* nobody's key */
	char h_key[CERBO_HASH_MAX];
	char h_newkey[CERBO_HASH_MAX];
	char h_oldkey[CERBO_HASH_MAX];
	char h_a2[CERBO_HASH_MAX];
	int64_t now; /* 2029-12-30T12:00:00Z */
} C;

#define STORE_FMT                                                              \
	"cerbo_store: 1\n"                                                     \
	"generation: 3\n"                                                      \
	"profiles:\n"                                                          \
	"  all:\n"                                                             \
	"    description: Everything\n"                                        \
	"    allow:\n"                                                         \
	"      - \"* /**\"\n"                                                  \
	"  sched:\n"                                                           \
	"    description: Scheduling integration\n"                            \
	"    allow:\n"                                                         \
	"      - GET /api/v1/appointments/**\n"                                \
	"      - POST /api/v1/appointments\n"                                  \
	"    deny:\n"                                                          \
	"      - DELETE /**\n"                                                 \
	"users:\n"                                                             \
	"%s"

#define USER_FMT                                                               \
	"  %s:\n"                                                              \
	"    nickname: Test user\n"                                            \
	"    profile: %s\n"                                                    \
	"    email: ops@example.com\n"                                         \
	"    description: A user of the tests\n"                               \
	"    secret: \"%s\"\n"                                                 \
	"    secret_set: 2029-12-30T00:00:00Z\n"                               \
	"    created: 2026-01-01T00:00:00Z\n"                                  \
	"    updated: 2029-12-30T00:00:00Z\n"                                  \
	"%s"

static void
add_user(char *buf, size_t size, const char *name, const char *profile,
    const char *hash, const char *extra)
{
	size_t n = strlen(buf);
	int r =
	    snprintf(buf + n, size - n, USER_FMT, name, profile, hash, extra);

	assert_true(r > 0 && (size_t)r < size - n);
}

/* The text of the main test store. */
static char *
main_store_text(const char *alice_hash)
{
	static char users[16384], text[20000];
	char extra[512];

	users[0] = '\0';
	add_user(users, sizeof(users), "pk_admin", "all", C.h_key, "");
	add_user(users, sizeof(users), "pk_alice", "sched", alice_hash, "");
	add_user(users, sizeof(users), "pk_argon", "sched", C.h_a2, "");
	add_user(users, sizeof(users), "pk_disabled", "sched", C.h_key,
	    "    disabled: true\n");
	add_user(users, sizeof(users), "pk_expired", "sched", C.h_key,
	    "    expires: 2029-01-01T00:00:00Z\n");
	add_user(users, sizeof(users), "pk_future", "sched", C.h_key,
	    "    expires: 2031-01-01T00:00:00Z\n");
	add_user(users, sizeof(users), "pk_net4", "sched", C.h_key,
	    "    allow_from:\n      - 192.0.2.0/24\n");
	add_user(users, sizeof(users), "pk_net6", "sched", C.h_key,
	    "    allow_from:\n      - \"2001:db8::/32\"\n");
	snprintf(extra, sizeof(extra),
	    "    old_secret: \"%s\"\n"
	    "    old_secret_expires: 2029-12-31T00:00:00Z\n",
	    C.h_oldkey);
	add_user(users, sizeof(users), "pk_rot", "sched", C.h_newkey, extra);
	assert_true(snprintf(text, sizeof(text), STORE_FMT, users) > 0);
	return text;
}

/* Replace path by a file holding text (written beside it, renamed over:
 * a new inode, as the tools do). */
static void
write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[256];
	int fd;
	size_t len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void
path_in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", C.dir, name);
}

static int
group_setup(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	snprintf(C.dir, sizeof(C.dir), "/tmp/cerbo-verify-XXXXXX");
	if (mkdtemp(C.dir) == NULL)
		return -1;
	path_in_dir(C.path, sizeof(C.path), "apiusers.yaml");
	if (cerbo_secret_generate(C.key, GEN) != 0 ||
	    cerbo_secret_generate(C.newkey, GEN) != 0 ||
	    cerbo_secret_generate(C.oldkey, GEN) != 0 ||
	    cerbo_secret_generate(C.other, GEN) != 0)
		return -1;
	if (cerbo_secret_hash(C.key, strlen(C.key), C.h_key, CERBO_HASH_MAX,
	        &err) != 0 ||
	    cerbo_secret_hash(C.newkey, strlen(C.newkey), C.h_newkey,
	        CERBO_HASH_MAX, &err) != 0 ||
	    cerbo_secret_hash(C.oldkey, strlen(C.oldkey), C.h_oldkey,
	        CERBO_HASH_MAX, &err) != 0 ||
	    cerbo_secret_hash(A2_SECRET, strlen(A2_SECRET), C.h_a2,
	        CERBO_HASH_MAX, &err) != 0)
		return -1;
	if (cerbo__time_parse("2029-12-30T12:00:00Z", &C.now, &err) != 0)
		return -1;
	write_file(C.path, main_store_text(C.h_key), 0640);
	return 0;
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

/* ---- helpers ----------------------------------------------------------- */

static void
run(const char *path, const char *user, const char *secret, const char *request,
    const char *rhost, int64_t now, struct cerbo_verdict *v)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;

	a.store_path = path;
	a.username = user;
	a.secret = secret;
	a.secret_len = secret != NULL ? strlen(secret) : 0;
	a.request = request;
	a.rhost = rhost;
	a.now = (time_t)now;
	assert_int_equal(cerbo_verify(&a, v), 0);
	print_message("# %s: %s\n", cerbo_verdict_name(v->code), v->reason);
}

/* Verify against the main store at C.now. */
static void
verify(const char *user, const char *secret, const char *request,
    const char *rhost, struct cerbo_verdict *v)
{
	run(C.path, user, secret, request, rhost, C.now, v);
}

static void
assert_reason_has(const struct cerbo_verdict *v, const char *text)
{
	if (strstr(v->reason, text) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", v->reason, text);
}

static void
assert_reason_clean(const struct cerbo_verdict *v)
{
	const char *secrets[] = {C.key, C.newkey, C.oldkey, C.other, A2_SECRET,
	    "$cerbo-b2b$", "$argon2id$"};
	size_t i;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(v->reason, secrets[i]) != NULL)
			fail_msg("reason \"%s\" holds a secret or hash",
			    v->reason);
}

#define GET_APPT "GET /api/v1/appointments/7 HTTP/1.1"

/* ---- verdicts ---------------------------------------------------------- */

static void
right_key_and_allowed_request_is_allowed(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.key, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_CURRENT);
	assert_int_equal(v.username_valid, 1);
	assert_int_equal(v.rule_matched, 1);
	assert_string_equal(v.rule, "GET /api/v1/appointments/**");
	assert_string_equal(v.profile, "sched");
	assert_reason_has(&v, "allowed by profile sched");
	assert_reason_clean(&v);
}

static void
right_key_without_request_is_allowed(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.key, NULL, NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_CURRENT);
}

static void
unknown_user_is_bad_credentials(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_nobody", C.key, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_int_equal(v.key, CERBO_KEY_NONE);
	assert_int_equal(v.username_valid, 1);
	assert_reason_has(&v, "unknown user pk_nobody");
	assert_reason_clean(&v);
}

static void
invalid_username_is_not_named_in_the_reason(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("root\n; rm -rf", C.key, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_int_equal(v.username_valid, 0);
	assert_reason_has(&v, "unknown user");
	assert_null(strstr(v.reason, "root"));
}

static void
wrong_secret_is_bad_credentials(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.other, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_int_equal(v.key, CERBO_KEY_NONE);
	assert_reason_has(&v, "wrong secret");
	assert_reason_clean(&v);
	verify("pk_alice", "password", GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	verify("pk_alice", "", GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

static void
key_with_one_wrong_character_is_bad_credentials(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	char typo[GEN];

	(void)state;
	memcpy(typo, C.key, GEN);
	typo[20] = typo[20] == 'a' ? 'b' : 'a';
	verify("pk_alice", typo, NULL, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

/* The one verdict carries the profile's own answer, also when the
 * account was refused first: explain decides nothing a second time. */
static void
verdict_carries_the_profile_answer_beside_an_account_refusal(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_disabled", C.key, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_DISABLED);
	assert_string_equal(v.user_profile, "sched");
	assert_int_equal(v.profile_decided, 1);
	assert_int_equal(v.profile_allows, 1);
	assert_int_equal(v.profile_rule_matched, 1);
	assert_int_equal(v.profile_rule_kind, CERBO_RULE_ALLOW);
	assert_string_equal(v.profile_rule, "GET /api/v1/appointments/**");
	assert_int_equal(v.rule_matched, 0); /* the request was not decided */
	v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	verify("pk_alice", C.key, "GET /api/v1/patients", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	assert_int_equal(v.profile_decided, 1);
	assert_int_equal(v.profile_allows, 0);
	assert_int_equal(v.profile_rule_matched, 0);
	v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	verify("pk_alice", C.key, "GET /a//b", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_REQUEST);
	assert_string_equal(v.user_profile, "sched");
	assert_int_equal(v.profile_decided, 0);
	v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	verify("pk_nobody", C.key, GET_APPT, NULL, &v);
	assert_string_equal(v.user_profile, "");
	assert_int_equal(v.profile_decided, 0);
	/* a wrong secret learns nothing of the profile */
	v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	verify("pk_alice", C.other, GET_APPT, NULL, &v);
	assert_string_equal(v.user_profile, "");
	assert_int_equal(v.profile_decided, 0);
}

static void
disabled_user_is_refused_after_the_secret(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_disabled", C.key, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_DISABLED);
	assert_int_equal(v.key, CERBO_KEY_CURRENT);
	assert_reason_has(&v, "disabled");
	/* a wrong secret never learns that the user is disabled */
	verify("pk_disabled", C.other, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

static void
expired_user_is_refused(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_expired", C.key, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_EXPIRED);
	assert_reason_has(&v, "expired at 2029-01-01T00:00:00Z");
	verify("pk_expired", C.other, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

static void
user_is_allowed_until_expiry_and_refused_at_it(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int64_t exp;

	(void)state;
	assert_int_equal(cerbo__time_parse("2031-01-01T00:00:00Z", &exp, NULL),
	    0);
	run(C.path, "pk_future", C.key, GET_APPT, NULL, exp - 1, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	run(C.path, "pk_future", C.key, GET_APPT, NULL, exp, &v);
	assert_int_equal(v.code, CERBO_DENY_EXPIRED);
}

static void
ipv4_address_inside_allow_from_is_allowed(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_net4", C.key, GET_APPT, "192.0.2.77", &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
ipv4_address_outside_allow_from_is_refused(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_net4", C.key, GET_APPT, "198.51.100.7", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	assert_reason_has(&v, "198.51.100.7");
	verify("pk_net4", C.key, GET_APPT, "2001:db8::1", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
}

static void
ipv6_address_inside_allow_from_is_allowed(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_net6", C.key, GET_APPT, "2001:db8:1::42", &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
ipv6_address_outside_allow_from_is_refused(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_net6", C.key, GET_APPT, "2001:db9::1", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	verify("pk_net6", C.key, GET_APPT, "192.0.2.77", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
}

static void
allow_from_without_client_address_is_refused(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_net4", C.key, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	assert_reason_has(&v, "unknown");
	verify("pk_net4", C.key, GET_APPT, "", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	verify("pk_net4", C.key, GET_APPT, "gateway.example.com", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	assert_null(strstr(v.reason, "example"));
}

static void
user_without_allow_from_ignores_the_address(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.key, GET_APPT, "203.0.113.5", &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
request_without_allow_rule_is_forbidden(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.key, "GET /api/v1/patients/1 HTTP/1.1", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	assert_int_equal(v.rule_matched, 0);
	assert_reason_has(&v,
	    "forbidden by profile sched: no allow rule matches GET "
	    "/api/v1/patients/1");
}

static void
request_matching_deny_rule_is_forbidden_naming_it(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.key, "DELETE /api/v1/appointments/7 HTTP/1.1",
	    NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	assert_int_equal(v.rule_matched, 1);
	assert_int_equal(v.rule_kind, CERBO_RULE_DENY);
	assert_string_equal(v.rule, "DELETE /**");
	assert_reason_has(&v,
	    "forbidden by profile sched: deny rule "
	    "DELETE /**");
}

static void
head_is_not_allowed_by_a_get_rule(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.key, "HEAD /api/v1/appointments/7 HTTP/1.1", NULL,
	    &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
}

static void
query_string_does_not_reach_the_reason(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.key, "GET /x?token=s3cr3t HTTP/1.1", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	assert_null(strstr(v.reason, "s3cr3t"));
}

static void
normalising_request_is_a_bad_request(void **state)
{
	static const char *lines[] = {
	    "GET /api/v1/appointments/%2e%2e/patients/1 HTTP/1.1",
	    "GET /api/v1/appointments%2f..%2fpatients/1 HTTP/1.1",
	    "GET /api//v1/patients/1 HTTP/1.1",
	    "GET http://host/api/v1/patients/1 HTTP/1.1",
	};
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		verify("pk_admin", C.key, lines[i], NULL, &v);
		assert_int_equal(v.code, CERBO_DENY_REQUEST);
		assert_reason_has(&v, "request refused");
	}
	verify("pk_alice", C.key, lines[0], NULL, &v);
	assert_reason_has(&v, "dot segment");
}

static void
bad_request_with_wrong_secret_is_bad_credentials(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", C.other, "GET /a/../b", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

/* ---- rotation ---------------------------------------------------------- */

static void
new_key_is_accepted_during_grace(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_rot", C.newkey, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_CURRENT);
	assert_null(strstr(v.reason, "old key"));
}

static void
old_key_is_accepted_before_its_expiry(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int64_t end;

	(void)state;
	assert_int_equal(cerbo__time_parse("2029-12-31T00:00:00Z", &end, NULL),
	    0);
	verify("pk_rot", C.oldkey, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_OLD);
	assert_reason_has(&v,
	    "old key, grace period until "
	    "2029-12-31T00:00:00Z");
	assert_reason_clean(&v);
	run(C.path, "pk_rot", C.oldkey, GET_APPT, NULL, end - 1, &v);
	assert_int_equal(v.key, CERBO_KEY_OLD);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
old_key_is_refused_from_its_expiry_on(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int64_t end;

	(void)state;
	assert_int_equal(cerbo__time_parse("2029-12-31T00:00:00Z", &end, NULL),
	    0);
	run(C.path, "pk_rot", C.oldkey, GET_APPT, NULL, end, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_int_equal(v.key, CERBO_KEY_NONE);
	run(C.path, "pk_rot", C.oldkey, GET_APPT, NULL, end + 86400, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run(C.path, "pk_rot", C.newkey, GET_APPT, NULL, end + 86400, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
old_key_with_forbidden_request_names_the_key(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_rot", C.oldkey, "DELETE /x", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	assert_int_equal(v.key, CERBO_KEY_OLD);
}

/* ---- argon2id ------------------------------------------------------------ */

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
argon2id_user_is_checked_and_success_is_remembered(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	double t0, t1, t2;

	(void)state;
	t0 = mono();
	verify("pk_argon", A2_SECRET, GET_APPT, NULL, &v);
	t1 = mono();
	assert_int_equal(v.code, CERBO_ALLOW);
	verify("pk_argon", A2_SECRET, GET_APPT, NULL, &v);
	t2 = mono();
	assert_int_equal(v.code, CERBO_ALLOW);
	print_message("# argon2id first %.1f ms, remembered %.3f ms\n",
	    (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	assert_true(t2 - t1 < (t1 - t0) / 4);
}

static void
argon2id_wrong_secret_is_refused_every_time(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_argon", A2_SECRET, NULL, NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	verify("pk_argon", "imported-Secret-2", NULL, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	verify("pk_argon", "imported-Secret-2", NULL, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	/* a generated key never matches an argon2id user by the cache */
	verify("pk_argon", C.key, NULL, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

/* ---- authorize only ------------------------------------------------------ */

static void
without_secret_only_account_and_request_are_checked(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify("pk_alice", NULL, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_NONE);
	verify("pk_alice", NULL, "DELETE /x", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	verify("pk_disabled", NULL, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_DISABLED);
	verify("pk_net4", NULL, GET_APPT, "10.0.0.1", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	verify("pk_nobody", NULL, GET_APPT, NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

/* ---- arguments ----------------------------------------------------------- */

static void
missing_arguments_are_refused(void **state)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	a = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	assert_int_equal(cerbo_verify(NULL, &v), -1);
	assert_int_not_equal(v.code, CERBO_ALLOW);
	assert_int_equal(cerbo_verify(&a, &v), -1);
	assert_int_not_equal(v.code, CERBO_ALLOW);
	a.username = "pk_alice";
	assert_int_equal(cerbo_verify(&a, NULL), -1);
}

static void
verdict_names_are_distinct(void **state)
{
	int i, j;

	(void)state;
	for (i = CERBO_ALLOW; i <= CERBO_STORE_ERROR; i++)
		for (j = i + 1; j <= CERBO_STORE_ERROR; j++)
			assert_string_not_equal(cerbo_verdict_name(
			                            (enum cerbo_verdict_code)i),
			    cerbo_verdict_name((enum cerbo_verdict_code)j));
	assert_string_equal(cerbo_verdict_name(CERBO_ALLOW), "allow");
}

/* ---- the store and its cache -------------------------------------------- */

static void
missing_store_is_a_store_error(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "no-such.yaml");
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	assert_reason_has(&v, "store error");
	assert_reason_clean(&v);
}

static void
world_readable_store_is_a_store_error(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "world.yaml");
	write_file(path, main_store_text(C.h_key), 0644);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
}

static void
unsafe_store_is_served_only_through_the_test_entry(void **state)
{
	char path[160];
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "notrust.yaml");
	write_file(path, main_store_text(C.h_key), 0666);
	a = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	a.store_path = path;
	a.username = "pk_alice";
	a.secret = C.key;
	a.secret_len = strlen(C.key);
	a.now = (time_t)C.now;
	assert_int_equal(cerbo__verify_untrusted(&a, &v), 0);
	assert_int_equal(v.code, CERBO_ALLOW);
	/* the same path through the public call is refused: no shared
	 * entry */
	assert_int_equal(cerbo_verify(&a, &v), 0);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
}

/* A flag bit cerbo.h does not define is an invalid argument: nothing is
 * read, and the old test-only bits (0x1, 0x2) switch no check off. */
static void
unknown_verify_flag_bits_are_refused(void **state)
{
	static const unsigned bits[] = {0x1, 0x2, 0x80, 0x80000000u};
	char path[160], notice[64];
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;
	int slow = 7;

	(void)state;
	path_in_dir(path, sizeof(path), "flags.yaml");
	write_file(path, main_store_text(C.h_key), 0666);
	a.store_path = path;
	a.username = "pk_alice";
	a.secret = C.key;
	a.secret_len = strlen(C.key);
	a.now = (time_t)C.now;
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		a.flags = bits[i];
		v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
		assert_int_equal(cerbo_verify(&a, &v), -1);
		assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
		assert_non_null(strstr(v.reason, "unknown flag bits"));
		assert_string_equal(v.notice, "");
		notice[0] = 'x';
		assert_int_equal(cerbo_verify_cost(&a, &slow, notice,
		                     sizeof(notice), &err),
		    -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_int_equal(notice[0], 'x'); /* nothing done */
		/* the test entry checks the caller's bits the same way */
		assert_int_equal(cerbo__verify_untrusted(&a, &v), -1);
	}
	a.flags = CERBO_VERIFY_FAST_ONLY;
	assert_int_equal(cerbo__verify_untrusted(&a, &v), 0);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
unknown_load_and_txn_flag_bits_are_refused(void **state)
{
	char path[160];
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_store *s = (struct cerbo_store *)&s;
	struct cerbo_txn *txn = (struct cerbo_txn *)&txn;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;

	(void)state;
	path_in_dir(path, sizeof(path), "flags-txn.yaml");
	assert_int_equal(cerbo_store_load(path, 0x2, &s, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_null(s);
	o.flags = CERBO_TXN_CREATE | 0x2;
	assert_int_equal(cerbo_txn_begin(path, &o, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_null(txn);
	assert_int_equal(stat(path, &st), -1); /* nothing made */
	o.flags = 0x80000000u;
	assert_int_equal(cerbo_store_compile(path, &o, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
}

static void
invalid_store_is_a_store_error_with_position(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "invalid.yaml");
	write_file(path, "cerbo_store: 1\ngeneration: 1\nbogus: 1\n", 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	assert_reason_has(&v, "invalid.yaml:3:");
}

static void
store_in_unsafe_folder_is_a_store_error(void **state)
{
	char sub[160], path[200];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(sub, sizeof(sub), "open");
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/apiusers.yaml", sub);
	write_file(path, main_store_text(C.h_key), 0640);
	assert_int_equal(chmod(sub, 0777), 0);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	assert_int_equal(chmod(sub, 0700), 0);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
store_replaced_by_rename_is_read_on_the_next_call(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "swap.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	write_file(path, main_store_text(C.h_newkey), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run(path, "pk_alice", C.newkey, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
group_writable_store_is_refused_at_once_though_cached(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "chmod.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(chmod(path, 0660), 0);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	assert_reason_has(&v, "writable");
	assert_int_equal(chmod(path, 0640), 0);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
store_that_becomes_invalid_is_never_served_from_cache(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "broken.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	write_file(path, "cerbo_store: 1\nusers: [\n", 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	assert_int_equal(unlink(path), 0);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	write_file(path, main_store_text(C.h_key), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

/* A Kubernetes Secret volume: the file is a symlink through "..data",
 * itself a symlink swapped by rename to a new timestamped folder. */
static void
store_behind_swapped_symlink_is_followed(void **state)
{
	char k8s[160], d1[200], d2[200], f[240], data[200], tmp[200];
	char path[240];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(k8s, sizeof(k8s), "k8s");
	assert_int_equal(mkdir(k8s, 0700), 0);
	snprintf(d1, sizeof(d1), "%s/..2029_01", k8s);
	snprintf(d2, sizeof(d2), "%s/..2029_02", k8s);
	assert_int_equal(mkdir(d1, 0700), 0);
	assert_int_equal(mkdir(d2, 0700), 0);
	snprintf(f, sizeof(f), "%s/apiusers.yaml", d1);
	write_file(f, main_store_text(C.h_key), 0640);
	snprintf(f, sizeof(f), "%s/apiusers.yaml", d2);
	write_file(f, main_store_text(C.h_newkey), 0640);
	snprintf(data, sizeof(data), "%s/..data", k8s);
	assert_int_equal(symlink("..2029_01", data), 0);
	snprintf(path, sizeof(path), "%s/apiusers.yaml", k8s);
	assert_int_equal(symlink("..data/apiusers.yaml", path), 0);

	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	snprintf(tmp, sizeof(tmp), "%s/..data_tmp", k8s);
	assert_int_equal(symlink("..2029_02", tmp), 0);
	assert_int_equal(rename(tmp, data), 0);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run(path, "pk_alice", C.newkey, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
cache_holds_many_paths_and_evicts_the_oldest(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int round, i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "%s/many-%d.yaml", C.dir, i);
		write_file(path, main_store_text(C.h_key), 0640);
	}
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 20; i++) {
			snprintf(path, sizeof(path), "%s/many-%d.yaml", C.dir,
			    i);
			run(path, "pk_alice", C.key, NULL, NULL, C.now, &v);
			assert_int_equal(v.code, CERBO_ALLOW);
		}
	}
}

/* ---- the compiled index ---------------------------------------------------
 */

static void
compile_store(const char *path)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	if (cerbo_store_compile(path, 0, &err) != 0)
		fail_msg("compile %s: %s", path, err.message);
}

static void
store_with_index_gives_every_verdict(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "indexed.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	compile_store(path);
	cerbo__verify_cache_clear();
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_string_equal(v.rule, "GET /api/v1/appointments/**");
	run(path, "pk_alice", C.other, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run(path, "pk_nobody", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run(path, "pk_disabled", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_DISABLED);
	run(path, "pk_expired", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_EXPIRED);
	run(path, "pk_net6", C.key, GET_APPT, "2001:db8::5", C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	run(path, "pk_net6", C.key, GET_APPT, "192.0.2.1", C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	run(path, "pk_alice", C.key, "DELETE /api/v1/appointments/1", NULL,
	    C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	assert_string_equal(v.rule, "DELETE /**");
	run(path, "pk_rot", C.oldkey, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_OLD);
	run(path, "pk_rot", C.oldkey, GET_APPT, NULL, C.now + 86400, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run(path, "pk_argon", A2_SECRET, NULL, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
stale_index_is_passed_over(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "stale.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	compile_store(path);
	run(path, "pk_alice", C.key, NULL, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	/* the YAML changes behind the index's back */
	write_file(path, main_store_text(C.h_newkey), 0640);
	run(path, "pk_alice", C.key, NULL, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run(path, "pk_alice", C.newkey, NULL, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
}

/* A stale index is told of once per reload, for the log; a store that
 * simply has no index is not. */
static void
passed_over_index_gives_a_notice_once(void **state)
{
	char path[160], ipath[200];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "stale-notice.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	run(path, "pk_alice", C.key, NULL, NULL, C.now, &v);
	assert_string_equal(v.notice, ""); /* no index at all */
	compile_store(path);
	write_file(path, main_store_text(C.h_newkey), 0640);
	run(path, "pk_alice", C.newkey, NULL, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	snprintf(ipath, sizeof(ipath), "%s.idx", path);
	if (strstr(v.notice,
	        "compiled index passed over, the YAML was "
	        "parsed instead") == NULL ||
	    strstr(v.notice, ipath) == NULL ||
	    strstr(v.notice, "stale; run cerbo-apiuser compile") == NULL)
		fail_msg("notice \"%s\"", v.notice);
	run(path, "pk_alice", C.newkey, NULL, NULL, C.now, &v);
	assert_string_equal(v.notice, "");
}

static void
damaged_index_is_passed_over(void **state)
{
	char path[160], ipath[200];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int fd;

	(void)state;
	path_in_dir(path, sizeof(path), "damaged.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	compile_store(path);
	snprintf(ipath, sizeof(ipath), "%s.idx", path);
	fd = open(ipath, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXXXXXX", 8, 0), 8);
	close(fd);
	cerbo__verify_cache_clear();
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	run(path, "pk_alice", C.other, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
}

static double
first_verify_ms(const char *path)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	double t0, t1;

	cerbo__verify_cache_clear();
	t0 = mono();
	run(path, "pk_u02500", C.key, GET_APPT, NULL, C.now, &v);
	t1 = mono();
	assert_int_equal(v.code, CERBO_ALLOW);
	return (t1 - t0) * 1e3;
}

/* A fresh cache answers from the index without parsing the YAML: far
 * faster than parsing the same store without an index. */
static void
fresh_cache_answers_from_the_index_without_parsing(void **state)
{
	char a[160], b[160];
	size_t size = 6000 * 400 + 1000, n;
	char *users = malloc(size), *text = malloc(size + 1000);
	double with, without;
	int i;

	(void)state;
	assert_non_null(users);
	assert_non_null(text);
	users[0] = '\0';
	for (i = 0; i < 5000; i++) {
		char name[16];

		snprintf(name, sizeof(name), "pk_u%05d", i);
		add_user(users, size, name, "sched", C.h_key, "");
	}
	n = (size_t)snprintf(text, size + 1000, STORE_FMT, users);
	assert_true(n < size + 1000);
	path_in_dir(a, sizeof(a), "big-indexed.yaml");
	path_in_dir(b, sizeof(b), "big-plain.yaml");
	write_file(a, text, 0640);
	write_file(b, text, 0640);
	compile_store(a);
	free(users);
	free(text);
	with = first_verify_ms(a);
	without = first_verify_ms(b);
	print_message("# first verify, 5000 users: index %.3f ms, parse "
	              "%.3f ms\n",
	    with, without);
	assert_true(with * 5 < without);
}

/* ---- generation going back ------------------------------------------ */

/* The main store's text with another generation. */
static const char *
store_text_gen(unsigned gen)
{
	static char text[20000];
	const char *main_text = main_store_text(C.h_key);
	const char *at = strstr(main_text, "generation: 3\n");

	assert_non_null(at);
	assert_true(snprintf(text, sizeof(text), "%.*sgeneration: %u\n%s",
	                (int)(at - main_text), main_text, gen,
	                at + strlen("generation: 3\n")) > 0);
	return text;
}

static void
assert_notice(const struct cerbo_verdict *v, const char *text)
{
	if (text[0] == '\0' && v->notice[0] != '\0')
		fail_msg("unexpected notice \"%s\"", v->notice);
	if (strstr(v->notice, text) == NULL)
		fail_msg("notice \"%s\" lacks \"%s\"", v->notice, text);
}

static void
generation_going_back_gives_a_notice_once(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "gen.yaml");
	write_file(path, store_text_gen(7), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_notice(&v, ""); /* the first store seen: nothing to compare */
	write_file(path, store_text_gen(4), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW); /* the verdict is unaffected */
	assert_notice(&v,
	    "store generation went back from 7 to 4: a restored "
	    "backup may have revived revoked keys");
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_notice(&v, "");
}

static void
generation_going_forward_gives_no_notice(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "gen-forward.yaml");
	write_file(path, store_text_gen(7), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	write_file(path, store_text_gen(8), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_notice(&v, "");
	write_file(path, store_text_gen(8), 0640); /* same generation */
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_notice(&v, "");
}

/* A backup restored by a non-atomic copy may be seen half-written first:
 * the failed reload does not make the verifier forget the generation. */
static void
generation_is_remembered_across_a_failed_reload(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "gen-broken.yaml");
	write_file(path, store_text_gen(9), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	write_file(path, "cerbo_store: 1\nusers: [\n", 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	write_file(path, store_text_gen(2), 0640);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_notice(&v, "went back from 9 to 2");
}

static void
generation_going_back_is_seen_through_the_index(void **state)
{
	char path[160];
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	path_in_dir(path, sizeof(path), "gen-index.yaml");
	write_file(path, store_text_gen(12), 0640);
	compile_store(path);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	write_file(path, store_text_gen(11), 0640);
	compile_store(path);
	run(path, "pk_alice", C.key, GET_APPT, NULL, C.now, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_notice(&v, "went back from 12 to 11");
}

/* Threads verify while the store is swapped under them: every answer is
 * one of the two stores', never a crash or a store error. */
static void
concurrent_calls_survive_store_swaps(void **state)
{
	struct verify_threads vt;
	struct cerbo_verify_args args = CERBO_VERIFY_ARGS_INIT;
	char path[160];
	int i, allowed, refused, errors;

	(void)state;
	path_in_dir(path, sizeof(path), "threads.yaml");
	write_file(path, main_store_text(C.h_key), 0640);
	vt.args = &args;
	args.store_path = path;
	args.username = "pk_alice";
	args.secret = C.key;
	args.secret_len = strlen(C.key);
	args.request = GET_APPT;
	args.now = (time_t)C.now;
	verify_threads_start(&vt);
	for (i = 0; i < 40; i++) {
		write_file(path, main_store_text(i % 2 ? C.h_key : C.h_newkey),
		    0640);
		usleep(2000);
	}
	verify_threads_stop(&vt, &allowed, &refused, &errors);
	assert_int_equal(errors, 0);
	print_message("# %d verifications across 40 swaps\n",
	    allowed + refused);
	assert_true(allowed + refused > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(right_key_and_allowed_request_is_allowed),
	    cmocka_unit_test(right_key_without_request_is_allowed),
	    cmocka_unit_test(unknown_user_is_bad_credentials),
	    cmocka_unit_test(invalid_username_is_not_named_in_the_reason),
	    cmocka_unit_test(wrong_secret_is_bad_credentials),
	    cmocka_unit_test(key_with_one_wrong_character_is_bad_credentials),
	    cmocka_unit_test(disabled_user_is_refused_after_the_secret),
	    cmocka_unit_test(expired_user_is_refused),
	    cmocka_unit_test(user_is_allowed_until_expiry_and_refused_at_it),
	    cmocka_unit_test(ipv4_address_inside_allow_from_is_allowed),
	    cmocka_unit_test(ipv4_address_outside_allow_from_is_refused),
	    cmocka_unit_test(ipv6_address_inside_allow_from_is_allowed),
	    cmocka_unit_test(ipv6_address_outside_allow_from_is_refused),
	    cmocka_unit_test(allow_from_without_client_address_is_refused),
	    cmocka_unit_test(user_without_allow_from_ignores_the_address),
	    cmocka_unit_test(request_without_allow_rule_is_forbidden),
	    cmocka_unit_test(request_matching_deny_rule_is_forbidden_naming_it),
	    cmocka_unit_test(head_is_not_allowed_by_a_get_rule),
	    cmocka_unit_test(query_string_does_not_reach_the_reason),
	    cmocka_unit_test(normalising_request_is_a_bad_request),
	    cmocka_unit_test(bad_request_with_wrong_secret_is_bad_credentials),
	    cmocka_unit_test(new_key_is_accepted_during_grace),
	    cmocka_unit_test(old_key_is_accepted_before_its_expiry),
	    cmocka_unit_test(old_key_is_refused_from_its_expiry_on),
	    cmocka_unit_test(old_key_with_forbidden_request_names_the_key),
	    cmocka_unit_test(
	        argon2id_user_is_checked_and_success_is_remembered),
	    cmocka_unit_test(argon2id_wrong_secret_is_refused_every_time),
	    cmocka_unit_test(
	        without_secret_only_account_and_request_are_checked),
	    cmocka_unit_test(missing_arguments_are_refused),
	    cmocka_unit_test(verdict_names_are_distinct),
	    cmocka_unit_test(missing_store_is_a_store_error),
	    cmocka_unit_test(world_readable_store_is_a_store_error),
	    cmocka_unit_test(
	        unsafe_store_is_served_only_through_the_test_entry),
	    cmocka_unit_test(unknown_verify_flag_bits_are_refused),
	    cmocka_unit_test(
	        verdict_carries_the_profile_answer_beside_an_account_refusal),
	    cmocka_unit_test(unknown_load_and_txn_flag_bits_are_refused),
	    cmocka_unit_test(invalid_store_is_a_store_error_with_position),
	    cmocka_unit_test(store_in_unsafe_folder_is_a_store_error),
	    cmocka_unit_test(store_replaced_by_rename_is_read_on_the_next_call),
	    cmocka_unit_test(
	        group_writable_store_is_refused_at_once_though_cached),
	    cmocka_unit_test(
	        store_that_becomes_invalid_is_never_served_from_cache),
	    cmocka_unit_test(store_behind_swapped_symlink_is_followed),
	    cmocka_unit_test(cache_holds_many_paths_and_evicts_the_oldest),
	    cmocka_unit_test(store_with_index_gives_every_verdict),
	    cmocka_unit_test(stale_index_is_passed_over),
	    cmocka_unit_test(passed_over_index_gives_a_notice_once),
	    cmocka_unit_test(damaged_index_is_passed_over),
	    cmocka_unit_test(
	        fresh_cache_answers_from_the_index_without_parsing),
	    cmocka_unit_test(generation_going_back_gives_a_notice_once),
	    cmocka_unit_test(generation_going_forward_gives_no_notice),
	    cmocka_unit_test(generation_is_remembered_across_a_failed_reload),
	    cmocka_unit_test(generation_going_back_is_seen_through_the_index),
	    cmocka_unit_test(concurrent_calls_survive_store_swaps),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
