#!/bin/sh
# make install and make uninstall: into a staging root (DESTDIR) exactly
# the expected files with sane modes, and nothing left after uninstall;
# then a real install under a temporary PREFIX, where the example program
# is built against the installed library with pkg-config and verifies a
# credential made by the installed tools.
. "$(dirname "$0")/lib.sh"
top=$CERBO_TOP
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
libdir=lib${ma:+/$ma}
mk() {
	_mo=$(make -C "$top" --no-print-directory B="$B" "$@" 2>&1) ||
	    { printf '%s\n' "$_mo" | tail -5; return 1; }
}

# ---- DESTDIR install with PREFIX=/usr --------------------------------------
root=$T/root
check "make install DESTDIR=... PREFIX=/usr succeeds" mk install DESTDIR="$root" PREFIX=/usr

# What install must put, and nothing else ("path mode", symlinks as "-> target").
{
	echo "usr/$libdir/libcerbo.so.0 644"
	echo "usr/$libdir/libcerbo.so -> libcerbo.so.0"
	echo "usr/$libdir/libcerbo.a 644"
	echo "usr/$libdir/pkgconfig/cerbo.pc 644"
	echo "usr/$libdir/security/pam_cerbo.so 644"
	echo "usr/bin/cerbo-apiuser 755"
	echo "usr/bin/cerbo-profile 755"
	echo "usr/sbin/cerbo-authd 755"
	echo "usr/lib/systemd/system/cerbo-authd.service 644"
	echo "usr/lib/systemd/system/cerbo-authd.socket 644"
	echo "usr/include/cerbo.h 644"
	if [ -f "$top/etc/bash_completion.d/cerbo" ]; then
		echo "usr/share/bash-completion/completions/cerbo-apiuser 644"
		echo "usr/share/bash-completion/completions/cerbo-profile -> cerbo-apiuser"
	fi
	for m in "$top"/man/*.[1-8]; do
		[ -f "$m" ] || continue
		echo "usr/share/man/man${m##*.}/${m##*/} 644"
	done
	for d in README.md LICENSE SECURITY.md; do
		[ -f "$top/$d" ] && echo "usr/share/doc/pam_cerbo/$d 644"
	done
	(cd "$top" && find etc -type f ! -path 'etc/demo/*' \
	    ! -path 'etc/bash_completion.d/*' ! -path 'etc/systemd/*' \
	    2>/dev/null) | while read -r f; do
		echo "usr/share/doc/pam_cerbo/examples/${f#etc/} 644"
	done
	for f in "$top"/examples/*.c; do
		echo "usr/share/doc/pam_cerbo/examples/${f##*/} 644"
	done
	# The nginx module and its load_module line, when nginx-dev is
	# there to build it against.
	if [ -f /usr/share/nginx/src/configure ]; then
		echo "usr/lib/nginx/modules/ngx_http_auth_cerbo_module.so 644"
		echo "usr/share/nginx/modules-available/mod-http-auth-cerbo.conf 644"
	fi
	# The Cockpit page: what a browser loads, not the screenshots or
	# the script that vendors PatternFly.
	for f in "$top"/cockpit/manifest.json "$top"/cockpit/index.html \
	    "$top"/cockpit/*.js "$top"/cockpit/*.css; do
		echo "usr/share/cockpit/cerbo/${f##*/} 644"
	done
} | sort >"$T/want"
(cd "$root" && find . ! -type d | sed 's|^\./||' | sort | while read -r f; do
	if [ -L "$f" ]; then
		echo "$f -> $(readlink "$f")"
	else
		echo "$f $(stat -c %a "$f")"
	fi
done) >"$T/got"
check_eq "install puts exactly the expected files, with modes 0644/0755" \
    "$(diff "$T/want" "$T/got")" ""
check_eq "no installed file or folder is writable by group or others" \
    "$(find "$root" ! -type l -perm /022)" ""
check_eq "install creates nothing under /etc (a store is never touched)" \
    "$(ls -A "$root/etc" 2>/dev/null)" ""
check_contains "cerbo.pc names the multiarch library folder" \
    "$(cat "$root/usr/$libdir/pkgconfig/cerbo.pc")" "libdir=/usr/$libdir"
check_contains "libcerbo.so.0 carries the soname libcerbo.so.0" \
    "$(readelf -d "$root/usr/$libdir/libcerbo.so.0")" "[libcerbo.so.0]"
check_eq "the installed module exports only pam_sm_* functions" \
    "$(nm -D --defined-only "$root/usr/$libdir/security/pam_cerbo.so" |
        awk '$2 == "T" && $3 !~ /^pam_sm_/')" ""
check_contains "the installed service starts the installed daemon" \
    "$(cat "$root/usr/lib/systemd/system/cerbo-authd.service")" \
    "ExecStart=/usr/sbin/cerbo-authd "
check "a second make install over the first succeeds" \
    mk install DESTDIR="$root" PREFIX=/usr
check "PAMDIR overrides the module's folder" \
    mk install-module DESTDIR="$T/pamdir" PREFIX=/usr PAMDIR=/lib/security
check_eq "the module lands in PAMDIR, mode 0644" \
    "$(stat -c %a "$T/pamdir/lib/security/pam_cerbo.so" 2>&1)" 644
check "make uninstall with the same DESTDIR succeeds" \
    mk uninstall DESTDIR="$root" PREFIX=/usr
check_eq "uninstall leaves no file and no symlink" \
    "$(find "$root" ! -type d)" ""
check_eq "uninstall removes the documentation folder" \
    "$(ls -d "$root/usr/share/doc/pam_cerbo" 2>/dev/null)" ""

# ---- a real install under PREFIX, used as a developer would ----------------
prefix=$T/prefix
check "make install PREFIX=\$T/prefix succeeds" mk install PREFIX="$prefix"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs cerbo 2>&1)
check_contains "pkg-config finds cerbo in the installed prefix" "$flags" \
    "-L$prefix/$libdir"
# shellcheck disable=SC2086
check "examples/verify-basic.c builds against the installed cerbo.pc" \
    cc ${CERBO_SAN_CFLAGS:-} -Wall -Wextra -Werror -o "$T/verify-basic" \
    "$top/examples/verify-basic.c" $flags
check_contains "the example is linked to the installed libcerbo.so.0" \
    "$(LD_LIBRARY_PATH=$prefix/$libdir ldd "$T/verify-basic")" \
    "$prefix/$libdir/libcerbo.so.0"

store=$T/cerbo/apiusers.yaml
doc='profiles:
  - name: api
    description: Installed-library test
    allow: [GET /api/v1/**]
    deny: [GET /api/v1/admin/**]'
check "the installed cerbo-apiuser creates a profile" \
    sh -c "printf '%s\n' '$doc' | '$prefix/bin/cerbo-apiuser' apply --store '$store' -"
secret=$("$prefix/bin/cerbo-apiuser" add --store "$store" --username pk_install \
    --nickname "Install test" --profile api --email ops@example.com \
    --description "Checks the installed library" --acknowledge --quiet 2>&1)
check_contains "the installed cerbo-apiuser adds a user and prints its key" \
    "$secret" cerbo_sk_
check "the installed cerbo-profile runs" "$prefix/bin/cerbo-profile" --help

header() { printf 'Basic %s\n' "$(printf '%s' "$1:$2" | base64 -w0)"; }
vb() {
	_h=$1; shift
	printf '%s\n' "$_h" | LD_LIBRARY_PATH="$prefix/$libdir" \
	    "$T/verify-basic" -s "$store" "$@"
}
out=$(vb "$(header pk_install "$secret")" "GET /api/v1/things HTTP/1.1" 192.0.2.7)
rc=$?
check_eq "the example allows the new key for an endpoint of its profile" "$rc" 0
check_contains "the example prints the verdict allow" "$out" "allow: "
# A wrong key: the last character changed (to y when it is x already).
case "$secret" in *x) wrong="${secret%?}y" ;; *) wrong="${secret%?}x" ;; esac
check_exit "the example refuses a wrong key (exit 1)" 1 \
    vb "$(header pk_install "$wrong")" "GET /api/v1/things HTTP/1.1"
out=$(vb "$(header pk_install "$secret")" "GET /api/v1/admin/users HTTP/1.1")
check_contains "the example refuses an endpoint the profile denies" \
    "$out" "deny_forbidden"
check_exit "the example refuses a header that is not Basic (exit 2)" 2 \
    vb "Bearer abc" "GET /api/v1/things HTTP/1.1"
check_exit "the example refuses a request line servers would normalise" 1 \
    vb "$(header pk_install "$secret")" "GET /api/v1/x/%2e%2e/admin HTTP/1.1"
check_lacks "the example never prints the secret" \
    "$(vb "$(header pk_install "$secret")" "GET /api/v1/things" 2>&1)" "$secret"
check "make uninstall PREFIX=\$T/prefix succeeds" mk uninstall PREFIX="$prefix"
check_eq "uninstall from PREFIX leaves no file" "$(find "$prefix" ! -type d)" ""
