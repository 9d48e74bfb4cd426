/*
 * apply_check.c - the second pass of cerbo_store_apply (apply.c): every
 * entry of the plan (apply.h) is checked against the store, and every
 * value is handed to the library's own setters on a scratch store, so the
 * last pass cannot meet a value the store would refuse.  The store is
 * only read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"

#define INUSE_NAMES 5 /* users named in an "in use" message */

/* Put the error a library call left in err at a position in the document,
 * its message prefixed by what it concerns. */
static int
relocate(struct cerbo_error *err, const char *name, struct pos at,
    const char *what)
{
	cerbo__error_prefix(err, "%s: ", what);
	return cerbo__error_relocate(err, err->status, name, at.line, at.col);
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

	s = cerbo__store_new();
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

	/* One a store already has may be removed; none made. */
	if (cerbo__check_profile_name(pname, strlen(pname), err) != 0)
		return relocate(err, name, pe->at[PF_NAME], "profile");
	if (pe->absent)
		return 0;
	if (cerbo__check_new_profile_name(pname, strlen(pname), err) != 0)
		return relocate(err, name, pe->at[PF_NAME], "profile");
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
				    "%s: %s rule \"%s\" is listed twice", pname,
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
	if (cerbo__check_new_profile_name(prof, strlen(prof), err) != 0)
		return relocate(err, name, ue->at[UF_PROFILE], uname);
	pe = plan_profile(plan, prof);
	if (pe != NULL && pe->absent)
		return fail_pos(err, CERBO_E_INVALID, name, ue->at[UF_PROFILE],
		    "%s: profile %s is declared absent in this document", uname,
		    prof);
	if (pe == NULL && cerbo_store_profile_find(store, prof) == NULL)
		return fail_pos(err, CERBO_E_NOTFOUND, name, ue->at[UF_PROFILE],
		    "%s: no profile %s (in the store or this document)", uname,
		    prof);
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
	    cerbo__hash_validate(ue->v[UF_SECRET_HASH], err) != 0)
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
		    "profile %s is still used by %s%s: move or remove them in this document",
		    pname, names,
		    total - pe->leaving > listed ? " and others" : "");
	}
	return 0;
}

int
cerbo__apply_check(const struct cerbo_store *store, struct plan *plan,
    const char *name, int64_t now, struct cerbo_error *err)
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
	if (plan->usage_file_given && plan->usage_file != NULL &&
	    cerbo__usage_path_check(plan->usage_file, strlen(plan->usage_file),
	        err) != 0) {
		cerbo__error_relocate(err, CERBO_E_INVALID, name,
		    plan->usage_file_at.line, plan->usage_file_at.col);
		goto out;
	}
	rc = 0;
out:
	cerbo_store_free(scratch);
	return rc;
}
