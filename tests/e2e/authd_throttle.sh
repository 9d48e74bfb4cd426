#!/bin/sh
# The failure throttle of cerbo-authd, direct to authd (--proxy nginx
# headers, no proxy): what it counts (not a request without credentials;
# an IPv6 client by its network; an IPv4-mapped address as the IPv4 one),
# and what a throttled address still gets (a valid generated key its
# answer; an imported key whose username has no failure of its own from
# there its check).  Ports from 18200-18299, chosen at run time.
. "$(dirname "$0")/authd.inc"

authd_skip_unless

aport=$(free_port)
make_store
fast=$(add_user pk_fast)
printf 'first-imported-key\n' | import_user pk_slow
printf 'second-imported-key\n' | import_user pk_other

# check USER SECRET [CURL ARGS]: the status of one check.
check_one() {
	_u=$1 _s=$2
	shift 2
	printf 'user = "%s:%s"\n' "$_u" "$_s" |
	    curl -s -K - -o /dev/null -w '%{http_code}' --max-time 20 \
	    -H 'X-Original-Method: GET' \
	    -H 'X-Original-URI: /api/v1/appointments/1' "$@" \
	    "http://127.0.0.1:$aport/auth"
}
no_credentials() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
	    -H 'X-Original-Method: GET' \
	    -H 'X-Original-URI: /api/v1/appointments/1' \
	    "http://127.0.0.1:$aport/auth"
}
# repeat N CMD...: the outputs of N runs, one line.
repeat() {
	_n=$1
	shift
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		printf '%s ' "$("$@")"
		_i=$((_i + 1))
	done
}
# A random address of the IPv6 network $1 (four groups, "2001:db8:5:6").
random_in() {
	printf '%s:%s' "$1" "$(od -An -N8 -tx2 /dev/urandom |
	    sed -e 's/^ *//' -e 's/  */:/g')"
}

# ---- a request without credentials ----------------------------------
start_authd --listen "127.0.0.1:$aport" --max-failures 3 --workers 1
check_eq "five requests without credentials: 401 each, never 429" \
    "$(repeat 5 no_credentials)" "401 401 401 401 401 "
check_eq "... and they were not counted: a valid key gets 200" \
    "$(check_one pk_fast "$fast")" 200

# ---- a throttled address --------------------------------------------
check_eq "three wrong keys: 401 each" \
    "$(check_one pk_fast w1) $(check_one pk_fast w2) $(check_one pk_fast w3)" \
    "401 401 401"
check_eq "throttled: a wrong key gets 429" "$(check_one pk_fast w4)" 429
check_eq "throttled: an unknown user gets 429" \
    "$(check_one pk_nobody "$fast")" 429
check_eq "throttled: malformed credentials get 429" \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic !!!' \
    -H 'X-Original-Method: GET' -H 'X-Original-URI: /api/v1/appointments/1' \
    "http://127.0.0.1:$aport/auth")" 429
check_eq "throttled: no credentials still gets 401 (the challenge)" \
    "$(no_credentials)" 401
check_eq "throttled: the valid generated key still gets 200" \
    "$(check_one pk_fast "$fast")" 200
check_eq "throttled: a wrong key for an imported key with no failure of its own is checked (401)" \
    "$(check_one pk_slow wrong)" 401
check_eq "... then that username gets 429 without a hash, even with its key" \
    "$(check_one pk_slow first-imported-key)" 429
check_eq "... while another imported key from the same address gets its check (200)" \
    "$(check_one pk_other second-imported-key)" 200
grep -q 'refused (429) from 127.0.0.1: too many failed checks' "$T/authd.log" &&
    ok "the log says why the address got 429" ||
    not_ok "the log says why the address got 429" "$(tail -5 "$T/authd.log")"
stop_authd

# ---- IPv6 clients: counted by their /64 --------------------------------
start_authd --listen "127.0.0.1:$aport" --trust-proxy --max-failures 5
codes=
i=0
while [ $i -lt 12 ]; do
	codes="$codes$(check_one pk_fast wrong -H "X-Real-IP: $(random_in 2001:db8:5:6)") "
	i=$((i + 1))
done
check_eq "12 wrong keys from random addresses of one /64: 429 after 5" \
    "$codes" "401 401 401 401 401 429 429 429 429 429 429 429 "
check_eq "another /64 is another client" \
    "$(check_one pk_fast wrong -H 'X-Real-IP: 2001:db8:5:7::1')" 401
codes=
i=0
while [ $i -lt 3 ]; do
	codes="$codes$(check_one pk_fast wrong -H 'X-Real-IP: ::ffff:192.0.2.9')"
	codes="$codes $(check_one pk_fast wrong -H 'X-Real-IP: 192.0.2.9') "
	i=$((i + 1))
done
check_eq "an IPv4-mapped address and its IPv4 form are one client" \
    "$codes" "401 401 401 401 401 429 "
stop_authd

start_authd --listen "127.0.0.1:$aport" --trust-proxy --max-failures 5 \
    --throttle-ipv6-prefix 48
codes=
i=0
while [ $i -lt 8 ]; do
	net=2001:db8:5:$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
	codes="$codes$(check_one pk_fast wrong -H "X-Real-IP: $(random_in "$net")") "
	i=$((i + 1))
done
check_eq "--throttle-ipv6-prefix 48: random /64s of one /48 are one client" \
    "$codes" "401 401 401 401 401 429 429 429 "
stop_authd
