#!/bin/sh
# Installs the Debian 12 packages a build, the tests or the demo need,
# only those that are missing.
# Usage: tests/deps.sh build|test|demo|pkg|lint
# (pkg: what make deb and make deb-test need to build, check and install
# the Debian packages; lint: make lint and make fuzz)
set -eu

build="gcc make pkg-config libyaml-dev libsodium-dev libpam0g-dev"
run="nginx libnginx-mod-http-auth-pam curl openssl"
test="$build $run libcmocka-dev pamtester libpam-pwdfile
      valgrind python3 util-linux procps psmisc groff-base time
      ansible-core"

pkg="$build build-essential dpkg-dev debhelper lintian pamtester"
lint="cppcheck clang-tidy clang abigail-tools binutils"

case "${1:-test}" in
build) want=$build ;;
demo) want="$build $run python3" ;;
test) want=$test ;;
pkg) want=$pkg ;;
lint) want=$lint ;;
*) echo "usage: $0 build|test|demo|pkg|lint" >&2; exit 2 ;;
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
