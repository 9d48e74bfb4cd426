/*
 * apiuser_edit.c - the commands that change an existing user: edit,
 * rotate, delete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "apiuser.h"

/* ---- edit -------------------------------------------------------------- */

static const char edit_help[] =
    "usage: cerbo-apiuser edit USER [--nickname TEXT] [--profile NAME] [--email ADDRESS]\n"
    "                               [--description TEXT] [--disable | --enable]\n"
    "                               [--expires TIME|never]\n"
    "                               [--allow-from CIDR[,CIDR]|any] [OPTIONS]\n"
    "\n"
    "Change USER's details; every value is validated before anything is saved.\n"
    "Prints \"unchanged\" (and writes nothing) when every value is already so.\n"
    "The secret is never displayed: see rotate and import.\n"
    "\n"
    "  --nickname TEXT         what the credentials are for\n"
    "  --profile NAME          the permission profile (must exist)\n"
    "  --email ADDRESS         the primary contact\n"
    "  --description TEXT      the intended use\n"
    "  --disable               refuse every login of USER\n"
    "  --enable                allow USER again\n"
    "  --expires TIME|never    stop working at TIME, RFC 3339 UTC (2027-01-31T00:00:00Z)\n"
    "  --allow-from CIDR[,CIDR]|any\n"
    "                          client networks USER may come from (192.0.2.0/24,\n"
    "                          2001:db8::/32); any: no restriction\n"
    "  --check                 judge each field given (and that USER exists), each\n"
    "                          on its own; change nothing; --json: {\"valid\",\n"
    "                          \"fields\": {NAME: null|MESSAGE}, \"generation\", \"digest\"}\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

#define EDIT_FIELDS 7
struct edit_ctx {
	const char *username;
	const char *value[EDIT_FIELDS]; /* NULL: not given */
	int given[EDIT_FIELDS];
	int disable, enable, check;
	struct cerbo_changes *changes; /* what changed */
	char changed_names[256];       /* their field names, for messages */
};

static const enum cerbo_user_field edit_field[EDIT_FIELDS] = {
    CERBO_USER_NICKNAME,
    CERBO_USER_PROFILE,
    CERBO_USER_EMAIL,
    CERBO_USER_DESCRIPTION,
    CERBO_USER_EXPIRES,
    CERBO_USER_ALLOW_FROM,
    CERBO_USER_DISABLED,
};

static int
edit_opt(void *ctx, int c, const char *arg)
{
	struct edit_ctx *e = ctx;
	int i;

	switch (c) {
	case AU_OPT_NICKNAME:
		i = 0;
		break;
	case AU_OPT_PROFILE:
		i = 1;
		break;
	case AU_OPT_EMAIL:
		i = 2;
		break;
	case AU_OPT_DESCRIPTION:
		i = 3;
		break;
	case AU_OPT_EXPIRES:
		i = 4;
		arg = strcmp(arg, "never") == 0 ? NULL : arg;
		break;
	case AU_OPT_ALLOW_FROM:
		i = 5;
		arg = strcmp(arg, "any") == 0 ? NULL : arg;
		break;
	case AU_OPT_DISABLE:
		e->disable = 1;
		i = 6;
		arg = "true";
		break;
	case AU_OPT_ENABLE:
		e->enable = 1;
		i = 6;
		arg = "false";
		break;
	case AU_OPT_CHECK:
		e->check = 1;
		return 0;
	default:
		return cli_usage_error("edit", "unknown option");
	}
	e->value[i] = arg;
	e->given[i] = 1;
	return 0;
}

static int
edit_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct edit_ctx *e = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);
	const struct cerbo_user *u;
	const char *have;
	char *old = NULL;
	time_t now = time(NULL);
	size_t n = 0;
	int i, ch, rc = -1;

	u = cerbo_store_user_find(store, e->username);
	if (u == NULL) {
		err->status = cerbo_username_valid(e->username)
		    ? CERBO_E_NOTFOUND
		    : CERBO_E_INVALID;
		snprintf(err->message, sizeof(err->message), "%s: no such user",
		    e->username);
		return -1;
	}
	e->changed_names[0] = '\0';
	for (i = 0; i < EDIT_FIELDS; i++) {
		if (!e->given[i])
			continue;
		free(old);
		old = NULL;
		have = cerbo_user_get(u, edit_field[i]);
		if (have != NULL)
			old = strdup(have);
		if (have != NULL && old == NULL) {
			err->status = CERBO_E_NOMEM;
			snprintf(err->message, sizeof(err->message),
			    "out of memory");
			goto out;
		}
		ch = 0;
		if (cerbo_user_set(store, e->username, edit_field[i],
		        e->value[i], now, &ch, err) != 0)
			goto out;
		if (!ch)
			continue;
		if (cerbo_changes_add(e->changes, CERBO_CHANGE_UPDATED,
		        CERBO_OBJECT_USER, e->username,
		        cerbo_user_field_name(edit_field[i]), old,
		        cerbo_user_get(u, edit_field[i]), err) != 0)
			goto out;
		c->changed = 1;
		n += (size_t)snprintf(e->changed_names + n,
		    n < sizeof(e->changed_names) ? sizeof(e->changed_names) - n
		                                 : 0,
		    "%s%s", n > 0 ? ", " : "",
		    cerbo_user_field_name(edit_field[i]));
	}
	snprintf(c->what, sizeof(c->what), "edited user %s: %s", e->username,
	    e->changed_names);
	rc = 0;
out:
	free(old);
	return rc;
}

/* edit --check: the user must exist; each given field judged. */
static int
edit_check(const struct edit_ctx *e, const struct cli_opts *o)
{
	struct au_field_value f[EDIT_FIELDS + 1];
	size_t n = 0;
	int i;

	f[n++] = (struct au_field_value){AU_FIELD_USERNAME, e->username};
	for (i = 0; i < EDIT_FIELDS; i++)
		if (e->given[i] && edit_field[i] != CERBO_USER_DISABLED)
			f[n++] = (struct au_field_value){(int)edit_field[i],
			    e->value[i]};
	return au_fields_check(o, f, n, 0);
}

int
cmd_edit(int argc, char **argv)
{
	static const struct option longopts[] = {
	    AU_FIELD_LONGOPTS,
	    {"disable", no_argument, NULL, AU_OPT_DISABLE},
	    {"enable", no_argument, NULL, AU_OPT_ENABLE},
	    {"check", no_argument, NULL, AU_OPT_CHECK},
	    CLI_LONGOPTS_END,
	};
	struct edit_ctx e;
	struct cli_opts o;
	struct cli_change c;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	size_t k, n;
	int rc, i, any = 0;

	memset(&e, 0, sizeof(e));
	memset(&c, 0, sizeof(c));
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, edit_opt, &e, edit_help);
	if (rc != 0)
		return rc;
	e.username = au_one_user(argc, argv, "edit");
	if (e.username == NULL)
		return CLI_EXIT_USAGE;
	if (e.disable && e.enable)
		return cli_usage_error("edit",
		    "--disable and --enable contradict each other");
	for (i = 0; i < EDIT_FIELDS; i++)
		any |= e.given[i];
	if (e.check)
		return edit_check(&e, &o);
	if (!any)
		return cli_usage_error("edit",
		    "nothing to change: give at least one of --nickname --profile --email --description --disable --enable --expires --allow-from");
	e.changes = cerbo_changes_new();
	if (e.changes == NULL) {
		cli_warnx("out of memory");
		return CLI_EXIT_IO;
	}
	c.fn = edit_change;
	c.arg = &e;
	if (cli_change_run(&o, &c, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	if (o.json) {
		cli_json_begin(&j, c.changed);
		cli_json_str(&j, "username", e.username);
		cli_json_array_begin(&j, "fields");
		n = cerbo_changes_count(e.changes);
		for (k = 0; k < n; k++)
			cli_json_str(&j, NULL,
			    cerbo_change_field(e.changes, k));
		cli_json_array_end(&j);
		cli_json_changes(&j, e.changes);
		cli_json_u64(&j, "generation", c.generation);
		rc = cli_json_end(&j);
	} else if (!c.changed) {
		printf("unchanged\n");
	} else if (!o.quiet) {
		printf("updated %s: %s\n", e.username, e.changed_names);
	}
out:
	cerbo_changes_free(e.changes);
	return rc;
}

/* ---- rotate ------------------------------------------------------------ */

static const char rotate_help[] =
    "usage: cerbo-apiuser rotate USER [--grace DURATION] [--force] [--secret-file PATH]\n"
    "       cerbo-apiuser rotate USER --finish [--force]\n"
    "\n"
    "Give USER a new secret key, printed exactly once (or written to --secret-file,\n"
    "or as \"secret\" in --json).  Without --grace the old key stops working at once.\n"
    "With --grace it keeps working that long, so integrations can switch without\n"
    "downtime; show tells until when.  A second rotate while an old key is still\n"
    "valid is refused (exit 11) without --force, because it would drop a key\n"
    "integrations may still use.  Expired old keys are dropped on every change.\n"
    "\n"
    "  --grace DURATION        keep the old key valid for DURATION: 90s, 15m, 24h, 7d\n"
    "                          (at most 7d)\n"
    "  --force                 rotate even while an old key is valid (drops it)\n"
    "  --finish                end the grace period now: the old key stops working\n"
    "                          (after a leak); no new key.  Says when the old key\n"
    "                          was last used on this host, and is refused (exit 11)\n"
    "                          without --force when that was within 15 minutes\n"
    "                          (or cannot be known from the store's usage file)\n"
    "  --secret-file PATH      write the new key to PATH, a new file (mode 0600,\n"
    "                          never overwritten) instead of printing it\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

struct rotate_ctx {
	const char *username;
	const char *secret_file;
	int64_t grace;
	int grace_given, force, finish;
	int file_written;
	char secret[CERBO_SECRET_GENERATED_SIZE];
	char hash[CERBO_HASH_MAX];
	char old_until[32];
	char old_used[96]; /* --finish: when the old key was last used */
};

static int
rotate_opt(void *ctx, int c, const char *arg)
{
	struct rotate_ctx *r = ctx;

	switch (c) {
	case AU_OPT_GRACE:
		if (au_grace_opt("rotate", arg, &r->grace) != 0)
			return CLI_EXIT_INVALID;
		r->grace_given = 1;
		break;
	case AU_OPT_FORCE:
		r->force = 1;
		break;
	case AU_OPT_FINISH:
		r->finish = 1;
		break;
	case AU_OPT_SECRET_FILE:
		r->secret_file = arg;
		break;
	default:
		return cli_usage_error("rotate", "unknown option");
	}
	return 0;
}

static int
rotate_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct rotate_ctx *r = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);
	const struct cerbo_user *u;
	time_t now = time(NULL);
	const char *v;

	if (cerbo_store_user_find(store, r->username) == NULL) {
		err->status = cerbo_username_valid(r->username)
		    ? CERBO_E_NOTFOUND
		    : CERBO_E_INVALID;
		snprintf(err->message, sizeof(err->message), "%s: no such user",
		    r->username);
		return -1;
	}
	if (r->finish) {
		if (cerbo_user_drop_old_secret(store, r->username, now, err) !=
		    0)
			return -1;
		c->changed = 1;
		snprintf(c->what, sizeof(c->what),
		    "ended the grace period of %s: old key dropped",
		    r->username);
		return 0;
	}
	if (cerbo_user_set_secret(store, r->username, r->hash, now, r->grace,
	        r->force, err) != 0)
		return -1;
	u = cerbo_store_user_find(store, r->username);
	v = u != NULL ? cerbo_user_get(u, CERBO_USER_OLD_SECRET_EXPIRES) : NULL;
	snprintf(r->old_until, sizeof(r->old_until), "%s",
	    v != NULL && r->grace > 0 ? v : "");
	if (r->secret_file != NULL) {
		if (cli_write_secret_file(r->secret_file, r->secret, err) != 0)
			return -1;
		r->file_written = 1;
	}
	c->changed = 1;
	if (r->grace > 0)
		snprintf(c->what, sizeof(c->what),
		    "rotated the key of %s; the old key stays valid until %s",
		    r->username, r->old_until);
	else
		snprintf(c->what, sizeof(c->what),
		    "rotated the key of %s; the old key stopped working",
		    r->username);
	return 0;
}

int
cmd_rotate(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"grace", required_argument, NULL, AU_OPT_GRACE},
	    {"force", no_argument, NULL, AU_OPT_FORCE},
	    {"finish", no_argument, NULL, AU_OPT_FINISH},
	    {"secret-file", required_argument, NULL, AU_OPT_SECRET_FILE},
	    CLI_LONGOPTS_END,
	};
	struct rotate_ctx *r;
	struct cli_opts o;
	struct cli_change c;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	int rc;

	r = sodium_malloc(sizeof(*r));
	if (r == NULL) {
		cli_warnx("out of memory");
		return CLI_EXIT_IO;
	}
	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, rotate_opt, r, rotate_help);
	if (rc != 0)
		goto out;
	r->username = au_one_user(argc, argv, "rotate");
	if (r->username == NULL) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (r->finish && (r->grace_given || r->secret_file)) {
		rc = cli_usage_error("rotate",
		    "--finish takes no --grace or --secret-file");
		goto out;
	}
	if (r->finish) {
		rc = au_finish_check(&o, r->username, r->force, r->old_used,
		    sizeof(r->old_used));
		if (rc != 0)
			goto out;
	}
	if (!r->finish &&
	    (cerbo_secret_generate(r->secret, sizeof(r->secret)) != 0 ||
	        cerbo_secret_hash(r->secret, strlen(r->secret), r->hash,
	            sizeof(r->hash), &err) != 0)) {
		cli_warnx("rotate: cannot make a secret key");
		rc = CLI_EXIT_IO;
		goto out;
	}
	c.fn = rotate_change;
	c.arg = r;
	if (cli_change_run(&o, &c, &err) != 0) {
		if (r->file_written)
			unlink(r->secret_file);
		rc = cli_error(&err);
		goto out;
	}
	if (o.json) {
		cli_json_begin(&j, c.changed);
		cli_json_str(&j, "username", r->username);
		if (!r->finish && r->secret_file == NULL)
			cli_json_str(&j, "secret", r->secret);
		if (!r->finish && r->secret_file != NULL)
			cli_json_str(&j, "secret_file", r->secret_file);
		cli_json_str(&j, "old_secret_expires",
		    r->old_until[0] != '\0' ? r->old_until : NULL);
		if (r->finish)
			cli_json_str(&j, "old_key_last_used",
			    r->old_used[0] != '\0' ? r->old_used : NULL);
		cli_json_u64(&j, "generation", c.generation);
		rc = cli_json_end(&j);
		goto out;
	}
	if (r->finish) {
		if (!o.quiet)
			printf(
			    "%s: grace period ended; the old key no longer works%s%s\n",
			    r->username,
			    r->old_used[0] != '\0' ? "; it was last used " : "",
			    r->old_used[0] != '\0' ? r->old_used : "");
		goto out;
	}
	if (!o.quiet) {
		if (r->old_until[0] != '\0')
			printf(
			    "rotated %s; the old key keeps working until %s\n",
			    r->username, r->old_until);
		else
			printf("rotated %s; the old key no longer works\n",
			    r->username);
	}
	au_print_secret(&o, r->username, r->secret, r->secret_file);
out:
	sodium_free(r);
	return rc;
}

/* ---- delete ------------------------------------------------------------ */

static const char delete_help[] =
    "usage: cerbo-apiuser delete USER [--yes] [--if-exists] [OPTIONS]\n"
    "\n"
    "Delete USER permanently: its key stops working at once.  On a terminal you\n"
    "are asked to type the username to confirm; elsewhere --yes is required.\n"
    "\n"
    "  -y, --yes               do not ask\n"
    "  --if-exists             succeed without change when USER does not exist\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

struct delete_ctx {
	const char *username;
	int if_exists;
};

static int
delete_opt(void *ctx, int c, const char *arg)
{
	(void)arg;
	if (c != AU_OPT_IF_EXISTS)
		return cli_usage_error("delete", "unknown option");
	((struct delete_ctx *)ctx)->if_exists = 1;
	return 0;
}

static int
delete_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct delete_ctx *d = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);

	if (d->if_exists && cerbo_store_user_find(store, d->username) == NULL)
		return 0;
	if (cerbo_user_remove(store, d->username, err) != 0)
		return -1;
	c->changed = 1;
	snprintf(c->what, sizeof(c->what), "deleted user %s", d->username);
	return 0;
}

int
cmd_delete(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"if-exists", no_argument, NULL, AU_OPT_IF_EXISTS},
	    CLI_LONGOPTS_END,
	};
	struct cerbo_store *store = NULL;
	struct delete_ctx d;
	struct cli_opts o;
	struct cli_change c;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	char answer[CERBO_USERNAME_MAX + 2];
	int rc;

	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, delete_opt, &d, delete_help);
	if (rc != 0)
		goto out;
	d.username = au_one_user(argc, argv, "delete");
	if (d.username == NULL) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (!o.yes) {
		if (!cli_interactive()) {
			rc = cli_usage_error("delete",
			    "not on a terminal: pass --yes to delete %s",
			    d.username);
			goto out;
		}
		/* Ask only about a user that exists; never under the lock. */
		rc = au_load(&o, &store);
		if (rc != 0)
			goto out;
		if (cerbo_store_user_find(store, d.username) != NULL) {
			fprintf(stderr,
			    "Deleting %s (%s) is permanent: its key stops working at once.\n",
			    d.username,
			    cerbo_user_get(cerbo_store_user_find(store,
			                       d.username),
			        CERBO_USER_NICKNAME));
			if (cli_prompt("Type the username to confirm: ", answer,
			        sizeof(answer)) != 0 ||
			    strcmp(answer, d.username) != 0) {
				cli_warnx(
				    "delete: not confirmed; nothing deleted");
				rc = CLI_EXIT_REFUSED;
				goto out;
			}
		}
	}
	c.fn = delete_change;
	c.arg = &d;
	if (cli_change_run(&o, &c, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	if (o.json) {
		cli_json_begin(&j, c.changed);
		cli_json_str(&j, "username", d.username);
		cli_json_u64(&j, "generation", c.generation);
		rc = cli_json_end(&j);
	} else if (!c.changed) {
		printf("unchanged: %s does not exist\n", d.username);
	} else if (!o.quiet) {
		printf("deleted %s\n", d.username);
	}
out:
	cerbo_store_free(store);
	return rc;
}
