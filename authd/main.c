/*
 * main.c - cerbo-authd: start, serve until a signal, stop.
 *
 * Start-up checks everything that can be checked before a proxy sends the
 * first request (options, addresses, the store, the sockets), each failure
 * with its own exit status (authd.h), so that a service manager or a
 * person sees at once what is wrong.  Then the threads start with the
 * signals blocked, and the main thread waits for SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cerbo.h>

#include "authd.h"

/* The store must be usable at start: a typo in --store or a store the
 * service user cannot read is a configuration error, not a run of 500s. */
static int
store_check(const struct authd_config *cfg, char *msg, size_t msglen)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	char text[768];

	if (cerbo_store_usable(cfg->store, 0, &err) == 0)
		return 0;
	(void)snprintf(msg, msglen, "cannot use the store: %s",
	    cerbo_error_format(&err, text, sizeof(text)));
	return -1;
}

/* Remove the unix sockets this process made (not inherited ones). */
static void
unlink_sockets(const struct authd_config *cfg, int inherited)
{
	size_t i;

	for (i = 0; !inherited && i < cfg->nlisten; i++)
		if (cfg->listen[i].family == AF_UNIX)
			(void)unlink(
			    ((const struct sockaddr_un *)&cfg->listen[i].sa)
			        ->sun_path);
	if (cfg->metrics_set && cfg->metrics.family == AF_UNIX)
		(void)unlink(
		    ((const struct sockaddr_un *)&cfg->metrics.sa)->sun_path);
}

static void
fail(const struct authd_config *cfg, const char *msg)
{
	(void)fprintf(stderr, "cerbo-authd: %s\n", msg);
	if (cfg != NULL && !cfg->log_stderr)
		authd_log(LOG_ERR, "%s", msg);
}

int
main(int argc, char **argv)
{
	struct authd_config cfg;
	int fds[AUTHD_LISTEN_MAX];
	int metrics_fd = -1, done, rc, sig;
	size_t n = 0, i;
	char msg[1024];
	sigset_t set;

	rc = authd_options_parse(&cfg, argc, argv, &done, msg, sizeof(msg));
	if (rc != AUTHD_EXIT_OK) {
		fail(NULL, msg);
		return rc;
	}
	if (done)
		return AUTHD_EXIT_OK;
	authd_log_open(cfg.log_stderr);
	if (store_check(&cfg, msg, sizeof(msg)) != 0) {
		fail(&cfg, msg);
		return AUTHD_EXIT_STORE;
	}
	rc = authd_listen_open(&cfg, fds, &n, msg, sizeof(msg));
	if (rc != AUTHD_EXIT_OK) {
		fail(&cfg, msg);
		return rc;
	}
	if (cfg.metrics_set) {
		metrics_fd = authd_listen_one(&cfg.metrics, cfg.socket_mode,
		    msg, sizeof(msg));
		if (metrics_fd < 0) {
			fail(&cfg, msg);
			rc = AUTHD_EXIT_LISTEN;
			goto out;
		}
	}

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);
	(void)signal(SIGPIPE, SIG_IGN);

	rc = AUTHD_EXIT_FAIL;
	if (authd_pool_start(cfg.workers, cfg.queue) != 0) {
		fail(&cfg, "cannot start the worker threads");
		goto out;
	}
	if (authd_http_start(&cfg, fds, n, metrics_fd, msg, sizeof(msg)) != 0) {
		fail(&cfg, msg);
		authd_http_stop();
		goto out;
	}
	authd_log(LOG_INFO,
	    "listening on %zu socket%s (proxy %s%s), store %s, %u threads, %u workers, queue %u",
	    n, n == 1 ? "" : "s", authd_proxy_name(cfg.proxy),
	    cfg.trust_proxy ? ", trusted" : "", cfg.store, cfg.threads,
	    cfg.workers, cfg.queue);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue; /* the store is re-read on change anyway */
		break;
	}
	authd_log(LOG_INFO, "stopping on signal %d", sig);
	authd_http_stop();
	rc = AUTHD_EXIT_OK;
out:
	for (i = 0; i < n; i++)
		(void)close(fds[i]);
	if (metrics_fd >= 0)
		(void)close(metrics_fd);
	unlink_sockets(&cfg, cfg.nlisten == 0);
	return rc;
}
