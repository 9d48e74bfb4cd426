#!/bin/sh
# Installs the Debian 12 packages a build, the tests or the demo need,
# only those that are missing.
# Usage: tests/deps.sh build|test|demo|pkg|lint|bench
# (pkg: what make deb and make deb-test need to build, check and install
# the Debian packages; lint: make lint and make fuzz; bench: make bench)
set -eu

build="gcc make pkg-config libyaml-dev libsodium-dev libpam0g-dev
       libmicrohttpd-dev"
run="nginx libnginx-mod-http-auth-pam curl openssl"
test="$build $run libcmocka-dev pamtester libpam-pwdfile
      valgrind python3 util-linux procps psmisc groff-base time
      ansible-core caddy systemd"

pkg="$build build-essential dpkg-dev debhelper lintian pamtester curl
     util-linux"
lint="cppcheck clang-tidy clang"
bench="$build $run wrk python3"

case "${1:-test}" in
build) want=$build ;;
demo) want="$build $run python3" ;;
test) want=$test ;;
pkg) want=$pkg ;;
lint) want=$lint ;;
bench) want=$bench ;;
*) echo "usage: $0 build|test|demo|pkg|lint|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
