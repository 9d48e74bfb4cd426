/*
 * match.c - endpoint rules: their grammar, and matching a request against
 * one (profile.c decides a request against a profile's rules).
 *
 * A rule is "METHOD PATH" with exactly one space between, at most
 * CERBO_RULE_MAX bytes.
 *   METHOD  "*" (any method) or an upper-case HTTP method: an upper-case
 *           letter, then upper-case letters, '-' or '_' (at most
 *           CERBO_METHOD_MAX - 1 bytes).  Methods compare exactly: HEAD is
 *           not GET, a rule for GET does not allow HEAD.
 *   PATH    '/' then segments separated by '/'.  A segment is
 *             "*"   exactly one non-empty segment;
 *             "**"  zero or more whole segments (a trailing '/' included);
 *             anything else: literal text, compared byte for byte with the
 *             decoded request path (see request.c), case-sensitive.
 *           '*' only as a whole segment; no empty segment except that a
 *           rule may end in '/': a trailing '/' is significant ("/a/"
 *           matches only "/a/", "/a" only "/a", and "/a/" + "*" matches
 *           "/a/x" but not "/a/x/").
 *           No query string ('?'), fragment ('#'), '%' (rules are written
 *           decoded), ';', '\', spaces, control bytes, dot segments; UTF-8
 *           is allowed.  These could never match a path the request parser
 *           lets through, so they are errors rather than dead rules.
 *
 * Allow rules match exactly as above.  A deny rule matches every spelling
 * a backend may route to the same handler, so that a deny cannot be
 * stepped around by one: a deny on GET also refuses HEAD (most frameworks
 * run the GET handler for HEAD), its literal segments compare ASCII
 * case-insensitively (Express, ASP.NET Core route so) and also match
 * with '.' and any suffix after them ("patients" matches "patients.json":
 * Rails' "(.:format)", Spring MVC's suffix match), and a rule whose last
 * segment is a literal or "*" also matches the same path with one
 * trailing '/' (non-strict routing).  What no matcher can know is a
 * longer path a backend serves from the same handler ("/admin/export"):
 * a deny rule should have "**" as its last segment, and
 * cerbo_rule_warning() says so of one that does not.
 *
 * Matching is the two-pointer wildcard algorithm over segments: when a
 * literal fails, only the last "**" seen absorbs one more segment, so a
 * rule with many "**" costs O(segments of rule x segments of path), never
 * exponential.  No allocation.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *
cerbo_rule_kind_name(enum cerbo_rule_kind kind)
{
	switch (kind) {
	case CERBO_RULE_ALLOW:
		return "allow";
	case CERBO_RULE_DENY:
		return "deny";
	}
	return "unknown";
}

/* A rule's method: "*" or a request's method. */
static int
method_ok(const char *m, size_t len)
{
	return (len == 1 && m[0] == '*') || cerbo__method_valid(m, len);
}

int
cerbo_rule_validate(const char *rule, struct cerbo_error *err)
{
	const char *sp, *path, *seg, *p;
	size_t len, plen, slen, i;
	unsigned char c;

	if (rule == NULL || rule[0] == '\0')
		return cerbo__fail(err, CERBO_E_INVALID, "rule: empty");
	len = strnlen(rule, CERBO_RULE_MAX + 1);
	if (len > CERBO_RULE_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "rule: longer than %d bytes", CERBO_RULE_MAX);
	for (i = 0; i < len; i++) {
		c = (unsigned char)rule[i];
		if (c < 0x20 || c == 0x7f)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule: control character at byte %zu", i + 1);
	}
	sp = strchr(rule, ' ');
	if (sp == NULL)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "rule \"%s\": expected \"METHOD PATH\"", rule);
	if (!method_ok(rule, (size_t)(sp - rule)))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "rule \"%s\": the method must be * or an upper-case HTTP method such as GET",
		    rule);
	path = sp + 1;
	plen = len - (size_t)(path - rule);
	if (path[0] != '/')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "rule \"%s\": the path must start with / (one space after the method)",
		    rule);
	for (i = 0; i < plen; i++) {
		c = (unsigned char)path[i];
		if (c == ' ')
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule \"%s\": one space only, between method and path",
			    rule);
		if (c == '?' || c == '#')
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule \"%s\": no query string or fragment: rules match the path only",
			    rule);
		if (c == '%')
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule \"%s\": no %%-encoding: rules match the decoded path, write the character itself",
			    rule);
		if (c == ';' || c == '\\')
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule \"%s\": ';' and '\\' never match a request path",
			    rule);
	}
	if (!cerbo__utf8_valid(path, plen, NULL))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "rule \"%s\": the path is not valid UTF-8", rule);
	seg = path + 1;
	for (;;) {
		p = strchr(seg, '/');
		slen = p != NULL ? (size_t)(p - seg) : strlen(seg);
		if (slen == 0 && p != NULL)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule \"%s\": empty path segment (//)", rule);
		if (memchr(seg, '*', slen) != NULL &&
		    !(slen == 1 ||
		        (slen == 2 && seg[0] == '*' && seg[1] == '*')))
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule \"%s\": * and ** must be a whole path segment",
			    rule);
		if ((slen == 1 && seg[0] == '.') ||
		    (slen == 2 && seg[0] == '.' && seg[1] == '.'))
			return cerbo__fail(err, CERBO_E_INVALID,
			    "rule \"%s\": dot segments (. and ..) never match a request path",
			    rule);
		if (p == NULL)
			break;
		seg = p + 1;
	}
	return 0;
}

/* ---- matching -------------------------------------------------------- */

/* Segment iteration: a segment starts after a '/', and runs to the next
 * '/' or the end.  NULL means past the last segment. */
static size_t
seg_len(const char *s)
{
	return strcspn(s, "/");
}

static const char *
seg_next(const char *s)
{
	const char *e = s + seg_len(s);

	return *e == '/' ? e + 1 : NULL;
}

static int
seg_is_dstar(const char *s)
{
	return s[0] == '*' && s[1] == '*' && (s[2] == '/' || s[2] == '\0');
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* n bytes equal, ASCII letters in any case (bytes >= 0x80 exactly). */
static int
same_fold(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a[i]) !=
		    ascii_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/*
 * One segment of a rule against one of the path.  deny: the spellings a
 * deny covers, a literal in any ASCII case and followed or not by '.' and
 * a suffix ("patients" also matches "patients.json": Rails' "(.:format)",
 * Spring MVC's suffix pattern match and many routers serve that from the
 * handler of "patients").
 */
static int
seg_match(const char *pat, const char *txt, int deny)
{
	size_t pl = seg_len(pat), tl = seg_len(txt);

	if (pl == 1 && pat[0] == '*')
		return tl > 0;
	if (!deny)
		return pl == tl && memcmp(pat, txt, pl) == 0;
	if (pl != tl && !(pl < tl && txt[pl] == '.'))
		return 0;
	return same_fold(pat, txt, pl);
}

/* pattern and text both start with '/'; deny: the deny spellings of
 * literals (seg_match). */
static int
path_match(const char *pattern, const char *text, int deny)
{
	const char *p = pattern + 1, *t = text + 1;
	const char *star_p = NULL, *star_t = NULL;
	int have_star = 0;

	while (t != NULL) {
		if (p != NULL && seg_is_dstar(p)) {
			have_star = 1;
			star_p = seg_next(p);
			star_t = t;
			p = star_p;
			continue;
		}
		if (p != NULL && seg_match(p, t, deny)) {
			p = seg_next(p);
			t = seg_next(t);
			continue;
		}
		if (have_star) {
			/* the last "**" takes one more segment */
			star_t = seg_next(star_t);
			t = star_t;
			p = star_p;
			continue;
		}
		return 0;
	}
	while (p != NULL && seg_is_dstar(p))
		p = seg_next(p);
	return p == NULL;
}

/* Whether a rule's method (mlen bytes) covers the request's method; a
 * deny on GET covers HEAD too. */
static int
method_match(const char *m, size_t mlen, const char *method, int deny)
{
	if (mlen == 1 && m[0] == '*')
		return 1;
	if (strlen(method) == mlen && memcmp(m, method, mlen) == 0)
		return 1;
	return deny && mlen == 3 && memcmp(m, "GET", 3) == 0 &&
	    strcmp(method, "HEAD") == 0;
}

/*
 * A deny rule's path against a request path: literals case-folded and
 * with any '.' suffix, and a path with one trailing '/' also as without
 * it, unless the rule itself ends in '/' (then the '/' is what it names).
 */
static int
deny_path_match(const char *pattern, const char *path)
{
	char trimmed[CERBO_PATH_MAX];
	size_t plen = strlen(pattern), len = strlen(path);

	if (path_match(pattern, path, 1))
		return 1;
	if (len < 2 || path[len - 1] != '/' || path[len - 2] == '/' ||
	    pattern[plen - 1] == '/' || len > sizeof(trimmed))
		return 0;
	memcpy(trimmed, path, len - 1);
	trimmed[len - 1] = '\0';
	return path_match(pattern, trimmed, 1);
}

static int
rule_match(const char *rule, const struct cerbo_request *req, int deny)
{
	const char *sp;

	if (rule == NULL || req == NULL || req->path[0] != '/')
		return 0;
	sp = strchr(rule, ' ');
	if (sp == NULL || sp[1] != '/')
		return 0;
	if (!method_match(rule, (size_t)(sp - rule), req->method, deny))
		return 0;
	return deny ? deny_path_match(sp + 1, req->path)
	            : path_match(sp + 1, req->path, 0);
}

int
cerbo__rule_match(const char *rule, const struct cerbo_request *req)
{
	return rule_match(rule, req, 0);
}

int
cerbo__deny_rule_match(const char *rule, const struct cerbo_request *req)
{
	return rule_match(rule, req, 1);
}

const char *
cerbo_rule_warning(enum cerbo_rule_kind kind, const char *rule)
{
	const char *sp, *end;
	size_t len;

	if (rule == NULL)
		return NULL;
	sp = strchr(rule, ' ');
	if (sp == NULL)
		return NULL;
	len = strlen(sp + 1);
	/* Valid, but dead: the request parser refuses such a path. */
	if (cerbo__utf8_find_folding(sp + 1, len, NULL))
		return "the path holds a character that servers fold or normalise into other text (such as U+212A KELVIN SIGN, read as k): requests holding it are refused, so the rule never matches";
	if (kind != CERBO_RULE_DENY)
		return NULL;
	end = sp + 1 + len;
	if (len >= 3 && strcmp(end - 3, "/**") == 0)
		return NULL;
	return "the path does not end in /**: a backend that serves the same handler under a longer path (/admin/export) is not denied by it";
}

/* A rule that matches every request: method "*" and a path made of "**"
 * segments only. */
int
cerbo__rule_matches_all(const char *rule)
{
	const char *p;

	if (rule == NULL || strncmp(rule, "* /", 3) != 0)
		return 0;
	p = rule + 3;
	for (;;) {
		if (!seg_is_dstar(p))
			return 0;
		p = seg_next(p);
		if (p == NULL)
			return 1;
	}
}
