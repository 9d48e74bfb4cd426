/*
 * basic.c - parsing an HTTP "Authorization: Basic ..." value (RFC 7617).
 *
 * Accepted: the scheme "Basic" in any case, one or more spaces, then
 * base64 in the standard alphabet with its '=' padding, nothing before and
 * nothing after (no tabs, no trailing spaces, no byte outside the
 * alphabet: see cerbo__base64_decode).  The decoded text is split
 * at the first ':'; the username (no ':' by construction) and the secret
 * (which may contain ':') must both be non-empty, within their bounds, and
 * free of control characters and NUL.  Bytes >= 0x80 (UTF-8) are allowed
 * in the secret.
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "internal.h"

/* The longest decoded value: username, ':', secret. */
#define DECODED_MAX (CERBO_USERNAME_MAX + 1 + CERBO_SECRET_MAX)
/* Its base64 length, padding included. */
#define ENCODED_MAX (4 * ((DECODED_MAX + 2) / 3))

void
cerbo_basic_wipe(struct cerbo_basic *basic)
{
	if (basic != NULL)
		cerbo__abi_wipe(basic, sizeof(*basic));
}

/* cerbo_basic_parse() into a struct of this version. */
static int
basic_parse(const char *header, struct cerbo_basic *out,
    struct cerbo_error *err)
{
	unsigned char buf[DECODED_MAX + 3];
	const unsigned char *colon;
	const char *b64;
	size_t b64len, len = 0, ulen, slen;
	int rc = -1;

	sodium_memzero(buf, sizeof(buf));
	if (header == NULL) {
		cerbo__fail(err, CERBO_E_INVALID, "no Authorization value");
		goto out;
	}
	if (strncasecmp(header, "Basic", 5) != 0 || header[5] != ' ') {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Authorization value is not \"Basic <base64>\"");
		goto out;
	}
	b64 = header + 5;
	while (*b64 == ' ')
		b64++;
	b64len = strnlen(b64, ENCODED_MAX + 1);
	if (b64len == 0) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials are empty");
		goto out;
	}
	if (b64len > ENCODED_MAX) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials are longer than %d base64 characters",
		    ENCODED_MAX);
		goto out;
	}
	if (cerbo__base64_decode(b64, b64len, 1, buf, DECODED_MAX, &len) != 0) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials are not valid base64 (standard alphabet, '=' padding, nothing else)");
		goto out;
	}
	if (cerbo__control_at(buf, len) < len) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials contain a control character or NUL");
		goto out;
	}
	colon = memchr(buf, ':', len);
	if (colon == NULL) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials have no ':' between username and secret");
		goto out;
	}
	ulen = (size_t)(colon - buf);
	slen = len - ulen - 1;
	if (ulen == 0) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials have an empty username");
		goto out;
	}
	if (slen == 0) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials have an empty secret");
		goto out;
	}
	if (ulen > CERBO_USERNAME_MAX) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials: username longer than %d bytes",
		    CERBO_USERNAME_MAX);
		goto out;
	}
	if (slen > CERBO_SECRET_MAX) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "Basic credentials: secret longer than %d bytes",
		    CERBO_SECRET_MAX);
		goto out;
	}
	memcpy(out->username, buf, ulen);
	out->username[ulen] = '\0';
	memcpy(out->secret, colon + 1, slen);
	out->secret[slen] = '\0';
	out->secret_len = slen;
	rc = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int
cerbo_basic_parse(const char *header, struct cerbo_basic *out,
    struct cerbo_error *err)
{
	struct cerbo_basic b = CERBO_BASIC_INIT;
	int rc;

	if (cerbo__abi_check(out, CERBO__BASIC_V1) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "no output for Basic credentials, or struct cerbo_basic declared without CERBO_BASIC_INIT");
	rc = basic_parse(header, &b, err);
	if (rc == 0)
		cerbo__abi_out(out, &b, sizeof(b));
	else
		cerbo__abi_wipe(out, sizeof(*out));
	sodium_memzero(&b, sizeof(b));
	return rc;
}
