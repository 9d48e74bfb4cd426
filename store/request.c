/*
 * request.c - reducing an HTTP request line to the method and the path
 * that endpoint rules are matched against.
 *
 * Web servers normalise a path before serving it but hand PAM the raw
 * request line: nginx serves "/a/%2e%2e/b", "/a%2f..%2fb", "//b" and
 * "GET http://h/b" all as "/b".  Matching the raw text would let a request
 * slip past a deny rule, so every target a server could read as another
 * path is refused, and what is left is percent-decoded exactly once, so
 * that the decoded text is the path the server serves.
 *
 * Accepted:  METHOD SP TARGET [SP HTTP/d.d | SP HTTP/d]
 *   - exactly one space between the parts, nothing before or after;
 *   - METHOD: an upper-case letter, then upper-case letters, '-' or '_',
 *     at most CERBO_METHOD_MAX - 1 bytes;
 *   - the whole line printable ASCII (no control bytes, no bytes >= 0x7f);
 *   - TARGET in origin form: starts with '/'.  The query string (from the
 *     first '?') is dropped, but a "_method" parameter in it refuses the
 *     request (see method_override); a '#' anywhere refuses the request
 *     (clients never send a fragment, and servers disagree on where it
 *     ends).
 * Refused in the path: empty segments ("//"; a trailing '/' is kept),
 * dot segments ("." and "..", also percent-encoded in any case), '\' raw
 * or encoded, an encoded '/', '%25' (double encoding), ';' raw or encoded,
 * malformed '%XX', encoded control bytes or NUL, a decoded path that is
 * not valid UTF-8 (overlong forms such as %C0%AE included) or longer than
 * CERBO_PATH_MAX - 1 bytes, and one holding a code point that servers
 * fold or normalise into other text (%E2%84%AA, KELVIN SIGN, reads as
 * "k" to Java's toLowerCase(): fold.c has the table).
 */
#include <string.h>

#include "internal.h"

#define LINE_MAX_BYTES (64 * 1024)

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
cerbo__method_valid(const char *m, size_t len)
{
	size_t i;

	if (len == 0 || len >= CERBO_METHOD_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)m[i];

		if (c >= 'A' && c <= 'Z')
			continue;
		if (i > 0 && (c == '-' || c == '_'))
			continue;
		return 0;
	}
	return 1;
}

static int
bad(struct cerbo_error *err, const char *what)
{
	return cerbo__fail(err, CERBO_E_INVALID, "request refused: %s", what);
}

static int
parse_version(const char *v, size_t len)
{
	if (len < 6 || memcmp(v, "HTTP/", 5) != 0)
		return -1;
	if (v[5] < '0' || v[5] > '9')
		return -1;
	if (len == 6)
		return 0;
	if (len == 8 && v[6] == '.' && v[7] >= '0' && v[7] <= '9')
		return 0;
	return -1;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* The byte at s[*i] of a query (len bytes) as a form decoder reads it:
 * "%XX" decoded, '+' a space, a malformed '%' as it is; *i moves on. */
static unsigned char
form_byte(const char *s, size_t len, size_t *i)
{
	unsigned char c = (unsigned char)s[*i];
	int hi, lo;

	if (c == '%' && *i + 2 < len) {
		hi = hexval((unsigned char)s[*i + 1]);
		lo = hexval((unsigned char)s[*i + 2]);
		if (hi >= 0 && lo >= 0) {
			*i += 3;
			return (unsigned char)(hi * 16 + lo);
		}
	}
	(*i)++;
	return c == '+' ? ' ' : c;
}

/*
 * Whether the parameter name s (len bytes, still encoded) reads as
 * "_method" the way PHP reads names (Laravel and Symfony take $_GET):
 * leading spaces dropped, ' ' and '.' turned into '_', the name cut at
 * '[' (an array) or a NUL; in any letter case, toward refusal.
 */
static int
names_method(const char *s, size_t len)
{
	static const char want[] = "_method";
	size_t i = 0, n = 0;
	unsigned char c;
	int leading = 1;

	while (i < len) {
		c = form_byte(s, len, &i);
		if (leading && c == ' ')
			continue;
		leading = 0;
		if (c == '[' || c == '\0')
			break;
		if (c == ' ' || c == '.')
			c = '_';
		if (n == sizeof(want) - 1 ||
		    ascii_lower(c) != (unsigned char)want[n])
			return 0;
		n++;
	}
	return n == sizeof(want) - 1;
}

/*
 * Whether the query q (len bytes, after the '?') has a "_method"
 * parameter.  Laravel and Symfony (from the query as well as the body),
 * Express's method-override and Spring's HiddenHttpMethodFilter run the
 * method it names, so a POST a profile allows would run a DELETE it
 * denies.  Parameters are split at '&' and at ';' (older Rack and other
 * parsers split there too).
 */
static int
method_override(const char *q, size_t len)
{
	size_t start = 0, end, name_end;

	while (start <= len) {
		end = start;
		while (end < len && q[end] != '&' && q[end] != ';')
			end++;
		name_end = start;
		while (name_end < end && q[name_end] != '=')
			name_end++;
		if (names_method(q + start, name_end - start))
			return 1;
		start = end + 1;
	}
	return 0;
}

/*
 * Decode the path p (len bytes, starting with '/') into out, segment by
 * segment, refusing what a server would normalise.
 */
static int
decode_path(const char *p, size_t len, char *out, size_t outsize,
    struct cerbo_error *err)
{
	size_t i = 0, o = 0, seg;
	int hi, lo;
	unsigned char c;
	uint32_t cp;

	while (i < len) {
		/* p[i] is '/': a segment follows. */
		if (o + 1 >= outsize)
			return bad(err, "path too long");
		out[o++] = '/';
		i++;
		seg = o;
		while (i < len && p[i] != '/') {
			c = (unsigned char)p[i];
			if (c == '%') {
				hi = i + 2 < len
				    ? hexval((unsigned char)p[i + 1])
				    : -1;
				lo = hi >= 0 ? hexval((unsigned char)p[i + 2])
				             : -1;
				if (hi < 0 || lo < 0)
					return bad(err,
					    "malformed percent-encoding");
				c = (unsigned char)(hi * 16 + lo);
				if (c == '/')
					return bad(err, "encoded slash (%2F)");
				if (c == '\\')
					return bad(err,
					    "encoded backslash (%5C)");
				if (c == '%')
					return bad(err,
					    "double encoding (%25)");
				if (c == ';')
					return bad(err, "encoded ';' (%3B)");
				if (c < 0x20 || c == 0x7f)
					return bad(err,
					    "encoded control character or NUL");
				i += 3;
			} else {
				if (c == '\\')
					return bad(err, "backslash in path");
				if (c == ';')
					return bad(err, "';' path parameter");
				i++;
			}
			if (o + 1 >= outsize)
				return bad(err, "path too long");
			out[o++] = (char)c;
		}
		if (o == seg && i < len)
			return bad(err, "empty path segment (//)");
		if ((o - seg == 1 && out[seg] == '.') ||
		    (o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
			return bad(err, "dot segment (. or ..) in path");
	}
	out[o] = '\0';
	if (!cerbo__utf8_valid(out, o, NULL))
		return bad(err, "path is not valid UTF-8 after decoding");
	if (cerbo__utf8_find_folding(out, o, &cp))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "request refused: U+%04X in the path, which servers may fold or normalise into other text",
		    (unsigned)cp);
	return 0;
}

static int
request_parse(const char *line, struct cerbo_request *out,
    struct cerbo_error *err)
{
	const char *sp1, *target, *sp2, *end;
	size_t n, i, mlen, tlen, plen;
	int rc = -1;

	if (out == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no request output");
	out->method[0] = '\0';
	out->path[0] = '\0';
	if (line == NULL) {
		bad(err, "no request line");
		goto out;
	}
	n = strnlen(line, LINE_MAX_BYTES + 1);
	if (n > LINE_MAX_BYTES) {
		bad(err, "request line too long");
		goto out;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f) {
			bad(err, "control character in request line");
			goto out;
		}
		if (c >= 0x80) {
			bad(err, "non-ASCII byte in request line");
			goto out;
		}
	}
	end = line + n;

	sp1 = memchr(line, ' ', n);
	if (sp1 == NULL) {
		bad(err, "expected \"METHOD TARGET\"");
		goto out;
	}
	mlen = (size_t)(sp1 - line);
	if (mlen == 0) {
		bad(err, "empty method");
		goto out;
	}
	if (mlen >= CERBO_METHOD_MAX) {
		bad(err, "method too long");
		goto out;
	}
	if (!cerbo__method_valid(line, mlen)) {
		bad(err, "method is not an upper-case HTTP method");
		goto out;
	}

	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(end - target));
	tlen = sp2 != NULL ? (size_t)(sp2 - target) : (size_t)(end - target);
	if (tlen == 0) {
		bad(err, "empty target or more than one space");
		goto out;
	}
	if (sp2 != NULL &&
	    parse_version(sp2 + 1, (size_t)(end - sp2 - 1)) != 0) {
		bad(err, "expected \"HTTP/x.y\" after the target");
		goto out;
	}
	if (target[0] != '/') {
		if (tlen == 1 && target[0] == '*')
			bad(err, "asterisk-form target (*)");
		else if (memchr(target, ':', tlen) != NULL)
			bad(err,
			    "absolute-form target: only a path starting with / is accepted");
		else
			bad(err, "target does not start with /");
		goto out;
	}
	/* A client never sends a fragment; servers differ on where a '#'
	 * ends the path, so a target with one is refused. */
	if (memchr(target, '#', tlen) != NULL) {
		bad(err, "'#' in the request target");
		goto out;
	}
	for (plen = 0; plen < tlen; plen++)
		if (target[plen] == '?')
			break;
	if (plen < tlen &&
	    method_override(target + plen + 1, tlen - plen - 1)) {
		bad(err, "method override in the query (_method)");
		goto out;
	}
	if (decode_path(target, plen, out->path, sizeof(out->path), err) != 0)
		goto out;
	memcpy(out->method, line, mlen);
	out->method[mlen] = '\0';
	rc = 0;
out:
	if (rc != 0) {
		out->method[0] = '\0';
		out->path[0] = '\0';
	}
	return rc;
}

int
cerbo_request_parse(const char *line, struct cerbo_request *out,
    struct cerbo_error *err)
{
	struct cerbo_request r = CERBO_REQUEST_INIT;
	int rc;

	if (cerbo__abi_check(out, CERBO__REQUEST_V1) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "no request output, or struct cerbo_request declared without CERBO_REQUEST_INIT");
	rc = request_parse(line, &r, err);
	cerbo__abi_out(out, &r, sizeof(r));
	return rc;
}

int
cerbo_request_method_valid(const char *method)
{
	if (method == NULL)
		return 0;
	return cerbo__method_valid(method,
	    strnlen(method, CERBO_METHOD_MAX + 1));
}

int
cerbo_request_target_valid(const char *target)
{
	size_t i;

	if (target == NULL || target[0] != '/')
		return 0;
	for (i = 0; target[i] != '\0'; i++) {
		unsigned char c = (unsigned char)target[i];

		if (c <= 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}
