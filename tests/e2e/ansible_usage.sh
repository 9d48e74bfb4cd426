#!/bin/sh
# The Ansible collection and key use: cerbo_usage_file turns the recording
# on (idempotent, check mode writes nothing), cerbo_apiuser_info returns
# each user's last_used and, with unused_for, the keys not used for that
# long on this host.  Needs ansible-core (tests/deps.sh test).
. "$(dirname "$0")/lib.sh"
top=$CERBO_TOP
if ! command -v ansible-playbook >/dev/null; then
	skip_all "no ansible-playbook (tests/deps.sh test installs ansible-core)"
fi

coll=$T/collections/ansible_collections/cerbo
mkdir -p "$coll" "$T/ansible" "$T/var"
ln -s "$top/contrib/ansible" "$coll/pam"
store=$T/cerbo/apiusers.yaml
usage=$T/var/usage

printf '%s\n' 'profiles:
  - name: api
    description: API
    allow: [GET /api/**]
users:
  - username: pk_busy
    nickname: Busy
    profile: api
    email: ops@example.com
    description: Used every day
  - username: pk_idle
    nickname: Idle
    profile: api
    email: ops@example.com
    description: Made long ago, never used' |
    "$APIUSER" apply --store "$store" --json - >"$T/apply.json"
busy=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secrets"]["pk_busy"])' "$T/apply.json")
sed -i '/^  pk_idle:/,/^  pk_[a-z]*:/s/^    created: .*/    created: 2020-01-01T00:00:00Z/' "$store"

cat >"$T/play.yml" <<PLAY
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Record when each key is used
      cerbo.pam.cerbo_usage_file:
        path: "$usage"
        store: "$store"
    - name: Every user with its last use
      cerbo.pam.cerbo_apiuser_info:
        store: "$store"
      register: all_users
    - name: Keys unused for 30 days on this host
      cerbo.pam.cerbo_apiuser_info:
        store: "$store"
        unused_for: 30d
      register: idle
    - name: Report
      ansible.builtin.debug:
        msg: "last_used={{ all_users.users | map(attribute='last_used') | list }} idle={{ idle.usernames }}"
PLAY
play() {
	_log=$1
	shift
	env ANSIBLE_COLLECTIONS_PATH="$T/collections" \
	    ANSIBLE_HOME="$T/ansible" ANSIBLE_LOCAL_TEMP="$T/ansible/tmp" \
	    ANSIBLE_REMOTE_TEMP="$T/ansible/rtmp" ANSIBLE_NOCOLOR=1 \
	    ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0 \
	    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 PATH="$B:$PATH" \
	    ansible-playbook -i localhost, -c local "$@" "${PLAYBOOK:-$T/play.yml}" \
	    >"$_log" 2>&1
}
changed() { grep -E '^localhost +:' "$1" | sed -n 's/.*changed=\([0-9]*\).*/\1/p'; }

# Check mode: the first task alone (the store names no usage file yet).
head -7 "$T/play.yml" >"$T/set.yml"
PLAYBOOK=$T/set.yml play "$T/check.log" --check
check_eq "a check-mode run succeeds" "$?" 0
check_eq "check mode reports the change" "$(changed "$T/check.log")" 1
check_lacks "check mode writes nothing" "$(cat "$store")" "usage_file"
check_fails "check mode makes no usage file" test -e "$usage"

printf '%s' "$busy" | "$APIUSER" verify pk_busy --store "$store" >/dev/null
play "$T/run1.log"
rc=$?
check_eq "the first run succeeds" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/run1.log" | tail -20
check_eq "cerbo_usage_file reports one change" "$(changed "$T/run1.log")" 1
check_contains "the store names the usage file" "$(cat "$store")" \
    "usage_file: $usage"
check "the usage file is made" test -s "$usage"

printf '%s' "$busy" | "$APIUSER" verify pk_busy --store "$store" >/dev/null
now=$(date -u +%Y-%m-%dT%H:%M:00Z)
play "$T/run2.log"
check_eq "the second run succeeds" "$?" 0
check_eq "the second run changes nothing" "$(changed "$T/run2.log")" 0
check_contains "cerbo_apiuser_info gives pk_busy's last use, pk_idle's none" \
    "$(cat "$T/run2.log")" "last_used=['$now', None]"
check_contains "unused_for 30d: the key made long ago and never used" \
    "$(cat "$T/run2.log")" "idle=['pk_idle']"
