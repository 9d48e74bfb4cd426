/*
 * apply.c - make a store match a desired state declared in one YAML or
 * JSON document (cerbo_store_apply; the format is in cerbo.h and
 * cerbo-apiuser(1)), and the result it reports.
 *
 * Three passes.  read: the document is read into a plan, strictly and
 * from the event stream (a million users cost no tree).  check: every
 * entry is checked against the store, and every value is handed to the
 * library's own setters on a scratch store, so the last pass cannot meet
 * a value the store would refuse.  change: the store is changed, entries
 * in name order (new users are appended in order, so a bulk import costs
 * O(n log n)).  Only the last pass touches the store.  The first pass
 * is apply_read.c, the second apply_check.c, the last this file; the
 * plan they share is in apply.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "apply.h"

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
	if (cerbo__apply_grow((void **)&res->warnings, &res->capwarnings,
	        res->nwarnings, sizeof(*res->warnings)) != 0 ||
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
		ue->hash = cerbo__apply_dup(plan, hash, strlen(hash));
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
		if (note(res, CERBO_CHANGE_UPDATED, CERBO_OBJECT_PROFILE, pname,
		        kname, NULL, pe->rules[kind][i], err) != 0 ||
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
			        CERBO_OBJECT_PROFILE, pname, "description", old,
			        cerbo_profile_description(cur), err) != 0)
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

/* The usage file, when the document names one (or null: none). */
static int
change_usage_file(struct cerbo_store *store, const struct plan *plan,
    struct cerbo_apply_result *res, struct cerbo_error *err)
{
	const char *now = cerbo_store_usage_file(store);
	char *old = NULL;
	int rc;

	if (!plan->usage_file_given ||
	    (now == NULL && plan->usage_file == NULL) ||
	    (now != NULL && plan->usage_file != NULL &&
	        strcmp(now, plan->usage_file) == 0))
		return 0;
	if (now != NULL && (old = strdup(now)) == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	rc = cerbo_store_set_usage_file(store, plan->usage_file, err);
	if (rc == 0)
		rc = note(res, CERBO_CHANGE_UPDATED, CERBO_OBJECT_STORE,
		    "store", "usage_file", old, plan->usage_file, err);
	if (rc == 0)
		res->count[CERBO_APPLY_UPDATED]++;
	free(old);
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
	if (cerbo__apply_read(&plan, buf != NULL ? buf : "", len, name, err) !=
	    0)
		goto out;
	if (cerbo__apply_check(store, &plan, name, now, err) != 0)
		goto out;
	if (generate_keys(&plan, res, err) != 0)
		goto out;
	/* From here on the store changes; only memory can run out. */
	if (change_store(store, &plan, now, res, err) != 0)
		goto out;
	if (change_usage_file(store, &plan, res, err) != 0)
		goto out;
	if (result != NULL) {
		*result = res;
		res = NULL;
	}
	rc = 0;
out:
	cerbo_apply_result_free(res);
	cerbo__apply_plan_free(&plan);
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
cerbo_apply_result_warning_at(const struct cerbo_apply_result *result, size_t i)
{
	if (result == NULL || i >= result->nwarnings)
		return NULL;
	return result->warnings[i];
}
