/*
 * test_txn.c - transactions: the lock, the expectations, and the atomic
 * commit (temp file, owner/group/mode, backup, rename, folder fsync), with
 * every failure of the write path injected through cerbo__fault_hook: the
 * store and its backup stay byte-for-byte as they were and no temp file
 * is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "fsutil.h"

#define NOW 1800000000 /* 2027-01-15T08:00:00Z: fixed, for stable bytes */

static char hash[CERBO_HASH_MAX];

struct fx {
	char dir[PATH_MAX];
	char store[PATH_MAX];
	char backup[PATH_MAX];
	char lock[PATH_MAX];
	char outside[PATH_MAX]; /* a folder beside, for symlink targets */
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	fs_tempdir(fx->dir, sizeof(fx->dir), "cerbo-txn", 0700);
	fs_tempdir(fx->outside, sizeof(fx->outside), "cerbo-txn-out", 0700);
	if (fx->dir[0] == '\0' || fx->outside[0] == '\0')
		return -1;
	fs_join(fx->store, sizeof(fx->store), fx->dir, "apiusers.yaml");
	fs_join(fx->backup, sizeof(fx->backup), fx->dir, "apiusers.yaml-");
	fs_join(fx->lock, sizeof(fx->lock), fx->dir, "apiusers.yaml.lock");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	cerbo__fault_hook = NULL;
	fs_rm_rf(fx->dir);
	fs_rm_rf(fx->outside);
	free(fx);
	return 0;
}

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static void
add_user(struct cerbo_store *store, int i)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char name[32], nick[32], email[64];

	fs_fmt(name, sizeof(name), "pk_user%d", i);
	fs_fmt(nick, sizeof(nick), "User %d", i);
	fs_fmt(email, sizeof(email), "user%d@example.com", i);
	spec = (struct cerbo_user_spec)CERBO_USER_SPEC_INIT;
	spec.username = name;
	spec.nickname = nick;
	spec.profile = "ops";
	spec.email = email;
	spec.description = "a test user";
	spec.secret_hash = hash;
	if (cerbo_user_add(store, &spec, NOW, &err) != 0)
		fail_msg("adding %s: %s", name, err.message);
}

/* One transaction on fx->store adding user i (and the profile). */
static void
commit_user(const struct fx *fx, int i)
{
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *store;
	struct cerbo_error err = CERBO_ERROR_INIT;

	o.flags = CERBO_TXN_CREATE;
	if (cerbo_txn_begin(fx->store, &o, &txn, &err) != 0)
		fail_msg("begin: %s", err.message);
	store = cerbo_txn_store(txn);
	if (cerbo_store_profile_find(store, "ops") == NULL &&
	    cerbo_profile_add(store, "ops", "Operations", &err) != 0)
		fail_msg("profile: %s", err.message);
	add_user(store, i);
	if (cerbo_txn_commit(txn, &err) != 0)
		fail_msg("commit: %s", err.message);
	cerbo_txn_free(txn);
}

static uint64_t
generation_on_disk(const char *path)
{
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	uint64_t gen;

	if (cerbo_store_load(path, CERBO_LOAD_NO_TRUST, &store, &err) != 0)
		fail_msg("load %s: %s", path, err.message);
	gen = cerbo_store_generation(store);
	cerbo_store_free(store);
	return gen;
}

/* ---- commit ----------------------------------------------------------- */

static void
commit_creates_a_new_store_0640_with_the_folders_group(void **state)
{
	struct fx *fx = *state;
	struct stat st, dir;

	if (geteuid() == 0)
		assert_int_equal(chown(fx->dir, 0, 65534), 0);
	assert_int_equal(stat(fx->dir, &dir), 0);
	commit_user(fx, 1);
	assert_int_equal(stat(fx->store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_gid, dir.st_gid);
}

static void
begin_on_a_missing_store_starts_empty_and_is_new(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	o.flags = CERBO_TXN_CREATE;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), 0);
	assert_int_equal(cerbo__txn_is_new(txn), 1);
	assert_int_equal(cerbo_store_user_count(cerbo_txn_store(txn)), 0);
	assert_int_equal(cerbo_store_generation(cerbo_txn_store(txn)), 0);
	cerbo_txn_free(txn);
	/* Nothing is written before a commit. */
	assert_int_equal(access(fx->store, F_OK), -1);
}

static void
begin_without_create_on_a_missing_store_is_not_found(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_NOTFOUND);
	assert_null(txn);
}

static void
create_makes_a_missing_folder_0750(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char sub[PATH_MAX], path[PATH_MAX];
	struct stat st;

	o.flags = CERBO_TXN_CREATE;
	fs_join(sub, sizeof(sub), fx->dir, "cerbo");
	fs_join(path, sizeof(path), sub, "apiusers.yaml");
	assert_int_equal(cerbo_txn_begin(path, &o, &txn, &err), 0);
	assert_int_equal(cerbo_txn_commit(txn, &err), 0);
	cerbo_txn_free(txn);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
}

static void
commit_bumps_the_generation_read(void **state)
{
	struct fx *fx = *state;

	commit_user(fx, 1);
	assert_int_equal(generation_on_disk(fx->store), 1);
	commit_user(fx, 2);
	assert_int_equal(generation_on_disk(fx->store), 2);
}

/* The tools report cerbo_txn_generation(): the number read, then the one
 * written, also when the whole store was replaced. */
static void
txn_generation_is_the_one_read_then_the_one_written(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *fresh;
	struct cerbo_error err = CERBO_ERROR_INIT;

	commit_user(fx, 1);
	commit_user(fx, 2);
	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), 0);
	assert_int_equal(cerbo_txn_generation(txn), 2);
	fresh = cerbo__store_new();
	assert_non_null(fresh);
	assert_int_equal(cerbo_txn_replace_store(txn, fresh, &err), 0);
	assert_int_equal(cerbo_txn_generation(txn), 2);
	assert_int_equal(cerbo_txn_commit(txn, &err), 0);
	assert_int_equal(cerbo_txn_generation(txn), 3);
	assert_int_equal(generation_on_disk(fx->store), 3);
	cerbo_txn_free(txn);
	assert_int_equal(cerbo_txn_generation(NULL), 0);
}

static void
commit_writes_exactly_the_emitted_text_and_its_digest(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *file, *emitted = NULL, hex[65];
	size_t flen = 0, elen = 0;

	commit_user(fx, 1);
	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), 0);
	add_user(cerbo_txn_store(txn), 2);
	assert_int_equal(cerbo_txn_commit(txn, &err), 0);
	file = fs_read(fx->store, &flen);
	assert_non_null(file);
	/* The transaction's store now is what the file holds. */
	assert_int_equal(cerbo_store_generation(cerbo_txn_store(txn)), 2);
	assert_int_equal(cerbo_store_emit(cerbo_txn_store(txn), &emitted, &elen,
	                     &err),
	    0);
	assert_int_equal(flen, elen);
	assert_memory_equal(file, emitted, flen);
	cerbo__digest_hex(file, flen, hex);
	assert_string_equal(cerbo_store_digest(cerbo_txn_store(txn)), hex);
	cerbo_txn_free(txn);
	free(emitted);
	free(file);
}

static void
commit_of_the_same_store_twice_differs_only_in_generation(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *a, *b, *p;
	size_t alen = 0, blen = 0;

	commit_user(fx, 1);
	a = fs_read(fx->store, &alen);
	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), 0);
	assert_int_equal(cerbo_txn_commit(txn, &err), 0);
	cerbo_txn_free(txn);
	b = fs_read(fx->store, &blen);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(alen, blen);
	/* "generation: 1" became "generation: 2"; every other byte stays. */
	p = strstr(a, "generation: 1\n");
	assert_non_null(p);
	*p = '\0';
	assert_memory_equal(a, b, (size_t)(p - a));
	assert_int_equal(strncmp(b + (p - a), "generation: 2\n", 14), 0);
	assert_string_equal(p + 14, b + (p - a) + 14);
	free(a);
	free(b);
}

static void
backup_holds_the_previous_bytes(void **state)
{
	struct fx *fx = *state;
	char *before, *backup;
	size_t blen = 0, klen = 0;
	struct stat st;

	commit_user(fx, 1);
	assert_int_equal(access(fx->backup, F_OK), -1);
	before = fs_read(fx->store, &blen);
	commit_user(fx, 2);
	backup = fs_read(fx->backup, &klen);
	assert_non_null(before);
	assert_non_null(backup);
	assert_int_equal(klen, blen);
	assert_memory_equal(backup, before, blen);
	assert_int_equal(lstat(fx->backup, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_nlink, 1);
	free(before);
	free(backup);
}

static void
owner_group_and_mode_survive_every_commit(void **state)
{
	struct fx *fx = *state;
	struct stat st;
	gid_t gid = geteuid() == 0 ? 33 : getegid();

	commit_user(fx, 1);
	if (geteuid() == 0)
		assert_int_equal(chown(fx->store, 0, gid), 0);
	assert_int_equal(chmod(fx->store, 0600), 0);
	commit_user(fx, 2);
	assert_int_equal(stat(fx->store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(chmod(fx->store, 0640), 0);
	commit_user(fx, 3);
	assert_int_equal(stat(fx->store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, gid);
}

static void
commit_writes_an_index_that_matches_the_store(void **state)
{
	struct fx *fx = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;

	commit_user(fx, 1);
	commit_user(fx, 2);
	assert_int_equal(stat(fx->store, &st), 0);
	assert_int_equal(cerbo__index_open(fx->store, &st, 0, &ix, &err), 0);
	cerbo__index_close(ix);
}

/* ---- expectations ------------------------------------------------------ */

static void
expected_generation_mismatch_is_refused_with_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *before, *after;
	size_t blen = 0, alen = 0;

	commit_user(fx, 1);
	before = fs_read(fx->store, &blen);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	o.expect_generation_set = 1;
	o.expect_generation = 7;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), -1);
	assert_null(txn);
	assert_int_equal(err.status, CERBO_E_CONFLICT);
	assert_contains(err.message,
	    "expected generation 7, but the store is at generation 1");
	after = fs_read(fx->store, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_int_equal(fs_count_names(fx->dir, ".tmp."), 0);
	free(before);
	free(after);
}

static void
expected_digest_mismatch_is_refused_naming_both(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *bytes, hex[65], want[256];
	size_t len = 0;
	const char *zero =
	    "0000000000000000000000000000000000000000000000000000000000000000";

	commit_user(fx, 1);
	bytes = fs_read(fx->store, &len);
	cerbo__digest_hex(bytes, len, hex);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	o.expect_digest = zero;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_CONFLICT);
	fs_fmt(want, sizeof(want),
	    "expected digest %s, but the store's digest is %s", zero, hex);
	assert_contains(err.message, want);
	free(bytes);
}

static void
matching_expectations_are_accepted(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *bytes, hex[65];
	size_t len = 0;

	commit_user(fx, 1);
	bytes = fs_read(fx->store, &len);
	cerbo__digest_hex(bytes, len, hex);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	o.expect_generation_set = 1;
	o.expect_generation = 1;
	o.expect_digest = hex;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), 0);
	assert_string_equal(cerbo_store_digest(cerbo_txn_store(txn)), hex);
	cerbo_txn_free(txn);
	free(bytes);
}

static void
malformed_expected_digest_is_invalid(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	commit_user(fx, 1);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	o.expect_digest = "abc";
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
}

/* ---- the lock ------------------------------------------------------------ */

static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void
lock_held_by_another_process_times_out(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct timespec t0, t1;
	int ready[2], status;
	char c;
	long ms;
	pid_t pid;

	commit_user(fx, 1);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl;
		int fd = open(fx->lock, O_RDWR | O_CLOEXEC);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		if (fd == -1 || fcntl(fd, F_OFD_SETLK, &fl) == -1)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	o.timeout_ms = 200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ms = ms_between(&t0, &t1);
	assert_int_equal(err.status, CERBO_E_LOCK);
	assert_true(ms >= 200);
	assert_true(ms < 1000);
	assert_contains(err.message, "another writer holds ");
	assert_contains(err.message, "apiusers.yaml.lock (waited ");
	/* The holder died: the kernel dropped its lock, no stale lock. */
	o.timeout_ms = 2000;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), 0);
	cerbo_txn_free(txn);
}

static void
lock_is_released_by_free(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *a = NULL, *b = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	commit_user(fx, 1);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	o.timeout_ms = 50;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &a, &err), 0);
	/* OFD locks exclude a second transaction of the same process. */
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &b, &err), -1);
	assert_int_equal(err.status, CERBO_E_LOCK);
	cerbo_txn_free(a);
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &b, &err), 0);
	cerbo_txn_free(b);
}

static void
lock_file_is_0600_and_stays(void **state)
{
	struct fx *fx = *state;
	struct stat st;

	commit_user(fx, 1);
	assert_int_equal(stat(fx->lock, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
}

static void
symlink_at_the_lock_path_is_refused(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char target[PATH_MAX];

	commit_user(fx, 1);
	assert_int_equal(unlink(fx->lock), 0);
	fs_join(target, sizeof(target), fx->outside, "planted");
	assert_int_equal(symlink(target, fx->lock), 0);
	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
	assert_int_equal(access(target, F_OK), -1);
}

static void
many_writers_at_once_lose_no_update(void **state)
{
	struct fx *fx = *state;
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	enum { WRITERS = 8, EACH = 10 };
	pid_t pids[WRITERS];
	int i, j, status;

	commit_user(fx, 0);
	for (i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			for (j = 0; j < EACH; j++)
				commit_user(fx, 1 + i * EACH + j);
			_exit(0);
		}
	}
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(cerbo_store_load(fx->store, 0, &store, &err), 0);
	assert_int_equal(cerbo_store_user_count(store), 1 + WRITERS * EACH);
	assert_int_equal(cerbo_store_generation(store), 1 + WRITERS * EACH);
	cerbo_store_free(store);
	assert_int_equal(fs_count_names(fx->dir, ".tmp."), 0);
}

/* ---- symlinks ----------------------------------------------------------- */

static void
symlink_at_the_backup_path_does_not_redirect_the_write(void **state)
{
	struct fx *fx = *state;
	char target[PATH_MAX], *before, *backup, *out;
	size_t blen = 0, klen = 0, olen = 0;
	struct stat st;

	commit_user(fx, 1);
	fs_join(target, sizeof(target), fx->outside, "victim");
	assert_int_equal(fs_write(target, "precious\n", 9, 0600), 0);
	assert_int_equal(symlink(target, fx->backup), 0);
	before = fs_read(fx->store, &blen);
	commit_user(fx, 2);
	out = fs_read(target, &olen);
	assert_string_equal(out, "precious\n");
	assert_int_equal(lstat(fx->backup, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	backup = fs_read(fx->backup, &klen);
	assert_int_equal(klen, blen);
	assert_memory_equal(backup, before, blen);
	free(before);
	free(backup);
	free(out);
}

static void
symlink_at_a_temp_name_does_not_redirect_the_write(void **state)
{
	struct fx *fx = *state;
	char target[PATH_MAX], planted[PATH_MAX], *out;
	size_t olen = 0;

	commit_user(fx, 1);
	fs_join(target, sizeof(target), fx->outside, "victim");
	assert_int_equal(fs_write(target, "precious\n", 9, 0600), 0);
	fs_join(planted, sizeof(planted), fx->dir,
	    ".apiusers.yaml.tmp.0123456789abcdef");
	assert_int_equal(symlink(target, planted), 0);
	commit_user(fx, 2);
	out = fs_read(target, &olen);
	assert_string_equal(out, "precious\n");
	assert_int_equal(fs_count_names(fx->dir, ".tmp."), 0);
	assert_int_equal(generation_on_disk(fx->store), 2);
	free(out);
}

static void
store_path_that_is_a_symlink_is_refused_for_writing(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char real[PATH_MAX], link[PATH_MAX], want[2048];
	char *before, *after;
	size_t blen = 0, alen = 0;

	commit_user(fx, 1);
	fs_join(real, sizeof(real), fx->dir, "apiusers.yaml");
	fs_join(link, sizeof(link), fx->dir, "link.yaml");
	assert_int_equal(symlink("apiusers.yaml", link), 0);
	before = fs_read(real, &blen);
	assert_int_equal(cerbo_txn_begin(link, NULL, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
	fs_fmt(want, sizeof(want),
	    "%s: is a symlink; edit the file it points to or replace the "
	    "link",
	    link);
	{
		char buf[2048];

		assert_string_equal(cerbo_error_format(&err, buf, sizeof(buf)),
		    want);
	}
	after = fs_read(real, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
}

/* ---- trust -------------------------------------------------------------- */

static void
world_readable_store_is_refused_unless_no_trust(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	commit_user(fx, 1);
	assert_int_equal(chmod(fx->store, 0644), 0);
	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	assert_int_equal(cerbo__txn_begin_untrusted(fx->store, &o, &txn, &err),
	    0);
	assert_int_equal(cerbo_txn_commit(txn, &err), 0);
	cerbo_txn_free(txn);
}

static void
untrusted_folder_is_refused_before_anything_is_made(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	o.flags = CERBO_TXN_CREATE;
	assert_int_equal(chmod(fx->dir, 0770), 0);
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
	assert_string_equal(err.file, fx->dir);
	assert_int_equal(access(fx->lock, F_OK), -1);
	assert_int_equal(chmod(fx->dir, 0700), 0);
}

static void
relative_store_path_is_written_in_the_current_folder(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char top[PATH_MAX];

	o.flags = CERBO_TXN_CREATE;
	assert_non_null(getcwd(top, sizeof(top)));
	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(cerbo_txn_begin("apiusers.yaml", &o, &txn, &err), 0);
	assert_int_equal(cerbo_txn_commit(txn, &err), 0);
	cerbo_txn_free(txn);
	assert_int_equal(chdir(top), 0);
	assert_int_equal(generation_on_disk(fx->store), 1);
}

/* ---- faults ------------------------------------------------------------- */

static const char *fail_op;
static int fail_errno;

static int
hook(const char *op)
{
	return fail_op != NULL && strcmp(op, fail_op) == 0 ? fail_errno : 0;
}

/*
 * With op failing with e, a commit fails with CERBO_E_IO and a message
 * naming the store and the error, and the store, its backup and the
 * folder are as before; then a commit without the fault succeeds with the
 * next generation.
 */
static void
assert_fault_leaves_everything(struct fx *fx, const char *op, int e)
{
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *before, *after, *bbefore, *bafter, want[2048];
	size_t blen = 0, alen = 0, bblen = 0, balen = 0;
	struct stat st0, st1;

	commit_user(fx, 1);
	commit_user(fx, 2); /* now there is a backup too */
	before = fs_read(fx->store, &blen);
	bbefore = fs_read(fx->backup, &bblen);
	assert_int_equal(stat(fx->store, &st0), 0);
	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), 0);
	add_user(cerbo_txn_store(txn), 3);
	fail_op = op;
	fail_errno = e;
	cerbo__fault_hook = hook;
	assert_int_equal(cerbo_txn_commit(txn, &err), -1);
	cerbo__fault_hook = NULL;
	assert_int_equal(err.status, CERBO_E_IO);
	fs_fmt(want, sizeof(want), "writing %s: ", fx->store);
	assert_contains(err.message, want);
	assert_contains(err.message, strerror(e));
	after = fs_read(fx->store, &alen);
	bafter = fs_read(fx->backup, &balen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_int_equal(balen, bblen);
	assert_memory_equal(bafter, bbefore, bblen);
	assert_int_equal(stat(fx->store, &st1), 0);
	assert_int_equal(st1.st_ino, st0.st_ino);
	assert_int_equal(fs_count_names(fx->dir, ".tmp."), 0);
	/* No index is left that names a version no longer there. */
	{
		struct cerbo_store *s = NULL;

		assert_int_equal(cerbo_store_parse(after, alen, fx->store, &s,
		                     NULL),
		    0);
		assert_int_equal(cerbo__index_compare(fx->store, s, after, alen,
		                     &st1, &err),
		    0);
		cerbo_store_free(s);
	}
	/* The transaction is still usable: the next commit is generation 3. */
	assert_int_equal(cerbo_txn_commit(txn, &err), 0);
	cerbo_txn_free(txn);
	assert_int_equal(generation_on_disk(fx->store), 3);
	assert_int_equal(fs_count_names(fx->dir, ".tmp."), 0);
	free(before);
	free(after);
	free(bbefore);
	free(bafter);
}

static void
write_enospc_leaves_the_store_as_it_was(void **state)
{
	struct fx *fx = *state;

	assert_fault_leaves_everything(fx, "write", ENOSPC);
}

static void
write_enospc_message_is_plain(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char want[2048];

	commit_user(fx, 1);
	assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err), 0);
	fail_op = "write";
	fail_errno = ENOSPC;
	cerbo__fault_hook = hook;
	assert_int_equal(cerbo_txn_commit(txn, &err), -1);
	cerbo__fault_hook = NULL;
	fs_fmt(want, sizeof(want), "writing %s: No space left on device",
	    fx->store);
	assert_string_equal(err.message, want);
	cerbo_txn_free(txn);
}

static void
fsync_eio_leaves_the_store_as_it_was(void **state)
{
	assert_fault_leaves_everything(*state, "fsync", EIO);
}

static void
rename_exdev_leaves_the_store_as_it_was(void **state)
{
	assert_fault_leaves_everything(*state, "rename", EXDEV);
}

static void
link_failure_leaves_the_store_as_it_was(void **state)
{
	assert_fault_leaves_everything(*state, "link", EMLINK);
}

static void
temp_open_failure_leaves_the_store_as_it_was(void **state)
{
	assert_fault_leaves_everything(*state, "open-temp", EDQUOT);
}

static void
fchmod_failure_leaves_the_store_as_it_was(void **state)
{
	assert_fault_leaves_everything(*state, "fchmod", EPERM);
}

static void
backup_rename_failure_is_undone(void **state)
{
	assert_fault_leaves_everything(*state, "rename-backup", EIO);
}

static void
folder_fsync_failure_is_undone(void **state)
{
	assert_fault_leaves_everything(*state, "fsync-dir", EIO);
}

static void
folder_fsync_failure_on_a_new_store_leaves_no_store(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	o.flags = CERBO_TXN_CREATE;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), 0);
	fail_op = "fsync-dir";
	fail_errno = EIO;
	cerbo__fault_hook = hook;
	assert_int_equal(cerbo_txn_commit(txn, &err), -1);
	cerbo__fault_hook = NULL;
	cerbo_txn_free(txn);
	assert_int_equal(access(fx->store, F_OK), -1);
	assert_int_equal(fs_count_names(fx->dir, ".tmp."), 0);
}

static void
lock_failure_is_a_lock_error_and_writes_nothing(void **state)
{
	struct fx *fx = *state;
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *before, *after;
	size_t blen = 0, alen = 0;

	commit_user(fx, 1);
	before = fs_read(fx->store, &blen);
	o = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	o.timeout_ms = 100;
	fail_op = "lock";
	fail_errno = ENOLCK;
	cerbo__fault_hook = hook;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), -1);
	assert_int_equal(err.status, CERBO_E_LOCK);
	assert_contains(err.message, strerror(ENOLCK));
	/* A lock that stays busy: the timeout. */
	fail_errno = EAGAIN;
	assert_int_equal(cerbo_txn_begin(fx->store, &o, &txn, &err), -1);
	cerbo__fault_hook = NULL;
	assert_int_equal(err.status, CERBO_E_LOCK);
	assert_contains(err.message, "(waited ");
	after = fs_read(fx->store, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
}

/* The nth call of one op fails; seen counts the calls of that op. */
static const char *nth_op;
static int nth_at, nth_seen;

static int
nth_hook(const char *op)
{
	if (strcmp(op, nth_op) != 0)
		return 0;
	return ++nth_seen == nth_at ? EIO : 0;
}

/*
 * The index is written after the store, by the same calls: failing the
 * second "open-temp", "write", "fsync" or "rename" fails only the index.
 * It is a cache, so the commit stands, the index left behind no longer
 * matches the store (readers parse the YAML), and no temp file is left.
 */
static void
index_write_failure_leaves_the_commit_standing(void **state)
{
	static const char *const ops[] = {"open-temp", "write", "fsync",
	    "rename"};
	struct fx *fx = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	size_t i;

	commit_user(fx, 1);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		print_message("# %s\n", ops[i]);
		assert_int_equal(cerbo_txn_begin(fx->store, NULL, &txn, &err),
		    0);
		add_user(cerbo_txn_store(txn), (int)i + 2);
		nth_op = ops[i];
		nth_at = 2;
		nth_seen = 0;
		cerbo__fault_hook = nth_hook;
		assert_int_equal(cerbo_txn_commit(txn, &err), 0);
		cerbo__fault_hook = NULL;
		assert_int_equal(nth_seen, 2);
		cerbo_txn_free(txn);
		assert_int_equal(generation_on_disk(fx->store), i + 2);
		assert_int_equal(stat(fx->store, &st), 0);
		assert_int_equal(cerbo__index_open(fx->store, &st, 0, &ix,
		                     &err),
		    -1);
		assert_int_equal(err.status, CERBO_E_STATE);
		assert_int_equal(fs_count_names(fx->dir, ".tmp."), 0);
	}
	/* The next commit writes a good index again. */
	commit_user(fx, 9);
	assert_int_equal(stat(fx->store, &st), 0);
	assert_int_equal(cerbo__index_open(fx->store, &st, 0, &ix, &err), 0);
	cerbo__index_close(ix);
}

/* The index gets the store's group and mode: the daemons read both
 * through the same group. */
static void
index_has_the_stores_group_and_mode(void **state)
{
	struct fx *fx = *state;
	char idx[PATH_MAX];
	struct stat st, ist;

	commit_user(fx, 1);
	assert_int_equal(chmod(fx->store, 0600), 0);
	commit_user(fx, 2);
	cerbo__index_path(fx->store, idx, sizeof(idx));
	assert_int_equal(stat(fx->store, &st), 0);
	assert_int_equal(stat(idx, &ist), 0);
	assert_int_equal(ist.st_mode & 07777, 0600);
	assert_int_equal(ist.st_gid, st.st_gid);
	assert_int_equal(ist.st_uid, st.st_uid);
}

/* ---- leftovers ---------------------------------------------------------- */

static void
leftover_temp_files_are_removed_by_the_next_writer(void **state)
{
	struct fx *fx = *state;
	char a[PATH_MAX], b[PATH_MAX], keep[PATH_MAX];

	commit_user(fx, 1);
	fs_join(a, sizeof(a), fx->dir, ".apiusers.yaml.tmp.1f2e3d4c5b6a7980");
	fs_join(b, sizeof(b), fx->dir, ".apiusers.yaml.tmp.00000000deadbeef");
	fs_join(keep, sizeof(keep), fx->dir,
	    ".other.yaml.tmp.1f2e3d4c5b6a7980");
	assert_int_equal(fs_write(a, "half a store", 12, 0600), 0);
	assert_int_equal(fs_write(b, "", 0, 0600), 0);
	assert_int_equal(fs_write(keep, "not ours", 8, 0600), 0);
	commit_user(fx, 2);
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	assert_int_equal(access(keep, F_OK), 0);
	assert_int_equal(access(fx->lock, F_OK), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(commit_creates_a_new_store_0640_with_the_folders_group),
	    T(begin_on_a_missing_store_starts_empty_and_is_new),
	    T(begin_without_create_on_a_missing_store_is_not_found),
	    T(create_makes_a_missing_folder_0750),
	    T(commit_bumps_the_generation_read),
	    T(txn_generation_is_the_one_read_then_the_one_written),
	    T(commit_writes_exactly_the_emitted_text_and_its_digest),
	    T(commit_of_the_same_store_twice_differs_only_in_generation),
	    T(backup_holds_the_previous_bytes),
	    T(owner_group_and_mode_survive_every_commit),
	    T(commit_writes_an_index_that_matches_the_store),
	    T(expected_generation_mismatch_is_refused_with_nothing_written),
	    T(expected_digest_mismatch_is_refused_naming_both),
	    T(matching_expectations_are_accepted),
	    T(malformed_expected_digest_is_invalid),
	    T(lock_held_by_another_process_times_out),
	    T(lock_is_released_by_free),
	    T(lock_file_is_0600_and_stays),
	    T(many_writers_at_once_lose_no_update),
	    T(symlink_at_the_lock_path_is_refused),
	    T(symlink_at_the_backup_path_does_not_redirect_the_write),
	    T(symlink_at_a_temp_name_does_not_redirect_the_write),
	    T(store_path_that_is_a_symlink_is_refused_for_writing),
	    T(world_readable_store_is_refused_unless_no_trust),
	    T(untrusted_folder_is_refused_before_anything_is_made),
	    T(relative_store_path_is_written_in_the_current_folder),
	    T(write_enospc_leaves_the_store_as_it_was),
	    T(write_enospc_message_is_plain),
	    T(fsync_eio_leaves_the_store_as_it_was),
	    T(rename_exdev_leaves_the_store_as_it_was),
	    T(link_failure_leaves_the_store_as_it_was),
	    T(temp_open_failure_leaves_the_store_as_it_was),
	    T(fchmod_failure_leaves_the_store_as_it_was),
	    T(backup_rename_failure_is_undone),
	    T(folder_fsync_failure_is_undone),
	    T(folder_fsync_failure_on_a_new_store_leaves_no_store),
	    T(lock_failure_is_a_lock_error_and_writes_nothing),
	    T(index_write_failure_leaves_the_commit_standing),
	    T(index_has_the_stores_group_and_mode),
	    T(leftover_temp_files_are_removed_by_the_next_writer),
	};
	char secret[CERBO_SECRET_GENERATED_SIZE];
	struct cerbo_error err = CERBO_ERROR_INIT;

	umask(022);
	if (cerbo_secret_generate(secret, sizeof(secret)) != 0 ||
	    cerbo_secret_hash(secret, strlen(secret), hash, sizeof(hash),
	        &err) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
