/*
 * apiuser_query.c - the commands that only read: list, show, verify,
 * explain, check.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "apiuser.h"

/* ---- list -------------------------------------------------------------- */

static const char list_help[] =
    "usage: cerbo-apiuser list [--profile NAME] [--unused-for DURATION] [--json]\n"
    "                          [OPTIONS]\n"
    "\n"
    "List the API users by nickname, each with its username underneath, its profile,\n"
    "whether it is disabled and when its key was last used on this host (when the\n"
    "store names a usage file).  Secrets and hashes are never shown.\n"
    "\n"
    "  --profile NAME          only the users of this profile\n"
    "  --unused-for DURATION   only the users whose key was not used for DURATION\n"
    "                          (\"30d\"; a key never used counts from the user's\n"
    "                          creation)\n"
    "  --json                  {\"changed\": false, \"generation\": N, \"digest\": D,\n"
    "                          \"users\": [{\"username\", \"nickname\", \"profile\",\n"
    "                          \"email\", \"description\", \"disabled\", \"expires\",\n"
    "                          \"expired\", \"old_secret_valid\", \"last_used\"},\n"
    "                          ...], \"usage_file\": PATH|null, \"usage_readable\"}\n"
    "                          (last_used RFC 3339 UTC or null: never used, or\n"
    "                          not known when usage_readable is false)\n" CLI_COMMON_HELP_OWN_JSON
        CLI_HELP_HELP;

struct list_ctx {
	const char *profile;
	int64_t unused_for; /* -1: every user */
};

static int
list_opt(void *ctx, int c, const char *arg)
{
	struct list_ctx *l = ctx;
	struct cerbo_error err = CERBO_ERROR_INIT;

	switch (c) {
	case AU_OPT_PROFILE:
		l->profile = arg;
		return 0;
	case AU_OPT_UNUSED_FOR:
		if (cerbo_duration_parse(arg, &l->unused_for, &err) != 0) {
			cli_warnx("list: --unused-for: %s", err.message);
			return CLI_EXIT_USAGE;
		}
		return 0;
	default:
		return cli_usage_error("list", "unknown option");
	}
}

static const struct cerbo_store *sort_store;

static int
by_nickname(const void *pa, const void *pb)
{
	const struct cerbo_user *a, *b;
	int r;

	a = cerbo_store_user_at(sort_store, *(const size_t *)pa);
	b = cerbo_store_user_at(sort_store, *(const size_t *)pb);
	r = strcmp(cerbo_user_get(a, CERBO_USER_NICKNAME),
	    cerbo_user_get(b, CERBO_USER_NICKNAME));
	if (r != 0)
		return r;
	return strcmp(cerbo_user_name(a), cerbo_user_name(b));
}

/* The fields list and show both give of a user (never a secret). */
static void
json_user(struct cli_json *j, const struct cerbo_user *u)
{
	cli_json_str(j, "username", cerbo_user_name(u));
	cli_json_str(j, "nickname", cerbo_user_get(u, CERBO_USER_NICKNAME));
	cli_json_str(j, "profile", cerbo_user_get(u, CERBO_USER_PROFILE));
	cli_json_str(j, "email", cerbo_user_get(u, CERBO_USER_EMAIL));
	cli_json_str(j, "description",
	    cerbo_user_get(u, CERBO_USER_DESCRIPTION));
	cli_json_bool(j, "disabled", cerbo_user_disabled(u));
	cli_json_str(j, "expires", cerbo_user_get(u, CERBO_USER_EXPIRES));
}

int
cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"profile", required_argument, NULL, AU_OPT_PROFILE},
	    {"unused-for", required_argument, NULL, AU_OPT_UNUSED_FOR},
	    CLI_LONGOPTS_END,
	};
	struct cerbo_store *store = NULL;
	struct cerbo_usage *usage = NULL;
	const struct cerbo_user *u;
	const char *profile = NULL, *exp;
	struct list_ctx l = {NULL, -1};
	struct cli_opts o;
	struct cli_json j;
	size_t *order = NULL, i, n, shown = 0;
	time_t now = time(NULL);
	int64_t used, idle;
	char when[96];
	int rc;

	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, list_opt, &l, list_help);
	profile = l.profile;
	if (rc != 0)
		goto out;
	if (optind < argc) {
		rc = cli_usage_error("list", "unexpected argument: %s",
		    argv[optind]);
		goto out;
	}
	rc = au_load(&o, &store);
	if (rc != 0)
		goto out;
	if (profile != NULL &&
	    cerbo_store_profile_find(store, profile) == NULL) {
		cli_warnx("list: no profile named \"%s\"", profile);
		rc = CLI_EXIT_NOTFOUND;
		goto out;
	}
	usage = au_usage_open(store, o.quiet && l.unused_for < 0);
	if (l.unused_for >= 0 && usage == NULL) {
		/* A key nobody can vouch for is not an unused key. */
		cli_warnx("list: --unused-for: %s",
		    cerbo_store_usage_file(store) == NULL
		        ? "the store names no usage file (cerbo-apiuser usage-file)"
		        : "the usage file cannot be read");
		rc = CLI_EXIT_STATE;
		goto out;
	}
	n = cerbo_store_user_count(store);
	order = calloc(n + 1, sizeof(*order));
	if (order == NULL) {
		cli_warnx("out of memory");
		rc = CLI_EXIT_IO;
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_store = store;
	qsort(order, n, sizeof(*order), by_nickname);
	if (o.json) {
		cli_json_begin(&j, 0);
		cli_json_store_version(&j, store);
		cli_json_str(&j, "usage_file", cerbo_store_usage_file(store));
		cli_json_bool(&j, "usage_readable", usage != NULL);
		cli_json_array_begin(&j, "users");
	}
	for (i = 0; i < n; i++) {
		u = cerbo_store_user_at(store, order[i]);
		if (profile != NULL &&
		    strcmp(cerbo_user_get(u, CERBO_USER_PROFILE), profile) != 0)
			continue;
		used = cerbo_usage_last_used(usage, u, CERBO_KEY_CURRENT);
		if (l.unused_for >= 0) {
			idle = au_usage_idle_since(u, usage);
			if (idle == 0 || now - idle < l.unused_for)
				continue;
		}
		shown++;
		exp = cerbo_user_get(u, CERBO_USER_EXPIRES);
		if (o.json) {
			cli_json_object_begin(&j, NULL);
			json_user(&j, u);
			cli_json_bool(&j, "expired",
			    cerbo_user_expired(u, now));
			cli_json_bool(&j, "old_secret_valid",
			    cerbo_user_old_key_valid(u, now));
			au_usage_json(&j, "last_used", usage, used);
			cli_json_object_end(&j);
			continue;
		}
		printf("%s%s\n    %s  profile %s%s%s%s%s\n",
		    cerbo_user_get(u, CERBO_USER_NICKNAME),
		    cerbo_user_disabled(u) ? "  [disabled]" : "",
		    cerbo_user_name(u), cerbo_user_get(u, CERBO_USER_PROFILE),
		    exp != NULL ? "  expires " : "", exp != NULL ? exp : "",
		    cerbo_store_usage_file(store) != NULL ? "  last used " : "",
		    cerbo_store_usage_file(store) != NULL
		        ? au_usage_text(store, usage, used, now, when,
		              sizeof(when))
		        : "");
	}
	if (o.json) {
		cli_json_array_end(&j);
		rc = cli_json_end(&j);
	} else if (shown == 0 && !o.quiet) {
		printf("(no API users%s%s%s)\n",
		    profile ? " with profile " : "", profile ? profile : "",
		    l.unused_for >= 0 ? " unused for that long" : "");
	}
out:
	cerbo_usage_free(usage);
	free(order);
	cerbo_store_free(store);
	return rc;
}

/* ---- show -------------------------------------------------------------- */

static const char show_help[] =
    "usage: cerbo-apiuser show USER [--json] [OPTIONS]\n"
    "\n"
    "Show every detail of USER except the secret: its scheme and when it was set,\n"
    "and whether an old key is still valid (during a rotation grace period), until\n"
    "when; when the store names a usage file, when the key (and the old key) was\n"
    "last used on this host (--json: last_used, old_key_last_used, RFC 3339 UTC or\n"
    "null).  --json adds the store's generation and digest, for --expect-generation\n"
    "and --expect-digest.\n"
    "\n" CLI_COMMON_HELP CLI_HELP_HELP;

int
cmd_show(int argc, char **argv)
{
	struct cerbo_store *store = NULL;
	const struct cerbo_user *u;
	const char *name, *v, *old, *scheme;
	struct cerbo_usage *usage = NULL;
	struct cli_opts o;
	struct cli_json j;
	int64_t used, old_used;
	char when[96];
	int rc, old_valid;

	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, NULL, &o, NULL, NULL, show_help);
	if (rc != 0)
		goto out;
	name = au_one_user(argc, argv, "show");
	if (name == NULL) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	rc = au_load_user(&o, name, &store, &u);
	if (rc != 0)
		goto out;
	scheme = cerbo_hash_scheme(cerbo_user_get(u, CERBO_USER_SECRET));
	old = cerbo_user_get(u, CERBO_USER_OLD_SECRET);
	old_valid = cerbo_user_old_key_valid(u, time(NULL));
	usage = au_usage_open(store, o.quiet);
	used = cerbo_usage_last_used(usage, u, CERBO_KEY_CURRENT);
	old_used = cerbo_usage_last_used(usage, u, CERBO_KEY_OLD);
	if (o.json) {
		cli_json_begin(&j, 0);
		cli_json_store_version(&j, store);
		json_user(&j, u);
		cli_json_str(&j, "allow_from",
		    cerbo_user_get(u, CERBO_USER_ALLOW_FROM));
		cli_json_str(&j, "secret_scheme", scheme);
		cli_json_str(&j, "secret_set",
		    cerbo_user_get(u, CERBO_USER_SECRET_SET));
		cli_json_bool(&j, "old_secret_valid", old_valid);
		cli_json_str(&j, "old_secret_expires",
		    old != NULL
		        ? cerbo_user_get(u, CERBO_USER_OLD_SECRET_EXPIRES)
		        : NULL);
		cli_json_str(&j, "created",
		    cerbo_user_get(u, CERBO_USER_CREATED));
		au_usage_json(&j, "last_used", usage, used);
		au_usage_json(&j, "old_key_last_used", usage,
		    old_valid ? old_used : 0);
		cli_json_str(&j, "updated",
		    cerbo_user_get(u, CERBO_USER_UPDATED));
		rc = cli_json_end(&j);
		goto out;
	}
	printf("username:     %s\n", cerbo_user_name(u));
	printf("nickname:     %s\n", cerbo_user_get(u, CERBO_USER_NICKNAME));
	printf("profile:      %s\n", cerbo_user_get(u, CERBO_USER_PROFILE));
	printf("email:        %s\n", cerbo_user_get(u, CERBO_USER_EMAIL));
	printf("description:  %s\n", cerbo_user_get(u, CERBO_USER_DESCRIPTION));
	printf("disabled:     %s\n", cerbo_user_disabled(u) ? "yes" : "no");
	v = cerbo_user_get(u, CERBO_USER_EXPIRES);
	printf("expires:      %s\n", v != NULL ? v : "never");
	v = cerbo_user_get(u, CERBO_USER_ALLOW_FROM);
	printf("allow_from:   %s\n", v != NULL ? v : "any address");
	printf("secret:       %s, set %s\n", scheme != NULL ? scheme : "?",
	    cerbo_user_get(u, CERBO_USER_SECRET_SET));
	if (old == NULL)
		printf("old key:      none\n");
	else if (old_valid)
		printf("old key:      still valid until %s\n",
		    cerbo_user_get(u, CERBO_USER_OLD_SECRET_EXPIRES));
	else
		printf(
		    "old key:      expired %s (dropped on the next change)\n",
		    cerbo_user_get(u, CERBO_USER_OLD_SECRET_EXPIRES));
	printf("last used:    %s\n",
	    au_usage_text(store, usage, used, time(NULL), when, sizeof(when)));
	if (old_valid)
		printf("old key last used: %s\n",
		    au_usage_text(store, usage, old_used, time(NULL), when,
		        sizeof(when)));
	printf("created:      %s\n", cerbo_user_get(u, CERBO_USER_CREATED));
	printf("updated:      %s\n", cerbo_user_get(u, CERBO_USER_UPDATED));
out:
	cerbo_usage_free(usage);
	cerbo_store_free(store);
	return rc;
}

/* ---- verify ------------------------------------------------------------ */

static const char verify_help[] =
    "usage: cerbo-apiuser verify USER [METHOD PATH] [--rhost ADDR] [--json] [OPTIONS]\n"
    "\n"
    "Read a secret on standard input (a prompt without echo on a terminal) and\n"
    "say whether USER may log in with it - and, given METHOD and PATH, whether the\n"
    "profile allows that request - with the same verdict and reason the PAM module\n"
    "gives.  During a rotation grace period it says which key matched.\n"
    "Exit 0 only when allowed, 1 otherwise.\n"
    "\n"
    "  --rhost ADDR            the client address, checked against allow_from\n"
    "  --json                  {\"changed\": false, \"allowed\", \"verdict\", \"reason\",\n"
    "                          \"key\": \"current\"|\"old\"|null, \"rule\", \"profile\"}\n"
    "  --store PATH            the store (default $CERBO_STORE, else " CERBO_STORE_DEFAULT
    ")\n" CLI_HELP_HELP;

/*
 * verify's and explain's options (--rhost and the common ones) and their
 * first operand, USER, at argv[optind] on return.  0 or an exit code (-1
 * after --help).
 */
static int
request_opts(int argc, char **argv, struct cli_opts *o, const char **rhost,
    const char *help)
{
	int rc;

	cli_opts_init(o);
	rc = cli_getopt_string(argc, argv, o, "rhost", rhost, help);
	if (rc != 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error(argv[0], "which user?");
	return 0;
}

/* "METHOD PATH" from two operands, into buf; 0 or an exit code. */
static int
request_text(int argc, char **argv, int first, const char *cmd, char *buf,
    size_t len)
{
	int n;

	if (argc - first != 2)
		return cli_usage_error(cmd,
		    "give both METHOD and PATH (e.g. GET /api/v1/items)");
	n = snprintf(buf, len, "%s %s", argv[first], argv[first + 1]);
	if (n < 0 || (size_t)n >= len) {
		cli_warnx("%s: request too long", cmd);
		return CLI_EXIT_INVALID;
	}
	return 0;
}

int
cmd_verify(int argc, char **argv)
{
	struct cerbo_verify_args args = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_opts o;
	struct cli_json j;
	const char *rhost = NULL, *key;
	char *secret = NULL, request[CERBO_RULE_MAX + CERBO_PATH_MAX];
	size_t len = 0;
	int rc;

	rc = request_opts(argc, argv, &o, &rhost, verify_help);
	if (rc != 0)
		goto out;
	args = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	args.store_path = o.store;
	args.username = argv[optind];
	args.rhost = rhost;
	if (argc - optind > 1) {
		rc = request_text(argc, argv, optind + 1, "verify", request,
		    sizeof(request));
		if (rc != 0)
			goto out;
		args.request = request;
	}
	secret = sodium_malloc(CLI_SECRET_BUF);
	if (secret == NULL) {
		cli_warnx("out of memory");
		rc = CLI_EXIT_IO;
		goto out;
	}
	if (cli_read_secret(secret, CLI_SECRET_BUF, &len, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	args.secret = secret;
	args.secret_len = len;
	v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	if (cerbo_verify(&args, &v) != 0) {
		cli_warnx("verify: invalid arguments");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	sodium_memzero(secret, CLI_SECRET_BUF);
	rc = v.code == CERBO_ALLOW ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
	key = cerbo_key_used_name(v.key);
	if (o.json) {
		cli_json_begin(&j, 0);
		cli_json_bool(&j, "allowed", v.code == CERBO_ALLOW);
		cli_json_str(&j, "verdict", cerbo_verdict_name(v.code));
		cli_json_str(&j, "reason", v.reason);
		cli_json_str(&j, "key", key);
		if (args.request != NULL && v.rule_matched) {
			cli_json_str(&j, "rule", v.rule);
			cli_json_str(&j, "profile", v.profile);
		}
		if (cli_json_end(&j) != 0)
			rc = CLI_EXIT_IO;
		goto out;
	}
	if (v.code == CERBO_ALLOW)
		printf("allowed: %s\n", v.reason);
	else
		printf("refused (%s): %s\n", cerbo_verdict_name(v.code),
		    v.reason);
out:
	sodium_free(secret);
	return rc;
}

/* ---- explain ----------------------------------------------------------- */

static const char explain_help[] =
    "usage: cerbo-apiuser explain USER METHOD PATH [--rhost ADDR] [--json] [OPTIONS]\n"
    "\n"
    "Say whether USER's profile allows the request METHOD PATH (as the PAM module\n"
    "would parse it from the request line) and which rule decided: a deny rule\n"
    "wins over allow rules, no matching allow rule is a refusal.  The answer is the\n"
    "verifier's (as verify gives it, without the secret check); notes when the\n"
    "account itself is disabled, expired or outside allow_from.  No secret needed.\n"
    "Exit 0 only when the request would be allowed, 1 otherwise.\n"
    "\n"
    "  --rhost ADDR            the client address, checked against allow_from\n"
    "  --json                  {\"changed\": false, \"allowed\", \"verdict\", \"matched\",\n"
    "                          \"kind\", \"rule\", \"profile\", \"reason\", \"note\"}\n" CLI_COMMON_HELP_OWN_JSON
        CLI_HELP_HELP;

/*
 * The profile's own answer to text, in words, into reason, as the
 * verdict carries it (v->profile_*): what explain shows, also beside a
 * verdict that refused the account before the request was looked at.
 */
static void
profile_answer(const struct cerbo_verdict *v, const char *text, char *reason,
    size_t len)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	/* Parsing is no decision: the method and path for the words. */
	if (cerbo_request_parse(text, &req, &err) != 0) {
		snprintf(reason, len, "refused before any rule is tried: %s",
		    err.message);
		return;
	}
	if (!v->profile_decided) {
		snprintf(reason, len, "profile %s does not exist",
		    v->user_profile);
		return;
	}
	if (v->profile_rule_matched)
		snprintf(reason, len, "%s by %s rule \"%s\" of profile %s",
		    v->profile_allows ? "allowed" : "refused",
		    cerbo_rule_kind_name(v->profile_rule_kind), v->profile_rule,
		    v->user_profile);
	else
		snprintf(reason, len,
		    "refused: no allow rule of profile %s matches %s %s (default deny)",
		    v->user_profile, req.method, req.path);
}

/* Why the verifier refused the account itself, in explain's words; NULL
 * when it did not. */
static const char *
account_note(const struct cerbo_verdict *v)
{
	switch (v->code) {
	case CERBO_DENY_DISABLED:
		return "the account is disabled: every request is refused";
	case CERBO_DENY_EXPIRED:
		return "the account has expired: every request is refused";
	case CERBO_DENY_ADDRESS:
		return v->reason;
	default:
		return NULL;
	}
}

int
cmd_explain(int argc, char **argv)
{
	struct cerbo_verify_args args = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_opts o;
	struct cli_json j;
	char text[CERBO_RULE_MAX + CERBO_PATH_MAX], reason[6144];
	const char *name, *note, *rhost = NULL;
	int rc;

	rc = request_opts(argc, argv, &o, &rhost, explain_help);
	if (rc != 0)
		goto out;
	name = argv[optind];
	rc =
	    request_text(argc, argv, optind + 1, "explain", text, sizeof(text));
	if (rc != 0)
		goto out;
	/* A store the verifier cannot use has its own exit code (4 when
	 * missing); everything else comes from the one verdict. */
	if (cerbo_store_usable(o.store, 0, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	args = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	args.store_path = o.store;
	args.username = name;
	args.secret = NULL; /* authorize only */
	args.request = text;
	args.rhost = rhost;
	v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	if (cerbo_verify(&args, &v) != 0) {
		cli_warnx("explain: invalid arguments");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (v.code == CERBO_STORE_ERROR && v.user_profile[0] == '\0') {
		cli_warnx("%s", v.reason);
		rc = CLI_EXIT_STORE;
		goto out;
	}
	if (v.user_profile[0] == '\0') {
		if (!v.username_valid) {
			cli_warnx(
			    "%s: not a valid username (pk_ then letters, digits, _ or -)",
			    name);
			rc = CLI_EXIT_INVALID;
		} else {
			cli_warnx("%s: no such user", name);
			rc = CLI_EXIT_NOTFOUND;
		}
		goto out;
	}
	note = account_note(&v);
	if (v.code == CERBO_ALLOW || v.code == CERBO_DENY_FORBIDDEN ||
	    v.code == CERBO_DENY_REQUEST || note != NULL)
		profile_answer(&v, text, reason, sizeof(reason));
	else
		/* The verifier stopped short of the profile: its reason is
		 * the answer (a store error, a profile it cannot find). */
		snprintf(reason, sizeof(reason), "refused (%s): %s",
		    cerbo_verdict_name(v.code), v.reason);
	rc = v.code == CERBO_ALLOW ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
	if (o.json) {
		cli_json_begin(&j, 0);
		cli_json_bool(&j, "allowed", v.code == CERBO_ALLOW);
		cli_json_str(&j, "verdict", cerbo_verdict_name(v.code));
		cli_json_bool(&j, "profile_allows",
		    v.profile_decided && v.profile_allows);
		cli_json_bool(&j, "matched",
		    v.profile_decided && v.profile_rule_matched);
		if (v.profile_decided && v.profile_rule_matched) {
			cli_json_str(&j, "kind",
			    cerbo_rule_kind_name(v.profile_rule_kind));
			cli_json_str(&j, "rule", v.profile_rule);
		} else {
			cli_json_null(&j, "kind");
			cli_json_null(&j, "rule");
		}
		cli_json_str(&j, "profile", v.user_profile);
		cli_json_str(&j, "reason", reason);
		cli_json_str(&j, "note", note);
		if (cli_json_end(&j) != 0)
			rc = CLI_EXIT_IO;
		goto out;
	}
	printf("%s\n", reason);
	if (note != NULL)
		printf("note: %s\n", note);
out:
	return rc;
}

/* ---- check ------------------------------------------------------------- */

static const char check_help[] =
    "usage: cerbo-apiuser check [FILE] [--as-user USER] [--json] [OPTIONS]\n"
    "\n"
    "Validate a store without changing it, like visudo -c: strict YAML, every field\n"
    "and reference; errors as FILE:LINE:COLUMN: message.  Without FILE the store\n"
    "(--store, $CERBO_STORE or " CERBO_STORE_DEFAULT
    ") is checked, its owner and mode\n"
    "included (unsafe permissions: exit 8).  With FILE (e.g. a config-management\n"
    "candidate) the content is checked and unsafe permissions are only warned about.\n"
    "Exit 0 only when valid; 1 when the content is invalid or USER cannot read it.\n"
    "\n"
    "  --as-user USER          also prove that account USER (e.g. www-data) can reach\n"
    "                          and read the file; says which folder or mode stops it\n"
    "  --json                  {\"changed\": false, \"valid\", \"file\", \"errors\": [...],\n"
    "                          \"warnings\": [...], \"users\", \"profiles\",\n"
    "                          \"generation\"}\n"
    "  --store PATH            the store (default $CERBO_STORE, else " CERBO_STORE_DEFAULT
    ")\n"
    "  -q, --quiet             print only errors\n" CLI_HELP_HELP;

/* The account's uid and groups; 0 or an exit code. */
static int
account(const char *name, uid_t *uid, gid_t **gids, size_t *ngids)
{
	struct passwd *pw;
	gid_t *g = NULL;
	int n = 16, tries;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		cli_warnx("check: --as-user: no account named \"%s\"", name);
		return CLI_EXIT_NOTFOUND;
	}
	for (tries = 0; tries < 8; tries++) {
		gid_t *ng = realloc(g, (size_t)n * sizeof(*g));
		int want = n;

		if (ng == NULL) {
			free(g);
			cli_warnx("out of memory");
			return CLI_EXIT_IO;
		}
		g = ng;
		if (getgrouplist(pw->pw_name, pw->pw_gid, g, &want) >= 0) {
			*uid = pw->pw_uid;
			*gids = g;
			*ngids = (size_t)want;
			return 0;
		}
		n = want > n ? want : n * 2;
	}
	free(g);
	cli_warnx("check: --as-user: cannot list the groups of %s", name);
	return CLI_EXIT_IO;
}

/*
 * The warnings of a store that loads: names a change may no longer give
 * (a profile name that starts with '-' reads as an option).  The library's
 * rule judges each; fn gets each message.
 */
static void
store_warnings(const struct cerbo_store *store,
    void (*fn)(void *ctx, const char *name, const char *why), void *ctx)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *name;
	size_t i, n;

	n = store != NULL ? cerbo_store_profile_count(store) : 0;
	for (i = 0; i < n; i++) {
		name = cerbo_profile_name(cerbo_store_profile_at(store, i));
		err = (struct cerbo_error)CERBO_ERROR_INIT;
		if (cerbo_user_field_validate(CERBO_USER_PROFILE, name, &err) !=
		    0)
			fn(ctx, name, err.message);
	}
}

static void
warning_json(void *ctx, const char *name, const char *why)
{
	char text[1024];

	snprintf(text, sizeof(text), "profile %s: %s", name, why);
	cli_json_str(ctx, NULL, text);
}

static void
warning_text(void *ctx, const char *name, const char *why)
{
	const char *const *file = ctx;

	cli_warnx("warning: %s: profile %s: %s", *file, name, why);
}

int
cmd_check(int argc, char **argv)
{
	struct cerbo_store *store = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_error terr = CERBO_ERROR_INIT;
	struct cerbo_error aerr = CERBO_ERROR_INIT;
	struct cerbo_error ierr = CERBO_ERROR_INIT;
	struct cli_opts o;
	struct cli_json j;
	const char *file, *as_user = NULL;
	char text[1024];
	gid_t *gids = NULL;
	size_t ngids = 0;
	uid_t uid = 0;
	int rc, explicit_file, trusted = 1, valid, access_ok = 1, usable = 1;
	int stale = 0;

	cli_opts_init(&o);
	rc = cli_getopt_string(argc, argv, &o, "as-user", &as_user, check_help);
	if (rc != 0)
		goto out;
	if (argc - optind > 1) {
		rc = cli_usage_error("check", "unexpected argument: %s",
		    argv[optind + 1]);
		goto out;
	}
	explicit_file = optind < argc;
	file = explicit_file ? argv[optind] : o.store;
	if (as_user != NULL) {
		rc = account(as_user, &uid, &gids, &ngids);
		if (rc != 0)
			goto out;
	}
	/* The content first, without the trust rules... */
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	valid = cerbo_store_load(file, CERBO_LOAD_NO_TRUST, &store, &err) == 0;
	if (!valid && err.status == CERBO_E_NOTFOUND) {
		rc = cli_error(&err);
		goto out;
	}
	/* ...then the trust rules, as this process reads it... */
	terr = (struct cerbo_error)CERBO_ERROR_INIT;
	if (valid) {
		struct cerbo_store *again = NULL;

		if (cerbo_store_load(file, 0, &again, &terr) != 0)
			trusted = terr.status != CERBO_E_UNSAFE;
		cerbo_store_free(again);
	}
	/* ...then as the verifier would use it, the compiled index beside
	 * it rebuilt in memory and compared with the file... */
	ierr = (struct cerbo_error)CERBO_ERROR_INIT;
	if (valid && trusted && terr.status == CERBO_OK &&
	    cerbo_store_usable(file, CERBO_USABLE_INDEX, &ierr) != 0) {
		/* A stale index is passed over by every reader (as after an
		 * interrupted write): a warning.  One that names this store
		 * but differs was written in place or is damaged. */
		if (ierr.status == CERBO_E_STATE)
			stale = 1;
		else
			usable = 0;
	}
	/* ...and as the account asked about. */
	aerr = (struct cerbo_error)CERBO_ERROR_INIT;
	if (as_user != NULL)
		access_ok = cerbo_store_check_access(file, uid, gids, ngids,
		                &aerr) == 0;
	if (valid && !trusted && !explicit_file)
		rc = CLI_EXIT_UNSAFE;
	else if (!valid || !access_ok)
		rc = CLI_EXIT_REFUSED;
	else if (!usable)
		rc = cli_exit_code(ierr.status);
	else
		rc = CLI_EXIT_OK;
	if (o.json) {
		cli_json_begin(&j, 0);
		cli_json_bool(&j, "valid", rc == CLI_EXIT_OK);
		cli_json_str(&j, "file", file);
		cli_json_array_begin(&j, "errors");
		if (!valid)
			cli_json_str(&j, NULL,
			    cerbo_error_format(&err, text, sizeof(text)));
		if (!trusted && !explicit_file)
			cli_json_str(&j, NULL,
			    cerbo_error_format(&terr, text, sizeof(text)));
		if (!usable)
			cli_json_str(&j, NULL,
			    cerbo_error_format(&ierr, text, sizeof(text)));
		if (!access_ok)
			cli_json_str(&j, NULL,
			    cerbo_error_format(&aerr, text, sizeof(text)));
		cli_json_array_end(&j);
		cli_json_array_begin(&j, "warnings");
		if (!trusted && explicit_file)
			cli_json_str(&j, NULL,
			    cerbo_error_format(&terr, text, sizeof(text)));
		store_warnings(store, warning_json, &j);
		if (stale)
			cli_json_str(&j, NULL,
			    cerbo_error_format(&ierr, text, sizeof(text)));
		cli_json_array_end(&j);
		if (valid) {
			cli_json_u64(&j, "users",
			    cerbo_store_user_count(store));
			cli_json_u64(&j, "profiles",
			    cerbo_store_profile_count(store));
			cli_json_u64(&j, "generation",
			    cerbo_store_generation(store));
			cli_json_str(&j, "digest", cerbo_store_digest(store));
		}
		if (as_user != NULL)
			cli_json_bool(&j, "readable_by_user", access_ok);
		if (cli_json_end(&j) != 0)
			rc = CLI_EXIT_IO;
		goto out;
	}
	if (!valid)
		cli_error(&err);
	if (!trusted) {
		if (explicit_file)
			cli_warnx("warning: %s",
			    cerbo_error_format(&terr, text, sizeof(text)));
		else
			cli_error(&terr);
	}
	store_warnings(store, warning_text, &file);
	if (!usable)
		cli_error(&ierr);
	if (stale)
		cli_warnx("warning: %s",
		    cerbo_error_format(&ierr, text, sizeof(text)));
	if (!access_ok)
		cli_warnx("%s cannot read the store: %s", as_user,
		    cerbo_error_format(&aerr, text, sizeof(text)));
	if (rc == CLI_EXIT_OK && !o.quiet) {
		printf(
		    "%s: valid (%zu users, %zu profiles, generation %llu)%s%s%s\n",
		    file, cerbo_store_user_count(store),
		    cerbo_store_profile_count(store),
		    (unsigned long long)cerbo_store_generation(store),
		    as_user != NULL ? "; readable by " : "",
		    as_user != NULL ? as_user : "", "");
	}
out:
	free(gids);
	cerbo_store_free(store);
	return rc;
}
