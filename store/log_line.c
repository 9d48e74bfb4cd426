/*
 * log_line.c - what a front end's log line may hold, and how often.
 *
 * The library writes no log; the PAM module and cerbo-authd do.  Both take
 * text a client chose (a username, an address, a path) into their lines,
 * and both log a store that turned unusable on every request.  The two
 * rules for that live here: every byte that could forge a line or carry an
 * escape becomes '?', and a line logged as "repeatable" is written at most
 * once per CERBO_LOG_REPEAT_INTERVAL seconds in a process.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cerbo.h"
#include "internal.h"

#define REPEAT_SLOTS 32

void
cerbo_log_clean(char *out, size_t outlen, const char *text)
{
	size_t i;

	if (out == NULL || outlen == 0)
		return;
	if (text == NULL)
		text = "";
	for (i = 0; text[i] != '\0' && i + 1 < outlen; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	out[i] = '\0';
}

/*
 * One table per process: a daemon keeps pam_cerbo.so (and so libcerbo)
 * resident and calls it from many threads, hence the mutex.  Two lines that
 * share a slot take turns; the worst case is that both are written.
 */
static pthread_mutex_t repeat_lock = PTHREAD_MUTEX_INITIALIZER;
static struct repeat_slot {
	uint64_t hash;
	int64_t last;
	unsigned long held_back;
	int used;
} repeat_table[REPEAT_SLOTS];

int
cerbo__log_repeat_allowed_at(const char *line, int64_t now,
    unsigned long *held_back)
{
	uint64_t h;
	struct repeat_slot *s;
	unsigned long dropped = 0;
	int allow = 0;

	if (line == NULL)
		line = "";
	h = cerbo__name_hash(line);
	s = &repeat_table[h % REPEAT_SLOTS];
	/* A limiter that cannot lock lets the line through: losing a line
	 * that says the store is broken is worse than writing it twice. */
	if (pthread_mutex_lock(&repeat_lock) != 0) {
		allow = 1;
		goto out;
	}
	if (!s->used || s->hash != h ||
	    now - s->last >= CERBO_LOG_REPEAT_INTERVAL || now < s->last) {
		if (s->used && s->hash == h)
			dropped = s->held_back;
		s->used = 1;
		s->hash = h;
		s->last = now;
		s->held_back = 0;
		allow = 1;
	} else {
		s->held_back++;
	}
	(void)pthread_mutex_unlock(&repeat_lock);
out:
	if (held_back != NULL)
		*held_back = dropped;
	return allow;
}

/*
 * The limit for lines that share key, on the monotonic clock; when it lets
 * one through after holding some back, " (N WHAT suppressed)" goes at the
 * end of line (size bytes), even if the line must be cut for it.
 */
static int
repeat_allowed(const char *key, char *line, size_t size, const char *what)
{
	struct timespec ts = {0, 0};
	unsigned long held_back;
	char note[96];
	size_t len, room;
	int n;

	if (line == NULL || size == 0)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!cerbo__log_repeat_allowed_at(key, (int64_t)ts.tv_sec, &held_back))
		return 0;
	if (held_back == 0)
		return 1;
	n = snprintf(note, sizeof(note), " (%lu %s suppressed)", held_back,
	    what);
	if (n < 0 || (size_t)n >= size)
		return 1;
	len = strlen(line);
	room = size - 1 - (size_t)n;
	if (len > room)
		len = room;
	memcpy(line + len, note, (size_t)n + 1);
	return 1;
}

int
cerbo_log_repeat_allowed(char *line, size_t size)
{
	if (line == NULL || size == 0)
		return 0;
	return repeat_allowed(line, line, size, "identical messages");
}

int
cerbo__log_repeat_allowed_for(const char *key, char *line, size_t size)
{
	return repeat_allowed(key, line, size, "refusals with this reason");
}
