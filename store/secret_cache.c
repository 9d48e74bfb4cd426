/*
 * secret_cache.c - the verifier's memory of argon2id successes.
 *
 * Argon2id (imported) secrets: successful checks are remembered for
 * A2_TTL seconds in a small table keyed by a per-process random key over
 * username, hash string and secret, so one integration calling again and
 * again does not pay for argon2id each time.  A wrong secret is never
 * remembered; an entry is wiped when it expires or is replaced.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "internal.h"

#define A2_SLOTS 64
#define A2_TTL 60 /* seconds */
#define A2_TAG 32

struct a2_entry {
	unsigned char tag[A2_TAG];
	time_t expires; /* CLOCK_MONOTONIC seconds; 0: empty */
};

static pthread_mutex_t a2_lock = PTHREAD_MUTEX_INITIALIZER;
static struct a2_entry a2_cache[A2_SLOTS];
static unsigned char a2_key[crypto_generichash_KEYBYTES];
static int a2_key_set;

static time_t
mono_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return ts.tv_sec + 1; /* never 0, which marks an empty entry */
}

static void
a2_tag(const char *username, const char *hash, const char *secret, size_t len,
    unsigned char tag[A2_TAG])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, a2_key, sizeof(a2_key), A2_TAG);
	crypto_generichash_update(&st, (const unsigned char *)username,
	    strlen(username) + 1);
	crypto_generichash_update(&st, (const unsigned char *)hash,
	    strlen(hash) + 1);
	crypto_generichash_update(&st, (const unsigned char *)secret, len);
	crypto_generichash_final(&st, tag, A2_TAG);
	sodium_memzero(&st, sizeof(st));
}

/* 1 when tag was remembered and has not expired.  Lock held. */
static int
a2_lookup(const unsigned char tag[A2_TAG], time_t now)
{
	size_t i;

	for (i = 0; i < A2_SLOTS; i++) {
		if (a2_cache[i].expires == 0)
			continue;
		if (a2_cache[i].expires <= now) {
			sodium_memzero(&a2_cache[i], sizeof(a2_cache[i]));
			continue;
		}
		if (sodium_memcmp(a2_cache[i].tag, tag, A2_TAG) == 0)
			return 1;
	}
	return 0;
}

/* Remember tag, in an empty slot or over the one closest to expiry. */
static void
a2_insert(const unsigned char tag[A2_TAG], time_t now)
{
	struct a2_entry *victim = &a2_cache[0];
	size_t i;

	for (i = 0; i < A2_SLOTS; i++) {
		if (a2_cache[i].expires == 0) {
			victim = &a2_cache[i];
			break;
		}
		if (a2_cache[i].expires < victim->expires)
			victim = &a2_cache[i];
	}
	sodium_memzero(victim, sizeof(*victim));
	memcpy(victim->tag, tag, A2_TAG);
	victim->expires = now + A2_TTL;
}

/* cerbo_secret_check(), with argon2id successes remembered. */
int
cerbo__secret_check_cached(const char *username, const char *hash,
    const char *secret, size_t len)
{
	unsigned char tag[A2_TAG];
	time_t now;
	int rc, hit;

	if (strncmp(hash, "$argon2id$", 10) != 0 || len > CERBO_SECRET_MAX)
		return cerbo_secret_check(hash, secret, len);
	now = mono_now();
	pthread_mutex_lock(&a2_lock);
	if (!a2_key_set) {
		randombytes_buf(a2_key, sizeof(a2_key));
		a2_key_set = 1;
	}
	a2_tag(username, hash, secret, len, tag);
	hit = now != 0 && a2_lookup(tag, now);
	pthread_mutex_unlock(&a2_lock);
	if (hit) {
		rc = 0;
		goto out;
	}
	rc = cerbo_secret_check(hash, secret, len);
	if (rc == 0 && now != 0) {
		pthread_mutex_lock(&a2_lock);
		a2_insert(tag, now);
		pthread_mutex_unlock(&a2_lock);
	}
out:
	sodium_memzero(tag, sizeof(tag));
	return rc;
}

/* 1 when checking secret against hash would run argon2id: the scheme is
 * argon2id and the success cache does not already hold this secret. */
int
cerbo__secret_would_hash(const char *username, const char *hash,
    const char *secret, size_t len)
{
	unsigned char tag[A2_TAG];
	time_t now;
	int hit = 0;

	if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0)
		return 0;
	if (secret == NULL || len > CERBO_SECRET_MAX)
		return 1;
	now = mono_now();
	pthread_mutex_lock(&a2_lock);
	if (a2_key_set) {
		a2_tag(username, hash, secret, len, tag);
		hit = now != 0 && a2_lookup(tag, now);
		sodium_memzero(tag, sizeof(tag));
	}
	pthread_mutex_unlock(&a2_lock);
	return !hit;
}

void
cerbo__secret_cache_clear(void)
{
	pthread_mutex_lock(&a2_lock);
	sodium_memzero(a2_cache, sizeof(a2_cache));
	pthread_mutex_unlock(&a2_lock);
}
