/*
 * log.c - cleaned log lines to syslog (facility authpriv) or stderr.
 *
 * Every byte a client could have chosen passes through here: control and
 * non-ASCII bytes become '?', so no line can be forged or carry escapes.
 * Callers never pass a secret or a hash, and a username only when the
 * verifier found it syntactically valid.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "authd.h"
#include "cerbo.h"

#define LINE_MAX_BYTES 1024

static int use_stderr;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void
authd_log_open(int to_stderr)
{
	use_stderr = to_stderr;
	if (!use_stderr)
		openlog("cerbo-authd", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

static void
emit(int prio, const char *line)
{
	static const char *const names[] = {"emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug"};

	if (!use_stderr) {
		syslog(prio, "%s", line);
		return;
	}
	pthread_mutex_lock(&out_lock);
	(void)fprintf(stderr, "cerbo-authd: %s: %s\n", names[prio & 7], line);
	(void)fflush(stderr);
	pthread_mutex_unlock(&out_lock);
}

static void
vformat(char *line, size_t len, const char *fmt, va_list ap)
{
	char raw[LINE_MAX_BYTES];

	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	cerbo_log_clean(line, len, raw);
}

void
authd_log(int prio, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(prio, line);
}

/* For a line that could repeat on every request (a store that turned
 * unusable): identical lines at most once per CERBO_LOG_REPEAT_INTERVAL. */
void
authd_log_limited(int prio, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (cerbo_log_repeat_allowed(line, sizeof(line)))
		emit(prio, line);
}

static void
write_line(void *ctx, int prio, const char *line)
{
	(void)ctx;
	emit(prio, line);
}

void
authd_log_check(const struct cerbo_log_args *args)
{
	(void)cerbo_log_verdict(args, write_line, NULL);
}
