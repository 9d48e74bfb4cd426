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

demo_build
for p in $PORT $BACKEND $AUTHD_PORT; do
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" &&
	    die "something already listens on 127.0.0.1:$p"
done

trap proxy_demo_cleanup EXIT
trap 'exit 130' INT TERM HUP

step "A store cerbo-authd (user www-data, group cerbo) can read"
demo_group_folder
proxy_demo_store

step "cerbo-authd and nginx"
setpriv --reuid=www-data --regid=www-data --init-groups \
    "$BUILD/cerbo-authd" --store "$CERBO_STORE" \
    --listen "127.0.0.1:$AUTHD_PORT" --trust-proxy --stderr \
    >"$D/authd.log" 2>&1 &
authd_pid=$!
say "$ cerbo-authd --store $CERBO_STORE --listen 127.0.0.1:$AUTHD_PORT --trust-proxy"
N=$D/nginx
demo_site cerbo-authd.conf \
    -e "s|server 127.0.0.1:9180;|server 127.0.0.1:$AUTHD_PORT;|"
proxy_demo_conf "error_log $N/error.log;"
demo_nginx_start
say "nginx listens on https://127.0.0.1:$PORT with etc/nginx/cerbo-authd.conf:"
say "auth_request to cerbo-authd over a keepalive upstream, the Authorization"
say "and method-override headers removed before the backend."

why() {
	sleep 0.2
	printf '  cerbo-authd logged: %s\n' "$(tail -1 "$D/authd.log" | sed 's/^cerbo-authd: //')"
}

proxy_demo_story

step "Clean up"
proxy_demo_cleanup
say "Stopped nginx and cerbo-authd; removed $D and what the demo added to"
say "the system.  Packages installed with apt stay installed."
demo_end
