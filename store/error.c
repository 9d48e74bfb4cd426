/*
 * error.c - filling struct cerbo_error, and turning it into text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* fmt is a printf format handed on with its va_list: the attribute says
 * so, which clang's -Wformat-nonliteral needs; the callers' own format
 * attributes (internal.h) check each format against its arguments. */
static void fill(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column, const char *fmt,
    va_list ap) __attribute__((format(printf, 6, 0)));

static void
fill(struct cerbo_error *err, enum cerbo_status status, const char *file,
    unsigned long line, unsigned long column, const char *fmt, va_list ap)
{
	int n;

	cerbo__error_relocate(err, status, file, line, column);
	n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	if (n < 0)
		err->message[0] = '\0';
}

int
cerbo__error_usable(const struct cerbo_error *err)
{
	return cerbo__abi_check(err, CERBO__ERROR_V1) == 0;
}

void
cerbo__error_clear(struct cerbo_error *err)
{
	if (!cerbo__error_usable(err))
		return;
	err->status = CERBO_OK;
	err->line = 0;
	err->column = 0;
	err->file[0] = '\0';
	err->message[0] = '\0';
}

int
cerbo__fail(struct cerbo_error *err, enum cerbo_status status, const char *fmt,
    ...)
{
	va_list ap;

	if (!cerbo__error_usable(err))
		return -1;
	va_start(ap, fmt);
	fill(err, status, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int
cerbo__fail_at(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column, const char *fmt,
    ...)
{
	va_list ap;

	if (!cerbo__error_usable(err))
		return -1;
	va_start(ap, fmt);
	fill(err, status, file, line, column, fmt, ap);
	va_end(ap);
	return -1;
}

int
cerbo__vfail_at(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column, const char *fmt,
    va_list ap)
{
	if (!cerbo__error_usable(err))
		return -1;
	fill(err, status, file, line, column, fmt, ap);
	return -1;
}

void
cerbo__error_prefix(struct cerbo_error *err, const char *fmt, ...)
{
	char prefix[256];
	char message[sizeof(err->message)];
	va_list ap;
	int n;

	if (!cerbo__error_usable(err))
		return;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	memcpy(message, err->message, sizeof(message));
	message[sizeof(message) - 1] = '\0';
	n = snprintf(err->message, sizeof(err->message), "%s%s", prefix,
	    message);
	if (n < 0)
		err->message[0] = '\0';
}

int
cerbo__error_relocate(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column)
{
	int n;

	if (!cerbo__error_usable(err))
		return -1;
	err->status = status;
	err->line = line;
	err->column = column;
	err->file[0] = '\0';
	if (file != NULL) {
		n = snprintf(err->file, sizeof(err->file), "%s", file);
		if (n < 0)
			err->file[0] = '\0';
	}
	return -1;
}

const char *
cerbo_error_format(const struct cerbo_error *err, char *buf, size_t len)
{
	int n;

	if (buf == NULL || len == 0)
		return "";
	if (err == NULL) {
		buf[0] = '\0';
		return buf;
	}
	if (!cerbo__error_usable(err)) {
		/* Nothing was written to it: say why, loudly. */
		n = snprintf(buf, len, "%s",
		    "error not reported: struct cerbo_error declared without CERBO_ERROR_INIT");
		if (n < 0)
			buf[0] = '\0';
		return buf;
	}
	if (err->file[0] != '\0' && err->line > 0 && err->column > 0)
		n = snprintf(buf, len, "%s:%lu:%lu: %s", err->file, err->line,
		    err->column, err->message);
	else if (err->file[0] != '\0' && err->line > 0)
		n = snprintf(buf, len, "%s:%lu: %s", err->file, err->line,
		    err->message);
	else if (err->file[0] != '\0')
		n = snprintf(buf, len, "%s: %s", err->file, err->message);
	else
		n = snprintf(buf, len, "%s", err->message);
	if (n < 0)
		buf[0] = '\0';
	return buf;
}

const char *
cerbo_status_name(enum cerbo_status status)
{
	switch (status) {
	case CERBO_OK:
		return "ok";
	case CERBO_E_INVALID:
		return "invalid";
	case CERBO_E_NOTFOUND:
		return "not found";
	case CERBO_E_EXISTS:
		return "exists";
	case CERBO_E_INUSE:
		return "in use";
	case CERBO_E_LOCK:
		return "lock";
	case CERBO_E_STORE:
		return "store";
	case CERBO_E_TOO_NEW:
		return "too new";
	case CERBO_E_UNSAFE:
		return "unsafe";
	case CERBO_E_CONFLICT:
		return "conflict";
	case CERBO_E_IO:
		return "io";
	case CERBO_E_NOMEM:
		return "no memory";
	case CERBO_E_STATE:
		return "state";
	}
	return "unknown";
}
