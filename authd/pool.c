/*
 * pool.c - a fixed set of worker threads behind a bounded queue.
 *
 * Slow checks (argon2id) run here so that the threads that read requests
 * never wait on one.  The queue is bounded: a submit that finds it full
 * fails at once, and the caller answers "try later" instead of letting a
 * flood build a backlog.  Workers run at a lower CPU priority than the
 * threads answering fast checks, so a flood of slow checks leaves them the
 * CPU they need.
 *
 * Each job names a key (the username it checks), and no key may hold more
 * than a small share of the waiting places: a flood against one username
 * is answered "try later" by itself, and leaves room for the others.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "authd.h"

#define WORKER_NICE 10

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static struct authd_job **ring;
static unsigned ring_size, head, count, busy, nworkers, per_key;
static pthread_t *threads;
static int stopping, started;

static void *
worker(void *arg)
{
	struct authd_job *job;

	(void)arg;
	/* Linux keeps a nice value per thread. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKER_NICE);
	for (;;) {
		pthread_mutex_lock(&lock);
		while (count == 0 && !stopping)
			pthread_cond_wait(&more, &lock);
		if (count == 0) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		job = ring[head];
		head = (head + 1) % ring_size;
		count--;
		busy++;
		pthread_mutex_unlock(&lock);
		job->run(job);
		pthread_mutex_lock(&lock);
		busy--;
		pthread_mutex_unlock(&lock);
	}
}

int
authd_pool_start(unsigned workers, unsigned queue)
{
	unsigned i;

	if (workers == 0 || queue == 0)
		return -1;
	ring = calloc(queue, sizeof(*ring));
	threads = calloc(workers, sizeof(*threads));
	if (ring == NULL || threads == NULL)
		goto fail;
	ring_size = queue;
	per_key =
	    queue / AUTHD_POOL_KEY_SHARE > 0 ? queue / AUTHD_POOL_KEY_SHARE : 1;
	for (i = 0; i < workers; i++) {
		if (pthread_create(&threads[i], NULL, worker, NULL) != 0)
			break;
		nworkers++;
	}
	if (nworkers == 0)
		goto fail;
	started = 1;
	return 0;
fail:
	free(ring);
	free(threads);
	ring = NULL;
	threads = NULL;
	return -1;
}

/* How many waiting jobs have key; lock held. */
static unsigned
waiting_with(uint64_t key)
{
	unsigned i, n = 0;

	for (i = 0; i < count; i++)
		if (ring[(head + i) % ring_size]->key == key)
			n++;
	return n;
}

int
authd_pool_submit(struct authd_job *job)
{
	int rc = -1;

	pthread_mutex_lock(&lock);
	if (!started || stopping || count >= ring_size)
		goto out;
	if (waiting_with(job->key) >= per_key) {
		rc = -2;
		goto out;
	}
	if (job->queued != NULL)
		job->queued(job);
	ring[(head + count) % ring_size] = job;
	count++;
	pthread_cond_signal(&more);
	rc = 0;
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

unsigned
authd_pool_depth(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = count;
	pthread_mutex_unlock(&lock);
	return n;
}

unsigned
authd_pool_busy(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = busy;
	pthread_mutex_unlock(&lock);
	return n;
}

void
authd_pool_stop(void)
{
	unsigned i;

	if (!started)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&more);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < nworkers; i++)
		pthread_join(threads[i], NULL);
	free(ring);
	free(threads);
	ring = NULL;
	threads = NULL;
	started = 0;
}
