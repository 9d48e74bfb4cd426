#!/bin/sh
# cerbo-authd's command line and sockets: every option in --help and in
# cerbo-authd(8), a distinct exit status for each start-up failure, a unix
# socket listener, IPv6, the envoy family (direct, without Envoy), and
# systemd socket activation (systemd-socket-activate).
. "$(dirname "$0")/authd.inc"

authd_skip_unless

make_store
key=$(add_user pk_cli)

# Tests take several ports, each in its own command substitution: none
# may be handed out twice, or a daemon would find its port taken by the
# test's own backend.
given=
i=0
while [ $i -lt 20 ]; do
	given="$given$(free_port) "
	i=$((i + 1))
done
check_eq "free_port never gives a port twice in one test" \
    "$(printf '%s' "$given" | tr ' ' '\n' | sort -u | grep -c .)" 20

help=$("$AUTHD" --help)
check_eq "--help exits 0" "$?" 0
check_eq "--help describes each option once" "$(help_repeats "$help")" ""
opts=$(printf '%s\n' "$help" | grep -o -E -- '^  --[a-z][a-z-]*' | sed 's/^  //')
missing=
for o in $opts; do
	grep -q -- "^\\.B.*\\\\-\\\\-${o#--}" "$top/man/cerbo-authd.8" 2>/dev/null ||
	    grep -q -- "\\\\-\\\\-${o#--}" "$top/man/cerbo-authd.8" ||
	    missing="$missing $o"
done
check_eq "cerbo-authd(8) documents every option of --help" "$missing" ""

check_exit "an unknown option: exit 2" 2 "$AUTHD" --bogus
check_exit "a bad option value: exit 2" 2 "$AUTHD" --workers 0
check_exit "a bad --proxy: exit 2" 2 "$AUTHD" --proxy apache
# Durations in the library's grammar; bare numbers stay seconds.  Exit 5
# (the store is missing) shows the options were taken.
check_exit "--failure-window 1m --timeout 30s are taken (exit 5: no store)" 5 \
    "$AUTHD" --failure-window 1m --timeout 30s --store "$T/nothing.yaml" \
    --listen 127.0.0.1:18200
check_exit "--timeout 1500ms (not whole seconds): exit 2" 2 "$AUTHD" \
    --timeout 1500ms
out=$("$AUTHD" --failure-window 2d 2>&1)
check_contains "a duration past its bounds: the message states them" "$out" \
    "--failure-window 2d: not a duration from 1s to 1d"
check_exit "a bad address: exit 3" 3 "$AUTHD" --listen 127.0.0.1:99999
check_exit "a host name is not an address: exit 3" 3 "$AUTHD" \
    --listen localhost:18200
check_exit "a relative unix socket path: exit 3" 3 "$AUTHD" \
    --listen unix:authd.sock
check_exit "no --listen and no inherited socket: exit 2" 2 "$AUTHD" \
    --store "$ST"
check_exit "a missing store: exit 5" 5 "$AUTHD" --store "$T/nothing.yaml" \
    --listen 127.0.0.1:18200
printf 'cerbo_store: 1\nusers: [\n' >"$T/store/broken.yaml"
check_exit "a broken store: exit 5" 5 "$AUTHD" --store "$T/store/broken.yaml" \
    --listen 127.0.0.1:18200
out=$("$AUTHD" --store "$T/nothing.yaml" --listen 127.0.0.1:18200 2>&1)
check_contains "the store error is said on stderr" "$out" "cannot use the store"

busy=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(1)
open(sys.argv[2],"w").close(); time.sleep(30)' "$busy" "$T/busy.ready" &
busy_pid=$!
at_exit "kill $busy_pid"
i=0
while [ ! -e "$T/busy.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_exit "an address in use: exit 4" 4 "$AUTHD" --store "$ST" \
    --listen "127.0.0.1:$busy"
kill "$busy_pid"

q() {
	printf 'user = "pk_cli:%s"\n' "$key" |
	    curl -s -K - -o /dev/null -w '%{http_code}' \
	    -H 'X-Original-Method: GET' \
	    -H 'X-Original-URI: /api/v1/appointments/1' "$@"
}

# A unix socket (and IPv6 when the host has it).
install -d -o www-data -m 0755 "$T/run"
port=$(free_port)
start_authd --listen "127.0.0.1:$port" --listen "unix:$T/run/authd.sock" \
    --listen "[::1]:$port"
check_eq "the unix socket is made with mode 0660" \
    "$(stat -c %a "$T/run/authd.sock")" 660
check_eq "a check over the unix socket: 200" \
    "$(q --unix-socket "$T/run/authd.sock" http://localhost/auth)" 200
check_exit "a unix socket a running server listens on is not taken: exit 4" 4 \
    "$AUTHD" --store "$ST" --listen "unix:$T/run/authd.sock"
check_eq "... and the running server keeps it" \
    "$(q --unix-socket "$T/run/authd.sock" http://localhost/auth)" 200
if curl -s -o /dev/null -g "http://[::1]:$port/healthz"; then
	check_eq "a check over IPv6: 200" "$(q -g "http://[::1]:$port/auth")" 200
else
	echo "ok $((_n + 1)) # SKIP no IPv6 loopback here"
	_n=$((_n + 1))
fi
stop_authd
check_eq "the unix socket is removed on exit" \
    "$(ls "$T/run")" ""

# The original method and URI are checked each on its own (a method that
# carries a path, a URI that does not start with '/': 403), and a refusal
# line quotes the request, so that a key holder cannot write text into
# the log that passes for a line of its own; refusals are limited per
# reason, one line per 10 s.
port=$(free_port)
start_authd --listen "127.0.0.1:$port"
orig() {
	printf 'user = "pk_cli:%s"\n' "$key" |
	    curl -s -K - -o /dev/null -w '%{http_code}' \
	    -H "X-Original-Method: $1" -H "X-Original-URI: $2" \
	    "http://127.0.0.1:$port/auth"
}
check_eq "the original request, whole: 200" \
    "$(orig GET /api/v1/appointments/1)" 200
check_eq "a method that carries the path, the URI a version: 403" \
    "$(orig 'GET /api/v1/appointments/1' HTTP/1.1)" 403
check_eq "a method with a space at its end: 403" \
    "$(orig 'GET ' /api/v1/appointments/1)" 403
check_eq "a URI that does not start with /: 403" \
    "$(orig GET api/v1/appointments/1)" 403
check_eq "a URI that carries a space: 403" \
    "$(orig GET '/api/v1/appointments/1 HTTP/1.1')" 403
check_eq "a lower-case method: 403" \
    "$(orig get /api/v1/appointments/1)" 403
check_eq "a path outside the profile, with a quote and encoded spaces: 403" \
    "$(orig GET '/api/v1/patients/1"%20allowed%20from%2010.0.0.1:%20user%20pk_admin')" 403
check_eq "another path outside the profile: 403" \
    "$(orig GET /api/v1/patients/2)" 403
check_eq "and a third: 403" "$(orig GET /api/v1/patients/3)" 403
sleep 0.3
log=$(cat "$T/authd.log")
check_contains "the method carrying a path is refused by authd, saying so" \
    "$log" "refused (403) from 127.0.0.1: the original method is not one HTTP method"
check_contains "the URI without a leading / is refused by authd, saying so" \
    "$log" "refused (403) from 127.0.0.1: the original URI is not one path starting with /"
check_contains "a refusal quotes the request, its quote escaped" "$log" \
    'request "GET /api/v1/patients/1\"%20allowed%20from%2010.0.0.1:%20user%20pk_admin"'
check_lacks "the client's text is never outside the quotes, nor decoded" \
    "$log" "allowed from 10.0.0.1"
check_eq "refusals with one reason: one line per 10 s" \
    "$(grep -c 'forbidden by profile scheduling: no allow rule matches' "$T/authd.log")" 1
stop_authd

# --proxy envoy: the check request carries the original method and path
# itself, under --envoy-prefix; the raw path reaches the verifier.
port=$(free_port)
start_authd --listen "127.0.0.1:$port" --proxy envoy --envoy-prefix /check
e() {
	printf 'user = "pk_cli:%s"\n' "$key" |
	    curl -s -K - -o /dev/null -w '%{http_code}' --path-as-is "$@"
}
check_eq "envoy: the original request under the prefix: 200" \
    "$(e "http://127.0.0.1:$port/check/api/v1/appointments/1?x=1")" 200
check_eq "envoy: its method is the check's own: DELETE is denied, 403" \
    "$(e -X DELETE "http://127.0.0.1:$port/check/api/v1/appointments/1")" 403
check_eq "envoy: a path outside the profile: 403" \
    "$(e "http://127.0.0.1:$port/check/api/v1/patients/1")" 403
check_eq "envoy: an encoded dot segment is seen raw and refused: 403" \
    "$(e "http://127.0.0.1:$port/check/api/v1/appointments/%2e%2e/patients/1")" 403
check_eq "envoy: X-Original-URI beside it is refused: 403" \
    "$(e -H 'X-Original-URI: /api/v1/appointments/1' "http://127.0.0.1:$port/check/api/v1/appointments/1")" 403
check_eq "envoy: a path outside the prefix is not a check: 404" \
    "$(e "http://127.0.0.1:$port/api/v1/appointments/1")" 404
stop_authd

# Socket activation: the socket is opened by systemd-socket-activate, as
# systemd would from cerbo-authd.socket.
if command -v systemd-socket-activate >/dev/null 2>&1; then
	port=$(free_port)
	: >"$T/authd.log"
	# www-data may not enter the build folder (a checkout under /root):
	# it runs a copy of the daemon from the test's own folder.
	install -d -m 0755 "$T/sbin"
	install -m 0755 "$B/cerbo-authd" "$T/sbin/cerbo-authd"
	setpriv --reuid=www-data --regid=www-data --init-groups \
	    systemd-socket-activate -l "127.0.0.1:$port" \
	    "$T/sbin/cerbo-authd" --stderr --store "$ST" >>"$T/authd.log" 2>&1 &
	AUTHD_PID=$!
	at_exit "kill $AUTHD_PID"
	check "socket activation: systemd-socket-activate listens" \
	    wait_until 10 "listening $port"
	check_eq "socket activation: the first check starts authd and gets 200" \
	    "$(q "http://127.0.0.1:$port/auth")" 200
	check_eq "socket activation: the next one too" \
	    "$(q "http://127.0.0.1:$port/auth")" 200
	check_contains "socket activation: authd took the inherited socket" \
	    "$(cat "$T/authd.log")" "listening on 1 socket"
	stop_authd
	# systemd-socket-activate starts the program on the first
	# connection, and becomes it.
	port=$(free_port)
	systemd-socket-activate -l "127.0.0.1:$port" "$AUTHD" --store "$ST" \
	    --listen "127.0.0.1:$port" >"$T/both.out" 2>&1 &
	both=$!
	check "systemd-socket-activate listens for the second authd" \
	    wait_until 10 "listening $port"
	curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/healthz"
	wait "$both"
	check_eq "an inherited socket and --listen too: exit 2" "$?" 2
	check_contains "... saying why" "$(cat "$T/both.out")" \
	    "--listen must not be given too"
else
	echo "ok $((_n + 1)) # SKIP systemd-socket-activate is not installed"
	_n=$((_n + 1))
fi

# The service bounds what a fault or a flood may take from the host.
unit=$top/etc/systemd/cerbo-authd.service
check_contains "the service sets MemoryMax" "$(cat "$unit")" "
MemoryMax="
check_contains "the service sets TasksMax" "$(cat "$unit")" "
TasksMax="
if command -v systemd-analyze >/dev/null 2>&1; then
	check_contains "systemd-analyze security rates the service OK" \
	    "$(systemd-analyze security --offline=yes "$unit" 2>&1 | tail -1)" \
	    " OK "
else
	echo "ok $((_n + 1)) # SKIP systemd-analyze is not installed"
	_n=$((_n + 1))
fi
