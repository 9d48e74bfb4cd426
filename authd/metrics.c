/*
 * metrics.c - counters for GET /metrics, in the Prometheus text format.
 *
 * Updated with atomic adds from the request and worker threads, read
 * without a lock: a scrape may see one counter a request ahead of another,
 * which the format allows.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cerbo.h>

#include "authd.h"

/* Sized from the enum: a code added to cerbo.h is counted and named
 * (cerbo_verdict_name) without a change here. */
#define NVERDICT CERBO_VERDICT__COUNT

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1.0};
#define NBUCKET (sizeof(bounds) / sizeof(bounds[0]))

static unsigned long verdicts[NVERDICT];
static unsigned long outcomes[AUTHD_OUT_COUNT];
static unsigned long buckets[NBUCKET + 1];
static unsigned long long sum_us;

static const char *const outcome_names[AUTHD_OUT_COUNT] = {
    [AUTHD_OUT_VERDICT] = "verdict",
    [AUTHD_OUT_NO_CREDENTIALS] = "no_credentials",
    [AUTHD_OUT_BAD_HEADERS] = "bad_headers",
    [AUTHD_OUT_THROTTLED] = "throttled",
    [AUTHD_OUT_OVERLOADED] = "overloaded",
    [AUTHD_OUT_ABANDONED] = "abandoned",
};

void
authd_metrics_verdict(int code)
{
	if (code >= 0 && code < NVERDICT)
		__atomic_fetch_add(&verdicts[code], 1, __ATOMIC_RELAXED);
	authd_metrics_outcome(AUTHD_OUT_VERDICT);
}

void
authd_metrics_outcome(enum authd_outcome outcome)
{
	if ((unsigned)outcome < AUTHD_OUT_COUNT)
		__atomic_fetch_add(&outcomes[outcome], 1, __ATOMIC_RELAXED);
}

void
authd_metrics_latency(double seconds)
{
	size_t i;

	for (i = 0; i < NBUCKET && seconds > bounds[i]; i++)
		;
	__atomic_fetch_add(&buckets[i], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sum_us, (unsigned long long)(seconds * 1e6),
	    __ATOMIC_RELAXED);
}

static unsigned long
get(const unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

char *
authd_metrics_text(void)
{
	unsigned long cumulative = 0;
	size_t i, len = 0;
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	fprintf(f,
	    "# HELP cerbo_authd_verdicts_total Checks answered by the verifier, by verdict.\n"
	    "# TYPE cerbo_authd_verdicts_total counter\n");
	for (i = 0; i < NVERDICT; i++)
		fprintf(f, "cerbo_authd_verdicts_total{verdict=\"%s\"} %lu\n",
		    cerbo_verdict_name((enum cerbo_verdict_code)i),
		    get(&verdicts[i]));
	fprintf(f,
	    "# HELP cerbo_authd_checks_total Check requests, by how they were answered.\n"
	    "# TYPE cerbo_authd_checks_total counter\n");
	for (i = 0; i < AUTHD_OUT_COUNT; i++)
		fprintf(f, "cerbo_authd_checks_total{outcome=\"%s\"} %lu\n",
		    outcome_names[i], get(&outcomes[i]));
	fprintf(f,
	    "# HELP cerbo_authd_check_seconds Time from a check request to its answer.\n"
	    "# TYPE cerbo_authd_check_seconds histogram\n");
	for (i = 0; i < NBUCKET; i++) {
		cumulative += get(&buckets[i]);
		fprintf(f, "cerbo_authd_check_seconds_bucket{le=\"%g\"} %lu\n",
		    bounds[i], cumulative);
	}
	cumulative += get(&buckets[NBUCKET]);
	fprintf(f,
	    "cerbo_authd_check_seconds_bucket{le=\"+Inf\"} %lu\n"
	    "cerbo_authd_check_seconds_sum %.6f\n"
	    "cerbo_authd_check_seconds_count %lu\n",
	    cumulative,
	    (double)__atomic_load_n(&sum_us, __ATOMIC_RELAXED) / 1e6,
	    cumulative);
	fprintf(f,
	    "# HELP cerbo_authd_pool_queue_depth Slow checks waiting for a worker.\n"
	    "# TYPE cerbo_authd_pool_queue_depth gauge\n"
	    "cerbo_authd_pool_queue_depth %u\n"
	    "# HELP cerbo_authd_pool_busy Workers running a slow check.\n"
	    "# TYPE cerbo_authd_pool_busy gauge\n"
	    "cerbo_authd_pool_busy %u\n",
	    authd_pool_depth(), authd_pool_busy());
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
