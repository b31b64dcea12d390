/*
 * triad-bench: a load generator for triadd.
 *
 * Opens C connections to a running daemon, completes the Hello on each, and
 * then either keeps D pings outstanding on every connection for the duration
 * (--kind ping, --kind ping-db) or holds the connections open doing nothing
 * (--kind idle), which is how the daemon's memory per idle connection is
 * measured. --kind feedback signs each connection in as one coach of the
 * bench data (tests/bench/scale_feedback.sql writes the token file) and
 * keeps a mix of GiveFeedback, ListCoachees and ListFeedback outstanding.
 * --kind event registers persons for events (tests/bench/scale_events.sql
 * writes their ids), each request a new pair of person and event, so the
 * events fill up and their waitlists grow as they would on a busy day.
 *
 * The run has three phases. Connect: connections are opened at most
 * CONNECT_BURST at a time per thread so that the listen backlog never
 * overflows and no SYN has to be retried. Warm-up: requests flow but nothing
 * is counted. Measure: every answer is counted, and the latency of every
 * successful one is recorded in a log-linear histogram. When the duration has
 * passed the loop stops at once; answers still in flight are not waited for.
 *
 * The load is closed-loop: a connection sends its next request when an
 * answer arrives, so the rate is what the daemon sustains at that depth.
 *
 * Each thread (--threads N) has its own event base, its own connections and
 * its own counters; nothing is shared between threads except the start
 * barriers, and the counters are added up after the threads have ended.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "arena.h"
#include "frame.h"
#include "triad/v1/envelope.pb-c.h"

#ifndef TRIAD_VERSION
#define TRIAD_VERSION "dev"
#endif
#ifndef TRIAD_PROTOCOL_VERSION
#error "TRIAD_PROTOCOL_VERSION must be defined by the build"
#endif

#define DEFAULT_ADDR "127.0.0.1:7411"

/* Connections in the connect or hello phase at one time, per thread. */
#define CONNECT_BURST 128

/* How long the connect phase may take before stragglers count as failed. */
#define CONNECT_PHASE_SECONDS 60

/* Descriptors the process needs besides its sockets (stdio, epoll, pipes). */
#define FD_RESERVE 64

/* Largest answer accepted; the daemon's answers to pings are tiny. */
#define MAX_RESPONSE_BYTES (16u * 1024 * 1024)

/* A request id is (sequence << SLOT_BITS) | slot; the Hello uses id 1. */
#define SLOT_BITS 20
#define SLOT_MASK ((UINT64_C(1) << SLOT_BITS) - 1)
#define HELLO_ID 1
#define MAX_PIPELINE 65536
#define MAX_THREADS 256

/* A thread's arena for decoding answers (arena.h): its usual block, and
 * its limit, room for the largest answer unpacked. */
#define ARENA_BLOCK_BYTES 8192
#define ARENA_MAX_BYTES (8 * MAX_RESPONSE_BYTES)

/* ------------------------------------------------------------------------ */
/* Histogram */

/*
 * A log-linear histogram of nanoseconds, in the manner of HdrHistogram:
 * values below 2 * HIST_SUB are counted exactly, and every power of two
 * above is cut into HIST_SUB equal buckets, so a reported value is never
 * more than 1 / HIST_SUB (0.8 %) above the true one. The whole range of
 * uint64_t fits in HIST_BUCKETS counters (58 KiB).
 */
#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (2 * HIST_SUB + (64 - HIST_SUB_BITS - 1) * HIST_SUB)

typedef struct Histogram {
	uint64_t count;
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
} Histogram;

static unsigned
hist_index(uint64_t v)
{
	if (v < 2 * HIST_SUB)
		return (unsigned) v;
	unsigned magnitude = 63u - (unsigned) __builtin_clzll(v);
	unsigned shift = magnitude - HIST_SUB_BITS;
	unsigned top = (unsigned) (v >> shift);	/* in [HIST_SUB, 2 * HIST_SUB) */
	return 2 * HIST_SUB + (shift - 1) * HIST_SUB + (top - HIST_SUB);
}

/* The largest value that falls into bucket i. */
static uint64_t
hist_bucket_high(unsigned i)
{
	if (i < 2 * HIST_SUB)
		return i;
	unsigned k = i - 2 * HIST_SUB;
	unsigned shift = k / HIST_SUB + 1;
	uint64_t top = k % HIST_SUB + HIST_SUB;
	return ((top + 1) << shift) - 1;
}

static void
hist_record(Histogram *h, uint64_t v)
{
	h->buckets[hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

static void
hist_add(Histogram *into, const Histogram *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	if (from->max > into->max)
		into->max = from->max;
}

/*
 * The value at or below which `per100k` hundred-thousandths of the recorded
 * values lie (50000 for the median, 99900 for p99.9), reported as the top of
 * its bucket but never above the largest value seen. 0 when empty.
 */
static uint64_t
hist_percentile(const Histogram *h, uint64_t per100k)
{
	if (h->count == 0)
		return 0;
	uint64_t want = (h->count * per100k + 99999) / 100000;
	if (want == 0)
		want = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= want) {
			uint64_t high = hist_bucket_high(i);
			return high < h->max ? high : h->max;
		}
	}
	return h->max;
}

/* ------------------------------------------------------------------------ */
/* Options, counters */

typedef enum BenchKind {
	KIND_PING,
	KIND_PING_DB,
	KIND_IDLE,
	KIND_FEEDBACK,
	KIND_EVENT,
	KIND_REPORT,
} BenchKind;

static const char *const kind_names[] = { "ping", "ping-db", "idle", "feedback", "event",
					  "report" };

/* What one request is; pings are OP_PING, the feedback mix the other three. */
typedef enum BenchOp {
	OP_PING,
	OP_GIVE,
	OP_COACHEES,
	OP_LIST,
	OP_REGISTER,
	OP_REPORT,
	OP_COUNT
} BenchOp;

static const char *const op_names[OP_COUNT] = { "ping", "give", "coachees", "list",
						 "register", "report" };

/* The kinds of request a run of kind k sends, op_first(k) .. op_last(k). */
static BenchOp
op_first(BenchKind k)
{
	return k == KIND_FEEDBACK ? OP_GIVE : k == KIND_EVENT ? OP_REGISTER
	     : k == KIND_REPORT ? OP_REPORT : OP_PING;
}

static BenchOp
op_last(BenchKind k)
{
	return k == KIND_FEEDBACK ? OP_LIST : k == KIND_EVENT ? OP_REGISTER
	     : k == KIND_REPORT ? OP_REPORT : OP_PING;
}

/*
 * One coach of the bench data: the token it signs in with and its
 * relations with their enrollments (from the --tokens file).
 */
typedef struct BenchCoach {
	char *token;
	int nrel;
	char **rel;
	char **enr;
	size_t first_line;		/* where the file names it first */
} BenchCoach;

/*
 * What GiveFeedback says. pgbench's script (feedback_pgbench.sh) sends the
 * same four texts, so both sides store the same rows.
 */
#define GIVE_SITUATION "In the Monday team meeting about the new intake procedure"
#define GIVE_BEHAVIOUR "You summarised the options before anyone asked and named the risk of each."
#define GIVE_EFFECT "The team decided within ten minutes."
#define GIVE_SUGGESTION "Say which option you prefer, and why."

typedef struct BenchOptions {
	const char *addr;
	int connections;
	int pipeline;
	BenchKind kind;
	double duration;
	double warmup;
	const char *token;
	bool json;
	int threads;
	/* --kind feedback */
	const char *tokens_file;
	const char *institution;
	int mix[OP_COUNT];		/* percentages of give, coachees, list */
	int page_size;
	const BenchCoach *coaches;	/* loaded from tokens_file */
	int ncoaches;
	/* --kind event: the ids of scale_events.sql's file, in its order */
	const char *events_file;
	char **events;
	int nevents;
	char **persons;
	int npersons;
	/* --kind report */
	const char *programme;
	/* --rate: requests per second offered in all, 0 for a closed loop */
	double rate;
} BenchOptions;

/*
 * Error counters: one per status code the protocol defines (indexed by the
 * code), then the troubles of the transport.
 */
enum {
	ERR_CODE_SLOTS = 17,		/* codes 0..16 */
	ERR_CODE_OTHER = ERR_CODE_SLOTS,	/* a code this build does not know */
	ERR_CONNECT,			/* connect() failed */
	ERR_CLOSED,			/* the daemon closed or reset a connection */
	ERR_PROTOCOL,			/* an undecodable frame or an unknown id */
	ERR_COUNT
};

static const char *const err_names[ERR_COUNT] = {
	[0] = "OK",
	[1] = "CANCELLED",
	[2] = "UNKNOWN",
	[3] = "INVALID_ARGUMENT",
	[4] = "DEADLINE_EXCEEDED",
	[5] = "NOT_FOUND",
	[6] = "ALREADY_EXISTS",
	[7] = "PERMISSION_DENIED",
	[8] = "RESOURCE_EXHAUSTED",
	[9] = "FAILED_PRECONDITION",
	[10] = "ABORTED",
	[11] = "OUT_OF_RANGE",
	[12] = "UNIMPLEMENTED",
	[13] = "INTERNAL",
	[14] = "UNAVAILABLE",
	[15] = "DATA_LOSS",
	[16] = "UNAUTHENTICATED",
	[ERR_CODE_OTHER] = "other_code",
	[ERR_CONNECT] = "connect_failed",
	[ERR_CLOSED] = "closed",
	[ERR_PROTOCOL] = "protocol",
};

/* What a thread counted; added up over the threads at the end. */
typedef struct BenchTotals {
	uint64_t requests;		/* OK answers inside the measured window */
	uint64_t op_requests[OP_COUNT];	/* the same, by kind of request */
	uint64_t op_errors[OP_COUNT];	/* answers other than OK, by kind */
	uint64_t op_items[OP_COUNT];	/* rows in the OK answers, by kind */
	uint64_t requests_all;		/* OK answers, warm-up included */
	uint64_t errors[ERR_COUNT];
	double window_s;		/* length of the measured window */
	int connected;			/* connections whose Hello succeeded */
	int lost;			/* of those, closed before the end */
	uint32_t max_in_flight;		/* smallest HelloReply.max_in_flight seen */
	uint32_t idle_timeout_s;	/* smallest non-zero idle timeout seen */
	uint64_t unsent;		/* --rate: requests due by the end but never sent */
} BenchTotals;

/* ------------------------------------------------------------------------ */
/* Connections and workers */

typedef enum BenchConnState {
	BC_ST_NEW,
	BC_ST_CONNECTING,
	BC_ST_HELLO,
	BC_ST_READY,
	BC_ST_CLOSED,
} BenchConnState;

/* One outstanding request: its id and when it was queued. */
typedef struct BenchSlot {
	uint64_t id;
	uint64_t sent_ns;
	bool busy;
	uint8_t op;			/* BenchOp */
	/* --kind event: this slot is client `client` of the run, and has sent
	 * `sent` registrations. */
	uint64_t client;
	uint64_t sent;
} BenchSlot;

struct BenchWorker;

typedef struct BenchConn {
	struct BenchWorker *worker;
	/* Owned; NULL once the connection is closed. */
	struct bufferevent *bev;
	BenchConnState state;
	uint64_t hello_sent_ns;
	uint64_t seq;
	/* Owned; opt->pipeline entries. */
	BenchSlot *slots;
	/* --kind feedback: the coach this connection signs in as. */
	const BenchCoach *coach;
} BenchConn;

typedef enum BenchPhase {
	PHASE_CONNECT,
	PHASE_WARMUP,
	PHASE_MEASURE,
	PHASE_DONE,
} BenchPhase;

typedef struct BenchWorker {
	const BenchOptions *opt;
	const struct sockaddr *addr;
	socklen_t addrlen;
	/* Shared with main(): the start barrier, and whether the run is off
	 * because no connection at all could be opened (main() writes it
	 * between the two barrier waits). */
	pthread_barrier_t *barrier;
	const bool *abandon;
	pthread_t thread;

	/* Owned. */
	struct event_base *base;
	struct event *timer;
	struct event *keepalive;
	struct event *pacer;		/* --rate: sends what is due */
	BenchConn *conns;
	int nconns;

	BenchPhase phase;
	int next_connect;		/* index of the next connection to open */
	int pending;			/* connections in connect or hello */
	int settled;			/* connections that are ready or failed */
	uint64_t window_start_ns;
	uint64_t window_end_ns;
	bool connect_error_shown;
	bool in_connect_more;		/* guards worker_connect_more() */

	BenchTotals totals;
	Histogram latency;		/* OK answers in the window */
	Histogram hello_latency;	/* successful Hellos */
	/* Owned; --kind feedback only: OK answers in the window, by kind. */
	Histogram *op_latency[OP_COUNT];
	uint64_t rng;			/* splitmix64 state */
	/* --rate: this thread's share of the rate, when its schedule began,
	 * how many requests it has sent, and where the search for a free slot
	 * starts. Request k is due at pace_t0_ns + k / rate. */
	double rate;
	uint64_t pace_t0_ns;
	uint64_t issued;
	int pace_next;

	/* While conn_read_cb() reads `batch_conn`'s answers, the requests it
	 * sends in reply gather here and leave in one send() at the end. */
	BenchConn *batch_conn;
	uint8_t *batch;			/* owned */
	size_t batch_len;
	size_t batch_cap;

	/* An answer is decoded into the arena, which is emptied once the
	 * answer has been handled. */
	Arena arena;
} BenchWorker;

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static struct timeval
seconds_tv(double s)
{
	struct timeval tv;
	tv.tv_sec = (time_t) s;
	tv.tv_usec = (suseconds_t) ((s - (double) tv.tv_sec) * 1e6);
	return tv;
}

static void worker_connect_more(BenchWorker *w);
static void worker_pace(BenchWorker *w, uint64_t now);

/*
 * Frame and queue one request: on the thread's batch while the connection's
 * answers are being read, on its output buffer otherwise. The caller owns
 * `req`. Returns false only when memory runs out.
 */
static bool __attribute__((warn_unused_result))
conn_send(BenchConn *c, const Triad__V1__Request *req)
{
	BenchWorker *w = c->worker;
	size_t len = frame_request_size(req);
	uint8_t stackbuf[256];
	uint8_t *buf = stackbuf;

	if (w->batch_conn == c) {
		if (w->batch_cap - w->batch_len < len + 4) {
			size_t cap = w->batch_cap > 0 ? w->batch_cap : 4096;
			while (cap - w->batch_len < len + 4)
				cap *= 2;
			uint8_t *grown = realloc(w->batch, cap);
			if (grown == NULL)
				return false;
			w->batch = grown;
			w->batch_cap = cap;
		}
		buf = w->batch + w->batch_len;
	} else if (len + 4 > sizeof(stackbuf)) {
		buf = malloc(len + 4);
		if (buf == NULL)
			return false;
	}
	buf[0] = (uint8_t) (len >> 24);
	buf[1] = (uint8_t) (len >> 16);
	buf[2] = (uint8_t) (len >> 8);
	buf[3] = (uint8_t) len;
	frame_request_pack(req, buf + 4);
	if (w->batch_conn == c) {
		w->batch_len += len + 4;
		return true;
	}
	int rc = evbuffer_add(bufferevent_get_output(c->bev), buf, len + 4);
	if (buf != stackbuf)
		free(buf);
	return rc == 0;
}

/*
 * Write the batch `c` gathered while its answers were read. When nothing is
 * waiting in its output buffer it is sent at once, so the bufferevent never
 * has to watch the socket; what the socket does not take (or an error, which
 * the bufferevent then meets and reports) goes to the output buffer.
 */
static void
conn_flush_batch(BenchConn *c)
{
	BenchWorker *w = c->worker;
	size_t len = w->batch_len, off = 0;

	w->batch_conn = NULL;
	w->batch_len = 0;
	if (c->bev == NULL || len == 0)
		return;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) == 0) {
		ssize_t n = send(bufferevent_getfd(c->bev), w->batch, len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			off = (size_t) n;
	}
	if (off < len && evbuffer_add(out, w->batch + off, len - off) != 0) {
		fprintf(stderr, "triad-bench: out of memory\n");
		exit(1);
	}
}

/* Queue a Ping on `slot`, which must be free. */
static bool __attribute__((warn_unused_result))
conn_send_ping(BenchConn *c, unsigned slot, bool database, uint64_t now)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	BenchSlot *s = &c->slots[slot];

	assert(!s->busy);
	ping.database = database;
	req.id = (++c->seq << SLOT_BITS) | slot;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	s->id = req.id;
	s->sent_ns = now;
	s->busy = true;
	s->op = OP_PING;
	return conn_send(c, &req);
}

/* splitmix64: a fast generator, good enough to pick requests. */
static uint64_t
rng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/*
 * Queue one request of the feedback mix on `slot`, which must be free: by
 * the percentages of --mix, GiveFeedback on one of the coach's relations
 * (a fresh idempotency key each time), ListCoachees, or the first page of
 * ListFeedback for one of the coach's enrollments.
 */
static bool __attribute__((warn_unused_result))
conn_send_feedback(BenchConn *c, unsigned slot, uint64_t now)
{
	BenchWorker *w = c->worker;
	const BenchOptions *opt = w->opt;
	const BenchCoach *coach = c->coach;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__GiveFeedbackRequest give = TRIAD__V1__GIVE_FEEDBACK_REQUEST__INIT;
	Triad__V1__ListCoacheesRequest coachees = TRIAD__V1__LIST_COACHEES_REQUEST__INIT;
	Triad__V1__ListFeedbackRequest list = TRIAD__V1__LIST_FEEDBACK_REQUEST__INIT;
	BenchSlot *s = &c->slots[slot];
	char key[24];

	assert(!s->busy);
	uint64_t r = rng_next(&w->rng);
	int pct = (int) (r % 100);
	int rel = (int) ((r >> 32) % (uint64_t) coach->nrel);
	BenchOp op = pct < opt->mix[OP_GIVE] ? OP_GIVE
		   : pct < opt->mix[OP_GIVE] + opt->mix[OP_COACHEES] ? OP_COACHEES : OP_LIST;

	req.id = (++c->seq << SLOT_BITS) | slot;
	switch (op) {
	case OP_GIVE:
		/* A random 63-bit number, as pgbench's random(1, 2^63 - 1). */
		snprintf(key, sizeof key, "%" PRIu64, (rng_next(&w->rng) >> 1) | 1);
		req.idempotency_key = key;
		req.institution = (char *) opt->institution;
		give.relation_id = coach->rel[rel];
		give.situation = (char *) GIVE_SITUATION;
		give.behaviour = (char *) GIVE_BEHAVIOUR;
		give.effect = (char *) GIVE_EFFECT;
		give.suggestion = (char *) GIVE_SUGGESTION;
		req.body_case = TRIAD__V1__REQUEST__BODY_GIVE_FEEDBACK;
		req.give_feedback = &give;
		break;
	case OP_COACHEES:
		/* A coach's own view: no institution. */
		req.body_case = TRIAD__V1__REQUEST__BODY_LIST_COACHEES;
		req.list_coachees = &coachees;
		break;
	default:
		req.institution = (char *) opt->institution;
		list.enrollment_id = coach->enr[rel];
		list.page_size = opt->page_size;
		req.body_case = TRIAD__V1__REQUEST__BODY_LIST_FEEDBACK;
		req.list_feedback = &list;
		break;
	}
	s->id = req.id;
	s->sent_ns = now;
	s->busy = true;
	s->op = (uint8_t) op;
	return conn_send(c, &req);
}

/*
 * Queue a RegisterForEvent on `slot`, which must be free. Every slot is a
 * client of its own; request k of client v (of V = connections x pipeline)
 * is number n = v + V * k of the run, and registers person (n / E) mod P for
 * event n mod E (E events, P persons): never the same pair twice while n < E
 * x P, and the events fill evenly. pgbench's script (events_pgbench.sh)
 * numbers its requests the same way.
 */
static bool __attribute__((warn_unused_result))
conn_send_register(BenchConn *c, unsigned slot, uint64_t now)
{
	const BenchOptions *opt = c->worker->opt;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__RegisterForEventRequest reg = TRIAD__V1__REGISTER_FOR_EVENT_REQUEST__INIT;
	BenchSlot *s = &c->slots[slot];

	assert(!s->busy);
	uint64_t clients = (uint64_t) opt->connections * (uint64_t) opt->pipeline;
	uint64_t n = s->client + clients * s->sent++;
	req.id = (++c->seq << SLOT_BITS) | slot;
	req.institution = (char *) opt->institution;
	reg.event_id = opt->events[n % (uint64_t) opt->nevents];
	reg.person_id = opt->persons[(n / (uint64_t) opt->nevents) % (uint64_t) opt->npersons];
	req.body_case = TRIAD__V1__REQUEST__BODY_REGISTER_FOR_EVENT;
	req.register_for_event = &reg;
	s->id = req.id;
	s->sent_ns = now;
	s->busy = true;
	s->op = OP_REGISTER;
	return conn_send(c, &req);
}

/*
 * Queue a ReportReturn for --programme on `slot`, which must be free: the
 * whole return report of the programme, every cohort, as the token's
 * caller sees it (an operator or staff: all of it).
 */
static bool __attribute__((warn_unused_result))
conn_send_report(BenchConn *c, unsigned slot, uint64_t now)
{
	const BenchOptions *opt = c->worker->opt;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__ReportReturnRequest rep = TRIAD__V1__REPORT_RETURN_REQUEST__INIT;
	BenchSlot *s = &c->slots[slot];

	assert(!s->busy);
	req.id = (++c->seq << SLOT_BITS) | slot;
	req.institution = (char *) opt->institution;
	rep.programme_id = (char *) opt->programme;
	req.body_case = TRIAD__V1__REQUEST__BODY_REPORT_RETURN;
	req.report_return = &rep;
	s->id = req.id;
	s->sent_ns = now;
	s->busy = true;
	s->op = OP_REPORT;
	return conn_send(c, &req);
}

/* Queue the next request of the run's kind on `slot`. */
static bool __attribute__((warn_unused_result))
conn_send_next(BenchConn *c, unsigned slot, uint64_t now)
{
	BenchKind kind = c->worker->opt->kind;

	if (kind == KIND_FEEDBACK)
		return conn_send_feedback(c, slot, now);
	if (kind == KIND_EVENT)
		return conn_send_register(c, slot, now);
	if (kind == KIND_REPORT)
		return conn_send_report(c, slot, now);
	return conn_send_ping(c, slot, kind == KIND_PING_DB, now);
}

static bool __attribute__((warn_unused_result))
conn_send_hello(BenchConn *c)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;

	hello.protocol_version = TRIAD_PROTOCOL_VERSION;
	hello.token = c->coach != NULL ? c->coach->token : (char *) c->worker->opt->token;
	hello.client_name = (char *) "triad-bench/" TRIAD_VERSION;
	req.id = HELLO_ID;
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	c->hello_sent_ns = now_ns();
	return conn_send(c, &req);
}

/*
 * Close a connection and account for it. A connection that never became
 * ready counts towards the connect phase being settled; one that was ready
 * is counted as lost unless the run is over.
 */
static void
conn_close(BenchConn *c)
{
	BenchWorker *w = c->worker;
	BenchConnState was = c->state;

	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	c->state = BC_ST_CLOSED;
	if (was == BC_ST_CONNECTING || was == BC_ST_HELLO) {
		w->pending--;
		w->settled++;
		if (w->phase == PHASE_CONNECT) {
			worker_connect_more(w);
			if (w->settled == w->nconns)
				event_base_loopbreak(w->base);
		}
	} else if (was == BC_ST_READY && w->phase != PHASE_DONE) {
		w->totals.lost++;
	}
}

static void
count_error(BenchWorker *w, unsigned which)
{
	w->totals.errors[which]++;
}

static unsigned
code_slot(const Triad__V1__Response *resp)
{
	int code = resp->status != NULL ? (int) resp->status->code : 0;
	return code >= 0 && code < ERR_CODE_SLOTS ? (unsigned) code : ERR_CODE_OTHER;
}

/*
 * Handle the answer to the Hello. Returns false when the connection has
 * been closed.
 */
static bool
conn_on_hello(BenchConn *c, const Triad__V1__Response *resp)
{
	BenchWorker *w = c->worker;
	unsigned code = code_slot(resp);

	if (resp->id != HELLO_ID || code != 0 ||
	    resp->body_case != TRIAD__V1__RESPONSE__BODY_HELLO) {
		if (code != 0) {
			count_error(w, code);
			if (!w->connect_error_shown) {
				w->connect_error_shown = true;
				fprintf(stderr, "triad-bench: hello refused: %s: %s\n",
					err_names[code],
					resp->status->message ? resp->status->message : "");
			}
		} else {
			count_error(w, ERR_PROTOCOL);
		}
		conn_close(c);
		return false;
	}

	hist_record(&w->hello_latency, now_ns() - c->hello_sent_ns);
	const Triad__V1__HelloReply *hr = resp->hello;
	if (w->totals.max_in_flight == 0 || hr->max_in_flight < w->totals.max_in_flight)
		w->totals.max_in_flight = hr->max_in_flight;
	if (hr->idle_timeout_seconds != 0 &&
	    (w->totals.idle_timeout_s == 0 || hr->idle_timeout_seconds < w->totals.idle_timeout_s))
		w->totals.idle_timeout_s = hr->idle_timeout_seconds;

	c->state = BC_ST_READY;
	w->totals.connected++;
	w->pending--;
	w->settled++;
	worker_connect_more(w);
	if (w->settled == w->nconns)
		event_base_loopbreak(w->base);
	return true;
}

/* Rows in an OK answer to `op`: 1 for a single answer, the list's length for
 * a list; 0 when the body is not the one expected. */
static uint64_t
answer_items(BenchOp op, const Triad__V1__Response *resp)
{
	switch (op) {
	case OP_PING:
		return resp->body_case == TRIAD__V1__RESPONSE__BODY_PING;
	case OP_GIVE:
		return resp->body_case == TRIAD__V1__RESPONSE__BODY_FEEDBACK;
	case OP_COACHEES:
		return resp->body_case == TRIAD__V1__RESPONSE__BODY_COACHEES && resp->coachees != NULL
			       ? resp->coachees->n_coachees : 0;
	case OP_LIST:
		return resp->body_case == TRIAD__V1__RESPONSE__BODY_FEEDBACK_LIST &&
				       resp->feedback_list != NULL
			       ? resp->feedback_list->n_feedback : 0;
	case OP_REGISTER:
		/* Counts the registrations that got a place. */
		return resp->body_case == TRIAD__V1__RESPONSE__BODY_REGISTRATION &&
		       resp->registration != NULL &&
		       resp->registration->placement == TRIAD__V1__PLACEMENT__PLACEMENT_PLACED;
	case OP_REPORT:
		/* Counts the figures of the report. */
		return resp->body_case == TRIAD__V1__RESPONSE__BODY_RETURN_REPORT &&
				       resp->return_report != NULL
			       ? resp->return_report->n_figures : 0;
	default:
		return 0;
	}
}

/*
 * --rate: send every request that is due by `now` and finds a free slot.
 * Request k of this thread is due at pace_t0_ns + k / rate whatever becomes
 * of the others (an open loop), and its latency is timed from then: a
 * request that waited for a free slot counts its wait, so a slow answer
 * cannot hide the requests it held back. Slots are taken round robin over
 * the connections.
 */
static void
worker_pace(BenchWorker *w, uint64_t now)
{
	const BenchOptions *opt = w->opt;

	if (w->phase == PHASE_DONE || w->nconns == 0 || now < w->pace_t0_ns)
		return;
	uint64_t due = (uint64_t) ((double) (now - w->pace_t0_ns) * w->rate / 1e9) + 1;
	while (w->issued < due) {
		BenchConn *c = NULL;
		int slot = -1;
		for (int i = 0; i < w->nconns && slot < 0; i++) {
			int k = (w->pace_next + i) % w->nconns;
			if (w->conns[k].state != BC_ST_READY)
				continue;
			for (int s = 0; s < opt->pipeline; s++) {
				if (!w->conns[k].slots[s].busy) {
					c = &w->conns[k];
					slot = s;
					w->pace_next = (k + 1) % w->nconns;
					break;
				}
			}
		}
		if (slot < 0)
			return;		/* every slot busy: the rest waits for answers */
		uint64_t at = w->pace_t0_ns + (uint64_t) ((double) w->issued * 1e9 / w->rate);
		w->issued++;
		if (!conn_send_next(c, (unsigned) slot, at)) {
			fprintf(stderr, "triad-bench: out of memory\n");
			exit(1);
		}
	}
}

static void
worker_pacer_cb(evutil_socket_t fd, short what, void *arg)
{
	BenchWorker *w = arg;
	(void) fd;
	(void) what;
	worker_pace(w, now_ns());
}

/*
 * Handle the answer to a request: time it, count it, and send the next
 * request on the same slot while the run lasts (with --rate: whatever is
 * due, on any free slot). Returns false when the connection has been closed.
 */
static bool
conn_on_answer(BenchConn *c, const Triad__V1__Response *resp)
{
	BenchWorker *w = c->worker;
	uint64_t slot = resp->id & SLOT_MASK;
	const BenchOptions *opt = w->opt;

	if (slot >= (uint64_t) opt->pipeline || !c->slots[slot].busy ||
	    c->slots[slot].id != resp->id) {
		count_error(w, ERR_PROTOCOL);
		conn_close(c);
		return false;
	}

	uint64_t now = now_ns();
	unsigned code = code_slot(resp);
	BenchSlot *s = &c->slots[slot];
	BenchOp op = (BenchOp) s->op;
	s->busy = false;
	if (code == 0)
		w->totals.requests_all++;
	if (w->phase == PHASE_MEASURE) {
		if (code == 0) {
			w->totals.requests++;
			w->totals.op_requests[op]++;
			w->totals.op_items[op] += answer_items(op, resp);
			hist_record(&w->latency, now - s->sent_ns);
			if (w->op_latency[op] != NULL)
				hist_record(w->op_latency[op], now - s->sent_ns);
		} else {
			count_error(w, code);
			w->totals.op_errors[op]++;
		}
	}
	if (opt->kind == KIND_IDLE || w->phase == PHASE_DONE)
		return true;
	if (opt->rate > 0) {
		worker_pace(w, now);
		return true;
	}
	if (!conn_send_next(c, (unsigned) slot, now)) {
		fprintf(stderr, "triad-bench: out of memory\n");
		exit(1);
	}
	return true;
}

/*
 * Read every complete frame in the input buffer and act on it. A frame that
 * cannot be decoded, or a Response with id 0 (the daemon speaking before it
 * closes), ends the connection.
 */
static void
conn_read_frames(BenchConn *c, struct bufferevent *bev)
{
	BenchWorker *w = c->worker;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		uint8_t hdr[4];
		size_t avail = evbuffer_get_length(in);
		if (avail < 4)
			return;
		evbuffer_copyout(in, hdr, 4);
		uint32_t len = (uint32_t) hdr[0] << 24 | (uint32_t) hdr[1] << 16 |
			       (uint32_t) hdr[2] << 8 | hdr[3];
		if (len == 0 || len > MAX_RESPONSE_BYTES) {
			count_error(c->worker, ERR_PROTOCOL);
			conn_close(c);
			return;
		}
		if (avail < (size_t) len + 4)
			return;
		const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t) len + 4);
		Triad__V1__Response *resp =
			frame_unpack_response(p + 4, len, arena_allocator(&w->arena));
		evbuffer_drain(in, (size_t) len + 4);
		if (resp == NULL) {
			arena_reset(&w->arena);
			count_error(c->worker, ERR_PROTOCOL);
			conn_close(c);
			return;
		}

		bool open;
		if (resp->id == 0) {
			unsigned code = code_slot(resp);
			count_error(c->worker, code != 0 ? code : ERR_PROTOCOL);
			conn_close(c);
			open = false;
		} else if (c->state == BC_ST_HELLO) {
			open = conn_on_hello(c, resp);
		} else {
			open = conn_on_answer(c, resp);
		}
		arena_reset(&w->arena);	/* resp with it */
		if (!open)
			return;
	}
}

/* The requests sent in reply to these answers leave together. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	BenchConn *c = arg;

	c->worker->batch_conn = c;
	conn_read_frames(c, bev);
	conn_flush_batch(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	BenchConn *c = arg;
	BenchWorker *w = c->worker;

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;
		(void) setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
				  &one, sizeof(one));
		c->state = BC_ST_HELLO;
		if (!conn_send_hello(c)) {
			fprintf(stderr, "triad-bench: out of memory\n");
			exit(1);
		}
		return;
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
		int err = EVUTIL_SOCKET_ERROR();
		if (c->state == BC_ST_CONNECTING) {
			count_error(w, ERR_CONNECT);
			if (!w->connect_error_shown) {
				w->connect_error_shown = true;
				fprintf(stderr, "triad-bench: connect to %s: %s\n",
					w->opt->addr, evutil_socket_error_to_string(err));
			}
		} else if (w->phase != PHASE_DONE) {
			count_error(w, ERR_CLOSED);
		}
		conn_close(c);
	}
}

/* Open one connection; failures are counted and settle it at once. */
static void
conn_open(BenchWorker *w, BenchConn *c)
{
	c->state = BC_ST_CONNECTING;
	w->pending++;
	c->bev = bufferevent_socket_new(w->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		count_error(w, ERR_CONNECT);
		conn_close(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0 ||
	    bufferevent_socket_connect(c->bev, w->addr, (int) w->addrlen) != 0) {
		int err = EVUTIL_SOCKET_ERROR();
		count_error(w, ERR_CONNECT);
		if (!w->connect_error_shown) {
			w->connect_error_shown = true;
			fprintf(stderr, "triad-bench: connect to %s: %s\n",
				w->opt->addr, evutil_socket_error_to_string(err));
		}
		conn_close(c);
	}
}

/*
 * Keep up to CONNECT_BURST connections in the connect and hello phase. A
 * conn_open() that fails at once settles its connection through conn_close(),
 * which calls back here; the guard turns that recursion into the loop below.
 */
static void
worker_connect_more(BenchWorker *w)
{
	if (w->in_connect_more)
		return;
	w->in_connect_more = true;
	while (w->pending < CONNECT_BURST && w->next_connect < w->nconns)
		conn_open(w, &w->conns[w->next_connect++]);
	w->in_connect_more = false;
}

/* Phase timer: the connect phase ran out of time, or the next phase is due. */
static void
worker_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	BenchWorker *w = arg;
	(void) fd;
	(void) what;

	if (w->phase == PHASE_CONNECT) {
		event_base_loopbreak(w->base);
		return;
	}
	if (w->phase == PHASE_WARMUP) {
		w->phase = PHASE_MEASURE;
		w->window_start_ns = now_ns();
		struct timeval tv = seconds_tv(w->opt->duration);
		evtimer_add(w->timer, &tv);
		return;
	}
	w->window_end_ns = now_ns();
	w->phase = PHASE_DONE;
	event_base_loopbreak(w->base);
}

/*
 * For --kind idle: ping connections that have nothing outstanding so that
 * the daemon's idle timeout does not close them. Armed only when the idle
 * timeout is shorter than the hold.
 */
static void
worker_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	BenchWorker *w = arg;
	uint64_t now = now_ns();
	(void) fd;
	(void) what;

	for (int i = 0; i < w->nconns; i++) {
		BenchConn *c = &w->conns[i];
		if (c->state == BC_ST_READY && !c->slots[0].busy &&
		    !conn_send_ping(c, 0, false, now)) {
			fprintf(stderr, "triad-bench: out of memory\n");
			exit(1);
		}
	}
}

/*
 * Run one thread's share: connect, wait for every thread to be connected,
 * then load (or hold) for warm-up plus duration. The counters are left in
 * the worker for main() to add up.
 */
static void *
worker_run(void *arg)
{
	BenchWorker *w = arg;
	const BenchOptions *opt = w->opt;

	w->phase = PHASE_CONNECT;
	if (w->nconns > 0) {
		struct timeval tv = { CONNECT_PHASE_SECONDS, 0 };
		evtimer_add(w->timer, &tv);
		worker_connect_more(w);
		if (w->settled < w->nconns)
			event_base_dispatch(w->base);
		evtimer_del(w->timer);
		/*
		 * Stragglers that did not finish the Hello in time. The phase
		 * moves on first so that closing them opens no others.
		 */
		w->phase = PHASE_WARMUP;
		for (int i = 0; i < w->nconns; i++) {
			BenchConn *c = &w->conns[i];
			if (c->state == BC_ST_NEW) {
				count_error(w, ERR_CONNECT);
				c->state = BC_ST_CLOSED;
			} else if (c->state == BC_ST_CONNECTING || c->state == BC_ST_HELLO) {
				count_error(w, ERR_CONNECT);
				conn_close(c);
			}
		}
	}

	pthread_barrier_wait(w->barrier);	/* all threads connected */
	pthread_barrier_wait(w->barrier);	/* main() has announced it */
	if (*w->abandon) {
		w->phase = PHASE_DONE;
		return NULL;
	}

	uint64_t now = now_ns();
	double first = opt->kind == KIND_IDLE ? opt->duration : opt->warmup;
	if (opt->kind == KIND_IDLE || opt->warmup <= 0) {
		w->phase = PHASE_MEASURE;
		w->window_start_ns = now;
		first = opt->duration;
	} else {
		w->phase = PHASE_WARMUP;
	}
	if (opt->kind != KIND_IDLE && opt->rate > 0) {
		/* Every millisecond, send what has become due. */
		struct timeval ptv = { 0, 1000 };
		w->pace_t0_ns = now;
		w->issued = 0;
		event_add(w->pacer, &ptv);
		worker_pace(w, now);
	} else if (opt->kind != KIND_IDLE) {
		for (int i = 0; i < w->nconns; i++) {
			BenchConn *c = &w->conns[i];
			if (c->state != BC_ST_READY)
				continue;
			for (int s = 0; s < opt->pipeline; s++) {
				if (!conn_send_next(c, (unsigned) s, now)) {
					fprintf(stderr, "triad-bench: out of memory\n");
					exit(1);
				}
			}
		}
	} else if (w->totals.idle_timeout_s != 0 &&
		   (double) w->totals.idle_timeout_s <= opt->duration) {
		unsigned period = w->totals.idle_timeout_s / 2;
		struct timeval ktv = { period > 0 ? period : 1, 0 };
		event_add(w->keepalive, &ktv);
	}
	struct timeval tv = seconds_tv(first);
	evtimer_add(w->timer, &tv);
	event_base_dispatch(w->base);
	if (w->phase != PHASE_DONE) {
		w->window_end_ns = now_ns();
		w->phase = PHASE_DONE;
	}
	event_del(w->keepalive);
	event_del(w->pacer);
	if (opt->rate > 0 && opt->kind != KIND_IDLE) {
		uint64_t end = w->window_end_ns > w->pace_t0_ns ? w->window_end_ns : w->pace_t0_ns;
		uint64_t due = (uint64_t) ((double) (end - w->pace_t0_ns) * w->rate / 1e9) + 1;
		w->totals.unsent = due > w->issued ? due - w->issued : 0;
	}
	w->totals.window_s = (double) (w->window_end_ns - w->window_start_ns) / 1e9;

	for (int i = 0; i < w->nconns; i++) {
		if (w->conns[i].bev != NULL) {
			bufferevent_free(w->conns[i].bev);
			w->conns[i].bev = NULL;
		}
	}
	return NULL;
}

static void
worker_free(BenchWorker *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < w->nconns; i++) {
		if (w->conns[i].bev != NULL)
			bufferevent_free(w->conns[i].bev);
		free(w->conns[i].slots);
	}
	free(w->conns);
	free(w->batch);
	arena_trim(&w->arena);
	for (int op = 0; op < OP_COUNT; op++)
		free(w->op_latency[op]);
	if (w->timer != NULL)
		event_free(w->timer);
	if (w->keepalive != NULL)
		event_free(w->keepalive);
	if (w->pacer != NULL)
		event_free(w->pacer);
	if (w->base != NULL)
		event_base_free(w->base);
	free(w);
}

/*
 * A worker for `nconns` connections, the first of which is connection
 * `first` of the run (which picks their coaches), or NULL when memory runs
 * out.
 */
static BenchWorker *
worker_new(const BenchOptions *opt, int first, int nconns,
	   const struct sockaddr *addr, socklen_t addrlen, pthread_barrier_t *barrier,
	   const bool *abandon)
{
	BenchWorker *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->opt = opt;
	w->addr = addr;
	w->addrlen = addrlen;
	w->barrier = barrier;
	w->abandon = abandon;
	w->nconns = nconns;
	arena_init(&w->arena, ARENA_BLOCK_BYTES, ARENA_MAX_BYTES);
	w->base = event_base_new();
	w->conns = calloc((size_t) (nconns > 0 ? nconns : 1), sizeof(BenchConn));
	if (w->base == NULL || w->conns == NULL)
		goto fail;
	w->timer = evtimer_new(w->base, worker_timer_cb, w);
	w->keepalive = event_new(w->base, -1, EV_PERSIST, worker_keepalive_cb, w);
	w->pacer = event_new(w->base, -1, EV_PERSIST, worker_pacer_cb, w);
	if (w->timer == NULL || w->keepalive == NULL || w->pacer == NULL)
		goto fail;
	/* This thread's share of --rate, by its share of the connections. */
	if (opt->connections > 0)
		w->rate = opt->rate * (double) nconns / (double) opt->connections;
	for (int i = 0; i < nconns; i++) {
		w->conns[i].worker = w;
		w->conns[i].slots = calloc((size_t) opt->pipeline, sizeof(BenchSlot));
		if (w->conns[i].slots == NULL)
			goto fail;
		for (int k = 0; k < opt->pipeline; k++)
			w->conns[i].slots[k].client = (uint64_t) (first + i) * (uint64_t) opt->pipeline +
						      (uint64_t) k;
		/* Round robin over the coaches, across threads. */
		if (opt->ncoaches > 0)
			w->conns[i].coach = &opt->coaches[(first + i) % opt->ncoaches];
	}
	if (opt->kind == KIND_FEEDBACK || opt->kind == KIND_EVENT || opt->kind == KIND_REPORT) {
		for (int op = op_first(opt->kind); op <= (int) op_last(opt->kind); op++) {
			w->op_latency[op] = calloc(1, sizeof(Histogram));
			if (w->op_latency[op] == NULL)
				goto fail;
		}
	}
	w->rng = (uint64_t) time(NULL) ^ now_ns() ^ ((uint64_t) first << 40);
	return w;
fail:
	worker_free(w);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Set-up */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: triad-bench [options]\n"
		"  --addr HOST:PORT     daemon address (default $TRIAD_ADDR or %s)\n"
		"  --connections C      connections to open (default 64)\n"
		"  --pipeline D         requests outstanding per connection (default 16)\n"
		"  --kind K             ping | ping-db | idle | feedback | event | report\n"
		"                       (default ping)\n"
		"  --duration S         seconds measured, or held for idle (default 10)\n"
		"  --warmup S           seconds of load before measuring (default 2)\n"
		"  --token T            token sent in the Hello (default $TRIAD_TOKEN or \"bench\")\n"
		"  --threads N          event loops, connections shared out (default 1)\n"
		"  --json               also print one JSON object (human line goes to stderr)\n"
		"  --rate R             offer R requests/s in all, on a schedule (an open loop),\n"
		"                       at most --pipeline outstanding per connection; latency\n"
		"                       counts from when each request was due (default: closed\n"
		"                       loop, every slot refilled at once)\n"
		"for --kind feedback:\n"
		"  --tokens FILE        the CSV of scale_feedback.sql (token,token_id,principal_id,\n"
		"                       person_id,relation_id,enrollment_id,institution_id); each\n"
		"                       connection signs in as the next coach, round robin\n"
		"  --institution I      Request.institution for give and list (default bench)\n"
		"  --mix G,C,L          percent GiveFeedback, ListCoachees, ListFeedback\n"
		"                       (default 20,40,40)\n"
		"  --page-size N        ListFeedback page size (default 20)\n"
		"for --kind event:\n"
		"  --events FILE        the ids scale_events.sql wrote: lines \"event UUID\" and\n"
		"                       \"person UUID\"; with --institution bench-events and\n"
		"                       --token of an operator or of that institution's staff\n"
		"for --kind report:\n"
		"  --programme CODE     the programme whose return report is asked for\n"
		"                       (default BENCH, of scale_feedback.sql and\n"
		"                       scale_return.sql); with --institution bench and --token\n"
		"                       of an operator or of that institution's staff\n"
		"  --help\n",
		DEFAULT_ADDR);
}

static bool __attribute__((warn_unused_result))
parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (int) v;
	return true;
}

static bool __attribute__((warn_unused_result))
parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > 1e6)
		return false;
	*out = v;
	return true;
}

/*
 * Parse the command line into `opt`. Prints the reason and returns false on
 * a mistake.
 */
static bool __attribute__((warn_unused_result))
parse_options(int argc, char **argv, BenchOptions *opt, bool *help)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "connections", required_argument, NULL, 'c' },
		{ "pipeline", required_argument, NULL, 'p' },
		{ "kind", required_argument, NULL, 'k' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "token", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "tokens", required_argument, NULL, 'F' },
		{ "institution", required_argument, NULL, 'I' },
		{ "mix", required_argument, NULL, 'M' },
		{ "page-size", required_argument, NULL, 'P' },
		{ "events", required_argument, NULL, 'E' },
		{ "programme", required_argument, NULL, 'R' },
		{ "rate", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env_addr = getenv("TRIAD_ADDR");
	const char *env_token = getenv("TRIAD_TOKEN");

	opt->addr = env_addr != NULL && *env_addr != '\0' ? env_addr : DEFAULT_ADDR;
	opt->connections = 64;
	opt->pipeline = 16;
	opt->kind = KIND_PING;
	opt->duration = 10;
	opt->warmup = 2;
	opt->token = env_token != NULL && *env_token != '\0' ? env_token : "bench";
	opt->json = false;
	opt->threads = 1;
	opt->tokens_file = NULL;
	opt->institution = "bench";
	opt->mix[OP_PING] = 0;
	opt->mix[OP_GIVE] = 20;
	opt->mix[OP_COACHEES] = 40;
	opt->mix[OP_LIST] = 40;
	opt->page_size = 20;
	opt->coaches = NULL;
	opt->ncoaches = 0;
	opt->events_file = NULL;
	opt->events = opt->persons = NULL;
	opt->nevents = opt->npersons = 0;
	opt->programme = "BENCH";
	opt->rate = 0;
	*help = false;

	int ch;
	int li = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, &li)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'a':
			opt->addr = optarg;
			break;
		case 'c':
			ok = parse_int(optarg, 1, 10000000, &opt->connections);
			break;
		case 'p':
			ok = parse_int(optarg, 1, MAX_PIPELINE, &opt->pipeline);
			break;
		case 'k':
			ok = false;
			for (int k = 0; k <= KIND_REPORT; k++) {
				if (strcmp(optarg, kind_names[k]) == 0) {
					opt->kind = (BenchKind) k;
					ok = true;
				}
			}
			break;
		case 'd':
			ok = parse_seconds(optarg, &opt->duration) && opt->duration > 0;
			break;
		case 'w':
			ok = parse_seconds(optarg, &opt->warmup);
			break;
		case 't':
			opt->token = optarg;
			break;
		case 'T':
			ok = parse_int(optarg, 1, MAX_THREADS, &opt->threads);
			break;
		case 'j':
			opt->json = true;
			break;
		case 'F':
			opt->tokens_file = optarg;
			break;
		case 'I':
			opt->institution = optarg;
			break;
		case 'M': {
			int g, c, l;
			char tail;
			ok = sscanf(optarg, "%d,%d,%d%c", &g, &c, &l, &tail) == 3 && g >= 0 &&
			     c >= 0 && l >= 0 && g + c + l == 100;
			if (ok) {
				opt->mix[OP_GIVE] = g;
				opt->mix[OP_COACHEES] = c;
				opt->mix[OP_LIST] = l;
			}
			break;
		}
		case 'P':
			ok = parse_int(optarg, 1, 1000, &opt->page_size);
			break;
		case 'E':
			opt->events_file = optarg;
			break;
		case 'R':
			opt->programme = optarg;
			break;
		case 'r': {
			char *end;
			errno = 0;
			opt->rate = strtod(optarg, &end);
			ok = errno == 0 && end != optarg && *end == '\0' && opt->rate > 0 &&
			     opt->rate <= 1e8;
			break;
		}
		case 'h':
			*help = true;
			return true;
		default:
			return false;
		}
		if (!ok) {
			fprintf(stderr, "triad-bench: bad value for --%s: %s\n",
				longopts[li].name, optarg);
			return false;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "triad-bench: unexpected argument: %s\n", argv[optind]);
		return false;
	}
	if (opt->kind == KIND_EVENT && opt->events_file == NULL) {
		fprintf(stderr, "triad-bench: --kind event needs --events FILE "
			"(written by tests/bench/scale_events.sql)\n");
		return false;
	}
	if (opt->kind == KIND_IDLE && opt->rate > 0) {
		fprintf(stderr, "triad-bench: --rate does not go with --kind idle\n");
		return false;
	}
	if (opt->kind == KIND_FEEDBACK && opt->tokens_file == NULL) {
		fprintf(stderr, "triad-bench: --kind feedback needs --tokens FILE "
			"(written by tests/bench/scale_feedback.sql)\n");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* The events and persons of --kind event */

/*
 * Read the file of scale_events.sql into opt->events and opt->persons:
 * "event UUID" and "person UUID" lines, each list in file order. Prints why
 * and returns false when the file cannot be read or lacks either list.
 */
static bool __attribute__((warn_unused_result))
load_events(BenchOptions *opt)
{
	FILE *f = fopen(opt->events_file, "r");
	char line[256];
	int cap_e = 0, cap_p = 0;

	if (f == NULL) {
		fprintf(stderr, "triad-bench: %s: %s\n", opt->events_file, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char word[16], value[200];
		if (sscanf(line, "%15s %199s", word, value) != 2)
			continue;
		char ***list = strcmp(word, "event") == 0 ? &opt->events
			       : strcmp(word, "person") == 0 ? &opt->persons : NULL;
		if (list == NULL)
			continue;
		int *n = list == &opt->events ? &opt->nevents : &opt->npersons;
		int *cap = list == &opt->events ? &cap_e : &cap_p;
		if (*n == *cap) {
			*cap = *cap > 0 ? *cap * 2 : 256;
			char **grown = realloc(*list, (size_t) *cap * sizeof(**list));
			if (grown == NULL) {
				fclose(f);
				fprintf(stderr, "triad-bench: out of memory\n");
				return false;
			}
			*list = grown;
		}
		if (((*list)[*n] = strdup(value)) == NULL) {
			fclose(f);
			fprintf(stderr, "triad-bench: out of memory\n");
			return false;
		}
		(*n)++;
	}
	fclose(f);
	if (opt->nevents == 0 || opt->npersons == 0) {
		fprintf(stderr, "triad-bench: %s: needs \"event UUID\" and \"person UUID\" lines\n",
			opt->events_file);
		return false;
	}
	return true;
}

/* The coaches of --kind feedback */

typedef struct TokenRow {
	char *token;
	char *rel;
	char *enr;
	size_t line;
} TokenRow;

static int
token_row_cmp(const void *a, const void *b)
{
	const TokenRow *x = a;
	const TokenRow *y = b;
	int c = strcmp(x->token, y->token);
	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int
coach_cmp(const void *a, const void *b)
{
	const BenchCoach *x = a;
	const BenchCoach *y = b;
	return x->first_line < y->first_line ? -1 : x->first_line > y->first_line;
}

/* Split a CSV line without quoting into at most `max` fields, in place. */
static int
split_csv(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		char *comma = strchr(p, ',');
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

/*
 * Read the token file into opt->coaches: one coach per distinct token, with
 * its relations and enrollments in file order, coaches in the order of
 * their first line. Prints the reason and returns false on failure.
 */
static bool __attribute__((warn_unused_result))
load_coaches(BenchOptions *opt)
{
	FILE *f = fopen(opt->tokens_file, "r");
	if (f == NULL) {
		fprintf(stderr, "triad-bench: %s: %s\n", opt->tokens_file, strerror(errno));
		return false;
	}
	TokenRow *rows = NULL;
	size_t nrows = 0, cap = 0, lineno = 0;
	char *line = NULL;
	size_t linecap = 0;
	ssize_t len;
	bool ok = true;
	bool reported = false;
	while (ok && (len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || (lineno == 1 && strncmp(line, "token,", 6) == 0))
			continue;
		char *fields[8];
		if (split_csv(line, fields, 8) != 7 || fields[0][0] == '\0' ||
		    fields[4][0] == '\0' || fields[5][0] == '\0') {
			fprintf(stderr, "triad-bench: %s:%zu: expected token,token_id,principal_id,"
				"person_id,relation_id,enrollment_id,institution_id\n",
				opt->tokens_file, lineno);
			ok = false;
			reported = true;
			break;
		}
		if (nrows == cap) {
			cap = cap ? 2 * cap : 1024;
			TokenRow *grown = realloc(rows, cap * sizeof(*rows));
			if (grown == NULL) {
				ok = false;
				break;
			}
			rows = grown;
		}
		rows[nrows].token = strdup(fields[0]);
		rows[nrows].rel = strdup(fields[4]);
		rows[nrows].enr = strdup(fields[5]);
		rows[nrows].line = lineno;
		if (rows[nrows].token == NULL || rows[nrows].rel == NULL || rows[nrows].enr == NULL)
			ok = false;
		nrows++;
	}
	free(line);
	fclose(f);
	if (ok && nrows == 0) {
		fprintf(stderr, "triad-bench: %s: no coaches in it\n", opt->tokens_file);
		ok = false;
		reported = true;
	}
	BenchCoach *coaches = NULL;
	int ncoaches = 0;
	if (ok) {
		qsort(rows, nrows, sizeof(*rows), token_row_cmp);
		coaches = calloc(nrows, sizeof(*coaches));
		ok = coaches != NULL;
	}
	/* Group the sorted rows; the strings move into the coaches. */
	for (size_t i = 0; ok && i < nrows;) {
		size_t j = i;
		while (j < nrows && strcmp(rows[j].token, rows[i].token) == 0)
			j++;
		BenchCoach *c = &coaches[ncoaches++];
		c->token = rows[i].token;
		c->first_line = rows[i].line;
		c->nrel = (int) (j - i);
		c->rel = calloc(j - i, sizeof(char *));
		c->enr = calloc(j - i, sizeof(char *));
		if (c->rel == NULL || c->enr == NULL) {
			ok = false;
			break;
		}
		for (size_t k = i; k < j; k++) {
			c->rel[k - i] = rows[k].rel;
			c->enr[k - i] = rows[k].enr;
			if (k > i)
				free(rows[k].token);
		}
		i = j;
	}
	free(rows);
	if (!ok) {
		if (!reported)
			fprintf(stderr, "triad-bench: out of memory\n");
		return false;	/* the process exits; nothing to tidy */
	}
	/* Connection i signs in as the coach of the file's i-th token. */
	qsort(coaches, (size_t) ncoaches, sizeof(*coaches), coach_cmp);
	opt->coaches = coaches;
	opt->ncoaches = ncoaches;
	return true;
}

/*
 * Resolve "HOST:PORT" or "[V6]:PORT" into `ss`. Prints the reason and
 * returns false on failure.
 */
static bool __attribute__((warn_unused_result))
resolve_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *port;
	const char *colon;

	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');
		if (rb == NULL || rb[1] != ':')
			goto bad;
		colon = rb + 1;
		if ((size_t) (rb - addr - 1) >= sizeof(host))
			goto bad;
		memcpy(host, addr + 1, (size_t) (rb - addr - 1));
		host[rb - addr - 1] = '\0';
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL || (size_t) (colon - addr) >= sizeof(host))
			goto bad;
		memcpy(host, addr, (size_t) (colon - addr));
		host[colon - addr] = '\0';
	}
	port = colon + 1;
	if (*port == '\0')
		goto bad;

	struct addrinfo hints;
	struct addrinfo *res;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "triad-bench: cannot resolve %s: %s\n", addr, gai_strerror(rc));
		return false;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return true;
bad:
	fprintf(stderr, "triad-bench: address must be HOST:PORT or [V6]:PORT, not %s\n", addr);
	return false;
}

/*
 * Make room for `connections` sockets: raise the soft descriptor limit to
 * what is needed, and the hard limit too when the process may (root). Prints
 * what to do and returns false when the limit cannot be raised far enough.
 */
static bool __attribute__((warn_unused_result))
raise_fd_limit(int connections)
{
	struct rlimit rl;
	rlim_t need = (rlim_t) connections + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		perror("triad-bench: getrlimit(RLIMIT_NOFILE)");
		return false;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need)
		return true;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return true;
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return true;
	} else {
		struct rlimit want = { need, need };
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return true;
	}
	fprintf(stderr,
		"triad-bench: %d connections need about %llu file descriptors, but the hard\n"
		"limit (RLIMIT_NOFILE) is %llu and cannot be raised by this process.\n"
		"Raise it in the shell first, e.g. as root: ulimit -Hn 1048576; ulimit -n 1048576\n",
		connections, (unsigned long long) need, (unsigned long long) rl.rlim_max);
	return false;
}

/* ------------------------------------------------------------------------ */
/* Report */

static uint64_t
total_errors(const BenchTotals *t)
{
	uint64_t n = 0;
	for (int i = 1; i < ERR_COUNT; i++)
		n += t->errors[i];
	return n;
}

/*
 * --kind feedback and event: one line per kind of request, with its share
 * of the answers, its rate, latency and the average rows in an answer (for
 * registrations: the share that got a place).
 */
static void
print_human_ops(FILE *f, BenchKind kind, const BenchTotals *t, Histogram *const *op_hist)
{
	for (int op = op_first(kind); op <= (int) op_last(kind); op++) {
		uint64_t n = t->op_requests[op];
		const Histogram *h = op_hist[op];
		fprintf(f, "  %-8s %10" PRIu64 " requests, %9.1f req/s, p50 %.1f us, p99 %.1f us, "
			"p99.9 %.1f us, %.1f rows/answer, errors %" PRIu64 "\n",
			op_names[op], n, t->window_s > 0 ? (double) n / t->window_s : 0.0,
			(double) hist_percentile(h, 50000) / 1e3,
			(double) hist_percentile(h, 99000) / 1e3,
			(double) hist_percentile(h, 99900) / 1e3,
			n > 0 ? (double) t->op_items[op] / (double) n : 0.0, t->op_errors[op]);
	}
}

static void
print_human(FILE *f, const BenchOptions *opt, const BenchTotals *t, double rps,
	    const Histogram *h)
{
	uint64_t errors = total_errors(t);

	if (opt->kind == KIND_IDLE) {
		fprintf(f, "idle: %d of %d connections held for %.1f s, %d lost; "
			"hello p50 %.1f us, p99 %.1f us, p99.9 %.1f us; errors %" PRIu64,
			t->connected, opt->connections, t->window_s, t->lost,
			(double) hist_percentile(h, 50000) / 1e3,
			(double) hist_percentile(h, 99000) / 1e3,
			(double) hist_percentile(h, 99900) / 1e3, errors);
	} else {
		fprintf(f, "%s: %d connections x %d pipeline, %.1f s: %" PRIu64
			" requests, %.0f req/s, p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
			"errors %" PRIu64,
			kind_names[opt->kind], t->connected, opt->pipeline, t->window_s,
			t->requests, rps, (double) hist_percentile(h, 50000) / 1e3,
			(double) hist_percentile(h, 99000) / 1e3,
			(double) hist_percentile(h, 99900) / 1e3, errors);
		if (t->lost > 0)
			fprintf(f, ", %d connections lost", t->lost);
		if (opt->rate > 0)
			fprintf(f, ", offered %.0f req/s, %" PRIu64 " due but not sent", opt->rate,
				t->unsent);
	}
	if (errors > 0) {
		const char *sep = " (";
		for (int i = 1; i < ERR_COUNT; i++) {
			if (t->errors[i] == 0)
				continue;
			fprintf(f, "%s%s %" PRIu64, sep, err_names[i], t->errors[i]);
			sep = ", ";
		}
		fputc(')', f);
	}
	fputc('\n', f);
}

static void
print_json(FILE *f, const BenchOptions *opt, const BenchTotals *t, double rps,
	   const Histogram *h, Histogram *const *op_hist)
{
	fprintf(f, "{\"kind\":\"%s\",\"connections\":%d,\"pipeline\":%d,\"threads\":%d,"
		"\"duration_s\":%.3f,\"requests\":%" PRIu64 ",\"requests_total\":%" PRIu64
		",\"rps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
		"\"latency_of\":\"%s\",\"errors\":%" PRIu64 ",\"connected\":%d,\"lost\":%d,"
		"\"rate\":%.1f,\"unsent\":%" PRIu64 ",\"error_counts\":{",
		kind_names[opt->kind], opt->connections, opt->pipeline, opt->threads,
		t->window_s, t->requests, t->requests_all, rps,
		(double) hist_percentile(h, 50000) / 1e3,
		(double) hist_percentile(h, 99000) / 1e3,
		(double) hist_percentile(h, 99900) / 1e3,
		opt->kind == KIND_IDLE ? "hello" : "request", total_errors(t),
		t->connected, t->lost, opt->rate, t->unsent);
	const char *sep = "";
	for (int i = 1; i < ERR_COUNT; i++) {
		if (t->errors[i] == 0)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, sep, err_names[i], t->errors[i]);
		sep = ",";
	}
	fputs("}", f);
	if (opt->kind == KIND_FEEDBACK || opt->kind == KIND_EVENT || opt->kind == KIND_REPORT) {
		fputs(",\"ops\":{", f);
		for (int op = op_first(opt->kind); op <= (int) op_last(opt->kind); op++) {
			uint64_t n = t->op_requests[op];
			const Histogram *oh = op_hist[op];
			fprintf(f, "%s\"%s\":{\"requests\":%" PRIu64 ",\"rps\":%.1f,\"p50_us\":%.1f,"
				"\"p99_us\":%.1f,\"p999_us\":%.1f,\"rows_per_answer\":%.2f,"
				"\"errors\":%" PRIu64 "}",
				op == (int) op_first(opt->kind) ? "" : ",", op_names[op], n,
				t->window_s > 0 ? (double) n / t->window_s : 0.0,
				(double) hist_percentile(oh, 50000) / 1e3,
				(double) hist_percentile(oh, 99000) / 1e3,
				(double) hist_percentile(oh, 99900) / 1e3,
				n > 0 ? (double) t->op_items[op] / (double) n : 0.0, t->op_errors[op]);
		}
		fputs("}", f);
	}
	fputs("}\n", f);
}

int
main(int argc, char **argv)
{
	BenchOptions opt;
	bool help;

	if (!parse_options(argc, argv, &opt, &help)) {
		usage(stderr);
		return 2;
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	if (opt.kind == KIND_FEEDBACK && !load_coaches(&opt))
		return 1;
	if (opt.kind == KIND_EVENT && !load_events(&opt))
		return 1;
	if (opt.threads > opt.connections)
		opt.threads = opt.connections;
	if (opt.kind == KIND_IDLE)
		opt.pipeline = 1;	/* only keep-alive pings, one at a time */

	struct sockaddr_storage ss;
	socklen_t sslen;
	if (!resolve_addr(opt.addr, &ss, &sslen))
		return 1;
	if (!raise_fd_limit(opt.connections))
		return 1;
	signal(SIGPIPE, SIG_IGN);

	pthread_barrier_t barrier;
	if (!frame_narrow_prepare()) {	/* before the threads share them */
		fprintf(stderr, "triad-bench: out of memory\n");
		return 1;
	}
	if (pthread_barrier_init(&barrier, NULL, (unsigned) opt.threads + 1) != 0) {
		fprintf(stderr, "triad-bench: pthread_barrier_init failed\n");
		return 1;
	}

	bool abandon = false;
	BenchWorker **workers = calloc((size_t) opt.threads, sizeof(*workers));
	if (workers == NULL) {
		fprintf(stderr, "triad-bench: out of memory\n");
		return 1;
	}
	for (int i = 0, first = 0; i < opt.threads; i++) {
		int n = opt.connections / opt.threads + (i < opt.connections % opt.threads);
		workers[i] = worker_new(&opt, first, n, (const struct sockaddr *) &ss, sslen,
					&barrier, &abandon);
		first += n;
		if (workers[i] == NULL) {
			fprintf(stderr, "triad-bench: out of memory\n");
			return 1;
		}
	}
	for (int i = 0; i < opt.threads; i++) {
		if (pthread_create(&workers[i]->thread, NULL, worker_run, workers[i]) != 0) {
			fprintf(stderr, "triad-bench: cannot start thread %d\n", i);
			return 1;
		}
	}

	/* Announce the connect phase's outcome before the load starts. */
	pthread_barrier_wait(&barrier);
	int connected = 0;
	uint32_t idle_timeout = 0;
	uint32_t max_in_flight = 0;
	for (int i = 0; i < opt.threads; i++) {
		const BenchTotals *t = &workers[i]->totals;
		connected += t->connected;
		if (t->idle_timeout_s != 0 && (idle_timeout == 0 || t->idle_timeout_s < idle_timeout))
			idle_timeout = t->idle_timeout_s;
		if (t->max_in_flight != 0 && (max_in_flight == 0 || t->max_in_flight < max_in_flight))
			max_in_flight = t->max_in_flight;
	}
	fprintf(stderr, "triad-bench: ready: %d of %d connections open\n",
		connected, opt.connections);
	if (opt.kind != KIND_IDLE && max_in_flight != 0 && (uint32_t) opt.pipeline > max_in_flight)
		fprintf(stderr, "triad-bench: note: --pipeline %d exceeds the daemon's "
			"max_in_flight %u; it will stop reading instead of failing\n",
			opt.pipeline, max_in_flight);
	if (opt.kind == KIND_IDLE && idle_timeout != 0 && (double) idle_timeout <= opt.duration)
		fprintf(stderr, "triad-bench: note: the daemon's idle timeout is %u s; "
			"pinging every %u s to keep connections open\n",
			idle_timeout, idle_timeout / 2 > 0 ? idle_timeout / 2 : 1);
	fflush(stderr);
	abandon = connected == 0;
	pthread_barrier_wait(&barrier);

	BenchTotals sum;
	Histogram *hist = calloc(1, sizeof(*hist));
	Histogram *op_hist[OP_COUNT];
	bool oom = hist == NULL;
	for (int op = 0; op < OP_COUNT; op++) {
		op_hist[op] = calloc(1, sizeof(Histogram));
		oom = oom || op_hist[op] == NULL;
	}
	if (oom) {
		fprintf(stderr, "triad-bench: out of memory\n");
		return 1;
	}
	memset(&sum, 0, sizeof(sum));
	double rps = 0;
	for (int i = 0; i < opt.threads; i++) {
		BenchWorker *w = workers[i];
		pthread_join(w->thread, NULL);
		const BenchTotals *t = &w->totals;
		sum.requests += t->requests;
		sum.requests_all += t->requests_all;
		for (int e = 0; e < ERR_COUNT; e++)
			sum.errors[e] += t->errors[e];
		for (int op = 0; op < OP_COUNT; op++) {
			sum.op_requests[op] += t->op_requests[op];
			sum.op_errors[op] += t->op_errors[op];
			sum.op_items[op] += t->op_items[op];
			if (w->op_latency[op] != NULL)
				hist_add(op_hist[op], w->op_latency[op]);
		}
		if (t->window_s > sum.window_s)
			sum.window_s = t->window_s;
		sum.connected += t->connected;
		sum.lost += t->lost;
		sum.unsent += t->unsent;
		if (t->window_s > 0)
			rps += (double) t->requests / t->window_s;
		hist_add(hist, opt.kind == KIND_IDLE ? &w->hello_latency : &w->latency);
	}

	print_human(opt.json ? stderr : stdout, &opt, &sum, rps, hist);
	if (opt.kind == KIND_FEEDBACK || opt.kind == KIND_EVENT || opt.kind == KIND_REPORT)
		print_human_ops(opt.json ? stderr : stdout, opt.kind, &sum, op_hist);
	if (opt.json)
		print_json(stdout, &opt, &sum, rps, hist, op_hist);

	for (int i = 0; i < opt.threads; i++)
		worker_free(workers[i]);
	free(workers);
	free(hist);
	for (int op = 0; op < OP_COUNT; op++)
		free(op_hist[op]);
	pthread_barrier_destroy(&barrier);
	return sum.connected > 0 ? 0 : 1;
}
