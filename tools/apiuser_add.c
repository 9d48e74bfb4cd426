/*
 * apiuser_add.c - the commands that make secrets: add, import, hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "apiuser.h"

static const char add_help[] =
    "usage: cerbo-apiuser add [--nickname TEXT] [--username pk_NAME] [--profile NAME]\n"
    "                         [--email ADDRESS] [--description TEXT] [--acknowledge]\n"
    "                         [--if-missing] [--secret-file PATH] [OPTIONS]\n"
    "\n"
    "Create an API user with a new secret key.  Every field is required and\n"
    "must be valid before anything is saved.  On a terminal, missing fields are\n"
    "asked for one by one, then the facts below are shown and must be\n"
    "acknowledged by typing \"yes\".  Elsewhere --acknowledge is required,\n"
    "or nothing is created.\n"
    "\n"
    "The secret key is printed exactly once, on standard output (with --quiet:\n"
    "the key alone), or written to --secret-file, or given as \"secret\" in the\n"
    "--json output.  It is never shown again: rotate it if it is lost.\n"
    "\n"
    "  --nickname TEXT         what the credentials are for (\"CRM sync\")\n"
    "  --username pk_NAME      the public username: pk_ then letters, digits, _ or -\n"
    "  --profile NAME          the permission profile (must exist; see\n"
    "                          cerbo-profile list)\n"
    "  --email ADDRESS         the primary contact\n"
    "  --description TEXT      the intended use, third parties involved\n"
    "  --expires TIME|never    optional: stop working at TIME (2027-01-31T00:00:00Z)\n"
    "  --allow-from CIDR[,CIDR]|any\n"
    "                          optional: client networks it may come from\n"
    "  --acknowledge           acknowledge the facts (required when not on a terminal)\n"
    "  --check                 judge each field given, the store included (the\n"
    "                          username is free, the profile exists); create\n"
    "                          nothing; --json: {\"valid\", \"fields\": {NAME: null|\n"
    "                          MESSAGE}, \"acknowledgement\": {\"intro\", \"items\"},\n"
    "                          \"generation\", \"digest\"}\n"
    "  --if-missing            succeed without change when an identical user exists\n"
    "                          (no new secret); exit 5 if a different one exists\n"
    "  --secret-file PATH      write the key to PATH, a new file (mode 0600, never\n"
    "                          overwritten) instead of printing it\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP "\n"
    "The facts to acknowledge are shown before anything is created; add --check\n"
    "--json gives them as \"acknowledgement\" items.\n"
    "\n"
    "The store (and its folder, mode 0750) is created by the first change;\n"
    "the store is mode 0640 with the folder's group.\n";

struct add_ctx {
	const char *nickname;
	const char *username;
	const char *profile;
	const char *email;
	const char *description;
	const char *expires;    /* NULL or "never": none */
	const char *allow_from; /* NULL or "any": none */
	const char *secret_file;
	int acknowledge;
	int if_missing;
	int check;
	/* import: a hash ready to use instead of a new key */
	const char *import_hash;
	/* runtime */
	char secret[CERBO_SECRET_GENERATED_SIZE];
	char hash[CERBO_HASH_MAX];
	int file_written;
	int existed;
	/* form answers */
	char form[5][CERBO_DESCRIPTION_MAX + 2];
};

static int
add_opt(void *ctx, int c, const char *arg)
{
	struct add_ctx *a = ctx;

	switch (c) {
	case AU_OPT_NICKNAME:
		a->nickname = arg;
		break;
	case AU_OPT_USERNAME:
		a->username = arg;
		break;
	case AU_OPT_PROFILE:
		a->profile = arg;
		break;
	case AU_OPT_EMAIL:
		a->email = arg;
		break;
	case AU_OPT_DESCRIPTION:
		a->description = arg;
		break;
	case AU_OPT_EXPIRES:
		a->expires = arg;
		break;
	case AU_OPT_ALLOW_FROM:
		a->allow_from = arg;
		break;
	case AU_OPT_SECRET_FILE:
		a->secret_file = arg;
		break;
	case AU_OPT_ACKNOWLEDGE:
		a->acknowledge = 1;
		break;
	case AU_OPT_IF_MISSING:
		a->if_missing = 1;
		break;
	case AU_OPT_CHECK:
		a->check = 1;
		break;
	default:
		return cli_usage_error("add", "unknown option");
	}
	return 0;
}

/* Optional fields: "never"/"any" mean unset. */
static const char *
opt_value(const char *v, const char *none)
{
	if (v == NULL || strcmp(v, none) == 0)
		return NULL;
	return v;
}

/*
 * Is the existing user the one add was asked for?  The library compares
 * each field given with its stored, canonical value.  0 with *same and
 * the differing fields named in diff, or -1 with err (a value not valid).
 */
static int
same_user(const struct cerbo_user *u, const struct add_ctx *a, int *same,
    char *diff, size_t len, struct cerbo_error *err)
{
	const struct {
		enum cerbo_user_field f;
		int given;
		const char *value;
	} want[] = {
	    {CERBO_USER_NICKNAME, 1, a->nickname},
	    {CERBO_USER_PROFILE, 1, a->profile},
	    {CERBO_USER_EMAIL, 1, a->email},
	    {CERBO_USER_DESCRIPTION, 1, a->description},
	    {CERBO_USER_EXPIRES, a->expires != NULL,
	        opt_value(a->expires, "never")},
	    {CERBO_USER_ALLOW_FROM, a->allow_from != NULL,
	        opt_value(a->allow_from, "any")},
	};
	size_t i, n = 0;
	int differs;

	*same = 1;
	diff[0] = '\0';
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!want[i].given)
			continue;
		if (cerbo_user_field_differs(u, want[i].f, want[i].value,
		        &differs, err) != 0)
			return -1;
		if (!differs)
			continue;
		*same = 0;
		n += (size_t)snprintf(diff + n, n < len ? len - n : 0, "%s%s",
		    n > 0 ? ", " : "", cerbo_user_field_name(want[i].f));
	}
	return 0;
}

static int
add_change(struct cerbo_txn *txn, struct cli_change *c, struct cerbo_error *err)
{
	struct add_ctx *a = c->arg;
	struct cerbo_store *store = cerbo_txn_store(txn);
	const struct cerbo_user *u;
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	time_t now = time(NULL);
	char diff[128];
	const char *v;
	int ch, same;

	u = cerbo_store_user_find(store, a->username);
	if (u != NULL && a->if_missing) {
		if (same_user(u, a, &same, diff, sizeof(diff), err) != 0)
			return -1;
		if (same) {
			a->existed = 1;
			return 0;
		}
		err->status = CERBO_E_EXISTS;
		snprintf(err->message, sizeof(err->message),
		    "%s exists with a different %s", a->username, diff);
		return -1;
	}
	spec = (struct cerbo_user_spec)CERBO_USER_SPEC_INIT;
	spec.username = a->username;
	spec.nickname = a->nickname;
	spec.profile = a->profile;
	spec.email = a->email;
	spec.description = a->description;
	spec.secret_hash = a->import_hash != NULL ? a->import_hash : a->hash;
	if (cerbo_user_add(store, &spec, now, err) != 0)
		return -1;
	v = opt_value(a->expires, "never");
	if (v != NULL &&
	    cerbo_user_set(store, a->username, CERBO_USER_EXPIRES, v, now, &ch,
	        err) != 0)
		return -1;
	v = opt_value(a->allow_from, "any");
	if (v != NULL &&
	    cerbo_user_set(store, a->username, CERBO_USER_ALLOW_FROM, v, now,
	        &ch, err) != 0)
		return -1;
	if (a->secret_file != NULL && a->import_hash == NULL && !c->dry_run) {
		if (cli_write_secret_file(a->secret_file, a->secret, err) != 0)
			return -1;
		a->file_written = 1;
	}
	c->changed = 1;
	snprintf(c->what, sizeof(c->what), "added user %s (profile %s)%s",
	    a->username, a->profile,
	    a->import_hash != NULL ? " with an imported secret" : "");
	return 0;
}

/* Ask for one field until it is valid; 0 or an exit code. */
static int
ask_field(const char *label, int field, char *buf, size_t len,
    const struct cerbo_store *store)
{
	char q[128], msg[512];

	snprintf(q, sizeof(q), "%s: ", label);
	for (;;) {
		if (cli_prompt(q, buf, len) != 0) {
			cli_warnx("add: no answer; nothing created");
			return CLI_EXIT_REFUSED;
		}
		if (au_field_problem(store, field, buf, 1, msg, sizeof(msg)) ==
		    0)
			return 0;
		fprintf(stderr, "  %s\n", msg);
	}
}

/* The terminal form: ask for what the flags did not give. */
static int
add_form(struct add_ctx *a, const struct cli_opts *o)
{
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i, n;
	int rc = 0;

	if (cli_load(o, &store, &err) != 0) {
		if (err.status != CERBO_E_NOTFOUND) {
			rc = cli_error(&err);
			goto out;
		}
		store = NULL;
	}
	fprintf(stderr, "New API user for %s (every field is required).\n",
	    o->store);
	if (a->nickname == NULL) {
		fprintf(stderr,
		    "The nickname says what the credentials are for, e.g. \"CRM sync\".\n");
		rc = ask_field("Nickname", CERBO_USER_NICKNAME, a->form[0],
		    sizeof(a->form[0]), store);
		if (rc != 0)
			goto out;
		a->nickname = a->form[0];
	}
	if (a->username == NULL) {
		fprintf(stderr,
		    "The username is pk_ then letters, digits, _ or -.\n");
		rc = ask_field("Username", AU_FIELD_USERNAME, a->form[1],
		    sizeof(a->form[1]), store);
		if (rc != 0)
			goto out;
		a->username = a->form[1];
	}
	if (a->profile == NULL) {
		n = store != NULL ? cerbo_store_profile_count(store) : 0;
		if (n == 0) {
			cli_warnx(
			    "add: the store has no profiles yet; create one with cerbo-profile add");
			rc = CLI_EXIT_NOTFOUND;
			goto out;
		}
		fprintf(stderr,
		    "Grant the most restricted profile that still works. Profiles:");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s",
			    cerbo_profile_name(
			        cerbo_store_profile_at(store, i)));
		fputc('\n', stderr);
		rc = ask_field("Profile", CERBO_USER_PROFILE, a->form[2],
		    sizeof(a->form[2]), store);
		if (rc != 0)
			goto out;
		a->profile = a->form[2];
	}
	if (a->email == NULL) {
		rc = ask_field("Primary contact email", CERBO_USER_EMAIL,
		    a->form[3], sizeof(a->form[3]), store);
		if (rc != 0)
			goto out;
		a->email = a->form[3];
	}
	if (a->description == NULL) {
		fprintf(stderr,
		    "The description says the intended use, and any third party involved.\n");
		rc = ask_field("Description", CERBO_USER_DESCRIPTION,
		    a->form[4], sizeof(a->form[4]), store);
		if (rc != 0)
			goto out;
		a->description = a->form[4];
	}
out:
	cerbo_store_free(store);
	return rc;
}

/* add --check: every field judged, the optional ones when given. */
static int
add_check(const struct add_ctx *a, const struct cli_opts *o)
{
	struct au_field_value f[7];
	size_t n = 0;

	f[n++] = (struct au_field_value){AU_FIELD_USERNAME, a->username};
	f[n++] = (struct au_field_value){CERBO_USER_NICKNAME, a->nickname};
	f[n++] = (struct au_field_value){CERBO_USER_PROFILE, a->profile};
	f[n++] = (struct au_field_value){CERBO_USER_EMAIL, a->email};
	f[n++] =
	    (struct au_field_value){CERBO_USER_DESCRIPTION, a->description};
	if (a->expires != NULL)
		f[n++] =
		    (struct au_field_value){CERBO_USER_EXPIRES, a->expires};
	if (a->allow_from != NULL)
		f[n++] = (struct au_field_value){CERBO_USER_ALLOW_FROM,
		    a->allow_from};
	return au_fields_check(o, f, n, 1);
}

/* The facts, then "yes" on a terminal or --acknowledge elsewhere. */
static int
acknowledge(const struct add_ctx *a, int interactive, const char *cmd)
{
	char q[160];

	if (a->acknowledge)
		return 0;
	if (!interactive) {
		au_print_facts(stderr);
		cli_warnx(
		    "%s: not on a terminal: pass --acknowledge to acknowledge these facts; nothing created",
		    cmd);
		return CLI_EXIT_USAGE;
	}
	fprintf(stderr,
	    "\n  nickname:    %s\n  username:    %s\n"
	    "  profile:     %s\n  email:       %s\n"
	    "  description: %s\n\n",
	    a->nickname, a->username, a->profile, a->email, a->description);
	au_print_facts(stderr);
	snprintf(q, sizeof(q),
	    "Type \"yes\" to acknowledge and create %s: ", a->username);
	if (!cli_confirm(q, 0)) {
		cli_warnx("%s: not acknowledged; nothing created", cmd);
		return CLI_EXIT_REFUSED;
	}
	return 0;
}

static void
add_json(const struct cli_opts *o, const struct add_ctx *a,
    const struct cli_change *c, int show_secret, int *rc)
{
	struct cli_json j;

	cli_json_begin(&j, c->changed);
	cli_json_str(&j, "username", a->username);
	cli_json_str(&j, "nickname", a->nickname);
	cli_json_str(&j, "profile", a->profile);
	if (show_secret && a->secret_file == NULL)
		cli_json_str(&j, "secret", a->secret);
	if (show_secret && a->secret_file != NULL)
		cli_json_str(&j, "secret_file", a->secret_file);
	cli_json_u64(&j, "generation", c->generation);
	*rc = cli_json_end(&j);
	(void)o;
}

int
cmd_add(int argc, char **argv)
{
	static const struct option longopts[] = {
	    AU_NEW_USER_LONGOPTS,
	    {"if-missing", no_argument, NULL, AU_OPT_IF_MISSING},
	    {"secret-file", required_argument, NULL, AU_OPT_SECRET_FILE},
	    {"check", no_argument, NULL, AU_OPT_CHECK},
	    CLI_LONGOPTS_END,
	};
	struct cli_opts o;
	struct cli_change c;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct add_ctx *a;
	int rc, interactive;

	a = sodium_malloc(sizeof(*a)); /* holds the key: locked, guarded */
	if (a == NULL) {
		cli_warnx("out of memory");
		return CLI_EXIT_IO;
	}
	memset(a, 0, sizeof(*a));
	memset(&c, 0, sizeof(c));
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, add_opt, a, add_help);
	if (rc != 0)
		goto out;
	if (optind < argc) {
		rc = cli_usage_error("add",
		    "unexpected argument: %s (use --username)", argv[optind]);
		goto out;
	}
	if (a->check) {
		rc = add_check(a, &o);
		goto out;
	}
	interactive = cli_interactive();
	if (interactive) {
		rc = add_form(a, &o);
		if (rc != 0)
			goto out;
	} else if (a->nickname == NULL || a->username == NULL ||
	    a->profile == NULL || a->email == NULL || a->description == NULL) {
		rc = cli_usage_error("add",
		    "missing%s%s%s%s%s (every field is required)",
		    a->nickname ? "" : " --nickname",
		    a->username ? "" : " --username",
		    a->profile ? "" : " --profile", a->email ? "" : " --email",
		    a->description ? "" : " --description");
		goto out;
	}
	rc = acknowledge(a, interactive, "add");
	if (rc != 0)
		goto out;
	if (cerbo_secret_generate(a->secret, sizeof(a->secret)) != 0 ||
	    cerbo_secret_hash(a->secret, strlen(a->secret), a->hash,
	        sizeof(a->hash), &err) != 0) {
		cli_warnx("add: cannot make a secret key");
		rc = CLI_EXIT_IO;
		goto out;
	}
	c.fn = add_change;
	c.arg = a;
	c.txn_flags = CERBO_TXN_CREATE;
	if (cli_change_run(&o, &c, &err) != 0) {
		if (a->file_written)
			unlink(a->secret_file);
		rc = cli_error(&err);
		goto out;
	}
	if (o.json) {
		add_json(&o, a, &c, !a->existed, &rc);
	} else if (a->existed) {
		if (!o.quiet)
			printf("unchanged: %s exists with these fields\n",
			    a->username);
	} else {
		if (!o.quiet)
			printf("created %s\n", a->username);
		au_print_secret(&o, a->username, a->secret, a->secret_file);
	}
out:
	sodium_free(a);
	return rc;
}

/* ---- import ------------------------------------------------------------ */

static const char import_help[] =
    "usage: cerbo-apiuser import USER [--secret-stdin] [--grace DURATION] [--force]\n"
    "                            [--nickname ... --acknowledge] [OPTIONS]\n"
    "\n"
    "Set USER's secret to one read from standard input (a terminal prompt without\n"
    "echo on a terminal), to migrate existing credentials: one line of at most\n"
    "1024 bytes without control characters; one trailing newline (or CRLF) is\n"
    "removed.  A key in the generated format (cerbo_sk_...,\n"
    "valid checksum) gets the fast hash; a cerbo_sk_... key that is not valid (a\n"
    "typo) is refused; anything else is hashed with argon2id.\n"
    "Never give a secret as an argument.\n"
    "\n"
    "If USER exists, its key is replaced the way rotate replaces it (--grace,\n"
    "--force); a secret equal to the current one changes nothing.  If USER does\n"
    "not exist, it is created only when every add field is given with\n"
    "--acknowledge (see cerbo-apiuser add --help); otherwise exit 4.\n"
    "\n"
    "  --secret-stdin          read the secret on standard input (the default)\n"
    "  --grace DURATION        keep the old key valid this long (e.g. 24h; at most 7d)\n"
    "  --force                 replace the key even during a grace period\n"
    "  --nickname, --profile, --email, --description, --expires, --allow-from,\n"
    "  --acknowledge           fields for creating a missing USER\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP CLI_HELP_HELP;

struct import_ctx {
	struct add_ctx *a;
	int64_t grace;
	int force;
	char *secret; /* sodium_malloc'd, wiped */
	size_t secret_len;
	int created;
};

static int
import_opt(void *ctx, int c, const char *arg)
{
	struct import_ctx *im = ctx;

	switch (c) {
	case AU_OPT_SECRET_STDIN:
		return 0;
	case AU_OPT_GRACE:
		if (au_grace_opt("import", arg, &im->grace) != 0)
			return CLI_EXIT_INVALID;
		return 0;
	case AU_OPT_FORCE:
		im->force = 1;
		return 0;
	default:
		return add_opt(im->a, c, arg);
	}
}

static int
import_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct import_ctx *im = c->arg;
	struct add_ctx *a = im->a;
	struct cerbo_store *store = cerbo_txn_store(txn);
	const struct cerbo_user *u;
	struct cli_change sub;
	const char *cur;

	u = cerbo_store_user_find(store, a->username);
	if (u == NULL) {
		if (a->nickname == NULL || a->profile == NULL ||
		    a->email == NULL || a->description == NULL ||
		    !a->acknowledge) {
			err->status = CERBO_E_NOTFOUND;
			snprintf(err->message, sizeof(err->message),
			    "%s: no such user; to create it, give --nickname --profile --email --description and --acknowledge",
			    a->username);
			return -1;
		}
		memset(&sub, 0, sizeof(sub));
		sub.arg = a;
		if (add_change(txn, &sub, err) != 0)
			return -1;
		im->created = 1;
		c->changed = 1;
		snprintf(c->what, sizeof(c->what), "%s", sub.what);
		return 0;
	}
	cur = cerbo_user_get(u, CERBO_USER_SECRET);
	if (cur != NULL &&
	    cerbo_secret_check(cur, im->secret, im->secret_len) == 0)
		return 0; /* already this secret */
	if (cerbo_user_set_secret(store, a->username, a->import_hash,
	        time(NULL), im->grace, im->force, err) != 0)
		return -1;
	c->changed = 1;
	snprintf(c->what, sizeof(c->what), "imported a secret for %s (%s)%s",
	    a->username, cerbo_hash_scheme(a->import_hash),
	    im->grace > 0 ? " with a grace period" : "");
	return 0;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
	    AU_NEW_USER_LONGOPTS,
	    {"secret-stdin", no_argument, NULL, AU_OPT_SECRET_STDIN},
	    {"grace", required_argument, NULL, AU_OPT_GRACE},
	    {"force", no_argument, NULL, AU_OPT_FORCE},
	    CLI_LONGOPTS_END,
	};
	struct import_ctx im;
	struct cli_opts o;
	struct cli_change c;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	char *hash = NULL;
	int rc;

	memset(&im, 0, sizeof(im));
	memset(&c, 0, sizeof(c));
	im.a = sodium_malloc(sizeof(*im.a));
	im.secret = sodium_malloc(CLI_SECRET_BUF);
	hash = sodium_malloc(CERBO_HASH_MAX);
	if (im.a == NULL || im.secret == NULL || hash == NULL) {
		cli_warnx("out of memory");
		rc = CLI_EXIT_IO;
		goto out;
	}
	memset(im.a, 0, sizeof(*im.a));
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, import_opt, &im, import_help);
	if (rc != 0)
		goto out;
	im.a->username = au_one_user(argc, argv, "import");
	if (im.a->username == NULL) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (im.a->secret_file != NULL) {
		rc = cli_usage_error("import",
		    "--secret-file is for add and rotate");
		goto out;
	}
	/* Read and hash before taking the lock: argon2id takes a while. */
	if (cli_read_secret(im.secret, CLI_SECRET_BUF, &im.secret_len, &err) !=
	    0) {
		rc = cli_error(&err);
		goto out;
	}
	if (cerbo_secret_hash(im.secret, im.secret_len, hash, CERBO_HASH_MAX,
	        &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	im.a->import_hash = hash;
	c.fn = import_change;
	c.arg = &im;
	c.txn_flags = CERBO_TXN_CREATE;
	if (cli_change_run(&o, &c, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	if (o.json) {
		cli_json_begin(&j, c.changed);
		cli_json_str(&j, "username", im.a->username);
		cli_json_bool(&j, "created", im.created);
		cli_json_str(&j, "scheme", cerbo_hash_scheme(hash));
		cli_json_u64(&j, "generation", c.generation);
		rc = cli_json_end(&j);
	} else if (!o.quiet) {
		if (!c.changed)
			printf("unchanged: %s already has this secret\n",
			    im.a->username);
		else if (im.created)
			printf("created %s with the imported secret (%s)\n",
			    im.a->username, cerbo_hash_scheme(hash));
		else
			printf("imported a new secret for %s (%s)\n",
			    im.a->username, cerbo_hash_scheme(hash));
	}
out:
	sodium_free(im.secret);
	sodium_free(im.a);
	sodium_free(hash);
	return rc;
}

/* ---- hash -------------------------------------------------------------- */

static const char hash_help[] =
    "usage: cerbo-apiuser hash [--generate] [--json]\n"
    "\n"
    "Print the hash string of a secret read on standard input (a terminal prompt\n"
    "without echo on a terminal), for stores kept in config management.  A key in\n"
    "the generated format (cerbo_sk_..., valid checksum) gets the fast scheme\n"
    "($cerbo-b2b$), a cerbo_sk_... key that is not valid (a typo) is refused,\n"
    "anything else gets argon2id.  Changes nothing.\n"
    "\n"
    "  --generate              make a new key instead, and print the key (once)\n"
    "                          and its hash: \"secret: KEY\" and \"hash: HASH\"\n"
    "  --json                  {\"changed\": false, \"hash\": ..., \"scheme\": ...[, \"secret\": ...]}\n" CLI_HELP_HELP;

static int
hash_opt(void *ctx, int c, const char *arg)
{
	(void)arg;
	if (c != AU_OPT_GENERATE)
		return cli_usage_error("hash", "unknown option");
	*(int *)ctx = 1;
	return 0;
}

int
cmd_hash(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"generate", no_argument, NULL, AU_OPT_GENERATE},
	    CLI_LONGOPTS_END,
	};
	struct cli_opts o;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_json j;
	char *secret, hash[CERBO_HASH_MAX];
	size_t len = 0;
	int rc, generate = 0;

	secret = sodium_malloc(CLI_SECRET_BUF);
	if (secret == NULL) {
		cli_warnx("out of memory");
		return CLI_EXIT_IO;
	}
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, hash_opt, &generate,
	    hash_help);
	if (rc != 0)
		goto out;
	if (optind < argc) {
		rc = cli_usage_error("hash",
		    "unexpected argument: %s (the secret is read on standard input)",
		    argv[optind]);
		goto out;
	}
	if (generate) {
		if (cerbo_secret_generate(secret, CLI_SECRET_BUF) != 0) {
			cli_warnx("hash: cannot make a secret key");
			rc = CLI_EXIT_IO;
			goto out;
		}
		len = strlen(secret);
	} else if (cli_read_secret(secret, CLI_SECRET_BUF, &len, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	if (cerbo_secret_hash(secret, len, hash, sizeof(hash), &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	if (o.json) {
		cli_json_begin(&j, 0);
		if (generate)
			cli_json_str(&j, "secret", secret);
		cli_json_str(&j, "hash", hash);
		cli_json_str(&j, "scheme", cerbo_hash_scheme(hash));
		rc = cli_json_end(&j);
	} else if (generate) {
		printf("secret: %s\nhash: %s\n", secret, hash);
	} else {
		printf("%s\n", hash);
	}
out:
	sodium_free(secret);
	return rc;
}
