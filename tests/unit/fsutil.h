/*
 * fsutil.h - small file helpers for the file-safety and transaction tests:
 * a private folder under /tmp, writing and reading whole files, removing a
 * tree.  Each test program includes it once.
 */
#ifndef CERBO_TEST_FSUTIL_H
#define CERBO_TEST_FSUTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* snprintf that aborts the test program rather than truncate. */
static inline __attribute__((format(printf, 3, 4))) void
fs_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		abort();
}

/* A new folder /tmp/<tag>-XXXXXX with the given mode; "" on failure. */
static inline void
fs_tempdir(char *out, size_t len, const char *tag, mode_t mode)
{
	fs_fmt(out, len, "/tmp/%s-XXXXXX", tag);
	if (mkdtemp(out) == NULL || chmod(out, mode) == -1)
		out[0] = '\0';
}

static inline int
fs_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

static inline int
fs_chmod_dirs(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		(void)chmod(path, 0700);
	return 0;
}

/* rm -rf path (folders made searchable first, for a non-root run). */
static inline void
fs_rm_rf(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return;
	(void)chmod(path, 0700);
	(void)nftw(path, fs_chmod_dirs, 16, FTW_PHYS);
	(void)nftw(path, fs_rm_one, 16, FTW_PHYS | FTW_DEPTH);
}

/* Write len bytes to a new file with mode (umask ignored); 0 or -1. */
static inline int
fs_write(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = write(fd, buf, len);
	if (n < 0 || (size_t)n != len || fchmod(fd, mode) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The whole file, malloc'd and NUL-terminated; NULL if unreadable. */
static inline char *
fs_read(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* How many names in dir contain part. */
static inline int
fs_count_names(const char *dir, const char *part)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return -1;
	for (;;) {
		de = readdir(d);
		if (de == NULL)
			break;
		if (strstr(de->d_name, part) != NULL)
			n++;
	}
	closedir(d);
	return n;
}

/* dir + "/" + name into out. */
static inline const char *
fs_join(char *out, size_t len, const char *dir, const char *name)
{
	fs_fmt(out, len, "%s/%s", dir, name);
	return out;
}

#endif /* CERBO_TEST_FSUTIL_H */
