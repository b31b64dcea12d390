/*
 * test_fairness.c: no peer harms another. Greedy clients get their share
 * of the database and no more; failed sign-ins from an address do not lock
 * out a valid token from it; behind a load balancer the PROXY header names
 * the address that counts.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "frame.h"

/* Polls for a condition the test cannot be told about, up to 20 s. */
#define POLL_MS 10
#define POLL_LIMIT_MS 20000

static void
wait_for_log(const Triadd *d, const char *needle)
{
	uint64_t until = ms_now() + POLL_LIMIT_MS;
	while (!triadd_log_contains(d, needle)) {
		if (ms_now() > until)
			fail_msg("the daemon never logged %s", needle);
		usleep(POLL_MS * 1000);
	}
}

static int
log_count(const Triadd *d, const char *event)
{
	char cmd[512], out[64] = "";
	snprintf(cmd, sizeof cmd, "grep -c 'event=%s ' %s", event, d->log);
	(void)run_capture(cmd, out, sizeof out);
	return atoi(out);
}

/* n Ping{database} requests (WhoAmI with who) with ids first.. in one
 * write, so the daemon takes them all in at once. */
static void
send_requests(int fd, uint64_t first, int n, bool who)
{
	uint8_t buf[64 * 256];
	size_t used = 0;
	assert_true(n <= 256);
	for (int i = 0; i < n; i++) {
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
		Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
		ping.database = true;
		req.id = first + (uint64_t)i;
		if (who) {
			req.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
			req.who_am_i = &w;
		} else {
			req.body_case = TRIAD__V1__REQUEST__BODY_PING;
			req.ping = &ping;
		}
		size_t len = triad__v1__request__get_packed_size(&req);
		assert_true(used + len + 4 <= sizeof buf);
		frame_put_u32(buf + used, (uint32_t)len);
		triad__v1__request__pack(&req, buf + used + 4);
		used += len + 4;
	}
	tc_send_raw(fd, buf, used);
}

static void
send_pings(int fd, uint64_t first, int n)
{
	send_requests(fd, first, n, false);
}

static PGconn *
owner_conn(void)
{
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("owner connection: %s", PQerrorMessage(pg));
	return pg;
}

static void
exec_ok(PGconn *pg, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	PQclear(r);
}

/* Backends waiting for the lock on table person. */
static int
lock_waiters(PGconn *pg)
{
	PGresult *r = PQexec(pg, "SELECT count(*) FROM pg_locks"
				 " WHERE NOT granted AND relation = 'person'::regclass");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	int n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

/* Waits until at least n backends wait for the lock on table person. */
static void
wait_for_lock_waiters(PGconn *pg, int n)
{
	uint64_t until = ms_now() + POLL_LIMIT_MS;
	while (lock_waiters(pg) < n) {
		if (ms_now() > until)
			fail_msg("fewer than %d requests ever waited for the lock", n);
		usleep(POLL_MS * 1000);
	}
}

static void
wait_for_lock_waiter(PGconn *pg)
{
	wait_for_lock_waiters(pg, 1);
}

typedef struct Tally {
	int ok, capped, busy;
} Tally;

/* Reads n answers from a greedy connection and sorts them. */
static Tally
tally(int fd, int n)
{
	Tally t = {0};
	for (int i = 0; i < n; i++) {
		Triad__V1__Response *r = tc_recv(fd, 20000, NULL);
		assert_non_null(r);
		if (r->status->code == TRIAD__V1__CODE__CODE_OK) {
			t.ok++;
		} else {
			assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
			if (strstr(r->status->message, "the most one connection may") != NULL)
				t.capped++;
			else if (strstr(r->status->message, "the server is busy") != NULL)
				t.busy++;
			else
				fail_msg("unexpected refusal: %s", r->status->message);
		}
		triad__v1__response__free_unpacked(r, NULL);
	}
	return t;
}

/*
 * With the one database connection held up, three greedy clients fill
 * their caps and then the whole queue; a light client's single ping still
 * gets a place (a greedy client's newest request makes room for it) and is
 * answered once the database moves. Each state is logged once.
 */
static void
test_greedy_clients_do_not_starve_a_light_one(void **state)
{
	enum { GREEDY = 3, DEPTH = 50, CAP = 8, QMAX = 16 };
	Triadd d;
	char conf[256];
	snprintf(conf, sizeof conf,
		 "pool_size = 1\ndb_queue_max = %d\ndb_queue_per_client_max = %d\n"
		 "db_timeout_ms = 60000\n", QMAX, CAP);
	triadd_start(&d, conf);
	int blocker = tc_session(d.addr), light = tc_session(d.addr), g[GREEDY];
	for (int i = 0; i < GREEDY; i++)
		g[i] = tc_session(d.addr);

	/* The pool's one connection waits for a lock the test holds. */
	PGconn *pg = owner_conn(), *watch = owner_conn();
	exec_ok(pg, "BEGIN");
	exec_ok(pg, "LOCK TABLE person IN ACCESS EXCLUSIVE MODE");
	Triad__V1__Request who = TRIAD__V1__REQUEST__INIT;
	Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	who.id = 7;
	who.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	who.who_am_i = &w;
	tc_send(blocker, &who);
	wait_for_lock_waiter(watch);

	for (int i = 0; i < GREEDY; i++)
		send_pings(g[i], 1, DEPTH);
	wait_for_log(&d, "event=db_queue_full");
	tc_send_ping(light, 100, true);
	exec_ok(pg, "COMMIT");

	Triad__V1__Response *r = tc_recv(light, 20000, NULL);
	assert_non_null(r);
	assert_int_equal(r->id, 100);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("the light client was refused: %s", r->status->message);
	assert_true(r->ping->database);
	triad__v1__response__free_unpacked(r, NULL);
	r = tc_recv(blocker, 20000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	triad__v1__response__free_unpacked(r, NULL);

	Tally all = {0};
	for (int i = 0; i < GREEDY; i++) {
		Tally t = tally(g[i], DEPTH);
		/* Each got at most its cap queued (plus nothing running: the
		 * connection was taken), and was told why beyond it. */
		assert_true(t.ok >= 1 && t.ok <= CAP);
		all.ok += t.ok;
		all.capped += t.capped;
		all.busy += t.busy;
	}
	assert_true(all.capped >= DEPTH - CAP);  /* the first to come hit its cap */
	assert_true(all.busy >= 1);        /* the queue was full, and made room */
	assert_int_equal(all.ok, QMAX - 1); /* the light client's ping took one place */

	/* One line when it started, one when it was over. */
	wait_for_log(&d, "event=db_queue_ok");
	wait_for_log(&d, "event=db_client_cap_clear");
	assert_int_equal(log_count(&d, "db_queue_full"), 1);
	assert_int_equal(log_count(&d, "db_client_capped"), 1);

	PQfinish(pg);
	PQfinish(watch);
	close(blocker);
	close(light);
	for (int i = 0; i < GREEDY; i++)
		close(g[i]);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/*
 * A client with a pipeline runs its first request on a free connection like
 * anyone, but those beyond it share db_backlog_connections: here one. With
 * its three requests stuck on a lock, one connection of three stays free,
 * and a light client's ping is answered at once.
 */
static void
test_a_pipeline_keeps_to_its_share(void **state)
{
	Triadd d;
	triadd_start(&d, "pool_size = 3\ndb_backlog_connections = 1\ndb_timeout_ms = 60000\n");
	int greedy = tc_session(d.addr), light = tc_session(d.addr);
	PGconn *pg = owner_conn(), *watch = owner_conn();
	exec_ok(pg, "BEGIN");
	exec_ok(pg, "LOCK TABLE person IN ACCESS EXCLUSIVE MODE");

	send_requests(greedy, 1, 3, true);
	wait_for_lock_waiters(watch, 2);
	tc_send_ping(light, 100, true);
	Triad__V1__Response *r = tc_recv(light, 10000, NULL);
	if (r == NULL)
		fail_msg("the light client's ping waited behind the pipeline");
	assert_int_equal(r->id, 100);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	triad__v1__response__free_unpacked(r, NULL);
	assert_int_equal(lock_waiters(watch), 2);   /* the third still waits its turn */

	exec_ok(pg, "COMMIT");
	Tally t = tally(greedy, 3);
	assert_int_equal(t.ok, 3);
	PQfinish(pg);
	PQfinish(watch);
	close(greedy);
	close(light);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/*
 * Once none of a pipeline's requests runs, its next one takes any free
 * connection again, as a first request would. Here another client's two
 * requests are stuck on a lock, one of them on the backlog's one
 * connection; a client that sends three pings at once has all three
 * answered on the one connection left, while the lock is still held.
 * (Kept on the backlog's connection, the second and third would wait for
 * the lock to go.)
 */
static void
test_a_pipeline_runs_on_when_its_request_is_answered(void **state)
{
	Triadd d;
	triadd_start(&d, "pool_size = 3\ndb_backlog_connections = 1\ndb_timeout_ms = 60000\n");
	int stuck = tc_session(d.addr), piped = tc_session(d.addr);
	PGconn *pg = owner_conn(), *watch = owner_conn();
	exec_ok(pg, "BEGIN");
	exec_ok(pg, "LOCK TABLE person IN ACCESS EXCLUSIVE MODE");

	send_requests(stuck, 1, 2, true);
	wait_for_lock_waiters(watch, 2);
	send_pings(piped, 10, 3);
	for (uint64_t id = 10; id < 13; id++) {
		Triad__V1__Response *r = tc_recv(piped, 10000, NULL);
		if (r == NULL)
			fail_msg("ping %" PRIu64 " waited for the backlog's connection", id);
		assert_int_equal(r->id, id);
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
		assert_true(r->ping->database);
		triad__v1__response__free_unpacked(r, NULL);
	}
	assert_int_equal(lock_waiters(watch), 2);

	exec_ok(pg, "COMMIT");
	Tally t = tally(stuck, 2);
	assert_int_equal(t.ok, 2);
	PQfinish(pg);
	PQfinish(watch);
	close(stuck);
	close(piped);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/* Waits until metric name of d is want. */
static void
wait_for_metric(const Triadd *d, const char *name, long want)
{
	uint64_t until = ms_now() + POLL_LIMIT_MS;
	while (triadd_metric(d, name) != want) {
		if (ms_now() > until)
			fail_msg("%s never became %ld (it is %ld)", name, want, triadd_metric(d, name));
		usleep(POLL_MS * 1000);
	}
}

/* Holds the pool's one connection: a request of blocker waits for a lock
 * on person that pg takes. */
static void
hold_the_pool(PGconn *pg, PGconn *watch, int blocker, uint64_t id)
{
	Triad__V1__Request who = TRIAD__V1__REQUEST__INIT;
	Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	exec_ok(pg, "BEGIN");
	exec_ok(pg, "LOCK TABLE person IN ACCESS EXCLUSIVE MODE");
	who.id = id;
	who.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	who.who_am_i = &w;
	tc_send(blocker, &who);
	wait_for_lock_waiter(watch);
}

static long
programmes_coded(const char *slug, const char *code)
{
	char *n = owner_sql("SELECT count(*) FROM programme p JOIN institution i"
			    "  ON i.id = p.institution_id WHERE i.slug = $1 AND p.code = $2",
			    slug, code, NULL);
	long v = atol(n);
	free(n);
	return v;
}

/*
 * Writes that wait for the database commit together: with the pool's one
 * connection held up, programmes created from four connections queue, and
 * run in one transaction when it is free. Each gets its own answer, is
 * there, and is audited. When one write of a batch fails (here a code that
 * another of the same batch took), the batch is void and each runs again
 * alone: the first has its programme, the other is told the code is taken.
 */
static void
test_waiting_writes_commit_together(void **state)
{
	enum { N = 4 };
	Triadd d;
	char slug[64], code[N][16];
	uint64_t id[N];
	/* No timer of the daemon's own puts a read among the writes. */
	triadd_start(&d, "pool_size = 1\ndb_group_commit_max = 8\ndb_timeout_ms = 60000\n"
			 "webhook_poll_ms = 3600000\noutbox_poll_ms = 3600000\n");
	Sess s = sess_open(d.addr, test_token()), w[N];
	make_institution(&s, "gc", "Group commit", slug);
	for (int i = 0; i < N; i++)
		w[i] = sess_open(d.addr, test_token());
	int blocker = tc_session(d.addr);
	/* The new institution's slug sends the daemon to read its map of
	 * institutions again: once, now, and not among the writes below. */
	Triad__V1__Request list = TRIAD__V1__REQUEST__INIT;
	Triad__V1__ListProgrammesRequest lp = TRIAD__V1__LIST_PROGRAMMES_REQUEST__INIT;
	list.body_case = TRIAD__V1__REQUEST__BODY_LIST_PROGRAMMES;
	list.list_programmes = &lp;
	rpc_free(rpc_ok(&s, slug, &list));
	PGconn *pg = owner_conn(), *watch = owner_conn();

	hold_the_pool(pg, watch, blocker, 1);
	for (int i = 0; i < N; i++) {
		snprintf(code[i], sizeof code[i], "GC-%d", i);
		id[i] = send_programme(&w[i], slug, code[i], 0);
	}
	wait_for_metric(&d, "triad_db_queue_length", N);
	exec_ok(pg, "COMMIT");
	rpc_free(tc_expect(blocker, 1, TRIAD__V1__CODE__CODE_OK));
	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_expect(w[i].fd, id[i], TRIAD__V1__CODE__CODE_OK);
		assert_string_equal(r->programme->code, code[i]);
		rpc_free(r);
		assert_int_equal(programmes_coded(slug, code[i]), 1);
	}
	/* One transaction for all of them; nothing failed. */
	assert_int_equal(triadd_metric(&d, "triad_db_group_commits_total"), 1);
	assert_int_equal(triadd_metric(&d, "triad_db_group_commit_requests_total"), N);
	assert_int_equal(triadd_metric(&d, "triad_db_group_commit_retries_total"), 0);
	char *audited = owner_sql("SELECT count(*) FROM audit_event a JOIN institution i"
				  "  ON i.id = a.institution_id"
				  " WHERE i.slug = $1 AND a.action = 'programme.create'",
				  slug, NULL, NULL);
	assert_int_equal(atol(audited), N);
	free(audited);

	hold_the_pool(pg, watch, blocker, 2);
	id[0] = send_programme(&w[0], slug, "GC-X", 0);
	id[1] = send_programme(&w[1], slug, "GC-Y", 0);
	id[2] = send_programme(&w[2], slug, "GC-X", 0);
	wait_for_metric(&d, "triad_db_queue_length", 3);
	exec_ok(pg, "COMMIT");
	rpc_free(tc_expect(blocker, 2, TRIAD__V1__CODE__CODE_OK));
	rpc_free(tc_expect(w[1].fd, id[1], TRIAD__V1__CODE__CODE_OK));
	/* The two for GC-X came at once: either may have it, the other is told. */
	Triad__V1__Response *a = tc_recv(w[0].fd, 10000, NULL), *b = tc_recv(w[2].fd, 10000, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->id, id[0]);
	assert_int_equal(b->id, id[2]);
	if (a->status->code != TRIAD__V1__CODE__CODE_OK) {
		Triad__V1__Response *t = a;
		a = b;
		b = t;
	}
	assert_int_equal(a->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(b->status->code, TRIAD__V1__CODE__CODE_ALREADY_EXISTS);
	expect_contains(b->status->message, "a programme with code GC-X already exists");
	rpc_free(a);
	rpc_free(b);
	assert_int_equal(programmes_coded(slug, "GC-X"), 1);
	assert_int_equal(programmes_coded(slug, "GC-Y"), 1);
	assert_int_equal(triadd_metric(&d, "triad_db_group_commits_total"), 2);
	assert_int_equal(triadd_metric(&d, "triad_db_group_commit_retries_total"), 1);

	PQfinish(pg);
	PQfinish(watch);
	close(blocker);
	for (int i = 0; i < N; i++)
		sess_close(&w[i]);
	sess_close(&s);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

static void
expect_refused(int fd, const char *message)
{
	Triad__V1__Response *r = tc_recv(fd, 20000, NULL);
	if (r == NULL)
		fail_msg("no refusal came");
	expect_status_free(r, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, message, NULL);
}

/*
 * One account's connections together have at most
 * db_queue_per_principal_max requests waiting; another account's request
 * still gets its place.
 */
static void
test_one_account_is_capped_over_its_connections(void **state)
{
	enum { CAP = 4 };
	Triadd d;
	char conf[192], slug[64], name[80];
	snprintf(conf, sizeof conf,
		 "pool_size = 1\ndb_queue_per_principal_max = %d\ndb_timeout_ms = 60000\n", CAP);
	triadd_start(&d, conf);
	Sess op = sess_open(d.addr, test_token());
	make_institution(&op, "fair", "Fairness", slug);
	char *machine = make_machine(&op, slug, NULL, "fair", name);
	Sess other = sess_open(d.addr, machine);
	int blocker = tc_session(d.addr), a = tc_session(d.addr), b = tc_session(d.addr);

	PGconn *pg = owner_conn(), *watch = owner_conn();
	exec_ok(pg, "BEGIN");
	exec_ok(pg, "LOCK TABLE person IN ACCESS EXCLUSIVE MODE");
	Triad__V1__Request who = TRIAD__V1__REQUEST__INIT;
	Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	who.id = 7;
	who.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	who.who_am_i = &w;
	tc_send(blocker, &who);
	wait_for_lock_waiter(watch);

	/* a fills the account's share and is told so at its fifth; then b,
	 * the same account on another connection, gets no place at all. */
	static const char refusal[] =
		"your account has 4 requests waiting for the database over all its connections, "
		"the most one account may; read some answers before sending more";
	send_pings(a, 1, CAP + 1);
	expect_refused(a, refusal);
	send_pings(b, 1, 2);
	expect_refused(b, refusal);
	expect_refused(b, refusal);
	/* Another account is not held to it. */
	tc_send_ping(other.fd, 100, true);
	exec_ok(pg, "COMMIT");
	Triad__V1__Response *r = tc_recv(other.fd, 20000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	triad__v1__response__free_unpacked(r, NULL);
	r = tc_recv(blocker, 20000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	triad__v1__response__free_unpacked(r, NULL);
	assert_int_equal(tally(a, CAP).ok, CAP);
	wait_for_log(&d, "event=db_principal_cap_clear refused=3 ");
	assert_int_equal(log_count(&d, "db_principal_capped"), 1);
	PQfinish(pg);
	PQfinish(watch);
	free(machine);
	sess_close(&other);
	sess_close(&op);
	close(blocker);
	close(a);
	close(b);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/* Sends a Hello with token on a new connection (after header, if any)
 * and returns the code of the answer. */
static Triad__V1__Code
hello_via(const Triadd *d, const void *header, size_t hlen, const char *token)
{
	/* The header goes in clear, then TLS begins, as from a balancer. */
	int fd = tc_connect_plain(d->addr);
	if (hlen > 0)
		tc_send_raw(fd, header, hlen);
	fd = tc_over_tls(fd, d->addr);
	tc_send_hello_token(fd, 1, token);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	Triad__V1__Code code = r->status->code;
	triad__v1__response__free_unpacked(r, NULL);
	close(fd);
	return code;
}

/* A well-formed token nobody issued: trd_ and 43 characters from n. */
static void
bad_token(char out[48], int n)
{
	snprintf(out, 48, "trd_%043d", n);
	for (char *p = out + 4; *p; p++)
		*p = (char)('A' + (*p - '0'));
}

static void
test_valid_token_signs_in_after_others_failed(void **state)
{
	Triadd d;
	char tok[48];
	triadd_start(&d, NULL);
	for (int i = 0; i < 12; i++) {
		bad_token(tok, 1000 + i);
		assert_int_equal(hello_via(&d, NULL, 0, tok),
				 TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	}
	assert_int_equal(hello_via(&d, NULL, 0, test_token()), TRIAD__V1__CODE__CODE_OK);
	/* One bad token tried over and over is cut off without a lookup. */
	bad_token(tok, 7);
	for (int i = 0; i < 10; i++)
		assert_int_equal(hello_via(&d, NULL, 0, tok), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_int_equal(hello_via(&d, NULL, 0, tok), TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_int_equal(hello_via(&d, NULL, 0, test_token()), TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	assert_int_equal(log_count(&d, "signin_rate_limited"), 1);
	assert_int_equal(log_count(&d, "signin_secret_limited"), 1);
}

/* A v2 PROXY header for TCP over IPv4 from src:sport. */
static size_t
proxy_v2(uint8_t out[28], const char *src, uint16_t sport)
{
	static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
					0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
	memcpy(out, sig, 12);
	out[12] = 0x21;      /* version 2, PROXY */
	out[13] = 0x11;      /* IPv4, stream */
	out[14] = 0;
	out[15] = 12;
	assert_int_equal(inet_pton(AF_INET, src, out + 16), 1);
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", out + 20), 1);
	out[24] = (uint8_t)(sport >> 8);
	out[25] = (uint8_t)sport;
	out[26] = 0x1c;
	out[27] = 0xf3;
	return 28;
}

static void
test_proxy_protocol_names_the_client(void **state)
{
	Triadd d;
	char tok[48];
	uint8_t v2[28];
	static const char v1[] = "PROXY TCP4 203.0.113.7 127.0.0.1 5555 7411\r\n";
	triadd_start(&d, "proxy_protocol = on\n");

	assert_int_equal(hello_via(&d, v1, strlen(v1), test_token()), TRIAD__V1__CODE__CODE_OK);
	wait_for_log(&d, "peer=203.0.113.7:5555");
	size_t n = proxy_v2(v2, "198.51.100.9", 4242);
	assert_int_equal(hello_via(&d, v2, n, test_token()), TRIAD__V1__CODE__CODE_OK);
	wait_for_log(&d, "peer=198.51.100.9:4242");

	/* Without a header: refused at once, not at the hello timeout. Over
	 * TLS no answer can be read before the handshake, so the daemon closes. */
	int fd = tc_connect(d.addr);
	uint64_t t0 = ms_now();
	tc_send_hello_token(fd, 1, test_token());
	assert_true(tc_closed(fd, 5000));
	assert_true(ms_now() - t0 < 2000);
	close(fd);
	wait_for_log(&d, "reason=\"the connection did not start with a PROXY protocol header\"");
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);

	/* In clear text (TLS off), the client is told why. */
	triadd_start(&d, "proxy_protocol = on\ntls = off\n");
	fd = tc_connect(d.addr);
	tc_send_hello_token(fd, 1, test_token());
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->message,
			    "the connection did not start with a PROXY protocol header");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(fd, 5000));
	close(fd);

	/* The limiter counts the address the header names. */
	for (int i = 0; i < 10; i++) {
		bad_token(tok, 2000 + i);
		assert_int_equal(hello_via(&d, v1, strlen(v1), tok),
				 TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	}
	wait_for_log(&d, "event=signin_rate_limited addr=203.0.113.7 ");
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greedy_clients_do_not_starve_a_light_one),
		cmocka_unit_test(test_a_pipeline_keeps_to_its_share),
		cmocka_unit_test(test_a_pipeline_runs_on_when_its_request_is_answered),
		cmocka_unit_test(test_waiting_writes_commit_together),
		cmocka_unit_test(test_one_account_is_capped_over_its_connections),
		cmocka_unit_test(test_valid_token_signs_in_after_others_failed),
		cmocka_unit_test(test_proxy_protocol_names_the_client),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}
