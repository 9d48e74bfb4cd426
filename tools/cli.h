/*
 * cli.h - what the command-line tools (cerbo-apiuser, cerbo-profile) share:
 * exit codes, error printing, the common options, the lock timeout, the
 * change log (syslog), and the "one change in one transaction" helper;
 * with the JSON writer (cli_json.h), terminal prompts (cli_tty.h) and
 * secret input (cli_secret.h).
 *
 * The tools are thin: every rule lives in libcerbo.  These helpers print
 * and exit-code; the library never does.
 */
#ifndef CERBO_CLI_H
#define CERBO_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cerbo.h"
#include "cli_json.h"
#include "cli_secret.h"
#include "cli_tty.h"

/*
 * The exit codes of both tools.  Their names and meanings are in
 * cli_exit.c (the exit-codes command gives them; the man pages' EXIT
 * STATUS says the same).
 */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_REFUSED = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_INVALID = 3,
	CLI_EXIT_NOTFOUND = 4,
	CLI_EXIT_EXISTS = 5,
	CLI_EXIT_LOCK = 6,
	CLI_EXIT_STORE = 7,
	CLI_EXIT_UNSAFE = 8,
	CLI_EXIT_IO = 9,
	CLI_EXIT_CONFLICT = 10,
	CLI_EXIT_STATE = 11,
};

/* The exit code for a library status (CERBO_OK -> 0). */
int cli_exit_code(enum cerbo_status status);

/*
 * The exit-codes command of both tools: each code's number, name and
 * meaning (cli_exit.c holds them), as text or --json.
 */
int cli_cmd_exit_codes(int argc, char **argv);

/* ---- program name and messages ---------------------------------------- */

/* Set the name used in messages and in syslog ("cerbo-apiuser"). */
void cli_init(const char *progname);
/* That name. */
const char *cli_progname(void);

/* "prog: file:line:col: message" on stderr; returns cli_exit_code(). */
int cli_error(const struct cerbo_error *err);
/* "prog: message" on stderr. */
void cli_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message" and a hint to --help on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- common options ---------------------------------------------------- */

/*
 * The options every command takes: cli_getopt() adds them (and --help) to
 * a command's own table, and hands every option to cli_opt_common() first.
 */
struct cli_opts {
	const char *store; /* --store, else $CERBO_STORE, else default */
	int json;          /* --json */
	int expect_generation_set;
	uint64_t expect_generation; /* --expect-generation N */
	const char *expect_digest;  /* --expect-digest D (64 hex) */
	long lock_timeout_ms; /* --lock-timeout DURATION; 0: library default */
	int yes;              /* --yes / -y */
	int quiet;            /* --quiet / -q */
};

enum {
	CLI_OPT_STORE = 0x1000,
	CLI_OPT_JSON,
	CLI_OPT_EXPECT_GENERATION,
	CLI_OPT_EXPECT_DIGEST,
	CLI_OPT_LOCK_TIMEOUT,
	CLI_OPT_YES,
	CLI_OPT_QUIET,
	CLI_OPT_FIRST_FREE = 0x1100 /* commands number their own from here */
};

/* The end of a command's own option table. */
#define CLI_LONGOPTS_END                                                       \
	{                                                                      \
		NULL, 0, NULL, 0                                               \
	}

/* The common options in --help texts (each line starts with two spaces);
 * CLI_HELP_HELP is the line for -h/--help, which every command takes. */
#define CLI_HELP_HELP "  -h, --help              this help\n"
/* The common options in --help texts (each line starts with two spaces). */
#define CLI_STORE_HELP                                                         \
	"  --store PATH            the store (default $CERBO_STORE, "          \
	"else " CERBO_STORE_DEFAULT ")\n"
#define CLI_JSON_HELP                                                          \
	"  --json                  machine-readable output on stdout\n"
#define CLI_LOCK_QUIET_HELP                                                    \
	"  --lock-timeout TIME     wait this long for the lock (e.g. 500ms, "  \
	"10s; default 10s)\n"                                                  \
	"  -q, --quiet             print only what was asked for\n"
#define CLI_COMMON_HELP CLI_STORE_HELP CLI_JSON_HELP CLI_LOCK_QUIET_HELP
/* The same for a command whose help describes its own --json output. */
#define CLI_COMMON_HELP_OWN_JSON CLI_STORE_HELP CLI_LOCK_QUIET_HELP

#define CLI_CHANGE_HELP                                                        \
	"  --expect-generation N   refuse (exit 10) unless the store is at "   \
	"generation N\n"                                                       \
	"  --expect-digest D       refuse (exit 10) unless the store's "       \
	"digest "                                                              \
	"is D\n"

/* Defaults; then $CERBO_STORE.  Call before parsing. */
void cli_opts_init(struct cli_opts *o);
/*
 * Handle option c (with optarg arg) if it is a common one: 1 handled,
 * 0 not a common option, -1 bad value (message printed; exit with
 * CLI_EXIT_USAGE).  cmd names the command in messages.
 */
int cli_opt_common(struct cli_opts *o, const char *cmd, int c, const char *arg);

/*
 * Parse a command's options (argv[0] is the command) with getopt_long:
 * -h/--help prints help and ends, -q and -y are --quiet and --yes, the
 * common options go to o, and the command's own options (the table own,
 * ended by CLI_LONGOPTS_END; NULL for none) go to fn(ctx, c, arg), which
 * returns 0 or an exit code (having printed why).  Unknown options and
 * missing values are usage errors; "--" ends the options.  On return
 * optind indexes the first operand.  Returns 0 to go on, -1 when help was
 * printed (exit 0), or an exit code.
 */
typedef int (*cli_optfn)(void *ctx, int c, const char *arg);
int cli_getopt(int argc, char **argv, const struct option *own,
    struct cli_opts *o, cli_optfn fn, void *ctx, const char *help);
/*
 * cli_getopt() for a command whose one own option, --NAME VALUE, takes a
 * string: *value gets it (the last one given).
 */
int cli_getopt_string(int argc, char **argv, struct cli_opts *o,
    const char *name, const char **value, const char *help);

/*
 * Refuse, before any parsing, an argument that looks like it carries a
 * secret (--secret=..., --password, --key, --token, or a generated key as
 * a word): secrets never come from argv, where ps and shell history see
 * them.  Returns 0 when none, else prints why and returns CLI_EXIT_USAGE.
 */
int cli_refuse_secret_args(int argc, char *const argv[]);

/* ---- times ------------------------------------------------------------- */

/*
 * --lock-timeout: a duration by cerbo_duration_parse_ms() ("500ms", "10s",
 * "1h" or a bare number of seconds) up to an hour, into milliseconds for
 * cerbo_txn_options (0, "do not wait", becomes 1 ms).  0, or -1 with err.
 */
#define CLI_LOCK_TIMEOUT_MAX_MS (3600L * 1000)
int cli_parse_timeout_ms(const char *s, long *out, struct cerbo_error *err);

/* ---- --json documents -------------------------------------------------- */

/* Begin a --json document: cli_json_init(), the top-level object and its
 * "changed" (every document has one). */
void cli_json_begin(struct cli_json *j, int changed);
/* The store's "generation" and "digest" (for --expect-generation and
 * --expect-digest). */
void cli_json_store_version(struct cli_json *j,
    const struct cerbo_store *store);
/* End the document cli_json_begin() began, print it on stdout and free
 * it: 0, or an exit code after saying why on stderr. */
int cli_json_end(struct cli_json *j);

/* ---- change lists ------------------------------------------------------ */

/*
 * A change list in a --json document: "changes", the lines as text (as
 * they always were), and "change_records", one object a change:
 * {"op": "added"|"updated"|"removed", "object": "user"|"profile", "name",
 * "field", "old", "new"} (field, old and new null where they do not
 * apply).  Never a secret or a hash.
 */
void cli_json_changes(struct cli_json *j, const struct cerbo_changes *list);
/* The lines on stdout, one each. */
void cli_print_changes(const struct cerbo_changes *list);

/* ---- the change log ---------------------------------------------------- */

/*
 * Log one successful change to syslog (LOG_AUTHPRIV|LOG_NOTICE, ident the
 * program name, LOG_PID): "<store>: <what> (by uid N[ via sudo from
 * USER])".  what never holds a secret or a hash.
 */
void cli_log_change(const char *store, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- one change, one transaction --------------------------------------- */

/*
 * The pattern of every changing command: begin a transaction with the
 * command line's options (lock timeout, expected generation/digest),
 * run fn on the store, commit when fn says it changed something, log it.
 *
 * fn returns 0 (setting c->changed and c->what) or -1 with err filled; on
 * -1 nothing is written.  With c->dry_run the change is made in memory
 * only (for --check).
 */
struct cli_change;
typedef int (*cli_change_fn)(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err);

struct cli_change {
	cli_change_fn fn;
	void *arg;          /* for fn */
	unsigned txn_flags; /* CERBO_TXN_CREATE for commands that may create */
	int dry_run;        /* run fn but never commit */
	/* out */
	int changed;         /* set by fn */
	char what[1024];     /* set by fn: what changed, for syslog */
	uint64_t generation; /* the store's generation after the change */
	char digest[65];     /* the store's digest after the change ("" for
	                        a store that does not exist yet) */
};

/*
 * Run it.  Returns 0, or -1 with err filled (print it with cli_error()).
 */
int cli_change_run(const struct cli_opts *o, struct cli_change *c,
    struct cerbo_error *err);

/* The txn options the command line asks for (for commands that drive a
 * transaction themselves). */
void cli_txn_options(const struct cli_opts *o, unsigned flags,
    struct cerbo_txn_options *out);

/*
 * For commands that only read: load the store at o->store with the trust
 * checks.  0 or -1 with err filled.
 */
int cli_load(const struct cli_opts *o, struct cerbo_store **out,
    struct cerbo_error *err);

/* ---- main ---------------------------------------------------------------- */

/* A command of a tool: run gets argv from the command's name on and
 * returns an exit code, or -1 after printing its --help. */
struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
};

/*
 * A tool's main(): refuse secrets on the command line, print usage (for no
 * command on stderr with CLI_EXIT_USAGE; for --help, -h or help on stdout),
 * take "help COMMAND" as "COMMAND --help", answer --version, run the
 * command named by argv[1], then flush standard output.  An exit code.
 */
int cli_main(int argc, char **argv, const char *progname, const char *usage,
    const struct cli_command *commands, size_t ncommands);

#endif /* CERBO_CLI_H */
