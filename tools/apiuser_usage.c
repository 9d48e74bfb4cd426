/*
 * apiuser_usage.c - when keys were last used: the usage-file command, and
 * the helpers list, show and rotate use to read and print the figures.
 *
 * The figures come from the usage file the store names (cerbo-store(5));
 * they are of this host only.  A missing or damaged file is told once and
 * read as "unknown", never as "never": a key nobody can vouch for is not
 * an unused key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiuser.h"

/* ---- reading ------------------------------------------------------------ */

struct cerbo_usage *
au_usage_open(const struct cerbo_store *store, int quiet)
{
	struct cerbo_usage *u = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char msg[1024];
	const char *path = cerbo_store_usage_file(store);

	if (path == NULL)
		return NULL;
	if (cerbo_usage_load(path, &u, &err) != 0) {
		if (!quiet)
			cli_warnx("last use unknown: %s",
			    cerbo_error_format(&err, msg, sizeof(msg)));
		return NULL;
	}
	return u;
}

/* t as RFC 3339 UTC ("2026-12-07T03:20:00Z"). */
static void
utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* "3 days", "5 minutes", "less than a minute": how long d seconds is. */
static void
span(int64_t d, char *buf, size_t len)
{
	static const struct {
		int64_t secs;
		const char *one, *many;
	} units[] = {
	    {86400, "day", "days"},
	    {3600, "hour", "hours"},
	    {60, "minute", "minutes"},
	};
	size_t i;
	int64_t n;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = d / units[i].secs;
		if (n >= 1) {
			snprintf(buf, len, "%lld %s", (long long)n,
			    n == 1 ? units[i].one : units[i].many);
			return;
		}
	}
	snprintf(buf, len, "less than a minute");
}

const char *
au_usage_text(const struct cerbo_store *store, const struct cerbo_usage *usage,
    int64_t t, int64_t now, char *buf, size_t len)
{
	char when[32], ago[48];

	if (cerbo_store_usage_file(store) == NULL)
		snprintf(buf, len, "not recorded (no usage_file)");
	else if (usage == NULL)
		snprintf(buf, len, "unknown");
	else if (t == 0)
		snprintf(buf, len, "never");
	else {
		utc(t, when, sizeof(when));
		if (t > now)
			snprintf(ago, sizeof(ago), "in the future");
		else {
			span(now - t, ago, sizeof(ago));
			strncat(ago, " ago", sizeof(ago) - strlen(ago) - 1);
		}
		snprintf(buf, len, "%s (%s)", when, ago);
	}
	return buf;
}

void
au_usage_json(struct cli_json *j, const char *key,
    const struct cerbo_usage *usage, int64_t t)
{
	char when[32];

	if (usage == NULL || t == 0) {
		cli_json_null(j, key);
		return;
	}
	utc(t, when, sizeof(when));
	cli_json_str(j, key, when);
}

int64_t
au_usage_idle_since(const struct cerbo_user *user,
    const struct cerbo_usage *usage)
{
	int64_t t = cerbo_usage_last_used(usage, user, CERBO_KEY_CURRENT);
	const char *c, *end;
	struct tm tm;

	if (t != 0)
		return t;
	/* The library wrote it, RFC 3339 UTC. */
	c = cerbo_user_get(user, CERBO_USER_CREATED);
	memset(&tm, 0, sizeof(tm));
	end = c != NULL ? strptime(c, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (end == NULL || *end != '\0')
		return 0;
	return (int64_t)timegm(&tm);
}

/* ---- rotate --finish --------------------------------------------------- */

int
au_finish_check(const struct cli_opts *o, const char *username, int force,
    char *used, size_t len)
{
	struct cerbo_store *store = NULL;
	struct cerbo_usage *usage = NULL;
	const struct cerbo_user *u;
	int64_t t, now = (int64_t)time(NULL);
	int rc;

	used[0] = '\0';
	rc = au_load(o, &store);
	if (rc != 0)
		goto out;
	u = au_find_user(store, username, &rc);
	if (u == NULL || cerbo_store_usage_file(store) == NULL ||
	    !cerbo_user_old_key_valid(u, now))
		goto out; /* the library says what there is to finish */
	usage = au_usage_open(store, 0);
	t = cerbo_usage_last_used(usage, u, CERBO_KEY_OLD);
	au_usage_text(store, usage, t, now, used, len);
	if (force)
		goto out;
	if (usage == NULL) {
		cli_warnx(
		    "rotate: when the old key of %s was last used cannot be "
		    "known; --force to end its grace period anyway",
		    username);
		rc = CLI_EXIT_STATE;
	} else if (t != 0 && now - t < AU_FINISH_RECENT) {
		cli_warnx(
		    "rotate: the old key of %s was last used %s, within the "
		    "last 15 minutes: an integration may still use it; "
		    "--force to end its grace period anyway",
		    username, used);
		rc = CLI_EXIT_STATE;
	}
out:
	cerbo_usage_free(usage);
	cerbo_store_free(store);
	return rc;
}

/* ---- usage-file -------------------------------------------------------- */

static const char usage_file_help[] =
    "usage: cerbo-apiuser usage-file PATH [OPTIONS]\n"
    "       cerbo-apiuser usage-file --off [OPTIONS]\n"
    "\n"
    "Record when each key is used, in the usage file PATH (an absolute path; the\n"
    "packages make /var/lib/cerbo for it: /var/lib/cerbo/usage).  The store names\n"
    "it (usage_file); the file is created, or rebuilt when damaged or too small,\n"
    "keeping its figures.  The processes that verify keys (the web server, cerbo-authd)\n"
    "must be able to write it: the file is made mode 0664 with the group of its\n"
    "folder.  --off stops the recording (the file is left in place).\n"
    "\n"
    "  --off                   name no usage file\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

struct usage_file_ctx {
	const char *path; /* NULL: --off */
	int off;
};

static int
usage_file_opt(void *ctx, int c, const char *arg)
{
	(void)arg;
	if (c != AU_OPT_OFF)
		return cli_usage_error("usage-file", "unknown option");
	((struct usage_file_ctx *)ctx)->off = 1;
	return 0;
}

static int
usage_file_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct usage_file_ctx *u = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);
	const char *now = cerbo_store_usage_file(store);

	if ((now == NULL && u->path == NULL) ||
	    (now != NULL && u->path != NULL && strcmp(now, u->path) == 0))
		return 0;
	if (cerbo_store_set_usage_file(store, u->path, err) != 0)
		return -1;
	c->changed = 1;
	if (u->path != NULL)
		snprintf(c->what, sizeof(c->what), "usage file set to %s",
		    u->path);
	else
		snprintf(c->what, sizeof(c->what), "usage file removed");
	return 0;
}

int
cmd_usage_file(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"off", no_argument, NULL, AU_OPT_OFF},
	    CLI_LONGOPTS_END,
	};
	struct usage_file_ctx u = {NULL, 0};
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_opts o;
	struct cli_change c;
	struct cli_json j;
	int rc, rebuilt = 0;

	memset(&c, 0, sizeof(c));
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, usage_file_opt, &u,
	    usage_file_help);
	if (rc != 0)
		goto out;
	if (u.off == (optind < argc)) {
		rc = cli_usage_error("usage-file",
		    u.off ? "--off takes no PATH"
		          : "which file? (PATH or --off)");
		goto out;
	}
	if (optind + 1 < argc) {
		rc = cli_usage_error("usage-file", "unexpected argument: %s",
		    argv[optind + 1]);
		goto out;
	}
	u.path = u.off ? NULL : argv[optind];
	c.fn = usage_file_change;
	c.arg = &u;
	if (cli_change_run(&o, &c, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	/* cli_change_run made the file ready after a change; unchanged, it
	 * may still need a rebuild (the command the verifier's notice names).
	 */
	if (!u.off) {
		rc = au_load(&o, &store);
		if (rc != 0)
			goto out;
		if (cerbo_usage_prepare(store, &rebuilt, &err) != 0) {
			rc = cli_error(&err);
			goto out;
		}
	}
	if (o.json) {
		cli_json_begin(&j, c.changed || rebuilt);
		cli_json_str(&j, "usage_file", u.path);
		cli_json_u64(&j, "generation", c.generation);
		rc = cli_json_end(&j);
	} else if (!o.quiet) {
		if (u.off)
			printf("%s\n",
			    c.changed ? "usage recording off"
			              : "no usage file was named");
		else
			printf("uses of keys are recorded in %s%s\n", u.path,
			    rebuilt ? " (file rebuilt)" : "");
	}
out:
	cerbo_store_free(store);
	return rc;
}
