#!/bin/sh
# The test harness itself: tests/run.sh counts a TAP SKIP as skipped (never
# as passed) and ends with "N passed, N failed, N skipped"; lib.sh's
# wait_until, free_ports, and sys_undo, whose journal lets the next test
# undo what a killed test changed.
. "$(dirname "$0")/lib.sh"
top=$CERBO_TOP

# ---- tests/run.sh's tally, on a build folder holding one fake unit test --
fake=$T/b/tests/unit/test_fake
mkdir -p "${fake%/*}"
cat >"$fake" <<'TAP'
#!/bin/sh
echo "ok 1 - passes"
echo "ok 2 # SKIP needs something"
echo "ok 3 - # skip lower case, after a dash"
echo "not ok 4 # SKIP cmocka's skip()"
echo "not ok 5 - fails"
echo "ok 6 - passes too"
exit 1
TAP
chmod +x "$fake"
out=$(B=$T/b TESTS=unit/test_fake sh "$top/tests/run.sh" 2>&1)
rc=$?
check_eq "run.sh ends with passed, failed and skipped" \
    "$(printf '%s\n' "$out" | tail -1)" "2 passed, 1 failed, 3 skipped"
check_contains "run.sh's line for the test counts its skips" "$out" \
    "2 passed   1 failed   3 skipped"
check_eq "run.sh fails when a check fails" "$rc" 1
cat >"$fake" <<'TAP'
#!/bin/sh
echo "ok 1 # SKIP nothing can run here"
TAP
out=$(B=$T/b TESTS=unit/test_fake sh "$top/tests/run.sh" 2>&1)
rc=$?
check_eq "a test that only skips: 0 passed, 0 failed, 1 skipped" \
    "$(printf '%s\n' "$out" | tail -1)" "0 passed, 0 failed, 1 skipped"
check_eq "run.sh fails when nothing passed" "$rc" 1
out=$(B=$T/b CERBO_SUITE=system TESTS=unit/test_fake sh "$top/tests/run.sh" 2>&1)
rc=$?
if is_root; then
	check_eq "CERBO_SUITE=system runs no unit test" \
	    "$(printf '%s\n' "$out" | tail -1)" "0 passed, 0 failed, 0 skipped"
else
	check_eq "CERBO_SUITE=system refuses to run without root" "$rc" 1
fi

# ---- wait_until ---------------------------------------------------------------
touch "$T/there"
check "wait_until returns at once when the condition holds" \
    wait_until 1 '[ -f "$T/there" ]'
start=$(date +%s%N)
wait_until 1 '[ -f "$T/never" ]'
rc=$?
el=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "wait_until fails when the time is up" "$rc" 1
check "wait_until waits the time it was given (${el} ms)" \
    test "$el" -ge 1000 -a "$el" -lt 5000
(sleep 0.3; touch "$T/later") &
check "wait_until sees a condition that becomes true" \
    wait_until 5 '[ -f "$T/later" ]'
wait

# ---- free_ports -----------------------------------------------------------
ports=$(free_ports 18100 18199 3)
check_eq "free_ports gives as many ports as asked" \
    "$(printf '%s\n' $ports | sort -u | wc -l)" 3
bad=""
for p in $ports; do
	[ "$p" -ge 18100 ] && [ "$p" -le 18199 ] || bad="$bad $p"
	python3 -c 'import socket,sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$p" ||
	    bad="$bad $p(taken)"
done
check_eq "they are in the range and free" "$bad" ""
check_fails "free_ports fails when the range has too few" \
    free_ports 18100 18101 3

# ---- sys_undo -----------------------------------------------------------------
if ! is_root; then
	skip "sys_undo: the undo journal is root's"
	exit 0
fi
victim=$T/placed-by-a-killed-test
# A test that records its change, makes it, and is killed before its exit
# handler can undo it.
B=$B sh -c '. "$1/tests/e2e/lib.sh"; echo "$T" >"$2.tmpdir"
	sys_undo "rm -f $2"; touch "$2"; kill -KILL $$' sh "$top" "$victim"
check "the killed test left its change" test -f "$victim"
B=$B sh -c '. "$1/tests/e2e/lib.sh"' sh "$top" >"$T/next.out" 2>&1
check "the next test undoes it" test ! -e "$victim"
check_contains "and says so" "$(cat "$T/next.out")" "undoing what a killed test left"
rm -rf "$(cat "$victim.tmpdir")"
# A running test's journal is left alone.
B=$B sh -c '. "$1/tests/e2e/lib.sh"; sys_undo "rm -f $2"; touch "$2"
	touch "$2.ready"; while [ ! -e "$2.done" ]; do sleep 0.05; done' \
    sh "$top" "$victim" &
live=$!
wait_until 10 '[ -f "$victim.ready" ]'
B=$B sh -c '. "$1/tests/e2e/lib.sh"' sh "$top" >/dev/null 2>&1
check "a running test's change stays" test -f "$victim"
touch "$victim.done"
wait "$live"
check "its own exit undoes it" test ! -e "$victim"
