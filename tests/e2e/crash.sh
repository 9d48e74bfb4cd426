#!/bin/sh
# Crash consistency: a tool SIGKILLed at a random moment while it rewrites
# a large store leaves the store exactly as it was before the change or
# exactly as it is after it, never anything else; the store always passes
# `check`; verification (through the compiled index, when there is one)
# gives the answer of whichever version is on disk; and the temp files a
# killed writer leaves are removed by the next writer.
#
# Environment: CRASH_ITER (kills, default 200), CRASH_USERS (store size,
# default 3000; e.g. 20000 for a longer run).  The shim tests/fault/shim.so
# fixes the clock (CERBO_FAKE_NOW), so the "after" state of an edit is
# known to the byte: the same command run to completion on a copy.
. "$(dirname "$0")/lib.sh"

ITER=${CRASH_ITER:-200}
USERS=${CRASH_USERS:-3000}
SHIM="$B/tests/fault/shim.so"
KEY=cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYO
NOW=1790000000
# ASan (make asan) insists on being first in the preload list.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

if [ ! -x "$APIUSER" ] || [ ! -f "$SHIM" ]; then
	not_ok "crash test prerequisites" "need $APIUSER and $SHIM"
	exit 1
fi

D="$T/store"
R="$T/ref"
mkdir -m 0700 "$D" "$R"
S="$D/apiusers.yaml"

# tool ARGS...: the tool on the store at fake time NOW.
tool() {
	CERBO_FAKE_NOW=$NOW LD_PRELOAD="$(preload "$SHIM")" "$APIUSER" "$@"
}

# rnd N: a random integer in [0, N).
rnd() {
	_r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	echo $((_r % $1))
}

# ---- a large store, built in one transaction ----------------------------
hash=$(printf '%s' "$KEY" | "$APIUSER" hash)
{
	echo "profiles:"
	echo "  - name: p"
	echo "    description: Crash test profile"
	echo "    allow: [GET /api/**]"
	echo "users:"
	i=0
	while [ $i -lt "$USERS" ]; do
		printf '  - username: pk_u%05d\n    nickname: User %d\n' $i $i
		printf '    profile: p\n    email: u%d@example.com\n' $i
		printf '    description: Crash test user %d\n' $i
		printf '    secret_hash: "%s"\n' "$hash"
		i=$((i + 1))
	done
} >"$T/doc.yaml"
check "a store of $USERS users is built with apply" \
    tool apply "$T/doc.yaml" --store "$S" -q
size=$(wc -c <"$S")

# The time one uninterrupted edit takes, in microseconds (kills are spread
# over it and a little past it).
# The fastest of three runs, so a busy moment does not stretch it.
span=0
for n in 1 2 3; do
	rm -f "$R"/apiusers.yaml* "$R"/.apiusers.yaml.*
	cp -p "$S" "$R/apiusers.yaml"
	t0=$(date +%s%N)
	tool edit pk_u00001 --nickname "Timing $n" --store "$R/apiusers.yaml" \
	    -q >/dev/null 2>&1
	t1=$(date +%s%N)
	t=$(( (t1 - t0) / 1000 ))
	if [ "$span" -eq 0 ] || [ "$t" -lt "$span" ]; then span=$t; fi
done
[ "$span" -lt 1000 ] && span=1000
span=$((span + span / 4))
rm -f "$R"/apiusers.yaml* "$R"/.apiusers.yaml.*

killed=0 exited=0 before=0 after=0 bad=0 unparsable=0 wrong_verdict=0
temps_seen=0 temps_left=0 first_bad=""
disabled=""   # users disabled so far (space-separated)

i=0
while [ "$i" -lt "$ITER" ]; do
	cp -p "$S" "$T/before"
	# Alternate: toggle a user's disabled flag, or add a new user.
	u=$(printf 'pk_u%05d' "$(rnd "$USERS")")
	if [ $((i % 2)) -eq 0 ]; then
		case " $disabled " in
		*" $u "*) op="--enable"; want_after=allowed ;;
		*) op="--disable"; want_after=refused ;;
		esac
		set -- edit "$u" "$op" --store
		kind=edit
	else
		u=$(printf 'pk_new%05d' "$i")
		set -- add --username "$u" --nickname "New $i" --profile p \
		    --email "n$i@example.com" --description "Added under fire" \
		    --acknowledge -q --store
		kind=add
	fi

	# The kill.
	delay=$(rnd "$span")
	CERBO_FAKE_NOW=$NOW LD_PRELOAD="$(preload "$SHIM")" "$APIUSER" "$@" "$S" \
	    >"$T/out" 2>&1 &
	pid=$!
	sleep "$((delay / 1000000)).$(printf '%06d' $((delay % 1000000)))"
	if kill -KILL "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		killed=$((killed + 1))
	else
		wait "$pid" 2>/dev/null
		exited=$((exited + 1))
	fi

	# The store parses, whatever happened.
	if ! "$APIUSER" check --store "$S" -q >"$T/check" 2>&1; then
		unparsable=$((unparsable + 1))
		[ -z "$first_bad" ] && first_bad="kill $i: check failed: $(head -3 "$T/check")"
	fi

	# It is the before or the after version, to the byte.
	state=bad
	if cmp -s "$S" "$T/before"; then
		state=before
	else
		rm -f "$R"/apiusers.yaml* "$R"/.apiusers.yaml.*
		cp -p "$T/before" "$R/apiusers.yaml"
		tool "$@" "$R/apiusers.yaml" >/dev/null 2>&1
		if [ "$kind" = edit ]; then
			cmp -s "$S" "$R/apiusers.yaml" && state=after
		else
			# A new user's key is random: its secret line may
			# differ, nothing else.
			diff "$R/apiusers.yaml" "$S" >"$T/diff" 2>&1
			n=$(grep -c '^[<>]' "$T/diff")
			o=$(grep '^[<>]' "$T/diff" | grep -vc '^[<>]     secret: ')
			[ "$n" -eq 2 ] && [ "$o" -eq 0 ] && state=after
		fi
	fi
	case $state in
	before) before=$((before + 1)) ;;
	after) after=$((after + 1)) ;;
	*) bad=$((bad + 1))
	   [ -z "$first_bad" ] && first_bad="kill $i ($kind $u after ${delay}us): store is neither before nor after"
	   cp "$S" "$T/bad-$i" ;;
	esac

	# Verification agrees with the version on disk.
	if [ "$kind" = edit ]; then
		if [ "$state" = after ]; then
			want=$want_after
			if [ "$op" = --disable ]; then
				disabled="$disabled $u"
			else
				disabled=$(echo "$disabled" | sed "s/ $u\$//; s/ $u / /")
			fi
		else
			case " $disabled " in
			*" $u "*) want=refused ;;
			*) want=allowed ;;
			esac
		fi
		if printf '%s' "$KEY" | "$APIUSER" verify "$u" GET /api/x \
		    --store "$S" >/dev/null 2>&1; then
			got=allowed
		else
			got=refused
		fi
		if [ "$got" != "$want" ]; then
			wrong_verdict=$((wrong_verdict + 1))
			[ -z "$first_bad" ] && first_bad="kill $i: $u $got, want $want ($state)"
		fi
	fi

	# Every 10th kill, a writer runs to the end: it removes what the
	# killed ones left behind.
	if [ $((i % 10)) -eq 9 ]; then
		n=$(find "$D" -maxdepth 1 -name '.apiusers.yaml.tmp.*' | wc -l)
		temps_seen=$((temps_seen + n))
		tool edit pk_u00000 --nickname "Survivor $i" --store "$S" -q \
		    >/dev/null 2>&1
		n=$(find "$D" -maxdepth 1 -name '.apiusers.yaml.tmp.*' | wc -l)
		temps_left=$((temps_left + n))
	fi
	i=$((i + 1))
done

echo "# $ITER kills on a store of $USERS users ($size bytes), delays 0..${span}us:"
echo "# $killed killed mid-run, $exited finished first; store before: $before, after: $after"
echo "# leftover temp files seen by the next writer: $temps_seen, left after it: $temps_left"
check_eq "every kill left the store before or after the change, to the byte" \
    "$bad" 0
[ -n "$first_bad" ] && echo "# first problem: $first_bad"
check_eq "the store passed check after every kill" "$unparsable" 0
check_eq "verify gave the answer of the version on disk after every kill" \
    "$wrong_verdict" 0
check_eq "writers removed every temp file killed writers left" \
    "$temps_left" 0
if [ "$killed" -ge $((ITER / 4)) ]; then
	ok "runs were really killed mid-run ($killed of $ITER)"
else
	not_ok "runs were really killed mid-run (a quarter at least)" \
	    "only $killed of $ITER"
fi
if [ "$before" -gt 0 ] && [ "$after" -gt 0 ]; then
	ok "kills landed both before and after the commit point"
else
	not_ok "kills landed both before and after the commit point" \
	    "before $before, after $after"
fi
check "the final store is valid" "$APIUSER" check --store "$S"
