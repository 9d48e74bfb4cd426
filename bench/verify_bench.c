/*
 * verify_bench - library-level measurements for `make bench`.
 *
 *   verify_bench warm STORE USER N      warm cerbo_verify vs the floor (one
 *                                       user lookup + one secret check),
 *                                       batches interleaved, medians
 *   verify_bench loop STORE USER N      warm cerbo_verify alone (to profile)
 *   verify_bench usage OFF ON USER N    warm cerbo_verify on two stores alike
 *                                       but for ON naming a usage file,
 *                                       batches interleaved, medians
 *   verify_bench parts STORE USER N     what a warm verification is made of:
 *                                       stat, index check (fstat), index
 *                                       lookup, secret check,
 *                                       one keyed BLAKE2b, request parse
 *   verify_bench first STORE USER       this fresh process's first verify
 *   verify_bench rewrite STORE          one parse + emit + write + fsync
 *   verify_bench timing STORE USER DISABLED N
 *                                       per-call times of unknown user,
 *                                       wrong secret, disabled user and
 *                                       right secret (allowed)
 *
 * The secret of USER (and of DISABLED) is read from standard input.
 * Results are printed as "name value" lines, in nanoseconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <sodium.h>

#include "internal.h" /* the index, for the parts of a verification */

static const char *request = "GET /api/v1/appointments/42 HTTP/1.1";

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long
number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > 100000000)
		return -1;
	return v;
}

static int
read_secret(char *buf, size_t len)
{
	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int
verify_once(const char *store, const char *user, const char *secret,
    struct cerbo_verdict *v)
{
	struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;

	a.store_path = store;
	a.username = user;
	a.secret = secret;
	a.secret_len = strlen(secret);
	a.request = request;
	return cerbo_verify(&a, v);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *t, long n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return t[n / 2];
}

/*
 * n calls in batches of BATCH; the median of the batch means is what is
 * reported, so a batch slowed down by another process on a busy machine
 * does not move the figure.
 */
#define BATCH 1000L

static long
batches(long n)
{
	return n / BATCH > 0 ? n / BATCH : 1;
}

static int
verify_batch(const char *store, const char *user, const char *secret,
    long n, double *mean)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		if (verify_once(store, user, secret, &v) != 0 ||
		    v.code != CERBO_ALLOW) {
			fprintf(stderr, "verify_bench: not allowed: %s\n",
			    v.reason);
			return 1;
		}
	*mean = (now_ns() - t0) / (double)n;
	return 0;
}

/* The floor: one lookup in a parsed store and one secret check. */
static int
floor_batch(const struct cerbo_store *s, const char *user, const char *secret,
    long n, double *mean)
{
	const struct cerbo_user *u;
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		u = cerbo_store_user_find(s, user);
		if (u == NULL || cerbo_secret_check(cerbo_user_get(u,
		    CERBO_USER_SECRET), secret, strlen(secret)) != 0)
			return 1;
	}
	*mean = (now_ns() - t0) / (double)n;
	return 0;
}

/* Warm cerbo_verify and the floor, batch for batch interleaved. */
static int
warm(const char *store, const char *user, long n, const char *secret)
{
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	long nb = batches(n), per = n / nb, b;
	double *tv = calloc((size_t)nb, sizeof(double));
	double *tf = calloc((size_t)nb, sizeof(double));
	double first;
	int rc = 1;

	if (tv == NULL || tf == NULL ||
	    verify_batch(store, user, secret, 1, &first) != 0)
		goto out;
	if (cerbo_store_load(store, 0, &s, &err) != 0) {
		fprintf(stderr, "verify_bench: %s\n", err.message);
		goto out;
	}
	for (b = 0; b < nb; b++)
		if (verify_batch(store, user, secret, per, &tv[b]) != 0 ||
		    floor_batch(s, user, secret, per, &tf[b]) != 0)
			goto out;
	printf("verify_warm %.0f\nfloor %.0f\n", median(tv, nb),
	    median(tf, nb));
	rc = 0;
out:
	cerbo_store_free(s);
	free(tv);
	free(tf);
	return rc;
}

/* Warm cerbo_verify alone (also to profile it). */
static int
loop(const char *store, const char *user, long n, const char *secret)
{
	long nb = batches(n), per = n / nb, b;
	double *tv = calloc((size_t)nb, sizeof(double));
	double first;
	int rc = 1;

	if (tv == NULL || verify_batch(store, user, secret, 1, &first) != 0)
		goto out;
	for (b = 0; b < nb; b++)
		if (verify_batch(store, user, secret, per, &tv[b]) != 0)
			goto out;
	printf("verify_warm %.0f\n", median(tv, nb));
	rc = 0;
out:
	free(tv);
	return rc;
}

/*
 * Warm cerbo_verify with use recording off (store off) and on (store on,
 * the same users, naming a usage file), batch for batch interleaved.  In
 * a steady state a key's use is written once a minute; every other call
 * pays the check of the process's memory of what it wrote.
 */
static int
usage(const char *off, const char *on, const char *user, long n,
    const char *secret)
{
	long nb = batches(n), per = n / nb, b;
	double *t0 = calloc((size_t)nb, sizeof(double));
	double *t1 = calloc((size_t)nb, sizeof(double));
	double first;
	int rc = 1;

	if (t0 == NULL || t1 == NULL ||
	    verify_batch(off, user, secret, 1, &first) != 0 ||
	    verify_batch(on, user, secret, 1, &first) != 0)
		goto out;
	for (b = 0; b < nb; b++)
		if (verify_batch(off, user, secret, per, &t0[b]) != 0 ||
		    verify_batch(on, user, secret, per, &t1[b]) != 0)
			goto out;
	printf("usage_off %.0f\nusage_on %.0f\n", median(t0, nb),
	    median(t1, nb));
	rc = 0;
out:
	free(t0);
	free(t1);
	return rc;
}

/* The median batch mean of one part; the part returns non-zero on error. */
#define PART(name, expr) do {						\
	for (b = 0; b < nb; b++) {					\
		t0 = now_ns();						\
		for (i = 0; i < per; i++)				\
			if ((expr) != 0)				\
				goto out;				\
		t[b] = (now_ns() - t0) / (double)per;			\
	}								\
	printf("%s %.0f\n", name, median(t, nb));			\
} while (0)

static int
parts(const char *store, const char *user, long n, const char *secret)
{
	struct cerbo__index *ix = NULL;
	struct cerbo_user u;
	struct cerbo_request req = CERBO_REQUEST_INIT;
	struct stat st;
	unsigned char rec[CERBO__INDEX_RECORD_MAX], out[32], key[32];
	char hash[CERBO_HASH_MAX];
	long nb = batches(n), per = n / nb, b, i;
	double *t = calloc((size_t)nb, sizeof(double)), t0;
	int rc = 1;

	if (t == NULL || stat(store, &st) != 0 ||
	    cerbo__index_open(store, &st, 0, &ix, NULL) != 0 ||
	    cerbo__index_find(ix, user, &u, rec, sizeof(rec)) != 1) {
		fprintf(stderr, "verify_bench: no matching index\n");
		goto out;
	}
	snprintf(hash, sizeof(hash), "%s", cerbo_user_get(&u,
	    CERBO_USER_SECRET));
	randombytes_buf(key, sizeof(key));
	PART("stat", stat(store, &st));
	PART("index_check", cerbo__index_current(ix, NULL));
	PART("index_lookup", cerbo__index_find(ix, user, &u, rec,
	    sizeof(rec)) != 1);
	PART("index_miss", cerbo__index_find(ix, "pk_no_such_user", &u, rec,
	    sizeof(rec)) != 0);
	PART("secret_check", cerbo_secret_check(hash, secret,
	    strlen(secret)));
	PART("blake2b_keyed", crypto_generichash(out, sizeof(out),
	    (const unsigned char *)secret, strlen(secret), key, sizeof(key)));
	PART("request_parse", cerbo_request_parse(request, &req, NULL));
	rc = 0;
out:
	sodium_memzero(rec, sizeof(rec));
	cerbo__index_close(ix);
	free(t);
	return rc;
}

static int
first(const char *store, const char *user, const char *secret)
{
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	double t0 = now_ns(), t;
	int rc = verify_once(store, user, secret, &v);

	t = now_ns() - t0;
	if (rc != 0 || v.code != CERBO_ALLOW) {
		fprintf(stderr, "verify_bench: not allowed: %s\n", v.reason);
		return 1;
	}
	printf("first_verify %.0f\n", t);
	return 0;
}

static int
rewrite(const char *store)
{
	struct cerbo_store *s = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char tmp[4096], *buf = NULL;
	size_t len = 0, off = 0;
	double t0 = now_ns();
	int fd, rc = 1;

	if (cerbo_store_load(store, 0, &s, &err) != 0 ||
	    cerbo_store_emit(s, &buf, &len, &err) != 0) {
		fprintf(stderr, "verify_bench: %s\n", err.message);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.bench-rewrite", store);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off == len && fsync(fd) == 0)
		rc = 0;
	close(fd);
	unlink(tmp);
	printf("rewrite_floor %.0f\n", now_ns() - t0);
out:
	free(buf);
	cerbo_store_free(s);
	return rc;
}

static void
report(const char *name, double *t, long n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%s_p10 %.0f\n%s_median %.0f\n%s_p90 %.0f\n", name,
	    t[n / 10], name, t[n / 2], name, t[n - 1 - n / 10]);
}

static int
timing(const char *store, const char *user, const char *disabled, long n,
    const char *secret)
{
	static const char *names[4] = { "unknown_user", "wrong_secret",
		"disabled_user", "right_secret" };
	struct cerbo_verdict v = CERBO_VERDICT_INIT;
	char wrong[CERBO_SECRET_GENERATED_SIZE];
	double *t[4], t0;
	long i;
	int k, rc = 1;

	for (k = 0; k < 4; k++)
		t[k] = calloc((size_t)n, sizeof(double));
	if (t[0] == NULL || t[1] == NULL || t[2] == NULL || t[3] == NULL ||
	    cerbo_secret_generate(wrong, sizeof(wrong)) != 0)
		goto out;
	/* Warm the cache, then interleave the three kinds of refusal and a
	 * success. */
	(void)verify_once(store, user, wrong, &v);
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		(void)verify_once(store, "pk_no_such_user", secret, &v);
		t[0][i] = now_ns() - t0;
		if (v.code != CERBO_DENY_CREDENTIALS)
			goto out;
		t0 = now_ns();
		(void)verify_once(store, user, wrong, &v);
		t[1][i] = now_ns() - t0;
		if (v.code != CERBO_DENY_CREDENTIALS)
			goto out;
		t0 = now_ns();
		(void)verify_once(store, disabled, secret, &v);
		t[2][i] = now_ns() - t0;
		if (v.code != CERBO_DENY_DISABLED)
			goto out;
		t0 = now_ns();
		(void)verify_once(store, user, secret, &v);
		t[3][i] = now_ns() - t0;
		if (v.code != CERBO_ALLOW)
			goto out;
	}
	for (k = 0; k < 4; k++)
		report(names[k], t[k], n);
	rc = 0;
out:
	for (k = 0; k < 4; k++)
		free(t[k]);
	return rc;
}

int
main(int argc, char **argv)
{
	char secret[CERBO_SECRET_MAX + 2];
	long n;
	int rc = 2;

	if (sodium_init() < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "rewrite") == 0)
		return rewrite(argv[2]);
	if (read_secret(secret, sizeof(secret)) != 0)
		goto usage;
	if (argc == 5 && strcmp(argv[1], "warm") == 0 &&
	    (n = number(argv[4])) > 0)
		rc = warm(argv[2], argv[3], n, secret);
	else if (argc == 5 && strcmp(argv[1], "loop") == 0 &&
	    (n = number(argv[4])) > 0)
		rc = loop(argv[2], argv[3], n, secret);
	else if (argc == 6 && strcmp(argv[1], "usage") == 0 &&
	    (n = number(argv[5])) > 0)
		rc = usage(argv[2], argv[3], argv[4], n, secret);
	else if (argc == 5 && strcmp(argv[1], "parts") == 0 &&
	    (n = number(argv[4])) > 0)
		rc = parts(argv[2], argv[3], n, secret);
	else if (argc == 4 && strcmp(argv[1], "first") == 0)
		rc = first(argv[2], argv[3], secret);
	else if (argc == 6 && strcmp(argv[1], "timing") == 0 &&
	    (n = number(argv[5])) > 0)
		rc = timing(argv[2], argv[3], argv[4], n, secret);
	else
		goto usage;
	sodium_memzero(secret, sizeof(secret));
	return rc;
usage:
	sodium_memzero(secret, sizeof(secret));
	fprintf(stderr, "usage: see the comment at the top of "
	    "bench/verify_bench.c\n");
	return 2;
}
