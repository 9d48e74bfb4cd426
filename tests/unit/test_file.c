/*
 * test_file.c - reading a store safely, and the trust rules: every refusal
 * with its message, symlinks followed only to read, and check_access
 * naming the folder or mode that stops an account.
 *
 * Runs as root in CI (then ownership cases use real chown); as another
 * user the same rules are shown on stats the test builds itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "fsutil.h"

#define NOBODY 65534

static char top[PATH_MAX];

struct fx {
	char dir[PATH_MAX];   /* private folder, 0700 */
	char store[PATH_MAX]; /* <dir>/apiusers.yaml */
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	fs_tempdir(fx->dir, sizeof(fx->dir), "cerbo-file", 0700);
	if (fx->dir[0] == '\0')
		return -1;
	fs_join(fx->store, sizeof(fx->store), fx->dir, "apiusers.yaml");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	fs_rm_rf(fx->dir);
	free(fx);
	return 0;
}

/* A message as a person sees it: "file: message". */
static const char *
text(const struct cerbo_error *err)
{
	static char buf[1024];

	return cerbo_error_format(err, buf, sizeof(buf));
}

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* Read path with the trust rules; expect a refusal with status and text. */
static void
assert_read_refused(const char *path, enum cerbo_status status,
    const char *expected)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(cerbo__read_file(path, 0, &buf, &len, NULL, &err), -1);
	assert_null(buf);
	assert_int_equal(err.status, status);
	assert_string_equal(text(&err), expected);
}

static void
group_writable_file_is_refused(void **state)
{
	struct fx *fx = *state;
	char want[1024];

	assert_int_equal(fs_write(fx->store, "x\n", 2, 0660), 0);
	fs_fmt(want, sizeof(want),
	    "%s: group-writable (mode 0660); run chmod g-w %s", fx->store,
	    fx->store);
	assert_read_refused(fx->store, CERBO_E_UNSAFE, want);
}

static void
world_writable_file_is_refused(void **state)
{
	struct fx *fx = *state;
	char want[1024];

	assert_int_equal(fs_write(fx->store, "x\n", 2, 0602), 0);
	fs_fmt(want, sizeof(want),
	    "%s: world-writable (mode 0602); run chmod o-w %s", fx->store,
	    fx->store);
	assert_read_refused(fx->store, CERBO_E_UNSAFE, want);
}

static void
world_readable_file_is_refused(void **state)
{
	struct fx *fx = *state;
	char want[1024];

	assert_int_equal(fs_write(fx->store, "x\n", 2, 0644), 0);
	fs_fmt(want, sizeof(want),
	    "%s: world-readable (mode 0644), but it holds key hashes; run "
	    "chmod o-r %s",
	    fx->store, fx->store);
	assert_read_refused(fx->store, CERBO_E_UNSAFE, want);
}

static void
other_writable_folder_is_refused(void **state)
{
	struct fx *fx = *state;
	char sub[PATH_MAX], file[PATH_MAX], want[2048];

	fs_join(sub, sizeof(sub), fx->dir, "open");
	assert_int_equal(mkdir(sub, 0700), 0);
	fs_join(file, sizeof(file), sub, "apiusers.yaml");
	assert_int_equal(fs_write(file, "x\n", 2, 0640), 0);
	assert_int_equal(chmod(sub, 0757), 0);
	fs_fmt(want, sizeof(want),
	    "%s: world-writable folder (mode 0757), so others could replace "
	    "the store; run chmod o-w %s",
	    sub, sub);
	assert_read_refused(file, CERBO_E_UNSAFE, want);
}

static void
group_writable_folder_is_refused(void **state)
{
	struct fx *fx = *state;
	char sub[PATH_MAX], file[PATH_MAX], want[2048];

	fs_join(sub, sizeof(sub), fx->dir, "team");
	assert_int_equal(mkdir(sub, 0700), 0);
	fs_join(file, sizeof(file), sub, "apiusers.yaml");
	assert_int_equal(fs_write(file, "x\n", 2, 0640), 0);
	assert_int_equal(chmod(sub, 0770), 0);
	fs_fmt(want, sizeof(want),
	    "%s: group-writable folder (mode 0770), so others could replace "
	    "the store; run chmod g-w %s",
	    sub, sub);
	assert_read_refused(file, CERBO_E_UNSAFE, want);
}

/* /tmp-like: root's, writable by all, sticky. */
static void
root_sticky_folder_is_trusted(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	char sub[PATH_MAX], file[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;

	if (geteuid() != 0) {
		/* The rule itself, on a stat of such a folder. */
		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFDIR | S_ISVTX | 0777;
		st.st_uid = 0;
		assert_int_equal(cerbo__trust_folder_stat("/x", &st, &err), 0);
		st.st_mode = S_IFDIR | 0777;
		assert_int_equal(cerbo__trust_folder_stat("/x", &st, &err), -1);
		return;
	}
	fs_join(sub, sizeof(sub), fx->dir, "sticky");
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chmod(sub, 01777), 0);
	fs_join(file, sizeof(file), sub, "apiusers.yaml");
	assert_int_equal(fs_write(file, "ok\n", 3, 0640), 0);
	assert_int_equal(cerbo__read_file(file, 0, &buf, &len, NULL, &err), 0);
	assert_string_equal(buf, "ok\n");
	free(buf);
}

static void
file_owned_by_another_user_is_refused(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	char want[1024];

	if (geteuid() != 0) {
		/* No chown without root: the rule on a stat of such a file. */
		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFREG | 0640;
		st.st_uid = geteuid() + 1;
		assert_int_equal(cerbo__trust_file_stat(fx->store, &st, &err),
		    -1);
		assert_int_equal(err.status, CERBO_E_UNSAFE);
		assert_contains(err.message, "run chown root");
		return;
	}
	assert_int_equal(fs_write(fx->store, "x\n", 2, 0640), 0);
	assert_int_equal(chown(fx->store, NOBODY, 0), 0);
	fs_fmt(want, sizeof(want),
	    "%s: owned by nobody (uid 65534), not root; run chown root %s",
	    fx->store, fx->store);
	assert_read_refused(fx->store, CERBO_E_UNSAFE, want);
}

static void
folder_owned_by_another_user_is_refused(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	char sub[PATH_MAX], file[PATH_MAX], want[2048];

	if (geteuid() != 0) {
		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFDIR | 0755;
		st.st_uid = geteuid() + 1;
		assert_int_equal(cerbo__trust_folder_stat("/srv/x", &st, &err),
		    -1);
		assert_int_equal(err.status, CERBO_E_UNSAFE);
		assert_string_equal(err.file, "/srv/x");
		assert_contains(err.message, "run chown root /srv/x");
		return;
	}
	fs_join(sub, sizeof(sub), fx->dir, "theirs");
	assert_int_equal(mkdir(sub, 0755), 0);
	fs_join(file, sizeof(file), sub, "apiusers.yaml");
	assert_int_equal(fs_write(file, "x\n", 2, 0640), 0);
	assert_int_equal(chown(sub, NOBODY, 0), 0);
	fs_fmt(want, sizeof(want),
	    "%s: owned by nobody (uid 65534), not root; run chown root %s", sub,
	    sub);
	assert_read_refused(file, CERBO_E_UNSAFE, want);
}

static void
fifo_is_refused_without_blocking(void **state)
{
	struct fx *fx = *state;
	char want[1024];

	assert_int_equal(mkfifo(fx->store, 0600), 0);
	fs_fmt(want, sizeof(want), "%s: not a regular file (a FIFO)",
	    fx->store);
	assert_read_refused(fx->store, CERBO_E_UNSAFE, want);
}

static void
folder_as_store_is_refused(void **state)
{
	struct fx *fx = *state;
	char want[1024];

	assert_int_equal(mkdir(fx->store, 0700), 0);
	fs_fmt(want, sizeof(want), "%s: not a regular file (a folder)",
	    fx->store);
	assert_read_refused(fx->store, CERBO_E_UNSAFE, want);
}

static void
oversize_file_is_refused(void **state)
{
	struct fx *fx = *state;
	char want[1024];
	int fd;

	fd = open(fx->store, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	/* Sparse: costs no disk. */
	assert_int_equal(ftruncate(fd, (off_t)CERBO_STORE_SIZE_MAX + 1), 0);
	close(fd);
	fs_fmt(want, sizeof(want),
	    "%s: too large (%llu bytes; a store may have at most %u)",
	    fx->store, (unsigned long long)CERBO_STORE_SIZE_MAX + 1,
	    CERBO_STORE_SIZE_MAX);
	assert_read_refused(fx->store, CERBO_E_STORE, want);
}

static void
missing_file_is_not_found(void **state)
{
	struct fx *fx = *state;
	char want[1024];

	fs_fmt(want, sizeof(want), "%s: no such file", fx->store);
	assert_read_refused(fx->store, CERBO_E_NOTFOUND, want);
}

static void
read_gives_every_byte_and_a_nul(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(fs_write(fx->store, "a: 1\nb\0c", 8, 0640), 0);
	assert_int_equal(cerbo__read_file(fx->store, 0, &buf, &len, &st, &err),
	    0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "a: 1\nb\0c", 8);
	assert_int_equal(buf[8], '\0');
	assert_int_equal(st.st_size, 8);
	assert_int_equal(st.st_mode & 07777, 0640);
	free(buf);
}

static void
no_trust_flag_reads_a_world_readable_file(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(fs_write(fx->store, "x\n", 2, 0666), 0);
	assert_int_equal(cerbo__read_file(fx->store, CERBO_LOAD_NO_TRUST, &buf,
	                     &len, NULL, &err),
	    0);
	assert_int_equal(len, 2);
	free(buf);
}

static void
symlink_is_followed_to_read(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char real[PATH_MAX], file[PATH_MAX], link[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;

	/* As a Kubernetes Secret volume: name -> ..data/name. */
	fs_join(real, sizeof(real), fx->dir, "..data");
	assert_int_equal(mkdir(real, 0755), 0);
	fs_join(file, sizeof(file), real, "apiusers.yaml");
	assert_int_equal(fs_write(file, "real\n", 5, 0640), 0);
	fs_join(link, sizeof(link), fx->dir, "apiusers.yaml");
	assert_int_equal(symlink("..data/apiusers.yaml", link), 0);
	assert_int_equal(cerbo__read_file(link, 0, &buf, &len, NULL, &err), 0);
	assert_string_equal(buf, "real\n");
	free(buf);
}

static void
symlink_into_an_unsafe_folder_is_refused(void **state)
{
	struct fx *fx = *state;
	char real[PATH_MAX], file[PATH_MAX], want[2048];

	fs_join(real, sizeof(real), fx->dir, "elsewhere");
	assert_int_equal(mkdir(real, 0700), 0);
	fs_join(file, sizeof(file), real, "apiusers.yaml");
	assert_int_equal(fs_write(file, "x\n", 2, 0640), 0);
	assert_int_equal(chmod(real, 0777), 0);
	assert_int_equal(symlink("elsewhere/apiusers.yaml", fx->store), 0);
	fs_fmt(want, sizeof(want),
	    "%s: group- and world-writable folder (mode 0777), so others "
	    "could replace the store; run chmod go-w %s",
	    real, real);
	assert_read_refused(fx->store, CERBO_E_UNSAFE, want);
}

static void
symlink_loop_is_an_error(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(symlink("apiusers.yaml", fx->store), 0);
	assert_int_equal(cerbo__read_file(fx->store, 0, &buf, &len, NULL, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_IO);
	assert_null(buf);
}

static void
relative_path_is_walked_from_the_current_folder(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(fs_write(fx->store, "x\n", 2, 0640), 0);
	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(cerbo__trust_folders("apiusers.yaml", &err), 0);
	assert_int_equal(chmod(fx->dir, 0770), 0);
	assert_int_equal(cerbo__trust_folders("./apiusers.yaml", &err), -1);
	assert_string_equal(err.file, fx->dir);
	assert_int_equal(chdir(top), 0);
}

static void
file_identity_changes_with_the_file(void **state)
{
	struct fx *fx = *state;
	struct cerbo__file_id a, b;
	struct stat st;

	assert_int_equal(fs_write(fx->store, "one\n", 4, 0640), 0);
	assert_int_equal(stat(fx->store, &st), 0);
	cerbo__file_id_from_stat(&a, &st);
	cerbo__file_id_from_stat(&b, &st);
	assert_true(cerbo__file_id_equal(&a, &b));
	assert_int_equal(fs_write(fx->store, "two!\n", 5, 0640), 0);
	assert_int_equal(stat(fx->store, &st), 0);
	cerbo__file_id_from_stat(&b, &st);
	assert_false(cerbo__file_id_equal(&a, &b));
}

static void
store_load_reads_and_parses(void **state)
{
	struct fx *fx = *state;
	struct cerbo_store *store = cerbo__store_new(), *got = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *text_buf = NULL, hex[65];
	size_t len = 0;

	assert_non_null(store);
	assert_int_equal(cerbo_profile_add(store, "ops", "Operations", &err),
	    0);
	assert_int_equal(cerbo_store_emit(store, &text_buf, &len, &err), 0);
	assert_int_equal(fs_write(fx->store, text_buf, len, 0640), 0);
	assert_int_equal(cerbo_store_load(fx->store, 0, &got, &err), 0);
	assert_non_null(cerbo_store_profile_find(got, "ops"));
	cerbo__digest_hex(text_buf, len, hex);
	assert_string_equal(cerbo_store_digest(got), hex);
	cerbo_store_free(got);
	cerbo_store_free(store);
	free(text_buf);
}

static void
store_load_refuses_an_unsafe_store(void **state)
{
	struct fx *fx = *state;
	struct cerbo_store *got = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(fs_write(fx->store, "x\n", 2, 0644), 0);
	assert_int_equal(cerbo_store_load(fx->store, 0, &got, &err), -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
	assert_null(got);
}

/* ---- check_access ---------------------------------------------------- */

static void
check_access_names_the_folder_that_stops_an_account(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char sub[PATH_MAX], file[PATH_MAX], want[2048], me[64];
	gid_t gid = 33;

	assert_int_equal(chmod(fx->dir, 0755), 0);
	fs_join(sub, sizeof(sub), fx->dir, "cerbo");
	assert_int_equal(mkdir(sub, 0750), 0);
	assert_int_equal(chmod(sub, 0750), 0);
	fs_join(file, sizeof(file), sub, "apiusers.yaml");
	assert_int_equal(fs_write(file, "x\n", 2, 0640), 0);
	if (geteuid() != 0) {
		/* Our own folder without search permission for us. */
		assert_int_equal(chmod(sub, 0640), 0);
		assert_int_equal(cerbo_store_check_access(file, (uid_t)-1, NULL,
		                     0, &err),
		    -1);
		assert_string_equal(err.file, sub);
		assert_contains(err.message,
		    "owns it and the owner has no search permission");
		assert_int_equal(chmod(sub, 0750), 0);
		(void)me;
		return;
	}
	assert_int_equal(chown(sub, 0, 0), 0);
	assert_int_equal(cerbo_store_check_access(file, 33, &gid, 1, &err), -1);
	assert_int_equal(err.status, CERBO_E_IO);
	{
		struct passwd *pw = getpwuid(33);
		struct group *gr = getgrgid(0);

		fs_fmt(me, sizeof(me), "%s", pw != NULL ? pw->pw_name : "33");
		fs_fmt(want, sizeof(want),
		    "%s: mode 0750 root:%s: %s (uid 33) is not in group %s and "
		    "others have no search permission",
		    sub, gr != NULL ? gr->gr_name : "0", me,
		    gr != NULL ? gr->gr_name : "0");
	}
	assert_string_equal(text(&err), want);
}

static void
check_access_allows_an_account_through_its_group(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char sub[PATH_MAX], file[PATH_MAX];
	gid_t gid = 33;

	assert_int_equal(chmod(fx->dir, 0755), 0);
	fs_join(sub, sizeof(sub), fx->dir, "cerbo");
	assert_int_equal(mkdir(sub, 0750), 0);
	fs_join(file, sizeof(file), sub, "apiusers.yaml");
	assert_int_equal(fs_write(file, "x\n", 2, 0640), 0);
	if (geteuid() != 0) {
		/* Only ourselves can be shown without chown. */
		assert_int_equal(cerbo_store_check_access(file, (uid_t)-1, NULL,
		                     0, &err),
		    0);
		return;
	}
	assert_int_equal(chown(sub, 0, 33), 0);
	assert_int_equal(chown(file, 0, 33), 0);
	assert_int_equal(cerbo_store_check_access(file, 33, &gid, 1, &err), 0);
	/* The same account without the group is stopped at the folder. */
	gid = 12345;
	assert_int_equal(cerbo_store_check_access(file, 33, &gid, 1, &err), -1);
	assert_string_equal(err.file, sub);
}

static void
check_access_names_a_file_the_account_cannot_read(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char want[2048];
	gid_t gid = 33;

	assert_int_equal(chmod(fx->dir, 0755), 0);
	if (geteuid() != 0) {
		assert_int_equal(fs_write(fx->store, "x\n", 2, 0200), 0);
		assert_int_equal(cerbo_store_check_access(fx->store, (uid_t)-1,
		                     NULL, 0, &err),
		    -1);
		assert_contains(err.message,
		    "owns it and the owner has no read permission");
		return;
	}
	assert_int_equal(fs_write(fx->store, "x\n", 2, 0600), 0);
	assert_int_equal(cerbo_store_check_access(fx->store, 33, &gid, 1, &err),
	    -1);
	assert_string_equal(err.file, fx->store);
	fs_fmt(want, sizeof(want), "mode 0600 root:%s: ",
	    getgrgid(0) != NULL ? getgrgid(0)->gr_name : "0");
	assert_contains(err.message, want);
	assert_contains(err.message, "others have no read permission");
}

static void
check_access_applies_the_trust_rules(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(fs_write(fx->store, "x\n", 2, 0604), 0);
	assert_int_equal(cerbo_store_check_access(fx->store, (uid_t)-1, NULL, 0,
	                     &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
	assert_contains(err.message, "world-readable (mode 0604)");
}

static void
check_access_on_a_missing_store_is_not_found(void **state)
{
	struct fx *fx = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(cerbo_store_check_access(fx->store, (uid_t)-1, NULL, 0,
	                     &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_NOTFOUND);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(group_writable_file_is_refused),
	    T(world_writable_file_is_refused),
	    T(world_readable_file_is_refused),
	    T(other_writable_folder_is_refused),
	    T(group_writable_folder_is_refused),
	    T(root_sticky_folder_is_trusted),
	    T(file_owned_by_another_user_is_refused),
	    T(folder_owned_by_another_user_is_refused),
	    T(fifo_is_refused_without_blocking),
	    T(folder_as_store_is_refused),
	    T(oversize_file_is_refused),
	    T(missing_file_is_not_found),
	    T(read_gives_every_byte_and_a_nul),
	    T(no_trust_flag_reads_a_world_readable_file),
	    T(symlink_is_followed_to_read),
	    T(symlink_into_an_unsafe_folder_is_refused),
	    T(symlink_loop_is_an_error),
	    T(relative_path_is_walked_from_the_current_folder),
	    T(file_identity_changes_with_the_file),
	    T(store_load_reads_and_parses),
	    T(store_load_refuses_an_unsafe_store),
	    T(check_access_names_the_folder_that_stops_an_account),
	    T(check_access_allows_an_account_through_its_group),
	    T(check_access_names_a_file_the_account_cannot_read),
	    T(check_access_applies_the_trust_rules),
	    T(check_access_on_a_missing_store_is_not_found),
	};

	if (getcwd(top, sizeof(top)) == NULL)
		return 1;
	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
