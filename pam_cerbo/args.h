/*
 * args.h - the module arguments of pam_cerbo.so, parsed once per call into
 * an options struct: defaults first, then each argument overrides one.
 */
#ifndef PAM_CERBO_ARGS_H
#define PAM_CERBO_ARGS_H

#include <stddef.h>

#define MODULE_REQUEST_ENV_DEFAULT "REQUEST"
#define MODULE_ENV_NAME_MAX 64
#define MODULE_FAIL_DELAY_MAX 10000 /* milliseconds */

/*
 * The options of one service line.  The strings point into the argv PAM
 * gave the module, which lives as long as the PAM handle.
 */
struct module_args {
	const char *store;       /* store=PATH; NULL: the library's default */
	const char *request_env; /* request_env=NAME */
	const char *endpoint;    /* endpoint=METHOD PATH; NULL: none */
	int authenticate_only;   /* account phase needs no request */
	long fail_delay_ms;      /* fail_delay=DURATION (bare: ms); -1: none */
	int log_success;
	int debug;
	int use_first_pass; /* read by pam_get_authtok itself */
	int try_first_pass; /* read by pam_get_authtok itself */
};

/*
 * Parse argc/argv into *out.  Every argument must be known and well formed,
 * and none may be given twice: on the first one that is not, returns -1
 * with a message naming it in msg (never longer than msglen), so the caller
 * fails closed.  0 on success.
 */
int module_args_parse(struct module_args *out, int argc, const char **argv,
    char *msg, size_t msglen);

#endif /* PAM_CERBO_ARGS_H */
