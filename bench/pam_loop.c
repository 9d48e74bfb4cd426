/*
 * pam_loop - time full PAM cycles: pam_start_confdir, pam_authenticate,
 * pam_acct_mgmt, pam_end, a fresh handle each time, as a daemon such as
 * nginx auth_pam runs them for every request.
 *
 * usage: pam_loop CONFDIR SERVICE USER ITERATIONS [ROUNDS]
 * The password is read from standard input.  Prints one line per round:
 * "<service> <ns per cycle>".  Exits 1 if any cycle fails, so a benchmark
 * never times refusals by mistake.
 *
 * With PAM_LOOP_RESIDENT=/path/module.so in the environment, that module
 * is loaded once with RTLD_NODELETE first, so Linux-PAM's load and unload
 * of it on every cycle cost only a reference count, as for pam_cerbo
 * (linked -z nodelete): the floor of a module that stays resident.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

#include <sodium.h>

static char password[1024];

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r;
	int i;

	(void)data;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			r[i].resp = strdup(password);
			if (r[i].resp == NULL) {
				free(r);
				return PAM_BUF_ERR;
			}
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static long
number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > 100000000)
		return -1;
	return v;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh;
	long iter, rounds = 1, i, r;
	size_t len;
	double t0;
	int rc;

	if (argc < 5 || argc > 6 || (iter = number(argv[4])) < 0 ||
	    (argc == 6 && (rounds = number(argv[5])) < 0)) {
		fprintf(stderr, "usage: pam_loop CONFDIR SERVICE USER "
		    "ITERATIONS [ROUNDS] < password\n");
		return 2;
	}
	if (fgets(password, sizeof(password), stdin) == NULL) {
		fprintf(stderr, "pam_loop: no password on stdin\n");
		return 2;
	}
	len = strcspn(password, "\n");
	password[len] = '\0';
	if (getenv("PAM_LOOP_RESIDENT") != NULL &&
	    dlopen(getenv("PAM_LOOP_RESIDENT"), RTLD_NOW | RTLD_NODELETE) ==
	    NULL) {
		fprintf(stderr, "pam_loop: %s\n", dlerror());
		return 2;
	}
	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		for (i = 0; i < iter; i++) {
			rc = pam_start_confdir(argv[2], argv[3], &pc, argv[1],
			    &pamh);
			if (rc == PAM_SUCCESS)
				rc = pam_authenticate(pamh, 0);
			if (rc == PAM_SUCCESS)
				rc = pam_acct_mgmt(pamh, 0);
			pam_end(pamh, rc);
			if (rc != PAM_SUCCESS) {
				fprintf(stderr, "pam_loop: %s: %s\n", argv[2],
				    pam_strerror(NULL, rc));
				return 1;
			}
		}
		printf("%s %.0f\n", argv[2], (now_ns() - t0) / (double)iter);
		fflush(stdout);
	}
	sodium_memzero(password, sizeof(password));
	return 0;
}
