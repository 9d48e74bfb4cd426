/*
 * targets.c - the fuzz targets' entry code and invariants (see targets.h).
 *
 * Compiled into each libFuzzer binary (tests/fuzz/fuzz_*.c) and included
 * by the corpus replay test, so `make check` replays every corpus file
 * through exactly the code the fuzzers run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cerbo.h"
#include "internal.h"
#include "targets.h"

static cerbo_fuzz_handler fuzz_handler;

cerbo_fuzz_handler
cerbo_fuzz_set_handler(cerbo_fuzz_handler handler)
{
	cerbo_fuzz_handler old = fuzz_handler;

	fuzz_handler = handler;
	return old;
}

void
cerbo_fuzz_failed(const char *target, int line, const char *what)
{
	if (fuzz_handler != NULL)
		fuzz_handler(target, line, what);
	fprintf(stderr, "fuzz target %s: invariant broken at targets.c:%d: %s\n",
	    target, line, what);
	abort();
}

#define INVARIANT(target, cond)                                             \
	do {                                                                \
		if (!(cond))                                                \
			cerbo_fuzz_failed((target), __LINE__, #cond);       \
	} while (0)

/* A NUL-terminated copy of the input (inputs may hold NUL bytes: the C
 * string then ends at the first one, as it would for a caller). */
static char *
cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static int
all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

static int
has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

static int
printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int
zero_or_minus_one(int rc)
{
	return rc == 0 || rc == -1;
}

static int
error_status_known(const struct cerbo_error *err)
{
	return err->status > CERBO_OK && err->status <= CERBO_E_STATE;
}

static int
streq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---------------------------------------------------------------------
 * store: parse, validate, emit, re-parse, re-emit.
 */

static size_t
count_lines(const uint8_t *data, size_t size)
{
	size_t i, n = 1;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n;
}

/* Two stores hold the same model, as seen through the public getters. */
static void
same_model(const struct cerbo_store *a, const struct cerbo_store *b)
{
	static const char T[] = "store";
	size_t i, j, n;
	int k, f;

	INVARIANT(T, cerbo_store_generation(a) == cerbo_store_generation(b));
	INVARIANT(T, cerbo__store_format(a) == cerbo__store_format(b));
	n = cerbo_store_profile_count(a);
	INVARIANT(T, n == cerbo_store_profile_count(b));
	for (i = 0; i < n; i++) {
		const struct cerbo_profile *pa = cerbo_store_profile_at(a, i);
		const struct cerbo_profile *pb = cerbo_store_profile_at(b, i);

		INVARIANT(T, pa != NULL && pb != NULL);
		INVARIANT(T, streq_null(cerbo_profile_name(pa),
		    cerbo_profile_name(pb)));
		INVARIANT(T, streq_null(cerbo_profile_description(pa),
		    cerbo_profile_description(pb)));
		INVARIANT(T, cerbo_profile_allows_everything(pa) ==
		    cerbo_profile_allows_everything(pb));
		for (k = CERBO_RULE_ALLOW; k <= CERBO_RULE_DENY; k++) {
			enum cerbo_rule_kind kind = (enum cerbo_rule_kind)k;
			size_t rn = cerbo_profile_rule_count(pa, kind);

			INVARIANT(T, rn == cerbo_profile_rule_count(pb, kind));
			for (j = 0; j < rn; j++)
				INVARIANT(T, streq_null(
				    cerbo_profile_rule_at(pa, kind, j),
				    cerbo_profile_rule_at(pb, kind, j)));
		}
	}
	n = cerbo_store_user_count(a);
	INVARIANT(T, n == cerbo_store_user_count(b));
	for (i = 0; i < n; i++) {
		const struct cerbo_user *ua = cerbo_store_user_at(a, i);
		const struct cerbo_user *ub = cerbo_store_user_at(b, i);

		INVARIANT(T, ua != NULL && ub != NULL);
		INVARIANT(T, streq_null(cerbo_user_name(ua),
		    cerbo_user_name(ub)));
		INVARIANT(T, cerbo_user_disabled(ua) == cerbo_user_disabled(ub));
		for (f = 0; f < CERBO_USER_FIELD_COUNT; f++) {
			enum cerbo_user_field field = (enum cerbo_user_field)f;

			INVARIANT(T, streq_null(cerbo_user_get(ua, field),
			    cerbo_user_get(ub, field)));
			INVARIANT(T, cerbo__user_time(ua, field) ==
			    cerbo__user_time(ub, field));
		}
	}
}

int
cerbo_fuzz_store(const uint8_t *data, size_t size)
{
	static const char T[] = "store";
	struct cerbo_store *s1 = NULL, *s2 = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *b1 = NULL, *b2 = NULL;
	size_t l1 = 0, l2 = 0;
	char hex[65];
	int rc;

	rc = cerbo_store_parse((const char *)data, size, "fuzz.yaml", &s1,
	    &err);
	if (rc != 0) {
		INVARIANT(T, rc == -1);
		INVARIANT(T, s1 == NULL);
		INVARIANT(T, error_status_known(&err));
		INVARIANT(T, err.message[0] != '\0');
		INVARIANT(T, memchr(err.message, '\0',
		    sizeof(err.message)) != NULL);
		INVARIANT(T, err.line <= count_lines(data, size) + 1);
		return 0;
	}
	INVARIANT(T, s1 != NULL);
	INVARIANT(T, cerbo_store_validate(s1, &err) == 0);
	cerbo__digest_hex(data, size, hex);
	INVARIANT(T, strcmp(cerbo_store_digest(s1), hex) == 0);

	INVARIANT(T, cerbo_store_emit(s1, &b1, &l1, &err) == 0);
	INVARIANT(T, b1 != NULL);
	INVARIANT(T, cerbo_store_parse(b1, l1, "emitted.yaml", &s2, &err) ==
	    0);
	same_model(s1, s2);
	INVARIANT(T, cerbo_store_emit(s2, &b2, &l2, &err) == 0);
	INVARIANT(T, l1 == l2 && memcmp(b1, b2, l1) == 0);

	cerbo_store_free(s2);
	cerbo_store_free(s1);
	free(b2);
	free(b1);
	return 0;
}

/* ---------------------------------------------------------------------
 * basic: the Authorization header parser.
 */

static int
starts_basic(const char *h)
{
	return strncasecmp(h, "Basic", 5) == 0;
}

int
cerbo_fuzz_basic(const uint8_t *data, size_t size)
{
	static const char T[] = "basic";
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *header = cstring(data, size);
	char joined[CERBO_USERNAME_MAX + 1 + CERBO_SECRET_MAX + 1];
	char encoded[sodium_base64_ENCODED_LEN(sizeof(joined),
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t ulen, hlen, elen;
	int rc;

	memset(&b, 0xa5, sizeof(b));
	b.size = sizeof(b);
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = cerbo_basic_parse(header, &b, &err);
	if (rc != 0) {
		INVARIANT(T, rc == -1);
		INVARIANT(T, error_status_known(&err));
		INVARIANT(T, err.message[0] != '\0');
		/* "On error out is wiped." */
		INVARIANT(T, b.secret_len == 0);
		INVARIANT(T, all_zero(b.secret, sizeof(b.secret)));
		goto out;
	}
	ulen = strnlen(b.username, sizeof(b.username));
	INVARIANT(T, ulen > 0 && ulen <= CERBO_USERNAME_MAX);
	INVARIANT(T, strchr(b.username, ':') == NULL);
	INVARIANT(T, !has_control(b.username, ulen));
	INVARIANT(T, b.secret_len > 0 && b.secret_len <= CERBO_SECRET_MAX);
	INVARIANT(T, b.secret[b.secret_len] == '\0');
	INVARIANT(T, memchr(b.secret, '\0', b.secret_len) == NULL);
	INVARIANT(T, !has_control(b.secret, b.secret_len));
	INVARIANT(T, starts_basic(header));

	/* Strict base64: the token is exactly the canonical encoding of
	 * "username:secret". */
	memcpy(joined, b.username, ulen);
	joined[ulen] = ':';
	memcpy(joined + ulen + 1, b.secret, b.secret_len);
	sodium_bin2base64(encoded, sizeof(encoded),
	    (const unsigned char *)joined, ulen + 1 + b.secret_len,
	    sodium_base64_VARIANT_ORIGINAL);
	hlen = strlen(header);
	elen = strlen(encoded);
	INVARIANT(T, hlen > elen + 5);
	INVARIANT(T, memcmp(header + hlen - elen, encoded, elen) == 0);

	cerbo_basic_wipe(&b);
	INVARIANT(T, b.secret_len == 0);
	INVARIANT(T, all_zero(b.secret, sizeof(b.secret)));
out:
	sodium_memzero(joined, sizeof(joined));
	sodium_memzero(encoded, sizeof(encoded));
	free(header);
	return 0;
}

/* ---------------------------------------------------------------------
 * hash: hash strings and secret checks.
 *
 * Input: a hash string, optionally followed by '\n' and a secret to check
 * against it (the fixed secret below when there is none).
 */

/* A key in the generated format with a valid checksum, fixed so runs are
 * reproducible (made with cerbo_secret_generate; a test key, used nowhere). */
static const char fuzz_secret[] =
    "cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYO";

/* The argon2id cost a string names (m in KiB, t), or 0 when unreadable. */
static int
argon2_cost(const char *hash, unsigned long *m, unsigned long *t)
{
	const char *p;
	char *end;

	p = strstr(hash, "$m=");
	if (p == NULL)
		return 0;
	*m = strtoul(p + 3, &end, 10);
	if (strncmp(end, ",t=", 3) != 0)
		return 0;
	*t = strtoul(end + 3, &end, 10);
	return 1;
}

/* Verifying an argon2id string within the documented bounds may take
 * seconds; only cheap ones are verified here. */
#define FUZZ_ARGON2_M_MAX 256 /* KiB */
#define FUZZ_ARGON2_T_MAX 2

int
cerbo_fuzz_hash(const uint8_t *data, size_t size)
{
	static const char T[] = "hash";
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *input = cstring(data, size);
	const char *secret = fuzz_secret;
	size_t secret_len = sizeof(fuzz_secret) - 1;
	const char *scheme;
	char *nl;
	unsigned long m = 0, t = 0;
	int valid, generated;

	nl = strchr(input, '\n');
	if (nl != NULL) {
		*nl = '\0';
		secret = nl + 1;
		/* the secret may hold NUL bytes: take all that is left */
		secret_len = size - (size_t)(secret - input);
	}

	err = (struct cerbo_error)CERBO_ERROR_INIT;
	valid = cerbo__hash_validate(input, &err);
	scheme = cerbo_hash_scheme(input);
	INVARIANT(T, valid == 0 || valid == -1);
	INVARIANT(T, (valid == 0) == (scheme != NULL));
	if (valid != 0) {
		INVARIANT(T, error_status_known(&err));
		INVARIANT(T, err.message[0] != '\0');
		/* An invalid hash string never verifies anything, and is
		 * refused before any work is done. */
		INVARIANT(T, cerbo_secret_check(input, secret, secret_len) ==
		    -1);
		goto out;
	}
	INVARIANT(T, strlen(input) < CERBO_HASH_MAX);
	/* the grammar (cerbo-store(5)) is printable ASCII only */
	INVARIANT(T, printable_ascii(input));
	INVARIANT(T, strcmp(scheme, "cerbo-b2b") == 0 ||
	    strcmp(scheme, "argon2id") == 0);

	generated = cerbo_secret_is_generated(secret, secret_len);
	if (generated) {
		INVARIANT(T, secret_len == CERBO_SECRET_GENERATED_LEN);
		INVARIANT(T, memcmp(secret, CERBO_SECRET_PREFIX,
		    strlen(CERBO_SECRET_PREFIX)) == 0);
	}
	if (strcmp(scheme, "cerbo-b2b") == 0) {
		/* The fast scheme accepts generated keys only. */
		if (!generated)
			INVARIANT(T, cerbo_secret_check(input, secret,
			    secret_len) == -1);
		else
			INVARIANT(T, zero_or_minus_one(cerbo_secret_check(
			    input, secret, secret_len)));
	} else {
		INVARIANT(T, argon2_cost(input, &m, &t));
		INVARIANT(T, m * 1024 <= CERBO_ARGON2_MEMLIMIT_MAX);
		INVARIANT(T, t <= CERBO_ARGON2_OPSLIMIT_MAX);
		if (m <= FUZZ_ARGON2_M_MAX && t <= FUZZ_ARGON2_T_MAX)
			INVARIANT(T, zero_or_minus_one(cerbo_secret_check(
			    input, secret, secret_len)));
	}
out:
	free(input);
	return 0;
}

/* ---------------------------------------------------------------------
 * request: request lines, rules, and decisions.
 */

#define FIXED_PROFILE "fixed"

static const char *const fixed_allow[] = {
	"GET /api/v1/appointments/**",
	"POST /api/v1/appointments",
	"* /public/*",
};
static const char *const fixed_deny[] = {
	"* /api/v1/appointments/secret/**",
	"DELETE /**",
};

static struct cerbo_store *fixed_store;

static const struct cerbo_profile *
fixed_profile(void)
{
	static const char T[] = "request";
	struct cerbo_error err = CERBO_ERROR_INIT;
	size_t i;
	int changed;

	if (fixed_store == NULL) {
		fixed_store = cerbo__store_new();
		INVARIANT(T, fixed_store != NULL);
		INVARIANT(T, cerbo_profile_add(fixed_store, FIXED_PROFILE,
		    "Profile the request fuzzer decides against", &err) == 0);
		for (i = 0; i < sizeof(fixed_allow) / sizeof(*fixed_allow); i++)
			INVARIANT(T, cerbo_profile_rule_add(fixed_store,
			    FIXED_PROFILE, CERBO_RULE_ALLOW, fixed_allow[i],
			    &changed, &err) == 0);
		for (i = 0; i < sizeof(fixed_deny) / sizeof(*fixed_deny); i++)
			INVARIANT(T, cerbo_profile_rule_add(fixed_store,
			    FIXED_PROFILE, CERBO_RULE_DENY, fixed_deny[i],
			    &changed, &err) == 0);
	}
	return cerbo_store_profile_find(fixed_store, FIXED_PROFILE);
}

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Whether the query of line starts with a "_method" parameter, which a
 * parsed request never has (request.c refuses a method override). */
static int
query_starts_with_method(const char *line)
{
	static const char name[] = "_method";
	const char *q = strchr(line, '?');

	if (q == NULL || strncmp(q + 1, name, sizeof(name) - 1) != 0)
		return 0;
	/* strchr() finds the terminating NUL too: a name at the end */
	return strchr("=&; ", q[sizeof(name)]) != NULL;
}

/* The path of a parsed request is normalised: nothing a web server would
 * rewrite into another path is left in it. */
static void
check_request(const struct cerbo_request *r)
{
	static const char T[] = "request";
	size_t mlen, plen;

	mlen = strnlen(r->method, sizeof(r->method));
	plen = strnlen(r->path, sizeof(r->path));
	INVARIANT(T, mlen > 0 && mlen < sizeof(r->method));
	INVARIANT(T, plen > 0 && plen < sizeof(r->path));
	INVARIANT(T, strchr(r->method, ' ') == NULL);
	INVARIANT(T, !has_control(r->method, mlen));
	INVARIANT(T, r->path[0] == '/');
	INVARIANT(T, strstr(r->path, "//") == NULL);
	INVARIANT(T, strstr(r->path, "/./") == NULL);
	INVARIANT(T, strstr(r->path, "/../") == NULL);
	INVARIANT(T, !has_suffix(r->path, "/.."));
	INVARIANT(T, !has_suffix(r->path, "/."));
	INVARIANT(T, strchr(r->path, '\\') == NULL);
	/* decoded exactly once, %25 refused: no '%' can be left */
	INVARIANT(T, strchr(r->path, '%') == NULL);
	INVARIANT(T, !has_control(r->path, plen));
	/* nothing a server folds into other text (KELVIN SIGN into k) */
	INVARIANT(T, !cerbo__utf8_find_folding(r->path, plen, NULL));
}

static void
check_fixed_decision(const struct cerbo_request *r)
{
	static const char T[] = "request";
	const struct cerbo_profile *p = fixed_profile();
	struct cerbo_decision d1 = CERBO_DECISION_INIT;
	struct cerbo_decision d2 = CERBO_DECISION_INIT;

	INVARIANT(T, p != NULL);
	INVARIANT(T, cerbo_profile_decide(p, r, &d1) == 0);
	INVARIANT(T, cerbo_profile_decide(p, r, &d2) == 0);
	INVARIANT(T, d1.allowed == d2.allowed && d1.matched == d2.matched);
	INVARIANT(T, d1.allowed == 0 || d1.allowed == 1);
	INVARIANT(T, strcmp(d1.profile, FIXED_PROFILE) == 0);
	if (d1.allowed) {
		INVARIANT(T, d1.matched == 1);
		INVARIANT(T, d1.kind == CERBO_RULE_ALLOW);
		INVARIANT(T, strcmp(r->method, "DELETE") != 0);
		INVARIANT(T, has_prefix(r->path, "/api/v1/appointments") ||
		    has_prefix(r->path, "/public/"));
		INVARIANT(T, !has_prefix(r->path,
		    "/api/v1/appointments/secret/"));
		INVARIANT(T, strcmp(r->path, "/api/v1/appointments/secret") !=
		    0);
		/* a deny literal covers a format suffix (.json) too */
		INVARIANT(T, !has_prefix(r->path,
		    "/api/v1/appointments/secret."));
	} else if (d1.matched) {
		INVARIANT(T, d1.kind == CERBO_RULE_DENY);
	}
	if (d1.matched)
		INVARIANT(T, d1.rule[0] != '\0');
}

/* A valid rule can be added to a profile; a literal rule (no wildcard,
 * no encoding) allows exactly the request it spells, and the same rule as
 * a deny wins over it. */
static void
check_rule(const char *rule)
{
	static const char T[] = "request";
	struct cerbo_store *s = NULL;
	const struct cerbo_profile *p;
	struct cerbo_request r = CERBO_REQUEST_INIT;
	struct cerbo_decision d = CERBO_DECISION_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	int changed = 0;

	s = cerbo__store_new();
	INVARIANT(T, s != NULL);
	INVARIANT(T, cerbo_profile_add(s, "p", "Rule under test", &err) ==
	    0);
	INVARIANT(T, cerbo_profile_rule_add(s, "p", CERBO_RULE_ALLOW, rule,
	    &changed, &err) == 0);
	INVARIANT(T, changed == 1);
	p = cerbo_store_profile_find(s, "p");
	INVARIANT(T, p != NULL);
	INVARIANT(T, cerbo_profile_rule_count(p, CERBO_RULE_ALLOW) == 1);

	if (strchr(rule, '*') != NULL || strchr(rule, '%') != NULL)
		goto out;
	r = (struct cerbo_request)CERBO_REQUEST_INIT;
	if (cerbo_request_parse(rule, &r, &err) != 0)
		goto out;
	check_request(&r);
	if (strcmp(strchr(rule, ' ') + 1, r.path) != 0)
		goto out;
	d = (struct cerbo_decision)CERBO_DECISION_INIT;
	INVARIANT(T, cerbo_profile_decide(p, &r, &d) == 0);
	INVARIANT(T, d.allowed == 1);
	INVARIANT(T, cerbo_profile_rule_add(s, "p", CERBO_RULE_DENY, rule,
	    &changed, &err) == 0);
	p = cerbo_store_profile_find(s, "p");
	d = (struct cerbo_decision)CERBO_DECISION_INIT;
	INVARIANT(T, cerbo_profile_decide(p, &r, &d) == 0);
	INVARIANT(T, d.allowed == 0);
	INVARIANT(T, d.matched == 1 && d.kind == CERBO_RULE_DENY);
out:
	cerbo_store_free(s);
}

int
cerbo_fuzz_request(const uint8_t *data, size_t size)
{
	static const char T[] = "request";
	struct cerbo_request r = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *line = cstring(data, size);
	int rc;

	rc = cerbo_request_parse(line, &r, &err);
	INVARIANT(T, rc == 0 || rc == -1);
	if (rc == 0) {
		check_request(&r);
		check_fixed_decision(&r);
		INVARIANT(T, !query_starts_with_method(line));
	} else {
		INVARIANT(T, error_status_known(&err));
		INVARIANT(T, err.message[0] != '\0');
	}

	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = cerbo_rule_validate(line, &err);
	INVARIANT(T, rc == 0 || rc == -1);
	if (rc == 0) {
		INVARIANT(T, strlen(line) <= CERBO_RULE_MAX);
		INVARIANT(T, strchr(line, ' ') != NULL);
		check_rule(line);
	} else {
		INVARIANT(T, error_status_known(&err));
		INVARIANT(T, err.message[0] != '\0');
	}
	free(line);
	return 0;
}

#define USAGE_STORE                                                            \
	"cerbo_store: 1\ngeneration: 1\n"                                      \
	"profiles:\n  p:\n    allow:\n      - GET /**\n"                        \
	"users:\n  pk_fuzz:\n    nickname: F\n    profile: p\n"               \
	"    email: f@example.com\n    description: d\n"                     \
	"    secret: \"$cerbo-b2b$v=1$MaCnOfDJTsgkEQtn6EZcUw$"                  \
	"klWqgSdi9MgM9KkeZ3HEZftY6k1mkAzfEYsqcn7gImA\"\n"                      \
	"    secret_set: 2026-01-01T00:00:00Z\n"                               \
	"    old_secret: \"$cerbo-b2b$v=1$2bif2W4AYRT7cb3jgcsD3A$"              \
	"//6uOhdaZUdzinYhOrxQpWub/TiC4I5UjqmDyvxrATM\"\n"                      \
	"    old_secret_expires: 2026-01-02T00:00:00Z\n"                       \
	"    created: 2026-01-01T00:00:00Z\n"                                  \
	"    updated: 2026-01-01T00:00:00Z\n"

int
cerbo_fuzz_usage(const uint8_t *data, size_t size)
{
	static const char T[] = "usage";
	static struct cerbo_store *store;
	struct cerbo_usage *u = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const struct cerbo_user *user;
	int64_t t;
	int k;

	if (store == NULL &&
	    cerbo_store_parse(USAGE_STORE, strlen(USAGE_STORE), "fuzz", &store,
	        &err) != 0) {
		fprintf(stderr, "fuzz target usage: %s\n", err.message);
		abort();
	}
	if (cerbo__usage_parse(data, size, &u, &err) != 0) {
		INVARIANT(T, u == NULL);
		INVARIANT(T, err.status == CERBO_E_STORE ||
		        err.status == CERBO_E_NOMEM);
		return 0;
	}
	user = cerbo_store_user_find(store, "pk_fuzz");
	INVARIANT(T, user != NULL);
	for (k = CERBO_KEY_CURRENT; k <= CERBO_KEY_OLD; k++) {
		t = cerbo_usage_last_used(u, user, (enum cerbo_key_used)k);
		INVARIANT(T, t >= 0 && t % 60 == 0 && t <= 253402300799);
	}
	INVARIANT(T, cerbo_usage_last_used(u, user, CERBO_KEY_NONE) == 0);
	cerbo_usage_free(u);
	return 0;
}

const struct cerbo_fuzz_target cerbo_fuzz_targets[] = {
	{ "store", cerbo_fuzz_store },
	{ "basic", cerbo_fuzz_basic },
	{ "hash", cerbo_fuzz_hash },
	{ "request", cerbo_fuzz_request },
	{ "usage", cerbo_fuzz_usage },
};
const size_t cerbo_fuzz_target_count =
    sizeof(cerbo_fuzz_targets) / sizeof(cerbo_fuzz_targets[0]);
