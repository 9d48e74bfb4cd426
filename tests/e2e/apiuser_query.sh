# cerbo-apiuser list, show, verify, explain, check, hash; exit codes per
# category.
. "$CERBO_TOP/tests/e2e/apiuser.inc"

check_exit "list on a missing store: exit 4" 4 au list
seed
check_eq "list on a store without users says so" "$(au list)" "(no API users)"
key=$(add_user pk_b)
add_user pk_a --profile readonly >/dev/null
au edit pk_a --nickname "Alpha (é ü 中)" --disable >/dev/null

# -- list -------------------------------------------------------------------
out=$(au list)
check_eq "list: nickname first, the username underneath, sorted by nickname" \
    "$(printf '%s\n' "$out" | head -4 | sed 's/  */ /g')" \
    "$(printf 'Alpha (é ü 中) [disabled]\n pk_a profile readonly\nNick pk_b\n pk_b profile scheduling')"
check_eq "list --profile filters" "$(au list --profile readonly | grep -c pk_)" 1
check_exit "list --profile with an unknown profile: exit 4" 4 \
    au list --profile nosuch
j=$(au list --json)
check_eq "list --json: changed false" "$(printf '%s' "$j" | json_get changed)" false
check_eq "list --json: generation" "$(printf '%s' "$j" | json_get generation)" \
    "$(au show pk_a --json | json_get generation)"
check_eq "list --json: digest is the BLAKE2b of the file" \
    "$(printf '%s' "$j" | json_get digest)" \
    "$(python3 -c 'import hashlib,sys; print(hashlib.blake2b(open(sys.argv[1],"rb").read(), digest_size=32).hexdigest())' "$ST")"
check_eq "list --json: users with their fields" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; print([ (u["username"], u["profile"], u["disabled"]) for u in json.load(sys.stdin)["users"]])')" \
    "[('pk_a', 'readonly', True), ('pk_b', 'scheduling', False)]"
check_eq "list --json keeps non-ASCII text as it is" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["users"][0]["nickname"])')" \
    "Alpha (é ü 中)"
add_user pk_q >/dev/null
au edit pk_q --nickname 'Say "hi" \ back/slash' >/dev/null
check_eq "--json escapes quotes and backslashes" \
    "$(au show pk_q --json | json_get nickname)" 'Say "hi" \ back/slash'
au delete pk_q --yes >/dev/null
check_exit "list with an argument is a usage error" 2 au list pk_a

# -- show -------------------------------------------------------------------
out=$(au show pk_b)
check_contains "show gives the secret's scheme and when it was set" "$out" \
    "secret:       cerbo-b2b, set 20"
check_contains "show says there is no old key" "$out" "old key:      none"
check_contains "show gives the email" "$out" "ops@example.com"
j=$(au show pk_b --json)
for k in username nickname profile email description disabled expires \
    allow_from secret_scheme secret_set old_secret_valid created updated \
    generation digest changed; do
	check_contains "show --json has $k" "$j" "\"$k\":"
done
check_lacks "show --json has no hash" "$j" '$cerbo'
check_lacks "show --json has no \"secret\" member" "$j" '"secret":'
check_exit "show of an unknown user: exit 4" 4 au show pk_nobody
check_exit "show of an invalid username: exit 3" 3 au show alice
check_exit "show without a user: usage" 2 au show
check_exit "show with two users: usage" 2 au show pk_a pk_b

# -- verify -----------------------------------------------------------------
check_eq "verify with the right key: allowed, exit 0" \
    "$(printf '%s\n' "$key" | au verify pk_b; echo "rc=$?")" \
    "$(printf 'allowed: user pk_b allowed\nrc=0')"
check_exit "verify with a wrong key: exit 1" 1 \
    sh -c "printf 'wrong\n' | '$APIUSER' verify --store '$ST' pk_b"
check_contains "verify says why" "$(printf 'wrong\n' | au verify pk_b)" \
    "wrong secret"
check_contains "an unknown user is refused like a wrong secret" \
    "$(printf '%s\n' "$key" | au verify pk_nobody)" "deny_credentials"
check_exit "an allowed request: exit 0" 0 sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_b GET /api/v1/appointments/7"
check_contains "verify names the allowing rule" \
    "$(printf '%s\n' "$key" | au verify pk_b GET /api/v1/appointments/7)" \
    "GET /api/v1/appointments/**"
check_exit "a request no rule allows: exit 1" 1 sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_b GET /api/v1/patients"
check_contains "a denied request names the deny rule" \
    "$(printf '%s\n' "$key" | au verify pk_b DELETE /api/v1/appointments/7)" \
    "DELETE /**"
check_contains "a path that would be normalised is refused" \
    "$(printf '%s\n' "$key" | au verify pk_b GET '/api/v1/appointments/%2e%2e/patients')" \
    "deny_request"
j=$(printf '%s\n' "$key" | au verify pk_b GET /api/v1/appointments/7 --json)
check_eq "verify --json" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["allowed"], d["verdict"], d["key"], d["rule"], d["changed"])')" \
    "True allow current GET /api/v1/appointments/** False"
check_exit "verify with METHOD but no PATH: usage" 2 sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_b GET"
check_exit "verify with an empty stdin: exit 3" 3 sh -c \
    "'$APIUSER' verify --store '$ST' pk_b </dev/null"
check_exit "verify refuses the key as an argument" 2 \
    au verify pk_b "$key"
out=$(au verify pk_b "$key" 2>&1)
check_contains "and says to rotate the exposed key" "$out" "rotate"
check_exit "verify of a disabled user: exit 1" 1 sh -c \
    "printf 'x\n' | '$APIUSER' verify --store '$ST' pk_a"

# -- explain ----------------------------------------------------------------
check_eq "explain: the allow rule that decided" \
    "$(au explain pk_b GET /api/v1/appointments/1)" \
    'allowed by allow rule "GET /api/v1/appointments/**" of profile scheduling'
check_eq "explain: the deny rule that decided, exit 1" \
    "$(au explain pk_b DELETE /api/v1/appointments/1; echo "rc=$?")" \
    "$(printf 'refused by deny rule "DELETE /**" of profile scheduling\nrc=1')"
check_contains "explain: default deny" \
    "$(au explain pk_b GET /api/v1/patients)" "default deny"
check_contains "explain: the query string is not part of the path" \
    "$(au explain pk_b GET '/api/v1/appointments/1?x=/y')" "allowed"
check_contains "explain: a request the parser refuses" \
    "$(au explain pk_b GET /api//v1/appointments)" "refused before any rule"
check_contains "explain notes a disabled account" \
    "$(au explain pk_a GET /api/x)" "disabled"
check_exit "explain of a disabled account: exit 1" 1 au explain pk_a GET /api/x
j=$(au explain pk_b DELETE /x --json)
check_eq "explain --json" \
    "$(printf '%s' "$j" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["allowed"], d["matched"], d["kind"], d["rule"], d["profile"])')" \
    "False True deny DELETE /** scheduling"
check_exit "explain of an unknown user: exit 4" 4 au explain pk_no GET /
check_exit "explain without PATH: usage" 2 au explain pk_b GET

# Spellings a backend serves alike: a format suffix after a denied literal,
# a method override in the query, a letter a framework folds to ASCII.
"$PROFILE" edit scheduling --store "$ST" --quiet \
    --deny "GET /api/v1/appointments/keys/**" >/dev/null
check_eq "explain: a .json suffix is refused by the deny rule on the literal" \
    "$(au explain pk_b GET /api/v1/appointments/keys.json; echo "rc=$?")" \
    "$(printf 'refused by deny rule "GET /api/v1/appointments/keys/**" of profile scheduling\nrc=1')"
check_contains "explain: the same path without the suffix is the control" \
    "$(au explain pk_b GET /api/v1/appointments/keysjson)" "allowed"
out=$(au explain pk_b POST '/api/v1/appointments?_method=DELETE')
check_contains "explain: _method in the query is refused before any rule" \
    "$out" "refused before any rule"
check_contains "explain: and names the method override" "$out" "_method"
check_exit "explain: _METHOD percent-encoded: exit 1" 1 \
    au explain pk_b POST '/api/v1/appointments?x=1&%5F%4DETHOD=DELETE'
for p in /api/v1/appointments/%E2%84%AAeys/1 \
    /api/v1/appointments/key%C5%BF/1 /api/v1/appointments/%EF%BD%8Beys/1; do
	check_contains "explain: $p is refused before any rule" \
	    "$(au explain pk_b GET "$p")" "refused before any rule"
done
check_contains "explain: KELVIN SIGN named by its code point" \
    "$(au explain pk_b GET /api/v1/appointments/%E2%84%AAeys/1)" "U+212A"
"$PROFILE" edit scheduling --store "$ST" --quiet \
    --remove-deny "GET /api/v1/appointments/keys/**" >/dev/null

# explain's verdict is verify's, with the secret check left out: the same
# verdict name for every account state, allow_from included.
add_user pk_af --allow-from 192.0.2.0/24 >"$T/pk_af.key"
add_user pk_dis >"$T/pk_dis.key"
au edit pk_dis --disable >/dev/null
same_verdict() {
	_desc=$1; _user=$2; shift 2
	_e=$(au explain "$_user" GET /api/v1/appointments/1 --json "$@" |
	    json_get verdict)
	_v=$(au verify "$_user" GET /api/v1/appointments/1 --json "$@" \
	    <"$T/$_user.key" | json_get verdict)
	check_eq "explain agrees with verify: $_desc" "$_e" "$_v"
}
printf '%s\n' "$key" >"$T/pk_b.key"
same_verdict "allowed" pk_b
same_verdict "disabled" pk_dis
same_verdict "allow_from, no client address" pk_af
same_verdict "allow_from, address inside" pk_af --rhost 192.0.2.9
same_verdict "allow_from, address outside" pk_af --rhost 198.51.100.1
check_eq "explain: allow_from without --rhost is refused, as verify refuses it" \
    "$(au explain pk_af GET /api/v1/appointments/1 >/dev/null; echo "rc=$?")" \
    "rc=1"
check_contains "explain names the allow_from refusal" \
    "$(au explain pk_af GET /api/v1/appointments/1)" \
    "note: user pk_af has allow_from and the client address is unknown"
check_exit "explain with an address inside allow_from: exit 0" 0 \
    au explain pk_af GET /api/v1/appointments/1 --rhost 192.0.2.9

# -- hash -------------------------------------------------------------------
h=$(printf 'legacy\n' | "$APIUSER" hash)
check_eq "hash of a non-generated secret is argon2id" \
    "$(printf '%s' "$h" | cut -c1-10)" '$argon2id$'
h=$(printf '%s\n' "$key" | "$APIUSER" hash)
check_eq "hash of a generated key is the fast scheme" \
    "$(printf '%s' "$h" | cut -c1-11)" '$cerbo-b2b$'
out=$("$APIUSER" hash --generate)
check_eq "hash --generate prints the key and its hash" \
    "$(printf '%s\n' "$out" | cut -c1-17 | tr '\n' ' ')" \
    'secret: cerbo_sk_ hash: $cerbo-b2b$ '
j=$("$APIUSER" hash --generate --json)
gk=$(printf '%s' "$j" | json_get secret)
gh=$(printf '%s' "$j" | json_get hash)
printf 'profiles:\n  - name: hp\n    allow: [GET /**]\nusers:\n  - username: pk_hashed\n    nickname: H\n    profile: hp\n    email: h@example.com\n    description: from a hash\n    secret_hash: "%s"\n' "$gh" >"$T/h.yaml"
au apply "$T/h.yaml" >/dev/null
check "a hash from hash --generate, applied, verifies the key" sh -c \
    "printf '%s\n' '$gk' | '$APIUSER' verify --store '$ST' pk_hashed"
check_exit "hash refuses the secret as an argument" 2 "$APIUSER" hash legacy
check_exit "hash of nothing: exit 3" 3 sh -c "'$APIUSER' hash </dev/null"

# -- check ------------------------------------------------------------------
check_contains "check of a valid store: exit 0, says valid" \
    "$(au check; echo "rc=$?")" "valid"
check_exit "check of a valid store exits 0" 0 au check
check_eq "check --json: valid" "$(au check --json | json_get valid)" true
mkdir -m 0700 "$T/c"
printf 'cerbo_store: 1\ngeneration: 1\nprofiles: {}\nusers:\n  pk_x:\n    nickname: "x"\n    disabled: yes\n' >"$T/c/bad.yaml"
out=$("$APIUSER" check "$T/c/bad.yaml" 2>&1)
rc=$?
check_eq "check of an invalid file: exit 1" "$rc" 1
check_contains "check prints file:line:column" "$out" "$T/c/bad.yaml:7:"
printf 'cerbo_store: 1\ngeneration: 1\nprofiles: {}\nusers: {}\n  bad: [\n' >"$T/c/broken.yaml"
out=$("$APIUSER" check "$T/c/broken.yaml" 2>&1)
check_eq "check of malformed YAML: exit 1" "$?" 1
check_contains "malformed YAML: file:line:column" "$out" "$T/c/broken.yaml:5:"
check_exit "check of a missing file: exit 4" 4 "$APIUSER" check "$T/c/none.yaml"
check_eq "check --json of an invalid file lists the error" \
    "$("$APIUSER" check "$T/c/bad.yaml" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["valid"], len(d["errors"]))')" \
    "False 1"
cp "$ST" "$T/c/open.yaml"
chmod 0644 "$T/c/open.yaml"
check_exit "check of a world-readable store: exit 8" 8 \
    "$APIUSER" check --store "$T/c/open.yaml"
check_contains "the message says what is unsafe" \
    "$("$APIUSER" check --store "$T/c/open.yaml" 2>&1)" "world-readable"
check_exit "check FILE (a candidate) only warns about permissions" 0 \
    "$APIUSER" check "$T/c/open.yaml"
# Another account than the one running the test.
other=nobody
[ "$(id -un)" = nobody ] && other=daemon
check_exit "check --as-user $other on a 0700 folder: exit 1" 1 \
    au check --as-user $other
# Under root the store's folder stops it; otherwise already the test's
# folder, owned by neither root nor that account.
if is_root; then
	stop="$T/s: mode 0700"
else
	stop="$T: owned by $(id -un)"
fi
check_contains "check --as-user names the folder that stops it" \
    "$(au check --as-user $other 2>&1)" "$stop"
if is_root; then
	check_exit "check --as-user root: exit 0" 0 au check --as-user root
else
	skip "check --as-user root: the store must be root's"
fi
check_exit "check --as-user of an unknown account: exit 4" 4 \
    au check --as-user no-such-account-x
check_exit "check with two files: usage" 2 "$APIUSER" check a b

# -- exit codes per category ------------------------------------------------
check_exit "exit 2: unknown command" 2 "$APIUSER" frobnicate
check_exit "exit 2: no command" 2 "$APIUSER"
check_exit "exit 2: options before the command" 2 "$APIUSER" --store "$ST" list
check_exit "exit 2: unknown option" 2 au list --frob
check_exit "exit 2: option without its value" 2 au list --profile
check_exit "exit 3: invalid input" 3 au edit pk_b --email x
check_exit "exit 4: not found" 4 au show pk_zz
check_exit "exit 5: already exists" 5 add_user pk_b
printf 'cerbo_store: 1\ngeneration: 1\nprofiles: {}\nusers: []\n' >"$T/c/inv.yaml"
chmod 0600 "$T/c/inv.yaml"
check_exit "exit 7: store invalid" 7 "$APIUSER" list --store "$T/c/inv.yaml"
printf 'cerbo_store: 99\ngeneration: 1\nprofiles: {}\nusers: {}\n' >"$T/c/new.yaml"
chmod 0600 "$T/c/new.yaml"
check_exit "exit 7: format too new" 7 "$APIUSER" list --store "$T/c/new.yaml"
check_contains "format too new says so" \
    "$("$APIUSER" list --store "$T/c/new.yaml" 2>&1)" "too new"
check_exit "exit 8: unsafe permissions" 8 "$APIUSER" list --store "$T/c/open.yaml"
: >"$T/c/afile"
check_exit "exit 9: I/O error" 9 "$APIUSER" list --store "$T/c/afile/x.yaml"
check_exit "exit 10: conflict" 10 au edit pk_b --nickname Q --expect-generation 1
check_exit "exit 11: not possible now" 11 au rotate pk_b --finish
check_exit "--help: exit 0" 0 "$APIUSER" --help
check_exit "help COMMAND: exit 0" 0 "$APIUSER" help rotate
for c in add list show edit rotate verify explain delete import check hash \
    apply edit-file; do
	check_contains "$c --help starts with its usage" \
	    "$("$APIUSER" "$c" --help)" "usage: cerbo-apiuser $c"
	check_eq "$c --help describes each option once" \
	    "$(help_repeats "$("$APIUSER" "$c" --help)")" ""
done
