/*
 * txn_write.c - the files a transaction writes beside the store: each
 * under a fresh random temp name (O_EXCL|O_NOFOLLOW), given the store's
 * owner, group and mode, written, fsync'd and closed, for the caller to
 * rename over the file it replaces; and the compiled index, written so.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

#define NAME_TRIES 8 /* random temp names tried before giving up */

/* A fresh ".<base>.tmp.<16 hex>" into out (NAME_MAX + 1 bytes). */
void
cerbo__txn_temp_name(const char *base, char *out, size_t len)
{
	unsigned char rnd[8];
	char hex[sizeof(rnd) * 2 + 1];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(out, len, ".%s.tmp.%s", base, hex);
}

/*
 * Create the temp file under a fresh random name.  O_EXCL|O_NOFOLLOW: a
 * name someone planted (even a symlink) makes the open fail, and then
 * another name is tried.
 */
static int
open_temp(int dirfd, const char *base, char *name, size_t len)
{
	int i, fd = -1;

	for (i = 0; i < NAME_TRIES; i++) {
		cerbo__txn_temp_name(base, name, len);
		fd = cerbo__sys_open_temp(dirfd, name);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	return fd;
}

/* A second name for from, under a fresh random temp name. */
int
cerbo__txn_link_temp(int dirfd, const char *base, const char *from, char *name,
    size_t len)
{
	int i, rc = -1;

	for (i = 0; i < NAME_TRIES; i++) {
		cerbo__txn_temp_name(base, name, len);
		rc = cerbo__sys_link(dirfd, from, name);
		if (rc == 0 || errno != EEXIST)
			break;
	}
	return rc;
}

/* Give a temp file an owner, group and mode. */
static int
give_owner(int fd, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat now;

	if (fstat(fd, &now) == -1)
		return -1;
	/* Only when it differs: a non-root writer can keep its own. */
	if ((now.st_uid != uid || now.st_gid != gid) &&
	    cerbo__sys_fchown(fd, uid, gid) == -1)
		return -1;
	/* After fchown, which may clear set-id bits. */
	return cerbo__sys_fchmod(fd, mode);
}

/*
 * The first half of every atomic replace here, in two steps so that a
 * writer may look at its new file before it chooses the bytes (the index
 * stamps its own inode).  temp_open makes a new temp file beside base in
 * dirfd with owner uid:gid and mode, its name in tmp, and returns its
 * descriptor.  temp_finish writes buf to fd, gives it mtime when that is
 * not NULL, fsyncs it, fstats it into st when that is not NULL, and closes
 * it; the caller renames it over the file it replaces.  Both return -1
 * with errno and *what naming the step that failed (NULL: the write),
 * and then leave no temp and no open descriptor behind.
 */
static int
temp_open(int dirfd, const char *base, uid_t uid, gid_t gid, mode_t mode,
    char *tmp, size_t tmplen, const char **what)
{
	int fd, e;

	*what = "creating a temp file in the store's folder";
	fd = open_temp(dirfd, base, tmp, tmplen);
	if (fd == -1)
		return -1;
	*what = "giving the temp file the store's owner, group and mode";
	if (give_owner(fd, uid, gid, mode) == -1) {
		e = errno;
		close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	return fd;
}

static int
temp_finish(int dirfd, int fd, const char *tmp, const void *buf, size_t len,
    const struct timespec *mtime, struct stat *st, const char **what)
{
	struct timespec times[2];
	int e;

	*what = NULL;
	if (cerbo__sys_write_all(fd, buf, len) == -1)
		goto fail;
	if (mtime != NULL) {
		*what = "setting the file's stamped mtime";
		times[0].tv_sec = 0;
		times[0].tv_nsec = UTIME_OMIT;
		times[1] = *mtime;
		if (futimens(fd, times) == -1)
			goto fail;
	}
	*what = "fsync";
	if (cerbo__sys_fsync(fd, "fsync") == -1)
		goto fail;
	*what = "fstat";
	if (st != NULL && fstat(fd, st) == -1)
		goto fail;
	*what = "close";
	e = close(fd);
	fd = -1;
	if (e == -1)
		goto fail;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	(void)unlinkat(dirfd, tmp, 0);
	errno = e;
	return -1;
}

/* Both steps at once, for a file whose bytes do not depend on it. */
int
cerbo__txn_write_temp(int dirfd, const char *base, uid_t uid, gid_t gid,
    mode_t mode, const void *buf, size_t len, char *tmp, size_t tmplen,
    struct stat *st, const char **what)
{
	int fd;

	fd = temp_open(dirfd, base, uid, gid, mode, tmp, tmplen, what);
	if (fd == -1)
		return -1;
	return temp_finish(dirfd, fd, tmp, buf, len, NULL, st, what);
}

/*
 * Write the index of store as "<base>.idx" in the folder dirfd, as the
 * store is written: a fresh temp name, the YAML's owner, group and mode
 * (the daemons read the index through the same group as the store),
 * fsync, rename.  path names the store in messages.
 */
int
cerbo__txn_write_index(int dirfd, const char *base, const char *path,
    const struct cerbo_store *store, const struct stat *yaml_st,
    const void *yaml, size_t yaml_len, struct cerbo_error *err)
{
	struct cerbo__index_stamp stamp;
	char tmp[NAME_MAX + 1], dest[NAME_MAX + 1], hex[65];
	unsigned char *buf = NULL;
	struct stat ist;
	size_t len = 0;
	int fd = -1, have_tmp = 0, e, rc = -1;
	const char *what;

	memset(&stamp, 0, sizeof(stamp));
	if ((size_t)snprintf(dest, sizeof(dest), "%s%s", base,
	        CERBO__INDEX_SUFFIX) >= sizeof(dest))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "%s: file name too long for an index", path);
	fd = temp_open(dirfd, base, yaml_st->st_uid, yaml_st->st_gid,
	    yaml_st->st_mode & 0777, tmp, sizeof(tmp), &what);
	if (fd == -1)
		goto fail;
	have_tmp = 1;
	/* The self stamp (index_format.h): this inode, and an mtime one
	 * second before it existed, which no later write can give it. */
	what = "fstat";
	if (fstat(fd, &ist) == -1)
		goto fail;
	cerbo__digest_hex(yaml, yaml_len, hex);
	stamp.yaml_st = yaml_st;
	stamp.digest_hex = hex;
	cerbo__index_mac_key(yaml, yaml_len, stamp.mac_key);
	stamp.self_ino = (uint64_t)ist.st_ino;
	stamp.self_mtime.tv_sec = ist.st_ctim.tv_sec - 1;
	stamp.self_mtime.tv_nsec = 0;
	if (cerbo__index_build(store, &stamp, &buf, &len, err) != 0)
		goto out;
	e = temp_finish(dirfd, fd, tmp, buf, len, &stamp.self_mtime, NULL,
	    &what);
	fd = -1;
	if (e == -1) {
		have_tmp = 0; /* temp_finish removed it */
		goto fail;
	}
	what = "replacing the index";
	if (cerbo__sys_rename(dirfd, tmp, dest, "rename") == -1)
		goto fail;
	have_tmp = 0;
	rc = 0;
	goto out;
fail:
	e = errno;
	if (what == NULL)
		cerbo__fail(err, CERBO_E_IO, "writing %s%s: %s", path,
		    CERBO__INDEX_SUFFIX, strerror(e));
	else
		cerbo__fail(err, CERBO_E_IO, "writing %s%s: %s: %s", path,
		    CERBO__INDEX_SUFFIX, what, strerror(e));
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		(void)unlinkat(dirfd, tmp, 0);
	sodium_memzero(stamp.mac_key, sizeof(stamp.mac_key));
	/* The records hold hash strings. */
	if (buf != NULL)
		sodium_memzero(buf, len);
	free(buf);
	return rc;
}
