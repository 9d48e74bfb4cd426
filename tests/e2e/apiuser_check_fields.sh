# add --check and edit --check: every field judged on its own by the
# library's rules and the store, nothing written; list --json tells
# whether a user has expired or is in a rotation grace period.
. "$CERBO_TOP/tests/e2e/apiuser.inc"

# fields JSON: the "fields" object as NAME=VERDICT lines, sorted.
fields() {
	python3 -c 'import json, sys
for k, v in sorted(json.load(sys.stdin)["fields"].items()):
    print("%s=%s" % (k, "ok" if v is None else v))'
}

good="--nickname CRM --profile scheduling --email ops@example.com --description Sync"

# -- a store that does not exist yet ----------------------------------------
# shellcheck disable=SC2086
j=$(au add --check --json --username pk_new $good)
check_eq "add --check on a missing store: the profile cannot exist" \
    "$(printf '%s' "$j" | fields | grep '^profile=')" \
    'profile=no profile named "scheduling"'
check_eq "add --check writes no store" "$(ls "$T/s")" ""

seed
add_user pk_taken >/dev/null

# -- all valid ----------------------------------------------------------------
# shellcheck disable=SC2086
check_exit "add --check with valid fields: exit 0" 0 \
    au add --check --username pk_new $good
# shellcheck disable=SC2086
j=$(au add --check --json --username pk_new $good --expires never \
    --allow-from any)
check_eq "add --check --json: valid" "$(printf '%s' "$j" | json_get valid)" true
check_eq "add --check --json: every field null" "$(printf '%s' "$j" | fields)" \
    "$(printf 'allow_from=ok\ndescription=ok\nemail=ok\nexpires=ok\nnickname=ok\nprofile=ok\nusername=ok')"
check_eq "add --check --json: the store's generation" \
    "$(printf '%s' "$j" | json_get generation)" \
    "$(au list --json | json_get generation)"
ack=$(printf '%s' "$j" | python3 -c 'import json, sys
a = json.load(sys.stdin)["acknowledgement"]
print(a["intro"])
for i in a["items"]:
    print("-", i)')
check_eq "add --check --json: the facts to acknowledge, one item each" \
    "$(printf '%s\n' "$ack" | grep -c '^- ')" 4
check_contains "add --check --json: the first fact" "$ack" \
    "- The secret key is shown only once, now."
# The terminal shows the same items: each one's text, folded, is there.
tty_facts=$(au add --username pk_x --nickname n --profile scheduling \
    --email a@example.com --description d 2>&1 </dev/null | tr -s ' \n' '  ')
printf '%s\n' "$ack" | sed -n 's/^- //p' >"$T/items"
while IFS= read -r item; do
	check_contains "the terminal shows the fact: ${item%% *} ..." \
	    "$tty_facts" "$item"
done <"$T/items"
check_exit "add --check created nobody" 4 au show pk_new

# -- each kind of invalid field, all at once ---------------------------------
j=$(au add --check --json --username 'pk_a b' --nickname '' \
    --profile nosuch --email nobody --description '' \
    --expires 2027-13-01 --allow-from 10.0.0.0/33)
check_eq "add --check --json: invalid" "$(printf '%s' "$j" | json_get valid)" false
f=$(printf '%s' "$j" | fields)
check_contains "a username with a space: the library's message" "$f" \
    "username=username may hold only letters, digits, '_' and '-' (byte 5 is not one)"
check_contains "an empty nickname" "$f" "nickname=nickname must not be empty"
check_contains "a profile that does not exist" "$f" 'profile=no profile named "nosuch"'
check_contains "an email without @" "$f" "email=email must hold exactly one '@'"
check_contains "an empty description" "$f" "description=description must not be empty"
check_contains "a bad expiry" "$f" "expires=expires: time must be RFC 3339 UTC"
check_contains "a bad network" "$f" "allow_from=allow_from: \"10.0.0.0/33\""
# shellcheck disable=SC2086
check_eq "a username in use" \
    "$(au add --check --json --username pk_taken $good | fields | grep '^username=')" \
    "username=pk_taken exists already"
check_eq "without the pk_ prefix" \
    "$(au add --check --json --username crm | fields | grep '^username=')" \
    'username=username must start with "pk_"'
check_eq "a missing field is required" \
    "$(au add --check --json --username pk_x | fields | grep '^email=')" \
    "email=email is required"
rejects "add --check with invalid fields: exit 3, store unchanged" 3 \
    au add --check --username 'pk_a b' --nickname x --profile scheduling \
    --email a@b.example --description d
out=$(au add --check --username pk_x --nickname x --profile scheduling \
    --email nobody --description d 2>&1)
check_eq "add --check in text: FIELD: MESSAGE on stderr" "$out" \
    "email: email must hold exactly one '@'"

# -- edit --check ------------------------------------------------------------
j=$(au edit pk_taken --check --json --email nobody --nickname ok)
check_eq "edit --check judges the given fields only" \
    "$(printf '%s' "$j" | fields)" \
    "$(printf "email=email must hold exactly one '@'\nnickname=ok\nusername=ok")"
check_lacks "edit --check has no facts" "$j" '"acknowledgement"'
rejects "edit --check with an invalid field: exit 3, store unchanged" 3 \
    au edit pk_taken --check --email nobody
rejects "edit --check of a valid change: exit 0, store unchanged" 0 \
    au edit pk_taken --check --email new@example.com --disable
check_eq "edit --check of a user that does not exist" \
    "$(au edit pk_gone --check --json --email a@b.example | fields | grep '^username=')" \
    "username=no user named pk_gone"
rejects "edit --check of a user that does not exist: exit 4, as edit" 4 \
    au edit pk_gone --check --email a@b.example
rejects "edit --check of a user that does not exist, invalid field too: exit 4" 4 \
    au edit pk_gone --check --email nobody

# -- list --json: expired and in a grace period -----------------------------
add_user pk_old >/dev/null
au edit pk_old --expires 2000-01-01T00:00:00Z >/dev/null
au rotate pk_taken --grace 1h >/dev/null
states=$(au list --json | python3 -c 'import json, sys
for u in json.load(sys.stdin)["users"]:
    print(u["username"], u["expired"], u["old_secret_valid"], u["description"])')
check_eq "list --json: expired and old_secret_valid, judged now" "$states" \
    "$(printf 'pk_old True False Used by pk_old\npk_taken False True Used by pk_taken')"
