/*
 * apiuser.h - what the files of cerbo-apiuser share: the commands and a
 * few helpers for parsing options and printing users.
 */
#ifndef CERBO_APIUSER_H
#define CERBO_APIUSER_H

#include <getopt.h>
#include <stdint.h>

#include "cli.h"

/* Each command: argv[0] is the command's name; returns the exit code. */
int cmd_add(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_edit(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_edit_file(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_usage_file(int argc, char **argv);

/* "USER": exactly one operand (a username); NULL after printing why. */
const char *au_one_user(int argc, char **argv, const char *cmd);

/*
 * Show a new secret key once: on stdout with a clear line (only the key
 * with --quiet), or, when secret_file is set (the key was written there),
 * only where it is.  Text mode only; --json puts it in the document.
 */
void au_print_secret(const struct cli_opts *o, const char *username,
    const char *secret, const char *secret_file);

/* Load for reading, printing the error; 0 or an exit code. */
int au_load(const struct cli_opts *o, struct cerbo_store **out);

/* The user or an error printed (exit 4). */
const struct cerbo_user *au_find_user(const struct cerbo_store *store,
    const char *username, int *rc);
/* Load for reading and find the user: 0, or an exit code after printing
 * why (*store is set whenever it was loaded: free it). */
int au_load_user(const struct cli_opts *o, const char *username,
    struct cerbo_store **store, const struct cerbo_user **u);

/*
 * A --grace DURATION for cmd: 0, or -1 after printing why.  Its upper
 * bound is the library's, checked when the key is replaced.
 */
int au_grace_opt(const char *cmd, const char *arg, int64_t *out);

/*
 * One field of a new (want_new) or existing user judged by the library's
 * rules and the store: 0, or -1 with the reason in msg.  field is a
 * cerbo_user_field, or AU_FIELD_USERNAME; "never" (expires) and "any"
 * (allow_from) mean unset; a NULL value is a missing one.
 */
#define AU_FIELD_USERNAME ((int)CERBO_USER_FIELD_COUNT)
int au_field_problem(const struct cerbo_store *store, int field,
    const char *value, int want_new, char *msg, size_t len);

struct au_field_value {
	int field; /* as for au_field_problem */
	const char *value;
};

/*
 * add --check / edit --check: judge every field in f, each on its own, and
 * print the verdicts ("fields": {NAME: null | MESSAGE} with --json, the
 * facts too for a new user).  Writes nothing.  0 when all are valid,
 * CLI_EXIT_INVALID when one is not, or another exit code.
 */
int au_fields_check(const struct cli_opts *o, const struct au_field_value *f,
    size_t n, int want_new);

/* The facts a person acknowledges before a new API user exists: as text
 * (an intro, then numbered items) to f, or as "acknowledgement":
 * {"intro", "items": [...]} in a --json document. */
void au_print_facts(FILE *f);
void au_json_facts(struct cli_json *j);
/*
 * Last use of keys (apiuser_usage.c).  au_usage_open: the store's usage
 * file read, or NULL when it names none or it cannot be read (said on
 * stderr unless quiet).  au_usage_text: t (0: never) for a person, with
 * how long ago, or why it is unknown.  au_usage_json: t as RFC 3339 UTC
 * or null.  au_usage_idle_since: since when user's current key has not
 * been used (its last use, or its creation when never used; 0 unknown).
 */
struct cerbo_usage *au_usage_open(const struct cerbo_store *store, int quiet);
const char *au_usage_text(const struct cerbo_store *store,
    const struct cerbo_usage *usage, int64_t t, int64_t now, char *buf,
    size_t len);
void au_usage_json(struct cli_json *j, const char *key,
    const struct cerbo_usage *usage, int64_t t);
int64_t au_usage_idle_since(const struct cerbo_user *user,
    const struct cerbo_usage *usage);

/*
 * Before rotate --finish: when the old key of username was last used, for
 * a person, into used (len bytes; "" when the store names no usage file).
 * 0 to go on; CLI_EXIT_STATE, said why, when that was less than
 * AU_FINISH_RECENT seconds ago or cannot be known, unless force; or
 * another exit code.
 */
#define AU_FINISH_RECENT (15 * 60)
int au_finish_check(const struct cli_opts *o, const char *username, int force,
    char *used, size_t len);

/* Option numbers for the commands' own long options. */
enum {
	AU_OPT_NICKNAME = CLI_OPT_FIRST_FREE,
	AU_OPT_USERNAME,
	AU_OPT_PROFILE,
	AU_OPT_EMAIL,
	AU_OPT_DESCRIPTION,
	AU_OPT_ACKNOWLEDGE,
	AU_OPT_IF_MISSING,
	AU_OPT_IF_EXISTS,
	AU_OPT_SECRET_FILE,
	AU_OPT_SECRET_STDIN,
	AU_OPT_DISABLE,
	AU_OPT_ENABLE,
	AU_OPT_EXPIRES,
	AU_OPT_ALLOW_FROM,
	AU_OPT_GRACE,
	AU_OPT_FORCE,
	AU_OPT_FINISH,
	AU_OPT_GENERATE,
	AU_OPT_CHECK,
	AU_OPT_DIFF,
	AU_OPT_OFF,
	AU_OPT_UNUSED_FOR,
};

/* The options of a user's fields, in add, import and edit's tables. */
#define AU_FIELD_LONGOPTS                                                      \
	{"nickname", required_argument, NULL, AU_OPT_NICKNAME},                \
	    {"profile", required_argument, NULL, AU_OPT_PROFILE},              \
	    {"email", required_argument, NULL, AU_OPT_EMAIL},                  \
	    {"description", required_argument, NULL, AU_OPT_DESCRIPTION},      \
	    {"expires", required_argument, NULL, AU_OPT_EXPIRES},              \
	{                                                                      \
		"allow-from", required_argument, NULL, AU_OPT_ALLOW_FROM       \
	}

/* The same and what makes a new user: add's and import's. */
#define AU_NEW_USER_LONGOPTS                                                   \
	AU_FIELD_LONGOPTS,                                                     \
	    {"username", required_argument, NULL, AU_OPT_USERNAME},            \
	{                                                                      \
		"acknowledge", no_argument, NULL, AU_OPT_ACKNOWLEDGE           \
	}

#endif /* CERBO_APIUSER_H */
