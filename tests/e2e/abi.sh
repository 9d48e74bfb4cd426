#!/bin/sh
# libcerbo.so.0 as a third party uses it: programs built against cerbo.h
# alone (no internal header) and linked against the shared library; the
# symbol list of header, version script and library agree; and no front
# end declares a libcerbo struct without its initialiser.
. "$CERBO_TOP/tests/e2e/apiuser.inc"
top=$CERBO_TOP
SO="$B/libcerbo.so.0"

# Only the public header is on the include path.
mkdir -p "$T/include"
cp "$top/store/cerbo.h" "$T/include/cerbo.h"
build() {
	_out=$1
	shift
	# shellcheck disable=SC2086
	${CC:-cc} -Wall -Wextra -Werror ${CERBO_SAN_CFLAGS:-} -I"$T/include" \
	    -o "$_out" "$@" "$SO" -Wl,-rpath,"$B"
}

check "tests/abi/third_party.c builds against cerbo.h and libcerbo.so.0" \
    build "$T/third_party" "$top/tests/abi/third_party.c"
check "it loads libcerbo.so.0 at run time" \
    sh -c "readelf -d '$T/third_party' | grep -q 'NEEDED.*libcerbo.so.0'"
mkdir -m 0700 "$T/tp"
"$T/third_party" "$T/tp" >"$T/tp.out" 2>&1
rc=$?
grep -E '^(not )?ok ' "$T/tp.out" |
    sed 's/^\(\(not \)\{0,1\}ok\) [0-9]* -/\1 - third party:/'
check_eq "the third-party program ends with status 0" "$rc" 0

# cerbo.h marks the arguments that may never be NULL: a program that
# passes one does not build with -Werror (the library checks them too).
cat >"$T/null.c" <<'C'
#include <stddef.h>
#include <cerbo.h>
int f(void);
int f(void) { struct cerbo_verdict v = CERBO_VERDICT_INIT; return cerbo_verify(NULL, &v); }
C
check_fails "a NULL where cerbo.h says never is a compile error" \
    ${CC:-cc} -Wall -Werror -c -I"$T/include" -o "$T/null.o" "$T/null.c"
sed -i 's/cerbo_verify(NULL, &v)/cerbo_verify(\&a, \&v)/; s/struct cerbo_verdict v = CERBO_VERDICT_INIT;/& struct cerbo_verify_args a = CERBO_VERIFY_ARGS_INIT;/' \
    "$T/null.c"
check "the same program with its arguments builds" \
    ${CC:-cc} -Wall -Werror -c -I"$T/include" -o "$T/null.o" "$T/null.c"

check "examples/verify-basic.c builds against cerbo.h and libcerbo.so.0" \
    build "$T/verify-basic" "$top/examples/verify-basic.c"
seed
key=$(add_user pk_abi)
out=$(printf 'Basic %s\n' "$(printf '%s' "pk_abi:$key" | base64 -w0)" |
    "$T/verify-basic" -s "$ST" "GET /api/v1/appointments/7 HTTP/1.1" 2>&1)
check_contains "verify-basic allows the right key through libcerbo.so.0" \
    "$out" "allow: "
out=$(printf 'Basic %s\n' "$(printf '%s' "pk_abi:${key}x" | base64 -w0)" |
    "$T/verify-basic" -s "$ST" "GET /api/v1/appointments/7 HTTP/1.1" 2>&1)
check_contains "verify-basic refuses a wrong key" "$out" "deny_credentials: "

check "cerbo.h, store/libcerbo.map and libcerbo.so.0 list the same functions" \
    "$top/tests/lint/abi-symbols.sh" "$SO"
check "every libcerbo struct in the tree is declared with its initialiser" \
    "$top/tests/lint/abi-init.sh"
cat >"$T/forgot.c" <<'C'
static void f(void) { struct cerbo_verdict v; (void)v; }
C
check_fails "the initialiser check fails on a struct declared without one" \
    "$top/tests/lint/abi-init.sh" "$T/forgot.c"
