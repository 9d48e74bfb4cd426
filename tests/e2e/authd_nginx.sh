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
secret=$(add_user pk_nginx)
gone=$(add_user pk_gone)
off=$(add_user pk_off)
old=$(add_user pk_old --expires 2020-01-01T00:00:00Z)
far=$(add_user pk_far --allow-from 192.0.2.0/24)

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

# code USER SECRET PATH [CURL ARGS]: the HTTP status; the credentials go
# to curl on standard input, never on its command line.  Headers in
# $T/headers, body in $T/body.
code() {
	_u=$1 _s=$2 _p=$3
	shift 3
	printf 'user = "%s:%s"\n' "$_u" "$_s" |
	    curl -sk -K - -D "$T/headers" -o "$T/body" -w '%{http_code}' "$@" \
	    "https://127.0.0.1:$port$_p"
}
ok_path=/api/v1/appointments/42
# reached PATH-FRAGMENT: did the backend get a request with it?
reached() { grep -qF -- "$1" "$T/backend.log"; }

check_eq "good key: 200" "$(code pk_nginx "$secret" $ok_path)" 200
body=$(cat "$T/body")
check_contains "the backend gets X-Api-User" "$body" '"x-api-user": "pk_nginx"'
check_contains "the backend gets X-Api-Profile" "$body" \
    '"x-api-profile": "scheduling"'
check_lacks "the backend never gets the Authorization header" "$body" \
    '"authorization"'
check_eq "no key: 401" \
    "$(curl -sk -D "$T/headers" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port$ok_path")" 401
check_contains "401 carries WWW-Authenticate with the realm" \
    "$(cat "$T/headers")" 'WWW-Authenticate: Basic realm="Test API"'
check_eq "wrong key: 401" "$(code pk_nginx "$gone" $ok_path)" 401
body_wrong=$(cat "$T/body")
check_contains "wrong key: WWW-Authenticate" "$(cat "$T/headers")" \
    'WWW-Authenticate: Basic'
check_eq "unknown user: 401" "$(code pk_nobody "$secret" $ok_path)" 401
check_eq "unknown user: the same body as a wrong key" "$(cat "$T/body")" \
    "$body_wrong"
"$APIUSER" edit pk_off --store "$ST" --disable --quiet >/dev/null
check_eq "disabled user: 401" "$(code pk_off "$off" $ok_path)" 401
check_eq "disabled user: the same body" "$(cat "$T/body")" "$body_wrong"
check_eq "expired user: 401" "$(code pk_old "$old" $ok_path)" 401
check_eq "user outside allow_from: 401" "$(code pk_far "$far" $ok_path)" 401
check_eq "malformed Authorization: 401" \
    "$(curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Basic !!!' "https://127.0.0.1:$port$ok_path")" 401
check_eq "query string allowed by the profile: 200" \
    "$(code pk_nginx "$secret" "$ok_path?page=2")" 200
check_eq "POST allowed by the profile: 200" \
    "$(code pk_nginx "$secret" /api/v1/appointments -X POST -d x=1)" 200

: >"$T/backend.log"
check_eq "endpoint outside the profile: 403" \
    "$(code pk_nginx "$secret" /api/v1/patients/1)" 403
check_eq "method denied by the profile (DELETE): 403" \
    "$(code pk_nginx "$secret" $ok_path -X DELETE)" 403
check_eq "a valid key with another family's headers: 403" \
    "$(code pk_nginx "$secret" $ok_path -H 'X-Forwarded-Uri: /api/v1/appointments/1' -H 'X-Forwarded-Method: GET')" 403
for p in /api/v1/appointments/%2e%2e/patients/1 \
    /api/v1/appointments/%2E%2E/patients/1 \
    /api/v1/appointments%2f..%2fpatients/1 \
    /api/v1/appointments/../patients/1 \
    /api//v1/appointments/42 \
    "/api/v1/appointments/42;x=1"; do
	got=$(code pk_nginx "$secret" "$p" --path-as-is)
	case "$got" in
	400 | 403) ok "raw-path bypass $p: $got" ;;
	*) not_ok "raw-path bypass $p: 403 or 400" "got $got" ;;
	esac
done
got=$(code pk_nginx "$secret" $ok_path \
    --request-target "http://127.0.0.1:$port/api/v1/patients/1")
case "$got" in
400 | 403) ok "absolute-form request target: $got" ;;
*) not_ok "absolute-form request target: 403 or 400" "got $got" ;;
esac
check_eq "no refused request reached the backend" \
    "$(cat "$T/backend.log")" ""
check_eq "X-HTTP-Method-Override never reaches the backend" \
    "$(code pk_nginx "$secret" /api/v1/appointments -X POST -d x=1 \
    -H 'X-HTTP-Method-Override: DELETE' -H 'X-Method-Override: DELETE' \
    -H 'X-HTTP-Method: DELETE' && grep -c -i 'method-override\|x-http-method' "$T/body")" "2000"

"$APIUSER" edit pk_nginx --store "$ST" --disable --quiet >/dev/null
check_eq "disabled by the tools while authd runs: 401" \
    "$(code pk_nginx "$secret" $ok_path)" 401
"$APIUSER" edit pk_nginx --store "$ST" --enable --quiet >/dev/null
check_eq "enabled again: 200 on the next request" \
    "$(code pk_nginx "$secret" $ok_path)" 200
check_eq "user about to be deleted: 200" "$(code pk_gone "$gone" $ok_path)" 200
"$APIUSER" delete pk_gone --store "$ST" --yes --quiet >/dev/null
check_eq "deleted user: 401" "$(code pk_gone "$gone" $ok_path)" 401
new=$("$APIUSER" rotate pk_nginx --store "$ST" --quiet)
check_eq "rotated: the old key gets 401" "$(code pk_nginx "$secret" $ok_path)" 401
check_eq "rotated: the new key gets 200" "$(code pk_nginx "$new" $ok_path)" 200

chmod 0600 "$ST"
check_eq "store unreadable by the daemon: 500" "$(code pk_nginx "$new" $ok_path)" 500
check_eq "store unreadable: 500 again, never 200" \
    "$(code pk_nginx "$new" $ok_path)" 500
check_eq "store unreadable: /healthz is 503" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/healthz")" 503
chmod 0640 "$ST"
check_eq "store readable again: 200" "$(code pk_nginx "$new" $ok_path)" 200
check_eq "store readable: /healthz is 200" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/healthz")" 200
cp "$ST" "$T/store.good"
printf 'cerbo_store: 1\nusers: [broken\n' >"$ST"
check_eq "broken store: 500" "$(code pk_nginx "$new" $ok_path)" 500
cp "$T/store.good" "$ST"
check_eq "store repaired: 200" "$(code pk_nginx "$new" $ok_path)" 200

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
check_eq "the throttled client gets 429 even with a good key" \
    "$(code pk_nginx "$new" $ok_path)" 429
stop_authd
