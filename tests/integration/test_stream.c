/*
 * test_stream.c: the partners' event stream (proto/triad/v1/stream.proto):
 * events written with the change, read in commit-safe order, paged,
 * streamed on the connection, resumed from a stored cursor across a
 * restart of PostgreSQL, cut by retention, bounded for slow readers, and
 * filtered by what the reader may see when it reads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "harness.h"

#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define REQ(name) Triad__V1__Request name = TRIAD__V1__REQUEST__INIT

static Triadd d;
static Sess op;
static char token[128];
static int uniq;

/* ---- helpers ---- */

static char *
inst_id(const char *slug)
{
	return owner_sql("SELECT id::text FROM institution WHERE slug = $1", slug, NULL, NULL);
}

static Triad__V1__Response *
list_events(Sess *s, const char *inst, const char *after, bool from_ack, int page_size)
{
	REQ(req);
	Triad__V1__ListDomainEventsRequest m = TRIAD__V1__LIST_DOMAIN_EVENTS_REQUEST__INIT;
	m.after = (char *)(after != NULL ? after : "");
	m.from_ack = from_ack;
	m.page_size = page_size;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_DOMAIN_EVENTS;
	req.list_domain_events = &m;
	return rpc(s, inst, &req);
}

/* The ids of every event s may read in inst, from the start, into ids
 * (up to max); returns how many, and the cursor after them in end. */
static int
all_events(Sess *s, const char *inst, char ids[][40], int max, char *end, size_t endsize)
{
	char after[64] = "";
	int n = 0;
	for (;;) {
		Triad__V1__Response *r = list_events(s, inst, after, false, 500);
		if (r->status->code != CODE(OK))
			fail_msg("ListDomainEvents: %s", r->status->message);
		Triad__V1__ListDomainEventsReply *p = r->domain_events;
		for (size_t i = 0; i < p->n_events && n < max; i++)
			snprintf(ids[n++], 40, "%s", p->events[i]->id);
		snprintf(after, sizeof after, "%s", p->next_cursor);
		bool more = p->more && p->n_events > 0;
		rpc_free(r);
		if (!more)
			break;
	}
	if (end != NULL)
		snprintf(end, endsize, "%s", after);
	return n;
}

/* A change in inst that writes one event: a learning line. */
static void
make_change(Sess *s, const char *inst, const char *programme)
{
	REQ(req);
	Triad__V1__CreateLearningLineRequest m = TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
	Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
	char name[64], code[32];
	snprintf(name, sizeof name, "Line %d", ++uniq);
	snprintf(code, sizeof code, "L%d", uniq);
	l.programme_id = (char *)programme;
	l.name = name;
	l.code = code;
	m.line = &l;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_LEARNING_LINE;
	req.create_learning_line = &m;
	rpc_free(rpc_ok(s, inst, &req));
}

/* Sends Subscribe on s and returns its id once it is answered OK. */
static uint64_t
subscribe(Sess *s, const char *inst, const char *after, bool from_ack)
{
	REQ(req);
	Triad__V1__SubscribeRequest m = TRIAD__V1__SUBSCRIBE_REQUEST__INIT;
	m.after = (char *)(after != NULL ? after : "");
	m.from_ack = from_ack;
	req.body_case = TRIAD__V1__REQUEST__BODY_SUBSCRIBE;
	req.subscribe = &m;
	Triad__V1__Response *r = rpc_ok(s, inst, &req);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_SUBSCRIBED);
	rpc_free(r);
	return req.id;
}

/* The next frame of subscription sub on s within timeout_ms, or NULL. */
static Triad__V1__Response *
next_event(Sess *s, uint64_t sub, int timeout_ms)
{
	bool timed_out = false;
	Triad__V1__Response *r = tc_recv(s->fd, timeout_ms, &timed_out);
	if (r == NULL)
		return NULL;
	assert_int_equal(r->id, sub);
	return r;
}

static void
ack(Sess *s, const char *inst, const char *cursor)
{
	REQ(req);
	Triad__V1__AckEventsRequest m = TRIAD__V1__ACK_EVENTS_REQUEST__INIT;
	m.cursor = (char *)cursor;
	req.body_case = TRIAD__V1__REQUEST__BODY_ACK_EVENTS;
	req.ack_events = &m;
	Triad__V1__Response *r = rpc_ok(s, inst, &req);
	assert_string_equal(r->acked_events->cursor, cursor);
	rpc_free(r);
}

static bool
has_id(char ids[][40], int n, const char *id)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(ids[i], id) == 0)
			return true;
	}
	return false;
}

/* ---- 1. the outbox: written with the change, read in a safe order ---- */

/*
 * Two transactions: the first takes its id and writes its event, the
 * second writes one and commits first. A reader between the two commits
 * must not move past the first: after it commits, both come, in order.
 */
static void
test_late_commit_is_not_skipped(void **state)
{
	(void)state;
	char slug[64], end[64];
	make_institution(&op, "late", "Late commits", slug);
	char *inst = inst_id(slug);
	char (*ids)[40] = calloc(64, 40);
	int before = all_events(&op, slug, ids, 64, end, sizeof end);
	assert_true(before >= 0);

	PGconn *t1 = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	PGconn *t2 = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	assert_int_equal(PQstatus(t1), CONNECTION_OK);
	assert_int_equal(PQstatus(t2), CONNECTION_OK);
	static const char ins[] =
		"INSERT INTO domain_event (institution_id, type, aggregate_type, aggregate_id, "
		"aggregate_version) VALUES ($1::uuid, $2, 'test', gen_random_uuid(), 1)";
	const char *p1[2] = {inst, "test.first"}, *p2[2] = {inst, "test.second"};
	PQclear(PQexec(t1, "BEGIN"));
	PGresult *r = PQexecParams(t1, ins, 2, NULL, p1, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQclear(PQexec(t2, "BEGIN"));
	r = PQexecParams(t2, ins, 2, NULL, p2, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = PQexec(t2, "COMMIT");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);

	/* The second has committed, the first has not: nothing yet, and the
	 * cursor stays where it was. */
	Triad__V1__Response *page = list_events(&op, slug, end, false, 50);
	assert_int_equal(page->status->code, CODE(OK));
	assert_int_equal(page->domain_events->n_events, 0);
	assert_true(page->domain_events->more);
	char next[64];
	snprintf(next, sizeof next, "%s", page->domain_events->next_cursor);
	rpc_free(page);

	r = PQexec(t1, "COMMIT");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(t1);
	PQfinish(t2);

	page = list_events(&op, slug, next, false, 50);
	assert_int_equal(page->status->code, CODE(OK));
	assert_int_equal(page->domain_events->n_events, 2);
	assert_string_equal(page->domain_events->events[0]->type, "test.first");
	assert_string_equal(page->domain_events->events[1]->type, "test.second");
	rpc_free(page);
	free(ids);
	free(inst);
}

/* A change writes its event with its type, aggregate and data; versions grow. */
static void
test_change_writes_its_event(void **state)
{
	(void)state;
	char slug[64];
	make_institution(&op, "evt", "Events", slug);
	char *prog = make_programme(&op, slug, "EVT1", 0);
	make_change(&op, slug, prog);

	Triad__V1__Response *r = list_events(&op, slug, "", false, 50);
	assert_int_equal(r->status->code, CODE(OK));
	Triad__V1__ListDomainEventsReply *p = r->domain_events;
	bool programme = false, line = false;
	for (size_t i = 0; i < p->n_events; i++) {
		Triad__V1__DomainEvent *e = p->events[i];
		if (strcmp(e->type, "programme.created") == 0) {
			programme = true;
			assert_string_equal(e->aggregate_type, "programme");
			assert_string_equal(e->aggregate_id, prog);
			assert_int_equal(e->aggregate_version, 1);
			assert_int_equal(e->schema_version, 1);
			expect_contains(e->data, "\"code\": \"EVT1\"");
			assert_string_not_equal(e->occurred_at, "");
		}
		line |= strcmp(e->type, "learning_line.created") == 0;
		assert_string_not_equal(e->cursor, "");
	}
	assert_true(programme);
	assert_true(line);
	rpc_free(r);

	/* Only the types asked for. */
	REQ(req);
	Triad__V1__ListDomainEventsRequest m = TRIAD__V1__LIST_DOMAIN_EVENTS_REQUEST__INIT;
	char *types[1] = {"learning_line.created"};
	m.n_types = 1;
	m.types = types;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_DOMAIN_EVENTS;
	req.list_domain_events = &m;
	r = rpc_ok(&op, slug, &req);
	assert_int_equal(r->domain_events->n_events, 1);
	assert_string_equal(r->domain_events->events[0]->type, "learning_line.created");
	rpc_free(r);

	/* A bad cursor and a bad type are the caller's mistakes. */
	r = list_events(&op, slug, "yesterday", false, 50);
	expect_status_free(r, CODE(INVALID_ARGUMENT), NULL, "list_domain_events.after");
	types[0] = "DROP TABLE";
	r = rpc(&op, slug, &req);
	expect_status_free(r, CODE(INVALID_ARGUMENT), NULL, "list_domain_events.types");
	free(prog);
}

/* ---- 2. retention ---- */

static void
test_expired_cursor(void **state)
{
	(void)state;
	char slug[64];
	make_institution(&op, "old", "Old events", slug);
	char *inst = inst_id(slug);
	char *prog = make_programme(&op, slug, "OLD1", 0);
	Triad__V1__Response *r = list_events(&op, slug, "", false, 1);
	assert_int_equal(r->domain_events->n_events, 1);
	char first[64];
	snprintf(first, sizeof first, "%s", r->domain_events->events[0]->cursor);
	rpc_free(r);
	make_change(&op, slug, prog);
	make_change(&op, slug, prog);

	/* Everything but the newest is older than the 30 days kept. */
	free(owner_sql("UPDATE domain_event SET occurred_at = now() - interval '31 days' "
		       "WHERE institution_id = $1::uuid AND seq < (SELECT max(seq) FROM domain_event "
		       "WHERE institution_id = $1::uuid)",
		       inst, NULL, NULL));
	r = list_events(&op, slug, first, false, 50);
	expect_status(r, CODE(CURSOR_EXPIRED), NULL, "list_domain_events.after");
	expect_contains(r->status->message, "resynchronise from the list requests");
	rpc_free(r);

	/* A subscription from there is refused the same way. */
	REQ(req);
	Triad__V1__SubscribeRequest m = TRIAD__V1__SUBSCRIBE_REQUEST__INIT;
	m.after = first;
	req.body_case = TRIAD__V1__REQUEST__BODY_SUBSCRIBE;
	req.subscribe = &m;
	expect_status_free(rpc(&op, slug, &req), CODE(CURSOR_EXPIRED), NULL, "subscribe.after");

	/* From the start of what is kept: only the newest. */
	r = list_events(&op, slug, "", false, 50);
	assert_int_equal(r->status->code, CODE(OK));
	assert_int_equal(r->domain_events->n_events, 1);
	rpc_free(r);
	/* And the old ones are gone from the table. */
	char *left = owner_sql("SELECT count(*)::text FROM domain_event "
			       "WHERE institution_id = $1::uuid", inst, NULL, NULL);
	assert_string_equal(left, "1");
	free(left);
	free(prog);
	free(inst);
}

/* ---- 3. subscribe, kill, resubscribe from the stored cursor ---- */

static void
test_subscribe_resume_across_restart(void **state)
{
	(void)state;
	const char *stop = env_required("TRIAD_TEST_PG_STOP");
	const char *start = env_required("TRIAD_TEST_PG_START");
	char slug[64];
	make_institution(&op, "sub", "Subscriptions", slug);
	char *prog = make_programme(&op, slug, "SUB1", 0);
	char (*got)[40] = calloc(256, 40), (*all)[40] = calloc(256, 40);
	int ngot = 0;

	Sess s = sess_open(d.addr, token);
	s.next_id = 1000;
	uint64_t sub = subscribe(&s, slug, "", false);
	make_change(&op, slug, prog);
	make_change(&op, slug, prog);
	/* programme.created and the two lines */
	char acked[64] = "";
	for (int i = 0; i < 3; i++) {
		Triad__V1__Response *r = next_event(&s, sub, 10000);
		assert_non_null(r);
		assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENT);
		snprintf(got[ngot++], 40, "%s", r->domain_event->id);
		if (i == 1)
			snprintf(acked, sizeof acked, "%s", r->domain_event->cursor);
		rpc_free(r);
	}
	Sess a = sess_open(d.addr, token);
	ack(&a, slug, acked);

	/* PostgreSQL goes away and comes back; the subscription lives on. */
	assert_int_equal(system(stop), 0);
	assert_int_equal(system(start), 0);
	uint64_t deadline = ms_now() + 30000;
	char key[64];
	snprintf(key, sizeof key, "stream-after-restart-%d-%d", (int)getpid(), ++uniq);
	for (;;) {
		REQ(req);
		Triad__V1__CreateLearningLineRequest m = TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
		Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
		l.programme_id = prog;
		l.name = "After the restart";
		l.code = "RESTART";
		m.line = &l;
		req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_LEARNING_LINE;
		req.create_learning_line = &m;
		req.idempotency_key = key;
		Triad__V1__Response *r = rpc(&a, slug, &req);
		Triad__V1__Code code = r->status->code;
		rpc_free(r);
		if (code == CODE(OK))
			break;
		assert_true(ms_now() < deadline);
		usleep(100000);   /* waiting for the pool to reconnect */
	}
	Triad__V1__Response *r = next_event(&s, sub, 30000);
	assert_non_null(r);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENT);
	assert_string_equal(r->domain_event->type, "learning_line.created");
	snprintf(got[ngot++], 40, "%s", r->domain_event->id);
	rpc_free(r);

	/* The partner dies; a change happens while it is away. */
	sess_close(&s);
	make_change(&op, slug, prog);

	/* Back, from the stored cursor: everything after it, once more what
	 * came after the ack, and nothing before it. */
	Sess s2 = sess_open(d.addr, token);
	s2.next_id = 2000;
	uint64_t sub2 = subscribe(&s2, slug, NULL, true);
	int nall = all_events(&op, slug, all, 256, NULL, 0);
	assert_int_equal(nall, 5);
	int again = 0;
	while (ngot < 256) {
		bool missing = false;
		for (int i = 0; i < nall; i++)
			missing |= !has_id(got, ngot, all[i]);
		if (!missing)
			break;
		r = next_event(&s2, sub2, 10000);
		assert_non_null(r);
		assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENT);
		/* Never one the partner acknowledged. */
		assert_false(strcmp(r->domain_event->id, got[0]) == 0 ||
			     strcmp(r->domain_event->id, got[1]) == 0);
		if (has_id(got, ngot, r->domain_event->id))
			again++;
		else
			snprintf(got[ngot++], 40, "%s", r->domain_event->id);
		rpc_free(r);
	}
	/* Deduplicated by id: exactly the five, the third and fourth twice. */
	assert_int_equal(ngot, 5);
	assert_int_equal(again, 2);
	sess_close(&s2);
	sess_close(&a);
	free(got);
	free(all);
	free(prog);
}

/* ---- 4. a slow reader is paused, not buffered ---- */

static void
test_slow_subscriber_is_bounded(void **state)
{
	(void)state;
	char slug[64];
	Triadd small;
	triadd_start(&small, "max_output_bytes = 65536\nmax_frame_bytes = 65536\n");
	Sess o = sess_open(small.addr, token);
	make_institution(&o, "slow", "Slow readers", slug);
	char *inst = inst_id(slug);

	Sess s = sess_open(small.addr, token);
	s.next_id = 500;
	uint64_t sub = subscribe(&s, slug, "", false);
	/* 8 MB of events, more than the sockets between us hold. */
	free(owner_sql("INSERT INTO domain_event (institution_id, type, aggregate_type, "
		       "aggregate_id, aggregate_version, data) "
		       "SELECT $1::uuid, 'test.bulk', 'test', gen_random_uuid(), 1, "
		       "jsonb_build_object('n', n, 'pad', repeat('x', 4000)) "
		       "FROM generate_series(1, 2000) n", inst, NULL, NULL));
	free(owner_sql("NOTIFY triad_events", NULL, NULL, NULL));

	/* Read them all, in order, none twice, none missing. */
	int n = 0;
	while (n < 2000) {
		Triad__V1__Response *r = next_event(&s, sub, 20000);
		assert_non_null(r);
		if (r->body_case == TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENT &&
		    strcmp(r->domain_event->type, "test.bulk") == 0) {
			char want[32];
			snprintf(want, sizeof want, "\"n\": %d,", ++n);
			expect_contains(r->domain_event->data, want);
		}
		rpc_free(r);
	}
	/* It was paused, and never held more than the limit and one event
	 * for this reader (the daemon checks each write against that). */
	assert_true(triadd_log_contains(&small, "event=stream_paused"));
	assert_false(triadd_log_contains(&small, "event=stream_over_limit"));
	sess_close(&s);
	sess_close(&o);
	assert_int_equal(triadd_stop(&small, SIGTERM), 0);
	free(inst);
}

/*
 * A change committed through one daemon wakes the subscriptions of every
 * daemon on the database, its own and another's, long before their next
 * poll (STREAM_POLL_MS, 10 s): the writing daemon sends the NOTIFY after
 * its commit, since the writing transaction no longer does.
 */
static void
test_change_wakes_every_daemon(void **state)
{
	(void)state;
	char slug[64];
	make_institution(&op, "wake", "Wake-up", slug);
	char *prog = make_programme(&op, slug, "WAKE1", 0);
	Triadd other;
	triadd_start(&other, "");

	Sess here = sess_open(d.addr, token), there = sess_open(other.addr, token);
	here.next_id = there.next_id = 3000;
	uint64_t sub_here = subscribe(&here, slug, NULL, false);
	uint64_t sub_there = subscribe(&there, slug, NULL, false);
	/* Each reads what is there when it starts: the programme. */
	Sess *subs[2] = {&here, &there};
	uint64_t ids[2] = {sub_here, sub_there};
	for (int i = 0; i < 2; i++) {
		Triad__V1__Response *r = next_event(subs[i], ids[i], 10000);
		assert_non_null(r);
		assert_string_equal(r->domain_event->type, "programme.created");
		rpc_free(r);
	}

	for (int round = 0; round < 3; round++) {
		make_change(&op, slug, prog);
		for (int i = 0; i < 2; i++) {
			Triad__V1__Response *r = next_event(subs[i], ids[i], 3000);
			if (r == NULL)
				fail_msg("change %d did not reach the subscription on the %s daemon "
					 "within 3 s", round + 1, i == 0 ? "writing" : "other");
			assert_string_equal(r->domain_event->type, "learning_line.created");
			rpc_free(r);
		}
	}
	sess_close(&here);
	sess_close(&there);
	assert_int_equal(triadd_stop(&other, SIGTERM), 0);
	free(prog);
}

/* ---- 5. what an organisation sees ---- */

static void
test_organisation_sees_consenting_participants(void **state)
{
	(void)state;
	Employer e;
	make_employer(&op, d.addr, "org", 2, &e);
	const char *slug = e.slug;
	char *org = e.org, *machine = e.machine, **enr = e.enr, **tok = e.tok;
	Sess p0 = sess_open(d.addr, tok[0]);
	REQ(sc);
	Triad__V1__SetConsentRequest scm = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	scm.enrollment_id = enr[0];
	scm.organisation_id = org;
	scm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS;
	sc.body_case = TRIAD__V1__REQUEST__BODY_SET_CONSENT;
	sc.set_consent = &scm;
	rpc_free(rpc_ok(&p0, slug, &sc));

	Sess hr = sess_open(d.addr, machine);
	char (*ids)[40] = calloc(64, 40);
	Triad__V1__Response *r = list_events(&hr, slug, "", false, 500);
	assert_int_equal(r->status->code, CODE(OK));
	Triad__V1__ListDomainEventsReply *p = r->domain_events;
	int mine = 0;
	for (size_t i = 0; i < p->n_events; i++) {
		/* Only about the consenting employee's enrollment. */
		expect_contains(p->events[i]->data, enr[0]);
		expect_lacks(p->events[i]->data, enr[1]);
		mine++;
	}
	assert_true(mine >= 2);   /* enrolled, consent changed */
	rpc_free(r);
	/* Staff see both, and the catalogue. */
	int nstaff = all_events(&op, slug, ids, 64, NULL, 0);
	assert_true(nstaff > mine + 1);

	/* Consent withdrawn: hidden from the next read on, older ones too. */
	scm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_NONE;
	rpc_free(rpc_ok(&p0, slug, &sc));
	r = list_events(&hr, slug, "", false, 500);
	assert_int_equal(r->status->code, CODE(OK));
	assert_int_equal(r->domain_events->n_events, 0);
	rpc_free(r);

	sess_close(&p0);
	sess_close(&hr);
	employer_free(&e);
	free(ids);
}

static int
setup(void **state)
{
	(void)state;
	triadd_bootstrap(token, sizeof token);
	triadd_start(&d, NULL);
	op = sess_open(d.addr, token);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sess_close(&op);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_writes_its_event),
		cmocka_unit_test(test_late_commit_is_not_skipped),
		cmocka_unit_test(test_expired_cursor),
		cmocka_unit_test(test_organisation_sees_consenting_participants),
		cmocka_unit_test(test_slow_subscriber_is_bounded),
		cmocka_unit_test(test_change_wakes_every_daemon),
		cmocka_unit_test(test_subscribe_resume_across_restart),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
