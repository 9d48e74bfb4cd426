/*
 * test_authd_client.c - the client address cerbo-authd sees: from the peer,
 * or with --trust-proxy from what the configured proxy family itself
 * writes, never from a header the client could have sent through it; and
 * one spelling per address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../authd/authd.h"

static char out[AUTHD_ADDR_TEXT];

static const char *
client(enum authd_proxy proxy, int trust, struct authd_headers *h,
    const char *peer, int want_rc)
{
	const char *why = NULL;

	assert_int_equal(authd_client_address(proxy, trust, h, peer, out,
	                     sizeof(out), &why),
	    want_rc);
	if (want_rc != 0)
		assert_non_null(why);
	return out;
}

static void
note(struct authd_headers *h, const char *name, const char *value)
{
	authd_headers_note(h, name, value);
}

static void
untrusted_proxy_headers_are_ignored(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "X-Real-IP", "192.0.2.1");
	note(&h, "X-Forwarded-For", "192.0.2.2");
	assert_string_equal(client(AUTHD_PROXY_NGINX, 0, &h, "127.0.0.1", 0),
	    "127.0.0.1");
	assert_string_equal(client(AUTHD_PROXY_FORWARDED, 0, &h, "127.0.0.1",
	                        0),
	    "127.0.0.1");
	assert_string_equal(client(AUTHD_PROXY_NGINX, 0, &h, "", 0), "");
}

/* Caddy's forward_auth passes the client's own X-Real-IP on: with it a
 * client chose the address allow_from and the throttle saw. */
static void
forwarded_family_never_reads_x_real_ip(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "X-Real-IP", "10.1.2.3");
	note(&h, "X-Forwarded-For", "198.51.100.7");
	assert_string_equal(client(AUTHD_PROXY_FORWARDED, 1, &h, "127.0.0.1",
	                        0),
	    "198.51.100.7");
	assert_string_equal(client(AUTHD_PROXY_ENVOY, 1, &h, "127.0.0.1", 0),
	    "198.51.100.7");
	/* X-Real-IP alone is no address for these families. */
	memset(&h, 0, sizeof(h));
	note(&h, "X-Real-IP", "10.1.2.3");
	client(AUTHD_PROXY_FORWARDED, 1, &h, "127.0.0.1", -1);
	client(AUTHD_PROXY_ENVOY, 1, &h, "127.0.0.1", -1);
}

static void
forwarded_family_reads_the_entry_the_proxy_appended(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-For", "10.1.2.3, 198.51.100.4,192.0.2.9");
	assert_string_equal(client(AUTHD_PROXY_FORWARDED, 1, &h, "127.0.0.1",
	                        0),
	    "192.0.2.9");
	assert_string_equal(client(AUTHD_PROXY_ENVOY, 1, &h, "127.0.0.1", 0),
	    "192.0.2.9");
}

/* nginx's auth_request copies the client's X-Forwarded-For into the
 * subrequest; X-Real-IP is the one the reference config sets. */
static void
nginx_family_reads_only_x_real_ip(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-For", "10.1.2.3");
	note(&h, "X-Real-IP", " 2001:DB8:0::1 ");
	assert_string_equal(client(AUTHD_PROXY_NGINX, 1, &h, "127.0.0.1", 0),
	    "2001:db8::1");
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-For", "10.1.2.3");
	client(AUTHD_PROXY_NGINX, 1, &h, "127.0.0.1", -1);
}

static void
trusted_headers_that_are_not_one_address_are_refused(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	client(AUTHD_PROXY_NGINX, 1, &h, "127.0.0.1", -1);
	client(AUTHD_PROXY_FORWARDED, 1, &h, "127.0.0.1", -1);
	note(&h, "X-Real-IP", "evil.example");
	client(AUTHD_PROXY_NGINX, 1, &h, "127.0.0.1", -1);
	memset(&h, 0, sizeof(h));
	note(&h, "X-Real-IP", "192.0.2.1");
	note(&h, "X-Real-IP", "192.0.2.2");
	client(AUTHD_PROXY_NGINX, 1, &h, "127.0.0.1", -1);
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-For", "192.0.2.1, ");
	client(AUTHD_PROXY_FORWARDED, 1, &h, "127.0.0.1", -1);
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-For", "192.0.2.1");
	note(&h, "X-Forwarded-For", "192.0.2.2");
	client(AUTHD_PROXY_FORWARDED, 1, &h, "127.0.0.1", -1);
}

static void
a_mapped_v4_address_is_spelled_as_v4(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-For", "::ffff:192.0.2.7");
	assert_string_equal(client(AUTHD_PROXY_FORWARDED, 1, &h, "127.0.0.1",
	                        0),
	    "192.0.2.7");
	assert_int_equal(authd_addr_normal("::FFFF:c000:0207", out,
	                     sizeof(out)),
	    0);
	assert_string_equal(out, "192.0.2.7");
	assert_int_equal(authd_addr_normal("2001:db8:0:0::0:1", out,
	                     sizeof(out)),
	    0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(authd_addr_normal("192.0.2.1", out, sizeof(out)), 0);
	assert_string_equal(out, "192.0.2.1");
	assert_int_equal(authd_addr_normal("192.0.2.01", out, sizeof(out)), -1);
	assert_int_equal(authd_addr_normal("host", out, sizeof(out)), -1);
	assert_int_equal(authd_addr_normal("192.0.2.1", out, 4), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(untrusted_proxy_headers_are_ignored),
	    cmocka_unit_test(forwarded_family_never_reads_x_real_ip),
	    cmocka_unit_test(
	        forwarded_family_reads_the_entry_the_proxy_appended),
	    cmocka_unit_test(nginx_family_reads_only_x_real_ip),
	    cmocka_unit_test(
	        trusted_headers_that_are_not_one_address_are_refused),
	    cmocka_unit_test(a_mapped_v4_address_is_spelled_as_v4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
