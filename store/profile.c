/*
 * profile.c - profiles: their rules and description, the changes the
 * tools make to them, and deciding a request against one (match.c
 * matches each rule).
 *
 * A profile refuses a request when any deny rule matches, allows it when
 * an allow rule matches, and refuses it otherwise (default deny).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "internal.h"

/* ---- profiles -------------------------------------------------------- */

void
cerbo__profile_free(struct cerbo_profile *profile)
{
	size_t i;
	int k;

	if (profile == NULL)
		return;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < profile->nrules[k]; i++)
			free(profile->rules[k][i]);
		free(profile->rules[k]);
	}
	free(profile->description);
	free(profile->name);
	free(profile);
}

/* Index of name, or where it would go (*found tells). */
static size_t
profile_search(const struct cerbo_store *store, const char *name, int *found)
{
	size_t lo = 0, hi = store->nprofiles;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(store->profiles[mid]->name, name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
cerbo_store_profile_count(const struct cerbo_store *store)
{
	return store != NULL ? store->nprofiles : 0;
}

const struct cerbo_profile *
cerbo_store_profile_at(const struct cerbo_store *store, size_t i)
{
	if (store == NULL || i >= store->nprofiles)
		return NULL;
	return store->profiles[i];
}

const struct cerbo_profile *
cerbo_store_profile_find(const struct cerbo_store *store, const char *name)
{
	size_t i;
	int found;

	if (store == NULL || name == NULL)
		return NULL;
	i = profile_search(store, name, &found);
	return found ? store->profiles[i] : NULL;
}

static struct cerbo_profile *
profile_find(struct cerbo_store *store, const char *name)
{
	return (struct cerbo_profile *)cerbo_store_profile_find(store, name);
}

const char *
cerbo_profile_name(const struct cerbo_profile *profile)
{
	return profile != NULL ? profile->name : NULL;
}

const char *
cerbo_profile_description(const struct cerbo_profile *profile)
{
	return profile != NULL ? profile->description : NULL;
}

size_t
cerbo_profile_rule_count(const struct cerbo_profile *profile,
    enum cerbo_rule_kind kind)
{
	if (profile == NULL ||
	    (kind != CERBO_RULE_ALLOW && kind != CERBO_RULE_DENY))
		return 0;
	return profile->nrules[kind];
}

const char *
cerbo_profile_rule_at(const struct cerbo_profile *profile,
    enum cerbo_rule_kind kind, size_t i)
{
	if (profile == NULL ||
	    (kind != CERBO_RULE_ALLOW && kind != CERBO_RULE_DENY) ||
	    i >= profile->nrules[kind])
		return NULL;
	return profile->rules[kind][i];
}

size_t
cerbo_store_profile_users(const struct cerbo_store *store, const char *name)
{
	size_t i, n = 0;

	if (store == NULL || name == NULL)
		return 0;
	for (i = 0; i < store->nslots; i++) {
		const struct cerbo_user *u = store->users[i];

		if (u != NULL && u->str[CERBO_USER_PROFILE] != NULL &&
		    strcmp(u->str[CERBO_USER_PROFILE], name) == 0)
			n++;
	}
	return n;
}

struct cerbo_profile *
cerbo__profile_new(const char *name, size_t len)
{
	struct cerbo_profile *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->name = cerbo__dup_mem(name, len);
	if (p->name == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

int
cerbo__store_add_profile(struct cerbo_store *store,
    struct cerbo_profile *profile, struct cerbo_error *err)
{
	struct cerbo_profile **p;
	size_t i, cap;
	int found;

	i = profile_search(store, profile->name, &found);
	if (found) {
		cerbo__fail(err, CERBO_E_EXISTS, "profile %s exists already",
		    profile->name);
		cerbo__profile_free(profile);
		return -1;
	}
	if (store->nprofiles == store->capprofiles) {
		cap = store->capprofiles == 0 ? 16 : store->capprofiles * 2;
		p = realloc(store->profiles, cap * sizeof(*p));
		if (p == NULL) {
			cerbo__profile_free(profile);
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		}
		store->profiles = p;
		store->capprofiles = cap;
	}
	memmove(store->profiles + i + 1, store->profiles + i,
	    (store->nprofiles - i) * sizeof(*store->profiles));
	store->profiles[i] = profile;
	store->nprofiles++;
	return 0;
}

int
cerbo__profile_push_rule(struct cerbo_profile *profile,
    enum cerbo_rule_kind kind, const char *rule, size_t len)
{
	char **r;
	size_t cap;

	if (profile->nrules[kind] == profile->caprules[kind]) {
		cap = profile->caprules[kind] == 0
		    ? 8
		    : profile->caprules[kind] * 2;
		r = realloc(profile->rules[kind], cap * sizeof(*r));
		if (r == NULL)
			return -1;
		profile->rules[kind] = r;
		profile->caprules[kind] = cap;
	}
	profile->rules[kind][profile->nrules[kind]] = cerbo__dup_mem(rule, len);
	if (profile->rules[kind][profile->nrules[kind]] == NULL)
		return -1;
	profile->nrules[kind]++;
	return 0;
}

/* A profile description as given: trimmed, then checked (the rule of a
 * user's description).  *s and *len are the trimmed text. */
static int
given_description(const char **s, size_t *len, struct cerbo_error *err)
{
	*len = strlen(*s);
	cerbo__trim(s, len);
	return cerbo__check_text("description", *s, *len, CERBO_DESCRIPTION_MAX,
	    err);
}

int
cerbo_profile_description_differs(const struct cerbo_profile *profile,
    const char *description, int *differs, struct cerbo_error *err)
{
	size_t dlen;

	if (profile == NULL || differs == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no profile");
	*differs = 0;
	if (description == NULL) {
		*differs = profile->description != NULL;
		return 0;
	}
	if (given_description(&description, &dlen, err) != 0)
		return -1;
	*differs = profile->description == NULL ||
	    strlen(profile->description) != dlen ||
	    memcmp(profile->description, description, dlen) != 0;
	return 0;
}

int
cerbo_profile_add(struct cerbo_store *store, const char *name,
    const char *description, struct cerbo_error *err)
{
	struct cerbo_profile *p;
	size_t dlen = 0;

	if (store == NULL || name == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no profile name");
	if (cerbo__check_new_profile_name(name, strlen(name), err) != 0)
		return -1;
	if (description != NULL &&
	    given_description(&description, &dlen, err) != 0)
		return -1;
	if (cerbo_store_profile_find(store, name) != NULL)
		return cerbo__fail(err, CERBO_E_EXISTS,
		    "profile %s exists already", name);
	p = cerbo__profile_new(name, strlen(name));
	if (p == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	if (description != NULL) {
		p->description = cerbo__dup_mem(description, dlen);
		if (p->description == NULL) {
			cerbo__profile_free(p);
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		}
	}
	return cerbo__store_add_profile(store, p, err);
}

static struct cerbo_profile *
profile_get(struct cerbo_store *store, const char *name,
    struct cerbo_error *err)
{
	struct cerbo_profile *p;

	if (store == NULL || name == NULL) {
		cerbo__fail(err, CERBO_E_INVALID, "no profile name");
		return NULL;
	}
	p = profile_find(store, name);
	if (p == NULL)
		cerbo__fail(err, CERBO_E_NOTFOUND, "no profile %s", name);
	return p;
}

int
cerbo_profile_set_description(struct cerbo_store *store, const char *name,
    const char *description, int *changed, struct cerbo_error *err)
{
	struct cerbo_profile *p;
	char *copy = NULL;
	size_t dlen = 0;

	if (changed != NULL)
		*changed = 0;
	p = profile_get(store, name, err);
	if (p == NULL)
		return -1;
	if (description != NULL) {
		if (given_description(&description, &dlen, err) != 0)
			return -1;
		if (p->description != NULL && strlen(p->description) == dlen &&
		    memcmp(p->description, description, dlen) == 0)
			return 0;
		copy = cerbo__dup_mem(description, dlen);
		if (copy == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	} else if (p->description == NULL) {
		return 0;
	}
	free(p->description);
	p->description = copy;
	if (changed != NULL)
		*changed = 1;
	return 0;
}

static int
rule_index(const struct cerbo_profile *p, enum cerbo_rule_kind kind,
    const char *rule, size_t *at)
{
	size_t i;

	for (i = 0; i < p->nrules[kind]; i++) {
		if (strcmp(p->rules[kind][i], rule) == 0) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

/*
 * The arguments of a rule change: *changed cleared, kind and rule given,
 * the profile found.  The profile, or NULL with err filled.
 */
static struct cerbo_profile *
rule_profile(struct cerbo_store *store, const char *name,
    enum cerbo_rule_kind kind, const char *rule, int *changed,
    struct cerbo_error *err)
{
	struct cerbo_profile *p;

	if (changed != NULL)
		*changed = 0;
	if (kind != CERBO_RULE_ALLOW && kind != CERBO_RULE_DENY) {
		cerbo__fail(err, CERBO_E_INVALID, "no such rule kind");
		return NULL;
	}
	p = profile_get(store, name, err);
	if (p == NULL)
		return NULL;
	if (rule == NULL) {
		cerbo__fail(err, CERBO_E_INVALID, "no rule");
		return NULL;
	}
	return p;
}

int
cerbo_profile_rule_add(struct cerbo_store *store, const char *name,
    enum cerbo_rule_kind kind, const char *rule, int *changed,
    struct cerbo_error *err)
{
	struct cerbo_profile *p;
	size_t at;

	p = rule_profile(store, name, kind, rule, changed, err);
	if (p == NULL)
		return -1;
	if (cerbo_rule_validate(rule, err) != 0)
		return -1;
	if (rule_index(p, kind, rule, &at))
		return 0;
	if (p->nrules[kind] >= CERBO__RULES_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "profile %s has %d %s rules already, the most it may have",
		    name, CERBO__RULES_MAX, cerbo_rule_kind_name(kind));
	if (cerbo__profile_push_rule(p, kind, rule, strlen(rule)) != 0)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	if (changed != NULL)
		*changed = 1;
	return 0;
}

int
cerbo_profile_rule_remove(struct cerbo_store *store, const char *name,
    enum cerbo_rule_kind kind, const char *rule, int *changed,
    struct cerbo_error *err)
{
	struct cerbo_profile *p;
	size_t at;

	p = rule_profile(store, name, kind, rule, changed, err);
	if (p == NULL)
		return -1;
	if (!rule_index(p, kind, rule, &at))
		return 0;
	free(p->rules[kind][at]);
	memmove(p->rules[kind] + at, p->rules[kind] + at + 1,
	    (p->nrules[kind] - at - 1) * sizeof(char *));
	p->nrules[kind]--;
	if (changed != NULL)
		*changed = 1;
	return 0;
}

int
cerbo_profile_remove(struct cerbo_store *store, const char *name,
    struct cerbo_error *err)
{
	struct cerbo_profile *p;
	char names[300];
	size_t i, users = 0, at, len = 0;
	int found;

	p = profile_get(store, name, err);
	if (p == NULL)
		return -1;
	cerbo__store_tidy(store);
	names[0] = '\0';
	for (i = 0; i < store->nslots; i++) {
		const struct cerbo_user *u = store->users[i];

		if (strcmp(u->str[CERBO_USER_PROFILE], name) != 0)
			continue;
		users++;
		if (len < sizeof(names)) {
			int r = snprintf(names + len, sizeof(names) - len,
			    "%s%s", len > 0 ? ", " : "", u->name);

			if (r < 0 || (size_t)r >= sizeof(names) - len) {
				/* Cut at the last whole name. */
				names[len] = '\0';
				len = sizeof(names);
			} else {
				len += (size_t)r;
			}
		}
	}
	if (users > 0)
		return cerbo__fail(err, CERBO_E_INUSE,
		    "profile %s is used by %zu user%s: %s%s", name, users,
		    users == 1 ? "" : "s", names,
		    len >= sizeof(names) ? ", ..." : "");
	at = profile_search(store, name, &found);
	cerbo__profile_free(store->profiles[at]);
	memmove(store->profiles + at, store->profiles + at + 1,
	    (store->nprofiles - at - 1) * sizeof(*store->profiles));
	store->nprofiles--;
	return 0;
}

int
cerbo__profile_validate(const struct cerbo_profile *p, struct cerbo_error *err)
{
	size_t i, j;
	int k;

	if (cerbo__check_profile_name(p->name, strlen(p->name), err) != 0)
		return -1;
	if (p->description != NULL &&
	    cerbo__check_text("description", p->description,
	        strlen(p->description), CERBO_DESCRIPTION_MAX, err) != 0)
		return -1;
	for (k = 0; k < 2; k++) {
		if (p->nrules[k] > CERBO__RULES_MAX)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "more than %d %s rules", CERBO__RULES_MAX,
			    cerbo_rule_kind_name((enum cerbo_rule_kind)k));
		for (i = 0; i < p->nrules[k]; i++) {
			if (cerbo_rule_validate(p->rules[k][i], err) != 0) {
				cerbo__error_prefix(err, "%s rule %zu: ",
				    cerbo_rule_kind_name(
				        (enum cerbo_rule_kind)k),
				    i + 1);
				return -1;
			}
			for (j = 0; j < i; j++) {
				if (strcmp(p->rules[k][i], p->rules[k][j]) == 0)
					return cerbo__fail(err, CERBO_E_INVALID,
					    "%s rule \"%s\" is listed twice",
					    cerbo_rule_kind_name(
					        (enum cerbo_rule_kind)k),
					    p->rules[k][i]);
			}
		}
	}
	return 0;
}

/* ---- decisions ------------------------------------------------------ */

static void
set_rule(struct cerbo_decision *out, enum cerbo_rule_kind kind,
    const char *rule, int allowed)
{
	size_t n = strnlen(rule, sizeof(out->rule) - 1);

	out->allowed = allowed;
	out->matched = 1;
	out->kind = kind;
	memcpy(out->rule, rule, n);
	out->rule[n] = '\0';
}

void
cerbo__profile_decide(const struct cerbo_profile *profile,
    const struct cerbo_request *request, struct cerbo_decision *out)
{
	const char *name;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->kind = CERBO_RULE_DENY;
	if (profile == NULL)
		return;
	name = cerbo_profile_name(profile);
	if (name != NULL) {
		n = strnlen(name, sizeof(out->profile) - 1);
		memcpy(out->profile, name, n);
		out->profile[n] = '\0';
	}
	n = cerbo_profile_rule_count(profile, CERBO_RULE_DENY);
	for (i = 0; i < n; i++) {
		const char *r =
		    cerbo_profile_rule_at(profile, CERBO_RULE_DENY, i);

		if (cerbo__deny_rule_match(r, request)) {
			set_rule(out, CERBO_RULE_DENY, r, 0);
			return;
		}
	}
	n = cerbo_profile_rule_count(profile, CERBO_RULE_ALLOW);
	for (i = 0; i < n; i++) {
		const char *r =
		    cerbo_profile_rule_at(profile, CERBO_RULE_ALLOW, i);

		if (cerbo__rule_match(r, request)) {
			set_rule(out, CERBO_RULE_ALLOW, r, 1);
			return;
		}
	}
	/* default deny: matched stays 0 */
}

int
cerbo_profile_decide(const struct cerbo_profile *profile,
    const struct cerbo_request *request, struct cerbo_decision *out)
{
	struct cerbo_request req;
	struct cerbo_decision d;

	if (cerbo__abi_check(out, CERBO__DECISION_V1) != 0 ||
	    cerbo__abi_in(&req, sizeof(req), request, CERBO__REQUEST_V1) != 0)
		return -1;
	cerbo__profile_decide(profile, &req, &d);
	cerbo__abi_out(out, &d, sizeof(d));
	return 0;
}

int
cerbo_profile_allows_everything(const struct cerbo_profile *profile)
{
	size_t i, n;

	if (profile == NULL)
		return 0;
	n = cerbo_profile_rule_count(profile, CERBO_RULE_ALLOW);
	for (i = 0; i < n; i++)
		if (cerbo__rule_matches_all(
		        cerbo_profile_rule_at(profile, CERBO_RULE_ALLOW, i)))
			return 1;
	return 0;
}
