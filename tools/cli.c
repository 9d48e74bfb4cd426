/*
 * cli.c - helpers shared by cerbo-apiuser and cerbo-profile: exit codes,
 * messages, common options, the lock timeout, syslog of changes, the one-change
 * transaction and main().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "parse.h"

static const char *progname = "cerbo";

void
cli_init(const char *name)
{
	progname = name;
}

const char *
cli_progname(void)
{
	return progname;
}

int
cli_exit_code(enum cerbo_status status)
{
	switch (status) {
	case CERBO_OK:
		return CLI_EXIT_OK;
	case CERBO_E_INVALID:
		return CLI_EXIT_INVALID;
	case CERBO_E_NOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case CERBO_E_EXISTS:
		return CLI_EXIT_EXISTS;
	case CERBO_E_LOCK:
		return CLI_EXIT_LOCK;
	case CERBO_E_STORE:
	case CERBO_E_TOO_NEW:
		return CLI_EXIT_STORE;
	case CERBO_E_UNSAFE:
		return CLI_EXIT_UNSAFE;
	case CERBO_E_IO:
	case CERBO_E_NOMEM:
		return CLI_EXIT_IO;
	case CERBO_E_CONFLICT:
		return CLI_EXIT_CONFLICT;
	case CERBO_E_STATE:
	case CERBO_E_INUSE:
		return CLI_EXIT_STATE;
	}
	return CLI_EXIT_IO;
}

int
cli_error(const struct cerbo_error *err)
{
	char text[1024];

	cerbo_error_format(err, text, sizeof(text));
	if (text[0] == '\0')
		fprintf(stderr, "%s: %s\n", progname,
		    cerbo_status_name(err->status));
	else
		fprintf(stderr, "%s: %s\n", progname, text);
	if (err->status == CERBO_OK)
		return CLI_EXIT_IO; /* an error without a status is a bug */
	return cli_exit_code(err->status);
}

void
cli_warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd != NULL)
		fprintf(stderr, "Try '%s %s --help'.\n", progname, cmd);
	else
		fprintf(stderr, "Try '%s --help'.\n", progname);
	return CLI_EXIT_USAGE;
}

/* ---- common options ---------------------------------------------------- */

void
cli_opts_init(struct cli_opts *o)
{
	const char *env;

	memset(o, 0, sizeof(*o));
	o->store = CERBO_STORE_DEFAULT;
	env = getenv("CERBO_STORE");
	if (env != NULL && env[0] != '\0')
		o->store = env;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f') ||
		        (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return i == 64;
}

int
cli_opt_common(struct cli_opts *o, const char *cmd, int c, const char *arg)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	switch (c) {
	case CLI_OPT_STORE:
		if (arg[0] == '\0') {
			cli_usage_error(cmd, "--store: empty path");
			return -1;
		}
		o->store = arg;
		return 1;
	case CLI_OPT_JSON:
		o->json = 1;
		return 1;
	case CLI_OPT_EXPECT_GENERATION:
		if (cerbo__number_parse_u64(arg, UINT64_MAX,
		        &o->expect_generation, &err) != 0) {
			cli_usage_error(cmd, "--expect-generation: %s: %s",
			    err.message, arg);
			return -1;
		}
		o->expect_generation_set = 1;
		return 1;
	case CLI_OPT_EXPECT_DIGEST:
		if (!is_hex64(arg)) {
			cli_usage_error(cmd,
			    "--expect-digest: not 64 hex digits: %s", arg);
			return -1;
		}
		o->expect_digest = arg;
		return 1;
	case CLI_OPT_LOCK_TIMEOUT:
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		if (cli_parse_timeout_ms(arg, &o->lock_timeout_ms, &err) != 0) {
			cli_usage_error(cmd, "--lock-timeout: %s: %s",
			    err.message, arg);
			return -1;
		}
		return 1;
	case CLI_OPT_YES:
		o->yes = 1;
		return 1;
	case CLI_OPT_QUIET:
		o->quiet = 1;
		return 1;
	default:
		return 0;
	}
}

/* The options of every command, before a command's own. */
static const struct option common_longopts[] = {
    {"store", required_argument, NULL, CLI_OPT_STORE},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"expect-generation", required_argument, NULL, CLI_OPT_EXPECT_GENERATION},
    {"expect-digest", required_argument, NULL, CLI_OPT_EXPECT_DIGEST},
    {"lock-timeout", required_argument, NULL, CLI_OPT_LOCK_TIMEOUT},
    {"yes", no_argument, NULL, CLI_OPT_YES},
    {"quiet", no_argument, NULL, CLI_OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
};
#define NCOMMON (sizeof(common_longopts) / sizeof(common_longopts[0]))

/* The common options, then own's, then the end: one table for
 * getopt_long, freed by the caller; NULL when out of memory. */
static struct option *
longopts_join(const struct option *own)
{
	struct option *all;
	size_t n = 0;

	while (own != NULL && own[n].name != NULL)
		n++;
	all = calloc(NCOMMON + n + 1, sizeof(*all));
	if (all == NULL)
		return NULL;
	memcpy(all, common_longopts, sizeof(common_longopts));
	if (n > 0)
		memcpy(all + NCOMMON, own, n * sizeof(*own));
	return all;
}

int
cli_getopt(int argc, char **argv, const struct option *own, struct cli_opts *o,
    cli_optfn fn, void *ctx, const char *help)
{
	struct option *longopts;
	int c, r = 0;

	longopts = longopts_join(own);
	if (longopts == NULL) {
		cli_warnx("out of memory");
		return CLI_EXIT_IO;
	}
	opterr = 0;
	optind = 1;
	for (;;) {
		c = getopt_long(argc, argv, ":hqy", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'h':
			fputs(help, stdout);
			r = -1;
			goto out;
		case 'q':
			c = CLI_OPT_QUIET;
			break;
		case 'y':
			c = CLI_OPT_YES;
			break;
		case '?':
			if (optopt != 0)
				r = cli_usage_error(argv[0],
				    "unknown option -%c", optopt);
			else
				r = cli_usage_error(argv[0],
				    "unknown option %s", argv[optind - 1]);
			goto out;
		case ':':
			r = cli_usage_error(argv[0], "option %s needs a value",
			    argv[optind - 1]);
			goto out;
		default:
			break;
		}
		r = cli_opt_common(o, argv[0], c, optarg);
		if (r < 0) {
			r = CLI_EXIT_USAGE;
			goto out;
		}
		if (r > 0) {
			r = 0;
			continue;
		}
		if (fn == NULL) {
			r = cli_usage_error(argv[0], "unknown option %s",
			    argv[optind - 1]);
			goto out;
		}
		r = fn(ctx, c, optarg);
		if (r != 0)
			goto out;
	}
out:
	free(longopts);
	return r;
}

static int
opt_string(void *ctx, int c, const char *arg)
{
	(void)c;
	*(const char **)ctx = arg;
	return 0;
}

int
cli_getopt_string(int argc, char **argv, struct cli_opts *o, const char *name,
    const char **value, const char *help)
{
	const struct option own[] = {
	    {name, required_argument, NULL, CLI_OPT_FIRST_FREE},
	    CLI_LONGOPTS_END,
	};

	return cli_getopt(argc, argv, own, o, opt_string, value, help);
}

/* Options that would carry a secret; matched as "--name" or "--name=". */
static const char *const secret_opts[] = {"secret", "secret-key", "password",
    "passwd", "pass", "key", "token", "apikey", "api-key", NULL};

int
cli_refuse_secret_args(int argc, char *const argv[])
{
	const char *a, *name;
	size_t i, n;
	int k;

	for (k = 1; k < argc; k++) {
		a = argv[k];
		if (strcmp(a, "--") == 0)
			break;
		if (cerbo_secret_is_generated(a, strlen(a))) {
			cli_warnx(
			    "argument %d is a secret key: secrets are never taken from the command line (ps and shell history show them); give it on standard input. Consider this key exposed and rotate it",
			    k);
			return CLI_EXIT_USAGE;
		}
		if (strncmp(a, "--", 2) != 0)
			continue;
		name = a + 2;
		for (i = 0; secret_opts[i] != NULL; i++) {
			n = strlen(secret_opts[i]);
			if (strncmp(name, secret_opts[i], n) == 0 &&
			    (name[n] == '\0' || name[n] == '=')) {
				cli_warnx(
				    "--%s: secrets are never taken from the command line; use --secret-stdin (standard input) or a terminal prompt",
				    secret_opts[i]);
				return CLI_EXIT_USAGE;
			}
		}
	}
	return 0;
}

/* ---- times ------------------------------------------------------------- */

int
cli_parse_timeout_ms(const char *s, long *out, struct cerbo_error *err)
{
	int64_t ms;

	if (cerbo_duration_parse_ms(s, 0, CLI_LOCK_TIMEOUT_MAX_MS, &ms, err) !=
	    0)
		return -1;
	/* 0 asks for "do not wait": the library reads <= 0 as its default. */
	*out = ms == 0 ? 1 : (long)ms;
	return 0;
}

/* ---- change lists ------------------------------------------------------ */

void
cli_json_begin(struct cli_json *j, int changed)
{
	cli_json_init(j);
	cli_json_object_begin(j, NULL);
	cli_json_bool(j, "changed", changed);
}

void
cli_json_store_version(struct cli_json *j, const struct cerbo_store *store)
{
	cli_json_u64(j, "generation", cerbo_store_generation(store));
	cli_json_str(j, "digest", cerbo_store_digest(store));
}

int
cli_json_end(struct cli_json *j)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int rc = CLI_EXIT_OK;

	cli_json_object_end(j);
	if (cli_json_print(j, stdout, &err) != 0)
		rc = cli_error(&err);
	cli_json_free(j);
	return rc;
}

void
cli_json_changes(struct cli_json *j, const struct cerbo_changes *list)
{
	size_t i, n = cerbo_changes_count(list);

	cli_json_array_begin(j, "changes");
	for (i = 0; i < n; i++)
		cli_json_str(j, NULL, cerbo_change_text(list, i));
	cli_json_array_end(j);
	cli_json_array_begin(j, "change_records");
	for (i = 0; i < n; i++) {
		cli_json_object_begin(j, NULL);
		cli_json_str(j, "op",
		    cerbo_change_op_name(cerbo_change_op(list, i)));
		cli_json_str(j, "object",
		    cerbo_change_object_name(cerbo_change_object(list, i)));
		cli_json_str(j, "name", cerbo_change_name(list, i));
		cli_json_str(j, "field", cerbo_change_field(list, i));
		cli_json_str(j, "old", cerbo_change_old(list, i));
		cli_json_str(j, "new", cerbo_change_new(list, i));
		cli_json_object_end(j);
	}
	cli_json_array_end(j);
}

void
cli_print_changes(const struct cerbo_changes *list)
{
	size_t i, n = cerbo_changes_count(list);

	for (i = 0; i < n; i++)
		printf("%s\n", cerbo_change_text(list, i));
}

/* ---- syslog ------------------------------------------------------------ */

void
cli_log_change(const char *store, const char *fmt, ...)
{
	char what[1024], who[160];
	const char *sudo_user;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0)
		what[0] = '\0';
	sudo_user = getenv("SUDO_USER");
	if (sudo_user != NULL && sudo_user[0] != '\0') {
		char name[65];
		size_t i;

		/* From the environment: no control bytes into the log. */
		for (i = 0; i < sizeof(name) - 1 && sudo_user[i] != '\0'; i++)
			name[i] = (unsigned char)sudo_user[i] < 0x20 ||
			        sudo_user[i] == 0x7f
			    ? '?'
			    : sudo_user[i];
		name[i] = '\0';
		n = snprintf(who, sizeof(who), "uid %lu via sudo from %s",
		    (unsigned long)getuid(), name);
	} else
		n = snprintf(who, sizeof(who), "uid %lu",
		    (unsigned long)getuid());
	if (n < 0)
		who[0] = '\0';
	openlog(progname, LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "%s: %s (by %s)", store, what, who);
	closelog();
}

/* ---- transactions ------------------------------------------------------ */

void
cli_txn_options(const struct cli_opts *o, unsigned flags,
    struct cerbo_txn_options *out)
{
	*out = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	out->flags = flags;
	out->timeout_ms = o->lock_timeout_ms;
	out->expect_generation_set = o->expect_generation_set;
	out->expect_generation = o->expect_generation;
	out->expect_digest = o->expect_digest;
}

/*
 * The usage file follows the users: created, grown or tidied after a
 * change.  A failure there is told and leaves the change made.
 */
static void
usage_follow(const struct cerbo_store *store)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char msg[1024];

	if (cerbo_usage_prepare(store, NULL, &err) != 0)
		cli_warnx("the usage file was not updated: %s",
		    cerbo_error_format(&err, msg, sizeof(msg)));
}

int
cli_change_run(const struct cli_opts *o, struct cli_change *c,
    struct cerbo_error *err)
{
	struct cerbo_txn_options topts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *store;
	int rc = -1;

	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	c->changed = 0;
	c->what[0] = '\0';
	c->digest[0] = '\0';
	cli_txn_options(o, c->txn_flags, &topts);
	if (cerbo_txn_begin(o->store, &topts, &txn, err) != 0)
		goto out;
	store = cerbo_txn_store(txn);
	c->generation = cerbo_txn_generation(txn);
	snprintf(c->digest, sizeof(c->digest), "%s", cerbo_store_digest(store));
	if (c->fn(txn, c, err) != 0)
		goto out;
	if (!c->changed || c->dry_run) {
		rc = 0;
		goto out;
	}
	if (cerbo_txn_commit(txn, err) != 0)
		goto out;
	c->generation = cerbo_txn_generation(txn);
	snprintf(c->digest, sizeof(c->digest), "%s", cerbo_store_digest(store));
	cli_log_change(o->store, "%s",
	    c->what[0] != '\0' ? c->what : "changed");
	usage_follow(store);
	rc = 0;
out:
	cerbo_txn_free(txn);
	return rc;
}

int
cli_load(const struct cli_opts *o, struct cerbo_store **out,
    struct cerbo_error *err)
{
	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	return cerbo_store_load(o->store, 0, out, err);
}

/* ---- main ---------------------------------------------------------------- */

static const struct cli_command *
find_command(const struct cli_command *commands, size_t ncommands,
    const char *name)
{
	size_t i;

	for (i = 0; i < ncommands; i++) {
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	}
	return NULL;
}

int
cli_main(int argc, char **argv, const char *name, const char *usage,
    const struct cli_command *commands, size_t ncommands)
{
	const struct cli_command *cmd;
	int rc;

	cli_init(name);
	if (sodium_init() < 0) {
		cli_warnx("libsodium failed to initialise");
		return CLI_EXIT_IO;
	}
	rc = cli_refuse_secret_args(argc, argv);
	if (rc != 0)
		return rc;
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			/* "help COMMAND" is "COMMAND --help" */
			char *hargv[3] = {argv[2], (char *)"--help", NULL};

			cmd = find_command(commands, ncommands, argv[2]);
			if (cmd == NULL)
				return cli_usage_error(NULL,
				    "unknown command: %s", argv[2]);
			return cmd->run(2, hargv) < 0 ? CLI_EXIT_OK
			                              : CLI_EXIT_USAGE;
		}
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s (pam_cerbo) %s, store format %d\n", name,
		    cerbo_version(), CERBO_STORE_FORMAT);
		return CLI_EXIT_OK;
	}
	cmd = find_command(commands, ncommands, argv[1]);
	if (cmd == NULL) {
		if (argv[1][0] == '-')
			return cli_usage_error(NULL,
			    "%s: the command comes first, its options after it",
			    argv[1]);
		return cli_usage_error(NULL, "unknown command: %s", argv[1]);
	}
	rc = cmd->run(argc - 1, argv + 1);
	if (rc < 0)
		rc = CLI_EXIT_OK; /* --help was printed */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_warnx("writing the output: %s", strerror(errno));
		if (rc == 0)
			rc = CLI_EXIT_IO;
	}
	return rc;
}
