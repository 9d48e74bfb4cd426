#!/bin/sh
# The Ansible collection (contrib/ansible, cerbo.pam): the example playbook
# run against localhost twice on a temporary store.  The first run changes
# the store to what it declares, the second changes nothing; check mode
# reports a change without making it; the store holds what was declared
# and the keys work.  Needs ansible-core (tests/deps.sh test).
. "$(dirname "$0")/lib.sh"
top=$CERBO_TOP
if ! command -v ansible-playbook >/dev/null; then
	echo "ok 1 - # skip no ansible-playbook (tests/deps.sh test installs ansible-core)"
	exit 0
fi

coll=$T/collections/ansible_collections/cerbo
mkdir -p "$coll" "$T/ansible"
ln -s "$top/contrib/ansible" "$coll/pam"
store=$T/cerbo/apiusers.yaml
keys=$T/keys
mkdir -m 0700 "$keys"

# What the playbook replaces: a retired user and its profile.
printf '%s\n' 'profiles:
  - name: legacy
    description: Old sync
    allow: [GET /api/v0/**]
users:
  - username: pk_legacy_sync
    nickname: Legacy sync
    profile: legacy
    email: old@example.com
    description: Retired integration' |
    "$APIUSER" apply --store "$store" - >/dev/null

# The fleet key: made once, its hash kept in Ansible Vault (here a vars file).
"$APIUSER" hash --generate --json >"$T/fleet.json"
fleet_key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/fleet.json")
fleet_hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$T/fleet.json")
cat >"$T/vars.yml" <<EOF
ansible_become: false
ansible_python_interpreter: /usr/bin/python3
cerbo_store: "$store"
cerbo_key_dir: "$keys"
vault_scheduling_hash: '$fleet_hash'
EOF

# play LOG [ansible-playbook options]: run the example playbook.
play() {
	_log=$1; shift
	env ANSIBLE_COLLECTIONS_PATH="$T/collections" \
	    ANSIBLE_HOME="$T/ansible" ANSIBLE_LOCAL_TEMP="$T/ansible/tmp" \
	    ANSIBLE_REMOTE_TEMP="$T/ansible/rtmp" ANSIBLE_NOCOLOR=1 \
	    ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0 \
	    PATH="$B:$PATH" \
	    ansible-playbook -i localhost, -c local -e "@$T/vars.yml" "$@" \
	    "$top/contrib/ansible/examples/playbook.yml" >"$_log" 2>&1
}
recap() { grep -E '^localhost +:' "$1" | tr -s ' '; }
changed() { recap "$1" | sed -n 's/.*changed=\([0-9]*\).*/\1/p'; }
digest() { "$APIUSER" list --json --store "$store" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'; }

# ---- first run: everything declared is made --------------------------------
start=$(date +%s)
play "$T/run1.log"
rc=$?
check_eq "the first run succeeds" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/run1.log" | tail -30
echo "# first run:  $(recap "$T/run1.log")"
n=$(changed "$T/run1.log")
check "the first run reports changes (changed=$n)" test "${n:-0}" -gt 0

users=$("$APIUSER" list --json --store "$store" | python3 -c '
import json, sys
print(" ".join(u["username"] for u in json.load(sys.stdin)["users"]))')
check_eq "the store holds exactly the declared users" "$users" \
    "pk_crm_export pk_reports pk_scheduling_sync"
profiles=$("$PROFILE" list --json --store "$store" | python3 -c '
import json, sys
print(" ".join(p["name"] for p in json.load(sys.stdin)["profiles"]))')
check_eq "the store holds exactly the declared profiles (legacy removed)" \
    "$profiles" "reports scheduling"
check_contains "the scheduling profile has the declared rules" \
    "$("$PROFILE" show scheduling --json --store "$store")" \
    '"allow":["GET /api/v1/appointments/**","POST /api/v1/appointments"],"deny":["DELETE /**"]'
check_contains "pk_crm_export has the declared allow_from" \
    "$("$APIUSER" show pk_crm_export --json --store "$store")" "192.0.2.0/24"

verify_key() { _u=$1; _k=$2; shift 2; printf '%s' "$_k" | "$APIUSER" verify --store "$store" "$_u" "$@" >/dev/null 2>&1; }
check "the fleet key (secret_hash) works for pk_scheduling_sync" \
    verify_key pk_scheduling_sync "$fleet_key" GET /api/v1/appointments/42
check_eq "secret_file holds pk_crm_export's key, mode 0600" \
    "$(stat -c %a "$keys/pk_crm_export.key" 2>&1)" 600
check "the key in secret_file works from an allowed network" \
    verify_key pk_crm_export "$(cat "$keys/pk_crm_export.key")" \
    GET /api/v1/reports/monthly --rhost 192.0.2.5
check "the key returned once (no_log task) works for pk_reports" \
    verify_key pk_reports "$(cat "$keys/pk_reports.key")" GET /api/v1/reports/x
check_lacks "no generated key appears in the playbook output" \
    "$(cat "$T/run1.log")" "$(cat "$keys/pk_reports.key")"
check_lacks "no secret_file key appears in the playbook output" \
    "$(cat "$T/run1.log")" "$(cat "$keys/pk_crm_export.key")"
check_lacks "the fleet hash does not appear in the playbook output" \
    "$(cat "$T/run1.log")" "$fleet_hash"

# ---- second run: nothing to do ----------------------------------------------
before=$(digest)
play "$T/run2.log"
check_eq "the second run succeeds" "$?" 0
echo "# second run: $(recap "$T/run2.log")"
check_eq "the second run reports changed=0" "$(changed "$T/run2.log")" 0
check_eq "the second run leaves the store byte for byte" "$(digest)" "$before"

# ---- check mode with one declared change -----------------------------------
play "$T/run3.log" --check --diff -e report_disabled=true
check_eq "a check-mode run succeeds" "$?" 0
echo "# check run:  $(recap "$T/run3.log")"
check_eq "check mode reports the one change (changed=1)" \
    "$(changed "$T/run3.log")" 1
check_eq "check mode leaves the store byte for byte" "$(digest)" "$before"

echo "# three playbook runs: $(( $(date +%s) - start )) s"
