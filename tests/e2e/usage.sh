#!/bin/sh
# Key last used: cerbo-authd (as www-data, group cerbo), pamtester and the
# nginx module each record a right key's use in the usage file the store
# names, within the minute, without changing the store's bytes; the old
# key of a rotation apart; show, list --unused-for and rotate --finish
# read the figures; a missing, garbage, truncated or unwritable usage file
# changes no answer.
# Needs root (cerbo-authd runs as www-data; pamtester reads /etc/pam.d).
# cerbo-test: system
. "$(dirname "$0")/authd.inc"

authd_skip_unless

aport=$(free_port)
make_store
key=$(add_user pk_used)
never=$(add_user pk_never)
add_user pk_fresh >/dev/null
add_user pk_long >/dev/null
deny=$(add_user pk_deny)
rot=$(add_user pk_rot)

au() {
	_cmd=$1
	shift
	"$APIUSER" "$_cmd" --store "$ST" "$@"
}
minute() { date -u +%Y-%m-%dT%H:%M:00Z; }
# recent TIME: "recent" when TIME is this minute or the one before (a check
# may straddle a minute's end), else TIME.
recent() {
	if [ "$1" = "$(minute)" ] ||
	    [ "$1" = "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:00Z)" ]; then
		echo recent
	else
		echo "$1"
	fi
}
json_field() {
	python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("null" if v is None else v)' "$1"
}
# ask USER SECRET [METHOD [PATH]]: cerbo-authd's status for the request.
ask() {
	printf 'user = "%s:%s"\n' "$1" "$2" |
	    curl -s -K - -o /dev/null -w '%{http_code}' --max-time 20 \
	    -H "X-Original-Method: ${3:-GET}" \
	    -H "X-Original-URI: ${4:-/api/v1/appointments/1}" \
	    "http://127.0.0.1:$aport/auth"
}

# -- without a usage file nothing changes -----------------------------------
check_eq "show without a usage file: not recorded" \
    "$(au show pk_used | sed -n 's/^last used: *//p')" \
    "not recorded (no usage_file)"
check_eq "show --json without a usage file: last_used null" \
    "$(au show pk_used --json | json_field last_used)" null
check_exit "list --unused-for without a usage file: exit 11" 11 \
    au list --unused-for 1d

# -- turning it on ----------------------------------------------------------
install -d -o root -g cerbo -m 2770 "$T/var"
U=$T/var/usage
check_exit "usage-file wants an absolute path: exit 3" 3 au usage-file var/usage
check "usage-file PATH" au usage-file "$U" --quiet
check_contains "the store names it" "$(cat "$ST")" "usage_file: $U"
check_eq "the file is made 0664 in the folder's group" \
    "$(stat -c '%a %G' "$U")" "664 cerbo"
check_eq "and holds no secret or hash" \
    "$(grep -c -a -e '\$argon2id\$' -e 'cerbo_sk_' -e '\$cerbo' "$U")" 0

start_authd --listen "127.0.0.1:$aport"
cp -p "$ST" "$T/store-before"
check_eq "allowed request: 200" "$(ask pk_used "$key")" 200
now=$(au show pk_used --json | json_field last_used)
check_eq "authd: last_used is this minute" "$(recent "$now")" recent
check_contains "show: last used ... ago" "$(au show pk_used)" \
    "last used:    $now ("
check "authd left the store's bytes as they were" cmp -s "$ST" "$T/store-before"
check_eq "wrong key: 401, nothing recorded" \
    "$(ask pk_never "$key") $(au show pk_never --json | json_field last_used)" \
    "401 null"
check_eq "forbidden request: 403" "$(ask pk_deny "$deny" DELETE)" 403
check_eq "... the key was right: recorded" \
    "$(recent "$(au show pk_deny --json | json_field last_used)")" recent
check_eq "list --json: last_used of each user" \
    "$(au list --json | python3 -c 'import json,sys; print(" ".join("%s=%s" % (u["username"], u["last_used"] is not None) for u in json.load(sys.stdin)["users"]))')" \
    "pk_deny=True pk_fresh=False pk_long=False pk_never=False pk_rot=False pk_used=True"
check_contains "list: a last used column" "$(au list)" "last used never"

# -- rotation: the old key apart --------------------------------------------
new=$(au rotate pk_rot --grace 1h --quiet)
check_eq "old key in its grace: 200" "$(ask pk_rot "$rot")" 200
j=$(au show pk_rot --json)
used_old=$(printf '%s' "$j" | json_field old_key_last_used)
check_eq "old key use sets old_key_last_used" "$(recent "$used_old")" recent
check_eq "... and not last_used" "$(printf '%s' "$j" | json_field last_used)" null
check_contains "show: old key last used" "$(au show pk_rot)" "old key last used: "
rejects_finish=$(au rotate pk_rot --finish 2>&1)
check_eq "rotate --finish refuses a recently used old key: exit 11" "$?" 11
check_contains "... and says when it was used" "$rejects_finish" \
    "last used $used_old"
check_eq "the old key still works" "$(ask pk_rot "$rot")" 200
check_contains "rotate --finish --force ends it, saying when it was used" \
    "$(au rotate pk_rot --finish --force)" "last used $used_old"
check_eq "the old key no longer works" "$(ask pk_rot "$rot")" 401
check_eq "the new key works and is recorded" \
    "$(ask pk_rot "$new") $(recent "$(au show pk_rot --json | json_field last_used)")" \
    "200 recent"

# -- pamtester: pam_cerbo records through the same library call ---------------
if command -v pamtester >/dev/null 2>&1; then
	svc=cerbo-test-usage-$$
	sys_undo "rm -f /etc/pam.d/$svc"
	printf 'auth required %s store=%s\naccount required %s store=%s\n' \
	    "$MODULE" "$ST" "$MODULE" "$ST" >"/etc/pam.d/$svc"
	cp -p "$ST" "$T/store-before"
	check "pamtester: good key allowed" sh -c \
	    "printf '%s' '$never' | pamtester -E 'REQUEST=GET /api/v1/appointments/1 HTTP/1.1' $svc pk_never authenticate acct_mgmt"
	check_eq "pamtester: last_used is this minute" \
	    "$(recent "$(au show pk_never --json | json_field last_used)")" recent
	check "pamtester left the store's bytes as they were" \
	    cmp -s "$ST" "$T/store-before"
else
	skip "pamtester is not installed (tests/deps.sh test)"
fi

# -- the nginx module: the same library call, in nginx's worker -------------
if [ -f "$B/ngx_http_auth_cerbo_module.so" ] && command -v nginx >/dev/null; then
	ngx=$(add_user pk_ngx)
	nport=$(free_port)
	bport=$(free_port)
	N=$T/nginx
	mkdir -p "$N/tmp"
	install -m 0644 "$B/ngx_http_auth_cerbo_module.so" "$N/"
	cat >"$N/nginx.conf" <<CONF
user www-data cerbo;
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log info;
load_module $N/ngx_http_auth_cerbo_module.so;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	server {
		listen 127.0.0.1:$bport;
		location / { return 200 "ok\n"; }
	}
	server {
		listen 127.0.0.1:$nport;
		auth_cerbo_store $ST;
		location /api/ {
			auth_cerbo "Test";
			proxy_pass http://127.0.0.1:$bport;
		}
	}
}
CONF
	nginx -p "$N/" -e "$N/error.log" -c "$N/nginx.conf" >"$N/stderr" 2>&1 &
	ngx_pid=$!
	at_exit "kill -QUIT $ngx_pid 2>/dev/null; wait $ngx_pid"
	check "nginx with the module starts" wait_http "http://127.0.0.1:$nport/"
	cp -p "$ST" "$T/store-before"
	check_eq "nginx module: never used before" \
	    "$(au show pk_ngx --json | json_field last_used)" null
	check_eq "nginx module: good key allowed" \
	    "$(printf 'user = "pk_ngx:%s"\n' "$ngx" | curl -s -K - -o /dev/null \
	        -w '%{http_code}' "http://127.0.0.1:$nport/api/v1/appointments/1")" \
	    200
	check_eq "nginx module: last_used is this minute" \
	    "$(recent "$(au show pk_ngx --json | json_field last_used)")" recent
	check "the nginx module left the store's bytes as they were" \
	    cmp -s "$ST" "$T/store-before"
	kill -QUIT "$ngx_pid" 2>/dev/null
	wait "$ngx_pid" 2>/dev/null
else
	skip "the nginx module is not built (nginx-dev)"
fi

# -- list --unused-for ------------------------------------------------------
# pk_long: created long ago, used in 2021 (written into the usage file as
# cerbo-store(5) describes it); pk_fresh: created now, never used.
sed -i '/^  pk_long:/,/^  pk_[a-z]*:/s/^    created: .*/    created: 2020-01-01T00:00:00Z/' "$ST"
python3 - "$U" "$ST" <<'PY'
import hashlib, re, struct, sys
usage, store = sys.argv[1], sys.argv[2]
text = open(store).read()
h = re.search(r'\n  pk_long:\n(?:    .*\n)*?    secret: "?([^"\n]+)"?\n', text).group(1)
with open(usage, "r+b") as f:
    hdr = f.read(64)
    nhome = struct.unpack_from("<Q", hdr, 16)[0]
    key = hdr[24:40]
    tag = struct.unpack("<Q", hashlib.blake2b(b"pk_long\0" + h.encode(),
        key=key, digest_size=8).digest())[0] or 1
    home = 64 + (tag & (nhome - 1)) * 16
    f.seek(home)
    win = f.read(32 * 16)
    tags = [struct.unpack_from("<Q", win, i * 16)[0] for i in range(32)]
    # the key's slot (the tools took it), else the first empty one
    i = tags.index(tag) if tag in tags else tags.index(0)
    f.seek(home + i * 16)
    f.write(struct.pack("<QQ", tag, 1609459200 // 60))  # 2021-01-01
PY
check_eq "a figure written as cerbo-store(5) says reads back" \
    "$(au show pk_long --json | json_field last_used)" 2021-01-01T00:00:00Z
unused=$(au list --unused-for 30d --json | python3 -c 'import json,sys; print(" ".join(u["username"] for u in json.load(sys.stdin)["users"]))')
check_eq "list --unused-for 30d: the key used long ago, not the used or new ones" \
    "$unused" "pk_long"
check_eq "list --unused-for 1000d: the key used in 2021 only" \
    "$(au list --unused-for 1000d | awk '$1 ~ /^pk_/ {print $1}')" "pk_long"
sed -i '/^  pk_long:/,/^  pk_[a-z]*:/s/^    created: .*/    created: 2026-01-01T00:00:00Z/' "$ST"
sed -i '/^  pk_fresh:/,/^  pk_[a-z]*:/s/^    created: .*/    created: 2020-01-01T00:00:00Z/' "$ST"
check_eq "list --unused-for 30d: a key never used counts from its creation" \
    "$(au list --unused-for 30d | awk '$1 ~ /^pk_/ {print $1}' | sort | tr '\n' ' ')" \
    "pk_fresh pk_long "
check_contains "list --unused-for 10000d: none" \
    "$(au list --unused-for 3650d)" "(no API users unused for that long)"
check_exit "list --unused-for with a bad duration: exit 2" 2 \
    au list --unused-for soon

# -- a broken usage file changes no answer ------------------------------------
# Each case in a fresh cerbo-authd: a process writes a key's minute once,
# so a new one meets the broken file on its first right key.
restart() {
	kill -TERM "$AUTHD_PID"
	wait "$AUTHD_PID"
	start_authd --listen "127.0.0.1:$aport"
}
answers() {
	printf '%s %s %s %s %s' "$(ask pk_used "$key")" \
	    "$(ask pk_deny "$deny" DELETE)" "$(ask pk_used "$never")" \
	    "$(ask pk_nobody "$key")" "$(ask pk_used "$key")"
}
want="200 403 401 401 200"
restart
check_eq "answers with a good usage file" "$(answers)" "$want"
check_lacks "... and no word of the usage file in the log" \
    "$(cat "$T/authd.log")" "usage file"
head -c 4096 /dev/urandom >"$U.junk" && chmod 0664 "$U.junk" && mv "$U.junk" "$U"
restart
check_eq "garbage usage file: every answer unchanged" "$(answers)" "$want"
check_eq "... told in one log line" \
    "$(grep -c "usage file $U: not a usage file.*no answer is changed" "$T/authd.log")" 1
check_exit "show with a garbage usage file: still exit 0" 0 au show pk_used
check_eq "show says the last use is unknown" \
    "$(au show pk_used 2>/dev/null | sed -n 's/^last used: *//p')" unknown
check "usage-file PATH rebuilds a damaged file" au usage-file "$U" --quiet
restart
check_eq "answers with the rebuilt file" "$(answers)" "$want"
check_eq "... which records again" \
    "$(recent "$(au show pk_used --json | json_field last_used)")" recent
truncate -s 100 "$U"
restart
check_eq "truncated usage file: every answer unchanged" "$(answers)" "$want"
check_eq "... told in one log line" \
    "$(grep -c "usage file $U: .*no answer is changed" "$T/authd.log")" 1
rm -f "$U"
restart
check_eq "missing usage file: every answer unchanged" "$(answers)" "$want"
check_eq "... told in one log line" \
    "$(grep -c "usage file $U: cannot open.*no answer is changed" "$T/authd.log")" 1
au usage-file "$U" --quiet
chmod 0444 "$U"
restart
check_eq "unwritable usage file: every answer unchanged" "$(answers)" "$want"
check_eq "... told in one log line" \
    "$(grep -c "usage file $U: cannot open: Permission denied.*no answer is changed" "$T/authd.log")" 1
chmod 0664 "$U"

check "usage-file --off" au usage-file --off --quiet
check_lacks "the store names no usage file" "$(cat "$ST")" "usage_file"
printf 'usage_file: %s\n' "$T/var/other" >"$T/doc.yaml"
check_contains "apply sets usage_file" "$(au apply --diff "$T/doc.yaml")" \
    "~ store: usage_file (unset) -> $T/var/other"
check "... and the file is made" test -s "$T/var/other"
printf 'usage_file: null\n' >"$T/doc.yaml"
check_contains "apply with usage_file: null removes it" \
    "$(au apply --diff "$T/doc.yaml")" "~ store: usage_file $T/var/other -> (unset)"
stop_authd
