/*
 * internal.h - what the files of libcerbo share with each other and with
 * the PAM module and tests that link the static library.  Not installed.
 * Internal names start with "cerbo__" and are not exported from the
 * shared library.
 */
#ifndef CERBO_INTERNAL_H
#define CERBO_INTERNAL_H

#include <sys/stat.h>
#include <sys/types.h>
#include <stdarg.h>
#include <stdint.h>

#include "cerbo.h"

/* ---- error.c --------------------------------------------------------- */

/* Fill err (NULL-safe) and return -1. */
int cerbo__fail(struct cerbo_error *err, enum cerbo_status status,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, with a file position (1-based line and column). */
int cerbo__fail_at(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* ---- file.c: safe reading and the trust rules ------------------------ */

/* The full identity of a file, to know cheaply whether it changed. */
struct cerbo_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};
void cerbo__file_id_from_stat(struct cerbo_file_id *id, const struct stat *st);
int cerbo__file_id_equal(const struct cerbo_file_id *a,
    const struct cerbo_file_id *b);

/*
 * The trust rule for a store file, applied to a stat of it: a regular
 * file, owned by root or the calling uid, not writable by group or others,
 * not readable by others.  CERBO_E_UNSAFE with a precise message.
 */
int cerbo__trust_file_stat(const char *path, const struct stat *st,
    struct cerbo_error *err);
/*
 * The trust rule for every folder above path (after resolving symlinks,
 * which may be followed only to read): owned by root or the calling uid,
 * not writable by group or others unless root-owned and sticky.
 */
int cerbo__trust_folders(const char *path, struct cerbo_error *err);

/*
 * Open path for reading (O_RDONLY|O_CLOEXEC|O_NOCTTY), fstat the open file,
 * apply the trust rules (unless CERBO_LOAD_NO_TRUST), cap its size at
 * CERBO_STORE_SIZE_MAX, and read it whole into a malloc'd buffer with a
 * NUL after the last byte.  *st (may be NULL) gets the open file's stat.
 */
int cerbo__read_file(const char *path, unsigned flags, char **buf,
    size_t *len, struct stat *st, struct cerbo_error *err);

/* ---- model.c ---------------------------------------------------------- */

/* Remember the digest of the bytes a store was parsed from. */
void cerbo__store_set_digest(struct cerbo_store *store, const char *hex);
void cerbo__store_set_generation(struct cerbo_store *store, uint64_t gen);

/* ---- cidr.c ---------------------------------------------------------- */

/*
 * 1 when addr (an IPv4 or IPv6 address in text) lies in one of the
 * comma-separated CIDRs of list, 0 when not or when addr is NULL or not an
 * address.
 */
int cerbo__addr_allowed(const char *list, const char *addr);

#endif /* CERBO_INTERNAL_H */
