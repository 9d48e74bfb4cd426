#!/bin/sh
# The Debian packages, end to end: build them with dpkg-buildpackage in a
# copy of the tree (so build outputs never land in the checkout), check
# them with lintian, install them with dpkg -i, make a store with the
# installed tools, authenticate with pamtester through a service in
# /etc/pam.d that names the installed module, then remove and purge them
# and check that nothing of theirs is left, and that the administrator's
# store survives both.
#
# It changes the system (dpkg, /etc/pam.d, /etc/cerbo, the group cerbo)
# and takes over a minute, so tests/run.sh (make check) passes over it
# unless CERBO_DEB_TEST=1: `make deb-test` runs it.  It runs only as root,
# and only when none of that exists already; it undoes everything on exit.
#
#   make deb-test                       the whole test, TAP on stdout
#   tests/e2e/deb.sh --build-only DIR   build the .deb files into DIR
# cerbo-test: system
# shellcheck disable=SC2086 # $pkgs and $debs are lists
. "$(dirname "$0")/lib.sh"
top=${CERBO_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
service=cerbo-debtest
pkgs="cerbo-authd libpam-cerbo libcerbo0 libcerbo-dev cockpit-cerbo libnginx-mod-http-auth-cerbo"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

# Copy the tree (tracked and new files, not ignored ones: no build
# folders) to $T/src/pam-cerbo and build the binary packages there.
build() {
	src=$T/src/pam-cerbo
	mkdir -p "$src"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -z -c -o --exclude-standard |
		    tar -C "$top" --null -T - --ignore-failed-read -cf - 2>/dev/null |
		    tar -C "$src" -xf -
	else
		tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . |
		    tar -C "$src" -xf -
	fi
	# A clean environment: no B (the test runner's build folder) or flags
	# leaking into the package build.
	(cd "$src" && env -u B -u CERBO_TOP -u CFLAGS -u LDFLAGS -u CPPFLAGS \
	    -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b) \
	    >"$T/build.log" 2>&1
}

if [ "${1:-}" = --build-only ]; then
	out=${2:?usage: $0 --build-only DIR}
	if ! build; then
		tail -30 "$T/build.log" >&2
		exit 1
	fi
	mkdir -p "$out"
	cp "$T"/src/*.deb "$T"/src/*.changes "$T"/src/*.buildinfo "$out"/
	ls -l "$out"
	exit 0
fi

[ "${CERBO_DEB_TEST:-0}" = 1 ] ||
    skip_all "the package test runs with make deb-test"
need_root "installs packages"
for c in dpkg-buildpackage dh lintian pamtester; do
	command -v "$c" >/dev/null || skip_all "no $c (tests/deps.sh test)"
done
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = not-installed ] || [ -z "$st" ] ||
	    skip_all "$p is already on this system ($st)"
done
[ -e /etc/cerbo ] && skip_all "/etc/cerbo exists: not touching a real store"
[ -e /var/lib/cerbo ] && skip_all "/var/lib/cerbo exists: not touching a real one"
getent group cerbo >/dev/null && skip_all "the group cerbo exists already"
[ -e /etc/pam.d/$service ] && skip_all "/etc/pam.d/$service exists"
modlink=/etc/nginx/modules-enabled/50-mod-http-auth-cerbo.conf
[ -e "$modlink" ] || [ -L "$modlink" ] && skip_all "$modlink exists"

# Whatever happens, leave the system as it was.
sys_undo "dpkg --purge $pkgs >/dev/null 2>&1; rm -f /etc/pam.d/$service; rm -rf /etc/cerbo /var/lib/cerbo; groupdel cerbo >/dev/null 2>&1"

start=$(date +%s)
if build; then
	ok "dpkg-buildpackage -us -uc -b builds the packages in a copy of the tree"
else
	not_ok "dpkg-buildpackage -us -uc -b builds the packages" "$(tail -20 "$T/build.log")"
	exit 1
fi
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
debs=""
for p in $pkgs; do
	case $p in
	cockpit-*) debs="$debs $T/src/${p}_${ver}_all.deb" ;;
	*) debs="$debs $T/src/${p}_${ver}_${arch}.deb" ;;
	esac
done
# shellcheck disable=SC2086
check "the binary packages: $pkgs" ls $debs
check_eq "the build left the checkout without debian/ build outputs" \
    "$(cd "$top" && ls -d debian/tmp debian/libpam-cerbo debian/files 2>/dev/null)" ""

# Lintian: no error and no warning (informational tags are listed).
lintian --info "$T"/src/*.changes >"$T/lintian.log" 2>&1
bad=$(grep -E '^[EW]: ' "$T/lintian.log")
check_eq "lintian reports no errors and no warnings" "$bad" ""
grep -E '^[IPX]: ' "$T/lintian.log" | sed 's/^/# lintian /'

contents=$(dpkg -c "$T/src/libpam-cerbo_${ver}_${arch}.deb")
check_contains "libpam-cerbo ships the module in the multiarch security folder" \
    "$contents" "./usr/lib/$ma/security/pam_cerbo.so"
check_contains "libpam-cerbo ships cerbo-apiuser in /usr/bin" "$contents" \
    "./usr/bin/cerbo-apiuser"
check_lacks "libpam-cerbo ships nothing under /etc" "$contents" " ./etc/"
contents=$(dpkg -c "$T/src/cerbo-authd_${ver}_${arch}.deb")
check_contains "cerbo-authd ships the daemon in /usr/sbin" "$contents" \
    "./usr/sbin/cerbo-authd"
check_contains "cerbo-authd ships its socket unit" "$contents" \
    "./usr/lib/systemd/system/cerbo-authd.socket"

contents=$(dpkg -c "$T/src/cockpit-cerbo_${ver}_all.deb")
check_contains "cockpit-cerbo ships the page where Cockpit looks" \
    "$contents" "./usr/share/cockpit/cerbo/manifest.json"
contents=$(dpkg -c "$T/src/libnginx-mod-http-auth-cerbo_${ver}_${arch}.deb")
check_contains "libnginx-mod-http-auth-cerbo ships the module where nginx loads it" \
    "$contents" "./usr/lib/nginx/modules/ngx_http_auth_cerbo_module.so"
check_contains "libnginx-mod-http-auth-cerbo ships its load_module snippet" \
    "$contents" "./usr/share/nginx/modules-available/mod-http-auth-cerbo.conf"
abi=$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)
check_contains "libnginx-mod-http-auth-cerbo depends on the nginx ABI it was built for" \
    "$(dpkg-deb -f "$T/src/libnginx-mod-http-auth-cerbo_${ver}_${arch}.deb" Depends)" \
    "$abi"
check_eq "cockpit-cerbo is for every architecture and needs the tools" \
    "$(dpkg-deb -f "$T/src/cockpit-cerbo_${ver}_all.deb" Architecture Depends)" \
    "$(printf 'Architecture: all\nDepends: cockpit-bridge, libpam-cerbo (>= %s)' "$ver")"

# shellcheck disable=SC2086
check "dpkg -i installs the six packages" dpkg -i $debs
check_eq "postinst created the system group cerbo" \
    "$(getent group cerbo | cut -d: -f1)" cerbo
check_eq "postinst created /etc/cerbo as root:cerbo 2750" \
    "$(stat -c '%U:%G %a' /etc/cerbo)" "root:cerbo 2750"
check_eq "postinst created the usage file's folder /var/lib/cerbo as root:cerbo 2770" \
    "$(stat -c '%U:%G %a' /var/lib/cerbo)" "root:cerbo 2770"
check "the installed tool runs from /usr/bin" /usr/bin/cerbo-apiuser --version
if command -v cockpit-bridge >/dev/null; then
	check_contains "cockpit-bridge finds the installed page" \
	    "$(cockpit-bridge --packages 2>/dev/null)" "/usr/share/cockpit/cerbo"
fi

# A store at the default path, made by the installed tools.
check "cerbo-profile add makes a profile in the default store" \
    cerbo-profile add api --description "Test API" \
    --allow "GET /api/v1/**"
secret=$(cerbo-apiuser add --username pk_debtest --nickname "Package test" \
    --profile api --email ops@example.com --description "dpkg test user" \
    --acknowledge --quiet 2>"$T/add.err")
check_contains "cerbo-apiuser add prints a new key" "$secret" cerbo_sk_
check_eq "the new store is root:cerbo 0640 (group from the setgid folder)" \
    "$(stat -c '%U:%G %a' /etc/cerbo/apiusers.yaml)" "root:cerbo 640"

cat >/etc/pam.d/$service <<EOF
# pam_cerbo package test
auth    required pam_cerbo.so
account required pam_cerbo.so
EOF
req="REQUEST=GET /api/v1/things HTTP/1.1"
auth() { printf '%s' "$2" | pamtester -E "$3" $service "$1" authenticate acct_mgmt; }
check "pamtester authenticates the new key through the installed pam_cerbo.so" \
    auth pk_debtest "$secret" "$req"
# A wrong key: the last character changed (to y when it is x already).
case "$secret" in *x) wrong="${secret%?}y" ;; *) wrong="${secret%?}x" ;; esac
check_fails "pamtester refuses a wrong key" \
    auth pk_debtest "$wrong" "$req"
check_fails "pamtester refuses a request outside the profile" \
    auth pk_debtest "$secret" "REQUEST=DELETE /api/v1/things HTTP/1.1"

# libcerbo-dev: a daemon built against the installed cerbo.pc verifies
# the same key from the same store.
# shellcheck disable=SC2046
check "examples/verify-basic.c builds with pkg-config against libcerbo-dev" \
    cc -Wall -Wextra -Werror -o "$T/verify-basic" \
    "$top/examples/verify-basic.c" $(pkg-config --cflags --libs cerbo)
out=$(printf 'Basic %s\n' "$(printf '%s' "pk_debtest:$secret" | base64 -w0)" |
    "$T/verify-basic" "GET /api/v1/things HTTP/1.1" 2>&1)
check_contains "it allows the key through the installed libcerbo.so.0" \
    "$out" "allow: "

# cerbo-authd: as its own user, through the group cerbo, from the default
# store, on a port of the test's range.
check_contains "postinst made the user cerbo-authd, in the group cerbo" \
    "$(id -nG cerbo-authd)" cerbo
aport=18290
setpriv --reuid=cerbo-authd --regid=cerbo-authd --init-groups \
    /usr/sbin/cerbo-authd --listen "127.0.0.1:$aport" --stderr \
    >"$T/authd.log" 2>&1 &
authd_pid=$!
at_exit "kill $authd_pid 2>/dev/null"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$aport/healthz" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
got=$(printf 'user = "pk_debtest:%s"\n' "$secret" | curl -s -K - \
    -o /dev/null -w '%{http_code}' -H 'X-Original-Method: GET' \
    -H 'X-Original-URI: /api/v1/things' "http://127.0.0.1:$aport/auth")
check_eq "the installed cerbo-authd, as cerbo-authd, allows the key: 200" \
    "$got" 200
kill "$authd_pid"
wait "$authd_pid"
check_eq "the installed cerbo-authd stops cleanly" "$?" 0

# The nginx module: enabled by its postinst, loaded by a private nginx
# (as www-data, in the group cerbo) that serves a request with it.
check_eq "postinst enabled the nginx module" "$(readlink "$modlink")" \
    /usr/share/nginx/modules-available/mod-http-auth-cerbo.conf
www_in_cerbo=$(id -nG www-data | tr ' ' '\n' | grep -x cerbo)
[ -n "$www_in_cerbo" ] || gpasswd -a www-data cerbo >/dev/null
N=$T/nginx
mkdir -p "$N/tmp"
# The load_module line names modules/ under nginx's prefix, as Debian's
# own module packages do (/usr/share/nginx/modules is such a link).
ln -s /usr/lib/nginx/modules "$N/modules"
nport=18291
cat >"$N/nginx.conf" <<CONF
user www-data;
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log info;
include $modlink;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	server {
		listen 127.0.0.1:$nport;
		location /api/ {
			auth_cerbo "API";
			proxy_set_header X-Api-User \$cerbo_user;
			proxy_pass http://127.0.0.1:$((nport + 1));
		}
	}
	# The backend says which user it was given (return runs before
	# the access phase: it would answer without any check).
	server {
		listen 127.0.0.1:$((nport + 1));
		location / {
			return 200 "user=\$http_x_api_user\\n";
		}
	}
}
CONF
nginx -p "$N/" -e "$N/error.log" -c "$N/nginx.conf" >"$N/stderr" 2>&1 &
nginx_pid=$!
at_exit "kill -QUIT $nginx_pid 2>/dev/null"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$nport/" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
got=$(printf 'user = "pk_debtest:%s"\n' "$secret" | curl -s -K - \
    "http://127.0.0.1:$nport/api/v1/things")
[ "$got" = "user=pk_debtest" ] ||
    cat "$N/stderr" "$N/error.log" 2>&1 | tail -n 8 | sed 's/^/# /'
check_eq "nginx with the installed module serves the key's request" \
    "$got" "user=pk_debtest"
check_eq "... and refuses a wrong key: 401" \
    "$(printf 'user = "pk_debtest:%s"\n' "$wrong" | curl -s -K - \
    -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nport/api/v1/things")" 401
kill -QUIT "$nginx_pid"
wait "$nginx_pid"
[ -n "$www_in_cerbo" ] || gpasswd -d www-data cerbo >/dev/null

before=$(cat /etc/cerbo/apiusers.yaml)
# shellcheck disable=SC2086
check "dpkg -i again (reinstall) succeeds" dpkg -i $debs
check_eq "a reinstall leaves the store byte for byte" \
    "$(cat /etc/cerbo/apiusers.yaml)" "$before"

files=$(dpkg -L $pkgs | sort -u)
check "dpkg -r removes the packages" dpkg -r $pkgs
left=""
for f in $files; do
	[ -d "$f" ] && continue
	[ -e "$f" ] || [ -L "$f" ] || continue
	left="$left $f"
done
check_eq "after dpkg -r no file of the packages is left" "$left" ""
check_fails "after dpkg -r pamtester fails (no module)" \
    auth pk_debtest "$secret" "$req"
check_eq "dpkg -r keeps the store" "$(cat /etc/cerbo/apiusers.yaml)" "$before"

check "dpkg --purge purges the packages" dpkg --purge $pkgs
check_eq "purge keeps a folder that still holds a store" \
    "$(cat /etc/cerbo/apiusers.yaml)" "$before"
check_eq "purge keeps the group while the store is there" \
    "$(getent group cerbo | cut -d: -f1)" cerbo

# Once the administrator removed the store, a purge removes the rest.
rm -rf /etc/cerbo/* /etc/cerbo/.[!.]* 2>/dev/null
# shellcheck disable=SC2086
dpkg -i $debs >/dev/null 2>&1
check "dpkg --purge after the store was removed" dpkg --purge $pkgs
check_fails "purge removed the empty /etc/cerbo" test -e /etc/cerbo
check_fails "purge removed /var/lib/cerbo" test -e /var/lib/cerbo
check_fails "purge removed the group cerbo" getent group cerbo
check_fails "purge removed the module's modules-enabled link" test -L "$modlink"
left=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $pkgs 2>/dev/null |
    grep -v '^not-installed')
check_eq "dpkg knows none of the packages any more" "$left" ""
rm -f /etc/pam.d/$service

echo "# build, lintian, install, test, remove: $(( $(date +%s) - start )) s"
