#!/bin/sh
# Concurrency: many writers at once, each adding and editing its own users,
# while readers verify credentials in a loop through the library
# (cerbo-apiuser verify, check) and through PAM (pamtester against the
# built module).  No update may be lost (every user and every edit is
# there at the end, and the generation grew by exactly the number of
# writes), no reader may ever see a parse error or a wrong answer.
#
# Environment: CONC_WRITERS (default 6), CONC_OPS (users per writer,
# default 8), CONC_USERS (store size, default 2000).  The PAM readers need
# root: they use a service in /etc/pam.d.
# cerbo-test: system
. "$(dirname "$0")/lib.sh"

W=${CONC_WRITERS:-6}
K=${CONC_OPS:-8}
N=${CONC_USERS:-2000}
KEY=cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYO
REQ='GET /api/v1/x HTTP/1.1'

D="$T/store"
mkdir -m 0700 "$D"
S="$D/apiusers.yaml"
hash=$(printf '%s' "$KEY" | "$APIUSER" hash)

{
	echo "profiles:"
	echo "  - name: p"
	echo "    description: Concurrency test profile"
	echo "    allow: [GET /api/**]"
	echo "users:"
	for u in pk_stable pk_off; do
		printf '  - username: %s\n    nickname: %s\n    profile: p\n' $u $u
		printf '    email: ops@example.com\n    description: Reader target\n'
		printf '    secret_hash: "%s"\n' "$hash"
	done
	i=0
	while [ $i -lt "$N" ]; do
		printf '  - username: pk_bulk%05d\n    nickname: Bulk %d\n' $i $i
		printf '    profile: p\n    email: b%d@example.com\n' $i
		printf '    description: Ballast\n    secret_hash: "%s"\n' "$hash"
		i=$((i + 1))
	done
} >"$T/doc.yaml"
check "the store is created" "$APIUSER" apply "$T/doc.yaml" --store "$S" -q
check "pk_off is disabled" "$APIUSER" edit pk_off --disable --store "$S" -q
gen0=$("$APIUSER" check --store "$S" --json | sed -n 's/.*"generation": *\([0-9]*\).*/\1/p')

# PAM through pamtester needs a service in /etc/pam.d (root only).
pam=0
if [ "$(id -u)" -eq 0 ] && command -v pamtester >/dev/null 2>&1 &&
    [ -f "$MODULE" ]; then
	svc=cerbo-conc-$$
	sys_undo "rm -f /etc/pam.d/$svc"
	cat >"/etc/pam.d/$svc" <<EOF
auth     required  $MODULE store=$S
account  required  $MODULE store=$S
EOF
	pam=1
fi

FINAL="$T/final"
R="$T/readers"
mkdir "$R"

# reader NAME CMD...: runs CMD in a loop until it has run 3 times after
# $FINAL exists (the writers are done: it sees the final state too);
# counts runs and failures (a failure is CMD exiting non-zero) in $R/NAME.
reader() {
	_name=$1
	shift
	_runs=0 _bad=0 _final=0
	while [ "$_final" -lt 3 ]; do
		[ -e "$FINAL" ] && _final=$((_final + 1))
		if ! "$@" >"$R/$_name.out" 2>&1; then
			_bad=$((_bad + 1))
			cp "$R/$_name.out" "$R/$_name.last-failure"
		fi
		_runs=$((_runs + 1))
	done
	echo "$_runs $_bad" >"$R/$_name"
}

verify_ok() { printf '%s' "$KEY" | "$APIUSER" verify pk_stable GET /api/v1/x --store "$S"; }
verify_off() { ! printf '%s' "$KEY" | "$APIUSER" verify pk_off GET /api/v1/x --store "$S"; }
verify_wrong() {
	# The last character changed (to Q when it is P already).
	case "$KEY" in *P) _w="${KEY%?}Q" ;; *) _w="${KEY%?}P" ;; esac
	printf '%s' "$_w" | "$APIUSER" verify pk_stable --store "$S" >"$R/wrong.json" 2>&1
	[ $? -eq 1 ] && ! grep -qi 'error\|invalid' "$R/wrong.json"
}
checker() { "$APIUSER" check --store "$S" -q; }
pam_ok() { printf '%s' "$KEY" | pamtester -E "REQUEST=$REQ" "$svc" pk_stable authenticate acct_mgmt; }
pam_off() { ! printf '%s' "$KEY" | pamtester -E "REQUEST=$REQ" "$svc" pk_off authenticate acct_mgmt; }

readers="verify_ok verify_off verify_wrong checker"
[ "$pam" -eq 1 ] && readers="$readers pam_ok pam_off"
pids=""
for r in $readers; do
	reader "$r" "$r" &
	pids="$pids $!"
done

# writer W: adds K users, edits each, disables the odd ones.  The lock is
# taken by polling, which is not fair: under this load one writer can wait
# longer than the default 10 s while others get in, and fail cleanly (exit
# 6).  This test is about lost updates, so writers wait longer.
LOCKWAIT=--lock-timeout=50s
writer() {
	_w=$1 _j=1 _fail=0
	while [ "$_j" -le "$K" ]; do
		_u="pk_w${_w}_${_j}"
		"$APIUSER" add --store "$S" --username "$_u" --nickname "W$_w $_j" \
		    --profile p --email "w$_w@example.com" \
		    --description "Concurrent writer $_w" --acknowledge -q $LOCKWAIT \
		    >/dev/null 2>>"$T/w$_w.err" || _fail=$((_fail + 1))
		"$APIUSER" edit "$_u" --store "$S" --nickname "W$_w $_j edited" \
		    -q $LOCKWAIT >/dev/null 2>>"$T/w$_w.err" || _fail=$((_fail + 1))
		if [ $((_j % 2)) -eq 1 ]; then
			"$APIUSER" edit "$_u" --store "$S" --disable -q $LOCKWAIT \
			    >/dev/null 2>>"$T/w$_w.err" || _fail=$((_fail + 1))
		fi
		_j=$((_j + 1))
	done
	echo "$_fail" >"$T/w$_w.fail"
}

start=$(date +%s)
wpids=""
w=1
while [ "$w" -le "$W" ]; do
	writer "$w" &
	wpids="$wpids $!"
	w=$((w + 1))
done
for p in $wpids; do wait "$p"; done
touch "$FINAL"
for p in $pids; do wait "$p"; done
echo "# $W writers x $K users on a store of $N users: $(( $(date +%s) - start )) s"

wfail=0
w=1
while [ "$w" -le "$W" ]; do
	wfail=$((wfail + $(cat "$T/w$w.fail")))
	w=$((w + 1))
done
check_eq "every write succeeded" "$wfail" 0
[ "$wfail" -ne 0 ] && cat "$T"/w*.err | head -5 | sed 's/^/# /'

# No update lost.
missing=0 wrong=0
w=1
while [ "$w" -le "$W" ]; do
	j=1
	while [ "$j" -le "$K" ]; do
		u="pk_w${w}_${j}"
		out=$("$APIUSER" show "$u" --store "$S" --json 2>/dev/null) || {
			missing=$((missing + 1))
			j=$((j + 1))
			continue
		}
		case "$out" in *"\"W$w $j edited\""*) ;; *) wrong=$((wrong + 1)) ;; esac
		if [ $((j % 2)) -eq 1 ]; then
			case "$out" in *'"disabled":true'* | *'"disabled": true'*) ;;
			*) wrong=$((wrong + 1)) ;; esac
		else
			case "$out" in *'"disabled":false'* | *'"disabled": false'*) ;;
			*) wrong=$((wrong + 1)) ;; esac
		fi
		j=$((j + 1))
	done
	w=$((w + 1))
done
check_eq "every added user is there" "$missing" 0
check_eq "every edit is there (nickname, disabled)" "$wrong" 0
writes=$((W * K * 2 + W * ((K + 1) / 2)))
gen1=$("$APIUSER" check --store "$S" --json | sed -n 's/.*"generation": *\([0-9]*\).*/\1/p')
check_eq "the generation grew by exactly the number of writes ($writes)" \
    "$((gen1 - gen0))" "$writes"
total=$("$APIUSER" list --store "$S" --json | grep -o '"username"' | wc -l)
check_eq "the store holds every user" "$total" $((N + 2 + W * K))

for r in $readers; do
	set -- $(cat "$R/$r")
	if [ "$1" -gt 0 ] && [ "$2" -eq 0 ]; then
		ok "reader $r: $1 runs, never a wrong answer or an error"
	else
		not_ok "reader $r: $1 runs, $2 wrong answers or errors" \
		    "$(head -3 "$R/$r.last-failure" 2>/dev/null)"
	fi
done
[ "$pam" -eq 1 ] || skip "PAM readers need root and pamtester"
check "the final store is valid" "$APIUSER" check --store "$S"
