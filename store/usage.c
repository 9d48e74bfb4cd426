/*
 * usage.c - when each key was last used on this host: the usage file
 * (cerbo-store(5)), written by the verifier and read by the tools.
 *
 * The file is a header and a table of 16-byte slots, one per key ever
 * used (a tag, then the minute of the last use), addressed by open
 * addressing on the tag: a keyed BLAKE2b of the username and the key's
 * hash string under a random key kept in the header.  A key's slot never
 * moves, so recording a use is one aligned 8-byte pwrite of the minute:
 * processes of different users writing at once never undo each other's
 * slots, and the file's size follows the number of users, never the
 * traffic.  The tools give every key of the store its slot ahead of time
 * (cerbo_usage_prepare); a key they never saw takes one at its first use,
 * the one read-then-write, under a lock on the file that is tried for a
 * bounded while and never waited on.
 *
 * The record is never part of a decision: every failure here is told in
 * the verdict's notice now and then (CERBO__USAGE_NOTICE_INTERVAL) and
 * nothing more.  No secret is written: the tag cannot be turned back into
 * the hash string, which holds a random salt.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bytes.h"
#include "internal.h"

#define MAGIC "CERBOUS1"
#define USAGE_VERSION 1
#define HDR_SIZE 64
#define HDR_MAGIC 0
#define HDR_VERSION 8
#define HDR_HDR_SIZE 12
#define HDR_NHOME 16
#define HDR_KEY 24
#define HDR_KEY_LEN 16
#define HDR_CLAIM 56 /* the byte locked while a slot is taken */
#define SLOT_SIZE 16
#define PROBE 32 /* slots past its home where a key may sit */
#define NHOME_MIN 64
#define NHOME_MAX (UINT64_C(1) << 22)
#define CLAIM_TRIES 200

/* The per-process memory of keys written this minute: one 64-bit word a
 * key (high bits of the key's process tag, low bits the minute), so a
 * word is read and written whole, without a lock. */
#define DONE_SLOTS 1024
#define DONE_MINUTE_BITS 24
#define DONE_MINUTE_MASK ((UINT64_C(1) << DONE_MINUTE_BITS) - 1)
#define DONE_HASH_TAIL 24 /* bytes of the hash string's end in the tag */

struct cerbo_usage {
	unsigned char *buf; /* the whole file */
	size_t len;
	uint64_t nhome;
	unsigned char key[HDR_KEY_LEN];
};

/* The file this process writes, and what it has learned of it (usage_lock
 * held). */
struct writer {
	char path[CERBO__USAGE_PATH_MAX + 1];
	int fd;
	dev_t dev;
	ino_t ino;
	uint64_t nhome;
	unsigned char key[HDR_KEY_LEN];
	int64_t noticed; /* when the last notice was given */
};

static pthread_mutex_t usage_lock = PTHREAD_MUTEX_INITIALIZER;
static struct writer w = {.fd = -1};
static uint64_t done[DONE_SLOTS];
static uint64_t done_seed;
static pthread_once_t done_once = PTHREAD_ONCE_INIT;

/* ---- the layout ------------------------------------------------------ */

static uint64_t
file_size(uint64_t nhome)
{
	return HDR_SIZE + (nhome + PROBE) * SLOT_SIZE;
}

/* The slot tag of a key: never 0, which marks an empty slot. */
static uint64_t
key_tag(const unsigned char key[HDR_KEY_LEN], const char *username,
    const char *hash)
{
	crypto_generichash_state st;
	unsigned char h[8];
	uint64_t tag;

	(void)crypto_generichash_init(&st, key, HDR_KEY_LEN, sizeof(h));
	(void)crypto_generichash_update(&st, (const unsigned char *)username,
	    strlen(username) + 1);
	(void)crypto_generichash_update(&st, (const unsigned char *)hash,
	    strlen(hash));
	(void)crypto_generichash_final(&st, h, sizeof(h));
	tag = get64(h);
	return tag != 0 ? tag : 1;
}

/* nhome from a header, or 0 when the header is not one of ours or does
 * not fit a file of size bytes. */
static uint64_t
header_nhome(const unsigned char *hdr, uint64_t size)
{
	uint64_t nhome;

	if (memcmp(hdr + HDR_MAGIC, MAGIC, 8) != 0 ||
	    get32(hdr + HDR_VERSION) != USAGE_VERSION ||
	    get32(hdr + HDR_HDR_SIZE) != HDR_SIZE)
		return 0;
	nhome = get64(hdr + HDR_NHOME);
	if (nhome < NHOME_MIN || nhome > NHOME_MAX ||
	    (nhome & (nhome - 1)) != 0 || file_size(nhome) != size)
		return 0;
	return nhome;
}

/* ---- recording (the verifier) ------------------------------------------ */

static void
done_key_init(void)
{
	randombytes_buf(&done_seed, sizeof(done_seed));
}

/* Mix n bytes of s into h, eight at a time. */
static uint64_t
mix(uint64_t h, const char *s, size_t n)
{
	uint64_t word;

	while (n > 0) {
		word = 0;
		memcpy(&word, s, n < 8 ? n : 8);
		h = (h ^ word) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 32;
		s += n < 8 ? n : 8;
		n -= n < 8 ? n : 8;
	}
	return h;
}

/*
 * A tag for the memory of this process: path, username and the end of
 * the hash string (its digest, random, tells one key from another).  It
 * is on every call's path, so it is a cheap multiplicative mix from a
 * random seed, not a cryptographic hash: a collision can only make this process
 * skip one write of a minute, and the inputs are the store's, not a client's.
 */
static uint64_t
done_tag(const char *path, const char *username, const char *hash)
{
	size_t n = strlen(hash);
	uint64_t h = done_seed;

	h = mix(h, path, strlen(path) + 1);
	h = mix(h, username, strlen(username) + 1);
	h = mix(h, n > DONE_HASH_TAIL ? hash + n - DONE_HASH_TAIL : hash,
	    n > DONE_HASH_TAIL ? DONE_HASH_TAIL : n);
	return h ^ (h >> 29);
}

static void
writer_close(void)
{
	if (w.fd >= 0)
		close(w.fd);
	w.fd = -1;
	w.nhome = 0;
}

/*
 * Make w the file at path, as it is now: reopened when it was replaced
 * (the tools rebuild it by rename).  One stat a write, and writes are
 * once a key a minute.  Returns 0, or -1 with why (whylen bytes) set.
 */
static int
writer_open(const char *path, char *why, size_t whylen)
{
	unsigned char hdr[HDR_SIZE];
	struct stat st;
	uint64_t nhome;
	int fd;

	if (strcmp(w.path, path) != 0) {
		writer_close();
		(void)snprintf(w.path, sizeof(w.path), "%s", path);
	}
	if (w.fd >= 0 && stat(path, &st) == 0 && st.st_dev == w.dev &&
	    st.st_ino == w.ino)
		return 0;
	writer_close();
	fd =
	    open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		(void)snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)snprintf(why, whylen, "not a regular file");
		goto bad;
	}
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    (nhome = header_nhome(hdr, (uint64_t)st.st_size)) == 0) {
		(void)snprintf(why, whylen,
		    "not a usage file, or damaged (cerbo-apiuser usage-file rebuilds it)");
		goto bad;
	}
	w.fd = fd;
	w.dev = st.st_dev;
	w.ino = st.st_ino;
	w.nhome = nhome;
	memcpy(w.key, hdr + HDR_KEY, HDR_KEY_LEN);
	return 0;
bad:
	close(fd);
	return -1;
}

/*
 * Hold the claim lock, trying a while without ever blocking on it: 0 or
 * -1.  Only the first use of a key takes it, so a lock held by someone
 * else costs that one use CLAIM_TRIES short waits (some 10 ms) at most.
 */
static int
claim_lock(int fd, short type)
{
	const struct timespec pause = {0, 100000}; /* 0.1 ms */
	struct flock fl;
	int i;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = HDR_CLAIM;
	fl.l_len = 1;
	for (i = 0; i < CLAIM_TRIES; i++) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return -1;
		if (i < CLAIM_TRIES / 2)
			(void)sched_yield();
		else
			(void)nanosleep(&pause, NULL);
	}
	return -1;
}

/*
 * The slot of tag in the window read into win: its index, or -1 with
 * *empty the first empty one (or -1).
 */
static int
window_find(const unsigned char *win, uint64_t tag, int *empty)
{
	uint64_t t;
	int i;

	*empty = -1;
	for (i = 0; i < PROBE; i++) {
		t = get64(win + (size_t)i * SLOT_SIZE);
		if (t == tag)
			return i;
		if (t == 0 && *empty < 0)
			*empty = i;
	}
	return -1;
}

/* Write minute into tag's slot of the open file, taking one if need be. */
static int
writer_put(uint64_t tag, int64_t minute, char *why, size_t whylen)
{
	unsigned char win[PROBE * SLOT_SIZE], rec[SLOT_SIZE];
	off_t off = HDR_SIZE + (off_t)((tag & (w.nhome - 1)) * SLOT_SIZE);
	int i, empty, rc = -1;

	put64(rec, tag);
	put64(rec + 8, (uint64_t)minute);
	if (pread(w.fd, win, sizeof(win), off) != (ssize_t)sizeof(win))
		goto short_file;
	i = window_find(win, tag, &empty);
	if (i >= 0) {
		if (pwrite(w.fd, rec + 8, 8, off + i * SLOT_SIZE + 8) != 8)
			goto write_error;
		return 0;
	}
	if (empty < 0)
		goto full;
	if (claim_lock(w.fd, F_WRLCK) != 0) {
		(void)snprintf(why, whylen,
		    "its lock stayed busy, one use not recorded");
		return -1;
	}
	/* Under the lock: another process may have taken a slot since. */
	if (pread(w.fd, win, sizeof(win), off) != (ssize_t)sizeof(win))
		goto short_file_locked;
	i = window_find(win, tag, &empty);
	if (i < 0 && empty < 0)
		goto full_locked;
	if (i >= 0 ? pwrite(w.fd, rec + 8, 8, off + i * SLOT_SIZE + 8) != 8
	           : pwrite(w.fd, rec, sizeof(rec), off + empty * SLOT_SIZE) !=
	            (ssize_t)sizeof(rec))
		goto write_error_locked;
	rc = 0;
	goto unlock;
short_file_locked:
	(void)claim_lock(w.fd, F_UNLCK);
short_file:
	(void)snprintf(why, whylen,
	    "truncated (cerbo-apiuser usage-file rebuilds it)");
	return -1;
full_locked:
	(void)claim_lock(w.fd, F_UNLCK);
full:
	(void)snprintf(why, whylen,
	    "full near this key (cerbo-apiuser usage-file rebuilds it)");
	return -1;
write_error_locked:
	(void)claim_lock(w.fd, F_UNLCK);
write_error:
	(void)snprintf(why, whylen, "cannot write: %s",
	    errno != 0 ? strerror(errno) : "short write");
	return -1;
unlock:
	(void)claim_lock(w.fd, F_UNLCK);
	return rc;
}

/* Append "; usage file PATH: why" to notice, at most once an interval. */
static void
tell(const char *path, const char *why, int64_t now, char *notice,
    size_t noticelen)
{
	size_t len;

	if (w.noticed != 0 && now - w.noticed < CERBO__USAGE_NOTICE_INTERVAL &&
	    now >= w.noticed)
		return;
	w.noticed = now;
	len = strlen(notice);
	if (len + 1 >= noticelen)
		return;
	(void)snprintf(notice + len, noticelen - len,
	    "%susage file %s: %s (no answer is changed)", len > 0 ? "; " : "",
	    path, why);
}

void
cerbo__usage_record(const char *path, const char *username, const char *hash,
    int64_t now, char *notice, size_t noticelen)
{
	char why[160];
	int64_t minute;
	uint64_t ptag, want, *slot;
	int r;

	if (path == NULL || username == NULL || hash == NULL || now <= 0)
		return;
	minute = now / 60;
	(void)pthread_once(&done_once, done_key_init);
	ptag = done_tag(path, username, hash);
	want =
	    (ptag & ~DONE_MINUTE_MASK) | ((uint64_t)minute & DONE_MINUTE_MASK);
	slot = &done[ptag % DONE_SLOTS];
	if (__atomic_load_n(slot, __ATOMIC_RELAXED) == want)
		return; /* written this minute */

	why[0] = '\0';
	pthread_mutex_lock(&usage_lock);
	r = writer_open(path, why, sizeof(why));
	if (r == 0)
		r = writer_put(key_tag(w.key, username, hash), minute, why,
		    sizeof(why));
	if (r < 0)
		tell(path, why, now, notice, noticelen);
	pthread_mutex_unlock(&usage_lock);
	/* Tried, well or not: once a minute is enough. */
	__atomic_store_n(slot, want, __ATOMIC_RELAXED);
}

void
cerbo__usage_forget(void)
{
	pthread_mutex_lock(&usage_lock);
	writer_close();
	memset(&w, 0, sizeof(w));
	w.fd = -1;
	memset(done, 0, sizeof(done));
	pthread_mutex_unlock(&usage_lock);
}

/* ---- reading (the tools) ----------------------------------------------- */

/* Check the bytes read into u (u->buf, u->len) as a usage file. */
static int
usage_take(struct cerbo_usage *u, const char *name, struct cerbo_error *err)
{
	u->nhome = u->len >= HDR_SIZE ? header_nhome(u->buf, u->len) : 0;
	if (u->nhome == 0)
		return cerbo__fail_at(err, CERBO_E_STORE, name, 0, 0,
		    "not a usage file, or damaged");
	memcpy(u->key, u->buf + HDR_KEY, HDR_KEY_LEN);
	return 0;
}

int
cerbo__usage_parse(const void *buf, size_t len, struct cerbo_usage **out,
    struct cerbo_error *err)
{
	struct cerbo_usage *u;

	*out = NULL;
	if (len > file_size(NHOME_MAX))
		return cerbo__fail(err, CERBO_E_STORE, "not a usage file");
	u = calloc(1, sizeof(*u));
	if (u != NULL)
		u->buf = malloc(len > 0 ? len : 1);
	if (u == NULL || u->buf == NULL) {
		cerbo_usage_free(u);
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	}
	if (len > 0)
		memcpy(u->buf, buf, len);
	u->len = len;
	if (usage_take(u, "usage file", err) != 0) {
		cerbo_usage_free(u);
		return -1;
	}
	*out = u;
	return 0;
}

int
cerbo_usage_load(const char *path, struct cerbo_usage **out,
    struct cerbo_error *err)
{
	struct cerbo_usage *u = NULL;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = -1, rc = -1;

	if (out == NULL || path == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "invalid arguments");
	*out = NULL;
	if (cerbo__sodium_init() != 0)
		return cerbo__fail(err, CERBO_E_IO,
		    "libsodium cannot be initialised");
	fd = open(path,
	    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return cerbo__fail_at(err,
		    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO, path, 0, 0,
		    "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < HDR_SIZE ||
	    (uint64_t)st.st_size > file_size(NHOME_MAX)) {
		cerbo__fail_at(err, CERBO_E_STORE, path, 0, 0,
		    "not a usage file (a regular file of the right size)");
		goto out;
	}
	u = calloc(1, sizeof(*u));
	if (u != NULL)
		u->buf = malloc((size_t)st.st_size);
	if (u == NULL || u->buf == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	u->len = (size_t)st.st_size;
	while (got < u->len) {
		n = pread(fd, u->buf + got, u->len - got, (off_t)got);
		if (n <= 0) {
			cerbo__fail_at(err, CERBO_E_IO, path, 0, 0,
			    "cannot read: %s",
			    n < 0 ? strerror(errno) : "it became shorter");
			goto out;
		}
		got += (size_t)n;
	}
	if (usage_take(u, path, err) != 0)
		goto out;
	*out = u;
	u = NULL;
	rc = 0;
out:
	cerbo_usage_free(u);
	close(fd);
	return rc;
}

void
cerbo_usage_free(struct cerbo_usage *usage)
{
	if (usage == NULL)
		return;
	free(usage->buf);
	free(usage);
}

/* The minute stored for tag, or 0. */
static uint64_t
usage_minute(const struct cerbo_usage *u, uint64_t tag)
{
	const unsigned char *win =
	    u->buf + HDR_SIZE + (tag & (u->nhome - 1)) * SLOT_SIZE;
	int i, empty;

	i = window_find(win, tag, &empty);
	return i >= 0 ? get64(win + (size_t)i * SLOT_SIZE + 8) : 0;
}

static const char *
key_hash(const struct cerbo_user *user, enum cerbo_key_used key)
{
	switch (key) {
	case CERBO_KEY_CURRENT:
		return cerbo_user_get(user, CERBO_USER_SECRET);
	case CERBO_KEY_OLD:
		return cerbo_user_get(user, CERBO_USER_OLD_SECRET);
	case CERBO_KEY_NONE:
		break;
	}
	return NULL;
}

int64_t
cerbo_usage_last_used(const struct cerbo_usage *usage,
    const struct cerbo_user *user, enum cerbo_key_used key)
{
	const char *hash;
	uint64_t minute;

	if (usage == NULL || user == NULL)
		return 0;
	hash = key_hash(user, key);
	if (hash == NULL || hash[0] == '\0')
		return 0;
	minute = usage_minute(usage,
	    key_tag(usage->key, cerbo_user_name(user), hash));
	/* Garbage beyond year 9999 reads as never. */
	if (minute > (uint64_t)253402300799 / 60)
		return 0;
	return (int64_t)minute * 60;
}

/* ---- making the file (the tools) --------------------------------------- */

/* Slots taken in u. */
static uint64_t
usage_taken(const struct cerbo_usage *u)
{
	uint64_t i, n = 0;

	for (i = 0; i < u->nhome + PROBE; i++)
		if (get64(u->buf + HDR_SIZE + i * SLOT_SIZE) != 0)
			n++;
	return n;
}

/* Put tag's minute into the table t (nhome home slots) being built. */
static void
table_put(unsigned char *t, uint64_t nhome, uint64_t tag, uint64_t minute)
{
	unsigned char *win = t + HDR_SIZE + (tag & (nhome - 1)) * SLOT_SIZE;
	int i, empty;

	i = window_find(win, tag, &empty);
	if (i < 0)
		i = empty;
	if (i < 0)
		return; /* no room: this key reads as never used */
	put64(win + (size_t)i * SLOT_SIZE, tag);
	put64(win + (size_t)i * SLOT_SIZE + 8, minute);
}

/* Whether u has a slot for tag. */
static int
usage_has(const struct cerbo_usage *u, uint64_t tag)
{
	int empty;

	return window_find(u->buf + HDR_SIZE +
	               (tag & (u->nhome - 1)) * SLOT_SIZE,
	           tag, &empty) >= 0;
}

/* Whether key k of user has a slot in u, or needs none (no such key). */
static int
key_slotted(const struct cerbo_usage *u, const struct cerbo_user *user,
    enum cerbo_key_used k)
{
	const char *hash = key_hash(user, k);

	if (hash == NULL || hash[0] == '\0')
		return 1;
	return usage_has(u, key_tag(u->key, cerbo_user_name(user), hash));
}

/* Take a slot for tag in the open file fd (claim lock held), unless the
 * window has one for it already or no room: 0, or -1 on an I/O error. */
static int
claim_one(int fd, uint64_t nhome, uint64_t tag)
{
	unsigned char win[PROBE * SLOT_SIZE], rec[SLOT_SIZE];
	off_t off = HDR_SIZE + (off_t)((tag & (nhome - 1)) * SLOT_SIZE);
	int i, empty;

	if (pread(fd, win, sizeof(win), off) != (ssize_t)sizeof(win))
		return -1;
	i = window_find(win, tag, &empty);
	if (i >= 0 || empty < 0)
		return 0;
	put64(rec, tag);
	put64(rec + 8, 0); /* never used, yet */
	return pwrite(fd, rec, sizeof(rec), off + empty * SLOT_SIZE) ==
	        (ssize_t)sizeof(rec)
	    ? 0
	    : -1;
}

/*
 * Take a slot, its minute 0 (never used), in the file at path (read as
 * u) for every key of store it has none for: a verifier's first use of a
 * key the tools made is then one pwrite without the lock.  In place,
 * under the claim lock; nothing when the file was replaced since it was
 * read (the next change takes them).
 */
static int
claim_keys(const char *path, const struct cerbo_usage *u,
    const struct cerbo_store *store, struct cerbo_error *err)
{
	unsigned char hdr[HDR_SIZE];
	size_t i, n = cerbo_store_user_count(store);
	const struct cerbo_user *user;
	int k, fd = -1, need = 0, rc = -1;

	for (i = 0; i < n && !need; i++)
		for (k = CERBO_KEY_CURRENT; k <= CERBO_KEY_OLD; k++)
			if (!key_slotted(u, cerbo_store_user_at(store, i),
			        (enum cerbo_key_used)k))
				need = 1;
	if (!need)
		return 0;
	fd =
	    open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return cerbo__fail_at(err, CERBO_E_IO, path, 0, 0,
		    "cannot open: %s", strerror(errno));
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr, u->buf, sizeof(hdr)) != 0) {
		rc = 0;
		goto out;
	}
	if (claim_lock(fd, F_WRLCK) != 0) {
		cerbo__fail_at(err, CERBO_E_LOCK, path, 0, 0,
		    "its lock stayed busy");
		goto out;
	}
	for (i = 0; i < n; i++) {
		user = cerbo_store_user_at(store, i);
		for (k = CERBO_KEY_CURRENT; k <= CERBO_KEY_OLD; k++) {
			if (key_slotted(u, user, (enum cerbo_key_used)k))
				continue;
			if (claim_one(fd, u->nhome,
			        key_tag(u->key, cerbo_user_name(user),
			            key_hash(user, (enum cerbo_key_used)k))) !=
			    0) {
				cerbo__fail_at(err, CERBO_E_IO, path, 0, 0,
				    "cannot write: %s", strerror(errno));
				goto unlock;
			}
		}
	}
	rc = 0;
unlock:
	(void)claim_lock(fd, F_UNLCK);
out:
	close(fd);
	return rc;
}

/* Write the new file beside path and rename it over path. */
static int
replace_file(const char *path, const unsigned char *buf, size_t len,
    struct cerbo_error *err)
{
	char tmp[CERBO__USAGE_PATH_MAX + 32];
	size_t done_len = 0;
	ssize_t n;
	int fd, rc = -1;

	(void)snprintf(tmp, sizeof(tmp), "%s.new-%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0664);
	if (fd < 0)
		return cerbo__fail_at(err, CERBO_E_IO, tmp, 0, 0,
		    "cannot create: %s", strerror(errno));
	/* 0664 whatever the umask: the verifying processes write it. */
	if (fchmod(fd, 0664) != 0)
		goto io;
	while (done_len < len) {
		n = write(fd, buf + done_len, len - done_len);
		if (n <= 0)
			goto io;
		done_len += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto io;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto io;
	return 0;
io:
	cerbo__fail_at(err, CERBO_E_IO, tmp, 0, 0, "cannot write: %s",
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return rc;
}

int
cerbo_usage_prepare(const struct cerbo_store *store, int *rebuilt,
    struct cerbo_error *err)
{
	const char *path = cerbo_store_usage_file(store);
	struct cerbo_usage *old = NULL;
	struct cerbo_error lerr = CERBO_ERROR_INIT;
	unsigned char *buf = NULL, key[HDR_KEY_LEN];
	const char *hash;
	size_t i, n = cerbo_store_user_count(store), len;
	uint64_t nhome = NHOME_MIN, minute;
	int rc = -1, k;

	if (rebuilt != NULL)
		*rebuilt = 0;
	if (path == NULL)
		return 0;
	if (cerbo__sodium_init() != 0)
		return cerbo__fail(err, CERBO_E_IO,
		    "libsodium cannot be initialised");
	/* Two keys a user at most, at most half the home slots taken. */
	while (nhome < 4 * (uint64_t)n && nhome < NHOME_MAX)
		nhome <<= 1;
	if (nhome < 4 * (uint64_t)n)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "too many users for a usage file");
	if (cerbo_usage_load(path, &old, &lerr) != 0)
		old = NULL;
	if (old != NULL) {
		if (old->nhome >= nhome && usage_taken(old) <= old->nhome / 2) {
			rc = claim_keys(path, old, store, err);
			goto out;
		}
	} else if (lerr.status != CERBO_E_NOTFOUND &&
	    lerr.status != CERBO_E_STORE) {
		/* Unreadable: rebuilding would lose its figures. */
		if (err != NULL)
			*err = lerr;
		goto out;
	}
	len = (size_t)file_size(nhome);
	buf = calloc(1, len);
	if (buf == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(buf + HDR_MAGIC, MAGIC, 8);
	buf[HDR_VERSION] = USAGE_VERSION;
	buf[HDR_HDR_SIZE] = HDR_SIZE;
	put64(buf + HDR_NHOME, nhome);
	randombytes_buf(key, sizeof(key));
	memcpy(buf + HDR_KEY, key, sizeof(key));
	/* Every key of the store gets its slot now (minute 0: never used),
	 * so the verifiers take none. */
	for (i = 0; i < n; i++) {
		const struct cerbo_user *u = cerbo_store_user_at(store, i);

		for (k = CERBO_KEY_CURRENT; k <= CERBO_KEY_OLD; k++) {
			hash = key_hash(u, (enum cerbo_key_used)k);
			if (hash == NULL || hash[0] == '\0')
				continue;
			minute = (uint64_t)cerbo_usage_last_used(old, u,
			             (enum cerbo_key_used)k) /
			    60;
			table_put(buf, nhome,
			    key_tag(key, cerbo_user_name(u), hash), minute);
		}
	}
	if (replace_file(path, buf, len, err) != 0)
		goto out;
	if (rebuilt != NULL)
		*rebuilt = 1;
	rc = 0;
out:
	free(buf);
	cerbo_usage_free(old);
	return rc;
}
