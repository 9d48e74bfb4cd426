/*
 * authd.h - the internal interface of cerbo-authd, the forward-auth server.
 *
 * cerbo-authd answers the auth subrequests of a reverse proxy (nginx
 * auth_request, Caddy forward_auth, Traefik ForwardAuth, Envoy ext_authz)
 * with the verdict of cerbo_verify().  It is a front end: every rule about
 * credentials, requests and the HTTP status of a verdict lives in libcerbo.
 * The parts below that need no HTTP server (addresses, header families,
 * the throttle table, options) are pure and unit-tested.
 */
#ifndef AUTHD_H
#define AUTHD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define AUTHD_LISTEN_MAX 16
#define AUTHD_ADDR_TEXT 128

/* Exit codes, documented in cerbo-authd(8). */
enum authd_exit {
	AUTHD_EXIT_OK = 0,
	AUTHD_EXIT_FAIL = 1,    /* a failure while running */
	AUTHD_EXIT_USAGE = 2,   /* unknown option or bad option value */
	AUTHD_EXIT_ADDRESS = 3, /* an address that cannot be parsed */
	AUTHD_EXIT_LISTEN = 4, /* a socket that cannot be opened or inherited */
	AUTHD_EXIT_STORE = 5,  /* the store cannot be used at start */
};

/* ---- addresses (addr.c) ---------------------------------------------- */

/* A listening address: "127.0.0.1:PORT", "[::1]:PORT", "unix:/path". */
struct authd_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	int family; /* AF_INET, AF_INET6 or AF_UNIX */
	char text[AUTHD_ADDR_TEXT];
};

/* Parse s into out; -1 with why (a fixed string) when it is not valid. */
int authd_addr_parse(const char *s, struct authd_addr *out, const char **why);

/* The numeric text of a peer address ("" for AF_UNIX or unknown). */
void authd_addr_peer_text(const struct sockaddr *sa, char *out, size_t len);

/* A numeric address in one spelling (inet_ntop's, IPv4-mapped IPv6 as
 * IPv4) into out; -1 when text is not a numeric address. */
int authd_addr_normal(const char *text, char *out, size_t len);

/* What the throttle counts addr under: an IPv4 address itself, an IPv6
 * address as its network of v6prefix (1-128) bits, "2001:db8:1:2::/64".
 * -1 when addr is not a numeric address. */
int authd_addr_throttle_key(const char *addr, unsigned v6prefix, char *out,
    size_t len);

/* ---- the original request (family.c) ------------------------------- */

enum authd_proxy {
	AUTHD_PROXY_NGINX,
	AUTHD_PROXY_FORWARDED,
	AUTHD_PROXY_ENVOY
};

/* The request headers authd reads, with how often each was sent. */
enum authd_header {
	AUTHD_H_AUTHORIZATION,
	AUTHD_H_ORIGINAL_METHOD,  /* X-Original-Method (nginx) */
	AUTHD_H_ORIGINAL_URI,     /* X-Original-URI (nginx) */
	AUTHD_H_FORWARDED_METHOD, /* X-Forwarded-Method (Caddy, Traefik) */
	AUTHD_H_FORWARDED_URI,    /* X-Forwarded-Uri (Caddy, Traefik) */
	AUTHD_H_REAL_IP,          /* X-Real-IP */
	AUTHD_H_FORWARDED_FOR,    /* X-Forwarded-For */
	AUTHD_H_COUNT
};

struct authd_headers {
	const char *value[AUTHD_H_COUNT]; /* the first one sent, or NULL */
	unsigned count[AUTHD_H_COUNT];
};

/* Record one request header (name case-insensitive); others are ignored. */
void authd_headers_note(struct authd_headers *h, const char *name,
    const char *value);

/* Parse "nginx", "forwarded" or "envoy"; -1 if none. */
int authd_proxy_parse(const char *s, enum authd_proxy *out);
const char *authd_proxy_name(enum authd_proxy proxy);

/*
 * The original request as "METHOD TARGET" (malloc'd into *out), from the
 * headers of the configured proxy family only.  For envoy the check
 * request's own method and url (path under prefix) carry it.  -1 with why
 * set when the family's headers are missing, sent twice, or when headers
 * of another family are there too (a client's own headers copied into the
 * subrequest): such a request is refused, never guessed at.  -2 when out
 * of memory.
 */
int authd_original_request(enum authd_proxy proxy,
    const struct authd_headers *h, const char *method, const char *url,
    const char *prefix, char **out, const char **why);

/*
 * The client address that allow_from and the throttle see, as
 * authd_addr_normal() spells it.  Without trust: the peer ("" for a unix
 * socket).  With trust, only what the named proxy itself writes: nginx,
 * X-Real-IP (set from $remote_addr); forwarded (Caddy, Traefik) and
 * envoy, the last X-Forwarded-For entry (they append the peer they saw);
 * X-Real-IP is never read for them.  -1 with why when that header is
 * missing, sent twice, or not an IP address: refused, never guessed.
 */
int authd_client_address(enum authd_proxy proxy, int trust,
    const struct authd_headers *h, const char *peer, char *out, size_t len,
    const char **why);

/* ---- the failure throttle (throttle.c) ----------------------------- */

struct authd_throttle;

/* A table of at most slots keys (client addresses, or an address and a
 * username), each allowed limit failures per window seconds; limit 0
 * turns throttling off (NULL is returned, and every function below
 * accepts NULL).  Keys are strings of any length. */
struct authd_throttle *authd_throttle_new(unsigned limit, unsigned window,
    size_t slots);
void authd_throttle_free(struct authd_throttle *t);
/* 1 when key has used up its failures in the current window. */
int authd_throttle_blocked(struct authd_throttle *t, const char *key,
    time_t now);
/* The failures counted for key in its current window (0 when none). */
unsigned authd_throttle_failures(struct authd_throttle *t, const char *key,
    time_t now);
/* Count one failure for key. */
void authd_throttle_fail(struct authd_throttle *t, const char *key, time_t now);
/* How many keys the table tracks (for tests and metrics). */
size_t authd_throttle_size(struct authd_throttle *t);

/* ---- options (options.c) -------------------------------------------- */

struct authd_config {
	const char *store;
	struct authd_addr listen[AUTHD_LISTEN_MAX];
	size_t nlisten;
	struct authd_addr metrics;
	int metrics_set;
	enum authd_proxy proxy;
	const char *envoy_prefix;
	const char *realm;
	int trust_proxy;
	unsigned threads; /* event-loop threads per listener */
	unsigned workers;
	unsigned queue;
	unsigned overload_status; /* 429 or 503 */
	unsigned max_failures;    /* 0: no throttling */
	unsigned failure_window;  /* seconds */
	unsigned throttle_slots;
	unsigned throttle_v6prefix; /* an IPv6 client counts as its /N */
	unsigned connections;
	unsigned timeout; /* seconds an idle connection is kept */
	unsigned socket_mode;
	int log_success;
	int log_stderr;
};

/*
 * Fill cfg from argv.  Returns AUTHD_EXIT_OK, or an exit code with msg
 * set; *done is set for --help and --version (text written to stdout).
 */
int authd_options_parse(struct authd_config *cfg, int argc, char **argv,
    int *done, char *msg, size_t msglen);

/* ---- logging (log.c) -------------------------------------------------- */

void authd_log_open(int to_stderr);
void authd_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like authd_log(), identical lines at most once per 10 seconds. */
void authd_log_limited(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The lines of a check, as the library builds them (cerbo_log_verdict). */
struct cerbo_log_args;
void authd_log_check(const struct cerbo_log_args *args);

/* ---- the worker pool (pool.c) ---------------------------------------- */

struct authd_job {
	/* Called, with the queue locked, when the job is accepted: before
	 * any worker can run it. */
	void (*queued)(struct authd_job *job);
	void (*run)(struct authd_job *job);
	uint64_t key; /* whose check it is (a hash of the username) */
};

/* Jobs of one key may take 1/AUTHD_POOL_KEY_SHARE of the queue (at
 * least one place). */
#define AUTHD_POOL_KEY_SHARE 8

int authd_pool_start(unsigned workers, unsigned queue);
/* 0 queued; -1 the queue is full (or the pool stopped); -2 the jobs of
 * job->key already hold their share of the queue. */
int authd_pool_submit(struct authd_job *job);
/* Jobs waiting, and jobs being run. */
unsigned authd_pool_depth(void);
unsigned authd_pool_busy(void);
/* Run every queued job, then join the workers. */
void authd_pool_stop(void);

/* ---- metrics (metrics.c) --------------------------------------------- */

enum authd_outcome {
	AUTHD_OUT_VERDICT, /* see the verdict code */
	AUTHD_OUT_NO_CREDENTIALS,
	AUTHD_OUT_BAD_HEADERS,
	AUTHD_OUT_THROTTLED,
	AUTHD_OUT_OVERLOADED,
	AUTHD_OUT_ABANDONED, /* the proxy left before its argon2id check ran */
	AUTHD_OUT_COUNT
};

void authd_metrics_verdict(int code);
void authd_metrics_outcome(enum authd_outcome outcome);
void authd_metrics_latency(double seconds);
/* The Prometheus text into a malloc'd string; NULL when out of memory. */
char *authd_metrics_text(void);

/* ---- the HTTP side (handler.c, listen.c) ------------------------------ */

/* Open every --listen socket, or take the inherited ones (LISTEN_FDS);
 * fds gets them, *n how many.  Returns an exit code. */
int authd_listen_open(const struct authd_config *cfg, int *fds, size_t *n,
    char *msg, size_t msglen);
int authd_listen_one(const struct authd_addr *addr, unsigned mode, char *msg,
    size_t msglen);
/* The fds passed by the service manager: count (0 when none), -1 when
 * LISTEN_FDS is there but not valid (msg says why). */
int authd_listen_inherited(int *fds, size_t max, char *msg, size_t msglen);

int authd_http_start(const struct authd_config *cfg, const int *fds, size_t n,
    int metrics_fd, char *msg, size_t msglen);
/* Stop accepting, let the pool finish, close every connection. */
void authd_http_stop(void);

#endif /* AUTHD_H */
