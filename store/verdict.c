/*
 * verdict.c - the verdict of a check: the names of its codes, the HTTP
 * status each one means, and how its reason is written (strings joined
 * without a printf on the path every request takes).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * The strings of ap, up to a NULL, one after the other into out (outlen
 * bytes, truncated to fit): the reasons and notices are built this way,
 * without a printf on the path every request takes.
 */
static void
vjoin(char *out, size_t outlen, va_list ap)
{
	size_t len = 0, n;
	const char *part;

	if (outlen == 0)
		return;
	while ((part = va_arg(ap, const char *)) != NULL) {
		n = strlen(part);
		if (n > outlen - 1 - len)
			n = outlen - 1 - len;
		memcpy(out + len, part, n);
		len += n;
	}
	out[len] = '\0';
}

void
cerbo__join(char *out, size_t outlen, ...)
{
	va_list ap;

	va_start(ap, outlen);
	vjoin(out, outlen, ap);
	va_end(ap);
}

const char *
cerbo_verdict_name(enum cerbo_verdict_code code)
{
	switch (code) {
	case CERBO_ALLOW:
		return "allow";
	case CERBO_DENY_CREDENTIALS:
		return "deny_credentials";
	case CERBO_DENY_DISABLED:
		return "deny_disabled";
	case CERBO_DENY_EXPIRED:
		return "deny_expired";
	case CERBO_DENY_ADDRESS:
		return "deny_address";
	case CERBO_DENY_FORBIDDEN:
		return "deny_forbidden";
	case CERBO_DENY_REQUEST:
		return "deny_request";
	case CERBO_STORE_ERROR:
		return "store_error";
	case CERBO_VERDICT__COUNT:
		break;
	}
	return "unknown";
}

const char *
cerbo_key_used_name(enum cerbo_key_used key)
{
	switch (key) {
	case CERBO_KEY_CURRENT:
		return "current";
	case CERBO_KEY_OLD:
		return "old";
	case CERBO_KEY_NONE:
		break;
	}
	return NULL;
}

int
cerbo_verdict_http_status(enum cerbo_verdict_code code)
{
	switch (code) {
	case CERBO_ALLOW:
		return 200;
	case CERBO_DENY_CREDENTIALS:
	case CERBO_DENY_DISABLED:
	case CERBO_DENY_EXPIRED:
	case CERBO_DENY_ADDRESS:
		return 401;
	case CERBO_DENY_FORBIDDEN:
	case CERBO_DENY_REQUEST:
		return 403;
	case CERBO_STORE_ERROR:
		return 500;
	case CERBO_VERDICT__COUNT:
		break;
	}
	return 500; /* an unknown code never lets a request through */
}

void
cerbo__verdict_set(struct cerbo_verdict *v, enum cerbo_verdict_code code,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	v->code = code;
	va_start(ap, fmt);
	n = vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	if (n < 0)
		v->reason[0] = '\0';
}

/* The reason as the strings given, up to a NULL, one after the other. */
void
cerbo__verdict_reason(struct cerbo_verdict *v, enum cerbo_verdict_code code,
    ...)
{
	va_list ap;

	v->code = code;
	va_start(ap, code);
	vjoin(v->reason, sizeof(v->reason), ap);
	va_end(ap);
}
