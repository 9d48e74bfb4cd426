#!/bin/sh
# Fleet deployment: a store distributed as a file by configuration
# management (temp file + rename, as Ansible's copy and template do), and
# a store mounted from a Kubernetes Secret (the kubelet's layout: file ->
# ..data/file, ..data -> a timestamped folder, updated by an atomic
# rename of ..data).  One running process that embeds the verifier
# (examples/verify-basic.c: one request per input line) sees every new
# store on its next request, without a restart; a broken or world-readable
# store refuses everyone.
. "$(dirname "$0")/lib.sh"
top=$CERBO_TOP

check "examples/verify-basic.c builds against the library" \
    cc ${CERBO_SAN_CFLAGS:-} -Wall -Wextra -Werror -I"$top/store" -o "$T/verify-basic" \
    "$top/examples/verify-basic.c" "$B/libcerbo.a" -lyaml -lsodium -lpthread

# Two keys and their hashes, as an admin makes them once for a fleet (the
# hash goes to config management, the key to the client).
"$APIUSER" hash --generate >"$T/gen1"
"$APIUSER" hash --generate >"$T/gen2"
key1=$(sed -n 's/^secret: //p' "$T/gen1")
hash1=$(sed -n 's/^hash: //p' "$T/gen1")
key2=$(sed -n 's/^secret: //p' "$T/gen2")
hash2=$(sed -n 's/^hash: //p' "$T/gen2")
rm -f "$T/gen1" "$T/gen2"

# The source of truth on the control node, written by the tools.
src=$T/control/apiusers.yaml
# desired HASH: the store as declared, with pk_fleet's key hash.
desired() {
	printf '%s\n' "profiles:
  - name: api
    description: Fleet API
    allow: [GET /api/v1/**]
users:
  - username: pk_fleet
    nickname: Fleet integration
    profile: api
    email: ops@example.com
    description: Same key on every host
    secret_hash: '$1'" | "$APIUSER" apply --quiet --store "$src" - >/dev/null
}

# serve STORE: start the verifier on STORE, fed through a FIFO.
serve() {
	rm -f "$T/in" "$T/out"
	mkfifo "$T/in" "$T/out"
	"$T/verify-basic" -s "$1" "GET /api/v1/things HTTP/1.1" 192.0.2.7 \
	    <"$T/in" >"$T/out" 2>"$T/serve.err" &
	serve_pid=$!
	exec 3>"$T/in" 4<"$T/out"
	at_exit "kill $serve_pid"
}
stop() { exec 3>&- 4<&-; wait "$serve_pid"; }
# ask KEY: one request with pk_fleet:KEY; prints the verdict line.
ask() {
	printf 'Basic %s\n' "$(printf '%s' "pk_fleet:$1" | base64 -w0)" >&3
	IFS= read -r _line <&4
	printf '%s\n' "${_line%%:*}"
}

# ---- configuration management ships the file ------------------------------
host=$T/host/cerbo
mkdir -p "$host"
chmod 0750 "$host"
# ship: what config management does, file by file: temp file, mode, rename.
ship() {
	for _f in apiusers.yaml apiusers.yaml.idx; do
		[ -f "$T/control/$_f" ] || continue
		cp "$T/control/$_f" "$host/.$_f.tmp" &&
		    chmod 0640 "$host/.$_f.tmp" &&
		    mv -f "$host/.$_f.tmp" "$host/$_f" || return 1
	done
}
desired "$hash1"
check "the shipped store passes cerbo-apiuser check (the validate step)" \
    "$APIUSER" check "$src"
ship
serve "$host/apiusers.yaml"
check_eq "a running verifier allows the fleet key from the shipped store" \
    "$(ask "$key1")" allow
desired "$hash2"
ship
check_eq "after the next ship the old key is refused on the next request" \
    "$(ask "$key1")" deny_credentials
check_eq "and the new key is allowed, without a restart" "$(ask "$key2")" allow
printf 'cerbo_store: 1\nprofiles: [\n' >"$T/control/broken.yaml"
check_fails "cerbo-apiuser check refuses a broken store before it is shipped" \
    "$APIUSER" check "$T/control/broken.yaml"
cp "$T/control/broken.yaml" "$host/.tmp" && mv -f "$host/.tmp" "$host/apiusers.yaml"
check_eq "a broken store shipped anyway refuses everyone" "$(ask "$key2")" \
    store_error
ship
check_eq "the next good store is served again" "$(ask "$key2")" allow
stop

# ---- a Kubernetes Secret mounted as a folder --------------------------------
k8s=$T/k8s
mkdir -p "$k8s"
# The kubelet's volume folder is root's and sticky; others cannot replace
# anything in it.  Without root the test's own folder stands in for it.
if [ "$(id -u)" -eq 0 ]; then chmod 1777 "$k8s"; fi
# secret VERSION MODE: the store's files as the kubelet writes a version.
secret() {
	mkdir "$k8s/..$1" || return 1
	for _f in apiusers.yaml apiusers.yaml.idx; do
		[ -f "$T/control/$_f" ] || continue
		cp "$T/control/$_f" "$k8s/..$1/$_f"
		chmod "$2" "$k8s/..$1/$_f"
	done
	chmod 0755 "$k8s/..$1"
	ln -s "..$1" "$k8s/..data_tmp" && mv -T "$k8s/..data_tmp" "$k8s/..data"
	for _f in apiusers.yaml apiusers.yaml.idx; do
		[ -e "$k8s/..data/$_f" ] && [ ! -L "$k8s/$_f" ] &&
		    ln -s "..data/$_f" "$k8s/$_f"
	done
	return 0
}
desired "$hash1"
secret 2026_01_01_v1 0440
serve "$k8s/apiusers.yaml"
check_eq "a store mounted from a Secret (defaultMode 0440) is served" \
    "$(ask "$key1")" allow
desired "$hash2"
secret 2026_01_02_v2 0440
rm -rf "$k8s/..2026_01_01_v1"
check_eq "after the kubelet's ..data swap the old key is refused" \
    "$(ask "$key1")" deny_credentials
check_eq "and the new key is allowed, without a restart" "$(ask "$key2")" allow
secret 2026_01_03_v3 0644
check_eq "a Secret with the default mode 0644 (world-readable) refuses everyone" \
    "$(ask "$key2")" store_error
check_contains "cerbo-apiuser check says why" \
    "$("$APIUSER" check "$k8s/apiusers.yaml" 2>&1)" "readable"
secret 2026_01_04_v4 0440
check_eq "defaultMode 0440 again: served at once" "$(ask "$key2")" allow
stop
check_lacks "the verifier never printed a key" \
    "$(cat "$T/serve.err")" "$key2"
