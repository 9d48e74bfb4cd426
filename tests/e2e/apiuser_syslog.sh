# cerbo-apiuser logs every successful change to syslog (authpriv, LOG_PID,
# who ran it), never a secret or a hash, and nothing for a failed change or
# a read.  No syslog daemon needed: a small preloaded library records what
# would be sent.
. "$CERBO_TOP/tests/e2e/apiuser.inc"

cat >"$T/shim.c" <<'C'
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

static const char *ident = "?";
static int option, facility;

void openlog(const char *id, int opt, int fac)
{
	ident = id;
	option = opt;
	facility = fac;
}

void closelog(void)
{
}

static void record(int pri, const char *fmt, va_list ap)
{
	FILE *f = fopen(getenv("SYSLOG_SHIM_FILE"), "a");

	if (f == NULL)
		return;
	fprintf(f, "ident=%s pid=%d authpriv=%d level=%d: ", ident,
	    (option & LOG_PID) != 0, facility == LOG_AUTHPRIV, pri & 7);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fclose(f);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}
C
if ! cc -shared -fPIC -o "$T/shim.so" "$T/shim.c" 2>"$T/cc.err"; then
	not_ok "build the syslog recorder" "$(cat "$T/cc.err")"
	exit 1
fi
LOG="$T/syslog.txt"
logged() {
	SYSLOG_SHIM_FILE="$LOG" LD_PRELOAD="$(preload "$T/shim.so")" "$@"
}

logged "$APIUSER" apply --store "$ST" - >/dev/null <<'DOC'
profiles:
  - name: p
    allow: [GET /**]
DOC
check_contains "apply is logged" "$(cat "$LOG")" "applied <stdin>: 1 added"
: >"$LOG"
key=$(logged "$APIUSER" add --store "$ST" --username pk_log --nickname L \
    --profile p --email l@example.com --description d --acknowledge -q \
    </dev/null)
line=$(cat "$LOG")
check_contains "add is logged with what changed" "$line" "added user pk_log (profile p)"
check_contains "the log names the store" "$line" "$ST:"
check_contains "the log says who ran it" "$line" "(by uid $(id -u))"
check_contains "ident cerbo-apiuser, LOG_PID, facility authpriv, notice" "$line" \
    "ident=cerbo-apiuser pid=1 authpriv=1 level=5"
check_lacks "the log never holds the key" "$line" "$key"
check_lacks "the log never holds a hash" "$line" '$cerbo-b2b$'

: >"$LOG"
SUDO_USER=alice logged "$APIUSER" edit --store "$ST" pk_log --nickname M >/dev/null
check_contains "edit is logged with the fields and the sudo user" "$(cat "$LOG")" \
    "edited user pk_log: nickname (by uid $(id -u) via sudo from alice)"
: >"$LOG"
new=$(logged "$APIUSER" rotate --store "$ST" pk_log --grace 1h -q)
check_contains "rotate is logged" "$(cat "$LOG")" "rotated the key of pk_log"
check_lacks "the rotated key is not logged" "$(cat "$LOG")" "$new"
: >"$LOG"
printf 'imported-secret\n' | logged "$APIUSER" import --store "$ST" pk_log --force >/dev/null
check_contains "import is logged" "$(cat "$LOG")" "imported a secret for pk_log"
check_lacks "the imported secret is not logged" "$(cat "$LOG")" "imported-secret"
check_lacks "no argon2id hash is logged" "$(cat "$LOG")" '$argon2id$'

: >"$LOG"
logged "$APIUSER" edit --store "$ST" pk_log --nickname M >/dev/null
logged "$APIUSER" edit --store "$ST" pk_log --email bad >/dev/null 2>&1
logged "$APIUSER" list --store "$ST" >/dev/null
logged "$APIUSER" show --store "$ST" pk_log >/dev/null
printf 'imported-secret\n' | logged "$APIUSER" verify --store "$ST" pk_log >/dev/null
check_eq "unchanged edits, failed changes and reads log nothing" \
    "$(cat "$LOG")" ""
: >"$LOG"
logged "$APIUSER" delete --store "$ST" pk_log --yes >/dev/null
check_contains "delete is logged" "$(cat "$LOG")" "deleted user pk_log"
: >"$LOG"
add_user pk_other --profile p >/dev/null
SUDO_USER="$(printf 'eve\nforged line')" logged "$APIUSER" edit --store "$ST" \
    pk_other --nickname Z >/dev/null
check_contains "a control byte in SUDO_USER is not logged as is" \
    "$(cat "$LOG")" "via sudo from eve?forged line"

# -- the other changing commands, cerbo-profile's included -----------------
: >"$LOG"
logged "$APIUSER" rotate --store "$ST" pk_other --grace 1h -q >/dev/null
: >"$LOG"
logged "$APIUSER" rotate --store "$ST" pk_other --finish -q
check_contains "rotate --finish is logged" "$(cat "$LOG")" \
    "ended the grace period of pk_other"
cat >"$T/editor.sh" <<'ED'
#!/bin/sh
sed -i 's/^generation: .*/generation: 1000/' "$1"
ED
chmod +x "$T/editor.sh"
: >"$LOG"
EDITOR="$T/editor.sh" VISUAL='' logged "$APIUSER" edit-file --store "$ST" \
    >/dev/null
check_contains "edit-file is logged" "$(cat "$LOG")" \
    "edited the store file in an editor"
: >"$LOG"
logged "$PROFILE" add --store "$ST" logp --description D --allow 'GET /l' -q
line=$(cat "$LOG")
check_contains "cerbo-profile add is logged" "$line" "added profile logp"
check_contains "cerbo-profile logs as itself, to authpriv, at notice" "$line" \
    "ident=cerbo-profile pid=1 authpriv=1 level=5"
: >"$LOG"
logged "$PROFILE" edit --store "$ST" logp --deny 'GET /l/x' -q >/dev/null
check_contains "cerbo-profile edit is logged with the rule" "$(cat "$LOG")" \
    "edited profile logp: + deny GET /l/x"
: >"$LOG"
logged "$PROFILE" edit --store "$ST" logp --deny 'GET /l/x' -q >/dev/null
logged "$PROFILE" delete --store "$ST" p --yes -q 2>/dev/null
logged "$PROFILE" show --store "$ST" logp >/dev/null
check_eq "cerbo-profile: unchanged edits, refused deletes and reads log nothing" \
    "$(cat "$LOG")" ""
logged "$PROFILE" delete --store "$ST" logp --yes -q
check_contains "cerbo-profile delete is logged" "$(cat "$LOG")" \
    "deleted profile logp"
