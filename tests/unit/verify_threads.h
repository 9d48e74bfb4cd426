/*
 * verify_threads.h - threads that call cerbo_verify() with the same
 * arguments until told to stop, counting the answers: for tests that
 * change a store under running verifications.  Each test program includes
 * it once.
 */
#ifndef CERBO_TEST_VERIFY_THREADS_H
#define CERBO_TEST_VERIFY_THREADS_H

#include <pthread.h>

#include "cerbo.h"

#define VERIFY_THREADS 4

struct verify_threads;

struct verify_thread {
	struct verify_threads *all;
	pthread_t th;
	int allowed, refused, errors;
};

struct verify_threads {
	const struct cerbo_verify_args *args; /* read only while running */
	int stop; /* read and written with __atomic builtins */
	struct verify_thread t[VERIFY_THREADS];
};

/* Refused is a wrong-credentials answer; any other answer or a failed
 * call is an error. */
static void *
verify_thread_main(void *arg)
{
	struct verify_thread *t = arg;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	while (!__atomic_load_n(&t->all->stop, __ATOMIC_ACQUIRE)) {
		if (cerbo_verify(t->all->args, &v) != 0)
			t->errors++;
		else if (v.code == CERBO_ALLOW)
			t->allowed++;
		else if (v.code == CERBO_DENY_CREDENTIALS)
			t->refused++;
		else
			t->errors++;
	}
	return NULL;
}

/* Start the threads on *vt->args, set by the caller. */
static void
verify_threads_start(struct verify_threads *vt)
{
	int i;

	__atomic_store_n(&vt->stop, 0, __ATOMIC_RELEASE);
	for (i = 0; i < VERIFY_THREADS; i++) {
		vt->t[i] = (struct verify_thread){vt, 0, 0, 0, 0};
		assert_int_equal(pthread_create(&vt->t[i].th, NULL,
		                     verify_thread_main, &vt->t[i]),
		    0);
	}
}

/* Stop and join the threads; the sums of their counts. */
static void
verify_threads_stop(struct verify_threads *vt, int *allowed, int *refused,
    int *errors)
{
	int i;

	__atomic_store_n(&vt->stop, 1, __ATOMIC_RELEASE);
	*allowed = *refused = *errors = 0;
	for (i = 0; i < VERIFY_THREADS; i++) {
		assert_int_equal(pthread_join(vt->t[i].th, NULL), 0);
		*allowed += vt->t[i].allowed;
		*refused += vt->t[i].refused;
		*errors += vt->t[i].errors;
	}
}

#endif
