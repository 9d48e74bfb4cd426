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

# at_exit CMD: run CMD (a string) when the test ends.
at_exit() { _cleanups="$1; $_cleanups"; }
_finish() { eval "$_cleanups" 2>/dev/null; rm -rf "$T"; }
trap _finish EXIT
trap 'exit 130' INT TERM

ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() { _n=$((_n + 1)); echo "not ok $_n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

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
