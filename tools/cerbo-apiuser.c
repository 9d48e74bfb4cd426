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

/* The facts a person acknowledges before a new API user exists: the one
 * list the terminal, add's --json and the Cockpit page show. */
static const char ack_intro[] =
    "Before a new API user is created, acknowledge these facts:";
static const char *const ack_items[] = {
    "The secret key is shown only once, now. It cannot be shown again; if "
    "it is lost, rotate it.",
    "Grant the most restricted profile that still works for the "
    "integration.",
    "Keep the secret key in secure storage (a password manager or vault), "
    "never in source code, tickets or chat.",
    "Anyone holding the secret key acts as this API user.",
};
#define NACK (sizeof(ack_items) / sizeof(ack_items[0]))

/* One fact as "  N. text", wrapped at 78 columns under its first word. */
static void
print_item(FILE *f, size_t n, const char *text)
{
	const size_t width = 78, indent = 5;
	size_t col, word, start;
	const char *p = text;

	col = (size_t)fprintf(f, "  %zu. ", n);
	start = col;
	while (*p != '\0') {
		word = strcspn(p, " ");
		if (col > start && col + 1 + word > width) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = start = indent;
		} else if (col > start) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, word, f);
		col += word;
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

void
au_print_facts(FILE *f)
{
	size_t i;

	fprintf(f, "%s\n", ack_intro);
	for (i = 0; i < NACK; i++)
		print_item(f, i + 1, ack_items[i]);
}

void
au_json_facts(struct cli_json *j)
{
	size_t i;

	cli_json_object_begin(j, "acknowledgement");
	cli_json_str(j, "intro", ack_intro);
	cli_json_array_begin(j, "items");
	for (i = 0; i < NACK; i++)
		cli_json_str(j, NULL, ack_items[i]);
	cli_json_array_end(j);
	cli_json_object_end(j);
}

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
    "  exit-codes   list the exit codes below, by number and name (--json)\n"
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
    {"exit-codes", cli_cmd_exit_codes},
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
au_load_user(const struct cli_opts *o, const char *username,
    struct cerbo_store **store, const struct cerbo_user **u)
{
	int rc;

	rc = au_load(o, store);
	if (rc != 0)
		return rc;
	*u = au_find_user(*store, username, &rc);
	return *u == NULL ? rc : 0;
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
