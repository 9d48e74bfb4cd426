# cerbo-apiuser add: fields, validation, the acknowledgement, the secret
# shown once, --secret-file, --if-missing, --json, creating the store.
. "$CERBO_TOP/tests/e2e/apiuser.inc"

# -- a new store: created by the first change, 0640 in a 0750 folder ------
NEW="$T/new/apiusers.yaml"
"$APIUSER" apply --store "$NEW" - >/dev/null <<'DOC'
profiles:
  - name: p
    allow: [GET /**]
DOC
check_eq "first change creates the store with mode 0640" \
    "$(stat -c %a "$NEW" 2>&1)" "640"
check_eq "first change creates the store's folder with mode 0750" \
    "$(stat -c %a "$T/new" 2>&1)" "750"
check_eq "the store's group is the folder's" \
    "$(stat -c %g "$NEW" 2>&1)" "$(stat -c %g "$T/new" 2>&1)"

seed

# -- the acknowledgement --------------------------------------------------
rejects "add without --acknowledge off a terminal fails, creating nothing" 2 \
    au add --username pk_a --nickname A --profile scheduling \
    --email a@example.com --description d
out=$(au add --username pk_a --nickname A --profile scheduling \
    --email a@example.com --description d 2>&1 </dev/null)
check_contains "the refusal names --acknowledge" "$out" "--acknowledge"
check_contains "the refusal shows the facts" "$out" \
    "Anyone holding the secret key acts as this API user"
check_contains "the facts say the key is shown once" "$out" \
    "shown only once"
check_contains "the facts recommend the most restricted profile" "$out" \
    "most restricted profile"
check_contains "the facts say to keep it in secure storage" "$out" \
    "secure storage"
check_exit "nothing was created" 4 au show pk_a

# -- missing and invalid fields -------------------------------------------
rejects "add without --email is a usage error" 2 \
    au add --username pk_a --nickname A --profile scheduling \
    --description d --acknowledge
out=$(au add --username pk_a --acknowledge 2>&1 </dev/null)
check_contains "the usage error lists every missing field" "$out" \
    "--nickname --profile --email --description"
rejects "a username without pk_ is invalid input" 3 \
    au add --username alice --nickname A --profile scheduling \
    --email a@example.com --description d --acknowledge
rejects "a username with a space is invalid" 3 \
    au add --username "pk_a b" --nickname A --profile scheduling \
    --email a@example.com --description d --acknowledge
rejects "a username longer than 64 bytes is invalid" 3 \
    au add --username "pk_$(printf 'a%.0s' $(seq 1 62))" --nickname A \
    --profile scheduling --email a@example.com --description d --acknowledge
rejects "an email without @ is invalid" 3 \
    au add --username pk_a --nickname A --profile scheduling \
    --email nobody --description d --acknowledge
rejects "an empty nickname is invalid" 3 \
    au add --username pk_a --nickname "   " --profile scheduling \
    --email a@example.com --description d --acknowledge
rejects "a nickname with a control character is invalid" 3 \
    au add --username pk_a --nickname "$(printf 'a\tb')" \
    --profile scheduling --email a@example.com --description d \
    --acknowledge
rejects "an unknown profile is not found" 4 \
    au add --username pk_a --nickname A --profile nosuch \
    --email a@example.com --description d --acknowledge
rejects "a bad --expires is invalid" 3 \
    au add --username pk_a --nickname A --profile scheduling \
    --email a@example.com --description d --acknowledge --expires tomorrow
rejects "a bad --allow-from is invalid" 3 \
    au add --username pk_a --nickname A --profile scheduling \
    --email a@example.com --description d --acknowledge \
    --allow-from 10.0.0.0/33
rejects "an unknown option is a usage error" 2 \
    au add --username pk_a --colour blue
rejects "a stray argument is a usage error" 2 \
    au add pk_a --nickname A
rejects "--secret on the command line is refused" 2 \
    au add --username pk_a --secret=abc
rejects "--password on the command line is refused" 2 \
    au add --username pk_a --password abc
check_exit "pk_a still does not exist" 4 au show pk_a

# -- success: the secret is shown exactly once ----------------------------
out=$(au add --username pk_a --nickname "CRM sync" --profile scheduling \
    --email a@example.com --description "Syncs the CRM" --acknowledge \
    2>"$T/err" </dev/null)
rc=$?
check_eq "add with every field and --acknowledge succeeds" "$rc" 0
key=$(printf '%s\n' "$out" | grep '^cerbo_sk_')
check_eq "add prints one key" "$(printf '%s\n' "$out" | grep -c cerbo_sk_)" 1
check_contains "the key comes with a clear line" "$out" \
    "shown only this once"
check_eq "the key has the generated format" \
    "$(printf '%s' "$key" | grep -Ec '^cerbo_sk_[A-Za-z0-9]{49}$')" 1
check_lacks "stderr holds no key" "$(cat "$T/err")" "$key"
check "the new key verifies" sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_a"
all=$(au show pk_a; au show pk_a --json; au list; au list --json; \
    au check; cat "$ST" "$ST"-  2>/dev/null)
check_lacks "show, list, --json and the store never hold the key" \
    "$all" "$key"
check_lacks "show never prints a hash" "$(au show pk_a; au show pk_a --json)" \
    '$cerbo-b2b$'

rejects "adding an existing username fails with exit 5" 5 \
    au add --username pk_a --nickname "CRM sync" --profile scheduling \
    --email a@example.com --description "Syncs the CRM" --acknowledge

q=$(add_user pk_quiet)
check_eq "--quiet prints the key alone" \
    "$(printf '%s' "$q" | grep -Ec '^cerbo_sk_[A-Za-z0-9]{49}$')$(printf '%s\n' "$q" | wc -l)" "11"

# -- optional fields at creation -------------------------------------------
add_user pk_opt --expires 2030-01-01T00:00:00Z \
    --allow-from 192.0.2.0/24,2001:db8::/32 >/dev/null
check_eq "add --expires is stored" \
    "$(au show pk_opt --json | json_get expires)" "2030-01-01T00:00:00Z"
check_eq "add --allow-from is stored" \
    "$(au show pk_opt --json | json_get allow_from)" \
    "192.0.2.0/24,2001:db8::/32"

# -- --json -----------------------------------------------------------------
j=$(add_user pk_json --json)
check_eq "add --json says changed" "$(printf '%s' "$j" | json_get changed)" \
    true
jkey=$(printf '%s' "$j" | json_get secret)
check_eq "add --json holds the key as \"secret\"" \
    "$(printf '%s' "$jkey" | grep -c '^cerbo_sk_')" 1
check_eq "add --json prints nothing but the document" \
    "$(printf '%s\n' "$j" | wc -l)" 1
check_lacks "a later show --json does not hold it" \
    "$(au show pk_json --json; au list --json)" "$jkey"

# -- --secret-file ----------------------------------------------------------
out=$(add_user pk_file --secret-file "$T/key.txt")
check_eq "--secret-file: the file is mode 0600" \
    "$(stat -c %a "$T/key.txt" 2>&1)" 600
fkey=$(cat "$T/key.txt")
check_lacks "--secret-file: the key is not printed" "$out" "$fkey"
check "--secret-file: the key in the file verifies" sh -c \
    "'$APIUSER' verify --store '$ST' pk_file <'$T/key.txt'"
cp "$T/key.txt" "$T/key.copy"
rejects "--secret-file never overwrites a file (exit 5, no user)" 5 \
    add_user pk_file2 --secret-file "$T/key.txt"
check "the existing secret file is untouched" cmp "$T/key.txt" "$T/key.copy"
check_exit "pk_file2 was not created" 4 au show pk_file2
ln -s "$T/elsewhere" "$T/link"
rejects "--secret-file refuses a symlink" 5 \
    add_user pk_file3 --secret-file "$T/link"
check_fails "nothing was written through the symlink" test -e "$T/elsewhere"
rejects "--secret-file in a missing folder fails, no user" 9 \
    add_user pk_file4 --secret-file "$T/nope/key"

# -- --if-missing -----------------------------------------------------------
j=$(au add --username pk_a --nickname "CRM sync" --profile scheduling \
    --email a@example.com --description "Syncs the CRM" --acknowledge \
    --if-missing --json </dev/null)
check_eq "--if-missing with an identical user: exit 0, changed false" \
    "$?:$(printf '%s' "$j" | json_get changed)" "0:false"
check_lacks "--if-missing on an identical user prints no key" "$j" cerbo_sk_
rejects "--if-missing leaves the store byte for byte" 0 \
    au add --username pk_a --nickname "CRM sync" --profile scheduling \
    --email a@example.com --description "Syncs the CRM" --acknowledge \
    --if-missing
rejects "--if-missing with a different user: exit 5" 5 \
    au add --username pk_a --nickname "CRM sync" --profile readonly \
    --email a@example.com --description "Syncs the CRM" --acknowledge \
    --if-missing
out=$(au add --username pk_a --nickname "Other" --profile scheduling \
    --email a@example.com --description "Syncs the CRM" --acknowledge \
    --if-missing 2>&1 </dev/null)
check_contains "the --if-missing conflict names the field" "$out" nickname
out=$(au add --username pk_new --nickname "New" --profile scheduling \
    --email a@example.com --description "New one" --acknowledge \
    --if-missing --quiet </dev/null)
check_eq "--if-missing creates a missing user and prints its key" \
    "$(printf '%s' "$out" | grep -c '^cerbo_sk_')" 1
# The same values written another way are the same user: the library
# compares canonical values (an address is a /32, blanks are trimmed).
add_canon() {
	au add --username pk_canon --nickname " Canon " --profile " scheduling" \
	    --email c@example.com --description "  Canonical  " \
	    --allow-from 192.0.2.7 --expires 2099-01-01T00:00:00Z \
	    --acknowledge --quiet "$@" </dev/null
}
add_canon --if-missing >/dev/null
check_eq "add stores the canonical values" \
    "$(au show pk_canon --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nickname"], d["profile"], d["description"], d["allow_from"])')" \
    "Canon scheduling Canonical 192.0.2.7/32"
rejects "--if-missing again with the same non-canonical input: exit 0" 0 \
    add_canon --if-missing
check_eq "--if-missing again with non-canonical input says changed false" \
    "$(add_canon --if-missing --json | json_get changed)" false
rejects "--if-missing with another address is still different: exit 5" 5 \
    au add --username pk_canon --nickname Canon --profile scheduling \
    --email c@example.com --description Canonical \
    --allow-from 192.0.2.8 --expires 2099-01-01T00:00:00Z --acknowledge \
    --if-missing

# -- CERBO_STORE ------------------------------------------------------------
check_contains "CERBO_STORE names the store" \
    "$(CERBO_STORE="$ST" "$APIUSER" list 2>&1)" pk_a
check_contains "--store wins over CERBO_STORE" \
    "$(CERBO_STORE="$T/none.yaml" "$APIUSER" list --store "$ST" 2>&1)" pk_a

# -- help -------------------------------------------------------------------
check_contains "add --help documents --acknowledge" \
    "$("$APIUSER" add --help)" "--acknowledge"
check_exit "add --help exits 0" 0 "$APIUSER" add --help
