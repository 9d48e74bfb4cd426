/*
 * test_apply.c - cerbo_store_apply(): a desired state made true in one go,
 * all or nothing, idempotent, strict about the document.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cerbo.h"
#include "internal.h"

#define T0 ((time_t)1790000000) /* 2026-09-21T14:13:20Z */
#define T1 (T0 + 3600)
#define T2 (T0 + 7200)

/* One profile, one user with a hash, one without. */
static const char base_doc[] =
    "profiles:\n"
    "  - name: scheduling\n"
    "    description: Scheduling integration\n"
    "    allow:\n"
    "      - GET /api/v1/appointments/**\n"
    "      - POST /api/v1/appointments\n"
    "    deny: [DELETE /**]\n"
    "users:\n"
    "  - username: pk_sched\n"
    "    nickname: Scheduling sync\n"
    "    profile: scheduling\n"
    "    email: ops@example.com\n"
    "    description: Syncs appointments\n"
    "  - username: pk_crm\n"
    "    nickname: CRM sync\n"
    "    profile: scheduling\n"
    "    email: crm@example.com\n"
    "    description: Pushes contacts\n"
    "    disabled: true\n"
    "    expires: 2027-01-01T00:00:00Z\n"
    "    allow_from: [192.0.2.0/24, \"2001:db8::/32\"]\n";

static int
apply(struct cerbo_store *store, const char *doc, time_t now,
    struct cerbo_apply_result **res, struct cerbo_error *err)
{
	return cerbo_store_apply(store, doc, strlen(doc), "doc.yaml", now, res,
	    err);
}

static struct cerbo_store *
applied(const char *doc, time_t now)
{
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_non_null(store);
	if (apply(store, doc, now, &res, &err) != 0)
		fail_msg("apply: %s:%lu:%lu: %s", err.file, err.line,
		    err.column, err.message);
	cerbo_apply_result_free(res);
	return store;
}

/* The store's text as a string (the emitted bytes carry no NUL). */
static char *
emitted(const struct cerbo_store *store)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *buf = NULL, *text;
	size_t len;

	assert_int_equal(cerbo_store_emit(store, &buf, &len, &err), 0);
	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, buf, len);
	text[len] = '\0';
	free(buf);
	return text;
}

static const char *
field(const struct cerbo_store *store, const char *user,
    enum cerbo_user_field f)
{
	const struct cerbo_user *u = cerbo_store_user_find(store, user);

	assert_non_null(u);
	return cerbo_user_get(u, f);
}

static int
has_line(const struct cerbo_apply_result *res, const char *line)
{
	size_t i;

	for (i = 0; i < cerbo_apply_result_change_count(res); i++) {
		if (strcmp(cerbo_apply_result_change_at(res, i), line) == 0)
			return 1;
	}
	return 0;
}

static char *
hash_new_key(char key[CERBO_SECRET_GENERATED_SIZE])
{
	static char hash[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(cerbo_secret_generate(key,
	                     CERBO_SECRET_GENERATED_SIZE),
	    0);
	assert_int_equal(cerbo_secret_hash(key, strlen(key), hash, sizeof(hash),
	                     &err),
	    0);
	return hash;
}

/* ---- creating ------------------------------------------------------------ */

static void
creates_profiles_and_users(void **state)
{
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_apply_result *res = NULL;
	const struct cerbo_profile *p;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(apply(store, base_doc, T0, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_changed(res), 1);
	assert_int_equal(cerbo_apply_result_count(res, CERBO_APPLY_ADDED), 3);
	assert_int_equal(cerbo_apply_result_change_count(res), 3);
	assert_string_equal(cerbo_apply_result_change_at(res, 0),
	    "+ profile scheduling");
	assert_string_equal(cerbo_apply_result_change_at(res, 1),
	    "+ user pk_crm");
	assert_string_equal(cerbo_apply_result_change_at(res, 2),
	    "+ user pk_sched");
	p = cerbo_store_profile_find(store, "scheduling");
	assert_non_null(p);
	assert_string_equal(cerbo_profile_description(p),
	    "Scheduling integration");
	assert_int_equal(cerbo_profile_rule_count(p, CERBO_RULE_ALLOW), 2);
	assert_string_equal(cerbo_profile_rule_at(p, CERBO_RULE_DENY, 0),
	    "DELETE /**");
	assert_string_equal(field(store, "pk_sched", CERBO_USER_EMAIL),
	    "ops@example.com");
	assert_string_equal(field(store, "pk_crm", CERBO_USER_DISABLED),
	    "true");
	assert_string_equal(field(store, "pk_crm", CERBO_USER_EXPIRES),
	    "2027-01-01T00:00:00Z");
	assert_string_equal(field(store, "pk_crm", CERBO_USER_ALLOW_FROM),
	    "192.0.2.0/24,2001:db8::/32");
	assert_string_equal(field(store, "pk_crm", CERBO_USER_CREATED),
	    "2026-09-21T14:13:20Z");
	assert_int_equal(cerbo_store_validate(store, &err), 0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
new_users_without_hash_get_keys_returned_once(void **state)
{
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *key;

	(void)state;
	assert_int_equal(apply(store, base_doc, T0, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_secret_count(res), 2);
	assert_string_equal(cerbo_apply_result_secret_user(res, 0), "pk_crm");
	assert_string_equal(cerbo_apply_result_secret_user(res, 1), "pk_sched");
	key = cerbo_apply_result_secret_at(res, 1);
	assert_int_equal(cerbo_secret_is_generated(key, strlen(key)), 1);
	assert_int_equal(cerbo_secret_check(field(store, "pk_sched",
	                                        CERBO_USER_SECRET),
	                     key, strlen(key)),
	    0);
	assert_int_equal(cerbo_secret_check(field(store, "pk_crm",
	                                        CERBO_USER_SECRET),
	                     key, strlen(key)),
	    -1);
	assert_null(cerbo_apply_result_secret_at(res, 2));
	cerbo_apply_result_free(res);
	res = NULL;
	assert_int_equal(apply(store, base_doc, T1, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_secret_count(res), 0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
new_user_with_secret_hash_keeps_that_hash(void **state)
{
	char key[CERBO_SECRET_GENERATED_SIZE], doc[1024];
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *hash = hash_new_key(key);

	(void)state;
	snprintf(doc, sizeof(doc),
	    "profiles: [{name: p}]\n"
	    "users:\n- {username: pk_a, nickname: A, profile: p, "
	    "email: a@example.com, description: D, secret_hash: '%s'}\n",
	    hash);
	assert_int_equal(apply(store, doc, T0, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_secret_count(res), 0);
	assert_string_equal(field(store, "pk_a", CERBO_USER_SECRET), hash);
	assert_int_equal(cerbo_secret_check(field(store, "pk_a",
	                                        CERBO_USER_SECRET),
	                     key, strlen(key)),
	    0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

/* ---- idempotence and updates --------------------------------------------- */

static void
second_apply_of_the_same_document_changes_nothing(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *before = emitted(store), *after;

	(void)state;
	assert_int_equal(apply(store, base_doc, T1, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_changed(res), 0);
	assert_int_equal(cerbo_apply_result_change_count(res), 0);
	assert_int_equal(cerbo_apply_result_count(res, CERBO_APPLY_UPDATED), 0);
	assert_string_equal(field(store, "pk_crm", CERBO_USER_UPDATED),
	    "2026-09-21T14:13:20Z");
	after = emitted(store);
	assert_string_equal(after, before);
	free(before);
	free(after);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
changed_field_is_reported_old_to_new_and_bumps_updated(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc = "users:\n"
	                  "  - username: pk_sched\n"
	                  "    nickname: Scheduling sync v2\n"
	                  "    profile: scheduling\n"
	                  "    email: ops2@example.com\n"
	                  "    description: Syncs appointments\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_change_count(res), 2);
	assert_true(has_line(res,
	    "~ user pk_sched: nickname "
	    "\"Scheduling sync\" -> \"Scheduling sync v2\""));
	assert_true(has_line(res,
	    "~ user pk_sched: email ops@example.com "
	    "-> ops2@example.com"));
	assert_int_equal(cerbo_apply_result_count(res, CERBO_APPLY_UPDATED), 1);
	assert_string_equal(field(store, "pk_sched", CERBO_USER_UPDATED),
	    "2026-09-21T15:13:20Z");
	assert_string_equal(field(store, "pk_sched", CERBO_USER_CREATED),
	    "2026-09-21T14:13:20Z");
	/* a user the document does not name is left alone */
	assert_non_null(cerbo_store_user_find(store, "pk_crm"));
	assert_string_equal(field(store, "pk_crm", CERBO_USER_UPDATED),
	    "2026-09-21T14:13:20Z");
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
omitted_optional_fields_are_unset(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc = "users:\n"
	                  "  - username: pk_crm\n"
	                  "    nickname: CRM sync\n"
	                  "    profile: scheduling\n"
	                  "    email: crm@example.com\n"
	                  "    description: Pushes contacts\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), 0);
	assert_string_equal(field(store, "pk_crm", CERBO_USER_DISABLED),
	    "false");
	assert_null(field(store, "pk_crm", CERBO_USER_EXPIRES));
	assert_null(field(store, "pk_crm", CERBO_USER_ALLOW_FROM));
	assert_true(has_line(res, "~ user pk_crm: disabled true -> false"));
	assert_true(has_line(res,
	    "~ user pk_crm: expires "
	    "2027-01-01T00:00:00Z -> (unset)"));
	assert_true(has_line(res,
	    "~ user pk_crm: allow_from "
	    "192.0.2.0/24,2001:db8::/32 -> (unset)"));
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
changed_secret_hash_says_secret_changed_and_never_the_hash(void **state)
{
	char key[CERBO_SECRET_GENERATED_SIZE], doc[1024];
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *hash = hash_new_key(key);
	size_t i;

	(void)state;
	snprintf(doc, sizeof(doc),
	    "users:\n- {username: pk_sched, "
	    "nickname: Scheduling sync, profile: scheduling, "
	    "email: ops@example.com, description: Syncs appointments, "
	    "secret_hash: '%s'}\n",
	    hash);
	assert_int_equal(apply(store, doc, T1, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_change_count(res), 1);
	assert_string_equal(cerbo_apply_result_change_at(res, 0),
	    "~ user pk_sched: secret changed");
	/* the record a front end reads: field secret, never a value */
	assert_int_equal(cerbo_changes_count(cerbo_apply_result_changes(res)),
	    1);
	assert_string_equal(cerbo_change_field(cerbo_apply_result_changes(res),
	                        0),
	    "secret");
	assert_null(cerbo_change_old(cerbo_apply_result_changes(res), 0));
	assert_null(cerbo_change_new(cerbo_apply_result_changes(res), 0));
	for (i = 0; i < cerbo_apply_result_change_count(res); i++)
		assert_null(strchr(cerbo_apply_result_change_at(res, i), '$'));
	assert_int_equal(cerbo_secret_check(field(store, "pk_sched",
	                                        CERBO_USER_SECRET),
	                     key, strlen(key)),
	    0);
	cerbo_apply_result_free(res);
	res = NULL;
	assert_int_equal(apply(store, doc, T2, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_changed(res), 0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
profile_rules_are_replaced_by_the_declared_lists(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	const struct cerbo_profile *p;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc =
	    "profiles:\n"
	    "  - name: scheduling\n"
	    "    description: Scheduling integration\n"
	    "    allow: [POST /api/v1/appointments, GET /api/v1/slots]\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_change_count(res), 3);
	assert_true(has_line(res,
	    "~ profile scheduling: - allow "
	    "GET /api/v1/appointments/**"));
	assert_true(has_line(res, "~ profile scheduling: - deny DELETE /**"));
	assert_true(has_line(res,
	    "~ profile scheduling: + allow "
	    "GET /api/v1/slots"));
	p = cerbo_store_profile_find(store, "scheduling");
	assert_int_equal(cerbo_profile_rule_count(p, CERBO_RULE_ALLOW), 2);
	assert_int_equal(cerbo_profile_rule_count(p, CERBO_RULE_DENY), 0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
rule_order_alone_is_no_change(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc = "profiles:\n"
	                  "  - name: scheduling\n"
	                  "    description: Scheduling integration\n"
	                  "    allow: [POST /api/v1/appointments, "
	                  "GET /api/v1/appointments/**]\n"
	                  "    deny: [DELETE /**]\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_changed(res), 0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

/* ---- removing ------------------------------------------------------------ */

static void
absent_user_is_removed_and_absent_again_is_no_change(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc = "users: [{username: pk_crm, state: absent}]\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), 0);
	assert_null(cerbo_store_user_find(store, "pk_crm"));
	assert_string_equal(cerbo_apply_result_change_at(res, 0),
	    "- user pk_crm");
	assert_int_equal(cerbo_apply_result_count(res, CERBO_APPLY_REMOVED), 1);
	cerbo_apply_result_free(res);
	res = NULL;
	assert_int_equal(apply(store, doc, T2, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_changed(res), 0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
profile_is_removed_after_its_users_move_in_the_same_document(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc = "profiles:\n"
	                  "  - name: scheduling\n"
	                  "    state: absent\n"
	                  "  - name: booking\n"
	                  "    allow: [GET /api/v1/appointments/**]\n"
	                  "users:\n"
	                  "  - username: pk_sched\n"
	                  "    nickname: Scheduling sync\n"
	                  "    profile: booking\n"
	                  "    email: ops@example.com\n"
	                  "    description: Syncs appointments\n"
	                  "  - username: pk_crm\n"
	                  "    state: absent\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), 0);
	assert_null(cerbo_store_profile_find(store, "scheduling"));
	assert_string_equal(field(store, "pk_sched", CERBO_USER_PROFILE),
	    "booking");
	assert_int_equal(cerbo_apply_result_change_count(res), 4);
	assert_string_equal(cerbo_apply_result_change_at(res, 0),
	    "+ profile booking");
	assert_string_equal(cerbo_apply_result_change_at(res, 1),
	    "- user pk_crm");
	assert_string_equal(cerbo_apply_result_change_at(res, 2),
	    "~ user pk_sched: profile scheduling -> booking");
	assert_string_equal(cerbo_apply_result_change_at(res, 3),
	    "- profile scheduling");
	assert_int_equal(cerbo_store_validate(store, &err), 0);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
absent_profile_still_used_is_refused_naming_users(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *before = emitted(store), *after;
	const char *doc = "profiles:\n"
	                  "  - name: other\n"
	                  "  - name: scheduling\n"
	                  "    state: absent\n"
	                  "users: [{username: pk_crm, state: absent}]\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), -1);
	assert_null(res);
	assert_int_equal(err.status, CERBO_E_INUSE);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 11);
	assert_non_null(strstr(err.message, "pk_sched"));
	assert_null(strstr(err.message, "pk_crm"));
	after = emitted(store);
	assert_string_equal(after, before);
	assert_null(cerbo_store_profile_find(store, "other"));
	free(before);
	free(after);
	cerbo_store_free(store);
}

/* ---- all or nothing ------------------------------------------------------ */

static void
bad_entry_leaves_the_store_unchanged(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *before = emitted(store), *after;
	const char *doc =
	    "profiles: [{name: fresh}]\n"
	    "users:\n"
	    "  - {username: pk_new, nickname: New, profile: fresh,"
	    " email: n@example.com, description: D}\n"
	    "  - {username: pk_crm, state: absent}\n"
	    "  - username: pk_sched\n"
	    "    nickname: Scheduling sync\n"
	    "    profile: scheduling\n"
	    "    email: not-an-address\n"
	    "    description: Syncs appointments\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, &res, &err), -1);
	assert_null(res);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_string_equal(err.file, "doc.yaml");
	assert_int_equal(err.line, 8);
	assert_int_equal(err.column, 12);
	assert_non_null(strstr(err.message, "email"));
	after = emitted(store);
	assert_string_equal(after, before);
	assert_null(cerbo_store_user_find(store, "pk_new"));
	assert_null(cerbo_store_profile_find(store, "fresh"));
	free(before);
	free(after);
	cerbo_store_free(store);
}

static void
bad_rule_leaves_the_store_unchanged(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *before = emitted(store), *after;
	const char *doc = "profiles:\n"
	                  "  - name: scheduling\n"
	                  "    allow: [GET /ok, get /lower]\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, NULL, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 22);
	after = emitted(store);
	assert_string_equal(after, before);
	free(before);
	free(after);
	cerbo_store_free(store);
}

static void
user_naming_an_unknown_profile_is_not_found(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc =
	    "users:\n- {username: pk_x, nickname: X, "
	    "profile: nosuch, email: x@example.com, description: D}\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, NULL, &err), -1);
	assert_int_equal(err.status, CERBO_E_NOTFOUND);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 42);
	assert_null(cerbo_store_user_find(store, "pk_x"));
	cerbo_store_free(store);
}

static void
user_naming_a_profile_declared_absent_is_refused(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc =
	    "profiles: [{name: scheduling, state: absent}]\n"
	    "users:\n- {username: pk_x, nickname: X, "
	    "profile: scheduling, email: x@example.com, description: D}\n";

	(void)state;
	assert_int_equal(apply(store, doc, T1, NULL, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "absent"));
	assert_non_null(cerbo_store_profile_find(store, "scheduling"));
	cerbo_store_free(store);
}

/* ---- strictness ---------------------------------------------------------- */

struct bad_doc {
	const char *doc;
	enum cerbo_status status;
	unsigned long line;
	unsigned long column;
	const char *says;
};

#define USER                                                                   \
	"{username: pk_a, nickname: A, profile: p, email: a@example.com, "     \
	"description: D"

static const struct bad_doc bad_docs[] = {
    {"profiles: []\nusers: []\nextra: 1\n", CERBO_E_INVALID, 3, 1,
        "unknown key \"extra\""},
    {"users:\n- {username: pk_a, nickname: A, nickname: B}\n", CERBO_E_INVALID,
        2, 33, "duplicate key \"nickname\""},
    {"users: []\nusers: []\n", CERBO_E_INVALID, 2, 1,
        "duplicate key \"users\""},
    {"users:\n- {username: pk_a, colour: blue}\n", CERBO_E_INVALID, 2, 20,
        "unknown key \"colour\""},
    {"profiles: [{name: p, allow: GET /x}]\n", CERBO_E_INVALID, 1, 29,
        "allow must be a list"},
    {"users: {pk_a: {}}\n", CERBO_E_INVALID, 1, 8, "users must be a list"},
    {"users: [pk_a]\n", CERBO_E_INVALID, 1, 9, "must be a mapping"},
    {"profiles: [&p {name: p}]\n", CERBO_E_INVALID, 1, 12, "anchors"},
    {"profiles: [{name: &n p}, {name: *n}]\n", CERBO_E_INVALID, 1, 19,
        "anchors"},
    {"profiles: [{name: p, description: *x}]\n", CERBO_E_INVALID, 1, 35,
        "aliases"},
    {"profiles: [{name: !!str p}]\n", CERBO_E_INVALID, 1, 19, "tags"},
    {"profiles: [{name: p}]\nusers: [" USER ", disabled: \"true\"}]\n",
        CERBO_E_INVALID, 2, 99, "true or false"},
    {"profiles: [{name: p}]\nusers: [" USER ", disabled: yes}]\n",
        CERBO_E_INVALID, 2, 99, "true or false"},
    {"profiles: [{name: p}]\nusers: [{username: pk_a, nickname: 42, "
     "profile: p, email: a@example.com, description: D}]\n",
        CERBO_E_INVALID, 2, 36, "put it in quotes"},
    {"profiles: [{name: p}]\nusers: [" USER ", expires: null}]\n",
        CERBO_E_INVALID, 2, 98, "not null"},
    {"profiles: [{name: p}]\nusers: [" USER ", allow_from: []}]\n",
        CERBO_E_INVALID, 2, 101, "must not be empty"},
    {"profiles: [{name: p}]\nusers: [" USER ", allow_from: 10.0.0.0/8}]\n",
        CERBO_E_INVALID, 2, 101, "list of networks"},
    {"profiles: [{name: p}]\nusers: [" USER ", allow_from: [\"\", "
     "10.0.0.0/8]}]\n",
        CERBO_E_INVALID, 2, 102, "allow_from has an empty entry"},
    {"profiles: [{name: p}]\nusers: [" USER ", state: gone}]\n",
        CERBO_E_INVALID, 2, 96, "present or absent"},
    {"users: [{username: pk_a, state: absent, email: a@example.com}]\n",
        CERBO_E_INVALID, 1, 48, "no meaning with state absent"},
    {"profiles: [{name: p}]\nusers: [{username: pk_a, nickname: A}]\n",
        CERBO_E_INVALID, 2, 9, "profile is required"},
    {"users: [{nickname: A}]\n", CERBO_E_INVALID, 1, 9, "needs a username"},
    {"profiles: [{name: p}]\nusers: [{username: a, nickname: A, "
     "profile: p, email: a@example.com, description: D}]\n",
        CERBO_E_INVALID, 2, 20, "pk_"},
    {"profiles: [{name: p}, {name: q}, {name: p}]\n", CERBO_E_INVALID, 1, 41,
        "declared twice (first at line 1)"},
    {"profiles: [{name: p}]\nusers:\n- " USER "}\n- " USER "}\n",
        CERBO_E_INVALID, 4, 14, "declared twice (first at line 3)"},
    {"profiles: [{name: Bad}]\n", CERBO_E_INVALID, 1, 19, "lower-case"},
    {"profiles: [{name: p, allow: [GET /x, GET /x]}]\n", CERBO_E_INVALID, 1, 38,
        "listed twice"},
    {"profiles: [{name: p}]\nusers: [" USER ", secret_hash: x}]\n",
        CERBO_E_INVALID, 2, 102, "hash string"},
    {"- a\n- b\n", CERBO_E_INVALID, 1, 1, "must be a mapping"},
    {"", CERBO_E_INVALID, 1, 1, "empty"},
    {"users: []\n---\nusers: []\n", CERBO_E_INVALID, 2, 1, "only one document"},
    {"\xef\xbb\xbfusers: []\n", CERBO_E_INVALID, 1, 1, "byte order mark"},
    {"users: [\xff]\n", CERBO_E_INVALID, 1, 9, "UTF-8"},
    {"users: [\n", CERBO_E_INVALID, 2, 1, ""},
    {"cerbo_apply: 2\nusers: []\n", CERBO_E_TOO_NEW, 1, 14, "newer"},
    {"cerbo_apply: one\n", CERBO_E_INVALID, 1, 14, "cerbo_apply must be"},
};

static void
strict_reading_refuses_with_line_and_column(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		const struct bad_doc *b = &bad_docs[i];
		struct cerbo_store *store = applied(base_doc, T0);
		struct cerbo_apply_result *res = NULL;
		struct cerbo_error err = CERBO_ERROR_INIT;
		char *before = emitted(store), *after;
		int rc;

		rc = apply(store, b->doc, T1, &res, &err);
		if (rc != -1 || err.status != b->status ||
		    err.line != b->line || err.column != b->column ||
		    strstr(err.message, b->says) == NULL)
			fail_msg("case %zu (%s): rc %d, %s %lu:%lu: %s", i,
			    b->doc, rc, cerbo_status_name(err.status), err.line,
			    err.column, err.message);
		assert_null(res);
		after = emitted(store);
		assert_string_equal(after, before);
		free(before);
		free(after);
		cerbo_store_free(store);
	}
}

static void
nul_byte_in_the_document_is_refused(void **state)
{
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_error err = CERBO_ERROR_INIT;
	static const char doc[] = "users: []\n\0\n";

	(void)state;
	assert_int_equal(cerbo_store_apply(store, doc, sizeof(doc) - 1, NULL,
	                     T0, NULL, &err),
	    -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 1);
	assert_string_equal(err.file, "document");
	cerbo_store_free(store);
}

/* ---- JSON and other shapes ----------------------------------------------- */

static void
json_document_is_read(void **state)
{
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc =
	    "{\"cerbo_apply\": 1,\n"
	    " \"profiles\": [{\"name\": \"p\", \"state\": \"present\","
	    " \"description\": \"P\", \"allow\": [\"GET /x/**\"],"
	    " \"deny\": []}],\n"
	    " \"users\": [{\"username\": \"pk_j\", \"nickname\": \"J\","
	    " \"profile\": \"p\", \"email\": \"j@example.com\","
	    " \"description\": \"From JSON\", \"disabled\": false,"
	    " \"expires\": \"2030-01-01T00:00:00Z\","
	    " \"allow_from\": [\"10.0.0.0/8\"]}]}\n";

	(void)state;
	if (apply(store, doc, T0, &res, &err) != 0)
		fail_msg("%lu:%lu: %s", err.line, err.column, err.message);
	assert_string_equal(field(store, "pk_j", CERBO_USER_EXPIRES),
	    "2030-01-01T00:00:00Z");
	assert_string_equal(field(store, "pk_j", CERBO_USER_ALLOW_FROM),
	    "10.0.0.0/8");
	assert_int_equal(cerbo_apply_result_secret_count(res), 1);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

static void
json_error_has_line_and_column(void **state)
{
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *doc = "{\"users\": [{\"username\": \"pk_j\",\n"
	                  "  \"disabled\": \"no\"}]}\n";

	(void)state;
	assert_int_equal(apply(store, doc, T0, NULL, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 15);
	cerbo_store_free(store);
}

static void
empty_mapping_changes_nothing(void **state)
{
	struct cerbo_store *store = applied(base_doc, T0);
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;

	(void)state;
	assert_int_equal(apply(store, "{}\n", T1, &res, &err), 0);
	assert_int_equal(cerbo_apply_result_changed(res), 0);
	assert_int_equal(cerbo_store_user_count(store), 2);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

/* ---- size ---------------------------------------------------------------- */

static void
twenty_thousand_new_users_apply_in_one_go(void **state)
{
	struct cerbo_store *store = cerbo__store_new();
	struct cerbo_apply_result *res = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t n = 20000, i, cap = n * 160 + 64, len;
	char *doc = malloc(cap);
	struct timespec a, b;
	double secs;

	(void)state;
	assert_non_null(doc);
	len = (size_t)snprintf(doc, cap, "profiles: [{name: p}]\nusers:\n");
	/* descending names: the worst order for a sorted insert */
	for (i = n; i > 0; i--)
		len += (size_t)snprintf(doc + len, cap - len,
		    "- {username: pk_u%06zu, nickname: U, profile: p, "
		    "email: u@example.com, description: D}\n",
		    i);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(cerbo_store_apply(store, doc, len, NULL, T0, &res,
	                     &err),
	    0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	assert_int_equal(cerbo_store_user_count(store), n);
	assert_int_equal(cerbo_apply_result_secret_count(res), n);
	assert_string_equal(cerbo_user_name(cerbo_store_user_at(store, 0)),
	    "pk_u000001");
	assert_true(secs < 10.0);
	free(doc);
	cerbo_apply_result_free(res);
	cerbo_store_free(store);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(creates_profiles_and_users),
	    cmocka_unit_test(new_users_without_hash_get_keys_returned_once),
	    cmocka_unit_test(new_user_with_secret_hash_keeps_that_hash),
	    cmocka_unit_test(second_apply_of_the_same_document_changes_nothing),
	    cmocka_unit_test(
	        changed_field_is_reported_old_to_new_and_bumps_updated),
	    cmocka_unit_test(omitted_optional_fields_are_unset),
	    cmocka_unit_test(
	        changed_secret_hash_says_secret_changed_and_never_the_hash),
	    cmocka_unit_test(profile_rules_are_replaced_by_the_declared_lists),
	    cmocka_unit_test(rule_order_alone_is_no_change),
	    cmocka_unit_test(
	        absent_user_is_removed_and_absent_again_is_no_change),
	    cmocka_unit_test(
	        profile_is_removed_after_its_users_move_in_the_same_document),
	    cmocka_unit_test(absent_profile_still_used_is_refused_naming_users),
	    cmocka_unit_test(bad_entry_leaves_the_store_unchanged),
	    cmocka_unit_test(bad_rule_leaves_the_store_unchanged),
	    cmocka_unit_test(user_naming_an_unknown_profile_is_not_found),
	    cmocka_unit_test(user_naming_a_profile_declared_absent_is_refused),
	    cmocka_unit_test(strict_reading_refuses_with_line_and_column),
	    cmocka_unit_test(nul_byte_in_the_document_is_refused),
	    cmocka_unit_test(json_document_is_read),
	    cmocka_unit_test(json_error_has_line_and_column),
	    cmocka_unit_test(empty_mapping_changes_nothing),
	    cmocka_unit_test(twenty_thousand_new_users_apply_in_one_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
