/*
 * test_privacy.c: a person's export of everything the service holds about
 * her, and her erasure from an institution and from the service, against
 * a real daemon and PostgreSQL.
 *
 * Zelda is known to two institutions, A and B. Everything she is called
 * and everything written by her or about her carries one marker, a string
 * no other test writes. After each erasure the test reads every row of
 * every table of the schema, as its owner (past row-level security), as
 * text, and in hex for bytes, for the marker: so a table added later that
 * keeps her name, e-mail address or words is caught without this file
 * knowing about it. And every column that refers to a person, a principal
 * or a member must have its line in triad_erasure_plan(), so a new one
 * cannot ship without a rule.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define BODY(req, KIND, field, msg)                                   \
	do {                                                          \
		(req).body_case = TRIAD__V1__REQUEST__BODY_##KIND;    \
		(req).field = &(msg);                                 \
	} while (0)

static Triadd d;
static Sess op;

/* One institution with what Zelda's data hangs on. */
typedef struct Inst {
	char slug[64];
	char *id;
	char *org;          /* her employer */
	char *programme;
	char *outcome;
	char *module;       /* an elective, for exemptions; its staff name her */
	char *cohort;
	char *run;
	char *session;
	char *event;
	char *admin_token;  /* an institution admin of this institution */
} Inst;

static Inst A, B;

/* Zelda, and the people around her. */
static char marker[64];          /* in all she is called or wrote */
static char z_name[128], z_email[160];
static char *z_person, *z_token, *z_enroll_a, *z_enroll_b, *z_relation;
static char *paul_enroll;        /* a participant she coaches */
static char *olga_person;        /* a participant with nothing to do with her */
static char other_marker[64];    /* in what Olga wrote: must survive */

/* ---- small helpers ---- */

static char *
strdup_ok(const char *s)
{
	return test_strdup(s);
}

static void
text_of(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "%s %s written for the test", what, marker);
}

static void
mk_inst(Inst *in, const char *stem)
{
	make_institution(&op, stem, "Privacy tests", in->slug);
	char *r = owner_sql("SELECT id FROM institution WHERE slug = $1", in->slug, NULL, NULL);
	in->id = r;
	in->org = make_org(&op, "Gemeente ", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);
	char code[32];
	static int n;
	snprintf(code, sizeof code, "PRV%d", ++n);
	in->programme = make_programme(&op, in->slug, code, 0);

	REQ(ro);
	Triad__V1__CreateLearningOutcomeRequest co = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	o.programme_id = in->programme;
	o.code = "LO1";
	o.description = "Leads a change in a public organisation";
	o.credits = 5;
	co.outcome = &o;
	BODY(ro, CREATE_LEARNING_OUTCOME, create_learning_outcome, co);
	Triad__V1__Response *resp = rpc_ok(&op, in->slug, &ro);
	in->outcome = strdup_ok(resp->learning_outcome->id);
	rpc_free(resp);

	REQ(rm);
	Triad__V1__CreateModuleRequest cm = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	char *staff[] = {z_name, "Dr. A. Jansen"};
	mod.programme_id = in->programme;
	mod.code = "M1";
	mod.name = "Public value";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 5;
	mod.staff = staff;
	mod.n_staff = 2;
	cm.module = &mod;
	BODY(rm, CREATE_MODULE, create_module, cm);
	resp = rpc_ok(&op, in->slug, &rm);
	in->module = strdup_ok(resp->module->id);
	rpc_free(resp);

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[64];
	test_unique(name, sizeof name, "Metropool ");
	c.programme_id = in->programme;
	c.name = name;
	c.starts_on = "2026-10-26";
	c.ends_on = "2028-04-30";
	cc.cohort = &c;
	BODY(rc, CREATE_COHORT, create_cohort, cc);
	resp = rpc_ok(&op, in->slug, &rc);
	in->cohort = strdup_ok(resp->cohort->id);
	rpc_free(resp);

	REQ(rr);
	Triad__V1__CreateRunRequest cr = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun run = TRIAD__V1__MODULE_RUN__INIT;
	run.module_id = in->module;
	run.cohort_id = in->cohort;
	run.capacity = 50;
	cr.run = &run;
	BODY(rr, CREATE_RUN, create_run, cr);
	resp = rpc_ok(&op, in->slug, &rr);
	in->run = strdup_ok(resp->run->id);
	rpc_free(resp);

	REQ(rs);
	Triad__V1__CreateSessionRequest cs = TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	Triad__V1__Session s = TRIAD__V1__SESSION__INIT;
	s.run_id = in->run;
	s.starts_at = "2026-10-26T09:00:00Z";
	s.title = "Kick-off";
	cs.session = &s;
	cs.record_history = true;   /* held: attendance is recorded for it */
	BODY(rs, CREATE_SESSION, create_session, cs);
	resp = rpc_ok(&op, in->slug, &rs);
	in->session = strdup_ok(resp->session->id);
	rpc_free(resp);

	REQ(re);
	Triad__V1__CreateEventRequest ce = TRIAD__V1__CREATE_EVENT_REQUEST__INIT;
	ce.kind = TRIAD__V1__EVENT_KIND__EVENT_KIND_SYMPOSIUM;
	ce.title = "Public leadership";
	ce.starts_at = "2031-10-01T12:00:00Z";
	ce.capacity = 80;
	field_give(&ce.base, "capacity");
	BODY(re, CREATE_EVENT, create_event, ce);
	resp = rpc_ok(&op, in->slug, &re);
	in->event = strdup_ok(resp->event->id);
	rpc_free(resp);

	char email[128], *admin;
	test_unique(email, sizeof email, "admin");
	strcat(email, "@example.org");
	admin = make_person(&op, in->slug, "Institution Admin", email);
	in->admin_token = invite_and_redeem(&op, d.addr, in->slug, admin,
					    TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN, 0, NULL);
	free(admin);
}

static char *
enroll(const Inst *in, const char *person, const char *employer, const char *change)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = in->cohort;
	m.employer_id = (char *)(employer != NULL ? employer : "");
	m.hours_per_week = 4;
	m.change_assignment = (char *)(change != NULL ? change : "");
	BODY(req, ENROLL, enroll, m);
	Triad__V1__Response *r = rpc_ok(&op, in->slug, &req);
	char *id = strdup_ok(r->enrollment->id);
	rpc_free(r);
	return id;
}

/* A relation of enrollment with coach, made by the operator; the coach
 * redeems its invite when one comes (into *token, when not NULL). */
static char *
relate(const Inst *in, const char *enrollment, const char *coach, char **token)
{
	REQ(req);
	Triad__V1__CreateRelationRequest m = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	m.enrollment_id = (char *)enrollment;
	m.coach_person_id = (char *)coach;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	BODY(req, CREATE_RELATION, create_relation, m);
	Triad__V1__Response *r = rpc_ok(&op, in->slug, &req);
	char *id = strdup_ok(r->create_relation->relation->id);
	if (token != NULL && r->create_relation->invite_code[0] != '\0') {
		int fd = tc_connect(d.addr);
		REQ(rd);
		Triad__V1__RedeemInviteRequest rm = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
		rm.code = r->create_relation->invite_code;
		rd.id = 7;
		BODY(rd, REDEEM_INVITE, redeem_invite, rm);
		tc_send(fd, &rd);
		Triad__V1__Response *t = tc_recv(fd, 10000, NULL);
		close(fd);
		assert_non_null(t);
		assert_int_equal(t->status->code, CODE(OK));
		*token = strdup_ok(t->redeem_invite->token);
		rpc_free(t);
	}
	rpc_free(r);
	return id;
}

static void
give_feedback(const char *token, const Inst *in, const char *relation, const char *situation)
{
	Sess s = sess_open(d.addr, token);
	REQ(req);
	Triad__V1__GiveFeedbackRequest m = TRIAD__V1__GIVE_FEEDBACK_REQUEST__INIT;
	m.relation_id = (char *)relation;
	m.situation = (char *)situation;
	m.behaviour = "You summarised both positions before proposing";
	m.effect = "The team agreed on a next step";
	m.suggestion = "Try it with the alderman too";
	BODY(req, GIVE_FEEDBACK, give_feedback, m);
	rpc_free(rpc_ok(&s, in->slug, &req));
	sess_close(&s);
}

/*
 * The tables of the schema (with institution: only those of one
 * institution, and only its rows) in which some row holds s, as text or
 * as bytes; space-separated, "" for none. Read as the schema's owner, so
 * row-level security hides nothing.
 */
static char *
tables_holding(const char *s, const char *institution)
{
	return owner_sql(
		"SELECT coalesce(string_agg(c.relname, ' ' ORDER BY c.relname), '')"
		"  FROM pg_class c"
		" WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'"
		"   AND (xpath('/row/n/text()', query_to_xml(format("
		"          'SELECT count(*) AS n FROM %I t WHERE (t::text ILIKE %L OR t::text ILIKE %L) %s',"
		"          c.relname, '%' || $1 || '%',"
		"          '%' || encode(convert_to($1, 'UTF8'), 'hex') || '%',"
		"          CASE WHEN $2 = '' THEN ''"
		"               WHEN EXISTS (SELECT 1 FROM pg_attribute a"
		"                             WHERE a.attrelid = c.oid AND NOT a.attisdropped"
		"                               AND a.attname = 'institution_id')"
		"               THEN format('AND t.institution_id = %L::uuid', $2)"
		"               ELSE 'AND false' END), false, true, '')))[1]::text::int > 0",
		s, institution != NULL ? institution : "", NULL);
}

static long
count_sql(const char *sql, const char *p1, const char *p2)
{
	char *v = owner_sql(sql, p1, p2, NULL);
	long n = v != NULL ? atol(v) : -1;
	free(v);
	return n;
}

static Triad__V1__Response *
erase(Sess *s, const char *inst, const char *who)
{
	REQ(req);
	Triad__V1__ErasePersonRequest m = TRIAD__V1__ERASE_PERSON_REQUEST__INIT;
	m.person = (char *)who;
	BODY(req, ERASE_PERSON, erase_person, m);
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
export(Sess *s)
{
	REQ(req);
	Triad__V1__ExportMyDataRequest m = TRIAD__V1__EXPORT_MY_DATA_REQUEST__INIT;
	BODY(req, EXPORT_MY_DATA, export_my_data, m);
	return rpc(s, NULL, &req);
}

/* ---- the world ---- */

static int
setup(void **state)
{
	char buf[512];
	(void)state;

	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	test_unique(marker, sizeof marker, "qmk");
	test_unique(other_marker, sizeof other_marker, "olgamk");
	snprintf(z_name, sizeof z_name, "Zelda %s", marker);
	snprintf(z_email, sizeof z_email, "%s@example.org", marker);

	mk_inst(&A, "priva");
	mk_inst(&B, "privb");

	/* Zelda: a person of both, created in A with a key (so the stored
	 * answer holds her), a participant in both. */
	REQ(cp);
	Triad__V1__CreatePersonRequest pm = TRIAD__V1__CREATE_PERSON_REQUEST__INIT;
	pm.name = z_name;
	pm.email = z_email;
	cp.idempotency_key = marker;
	BODY(cp, CREATE_PERSON, create_person, pm);
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &cp);
	z_person = strdup_ok(r->person->id);
	rpc_free(r);
	free(make_person(&op, B.slug, z_name, z_email));
	text_of(buf, sizeof buf, "Reorganise the ward of");
	z_enroll_a = enroll(&A, z_person, A.org, buf);
	z_enroll_b = enroll(&B, z_person, NULL, NULL);
	z_token = invite_and_redeem(&op, d.addr, A.slug, z_person,
				    TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	free(invite_and_redeem(&op, d.addr, B.slug, z_person, TRIAD__V1__ROLE__ROLE_PARTICIPANT,
			       0, NULL));
	/* An invite she has not used yet, in B. */
	REQ(iv);
	Triad__V1__CreateInviteRequest im = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	im.person_id = z_person;
	im.role = TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH;
	BODY(iv, CREATE_INVITE, create_invite, im);
	rpc_free(rpc_ok(&op, B.slug, &iv));

	Sess z = sess_open(d.addr, z_token);

	/* A token of her own, with a label that names her. */
	REQ(ct);
	Triad__V1__CreateTokenRequest tm = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	text_of(buf, sizeof buf, "laptop of");
	tm.label = buf;
	BODY(ct, CREATE_TOKEN, create_token, tm);
	rpc_free(rpc_ok(&z, NULL, &ct));

	/* Prior learning, in both institutions. */
	for (int k = 0; k < 2; k++) {
		Inst *in = k == 0 ? &A : &B;
		REQ(cl);
		Triad__V1__ClaimPriorLearningRequest c = TRIAD__V1__CLAIM_PRIOR_LEARNING_REQUEST__INIT;
		text_of(buf, sizeof buf, "I led the merger of two teams, evidence by");
		c.outcome_id = in->outcome;
		c.evidence = buf;
		BODY(cl, CLAIM_PRIOR_LEARNING, claim_prior_learning, c);
		rpc_free(rpc_ok(&z, in->slug, &cl));
	}

	/* A coach, a question to him, and his feedback about her. */
	char email[128], *carl, *carl_token = NULL;
	test_unique(email, sizeof email, "carl");
	strcat(email, "@example.org");
	carl = make_person(&op, A.slug, "Carl Coach", email);
	z_relation = relate(&A, z_enroll_a, carl, &carl_token);
	REQ(rq);
	Triad__V1__RequestFeedbackRequest q = TRIAD__V1__REQUEST_FEEDBACK_REQUEST__INIT;
	text_of(buf, sizeof buf, "How did I chair the meeting? asks");
	q.relation_id = z_relation;
	q.question = buf;
	BODY(rq, REQUEST_FEEDBACK, request_feedback, q);
	rpc_free(rpc_ok(&z, A.slug, &rq));
	text_of(buf, sizeof buf, "Tuesday's meeting, chaired by");
	give_feedback(carl_token, &A, z_relation, buf);

	/* Consent for her employer, and its contact's judgement about her. */
	REQ(sc);
	Triad__V1__SetConsentRequest cm = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	cm.enrollment_id = z_enroll_a;
	cm.organisation_id = A.org;
	cm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL;
	BODY(sc, SET_CONSENT, set_consent, cm);
	rpc_free(rpc_ok(&z, A.slug, &sc));
	test_unique(email, sizeof email, "erik");
	strcat(email, "@example.org");
	char *erik = make_person(&op, A.slug, "Erik Employer", email);
	char *erik_token = invite_and_redeem(&op, d.addr, A.slug, erik,
					     TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, A.org);
	Sess es = sess_open(d.addr, erik_token);
	REQ(aj);
	Triad__V1__AddAdvisoryJudgementRequest jm = TRIAD__V1__ADD_ADVISORY_JUDGEMENT_REQUEST__INIT;
	text_of(buf, sizeof buf, "The intervention worked well, thanks to");
	jm.enrollment_id = z_enroll_a;
	jm.subject = "intervention";
	jm.text = buf;
	BODY(aj, ADD_ADVISORY_JUDGEMENT, add_advisory_judgement, jm);
	rpc_free(rpc_ok(&es, A.slug, &aj));
	sess_close(&es);

	/* An exemption with a reason about her, and a block resolved by staff. */
	REQ(ex);
	Triad__V1__RecordExemptionRequest xm = TRIAD__V1__RECORD_EXEMPTION_REQUEST__INIT;
	text_of(buf, sizeof buf, "Already a certified project leader:");
	xm.person_id = z_person;
	xm.module_id = A.module;
	xm.reason = buf;
	BODY(ex, RECORD_EXEMPTION, record_exemption, xm);
	rpc_free(rpc_ok(&op, A.slug, &ex));
	text_of(buf, sizeof buf, "Talked it through with");
	free(owner_sql("UPDATE enrollment SET block_resolution = $2 WHERE id = $1::uuid",
		       z_enroll_a, buf, NULL));

	/* Attendance, an event registration and a topic she suggests. */
	REQ(at);
	Triad__V1__RecordAttendanceRequest am = TRIAD__V1__RECORD_ATTENDANCE_REQUEST__INIT;
	am.session_id = A.session;
	am.enrollment_id = z_enroll_a;
	am.status = TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
	BODY(at, RECORD_ATTENDANCE, record_attendance, am);
	Triad__V1__Response *att = rpc(&op, A.slug, &at);
	/* The session may lie ahead: attendance is then refused, which is fine. */
	rpc_free(att);
	REQ(rg);
	Triad__V1__RegisterForEventRequest gm = TRIAD__V1__REGISTER_FOR_EVENT_REQUEST__INIT;
	gm.event_id = A.event;
	BODY(rg, REGISTER_FOR_EVENT, register_for_event, gm);
	rpc_free(rpc_ok(&z, A.slug, &rg));
	REQ(st);
	Triad__V1__SuggestTopicRequest sm = TRIAD__V1__SUGGEST_TOPIC_REQUEST__INIT;
	text_of(buf, sizeof buf, "Night shifts, suggested by");
	sm.event_id = A.event;
	sm.text = buf;
	BODY(st, SUGGEST_TOPIC, suggest_topic, sm);
	rpc_free(rpc_ok(&z, A.slug, &st));

	/* The learning community of her cohort. */
	REQ(cc);
	Triad__V1__CreateCommunityRequest ccm = TRIAD__V1__CREATE_COMMUNITY_REQUEST__INIT;
	char cname[96];
	test_unique(cname, sizeof cname, "Metropool community ");
	ccm.name = cname;
	ccm.kind = TRIAD__V1__COMMUNITY_KIND__COMMUNITY_KIND_COHORT;
	ccm.cohort_id = A.cohort;
	ccm.starts_on = "2026-10-26";
	BODY(cc, CREATE_COMMUNITY, create_community, ccm);
	r = rpc_ok(&op, A.slug, &cc);
	char *community = strdup_ok(r->community->id);
	rpc_free(r);
	REQ(acm);
	Triad__V1__AddCommunityMemberRequest am2 = TRIAD__V1__ADD_COMMUNITY_MEMBER_REQUEST__INIT;
	am2.community_id = community;
	am2.person_id = z_person;
	am2.role = TRIAD__V1__COMMUNITY_ROLE__COMMUNITY_ROLE_MEMBER;
	am2.affiliation = TRIAD__V1__AFFILIATION__AFFILIATION_PARTICIPANT;
	BODY(acm, ADD_COMMUNITY_MEMBER, add_community_member, am2);
	rpc_free(rpc_ok(&op, A.slug, &acm));
	free(community);

	/* Her name where staff wrote it: an agreement's contacts, minutes. */
	REQ(ca);
	Triad__V1__CreateAgreementRequest cam = TRIAD__V1__CREATE_AGREEMENT_REQUEST__INIT;
	Triad__V1__Agreement ag = TRIAD__V1__AGREEMENT__INIT;
	char contact[160];
	snprintf(contact, sizeof contact, "%s (HR)", z_name);
	char *contacts[] = {contact, "J. de Wit"};
	ag.organisation_id = A.org;
	ag.kind = TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_COVENANT;
	ag.starts_on = "2026-01-01";
	ag.contacts = contacts;
	ag.n_contacts = 2;
	cam.agreement = &ag;
	BODY(ca, CREATE_AGREEMENT, create_agreement, cam);
	rpc_free(rpc_ok(&op, A.slug, &ca));
	REQ(cb);
	Triad__V1__CreateBoardRequest cbm = TRIAD__V1__CREATE_BOARD_REQUEST__INIT;
	char bname[96];
	test_unique(bname, sizeof bname, "Werkveldcommissie ");
	cbm.name = bname;
	cbm.kind = TRIAD__V1__BOARD_KIND__BOARD_KIND_WORK_FIELD;
	BODY(cb, CREATE_BOARD, create_board, cbm);
	r = rpc_ok(&op, A.slug, &cb);
	char *board = strdup_ok(r->board->id);
	rpc_free(r);
	REQ(bm);
	Triad__V1__CreateBoardMeetingRequest bmm = TRIAD__V1__CREATE_BOARD_MEETING_REQUEST__INIT;
	snprintf(buf, sizeof buf, "Present: J. de Wit, %s. %s reported on the pilot.", z_name,
		 z_email);
	bmm.board_id = board;
	bmm.held_on = "2026-03-01";
	bmm.minutes = buf;
	BODY(bm, CREATE_BOARD_MEETING, create_board_meeting, bmm);
	rpc_free(rpc_ok(&op, A.slug, &bm));
	free(board);

	/* She coaches Paul, and writes about him. */
	test_unique(email, sizeof email, "paul");
	strcat(email, "@example.org");
	char *paul = make_person(&op, A.slug, "Paul Participant", email);
	paul_enroll = enroll(&A, paul, NULL, NULL);
	char *zr = relate(&A, paul_enroll, z_person, NULL);
	sess_close(&z);
	free(z_token);
	/* The coach grant changed her roles: sign in again. */
	z_token = invite_and_redeem(&op, d.addr, A.slug, z_person,
				    TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	text_of(buf, sizeof buf, "Paul's presentation, observed by");
	give_feedback(z_token, &A, zr, buf);
	free(zr);
	free(paul);

	/* Olga, who has nothing to do with her, and her own words. */
	test_unique(email, sizeof email, "olga");
	strcat(email, "@example.org");
	olga_person = make_person(&op, A.slug, "Olga Other", email);
	char *olga_enroll = enroll(&A, olga_person, NULL, other_marker);
	free(olga_enroll);

	free(carl);
	free(carl_token);
	free(erik);
	free(erik_token);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- export ---- */

/* Her export holds what both institutions hold about her, and no one else's. */
static void
test_export_holds_everything(void **state)
{
	char want[512];
	(void)state;

	Sess z = sess_open(d.addr, z_token);
	Triad__V1__Response *r = export(&z);
	expect_status(r, CODE(OK), NULL, NULL);
	const char *doc = r->my_data->document;

	snprintf(want, sizeof want, "\"name\" : \"%s\"", z_name);
	expect_contains(doc, want);
	snprintf(want, sizeof want, "\"email\" : \"%s\"", z_email);
	expect_contains(doc, want);
	snprintf(want, sizeof want, "\"institution\" : \"%s\"", A.slug);
	expect_contains(doc, want);
	snprintf(want, sizeof want, "\"institution\" : \"%s\"", B.slug);
	expect_contains(doc, want);
	expect_contains(doc, "I led the merger of two teams");          /* claims */
	expect_contains(doc, "How did I chair the meeting? asks");      /* her question */
	expect_contains(doc, "Tuesday's meeting, chaired by");          /* feedback about her */
	expect_contains(doc, "\"coach\" : \"Carl Coach\"");
	expect_contains(doc, "\"level\" : \"full\"");                   /* consent */
	expect_contains(doc, "The intervention worked well");           /* judgement */
	expect_contains(doc, "Already a certified project leader");     /* exemption */
	expect_contains(doc, "Reorganise the ward of");                 /* change assignment */
	expect_contains(doc, "Night shifts, suggested by");             /* topic */
	expect_contains(doc, "\"event\" : \"Public leadership\"");      /* registration */
	expect_contains(doc, "Metropool community");                    /* community */
	expect_contains(doc, "Paul's presentation, observed by");       /* what she wrote */
	expect_contains(doc, "\"participant\" : \"Paul Participant\""); /* whom she coaches */
	expect_contains(doc, "\"action\" : \"claim.create\"");          /* audit about her */
	expect_contains(doc, "\"action\" : \"person.create\"");
	expect_contains(doc, "\"hours_per_week\" : 4");                 /* numbers as numbers */
	expect_contains(doc, "laptop of");                              /* her tokens */
	expect_contains(doc, "\"prefix\" : ");
	expect_lacks(doc, z_token);                                     /* but no secret */
	/* Not Olga's. */
	expect_lacks(doc, "Olga Other");
	expect_lacks(doc, other_marker);
	rpc_free(r);
	sess_close(&z);
}

/* Only a person has data of her own; a partner system is told so. */
static void
test_export_needs_a_person(void **state)
{
	char name[80];
	(void)state;

	char *machine = make_machine(&op, A.slug, NULL, "privacy-sync-", name);
	Sess m = sess_open(d.addr, machine);
	Triad__V1__Response *r = export(&m);
	expect_status_free(r, CODE(FAILED_PRECONDITION),
			   "only a person has data to export, and this sign-in is not a person's "
			   "(a partner system, or the operator of triadd bootstrap)", NULL);
	sess_close(&m);
	free(machine);
	expect_status_free(export(&op), CODE(FAILED_PRECONDITION), NULL, NULL);

	/* Someone else gets her own data, none of Zelda's. */
	char email[128];
	test_unique(email, sizeof email, "nina");
	strcat(email, "@example.org");
	char *nina = make_person(&op, A.slug, "Nina Neighbour", email);
	char *token = invite_and_redeem(&op, d.addr, A.slug, nina,
					TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	Sess n = sess_open(d.addr, token);
	r = export(&n);
	expect_status(r, CODE(OK), NULL, NULL);
	expect_contains(r->my_data->document, email);
	expect_lacks(r->my_data->document, marker);
	rpc_free(r);
	sess_close(&n);
	free(nina);
	free(token);
}

/* ---- erasure ---- */

static long a_enrollments, a_feedback, a_attendance, a_registrations;

/* An institution admin erases her from A; B keeps her. */
static void
test_erase_from_institution(void **state)
{
	(void)state;
	char *held;

	/* Before: the marker is in A, and in the answer kept for the key she
	 * was added with. */
	held = tables_holding(marker, A.id);
	expect_contains(held, "feedback");
	expect_contains(held, "prior_learning_claim");
	free(held);
	held = tables_holding(marker, NULL);
	expect_contains(held, "idempotency_key");
	free(held);
	a_enrollments = count_sql("SELECT count(*) FROM enrollment WHERE cohort_id = $1::uuid",
				  A.cohort, NULL);
	a_feedback = count_sql("SELECT count(*) FROM feedback WHERE institution_id = $1::uuid",
			       A.id, NULL);
	a_attendance = count_sql("SELECT count(*) FROM attendance WHERE institution_id = $1::uuid",
				 A.id, NULL);
	a_registrations = count_sql("SELECT count(*) FROM event_registration"
				    " WHERE event_id = $1::uuid", A.event, NULL);

	/* Not by the admin of B, where A does not exist for her. */
	Sess adm_b = sess_open(d.addr, B.admin_token);
	expect_status_free(erase(&adm_b, A.slug, z_email), CODE(NOT_FOUND), NULL, "institution");
	sess_close(&adm_b);

	Sess adm = sess_open(d.addr, A.admin_token);
	Triad__V1__Response *r = erase(&adm, A.slug, z_email);
	expect_status(r, CODE(OK), NULL, NULL);
	const Triad__V1__ErasePersonReply *e = r->erasure;
	assert_int_equal(e->n_institutions, 1);
	assert_string_equal(e->institutions[0], A.slug);
	assert_false(e->erased_from_service);
	assert_int_equal(e->enrollments_kept, 1);
	assert_int_equal(e->grants_revoked, 2);       /* participant and coach */
	assert_true(e->texts_erased >= 9);
	assert_string_not_equal(e->person_id, z_person);
	char *anonymous = strdup_ok(e->person_id);
	rpc_free(r);

	/* Nothing of hers is left in A: not her name, e-mail or words; nor an
	 * answer kept for a repeat that shows her. */
	held = tables_holding(marker, A.id);
	assert_string_equal(held, "");
	free(held);
	held = tables_holding(marker, NULL);
	expect_lacks(held, "idempotency_key");
	free(held);
	/* What counts still counts. */
	assert_int_equal(count_sql("SELECT count(*) FROM enrollment WHERE cohort_id = $1::uuid",
				   A.cohort, NULL), a_enrollments);
	assert_int_equal(count_sql("SELECT count(*) FROM feedback WHERE institution_id = $1::uuid",
				   A.id, NULL), a_feedback);
	assert_int_equal(count_sql("SELECT count(*) FROM attendance WHERE institution_id = $1::uuid",
				   A.id, NULL), a_attendance);
	assert_int_equal(count_sql("SELECT count(*) FROM event_registration"
				   " WHERE event_id = $1::uuid", A.event, NULL), a_registrations);
	assert_int_equal(count_sql("SELECT count(*) FROM enrollment WHERE id = $1::uuid"
				   " AND person_id = $2::uuid", z_enroll_a, anonymous), 1);
	/* Olga's words are hers and stay, with the event stream's copy. */
	held = tables_holding(other_marker, A.id);
	assert_string_equal(held, "domain_event enrollment");
	free(held);
	/* The erasure is in A's trail, about the anonymous person. */
	assert_int_equal(count_sql("SELECT count(*) FROM audit_event WHERE institution_id = $1::uuid"
				   " AND action = 'person.erase' AND resource_id = $2",
				   A.id, anonymous), 1);
	assert_int_equal(count_sql("SELECT count(*) FROM audit_event WHERE resource_id = $1",
				   z_person, NULL) > 0, 1);   /* B's rows still name her */

	/* A knows her no more; B does. */
	REQ(gp);
	Triad__V1__GetPersonRequest gm = TRIAD__V1__GET_PERSON_REQUEST__INIT;
	gm.id = z_person;
	BODY(gp, GET_PERSON, get_person, gm);
	expect_status_free(rpc(&adm, A.slug, &gp), CODE(NOT_FOUND),
			   "person not found in this institution", NULL);
	rpc_free(rpc_ok(&op, B.slug, &gp));
	held = tables_holding(marker, B.id);
	expect_contains(held, "prior_learning_claim");
	free(held);
	/* Erasing her from A again: she is not there. */
	expect_status_free(erase(&adm, A.slug, z_email), CODE(NOT_FOUND), NULL,
			   "erase_person.person");
	sess_close(&adm);

	/* Her own export now holds B only. */
	Sess z = sess_open(d.addr, z_token);
	Triad__V1__Response *x = export(&z);
	expect_status(x, CODE(OK), NULL, NULL);
	expect_contains(x->my_data->document, B.slug);
	expect_lacks(x->my_data->document, A.slug);
	expect_lacks(x->my_data->document, "Tuesday's meeting");
	rpc_free(x);
	sess_close(&z);
	free(anonymous);
}

/* The operator erases her from the service: nothing anywhere names her. */
static void
test_erase_from_service(void **state)
{
	(void)state;
	char *held;

	held = tables_holding(marker, NULL);
	expect_contains(held, "person");
	expect_contains(held, "api_token");
	free(held);

	Triad__V1__Response *r = erase(&op, NULL, z_person);
	expect_status(r, CODE(OK), NULL, NULL);
	const Triad__V1__ErasePersonReply *e = r->erasure;
	assert_int_equal(e->n_institutions, 1);
	assert_string_equal(e->institutions[0], B.slug);
	assert_true(e->erased_from_service);
	assert_string_equal(e->person_id, z_person);
	assert_int_equal(e->invites_revoked, 1);
	assert_true(e->tokens_revoked >= 3);
	rpc_free(r);

	/* Every column of every table, as the owner: her marker is gone. */
	held = tables_holding(marker, NULL);
	assert_string_equal(held, "");
	free(held);
	/* The service's trail says so, with nothing of hers but an id. */
	assert_int_equal(count_sql("SELECT count(*) FROM service_audit_event"
				   " WHERE action = 'person.erase' AND resource_id = $1", z_person,
				   NULL), 1);
	assert_int_equal(count_sql("SELECT count(*) FROM person WHERE id = $1::uuid"
				   " AND erased_at IS NOT NULL", z_person, NULL), 1);
	/* Her tokens no longer open a session. */
	int fd = tc_connect(d.addr);
	tc_send_hello_token(fd, 1, z_token);
	Triad__V1__Response *h = tc_recv(fd, 10000, NULL);
	assert_non_null(h);
	assert_int_equal(h->status->code, CODE(UNAUTHENTICATED));
	rpc_free(h);
	close(fd);
	/* Gone by e-mail and by id. */
	expect_status_free(erase(&op, NULL, z_email), CODE(NOT_FOUND), NULL, "erase_person.person");
	expect_status_free(erase(&op, NULL, z_person), CODE(NOT_FOUND), NULL,
			   "erase_person.person");
}

/* Who may not, and what may not be erased. */
static void
test_erase_refusals(void **state)
{
	char email[128];
	(void)state;

	test_unique(email, sizeof email, "refusal");
	strcat(email, "@example.org");
	char *person = make_person(&op, A.slug, "Rita Refusal", email);
	char *token = invite_and_redeem(&op, d.addr, A.slug, person,
					TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);

	/* A participant may not erase, not even herself. */
	Sess p = sess_open(d.addr, token);
	Triad__V1__Response *r = erase(&p, A.slug, email);
	expect_status(r, CODE(PERMISSION_DENIED), NULL, NULL);
	expect_contains(r->status->message, "you may not erase persons");
	rpc_free(r);
	sess_close(&p);

	/* An admin erases in her institution only: without naming it, in
	 * hers; never the whole service; never herself. */
	Sess adm = sess_open(d.addr, A.admin_token);
	char *admin_email = owner_sql(
		"SELECT p.email FROM person p JOIN principal pr ON pr.person_id = p.id"
		"  JOIN api_token t ON t.principal_id = pr.id WHERE t.prefix = left($1, 12)",
		A.admin_token, NULL, NULL);
	expect_status_free(erase(&adm, A.slug, admin_email), CODE(FAILED_PRECONDITION),
			   "you cannot erase yourself; ask an institution admin or an operator",
			   NULL);
	expect_status_free(erase(&adm, A.slug, ""), CODE(INVALID_ARGUMENT), NULL,
			   "erase_person.person");
	expect_status_free(erase(&adm, A.slug, "nobody-at-all@example.org"), CODE(NOT_FOUND),
			   "person nobody-at-all@example.org not found in this institution",
			   "erase_person.person");
	/* Someone of B only is not found in A. */
	char bmail[128];
	test_unique(bmail, sizeof bmail, "bonly");
	strcat(bmail, "@example.org");
	free(make_person(&op, B.slug, "Bert B", bmail));
	expect_status_free(erase(&adm, A.slug, bmail), CODE(NOT_FOUND), NULL,
			   "erase_person.person");
	/* Her grants are all in A: naming none is A, not the service. */
	r = erase(&adm, NULL, email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->erasure->n_institutions, 1);
	assert_string_equal(r->erasure->institutions[0], A.slug);
	assert_true(r->erasure->erased_from_service);  /* A was all that knew her */
	rpc_free(r);
	sess_close(&adm);

	/* An operator is not erased (only triadd bootstrap makes one; here the
	 * owner makes a person one, and undoes it). */
	char omail[128];
	test_unique(omail, sizeof omail, "oper");
	strcat(omail, "@example.org");
	char *oper = make_person(&op, A.slug, "Otto Operator", omail);
	char *otoken = invite_and_redeem(&op, d.addr, A.slug, oper,
					 TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	free(owner_sql("INSERT INTO operator (principal_id)"
		       " SELECT id FROM principal WHERE person_id = $1::uuid", oper, NULL, NULL));
	expect_status_free(erase(&op, NULL, omail), CODE(FAILED_PRECONDITION),
			   "an operator cannot be erased", NULL);
	free(owner_sql("DELETE FROM operator"
		       " WHERE principal_id = (SELECT id FROM principal WHERE person_id = $1::uuid)",
		       oper, NULL, NULL));
	free(oper);
	free(otoken);
	free(admin_email);
	free(person);
	free(token);
}

/*
 * Every column that refers to a person, a principal or a member has its
 * rule in triad_erasure_plan(): a table added later that refers to a person
 * fails here until the erasure says what it does with it.
 */
static void
test_erasure_plan_covers_every_reference(void **state)
{
	(void)state;
	char *missing = owner_sql(
		"SELECT coalesce(string_agg(DISTINCT r.relname || '.' || a.attname, ' '), '')"
		"  FROM pg_constraint c"
		"  JOIN pg_class r ON r.oid = c.conrelid"
		"  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
		" WHERE c.contype = 'f'"
		"   AND c.confrelid IN ('person'::regclass, 'principal'::regclass, 'member'::regclass)"
		"   AND a.attname <> 'institution_id'"
		"   AND NOT EXISTS (SELECT 1 FROM triad_erasure_plan() p"
		"                    WHERE p.table_name = r.relname AND p.column_name = a.attname)",
		NULL, NULL, NULL);
	if (missing[0] != '\0')
		fail_msg("no rule in triad_erasure_plan() for: %s", missing);
	free(missing);
}

/*
 * The daemon's role reaches the erasure only through triad_person_erase(),
 * which checks who asks: its helpers, which would act on any institution,
 * refuse to run for it on their own.
 */
static void
test_erasure_helpers_refuse_the_daemon_role(void **state)
{
	(void)state;
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_DB"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	const char *params[1] = {A.id};
	PGresult *r = PQexecParams(pg, "SELECT triad_erase_in($1::uuid, gen_random_uuid(), NULL, 1)",
				   1, NULL, params, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	expect_contains(PQresultErrorMessage(r), "erasure runs only through triad_person_erase()");
	PQclear(r);
	r = PQexec(pg, "SELECT triad_erase_words('person'::regclass, NULL, ARRAY['x@example.org'])");
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	PQclear(r);
	PQfinish(pg);
}

/* ---- the client ---- */

/* A participant exports her data with the client; an admin erases her. */
static void
test_client_export_and_erase(void **state)
{
	char out[65536], cmd[512], email[128], path[256];
	struct stat st;
	(void)state;

	test_unique(email, sizeof email, "ada");
	strcat(email, "@example.org");
	char *person = make_person(&op, A.slug, "Ada Lovelace", email);
	char *token = invite_and_redeem(&op, d.addr, A.slug, person,
					TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);

	triad_cli_ok(d.addr, token, "me export", out, sizeof out);
	expect_contains(out, "\"person\": {\n    \"id\": ");
	expect_contains(out, email);
	expect_contains(out, "\"institutions\": [\n");
	triad_cli_ok(d.addr, token, "--json me export", out, sizeof out);
	assert_int_equal(out[0], '{');
	assert_string_equal(strchr(out, '\n'), "\n");
	harness_tmp_path(path, sizeof path, "ada.json");
	snprintf(cmd, sizeof cmd, "me export --output %s", path);
	triad_cli_ok(d.addr, token, cmd, out, sizeof out);
	expect_contains(out, "only you can read");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Erasing asks for --yes; then it is done, once. */
	snprintf(cmd, sizeof cmd, "--institution %s person erase %s", A.slug, email);
	assert_int_equal(triad_cli(d.addr, A.admin_token, cmd, out, sizeof out), 2);
	expect_contains(out, "cannot be undone; add --yes");
	snprintf(cmd, sizeof cmd, "--institution %s person erase %s --yes", A.slug, email);
	triad_cli_ok(d.addr, A.admin_token, cmd, out, sizeof out);
	char want[256];
	snprintf(want, sizeof want, "Erased from %s, and from the service: 0 enrollments kept "
		 "anonymously, 0 texts removed, 1 grant and 0 invites revoked, 1 token revoked.\n"
		 "What is left refers to person ", A.slug);
	expect_contains(out, want);
	snprintf(cmd, sizeof cmd, "--json --institution %s person erase %s --yes", A.slug, email);
	assert_int_equal(triad_cli(d.addr, A.admin_token, cmd, out, sizeof out), 1);
	expect_contains(out, "{\"code\":\"NOT_FOUND\",\"message\":\"person ");
	expect_contains(out, "\"field\":\"erase_person.person\"}");

	/* Her token is revoked: the client says so, and exits 4. */
	assert_int_equal(triad_cli(d.addr, token, "me export", out, sizeof out), 4);
	expect_lacks(out, email);
	free(person);
	free(token);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_holds_everything),
		cmocka_unit_test(test_export_needs_a_person),
		cmocka_unit_test(test_erase_from_institution),
		cmocka_unit_test(test_erase_from_service),
		cmocka_unit_test(test_erase_refusals),
		cmocka_unit_test(test_erasure_plan_covers_every_reference),
		cmocka_unit_test(test_erasure_helpers_refuse_the_daemon_role),
		cmocka_unit_test(test_client_export_and_erase),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
