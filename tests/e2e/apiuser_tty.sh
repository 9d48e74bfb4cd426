# cerbo-apiuser on a terminal, driven through a pseudo-terminal: the add
# form, the acknowledgement, the delete confirmation, secret prompts
# without echo, edit-file's re-edit question.
. "$CERBO_TOP/tests/e2e/apiuser.inc"
seed
PTY="python3 $CERBO_TOP/tests/e2e/pty_drive.py"

# -- the add form -------------------------------------------------------------
out=$($PTY expect="Nickname: " send="CRM sync" \
    expect="Username: " send="bad name" expect="pk_" expect="Username: " \
    send="pk_tty" \
    expect="Profiles: readonly scheduling" expect="Profile: " send="nosuch" \
    expect='no profile named "nosuch"' expect="Profile: " send="scheduling" \
    expect="email: " send="not-an-email" expect="email: " \
    send="ops@example.com" \
    expect="Description: " send="Syncs contacts" \
    expect="Anyone holding the secret key acts as this API user" \
    expect='Type "yes" to acknowledge and create pk_tty: ' send="yes" \
    expect="created pk_tty" \
    -- "$APIUSER" add --store "$ST")
rc=$?
check_eq "the terminal form creates the user (exit 0)" "$rc" 0
check_contains "the form shows the facts before asking" "$out" \
    "Keep the secret key in secure storage"
check_contains "the form re-asks an invalid field with the reason" "$out" \
    "email"
s=$(au show pk_tty --json)
check_eq "the answers are stored" \
    "$(printf '%s' "$s" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nickname"], d["profile"], d["email"], d["description"])')" \
    "CRM sync scheduling ops@example.com Syncs contacts"
key=$(printf '%s\n' "$out" | tr -d '\r' | grep '^cerbo_sk_')
check_eq "the key is printed once" "$(printf '%s\n' "$out" | grep -c cerbo_sk_)" 1
check "the printed key verifies" sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_tty"

cp "$ST" "$T/before"
out=$($PTY expect='Type "yes"' send="no" -- "$APIUSER" add --store "$ST" \
    --username pk_no --nickname N --profile readonly --email n@example.com \
    --description d)
check_eq "declining the facts: exit 1" "$?" 1
check_contains "declining says nothing was created" "$out" "nothing created"
check "declining leaves the store byte for byte" cmp "$T/before" "$ST"
out=$($PTY expect="Nickname: " send="" expect="nickname" \
    expect="Nickname: " signal=INT -- "$APIUSER" add --store "$ST")
check_eq "an empty nickname is asked again, not accepted" \
    "$(printf '%s' "$out" | grep -c 'Nickname: ')" 2
out=$($PTY expect='Type "yes"' send="yes" expect="created" \
    -- "$APIUSER" add --store "$ST" --username pk_flags --nickname F \
    --profile readonly --email f@example.com --description d)
check_eq "with every flag on a terminal only the acknowledgement is asked" \
    "$?" 0
check_lacks "no field was asked for" "$out" "Nickname:"
out=$($PTY expect="created" -- "$APIUSER" add --store "$ST" \
    --username pk_ack --nickname F --profile readonly --email f@example.com \
    --description d --acknowledge)
check_lacks "--acknowledge on a terminal asks nothing" "$out" 'Type "yes"'

# -- delete: type the username ------------------------------------------------
cp "$ST" "$T/before"
out=$($PTY expect="Type the username to confirm: " send="pk_wrong" \
    -- "$APIUSER" delete --store "$ST" pk_flags)
check_eq "delete: a wrong name refuses (exit 1)" "$?" 1
check "a refused delete leaves the store byte for byte" cmp "$T/before" "$ST"
$PTY expect="Type the username to confirm: " send="pk_flags" \
    -- "$APIUSER" delete --store "$ST" pk_flags >/dev/null
check_eq "delete: typing the username deletes" "$?" 0
check_exit "the user is gone" 4 au show pk_flags
$PTY -- "$APIUSER" delete --store "$ST" pk_ack --yes >/dev/null
check_eq "delete --yes on a terminal asks nothing" "$?" 0

# -- secrets on a terminal: no echo, restored -----------------------------------
out=$($PTY --echo-after expect="Secret: " send="$key" \
    -- "$APIUSER" verify --store "$ST" pk_tty)
check_eq "verify reads the secret from the terminal" "$?" 0
check_lacks "the secret typed is not echoed" "$out" "$key"
check_contains "the terminal echoes again afterwards" "$out" "pty-echo: on"
out=$($PTY --echo-after expect="Secret: " signal=INT \
    -- "$APIUSER" verify --store "$ST" pk_tty)
check_eq "Ctrl-C at the secret prompt ends the program" "$?" 130
check_contains "Ctrl-C at the secret prompt restores echo" "$out" "pty-echo: on"
out=$($PTY --echo-after expect="Secret: " send="legacy-tty-secret" \
    -- "$APIUSER" import --store "$ST" pk_tty)
check_lacks "import's secret is not echoed" "$out" "legacy-tty-secret"
check "the secret imported on a terminal verifies" sh -c \
    "printf 'legacy-tty-secret\n' | '$APIUSER' verify --store '$ST' pk_tty"

# -- edit-file: edit again, or abort --------------------------------------------
cat >"$T/ed-twice.sh" <<'SH'
#!/bin/sh
# First run: an invalid value; second run: a valid one.
if [ ! -f "$EDCOUNT" ]; then
	: >"$EDCOUNT"
	echo "bogus: [" >>"$1"
else
	sed -i '/^bogus: \[/d; s/nickname: "CRM sync"/nickname: "CRM fixed"/' "$1"
fi
SH
chmod +x "$T/ed-twice.sh"
export EDCOUNT="$T/edcount"
out=$($PTY expect="(e)dit again, (a)bort: " send="e" expect="installed" \
    -- env EDITOR="$T/ed-twice.sh" "$APIUSER" edit-file --store "$ST")
check_eq "edit-file: edit again after an error, then install" "$?" 0
check_contains "the error was shown with its position" "$out" "$ST:"
check_eq "the second edit is installed" \
    "$(au show pk_tty --json | json_get nickname)" "CRM fixed"
rm -f "$EDCOUNT"
cp "$ST" "$T/before"
$PTY expect="(e)dit again, (a)bort: " send="a" \
    -- env EDITOR="$T/ed-twice.sh" "$APIUSER" edit-file --store "$ST" >/dev/null
check_eq "edit-file: abort after an error exits 3" "$?" 3
check "an aborted edit-file leaves the store byte for byte" cmp "$T/before" "$ST"
