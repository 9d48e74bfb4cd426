# cerbo-apiuser apply (many changes in one transaction) and edit-file (the
# store in an editor, validated, installed by the same transaction).
. "$CERBO_TOP/tests/e2e/apiuser.inc"
seed

# -- apply ------------------------------------------------------------------
cat >"$T/doc.yaml" <<'DOC'
profiles:
  - name: crm
    description: CRM sync
    allow: [GET /api/v1/contacts/**]
users:
  - username: pk_one
    nickname: One
    profile: crm
    email: one@example.com
    description: First
  - username: pk_two
    nickname: Two
    profile: crm
    email: two@example.com
    description: Second
DOC
cp "$ST" "$T/before"
out=$(au apply "$T/doc.yaml" --check --diff)
check "apply --check writes nothing" cmp "$T/before" "$ST"
check_contains "apply --check --diff lists what would change" "$out" "+ user pk_one"
check_contains "apply --check says it would apply" "$out" "would apply"
check_lacks "apply --check prints no key" "$out" cerbo_sk_
check_contains "apply --check says how many keys the real run prints" \
    "$out" "(dry run: 2 new keys would be printed once)"
out=$(au apply "$T/doc.yaml" --diff)
check_contains "apply --diff prints each change" "$out" "+ profile crm"
check_eq "apply prints each generated key once" \
    "$(printf '%s\n' "$out" | grep -c '^cerbo_sk_')" 2
k1=$(printf '%s\n' "$out" | grep -A1 'for pk_one' | grep '^cerbo_sk_')
check "a key printed by apply verifies" sh -c \
    "printf '%s\n' '$k1' | '$APIUSER' verify --store '$ST' pk_one"
check_lacks "the key is not in the store or show" \
    "$(cat "$ST"; au show pk_one --json)" "$k1"
cp "$ST" "$T/after1"
check_eq "applying the same document again: unchanged" \
    "$(au apply "$T/doc.yaml")" unchanged
check "the second apply wrote nothing" cmp "$T/after1" "$ST"
j=$(au apply "$T/doc.yaml" --json)
check_eq "apply --json: changed false the second time" \
    "$(printf '%s' "$j" | json_get changed)" false
cat >"$T/doc2.yaml" <<'DOC'
users:
  - username: pk_two
    state: absent
  - username: pk_three
    nickname: Three
    profile: crm
    email: three@example.com
    description: Third
DOC
check_contains "apply --check counts one new key" \
    "$(au apply "$T/doc2.yaml" --check)" \
    "1 removed (dry run: 1 new key would be printed once)"
j=$(cat "$T/doc2.yaml" | au apply - --json)
check_eq "apply - reads stdin; --json counts added and removed" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["changed"], d["added"], d["removed"], list(d["secrets"]), d["changes"])')" \
    "True 1 1 ['pk_three'] ['+ user pk_three', '- user pk_two']"
check_eq "apply --json gives each change as a record" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; print([(r["op"], r["object"], r["name"], r["field"]) for r in json.load(sys.stdin)["change_records"]])')" \
    "[('added', 'user', 'pk_three', None), ('removed', 'user', 'pk_two', None)]"
check_exit "pk_two is gone" 4 au show pk_two
cat >"$T/bad.yaml" <<'DOC'
users:
  - username: pk_four
    nickname: Four
    profile: crm
    email: four@example.com
    description: Fourth
  - username: pk_five
    nickname: Five
    profile: crm
    email: not-an-email
    description: Fifth
DOC
rejects "apply with one invalid entry changes nothing (exit 3)" 3 \
    au apply "$T/bad.yaml"
out=$(au apply "$T/bad.yaml" 2>&1)
check_contains "the error names the document, line and column" "$out" \
    "$T/bad.yaml:10:"
check_exit "pk_four was not added" 4 au show pk_four
printf 'users:\n  - username: pk_x\n    colour: red\n' >"$T/unk.yaml"
rejects "apply with an unknown key: exit 3" 3 au apply "$T/unk.yaml"
rejects "apply of a missing file: exit 4" 4 au apply "$T/none.yaml"
rejects "apply without a document: usage" 2 au apply
rejects "apply with a stale --expect-generation: exit 10" 10 \
    au apply "$T/bad.yaml" --expect-generation 1

cat >"$T/deny.yaml" <<'DOC'
profiles:
  - name: guarded
    description: Guarded
    allow: ["* /api/**"]
    deny: ["GET /api/v1/admin", "DELETE /api/v1/admin/**"]
DOC
out=$(au apply "$T/deny.yaml" 2>&1 >/dev/null)
check_contains "apply warns of a deny rule not ending in /**" "$out" \
    'profile guarded: deny rule "GET /api/v1/admin": the path does not end in /**'
check_lacks "but not of one that does" "$out" "DELETE /api/v1/admin/**"
printf 'profiles:\n  - name: guarded\n    description: Guarded\n    allow: ["* /api/**"]\n    deny: ["GET /api/v1/admin", "DELETE /api/v1/admin/**", "PUT /api/v1/users/*"]\n' >"$T/deny2.yaml"
check_contains "apply --json lists the warning of a rule it adds" \
    "$(au apply "$T/deny2.yaml" --json 2>/dev/null | json_get warnings)" \
    'deny rule \"PUT /api/v1/users/*\"'

# -- edit-file ----------------------------------------------------------------
cat >"$T/ed-nick.sh" <<'SH'
#!/bin/sh
# A scripted editor: renames a nickname, records the file's mode.
stat -c %a "$1" >"$EDLOG"
sed -i 's/nickname: "One"/nickname: "Uno"/' "$1"
SH
cat >"$T/ed-none.sh" <<'SH'
#!/bin/sh
echo "$1" >"$EDLOG"
SH
cat >"$T/ed-bad.sh" <<'SH'
#!/bin/sh
sed -i 's/disabled: false/disabled: yes/' "$1"
echo "$1" >"$EDLOG"
SH
cat >"$T/ed-fail.sh" <<'SH'
#!/bin/sh
sed -i 's/nickname: "One"/nickname: "Changed"/' "$1"
exit 1
SH
cat >"$T/ed-gen.sh" <<'SH'
#!/bin/sh
sed -i 's/^generation: .*/generation: 1/; s/nickname: "Uno"/nickname: "Eins"/' "$1"
SH
chmod +x "$T"/ed-*.sh
export EDLOG="$T/edlog"
gen=$(au show pk_one --json | json_get generation)
out=$(EDITOR="$T/ed-nick.sh" au edit-file)
check_contains "edit-file installs a valid edit" "$out" "installed"
check_eq "the edited value is in the store" \
    "$(au show pk_one --json | json_get nickname)" Uno
check_eq "the editor's copy was private (0600)" "$(cat "$EDLOG")" 600
check_eq "edit-file bumps the generation by one" \
    "$(au show pk_one --json | json_get generation)" $((gen + 1))
check_eq "edit-file keeps the store's mode" "$(stat -c %a "$ST")" 640
check "edit-file keeps the previous version as STORE-" test -f "$ST-"

cp "$ST" "$T/before"
out=$(VISUAL="$T/ed-none.sh" EDITOR=false au edit-file)
check_eq "no change in the editor: unchanged (VISUAL wins over EDITOR)" "$out" unchanged
check "an unchanged edit-file writes nothing" cmp "$T/before" "$ST"
check_fails "the private copy is removed afterwards" test -e "$(cat "$EDLOG")"

# The copy holds every hash: it lives in a private folder beside the store,
# never under $TMPDIR, which other accounts may share.
cat >"$T/ed-where.sh" <<'SH'
#!/bin/sh
d=$(dirname "$1")
printf '%s %s %s\n' "$(dirname "$d")" "$(stat -c %a "$d")" \
    "$(ls -A "$TMPDIR" | wc -l)" >"$EDLOG"
echo "$d" >"$EDLOG.dir"
SH
chmod +x "$T/ed-where.sh"
mkdir -m 1777 "$T/shared-tmp"
TMPDIR="$T/shared-tmp" EDITOR="$T/ed-where.sh" au edit-file >/dev/null
check_eq "the copy is in a 0700 folder beside the store, nothing in TMPDIR" \
    "$(cat "$EDLOG")" "$(dirname "$ST") 700 0"
check_fails "the private folder is removed afterwards" \
    test -e "$(cat "$EDLOG.dir")"

rejects "an invalid edit off a terminal aborts with exit 3" 3 \
    env EDITOR="$T/ed-bad.sh" "$APIUSER" edit-file --store "$ST"
out=$(EDITOR="$T/ed-bad.sh" au edit-file 2>&1 </dev/null)
check_contains "the error has the line and column" "$out" "$ST:"
check_contains "and says nothing changed" "$out" "nothing changed"
check_fails "the private copy is removed after an abort" test -e "$(cat "$EDLOG")"
rejects "an editor that fails changes nothing" 9 \
    env EDITOR="$T/ed-fail.sh" "$APIUSER" edit-file --store "$ST"
gen=$(au show pk_one --json | json_get generation)
EDITOR="$T/ed-gen.sh" au edit-file >/dev/null
check_eq "a hand-edited generation is overridden: read + 1" \
    "$(au show pk_one --json | json_get generation)" $((gen + 1))
rejects "edit-file with a stale --expect-generation: exit 10" 10 \
    env EDITOR="$T/ed-nick.sh" "$APIUSER" edit-file --store "$ST" \
    --expect-generation 1
EDITOR="$T/ed-none.sh" "$APIUSER" edit-file --store "$T/fresh/apiusers.yaml" >/dev/null
check_fails "edit-file on a missing store without a change creates nothing" \
    test -e "$T/fresh/apiusers.yaml"
