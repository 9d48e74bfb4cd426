/*
 * throttle.c - failures per client address, in a bounded table.
 *
 * Each address gets limit failures per window, counted from its first
 * failure; past that it is answered 429 without a check until the window
 * ends.  The table has a fixed number of slots, found by a keyed hash
 * (so a client cannot choose addresses that collide) and a short probe;
 * when every slot probed is in use, the one whose window started first is
 * given up.  A flood of addresses therefore costs memory it cannot grow,
 * at worst forgetting some addresses early.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authd.h"

#define PROBE 8
#define ADDR_MAX 46 /* INET6_ADDRSTRLEN */

struct entry {
	char addr[ADDR_MAX];
	time_t start;
	unsigned count;
};

struct authd_throttle {
	pthread_mutex_t lock;
	unsigned char key[crypto_shorthash_KEYBYTES];
	unsigned limit;
	time_t window;
	size_t slots;
	size_t used;
	struct entry *table;
};

struct authd_throttle *
authd_throttle_new(unsigned limit, unsigned window, size_t slots)
{
	struct authd_throttle *t;

	if (limit == 0 || window == 0 || slots == 0)
		return NULL;
	if (sodium_init() < 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->table = calloc(slots, sizeof(*t->table));
	if (t->table == NULL) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	randombytes_buf(t->key, sizeof(t->key));
	t->limit = limit;
	t->window = (time_t)window;
	t->slots = slots;
	return t;
}

void
authd_throttle_free(struct authd_throttle *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->table);
	free(t);
}

static size_t
home(const struct authd_throttle *t, const char *addr)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, (const unsigned char *)addr, strlen(addr), t->key);
	for (i = 0; i < sizeof(v); i++)
		v = (v << 8) | h[i];
	return (size_t)(v % t->slots);
}

/* The entry of addr, or NULL; lock held. */
static struct entry *
find(struct authd_throttle *t, const char *addr)
{
	size_t i, s = home(t, addr);

	for (i = 0; i < PROBE && i < t->slots; i++) {
		struct entry *e = &t->table[(s + i) % t->slots];

		if (e->addr[0] != '\0' && strcmp(e->addr, addr) == 0)
			return e;
	}
	return NULL;
}

/* A slot for addr: empty, expired, or the oldest probed; lock held. */
static struct entry *
take(struct authd_throttle *t, const char *addr, time_t now)
{
	size_t i, s = home(t, addr);
	struct entry *victim = &t->table[s]; /* slots >= 1 */

	for (i = 0; i < PROBE && i < t->slots; i++) {
		struct entry *e = &t->table[(s + i) % t->slots];

		if (e->addr[0] == '\0' || now - e->start >= t->window) {
			victim = e;
			break;
		}
		if (e->start < victim->start)
			victim = e;
	}
	if (victim->addr[0] == '\0')
		t->used++;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->addr, addr, strlen(addr) + 1);
	victim->start = now;
	return victim;
}

int
authd_throttle_blocked(struct authd_throttle *t, const char *addr, time_t now)
{
	struct entry *e;
	int blocked = 0;

	if (t == NULL || addr == NULL || strlen(addr) >= ADDR_MAX)
		return 0;
	pthread_mutex_lock(&t->lock);
	e = find(t, addr);
	if (e != NULL && now - e->start < t->window && e->count >= t->limit)
		blocked = 1;
	pthread_mutex_unlock(&t->lock);
	return blocked;
}

void
authd_throttle_fail(struct authd_throttle *t, const char *addr, time_t now)
{
	struct entry *e;

	if (t == NULL || addr == NULL || strlen(addr) >= ADDR_MAX)
		return;
	pthread_mutex_lock(&t->lock);
	e = find(t, addr);
	if (e == NULL)
		e = take(t, addr, now);
	else if (now - e->start >= t->window) {
		e->start = now;
		e->count = 0;
	}
	if (e->count < t->limit)
		e->count++;
	pthread_mutex_unlock(&t->lock);
}

size_t
authd_throttle_size(struct authd_throttle *t)
{
	size_t n;

	if (t == NULL)
		return 0;
	pthread_mutex_lock(&t->lock);
	n = t->used;
	pthread_mutex_unlock(&t->lock);
	return n;
}
