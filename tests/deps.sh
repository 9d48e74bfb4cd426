#!/bin/sh
# Installs the Debian 12 packages a build, the tests or the demo need,
# only those that are missing.
# Usage: tests/deps.sh build|test|check|demo|pkg|lint|bench
# (pkg: what make deb and make deb-test need to build, check and install
# the Debian packages; lint: make lint and make fuzz; bench: make bench;
# check: make check, which as root is test, and as an ordinary user needs
# only the build packages and libcmocka-dev: the tests that need more are
# skipped)
set -eu

build="gcc make pkg-config libyaml-dev libsodium-dev libpam0g-dev
       libmicrohttpd-dev"
run="nginx nginx-dev libnginx-mod-http-auth-pam curl openssl"
test="$build $run libcmocka-dev pamtester libpam-pwdfile
      valgrind python3 util-linux procps psmisc groff-base time
      ansible-core caddy systemd
      cockpit-ws cockpit-bridge cockpit-system sudo
      chromium chromium-driver python3-selenium"

unit="$build libcmocka-dev"
pkg="$build libcmocka-dev build-essential dpkg-dev debhelper nginx-dev lintian pamtester
     curl util-linux cockpit-bridge"
lint="cppcheck clang-tidy clang abigail-tools binutils"
bench="$build $run wrk python3"

group=${1:-test}
if [ "$group" = check ]; then
	group=test
	if [ "$(id -u)" -ne 0 ]; then
		group=unit
		for p in $test; do
			case " $unit " in *" $p "*) continue ;; esac
			st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
			[ "$st" = installed ] || opt="${opt:-} $p"
		done
		[ -z "${opt:-}" ] || echo "not installed:$opt (the tests that need them are skipped; as root make check installs them)" >&2
	fi
fi
case "$group" in
build) want=$build ;;
unit) want=$unit ;;
demo) want="$build $run python3" ;;
test) want=$test ;;
pkg) want=$pkg ;;
lint) want=$lint ;;
bench) want=$bench ;;
*) echo "usage: $0 build|test|check|demo|pkg|lint|bench" >&2; exit 2 ;;
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
