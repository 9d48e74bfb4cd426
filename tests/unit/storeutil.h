/*
 * storeutil.h - helpers shared by the store model, reader and writer
 * tests: fixtures from tests/data/store, a minimal valid store text, and a
 * field-by-field comparison of two stores.  Each test program includes it
 * once.
 */
#ifndef CERBO_TEST_STOREUTIL_H
#define CERBO_TEST_STOREUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerbo.h"
#include "internal.h"

/* Valid hash strings (of keys nobody holds). */
#define HASH_A                                                                 \
	"$cerbo-b2b$v=1$sikM6CXepa6AG3oInLgKMA$"                               \
	"wqv9lnz6THpqarx12UFCcbCxHkIeOo61hV8I4grK730"
#define HASH_B                                                                 \
	"$cerbo-b2b$v=1$XR2/"                                                  \
	"h4gryfBkcpGnj3twww$vvQTC0jK0WSOS09G5RhYZ1+uEjjoeqtiMzgODEm1zFM"
#define HASH_C                                                                 \
	"$cerbo-b2b$v=1$G8ixlje8c284OFex8cL0Lg$"                               \
	"oDLb2XFjIZD5Rc8DyjzUtUiQXicnmwsKJQTZ3F1EvXo"
#define HASH_ARGON                                                             \
	"$argon2id$v=19$m=65536,t=2,p=1$vN6/lW0TWk6YiYrQaSzLGw$QXL3j/dLktWbK/" \
	"4oGivZZxLvgKLpY41YQ8oWS+Mofu0"

/*
 * A valid store, one profile "p" and one user "pk_a" whose last field is
 * on line 15; a test appends user fields (4-space indent) from line 16.
 */
#define STORE_HEAD                                                             \
	"cerbo_store: 1\n"                       /* 1 */                       \
	"generation: 1\n"                        /* 2 */                       \
	"profiles:\n"                            /* 3 */                       \
	"  p:\n"                                 /* 4 */                       \
	"    allow: [GET /a]\n"                  /* 5 */                       \
	"users:\n"                               /* 6 */                       \
	"  pk_a:\n"                              /* 7 */                       \
	"    nickname: A\n"                      /* 8 */                       \
	"    profile: p\n"                       /* 9 */                       \
	"    email: a@example.com\n"             /* 10 */                      \
	"    description: D\n"                   /* 11 */                      \
	"    secret: " HASH_A "\n"               /* 12 */                      \
	"    secret_set: 2026-01-01T00:00:00Z\n" /* 13 */                      \
	"    created: 2026-01-01T00:00:00Z\n"    /* 14 */                      \
	"    updated: 2026-01-01T00:00:00Z\n"    /* 15 */

/* Read tests/data/store/<name> (under $CERBO_TOP); NUL-terminated. */
static __attribute__((unused)) char *
read_data(const char *name, size_t *len)
{
	const char *top = getenv("CERBO_TOP");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	if (top == NULL)
		top = ".";
	if (snprintf(path, sizeof(path), "%s/tests/data/store/%s", top, name) >=
	    (int)sizeof(path))
		return NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * 1 when a and b hold the same profiles and users with the same fields
 * (generation included); else 0, with what differs in why.
 */
static __attribute__((unused)) int
stores_equal(const struct cerbo_store *a, const struct cerbo_store *b,
    char *why, size_t whylen)
{
	size_t i, j;
	int f, k;

	if (cerbo_store_generation(a) != cerbo_store_generation(b)) {
		snprintf(why, whylen, "generation");
		return 0;
	}
	if (cerbo_store_profile_count(a) != cerbo_store_profile_count(b)) {
		snprintf(why, whylen, "profile count");
		return 0;
	}
	for (i = 0; i < cerbo_store_profile_count(a); i++) {
		const struct cerbo_profile *pa = cerbo_store_profile_at(a, i);
		const struct cerbo_profile *pb = cerbo_store_profile_at(b, i);

		if (!str_eq(cerbo_profile_name(pa), cerbo_profile_name(pb)) ||
		    !str_eq(cerbo_profile_description(pa),
		        cerbo_profile_description(pb))) {
			snprintf(why, whylen, "profile %zu", i);
			return 0;
		}
		for (k = 0; k < 2; k++) {
			enum cerbo_rule_kind kind = (enum cerbo_rule_kind)k;

			if (cerbo_profile_rule_count(pa, kind) !=
			    cerbo_profile_rule_count(pb, kind)) {
				snprintf(why, whylen, "rule count");
				return 0;
			}
			for (j = 0; j < cerbo_profile_rule_count(pa, kind);
			     j++) {
				if (!str_eq(cerbo_profile_rule_at(pa, kind, j),
				        cerbo_profile_rule_at(pb, kind, j))) {
					snprintf(why, whylen, "rule %zu", j);
					return 0;
				}
			}
		}
	}
	if (cerbo_store_user_count(a) != cerbo_store_user_count(b)) {
		snprintf(why, whylen, "user count");
		return 0;
	}
	for (i = 0; i < cerbo_store_user_count(a); i++) {
		const struct cerbo_user *ua = cerbo_store_user_at(a, i);
		const struct cerbo_user *ub = cerbo_store_user_at(b, i);

		if (!str_eq(cerbo_user_name(ua), cerbo_user_name(ub))) {
			snprintf(why, whylen, "user %zu name", i);
			return 0;
		}
		for (f = 0; f < CERBO_USER_FIELD_COUNT; f++) {
			enum cerbo_user_field fl = (enum cerbo_user_field)f;

			if (!str_eq(cerbo_user_get(ua, fl),
			        cerbo_user_get(ub, fl)) ||
			    cerbo__user_time(ua, fl) !=
			        cerbo__user_time(ub, fl)) {
				snprintf(why, whylen, "user %s field %s",
				    cerbo_user_name(ua),
				    cerbo_user_field_name(fl));
				return 0;
			}
		}
	}
	return 1;
}

#endif /* CERBO_TEST_STOREUTIL_H */
