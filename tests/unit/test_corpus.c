/*
 * test_corpus.c - replays every file of the fuzz seed corpora
 * (tests/fuzz/corpus/<target>/) through the fuzz targets' own entry code,
 * so the invariants the fuzzers check hold in every `make check`, and
 * every crasher ever found stays fixed.  One test per file.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fuzz/targets.c"

struct corpus_case {
	const struct cerbo_fuzz_target *target;
	char path[4096];
	char name[512];
};

static void
fail_invariant(const char *target, int line, const char *what)
{
	fail_msg("target %s: invariant at targets.c:%d broken: %s", target,
	    line, what);
}

/* The whole file in a buffer of exactly its size (so an over-read shows
 * under ASan, as it would under the fuzzer). */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0)
		goto out;
	n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL)
		goto out;
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = (size_t)n;
out:
	fclose(f);
	return buf;
}

static void
replays_without_breaking_an_invariant(void **state)
{
	const struct corpus_case *c = *state;
	uint8_t *data;
	size_t len = 0;

	data = slurp(c->path, &len);
	assert_non_null(data);
	assert_int_equal(c->target->run(data, len), 0);
	free(data);
}

static int
by_name(const void *a, const void *b)
{
	const struct corpus_case *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Appends a case for every regular file of dir; returns the new count. */
static size_t
collect(const char *top, const struct cerbo_fuzz_target *t,
    struct corpus_case **cases, size_t n, size_t *cap)
{
	char dir[2048];
	struct dirent *e;
	DIR *d;
	int len;

	len =
	    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top, t->name);
	if (len < 0 || (size_t)len >= sizeof(dir))
		return n;
	d = opendir(dir);
	if (d == NULL)
		return n;
	while ((e = readdir(d)) != NULL) {
		struct corpus_case *c;

		if (e->d_name[0] == '.')
			continue;
		if (n == *cap) {
			struct corpus_case *bigger;

			*cap = *cap ? *cap * 2 : 64;
			bigger = realloc(*cases, *cap * sizeof(**cases));
			if (bigger == NULL)
				break;
			*cases = bigger;
		}
		c = &(*cases)[n];
		c->target = t;
		len =
		    snprintf(c->path, sizeof(c->path), "%s/%s", dir, e->d_name);
		if (len < 0 || (size_t)len >= sizeof(c->path))
			continue;
		len = snprintf(c->name, sizeof(c->name), "%s/%s", t->name,
		    e->d_name);
		if (len < 0 || (size_t)len >= sizeof(c->name))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

int
main(void)
{
	const char *top = getenv("CERBO_TOP");
	struct corpus_case *cases = NULL;
	struct CMUnitTest *tests = NULL;
	size_t i, n = 0, cap = 0;
	int rc;

	if (top == NULL || *top == '\0')
		top = ".";
	for (i = 0; i < cerbo_fuzz_target_count; i++)
		n = collect(top, &cerbo_fuzz_targets[i], &cases, n, &cap);
	if (n == 0) {
		fprintf(stderr, "no corpus files under %s/tests/fuzz/corpus\n",
		    top);
		return 1;
	}
	qsort(cases, n, sizeof(*cases), by_name);
	tests = calloc(n, sizeof(*tests));
	if (tests == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = replays_without_breaking_an_invariant;
		tests[i].initial_state = &cases[i];
	}
	(void)cerbo_fuzz_set_handler(fail_invariant);
	rc = _cmocka_run_group_tests("corpus", tests, n, NULL, NULL);
	free(tests);
	free(cases);
	return rc;
}
