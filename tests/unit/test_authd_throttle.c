/*
 * test_authd_throttle.c - what the failure throttle counts: an IPv4 client
 * by its address, an IPv6 client by its network (--throttle-ipv6-prefix),
 * and an address with a username as a key of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../authd/authd.h"

static const char *
key(const char *addr, unsigned prefix)
{
	static char k[AUTHD_ADDR_TEXT];

	assert_int_equal(authd_addr_throttle_key(addr, prefix, k, sizeof(k)),
	    0);
	return k;
}

static void
ipv4_is_counted_by_its_address(void **state)
{
	(void)state;
	assert_string_equal(key("192.0.2.1", 64), "192.0.2.1");
	assert_string_equal(key("::ffff:192.0.2.1", 64), "192.0.2.1");
}

static void
ipv6_is_counted_by_its_network(void **state)
{
	char k[AUTHD_ADDR_TEXT];

	(void)state;
	assert_string_equal(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64),
	    "2001:db8:1:2::/64");
	assert_string_equal(key("2001:DB8:1:2::1", 64), "2001:db8:1:2::/64");
	assert_string_equal(key("2001:db8:1:2::1", 48), "2001:db8:1::/48");
	assert_string_equal(key("2001:db8:1:ffff::1", 52),
	    "2001:db8:1:f000::/52");
	assert_string_equal(key("2001:db8::1", 128), "2001:db8::1/128");
	assert_int_equal(authd_addr_throttle_key("2001:db8::1", 0, k,
	                     sizeof(k)),
	    -1);
	assert_int_equal(authd_addr_throttle_key("2001:db8::1", 129, k,
	                     sizeof(k)),
	    -1);
	assert_int_equal(authd_addr_throttle_key("local", 64, k, sizeof(k)),
	    -1);
}

/* The finding: 60,000 wrong keys from random addresses of one network
 * never met a 429. */
static void
random_addresses_of_one_network_are_one_client(void **state)
{
	struct authd_throttle *t = authd_throttle_new(20, 60, 4096);
	unsigned char r[8];
	char addr[64];
	int i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 60000; i++) {
		randombytes_buf(r, sizeof(r));
		(void)snprintf(addr, sizeof(addr), "2001:db8:7:%x:%x:%x:%x:%x",
		    r[0] | r[1] << 8, r[2] | r[3] << 8, r[4] | r[5] << 8,
		    r[6] << 8, r[7]);
		if (authd_throttle_blocked(t, key(addr, 48), 1000))
			break;
		authd_throttle_fail(t, key(addr, 48), 1000);
	}
	assert_int_equal(i, 20);
	/* Another network is another client. */
	assert_int_equal(authd_throttle_blocked(t, key("2001:db8:8::1", 48),
	                     1000),
	    0);
	authd_throttle_free(t);
}

/* An address and a username make a key of their own, however long. */
static void
address_and_username_are_counted_apart(void **state)
{
	struct authd_throttle *t = authd_throttle_new(3, 60, 64);
	const char *a =
	    "2001:db8:1:2::/64 pk_a_rather_long_username_of_sixty_characters_x";
	const char *b =
	    "2001:db8:1:2::/64 pk_a_rather_long_username_of_sixty_characters_y";

	(void)state;
	assert_non_null(t);
	assert_true(strlen(a) > 46);
	assert_int_equal(authd_throttle_failures(t, a, 1000), 0);
	authd_throttle_fail(t, a, 1000);
	authd_throttle_fail(t, a, 1001);
	assert_int_equal(authd_throttle_failures(t, a, 1002), 2);
	assert_int_equal(authd_throttle_failures(t, b, 1002), 0);
	authd_throttle_fail(t, a, 1002);
	assert_int_equal(authd_throttle_blocked(t, a, 1003), 1);
	assert_int_equal(authd_throttle_blocked(t, b, 1003), 0);
	assert_int_equal(authd_throttle_failures(t, a, 1060), 0);
	authd_throttle_free(t);
}

static int
parse(struct authd_config *cfg, char *msg, size_t len, const char *prefix)
{
	char *argv[] = {"cerbo-authd", "--listen", "127.0.0.1:9180",
	    "--throttle-ipv6-prefix", (char *)(uintptr_t)prefix, NULL};
	int done = 0;

	return authd_options_parse(cfg, 5, argv, &done, msg, len);
}

static void
ipv6_prefix_option_takes_1_to_128(void **state)
{
	struct authd_config cfg;
	char msg[256];
	char *argv[] = {"cerbo-authd", "--listen", "127.0.0.1:9180", NULL};
	int done = 0;

	(void)state;
	assert_int_equal(authd_options_parse(&cfg, 3, argv, &done, msg,
	                     sizeof(msg)),
	    AUTHD_EXIT_OK);
	assert_int_equal(cfg.throttle_v6prefix, 64);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "48"), AUTHD_EXIT_OK);
	assert_int_equal(cfg.throttle_v6prefix, 48);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "128"), AUTHD_EXIT_OK);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "0"), AUTHD_EXIT_USAGE);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "129"),
	    AUTHD_EXIT_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ipv4_is_counted_by_its_address),
	    cmocka_unit_test(ipv6_is_counted_by_its_network),
	    cmocka_unit_test(random_addresses_of_one_network_are_one_client),
	    cmocka_unit_test(address_and_username_are_counted_apart),
	    cmocka_unit_test(ipv6_prefix_option_takes_1_to_128),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
