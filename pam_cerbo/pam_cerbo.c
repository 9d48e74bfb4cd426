/*
 * pam_cerbo.c - the PAM entry points of pam_cerbo.so.
 *
 * A thin front end over cerbo_verify(): it reads its arguments, gathers the
 * PAM items (user, secret, client address, request), asks the verifier,
 * maps the verdict to a PAM code, and logs.  Every rule (secrets, expiry,
 * addresses, profiles, request parsing, the store cache and its trust
 * checks) lives in libcerbo, so the module, the tools and any other front
 * end give the same answer.
 *
 * Inside a daemon the module is called from many requests, possibly from
 * many threads: it keeps no state between calls (the limit on repeated log
 * lines is the library's, behind a mutex).  It never exits, prints or touches
 * signals, and it never holds a copy of the secret: the token from
 * pam_get_authtok() belongs to PAM, which wipes it at pam_end().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "args.h"
#include "cerbo.h"

#define LOG_LINE_MAX 1024

/* ---- logging ------------------------------------------------------- */

static void logmsg(pam_handle_t *pamh, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One cleaned line through pam_syslog (facility authpriv). */
static void
logmsg(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	char raw[LOG_LINE_MAX];
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	cerbo_log_clean(line, sizeof(line), raw);
	pam_syslog(pamh, prio, "%s", line);
}

static void logmsg_limited(pam_handle_t *pamh, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like logmsg(), for a line that could repeat on every request: identical
 * lines at most once per CERBO_LOG_REPEAT_INTERVAL seconds. */
static void
logmsg_limited(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	char raw[LOG_LINE_MAX];
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	cerbo_log_clean(line, sizeof(line), raw);
	if (cerbo_log_repeat_allowed(line, sizeof(line)))
		pam_syslog(pamh, prio, "%s", line);
}

/* The username for a log line: only a syntactically valid pk_ name, so a
 * secret typed into the username field is never written to a log. */
static const char *
who(const char *user)
{
	if (user != NULL && cerbo_username_valid(user))
		return user;
	return "(invalid username)";
}

/* The client address for a log line, by the library's rule: a host name
 * or any text a client chose is not written. */
static const char *
where(const char *rhost)
{
	return cerbo_addr_shown(rhost);
}

/* "METHOD /path" of a request for the log: decoded path, query dropped
 * (a query string may carry tokens of other schemes). */
static const char *
describe_request(const char *request, char *out, size_t outlen)
{
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;

	if (request == NULL)
		return "no request";
	if (cerbo_request_parse(request, &req, &err) != 0)
		return "unparsable request";
	(void)snprintf(out, outlen, "%s %s", req.method, req.path);
	return out;
}

/* ---- the PAM items ------------------------------------------------- */

static int
parse_args(pam_handle_t *pamh, struct module_args *args, int argc,
    const char **argv)
{
	char msg[512];

	if (module_args_parse(args, argc, argv, msg, sizeof(msg)) != 0) {
		logmsg_limited(pamh, LOG_ERR,
		    "bad module arguments in the service file, refusing everyone: %s",
		    msg);
		return -1;
	}
	/* Which build answered, for a report that quotes the debug log. */
	if (args->debug)
		logmsg(pamh, LOG_DEBUG, "pam_cerbo version %s",
		    cerbo_version());
	return 0;
}

/* PAM_RHOST, or NULL when unset or empty. */
static const char *
get_rhost(pam_handle_t *pamh)
{
	const void *item = NULL;

	if (pam_get_item(pamh, PAM_RHOST, &item) != PAM_SUCCESS ||
	    item == NULL || *(const char *)item == '\0')
		return NULL;
	return item;
}

/* The request to authorise: the fixed endpoint, or the PAM environment
 * variable (NULL when neither is there). */
static const char *
get_request(pam_handle_t *pamh, const struct module_args *args)
{
	if (args->endpoint != NULL)
		return args->endpoint;
	return pam_getenv(pamh, args->request_env);
}

/* The user, or NULL with *rc set to the PAM code to return. */
static const char *
get_user(pam_handle_t *pamh, int *rc)
{
	const char *user = NULL;
	int pr;

	pr = pam_get_user(pamh, &user, NULL);
	if (pr == PAM_SUCCESS && user != NULL)
		return user;
	if (pr == PAM_CONV_AGAIN)
		*rc = PAM_INCOMPLETE;
	else if (pr != PAM_SUCCESS)
		*rc = pr;
	logmsg(pamh, LOG_NOTICE, "refused: no user name (%s)",
	    pam_strerror(pamh, pr));
	return NULL;
}

static void
log_debug(pam_handle_t *pamh, const struct module_args *args, const char *phase,
    const char *user, const char *request, const char *rhost,
    const struct cerbo_verdict *v)
{
	char req[CERBO_METHOD_MAX + CERBO_PATH_MAX + 2];

	if (!args->debug)
		return;
	logmsg(pamh, LOG_DEBUG,
	    "%s: user %s from %s, store %s, request %s (%s): verdict %s, key %s: %s",
	    phase, who(user), where(rhost),
	    args->store != NULL ? args->store : CERBO_STORE_DEFAULT,
	    describe_request(request, req, sizeof(req)),
	    args->endpoint != NULL ? "fixed endpoint" : args->request_env,
	    cerbo_verdict_name(v->code),
	    v->key != CERBO_KEY_NONE ? cerbo_key_used_name(v->key) : "none",
	    v->reason);
}

/*
 * Log a verdict: refusals always, store errors rate-limited, the use of an
 * old key during a rotation rate-limited, successes with log_success, and
 * the verifier's notice (a store whose generation went back) as a warning.  The
 * verifier's reason names the user (only a valid one), the profile, the
 * rule and, for a refused request, the request; it never holds a secret
 * or a hash.
 */
static void
log_verdict(pam_handle_t *pamh, const struct module_args *args,
    const char *phase, const char *user, const char *request, const char *rhost,
    const struct cerbo_verdict *v)
{
	log_debug(pamh, args, phase, user, request, rhost, v);
	/* Set on one call per change in this process: no rate limit. */
	if (v->notice[0] != '\0')
		logmsg(pamh, LOG_WARNING, "%s (store %s)", v->notice,
		    args->store != NULL ? args->store : CERBO_STORE_DEFAULT);
	switch (v->code) {
	case CERBO_ALLOW:
		if (v->key == CERBO_KEY_OLD)
			logmsg_limited(pamh, LOG_NOTICE,
			    "%s: %s authenticated with its old key: the client should switch to the new key before the grace period ends",
			    phase, who(user));
		if (args->log_success)
			logmsg(pamh, LOG_INFO, "%s: allowed from %s: %s", phase,
			    where(rhost), v->reason);
		break;
	case CERBO_STORE_ERROR:
		logmsg_limited(pamh, LOG_ERR,
		    "cannot use the store (reading as uid %u), refusing everyone: %s",
		    (unsigned)geteuid(), v->reason);
		break;
	default:
		logmsg(pamh, LOG_NOTICE, "%s: refused from %s: %s", phase,
		    where(rhost), v->reason);
		break;
	}
}

/* ---- the entry points ---------------------------------------------- */

/*
 * Checks the user's secret, and the request when it is already known, so
 * a stack whose account phase does not reach this module cannot bypass the
 * profile.  Unknown user, wrong secret, disabled, expired and a refused
 * address all give PAM_AUTH_ERR, in the same time, and differ only in the
 * log.
 */
int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_args args;
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict verdict = CERBO_VERDICT_INIT;
	const char *user;
	const char *token = NULL;
	const char *rhost;
	const char *request;
	int rc = PAM_AUTH_ERR;
	int pr;

	(void)flags;
	if (parse_args(pamh, &args, argc, argv) != 0) {
		rc = PAM_SERVICE_ERR;
		goto out;
	}
	if (args.fail_delay_ms >= 0)
		(void)pam_fail_delay(pamh,
		    (unsigned int)args.fail_delay_ms * 1000u);

	user = get_user(pamh, &rc);
	if (user == NULL)
		goto out;
	rhost = get_rhost(pamh);
	request = get_request(pamh, &args);

	pr = pam_get_authtok(pamh, PAM_AUTHTOK, &token, NULL);
	if (pr != PAM_SUCCESS || token == NULL) {
		rc = pr == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_AUTH_ERR;
		logmsg(pamh, LOG_NOTICE,
		    "auth: refused %s from %s: no secret (%s)", who(user),
		    where(rhost), pam_strerror(pamh, pr));
		goto out;
	}

	va = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	va.store_path = args.store;
	va.username = user;
	va.secret = token;
	va.secret_len = strlen(token);
	va.request = request;
	va.rhost = rhost;
	if (cerbo_verify(&va, &verdict) != 0) {
		logmsg(pamh, LOG_ERR,
		    "auth: refused %s from %s: the verifier rejected its arguments",
		    who(user), where(rhost));
		goto out;
	}
	log_verdict(pamh, &args, "auth", user, request, rhost, &verdict);

	switch (verdict.code) {
	case CERBO_ALLOW:
		rc = PAM_SUCCESS;
		break;
	case CERBO_DENY_FORBIDDEN:
	case CERBO_DENY_REQUEST:
		rc = PAM_PERM_DENIED;
		break;
	case CERBO_STORE_ERROR:
		rc = PAM_AUTHINFO_UNAVAIL;
		break;
	default:
		rc = PAM_AUTH_ERR;
		break;
	}
out:
	return rc;
}

/*
 * The permission profile decides: the request comes from the PAM
 * environment or the fixed endpoint.  No request is a refusal unless the
 * service says authenticate_only; the account itself (disabled, expired,
 * address) is checked in every case.
 */
int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_args args;
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict verdict = CERBO_VERDICT_INIT;
	const char *user;
	const char *rhost;
	const char *request;
	int rc = PAM_PERM_DENIED;

	(void)flags;
	if (parse_args(pamh, &args, argc, argv) != 0) {
		rc = PAM_SERVICE_ERR;
		goto out;
	}
	user = get_user(pamh, &rc);
	if (user == NULL)
		goto out;
	rhost = get_rhost(pamh);
	request = get_request(pamh, &args);
	if (request == NULL && !args.authenticate_only) {
		logmsg(pamh, LOG_NOTICE,
		    "account: refused %s from %s: no request to authorise (%s is not in the PAM environment and no endpoint= is set; a service that needs no request says authenticate_only)",
		    who(user), where(rhost), args.request_env);
		goto out;
	}

	va = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	va.store_path = args.store;
	va.username = user;
	va.secret = NULL; /* authorise only: authenticate checked it */
	va.request = request;
	va.rhost = rhost;
	if (cerbo_verify(&va, &verdict) != 0) {
		logmsg(pamh, LOG_ERR,
		    "account: refused %s from %s: the verifier rejected its arguments",
		    who(user), where(rhost));
		goto out;
	}
	log_verdict(pamh, &args, "account", user, request, rhost, &verdict);

	switch (verdict.code) {
	case CERBO_ALLOW:
		rc = PAM_SUCCESS;
		break;
	case CERBO_DENY_CREDENTIALS:
		rc = PAM_USER_UNKNOWN;
		break;
	case CERBO_DENY_EXPIRED:
		rc = PAM_ACCT_EXPIRED;
		break;
	case CERBO_STORE_ERROR:
		rc = PAM_AUTHINFO_UNAVAIL;
		break;
	default:
		rc = PAM_PERM_DENIED;
		break;
	}
out:
	return rc;
}

/* No credentials to set: an API user is not a login. */
int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* Secrets are generated and rotated with cerbo-apiuser, never chosen
 * through PAM. */
int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	(void)argc;
	(void)argv;
	logmsg(pamh, LOG_NOTICE,
	    "password: refused: secret keys are not changed through PAM; use cerbo-apiuser rotate");
	return PAM_PERM_DENIED;
}
