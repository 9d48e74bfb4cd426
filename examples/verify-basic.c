/*
 * verify-basic - decide one HTTP request with libcerbo, the way a daemon
 * that embeds the verifier (instead of going through PAM) would.
 *
 * usage: verify-basic [-s store] request-line [client-address]
 *
 * The value of the request's Authorization header ("Basic cGtfeDpzZWNyZXQ=")
 * is read from standard input, never from the command line, where every
 * user of the machine could read it in ps.  Like a daemon, it serves one
 * request per line of input in one process, so the library's store cache
 * lives across requests and a store replaced meanwhile (by the tools, by
 * configuration management, by a Kubernetes Secret update) is seen by the
 * next request.  For each line it prints "VERDICT: reason" ("allow: ...",
 * "deny_credentials: wrong secret", "error: ..." for a malformed header).
 * The exit status is that of the last line: 0 allowed, 1 refused, 2 a
 * malformed header, a usage error or a store that cannot be used.
 *
 * Build against the installed library:
 *     cc -o verify-basic verify-basic.c $(pkg-config --cflags --libs cerbo)
 * Try it:
 *     printf 'Basic %s\n' "$(printf '%s' 'pk_x:cerbo_sk_...' | base64 -w0)" |
 *         ./verify-basic -s ./apiusers.yaml 'GET /api/v1/x HTTP/1.1' 192.0.2.7
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cerbo.h>

/* "Basic " and the base64 of the longest username:secret a client may send. */
#define HEADER_MAX (6 + 4 * ((CERBO_USERNAME_MAX + 1 + CERBO_SECRET_MAX + 2) / 3))

static void
usage(void)
{
	fprintf(stderr,
	    "usage: verify-basic [-s store] request-line [client-address]\n"
	    "       (the Authorization header value is read from stdin)\n");
	exit(2);
}

/*
 * Read one line into buf (NUL-terminated, end of line removed).  0 on a
 * line, 1 on a line too long (the rest of it is skipped), -1 at the end.
 */
static int
readheader(char *buf, size_t size)
{
	size_t len;
	int ch;

	if (fgets(buf, (int)size, stdin) == NULL)
		return -1;
	len = strcspn(buf, "\r\n");
	if (buf[len] == '\0' && !feof(stdin)) {
		while ((ch = getchar()) != EOF && ch != '\n')
			;
		return 1;
	}
	buf[len] = '\0';
	return 0;
}

/* Decide one request; print one line; 0 allowed, 1 refused, 2 error. */
static int
decide(const char *header, const char *store, const char *request,
    const char *rhost)
{
	struct cerbo_verify_args args = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict verdict = CERBO_VERDICT_INIT;
	struct cerbo_basic basic = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char msg[1024];
	int rc = 2;

	/* On error the parser has wiped basic already. */
	if (cerbo_basic_parse(header, &basic, &err) == -1) {
		printf("error: %s\n", cerbo_error_format(&err, msg, sizeof(msg)));
		return 2;
	}
	args.store_path = store;
	args.username = basic.username;
	args.secret = basic.secret;
	args.secret_len = basic.secret_len;
	args.request = request;
	args.rhost = rhost;
	if (cerbo_verify(&args, &verdict) == -1) {
		printf("error: invalid arguments\n");
		goto out;
	}
	/* The reason names the user only when the name is valid, never the
	 * secret: fit for a log. */
	printf("%s: %s%s\n", cerbo_verdict_name(verdict.code), verdict.reason,
	    verdict.key == CERBO_KEY_OLD ? " (old key, during a rotation)" : "");
	if (verdict.code == CERBO_ALLOW)
		rc = 0;
	else if (verdict.code != CERBO_STORE_ERROR)
		rc = 1;
out:
	cerbo_basic_wipe(&basic);
	return rc;
}

int
main(int argc, char *argv[])
{
	char header[HEADER_MAX + 2];
	const char *store = NULL;
	int ch, r, rc = 2;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			store = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();

	/* Like a daemon: one process, many requests, one store cache. */
	while ((r = readheader(header, sizeof(header))) != -1) {
		if (r == 1) {
			printf("error: header too long\n");
			rc = 2;
		} else {
			rc = decide(header, store, argv[0],
			    argc > 1 ? argv[1] : NULL);
		}
		explicit_bzero(header, sizeof(header));
		fflush(stdout);
	}
	explicit_bzero(header, sizeof(header));
	return rc;
}
