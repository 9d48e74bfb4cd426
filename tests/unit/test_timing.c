/*
 * What the time of a refusal promises (cerbo.h, cerbo_verify): an unknown
 * user costs what a wrong secret of a fast-scheme user costs; disabled,
 * expired and wrong-address users are checked after the secret, so with a
 * wrong secret each costs what a wrong secret of its own scheme costs.
 * And what it does not promise: an argon2id (imported) user's wrong secret
 * costs far more than an unknown user.
 *
 * Timing on a loaded machine: each sample is a batch of calls, the cases
 * are interleaved sample by sample (a burst of load hits all of them),
 * the fast end of each case's samples is compared (load only ever adds
 * time, so the fast samples tell the cost of the code; a median of a few
 * argon2id samples moved 4x under a load of 10 on two cores), and the
 * bound on their ratio is generous (3x):
 * the differences this guards against are of 10x and more (a lookup that
 * skips the hash, argon2id work for some refusals only).
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
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

#define GEN CERBO_SECRET_GENERATED_SIZE
#define A2_SECRET "imported-Secret-1"
#define FAST_SAMPLES 301
#define FAST_BATCH 20
#define SLOW_SAMPLES 31
#define RATIO 3.0

static struct {
	char dir[64];
	char path[128];
	char key[GEN];   /* every fast user's key */
	char wrong[GEN]; /* nobody's key */
	char h_key[CERBO_HASH_MAX];
	char h_a2[CERBO_HASH_MAX];
} C;

#define USER_FMT                                                               \
	"  %s:\n"                                                              \
	"    nickname: Test user\n"                                            \
	"    profile: p\n"                                                     \
	"    email: ops@example.com\n"                                         \
	"    description: A user of the timing test\n"                         \
	"    secret: \"%s\"\n"                                                 \
	"    secret_set: 2029-12-30T00:00:00Z\n"                               \
	"    created: 2026-01-01T00:00:00Z\n"                                  \
	"    updated: 2029-12-30T00:00:00Z\n"                                  \
	"%s"

static void
add_user(char *buf, size_t size, const char *name, const char *hash,
    const char *extra)
{
	size_t n = strlen(buf);
	int r = snprintf(buf + n, size - n, USER_FMT, name, hash, extra);

	assert_true(r > 0 && (size_t)r < size - n);
}

static int
setup(void **state)
{
	static char text[16384];
	struct cerbo_error err = CERBO_ERROR_INIT;
	int fd;

	(void)state;
	snprintf(C.dir, sizeof(C.dir), "/tmp/cerbo-timing-XXXXXX");
	if (mkdtemp(C.dir) == NULL)
		return -1;
	snprintf(C.path, sizeof(C.path), "%s/apiusers.yaml", C.dir);
	if (cerbo_secret_generate(C.key, GEN) != 0 ||
	    cerbo_secret_generate(C.wrong, GEN) != 0 ||
	    cerbo_secret_hash(C.key, strlen(C.key), C.h_key, CERBO_HASH_MAX,
	        &err) != 0 ||
	    /* An imported hash of light cost (1 pass, 8 MiB: a few ms), so
	     * the test is quick; still far above a keyed BLAKE2b. */
	    crypto_pwhash_str_alg(C.h_a2, A2_SECRET, strlen(A2_SECRET), 1,
	        8u << 20, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -1;
	snprintf(text, sizeof(text),
	    "cerbo_store: 1\ngeneration: 1\n"
	    "profiles:\n  p:\n    allow: [\"GET /**\"]\nusers:\n");
	add_user(text, sizeof(text), "pk_fast", C.h_key, "");
	add_user(text, sizeof(text), "pk_fast_off", C.h_key,
	    "    disabled: true\n");
	add_user(text, sizeof(text), "pk_fast_old", C.h_key,
	    "    expires: 2029-01-01T00:00:00Z\n");
	add_user(text, sizeof(text), "pk_fast_net", C.h_key,
	    "    allow_from:\n      - 192.0.2.0/24\n");
	add_user(text, sizeof(text), "pk_slow", C.h_a2, "");
	add_user(text, sizeof(text), "pk_slow_off", C.h_a2,
	    "    disabled: true\n");
	fd = open(C.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	return close(fd);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	cerbo__verify_cache_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", C.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One refusal to time: who, with which secret, from where. */
struct probe {
	const char *name; /* for the message */
	const char *user;
	const char *secret;
	const char *rhost;
};

/* ns for batch calls of p; each must refuse the credentials, the answer
 * a client without the key gets in every case. */
static double
time_batch(const struct probe *p, int batch)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	double t0;
	int i;

	a = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	a.store_path = C.path;
	a.username = p->user;
	a.secret = p->secret;
	a.secret_len = strlen(p->secret);
	a.rhost = p->rhost;
	a.now = 1893326400; /* 2029-12-30T12:00:00Z */
	t0 = now_ns();
	for (i = 0; i < batch; i++) {
		assert_int_equal(cerbo_verify(&a, &v), 0);
		if (v.code != CERBO_DENY_CREDENTIALS)
			fail_msg("%s: %s, not deny_credentials", p->name,
			    cerbo_verdict_name(v.code));
	}
	return (now_ns() - t0) / batch;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The rank-th fastest of n interleaved samples of each of the np probes. */
static void
fastest(const struct probe *p, size_t np, int n, int rank, int batch,
    double *out)
{
	double *t = calloc(np * (size_t)n, sizeof(*t));
	size_t k;
	int s;

	assert_non_null(t);
	for (k = 0; k < np; k++)
		(void)time_batch(&p[k], 1); /* warm: load, caches */
	for (s = 0; s < n; s++)
		for (k = 0; k < np; k++)
			t[k * (size_t)n + (size_t)s] = time_batch(&p[k], batch);
	for (k = 0; k < np; k++) {
		qsort(t + k * (size_t)n, (size_t)n, sizeof(*t), cmp_double);
		out[k] = t[k * (size_t)n + (size_t)rank];
		print_message("# %-32s fastest #%d: %.0f ns\n", p[k].name,
		    rank + 1, out[k]);
	}
	free(t);
}

static void
assert_close(const char *what, double a, double b)
{
	if (a > b * RATIO || b > a * RATIO)
		fail_msg("%s: %.0f ns against %.0f ns, more than %.0fx apart",
		    what, a, b, RATIO);
}

static void
unknown_user_costs_a_fast_wrong_secret_and_so_do_account_refusals(void **state)
{
	const struct probe p[] = {
	    {"wrong secret, fast user", "pk_fast", C.wrong, NULL},
	    {"unknown user", "pk_nobody", C.wrong, NULL},
	    {"invalid username", "not a user", C.wrong, NULL},
	    {"wrong secret, disabled user", "pk_fast_off", C.wrong, NULL},
	    {"wrong secret, expired user", "pk_fast_old", C.wrong, NULL},
	    {"wrong secret, other address", "pk_fast_net", C.wrong,
	        "198.51.100.7"},
	};
	double m[sizeof(p) / sizeof(p[0])];
	size_t k;

	(void)state;
	fastest(p, sizeof(p) / sizeof(p[0]), FAST_SAMPLES, FAST_SAMPLES / 10,
	    FAST_BATCH, m);
	for (k = 1; k < sizeof(p) / sizeof(p[0]); k++)
		assert_close(p[k].name, m[k], m[0]);
}

static void
argon2id_user_costs_its_own_scheme_and_stands_apart(void **state)
{
	const struct probe p[] = {
	    {"unknown user", "pk_nobody", C.wrong, NULL},
	    {"wrong secret, argon2id user", "pk_slow", C.wrong, NULL},
	    {"wrong secret, disabled argon2id", "pk_slow_off", C.wrong, NULL},
	};
	double m[3];

	(void)state;
	/* The fastest sample: one argon2id call per sample, so a burst of
	 * load or a page fault of its 8 MiB lands on a whole sample, and
	 * the third fastest of 31 was once 3.4x apart for the same hash. */
	fastest(p, 3, SLOW_SAMPLES, 0, 1, m);
	assert_close("disabled argon2id user", m[2], m[1]);
	/* Not promised, and so said in cerbo.h: an unknown user does not
	 * pay for argon2id.  If this changes, so must the documentation. */
	if (m[1] < m[0] * 10)
		fail_msg("an argon2id wrong secret (%.0f ns) is no longer far "
		         "above an unknown user (%.0f ns): update cerbo.h",
		    m[1], m[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
	        unknown_user_costs_a_fast_wrong_secret_and_so_do_account_refusals),
	    cmocka_unit_test(
	        argon2id_user_costs_its_own_scheme_and_stands_apart),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
