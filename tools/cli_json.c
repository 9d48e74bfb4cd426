/*
 * cli_json.c - a small JSON writer for --json output (see cli_json.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli_json.h"

void
cli_json_init(struct cli_json *j)
{
	memset(j, 0, sizeof(*j));
}

void
cli_json_free(struct cli_json *j)
{
	if (j->buf != NULL) {
		sodium_memzero(j->buf, j->cap);
		free(j->buf);
	}
	memset(j, 0, sizeof(*j));
}

/* Make room for n more bytes; growing never leaves an unwiped copy. */
static int
json_room(struct cli_json *j, size_t n)
{
	size_t cap;
	char *p;

	if (j->oom)
		return -1;
	if (j->len + n + 1 <= j->cap)
		return 0;
	cap = j->cap == 0 ? 1024 : j->cap;
	while (cap < j->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			j->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	p = malloc(cap);
	if (p == NULL) {
		j->oom = 1;
		return -1;
	}
	if (j->buf != NULL) {
		memcpy(p, j->buf, j->len);
		sodium_memzero(j->buf, j->cap);
		free(j->buf);
	}
	j->buf = p;
	j->cap = cap;
	return 0;
}

static void
json_put(struct cli_json *j, const char *s, size_t n)
{
	if (json_room(j, n) != 0)
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
json_puts(struct cli_json *j, const char *s)
{
	json_put(j, s, strlen(s));
}

static void
json_string(struct cli_json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	unsigned char ch;
	size_t i, start;

	json_put(j, "\"", 1);
	start = 0;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f)
			continue;
		json_put(j, s + start, i - start);
		start = i + 1;
		switch (ch) {
		case '"':
			json_put(j, "\\\"", 2);
			break;
		case '\\':
			json_put(j, "\\\\", 2);
			break;
		case '\n':
			json_put(j, "\\n", 2);
			break;
		case '\r':
			json_put(j, "\\r", 2);
			break;
		case '\t':
			json_put(j, "\\t", 2);
			break;
		case '\b':
			json_put(j, "\\b", 2);
			break;
		case '\f':
			json_put(j, "\\f", 2);
			break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 0xf];
			json_put(j, esc, 6);
			break;
		}
	}
	json_put(j, s + start, n - start);
	json_put(j, "\"", 1);
}

/* The comma and "key": before a value. */
static void
json_member(struct cli_json *j, const char *key)
{
	if (j->depth > 0 && j->count[j->depth - 1]++ > 0)
		json_put(j, ",", 1);
	if (key != NULL) {
		json_string(j, key, strlen(key));
		json_put(j, ":", 1);
	}
}

static void
json_open(struct cli_json *j, const char *key, const char *brace)
{
	json_member(j, key);
	json_puts(j, brace);
	if (j->depth >= CLI_JSON_DEPTH) {
		j->oom = 1; /* a programming error; refuse to print */
		return;
	}
	j->count[j->depth++] = 0;
}

static void
json_close(struct cli_json *j, const char *brace)
{
	if (j->depth > 0)
		j->depth--;
	json_puts(j, brace);
}

void
cli_json_object_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, "{");
}

void
cli_json_object_end(struct cli_json *j)
{
	json_close(j, "}");
}

void
cli_json_array_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, "[");
}

void
cli_json_array_end(struct cli_json *j)
{
	json_close(j, "]");
}

void
cli_json_str(struct cli_json *j, const char *key, const char *value)
{
	if (value == NULL) {
		cli_json_null(j, key);
		return;
	}
	cli_json_strn(j, key, value, strlen(value));
}

void
cli_json_strn(struct cli_json *j, const char *key, const char *value,
    size_t len)
{
	json_member(j, key);
	json_string(j, value, len);
}

void
cli_json_bool(struct cli_json *j, const char *key, int value)
{
	json_member(j, key);
	json_puts(j, value ? "true" : "false");
}

void
cli_json_u64(struct cli_json *j, const char *key, uint64_t value)
{
	char num[32];
	int n;

	n = snprintf(num, sizeof(num), "%llu", (unsigned long long)value);
	json_member(j, key);
	if (n > 0 && (size_t)n < sizeof(num))
		json_put(j, num, (size_t)n);
	else
		j->oom = 1;
}

void
cli_json_null(struct cli_json *j, const char *key)
{
	json_member(j, key);
	json_puts(j, "null");
}

int
cli_json_print(struct cli_json *j, FILE *f, struct cerbo_error *err)
{
	if (j->oom || j->depth != 0 || j->buf == NULL) {
		err->status = CERBO_E_NOMEM;
		snprintf(err->message, sizeof(err->message),
		    "cannot build the JSON output: out of memory");
		return -1;
	}
	if (fwrite(j->buf, 1, j->len, f) != j->len || fputc('\n', f) == EOF ||
	    fflush(f) != 0) {
		err->status = CERBO_E_IO;
		snprintf(err->message, sizeof(err->message),
		    "writing the output: %s", strerror(errno));
		return -1;
	}
	return 0;
}
