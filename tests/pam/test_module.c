/*
 * test_module.c - pam_cerbo.so driven through the real Linux-PAM.
 *
 * Service files are written into a private folder and opened with
 * pam_start_confdir(), so nothing under /etc/pam.d is read or touched (a
 * minimal "other" is there too, or PAM would fall back to the system's).
 * The module is loaded by absolute path from $B; stores are built with
 * libcerbo's own transactions.  Every PAM outcome of the module has a test.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <sodium.h>

#include "cerbo.h"

#define ALLOWED "GET /api/v1/appointments/42 HTTP/1.1"
#define FORBIDDEN "DELETE /api/v1/appointments/42 HTTP/1.1"
#define OUTSIDE "GET /api/v1/patients/1 HTTP/1.1"

static char top[PATH_MAX];     /* the test's private folder */
static char confdir[PATH_MAX]; /* service files */
static char module[PATH_MAX];  /* absolute path of pam_cerbo.so */
static char store[PATH_MAX];   /* the shared store, never changed */

/* Secrets of the shared store's users (wiped at the end). */
static char sk_alice[CERBO_SECRET_GENERATED_SIZE];
static char sk_disabled[CERBO_SECRET_GENERATED_SIZE];
static char sk_expired[CERBO_SECRET_GENERATED_SIZE];
static char sk_office[CERBO_SECRET_GENERATED_SIZE];
static char sk_other[CERBO_SECRET_GENERATED_SIZE]; /* nobody's */

/* ---- what the module logs ------------------------------------------- */

/*
 * pam_syslog() ends in libc's __syslog_chk (Linux-PAM is built with
 * _FORTIFY_SOURCE); this definition in the test program takes its place,
 * so the lines are kept here instead of reaching a syslog daemon.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[65536];
static size_t log_len;

void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	pthread_mutex_lock(&log_lock);
	n = snprintf(log_text + log_len, sizeof(log_text) - log_len, "<%d> ",
	    pri & 7);
	if (n > 0 && (size_t)n < sizeof(log_text) - log_len) {
		log_len += (size_t)n;
		va_start(ap, fmt);
		n = vsnprintf(log_text + log_len, sizeof(log_text) - log_len,
		    fmt, ap);
		va_end(ap);
		if (n > 0 && (size_t)n < sizeof(log_text) - log_len - 1) {
			log_len += (size_t)n;
			log_text[log_len++] = '\n';
			log_text[log_len] = '\0';
		}
	}
	pthread_mutex_unlock(&log_lock);
}

static void
log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_text[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

/* How many logged lines hold text. */
static int
log_count(const char *text)
{
	const char *p;
	int n = 0;

	pthread_mutex_lock(&log_lock);
	for (p = strstr(log_text, text); p != NULL; p = strstr(p + 1, text))
		n++;
	pthread_mutex_unlock(&log_lock);
	return n;
}

/* ---- helpers --------------------------------------------------------- */

static void
path_join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	assert_true(n > 0 && (size_t)n < len);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Write the service file confdir/name from a template in which @MODULE@
 * stands for the module's path and @STORE@ for the shared store's.
 */
static void
service_text(const char *name, const char *tmpl, const char *store_path)
{
	char text[8192];
	char path[PATH_MAX];
	size_t o = 0;
	const char *p = tmpl;

	while (*p != '\0') {
		const char *sub = NULL;
		size_t skip = 1;

		if (strncmp(p, "@MODULE@", 8) == 0) {
			sub = module;
			skip = 8;
		} else if (strncmp(p, "@STORE@", 7) == 0) {
			sub = store_path;
			skip = 7;
		}
		if (sub != NULL) {
			size_t n = strlen(sub);

			assert_true(o + n < sizeof(text));
			memcpy(text + o, sub, n);
			o += n;
		} else {
			assert_true(o + 1 < sizeof(text));
			text[o++] = *p;
		}
		p += skip;
	}
	text[o] = '\0';
	path_join(path, sizeof(path), confdir, name);
	write_file(path, text, 0644);
}

/* A service whose auth and account lines are pam_cerbo with args. */
static void
service(const char *name, const char *args)
{
	char tmpl[4096];
	int n = snprintf(tmpl, sizeof(tmpl),
	    "auth required @MODULE@ store=@STORE@ %s\n"
	    "account required @MODULE@ store=@STORE@ %s\n"
	    "password required @MODULE@ store=@STORE@ %s\n",
	    args, args, args);

	assert_true(n > 0 && (size_t)n < sizeof(tmpl));
	service_text(name, tmpl, store);
}

/* The same for another store. */
static void
service_for(const char *name, const char *store_path, const char *args)
{
	char tmpl[4096];
	int n = snprintf(tmpl, sizeof(tmpl),
	    "auth required @MODULE@ store=@STORE@ %s\n"
	    "account required @MODULE@ store=@STORE@ %s\n",
	    args, args);

	assert_true(n > 0 && (size_t)n < sizeof(tmpl));
	service_text(name, tmpl, store_path);
}

/* What the conversation answers, and how often it was asked. */
struct answer {
	const char *secret;
	int prompts;
};

static int
converse(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct answer *a = data;
	struct pam_response *r;
	int i;

	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		a->prompts++;
		if (a->secret == NULL)
			continue;
		r[i].resp = strdup(a->secret);
		if (r[i].resp == NULL)
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_BUF_ERR;
}

/* One PAM transaction's inputs. */
struct call {
	const char *service;
	const char *user;
	const char *secret; /* answered by the conversation */
	const char *env;    /* "NAME=value" put in the PAM environment */
	const char *rhost;
};

/* Its results; -1 for a step not run. */
struct result {
	int auth;
	int acct;
	int prompts;
};

static pam_handle_t *
start(const struct call *c, struct answer *a, struct pam_conv *conv)
{
	pam_handle_t *pamh = NULL;

	a->secret = c->secret;
	a->prompts = 0;
	conv->conv = converse;
	conv->appdata_ptr = a;
	assert_int_equal(pam_start_confdir(c->service, c->user, conv, confdir,
	                     &pamh),
	    PAM_SUCCESS);
	if (c->env != NULL)
		assert_int_equal(pam_putenv(pamh, c->env), PAM_SUCCESS);
	if (c->rhost != NULL)
		assert_int_equal(pam_set_item(pamh, PAM_RHOST, c->rhost),
		    PAM_SUCCESS);
	return pamh;
}

/* authenticate, then acct_mgmt if that succeeded, as a daemon does. */
static struct result
login(const struct call *c)
{
	struct answer a;
	struct pam_conv conv;
	struct result r = {-1, -1, 0};
	pam_handle_t *pamh = start(c, &a, &conv);

	r.auth = pam_authenticate(pamh, 0);
	if (r.auth == PAM_SUCCESS)
		r.acct = pam_acct_mgmt(pamh, 0);
	r.prompts = a.prompts;
	pam_end(pamh, r.acct == PAM_SUCCESS ? PAM_SUCCESS : r.auth);
	return r;
}

/* acct_mgmt alone, as a client that skips authenticate would. */
static int
account_only(const struct call *c)
{
	struct answer a;
	struct pam_conv conv;
	pam_handle_t *pamh = start(c, &a, &conv);
	int rc = pam_acct_mgmt(pamh, 0);

	pam_end(pamh, rc);
	return rc;
}

static int
chauthtok(const struct call *c)
{
	struct answer a;
	struct pam_conv conv;
	pam_handle_t *pamh = start(c, &a, &conv);
	int rc = pam_chauthtok(pamh, 0);

	pam_end(pamh, rc);
	return rc;
}

static int
setcred(const struct call *c)
{
	struct answer a;
	struct pam_conv conv;
	pam_handle_t *pamh = start(c, &a, &conv);
	int rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);

	pam_end(pamh, rc);
	return rc;
}

static void
must(int rc, const struct cerbo_error *err)
{
	if (rc != 0)
		fail_msg("libcerbo: %s", err->message);
}

static void
new_secret(char *out)
{
	assert_int_equal(cerbo_secret_generate(out,
	                     CERBO_SECRET_GENERATED_SIZE),
	    0);
}

static void
add_user(struct cerbo_store *st, const char *name, const char *secret)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char hash[CERBO_HASH_MAX];
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;

	spec.username = name;
	spec.nickname = "Test integration";
	spec.profile = "scheduling";
	spec.email = "ops@example.com";
	spec.description = "Used by the module tests";
	spec.secret_hash = hash;
	must(cerbo_secret_hash(secret, strlen(secret), hash, sizeof(hash),
	         &err),
	    &err);
	must(cerbo_user_add(st, &spec, time(NULL), &err), &err);
}

static void
set_field(struct cerbo_store *st, const char *name, enum cerbo_user_field field,
    const char *value)
{
	struct cerbo_error err = CERBO_ERROR_INIT;

	must(cerbo_user_set(st, name, field, value, time(NULL), NULL, &err),
	    &err);
}

/*
 * A store at path with profile "scheduling" (GET under appointments,
 * POST appointments, no DELETE) and users pk_alice, pk_disabled,
 * pk_expired and pk_office (allow_from 192.0.2.0/24).
 */
static void
build_store(const char *path)
{
	struct cerbo_txn_options opts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *st;
	struct cerbo_error err = CERBO_ERROR_INIT;

	opts.flags = CERBO_TXN_CREATE;
	must(cerbo_txn_begin(path, &opts, &txn, &err), &err);
	st = cerbo_txn_store(txn);
	must(cerbo_profile_add(st, "scheduling", "Scheduling integration",
	         &err),
	    &err);
	must(cerbo_profile_rule_add(st, "scheduling", CERBO_RULE_ALLOW,
	         "GET /api/v1/appointments/**", NULL, &err),
	    &err);
	must(cerbo_profile_rule_add(st, "scheduling", CERBO_RULE_ALLOW,
	         "POST /api/v1/appointments", NULL, &err),
	    &err);
	must(cerbo_profile_rule_add(st, "scheduling", CERBO_RULE_DENY,
	         "DELETE /**", NULL, &err),
	    &err);
	add_user(st, "pk_alice", sk_alice);
	add_user(st, "pk_disabled", sk_disabled);
	set_field(st, "pk_disabled", CERBO_USER_DISABLED, "true");
	add_user(st, "pk_expired", sk_expired);
	set_field(st, "pk_expired", CERBO_USER_EXPIRES, "2001-01-01T00:00:00Z");
	add_user(st, "pk_office", sk_office);
	set_field(st, "pk_office", CERBO_USER_ALLOW_FROM, "192.0.2.0/24");
	must(cerbo_txn_commit(txn, &err), &err);
	cerbo_txn_free(txn);
}

/* Give user a new key in the store at path (grace seconds for the old). */
static void
rotate(const char *path, const char *user, char *secret, long grace)
{
	struct cerbo_txn_options opts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char hash[CERBO_HASH_MAX];

	new_secret(secret);
	must(cerbo_secret_hash(secret, strlen(secret), hash, sizeof(hash),
	         &err),
	    &err);
	must(cerbo_txn_begin(path, &opts, &txn, &err), &err);
	must(cerbo_user_set_secret(cerbo_txn_store(txn), user, hash, time(NULL),
	         grace, 0, &err),
	    &err);
	must(cerbo_txn_commit(txn, &err), &err);
	cerbo_txn_free(txn);
}

/* A fresh folder under the test folder, mode 0700. */
static void
subdir(char *out, size_t len, const char *name)
{
	path_join(out, len, top, name);
	assert_int_equal(mkdir(out, 0700), 0);
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

static void
remove_tree(const char *path)
{
	(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- fixture --------------------------------------------------------- */

static int
setup(void **state)
{
	const char *b = getenv("B");
	char dir[PATH_MAX];
	char other[PATH_MAX];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	if (b == NULL)
		b = "build";
	if (b[0] == '/') {
		if (snprintf(module, sizeof(module), "%s/pam_cerbo.so", b) <= 0)
			return -1;
	} else {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return -1;
		if (snprintf(module, sizeof(module), "%s/%s/pam_cerbo.so", cwd,
		        b) <= 0)
			return -1;
	}
	if (access(module, R_OK) != 0) {
		fprintf(stderr, "# no module at %s\n", module);
		return -1;
	}
	if (snprintf(top, sizeof(top), "/tmp/cerbo-pam.XXXXXX") <= 0 ||
	    mkdtemp(top) == NULL)
		return -1;
	if (snprintf(confdir, sizeof(confdir), "%s/pam.d", top) <= 0 ||
	    mkdir(confdir, 0700) != 0)
		return -1;
	if (snprintf(other, sizeof(other), "%s/other", confdir) <= 0)
		return -1;
	write_file(other,
	    "auth required pam_deny.so\n"
	    "account required pam_deny.so\n"
	    "password required pam_deny.so\n"
	    "session required pam_deny.so\n",
	    0644);

	new_secret(sk_alice);
	new_secret(sk_disabled);
	new_secret(sk_expired);
	new_secret(sk_office);
	new_secret(sk_other);
	if (snprintf(dir, sizeof(dir), "%s/store", top) <= 0 ||
	    mkdir(dir, 0700) != 0)
		return -1;
	if (snprintf(store, sizeof(store), "%s/apiusers.yaml", dir) <= 0)
		return -1;
	build_store(store);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sodium_memzero(sk_alice, sizeof(sk_alice));
	sodium_memzero(sk_disabled, sizeof(sk_disabled));
	sodium_memzero(sk_expired, sizeof(sk_expired));
	sodium_memzero(sk_office, sizeof(sk_office));
	sodium_memzero(sk_other, sizeof(sk_other));
	if (top[0] != '\0')
		remove_tree(top);
	return 0;
}

/* ---- authentication ---------------------------------------------------- */

static void
test_good_secret_and_allowed_request_succeed(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	struct result r;

	(void)state;
	service("plain", "");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.acct, PAM_SUCCESS);
}

static void
test_secret_is_asked_through_the_conversation(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).prompts, 1);
}

static void
test_unknown_user_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_nobody",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

static void
test_wrong_secret_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_other,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

static void
test_secret_not_in_key_format_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = "hunter2",
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

static void
test_empty_secret_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = "",
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

static void
test_secret_typed_as_username_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = sk_alice,
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

static void
test_disabled_user_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_disabled",
	    .secret = sk_disabled,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

static void
test_expired_user_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_expired",
	    .secret = sk_expired,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

static void
test_address_outside_allow_from_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_office",
	    .secret = sk_office,
	    .env = "REQUEST=" ALLOWED,
	    .rhost = "198.51.100.7"};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

/* PAM_RHOST is whatever the service set, often a name a client chose: the
 * module logs it by the library's rule, as the verifier does. */
static void
test_client_host_name_is_not_logged(void **state)
{
	static const char *hosts[] = {"attacker-chosen.example",
	    "10.0.0.1 user pk_root allowed", "host\nforged line"};
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_other,
	    .env = "REQUEST=" ALLOWED};
	size_t i;

	(void)state;
	service("plain", "");
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		log_clear();
		c.rhost = hosts[i];
		assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
		if (log_count("refused") == 0)
			skip(); /* this libpam logs through another function */
		if (log_count("attacker") != 0 || log_count("pk_root") != 0 ||
		    log_count("forged") != 0)
			fail_msg("a client's host text was logged:\n%s",
			    log_text);
		assert_true(log_count("refused from (not shown)") >= 1);
	}
	log_clear();
	c.rhost = "192.0.2.7";
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
	assert_true(log_count("refused from 192.0.2.7") >= 1);
}

/* With debug, the module says which build it is: the version the
 * Makefile read from debian/changelog, the library's cerbo_version(). */
static void
test_debug_logs_the_version(void **state)
{
	struct call c = {.service = "debugversion",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char want[64];

	(void)state;
	(void)snprintf(want, sizeof(want), "pam_cerbo version %s",
	    cerbo_version());
	service("debugversion", "debug");
	log_clear();
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	if (log_count("verdict") == 0)
		skip(); /* this libpam logs through another function */
	assert_true(log_count(want) >= 1);
	/* Without debug, not a word of it. */
	c.service = "plain";
	service("plain", "");
	log_clear();
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	assert_int_equal(log_count("pam_cerbo version"), 0);
}

/* The request is a client's text: the module's line quotes it, by the
 * library's rule, and a refused one is told by profile and rule only. */
static void
test_refused_request_is_logged_in_quotes(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=GET /api/v1/patients/1\"%20allowed%20by%20"
	           "profile%20admin HTTP/1.1",
	    .rhost = "192.0.2.7"};

	(void)state;
	service("plain", "");
	log_clear();
	assert_int_equal(login(&c).auth, PAM_PERM_DENIED);
	if (log_count("refused") == 0)
		skip(); /* this libpam logs through another function */
	if (log_count("auth: refused from 192.0.2.7: user pk_alice forbidden "
	              "by profile ") != 1 ||
	    log_count(": no allow rule matches; request \"GET "
	              "/api/v1/patients/1\\\"%20allowed%20by%20profile%20admin "
	              "HTTP/1.1\"\n") != 1 ||
	    log_count("allowed by profile admin") != 0)
		fail_msg("the request is not quoted:\n%s", log_text);
}

static void
test_address_inside_allow_from_succeeds(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_office",
	    .secret = sk_office,
	    .env = "REQUEST=" ALLOWED,
	    .rhost = "192.0.2.10"};
	struct result r;

	(void)state;
	service("plain", "");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.acct, PAM_SUCCESS);
}

static void
test_no_address_with_allow_from_is_auth_err(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_office",
	    .secret = sk_office,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
}

/* ---- the profile --------------------------------------------------------- */

static void
test_request_outside_profile_is_refused_by_authenticate(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" OUTSIDE};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_PERM_DENIED);
}

static void
test_request_outside_profile_is_perm_denied_by_account(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .env = "REQUEST=" OUTSIDE};

	(void)state;
	service("plain", "");
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
}

static void
test_denied_request_is_perm_denied_by_account(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .env = "REQUEST=" FORBIDDEN};

	(void)state;
	service("plain", "");
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
}

static void
test_allowed_request_passes_account(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .env = "REQUEST=GET /api/v1/appointments/7?page=2 HTTP/1.1"};

	(void)state;
	service("plain", "");
	assert_int_equal(account_only(&c), PAM_SUCCESS);
}

static void
test_dot_segment_bypass_is_refused(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=GET /api/v1/appointments/%2e%2e/patients/1 "
	           "HTTP/1.1"};

	(void)state;
	service("plain", "");
	assert_int_equal(login(&c).auth, PAM_PERM_DENIED);
}

static void
test_encoded_slash_bypass_is_refused(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .env = "REQUEST=GET /api/v1/appointments%2f..%2fpatients/1 "
	           "HTTP/1.1"};

	(void)state;
	service("plain", "");
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
}

static void
test_absolute_form_bypass_is_refused(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .env = "REQUEST=GET http://h/api/v1/appointments/1 HTTP/1.1"};

	(void)state;
	service("plain", "");
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
}

static void
test_no_request_is_perm_denied_by_account(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice};
	struct result r;

	(void)state;
	service("plain", "");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.acct, PAM_PERM_DENIED);
}

static void
test_authenticate_only_needs_no_request(void **state)
{
	struct call c = {.service = "authonly",
	    .user = "pk_alice",
	    .secret = sk_alice};
	struct result r;

	(void)state;
	service("authonly", "authenticate_only");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.acct, PAM_SUCCESS);
}

static void
test_authenticate_only_still_enforces_a_given_request(void **state)
{
	struct call c = {.service = "authonly",
	    .user = "pk_alice",
	    .env = "REQUEST=" FORBIDDEN};

	(void)state;
	service("authonly", "authenticate_only");
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
}

static void
test_authenticate_only_still_refuses_disabled_account(void **state)
{
	struct call c = {.service = "authonly", .user = "pk_disabled"};

	(void)state;
	service("authonly", "authenticate_only");
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
}

static void
test_account_refuses_expired_user(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_expired",
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(account_only(&c), PAM_ACCT_EXPIRED);
}

static void
test_account_refuses_unknown_user(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_nobody",
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service("plain", "");
	assert_int_equal(account_only(&c), PAM_USER_UNKNOWN);
}

static void
test_authenticate_enforces_profile_under_account_permit(void **state)
{
	struct call c = {.service = "permit",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" FORBIDDEN};
	struct result r;

	(void)state;
	service_text("permit",
	    "auth required @MODULE@ store=@STORE@\n"
	    "account required pam_permit.so\n",
	    store);
	r = login(&c);
	assert_int_equal(r.auth, PAM_PERM_DENIED);
	assert_int_equal(r.acct, -1);
}

static void
test_custom_request_env_is_read(void **state)
{
	struct call c = {.service = "custom",
	    .user = "pk_alice",
	    .env = "HTTP_REQ=" FORBIDDEN};
	struct call ok = {.service = "custom",
	    .user = "pk_alice",
	    .env = "HTTP_REQ=" ALLOWED};

	(void)state;
	service("custom", "request_env=HTTP_REQ");
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
	assert_int_equal(account_only(&ok), PAM_SUCCESS);
}

static void
test_fixed_endpoint_outside_profile_is_perm_denied(void **state)
{
	struct call c = {.service = "fixed-delete",
	    .user = "pk_alice",
	    .secret = sk_alice};
	struct result r;

	(void)state;
	service("fixed-delete", "[endpoint=DELETE /api/v1/appointments/1]");
	r = login(&c);
	assert_int_equal(r.auth, PAM_PERM_DENIED);
	assert_int_equal(account_only(&c), PAM_PERM_DENIED);
}

static void
test_fixed_endpoint_inside_profile_succeeds(void **state)
{
	struct call c = {.service = "fixed-get",
	    .user = "pk_alice",
	    .secret = sk_alice};
	struct result r;

	(void)state;
	service("fixed-get", "[endpoint=GET /api/v1/appointments/1]");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.acct, PAM_SUCCESS);
}

static void
test_fixed_endpoint_ignores_request_environment(void **state)
{
	struct call c = {.service = "fixed-get",
	    .user = "pk_alice",
	    .env = "REQUEST=" FORBIDDEN};

	(void)state;
	service("fixed-get", "[endpoint=GET /api/v1/appointments/1]");
	assert_int_equal(account_only(&c), PAM_SUCCESS);
}

/* ---- arguments ------------------------------------------------------------
 */

static void
assert_service_err(const char *args)
{
	struct call c = {.service = "badargs",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};

	service("badargs", args);
	assert_int_equal(login(&c).auth, PAM_SERVICE_ERR);
	assert_int_equal(account_only(&c), PAM_SERVICE_ERR);
}

static void
test_unknown_argument_is_service_err(void **state)
{
	(void)state;
	assert_service_err("nosuchoption");
}

static void
test_misspelt_argument_is_service_err(void **state)
{
	(void)state;
	assert_service_err("endpoints=GET");
}

static void
test_endpoint_without_brackets_is_service_err(void **state)
{
	(void)state;
	assert_service_err("endpoint=GET /api/v1/appointments/1");
}

static void
test_malformed_endpoint_is_service_err(void **state)
{
	(void)state;
	assert_service_err("[endpoint=GET api/v1]");
}

static void
test_fail_delay_not_a_number_is_service_err(void **state)
{
	(void)state;
	assert_service_err("fail_delay=abc");
}

static void
test_fail_delay_negative_is_service_err(void **state)
{
	(void)state;
	assert_service_err("fail_delay=-1");
}

static void
test_fail_delay_too_large_is_service_err(void **state)
{
	(void)state;
	assert_service_err("fail_delay=10001");
}

static void
test_fail_delay_past_ten_seconds_in_any_unit_is_service_err(void **state)
{
	(void)state;
	assert_service_err("fail_delay=11s");
	assert_service_err("fail_delay=1m");
	assert_service_err("fail_delay=10001ms");
}

static void
test_fail_delay_not_in_the_duration_grammar_is_service_err(void **state)
{
	(void)state;
	assert_service_err("fail_delay=0.5s");
	assert_service_err("[fail_delay=250 ms]");
	assert_service_err("fail_delay=+250");
	log_clear();
	assert_service_err("fail_delay=250MS");
	/* The log says what would have been right. */
	assert_int_equal(log_count("fail_delay= is not a duration from 0 to "
	                           "10s (e.g. 500ms, 10s, 2m; a bare number is "
	                           "milliseconds): fail_delay=250MS"),
	    1);
}

static void
test_argument_given_twice_is_service_err(void **state)
{
	(void)state;
	assert_service_err("debug debug");
}

static void
test_flag_with_value_is_service_err(void **state)
{
	(void)state;
	assert_service_err("debug=1");
}

static void
test_relative_store_is_service_err(void **state)
{
	struct call c = {.service = "relstore",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};

	(void)state;
	service_text("relstore", "auth required @MODULE@ store=apiusers.yaml\n",
	    store);
	assert_int_equal(login(&c).auth, PAM_SERVICE_ERR);
}

static void
test_bad_request_env_name_is_service_err(void **state)
{
	(void)state;
	assert_service_err("request_env=1ABC");
}

static void
test_use_and_try_first_pass_together_is_service_err(void **state)
{
	(void)state;
	assert_service_err("use_first_pass try_first_pass");
}

static void
test_every_documented_argument_is_accepted(void **state)
{
	struct call c = {.service = "allargs",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQ=" ALLOWED};
	struct result r;

	(void)state;
	service("allargs",
	    "request_env=REQ fail_delay=0s log_success debug "
	    "try_first_pass");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.acct, PAM_SUCCESS);
}

static void
test_fail_delay_delays_a_failure(void **state)
{
	struct call c = {.service = "delay",
	    .user = "pk_alice",
	    .secret = sk_other,
	    .env = "REQUEST=" ALLOWED};
	struct timespec t0, t1;
	double ms;

	(void)state;
	service("delay", "fail_delay=300");
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* Linux-PAM randomises the delay by up to 25% either way; a bare
	 * number is milliseconds, not seconds. */
	assert_true(ms >= 200.0);
	assert_true(ms < 5000.0);
}

/* The delay in the duration grammar of the other front ends. */
static void
test_fail_delay_with_a_unit_delays_a_failure(void **state)
{
	struct call c = {.service = "delayunit",
	    .user = "pk_alice",
	    .secret = sk_other,
	    .env = "REQUEST=" ALLOWED};
	struct timespec t0, t1;
	double ms;

	(void)state;
	service("delayunit", "fail_delay=300ms");
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms >= 200.0);
	assert_true(ms < 5000.0);
}

static void
test_no_failure_delay_by_default(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_other,
	    .env = "REQUEST=" ALLOWED};
	struct timespec t0, t1;
	double ms;

	(void)state;
	service("plain", "");
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms < 1000.0);
}

/* ---- the secret from PAM ----------------------------------------------- */

/*
 * PAM_AUTHTOK can only be set by a module: pam_unix comes first in these
 * stacks, asks for the password (and fails for a pk_ user, "optional"),
 * and pam_cerbo must take the token it left instead of asking again.
 */
static void
first_pass_service(const char *name, const char *arg)
{
	char tmpl[512];
	int n = snprintf(tmpl, sizeof(tmpl),
	    "auth optional pam_unix.so nodelay\n"
	    "auth required @MODULE@ store=@STORE@ %s\n"
	    "account required @MODULE@ store=@STORE@\n",
	    arg);

	assert_true(n > 0 && (size_t)n < sizeof(tmpl));
	service_text(name, tmpl, store);
}

static void
test_use_first_pass_takes_authtok_without_asking(void **state)
{
	struct call c = {.service = "firstpass",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	struct result r;

	(void)state;
	first_pass_service("firstpass", "use_first_pass");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.prompts, 1);
}

static void
test_use_first_pass_without_authtok_fails_without_asking(void **state)
{
	struct call c = {.service = "firstpass-alone",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	struct result r;

	(void)state;
	service("firstpass-alone", "use_first_pass");
	r = login(&c);
	assert_int_equal(r.auth, PAM_AUTH_ERR);
	assert_int_equal(r.prompts, 0);
}

static void
test_try_first_pass_takes_authtok_without_asking(void **state)
{
	struct call c = {.service = "trypass",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	struct result r;

	(void)state;
	first_pass_service("trypass", "try_first_pass");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.prompts, 1);
}

static void
test_try_first_pass_asks_when_no_authtok(void **state)
{
	struct call c = {.service = "trypass-alone",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	struct result r;

	(void)state;
	service("trypass-alone", "try_first_pass");
	r = login(&c);
	assert_int_equal(r.auth, PAM_SUCCESS);
	assert_int_equal(r.prompts, 1);
}

static void
test_wrong_first_pass_is_auth_err(void **state)
{
	struct call c = {.service = "firstpass",
	    .user = "pk_alice",
	    .secret = sk_other,
	    .env = "REQUEST=" ALLOWED};
	struct result r;

	(void)state;
	first_pass_service("firstpass", "use_first_pass");
	r = login(&c);
	assert_int_equal(r.auth, PAM_AUTH_ERR);
	assert_int_equal(r.prompts, 1);
}

/* ---- other entry points ---------------------------------------------------
 */

static void
test_chauthtok_is_refused(void **state)
{
	struct call c = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice};

	(void)state;
	service("plain", "");
	assert_int_equal(chauthtok(&c), PAM_PERM_DENIED);
}

static void
test_setcred_succeeds(void **state)
{
	struct call c = {.service = "plain", .user = "pk_alice"};

	(void)state;
	service("plain", "");
	assert_int_equal(setcred(&c), PAM_SUCCESS);
}

/* ---- store errors ------------------------------------------------------- */

static void
test_missing_store_is_authinfo_unavail(void **state)
{
	struct call c = {.service = "nostore",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char path[PATH_MAX];

	(void)state;
	path_join(path, sizeof(path), top, "no/such/apiusers.yaml");
	service_for("nostore", path, "");
	assert_int_equal(login(&c).auth, PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(account_only(&c), PAM_AUTHINFO_UNAVAIL);
}

static void
test_invalid_store_is_authinfo_unavail(void **state)
{
	struct call c = {.service = "badstore",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX];
	char path[PATH_MAX];

	(void)state;
	subdir(dir, sizeof(dir), "badstore");
	path_join(path, sizeof(path), dir, "apiusers.yaml");
	write_file(path, "cerbo_store: 1\nusers: [\n", 0640);
	service_for("badstore", path, "");
	assert_int_equal(login(&c).auth, PAM_AUTHINFO_UNAVAIL);
}

static void
test_world_readable_store_is_authinfo_unavail(void **state)
{
	struct call c = {.service = "unsafe",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX];
	char path[PATH_MAX];

	(void)state;
	subdir(dir, sizeof(dir), "unsafe");
	path_join(path, sizeof(path), dir, "apiusers.yaml");
	build_store(path);
	assert_int_equal(chmod(path, 0644), 0);
	service_for("unsafe", path, "");
	assert_int_equal(login(&c).auth, PAM_AUTHINFO_UNAVAIL);
}

static void
test_store_made_group_writable_is_refused_at_once(void **state)
{
	struct call c = {.service = "chmod",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX];
	char path[PATH_MAX];

	(void)state;
	subdir(dir, sizeof(dir), "chmod");
	path_join(path, sizeof(path), dir, "apiusers.yaml");
	build_store(path);
	service_for("chmod", path, "");
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	assert_int_equal(chmod(path, 0660), 0);
	assert_int_equal(login(&c).auth, PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
}

static void
test_store_that_turns_invalid_refuses_everyone(void **state)
{
	struct call c = {.service = "turns",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char tmp[PATH_MAX];

	(void)state;
	subdir(dir, sizeof(dir), "turns");
	path_join(path, sizeof(path), dir, "apiusers.yaml");
	path_join(tmp, sizeof(tmp), dir, "new.yaml");
	build_store(path);
	service_for("turns", path, "");
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	write_file(tmp, "cerbo_store: 1\nprofiles: {\n", 0640);
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(login(&c).auth, PAM_AUTHINFO_UNAVAIL);
}

/* ---- reload ---------------------------------------------------------------
 */

static void
test_rotation_applies_to_next_request(void **state)
{
	struct call c = {.service = "rotate",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char fresh[CERBO_SECRET_GENERATED_SIZE];

	(void)state;
	subdir(dir, sizeof(dir), "rotate");
	path_join(path, sizeof(path), dir, "apiusers.yaml");
	build_store(path);
	service_for("rotate", path, "");
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	rotate(path, "pk_alice", fresh, 0);
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
	c.secret = fresh;
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	sodium_memzero(fresh, sizeof(fresh));
}

/* A backup restored over the store (a lower generation) is logged as a
 * warning, once; the logins themselves go on. */
static void
test_generation_going_back_is_logged_once(void **state)
{
	struct call c = {.service = "restore",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char cmd[3 * PATH_MAX + 64];
	char fresh[CERBO_SECRET_GENERATED_SIZE];
	const char *warning = "<4> pam_cerbo(restore:auth): store generation "
	                      "went back from 2 to 1: a restored backup may "
	                      "have revived revoked keys";

	(void)state;
	subdir(dir, sizeof(dir), "restore");
	path_join(path, sizeof(path), dir, "apiusers.yaml");
	build_store(path); /* generation 1 */
	assert_true(snprintf(cmd, sizeof(cmd), "cp -p %s %s/backup.yaml", path,
	                dir) < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	rotate(path, "pk_office", fresh, 0); /* generation 2 */
	service_for("restore", path, "");
	log_clear();
	c.secret = sk_other; /* a refusal, logged: proves lines are caught */
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
	if (log_count("refused") == 0)
		skip(); /* this libpam logs through another function */
	c.secret = sk_alice;
	assert_int_equal(login(&c).acct, PAM_SUCCESS);
	assert_true(snprintf(cmd, sizeof(cmd),
	                "cp -p %s/backup.yaml %s/new.yaml && mv %s/new.yaml %s",
	                dir, dir, dir, path) < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(login(&c).acct, PAM_SUCCESS);
	assert_int_equal(login(&c).acct, PAM_SUCCESS);
	if (log_count(warning) != 1)
		fail_msg("expected the warning once in:\n%s", log_text);
	assert_int_equal(log_count("went back"), 1);
	sodium_memzero(fresh, sizeof(fresh));
}

static void
test_old_key_works_during_grace_period(void **state)
{
	struct call c = {.service = "grace",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char fresh[CERBO_SECRET_GENERATED_SIZE];

	(void)state;
	subdir(dir, sizeof(dir), "grace");
	path_join(path, sizeof(path), dir, "apiusers.yaml");
	build_store(path);
	service_for("grace", path, "");
	rotate(path, "pk_alice", fresh, 3600);
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	c.secret = fresh;
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	sodium_memzero(fresh, sizeof(fresh));
}

static void
test_store_replaced_by_symlink_swap_applies(void **state)
{
	struct call c = {.service = "k8s",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	char dir[PATH_MAX], v1[PATH_MAX], v2[PATH_MAX];
	char p1[PATH_MAX], p2[PATH_MAX];
	char data[PATH_MAX], tmp[PATH_MAX], link[PATH_MAX];
	char fresh[CERBO_SECRET_GENERATED_SIZE];

	(void)state;
	/* The kubelet's layout: file -> ..data/file, ..data -> ..v1. */
	subdir(dir, sizeof(dir), "k8s");
	path_join(v1, sizeof(v1), dir, "..v1");
	path_join(v2, sizeof(v2), dir, "..v2");
	assert_int_equal(mkdir(v1, 0700), 0);
	assert_int_equal(mkdir(v2, 0700), 0);
	path_join(p1, sizeof(p1), v1, "apiusers.yaml");
	path_join(p2, sizeof(p2), v2, "apiusers.yaml");
	build_store(p1);
	build_store(p2);
	rotate(p2, "pk_alice", fresh, 0);
	path_join(data, sizeof(data), dir, "..data");
	path_join(tmp, sizeof(tmp), dir, "..data_tmp");
	path_join(link, sizeof(link), dir, "apiusers.yaml");
	assert_int_equal(symlink("..v1", data), 0);
	assert_int_equal(symlink("..data/apiusers.yaml", link), 0);
	service_for("k8s", link, "");

	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	assert_int_equal(symlink("..v2", tmp), 0);
	assert_int_equal(rename(tmp, data), 0);
	assert_int_equal(login(&c).auth, PAM_AUTH_ERR);
	c.secret = fresh;
	assert_int_equal(login(&c).auth, PAM_SUCCESS);
	sodium_memzero(fresh, sizeof(fresh));
}

/* ---- long-lived daemons
 * ------------------------------------------------------ */

static void
test_many_cycles_leak_no_descriptors(void **state)
{
	struct call good = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	struct call bad = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_other,
	    .env = "REQUEST=" ALLOWED};
	struct call forbidden = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" FORBIDDEN};
	int before;
	int i;

	(void)state;
	service("plain", "");
	assert_int_equal(login(&good).acct, PAM_SUCCESS); /* warm up */
	before = count_fds();
	for (i = 0; i < 500; i++) {
		assert_int_equal(login(&good).acct, PAM_SUCCESS);
		assert_int_equal(login(&bad).auth, PAM_AUTH_ERR);
		assert_int_equal(login(&forbidden).auth, PAM_PERM_DENIED);
	}
	assert_int_equal(count_fds(), before);
}

struct worker {
	pthread_t thread;
	int wrong; /* answers that were not the expected one */
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct call good = {.service = "plain",
	    .user = "pk_alice",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	struct call bad = {.service = "plain",
	    .user = "pk_nobody",
	    .secret = sk_alice,
	    .env = "REQUEST=" ALLOWED};
	int i;

	for (i = 0; i < 100; i++) {
		struct result r1 = login(&good);
		struct result r2 = login(&bad);

		if (r1.acct != PAM_SUCCESS || r2.auth != PAM_AUTH_ERR)
			w->wrong++;
	}
	return NULL;
}

static void
test_threads_get_the_right_answers(void **state)
{
	struct worker w[4];
	int i;

	(void)state;
	service("plain", "");
	memset(w, 0, sizeof(w));
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&w[i].thread, NULL, work,
		                     &w[i]),
		    0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		assert_int_equal(w[i].wrong, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_secret_and_allowed_request_succeed),
	    cmocka_unit_test(test_secret_is_asked_through_the_conversation),
	    cmocka_unit_test(test_unknown_user_is_auth_err),
	    cmocka_unit_test(test_wrong_secret_is_auth_err),
	    cmocka_unit_test(test_secret_not_in_key_format_is_auth_err),
	    cmocka_unit_test(test_empty_secret_is_auth_err),
	    cmocka_unit_test(test_secret_typed_as_username_is_auth_err),
	    cmocka_unit_test(test_disabled_user_is_auth_err),
	    cmocka_unit_test(test_expired_user_is_auth_err),
	    cmocka_unit_test(test_address_outside_allow_from_is_auth_err),
	    cmocka_unit_test(test_debug_logs_the_version),
	    cmocka_unit_test(test_address_inside_allow_from_succeeds),
	    cmocka_unit_test(test_client_host_name_is_not_logged),
	    cmocka_unit_test(test_refused_request_is_logged_in_quotes),
	    cmocka_unit_test(test_no_address_with_allow_from_is_auth_err),
	    cmocka_unit_test(
	        test_request_outside_profile_is_refused_by_authenticate),
	    cmocka_unit_test(
	        test_request_outside_profile_is_perm_denied_by_account),
	    cmocka_unit_test(test_denied_request_is_perm_denied_by_account),
	    cmocka_unit_test(test_allowed_request_passes_account),
	    cmocka_unit_test(test_dot_segment_bypass_is_refused),
	    cmocka_unit_test(test_encoded_slash_bypass_is_refused),
	    cmocka_unit_test(test_absolute_form_bypass_is_refused),
	    cmocka_unit_test(test_no_request_is_perm_denied_by_account),
	    cmocka_unit_test(test_authenticate_only_needs_no_request),
	    cmocka_unit_test(
	        test_authenticate_only_still_enforces_a_given_request),
	    cmocka_unit_test(
	        test_authenticate_only_still_refuses_disabled_account),
	    cmocka_unit_test(test_account_refuses_expired_user),
	    cmocka_unit_test(test_account_refuses_unknown_user),
	    cmocka_unit_test(
	        test_authenticate_enforces_profile_under_account_permit),
	    cmocka_unit_test(test_custom_request_env_is_read),
	    cmocka_unit_test(
	        test_fixed_endpoint_outside_profile_is_perm_denied),
	    cmocka_unit_test(test_fixed_endpoint_inside_profile_succeeds),
	    cmocka_unit_test(test_fixed_endpoint_ignores_request_environment),
	    cmocka_unit_test(test_unknown_argument_is_service_err),
	    cmocka_unit_test(test_misspelt_argument_is_service_err),
	    cmocka_unit_test(test_endpoint_without_brackets_is_service_err),
	    cmocka_unit_test(test_malformed_endpoint_is_service_err),
	    cmocka_unit_test(test_fail_delay_not_a_number_is_service_err),
	    cmocka_unit_test(test_fail_delay_negative_is_service_err),
	    cmocka_unit_test(test_fail_delay_too_large_is_service_err),
	    cmocka_unit_test(
	        test_fail_delay_past_ten_seconds_in_any_unit_is_service_err),
	    cmocka_unit_test(
	        test_fail_delay_not_in_the_duration_grammar_is_service_err),
	    cmocka_unit_test(test_argument_given_twice_is_service_err),
	    cmocka_unit_test(test_flag_with_value_is_service_err),
	    cmocka_unit_test(test_relative_store_is_service_err),
	    cmocka_unit_test(test_bad_request_env_name_is_service_err),
	    cmocka_unit_test(
	        test_use_and_try_first_pass_together_is_service_err),
	    cmocka_unit_test(test_every_documented_argument_is_accepted),
	    cmocka_unit_test(test_fail_delay_delays_a_failure),
	    cmocka_unit_test(test_fail_delay_with_a_unit_delays_a_failure),
	    cmocka_unit_test(test_no_failure_delay_by_default),
	    cmocka_unit_test(test_use_first_pass_takes_authtok_without_asking),
	    cmocka_unit_test(
	        test_use_first_pass_without_authtok_fails_without_asking),
	    cmocka_unit_test(test_try_first_pass_takes_authtok_without_asking),
	    cmocka_unit_test(test_try_first_pass_asks_when_no_authtok),
	    cmocka_unit_test(test_wrong_first_pass_is_auth_err),
	    cmocka_unit_test(test_chauthtok_is_refused),
	    cmocka_unit_test(test_setcred_succeeds),
	    cmocka_unit_test(test_missing_store_is_authinfo_unavail),
	    cmocka_unit_test(test_invalid_store_is_authinfo_unavail),
	    cmocka_unit_test(test_world_readable_store_is_authinfo_unavail),
	    cmocka_unit_test(test_store_made_group_writable_is_refused_at_once),
	    cmocka_unit_test(test_store_that_turns_invalid_refuses_everyone),
	    cmocka_unit_test(test_rotation_applies_to_next_request),
	    cmocka_unit_test(test_generation_going_back_is_logged_once),
	    cmocka_unit_test(test_old_key_works_during_grace_period),
	    cmocka_unit_test(test_store_replaced_by_symlink_swap_applies),
	    cmocka_unit_test(test_many_cycles_leak_no_descriptors),
	    cmocka_unit_test(test_threads_get_the_right_answers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
