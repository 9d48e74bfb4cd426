#!/bin/sh
# Fault injection: system calls of a store rewrite fail (through the
# LD_PRELOAD shim tests/fault/shim.so) with ENOSPC, EIO, EPERM, ...  Each
# fault must give a non-zero exit and a message naming the error, leave the
# store and its backup byte-for-byte as they were, leave no temp file, and
# keep verification right.  The shim records every fault it injects, and
# each case checks the record, so a fault that never fired is a failure,
# not a pass.
#
# What one edit does, in order (strace): open_excl #1 (temp store), write
# #1, fsync #1, link #1 (the store, kept as the backup), link #2 (the old
# backup), rename #1 (temp over the store), rename #2 (backup into place),
# open_excl #2, write #2, fsync #2, rename #3 (the compiled index, a cache),
# fsync #3 (the folder).
. "$(dirname "$0")/lib.sh"

SHIM="$B/tests/fault/shim.so"
KEY=cerbo_sk_ZkxszIIum8EJH1JfQrGkFMuFZbU6ujOaaLQBVAMF9wB2gNaYO
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

if [ ! -x "$APIUSER" ] || [ ! -f "$SHIM" ]; then
	not_ok "fault test prerequisites" "need $APIUSER and $SHIM"
	exit 1
fi

D="$T/store"
mkdir -m 0700 "$D"
S="$D/apiusers.yaml"
MARK="$T/mark"
hash=$(printf '%s' "$KEY" | "$APIUSER" hash)
cat >"$T/doc.yaml" <<EOF
profiles:
  - name: p
    description: Fault test profile
    allow: [GET /api/**]
users:
  - username: pk_alice
    nickname: Alice
    profile: p
    email: alice@example.com
    description: Fault test user
    secret_hash: "$hash"
  - username: pk_bob
    nickname: Bob
    profile: p
    email: bob@example.com
    description: Fault test user
    secret_hash: "$hash"
EOF
check "the store is created" "$APIUSER" apply "$T/doc.yaml" --store "$S" -q
# A second write, so a backup "apiusers.yaml-" exists to be kept intact.
check "the store is edited once" "$APIUSER" edit pk_bob --nickname Robert \
    --store "$S" -q

temps() { find "$D" -maxdepth 1 -name '.apiusers.yaml.tmp*' | wc -l; }

# verdict USER: allowed or refused, as verify says.
verdict() {
	if printf '%s' "$KEY" | "$APIUSER" verify "$1" GET /api/x \
	    --store "$S" >/dev/null 2>&1; then
		echo allowed
	else
		echo refused
	fi
}

# fails FAULT WANTTEXT DESC CMD...: CMD under FAULT exits non-zero saying
# WANTTEXT; store, backup and index answers unchanged, no temp left, and
# the fault was injected.
fails() {
	_f=$1 _w=$2 _d=$3
	shift 3
	cp "$S" "$T/s.before"
	cp "$S-" "$T/b.before"
	_v=$(verdict pk_alice)
	rm -f "$MARK"
	_seq=$((_seq + 1))
	_out=$(CERBO_FAULT=$_f CERBO_FAULT_MARK="$MARK" LD_PRELOAD="$(preload "$SHIM")" \
	    "$@" --store "$S" 2>&1 </dev/null)
	_rc=$?
	_why=""
	[ -s "$MARK" ] || _why="$_why; the fault was never injected"
	[ "$_rc" -ne 0 ] || _why="$_why; exit 0"
	case "$_out" in *"$_w"*) ;; *) _why="$_why; no '$_w' in the message" ;; esac
	cmp -s "$S" "$T/s.before" || _why="$_why; the store changed"
	cmp -s "$S-" "$T/b.before" || _why="$_why; the backup changed"
	[ "$(temps)" -eq 0 ] || _why="$_why; temp files left: $(ls -a "$D" | tr '\n' ' ')"
	[ "$(verdict pk_alice)" = "$_v" ] || _why="$_why; verify changed its answer"
	"$APIUSER" check --store "$S" -q >/dev/null 2>&1 || _why="$_why; check fails"
	if [ -z "$_why" ]; then
		ok "$_d ($_f): exit $_rc, store unchanged"
	else
		not_ok "$_d ($_f)" "${_why#; }" "exit $_rc: $(printf '%s' "$_out" | head -3)"
	fi
}

_seq=0
# An edit that always changes something (a new nickname each time), so
# that every case really writes.
edit() { "$APIUSER" edit pk_alice --nickname "Alice $_seq" -q "$@"; }
EDIT=edit
ADD="$APIUSER add --username pk_carol --nickname Carol --profile p --email c@example.com --description Added --acknowledge -q"

# shellcheck disable=SC2086
{
fails open_excl:ENOSPC "No space left on device" "creating the temp file fails" $EDIT
fails open_excl:EDQUOT "quota exceeded" "creating the temp file hits the quota" $EDIT
fails write:ENOSPC "No space left on device" "writing the temp file fails with a full disk" $EDIT
fails write:EIO "Input/output error" "writing the temp file fails" $EDIT
fails write:EFBIG "File too large" "writing the temp file is too large" $EDIT
fails fsync:EIO "Input/output error" "fsync of the temp file fails" $EDIT
fails fsync:ENOSPC "No space left on device" "fsync of the temp file finds the disk full" $EDIT
# fchown is called only when the store's owner or group differs from the
# writer's: give the store another group first (only root can).
if is_root; then
	chgrp nogroup "$S" "$S-"
	fails fchown:EPERM "Operation not permitted" "giving the temp file its owner fails" $EDIT
	chgrp root "$S" "$S-"
else
	skip "giving the temp file its owner fails (fchown:EPERM): needs root to give the store another group"
fi
fails fchmod:EPERM "Operation not permitted" "giving the temp file its mode fails" $EDIT
fails link:EIO "Input/output error" "keeping the previous version fails" $EDIT
fails link:ENOSPC:2 "No space left on device" "keeping the old backup fails" $EDIT
fails link:EMLINK "Too many links" "the store has too many links" $EDIT
fails rename:EIO "Input/output error" "renaming over the store fails" $EDIT
fails rename:EIO:2:1 "Input/output error" "moving the backup into place fails (undone)" $EDIT
fails rename:EXDEV:2:1 "cross-device" "moving the backup across devices fails (undone)" $EDIT
fails fsync:EIO:3:1 "Input/output error" "syncing the folder fails (undone)" $EDIT
fails lock:EIO "Input/output error" "taking the lock fails" $EDIT
fails lock:ENOLCK "No locks available" "the kernel has no locks left" $EDIT
fails write:ENOSPC "No space left on device" "add on a full disk" $ADD
fails fsync:EIO "Input/output error" "add whose fsync fails" $ADD
fails rename:EIO "Input/output error" "add whose rename fails" $ADD
fails write:ENOSPC "No space left on device" "apply on a full disk" "$APIUSER" apply "$T/doc.yaml" -q
}
check_eq "carol was never added" "$("$APIUSER" show pk_carol --store "$S" >/dev/null 2>&1; echo $?)" 4

# A held lock (EAGAIN from every attempt): a clear timeout, nothing written.
fails lock:EAGAIN "lock" "the lock is held by another writer" \
    edit --lock-timeout 300ms

# The compiled index is a cache: when it cannot be written, the commit
# stands and readers fall back to the store, so verify stays right.
rm -f "$MARK"
CERBO_FAULT=fsync:EIO:2:1 CERBO_FAULT_MARK="$MARK" LD_PRELOAD="$(preload "$SHIM")" \
    "$APIUSER" edit pk_alice --disable -q --store "$S" >"$T/out" 2>&1
rc=$?
if [ -s "$MARK" ] && [ "$rc" -eq 0 ]; then
	ok "a failed index write does not fail the commit"
else
	not_ok "a failed index write does not fail the commit" \
	    "exit $rc, mark: $(cat "$MARK" 2>/dev/null)" "$(head -3 "$T/out")"
fi
check_eq "verify sees the committed change despite the stale index" \
    "$(verdict pk_alice)" refused
check_eq "no temp file is left after the index failure" "$(temps)" 0

rm -f "$MARK"
CERBO_FAULT=write:ENOSPC:2 CERBO_FAULT_MARK="$MARK" LD_PRELOAD="$(preload "$SHIM")" \
    "$APIUSER" edit pk_alice --enable -q --store "$S" >"$T/out" 2>&1
rc=$?
check_eq "an index that cannot be written on a full disk: commit stands" \
    "$rc:$([ -s "$MARK" ] && echo injected)" "0:injected"
check_eq "verify sees the re-enabled user" "$(verdict pk_alice)" allowed
check_eq "no temp file is left after the full disk" "$(temps)" 0

# The shim really intercepts: a fault on a call the tool does not make on
# this path (unlink) injects nothing and the edit succeeds.
rm -f "$MARK"
CERBO_FAULT=unlink:EIO:100 CERBO_FAULT_MARK="$MARK" LD_PRELOAD="$(preload "$SHIM")" \
    "$APIUSER" edit pk_bob --nickname Bobby -q --store "$S" >/dev/null 2>&1
check_eq "an edit without a matching fault succeeds" "$?:$([ -s "$MARK" ] && echo injected)" "0:"
check "the store is valid at the end" "$APIUSER" check --store "$S"
