/*
 * cerbo-apiuser - manage the API users of a pam_cerbo store.
 *
 * Thin: every rule (validation, hashing, locking, atomic writes) lives in
 * libcerbo.  This file holds main(), the command table and helpers shared
 * by the commands in apiuser_*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apiuser.h"

const char au_facts[] =
    "Before a new API user is created, acknowledge these facts:\n"
    "  1. The secret key is shown only once, now. It cannot be shown again;\n"
    "     if it is lost, rotate it.\n"
    "  2. Grant the most restricted profile that still works for the integration.\n"
    "  3. Keep the secret key in secure storage (a password manager or vault),\n"
    "     never in source code, tickets or chat.\n"
    "  4. Anyone holding the secret key acts as this API user.\n";

static const char usage_text[] =
    "usage: cerbo-apiuser COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Manage the API users of a pam_cerbo store (default " CERBO_STORE_DEFAULT
    ",\nor $CERBO_STORE, or --store PATH on any command).\n"
    "\n"
    "Commands:\n"
    "  add          create an API user; prints its secret key once\n"
    "  list         list API users by nickname\n"
    "  show USER    show a user's details (never the secret)\n"
    "  edit USER    change nickname, profile, email, description, disabled,\n"
    "               expiry or allowed client networks\n"
    "  rotate USER  give a user a new secret key (optionally with a grace period)\n"
    "  verify USER [METHOD PATH]\n"
    "               check a secret read on stdin, as the PAM module would\n"
    "  explain USER METHOD PATH\n"
    "               say whether the user's profile allows a request, and why\n"
    "  delete USER  delete a user, permanently\n"
    "  import USER  set a user's secret from stdin (migrating existing keys)\n"
    "  check [FILE] validate a store and its permissions without changing it\n"
    "  hash         hash a secret read on stdin, or --generate a new key\n"
    "  apply FILE|- apply a list of desired users and profiles in one transaction\n"
    "  edit-file    edit the store in $VISUAL/$EDITOR under its lock\n"
    "  compile      write the store's compiled index (STORE.idx)\n"
    "  usage-file PATH|--off\n"
    "               record when each key is used, in PATH (or stop)\n"
    "\n"
    "Run 'cerbo-apiuser COMMAND --help' for a command's options.\n"
    "Secrets are never taken from the command line: only from standard input\nor a terminal prompt.\n"
    "\n"
    "Exit status: 0 ok; 1 refused (verify, explain, check); 2 usage error;\n"
    "3 invalid input; 4 not found; 5 already exists; 6 lock timeout;\n"
    "7 store invalid or format too new; 8 unsafe store permissions;\n"
    "9 I/O error or out of memory; 10 conflict (--expect-generation or\n"
    "--expect-digest); 11 not possible in the current state.\n";

static const struct cli_command commands[] = {
    {"add", cmd_add},
    {"list", cmd_list},
    {"show", cmd_show},
    {"edit", cmd_edit},
    {"rotate", cmd_rotate},
    {"verify", cmd_verify},
    {"explain", cmd_explain},
    {"delete", cmd_delete},
    {"import", cmd_import},
    {"check", cmd_check},
    {"hash", cmd_hash},
    {"apply", cmd_apply},
    {"edit-file", cmd_edit_file},
    {"compile", cmd_compile},
    {"usage-file", cmd_usage_file},
};

const char *
au_one_user(int argc, char **argv, const char *cmd)
{
	if (optind >= argc) {
		cli_usage_error(cmd, "which user? (a username, pk_...)");
		return NULL;
	}
	if (optind + 1 < argc) {
		cli_usage_error(cmd, "unexpected argument: %s",
		    argv[optind + 1]);
		return NULL;
	}
	return argv[optind];
}

void
au_print_secret(const struct cli_opts *o, const char *username,
    const char *secret, const char *secret_file)
{
	if (secret_file != NULL) {
		if (!o->quiet)
			printf(
			    "the secret key of %s is in %s (shown nowhere else)\n",
			    username, secret_file);
	} else if (o->quiet) {
		printf("%s\n", secret);
	} else {
		printf(
		    "Secret key for %s (shown only this once; keep it in secure storage):\n%s\n",
		    username, secret);
	}
	fflush(stdout);
}

int
au_load(const struct cli_opts *o, struct cerbo_store **out)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	if (cli_load(o, out, &err) != 0)
		return cli_error(&err);
	return 0;
}

const struct cerbo_user *
au_find_user(const struct cerbo_store *store, const char *username, int *rc)
{
	const struct cerbo_user *u;

	u = cerbo_store_user_find(store, username);
	if (u == NULL) {
		if (!cerbo_username_valid(username)) {
			cli_warnx(
			    "%s: not a valid username (pk_ then letters, digits, _ or -)",
			    username);
			*rc = CLI_EXIT_INVALID;
		} else {
			cli_warnx("%s: no such user", username);
			*rc = CLI_EXIT_NOTFOUND;
		}
	}
	return u;
}

int
au_grace_opt(const char *cmd, const char *arg, int64_t *out)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	if (cerbo_duration_parse(arg, out, &err) != 0) {
		cli_warnx("%s: --grace: %s", cmd, err.message);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	return cli_main(argc, argv, "cerbo-apiuser", usage_text, commands,
	    sizeof(commands) / sizeof(commands[0]));
}
