#!/bin/sh
# nginx with ngx_http_auth_pam_module and pam_cerbo.so in front of a stub
# API, driven with curl.  nginx runs on 127.0.0.1 (two free ports picked
# in 18100-18199 at start), in the foreground, from a temporary prefix, with its workers as www-data,
# and the server block is the shipped etc/nginx/cerbo-api.conf with only its
# site-specific values replaced.
#
# What it installs, and removes on exit (or, if it is killed, the next test
# that starts does: sys_undo in lib.sh): the PAM service
# /etc/pam.d/cerbo-nginx-PID, the group "cerbo" (only if missing) and
# www-data's membership of it (only if missing).  The module and the store
# live in the test's temporary folder: the module is copied there because
# www-data may not be able to enter the build folder.
#
# The module logs through syslog.  To read its lines without touching the
# system's logger, the test runs its own listener: when /dev/log belongs to
# a running logger, nginx runs in a private mount namespace where the
# listener's socket is bind-mounted over /dev/log (the system's logger
# keeps its socket); when there is no /dev/log at all, the listener takes
# that path until the test ends.  Needs root.
# cerbo-test: system
. "$(dirname "$0")/lib.sh"

top=${CERBO_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
svc=cerbo-nginx-$$
authpam=/usr/lib/nginx/modules/ngx_http_auth_pam_module.so

need_root "PAM service in /etc/pam.d, nginx workers as www-data"
for cmd in nginx curl openssl groupadd gpasswd python3; do
	command -v "$cmd" >/dev/null 2>&1 ||
	    skip_all "$cmd is not installed (tests/deps.sh test)"
done
[ -f "$authpam" ] || skip_all "libnginx-mod-http-auth-pam is not installed"
if ! ports=$(free_ports 18100 18199 2); then
	not_ok "two free ports in 18100-18199" "$ports"
	exit 1
fi
set -- $ports
port=$1 backend=$2
echo "# nginx on 127.0.0.1:$port, the stub API on 127.0.0.1:$backend"

# ---- the group the daemon reads the store through --------------------
if ! getent group cerbo >/dev/null; then
	sys_undo "groupdel cerbo"
	groupadd --system cerbo
fi
if ! id -nG www-data | tr ' ' '\n' | grep -qx cerbo; then
	sys_undo "gpasswd -d www-data cerbo"
	gpasswd -a www-data cerbo >/dev/null
fi

# ---- store (root:cerbo 0640 in a folder root:cerbo 0750) and module ---
store=$T/store/apiusers.yaml
install -d -o root -g cerbo -m 0750 "$T/store"
"$APIUSER" apply --store "$store" --quiet - <<'EOF' >/dev/null
profiles:
  - name: scheduling
    description: Scheduling integration
    allow: [GET /api/v1/appointments/**, POST /api/v1/appointments]
    deny: [DELETE /**, GET /api/v1/appointments/keys/**]
EOF
add_user() {
	"$APIUSER" add --store "$store" --username "$1" --nickname "Test $1" \
	    --profile scheduling --email ops@example.com \
	    --description "nginx test" --acknowledge --quiet
}
secret=$(add_user pk_nginx)
gone=$(add_user pk_gone)
check_eq "the tools made the store root:cerbo 0640" \
    "$(stat -c '%U:%G %a' "$store")" "root:cerbo 640"

install -d -m 0755 "$T/lib"
install -m 0644 "$MODULE" "$T/lib/pam_cerbo.so"
sys_undo "rm -f /etc/pam.d/$svc"
cat >"/etc/pam.d/$svc" <<EOF
auth     required  $T/lib/pam_cerbo.so store=$store log_success
account  required  $T/lib/pam_cerbo.so store=$store log_success
EOF

# ---- a syslog listener for the module's lines ------------------------
log=$T/syslog.txt
: >"$log"
# The listener writes its own pid: "python3" may be a wrapper script.
listen_log() {
	"$py" -c '
import os, socket, sys
path, out, pidfile = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
f = open(out, "ab", buffering=0)
with open(pidfile + ".tmp", "w") as p:
    p.write("%d\n" % os.getpid())
os.rename(pidfile + ".tmp", pidfile)
while True:
    f.write(s.recv(65536).rstrip(b"\n") + b"\n")
' "$1" "$log" "$T/listener.pid" </dev/null >/dev/null 2>&1 &
	wait_until 5 '[ -s "$T/listener.pid" ]'
	at_exit "kill $(cat "$T/listener.pid" 2>/dev/null || echo $!)"
	logsock=$1
}
# log_sync: returns once every line the module has logged so far is in
# $log.  Datagrams on one socket arrive in order, so a mark sent now is
# written after them.
log_sync() {
	_mark="cerbo-test-mark-$$-$_n"
	logger -d -u "$logsock" "$_mark" 2>/dev/null &&
	    wait_until 10 'grep -qF "$_mark" "$log"'
}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 2>/dev/null)
logmode=none
if [ -z "$py" ]; then
	logmode=none
elif [ -e /dev/log ] || [ -L /dev/log ]; then
	if unshare --mount --propagation private true 2>/dev/null; then
		logmode=namespace
		listen_log "$T/log.sock"
	fi
else
	logmode=devlog
	listen_log /dev/log
	at_exit "rm -f /dev/log"
fi
echo "# module log capture: $logmode"

# ---- nginx ----------------------------------------------------------------
N=$T/nginx
mkdir -p "$N/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$N/key.pem" -out "$N/cert.pem" -days 1 -subj /CN=127.0.0.1 \
    2>/dev/null
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$port ssl;|" \
    -e "s|/etc/ssl/certs/api.example.com.pem|$N/cert.pem|" \
    -e "s|/etc/ssl/private/api.example.com.key|$N/key.pem|" \
    -e "s|auth_pam_service_name cerbo-api;|auth_pam_service_name $svc;|" \
    -e "s|proxy_pass http://127.0.0.1:8080;|proxy_pass http://127.0.0.1:$backend;|" \
    "$top/etc/nginx/cerbo-api.conf" >"$N/cerbo-api.conf"
for want in "127.0.0.1:$port ssl" "$N/cert.pem" "$N/key.pem" "name $svc;" \
    "127.0.0.1:$backend;"; do
	if ! grep -q "$want" "$N/cerbo-api.conf"; then
		not_ok "the reference configuration can be templated" \
		    "no '$want' after templating etc/nginx/cerbo-api.conf"
		exit 1
	fi
done
cat >"$N/nginx.conf" <<EOF
user www-data;
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log info;
load_module $authpam;
events { worker_connections 64; }
http {
	access_log $N/access.log;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;

	include $N/cerbo-api.conf;

	# Every request the stub API receives, with the user it was given.
	log_format backend '\$request user=\$http_x_api_user';

	# The stub API: says which path and user it was given, whether an
	# Authorization header reached it, and any method-override header.
	server {
		listen 127.0.0.1:$backend;
		access_log $N/backend.log backend;
		location / {
			default_type application/json;
			return 200 '{"path":"\$uri","api_user":"\$http_x_api_user","authorization":"\$http_authorization","override":"\$http_x_http_method_override|\$http_x_method_override|\$http_x_http_method"}\n';
		}
	}
}
EOF
if [ "$logmode" = namespace ]; then
	unshare --mount --propagation private sh -c \
	    'mount --bind "$1" /dev/log && shift && exec "$@"' sh \
	    "$T/log.sock" nginx -p "$N/" -e "$N/error.log" -c "$N/nginx.conf" \
	    >"$N/stderr" 2>&1 &
else
	nginx -p "$N/" -e "$N/error.log" -c "$N/nginx.conf" >"$N/stderr" 2>&1 &
fi
nginx_pid=$!
at_exit "kill -QUIT $nginx_pid; wait $nginx_pid"
if ! wait_until 10 'curl -sk -o /dev/null "https://127.0.0.1:$port/" ||
    ! kill -0 "$nginx_pid" 2>/dev/null' || ! kill -0 "$nginx_pid" 2>/dev/null; then
	not_ok "nginx starts" "$(cat "$N/stderr" "$N/error.log" 2>/dev/null | tail -5)"
	exit 1
fi
ok "nginx starts with the reference server block"

# ---- requests ---------------------------------------------------------------
# code USER SECRET PATH [CURL ARGS]: the HTTP status; the credentials go to
# curl on standard input, never on its command line.
code() {
	_u=$1 _s=$2 _p=$3
	shift 3
	printf 'user = "%s:%s"\n' "$_u" "$_s" |
	    curl -sk -K - -o "$T/body" -w '%{http_code}' "$@" \
	    "https://127.0.0.1:$port$_p"
}
ok_path=/api/v1/appointments/42
# mlog: this test's module lines (other programs may log to the listener).
mlog() { grep -F "pam_cerbo($svc:" "$log"; }

check_eq "good credentials: 200" "$(code pk_nginx "$secret" $ok_path)" 200
body=$(cat "$T/body")
check_contains "the backend gets the API user" "$body" '"api_user":"pk_nginx"'
check_contains "the backend never gets the Authorization header" "$body" \
    '"authorization":""'
check_eq "no credentials: 401" \
    "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port$ok_path")" 401
check_eq "bad secret: 401" "$(code pk_nginx "$gone" $ok_path)" 401
check_eq "unknown user: 401" "$(code pk_nobody "$secret" $ok_path)" 401
check_eq "method-override headers: the request still passes: 200" \
    "$(code pk_nginx "$secret" $ok_path -H 'X-HTTP-Method-Override: DELETE' \
    -H 'X-Method-Override: DELETE' -H 'X-HTTP-Method: DELETE')" 200
check_contains "the backend gets no method-override header" \
    "$(cat "$T/body")" '"override":"||"'

# A username that is not a clean pk_ name: PAM would see it only up to the
# NUL, the backend would get every byte.  The header goes to curl from a
# file, never on its command line.
seen=$(wc -l <"$N/backend.log")
printf 'pk_nginx\000\r\n<junk>:%s' "$secret" | base64 -w0 |
    sed 's/^/Authorization: Basic /' >"$T/hdr"
check_eq "username with NUL, CR, LF and more: 401" \
    "$(curl -sk -o /dev/null -w '%{http_code}' -H "@$T/hdr" \
    "https://127.0.0.1:$port$ok_path")" 401
printf 'pk_nginx\n:%s' "$secret" | base64 -w0 |
    sed 's/^/Authorization: Basic /' >"$T/hdr"
check_eq "username with a final newline: 401" \
    "$(curl -sk -o /dev/null -w '%{http_code}' -H "@$T/hdr" \
    "https://127.0.0.1:$port$ok_path")" 401
rm -f "$T/hdr"
check_eq "the backend never saw those requests" \
    "$(wc -l <"$N/backend.log")" "$seen"
check_eq "query string allowed by the profile: 200" \
    "$(code pk_nginx "$secret" "$ok_path?page=2")" 200

check_eq "endpoint outside the profile: 401" \
    "$(code pk_nginx "$secret" /api/v1/patients/1)" 401
check_eq "method denied by the profile (DELETE): 401" \
    "$(code pk_nginx "$secret" $ok_path -X DELETE)" 401
if [ "$logmode" = none ]; then
	skip "no way to capture syslog here (python3 or unshare missing)"
else
	log_sync
	line=$(mlog | grep 'GET /api/v1/patients/1' | tail -1)
	check_contains "the module's log line says forbidden" "$line" forbidden
	check_contains "the module's log line names the profile" "$line" scheduling
	check_contains "log_success logs an allowed request" \
	    "$(mlog | grep 'account: allowed from 127.0.0.1' | head -1)" \
	    "user pk_nginx allowed by profile scheduling"
	log_sync
	before=$(mlog | wc -l)
	check_eq "secret typed as the username: 401" \
	    "$(code "$secret" "$secret" $ok_path)" 401
	log_sync
	check_eq "a username that is not a pk_ name never reaches PAM" \
	    "$(mlog | wc -l)" "$before"
	check_lacks "no log line holds a secret" "$(cat "$log")" "$secret"
fi

seen=$(wc -l <"$N/backend.log")
for p in /api/v1/appointments/%2e%2e/patients/1 \
    /api/v1/appointments/%2E%2E/patients/1 \
    /api/v1/appointments%2f..%2fpatients/1 \
    /api/v1/appointments/../patients/1 \
    /api//v1/appointments/42 \
    "/api/v1/appointments/42;x=1" \
    /api/v1/appointments/keys.json /api/v1/appointments/Keys.XML/1 \
    /api/v1/appointments/%E2%84%AAeys/1 \
    /api/v1/appointments/key%C5%BF/1 \
    /api/v1/appointments/%EF%BD%8Beys/1 \
    "$(printf '/api/v1/appointments/\342\204\252eys/1')"; do
	check_eq "raw-path bypass $p: 401" \
	    "$(code pk_nginx "$secret" "$p" --path-as-is)" 401
done
for p in "/api/v1/appointments?_method=DELETE" \
    "/api/v1/appointments?x=1&%5F%4DETHOD=DELETE"; do
	check_eq "method override in the query $p: 401" \
	    "$(code pk_nginx "$secret" "$p" -X POST -d x=1)" 401
done
check_eq "the backend never saw the refused forms" \
    "$(wc -l <"$N/backend.log")" "$seen"
check_eq "absolute-form request target: 401" \
    "$(code pk_nginx "$secret" $ok_path \
    --request-target "http://127.0.0.1:$port/api/v1/patients/1")" 401

"$APIUSER" edit pk_nginx --store "$store" --disable --quiet >/dev/null
check_eq "disabled by the tools while nginx runs: 401" \
    "$(code pk_nginx "$secret" $ok_path)" 401
"$APIUSER" edit pk_nginx --store "$store" --enable --quiet >/dev/null
check_eq "enabled again: 200 on the next request" \
    "$(code pk_nginx "$secret" $ok_path)" 200

check_eq "user about to be deleted: 200" "$(code pk_gone "$gone" $ok_path)" 200
"$APIUSER" delete pk_gone --store "$store" --yes --quiet >/dev/null
check_eq "deleted user: 401" "$(code pk_gone "$gone" $ok_path)" 401

new=$("$APIUSER" rotate pk_nginx --store "$store" --quiet)
check_eq "rotated: the old secret gets 401" \
    "$(code pk_nginx "$secret" $ok_path)" 401
check_eq "rotated: the new secret gets 200" \
    "$(code pk_nginx "$new" $ok_path)" 200

chmod 0600 "$store"
check_eq "store unreadable by www-data (0600): 401" \
    "$(code pk_nginx "$new" $ok_path)" 401
check_eq "store unreadable: 401 again" "$(code pk_nginx "$new" $ok_path)" 401
check_eq "store unreadable: 401 a third time" \
    "$(code pk_nginx "$new" $ok_path)" 401
if [ "$logmode" != none ]; then
	log_sync
	check_contains "the module logs the store error" \
	    "$(mlog | grep "cannot use the store" | tail -1)" "$store"
	check_eq "identical store errors are logged once per 10 s" \
	    "$(mlog | grep -c "cannot use the store")" 1
fi
chmod 0640 "$store"
check_eq "store readable again: 200" "$(code pk_nginx "$new" $ok_path)" 200

newer=$("$APIUSER" rotate pk_nginx --store "$store" --grace 1h --quiet)
check_eq "rotated with a grace period: the new key gets 200" \
    "$(code pk_nginx "$newer" $ok_path)" 200
check_eq "rotated with a grace period: the old key still gets 200" \
    "$(code pk_nginx "$new" $ok_path)" 200
if [ "$logmode" != none ]; then
	log_sync
	check_contains "the use of an old key is logged" \
	    "$(mlog | grep 'authenticated with its old key' | tail -1)" \
	    "auth: pk_nginx authenticated with its old key"
fi
"$APIUSER" rotate pk_nginx --store "$store" --finish --quiet >/dev/null
check_eq "grace period ended: the old key gets 401" \
    "$(code pk_nginx "$new" $ok_path)" 401
new=$newer

check_eq "HTTP/1.0 without Host, with Authorization: 400" \
    "$(code pk_nginx "$new" $ok_path --http1.0 -H 'Host:')" 400
check_eq "the worker survives: the next request gets 200" \
    "$(code pk_nginx "$new" $ok_path)" 200
check_lacks "no worker exited on a signal" "$(cat "$N/error.log")" \
    "exited on signal"

# limit_req last: it spends the client's burst.
urls=
i=0
while [ $i -lt 120 ]; do
	urls="$urls -o /dev/null https://127.0.0.1:$port$ok_path"
	i=$((i + 1))
done
# shellcheck disable=SC2086
codes=$(curl -sk -w '%{http_code}\n' $urls)
check_contains "a burst of guesses meets limit_req (429)" "$codes" 429
