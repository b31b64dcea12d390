/*
 * test_notify.c: the notification outbox and its mail, against a real
 * triadd, PostgreSQL and a local SMTP sink (tests/smtp_sink.py, started
 * here): each change that should tell someone puts a mail in the outbox in
 * its own transaction, and the daemon delivers it to the relay without
 * blocking; what the people receive is read from the sink.
 *
 *   - an invite's mail goes to the invitee with the code that works, and
 *     the outbox keeps no code once it is sent;
 *   - a feedback request's mail goes to the coach with the question as it
 *     was asked, lines that are a lone "." included (dot-stuffing);
 *   - an overdue request gets one reminder, from the sweep;
 *   - a place from a waitlist (enrollment, event) is mailed to its person;
 *   - the relay down: the mail stays pending with its attempts and error,
 *     and goes once the relay is back, or fails after smtp_attempts_max; a
 *     recipient the relay refuses for good is failed at once; all are
 *     logged and counted in the metrics;
 *   - one-time sign-in codes: mailed to a person who can sign in, used once,
 *     at most 5 attempts each, 3 per address in 15 minutes, a newer one
 *     ends the older; an unknown address gets the same answer and no mail;
 *     an address of the network that asks too often is refused.
 *
 * The outbox is shared by every daemon on the database; tests/CMakeLists.txt
 * keeps the tests that deliver or read it from running at the same time.
 * Nothing sleeps to wait: the sink's files, the table and the log are
 * polled with deadlines.
 */
#include "harness.h"
#include "mailsink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define MAIL_MS 30000

static Triadd d;
static MailSink sink;
static Sess op;
static char inst[64];
static char *programme, *cohort, *module, *run;

/* ---- fixtures ---- */

static void
unique_email(char *buf, size_t size, const char *stem)
{
	test_unique(buf, size, stem);
	strncat(buf, "@example.org", size - strlen(buf) - 1);
}

static char *
person(const char *name, char email[128])
{
	unique_email(email, 128, "n");
	return make_person(&op, inst, name, email);
}

static char *
create_cohort(void)
{
	REQ(req);
	Triad__V1__CreateCohortRequest m = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[64];
	test_unique(name, sizeof name, "Metropool 31 ");
	c.programme_id = programme;
	c.name = name;
	c.starts_on = "2031-09-01";
	c.ends_on = "2033-02-28";
	m.cohort = &c;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	req.create_cohort = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->cohort->id);
	rpc_free(r);
	return id;
}

static char *
create_module(void)
{
	REQ(req);
	Triad__V1__CreateModuleRequest m = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = programme;
	mod.code = "M1";
	mod.name = "Publieke waarde";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 6;
	m.module = &mod;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_MODULE;
	req.create_module = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->module->id);
	rpc_free(r);
	return id;
}

/* A run of the module in cohort c with room for capacity. */
static char *
create_run(const char *c, int capacity)
{
	REQ(req);
	Triad__V1__CreateRunRequest m = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun r0 = TRIAD__V1__MODULE_RUN__INIT;
	r0.module_id = module;
	r0.cohort_id = (char *)c;
	r0.capacity = capacity;
	field_give(&r0.base, "capacity");
	m.run = &r0;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RUN;
	req.create_run = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->run->id);
	rpc_free(r);
	return id;
}

/* Enrolls person in cohort c; returns the answer (the caller frees it). */
static Triad__V1__Response *
enroll(const char *c, const char *who)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)who;
	m.cohort_id = (char *)c;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	return rpc_ok(&op, inst, &req);
}

/* Sends req first on a connection of its own, without a session. */
static Triad__V1__Response *
public_rpc(Triad__V1__Request *req)
{
	int fd = tc_connect(d.addr);
	req->id = 7;
	tc_send(fd, req);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	close(fd);
	assert_non_null(r);
	return r;
}

static Triad__V1__Response *
ask_code_at(const Triadd *t, const char *email)
{
	REQ(req);
	Triad__V1__StartEmailSignInRequest m = TRIAD__V1__START_EMAIL_SIGN_IN_REQUEST__INIT;
	m.email = (char *)email;
	req.id = 7;
	req.body_case = TRIAD__V1__REQUEST__BODY_START_EMAIL_SIGN_IN;
	req.start_email_sign_in = &m;
	int fd = tc_connect(t->addr);
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	close(fd);
	assert_non_null(r);
	return r;
}

static void
ask_code(const char *email)
{
	Triad__V1__Response *r = ask_code_at(&d, email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->start_email_sign_in->expires_in_seconds, 15 * 60);
	rpc_free(r);
}

static Triad__V1__Response *
sign_in(const char *email, const char *code)
{
	REQ(req);
	Triad__V1__SignInWithCodeRequest m = TRIAD__V1__SIGN_IN_WITH_CODE_REQUEST__INIT;
	m.email = (char *)email;
	m.code = (char *)code;
	m.token_label = "new laptop";
	req.body_case = TRIAD__V1__REQUEST__BODY_SIGN_IN_WITH_CODE;
	req.sign_in_with_code = &m;
	return public_rpc(&req);
}

/* The code "XXXX-XXXX-XXXX" on the mail's "    " line, into code (15 bytes). */
static void
code_of(const char *mail, char code[15])
{
	const char *p = strstr(mail, "code is:\n\n    ");
	assert_non_null(p);
	p += strlen("code is:\n\n    ");
	snprintf(code, 15, "%.14s", p);
	assert_int_equal(code[4], '-');
	assert_int_equal(code[9], '-');
}

/* The value of a one-row query as the schema owner, as a number. */
static long
owner_count(const char *sql, const char *p1)
{
	char *v = owner_sql(sql, p1, NULL, NULL);
	long n = v != NULL ? strtol(v, NULL, 10) : -1;
	free(v);
	return n;
}

/* Waits up to MAIL_MS for the outbox row of what (a query on one
 * notification row, returning a boolean) to be true. */
static void
wait_row(const char *what, const char *sql, const char *p1)
{
	uint64_t deadline = ms_now() + MAIL_MS;
	for (;;) {
		char *v = owner_sql(sql, p1, NULL, NULL);
		bool ok = v != NULL && strcmp(v, "t") == 0;
		free(v);
		if (ok)
			return;
		if (ms_now() > deadline)
			fail_msg("the outbox never showed %s", what);
		usleep(20000);
	}
}

/* Waits until the daemon's log has needle. */
static void
wait_log(const Triadd *t, const char *needle)
{
	uint64_t deadline = ms_now() + MAIL_MS;
	while (!triadd_log_contains(t, needle)) {
		if (ms_now() > deadline)
			fail_msg("no %s in the log", needle);
		usleep(20000);
	}
}

static Triad__V1__Response *
list_outbox(Sess *s, const char *in, const char *recipient)
{
	REQ(req);
	Triad__V1__ListNotificationsRequest m = TRIAD__V1__LIST_NOTIFICATIONS_REQUEST__INIT;
	m.recipient = (char *)recipient;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_NOTIFICATIONS;
	req.list_notifications = &m;
	return rpc_ok(s, in, &req);
}

/* The daemon's settings: quick retries and sweeps, and attempts_max. */
static void
config_text(char *buf, size_t size, int attempts_max)
{
	snprintf(buf, size,
		 "smtp_relay = %s\n"
		 "smtp_from = triad@example.org\n"
		 "smtp_timeout_ms = 5000\n"
		 "smtp_retry_ms = 100\n"
		 "smtp_retry_max_ms = 300\n"
		 "smtp_attempts_max = %d\n"
		 "outbox_poll_ms = 50\n"
		 "outbox_sweep_s = 1\n"
		 "signin_failures_max = 1000\n",
		 sink.relay, attempts_max);
}

/* How many lines of the daemon's log have needle. */
static int
log_count(const char *needle)
{
	FILE *f = fopen(d.log, "r");
	char line[4096];
	int n = 0;
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* Rewrites the daemon's config with attempts_max and waits for the reload. */
static void
reload(int attempts_max)
{
	char config[1024];
	int before = log_count("event=config_reloaded");
	config_text(config, sizeof config, attempts_max);
	triadd_write_config(&d, config);
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	uint64_t deadline = ms_now() + MAIL_MS;
	while (log_count("event=config_reloaded") == before) {
		if (ms_now() > deadline)
			fail_msg("the daemon did not reload");
		usleep(20000);
	}
}

/* Enough attempts for the sink's restart, however slow its start. */
#define ATTEMPTS 1000

static int
setup(void **state)
{
	char config[1024];

	sink_start(&sink, 0, "--reject refused-");
	config_text(config, sizeof config, ATTEMPTS);
	/* What earlier runs and other tests left pending is not ours to send. */
	free(owner_sql("UPDATE notification SET status = 'expired', secret = NULL,"
		       " body = 'expired by test_notify' WHERE status = 'pending'",
		       NULL, NULL, NULL));
	triadd_start(&d, config);
	op = sess_open(d.addr, test_token());
	make_institution(&op, "notify", "Hogeschool van de Stad", inst);
	char code[32];
	test_unique(code, sizeof code, "MPA");
	code[20] = '\0';
	programme = make_programme(&op, inst, code, 0);
	module = create_module();
	cohort = create_cohort();
	run = create_run(cohort, 25);
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	sink_stop(&sink);
	free(programme);
	free(module);
	free(cohort);
	free(run);
	return 0;
}

/* ---- invites ---- */

static void
test_invite_mail_carries_the_code(void **state)
{
	char email[128];
	char *who = person("Maria Jansen", email);
	REQ(req);
	Triad__V1__CreateInviteRequest m = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	m.person_id = who;
	m.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INVITE;
	req.create_invite = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *code = test_strdup(r->create_invite->code);
	rpc_free(r);

	char *mail = sink_wait(&sink, email, code, MAIL_MS);
	expect_contains(mail, "subject: Your invitation to Hogeschool van de Stad\n");
	expect_contains(mail, "mail-from: triad@example.org\n");
	expect_contains(mail, "Hello Maria Jansen,");
	expect_contains(mail, "as participant.");
	char line[128];
	snprintf(line, sizeof line, "    triad login --invite %s\n", code);
	expect_contains(mail, line);
	expect_lacks(mail, "violation:");
	free(mail);

	/* The outbox says so, and keeps the code no longer. */
	wait_row("the invite sent",
		 "SELECT status = 'sent' AND sent_at IS NOT NULL AND attempts = 1 AND secret IS NULL"
		 "   FROM notification WHERE recipient = $1 AND kind = 'invite'", email);
	r = list_outbox(&op, inst, email);
	assert_int_equal(r->notifications->n_notifications, 1);
	Triad__V1__Notification *n = r->notifications->notifications[0];
	assert_int_equal(n->kind, TRIAD__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_INVITE);
	assert_int_equal(n->status, TRIAD__V1__NOTIFICATION_STATUS__NOTIFICATION_STATUS_SENT);
	assert_int_equal(n->attempts, 1);
	assert_string_equal(n->institution_slug, inst);
	assert_string_not_equal(n->sent_at, "");
	expect_lacks(n->body, code);
	expect_contains(n->body, "triad login --invite [code removed once sent]");
	rpc_free(r);
	assert_int_equal(owner_count("SELECT count(*) FROM notification WHERE body LIKE '%' || $1"
				     " || '%'", code), 0);

	/* And the code in the mail works. */
	int fd = tc_connect(d.addr);
	REQ(rd);
	Triad__V1__RedeemInviteRequest rm = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	rm.code = code;
	rd.id = 3;
	rd.body_case = TRIAD__V1__REQUEST__BODY_REDEEM_INVITE;
	rd.redeem_invite = &rm;
	tc_send(fd, &rd);
	rpc_free(tc_expect(fd, 3, CODE(OK)));
	close(fd);
	free(code);
	free(who);
}

/* ---- feedback requests and reminders ---- */

typedef struct Triangle {
	char participant_email[128], coach_email[128];
	char *relation;
	Sess part;
} Triangle;

/* A participant enrolled in the fixture cohort with a coach of their own. */
static void
triangle(Triangle *t, const char *participant, const char *coach)
{
	char *p = person(participant, t->participant_email);
	char *c = person(coach, t->coach_email);
	Triad__V1__Response *r = enroll(cohort, p);
	char *enrollment = test_strdup(r->enrollment->id);
	rpc_free(r);
	REQ(req);
	Triad__V1__CreateRelationRequest m = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	m.enrollment_id = enrollment;
	m.coach_person_id = c;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RELATION;
	req.create_relation = &m;
	r = rpc_ok(&op, inst, &req);
	t->relation = test_strdup(r->create_relation->relation->id);
	/* The coach is invited with the relation, by mail too. */
	char *mail = sink_wait(&sink, t->coach_email, r->create_relation->invite_code, MAIL_MS);
	expect_contains(mail, "as workplace coach.");
	free(mail);
	rpc_free(r);
	char *tok = invite_and_redeem(&op, d.addr, inst, p, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
				      NULL);
	t->part = sess_open(d.addr, tok);
	free(tok);
	free(enrollment);
	free(p);
	free(c);
}

static char *
ask_feedback(Triangle *t, const char *question, const char *due)
{
	REQ(req);
	Triad__V1__RequestFeedbackRequest m = TRIAD__V1__REQUEST_FEEDBACK_REQUEST__INIT;
	m.relation_id = t->relation;
	m.question = (char *)question;
	m.due_on = (char *)due;
	req.body_case = TRIAD__V1__REQUEST__BODY_REQUEST_FEEDBACK;
	req.request_feedback = &m;
	Triad__V1__Response *r = rpc_ok(&t->part, inst, &req);
	char *id = test_strdup(r->feedback_request->id);
	rpc_free(r);
	return id;
}

static void
test_feedback_request_mail_reaches_the_coach(void **state)
{
	Triangle t;
	triangle(&t, "Sanne de Vries", "Coach Pieter Bakker");
	/* A line that is a lone dot would end the mail early unless stuffed. */
	char *id = ask_feedback(&t, "How did I chair the meeting on the new district plan?\n.\n"
				    "..and the follow-up with the aldermen?", "2031-06-15");

	char *mail = sink_wait(&sink, t.coach_email, "asks for your feedback", MAIL_MS);
	expect_contains(mail, "subject: Sanne de Vries asks for your feedback\n");
	expect_contains(mail, "Hello Coach Pieter Bakker,");
	expect_contains(mail, "How did I chair the meeting on the new district plan?\n.\n"
			      "..and the follow-up with the aldermen?\n");
	expect_contains(mail, "Due: 2031-06-15\n");
	char line[256];
	snprintf(line, sizeof line, "feedback give %s --request %s", t.participant_email, id);
	expect_contains(mail, line);
	expect_lacks(mail, "violation:");
	free(mail);
	sess_close(&t.part);
	free(t.relation);
	free(id);
}

static void
test_overdue_request_is_reminded_once(void **state)
{
	Triangle t;
	triangle(&t, "Noor Visser", "Coach Ellen de Boer");
	char *id = ask_feedback(&t, "Was my intervention at the team day clear?", "2031-05-01");
	free(sink_wait(&sink, t.coach_email, "asks for your feedback", MAIL_MS));
	assert_int_equal(sink_count(&sink, t.coach_email, "Reminder:"), 0);

	/* Its due date passes. */
	free(owner_sql("UPDATE feedback_request SET due_on = current_date - 1 WHERE id = $1", id,
		       NULL, NULL));
	char *mail = sink_wait(&sink, t.coach_email, "Reminder:", MAIL_MS);
	expect_contains(mail, "subject: Reminder: Noor Visser is waiting for your feedback\n");
	expect_contains(mail, "is still waiting:");
	expect_contains(mail, "Was my intervention at the team day clear?");
	free(mail);

	/* Another sweep writes no second reminder. */
	free(owner_sql("SELECT triad_outbox_tick()", NULL, NULL, NULL));
	assert_int_equal(owner_count("SELECT count(*) FROM notification"
				     " WHERE kind = 'feedback_reminder' AND resource_id = $1::uuid",
				     id), 1);
	assert_int_equal(owner_count("SELECT count(*) FROM audit_event"
				     " WHERE action = 'feedback_request.remind' AND resource_id = $1",
				     id), 1);
	sess_close(&t.part);
	free(t.relation);
	free(id);
}

/* ---- places from a waitlist ---- */

static void
test_enrollment_promotion_is_mailed(void **state)
{
	char first_email[128], second_email[128];
	char *c = create_cohort();
	char *small = create_run(c, 1);
	char *first = person("Eerste Deelnemer", first_email);
	char *second = person("Lotte Willems", second_email);
	Triad__V1__Response *r = enroll(c, first);
	char *placed = test_strdup(r->enrollment->id);
	rpc_free(r);
	r = enroll(c, second);
	assert_int_equal(r->enrollment->placement, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED);
	rpc_free(r);

	/* The first withdraws: the place goes to the second, who is told. */
	Triad__V1__Response *w = move_enrollment(&op, inst, placed,
						 TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN);
	expect_status_free(w, CODE(OK), NULL, NULL);
	char *mail = sink_wait(&sink, second_email, "A place has come free", MAIL_MS);
	expect_contains(mail, "subject: A place for you in Metropool (");
	expect_contains(mail, "Hello Lotte Willems,");
	expect_contains(mail, "You were on the waitlist for Metropool (");
	free(mail);
	assert_int_equal(sink_count(&sink, first_email, NULL), 0);
	free(c);
	free(small);
	free(first);
	free(second);
	free(placed);
}

static char *
register_for(const char *event, const char *who, Triad__V1__Placement want)
{
	REQ(req);
	Triad__V1__RegisterForEventRequest m = TRIAD__V1__REGISTER_FOR_EVENT_REQUEST__INIT;
	m.event_id = (char *)event;
	m.person_id = (char *)who;
	req.body_case = TRIAD__V1__REQUEST__BODY_REGISTER_FOR_EVENT;
	req.register_for_event = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	assert_int_equal(r->registration->placement, want);
	char *id = test_strdup(r->registration->id);
	rpc_free(r);
	return id;
}

static void
test_event_promotion_is_mailed(void **state)
{
	char first_email[128], second_email[128];
	char *first = person("Alumnus Een", first_email);
	char *second = person("Joris Mulder", second_email);
	REQ(req);
	Triad__V1__CreateEventRequest m = TRIAD__V1__CREATE_EVENT_REQUEST__INIT;
	m.kind = TRIAD__V1__EVENT_KIND__EVENT_KIND_SYMPOSIUM;
	m.title = "Symposium Publieke Waarde";
	m.programme_id = programme;
	m.starts_at = "2031-03-12T15:00:00Z";
	m.place = "Wibauthuis";
	m.capacity = 1;
	field_give(&m.base, "capacity");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_EVENT;
	req.create_event = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *event = test_strdup(r->event->id);
	rpc_free(r);
	char *placed = register_for(event, first, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED);
	char *waiting = register_for(event, second, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED);

	REQ(cancel);
	Triad__V1__CancelRegistrationRequest cm = TRIAD__V1__CANCEL_REGISTRATION_REQUEST__INIT;
	cm.id = placed;
	cancel.body_case = TRIAD__V1__REQUEST__BODY_CANCEL_REGISTRATION;
	cancel.cancel_registration = &cm;
	rpc_free(rpc_ok(&op, inst, &cancel));

	char *mail = sink_wait(&sink, second_email, "A place has come free", MAIL_MS);
	expect_contains(mail, "subject: A place for you at Symposium Publieke Waarde\n");
	expect_contains(mail, "on 2031-03-12 15:00 UTC at Wibauthuis.");
	char line[256];
	snprintf(line, sizeof line, "event cancel %s\n", waiting);
	expect_contains(mail, line);
	free(mail);
	free(first);
	free(second);
	free(event);
	free(placed);
	free(waiting);
}

/* ---- delivery: retries and refusals ---- */

static void
test_relay_down_then_up(void **state)
{
	char email[128];
	char *who = person("Kees Retry", email);

	sink_stop(&sink);
	REQ(req);
	Triad__V1__CreateInviteRequest m = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	m.person_id = who;
	m.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INVITE;
	req.create_invite = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *code = test_strdup(r->create_invite->code);
	rpc_free(r);

	/* Tried, failed, kept: pending with its attempts and why. */
	wait_row("a failed attempt",
		 "SELECT status = 'pending' AND attempts >= 2 AND last_error LIKE 'cannot connect to%'"
		 "   FROM notification WHERE recipient = $1", email);
	wait_log(&d, "event=smtp_relay_down");
	wait_log(&d, "event=mail_deferred");
	r = list_outbox(&op, inst, email);
	assert_int_equal(r->notifications->n_notifications, 1);
	Triad__V1__Notification *n = r->notifications->notifications[0];
	assert_int_equal(n->status, TRIAD__V1__NOTIFICATION_STATUS__NOTIFICATION_STATUS_PENDING);
	assert_true(n->attempts >= 2);
	expect_contains(n->last_error, "cannot connect to 127.0.0.1:");
	assert_string_not_equal(n->next_attempt_at, "");
	assert_string_equal(n->sent_at, "");
	/* Pending, the code is still there for an admin to read. */
	expect_contains(n->body, code);
	rpc_free(r);

	/* The relay is back: the mail goes, with the code. */
	sink_start(&sink, 0, NULL);
	free(sink_wait(&sink, email, code, MAIL_MS));
	wait_row("the retried invite sent",
		 "SELECT status = 'sent' AND attempts >= 3 AND secret IS NULL"
		 "   FROM notification WHERE recipient = $1", email);
	wait_log(&d, "event=smtp_relay_up");
	free(code);
	free(who);
}

static void
test_out_of_attempts_fails(void **state)
{
	char email[128];
	char *who = person("Kees Opgegeven", email);

	sink_stop(&sink);
	reload(2);
	REQ(req);
	Triad__V1__CreateInviteRequest m = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	m.person_id = who;
	m.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INVITE;
	req.create_invite = &m;
	rpc_free(rpc_ok(&op, inst, &req));

	wait_row("the invite failed after two attempts",
		 "SELECT status = 'failed' AND attempts = 2 AND secret IS NULL"
		 "   AND last_error LIKE 'cannot connect to%'"
		 "   FROM notification WHERE recipient = $1", email);
	char *id = owner_sql("SELECT id FROM notification WHERE recipient = $1", email, NULL, NULL);
	char line[128];
	snprintf(line, sizeof line, "event=mail_failed id=%s kind=invite attempts=2", id);
	wait_log(&d, line);
	reload(ATTEMPTS);
	sink_start(&sink, 0, NULL);
	free(id);
	free(who);
}

static void
test_refused_recipient_fails_for_good(void **state)
{
	char email[128];
	unique_email(email, sizeof email, "refused-");
	char *who = make_person(&op, inst, "Nobody Here", email);
	REQ(req);
	Triad__V1__CreateInviteRequest m = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	m.person_id = who;
	m.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INVITE;
	req.create_invite = &m;
	rpc_free(rpc_ok(&op, inst, &req));

	wait_row("the refusal",
		 "SELECT status = 'failed' AND attempts = 1 AND secret IS NULL"
		 "   AND last_error = 'the relay refused RCPT TO: 550 5.1.1 no such user here'"
		 "   AND body LIKE '%[code removed: the mail failed]%'"
		 "   FROM notification WHERE recipient = $1", email);
	wait_log(&d, "event=mail_failed");
	assert_int_equal(sink_count(&sink, email, NULL), 0);
	free(who);
}

/* The value of metric name in the daemon's /metrics. */
static long
metric(const char *name)
{
	return triadd_metric(&d, name);
}

/* After the tests above: what an operator sees of the sender's work. */
static void
test_metrics_count_the_mail(void **state)
{
	assert_true(metric("triad_mail_sent_total") >= 5);
	assert_true(metric("triad_mail_deferred_total") >= 2);
	assert_true(metric("triad_mail_failed_total") >= 1);
	assert_int_equal(metric("triad_mail_relay_down"), 0);
	assert_true(metric("triad_outbox_pending") >= 0);
}

/* ---- one-time sign-in codes ---- */

/* A person of the institution who has signed in once (by an invite). */
static char *
signed_in_person(const char *name, char email[128])
{
	char *who = person(name, email);
	free(invite_and_redeem(&op, d.addr, inst, who, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL));
	return who;
}

static void
test_signin_code_by_mail(void **state)
{
	char email[128], upper[128], code[15];
	char *who = signed_in_person("Fenna Smit", email);
	for (size_t i = 0; i <= strlen(email); i++)
		upper[i] = (char)(email[i] >= 'a' && email[i] <= 'z' ? email[i] - 32 : email[i]);

	ask_code(upper);
	char *mail = sink_wait(&sink, email, "sign-in code", MAIL_MS);
	expect_contains(mail, "subject: Your triad sign-in code\n");
	expect_contains(mail, "Hello Fenna Smit,");
	code_of(mail, code);
	char line[256];
	snprintf(line, sizeof line, "triad login --email %s --code %s", email, code);
	expect_contains(mail, line);
	free(mail);
	/* Stored hashed; the outbox forgot it once sent. */
	wait_row("the code sent",
		 "SELECT status = 'sent' AND secret IS NULL AND institution_id IS NULL"
		 "   FROM notification WHERE recipient = $1 AND kind = 'signin_code'", email);
	assert_int_equal(owner_count("SELECT count(*) FROM notification WHERE body LIKE '%' || $1"
				     " || '%'", code), 0);

	/* The code, typed carelessly, signs in: a new token of this person. */
	char typed[32];
	snprintf(typed, sizeof typed, " %.4s %.4s %.4s ", code, code + 5, code + 10);
	for (char *c = typed; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	Triad__V1__Response *r = sign_in(upper, typed);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(strncmp(r->sign_in_with_code->token, "trd_", 4), 0);
	assert_string_equal(r->sign_in_with_code->principal->name, "Fenna Smit");
	assert_string_equal(r->sign_in_with_code->principal->person_id, who);
	assert_string_equal(r->sign_in_with_code->token_info->label, "new laptop");
	Sess s = sess_open(d.addr, r->sign_in_with_code->token);
	REQ(w);
	Triad__V1__WhoAmIRequest wm = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	w.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	w.who_am_i = &wm;
	Triad__V1__Response *me = rpc_ok(&s, NULL, &w);
	assert_int_equal(me->who_am_i->n_grants, 1);
	assert_int_equal(me->who_am_i->grants[0]->role, TRIAD__V1__ROLE__ROLE_PARTICIPANT);
	rpc_free(me);
	sess_close(&s);
	rpc_free(r);

	/* Once. */
	expect_status_free(sign_in(email, code), CODE(UNAUTHENTICATED), NULL, NULL);
	assert_int_equal(owner_count("SELECT count(*) FROM service_audit_event"
				     " WHERE action = 'signin_code.redeem' AND principal_id ="
				     " (SELECT id FROM principal WHERE person_id = $1::uuid)", who),
			 1);
	free(who);
}

static void
test_unknown_address_learns_nothing(void **state)
{
	char unknown[128], never[128];
	unique_email(unknown, sizeof unknown, "unknown-");
	/* Known to an institution, but never signed in: no code either. */
	char *who = person("Nooit Ingelogd", never);

	Triad__V1__Response *a = ask_code_at(&d, unknown);
	Triad__V1__Response *b = ask_code_at(&d, never);
	expect_status(a, CODE(OK), NULL, NULL);
	expect_status(b, CODE(OK), NULL, NULL);
	assert_int_equal(a->start_email_sign_in->expires_in_seconds,
			 b->start_email_sign_in->expires_in_seconds);
	rpc_free(a);
	rpc_free(b);
	assert_int_equal(owner_count("SELECT count(*) FROM notification"
				     " WHERE lower(recipient) = lower($1)", unknown), 0);
	assert_int_equal(owner_count("SELECT count(*) FROM notification WHERE recipient = $1",
				     never), 0);
	/* And any code for it is refused like a wrong one. */
	Triad__V1__Response *r = sign_in(unknown, "K7QD-9XRM-2HTW");
	expect_status(r, CODE(UNAUTHENTICATED), NULL, NULL);
	char refusal[512];
	snprintf(refusal, sizeof refusal, "%s", r->status->message);
	rpc_free(r);
	/* A malformed code is a different mistake, and says so. */
	expect_status_free(sign_in(unknown, "12345"), CODE(INVALID_ARGUMENT), NULL,
			   "sign_in_with_code.code");
	expect_status_free(ask_code_at(&d, "not-an-address"), CODE(INVALID_ARGUMENT), NULL,
			   "start_email_sign_in.email");

	char email[128], code[15];
	char *known = signed_in_person("Bram Dekker", email);
	ask_code(email);
	char *mail = sink_wait(&sink, email, "sign-in code", MAIL_MS);
	code_of(mail, code);
	free(mail);
	/* A wrong code for a known address: the very same refusal. */
	r = sign_in(email, code[0] == 'A' ? "B7QD-9XRM-2HTW" : "A7QD-9XRM-2HTW");
	expect_status(r, CODE(UNAUTHENTICATED), refusal, NULL);
	rpc_free(r);
	free(who);
	free(known);
}

static void
test_signin_code_attempts_are_bounded(void **state)
{
	char email[128], code[15];
	char *who = signed_in_person("Ilse Bos", email);
	ask_code(email);
	char *mail = sink_wait(&sink, email, "sign-in code", MAIL_MS);
	code_of(mail, code);
	free(mail);

	static const char *const wrong[] = {"AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC",
					    "DDDD-DDDD-DDDD", "EEEE-EEEE-EEEE"};
	for (size_t i = 0; i < 5; i++)
		expect_status_free(sign_in(email, wrong[i]), CODE(UNAUTHENTICATED), NULL, NULL);
	/* Five wrong guesses used the code up: now the right one fails too. */
	expect_status_free(sign_in(email, code), CODE(UNAUTHENTICATED), NULL, NULL);
	free(who);
}

/* Waits until n mails with a sign-in code went to email; returns the newest code. */
static void
nth_code(const char *email, int n, char code[15])
{
	uint64_t deadline = ms_now() + MAIL_MS;
	while (sink_count(&sink, email, "sign-in code") < n) {
		if (ms_now() > deadline)
			fail_msg("no sign-in code number %d to %s", n, email);
		usleep(20000);
	}
	char *mail = sink_wait(&sink, email, "sign-in code", MAIL_MS);
	code_of(mail, code);
	free(mail);
}

static void
test_signin_codes_are_few_and_the_newest_counts(void **state)
{
	char email[128], first[15], second[15], third[15];
	char *who = signed_in_person("Daan Peters", email);

	ask_code(email);
	nth_code(email, 1, first);
	ask_code(email);
	nth_code(email, 2, second);
	ask_code(email);
	/* A fourth in 15 minutes: the same answer, no code. */
	ask_code(email);
	assert_int_equal(owner_count("SELECT count(*) FROM signin_code WHERE person_id = $1::uuid",
				     who), 3);
	assert_int_equal(owner_count("SELECT count(*) FROM notification"
				     " WHERE kind = 'signin_code' AND recipient = $1", email), 3);

	/* The newest counts; the first was replaced. */
	nth_code(email, 3, third);
	assert_string_not_equal(first, third);
	assert_string_not_equal(second, third);
	expect_status_free(sign_in(email, first), CODE(UNAUTHENTICATED), NULL, NULL);
	expect_status_free(sign_in(email, third), CODE(OK), NULL, NULL);
	free(who);
}

static void
test_codes_per_network_address_are_limited(void **state)
{
	Triadd small;
	triadd_start(&small, "signin_codes_per_address = 2\n");
	char email[128];
	unique_email(email, sizeof email, "limit-");
	for (int i = 0; i < 2; i++) {
		Triad__V1__Response *r = ask_code_at(&small, email);
		expect_status_free(r, CODE(OK), NULL, NULL);
	}
	Triad__V1__Response *r = ask_code_at(&small, email);
	expect_status(r, CODE(RESOURCE_EXHAUSTED), NULL, NULL);
	expect_contains(r->status->message, "wait a minute");
	rpc_free(r);
	assert_int_equal(triadd_stop(&small, SIGTERM), 0);
	assert_true(triadd_log_contains(&small, "event=signin_code_rate_limited"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_mail_carries_the_code),
		cmocka_unit_test(test_feedback_request_mail_reaches_the_coach),
		cmocka_unit_test(test_overdue_request_is_reminded_once),
		cmocka_unit_test(test_enrollment_promotion_is_mailed),
		cmocka_unit_test(test_event_promotion_is_mailed),
		cmocka_unit_test(test_out_of_attempts_fails),
		cmocka_unit_test(test_relay_down_then_up),
		cmocka_unit_test(test_refused_recipient_fails_for_good),
		cmocka_unit_test(test_metrics_count_the_mail),
		cmocka_unit_test(test_signin_code_by_mail),
		cmocka_unit_test(test_unknown_address_learns_nothing),
		cmocka_unit_test(test_signin_code_attempts_are_bounded),
		cmocka_unit_test(test_signin_codes_are_few_and_the_newest_counts),
		cmocka_unit_test(test_codes_per_network_address_are_limited),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
