/*
 * addr.c - listening addresses and peer addresses as text.
 *
 * Only numeric addresses are accepted: a name would make the address a
 * server listens on depend on the resolver at start.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "authd.h"
#include "parse.h"

/* A port "1".."65535", by the library's number grammar. */
static int
port_parse(const char *s, unsigned short *out)
{
	int64_t v = 0;

	if (cerbo__number_parse(s, 1, 65535, &v, NULL) != 0)
		return -1;
	*out = (unsigned short)v;
	return 0;
}

static int
unix_parse(const char *path, struct authd_addr *out, const char **why)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
	size_t len = strlen(path);

	if (path[0] != '/') {
		*why = "a unix socket path must be absolute";
		return -1;
	}
	if (len >= sizeof(un->sun_path)) {
		*why = "the unix socket path is too long";
		return -1;
	}
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, len + 1);
	out->salen =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	out->family = AF_UNIX;
	return 0;
}

int
authd_addr_parse(const char *s, struct authd_addr *out, const char **why)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->sa;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *end;
	unsigned short port;
	size_t hlen;
	int v6 = 0;

	*why = "not an address (127.0.0.1:PORT, [::1]:PORT or unix:/PATH)";
	memset(out, 0, sizeof(*out));
	if (s == NULL || strlen(s) >= sizeof(out->text))
		return -1;
	(void)snprintf(out->text, sizeof(out->text), "%s", s);
	if (strncmp(s, "unix:", 5) == 0)
		return unix_parse(s + 5, out, why);
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		hlen = (size_t)(end - s - 1);
		colon = end + 1;
		s++;
		v6 = 1;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (port_parse(colon + 1, &port) != 0) {
		*why = "the port must be a number from 1 to 65535";
		return -1;
	}
	if (v6) {
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			*why = "not a numeric IPv6 address";
			return -1;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		out->salen = sizeof(*in6);
		out->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1) {
		*why = "not a numeric IPv4 address (IPv6 goes in brackets)";
		return -1;
	}
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	out->salen = sizeof(*in4);
	out->family = AF_INET;
	return 0;
}

void
authd_addr_peer_text(const struct sockaddr *sa, char *out, size_t len)
{
	const struct sockaddr_in6 *in6;
	const struct sockaddr_in *in4;
	struct in_addr mapped;

	if (len == 0)
		return;
	out[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		if (inet_ntop(AF_INET, &in4->sin_addr, out, (socklen_t)len) ==
		    NULL)
			out[0] = '\0';
	} else if (sa->sa_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)(const void *)sa;
		/* A v4 client on a dual-stack socket: its v4 address, as
		 * allow_from rules name it. */
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			memcpy(&mapped, &in6->sin6_addr.s6_addr[12], 4);
			if (inet_ntop(AF_INET, &mapped, out, (socklen_t)len) ==
			    NULL)
				out[0] = '\0';
		} else if (inet_ntop(AF_INET6, &in6->sin6_addr, out,
		               (socklen_t)len) == NULL) {
			out[0] = '\0';
		}
	}
}

/*
 * One spelling per address: "::ffff:192.0.2.1" and "192.0.2.1" are the
 * same client, and so are "2001:DB8::1" and "2001:db8:0::1".  allow_from,
 * the log and the throttle all see what inet_ntop writes.
 */
int
authd_addr_normal(const char *text, char *out, size_t len)
{
	struct in6_addr in6;
	struct in_addr in4;
	const char *done;

	if (len == 0)
		return -1;
	out[0] = '\0';
	if (inet_pton(AF_INET, text, &in4) == 1) {
		done = inet_ntop(AF_INET, &in4, out, (socklen_t)len);
	} else if (inet_pton(AF_INET6, text, &in6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&in6)) {
			memcpy(&in4, &in6.s6_addr[12], 4);
			done = inet_ntop(AF_INET, &in4, out, (socklen_t)len);
		} else {
			done = inet_ntop(AF_INET6, &in6, out, (socklen_t)len);
		}
	} else {
		return -1;
	}
	if (done == NULL) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * The throttle counts an IPv4 client by its address and an IPv6 client by
 * its network of v6prefix bits: a single host is routinely given a whole
 * /64 and can pick a fresh address from it for every request.
 */
int
authd_addr_throttle_key(const char *addr, unsigned v6prefix, char *out,
    size_t len)
{
	struct in6_addr in6;
	char net[INET6_ADDRSTRLEN];
	unsigned i;
	int n;

	if (authd_addr_normal(addr, out, len) != 0)
		return -1;
	if (inet_pton(AF_INET6, out, &in6) != 1)
		return 0; /* IPv4 */
	if (v6prefix == 0 || v6prefix > 128)
		return -1;
	for (i = 0; i < 16; i++) {
		if (i * 8 >= v6prefix)
			in6.s6_addr[i] = 0;
		else if (i * 8 + 8 > v6prefix)
			in6.s6_addr[i] &=
			    (unsigned char)(0xffu << (8 - (v6prefix - i * 8)));
	}
	if (inet_ntop(AF_INET6, &in6, net, sizeof(net)) == NULL)
		return -1;
	n = snprintf(out, len, "%s/%u", net, v6prefix);
	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
