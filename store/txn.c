/*
 * txn.c - every change to a store file is one transaction under a lock.
 *
 * The lock protocol (documented in cerbo-store(5), shared by every writer):
 * "<store>.lock" beside the store, created once (0600, owned by the first
 * writer, root in production, so a reader-only account cannot open it for
 * writing), never unlinked, locked with an fcntl open-file-description
 * write lock.  The kernel drops the lock when its holder dies, so a
 * SIGKILLed writer never leaves a stale lock; OFD locks also exclude two
 * transactions of one process.
 *
 * Under the lock the store is read, changed in memory, validated whole and
 * written to a temp file ".<base>.tmp.<random hex>" in the same folder
 * (created O_EXCL|O_NOFOLLOW, so nothing planted there is followed), which
 * gets the store's owner, group and mode, is fsynced, and is renamed over
 * the store; then the folder is fsynced.  Readers never lock: rename is
 * atomic, so they see the old file or the new one, never a half.
 *
 * The previous version is kept as "<store>-" (like /etc/shadow-) by hard
 * links, not copies: the store's inode is linked to a fresh random name
 * before the rename and that name is renamed to "<store>-" after it.
 * link() and rename() never follow a symlink in their last component, so a
 * link planted at "<store>-" is replaced, never written through; the
 * backup costs no copy of a large store; and while the old inode has a
 * second name every step can be undone: on any failure the store and its
 * backup are put back as they were and every temp name is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

#define LOCK_TIMEOUT_MS 10000L
#define LOCK_POLL_MAX_NS (25L * 1000 * 1000)
#define BASE_MAX 200 /* ".<base>.tmp.<16 hex>" must fit NAME_MAX */

struct cerbo_txn {
	char *path;      /* the store, as given */
	char *dir;       /* its folder ("." for a bare name) */
	char *base;      /* its name in the folder */
	char *lock_path; /* "<path>.lock", for messages */
	char *lock_name; /* "<base>.lock" */
	int dirfd;       /* every name below is relative to it */
	int lockfd;      /* holds the OFD lock while >= 0 */
	unsigned flags;
	int is_new;          /* no store file when the transaction began */
	int exists;          /* a store file is there now */
	struct stat st;      /* the store file: owner, group, mode */
	uint64_t generation; /* as read (or as last committed) */
	struct cerbo_store *store;
};

static char *
concat(const char *a, const char *b, const char *c)
{
	size_t size = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(size);

	if (s == NULL)
		return NULL;
	if (snprintf(s, size, "%s%s%s", a, b, c) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Split path into folder and name; the name must be a file's. */
static int
split_path(struct cerbo_txn *t, struct cerbo_error *err)
{
	const char *slash = strrchr(t->path, '/');
	size_t dlen;

	if (slash == NULL) {
		t->dir = strdup(".");
		t->base = strdup(t->path);
	} else {
		dlen = slash == t->path ? 1 : (size_t)(slash - t->path);
		t->dir = strndup(t->path, dlen);
		t->base = strdup(slash + 1);
	}
	if (t->dir == NULL || t->base == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	if (t->base[0] == '\0' || strcmp(t->base, ".") == 0 ||
	    strcmp(t->base, "..") == 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "%s: names a folder, not a store file", t->path);
	if (strlen(t->base) > BASE_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "%s: file name longer than %d bytes", t->path, BASE_MAX);
	return 0;
}

/*
 * Remove what a writer killed mid-commit left behind: every
 * ".<base>.tmp.*" in the folder.  Only a lock holder writes such names, so
 * while we hold the lock none of them is in use.  Best effort: a name that
 * cannot be removed is only clutter, never read by anyone.
 */
static void
remove_leftovers(const struct cerbo_txn *t)
{
	char prefix[NAME_MAX + 1];
	struct dirent *de;
	size_t plen;
	DIR *d;
	int fd;

	snprintf(prefix, sizeof(prefix), ".%s.tmp.", t->base);
	plen = strlen(prefix);
	fd = openat(t->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (strncmp(de->d_name, prefix, plen) == 0)
			(void)unlinkat(t->dirfd, de->d_name, 0);
	}
	closedir(d);
}

/* ---- begin ------------------------------------------------------------- */

static long
ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

static int
take_lock(struct cerbo_txn *t, int64_t timeout_ms, struct cerbo_error *err)
{
	struct timespec start, pause;
	long waited, delay_ns = 1000000, left_ns;
	struct stat st;

	t->lockfd = openat(t->dirfd, t->lock_name,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (t->lockfd == -1) {
		if (errno == ELOOP)
			return cerbo__fail_at(err, CERBO_E_UNSAFE, t->lock_path,
			    0, 0,
			    "is a symlink; remove it (a writer creates the lock file itself)");
		return cerbo__fail_at(err, CERBO_E_LOCK, t->lock_path, 0, 0,
		    "cannot open the lock file: %s", strerror(errno));
	}
	if (fstat(t->lockfd, &st) == -1)
		return cerbo__fail_at(err, CERBO_E_LOCK, t->lock_path, 0, 0,
		    "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cerbo__fail_at(err, CERBO_E_UNSAFE, t->lock_path, 0, 0,
		    "the lock file is not a regular file");
	/* A lock file others may open for writing lets them block writers. */
	if (!(t->flags & CERBO__TXN_NO_TRUST) &&
	    ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	        (st.st_mode & (S_IWGRP | S_IWOTH))))
		return cerbo__fail_at(err, CERBO_E_UNSAFE, t->lock_path, 0, 0,
		    "the lock file must be owned by root and mode 0600 (it is uid %lu, mode %04o); remove it and retry",
		    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (cerbo__sys_lock(t->lockfd) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return cerbo__fail_at(err, CERBO_E_LOCK, t->lock_path,
			    0, 0, "cannot lock: %s", strerror(errno));
		waited = ms_since(&start);
		if (waited >= timeout_ms)
			return cerbo__fail(err, CERBO_E_LOCK,
			    "another writer holds %s (waited %ld ms)",
			    t->lock_path, waited);
		/* Poll: 1 ms, doubling up to 25 ms, never past the end. */
		left_ns = (timeout_ms - waited) * 1000000;
		pause.tv_sec = 0;
		pause.tv_nsec = delay_ns < left_ns ? delay_ns : left_ns;
		while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
			;
		if (delay_ns < LOCK_POLL_MAX_NS)
			delay_ns *= 2;
	}
}

/* The folder, made (0750) when missing and the caller may create. */
static int
open_folder(struct cerbo_txn *t, struct cerbo_error *err)
{
	int fd;

	t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd >= 0)
		return 0;
	if (errno != ENOENT || !(t->flags & CERBO_TXN_CREATE))
		return cerbo__fail_at(err,
		    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO, t->dir, 0,
		    0, "cannot open the store's folder: %s", strerror(errno));
	/* Make it only where the folders above are trusted. */
	if (!(t->flags & CERBO__TXN_NO_TRUST) &&
	    cerbo__trust_folders(t->dir, err) == -1)
		return -1;
	if (mkdir(t->dir, 0750) == -1 && errno != EEXIST)
		return cerbo__fail_at(err, CERBO_E_IO, t->dir, 0, 0,
		    "cannot create the store's folder: %s", strerror(errno));
	fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return cerbo__fail_at(err, CERBO_E_IO, t->dir, 0, 0,
		    "cannot open the store's folder: %s", strerror(errno));
	t->dirfd = fd;
	/* 0750 whatever the umask; a folder made by someone else is theirs. */
	(void)fchmod(fd, 0750);
	return 0;
}

static int
read_store(struct cerbo_txn *t, struct cerbo_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	char hex[65];
	int fd, rc = -1;

	fd = openat(t->dirfd, t->base,
	    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			return cerbo__fail_at(err, CERBO_E_UNSAFE, t->path, 0,
			    0,
			    "is a symlink; edit the file it points to or replace the link");
		if (errno != ENOENT)
			return cerbo__fail_at(err, CERBO_E_IO, t->path, 0, 0,
			    "cannot open: %s", strerror(errno));
		if (!(t->flags & CERBO_TXN_CREATE))
			return cerbo__fail_at(err, CERBO_E_NOTFOUND, t->path, 0,
			    0, "no such store");
		t->store = cerbo__store_new();
		if (t->store == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		t->is_new = 1;
		t->exists = 0;
		t->generation = 0;
		return 0;
	}
	if (cerbo__read_fd(fd, t->path,
	        (t->flags & CERBO__TXN_NO_TRUST) ? CERBO_LOAD_NO_TRUST : 0,
	        &buf, &len, &t->st, err) == -1)
		goto out;
	if (cerbo_store_parse(buf, len, t->path, &t->store, err) == -1)
		goto out;
	if (cerbo_store_digest(t->store)[0] == '\0') {
		cerbo__digest_hex(buf, len, hex);
		cerbo__store_set_digest(t->store, hex);
	}
	t->exists = 1;
	t->generation = cerbo_store_generation(t->store);
	rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	close(fd);
	return rc;
}

static int
check_expectations(const struct cerbo_txn *t, const struct cerbo_txn_options *o,
    struct cerbo_error *err)
{
	const char *digest = cerbo_store_digest(t->store);
	size_t i;

	if (o->expect_generation_set && o->expect_generation != t->generation)
		return cerbo__fail_at(err, CERBO_E_CONFLICT, t->path, 0, 0,
		    "expected generation %llu, but the store is at generation %llu; nothing was written",
		    (unsigned long long)o->expect_generation,
		    (unsigned long long)t->generation);
	if (o->expect_digest == NULL)
		return 0;
	for (i = 0; o->expect_digest[i] != '\0'; i++)
		if (!((o->expect_digest[i] >= '0' &&
		          o->expect_digest[i] <= '9') ||
		        (o->expect_digest[i] >= 'a' &&
		            o->expect_digest[i] <= 'f') ||
		        (o->expect_digest[i] >= 'A' &&
		            o->expect_digest[i] <= 'F')))
			break;
	if (i != 64 || o->expect_digest[i] != '\0')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "expected digest: 64 hex digits, not \"%.80s\"",
		    o->expect_digest);
	if (!t->exists)
		return cerbo__fail_at(err, CERBO_E_CONFLICT, t->path, 0, 0,
		    "expected digest %s, but the store does not exist; nothing was written",
		    o->expect_digest);
	if (strcasecmp(o->expect_digest, digest) != 0)
		return cerbo__fail_at(err, CERBO_E_CONFLICT, t->path, 0, 0,
		    "expected digest %s, but the store's digest is %s; nothing was written",
		    o->expect_digest, digest);
	return 0;
}

/* cerbo_txn_begin(), with the internal bits extra added to the options
 * flags once the caller's were checked. */
static int
txn_begin(const char *path, const struct cerbo_txn_options *copts,
    unsigned extra, struct cerbo_txn **out, struct cerbo_error *err)
{
	struct cerbo_txn_options o = CERBO_TXN_OPTIONS_INIT;
	const struct cerbo_txn_options *opts = &o;
	struct cerbo_txn *t = NULL;
	struct stat st;
	int64_t timeout;
	int rc = -1;

	if (out == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no output");
	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return cerbo__fail(err, CERBO_E_INVALID, "empty store path");
	if (copts != NULL &&
	    cerbo__abi_in(&o, sizeof(o), copts, CERBO__TXN_OPTIONS_V1) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "struct cerbo_txn_options declared without CERBO_TXN_OPTIONS_INIT");
	if ((o.flags & ~CERBO__TXN_FLAGS) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "unknown transaction flag bits 0x%x",
		    o.flags & ~CERBO__TXN_FLAGS);
	o.flags |= extra;
	timeout = opts->timeout_ms > 0 ? opts->timeout_ms : LOCK_TIMEOUT_MS;
	if (cerbo__sodium_init() == -1)
		return cerbo__fail(err, CERBO_E_IO,
		    "cannot initialise libsodium");
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	t->dirfd = -1;
	t->lockfd = -1;
	t->flags = opts->flags;
	t->path = strdup(path);
	t->lock_path = concat(path, ".lock", "");
	if (t->path == NULL || t->lock_path == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	if (split_path(t, err) == -1)
		goto out;
	t->lock_name = concat(t->base, ".lock", "");
	if (t->lock_name == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	if (open_folder(t, err) == -1)
		goto out;
	/* Never write through a symlink: refuse before touching anything. */
	if (fstatat(t->dirfd, t->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "is a symlink; edit the file it points to or replace the link");
		goto out;
	}
	if (!(t->flags & CERBO__TXN_NO_TRUST) &&
	    cerbo__trust_folders(path, err) == -1)
		goto out;
	if (take_lock(t, timeout, err) == -1)
		goto out;
	remove_leftovers(t);
	if (read_store(t, err) == -1)
		goto out;
	if (check_expectations(t, opts, err) == -1)
		goto out;
	*out = t;
	t = NULL;
	rc = 0;
out:
	cerbo_txn_free(t);
	return rc;
}

int
cerbo_txn_begin(const char *path, const struct cerbo_txn_options *opts,
    struct cerbo_txn **out, struct cerbo_error *err)
{
	return txn_begin(path, opts, 0, out, err);
}

int
cerbo__txn_begin_untrusted(const char *path,
    const struct cerbo_txn_options *opts, struct cerbo_txn **out,
    struct cerbo_error *err)
{
	return txn_begin(path, opts, CERBO__TXN_NO_TRUST, out, err);
}

struct cerbo_store *
cerbo_txn_store(struct cerbo_txn *txn)
{
	return txn == NULL ? NULL : txn->store;
}

int
cerbo__txn_is_new(const struct cerbo_txn *txn)
{
	return txn != NULL && txn->is_new;
}

uint64_t
cerbo_txn_generation(const struct cerbo_txn *txn)
{
	return txn != NULL ? txn->generation : 0;
}

void
cerbo_txn_free(struct cerbo_txn *txn)
{
	if (txn == NULL)
		return;
	/* Closing the only descriptor of the description drops the lock. */
	if (txn->lockfd >= 0)
		close(txn->lockfd);
	if (txn->dirfd >= 0)
		close(txn->dirfd);
	cerbo_store_free(txn->store);
	free(txn->path);
	free(txn->dir);
	free(txn->base);
	free(txn->lock_path);
	free(txn->lock_name);
	free(txn);
}

/* ---- commit ------------------------------------------------------------ */

/* The store's owner, group and mode for its next version (a new store:
 * the caller, the folder's group, 0640). */
static int
store_owner(const struct cerbo_txn *t, uid_t *uid, gid_t *gid, mode_t *mode)
{
	struct stat dir;

	if (t->exists) {
		*uid = t->st.st_uid;
		*gid = t->st.st_gid;
		*mode = t->st.st_mode & 07777;
		return 0;
	}
	if (fstat(t->dirfd, &dir) == -1)
		return -1;
	*uid = geteuid();
	*gid = dir.st_gid;
	*mode = 0640;
	return 0;
}

/*
 * A commit that is undone after it wrote the index removes that index,
 * which describes a store no longer there: readers then parse the YAML,
 * as they do without an index, and `check` finds no index that does not
 * match.  Nothing to do when the index was not written.
 */
static void
drop_index(const struct cerbo_txn *txn, int have_index)
{
	char name[NAME_MAX + 1];

	if (!have_index ||
	    (size_t)snprintf(name, sizeof(name), "%s%s", txn->base,
	        CERBO__INDEX_SUFFIX) >= sizeof(name))
		return;
	(void)unlinkat(txn->dirfd, name, 0);
}

/*
 * A read lock on the store's lock file, so that a reader that compares
 * two files (the YAML and its index, for `check`) does not see a commit
 * half-way: the descriptor that holds it, or -1 when the lock file cannot
 * be opened (a reader without access to it compares without) or the lock
 * was not had within timeout_ms.  Close the descriptor to release it.
 */
int
cerbo__store_read_lock(const char *path, int64_t timeout_ms)
{
	struct timespec start, pause;
	struct flock fl;
	char *lock;
	int fd;

	lock = concat(path, ".lock", "");
	if (lock == NULL)
		return -1;
	fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	free(lock);
	if (fd == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return fd;
		if ((errno != EAGAIN && errno != EACCES && errno != EINTR) ||
		    ms_since(&start) >= timeout_ms)
			break;
		pause.tv_sec = 0;
		pause.tv_nsec = 5000000;
		while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
			;
	}
	close(fd);
	return -1;
}

int
cerbo_txn_commit(struct cerbo_txn *txn, struct cerbo_error *err)
{
	char tmp[NAME_MAX + 1], prev[NAME_MAX + 1], prevbak[NAME_MAX + 1];
	char *backup = NULL, *buf = NULL;
	char hex[65];
	size_t len = 0;
	uint64_t gen;
	struct stat st;
	int have_tmp = 0, have_prev = 0, have_prevbak = 0;
	int renamed = 0, have_index = 0, e, rc = -1;
	const char *what;
	uid_t uid;
	gid_t gid;
	mode_t mode;

	if (txn == NULL || txn->store == NULL || txn->lockfd < 0)
		return cerbo__fail(err, CERBO_E_STATE,
		    "no transaction to commit");
	if (txn->generation >= CERBO__GENERATION_MAX)
		return cerbo__fail_at(err, CERBO_E_STATE, txn->path, 0, 0,
		    "generation %llu cannot grow further",
		    (unsigned long long)txn->generation);
	gen = txn->generation + 1;
	cerbo__store_prune(txn->store, time(NULL));
	if (cerbo_store_validate(txn->store, err) == -1)
		goto out;
	cerbo__store_set_generation(txn->store, gen);
	if (cerbo_store_emit(txn->store, &buf, &len, err) == -1)
		goto out;
	backup = concat(txn->base, "-", "");
	if (backup == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}

	what = "giving the temp file the store's owner, group and mode";
	if (store_owner(txn, &uid, &gid, &mode) == -1)
		goto fail;
	if (cerbo__txn_write_temp(txn->dirfd, txn->base, uid, gid, mode, buf,
	        len, tmp, sizeof(tmp), &st, &what) == -1)
		goto fail;
	have_tmp = 1;

	if (txn->exists) {
		what = "keeping the previous version";
		if (cerbo__txn_link_temp(txn->dirfd, txn->base, txn->base, prev,
		        sizeof(prev)) == -1)
			goto fail;
		have_prev = 1;
		if (cerbo__txn_link_temp(txn->dirfd, txn->base, backup, prevbak,
		        sizeof(prevbak)) == 0)
			have_prevbak = 1;
		else if (errno != ENOENT)
			goto fail;
	}
	what = "replacing the store";
	if (cerbo__sys_rename(txn->dirfd, tmp, txn->base, "rename") == -1)
		goto fail;
	have_tmp = 0;
	renamed = 1;
	if (have_prev) {
		what = "keeping the previous version";
		if (cerbo__sys_rename(txn->dirfd, prev, backup,
		        "rename-backup") == -1)
			goto fail;
		have_prev = 0;
	}
	/*
	 * The compiled index follows the store, synced by the same folder
	 * fsync.  It is a cache: if it cannot be written, the one left
	 * behind no longer matches the store's identity or digest, and
	 * readers parse the YAML instead, so the commit stands.
	 */
	cerbo__digest_hex(buf, len, hex);
	have_index = cerbo__txn_write_index(txn->dirfd, txn->base, txn->path,
	                 txn->store, &st, buf, len, NULL) == 0;
	what = "syncing the store's folder";
	if (cerbo__sys_fsync(txn->dirfd, "fsync-dir") == -1)
		goto fail;

	/* Done: the transaction now stands where the file does. */
	if (have_prevbak)
		(void)unlinkat(txn->dirfd, prevbak, 0);
	have_prevbak = 0;
	cerbo__store_set_digest(txn->store, hex);
	txn->generation = gen;
	txn->st = st;
	txn->exists = 1;
	rc = 0;
	goto out;

fail:
	e = errno;
	if (what == NULL)
		cerbo__fail(err, CERBO_E_IO, "writing %s: %s", txn->path,
		    strerror(e));
	else
		cerbo__fail(err, CERBO_E_IO, "writing %s: %s: %s", txn->path,
		    what, strerror(e));
	if (renamed) {
		/*
		 * Undo the rename: the previous inode, still linked as prev
		 * or (after its rename) as the backup, goes back over the
		 * store; the old backup, kept as prevbak, goes back too.
		 */
		if (!txn->exists) {
			if (unlinkat(txn->dirfd, txn->base, 0) == -1)
				cerbo__error_prefix(err,
				    "the new store could not be removed: ");
			else
				drop_index(txn, have_index);
		} else if (cerbo__sys_rename(txn->dirfd,
		               have_prev ? prev : backup, txn->base,
		               "undo") == -1) {
			cerbo__error_prefix(err,
			    "the new version is in place but could not be undone: ");
		} else {
			drop_index(txn, have_index);
			if (!have_prev && have_prevbak &&
			    cerbo__sys_rename(txn->dirfd, prevbak, backup,
			        "undo") == 0)
				/* The backup was replaced too: the old one is
				 * back. */
				have_prevbak = 0;
		}
		have_prev = 0;
		(void)fsync(txn->dirfd);
	}
out:
	if (rc == -1)
		cerbo__store_set_generation(txn->store, txn->generation);
	if (have_tmp)
		(void)unlinkat(txn->dirfd, tmp, 0);
	if (have_prev)
		(void)unlinkat(txn->dirfd, prev, 0);
	if (have_prevbak)
		(void)unlinkat(txn->dirfd, prevbak, 0);
	if (buf != NULL) {
		/* The emitted YAML holds the hash strings. */
		sodium_memzero(buf, len);
		free(buf);
	}
	free(backup);
	return rc;
}

/* ---- edit-file (cerbo-apiuser): install a whole store ---------------- */

int
cerbo_txn_replace_store(struct cerbo_txn *txn, struct cerbo_store *store,
    struct cerbo_error *err)
{
	if (txn == NULL || store == NULL || txn->lockfd < 0)
		return cerbo__fail(err, CERBO_E_STATE,
		    "no transaction to replace the store of");
	if (cerbo_store_validate(store, err) == -1)
		return -1;
	cerbo_store_free(txn->store);
	txn->store = store;
	return 0;
}

/* ---- the compiled index ------------------------------------------------ */

int
cerbo_store_compile(const char *path, const struct cerbo_txn_options *opts,
    struct cerbo_error *err)
{
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *store = NULL;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (opts != NULL && cerbo__abi_check(opts, CERBO__TXN_OPTIONS_V1) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "struct cerbo_txn_options declared without CERBO_TXN_OPTIONS_INIT");
	if (opts != NULL && (opts->flags & CERBO_TXN_CREATE))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "compile does not create a store");
	if (opts != NULL && (opts->flags & ~CERBO__TXN_FLAGS) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "unknown transaction flag bits 0x%x",
		    opts->flags & ~CERBO__TXN_FLAGS);
	/* The lock keeps the tools from replacing the store meanwhile. */
	if (cerbo_txn_begin(path, opts, &txn, err) != 0 || txn == NULL)
		goto out;
	/* Stamp what was read through one descriptor: bytes and identity. */
	if (cerbo__read_file(path, 0, &buf, &len, &st, err) != 0 ||
	    cerbo_store_parse(buf, len, path, &store, err) != 0)
		goto out;
	if (cerbo__txn_write_index(txn->dirfd, txn->base, path, store, &st, buf,
	        len, err) != 0)
		goto out;
	(void)cerbo__sys_fsync(txn->dirfd, "fsync-dir");
	rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	cerbo_store_free(store);
	cerbo_txn_free(txn);
	return rc;
}
