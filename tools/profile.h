/*
 * profile.h - what the files of cerbo-profile share: a command's parsed
 * command line and the helpers every command uses.
 */
#ifndef CERBO_PROFILE_H
#define CERBO_PROFILE_H

#include <getopt.h>
#include <stddef.h>

#include "cli.h"

enum {
	PF_OPT_DESCRIPTION = CLI_OPT_FIRST_FREE,
	PF_OPT_ALLOW,
	PF_OPT_DENY,
	PF_OPT_REMOVE_ALLOW,
	PF_OPT_REMOVE_DENY,
	PF_OPT_IF_MISSING,
	PF_OPT_IF_EXISTS,
};

/* Rule lists given on the command line, by what they do. */
enum { ADD_ALLOW, ADD_DENY, DEL_ALLOW, DEL_DENY, NLISTS };

/* Everything a command's command line says. */
struct pf {
	struct cli_opts o;
	const char *cmd;
	const char *name;
	const char *description;
	const char **rules[NLISTS]; /* point into argv */
	size_t nrules[NLISTS];
	int if_missing;
	int if_exists;
	/* filled by the change */
	struct cerbo_changes *changes; /* what changed */
	int allows_everything;         /* after the change */
};

/* Free what pf_parse() allocated and the change list. */
void pf_free(struct pf *p);
/*
 * Parse argv (argv[0] is the command) with the common options and the
 * command's own; exactly one operand, NAME, unless want_name is 0.
 * Returns 0 to go on, -1 when --help was printed, or an exit code.
 */
int pf_parse(struct pf *p, int argc, char **argv, const struct option *longopts,
    const char *help, int want_name);
/* err for a profile NAME that does not exist (invalid when NAME is not a
 * valid profile name); -1. */
int pf_not_found(const char *name, struct cerbo_error *err);

/* Warn on stderr when p->allows_everything: one allow rule matches every
 * method and path. */
void warn_if_everything(const struct pf *p);

/* The commands that only read (profile_query.c). */
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);

#endif /* CERBO_PROFILE_H */
