# cerbo-profile: every command and option, bad input refused with the store
# unchanged byte for byte, delete refused while in use, the allow-everything
# warning, JSON output.
. "$CERBO_TOP/tests/e2e/apiuser.inc"

# -- help and usage -------------------------------------------------------
out=$("$PROFILE" --help)
check_eq "--help exits 0" "$?" 0
for c in add list show edit delete; do
	check_contains "--help lists $c" "$out" "  $c"
	check "$c --help exits 0" "$PROFILE" "$c" --help
	check_contains "$c --help shows its usage" \
	    "$("$PROFILE" "$c" --help)" "usage: cerbo-profile $c"
	check_contains "$c -h is --help" "$("$PROFILE" "$c" -h)" \
	    "usage: cerbo-profile $c"
	check_contains "help $c is $c --help" "$("$PROFILE" help "$c")" \
	    "usage: cerbo-profile $c"
	check_eq "$c --help describes each option once" \
	    "$(help_repeats "$("$PROFILE" "$c" --help)")" ""
done
check_contains "--help gives the exit codes" "$out" "11 not possible"
check_exit "no command is a usage error" 2 "$PROFILE"
check_exit "an unknown command is a usage error" 2 "$PROFILE" frobnicate
check_exit "an option before the command is a usage error" 2 \
    "$PROFILE" --store "$ST" list
check_exit "an unknown option is a usage error" 2 "$PROFILE" list --bogus
check_exit "help for an unknown command is a usage error" 2 \
    "$PROFILE" help frobnicate
check_contains "--version names the store format" \
    "$("$PROFILE" --version)" "store format 1"
check_exit "a secret-looking option is refused" 2 \
    "$PROFILE" list --store "$ST" --secret=x

# -- add ------------------------------------------------------------------
out=$(pf add scheduling --description "Scheduling integration" \
    --allow "GET /api/v1/appointments/**" \
    --allow "POST /api/v1/appointments" --deny "DELETE /**" 2>&1)
check_eq "add exits 0 and creates the store" "$?" 0
check_eq "add reports the profile and its rule counts" "$out" \
    "+ profile scheduling (2 allow, 1 deny rules)"
check_eq "the first change creates the store with mode 0640" \
    "$(stat -c %a "$ST")" 640
j=$(pf add readonly --description "Read only" --allow "GET /api/**" --json)
check_eq "add --json says changed" "$(printf '%s' "$j" | json_get changed)" true
check_eq "add --json names the profile" "$(printf '%s' "$j" | json_get name)" \
    readonly
check_eq "add --json lists what changed" \
    "$(printf '%s' "$j" | json_get changes)" \
    '["+ profile readonly (1 allow, 0 deny rules)"]'
check_eq "add --json gives the new generation" \
    "$(printf '%s' "$j" | json_get generation)" 2
check_eq "add --json says it does not allow everything" \
    "$(printf '%s' "$j" | json_get allows_everything)" false
check_eq "add --quiet prints nothing" \
    "$(pf add quiet --description Q --allow 'GET /q' --quiet 2>&1)" ""

rejects "add of an existing name is refused (exit 5)" 5 \
    pf add scheduling --description "Other"
rejects "add --if-missing of an identical profile succeeds unchanged" 0 \
    pf add scheduling --description "Scheduling integration" \
    --allow "POST /api/v1/appointments" --deny "DELETE /**" \
    --allow "GET /api/v1/appointments/**" --if-missing
check_eq "add --if-missing of an identical profile says changed false" \
    "$(pf add readonly --description "Read only" --allow "GET /api/**" \
    --if-missing --json | json_get changed)" false
rejects "add --if-missing of a different profile is refused (exit 5)" 5 \
    pf add readonly --description "Read only" --allow "GET /x" --if-missing
rejects "add --if-missing with blanks around the description is the same profile" 0 \
    pf add readonly --description "  Read only " --allow "GET /api/**" \
    --if-missing
rejects "add without --description is a usage error" 2 \
    pf add nodesc --allow "GET /x"
rejects "add without a name is a usage error" 2 \
    pf add --description D
rejects "add with two names is a usage error" 2 \
    pf add a b --description D
rejects "add with --description twice is a usage error" 2 \
    pf add twice --description A --description B
rejects "a lower-case method is refused (exit 3)" 3 \
    pf add bad --description D --allow "get /x"
rejects "a rule without a path is refused" 3 \
    pf add bad --description D --allow "GET"
rejects "a path without a leading slash is refused" 3 \
    pf add bad --description D --deny "GET api"
rejects "** inside a segment is refused" 3 \
    pf add bad --description D --allow "GET /a**"
rejects "a good rule beside a bad one saves nothing" 3 \
    pf add bad --description D --allow "GET /ok" --deny "DELETE"
rejects "an upper-case profile name is refused" 3 \
    pf add Bad --description D --allow "GET /x"
rejects "a profile name with a space is refused" 3 \
    pf add "a b" --description D
rejects "an empty description is refused" 3 \
    pf add empty --description "   "
rejects "a description with a control character is refused" 3 \
    pf add ctl --description "$(printf 'a\tb')"
out=$(pf add bad --description D --allow "get /x" 2>&1)
check_contains "a bad rule is named with its option" "$out" \
    "--allow 'get /x'"
check_exit "a refused add created nothing" 4 pf show bad

# -- the allow-everything warning ------------------------------------------
out=$(pf add all --description "Everything" --allow "* /**" 2>&1 >/dev/null)
check_contains "add warns on stderr when a profile allows every endpoint" \
    "$out" "allows every endpoint"
check_contains "show warns too" "$(pf show all 2>&1 >/dev/null)" \
    "allows every endpoint"
check_eq "show --json says allows_everything" \
    "$(pf show all --json 2>/dev/null | json_get allows_everything)" true
check_contains "list marks it" "$(pf list)" "[allows every endpoint]"
check_lacks "a narrow profile gets no warning" \
    "$(pf show readonly 2>&1 >/dev/null)" "allows every endpoint"
out=$(pf edit readonly --allow "* /**" 2>&1 >/dev/null)
check_contains "edit warns when it makes a profile allow everything" \
    "$out" "allows every endpoint"
pf edit readonly --remove-allow "* /**" >/dev/null

# -- the warning about a deny rule a suffix can step around -------------------
out=$(pf add admin --description A --allow "* /api/**" \
    --deny "GET /api/v1/admin" 2>&1 >/dev/null)
check_contains "add warns of a deny rule not ending in /**" "$out" \
    'deny rule "GET /api/v1/admin": the path does not end in /**'
check_eq "the rule is still added" "$(pf show admin --json | json_get deny)" \
    '["GET /api/v1/admin"]'
j=$(pf edit admin --deny "DELETE /api/v1/users/*" --json 2>/dev/null)
check_contains "edit --json lists the warning" \
    "$(printf '%s' "$j" | json_get warnings)" "does not end in /**"
check_lacks "a deny rule ending in /** gets no warning" \
    "$(pf edit admin --deny "GET /api/v1/admin/**" 2>&1 >/dev/null)" \
    "does not end in"
pf delete admin >/dev/null

# -- list --------------------------------------------------------------------
add_user pk_sched >/dev/null
add_user pk_sched2 >/dev/null
add_user pk_ro --profile readonly >/dev/null
out=$(pf list)
check_contains "list has a header" "$out" "PROFILE"
check_contains "list shows a profile with its users, allow and deny counts" \
    "$out" "scheduling                    2      2     1  Scheduling integration"
check_eq "list --quiet prints only the names" "$(pf list -q)" \
    "$(printf 'all\nquiet\nreadonly\nscheduling')"
j=$(pf list --json)
check_eq "list --json says changed false" \
    "$(printf '%s' "$j" | json_get changed)" false
check_eq "list --json gives the generation" \
    "$(printf '%s' "$j" | json_get generation)" \
    "$(python3 -c 'import sys; print(sys.argv[1])' "$(sed -n 's/^generation: //p' "$ST")")"
check_eq "list --json gives the digest of the store's bytes" \
    "$(printf '%s' "$j" | json_get digest | wc -c)" 65
check_eq "list --json gives every profile with rules and user counts" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys
for p in json.load(sys.stdin)["profiles"]:
    print(p["name"], p["users"], len(p["allow"]), len(p["deny"]), p["allows_everything"])')" \
    "$(printf 'all 0 1 0 True\nquiet 0 1 0 False\nreadonly 1 1 0 False\nscheduling 2 2 1 False')"
check_eq "CERBO_STORE is used without --store" \
    "$(CERBO_STORE="$ST" "$PROFILE" list -q | wc -l)" 4
check_exit "list of a missing store is not found" 4 \
    "$PROFILE" list --store "$T/s/missing.yaml"
check_exit "list takes no argument" 2 pf list extra

# -- show --------------------------------------------------------------------
out=$(pf show scheduling)
check_contains "show gives the description" "$out" \
    "description: Scheduling integration"
check_contains "show gives the user count" "$out" "users:       2"
check_contains "show lists the allow rules" "$out" \
    "$(printf 'allow:\n  GET /api/v1/appointments/**\n  POST /api/v1/appointments')"
check_contains "show lists the deny rules" "$out" \
    "$(printf 'deny:\n  DELETE /**')"
check_contains "show says (none) for an empty list" "$(pf show readonly)" \
    "deny:        (none)"
j=$(pf show scheduling --json)
check_eq "show --json gives the rules" \
    "$(printf '%s' "$j" | json_get allow)" \
    '["GET /api/v1/appointments/**", "POST /api/v1/appointments"]'
check_eq "show --json gives the deny rules" \
    "$(printf '%s' "$j" | json_get deny)" '["DELETE /**"]'
check_eq "show --json gives the user count" \
    "$(printf '%s' "$j" | json_get users)" 2
check_eq "show --json gives the description" \
    "$(printf '%s' "$j" | json_get description)" "Scheduling integration"
check_eq "show --json gives the digest" \
    "$(printf '%s' "$j" | json_get digest)" \
    "$(pf list --json | json_get digest)"
check_exit "show of an unknown profile is not found" 4 pf show nosuch
check_exit "show of an invalid name is invalid input" 3 pf show "No Such"
check_exit "show without a name is a usage error" 2 pf show

# -- edit --------------------------------------------------------------------
out=$(pf edit scheduling --description "Scheduling v2" \
    --remove-allow "POST /api/v1/appointments" --allow "GET /api/v1/slots" \
    --deny "PUT /admin/**" --remove-deny "DELETE /**")
check_eq "edit prints each change" "$out" "$(printf '%s\n' \
    '~ profile scheduling: description "Scheduling integration" -> "Scheduling v2"' \
    '~ profile scheduling: - allow POST /api/v1/appointments' \
    '~ profile scheduling: - deny DELETE /**' \
    '~ profile scheduling: + allow GET /api/v1/slots' \
    '~ profile scheduling: + deny PUT /admin/**')"
j=$(pf show scheduling --json)
check_eq "edit replaced the allow rules" "$(printf '%s' "$j" | json_get allow)" \
    '["GET /api/v1/appointments/**", "GET /api/v1/slots"]'
check_eq "edit replaced the deny rules" "$(printf '%s' "$j" | json_get deny)" \
    '["PUT /admin/**"]'
check_eq "edit with values already so prints unchanged" \
    "$(pf edit scheduling --description "Scheduling v2" \
    --allow "GET /api/v1/slots")" unchanged
rejects "an edit that changes nothing writes nothing" 0 \
    pf edit scheduling --allow "GET /api/v1/slots"
j=$(pf edit scheduling --allow "GET /api/v1/slots" --json)
check_eq "unchanged edit --json says changed false" \
    "$(printf '%s' "$j" | json_get changed)" false
j=$(pf edit scheduling --deny "DELETE /**" --json)
check_eq "edit --json says changed" "$(printf '%s' "$j" | json_get changed)" true
check_eq "edit --json lists the changes" \
    "$(printf '%s' "$j" | json_get changes)" \
    '["~ profile scheduling: + deny DELETE /**"]'
check_eq "edit --json gives the change as a record" \
    "$(printf '%s' "$j" | json_get change_records)" \
    '[{"op": "updated", "object": "profile", "name": "scheduling", "field": "deny", "old": null, "new": "DELETE /**"}]'
rejects "removing a rule the profile lacks is not found (exit 4)" 4 \
    pf edit scheduling --remove-allow "GET /nothing"
rejects "a failed removal also drops the other changes" 4 \
    pf edit scheduling --description "Lost" --remove-deny "GET /nothing"
rejects "edit with a bad rule is refused" 3 \
    pf edit scheduling --allow "GET /ok" --allow "FETCH"
rejects "edit with a bad description is refused" 3 \
    pf edit scheduling --description ""
rejects "edit of an unknown profile is not found" 4 \
    pf edit nosuch --description D
rejects "edit with nothing to change is a usage error" 2 \
    pf edit scheduling
rejects "edit without a name is a usage error" 2 \
    pf edit --description D

# -- delete ------------------------------------------------------------------
rejects "delete of a profile in use is refused (exit 11)" 11 \
    pf delete scheduling
out=$(pf delete scheduling 2>&1)
check_contains "the refusal names the first user" "$out" pk_sched
check_contains "the refusal names the second user" "$out" pk_sched2
check_exit "the profile is still there" 0 pf show scheduling
"$APIUSER" edit --store "$ST" pk_sched --profile readonly >/dev/null
"$APIUSER" edit --store "$ST" pk_sched2 --profile readonly >/dev/null
check_eq "delete after moving its users deletes it" \
    "$(pf delete scheduling)" "- profile scheduling"
check_exit "the profile is gone" 4 pf show scheduling
rejects "delete of a missing profile is not found" 4 pf delete scheduling
rejects "delete --if-exists of a missing profile succeeds unchanged" 0 \
    pf delete scheduling --if-exists
check_eq "delete --if-exists says unchanged" \
    "$(pf delete scheduling --if-exists)" \
    "unchanged: profile scheduling does not exist"
j=$(pf delete quiet --json)
check_eq "delete --json says changed" "$(printf '%s' "$j" | json_get changed)" true
check_eq "delete --if-exists --json says changed false" \
    "$(pf delete quiet --if-exists --json | json_get changed)" false
rejects "delete without a name is a usage error" 2 pf delete
pf add gone --description G --allow "GET /g" >/dev/null
check_eq "delete takes -y/--yes (it never asks)" \
    "$(pf delete gone --yes)" "- profile gone"

# -- optimistic concurrency ----------------------------------------------------
gen=$(pf list --json | json_get generation)
dig=$(pf list --json | json_get digest)
rejects "a stale --expect-generation is a conflict (exit 10)" 10 \
    pf edit readonly --description X --expect-generation $((gen - 1))
rejects "a stale --expect-digest is a conflict (exit 10)" 10 \
    pf add new --description N --expect-digest \
    0000000000000000000000000000000000000000000000000000000000000000
rejects "a malformed --expect-digest is a usage error" 2 \
    pf delete all --expect-digest abc
rejects "a malformed --expect-generation is a usage error" 2 \
    pf delete all --expect-generation minus-one
check "the current --expect-generation is accepted" \
    pf edit readonly --description "Read only v2" --expect-generation "$gen"
dig=$(pf list --json | json_get digest)
check "the current --expect-digest is accepted" \
    pf delete all --expect-digest "$dig"

# -- the lock ------------------------------------------------------------------
python3 - "$ST.lock" "$T/locked" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(5)
PY
holder=$!
at_exit "kill $holder"
wait_until 5 '[ -f "$T/locked" ]'
rejects "a lock held too long is a lock timeout (exit 6)" 6 \
    pf add late --description L --lock-timeout 300ms
out=$(pf add late --description L --lock-timeout 300ms 2>&1)
check_contains "the timeout says what it waited for" "$out" "lock"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check "after the lock is released, add works" \
    pf add late --description L --lock-timeout 2s
rejects "a malformed --lock-timeout is a usage error" 2 \
    pf add later --description L --lock-timeout soon
# --lock-timeout reads durations as --grace does (one grammar, in the
# library): an hour is "1h", and more than an hour is refused by its bound.
check "--lock-timeout 1h is a duration" \
    pf add hourly --description H --lock-timeout 1h
out=$(pf add later --description L --lock-timeout 2h 2>&1)
check_contains "--lock-timeout beyond an hour names the bounds" "$out" \
    "between 0 and 1h"
rejects "--lock-timeout beyond an hour is a usage error" 2 \
    pf add later --description L --lock-timeout 61m

# -- the store file ---------------------------------------------------------------
check_eq "the store keeps its mode through every change" \
    "$(stat -c %a "$ST")" 640
check "the store is still valid" "$APIUSER" check "$ST"
