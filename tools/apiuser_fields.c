/*
 * apiuser_fields.c - each field of a new or changed user judged on its own
 * by the library's rules and the store: for the terminal form of add, and
 * for add --check and edit --check, which a form (the Cockpit page) runs as
 * it is typed to show every problem under its own field.
 */
#include <stdio.h>
#include <string.h>

#include "apiuser.h"

int
au_field_problem(const struct cerbo_store *store, int field, const char *value,
    int want_new, char *msg, size_t len)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	msg[0] = '\0';
	if (field == AU_FIELD_USERNAME) {
		if (cerbo_username_validate(value, &err) != 0)
			goto bad;
		if (want_new && store != NULL &&
		    cerbo_store_user_find(store, value) != NULL) {
			snprintf(msg, len, "%s exists already", value);
			return -1;
		}
		if (!want_new &&
		    (store == NULL ||
		        cerbo_store_user_find(store, value) == NULL)) {
			snprintf(msg, len, "no user named %s", value);
			return -1;
		}
		return 0;
	}
	/* "never" and "any" are how the command line says "unset". */
	if (value != NULL &&
	    ((field == CERBO_USER_EXPIRES && strcmp(value, "never") == 0) ||
	        (field == CERBO_USER_ALLOW_FROM && strcmp(value, "any") == 0)))
		return 0;
	if (cerbo_user_field_validate((enum cerbo_user_field)field, value,
	        &err) != 0)
		goto bad;
	if (field == CERBO_USER_PROFILE &&
	    (store == NULL || cerbo_store_profile_find(store, value) == NULL)) {
		snprintf(msg, len, "no profile named \"%s\"", value);
		return -1;
	}
	return 0;
bad:
	snprintf(msg, len, "%s", err.message);
	return -1;
}

/* The JSON name of a field: the store's, or "username". */
static const char *
field_key(int field)
{
	if (field == AU_FIELD_USERNAME)
		return "username";
	return cerbo_user_field_name((enum cerbo_user_field)field);
}

int
au_fields_check(const struct cli_opts *o, const struct au_field_value *f,
    size_t n, int want_new)
{
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	char msg[sizeof(err.message)];
	size_t i;
	int rc = 0, valid = 1, missing = 0;

	if (cli_load(o, &store, &err) != 0) {
		/* A store that does not exist yet is empty: add creates it. */
		if (err.status != CERBO_E_NOTFOUND || !want_new)
			return cli_error(&err);
		store = NULL;
	}
	if (o->json) {
		cli_json_begin(&j, 0);
		cli_json_bool(&j, "check", 1);
		cli_json_u64(&j, "generation",
		    store != NULL ? cerbo_store_generation(store) : 0);
		cli_json_str(&j, "digest",
		    store != NULL ? cerbo_store_digest(store) : "");
		cli_json_object_begin(&j, "fields");
	}
	for (i = 0; i < n; i++) {
		if (au_field_problem(store, f[i].field, f[i].value, want_new,
		        msg, sizeof(msg)) == 0) {
			if (o->json)
				cli_json_null(&j, field_key(f[i].field));
			continue;
		}
		valid = 0;
		/* edit --check of a user that does not exist: edit itself would
		 * exit "not found", and so does its dry run. */
		if (!want_new && f[i].field == AU_FIELD_USERNAME &&
		    cerbo_username_valid(f[i].value))
			missing = 1;
		if (o->json)
			cli_json_str(&j, field_key(f[i].field), msg);
		else
			fprintf(stderr, "%s: %s\n", field_key(f[i].field), msg);
	}
	if (o->json) {
		cli_json_object_end(&j);
		cli_json_bool(&j, "valid", valid);
		if (want_new)
			au_json_facts(&j);
		rc = cli_json_end(&j);
	} else if (valid && !o->quiet) {
		printf("valid\n");
	}
	cerbo_store_free(store);
	if (rc == 0 && missing)
		rc = CLI_EXIT_NOTFOUND;
	else if (rc == 0 && !valid)
		rc = CLI_EXIT_INVALID;
	return rc;
}
