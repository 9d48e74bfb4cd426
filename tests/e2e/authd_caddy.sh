#!/bin/sh
# Caddy (Debian's) in front of a stub API, with cerbo-authd answering its
# forward_auth checks (--proxy forwarded); the site is the shipped
# etc/caddy/Caddyfile with only its site-specific values replaced.  Caddy
# runs with a private HOME and XDG folders and its admin endpoint off.
# Then again with a minimal Caddyfile (forward_auth with copy_headers and
# nothing else): the client address authd sees must not be one a client
# can choose by sending X-Real-IP or X-Forwarded-For, whatever the site
# does about those headers.
# Ports from 18200-18299, chosen at run time.
. "$(dirname "$0")/authd.inc"

authd_skip_unless caddy

port=$(free_port)
aport=$(free_port)
backend=$(free_port)

make_store
make_users
ten=$(add_user pk_ten --allow-from 10.1.2.3/32)
start_backend "$backend"
start_authd --listen "127.0.0.1:$aport" --proxy forwarded --trust-proxy \
    --log-success --realm "Test API"

C=$T/caddy
mkdir -p "$C/home" "$C/data" "$C/config"
{
	printf '{\n\tadmin off\n\tauto_https off\n}\n\n'
	sed -e "s|^api.example.com {|http://127.0.0.1:$port {|" \
	    -e "s|forward_auth 127.0.0.1:9180 {|forward_auth 127.0.0.1:$aport {|" \
	    -e "s|reverse_proxy 127.0.0.1:8080|reverse_proxy 127.0.0.1:$backend|" \
	    "$top/etc/caddy/Caddyfile"
} >"$C/Caddyfile"
for want in "http://127.0.0.1:$port {" "forward_auth 127.0.0.1:$aport {" \
    "reverse_proxy 127.0.0.1:$backend"; do
	if ! grep -qF "$want" "$C/Caddyfile"; then
		not_ok "the reference Caddyfile can be templated" \
		    "no '$want' after templating etc/caddy/Caddyfile"
		exit 1
	fi
done
# start_caddy CADDYFILE WHAT
start_caddy() {
	HOME=$C/home XDG_DATA_HOME=$C/data XDG_CONFIG_HOME=$C/config \
	    caddy run --config "$1" --adapter caddyfile >"$C/out" 2>&1 &
	caddy_pid=$!
	at_exit "kill $caddy_pid 2>/dev/null; wait $caddy_pid"
	if ! wait_http "http://127.0.0.1:$port/"; then
		not_ok "caddy starts" "$(tail -5 "$C/out")"
		exit 1
	fi
	ok "caddy starts with $2"
}
stop_caddy() {
	kill "$caddy_pid"
	wait "$caddy_pid" 2>/dev/null
}
# spoofing WHAT: the address headers a client sends through caddy choose
# neither what allow_from sees nor what the throttle counts.
spoofing() {
	check_eq "$1: a client's X-Real-IP does not meet allow_from" \
	    "$(code pk_ten "$ten" $ok_path -H 'X-Real-IP: 10.1.2.3')" 401
	check_eq "$1: nor its X-Forwarded-For" \
	    "$(code pk_ten "$ten" $ok_path -H 'X-Forwarded-For: 10.1.2.3')" 401
	check_eq "$1: 429 from the throttle reaches the client, whatever X-Real-IP it sends" \
	    "$(i=0; while [ $i -lt 25 ]; do code pk_nginx "$gone" $ok_path \
	    -H "X-Real-IP: 203.0.113.$i" -H "X-Forwarded-For: 198.51.100.$i"
	    echo; i=$((i + 1)); done | sort -u | tr '\n' ' ')" "401 429 "
}

start_caddy "$C/Caddyfile" "the reference Caddyfile"
BASE=http://127.0.0.1:$port
FAMILY_OTHER="-H X-Original-URI:/api/v1/appointments/1 -H X-Original-Method:GET"
story
spoofing "reference Caddyfile"
check_eq "the backend gets the client's X-Real-IP overwritten" \
    "$(code pk_nginx "$new" $ok_path -H 'X-Real-IP: 10.1.2.3' >/dev/null
    grep -o '"x-real-ip": "[^"]*"' "$T/body")" '"x-real-ip": "127.0.0.1"'
stop_caddy
stop_authd

# The same through a Caddyfile that does nothing about X-Real-IP.
start_authd --listen "127.0.0.1:$aport" --proxy forwarded --trust-proxy \
    --realm "Test API"
cat >"$C/Caddyfile.minimal" <<CONF
{
	admin off
	auto_https off
}

http://127.0.0.1:$port {
	forward_auth 127.0.0.1:$aport {
		uri /auth
		copy_headers X-Api-User X-Api-Profile
	}
	reverse_proxy 127.0.0.1:$backend
}
CONF
start_caddy "$C/Caddyfile.minimal" "a minimal Caddyfile"
check_eq "minimal Caddyfile: a good key gets 200" \
    "$(code pk_nginx "$new" $ok_path)" 200
spoofing "minimal Caddyfile"
stop_caddy
stop_authd
