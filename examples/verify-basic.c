/*
 * verify-basic - decide one HTTP request with libcerbo, the way a daemon
 * that embeds the verifier (instead of going through PAM) would.
 *
 * usage: verify-basic [-s store] request-line [client-address]
 *
 * The value of the request's Authorization header ("Basic cGtfeDpzZWNyZXQ=")
 * is read from standard input, never from the command line, where every
 * user of the machine could read it in ps.  Prints the verdict and its
 * reason; exits 0 when the request is allowed, 1 when it is refused, 2 on
 * a usage error or when the store cannot be used.
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

/* Read one line into buf (NUL-terminated, end of line removed). */
static int
readheader(char *buf, size_t size)
{
	size_t len;

	if (fgets(buf, (int)size, stdin) == NULL)
		return -1;
	len = strcspn(buf, "\r\n");
	if (buf[len] == '\0' && !feof(stdin))
		return -1; /* longer than any valid header */
	buf[len] = '\0';
	return 0;
}

int
main(int argc, char *argv[])
{
	struct cerbo_verify_args args = { 0 };
	struct cerbo_verdict verdict;
	struct cerbo_basic basic;
	struct cerbo_error err = { 0 };
	char header[HEADER_MAX + 2];
	char msg[1024];
	int ch, rc = 2;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			args.store_path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();

	if (readheader(header, sizeof(header)) == -1) {
		fprintf(stderr, "verify-basic: no header, or a header too "
		    "long, on standard input\n");
		goto out;
	}
	/* On error the parser has wiped basic already. */
	if (cerbo_basic_parse(header, &basic, &err) == -1) {
		fprintf(stderr, "verify-basic: %s\n",
		    cerbo_error_format(&err, msg, sizeof(msg)));
		goto out;
	}
	explicit_bzero(header, sizeof(header));

	args.username = basic.username;
	args.secret = basic.secret;
	args.secret_len = basic.secret_len;
	args.request = argv[0];
	args.rhost = argc > 1 ? argv[1] : NULL;
	if (cerbo_verify(&args, &verdict) == -1) {
		fprintf(stderr, "verify-basic: invalid arguments\n");
		goto wipe;
	}

	printf("verdict: %s\n", cerbo_verdict_name(verdict.code));
	printf("reason: %s\n", verdict.reason);
	if (verdict.code == CERBO_ALLOW)
		printf("user: %s (%s key)\n", basic.username,
		    verdict.key == CERBO_KEY_OLD ? "old" : "current");
	if (verdict.decision.matched)
		printf("rule: %s %s (profile %s)\n",
		    verdict.decision.kind == CERBO_RULE_DENY ? "deny" : "allow",
		    verdict.decision.rule, verdict.decision.profile);

	if (verdict.code == CERBO_ALLOW)
		rc = 0;
	else if (verdict.code == CERBO_STORE_ERROR)
		rc = 2;
	else
		rc = 1;
wipe:
	cerbo_basic_wipe(&basic);
out:
	explicit_bzero(header, sizeof(header));
	return rc;
}
