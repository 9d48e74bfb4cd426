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
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "authd.h"

#define LINE_MAX_BYTES 1024
#define RATE_INTERVAL 10 /* seconds between identical limited lines */
#define RATE_SLOTS 16

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
clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
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
	(void)vsnprintf(line, len, fmt, ap);
	clean(line);
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

/* A store that turned unreadable would otherwise log once per request, and
 * journald drops a service's lines past its burst limit. */
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t hash;
	time_t last;
	unsigned long suppressed;
} rate[RATE_SLOTS];

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
authd_log_limited(int prio, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES], out[LINE_MAX_BYTES + 64];
	struct timespec ts;
	unsigned long dropped = 0;
	uint64_t h;
	size_t slot;
	int allow = 0;
	va_list ap;

	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	h = fnv1a(line);
	slot = (size_t)(h % RATE_SLOTS);
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&rate_lock);
	if (rate[slot].hash != h ||
	    ts.tv_sec - rate[slot].last >= RATE_INTERVAL ||
	    rate[slot].last == 0) {
		if (rate[slot].hash == h)
			dropped = rate[slot].suppressed;
		rate[slot].hash = h;
		rate[slot].last = ts.tv_sec != 0 ? ts.tv_sec : 1;
		rate[slot].suppressed = 0;
		allow = 1;
	} else {
		rate[slot].suppressed++;
	}
	pthread_mutex_unlock(&rate_lock);
	if (!allow)
		return;
	if (dropped > 0) {
		(void)snprintf(out, sizeof(out),
		    "%s (%lu identical messages suppressed)", line, dropped);
		emit(prio, out);
	} else {
		emit(prio, line);
	}
}
