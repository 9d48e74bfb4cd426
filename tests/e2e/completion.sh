# Bash completion (etc/bash_completion.d/cerbo): commands, options, and
# usernames and profile names read from the store named on the line.
. "$CERBO_TOP/tests/e2e/lib.sh"

mkdir -m 0700 "$T/s"
ST="$T/s/apiusers.yaml"
"$PROFILE" add scheduling --store "$ST" --description S \
    --allow "GET /a/**" >/dev/null
"$PROFILE" add readonly --store "$ST" --description R \
    --allow "GET /b" >/dev/null
for u in pk_alpha pk_beta; do
	"$APIUSER" add --store "$ST" --username "$u" --nickname "N $u" \
	    --profile scheduling --email o@example.com --description D \
	    --acknowledge --quiet </dev/null >/dev/null
done

# complete WORD...: the completions bash offers for the last word of
# WORD... (the tool is run from the build folder).
complete_words() {
	bash -c '
		. "$1/etc/bash_completion.d/cerbo"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		case ${COMP_WORDS[0]##*/} in
		cerbo-apiuser) _cerbo_apiuser ;;
		cerbo-profile) _cerbo_profile ;;
		esac
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' sh "$CERBO_TOP" "$@"
}

check_eq "the file is valid bash" "$(bash -n "$CERBO_TOP/etc/bash_completion.d/cerbo" 2>&1)" ""
check_eq "cerbo-apiuser completes its commands" \
    "$(complete_words "$APIUSER" "")" \
    "--help --version add apply check compile delete edit edit-file exit-codes explain hash help import list rotate show usage-file verify "
check_eq "cerbo-profile completes its commands" \
    "$(complete_words "$PROFILE" "")" \
    "--help --version add delete edit exit-codes help list show "
check_eq "a command prefix completes" "$(complete_words "$APIUSER" ro)" \
    "rotate "
check_eq "rotate completes its options" \
    "$(complete_words "$APIUSER" rotate --store "$ST" --f)" \
    "--finish --force "
check_eq "profile edit completes its options" \
    "$(complete_words "$PROFILE" edit --remove-)" \
    "--remove-allow --remove-deny "
check_eq "show completes usernames from the store given" \
    "$(complete_words "$APIUSER" show --store "$ST" pk_)" \
    "pk_alpha pk_beta "
check_eq "--store=PATH works as well" \
    "$(complete_words "$APIUSER" edit --store="$ST" pk_a)" "pk_alpha "
check_eq "CERBO_STORE is used without --store" \
    "$(CERBO_STORE="$ST" complete_words "$APIUSER" delete pk_b)" "pk_beta "
check_eq "only one username is offered" \
    "$(complete_words "$APIUSER" show --store "$ST" pk_alpha "")" ""
check_eq "explain offers methods after the username" \
    "$(complete_words "$APIUSER" explain --store "$ST" pk_alpha DE)" \
    "DELETE "
check_eq "--profile completes profile names" \
    "$(complete_words "$APIUSER" edit --store "$ST" pk_alpha --profile r)" \
    "readonly "
check_eq "cerbo-profile show completes profile names" \
    "$(complete_words "$PROFILE" show --store "$ST" "")" \
    "readonly scheduling "
check_eq "an option value is not taken for the name" \
    "$(complete_words "$PROFILE" edit --store "$ST" --description x s)" \
    "scheduling "
check_eq "help completes command names" \
    "$(complete_words "$PROFILE" help de)" "delete "
check_eq "an unreadable store offers nothing" \
    "$(complete_words "$APIUSER" show --store "$T/missing.yaml" "")" ""
