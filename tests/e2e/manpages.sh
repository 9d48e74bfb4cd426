# Man pages: every page under man/ renders without a warning, and each
# tool's page names every command of the tool and every option its --help
# texts give, so the pages and the tools cannot drift apart unnoticed.
. "$CERBO_TOP/tests/e2e/lib.sh"

# -- every page renders cleanly ---------------------------------------------
for page in "$CERBO_TOP"/man/*.[1-8]; do
	[ -f "$page" ] || continue
	name=${page##*/}
	out=$(groff -man -ww -z "$page" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "$name renders with groff -ww and no warning"
	else
		not_ok "$name renders with groff -ww and no warning" \
		    "exit $rc" "$(printf '%s' "$out" | head -5)"
	fi
	if command -v man >/dev/null 2>&1; then
		out=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 \
		    >/dev/null)
		check_eq "$name renders with man --warnings and no warning" \
		    "$out" ""
	fi
	check_contains "$name has a NAME section" "$(cat "$page")" ".SH NAME"
done

# source TOOL: the page's roff with escapes for '-' and fonts removed.
source_text() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' \
	    "$CERBO_TOP/man/$1.1"
}

# commands TOOL: the command words in the "Commands:" part of TOOL --help.
commands() {
	"$B/$1" --help | sed -n '/^Commands:/,/^$/p' |
	    sed -n 's/^  \([a-z][a-z-]*\).*/\1/p'
}

for tool in cerbo-apiuser cerbo-profile; do
	page="$CERBO_TOP/man/$tool.1"
	if [ ! -f "$page" ]; then
		not_ok "man/$tool.1 exists"
		continue
	fi
	ok "man/$tool.1 exists"
	src=$(source_text "$tool")
	cmds=$(commands "$tool")
	check_contains "$tool --help lists commands" "$cmds" "list"
	for cmd in $cmds; do
		check_contains "$tool.1 gives $cmd in the synopsis" "$src" \
		    ".B $tool $cmd"
		if printf '%s\n' "$src" | grep -Eq "^\.BI? $cmd( |\$)"; then
			ok "$tool.1 describes the command $cmd"
		else
			not_ok "$tool.1 describes the command $cmd"
		fi
		opts=$("$B/$tool" "$cmd" --help |
		    grep -o -- '--[a-z][a-z-]*[a-z]' | sort -u)
		for opt in $opts; do
			check_contains "$tool.1 documents $cmd $opt" "$src" "$opt"
		done
	done
	for code in 0 1 2 3 4 5 6 7 8 9 10 11; do
		if printf '%s\n' "$src" |
		    sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' |
		    grep -qx "\.B $code"; then
			ok "$tool.1 documents exit status $code"
		else
			not_ok "$tool.1 documents exit status $code"
		fi
	done
	for section in SYNOPSIS DESCRIPTION "EXIT STATUS" ENVIRONMENT FILES \
	    EXAMPLES "SEE ALSO"; do
		check_contains "$tool.1 has $section" "$src" ".SH $section"
	done
done
