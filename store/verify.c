/*
 * verify.c - the verifier: may this username, with this secret, make this
 * request?  The one answer shared by the PAM module and the tools.
 *
 * Stores are cached per path in the process.  Every call makes one stat()
 * of the path (following symlinks: Kubernetes swaps them), re-applies the
 * trust rule for the file to that stat, and compares the file's full
 * identity (device, inode, size, mtime and ctime in ns) with the cached
 * one; on any change the store is read again (folders re-checked) and a
 * store that became missing, unsafe or invalid answers CERBO_STORE_ERROR:
 * the old copy is never served.  A parsed store is shared by reference
 * count, so a call keeps the copy it started with even if another thread
 * replaces it, and the cache lock is not held while a secret is checked
 * (argon2id takes tens of milliseconds).  The cache holds CACHE_SLOTS
 * paths, least recently used out first.
 *
 * When the compiled index beside the store ("<store>.idx", index.c)
 * matches the YAML, a (re)load opens it instead of parsing the YAML, and
 * each call looks its user up in it (in memory when the index is small,
 * else with pread): a fresh process answers without parsing a large store. Each
 * call also fstats the open index and applies the trust rule and the identity
 * check to it as to the YAML: an index made writable by a group, or rewritten
 * in place, makes the store load again (and the index is passed over, or opened
 * anew if it still matches).  An index file this process believed is never
 * believed again once its content changed in place (same inode, another size
 * or mtime): the tools only replace it by rename.  A missing, stale, unsafe or
 * damaged index is passed over and the YAML parsed, so the index never changes
 * an answer.
 *
 * The cache remembers, per path, the generation of the store it last
 * loaded (also across a failed reload).  A store that comes back with a
 * lower generation (a backup restored over it, which may revive revoked
 * keys) gets verdict->notice on the call that loads it, once per change
 * and process; so does an index that is there but passed over (stale,
 * damaged, unsafe), since every reload then parses the YAML.
 *
 * Argon2id (imported) secrets: successes are remembered for a short
 * while (secret_cache.c), so one integration calling again and again
 * does not pay for argon2id each time.
 *
 * When the store names a usage file, a call whose key was right records
 * the use there (usage.c): every front end records without code of its
 * own, and a failed record only adds to verdict->notice.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

#define CACHE_SLOTS 8

/*
 * One usable state of a store: either its compiled index (when the index
 * beside the YAML matches it), looked up per call, or the parsed
 * YAML.  Exactly one of ix and store is set.
 */
struct snap {
	struct cerbo__index *ix;
	struct cerbo_store *store;
	unsigned long refs; /* the slot's own reference + one per call */
};

struct slot {
	char *path;
	struct snap *snap; /* NULL after a failed reload */
	uint64_t used;
	uint64_t generation; /* of the last store loaded from path */
	struct cerbo__file_id id;
	unsigned flags;
	int generation_known;
	/* The index file this process last believed for path: the same
	 * inode with other content was written in place (the tools only
	 * rename), and is never believed again. */
	struct cerbo__file_id ix_id;
	int ix_known;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot cache[CACHE_SLOTS];
static uint64_t cache_clock;

/* ---- the store cache --------------------------------------------------- */

/*
 * References are atomic so that a call gives its own back without the
 * cache lock: freeing a snapshot touches nothing of the cache.  They are
 * taken under the lock, from the slot that holds one.
 */
static void
snap_ref(struct snap *snap)
{
	(void)__atomic_add_fetch(&snap->refs, 1, __ATOMIC_RELAXED);
}

/* Drop one reference; the last one frees the store. */
static void
snap_release(struct snap *snap)
{
	if (snap == NULL)
		return;
	if (__atomic_sub_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		cerbo__index_close(snap->ix);
		cerbo_store_free(snap->store);
		free(snap);
	}
}

static void
slot_clear(struct slot *s)
{
	snap_release(s->snap);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

static struct slot *
slot_find(const char *path, unsigned flags)
{
	size_t i;

	for (i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].path != NULL && cache[i].flags == flags &&
		    strcmp(cache[i].path, path) == 0)
			return &cache[i];
	return NULL;
}

/* An empty slot, or the least recently used one, emptied. */
static struct slot *
slot_take(void)
{
	struct slot *lru = &cache[0];
	size_t i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].path == NULL)
			return &cache[i];
		if (cache[i].used < lru->used)
			lru = &cache[i];
	}
	slot_clear(lru);
	return lru;
}

/*
 * Whether this process may open the YAML at path, which must still be the
 * file of *st: 1 yes, 0 it is another file now, -1 (err set) it cannot be
 * opened.  The index answers only for a reader who could read the YAML:
 * a store made unreadable (chmod 0600) cuts the daemon off, index or not.
 */
static int
yaml_openable(const char *path, const struct stat *st, struct cerbo_error *err)
{
	struct stat now;
	int fd, same;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cerbo__fail_at(err,
		    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO, path, 0, 0,
		    "cannot open: %s", strerror(errno));
	same = fstat(fd, &now) == 0 && now.st_dev == st->st_dev &&
	    now.st_ino == st->st_ino;
	close(fd);
	return same;
}

/*
 * A new snapshot of the store at path, whose stat is *st.  Lock held.
 * The compiled index is used when it matches the YAML; a missing, stale,
 * unsafe or damaged index is passed over (it never changes an answer) and
 * the YAML is read and parsed instead.  An index that is there but passed
 * over is told of in note (notelen bytes), for the log: every new process
 * and every change of the store would parse the YAML until it is compiled
 * again.
 */
/* 1 when now is the index file of seen (same inode) with other content. */
static int
written_in_place(const struct cerbo__file_id *seen,
    const struct cerbo__file_id *now)
{
	return seen != NULL && now->dev == seen->dev && now->ino == seen->ino &&
	    (now->size != seen->size ||
	        now->mtime.tv_sec != seen->mtime.tv_sec ||
	        now->mtime.tv_nsec != seen->mtime.tv_nsec);
}

static int
load(const char *path, unsigned flags, const struct stat *st, struct snap **out,
    struct cerbo__file_id *id, const struct cerbo__file_id *seen_ix, char *note,
    size_t notelen, struct cerbo_error *err)
{
	struct cerbo__file_id ixid;
	char why[512];
	unsigned lflags =
	    (flags & CERBO__VERIFY_NO_TRUST) ? CERBO_LOAD_NO_TRUST : 0;
	struct cerbo__index *ix = NULL;
	struct cerbo_store *store = NULL;
	struct snap *snap = NULL;
	struct cerbo_error ixerr = CERBO_ERROR_INIT;
	struct stat rst;
	char *buf = NULL;
	size_t len = 0;
	int rc = -1, yaml_ok = 0;

	if (cerbo__index_open(path, st, lflags, &ix, &ixerr) == 0 &&
	    (yaml_ok = yaml_openable(path, st, err)) < 0)
		goto out;
	if (ix != NULL) {
		cerbo__index_file_id(ix, &ixid);
		if (written_in_place(seen_ix, &ixid)) {
			cerbo__index_close(ix);
			ix = NULL;
			cerbo__fail(&ixerr, CERBO_E_STATE,
			    "%s%s was written in place since this process read it; run cerbo-apiuser compile",
			    path, CERBO__INDEX_SUFFIX);
		}
	}
	if (ix != NULL && yaml_ok) {
		/* The YAML is not read: check its folders here. */
		if (!lflags && cerbo__trust_folders(path, err) != 0)
			goto out;
		cerbo__file_id_from_stat(id, st);
	} else {
		cerbo__index_close(ix);
		ix = NULL;
		/* cerbo__read_file checks the open file and, unless told
		 * not to, every folder above it. */
		if (cerbo__read_file(path, lflags, &buf, &len, &rst, err) != 0)
			goto out;
		if (cerbo_store_parse(buf, len, path, &store, err) != 0)
			goto out;
		if (ixerr.status != CERBO_E_NOTFOUND)
			cerbo__join(note, notelen,
			    "compiled index passed over, the YAML was parsed instead: ",
			    cerbo_error_format(&ixerr, why, sizeof(why)),
			    (char *)NULL);
		/* The identity of the bytes actually parsed. */
		cerbo__file_id_from_stat(id, &rst);
	}
	snap = calloc(1, sizeof(*snap));
	if (snap == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	snap->ix = ix;
	snap->store = store;
	snap->refs = 1;
	ix = NULL;
	store = NULL;
	*out = snap;
	rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, len); /* it holds hash strings */
		free(buf);
	}
	cerbo__index_close(ix);
	cerbo_store_free(store);
	return rc;
}

static uint64_t
snap_generation(const struct snap *snap)
{
	return cerbo_store_generation(
	    snap->ix != NULL ? cerbo__index_profiles(snap->ix) : snap->store);
}

/*
 * The current store of path, with a reference the caller gives back with
 * snap_release().  One stat per call; a reload when the file changed.  When
 * the store loaded has a lower generation than the last one loaded from
 * path in this process, or an index beside it was passed over, notice
 * (noticelen bytes) says so, on this call only.
 */
static int
acquire(const char *path, unsigned flags, struct snap **out, char *notice,
    size_t noticelen, struct cerbo_error *err)
{
	char ixnote[512], from[24], to[24];
	uint64_t gen;
	struct cerbo__file_id id, loaded;
	struct snap *snap = NULL;
	struct slot *s;
	struct stat st;
	char *copy = NULL;
	int rc = -1, e;

	flags &= CERBO__VERIFY_NO_TRUST;
	/* The stat and the trust rule need no lock: a call that overlaps a
	 * change of the file sees either side of it, as with the lock. */
	e = stat(path, &st) != 0 ? errno : 0;
	if (e != 0)
		cerbo__fail(err, e == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO,
		    "%s: %s", path, strerror(e));
	else if (!(flags & CERBO__VERIFY_NO_TRUST) &&
	    cerbo__trust_file_stat(path, &st, err) != 0)
		e = -1;
	pthread_mutex_lock(&cache_lock);
	s = slot_find(path, flags);
	if (e != 0)
		goto out;
	cerbo__file_id_from_stat(&id, &st);
	if (s != NULL && s->snap != NULL && cerbo__file_id_equal(&s->id, &id)) {
		/* The index is read through the descriptor opened at load: it
		 * must still be that file, unchanged and trusted (one fstat),
		 * or the store is loaded again, as when the YAML changed.  The
		 * fstat is made outside the lock, on a reference of our own, so
		 * that threads verifying at once do not queue behind it. */
		snap = s->snap;
		snap_ref(snap);
		s->used = ++cache_clock;
		pthread_mutex_unlock(&cache_lock);
		if (snap->ix == NULL ||
		    cerbo__index_current(snap->ix, NULL) == 0) {
			*out = snap;
			return 0;
		}
		snap_release(snap);
		snap = NULL;
		pthread_mutex_lock(&cache_lock);
		s = slot_find(path, flags);
	}

	ixnote[0] = '\0';
	if (load(path, flags, &st, &snap, &loaded,
	        s != NULL && s->ix_known ? &s->ix_id : NULL, ixnote,
	        sizeof(ixnote), err) != 0)
		goto out;
	if (s == NULL) {
		copy = strdup(path);
		if (copy == NULL) {
			snap_release(snap);
			cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
			goto out;
		}
		s = slot_take();
		s->path = copy;
		s->flags = flags;
	}
	snap_release(s->snap);
	s->snap = snap;
	s->id = loaded;
	if (snap->ix != NULL) {
		cerbo__index_file_id(snap->ix, &s->ix_id);
		s->ix_known = 1;
	}
	gen = snap_generation(snap);
	if (s->generation_known && gen < s->generation) {
		(void)snprintf(from, sizeof(from), "%llu",
		    (unsigned long long)s->generation);
		(void)snprintf(to, sizeof(to), "%llu", (unsigned long long)gen);
		cerbo__join(notice, noticelen,
		    "store generation went back from ", from, " to ", to,
		    ": a restored backup may have revived revoked keys",
		    ixnote[0] != '\0' ? "; " : "", ixnote, (char *)NULL);
	} else {
		cerbo__join(notice, noticelen, ixnote, (char *)NULL);
	}
	s->generation = gen;
	s->generation_known = 1;
	s->used = ++cache_clock;
	snap_ref(s->snap);
	*out = s->snap;
	rc = 0;
out:
	/* A store that cannot be used now is forgotten, never served; the
	 * generation last seen is kept, to tell of a restored backup. */
	if (rc != 0 && s != NULL) {
		snap_release(s->snap);
		s->snap = NULL;
		memset(&s->id, 0, sizeof(s->id));
	}
	pthread_mutex_unlock(&cache_lock);
	return rc;
}

void
cerbo__verify_cache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].path != NULL)
			slot_clear(&cache[i]);
	pthread_mutex_unlock(&cache_lock);
	cerbo__secret_cache_clear();
	cerbo__usage_forget();
}

/* ---- the verdict (its names and reasons: verdict.c) ------------------- */

/*
 * The account and request checks, after the credential check: disabled,
 * expiry, allow_from, then the request against the profile.
 */
static void
decide(const struct cerbo_store *store, const struct cerbo_user *user,
    const struct cerbo_verify_args *args, int64_t now, const char *keynote,
    struct cerbo_verdict *v)
{
	const char *name = cerbo_user_name(user);
	const char *allow_from, *pname;
	const struct cerbo_profile *profile = NULL;
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct cerbo_decision d = CERBO_DECISION_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char when[CERBO__TIME_TEXT];
	int parsed = 0;

	/* The profile's own answer first, kept in the verdict whatever the
	 * account checks say: explain shows it beside an account refusal. */
	pname = cerbo_user_get(user, CERBO_USER_PROFILE);
	if (pname != NULL) {
		(void)snprintf(v->user_profile, sizeof(v->user_profile), "%s",
		    pname);
		profile = cerbo_store_profile_find(store, pname);
	}
	if (args->request != NULL)
		parsed = cerbo_request_parse(args->request, &req, &err) == 0;
	if (parsed && profile != NULL) {
		cerbo__profile_decide(profile, &req, &d);
		v->profile_decided = 1;
		v->profile_allows = d.allowed;
		v->profile_rule_matched = d.matched;
		v->profile_rule_kind = d.kind;
		memcpy(v->profile_rule, d.rule, sizeof(v->profile_rule));
	}

	if (cerbo_user_disabled(user)) {
		cerbo__verdict_reason(v, CERBO_DENY_DISABLED, "user ", name,
		    " is disabled", keynote, (char *)NULL);
		return;
	}
	if (cerbo_user_expired(user, now)) {
		cerbo__time_format(cerbo__user_time(user, CERBO_USER_EXPIRES),
		    when, sizeof(when));
		cerbo__verdict_set(v, CERBO_DENY_EXPIRED,
		    "user %s expired at %s%s", name, when, keynote);
		return;
	}
	allow_from = cerbo_user_get(user, CERBO_USER_ALLOW_FROM);
	if (allow_from != NULL && allow_from[0] != '\0') {
		if (args->rhost == NULL || args->rhost[0] == '\0') {
			cerbo__verdict_set(v, CERBO_DENY_ADDRESS,
			    "user %s has allow_from and the client address is unknown%s",
			    name, keynote);
			return;
		}
		if (!cerbo__addr_allowed(allow_from, args->rhost)) {
			cerbo__verdict_set(v, CERBO_DENY_ADDRESS,
			    "client address %s is not in allow_from of user %s%s",
			    cerbo_addr_shown(args->rhost), name, keynote);
			return;
		}
	}
	if (args->request == NULL) {
		cerbo__verdict_reason(v, CERBO_ALLOW, "user ", name, " allowed",
		    keynote, (char *)NULL);
		return;
	}
	if (!parsed) {
		cerbo__verdict_set(v, CERBO_DENY_REQUEST, "%s (user %s%s)",
		    err.message, name, keynote);
		return;
	}
	if (profile == NULL) {
		cerbo__verdict_set(v, CERBO_STORE_ERROR,
		    "user %s names a profile that does not exist", name);
		return;
	}
	v->rule_matched = d.matched;
	v->rule_kind = d.kind;
	memcpy(v->rule, d.rule, sizeof(v->rule));
	memcpy(v->profile, d.profile, sizeof(v->profile));
	if (d.allowed) {
		cerbo__verdict_reason(v, CERBO_ALLOW, "user ", name,
		    " allowed by profile ", v->profile, ": allow rule ",
		    v->rule, keynote, (char *)NULL);
	} else if (d.matched) {
		/* A deny rule's pattern does not say which request hit it. */
		cerbo__verdict_reason(v, CERBO_DENY_FORBIDDEN, "user ", name,
		    " forbidden by profile ", v->profile, ": deny rule ",
		    v->rule, keynote, " (request ", req.method, " ", req.path,
		    ")", (char *)NULL);
	} else {
		cerbo__verdict_reason(v, CERBO_DENY_FORBIDDEN, "user ", name,
		    " forbidden by profile ", v->profile,
		    ": no allow rule matches ", req.method, " ", req.path,
		    keynote, (char *)NULL);
	}
}

/*
 * Whether checking args->secret for user (NULL: unknown) would run the
 * slow scheme: its current key is argon2id and not remembered, or a fast
 * current key would miss and lead on to an argon2id old key in its grace
 * period (counted without checking the current one).  An unknown user is
 * checked against the fast dummy hash; without a secret nothing is hashed.
 */
static int
needs_slow_scheme(const struct cerbo_user *user,
    const struct cerbo_verify_args *args, int64_t now)
{
	const char *cur;
	int slow;

	if (user == NULL || args->secret == NULL)
		return 0;
	cur = cerbo_user_get(user, CERBO_USER_SECRET);
	slow = cerbo__secret_would_hash(args->username, cur, args->secret,
	    args->secret_len);
	if (!slow && (cur == NULL || strncmp(cur, "$argon2id$", 10) != 0) &&
	    cerbo_user_old_key_valid(user, now))
		slow = cerbo__secret_would_hash(args->username,
		    cerbo_user_get(user, CERBO_USER_OLD_SECRET), args->secret,
		    args->secret_len);
	return slow;
}

/* cerbo_verify_cost() on structs of this version. */
static int
verify_cost(const struct cerbo_verify_args *args, int *slow, char *notice,
    size_t noticelen, struct cerbo_error *err)
{
	const struct cerbo_user *user = NULL;
	const char *path;
	struct snap *snap = NULL;
	struct cerbo_user ixuser;
	struct cerbo__index_probe probe = {0, 0};
	unsigned char ixbuf[CERBO__INDEX_RECORD_MAX];
	char scratch[512];
	int found, rc = -1;

	if (slow == NULL || args == NULL || args->username == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "invalid arguments");
	*slow = 0;
	if (cerbo__sodium_init() != 0)
		return cerbo__fail(err, CERBO_E_IO,
		    "libsodium cannot be initialised");
	path =
	    args->store_path != NULL ? args->store_path : CERBO_STORE_DEFAULT;
	if (notice == NULL || noticelen == 0) {
		notice = scratch;
		noticelen = sizeof(scratch);
	}
	notice[0] = '\0';
	if (acquire(path, args->flags, &snap, notice, noticelen, err) != 0)
		return -1;
	if (cerbo_username_valid(args->username) && snap->ix != NULL) {
		found = cerbo__index_lookup(snap->ix, args->username, &ixuser,
		    ixbuf, sizeof(ixbuf), &probe);
		if (found < 0) {
			cerbo__fail(err, CERBO_E_STORE,
			    "%s%s: damaged index (run cerbo-apiuser compile)",
			    path, CERBO__INDEX_SUFFIX);
			goto out;
		}
		if (found)
			user = &ixuser;
	} else if (cerbo_username_valid(args->username)) {
		user = cerbo_store_user_find(snap->store, args->username);
	}
	*slow = needs_slow_scheme(user, args,
	    args->now != 0 ? args->now : time(NULL));
	rc = 0;
out:
	if (probe.used > 0)
		sodium_memzero(ixbuf, probe.used);
	snap_release(snap);
	return rc;
}

/* cerbo_verify_cost(), with the internal bits extra added to args->flags
 * once the caller's were checked. */
static int
verify_cost_entry(const struct cerbo_verify_args *args, int *slow, char *notice,
    size_t noticelen, unsigned extra, struct cerbo_error *err)
{
	struct cerbo_verify_args a;

	if (cerbo__abi_in(&a, sizeof(a), args, CERBO__VERIFY_ARGS_V1) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "invalid arguments: %s",
		    args == NULL
		        ? "none"
		        : "struct cerbo_verify_args declared without CERBO_VERIFY_ARGS_INIT");
	if ((a.flags & ~CERBO__VERIFY_FLAGS) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "invalid arguments: unknown flag bits 0x%x",
		    a.flags & ~CERBO__VERIFY_FLAGS);
	a.flags |= extra;
	return verify_cost(&a, slow, notice, noticelen, err);
}

int
cerbo_verify_cost(const struct cerbo_verify_args *args, int *slow, char *notice,
    size_t noticelen, struct cerbo_error *err)
{
	return verify_cost_entry(args, slow, notice, noticelen, 0, err);
}

int
cerbo__verify_cost_untrusted(const struct cerbo_verify_args *args, int *slow,
    char *notice, size_t noticelen, struct cerbo_error *err)
{
	return verify_cost_entry(args, slow, notice, noticelen,
	    CERBO__VERIFY_NO_TRUST, err);
}

int
cerbo_store_usable(const char *path, unsigned flags, struct cerbo_error *err)
{
	struct cerbo_store *store = NULL;
	struct snap *snap = NULL;
	char scratch[512], *buf = NULL;
	struct stat st;
	size_t len = 0;
	int rc = -1, lockfd = -1;

	if ((flags & ~(unsigned)CERBO_USABLE_INDEX) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "unknown flag bits 0x%x",
		    flags & ~(unsigned)CERBO_USABLE_INDEX);
	if (path == NULL)
		path = CERBO_STORE_DEFAULT;
	if (cerbo__sodium_init() != 0)
		return cerbo__fail(err, CERBO_E_IO,
		    "libsodium cannot be initialised");
	scratch[0] = '\0';
	if (acquire(path, 0, &snap, scratch, sizeof(scratch), err) != 0)
		return -1;
	snap_release(snap);
	if (!(flags & CERBO_USABLE_INDEX))
		return 0;
	/* The YAML and its index as one commit left them, not half-way. */
	lockfd = cerbo__store_read_lock(path, 10000);
	if (cerbo__read_file(path, 0, &buf, &len, &st, err) != 0 ||
	    cerbo_store_parse(buf, len, path, &store, err) != 0 ||
	    cerbo__index_compare(path, store, buf, len, &st, err) != 0)
		goto out;
	rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, len); /* hash strings */
		free(buf);
	}
	cerbo_store_free(store);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}

/*
 * Whether the verdict proves the key right: it matched and only the
 * profile or the client address refused, if anything did.  A disabled or
 * expired account is not a use of its key.
 */
static int
key_was_right(const struct cerbo_verdict *v)
{
	if (v->key == CERBO_KEY_NONE)
		return 0;
	return v->code == CERBO_ALLOW || v->code == CERBO_DENY_FORBIDDEN ||
	    v->code == CERBO_DENY_ADDRESS;
}

/* cerbo_verify() on structs of this version. */
static int
verify(const struct cerbo_verify_args *args, struct cerbo_verdict *verdict)
{
	const struct cerbo_user *user = NULL;
	const struct cerbo_store *profiles;
	const char *path, *hash, *old;
	struct snap *snap = NULL;
	struct cerbo_user ixuser;
	struct cerbo__index_probe probe = {0, 0};
	unsigned char ixbuf[CERBO__INDEX_RECORD_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;
	int found, rc = 0;
	char errtext[1024], when[CERBO__TIME_TEXT], keynote[96];
	int64_t now;
	int ok;

	verdict->code = CERBO_DENY_CREDENTIALS; /* deny by default */
	verdict->key = CERBO_KEY_NONE;
	if (args == NULL || args->username == NULL) {
		cerbo__verdict_set(verdict, CERBO_DENY_CREDENTIALS,
		    "invalid arguments: no username");
		return -1;
	}
	if (cerbo__sodium_init() != 0) {
		cerbo__verdict_set(verdict, CERBO_STORE_ERROR,
		    "libsodium cannot be initialised");
		return 0;
	}
	verdict->username_valid = cerbo_username_valid(args->username);
	now = args->now != 0 ? args->now : time(NULL);
	path =
	    args->store_path != NULL ? args->store_path : CERBO_STORE_DEFAULT;
	keynote[0] = '\0';

	if (acquire(path, args->flags, &snap, verdict->notice,
	        sizeof(verdict->notice), &err) != 0) {
		cerbo__verdict_set(verdict, CERBO_STORE_ERROR,
		    "store error: %s",
		    cerbo_error_format(&err, errtext, sizeof(errtext)));
		return 0;
	}
	profiles =
	    snap->ix != NULL ? cerbo__index_profiles(snap->ix) : snap->store;
	if (verdict->username_valid && snap->ix != NULL) {
		found = cerbo__index_lookup(snap->ix, args->username, &ixuser,
		    ixbuf, sizeof(ixbuf), &probe);
		if (found < 0) {
			cerbo__verdict_set(verdict, CERBO_STORE_ERROR,
			    "store error: %s%s: damaged index (run cerbo-apiuser compile)",
			    path, CERBO__INDEX_SUFFIX);
			goto out;
		}
		/* A miss makes the reads a hit does (index.c). */
		if (found)
			user = &ixuser;
	} else if (verdict->username_valid) {
		user = cerbo_store_user_find(snap->store, args->username);
	}

	if ((args->flags & CERBO_VERIFY_FAST_ONLY) &&
	    needs_slow_scheme(user, args, now)) {
		cerbo__verdict_reason(verdict, CERBO_DENY_CREDENTIALS,
		    "not checked: the key needs the slow scheme", (char *)NULL);
		rc = CERBO_VERIFY_DEFERRED;
		goto out;
	}
	if (args->secret != NULL) {
		if (user == NULL) {
			/* Same cost as a wrong secret; the result is moot. */
			ok = cerbo__secret_check_cached(args->username,
			    cerbo__dummy_hash(), args->secret,
			    args->secret_len);
			(void)ok;
			goto unknown;
		}
		hash = cerbo_user_get(user, CERBO_USER_SECRET);
		if (hash != NULL &&
		    cerbo__secret_check_cached(args->username, hash,
		        args->secret, args->secret_len) == 0) {
			verdict->key = CERBO_KEY_CURRENT;
		} else {
			old = cerbo_user_get(user, CERBO_USER_OLD_SECRET);
			if (old != NULL &&
			    cerbo_user_old_key_valid(user, now) &&
			    cerbo__secret_check_cached(args->username, old,
			        args->secret, args->secret_len) == 0)
				verdict->key = CERBO_KEY_OLD;
		}
		if (verdict->key == CERBO_KEY_NONE) {
			cerbo__verdict_reason(verdict, CERBO_DENY_CREDENTIALS,
			    "wrong secret for user ", cerbo_user_name(user),
			    (char *)NULL);
			goto out;
		}
		if (verdict->key == CERBO_KEY_OLD) {
			cerbo__time_format(cerbo__user_time(user,
			                       CERBO_USER_OLD_SECRET_EXPIRES),
			    when, sizeof(when));
			snprintf(keynote, sizeof(keynote),
			    " (old key, grace period until %s)", when);
		}
	} else if (user == NULL) {
		goto unknown;
	}
	decide(profiles, user, args, now, keynote, verdict);
	if (key_was_right(verdict))
		cerbo__usage_record(cerbo_store_usage_file(profiles),
		    cerbo_user_name(user),
		    cerbo_user_get(user,
		        verdict->key == CERBO_KEY_OLD ? CERBO_USER_OLD_SECRET
		                                      : CERBO_USER_SECRET),
		    now, verdict->notice, sizeof(verdict->notice));
	goto out;

unknown:
	if (verdict->username_valid)
		cerbo__verdict_reason(verdict, CERBO_DENY_CREDENTIALS,
		    "unknown user ", args->username, (char *)NULL);
	else
		cerbo__verdict_reason(verdict, CERBO_DENY_CREDENTIALS,
		    "unknown user (not a valid username)", (char *)NULL);
out:
	if (probe.used > 0)
		sodium_memzero(ixbuf, probe.used); /* hash strings */
	snap_release(snap);
	return rc;
}

/* cerbo_verify(), with the internal bits extra added to args->flags once
 * the caller's were checked. */
static int
verify_entry(const struct cerbo_verify_args *args,
    struct cerbo_verdict *verdict, unsigned extra)
{
	struct cerbo_verify_args a;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int rc;

	if (cerbo__abi_check(verdict, CERBO__VERDICT_V1) != 0)
		return -1;
	v.code = CERBO_DENY_CREDENTIALS;
	if (cerbo__abi_in(&a, sizeof(a), args, CERBO__VERIFY_ARGS_V1) != 0) {
		cerbo__verdict_set(&v, CERBO_DENY_CREDENTIALS,
		    "invalid arguments: %s",
		    args == NULL
		        ? "none"
		        : "struct cerbo_verify_args declared without CERBO_VERIFY_ARGS_INIT");
		rc = -1;
	} else if ((a.flags & ~CERBO__VERIFY_FLAGS) != 0) {
		/* A bit this version does not know may ask for something it
		 * cannot give: refuse rather than guess. */
		cerbo__verdict_set(&v, CERBO_DENY_CREDENTIALS,
		    "invalid arguments: unknown flag bits 0x%x",
		    a.flags & ~CERBO__VERIFY_FLAGS);
		rc = -1;
	} else {
		a.flags |= extra;
		rc = verify(&a, &v);
	}
	cerbo__abi_out(verdict, &v, sizeof(v));
	return rc;
}

int
cerbo_verify(const struct cerbo_verify_args *args,
    struct cerbo_verdict *verdict)
{
	return verify_entry(args, verdict, 0);
}

int
cerbo__verify_untrusted(const struct cerbo_verify_args *args,
    struct cerbo_verdict *verdict)
{
	return verify_entry(args, verdict, CERBO__VERIFY_NO_TRUST);
}
