#!/bin/sh
# Fails when a front end parses a number by hand again: tools/, pam_cerbo/
# and authd/ read every whole number and duration with libcerbo's parser
# (store/parse.h), so strto*(), ato*() and the scanf family have no place
# there.  Comments are left out (cc -fpreprocessed), so a comment may name
# them.
# Usage: tests/lint/front-end-numbers.sh [FILE...]  (default: every front end)
set -u
cd "$(dirname "$0")/../.."
if [ $# -eq 0 ]; then
	set -- $(find tools pam_cerbo authd -name '*.[ch]' | sort)
fi
cc=${CC:-cc}
banned='(^|[^A-Za-z0-9_])(strto[a-z]*|ato[fil]|atoll|v?[sf]?scanf)[[:space:]]*\\('
rc=0
for f in "$@"; do
	# Comments become spaces; directives are kept as text, not run.
	# The line markers ("# N") give each line its number in f.
	found=$("$cc" -fpreprocessed -dD -E -x c "$f" 2>/dev/null |
	    awk -v re="$banned" '
		/^# [0-9]+ "/ { n = $2 - 1; next }
		{ n++ }
		$0 ~ re { printf "%d: %s\n", n, $0; hit = 1 }
		END { exit !hit }') || continue
	printf '%s: a number parsed by hand (use store/parse.h):\n%s\n' \
	    "$f" "$found" >&2
	rc=1
done
[ "$rc" -eq 0 ] && echo "front-end-numbers: $# files, no hand-written number parser"
exit $rc
