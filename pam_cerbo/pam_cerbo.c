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
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "args.h"
#include "cerbo.h"

/* ---- logging ------------------------------------------------------- */

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

/* One line built by the library, through pam_syslog (facility authpriv). */
static void
write_line(void *pamh, int prio, const char *line)
{
	pam_syslog(pamh, prio, "%s", line);
}

/*
 * Log what the module decided: la holds the decision (a verdict, or a
 * refusal of the module's own) and what it was about; the client address
 * and the module's options are added here.  The lines, their priorities
 * and what of the client's text they may hold are the library's
 * (cerbo_log_verdict).
 */
static void
log_check(pam_handle_t *pamh, const struct module_args *args,
    struct cerbo_log_args *la)
{
	la->rhost = get_rhost(pamh);
	if (args != NULL && args->log_success)
		la->flags |= CERBO_LOG_SUCCESS;
	if (args != NULL && args->debug)
		la->flags |= CERBO_LOG_DEBUG;
	if (args != NULL)
		la->store_path = args->store;
	(void)cerbo_log_verdict(la, write_line, pamh);
}

/* ---- the PAM items ------------------------------------------------- */

static int
parse_args(pam_handle_t *pamh, struct module_args *args, int argc,
    const char **argv)
{
	char msg[512];
	char refusal[600];
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;

	if (module_args_parse(args, argc, argv, msg, sizeof(msg)) != 0) {
		/* The same for every request until the file is fixed. */
		(void)snprintf(refusal, sizeof(refusal),
		    "bad module arguments in the service file: %s", msg);
		la.flags = CERBO_LOG_LIMIT_REFUSALS;
		la.refusal = refusal;
		la.priority = LOG_ERR;
		log_check(pamh, NULL, &la);
		return -1;
	}
	/* Which build answered, for a report that quotes the debug log. */
	if (args->debug)
		pam_syslog(pamh, LOG_DEBUG, "pam_cerbo version %s",
		    cerbo_version());
	return 0;
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
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	const char *user = NULL;
	char refusal[256];
	int pr;

	pr = pam_get_user(pamh, &user, NULL);
	if (pr == PAM_SUCCESS && user != NULL)
		return user;
	if (pr == PAM_CONV_AGAIN)
		*rc = PAM_INCOMPLETE;
	else if (pr != PAM_SUCCESS)
		*rc = pr;
	(void)snprintf(refusal, sizeof(refusal), "no user name (%s)",
	    pam_strerror(pamh, pr));
	la.refusal = refusal;
	log_check(pamh, NULL, &la);
	return NULL;
}

/* Log the verdict of phase ("auth", "account") on request. */
static void
log_verdict(pam_handle_t *pamh, const struct module_args *args,
    const char *phase, const char *user, const char *request,
    const struct cerbo_verdict *v, int verify_rc)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;

	la.prefix = phase;
	la.username = user;
	la.request = request;
	la.verdict = v;
	la.verify_rc = verify_rc;
	log_check(pamh, args, &la);
}

/* Log a refusal the module decides itself in phase. */
static void
log_refusal(pam_handle_t *pamh, const struct module_args *args,
    const char *phase, const char *user, const char *refusal)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;

	la.prefix = phase;
	la.username = user;
	la.refusal = refusal;
	log_check(pamh, args, &la);
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
	char refusal[256];
	int rc = PAM_AUTH_ERR;
	int pr, vr;

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
		(void)snprintf(refusal, sizeof(refusal), "no secret (%s)",
		    pam_strerror(pamh, pr));
		log_refusal(pamh, &args, "auth", user, refusal);
		goto out;
	}

	va = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	va.store_path = args.store;
	va.username = user;
	va.secret = token;
	va.secret_len = strlen(token);
	va.request = request;
	va.rhost = rhost;
	vr = cerbo_verify(&va, &verdict);
	log_verdict(pamh, &args, "auth", user, request, &verdict, vr);
	if (vr != 0)
		goto out;

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
	char refusal[512];
	int rc = PAM_PERM_DENIED;
	int vr;

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
		(void)snprintf(refusal, sizeof(refusal),
		    "no request to authorise (%s is not in the PAM environment and no endpoint= is set; a service that needs no request says authenticate_only)",
		    args.request_env);
		log_refusal(pamh, &args, "account", user, refusal);
		goto out;
	}

	va = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	va.store_path = args.store;
	va.username = user;
	va.secret = NULL; /* authorise only: authenticate checked it */
	va.request = request;
	va.rhost = rhost;
	vr = cerbo_verify(&va, &verdict);
	log_verdict(pamh, &args, "account", user, request, &verdict, vr);
	if (vr != 0)
		goto out;

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
	log_refusal(pamh, NULL, "password", NULL,
	    "secret keys are not changed through PAM; use cerbo-apiuser rotate");
	return PAM_PERM_DENIED;
}
