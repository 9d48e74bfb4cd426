/*
 * yaml_strict.c - what every strict YAML reader of the library refuses,
 * in one place: the store reader (yaml_read.c) and the apply document
 * reader (apply_read.c) both read through it, so the same bytes and the same
 * events are refused by both, with the same message at the same position.
 * Only the status differs: a store that breaks a rule is a damaged store
 * (CERBO_E_STORE), a document that does is invalid input (CERBO_E_INVALID).
 *
 * The raw bytes are checked before libyaml sees them, because libyaml
 * would skip a BOM, transcode UTF-16 and treat CR, NEL and U+2028/9 as
 * line breaks: a file another YAML tool reads differently is refused
 * rather than guessed at.  Then libyaml's event API is stepped one event
 * at a time, and aliases, anchors, tags and directives are refused
 * wherever they appear (no alias bomb, no type a tag would construct).
 * Last, which plain scalars another tool would read as other than text:
 * both readers refuse those where text is expected, the writer quotes
 * them.
 */
#include <stdarg.h>
#include <string.h>

#include <yaml.h>

#include "internal.h"

static int fail_at(struct cerbo__yaml *y, const yaml_mark_t *m, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
fail_at(struct cerbo__yaml *y, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerbo__vfail_at(y->err, y->status, y->name, (unsigned long)m->line + 1,
	    (unsigned long)m->column + 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- raw bytes -------------------------------------------------------- */

/*
 * The bytes before YAML sees them: valid UTF-8, no BOM, no NUL, no CR
 * (CRLF line ends are refused: say so rather than let libyaml guess), no
 * other control characters but tab and LF, and none of the characters
 * libyaml would take as line breaks (NEL, U+2028, U+2029).
 */
int
cerbo__yaml_check_bytes(const char *buf, size_t len, const char *name,
    enum cerbo_status status, struct cerbo_error *err)
{
	const unsigned char *b = (const unsigned char *)buf;
	unsigned long line = 1, col = 1;
	size_t i = 0, bad;
	const char *what;

	if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		return cerbo__fail_at(err, status, name, 1, 1,
		    "the YAML starts with a byte order mark; save it as UTF-8 without one");
	while (i < len) {
		unsigned char c = b[i];

		if (c >= 0x20 && c < 0x7f) {
			i++;
			col++;
			continue;
		}
		if (c == '\n') {
			i++;
			line++;
			col = 1;
			continue;
		}
		if (c == '\t') {
			i++;
			col++;
			continue;
		}
		if (c == '\0') {
			what = "a NUL byte";
			goto refuse;
		}
		if (c == '\r') {
			what =
			    "a carriage return: line ends must be LF, not CRLF";
			goto refuse;
		}
		if (c < 0x80) {
			what = "a control character";
			goto refuse;
		}
		if (!cerbo__utf8_valid(buf + i, len - i < 4 ? len - i : 4,
		        &bad) &&
		    bad == 0) {
			what = "bytes that are not UTF-8";
			goto refuse;
		}
		if (c == 0xc2 && b[i + 1] <= 0x9f) {
			what = "a control character (C1)";
			goto refuse;
		}
		if (c == 0xe2 && b[i + 1] == 0x80 &&
		    (b[i + 2] == 0xa8 || b[i + 2] == 0xa9)) {
			what = "a line or paragraph separator (U+2028/9)";
			goto refuse;
		}
		if (c == 0xef && b[i + 1] == 0xbb && b[i + 2] == 0xbf) {
			what = "a byte order mark (U+FEFF)";
			goto refuse;
		}
		i += c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		col++;
	}
	return 0;
refuse:
	return cerbo__fail_at(err, status, name, line, col, "the YAML holds %s",
	    what);
}

/* ---- events ----------------------------------------------------------- */

/*
 * What an event carries that a strict document never holds: "aliases",
 * "anchors" or "tags" (in that order of checking), or NULL.
 */
const char *
cerbo__yaml_refused(const yaml_event_t *ev)
{
	const yaml_char_t *anchor, *tag;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return "aliases";
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return NULL;
	}
	if (anchor != NULL)
		return "anchors";
	if (tag != NULL)
		return "tags";
	return NULL;
}

int
cerbo__yaml_open(struct cerbo__yaml *y, const char *buf, size_t len,
    const char *name, enum cerbo_status status, struct cerbo_error *err)
{
	memset(y, 0, sizeof(*y));
	y->name = name;
	y->status = status;
	y->err = err;
	if (cerbo__yaml_check_bytes(buf, len, name, status, err) != 0)
		return -1;
	if (!yaml_parser_initialize(&y->yp))
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	y->ready = 1;
	yaml_parser_set_encoding(&y->yp, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&y->yp, (const unsigned char *)buf, len);
	return 0;
}

int
cerbo__yaml_next(struct cerbo__yaml *y)
{
	const char *refused;

	if (y->have_ev) {
		yaml_event_delete(&y->ev);
		y->have_ev = 0;
	}
	if (!y->ready)
		return cerbo__fail(y->err, CERBO_E_STATE, "no YAML to read");
	if (!yaml_parser_parse(&y->yp, &y->ev)) {
		const char *ctx = y->yp.context;

		if (y->yp.error == YAML_MEMORY_ERROR)
			return cerbo__fail(y->err, CERBO_E_NOMEM,
			    "out of memory");
		return fail_at(y, &y->yp.problem_mark,
		    "malformed YAML: %s%s%s%s",
		    y->yp.problem != NULL ? y->yp.problem : "error",
		    ctx != NULL ? " (" : "", ctx != NULL ? ctx : "",
		    ctx != NULL ? ")" : "");
	}
	y->have_ev = 1;
	refused = cerbo__yaml_refused(&y->ev);
	if (refused != NULL)
		return fail_at(y, &y->ev.start_mark, "%s are not allowed",
		    refused);
	if (y->ev.type == YAML_DOCUMENT_START_EVENT &&
	    (y->ev.data.document_start.version_directive != NULL ||
	        y->ev.data.document_start.tag_directives.start !=
	            y->ev.data.document_start.tag_directives.end))
		return fail_at(y, &y->ev.start_mark,
		    "directives (%%YAML, %%TAG) are not allowed");
	return 0;
}

void
cerbo__yaml_close(struct cerbo__yaml *y)
{
	if (y->have_ev)
		yaml_event_delete(&y->ev);
	y->have_ev = 0;
	if (y->ready)
		yaml_parser_delete(&y->yp);
	y->ready = 0;
}

/* ---- plain scalars ---------------------------------------------------- */

static int
all_of(const char *s, size_t len, const char *set)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	}
	return 1;
}

static int
is_word(const char *s, size_t len, const char *const *words)
{
	for (; *words != NULL; words++) {
		if (strlen(*words) == len && memcmp(*words, s, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * 1 when a plain scalar would not be read as a string by YAML 1.1 or 1.2
 * tools: null, a boolean, a number or a date.  The reader refuses such a
 * plain value where a string is expected (quote it), and the writer
 * quotes it.
 */
int
cerbo__yaml_plain_not_string(const char *s, size_t len)
{
	static const char *const words[] = {"~", "null", "Null", "NULL", "y",
	    "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true",
	    "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off",
	    "Off", "OFF", ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL};
	size_t i, e;

	if (len == 0 || is_word(s, len, words))
		return 1;
	if (s[0] == '-' || s[0] == '+') {
		s++;
		len--;
		if (len == 0)
			return 0;
		if (is_word(s, len, words + 26)) /* signed infinities */
			return 1;
	}
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return all_of(s + 2, len - 2, "0123456789abcdefABCDEF_");
	if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		return all_of(s + 2, len - 2, "01234567_");
	if (len > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return all_of(s + 2, len - 2, "01_");
	/* A date, YYYY-M-D and longer timestamps, starts with 4 digits. */
	if (len >= 8 && all_of(s, 4, "0123456789") && s[4] == '-')
		return 1;
	/* Decimal, sexagesimal and float: [0-9_:]* [.[0-9_]*] [e[+-]0-9+] */
	e = len;
	for (i = 0; i < len; i++) {
		if (s[i] == 'e' || s[i] == 'E') {
			e = i;
			break;
		}
	}
	if (e < len) {
		size_t j = e + 1;

		if (j < len && (s[j] == '-' || s[j] == '+'))
			j++;
		if (!all_of(s + j, len - j, "0123456789"))
			return 0;
	}
	for (i = 0; i < e && s[i] != '.'; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		        s[i] == ':'))
			return 0;
	}
	if (i < e) {
		for (i++; i < e; i++) {
			if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
				return 0;
		}
	}
	for (i = 0; i < e; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	}
	return 0;
}
