/*
 * number.c - whole numbers and file modes from text, in the manner of
 * OpenBSD's strtonum(3) but stricter (parse.h has the grammar): one
 * parser, so every option of every front end refuses the same things with
 * the same words.
 */
#include <stdint.h>

#include "internal.h"
#include "parse.h"

#define SCAN_OK 0
#define SCAN_SYNTAX (-1)
#define SCAN_OVER (-2) /* well formed, but past limit */

/*
 * The digits of s in base (8 or 10), all of s, into *mag.  Every byte is
 * read before the size is judged, so "99999999999999999999x" is a syntax
 * error and not "too large".
 */
static int
scan(const char *s, unsigned base, uint64_t limit, uint64_t *mag)
{
	uint64_t v = 0;
	int over = 0;
	size_t i;

	if (s == NULL || s[0] == '\0')
		return SCAN_SYNTAX;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return SCAN_SYNTAX;
		d = (unsigned)(s[i] - '0');
		if (d >= base)
			return SCAN_SYNTAX;
		if (over)
			continue;
		if (v > limit / base || d > limit - v * base)
			over = 1;
		else
			v = v * base + d;
	}
	if (over)
		return SCAN_OVER;
	*mag = v;
	return SCAN_OK;
}

int
cerbo__number_parse(const char *s, int64_t min, int64_t max, int64_t *out,
    struct cerbo_error *err)
{
	/* The magnitude of INT64_MIN, which INT64_MAX cannot hold. */
	const uint64_t neg_limit = (uint64_t)INT64_MAX + 1;
	const char *digits = s;
	uint64_t mag = 0;
	int64_t v;
	int neg = 0, small, rc;

	if (min > max)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "no whole number is from %lld to %lld", (long long)min,
		    (long long)max);
	if (s != NULL && s[0] == '-') {
		neg = 1;
		digits = s + 1;
	}
	rc = scan(digits, 10, neg ? neg_limit : (uint64_t)INT64_MAX, &mag);
	if (rc == SCAN_SYNTAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "not a whole number from %lld to %lld", (long long)min,
		    (long long)max);
	if (rc == SCAN_OVER) {
		small = neg;
		goto out_of_range;
	}
	if (!neg)
		v = (int64_t)mag;
	else if (mag == neg_limit)
		v = INT64_MIN;
	else
		v = -(int64_t)mag;
	if (v < min || v > max) {
		small = v < min;
		goto out_of_range;
	}
	*out = v;
	return 0;
out_of_range:
	return cerbo__fail(err, CERBO_E_INVALID,
	    "too %s: a whole number from %lld to %lld",
	    small ? "small" : "large", (long long)min, (long long)max);
}

int
cerbo__number_parse_u64(const char *s, uint64_t max, uint64_t *out,
    struct cerbo_error *err)
{
	uint64_t v = 0;
	int rc;

	rc = scan(s, 10, max, &v);
	if (rc == SCAN_SYNTAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "not a whole number from 0 to %llu",
		    (unsigned long long)max);
	if (rc == SCAN_OVER)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "too large: a whole number from 0 to %llu",
		    (unsigned long long)max);
	*out = v;
	return 0;
}

int
cerbo__mode_parse(const char *s, unsigned max, unsigned *out,
    struct cerbo_error *err)
{
	uint64_t v = 0;

	if (scan(s, 8, max, &v) != SCAN_OK)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "not an octal mode from 0 to 0%o (e.g. 0660)", max);
	*out = (unsigned)v;
	return 0;
}
