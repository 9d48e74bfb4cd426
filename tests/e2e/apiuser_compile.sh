#!/bin/sh
# cerbo-apiuser compile: the index of a store produced without the tools.
. "$(dirname "$0")/lib.sh"

S="$T/s/apiusers.yaml"
"$PROFILE" add sched --store "$S" --description "Scheduling" \
    --allow "GET /api/**" >/dev/null
out=$("$APIUSER" add --store "$S" --username pk_a --nickname A --profile sched \
    --email a@example.com --description "First" --acknowledge --quiet)
key=$(printf '%s\n' "$out" | tail -1)

check "every change writes the index" test -f "$S.idx"
check_eq "the index has the store's mode" "$(stat -c %a "$S.idx")" "$(stat -c %a "$S")"

# A hand-made store: what config management templates.
sed "s/^    nickname: .*/    nickname: \"Renamed by hand\"/" "$S" >"$T/s/new.yaml"
mv "$T/s/new.yaml" "$S"
chmod 0640 "$S"
check_exit "check of a store whose index is stale passes" 0 \
    "$APIUSER" check --store "$S"
check_contains "with a warning to run compile" \
    "$("$APIUSER" check --store "$S" 2>&1)" "stale"
before=$(sha256sum <"$S.idx")
check_exit "compile succeeds" 0 "$APIUSER" compile --store "$S"
check_lacks "compile rewrote the index" "$(sha256sum <"$S.idx")" "$before"
check_contains "the tools read the hand-made change" \
    "$("$APIUSER" show pk_a --store "$S")" "Renamed by hand"
check_eq "the key still verifies after compile" \
    "$(printf '%s\n' "$key" | "$APIUSER" verify pk_a --store "$S" >/dev/null 2>&1; echo $?)" 0

j=$("$APIUSER" compile --store "$S" --json)
check_contains "compile --json reports a change" "$j" '"changed":true'

gen=$("$APIUSER" list --store "$S" --json | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
check_exit "compile with a stale --expect-generation is a conflict" 10 \
    "$APIUSER" compile --store "$S" --expect-generation $((gen + 5))
check_exit "compile of a missing store is not found" 4 \
    "$APIUSER" compile --store "$T/none/apiusers.yaml"
check_exit "compile takes no operands" 2 "$APIUSER" compile extra --store "$S"

# An index written in place (as through a descriptor kept from while it
# was group-writable): the verifier passes over it, and check rebuilds the
# index in memory, finds the file differs, and says to compile.
check_exit "check passes with the index compile wrote" 0 \
    "$APIUSER" check --store "$S"
size=$(stat -c %s "$S.idx")
byte=$(od -An -tx1 -j $((size - 2)) -N1 "$S.idx" | tr -d ' ')
if [ "$byte" = 5a ]; then new=Y; else new=Z; fi
printf '%s' "$new" | dd of="$S.idx" bs=1 seek=$((size - 2)) conv=notrunc \
    2>/dev/null
check_exit "check of an index written in place fails as store invalid" 7 \
    "$APIUSER" check --store "$S"
check_contains "and says to run compile" \
    "$("$APIUSER" check --store "$S" 2>&1)" "cerbo-apiuser compile"
check_contains "check --json lists it among the errors" \
    "$("$APIUSER" check --store "$S" --json)" "written in place"
check_eq "the key still verifies, from the YAML" \
    "$(printf '%s\n' "$key" | "$APIUSER" verify pk_a --store "$S" >/dev/null 2>&1; echo $?)" 0
check_exit "compile" 0 "$APIUSER" compile --store "$S"
check_exit "check passes once compiled again" 0 "$APIUSER" check --store "$S"

# An invalid store is not compiled: its old index stays untouched.
cp "$S.idx" "$T/idx.before"
printf 'cerbo_store: 1\ngeneration: x\n' >"$S"
check_exit "compile of an invalid store fails as store invalid" 7 \
    "$APIUSER" compile --store "$S"
check "the old index is left as it was" cmp -s "$S.idx" "$T/idx.before"
