/*
 * test_authd_pool.c - the argon2id worker pool: a bounded queue in which no
 * one key (username) may hold more than its share of the waiting places.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>

#include <cmocka.h>

#include "../../authd/authd.h"

/* A job that holds its worker until released, so that the jobs behind it
 * wait in the queue. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;
static unsigned ran;

static void
hold(struct authd_job *job)
{
	(void)job;
	pthread_mutex_lock(&gate_lock);
	gate_entered = 1;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	ran++;
	pthread_mutex_unlock(&gate_lock);
}

static void
count_run(struct authd_job *job)
{
	(void)job;
	pthread_mutex_lock(&gate_lock);
	ran++;
	pthread_mutex_unlock(&gate_lock);
}

static void
one_key_holds_at_most_its_share_of_the_queue(void **state)
{
	struct authd_job blocker = {.run = hold, .key = 99};
	struct authd_job a[8], b;
	unsigned share = 16 / AUTHD_POOL_KEY_SHARE, i;

	(void)state;
	assert_int_equal(authd_pool_start(1, 16), 0);
	assert_int_equal(authd_pool_submit(&blocker), 0);
	pthread_mutex_lock(&gate_lock);
	while (!gate_entered)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);

	/* The worker is held: everything below waits in the queue. */
	for (i = 0; i < 8; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].run = count_run;
		a[i].key = 1;
	}
	for (i = 0; i < share; i++)
		assert_int_equal(authd_pool_submit(&a[i]), 0);
	assert_int_equal(authd_pool_submit(&a[share]), -2);
	assert_int_equal(authd_pool_depth(), share);
	/* Another username still finds a place. */
	memset(&b, 0, sizeof(b));
	b.run = count_run;
	b.key = 2;
	assert_int_equal(authd_pool_submit(&b), 0);

	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	authd_pool_stop();
	assert_int_equal(ran, 1 + share + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_key_holds_at_most_its_share_of_the_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
