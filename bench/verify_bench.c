/*
 * verify_bench - library-level measurements for `make bench`.
 *
 *   verify_bench warm STORE USER N      warm cerbo_verify vs the floor (one
 *                                       user lookup + one secret check)
 *   verify_bench loop STORE USER N      warm cerbo_verify alone (to profile)
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

#include <sodium.h>

#include "cerbo.h"

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
	struct cerbo_verify_args a;

	memset(&a, 0, sizeof(a));
	a.store_path = store;
	a.username = user;
	a.secret = secret;
	a.secret_len = strlen(secret);
	a.request = request;
	return cerbo_verify(&a, v);
}

static int
warm(const char *store, const char *user, long n, const char *secret)
{
	struct cerbo_store *s = NULL;
	struct cerbo_verdict v;
	struct cerbo_error err;
	const struct cerbo_user *u;
	double t0, tv, tf;
	long i;

	if (verify_once(store, user, secret, &v) != 0 ||
	    v.code != CERBO_ALLOW) {
		fprintf(stderr, "verify_bench: not allowed: %s\n", v.reason);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (verify_once(store, user, secret, &v) != 0 ||
		    v.code != CERBO_ALLOW)
			return 1;
	tv = (now_ns() - t0) / (double)n;

	if (cerbo_store_load(&s, store, 0, &err) != 0) {
		fprintf(stderr, "verify_bench: %s\n", err.message);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		u = cerbo_store_user_find(s, user);
		if (u == NULL || cerbo_secret_check(cerbo_user_get(u,
		    CERBO_USER_SECRET), secret, strlen(secret)) != 0)
			return 1;
	}
	tf = (now_ns() - t0) / (double)n;
	cerbo_store_free(s);
	printf("verify_warm %.0f\nfloor %.0f\n", tv, tf);
	return 0;
}

static int
loop(const char *store, const char *user, long n, const char *secret)
{
	struct cerbo_verdict v;
	double t0;
	long i;

	if (verify_once(store, user, secret, &v) != 0 ||
	    v.code != CERBO_ALLOW) {
		fprintf(stderr, "verify_bench: not allowed: %s\n", v.reason);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (verify_once(store, user, secret, &v) != 0 ||
		    v.code != CERBO_ALLOW)
			return 1;
	printf("verify_warm %.0f\n", (now_ns() - t0) / (double)n);
	return 0;
}

static int
first(const char *store, const char *user, const char *secret)
{
	struct cerbo_verdict v;
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
	struct cerbo_error err;
	char tmp[4096], *buf = NULL;
	size_t len = 0, off = 0;
	double t0 = now_ns();
	int fd, rc = 1;

	if (cerbo_store_load(&s, store, 0, &err) != 0 ||
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

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
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
	struct cerbo_verdict v;
	char wrong[CERBO_SECRET_GENERATED_SIZE];
	double *tu, *tw, *td, *tr, t0;
	long i;

	tu = calloc((size_t)n, sizeof(double));
	tw = calloc((size_t)n, sizeof(double));
	td = calloc((size_t)n, sizeof(double));
	tr = calloc((size_t)n, sizeof(double));
	if (tu == NULL || tw == NULL || td == NULL || tr == NULL ||
	    cerbo_secret_generate(wrong, sizeof(wrong)) != 0)
		return 1;
	/* Warm the cache, then interleave the three kinds of refusal and a
	 * success. */
	(void)verify_once(store, user, wrong, &v);
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		(void)verify_once(store, "pk_no_such_user", secret, &v);
		tu[i] = now_ns() - t0;
		if (v.code != CERBO_DENY_CREDENTIALS)
			return 1;
		t0 = now_ns();
		(void)verify_once(store, user, wrong, &v);
		tw[i] = now_ns() - t0;
		if (v.code != CERBO_DENY_CREDENTIALS)
			return 1;
		t0 = now_ns();
		(void)verify_once(store, disabled, secret, &v);
		td[i] = now_ns() - t0;
		if (v.code != CERBO_DENY_DISABLED)
			return 1;
		t0 = now_ns();
		(void)verify_once(store, user, secret, &v);
		tr[i] = now_ns() - t0;
		if (v.code != CERBO_ALLOW)
			return 1;
	}
	report("unknown_user", tu, n);
	report("wrong_secret", tw, n);
	report("disabled_user", td, n);
	report("right_secret", tr, n);
	free(tu);
	free(tw);
	free(td);
	free(tr);
	return 0;
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
