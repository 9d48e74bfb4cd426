#!/bin/sh
# Runs every test: cmocka unit tests, module tests through the real
# libpam, and the shell end-to-end tests.  Each prints TAP lines ("ok" /
# "not ok"); a program that fails without saying why counts as one failure.
# Ends with "N passed, N failed".
#
# Environment: B (build folder, default build), CERBO_VALGRIND=1 runs the C
# test programs under valgrind, TESTS="pattern" limits to matching names.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$top/$B" ;; esac
export B CERBO_TOP="$top"
logdir="$B/test-logs"
rm -rf "$logdir"
mkdir -p "$logdir"

passed=0
failed=0
failures=""

vg=""
if [ "${CERBO_VALGRIND:-0}" = 1 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no"
fi

run_one() {
	name=$1
	shift
	case "$name" in *${TESTS:-}*) ;; *) return 0 ;; esac
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	CMOCKA_MESSAGE_OUTPUT=TAP "$@" >"$log" 2>&1 </dev/null
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	printf '%-44s %4d passed %3d failed %4ss\n' "$name" "$ok" "$bad" \
	    $(( $(date +%s) - start ))
	if [ "$bad" -ne 0 ]; then
		failures="$failures $name"
		grep -E '^not ok|^# ' "$log" | head -40 | sed 's/^/    /'
	fi
}

for t in "$B"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o) continue ;; esac
	run_one "unit/${t##*/}" $vg "$t"
done
for t in "$B"/tests/pam/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o) continue ;; esac
	run_one "pam/${t##*/}" $vg "$t"
done
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	case "${t##*/}" in lib.sh) continue ;; esac
	run_one "e2e/${t##*/}" sh "$t"
done

[ -n "$failures" ] && echo "failing:$failures (logs in $logdir)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
