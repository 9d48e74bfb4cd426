/*
 * cidr.c - allow_from: client networks a user may come from.
 *
 * A network is "address/prefix" (IPv4 or IPv6) or a bare address, which
 * means the one host (/32 or /128).  A network whose address has bits set
 * past the prefix ("192.0.2.1/24") is refused rather than rounded down:
 * it is most likely a typo for the host or for another network, and
 * silently widening or narrowing who may connect is the wrong guess either
 * way.  The canonical text is inet_ntop's form of the address with the
 * prefix always written ("192.0.2.7/32", "2001:db8::/32").
 *
 * Matching: an IPv4-mapped IPv6 client address (::ffff:192.0.2.1, what a
 * dual-stack socket reports) matches IPv4 networks, and an IPv4 client
 * matches IPv6 networks through its mapped form (::ffff:0:0/96).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "internal.h"

#define ADDR_TEXT 64 /* longer than any address with its prefix */

struct net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff};

/* 1 when the first bits of a and b agree. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static int
host_bits_set(const struct net *n)
{
	unsigned len = n->family == AF_INET ? 4 : 16;
	unsigned i;

	for (i = 0; i < len; i++) {
		unsigned first = i * 8;
		unsigned char mask;

		if (first + 8 <= n->prefix)
			continue;
		if (first >= n->prefix)
			mask = 0xff;
		else
			mask = (unsigned char)(0xff >> (n->prefix - first));
		if ((n->addr[i] & mask) != 0)
			return 1;
	}
	return 0;
}

static void
clear_host_bits(struct net *n)
{
	unsigned len = n->family == AF_INET ? 4 : 16;
	unsigned i;

	for (i = 0; i < len; i++) {
		unsigned first = i * 8;

		if (first + 8 <= n->prefix)
			continue;
		if (first >= n->prefix)
			n->addr[i] = 0;
		else
			n->addr[i] &=
			    (unsigned char)(0xff << (8 - (n->prefix - first)));
	}
}

/* Parse a network; messages say what is wrong, without the field name.
 * *n is zeroed first, so it is defined on every path (family 0 matches
 * no address). */
static int
parse_net(const char *s, size_t len, struct net *n, struct cerbo_error *err)
{
	char text[ADDR_TEXT];
	const char *slash;
	size_t alen, i;
	unsigned max, prefix = 0;

	memset(n, 0, sizeof(*n));
	if (len == 0)
		return cerbo__fail(err, CERBO_E_INVALID, "an empty network");
	if (len >= sizeof(text))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "a network longer than %zu bytes", sizeof(text) - 1);
	slash = memchr(s, '/', len);
	alen = slash != NULL ? (size_t)(slash - s) : len;
	memcpy(text, s, alen);
	text[alen] = '\0';
	n->family = memchr(text, ':', alen) != NULL ? AF_INET6 : AF_INET;
	max = n->family == AF_INET ? 32 : 128;
	if (inet_pton(n->family, text, n->addr) != 1)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "\"%.*s\" is not an IPv%d address", (int)alen, s,
		    n->family == AF_INET ? 4 : 6);
	if (slash == NULL) {
		n->prefix = max;
		return 0;
	}
	i = alen + 1;
	if (i == len || len - i > 3 || (s[i] == '0' && len - i > 1))
		goto bad_prefix;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad_prefix;
		prefix = prefix * 10 + (unsigned)(s[i] - '0');
	}
	if (prefix > max)
		goto bad_prefix;
	n->prefix = prefix;
	return 0;
bad_prefix:
	return cerbo__fail(err, CERBO_E_INVALID,
	    "\"%.*s\" has no valid prefix length (0 to %u)", (int)len, s, max);
}

static int
format_net(const struct net *n, char *out, size_t outlen)
{
	char text[INET6_ADDRSTRLEN];
	int r;

	if (inet_ntop(n->family, n->addr, text, sizeof(text)) == NULL)
		return -1;
	r = snprintf(out, outlen, "%s/%u", text, n->prefix);
	if (r < 0 || (size_t)r >= outlen)
		return -1;
	return 0;
}

int
cerbo__cidr_canon(const char *s, size_t len, char *out, size_t outlen,
    struct cerbo_error *err)
{
	struct net n;
	char fixed[CERBO__CIDR_TEXT];

	if (parse_net(s, len, &n, err) != 0)
		return -1;
	if (host_bits_set(&n)) {
		clear_host_bits(&n);
		if (format_net(&n, fixed, sizeof(fixed)) != 0)
			fixed[0] = '\0';
		return cerbo__fail(err, CERBO_E_INVALID,
		    "\"%.*s\" has bits set past its prefix (the network is %s; a single host is written without a prefix)",
		    (int)len, s, fixed);
	}
	if (format_net(&n, out, outlen) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "\"%.*s\" cannot be written back", (int)len, s);
	return 0;
}

int
cerbo__cidr_list_canon(const char *list, char **out, struct cerbo_error *err)
{
	char(*nets)[CERBO__CIDR_TEXT] = NULL;
	char *buf = NULL;
	size_t count = 0, total = 0, i, j, len;
	const char *p, *end;
	int rc = -1;

	*out = NULL;
	if (list == NULL)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "allow_from: no networks");
	nets = calloc(CERBO__ALLOW_FROM_MAX, sizeof(*nets));
	if (nets == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	p = list;
	for (;;) {
		const char *item;
		size_t ilen;

		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		item = p;
		ilen = len;
		cerbo__trim(&item, &ilen);
		if (ilen == 0) {
			if (count == 0 && end == NULL)
				cerbo__fail(err, CERBO_E_INVALID,
				    "allow_from must name at least one network (unset it to allow every address)");
			else
				cerbo__fail(err, CERBO_E_INVALID,
				    "allow_from has an empty entry");
			goto out;
		}
		if (count == CERBO__ALLOW_FROM_MAX) {
			cerbo__fail(err, CERBO_E_INVALID,
			    "allow_from holds more than %d networks",
			    CERBO__ALLOW_FROM_MAX);
			goto out;
		}
		if (cerbo__cidr_canon(item, ilen, nets[count],
		        sizeof(nets[count]), err) != 0) {
			cerbo__error_prefix(err, "allow_from: ");
			goto out;
		}
		for (j = 0; j < count; j++) {
			if (strcmp(nets[j], nets[count]) == 0) {
				cerbo__fail(err, CERBO_E_INVALID,
				    "allow_from: %s is listed twice",
				    nets[count]);
				goto out;
			}
		}
		total += strlen(nets[count]) + 1;
		count++;
		if (end == NULL)
			break;
		p = end + 1;
	}
	buf = malloc(total);
	if (buf == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	len = 0;
	for (i = 0; i < count; i++) {
		size_t n = strlen(nets[i]);

		if (i > 0)
			buf[len++] = ',';
		memcpy(buf + len, nets[i], n);
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	free(nets);
	return rc;
}

/* An address as IPv6 (IPv4 mapped), and as IPv4 when it is one. */
struct client {
	unsigned char v6[16];
	unsigned char v4[4];
	int has_v4;
};

static int
parse_client(const char *addr, struct client *c)
{
	memset(c, 0, sizeof(*c));
	if (strchr(addr, ':') == NULL) {
		if (inet_pton(AF_INET, addr, c->v4) != 1)
			return -1;
		c->has_v4 = 1;
		memcpy(c->v6, mapped_prefix, sizeof(mapped_prefix));
		memcpy(c->v6 + 12, c->v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, c->v6) != 1)
		return -1;
	if (memcmp(c->v6, mapped_prefix, sizeof(mapped_prefix)) == 0) {
		memcpy(c->v4, c->v6 + 12, 4);
		c->has_v4 = 1;
	}
	return 0;
}

int
cerbo__addr_allowed(const char *list, const char *addr)
{
	struct client c;
	const char *p, *end;

	if (list == NULL || addr == NULL || strlen(addr) >= ADDR_TEXT ||
	    parse_client(addr, &c) != 0)
		return 0;
	for (p = list; *p != '\0'; p = end + 1) {
		struct net n;
		const char *item;
		size_t len;

		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		item = p;
		len = (size_t)(end - p);
		cerbo__trim(&item, &len);
		if (parse_net(item, len, &n, NULL) == 0) {
			if (n.family == AF_INET && c.has_v4 &&
			    prefix_equal(n.addr, c.v4, n.prefix))
				return 1;
			if (n.family == AF_INET6 &&
			    prefix_equal(n.addr, c.v6, n.prefix))
				return 1;
		}
		if (*end == '\0')
			break;
	}
	return 0;
}

/* A client controls a host name, and a log line must not carry its text:
 * only what an address is made of is shown. */
const char *
cerbo_addr_shown(const char *rhost)
{
	size_t i, n;

	if (rhost == NULL || rhost[0] == '\0')
		return "unknown address";
	n = strnlen(rhost, 65);
	if (n > 64)
		return "(not shown)";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)rhost[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		        (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
			return "(not shown)";
	}
	return rhost;
}
