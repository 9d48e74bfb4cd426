/*
 * yaml_read.c - the strict store reader (cerbo-store(5)).
 *
 * The raw bytes and the events are read through yaml_strict.c (the rules
 * every strict reader keeps: no BOM, CR, NUL or invalid UTF-8, no anchors,
 * aliases, tags or directives), by a parser that knows the one shape a
 * store has: every key is known, every value has one type, nothing is
 * skipped.  Duplicate keys and more than one document are errors.
 * Every error carries the file's name and a 1-based line and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "internal.h"

#define VERSION_PEEK_DEPTH 64

enum root_key { R_FORMAT, R_GENERATION, R_USAGE_FILE, R_PROFILES, R_USERS };

/* Where a user named its profile, to check the reference at the end. */
struct ref {
	const struct cerbo_user *user;
	unsigned long line, column;
};

struct parser {
	struct cerbo__yaml y;
	const char *name;
	struct cerbo_error *err;
	struct cerbo_store *store;
	int version_seen;
	struct ref *refs;
	size_t nrefs, caprefs;
};

/* ---- errors and events ------------------------------------------------ */

static int fail_mark(struct parser *p, const yaml_mark_t *m,
    enum cerbo_status status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail_mark(struct parser *p, const yaml_mark_t *m, enum cerbo_status status,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerbo__vfail_at(p->err, status, p->name, (unsigned long)m->line + 1,
	    (unsigned long)m->column + 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error from a validator, re-issued at a position with a prefix. */
static int
fail_from(struct parser *p, const yaml_mark_t *m, const char *prefix)
{
	enum cerbo_status status = p->err->status;

	if (status == CERBO_E_INVALID)
		status = CERBO_E_STORE;
	cerbo__error_prefix(p->err, "%s", prefix);
	return cerbo__error_relocate(p->err, status, p->name,
	    (unsigned long)m->line + 1, (unsigned long)m->column + 1);
}

static const char *
event_what(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return "a scalar";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias";
	default:
		return "the end of a block";
	}
}

/* The next event, refusing what no strict YAML holds (yaml_strict.c). */
static int
next(struct parser *p)
{
	return cerbo__yaml_next(&p->y);
}

static const char *
sval(const struct parser *p)
{
	return (const char *)p->y.ev.data.scalar.value;
}

static size_t
slen(const struct parser *p)
{
	return p->y.ev.data.scalar.length;
}

static int
plain(const struct parser *p)
{
	return p->y.ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* The current event must be a scalar (what names the value). */
static int
want_scalar(struct parser *p, const char *what)
{
	if (p->y.ev.type != YAML_SCALAR_EVENT)
		return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
		    "%s must be a single value, not %s", what,
		    event_what(&p->y.ev));
	return 0;
}

static int
want_start(struct parser *p, yaml_event_type_t type, const char *what)
{
	if (p->y.ev.type != type)
		return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
		    "%s must be %s, not %s", what,
		    type == YAML_MAPPING_START_EVENT ? "a mapping" : "a list",
		    p->y.ev.type == YAML_SCALAR_EVENT && slen(p) == 0 &&
		            plain(p)
		        ? "empty"
		        : event_what(&p->y.ev));
	return 0;
}

/* ---- scalar types ---------------------------------------------------- */

/* A string value: any style, but a plain one must read as a string. */
static int
want_string(struct parser *p, const char *what)
{
	if (want_scalar(p, what) != 0)
		return -1;
	if (plain(p) && slen(p) == 0)
		return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
		    "%s has no value", what);
	if (plain(p) && cerbo__yaml_plain_not_string(sval(p), slen(p)))
		return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
		    "%s: %s would be read as a boolean, number, date or null, not as text; put it in quotes",
		    what, sval(p));
	return 0;
}

/* A plain non-negative integer, no sign, no leading zero, <= max; *out is
 * 0 on failure. */
static int
want_uint(struct parser *p, const char *what, uint64_t max, uint64_t *out)
{
	const char *s;
	size_t len, i;
	uint64_t v = 0;

	*out = 0;
	if (want_scalar(p, what) != 0)
		return -1;
	s = sval(p);
	len = slen(p);
	if (!plain(p) || len == 0 || (s[0] == '0' && len > 1))
		goto bad;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
			    "%s is larger than %llu", what,
			    (unsigned long long)max);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
bad:
	return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
	    "%s must be a whole number (plain digits, no quotes, no leading zero)",
	    what);
}

/* ---- profiles --------------------------------------------------------- */

static int
parse_rules(struct parser *p, struct cerbo_profile *prof,
    enum cerbo_rule_kind kind, const char *what)
{
	size_t i;

	if (want_start(p, YAML_SEQUENCE_START_EVENT, what) != 0)
		return -1;
	for (;;) {
		if (next(p) != 0)
			return -1;
		if (p->y.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (want_string(p, what) != 0)
			return -1;
		if (strlen(sval(p)) != slen(p))
			return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
			    "%s: a rule holds a NUL byte", what);
		if (cerbo_rule_validate(sval(p), p->err) != 0) {
			char prefix[CERBO_PROFILE_NAME_MAX + 32];

			snprintf(prefix, sizeof(prefix),
			    "profile %s: %s: ", prof->name,
			    cerbo_rule_kind_name(kind));
			return fail_from(p, &p->y.ev.start_mark, prefix);
		}
		for (i = 0; i < prof->nrules[kind]; i++) {
			if (strcmp(prof->rules[kind][i], sval(p)) == 0)
				return fail_mark(p, &p->y.ev.start_mark,
				    CERBO_E_STORE, "%s: \"%s\" is listed twice",
				    what, sval(p));
		}
		if (prof->nrules[kind] >= CERBO__RULES_MAX)
			return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
			    "%s: more than %d rules", what, CERBO__RULES_MAX);
		if (cerbo__profile_push_rule(prof, kind, sval(p), slen(p)) != 0)
			return cerbo__fail(p->err, CERBO_E_NOMEM,
			    "out of memory");
	}
}

static int
parse_profile(struct parser *p, struct cerbo_profile *prof)
{
	char what[CERBO_PROFILE_NAME_MAX + 32];
	unsigned seen = 0, bit;
	enum cerbo_rule_kind kind;
	yaml_mark_t km;
	const char *key;

	for (;;) {
		if (next(p) != 0)
			return -1;
		if (p->y.ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		km = p->y.ev.start_mark;
		if (want_scalar(p, "a key") != 0)
			return -1;
		key = sval(p);
		if (strcmp(key, "description") == 0) {
			bit = 1;
		} else if (strcmp(key, "allow") == 0) {
			bit = 2;
			kind = CERBO_RULE_ALLOW;
		} else if (strcmp(key, "deny") == 0) {
			bit = 4;
			kind = CERBO_RULE_DENY;
		} else {
			return fail_mark(p, &km, CERBO_E_STORE,
			    "profile %s: unknown key \"%.64s\" (known: description, allow, deny)",
			    prof->name, key);
		}
		if (seen & bit)
			return fail_mark(p, &km, CERBO_E_STORE,
			    "profile %s: duplicate key \"%s\"", prof->name,
			    key);
		seen |= bit;
		snprintf(what, sizeof(what), "profile %s %s", prof->name,
		    bit == 1 ? "description" : cerbo_rule_kind_name(kind));
		if (next(p) != 0)
			return -1;
		if (bit != 1) {
			if (parse_rules(p, prof, kind, what) != 0)
				return -1;
			continue;
		}
		if (want_string(p, what) != 0)
			return -1;
		if (cerbo__check_text("description", sval(p), slen(p),
		        CERBO_DESCRIPTION_MAX, p->err) != 0) {
			char prefix[CERBO_PROFILE_NAME_MAX + 16];

			snprintf(prefix, sizeof(prefix),
			    "profile %s: ", prof->name);
			return fail_from(p, &p->y.ev.start_mark, prefix);
		}
		prof->description = strdup(sval(p));
		if (prof->description == NULL)
			return cerbo__fail(p->err, CERBO_E_NOMEM,
			    "out of memory");
	}
}

/*
 * Step to the next name of the profiles (users 0) or users mapping: 1 at
 * its end, 0 with the name valid and not defined yet (*km where it is),
 * -1 on error.
 */
static int
next_name(struct parser *p, int users, yaml_mark_t *km)
{
	int rc;

	if (next(p) != 0)
		return -1;
	if (p->y.ev.type == YAML_MAPPING_END_EVENT)
		return 1;
	*km = p->y.ev.start_mark;
	rc = users ? want_scalar(p, "a username")
	           : want_string(p, "a profile name");
	if (rc != 0)
		return -1;
	rc = users ? cerbo__check_username(sval(p), slen(p), p->err)
	           : cerbo__check_profile_name(sval(p), slen(p), p->err);
	if (rc != 0)
		return fail_from(p, km, "");
	if (users ? cerbo_store_user_find(p->store, sval(p)) != NULL
	          : cerbo_store_profile_find(p->store, sval(p)) != NULL)
		return fail_mark(p, km, CERBO_E_STORE, "%s %s is defined twice",
		    users ? "user" : "profile", sval(p));
	return 0;
}

static int
parse_profiles(struct parser *p)
{
	struct cerbo_profile *prof;
	yaml_mark_t km;
	int rc;

	if (want_start(p, YAML_MAPPING_START_EVENT, "profiles") != 0)
		return -1;
	for (;;) {
		rc = next_name(p, 0, &km);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
		prof = cerbo__profile_new(sval(p), slen(p));
		if (prof == NULL)
			return cerbo__fail(p->err, CERBO_E_NOMEM,
			    "out of memory");
		if (next(p) != 0 ||
		    want_start(p, YAML_MAPPING_START_EVENT, "a profile") != 0 ||
		    parse_profile(p, prof) != 0) {
			cerbo__profile_free(prof);
			return -1;
		}
		if (cerbo__store_add_profile(p->store, prof, p->err) != 0)
			return -1;
	}
}

/* ---- users ------------------------------------------------------------ */

static int
parse_allow_from(struct parser *p, struct cerbo_user *u)
{
	char net[CERBO__CIDR_TEXT];
	char *list = NULL;
	size_t len = 0, cap = 0, count = 0, n;
	yaml_mark_t start = p->y.ev.start_mark;
	int rc = -1;

	if (want_start(p, YAML_SEQUENCE_START_EVENT, "allow_from") != 0)
		goto fail_prefixed;
	for (;;) {
		if (next(p) != 0)
			goto out;
		if (p->y.ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (want_scalar(p, "an allow_from entry") != 0)
			goto fail_prefixed;
		if (memchr(sval(p), ',', slen(p)) != NULL) {
			fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
			    "user %s: allow_from: one network per list entry",
			    u->name);
			goto out;
		}
		if (++count > CERBO__ALLOW_FROM_MAX) {
			fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
			    "user %s: allow_from holds more than %d networks",
			    u->name, CERBO__ALLOW_FROM_MAX);
			goto out;
		}
		if (cerbo__cidr_canon(sval(p), slen(p), net, sizeof(net),
		        p->err) != 0) {
			char prefix[CERBO_USERNAME_MAX + 32];

			snprintf(prefix, sizeof(prefix),
			    "user %s: allow_from: ", u->name);
			fail_from(p, &p->y.ev.start_mark, prefix);
			goto out;
		}
		n = strlen(net);
		if (len + n + 2 > cap) {
			char *bigger;

			cap = (len + n + 2) * 2;
			bigger = realloc(list, cap);
			if (bigger == NULL) {
				cerbo__fail(p->err, CERBO_E_NOMEM,
				    "out of memory");
				goto out;
			}
			list = bigger;
		}
		if (len > 0)
			list[len++] = ',';
		memcpy(list + len, net, n);
		len += n;
		list[len] = '\0';
	}
	if (count == 0) {
		fail_mark(p, &start, CERBO_E_STORE,
		    "user %s: allow_from must name at least one network (leave it out to allow every address)",
		    u->name);
		goto out;
	}
	if (cerbo__user_field_parse(u, CERBO_USER_ALLOW_FROM, list, len,
	        p->err) != 0) {
		char prefix[CERBO_USERNAME_MAX + 16];

		snprintf(prefix, sizeof(prefix), "user %s: ", u->name);
		fail_from(p, &start, prefix);
		goto out;
	}
	rc = 0;
	goto out;
fail_prefixed:
	cerbo__error_prefix(p->err, "user %s: ", u->name);
out:
	free(list);
	return rc;
}

static int
remember_profile_ref(struct parser *p, const struct cerbo_user *u,
    const yaml_mark_t *m)
{
	if (p->nrefs == p->caprefs) {
		size_t cap = p->caprefs == 0 ? 256 : p->caprefs * 2;
		struct ref *r = realloc(p->refs, cap * sizeof(*r));

		if (r == NULL)
			return cerbo__fail(p->err, CERBO_E_NOMEM,
			    "out of memory");
		p->refs = r;
		p->caprefs = cap;
	}
	p->refs[p->nrefs].user = u;
	p->refs[p->nrefs].line = (unsigned long)m->line + 1;
	p->refs[p->nrefs].column = (unsigned long)m->column + 1;
	p->nrefs++;
	return 0;
}

static int
parse_user(struct parser *p, struct cerbo_user *u, const yaml_mark_t *um,
    yaml_mark_t *profile_mark)
{
	char prefix[CERBO_USERNAME_MAX + 16];
	unsigned seen = 0;
	yaml_mark_t km;
	int f;

	snprintf(prefix, sizeof(prefix), "user %s: ", u->name);
	for (;;) {
		if (next(p) != 0)
			return -1;
		if (p->y.ev.type == YAML_MAPPING_END_EVENT)
			break;
		km = p->y.ev.start_mark;
		if (want_scalar(p, "a key") != 0)
			return -1;
		f = cerbo__user_field_from_name(sval(p));
		if (f < 0)
			return fail_mark(p, &km, CERBO_E_STORE,
			    "user %s: unknown key \"%.64s\"", u->name, sval(p));
		if (seen & (1u << f))
			return fail_mark(p, &km, CERBO_E_STORE,
			    "user %s: duplicate key \"%s\"", u->name, sval(p));
		seen |= 1u << f;
		if (next(p) != 0)
			return -1;
		if (f == CERBO_USER_ALLOW_FROM) {
			if (parse_allow_from(p, u) != 0)
				return -1;
			continue;
		}
		if (want_scalar(p,
		        cerbo_user_field_name((enum cerbo_user_field)f)) != 0) {
			cerbo__error_prefix(p->err, "%s", prefix);
			return -1;
		}
		if (f == CERBO_USER_DISABLED) {
			if (!plain(p))
				return fail_mark(p, &p->y.ev.start_mark,
				    CERBO_E_STORE,
				    "user %s: disabled must be true or false, without quotes",
				    u->name);
		} else if (cerbo__time_slot((enum cerbo_user_field)f) < 0 &&
		    want_string(p,
		        cerbo_user_field_name((enum cerbo_user_field)f)) != 0) {
			cerbo__error_prefix(p->err, "%s", prefix);
			return -1;
		}
		if (f == CERBO_USER_PROFILE)
			*profile_mark = p->y.ev.start_mark;
		if (cerbo__user_field_parse(u, (enum cerbo_user_field)f,
		        sval(p), slen(p), p->err) != 0)
			return fail_from(p, &p->y.ev.start_mark, prefix);
	}
	for (f = 0; f < CERBO_USER_FIELD_COUNT; f++) {
		if (seen & (1u << f))
			continue;
		switch (f) {
		case CERBO_USER_OLD_SECRET:
			if (seen & (1u << CERBO_USER_OLD_SECRET_EXPIRES))
				return fail_mark(p, um, CERBO_E_STORE,
				    "user %s: old_secret_expires needs old_secret",
				    u->name);
			break;
		case CERBO_USER_OLD_SECRET_EXPIRES:
			if (seen & (1u << CERBO_USER_OLD_SECRET))
				return fail_mark(p, um, CERBO_E_STORE,
				    "user %s: old_secret needs old_secret_expires",
				    u->name);
			break;
		case CERBO_USER_EXPIRES:
		case CERBO_USER_ALLOW_FROM:
		case CERBO_USER_DISABLED:
			break;
		default:
			return fail_mark(p, um, CERBO_E_STORE,
			    "user %s: %s is missing", u->name,
			    cerbo_user_field_name((enum cerbo_user_field)f));
		}
	}
	return 0;
}

static int
parse_users(struct parser *p)
{
	struct cerbo_user *u;
	yaml_mark_t km, pm;
	int rc;

	pm = p->y.ev.start_mark;
	if (want_start(p, YAML_MAPPING_START_EVENT, "users") != 0)
		return -1;
	for (;;) {
		rc = next_name(p, 1, &km);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
		u = cerbo__user_new(sval(p), slen(p));
		if (u == NULL)
			return cerbo__fail(p->err, CERBO_E_NOMEM,
			    "out of memory");
		if (next(p) != 0 ||
		    want_start(p, YAML_MAPPING_START_EVENT, "a user") != 0 ||
		    parse_user(p, u, &km, &pm) != 0) {
			cerbo__user_free(u);
			return -1;
		}
		if (cerbo__store_add_user(p->store, u, p->err) != 0)
			return -1;
		if (remember_profile_ref(p, u, &pm) != 0)
			return -1;
	}
}

/* ---- the document ----------------------------------------------------- */

static int
parse_root(struct parser *p)
{
	unsigned seen = 0;
	yaml_mark_t km, start = p->y.ev.start_mark;
	uint64_t v;
	int k;

	for (;;) {
		if (next(p) != 0)
			return -1;
		if (p->y.ev.type == YAML_MAPPING_END_EVENT)
			break;
		km = p->y.ev.start_mark;
		if (want_scalar(p, "a key") != 0)
			return -1;
		if (strcmp(sval(p), "cerbo_store") == 0)
			k = R_FORMAT;
		else if (strcmp(sval(p), "generation") == 0)
			k = R_GENERATION;
		else if (strcmp(sval(p), "usage_file") == 0)
			k = R_USAGE_FILE;
		else if (strcmp(sval(p), "profiles") == 0)
			k = R_PROFILES;
		else if (strcmp(sval(p), "users") == 0)
			k = R_USERS;
		else
			return fail_mark(p, &km, CERBO_E_STORE,
			    "unknown key \"%.64s\" (known: cerbo_store, generation, usage_file, profiles, users)",
			    sval(p));
		if (seen & (1u << k))
			return fail_mark(p, &km, CERBO_E_STORE,
			    "duplicate key \"%s\"", sval(p));
		seen |= 1u << k;
		if (next(p) != 0)
			return -1;
		switch (k) {
		case R_FORMAT:
			if (want_uint(p, "cerbo_store", INT32_MAX, &v) != 0)
				return -1;
			p->version_seen = 1;
			if (v > CERBO_STORE_FORMAT)
				return fail_mark(p, &p->y.ev.start_mark,
				    CERBO_E_TOO_NEW,
				    "format %llu is too new for this pam_cerbo (it reads format %d)",
				    (unsigned long long)v, CERBO_STORE_FORMAT);
			if (v < 1)
				return fail_mark(p, &p->y.ev.start_mark,
				    CERBO_E_STORE,
				    "format %llu does not exist (this pam_cerbo reads format %d)",
				    (unsigned long long)v, CERBO_STORE_FORMAT);
			p->store->format = (int)v;
			break;
		case R_GENERATION:
			if (want_uint(p, "generation", CERBO__GENERATION_MAX,
			        &v) != 0)
				return -1;
			p->store->generation = v;
			break;
		case R_USAGE_FILE:
			if (want_string(p, "usage_file") != 0)
				return -1;
			if (cerbo__usage_path_check(sval(p), slen(p), p->err) !=
			    0)
				return fail_from(p, &p->y.ev.start_mark, "");
			p->store->usage_file = cerbo__dup_mem(sval(p), slen(p));
			if (p->store->usage_file == NULL)
				return cerbo__fail(p->err, CERBO_E_NOMEM,
				    "out of memory");
			break;
		case R_PROFILES:
			if (parse_profiles(p) != 0)
				return -1;
			break;
		case R_USERS:
			if (parse_users(p) != 0)
				return -1;
			break;
		}
	}
	if (!(seen & (1u << R_FORMAT)))
		return fail_mark(p, &start, CERBO_E_STORE,
		    "cerbo_store (the format version) is missing: is this a pam_cerbo store?");
	if (!(seen & (1u << R_GENERATION)))
		return fail_mark(p, &start, CERBO_E_STORE,
		    "generation is missing");
	return 0;
}

static int
parse_stream(struct parser *p)
{
	size_t i;

	if (next(p) != 0)
		return -1;
	if (next(p) != 0)
		return -1;
	if (p->y.ev.type == YAML_STREAM_END_EVENT)
		return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
		    "the store is empty (it needs at least cerbo_store: %d and generation)",
		    CERBO_STORE_FORMAT);
	if (next(p) != 0)
		return -1;
	if (p->y.ev.type != YAML_MAPPING_START_EVENT)
		return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
		    "the store must be a mapping (cerbo_store, generation, profiles, users), not %s",
		    event_what(&p->y.ev));
	if (parse_root(p) != 0)
		return -1;
	if (next(p) != 0)
		return -1;
	if (next(p) != 0)
		return -1;
	if (p->y.ev.type != YAML_STREAM_END_EVENT)
		return fail_mark(p, &p->y.ev.start_mark, CERBO_E_STORE,
		    "a store is one YAML document; a second one starts here");
	for (i = 0; i < p->nrefs; i++) {
		const struct cerbo_user *u = p->refs[i].user;
		const char *prof = u->str[CERBO_USER_PROFILE];

		if (cerbo_store_profile_find(p->store, prof) == NULL)
			return cerbo__fail_at(p->err, CERBO_E_STORE, p->name,
			    p->refs[i].line, p->refs[i].column,
			    "user %s: profile %s does not exist", u->name,
			    prof);
	}
	return 0;
}

/*
 * After an error met before cerbo_store was read: look for a newer format
 * version among the top-level keys, so a store written by a newer
 * pam_cerbo says so rather than naming some key this build does not know.
 */
static void
peek_version(const char *buf, size_t len, const char *name,
    struct cerbo_error *err)
{
	yaml_parser_t yp;
	yaml_event_t ev;
	int depth = 0, key = 1, want = 0, done = 0;

	if (!yaml_parser_initialize(&yp))
		return;
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
	while (!done && yaml_parser_parse(&yp, &ev)) {
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (++depth > VERSION_PEEK_DEPTH)
				done = 1;
			if (depth == 2)
				key = !key; /* a root key's value */
			want = 0;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			if (depth == 0)
				done = 1;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			if (depth != 1)
				break;
			if (key) {
				want = ev.type == YAML_SCALAR_EVENT &&
				    strcmp((const char *)ev.data.scalar.value,
				        "cerbo_store") == 0;
			} else if (want && ev.type == YAML_SCALAR_EVENT) {
				const char *s =
				    (const char *)ev.data.scalar.value;
				size_t i, n = ev.data.scalar.length;

				for (i = 0; i < n && s[i] >= '0' && s[i] <= '9';
				     i++)
					;
				if (n > 0 && i == n && (n > 1 || s[0] > '1'))
					cerbo__fail_at(err, CERBO_E_TOO_NEW,
					    name, ev.start_mark.line + 1,
					    ev.start_mark.column + 1,
					    "format %.20s is too new for this pam_cerbo (it reads format %d)",
					    s, CERBO_STORE_FORMAT);
				done = 1;
			}
			key = !key;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&yp);
}

/* ---- entry point ------------------------------------------------------ */

int
cerbo_store_parse(const char *buf, size_t len, const char *name,
    struct cerbo_store **out, struct cerbo_error *err)
{
	struct cerbo_error local = CERBO_ERROR_INIT;
	struct parser p;
	char hex[65];
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.err = &local;
	p.name = name != NULL ? name : "store";
	if (out == NULL || (buf == NULL && len > 0)) {
		cerbo__fail(&local, CERBO_E_INVALID, "no store to parse");
		goto done;
	}
	*out = NULL;
	if (buf == NULL)
		buf = "";
	if (len > CERBO_STORE_SIZE_MAX) {
		cerbo__fail_at(&local, CERBO_E_STORE, p.name, 0, 0,
		    "the store is larger than %u bytes", CERBO_STORE_SIZE_MAX);
		goto done;
	}
	if (cerbo__yaml_open(&p.y, buf, len, p.name, CERBO_E_STORE, &local) !=
	    0)
		goto out;
	p.store = cerbo__store_new();
	if (p.store == NULL) {
		cerbo__fail(&local, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	if (parse_stream(&p) != 0) {
		if (!p.version_seen && local.status != CERBO_E_NOMEM)
			peek_version(buf, len, p.name, &local);
		goto out;
	}
	cerbo__store_tidy(p.store);
	if (cerbo_store_validate(p.store, &local) != 0) {
		cerbo__error_relocate(&local, CERBO_E_STORE, p.name, 0, 0);
		goto out;
	}
	cerbo__digest_hex(buf, len, hex);
	cerbo__store_set_digest(p.store, hex);
	*out = p.store;
	p.store = NULL;
	rc = 0;
out:
	cerbo__yaml_close(&p.y);
	cerbo_store_free(p.store);
	free(p.refs);
done:
	if (cerbo__error_usable(err))
		cerbo__abi_out(err, &local, sizeof(local));
	return rc;
}
