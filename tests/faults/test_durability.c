/*
 * test_durability.c: acknowledged writes against rows, through faults.
 *
 * Eight writers create organisations, each write with a name and an
 * idempotency key of its own, pipelined on their connections. Whatever
 * answer is not OK and says the write may not have happened (UNAVAILABLE,
 * OUTCOME_UNKNOWN, CANCELLED, DEADLINE_EXCEEDED, a lost connection) is
 * retried with the same key, as envelope.proto tells clients to. Meanwhile
 * PostgreSQL is stopped fast, crashed (immediate stop), and triadd is
 * killed with SIGKILL. At the end every write was acknowledged, and every
 * name is in the database exactly once: no loss, no duplicate.
 *
 * Runs alone (RUN_SERIAL): it stops the shared PostgreSQL.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WRITERS 8
#define PER_WRITER 40
#define DEPTH 4          /* writes in flight per writer */

typedef struct Write {
	char name[96];
	char key[64];
	bool acked;
	uint64_t in_flight_id;   /* 0 when not sent */
	uint64_t not_before;     /* a retry's backoff, in ms_now() time */
} Write;

typedef struct Writer {
	int fd;                  /* -1 when the connection is lost */
	uint64_t next_id;
	Write writes[PER_WRITER];
} Writer;

static Triadd d;
static Writer writers[WRITERS];
static char token[128];
static uint64_t retries;

static void
writer_connect(Writer *w)
{
	w->fd = tc_connect(d.addr);
	tc_send_hello_token(w->fd, 1, token);
	Triad__V1__Response *r = tc_recv(w->fd, 10000, NULL);
	if (r == NULL || r->status->code != TRIAD__V1__CODE__CODE_OK) {
		/* The daemon may be up without its database yet: try again later. */
		close(w->fd);
		w->fd = -1;
	}
	if (r != NULL)
		rpc_free(r);
	w->next_id = 2;
	for (int i = 0; i < PER_WRITER; i++)
		w->writes[i].in_flight_id = 0;
}

static void
send_write(Writer *w, Write *wr)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateOrganisationRequest m = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	m.name = wr->name;
	m.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER;
	req.id = w->next_id++;
	req.idempotency_key = wr->key;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_ORGANISATION;
	req.create_organisation = &m;
	wr->in_flight_id = req.id;
	tc_send(w->fd, &req);
}

/* Sends what a writer may send now: up to DEPTH writes not yet acknowledged. */
static void
writer_fill(Writer *w)
{
	if (w->fd < 0)
		writer_connect(w);
	if (w->fd < 0)
		return;
	int flying = 0;
	for (int i = 0; i < PER_WRITER; i++)
		flying += w->writes[i].in_flight_id != 0;
	for (int i = 0; i < PER_WRITER && flying < DEPTH; i++) {
		Write *wr = &w->writes[i];
		if (!wr->acked && wr->in_flight_id == 0 && wr->not_before <= ms_now()) {
			send_write(w, wr);
			flying++;
		}
	}
}

static bool
retryable(Triad__V1__Code code)
{
	return code == TRIAD__V1__CODE__CODE_UNAVAILABLE ||
	       code == TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN ||
	       code == TRIAD__V1__CODE__CODE_CANCELLED ||
	       code == TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED ||
	       code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED;
}

/* Reads one answer of w; false when the connection is gone. */
static bool
writer_read(Writer *w)
{
	Triad__V1__Response *r = tc_recv(w->fd, 10000, NULL);
	if (r == NULL) {
		close(w->fd);
		w->fd = -1;
		for (int i = 0; i < PER_WRITER; i++)
			w->writes[i].in_flight_id = 0;
		return false;
	}
	for (int i = 0; i < PER_WRITER; i++) {
		Write *wr = &w->writes[i];
		if (wr->in_flight_id != r->id)
			continue;
		wr->in_flight_id = 0;
		if (r->status->code == TRIAD__V1__CODE__CODE_OK) {
			assert_string_equal(r->organisation->name, wr->name);
			wr->acked = true;
		} else if (retryable(r->status->code)) {
			retries++;
			wr->not_before = ms_now() + 50;   /* as a client backs off */
		} else {
			fail_msg("write %s: code %d: %s", wr->name, r->status->code,
				 r->status->message);
		}
	}
	rpc_free(r);
	return true;
}

static int
acked(void)
{
	int n = 0;
	for (int i = 0; i < WRITERS; i++)
		for (int j = 0; j < PER_WRITER; j++)
			n += writers[i].writes[j].acked;
	return n;
}

/* Runs the writers until `until` writes are acknowledged (or 60 s pass). */
static void
run_until(int until)
{
	uint64_t deadline = ms_now() + 60000;
	while (acked() < until) {
		if (ms_now() > deadline)
			fail_msg("only %d of %d writes acknowledged after 60 s", acked(), until);
		struct pollfd pfd[WRITERS];
		for (int i = 0; i < WRITERS; i++) {
			writer_fill(&writers[i]);
			pfd[i] = (struct pollfd){.fd = writers[i].fd, .events = POLLIN};
		}
		int n = poll(pfd, WRITERS, 50);
		if (n < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		for (int i = 0; i < WRITERS; i++) {
			if (pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				(void)writer_read(&writers[i]);
		}
	}
}

/*
 * The test cluster runs with synchronous_commit off, for speed; this
 * daemon's sessions commit synchronously, as a production cluster's do, or
 * a crash would lose what was acknowledged before the WAL writer ran.
 */
static void
start_daemon(void)
{
	char config[2048];
	snprintf(config, sizeof config,
		 "db = %s options='-c synchronous_commit=on -c statement_timeout=2000'\n"
		 "db_timeout_ms = 2000\n", env_required("TRIAD_TEST_DB"));
	triadd_start(&d, config);
}

static void
run_shell(const char *var)
{
	char out[4096];
	if (run_capture(env_required(var), out, sizeof out) != 0)
		fail_msg("%s failed: %s", var, out);
}

static void
test_no_acknowledged_write_is_lost_or_doubled(void **state)
{
	triadd_bootstrap(token, sizeof token);
	start_daemon();
	char stem[64];
	test_unique(stem, sizeof stem, "durable");
	for (int i = 0; i < WRITERS; i++) {
		writers[i].fd = -1;
		for (int j = 0; j < PER_WRITER; j++) {
			snprintf(writers[i].writes[j].name, sizeof writers[i].writes[j].name,
				 "%s-%d-%d", stem, i, j);
			snprintf(writers[i].writes[j].key, sizeof writers[i].writes[j].key,
				 "%s-key-%d-%d", stem, i, j);
		}
	}
	const int total = WRITERS * PER_WRITER;

	/* A quarter, then PostgreSQL's fast stop with writes in flight. */
	run_until(total / 4);
	for (int i = 0; i < WRITERS; i++)
		writer_fill(&writers[i]);
	run_shell("TRIAD_TEST_PG_STOP");
	run_shell("TRIAD_TEST_PG_START");

	/* Half, then a crash of PostgreSQL. */
	run_until(total / 2);
	for (int i = 0; i < WRITERS; i++)
		writer_fill(&writers[i]);
	run_shell("TRIAD_TEST_PG_CRASH");
	run_shell("TRIAD_TEST_PG_START");

	/* Three quarters, then triadd dies without a word. */
	run_until(3 * total / 4);
	for (int i = 0; i < WRITERS; i++)
		writer_fill(&writers[i]);
	kill(d.pid, SIGKILL);
	assert_int_equal(triadd_wait(&d, 10000), 128 + SIGKILL);
	start_daemon();
	for (int i = 0; i < WRITERS; i++) {
		if (writers[i].fd >= 0)
			close(writers[i].fd);
		writers[i].fd = -1;
	}

	run_until(total);
	print_message("%d writes acknowledged, %llu answers retried\n", total,
		      (unsigned long long)retries);

	/* Every acknowledged write is there, once. */
	char like[80];
	snprintf(like, sizeof like, "%s-%%", stem);
	char *rows = owner_sql("SELECT count(*) FROM organisation WHERE name LIKE $1", like, NULL,
			       NULL);
	char *names = owner_sql("SELECT count(DISTINCT name) FROM organisation WHERE name LIKE $1",
				like, NULL, NULL);
	assert_int_equal(atoi(names), total);
	assert_int_equal(atoi(rows), total);
	free(rows);
	free(names);
	for (int i = 0; i < WRITERS; i++)
		if (writers[i].fd >= 0)
			close(writers[i].fd);
	triadd_stop(&d, SIGTERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_acknowledged_write_is_lost_or_doubled),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}
