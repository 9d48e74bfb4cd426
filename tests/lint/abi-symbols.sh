#!/bin/sh
# The functions cerbo.h declares, the names store/libcerbo.map exports and
# the symbols the built libcerbo.so.0 defines must be the same three
# lists: a function added to one and not the others fails here.
# Usage: tests/lint/abi-symbols.sh [LIBCERBO.SO]  (default: $B/libcerbo.so.0)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
so=${1:-${B:-build}/libcerbo.so.0}
tmp=$(mktemp -d /tmp/cerbo-abi.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}

# Declared: every cerbo_name( the preprocessed header holds.
"$cc" -E -P -D_GNU_SOURCE "$top/store/cerbo.h" |
    grep -oE '\bcerbo_[a-z0-9_]+[[:space:]]*\(' | tr -d ' (' |
    sort -u >"$tmp/header" || exit 1
# Listed: the names between "global:" and "local:" in the map.
sed -n '/global:/,/local:/p' "$top/store/libcerbo.map" |
    grep -oE '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;' | tr -d ' \t;' |
    sort -u >"$tmp/map"
# Exported: the defined dynamic symbols (version suffix dropped).
nm -D --defined-only "$so" | awk '$2 ~ /^[TtWwDdBbRrVvi]$/ { print $3 }' |
    sed 's/@.*//' | sort -u >"$tmp/so" || exit 1

rc=0
if ! diff -u "$tmp/header" "$tmp/map" >"$tmp/d1"; then
	echo "cerbo.h (-) and store/libcerbo.map (+) differ:" >&2
	cat "$tmp/d1" >&2
	rc=1
fi
if ! diff -u "$tmp/header" "$tmp/so" >"$tmp/d2"; then
	echo "cerbo.h (-) and the symbols of $so (+) differ:" >&2
	cat "$tmp/d2" >&2
	rc=1
fi
[ "$rc" -eq 0 ] && echo "abi-symbols: $(wc -l <"$tmp/header") functions, header, map and library agree"
exit $rc
