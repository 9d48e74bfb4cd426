/*
 * handler.c - the HTTP side: one libmicrohttpd daemon per listening
 * socket, each with its own polling thread, answering GET /auth (the
 * check), GET /healthz, and GET /metrics on the metrics listener.
 *
 * A check is translated, never judged here: the credentials and the
 * original request go to cerbo_verify(), and the status comes from
 * cerbo_verdict_http_status().  What authd adds is scheduling: a check
 * the library says is slow (argon2id) is handed to the worker pool and its
 * connection suspended until a worker resumes it, so a polling thread
 * never waits on a hash; when the pool's queue is full the check is
 * answered "try later" at once, and so is a check whose username already
 * holds its share of the queue.
 *
 * The throttle (throttle.c) counts refused credentials per client address
 * (an IPv6 client by its network) and per address and username.  A request
 * without credentials is answered 401 and not counted: HTTP clients send
 * one first to learn the scheme.  At an address that has used up its
 * failures the fast check still runs, so a valid generated key (256 bits,
 * microseconds to check, never guessed) gets its own answer, and any
 * credential refusal is answered 429 instead; a check that needs argon2id
 * is answered 429 without hashing, unless its username has no failure of
 * its own from that address, so that a flood against one imported key
 * does not lock out another's client behind the same address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <microhttpd.h>
#include <sodium.h>

#include <cerbo.h>

#include "authd.h"

#define CHECK_PATH "/auth"
#define HEALTH_PATH "/healthz"
#define METRICS_PATH "/metrics"

enum state { ST_NEW, ST_QUEUED, ST_DONE, ST_GONE };

/* One check; owns the credentials it parsed (wiped when freed). */
struct request {
	struct authd_job job; /* first: the pool hands this back */
	struct MHD_Connection *conn;
	struct timespec start;
	enum state state;
	int verify_rc;
	/* basic and verdict get their size where a request is allocated:
	 * abi-init: unset on purpose */
	struct cerbo_basic basic; /* abi-init: unset on purpose */
	char *line;               /* the original request, "METHOD TARGET" */
	char addr[64];
	char tkey[AUTHD_ADDR_TEXT];   /* what the throttle counts addr as */
	struct cerbo_verdict verdict; /* abi-init: unset on purpose */
};

static const struct authd_config *cfg;
static struct authd_throttle *throttle;       /* per client address */
static struct authd_throttle *throttle_users; /* per address and user */
static unsigned char pool_key[crypto_shorthash_KEYBYTES];
static struct MHD_Daemon *daemons[AUTHD_LISTEN_MAX + 1];
static size_t ndaemons;
static char www_authenticate[192];
static int metrics_tag; /* its address marks the metrics daemon */

/* ---- answers ------------------------------------------------------------ */

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status, const char *body,
    const char *user, const char *profile)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(body != NULL ? strlen(body) : 0,
	    (void *)(body != NULL ? body : ""), MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == 401)
		(void)MHD_add_response_header(r, "WWW-Authenticate",
		    www_authenticate);
	if (user != NULL)
		(void)MHD_add_response_header(r, "X-Api-User", user);
	if (profile != NULL && profile[0] != '\0')
		(void)MHD_add_response_header(r, "X-Api-Profile", profile);
	if (body != NULL)
		(void)MHD_add_response_header(r, "Content-Type",
		    "text/plain; charset=utf-8");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static double
elapsed(const struct timespec *start)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The one place a check's arguments to the library are put together. */
static void
verify_args(const struct request *r, struct cerbo_verify_args *va)
{
	*va = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	va->store_path = cfg->store;
	va->username = r->basic.username;
	va->secret = r->basic.secret;
	va->secret_len = r->basic.secret_len;
	va->request = r->line;
	va->rhost = r->addr[0] != '\0' ? r->addr : NULL;
}

/* The address and username the per-user throttle counts, into out (the
 * username may be a mistyped secret: the caller wipes out). */
static const char *
user_key(const struct request *r, char *out, size_t len)
{
	(void)snprintf(out, len, "%s %s", r->tkey, r->basic.username);
	return out;
}

/* Count a refused credential for the address and for its username. */
static void
count_failure(const struct request *r, time_t now)
{
	char k[AUTHD_ADDR_TEXT + CERBO_USERNAME_MAX + 2];

	authd_throttle_fail(throttle, r->tkey, now);
	authd_throttle_fail(throttle_users, user_key(r, k, sizeof(k)), now);
	sodium_memzero(k, sizeof(k));
}

static unsigned
user_failures(const struct request *r, time_t now)
{
	char k[AUTHD_ADDR_TEXT + CERBO_USERNAME_MAX + 2];
	unsigned n;

	n = authd_throttle_failures(throttle_users, user_key(r, k, sizeof(k)),
	    now);
	sodium_memzero(k, sizeof(k));
	return n;
}

/*
 * Log what authd answered: the verifier's verdict (refusal NULL), or a
 * refusal authd decided itself.  Every line is the library's; a client
 * can flood refusals, so they are limited per reason.
 */
static void
log_check(const struct request *r, const char *rhost, unsigned status,
    const char *refusal, int priority)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;

	la.flags = CERBO_LOG_LIMIT_REFUSALS;
	if (cfg->log_success)
		la.flags |= CERBO_LOG_SUCCESS;
	la.status = (int)status;
	la.rhost = rhost;
	la.username = r->basic.username[0] != '\0' ? r->basic.username : NULL;
	la.request = r->line;
	la.store_path = cfg->store;
	if (refusal == NULL) {
		la.verdict = &r->verdict;
		la.verify_rc = r->verify_rc;
	}
	la.refusal = refusal;
	la.priority = priority;
	authd_log_check(&la);
}

/* Answer a check the verifier decided. */
static enum MHD_Result
answer_verdict(struct MHD_Connection *c, struct request *r)
{
	unsigned status = 500;
	enum MHD_Result ret;
	int allowed;

	if (r->verify_rc == 0)
		status = (unsigned)cerbo_verdict_http_status(r->verdict.code);
	log_check(r, r->addr, status, NULL, 0);
	authd_metrics_verdict(
	    r->verify_rc == 0 ? (int)r->verdict.code : (int)CERBO_STORE_ERROR);
	if (status == 401)
		count_failure(r, time(NULL));
	allowed = r->verify_rc == 0 && r->verdict.code == CERBO_ALLOW;
	authd_metrics_latency(elapsed(&r->start));
	ret = answer(c, status, NULL, allowed ? r->basic.username : NULL,
	    allowed ? r->verdict.profile : NULL);
	cerbo_basic_wipe(&r->basic);
	return ret;
}

static enum MHD_Result
answer_early(struct MHD_Connection *c, struct request *r, unsigned status,
    enum authd_outcome outcome)
{
	cerbo_basic_wipe(&r->basic);
	authd_metrics_outcome(outcome);
	authd_metrics_latency(elapsed(&r->start));
	return answer(c, status, NULL, NULL, NULL);
}

/* ---- the slow path -------------------------------------------------- */

/* Whether the proxy has closed a suspended connection: nginx does when its
 * client goes away, and a flood that reconnects would otherwise fill the
 * queue with hashes whose answer nobody reads. */
static int
peer_gone(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	char b;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci != NULL &&
	    recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static void
run_job(struct authd_job *job)
{
	struct request *r = (struct request *)job;
	struct MHD_Connection *c = r->conn;
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;

	if (peer_gone(c)) {
		/* Counted here: once resumed, libmicrohttpd may close the
		 * connection without calling the handler again. */
		authd_metrics_outcome(AUTHD_OUT_ABANDONED);
		r->state = ST_GONE;
		MHD_resume_connection(c);
		return;
	}
	verify_args(r, &va);
	r->verify_rc = cerbo_verify(&va, &r->verdict);
	r->state = ST_DONE;
	/* The last touch of r: once resumed, the polling thread owns it. */
	MHD_resume_connection(c);
}

/* Called by the pool as it takes the job, before any worker can run it:
 * the connection is suspended before a worker may resume it. */
static void
suspend_job(struct authd_job *job)
{
	MHD_suspend_connection(((struct request *)job)->conn);
}

/* ---- the check ------------------------------------------------------ */

static enum MHD_Result
note_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	(void)kind;
	authd_headers_note(cls, key, value);
	return MHD_YES;
}

static void
peer_address(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	authd_addr_peer_text(ci != NULL ? ci->client_addr : NULL, out, len);
}

static enum MHD_Result
throttled(struct MHD_Connection *c, struct request *r)
{
	log_check(r, r->addr, 429, "too many failed checks", 0);
	return answer_early(c, r, 429, AUTHD_OUT_THROTTLED);
}

static enum MHD_Result
check(struct MHD_Connection *c, struct request *r, const char *url,
    const char *method)
{
	struct authd_headers h;
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char peer[64];
	const char *why = NULL;
	uint64_t key;
	time_t now;
	int blocked, rc;

	memset(&h, 0, sizeof(h));
	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, note_header, &h);
	peer_address(c, peer, sizeof(peer));
	if (authd_client_address(cfg->proxy, cfg->trust_proxy, &h, peer,
	        r->addr, sizeof(r->addr), &why) != 0) {
		log_check(r, peer, 403, why, 0);
		return answer_early(c, r, 403, AUTHD_OUT_BAD_HEADERS);
	}
	/* A unix-socket peer has no address: all of them count as one. */
	if (r->addr[0] == '\0' ||
	    authd_addr_throttle_key(r->addr, cfg->throttle_v6prefix, r->tkey,
	        sizeof(r->tkey)) != 0)
		(void)snprintf(r->tkey, sizeof(r->tkey), "local");
	now = time(NULL);
	blocked = authd_throttle_blocked(throttle, r->tkey, now);
	if (h.count[AUTHD_H_AUTHORIZATION] == 0) {
		log_check(r, r->addr, 401, "no credentials", 0);
		return answer_early(c, r, 401, AUTHD_OUT_NO_CREDENTIALS);
	}
	if (h.count[AUTHD_H_AUTHORIZATION] > 1 ||
	    cerbo_basic_parse(h.value[AUTHD_H_AUTHORIZATION], &r->basic,
	        &err) != 0) {
		if (blocked)
			return throttled(c, r);
		log_check(r, r->addr, 401,
		    h.count[AUTHD_H_AUTHORIZATION] > 1
		        ? "Authorization sent twice"
		        : "malformed Basic credentials",
		    0);
		authd_throttle_fail(throttle, r->tkey, now);
		return answer_early(c, r, 401, AUTHD_OUT_NO_CREDENTIALS);
	}
	rc = authd_original_request(cfg->proxy, &h, method, url,
	    cfg->envoy_prefix, &r->line, &why);
	if (rc == -2)
		return answer_early(c, r, 500, AUTHD_OUT_BAD_HEADERS);
	if (rc != 0) {
		log_check(r, r->addr, 403, why, 0);
		return answer_early(c, r, 403, AUTHD_OUT_BAD_HEADERS);
	}

	/* One look at the store decides a fast check at once; a check that
	 * needs argon2id comes back undecided and goes to the pool. */
	verify_args(r, &va);
	va.flags |= CERBO_VERIFY_FAST_ONLY;
	r->verify_rc = cerbo_verify(&va, &r->verdict);
	if (r->verify_rc != CERBO_VERIFY_DEFERRED) {
		/* At a throttled address only a key that passed gets its
		 * own answer: a refusal would tell a guesser nothing new. */
		if (blocked &&
		    (r->verify_rc != 0 ||
		        cerbo_verdict_http_status(r->verdict.code) == 401))
			return throttled(c, r);
		return answer_verdict(c, r);
	}
	log_check(r, r->addr, 0, NULL, 0); /* the notice, if any */
	r->verdict.notice[0] = '\0';
	if (blocked && user_failures(r, now) > 0)
		return throttled(c, r);
	r->conn = c;
	r->state = ST_QUEUED;
	r->job.run = run_job;
	r->job.queued = suspend_job;
	crypto_shorthash((unsigned char *)&key,
	    (const unsigned char *)r->basic.username, strlen(r->basic.username),
	    pool_key);
	r->job.key = key;
	rc = authd_pool_submit(&r->job);
	if (rc == 0)
		return MHD_YES;
	r->state = ST_NEW;
	log_check(r, r->addr, cfg->overload_status,
	    rc == -2 ? "this username holds its share of the argon2id queue"
	             : "the queue of argon2id checks is full",
	    LOG_WARNING);
	return answer_early(c, r, cfg->overload_status, AUTHD_OUT_OVERLOADED);
}

static enum MHD_Result
health(struct MHD_Connection *c)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char errtext[768];

	if (cerbo_store_usable(cfg->store, 0, &err) != 0) {
		authd_log_limited(LOG_ERR,
		    "health check failed: cannot use the store: %s",
		    cerbo_error_format(&err, errtext, sizeof(errtext)));
		return answer(c, 503, "store unusable\n", NULL, NULL);
	}
	return answer(c, 200, "ok\n", NULL, NULL);
}

static enum MHD_Result
metrics(struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *text = authd_metrics_text();

	if (text == NULL)
		return answer(c, 500, NULL, NULL, NULL);
	r = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, "Content-Type",
	    "text/plain; version=0.0.4");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static int
is_check(const char *url)
{
	size_t n;

	if (cfg->proxy != AUTHD_PROXY_ENVOY)
		return strcmp(url, CHECK_PATH) == 0;
	n = strlen(cfg->envoy_prefix);
	return strncmp(url, cfg->envoy_prefix, n) == 0 && url[n] == '/';
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size,
    void **req_cls)
{
	struct request *r = *req_cls;

	(void)version;
	(void)upload;
	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		r->basic = (struct cerbo_basic)CERBO_BASIC_INIT;
		r->verdict = (struct cerbo_verdict)CERBO_VERDICT_INIT;
		(void)clock_gettime(CLOCK_MONOTONIC, &r->start);
		*req_cls = r;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* a body is never read */
		return MHD_YES;
	}
	if (r->state == ST_DONE)
		return answer_verdict(c, r);
	if (r->state == ST_GONE) {
		cerbo_basic_wipe(&r->basic);
		return MHD_NO; /* closes the connection */
	}
	if (r->state == ST_QUEUED)
		return MHD_YES;
	if (cls == &metrics_tag)
		return strcmp(url, METRICS_PATH) == 0
		    ? metrics(c)
		    : answer(c, 404, NULL, NULL, NULL);
	if (strcmp(url, HEALTH_PATH) == 0)
		return health(c);
	if (!is_check(url))
		return answer(c, 404, NULL, NULL, NULL);
	return check(c, r, url, method);
}

static void
completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *r = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r == NULL)
		return;
	cerbo_basic_wipe(&r->basic);
	free(r->line);
	sodium_memzero(r, sizeof(*r));
	free(r);
	*req_cls = NULL;
}

/* The raw target: rules are matched by the library's parser, which
 * refuses what a server would decode into another path. */
static size_t
keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* libmicrohttpd hands its own format string and arguments. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	authd_log_limited(LOG_WARNING, "http: %s", line);
}
#pragma GCC diagnostic pop

/* threads: event-loop threads for the listener (MHD's thread pool; 1 is
 * one internal polling thread). */
static struct MHD_Daemon *
start_one(int fd, void *tag, unsigned threads)
{
	return MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD |
	        MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, handle, tag, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
	    cfg->connections, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL, MHD_OPTION_END);
}

int
authd_http_start(const struct authd_config *config, const int *fds, size_t n,
    int metrics_fd, char *msg, size_t msglen)
{
	size_t i;

	cfg = config;
	(void)snprintf(www_authenticate, sizeof(www_authenticate),
	    "Basic realm=\"%s\", charset=\"UTF-8\"", cfg->realm);
	throttle = authd_throttle_new(cfg->max_failures, cfg->failure_window,
	    cfg->throttle_slots);
	throttle_users = authd_throttle_new(cfg->max_failures,
	    cfg->failure_window, cfg->throttle_slots);
	randombytes_buf(pool_key, sizeof(pool_key));
	if (cfg->max_failures > 0 &&
	    (throttle == NULL || throttle_users == NULL)) {
		(void)snprintf(msg, msglen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		daemons[ndaemons] = start_one(fds[i], NULL, cfg->threads);
		if (daemons[ndaemons] == NULL) {
			(void)snprintf(msg, msglen,
			    "cannot start the HTTP server on descriptor %d",
			    fds[i]);
			return -1;
		}
		ndaemons++;
	}
	if (metrics_fd >= 0) {
		daemons[ndaemons] = start_one(metrics_fd, &metrics_tag, 1);
		if (daemons[ndaemons] == NULL) {
			(void)snprintf(msg, msglen,
			    "cannot start the metrics server");
			return -1;
		}
		ndaemons++;
	}
	return 0;
}

void
authd_http_stop(void)
{
	size_t i;

	for (i = 0; i < ndaemons; i++)
		(void)MHD_quiesce_daemon(daemons[i]);
	/* Every queued check is run and its connection resumed before the
	 * daemons stop: a suspended connection must not be left behind. */
	authd_pool_stop();
	for (i = 0; i < ndaemons; i++)
		MHD_stop_daemon(daemons[i]);
	ndaemons = 0;
	authd_throttle_free(throttle);
	authd_throttle_free(throttle_users);
	throttle = NULL;
	throttle_users = NULL;
}
