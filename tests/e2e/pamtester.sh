#!/bin/sh
# pamtester, a real PAM client, against pam_cerbo.so.  pamtester reads only
# /etc/pam.d, so the test installs /etc/pam.d/cerbo-test-PID (removed on
# exit, or by the next test if this one is killed) naming the built module
# by absolute path and a store in the test's temporary folder, made with
# cerbo-apiuser.  Needs root.
# cerbo-test: system
. "$(dirname "$0")/lib.sh"

need_root "pamtester reads only /etc/pam.d"
command -v pamtester >/dev/null 2>&1 ||
    skip_all "pamtester is not installed (tests/deps.sh test)"

svc=cerbo-test-$$
store=$T/store/apiusers.yaml
allowed='GET /api/v1/appointments/42 HTTP/1.1'
forbidden='DELETE /api/v1/appointments/42 HTTP/1.1'
outside='GET /api/v1/patients/1 HTTP/1.1'

mkdir -m 0700 "$T/store"
"$APIUSER" apply --store "$store" --quiet - <<'EOF' >/dev/null
profiles:
  - name: scheduling
    description: Scheduling integration
    allow: [GET /api/v1/appointments/**, POST /api/v1/appointments]
    deny: [DELETE /**]
EOF
new_user() {
	"$APIUSER" add --store "$store" --username "$1" --nickname "Test $1" \
	    --profile scheduling --email ops@example.com \
	    --description "pamtester test" --acknowledge --quiet
}
secret=$(new_user pk_pamtester)
office=$(new_user pk_office)
"$APIUSER" edit pk_office --store "$store" --allow-from 192.0.2.0/24 \
    --quiet >/dev/null

sys_undo "rm -f /etc/pam.d/$svc /etc/pam.d/$svc-fixed /etc/pam.d/$svc-authonly"
cat >"/etc/pam.d/$svc" <<EOF
auth     required  $MODULE store=$store
account  required  $MODULE store=$store
password required  $MODULE store=$store
EOF
cat >"/etc/pam.d/$svc-fixed" <<EOF
auth     required  $MODULE store=$store [endpoint=DELETE /api/v1/appointments/1]
account  required  $MODULE store=$store [endpoint=DELETE /api/v1/appointments/1]
EOF
cat >"/etc/pam.d/$svc-authonly" <<EOF
auth     required  $MODULE store=$store authenticate_only
account  required  $MODULE store=$store authenticate_only
EOF

# pt SECRET ARGS...: pamtester with SECRET on standard input (never argv).
pt() {
	_s=$1
	shift
	printf '%s' "$_s" | pamtester "$@"
}

check "good secret and allowed request: exit 0" \
    pt "$secret" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate acct_mgmt
check_exit "wrong secret: exit 1" 1 \
    pt "$office" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate
check_exit "unknown user: exit 1" 1 \
    pt "$secret" -E "REQUEST=$allowed" "$svc" pk_nobody authenticate
check_exit "request denied by the profile (-E REQUEST=DELETE ...): exit 1" 1 \
    pt "$secret" -E "REQUEST=$forbidden" "$svc" pk_pamtester authenticate acct_mgmt
check_exit "request outside the profile: exit 1" 1 \
    pt "$secret" -E "REQUEST=$outside" "$svc" pk_pamtester authenticate acct_mgmt
check_exit "encoded dot-segment bypass: exit 1" 1 \
    pt "$secret" -E "REQUEST=GET /api/v1/appointments/%2e%2e/patients/1 HTTP/1.1" \
    "$svc" pk_pamtester authenticate acct_mgmt
check "authenticate alone needs no request" \
    pt "$secret" "$svc" pk_pamtester authenticate
check_exit "no request in the account phase: exit 1" 1 \
    pt "$secret" "$svc" pk_pamtester authenticate acct_mgmt
check "authenticate_only: no request needed" \
    pt "$secret" "$svc-authonly" pk_pamtester authenticate acct_mgmt
check_exit "fixed endpoint outside the profile: exit 1" 1 \
    pt "$secret" "$svc-fixed" pk_pamtester authenticate acct_mgmt
check "client inside allow_from (-I rhost=192.0.2.9): exit 0" \
    pt "$office" -I rhost=192.0.2.9 -E "REQUEST=$allowed" "$svc" pk_office \
    authenticate acct_mgmt
check_exit "client outside allow_from (-I rhost=198.51.100.7): exit 1" 1 \
    pt "$office" -I rhost=198.51.100.7 -E "REQUEST=$allowed" "$svc" pk_office \
    authenticate
check_exit "no client address with allow_from: exit 1" 1 \
    pt "$office" -E "REQUEST=$allowed" "$svc" pk_office authenticate
check_exit "chauthtok is refused: exit 1" 1 \
    pt "$secret" "$svc" pk_pamtester chauthtok

new=$("$APIUSER" rotate pk_pamtester --store "$store" --quiet)
check_exit "after rotate, the old secret: exit 1" 1 \
    pt "$secret" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate
check "after rotate, the new secret: exit 0" \
    pt "$new" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate acct_mgmt

"$APIUSER" edit pk_pamtester --store "$store" --disable --quiet >/dev/null
check_exit "disabled user: exit 1" 1 \
    pt "$new" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate
"$APIUSER" edit pk_pamtester --store "$store" --enable --quiet >/dev/null
check "enabled again: exit 0" \
    pt "$new" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate acct_mgmt

chmod 0666 "$store"
check_exit "store writable by others: exit 1" 1 \
    pt "$new" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate
chmod 0640 "$store"

"$APIUSER" delete pk_pamtester --store "$store" --yes --quiet >/dev/null
check_exit "deleted user: exit 1" 1 \
    pt "$new" -E "REQUEST=$allowed" "$svc" pk_pamtester authenticate
