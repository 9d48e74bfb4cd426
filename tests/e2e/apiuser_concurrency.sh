# cerbo-apiuser under contention: many writers at once lose nothing and
# corrupt nothing; a lock held by another process ends in a clear timeout.
. "$CERBO_TOP/tests/e2e/apiuser.inc"
seed

# -- 20 adds at once --------------------------------------------------------
gen0=$(au check --json | json_get generation)
i=1
while [ $i -le 20 ]; do
	add_user "pk_c$i" --lock-timeout 60s >"$T/key$i" 2>"$T/err$i" &
	i=$((i + 1))
done
wait
fails=0
i=1
while [ $i -le 20 ]; do
	grep -q '^cerbo_sk_' "$T/key$i" || fails=$((fails + 1))
	i=$((i + 1))
done
check_eq "20 concurrent adds all succeed" "$fails" 0
check_eq "all 20 users are in the store" \
    "$(au list --json | python3 -c 'import json,sys; print(len([u for u in json.load(sys.stdin)["users"] if u["username"].startswith("pk_c")]))')" \
    20
check_exit "the store is valid after them" 0 au check
check_eq "the generation grew by exactly 20" \
    "$(au check --json | json_get generation)" $((gen0 + 20))
check "every key printed works" sh -c "
	for i in \$(seq 1 20); do
		'$APIUSER' verify --store '$ST' pk_c\$i <'$T/key'\$i >/dev/null || exit 1
	done"
check_eq "no temp files are left in the store's folder" \
    "$(ls -A "$T/s" | grep -c tmp)" 0

# -- concurrent edits of one user: every one is applied in turn ---------------
i=1
while [ $i -le 10 ]; do
	au edit pk_c1 --description "edit $i" --lock-timeout 60s >/dev/null 2>&1 &
	i=$((i + 1))
done
wait
check_eq "10 concurrent edits: 10 more generations" \
    "$(au check --json | json_get generation)" $((gen0 + 30))

# -- a lock held by another process ---------------------------------------------
# fcntl.lockf takes a POSIX lock; it conflicts with the library's OFD lock.
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(30)
' "$ST.lock" "$T/locked" &
holder=$!
at_exit "kill $holder"
wait_until 5 '[ -f "$T/locked" ]'
cp "$ST" "$T/before"
start=$(date +%s%N)
out=$(add_user pk_late --lock-timeout 500ms 2>&1)
rc=$?
el=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "a held lock: add times out with exit 6" "$rc" 6
check_contains "the message says the lock was not had in time" "$out" "lock"
check_contains "the message names the lock file" "$out" "$ST.lock"
check "it waited about the timeout asked for (${el} ms)" \
    test "$el" -ge 450 -a "$el" -lt 5000
check "nothing was written while the lock was held" cmp "$T/before" "$ST"
check_exit "edit times out too (exit 6)" 6 \
    au edit pk_c1 --nickname X --lock-timeout 200ms
check_exit "readers never wait for the lock" 0 au show pk_c1
key=$(cat "$T/key2")
check "verify works while the lock is held" sh -c \
    "printf '%s\n' '$key' | '$APIUSER' verify --store '$ST' pk_c2"
kill "$holder"
wait "$holder" 2>/dev/null
check_exit "after the holder is gone, add succeeds" 0 add_user pk_late
