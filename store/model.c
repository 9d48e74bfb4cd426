/*
 * model.c - the store in memory: profiles and users, their fields, and the
 * changes the tools make to them.
 *
 * Users are found through a hash index and listed in name order; the
 * order is restored lazily after changes (see internal.h), so adding or
 * removing many users in one transaction stays O(n log n).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <sodium.h>

#include "internal.h"

enum kind { K_TEXT, K_EMAIL, K_PROFILE, K_HASH, K_TIME, K_CIDRS, K_BOOL };

/*
 * Every user field's rules, in one place: its key, its validator (kind),
 * whether it is required, its maximum length (K_TEXT), and whether a value
 * given to add, set or field_validate (and so to apply) has its
 * surrounding blanks trimmed first.  Hashes are never trimmed (a blank is
 * an error there) and an allow_from list trims each item itself.  The
 * store's own text is never trimmed: it must already be canonical.
 */
static const struct field {
	const char *name;
	enum kind kind;
	int required;
	size_t max; /* for K_TEXT */
	int trim;
} fields[CERBO_USER_FIELD_COUNT] = {
    [CERBO_USER_NICKNAME] = {"nickname", K_TEXT, 1, CERBO_NICKNAME_MAX, 1},
    [CERBO_USER_PROFILE] = {"profile", K_PROFILE, 1, 0, 1},
    [CERBO_USER_EMAIL] = {"email", K_EMAIL, 1, 0, 1},
    [CERBO_USER_DESCRIPTION] = {"description", K_TEXT, 1,
        CERBO_DESCRIPTION_MAX, 1},
    [CERBO_USER_SECRET] = {"secret", K_HASH, 1, 0, 0},
    [CERBO_USER_SECRET_SET] = {"secret_set", K_TIME, 1, 0, 1},
    [CERBO_USER_OLD_SECRET] = {"old_secret", K_HASH, 0, 0, 0},
    [CERBO_USER_OLD_SECRET_EXPIRES] = {"old_secret_expires", K_TIME, 0, 0,
        1},
    [CERBO_USER_EXPIRES] = {"expires", K_TIME, 0, 0, 1},
    [CERBO_USER_ALLOW_FROM] = {"allow_from", K_CIDRS, 0, 0, 0},
    [CERBO_USER_CREATED] = {"created", K_TIME, 1, 0, 1},
    [CERBO_USER_UPDATED] = {"updated", K_TIME, 1, 0, 1},
    [CERBO_USER_DISABLED] = {"disabled", K_BOOL, 0, 0, 1},
};

/* ---- fields ----------------------------------------------------------- */

const char *
cerbo_user_field_name(enum cerbo_user_field field)
{
	if ((int)field < 0 || field >= CERBO_USER_FIELD_COUNT)
		return NULL;
	return fields[field].name;
}

int
cerbo_user_field_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < CERBO_USER_FIELD_COUNT; i++) {
		if (strcmp(fields[i].name, name) == 0)
			return i;
	}
	return -1;
}

int
cerbo__time_slot(enum cerbo_user_field field)
{
	switch (field) {
	case CERBO_USER_SECRET_SET:
		return 0;
	case CERBO_USER_OLD_SECRET_EXPIRES:
		return 1;
	case CERBO_USER_EXPIRES:
		return 2;
	case CERBO_USER_CREATED:
		return 3;
	case CERBO_USER_UPDATED:
		return 4;
	default:
		return -1;
	}
}

static char *
dup_mem(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* ---- users ------------------------------------------------------------ */

static uint64_t
hash_name(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct cerbo_user *
cerbo__user_new(const char *name, size_t len)
{
	struct cerbo_user *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->name = dup_mem(name, len);
	if (u->name == NULL) {
		free(u);
		return NULL;
	}
	u->hash = hash_name(u->name);
	return u;
}

void
cerbo__user_free(struct cerbo_user *user)
{
	int i;

	if (user == NULL)
		return;
	for (i = 0; i < CERBO_USER_FIELD_COUNT; i++)
		free(user->str[i]);
	free(user->name);
	free(user);
}

void
cerbo__user_set_time(struct cerbo_user *user, int slot, int64_t t)
{
	user->time[slot] = t;
	user->time_set[slot] = 1;
	cerbo_time_format(t, user->time_text[slot], CERBO__TIME_TEXT);
}

static void
unset_time(struct cerbo_user *user, int slot)
{
	user->time[slot] = 0;
	user->time_set[slot] = 0;
	user->time_text[slot][0] = '\0';
}

int
cerbo_user_old_key_valid(const struct cerbo_user *user, int64_t now)
{
	int slot = cerbo__time_slot(CERBO_USER_OLD_SECRET_EXPIRES);

	return user != NULL && user->str[CERBO_USER_OLD_SECRET] != NULL &&
	    user->time_set[slot] && (int64_t)now < user->time[slot];
}

int
cerbo_user_expired(const struct cerbo_user *user, int64_t now)
{
	int slot = cerbo__time_slot(CERBO_USER_EXPIRES);

	return user != NULL && user->time_set[slot] &&
	    user->time[slot] <= (int64_t)now;
}

const char *
cerbo_user_name(const struct cerbo_user *user)
{
	return user != NULL ? user->name : NULL;
}

const char *
cerbo_user_get(const struct cerbo_user *user, enum cerbo_user_field field)
{
	int slot;

	if (user == NULL || (int)field < 0 || field >= CERBO_USER_FIELD_COUNT)
		return NULL;
	if (field == CERBO_USER_DISABLED)
		return user->disabled ? "true" : "false";
	slot = cerbo__time_slot(field);
	if (slot >= 0)
		return user->time_set[slot] ? user->time_text[slot] : NULL;
	return user->str[field];
}

int64_t
cerbo_user_time(const struct cerbo_user *user, enum cerbo_user_field field)
{
	int slot;

	if (user == NULL)
		return 0;
	slot = cerbo__time_slot(field);
	if (slot < 0 || !user->time_set[slot])
		return 0;
	return user->time[slot];
}

int
cerbo_user_disabled(const struct cerbo_user *user)
{
	return user != NULL && user->disabled;
}

/* ---- the store ------------------------------------------------------- */

struct cerbo_store *
cerbo_store_new(void)
{
	struct cerbo_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->format = CERBO_STORE_FORMAT;
	return s;
}

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

void
cerbo_store_free(struct cerbo_store *store)
{
	size_t i;

	if (store == NULL)
		return;
	for (i = 0; i < store->nslots; i++)
		cerbo__user_free(store->users[i]);
	for (i = 0; i < store->nprofiles; i++)
		cerbo__profile_free(store->profiles[i]);
	free(store->users);
	free(store->index);
	free(store->profiles);
	free(store);
}

uint64_t
cerbo_store_generation(const struct cerbo_store *store)
{
	return store != NULL ? store->generation : 0;
}

const char *
cerbo_store_digest(const struct cerbo_store *store)
{
	return store != NULL ? store->digest : "";
}

int
cerbo_store_format(const struct cerbo_store *store)
{
	return store != NULL ? store->format : 0;
}

void
cerbo__store_set_digest(struct cerbo_store *store, const char *hex)
{
	int n;

	if (hex == NULL)
		hex = "";
	n = snprintf(store->digest, sizeof(store->digest), "%s", hex);
	if (n < 0)
		store->digest[0] = '\0';
}

void
cerbo__store_set_generation(struct cerbo_store *store, uint64_t gen)
{
	store->generation = gen;
}

void
cerbo_digest_hex(const void *buf, size_t len, char out[65])
{
	unsigned char h[32];

	/* sodium_init picks the fastest BLAKE2b; generichash works (more
	 * slowly) even if it failed, so its result does not matter here. */
	if (sodium_init() < 0)
		h[0] = 0;
	crypto_generichash(h, sizeof(h), buf, len, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* ---- the user index -------------------------------------------------- */

static struct cerbo_user **
index_find(const struct cerbo_store *store, const char *name, uint64_t h)
{
	size_t mask, i;

	if (store->index_cap == 0)
		return NULL;
	mask = store->index_cap - 1;
	for (i = (size_t)h & mask; store->index[i] != NULL;
	     i = (i + 1) & mask) {
		if (store->index[i]->hash == h &&
		    strcmp(store->index[i]->name, name) == 0)
			return &store->index[i];
	}
	return &store->index[i];
}

static int
index_grow(struct cerbo_store *store)
{
	struct cerbo_user **old = store->index;
	size_t oldcap = store->index_cap, cap, i;

	cap = oldcap == 0 ? 64 : oldcap * 2;
	if (cap < oldcap || cap > SIZE_MAX / sizeof(*old))
		return -1;
	store->index = calloc(cap, sizeof(*old));
	if (store->index == NULL) {
		store->index = old;
		return -1;
	}
	store->index_cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (old[i] != NULL)
			*index_find(store, old[i]->name, old[i]->hash) = old[i];
	}
	free(old);
	return 0;
}

/* Remove the entry at slot i, shifting back what follows (no tombstones). */
static void
index_delete(struct cerbo_store *store, struct cerbo_user **at)
{
	size_t mask = store->index_cap - 1;
	size_t i = (size_t)(at - store->index), j = i, k;

	store->index[i] = NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (store->index[j] == NULL)
			break;
		k = (size_t)store->index[j]->hash & mask;
		/* Leave j where it is if its home k lies cyclically in (i, j].
		 */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		store->index[i] = store->index[j];
		store->index[j] = NULL;
		i = j;
	}
}

const struct cerbo_user *
cerbo_store_user_find(const struct cerbo_store *store, const char *username)
{
	struct cerbo_user **at;

	if (store == NULL || username == NULL)
		return NULL;
	at = index_find(store, username, hash_name(username));
	return at != NULL ? *at : NULL;
}

static struct cerbo_user *
user_find(struct cerbo_store *store, const char *username)
{
	return (struct cerbo_user *)cerbo_store_user_find(store, username);
}

int
cerbo__store_add_user(struct cerbo_store *store, struct cerbo_user *user,
    struct cerbo_error *err)
{
	struct cerbo_user **at, **users;
	size_t cap;

	if ((store->nusers + 1) * 2 > store->index_cap &&
	    index_grow(store) != 0)
		goto nomem;
	if (store->nslots == store->capusers) {
		cap = store->capusers == 0 ? 64 : store->capusers * 2;
		if (cap > SIZE_MAX / sizeof(*users))
			goto nomem;
		users = realloc(store->users, cap * sizeof(*users));
		if (users == NULL)
			goto nomem;
		store->users = users;
		store->capusers = cap;
	}
	at = index_find(store, user->name, user->hash);
	if (*at != NULL) {
		cerbo__fail(err, CERBO_E_EXISTS, "user %s exists already",
		    user->name);
		cerbo__user_free(user);
		return -1;
	}
	*at = user;
	user->slot = store->nslots;
	if (store->nsorted == store->nslots &&
	    (store->nslots == 0 ||
	        (store->users[store->nslots - 1] != NULL &&
	            strcmp(store->users[store->nslots - 1]->name, user->name) <
	                0)))
		store->nsorted++;
	store->users[store->nslots++] = user;
	store->nusers++;
	return 0;
nomem:
	cerbo__user_free(user);
	return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
}

static int
cmp_user(const void *a, const void *b)
{
	const struct cerbo_user *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/*
 * Compact the holes, sort the tail, merge it into the sorted prefix.  If
 * the merge buffer cannot be had, the whole array is sorted in place.
 */
void
cerbo__store_tidy(struct cerbo_store *store)
{
	struct cerbo_user **u, **tail;
	size_t i, n = 0, prefix = 0, ntail;

	if (store == NULL || (!store->holes && store->nsorted == store->nslots))
		return;
	u = store->users;
	for (i = 0; i < store->nslots; i++) {
		if (u[i] == NULL)
			continue;
		if (i < store->nsorted)
			prefix++;
		u[n++] = u[i];
	}
	ntail = n - prefix;
	if (ntail > 0) {
		qsort(u + prefix, ntail, sizeof(*u), cmp_user);
		if (prefix > 0 &&
		    strcmp(u[prefix - 1]->name, u[prefix]->name) > 0) {
			tail = malloc(ntail * sizeof(*u));
			if (tail == NULL) {
				qsort(u, n, sizeof(*u), cmp_user);
			} else {
				size_t a = prefix, b = ntail, k = n;

				memcpy(tail, u + prefix, ntail * sizeof(*u));
				while (b > 0) {
					if (a > 0 &&
					    strcmp(u[a - 1]->name,
					        tail[b - 1]->name) > 0)
						u[--k] = u[--a];
					else
						u[--k] = tail[--b];
				}
				free(tail);
			}
		}
	}
	for (i = 0; i < n; i++)
		u[i]->slot = i;
	store->nslots = n;
	store->nsorted = n;
	store->holes = 0;
}

size_t
cerbo_store_user_count(const struct cerbo_store *store)
{
	return store != NULL ? store->nusers : 0;
}

const struct cerbo_user *
cerbo_store_user_at(const struct cerbo_store *store, size_t i)
{
	/* Every change that may disorder the users tidies them before it
	 * returns, so reading never changes the store. */
	if (store == NULL || i >= store->nusers)
		return NULL;
	return store->users[i];
}

/* ---- profiles -------------------------------------------------------- */

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
	p->name = dup_mem(name, len);
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
	profile->rules[kind][profile->nrules[kind]] = dup_mem(rule, len);
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
	return cerbo__check_text("description", *s, *len,
	    CERBO_DESCRIPTION_MAX, err);
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
	if (cerbo__check_profile_name(name, strlen(name), err) != 0)
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
		p->description = dup_mem(description, dlen);
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
		copy = dup_mem(description, dlen);
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

/* ---- user fields ----------------------------------------------------- */

/* A field's value after validation, in its stored form. */
struct value {
	char *str;    /* K_TEXT, K_EMAIL, K_PROFILE, K_HASH, K_CIDRS */
	int64_t time; /* K_TIME */
	int flag;     /* K_BOOL */
};

/*
 * Validate the text of a field (s, len; s has a NUL at s[len]) and make
 * its stored form.  The message names the field.
 */
static int
field_value(enum cerbo_user_field f, const char *s, size_t len, struct value *v,
    struct cerbo_error *err)
{
	const struct field *fd = &fields[f];
	int rc = -1;

	memset(v, 0, sizeof(*v));
	switch (fd->kind) {
	case K_TEXT:
		rc = cerbo__check_text(fd->name, s, len, fd->max, err);
		break;
	case K_EMAIL:
		rc = cerbo__check_email(s, len, err);
		break;
	case K_PROFILE:
		rc = cerbo__check_profile_name(s, len, err);
		break;
	case K_HASH:
		if (strlen(s) != len) {
			rc = cerbo__fail(err, CERBO_E_INVALID,
			    "%s holds a NUL byte", fd->name);
			break;
		}
		rc = cerbo_hash_validate(s, err);
		if (rc != 0)
			cerbo__error_prefix(err, "%s: ", fd->name);
		break;
	case K_TIME:
		if (strlen(s) != len) {
			rc = cerbo__fail(err, CERBO_E_INVALID,
			    "%s holds a NUL byte", fd->name);
			break;
		}
		rc = cerbo_time_parse(s, &v->time, err);
		if (rc != 0)
			cerbo__error_prefix(err, "%s: ", fd->name);
		return rc;
	case K_CIDRS:
		if (strlen(s) != len)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "%s holds a NUL byte", fd->name);
		return cerbo__cidr_list_canon(s, &v->str, err);
	case K_BOOL:
		return cerbo__check_bool(fd->name, s, len, &v->flag, err);
	}
	if (rc != 0)
		return -1;
	v->str = dup_mem(s, len);
	if (v->str == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	return 0;
}

/* Does v differ from what user holds in f? */
static int
value_differs(const struct cerbo_user *user, enum cerbo_user_field f,
    const struct value *v)
{
	int slot = cerbo__time_slot(f);

	switch (fields[f].kind) {
	case K_TIME:
		return !user->time_set[slot] || user->time[slot] != v->time;
	case K_BOOL:
		return user->disabled != v->flag;
	default:
		return user->str[f] == NULL ||
		    strcmp(user->str[f], v->str) != 0;
	}
}

/* Store v in f (taking v->str). */
static void
value_store(struct cerbo_user *user, enum cerbo_user_field f, struct value *v)
{
	switch (fields[f].kind) {
	case K_TIME:
		cerbo__user_set_time(user, cerbo__time_slot(f), v->time);
		break;
	case K_BOOL:
		user->disabled = v->flag;
		break;
	default:
		free(user->str[f]);
		user->str[f] = v->str;
		v->str = NULL;
		break;
	}
}

/* Unset an optional field; 1 if it was set. */
static int
field_unset(struct cerbo_user *user, enum cerbo_user_field f)
{
	int slot = cerbo__time_slot(f);
	int was;

	switch (fields[f].kind) {
	case K_TIME:
		was = user->time_set[slot];
		unset_time(user, slot);
		return was;
	case K_BOOL:
		was = user->disabled;
		user->disabled = 0;
		return was;
	default:
		was = user->str[f] != NULL;
		free(user->str[f]);
		user->str[f] = NULL;
		return was;
	}
}

/* A value as given to add or set: *len set, blanks trimmed when the
 * field's rules say so. */
static void
given_text(enum cerbo_user_field f, const char **s, size_t *len)
{
	*len = strlen(*s);
	if (fields[f].trim)
		cerbo__trim(s, len);
}

/* The stored form of a value given to add or set; -1 with err. */
static int
given_value(enum cerbo_user_field f, const char *s, struct value *v,
    struct cerbo_error *err)
{
	size_t len;

	given_text(f, &s, &len);
	return field_value(f, s, len, v, err);
}

int
cerbo__user_field_parse(struct cerbo_user *user, enum cerbo_user_field f,
    const char *s, size_t len, struct cerbo_error *err)
{
	struct value v;

	if (field_value(f, s, len, &v, err) != 0)
		return -1;
	value_store(user, f, &v);
	return 0;
}

int
cerbo_user_field_validate(enum cerbo_user_field field, const char *value,
    struct cerbo_error *err)
{
	struct value v;
	int rc;

	if ((int)field < 0 || field >= CERBO_USER_FIELD_COUNT)
		return cerbo__fail(err, CERBO_E_INVALID, "no such field");
	if (value == NULL) {
		if (fields[field].required)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "%s is required", fields[field].name);
		return 0;
	}
	rc = given_value(field, value, &v, err);
	free(v.str);
	return rc;
}

int
cerbo_user_field_differs(const struct cerbo_user *user,
    enum cerbo_user_field field, const char *value, int *differs,
    struct cerbo_error *err)
{
	struct value v;
	int slot;

	if (user == NULL || differs == NULL || (int)field < 0 ||
	    field >= CERBO_USER_FIELD_COUNT)
		return cerbo__fail(err, CERBO_E_INVALID, "no such field");
	*differs = 0;
	if (value == NULL) {
		if (fields[field].required)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "%s is required", fields[field].name);
		slot = cerbo__time_slot(field);
		if (fields[field].kind == K_TIME)
			*differs = user->time_set[slot];
		else if (fields[field].kind == K_BOOL)
			*differs = user->disabled;
		else
			*differs = user->str[field] != NULL;
		return 0;
	}
	if (given_value(field, value, &v, err) != 0)
		return -1;
	*differs = value_differs(user, field, &v);
	free(v.str);
	return 0;
}

static int
now_valid(int64_t now, struct cerbo_error *err)
{
	if (!cerbo__time_in_range((int64_t)now))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "the current time is out of range");
	return 0;
}

static struct cerbo_user *
user_get(struct cerbo_store *store, const char *username,
    struct cerbo_error *err)
{
	struct cerbo_user *u;

	if (store == NULL || username == NULL) {
		cerbo__fail(err, CERBO_E_INVALID, "no username");
		return NULL;
	}
	u = user_find(store, username);
	if (u == NULL)
		cerbo__fail(err, CERBO_E_NOTFOUND, "no user %s", username);
	return u;
}

static void
touch(struct cerbo_user *user, int64_t now)
{
	cerbo__user_set_time(user, cerbo__time_slot(CERBO_USER_UPDATED),
	    (int64_t)now);
}

int
cerbo__user_add(struct cerbo_store *store, const struct cerbo_user_spec *spec,
    int64_t now, struct cerbo_error *err)
{
	static const struct {
		enum cerbo_user_field f;
		size_t off;
	} given[] = {
	    {CERBO_USER_NICKNAME, offsetof(struct cerbo_user_spec, nickname)},
	    {CERBO_USER_PROFILE, offsetof(struct cerbo_user_spec, profile)},
	    {CERBO_USER_EMAIL, offsetof(struct cerbo_user_spec, email)},
	    {CERBO_USER_DESCRIPTION,
	        offsetof(struct cerbo_user_spec, description)},
	    {CERBO_USER_SECRET, offsetof(struct cerbo_user_spec, secret_hash)},
	};
	struct cerbo_user *u = NULL;
	size_t i;

	if (store == NULL || spec == NULL || spec->username == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no username");
	if (cerbo__check_username(spec->username, strlen(spec->username),
	        err) != 0)
		return -1;
	if (cerbo_store_user_find(store, spec->username) != NULL)
		return cerbo__fail(err, CERBO_E_EXISTS,
		    "user %s exists already", spec->username);
	if (now_valid(now, err) != 0)
		return -1;
	u = cerbo__user_new(spec->username, strlen(spec->username));
	if (u == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	for (i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
		const char *s =
		    *(const char *const *)(const void *)((const char *)spec +
		        given[i].off);
		struct value v;

		if (s == NULL) {
			cerbo__fail(err, CERBO_E_INVALID, "%s is required",
			    fields[given[i].f].name);
			goto fail;
		}
		if (given_value(given[i].f, s, &v, err) != 0)
			goto fail;
		value_store(u, given[i].f, &v);
	}
	if (cerbo_store_profile_find(store, u->str[CERBO_USER_PROFILE]) ==
	    NULL) {
		cerbo__fail(err, CERBO_E_NOTFOUND, "no profile %s",
		    u->str[CERBO_USER_PROFILE]);
		goto fail;
	}
	cerbo__user_set_time(u, cerbo__time_slot(CERBO_USER_SECRET_SET),
	    (int64_t)now);
	cerbo__user_set_time(u, cerbo__time_slot(CERBO_USER_CREATED),
	    (int64_t)now);
	touch(u, now);
	return cerbo__store_add_user(store, u, err);
fail:
	cerbo__user_free(u);
	return -1;
}

int
cerbo_user_add(struct cerbo_store *store, const struct cerbo_user_spec *spec,
    int64_t now, struct cerbo_error *err)
{
	struct cerbo_user_spec s;
	int rc;

	if (cerbo__abi_in(&s, sizeof(s), spec, CERBO__USER_SPEC_V1) != 0)
		return cerbo__fail(err, CERBO_E_INVALID, "no user, or struct "
		    "cerbo_user_spec declared without CERBO_USER_SPEC_INIT");
	rc = cerbo__user_add(store, &s, now, err);
	cerbo__store_tidy(store);
	return rc;
}

int
cerbo_user_set(struct cerbo_store *store, const char *username,
    enum cerbo_user_field field, const char *value, int64_t now, int *changed,
    struct cerbo_error *err)
{
	struct cerbo_user *u;
	struct value v;
	int did = 0;

	if (changed != NULL)
		*changed = 0;
	if ((int)field < 0 || field >= CERBO_USER_FIELD_COUNT)
		return cerbo__fail(err, CERBO_E_INVALID, "no such field");
	u = user_get(store, username, err);
	if (u == NULL)
		return -1;
	if (now_valid(now, err) != 0)
		return -1;
	if (field == CERBO_USER_SECRET)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "secret is changed by a rotation, not set");
	if (field == CERBO_USER_OLD_SECRET && value != NULL)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "old_secret is set by a rotation with a grace period");
	if (value == NULL) {
		if (fields[field].required)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "%s is required", fields[field].name);
		if (field == CERBO_USER_OLD_SECRET ||
		    field == CERBO_USER_OLD_SECRET_EXPIRES) {
			/* The old key and its end go together. */
			did = field_unset(u, CERBO_USER_OLD_SECRET);
			did |= field_unset(u, CERBO_USER_OLD_SECRET_EXPIRES);
		} else {
			did = field_unset(u, field);
		}
		goto done;
	}
	if (field == CERBO_USER_OLD_SECRET_EXPIRES &&
	    u->str[CERBO_USER_OLD_SECRET] == NULL)
		return cerbo__fail(err, CERBO_E_STATE,
		    "user %s has no old key whose end could be set", username);
	if (given_value(field, value, &v, err) != 0)
		return -1;
	if (field == CERBO_USER_PROFILE &&
	    cerbo_store_profile_find(store, v.str) == NULL) {
		cerbo__fail(err, CERBO_E_NOTFOUND, "no profile %s", v.str);
		free(v.str);
		return -1;
	}
	if (field == CERBO_USER_OLD_SECRET_EXPIRES &&
	    v.time > (int64_t)now + CERBO_GRACE_MAX) {
		free(v.str);
		return cerbo__fail(err, CERBO_E_INVALID,
		    "old_secret_expires may lie at most %d days ahead",
		    CERBO_GRACE_MAX / 86400);
	}
	if (value_differs(u, field, &v)) {
		value_store(u, field, &v);
		did = 1;
	}
	free(v.str);
done:
	if (did && field != CERBO_USER_UPDATED)
		touch(u, now);
	if (changed != NULL)
		*changed = did;
	return 0;
}

int
cerbo__user_remove(struct cerbo_store *store, const char *username,
    struct cerbo_error *err)
{
	struct cerbo_user *u;
	struct cerbo_user **at;

	u = user_get(store, username, err);
	if (u == NULL)
		return -1;
	at = index_find(store, u->name, u->hash);
	index_delete(store, at);
	store->users[u->slot] = NULL;
	store->holes = 1;
	store->nusers--;
	cerbo__user_free(u);
	return 0;
}

int
cerbo_user_remove(struct cerbo_store *store, const char *username,
    struct cerbo_error *err)
{
	int rc = cerbo__user_remove(store, username, err);

	cerbo__store_tidy(store);
	return rc;
}

int
cerbo_user_set_secret(struct cerbo_store *store, const char *username,
    const char *new_hash, int64_t now, int64_t grace, int force,
    struct cerbo_error *err)
{
	struct cerbo_user *u;
	char *copy;
	int slot = cerbo__time_slot(CERBO_USER_OLD_SECRET_EXPIRES);

	u = user_get(store, username, err);
	if (u == NULL)
		return -1;
	if (now_valid(now, err) != 0)
		return -1;
	if (new_hash == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no new key");
	if (cerbo_hash_validate(new_hash, err) != 0) {
		cerbo__error_prefix(err, "secret: ");
		return -1;
	}
	if (grace < 0 || grace > CERBO_GRACE_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "the grace period must lie within 0 and %d seconds "
		    "(%d days)",
		    CERBO_GRACE_MAX, CERBO_GRACE_MAX / 86400);
	if (strcmp(new_hash, u->str[CERBO_USER_SECRET]) == 0)
		return cerbo__fail(err, CERBO_E_STATE,
		    "the new key of %s is its current key", username);
	if (cerbo_user_old_key_valid(u, now) && !force)
		return cerbo__fail(err, CERBO_E_STATE,
		    "user %s is in a rotation grace period until %s: its "
		    "old key may still be in use; finish that rotation "
		    "first, or force it",
		    username, u->time_text[slot]);
	copy = strdup(new_hash);
	if (copy == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	field_unset(u, CERBO_USER_OLD_SECRET);
	field_unset(u, CERBO_USER_OLD_SECRET_EXPIRES);
	if (grace > 0) {
		u->str[CERBO_USER_OLD_SECRET] = u->str[CERBO_USER_SECRET];
		cerbo__user_set_time(u, slot, (int64_t)now + grace);
	} else {
		free(u->str[CERBO_USER_SECRET]);
	}
	u->str[CERBO_USER_SECRET] = copy;
	cerbo__user_set_time(u, cerbo__time_slot(CERBO_USER_SECRET_SET),
	    (int64_t)now);
	touch(u, now);
	return 0;
}

int
cerbo_user_drop_old_secret(struct cerbo_store *store, const char *username,
    int64_t now, struct cerbo_error *err)
{
	struct cerbo_user *u;

	u = user_get(store, username, err);
	if (u == NULL)
		return -1;
	if (now_valid(now, err) != 0)
		return -1;
	if (u->str[CERBO_USER_OLD_SECRET] == NULL)
		return cerbo__fail(err, CERBO_E_STATE, "user %s has no old key",
		    username);
	field_unset(u, CERBO_USER_OLD_SECRET);
	field_unset(u, CERBO_USER_OLD_SECRET_EXPIRES);
	touch(u, now);
	return 0;
}

/*
 * Expired old keys go silently: nobody changed the user, the grace period
 * simply ended, so updated stays.
 */
size_t
cerbo_store_prune(struct cerbo_store *store, int64_t now)
{
	size_t i, n = 0;

	if (store == NULL)
		return 0;
	for (i = 0; i < store->nslots; i++) {
		struct cerbo_user *u = store->users[i];

		if (u == NULL || u->str[CERBO_USER_OLD_SECRET] == NULL ||
		    cerbo_user_old_key_valid(u, now))
			continue;
		field_unset(u, CERBO_USER_OLD_SECRET);
		field_unset(u, CERBO_USER_OLD_SECRET_EXPIRES);
		n++;
	}
	return n;
}

/* ---- whole-store validation ------------------------------------------ */

static int
validate_user(const struct cerbo_store *store, const struct cerbo_user *u,
    struct cerbo_error *err)
{
	int f;
	struct value v;
	int has_old, has_old_end;

	if (cerbo__check_username(u->name, strlen(u->name), err) != 0)
		return -1;
	for (f = 0; f < CERBO_USER_FIELD_COUNT; f++) {
		const struct field *fd = &fields[f];
		int slot = cerbo__time_slot((enum cerbo_user_field)f);
		int set;

		if (fd->kind == K_BOOL)
			continue;
		set = slot >= 0 ? u->time_set[slot] : u->str[f] != NULL;
		if (!set) {
			if (fd->required)
				return cerbo__fail(err, CERBO_E_INVALID,
				    "%s is missing", fd->name);
			continue;
		}
		if (slot >= 0) {
			if (!cerbo__time_in_range(u->time[slot]))
				return cerbo__fail(err, CERBO_E_INVALID,
				    "%s is out of range", fd->name);
			continue;
		}
		if (field_value((enum cerbo_user_field)f, u->str[f],
		        strlen(u->str[f]), &v, err) != 0)
			return -1;
		if (strcmp(v.str, u->str[f]) != 0) {
			free(v.str);
			return cerbo__fail(err, CERBO_E_INVALID,
			    "%s is not in its canonical form", fd->name);
		}
		free(v.str);
	}
	if (cerbo_store_profile_find(store, u->str[CERBO_USER_PROFILE]) == NULL)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "profile %s does not exist", u->str[CERBO_USER_PROFILE]);
	has_old = u->str[CERBO_USER_OLD_SECRET] != NULL;
	has_old_end =
	    u->time_set[cerbo__time_slot(CERBO_USER_OLD_SECRET_EXPIRES)];
	if (has_old && !has_old_end)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "old_secret needs old_secret_expires");
	if (!has_old && has_old_end)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "old_secret_expires needs old_secret");
	return 0;
}

static int
validate_profile(const struct cerbo_profile *p, struct cerbo_error *err)
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
				    cerbo_rule_kind_name((enum cerbo_rule_kind)k), i + 1);
				return -1;
			}
			for (j = 0; j < i; j++) {
				if (strcmp(p->rules[k][i], p->rules[k][j]) == 0)
					return cerbo__fail(err, CERBO_E_INVALID,
					    "%s rule \"%s\" is listed twice",
					    cerbo_rule_kind_name((enum cerbo_rule_kind)k),
					    p->rules[k][i]);
			}
		}
	}
	return 0;
}

int
cerbo_store_validate(const struct cerbo_store *store, struct cerbo_error *err)
{
	size_t i;

	if (store == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no store");
	if (store->format != CERBO_STORE_FORMAT)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "format %d is not format %d", store->format,
		    CERBO_STORE_FORMAT);
	if (store->generation > CERBO__GENERATION_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "generation is larger than %llu",
		    (unsigned long long)CERBO__GENERATION_MAX);
	for (i = 0; i < store->nprofiles; i++) {
		const struct cerbo_profile *p = store->profiles[i];

		if (i > 0 && strcmp(store->profiles[i - 1]->name, p->name) >= 0)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "profiles are out of order");
		if (validate_profile(p, err) != 0) {
			cerbo__error_prefix(err, "profile %s: ", p->name);
			return -1;
		}
	}
	for (i = 0; i < store->nslots; i++) {
		const struct cerbo_user *u = store->users[i];

		if (u == NULL)
			continue;
		if (validate_user(store, u, err) != 0) {
			cerbo__error_prefix(err, "user %s: ", u->name);
			return -1;
		}
	}
	return 0;
}
