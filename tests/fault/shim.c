/*
 * shim.c - an LD_PRELOAD fault injector for the tools' tests.
 *
 *   CERBO_FAULT=CALL[:ERRNO[:NTH[:COUNT]]]
 *                                    make CALL fail with ERRNO (default EIO)
 *                                    from its NTH matching use on (default
 *                                    1), COUNT times (default: every time)
 *   CERBO_FAULT_MARK=FILE            append "CALL ERRNO" to FILE each time a
 *                                    fault is injected, so a test can prove
 *                                    the fault really happened
 *   CERBO_FAKE_NOW=SECONDS           time(), gettimeofday() and
 *                                    clock_gettime(CLOCK_REALTIME) return
 *                                    this time (reproducible output)
 *
 * CALL is one of:
 *   write      write, pwrite, writev, pwritev and stdio output to a file
 *              (descriptors 0, 1 and 2 are never failed: the tool must
 *              still be able to report the error)
 *   fsync      fsync, fdatasync, syncfs, sync_file_range
 *   rename     rename, renameat, renameat2
 *   link       link, linkat
 *   lock       fcntl F_OFD_SETLK/F_OFD_SETLKW/F_SETLK/F_SETLKW, flock, lockf
 *   open_excl  open/openat (all their aliases) with O_EXCL or O_TMPFILE,
 *              mkstemp, mkostemp
 *   fchown     fchown, fchownat, chown, lchown
 *   fchmod     fchmod, fchmodat, chmod
 *   close      close of a descriptor above 2
 *   unlink     unlink, unlinkat
 *
 * Every real function is found with dlsym(RTLD_NEXT).  The mark file is
 * written with raw system calls so it cannot recurse into the shim.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* glibc's fortified entry points, not declared without _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int fcntl64(int fd, int cmd, ...);

struct fault {
	int parsed;
	char call[32];
	int error;
	unsigned long nth;
	unsigned long count; /* 0: no limit */
	unsigned long seen;
	unsigned long failed;
};

static struct fault fault;

static const struct {
	const char *name;
	int value;
} errnames[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
	{ "EACCES", EACCES }, { "EPERM", EPERM }, { "EAGAIN", EAGAIN },
	{ "EROFS", EROFS }, { "EEXIST", EEXIST }, { "EINTR", EINTR },
	{ "ENOMEM", ENOMEM }, { "EXDEV", EXDEV }, { "EMLINK", EMLINK },
	{ "EBADF", EBADF }, { "ENOLCK", ENOLCK }, { "EFBIG", EFBIG },
};

static void
parse_fault(void)
{
	const char *env, *p, *q;
	size_t n, i;
	char *end;

	if (fault.parsed)
		return;
	fault.parsed = 1;
	fault.error = EIO;
	fault.nth = 1;
	env = getenv("CERBO_FAULT");
	if (env == NULL || *env == '\0')
		return;
	p = strchr(env, ':');
	n = p != NULL ? (size_t)(p - env) : strlen(env);
	if (n >= sizeof(fault.call))
		n = sizeof(fault.call) - 1;
	memcpy(fault.call, env, n);
	fault.call[n] = '\0';
	if (p == NULL)
		return;
	p++;
	q = strchr(p, ':');
	n = q != NULL ? (size_t)(q - p) : strlen(p);
	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strlen(errnames[i].name) == n &&
		    strncmp(errnames[i].name, p, n) == 0)
			fault.error = errnames[i].value;
	if (p[0] >= '0' && p[0] <= '9')
		fault.error = (int)strtol(p, NULL, 10);
	if (q != NULL) {
		fault.nth = strtoul(q + 1, &end, 10);
		if (fault.nth == 0)
			fault.nth = 1;
		if (*end == ':')
			fault.count = strtoul(end + 1, NULL, 10);
	}
}

static void
mark(const char *call, int error)
{
	const char *path = getenv("CERBO_FAULT_MARK");
	char line[96];
	int fd, n;

	if (path == NULL || *path == '\0')
		return;
	n = snprintf(line, sizeof(line), "%s %d\n", call, error);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)syscall(SYS_write, fd, line, (size_t)n);
	(void)syscall(SYS_close, fd);
}

/* 1 (with errno set) when this use of call must fail. */
static int
inject(const char *call)
{
	parse_fault();
	if (fault.call[0] == '\0' || strcmp(fault.call, call) != 0)
		return 0;
	fault.seen++;
	if (fault.seen < fault.nth)
		return 0;
	if (fault.count != 0 && fault.failed >= fault.count)
		return 0;
	fault.failed++;
	mark(call, fault.error);
	errno = fault.error;
	return 1;
}

#define REAL(name)                                                          \
	static __typeof__(name) *real_##name;                               \
	if (real_##name == NULL)                                            \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/* ---- write ----------------------------------------------------------- */

ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(write);
	if (fd > 2 && inject("write"))
		return -1;
	return real_write(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite);
	if (fd > 2 && inject("write"))
		return -1;
	return real_pwrite(fd, buf, len, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite64);
	if (fd > 2 && inject("write"))
		return -1;
	return real_pwrite64(fd, buf, len, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	REAL(writev);
	if (fd > 2 && inject("write"))
		return -1;
	return real_writev(fd, iov, n);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	REAL(pwritev);
	if (fd > 2 && inject("write"))
		return -1;
	return real_pwritev(fd, iov, n, off);
}

/* stdio writes through glibc-internal calls the shim cannot see: fail the
 * stdio entry points themselves for streams on descriptors above 2. */
static int
stream_faulty(FILE *f)
{
	int fd;

	if (f == NULL)
		return 0;
	fd = fileno(f);
	return fd > 2 && inject("write");
}

size_t
fwrite(const void *buf, size_t size, size_t n, FILE *f)
{
	REAL(fwrite);
	if (size > 0 && n > 0 && stream_faulty(f))
		return 0;
	return real_fwrite(buf, size, n, f);
}

int
fflush(FILE *f)
{
	REAL(fflush);
	if (stream_faulty(f))
		return EOF;
	return real_fflush(f);
}

int
fputs(const char *s, FILE *f)
{
	REAL(fputs);
	if (stream_faulty(f))
		return EOF;
	return real_fputs(s, f);
}

/* ---- fsync ----------------------------------------------------------- */

int
fsync(int fd)
{
	REAL(fsync);
	if (inject("fsync"))
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync);
	if (inject("fsync"))
		return -1;
	return real_fdatasync(fd);
}

int
syncfs(int fd)
{
	REAL(syncfs);
	if (inject("fsync"))
		return -1;
	return real_syncfs(fd);
}

int
sync_file_range(int fd, off_t off, off_t n, unsigned int flags)
{
	REAL(sync_file_range);
	if (inject("fsync"))
		return -1;
	return real_sync_file_range(fd, off, n, flags);
}

/* ---- rename and link ------------------------------------------------- */

int
rename(const char *from, const char *to)
{
	REAL(rename);
	if (inject("rename"))
		return -1;
	return real_rename(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(renameat);
	if (inject("rename"))
		return -1;
	return real_renameat(fromfd, from, tofd, to);
}

int
renameat2(int fromfd, const char *from, int tofd, const char *to,
    unsigned int flags)
{
	REAL(renameat2);
	if (inject("rename"))
		return -1;
	return real_renameat2(fromfd, from, tofd, to, flags);
}

int
link(const char *from, const char *to)
{
	REAL(link);
	if (inject("link"))
		return -1;
	return real_link(from, to);
}

int
linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	REAL(linkat);
	if (inject("link"))
		return -1;
	return real_linkat(fromfd, from, tofd, to, flags);
}

/* ---- locks ----------------------------------------------------------- */

static int
is_lock_cmd(int cmd)
{
	return cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW || cmd == F_SETLK ||
	    cmd == F_SETLKW;
}

/* A lock request that takes a lock (unlocking is never failed). */
static int
takes_lock(int cmd, void *arg)
{
	const struct flock *fl = arg;

	return is_lock_cmd(cmd) && fl != NULL && fl->l_type != F_UNLCK;
}

int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	REAL(fcntl);
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (takes_lock(cmd, arg) && inject("lock"))
		return -1;
	return real_fcntl(fd, cmd, arg);
}

int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	REAL(fcntl64);
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (takes_lock(cmd, arg) && inject("lock"))
		return -1;
	return real_fcntl64(fd, cmd, arg);
}

int
flock(int fd, int op)
{
	REAL(flock);
	if ((op & LOCK_UN) == 0 && inject("lock"))
		return -1;
	return real_flock(fd, op);
}

int
lockf(int fd, int cmd, off_t len)
{
	REAL(lockf);
	if (cmd != F_ULOCK && cmd != F_TEST && inject("lock"))
		return -1;
	return real_lockf(fd, cmd, len);
}

/* ---- opening temp files --------------------------------------------- */

static int
exclusive(int flags)
{
	return (flags & O_EXCL) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

static mode_t
open_mode(int flags, va_list ap)
{
	if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
		return (mode_t)va_arg(ap, unsigned int);
	return 0;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real_open(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open64);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real_open64(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real_openat(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat64);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real_openat64(dirfd, path, flags, mode);
}

int
__open_2(const char *path, int flags)
{
	REAL(__open_2);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real___open_2(path, flags);
}

int
__open64_2(const char *path, int flags)
{
	REAL(__open64_2);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real___open64_2(path, flags);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	REAL(__openat_2);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real___openat_2(dirfd, path, flags);
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	REAL(__openat64_2);
	if (exclusive(flags) && inject("open_excl"))
		return -1;
	return real___openat64_2(dirfd, path, flags);
}

int
mkstemp(char *tmpl)
{
	REAL(mkstemp);
	if (inject("open_excl"))
		return -1;
	return real_mkstemp(tmpl);
}

int
mkostemp(char *tmpl, int flags)
{
	REAL(mkostemp);
	if (inject("open_excl"))
		return -1;
	return real_mkostemp(tmpl, flags);
}

/* ---- ownership, mode, close, unlink ---------------------------------- */

int
fchown(int fd, uid_t uid, gid_t gid)
{
	REAL(fchown);
	if (inject("fchown"))
		return -1;
	return real_fchown(fd, uid, gid);
}

int
fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	REAL(fchownat);
	if (inject("fchown"))
		return -1;
	return real_fchownat(dirfd, path, uid, gid, flags);
}

int
chown(const char *path, uid_t uid, gid_t gid)
{
	REAL(chown);
	if (inject("fchown"))
		return -1;
	return real_chown(path, uid, gid);
}

int
lchown(const char *path, uid_t uid, gid_t gid)
{
	REAL(lchown);
	if (inject("fchown"))
		return -1;
	return real_lchown(path, uid, gid);
}

int
fchmod(int fd, mode_t mode)
{
	REAL(fchmod);
	if (inject("fchmod"))
		return -1;
	return real_fchmod(fd, mode);
}

int
fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	REAL(fchmodat);
	if (inject("fchmod"))
		return -1;
	return real_fchmodat(dirfd, path, mode, flags);
}

int
chmod(const char *path, mode_t mode)
{
	REAL(chmod);
	if (inject("fchmod"))
		return -1;
	return real_chmod(path, mode);
}

int
close(int fd)
{
	REAL(close);
	if (fd > 2 && inject("close")) {
		/* close the descriptor anyway, as Linux does on EIO */
		(void)real_close(fd);
		errno = fault.error;
		return -1;
	}
	return real_close(fd);
}

int
unlink(const char *path)
{
	REAL(unlink);
	if (inject("unlink"))
		return -1;
	return real_unlink(path);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	REAL(unlinkat);
	if (inject("unlink"))
		return -1;
	return real_unlinkat(dirfd, path, flags);
}

/* ---- a fixed clock --------------------------------------------------- */

static int
fake_now(time_t *out)
{
	const char *env = getenv("CERBO_FAKE_NOW");
	char *end;
	long long v;

	if (env == NULL || *env == '\0')
		return 0;
	v = strtoll(env, &end, 10);
	if (*end != '\0')
		return 0;
	*out = (time_t)v;
	return 1;
}

time_t
time(time_t *t)
{
	time_t now;

	REAL(time);
	if (!fake_now(&now))
		return real_time(t);
	if (t != NULL)
		*t = now;
	return now;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	time_t now;

	REAL(gettimeofday);
	if (!fake_now(&now))
		return real_gettimeofday(tv, tz);
	tv->tv_sec = now;
	tv->tv_usec = 0;
	return 0;
}

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
	time_t now;

	REAL(clock_gettime);
	if (clk != CLOCK_REALTIME || !fake_now(&now))
		return real_clock_gettime(clk, ts);
	ts->tv_sec = now;
	ts->tv_nsec = 0;
	return 0;
}
