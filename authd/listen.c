/*
 * listen.c - the listening sockets: opened from --listen, or inherited
 * from the service manager (socket activation).
 *
 * The activation protocol is small enough to follow without libsystemd:
 * LISTEN_PID names this process, LISTEN_FDS counts the sockets, which
 * start at descriptor 3.  Both variables are removed once read, so a child
 * would not take the sockets for its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "authd.h"
#include "parse.h"

#define LISTEN_FDS_START 3
#define BACKLOG 511

/* 1 when a server answers on the unix socket at addr. */
static int
socket_live(const struct authd_addr *addr)
{
	int fd, live;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	live =
	    connect(fd, (const struct sockaddr *)&addr->sa, addr->salen) == 0;
	(void)close(fd);
	return live;
}

/* Remove a socket file left by an earlier run; never any other file, and
 * never the socket of a server still running. */
static int
unlink_stale(const struct authd_addr *addr, char *msg, size_t msglen)
{
	const char *path = ((const struct sockaddr_un *)&addr->sa)->sun_path;
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		(void)snprintf(msg, msglen,
		    "%s exists and is not a socket: not replacing it", path);
		return -1;
	}
	if (socket_live(addr)) {
		(void)snprintf(msg, msglen,
		    "%s: another server is listening on it", path);
		return -1;
	}
	if (unlink(path) != 0) {
		(void)snprintf(msg, msglen,
		    "cannot remove the old socket %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
authd_listen_one(const struct authd_addr *addr, unsigned mode, char *msg,
    size_t msglen)
{
	int fd, one = 1;

	fd =
	    socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		(void)snprintf(msg, msglen, "%s: socket: %s", addr->text,
		    strerror(errno));
		return -1;
	}
	if (addr->family == AF_UNIX) {
		msg[0] = '\0';
		if (unlink_stale(addr, msg, msglen) != 0) {
			if (msg[0] == '\0')
				(void)snprintf(msg, msglen, "%s: %s",
				    addr->text, strerror(errno));
			goto fail;
		}
	} else {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (addr->family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&addr->sa, addr->salen) != 0) {
		(void)snprintf(msg, msglen, "%s: bind: %s", addr->text,
		    strerror(errno));
		goto fail;
	}
	if (addr->family == AF_UNIX &&
	    chmod(((const struct sockaddr_un *)&addr->sa)->sun_path,
	        (mode_t)mode) != 0) {
		(void)snprintf(msg, msglen, "%s: chmod: %s", addr->text,
		    strerror(errno));
		goto fail;
	}
	if (listen(fd, BACKLOG) != 0) {
		(void)snprintf(msg, msglen, "%s: listen: %s", addr->text,
		    strerror(errno));
		goto fail;
	}
	return fd;
fail:
	(void)close(fd);
	return -1;
}

int
authd_listen_inherited(int *fds, size_t max, char *msg, size_t msglen)
{
	const char *pid_s = getenv("LISTEN_PID");
	const char *n_s = getenv("LISTEN_FDS");
	int64_t pid = 0, n = 0, i;
	int type, fl;
	socklen_t len;

	if (n_s == NULL)
		return 0;
	if (cerbo__number_parse(pid_s, 1, INT32_MAX, &pid, NULL) != 0 ||
	    pid != (int64_t)getpid()) {
		/* Meant for another process (a parent that did not clear
		 * them): not ours. */
		return 0;
	}
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (cerbo__number_parse(n_s, 1, (int64_t)max, &n, NULL) != 0) {
		(void)snprintf(msg, msglen,
		    "LISTEN_FDS is not a count from 1 to %zu", max);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int fd = LISTEN_FDS_START + (int)i;

		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
		    type != SOCK_STREAM) {
			(void)snprintf(msg, msglen,
			    "inherited descriptor %d is not a stream socket",
			    fd);
			return -1;
		}
		fl = fcntl(fd, F_GETFD);
		if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) != 0 ||
		    (fl = fcntl(fd, F_GETFL)) < 0 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
			(void)snprintf(msg, msglen,
			    "inherited descriptor %d: %s", fd, strerror(errno));
			return -1;
		}
		fds[i] = fd;
	}
	return (int)n;
}

int
authd_listen_open(const struct authd_config *cfg, int *fds, size_t *n,
    char *msg, size_t msglen)
{
	size_t i;
	int got;

	*n = 0;
	got = authd_listen_inherited(fds, AUTHD_LISTEN_MAX, msg, msglen);
	if (got < 0)
		return AUTHD_EXIT_LISTEN;
	if (got > 0 && cfg->nlisten > 0) {
		(void)snprintf(msg, msglen,
		    "sockets were passed by the service manager: --listen must not be given too");
		return AUTHD_EXIT_USAGE;
	}
	if (got > 0) {
		*n = (size_t)got;
		return AUTHD_EXIT_OK;
	}
	if (cfg->nlisten == 0) {
		(void)snprintf(msg, msglen,
		    "no --listen address and no socket passed by the service manager");
		return AUTHD_EXIT_USAGE;
	}
	for (i = 0; i < cfg->nlisten; i++) {
		fds[i] = authd_listen_one(&cfg->listen[i], cfg->socket_mode,
		    msg, msglen);
		if (fds[i] < 0) {
			while (i > 0)
				(void)close(fds[--i]);
			return AUTHD_EXIT_LISTEN;
		}
	}
	*n = cfg->nlisten;
	return AUTHD_EXIT_OK;
}
