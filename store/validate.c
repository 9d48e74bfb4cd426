/*
 * validate.c - the rules every field of the store obeys, and the time and
 * duration syntax shared by the store and the tools.
 *
 * Every validator takes a pointer and a length (values from the YAML
 * parser carry their length) and fills err with CERBO_E_INVALID and a
 * message that names the field.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "parse.h"

#define TIME_MIN 0LL            /* 1970-01-01T00:00:00Z */
#define TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */
#define EMAIL_LOCAL_MAX 64
#define EMAIL_LABEL_MAX 63
#define DURATION_MAX (3650L * 86400L) /* ten years: fits a 32-bit long */

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF.  On failure *bad_offset (may be NULL) is the offset of the
 * first byte of the bad sequence.
 */
int
cerbo__utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong below U+0800 */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates U+D800..U+DFFF */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong below U+10000 */
			else if (c == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else {
			goto bad; /* continuation, C0/C1 overlong, F5..FF */
		}
		if (len - i <= n)
			goto bad;
		if (p[i + 1] < lo || p[i + 1] > hi)
			goto bad;
		for (k = 2; k <= n; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				goto bad;
		}
		i += n + 1;
	}
	return 1;
bad:
	if (bad_offset != NULL)
		*bad_offset = i;
	return 0;
}

void
cerbo__trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	while (n > 0 &&
	    (p[0] == ' ' || p[0] == '\t' || p[0] == '\n' || p[0] == '\r')) {
		p++;
		n--;
	}
	while (n > 0 &&
	    (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' ||
	        p[n - 1] == '\r'))
		n--;
	*s = p;
	*len = n;
}

int
cerbo__check_username(const char *s, size_t len, struct cerbo_error *err)
{
	size_t i;

	if (len < 3 || memcmp(s, "pk_", 3) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "username must start with \"pk_\"");
	if (len == 3)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "username needs at least one character after \"pk_\"");
	if (len > CERBO_USERNAME_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "username is longer than %d bytes", CERBO_USERNAME_MAX);
	for (i = 3; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-')
			continue;
		return cerbo__fail(err, CERBO_E_INVALID,
		    "username may hold only letters, digits, '_' and '-' (byte %zu is not one)",
		    i + 1);
	}
	return 0;
}

int
cerbo_username_valid(const char *s)
{
	if (s == NULL)
		return 0;
	return cerbo__check_username(s, strlen(s), NULL) == 0;
}

int
cerbo_username_validate(const char *s, struct cerbo_error *err)
{
	if (s == NULL)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "username is required");
	return cerbo__check_username(s, strlen(s), err);
}

int
cerbo__check_profile_name(const char *s, size_t len, struct cerbo_error *err)
{
	size_t i;

	if (len == 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "profile name must not be empty");
	if (len > CERBO_PROFILE_NAME_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "profile name is longer than %d bytes",
		    CERBO_PROFILE_NAME_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-')
			continue;
		return cerbo__fail(err, CERBO_E_INVALID,
		    "profile name may hold only lower-case letters, digits, '_' and '-' (byte %zu is not one)",
		    i + 1);
	}
	return 0;
}

int
cerbo__check_new_profile_name(const char *s, size_t len,
    struct cerbo_error *err)
{
	if (cerbo__check_profile_name(s, len, err) != 0)
		return -1;
	/* A name that starts with '-' reads as an option on a command line
	 * (cerbo-profile show -x).  A store that already has one still
	 * loads, so it can be read, fixed and its profile deleted. */
	if (s[0] == '-')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "profile name must not start with '-'");
	return 0;
}

/*
 * Length of a control character at s (C0, DEL, C1, U+2028, U+2029: all
 * break log lines or YAML lines), 0 when s starts with something else.
 * s is valid UTF-8.
 */
static size_t
control_at(const unsigned char *s, size_t left)
{
	if (s[0] < 0x20 || s[0] == 0x7f)
		return 1;
	if (left >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	if (left >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;
	return 0;
}

/*
 * Length of a Unicode bidirectional control at s, 0 when s starts with
 * something else: U+061C ALM, U+200E LRM, U+200F RLM, U+202A..U+202E
 * (embeddings and overrides) and U+2066..U+2069 (isolates).  They reorder
 * the text around them when it is shown, so a nickname could make a list
 * or a log line read other than it is (Trojan Source, CVE-2021-42574).
 * s is valid UTF-8.
 */
static size_t
bidi_at(const unsigned char *s, size_t left)
{
	if (left >= 2 && s[0] == 0xd8 && s[1] == 0x9c)
		return 2;
	if (left < 3 || s[0] != 0xe2)
		return 0;
	if (s[1] == 0x80 &&
	    (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3;
	if (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 3;
	return 0;
}

/* The code point of the n-byte (2 or 3) UTF-8 sequence at s. */
static unsigned
code_point(const unsigned char *s, size_t n)
{
	if (n == 2)
		return (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
	return (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
}

int
cerbo__check_text(const char *what, const char *s, size_t len, size_t max,
    struct cerbo_error *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, bad;

	if (len == 0)
		return cerbo__fail(err, CERBO_E_INVALID, "%s must not be empty",
		    what);
	if (len > max)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "%s is longer than %zu bytes", what, max);
	if (!cerbo__utf8_valid(s, len, &bad))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "%s is not valid UTF-8 (byte %zu)", what, bad + 1);
	for (i = 0; i < len; i++) {
		if (control_at(p + i, len - i) != 0)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "%s must not contain control characters (byte %zu)",
			    what, i + 1);
		n = bidi_at(p + i, len - i);
		if (n != 0)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "%s must not contain bidirectional text controls (U+%04X at byte %zu)",
			    what, code_point(p + i, n), i + 1);
	}
	if (p[0] == ' ' || p[len - 1] == ' ')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "%s must not start or end with a space", what);
	return 0;
}

static int
atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
email_domain(const char *d, size_t len, struct cerbo_error *err)
{
	size_t i, start = 0, labels = 0;
	int digits_only = 1;

	for (i = 0; i <= len; i++) {
		unsigned char c;
		size_t n;

		if (i < len && d[i] != '.') {
			c = (unsigned char)d[i];
			if (!((c >= 'a' && c <= 'z') ||
			        (c >= 'A' && c <= 'Z') ||
			        (c >= '0' && c <= '9') || c == '-'))
				return cerbo__fail(err, CERBO_E_INVALID,
				    "email domain may hold only letters, digits, '-' and '.'");
			if (!(c >= '0' && c <= '9'))
				digits_only = 0;
			continue;
		}
		n = i - start;
		if (n == 0)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "email domain has an empty label");
		if (n > EMAIL_LABEL_MAX)
			return cerbo__fail(err, CERBO_E_INVALID,
			    "email domain has a label longer than %d bytes",
			    EMAIL_LABEL_MAX);
		if (d[start] == '-' || d[i - 1] == '-')
			return cerbo__fail(err, CERBO_E_INVALID,
			    "email domain label must not start or end with '-'");
		labels++;
		if (i < len) {
			start = i + 1;
			digits_only = 1;
		}
	}
	if (labels < 2)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email domain must have a dot (example.com)");
	if (digits_only)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email domain must not end in an all-digit label");
	return 0;
}

int
cerbo__check_email(const char *s, size_t len, struct cerbo_error *err)
{
	const char *at = NULL;
	size_t i, local;

	if (len == 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email must not be empty");
	if (len > CERBO_EMAIL_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email is longer than %d bytes", CERBO_EMAIL_MAX);
	for (i = 0; i < len; i++) {
		if (s[i] == '@') {
			if (at != NULL)
				return cerbo__fail(err, CERBO_E_INVALID,
				    "email must hold exactly one '@'");
			at = s + i;
		} else if (s[i] == ' ') {
			return cerbo__fail(err, CERBO_E_INVALID,
			    "email must not contain spaces");
		}
	}
	if (at == NULL)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email must hold exactly one '@'");
	local = (size_t)(at - s);
	if (local == 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email needs a name before the '@'");
	if (local > EMAIL_LOCAL_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email name before the '@' is longer than %d bytes",
		    EMAIL_LOCAL_MAX);
	if (s[0] == '.' || s[local - 1] == '.')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "email name must not start or end with '.'");
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return cerbo__fail(err, CERBO_E_INVALID,
				    "email name must not hold \"..\"");
			continue;
		}
		if (!atext(c))
			return cerbo__fail(err, CERBO_E_INVALID,
			    "email name holds a character that is not allowed (byte %zu)",
			    i + 1);
	}
	return email_domain(at + 1, len - local - 1, err);
}

int
cerbo__check_bool(const char *what, const char *s, size_t len, int *out,
    struct cerbo_error *err)
{
	if (len == 4 && memcmp(s, "true", 4) == 0) {
		*out = 1;
		return 0;
	}
	if (len == 5 && memcmp(s, "false", 5) == 0) {
		*out = 0;
		return 0;
	}
	return cerbo__fail(err, CERBO_E_INVALID, "%s must be true or false",
	    what);
}

int
cerbo__time_in_range(int64_t t)
{
	return t >= TIME_MIN && t <= TIME_MAX;
}

/* n decimal digits at s into *out; 0 on success. */
static int
digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
cerbo__time_parse(const char *s, int64_t *out, struct cerbo_error *err)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};
	struct tm tm;
	int y, mo, d, h, mi, se, dim;
	time_t t;

	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    digits(s, 4, &y) != 0 || digits(s + 5, 2, &mo) != 0 ||
	    digits(s + 8, 2, &d) != 0 || digits(s + 11, 2, &h) != 0 ||
	    digits(s + 14, 2, &mi) != 0 || digits(s + 17, 2, &se) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "time must be RFC 3339 UTC, YYYY-MM-DDTHH:MM:SSZ");
	if (y < 1970)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "time must not be before 1970");
	if (mo < 1 || mo > 12)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "time has no month %02d", mo);
	dim = mdays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0);
	if (d < 1 || d > dim)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "time has no day %02d in month %02d", d, mo);
	if (h > 23 || mi > 59 || se > 59)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "time of day must lie within 00:00:00 and 23:59:59");
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1 || !cerbo__time_in_range((int64_t)t))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "time is out of range");
	*out = (int64_t)t;
	return 0;
}

/* Two digits of v at p. */
static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/*
 * Formatted by hand (days to civil date after H. Hinnant): the parser
 * formats five times per user, and snprintf with gmtime_r was a tenth of
 * the cost of reading a large store.
 */
void
cerbo__time_format(int64_t t, char *out, size_t len)
{
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;

	if (out == NULL || len == 0)
		return;
	out[0] = '\0';
	if (!cerbo__time_in_range(t) || len < CERBO__TIME_TEXT)
		return;
	days = t / 86400;
	secs = t % 86400;
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	put2(out, (int)(y / 100));
	put2(out + 2, (int)(y % 100));
	out[4] = '-';
	put2(out + 5, (int)m);
	out[7] = '-';
	put2(out + 8, (int)d);
	out[10] = 'T';
	put2(out + 11, (int)(secs / 3600));
	out[13] = ':';
	put2(out + 14, (int)(secs / 60 % 60));
	out[16] = ':';
	put2(out + 17, (int)(secs % 60));
	out[19] = 'Z';
	out[20] = '\0';
}

/*
 * The one duration grammar: decimal digits, then a unit ("ms", "s", "m",
 * "h" or "d"); a bare number counts in bare_ms milliseconds (0: the unit
 * is required), with ms_ok "ms" is allowed.  Into milliseconds.  0, -1
 * for the syntax, -2 past DURATION_MAX seconds.
 */
static int
duration_scan(const char *s, int64_t bare_ms, int ms_ok, int64_t *ms)
{
	static const struct {
		const char *name;
		int64_t ms;
	} units[] = {
	    {"ms", 1},
	    {"s", 1000},
	    {"m", 60 * 1000},
	    {"h", 3600 * 1000},
	    {"d", 86400 * 1000},
	};
	const int64_t max = (int64_t)DURATION_MAX * 1000;
	int64_t v = 0, unit = 0;
	size_t i, n;

	if (s == NULL)
		return -1;
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		v = v * 10 + (s[n] - '0');
		if (v > max)
			return -2;
	}
	if (n == 0)
		return -1;
	if (s[n] == '\0')
		unit = bare_ms;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + n, units[i].name) == 0 && (i > 0 || ms_ok))
			unit = units[i].ms;
	if (unit == 0)
		return -1;
	if (v > max / unit)
		return -2;
	*ms = v * unit;
	return 0;
}

int
cerbo_duration_parse(const char *s, int64_t *out, struct cerbo_error *err)
{
	int64_t ms = 0;
	int rc;

	rc = duration_scan(s, 0, 0, &ms);
	if (rc == -1)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "duration must be a number and a unit: 90s, 15m, 24h or 7d");
	if (rc == -2)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "duration is longer than %ld days", DURATION_MAX / 86400);
	*out = (long)(ms / 1000);
	return 0;
}

/* A bound in the largest unit that states it exactly ("1h", "500ms"). */
static void
duration_text(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "0");
	else if (ms % 86400000 == 0)
		snprintf(buf, len, "%lldd", (long long)(ms / 86400000));
	else if (ms % 3600000 == 0)
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

int
cerbo_duration_parse_ms(const char *s, int64_t min_ms, int64_t max_ms,
    int64_t *out, struct cerbo_error *err)
{
	char lo[32], hi[32];
	int64_t ms = 0;

	if (duration_scan(s, 1000, 1, &ms) != 0 || ms < min_ms || ms > max_ms) {
		duration_text(min_ms, lo, sizeof(lo));
		duration_text(max_ms, hi, sizeof(hi));
		return cerbo__fail(err, CERBO_E_INVALID,
		    "not a duration between %s and %s (e.g. 500ms, 10s, 2m)",
		    lo, hi);
	}
	*out = ms;
	return 0;
}

int
cerbo__duration_parse(const char *s, int64_t unit_ms, int64_t min, int64_t max,
    int64_t *out, struct cerbo_error *err)
{
	const char *unit_name =
	    unit_ms == CERBO__UNIT_S ? "seconds" : "milliseconds";
	const int64_t most = (int64_t)DURATION_MAX * 1000;
	char lo[32], hi[32];
	int64_t ms = 0;

	if ((unit_ms != CERBO__UNIT_MS && unit_ms != CERBO__UNIT_S) ||
	    min < 0 || min > max || max > most / unit_ms)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "no duration is from %lld to %lld units of %lld ms",
		    (long long)min, (long long)max, (long long)unit_ms);
	duration_text(min * unit_ms, lo, sizeof(lo));
	duration_text(max * unit_ms, hi, sizeof(hi));
	if (duration_scan(s, unit_ms, 1, &ms) != 0 || ms < min * unit_ms ||
	    ms > max * unit_ms)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "not a duration from %s to %s (e.g. 500ms, 10s, 2m; a bare number is %s)",
		    lo, hi, unit_name);
	if (ms % unit_ms != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "not a whole number of %s", unit_name);
	*out = ms / unit_ms;
	return 0;
}
