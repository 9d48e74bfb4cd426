/*
 * throttle.c - failures per key, in a bounded table.
 *
 * A key is a client address (authd_addr_throttle_key()), or an address and
 * a username.  Each key gets limit failures per window, counted from its
 * first failure; past that it is blocked until the window ends.  A key is
 * kept as its keyed hash (so a client cannot choose keys that collide, and
 * a key of any length takes one slot).  The table has a fixed number of
 * slots, found by that hash and a short probe;
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
#define ID_BYTES 16

struct entry {
	unsigned char id[ID_BYTES];
	int used;
	time_t start;
	unsigned count;
};

struct authd_throttle {
	pthread_mutex_t lock;
	unsigned char key[crypto_generichash_KEYBYTES];
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

/* The id of key: a keyed hash, its first bytes also the home slot. */
static void
key_id(const struct authd_throttle *t, const char *key,
    unsigned char id[ID_BYTES])
{
	(void)crypto_generichash(id, ID_BYTES, (const unsigned char *)key,
	    strlen(key), t->key, sizeof(t->key));
}

static size_t
home(const struct authd_throttle *t, const unsigned char id[ID_BYTES])
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < sizeof(v); i++)
		v = (v << 8) | id[i];
	return (size_t)(v % t->slots);
}

/* The entry of id, or NULL; lock held. */
static struct entry *
find(struct authd_throttle *t, const unsigned char id[ID_BYTES])
{
	size_t i, s = home(t, id);

	for (i = 0; i < PROBE && i < t->slots; i++) {
		struct entry *e = &t->table[(s + i) % t->slots];

		if (e->used && memcmp(e->id, id, ID_BYTES) == 0)
			return e;
	}
	return NULL;
}

/* A slot for id: empty, expired, or the oldest probed; lock held. */
static struct entry *
take(struct authd_throttle *t, const unsigned char id[ID_BYTES], time_t now)
{
	size_t i, s = home(t, id);
	struct entry *victim = &t->table[s]; /* slots >= 1 */

	for (i = 0; i < PROBE && i < t->slots; i++) {
		struct entry *e = &t->table[(s + i) % t->slots];

		if (!e->used || now - e->start >= t->window) {
			victim = e;
			break;
		}
		if (e->start < victim->start)
			victim = e;
	}
	if (!victim->used)
		t->used++;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->id, id, ID_BYTES);
	victim->used = 1;
	victim->start = now;
	return victim;
}

unsigned
authd_throttle_failures(struct authd_throttle *t, const char *key, time_t now)
{
	unsigned char id[ID_BYTES];
	struct entry *e;
	unsigned n = 0;

	if (t == NULL || key == NULL)
		return 0;
	key_id(t, key, id);
	pthread_mutex_lock(&t->lock);
	e = find(t, id);
	if (e != NULL && now - e->start < t->window)
		n = e->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int
authd_throttle_blocked(struct authd_throttle *t, const char *key, time_t now)
{
	return t != NULL && authd_throttle_failures(t, key, now) >= t->limit;
}

void
authd_throttle_fail(struct authd_throttle *t, const char *key, time_t now)
{
	unsigned char id[ID_BYTES];
	struct entry *e;

	if (t == NULL || key == NULL)
		return;
	key_id(t, key, id);
	pthread_mutex_lock(&t->lock);
	e = find(t, id);
	if (e == NULL)
		e = take(t, id, now);
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
