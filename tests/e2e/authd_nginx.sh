#!/bin/sh
# nginx (Debian's, auth_request) in front of a stub API, with cerbo-authd
# answering the checks; the server block is the shipped
# etc/nginx/cerbo-authd.conf with only its site-specific values replaced.
# Driven with curl.  Ports from 18200-18299, chosen at run time.
. "$(dirname "$0")/authd.inc"

authd_skip_unless nginx openssl

port=$(free_port)
aport=$(free_port)
backend=$(free_port)

make_store
make_users

start_backend "$backend"
start_authd --listen "127.0.0.1:$aport" --trust-proxy --log-success \
    --realm "Test API"

N=$T/nginx
mkdir -p "$N/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$N/key.pem" -out "$N/cert.pem" -days 1 -subj /CN=127.0.0.1 \
    2>/dev/null
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$port ssl;|" \
    -e "s|/etc/ssl/certs/api.example.com.pem|$N/cert.pem|" \
    -e "s|/etc/ssl/private/api.example.com.key|$N/key.pem|" \
    -e "s|server 127.0.0.1:9180;|server 127.0.0.1:$aport;|" \
    -e "s|proxy_pass http://127.0.0.1:8080;|proxy_pass http://127.0.0.1:$backend;|" \
    "$top/etc/nginx/cerbo-authd.conf" >"$N/site.conf"
for want in "127.0.0.1:$port ssl" "$N/cert.pem" "$N/key.pem" \
    "server 127.0.0.1:$aport;" "127.0.0.1:$backend;"; do
	if ! grep -q "$want" "$N/site.conf"; then
		not_ok "the reference configuration can be templated" \
		    "no '$want' after templating etc/nginx/cerbo-authd.conf"
		exit 1
	fi
done
cat >"$N/nginx.conf" <<CONF
user www-data;
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log info;
events { worker_connections 256; }
http {
	access_log $N/access.log;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	include $N/site.conf;
}
CONF
nginx -p "$N/" -e "$N/error.log" -c "$N/nginx.conf" >"$N/stderr" 2>&1 &
nginx_pid=$!
at_exit "kill -QUIT $nginx_pid; wait $nginx_pid"
if ! wait_http "https://127.0.0.1:$port/" -k; then
	not_ok "nginx starts" "$(cat "$N/stderr" "$N/error.log" 2>/dev/null | tail -5)"
	exit 1
fi
ok "nginx starts with the reference server block"

BASE=https://127.0.0.1:$port
FAMILY_OTHER="-H X-Forwarded-Uri:/api/v1/appointments/1 -H X-Forwarded-Method:GET"
story
sleep 0.3
log=$(cat "$T/authd.log")
check_contains "a refusal is logged with its reason and address" "$log" \
    "refused (403) from 127.0.0.1: user pk_nginx forbidden by profile scheduling"
check_contains "--log-success logs an allowed check" "$log" \
    "allowed from 127.0.0.1: user pk_nginx allowed by profile scheduling"
check_contains "the store error is logged" "$log" "cannot use the store"
check_eq "identical store errors are logged once per 10 s" \
    "$(grep 'cannot use the store (reading' "$T/authd.log" |
    grep -c 'ermission denied')" 1
check_eq "secret typed as the username: 401" \
    "$(code "$secret" "$secret" $ok_path)" 401
sleep 0.3
check_contains "a username that is not a pk_ name is not logged" \
    "$(tail -1 "$T/authd.log")" "not a valid username"
for s in "$secret" "$new" "$off" "$old" "$gone"; do
	check_lacks "no log line holds a key" "$(cat "$T/authd.log")" "$s"
done
check_lacks "no log line holds a hash" "$(cat "$T/authd.log")" '$cerbo-b2b$'

# The throttle, last: it spends this client's failures.
urls=
i=0
while [ $i -lt 30 ]; do
	urls="$urls -o /dev/null https://127.0.0.1:$port$ok_path"
	i=$((i + 1))
done
# shellcheck disable=SC2086
codes=$(printf 'user = "pk_nginx:%s"\n' "$gone" | curl -sk -K - -w '%{http_code}\n' $urls)
check_contains "20 failures a minute, then 429 through nginx" "$codes" 429
check_eq "the throttled client gets 429 for a wrong key" \
    "$(code pk_nginx "$gone" $ok_path)" 429
check_eq "... and 200 for a valid generated key" \
    "$(code pk_nginx "$new" $ok_path)" 200
check_eq "... a client's own X-Real-IP or X-Forwarded-For does not free it" \
    "$(code pk_nginx "$gone" $ok_path -H 'X-Real-IP: 203.0.113.9' \
    -H 'X-Forwarded-For: 203.0.113.9')" 429
stop_authd
