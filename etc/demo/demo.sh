#!/bin/sh
# pam_cerbo demo: nginx + PAM + pam_cerbo protecting a toy API on this
# machine (127.0.0.1 only), with real requests and their answers.
#
#   etc/demo/demo.sh           set up, show, then remove everything
#   etc/demo/demo.sh --serve   set up and leave it running to try by hand
#   etc/demo/demo.sh --stop    stop a --serve demo and remove everything
#
# Needs root on Debian 12: it installs missing packages (tests/deps.sh
# demo), builds into build/, and places, only for as long as it runs:
#   /run/cerbo-demo/         the store (root:cerbo 0640 in a root:cerbo 0750
#                            folder), a copy of the module, nginx's files
#   /etc/pam.d/cerbo-demo    the PAM service nginx asks
#   the group "cerbo" and www-data's membership of it (only if missing)
#   /dev/log                 only if no system logger has it: a listener
#                            that keeps the module's log lines for the demo
# Packages installed with apt stay installed.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
D=/run/cerbo-demo
STATE=$D/demo.state
PAMFILE=/etc/pam.d/cerbo-demo
# The ports: these when free, else free ones picked at start.
PORT=18443
BACKEND=18080
AUTHPAM=/usr/lib/nginx/modules/ngx_http_auth_pam_module.so
export CERBO_STORE=$D/apiusers.yaml
BUILD=$top/build
USER_NAME=pk_demo_scheduling

mode=run
case "${1:-}" in
"") ;;
--serve) mode=serve ;;
--stop) mode=stop ;;
-h | --help)
	sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "usage: $0 [--serve | --stop]" >&2
	exit 2
	;;
esac

. "$top/etc/demo/demo.inc"

# ---- cleanup: everything the demo placed goes ---------------------------

# Read what an earlier setup recorded (group created, member added, ...).
created_group=0
added_member=0
took_devlog=0
listener_pid=
read_state() {
	[ -f "$STATE" ] || return 0
	while IFS='=' read -r k v; do
		case "$k" in
		created_group) created_group=$v ;;
		added_member) added_member=$v ;;
		took_devlog) took_devlog=$v ;;
		esac
	done <"$STATE"
}
record() {
	printf '%s=%s\n' "$1" "$2" >>"$STATE"
}

cleanup() {
	trap - EXIT INT TERM HUP
	read_state
	if [ -f "$D/nginx/nginx.pid" ]; then
		pid=$(cat "$D/nginx/nginx.pid")
		case "$pid" in
		'' | *[!0-9]*) ;;
		*)
			kill -QUIT "$pid" 2>/dev/null
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
				sleep 0.1
				i=$((i + 1))
			done
			kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
			;;
		esac
	fi
	[ -f "$D/listener.pid" ] && listener_pid=$(cat "$D/listener.pid")
	case "$listener_pid" in
	'' | *[!0-9]*) ;;
	*) kill "$listener_pid" 2>/dev/null ;;
	esac
	rm -f "$PAMFILE"
	[ "$took_devlog" = 1 ] && rm -f /dev/log
	rm -rf "$D"
	if [ "$added_member" = 1 ]; then
		gpasswd -d www-data cerbo >/dev/null 2>&1
	fi
	if [ "$created_group" = 1 ]; then
		groupdel cerbo 2>/dev/null
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	die "run it as root (it installs a PAM service and starts nginx)"
fi

if [ "$mode" = stop ]; then
	if [ ! -d "$D" ] && [ ! -f "$PAMFILE" ]; then
		say "No demo is set up; nothing to stop."
		exit 0
	fi
	cleanup
	say "Demo stopped; removed $D and $PAMFILE, and what the demo"
	say "added to the system (the group cerbo and www-data's membership, when it"
	say "made them).  Packages installed with apt stay installed."
	exit 0
fi

if [ -e "$D" ] || [ -e "$PAMFILE" ]; then
	die "a demo is already set up ($D); stop it first: $0 --stop"
fi

cat <<EOF
${B_}pam_cerbo demo${N_}

pam_cerbo answers one question for a web server, through PAM: may this API
user, with this secret key, make this request?  Here nginx (with its PAM
module) protects a toy HTTP API; pam_cerbo checks each request against a
YAML store that you manage with two tools, cerbo-profile and cerbo-apiuser.

Everything runs on 127.0.0.1 and is removed at the end (also on Ctrl-C).
EOF

# ---- packages and build -------------------------------------------------------
demo_build
say "  built $BUILD/pam_cerbo.so, cerbo-apiuser, cerbo-profile"

# free_port PREFERRED: PREFERRED when nothing listens on it on 127.0.0.1,
# else a port the kernel has free (one the demo does not already use).
free_port() {
	python3 - "$1" "$PORT $BACKEND" <<'PY'
import socket, sys
want, taken = int(sys.argv[1]), sys.argv[2].split()
s = socket.socket()
try:
    s.bind(("127.0.0.1", want))
except OSError:
    while True:
        s.close()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        if str(s.getsockname()[1]) not in taken:
            break
print(s.getsockname()[1])
PY
}
PORT=$(free_port "$PORT") || die "no free port for nginx"
BACKEND=$(free_port "$BACKEND") || die "no free port for the toy API"

# From here on, whatever happens, what was placed is removed.
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- where www-data can read ---------------------------------------------------
step "A folder nginx's workers (user www-data) can read"
say "nginx runs PAM inside its workers, as www-data, which cannot enter a"
say "checkout under /root.  So the store and a copy of the module go to"
say "$D, readable through the group cerbo:"
demo_group_folder
: >"$STATE"
chmod 0600 "$STATE"
record created_group "$created_group"
record added_member "$added_member"
install -m 0644 "$BUILD/pam_cerbo.so" "$D/pam_cerbo.so"
say "$ install -m 0644 build/pam_cerbo.so $D/"

# ---- profile and user, with the tools ---------------------------------------------
step "A permission profile: which endpoints an integration may call"
say "$ export CERBO_STORE=$CERBO_STORE"
show cerbo-profile add scheduling \
    --description "Scheduling integration" \
    --allow "GET /api/v1/appointments/**" \
    --allow "POST /api/v1/appointments" \
    --deny "DELETE /**"
[ -f "$CERBO_STORE" ] || die "the store was not created"

step "An API user, with a secret key shown only this once"
printf '%s$ cerbo-apiuser add --username %s --nickname "Booking site sync" \\\n' \
    "$B_" "$USER_NAME"
printf '    --profile scheduling --email ops@example.com \\\n'
printf '    --description "Syncs appointments with the booking site" --acknowledge%s\n' "$N_"
out=$(cerbo-apiuser add --username "$USER_NAME" --nickname "Booking site sync" \
    --profile scheduling --email ops@example.com \
    --description "Syncs appointments with the booking site" --acknowledge 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/  /'
[ $rc -eq 0 ] || die "cerbo-apiuser add failed"
SECRET=$(printf '%s\n' "$out" | grep -o 'cerbo_sk_[A-Za-z0-9]*' | head -1)
[ -n "$SECRET" ] || die "no secret key in the output above"
say ""
say "The store holds only a hash of it; the store is readable by root and"
say "the group cerbo only:"
show ls -l "$CERBO_STORE"

# ---- PAM service and nginx --------------------------------------------------------
step "The PAM service and nginx"
cat >"$PAMFILE" <<EOF
# pam_cerbo demo (etc/demo/demo.sh); removed when the demo ends
auth     required  $D/pam_cerbo.so store=$CERBO_STORE
account  required  $D/pam_cerbo.so store=$CERBO_STORE
EOF
say "$PAMFILE:"
grep -v '^#' "$PAMFILE" | sed 's/^/  /'

N=$D/nginx
demo_site cerbo-api.conf \
    -e "s|auth_pam_service_name cerbo-api;|auth_pam_service_name cerbo-demo;|"
grep -q "cerbo-demo;" "$N/site.conf" ||
    die "etc/nginx/cerbo-api.conf no longer has the expected lines"
cat >"$N/nginx.conf" <<EOF
user www-data;
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log;
load_module $AUTHPAM;
events { worker_connections 64; }
http {
	access_log $N/access.log;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;

	# etc/nginx/cerbo-api.conf, with this demo's ports and certificate
	include $N/site.conf;

	# The toy API behind it (what a real backend would be).
	server {
		listen 127.0.0.1:$BACKEND;
		default_type application/json;
		location = /api/v1/appointments {
			return 200 '{"appointments":[{"id":42,"at":"2026-12-01T09:30:00Z"}],"seen_by_backend":{"user":"\$http_x_api_user","authorization":"\$http_authorization"}}\n';
		}
		location /api/v1/appointments/ {
			return 200 '{"id":42,"at":"2026-12-01T09:30:00Z","patient":7,"seen_by_backend":{"user":"\$http_x_api_user","authorization":"\$http_authorization"}}\n';
		}
		location /api/v1/patients/ {
			return 200 '{"id":7,"name":"Jane Example","born":"1970-01-01"}\n';
		}
		location / {
			return 404 '{"error":"not found"}\n';
		}
	}
}
EOF

# The module logs through syslog.  Keep its lines for the demo without
# touching a system logger: with one, nginx gets a private /dev/log in its
# own mount namespace; without one, the demo listens on /dev/log itself.
MLOG=$D/module.log
: >"$MLOG"
logmode=none
start_listener() {
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
    m = s.recv(65536).decode("utf-8", "replace").rstrip("\n")
    if "pam_cerbo(" in m:
        f.write((m[m.index("pam_cerbo("):] + "\n").encode())
' "$1" "$MLOG" "$D/listener.pid" </dev/null >/dev/null 2>&1 &
	i=0
	while [ ! -s "$D/listener.pid" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 2>/dev/null)
if [ -n "$py" ]; then
	if [ -e /dev/log ] || [ -L /dev/log ]; then
		if unshare --mount --propagation private true 2>/dev/null; then
			logmode=namespace
			start_listener "$D/log.sock"
		fi
	else
		logmode=devlog
		record took_devlog 1
		start_listener /dev/log
	fi
fi

if [ "$logmode" = namespace ]; then
	demo_nginx_start unshare --mount --propagation private sh -c \
	    'mount --bind "$1" /dev/log && shift && exec "$@"' sh "$D/log.sock"
else
	demo_nginx_start
fi
say "nginx listens on https://127.0.0.1:$PORT (self-signed certificate, made"
say "just now) in front of the toy API on 127.0.0.1:$BACKEND; its server block"
say "is etc/nginx/cerbo-api.conf: auth_pam with the request line passed to PAM,"
say "the Authorization header removed before the backend, limit_req, and the"
say "guard against Host-less HTTP/1.0 requests."

# ---- requests ------------------------------------------------------------------
# why: the module's newest log line, if the demo could capture it.
why() {
	[ "$logmode" = none ] && return 0
	# The module logs each refusal; wait (up to 2 s) for the line.
	_i=0
	while [ ! -s "$MLOG" ] && [ $_i -lt 100 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done
	_l=$(tail -1 "$MLOG")
	[ -n "$_l" ] && printf '  pam_cerbo logged: %s\n' "$_l"
	: >"$MLOG"
}

if [ "$mode" = serve ]; then
	trap - EXIT INT TERM HUP
	cat <<EOF

${B_}The demo is running.${N_}  The secret key of $USER_NAME is the one
printed above (it is not stored anywhere in clear); put it in a variable:

  SECRET=cerbo_sk_...        # paste the key printed above

Then try:

  curl -sk -u "$USER_NAME:\$SECRET" https://127.0.0.1:$PORT/api/v1/appointments/42
  curl -sk -u "$USER_NAME:\$SECRET" https://127.0.0.1:$PORT/api/v1/patients/7      # 401: not in the profile
  curl -sk -u "$USER_NAME:\$SECRET" -X DELETE https://127.0.0.1:$PORT/api/v1/appointments/42   # 401: denied
  curl -sk -u "$USER_NAME:wrong" https://127.0.0.1:$PORT/api/v1/appointments/42   # 401

Manage it with the tools (the store is $CERBO_STORE):

  export CERBO_STORE=$CERBO_STORE PATH=$BUILD:\$PATH
  cerbo-apiuser list
  cerbo-apiuser explain $USER_NAME GET /api/v1/patients/7
  cerbo-apiuser rotate $USER_NAME
  cerbo-apiuser edit $USER_NAME --disable

Why a request was refused: $MLOG (the module's log lines).

Stop it and remove everything it set up:

  $0 --stop
EOF
	exit 0
fi

step "Requests"
say "An allowed request: the profile allows GET /api/v1/appointments/**."
say "(\$SECRET holds the key printed above.)"
request 200 "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/42
say "The backend saw the API user's name, never the Authorization header"
say "(nginx replaces it), so the secret does not reach its logs."
say ""
say "No credentials, and a wrong secret:"
request 401 "" "" "" /api/v1/appointments/42
request 401 "$USER_NAME" "cerbo_sk_wrong" "cerbo_sk_wrong" /api/v1/appointments/42
why
say ""
say "Outside the profile: patients are not part of it, and DELETE is denied."
request 401 "$USER_NAME" "$SECRET" '$SECRET' /api/v1/patients/7
why
request 401 "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/42 -X DELETE
why
say "An administrator asks the tool why, without reading the store:"
show cerbo-apiuser explain "$USER_NAME" GET /api/v1/patients/7

step "Rotate the secret key (nginx keeps running)"
out=$(cerbo-apiuser rotate "$USER_NAME" 2>&1)
rc=$?
printf '%s$ cerbo-apiuser rotate %s%s\n' "$B_" "$USER_NAME" "$N_"
printf '%s\n' "$out" | sed 's/^/  /'
[ $rc -eq 0 ] || die "rotate failed"
NEW=$(printf '%s\n' "$out" | grep -o 'cerbo_sk_[A-Za-z0-9]*' | head -1)
say "The old key is refused at once; the new one (\$NEW_SECRET) works on the"
say "next request, without restarting nginx:"
request 401 "$USER_NAME" "$SECRET" '$SECRET' /api/v1/appointments/42
why
request 200 "$USER_NAME" "$NEW" '$NEW_SECRET' /api/v1/appointments/42

step "Delete the API user"
show cerbo-apiuser delete "$USER_NAME" --yes
request 401 "$USER_NAME" "$NEW" '$NEW_SECRET' /api/v1/appointments/42
why

step "Clean up"
cleanup
say "Stopped nginx; removed $D and $PAMFILE, and what the demo"
say "added to the system (the group cerbo and www-data's membership, when it"
say "made them).  Packages installed with apt stay installed."
say ""
say "To keep it running and try it yourself: make demo-serve"
demo_end
