#!/bin/sh
# Fails when a struct a caller of libcerbo allocates is declared without
# its initialiser: every object of struct cerbo_error, cerbo_verdict, ...
# must be declared "struct cerbo_X name = CERBO_X_INIT;" (one a line), so
# that its leading size field is set (cerbo.h: structs the caller
# allocates).  Pointers are not objects and pass; a test that means to
# pass an unset struct says "abi-init: unset on purpose" on its line.
# Usage: tests/lint/abi-init.sh [FILE...]  (default: every front end)
set -u
cd "$(dirname "$0")/../.."
types='verdict|error|request|basic|decision|verify_args|txn_options|user_spec|log_args'
if [ $# -eq 0 ]; then
	set -- $(find pam_cerbo tools authd tests bench examples contrib \
	    -name '*.[ch]' 2>/dev/null | sort)
fi
# An object declared: the type, a name, then '=', ';', ',' or '[' (or
# the type alone at the end of a line, its name on the next).
found=$(grep -HnE "struct cerbo_($types)([[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*([=;,[]|$)|[[:space:]]*$)" "$@" |
    grep -vE "struct cerbo_($types)[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\)" |
    grep -v 'abi-init: unset on purpose' |
    awk -v t="$types" '
	{
		line = $0
		sub(/^[^:]*:[0-9]+:/, "", line)
		# Right: "struct cerbo_X name = CERBO_X_INIT;" and nothing
		# else declared on the line.
		if (match(line, "struct cerbo_(" t ") [A-Za-z_][A-Za-z0-9_]* = CERBO_[A-Z_]+_INIT;")) {
			decl = substr(line, RSTART, RLENGTH)
			split(decl, w, " ")
			want = "CERBO_" toupper(substr(w[2], 7)) "_INIT;"
			if (w[5] == want)
				next
		}
		print
	}')
if [ -n "$found" ]; then
	echo "libcerbo structs declared without their CERBO_..._INIT initialiser:" >&2
	printf '%s\n' "$found" >&2
	exit 1
fi
exit 0
