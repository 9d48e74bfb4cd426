#!/bin/sh
# A tiny run of `make bench`, so the benchmark cannot rot: it must build
# its stores with the tools, drive every service and print every figure.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

if [ ! -x "$B/bench/pam_loop" ] || [ ! -x "$B/bench/verify_bench" ]; then
	not_ok "benchmark programs are built" "missing $B/bench/pam_loop or verify_bench"
	exit 1
fi
out=$(BENCH_SMOKE=1 B="$B" sh "$top/bench/run.sh" 2>&1)
rc=$?
check_eq "bench smoke run exits 0" "$rc" 0
check_contains "it times a full PAM cycle against pam_permit" "$out" "pam_permit"
check_contains "it compares with pam_pwdfile" "$out" "pam_pwdfile"
check_contains "it times a fresh process's first verification" "$out" "first verify in a fresh process"
check_contains "it times a warm library verification" "$out" "library verify, warm"
check_contains "it times a warm verification recording uses, on against off" "$out" "recording uses (usage_file) on vs off"
check_contains "it times a tool edit against a rewrite" "$out" "tool edit"
for k in unknown_user wrong_secret disabled_user; do
	check_contains "it reports the spread of $k refusals" "$out" "- $k:"
done
check_lacks "no figure is missing" "$out" "nan"
