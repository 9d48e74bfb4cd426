/*
 * yaml_write.c - the store as deterministic YAML text (cerbo-store(5)).
 *
 * Hand-formatted rather than emitted through libyaml: the shape is fixed,
 * and writing it directly is several times faster.  The rules that keep
 * it readable back exactly:
 *   - keys in a fixed order: cerbo_store, generation, usage_file (when
 *     set), profiles, users;
 *     profiles and users sorted by name; user fields in the order of
 *     enum cerbo_user_field; rules in the order they were given;
 *   - free text (nickname, email, description, rules) always in double
 *     quotes with '"' and '\' escaped (control characters cannot occur:
 *     validation refuses them, and they would be escaped anyway);
 *   - times and booleans plain (their type is the point);
 *   - names, hash strings and networks plain when they consist of
 *     characters that cannot start or end a YAML indicator and do not read
 *     as a boolean, number, date or null; otherwise double-quoted too.
 * The store is validated first: an invalid store is never written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HEADER                                                                 \
	"# pam_cerbo API users and permission profiles.\n"                     \
	"# This file is managed by cerbo-apiuser and cerbo-profile, which "    \
	"lock,\n"                                                              \
	"# validate and replace it atomically; hand edits are best made "      \
	"with\n"                                                               \
	"# \"cerbo-apiuser edit-file\".  Format: cerbo-store(5).\n"

struct out {
	char *p;
	size_t len;
	size_t cap;
	int nomem;
};

static int
grow(struct out *o, size_t need)
{
	size_t cap;
	char *p;

	if (o->nomem)
		return -1;
	if (o->len + need <= o->cap)
		return 0;
	cap = o->cap == 0 ? 4096 : o->cap;
	while (cap < o->len + need) {
		if (cap > SIZE_MAX / 2) {
			o->nomem = 1;
			return -1;
		}
		cap *= 2;
	}
	p = realloc(o->p, cap);
	if (p == NULL) {
		o->nomem = 1;
		return -1;
	}
	o->p = p;
	o->cap = cap;
	return 0;
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (grow(o, n) != 0)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static int
plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	    c == '/' || c == '$' || c == '=' || c == '+' || c == ',' ||
	    c == ':';
}

/* May s be written as a plain scalar in block context? */
static int
plain_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '-' || s[0] == ':' || s[0] == ',' ||
	    s[n - 1] == ':')
		return 0;
	for (i = 0; i < n; i++) {
		if (!plain_char((unsigned char)s[i]))
			return 0;
	}
	return !cerbo__yaml_plain_not_string(s, n);
}

static void
quoted(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	put(o, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[4];

		if (c != '"' && c != '\\' && c >= 0x20 && c != 0x7f)
			continue;
		put(o, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			put(o, esc, 2);
		} else {
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			put(o, esc, 4);
		}
	}
	put(o, run, (size_t)(s - run));
	put(o, "\"", 1);
}

static void
scalar(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (plain_ok(s, n))
		put(o, s, n);
	else
		quoted(o, s);
}

static void
uint_line(struct out *o, const char *key, uint64_t v)
{
	char num[32];
	int n;

	n = snprintf(num, sizeof(num), "%s: %llu\n", key,
	    (unsigned long long)v);
	if (n > 0 && (size_t)n < sizeof(num))
		put(o, num, (size_t)n);
	else
		o->nomem = 1;
}

static void
emit_profile(struct out *o, const struct cerbo_profile *p)
{
	size_t i;
	int k;

	put(o, "  ", 2);
	scalar(o, p->name);
	put(o, ":\n", 2);
	if (p->description != NULL) {
		puts_(o, "    description: ");
		quoted(o, p->description);
		put(o, "\n", 1);
	}
	for (k = 0; k < 2; k++) {
		if (p->nrules[k] == 0) {
			if (k == CERBO_RULE_ALLOW)
				puts_(o, "    allow: []\n");
			continue;
		}
		puts_(o, "    ");
		puts_(o, cerbo_rule_kind_name((enum cerbo_rule_kind)k));
		put(o, ":\n", 2);
		for (i = 0; i < p->nrules[k]; i++) {
			puts_(o, "      - ");
			quoted(o, p->rules[k][i]);
			put(o, "\n", 1);
		}
	}
}

static void
emit_user(struct out *o, const struct cerbo_user *u)
{
	int f;

	put(o, "  ", 2);
	scalar(o, u->name);
	put(o, ":\n", 2);
	for (f = 0; f < CERBO_USER_FIELD_COUNT; f++) {
		const char *v = cerbo_user_get(u, (enum cerbo_user_field)f);
		const char *name =
		    cerbo_user_field_name((enum cerbo_user_field)f);

		if (v == NULL)
			continue;
		puts_(o, "    ");
		puts_(o, name);
		switch (f) {
		case CERBO_USER_NICKNAME:
		case CERBO_USER_EMAIL:
		case CERBO_USER_DESCRIPTION:
			put(o, ": ", 2);
			quoted(o, v);
			break;
		case CERBO_USER_ALLOW_FROM:
			put(o, ":", 1);
			while (*v != '\0') {
				const char *end = strchr(v, ',');
				char net[CERBO__CIDR_TEXT];
				size_t n =
				    end != NULL ? (size_t)(end - v) : strlen(v);

				if (n >= sizeof(net)) {
					o->nomem = 1;
					return;
				}
				memcpy(net, v, n);
				net[n] = '\0';
				puts_(o, "\n      - ");
				scalar(o, net);
				v += n;
				if (*v == ',')
					v++;
			}
			break;
		case CERBO_USER_DISABLED:
		case CERBO_USER_SECRET_SET:
		case CERBO_USER_OLD_SECRET_EXPIRES:
		case CERBO_USER_EXPIRES:
		case CERBO_USER_CREATED:
		case CERBO_USER_UPDATED:
			/* true/false and timestamps: typed, always plain. */
			put(o, ": ", 2);
			puts_(o, v);
			break;
		default:
			put(o, ": ", 2);
			scalar(o, v);
			break;
		}
		put(o, "\n", 1);
	}
}

int
cerbo_store_emit(const struct cerbo_store *store, char **buf, size_t *len,
    struct cerbo_error *err)
{
	struct out o;
	size_t i;

	if (buf == NULL || len == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "nowhere to write");
	*buf = NULL;
	*len = 0;
	if (cerbo_store_validate(store, err) != 0)
		return -1;
	memset(&o, 0, sizeof(o));
	/* A user takes some 400 bytes: guess once, grow rarely. */
	if (grow(&o, 1024 + store->nusers * 512) != 0)
		goto nomem;
	puts_(&o, HEADER);
	uint_line(&o, "cerbo_store", (uint64_t)CERBO_STORE_FORMAT);
	uint_line(&o, "generation", store->generation);
	if (store->usage_file != NULL) {
		puts_(&o, "usage_file: ");
		scalar(&o, store->usage_file);
		puts_(&o, "\n");
	}
	if (store->nprofiles == 0) {
		puts_(&o, "profiles: {}\n");
	} else {
		puts_(&o, "profiles:\n");
		for (i = 0; i < store->nprofiles; i++)
			emit_profile(&o, store->profiles[i]);
	}
	if (store->nusers == 0) {
		puts_(&o, "users: {}\n");
	} else {
		puts_(&o, "users:\n");
		for (i = 0; i < store->nusers; i++)
			emit_user(&o, store->users[i]);
	}
	if (o.nomem)
		goto nomem;
	*buf = o.p;
	*len = o.len;
	return 0;
nomem:
	free(o.p);
	return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
}
