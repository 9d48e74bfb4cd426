/*
 * store.c - the store in memory as a whole: the object, its users' hash
 * index and name order, and whole-store validation.
 *
 * Users are found through a hash index and listed in name order; the
 * order is restored lazily after changes (see internal.h), so adding or
 * removing many users in one transaction stays O(n log n).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <sodium.h>

#include "internal.h"

/* ---- the store ------------------------------------------------------- */

struct cerbo_store *
cerbo__store_new(void)
{
	struct cerbo_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->format = CERBO_STORE_FORMAT;
	return s;
}

void
cerbo_store_free(struct cerbo_store *store)
{
	size_t i;

	if (store == NULL)
		return;
	for (i = 0; i < store->nslots; i++)
		cerbo__user_free(store->users[i]);
	for (i = 0; i < store->nprofiles; i++)
		cerbo__profile_free(store->profiles[i]);
	free(store->usage_file);
	free(store->users);
	free(store->index);
	free(store->profiles);
	free(store);
}

uint64_t
cerbo_store_generation(const struct cerbo_store *store)
{
	return store != NULL ? store->generation : 0;
}

const char *
cerbo_store_digest(const struct cerbo_store *store)
{
	return store != NULL ? store->digest : "";
}

const char *
cerbo_store_usage_file(const struct cerbo_store *store)
{
	return store != NULL ? store->usage_file : NULL;
}

int
cerbo__usage_path_check(const char *s, size_t len, struct cerbo_error *err)
{
	size_t i;

	if (len == 0 || s[0] != '/')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "usage_file must be an absolute path");
	if (len > CERBO__USAGE_PATH_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "usage_file is longer than %d bytes",
		    CERBO__USAGE_PATH_MAX);
	if (s[len - 1] == '/')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "usage_file names a folder, not a file");
	for (i = 0; i < len; i++) {
		if (s[i] <= ' ' || s[i] > '~')
			return cerbo__fail(err, CERBO_E_INVALID,
			    "usage_file may hold printable ASCII only, no spaces");
		/* "." and ".." components would make the path's meaning
		 * depend on symlinks above them; "//" is just untidy. */
		if (s[i] == '/' &&
		    (s[i + 1] == '/' ||
		        (s[i + 1] == '.' &&
		            (i + 2 == len || s[i + 2] == '/' ||
		                (s[i + 2] == '.' &&
		                    (i + 3 == len || s[i + 3] == '/'))))))
			return cerbo__fail(err, CERBO_E_INVALID,
			    "usage_file must not hold \"//\", \".\" or \"..\" components");
	}
	return 0;
}

int
cerbo_store_set_usage_file(struct cerbo_store *store, const char *path,
    struct cerbo_error *err)
{
	char *copy = NULL;

	if (store == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no store");
	if (path != NULL) {
		if (cerbo__usage_path_check(path, strlen(path), err) != 0)
			return -1;
		copy = strdup(path);
		if (copy == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	}
	free(store->usage_file);
	store->usage_file = copy;
	return 0;
}

int
cerbo__store_format(const struct cerbo_store *store)
{
	return store != NULL ? store->format : 0;
}

void
cerbo__store_set_digest(struct cerbo_store *store, const char *hex)
{
	int n;

	if (hex == NULL)
		hex = "";
	n = snprintf(store->digest, sizeof(store->digest), "%s", hex);
	if (n < 0)
		store->digest[0] = '\0';
}

void
cerbo__store_set_generation(struct cerbo_store *store, uint64_t gen)
{
	store->generation = gen;
}

void
cerbo__digest_hex(const void *buf, size_t len, char out[65])
{
	unsigned char h[32];

	/* sodium_init picks the fastest BLAKE2b; generichash works (more
	 * slowly) even if it failed, so its result does not matter here. */
	if (sodium_init() < 0)
		h[0] = 0;
	crypto_generichash(h, sizeof(h), buf, len, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* ---- what the model's files share ----------------------------------- */

char *
cerbo__dup_mem(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

uint64_t
cerbo__name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- the user index -------------------------------------------------- */

static struct cerbo_user **
index_find(const struct cerbo_store *store, const char *name, uint64_t h)
{
	size_t mask, i;

	if (store->index_cap == 0)
		return NULL;
	mask = store->index_cap - 1;
	for (i = (size_t)h & mask; store->index[i] != NULL;
	     i = (i + 1) & mask) {
		if (store->index[i]->hash == h &&
		    strcmp(store->index[i]->name, name) == 0)
			return &store->index[i];
	}
	return &store->index[i];
}

static int
index_grow(struct cerbo_store *store)
{
	struct cerbo_user **old = store->index;
	size_t oldcap = store->index_cap, cap, i;

	cap = oldcap == 0 ? 64 : oldcap * 2;
	if (cap < oldcap || cap > SIZE_MAX / sizeof(*old))
		return -1;
	store->index = calloc(cap, sizeof(*old));
	if (store->index == NULL) {
		store->index = old;
		return -1;
	}
	store->index_cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (old[i] != NULL)
			*index_find(store, old[i]->name, old[i]->hash) = old[i];
	}
	free(old);
	return 0;
}

/* Remove the entry at slot i, shifting back what follows (no tombstones). */
static void
index_delete(struct cerbo_store *store, struct cerbo_user **at)
{
	size_t mask = store->index_cap - 1;
	size_t i = (size_t)(at - store->index), j = i, k;

	store->index[i] = NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (store->index[j] == NULL)
			break;
		k = (size_t)store->index[j]->hash & mask;
		/* Leave j where it is if its home k lies cyclically in (i, j].
		 */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		store->index[i] = store->index[j];
		store->index[j] = NULL;
		i = j;
	}
}

const struct cerbo_user *
cerbo_store_user_find(const struct cerbo_store *store, const char *username)
{
	struct cerbo_user **at;

	if (store == NULL || username == NULL)
		return NULL;
	at = index_find(store, username, cerbo__name_hash(username));
	return at != NULL ? *at : NULL;
}

static struct cerbo_user *
user_find(struct cerbo_store *store, const char *username)
{
	return (struct cerbo_user *)cerbo_store_user_find(store, username);
}

struct cerbo_user *
cerbo__user_lookup(struct cerbo_store *store, const char *username,
    struct cerbo_error *err)
{
	struct cerbo_user *u;

	if (store == NULL || username == NULL) {
		cerbo__fail(err, CERBO_E_INVALID, "no username");
		return NULL;
	}
	u = user_find(store, username);
	if (u == NULL)
		cerbo__fail(err, CERBO_E_NOTFOUND, "no user %s", username);
	return u;
}

int
cerbo__store_add_user(struct cerbo_store *store, struct cerbo_user *user,
    struct cerbo_error *err)
{
	struct cerbo_user **at, **users;
	size_t cap;

	if ((store->nusers + 1) * 2 > store->index_cap &&
	    index_grow(store) != 0)
		goto nomem;
	if (store->nslots == store->capusers) {
		cap = store->capusers == 0 ? 64 : store->capusers * 2;
		if (cap > SIZE_MAX / sizeof(*users))
			goto nomem;
		users = realloc(store->users, cap * sizeof(*users));
		if (users == NULL)
			goto nomem;
		store->users = users;
		store->capusers = cap;
	}
	at = index_find(store, user->name, user->hash);
	if (*at != NULL) {
		cerbo__fail(err, CERBO_E_EXISTS, "user %s exists already",
		    user->name);
		cerbo__user_free(user);
		return -1;
	}
	*at = user;
	user->slot = store->nslots;
	if (store->nsorted == store->nslots &&
	    (store->nslots == 0 ||
	        (store->users[store->nslots - 1] != NULL &&
	            strcmp(store->users[store->nslots - 1]->name, user->name) <
	                0)))
		store->nsorted++;
	store->users[store->nslots++] = user;
	store->nusers++;
	return 0;
nomem:
	cerbo__user_free(user);
	return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
}

static int
cmp_user(const void *a, const void *b)
{
	const struct cerbo_user *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/*
 * Compact the holes, sort the tail, merge it into the sorted prefix.  If
 * the merge buffer cannot be had, the whole array is sorted in place.
 */
void
cerbo__store_tidy(struct cerbo_store *store)
{
	struct cerbo_user **u, **tail;
	size_t i, n = 0, prefix = 0, ntail;

	if (store == NULL || (!store->holes && store->nsorted == store->nslots))
		return;
	u = store->users;
	for (i = 0; i < store->nslots; i++) {
		if (u[i] == NULL)
			continue;
		if (i < store->nsorted)
			prefix++;
		u[n++] = u[i];
	}
	ntail = n - prefix;
	if (ntail > 0) {
		qsort(u + prefix, ntail, sizeof(*u), cmp_user);
		if (prefix > 0 &&
		    strcmp(u[prefix - 1]->name, u[prefix]->name) > 0) {
			tail = malloc(ntail * sizeof(*u));
			if (tail == NULL) {
				qsort(u, n, sizeof(*u), cmp_user);
			} else {
				size_t a = prefix, b = ntail, k = n;

				memcpy(tail, u + prefix, ntail * sizeof(*u));
				while (b > 0) {
					if (a > 0 &&
					    strcmp(u[a - 1]->name,
					        tail[b - 1]->name) > 0)
						u[--k] = u[--a];
					else
						u[--k] = tail[--b];
				}
				free(tail);
			}
		}
	}
	for (i = 0; i < n; i++)
		u[i]->slot = i;
	store->nslots = n;
	store->nsorted = n;
	store->holes = 0;
}

size_t
cerbo_store_user_count(const struct cerbo_store *store)
{
	return store != NULL ? store->nusers : 0;
}

const struct cerbo_user *
cerbo_store_user_at(const struct cerbo_store *store, size_t i)
{
	/* Every change that may disorder the users tidies them before it
	 * returns, so reading never changes the store. */
	if (store == NULL || i >= store->nusers)
		return NULL;
	return store->users[i];
}

int
cerbo__user_remove(struct cerbo_store *store, const char *username,
    struct cerbo_error *err)
{
	struct cerbo_user *u;
	struct cerbo_user **at;

	u = cerbo__user_lookup(store, username, err);
	if (u == NULL)
		return -1;
	at = index_find(store, u->name, u->hash);
	index_delete(store, at);
	store->users[u->slot] = NULL;
	store->holes = 1;
	store->nusers--;
	cerbo__user_free(u);
	return 0;
}

int
cerbo_user_remove(struct cerbo_store *store, const char *username,
    struct cerbo_error *err)
{
	int rc = cerbo__user_remove(store, username, err);

	cerbo__store_tidy(store);
	return rc;
}

/* ---- whole-store validation ------------------------------------------ */

int
cerbo_store_validate(const struct cerbo_store *store, struct cerbo_error *err)
{
	size_t i;

	if (store == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no store");
	if (store->format != CERBO_STORE_FORMAT)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "format %d is not format %d", store->format,
		    CERBO_STORE_FORMAT);
	if (store->generation > CERBO__GENERATION_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "generation is larger than %llu",
		    (unsigned long long)CERBO__GENERATION_MAX);
	if (store->usage_file != NULL &&
	    cerbo__usage_path_check(store->usage_file,
	        strlen(store->usage_file), err) != 0)
		return -1;
	for (i = 0; i < store->nprofiles; i++) {
		const struct cerbo_profile *p = store->profiles[i];

		if (i > 0 && strcmp(store->profiles[i - 1]->name, p->name) >= 0)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "profiles are out of order");
		if (cerbo__profile_validate(p, err) != 0) {
			cerbo__error_prefix(err, "profile %s: ", p->name);
			return -1;
		}
	}
	for (i = 0; i < store->nslots; i++) {
		const struct cerbo_user *u = store->users[i];

		if (u == NULL)
			continue;
		if (cerbo__user_validate(store, u, err) != 0) {
			cerbo__error_prefix(err, "user %s: ", u->name);
			return -1;
		}
	}
	return 0;
}
