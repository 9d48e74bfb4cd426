#!/bin/sh
# cerbo-authd demo: nginx auth_request + cerbo-authd protecting a toy API on
# this machine (127.0.0.1 only), with real requests and their answers; the
# same story as demo.sh, through the forward-auth server instead of PAM,
# where a valid key used outside its profile gets 403.
#
#   etc/demo/demo-authd.sh     set up, show, then remove everything
#
# Needs root on Debian 12: it installs missing packages (tests/deps.sh
# demo), builds into build/, and places, only for as long as it runs:
#   /run/cerbo-demo-authd/   the store (root:cerbo 0640 in a root:cerbo 0750
#                            folder), nginx's files, cerbo-authd's log
#   the group "cerbo" and www-data's membership of it (only if missing)
# cerbo-authd runs as www-data, in the group cerbo.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
D=/run/cerbo-demo-authd
PORT=18244
BACKEND=18281
AUTHD_PORT=18280
export CERBO_STORE=$D/apiusers.yaml
BUILD=$top/build
USER_NAME=pk_demo_scheduling

case "${1:-}" in
"") ;;
-h | --help)
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "usage: $0" >&2
	exit 2
	;;
esac

. "$top/etc/demo/demo.inc"

created_group=0
added_member=0
nginx_pid=
authd_pid=
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null
	[ -n "$authd_pid" ] && kill -TERM "$authd_pid" 2>/dev/null
	sleep 0.3
	rm -rf "$D"
	[ "$added_member" = 1 ] && gpasswd -d www-data cerbo >/dev/null 2>&1
	[ "$created_group" = 1 ] && groupdel cerbo 2>/dev/null
}

[ "$(id -u)" -eq 0 ] || die "run it as root (it starts nginx and cerbo-authd)"
[ -e "$D" ] && die "$D exists: is another demo running?"

cat <<EOF
${B_}cerbo-authd demo${N_}

cerbo-authd answers the auth subrequests of a reverse proxy: may this API
user, with this secret key, make this request?  Here nginx protects a toy
HTTP API with auth_request; cerbo-authd checks each request against a YAML
store that you manage with cerbo-profile and cerbo-apiuser.

Everything runs on 127.0.0.1 and is removed at the end (also on Ctrl-C).
EOF

step "Install what is missing (Debian packages) and build"
say "$ tests/deps.sh demo && make"
"$top/tests/deps.sh" demo || die "could not install the packages above"
log=$(mktemp /tmp/cerbo-demo-build.XXXXXX)
if ! make -C "$top" all >"$log" 2>&1; then
	tail -20 "$log" >&2
	rm -f "$log"
	die "the build failed (see above)"
fi
rm -f "$log"
PATH=$BUILD:$PATH
export PATH
for p in $PORT $BACKEND $AUTHD_PORT; do
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" &&
	    die "something already listens on 127.0.0.1:$p"
done

trap cleanup EXIT
trap 'exit 130' INT TERM HUP

step "A store cerbo-authd (user www-data, group cerbo) can read"
if ! getent group cerbo >/dev/null; then
	groupadd --system cerbo || die "groupadd failed"
	created_group=1
fi
if ! id -nG www-data | tr ' ' '\n' | grep -qx cerbo; then
	gpasswd -a www-data cerbo >/dev/null || die "gpasswd failed"
	added_member=1
fi
install -d -o root -g cerbo -m 0750 "$D" || die "cannot create $D"
say "$ install -d -o root -g cerbo -m 0750 $D"
show cerbo-profile add scheduling --description "Scheduling integration" \
    --allow "GET /api/v1/appointments/**" --allow "POST /api/v1/appointments" \
    --deny "DELETE /**"
SECRET=$(cerbo-apiuser add --username "$USER_NAME" \
    --nickname "Booking site sync" --profile scheduling \
    --email ops@example.com \
    --description "Syncs appointments with the booking site" \
    --acknowledge --quiet) || die "cerbo-apiuser add failed"
say "$ cerbo-apiuser add --username $USER_NAME ... --quiet"
say "  $SECRET"

step "cerbo-authd and nginx"
setpriv --reuid=www-data --regid=www-data --init-groups \
    "$BUILD/cerbo-authd" --store "$CERBO_STORE" \
    --listen "127.0.0.1:$AUTHD_PORT" --trust-proxy --stderr \
    >"$D/authd.log" 2>&1 &
authd_pid=$!
say "$ cerbo-authd --store $CERBO_STORE --listen 127.0.0.1:$AUTHD_PORT --trust-proxy"
N=$D/nginx
mkdir -p "$N/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$N/key.pem" -out "$N/cert.pem" -days 1 -subj /CN=127.0.0.1 \
    >/dev/null 2>&1 || die "openssl could not make a certificate"
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$PORT ssl;|" \
    -e "s|server_name api.example.com;|server_name 127.0.0.1;|" \
    -e "s|/etc/ssl/certs/api.example.com.pem|$N/cert.pem|" \
    -e "s|/etc/ssl/private/api.example.com.key|$N/key.pem|" \
    -e "s|server 127.0.0.1:9180;|server 127.0.0.1:$AUTHD_PORT;|" \
    -e "s|proxy_pass http://127.0.0.1:8080;|proxy_pass http://127.0.0.1:$BACKEND;|" \
    "$top/etc/nginx/cerbo-authd.conf" >"$N/site.conf"
printf '%s\n' "user www-data;" "worker_processes 1;" "daemon off;" \
    "pid $N/nginx.pid;" "error_log $N/error.log;" \
    "events { worker_connections 64; }" "http {" \
    "	access_log $N/access.log;" \
    "	client_body_temp_path $N/tmp/body;" \
    "	proxy_temp_path $N/tmp/proxy;" \
    "	fastcgi_temp_path $N/tmp/fastcgi;" \
    "	uwsgi_temp_path $N/tmp/uwsgi;" \
    "	scgi_temp_path $N/tmp/scgi;" \
    "	include $N/site.conf;" \
    "	server {" \
    "		listen 127.0.0.1:$BACKEND;" \
    "		default_type application/json;" \
    "		location / { return 200 '{\"path\":\"\$uri\",\"seen_by_backend\":{\"user\":\"\$http_x_api_user\",\"authorization\":\"\$http_authorization\"}}\\n'; }" \
    "	}" "}" >"$N/nginx.conf"
setsid nginx -p "$N/" -e "$N/error.log" -c "$N/nginx.conf" \
    </dev/null >"$N/stderr" 2>&1 &
nginx_pid=$!
i=0
until curl -sk -o /dev/null "https://127.0.0.1:$PORT/" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 50 ] || { tail -5 "$N/stderr" "$N/error.log" >&2; die "nginx did not start"; }
say "nginx listens on https://127.0.0.1:$PORT with etc/nginx/cerbo-authd.conf:"
say "auth_request to cerbo-authd over a keepalive upstream, the Authorization"
say "and method-override headers removed before the backend."

request() {
	_user=$1 _secret=$2 _shown=$3 _path=$4
	shift 4
	printf '%s$ curl -sk %s-u "%s:%s" https://127.0.0.1:%s%s%s\n' \
	    "$B_" "${*:+$* }" "$_user" "$_shown" "$PORT" "$_path" "$N_"
	_code=$(printf 'user = "%s:%s"\n' "$_user" "$_secret" |
	    curl -sk -K - -o "$D/body" -w '%{http_code}' --path-as-is "$@" \
	    "https://127.0.0.1:$PORT$_path")
	case "$_code" in
	200) printf '  -> 200 OK: %s\n' "$(tr -d '\n' <"$D/body")" ;;
	401) printf '  -> 401 Unauthorized\n' ;;
	403) printf '  -> 403 Forbidden\n' ;;
	*) printf '  -> %s\n' "$_code" ;;
	esac
}
why() {
	sleep 0.2
	printf '  cerbo-authd logged: %s\n' "$(tail -1 "$D/authd.log" | sed 's/^cerbo-authd: //')"
}

step "Requests"
request "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/42
say "The backend got the API user's name and no Authorization header."
request "$USER_NAME" "cerbo_sk_wrong" "cerbo_sk_wrong" /api/v1/appointments/42
why
say ""
say "A valid key outside its profile: 403, not 401, so the client knows its"
say "key works and the request is what is refused."
request "$USER_NAME" "$SECRET" '$SECRET' /api/v1/patients/7
why
request "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/42 -X DELETE
why
say "A path that nginx would serve as another one:"
request "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/%2e%2e/patients/7
why

step "Tool edits apply to the next request"
show cerbo-apiuser edit "$USER_NAME" --disable --quiet
request "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/42
why
show cerbo-apiuser edit "$USER_NAME" --enable --quiet
request "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/42

step "Clean up"
cleanup
say "Stopped nginx and cerbo-authd; removed $D and what the demo added to"
say "the system.  Packages installed with apt stay installed."
