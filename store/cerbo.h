/*
 * cerbo.h - the public interface of libcerbo, the pam_cerbo credential store.
 *
 * libcerbo reads and writes the YAML store of API users and permission
 * profiles (cerbo-store(5)), generates and hashes secret keys, and answers
 * the one question every front end asks: may this username, with this
 * secret, make this request?  The PAM module and the tools are thin front
 * ends over this header.
 *
 * Conventions: functions return 0 on success and -1 on failure, filling a
 * struct cerbo_error when one is passed (it may be NULL).  Out-parameters
 * come last, before the error.  Every time (a moment, seconds since the
 * epoch, or a duration) is an int64_t, whatever width time_t has.
 * Strings returned by getters belong to the object they came from and live
 * until that object is changed or freed.  No function prints, exits or
 * installs signal handlers.  Functions marked CERBO_MUST_CHECK must have
 * their result checked.
 *
 * Threads: cerbo_verify() and the functions that keep no state (the
 * parsers, the secret and hash functions, cerbo_error_format()) may be
 * called from any thread at any time.  A struct cerbo_store may be read
 * by several threads at once (no getter changes it, not even its order);
 * a change needs it to itself.  A struct cerbo_txn is not locked: use it
 * from one thread at a time.
 *
 * Structs the caller allocates (ABI version 1): cerbo_error,
 * cerbo_request, cerbo_decision, cerbo_basic, cerbo_verify_args,
 * cerbo_verdict, cerbo_txn_options, cerbo_user_spec and cerbo_log_args
 * each begin with
 * `size_t size`, which the caller sets by declaring the struct with its
 * initialiser, and with nothing else:
 *
 *     struct cerbo_error err = CERBO_ERROR_INIT;
 *     struct cerbo_verdict verdict = CERBO_VERDICT_INIT;
 *
 * (the other fields start zero; set them after).  The library reads and
 * writes no byte of such a struct past its size, so a program built
 * against this header keeps working with a later libcerbo.so.0 whose
 * structs have grown at the end: fields added later take their defaults
 * (zero) when the caller's size ends before them.  A size smaller than
 * version 1's (a struct declared without its initialiser, or zeroed with
 * memset) is refused: the function returns -1 and writes nothing into
 * it.  Every flags word and enum argument is checked too: a bit or value
 * this header does not define is an invalid argument (-1, CERBO_E_INVALID,
 * nothing done), never ignored.  A struct cerbo_error with such a size is
 * the exception, as it is
 * how errors are told: it is treated as NULL (nothing is written to it),
 * and cerbo_error_format() gives a message that names the mistake.
 * A later version adds fields at the end of a struct, never before or
 * between.  Opaque objects (store, user, profile, transaction, apply
 * result) are allocated and read through functions only.  libcerbo.so.0
 * exports exactly the functions declared here.
 *
 * Linking: cc ... $(pkg-config --cflags --libs cerbo); the API, with an
 * example for daemons that call the verifier without PAM, is described in
 * libcerbo(3).
 */
#ifndef CERBO_H
#define CERBO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CERBO_MUST_CHECK __attribute__((warn_unused_result))
#else
#define CERBO_MUST_CHECK
#endif
/* The arguments (1-based) that may never be NULL: a compiler that sees a
 * NULL passed warns.  The library keeps its own NULL checks all the same
 * (a program may still pass one): it builds with CERBO_NO_NONNULL. */
#if defined(__GNUC__) && !defined(CERBO_NO_NONNULL)
#define CERBO_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define CERBO_NONNULL(...)
#endif

#define CERBO_STORE_DEFAULT "/etc/cerbo/apiusers.yaml"
#define CERBO_STORE_FORMAT 1 /* the cerbo_store: version this build writes */

/* Bounds; every one is enforced on read and on change. */
#define CERBO_USERNAME_MAX 64      /* bytes, "pk_" included */
#define CERBO_PROFILE_NAME_MAX 64  /* bytes */
#define CERBO_NICKNAME_MAX 128     /* bytes of UTF-8 */
#define CERBO_DESCRIPTION_MAX 1024 /* bytes of UTF-8 */
#define CERBO_EMAIL_MAX 254        /* bytes */
#define CERBO_RULE_MAX 1024        /* bytes of a "METHOD PATH" rule, no NUL */
#define CERBO_SECRET_MAX 1024      /* bytes of a secret given to verify */
#define CERBO_HASH_MAX 256         /* bytes of a hash string, NUL included */
#define CERBO_STORE_SIZE_MAX (1024u * 1024 * 1024) /* bytes of a store file */
#define CERBO_GRACE_MAX (7 * 24 * 3600) /* seconds an old key may live */

/*
 * A generated secret key: "cerbo_sk_", 43 base62 characters of randomness
 * (256 bits), then a 6-character base62 CRC32 checksum.  A buffer of
 * CERBO_SECRET_GENERATED_SIZE holds one with its NUL.
 */
#define CERBO_SECRET_PREFIX "cerbo_sk_"
#define CERBO_SECRET_GENERATED_LEN (9 + 43 + 6)
#define CERBO_SECRET_GENERATED_SIZE (CERBO_SECRET_GENERATED_LEN + 1)

/* What went wrong; tools map each to a distinct exit code. */
enum cerbo_status {
	CERBO_OK = 0,
	CERBO_E_INVALID,  /* a field, rule, argument or document is not valid */
	CERBO_E_NOTFOUND, /* no such user or profile (or no store file) */
	CERBO_E_EXISTS,   /* the user or profile exists already */
	CERBO_E_INUSE,    /* a profile still used by users */
	CERBO_E_LOCK,     /* the store's lock was not had in time */
	CERBO_E_STORE,    /* the store file is malformed or not valid */
	CERBO_E_TOO_NEW,  /* the store's format is newer than this build */
	CERBO_E_UNSAFE,   /* owner, mode or file type refused by trust checks */
	CERBO_E_CONFLICT, /* expected generation or digest does not match */
	CERBO_E_IO,       /* a system call failed */
	CERBO_E_NOMEM,    /* out of memory */
	CERBO_E_STATE,    /* the change does not fit the current state */
};

/*
 * An error: a status, a message for a person, and where it applies.
 * For errors in a file, file is its path and line/column are 1-based;
 * they are 0 when there is no position.  The message never holds a secret.
 */
struct cerbo_error {
	size_t size; /* set by CERBO_ERROR_INIT */
	enum cerbo_status status;
	unsigned long line;
	unsigned long column;
	char file[256];
	char message[512];
};
#define CERBO_ERROR_INIT                                                       \
	{                                                                      \
		.size = sizeof(struct cerbo_error)                             \
	}

/*
 * "file:line:column: message", "file: message" or "message" into buf (len
 * bytes, truncated to fit), and return buf; "" when buf is NULL or len 0.
 * Fit for a log or a terminal: a message never holds a secret or a hash.
 */
const char *cerbo_error_format(const struct cerbo_error *err, char *buf,
    size_t len);
/* A fixed lower-case name for a status ("ok", "invalid", ...). */
const char *cerbo_status_name(enum cerbo_status status);

/* ---------------------------------------------------------------------
 * The store: profiles and users, loaded from and saved to one YAML file.
 * Users and profiles are kept sorted by name; index i of the getters
 * follows that order.
 */
struct cerbo_store;
struct cerbo_user;
struct cerbo_profile;

void cerbo_store_free(struct cerbo_store *store);

/*
 * Parse a store from memory.  name is used in error positions.  Strict: see
 * cerbo-store(5).  The result is fully validated.
 */
CERBO_MUST_CHECK int cerbo_store_parse(const char *buf, size_t len,
    const char *name, struct cerbo_store **out, struct cerbo_error *err)
    CERBO_NONNULL(5);

/* Flags for cerbo_store_load(). */
/* Judge a file's content only, its owner and mode unchecked (what
 * `cerbo-apiuser check FILE` does with a draft); never for a store that
 * answers requests. */
#define CERBO_LOAD_NO_TRUST 0x1

/*
 * Open path safely (O_CLOEXEC|O_NOCTTY, fstat: regular, owner, mode, size),
 * apply the trust checks to the file and every folder above it, read and
 * parse it.  A missing file is CERBO_E_NOTFOUND.
 */
CERBO_MUST_CHECK int cerbo_store_load(const char *path, unsigned flags,
    struct cerbo_store **out, struct cerbo_error *err) CERBO_NONNULL(1, 3);

/*
 * The trust checks alone, as a reader would apply them (for `check`).
 * uid is the account that will read the store and gids/ngids its groups;
 * the message says which folder or mode stops it.  With uid (uid_t)-1 the
 * calling process's identity is used.
 */
CERBO_MUST_CHECK int cerbo_store_check_access(const char *path, uid_t uid,
    const gid_t *gids, size_t ngids, struct cerbo_error *err) CERBO_NONNULL(1);

/* Validate the whole store: every field, every reference. */
CERBO_MUST_CHECK int cerbo_store_validate(const struct cerbo_store *store,
    struct cerbo_error *err) CERBO_NONNULL(1);

/* Deterministic YAML text of the store; *buf is malloc'd, caller frees. */
CERBO_MUST_CHECK int cerbo_store_emit(const struct cerbo_store *store,
    char **buf, size_t *len, struct cerbo_error *err) CERBO_NONNULL(1, 2, 3);

uint64_t cerbo_store_generation(const struct cerbo_store *store);
/* Lower-case hex BLAKE2b-256 of the bytes the store was read from ("" if
 * it was not read from bytes). */
const char *cerbo_store_digest(const struct cerbo_store *store);
/* The usage file the store names (its top-level usage_file, an absolute
 * path), or NULL when it names none and no use is recorded. */
const char *cerbo_store_usage_file(const struct cerbo_store *store);
/* Name the usage file (path absolute), or none with path NULL. */
CERBO_MUST_CHECK int cerbo_store_set_usage_file(struct cerbo_store *store,
    const char *path, struct cerbo_error *err);

/* ---------------------------------------------------------------------
 * Users.
 */
enum cerbo_user_field {
	CERBO_USER_NICKNAME,
	CERBO_USER_PROFILE,
	CERBO_USER_EMAIL,
	CERBO_USER_DESCRIPTION,
	CERBO_USER_SECRET,             /* hash string */
	CERBO_USER_SECRET_SET,         /* RFC 3339 UTC time */
	CERBO_USER_OLD_SECRET,         /* hash string, optional */
	CERBO_USER_OLD_SECRET_EXPIRES, /* time, with old_secret */
	CERBO_USER_EXPIRES,            /* time, optional */
	CERBO_USER_ALLOW_FROM,         /* "cidr,cidr,...", optional */
	CERBO_USER_CREATED,            /* time */
	CERBO_USER_UPDATED,            /* time */
	CERBO_USER_DISABLED,           /* "true" or "false" */
	CERBO_USER_FIELD_COUNT
};

/* The YAML key of a field ("nickname", "allow_from", ...). */
const char *cerbo_user_field_name(enum cerbo_user_field field);

size_t cerbo_store_user_count(const struct cerbo_store *store);
const struct cerbo_user *cerbo_store_user_at(const struct cerbo_store *store,
    size_t i);
const struct cerbo_user *cerbo_store_user_find(const struct cerbo_store *store,
    const char *username);

const char *cerbo_user_name(const struct cerbo_user *user);
/*
 * A field in its canonical text form (as written to the store), or NULL
 * when an optional field is unset.  Times are RFC 3339 UTC
 * ("2026-11-27T10:00:00Z"), allow_from is comma-separated, disabled is
 * "true"/"false" (never NULL).
 */
const char *cerbo_user_get(const struct cerbo_user *user,
    enum cerbo_user_field field);
int cerbo_user_disabled(const struct cerbo_user *user);
/* 1 when the user has an expiry and it has come at now: every request is
 * refused. */
int cerbo_user_expired(const struct cerbo_user *user, int64_t now);
/* 1 while the old key of a rotation is still accepted at now. */
int cerbo_user_old_key_valid(const struct cerbo_user *user, int64_t now);

/*
 * Add a user with every required field; the secret is a hash string (see
 * cerbo_secret_hash()).  created, updated and secret_set are set to now.
 * CERBO_E_EXISTS if the username is taken, CERBO_E_INVALID for a bad field
 * (the message names it), CERBO_E_NOTFOUND for an unknown profile.
 */
struct cerbo_user_spec {
	size_t size; /* set by CERBO_USER_SPEC_INIT */
	const char *username;
	const char *nickname;
	const char *profile;
	const char *email;
	const char *description;
	const char *secret_hash;
};
#define CERBO_USER_SPEC_INIT                                                   \
	{                                                                      \
		.size = sizeof(struct cerbo_user_spec)                         \
	}
CERBO_MUST_CHECK int cerbo_user_add(struct cerbo_store *store,
    const struct cerbo_user_spec *spec, int64_t now, struct cerbo_error *err)
    CERBO_NONNULL(1, 2);

/*
 * Set one field from its text form (NULL unsets an optional field).  The
 * value is validated first; on error nothing changes.  Sets updated to now
 * when the value differs.  *changed (may be NULL) tells whether it did.
 * Setting CERBO_USER_SECRET here is refused: use cerbo_user_set_secret().
 */
CERBO_MUST_CHECK int cerbo_user_set(struct cerbo_store *store,
    const char *username, enum cerbo_user_field field, const char *value,
    int64_t now, int *changed, struct cerbo_error *err) CERBO_NONNULL(1, 2);

/*
 * Check a field's text form by the rules cerbo_user_set() and
 * cerbo_user_add() apply (surrounding blanks trimmed the same way),
 * without a store: 0, or -1 with err naming the field.  NULL is valid
 * only for an optional field.  What needs a store is not checked: that a
 * profile exists, or how far ahead old_secret_expires lies.
 */
CERBO_MUST_CHECK int cerbo_user_field_validate(enum cerbo_user_field field,
    const char *value, struct cerbo_error *err);

/*
 * Would cerbo_user_set() with this value change the field?  The value is
 * taken by the same rules (trimmed, validated, made canonical: an address
 * becomes a /32, a time its UTC form) and compared with the stored one;
 * *differs is 1 or 0.  -1 with err when the value is not valid.  What
 * "add --if-missing" uses to say whether an existing user is the one
 * asked for.
 */
CERBO_MUST_CHECK int cerbo_user_field_differs(const struct cerbo_user *user,
    enum cerbo_user_field field, const char *value, int *differs,
    struct cerbo_error *err);

CERBO_MUST_CHECK int cerbo_user_remove(struct cerbo_store *store,
    const char *username, struct cerbo_error *err) CERBO_NONNULL(1, 2);

/*
 * Replace a user's key with new_hash.  grace == 0: the old key stops
 * working at once.  grace > 0 (at most CERBO_GRACE_MAX seconds): the old
 * key keeps working until now + grace.  A rotation while an old key is
 * still valid is CERBO_E_STATE unless force is set (it would drop a key
 * integrations may still use).
 */
CERBO_MUST_CHECK int cerbo_user_set_secret(struct cerbo_store *store,
    const char *username, const char *new_hash, int64_t now, int64_t grace,
    int force, struct cerbo_error *err) CERBO_NONNULL(1, 2, 3);

/* End a grace period now: drop the old key.  CERBO_E_STATE if none. */
CERBO_MUST_CHECK int cerbo_user_drop_old_secret(struct cerbo_store *store,
    const char *username, int64_t now, struct cerbo_error *err)
    CERBO_NONNULL(1, 2);

/* ---------------------------------------------------------------------
 * Profiles and endpoint rules.
 */
enum cerbo_rule_kind { CERBO_RULE_ALLOW, CERBO_RULE_DENY };
/* The store's key for a rule list: "allow" or "deny" ("unknown" for a
 * value this header does not define). */
const char *cerbo_rule_kind_name(enum cerbo_rule_kind kind);

size_t cerbo_store_profile_count(const struct cerbo_store *store);
const struct cerbo_profile *
cerbo_store_profile_at(const struct cerbo_store *store, size_t i);
const struct cerbo_profile *
cerbo_store_profile_find(const struct cerbo_store *store, const char *name);

const char *cerbo_profile_name(const struct cerbo_profile *profile);
const char *cerbo_profile_description(const struct cerbo_profile *profile);
size_t cerbo_profile_rule_count(const struct cerbo_profile *profile,
    enum cerbo_rule_kind kind);
const char *cerbo_profile_rule_at(const struct cerbo_profile *profile,
    enum cerbo_rule_kind kind, size_t i);
/* True when an allow rule matches every method and every path (method "*",
 * path "/" followed by "**"). */
int cerbo_profile_allows_everything(const struct cerbo_profile *profile);
/* How many users name this profile. */
size_t cerbo_store_profile_users(const struct cerbo_store *store,
    const char *name);

CERBO_MUST_CHECK int cerbo_profile_add(struct cerbo_store *store,
    const char *name, const char *description, struct cerbo_error *err)
    CERBO_NONNULL(1, 2);
CERBO_MUST_CHECK int cerbo_profile_set_description(struct cerbo_store *store,
    const char *name, const char *description, int *changed,
    struct cerbo_error *err) CERBO_NONNULL(1, 2);
/* Would cerbo_profile_set_description() change it?  The same rules
 * (trimmed, validated); *differs 1 or 0, or -1 with err. */
CERBO_MUST_CHECK int
cerbo_profile_description_differs(const struct cerbo_profile *profile,
    const char *description, int *differs, struct cerbo_error *err);
/* Add a rule (validated; a duplicate is not added, *changed tells). */
CERBO_MUST_CHECK int cerbo_profile_rule_add(struct cerbo_store *store,
    const char *name, enum cerbo_rule_kind kind, const char *rule, int *changed,
    struct cerbo_error *err) CERBO_NONNULL(1, 2, 4);
CERBO_MUST_CHECK int cerbo_profile_rule_remove(struct cerbo_store *store,
    const char *name, enum cerbo_rule_kind kind, const char *rule, int *changed,
    struct cerbo_error *err) CERBO_NONNULL(1, 2, 4);
/* CERBO_E_INUSE, naming the users, while a user uses the profile. */
CERBO_MUST_CHECK int cerbo_profile_remove(struct cerbo_store *store,
    const char *name, struct cerbo_error *err) CERBO_NONNULL(1, 2);

/* Validate one "METHOD PATH" rule. */
CERBO_MUST_CHECK int cerbo_rule_validate(const char *rule,
    struct cerbo_error *err) CERBO_NONNULL(1);
/*
 * A warning about a valid rule of kind, for the tools to show (the rule
 * is still accepted), or NULL.  Today: a rule whose path holds a character
 * the request parser refuses (U+212A KELVIN SIGN...), which never matches;
 * a deny rule whose path does not end in a "**" segment, which a backend
 * that routes a longer path to the same handler can be reached around.
 */
const char *cerbo_rule_warning(enum cerbo_rule_kind kind, const char *rule);

/*
 * An HTTP request reduced to what rules match: the method and the
 * percent-decoded path, query string dropped.  Parsed from a request line
 * ("GET /a/b?x=1 HTTP/1.1") or "METHOD TARGET".  Targets that a web server
 * would normalise into another path (dot segments, empty segments, encoded
 * slashes, double encoding, ';' parameters, absolute form, control bytes,
 * characters a server folds into other text such as U+212A KELVIN SIGN),
 * and a query with a "_method" parameter (method override), are refused
 * with CERBO_E_INVALID.
 */
#define CERBO_METHOD_MAX 32
#define CERBO_PATH_MAX 4096
struct cerbo_request {
	size_t size; /* set by CERBO_REQUEST_INIT */
	char method[CERBO_METHOD_MAX];
	char path[CERBO_PATH_MAX];
};
#define CERBO_REQUEST_INIT                                                     \
	{                                                                      \
		.size = sizeof(struct cerbo_request)                           \
	}
CERBO_MUST_CHECK int cerbo_request_parse(const char *line,
    struct cerbo_request *out, struct cerbo_error *err) CERBO_NONNULL(1, 2);
/*
 * The two parts of a request that a proxy names apart (a method header
 * and a URI header), each checked before they are joined into "METHOD
 * TARGET", so that neither can carry a piece of the other ("GET /a" and
 * "HTTP/1.1" join into a valid line): cerbo_request_method_valid() is 1
 * when method is a method as cerbo_request_parse() takes it (an upper-case
 * letter, then upper-case letters, '-' or '_'), cerbo_request_target_valid()
 * when target starts with '/' and holds only printable ASCII other than a
 * space.  The rest of the target is judged when the joined line is parsed.
 */
int cerbo_request_method_valid(const char *method) CERBO_NONNULL(1);
int cerbo_request_target_valid(const char *target) CERBO_NONNULL(1);

/* Which rule decided a request, for logs and `explain`. */
struct cerbo_decision {
	size_t size;               /* set by CERBO_DECISION_INIT */
	int allowed;               /* 1 allowed, 0 refused */
	int matched;               /* 1 when a rule decided, 0 default deny */
	enum cerbo_rule_kind kind; /* of the deciding rule */
	char rule[CERBO_RULE_MAX + 1];
	char profile[CERBO_PROFILE_NAME_MAX + 1];
};
#define CERBO_DECISION_INIT                                                    \
	{                                                                      \
		.size = sizeof(struct cerbo_decision)                          \
	}
/*
 * Decide a parsed request against a profile: deny rules win over allow,
 * no matching allow rule is a refusal.  Allow rules match exactly; a deny
 * rule matches every spelling a backend may route to the same handler
 * (a deny on GET refuses HEAD, path letters in any case, a literal with a
 * '.' suffix such as ".json", one trailing '/' after a last literal or "*"
 * segment): see cerbo-store(5).  -1 only
 * for invalid arguments.
 */
CERBO_MUST_CHECK int cerbo_profile_decide(const struct cerbo_profile *profile,
    const struct cerbo_request *request, struct cerbo_decision *out)
    CERBO_NONNULL(2, 3);

/* ---------------------------------------------------------------------
 * Secrets and hash strings.
 *
 * Generated keys are hashed with "$cerbo-b2b$v=1$<salt>$<hash>" (keyed
 * BLAKE2b-256, per-user 16-byte salt, base64 without padding); anything
 * else with argon2id ("$argon2id$v=19$m=...,t=...,p=1$...") within the
 * bounds below.  Every other scheme is refused.
 */
#define CERBO_ARGON2_MEMLIMIT_MAX (256u * 1024 * 1024) /* bytes */
#define CERBO_ARGON2_OPSLIMIT_MAX 10

/* A new key into out (at least CERBO_SECRET_GENERATED_SIZE bytes). */
CERBO_MUST_CHECK int cerbo_secret_generate(char *out, size_t outlen)
    CERBO_NONNULL(1);
/* 1 when secret has the generated format and a valid checksum. */
int cerbo_secret_is_generated(const char *secret, size_t len);
/*
 * Hash a secret into a hash string (out: CERBO_HASH_MAX bytes): the fast
 * scheme for a generated key, argon2id for anything else, except that a
 * secret with the generated prefix that is not a valid key (a typo) is
 * refused (CERBO_E_INVALID); cerbo_secret_check() never accepts one either.
 */
CERBO_MUST_CHECK int cerbo_secret_hash(const char *secret, size_t len,
    char *out, size_t outlen, struct cerbo_error *err) CERBO_NONNULL(1, 3);
/*
 * The rule for every secret, checked before hashing and by the tools on
 * input: non-empty, at most CERBO_SECRET_MAX bytes, no NUL and no control
 * character (an HTTP Basic header never carries one; a stray line break
 * is a typo).  The message gives the offending byte's 1-based position.
 */
CERBO_MUST_CHECK int cerbo_secret_validate(const char *secret, size_t len,
    struct cerbo_error *err);
/* "cerbo-b2b" or "argon2id" for a valid hash string, NULL otherwise. */
const char *cerbo_hash_scheme(const char *hash);
/*
 * 0 when secret matches hash, -1 otherwise (constant time in the secret;
 * the fast scheme accepts only generated keys with a valid checksum).
 */
CERBO_MUST_CHECK int cerbo_secret_check(const char *hash, const char *secret,
    size_t len) CERBO_NONNULL(1, 2);

/* ---------------------------------------------------------------------
 * HTTP Basic credentials.
 */
struct cerbo_basic {
	size_t size; /* set by CERBO_BASIC_INIT */
	char username[CERBO_USERNAME_MAX + 1];
	char secret[CERBO_SECRET_MAX + 1]; /* wipe with cerbo_basic_wipe() */
	size_t secret_len;
};
#define CERBO_BASIC_INIT                                                       \
	{                                                                      \
		.size = sizeof(struct cerbo_basic)                             \
	}
/*
 * Parse an Authorization header value ("Basic <base64>"): strict base64,
 * split at the first ':', bounded lengths, no control characters, both
 * parts non-empty.  On error out is wiped.
 *
 * On success out holds the secret, and the caller owns it: pass
 * out->secret and out->secret_len to cerbo_verify(), then call
 * cerbo_basic_wipe(out) on every path.  Copy the secret nowhere else.
 */
CERBO_MUST_CHECK int cerbo_basic_parse(const char *header,
    struct cerbo_basic *out, struct cerbo_error *err) CERBO_NONNULL(1, 2);
void cerbo_basic_wipe(struct cerbo_basic *basic);

/*
 * A client address as it may be written to a log line: the address when it
 * is made only of what an IPv4 or IPv6 address is made of (at most 64
 * bytes), "(not shown)" for anything else (a host name or text a client
 * chose), "unknown address" for NULL or "".  Every front end logs
 * PAM_RHOST and the like through it.
 */
const char *cerbo_addr_shown(const char *rhost);

/*
 * Log lines, for the front ends that write them (the library writes none).
 * cerbo_log_clean() copies text into out (outlen bytes, always terminated,
 * cut when too long) with every control byte and every byte past 0x7e
 * replaced by '?', so that nothing a client chose can forge a line or carry
 * an escape.  cerbo_log_repeat_allowed() is the limit for a cleaned line
 * that can repeat on every request (a store that turned unusable): 1 when
 * the line may be written now, 0 when an identical line was written less
 * than CERBO_LOG_REPEAT_INTERVAL seconds ago in this process.  When it
 * returns 1 after holding identical lines back, it appends to line (a
 * buffer of size bytes, cut to make room) how many it held back:
 * " (N identical messages suppressed)".  Thread-safe.
 */
#define CERBO_LOG_REPEAT_INTERVAL 10
void cerbo_log_clean(char *out, size_t outlen, const char *text);
int cerbo_log_repeat_allowed(char *line, size_t size);

/* ---------------------------------------------------------------------
 * The verifier: the one answer shared by the PAM module and the tools.
 */
enum cerbo_verdict_code {
	CERBO_ALLOW = 0,
	CERBO_DENY_CREDENTIALS, /* unknown user or wrong secret */
	CERBO_DENY_DISABLED,
	CERBO_DENY_EXPIRED,
	CERBO_DENY_ADDRESS,   /* client outside allow_from */
	CERBO_DENY_FORBIDDEN, /* profile refuses the request */
	CERBO_DENY_REQUEST,   /* request line refused by the parser */
	CERBO_STORE_ERROR,    /* store unreadable, unsafe or invalid */
	/* Not a code: how many there are (a new code goes before it), so
	 * that a table by code (counters, names) grows with the enum. */
	CERBO_VERDICT__COUNT
};

enum cerbo_key_used { CERBO_KEY_NONE, CERBO_KEY_CURRENT, CERBO_KEY_OLD };
/* "current" or "old" for the key that matched; NULL for CERBO_KEY_NONE. */
const char *cerbo_key_used_name(enum cerbo_key_used key);

struct cerbo_verify_args {
	size_t size;            /* set by CERBO_VERIFY_ARGS_INIT */
	const char *store_path; /* NULL: CERBO_STORE_DEFAULT */
	const char *username;
	const char *secret; /* NULL: authorize only (no credential check) */
	size_t secret_len;
	const char *request; /* "METHOD TARGET[ HTTP/x.y]"; NULL: none */
	const char *rhost;   /* client address, NULL if unknown */
	int64_t now;         /* 0: time(NULL) */
	unsigned flags;      /* 0, or CERBO_VERIFY_FAST_ONLY; no other bit */
};
/*
 * cerbo_verify() checks no secret with the slow scheme: when it would (see
 * cerbo_verify_cost()), it returns CERBO_VERIFY_DEFERRED instead, having
 * hashed nothing, so that a server can send that check to a pool of its
 * own and answer every other one at once, with one look at the store.
 */
#define CERBO_VERIFY_FAST_ONLY 0x100u
/* cerbo_verify() with CERBO_VERIFY_FAST_ONLY: not decided, call again
 * without the flag.  verdict->code then refuses (CERBO_DENY_CREDENTIALS)
 * and verdict->notice is set as for a decided call. */
#define CERBO_VERIFY_DEFERRED 1
#define CERBO_VERIFY_ARGS_INIT                                                 \
	{                                                                      \
		.size = sizeof(struct cerbo_verify_args)                       \
	}

struct cerbo_verdict {
	size_t size; /* set by CERBO_VERDICT_INIT */
	enum cerbo_verdict_code code;
	enum cerbo_key_used key;
	int username_valid; /* username is a syntactically valid pk_ name */
	/* When a request was decided, which rule of which profile did (as in
	 * struct cerbo_decision; held here, not as an embedded struct, so
	 * that either struct may grow on its own). */
	int rule_matched;               /* 1 when a rule decided */
	enum cerbo_rule_kind rule_kind; /* of the deciding rule */
	char rule[CERBO_RULE_MAX + 1];
	char profile[CERBO_PROFILE_NAME_MAX + 1];
	/* For the log: "unknown user", "wrong secret", "forbidden by profile
	 * scheduling (deny DELETE /admin)", ...; never a secret or a hash. */
	char reason[512];
	/* -- store notices: "" or, on the one call that (re)loaded the
	 * store, a warning for the log; the verdict itself is unaffected.
	 * "store generation went back from N to M: a restored backup may
	 * have revived revoked keys" when the generation is lower than that
	 * of the store this process last loaded from the path; "compiled
	 * index passed over, the YAML was parsed instead: ..." when the
	 * index beside the store is stale, damaged or unsafe (both, joined
	 * by "; ", when both apply).  Never a secret or a hash. */
	char notice[512];
	/* -- version 2: the user's profile, and what it alone answers to
	 * the request, for a tool that explains a verdict: set whenever the
	 * user was found (and its secret, when one was given, matched), also
	 * when the account was refused before the request was looked at
	 * (disabled, expired, outside allow_from), so that nobody decides a
	 * second time on a second read of the store.  profile_decided is 0
	 * when no request was given, the parser refused it, or the profile
	 * does not exist. */
	char user_profile[CERBO_PROFILE_NAME_MAX + 1]; /* "": no such user */
	int profile_decided;
	int profile_allows;       /* 1 when the profile allows the request */
	int profile_rule_matched; /* 1 when a rule decided, 0 default deny */
	enum cerbo_rule_kind profile_rule_kind;
	char profile_rule[CERBO_RULE_MAX + 1];
};
#define CERBO_VERDICT_INIT                                                     \
	{                                                                      \
		.size = sizeof(struct cerbo_verdict)                           \
	}

/*
 * Decide a request.  With a secret: the secret is checked first, then
 * disabled, expiry, allow_from, and the request when one is given.
 *
 * What the time of a refusal tells, and what it does not: usernames are
 * public keys (pk_...), not secrets, and the promise is about them.  An
 * unknown user is checked against a dummy hash of the fast scheme, so it
 * costs what a wrong secret of a user with a generated key (the fast
 * scheme) costs.  A user whose key was imported as an argon2id hash costs
 * that hash's time for a wrong secret (tens of ms), so it stands apart
 * from an unknown user by its time; no argon2id work is spent on unknown
 * users to hide that.  Disabled, expired and wrong-address users are
 * checked after the secret, so each costs what a wrong secret of its own
 * scheme costs, and only the holder of the key learns which it is.  Without a
 * secret (args->secret NULL), only the account and the request are checked: use
 * it after a successful authentication only.  Returns 0 when a verdict was
 * reached (read verdict->code), CERBO_VERIFY_DEFERRED only when args->flags
 * has CERBO_VERIFY_FAST_ONLY and the check needs the slow scheme, -1 only
 * on invalid arguments (a NULL pointer, a size below version 1's, or a
 * flag bit not defined here: nothing is then read or checked).
 *
 * The store is cached per path in the process and re-validated with one
 * stat per call; thread-safe.  A store replaced on disk (by the tools'
 * rename, by configuration management, by a Kubernetes ..data symlink
 * swap) is seen by the next call, and its owner and mode are checked on
 * every call, so a daemon never needs a reload signal.  A store that is
 * missing, unsafe or invalid gives CERBO_STORE_ERROR: everyone is refused.
 *
 * verdict->reason and cerbo_verdict_name() are for logs; tell the client
 * no more than "401" (a credential or account refusal) or "403"
 * (CERBO_DENY_FORBIDDEN), so it cannot learn which usernames exist.  Log
 * args->username only when verdict->username_valid is set: a client that
 * typed its secret into the username field would put it in the log.
 */
CERBO_MUST_CHECK int cerbo_verify(const struct cerbo_verify_args *args,
    struct cerbo_verdict *verdict) CERBO_NONNULL(1, 2);
/* A fixed name for a code ("allow", "deny_credentials", ...). */
const char *cerbo_verdict_name(enum cerbo_verdict_code code);

/*
 * The HTTP status a front end answers for a verdict: 200 allow; 401 for
 * every credential and account refusal (unknown user, wrong secret,
 * disabled, expired, address outside allow_from), so a client cannot tell
 * them apart; 403 for a valid key used outside its profile and for a
 * request form the parser refuses; 500 when the store cannot be used.
 */
int cerbo_verdict_http_status(enum cerbo_verdict_code code);

/*
 * Whether cerbo_verify(args) would run the slow scheme: *slow is 1 when a
 * hash it may check for args->username is argon2id and the verifier's
 * cache of argon2id successes does not already hold args->secret, 0
 * otherwise (fast-scheme users, unknown and invalid usernames, a remembered
 * success).  Cheap (the same cached store and one lookup, no hashing), so
 * a server can send slow checks to a bounded pool and answer fast ones at
 * once.  Returns 0, or -1 (err set) when the store cannot be used or an
 * argument is invalid (cerbo_store_usable() is the health check).  A store
 * (re)loaded by this call leaves its notice (see struct cerbo_verdict) in
 * notice (noticelen bytes, may be NULL), not in the next verdict.
 */
CERBO_MUST_CHECK int cerbo_verify_cost(const struct cerbo_verify_args *args,
    int *slow, char *notice, size_t noticelen, struct cerbo_error *err)
    CERBO_NONNULL(1, 2);

/*
 * Whether the store at path (NULL: CERBO_STORE_DEFAULT) can answer
 * requests now, and if not, why: the verifier's own check (the same
 * cache, trust rules, parse and choice of index as cerbo_verify(); one
 * stat when nothing changed), for a /healthz endpoint, a start-up check
 * and the tools' check.  0 when usable; -1 with err otherwise
 * (CERBO_E_NOTFOUND, CERBO_E_UNSAFE, CERBO_E_STORE, CERBO_E_TOO_NEW,
 * CERBO_E_IO, ...).  flags: 0, or CERBO_USABLE_INDEX to also rebuild the
 * compiled index beside the store in memory and compare it with the file:
 * CERBO_E_STORE when the index is damaged or names this version of the
 * store but differs from what it makes (written in place), CERBO_E_STATE
 * when it is stale (it names another version; readers pass it over, as
 * after an interrupted write); either way, run cerbo-apiuser compile.
 * That reads and parses the whole store: for `check`, not per request.
 */
#define CERBO_USABLE_INDEX 0x1
CERBO_MUST_CHECK int cerbo_store_usable(const char *path, unsigned flags,
    struct cerbo_error *err);

/* 1 when s is a syntactically valid username. */
int cerbo_username_valid(const char *s);
/* 0 when s is a valid username, else -1 with the reason in err (for
 * front ends that say why, as a form does under its field). */
CERBO_MUST_CHECK int cerbo_username_validate(const char *s,
    struct cerbo_error *err);

/* ---------------------------------------------------------------------
 * The log lines of a check, the same in every front end (the PAM module,
 * cerbo-authd, a web server module).  The front end says what it decided
 * and hands a writer; cerbo_log_verdict() builds each line, cleans it
 * (cerbo_log_clean()), applies the repeat limits and calls
 * writer(ctx, priority, line) for each line to write now, in the order
 * below.  priority is a syslog(3) level; line has fewer than
 * CERBO_LOG_LINE_MAX bytes.
 *
 * In the lines, P: is args->prefix and ": " (nothing when it is NULL),
 * (S) is " (STATUS)" for an args->status other than 0, ADDR is
 * cerbo_addr_shown(args->rhost), NAME is args->username when it is a
 * valid username and "(invalid username)" otherwise, and ; request "R"
 * is args->request (nothing when NULL) up to its first '?' (a query
 * string may carry tokens of other schemes), at most 256 bytes (then
 * " (cut)" follows), inside double quotes with every '"' and '' escaped
 * by a '': what a client sent cannot pass for the rest of a line.
 *
 * With args->verdict, and args->verify_rc what cerbo_verify() returned:
 *   LOG_WARNING the verdict's notice: "NOTICE (store PATH)";
 *   LOG_DEBUG   with CERBO_LOG_DEBUG: "P:check of user NAME from ADDR,
 *               store PATH; request "R": verdict CODE, key KEY: REASON";
 *   LOG_ERR     verify_rc -1: "P:refused(S) from ADDR: the verifier
 *               refused its arguments; request "R"";
 *   LOG_ERR     a store error: "cannot use the store (reading as uid N),
 *               refusing everyone: REASON", identical lines at most once
 *               per CERBO_LOG_REPEAT_INTERVAL;
 *   LOG_NOTICE  allowed with the old key of a rotation: "P:NAME
 *               authenticated with its old key: the client should switch
 *               to the new key before the grace period ends", at most
 *               once per interval for a user;
 *   LOG_INFO    allowed, with CERBO_LOG_SUCCESS: "P:allowed from ADDR:
 *               REASON; request "R"";
 *   LOG_NOTICE  refused: "P:refused(S) from ADDR: REASON; request "R"".
 * verify_rc CERBO_VERIFY_DEFERRED writes the notice alone.  REASON is the
 * verdict's, except for a request a profile refused, which is told by the
 * profile and the rule ("user NAME forbidden by profile P: deny rule R",
 * "...: no allow rule matches"; " (old key)" after): the request itself
 * is told in its quotes only.
 *
 * Without args->verdict, a refusal the front end decided itself (no
 * credentials, a header it refuses, a full queue) at args->priority
 * (0: LOG_NOTICE): "P:refused(S) from ADDR: REFUSAL (user NAME); request
 * "R"", the user only when args->username is not NULL.  args->refusal is
 * the front end's own text, never what a client sent.
 *
 * With CERBO_LOG_LIMIT_REFUSALS (for a server a client can flood), refusal
 * lines are limited per reason, as store errors are: lines that differ
 * only in ADDR and R are written at most once per
 * CERBO_LOG_REPEAT_INTERVAL, the next one ending in " (N refusals with
 * this reason suppressed)".
 *
 * Returns 0, or -1 with nothing written: a NULL args or writer, a size
 * below version 1's (args or args->verdict), an unknown flag, or neither
 * a verdict nor a refusal.  Thread-safe.
 */
#define CERBO_LOG_LINE_MAX 1024
#define CERBO_LOG_SUCCESS 0x1        /* a line for an allowed check too */
#define CERBO_LOG_DEBUG 0x2          /* and the debug line */
#define CERBO_LOG_LIMIT_REFUSALS 0x4 /* refusal lines limited per reason */

struct cerbo_log_args {
	size_t size;            /* set by CERBO_LOG_ARGS_INIT */
	unsigned flags;         /* CERBO_LOG_* above */
	const char *prefix;     /* "auth", or NULL */
	int status;             /* the HTTP status answered; 0: none */
	const char *rhost;      /* client address, NULL if unknown */
	const char *username;   /* as given to cerbo_verify(), or NULL */
	const char *request;    /* as given to cerbo_verify(), or NULL */
	const char *store_path; /* NULL: CERBO_STORE_DEFAULT */
	const struct cerbo_verdict *verdict; /* NULL: see refusal */
	int verify_rc;                       /* cerbo_verify()'s result */
	const char *refusal; /* the front end's own refusal, fixed text */
	int priority;        /* of that refusal; 0: LOG_NOTICE */
};
#define CERBO_LOG_ARGS_INIT                                                    \
	{                                                                      \
		.size = sizeof(struct cerbo_log_args)                          \
	}
typedef void (*cerbo_log_writer)(void *ctx, int priority, const char *line);
int cerbo_log_verdict(const struct cerbo_log_args *args,
    cerbo_log_writer writer, void *ctx);

/* ---------------------------------------------------------------------
 * Usage records: when each key was last used on this host.
 *
 * When the store names a usage file, cerbo_verify() itself records each
 * use of a correct key (allowed, or refused only by the profile or the
 * address), the current and the old key apart, to the minute: at most
 * one write per key per minute and process, no lock shared with the
 * verification, no allocation.  The record never changes an answer: a
 * missing, unwritable or damaged file is told once in a while in
 * verdict->notice, and nothing else happens.  A front end does nothing.
 * The file's format is in cerbo-store(5).
 */
struct cerbo_usage;

/*
 * Read the usage file at path (a snapshot, in memory).  A missing file is
 * CERBO_E_NOTFOUND, one that is not a usage file or is damaged
 * CERBO_E_STORE.
 */
CERBO_MUST_CHECK int cerbo_usage_load(const char *path,
    struct cerbo_usage **out, struct cerbo_error *err);
/* When key (CERBO_KEY_CURRENT or CERBO_KEY_OLD) of user was last used, in
 * seconds since the epoch (a whole minute); 0 when never, or when the user
 * has no such key. */
int64_t cerbo_usage_last_used(const struct cerbo_usage *usage,
    const struct cerbo_user *user, enum cerbo_key_used key);
void cerbo_usage_free(struct cerbo_usage *usage);
/*
 * Make the usage file the store names ready for its users: create it when
 * missing (mode 0664; its group is the folder's, so make the folder setgid
 * to the group of the processes that verify), rebuild it when it is too
 * small for the users, mostly taken by keys gone, or damaged, keeping the
 * figures of the keys the store still has.  Nothing when it is fine or
 * the store names no usage file.  *rebuilt (may be NULL) says whether it
 * was written.
 */
CERBO_MUST_CHECK int cerbo_usage_prepare(const struct cerbo_store *store,
    int *rebuilt, struct cerbo_error *err);

/* ---------------------------------------------------------------------
 * Transactions: every change to a store file.
 *
 * begin takes the store's lock (a lock file beside it, never unlinked),
 * waits up to timeout_ms, reads the current store (or starts an empty one
 * when CERBO_TXN_CREATE is given and none exists), and checks the
 * expectations.  commit validates the whole store, drops expired old keys,
 * sets generation to the value read plus one, writes a temp file in the
 * same folder with the original's owner, group and mode, fsyncs it, keeps
 * the previous version as "<store>-", renames, and fsyncs the folder.  On
 * any failure the store file is as it was.  free releases the lock.
 */
struct cerbo_txn;

#define CERBO_TXN_CREATE 0x1 /* create the store (and its folder) if absent */

struct cerbo_txn_options {
	size_t size;        /* set by CERBO_TXN_OPTIONS_INIT */
	unsigned flags;     /* 0, or CERBO_TXN_CREATE; no other bit */
	int64_t timeout_ms; /* <= 0: 10 s */
	int expect_generation_set;
	uint64_t expect_generation;
	const char *expect_digest; /* hex, NULL: none */
};
#define CERBO_TXN_OPTIONS_INIT                                                 \
	{                                                                      \
		.size = sizeof(struct cerbo_txn_options)                       \
	}

CERBO_MUST_CHECK int cerbo_txn_begin(const char *path,
    const struct cerbo_txn_options *opts, struct cerbo_txn **out,
    struct cerbo_error *err) CERBO_NONNULL(1, 3);
struct cerbo_store *cerbo_txn_store(struct cerbo_txn *txn);
/* The store file's generation: as read by begin, and after a commit the
 * one it wrote (the generation read plus one).  The only source of the
 * number a tool reports; 0 for a store that does not exist yet. */
uint64_t cerbo_txn_generation(const struct cerbo_txn *txn);
CERBO_MUST_CHECK int cerbo_txn_commit(struct cerbo_txn *txn,
    struct cerbo_error *err) CERBO_NONNULL(1);
void cerbo_txn_free(struct cerbo_txn *txn);

/* -- edit-file (cerbo-apiuser): install a whole, separately parsed store.
 * Replace the transaction's store with store (validated first; on error
 * nothing changes and the caller keeps store).  On success the transaction
 * owns store; commit writes it with the generation read plus one. */
CERBO_MUST_CHECK int cerbo_txn_replace_store(struct cerbo_txn *txn,
    struct cerbo_store *store, struct cerbo_error *err) CERBO_NONNULL(1, 2);

/* ---------------------------------------------------------------------
 * Durations, as the tools take them.
 */
/*
 * Durations have one grammar: decimal digits and a unit, "ms", "s", "m",
 * "h" or "d", at most 3650 days.  cerbo_duration_parse() reads one into
 * whole seconds and wants the unit ("90s", "15m", "24h", "7d"; "ms" is
 * refused).
 */
CERBO_MUST_CHECK int cerbo_duration_parse(const char *s, int64_t *out,
    struct cerbo_error *err) CERBO_NONNULL(1, 2);
/* The same into milliseconds, where a bare number is seconds and "ms" is
 * allowed, within [min_ms, max_ms]; the message states the bounds. */
CERBO_MUST_CHECK int cerbo_duration_parse_ms(const char *s, int64_t min_ms,
    int64_t max_ms, int64_t *out, struct cerbo_error *err) CERBO_NONNULL(1, 4);

/* ---------------------------------------------------------------------
 * Change lists: what a change did, one record per change, as apply and
 * the tools report it.  A record is an object (user or profile) and its
 * name, and, for an update, the field with its old and new value (NULL
 * when unset).  A rule added to or removed from a profile is an update
 * of field "allow" or "deny" with only new or only old set.  A new key is
 * field "secret" with neither value: a record never holds a secret or a
 * hash.  An added object may carry a summary as its new value ("1 allow,
 * 0 deny rules").  Each record also has its line of text:
 *   "+ profile NAME", "+ profile NAME (SUMMARY)", "- user NAME",
 *   "~ profile NAME: + allow RULE", "~ profile NAME: - deny RULE",
 *   "~ profile NAME: description \"A\" -> \"B\"",
 *   "~ user NAME: email A -> B", "~ user NAME: nickname \"A\" -> \"B\"",
 *   "~ user NAME: expires (unset) -> 2030-01-01T00:00:00Z",
 *   "~ user NAME: secret changed".
 */
enum cerbo_change_op {
	CERBO_CHANGE_ADDED,
	CERBO_CHANGE_UPDATED,
	CERBO_CHANGE_REMOVED
};
/* CERBO_OBJECT_STORE: a top-level setting (field usage_file), name "store". */
enum cerbo_change_object {
	CERBO_OBJECT_USER,
	CERBO_OBJECT_PROFILE,
	CERBO_OBJECT_STORE
};
struct cerbo_changes;

struct cerbo_changes *cerbo_changes_new(void);
void cerbo_changes_free(struct cerbo_changes *list);
/* Record one change (field only for CERBO_CHANGE_UPDATED; old and new are
 * dropped for field "secret").  0, or -1 with err. */
CERBO_MUST_CHECK int cerbo_changes_add(struct cerbo_changes *list,
    enum cerbo_change_op op, enum cerbo_change_object object, const char *name,
    const char *field, const char *old_value, const char *new_value,
    struct cerbo_error *err) CERBO_NONNULL(1, 4);
size_t cerbo_changes_count(const struct cerbo_changes *list);
enum cerbo_change_op cerbo_change_op(const struct cerbo_changes *list,
    size_t i);
enum cerbo_change_object cerbo_change_object(const struct cerbo_changes *list,
    size_t i);
const char *cerbo_change_name(const struct cerbo_changes *list, size_t i);
/* NULL for an added or removed object. */
const char *cerbo_change_field(const struct cerbo_changes *list, size_t i);
const char *cerbo_change_old(const struct cerbo_changes *list, size_t i);
const char *cerbo_change_new(const struct cerbo_changes *list, size_t i);
/* The record's line, as above. */
const char *cerbo_change_text(const struct cerbo_changes *list, size_t i);
/* For an update, the line after "~ OBJECT NAME: "; NULL otherwise. */
const char *cerbo_change_detail(const struct cerbo_changes *list, size_t i);
/* "added", "updated", "removed"; "user", "profile". */
const char *cerbo_change_op_name(enum cerbo_change_op op);
const char *cerbo_change_object_name(enum cerbo_change_object object);

/* ---------------------------------------------------------------------
 * Apply: make a store match a desired state declared in one document
 * (what config management and bulk imports use; cerbo-apiuser(1),
 * APPLY DOCUMENT, defines the format).
 *
 *   profiles:                  # optional list
 *     - name: scheduling       # required
 *       state: present         # present (default) or absent
 *       description: ...       # optional; omitted: unset
 *       allow: ["GET /a"]      # optional; the whole list (omitted: none)
 *       deny: []               # optional; the whole list (omitted: none)
 *   users:                     # optional list
 *     - username: pk_x         # required
 *       state: present         # present (default) or absent
 *       nickname: ...          # required with present
 *       profile: scheduling    # required with present
 *       email: ...             # required with present
 *       description: ...       # required with present
 *       disabled: false        # optional; omitted: false
 *       expires: <time>        # optional; omitted: unset
 *       allow_from: [cidr]     # optional, non-empty; omitted: unset
 *       secret_hash: "$..."    # optional; omitted: keep the key (new
 *                              #   users get a generated one)
 *
 * An entry with state present is the whole desired state of that user or
 * profile: an optional field left out is unset (disabled: false).  An
 * entry with state absent holds only its name and state.  Present
 * profiles are applied first, then users, then absent profiles, so one
 * document may move users off a profile and remove it.  A value that is
 * already as declared is not touched (updated keeps its time), so
 * applying a document twice changes nothing the second time.
 *
 * The document is parsed strictly (unknown or duplicate keys, wrong
 * types, anchors, aliases and tags are errors with name:line:column;
 * JSON is read too) and validated in full against the store before the
 * first change, so on any error the store is unchanged; only running out
 * of memory part-way may leave it partly changed (CERBO_E_NOMEM: drop it,
 * as a transaction that is not committed does).  Cost is O(d log d) for a
 * document of d entries, plus O(n) per removed profile for a store of n
 * users.
 *
 * name is used in error positions (NULL: "document").  now stamps
 * created/updated.  *result (may be NULL) gets what changed and every
 * generated key; free it with cerbo_apply_result_free().
 */
struct cerbo_apply_result;

CERBO_MUST_CHECK int cerbo_store_apply(struct cerbo_store *store,
    const char *buf, size_t len, const char *name, int64_t now,
    struct cerbo_apply_result **result, struct cerbo_error *err)
    CERBO_NONNULL(1);

/* 1 when the store was changed. */
int cerbo_apply_result_changed(const struct cerbo_apply_result *result);

/*
 * What changed, one line each, in the order applied (profiles, users,
 * removed profiles; by name within each): "+ profile NAME",
 * "~ profile NAME: description \"A\" -> \"B\"", "~ profile NAME: + allow
 * RULE", "- profile NAME", "+ user NAME", "~ user NAME: email A -> B",
 * "~ user NAME: secret changed", "- user NAME".  Never a secret or a
 * hash.
 */
size_t cerbo_apply_result_change_count(const struct cerbo_apply_result *result);
const char *
cerbo_apply_result_change_at(const struct cerbo_apply_result *result, size_t i);
/*
 * Warnings about rules the document added (cerbo_rule_warning()), one
 * line each: "profile NAME: deny rule \"RULE\": TEXT".  The rules are
 * applied all the same; a tool shows the warnings.
 */
size_t cerbo_apply_result_warning_count(
    const struct cerbo_apply_result *result);
const char *
cerbo_apply_result_warning_at(const struct cerbo_apply_result *result,
    size_t i);
/* The same changes as records (see Change lists); owned by the result. */
const struct cerbo_changes *cerbo_apply_result_changes(
    const struct cerbo_apply_result *result);

/* How many users and profiles were added, changed, removed. */
enum cerbo_apply_count {
	CERBO_APPLY_ADDED,
	CERBO_APPLY_UPDATED,
	CERBO_APPLY_REMOVED
};
size_t cerbo_apply_result_count(const struct cerbo_apply_result *result,
    enum cerbo_apply_count what);

/*
 * The keys generated for new users without secret_hash, in username
 * order: shown once, owned by the result and wiped when it is freed.
 */
size_t cerbo_apply_result_secret_count(const struct cerbo_apply_result *result);
const char *
cerbo_apply_result_secret_user(const struct cerbo_apply_result *result,
    size_t i);
const char *
cerbo_apply_result_secret_at(const struct cerbo_apply_result *result, size_t i);

/* Wipes the generated keys and frees; NULL is fine. */
void cerbo_apply_result_free(struct cerbo_apply_result *result);

/* ---------------------------------------------------------------------
 * The compiled index "<store>.idx": what the verifier needs, so that a
 * fresh process answers without parsing the YAML (cerbo-store(5), INDEX).
 * Every transaction writes it; compile writes it for a store that was
 * produced some other way (config management, a Kubernetes Secret).  A
 * stale or missing index never changes an answer: the verifier parses the
 * YAML instead.
 */
/* Under the store's lock (opts as for cerbo_txn_begin, may be NULL; the
 * expectations are checked), write the index of the store at path. */
CERBO_MUST_CHECK int cerbo_store_compile(const char *path,
    const struct cerbo_txn_options *opts, struct cerbo_error *err)
    CERBO_NONNULL(1);

/* ---------------------------------------------------------------------
 * The version of this build of libcerbo ("0.1.0"), the one the tools'
 * --version print, for a front end to print or log beside its own.  A
 * static string; the binary also holds it as "pam_cerbo version 0.1.0"
 * for strings(1).
 */
const char *cerbo_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CERBO_H */
