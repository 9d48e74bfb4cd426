#!/bin/sh
# Caddy (Debian's) in front of a stub API, with cerbo-authd answering its
# forward_auth checks (--proxy forwarded); the site is the shipped
# etc/caddy/Caddyfile with only its site-specific values replaced.  Caddy
# runs with a private HOME and XDG folders and its admin endpoint off.
# Ports from 18200-18299, chosen at run time.
. "$(dirname "$0")/authd.inc"

authd_skip_unless caddy

port=$(free_port)
aport=$(free_port)
backend=$(free_port)

make_store
make_users
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
HOME=$C/home XDG_DATA_HOME=$C/data XDG_CONFIG_HOME=$C/config \
    caddy run --config "$C/Caddyfile" --adapter caddyfile \
    >"$C/out" 2>&1 &
caddy_pid=$!
at_exit "kill $caddy_pid; wait $caddy_pid"
if ! wait_http "http://127.0.0.1:$port/"; then
	not_ok "caddy starts" "$(tail -5 "$C/out")"
	exit 1
fi
ok "caddy starts with the reference Caddyfile"

BASE=http://127.0.0.1:$port
FAMILY_OTHER="-H X-Original-URI:/api/v1/appointments/1 -H X-Original-Method:GET"
story
check_eq "429 from the throttle reaches the client through caddy" \
    "$(i=0; while [ $i -lt 25 ]; do code pk_nginx "$gone" $ok_path; echo; i=$((i + 1)); done | sort -u | tr '\n' ' ')" "401 429 "
stop_authd
