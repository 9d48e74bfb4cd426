#!/bin/sh
# Runs every test: cmocka unit tests, module tests through the real
# libpam, and the shell end-to-end tests.  Each prints TAP lines ("ok" /
# "not ok"); a program that fails without saying why counts as one failure.
# A check that could not run here says so with a TAP SKIP directive
# ("ok 3 # SKIP needs root"): it counts as skipped, never as passed.
# Ends with "N passed, N failed, N skipped".
#
# Environment: B (build folder, default build), TESTS="pattern" limits to
# matching names, and
#   CERBO_SUITE=system  only the tests that need root or start daemons
#                     (make check-system): those whose header has a line
#                     "# cerbo-test: system";
#   CERBO_SANITIZE=1  the build is instrumented with ASan+UBSan (make asan):
#                     programs that are not (pamtester, nginx, python) load
#                     the instrumented module with the ASan runtime
#                     preloaded, leak checks stay with the C tests;
#   CERBO_VALGRIND=1  the C test programs, and the tools and cerbo-authd in
#                     the end-to-end tests that drive only them, run under
#                     valgrind (make valgrind); any error or definite leak
#                     fails (cerbo-authd's tests check its exit status).
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
skipped=0
failures=""

vg=""
vg_e2e=""
if [ "${CERBO_VALGRIND:-0}" = 1 ]; then
	# --vgdb=no: valgrind makes no FIFOs in TMPDIR, which tests watch.
	# --fair-sched=yes: threads take turns; with valgrind's default lock
	# the verifying threads of test_index once kept its main thread
	# waiting for minutes.
	vg="valgrind -q --vgdb=no --fair-sched=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no"
	# Wrappers that run each tool under valgrind, for the tests that
	# drive only the tools (timing-bound tests would measure valgrind).
	# They and copies of the programs live in a folder of their own
	# under /tmp: cerbo-authd runs as www-data, which may not enter a
	# build folder in a checkout under /root.
	vgbin=$(mktemp -d /tmp/cerbo-valgrind.XXXXXX)
	chmod 0755 "$vgbin"
	for tool in cerbo-apiuser cerbo-profile cerbo-authd; do
		install -m 0755 "$B/$tool" "$vgbin/$tool.bin"
		printf '#!/bin/sh
exec %s "%s" "$@"
' "$vg" "$vgbin/$tool.bin" >"$vgbin/$tool"
		chmod 0755 "$vgbin/$tool"
	done
	# cerbo-authd's own tests, but the flood (it measures timing).
	vg_e2e="apiuser_add apiuser_compile apiuser_edit apiuser_file apiuser_query every_command hostile_tools profile authd_nginx authd_caddy authd_cli nginx_module"
	# nginx with the module, in one process (the test sets master_process
	# off): errors only, nginx's own exit-time leaks are not the module's.
	export CERBO_NGINX_VALGRIND="valgrind --vgdb=no --leak-check=no --track-fds=no --error-exitcode=99"
fi
e2e_env=""
if [ "${CERBO_SANITIZE:-0}" = 1 ]; then
	# Instrumented programs carry the runtime; programs that are not
	# (pamtester, nginx) and load the instrumented module need the ASan
	# runtime first: wrappers earlier on PATH preload it.  Their leaks
	# are not ours to report.  Test programs built by the tests
	# themselves take CERBO_SAN_CFLAGS.
	asan_rt=$(${CC:-cc} -print-file-name=libasan.so)
	mkdir -p "$logdir/asan-bin"
	for host in pamtester nginx; do
		real=$(command -v "$host" || true)
		[ -n "$real" ] || continue
		printf '#!/bin/sh\nLD_PRELOAD="%s${LD_PRELOAD:+:$LD_PRELOAD}" ASAN_OPTIONS=detect_leaks=0 exec %s "$@"\n' \
		    "$asan_rt" "$real" >"$logdir/asan-bin/$host"
		chmod +x "$logdir/asan-bin/$host"
	done
	e2e_env="PATH=$logdir/asan-bin:$PATH"
	export CERBO_SAN_CFLAGS="-fsanitize=address,undefined"
	export CERBO_ASAN_RT="$asan_rt"
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

run_one() {
	name=$1
	shift
	case "$name" in *${TESTS:-}*) ;; *) return 0 ;; esac
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	CMOCKA_MESSAGE_OUTPUT=TAP "$@" >"$log" 2>&1 </dev/null
	rc=$?
	# TAP directives are case-insensitive; cmocka reports a skip() as
	# "not ok N # SKIP".
	skip=$(grep -c -i -E '^(not )?ok [^#]*# *skip' "$log")
	ok=$(grep -v -i -E '^ok [^#]*# *skip' "$log" | grep -c '^ok ')
	bad=$(grep -v -i -E '^not ok [^#]*# *skip' "$log" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	skipped=$((skipped + skip))
	printf '%-44s %4d passed %3d failed %3d skipped %4ss\n' "$name" \
	    "$ok" "$bad" "$skip" $(( $(date +%s) - start ))
	if [ "$bad" -ne 0 ]; then
		failures="$failures $name"
		grep -E '^not ok|^# ' "$log" | head -40 | sed 's/^/    /'
	fi
}

# CERBO_SUITE=system: only the end-to-end tests marked as needing root or
# daemons; they must run as root, or they would all be skipped.
system=0
if [ "${CERBO_SUITE:-}" = system ]; then
	system=1
	if [ "$(id -u)" -ne 0 ]; then
		echo "the system tests need root (they use /etc/pam.d, users, groups and daemons)" >&2
		exit 1
	fi
fi

for t in "$B"/tests/unit/test_*; do
	[ "$system" -eq 0 ] || break
	[ -x "$t" ] || continue
	case "$t" in *.o) continue ;; esac
	run_one "unit/${t##*/}" $vg "$t"
done
for t in "$B"/tests/pam/test_*; do
	[ "$system" -eq 0 ] || break
	[ -x "$t" ] || continue
	case "$t" in *.o) continue ;; esac
	run_one "pam/${t##*/}" $vg "$t"
done
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	case "${t##*/}" in lib.sh) continue ;; esac
	if [ "$system" -eq 1 ]; then
		grep -q '^# cerbo-test: system$' "$t" || continue
	fi
	name=${t##*/}
	if [ -n "$vg_e2e" ]; then
		case " $vg_e2e " in
		*" ${name%.sh} "*)
			run_one "e2e/$name" env \
			    CERBO_APIUSER="$vgbin/cerbo-apiuser" \
			    CERBO_PROFILE="$vgbin/cerbo-profile" \
			    CERBO_AUTHD="$vgbin/cerbo-authd" \
			    sh "$t" ;;
		esac
		continue
	fi
	# shellcheck disable=SC2086
	run_one "e2e/$name" env $e2e_env sh "$t"
done

[ -z "${vgbin:-}" ] || rm -rf "$vgbin"
[ -n "$failures" ] && echo "failing:$failures (logs in $logdir)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
