/*
 * apply_read.c - the first pass of cerbo_store_apply (apply.c): the
 * document is read into a plan (apply.h), strictly and from the event
 * stream (a million users cost no tree).  Every refusal carries the
 * document's line and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "apply.h"

#define ARENA_CHUNK (256u * 1024)
#define APPLY_FORMAT 1 /* the cerbo_apply: version this build reads */

/* Strings of the plan live in chunks freed together. */
struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	char data[];
};

static const char *const pkeys[PF_COUNT] = {
    "name",
    "state",
    "description",
    "allow",
    "deny",
};

struct reader {
	struct cerbo__yaml y;
	const char *name;
	struct cerbo_error *err;
	struct plan *plan;
};

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

char *
cerbo__apply_dup(struct plan *plan, const char *s, size_t len)
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

void
cerbo__apply_plan_free(struct plan *plan)
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

int
cerbo__apply_grow(void **array, size_t *cap, size_t n, size_t size)
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
		    "%s must be a string, not null (leave the key out instead)",
		    key);
	if (!is_time && is_plain(r) && cerbo__yaml_plain_not_string(v, len))
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s: %s would be read as a boolean, number, date or null, not as text; put it in quotes",
		    key, v);
	if (memchr(v, '\0', len) != NULL)
		return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "%s must not contain a NUL byte", key);
	*out = cerbo__apply_dup(r->plan, v, len);
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
	/* The refusals return -1 themselves: the static analyzer does not
	 * follow a variadic call (fail_pos), and would take 0 for a refusal
	 * that leaves *field unset. */
	if (r->y.ev.type != YAML_SCALAR_EVENT) {
		fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "keys must be strings");
		return -1;
	}
	*field = -1;
	for (i = 0; i < nkeys; i++) {
		if (scalar_is(r, keys[i])) {
			*field = (int)i;
			break;
		}
	}
	if (*field < 0) {
		fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "unknown key \"%s\"%s", key_text(r, kbuf, sizeof(kbuf)),
		    expected);
		return -1;
	}
	if (*seen & (1u << *field)) {
		fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
		    "duplicate key \"%s\"", keys[*field]);
		return -1;
	}
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
		    "allow_from must not be empty (leave it out to allow every address)");
		goto out;
	}
	*out = cerbo__apply_dup(r->plan, joined, len);
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
only_name_and_state(struct reader *r, const char *kind, const char *const *v,
    const struct pos *at, const char *const *keys, int nkeys)
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

	if (cerbo__apply_grow((void **)&plan->profiles, &plan->capprofiles,
	        plan->nprofiles, sizeof(*plan->profiles)) != 0)
		return nomem(r);
	pe = &plan->profiles[plan->nprofiles++];
	memset(pe, 0, sizeof(*pe));
	pe->start = here(r);
	for (;;) {
		rc = take_key(r, pkeys, PF_COUNT,
		    " in a profile (expected name, state, description, allow, deny)",
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

	if (cerbo__apply_grow((void **)&plan->users, &plan->capusers,
	        plan->nusers, sizeof(*plan->users)) != 0)
		return nomem(r);
	ue = &plan->users[plan->nusers++];
	memset(ue, 0, sizeof(*ue));
	ue->start = here(r);
	for (;;) {
		rc = take_key(r, ukeys, UF_COUNT,
		    " in a user (expected username, state, nickname, profile, email, description, disabled, expires, allow_from, secret_hash)",
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
			    "user %s: %s is required (state present)",
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
		    "apply document format %.*s is newer than this pam_cerbo reads (%d)",
		    (int)len, v, APPLY_FORMAT);
bad:
	return fail_pos(r->err, CERBO_E_INVALID, r->name, here(r),
	    "cerbo_apply must be %d", APPLY_FORMAT);
}

/* usage_file: an absolute path, or null for none (checked later). */
static int
read_usage_file(struct reader *r)
{
	r->plan->usage_file_given = 1;
	r->plan->usage_file_at = here(r);
	if (r->y.ev.type == YAML_SCALAR_EVENT && plain_null(r)) {
		r->plan->usage_file = NULL;
		return 0;
	}
	return take_string(r, "usage_file", 0, &r->plan->usage_file);
}

static int
read_document(struct reader *r)
{
	static const char *const keys[] = {"cerbo_apply", "profiles", "users",
	    "usage_file"};
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
		    "the document must be a mapping (with profiles and/or users)");
	for (;;) {
		rc = take_key(r, keys, 4,
		    " (expected cerbo_apply, profiles, users, usage_file)",
		    &seen, &field);
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
		if (field == 3 && read_usage_file(r) != 0)
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

int
cerbo__apply_read(struct plan *plan, const char *buf, size_t len,
    const char *name, struct cerbo_error *err)
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
