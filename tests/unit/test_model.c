/*
 * test_model.c - the store in memory: adding, changing, removing and
 * rotating users, pruning old keys, profiles and their rules, ordering
 * and lookup, whole-store validation, and the error helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "storeutil.h"

#define T0 1795773600 /* 2026-11-27T10:00:00Z */

static struct cerbo_error err = CERBO_ERROR_INIT;

static void
ok(int rc)
{
	if (rc != 0)
		fail_msg("%s: %s", cerbo_status_name(err.status), err.message);
}

static void
refused(int rc, enum cerbo_status status, const char *needle)
{
	if (rc != -1)
		fail_msg("succeeded; expected %s", cerbo_status_name(status));
	if (err.status != status || strstr(err.message, needle) == NULL)
		fail_msg("got %s \"%s\"; expected %s \"%s\"",
		    cerbo_status_name(err.status), err.message,
		    cerbo_status_name(status), needle);
}

static void
spec_of(struct cerbo_user_spec *s, const char *name)
{
	s->username = name;
	s->nickname = "Scheduling integration";
	s->profile = "scheduling";
	s->email = "ops@example.com";
	s->description = "Syncs appointments";
	s->secret_hash = HASH_A;
}

/* A store with profiles scheduling and other, and user pk_a. */
static int
setup(void **state)
{
	struct cerbo_store *s = cerbo__store_new();
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_a");
	if (s == NULL ||
	    cerbo_profile_add(s, "scheduling", "Scheduling", NULL) != 0 ||
	    cerbo_profile_add(s, "other", NULL, NULL) != 0 ||
	    cerbo_user_add(s, &spec, T0, NULL) != 0)
		return -1;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	cerbo_store_free(*state);
	return 0;
}

static const struct cerbo_user *
user(void **state, const char *name)
{
	const struct cerbo_user *u = cerbo_store_user_find(*state, name);

	assert_non_null(u);
	return u;
}

static const char *
get(void **state, const char *name, enum cerbo_user_field f)
{
	return cerbo_user_get(user(state, name), f);
}

/* ---- the empty store ------------------------------------------------- */

static void
new_store_is_empty_and_valid(void **state)
{
	struct cerbo_store *s = cerbo__store_new();

	(void)state;
	assert_int_equal(cerbo_store_user_count(s), 0);
	assert_int_equal(cerbo_store_profile_count(s), 0);
	assert_int_equal(cerbo_store_generation(s), 0);
	assert_int_equal(cerbo__store_format(s), CERBO_STORE_FORMAT);
	assert_string_equal(cerbo_store_digest(s), "");
	assert_null(cerbo_store_user_at(s, 0));
	assert_null(cerbo_store_user_find(s, "pk_a"));
	ok(cerbo_store_validate(s, &err));
	cerbo_store_free(s);
	cerbo_store_free(NULL);
}

/* ---- add ---------------------------------------------------------------- */

static void
added_user_has_its_fields_and_times(void **state)
{
	const struct cerbo_user *u = user(state, "pk_a");

	assert_string_equal(cerbo_user_name(u), "pk_a");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_NICKNAME),
	    "Scheduling integration");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_PROFILE),
	    "scheduling");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_SECRET), HASH_A);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_CREATED),
	    "2026-11-27T10:00:00Z");
	assert_int_equal(cerbo__user_time(u, CERBO_USER_UPDATED), T0);
	assert_int_equal(cerbo__user_time(u, CERBO_USER_SECRET_SET), T0);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_DISABLED), "false");
	assert_int_equal(cerbo_user_disabled(u), 0);
	assert_null(cerbo_user_get(u, CERBO_USER_OLD_SECRET));
	assert_null(cerbo_user_get(u, CERBO_USER_EXPIRES));
	assert_int_equal(cerbo__user_time(u, CERBO_USER_EXPIRES), 0);
	assert_null(cerbo_user_get(u, CERBO_USER_ALLOW_FROM));
	ok(cerbo_store_validate(*state, &err));
}

static void
add_trims_spaces_around_text(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_b");
	spec.nickname = "  CRM sync \n";
	spec.email = " crm@example.com ";
	ok(cerbo_user_add(*state, &spec, T0, &err));
	assert_string_equal(get(state, "pk_b", CERBO_USER_NICKNAME),
	    "CRM sync");
	assert_string_equal(get(state, "pk_b", CERBO_USER_EMAIL),
	    "crm@example.com");
}

static void
add_of_taken_username_is_exists(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_a");
	refused(cerbo_user_add(*state, &spec, T0, &err), CERBO_E_EXISTS,
	    "pk_a exists");
	assert_int_equal(cerbo_store_user_count(*state), 1);
}

static void
add_with_unknown_profile_is_notfound_and_adds_nothing(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_b");
	spec.profile = "nope";
	refused(cerbo_user_add(*state, &spec, T0, &err), CERBO_E_NOTFOUND,
	    "no profile nope");
	assert_null(cerbo_store_user_find(*state, "pk_b"));
}

static void
add_with_invalid_field_names_it_and_adds_nothing(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_b");
	spec.email = "nobody";
	refused(cerbo_user_add(*state, &spec, T0, &err), CERBO_E_INVALID,
	    "email");
	spec_of(&spec, "pk_b");
	spec.nickname = "   ";
	refused(cerbo_user_add(*state, &spec, T0, &err), CERBO_E_INVALID,
	    "nickname must not be empty");
	spec_of(&spec, "pk_b");
	spec.description = NULL;
	refused(cerbo_user_add(*state, &spec, T0, &err), CERBO_E_INVALID,
	    "description is required");
	spec_of(&spec, "pk_b");
	spec.secret_hash = "$argon2i$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
	refused(cerbo_user_add(*state, &spec, T0, &err), CERBO_E_INVALID,
	    "secret: ");
	spec_of(&spec, "sk_b");
	refused(cerbo_user_add(*state, &spec, T0, &err), CERBO_E_INVALID,
	    "username");
	assert_int_equal(cerbo_store_user_count(*state), 1);
}

/* ---- set ----------------------------------------------------------------- */

static void
set_changes_value_and_bumps_updated(void **state)
{
	int changed = 0;

	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_NICKNAME, "New name",
	    T0 + 10, &changed, &err));
	assert_int_equal(changed, 1);
	assert_string_equal(get(state, "pk_a", CERBO_USER_NICKNAME),
	    "New name");
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_UPDATED),
	    T0 + 10);
}

static void
set_to_same_value_changes_nothing(void **state)
{
	int changed = 1;

	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_NICKNAME,
	    " Scheduling integration ", T0 + 10, &changed, &err));
	assert_int_equal(changed, 0);
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_UPDATED),
	    T0);
}

static void
set_of_invalid_value_changes_nothing(void **state)
{
	int changed = 1;

	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_EMAIL, "a@b", T0 + 10,
	            &changed, &err),
	    CERBO_E_INVALID, "email");
	assert_int_equal(changed, 0);
	assert_string_equal(get(state, "pk_a", CERBO_USER_EMAIL),
	    "ops@example.com");
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_DISABLED, "yes",
	            T0 + 10, NULL, &err),
	    CERBO_E_INVALID, "true or false");
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_EXPIRES, "tomorrow",
	            T0 + 10, NULL, &err),
	    CERBO_E_INVALID, "expires");
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_UPDATED),
	    T0);
}

static void
set_of_required_field_to_null_is_refused(void **state)
{
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_EMAIL, NULL, T0, NULL,
	            &err),
	    CERBO_E_INVALID, "email is required");
}

static void
set_of_secret_is_refused(void **state)
{
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_SECRET, HASH_B, T0,
	            NULL, &err),
	    CERBO_E_INVALID, "rotation");
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_OLD_SECRET, HASH_B,
	            T0, NULL, &err),
	    CERBO_E_INVALID, "rotation");
}

static void
set_of_profile_must_name_an_existing_one(void **state)
{
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_PROFILE, "other", T0, NULL,
	    &err));
	assert_string_equal(get(state, "pk_a", CERBO_USER_PROFILE), "other");
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_PROFILE, "nope", T0,
	            NULL, &err),
	    CERBO_E_NOTFOUND, "no profile nope");
}

static void
set_of_unknown_user_is_notfound(void **state)
{
	refused(cerbo_user_set(*state, "pk_zz", CERBO_USER_NICKNAME, "x", T0,
	            NULL, &err),
	    CERBO_E_NOTFOUND, "no user pk_zz");
}

static void
set_allow_from_is_canonical_and_unset_by_null(void **state)
{
	int changed = 0;

	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_ALLOW_FROM,
	    "192.0.2.0/24, 2001:DB8::/32", T0 + 1, &changed, &err));
	assert_int_equal(changed, 1);
	assert_string_equal(get(state, "pk_a", CERBO_USER_ALLOW_FROM),
	    "192.0.2.0/24,2001:db8::/32");
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_ALLOW_FROM,
	    "192.0.2.0/24,2001:db8::/32", T0 + 2, &changed, &err));
	assert_int_equal(changed, 0);
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_ALLOW_FROM, NULL, T0 + 3,
	    &changed, &err));
	assert_int_equal(changed, 1);
	assert_null(get(state, "pk_a", CERBO_USER_ALLOW_FROM));
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_ALLOW_FROM, "",
	            T0 + 4, &changed, &err),
	    CERBO_E_INVALID, "at least one");
}

static void
set_disabled_and_expires(void **state)
{
	int changed = 0;

	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_DISABLED, "true", T0 + 5,
	    &changed, &err));
	assert_int_equal(changed, 1);
	assert_int_equal(cerbo_user_disabled(user(state, "pk_a")), 1);
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_DISABLED, NULL, T0 + 6,
	    &changed, &err));
	assert_int_equal(cerbo_user_disabled(user(state, "pk_a")), 0);
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_EXPIRES,
	    "2027-01-01T00:00:00Z", T0 + 7, &changed, &err));
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_EXPIRES),
	    1798761600);
}

static void
user_expires_at_its_expiry_time_not_before(void **state)
{
	int changed;

	assert_int_equal(cerbo_user_expired(user(state, "pk_a"), 1798761600),
	    0); /* no expiry set: never */
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_EXPIRES,
	    "2027-01-01T00:00:00Z", T0, &changed, &err));
	assert_int_equal(cerbo_user_expired(user(state, "pk_a"), 1798761599),
	    0);
	assert_int_equal(cerbo_user_expired(user(state, "pk_a"), 1798761600),
	    1);
	assert_int_equal(cerbo_user_expired(NULL, 1798761600), 0);
}

static void
set_old_key_end_needs_an_old_key(void **state)
{
	refused(cerbo_user_set(*state, "pk_a", CERBO_USER_OLD_SECRET_EXPIRES,
	            "2026-11-28T00:00:00Z", T0, NULL, &err),
	    CERBO_E_STATE, "no old key");
}

/* ---- remove ------------------------------------------------------------- */

static void
removed_user_is_gone(void **state)
{
	ok(cerbo_user_remove(*state, "pk_a", &err));
	assert_null(cerbo_store_user_find(*state, "pk_a"));
	assert_int_equal(cerbo_store_user_count(*state), 0);
	assert_null(cerbo_store_user_at(*state, 0));
	refused(cerbo_user_remove(*state, "pk_a", &err), CERBO_E_NOTFOUND,
	    "no user pk_a");
}

static void
removed_name_can_be_added_again(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_a");
	ok(cerbo_user_remove(*state, "pk_a", &err));
	spec.nickname = "Again";
	ok(cerbo_user_add(*state, &spec, T0 + 9, &err));
	assert_string_equal(get(state, "pk_a", CERBO_USER_NICKNAME), "Again");
	assert_int_equal(cerbo_store_user_count(*state), 1);
}

/* ---- rotation ------------------------------------------------------------ */

static void
rotation_without_grace_drops_the_old_key(void **state)
{
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0 + 60, 0, 0, &err));
	assert_string_equal(get(state, "pk_a", CERBO_USER_SECRET), HASH_B);
	assert_null(get(state, "pk_a", CERBO_USER_OLD_SECRET));
	assert_null(get(state, "pk_a", CERBO_USER_OLD_SECRET_EXPIRES));
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_SECRET_SET),
	    T0 + 60);
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_UPDATED),
	    T0 + 60);
}

static void
rotation_with_grace_keeps_the_old_key_until_then(void **state)
{
	const struct cerbo_user *u;

	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0, 86400, 0, &err));
	u = user(state, "pk_a");
	assert_string_equal(cerbo_user_get(u, CERBO_USER_SECRET), HASH_B);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_OLD_SECRET), HASH_A);
	assert_string_equal(cerbo_user_get(u, CERBO_USER_OLD_SECRET_EXPIRES),
	    "2026-11-28T10:00:00Z");
	assert_int_equal(cerbo_user_old_key_valid(u, T0 + 86399), 1);
	assert_int_equal(cerbo_user_old_key_valid(u, T0 + 86400), 0);
	ok(cerbo_store_validate(*state, &err));
}

static void
second_rotation_during_grace_is_refused_unless_forced(void **state)
{
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0, 3600, 0, &err));
	refused(cerbo_user_set_secret(*state, "pk_a", HASH_C, T0 + 60, 3600, 0,
	            &err),
	    CERBO_E_STATE, "grace period until 2026-11-27T11:00:00Z");
	assert_string_equal(get(state, "pk_a", CERBO_USER_SECRET), HASH_B);
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_C, T0 + 60, 3600, 1,
	    &err));
	assert_string_equal(get(state, "pk_a", CERBO_USER_SECRET), HASH_C);
	assert_string_equal(get(state, "pk_a", CERBO_USER_OLD_SECRET), HASH_B);
}

static void
rotation_after_grace_ended_needs_no_force(void **state)
{
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0, 3600, 0, &err));
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_C, T0 + 3600, 0, 0,
	    &err));
	assert_null(get(state, "pk_a", CERBO_USER_OLD_SECRET));
}

static void
rotation_grace_is_bounded(void **state)
{
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0, CERBO_GRACE_MAX, 0,
	    &err));
	ok(cerbo_user_drop_old_secret(*state, "pk_a", T0, &err));
	refused(cerbo_user_set_secret(*state, "pk_a", HASH_C, T0,
	            CERBO_GRACE_MAX + 1, 0, &err),
	    CERBO_E_INVALID, "grace period");
	refused(cerbo_user_set_secret(*state, "pk_a", HASH_C, T0, -1, 0, &err),
	    CERBO_E_INVALID, "grace period");
}

static void
rotation_to_current_or_invalid_key_is_refused(void **state)
{
	refused(cerbo_user_set_secret(*state, "pk_a", HASH_A, T0, 0, 0, &err),
	    CERBO_E_STATE, "current key");
	refused(cerbo_user_set_secret(*state, "pk_a", "plaintext", T0, 0, 0,
	            &err),
	    CERBO_E_INVALID, "secret: ");
	refused(cerbo_user_set_secret(*state, "pk_zz", HASH_B, T0, 0, 0, &err),
	    CERBO_E_NOTFOUND, "pk_zz");
}

static void
drop_old_secret_ends_grace_and_needs_one(void **state)
{
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0, 3600, 0, &err));
	ok(cerbo_user_drop_old_secret(*state, "pk_a", T0 + 5, &err));
	assert_null(get(state, "pk_a", CERBO_USER_OLD_SECRET));
	assert_null(get(state, "pk_a", CERBO_USER_OLD_SECRET_EXPIRES));
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_UPDATED),
	    T0 + 5);
	refused(cerbo_user_drop_old_secret(*state, "pk_a", T0 + 6, &err),
	    CERBO_E_STATE, "no old key");
}

static void
unsetting_old_key_end_unsets_the_old_key(void **state)
{
	int changed = 0;

	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0, 3600, 0, &err));
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_OLD_SECRET_EXPIRES, NULL,
	    T0 + 1, &changed, &err));
	assert_int_equal(changed, 1);
	assert_null(get(state, "pk_a", CERBO_USER_OLD_SECRET));
	ok(cerbo_store_validate(*state, &err));
}

static void
prune_drops_only_ended_grace_periods_without_touching_updated(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_b");
	ok(cerbo_user_add(*state, &spec, T0, &err));
	ok(cerbo_user_set_secret(*state, "pk_a", HASH_B, T0, 100, 0, &err));
	ok(cerbo_user_set_secret(*state, "pk_b", HASH_B, T0, 200, 0, &err));
	assert_int_equal(cerbo__store_prune(*state, T0 + 99), 0);
	assert_int_equal(cerbo__store_prune(*state, T0 + 100), 1);
	assert_null(get(state, "pk_a", CERBO_USER_OLD_SECRET));
	assert_non_null(get(state, "pk_b", CERBO_USER_OLD_SECRET));
	assert_int_equal(cerbo__user_time(user(state, "pk_a"),
	                     CERBO_USER_UPDATED),
	    T0);
	assert_int_equal(cerbo__store_prune(*state, T0 + 1000), 1);
	assert_int_equal(cerbo__store_prune(*state, T0 + 1000), 0);
}

/* ---- profiles ----------------------------------------------------------- */

static void
profiles_are_sorted_and_found(void **state)
{
	ok(cerbo_profile_add(*state, "alpha", "A", &err));
	assert_int_equal(cerbo_store_profile_count(*state), 3);
	assert_string_equal(cerbo_profile_name(
	                        cerbo_store_profile_at(*state, 0)),
	    "alpha");
	assert_string_equal(cerbo_profile_name(
	                        cerbo_store_profile_at(*state, 2)),
	    "scheduling");
	assert_null(cerbo_store_profile_at(*state, 3));
	assert_non_null(cerbo_store_profile_find(*state, "other"));
	assert_null(cerbo_store_profile_find(*state, "nope"));
}

static void
profile_add_refuses_taken_or_invalid_names(void **state)
{
	refused(cerbo_profile_add(*state, "other", NULL, &err), CERBO_E_EXISTS,
	    "exists");
	refused(cerbo_profile_add(*state, "Other", NULL, &err), CERBO_E_INVALID,
	    "profile name");
	refused(cerbo_profile_add(*state, "x", " ", &err), CERBO_E_INVALID,
	    "description");
}

static void
profile_description_changes_report_changed(void **state)
{
	const struct cerbo_profile *p;
	int changed = 0;

	ok(cerbo_profile_set_description(*state, "other", "Other things",
	    &changed, &err));
	assert_int_equal(changed, 1);
	ok(cerbo_profile_set_description(*state, "other", "Other things",
	    &changed, &err));
	assert_int_equal(changed, 0);
	p = cerbo_store_profile_find(*state, "other");
	assert_string_equal(cerbo_profile_description(p), "Other things");
	ok(cerbo_profile_set_description(*state, "other", NULL, &changed,
	    &err));
	assert_int_equal(changed, 1);
	assert_null(cerbo_profile_description(p));
	refused(cerbo_profile_set_description(*state, "nope", "x", &changed,
	            &err),
	    CERBO_E_NOTFOUND, "no profile nope");
}

static void
rules_are_added_once_in_order_and_removed(void **state)
{
	const struct cerbo_profile *p;
	int changed = 0;

	ok(cerbo_profile_rule_add(*state, "other", CERBO_RULE_ALLOW, "GET /a",
	    &changed, &err));
	assert_int_equal(changed, 1);
	ok(cerbo_profile_rule_add(*state, "other", CERBO_RULE_ALLOW,
	    "GET /b/**", &changed, &err));
	ok(cerbo_profile_rule_add(*state, "other", CERBO_RULE_ALLOW, "GET /a",
	    &changed, &err));
	assert_int_equal(changed, 0);
	ok(cerbo_profile_rule_add(*state, "other", CERBO_RULE_DENY, "GET /a",
	    &changed, &err));
	assert_int_equal(changed, 1);
	p = cerbo_store_profile_find(*state, "other");
	assert_int_equal(cerbo_profile_rule_count(p, CERBO_RULE_ALLOW), 2);
	assert_string_equal(cerbo_profile_rule_at(p, CERBO_RULE_ALLOW, 1),
	    "GET /b/**");
	assert_null(cerbo_profile_rule_at(p, CERBO_RULE_ALLOW, 2));
	ok(cerbo_profile_rule_remove(*state, "other", CERBO_RULE_ALLOW,
	    "GET /a", &changed, &err));
	assert_int_equal(changed, 1);
	assert_string_equal(cerbo_profile_rule_at(p, CERBO_RULE_ALLOW, 0),
	    "GET /b/**");
	ok(cerbo_profile_rule_remove(*state, "other", CERBO_RULE_ALLOW,
	    "GET /a", &changed, &err));
	assert_int_equal(changed, 0);
}

static void
invalid_rule_is_refused(void **state)
{
	int changed = 1;

	assert_int_equal(cerbo_profile_rule_add(*state, "other",
	                     CERBO_RULE_ALLOW, "GET no-slash", &changed, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(changed, 0);
	refused(cerbo_profile_rule_add(*state, "nope", CERBO_RULE_ALLOW,
	            "GET /a", &changed, &err),
	    CERBO_E_NOTFOUND, "no profile");
}

static void
profile_in_use_cannot_be_removed_and_names_its_users(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec_of(&spec, "pk_b");
	ok(cerbo_user_add(*state, &spec, T0, &err));
	assert_int_equal(cerbo_store_profile_users(*state, "scheduling"), 2);
	assert_int_equal(cerbo_store_profile_users(*state, "other"), 0);
	refused(cerbo_profile_remove(*state, "scheduling", &err), CERBO_E_INUSE,
	    "profile scheduling is used by 2 users: pk_a, pk_b");
	assert_non_null(cerbo_store_profile_find(*state, "scheduling"));
	ok(cerbo_user_set(*state, "pk_a", CERBO_USER_PROFILE, "other", T0, NULL,
	    &err));
	ok(cerbo_user_remove(*state, "pk_b", &err));
	ok(cerbo_profile_remove(*state, "scheduling", &err));
	assert_null(cerbo_store_profile_find(*state, "scheduling"));
	refused(cerbo_profile_remove(*state, "scheduling", &err),
	    CERBO_E_NOTFOUND, "no profile");
}

static void
profile_in_use_by_many_names_some_and_counts_all(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	char name[64];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "pk_user_number_%03d", i);
		spec_of(&spec, name);
		ok(cerbo_user_add(*state, &spec, T0, &err));
	}
	refused(cerbo_profile_remove(*state, "scheduling", &err), CERBO_E_INUSE,
	    "used by 101 users: pk_a, pk_user_number_000");
	assert_non_null(strstr(err.message, ", ..."));
}

/* ---- order and scale ------------------------------------------------------
 */

static void
many_users_in_any_order_are_listed_sorted_and_found(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	char name[64];
	size_t i, n = 20000;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "pk_u%06zu", (i * 7919) % n);
		spec_of(&spec, name);
		ok(cerbo_user_add(*state, &spec, T0, &err));
	}
	for (i = 0; i < n; i += 2) {
		snprintf(name, sizeof(name), "pk_u%06zu", i);
		ok(cerbo_user_remove(*state, name, &err));
	}
	assert_int_equal(cerbo_store_user_count(*state), n / 2 + 1);
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(*state, 0)),
	    "pk_a");
	for (i = 1; i < n / 2 + 1; i++) {
		snprintf(name, sizeof(name), "pk_u%06zu", 2 * (i - 1) + 1);
		assert_string_equal(cerbo_user_name(
		                        cerbo_store_user_at(*state, i)),
		    name);
		assert_ptr_equal(cerbo_store_user_find(*state, name),
		    cerbo_store_user_at(*state, i));
	}
	snprintf(name, sizeof(name), "pk_u%06zu", (size_t)4);
	assert_null(cerbo_store_user_find(*state, name));
	ok(cerbo_store_validate(*state, &err));
}

static void
users_added_after_listing_are_merged_in_order(void **state)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	assert_non_null(cerbo_store_user_at(*state, 0));
	spec_of(&spec, "pk_0");
	ok(cerbo_user_add(*state, &spec, T0, &err));
	spec_of(&spec, "pk_z");
	ok(cerbo_user_add(*state, &spec, T0, &err));
	spec_of(&spec, "pk_b");
	ok(cerbo_user_add(*state, &spec, T0, &err));
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(*state, 0)),
	    "pk_0");
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(*state, 1)),
	    "pk_a");
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(*state, 2)),
	    "pk_b");
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(*state, 3)),
	    "pk_z");
}

/* Like every cleanup-style helper, tidying takes NULL. */
static void
tidy_of_no_store_does_nothing(void **state)
{
	(void)state;
	cerbo__store_tidy(NULL);
	assert_null(cerbo_store_user_at(NULL, 0));
}

/* ---- whole-store validation -------------------------------------------- */

static void
validate_finds_a_user_whose_profile_is_gone(void **state)
{
	struct cerbo_user *u = (struct cerbo_user *)user(state, "pk_a");
	char *saved = u->str[CERBO_USER_PROFILE];

	u->str[CERBO_USER_PROFILE] = (char *)"ghost";
	refused(cerbo_store_validate(*state, &err), CERBO_E_INVALID,
	    "user pk_a: profile ghost does not exist");
	u->str[CERBO_USER_PROFILE] = saved;
	ok(cerbo_store_validate(*state, &err));
}

static void
validate_finds_an_old_key_without_its_end(void **state)
{
	struct cerbo_user *u = (struct cerbo_user *)user(state, "pk_a");

	u->str[CERBO_USER_OLD_SECRET] = strdup(HASH_B);
	refused(cerbo_store_validate(*state, &err), CERBO_E_INVALID,
	    "old_secret needs old_secret_expires");
}

static void
validate_finds_a_bad_field(void **state)
{
	struct cerbo_user *u = (struct cerbo_user *)user(state, "pk_a");

	u->str[CERBO_USER_ALLOW_FROM] = strdup("10.0.0.1/8");
	refused(cerbo_store_validate(*state, &err), CERBO_E_INVALID,
	    "user pk_a: allow_from");
}

static void
validate_finds_generation_past_its_bound(void **state)
{
	cerbo__store_set_generation(*state, CERBO__GENERATION_MAX);
	ok(cerbo_store_validate(*state, &err));
	cerbo__store_set_generation(*state, CERBO__GENERATION_MAX + 1);
	refused(cerbo_store_validate(*state, &err), CERBO_E_INVALID,
	    "generation");
}

/* ---- fields, digests and errors --------------------------------------- */

static void
field_names_map_both_ways(void **state)
{
	int f;

	(void)state;
	for (f = 0; f < CERBO_USER_FIELD_COUNT; f++)
		assert_int_equal(cerbo__user_field_from_name(
		                     cerbo_user_field_name(
		                         (enum cerbo_user_field)f)),
		    f);
	assert_string_equal(cerbo_user_field_name(CERBO_USER_ALLOW_FROM),
	    "allow_from");
	assert_int_equal(cerbo__user_field_from_name("secret_hash"), -1);
	assert_int_equal(cerbo__user_field_from_name(NULL), -1);
	assert_null(cerbo_user_field_name(CERBO_USER_FIELD_COUNT));
}

static void
digest_hex_is_blake2b_256(void **state)
{
	char hex[65];

	(void)state;
	cerbo__digest_hex("", 0, hex);
	assert_string_equal(hex,
	    "0e5751c026e543b2e8ab2eb06099daa1"
	    "d1e5df47778f7787faab45cdf12fe3a8");
}

static void
store_digest_and_generation_are_set_internally(void **state)
{
	cerbo__store_set_digest(*state, "abc");
	assert_string_equal(cerbo_store_digest(*state), "abc");
	cerbo__store_set_generation(*state, 43);
	assert_int_equal(cerbo_store_generation(*state), 43);
}

static void
error_format_has_position_when_known(void **state)
{
	struct cerbo_error e = CERBO_ERROR_INIT;
	char buf[700];

	(void)state;
	assert_int_equal(cerbo__fail_at(&e, CERBO_E_STORE, "s.yaml", 3, 7,
	                     "bad %s", "thing"),
	    -1);
	assert_string_equal(cerbo_error_format(&e, buf, sizeof(buf)),
	    "s.yaml:3:7: bad thing");
	assert_int_equal(cerbo__fail_at(&e, CERBO_E_STORE, "s.yaml", 0, 0,
	                     "too big"),
	    -1);
	assert_string_equal(cerbo_error_format(&e, buf, sizeof(buf)),
	    "s.yaml: too big");
	assert_int_equal(cerbo__fail(&e, CERBO_E_NOTFOUND, "no user %s",
	                     "pk_x"),
	    -1);
	assert_int_equal(e.status, CERBO_E_NOTFOUND);
	assert_string_equal(cerbo_error_format(&e, buf, sizeof(buf)),
	    "no user pk_x");
	assert_int_equal(cerbo__fail(NULL, CERBO_E_IO, "x"), -1);
	cerbo__error_prefix(&e, "user %s: ", "pk_a");
	assert_string_equal(e.message, "user pk_a: no user pk_x");
}

static void
status_names_are_distinct(void **state)
{
	int a, b;

	(void)state;
	for (a = CERBO_OK; a <= CERBO_E_STATE; a++) {
		for (b = a + 1; b <= CERBO_E_STATE; b++)
			assert_string_not_equal(cerbo_status_name(
			                            (enum cerbo_status)a),
			    cerbo_status_name((enum cerbo_status)b));
	}
	assert_string_equal(cerbo_status_name(CERBO_E_TOO_NEW), "too new");
}

/* ---- one rule per field ----------------------------------------------- */

/* add, set and field_validate take a value by the same field rules: a
 * profile with a blank before it is the profile, for all three. */
static void
add_set_and_validate_trim_the_same_fields(void **state)
{
	struct cerbo_store *s = *state;
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	int changed = -1;

	spec_of(&spec, "pk_trim");
	spec.profile = " scheduling";
	spec.email = " ops@example.com ";
	ok(cerbo_user_add(s, &spec, T0, &err));
	assert_string_equal(cerbo_user_get(user(state, "pk_trim"),
	                        CERBO_USER_PROFILE),
	    "scheduling");
	assert_string_equal(cerbo_user_get(user(state, "pk_trim"),
	                        CERBO_USER_EMAIL),
	    "ops@example.com");
	ok(cerbo_user_field_validate(CERBO_USER_PROFILE, " scheduling", &err));
	ok(cerbo_user_set(s, "pk_trim", CERBO_USER_PROFILE, "other ", T0,
	    &changed, &err));
	assert_int_equal(changed, 1);
	ok(cerbo_user_set(s, "pk_trim", CERBO_USER_EXPIRES,
	    " 2099-01-01T00:00:00Z", T0, &changed, &err));
	ok(cerbo_user_field_validate(CERBO_USER_EXPIRES,
	    " 2099-01-01T00:00:00Z", &err));
	/* a hash is never trimmed, by any of them */
	refused(cerbo_user_field_validate(CERBO_USER_SECRET, " " HASH_A, &err),
	    CERBO_E_INVALID, "secret");
	spec_of(&spec, "pk_trim2");
	spec.secret_hash = " " HASH_A;
	refused(cerbo_user_add(s, &spec, T0, &err), CERBO_E_INVALID, "secret");
}

static void
field_differs_compares_canonical_values(void **state)
{
	struct cerbo_store *s = *state;
	const struct cerbo_user *u;
	int differs = -1;

	ok(cerbo_user_set(s, "pk_a", CERBO_USER_ALLOW_FROM, "192.0.2.7", T0,
	    NULL, &err));
	u = user(state, "pk_a");
	ok(cerbo_user_field_differs(u, CERBO_USER_ALLOW_FROM, "192.0.2.7",
	    &differs, &err));
	assert_int_equal(differs, 0);
	ok(cerbo_user_field_differs(u, CERBO_USER_ALLOW_FROM, "192.0.2.7/32",
	    &differs, &err));
	assert_int_equal(differs, 0);
	ok(cerbo_user_field_differs(u, CERBO_USER_ALLOW_FROM, "192.0.2.8",
	    &differs, &err));
	assert_int_equal(differs, 1);
	ok(cerbo_user_field_differs(u, CERBO_USER_DESCRIPTION,
	    "  Syncs appointments ", &differs, &err));
	assert_int_equal(differs, 0);
	ok(cerbo_user_field_differs(u, CERBO_USER_PROFILE, " scheduling",
	    &differs, &err));
	assert_int_equal(differs, 0);
	ok(cerbo_user_field_differs(u, CERBO_USER_DISABLED, " false", &differs,
	    &err));
	assert_int_equal(differs, 0);
	ok(cerbo_user_field_differs(u, CERBO_USER_EXPIRES, NULL, &differs,
	    &err));
	assert_int_equal(differs, 0);
	ok(cerbo_user_field_differs(u, CERBO_USER_ALLOW_FROM, NULL, &differs,
	    &err));
	assert_int_equal(differs, 1);
	refused(cerbo_user_field_differs(u, CERBO_USER_EMAIL, "not-an-email",
	            &differs, &err),
	    CERBO_E_INVALID, "email");
	refused(cerbo_user_field_differs(u, CERBO_USER_NICKNAME, NULL, &differs,
	            &err),
	    CERBO_E_INVALID, "nickname is required");
}

static void
profile_description_differs_trims_as_set_does(void **state)
{
	const struct cerbo_profile *p =
	    cerbo_store_profile_find(*state, "scheduling");
	int differs = -1;

	ok(cerbo_profile_description_differs(p, "  Scheduling ", &differs,
	    &err));
	assert_int_equal(differs, 0);
	ok(cerbo_profile_description_differs(p, "Other", &differs, &err));
	assert_int_equal(differs, 1);
	ok(cerbo_profile_description_differs(p, NULL, &differs, &err));
	assert_int_equal(differs, 1);
	p = cerbo_store_profile_find(*state, "other");
	ok(cerbo_profile_description_differs(p, NULL, &differs, &err));
	assert_int_equal(differs, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(new_store_is_empty_and_valid),
	    T(added_user_has_its_fields_and_times),
	    T(add_trims_spaces_around_text),
	    T(add_of_taken_username_is_exists),
	    T(add_with_unknown_profile_is_notfound_and_adds_nothing),
	    T(add_with_invalid_field_names_it_and_adds_nothing),
	    T(set_changes_value_and_bumps_updated),
	    T(set_to_same_value_changes_nothing),
	    T(user_expires_at_its_expiry_time_not_before),
	    T(set_of_invalid_value_changes_nothing),
	    T(set_of_required_field_to_null_is_refused),
	    T(set_of_secret_is_refused),
	    T(set_of_profile_must_name_an_existing_one),
	    T(set_of_unknown_user_is_notfound),
	    T(set_allow_from_is_canonical_and_unset_by_null),
	    T(set_disabled_and_expires),
	    T(set_old_key_end_needs_an_old_key),
	    T(removed_user_is_gone),
	    T(removed_name_can_be_added_again),
	    T(rotation_without_grace_drops_the_old_key),
	    T(rotation_with_grace_keeps_the_old_key_until_then),
	    T(second_rotation_during_grace_is_refused_unless_forced),
	    T(rotation_after_grace_ended_needs_no_force),
	    T(rotation_grace_is_bounded),
	    T(rotation_to_current_or_invalid_key_is_refused),
	    T(drop_old_secret_ends_grace_and_needs_one),
	    T(unsetting_old_key_end_unsets_the_old_key),
	    T(prune_drops_only_ended_grace_periods_without_touching_updated),
	    T(profiles_are_sorted_and_found),
	    T(profile_add_refuses_taken_or_invalid_names),
	    T(profile_description_changes_report_changed),
	    T(rules_are_added_once_in_order_and_removed),
	    T(invalid_rule_is_refused),
	    T(profile_in_use_cannot_be_removed_and_names_its_users),
	    T(profile_in_use_by_many_names_some_and_counts_all),
	    T(many_users_in_any_order_are_listed_sorted_and_found),
	    T(users_added_after_listing_are_merged_in_order),
	    T(tidy_of_no_store_does_nothing),
	    T(validate_finds_a_user_whose_profile_is_gone),
	    T(validate_finds_an_old_key_without_its_end),
	    T(validate_finds_a_bad_field),
	    T(validate_finds_generation_past_its_bound),
	    cmocka_unit_test(field_names_map_both_ways),
	    T(add_set_and_validate_trim_the_same_fields),
	    T(field_differs_compares_canonical_values),
	    T(profile_description_differs_trims_as_set_does),
	    cmocka_unit_test(digest_hex_is_blake2b_256),
	    T(store_digest_and_generation_are_set_internally),
	    cmocka_unit_test(error_format_has_position_when_known),
	    cmocka_unit_test(status_names_are_distinct),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
