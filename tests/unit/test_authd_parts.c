/*
 * test_authd_parts.c - the parts of cerbo-authd that need no HTTP server:
 * listening addresses, which headers name the original request and the
 * client, the failure throttle, and the command line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <cmocka.h>

#include "../../authd/authd.h"

/* ---- addresses ----------------------------------------------------- */

static void
ipv4_address_with_port_is_parsed(void **state)
{
	struct authd_addr a;
	const struct sockaddr_in *in = (const struct sockaddr_in *)&a.sa;
	const char *why;

	(void)state;
	assert_int_equal(authd_addr_parse("127.0.0.1:9180", &a, &why), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 9180);
	assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);
	assert_string_equal(a.text, "127.0.0.1:9180");
}

static void
ipv6_address_in_brackets_is_parsed(void **state)
{
	struct authd_addr a;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a.sa;
	const char *why;

	(void)state;
	assert_int_equal(authd_addr_parse("[::1]:65535", &a, &why), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 65535);
	assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
}

static void
unix_socket_path_is_parsed(void **state)
{
	struct authd_addr a;
	const char *why;

	(void)state;
	assert_int_equal(authd_addr_parse("unix:/run/cerbo/authd.sock", &a,
	                     &why),
	    0);
	assert_int_equal(a.family, AF_UNIX);
	assert_string_equal(((struct sockaddr_un *)&a.sa)->sun_path,
	    "/run/cerbo/authd.sock");
}

static void
bad_addresses_are_refused(void **state)
{
	static const char *const bad[] = {"", "127.0.0.1",
	    "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
	    "127.0.0.1:+80", "localhost:80", "::1:80", "[::1]80",
	    "[::1]:", "[127.0.0.1]:80", "[nothing]:80", "1.2.3:80",
	    "unix:", "unix:relative.sock", ":80", "127.0.0.1:80:81"};
	struct authd_addr a;
	char longpath[200];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (authd_addr_parse(bad[i], &a, &why) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_non_null(why);
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = 'u';
	memcpy(longpath, "unix:/", 6);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(authd_addr_parse(longpath, &a, &why), -1);
}

static void
peer_text_shows_a_mapped_v4_client_as_v4(void **state)
{
	struct sockaddr_in6 in6;
	char out[64];

	(void)state;
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.7",
	                     &in6.sin6_addr),
	    1);
	authd_addr_peer_text((struct sockaddr *)&in6, out, sizeof(out));
	assert_string_equal(out, "192.0.2.7");
	authd_addr_peer_text(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

/* ---- header families ---------------------------------------------- */

static void
note(struct authd_headers *h, const char *name, const char *value)
{
	authd_headers_note(h, name, value);
}

static char *
original(enum authd_proxy proxy, struct authd_headers *h, const char *method,
    const char *url, int want_rc)
{
	const char *why = NULL;
	char *line = NULL;
	int rc;

	rc =
	    authd_original_request(proxy, h, method, url, "/auth", &line, &why);
	if (rc != want_rc)
		fail_msg("rc %d, wanted %d (%s)", rc, want_rc,
		    why != NULL ? why : "");
	if (rc != 0)
		assert_non_null(why);
	return line;
}

static void
nginx_family_reads_x_original(void **state)
{
	struct authd_headers h;
	char *line;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "x-original-method", "DELETE");
	note(&h, "X-ORIGINAL-URI", "/api/v1/x?y=1");
	note(&h, "X-Unrelated", "z");
	line = original(AUTHD_PROXY_NGINX, &h, "GET", "/auth", 0);
	assert_string_equal(line, "DELETE /api/v1/x?y=1");
	free(line);
}

static void
forwarded_family_reads_x_forwarded(void **state)
{
	struct authd_headers h;
	char *line;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-Method", "POST");
	note(&h, "X-Forwarded-Uri", "/api/v1/appointments");
	line = original(AUTHD_PROXY_FORWARDED, &h, "GET", "/auth", 0);
	assert_string_equal(line, "POST /api/v1/appointments");
	free(line);
}

static void
another_familys_headers_are_refused(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	note(&h, "X-Original-Method", "GET");
	note(&h, "X-Original-URI", "/a");
	note(&h, "X-Forwarded-Uri", "/b");
	assert_null(original(AUTHD_PROXY_NGINX, &h, "GET", "/auth", -1));
	assert_null(original(AUTHD_PROXY_FORWARDED, &h, "GET", "/auth", -1));
	assert_null(original(AUTHD_PROXY_ENVOY, &h, "GET", "/auth/a", -1));
}

static void
missing_or_repeated_original_headers_are_refused(void **state)
{
	struct authd_headers h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_null(original(AUTHD_PROXY_NGINX, &h, "GET", "/auth", -1));
	note(&h, "X-Original-Method", "GET");
	assert_null(original(AUTHD_PROXY_NGINX, &h, "GET", "/auth", -1));
	note(&h, "X-Original-URI", "/a");
	note(&h, "X-Original-URI", "/b");
	assert_null(original(AUTHD_PROXY_NGINX, &h, "GET", "/auth", -1));
	memset(&h, 0, sizeof(h));
	note(&h, "X-Forwarded-Method", "GET");
	assert_null(original(AUTHD_PROXY_FORWARDED, &h, "GET", "/auth", -1));
}

static void
envoy_family_reads_the_check_request_itself(void **state)
{
	struct authd_headers h;
	char *line;

	(void)state;
	memset(&h, 0, sizeof(h));
	line = original(AUTHD_PROXY_ENVOY, &h, "PUT", "/auth/api/v1/a", 0);
	assert_string_equal(line, "PUT /api/v1/a");
	free(line);
	assert_null(original(AUTHD_PROXY_ENVOY, &h, "GET", "/authx/a", -1));
	assert_null(original(AUTHD_PROXY_ENVOY, &h, "GET", "/auth", -1));
	assert_null(original(AUTHD_PROXY_ENVOY, &h, "GET", "/other/a", -1));
}

static void
proxy_names_round_trip(void **state)
{
	enum authd_proxy p;

	(void)state;
	assert_int_equal(authd_proxy_parse("forwarded", &p), 0);
	assert_int_equal(p, AUTHD_PROXY_FORWARDED);
	assert_string_equal(authd_proxy_name(p), "forwarded");
	assert_int_equal(authd_proxy_parse("envoy", &p), 0);
	assert_int_equal(authd_proxy_parse("traefik", &p), -1);
	assert_int_equal(authd_proxy_parse("NGINX", &p), -1);
}

/* ---- the throttle ---------------------------------------------------- */

static void
throttle_blocks_after_the_limit_until_the_window_ends(void **state)
{
	struct authd_throttle *t = authd_throttle_new(3, 60, 64);
	time_t now = 1000;

	(void)state;
	assert_non_null(t);
	authd_throttle_fail(t, "192.0.2.1", now);
	authd_throttle_fail(t, "192.0.2.1", now + 1);
	assert_int_equal(authd_throttle_blocked(t, "192.0.2.1", now + 2), 0);
	authd_throttle_fail(t, "192.0.2.1", now + 2);
	assert_int_equal(authd_throttle_blocked(t, "192.0.2.1", now + 3), 1);
	assert_int_equal(authd_throttle_blocked(t, "192.0.2.2", now + 3), 0);
	assert_int_equal(authd_throttle_blocked(t, "192.0.2.1", now + 59), 1);
	assert_int_equal(authd_throttle_blocked(t, "192.0.2.1", now + 60), 0);
	/* A new window counts from zero. */
	authd_throttle_fail(t, "192.0.2.1", now + 61);
	assert_int_equal(authd_throttle_blocked(t, "192.0.2.1", now + 61), 0);
	authd_throttle_free(t);
}

static void
throttle_table_never_grows_past_its_slots(void **state)
{
	struct authd_throttle *t = authd_throttle_new(1, 60, 16);
	char addr[32];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 256, i % 256);
		authd_throttle_fail(t, addr, 1000);
	}
	assert_true(authd_throttle_size(t) <= 16);
	/* The latest address is tracked: it was given a slot. */
	assert_int_equal(authd_throttle_blocked(t, addr, 1000), 1);
	authd_throttle_free(t);
}

static void
throttle_off_blocks_nobody(void **state)
{
	struct authd_throttle *t = authd_throttle_new(0, 60, 16);

	(void)state;
	assert_null(t);
	authd_throttle_fail(t, "192.0.2.1", 1);
	assert_int_equal(authd_throttle_blocked(t, "192.0.2.1", 1), 0);
	authd_throttle_free(t);
}

/* ---- options ---------------------------------------------------------- */

static int
parse(struct authd_config *cfg, char *msg, size_t len, ...)
{
	char *argv[32];
	int argc = 0, done;
	va_list ap;

	argv[argc++] = "cerbo-authd";
	va_start(ap, len);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return authd_options_parse(cfg, argc, argv, &done, msg, len);
}

static void
options_have_documented_defaults(void **state)
{
	struct authd_config cfg;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--listen",
	                     "127.0.0.1:9180", (char *)NULL),
	    AUTHD_EXIT_OK);
	assert_string_equal(cfg.store, "/etc/cerbo/apiusers.yaml");
	assert_int_equal(cfg.proxy, AUTHD_PROXY_NGINX);
	assert_int_equal(cfg.max_failures, 20);
	assert_int_equal(cfg.failure_window, 60);
	assert_int_equal(cfg.overload_status, 429);
	assert_int_equal(cfg.queue, 64);
	assert_true(cfg.workers >= 1);
	assert_int_equal(cfg.threads, cfg.workers);
	assert_int_equal(cfg.trust_proxy, 0);
	assert_int_equal(cfg.nlisten, 1);
}

static void
options_each_failure_has_its_exit_code(void **state)
{
	struct authd_config cfg;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--nope", (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_non_null(strstr(msg, "--nope"));
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--listen", "x:1",
	                     (char *)NULL),
	    AUTHD_EXIT_ADDRESS);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--overload-status",
	                     "500", (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--workers", "-1",
	                     (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--realm", "a\"b",
	                     (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--envoy-prefix",
	                     "/auth/", (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--store", (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "extra", (char *)NULL),
	    AUTHD_EXIT_USAGE);
}

static void
options_set_what_they_name(void **state)
{
	struct authd_config cfg;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--proxy", "envoy",
	                     "--envoy-prefix", "/check", "--trust-proxy",
	                     "--workers", "3", "--threads", "4", "--queue", "9",
	                     "--overload-status", "503", "--max-failures", "0",
	                     "--listen", "unix:/run/a.sock", "--listen",
	                     "[::1]:80", "--metrics-listen", "127.0.0.1:9181",
	                     "--socket-mode", "0600", (char *)NULL),
	    AUTHD_EXIT_OK);
	assert_int_equal(cfg.proxy, AUTHD_PROXY_ENVOY);
	assert_string_equal(cfg.envoy_prefix, "/check");
	assert_int_equal(cfg.trust_proxy, 1);
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(cfg.threads, 4);
	assert_int_equal(cfg.queue, 9);
	assert_int_equal(cfg.overload_status, 503);
	assert_int_equal(cfg.max_failures, 0);
	assert_int_equal(cfg.nlisten, 2);
	assert_int_equal(cfg.metrics_set, 1);
	assert_int_equal(cfg.socket_mode, 0600);
}

static void
options_take_durations_with_a_unit(void **state)
{
	struct authd_config cfg;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--failure-window", "1m",
	                     "--timeout", "30s", (char *)NULL),
	    AUTHD_EXIT_OK);
	assert_int_equal(cfg.failure_window, 60);
	assert_int_equal(cfg.timeout, 30);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--failure-window", "1d",
	                     "--timeout", "1h", (char *)NULL),
	    AUTHD_EXIT_OK);
	assert_int_equal(cfg.failure_window, 86400);
	assert_int_equal(cfg.timeout, 3600);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--timeout", "2000ms",
	                     (char *)NULL),
	    AUTHD_EXIT_OK);
	assert_int_equal(cfg.timeout, 2);
}

static void
options_bare_durations_stay_seconds(void **state)
{
	struct authd_config cfg;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--failure-window", "90",
	                     "--timeout", "45", (char *)NULL),
	    AUTHD_EXIT_OK);
	assert_int_equal(cfg.failure_window, 90);
	assert_int_equal(cfg.timeout, 45);
}

static void
options_durations_out_of_range_state_the_bounds(void **state)
{
	struct authd_config cfg;
	char msg[256];

	(void)state;
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--timeout", "2h",
	                     (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_string_equal(msg,
	    "--timeout 2h: not a duration from 1s to 1h (e.g. 500ms, 10s, 2m; a bare number is seconds)");
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--failure-window", "0",
	                     (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_string_equal(msg,
	    "--failure-window 0: not a duration from 1s to 1d (e.g. 500ms, 10s, 2m; a bare number is seconds)");
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--failure-window",
	                     "1500ms", (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_string_equal(msg,
	    "--failure-window 1500ms: not a whole number of seconds");
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--timeout", "1 m",
	                     (char *)NULL),
	    AUTHD_EXIT_USAGE);
}

static void
options_numbers_refuse_signs_spaces_junk_and_overflow(void **state)
{
	static const char *const bad[] = {"+4", " 4", "4 ", "4x", "0x4", "",
	    "18446744073709551620", "-4", "0", "257", NULL};
	const char *const *s;
	struct authd_config cfg;
	char msg[256];

	(void)state;
	for (s = bad; *s != NULL; s++) {
		if (parse(&cfg, msg, sizeof(msg), "--threads", *s,
		        (char *)NULL) != AUTHD_EXIT_USAGE)
			fail_msg("--threads took \"%s\"", *s);
		assert_non_null(strstr(msg, "a whole number from 1 to 256"));
	}
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--threads", "257",
	                     (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_string_equal(msg,
	    "--threads 257: too large: a whole number from 1 to 256");
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--socket-mode", "0668",
	                     (char *)NULL),
	    AUTHD_EXIT_USAGE);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--listen",
	                     "127.0.0.1:65536", (char *)NULL),
	    AUTHD_EXIT_ADDRESS);
	assert_int_equal(parse(&cfg, msg, sizeof(msg), "--listen",
	                     "127.0.0.1:+80", (char *)NULL),
	    AUTHD_EXIT_ADDRESS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ipv4_address_with_port_is_parsed),
	    cmocka_unit_test(ipv6_address_in_brackets_is_parsed),
	    cmocka_unit_test(unix_socket_path_is_parsed),
	    cmocka_unit_test(bad_addresses_are_refused),
	    cmocka_unit_test(peer_text_shows_a_mapped_v4_client_as_v4),
	    cmocka_unit_test(nginx_family_reads_x_original),
	    cmocka_unit_test(forwarded_family_reads_x_forwarded),
	    cmocka_unit_test(another_familys_headers_are_refused),
	    cmocka_unit_test(missing_or_repeated_original_headers_are_refused),
	    cmocka_unit_test(envoy_family_reads_the_check_request_itself),
	    cmocka_unit_test(proxy_names_round_trip),
	    cmocka_unit_test(
	        throttle_blocks_after_the_limit_until_the_window_ends),
	    cmocka_unit_test(throttle_table_never_grows_past_its_slots),
	    cmocka_unit_test(throttle_off_blocks_nobody),
	    cmocka_unit_test(options_have_documented_defaults),
	    cmocka_unit_test(options_each_failure_has_its_exit_code),
	    cmocka_unit_test(options_set_what_they_name),
	    cmocka_unit_test(options_take_durations_with_a_unit),
	    cmocka_unit_test(options_bare_durations_stay_seconds),
	    cmocka_unit_test(options_durations_out_of_range_state_the_bounds),
	    cmocka_unit_test(
	        options_numbers_refuse_signs_spaces_junk_and_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
