/*
 * cerbo-profile - manage the permission profiles of a pam_cerbo store.
 *
 * A profile is a named list of "METHOD PATH" allow rules and deny rules
 * (deny wins; no matching allow rule is a refusal).  Thin, like
 * cerbo-apiuser: rules are validated, stored and written by libcerbo.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

static const char usage_text[] =
    "usage: cerbo-profile COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Manage the permission profiles of a pam_cerbo store "
    "(default " CERBO_STORE_DEFAULT
    ",\nor $CERBO_STORE, or --store PATH on any "
    "command).\n"
    "\n"
    "Commands:\n"
    "  add NAME     create a profile with a description and allow/deny "
    "rules\n"
    "  list         list profiles, their rule and user counts\n"
    "  show NAME    show a profile's rules and how many users it has\n"
    "  edit NAME    change the description, add or remove rules\n"
    "  delete NAME  delete a profile no user uses any more\n"
    "\n"
    "A rule is \"METHOD PATH\": an upper-case HTTP method or *, and a path "
    "where *\n"
    "matches one segment and ** any number (GET /api/v1/appointments/**).  "
    "Deny\nrules win over allow rules; a request no allow rule matches is "
    "refused.\n"
    "\n"
    "Run 'cerbo-profile COMMAND --help' for a command's options.\n"
    "\n"
    "Exit status: 0 ok; 2 usage error; 3 invalid input; 4 not found;\n"
    "5 already exists; 6 lock timeout; 7 store invalid or format too new;\n"
    "8 unsafe store permissions; 9 I/O error or out of memory; 10 conflict\n"
    "(--expect-generation or --expect-digest); 11 not possible in the "
    "current\nstate (deleting a profile that users still use).\n";

enum {
	PF_OPT_DESCRIPTION = CLI_OPT_FIRST_FREE,
	PF_OPT_ALLOW,
	PF_OPT_DENY,
	PF_OPT_REMOVE_ALLOW,
	PF_OPT_REMOVE_DENY,
	PF_OPT_IF_MISSING,
	PF_OPT_IF_EXISTS,
};

/* Rule lists given on the command line, by what they do. */
enum { ADD_ALLOW, ADD_DENY, DEL_ALLOW, DEL_DENY, NLISTS };

static const char *const list_option[NLISTS] = {
    "--allow",
    "--deny",
    "--remove-allow",
    "--remove-deny",
};

/* Everything a command's command line says. */
struct pf {
	struct cli_opts o;
	const char *cmd;
	const char *name;
	const char *description;
	const char **rules[NLISTS]; /* point into argv */
	size_t nrules[NLISTS];
	int if_missing;
	int if_exists;
	/* filled by the change */
	char **lines; /* what changed, one line each */
	size_t nlines;
	int allows_everything; /* after the change */
};

static void
pf_free(struct pf *p)
{
	size_t i;
	int k;

	for (k = 0; k < NLISTS; k++)
		free(p->rules[k]);
	for (i = 0; i < p->nlines; i++)
		free(p->lines[i]);
	free(p->lines);
}

static const char *
kind_name(enum cerbo_rule_kind kind)
{
	return kind == CERBO_RULE_ALLOW ? "allow" : "deny";
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
static int
parse(struct pf *p, int argc, char **argv, const struct option *longopts,
    const char *help, int want_name)
{
	int r, k;

	p->cmd = argv[0];
	cli_opts_init(&p->o);
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
		    "unexpected argument: %s "
		    "(a rule with spaces needs quotes: --allow 'GET /x')",
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

static int add_line(struct pf *p, struct cerbo_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
add_line(struct pf *p, struct cerbo_error *err, const char *fmt, ...)
{
	char buf[CERBO_RULE_MAX + CERBO_DESCRIPTION_MAX * 2 + 128];
	char **lines;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lines = realloc(p->lines, (p->nlines + 1) * sizeof(*lines));
	if (lines == NULL)
		goto nomem;
	p->lines = lines;
	p->lines[p->nlines] = strdup(buf);
	if (p->lines[p->nlines] == NULL)
		goto nomem;
	p->nlines++;
	return 0;
nomem:
	err->status = CERBO_E_NOMEM;
	snprintf(err->message, sizeof(err->message), "out of memory");
	return -1;
}

static void
warn_if_everything(const struct pf *p)
{
	if (p->allows_everything)
		cli_warnx("warning: profile %s allows every endpoint (an "
		          "allow rule matches every method and path); grant "
		          "the "
		          "narrowest rules that still work",
		    p->name);
}

/* The change lines and the state after it, as --json. */
static int
print_change_json(const struct pf *p, const struct cli_change *c)
{
	struct cli_json j;
	size_t i;
	int rc;

	cli_json_init(&j);
	cli_json_object_begin(&j, NULL);
	cli_json_bool(&j, "changed", c->changed);
	cli_json_str(&j, "name", p->name);
	cli_json_array_begin(&j, "changes");
	for (i = 0; i < p->nlines; i++)
		cli_json_str(&j, NULL, p->lines[i]);
	cli_json_array_end(&j);
	cli_json_bool(&j, "allows_everything", p->allows_everything);
	cli_json_u64(&j, "generation", c->generation);
	cli_json_object_end(&j);
	rc = cli_json_print(&j, stdout);
	cli_json_free(&j);
	return rc;
}

static int
print_change(const struct pf *p, const struct cli_change *c)
{
	size_t i;

	if (p->o.json)
		return print_change_json(p, c);
	if (!c->changed) {
		printf("unchanged\n");
		return CLI_EXIT_OK;
	}
	if (!p->o.quiet) {
		for (i = 0; i < p->nlines; i++)
			printf("%s\n", p->lines[i]);
	}
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
	for (i = 0; i < p->nlines && len < sizeof(c->what); i++) {
		/* "~ profile NAME: X" -> "; X" */
		const char *s = strchr(p->lines[i], ':');

		n = snprintf(c->what + len, sizeof(c->what) - len, "%s%s",
		    i == 0 ? ":" : ";", s != NULL ? s + 1 : "");
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static int
not_found(const char *name, struct cerbo_error *err)
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
    "usage: cerbo-profile add NAME --description TEXT [--allow RULE]... "
    "[--deny RULE]...\n"
    "                         [--if-missing] [OPTIONS]\n"
    "\n"
    "Create profile NAME (lower-case letters, digits, _ and -).  Every "
    "rule is\nvalidated before anything is saved.  Warns when an allow "
    "rule matches every\nendpoint.\n"
    "\n"
    "  --description TEXT      what the profile is for (required)\n"
    "  --allow RULE            allow \"METHOD PATH\"; repeat for more\n"
    "  --deny RULE             deny \"METHOD PATH\" (wins over allow); "
    "repeat for more\n"
    "  --if-missing            succeed without change when an identical "
    "profile\n"
    "                          exists (a different one: exit "
    "5)\n" CLI_CHANGE_HELP CLI_COMMON_HELP
    "  -h, --help              this help\n";

/* The profile has exactly the description and rules asked for. */
static int
identical(const struct pf *p, const struct cerbo_profile *prof)
{
	static const int lists[2] = {ADD_ALLOW, ADD_DENY};
	const char *d = cerbo_profile_description(prof);
	size_t i, j, n;
	int k;

	if (d == NULL || strcmp(d, p->description) != 0)
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
	size_t i;
	int k, changed;

	prof = cerbo_store_profile_find(store, p->name);
	if (prof != NULL) {
		if (p->if_missing && identical(p, prof)) {
			p->allows_everything =
			    cerbo_profile_allows_everything(prof);
			return 0;
		}
		err->status = CERBO_E_EXISTS;
		snprintf(err->message, sizeof(err->message),
		    p->if_missing ? "a different profile %s exists already "
		                    "(see cerbo-profile show %s)"
		                  : "profile %s exists "
		                    "already",
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
	return add_line(p, err, "+ profile %s (%zu allow, %zu deny rules)",
	    p->name, cerbo_profile_rule_count(prof, CERBO_RULE_ALLOW),
	    cerbo_profile_rule_count(prof, CERBO_RULE_DENY));
}

static int
cmd_add(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONGOPTS,
	    {"description", required_argument, NULL, PF_OPT_DESCRIPTION},
	    {"allow", required_argument, NULL, PF_OPT_ALLOW},
	    {"deny", required_argument, NULL, PF_OPT_DENY},
	    {"if-missing", no_argument, NULL, PF_OPT_IF_MISSING},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_change c;
	struct pf p;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	rc = parse(&p, argc, argv, longopts, add_help, 1);
	if (rc != 0)
		goto out;
	if (p.description == NULL) {
		rc = cli_usage_error(p.cmd,
		    "--description is required (what "
		    "the profile is for)");
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
    "usage: cerbo-profile edit NAME [--description TEXT] [--allow RULE]... "
    "[--deny RULE]...\n"
    "                          [--remove-allow RULE]... [--remove-deny "
    "RULE]... [OPTIONS]\n"
    "\n"
    "Change profile NAME in one transaction: rules are removed first, then "
    "added,\nso --remove-allow OLD --allow NEW replaces a rule.  Removing a "
    "rule the profile\ndoes not have is an error (exit 4); adding one it "
    "has changes nothing.  Prints\n\"unchanged\" (and writes nothing) when "
    "nothing changes.  Warns when an allow rule\nmatches every endpoint.\n"
    "\n"
    "  --description TEXT      what the profile is for\n"
    "  --allow RULE            add an allow rule; repeat for more\n"
    "  --deny RULE             add a deny rule; repeat for more\n"
    "  --remove-allow RULE     remove an allow rule; repeat for more\n"
    "  --remove-deny RULE      remove a deny rule; repeat for "
    "more\n" CLI_CHANGE_HELP CLI_COMMON_HELP
    "  -h, --help              this help\n";

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
		return not_found(p->name, err);
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
		    add_line(p, err,
		        "~ profile %s: description "
		        "\"%s\" -> \"%s\"",
		        p->name, old != NULL ? old : "(unset)",
		        cerbo_profile_description(prof)) != 0)
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
				    kind_name(kind), rule);
				goto out;
			}
			if (add_line(p, err, "~ profile %s: - %s %s", p->name,
			        kind_name(kind), rule) != 0)
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
			    add_line(p, err, "~ profile %s: + %s %s", p->name,
			        kind_name(kind), rule) != 0)
				goto out;
		}
	}
	p->allows_everything = cerbo_profile_allows_everything(prof);
	c->changed = p->nlines > 0;
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
	    CLI_COMMON_LONGOPTS,
	    {"description", required_argument, NULL, PF_OPT_DESCRIPTION},
	    {"allow", required_argument, NULL, PF_OPT_ALLOW},
	    {"deny", required_argument, NULL, PF_OPT_DENY},
	    {"remove-allow", required_argument, NULL, PF_OPT_REMOVE_ALLOW},
	    {"remove-deny", required_argument, NULL, PF_OPT_REMOVE_DENY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_change c;
	struct pf p;
	int rc, k, any;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	rc = parse(&p, argc, argv, longopts, edit_help, 1);
	if (rc != 0)
		goto out;
	any = p.description != NULL;
	for (k = 0; k < NLISTS; k++)
		any |= p.nrules[k] > 0;
	if (!any) {
		rc = cli_usage_error(p.cmd,
		    "nothing to change: give at least "
		    "one of --description --allow --deny --remove-allow "
		    "--remove-deny");
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
    "Delete profile NAME.  Refused (exit 11, naming them) while users use "
    "it: move\nthem to another profile first (cerbo-apiuser edit USER "
    "--profile OTHER).  As\nno user can lose access by it, it asks no "
    "confirmation.\n"
    "\n"
    "  --if-exists             succeed without change when NAME does not "
    "exist\n" CLI_CHANGE_HELP CLI_COMMON_HELP
    "  -h, --help              this help\n";

static int
delete_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct pf *p = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);

	if (cerbo_store_profile_find(store, p->name) == NULL) {
		if (p->if_exists)
			return 0;
		return not_found(p->name, err);
	}
	if (cerbo_profile_remove(store, p->name, err) != 0)
		return -1;
	c->changed = 1;
	set_what(p, c, "deleted");
	return add_line(p, err, "- profile %s", p->name);
}

static int
cmd_delete(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONGOPTS,
	    {"if-exists", no_argument, NULL, PF_OPT_IF_EXISTS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_change c;
	struct pf p;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	rc = parse(&p, argc, argv, longopts, delete_help, 1);
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

	cli_json_array_begin(j, kind_name(kind));
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
    "List every profile: its name, how many users use it, how many allow "
    "and deny\nrules it has, and its description.  --json gives every rule "
    "and the store's\ngeneration and digest (for --expect-generation and "
    "--expect-digest):\n"
    "  {\"changed\": false, \"generation\": N, \"digest\": D, \"profiles\": "
    "[{\"name\",\n"
    "   \"description\", \"allow\": [...], \"deny\": [...], \"users\": N, "
    "\"allows_everything\"}]}\n"
    "\n" CLI_COMMON_HELP "  -h, --help              this help\n";

static int
cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	size_t *users = NULL, i, n;
	struct pf p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = parse(&p, argc, argv, longopts, list_help, 0);
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
		cli_json_init(&j);
		cli_json_object_begin(&j, NULL);
		cli_json_bool(&j, "changed", 0);
		cli_json_u64(&j, "generation", cerbo_store_generation(store));
		cli_json_str(&j, "digest", cerbo_store_digest(store));
		cli_json_array_begin(&j, "profiles");
		for (i = 0; i < n; i++) {
			cli_json_object_begin(&j, NULL);
			json_profile(&j, cerbo_store_profile_at(store, i),
			    users[i]);
			cli_json_object_end(&j);
		}
		cli_json_array_end(&j);
		cli_json_object_end(&j);
		rc = cli_json_print(&j, stdout);
		cli_json_free(&j);
		goto out;
	}
	if (n == 0) {
		if (!p.o.quiet)
			printf("no profiles (add one: cerbo-profile add NAME "
			       "--description TEXT --allow RULE)\n");
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
    "Show profile NAME: its description, its allow and deny rules, and how "
    "many\nusers use it (cerbo-apiuser list --profile NAME names them).  "
    "--json adds the\nstore's generation and digest:\n"
    "  {\"changed\": false, \"generation\": N, \"digest\": D, \"name\", "
    "\"description\",\n"
    "   \"allow\": [...], \"deny\": [...], \"users\": N, "
    "\"allows_everything\"}\n"
    "\n" CLI_COMMON_HELP "  -h, --help              this help\n";

static int
cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cerbo_store *store = NULL;
	const struct cerbo_profile *prof;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	size_t users, i;
	struct pf p;
	int rc, k;

	memset(&p, 0, sizeof(p));
	rc = parse(&p, argc, argv, longopts, show_help, 1);
	if (rc != 0)
		goto out;
	if (cli_load(&p.o, &store, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	prof = cerbo_store_profile_find(store, p.name);
	if (prof == NULL) {
		not_found(p.name, &err);
		rc = cli_error(&err);
		goto out;
	}
	users = cerbo_store_profile_users(store, p.name);
	p.allows_everything = cerbo_profile_allows_everything(prof);
	warn_if_everything(&p);
	if (p.o.json) {
		cli_json_init(&j);
		cli_json_object_begin(&j, NULL);
		cli_json_bool(&j, "changed", 0);
		cli_json_u64(&j, "generation", cerbo_store_generation(store));
		cli_json_str(&j, "digest", cerbo_store_digest(store));
		json_profile(&j, prof, users);
		cli_json_object_end(&j);
		rc = cli_json_print(&j, stdout);
		cli_json_free(&j);
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
			printf("%s:\n", kind_name(kind));
		for (i = 0; i < n; i++)
			printf("  %s\n", cerbo_profile_rule_at(prof, kind, i));
	}
out:
	cerbo_store_free(store);
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
};

int
main(int argc, char **argv)
{
	return cli_main(argc, argv, "cerbo-profile", usage_text, commands,
	    sizeof(commands) / sizeof(commands[0]));
}
