#!/bin/sh
# Hostile store files through the tools: `cerbo-apiuser check` refuses each
# with a FILE:LINE:COLUMN message and a non-zero exit, and a change (add,
# edit, apply) on it fails and changes nothing: the store stays byte for
# byte, no backup, temp file or index appears.
. "$(dirname "$0")/lib.sh"

top=${CERBO_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
D="$T/store"
mkdir -m 0700 "$D" "$T/cases"
S="$D/apiusers.yaml"

# Generated cases, beside the files of tests/data/hostile/.
good() {
	cat <<'EOF'
cerbo_store: 1
generation: 3
profiles:
  p:
    description: Profile
    allow:
      - GET /api/**
users:
  pk_real:
    nickname: Real
    profile: p
    email: ops@example.com
    description: Real user
    secret: $cerbo-b2b$v=1$Xx+d8kW0NjbjMlTrK3wpyg$/Zn2b6C8FpiGEbjap5RXo02F1lYAT1E5EQTe6ymGl5I
    secret_set: 2026-01-01T00:00:00Z
    created: 2026-01-01T00:00:00Z
    updated: 2026-01-01T00:00:00Z
    disabled: false
EOF
}
good >"$T/good.yaml"
good | sed 's/disabled: false/disabled: yes/' >"$T/cases/bool_yes.yaml"
good | sed 's/generation: 3/generation: 3\ngeneration: 4/' >"$T/cases/duplicate_key.yaml"
good | sed 's/  p:/  p: \&x/' >"$T/cases/anchor.yaml"
good | sed 's/profile: p/profile: *x/' >"$T/cases/alias.yaml"
good | sed 's/    nickname: Real/    nickname: Real\n    admin: true/' >"$T/cases/unknown_key.yaml"
good | sed 's/    profile: p/\tprofile: p/' >"$T/cases/tab_indent.yaml"
good | sed 's/disabled: false/disabled: !!bool false/' >"$T/cases/tag.yaml"
good | sed 's/cerbo_store: 1/cerbo_store: 2/' >"$T/cases/too_new.yaml"
good | sed 's/profile: p$/profile: nosuch/' >"$T/cases/missing_profile.yaml"
good | sed 's/- GET \/api\/\*\*/- GET \/api\/..\/admin/' >"$T/cases/dot_rule.yaml"
{ printf '\357\273\277'; good; } >"$T/cases/bom.yaml"
good | sed 's/    nickname: Real$/    nickname: "Real\\u202eresU"/' >"$T/cases/bidi_override_nickname.yaml"
good | sed 's/    email: ops@example.com/    email: ops@example.com\n    email: evil@example.com/' >"$T/cases/duplicate_email.yaml"

# A real user for `add` to go with.
check "the good store passes check" "$APIUSER" check "$T/good.yaml"

for f in "$top"/tests/data/hostile/* "$T"/cases/*; do
	name=${f##*/}
	rm -rf "$D"
	mkdir -m 0700 "$D"
	cp "$f" "$S"
	chmod 0600 "$S"
	cp "$S" "$T/before"

	out=$("$APIUSER" check --store "$S" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "^cerbo-apiuser: $S:[0-9][0-9]*:[0-9][0-9]*: "; then
		ok "check refuses $name: exit $rc, $(printf '%s' "$out" | head -1 | sed "s|^cerbo-apiuser: $S:||")"
	else
		not_ok "check refuses $name with FILE:LINE:COLUMN" "exit $rc" "$(printf '%s' "$out" | head -3)"
	fi
	out=$("$APIUSER" check "$S" 2>&1)
	rc=$?
	case "$out" in
	*"$S:"[0-9]*:[0-9]*": "*) [ "$rc" -ne 0 ] && ok "check FILE refuses $name" ||
	    not_ok "check FILE refuses $name" "exit 0" ;;
	*) not_ok "check FILE refuses $name with FILE:LINE:COLUMN" "exit $rc" "$(printf '%s' "$out" | head -3)" ;;
	esac

	"$APIUSER" add --store "$S" --username pk_new --nickname New --profile p \
	    --email new@example.com --description "Added to a broken store" \
	    --acknowledge -q >"$T/out" 2>&1
	rc_add=$?
	"$APIUSER" edit pk_real --store "$S" --disable -q >>"$T/out" 2>&1
	rc_edit=$?
	printf 'users:\n  - username: pk_real\n    state: absent\n' |
	    "$APIUSER" apply - --store "$S" -q >>"$T/out" 2>&1
	rc_apply=$?
	extra=$(ls -A "$D" | grep -v '^apiusers.yaml$' | grep -v '^apiusers.yaml.lock$' | tr '\n' ' ')
	if [ "$rc_add" -ne 0 ] && [ "$rc_edit" -ne 0 ] && [ "$rc_apply" -ne 0 ] &&
	    cmp -s "$S" "$T/before" && [ -z "$extra" ]; then
		ok "add, edit and apply on $name fail and change nothing"
	else
		not_ok "add, edit and apply on $name fail and change nothing" \
		    "exits $rc_add $rc_edit $rc_apply, new files: $extra" \
		    "$(head -3 "$T/out")"
	fi
done

# A nickname with a right-to-left override (U+202E) would make `list`
# show other text than the store holds: add refuses it, writing nothing.
rm -rf "$D"
mkdir -m 0700 "$D"
cp "$T/good.yaml" "$S"
chmod 0600 "$S"
cp "$S" "$T/before"
out=$("$APIUSER" add --store "$S" --username pk_new \
    --nickname "$(printf 'Backup \342\200\256gnp.exe')" --profile p \
    --email new@example.com --description "Bidi in the nickname" \
    --acknowledge -q 2>&1)
rc=$?
if [ "$rc" -eq 3 ] && cmp -s "$S" "$T/before"; then
	ok "add refuses a nickname with a bidi override: exit 3, nothing written"
else
	not_ok "add refuses a nickname with a bidi override" "exit $rc" "$out"
fi
check_contains "the refusal names the control" "$out" "U+202E"
