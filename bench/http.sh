#!/bin/sh
# make bench, HTTP part: nginx in front of a stub API, eight ways, in the
# same run, interleaved round by round, measured with wrk:
#   (a) nginx with no authentication (the floor);
#   (n) the reference for (m): an access check that costs nothing (allow
#       127.0.0.1, nginx's access module) with the same headers to the
#       backend as (m): what any module in the access phase costs at least;
#   (m) nginx + ngx_http_auth_cerbo_module (make nginx-module);
#   (s) nginx + auth_basic with an htpasswd file of {SHA} hashes;
#   (p) nginx + auth_basic with apr1 hashes (htpasswd's default);
#   (b) nginx + auth_pam + pam_cerbo.so;
#   (c) nginx + auth_request + cerbo-authd, over a keepalive upstream;
#   (r) the reference for (c): the same auth_request set-up, with a second
#       nginx that answers every check with 200 in place of cerbo-authd
#       (unloaded only): what the hop costs with a check that costs nothing;
# then (a), (m), (b) and (c) while 64 more connections send wrong secrets for a
# user with an imported (argon2id) key through the same server.  Prints a
# table of medians and puts it in bench/RESULTS.md (between
# "<!-- http-results -->" and "<!-- /http-results -->").
#
# Needs root (nginx workers as www-data, a PAM service in /etc/pam.d,
# removed on exit), nginx with auth_pam, and wrk.
# Environment: B, BENCH_HTTP_ROUNDS (default 5), BENCH_HTTP_SECONDS (5),
# BENCH_HTTP_PORTS (the local ports it may use, default 18200-18299),
# BENCH_HTTP_WORKERS (nginx worker processes, default the number of cores).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$top/$B" ;; esac
ROUNDS=${BENCH_HTTP_ROUNDS:-5}
SECS=${BENCH_HTTP_SECONDS:-5}
PORTS=${BENCH_HTTP_PORTS:-18200-18299}
WORKERS=${BENCH_HTTP_WORKERS:-$(nproc)}
authpam=/usr/lib/nginx/modules/ngx_http_auth_pam_module.so
cerbomod=$B/ngx_http_auth_cerbo_module.so

for c in nginx wrk curl python3 setpriv; do
	command -v "$c" >/dev/null ||
	    { echo "bench http: $c is missing (tests/deps.sh bench)" >&2; exit 1; }
done
[ -f "$authpam" ] ||
    { echo "bench http: libnginx-mod-http-auth-pam is missing" >&2; exit 1; }
[ -f "$cerbomod" ] ||
    { echo "bench http: $cerbomod is missing (make nginx-module)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench http: needs root" >&2; exit 1; }

W=$(mktemp -d /tmp/cerbo-bench-http.XXXXXX)
chmod 0755 "$W"
svc=cerbo-bench-$$
# The store's group, private to this run: the system's "cerbo" group (and
# who is in it) is never touched, and two runs do not undo each other.
grp=cerbo-bench-$$
pids=""
added_group=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -f "/etc/pam.d/$svc"
	[ -n "$added_group" ] && groupdel "$grp" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_ports() {
	python3 - "$1" "$PORTS" <<'PY'
import random, socket, sys
n = int(sys.argv[1]); out = []
lo, hi = (int(p) for p in sys.argv[2].split("-"))
ports = list(range(lo, hi + 1)); random.shuffle(ports)
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); out.append(p)
    except OSError:
        pass
    finally:
        s.close()
    if len(out) == n:
        break
print(" ".join(map(str, out)))
PY
}
# shellcheck disable=SC2046
set -- $(free_ports 11)
PA=$1 PB=$2 PC=$3 PBACK=$4 PAUTHD=$5 PR=$6 PSTUB=$7 PM=$8 PS=$9
shift 9
PP=$1 PN=$2

groupadd --system "$grp"
added_group=1
gpasswd -a www-data "$grp" >/dev/null
install -d -o root -g "$grp" -m 0750 "$W/store"
ST=$W/store/apiusers.yaml
printf '%s\n' 'profiles:' '  - name: bench' '    description: Benchmark' \
    '    allow: [GET /api/**]' |
    "$B/cerbo-apiuser" apply --store "$ST" --quiet - >/dev/null
KEY=$("$B/cerbo-apiuser" add --store "$ST" --username pk_bench \
    --nickname Bench --profile bench --email ops@example.com \
    --description "HTTP benchmark" --acknowledge --quiet)
printf 'an-imported-legacy-key\n' | "$B/cerbo-apiuser" import pk_slow \
    --store "$ST" --nickname Slow --profile bench --email ops@example.com \
    --description "argon2id user" --acknowledge --quiet
GOOD="Authorization: Basic $(printf 'pk_bench:%s' "$KEY" | base64 -w0)"
BAD="Authorization: Basic $(printf 'pk_slow:a-wrong-guess' | base64 -w0)"

install -d -m 0755 "$W/lib"
install -m 0644 "$B/pam_cerbo.so" "$W/lib/pam_cerbo.so"
install -m 0644 "$cerbomod" "$W/lib/ngx_http_auth_cerbo_module.so"
printf 'auth     required  %s store=%s\naccount  required  %s store=%s\n' \
    "$W/lib/pam_cerbo.so" "$ST" "$W/lib/pam_cerbo.so" "$ST" \
    >"/etc/pam.d/$svc"

# cerbo-authd as www-data; the flood comes from 127.0.0.1 like the good
# requests, so the throttle is off here: the pool is what is measured.
setpriv --reuid=www-data --regid=www-data --init-groups "$B/cerbo-authd" \
    --store "$ST" --listen "127.0.0.1:$PAUTHD" --trust-proxy \
    --max-failures 0 --stderr >"$W/authd.log" 2>&1 &
pids="$pids $!"

N=$W/nginx
mkdir -p "$N/tmp"
# The same key for auth_basic: {SHA} and apr1 (the key goes to openssl on
# standard input, never on its command line).
printf 'pk_bench:{SHA}%s\n' \
    "$(printf '%s' "$KEY" | openssl dgst -sha1 -binary | base64)" \
    >"$N/htpasswd-sha"
printf 'pk_bench:%s\n' "$(printf '%s\n' "$KEY" | openssl passwd -apr1 -stdin)" \
    >"$N/htpasswd-apr1"
sed -e "s|@N@|$N|g" -e "s|@AUTHPAM@|$authpam|" -e "s|@WORKERS@|$WORKERS|" \
    -e "s|@CERBOMOD@|$W/lib/ngx_http_auth_cerbo_module.so|" -e "s|@ST@|$ST|" \
    -e "s|@PM@|$PM|" -e "s|@PS@|$PS|" -e "s|@PP@|$PP|" -e "s|@PN@|$PN|" \
    -e "s|@PA@|$PA|" -e "s|@PB@|$PB|" -e "s|@PC@|$PC|" \
    -e "s|@PBACK@|$PBACK|g" -e "s|@PAUTHD@|$PAUTHD|" -e "s|@SVC@|$svc|" \
    -e "s|@PR@|$PR|" -e "s|@PSTUB@|$PSTUB|g" \
    "$top/bench/http-nginx.conf.in" >"$N/nginx.conf"
nginx -p "$N/" -e "$N/error.log" -c "$N/nginx.conf" >"$N/stderr" 2>&1 &
pids="$pids $!"
S=$W/stub
mkdir -p "$S/tmp"
sed -e "s|@S@|$S|g" -e "s|@WORKERS@|$WORKERS|" -e "s|@PSTUB@|$PSTUB|" \
    "$top/bench/http-stub.conf.in" >"$S/nginx.conf"
nginx -p "$S/" -e "$S/error.log" -c "$S/nginx.conf" >"$S/stderr" 2>&1 &
pids="$pids $!"
# answering URL: wait up to 5 s until something answers at URL.
answering() {
	_i=0
	until curl -s -o /dev/null "$1" || [ $_i -ge 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
answering "http://127.0.0.1:$PA/api/x"
answering "http://127.0.0.1:$PAUTHD/healthz"
answering "http://127.0.0.1:$PSTUB/auth"
for p in $PA $PN $PM $PS $PP $PB $PC $PR; do
	got=$(curl -s -o /dev/null -w '%{http_code}' -H "$GOOD" \
	    "http://127.0.0.1:$p/api/v1/x")
	if [ "$got" != 200 ]; then
		echo "bench http: port $p answers $got, not 200" >&2
		tail -5 "$N/stderr" "$N/error.log" "$W/authd.log" >&2
		exit 1
	fi
done
for p in $PAUTHD $PSTUB; do
	got=$(curl -s -o /dev/null -w '%{http_code}' -H "$GOOD" \
	    -H "X-Original-Method: GET" -H "X-Original-URI: /api/v1/x" \
	    -H "X-Real-IP: 127.0.0.1" \
	    "http://127.0.0.1:$p/auth")
	[ "$got" = 200 ] ||
	    { echo "bench http: the check on port $p answers $got" >&2; exit 1; }
done
for p in $PC $PM; do
	got=$(curl -s -o /dev/null -w '%{http_code}' -H "$BAD" \
	    "http://127.0.0.1:$p/api/v1/x")
	[ "$got" = 401 ] ||
	    { echo "bench http: a wrong argon2id secret answers $got on port $p" >&2; exit 1; }
done

# run PORT FILE: one wrk run of good requests; "rps p50_ms p99_ms non2xx"
# appended to FILE.
run() {
	wrk -t1 -c8 -d"${SECS}s" --latency -H "$GOOD" \
	    "http://127.0.0.1:$1/api/v1/appointments/42" >"$W/wrk.out" 2>&1
	wrk_figures "$2"
}
# run_check PORT FILE: the same, straight at a check server's /auth with
# the headers nginx's auth subrequest carries, no proxy in between.
run_check() {
	wrk -t1 -c8 -d"${SECS}s" --latency -H "$GOOD" \
	    -H "X-Original-Method: GET" \
	    -H "X-Original-URI: /api/v1/appointments/42" \
	    -H "X-Real-IP: 127.0.0.1" \
	    "http://127.0.0.1:$1/auth" >"$W/wrk.out" 2>&1
	wrk_figures "$2"
}
wrk_figures() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v
	}
	/^Requests\/sec:/ { rps = $2 }
	/^ +50%/ { p50 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/Non-2xx or 3xx responses:/ { bad = $NF }
	END { printf "%s %s %s %d\n", rps, p50, p99, bad }' "$W/wrk.out" >>"$1"
	[ -z "${BENCH_HTTP_DEBUG:-}" ] || cat "$W/wrk.out" >&2
}
# 64 connections of wrong argon2id secrets, in the background.
flood_start() {
	wrk -t1 -c64 -d"$((SECS + 2))s" -H "$BAD" \
	    "http://127.0.0.1:$1/api/v1/appointments/42" >"$W/flood.out" 2>&1 &
	flood_pid=$!
	sleep 1
}
flood_stop() {
	wait "$flood_pid" || true
	awk '/^Requests\/sec:/ { printf "%s\n", $2 }' "$W/flood.out"
}
# drain PORT: wait (up to 60 s) until a good request is answered within
# half a second again: auth_pam's workers are still hashing the flood's
# guesses after wrk has gone, which would slow down the next case.
drain() {
	_i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 0.5 \
	    -H "$GOOD" "http://127.0.0.1:$1/api/v1/x")" = 200 ] ||
	    [ $_i -ge 120 ]; do
		sleep 0.5
		_i=$((_i + 1))
	done
	echo "$_i" >>"$W/drain_$2"
}

echo "bench http: $ROUNDS rounds of $SECS s per case"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for k in a n m s p r b c; do
		case $k in
		a) port=$PA ;; b) port=$PB ;; c) port=$PC ;; r) port=$PR ;;
		m) port=$PM ;; s) port=$PS ;; p) port=$PP ;; n) port=$PN ;;
		esac
		run "$port" "$W/quiet_$k"
		if [ "$k" = r ]; then
			run_check "$PSTUB" "$W/check_stub"
			run_check "$PAUTHD" "$W/check_authd"
			continue
		fi
		case $k in n | s | p) continue ;; esac
		flood_start "$port"
		run "$port" "$W/flood_$k"
		flood_stop >>"$W/floodrate_$k"
		drain "$port" "$k"
	done
	echo "bench http: round $r of $ROUNDS done"
	r=$((r + 1))
done

# col FILE N: the median of column N.
col() {
	awk -v n="$2" '{print $n}' "$1" | sort -g |
	    awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
sum() { awk -v n="$2" '{s += $n} END {print s + 0}' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
out=$W/results.md
say() { printf '%s\n' "$*" | tee -a "$out"; }
: >"$out"
say "## HTTP run of $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say ""
say "Machine: $(nproc) cores, $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
say "Command: \`make bench\` (\`bench/http.sh\`). $(nginx -v 2>&1 | sed 's|.*: ||') with $WORKERS workers; wrk -t1 -c8 of good requests, $SECS s per case, medians of $ROUNDS interleaved rounds. Flood: wrk -t1 -c64 of wrong secrets for an argon2id user through the same server. cerbo-authd with its default workers and queue and the throttle off (every request comes from 127.0.0.1, so the pool is what is measured)."
say ""
say "| case | req/s | p50 ms | p99 ms | non-2xx | flood: req/s | p50 ms | p99 ms | non-2xx | flood's own req/s |"
say "|---|---|---|---|---|---|---|---|---|---|"
for k in a n m s p b c; do
	case $k in
	a) name="(a) nginx, no auth" ;;
	n) name="(n) nginx + allow 127.0.0.1 (reference for (m))" ;;
	m) name="(m) nginx + auth_cerbo (the module)" ;;
	s) name="(s) nginx + auth_basic, {SHA} file" ;;
	p) name="(p) nginx + auth_basic, apr1 file" ;;
	b) name="(b) nginx + auth_pam + pam_cerbo" ;;
	c) name="(c) nginx + auth_request + cerbo-authd" ;;
	esac
	if [ -f "$W/flood_$k" ]; then
		flood="$(col "$W/flood_$k" 1) | $(col "$W/flood_$k" 2) | $(col "$W/flood_$k" 3) | $(sum "$W/flood_$k" 4) | $(col "$W/floodrate_$k" 1)"
	else
		flood="- | - | - | - | -"
	fi
	say "| $name | $(col "$W/quiet_$k" 1) | $(col "$W/quiet_$k" 2) | $(col "$W/quiet_$k" 3) | $(sum "$W/quiet_$k" 4) | $flood |"
done
say "| (r) nginx + auth_request + a stub that answers 200 (reference) | $(col "$W/quiet_r" 1) | $(col "$W/quiet_r" 2) | $(col "$W/quiet_r" 3) | $(sum "$W/quiet_r" 4) | - | - | - | - | - |"
qa=$(col "$W/quiet_a" 1)
qr=$(col "$W/quiet_r" 1)
qb=$(col "$W/quiet_b" 1)
qc=$(col "$W/quiet_c" 1)
fb=$(col "$W/flood_b" 1)
fc=$(col "$W/flood_c" 1)
qm=$(col "$W/quiet_m" 1)
qs=$(col "$W/quiet_s" 1)
qp=$(col "$W/quiet_p" 1)
qn=$(col "$W/quiet_n" 1)
say ""
say "- (m) / (a): $(ratio "$qm" "$qa") (target >= 0.9); (m) / (s): $(ratio "$qm" "$qs") (target >= 0.95); (m) / (p): $(ratio "$qm" "$qp") (target >= 10); (s) / (a): $(ratio "$qs" "$qa"), (p) / (a): $(ratio "$qp" "$qa"), (c) / (a): $(ratio "$qc" "$qa"), (b) / (a): $(ratio "$qb" "$qa")"
paste -d' ' "$W/quiet_n" "$W/quiet_m" |
    awk '{printf "%.4f\n", $5 / $1}' >"$W/ratio_mn"
say "- (n) / (a): $(ratio "$qn" "$qa"): an access check that costs nothing; (m) / (n): $(ratio "$qm" "$qn"), round by round $(awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1}' "$W/ratio_mn"): what the module's check costs beyond the access phase itself"
say "- (m) under the flood: p99 $(col "$W/flood_m" 3) ms (target < 20), rate $(ratio "$(col "$W/flood_m" 1)" "$qm") of unloaded, $(sum "$W/flood_m" 4) non-2xx good requests"
# The same round's (a) and (c) ran seconds apart, under the same load from
# elsewhere: their ratio, round by round, varies less than either rate.
paste -d' ' "$W/quiet_a" "$W/quiet_c" |
    awk '{printf "%.4f\n", $5 / $1}' >"$W/ratio_ca"
say "- (c) / (a) unloaded: $(ratio "$qc" "$qa") (target >= 0.6); round by round: $(awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1}' "$W/ratio_ca"), median $(col "$W/ratio_ca" 1)"
paste -d' ' "$W/quiet_a" "$W/quiet_r" |
    awk '{printf "%.4f\n", $5 / $1}' >"$W/ratio_ra"
say "- (r) / (a): $(ratio "$qr" "$qa"), round by round $(awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1}' "$W/ratio_ra"): the auth_request hop to a server of its own that checks nothing; (c) / (r): $(ratio "$qc" "$qr"), cerbo-authd against that stub"
say "- The two check servers alone, wrk straight at /auth with the headers of nginx's subrequest: cerbo-authd $(col "$W/check_authd" 1) req/s (p99 $(col "$W/check_authd" 3) ms), the stub $(col "$W/check_stub" 1) req/s (p99 $(col "$W/check_stub" 3) ms), non-2xx answers $(($(sum "$W/check_authd" 4) + $(sum "$W/check_stub" 4))); cerbo-authd / stub: $(ratio "$(col "$W/check_authd" 1)" "$(col "$W/check_stub" 1)")"
say "- (c) / (b) unloaded: $(ratio "$qc" "$qb") (target >= 1.0)"
say "- (c) under the flood: p99 $(col "$W/flood_c" 3) ms (target < 20), rate $(ratio "$fc" "$qc") of unloaded (target >= 0.5)"
if awk -v r="$fb" 'BEGIN {exit !(r == 0)}'; then
	b_flood="no good request was answered in $SECS s"
else
	b_flood="p99 $(col "$W/flood_b" 3) ms, rate $(ratio "$fb" "$qb") of unloaded"
fi
say "- (b) under the flood: $b_flood; after the flood stopped, its workers needed a median of $(awk -v n="$(col "$W/drain_b" 1)" 'BEGIN {print n / 2}') s more to answer a good request within 0.5 s again ((c): $(awk -v n="$(col "$W/drain_c" 1)" 'BEGIN {print n / 2}') s)"
say ""

res="$top/bench/RESULTS.md"
if grep -q '^<!-- http-results -->$' "$res"; then
	{
		sed -n '1,/^<!-- http-results -->$/p' "$res"
		cat "$out"
		sed -n '/^<!-- \/http-results -->$/,$p' "$res"
	} >"$res.new"
else
	{
		cat "$res"
		printf '\n<!-- http-results -->\n'
		cat "$out"
		echo '<!-- /http-results -->'
	} >"$res.new"
fi
mv "$res.new" "$res"
echo "written to bench/RESULTS.md"
