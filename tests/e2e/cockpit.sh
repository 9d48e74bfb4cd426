#!/bin/sh
# The Cockpit page ("API users") in a real browser: Debian's cockpit-ws on
# 127.0.0.1 with a private configuration, a throwaway account with a
# password and sudo rights (the page is installed in its
# ~/.local/share/cockpit), and headless Chromium driven by Selenium
# (tests/e2e/cockpit_browser.py, which prints the TAP lines).  The tools
# the page runs are the built ones: the account's sudo secure_path starts
# with a folder of links to them.  Screenshots go to
# $B/test-logs/cockpit/.
#
# Root only (it makes an account and a file in /etc/sudoers.d); both go
# at exit, and a run killed before that is cleaned up by the next one.
# Run it alone with `make check-browser`.
. "$(dirname "$0")/lib.sh"
top=${CERBO_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

[ "$(id -u)" -eq 0 ] || skip_all "needs root (makes a throwaway account)"
ws=/usr/lib/cockpit/cockpit-ws
py=/usr/bin/python3 # Debian's, which has python3-selenium
for f in "$ws" /usr/bin/cockpit-bridge /usr/bin/chromium /usr/bin/chromedriver \
    /usr/bin/sudo /usr/sbin/visudo "$py"; do
	[ -x "$f" ] || skip_all "no $f (tests/deps.sh test)"
done
"$py" -c 'import selenium' 2>/dev/null || skip_all "no python3-selenium"

# A port nothing listens on, from 18300-18399 (CERBO_COCKPIT_PORT to choose).
port=${CERBO_COCKPIT_PORT:-$(free_ports 18300 18399 1)} ||
    { echo "not ok 1 - a free port in 18300-18399"; exit 1; }
account=cerbockpt
marker="pam_cerbo cockpit test account"
sudoers=/etc/sudoers.d/cerbo-cockpit-test
pidfile=/run/cerbo-cockpit-test.pid

# What a killed run left: its cockpit-ws (by the pid it wrote, if that
# process still is a cockpit-ws), its sudoers file and its account (only
# one that carries the marker).
cleanup() {
	if [ -f "$pidfile" ]; then
		pid=$(cat "$pidfile")
		case "$(cat "/proc/$pid/cmdline" 2>/dev/null | tr '\0' ' ')" in
		*cockpit-ws*) kill "$pid" 2>/dev/null ;;
		esac
		rm -f "$pidfile"
	fi
	rm -f "$sudoers"
	if [ "$(getent passwd "$account" | cut -d: -f5)" = "$marker" ]; then
		userdel -f -r "$account" >/dev/null 2>&1
	fi
}
cleanup
if getent passwd "$account" >/dev/null; then
	skip_all "an account $account exists that this test did not make"
fi
at_exit cleanup

# -- the account, its password and sudo rights -------------------------------
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
useradd -m -c "$marker" -s /bin/sh "$account" || exit 1
printf '%s:%s\n' "$account" "$password" | chpasswd || exit 1
mkdir -m 0755 "$T/bin"
ln -s "$B/cerbo-apiuser" "$T/bin/cerbo-apiuser"
ln -s "$B/cerbo-profile" "$T/bin/cerbo-profile"
cat >"$T/sudoers" <<SUDO
Defaults:$account secure_path="$T/bin:/usr/sbin:/usr/bin:/sbin:/bin"
$account ALL=(ALL) NOPASSWD: ALL
SUDO
visudo -cqf "$T/sudoers" || { echo "not ok 1 - sudoers file is invalid"; exit 1; }
install -m 0440 "$T/sudoers" "$sudoers"

# -- the page, installed as make install does it ----------------------------
home=$(getent passwd "$account" | cut -d: -f6)
make -s -C "$top" install-cockpit COCKPITDIR="$home/.local/share/cockpit/cerbo" \
    >/dev/null || exit 1
chown -R "$account:" "$home/.local"

# -- cockpit-ws with a private configuration (plain http on 127.0.0.1) ------
mkdir -p "$T/xdg/cockpit"
printf '[WebService]\nAllowUnencrypted = true\n' >"$T/xdg/cockpit/cockpit.conf"
XDG_CONFIG_DIRS="$T/xdg" "$ws" --no-tls --port "$port" --address 127.0.0.1 \
    >"$T/ws.log" 2>&1 &
echo $! >"$pidfile"
at_exit "kill $(cat "$pidfile") 2>/dev/null"
i=0
until curl -fs -o /dev/null "http://127.0.0.1:$port/"; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "not ok 1 - cockpit-ws did not start"; cat "$T/ws.log"; exit 1; }
	sleep 0.2
done

# -- the store the page manages: a private one ------------------------------
mkdir -m 0700 "$T/s"
shots="$B/test-logs/cockpit"
rm -rf "$shots"
mkdir -p "$shots"
CERBO_URL="http://127.0.0.1:$port" CERBO_ACCOUNT="$account" \
    CERBO_PASSWORD="$password" CERBO_STORE_PATH="$T/s/apiusers.yaml" \
    CERBO_SHOTS="$shots" APIUSER="$B/cerbo-apiuser" PROFILE="$B/cerbo-profile" \
    "$py" "$top/tests/e2e/cockpit_browser.py"
