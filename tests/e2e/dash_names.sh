# Names that start with '-' read as options: the library refuses them for
# new profiles (usernames start with pk_), a store that already has one
# still loads and `check` warns about it, and the tools take "--" before
# their operands, as the Cockpit page passes it.
. "$CERBO_TOP/tests/e2e/apiuser.inc"

seed
add_user pk_dash >/dev/null
# A store written before the rule, with a profile named "-old".
python3 - "$ST" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("profiles:\n", "profiles:\n  -old:\n    allow: [GET /old]\n", 1)
open(p, "w").write(s)
PY
# The index, as a store installed by a config-management system is.
au compile >/dev/null

check "a store with a profile named -old still loads" au list
out=$(au check 2>&1)
rc=$?
check_eq "check: such a store is still valid (exit 0)" "$rc" 0
check_contains "check warns about the profile -old" "$out" \
    "warning: $ST: profile -old: profile name must not start with '-'"
warnings=$(au check --json | json_get warnings)
check_eq "check --json lists the warning" "$warnings" \
    "[\"profile -old: profile name must not start with '-'\"]"

rejects "profile add -- -new is refused (exit 3)" 3 \
    "$PROFILE" add --store "$ST" --description D --allow "GET /n" -- -new
rejects "apply of a profile -new is refused (exit 3)" 3 \
    sh -c 'printf "profiles:\n  - name: \"-new\"\n    allow: [GET /n]\n" |
        "$1" apply --store "$2" -' sh "$APIUSER" "$ST"
rejects "add --profile -old is refused (exit 3)" 3 \
    au add --username pk_new --nickname N --profile -old \
    --email ops@example.com --description D --acknowledge
rejects "edit --profile -old is refused (exit 3)" 3 \
    au edit pk_dash --profile -old

# "--" ends the options: what follows is an operand even when it starts
# with '-'.
out=$("$PROFILE" show --store "$ST" --json -- -old | json_get name)
check_eq "profile show -- -old shows it" "$out" "-old"
check_exit "profile show -old (no --) is a usage error" 2 \
    "$PROFILE" show --store "$ST" -old
out=$(au show --json -- pk_dash | json_get username)
check_eq "show -- USER" "$out" pk_dash
check "edit -- USER" au edit --nickname Renamed -- pk_dash
check_eq "edit -- USER changed it" \
    "$(au show pk_dash --json | json_get nickname)" Renamed
check "profile delete --yes -- -old removes it" \
    "$PROFILE" delete --store "$ST" --yes -- -old
out=$(au check 2>&1)
check_lacks "check: no warning once it is gone" "$out" "warning"
check "delete --yes -- USER" au delete --yes -- pk_dash
