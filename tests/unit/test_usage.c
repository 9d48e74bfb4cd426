/*
 * test_usage.c - usage records: the verifier records when a right key was
 * used, per minute, in the usage file the store names; the record never
 * changes an answer; the tools' reader and the file's (re)building.
 *
 * Stores are written as YAML text, mode 0640, in a 0750 folder under /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "internal.h"

#define GEN CERBO_SECRET_GENERATED_SIZE
#define NPROC 32

static struct {
	char dir[64];
	char path[128];  /* the store */
	char usage[128]; /* its usage file */
	char key[GEN];
	char oldkey[GEN];
	char other[GEN];
	char h_key[CERBO_HASH_MAX];
	char h_oldkey[CERBO_HASH_MAX];
	int64_t now; /* 2029-12-30T12:00:30Z */
} C;

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

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	char tmp[256];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/* The test store: pk_alice (sched), pk_rot (a rotation in its grace),
 * pk_off (disabled), pk_net (allow_from), and nproc pk_pNN users; with
 * usage_file when usage is set. */
static void
write_store(int usage, int nproc)
{
	static char text[65536];
	char extra[512], name[32];
	int i, n;

	n = snprintf(text, sizeof(text),
	    "cerbo_store: 1\ngeneration: 3\n%s%s%s"
	    "profiles:\n  sched:\n    allow:\n      - GET /api/**\n"
	    "users:\n",
	    usage ? "usage_file: " : "", usage ? C.usage : "",
	    usage ? "\n" : "");
	assert_true(n > 0);
	add_user(text, sizeof(text), "pk_alice", "sched", C.h_key, "");
	add_user(text, sizeof(text), "pk_net", "sched", C.h_key,
	    "    allow_from:\n      - 192.0.2.0/24\n");
	add_user(text, sizeof(text), "pk_off", "sched", C.h_key,
	    "    disabled: true\n");
	for (i = 0; i < nproc; i++) {
		snprintf(name, sizeof(name), "pk_p%02d", i);
		add_user(text, sizeof(text), name, "sched", C.h_key, "");
	}
	snprintf(extra, sizeof(extra),
	    "    old_secret: \"%s\"\n"
	    "    old_secret_expires: 2029-12-31T00:00:00Z\n",
	    C.h_oldkey);
	add_user(text, sizeof(text), "pk_rot", "sched", C.h_key, extra);
	write_file(C.path, text, strlen(text), 0640);
}

static struct cerbo_store *
load_store(void)
{
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	if (cerbo_store_load(C.path, 0, &s, &err) != 0)
		print_message("# %s\n", err.message);
	assert_non_null(s);
	return s;
}

/* Create the usage file for the current store. */
static void
prepare(void)
{
	struct cerbo_store *s = load_store();
	struct cerbo_error err = CERBO_ERROR_INIT;
	int rebuilt = 0;

	assert_int_equal(cerbo_usage_prepare(s, &rebuilt, &err), 0);
	cerbo_store_free(s);
}

static int
group_setup(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	snprintf(C.dir, sizeof(C.dir), "/tmp/cerbo-usage-XXXXXX");
	if (mkdtemp(C.dir) == NULL || chmod(C.dir, 0750) != 0)
		return -1;
	snprintf(C.path, sizeof(C.path), "%s/apiusers.yaml", C.dir);
	snprintf(C.usage, sizeof(C.usage), "%s/usage", C.dir);
	if (cerbo_secret_generate(C.key, GEN) != 0 ||
	    cerbo_secret_generate(C.oldkey, GEN) != 0 ||
	    cerbo_secret_generate(C.other, GEN) != 0)
		return -1;
	if (cerbo_secret_hash(C.key, strlen(C.key), C.h_key, CERBO_HASH_MAX,
	        &err) != 0 ||
	    cerbo_secret_hash(C.oldkey, strlen(C.oldkey), C.h_oldkey,
	        CERBO_HASH_MAX, &err) != 0)
		return -1;
	if (cerbo__time_parse("2029-12-30T12:00:30Z", &C.now, &err) != 0)
		return -1;
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

/* A fresh store with a usage file, and a process that remembers nothing. */
static int
setup(void **state)
{
	(void)state;
	cerbo__verify_cache_clear();
	unlink(C.usage);
	write_store(1, NPROC);
	prepare();
	return 0;
}

/* ---- helpers ----------------------------------------------------------- */

static void
run(const char *user, const char *secret, const char *request,
    const char *rhost, struct cerbo_verdict *v)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;

	a.store_path = C.path;
	a.username = user;
	a.secret = secret;
	a.secret_len = secret != NULL ? strlen(secret) : 0;
	a.request = request;
	a.rhost = rhost;
	a.now = C.now;
	assert_int_equal(cerbo_verify(&a, v), 0);
	print_message("# %s: %s [%s]\n", cerbo_verdict_name(v->code), v->reason,
	    v->notice);
}

/* When user's key was last used, as the tools read it. */
static int64_t
last_used(const char *user, enum cerbo_key_used key)
{
	struct cerbo_store *s = load_store();
	struct cerbo_usage *u = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t t;

	assert_int_equal(cerbo_usage_load(C.usage, &u, &err), 0);
	t = cerbo_usage_last_used(u, cerbo_store_user_find(s, user), key);
	cerbo_usage_free(u);
	cerbo_store_free(s);
	return t;
}

static int64_t
this_minute(void)
{
	return C.now / 60 * 60;
}

static void
read_all(const char *path, char *buf, size_t size, size_t *len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size);
	assert_true(n >= 0 && (size_t)n < size);
	*len = (size_t)n;
	close(fd);
}

/* ---- the store setting ------------------------------------------------- */

static void
usage_file_is_read_and_written_back(void **state)
{
	struct cerbo_store *s;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	s = load_store();
	assert_string_equal(cerbo_store_usage_file(s), C.usage);
	assert_int_equal(cerbo_store_emit(s, &buf, &len, &err), 0);
	assert_non_null(memmem(buf, len, "\ngeneration: 3\nusage_file: ",
	    strlen("\ngeneration: 3\nusage_file: ")));
	free(buf);
	assert_int_equal(cerbo_store_set_usage_file(s, NULL, &err), 0);
	assert_null(cerbo_store_usage_file(s));
	assert_int_equal(cerbo_store_emit(s, &buf, &len, &err), 0);
	assert_null(memmem(buf, len, "usage_file", strlen("usage_file")));
	free(buf);
	cerbo_store_free(s);
}

static void
usage_file_must_be_an_absolute_plain_path(void **state)
{
	static const char *const bad[] = {"usage", "./usage", "/var/lib/../x",
	    "/var/lib/./x", "/var//x", "/var/lib/", "/var/a b", ""};
	struct cerbo_store *s = load_store();
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cerbo_store_set_usage_file(s, bad[i], &err),
		    -1);
	assert_string_equal(cerbo_store_usage_file(s), C.usage);
	assert_int_equal(cerbo_store_set_usage_file(s, "/var/lib/cerbo/usage",
	                     &err),
	    0);
	cerbo_store_free(s);
}

static void
relative_usage_file_in_a_store_is_refused(void **state)
{
	static const char text[] = "cerbo_store: 1\ngeneration: 1\n"
	                           "usage_file: var/usage\n"
	                           "profiles: {}\nusers: {}\n";
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(cerbo_store_parse(text, strlen(text), "t.yaml", &s,
	                     &err),
	    -1);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "absolute"));
}

static void
apply_sets_and_clears_usage_file(void **state)
{
	struct cerbo_store *s = load_store();
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	static const char set[] = "usage_file: /var/lib/cerbo/usage\n";
	static const char off[] = "usage_file: null\n";
	static const char bad[] = "users: []\nusage_file: lib/usage\n";
	char want[256];

	(void)state;
	assert_int_equal(cerbo_store_apply(s, set, strlen(set), "doc", C.now,
	                     &res, &err),
	    0);
	assert_int_equal(cerbo_apply_result_change_count(res), 1);
	snprintf(want, sizeof(want),
	    "~ store: usage_file %s -> /var/lib/cerbo/usage", C.usage);
	assert_string_equal(cerbo_apply_result_change_at(res, 0), want);
	cerbo_apply_result_free(res);
	assert_string_equal(cerbo_store_usage_file(s), "/var/lib/cerbo/usage");
	assert_int_equal(cerbo_store_apply(s, set, strlen(set), "doc", C.now,
	                     &res, &err),
	    0);
	assert_int_equal(cerbo_apply_result_changed(res), 0);
	cerbo_apply_result_free(res);
	assert_int_equal(cerbo_store_apply(s, off, strlen(off), "doc", C.now,
	                     &res, &err),
	    0);
	assert_string_equal(cerbo_apply_result_change_at(res, 0),
	    "~ store: usage_file /var/lib/cerbo/usage -> (unset)");
	cerbo_apply_result_free(res);
	assert_null(cerbo_store_usage_file(s));
	assert_int_equal(cerbo_store_apply(s, bad, strlen(bad), "doc", C.now,
	                     &res, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(err.line, 2);
	assert_null(cerbo_store_usage_file(s));
	cerbo_store_free(s);
}

/* ---- recording --------------------------------------------------------- */

static void
right_key_sets_last_used_and_leaves_the_store_alone(void **state)
{
	static char before[65536], after[65536];
	size_t blen, alen;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	read_all(C.path, before, sizeof(before), &blen);
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT), 0);
	run("pk_alice", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_string_equal(v.notice, "");
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT),
	    this_minute());
	assert_int_equal(last_used("pk_net", CERBO_KEY_CURRENT), 0);
	read_all(C.path, after, sizeof(after), &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
}

static void
old_key_in_grace_sets_only_old_key_last_used(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	run("pk_rot", C.oldkey, "GET /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_OLD);
	assert_int_equal(last_used("pk_rot", CERBO_KEY_OLD), this_minute());
	assert_int_equal(last_used("pk_rot", CERBO_KEY_CURRENT), 0);
}

static void
refusal_by_profile_or_address_still_records(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	run("pk_alice", C.key, "DELETE /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	run("pk_net", C.key, "GET /api/x", "198.51.100.1", &v);
	assert_int_equal(v.code, CERBO_DENY_ADDRESS);
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT),
	    this_minute());
	assert_int_equal(last_used("pk_net", CERBO_KEY_CURRENT), this_minute());
}

static void
wrong_key_disabled_user_or_no_secret_record_nothing(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	run("pk_alice", C.other, "GET /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	run("pk_off", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_DENY_DISABLED);
	run("pk_net", NULL, "GET /api/x", "192.0.2.1", &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT), 0);
	assert_int_equal(last_used("pk_off", CERBO_KEY_CURRENT), 0);
	assert_int_equal(last_used("pk_net", CERBO_KEY_CURRENT), 0);
}

static void
a_later_minute_moves_last_used_on(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int64_t then = C.now;

	(void)state;
	run("pk_alice", C.key, "GET /api/x", NULL, &v);
	C.now += 180;
	run("pk_alice", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT),
	    this_minute());
	C.now = then;
}

static void
compiled_index_records_as_the_yaml_does(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	assert_int_equal(cerbo_store_compile(C.path, NULL, &err), 0);
	cerbo__verify_cache_clear();
	run("pk_alice", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_string_equal(v.notice, "");
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT),
	    this_minute());
	snprintf(err.file, sizeof(err.file), "%s.idx", C.path);
	unlink(err.file);
}

static void
store_without_usage_file_records_nothing(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	write_store(0, NPROC);
	run("pk_alice", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_string_equal(v.notice, "");
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT), 0);
}

/* ---- a broken usage file changes no answer ------------------------------ */

/* Every answer of the test store, with its usage file as it is now:
 * allowed, forbidden, wrong key, old key, disabled.  The first call of
 * the process tells of the broken file, once. */
static void
answers_unchanged(const char *why)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	run("pk_alice", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(cerbo_verdict_http_status(v.code), 200);
	assert_non_null(strstr(v.notice, why));
	run("pk_p00", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(cerbo_verdict_http_status(v.code), 200);
	assert_string_equal(v.notice, ""); /* once an interval */
	run("pk_alice", C.key, "DELETE /api/x", NULL, &v);
	assert_int_equal(cerbo_verdict_http_status(v.code), 403);
	run("pk_alice", C.other, "GET /api/x", NULL, &v);
	assert_int_equal(cerbo_verdict_http_status(v.code), 401);
	run("pk_rot", C.oldkey, "GET /api/x", NULL, &v);
	assert_int_equal(cerbo_verdict_http_status(v.code), 200);
	run("pk_off", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(cerbo_verdict_http_status(v.code), 401);
}

static void
missing_usage_file_changes_no_answer(void **state)
{
	(void)state;
	unlink(C.usage);
	answers_unchanged("cannot open");
}

static void
garbage_usage_file_changes_no_answer(void **state)
{
	char junk[4096];

	(void)state;
	randombytes_buf(junk, sizeof(junk));
	write_file(C.usage, junk, sizeof(junk), 0664);
	answers_unchanged("not a usage file");
}

static void
garbage_slots_change_no_answer(void **state)
{
	unsigned char buf[65536];
	size_t len;

	(void)state;
	read_all(C.usage, (char *)buf, sizeof(buf), &len);
	randombytes_buf(buf + 64, len - 64); /* a valid header, junk slots */
	write_file(C.usage, (char *)buf, len, 0664);
	answers_unchanged("full near this key");
}

static void
truncated_usage_file_changes_no_answer(void **state)
{
	(void)state;
	assert_int_equal(truncate(C.usage, 100), 0);
	answers_unchanged("not a usage file");
}

static void
truncated_after_opening_changes_no_answer(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	run("pk_p01", C.key, "GET /api/x", NULL, &v); /* opens the file */
	assert_int_equal(truncate(C.usage, 64), 0);
	answers_unchanged("truncated");
}

/* One verify in a child, without cmocka: the HTTP status, or -1. */
static int
child_status(const char *user, const char *secret, const char *request,
    char *notice, size_t noticelen)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	a.store_path = C.path;
	a.username = user;
	a.secret = secret;
	a.secret_len = strlen(secret);
	a.request = request;
	a.now = C.now;
	if (cerbo_verify(&a, &v) != 0)
		return -1;
	snprintf(notice, noticelen, "%s", v.notice);
	return cerbo_verdict_http_status(v.code);
}

/*
 * Under make valgrind, forked children run inside valgrind's emulation,
 * tens of times slower and serialised: the tests that race processes, or
 * change user in a child, would measure valgrind.  They run in every
 * other build (make check, make asan).
 */
static int
under_valgrind(void)
{
	const char *v = getenv("CERBO_VALGRIND");

	return v != NULL && strcmp(v, "1") == 0;
}

static void
unwritable_usage_file_changes_no_answer(void **state)
{
	char notice[1024], n2[1024];
	int status, ok;
	pid_t pid;

	(void)state;
	if (geteuid() == 0 && under_valgrind())
		skip();
	assert_int_equal(chmod(C.usage, 0444), 0);
	if (geteuid() != 0) {
		answers_unchanged("Permission denied");
		return;
	}
	/* root writes whatever the mode: answer as nobody, in group root
	 * (which reads the store). */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(0) != 0 || setuid(65534) != 0)
			_exit(2);
		ok = child_status("pk_alice", C.key, "GET /api/x", notice,
		         sizeof(notice)) == 200 &&
		    strstr(notice, "Permission denied") != NULL &&
		    child_status("pk_p00", C.key, "GET /api/x", n2,
		        sizeof(n2)) == 200 &&
		    n2[0] == '\0' &&
		    child_status("pk_alice", C.key, "DELETE /api/x", n2,
		        sizeof(n2)) == 403 &&
		    child_status("pk_alice", C.other, "GET /api/x", n2,
		        sizeof(n2)) == 401 &&
		    child_status("pk_rot", C.oldkey, "GET /api/x", n2,
		        sizeof(n2)) == 200;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
symlinked_usage_file_is_not_followed(void **state)
{
	char target[160];

	(void)state;
	snprintf(target, sizeof(target), "%s.real", C.usage);
	assert_int_equal(rename(C.usage, target), 0);
	assert_int_equal(symlink(target, C.usage), 0);
	answers_unchanged("cannot open");
	unlink(C.usage);
	unlink(target);
}

/* ---- many writers ------------------------------------------------------ */

/* NPROC processes verify their own user's key at once; each must have
 * recorded its minute. */
static void
record_at_once(void)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	char user[32], go;
	int gate[2], i, status;
	pid_t pids[NPROC];

	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(gate[1]);
			/* Load the store first: the writes start together. */
			snprintf(user, sizeof(user), "pk_p%02d", i);
			run(user, C.other, NULL, NULL, &v);
			if (read(gate[0], &go, 1) != 0)
				_exit(3);
			run(user, C.key, NULL, NULL, &v);
			_exit(v.code == CERBO_ALLOW && v.notice[0] == '\0' ? 0
			                                                   : 1);
		}
	}
	close(gate[0]);
	close(gate[1]); /* go */
	for (i = 0; i < NPROC; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	for (i = 0; i < NPROC; i++) {
		snprintf(user, sizeof(user), "pk_p%02d", i);
		assert_int_equal(last_used(user, CERBO_KEY_CURRENT),
		    this_minute());
	}
}

/* The keys have their slots (the tools took them): pwrites only. */
static void
processes_recording_at_once_lose_no_key(void **state)
{
	(void)state;
	if (under_valgrind())
		skip();
	record_at_once();
}

/* The keys came after the file was made: each process takes a slot
 * under the claim lock, all at once. */
static void
processes_claiming_at_once_lose_no_key(void **state)
{
	(void)state;
	if (under_valgrind())
		skip();
	unlink(C.usage);
	write_store(1, 0);
	prepare();
	write_store(1, NPROC);
	record_at_once();
}

/* Hold the usage file's claim lock through another open file. */
static int
hold_claim_lock(void)
{
	struct flock fl;
	int fd = open(C.usage, O_RDWR);

	assert_true(fd >= 0);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 56;
	fl.l_len = 1;
	assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), 0);
	return fd;
}

static void
keys_the_tools_made_are_recorded_without_the_lock(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int fd;

	(void)state;
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT), 0);
	fd = hold_claim_lock();
	run("pk_alice", C.key, "GET /api/x", NULL, &v);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_string_equal(v.notice, "");
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT),
	    this_minute());
	close(fd);
}

static void
a_held_lock_delays_a_new_key_a_little_and_changes_no_answer(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct timespec t0, t1;
	int fd;

	(void)state;
	if (under_valgrind())
		skip();
	unlink(C.usage);
	write_store(1, 0);
	prepare();
	write_store(1, 1); /* pk_p00: a key the file has no slot for */
	fd = hold_claim_lock();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run("pk_p00", C.key, "GET /api/x", NULL, &v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_non_null(strstr(v.notice, "lock stayed busy"));
	assert_true(
	    (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) <
	    500000000L); /* bounded: never waits on the holder */
	close(fd);
	assert_int_equal(last_used("pk_p00", CERBO_KEY_CURRENT), 0);
}

static void
prepare_gives_new_keys_their_slots_in_place(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct stat before, after;
	int fd;

	(void)state;
	run("pk_alice", C.key, NULL, NULL, &v);
	assert_int_equal(stat(C.usage, &before), 0);
	write_store(1, NPROC + 1); /* one more user: pk_p32 */
	prepare();
	assert_int_equal(stat(C.usage, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino); /* not rebuilt */
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT),
	    this_minute());
	assert_int_equal(last_used("pk_p32", CERBO_KEY_CURRENT), 0);
	fd = hold_claim_lock(); /* its slot is there: no lock needed */
	run("pk_p32", C.key, NULL, NULL, &v);
	assert_string_equal(v.notice, "");
	close(fd);
	assert_int_equal(last_used("pk_p32", CERBO_KEY_CURRENT), this_minute());
}

/* ---- the reader and the rebuild ---------------------------------------- */

static void
reader_refuses_garbage_and_reads_garbage_slots_as_times_or_never(void **state)
{
	struct cerbo_usage *u = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_store *s = load_store();
	unsigned char buf[65536];
	size_t len;

	(void)state;
	read_all(C.usage, (char *)buf, sizeof(buf), &len);
	randombytes_buf(buf + 64, len - 64);
	write_file(C.usage, (char *)buf, len, 0664);
	assert_int_equal(cerbo_usage_load(C.usage, &u, &err), 0);
	(void)cerbo_usage_last_used(u, cerbo_store_user_find(s, "pk_alice"),
	    CERBO_KEY_CURRENT);
	assert_int_equal(cerbo_usage_last_used(u,
	                     cerbo_store_user_find(s, "pk_alice"),
	                     CERBO_KEY_OLD),
	    0); /* no old key */
	cerbo_usage_free(u);
	randombytes_buf(buf, 64);
	write_file(C.usage, (char *)buf, len, 0664);
	assert_int_equal(cerbo_usage_load(C.usage, &u, &err), -1);
	assert_int_equal(err.status, CERBO_E_STORE);
	assert_null(u);
	unlink(C.usage);
	assert_int_equal(cerbo_usage_load(C.usage, &u, &err), -1);
	assert_int_equal(err.status, CERBO_E_NOTFOUND);
	cerbo_store_free(s);
}

static void
rebuild_for_more_users_keeps_the_figures(void **state)
{
	struct cerbo_store *s;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct stat before, after;
	int rebuilt = 1;

	(void)state;
	run("pk_alice", C.key, NULL, NULL, &v);
	run("pk_rot", C.oldkey, NULL, NULL, &v);
	assert_int_equal(stat(C.usage, &before), 0);
	s = load_store();
	assert_int_equal(cerbo_usage_prepare(s, &rebuilt, &err), 0);
	assert_int_equal(rebuilt, 0); /* big enough already */
	cerbo_store_free(s);
	write_store(1, 200);
	s = load_store();
	assert_int_equal(cerbo_usage_prepare(s, &rebuilt, &err), 0);
	assert_int_equal(rebuilt, 1);
	cerbo_store_free(s);
	assert_int_equal(stat(C.usage, &after), 0);
	assert_true(after.st_size > before.st_size);
	assert_int_equal(after.st_mode & 07777, 0664);
	assert_int_equal(last_used("pk_alice", CERBO_KEY_CURRENT),
	    this_minute());
	assert_int_equal(last_used("pk_rot", CERBO_KEY_OLD), this_minute());
	assert_int_equal(last_used("pk_rot", CERBO_KEY_CURRENT), 0);
	/* A writer that had the old file open follows the new one. */
	C.now += 60;
	run("pk_p150", C.key, NULL, NULL, &v);
	assert_string_equal(v.notice, "");
	assert_int_equal(last_used("pk_p150", CERBO_KEY_CURRENT),
	    this_minute());
	C.now -= 60;
}

static void
prepare_replaces_a_damaged_file(void **state)
{
	struct cerbo_usage *u = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	int rebuilt = 0;
	struct cerbo_store *s;

	(void)state;
	write_file(C.usage, "garbage", 7, 0664);
	s = load_store();
	assert_int_equal(cerbo_usage_prepare(s, &rebuilt, &err), 0);
	assert_int_equal(rebuilt, 1);
	cerbo_store_free(s);
	assert_int_equal(cerbo_usage_load(C.usage, &u, &err), 0);
	cerbo_usage_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(usage_file_is_read_and_written_back, setup),
	    cmocka_unit_test_setup(usage_file_must_be_an_absolute_plain_path,
	        setup),
	    cmocka_unit_test_setup(relative_usage_file_in_a_store_is_refused,
	        setup),
	    cmocka_unit_test_setup(apply_sets_and_clears_usage_file, setup),
	    cmocka_unit_test_setup(
	        right_key_sets_last_used_and_leaves_the_store_alone, setup),
	    cmocka_unit_test_setup(old_key_in_grace_sets_only_old_key_last_used,
	        setup),
	    cmocka_unit_test_setup(refusal_by_profile_or_address_still_records,
	        setup),
	    cmocka_unit_test_setup(
	        wrong_key_disabled_user_or_no_secret_record_nothing, setup),
	    cmocka_unit_test_setup(a_later_minute_moves_last_used_on, setup),
	    cmocka_unit_test_setup(compiled_index_records_as_the_yaml_does,
	        setup),
	    cmocka_unit_test_setup(store_without_usage_file_records_nothing,
	        setup),
	    cmocka_unit_test_setup(missing_usage_file_changes_no_answer, setup),
	    cmocka_unit_test_setup(garbage_usage_file_changes_no_answer, setup),
	    cmocka_unit_test_setup(garbage_slots_change_no_answer, setup),
	    cmocka_unit_test_setup(truncated_usage_file_changes_no_answer,
	        setup),
	    cmocka_unit_test_setup(truncated_after_opening_changes_no_answer,
	        setup),
	    cmocka_unit_test_setup(unwritable_usage_file_changes_no_answer,
	        setup),
	    cmocka_unit_test_setup(symlinked_usage_file_is_not_followed, setup),
	    cmocka_unit_test_setup(processes_recording_at_once_lose_no_key,
	        setup),
	    cmocka_unit_test_setup(processes_claiming_at_once_lose_no_key,
	        setup),
	    cmocka_unit_test_setup(
	        keys_the_tools_made_are_recorded_without_the_lock, setup),
	    cmocka_unit_test_setup(
	        a_held_lock_delays_a_new_key_a_little_and_changes_no_answer,
	        setup),
	    cmocka_unit_test_setup(prepare_gives_new_keys_their_slots_in_place,
	        setup),
	    cmocka_unit_test_setup(
	        reader_refuses_garbage_and_reads_garbage_slots_as_times_or_never,
	        setup),
	    cmocka_unit_test_setup(rebuild_for_more_users_keeps_the_figures,
	        setup),
	    cmocka_unit_test_setup(prepare_replaces_a_damaged_file, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
