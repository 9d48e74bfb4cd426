/*
 * test_hostile.c - a table-driven corpus of hostile input.
 *
 * Every case gets its own test, named for the case.  Each one states the
 * error it must give, and where a credential is involved, proves that no
 * access is granted: the setup writes a store with one real user
 * (pk_real) and a freshly generated secret, and a control test shows that
 * the real credentials are allowed on that store, so every "never allowed"
 * check below is one that could fail.
 *
 * Tables:
 *   store_cases    a valid store mutated into YAML bombs, NUL bytes, bad
 *                  UTF-8, BOMs, CRLF, duplicate and unknown keys, wrong
 *                  types, bad values; parsed from memory (status, a file
 *                  position, no hash in the message) and then used as the
 *                  store of cerbo_verify with the real credentials (never
 *                  CERBO_ALLOW)
 *   big_cases      huge scalars, huge files, deep nesting, alias bombs
 *   file_cases     hostile stores kept in tests/data/hostile/
 *   basic_cases    Authorization values: overlong, not base64, no colon,
 *                  empty parts, control characters, bounds
 *   cred_cases     the real credentials bent a little (case, padding,
 *                  truncation, extra bytes) through Basic and cerbo_verify
 *   name_cases     usernames at and past every bound
 *   field_cases    user and profile fields at and past every bound
 *   secret_cases   secrets at and past the bounds, generated-key lookalikes
 *   hash_cases     hash strings: unknown schemes, out-of-bound argon2id
 *   request_cases  request lines: dot segments, "//", percent-encoding,
 *                  NUL, absolute form; refused ones are checked through
 *                  cerbo_verify with the real credentials too
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "cerbo.h"
#include "internal.h"

#define NOW ((time_t)1790000000) /* 2026-09-21, inside every validity */

/* ---------------------------------------------------------------------
 * The fixture: a folder, a real secret, its hash, a valid store.
 */

static char folder[64];
static char secret[CERBO_SECRET_GENERATED_SIZE];
static char hash[CERBO_HASH_MAX];
static char good_path[128];
static unsigned file_seq;

static const char template[] = "cerbo_store: 1\n"
                               "generation: 5\n"
                               "profiles:\n"
                               "  sched:\n"
                               "    description: Scheduling\n"
                               "    allow:\n"
                               "      - GET /api/v1/appointments/**\n"
                               "      - POST /api/v1/appointments\n"
                               "    deny:\n"
                               "      - \"* /api/v1/appointments/secret/**\"\n"
                               "users:\n"
                               "  pk_real:\n"
                               "    nickname: Real user\n"
                               "    profile: sched\n"
                               "    email: ops@example.com\n"
                               "    description: The one real user\n"
                               "    secret: @HASH@\n"
                               "    secret_set: 2026-01-01T00:00:00Z\n"
                               "    created: 2026-01-01T00:00:00Z\n"
                               "    updated: 2026-01-01T00:00:00Z\n"
                               "    disabled: false\n";

#define GOOD_REQUEST "GET /api/v1/appointments/17 HTTP/1.1"

struct buf {
	char *p;
	size_t len;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	char *p = realloc(b->p, b->len + n + 1);

	assert_non_null(p);
	memcpy(p + b->len, s, n);
	b->p = p;
	b->len += n;
	b->p[b->len] = '\0';
}

/* The template with the real hash in place. */
static struct buf
good_store(void)
{
	struct buf b = {NULL, 0};
	const char *at = strstr(template, "@HASH@");

	buf_add(&b, template, (size_t)(at - template));
	buf_add(&b, hash, strlen(hash));
	buf_add(&b, at + 6, strlen(at + 6));
	return b;
}

/* Replace the first occurrence of from (NULL: prepend) with to[0..tolen). */
static struct buf
mutate(const char *from, const char *to, size_t tolen)
{
	struct buf g = good_store(), b = {NULL, 0};
	const char *at;

	if (from == NULL) {
		buf_add(&b, to, tolen);
		buf_add(&b, g.p, g.len);
	} else {
		at = strstr(g.p, from);
		assert_non_null(at);
		buf_add(&b, g.p, (size_t)(at - g.p));
		buf_add(&b, to, tolen);
		buf_add(&b, at + strlen(from), strlen(at + strlen(from)));
	}
	free(g.p);
	return b;
}

static void
write_file(const char *path, const char *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* A fresh file name per use, so the verifier's cache never mixes them. */
static void
fresh_path(char *out, size_t len)
{
	int n = snprintf(out, len, "%s/store-%u.yaml", folder, file_seq++);

	assert_true(n > 0 && (size_t)n < len);
}

static void
verify(struct cerbo_verdict *v, const char *path, const char *user,
    const char *sec, size_t seclen, const char *request)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;

	a.store_path = path;
	a.username = user;
	a.secret = sec;
	a.secret_len = seclen;
	a.request = request;
	a.now = NOW;
	assert_int_equal(cerbo__verify_untrusted(&a, v), 0);
}

/* The reason never holds the secret or the hash. */
static void
assert_reason_clean(const struct cerbo_verdict *v)
{
	assert_null(strstr(v->reason, secret + 9));
	assert_null(strstr(v->reason, hash + 15));
}

static int
setup(void **state)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct buf g;
	int n;

	(void)state;
	if (sodium_init() < 0)
		return -1;
	n = snprintf(folder, sizeof(folder), "/tmp/cerbo-hostile.XXXXXX");
	if (n < 0 || mkdtemp(folder) == NULL)
		return -1;
	if (cerbo_secret_generate(secret, sizeof(secret)) != 0)
		return -1;
	if (cerbo_secret_hash(secret, strlen(secret), hash, sizeof(hash),
	        &err) != 0)
		return -1;
	n = snprintf(good_path, sizeof(good_path), "%s/good.yaml", folder);
	if (n < 0 || (size_t)n >= sizeof(good_path))
		return -1;
	g = good_store();
	write_file(good_path, g.p, g.len);
	free(g.p);
	return 0;
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(folder, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------------------------
 * Controls: the fixture really lets the real user in, so a refusal below
 * means something.
 */

static void
real_credentials_are_allowed_on_the_good_store(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify(&v, good_path, "pk_real", secret, strlen(secret), GOOD_REQUEST);
	assert_int_equal(v.code, CERBO_ALLOW);
	assert_int_equal(v.key, CERBO_KEY_CURRENT);
	assert_reason_clean(&v);
}

static void
real_credentials_through_basic_are_allowed(void **state)
{
	char joined[256], header[512];
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int n;

	(void)state;
	n = snprintf(joined, sizeof(joined), "pk_real:%s", secret);
	assert_true(n > 0 && (size_t)n < sizeof(joined));
	memcpy(header, "Basic ", 6);
	sodium_bin2base64(header + 6, sizeof(header) - 6,
	    (const unsigned char *)joined, (size_t)n,
	    sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(cerbo_basic_parse(header, &b, &err), 0);
	verify(&v, good_path, b.username, b.secret, b.secret_len, GOOD_REQUEST);
	cerbo_basic_wipe(&b);
	assert_int_equal(v.code, CERBO_ALLOW);
}

static void
the_template_parses(void **state)
{
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct buf g = good_store();

	(void)state;
	assert_int_equal(cerbo_store_parse(g.p, g.len, "good.yaml", &s, &err),
	    0);
	assert_int_equal(cerbo_store_user_count(s), 1);
	cerbo_store_free(s);
	free(g.p);
}

/* ---------------------------------------------------------------------
 * Store cases: mutations of the valid store.
 */

struct store_case {
	const char *name;
	const char *from; /* NULL: prepend */
	const char *to;
	size_t tolen;           /* 0: strlen(to) */
	enum cerbo_status want; /* CERBO_OK: the mutation is still valid */
	int positioned;         /* the error names a line */
};

#define S(name, from, to, want)                                                \
	{                                                                      \
		name, from, to, 0, want, 1                                     \
	}
#define SN(name, from, to, len, want)                                          \
	{                                                                      \
		name, from, to, len, want, 0                                   \
	}
#define SU(name, from, to, want)                                               \
	{                                                                      \
		name, from, to, 0, want, 0                                     \
	}

static const struct store_case store_cases[] = {
    /* controls: harmless changes stay valid */
    S("comment_line_is_fine", "users:\n", "# a comment\nusers:\n", CERBO_OK),
    S("flow_list_is_fine",
        "    allow:\n      - GET /api/v1/appointments/**"
        "\n      - POST /api/v1/appointments\n",
        "    allow: [\"GET /api/v1/appointments/**\", "
        "\"POST /api/v1/appointments\"]\n",
        CERBO_OK),
    S("quoted_nickname_is_fine", "nickname: Real user",
        "nickname: \"Real user\"", CERBO_OK),
    S("document_start_marker_is_fine", "cerbo_store: 1\n",
        "---\ncerbo_store: 1\n", CERBO_OK),

    /* anchors, aliases, tags, merge keys */
    S("anchor_on_profile", "  sched:\n", "  sched: &p\n", CERBO_E_STORE),
    S("alias_as_profile_name", "profile: sched", "profile: *sched",
        CERBO_E_STORE),
    S("anchor_and_alias_user", "    disabled: false\n",
        "    disabled: false\n  pk_copy: *u\n", CERBO_E_STORE),
    S("merge_key", "    nickname: Real user\n",
        "    <<: {nickname: Real user}\n", CERBO_E_STORE),
    S("unquoted_star_rule_is_an_alias",
        "      - \"* /api/v1/appointments/"
        "secret/**\"",
        "      - * /api/v1/appointments/secret/**", CERBO_E_STORE),
    S("tag_on_bool", "disabled: false", "disabled: !!bool false",
        CERBO_E_STORE),
    S("tag_on_version", "cerbo_store: 1", "cerbo_store: !!int 1",
        CERBO_E_STORE),
    S("local_tag", "nickname: Real user", "nickname: !x Real user",
        CERBO_E_STORE),
    S("binary_tag", "nickname: Real user",
        "nickname: !!binary UmVhbA==", CERBO_E_STORE),
    S("python_object_tag", "nickname: Real user",
        "nickname: !!python/object:os.system x", CERBO_E_STORE),
    S("yaml_directive", "cerbo_store: 1\n", "%YAML 1.1\n---\ncerbo_store: 1\n",
        CERBO_E_STORE),
    S("tag_directive", "cerbo_store: 1\n",
        "%TAG ! tag:example.com,2000:\n---\ncerbo_store: 1\n", CERBO_E_STORE),
    S("second_document", "    disabled: false\n",
        "    disabled: false\n---\ncerbo_store: 1\n", CERBO_E_STORE),

    /* duplicate keys at every level */
    S("duplicate_top_key", "generation: 5\n", "generation: 5\ngeneration: 6\n",
        CERBO_E_STORE),
    S("duplicate_profile", "users:\n",
        "  sched:\n    description: Again\nusers:\n", CERBO_E_STORE),
    S("duplicate_user", "    disabled: false\n",
        "    disabled: false\n  pk_real:\n    nickname: Twin\n", CERBO_E_STORE),
    S("duplicate_user_field", "    disabled: false\n",
        "    disabled: false\n    disabled: true\n", CERBO_E_STORE),
    S("duplicate_secret_field", "    disabled: false\n",
        "    disabled: false\n    secret: x\n", CERBO_E_STORE),
    S("duplicate_key_quoted_differently", "    disabled: false\n",
        "    disabled: false\n    \"disabled\": false\n", CERBO_E_STORE),
    S("duplicate_in_flow_map", "users:\n", "users: {}\nusers:\n",
        CERBO_E_STORE),
    S("duplicate_rule_key_allow", "    deny:\n",
        "    allow:\n      - GET /x\n    deny:\n", CERBO_E_STORE),

    /* unknown keys */
    S("unknown_top_key", "generation: 5\n", "generation: 5\nextra: 1\n",
        CERBO_E_STORE),
    S("unknown_user_key", "    disabled: false\n",
        "    disabled: false\n    admin: true\n", CERBO_E_STORE),
    S("unknown_profile_key", "    description: Scheduling\n",
        "    description: Scheduling\n    owner: me\n", CERBO_E_STORE),
    S("key_with_different_case", "disabled: false", "Disabled: false",
        CERBO_E_STORE),
    S("key_with_trailing_space_quoted", "disabled: false",
        "\"disabled \": false", CERBO_E_STORE),

    /* wrong types */
    S("version_as_string", "cerbo_store: 1", "cerbo_store: \"1\"",
        CERBO_E_STORE),
    S("version_as_list", "cerbo_store: 1", "cerbo_store: [1]", CERBO_E_STORE),
    S("generation_negative", "generation: 5", "generation: -5", CERBO_E_STORE),
    S("generation_overflow", "generation: 5",
        "generation: 99999999999999999999999", CERBO_E_STORE),
    S("generation_hex", "generation: 5", "generation: 0x5", CERBO_E_STORE),
    S("generation_float", "generation: 5", "generation: 5.0", CERBO_E_STORE),
    S("profiles_as_list", "profiles:\n", "profiles: []\nx:\n", CERBO_E_STORE),
    S("users_as_scalar",
        "users:\n  pk_real:", "users: none\n  pk_real:", CERBO_E_STORE),
    S("allow_as_scalar",
        "    allow:\n      - GET /api/v1/appointments/**"
        "\n      - POST /api/v1/appointments\n",
        "    allow: GET /api/v1/appointments/**\n", CERBO_E_STORE),
    S("allow_as_map",
        "    allow:\n      - GET /api/v1/appointments/**"
        "\n      - POST /api/v1/appointments\n",
        "    allow: {GET: /api}\n", CERBO_E_STORE),
    S("nickname_as_list", "nickname: Real user", "nickname: [Real, user]",
        CERBO_E_STORE),
    S("nickname_as_map", "nickname: Real user", "nickname: {a: b}",
        CERBO_E_STORE),
    S("user_as_list", "  pk_real:\n    nickname: Real user\n",
        "  pk_real:\n  - nickname: Real user\n", CERBO_E_STORE),
    S("allow_from_as_map", "    disabled: false\n",
        "    disabled: false\n    allow_from: {a: 1}\n", CERBO_E_STORE),
    S("null_nickname", "nickname: Real user", "nickname:", CERBO_E_STORE),
    S("tilde_nickname", "nickname: Real user", "nickname: ~", CERBO_E_STORE),
    S("complex_key", "    disabled: false\n",
        "    disabled: false\n    ? [a, b]\n    : c\n", CERBO_E_STORE),
    S("document_end_marker_mid_file", "cerbo_store: 1\ngeneration: 5\n",
        "cerbo_store: 1\ngeneration: 5\n...\n", CERBO_E_STORE),

    /* booleans are exactly true or false */
    S("bool_yes", "disabled: false", "disabled: yes", CERBO_E_STORE),
    S("bool_no", "disabled: false", "disabled: no", CERBO_E_STORE),
    S("bool_on", "disabled: false", "disabled: on", CERBO_E_STORE),
    S("bool_off", "disabled: false", "disabled: off", CERBO_E_STORE),
    S("bool_True", "disabled: false", "disabled: True", CERBO_E_STORE),
    S("bool_FALSE", "disabled: false", "disabled: FALSE", CERBO_E_STORE),
    S("bool_quoted", "disabled: false", "disabled: \"false\"", CERBO_E_STORE),
    S("bool_zero", "disabled: false", "disabled: 0", CERBO_E_STORE),
    S("bool_y", "disabled: false", "disabled: y", CERBO_E_STORE),

    /* versions */
    S("version_too_new", "cerbo_store: 1", "cerbo_store: 2", CERBO_E_TOO_NEW),
    S("version_far_too_new", "cerbo_store: 1", "cerbo_store: 9999",
        CERBO_E_TOO_NEW),
    S("version_zero", "cerbo_store: 1", "cerbo_store: 0", CERBO_E_STORE),
    SU("version_missing", "cerbo_store: 1\n", "", CERBO_E_STORE),

    /* bad values */
    S("username_without_prefix", "  pk_real:", "  real:", CERBO_E_STORE),
    S("username_uppercase_prefix", "  pk_real:", "  PK_real:", CERBO_E_STORE),
    S("username_with_space", "  pk_real:", "  \"pk_re al\":", CERBO_E_STORE),
    S("username_with_colon", "  pk_real:", "  \"pk_re:al\":", CERBO_E_STORE),
    S("username_too_long", "  pk_real:",
        "  pk_"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:",
        CERBO_E_STORE),
    S("profile_missing", "profile: sched", "profile: nosuch", CERBO_E_STORE),
    S("profile_name_uppercase", "  sched:\n", "  Sched:\n", CERBO_E_STORE),
    S("email_without_at", "ops@example.com", "ops.example.com", CERBO_E_STORE),
    S("email_two_ats", "ops@example.com", "ops@ex@ample.com", CERBO_E_STORE),
    S("email_with_space", "ops@example.com", "\"ops @example.com\"",
        CERBO_E_STORE),
    S("email_undotted_domain", "ops@example.com", "ops@localhost",
        CERBO_E_STORE),
    S("nickname_only_spaces", "nickname: Real user", "nickname: \"   \"",
        CERBO_E_STORE),
    S("nickname_escaped_newline", "nickname: Real user",
        "nickname: \"Real\\nuser\"", CERBO_E_STORE),
    S("nickname_escaped_nul", "nickname: Real user",
        "nickname: \"Real\\0user\"", CERBO_E_STORE),
    S("nickname_escaped_escape", "nickname: Real user",
        "nickname: \"Real\\euser\"", CERBO_E_STORE),
    /* bidi controls would make a list or a log line misleading */
    S("nickname_escaped_bidi_override", "nickname: Real user",
        "nickname: \"Real\\u202euser\"", CERBO_E_STORE),
    S("nickname_raw_bidi_isolate", "nickname: Real user",
        "nickname: Real\xe2\x81\xa7user", CERBO_E_STORE),
    S("profile_description_escaped_rlm", "description: Scheduling",
        "description: \"Sched\\u200fuling\"", CERBO_E_STORE),
    S("nickname_escaped_surrogate", "nickname: Real user",
        "nickname: \"Real\\ud800user\"", CERBO_E_STORE),
    S("secret_unknown_scheme", "secret: $cerbo-b2b$",
        "secret: $md5$x$cerbo-b2b$", CERBO_E_STORE),
    S("secret_plain_text", "    secret: $", "    secret: hunter2 $",
        CERBO_E_STORE),
    S("secret_argon2i", "secret: $cerbo-b2b$v=1$",
        "secret: $argon2i$v=19$m=8,t=1,p=1$", CERBO_E_STORE),
    S("time_without_zone", "created: 2026-01-01T00:00:00Z",
        "created: 2026-01-01T00:00:00", CERBO_E_STORE),
    S("time_with_offset", "created: 2026-01-01T00:00:00Z",
        "created: 2026-01-01T00:00:00+02:00", CERBO_E_STORE),
    S("time_feb_30", "created: 2026-01-01T00:00:00Z",
        "created: 2026-02-30T00:00:00Z", CERBO_E_STORE),
    S("time_hour_24", "created: 2026-01-01T00:00:00Z",
        "created: 2026-01-01T24:00:00Z", CERBO_E_STORE),
    S("time_year_zero", "created: 2026-01-01T00:00:00Z",
        "created: 0000-01-01T00:00:00Z", CERBO_E_STORE),
    S("allow_from_bad_cidr", "    disabled: false\n",
        "    disabled: false\n    allow_from: [192.0.2.0/33]\n", CERBO_E_STORE),
    S("allow_from_hostname", "    disabled: false\n",
        "    disabled: false\n    allow_from: [example.com]\n", CERBO_E_STORE),
    S("old_secret_without_expiry", "    disabled: false\n",
        "    disabled: false\n    old_secret: @OLD@\n", CERBO_E_STORE),
    S("rule_lowercase_method", "GET /api/v1/appointments/**",
        "get /api/v1/appointments/**", CERBO_E_STORE),
    S("rule_without_slash", "GET /api/v1/appointments/**",
        "GET api/v1/appointments/**", CERBO_E_STORE),
    S("rule_partial_star", "GET /api/v1/appointments/**",
        "GET /api/v1/appoint*/**", CERBO_E_STORE),
    S("rule_triple_star", "GET /api/v1/appointments/**",
        "GET /api/v1/appointments/***", CERBO_E_STORE),
    S("rule_dot_segment", "GET /api/v1/appointments/**",
        "GET /api/v1/../appointments/**", CERBO_E_STORE),
    S("rule_double_slash", "GET /api/v1/appointments/**",
        "GET /api//v1/appointments/**", CERBO_E_STORE),
    S("rule_two_spaces", "GET /api/v1/appointments/**",
        "\"GET  /api/v1/appointments/**\"", CERBO_E_STORE),

    /* bytes: NUL, UTF-8, BOMs, line ends */
    SN("nul_in_nickname", "nickname: Real user", "nickname: Real\0user", 19,
        CERBO_E_STORE),
    SN("nul_at_end", "    disabled: false\n", "    disabled: false\n\0", 21,
        CERBO_E_STORE),
    SN("nul_in_key", "disabled: false", "disa\0bled: false", 16, CERBO_E_STORE),
    SU("utf8_bom", NULL, "\xef\xbb\xbf", CERBO_E_STORE),
    SU("utf16le_bom", NULL, "\xff\xfe", CERBO_E_STORE),
    SU("utf16be_bom", NULL, "\xfe\xff", CERBO_E_STORE),
    SN("utf32le_bom", NULL, "\xff\xfe\0\0", 4, CERBO_E_STORE),
    SU("invalid_utf8_byte", "nickname: Real user", "nickname: Real \xff user",
        CERBO_E_STORE),
    SU("latin1_byte", "nickname: Real user", "nickname: R\xe9\x61l user",
        CERBO_E_STORE),
    SU("overlong_slash", "nickname: Real user", "nickname: Real \xc0\xaf user",
        CERBO_E_STORE),
    SU("truncated_sequence", "nickname: Real user",
        "nickname: Real \xe2\x82 user", CERBO_E_STORE),
    SU("utf8_surrogate", "nickname: Real user",
        "nickname: Real \xed\xa0\x80 user", CERBO_E_STORE),
    SU("utf8_above_unicode", "nickname: Real user",
        "nickname: Real \xf4\x90\x80\x80 user", CERBO_E_STORE),
    SU("raw_c1_control", "nickname: Real user", "nickname: Real \xc2\x85user",
        CERBO_E_STORE),
    SU("raw_escape_char", "nickname: Real user", "nickname: Real \x1b[31muser",
        CERBO_E_STORE),
    SU("raw_bell", "nickname: Real user", "nickname: Real\auser",
        CERBO_E_STORE),
    SU("tab_indentation", "    nickname: Real user", "\tnickname: Real user",
        CERBO_E_STORE),
    SU("lone_cr_line_end", "nickname: Real user\n", "nickname: Real user\r",
        CERBO_E_STORE),
    SU("crlf_line_end", "nickname: Real user\n", "nickname: Real user\r\n",
        CERBO_E_STORE),
    SU("vertical_tab", "nickname: Real user", "nickname: Real\vuser",
        CERBO_E_STORE),
    SU("form_feed", "nickname: Real user", "nickname: Real\fuser",
        CERBO_E_STORE),
    SU("del_char", "nickname: Real user", "nickname: Real\x7fuser",
        CERBO_E_STORE),

    /* malformed YAML */
    S("unclosed_flow_list", "    allow:\n", "    allow: [\n", CERBO_E_STORE),
    S("unclosed_quote", "nickname: Real user", "nickname: \"Real user",
        CERBO_E_STORE),
    S("bad_indentation", "    profile: sched", "   profile: sched",
        CERBO_E_STORE),
    S("key_without_value_colon", "    profile: sched", "    profile",
        CERBO_E_STORE),
    S("stray_flow_end", "generation: 5", "generation: 5]", CERBO_E_STORE),
    S("bad_escape", "nickname: Real user", "nickname: \"Real \\q\"",
        CERBO_E_STORE),
    S("literal_block_nickname", "nickname: Real user",
        "nickname: |\n      Real\n      user", CERBO_E_STORE),
    SU("only_a_scalar_document", "cerbo_store: 1\n", "just text\n",
        CERBO_E_STORE),
};

static void
store_case_test(void **state)
{
	const struct store_case *c = *state;
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct buf b;
	char path[128];
	const char *at;
	int rc;

	b = mutate(c->from, c->to, c->tolen ? c->tolen : strlen(c->to));
	/* an old_secret placeholder gets a valid hash of another key */
	at = strstr(b.p, "@OLD@");
	if (at != NULL) {
		struct buf o = {NULL, 0};

		buf_add(&o, b.p, (size_t)(at - b.p));
		buf_add(&o, hash, strlen(hash));
		buf_add(&o, at + 5, b.len - (size_t)(at - b.p) - 5);
		free(b.p);
		b = o;
	}
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = cerbo_store_parse(b.p, b.len, "hostile.yaml", &s, &err);
	if (c->want == CERBO_OK) {
		assert_int_equal(rc, 0);
		cerbo_store_free(s);
	} else {
		assert_int_equal(rc, -1);
		assert_null(s);
		if (err.status != c->want)
			fail_msg("status %s, want %s: %s",
			    cerbo_status_name(err.status),
			    cerbo_status_name(c->want), err.message);
		if (c->positioned && err.line == 0)
			fail_msg("no line in: %s", err.message);
		assert_null(strstr(err.message, hash + 15));
	}

	fresh_path(path, sizeof(path));
	write_file(path, b.p, b.len);
	verify(&v, path, "pk_real", secret, strlen(secret), GOOD_REQUEST);
	assert_reason_clean(&v);
	if (c->want == CERBO_OK)
		assert_int_equal(v.code, CERBO_ALLOW);
	else
		assert_int_equal(v.code, CERBO_STORE_ERROR);
	free(b.p);
}

/* ---------------------------------------------------------------------
 * Big and generated cases.
 */

struct big_case {
	const char *name;
	void (*make)(struct buf *b);
	enum cerbo_status want;
};

static void
repeat(struct buf *b, const char *s, size_t times)
{
	size_t n = strlen(s), i;
	char *p = realloc(b->p, b->len + n * times + 1);

	assert_non_null(p);
	for (i = 0; i < times; i++)
		memcpy(p + b->len + i * n, s, n);
	b->p = p;
	b->len += n * times;
	b->p[b->len] = '\0';
}

static void
huge_nickname(struct buf *b)
{
	struct buf g = good_store();
	const char *at = strstr(g.p, "Real user");

	buf_add(b, g.p, (size_t)(at - g.p));
	repeat(b, "A", 4u * 1024 * 1024);
	buf_add(b, at, strlen(at));
	free(g.p);
}

static void
nickname_past_bound(struct buf *b)
{
	struct buf g = good_store();
	const char *at = strstr(g.p, "Real user");

	buf_add(b, g.p, (size_t)(at - g.p));
	repeat(b, "N", CERBO_NICKNAME_MAX + 1);
	buf_add(b, at + 9, strlen(at + 9));
	free(g.p);
}

static void
description_past_bound(struct buf *b)
{
	struct buf g = good_store();
	const char *at = strstr(g.p, "The one real user");

	buf_add(b, g.p, (size_t)(at - g.p));
	repeat(b, "d", CERBO_DESCRIPTION_MAX + 1);
	buf_add(b, at + 17, strlen(at + 17));
	free(g.p);
}

static void
huge_key(struct buf *b)
{
	struct buf g = good_store();

	buf_add(b, g.p, g.len);
	buf_add(b, "    ", 4);
	repeat(b, "k", 2u * 1024 * 1024);
	buf_add(b, ": v\n", 4);
	free(g.p);
}

static void
deep_flow_nesting(struct buf *b)
{
	struct buf g = good_store();

	buf_add(b, g.p, g.len);
	buf_add(b, "    allow_from: ", 16);
	repeat(b, "[", 200000);
	repeat(b, "]", 200000);
	buf_add(b, "\n", 1);
	free(g.p);
}

static void
deep_block_nesting(struct buf *b)
{
	size_t i;
	char line[4096];
	int n;

	buf_add(b, "cerbo_store: 1\ngeneration: 1\nusers: {}\nprofiles:\n", 49);
	for (i = 1; i < 3000; i++) {
		n = snprintf(line, sizeof(line), "%*sk%zu:\n", (int)i, "", i);
		assert_true(n > 0 && (size_t)n < sizeof(line));
		buf_add(b, line, (size_t)n);
	}
}

static void
deep_unclosed_nesting(struct buf *b)
{
	buf_add(b, "cerbo_store: 1\ngeneration: 1\nprofiles: ", 39);
	repeat(b, "{a: ", 100000);
}

/* The billion laughs, YAML style. */
static void
alias_bomb(struct buf *b)
{
	static const char bomb[] =
	    "cerbo_store: 1\n"
	    "generation: 1\n"
	    "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	    "x1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n"
	    "x2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\n"
	    "x3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\n"
	    "x4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]\n"
	    "x5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]\n"
	    "x6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]\n"
	    "x7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]\n"
	    "x8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]\n"
	    "profiles: {}\n"
	    "users: {}\n";

	buf_add(b, bomb, sizeof(bomb) - 1);
}

static void
many_aliases(struct buf *b)
{
	buf_add(b,
	    "cerbo_store: 1\ngeneration: 1\nprofiles:\n  p: &p\n"
	    "    description: P\n",
	    64);
	buf_add(b, "users: {}\nx: [", 14);
	repeat(b, "*p, ", 100000);
	buf_add(b, "*p]\n", 4);
}

static void
many_unknown_keys(struct buf *b)
{
	size_t i;
	char line[64];
	int n;

	buf_add(b, "cerbo_store: 1\ngeneration: 1\nprofiles: {}\nusers: {}\n",
	    51);
	for (i = 0; i < 50000; i++) {
		n = snprintf(line, sizeof(line), "junk%zu: x\n", i);
		assert_true(n > 0 && (size_t)n < sizeof(line));
		buf_add(b, line, (size_t)n);
	}
}

static void
many_duplicate_users(struct buf *b)
{
	struct buf g = good_store();
	const char *at = strstr(g.p, "  pk_real:");
	size_t i;

	buf_add(b, g.p, g.len);
	for (i = 0; i < 2000; i++)
		buf_add(b, at, strlen(at));
	free(g.p);
}

static void
long_line_of_spaces(struct buf *b)
{
	struct buf g = good_store();

	buf_add(b, g.p, g.len);
	repeat(b, " ", 8u * 1024 * 1024);
	buf_add(b, "x: y\n", 5);
	free(g.p);
}

static void
only_nuls(struct buf *b)
{
	char *p = calloc(1, 65536);

	assert_non_null(p);
	buf_add(b, p, 65536);
	free(p);
}

static void
empty_input(struct buf *b)
{
	buf_add(b, "", 0);
}

static void
only_comment(struct buf *b)
{
	buf_add(b, "# nothing here\n", 15);
}

static const struct big_case big_cases[] = {
    {"huge_nickname_4MiB", huge_nickname, CERBO_E_STORE},
    {"nickname_one_past_bound", nickname_past_bound, CERBO_E_STORE},
    {"description_one_past_bound", description_past_bound, CERBO_E_STORE},
    {"huge_key_2MiB", huge_key, CERBO_E_STORE},
    {"deep_flow_nesting_200000", deep_flow_nesting, CERBO_E_STORE},
    {"deep_block_nesting_3000", deep_block_nesting, CERBO_E_STORE},
    {"deep_unclosed_nesting_100000", deep_unclosed_nesting, CERBO_E_STORE},
    {"alias_bomb_billion_laughs", alias_bomb, CERBO_E_STORE},
    {"alias_100000_references", many_aliases, CERBO_E_STORE},
    {"unknown_keys_50000", many_unknown_keys, CERBO_E_STORE},
    {"duplicate_users_2000", many_duplicate_users, CERBO_E_STORE},
    {"line_of_8MiB_spaces", long_line_of_spaces, CERBO_E_STORE},
    {"only_nul_bytes_64KiB", only_nuls, CERBO_E_STORE},
    {"empty_input", empty_input, CERBO_E_STORE},
    {"only_a_comment", only_comment, CERBO_E_STORE},
};

static void
big_case_test(void **state)
{
	const struct big_case *c = *state;
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	struct buf b = {NULL, 0};
	char path[128];

	c->make(&b);
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_store_parse(b.p ? b.p : "", b.len,
	                     "hostile.yaml", &s, &err),
	    -1);
	assert_null(s);
	if (err.status != c->want)
		fail_msg("status %s, want %s: %s",
		    cerbo_status_name(err.status), cerbo_status_name(c->want),
		    err.message);
	assert_true(strlen(err.message) > 0);

	fresh_path(path, sizeof(path));
	write_file(path, b.p ? b.p : "", b.len);
	verify(&v, path, "pk_real", secret, strlen(secret), GOOD_REQUEST);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
	free(b.p);
}

/* A store file past CERBO_STORE_SIZE_MAX is refused before it is read
 * (the file is sparse: nothing is written or allocated). */
static void
store_file_past_size_bound_is_refused(void **state)
{
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	char path[128];
	int fd;

	(void)state;
	fresh_path(path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)CERBO_STORE_SIZE_MAX + 1), 0);
	assert_int_equal(close(fd), 0);
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_store_load(path, CERBO_LOAD_NO_TRUST, &s, &err),
	    -1);
	assert_null(s);
	assert_int_equal(err.status, CERBO_E_STORE);
	verify(&v, path, "pk_real", secret, strlen(secret), GOOD_REQUEST);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
}

static void
store_buffer_past_size_bound_is_refused(void **state)
{
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char *p;

	(void)state;
	/* calloc of this size maps zero pages: nothing is touched unless
	 * the parser reads past the bound check */
	p = calloc(1, (size_t)CERBO_STORE_SIZE_MAX + 1);
	assert_non_null(p);
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_store_parse(p, (size_t)CERBO_STORE_SIZE_MAX + 1,
	                     "big.yaml", &s, &err),
	    -1);
	assert_null(s);
	assert_int_equal(err.status, CERBO_E_STORE);
	free(p);
}

/* ---------------------------------------------------------------------
 * Hostile store files kept in tests/data/hostile/.
 */

struct file_case {
	const char *file;
	enum cerbo_status want;
};

static const struct file_case file_cases[] = {
    {"billion_laughs.yaml", CERBO_E_STORE},
    {"utf16le_with_bom.yaml", CERBO_E_STORE},
    {"utf16be_without_bom.yaml", CERBO_E_STORE},
    {"latin1.yaml", CERBO_E_STORE},
    {"json_duplicate_keys.json", CERBO_E_STORE},
    {"crlf.yaml", CERBO_E_STORE},
    {"user_with_every_field_wrong.yaml", CERBO_E_STORE},
    {"profile_loop_alias.yaml", CERBO_E_STORE},
    {"binary_garbage.yaml", CERBO_E_STORE},
    {"windows_1252_quotes.yaml", CERBO_E_STORE},
};

static void
file_case_test(void **state)
{
	const struct file_case *c = *state;
	const char *top = getenv("CERBO_TOP");
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	char path[1024];
	int n;

	n = snprintf(path, sizeof(path), "%s/tests/data/hostile/%s",
	    top != NULL ? top : ".", c->file);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	assert_int_equal(access(path, R_OK), 0);
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	assert_int_equal(cerbo_store_load(path, CERBO_LOAD_NO_TRUST, &s, &err),
	    -1);
	assert_null(s);
	if (err.status != c->want)
		fail_msg("status %s, want %s: %s",
		    cerbo_status_name(err.status), cerbo_status_name(c->want),
		    err.message);
	verify(&v, path, "pk_real", secret, strlen(secret), GOOD_REQUEST);
	assert_int_equal(v.code, CERBO_STORE_ERROR);
}

/* ---------------------------------------------------------------------
 * Basic header values.
 */

struct basic_case {
	const char *name;
	const char *header; /* NULL: built by make */
	void (*make)(char *out, size_t len);
	int ok; /* 1: parses */
};

static void
b64(char *out, size_t len, const char *prefix, const void *bin, size_t n)
{
	size_t p = strlen(prefix);

	assert_true(p < len);
	memcpy(out, prefix, p);
	sodium_bin2base64(out + p, len - p, bin, n,
	    sodium_base64_VARIANT_ORIGINAL);
}

static void
basic_overlong_secret(char *out, size_t len)
{
	char raw[CERBO_SECRET_MAX + 16];

	memcpy(raw, "pk_real:", 8);
	memset(raw + 8, 's', CERBO_SECRET_MAX + 1);
	b64(out, len, "Basic ", raw, 8 + CERBO_SECRET_MAX + 1);
}

static void
basic_secret_at_bound(char *out, size_t len)
{
	char raw[CERBO_SECRET_MAX + 16];

	memcpy(raw, "pk_real:", 8);
	memset(raw + 8, 's', CERBO_SECRET_MAX);
	b64(out, len, "Basic ", raw, 8 + CERBO_SECRET_MAX);
}

static void
basic_overlong_user(char *out, size_t len)
{
	char raw[CERBO_USERNAME_MAX + 16];

	memcpy(raw, "pk_", 3);
	memset(raw + 3, 'u', CERBO_USERNAME_MAX - 2);
	memcpy(raw + CERBO_USERNAME_MAX + 1, ":s", 2);
	b64(out, len, "Basic ", raw, CERBO_USERNAME_MAX + 3);
}

static void
basic_user_at_bound(char *out, size_t len)
{
	char raw[CERBO_USERNAME_MAX + 16];

	memcpy(raw, "pk_", 3);
	memset(raw + 3, 'u', CERBO_USERNAME_MAX - 3);
	memcpy(raw + CERBO_USERNAME_MAX, ":s", 2);
	b64(out, len, "Basic ", raw, CERBO_USERNAME_MAX + 2);
}

static void
basic_huge_header(char *out, size_t len)
{
	memcpy(out, "Basic ", 6);
	memset(out + 6, 'A', len - 7);
	out[len - 1] = '\0';
}

static void
basic_nul_inside(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real:se\0cret", 15);
}

static void
basic_nul_in_user(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_\0real:secret", 15);
}

static void
basic_newline_in_secret(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real:secret\n", 15);
}

static void
basic_cr_in_user(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real\r:secret", 15);
}

static void
basic_tab_in_secret(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real:sec\tret", 15);
}

static void
basic_escape_in_user(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_\x1b[2Jreal:secret", 19);
}

static void
basic_del_in_secret(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real:sec\x7fret", 15);
}

static void
basic_empty_user(char *out, size_t len)
{
	b64(out, len, "Basic ", ":secret", 7);
}

static void
basic_empty_secret(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real:", 8);
}

static void
basic_only_colon(char *out, size_t len)
{
	b64(out, len, "Basic ", ":", 1);
}

static void
basic_no_colon(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_realsecret", 13);
}

static void
basic_empty_decoded(char *out, size_t len)
{
	b64(out, len, "Basic ", "", 0);
}

static void
basic_tab_before(char *out, size_t len)
{
	b64(out, len, "Basic\t", "pk_real:s", 9);
}

static void
basic_two_spaces(char *out, size_t len)
{
	b64(out, len, "Basic  ", "pk_real:s", 9);
}

static void
basic_lowercase(char *out, size_t len)
{
	b64(out, len, "basic ", "pk_real:s", 9);
}

static void
basic_secret_with_colons(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real:a:b:c", 13);
}

static void
basic_utf8_secret(char *out, size_t len)
{
	b64(out, len, "Basic ", "pk_real:p\xc3\xa4ss", 13);
}

static void
basic_trailing_space(char *out, size_t len)
{
	size_t n;

	b64(out, len, "Basic ", "pk_real:s", 9);
	n = strlen(out);
	assert_true(n + 2 <= len);
	out[n] = ' ';
	out[n + 1] = '\0';
}

static const struct basic_case basic_cases[] = {
    {"empty_value", "", NULL, 0},
    {"scheme_only", "Basic", NULL, 0},
    {"scheme_and_space", "Basic ", NULL, 0},
    {"scheme_and_spaces", "Basic     ", NULL, 0},
    {"bearer_scheme", "Bearer cGtfcmVhbDpz", NULL, 0},
    {"digest_scheme", "Digest username=\"pk_real\"", NULL, 0},
    {"basicx_scheme", "Basicx cGtfcmVhbDpz", NULL, 0},
    {"scheme_glued", "BasiccGtfcmVhbDpz", NULL, 0},
    {"leading_space", " Basic cGtfcmVhbDpz", NULL, 0},
    {"not_base64_chars", "Basic !!!!", NULL, 0},
    {"url_safe_alphabet", "Basic cGtfcmVhbDpz-_", NULL, 0},
    {"missing_padding", "Basic cGtfcmVhbDpzcw", NULL, 0},
    {"too_much_padding", "Basic cGtfcmVhbDpz===", NULL, 0},
    {"padding_in_middle", "Basic cGtf=cmVhbDpz", NULL, 0},
    {"nonzero_trailing_bits", "Basic cGtfcmVhbDpzcx==", NULL, 0},
    {"space_inside_base64", "Basic cGtf cmVhbDpz", NULL, 0},
    {"newline_inside_base64", "Basic cGtf\ncmVhbDpz", NULL, 0},
    {"base64_of_one_char", "Basic YQ==", NULL, 0},
    /* libsodium 1.0.18 alone decodes a byte >= 0x80 as '/' */
    {"utf8_bytes_as_base64_digits", "Basic cGtfYTp4\xc3\xa9\xc3\xa9", NULL, 0},
    {"high_byte_before_padding", "Basic cGtfcmVhbDpz\x80w==", NULL, 0},
    {"lone_high_byte_digit",
        "Basic cGtfcmVhbDpz\xff"
        "A==",
        NULL, 0},
    {"trailing_space", NULL, basic_trailing_space, 0},
    {"tab_after_scheme", NULL, basic_tab_before, 0},
    {"overlong_header_64KiB", NULL, basic_huge_header, 0},
    {"overlong_secret", NULL, basic_overlong_secret, 0},
    {"overlong_username", NULL, basic_overlong_user, 0},
    {"nul_in_secret", NULL, basic_nul_inside, 0},
    {"nul_in_username", NULL, basic_nul_in_user, 0},
    {"newline_in_secret", NULL, basic_newline_in_secret, 0},
    {"cr_in_username", NULL, basic_cr_in_user, 0},
    {"tab_in_secret", NULL, basic_tab_in_secret, 0},
    {"escape_in_username", NULL, basic_escape_in_user, 0},
    {"del_in_secret", NULL, basic_del_in_secret, 0},
    {"empty_username", NULL, basic_empty_user, 0},
    {"empty_secret", NULL, basic_empty_secret, 0},
    {"only_a_colon", NULL, basic_only_colon, 0},
    {"no_colon", NULL, basic_no_colon, 0},
    {"empty_after_decoding", NULL, basic_empty_decoded, 0},
    /* accepted shapes (they still need the right secret to get in) */
    {"secret_at_bound", NULL, basic_secret_at_bound, 1},
    {"username_at_bound", NULL, basic_user_at_bound, 1},
    {"two_spaces_after_scheme", NULL, basic_two_spaces, 1},
    {"lowercase_scheme", NULL, basic_lowercase, 1},
    {"secret_with_colons", NULL, basic_secret_with_colons, 1},
    {"utf8_secret", NULL, basic_utf8_secret, 1},
};

static void
basic_case_test(void **state)
{
	const struct basic_case *c = *state;
	char *header;
	size_t hlen = 65536;
	struct cerbo_basic b = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int rc;

	header = calloc(1, hlen);
	assert_non_null(header);
	if (c->header != NULL)
		memcpy(header, c->header, strlen(c->header) + 1);
	else
		c->make(header, hlen);
	memset(&b, 0x5a, sizeof(b));
	b.size = sizeof(b);
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = cerbo_basic_parse(header, &b, &err);
	if (!c->ok) {
		assert_int_equal(rc, -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_int_equal(b.secret_len, 0);
		assert_int_equal(b.secret[0], 0);
		assert_true(strlen(err.message) > 0);
	} else {
		assert_int_equal(rc, 0);
		/* well-formed, but not the real secret: refused */
		verify(&v, good_path, b.username, b.secret, b.secret_len,
		    GOOD_REQUEST);
		assert_int_equal(v.code, CERBO_DENY_CREDENTIALS);
		cerbo_basic_wipe(&b);
	}
	free(header);
}

/* ---------------------------------------------------------------------
 * The real credentials bent a little: never allowed.
 */

enum bend {
	BEND_USER_UPPER,         /* PK_real */
	BEND_USER_SPACE,         /* "pk_real " */
	BEND_USER_PREFIX,        /* "pk_rea" */
	BEND_USER_LONGER,        /* "pk_reall" */
	BEND_SECRET_CUT,         /* last char dropped */
	BEND_SECRET_MORE,        /* one char added */
	BEND_SECRET_NL,          /* "\n" appended */
	BEND_SECRET_SPACE,       /* " " prepended */
	BEND_SECRET_CASE,        /* case of one body char flipped */
	BEND_SECRET_NUL,         /* NUL appended inside secret_len */
	BEND_SECRET_EMPTY,       /* secret_len 0 */
	BEND_SECRET_HASH,        /* the hash string given as the secret */
	BEND_SECRET_PREFIX_ONLY, /* "cerbo_sk_" */
	BEND_USER_EMPTY,         /* "" */
	BEND_USER_UNKNOWN,       /* pk_nobody */
};

struct cred_case {
	const char *name;
	enum bend bend;
	enum cerbo_verdict_code want;
};

static const struct cred_case cred_cases[] = {
    {"username_in_upper_case", BEND_USER_UPPER, CERBO_DENY_CREDENTIALS},
    {"username_with_trailing_space", BEND_USER_SPACE, CERBO_DENY_CREDENTIALS},
    {"username_prefix_of_real", BEND_USER_PREFIX, CERBO_DENY_CREDENTIALS},
    {"username_longer_than_real", BEND_USER_LONGER, CERBO_DENY_CREDENTIALS},
    {"secret_one_char_short", BEND_SECRET_CUT, CERBO_DENY_CREDENTIALS},
    {"secret_one_char_more", BEND_SECRET_MORE, CERBO_DENY_CREDENTIALS},
    {"secret_with_newline", BEND_SECRET_NL, CERBO_DENY_CREDENTIALS},
    {"secret_with_leading_space", BEND_SECRET_SPACE, CERBO_DENY_CREDENTIALS},
    {"secret_with_case_flipped", BEND_SECRET_CASE, CERBO_DENY_CREDENTIALS},
    {"secret_with_nul_appended", BEND_SECRET_NUL, CERBO_DENY_CREDENTIALS},
    {"secret_empty", BEND_SECRET_EMPTY, CERBO_DENY_CREDENTIALS},
    {"hash_string_as_secret", BEND_SECRET_HASH, CERBO_DENY_CREDENTIALS},
    {"key_prefix_only", BEND_SECRET_PREFIX_ONLY, CERBO_DENY_CREDENTIALS},
    {"empty_username", BEND_USER_EMPTY, CERBO_DENY_CREDENTIALS},
    {"unknown_username_real_secret", BEND_USER_UNKNOWN, CERBO_DENY_CREDENTIALS},
};

static void
cred_case_test(void **state)
{
	const struct cred_case *c = *state;
	char user[80] = "pk_real";
	char sec[CERBO_SECRET_GENERATED_SIZE + 8];
	size_t slen = strlen(secret);
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	const char *s = sec;

	memcpy(sec, secret, slen + 1);
	switch (c->bend) {
	case BEND_USER_UPPER:
		memcpy(user, "PK_REAL", 8);
		break;
	case BEND_USER_SPACE:
		memcpy(user, "pk_real ", 9);
		break;
	case BEND_USER_PREFIX:
		memcpy(user, "pk_rea", 7);
		break;
	case BEND_USER_LONGER:
		memcpy(user, "pk_reall", 9);
		break;
	case BEND_SECRET_CUT:
		sec[--slen] = '\0';
		break;
	case BEND_SECRET_MORE:
		sec[slen++] = 'x';
		sec[slen] = '\0';
		break;
	case BEND_SECRET_NL:
		sec[slen++] = '\n';
		sec[slen] = '\0';
		break;
	case BEND_SECRET_SPACE:
		sec[0] = ' ';
		memcpy(sec + 1, secret, slen + 1);
		slen++;
		break;
	case BEND_SECRET_CASE:
		/* A letter in the other case; a digit, another digit (decided
		 * on the character as it was: a '0' must not stay '0'). */
		if ((sec[20] >= 'a' && sec[20] <= 'z') ||
		    (sec[20] >= 'A' && sec[20] <= 'Z'))
			sec[20] = (char)(sec[20] ^ 0x20);
		else
			sec[20] = sec[20] == '0' ? '1' : '0';
		break;
	case BEND_SECRET_NUL:
		sec[slen++] = '\0';
		break;
	case BEND_SECRET_EMPTY:
		slen = 0;
		break;
	case BEND_SECRET_HASH:
		s = hash;
		slen = strlen(hash);
		break;
	case BEND_SECRET_PREFIX_ONLY:
		slen = 9;
		break;
	case BEND_USER_EMPTY:
		user[0] = '\0';
		break;
	case BEND_USER_UNKNOWN:
		memcpy(user, "pk_nobody", 10);
		break;
	}
	verify(&v, good_path, user, s, slen, GOOD_REQUEST);
	if (v.code != c->want)
		fail_msg("verdict %s, want %s (%s)", cerbo_verdict_name(v.code),
		    cerbo_verdict_name(c->want), v.reason);
	assert_int_not_equal(v.code, CERBO_ALLOW);
	assert_reason_clean(&v);
	sodium_memzero(sec, sizeof(sec));
}

/* ---------------------------------------------------------------------
 * Usernames at and past every bound.
 */

struct name_case {
	const char *name;
	const char *username; /* NULL: built from len */
	size_t len;           /* "pk_" + 'a' * (len - 3) */
	int valid;
};

static const struct name_case name_cases[] = {
    {"prefix_only", "pk_", 0, 0},
    {"one_char_body", "pk_a", 0, 1},
    {"at_bound_64", NULL, CERBO_USERNAME_MAX, 1},
    {"past_bound_65", NULL, CERBO_USERNAME_MAX + 1, 0},
    {"far_past_bound_4096", NULL, 4096, 0},
    {"empty", "", 0, 0},
    {"no_prefix", "scheduling", 0, 0},
    {"upper_prefix", "PK_a", 0, 0},
    {"mixed_prefix", "Pk_a", 0, 0},
    {"dash_prefix", "pk-a", 0, 0},
    {"with_space", "pk_a b", 0, 0},
    {"with_colon", "pk_a:b", 0, 0},
    {"with_slash", "pk_a/b", 0, 0},
    {"with_dot", "pk_a.b", 0, 0},
    {"with_at", "pk_a@b", 0, 0},
    {"with_newline", "pk_a\n", 0, 0},
    {"with_utf8", "pk_\xc3\xa9t\xc3\xa9", 0, 0},
    {"with_fullwidth_letter", "pk_\xef\xbd\x81", 0, 0},
    {"with_zero_width_space", "pk_a\xe2\x80\x8b", 0, 0},
    {"dashes_and_underscores", "pk_-_-", 0, 1},
    {"digits", "pk_0123456789", 0, 1},
    {"upper_body", "pk_ABC", 0, 1},
    {"leading_space", " pk_a", 0, 0},
    {"glob_star", "pk_*", 0, 0},
    {"sql_quote", "pk_a'--", 0, 0},
};

static void
name_case_test(void **state)
{
	const struct name_case *c = *state;
	char buf[4200];
	const char *u = c->username;
	struct cerbo_store *s;
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	int rc;

	if (u == NULL) {
		assert_true(c->len < sizeof(buf));
		memcpy(buf, "pk_", 3);
		memset(buf + 3, 'a', c->len - 3);
		buf[c->len] = '\0';
		u = buf;
	}
	assert_int_equal(cerbo_username_valid(u), c->valid);

	s = cerbo__store_new();
	assert_non_null(s);
	assert_int_equal(cerbo_profile_add(s, "p", "Profile", &err), 0);
	spec = (struct cerbo_user_spec)CERBO_USER_SPEC_INIT;
	spec.username = u;
	spec.nickname = "Nick";
	spec.profile = "p";
	spec.email = "a@example.com";
	spec.description = "Description";
	spec.secret_hash = hash;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = cerbo_user_add(s, &spec, NOW, &err);
	if (c->valid) {
		assert_int_equal(rc, 0);
		assert_non_null(cerbo_store_user_find(s, u));
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_int_equal(cerbo_store_user_count(s), 0);
	}
	cerbo_store_free(s);
}

/* ---------------------------------------------------------------------
 * User and profile fields at and past every bound.
 */

enum field_target {
	F_NICKNAME,
	F_DESCRIPTION,
	F_EMAIL,
	F_PROFILE_NAME,
	F_RULE,
	F_PROFILE_DESC,
	F_ALLOW_FROM,
	F_EXPIRES,
	F_DISABLED,
};

struct field_case {
	const char *name;
	enum field_target target;
	const char *value; /* NULL: 'x' * len (see fill_value) */
	size_t len;
	int valid;
};

static const struct field_case field_cases[] = {
    {"nickname_at_bound", F_NICKNAME, NULL, CERBO_NICKNAME_MAX, 1},
    {"nickname_past_bound", F_NICKNAME, NULL, CERBO_NICKNAME_MAX + 1, 0},
    {"nickname_empty", F_NICKNAME, "", 0, 0},
    {"nickname_blank", F_NICKNAME, "  \t ", 0, 0},
    {"nickname_newline", F_NICKNAME, "a\nb", 0, 0},
    {"nickname_bidi_override", F_NICKNAME,
        "a\xe2\x80\xae"
        "b",
        0, 0},
    {"nickname_bidi_isolate", F_NICKNAME,
        "a\xe2\x81\xa6"
        "b",
        0, 0},
    {"nickname_arabic_letter_mark", F_NICKNAME,
        "a\xd8\x9c"
        "b",
        0, 0},
    {"description_right_to_left_mark", F_DESCRIPTION,
        "a\xe2\x80\x8f"
        "b",
        0, 0},
    {"nickname_hebrew_letters", F_NICKNAME,
        "\xd7\xa9\xd7\x9c\xd7\x95"
        "\xd7\x9d",
        0, 1},
    {"nickname_line_separator", F_NICKNAME,
        "a\xe2\x80\xa8"
        "b",
        0, 0},
    {"nickname_c1_next_line", F_NICKNAME,
        "a\xc2\x85"
        "b",
        0, 0},
    {"nickname_leading_space_is_trimmed", F_NICKNAME, " a", 0, 1},
    {"nickname_bad_utf8", F_NICKNAME, "a\xc3", 0, 0},
    {"description_at_bound", F_DESCRIPTION, NULL, CERBO_DESCRIPTION_MAX, 1},
    {"description_past_bound", F_DESCRIPTION, NULL, CERBO_DESCRIPTION_MAX + 1,
        0},
    {"description_escape_sequence", F_DESCRIPTION, "a\x1b[31mb", 0, 0},
    {"email_at_bound", F_EMAIL, NULL, CERBO_EMAIL_MAX, 1},
    {"email_past_bound", F_EMAIL, NULL, CERBO_EMAIL_MAX + 1, 0},
    {"email_no_at", F_EMAIL, "ops.example.com", 0, 0},
    {"email_empty_local", F_EMAIL, "@example.com", 0, 0},
    {"email_trailing_dot", F_EMAIL, "ops@example.com.", 0, 0},
    {"email_space", F_EMAIL, "o ps@example.com", 0, 0},
    {"email_newline_header_injection", F_EMAIL, "ops@example.com\nBcc: x@y.z",
        0, 0},
    {"profile_name_at_bound", F_PROFILE_NAME, NULL, CERBO_PROFILE_NAME_MAX, 1},
    {"profile_name_past_bound", F_PROFILE_NAME, NULL,
        CERBO_PROFILE_NAME_MAX + 1, 0},
    {"profile_name_upper", F_PROFILE_NAME, "Sched", 0, 0},
    {"profile_name_empty", F_PROFILE_NAME, "", 0, 0},
    {"profile_name_slash", F_PROFILE_NAME, "a/b", 0, 0},
    /* CERBO_RULE_MAX bytes, the NUL not counted */
    {"rule_at_bound", F_RULE, NULL, CERBO_RULE_MAX, 1},
    {"rule_past_bound", F_RULE, NULL, CERBO_RULE_MAX + 1, 0},
    {"rule_no_path", F_RULE, "GET", 0, 0},
    {"rule_no_method", F_RULE, "/api", 0, 0},
    {"rule_space_in_path", F_RULE, "GET /a b", 0, 0},
    {"rule_control_char", F_RULE, "GET /a\x01", 0, 0},
    {"rule_query_string", F_RULE, "GET /a?b=c", 0, 0},
    {"rule_percent", F_RULE, "GET /a%2e%2e", 0, 0},
    {"profile_description_past_bound", F_PROFILE_DESC, NULL,
        CERBO_DESCRIPTION_MAX + 1, 0},
    {"allow_from_bad_prefix", F_ALLOW_FROM, "10.0.0.0/33", 0, 0},
    {"allow_from_v6_bad_prefix", F_ALLOW_FROM, "2001:db8::/129", 0, 0},
    {"allow_from_garbage", F_ALLOW_FROM, "10.0.0.0/8,,", 0, 0},
    {"allow_from_leading_zeros", F_ALLOW_FROM, "010.0.0.1/32", 0, 0},
    {"allow_from_good", F_ALLOW_FROM, "10.0.0.0/8,2001:db8::/32", 0, 1},
    {"expires_not_a_time", F_EXPIRES, "tomorrow", 0, 0},
    {"expires_local_time", F_EXPIRES, "2027-01-01T00:00:00", 0, 0},
    {"disabled_yes", F_DISABLED, "yes", 0, 0},
    {"disabled_one", F_DISABLED, "1", 0, 0},
    {"disabled_true", F_DISABLED, "true", 0, 1},
};

/* A value of exactly len bytes that is valid but for its length. */
static void
fill_value(enum field_target t, char *out, size_t len)
{
	size_t at;

	switch (t) {
	case F_EMAIL:
		/* local@ddd...d.example (dotted domain) */
		memset(out, 'd', len);
		memcpy(out, "a@", 2);
		at = len - 4;
		memcpy(out + at, ".com", 4);
		/* labels of at most 63 bytes */
		for (at = 2 + 60; at < len - 4; at += 61)
			out[at] = '.';
		break;
	case F_PROFILE_NAME:
		memset(out, 'p', len);
		break;
	case F_RULE:
		memset(out, 'r', len);
		memcpy(out, "GET /", 5);
		break;
	default:
		memset(out, 'x', len);
		break;
	}
	out[len] = '\0';
}

static void
field_case_test(void **state)
{
	const struct field_case *c = *state;
	char value[4200];
	const char *v = c->value;
	struct cerbo_store *s;
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	int rc = -1, changed = 0;

	if (v == NULL) {
		assert_true(c->len < sizeof(value));
		fill_value(c->target, value, c->len);
		v = value;
	}
	s = cerbo__store_new();
	assert_non_null(s);
	assert_int_equal(cerbo_profile_add(s, "p", "Profile", &err), 0);
	spec = (struct cerbo_user_spec)CERBO_USER_SPEC_INIT;
	spec.username = "pk_real";
	spec.nickname = "Nick";
	spec.profile = "p";
	spec.email = "a@example.com";
	spec.description = "Description";
	spec.secret_hash = hash;
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	switch (c->target) {
	case F_NICKNAME:
		spec.nickname = v;
		rc = cerbo_user_add(s, &spec, NOW, &err);
		break;
	case F_DESCRIPTION:
		spec.description = v;
		rc = cerbo_user_add(s, &spec, NOW, &err);
		break;
	case F_EMAIL:
		spec.email = v;
		rc = cerbo_user_add(s, &spec, NOW, &err);
		break;
	case F_PROFILE_NAME:
		rc = cerbo_profile_add(s, v, "Profile", &err);
		break;
	case F_RULE:
		rc = cerbo_profile_rule_add(s, "p", CERBO_RULE_ALLOW, v,
		    &changed, &err);
		if (rc == 0)
			assert_int_equal(cerbo_rule_validate(v, NULL), 0);
		else
			assert_int_equal(cerbo_rule_validate(v, NULL), -1);
		break;
	case F_PROFILE_DESC:
		rc = cerbo_profile_add(s, "q", v, &err);
		break;
	case F_ALLOW_FROM:
		assert_int_equal(cerbo_user_add(s, &spec, NOW, &err), 0);
		rc = cerbo_user_set(s, "pk_real", CERBO_USER_ALLOW_FROM, v, NOW,
		    &changed, &err);
		break;
	case F_EXPIRES:
		assert_int_equal(cerbo_user_add(s, &spec, NOW, &err), 0);
		rc = cerbo_user_set(s, "pk_real", CERBO_USER_EXPIRES, v, NOW,
		    &changed, &err);
		break;
	case F_DISABLED:
		assert_int_equal(cerbo_user_add(s, &spec, NOW, &err), 0);
		rc = cerbo_user_set(s, "pk_real", CERBO_USER_DISABLED, v, NOW,
		    &changed, &err);
		break;
	}
	if (c->valid) {
		if (rc != 0)
			fail_msg("refused: %s", err.message);
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		assert_true(strlen(err.message) > 0);
	}
	/* whatever happened, the store is still valid */
	assert_int_equal(cerbo_store_validate(s, &err), 0);
	cerbo_store_free(s);
}

/* ---------------------------------------------------------------------
 * Secrets at and past the bounds; generated-key lookalikes.
 */

enum hashing { HASH_REFUSED, HASH_OK, HASH_SKIP };

struct secret_case {
	const char *name;
	size_t len; /* with text NULL: 's' * len */
	const char *text;
	enum hashing hashing; /* HASH_SKIP: not hashed (argon2id is slow) */
	int generated;        /* cerbo_secret_is_generated */
};

#define VALID_KEY "cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYO"

static const struct secret_case secret_cases[] = {
    {"empty_secret", 0, "", HASH_REFUSED, 0},
    {"secret_at_bound", CERBO_SECRET_MAX, NULL, HASH_OK, 0},
    {"secret_past_bound", CERBO_SECRET_MAX + 1, NULL, HASH_REFUSED, 0},
    {"secret_far_past_bound", 65536, NULL, HASH_REFUSED, 0},
    {"prefix_only", 0, "cerbo_sk_", HASH_SKIP, 0},
    {"generated_shape_bad_checksum", 0,
        "cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYP", HASH_SKIP,
        0},
    {"generated_shape_upper_prefix", 0,
        "CERBO_SK_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYO", HASH_SKIP,
        0},
    {"generated_key_one_short", 0,
        "cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaY", HASH_SKIP,
        0},
    {"generated_key_one_long", 0,
        "cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYOO",
        HASH_SKIP, 0},
    {"generated_key_non_base62", 0,
        "cerbo_sk_Zkxsz-Ium8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYO", HASH_SKIP,
        0},
    {"generated_key_valid", 0, VALID_KEY, HASH_OK, 1},
    {"body_past_256_bits_valid_checksum", 0,
        "cerbo_sk_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz3QgepY", HASH_SKIP,
        0},
    {"all_zero_body_valid_checksum", 0,
        "cerbo_sk_00000000000000000000000000000000000000000003xQm1l", HASH_OK,
        1},
};

static void
secret_case_test(void **state)
{
	const struct secret_case *c = *state;
	char *sec;
	size_t len;
	char out[CERBO_HASH_MAX];
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	int rc;

	len = c->text != NULL ? strlen(c->text) : c->len;
	sec = malloc(len + 1);
	assert_non_null(sec);
	if (c->text != NULL)
		memcpy(sec, c->text, len);
	else
		memset(sec, 's', len);
	sec[len] = '\0';

	assert_int_equal(cerbo_secret_is_generated(sec, len), c->generated);
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = c->hashing == HASH_SKIP
	    ? 0
	    : cerbo_secret_hash(sec, len, out, sizeof(out), &err);
	if (c->hashing == HASH_SKIP) {
		assert_true(rc == 0 || rc == -1);
	} else if (c->hashing == HASH_OK) {
		assert_int_equal(rc, 0);
		assert_string_equal(cerbo_hash_scheme(out),
		    c->generated ? "cerbo-b2b" : "argon2id");
		assert_int_equal(cerbo_secret_check(out, sec, len), 0);
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
	}
	/* none of them is the real user's secret */
	verify(&v, good_path, "pk_real", sec, len, GOOD_REQUEST);
	assert_int_not_equal(v.code, CERBO_ALLOW);
	free(sec);
}

/* ---------------------------------------------------------------------
 * Hash strings.
 */

struct hash_case {
	const char *name;
	const char *hash;
	int valid;
};

#define A2_TAIL                                                                \
	"$oJk6k7AW8Iv94ZaoQnJT6g$njWm0Gw9KolExN1aYyQOWrc+X7cq2TqzT3OYj1B6btM"
#define B2_TAIL                                                                \
	"Xx+d8kW0NjbjMlTrK3wpyg$/Zn2b6C8FpiGEbjap5RXo02F1lYAT1E5EQTe6ymGl5I"

static const struct hash_case hash_cases[] = {
    {"b2b_valid", "$cerbo-b2b$v=1$" B2_TAIL, 1},
    {"argon2id_small_valid", "$argon2id$v=19$m=8,t=1,p=1" A2_TAIL, 1},
    {"argon2id_at_memory_bound", "$argon2id$v=19$m=262144,t=1,p=1" A2_TAIL, 1},
    {"argon2id_past_memory_bound", "$argon2id$v=19$m=262145,t=1,p=1" A2_TAIL,
        0},
    {"argon2id_terabytes", "$argon2id$v=19$m=4294967295,t=1,p=1" A2_TAIL, 0},
    {"argon2id_m_overflow",
        "$argon2id$v=19$m=184467440737095516160,t=1,"
        "p=1" A2_TAIL,
        0},
    {"argon2id_at_time_bound", "$argon2id$v=19$m=8,t=10,p=1" A2_TAIL, 1},
    {"argon2id_past_time_bound", "$argon2id$v=19$m=8,t=11,p=1" A2_TAIL, 0},
    {"argon2id_zero_time", "$argon2id$v=19$m=8,t=0,p=1" A2_TAIL, 0},
    {"argon2id_below_memory_min", "$argon2id$v=19$m=7,t=1,p=1" A2_TAIL, 0},
    {"argon2id_parallel_4", "$argon2id$v=19$m=8,t=1,p=4" A2_TAIL, 0},
    {"argon2id_negative_m", "$argon2id$v=19$m=-8,t=1,p=1" A2_TAIL, 0},
    {"argon2id_leading_zero_m", "$argon2id$v=19$m=08,t=1,p=1" A2_TAIL, 0},
    {"argon2id_plus_sign_m", "$argon2id$v=19$m=+8,t=1,p=1" A2_TAIL, 0},
    {"argon2id_v16", "$argon2id$v=16$m=8,t=1,p=1" A2_TAIL, 0},
    {"argon2id_no_version", "$argon2id$m=8,t=1,p=1" A2_TAIL, 0},
    {"argon2id_reordered_params", "$argon2id$v=19$t=1,m=8,p=1" A2_TAIL, 0},
    {"argon2id_no_hash",
        "$argon2id$v=19$m=8,t=1,p=1$oJk6k7AW8Iv94ZaoQnJT"
        "6g",
        0},
    {"argon2id_padded_salt",
        "$argon2id$v=19$m=8,t=1,p=1$oJk6k7AW8Iv94Za"
        "oQnJT6g==$njWm0Gw9KolExN1aYyQOWrc+X7cq2TqzT3OYj1B6btM",
        0},
    {"argon2id_utf8_byte_in_salt",
        "$argon2id$v=19$m=8,t=1,p=1$oJk6k7"
        "\xc3W8Iv94ZaoQnJT6g$njWm0Gw9KolExN1aYyQOWrc+X7cq2TqzT3OYj1B6btM",
        0},
    {"argon2id_high_byte_in_hash",
        "$argon2id$v=19$m=8,t=1,p=1$oJk6k7AW8"
        "Iv94ZaoQnJT6g$njWm0Gw9KolExN1aYyQOWrc+X7cq2TqzT3OYj1B6\xfftM",
        0},
    {"b2b_high_byte_in_salt",
        "$cerbo-b2b$v=1$Xx+d8kW0NjbjMlTrK3wpy\x80$/Z"
        "n2b6C8FpiGEbjap5RXo02F1lYAT1E5EQTe6ymGl5I",
        0},
    {"argon2i", "$argon2i$v=19$m=8,t=1,p=1" A2_TAIL, 0},
    {"argon2d", "$argon2d$v=19$m=8,t=1,p=1" A2_TAIL, 0},
    {"b2b_v2", "$cerbo-b2b$v=2$" B2_TAIL, 0},
    {"b2b_short_salt",
        "$cerbo-b2b$v=1$Xx+d8kW0NjbjMlTrK3wpy$/Zn2b6C8Fpi"
        "GEbjap5RXo02F1lYAT1E5EQTe6ymGl5I",
        0},
    {"b2b_url_safe_chars",
        "$cerbo-b2b$v=1$Xx-d8kW0NjbjMlTrK3wpyg$_Zn2b6"
        "C8FpiGEbjap5RXo02F1lYAT1E5EQTe6ymGl5I",
        0},
    {"b2b_trailing_garbage", "$cerbo-b2b$v=1$" B2_TAIL "$x", 0},
    {"b2b_uppercase_scheme", "$CERBO-B2B$v=1$" B2_TAIL, 0},
    {"sha512_crypt",
        "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5i"
        "wMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.",
        0},
    {"bcrypt",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jW"
        "MUW",
        0},
    {"md5_crypt", "$1$salt$qJH7.N4xYta3aEG/dfqo/0", 0},
    {"plain_text", "hunter2", 0},
    {"empty", "", 0},
    {"dollar_only", "$", 0},
};

static void
hash_case_test(void **state)
{
	const struct hash_case *c = *state;
	struct cerbo_error err = CERBO_ERROR_INIT;

	assert_int_equal(cerbo__hash_validate(c->hash, &err),
	    c->valid ? 0 : -1);
	if (c->valid) {
		assert_non_null(cerbo_hash_scheme(c->hash));
	} else {
		assert_null(cerbo_hash_scheme(c->hash));
		assert_int_equal(err.status, CERBO_E_INVALID);
		/* refused before any work: no allocation of m= KiB */
		assert_int_equal(cerbo_secret_check(c->hash, "hunter2", 7), -1);
	}
}

/* ---------------------------------------------------------------------
 * Request lines.  Each refused one is also sent with the real
 * credentials: the verdict is CERBO_DENY_REQUEST, never an allow.
 */

struct request_case {
	const char *name;
	const char *line;
	size_t len; /* 0: strlen(line); else the bytes include NULs */
	int ok;
};

static const struct request_case request_cases[] = {
    {"plain_allowed", "GET /api/v1/appointments/1 HTTP/1.1", 0, 1},
    {"query_dropped", "GET /api/v1/appointments/1?x=/../y HTTP/1.1", 0, 1},
    {"encoded_letters_decoded", "GET /api/v1/%61ppointments/1", 0, 1},
    {"dotdot_segment", "GET /api/v1/appointments/../secret/x", 0, 0},
    {"dot_segment", "GET /api/v1/./appointments/secret/x", 0, 0},
    {"trailing_dotdot", "GET /api/v1/appointments/secret/x/..", 0, 0},
    {"trailing_dot", "GET /api/v1/appointments/.", 0, 0},
    {"encoded_dotdot_lower", "GET /api/v1/appointments/%2e%2e/x", 0, 0},
    {"encoded_dotdot_upper", "GET /api/v1/appointments/%2E%2E/x", 0, 0},
    {"encoded_dot_mixed", "GET /api/v1/appointments/.%2e/x", 0, 0},
    {"encoded_single_dot", "GET /api/v1/%2e/appointments/x", 0, 0},
    {"double_slash", "GET /api//v1/appointments/1", 0, 0},
    {"leading_double_slash", "GET //api/v1/appointments/1", 0, 0},
    {"triple_slash", "GET /api/v1///appointments/1", 0, 0},
    {"encoded_slash_lower", "GET /api/v1/appointments%2f..%2fsecret/x", 0, 0},
    {"encoded_slash_upper", "GET /api/v1/appointments%2F1", 0, 0},
    {"raw_backslash", "GET /api/v1/appointments\\..\\secret", 0, 0},
    {"encoded_backslash", "GET /api/v1/appointments%5c..%5csecret", 0, 0},
    {"double_encoded_dot", "GET /api/v1/appointments/%252e%252e/x", 0, 0},
    {"double_encoded_slash", "GET /api/v1/appointments%252fsecret", 0, 0},
    {"percent_25_alone", "GET /api/v1/appointments/100%25", 0, 0},
    {"truncated_percent", "GET /api/v1/appointments/%2", 0, 0},
    {"bare_percent", "GET /api/v1/appointments/%", 0, 0},
    {"percent_non_hex", "GET /api/v1/appointments/%zz", 0, 0},
    {"semicolon_parameter", "GET /api/v1/appointments;x=1/secret", 0, 0},
    {"encoded_semicolon", "GET /api/v1/appointments%3bx/secret", 0, 0},
    {"encoded_nul", "GET /api/v1/appointments/%00", 0, 0},
    {"raw_nul_cuts_line", "GET /api/v1/appointments/1\0/../secret", 38, 1},
    {"encoded_newline", "GET /api/v1/appointments/%0a", 0, 0},
    {"raw_tab", "GET /api/v1/appointments/\t1", 0, 0},
    {"raw_cr", "GET /api/v1/appointments/1\r", 0, 0},
    {"encoded_del", "GET /api/v1/appointments/%7f", 0, 0},
    {"overlong_utf8_dot", "GET /api/v1/appointments/%c0%ae%c0%ae/x", 0, 0},
    {"overlong_utf8_slash", "GET /api/v1/appointments%c0%afsecret", 0, 0},
    {"invalid_utf8_decoded", "GET /api/v1/appointments/%ff", 0, 0},
    {"raw_utf8_byte", "GET /api/v1/appointments/\xc3\xa9", 0, 0},
    {"absolute_form_http", "GET http://h/api/v1/appointments/1 HTTP/1.1", 0, 0},
    {"absolute_form_https", "GET https://h/api/v1/appointments/1", 0, 0},
    {"authority_form", "CONNECT h:443 HTTP/1.1", 0, 0},
    {"asterisk_form", "OPTIONS * HTTP/1.1", 0, 0},
    {"relative_target", "GET api/v1/appointments/1", 0, 0},
    {"lowercase_method", "get /api/v1/appointments/1", 0, 0},
    {"method_too_long", "GETGETGETGETGETGETGETGETGETGETGETG /a", 0, 0},
    {"two_spaces", "GET  /api/v1/appointments/1", 0, 0},
    {"leading_space", " GET /api/v1/appointments/1", 0, 0},
    {"trailing_space", "GET /api/v1/appointments/1 ", 0, 0},
    {"bad_version", "GET /api/v1/appointments/1 HTTP/x", 0, 0},
    {"extra_word", "GET /api/v1/appointments/1 HTTP/1.1 extra", 0, 0},
    {"empty_line", "", 0, 0},
    {"method_only", "GET", 0, 0},
    {"fragment_refused", "GET /api/v1/appointments/1#/../../secret", 0, 0},
    {"method_override_query", "POST /api/v1/appointments?_method=DELETE", 0, 0},
    {"method_override_encoded",
        "POST /api/v1/appointments?x=1&%5F%4DETHOD=DELETE", 0, 0},
    {"kelvin_sign_encoded", "GET /api/v1/appointments/%E2%84%AAeys/1", 0, 0},
    {"long_s_encoded", "GET /api/v1/appointments/secret%C5%BF", 0, 0},
    {"fullwidth_letter_encoded", "GET /api/v1/appointments/%EF%BD%93ecret", 0,
        0},
    {"path_past_bound", NULL, 0, 0},
};

static void
request_case_test(void **state)
{
	const struct request_case *c = *state;
	struct cerbo_request r = CERBO_REQUEST_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	char *line;
	size_t len;
	int rc;

	if (c->line == NULL) {
		/* "GET /aaaa...": a path one byte past CERBO_PATH_MAX - 1 */
		len = 4 + CERBO_PATH_MAX;
		line = malloc(len + 1);
		assert_non_null(line);
		memcpy(line, "GET /", 5);
		memset(line + 5, 'a', len - 5);
		line[len] = '\0';
	} else {
		len = c->len ? c->len : strlen(c->line);
		line = malloc(len + 1);
		assert_non_null(line);
		memcpy(line, c->line, len);
		line[len] = '\0';
	}
	err = (struct cerbo_error)CERBO_ERROR_INIT;
	rc = cerbo_request_parse(line, &r, &err);
	if (c->ok) {
		assert_int_equal(rc, 0);
		assert_int_equal(r.path[0], '/');
		assert_null(strstr(r.path, "/.."));
		assert_null(strstr(r.path, "//"));
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(err.status, CERBO_E_INVALID);
		verify(&v, good_path, "pk_real", secret, strlen(secret), line);
		if (v.code != CERBO_DENY_REQUEST)
			fail_msg("verdict %s (%s)", cerbo_verdict_name(v.code),
			    v.reason);
	}
	free(line);
}

/* Requests that parse but aim at the deny rule: forbidden, not allowed. */
static void
deny_rule_wins_over_allow(void **state)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	(void)state;
	verify(&v, good_path, "pk_real", secret, strlen(secret),
	    "GET /api/v1/appointments/secret/x HTTP/1.1");
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	verify(&v, good_path, "pk_real", secret, strlen(secret),
	    "GET /api/v1/appointments/secret HTTP/1.1");
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	verify(&v, good_path, "pk_real", secret, strlen(secret),
	    "GET /api/v1/appointments/%73ecret/x HTTP/1.1");
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	verify(&v, good_path, "pk_real", secret, strlen(secret),
	    "DELETE /api/v1/appointments/1 HTTP/1.1");
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
	verify(&v, good_path, "pk_real", secret, strlen(secret),
	    "GET /api/v1/appointments/secret.json HTTP/1.1");
	assert_int_equal(v.code, CERBO_DENY_FORBIDDEN);
}

/* ---------------------------------------------------------------------
 * Running the tables.
 */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct CMUnitTest *tests;
static size_t ntests;
static char (*names)[160];

static void
add(const char *table, const char *name, CMUnitTestFunction fn,
    const void *state)
{
	int n = snprintf(names[ntests], sizeof(names[ntests]), "%s/%s", table,
	    name);

	if (n < 0 || (size_t)n >= sizeof(names[ntests]))
		names[ntests][0] = '\0';
	tests[ntests].name = names[ntests];
	tests[ntests].test_func = fn;
	tests[ntests].initial_state = (void *)(uintptr_t)state;
	ntests++;
}

int
main(void)
{
	size_t total, i;
	int rc;

	total = 8 + COUNT(store_cases) + COUNT(big_cases) + COUNT(file_cases) +
	    COUNT(basic_cases) + COUNT(cred_cases) + COUNT(name_cases) +
	    COUNT(field_cases) + COUNT(secret_cases) + COUNT(hash_cases) +
	    COUNT(request_cases);
	tests = calloc(total, sizeof(*tests));
	names = calloc(total, sizeof(*names));
	if (tests == NULL || names == NULL)
		return 1;

	add("control", "real_credentials_are_allowed_on_the_good_store",
	    real_credentials_are_allowed_on_the_good_store, NULL);
	add("control", "real_credentials_through_basic_are_allowed",
	    real_credentials_through_basic_are_allowed, NULL);
	add("control", "the_template_parses", the_template_parses, NULL);
	add("big", "store_file_past_size_bound_is_refused",
	    store_file_past_size_bound_is_refused, NULL);
	add("big", "store_buffer_past_size_bound_is_refused",
	    store_buffer_past_size_bound_is_refused, NULL);
	add("request", "deny_rule_wins_over_allow", deny_rule_wins_over_allow,
	    NULL);
	for (i = 0; i < COUNT(store_cases); i++)
		add("store", store_cases[i].name, store_case_test,
		    &store_cases[i]);
	for (i = 0; i < COUNT(big_cases); i++)
		add("big", big_cases[i].name, big_case_test, &big_cases[i]);
	for (i = 0; i < COUNT(file_cases); i++)
		add("file", file_cases[i].file, file_case_test, &file_cases[i]);
	for (i = 0; i < COUNT(basic_cases); i++)
		add("basic", basic_cases[i].name, basic_case_test,
		    &basic_cases[i]);
	for (i = 0; i < COUNT(cred_cases); i++)
		add("cred", cred_cases[i].name, cred_case_test, &cred_cases[i]);
	for (i = 0; i < COUNT(name_cases); i++)
		add("username", name_cases[i].name, name_case_test,
		    &name_cases[i]);
	for (i = 0; i < COUNT(field_cases); i++)
		add("field", field_cases[i].name, field_case_test,
		    &field_cases[i]);
	for (i = 0; i < COUNT(secret_cases); i++)
		add("secret", secret_cases[i].name, secret_case_test,
		    &secret_cases[i]);
	for (i = 0; i < COUNT(hash_cases); i++)
		add("hash", hash_cases[i].name, hash_case_test, &hash_cases[i]);
	for (i = 0; i < COUNT(request_cases); i++)
		add("request", request_cases[i].name, request_case_test,
		    &request_cases[i]);

	rc = _cmocka_run_group_tests("hostile", tests, ntests, setup, teardown);
	free(tests);
	free(names);
	return rc;
}
