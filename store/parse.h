/*
 * parse.h - whole numbers and durations as the front ends read them from a
 * command line, a PAM service line or an environment variable.  Internal:
 * not installed, not in libcerbo.so.0's ABI.
 *
 * Why internal: every front end that needs these is in this tree and links
 * libcerbo.a statically (cerbo-apiuser, cerbo-profile, pam_cerbo.so,
 * cerbo-authd and the nginx module), so the names are reachable without
 * being exported; a third party has its own option parser, and a public
 * function is a promise for the life of the soname.  Should a front end
 * outside the tree need them, they move to cerbo.h then, renamed
 * cerbo_number_parse() etc., the map and the ABI baseline with them.
 *
 * The grammar, one for every front end (ambiguity resolves toward
 * refusal):
 *   number    [-]DIGITS, decimal: no '+', no spaces before, after or
 *             inside, no base prefix ("0x10" is refused; "010" is ten).
 *             A value past the bounds, however many digits, is "too small"
 *             or "too large", never wrapped.
 *   mode      octal DIGITS ("0660" or "660"), nothing else.
 *   duration  DIGITS and a unit, "ms", "s", "m", "h" or "d" (the grammar
 *             of --grace and the store), at most 3650 days; a bare number
 *             counts in the option's own unit.
 * Each returns 0, or -1 with CERBO_E_INVALID and a message that states
 * the bounds in err (which may be NULL); *out is set only on success.
 */
#ifndef CERBO_PARSE_H
#define CERBO_PARSE_H

#include <stdint.h>

#include "cerbo.h"

/* A whole decimal number in [min, max].  Messages: "not a whole number
 * from MIN to MAX", "too small: ..." or "too large: ...". */
CERBO_MUST_CHECK int cerbo__number_parse(const char *s, int64_t min,
    int64_t max, int64_t *out, struct cerbo_error *err);

/* The same for the unsigned range [0, max] (max may be UINT64_MAX: store
 * generations); no sign at all. */
CERBO_MUST_CHECK int cerbo__number_parse_u64(const char *s, uint64_t max,
    uint64_t *out, struct cerbo_error *err);

/* A file mode in octal digits, at most max (0777 for a socket's mode). */
CERBO_MUST_CHECK int cerbo__mode_parse(const char *s, unsigned max,
    unsigned *out, struct cerbo_error *err);

/*
 * A duration in whole units of unit_ms (1: milliseconds, 1000: seconds),
 * within [min, max] of those units; a bare number counts in that unit, so
 * an option keeps the meaning its bare numbers always had.  A duration
 * that is not a whole number of units ("1500ms" for seconds) is refused.
 */
#define CERBO__UNIT_MS 1
#define CERBO__UNIT_S 1000
CERBO_MUST_CHECK int cerbo__duration_parse(const char *s, int64_t unit_ms,
    int64_t min, int64_t max, int64_t *out, struct cerbo_error *err);

#endif /* CERBO_PARSE_H */
