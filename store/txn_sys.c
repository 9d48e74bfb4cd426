/*
 * txn_sys.c - the system calls of a transaction's write path, each with
 * its fault-injection point, so tests can make any one of them fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int (*cerbo__fault_hook)(const char *op) = NULL;

/* 0, or -1 with errno set when a test made op fail. */
static int
fault(const char *op)
{
	int e;

	if (cerbo__fault_hook == NULL)
		return 0;
	e = cerbo__fault_hook(op);
	if (e == 0)
		return 0;
	errno = e;
	return -1;
}

int
cerbo__sys_write_all(int fd, const void *buf, size_t len)
{
	if (fault("write") == -1)
		return -1;
	return cerbo__write_all(fd, buf, len);
}

int
cerbo__sys_fsync(int fd, const char *op)
{
	if (fault(op) == -1)
		return -1;
	return fsync(fd);
}

int
cerbo__sys_open_temp(int dirfd, const char *name)
{
	if (fault("open-temp") == -1)
		return -1;
	return openat(dirfd, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int
cerbo__sys_link(int dirfd, const char *from, const char *to)
{
	if (fault("link") == -1)
		return -1;
	/* No AT_SYMLINK_FOLLOW: never follows from, never creates through
	 * an existing to (EEXIST). */
	return linkat(dirfd, from, dirfd, to, 0);
}

int
cerbo__sys_rename(int dirfd, const char *from, const char *to, const char *op)
{
	if (fault(op) == -1)
		return -1;
	return renameat(dirfd, from, dirfd, to);
}

int
cerbo__sys_fchown(int fd, uid_t uid, gid_t gid)
{
	if (fault("fchown") == -1)
		return -1;
	return fchown(fd, uid, gid);
}

int
cerbo__sys_fchmod(int fd, mode_t mode)
{
	if (fault("fchmod") == -1)
		return -1;
	return fchmod(fd, mode);
}

int
cerbo__sys_lock(int fd)
{
	struct flock fl;

	if (fault("lock") == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* ---- names ------------------------------------------------------------ */
