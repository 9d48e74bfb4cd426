# cerbo-apiuser edit, rotate, delete, import; --expect-generation and
# --expect-digest on every changing command.
. "$CERBO_TOP/tests/e2e/apiuser.inc"
seed
key=$(add_user pk_e)

# -- edit -------------------------------------------------------------------
j=$(au edit pk_e --nickname "New name" --email new@example.com \
    --description "New use" --profile readonly --json)
check_eq "edit --json reports changed" "$(printf '%s' "$j" | json_get changed)" true
check_eq "edit --json names the changed fields" \
    "$(printf '%s' "$j" | json_get fields)" \
    '["nickname", "profile", "email", "description"]'
check_eq "edit --json gives each change as a record, old and new values" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; print([(r["op"], r["object"], r["name"], r["field"], r["old"], r["new"]) for r in json.load(sys.stdin)["change_records"]][:2])')" \
    "[('updated', 'user', 'pk_e', 'nickname', 'Nick pk_e', 'New name'), ('updated', 'user', 'pk_e', 'profile', 'scheduling', 'readonly')]"
check_eq "edit --json lists the changes as lines too" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["changes"][0])')" \
    '~ user pk_e: nickname "Nick pk_e" -> "New name"'
s=$(au show pk_e --json)
check_eq "edit sets the nickname" "$(printf '%s' "$s" | json_get nickname)" "New name"
check_eq "edit sets the profile" "$(printf '%s' "$s" | json_get profile)" readonly
check_eq "edit sets the email" "$(printf '%s' "$s" | json_get email)" new@example.com
check_eq "edit sets the description" "$(printf '%s' "$s" | json_get description)" "New use"
check_eq "edit the same values again prints unchanged" \
    "$(au edit pk_e --nickname "New name" --profile readonly)" unchanged
rejects "an edit that changes nothing writes nothing" 0 \
    au edit pk_e --nickname "New name"
check_eq "unchanged edit --json says changed false" \
    "$(au edit pk_e --nickname "New name" --json | json_get changed)" false

au edit pk_e --disable >/dev/null
check_eq "edit --disable disables" "$(au show pk_e --json | json_get disabled)" true
check_exit "a disabled user does not verify" 1 \
    sh -c "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_e"
check_contains "verify says why: disabled" \
    "$(printf '%s\n' "$key" | au verify pk_e)" disabled
au edit pk_e --enable >/dev/null
check_eq "edit --enable enables" "$(au show pk_e --json | json_get disabled)" false
rejects "--disable with --enable is a usage error" 2 \
    au edit pk_e --disable --enable

au edit pk_e --expires 2031-02-03T04:05:06Z >/dev/null
check_eq "edit --expires sets the expiry" \
    "$(au show pk_e --json | json_get expires)" 2031-02-03T04:05:06Z
au edit pk_e --expires never >/dev/null
check_eq "edit --expires never unsets it" \
    "$(au show pk_e --json | json_get expires)" null
au edit pk_e --expires 2001-01-01T00:00:00Z >/dev/null
check_contains "an expired user is refused by verify" \
    "$(printf '%s\n' "$key" | au verify pk_e)" expired
au edit pk_e --expires never >/dev/null

au edit pk_e --allow-from 192.0.2.0/24,2001:db8::/32 >/dev/null
check_eq "edit --allow-from sets the networks" \
    "$(au show pk_e --json | json_get allow_from)" "192.0.2.0/24,2001:db8::/32"
check "verify --rhost inside allow_from is allowed" sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_e --rhost 192.0.2.7"
check_exit "verify --rhost outside allow_from is refused" 1 sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_e --rhost 198.51.100.1"
check_exit "verify --rhost IPv6 inside allow_from is allowed" 0 sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_e --rhost 2001:db8::1"
au edit pk_e --allow-from any >/dev/null
check_eq "edit --allow-from any unsets it" \
    "$(au show pk_e --json | json_get allow_from)" null

rejects "edit with no change option is a usage error" 2 au edit pk_e
rejects "edit of an unknown user: exit 4" 4 au edit pk_nobody --enable
rejects "edit with no user: usage" 2 au edit --enable
rejects "edit to an unknown profile: exit 4" 4 au edit pk_e --profile nosuch
rejects "edit with a bad email: exit 3" 3 au edit pk_e --email "a b@c"
rejects "edit with a bad time: exit 3" 3 au edit pk_e --expires 2030-13-01T00:00:00Z
rejects "edit with a bad network: exit 3" 3 au edit pk_e --allow-from 10.0.0.1/40
rejects "edit with two bad values: nothing at all changes" 3 \
    au edit pk_e --nickname "Fine" --email bad
rejects "edit refuses --secret" 2 au edit pk_e --secret x

# -- --expect-generation / --expect-digest ---------------------------------
gen=$(au show pk_e --json | json_get generation)
dig=$(au show pk_e --json | json_get digest)
rejects "edit with a stale --expect-generation: exit 10, nothing written" 10 \
    au edit pk_e --nickname Other --expect-generation $((gen - 1))
out=$(au edit pk_e --nickname Other --expect-generation $((gen - 1)) 2>&1)
check_contains "the conflict message names both generations" "$out" \
    "generation $((gen - 1))"
rejects "add with a stale --expect-generation: exit 10" 10 \
    add_user pk_x --expect-generation 0
rejects "delete with a stale --expect-digest: exit 10" 10 \
    au delete pk_e --yes --expect-digest \
    0000000000000000000000000000000000000000000000000000000000000000
rejects "rotate with a stale --expect-generation: exit 10" 10 \
    au rotate pk_e --expect-generation 999999
rejects "a malformed --expect-digest is a usage error" 2 \
    au edit pk_e --nickname X --expect-digest abc
rejects "a malformed --expect-generation is a usage error" 2 \
    au edit pk_e --nickname X --expect-generation -1
j=$(au edit pk_e --nickname Other --expect-generation "$gen" \
    --expect-digest "$dig" --json)
check_eq "a matching --expect-generation and --expect-digest: the change is made" \
    "$(printf '%s' "$j" | json_get changed)" true
check_eq "--json reports the new generation" \
    "$(printf '%s' "$j" | json_get generation)" $((gen + 1))
check_eq "show --json agrees" \
    "$(au show pk_e --json | json_get generation)" $((gen + 1))

# -- rotate -----------------------------------------------------------------
old=$(add_user pk_r)
out=$(au rotate pk_r --grace 1h)
new=$(printf '%s\n' "$out" | grep '^cerbo_sk_')
check_eq "rotate prints one new key" "$(printf '%s\n' "$out" | grep -c cerbo_sk_)" 1
check_contains "rotate --grace says until when" "$out" "keeps working until"
check "during the grace period the old key verifies" sh -c \
    "printf '%s\n' '$old' | '$APIUSER' verify --store '$ST' pk_r"
check_contains "verify says the old key matched" \
    "$(printf '%s\n' "$old" | au verify pk_r --json)" '"key":"old"'
check "during the grace period the new key verifies" sh -c \
    "printf '%s\n' '$new' | '$APIUSER' verify --store '$ST' pk_r"
check_eq "show says an old key is valid" \
    "$(au show pk_r --json | json_get old_secret_valid)" true
check_contains "show says until when" "$(au show pk_r)" "still valid until"
rejects "a second rotate during the grace period is refused (exit 11)" 11 \
    au rotate pk_r
out=$(au rotate pk_r 2>&1)
check_contains "the refusal mentions the grace period" "$out" "grace period"
au rotate pk_r --finish >/dev/null
check_exit "after --finish the old key fails" 1 sh -c \
    "printf '%s\n' '$old' | '$APIUSER' verify --store '$ST' pk_r"
check "after --finish the new key verifies" sh -c \
    "printf '%s\n' '$new' | '$APIUSER' verify --store '$ST' pk_r"
rejects "--finish with no old key: exit 11" 11 au rotate pk_r --finish
rejects "--finish with --grace is a usage error" 2 au rotate pk_r --finish --grace 1h

au rotate pk_r --grace 1h -q >/dev/null
new2=$(au rotate pk_r --force --quiet)
check_exit "rotate --force during a grace period drops the previous old key" 1 \
    sh -c "printf '%s\n' '$new' | '$APIUSER' verify --store '$ST' pk_r"
check "rotate --force: the newest key verifies" sh -c \
    "printf '%s\n' '$new2' | '$APIUSER' verify --store '$ST' pk_r"
new3=$(au rotate pk_r --force --quiet)
check_exit "rotate without --grace: the old key stops at once" 1 sh -c \
    "printf '%s\n' '$new2' | '$APIUSER' verify --store '$ST' pk_r"
check "rotate without --grace: the new key works" sh -c \
    "printf '%s\n' '$new3' | '$APIUSER' verify --store '$ST' pk_r"
rejects "--grace above the maximum (7d) is invalid" 3 au rotate pk_r --grace 8d
rejects "--grace that is not a duration is invalid" 3 au rotate pk_r --grace soon
rejects "rotate of an unknown user: exit 4" 4 au rotate pk_nobody
# An old key whose grace period is over stops working, and the next write
# drops it.
au rotate pk_r --grace 1s --quiet >/dev/null
wait_until 5 '[ "$(au show pk_r --json | json_get old_secret_valid)" = false ]'
check_eq "an expired old key is shown as not valid" \
    "$(au show pk_r --json | json_get old_secret_valid)" false
au edit pk_r --nickname "after grace" >/dev/null
check_lacks "the next write drops the expired old key" "$(cat "$ST")" \
    "old_secret"
j=$(au rotate pk_r --json)
check_eq "rotate --json holds the key" \
    "$(printf '%s' "$j" | json_get secret | cut -c1-9)" cerbo_sk_
rk=$(printf '%s' "$j" | json_get secret)
check_lacks "the rotated key never appears in show/list" \
    "$(au show pk_r; au show pk_r --json; au list --json; cat "$ST")" "$rk"
au rotate pk_r --secret-file "$T/rot.key" >/dev/null
check_eq "rotate --secret-file writes a 0600 file" "$(stat -c %a "$T/rot.key")" 600
check "the key in the file verifies" sh -c \
    "'$APIUSER' verify --store '$ST' pk_r <'$T/rot.key'"
rejects "rotate --secret-file never overwrites" 5 \
    au rotate pk_r --secret-file "$T/rot.key"
check "after the refused rotate the file's key still verifies" sh -c \
    "'$APIUSER' verify --store '$ST' pk_r <'$T/rot.key'"

# -- delete -----------------------------------------------------------------
add_user pk_d >/dev/null
rejects "delete off a terminal without --yes: exit 2, nothing deleted" 2 \
    au delete pk_d
check_eq "delete --yes --json says changed" \
    "$(au delete pk_d --yes --json | json_get changed)" true
check_exit "the deleted user is gone" 4 au show pk_d
rejects "delete of an unknown user: exit 4" 4 au delete pk_d --yes
check_eq "delete --if-exists of an unknown user: unchanged" \
    "$(au delete pk_d --yes --if-exists)" "unchanged: pk_d does not exist"
rejects "delete with no user: usage" 2 au delete --yes

# -- import -----------------------------------------------------------------
add_user pk_i >/dev/null
check_contains "import sets an argon2id hash for a non-generated secret" \
    "$(printf 'legacy-secret-1\n' | au import pk_i --secret-stdin)" argon2id
check "the imported secret verifies" sh -c \
    "printf 'legacy-secret-1\n' | '$APIUSER' verify --store '$ST' pk_i"
check_exit "a different secret fails" 1 sh -c \
    "printf 'legacy-secret-2\n' | '$APIUSER' verify --store '$ST' pk_i"
rejects "importing the same secret again changes nothing" 0 \
    sh -c "printf 'legacy-secret-1\n' | '$APIUSER' import --store '$ST' pk_i"
gk=$("$APIUSER" hash --generate --json | json_get secret)
check_contains "import of a generated key uses the fast scheme" \
    "$(printf '%s\n' "$gk" | au import pk_i)" cerbo-b2b
typo=$(printf '%s' "$gk" | sed 's/.$/_/')
rejects "import of a mistyped generated key: exit 3, nothing written" 3 \
    sh -c "printf '%s\n' '$typo' | '$APIUSER' import --store '$ST' pk_i"
check_contains "a mistyped generated key is called a typo" \
    "$(printf '%s\n' "$typo" | au import pk_i 2>&1)" "typo"
check_exit "hash of a mistyped generated key: exit 3" 3 \
    sh -c "printf '%s\n' '$typo' | '$APIUSER' hash"
check_exit "hash of a generated key missing a character: exit 3" 3 \
    sh -c "printf '%s\n' '$(printf '%s' "$gk" | cut -c1-57)' | '$APIUSER' hash"
rejects "import of an empty secret: exit 3" 3 \
    sh -c "printf '' | '$APIUSER' import --store '$ST' pk_i"
rejects "import of a secret over 1024 bytes: exit 3" 3 \
    sh -c "head -c 1100 /dev/zero | tr '\\0' a | '$APIUSER' import --store '$ST' pk_i"
rejects "import of a secret of two lines: exit 3" 3 \
    sh -c "printf 'one\ntwo\n' | '$APIUSER' import --store '$ST' pk_i"
rejects "import of a secret with a tab: exit 3" 3 \
    sh -c "printf 'one\ttwo' | '$APIUSER' import --store '$ST' pk_i"
check "one trailing CRLF is removed" sh -c \
    "printf 'crlf-secret\r\n' | '$APIUSER' import --store '$ST' pk_crlf \
    --nickname C --profile readonly --email c@example.com --description d \
    --acknowledge >/dev/null && printf 'crlf-secret' | '$APIUSER' verify \
    --store '$ST' pk_crlf"
rejects "import for a missing user without add fields: exit 4" 4 \
    sh -c "printf 'abc\n' | '$APIUSER' import --store '$ST' pk_missing"
out=$(printf 'abc\n' | au import pk_missing 2>&1)
check_contains "the message lists what creating it needs" "$out" "--acknowledge"
printf 'migrated-1\n' | au import pk_mig --nickname Mig --profile readonly \
    --email m@example.com --description "Migrated" --acknowledge >/dev/null
check "import with add fields and --acknowledge creates the user" sh -c \
    "printf 'migrated-1\n' | '$APIUSER' verify --store '$ST' pk_mig"
rejects "import refuses a secret in argv" 2 au import pk_i legacy-secret-1
rejects "import refuses --secret=" 2 au import pk_i --secret=x
printf 'legacy-next\n' | au import pk_i --grace 1h >/dev/null
check "import --grace keeps the previous key valid" sh -c \
    "printf '%s\n' '$gk' | '$APIUSER' verify --store '$ST' pk_i"
rejects "import during a grace period without --force: exit 11" 11 \
    sh -c "printf 'legacy-3\n' | '$APIUSER' import --store '$ST' pk_i"
