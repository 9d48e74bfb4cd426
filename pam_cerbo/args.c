/*
 * args.c - parsing the module arguments of a service line.
 *
 * Every argument is checked here, once, so the entry points only ever see
 * a complete, valid options struct.  Anything unknown, malformed or given
 * twice is an error: a typo in a service file must fail closed and loudly,
 * never be ignored (a misspelt "endpoint=" would otherwise turn into "no
 * request" and a misspelt "store=" into the default store).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cerbo.h"
#include "parse.h"

/* The arguments this module knows; 1 << id marks "seen already". */
enum arg_id {
	ARG_STORE,
	ARG_REQUEST_ENV,
	ARG_ENDPOINT,
	ARG_FAIL_DELAY,
	ARG_AUTHENTICATE_ONLY,
	ARG_LOG_SUCCESS,
	ARG_DEBUG,
	ARG_USE_FIRST_PASS,
	ARG_TRY_FIRST_PASS,
};

static const struct known_arg {
	const char *name;
	enum arg_id id;
	int takes_value; /* "name=value" rather than a bare "name" */
} known_args[] = {
    {"store", ARG_STORE, 1},
    {"request_env", ARG_REQUEST_ENV, 1},
    {"endpoint", ARG_ENDPOINT, 1},
    {"fail_delay", ARG_FAIL_DELAY, 1},
    {"authenticate_only", ARG_AUTHENTICATE_ONLY, 0},
    {"log_success", ARG_LOG_SUCCESS, 0},
    {"debug", ARG_DEBUG, 0},
    {"use_first_pass", ARG_USE_FIRST_PASS, 0},
    {"try_first_pass", ARG_TRY_FIRST_PASS, 0},
};

/* A PAM environment variable name: [A-Za-z_][A-Za-z0-9_]*, bounded. */
static int
env_name_valid(const char *s)
{
	size_t i;

	if (*s == '\0' || strlen(s) > MODULE_ENV_NAME_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_';
		int digit = c >= '0' && c <= '9';

		if (!alpha && !(digit && i > 0))
			return 0;
	}
	return 1;
}

/* "what: arg" (arg shortened) or "what" into msg, and -1. */
static int
fail(char *msg, size_t msglen, const char *what, const char *arg)
{
	if (msglen == 0)
		return -1;
	if (arg != NULL)
		(void)snprintf(msg, msglen, "%s: %.200s", what, arg);
	else
		(void)snprintf(msg, msglen, "%s", what);
	return -1;
}

/* The entry of known_args named by arg ("name" or "name=..."), or NULL. */
static const struct known_arg *
lookup(const char *arg)
{
	size_t n = strcspn(arg, "=");
	size_t i;

	for (i = 0; i < sizeof(known_args) / sizeof(known_args[0]); i++) {
		if (strlen(known_args[i].name) == n &&
		    strncmp(known_args[i].name, arg, n) == 0)
			return &known_args[i];
	}
	return NULL;
}

static int
parse_one(struct module_args *out, unsigned *seen, const char *arg, char *msg,
    size_t msglen)
{
	const struct known_arg *k = lookup(arg);
	/* the value after "name="; "" for a bare name, so never NULL */
	const char *v = "";
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char what[sizeof(err.message) + 128];
	int64_t delay_ms = 0;

	if (k == NULL)
		return fail(msg, msglen, "unknown argument", arg);
	if (k->takes_value && arg[strlen(k->name)] != '=')
		return fail(msg, msglen, "argument needs a value (name=value)",
		    arg);
	if (!k->takes_value && arg[strlen(k->name)] != '\0')
		return fail(msg, msglen, "argument takes no value", arg);
	if (*seen & (1u << k->id))
		return fail(msg, msglen, "argument given twice", arg);
	*seen |= 1u << k->id;
	if (k->takes_value)
		v = arg + strlen(k->name) + 1;

	switch (k->id) {
	case ARG_STORE:
		if (v[0] != '/' || strlen(v) >= PATH_MAX)
			return fail(msg, msglen,
			    "store= needs an absolute path", arg);
		out->store = v;
		break;
	case ARG_REQUEST_ENV:
		if (!env_name_valid(v))
			return fail(msg, msglen,
			    "request_env= needs a variable name ([A-Za-z_][A-Za-z0-9_]*, at most 64 bytes)",
			    arg);
		out->request_env = v;
		break;
	case ARG_ENDPOINT:
		if (cerbo_request_parse(v, &req, &err) != 0) {
			(void)snprintf(what, sizeof(what),
			    "endpoint= is not a valid \"METHOD PATH\" (%s; write [endpoint=GET /path] in the service file)",
			    err.message);
			return fail(msg, msglen, what, arg);
		}
		out->endpoint = v;
		break;
	case ARG_FAIL_DELAY:
		/* A bare number is milliseconds, as it always was. */
		if (cerbo__duration_parse(v, CERBO__UNIT_MS, 0,
		        MODULE_FAIL_DELAY_MAX, &delay_ms, &err) != 0) {
			(void)snprintf(what, sizeof(what), "fail_delay= is %s",
			    err.message);
			return fail(msg, msglen, what, arg);
		}
		out->fail_delay_ms = (long)delay_ms;
		break;
	case ARG_AUTHENTICATE_ONLY:
		out->authenticate_only = 1;
		break;
	case ARG_LOG_SUCCESS:
		out->log_success = 1;
		break;
	case ARG_DEBUG:
		out->debug = 1;
		break;
	case ARG_USE_FIRST_PASS:
		out->use_first_pass = 1;
		break;
	case ARG_TRY_FIRST_PASS:
		out->try_first_pass = 1;
		break;
	}
	return 0;
}

int
module_args_parse(struct module_args *out, int argc, const char **argv,
    char *msg, size_t msglen)
{
	unsigned seen = 0;
	int i;

	memset(out, 0, sizeof(*out));
	out->store = NULL;
	out->request_env = MODULE_REQUEST_ENV_DEFAULT;
	out->endpoint = NULL;
	out->fail_delay_ms = -1;
	if (msglen > 0)
		msg[0] = '\0';

	for (i = 0; i < argc; i++) {
		if (argv == NULL || argv[i] == NULL)
			return fail(msg, msglen, "missing argument", NULL);
		if (parse_one(out, &seen, argv[i], msg, msglen) != 0)
			return -1;
	}
	if (out->endpoint != NULL && (seen & (1u << ARG_REQUEST_ENV)))
		return fail(msg, msglen,
		    "endpoint= and request_env= contradict each other (a fixed endpoint replaces the request from the environment)",
		    NULL);
	if (out->endpoint != NULL && out->authenticate_only)
		return fail(msg, msglen,
		    "endpoint= and authenticate_only contradict each other",
		    NULL);
	if (out->use_first_pass && out->try_first_pass)
		return fail(msg, msglen,
		    "use_first_pass and try_first_pass contradict each other",
		    NULL);
	return 0;
}
