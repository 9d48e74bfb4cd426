/*
 * user.c - a user's fields and their rules (the field table), and the
 * changes the tools make to users: adding one, setting a field, rotating
 * its secret, dropping an old key.
 */
#include <stdlib.h>
#include <string.h>

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
    [CERBO_USER_DESCRIPTION] = {"description", K_TEXT, 1, CERBO_DESCRIPTION_MAX,
        1},
    [CERBO_USER_SECRET] = {"secret", K_HASH, 1, 0, 0},
    [CERBO_USER_SECRET_SET] = {"secret_set", K_TIME, 1, 0, 1},
    [CERBO_USER_OLD_SECRET] = {"old_secret", K_HASH, 0, 0, 0},
    [CERBO_USER_OLD_SECRET_EXPIRES] = {"old_secret_expires", K_TIME, 0, 0, 1},
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
cerbo__user_field_from_name(const char *name)
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

/* ---- users ------------------------------------------------------------ */

struct cerbo_user *
cerbo__user_new(const char *name, size_t len)
{
	struct cerbo_user *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->name = cerbo__dup_mem(name, len);
	if (u->name == NULL) {
		free(u);
		return NULL;
	}
	u->hash = cerbo__name_hash(u->name);
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
	cerbo__time_format(t, user->time_text[slot], CERBO__TIME_TEXT);
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
cerbo__user_time(const struct cerbo_user *user, enum cerbo_user_field field)
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
		rc = cerbo__hash_validate(s, err);
		if (rc != 0)
			cerbo__error_prefix(err, "%s: ", fd->name);
		break;
	case K_TIME:
		if (strlen(s) != len) {
			rc = cerbo__fail(err, CERBO_E_INVALID,
			    "%s holds a NUL byte", fd->name);
			break;
		}
		rc = cerbo__time_parse(s, &v->time, err);
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
	v->str = cerbo__dup_mem(s, len);
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

	memset(v, 0, sizeof(*v));
	given_text(f, &s, &len);
	/* A loaded store may name a profile that starts with '-'; a change
	 * may not give one. */
	if (fields[f].kind == K_PROFILE &&
	    cerbo__check_new_profile_name(s, len, err) != 0)
		return -1;
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
		return cerbo__fail(err, CERBO_E_INVALID,
		    "no user, or struct cerbo_user_spec declared without CERBO_USER_SPEC_INIT");
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
	u = cerbo__user_lookup(store, username, err);
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
cerbo_user_set_secret(struct cerbo_store *store, const char *username,
    const char *new_hash, int64_t now, int64_t grace, int force,
    struct cerbo_error *err)
{
	struct cerbo_user *u;
	char *copy;
	int slot = cerbo__time_slot(CERBO_USER_OLD_SECRET_EXPIRES);

	u = cerbo__user_lookup(store, username, err);
	if (u == NULL)
		return -1;
	if (now_valid(now, err) != 0)
		return -1;
	if (new_hash == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no new key");
	if (cerbo__hash_validate(new_hash, err) != 0) {
		cerbo__error_prefix(err, "secret: ");
		return -1;
	}
	if (grace < 0 || grace > CERBO_GRACE_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "the grace period must lie within 0 and %d seconds (%d days)",
		    CERBO_GRACE_MAX, CERBO_GRACE_MAX / 86400);
	if (strcmp(new_hash, u->str[CERBO_USER_SECRET]) == 0)
		return cerbo__fail(err, CERBO_E_STATE,
		    "the new key of %s is its current key", username);
	if (cerbo_user_old_key_valid(u, now) && !force)
		return cerbo__fail(err, CERBO_E_STATE,
		    "user %s is in a rotation grace period until %s: its old key may still be in use; finish that rotation first, or force it",
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

	u = cerbo__user_lookup(store, username, err);
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
cerbo__store_prune(struct cerbo_store *store, int64_t now)
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

int
cerbo__user_validate(const struct cerbo_store *store,
    const struct cerbo_user *u, struct cerbo_error *err)
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
