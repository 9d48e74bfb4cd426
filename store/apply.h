/*
 * apply.h - the plan of cerbo_store_apply, shared by its three passes:
 * apply_read.c reads the document into it, apply_check.c checks it
 * against the store, apply.c changes the store and makes the result.
 * Private to those files; what the rest of the library shares is in
 * internal.h.
 */
#ifndef CERBO_APPLY_H
#define CERBO_APPLY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* 1-based position of a value in the document. */
struct pos {
	uint32_t line;
	uint32_t col;
};

/* Strings of the plan live in chunks freed together (apply_read.c). */
struct chunk;

enum ufield {
	UF_USERNAME,
	UF_STATE,
	UF_NICKNAME,
	UF_PROFILE,
	UF_EMAIL,
	UF_DESCRIPTION,
	UF_DISABLED,
	UF_EXPIRES,
	UF_ALLOW_FROM,
	UF_SECRET_HASH,
	UF_COUNT
};

/* A user field's key in the document. */
static const char *const ukeys[UF_COUNT] = {
    "username",
    "state",
    "nickname",
    "profile",
    "email",
    "description",
    "disabled",
    "expires",
    "allow_from",
    "secret_hash",
};

/* The store field each document field sets, -1 for none. */
static const int ustore[UF_COUNT] = {
    -1,
    -1,
    CERBO_USER_NICKNAME,
    CERBO_USER_PROFILE,
    CERBO_USER_EMAIL,
    CERBO_USER_DESCRIPTION,
    CERBO_USER_DISABLED,
    CERBO_USER_EXPIRES,
    CERBO_USER_ALLOW_FROM,
    -1,
};

/* Fields set on every present user, in the order checked and changed. */
static const enum ufield usettable[] = {
    UF_NICKNAME,
    UF_PROFILE,
    UF_EMAIL,
    UF_DESCRIPTION,
    UF_DISABLED,
    UF_EXPIRES,
    UF_ALLOW_FROM,
};
#define NSETTABLE (sizeof(usettable) / sizeof(usettable[0]))

struct uentry {
	const char *v[UF_COUNT]; /* NULL when left out; allow_from joined */
	struct pos at[UF_COUNT]; /* of each value */
	struct pos start;        /* of the entry */
	int absent;
	const struct cerbo_user *cur; /* in the store before the change */
	const char *hash;             /* generated key's hash, for a new user */
};

enum pfield { PF_NAME, PF_STATE, PF_DESCRIPTION, PF_ALLOW, PF_DENY, PF_COUNT };

struct pentry {
	const char *v[PF_COUNT]; /* allow/deny: "" when given (see rules) */
	struct pos at[PF_COUNT];
	struct pos start;
	int absent;
	const char **rules[2]; /* by enum cerbo_rule_kind */
	struct pos *rpos[2];
	size_t nrules[2];
	size_t caprules[2];
	size_t leaving; /* absent: users this document moves off */
};

/* What the document declares, in document order; psorted and usorted
 * are made by the check. */
struct plan {
	struct chunk *arena;
	struct pentry *profiles;
	size_t nprofiles;
	size_t capprofiles;
	struct uentry *users;
	size_t nusers;
	size_t capusers;
	const char *usage_file; /* when usage_file_given; NULL: none */
	int usage_file_given;
	struct pos usage_file_at;
	struct pentry **psorted; /* by name, then document order */
	struct uentry **usorted;
};

/* An error at a position in the document (both the reader and the
 * check report there). */
static inline int fail_pos(struct cerbo_error *err, enum cerbo_status status,
    const char *name, struct pos at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static inline int
fail_pos(struct cerbo_error *err, enum cerbo_status status, const char *name,
    struct pos at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerbo__vfail_at(err, status, name, at.line, at.col, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- apply_read.c ---------------------------------------------------- */

/*
 * Read the document buf (len bytes, named name in messages) into plan, a
 * zeroed struct plan: 0, or -1 with err set at the document's position.
 * The plan is freed with cerbo__apply_plan_free after either.
 */
int cerbo__apply_read(struct plan *plan, const char *buf, size_t len,
    const char *name, struct cerbo_error *err);
void cerbo__apply_plan_free(struct plan *plan);
/* A copy of s (len bytes, a NUL added) that lives as long as the plan;
 * NULL when out of memory. */
char *cerbo__apply_dup(struct plan *plan, const char *s, size_t len);
/* Grow an array of n elements of size each to hold one more. */
int cerbo__apply_grow(void **array, size_t *cap, size_t n, size_t size);

/* ---- apply_check.c --------------------------------------------------- */

/*
 * Sort the plan by name and check every entry against store (and every
 * value with the setter the change will use, on a scratch store): 0, or
 * -1 with err set at the document's position.  Sets each user entry's
 * cur, and each absent profile's leaving.
 */
int cerbo__apply_check(const struct cerbo_store *store, struct plan *plan,
    const char *name, int64_t now, struct cerbo_error *err);

#endif /* CERBO_APPLY_H */
