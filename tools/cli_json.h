/*
 * cli_json.h - the tools' JSON output (--json).
 */
#ifndef CERBO_CLI_JSON_H
#define CERBO_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cerbo.h"

/*
 * A small JSON writer into a growable buffer.  Strings are escaped per
 * RFC 8259 (quote, backslash, control characters as \n \t ... or \u00XX);
 * bytes >= 0x80 pass through unchanged (the store holds valid UTF-8).
 * Growing copies then wipes the old buffer, and cli_json_free() wipes, so
 * a secret put in the output leaves no copy behind.  Out of memory is
 * remembered and reported by cli_json_print().
 *
 * Usage: cli_json_init(&j); cli_json_object_begin(&j, NULL);
 * cli_json_str(&j, "key", "value"); ... cli_json_object_end(&j);
 * rc = cli_json_print(&j, stdout); cli_json_free(&j);
 * key is NULL inside arrays and for the top level.
 */
#define CLI_JSON_DEPTH 16
struct cli_json {
	char *buf;
	size_t len;
	size_t cap;
	int oom;
	int depth;
	int count[CLI_JSON_DEPTH]; /* members written at each depth */
};

void cli_json_init(struct cli_json *j);
void cli_json_free(struct cli_json *j);
void cli_json_object_begin(struct cli_json *j, const char *key);
void cli_json_object_end(struct cli_json *j);
void cli_json_array_begin(struct cli_json *j, const char *key);
void cli_json_array_end(struct cli_json *j);
/* A string; NULL writes null. */
void cli_json_str(struct cli_json *j, const char *key, const char *value);
/* A string of len bytes (may hold NUL: written as \u0000). */
void cli_json_strn(struct cli_json *j, const char *key, const char *value,
    size_t len);
void cli_json_bool(struct cli_json *j, const char *key, int value);
void cli_json_u64(struct cli_json *j, const char *key, uint64_t value);
void cli_json_null(struct cli_json *j, const char *key);
/*
 * Write the document and a newline to f: 0, or -1 with err filled
 * (CERBO_E_NOMEM when it could not be built, CERBO_E_IO when it could not
 * be written).  Prints nothing else: the caller reports the error.
 */
int cli_json_print(struct cli_json *j, FILE *f, struct cerbo_error *err);

#endif /* CERBO_CLI_JSON_H */
