/*
 * cli_exit.c - the exit codes of the tools, named and explained, and the
 * exit-codes command that tells them to a front end (the Cockpit page
 * reads them with --json instead of keeping a copy).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Each code of enum cli_exit, by number: its name and what it means. */
static const struct {
	enum cli_exit code;
	const char *name;
	const char *meaning;
} exits[] = {
    {CLI_EXIT_OK, "ok", "success"},
    {CLI_EXIT_REFUSED, "refused",
        "refused: verify or explain found the request not allowed, check "
        "found the store invalid or unreadable by the account asked "
        "about, or a confirmation was declined"},
    {CLI_EXIT_USAGE, "usage",
        "usage error: unknown command or option, missing or extra "
        "argument"},
    {CLI_EXIT_INVALID, "invalid",
        "invalid input: a field, rule, time, duration or document is not "
        "valid (nothing was changed)"},
    {CLI_EXIT_NOTFOUND, "not_found",
        "not found: no such user, profile, or store file"},
    {CLI_EXIT_EXISTS, "exists",
        "already exists: the user or profile exists (for --if-missing: a "
        "different one)"},
    {CLI_EXIT_LOCK, "lock",
        "lock timeout: another process held the store's lock too long"},
    {CLI_EXIT_STORE, "store",
        "store invalid, or its format is newer than this build"},
    {CLI_EXIT_UNSAFE, "unsafe",
        "unsafe store permissions: owner, mode or file type refused"},
    {CLI_EXIT_IO, "io", "I/O error or out of memory"},
    {CLI_EXIT_CONFLICT, "conflict",
        "conflict: --expect-generation or --expect-digest did not match "
        "the store (nothing was written)"},
    {CLI_EXIT_STATE, "state",
        "not possible in the current state: e.g. a second rotate during a "
        "grace period without --force, rotate --finish with no old key, "
        "or deleting a profile that users still use"},
};

static const char exit_codes_help[] =
    "usage: %s exit-codes [--json]\n"
    "\n"
    "List the exit codes of the tools (cerbo-apiuser and cerbo-profile share\n"
    "them): the number, a name, and what it means.\n"
    "\n"
    "  --json                  {\"changed\": false, \"exit_codes\": [{\"code\", \"name\",\n"
    "                          \"meaning\"}, ...]}\n" CLI_HELP_HELP;

int
cli_cmd_exit_codes(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_json j;
	char help[sizeof(exit_codes_help) + 32];
	size_t i;
	int rc;

	snprintf(help, sizeof(help), exit_codes_help, cli_progname());
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, NULL, &o, NULL, NULL, help);
	if (rc != 0)
		return rc;
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument: %s",
		    argv[optind]);
	if (!o.json) {
		for (i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
			printf("%2d  %-10s %s\n", (int)exits[i].code,
			    exits[i].name, exits[i].meaning);
		return CLI_EXIT_OK;
	}
	cli_json_begin(&j, 0);
	cli_json_array_begin(&j, "exit_codes");
	for (i = 0; i < sizeof(exits) / sizeof(exits[0]); i++) {
		cli_json_object_begin(&j, NULL);
		cli_json_u64(&j, "code", (uint64_t)exits[i].code);
		cli_json_str(&j, "name", exits[i].name);
		cli_json_str(&j, "meaning", exits[i].meaning);
		cli_json_object_end(&j);
	}
	cli_json_array_end(&j);
	return cli_json_end(&j);
}
