# Rules that hold for every command of both tools, checked command by
# command so a new command cannot skip one:
#  - every changing command of cerbo-apiuser and cerbo-profile refuses a
#    stale --expect-generation and a stale --expect-digest with exit 10,
#    writing nothing (the store byte for byte unchanged, no secret file);
#  - the same commands go through with the store's current generation and
#    digest (as printed by list --json);
#  - every command's --json output is one object with a boolean "changed",
#    true exactly when the store was written (or, for apply --check, would
#    be).
. "$CERBO_TOP/tests/e2e/apiuser.inc"

seed
add_user pk_keep >/dev/null
add_user pk_gone >/dev/null

STALE_DIGEST=0000000000000000000000000000000000000000000000000000000000000000

gen() { au list --json | json_get generation; }
digest() { au list --json | json_get digest; }

# stale DESC STDIN CMD...: with a stale generation, then a stale digest,
# CMD (given STDIN) exits 10 and leaves the store and $T/secret.out as
# they were.
stale() {
	_d=$1
	_in=$2
	shift 2
	for _opt in "--expect-generation $(($(gen) + 7))" \
	    "--expect-digest $STALE_DIGEST"; do
		cp -p "$ST" "$T/before"
		# shellcheck disable=SC2086 # the option and its value
		_out=$(printf '%s' "$_in" | "$@" $_opt 2>&1)
		_rc=$?
		if [ "$_rc" -ne 10 ]; then
			not_ok "$_d: ${_opt%% *} stale: exit 10" \
			    "exit $_rc: $*" "$(printf '%s' "$_out" | head -3)"
		elif ! cmp -s "$T/before" "$ST"; then
			not_ok "$_d: ${_opt%% *} stale: exit 10" \
			    "the store changed: $*"
		elif [ -e "$T/secret.out" ]; then
			not_ok "$_d: ${_opt%% *} stale: exit 10" \
			    "a secret file was written: $*"
		else
			ok "$_d: ${_opt%% *} stale: exit 10, nothing written"
		fi
	done
}

ADD="--nickname N --profile scheduling --email a@example.com
--description D --acknowledge"
APPLY_DOC='profiles:
  - name: applied
    description: From apply
    allow: [GET /applied]
'

# edit-file with an editor that saves the file as it is.
edit_file() { EDITOR=true VISUAL='' au edit-file "$@"; }

# shellcheck disable=SC2086 # $ADD is a list of options
stale "add" "" au add --username pk_new $ADD
# shellcheck disable=SC2086
stale "add --secret-file" "" au add --username pk_new $ADD \
    --secret-file "$T/secret.out"
# shellcheck disable=SC2086
stale "add --if-missing" "" au add --username pk_new $ADD --if-missing
stale "edit" "" au edit pk_keep --nickname Changed
stale "rotate" "" au rotate pk_keep
stale "rotate --secret-file" "" au rotate pk_keep --secret-file "$T/secret.out"
stale "rotate --grace" "" au rotate pk_keep --grace 1h
stale "delete" "" au delete pk_gone --yes
stale "import" "imported-secret-value
" au import pk_keep
stale "apply" "$APPLY_DOC" au apply -
stale "edit-file" "" edit_file
stale "compile" "" au compile
stale "profile add" "" pf add fresh --description F --allow 'GET /f'
stale "profile edit" "" pf edit readonly --allow 'GET /more'
stale "profile delete" "" pf delete readonly --yes

# The same commands with the current generation (then the current digest)
# go through.
current() {
	_d=$1
	_in=$2
	shift 2
	_g=$(gen)
	_out=$(printf '%s' "$_in" | "$@" --expect-generation "$_g" \
	    --expect-digest "$(digest)" 2>&1)
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		ok "$_d with the current generation and digest"
	else
		not_ok "$_d with the current generation and digest" \
		    "exit $_rc: $*" "$(printf '%s' "$_out" | head -3)"
	fi
}
# shellcheck disable=SC2086
current "add" "" au add --username pk_new $ADD -q
current "edit" "" au edit pk_keep --nickname Changed
current "rotate" "" au rotate pk_keep -q
current "import" "imported-secret-value
" au import pk_keep
current "apply" "$APPLY_DOC" au apply -
current "compile" "" au compile
current "profile add" "" pf add fresh --description F --allow 'GET /f'
current "profile edit" "" pf edit fresh --allow 'GET /more'
current "profile delete" "" pf delete fresh --yes
current "delete" "" au delete pk_gone --yes

# --json: one object, "changed" a boolean; true when the store was
# written (its digest moved), false otherwise.
# json DESC WANT STDIN CMD...: WANT is true or false, or "would" for a dry
# run that reports the change it would make ("changed": true, like Ansible's
# check mode) and writes nothing.
json() {
	_d=$1
	_want=$2
	_write=$2
	if [ "$_want" = would ]; then
		_want=true
		_write=false
	fi
	_in=$3
	shift 3
	_before=$(digest)
	_out=$(printf '%s' "$_in" | "$@" --json 2>"$T/json.err")
	_got=$(printf '%s' "$_out" | python3 -c 'import json, sys
d = json.load(sys.stdin)
c = d.get("changed") if isinstance(d, dict) else None
print("true" if c is True else "false" if c is False else "missing")' \
	    2>/dev/null)
	_moved=false
	[ "$(digest)" != "$_before" ] && _moved=true
	if [ "$_got" != "$_want" ]; then
		not_ok "$_d --json: \"changed\": $_want" "got: $_got" \
		    "$(printf '%s' "$_out" | head -3)" "$(head -3 "$T/json.err")"
	elif [ "$_moved" != "$_write" ]; then
		not_ok "$_d --json: \"changed\": $_want" \
		    "the store was written: $_moved, wanted $_write"
	else
		ok "$_d --json: \"changed\": $_want"
	fi
}
key=$(add_user pk_json)
# shellcheck disable=SC2086
json "add" true "" au add --username pk_j2 $ADD
# shellcheck disable=SC2086
json "add --if-missing, identical user" false "" au add --username pk_j2 \
    $ADD --if-missing
json "list" false "" au list
json "show" false "" au show pk_json
json "edit" true "" au edit pk_json --nickname Other
json "edit, nothing to change" false "" au edit pk_json --nickname Other
json "verify" false "$key
" au verify pk_json GET /api/v1/appointments/1
json "explain" false "" au explain pk_json GET /api/v1/appointments/1
json "check" false "" au check
json "hash" false "some-secret
" au hash
json "hash --generate" false "" au hash --generate
json "rotate --grace" true "" au rotate pk_json --grace 1h
json "rotate --finish" true "" au rotate pk_json --finish
json "import" true "imported-secret-value
" au import pk_json
APPLY_DOC2='profiles:
  - name: applied2
    description: From apply
    allow: [GET /applied2]
'
json "apply --check" would "$APPLY_DOC2" au apply - --check
json "apply" true "$APPLY_DOC2" au apply -
json "apply, again" false "$APPLY_DOC2" au apply -
json "edit-file, saved unchanged" false "" edit_file
json "delete" true "" au delete pk_j2 --yes
json "profile add" true "" pf add jp --description J --allow 'GET /j'
json "profile add --if-missing, identical" false "" pf add jp \
    --description J --allow 'GET /j' --if-missing
json "profile list" false "" pf list
json "profile show" false "" pf show jp
json "profile edit" true "" pf edit jp --deny 'GET /j/x'
json "profile edit, nothing to change" false "" pf edit jp --description J
json "profile delete" true "" pf delete jp --yes
json "exit-codes" false "" au exit-codes
json "profile exit-codes" false "" pf exit-codes

# exit-codes is what a front end reads instead of a copy: each name it
# gives is the code the tools exit with.
code() {
	"$1" exit-codes --json | python3 -c 'import json, sys
print(*[e["code"] for e in json.load(sys.stdin)["exit_codes"]
        if e["name"] == sys.argv[1]])' "$2"
}
for tool in "$APIUSER" "$PROFILE"; do
	check_eq "${tool##*/} exit-codes: the codes 0 to 11, in order" \
	    "$("$tool" exit-codes --json | python3 -c 'import json, sys
print(*[e["code"] for e in json.load(sys.stdin)["exit_codes"]])')" \
	    "0 1 2 3 4 5 6 7 8 9 10 11"
done
check_exit "a stale --expect-generation exits with \"conflict\"" \
    "$(code "$APIUSER" conflict)" au edit pk_keep --nickname Z \
    --expect-generation 1
check_exit "a missing user exits with \"not_found\"" \
    "$(code "$APIUSER" not_found)" au show pk_nobody
check_exit "a missing profile exits with \"not_found\" (cerbo-profile)" \
    "$(code "$PROFILE" not_found)" pf show nobody
check_exit "a bad option exits with \"usage\"" \
    "$(code "$APIUSER" usage)" au list --bogus
check_exit "an invalid field exits with \"invalid\"" \
    "$(code "$APIUSER" invalid)" au edit pk_keep --email nobody
check_exit "a profile in use exits with \"state\"" \
    "$(code "$PROFILE" state)" pf delete scheduling --yes
