/*
 * profile_query.c - the cerbo-profile commands that only read: list and
 * show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

/* ---- list and show ------------------------------------------------------- */

/* users[i]: how many users name profile i (one pass over the users). */
static size_t *
count_users(const struct cerbo_store *store)
{
	size_t np = cerbo_store_profile_count(store);
	size_t nu = cerbo_store_user_count(store);
	size_t *users = calloc(np + 1, sizeof(*users));
	size_t i, lo, hi, mid;

	if (users == NULL)
		return NULL;
	for (i = 0; i < nu; i++) {
		const char *name = cerbo_user_get(cerbo_store_user_at(store, i),
		    CERBO_USER_PROFILE);
		int c;

		lo = 0;
		hi = np;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			c = strcmp(name,
			    cerbo_profile_name(
			        cerbo_store_profile_at(store, mid)));
			if (c == 0) {
				users[mid]++;
				break;
			}
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return users;
}

static void
json_rules(struct cli_json *j, const struct cerbo_profile *prof,
    enum cerbo_rule_kind kind)
{
	size_t i;

	cli_json_array_begin(j, cerbo_rule_kind_name(kind));
	for (i = 0; i < cerbo_profile_rule_count(prof, kind); i++)
		cli_json_str(j, NULL, cerbo_profile_rule_at(prof, kind, i));
	cli_json_array_end(j);
}

static void
json_profile(struct cli_json *j, const struct cerbo_profile *prof, size_t users)
{
	cli_json_str(j, "name", cerbo_profile_name(prof));
	cli_json_str(j, "description", cerbo_profile_description(prof));
	json_rules(j, prof, CERBO_RULE_ALLOW);
	json_rules(j, prof, CERBO_RULE_DENY);
	cli_json_u64(j, "users", (uint64_t)users);
	cli_json_bool(j, "allows_everything",
	    cerbo_profile_allows_everything(prof));
}

static const char list_help[] =
    "usage: cerbo-profile list [--json] [OPTIONS]\n"
    "\n"
    "List every profile: its name, how many users use it, how many allow and deny\nrules it has, and its description.  --json gives every rule and the store's\ngeneration and digest (for --expect-generation and --expect-digest):\n"
    "  {\"changed\": false, \"generation\": N, \"digest\": D, \"profiles\": [{\"name\",\n"
    "   \"description\", \"allow\": [...], \"deny\": [...], \"users\": N, \"allows_everything\"}]}\n"
    "\n" CLI_COMMON_HELP CLI_HELP_HELP;

int
cmd_list(int argc, char **argv)
{
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	size_t *users = NULL, i, n;
	struct pf p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = pf_parse(&p, argc, argv, NULL, list_help, 0);
	if (rc != 0)
		goto out;
	if (cli_load(&p.o, &store, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	users = count_users(store);
	if (users == NULL) {
		cli_warnx("out of memory");
		rc = CLI_EXIT_IO;
		goto out;
	}
	n = cerbo_store_profile_count(store);
	if (p.o.json) {
		cli_json_begin(&j, 0);
		cli_json_store_version(&j, store);
		cli_json_array_begin(&j, "profiles");
		for (i = 0; i < n; i++) {
			cli_json_object_begin(&j, NULL);
			json_profile(&j, cerbo_store_profile_at(store, i),
			    users[i]);
			cli_json_object_end(&j);
		}
		cli_json_array_end(&j);
		rc = cli_json_end(&j);
		goto out;
	}
	if (n == 0) {
		if (!p.o.quiet)
			printf(
			    "no profiles (add one: cerbo-profile add NAME --description TEXT --allow RULE)\n");
		goto out;
	}
	if (!p.o.quiet)
		printf("%-24s %6s %6s %5s  %s\n", "PROFILE", "USERS", "ALLOW",
		    "DENY", "DESCRIPTION");
	for (i = 0; i < n; i++) {
		const struct cerbo_profile *prof =
		    cerbo_store_profile_at(store, i);
		const char *d = cerbo_profile_description(prof);

		if (p.o.quiet) {
			printf("%s\n", cerbo_profile_name(prof));
			continue;
		}
		printf("%-24s %6zu %6zu %5zu  %s%s\n", cerbo_profile_name(prof),
		    users[i], cerbo_profile_rule_count(prof, CERBO_RULE_ALLOW),
		    cerbo_profile_rule_count(prof, CERBO_RULE_DENY),
		    d != NULL ? d : "",
		    cerbo_profile_allows_everything(prof)
		        ? " [allows every endpoint]"
		        : "");
	}
out:
	free(users);
	cerbo_store_free(store);
	pf_free(&p);
	return rc;
}

static const char show_help[] =
    "usage: cerbo-profile show NAME [--json] [OPTIONS]\n"
    "\n"
    "Show profile NAME: its description, its allow and deny rules, and how many\nusers use it (cerbo-apiuser list --profile NAME names them).  --json adds the\nstore's generation and digest:\n"
    "  {\"changed\": false, \"generation\": N, \"digest\": D, \"name\", \"description\",\n"
    "   \"allow\": [...], \"deny\": [...], \"users\": N, \"allows_everything\"}\n"
    "\n" CLI_COMMON_HELP CLI_HELP_HELP;

int
cmd_show(int argc, char **argv)
{
	struct cerbo_store *store = NULL;
	const struct cerbo_profile *prof;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	size_t users, i;
	struct pf p;
	int rc, k;

	memset(&p, 0, sizeof(p));
	rc = pf_parse(&p, argc, argv, NULL, show_help, 1);
	if (rc != 0)
		goto out;
	if (cli_load(&p.o, &store, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	prof = cerbo_store_profile_find(store, p.name);
	if (prof == NULL) {
		pf_not_found(p.name, &err);
		rc = cli_error(&err);
		goto out;
	}
	users = cerbo_store_profile_users(store, p.name);
	p.allows_everything = cerbo_profile_allows_everything(prof);
	warn_if_everything(&p);
	if (p.o.json) {
		cli_json_begin(&j, 0);
		cli_json_store_version(&j, store);
		json_profile(&j, prof, users);
		rc = cli_json_end(&j);
		goto out;
	}
	printf("profile:     %s\n", p.name);
	printf("description: %s\n",
	    cerbo_profile_description(prof) != NULL
	        ? cerbo_profile_description(prof)
	        : "(none)");
	printf("users:       %zu\n", users);
	for (k = 0; k < 2; k++) {
		enum cerbo_rule_kind kind = (enum cerbo_rule_kind)k;
		size_t n = cerbo_profile_rule_count(prof, kind);

		if (n == 0)
			printf("%-12s (none)\n",
			    kind == CERBO_RULE_ALLOW ? "allow:" : "deny:");
		else
			printf("%s:\n", cerbo_rule_kind_name(kind));
		for (i = 0; i < n; i++)
			printf("  %s\n", cerbo_profile_rule_at(prof, kind, i));
	}
out:
	cerbo_store_free(store);
	pf_free(&p);
	return rc;
}
