#!/bin/sh
# nginx module demo: nginx with ngx_http_auth_cerbo_module protecting a toy
# API on this machine (127.0.0.1 only), with real requests and their
# answers; the same story as demo.sh, checked inside nginx instead of
# through PAM, where a valid key used outside its profile gets 403.
#
#   etc/demo/demo-nginx.sh     set up, show, then remove everything
#
# Needs root on Debian 12: it installs missing packages (tests/deps.sh
# demo, nginx-dev included), builds into build/ (the module too), and
# places, only for as long as it runs:
#   /run/cerbo-demo-nginx/   the store (root:cerbo 0640 in a root:cerbo 0750
#                            folder), nginx's files and error log
#   the group "cerbo" and www-data's membership of it (only if missing)
# nginx's workers run as www-data, in the group cerbo.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
D=/run/cerbo-demo-nginx
PORT=18245
BACKEND=18282
export CERBO_STORE=$D/apiusers.yaml
BUILD=$top/build
USER_NAME=pk_demo_scheduling

case "${1:-}" in
"") ;;
-h | --help)
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "usage: $0" >&2
	exit 2
	;;
esac

. "$top/etc/demo/demo.inc"

[ "$(id -u)" -eq 0 ] || die "run it as root (it starts nginx)"
[ -e "$D" ] && die "$D exists: is another demo running?"

cat <<EOF
${B_}nginx module demo${N_}

ngx_http_auth_cerbo_module asks, inside nginx: may this API user, with
this secret key, make this request?  Here nginx protects a toy HTTP API
with auth_cerbo; each request is checked against a YAML store that you
manage with cerbo-profile and cerbo-apiuser, with no other process.

Everything runs on 127.0.0.1 and is removed at the end (also on Ctrl-C).
EOF

demo_build nginx-module
for p in $PORT $BACKEND; do
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" &&
	    die "something already listens on 127.0.0.1:$p"
done

trap proxy_demo_cleanup EXIT
trap 'exit 130' INT TERM HUP

step "A store nginx's workers (user www-data, group cerbo) can read"
demo_group_folder
proxy_demo_store

step "nginx with the module"
N=$D/nginx
demo_site cerbo-module.conf \
    -e "s|auth_cerbo_store /etc/cerbo/apiusers.yaml;|auth_cerbo_store $CERBO_STORE;|"
install -m 0644 "$BUILD/ngx_http_auth_cerbo_module.so" "$N/"
proxy_demo_conf "error_log $N/error.log notice;" \
    "load_module $N/ngx_http_auth_cerbo_module.so;"
demo_nginx_start
say "nginx listens on https://127.0.0.1:$PORT with etc/nginx/cerbo-module.conf:"
say "auth_cerbo \"API\" in location /api/, \$cerbo_user to the backend as"
say "X-Api-User, the Authorization and method-override headers removed."

why() {
	sleep 0.2
	printf '  nginx logged: %s\n' "$(grep 'auth_cerbo: ' "$N/error.log" | tail -1 |
	    sed -e 's/^.*auth_cerbo: //' -e 's/, client: .*//')"
}

proxy_demo_story

step "Clean up"
proxy_demo_cleanup
say "Stopped nginx; removed $D and what the demo added to"
say "the system.  Packages installed with apt stay installed."
demo_end
