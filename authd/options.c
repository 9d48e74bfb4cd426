/*
 * options.c - the command line of cerbo-authd.
 *
 * Defaults first, then each option over them; every value is checked
 * here, so a daemon that starts has a configuration that makes sense.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cerbo.h>

#include "authd.h"
#include "parse.h"

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
    "  --failure-window TIME   the throttle window (60s; e.g. 90s, 1m, 1h;\n"
    "                          a bare number is seconds)\n"
    "  --throttle-table N      client addresses the throttle tracks (4096)\n"
    "  --throttle-ipv6-prefix N  an IPv6 client is counted by its /N (64)\n"
    "  --connections N         open connections at most (1024)\n"
    "  --timeout TIME          idle keep-alive connections are closed after\n"
    "                          (60s; a bare number is seconds)\n"
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

/*
 * The option's value by the library's parsers (parse.h), into an unsigned
 * field; 0, or -1 with "OPTION VALUE: why" in msg.
 */
static int
count(const char *opt, const char *s, int64_t min, int64_t max, unsigned *out,
    char *msg, size_t msglen)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 0;

	if (cerbo__number_parse(s, min, max, &v, &err) != 0) {
		(void)snprintf(msg, msglen, "%s %.64s: %s", opt, s,
		    err.message);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* A duration, a bare number in seconds (as the options always took). */
static int
seconds(const char *opt, const char *s, int64_t min, int64_t max, unsigned *out,
    char *msg, size_t msglen)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	int64_t v = 0;

	if (cerbo__duration_parse(s, CERBO__UNIT_S, min, max, &v, &err) != 0) {
		(void)snprintf(msg, msglen, "%s %.64s: %s", opt, s,
		    err.message);
		return -1;
	}
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
			if (cerbo__mode_parse(optarg, 0777, &cfg->socket_mode,
			        NULL) != 0)
				BAD("--socket-mode %.64s: an octal mode such as 0660",
				    optarg);
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
			if (count("--threads", optarg, 1, 256, &cfg->threads,
			        msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_WORKERS:
			if (count("--workers", optarg, 1, 256, &cfg->workers,
			        msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_QUEUE:
			if (count("--queue", optarg, 1, 65536, &cfg->queue, msg,
			        msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_OVERLOAD:
			if (count("--overload-status", optarg, 429, 503,
			        &cfg->overload_status, msg, msglen) != 0 ||
			    (cfg->overload_status != 429 &&
			        cfg->overload_status != 503))
				BAD("--overload-status %.64s: 429 or 503",
				    optarg);
			break;
		case O_MAX_FAILURES:
			if (count("--max-failures", optarg, 0, 1000000,
			        &cfg->max_failures, msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_WINDOW:
			if (seconds("--failure-window", optarg, 1, 86400,
			        &cfg->failure_window, msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_TABLE:
			if (count("--throttle-table", optarg, 16, 1048576,
			        &cfg->throttle_slots, msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_V6PREFIX:
			if (count("--throttle-ipv6-prefix", optarg, 1, 128,
			        &cfg->throttle_v6prefix, msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_CONNECTIONS:
			if (count("--connections", optarg, 1, 65536,
			        &cfg->connections, msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
			break;
		case O_TIMEOUT:
			if (seconds("--timeout", optarg, 1, 3600, &cfg->timeout,
			        msg, msglen) != 0)
				return AUTHD_EXIT_USAGE;
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
			(void)printf("cerbo-authd (pam_cerbo) %s\n",
			    cerbo_version());
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
