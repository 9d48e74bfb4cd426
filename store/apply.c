/*
 * apply.c - make a store match a desired state declared in one YAML or
 * JSON document (cerbo_store_apply; the format is in cerbo.h and
 * cerbo-apiuser(1)).
 *
 * Three passes.  read: the document is read into a plan, strictly and
 * from the event stream (a million users cost no tree).  check: every
 * entry is checked against the store, and every value is handed to the
 * library's own setters on a scratch store, so the last pass cannot meet
 * a value the store would refuse.  change: the store is changed, entries
 * in name order (new users are appended in order, so a bulk import costs
 * O(n log n)).  Only the last pass touches the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#include "internal.h"

#define ARENA_CHUNK (256u * 1024)
#define APPLY_FORMAT 1 /* the cerbo_apply: version this build reads */
#define INUSE_NAMES 5  /* users named in an "in use" message */

/* 1-based position of a value in the document. */
struct pos {
	uint32_t line;
	uint32_t col;
};

/* Strings of the plan live in chunks freed together. */
struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	char data[];
};

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

static const char *const pkeys[PF_COUNT] = {
    "name",
    "state",
    "description",
    "allow",
    "deny",
};

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

struct plan {
	struct chunk *arena;
	struct pentry *profiles;
	size_t nprofiles;
	size_t capprofiles;
	struct uentry *users;
	size_t nusers;
	size_t capusers;
	struct pentry **psorted; /* by name, then document order */
	struct uentry **usorted;
};

struct secret_slot {
	char user[CERBO_USERNAME_MAX + 1];
	char key[CERBO_SECRET_GENERATED_SIZE];
};

struct cerbo_apply_result {
	struct cerbo_changes *changes;
	size_t count[3];
	struct secret_slot *secrets;
	size_t nsecrets;
	char **warnings; /* cerbo_rule_warning() of each rule added */
	size_t nwarnings;
	size_t capwarnings;
};

struct reader {
	struct cerbo__yaml y;
	const char *name;
	struct cerbo_error *err;
	struct plan *plan;
};

/* ---- errors -------------------------------------------------------------- */

static int fail_pos(struct cerbo_error *err, enum cerbo_status status,
    const char *name, struct pos at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
fail_pos(struct cerbo_error *err, enum cerbo_status status, const char *name,
    struct pos at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerbo__vfail_at(err, status, name, at.line, at.col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Put the error a library call left in err at a position in the document,
 * its message prefixed by what it concerns. */
static int
relocate(struct cerbo_error *err, const char *name, struct pos at,
    const char *what)
{
	cerbo__error_prefix(err, "%s: ", what);
	return cerbo__error_relocate(err, err->status, name, at.line, at.col);
}

static struct pos
mark_pos(const yaml_mark_t *m)
{
	struct pos p;

	p.line =
	    m->line + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(m->line + 1);
	p.col =
	    m->column + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(m->column + 1);
	return p;
}

/* ---- the plan ------------------------------------------------------------ */

static char *
arena_dup(struct plan *plan, const char *s, size_t len)
{
	struct chunk *c = plan->arena;
	char *p;

	if (c == NULL || c->size - c->used < len + 1) {
		size_t size = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = plan->arena;
		plan->arena = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

static void
plan_free(struct plan *plan)
{
	struct chunk *c, *next;
	size_t i;
	int k;

	for (c = plan->arena; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	for (i = 0; i < plan->nprofiles; i++) {
		for (k = 0; k < 2; k++) {
			free(plan->profiles[i].rules[k]);
			free(plan->profiles[i].rpos[k]);
		}
	}
	free(plan->profiles);
	free(plan->users);
	free(plan->psorted);
	free(plan->usorted);
}

/* Grow an array of n elements of size each to hold one more. */
static int
grow(void **array, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if (ncap > SIZE_MAX / size)
		return -1;
	p = realloc(*array, ncap * size);
	if (p == NULL)
		return -1;
	*array = p;
	*cap = ncap;
	return 0;
}

/* ---- reading the document ------------------------------------------------ */

static int
nomem(struct reader *r)
{
	return cerbo__fail(r->err, CERBO_E_NOMEM, "out of memory");
}

static struct pos
here(const struct reader *r)
{
	return mark_pos(&r->y.ev.start_mark);
}

/*
 * The next event into r->y.ev.  Malformed YAML, aliases, anchors, tags and
 * directives are refused here, wherever they appear, as in a store.
 */
static int
next(struct reader *r)
{
	return cerbo__yaml_next(&r->y);
}

static int
is_plain(const struct reader *r)
{
	return r->y.ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int
scalar_is(const struct reader *r, const char *s)
{
	size_t n = strlen(s);

	return r->y.ev.data.scalar.length == n &&
	    memcmp(r->y.ev.data.scalar.value, s, n) == 0;
}

/* A plain scalar YAML would read as null. */
static int
plain_null(const struct reader *r)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	size_t i;

	if (!is_plain(r))
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		if (scalar_is(r, nulls[i]))
			return 1;
	}
	return 0;
}

/*
 * The current event as the string value of key, copied into the plan.  A
 * plain scalar must read as text (as in the store: quote "yes" or 42);
 * a time may be a plain timestamp.
 */
static int
take_string(struct reader *r, const char *key, int is_time, const char **out)
{
	const char *v = (const char *)r->y.ev.data.scalar.value;
	size_t len = r->y.ev.data.scalar.length;

	if (r->y.ev.type != YAML_SCALAR_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s must be a string", key);
	if (plain_null(r))
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s must be a string, not null (leave the key out "
		    "instead)",
		    key);
	if (!is_time && is_plain(r) && cerbo__yaml_plain_not_string(v, len))
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s: %s would be read as a boolean, number, date or "
		    "null, not as text; put it in quotes",
		    key, v);
	if (memchr(v, '\0', len) != NULL)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s must not contain a NUL byte", key);
	*out = arena_dup(r->plan, v, len);
	if (*out == NULL)
		return nomem(r);
	return 0;
}

static int
take_bool(struct reader *r, const char *key, const char **out)
{
	if (r->y.ev.type == YAML_SCALAR_EVENT && is_plain(r) &&
	    scalar_is(r, "true")) {
		*out = "true";
		return 0;
	}
	if (r->y.ev.type == YAML_SCALAR_EVENT && is_plain(r) &&
	    scalar_is(r, "false")) {
		*out = "false";
		return 0;
	}
	return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
	    "%s must be true or false (unquoted)", key);
}

static int
take_state(struct reader *r, int *absent)
{
	if (r->y.ev.type == YAML_SCALAR_EVENT && scalar_is(r, "present")) {
		*absent = 0;
		return 0;
	}
	if (r->y.ev.type == YAML_SCALAR_EVENT && scalar_is(r, "absent")) {
		*absent = 1;
		return 0;
	}
	return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
	    "state must be present or absent");
}

/* The key as text for a message (cut, NULs and controls shown as '?'). */
static const char *
key_text(const struct reader *r, char *buf, size_t len)
{
	size_t i, n = r->y.ev.data.scalar.length;

	if (n > len - 1)
		n = len - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = r->y.ev.data.scalar.value[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * Step to the next key of a mapping and on to its value.  Returns 1 at the
 * end of the mapping, 0 with *field the key's index in keys, or -1 for a key
 * that is not a string, not in keys (the message ends with expected) or in
 * *seen already.
 */
static int
take_key(struct reader *r, const char *const *keys, size_t nkeys,
    const char *expected, unsigned *seen, int *field)
{
	char kbuf[64];
	size_t i;

	if (next(r) != 0)
		return -1;
	if (r->y.ev.type == YAML_MAPPING_END_EVENT)
		return 1;
	if (r->y.ev.type != YAML_SCALAR_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "keys must be strings");
	*field = -1;
	for (i = 0; i < nkeys; i++) {
		if (scalar_is(r, keys[i])) {
			*field = (int)i;
			break;
		}
	}
	if (*field < 0)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "unknown key \"%s\"%s", key_text(r, kbuf, sizeof(kbuf)),
		    expected);
	if (*seen & (1u << *field))
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "duplicate key \"%s\"", keys[*field]);
	*seen |= 1u << *field;
	return next(r);
}

/* allow_from: a non-empty list of networks, joined with commas. */
static int
take_networks(struct reader *r, const char **out)
{
	char *joined = NULL;
	size_t len = 0, cap = 0, n;
	struct pos start = here(r);
	const char *v;
	int rc = -1;

	if (r->y.ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, start,
		    "allow_from must be a list of networks");
	for (;;) {
		if (next(r) != 0)
			goto out;
		if (r->y.ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (r->y.ev.type != YAML_SCALAR_EVENT || plain_null(r)) {
			fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
			    "allow_from must be a list of networks");
			goto out;
		}
		v = (const char *)r->y.ev.data.scalar.value;
		n = r->y.ev.data.scalar.length;
		if (memchr(v, ',', n) != NULL || memchr(v, '\0', n) != NULL) {
			fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
			    "allow_from: one network per list item");
			goto out;
		}
		/* refused here: joined, it would vanish without a trace */
		if (n == 0) {
			fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
			    "allow_from has an empty entry");
			goto out;
		}
		while (joined == NULL || len + n + 2 > cap) {
			char *p;
			size_t ncap = cap == 0 ? 256 : cap * 2;

			p = realloc(joined, ncap);
			if (p == NULL) {
				nomem(r);
				goto out;
			}
			joined = p;
			cap = ncap;
		}
		if (len > 0)
			joined[len++] = ',';
		memcpy(joined + len, v, n);
		len += n;
	}
	if (len == 0) {
		fail_pos(r->err, CERBO_E_INVALID, r->name, start,
		    "allow_from must not be empty (leave it out to allow "
		    "every address)");
		goto out;
	}
	*out = arena_dup(r->plan, joined, len);
	if (*out == NULL) {
		nomem(r);
		goto out;
	}
	rc = 0;
out:
	free(joined);
	return rc;
}

/* allow or deny: a list of rules (may be empty). */
static int
take_rules(struct reader *r, struct pentry *pe, enum cerbo_rule_kind kind,
    const char *key)
{
	const char *rule;
	size_t n;

	if (r->y.ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s must be a list of rules", key);
	for (;;) {
		if (next(r) != 0)
			return -1;
		if (r->y.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (r->y.ev.type != YAML_SCALAR_EVENT)
			return fail_pos(r->err, CERBO_E_INVALID, r->name,
			    here(r), "%s must be a list of rules", key);
		if (take_string(r, key, 0, &rule) != 0)
			return -1;
		n = pe->nrules[kind];
		if (n == pe->caprules[kind]) {
			size_t ncap = n == 0 ? 8 : n * 2;
			const char **nr;
			struct pos *np;

			nr = realloc(pe->rules[kind], ncap * sizeof(*nr));
			if (nr == NULL)
				return nomem(r);
			pe->rules[kind] = nr;
			np = realloc(pe->rpos[kind], ncap * sizeof(*np));
			if (np == NULL)
				return nomem(r);
			pe->rpos[kind] = np;
			pe->caprules[kind] = ncap;
		}
		pe->rules[kind][n] = rule;
		pe->rpos[kind][n] = here(r);
		pe->nrules[kind] = n + 1;
	}
}

/*
 * An absent entry holds its name (field 0) and state (field 1) only: -1
 * at the first other field given.
 */
static int
only_name_and_state(struct reader *r, const char *kind,
    const char *const *v, const struct pos *at, const char *const *keys,
    int nkeys)
{
	int i;

	for (i = 2; i < nkeys; i++) {
		if (v[i] != NULL)
			return fail_pos(r->err, CERBO_E_INVALID, r->name, at[i],
			    "%s %s: %s has no meaning with state absent", kind,
			    v[0], keys[i]);
	}
	return 0;
}
_Static_assert(PF_NAME == 0 && PF_STATE == 1 && UF_USERNAME == 0 &&
        UF_STATE == 1,
    "an entry's name and state are its fields 0 and 1");

static int
read_profile(struct reader *r)
{
	struct plan *plan = r->plan;
	struct pentry *pe;
	int field = -1, rc;
	unsigned seen = 0;

	if (grow((void **)&plan->profiles, &plan->capprofiles, plan->nprofiles,
	        sizeof(*plan->profiles)) != 0)
		return nomem(r);
	pe = &plan->profiles[plan->nprofiles++];
	memset(pe, 0, sizeof(*pe));
	pe->start = here(r);
	for (;;) {
		rc = take_key(r, pkeys, PF_COUNT,
		    " in a profile (expected name, state, description, allow, "
		    "deny)",
		    &seen, &field);
		if (rc < 0)
			return -1;
		if (rc > 0)
			break;
		pe->at[field] = here(r);
		switch (field) {
		case PF_STATE:
			if (take_state(r, &pe->absent) != 0)
				return -1;
			pe->v[field] = "";
			break;
		case PF_ALLOW:
		case PF_DENY:
			if (take_rules(r, pe,
			        field == PF_ALLOW ? CERBO_RULE_ALLOW
			                          : CERBO_RULE_DENY,
			        pkeys[field]) != 0)
				return -1;
			pe->v[field] = "";
			break;
		default:
			if (take_string(r, pkeys[field], 0, &pe->v[field]) != 0)
				return -1;
			break;
		}
	}
	if (pe->v[PF_NAME] == NULL)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, pe->start,
		    "a profile needs a name");
	if (pe->absent)
		return only_name_and_state(r, "profile", pe->v, pe->at, pkeys,
		    PF_COUNT);
	return 0;
}

static int
read_user(struct reader *r)
{
	struct plan *plan = r->plan;
	struct uentry *ue;
	int field = -1, i, rc, absent = 0;
	unsigned seen = 0;
	static const enum ufield required[] = {UF_NICKNAME, UF_PROFILE,
	    UF_EMAIL, UF_DESCRIPTION};

	if (grow((void **)&plan->users, &plan->capusers, plan->nusers,
	        sizeof(*plan->users)) != 0)
		return nomem(r);
	ue = &plan->users[plan->nusers++];
	memset(ue, 0, sizeof(*ue));
	ue->start = here(r);
	for (;;) {
		rc = take_key(r, ukeys, UF_COUNT,
		    " in a user (expected username, state, nickname, profile, "
		    "email, description, disabled, expires, allow_from, "
		    "secret_hash)",
		    &seen, &field);
		if (rc < 0)
			return -1;
		if (rc > 0)
			break;
		ue->at[field] = here(r);
		switch (field) {
		case UF_STATE:
			if (take_state(r, &absent) != 0)
				return -1;
			ue->v[field] = "";
			break;
		case UF_DISABLED:
			if (take_bool(r, ukeys[field], &ue->v[field]) != 0)
				return -1;
			break;
		case UF_ALLOW_FROM:
			if (take_networks(r, &ue->v[field]) != 0)
				return -1;
			break;
		default:
			if (take_string(r, ukeys[field], field == UF_EXPIRES,
			        &ue->v[field]) != 0)
				return -1;
			break;
		}
	}
	ue->absent = absent;
	if (ue->v[UF_USERNAME] == NULL)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, ue->start,
		    "a user needs a username");
	if (absent)
		return only_name_and_state(r, "user", ue->v, ue->at, ukeys,
		    UF_COUNT);
	for (i = 0; i < (int)(sizeof(required) / sizeof(required[0])); i++) {
		if (ue->v[required[i]] == NULL)
			return fail_pos(r->err, CERBO_E_INVALID, r->name,
			    ue->start,
			    "user %s: %s is required (state "
			    "present)",
			    ue->v[UF_USERNAME], ukeys[required[i]]);
	}
	if (ue->v[UF_DISABLED] == NULL)
		ue->v[UF_DISABLED] = "false";
	return 0;
}

static int
read_list(struct reader *r, const char *key, int (*entry)(struct reader *))
{
	if (r->y.ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s must be a list", key);
	for (;;) {
		if (next(r) != 0)
			return -1;
		if (r->y.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (r->y.ev.type != YAML_MAPPING_START_EVENT)
			return fail_pos(r->err, CERBO_E_INVALID, r->name,
			    here(r), "each entry of %s must be a mapping", key);
		if (entry(r) != 0)
			return -1;
	}
}

static int
read_format(struct reader *r)
{
	const char *v = (const char *)r->y.ev.data.scalar.value;
	size_t i, len = r->y.ev.data.scalar.length;

	if (r->y.ev.type != YAML_SCALAR_EVENT || !is_plain(r) || len == 0 ||
	    len > 9)
		goto bad;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto bad;
	}
	if (len == 1 && v[0] == '1')
		return 0;
	if (v[0] != '0')
		return fail_pos(r->err, CERBO_E_TOO_NEW, r->name, here(r),
		    "apply document format %.*s is newer than this pam_cerbo "
		    "reads (%d)",
		    (int)len, v, APPLY_FORMAT);
bad:
	return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
	    "cerbo_apply must be %d", APPLY_FORMAT);
}

static int
read_document(struct reader *r)
{
	static const char *const keys[] = {"cerbo_apply", "profiles", "users"};
	unsigned seen = 0;
	int field = -1, rc;

	if (next(r) != 0)
		return -1;
	if (r->y.ev.type != YAML_STREAM_START_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "malformed YAML");
	if (next(r) != 0)
		return -1;
	if (r->y.ev.type == YAML_STREAM_END_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "the document is empty");
	if (next(r) != 0)
		return -1;
	if (r->y.ev.type != YAML_MAPPING_START_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "the document must be a mapping (with profiles and/or "
		    "users)");
	for (;;) {
		rc = take_key(r, keys, 3,
		    " (expected cerbo_apply, profiles, users)", &seen, &field);
		if (rc < 0)
			return -1;
		if (rc > 0)
			break;
		if (field == 0 && read_format(r) != 0)
			return -1;
		if (field == 1 && read_list(r, "profiles", read_profile) != 0)
			return -1;
		if (field == 2 && read_list(r, "users", read_user) != 0)
			return -1;
	}
	if (next(r) != 0) /* document end */
		return -1;
	if (next(r) != 0)
		return -1;
	if (r->y.ev.type != YAML_STREAM_END_EVENT)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "only one document is allowed");
	return 0;
}

static int
read_plan(struct plan *plan, const char *buf, size_t len, const char *name,
    struct cerbo_error *err)
{
	struct reader r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.name = name;
	r.err = err;
	r.plan = plan;
	rc = cerbo__yaml_open(&r.y, buf, len, name, CERBO_E_INVALID, err);
	if (rc == 0)
		rc = read_document(&r);
	cerbo__yaml_close(&r.y);
	return rc;
}

/* ---- checking the plan against the store --------------------------------- */

static int
cmp_pentry(const void *a, const void *b)
{
	const struct pentry *x = *(const struct pentry *const *)a;
	const struct pentry *y = *(const struct pentry *const *)b;
	int c = strcmp(x->v[PF_NAME], y->v[PF_NAME]);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

static int
cmp_uentry(const void *a, const void *b)
{
	const struct uentry *x = *(const struct uentry *const *)a;
	const struct uentry *y = *(const struct uentry *const *)b;
	int c = strcmp(x->v[UF_USERNAME], y->v[UF_USERNAME]);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

static int
cmp_pname(const void *key, const void *elem)
{
	const struct pentry *pe = *(const struct pentry *const *)elem;

	return strcmp(key, pe->v[PF_NAME]);
}

static int
cmp_uname(const void *key, const void *elem)
{
	const struct uentry *ue = *(const struct uentry *const *)elem;

	return strcmp(key, ue->v[UF_USERNAME]);
}

static struct pentry *
plan_profile(const struct plan *plan, const char *name)
{
	struct pentry **pp;

	if (plan->nprofiles == 0)
		return NULL;
	pp = bsearch(name, plan->psorted, plan->nprofiles,
	    sizeof(*plan->psorted), cmp_pname);
	return pp != NULL ? *pp : NULL;
}

static struct uentry *
plan_user(const struct plan *plan, const char *name)
{
	struct uentry **up;

	if (plan->nusers == 0)
		return NULL;
	up = bsearch(name, plan->usorted, plan->nusers, sizeof(*plan->usorted),
	    cmp_uname);
	return up != NULL ? *up : NULL;
}

/* Sort both lists by name; refuse a name declared twice. */
static int
sort_plan(struct plan *plan, const char *name, struct cerbo_error *err)
{
	const struct pentry *pdup = NULL, *pfirst = NULL;
	const struct uentry *udup = NULL, *ufirst = NULL;
	size_t i;

	if (plan->nprofiles > 0) {
		plan->psorted = calloc(plan->nprofiles, sizeof(*plan->psorted));
		if (plan->psorted == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	}
	if (plan->nusers > 0) {
		plan->usorted = calloc(plan->nusers, sizeof(*plan->usorted));
		if (plan->usorted == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	}
	for (i = 0; i < plan->nprofiles; i++)
		plan->psorted[i] = &plan->profiles[i];
	for (i = 0; i < plan->nusers; i++)
		plan->usorted[i] = &plan->users[i];
	if (plan->nprofiles > 1)
		qsort(plan->psorted, plan->nprofiles, sizeof(*plan->psorted),
		    cmp_pentry);
	if (plan->nusers > 1)
		qsort(plan->usorted, plan->nusers, sizeof(*plan->usorted),
		    cmp_uentry);
	/* Report the duplicate that comes first in the document. */
	for (i = 1; i < plan->nprofiles; i++) {
		const struct pentry *a = plan->psorted[i - 1];
		const struct pentry *b = plan->psorted[i];

		if (strcmp(a->v[PF_NAME], b->v[PF_NAME]) == 0 &&
		    (pdup == NULL || b < pdup)) {
			pdup = b;
			pfirst = a;
		}
	}
	if (pdup != NULL)
		return fail_pos(err, CERBO_E_INVALID, name, pdup->at[PF_NAME],
		    "profile %s is declared twice (first at line %lu)",
		    pdup->v[PF_NAME], (unsigned long)pfirst->at[PF_NAME].line);
	for (i = 1; i < plan->nusers; i++) {
		const struct uentry *a = plan->usorted[i - 1];
		const struct uentry *b = plan->usorted[i];

		if (strcmp(a->v[UF_USERNAME], b->v[UF_USERNAME]) == 0 &&
		    (udup == NULL || b < udup)) {
			udup = b;
			ufirst = a;
		}
	}
	if (udup != NULL)
		return fail_pos(err, CERBO_E_INVALID, name,
		    udup->at[UF_USERNAME],
		    "user %s is declared twice (first at line %lu)",
		    udup->v[UF_USERNAME],
		    (unsigned long)ufirst->at[UF_USERNAME].line);
	return 0;
}

/*
 * A scratch store on which every value is tried with the setter the
 * change will use: one user, SCRATCH_USER, and the profiles users name.
 */
#define SCRATCH_USER "pk_apply_check"
#define SCRATCH_PROFILE "apply-check"

static int
scratch_new(struct cerbo_store **out, int64_t now, struct cerbo_error *err)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	struct cerbo_store *s;

	s = cerbo_store_new();
	if (s == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	spec.username = SCRATCH_USER;
	spec.nickname = "Apply check";
	spec.profile = SCRATCH_PROFILE;
	spec.email = "apply@example.com";
	spec.description = "Apply check";
	spec.secret_hash = cerbo__dummy_hash();
	if (cerbo_profile_add(s, SCRATCH_PROFILE, "Apply check", err) != 0 ||
	    cerbo_user_add(s, &spec, now, err) != 0) {
		cerbo_store_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int
check_profile(struct cerbo_store *scratch, const struct pentry *pe,
    const char *name, struct cerbo_error *err)
{
	const char *pname = pe->v[PF_NAME];
	int k, changed;
	size_t i;

	if (cerbo__check_profile_name(pname, strlen(pname), err) != 0)
		return relocate(err, name, pe->at[PF_NAME], "profile");
	if (pe->absent)
		return 0;
	if (cerbo_profile_add(scratch, pname, pe->v[PF_DESCRIPTION], err) != 0)
		return relocate(err, name,
		    pe->v[PF_DESCRIPTION] != NULL ? pe->at[PF_DESCRIPTION]
		                                  : pe->at[PF_NAME],
		    pname);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < pe->nrules[k]; i++) {
			if (cerbo_profile_rule_add(scratch, pname,
			        (enum cerbo_rule_kind)k, pe->rules[k][i],
			        &changed, err) != 0)
				return relocate(err, name, pe->rpos[k][i],
				    pname);
			if (!changed)
				return fail_pos(err, CERBO_E_INVALID, name,
				    pe->rpos[k][i],
				    "%s: %s rule \"%s\" is "
				    "listed twice",
				    pname,
				    cerbo_rule_kind_name(
				        (enum cerbo_rule_kind)k),
				    pe->rules[k][i]);
		}
	}
	return 0;
}

static int
check_user(const struct cerbo_store *store, struct cerbo_store *scratch,
    const struct plan *plan, struct uentry *ue, const char *name, int64_t now,
    struct cerbo_error *err)
{
	const char *uname = ue->v[UF_USERNAME];
	const char *prof = ue->v[UF_PROFILE];
	const struct pentry *pe;
	size_t i;

	if (cerbo__check_username(uname, strlen(uname), err) != 0)
		return relocate(err, name, ue->at[UF_USERNAME], "user");
	ue->cur = cerbo_store_user_find(store, uname);
	if (ue->absent)
		return 0;
	if (cerbo__check_profile_name(prof, strlen(prof), err) != 0)
		return relocate(err, name, ue->at[UF_PROFILE], uname);
	pe = plan_profile(plan, prof);
	if (pe != NULL && pe->absent)
		return fail_pos(err, CERBO_E_INVALID, name, ue->at[UF_PROFILE],
		    "%s: profile %s is declared absent in this document", uname,
		    prof);
	if (pe == NULL && cerbo_store_profile_find(store, prof) == NULL)
		return fail_pos(err, CERBO_E_NOTFOUND, name, ue->at[UF_PROFILE],
		    "%s: no profile %s (in the store or "
		    "this document)",
		    uname, prof);
	if (cerbo_store_profile_find(scratch, prof) == NULL &&
	    cerbo_profile_add(scratch, prof, NULL, err) != 0)
		return relocate(err, name, ue->at[UF_PROFILE], uname);
	for (i = 0; i < NSETTABLE; i++) {
		enum ufield f = usettable[i];

		if (cerbo_user_set(scratch, SCRATCH_USER,
		        (enum cerbo_user_field)ustore[f], ue->v[f], now, NULL,
		        err) != 0)
			return relocate(err, name,
			    ue->v[f] != NULL ? ue->at[f] : ue->start, uname);
	}
	if (ue->v[UF_SECRET_HASH] != NULL &&
	    cerbo_hash_validate(ue->v[UF_SECRET_HASH], err) != 0)
		return relocate(err, name, ue->at[UF_SECRET_HASH], uname);
	return 0;
}

/*
 * A profile declared absent must have no users left once the document's
 * users are applied.  Counts, per such profile, the users the document
 * moves off it or removes.
 */
static int
check_removals(const struct cerbo_store *store, struct plan *plan,
    const char *name, struct cerbo_error *err)
{
	char names[256];
	size_t i, n, total, listed, len;

	for (i = 0; i < plan->nusers; i++) {
		const struct uentry *ue = &plan->users[i];
		struct pentry *pe;
		const char *was;

		if (ue->cur == NULL)
			continue;
		was = cerbo_user_get(ue->cur, CERBO_USER_PROFILE);
		pe = plan_profile(plan, was);
		if (pe == NULL || !pe->absent)
			continue;
		if (ue->absent || strcmp(ue->v[UF_PROFILE], was) != 0)
			pe->leaving++;
	}
	for (i = 0; i < plan->nprofiles; i++) {
		const struct pentry *pe = plan->psorted[i];
		const char *pname = pe->v[PF_NAME];

		if (!pe->absent ||
		    cerbo_store_profile_find(store, pname) == NULL)
			continue;
		total = cerbo_store_profile_users(store, pname);
		if (total <= pe->leaving)
			continue;
		names[0] = '\0';
		len = 0;
		listed = 0;
		for (n = 0; n < cerbo_store_user_count(store); n++) {
			const struct cerbo_user *u =
			    cerbo_store_user_at(store, n);
			const char *un = cerbo_user_name(u);
			int w;

			if (strcmp(cerbo_user_get(u, CERBO_USER_PROFILE),
			        pname) != 0 ||
			    plan_user(plan, un) != NULL)
				continue;
			if (listed == INUSE_NAMES)
				break;
			w = snprintf(names + len, sizeof(names) - len, "%s%s",
			    listed > 0 ? ", " : "", un);
			if (w < 0 || (size_t)w >= sizeof(names) - len)
				break;
			len += (size_t)w;
			listed++;
		}
		return fail_pos(err, CERBO_E_INUSE, name, pe->at[PF_NAME],
		    "profile %s is still used by %s%s: move or remove them "
		    "in this document",
		    pname, names,
		    total - pe->leaving > listed ? " and others" : "");
	}
	return 0;
}

static int
check_plan(const struct cerbo_store *store, struct plan *plan, const char *name,
    int64_t now, struct cerbo_error *err)
{
	struct cerbo_store *scratch = NULL;
	size_t i;
	int rc = -1;

	if (sort_plan(plan, name, err) != 0)
		goto out;
	if (scratch_new(&scratch, now, err) != 0)
		goto out;
	for (i = 0; i < plan->nprofiles; i++) {
		if (check_profile(scratch, &plan->profiles[i], name, err) != 0)
			goto out;
	}
	for (i = 0; i < plan->nusers; i++) {
		if (check_user(store, scratch, plan, &plan->users[i], name, now,
		        err) != 0)
			goto out;
	}
	if (check_removals(store, plan, name, err) != 0)
		goto out;
	rc = 0;
out:
	cerbo_store_free(scratch);
	return rc;
}

/* ---- the result ---------------------------------------------------------- */

/* Record one change (cerbo_changes_add()). */
static int
note(struct cerbo_apply_result *res, enum cerbo_change_op op,
    enum cerbo_change_object object, const char *name, const char *field,
    const char *old_value, const char *new_value, struct cerbo_error *err)
{
	return cerbo_changes_add(res->changes, op, object, name, field,
	    old_value, new_value, err);
}

/* Keep the library's warning about a rule added to profile pname, if any:
 * the tools show it, the rule stays added. */
static int
warn_rule(struct cerbo_apply_result *res, struct cerbo_error *err,
    const char *pname, enum cerbo_rule_kind kind, const char *rule)
{
	const char *w = cerbo_rule_warning(kind, rule);
	char text[CERBO_RULE_MAX + CERBO_PROFILE_NAME_MAX + 512], *copy;

	if (w == NULL)
		return 0;
	(void)snprintf(text, sizeof(text), "profile %s: %s rule \"%s\": %s",
	    pname, cerbo_rule_kind_name(kind), rule, w);
	if (grow((void **)&res->warnings, &res->capwarnings, res->nwarnings,
	        sizeof(*res->warnings)) != 0 ||
	    (copy = strdup(text)) == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	res->warnings[res->nwarnings++] = copy;
	return 0;
}

/* Generate a key for every new user without secret_hash, in name order. */
static int
generate_keys(struct plan *plan, struct cerbo_apply_result *res,
    struct cerbo_error *err)
{
	char hash[CERBO_HASH_MAX];
	size_t i, n = 0;

	for (i = 0; i < plan->nusers; i++) {
		const struct uentry *ue = &plan->users[i];

		if (!ue->absent && ue->cur == NULL &&
		    ue->v[UF_SECRET_HASH] == NULL)
			n++;
	}
	if (n == 0)
		return 0;
	res->secrets = calloc(n, sizeof(*res->secrets));
	if (res->secrets == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	for (i = 0; i < plan->nusers; i++) {
		struct uentry *ue = plan->usorted[i];
		struct secret_slot *slot;

		if (ue->absent || ue->cur != NULL ||
		    ue->v[UF_SECRET_HASH] != NULL)
			continue;
		slot = &res->secrets[res->nsecrets++];
		snprintf(slot->user, sizeof(slot->user), "%s",
		    ue->v[UF_USERNAME]);
		if (cerbo_secret_generate(slot->key, sizeof(slot->key)) != 0)
			return cerbo__fail(err, CERBO_E_IO,
			    "cannot generate a secret key");
		if (cerbo_secret_hash(slot->key, strlen(slot->key), hash,
		        sizeof(hash), err) != 0)
			return -1;
		ue->hash = arena_dup(plan, hash, strlen(hash));
		if (ue->hash == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	}
	return 0;
}

/* ---- changing the store -------------------------------------------------- */

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
in_list(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], s) == 0)
			return 1;
	}
	return 0;
}

static int
change_rules(struct cerbo_store *store, const struct pentry *pe,
    const struct cerbo_profile *cur, enum cerbo_rule_kind kind,
    struct cerbo_apply_result *res, int *updated, struct cerbo_error *err)
{
	const char *pname = pe->v[PF_NAME];
	const char *kname = cerbo_rule_kind_name(kind);
	size_t i = 0;
	int changed, rc;

	/* Drop what the document does not list (i stays on a removal). */
	while (i < cerbo_profile_rule_count(cur, kind)) {
		char *rule;

		if (in_list(pe->rules[kind], pe->nrules[kind],
		        cerbo_profile_rule_at(cur, kind, i))) {
			i++;
			continue;
		}
		rule = strdup(cerbo_profile_rule_at(cur, kind, i));
		if (rule == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		rc = cerbo_profile_rule_remove(store, pname, kind, rule,
		    &changed, err);
		if (rc == 0)
			rc = note(res, CERBO_CHANGE_UPDATED,
			    CERBO_OBJECT_PROFILE, pname, kname, rule, NULL,
			    err);
		free(rule);
		if (rc != 0)
			return -1;
		*updated = 1;
	}
	for (i = 0; i < pe->nrules[kind]; i++) {
		if (cerbo_profile_rule_add(store, pname, kind,
		        pe->rules[kind][i], &changed, err) != 0)
			return -1;
		if (!changed)
			continue;
		*updated = 1;
		if (note(res, CERBO_CHANGE_UPDATED, CERBO_OBJECT_PROFILE,
		        pname, kname, NULL, pe->rules[kind][i], err) != 0 ||
		    warn_rule(res, err, pname, kind, pe->rules[kind][i]) != 0)
			return -1;
	}
	return 0;
}

static int
change_profile(struct cerbo_store *store, const struct pentry *pe,
    struct cerbo_apply_result *res, struct cerbo_error *err)
{
	const char *pname = pe->v[PF_NAME];
	const char *desc = pe->v[PF_DESCRIPTION];
	const struct cerbo_profile *cur;
	char *old = NULL;
	int k, changed, updated = 0, rc = -1;
	size_t i;

	cur = cerbo_store_profile_find(store, pname);
	if (cur == NULL) {
		if (cerbo_profile_add(store, pname, desc, err) != 0)
			goto out;
		for (k = 0; k < 2; k++) {
			for (i = 0; i < pe->nrules[k]; i++) {
				if (cerbo_profile_rule_add(store, pname,
				        (enum cerbo_rule_kind)k,
				        pe->rules[k][i], &changed, err) != 0 ||
				    warn_rule(res, err, pname,
				        (enum cerbo_rule_kind)k,
				        pe->rules[k][i]) != 0)
					goto out;
			}
		}
		res->count[CERBO_APPLY_ADDED]++;
		rc = note(res, CERBO_CHANGE_ADDED, CERBO_OBJECT_PROFILE, pname,
		    NULL, NULL, NULL, err);
		goto out;
	}
	if (!same(cerbo_profile_description(cur), desc)) {
		if (cerbo_profile_description(cur) != NULL) {
			old = strdup(cerbo_profile_description(cur));
			if (old == NULL) {
				cerbo__fail(err, CERBO_E_NOMEM,
				    "out of memory");
				goto out;
			}
		}
		if (cerbo_profile_set_description(store, pname, desc, &changed,
		        err) != 0)
			goto out;
		if (changed) {
			updated = 1;
			if (note(res, CERBO_CHANGE_UPDATED,
			        CERBO_OBJECT_PROFILE, pname, "description",
			        old, cerbo_profile_description(cur), err) != 0)
				goto out;
		}
	}
	for (k = 0; k < 2; k++) {
		if (change_rules(store, pe, cur, (enum cerbo_rule_kind)k, res,
		        &updated, err) != 0)
			goto out;
	}
	if (updated)
		res->count[CERBO_APPLY_UPDATED]++;
	rc = 0;
out:
	free(old);
	return rc;
}

static int
add_user(struct cerbo_store *store, const struct uentry *ue, int64_t now,
    struct cerbo_apply_result *res, struct cerbo_error *err)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	const char *uname = ue->v[UF_USERNAME];
	size_t i;

	spec.username = uname;
	spec.nickname = ue->v[UF_NICKNAME];
	spec.profile = ue->v[UF_PROFILE];
	spec.email = ue->v[UF_EMAIL];
	spec.description = ue->v[UF_DESCRIPTION];
	spec.secret_hash =
	    ue->v[UF_SECRET_HASH] != NULL ? ue->v[UF_SECRET_HASH] : ue->hash;
	if (cerbo__user_add(store, &spec, now, err) != 0)
		return -1;
	for (i = 0; i < NSETTABLE; i++) {
		enum ufield f = usettable[i];

		if (f == UF_NICKNAME || f == UF_PROFILE || f == UF_EMAIL ||
		    f == UF_DESCRIPTION)
			continue;
		if (f == UF_DISABLED && strcmp(ue->v[f], "false") == 0)
			continue;
		if (ue->v[f] == NULL)
			continue;
		if (cerbo_user_set(store, uname,
		        (enum cerbo_user_field)ustore[f], ue->v[f], now, NULL,
		        err) != 0)
			return -1;
	}
	res->count[CERBO_APPLY_ADDED]++;
	return note(res, CERBO_CHANGE_ADDED, CERBO_OBJECT_USER, uname, NULL,
	    NULL, NULL, err);
}

static int
change_user(struct cerbo_store *store, const struct uentry *ue, int64_t now,
    struct cerbo_apply_result *res, struct cerbo_error *err)
{
	const char *uname = ue->v[UF_USERNAME];
	const struct cerbo_user *cur = ue->cur;
	char *old = NULL;
	int changed, updated = 0, rc = -1;
	size_t i;

	if (ue->absent) {
		if (cur == NULL)
			return 0;
		if (cerbo__user_remove(store, uname, err) != 0)
			return -1;
		res->count[CERBO_APPLY_REMOVED]++;
		return note(res, CERBO_CHANGE_REMOVED, CERBO_OBJECT_USER, uname,
		    NULL, NULL, NULL, err);
	}
	if (cur == NULL)
		return add_user(store, ue, now, res, err);
	for (i = 0; i < NSETTABLE; i++) {
		enum ufield f = usettable[i];
		enum cerbo_user_field sf = (enum cerbo_user_field)ustore[f];
		const char *have = cerbo_user_get(cur, sf);

		if (same(have, ue->v[f]))
			continue;
		free(old);
		old = NULL;
		if (have != NULL) {
			old = strdup(have);
			if (old == NULL) {
				cerbo__fail(err, CERBO_E_NOMEM,
				    "out of memory");
				goto out;
			}
		}
		if (cerbo_user_set(store, uname, sf, ue->v[f], now, &changed,
		        err) != 0)
			goto out;
		if (!changed)
			continue;
		updated = 1;
		if (note(res, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, uname,
		        ukeys[f], old, cerbo_user_get(cur, sf), err) != 0)
			goto out;
	}
	if (ue->v[UF_SECRET_HASH] != NULL &&
	    !same(cerbo_user_get(cur, CERBO_USER_SECRET),
	        ue->v[UF_SECRET_HASH])) {
		if (cerbo_user_set_secret(store, uname, ue->v[UF_SECRET_HASH],
		        now, 0, 1, err) != 0)
			goto out;
		updated = 1;
		if (note(res, CERBO_CHANGE_UPDATED, CERBO_OBJECT_USER, uname,
		        "secret", NULL, NULL, err) != 0)
			goto out;
	}
	if (updated)
		res->count[CERBO_APPLY_UPDATED]++;
	rc = 0;
out:
	free(old);
	return rc;
}

static int
change_all(struct cerbo_store *store, const struct plan *plan, int64_t now,
    struct cerbo_apply_result *res, struct cerbo_error *err)
{
	size_t i;

	for (i = 0; i < plan->nprofiles; i++) {
		const struct pentry *pe = plan->psorted[i];

		if (!pe->absent && change_profile(store, pe, res, err) != 0)
			return -1;
	}
	for (i = 0; i < plan->nusers; i++) {
		if (change_user(store, plan->usorted[i], now, res, err) != 0)
			return -1;
	}
	for (i = 0; i < plan->nprofiles; i++) {
		const struct pentry *pe = plan->psorted[i];

		if (!pe->absent ||
		    cerbo_store_profile_find(store, pe->v[PF_NAME]) == NULL)
			continue;
		if (cerbo_profile_remove(store, pe->v[PF_NAME], err) != 0)
			return -1;
		res->count[CERBO_APPLY_REMOVED]++;
		if (note(res, CERBO_CHANGE_REMOVED, CERBO_OBJECT_PROFILE,
		        pe->v[PF_NAME], NULL, NULL, NULL, err) != 0)
			return -1;
	}
	return 0;
}

/* The changes, and one tidy of the users after them, also when they stop
 * part-way: the getters never reorder the store. */
static int
change_store(struct cerbo_store *store, const struct plan *plan, int64_t now,
    struct cerbo_apply_result *res, struct cerbo_error *err)
{
	int rc = change_all(store, plan, now, res, err);

	cerbo__store_tidy(store);
	return rc;
}

/* ---- the interface ------------------------------------------------------- */

int
cerbo_store_apply(struct cerbo_store *store, const char *buf, size_t len,
    const char *name, int64_t now, struct cerbo_apply_result **result,
    struct cerbo_error *err)
{
	struct cerbo_error local = CERBO_ERROR_INIT;
	struct cerbo_apply_result *res = NULL;
	struct plan plan;
	int rc = -1;

	memset(&plan, 0, sizeof(plan));
	if (result != NULL)
		*result = NULL;
	/* An err the caller cannot be told through is as NULL; the plan
	 * still reads the status it is given. */
	if (!cerbo__error_usable(err))
		err = &local;
	cerbo__error_clear(err);
	if (name == NULL)
		name = "document";
	if (store == NULL || (buf == NULL && len > 0))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "apply: no store or no document");
	if (len > CERBO_STORE_SIZE_MAX)
		return cerbo__fail_at(err, CERBO_E_INVALID, name, 0, 0,
		    "larger than %u bytes", CERBO_STORE_SIZE_MAX);
	res = calloc(1, sizeof(*res));
	if (res != NULL)
		res->changes = cerbo_changes_new();
	if (res == NULL || res->changes == NULL) {
		free(res);
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	}
	if (read_plan(&plan, buf != NULL ? buf : "", len, name, err) != 0)
		goto out;
	if (check_plan(store, &plan, name, now, err) != 0)
		goto out;
	if (generate_keys(&plan, res, err) != 0)
		goto out;
	/* From here on the store changes; only memory can run out. */
	if (change_store(store, &plan, now, res, err) != 0)
		goto out;
	if (result != NULL) {
		*result = res;
		res = NULL;
	}
	rc = 0;
out:
	cerbo_apply_result_free(res);
	plan_free(&plan);
	return rc;
}

int
cerbo_apply_result_changed(const struct cerbo_apply_result *result)
{
	return result != NULL && cerbo_changes_count(result->changes) > 0;
}

size_t
cerbo_apply_result_change_count(const struct cerbo_apply_result *result)
{
	return result != NULL ? cerbo_changes_count(result->changes) : 0;
}

const char *
cerbo_apply_result_change_at(const struct cerbo_apply_result *result, size_t i)
{
	return result != NULL ? cerbo_change_text(result->changes, i) : NULL;
}

const struct cerbo_changes *
cerbo_apply_result_changes(const struct cerbo_apply_result *result)
{
	return result != NULL ? result->changes : NULL;
}

size_t
cerbo_apply_result_count(const struct cerbo_apply_result *result,
    enum cerbo_apply_count what)
{
	if (result == NULL || (unsigned)what > CERBO_APPLY_REMOVED)
		return 0;
	return result->count[what];
}

size_t
cerbo_apply_result_secret_count(const struct cerbo_apply_result *result)
{
	return result != NULL ? result->nsecrets : 0;
}

const char *
cerbo_apply_result_secret_user(const struct cerbo_apply_result *result,
    size_t i)
{
	if (result == NULL || i >= result->nsecrets)
		return NULL;
	return result->secrets[i].user;
}

const char *
cerbo_apply_result_secret_at(const struct cerbo_apply_result *result, size_t i)
{
	if (result == NULL || i >= result->nsecrets)
		return NULL;
	return result->secrets[i].key;
}

void
cerbo_apply_result_free(struct cerbo_apply_result *result)
{
	size_t i;

	if (result == NULL)
		return;
	if (result->secrets != NULL) {
		sodium_memzero(result->secrets,
		    result->nsecrets * sizeof(*result->secrets));
		free(result->secrets);
	}
	cerbo_changes_free(result->changes);
	for (i = 0; i < result->nwarnings; i++)
		free(result->warnings[i]);
	free(result->warnings);
	free(result);
}

size_t
cerbo_apply_result_warning_count(const struct cerbo_apply_result *result)
{
	return result != NULL ? result->nwarnings : 0;
}

const char *
cerbo_apply_result_warning_at(const struct cerbo_apply_result *result,
    size_t i)
{
	if (result == NULL || i >= result->nwarnings)
		return NULL;
	return result->warnings[i];
}
