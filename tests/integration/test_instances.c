/*
 * test_instances.c: two triadd side by side on one database, as behind a
 * load balancer. Whatever one instance has done, the other knows, because
 * none of it lives in a daemon:
 *
 *   - a write retried on the other instance with the same idempotency key
 *     is not done twice: the retry gets the first answer, byte for byte;
 *   - also when the retry arrives while the first instance is still in the
 *     middle of the request: it waits for the first one's outcome (the key
 *     is a row, and the retry's claim waits for the first's transaction);
 *   - a session ended on one instance (its token revoked) is refused on the
 *     other at its next request;
 *   - a partner's event stream resumes on the other instance from the
 *     cursor it acknowledged on the first, and hears of changes made
 *     through either.
 *
 * deploy/OPERATIONS.md, "Several triadd side by side", lists what state
 * there is and where it lives.
 */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#define CODE(x) TRIAD__V1__CODE__CODE_##x

static Triadd a, b;

static int
setup(void **state)
{
	(void)state;
	triadd_start(&a, NULL);
	triadd_start(&b, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(triadd_stop(&a, SIGTERM), 0);
	assert_int_equal(triadd_stop(&b, SIGTERM), 0);
	return 0;
}

/* Request ids unique in the whole database (audit rows are counted by
 * them): the process id in the high bits, the session's number next. */
static Sess
session(const Triadd *d, int n)
{
	Sess s = sess_open(d->addr, test_token());
	s.next_id = ((uint64_t)(getpid() & 0xfffff) << 40) | ((uint64_t)n << 32) | 1;
	return s;
}

/* Rows of the audit trail written by the request with this id. */
static long
audit_rows(uint64_t request_id)
{
	char id[24];
	snprintf(id, sizeof id, "%" PRIu64, request_id);
	char *n = owner_sql("SELECT (SELECT count(*) FROM audit_event WHERE request_id = $1::numeric)"
			    "     + (SELECT count(*) FROM service_audit_event"
			    "         WHERE request_id = $1::numeric)",
			    id, NULL, NULL);
	long v = atol(n);
	free(n);
	return v;
}

static long
institutions_with_slug(const char *slug)
{
	char *n = owner_sql("SELECT count(*) FROM institution WHERE slug = $1", slug, NULL, NULL);
	long v = atol(n);
	free(n);
	return v;
}

/* Fails the test unless r1 and r2 are the same answer apart from the id. */
static void
expect_same_answer(Triad__V1__Response *r1, Triad__V1__Response *r2)
{
	uint64_t id1 = r1->id, id2 = r2->id;
	r1->id = r2->id = 0;
	size_t n1 = triad__v1__response__get_packed_size(r1);
	size_t n2 = triad__v1__response__get_packed_size(r2);
	uint8_t *p1 = malloc(n1 + 1), *p2 = malloc(n2 + 1);
	assert_non_null(p1);
	assert_non_null(p2);
	triad__v1__response__pack(r1, p1);
	triad__v1__response__pack(r2, p2);
	bool same = n1 == n2 && memcmp(p1, p2, n1) == 0;
	free(p1);
	free(p2);
	r1->id = id1;
	r2->id = id2;
	if (!same)
		fail_msg("the retry's answer is not the first answer");
}

/* A CreateInstitution request for slug, with an idempotency key. */
typedef struct InstReq {
	Triad__V1__Request req;
	Triad__V1__CreateInstitutionRequest m;
	char slug[64];
	char key[64];
} InstReq;

static void
inst_req(InstReq *r, const char *stem)
{
	r->req = (Triad__V1__Request)TRIAD__V1__REQUEST__INIT;
	r->m = (Triad__V1__CreateInstitutionRequest)TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	test_unique(r->slug, sizeof r->slug, stem);
	snprintf(r->key, sizeof r->key, "key-%s", r->slug);
	r->m.slug = r->slug;
	r->m.name = "Two instances";
	r->req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INSTITUTION;
	r->req.create_institution = &r->m;
	r->req.idempotency_key = r->key;
	r->req.institution = "";
}

/* ---- a retry on the other instance, after the first answer ---- */

static void
test_retry_on_other_instance_replays_first_answer(void **state)
{
	(void)state;
	Sess sa = session(&a, 1), sb = session(&b, 2);
	InstReq ir;
	inst_req(&ir, "two-inst-");

	Triad__V1__Response *r1 = rpc_ok(&sa, NULL, &ir.req);
	uint64_t first = ir.req.id;
	assert_string_equal(r1->institution->slug, ir.slug);
	assert_true(audit_rows(first) >= 1);

	/* The client lost the answer and its balancer sent it elsewhere. */
	Triad__V1__Response *r2 = rpc_ok(&sb, NULL, &ir.req);
	assert_true(ir.req.id != first);
	expect_same_answer(r1, r2);
	assert_int_equal(institutions_with_slug(ir.slug), 1);
	assert_int_equal(audit_rows(ir.req.id), 0);

	/* And back on the first instance: still the same answer. */
	Triad__V1__Response *r3 = rpc_ok(&sa, NULL, &ir.req);
	expect_same_answer(r1, r3);
	assert_int_equal(institutions_with_slug(ir.slug), 1);

	rpc_free(r1);
	rpc_free(r2);
	rpc_free(r3);
	sess_close(&sa);
	sess_close(&sb);
}

/* ---- a retry on the other instance while the first is still running ---- */

/* Runs sql with one parameter on pg; returns the first cell or NULL (malloc'd). */
static char *
pg_value(PGconn *pg, const char *sql, const char *p1)
{
	const char *params[1] = {p1};
	PGresult *res = PQexecParams(pg, sql, p1 != NULL ? 1 : 0, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	char *out = NULL;
	if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		out = test_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

/*
 * Waits (up to 10 s) until some backend waits for transaction xid to end,
 * and returns that backend's process id. This is the moment a request is
 * known to be stuck behind xid, read from pg_locks: no sleep stands in for
 * it.
 */
static char *
await_waiter(PGconn *pg, const char *xid)
{
	uint64_t deadline = ms_now() + 10000;
	while (ms_now() < deadline) {
		char *pid = pg_value(pg,
			"SELECT pid::text FROM pg_locks WHERE locktype = 'transactionid'"
			" AND transactionid::text = $1 AND NOT granted LIMIT 1", xid);
		if (pid != NULL)
			return pid;
		usleep(5000);   /* polls pg_locks for the waiter, to a deadline */
	}
	fail_msg("nobody waited for transaction %s within 10 s", xid);
	return NULL;
}

/* The transaction id of backend pid (it has one once it has written). */
static char *
xid_of(PGconn *pg, const char *pid)
{
	char *xid = pg_value(pg, "SELECT transactionid::text FROM pg_locks WHERE pid = $1::int"
				 " AND locktype = 'transactionid' AND granted LIMIT 1", pid);
	if (xid == NULL)
		fail_msg("backend %s has no transaction id", pid);
	return xid;
}

/*
 * The first instance claims the key and then waits, inside its
 * transaction, for a row the test holds (an uncommitted institution with
 * the same slug). The retry goes to the second instance, whose claim of
 * the same key then waits for the first's transaction. The test lets go;
 * the first finishes and the retry answers with its answer.
 */
static void
test_retry_while_first_in_flight_waits_for_it(void **state)
{
	(void)state;
	Sess sa = session(&a, 3), sb = session(&b, 4);
	InstReq ir;
	inst_req(&ir, "two-race-");

	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("owner connection: %s", PQerrorMessage(pg));
	free(pg_value(pg, "BEGIN", NULL));
	free(pg_value(pg, "INSERT INTO institution (slug, name) VALUES ($1, 'held by the test')",
		      ir.slug));
	char *held = pg_value(pg, "SELECT pg_current_xact_id()::text", NULL);

	ir.req.id = sa.next_id++;
	uint64_t first = ir.req.id;
	tc_send(sa.fd, &ir.req);
	/* The first instance has claimed the key (its transaction has
	 * written) and now waits for the test's row. */
	char *first_pid = await_waiter(pg, held);
	char *first_xid = xid_of(pg, first_pid);

	ir.req.id = sb.next_id++;
	uint64_t retry = ir.req.id;
	tc_send(sb.fd, &ir.req);
	/* The retry's claim of the key waits for the first's transaction. */
	char *retry_pid = await_waiter(pg, first_xid);
	assert_string_not_equal(retry_pid, first_pid);

	/* Both are in flight now. Neither has answered. */
	bool timed_out = false;
	assert_null(tc_recv(sb.fd, 0, &timed_out));
	assert_true(timed_out);

	free(pg_value(pg, "ROLLBACK", NULL));
	PQfinish(pg);

	Triad__V1__Response *r1 = tc_expect(sa.fd, first, CODE(OK));
	Triad__V1__Response *r2 = tc_expect(sb.fd, retry, CODE(OK));
	assert_string_equal(r1->institution->slug, ir.slug);
	expect_same_answer(r1, r2);
	assert_int_equal(institutions_with_slug(ir.slug), 1);
	assert_true(audit_rows(first) >= 1);
	assert_int_equal(audit_rows(retry), 0);

	rpc_free(r1);
	rpc_free(r2);
	free(held);
	free(first_pid);
	free(first_xid);
	free(retry_pid);
	sess_close(&sa);
	sess_close(&sb);
}

/* ---- sessions: signed out on one, refused on the other ---- */

static void
test_sign_out_on_one_ends_session_on_other(void **state)
{
	(void)state;
	char token[128];
	triadd_bootstrap(token, sizeof token);
	Sess sa = sess_open(a.addr, token), sb = sess_open(b.addr, token);

	Triad__V1__Request list = TRIAD__V1__REQUEST__INIT;
	Triad__V1__ListInstitutionsRequest lm = TRIAD__V1__LIST_INSTITUTIONS_REQUEST__INIT;
	list.body_case = TRIAD__V1__REQUEST__BODY_LIST_INSTITUTIONS;
	list.list_institutions = &lm;
	rpc_free(rpc_ok(&sb, NULL, &list));

	Triad__V1__Request out = TRIAD__V1__REQUEST__INIT;
	Triad__V1__SignOutRequest om = TRIAD__V1__SIGN_OUT_REQUEST__INIT;
	out.body_case = TRIAD__V1__REQUEST__BODY_SIGN_OUT;
	out.sign_out = &om;
	rpc_free(rpc_ok(&sa, NULL, &out));

	/* The other instance's session of the same token learns it at once. */
	expect_status_free(rpc(&sb, NULL, &list), CODE(UNAUTHENTICATED), NULL, NULL);
	sess_close(&sa);
	sess_close(&sb);
}

/* ---- the event stream resumes on the other instance ---- */

/* A change that writes one event: a learning line of programme, through s. */
static void
add_line(Sess *s, const char *inst, const char *programme, int n)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateLearningLineRequest m = TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
	Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
	char name[64], code[32];
	snprintf(name, sizeof name, "Line %d", n);
	snprintf(code, sizeof code, "L%d", n);
	l.programme_id = (char *)programme;
	l.name = name;
	l.code = code;
	m.line = &l;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_LEARNING_LINE;
	req.create_learning_line = &m;
	rpc_free(rpc_ok(s, inst, &req));
}

/* Subscribes on s (after its acknowledged cursor when from_ack); returns
 * the subscription's request id. */
static uint64_t
subscribe(Sess *s, const char *inst, bool from_ack)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__SubscribeRequest m = TRIAD__V1__SUBSCRIBE_REQUEST__INIT;
	m.after = "";
	m.from_ack = from_ack;
	req.body_case = TRIAD__V1__REQUEST__BODY_SUBSCRIBE;
	req.subscribe = &m;
	rpc_free(rpc_ok(s, inst, &req));
	return req.id;
}

/* The next event of subscription sub on s (within 15 s) into id and cursor. */
static void
next_event(Sess *s, uint64_t sub, char id[40], char cursor[64])
{
	Triad__V1__Response *r = tc_recv(s->fd, 15000, NULL);
	assert_non_null(r);
	assert_int_equal(r->id, sub);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENT);
	snprintf(id, 40, "%s", r->domain_event->id);
	snprintf(cursor, 64, "%s", r->domain_event->cursor);
	rpc_free(r);
}

static void
test_event_stream_resumes_on_other_instance(void **state)
{
	(void)state;
	Sess op = session(&a, 7);
	char slug[64], machine[80], id[4][40], cursor[4][64], again[40], c2[64];
	make_institution(&op, "stream-two", "Two Instances", slug);
	char *programme = make_programme(&op, slug, "TWO", 0);
	char *partner = make_machine(&op, slug, NULL, "stream-sync", machine);
	Sess ob = session(&b, 8);

	/* Subscribed on a: the programme, then two changes made through b. */
	Sess pa = sess_open(a.addr, partner);
	pa.next_id = 100;
	uint64_t sub = subscribe(&pa, slug, false);
	next_event(&pa, sub, id[0], cursor[0]);
	add_line(&ob, slug, programme, 1);
	add_line(&ob, slug, programme, 2);
	next_event(&pa, sub, id[1], cursor[1]);
	next_event(&pa, sub, id[2], cursor[2]);

	/* The partner acknowledges the second, handles the third, and loses
	 * its connection to a; meanwhile one more change, through a. */
	Triad__V1__Request ack = TRIAD__V1__REQUEST__INIT;
	Triad__V1__AckEventsRequest am = TRIAD__V1__ACK_EVENTS_REQUEST__INIT;
	am.cursor = cursor[1];
	ack.body_case = TRIAD__V1__REQUEST__BODY_ACK_EVENTS;
	ack.ack_events = &am;
	Sess pa2 = sess_open(a.addr, partner);
	rpc_free(rpc_ok(&pa2, slug, &ack));
	sess_close(&pa2);
	sess_close(&pa);
	add_line(&op, slug, programme, 3);

	/* On b, from the acknowledged cursor: the third again, then the fourth;
	 * nothing before the ack. Deduplicated by id, every event once. */
	Sess pb = sess_open(b.addr, partner);
	pb.next_id = 200;
	sub = subscribe(&pb, slug, true);
	next_event(&pb, sub, again, c2);
	assert_string_equal(again, id[2]);
	next_event(&pb, sub, id[3], cursor[3]);
	for (int i = 0; i < 3; i++)
		assert_string_not_equal(id[3], id[i]);
	bool timed_out = false;
	Triad__V1__Response *r = tc_recv(pb.fd, 300, &timed_out);
	assert_null(r);   /* no more: nothing twice */
	assert_true(timed_out);

	sess_close(&pb);
	sess_close(&ob);
	sess_close(&op);
	free(programme);
	free(partner);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_on_other_instance_replays_first_answer),
		cmocka_unit_test(test_retry_while_first_in_flight_waits_for_it),
		cmocka_unit_test(test_sign_out_on_one_ends_session_on_other),
		cmocka_unit_test(test_event_stream_resumes_on_other_instance),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
