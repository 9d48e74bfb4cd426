/*
 * The compiled index: what goes in comes out, a stale or damaged index is
 * refused, and a pair shipped from another host is recognised by digest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "index_format.h"
#include "internal.h"
#include "verify_threads.h"

#define NOW 1795000000 /* 2026-11-18 */

struct fixture {
	char dir[64];
	char path[128];
	char secret[CERBO_SECRET_GENERATED_SIZE];
	struct cerbo_store *store;
};

static void
write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
add_user(struct cerbo_store *s, const char *name, const char *secret)
{
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	char hash[CERBO_HASH_MAX];

	spec.username = name;
	spec.nickname = "Nick";
	spec.profile = "sched";
	spec.email = "ops@example.com";
	spec.description = "A user";

	assert_int_equal(cerbo_secret_hash(secret, strlen(secret), hash,
	                     sizeof(hash), NULL),
	    0);
	spec.secret_hash = hash;
	assert_int_equal(cerbo_user_add(s, &spec, NOW, NULL), 0);
}

/* Write the store as YAML and compile its index; *st gets the YAML's. */
static void
save(struct fixture *f, struct stat *st)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(cerbo_store_emit(f->store, &buf, &len, NULL), 0);
	write_file(f->path, buf, len);
	free(buf);
	assert_int_equal(cerbo_store_compile(f->path, NULL, NULL), 0);
	assert_int_equal(stat(f->path, st), 0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char secret2[CERBO_SECRET_GENERATED_SIZE];
	int changed;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/cerbo-index.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/apiusers.yaml", f->dir);
	f->store = cerbo__store_new();
	assert_non_null(f->store);
	assert_int_equal(cerbo_profile_add(f->store, "sched", "Scheduling",
	                     NULL),
	    0);
	assert_int_equal(cerbo_profile_rule_add(f->store, "sched",
	                     CERBO_RULE_ALLOW, "GET /api/v1/appointments/**",
	                     &changed, NULL),
	    0);
	assert_int_equal(cerbo_profile_rule_add(f->store, "sched",
	                     CERBO_RULE_DENY, "DELETE /**", &changed, NULL),
	    0);
	assert_int_equal(cerbo_secret_generate(f->secret, sizeof(f->secret)),
	    0);
	add_user(f->store, "pk_plain", f->secret);
	add_user(f->store, "pk_limits", f->secret);
	assert_int_equal(cerbo_user_set(f->store, "pk_limits",
	                     CERBO_USER_DISABLED, "true", NOW, &changed, NULL),
	    0);
	assert_int_equal(cerbo_user_set(f->store, "pk_limits",
	                     CERBO_USER_EXPIRES, "2027-01-01T00:00:00Z", NOW,
	                     &changed, NULL),
	    0);
	assert_int_equal(cerbo_user_set(f->store, "pk_limits",
	                     CERBO_USER_ALLOW_FROM,
	                     "192.0.2.0/24,2001:db8::/32", NOW, &changed, NULL),
	    0);
	assert_int_equal(cerbo_secret_generate(secret2, sizeof(secret2)), 0);
	{
		char hash[CERBO_HASH_MAX];

		assert_int_equal(cerbo_secret_hash(secret2, strlen(secret2),
		                     hash, sizeof(hash), NULL),
		    0);
		assert_int_equal(cerbo_user_set_secret(f->store, "pk_limits",
		                     hash, NOW, 3600, 0, NULL),
		    0);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	cerbo_store_free(f->store);
	free(f);
	return 0;
}

static void
index_returns_every_field_the_verifier_needs(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	const struct cerbo_user *want;
	struct cerbo_user got;
	unsigned char buf[CERBO__INDEX_RECORD_MAX];
	struct stat st;
	int i;
	static const enum cerbo_user_field fields[] = {CERBO_USER_PROFILE,
	    CERBO_USER_SECRET, CERBO_USER_OLD_SECRET,
	    CERBO_USER_OLD_SECRET_EXPIRES, CERBO_USER_EXPIRES,
	    CERBO_USER_ALLOW_FROM, CERBO_USER_DISABLED};

	save(f, &st);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	assert_int_equal(cerbo__index_find(ix, "pk_limits", &got, buf,
	                     sizeof(buf)),
	    1);
	want = cerbo_store_user_find(f->store, "pk_limits");
	assert_string_equal(cerbo_user_name(&got), "pk_limits");
	for (i = 0; i < (int)(sizeof(fields) / sizeof(fields[0])); i++)
		assert_string_equal(cerbo_user_get(&got, fields[i]),
		    cerbo_user_get(want, fields[i]));
	assert_int_equal(cerbo__user_time(&got, CERBO_USER_EXPIRES),
	    cerbo__user_time(want, CERBO_USER_EXPIRES));
	assert_int_equal(cerbo__index_find(ix, "pk_plain", &got, buf,
	                     sizeof(buf)),
	    1);
	assert_null(cerbo_user_get(&got, CERBO_USER_OLD_SECRET));
	assert_null(cerbo_user_get(&got, CERBO_USER_ALLOW_FROM));
	assert_string_equal(cerbo_user_get(&got, CERBO_USER_DISABLED), "false");
	cerbo__index_close(ix);
}

static void
index_keeps_profiles_and_their_rules(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	const struct cerbo_profile *p;
	struct stat st;

	save(f, &st);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	p = cerbo_store_profile_find(cerbo__index_profiles(ix), "sched");
	assert_non_null(p);
	assert_string_equal(cerbo_profile_description(p), "Scheduling");
	assert_int_equal(cerbo_profile_rule_count(p, CERBO_RULE_ALLOW), 1);
	assert_string_equal(cerbo_profile_rule_at(p, CERBO_RULE_ALLOW, 0),
	    "GET /api/v1/appointments/**");
	assert_string_equal(cerbo_profile_rule_at(p, CERBO_RULE_DENY, 0),
	    "DELETE /**");
	cerbo__index_close(ix);
}

static void
unknown_user_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_user got;
	unsigned char buf[CERBO__INDEX_RECORD_MAX];
	struct stat st;

	save(f, &st);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	assert_int_equal(cerbo__index_find(ix, "pk_nobody", &got, buf,
	                     sizeof(buf)),
	    0);
	assert_int_equal(cerbo__index_find(ix, "pk_plai", &got, buf,
	                     sizeof(buf)),
	    0);
	cerbo__index_close(ix);
}

static void
a_miss_makes_the_reads_a_hit_makes(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo__index_probe hit, miss;
	struct cerbo_user got;
	unsigned char buf[CERBO__INDEX_RECORD_MAX];
	struct stat st;

	save(f, &st);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	assert_int_equal(cerbo__index_lookup(ix, "pk_plain", &got, buf,
	                     sizeof(buf), &hit),
	    1);
	assert_int_equal(cerbo__index_lookup(ix, "pk_nobody", &got, buf,
	                     sizeof(buf), &miss),
	    0);
	/* The slots near the home slot, then one record: a miss reads a
	 * record too. */
	assert_int_equal(hit.reads, 2);
	assert_int_equal(miss.reads, 2);
	assert_true(miss.used > 0);
	cerbo__index_close(ix);
}

static void
missing_index_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	char idx[160];

	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(unlink(idx), 0);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, &err), -1);
	assert_int_equal(err.status, CERBO_E_NOTFOUND);
	assert_null(ix);
}

static void
edited_yaml_makes_the_index_stale(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	int changed;

	save(f, &st);
	/* A hand edit: new content, the old index stays. */
	assert_int_equal(cerbo_user_set(f->store, "pk_plain",
	                     CERBO_USER_DISABLED, "true", NOW, &changed, NULL),
	    0);
	{
		char *buf = NULL;
		size_t len = 0;

		assert_int_equal(cerbo_store_emit(f->store, &buf, &len, NULL),
		    0);
		write_file(f->path, buf, len);
		free(buf);
	}
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, &err), -1);
	assert_int_equal(err.status, CERBO_E_STATE);
	assert_non_null(strstr(err.message, "stale"));
}

static void
shipped_pair_is_recognised_by_digest(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct stat st, st2;
	char copy[160], cmd[800];

	save(f, &st);
	/* Another inode and mtime, the same bytes: as config management
	 * copies a compiled pair to a host. */
	snprintf(copy, sizeof(copy), "%s.copy", f->path);
	snprintf(cmd, sizeof(cmd), "cp %s %s && sleep 0.01 && mv %s %s",
	    f->path, copy, copy, f->path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(f->path, &st2), 0);
	assert_int_not_equal(st.st_ino, st2.st_ino);
	assert_int_equal(cerbo__index_open(f->path, &st2, 0, &ix, NULL), 0);
	cerbo__index_close(ix);
}

static void
truncated_index_is_damaged(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st, ist;
	char idx[160];

	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(stat(idx, &ist), 0);
	assert_int_equal(truncate(idx, ist.st_size - 1), 0);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, &err), -1);
	assert_int_equal(err.status, CERBO_E_STORE);
}

static void
flipped_header_byte_is_damaged(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	char idx[160];
	unsigned char c;
	int fd;

	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	fd = open(idx, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, 20), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, 20), 1);
	close(fd);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, &err), -1);
	assert_int_equal(err.status, CERBO_E_STORE);
}

static void
group_writable_index_is_refused(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;
	char idx[160];

	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(chmod(idx, 0660), 0);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, &err), -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
}

static void
index_has_the_store_mode(void **state)
{
	struct fixture *f = *state;
	struct stat st, ist;
	char idx[160];

	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(stat(idx, &ist), 0);
	assert_int_equal(ist.st_mode & 0777, st.st_mode & 0777);
	assert_int_equal(ist.st_gid, st.st_gid);
}

static void
ten_thousand_users_are_all_found(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_user got;
	unsigned char buf[CERBO__INDEX_RECORD_MAX];
	char name[32];
	struct stat st;
	int i;

	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "pk_u%05d", i);
		add_user(f->store, name, f->secret);
	}
	save(f, &st);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "pk_u%05d", i);
		assert_int_equal(cerbo__index_find(ix, name, &got, buf,
		                     sizeof(buf)),
		    1);
		assert_string_equal(cerbo_user_name(&got), name);
		assert_int_equal(cerbo_secret_check(cerbo_user_get(&got,
		                                        CERBO_USER_SECRET),
		                     f->secret, strlen(f->secret)),
		    0);
	}
	cerbo__index_close(ix);
}

/*
 * Among many users, hits and misses make two reads each; a third only
 * when a probe runs past the slots read at once or two names share the
 * slot's hash bits, which is rare for both alike.
 */
static void
hits_and_misses_make_two_reads_among_many_users(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo__index_probe probe;
	struct cerbo_user got;
	unsigned char buf[CERBO__INDEX_RECORD_MAX];
	unsigned long more[2] = {0, 0};
	char name[32];
	struct stat st;
	int i, hit;

	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "pk_u%05d", i);
		add_user(f->store, name, f->secret);
	}
	save(f, &st);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	for (i = 0; i < 20000; i++) {
		hit = i % 2 == 0;
		snprintf(name, sizeof(name), hit ? "pk_u%05d" : "pk_x%05d",
		    i / 2);
		assert_int_equal(cerbo__index_lookup(ix, name, &got, buf,
		                     sizeof(buf), &probe),
		    hit);
		assert_in_range(probe.reads, 2, 3);
		if (probe.reads > 2)
			more[hit]++;
	}
	fprintf(stderr,
	    "# three reads: %lu of 10000 hits, %lu of 10000 "
	    "misses\n",
	    more[1], more[0]);
	assert_in_range(more[1], 0, 50);
	assert_in_range(more[0], 0, 50);
	cerbo__index_close(ix);
}

static void
compile_writes_an_index_that_matches(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	char *buf = NULL, idx[160];
	size_t len = 0;
	struct stat st;

	assert_int_equal(cerbo_store_emit(f->store, &buf, &len, NULL), 0);
	write_file(f->path, buf, len);
	free(buf);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(access(idx, F_OK), -1);
	assert_int_equal(cerbo_store_compile(f->path, NULL, NULL), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	cerbo__index_close(ix);
}

/* One verification through cerbo_verify, no request: the verdict code. */
static enum cerbo_verdict_code
verify_key(const char *path, const char *user, const char *secret)
{
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	va = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	va.store_path = path;
	va.username = user;
	va.secret = secret;
	va.secret_len = strlen(secret);
	va.now = NOW;
	assert_int_equal(cerbo_verify(&va, &v), 0);
	return v.code;
}

/* Overwrite, in place, the first copy of old (a hash string) in the file
 * at path with new of the same length. */
static void
rewrite_in_place(const char *path, const char *old, const char *new)
{
	char *buf, *at;
	struct stat st;
	int fd;

	assert_int_equal(strlen(old), strlen(new));
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0),
	    (ssize_t)st.st_size);
	buf[st.st_size] = '\0';
	at = memmem(buf, (size_t)st.st_size, old, strlen(old));
	assert_non_null(at);
	assert_int_equal(pwrite(fd, new, strlen(new), at - buf),
	    (ssize_t)strlen(new));
	assert_int_equal(close(fd), 0);
	free(buf);
}

/*
 * A worker that verified through the index keeps its descriptor.  When
 * the index turns group-writable and a member of the group puts its own
 * hash into a record, the next verification in that process must not
 * accept the planted key: the open index is checked on every call.
 */
static void
index_made_writable_and_rewritten_is_not_read_again(void **state)
{
	struct fixture *f = *state;
	char planted[CERBO_SECRET_GENERATED_SIZE], hash[CERBO_HASH_MAX];
	char idx[160];
	struct stat st;

	cerbo__verify_cache_clear();
	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	assert_int_equal(cerbo_secret_generate(planted, sizeof(planted)), 0);
	assert_int_equal(cerbo_secret_hash(planted, strlen(planted), hash,
	                     sizeof(hash), NULL),
	    0);
	assert_int_equal(chmod(idx, 0660), 0);
	rewrite_in_place(idx,
	    cerbo_user_get(cerbo_store_user_find(f->store, "pk_plain"),
	        CERBO_USER_SECRET),
	    hash);
	assert_int_equal(verify_key(f->path, "pk_plain", planted),
	    CERBO_DENY_CREDENTIALS);
	/* The YAML answers instead: the real key still works. */
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	cerbo__verify_cache_clear();
}

/*
 * `cp other.idx apiusers.yaml.idx` writes into the open file: the
 * process must not look new bytes up with the old header.  The new bytes
 * are the index of another store, so the YAML is parsed instead.
 */
static void
index_copied_over_in_place_is_not_read_with_the_old_header(void **state)
{
	struct fixture *f = *state;
	struct cerbo_store *keep = f->store;
	char other[160], idx[160], oidx[160], buf[65536];
	char planted[CERBO_SECRET_GENERATED_SIZE];
	struct stat st, ost;
	ssize_t n;
	int in, out;

	cerbo__verify_cache_clear();
	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);

	/* Another store in the same folder, where pk_plain has another key
	 * and there is one user more. */
	assert_int_equal(cerbo_secret_generate(planted, sizeof(planted)), 0);
	f->store = cerbo__store_new();
	assert_non_null(f->store);
	assert_int_equal(cerbo_profile_add(f->store, "sched", NULL, NULL), 0);
	add_user(f->store, "pk_plain", planted);
	add_user(f->store, "pk_other", planted);
	snprintf(other, sizeof(other), "%s/other.yaml", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/other.yaml", f->dir);
	save(f, &ost);
	snprintf(f->path, sizeof(f->path), "%s/apiusers.yaml", f->dir);
	cerbo_store_free(f->store);
	f->store = keep;

	cerbo__index_path(other, oidx, sizeof(oidx));
	in = open(oidx, O_RDONLY);
	assert_true(in >= 0);
	out = open(idx, O_WRONLY | O_TRUNC);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(close(in), 0);
	assert_int_equal(close(out), 0);

	assert_int_equal(verify_key(f->path, "pk_plain", planted),
	    CERBO_DENY_CREDENTIALS);
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	cerbo__verify_cache_clear();
}

/*
 * Write over the index of f's store, in place, the index of another store
 * (in which pk_plain has the key planted and pk_other exists), as a
 * process does that opened the index while it was group-writable and
 * kept the descriptor after `chmod g-w`.  The other index's header is
 * patched as a careful forger would: the YAML identity of f's store
 * (patch_identity) or the digest of its bytes (patch_digest), the self
 * stamp of the index it replaces, and the header tag recomputed.
 */
static void forge_in_place_mac(struct fixture *f, const char *planted,
    int patch_identity, int patch_digest, int with_mac);

static void
forge_in_place(struct fixture *f, const char *planted, int patch_identity,
    int patch_digest)
{
	forge_in_place_mac(f, planted, patch_identity, patch_digest, 0);
}

/* The same; with_mac: the forger could read the YAML, and made the MAC
 * an index shipped with it would carry. */
static void
forge_in_place_mac(struct fixture *f, const char *planted, int patch_identity,
    int patch_digest, int with_mac)
{
	struct cerbo_store *keep = f->store;
	char other[160], idx[160], oidx[160];
	unsigned char legit[HDR_SIZE], *buf;
	struct stat st, ost, ist;
	char *yaml = NULL;
	size_t ylen = 0;
	int fd;

	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(chmod(idx, 0660), 0);
	fd = open(idx, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(chmod(idx, 0640), 0);
	assert_int_equal(pread(fd, legit, sizeof(legit), 0), HDR_SIZE);

	f->store = cerbo__store_new();
	assert_non_null(f->store);
	assert_int_equal(cerbo_profile_add(f->store, "sched", NULL, NULL), 0);
	add_user(f->store, "pk_plain", planted);
	add_user(f->store, "pk_other", planted);
	snprintf(other, sizeof(other), "%s/other.yaml", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/other.yaml", f->dir);
	save(f, &ost);
	snprintf(f->path, sizeof(f->path), "%s/apiusers.yaml", f->dir);
	cerbo_store_free(f->store);
	f->store = keep;

	cerbo__index_path(other, oidx, sizeof(oidx));
	assert_int_equal(stat(oidx, &ist), 0);
	buf = malloc((size_t)ist.st_size);
	assert_non_null(buf);
	{
		int in = open(oidx, O_RDONLY);

		assert_true(in >= 0);
		assert_int_equal(pread(in, buf, (size_t)ist.st_size, 0),
		    ist.st_size);
		close(in);
	}
	if (patch_identity) {
		put64(buf + HDR_YAML_DEV, (uint64_t)st.st_dev);
		put64(buf + HDR_YAML_INO, (uint64_t)st.st_ino);
		put64(buf + HDR_YAML_SIZE, (uint64_t)st.st_size);
		put64(buf + HDR_YAML_MSEC, (uint64_t)st.st_mtim.tv_sec);
		put64(buf + HDR_YAML_MNSEC, (uint64_t)st.st_mtim.tv_nsec);
	}
	assert_int_equal(cerbo__read_file(f->path, 0, &yaml, &ylen, NULL, NULL),
	    0);
	if (patch_digest)
		crypto_generichash(buf + HDR_DIGEST, 32,
		    (const unsigned char *)yaml, ylen, NULL, 0);
	memcpy(buf + HDR_SELF_INO, legit + HDR_SELF_INO,
	    HDR_MAC - HDR_SELF_INO);
	if (with_mac) {
		crypto_generichash_state mst;
		unsigned char key[32];

		cerbo__index_mac_key(yaml, ylen, key);
		crypto_generichash_init(&mst, key, sizeof(key), HDR_MAC_LEN);
		crypto_generichash_update(&mst, buf, HDR_MAC);
		crypto_generichash_update(&mst, buf + HDR_SIZE,
		    (size_t)ist.st_size - HDR_SIZE);
		crypto_generichash_final(&mst, buf + HDR_MAC, HDR_MAC_LEN);
	}
	free(yaml);
	crypto_generichash(buf + HDR_TAG, HDR_TAG_LEN, buf, HDR_TAG, NULL, 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, buf, (size_t)ist.st_size, 0), ist.st_size);
	assert_int_equal(close(fd), 0);
	free(buf);
}

/* A fresh process does not believe an index written in place, however
 * well its stamps were patched: the YAML is parsed instead. */
static void
index_written_in_place_is_not_believed_when_opened(void **state)
{
	struct fixture *f = *state;
	char planted[CERBO_SECRET_GENERATED_SIZE];
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;

	save(f, &st);
	assert_int_equal(cerbo_secret_generate(planted, sizeof(planted)), 0);
	forge_in_place(f, planted, 1, 1);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, &err), -1);
	assert_null(ix);
	assert_int_equal(err.status, CERBO_E_STATE);
	assert_non_null(strstr(err.message, "in place"));
	cerbo__verify_cache_clear();
	assert_int_equal(verify_key(f->path, "pk_other", planted),
	    CERBO_DENY_CREDENTIALS);
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	cerbo__verify_cache_clear();
}

/* The same with only the digest of the YAML's bytes patched, as a pair
 * shipped from elsewhere is recognised: the MAC keyed by those bytes
 * refuses it. */
static void
index_with_a_patched_digest_is_not_believed(void **state)
{
	struct fixture *f = *state;
	char planted[CERBO_SECRET_GENERATED_SIZE];
	struct cerbo__index *ix = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct stat st;

	save(f, &st);
	assert_int_equal(cerbo_secret_generate(planted, sizeof(planted)), 0);
	forge_in_place(f, planted, 0, 1);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, &err), -1);
	assert_int_equal(err.status, CERBO_E_STATE);
	assert_non_null(strstr(err.message, "in place"));
}

/*
 * A running verifier that looked users up in the index sees it change,
 * opens it again, and does not believe it either: the YAML answers, and
 * the first verdict after the change says so in its notice, once.
 */
static void
index_written_in_place_is_not_believed_by_a_running_verifier(void **state)
{
	struct fixture *f = *state;
	char planted[CERBO_SECRET_GENERATED_SIZE];
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct stat st;

	cerbo__verify_cache_clear();
	save(f, &st);
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	assert_int_equal(cerbo_secret_generate(planted, sizeof(planted)), 0);
	forge_in_place(f, planted, 1, 1);
	va.store_path = f->path;
	va.username = "pk_other";
	va.secret = planted;
	va.secret_len = strlen(planted);
	va.now = NOW;
	assert_int_equal(cerbo_verify(&va, &v), 0);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_non_null(strstr(v.notice, "in place"));
	va.username = "pk_plain";
	v = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	assert_int_equal(cerbo_verify(&va, &v), 0);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_string_equal(v.notice, "");
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	cerbo__verify_cache_clear();
}

/*
 * A forger who can also read the YAML can make the MAC a shipped pair
 * carries; a process that read the index before still does not believe
 * it: the same inode with other content was written in place.
 */
static void
index_forged_with_its_mac_is_not_believed_where_it_was_read(void **state)
{
	struct fixture *f = *state;
	char planted[CERBO_SECRET_GENERATED_SIZE];
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct stat st;

	cerbo__verify_cache_clear();
	save(f, &st);
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	assert_int_equal(cerbo_secret_generate(planted, sizeof(planted)), 0);
	forge_in_place_mac(f, planted, 1, 1, 1);
	va.store_path = f->path;
	va.username = "pk_other";
	va.secret = planted;
	va.secret_len = strlen(planted);
	va.now = NOW;
	assert_int_equal(cerbo_verify(&va, &v), 0);
	assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
	assert_non_null(strstr(v.notice, "since this process read it"));
	assert_int_equal(verify_key(f->path, "pk_plain", f->secret),
	    CERBO_ALLOW);
	cerbo__verify_cache_clear();
}

/* An index read with pread: a lookup whose reads overlap a write in
 * place is not believed (the fstat after the reads sees the change). */
static void
pread_lookup_after_a_write_in_place_is_not_believed(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_user got;
	unsigned char buf[CERBO__INDEX_RECORD_MAX], c;
	char idx[160];
	size_t keep = cerbo__index_resident_max;
	struct stat st;
	int fd;

	save(f, &st);
	cerbo__index_resident_max = 0;
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	cerbo__index_resident_max = keep;
	assert_int_equal(cerbo__index_resident(ix), 0);
	assert_int_equal(cerbo__index_find(ix, "pk_plain", &got, buf,
	                     sizeof(buf)),
	    1);
	cerbo__index_path(f->path, idx, sizeof(idx));
	fd = open(idx, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, HDR_SIZE), 1);
	assert_int_equal(pwrite(fd, &c, 1, HDR_SIZE), 1); /* same byte */
	assert_int_equal(close(fd), 0);
	assert_int_equal(cerbo__index_find(ix, "pk_plain", &got, buf,
	                     sizeof(buf)),
	    -1);
	cerbo__index_close(ix);
}

/* cerbo_store_usable(): what the verifier would make of the store. */
static void
store_usable_says_whether_and_why(void **state)
{
	struct fixture *f = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char missing[160];
	struct stat st;

	cerbo__verify_cache_clear();
	save(f, &st);
	assert_int_equal(cerbo_store_usable(f->path, 0, &err), 0);
	assert_int_equal(cerbo_store_usable(f->path, CERBO_USABLE_INDEX, &err),
	    0);
	assert_int_equal(cerbo_store_usable(f->path, 0x2, &err), -1);
	assert_int_equal(err.status, CERBO_E_INVALID);
	snprintf(missing, sizeof(missing), "%s/none.yaml", f->dir);
	assert_int_equal(cerbo_store_usable(missing, 0, &err), -1);
	assert_int_equal(err.status, CERBO_E_NOTFOUND);
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(cerbo_store_usable(f->path, 0, &err), -1);
	assert_int_equal(err.status, CERBO_E_UNSAFE);
	assert_int_equal(chmod(f->path, 0640), 0);
	write_file(f->path, "cerbo_store: 1\nprofiles: [\n", 27);
	assert_int_equal(cerbo_store_usable(f->path, 0, &err), -1);
	assert_int_equal(err.status, CERBO_E_STORE);
	cerbo__verify_cache_clear();
}

/* `check`'s comparison: an index written in place is told apart, though
 * the verifier answers (from the YAML); a shipped pair is not. */
static void
store_usable_compares_the_index_with_the_store(void **state)
{
	struct fixture *f = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char planted[CERBO_SECRET_GENERATED_SIZE], idx[160], cmd[800];
	struct stat st;

	cerbo__verify_cache_clear();
	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	snprintf(cmd, sizeof(cmd), "cp -p %s %s.copy && mv %s.copy %s", idx,
	    idx, idx, idx);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cerbo_store_usable(f->path, CERBO_USABLE_INDEX, &err),
	    0);
	assert_int_equal(cerbo_secret_generate(planted, sizeof(planted)), 0);
	forge_in_place(f, planted, 1, 1);
	assert_int_equal(cerbo_store_usable(f->path, 0, &err), 0);
	assert_int_equal(cerbo_store_usable(f->path, CERBO_USABLE_INDEX, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_STORE);
	assert_non_null(strstr(err.message, "cerbo-apiuser compile"));
	assert_int_equal(cerbo_store_compile(f->path, NULL, NULL), 0);
	assert_int_equal(cerbo_store_usable(f->path, CERBO_USABLE_INDEX, &err),
	    0);
	/* The YAML replaced without the tools: the index is stale, which
	 * readers pass over, and said apart from one written in place. */
	assert_int_equal(cerbo_user_set(f->store, "pk_plain",
	                     CERBO_USER_NICKNAME, "Changed", NOW, NULL, NULL),
	    0);
	{
		char *buf = NULL;
		size_t len = 0;

		assert_int_equal(cerbo_store_emit(f->store, &buf, &len, NULL),
		    0);
		write_file(f->path, buf, len);
		free(buf);
	}
	assert_int_equal(cerbo_store_usable(f->path, CERBO_USABLE_INDEX, &err),
	    -1);
	assert_int_equal(err.status, CERBO_E_STATE);
	assert_non_null(strstr(err.message, "stale"));
	cerbo__verify_cache_clear();
}

/*
 * Threads that verify through the index while its mode flips between
 * trusted and group-writable: each call checks the open index outside the
 * cache lock, on its own reference, and a failed check reloads.  Every
 * call must still answer (from the index or from the YAML), and no
 * snapshot may be freed while a call uses it (ASan runs this too).
 */
static void
threads_verify_while_the_index_flips_trust(void **state)
{
	struct fixture *f = *state;
	struct verify_threads vt;
	struct cerbo_verify_args args = CERBO_VERIFY_ARGS_INIT;
	char idx[160];
	struct stat st;
	int i, allowed, refused, errors;

	cerbo__verify_cache_clear();
	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	vt.args = &args;
	args.store_path = f->path;
	args.username = "pk_plain";
	args.secret = f->secret;
	args.secret_len = strlen(f->secret);
	args.now = NOW;
	verify_threads_start(&vt);
	for (i = 0; i < 200; i++) {
		assert_int_equal(chmod(idx, i % 2 ? 0640 : 0660), 0);
		usleep(500);
	}
	verify_threads_stop(&vt, &allowed, &refused, &errors);
	assert_int_equal(refused, 0);
	assert_int_equal(errors, 0);
	print_message("# %d verifications across 200 mode changes\n", allowed);
	assert_true(allowed > 0);
	assert_int_equal(chmod(idx, 0640), 0);
	cerbo__verify_cache_clear();
}

/*
 * A small index is read whole at open: its lookups read no more of the
 * file (bytes written over it afterwards do not reach them; the verifier
 * sees such a change by its fstat and opens the index again).  Above the
 * limit every lookup reads the file.
 */
static void
small_index_is_read_whole_at_open(void **state)
{
	struct fixture *f = *state;
	struct cerbo__index *ix = NULL;
	struct cerbo_user got;
	unsigned char buf[CERBO__INDEX_RECORD_MAX];
	char idx[160], zeros[4096];
	struct stat st;
	size_t keep = cerbo__index_resident_max;
	int fd;

	save(f, &st);
	cerbo__index_path(f->path, idx, sizeof(idx));
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	assert_int_equal(cerbo__index_resident(ix), keep > 0);
	if (keep > 0) {
		memset(zeros, 0, sizeof(zeros));
		fd = open(idx, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, zeros, sizeof(zeros), 0),
		    (ssize_t)sizeof(zeros));
		assert_int_equal(close(fd), 0);
		assert_int_equal(cerbo__index_find(ix, "pk_plain", &got, buf,
		                     sizeof(buf)),
		    1);
		assert_int_equal(cerbo__index_current(ix, NULL), -1);
	}
	cerbo__index_close(ix);
	cerbo__index_resident_max = 0;
	save(f, &st);
	assert_int_equal(cerbo__index_open(f->path, &st, 0, &ix, NULL), 0);
	assert_int_equal(cerbo__index_resident(ix), 0);
	assert_int_equal(cerbo__index_find(ix, "pk_plain", &got, buf,
	                     sizeof(buf)),
	    1);
	cerbo__index_close(ix);
	cerbo__index_resident_max = keep;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        index_returns_every_field_the_verifier_needs, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        threads_verify_while_the_index_flips_trust, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        index_keeps_profiles_and_their_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_user_is_not_found, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(a_miss_makes_the_reads_a_hit_makes,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_index_is_not_found, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(edited_yaml_makes_the_index_stale,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        shipped_pair_is_recognised_by_digest, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        index_written_in_place_is_not_believed_when_opened, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        index_with_a_patched_digest_is_not_believed, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        index_written_in_place_is_not_believed_by_a_running_verifier,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        pread_lookup_after_a_write_in_place_is_not_believed, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        index_forged_with_its_mac_is_not_believed_where_it_was_read,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(store_usable_says_whether_and_why,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        store_usable_compares_the_index_with_the_store, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(truncated_index_is_damaged, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(flipped_header_byte_is_damaged,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(group_writable_index_is_refused,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(index_has_the_store_mode, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(ten_thousand_users_are_all_found,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        hits_and_misses_make_two_reads_among_many_users, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        compile_writes_an_index_that_matches, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        index_made_writable_and_rewritten_is_not_read_again, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        index_copied_over_in_place_is_not_read_with_the_old_header,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(small_index_is_read_whole_at_open,
	        setup, teardown),
	};
	int failed;

	if (sodium_init() < 0)
		return 1;
	/* Every test twice: indexes read whole at open, then indexes read
	 * with pread per lookup, as a large one is. */
	failed = cmocka_run_group_tests_name("resident", tests, NULL, NULL);
	cerbo__index_resident_max = 0;
	failed += cmocka_run_group_tests_name("pread", tests, NULL, NULL);
	return failed;
}
