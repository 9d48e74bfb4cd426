/*
 * index_build.c - the compiled index, built whole in memory from a store
 * (layout: index_format.h; index.c reads it, txn.c writes it to disk).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "index_format.h"
#include "internal.h"

/* A growable byte buffer for building the index in memory. */
struct buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

static int
buf_reserve(struct buf *b, size_t more)
{
	unsigned char *np;
	size_t cap;

	if (more <= b->cap - b->len)
		return 0;
	cap = b->cap != 0 ? b->cap : 4096;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	np = realloc(b->p, cap);
	if (np == NULL)
		return -1;
	b->p = np;
	b->cap = cap;
	return 0;
}

static int
buf_put(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) != 0)
		return -1;
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static int
buf_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4];

	put32(p, v);
	return buf_put(b, p, sizeof(p));
}

/* A string as u16 length and bytes; with_nul adds a NUL after them. */
static int
buf_str(struct buf *b, const char *s, int with_nul)
{
	size_t len = s != NULL ? strlen(s) : 0;
	unsigned char p[2];

	if (len > UINT16_MAX)
		return -1;
	put16(p, (uint16_t)len);
	if (buf_put(b, p, 2) != 0 || buf_put(b, s, len) != 0)
		return -1;
	return with_nul ? buf_put(b, "", 1) : 0;
}

static int
put_profiles(struct buf *b, const struct cerbo_store *store)
{
	size_t i, j, n = cerbo_store_profile_count(store);
	int k;

	if (buf_u32(b, (uint32_t)n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct cerbo_profile *p =
		    cerbo_store_profile_at(store, i);

		if (buf_str(b, cerbo_profile_name(p), 0) != 0 ||
		    buf_str(b, cerbo_profile_description(p), 0) != 0)
			return -1;
		for (k = CERBO_RULE_ALLOW; k <= CERBO_RULE_DENY; k++) {
			size_t nr = cerbo_profile_rule_count(p,
			    (enum cerbo_rule_kind)k);

			if (buf_u32(b, (uint32_t)nr) != 0)
				return -1;
			for (j = 0; j < nr; j++)
				if (buf_str(b,
				        cerbo_profile_rule_at(p,
				            (enum cerbo_rule_kind)k, j),
				        0) != 0)
					return -1;
		}
	}
	/* The usage file rides at the end of the profile section, where an
	 * index written before it existed simply ends. */
	if (cerbo_store_usage_file(store) != NULL &&
	    buf_str(b, cerbo_store_usage_file(store), 0) != 0)
		return -1;
	return 0;
}

static int
put_record(struct buf *b, const struct cerbo_user *u)
{
	static const enum cerbo_user_field strs[REC_STRINGS - 1] =
	    {CERBO_USER_PROFILE, CERBO_USER_SECRET, CERBO_USER_OLD_SECRET,
	        CERBO_USER_ALLOW_FROM};
	unsigned char fixed[REC_FIXED];
	size_t start = b->len, i;
	unsigned flags = 0;

	if (cerbo_user_get(u, CERBO_USER_EXPIRES) != NULL)
		flags |= FLAG_EXPIRES;
	if (cerbo_user_get(u, CERBO_USER_OLD_SECRET_EXPIRES) != NULL)
		flags |= FLAG_OLD_EXPIRES;
	put32(fixed, 0); /* length, set below */
	fixed[4] = (unsigned char)(cerbo_user_disabled(u) ? 1 : 0);
	fixed[5] = (unsigned char)flags;
	put64(fixed + 6, (uint64_t)cerbo__user_time(u, CERBO_USER_EXPIRES));
	put64(fixed + 14,
	    (uint64_t)cerbo__user_time(u, CERBO_USER_OLD_SECRET_EXPIRES));
	if (buf_put(b, fixed, sizeof(fixed)) != 0 ||
	    buf_str(b, cerbo_user_name(u), 1) != 0)
		return -1;
	for (i = 0; i < REC_STRINGS - 1; i++)
		if (buf_str(b, cerbo_user_get(u, strs[i]), 1) != 0)
			return -1;
	if (b->len - start > REC_MAX)
		return -1;
	put32(b->p + start, (uint32_t)(b->len - start));
	return 0;
}

static uint64_t
slot_pack(uint64_t off, uint64_t len, uint64_t hash)
{
	return off | len << SLOT_OFF_BITS |
	    (hash >> SLOT_TAG_SHIFT) << SLOT_TAG_SHIFT;
}

/* A public constant that keeps the MAC key apart from the digest of the
 * same bytes (which the header holds). */
static const unsigned char mac_domain[32] = "cerbo index mac key, version 3";

void
cerbo__index_mac_init(crypto_generichash_state *st)
{
	crypto_generichash_init(st, mac_domain, sizeof(mac_domain), 32);
}

void
cerbo__index_mac_key(const void *yaml, size_t len, unsigned char out[32])
{
	crypto_generichash_state st;

	cerbo__index_mac_init(&st);
	crypto_generichash_update(&st, yaml, len);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof(st));
}

/* The MAC of an index whose header is otherwise complete (layout). */
static void
seal(unsigned char *p, size_t len, const unsigned char mac_key[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, mac_key, 32, HDR_MAC_LEN);
	crypto_generichash_update(&st, p, HDR_MAC);
	crypto_generichash_update(&st, p + HDR_SIZE, len - HDR_SIZE);
	crypto_generichash_final(&st, p + HDR_MAC, HDR_MAC_LEN);
	sodium_memzero(&st, sizeof(st));
	crypto_generichash(p + HDR_TAG, HDR_TAG_LEN, p, HDR_TAG, NULL, 0);
}

int
cerbo__index_build(const struct cerbo_store *store,
    const struct cerbo__index_stamp *stamp, unsigned char **out, size_t *outlen,
    struct cerbo_error *err)
{
	const struct stat *yaml_st = stamp->yaml_st;
	const char *digest_hex = stamp->digest_hex;
	struct buf b = {NULL, 0, 0};
	unsigned char *hdr, key[crypto_shorthash_KEYBYTES];
	uint64_t nhome = 16, ntotal, cap, *slots = NULL, *ns, s, h, dummy = 0;
	size_t i, n = cerbo_store_user_count(store), profiles_len, slots_at;
	size_t bin_len = 0, start;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if (cerbo__sodium_init() != 0)
		return cerbo__fail(err, CERBO_E_IO, "libsodium unavailable");
	if (n > UINT32_MAX / 4)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "too many users for an index");
	while (nhome < 2 * (uint64_t)n)
		nhome *= 2;
	cap = nhome + WINDOW;
	slots = calloc(cap, sizeof(*slots));
	if (slots == NULL || buf_reserve(&b, HDR_SIZE) != 0)
		goto nomem;
	memset(b.p, 0, HDR_SIZE);
	b.len = HDR_SIZE;
	if (put_profiles(&b, store) != 0)
		goto nomem;
	profiles_len = b.len - HDR_SIZE;
	if (profiles_len > UINT32_MAX)
		goto nomem;
	if (stamp->hash_key != NULL)
		memcpy(key, stamp->hash_key, sizeof(key));
	else
		randombytes_buf(key, sizeof(key));

	/* Records first, into place after the slots once ntotal is known:
	 * the slots are built in memory, the records in b at a provisional
	 * offset, and offsets are shifted when the slots are put in. */
	slots_at = b.len;
	ntotal = nhome;
	for (i = 0; i < n; i++) {
		const struct cerbo_user *u = cerbo_store_user_at(store, i);

		start = b.len;
		if (put_record(&b, u) != 0 || b.len - start > SLOT_REC_MAX) {
			cerbo__fail(err, CERBO_E_INVALID,
			    "user %s does not fit an index record",
			    cerbo_user_name(u));
			goto out;
		}
		h = name_hash(key, cerbo_user_name(u));
		s = h & (nhome - 1);
		while (slots[s] != 0) {
			if (++s == cap) {
				ns = realloc(slots,
				    (cap + 1024) * sizeof(*slots));
				if (ns == NULL)
					goto nomem;
				memset(ns + cap, 0, 1024 * sizeof(*ns));
				slots = ns;
				cap += 1024;
			}
		}
		/* Provisional: the offset within the records; 0 stays
		 * "empty", so store it plus one until the shift below. */
		slots[s] = slot_pack(start - slots_at + 1, b.len - start, h);
		if (s + 1 > ntotal)
			ntotal = s + 1;
	}
	if (ntotal > UINT32_MAX)
		goto nomem;
	/* Make room for the slots before the records. */
	if (buf_reserve(&b, ntotal * 8) != 0)
		goto nomem;
	memmove(b.p + slots_at + ntotal * 8, b.p + slots_at, b.len - slots_at);
	b.len += ntotal * 8;
	if (b.len > SLOT_OFF_MASK) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "store too large for an index");
		goto out;
	}
	for (s = 0; s < ntotal; s++) {
		if (slots[s] != 0)
			/* The real offset: past the header, profiles and
			 * slots (minus the one added above). */
			slots[s] += slots_at + ntotal * 8 - 1;
		put64(b.p + slots_at + s * 8, slots[s]);
		if (dummy == 0)
			dummy = slots[s];
	}

	hdr = b.p;
	memcpy(hdr + HDR_MAGIC, MAGIC, 8);
	put32(hdr + HDR_VERSION, INDEX_VERSION);
	put32(hdr + HDR_NUSERS, (uint32_t)n);
	put64(hdr + HDR_FILE_SIZE, b.len);
	put64(hdr + HDR_YAML_DEV, (uint64_t)yaml_st->st_dev);
	put64(hdr + HDR_YAML_INO, (uint64_t)yaml_st->st_ino);
	put64(hdr + HDR_YAML_SIZE, (uint64_t)yaml_st->st_size);
	put64(hdr + HDR_YAML_MSEC, (uint64_t)yaml_st->st_mtim.tv_sec);
	put64(hdr + HDR_YAML_MNSEC, (uint64_t)yaml_st->st_mtim.tv_nsec);
	if (digest_hex == NULL ||
	    sodium_hex2bin(hdr + HDR_DIGEST, 32, digest_hex, strlen(digest_hex),
	        NULL, &bin_len, NULL) != 0 ||
	    bin_len != 32) {
		cerbo__fail(err, CERBO_E_INVALID, "store digest missing");
		goto out;
	}
	memcpy(hdr + HDR_KEY, key, sizeof(key));
	put32(hdr + HDR_NHOME, (uint32_t)nhome);
	put32(hdr + HDR_PROFILES_LEN, (uint32_t)profiles_len);
	put64(hdr + HDR_GENERATION, cerbo_store_generation(store));
	put64(hdr + HDR_SLOTS_OFF, slots_at);
	put64(hdr + HDR_PROFILES_OFF, HDR_SIZE);
	put64(hdr + HDR_NTOTAL, ntotal);
	put64(hdr + HDR_DUMMY, dummy);
	put64(hdr + HDR_SELF_INO, stamp->self_ino);
	put64(hdr + HDR_SELF_MSEC, (uint64_t)stamp->self_mtime.tv_sec);
	put64(hdr + HDR_SELF_MNSEC, (uint64_t)stamp->self_mtime.tv_nsec);
	seal(hdr, b.len, stamp->mac_key);

	*out = b.p;
	*outlen = b.len;
	b.p = NULL;
	rc = 0;
	goto out;
nomem:
	cerbo__fail(err, CERBO_E_NOMEM, "out of memory building the index");
out:
	if (b.p != NULL) {
		/* The records hold hash strings. */
		sodium_memzero(b.p, b.len);
		free(b.p);
	}
	free(slots);
	sodium_memzero(key, sizeof(key));
	return rc;
}
