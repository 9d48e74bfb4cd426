/*
 * options.c - the command line of cerbo-authd.
 *
 * Defaults first, then each option over them; every value is checked
 * here, so a daemon that starts has a configuration that makes sense.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cerbo.h>

#include "authd.h"

#define VERSION "0.1.0"

static const char usage_text[] =
    "Usage: cerbo-authd [OPTION]... --listen ADDR [--listen ADDR]...\n"
    "Answer the forward-auth checks of a reverse proxy (nginx auth_request,\n"
    "Caddy forward_auth, Traefik ForwardAuth, Envoy ext_authz) from a cerbo store.\n"
    "\n"
    "  --store PATH            the store (default " CERBO_STORE_DEFAULT ")\n"
    "  --listen ADDR           listen on 127.0.0.1:PORT, [::1]:PORT or\n"
    "                          unix:/PATH; repeatable; none with socket\n"
    "                          activation\n"
    "  --socket-mode MODE      mode of a unix socket made by --listen (0660)\n"
    "  --proxy FAMILY          where the original request is read from:\n"
    "                          nginx (X-Original-Method, X-Original-URI; the\n"
    "                          default), forwarded (X-Forwarded-Method,\n"
    "                          X-Forwarded-Uri: Caddy, Traefik) or envoy (the\n"
    "                          check request's own method and path)\n"
    "  --envoy-prefix PATH     the path prefix of envoy checks (/auth)\n"
    "  --trust-proxy           take the client address from what the proxy\n"
    "                          family writes: X-Real-IP (nginx) or the last\n"
    "                          X-Forwarded-For entry (forwarded, envoy)\n"
    "  --realm TEXT            the realm of WWW-Authenticate (API)\n"
    "  --threads N             threads answering requests, per listener\n"
    "                          (number of CPUs)\n"
    "  --workers N             threads for argon2id checks (number of CPUs)\n"
    "  --queue N               argon2id checks that may wait (64)\n"
    "  --overload-status CODE  answer when the queue is full: 429 or 503 (429)\n"
    "  --max-failures N        failed checks per client address and window\n"
    "                          before 429 (20; 0: no throttling)\n"
    "  --failure-window SECS   the throttle window (60)\n"
    "  --throttle-table N      client addresses the throttle tracks (4096)\n"
    "  --throttle-ipv6-prefix N  an IPv6 client is counted by its /N (64)\n"
    "  --connections N         open connections at most (1024)\n"
    "  --timeout SECS          idle keep-alive connections are closed after (60)\n"
    "  --metrics-listen ADDR   serve GET /metrics there (off by default)\n"
    "  --log-success           log allowed checks too\n"
    "  --stderr                log to standard error, not syslog\n"
    "  --help                  show this help and exit\n"
    "  --version               show the version and exit\n"
    "\n"
    "Exit status: 0 stopped by a signal, 1 failure while running, 2 bad option,\n"
    "3 bad address, 4 cannot listen, 5 the store cannot be used.\n";

enum {
	O_STORE = 256,
	O_LISTEN,
	O_SOCKET_MODE,
	O_PROXY,
	O_ENVOY_PREFIX,
	O_TRUST_PROXY,
	O_REALM,
	O_THREADS,
	O_WORKERS,
	O_QUEUE,
	O_OVERLOAD,
	O_MAX_FAILURES,
	O_WINDOW,
	O_TABLE,
	O_V6PREFIX,
	O_CONNECTIONS,
	O_TIMEOUT,
	O_METRICS,
	O_LOG_SUCCESS,
	O_STDERR,
	O_HELP,
	O_VERSION,
};

static const struct option longopts[] = {
    {"store", required_argument, NULL, O_STORE},
    {"listen", required_argument, NULL, O_LISTEN},
    {"socket-mode", required_argument, NULL, O_SOCKET_MODE},
    {"proxy", required_argument, NULL, O_PROXY},
    {"envoy-prefix", required_argument, NULL, O_ENVOY_PREFIX},
    {"trust-proxy", no_argument, NULL, O_TRUST_PROXY},
    {"realm", required_argument, NULL, O_REALM},
    {"threads", required_argument, NULL, O_THREADS},
    {"workers", required_argument, NULL, O_WORKERS},
    {"queue", required_argument, NULL, O_QUEUE},
    {"overload-status", required_argument, NULL, O_OVERLOAD},
    {"max-failures", required_argument, NULL, O_MAX_FAILURES},
    {"failure-window", required_argument, NULL, O_WINDOW},
    {"throttle-table", required_argument, NULL, O_TABLE},
    {"throttle-ipv6-prefix", required_argument, NULL, O_V6PREFIX},
    {"connections", required_argument, NULL, O_CONNECTIONS},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"metrics-listen", required_argument, NULL, O_METRICS},
    {"log-success", no_argument, NULL, O_LOG_SUCCESS},
    {"stderr", no_argument, NULL, O_STDERR},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0},
};

/* An unsigned number in [min, max], in base (10 or 8), digits only. */
static int
number(const char *s, unsigned long min, unsigned long max, int base,
    unsigned *out)
{
	unsigned long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Printable ASCII without the quote and backslash of a quoted-string. */
static int
realm_valid(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) > 128)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

static int
prefix_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n < 256 && s[0] == '/' && s[n - 1] != '/' &&
	    strpbrk(s, "?#%") == NULL;
}

static void
defaults(struct authd_config *cfg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	cfg->store = CERBO_STORE_DEFAULT;
	cfg->proxy = AUTHD_PROXY_NGINX;
	cfg->envoy_prefix = "/auth";
	cfg->realm = "API";
	cfg->workers = cpus > 0 && cpus < 256 ? (unsigned)cpus : 2;
	cfg->threads = cfg->workers;
	cfg->queue = 64;
	cfg->overload_status = 429;
	cfg->max_failures = 20;
	cfg->failure_window = 60;
	cfg->throttle_slots = 4096;
	cfg->throttle_v6prefix = 64;
	cfg->connections = 1024;
	cfg->timeout = 60;
	cfg->socket_mode = 0660;
}

#define BAD(...)                                                               \
	do {                                                                   \
		(void)snprintf(msg, msglen, __VA_ARGS__);                      \
		return AUTHD_EXIT_USAGE;                                       \
	} while (0)

int
authd_options_parse(struct authd_config *cfg, int argc, char **argv, int *done,
    char *msg, size_t msglen)
{
	const char *why;
	int c;

	defaults(cfg);
	*done = 0;
	msg[0] = '\0';
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case O_STORE:
			if (optarg[0] == '\0')
				BAD("--store: empty path");
			cfg->store = optarg;
			break;
		case O_LISTEN:
		case O_METRICS:
			if (c == O_LISTEN && cfg->nlisten >= AUTHD_LISTEN_MAX)
				BAD("--listen: at most %d addresses",
				    AUTHD_LISTEN_MAX);
			if (authd_addr_parse(optarg,
			        c == O_LISTEN ? &cfg->listen[cfg->nlisten]
			                      : &cfg->metrics,
			        &why) != 0) {
				(void)snprintf(msg, msglen, "%s %s: %s",
				    c == O_LISTEN ? "--listen"
				                  : "--metrics-listen",
				    optarg, why);
				return AUTHD_EXIT_ADDRESS;
			}
			if (c == O_LISTEN)
				cfg->nlisten++;
			else
				cfg->metrics_set = 1;
			break;
		case O_SOCKET_MODE:
			if (number(optarg, 0, 0777, 8, &cfg->socket_mode) != 0)
				BAD("--socket-mode: an octal mode such as 0660");
			break;
		case O_PROXY:
			if (authd_proxy_parse(optarg, &cfg->proxy) != 0)
				BAD("--proxy: nginx, forwarded or envoy");
			break;
		case O_ENVOY_PREFIX:
			if (!prefix_valid(optarg))
				BAD("--envoy-prefix: a path such as /auth (no trailing '/', '?', '#' or '%%')");
			cfg->envoy_prefix = optarg;
			break;
		case O_TRUST_PROXY:
			cfg->trust_proxy = 1;
			break;
		case O_REALM:
			if (!realm_valid(optarg))
				BAD("--realm: 1 to 128 printable ASCII characters, no '\"' or '\\'");
			cfg->realm = optarg;
			break;
		case O_THREADS:
			if (number(optarg, 1, 256, 10, &cfg->threads) != 0)
				BAD("--threads: a number from 1 to 256");
			break;
		case O_WORKERS:
			if (number(optarg, 1, 256, 10, &cfg->workers) != 0)
				BAD("--workers: a number from 1 to 256");
			break;
		case O_QUEUE:
			if (number(optarg, 1, 65536, 10, &cfg->queue) != 0)
				BAD("--queue: a number from 1 to 65536");
			break;
		case O_OVERLOAD:
			if (number(optarg, 429, 503, 10,
			        &cfg->overload_status) != 0 ||
			    (cfg->overload_status != 429 &&
			        cfg->overload_status != 503))
				BAD("--overload-status: 429 or 503");
			break;
		case O_MAX_FAILURES:
			if (number(optarg, 0, 1000000, 10,
			        &cfg->max_failures) != 0)
				BAD("--max-failures: a number from 0 to 1000000");
			break;
		case O_WINDOW:
			if (number(optarg, 1, 86400, 10,
			        &cfg->failure_window) != 0)
				BAD("--failure-window: seconds from 1 to 86400");
			break;
		case O_TABLE:
			if (number(optarg, 16, 1048576, 10,
			        &cfg->throttle_slots) != 0)
				BAD("--throttle-table: a number from 16 to 1048576");
			break;
		case O_V6PREFIX:
			if (number(optarg, 1, 128, 10,
			        &cfg->throttle_v6prefix) != 0)
				BAD("--throttle-ipv6-prefix: a number from 1 to 128");
			break;
		case O_CONNECTIONS:
			if (number(optarg, 1, 65536, 10, &cfg->connections) !=
			    0)
				BAD("--connections: a number from 1 to 65536");
			break;
		case O_TIMEOUT:
			if (number(optarg, 1, 3600, 10, &cfg->timeout) != 0)
				BAD("--timeout: seconds from 1 to 3600");
			break;
		case O_LOG_SUCCESS:
			cfg->log_success = 1;
			break;
		case O_STDERR:
			cfg->log_stderr = 1;
			break;
		case O_HELP:
			(void)fputs(usage_text, stdout);
			*done = 1;
			return AUTHD_EXIT_OK;
		case O_VERSION:
			(void)printf("cerbo-authd " VERSION "\n");
			*done = 1;
			return AUTHD_EXIT_OK;
		case ':':
			BAD("%s needs a value", argv[optind - 1]);
		default:
			BAD("unknown option %s (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		BAD("unexpected argument %s (see --help)", argv[optind]);
	return AUTHD_EXIT_OK;
}
