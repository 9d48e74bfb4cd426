/*
 * cerbo-profile - manage the permission profiles of a pam_cerbo store.
 *
 * A profile is a named list of "METHOD PATH" allow rules and deny rules
 * (deny wins; no matching allow rule is a refusal).  Thin, like
 * cerbo-apiuser: rules are validated, stored and written by libcerbo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static const char usage_text[] =
    "usage: cerbo-profile COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Manage the permission profiles of a pam_cerbo store (default " CERBO_STORE_DEFAULT
    ",\nor $CERBO_STORE, or --store PATH on any command).\n"
    "\n"
    "Commands:\n"
    "  add NAME     create a profile with a description and allow/deny rules\n"
    "  list         list profiles, their rule and user counts\n"
    "  show NAME    show a profile's rules and how many users it has\n"
    "  edit NAME    change the description, add or remove rules\n"
    "  delete NAME  delete a profile no user uses any more\n"
    "  exit-codes   list the exit codes below, by number and name (--json)\n"
    "\n"
    "A rule is \"METHOD PATH\": an upper-case HTTP method or *, and a path where *\n"
    "matches one segment and ** any number (GET /api/v1/appointments/**).  Deny\nrules win over allow rules; a request no allow rule matches is refused.\n"
    "\n"
    "Run 'cerbo-profile COMMAND --help' for a command's options.\n"
    "\n"
    "Exit status: 0 ok; 2 usage error; 3 invalid input; 4 not found;\n"
    "5 already exists; 6 lock timeout; 7 store invalid or format too new;\n"
    "8 unsafe store permissions; 9 I/O error or out of memory; 10 conflict\n"
    "(--expect-generation or --expect-digest); 11 not possible in the current\nstate (deleting a profile that users still use).\n";

static const char *const list_option[NLISTS] = {
    "--allow",
    "--deny",
    "--remove-allow",
    "--remove-deny",
};

void
pf_free(struct pf *p)
{
	int k;

	for (k = 0; k < NLISTS; k++)
		free(p->rules[k]);
	cerbo_changes_free(p->changes);
}

/* ---- options ------------------------------------------------------------- */

/* One option of a command's own (cli_getopt's callback). */
static int
parse_opt(void *ctx, int c, const char *arg)
{
	struct pf *p = ctx;
	int k;

	switch (c) {
	case PF_OPT_DESCRIPTION:
		if (p->description != NULL)
			return cli_usage_error(p->cmd,
			    "--description given twice");
		p->description = arg;
		break;
	case PF_OPT_ALLOW:
	case PF_OPT_DENY:
	case PF_OPT_REMOVE_ALLOW:
	case PF_OPT_REMOVE_DENY:
		k = c - PF_OPT_ALLOW;
		p->rules[k][p->nrules[k]++] = arg;
		break;
	case PF_OPT_IF_MISSING:
		p->if_missing = 1;
		break;
	case PF_OPT_IF_EXISTS:
		p->if_exists = 1;
		break;
	default:
		return cli_usage_error(p->cmd, "unknown option");
	}
	return 0;
}

/*
 * Parse argv (argv[0] is the command) with the common options and the
 * command's own; exactly one operand, NAME, unless want_name is 0.
 * Returns 0 to go on, -1 when --help was printed, or an exit code.
 */
int
pf_parse(struct pf *p, int argc, char **argv, const struct option *longopts,
    const char *help, int want_name)
{
	int r, k;

	p->cmd = argv[0];
	cli_opts_init(&p->o);
	p->changes = cerbo_changes_new();
	if (p->changes == NULL) {
		cli_warnx("out of memory");
		return CLI_EXIT_IO;
	}
	for (k = 0; k < NLISTS; k++) {
		p->rules[k] = calloc((size_t)argc, sizeof(*p->rules[k]));
		if (p->rules[k] == NULL) {
			cli_warnx("out of memory");
			return CLI_EXIT_IO;
		}
	}
	r = cli_getopt(argc, argv, longopts, &p->o, parse_opt, p, help);
	if (r != 0)
		return r;
	if (!want_name) {
		if (optind < argc)
			return cli_usage_error(p->cmd,
			    "unexpected argument: %s", argv[optind]);
		return 0;
	}
	if (optind >= argc)
		return cli_usage_error(p->cmd, "which profile? (a name)");
	if (optind + 1 < argc)
		return cli_usage_error(p->cmd,
		    "unexpected argument: %s (a rule with spaces needs quotes: --allow 'GET /x')",
		    argv[optind + 1]);
	p->name = argv[optind];
	return 0;
}

/*
 * Every rule given is valid: checked before the store is locked, so a
 * typo costs nothing.  0 or an exit code (printed).
 */
static int
check_rules(const struct pf *p)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;
	int k;

	for (k = 0; k < NLISTS; k++) {
		for (i = 0; i < p->nrules[k]; i++) {
			err = (struct cerbo_error)CERBO_ERROR_INIT;
			if (cerbo_rule_validate(p->rules[k][i], &err) == 0)
				continue;
			cli_warnx("%s: %s '%s': %s", p->cmd, list_option[k],
			    p->rules[k][i], err.message);
			return CLI_EXIT_INVALID;
		}
	}
	return 0;
}

/* ---- what changed -------------------------------------------------------- */

/* Record one change of profile p->name (cerbo_changes_add()). */
static int
note(struct pf *p, enum cerbo_change_op op, const char *field,
    const char *old_value, const char *new_value, struct cerbo_error *err)
{
	return cerbo_changes_add(p->changes, op, CERBO_OBJECT_PROFILE, p->name,
	    field, old_value, new_value, err);
}

void
warn_if_everything(const struct pf *p)
{
	if (p->allows_everything)
		cli_warnx(
		    "warning: profile %s allows every endpoint (an allow rule matches every method and path); grant the narrowest rules that still work",
		    p->name);
}

/* The library's warning about each deny rule given, on stderr. */
static void
warn_rules(const struct pf *p)
{
	const char *w;
	size_t i;

	for (i = 0; i < p->nrules[ADD_DENY]; i++) {
		w = cerbo_rule_warning(CERBO_RULE_DENY, p->rules[ADD_DENY][i]);
		if (w != NULL)
			cli_warnx("warning: profile %s: deny rule \"%s\": %s",
			    p->name, p->rules[ADD_DENY][i], w);
	}
}

/* The change lines and the state after it, as --json. */
static int
print_change_json(const struct pf *p, const struct cli_change *c)
{
	struct cli_json j;
	const char *w;
	size_t i;
	int rc;

	cli_json_begin(&j, c->changed);
	cli_json_str(&j, "name", p->name);
	cli_json_changes(&j, p->changes);
	cli_json_bool(&j, "allows_everything", p->allows_everything);
	cli_json_array_begin(&j, "warnings");
	for (i = 0; i < p->nrules[ADD_DENY]; i++) {
		w = cerbo_rule_warning(CERBO_RULE_DENY, p->rules[ADD_DENY][i]);
		if (w != NULL)
			cli_json_str(&j, NULL, w);
	}
	cli_json_array_end(&j);
	cli_json_u64(&j, "generation", c->generation);
	rc = cli_json_end(&j);
	return rc;
}

static int
print_change(const struct pf *p, const struct cli_change *c)
{

	if (p->o.json)
		return print_change_json(p, c);
	if (!c->changed) {
		printf("unchanged\n");
		return CLI_EXIT_OK;
	}
	if (!p->o.quiet)
		cli_print_changes(p->changes);
	return CLI_EXIT_OK;
}

/*
 * Add or edit: check the rules given, run the change c and report it, with
 * a warning when the profile then allows every endpoint.  An exit code.
 */
static int
run_change(const struct pf *p, struct cli_change *c)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int rc;

	rc = check_rules(p);
	if (rc != 0)
		return rc;
	if (cli_change_run(&p->o, c, &err) != 0)
		return cli_error(&err);
	warn_if_everything(p);
	warn_rules(p);
	return print_change(p, c);
}

static void
set_what(const struct pf *p, struct cli_change *c, const char *verb)
{
	size_t i, len;
	int n;

	n = snprintf(c->what, sizeof(c->what), "%s profile %s", verb, p->name);
	len = n < 0 ? 0 : (size_t)n;
	if (strcmp(verb, "edited") != 0)
		return;
	for (i = 0;
	     i < cerbo_changes_count(p->changes) && len < sizeof(c->what);
	     i++) {
		const char *d = cerbo_change_detail(p->changes, i);

		n = snprintf(c->what + len, sizeof(c->what) - len, "%s %s",
		    i == 0 ? ":" : ";", d != NULL ? d : "");
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int
pf_not_found(const char *name, struct cerbo_error *err)
{
	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	if (cerbo_user_field_validate(CERBO_USER_PROFILE, name, err) != 0)
		return -1;
	err->status = CERBO_E_NOTFOUND;
	snprintf(err->message, sizeof(err->message), "no profile %s", name);
	return -1;
}

/* ---- add ----------------------------------------------------------------- */

static const char add_help[] =
    "usage: cerbo-profile add NAME --description TEXT [--allow RULE]... [--deny RULE]...\n"
    "                         [--if-missing] [OPTIONS]\n"
    "\n"
    "Create profile NAME (lower-case letters, digits, _ and -).  Every rule is\nvalidated before anything is saved.  Warns when an allow rule matches every\nendpoint.\n"
    "\n"
    "  --description TEXT      what the profile is for (required)\n"
    "  --allow RULE            allow \"METHOD PATH\"; repeat for more\n"
    "  --deny RULE             deny \"METHOD PATH\" (wins over allow); repeat for more\n"
    "  --if-missing            succeed without change when an identical profile\n"
    "                          exists (a different one: exit 5)\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

/* The profile has exactly the description (as the library compares it)
 * and rules asked for: 1, 0, or -1 with err for a description not valid. */
static int
identical(const struct pf *p, const struct cerbo_profile *prof,
    struct cerbo_error *err)
{
	static const int lists[2] = {ADD_ALLOW, ADD_DENY};
	size_t i, j, n;
	int k, differs;

	if (cerbo_profile_description_differs(prof, p->description, &differs,
	        err) != 0)
		return -1;
	if (differs)
		return 0;
	for (k = 0; k < 2; k++) {
		enum cerbo_rule_kind kind = (enum cerbo_rule_kind)k;
		const char **want = p->rules[lists[k]];

		n = cerbo_profile_rule_count(prof, kind);
		for (i = 0; i < n; i++) {
			const char *have = cerbo_profile_rule_at(prof, kind, i);

			for (j = 0; j < p->nrules[lists[k]]; j++) {
				if (strcmp(want[j], have) == 0)
					break;
			}
			if (j == p->nrules[lists[k]])
				return 0;
		}
		for (j = 0; j < p->nrules[lists[k]]; j++) {
			for (i = 0; i < n; i++) {
				if (strcmp(want[j],
				        cerbo_profile_rule_at(prof, kind, i)) ==
				    0)
					break;
			}
			if (i == n)
				return 0;
		}
	}
	return 1;
}

static int
add_change(struct cerbo_txn *txn, struct cli_change *c, struct cerbo_error *err)
{
	struct pf *p = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);
	const struct cerbo_profile *prof;
	char summary[64];
	size_t i;
	int k, changed, same;

	prof = cerbo_store_profile_find(store, p->name);
	if (prof != NULL) {
		same = p->if_missing ? identical(p, prof, err) : 0;
		if (same < 0)
			return -1;
		if (same) {
			p->allows_everything =
			    cerbo_profile_allows_everything(prof);
			return 0;
		}
		err->status = CERBO_E_EXISTS;
		snprintf(err->message, sizeof(err->message),
		    p->if_missing
		        ? "a different profile %s exists already (see cerbo-profile show %s)"
		        : "profile %s exists already",
		    p->name, p->name);
		return -1;
	}
	if (cerbo_profile_add(store, p->name, p->description, err) != 0)
		return -1;
	for (k = 0; k < 2; k++) {
		const int list = k == CERBO_RULE_ALLOW ? ADD_ALLOW : ADD_DENY;

		for (i = 0; i < p->nrules[list]; i++) {
			if (cerbo_profile_rule_add(store, p->name,
			        (enum cerbo_rule_kind)k, p->rules[list][i],
			        &changed, err) != 0)
				return -1;
		}
	}
	prof = cerbo_store_profile_find(store, p->name);
	p->allows_everything = cerbo_profile_allows_everything(prof);
	c->changed = 1;
	set_what(p, c, "added");
	snprintf(summary, sizeof(summary), "%zu allow, %zu deny rules",
	    cerbo_profile_rule_count(prof, CERBO_RULE_ALLOW),
	    cerbo_profile_rule_count(prof, CERBO_RULE_DENY));
	return note(p, CERBO_CHANGE_ADDED, NULL, NULL, summary, err);
}

static int
cmd_add(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"description", required_argument, NULL, PF_OPT_DESCRIPTION},
	    {"allow", required_argument, NULL, PF_OPT_ALLOW},
	    {"deny", required_argument, NULL, PF_OPT_DENY},
	    {"if-missing", no_argument, NULL, PF_OPT_IF_MISSING},
	    CLI_LONGOPTS_END,
	};
	struct cli_change c;
	struct pf p;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	rc = pf_parse(&p, argc, argv, longopts, add_help, 1);
	if (rc != 0)
		goto out;
	if (p.description == NULL) {
		rc = cli_usage_error(p.cmd,
		    "--description is required (what the profile is for)");
		goto out;
	}
	c.fn = add_change;
	c.arg = &p;
	c.txn_flags = CERBO_TXN_CREATE;
	rc = run_change(&p, &c);
out:
	pf_free(&p);
	return rc;
}

/* ---- edit ---------------------------------------------------------------- */

static const char edit_help[] =
    "usage: cerbo-profile edit NAME [--description TEXT] [--allow RULE]... [--deny RULE]...\n"
    "                          [--remove-allow RULE]... [--remove-deny RULE]... [OPTIONS]\n"
    "\n"
    "Change profile NAME in one transaction: rules are removed first, then added,\nso --remove-allow OLD --allow NEW replaces a rule.  Removing a rule the profile\ndoes not have is an error (exit 4); adding one it has changes nothing.  Prints\n\"unchanged\" (and writes nothing) when nothing changes.  Warns when an allow rule\nmatches every endpoint.\n"
    "\n"
    "  --description TEXT      what the profile is for\n"
    "  --allow RULE            add an allow rule; repeat for more\n"
    "  --deny RULE             add a deny rule; repeat for more\n"
    "  --remove-allow RULE     remove an allow rule; repeat for more\n"
    "  --remove-deny RULE      remove a deny rule; repeat for more\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

static int
edit_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct pf *p = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);
	const struct cerbo_profile *prof;
	char *old = NULL;
	size_t i;
	int k, changed, rc = -1;

	prof = cerbo_store_profile_find(store, p->name);
	if (prof == NULL)
		return pf_not_found(p->name, err);
	if (p->description != NULL) {
		if (cerbo_profile_description(prof) != NULL) {
			old = strdup(cerbo_profile_description(prof));
			if (old == NULL)
				goto nomem;
		}
		if (cerbo_profile_set_description(store, p->name,
		        p->description, &changed, err) != 0)
			goto out;
		if (changed &&
		    note(p, CERBO_CHANGE_UPDATED, "description", old,
		        cerbo_profile_description(prof), err) != 0)
			goto out;
	}
	for (k = 0; k < 2; k++) {
		enum cerbo_rule_kind kind = (enum cerbo_rule_kind)k;

		for (i = 0; i < p->nrules[DEL_ALLOW + k]; i++) {
			const char *rule = p->rules[DEL_ALLOW + k][i];

			if (cerbo_profile_rule_remove(store, p->name, kind,
			        rule, &changed, err) != 0)
				goto out;
			if (!changed) {
				err->status = CERBO_E_NOTFOUND;
				snprintf(err->message, sizeof(err->message),
				    "profile %s has no %s rule '%s'", p->name,
				    cerbo_rule_kind_name(kind), rule);
				goto out;
			}
			if (note(p, CERBO_CHANGE_UPDATED,
			        cerbo_rule_kind_name(kind), rule, NULL,
			        err) != 0)
				goto out;
		}
	}
	for (k = 0; k < 2; k++) {
		enum cerbo_rule_kind kind = (enum cerbo_rule_kind)k;

		for (i = 0; i < p->nrules[ADD_ALLOW + k]; i++) {
			const char *rule = p->rules[ADD_ALLOW + k][i];

			if (cerbo_profile_rule_add(store, p->name, kind, rule,
			        &changed, err) != 0)
				goto out;
			if (changed &&
			    note(p, CERBO_CHANGE_UPDATED,
			        cerbo_rule_kind_name(kind), NULL, rule,
			        err) != 0)
				goto out;
		}
	}
	p->allows_everything = cerbo_profile_allows_everything(prof);
	c->changed = cerbo_changes_count(p->changes) > 0;
	set_what(p, c, "edited");
	rc = 0;
	goto out;
nomem:
	err->status = CERBO_E_NOMEM;
	snprintf(err->message, sizeof(err->message), "out of memory");
out:
	free(old);
	return rc;
}

static int
cmd_edit(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"description", required_argument, NULL, PF_OPT_DESCRIPTION},
	    {"allow", required_argument, NULL, PF_OPT_ALLOW},
	    {"deny", required_argument, NULL, PF_OPT_DENY},
	    {"remove-allow", required_argument, NULL, PF_OPT_REMOVE_ALLOW},
	    {"remove-deny", required_argument, NULL, PF_OPT_REMOVE_DENY},
	    CLI_LONGOPTS_END,
	};
	struct cli_change c;
	struct pf p;
	int rc, k, any;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	rc = pf_parse(&p, argc, argv, longopts, edit_help, 1);
	if (rc != 0)
		goto out;
	any = p.description != NULL;
	for (k = 0; k < NLISTS; k++)
		any |= p.nrules[k] > 0;
	if (!any) {
		rc = cli_usage_error(p.cmd,
		    "nothing to change: give at least one of --description --allow --deny --remove-allow --remove-deny");
		goto out;
	}
	c.fn = edit_change;
	c.arg = &p;
	rc = run_change(&p, &c);
out:
	pf_free(&p);
	return rc;
}

/* ---- delete -------------------------------------------------------------- */

static const char delete_help[] =
    "usage: cerbo-profile delete NAME [--if-exists] [OPTIONS]\n"
    "\n"
    "Delete profile NAME.  Refused (exit 11, naming them) while users use it: move\nthem to another profile first (cerbo-apiuser edit USER --profile OTHER).  As\nno user can lose access by it, it asks no confirmation.\n"
    "\n"
    "  --if-exists             succeed without change when NAME does not exist\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

static int
delete_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct pf *p = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);

	if (cerbo_store_profile_find(store, p->name) == NULL) {
		if (p->if_exists)
			return 0;
		return pf_not_found(p->name, err);
	}
	if (cerbo_profile_remove(store, p->name, err) != 0)
		return -1;
	c->changed = 1;
	set_what(p, c, "deleted");
	return note(p, CERBO_CHANGE_REMOVED, NULL, NULL, NULL, err);
}

static int
cmd_delete(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"if-exists", no_argument, NULL, PF_OPT_IF_EXISTS},
	    CLI_LONGOPTS_END,
	};
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_change c;
	struct pf p;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	rc = pf_parse(&p, argc, argv, longopts, delete_help, 1);
	if (rc != 0)
		goto out;
	c.fn = delete_change;
	c.arg = &p;
	if (cli_change_run(&p.o, &c, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	if (!p.o.json && !c.changed)
		printf("unchanged: profile %s does not exist\n", p.name);
	else
		rc = print_change(&p, &c);
out:
	pf_free(&p);
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

static const struct cli_command commands[] = {
    {"add", cmd_add},
    {"list", cmd_list},
    {"show", cmd_show},
    {"edit", cmd_edit},
    {"delete", cmd_delete},
    {"exit-codes", cli_cmd_exit_codes},
};

int
main(int argc, char **argv)
{
	return cli_main(argc, argv, "cerbo-profile", usage_text, commands,
	    sizeof(commands) / sizeof(commands[0]));
}
