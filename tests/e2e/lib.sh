# Shared helpers for the shell end-to-end tests; source it.
# Each check prints one TAP line.  Tests work in a private temporary folder
# removed on exit, and drive the built binaries in $B.
set -u
: "${B:?run through tests/run.sh or set B to the build folder}"
# The tools; make valgrind points these at wrappers that run them under
# valgrind.
APIUSER="${CERBO_APIUSER:-$B/cerbo-apiuser}"
PROFILE="${CERBO_PROFILE:-$B/cerbo-profile}"
# What a test preloads into a tool: under make asan the ASan runtime must
# come first (CERBO_ASAN_RT).
preload() { printf '%s' "${CERBO_ASAN_RT:+$CERBO_ASAN_RT:}$1"; }
MODULE="$B/pam_cerbo.so"
T=$(mktemp -d /tmp/cerbo-test.XXXXXX)
chmod 0755 "$T"
_n=0
_cleanups=""

# Changes a test makes to the system (files in /etc, groups, members) are
# undone at exit, and when a test is killed before it could, by the next
# test that starts: sys_undo writes each change's undo command, before the
# change, to a journal named after the test's pid and start time in
# $_undo_dir (root's alone); sourcing this file replays, newest first, the
# journals of tests that are no longer running.
_undo_dir=/run/cerbo-test
_journal=""
# _starttime PID: the process's start time (clock ticks after boot), empty
# when no such process runs; with the pid it names one process for good.
_starttime() { sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
_undo_dir_ok() {
	[ -d "$_undo_dir" ] && [ ! -L "$_undo_dir" ] &&
	    [ "$(stat -c %u:%a "$_undo_dir")" = 0:700 ]
}
_replay_stale() {
	[ "$(id -u)" -eq 0 ] && _undo_dir_ok || return 0
	for _j in "$_undo_dir"/*.undo; do
		[ -f "$_j" ] || continue
		_id=${_j##*/}
		_id=${_id%.undo}
		[ "$(_starttime "${_id%%-*}")" = "${_id#*-}" ] && continue
		# Claimed by renaming, so two tests never replay one journal.
		mv "$_j" "$_j.$$" 2>/dev/null || continue
		echo "# undoing what a killed test left: $(tr '\n' ';' <"$_j.$$")"
		tac "$_j.$$" | while IFS= read -r _c; do
			eval "$_c" >/dev/null 2>&1
		done
		rm -f "$_j.$$"
	done
}
_replay_stale
# sys_undo CMD: CMD undoes the change the test is about to make; it runs at
# exit, or in the next test if this one is killed.  Root only.
sys_undo() {
	if [ -z "$_journal" ]; then
		[ -d "$_undo_dir" ] || mkdir -m 0700 "$_undo_dir"
		_undo_dir_ok || { echo "not ok - $_undo_dir is not root's 0700 folder"; exit 1; }
		_journal=$_undo_dir/$$-$(_starttime $$).undo
	fi
	printf '%s\n' "$1" >>"$_journal"
	at_exit "$1"
}

# at_exit CMD: run CMD (a string) when the test ends.
at_exit() { _cleanups="$1; $_cleanups"; }
_finish() {
	eval "$_cleanups" 2>/dev/null
	[ -z "$_journal" ] || rm -f "$_journal"
	rm -rf "$T"
}
trap _finish EXIT
trap 'exit 130' INT TERM

ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() { _n=$((_n + 1)); echo "not ok $_n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# skip DESC: a check that cannot run here; counted as skipped, not passed.
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
# skip_all REASON: the whole test cannot run here.
skip_all() { skip "$1"; exit 0; }
# need_root WHY: skips the whole test unless it runs as root.
need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root: $1"; }
# is_root: true when the test runs as root.
is_root() { [ "$(id -u)" -eq 0 ]; }

# wait_until SECONDS CONDITION: evaluates the shell text CONDITION until it
# is true (returns 0) or SECONDS have passed (returns 1).
wait_until() {
	_wdl=$(( $(date +%s%N) + $1 * 1000000000 ))
	until eval "$2"; do
		[ "$(date +%s%N)" -lt "$_wdl" ] || return 1
		sleep 0.02
	done
}

# listening PORT: true when something listens on TCP PORT (without
# connecting, which would start a socket-activated program).
listening() {
	awk -v p="$(printf ':%04X' "$1")" '$2 ~ p "$" && $4 == "0A" { f = 1 }
	    END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# free_ports LOW HIGH N: N ports of 127.0.0.1 in LOW..HIGH nothing listens
# on now, from a random start so that tests running at once rarely pick
# the same.  Fails when there are not N free.
free_ports() {
	python3 - "$@" <<'PY'
import random, socket, sys
low, high, n = (int(a) for a in sys.argv[1:4])
ports = list(range(low, high + 1))
start = random.randrange(len(ports))
held = []
for p in ports[start:] + ports[:start]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    held.append(s)
    if len(held) == n:
        break
if len(held) < n:
    sys.exit("no %d free ports in %d-%d" % (n, low, high))
print(" ".join(str(s.getsockname()[1]) for s in held))
PY
}

# check DESC CMD...: passes when CMD exits 0.
check() {
	_d=$1; shift
	if _out=$("$@" 2>&1); then ok "$_d"; else not_ok "$_d" "command: $*" "$(printf '%s' "$_out" | head -5)"; fi
}
# check_fails DESC CMD...: passes when CMD exits non-zero.
check_fails() {
	_d=$1; shift
	if _out=$("$@" 2>&1); then not_ok "$_d" "command succeeded: $*" "$(printf '%s' "$_out" | head -5)"; else ok "$_d"; fi
}
# check_exit DESC CODE CMD...: passes when CMD exits with CODE.
check_exit() {
	_d=$1; _want=$2; shift 2
	_out=$("$@" 2>&1); _rc=$?
	if [ "$_rc" -eq "$_want" ]; then ok "$_d"; else not_ok "$_d" "exit $_rc, wanted $_want: $*" "$(printf '%s' "$_out" | head -5)"; fi
}
# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}
# check_contains DESC HAYSTACK NEEDLE
check_contains() {
	case "$2" in *"$3"*) ok "$1" ;; *) not_ok "$1" "no '$3' in:" "$(printf '%s' "$2" | head -8)" ;; esac
}
# help_repeats HELPTEXT: the options an option list ("  --name ..." or
# "  -x, --name ...") describes more than once, one a line; empty when none.
help_repeats() {
	printf '%s\n' "$1" | grep -o -E -- '^  (-[A-Za-z], )?--[a-z][a-z-]*' |
	    sed 's/.*--/--/' | sort | uniq -d
}
check_lacks() {
	case "$2" in *"$3"*) not_ok "$1" "unexpected '$3' in:" "$(printf '%s' "$2" | head -8)" ;; *) ok "$1" ;; esac
}
