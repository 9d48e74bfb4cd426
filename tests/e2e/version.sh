#!/bin/sh
# One version number: debian/changelog's first entry is what both tools'
# --version say and what cerbo.pc (pkg-config) declares.
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
