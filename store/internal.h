/*
 * internal.h - what the files of libcerbo share with each other and with
 * the PAM module and tests that link the static library.  Not installed.
 * Internal names start with "cerbo__" and are not exported from the
 * shared library.
 */
#ifndef CERBO_INTERNAL_H
#define CERBO_INTERNAL_H

#include <sys/stat.h>
#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

/* The library keeps its NULL checks (cerbo.h, CERBO_NONNULL); so do the
 * tests that prove them. */
#define CERBO_NO_NONNULL 1
#include "cerbo.h"

/* ---- Library functions no front end uses -------------------------------
 * Kept out of cerbo.h, and so out of libcerbo.so.0's symbols (the ABI):
 * the library's files and the tests, which link libcerbo.a, use them.
 */
/* An empty, valid store (no profiles, no users, generation 0). */
struct cerbo_store *cerbo__store_new(void);
/* The format version the file declared (CERBO_STORE_FORMAT when new). */
int cerbo__store_format(const struct cerbo_store *store);
/* Hex BLAKE2b-256 of any bytes; out must hold 65 bytes. */
void cerbo__digest_hex(const void *buf, size_t len, char out[65]);
/* The field for a YAML key; -1 if unknown. */
int cerbo__user_field_from_name(const char *name);
/* Times as seconds since the epoch; 0 when unset. */
int64_t cerbo__user_time(const struct cerbo_user *user,
    enum cerbo_user_field field);
/* Drop every old key whose grace period is over; returns how many. */
size_t cerbo__store_prune(struct cerbo_store *store, int64_t now);
/* Validate a hash string's grammar and bounds. */
CERBO_MUST_CHECK int cerbo__hash_validate(const char *hash,
    struct cerbo_error *err);
/* 1 when the store file did not exist when the transaction began. */
int cerbo__txn_is_new(const struct cerbo_txn *txn);
/* Parse RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ". */
CERBO_MUST_CHECK int cerbo__time_parse(const char *s, int64_t *out,
    struct cerbo_error *err);
/* Format into out (at least 21 bytes). */
void cerbo__time_format(int64_t t, char *out, size_t len);

/*
 * The bits each public flags word accepts; any other bit is an invalid
 * argument and the call does nothing (cerbo.h).
 */
#define CERBO__LOAD_FLAGS CERBO_LOAD_NO_TRUST
#define CERBO__VERIFY_FLAGS CERBO_VERIFY_FAST_ONLY
#define CERBO__TXN_FLAGS CERBO_TXN_CREATE
/*
 * Internal bits, set only by the test-only entry points below after the
 * caller's flags passed the check above, so no caller of cerbo.h can set
 * them: skip the trust rules on read.
 */
#define CERBO__VERIFY_NO_TRUST 0x80000000u
#define CERBO__TXN_NO_TRUST 0x80000000u
/*
 * Test-only: cerbo_verify(), cerbo_verify_cost() and cerbo_txn_begin()
 * without the trust rules (the tests' stores live in folders a test
 * cannot make root-owned).  They are in libcerbo.a, which the tests link;
 * libcerbo.so.0 does not export them, so a program built against cerbo.h
 * cannot switch the trust checks off.
 */
int cerbo__verify_untrusted(const struct cerbo_verify_args *args,
    struct cerbo_verdict *verdict);
int cerbo__verify_cost_untrusted(const struct cerbo_verify_args *args,
    int *slow, char *notice, size_t noticelen, struct cerbo_error *err);
int cerbo__txn_begin_untrusted(const char *path,
    const struct cerbo_txn_options *opts, struct cerbo_txn **out,
    struct cerbo_error *err);

/* ---- abi.c: the size rule of caller-allocated structs (cerbo.h) ------ */

/* Bytes of a struct's version 1: up to the end of its last version-1
 * field.  A later version adds fields after it, never before. */
#define CERBO__V1_SIZE(type, last)                                             \
	(offsetof(type, last) + sizeof(((type *)0)->last))
#define CERBO__ERROR_V1 CERBO__V1_SIZE(struct cerbo_error, message)
#define CERBO__REQUEST_V1 CERBO__V1_SIZE(struct cerbo_request, path)
#define CERBO__DECISION_V1 CERBO__V1_SIZE(struct cerbo_decision, profile)
#define CERBO__BASIC_V1 CERBO__V1_SIZE(struct cerbo_basic, secret_len)
#define CERBO__VERIFY_ARGS_V1 CERBO__V1_SIZE(struct cerbo_verify_args, flags)
#define CERBO__VERDICT_V1 CERBO__V1_SIZE(struct cerbo_verdict, notice)
#define CERBO__TXN_OPTIONS_V1                                                  \
	CERBO__V1_SIZE(struct cerbo_txn_options, expect_digest)
#define CERBO__USER_SPEC_V1 CERBO__V1_SIZE(struct cerbo_user_spec, secret_hash)
#define CERBO__LOG_ARGS_V1 CERBO__V1_SIZE(struct cerbo_log_args, priority)

/* 0 when caller is not NULL and its size covers version 1, else -1. */
int cerbo__abi_check(const void *caller, size_t v1_size);
/* Copy a caller's struct into local (local_size bytes, this version's):
 * the bytes the caller has, zero past them, local's size set to
 * local_size.  -1 (local untouched) when cerbo__abi_check() refuses. */
int cerbo__abi_in(void *local, size_t local_size, const void *caller,
    size_t v1_size);
/* Copy local back into a checked caller's struct, no byte past the
 * caller's size; the caller's size field is kept. */
void cerbo__abi_out(void *caller, const void *local, size_t local_size);
/* Wipe a caller's struct up to its size (at most local_size), its size
 * field kept. */
void cerbo__abi_wipe(void *caller, size_t local_size);

/* ---- error.c --------------------------------------------------------- */

/* Whether err may be written: not NULL, and its size covers version 1.
 * Every function below treats an err that may not as NULL. */
int cerbo__error_usable(const struct cerbo_error *err);
/* Reset a usable err to CERBO_OK with no message or position. */
void cerbo__error_clear(struct cerbo_error *err);
/* Fill err (NULL-safe) and return -1. */
int cerbo__fail(struct cerbo_error *err, enum cerbo_status status,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, with a file position (1-based line and column). */
int cerbo__fail_at(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column, const char *fmt,
    ...) __attribute__((format(printf, 6, 7)));
/* Same, with the arguments as a va_list (for callers with a format of
 * their own). */
int cerbo__vfail_at(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column, const char *fmt,
    va_list ap) __attribute__((format(printf, 6, 0)));
/* Put a prefix ("user pk_a: ") before err's message (NULL-safe). */
void cerbo__error_prefix(struct cerbo_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Give the error a call left in err a status and a position in file,
 * its message kept (NULL-safe); returns -1. */
int cerbo__error_relocate(struct cerbo_error *err, enum cerbo_status status,
    const char *file, unsigned long line, unsigned long column);

/* ---- file.c: safe reading and the trust rules ------------------------ */

/* The full identity of a file, to know cheaply whether it changed. */
struct cerbo__file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};
void cerbo__file_id_from_stat(struct cerbo__file_id *id, const struct stat *st);
int cerbo__file_id_equal(const struct cerbo__file_id *a,
    const struct cerbo__file_id *b);

/*
 * The trust rule for a store file, applied to a stat of it: a regular
 * file, owned by root or the calling uid, not writable by group or others,
 * not readable by others.  CERBO_E_UNSAFE with a precise message.
 */
int cerbo__trust_file_stat(const char *path, const struct stat *st,
    struct cerbo_error *err);
/*
 * The trust rule for every folder above path (after resolving symlinks,
 * which may be followed only to read): owned by root or the calling uid,
 * not writable by group or others unless root-owned and sticky.
 */
int cerbo__trust_folders(const char *path, struct cerbo_error *err);

/*
 * Open path for reading (O_RDONLY|O_CLOEXEC|O_NOCTTY), fstat the open file,
 * apply the trust rules (unless CERBO_LOAD_NO_TRUST), cap its size at
 * CERBO_STORE_SIZE_MAX, and read it whole into a malloc'd buffer with a
 * NUL after the last byte.  *st (may be NULL) gets the open file's stat.
 */
int cerbo__read_file(const char *path, unsigned flags, char **buf, size_t *len,
    struct stat *st, struct cerbo_error *err);
/* The same for a descriptor already open (txn.c opens with O_NOFOLLOW);
 * path names it in messages.  Only the file itself is checked. */
int cerbo__read_fd(int fd, const char *path, unsigned flags, char **buf,
    size_t *len, struct stat *st, struct cerbo_error *err);
/* The folder rule applied to one stat of a folder (tests use it to show
 * the rule where they cannot chown). */
int cerbo__trust_folder_stat(const char *path, const struct stat *st,
    struct cerbo_error *err);
/* Write all len bytes of buf to fd, retrying short writes and EINTR:
 * 0, or -1 with errno set (EIO when write() made no progress). */
int cerbo__write_all(int fd, const void *buf, size_t len);

/* ---- txn.c, txn_sys.c: locked, atomic writes ------------------------- */

/*
 * Fault injection for tests: when set, it is called with the name of each
 * system call of the write path before it is made ("lock", "open-temp",
 * "write", "fsync", "link", "rename", "rename-backup", "fsync-dir",
 * "fchown", "fchmod"), and a non-zero return is taken as that call failing
 * with that errno.  NULL in production: one pointer test per call.
 */
extern int (*cerbo__fault_hook)(const char *op)
    __attribute__((visibility("hidden")));

/*
 * txn_sys.c: the write path's system calls.  Each makes its call, or fails
 * with the errno cerbo__fault_hook gave for its name: "write", op
 * ("fsync", "fsync-dir"), "open-temp" (openat O_WRONLY|O_CREAT|O_EXCL|
 * O_NOFOLLOW|O_CLOEXEC, 0600), "link" (linkat, following no symlink), op
 * ("rename", "rename-backup", "undo"), "fchown", "fchmod", "lock" (an OFD
 * write lock, not waiting).
 */
int cerbo__sys_write_all(int fd, const void *buf, size_t len);
int cerbo__sys_fsync(int fd, const char *op);
int cerbo__sys_open_temp(int dirfd, const char *name);
int cerbo__sys_link(int dirfd, const char *from, const char *to);
int cerbo__sys_rename(int dirfd, const char *from, const char *to,
    const char *op);
int cerbo__sys_fchown(int fd, uid_t uid, gid_t gid);
int cerbo__sys_fchmod(int fd, mode_t mode);
int cerbo__sys_lock(int fd);

/*
 * A read lock on the store's lock file ("<path>.lock"), waiting up to
 * timeout_ms, so that a reader comparing the YAML with its index does not
 * see a commit half-way: the descriptor holding it (close to release), or
 * -1 when the lock file cannot be opened or the lock was not had in time
 * (the caller then goes on without).
 */
int cerbo__store_read_lock(const char *path, int64_t timeout_ms);

/* ---- verdict.c: writing a verdict's reason ----------------------------- */

/* The strings given, up to a NULL, one after the other into out (outlen
 * bytes, truncated to fit). */
void cerbo__join(char *out, size_t outlen, ...) __attribute__((sentinel));
/* Set v's code, and its reason from fmt. */
void cerbo__verdict_set(struct cerbo_verdict *v, enum cerbo_verdict_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Set v's code, and its reason as the strings given, up to a NULL. */
void cerbo__verdict_reason(struct cerbo_verdict *v,
    enum cerbo_verdict_code code, ...) __attribute__((sentinel));

/* ---- txn_write.c: the files a transaction writes --------------------- */

/* A fresh ".<base>.tmp.<16 hex>" into out (NAME_MAX + 1 bytes). */
void cerbo__txn_temp_name(const char *base, char *out, size_t len);
/* A second name for from in dirfd, under a fresh temp name (into name):
 * 0, or -1 with errno. */
int cerbo__txn_link_temp(int dirfd, const char *base, const char *from,
    char *name, size_t len);
/*
 * buf in a new temp file beside base in dirfd, with owner uid:gid and
 * mode, fsync'd and closed, for the caller to rename: 0 with its name in
 * tmp and, when st is not NULL, its fstat; or -1 with errno and *what
 * naming the step that failed (NULL: the write), no temp left.
 */
int cerbo__txn_write_temp(int dirfd, const char *base, uid_t uid, gid_t gid,
    mode_t mode, const void *buf, size_t len, char *tmp, size_t tmplen,
    struct stat *st, const char **what);
/*
 * Write the index of store (the YAML yaml, yaml_len bytes, whose stat is
 * yaml_st) as "<base>.idx" in dirfd, as the store is written: a temp
 * file, the YAML's owner, group and mode, its own stamp, fsync, rename.
 * path names the store in messages.
 */
int cerbo__txn_write_index(int dirfd, const char *base, const char *path,
    const struct cerbo_store *store, const struct stat *yaml_st,
    const void *yaml, size_t yaml_len, struct cerbo_error *err);

/* ---- store.c, user.c, profile.c: the model ---------------------------- */

/* Remember the digest of the bytes a store was parsed from. */
void cerbo__store_set_digest(struct cerbo_store *store, const char *hex);
void cerbo__store_set_generation(struct cerbo_store *store, uint64_t gen);
/* Longest usage_file path (cerbo-store(5)). */
#define CERBO__USAGE_PATH_MAX 1024
/* Whether s (len bytes) is a usable usage_file: absolute, no "." or ".."
 * component, printable ASCII without spaces; 0 or -1 with err set. */
int cerbo__usage_path_check(const char *s, size_t len, struct cerbo_error *err);
/* Record that key (CERBO_KEY_CURRENT or CERBO_KEY_OLD, hash its hash
 * string) of username was used at now, in the usage file at path (usage.c).
 * Never fails: a problem is told in notice (noticelen bytes), at most once
 * per CERBO__USAGE_NOTICE_INTERVAL seconds per process. */
#define CERBO__USAGE_NOTICE_INTERVAL 600
void cerbo__usage_record(const char *path, const char *username,
    const char *hash, int64_t now, char *notice, size_t noticelen);
/* cerbo_usage_load() from len bytes at buf (fuzzing). */
int cerbo__usage_parse(const void *buf, size_t len, struct cerbo_usage **out,
    struct cerbo_error *err);
/* Forget the open usage file and the minutes written (tests). */
void cerbo__usage_forget(void);

/*
 * The model.  Other library files may read these structures directly; they
 * change them only through the functions of cerbo.h and this section, which
 * keep the indexes right.
 *
 * A user keeps every field in its canonical text form, so getters allocate
 * nothing: the string fields are malloc'd (NULL when an optional field is
 * unset), times are kept both as seconds and as text (time_set[] says
 * whether an optional time is set), disabled as an int.
 */
#define CERBO__TIME_FIELDS                                                     \
	5                   /* secret_set, old_secret_expires, expires,        \
	                       created, updated */
#define CERBO__TIME_TEXT 21 /* "YYYY-MM-DDTHH:MM:SSZ" and its NUL */

struct cerbo_user {
	char *name;
	uint64_t hash;                     /* of name, for the index */
	size_t slot;                       /* where in store->users */
	char *str[CERBO_USER_FIELD_COUNT]; /* string fields only */
	int64_t time[CERBO__TIME_FIELDS];
	char time_text[CERBO__TIME_FIELDS][CERBO__TIME_TEXT];
	unsigned char time_set[CERBO__TIME_FIELDS];
	int disabled;
};

struct cerbo_profile {
	char *name;
	char *description; /* NULL when unset */
	char **rules[2];   /* indexed by enum cerbo_rule_kind, in file order */
	size_t nrules[2];
	size_t caprules[2];
};

/*
 * Users live in an array of pointers (a user's address never changes while
 * it exists) and a hash index by name.  The array may hold removed slots
 * (NULL) and an unsorted tail while a bulk change runs; it ends with one
 * cerbo__store_tidy, so a bulk change of n users costs O(n log n), not
 * O(n^2).  Between public calls the store is always tidy and a getter
 * never changes it, so several threads may read one store at once.
 */
struct cerbo_store {
	int format;
	uint64_t generation;
	char *usage_file; /* absolute path, or NULL: no usage records */
	char digest[65];
	struct cerbo_profile **profiles; /* sorted by name */
	size_t nprofiles;
	size_t capprofiles;
	struct cerbo_user **users; /* see above */
	size_t nslots;             /* used slots, holes included */
	size_t capusers;
	size_t nusers;             /* live users */
	size_t nsorted;            /* slots [0, nsorted) are sorted */
	int holes;                 /* some slot is NULL */
	struct cerbo_user **index; /* open addressing, linear probing */
	size_t index_cap;          /* a power of two, or 0 */
};

/* Limits of the model beyond cerbo.h's (documented in cerbo-store(5)). */
#define CERBO__RULES_MAX 1000    /* rules of one kind in one profile */
#define CERBO__ALLOW_FROM_MAX 64 /* networks in one allow_from */
/* 2^53 - 1: a generation is exact as a JSON number */
#define CERBO__GENERATION_MAX 9007199254740991ULL

/* Which slot of time[] a time field uses; -1 for a field that is no time. */
int cerbo__time_slot(enum cerbo_user_field field);

/* Put the user array in order (no holes, sorted); a no-op when tidy or
 * NULL.  Every public function that adds or removes users calls it
 * before it returns, so the getters find a tidy store and never change
 * it; bulk changes (the parser, apply) use cerbo__user_add() and
 * cerbo__user_remove(), which leave the order to one tidy at the end. */
void cerbo__store_tidy(struct cerbo_store *store);
/* cerbo_user_add() and cerbo_user_remove() without the tidy (spec is of
 * this version). */
int cerbo__user_add(struct cerbo_store *store,
    const struct cerbo_user_spec *spec, int64_t now, struct cerbo_error *err);
int cerbo__user_remove(struct cerbo_store *store, const char *username,
    struct cerbo_error *err);

/*
 * For the parser: a new user with no fields set, and adding a complete
 * user (ownership passes to the store, also on failure).  Adding fails with
 * CERBO_E_EXISTS when the name is taken.
 */
struct cerbo_user *cerbo__user_new(const char *name, size_t len);
void cerbo__user_free(struct cerbo_user *user);
int cerbo__store_add_user(struct cerbo_store *store, struct cerbo_user *user,
    struct cerbo_error *err);
/*
 * Validate a field's text (s[len] is a NUL) and set it, with no trimming;
 * the message names the field.  Profile existence is not checked here.
 */
int cerbo__user_field_parse(struct cerbo_user *user, enum cerbo_user_field f,
    const char *s, size_t len, struct cerbo_error *err);
/* Set a user's time field (slot from cerbo__time_slot) from seconds. */
void cerbo__user_set_time(struct cerbo_user *user, int slot, int64_t t);
/* Same for profiles; CERBO_E_EXISTS when taken. */
struct cerbo_profile *cerbo__profile_new(const char *name, size_t len);
void cerbo__profile_free(struct cerbo_profile *profile);
int cerbo__store_add_profile(struct cerbo_store *store,
    struct cerbo_profile *profile, struct cerbo_error *err);
/* Append a rule to a profile (not validated); -1 only when out of memory. */
int cerbo__profile_push_rule(struct cerbo_profile *profile,
    enum cerbo_rule_kind kind, const char *rule, size_t len);

/* ---- store.c: the store object and its user index ---------------------- */

/* A malloc'd copy of len bytes of s with a NUL after them; NULL when out
 * of memory. */
char *cerbo__dup_mem(const char *s, size_t len);
/* The hash of a user name the user index is keyed by. */
uint64_t cerbo__name_hash(const char *s);
/* The user to change: NULL with CERBO_E_INVALID (no store or name) or
 * CERBO_E_NOTFOUND in err. */
struct cerbo_user *cerbo__user_lookup(struct cerbo_store *store,
    const char *username, struct cerbo_error *err);

/* ---- user.c: users and the field table ---------------------------------- */

/* The rules of cerbo_store_validate() for one user of store. */
int cerbo__user_validate(const struct cerbo_store *store,
    const struct cerbo_user *u, struct cerbo_error *err);

/* ---- profile.c: profiles and their decisions ---------------------------- */

/* The rules of cerbo_store_validate() for one profile. */
int cerbo__profile_validate(const struct cerbo_profile *p,
    struct cerbo_error *err);
/* cerbo_profile_decide() on structs of this version; profile may be NULL
 * (no rule matches). */
void cerbo__profile_decide(const struct cerbo_profile *profile,
    const struct cerbo_request *request, struct cerbo_decision *out);

/* ---- validate.c: field validators -------------------------------------- */

/*
 * Each returns 0 when s (len bytes, no NUL needed) is a valid value and -1
 * with CERBO_E_INVALID and a message naming what is wrong, prefixed by
 * what (the field's name, e.g. "nickname").
 */
int cerbo__utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* The offset of the first control byte (below 0x20, NUL included, or
 * 0x7f) in buf, or len when there is none: what no secret and no Basic
 * credential may hold. */
size_t cerbo__control_at(const void *buf, size_t len);
int cerbo__check_username(const char *s, size_t len, struct cerbo_error *err);
int cerbo__check_profile_name(const char *s, size_t len,
    struct cerbo_error *err);
/* The rule for a profile name given for a change (a new profile, a user's
 * profile): cerbo__check_profile_name(), and no leading '-'. */
int cerbo__check_new_profile_name(const char *s, size_t len,
    struct cerbo_error *err);
int cerbo__check_text(const char *what, const char *s, size_t len, size_t max,
    struct cerbo_error *err);
int cerbo__check_email(const char *s, size_t len, struct cerbo_error *err);
int cerbo__check_bool(const char *what, const char *s, size_t len, int *out,
    struct cerbo_error *err);
/* Time in the range the store accepts (1970 to 9999). */
int cerbo__time_in_range(int64_t t);
/* Leading and trailing spaces dropped: *s and *len adjusted. */
void cerbo__trim(const char **s, size_t *len);

/* ---- yaml_strict.c: what every strict YAML reader refuses ------------- */

/*
 * One strict reading of a YAML text, shared by the store reader and the
 * apply document reader so that both refuse the same bytes and events
 * with the same message.  Every refusal has status (CERBO_E_STORE for a
 * store, CERBO_E_INVALID for a document) and a name:line:column position.
 */
struct cerbo__yaml {
	yaml_parser_t yp;
	yaml_event_t ev; /* the current event, while have_ev */
	int have_ev;
	int ready; /* yp is initialised */
	const char *name;
	enum cerbo_status status;
	struct cerbo_error *err;
};

/*
 * The raw bytes, before libyaml sees them: valid UTF-8, no byte order
 * mark, no NUL, no CR (CRLF line ends), no control character but tab and
 * LF, no C1 control (NEL), no U+2028/U+2029.
 */
int cerbo__yaml_check_bytes(const char *buf, size_t len, const char *name,
    enum cerbo_status status, struct cerbo_error *err);
/*
 * Check the bytes of buf and set libyaml up to read them as UTF-8.  0, or
 * -1 with err filled; cerbo__yaml_close is called after either.
 */
int cerbo__yaml_open(struct cerbo__yaml *y, const char *buf, size_t len,
    const char *name, enum cerbo_status status, struct cerbo_error *err);
/*
 * The next event into y->ev (the previous one deleted).  Malformed YAML,
 * aliases, anchors, tags and directives are refused wherever they appear.
 */
int cerbo__yaml_next(struct cerbo__yaml *y);
void cerbo__yaml_close(struct cerbo__yaml *y);
/*
 * What a libyaml event carries that a strict reader refuses wherever it
 * appears: "aliases", "anchors" or "tags", or NULL.
 */
const char *cerbo__yaml_refused(const yaml_event_t *ev);
/*
 * 1 when a plain YAML scalar would be read as something other than text
 * (null, boolean, number, date) by YAML 1.1 or 1.2 tools: both readers
 * refuse such a plain value where text is expected, the writer quotes it.
 */
int cerbo__yaml_plain_not_string(const char *s, size_t len);

/* ---- cidr.c ---------------------------------------------------------- */

/*
 * 1 when addr (an IPv4 or IPv6 address in text) lies in one of the
 * comma-separated CIDRs of list, 0 when not or when addr is NULL or not an
 * address.
 */
int cerbo__addr_allowed(const char *list, const char *addr);

/*
 * Validate one network ("192.0.2.0/24", "2001:db8::/32", or a bare address,
 * meaning /32 or /128) and write its canonical text into out (at least
 * CERBO__CIDR_TEXT bytes).  A network with host bits set is refused.
 */
#define CERBO__CIDR_TEXT 50
int cerbo__cidr_canon(const char *s, size_t len, char *out, size_t outlen,
    struct cerbo_error *err);
/*
 * Validate a comma-separated list of networks (spaces around commas
 * allowed) and make its canonical form (no spaces) in a malloc'd *out.
 */
int cerbo__cidr_list_canon(const char *list, char **out,
    struct cerbo_error *err);

/* ---- secret.c, request.c, match.c, verify.c: secrets and the verifier -- */

/* sodium_init() once per process (thread-safe); 0 or -1. */
int cerbo__sodium_init(void);
/* 1 when m (len bytes) is an HTTP method as requests and rules write it:
 * [A-Z][A-Z_-]*, shorter than CERBO_METHOD_MAX; else 0. */
int cerbo__method_valid(const char *m, size_t len);
/* A valid cerbo-b2b hash string of a key nobody knows, checked for unknown
 * users so that they cost the same as a wrong secret. */
const char *cerbo__dummy_hash(void);
/* 1 when the path of req (decoded, query dropped) and its method match one
 * "METHOD PATH" rule (see cerbo-store(5)); 0 otherwise. */
int cerbo__rule_match(const char *rule, const struct cerbo_request *req);
/* The same for a deny rule, which matches conservatively (match.c). */
int cerbo__deny_rule_match(const char *rule, const struct cerbo_request *req);
/* 1 when a rule matches every request: method "*" and a path of "**"
 * segments only (match.c). */
int cerbo__rule_matches_all(const char *rule);
/* 1 when the code point cp is one that servers fold or normalise into
 * other text, such as U+212A KELVIN SIGN into "k" (fold.c); else 0. */
int cerbo__cp_folds(uint32_t cp);
/* 1 when the valid UTF-8 s (len bytes) holds such a code point, the first
 * in *cp (may be NULL); else 0. */
int cerbo__utf8_find_folding(const char *s, size_t len, uint32_t *cp);
/* Drop every cached store (tests, and a front end that wants a reload). */
void cerbo__verify_cache_clear(void);

/* ---- secret_cache.c: the verifier's memory of argon2id successes ------ */

/* cerbo_secret_check(), with argon2id successes remembered. */
int cerbo__secret_check_cached(const char *username, const char *hash,
    const char *secret, size_t len);
/* 1 when checking secret against hash would run argon2id: the scheme is
 * argon2id and the success cache does not already hold this secret. */
int cerbo__secret_would_hash(const char *username, const char *hash,
    const char *secret, size_t len);
/* Forget every remembered success (cerbo__verify_cache_clear). */
void cerbo__secret_cache_clear(void);

/* ---- base64.c: strict base64 ----------------------------------------- */

/*
 * Decode exactly len characters of standard base64 (A-Z a-z 0-9 + /) into
 * at most max bytes, *binlen set to their number; 0, or -1 for anything
 * else.  With padded, the length is a multiple of 4 and at most two '='
 * end it (libsodium's VARIANT_ORIGINAL); without, no '=' at all
 * (VARIANT_ORIGINAL_NO_PADDING).  Canonical: unused low bits are zero.
 * Every byte is checked against the alphabet first, in time that does not
 * depend on the bytes (the input may hold a secret), because libsodium
 * 1.0.18 decodes every byte >= 0x80 as '/'.
 */
int cerbo__base64_decode(const char *s, size_t len, int padded,
    unsigned char *bin, size_t max, size_t *binlen);
/*
 * The same rule, unpadded, for a field of exactly outlen bytes (n
 * characters, canonical): 0 or -1.  A table lookup, fast but not
 * constant-time: only for public or random values (the fast scheme's salt
 * and hash), never for a secret.
 */
int cerbo__base64_decode_fixed(const char *s, size_t n, unsigned char *out,
    size_t outlen);

/* ---- index.c: the compiled index beside a store ---------------------- */

#define CERBO__INDEX_SUFFIX ".idx"
#define CERBO__INDEX_RECORD_MAX 8192 /* bytes of one user's record */

struct cerbo__index;

/*
 * The index of store, stamped with its YAML's identity (yaml_st) and the
 * digest of the YAML's bytes (hex), built whole into a malloc'd *out of
 * *outlen bytes.  It holds hash strings: the caller wipes and frees it.
 * txn.c writes it beside the store the way a commit writes the store (a
 * fresh temp name opened O_CREAT|O_EXCL|O_NOFOLLOW, the YAML's owner,
 * group and mode, fsync, rename), after the store's own calls, so a
 * commit's fault hook sees a second "open-temp", "write", "fsync" and
 * "rename"; cerbo_store_compile does the same on its own.
 */
struct cerbo__index_stamp {
	const struct stat *yaml_st;    /* the YAML's identity */
	const char *digest_hex;        /* the digest of its bytes */
	unsigned char mac_key[32];     /* cerbo__index_mac_key() of its bytes */
	uint64_t self_ino;             /* the index file's own inode */
	struct timespec self_mtime;    /* and the mtime its writer gives it */
	const unsigned char *hash_key; /* the names' SipHash key; NULL: new */
};
int cerbo__index_build(const struct cerbo_store *store,
    const struct cerbo__index_stamp *stamp, unsigned char **out, size_t *outlen,
    struct cerbo_error *err);
/* The key of an index's MAC (index_format.h): a keyed BLAKE2b-256 of the
 * YAML's bytes, distinct from their digest. */
void cerbo__index_mac_key(const void *yaml, size_t len, unsigned char out[32]);
/*
 * Whether the index beside the store at path is the one the store's
 * content makes (`check`).  store is parsed from the YAML's bytes yaml
 * (len bytes), read from the file of yaml_st.  0 when there is no index
 * or it is exactly what store makes (rebuilt in memory with the index
 * file's own stamps and names' key, compared byte for byte);
 * CERBO_E_STATE when it is stale (it names another version of the store
 * by identity and by digest: readers pass it over); CERBO_E_STORE when it
 * is damaged, or names this version but differs from what it makes
 * (written in place); another status when it cannot be read.
 */
int cerbo__index_compare(const char *path, const struct cerbo_store *store,
    const void *yaml, size_t len, const struct stat *yaml_st,
    struct cerbo_error *err);
/*
 * Open the index of the store at store_path whose YAML has the stat
 * yaml_st.  CERBO_E_NOTFOUND: no index; CERBO_E_STATE: it does not match
 * the YAML (stale); CERBO_E_STORE: damaged.  flags: CERBO_LOAD_NO_TRUST.
 */
int cerbo__index_open(const char *store_path, const struct stat *yaml_st,
    unsigned flags, struct cerbo__index **out, struct cerbo_error *err);
/*
 * Whether the open index is still the file that was opened, unchanged
 * (an fstat of its descriptor: device, inode, size, mtime, ctime), and
 * still passes the trust rule: 0 yes, -1 (err set) no.  A lookup reads
 * the descriptor, so this is asked before each one: an index made
 * writable, or rewritten in place, is never read again.
 */
int cerbo__index_current(const struct cerbo__index *ix,
    struct cerbo_error *err);
/* The index's profiles, as a store without users. */
const struct cerbo_store *cerbo__index_profiles(const struct cerbo__index *ix);
/*
 * Look a user up.  1: found, *out filled with the fields the verifier
 * needs, its strings pointing into buf (at least CERBO__INDEX_RECORD_MAX
 * bytes; it holds hash strings: wipe it); 0: no such user; -1: damaged.
 * A lookup makes two reads, hit or miss: the slots near the user's home
 * slot, then one record (a miss reads a record too, so an unknown user
 * costs what a known one does); a third only when the probe runs past
 * the slots read or two names share the slot's hash bits.  The reads come
 * from memory when the index was small enough to be read whole at open
 * (cerbo__index_resident_max bytes), else they are preads.
 */
int cerbo__index_find(const struct cerbo__index *ix, const char *username,
    struct cerbo_user *out, unsigned char *buf, size_t buflen);
/* What one lookup did: preads made, and how many bytes of buf it wrote
 * (wipe that many). */
struct cerbo__index_probe {
	unsigned reads;
	size_t used;
};
/* cerbo__index_find, reporting into *probe (may be NULL). */
int cerbo__index_lookup(const struct cerbo__index *ix, const char *username,
    struct cerbo_user *out, unsigned char *buf, size_t buflen,
    struct cerbo__index_probe *probe);
void cerbo__index_close(struct cerbo__index *ix);
/* The identity of the open index file, as it was opened. */
void cerbo__index_file_id(const struct cerbo__index *ix,
    struct cerbo__file_id *out);
/* Indexes up to this many bytes are read whole when opened; tests set 0
 * to take the pread path with small indexes. */
extern size_t cerbo__index_resident_max;
/* 1 when the open index was read whole into memory. */
int cerbo__index_resident(const struct cerbo__index *ix);
void cerbo__index_path(const char *store_path, char *out, size_t len);

/* cerbo_log_repeat_allowed() at a given monotonic second (tests). */
int cerbo__log_repeat_allowed_at(const char *line, int64_t now,
    unsigned long *held_back);
/* The same limit for every line that shares key (a refusal's reason),
 * counting " (N refusals with this reason suppressed)" into line. */
int cerbo__log_repeat_allowed_for(const char *key, char *line, size_t size);

#endif /* CERBO_INTERNAL_H */
