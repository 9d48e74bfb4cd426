#!/bin/sh
# make bench: pam_cerbo side by side with pam_permit (the floor of
# Linux-PAM itself) and pam_pwdfile (the nearest peer: a flat file, a
# linear scan, a crypt hash), in the same run, interleaved.
#
# Stores of 1,000 and 100,000 users (and 1,000,000 with BENCH_LARGE=1) are
# made with the tools' own code: one `cerbo-apiuser apply` transaction
# each.  Nothing is installed system-wide: PAM services live in a private
# confdir (pam_start_confdir).  Prints a table of medians and ratios and,
# unless BENCH_SMOKE=1, writes it to bench/RESULTS.md.
#
# Environment: B (build folder), BENCH_LARGE=1, BENCH_SMOKE=1 (a tiny run
# that only proves the benchmark works; make check uses it),
# BENCH_ROUNDS (interleaved rounds, default 7).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$top/$B" ;; esac
APIUSER="$B/cerbo-apiuser"
MODULE="$B/pam_cerbo.so"
LOOP="$B/bench/pam_loop"
VB="$B/bench/verify_bench"
PWDFILE_SO=$(ls /usr/lib/*/security/pam_pwdfile.so /lib/*/security/pam_pwdfile.so 2>/dev/null | head -1 || true)
PERMIT_SO=$(ls /usr/lib/*/security/pam_permit.so /lib/*/security/pam_permit.so 2>/dev/null | head -1 || true)

SMOKE=${BENCH_SMOKE:-0}
ROUNDS=${BENCH_ROUNDS:-7}
if [ "$SMOKE" = 1 ]; then
	SIZES="200"
	ROUNDS=3
	ITER_PAM=20
	ITER_PWD=5
	ITER_WARM=2000
	TIMING_N=300
else
	SIZES="1000 100000"
	[ "${BENCH_LARGE:-0}" = 1 ] && SIZES="$SIZES 1000000"
	ITER_PAM=2000
	ITER_PWD=40
	ITER_WARM=200000
	TIMING_N=20000
fi

W=$(mktemp -d /tmp/cerbo-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0700 "$W"
out="$W/results.md"

now_ns() { date +%s%N; }
# peak RSS in KiB of a command (stdout to /dev/null); "n/a" without
# /usr/bin/time (Debian package time)
peak_kib() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null && cat "$W/rss"
	else
		"$@" >/dev/null && echo n/a
	fi
}
mib() { case "$1" in n/a) echo n/a ;; *) awk -v k="$1" 'BEGIN {printf "%.0f MiB", k / 1024}' ;; esac; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
us() { awk -v n="$1" 'BEGIN {printf "%.1f", n / 1000}'; }
ms() { awk -v n="$1" 'BEGIN {printf "%.1f", n / 1000000}'; }
say() { printf '%s\n' "$*" | tee -a "$out"; }

secret_and_hash=$("$APIUSER" hash --generate)
SECRET=$(printf '%s\n' "$secret_and_hash" | sed -n 's/^secret: //p')
HASH=$(printf '%s\n' "$secret_and_hash" | sed -n 's/^hash: //p')
[ -n "$SECRET" ] && [ -n "$HASH" ] || { echo "bench: cerbo-apiuser hash --generate gave nothing" >&2; exit 1; }
CRYPT=$(printf '%s' "$SECRET" | openssl passwd -6 -stdin)
REQ="GET /api/v1/appointments/42"

# make_store N DIR: the YAML store (one apply), the compiled index, a
# pwdfile with the same users, and a confdir with the three services.
make_store() {
	n=$1; d=$2
	mkdir -m 0700 "$d" "$d/pam.d"
	awk -v n="$n" -v h="$HASH" 'BEGIN {
		print "profiles:"
		print "  - name: sched"
		print "    description: Scheduling integration"
		print "    allow: [\"GET /api/v1/appointments/**\"]"
		print "users:"
		for (i = 0; i < n; i++) {
			printf "  - username: pk_u%07d\n", i
			printf "    nickname: Integration %d\n", i
			print  "    profile: sched"
			printf "    email: ops%d@example.com\n", i
			print  "    description: Benchmark user"
			printf "    secret_hash: \"%s\"\n", h
		}
		printf "  - username: pk_disabled\n    nickname: Disabled\n    profile: sched\n"
		printf "    email: off@example.com\n    description: Disabled user\n    disabled: true\n"
		printf "    secret_hash: \"%s\"\n", h
	}' >"$d/doc.yaml"
	t0=$(now_ns)
	APPLY_KIB=$(peak_kib "$APIUSER" apply --store "$d/apiusers.yaml" "$d/doc.yaml")
	APPLY_NS=$(( $(now_ns) - t0 ))
	awk -v n="$n" -v c="$CRYPT" 'BEGIN {
		for (i = 0; i < n; i++) printf "pk_u%07d:%s\n", i, c }' >"$d/pwdfile"
	chmod 0600 "$d/pwdfile"
	cat >"$d/pam.d/other" <<EOF
auth required pam_deny.so
account required pam_deny.so
EOF
	cat >"$d/pam.d/permit" <<EOF
auth required pam_permit.so
account required pam_permit.so
EOF
	cat >"$d/pam.d/cerbo" <<EOF
auth required $MODULE store=$d/apiusers.yaml [endpoint=$REQ]
account required $MODULE store=$d/apiusers.yaml [endpoint=$REQ]
EOF
	cat >"$d/pam.d/pwdfile" <<EOF
auth required $PWDFILE_SO pwdfile=$d/pwdfile
account required pam_permit.so
EOF
}

# pam_cycle DIR SERVICE USER ITER -> ns per cycle
pam_cycle() {
	printf '%s\n' "$SECRET" | env $LOOP_ENV "$LOOP" "$1/pam.d" "$2" "$3" "$4" 1 | awk '{print $2}'
}
# Under make asan (CERBO_ASAN_RT set) the instrumented pam_loop intercepts
# crypt(); ASan finds the real one only if libcrypt is loaded at start,
# else pam_pwdfile calls a null pointer.  Load it right after the runtime.
LOOP_ENV=""
if [ -n "${CERBO_ASAN_RT:-}" ]; then
	libcrypt=$(ls /lib/*/libcrypt.so.1 /usr/lib/*/libcrypt.so.1 2>/dev/null | head -1 || true)
	[ -n "$libcrypt" ] && LOOP_ENV="LD_PRELOAD=$CERBO_ASAN_RT:$libcrypt"
fi
# The same with pam_permit kept loaded, as pam_cerbo is (-z nodelete).
pam_cycle_resident() {
	printf '%s\n' "$SECRET" | PAM_LOOP_RESIDENT="$PERMIT_SO" "$LOOP" "$1/pam.d" "$2" "$3" "$4" 1 | awk '{print $2}'
}

: >"$out"
say "## Run of $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say ""
say "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')."
say "Command: \`make bench\`$( [ "${BENCH_LARGE:-0}" = 1 ] && echo ' with BENCH_LARGE=1'). Medians of $ROUNDS interleaved rounds."
say "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
say ""

for n in $SIZES; do
	d="$W/n$n"
	make_store "$n" "$d"
	user=$(printf 'pk_u%07d' $((n / 2)))
	size=$(stat -c %s "$d/apiusers.yaml")
	: >"$d/permit" ; : >"$d/permit_res" ; : >"$d/cerbo" ; : >"$d/pwd"
	: >"$d/first" ; : >"$d/first_shipped" ; : >"$d/first_parse"
	: >"$d/edit" ; : >"$d/floor"
	r=0
	while [ "$r" -lt "$ROUNDS" ]; do
		r=$((r + 1))
		pam_cycle "$d" permit "$user" "$ITER_PAM" >>"$d/permit"
		pam_cycle "$d" cerbo "$user" "$ITER_PAM" >>"$d/cerbo"
		if [ -n "$PERMIT_SO" ]; then
			pam_cycle_resident "$d" permit "$user" "$ITER_PAM" >>"$d/permit_res"
		fi
		if [ -n "$PWDFILE_SO" ]; then
			pam_cycle "$d" pwdfile "$user" "$ITER_PWD" >>"$d/pwd"
		fi
		printf '%s\n' "$SECRET" | "$VB" first "$d/apiusers.yaml" "$user" | awk '{print $2}' >>"$d/first"
		# The same edit the tools make, against one parse+emit+fsync.
		t0=$(now_ns)
		"$APIUSER" edit "$(printf 'pk_u%07d' $r)" --store "$d/apiusers.yaml" --description "Edited in round $r" >/dev/null
		echo $(( $(now_ns) - t0 )) >>"$d/edit"
		"$VB" rewrite "$d/apiusers.yaml" | awk '{print $2}' >>"$d/floor"
	done
	# A pair compiled elsewhere and shipped: another inode, same bytes.
	mkdir -m 0700 "$d/shipped"
	cp -p "$d/apiusers.yaml" "$d/apiusers.yaml.idx" "$d/shipped/"
	r=0
	while [ "$r" -lt "$ROUNDS" ]; do
		r=$((r + 1))
		printf '%s\n' "$SECRET" | "$VB" first "$d/shipped/apiusers.yaml" "$user" | awk '{print $2}' >>"$d/first_shipped"
	done
	# No index at all: the YAML is parsed.
	mkdir -m 0700 "$d/noindex"
	cp -p "$d/apiusers.yaml" "$d/noindex/"
	printf '%s\n' "$SECRET" | "$VB" first "$d/noindex/apiusers.yaml" "$user" | awk '{print $2}' >>"$d/first_parse"
	parse_kib=$(printf '%s\n' "$SECRET" | peak_kib "$VB" first "$d/noindex/apiusers.yaml" "$user")
	index_kib=$(printf '%s\n' "$SECRET" | peak_kib "$VB" first "$d/apiusers.yaml" "$user")
	# One more edit, untimed, for its peak memory.
	edit_kib=$(peak_kib "$APIUSER" edit "$(printf 'pk_u%07d' 0)" --store "$d/apiusers.yaml" --description "Edited for the memory figure")
	warm_parsed=$(printf '%s\n' "$SECRET" | "$VB" loop "$d/noindex/apiusers.yaml" "$user" "$ITER_WARM" | awk '{print $2}')

	warm=$(printf '%s\n' "$SECRET" | "$VB" warm "$d/apiusers.yaml" "$user" "$ITER_WARM")
	vw=$(printf '%s\n' "$warm" | awk '/^verify_warm/ {print $2}')
	vf=$(printf '%s\n' "$warm" | awk '/^floor/ {print $2}')
	# The same store naming a usage file: use recording on against off.
	mkdir -m 0700 "$d/usage"
	cp -p "$d/apiusers.yaml" "$d/usage/"
	"$APIUSER" usage-file "$d/usage/usage" --store "$d/usage/apiusers.yaml" --quiet
	rec=$(printf '%s\n' "$SECRET" | "$VB" usage "$d/apiusers.yaml" "$d/usage/apiusers.yaml" "$user" "$ITER_WARM")
	uoff=$(printf '%s\n' "$rec" | awk '/^usage_off/ {print $2}')
	uon=$(printf '%s\n' "$rec" | awk '/^usage_on/ {print $2}')
	parts=$(printf '%s\n' "$SECRET" | "$VB" parts "$d/apiusers.yaml" "$user" "$ITER_WARM")
	part() { printf '%s\n' "$parts" | awk -v k="$1" '$1 == k {print $2}'; }
	timing=$(printf '%s\n' "$SECRET" | "$VB" timing "$d/apiusers.yaml" "$user" pk_disabled "$TIMING_N")

	p=$(median <"$d/permit"); c=$(median <"$d/cerbo")
	f=$(median <"$d/first"); fs=$(median <"$d/first_shipped")
	fp=$(median <"$d/first_parse")
	e=$(median <"$d/edit"); fl=$(median <"$d/floor")
	say "### $n users ($(awk -v s="$size" 'BEGIN {printf "%.1f", s / 1048576}') MiB of YAML; one apply: $(ms "$APPLY_NS") ms, peak $(mib "$APPLY_KIB"))"
	say ""
	say "| measure | pam_cerbo | reference | ratio | target |"
	say "|---|---|---|---|---|"
	say "| PAM full cycle (start, authenticate, acct_mgmt, end) | $(us "$c") us | pam_permit $(us "$p") us | $(ratio "$c" "$p") | <= 1.5 |"
	if [ -n "$PERMIT_SO" ]; then
		pr=$(median <"$d/permit_res")
		say "| the same, pam_permit kept loaded as pam_cerbo is | $(us "$c") us | pam_permit $(us "$pr") us | $(ratio "$c" "$pr") | reported |"
	fi
	if [ -n "$PWDFILE_SO" ]; then
		w=$(median <"$d/pwd")
		say "| PAM full cycle vs pam_pwdfile (SHA-512 crypt) | $(us "$c") us | pam_pwdfile $(us "$w") us | $(ratio "$w" "$c")x faster | >= 50x at 100k, >= 20x at 1k |"
	fi
	say "| first verify in a fresh process, index written here (identity match) | $(us "$f") us | | | < 1 ms |"
	say "| first verify, compiled pair shipped from elsewhere (digest of the YAML) | $(us "$fs") us | | | reported |"
	say "| first verify, no index (YAML parsed) | $(ms "$fp") ms | | | reported |"
	say "| peak memory of that first verify: index / YAML parsed | $(mib "$index_kib") | $(mib "$parse_kib") | | reported |"
	say "| library verify, warm, through the index | $(us "$vw") us | lookup + secret check $(us "$vf") us | $(ratio "$vw" "$vf") | <= 2 |"
	say "| library verify, warm, recording uses (usage_file) on vs off | $(us "$uon") us | off $(us "$uoff") us | $(ratio "$uon" "$uoff") | <= 1.05 |"
	say "| library verify, warm, YAML parsed (no index) | $(us "$warm_parsed") us | lookup + secret check $(us "$vf") us | $(ratio "$warm_parsed" "$vf") | reported |"
	say "| tool edit (cerbo-apiuser edit) | $(ms "$e") ms | parse + emit + fsync $(ms "$fl") ms | $(ratio "$e" "$fl") | <= 1.3 |"
	say "| peak memory of a tool edit | $(mib "$edit_kib") | | | reported |"
	say ""
	say "A warm verification through the index is made of (ns, medians): stat $(part stat), index check (fstat, trust rule, identity) $(part index_check), index lookup $(part index_lookup) (a miss: $(part index_miss)), secret check $(part secret_check) (of which one keyed BLAKE2b: $(part blake2b_keyed)), request parse $(part request_parse); the rest is the decision, the reason and the cache's lock."
	say ""
	say "Refusals and a success, per call through the index (ns, p10 / median / p90, $TIMING_N interleaved calls each):"
	say ""
	for k in unknown_user wrong_secret disabled_user right_secret; do
		say "- $k: $(printf '%s\n' "$timing" | awk -v k="$k" '$1 == k"_p10" {a=$2} $1 == k"_median" {b=$2} $1 == k"_p90" {c=$2} END {print a " / " b " / " c}')"
	done
	say ""
	rm -rf "$d"
done

if [ "$SMOKE" = 1 ]; then
	grep -q 'PAM full cycle' "$out" || { echo "bench: no results" >&2; exit 1; }
	echo "bench smoke run: ok"
else
	# What is before "<!-- results -->" and after "<!-- /results -->"
	# (the preface, and the verdict on each target) is kept; the run
	# goes in between.
	res="$top/bench/RESULTS.md"
	{
		if grep -q '^<!-- results -->$' "$res" 2>/dev/null; then
			sed -n '1,/^<!-- results -->$/p' "$res"
		else
			printf '# Benchmark results\n\n<!-- results -->\n'
		fi
		cat "$out"
		echo '<!-- /results -->'
		if grep -q '^<!-- /results -->$' "$res" 2>/dev/null; then
			sed -n '/^<!-- \/results -->$/,$p' "$res" | sed 1d
		fi
	} >"$res.new"
	mv "$res.new" "$res"
	echo "written to bench/RESULTS.md"
fi
