#!/bin/sh
# One version number: debian/changelog's first entry is what both tools'
# and cerbo-authd's --version say, what cerbo.pc (pkg-config) declares,
# what cerbo_version() returns (through libcerbo.so.0 and libcerbo.a, as
# the nginx module links it), the "pam_cerbo version X" line strings(1)
# finds in every binary, the nginx module's included, and the line that
# module writes to nginx's error log when it is loaded.  pam_cerbo's debug line is in tests/pam.
. "$(dirname "$0")/lib.sh"
top=$CERBO_TOP

if command -v dpkg-parsechangelog >/dev/null 2>&1; then
	want=$(dpkg-parsechangelog -l "$top/debian/changelog" -SVersion)
else
	want=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog")
fi
check "debian/changelog names a version ($want)" test -n "$want"

for tool in "$APIUSER" "$PROFILE"; do
	name=${tool##*/}
	out=$("$tool" --version)
	check_eq "$name --version says the changelog's version" \
	    "$(printf '%s\n' "$out" | sed -n 's/^[^ ]* (pam_cerbo) \([^,]*\),.*/\1/p')" \
	    "$want"
	check_contains "$name --version still names the store format" "$out" \
	    "store format 1"
done

AUTHD="${CERBO_AUTHD:-$B/cerbo-authd}"
out=$("$AUTHD" --version)
check_eq "cerbo-authd --version says the changelog's version" "$out" \
    "cerbo-authd (pam_cerbo) $want"

# strings(1) on each binary: the build it is, without running it.
bins="$MODULE $B/libcerbo.so.0 $B/cerbo-authd $B/cerbo-apiuser $B/cerbo-profile"
if [ -f "$B/ngx_http_auth_cerbo_module.so" ]; then
	bins="$bins $B/ngx_http_auth_cerbo_module.so"
else
	skip "strings of the nginx module: not built (nginx-dev)"
fi
for bin in $bins; do
	check_eq "strings ${bin##*/} finds 'pam_cerbo version $want'" \
	    "$(strings "$bin" | grep -x "pam_cerbo version [^%]*")" \
	    "pam_cerbo version $want"
done

# cerbo_version() as another front end calls it: through the shared
# library (a third party), and from the static one (the nginx module).
cat >"$T/v.c" <<'C'
#include <stdio.h>
#include <cerbo.h>
int
main(void)
{
	printf("%s\n", cerbo_version());
	return 0;
}
C
mkdir -p "$T/include"
cp "$top/store/cerbo.h" "$T/include/cerbo.h"
# shellcheck disable=SC2086
check "a program built against cerbo.h and libcerbo.so.0 calls cerbo_version()" \
    ${CC:-cc} -Wall -Werror ${CERBO_SAN_CFLAGS:-} -I"$T/include" \
    -o "$T/v_shared" "$T/v.c" "$B/libcerbo.so.0" -Wl,-rpath,"$B"
check_eq "cerbo_version() through libcerbo.so.0 is the changelog's" \
    "$("$T/v_shared" 2>&1)" "$want"
# shellcheck disable=SC2086
check "a program linked with libcerbo.a calls cerbo_version()" \
    ${CC:-cc} -Wall -Werror ${CERBO_SAN_CFLAGS:-} -I"$T/include" \
    -o "$T/v_static" "$T/v.c" "$B/libcerbo.a" -lyaml -lsodium -lpthread
check_eq "cerbo_version() from libcerbo.a is the changelog's" \
    "$("$T/v_static" 2>&1)" "$want"

check "make writes cerbo.pc" make -s -C "$top" --no-print-directory \
    B="$T/pc" "$T/pc/cerbo.pc"
check_eq "cerbo.pc's Version is the changelog's" \
    "$(sed -n 's/^Version: //p' "$T/pc/cerbo.pc")" "$want"
if command -v pkg-config >/dev/null 2>&1; then
	check_eq "pkg-config --modversion cerbo agrees" \
	    "$(PKG_CONFIG_PATH=$T/pc pkg-config --modversion cerbo 2>&1)" "$want"
else
	skip "pkg-config --modversion cerbo: pkg-config is not installed"
fi

# The nginx module says which build nginx loaded, at the notice level.
if [ -f "$B/ngx_http_auth_cerbo_module.so" ] && command -v nginx >/dev/null; then
	mkdir -p "$T/ngx"
	cat >"$T/ngx/nginx.conf" <<CONF
load_module $B/ngx_http_auth_cerbo_module.so;
error_log $T/ngx/error.log notice;
pid $T/ngx/nginx.pid;
events { }
http { access_log off; }
CONF
	nginx -t -q -p "$T/ngx/" -e "$T/ngx/error.log" -c "$T/ngx/nginx.conf" \
	    >/dev/null 2>&1
	check_contains "the nginx module logs its version when loaded" \
	    "$(cat "$T/ngx/error.log" 2>/dev/null)" \
	    "ngx_http_auth_cerbo_module, pam_cerbo version $want"
else
	skip "the nginx module's version line: not built (nginx-dev)"
fi
