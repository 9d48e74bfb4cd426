/*
 * index.c - the compiled index beside a store ("<store>.idx").
 *
 * The YAML file is the source of truth; the index holds only what the
 * verifier needs (per user: hash strings, rotation state, disabled, expiry,
 * allow_from, profile; all profiles), so that a fresh process answers its
 * first request without parsing a large YAML file (the model: BSD
 * pwd_mkdb, Postfix postmap).
 *
 * The index is read, never mapped: a `cp` over a mapped file raises
 * SIGBUS, and neither the library nor the module may install signal
 * handlers.  An index of up to 4 MiB is read whole when it is
 * opened and looked up in memory (a request then costs no read at all);
 * a larger one is read with pread() per lookup.  Either way every lookup
 * reads the same amount, hit or miss.  It is built whole in memory by
 * index_build.c; txn.c writes it to a temp file beside the store and
 * renames it into place, as it does the store.  The layout is in
 * index_format.h.
 *
 * A reader trusts an index only when it matches the YAML file now at the
 * store path: either the YAML's identity (device, inode, size, mtime in ns)
 * equals the one stamped when the tools wrote both on this host, or the
 * BLAKE2b digest of the YAML's bytes equals the stamped digest (a pair
 * produced elsewhere and shipped together).  ctime is not stamped: the
 * rename that installs the YAML changes it.  Anything else is stale, and
 * the caller parses the YAML instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "index_format.h"
#include "internal.h"

#define CHUNK 65536 /* bytes of the YAML hashed at a time */

struct cerbo__index {
	int fd;
	unsigned char *mem; /* the whole file, when it is small; else NULL */
	uint64_t file_size;
	uint64_t nhome;  /* home slots, a power of two */
	uint64_t ntotal; /* home and overflow slots */
	uint64_t slots_off;
	uint64_t dummy; /* the slot read on a miss (0: no users) */
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct cerbo_store *profiles; /* the profiles, no users */
	struct cerbo__file_id id;     /* of the open file, when opened */
	unsigned flags;               /* CERBO_LOAD_NO_TRUST */
	char path[PATH_MAX];
};

static int
pread_all(int fd, void *p, size_t len, uint64_t off)
{
	unsigned char *q = p;

	while (len > 0) {
		ssize_t n = pread(fd, q, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		q += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

size_t cerbo__index_resident_max = (size_t)4 << 20;

/* len bytes at off of the index: from memory when it is resident. */
static int
ix_read(const struct cerbo__index *ix, void *p, size_t len, uint64_t off)
{
	if (ix->mem == NULL)
		return pread_all(ix->fd, p, len, off);
	if (off > ix->file_size || len > ix->file_size - off)
		return -1;
	memcpy(p, ix->mem + off, len);
	return 0;
}

/*
 * Read the whole index into memory when it is small enough.  The file
 * must still be the one stamped at open (fstat after the read), or the
 * bytes may mix two versions.
 */
static int
make_resident(struct cerbo__index *ix, struct cerbo_error *err)
{
	struct cerbo__file_id id;
	struct stat st;

	if (ix->file_size > cerbo__index_resident_max)
		return 0;
	ix->mem = malloc((size_t)ix->file_size);
	if (ix->mem == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	if (pread_all(ix->fd, ix->mem, (size_t)ix->file_size, 0) != 0 ||
	    fstat(ix->fd, &st) != 0)
		return cerbo__fail(err, CERBO_E_STORE,
		    "%s: damaged or truncated index", ix->path);
	cerbo__file_id_from_stat(&id, &st);
	if (!cerbo__file_id_equal(&id, &ix->id))
		return cerbo__fail(err, CERBO_E_STATE,
		    "%s changed while it was read", ix->path);
	return 0;
}

/* Take one str from [*p, end) into a NUL-terminated copy in tmp. */
static int
take_str(const unsigned char **p, const unsigned char *end, char *tmp,
    size_t tmplen)
{
	size_t len;

	if (end - *p < 2)
		return -1;
	len = get16(*p);
	*p += 2;
	if ((size_t)(end - *p) < len || len >= tmplen)
		return -1;
	memcpy(tmp, *p, len);
	tmp[len] = '\0';
	*p += len;
	return 0;
}

static int
take_u32(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	if (end - *p < 4)
		return -1;
	*v = get32(*p);
	*p += 4;
	return 0;
}

/* Rebuild the profiles through the model, so they are validated again. */
static int
load_profiles(struct cerbo__index *ix, const unsigned char *p, size_t len,
    const char *path, struct cerbo_error *err)
{
	const unsigned char *end = p + len;
	char name[CERBO_PROFILE_NAME_MAX + 1], desc[CERBO_DESCRIPTION_MAX + 1];
	char rule[CERBO_RULE_MAX + 1], usage[CERBO__USAGE_PATH_MAX + 1];
	uint32_t count, i, j, nr;
	int k, changed;

	ix->profiles = cerbo__store_new();
	if (ix->profiles == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	if (take_u32(&p, end, &count) != 0)
		goto bad;
	for (i = 0; i < count; i++) {
		if (take_str(&p, end, name, sizeof(name)) != 0 ||
		    take_str(&p, end, desc, sizeof(desc)) != 0)
			goto bad;
		if (cerbo_profile_add(ix->profiles, name,
		        desc[0] != '\0' ? desc : NULL, err) != 0)
			return -1;
		for (k = CERBO_RULE_ALLOW; k <= CERBO_RULE_DENY; k++) {
			if (take_u32(&p, end, &nr) != 0)
				goto bad;
			for (j = 0; j < nr; j++) {
				if (take_str(&p, end, rule, sizeof(rule)) != 0)
					goto bad;
				if (cerbo_profile_rule_add(ix->profiles, name,
				        (enum cerbo_rule_kind)k, rule, &changed,
				        err) != 0)
					return -1;
			}
		}
	}
	if (p != end) {
		if (take_str(&p, end, usage, sizeof(usage)) != 0 || p != end ||
		    cerbo_store_set_usage_file(ix->profiles, usage, NULL) != 0)
			goto bad;
	}
	return 0;
bad:
	return cerbo__fail(err, CERBO_E_STORE, "%s: damaged profile section",
	    path);
}

/*
 * 1 when the YAML at yaml_path, still the file of *yaml_st, has the digest
 * stamped in hdr, with mac_key set to the key of the index's MAC
 * (cerbo__index_mac_key() of the same bytes); 0 when not; -1 (err set)
 * when it cannot be read.  The
 * file is hashed as it is read, 64 KiB at a time: a shipped store of
 * 400 MB costs no 400 MB buffer in every process that meets it.
 */
static int
digest_matches(const char *yaml_path, const struct stat *yaml_st,
    unsigned flags, const unsigned char *hdr, unsigned char mac_key[32],
    struct cerbo_error *err)
{
	crypto_generichash_state state, keyed;

	unsigned char d[32], *chunk = NULL;
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	fd = open(yaml_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cerbo__fail_at(err,
		    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO, yaml_path,
		    0, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		cerbo__fail_at(err, CERBO_E_IO, yaml_path, 0, 0, "%s",
		    strerror(errno));
		goto out;
	}
	if (!(flags & CERBO_LOAD_NO_TRUST) &&
	    cerbo__trust_file_stat(yaml_path, &st, err) != 0)
		goto out;
	/* Replaced since it was looked at, or too large: not this index's
	 * business; the caller parses the YAML, which says what is wrong. */
	if (st.st_dev != yaml_st->st_dev || st.st_ino != yaml_st->st_ino ||
	    !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > CERBO_STORE_SIZE_MAX) {
		rc = 0;
		goto out;
	}
	chunk = malloc(CHUNK);
	if (chunk == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	crypto_generichash_init(&state, NULL, 0, sizeof(d));
	cerbo__index_mac_init(&keyed);
	for (;;) {
		n = read(fd, chunk, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cerbo__fail_at(err, CERBO_E_IO, yaml_path, 0, 0,
			    "read: %s", strerror(errno));
			goto wipe;
		}
		if (n == 0)
			break;
		crypto_generichash_update(&state, chunk, (size_t)n);
		crypto_generichash_update(&keyed, chunk, (size_t)n);
	}
	crypto_generichash_final(&state, d, sizeof(d));
	crypto_generichash_final(&keyed, mac_key, 32);
	rc = sodium_memcmp(d, hdr + HDR_DIGEST, sizeof(d)) == 0;
wipe:
	/* The YAML holds hash strings. */
	sodium_memzero(chunk, CHUNK);
	sodium_memzero(&state, sizeof(state));
	sodium_memzero(&keyed, sizeof(keyed));
out:
	free(chunk);
	close(fd);
	return rc;
}

/*
 * 1 when the MAC in hdr is that of the open index's bytes under mac_key
 * (index_format.h), 0 when not, -1 when they cannot be read.
 */
static int
mac_matches(const struct cerbo__index *ix, const unsigned char *hdr,
    const unsigned char mac_key[32])
{
	crypto_generichash_state st;
	unsigned char mac[HDR_MAC_LEN], *chunk;
	uint64_t off;
	size_t n;
	int rc = -1;

	chunk = malloc(CHUNK);
	if (chunk == NULL)
		return -1;
	crypto_generichash_init(&st, mac_key, 32, sizeof(mac));
	crypto_generichash_update(&st, hdr, HDR_MAC);
	for (off = HDR_SIZE; off < ix->file_size; off += n) {
		n = ix->file_size - off < CHUNK ? (size_t)(ix->file_size - off)
		                                : CHUNK;
		if (pread_all(ix->fd, chunk, n, off) != 0)
			goto out;
		crypto_generichash_update(&st, chunk, n);
	}
	crypto_generichash_final(&st, mac, sizeof(mac));
	rc = sodium_memcmp(mac, hdr + HDR_MAC, sizeof(mac)) == 0;
out:
	sodium_memzero(chunk, CHUNK); /* records hold hash strings */
	sodium_memzero(&st, sizeof(st));
	free(chunk);
	return rc;
}

/* 1 when the open file is the one its self stamp describes: its inode,
 * and an mtime no write since the stamp could have given it. */
static int
self_stamp_matches(const unsigned char *hdr, const struct stat *st)
{
	return get64(hdr + HDR_SELF_INO) == (uint64_t)st->st_ino &&
	    get64(hdr + HDR_SELF_MSEC) == (uint64_t)st->st_mtim.tv_sec &&
	    get64(hdr + HDR_SELF_MNSEC) == (uint64_t)st->st_mtim.tv_nsec;
}

void
cerbo__index_path(const char *store_path, char *out, size_t len)
{
	snprintf(out, len, "%s%s", store_path, CERBO__INDEX_SUFFIX);
}

int
cerbo__index_open(const char *store_path, const struct stat *yaml_st,
    unsigned flags, struct cerbo__index **out, struct cerbo_error *err)
{
	struct cerbo__index *ix = NULL;
	unsigned char hdr[HDR_SIZE], tag[HDR_TAG_LEN], *prof = NULL;
	unsigned char mac_key[32];
	char path[PATH_MAX];
	struct stat st;
	uint64_t nusers, plen, poff;
	int same, in_place, rc = -1;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", store_path,
	        CERBO__INDEX_SUFFIX) >= sizeof(path))
		return cerbo__fail(err, CERBO_E_INVALID, "store path too long");
	ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	ix->fd = -1;
	ix->flags = flags;
	memcpy(ix->path, path, sizeof(ix->path));
	ix->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (ix->fd < 0) {
		cerbo__fail(err,
		    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO, "%s: %s",
		    path, strerror(errno));
		goto out;
	}
	if (fstat(ix->fd, &st) != 0) {
		cerbo__fail(err, CERBO_E_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* The index holds hashes: the same trust rule as the store. */
	if (!(flags & CERBO_LOAD_NO_TRUST) &&
	    cerbo__trust_file_stat(path, &st, err) != 0)
		goto out;
	cerbo__file_id_from_stat(&ix->id, &st);
	if (!S_ISREG(st.st_mode) || st.st_size < HDR_SIZE ||
	    pread_all(ix->fd, hdr, sizeof(hdr), 0) != 0)
		goto damaged;
	crypto_generichash(tag, sizeof(tag), hdr, HDR_TAG, NULL, 0);
	if (memcmp(hdr + HDR_MAGIC, MAGIC, 8) != 0 ||
	    sodium_memcmp(tag, hdr + HDR_TAG, sizeof(tag)) != 0)
		goto damaged;
	if (get32(hdr + HDR_VERSION) != INDEX_VERSION) {
		cerbo__fail(err, CERBO_E_STATE,
		    "%s: index version %u not known here", path,
		    get32(hdr + HDR_VERSION));
		goto out;
	}
	ix->file_size = get64(hdr + HDR_FILE_SIZE);
	ix->nhome = get32(hdr + HDR_NHOME);
	ix->ntotal = get64(hdr + HDR_NTOTAL);
	ix->slots_off = get64(hdr + HDR_SLOTS_OFF);
	ix->dummy = get64(hdr + HDR_DUMMY);
	nusers = get32(hdr + HDR_NUSERS);
	plen = get32(hdr + HDR_PROFILES_LEN);
	poff = get64(hdr + HDR_PROFILES_OFF);
	if (ix->file_size != (uint64_t)st.st_size || ix->nhome == 0 ||
	    (ix->nhome & (ix->nhome - 1)) != 0 || ix->nhome < nusers ||
	    ix->ntotal < ix->nhome || ix->ntotal > UINT32_MAX ||
	    poff != HDR_SIZE || ix->slots_off != poff + plen ||
	    ix->slots_off + ix->ntotal * 8 > ix->file_size ||
	    (nusers > 0) != (ix->dummy != 0))
		goto damaged;
	memcpy(ix->key, hdr + HDR_KEY, sizeof(ix->key));

	same = get64(hdr + HDR_YAML_DEV) == (uint64_t)yaml_st->st_dev &&
	    get64(hdr + HDR_YAML_INO) == (uint64_t)yaml_st->st_ino &&
	    get64(hdr + HDR_YAML_SIZE) == (uint64_t)yaml_st->st_size &&
	    get64(hdr + HDR_YAML_MSEC) == (uint64_t)yaml_st->st_mtim.tv_sec &&
	    get64(hdr + HDR_YAML_MNSEC) == (uint64_t)yaml_st->st_mtim.tv_nsec;
	/* The YAML's identity vouches for the index only while the index is
	 * the file its writer left: otherwise its bytes must prove it. */
	in_place = same && !self_stamp_matches(hdr, &st);
	if (in_place)
		same = 0;
	if (!same) {
		same = digest_matches(store_path, yaml_st, flags, hdr, mac_key,
		    err);
		if (same < 0)
			goto out;
		if (same) {
			same = mac_matches(ix, hdr, mac_key);
			if (same < 0)
				goto damaged;
			if (!same) {
				cerbo__fail(err, CERBO_E_STATE,
				    "%s is not the index its stamps describe (written in place?); run cerbo-apiuser compile",
				    path);
				goto out;
			}
		}
	}
	if (!same && in_place) {
		cerbo__fail(err, CERBO_E_STATE,
		    "%s was written in place since it was compiled; run cerbo-apiuser compile",
		    path);
		goto out;
	}
	if (!same) {
		cerbo__fail(err, CERBO_E_STATE,
		    "%s does not match %s (stale; run cerbo-apiuser compile)",
		    path, store_path);
		goto out;
	}
	prof = malloc(plen > 0 ? plen : 1);
	if (prof == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	if (pread_all(ix->fd, prof, plen, poff) != 0)
		goto damaged;
	if (load_profiles(ix, prof, plen, path, err) != 0 ||
	    make_resident(ix, err) != 0)
		goto out;
	cerbo__store_set_generation(ix->profiles, get64(hdr + HDR_GENERATION));
	*out = ix;
	ix = NULL;
	rc = 0;
	goto out;
damaged:
	cerbo__fail(err, CERBO_E_STORE, "%s: damaged or truncated index", path);
out:
	sodium_memzero(mac_key, sizeof(mac_key));
	free(prof);
	cerbo__index_close(ix);
	return rc;
}

int
cerbo__index_current(const struct cerbo__index *ix, struct cerbo_error *err)
{
	struct cerbo__file_id id;
	struct stat st;

	if (fstat(ix->fd, &st) != 0)
		return cerbo__fail(err, CERBO_E_IO, "%s: %s", ix->path,
		    strerror(errno));
	if (!(ix->flags & CERBO_LOAD_NO_TRUST) &&
	    cerbo__trust_file_stat(ix->path, &st, err) != 0)
		return -1;
	cerbo__file_id_from_stat(&id, &st);
	if (!cerbo__file_id_equal(&id, &ix->id))
		return cerbo__fail(err, CERBO_E_STATE,
		    "%s changed since it was opened", ix->path);
	return 0;
}

const struct cerbo_store *
cerbo__index_profiles(const struct cerbo__index *ix)
{
	return ix->profiles;
}

/* Point *s at the next (u16 length, bytes, NUL) string of a record. */
static int
rec_str(const unsigned char **p, const unsigned char *end, char **s)
{
	size_t len;

	if (end - *p < 2)
		return -1;
	len = get16(*p);
	*p += 2;
	if ((size_t)(end - *p) < len + 1 || (*p)[len] != '\0' ||
	    memchr(*p, '\0', len) != NULL)
		return -1;
	*s = len > 0 ? (char *)*p : NULL;
	*p += len + 1;
	return 0;
}

/*
 * Read the record a slot names into buf and, when it is username's, fill
 * *out.  1: it is; 0: another user's; -1: damaged.
 */
static int
read_record(const struct cerbo__index *ix, uint64_t slot, const char *username,
    struct cerbo_user *out, unsigned char *buf,
    struct cerbo__index_probe *probe)
{
	static const enum cerbo_user_field strs[REC_STRINGS - 1] =
	    {CERBO_USER_PROFILE, CERBO_USER_SECRET, CERBO_USER_OLD_SECRET,
	        CERBO_USER_ALLOW_FROM};
	uint64_t off = slot & SLOT_OFF_MASK;
	size_t len = (size_t)(slot >> SLOT_OFF_BITS & SLOT_LEN_MASK), i;
	const unsigned char *p, *end;
	char *name;
	int tslot;

	if (off < ix->slots_off + ix->ntotal * 8 || len < REC_FIXED ||
	    len > REC_MAX || len > ix->file_size - off)
		return -1;
	probe->reads++;
	if (probe->used < len)
		probe->used = len;
	if (ix_read(ix, buf, len, off) != 0 || get32(buf) != len)
		return -1;
	p = buf + REC_FIXED;
	end = buf + len;
	if (rec_str(&p, end, &name) != 0 || name == NULL)
		return -1;
	if (strcmp(name, username) != 0)
		return 0;
	memset(out, 0, sizeof(*out));
	out->name = name;
	for (i = 0; i < REC_STRINGS - 1; i++)
		if (rec_str(&p, end, &out->str[strs[i]]) != 0)
			return -1;
	if (p != end || out->str[CERBO_USER_SECRET] == NULL ||
	    out->str[CERBO_USER_PROFILE] == NULL)
		return -1;
	out->disabled = buf[4] != 0;
	if (buf[5] & FLAG_EXPIRES) {
		tslot = cerbo__time_slot(CERBO_USER_EXPIRES);
		cerbo__user_set_time(out, tslot, (int64_t)get64(buf + 6));
	}
	if (buf[5] & FLAG_OLD_EXPIRES) {
		tslot = cerbo__time_slot(CERBO_USER_OLD_SECRET_EXPIRES);
		cerbo__user_set_time(out, tslot, (int64_t)get64(buf + 14));
	}
	return 1;
}

static int
lookup(const struct cerbo__index *ix, const char *username,
    struct cerbo_user *out, unsigned char *buf, size_t buflen,
    struct cerbo__index_probe *probe)
{
	unsigned char win[WINDOW * 8];
	uint64_t h, tag, s, slot, n, i;
	int rc, read_one = 0;

	memset(probe, 0, sizeof(*probe));
	if (buflen < REC_MAX)
		return -1;
	h = name_hash(ix->key, username);
	tag = h >> SLOT_TAG_SHIFT;
	s = h & (ix->nhome - 1);
	while (s < ix->ntotal) {
		n = ix->ntotal - s < WINDOW ? ix->ntotal - s : WINDOW;
		probe->reads++;
		if (ix_read(ix, win, n * 8, ix->slots_off + s * 8) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			slot = get64(win + i * 8);
			if (slot == 0)
				goto miss;
			if (slot >> SLOT_TAG_SHIFT != tag)
				continue;
			read_one = 1;
			rc = read_record(ix, slot, username, out, buf, probe);
			if (rc != 0)
				return rc;
		}
		s += n;
	}
miss:
	/* A miss reads a record as a hit does (when it has not read one). */
	if (!read_one && ix->dummy != 0 &&
	    read_record(ix, ix->dummy, "", out, buf, probe) < 0)
		return -1;
	return 0;
}

/*
 * 1 when the open file's content is still what was opened: the same size
 * and mtime (a write sets the mtime; a chmod, which changes only the
 * ctime, is cerbo__index_current's business).
 */
static int
content_unchanged(const struct cerbo__index *ix)
{
	struct stat st;

	return fstat(ix->fd, &st) == 0 && st.st_size == ix->id.size &&
	    st.st_mtim.tv_sec == ix->id.mtime.tv_sec &&
	    st.st_mtim.tv_nsec == ix->id.mtime.tv_nsec;
}

/*
 * The lookup, and for an index read with pread, an fstat after the reads:
 * the fstat before them (cerbo__index_current) and the reads leave a
 * window in which the file could be written in place, and bytes read in
 * it are not believed (-1, as damaged).
 */
int
cerbo__index_lookup(const struct cerbo__index *ix, const char *username,
    struct cerbo_user *out, unsigned char *buf, size_t buflen,
    struct cerbo__index_probe *probe)
{
	struct cerbo__index_probe mine;
	int rc;

	if (probe == NULL)
		probe = &mine;
	rc = lookup(ix, username, out, buf, buflen, probe);
	if (rc >= 0 && ix->mem == NULL && !content_unchanged(ix)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return rc;
}

int
cerbo__index_find(const struct cerbo__index *ix, const char *username,
    struct cerbo_user *out, unsigned char *buf, size_t buflen)
{
	return cerbo__index_lookup(ix, username, out, buf, buflen, NULL);
}

/* The index file at path whole into a malloc'd *out (trust rule and
 * size checked); CERBO_E_NOTFOUND when there is none. */
static int
read_index(const char *path, unsigned char **out, size_t *outlen,
    struct cerbo_error *err)
{
	struct stat st;
	unsigned char *buf = NULL;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		cerbo__fail(err,
		    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO, "%s: %s",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		cerbo__fail(err, CERBO_E_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (cerbo__trust_file_stat(path, &st, err) != 0)
		goto out;
	if (!S_ISREG(st.st_mode) || st.st_size < HDR_SIZE ||
	    (uint64_t)st.st_size > (uint64_t)SLOT_OFF_MASK) {
		cerbo__fail(err, CERBO_E_STORE,
		    "%s: damaged or truncated index; run cerbo-apiuser compile",
		    path);
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (buf == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	if (pread_all(fd, buf, (size_t)st.st_size, 0) != 0) {
		cerbo__fail(err, CERBO_E_IO, "%s: read failed", path);
		goto out;
	}
	*out = buf;
	*outlen = (size_t)st.st_size;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, (size_t)st.st_size); /* hash strings */
		free(buf);
	}
	close(fd);
	return rc;
}

int
cerbo__index_compare(const char *path, const struct cerbo_store *store,
    const void *yaml, size_t len, const struct stat *yaml_st,
    struct cerbo_error *err)
{
	unsigned char tag[HDR_TAG_LEN], digest[32];
	int claims;
	struct cerbo__index_stamp stamp;
	struct cerbo_error rerr = CERBO_ERROR_INIT;
	unsigned char *file = NULL, *built = NULL;
	char ipath[PATH_MAX], hex[65];
	struct stat yst;
	size_t flen = 0, blen = 0;
	int rc = -1;

	if ((size_t)snprintf(ipath, sizeof(ipath), "%s%s", path,
	        CERBO__INDEX_SUFFIX) >= sizeof(ipath))
		return cerbo__fail(err, CERBO_E_INVALID, "store path too long");
	if (read_index(ipath, &file, &flen, &rerr) != 0) {
		if (rerr.status == CERBO_E_NOTFOUND)
			return 0; /* none: the verifier parses the YAML */
		cerbo__fail(err, rerr.status, "%s", rerr.message);
		return -1;
	}
	crypto_generichash(tag, sizeof(tag), file, HDR_TAG, NULL, 0);
	if (memcmp(file + HDR_MAGIC, MAGIC, 8) != 0 ||
	    sodium_memcmp(tag, file + HDR_TAG, sizeof(tag)) != 0 ||
	    get32(file + HDR_VERSION) != INDEX_VERSION) {
		cerbo__fail(err, CERBO_E_STORE,
		    "%s: damaged, or of another version; run cerbo-apiuser compile",
		    ipath);
		goto out;
	}
	/* An index that names another version of the store (by identity
	 * and by digest) is stale: readers pass it over.  One that names
	 * this version must be exactly what this version makes. */
	crypto_generichash(digest, sizeof(digest), yaml, len, NULL, 0);
	claims =
	    sodium_memcmp(digest, file + HDR_DIGEST, sizeof(digest)) == 0 ||
	    (get64(file + HDR_YAML_DEV) == (uint64_t)yaml_st->st_dev &&
	        get64(file + HDR_YAML_INO) == (uint64_t)yaml_st->st_ino &&
	        get64(file + HDR_YAML_SIZE) == (uint64_t)yaml_st->st_size &&
	        get64(file + HDR_YAML_MSEC) ==
	            (uint64_t)yaml_st->st_mtim.tv_sec &&
	        get64(file + HDR_YAML_MNSEC) ==
	            (uint64_t)yaml_st->st_mtim.tv_nsec);
	if (!claims) {
		cerbo__fail(err, CERBO_E_STATE,
		    "%s is stale: it describes another version of %s (readers parse the YAML); run cerbo-apiuser compile",
		    ipath, path);
		goto out;
	}
	/* The stamps the file claims, so that only its content is judged;
	 * the YAML identity claimed is the one that made the index, on this
	 * host or (a shipped pair) another. */
	memset(&stamp, 0, sizeof(stamp));
	memset(&yst, 0, sizeof(yst));
	yst.st_dev = (dev_t)get64(file + HDR_YAML_DEV);
	yst.st_ino = (ino_t)get64(file + HDR_YAML_INO);
	yst.st_size = (off_t)get64(file + HDR_YAML_SIZE);
	yst.st_mtim.tv_sec = (time_t)get64(file + HDR_YAML_MSEC);
	yst.st_mtim.tv_nsec = (long)get64(file + HDR_YAML_MNSEC);
	cerbo__digest_hex(yaml, len, hex);
	stamp.yaml_st = &yst;
	stamp.digest_hex = hex;
	cerbo__index_mac_key(yaml, len, stamp.mac_key);
	stamp.self_ino = get64(file + HDR_SELF_INO);
	stamp.self_mtime.tv_sec = (time_t)get64(file + HDR_SELF_MSEC);
	stamp.self_mtime.tv_nsec = (long)get64(file + HDR_SELF_MNSEC);
	stamp.hash_key = file + HDR_KEY;
	if (cerbo__index_build(store, &stamp, &built, &blen, err) != 0)
		goto out;
	if (blen != flen || memcmp(built, file, blen) != 0) {
		cerbo__fail(err, CERBO_E_STORE,
		    "%s claims to describe %s but does not (damaged or written in place); run cerbo-apiuser compile",
		    ipath, path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(stamp.mac_key, sizeof(stamp.mac_key));
	/* Both hold hash strings. */
	sodium_memzero(file, flen);
	free(file);
	if (built != NULL)
		sodium_memzero(built, blen);
	free(built);
	return rc;
}

int
cerbo__index_resident(const struct cerbo__index *ix)
{
	return ix->mem != NULL;
}

void
cerbo__index_file_id(const struct cerbo__index *ix, struct cerbo__file_id *out)
{
	*out = ix->id;
}

void
cerbo__index_close(struct cerbo__index *ix)
{
	if (ix == NULL)
		return;
	if (ix->fd >= 0)
		close(ix->fd);
	if (ix->mem != NULL) {
		sodium_memzero(ix->mem, (size_t)ix->file_size); /* hashes */
		free(ix->mem);
	}
	cerbo_store_free(ix->profiles);
	free(ix);
}
