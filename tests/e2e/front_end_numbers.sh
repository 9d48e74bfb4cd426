#!/bin/sh
# The front ends (tools/, pam_cerbo/, authd/) parse no number by hand:
# every whole number and duration goes through libcerbo's parser
# (store/parse.h).  A strto*(), ato*() or sscanf() that comes back fails
# here, and the check itself is shown to catch one.
. "$(dirname "$0")/lib.sh"
top=$CERBO_TOP
lint=$top/tests/lint/front-end-numbers.sh

check "no strto*, ato* or scanf in tools/, pam_cerbo/ or authd/" "$lint"

cat >"$T/strtol.c" <<'C'
/* a comment may say strtol(3) */
static long f(const char *s) { char *e; return strtol(s, &e, 10); }
C
check_fails "the check catches a strtol() in code" "$lint" "$T/strtol.c"
cat >"$T/atoi.c" <<'C'
static int f(const char *s) { return atoi(s); }
C
check_fails "the check catches an atoi()" "$lint" "$T/atoi.c"
cat >"$T/sscanf.c" <<'C'
static int f(const char *s, int *v) { return sscanf(s, "%d", v); }
C
check_fails "the check catches an sscanf()" "$lint" "$T/sscanf.c"
cat >"$T/comment.c" <<'C'
/* Not atoi(): the library's parser, as strtonum(3) would. */
static int parse_atoi_free(const char *s) { return s[0]; }
C
check "a comment that names them, or a longer name, passes" \
    "$lint" "$T/comment.c"
