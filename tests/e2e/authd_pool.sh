#!/bin/sh
# cerbo-authd under a flood of wrong secrets for a user with an imported
# (argon2id) key: the slow checks go to the worker pool, whose full queue
# is answered 429 (or 503) at once, while checks of a fast-scheme user
# keep getting 200.  Direct to authd (--proxy nginx headers), no proxy.
. "$(dirname "$0")/authd.inc"

authd_skip_unless

aport=$(free_port)
mport=$(free_port)
make_store
fast=$(add_user pk_fast)
printf 'an-imported-legacy-key\n' | import_user pk_slow
printf 'another-imported-key\n' | import_user pk_other
check_contains "the imported key is hashed with argon2id" \
    "$(grep -A12 'pk_slow:' "$ST" | grep 'secret:')" '$argon2id$'

start_authd --listen "127.0.0.1:$aport" --workers 1 --queue 2 \
    --max-failures 0 --metrics-listen "127.0.0.1:$mport"

# check USER SECRET: the status of one check.
check_one() {
	printf 'user = "%s:%s"\n' "$1" "$2" |
	    curl -s -K - -o /dev/null -w '%{http_code}' --max-time 20 \
	    -H 'X-Original-Method: GET' \
	    -H 'X-Original-URI: /api/v1/appointments/1' \
	    "http://127.0.0.1:$aport/auth"
}

check_eq "an argon2id user is checked on the pool: 200" \
    "$(check_one pk_slow an-imported-legacy-key)" 200
check_eq "a wrong argon2id secret: 401" "$(check_one pk_slow wrong)" 401

# The flood: 60 wrong secrets at once, each an argon2id hash.
# (Waited for by pid: a bare wait would wait for authd too.)
flood_pids=
flood() {
	i=0
	while [ $i -lt $1 ]; do
		{ check_one pk_slow "wrong-$i"; echo; } >"$T/flood.$i" &
		flood_pids="$flood_pids $!"
		i=$((i + 1))
	done
}
flood_wait() {
	for p in $flood_pids; do
		wait "$p"
	done
	flood_pids=
}
flood 60
fast_codes=
i=0
start=$(date +%s%N)
while [ $i -lt 20 ]; do
	fast_codes="$fast_codes$(check_one pk_fast "$fast") "
	i=$((i + 1))
done
fast_ms=$((($(date +%s%N) - start) / 1000000))
flood_wait
flood_codes=$(cat "$T"/flood.* | sort | uniq -c | tr -s ' \n' ' ')
# The statuses alone (the counts beside them could read as one).
flood_set=" $(cat "$T"/flood.* | sort -u | tr '\n' ' ')"
check_eq "a fast-scheme user keeps getting 200 during the flood" \
    "$fast_codes" "$(i=0; while [ $i -lt 20 ]; do printf '200 '; i=$((i + 1)); done)"
echo "# 20 fast checks (one curl process each) during the flood took $fast_ms ms; flood: $flood_codes"
check_contains "the flood meets a full queue: 429" "$flood_set" " 429 "
check_lacks "the flood is never let through" "$flood_set" " 200 "
check_lacks "the flood never gets a 500" "$flood_set" " 500 "
m=$(curl -s "http://127.0.0.1:$mport/metrics")
check_contains "metrics count the overloaded checks" "$m" \
    'cerbo_authd_checks_total{outcome="overloaded"}'
check_lacks "... and there were some" "$m" \
    'cerbo_authd_checks_total{outcome="overloaded"} 0'
check_contains "metrics show the queue depth" "$m" \
    "cerbo_authd_pool_queue_depth "
check_contains "metrics have a latency histogram" "$m" \
    'cerbo_authd_check_seconds_bucket{le="+Inf"}'
check_eq "metrics are not served on the check listener" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/metrics")" 404
stop_authd

# Checks whose client gave up while they waited in the queue are dropped
# unhashed: 8 wrong secrets opened at once by one curl process (no gap
# between them for a fast machine to hash in), each abandoned after
# 50 ms, on one worker; all but the first wait for one or more hashes of
# some tens of ms each (a queue of 64 is one where a username may hold
# 8 places).
start_authd --listen "127.0.0.1:$aport" --workers 1 --queue 64 \
    --max-failures 0 --metrics-listen "127.0.0.1:$mport"
i=0
while [ $i -lt 8 ]; do
	[ $i -eq 0 ] || echo next
	printf 'user = "pk_slow:gave-up-%s"\n' "$i"
	printf 'url = "http://127.0.0.1:%s/auth"\n' "$aport"
	echo 'output = /dev/null'
	echo 'max-time = 0.05'
	echo 'write-out = "%{exitcode} "'
	echo 'header = "X-Original-Method: GET"'
	echo 'header = "X-Original-URI: /api/v1/appointments/1"'
	i=$((i + 1))
done >"$T/gave-up.conf"
gave_up=$(curl -s -Z --parallel-immediate --parallel-max 8 -K "$T/gave-up.conf")
check_contains "the clients give up waiting (curl exit 28, timed out)" \
    " $gave_up" " 28 "
pool_idle() {
	curl -s "http://127.0.0.1:$mport/metrics" |
	    grep -qx 'cerbo_authd_pool_queue_depth 0' &&
	    curl -s "http://127.0.0.1:$mport/metrics" |
	    grep -qx 'cerbo_authd_pool_busy 0'
}
wait_until 30 pool_idle || true
m=$(curl -s "http://127.0.0.1:$mport/metrics")
echo "# of 8 clients gone after 50 ms:$(echo "$m" | grep 'outcome="abandoned"' | sed 's/.*}//') abandoned unhashed"
check_contains "metrics count the abandoned checks" "$m" \
    'cerbo_authd_checks_total{outcome="abandoned"}'
check_lacks "... queued checks whose client left are not hashed" "$m" \
    'cerbo_authd_checks_total{outcome="abandoned"} 0'
check_eq "the pool still answers a check after them" \
    "$(check_one pk_slow an-imported-legacy-key)" 200
stop_authd

# --overload-status 503; then the throttle: 3 failures, then 429 without
# a check, even for the right secret.
start_authd --listen "127.0.0.1:$aport" --workers 1 --queue 1 \
    --overload-status 503 --max-failures 0
rm -f "$T"/flood.*
flood 30
flood_wait
check_contains "--overload-status 503: a full queue answers 503" \
    "$(cat "$T"/flood.*)" 503
stop_authd
start_authd --listen "127.0.0.1:$aport" --max-failures 3 --failure-window 60
check_eq "three wrong secrets: 401 each" \
    "$(check_one pk_fast wrong1) $(check_one pk_fast wrong2) $(check_one pk_fast wrong3)" \
    "401 401 401"
check_eq "--max-failures 3: then 429 for a wrong secret" \
    "$(check_one pk_fast wrong4)" 429
check_eq "... but the right generated key still gets 200" \
    "$(check_one pk_fast "$fast")" 200
stop_authd

# One username holds at most 1/8 of the queue: 40 wrong secrets at once
# for pk_slow fill 2 of 16 places, and another imported key's client
# (pk_other) is still checked meanwhile instead of finding a full queue.
start_authd --listen "127.0.0.1:$aport" --workers 1 --queue 16 \
    --max-failures 0
rm -f "$T"/flood.*
flood 40
# Once the flood meets a refusal, the queue is as full as it lets it be.
wait_until 20 "cat \"\$T\"/flood.* | grep -q 429" ||
    not_ok "the flood meets a refusal"
other=$(check_one pk_other another-imported-key)
flood_wait
flood_codes=$(cat "$T"/flood.* | sort | uniq -c | tr -s ' \n' ' ')
# The statuses alone (the counts beside them could read as one).
flood_set=" $(cat "$T"/flood.* | sort -u | tr '\n' ' ')"
echo "# flood of 40 against one username: $flood_codes"
check_eq "during a flood against one username another one is checked: 200" \
    "$other" 200
check_contains "the flooding username meets its share of the queue: 429" \
    "$flood_set" " 429 "
grep -q 'this username holds its share of the argon2id queue' \
    "$T/authd.log" && ok "the log says why" ||
    not_ok "the log says why" "$(tail -5 "$T/authd.log")"
stop_authd
