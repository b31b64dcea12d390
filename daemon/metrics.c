/*
 * metrics.c: latency histograms and error counts for /metrics.
 */
#include "metrics.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"

/* Upper bounds of the buckets, in microseconds; the last bucket is +Inf. */
static const uint64_t bounds_us[] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000, 10000000,
};
#define NBOUNDS (sizeof bounds_us / sizeof bounds_us[0])
#define KINDS 1024

typedef struct Histogram {
	uint64_t buckets[NBOUNDS + 1];   /* not cumulative; the last is above every bound */
	uint64_t count;
	uint64_t sum_us;
} Histogram;

static Histogram by_kind[KINDS];
static Histogram pool_wait;
static struct {
	char state[6];
	uint64_t count;
} sqlstates[METRICS_SQLSTATES];
static uint64_t sqlstate_other;

static void
observe(Histogram *h, uint64_t us)
{
	size_t i = 0;
	while (i < NBOUNDS && us > bounds_us[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum_us += us;
}

void
metrics_request(unsigned kind, uint64_t us)
{
	observe(&by_kind[kind < KINDS ? kind : 0], us);
}

void
metrics_pool_wait(uint64_t us)
{
	observe(&pool_wait, us);
}

void
metrics_db_error(const char *sqlstate)
{
	bool wellformed = strlen(sqlstate) == 5;
	for (size_t i = 0; wellformed && i < 5; i++)
		wellformed = (sqlstate[i] >= '0' && sqlstate[i] <= '9') ||
			     (sqlstate[i] >= 'A' && sqlstate[i] <= 'Z');
	if (!wellformed) {
		sqlstate_other++;
		return;
	}
	for (size_t i = 0; i < METRICS_SQLSTATES; i++) {
		if (sqlstates[i].state[0] == '\0')
			snprintf(sqlstates[i].state, sizeof sqlstates[i].state, "%s", sqlstate);
		if (strncmp(sqlstates[i].state, sqlstate, 5) == 0) {
			sqlstates[i].count++;
			return;
		}
	}
	sqlstate_other++;
}

/* One histogram's lines; labels is "" or `kind="x",`. */
static void
print_histogram(struct evbuffer *b, const char *name, const char *labels, const Histogram *h)
{
	uint64_t cumulative = 0;
	for (size_t i = 0; i <= NBOUNDS; i++) {
		cumulative += h->buckets[i];
		if (i < NBOUNDS)
			evbuffer_add_printf(b, "%s_bucket{%sle=\"%g\"} %" PRIu64 "\n", name, labels,
					    (double)bounds_us[i] / 1e6, cumulative);
		else
			evbuffer_add_printf(b, "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n", name,
					    labels, cumulative);
	}
	char open[80] = "";
	if (labels[0] != '\0')
		snprintf(open, sizeof open, "{%.*s}", (int)strlen(labels) - 1, labels);
	evbuffer_add_printf(b, "%s_sum%s %.6f\n%s_count%s %" PRIu64 "\n", name, open,
			    (double)h->sum_us / 1e6, name, open, h->count);
}

void
metrics_print(struct evbuffer *b)
{
	static const char req[] = "triad_request_duration_seconds";
	evbuffer_add_printf(b, "# HELP %s Time from a request's arrival to its answer, by "
			    "request kind.\n# TYPE %s histogram\n", req, req);
	for (unsigned k = 0; k < KINDS; k++) {
		if (by_kind[k].count == 0)
			continue;
		const Route *r = k != 0 ? registry_find((Triad__V1__Request__BodyCase)k) : NULL;
		char labels[96];
		snprintf(labels, sizeof labels, "kind=\"%s\",", route_name(r));
		print_histogram(b, req, labels, &by_kind[k]);
	}

	static const char wait[] = "triad_db_pool_wait_seconds";
	evbuffer_add_printf(b, "# HELP %s Time a database job waited for a connection.\n"
			    "# TYPE %s histogram\n", wait, wait);
	print_histogram(b, wait, "", &pool_wait);

	static const char err[] = "triad_db_errors_total";
	evbuffer_add_printf(b, "# HELP %s Statements that failed, by SQLSTATE.\n"
			    "# TYPE %s counter\n", err, err);
	for (size_t i = 0; i < METRICS_SQLSTATES && sqlstates[i].state[0] != '\0'; i++)
		evbuffer_add_printf(b, "%s{sqlstate=\"%s\"} %" PRIu64 "\n", err, sqlstates[i].state,
				    sqlstates[i].count);
	if (sqlstate_other > 0)
		evbuffer_add_printf(b, "%s{sqlstate=\"other\"} %" PRIu64 "\n", err, sqlstate_other);
}
