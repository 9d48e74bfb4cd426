/*
 * family.c - which headers say what the original request was, and who sent
 * it.
 *
 * Each proxy names the original request in its own headers, and nginx
 * copies the client's own headers into the auth subrequest.  So the family
 * is configured, never guessed: a check request that carries the headers
 * of another family as well (which a client could have sent to steer the
 * decision), or its own family's headers twice, or not at all, is refused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authd.h"
#include "cerbo.h"

static const char *const header_names[AUTHD_H_COUNT] = {
    [AUTHD_H_AUTHORIZATION] = "Authorization",
    [AUTHD_H_ORIGINAL_METHOD] = "X-Original-Method",
    [AUTHD_H_ORIGINAL_URI] = "X-Original-URI",
    [AUTHD_H_FORWARDED_METHOD] = "X-Forwarded-Method",
    [AUTHD_H_FORWARDED_URI] = "X-Forwarded-Uri",
    [AUTHD_H_REAL_IP] = "X-Real-IP",
    [AUTHD_H_FORWARDED_FOR] = "X-Forwarded-For",
};

void
authd_headers_note(struct authd_headers *h, const char *name, const char *value)
{
	size_t i;

	if (name == NULL)
		return;
	for (i = 0; i < AUTHD_H_COUNT; i++) {
		if (strcasecmp(name, header_names[i]) != 0)
			continue;
		if (h->count[i]++ == 0)
			h->value[i] = value != NULL ? value : "";
		return;
	}
}

static const char *const proxy_names[] = {
    [AUTHD_PROXY_NGINX] = "nginx",
    [AUTHD_PROXY_FORWARDED] = "forwarded",
    [AUTHD_PROXY_ENVOY] = "envoy",
};

int
authd_proxy_parse(const char *s, enum authd_proxy *out)
{
	size_t i;

	for (i = 0; i < sizeof(proxy_names) / sizeof(proxy_names[0]); i++) {
		if (strcmp(s, proxy_names[i]) == 0) {
			*out = (enum authd_proxy)i;
			return 0;
		}
	}
	return -1;
}

const char *
authd_proxy_name(enum authd_proxy proxy)
{
	if ((size_t)proxy < sizeof(proxy_names) / sizeof(proxy_names[0]))
		return proxy_names[proxy];
	return "?";
}

static int
present(const struct authd_headers *h, enum authd_header a)
{
	return h->count[a] > 0;
}

/* "METHOD TARGET" into a new string, each part first checked by the
 * library's rule on its own: joined, a method "GET /a" and a URI
 * "HTTP/1.1" would pass for the request line "GET /a HTTP/1.1". */
static int
join_line(const char *method, const char *target, char **out, const char **why)
{
	size_t len;

	if (!cerbo_request_method_valid(method)) {
		*why = "the original method is not one HTTP method";
		return -1;
	}
	if (!cerbo_request_target_valid(target)) {
		*why = "the original URI is not one path starting with /";
		return -1;
	}
	len = strlen(method) + 1 + strlen(target) + 1;
	*out = malloc(len);
	if (*out == NULL)
		return -2;
	(void)snprintf(*out, len, "%s %s", method, target);
	return 0;
}

int
authd_original_request(enum authd_proxy proxy, const struct authd_headers *h,
    const char *method, const char *url, const char *prefix, char **out,
    const char **why)
{
	enum authd_header m, u;
	size_t plen;

	*out = NULL;
	switch (proxy) {
	case AUTHD_PROXY_NGINX:
		if (present(h, AUTHD_H_FORWARDED_METHOD) ||
		    present(h, AUTHD_H_FORWARDED_URI)) {
			*why =
			    "X-Forwarded-Method or X-Forwarded-Uri sent to an nginx check";
			return -1;
		}
		m = AUTHD_H_ORIGINAL_METHOD;
		u = AUTHD_H_ORIGINAL_URI;
		break;
	case AUTHD_PROXY_FORWARDED:
		if (present(h, AUTHD_H_ORIGINAL_METHOD) ||
		    present(h, AUTHD_H_ORIGINAL_URI)) {
			*why =
			    "X-Original-Method or X-Original-URI sent to a forwarded check";
			return -1;
		}
		m = AUTHD_H_FORWARDED_METHOD;
		u = AUTHD_H_FORWARDED_URI;
		break;
	case AUTHD_PROXY_ENVOY:
		if (present(h, AUTHD_H_ORIGINAL_METHOD) ||
		    present(h, AUTHD_H_ORIGINAL_URI) ||
		    present(h, AUTHD_H_FORWARDED_METHOD) ||
		    present(h, AUTHD_H_FORWARDED_URI)) {
			*why =
			    "X-Original-* or X-Forwarded-Method/Uri sent to an envoy check";
			return -1;
		}
		plen = prefix != NULL ? strlen(prefix) : 0;
		if (method == NULL || url == NULL ||
		    strncmp(url, prefix != NULL ? prefix : "", plen) != 0 ||
		    url[plen] != '/') {
			*why = "the check path is not under the envoy prefix";
			return -1;
		}
		return join_line(method, url + plen, out, why);
	default:
		*why = "unknown proxy family";
		return -1;
	}
	if (!present(h, m) || !present(h, u)) {
		*why = "the original method or URI header is missing";
		return -1;
	}
	if (h->count[m] > 1 || h->count[u] > 1) {
		*why = "the original method or URI header was sent twice";
		return -1;
	}
	return join_line(h->value[m], h->value[u], out, why);
}

/* s (n bytes) trimmed of blanks, as authd_addr_normal() spells it, into
 * out; -1 unless it is a numeric IP address. */
static int
ip_text(const char *s, size_t n, char *out, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return authd_addr_normal(tmp, out, len);
}

/* nginx: X-Real-IP, which the reference config sets from $remote_addr.
 * X-Forwarded-For is the client's own there (auth_request copies it). */
static int
from_real_ip(const struct authd_headers *h, char *out, size_t len,
    const char **why)
{
	const char *v = h->value[AUTHD_H_REAL_IP];

	if (h->count[AUTHD_H_REAL_IP] != 1 ||
	    ip_text(v, strlen(v), out, len) != 0) {
		*why = h->count[AUTHD_H_REAL_IP] == 0
		    ? "no X-Real-IP from the trusted nginx (proxy_set_header X-Real-IP $remote_addr)"
		    : "X-Real-IP is not one IP address";
		return -1;
	}
	return 0;
}

/* Caddy, Traefik and Envoy append the address of the peer they saw to
 * X-Forwarded-For: its last entry is theirs, every other one the
 * client's.  X-Real-IP is whatever the client sent (Caddy's forward_auth
 * passes it on), so it is never read here. */
static int
from_last_forwarded_for(const struct authd_headers *h, char *out, size_t len,
    const char **why)
{
	const char *xff = h->value[AUTHD_H_FORWARDED_FOR], *last;

	if (h->count[AUTHD_H_FORWARDED_FOR] != 1) {
		*why = h->count[AUTHD_H_FORWARDED_FOR] == 0
		    ? "no X-Forwarded-For from the trusted proxy"
		    : "X-Forwarded-For was sent twice";
		return -1;
	}
	last = strrchr(xff, ',');
	last = last != NULL ? last + 1 : xff;
	if (ip_text(last, strlen(last), out, len) != 0) {
		*why = "the last X-Forwarded-For entry is not an IP address";
		return -1;
	}
	return 0;
}

int
authd_client_address(enum authd_proxy proxy, int trust,
    const struct authd_headers *h, const char *peer, char *out, size_t len,
    const char **why)
{
	if (len == 0)
		return -1;
	out[0] = '\0';
	if (!trust) {
		/* A unix socket peer has no address: out stays "". */
		if (peer != NULL && peer[0] != '\0' &&
		    authd_addr_normal(peer, out, len) != 0) {
			*why = "the peer address cannot be read";
			return -1;
		}
		return 0;
	}
	switch (proxy) {
	case AUTHD_PROXY_NGINX:
		return from_real_ip(h, out, len, why);
	case AUTHD_PROXY_FORWARDED:
	case AUTHD_PROXY_ENVOY:
		return from_last_forwarded_for(h, out, len, why);
	default:
		*why = "unknown proxy family";
		return -1;
	}
}
