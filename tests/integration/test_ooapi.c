/*
 * test_ooapi.c: the standards port (ooapi_listen) from the outside.
 *
 * Builds an institution's data through the protocol and the client as
 * people would (a programme, a module, a cohort with a run of two seats
 * and a session, four enrollments in four states, attendance, a coach's
 * feedback, a submitted logbook chapter, verified internship hours), adds
 * a synthetic certificate.issued event (certificates are issued by a
 * later release; its mapping is ready), then runs tests/standards/check.js,
 * which requests every OOAPI endpoint served over TLS with real tokens and
 * validates each body against the OOAPI v5 OpenAPI document, pulls the
 * xAPI statements, validates them with xapi-validation and posts them to
 * an in-memory LRS (see that file). Its npm packages are installed by
 * tests/run.sh (tests/standards/node_modules).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT

static Triadd d;
static Sess op;
static char A[64], B[64], ooapi_addr[64];
static char out[65536];

static void
day_str(char buf[11], int delta)
{
	time_t t = time(NULL) + (time_t)delta * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

static void
person_of(const char *stem, char name[80], char email[128], char **id)
{
	test_unique(name, 80, stem);
	snprintf(email, 128, "%s@example.org", name);
	for (char *c = email; *c; c++)
		if (*c == ' ')
			*c = '.';
	*id = make_person(&op, A, name, email);
}

/* Runs the client as token at institution A with args; the "id" of its
 * JSON answer goes to id (may be NULL). */
static void
cli(const char *token, const char *args, char id[64])
{
	char full[2048];
	snprintf(full, sizeof full, "--institution %s --json %s", A, args);
	triad_cli_ok(d.addr, token, full, out, sizeof out);
	if (id != NULL)
		json_string(out, "id", id, 64);
}

static char *
enroll(const char *person, const char *cohort, const char *employer)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = (char *)cohort;
	if (employer != NULL)
		m.employer_id = (char *)employer;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	Triad__V1__Response *r = rpc_ok(&op, A, &req);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	return id;
}

/* The address the daemon's log says the standards port took. */
static void
find_ooapi_addr(void)
{
	FILE *f = fopen(d.log, "r");
	char line[1024];
	assert_non_null(f);
	ooapi_addr[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = strstr(line, "event=ooapi_listening addr=");
		if (p != NULL)
			sscanf(p + strlen("event=ooapi_listening addr="), "%63s", ooapi_addr);
	}
	fclose(f);
	if (ooapi_addr[0] == '\0')
		fail_msg("the daemon did not log event=ooapi_listening");
}

static void
test_standards_port(void **state)
{
	(void)state;
	char args[2048], cohort_name[64], cohort[64], run[64], session[64], chapter[256];
	char anna_name[80], anna_email[128], coach_name[80], coach_email[128], sup_name[80];
	char sup_email[128], name[80], email[128], staff_name[80], staff_email[128];
	char d9[11], d_start[11], d_end[11], pname[80];
	char *anna, *bram, *carla, *eve, *coach, *sup, *staff, *extra;

	triadd_start(&d, "ooapi_listen = 127.0.0.1:0\nooapi_contact_email = ooapi@example.org\n");
	find_ooapi_addr();
	op = sess_open(d.addr, test_token());
	make_institution(&op, "ooapi-a", "OOAPI College", A);
	make_institution(&op, "ooapi-b", "Other College", B);
	char *programme = make_programme(&op, A, "OOA", 0);
	char *other_programme = make_programme(&op, B, "OOB", 0);
	const char *opt = test_token();

	cli(opt, "module create --programme OOA --code M1 --name 'De stad als opgave' "
		 "--kind core --sequence 1 --credits 5", NULL);
	char module[64];
	json_string(out, "id", module, sizeof module);
	test_unique(cohort_name, sizeof cohort_name, "OOA 2026");
	snprintf(args, sizeof args, "cohort create --programme OOA --name '%s' --starts 2026-01-05 "
		 "--ends 2027-12-17", cohort_name);
	cli(opt, args, cohort);
	snprintf(args, sizeof args, "run create --module M1 --cohort '%s' --capacity 2", cohort_name);
	cli(opt, args, run);
	snprintf(args, sizeof args, "run session add %s --at '2026-11-02 09:30' --history "
		 "--title 'Kick-off'", run);
	cli(opt, args, session);

	char *org = make_org(&op, "Gemeente Utrecht",
			     TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);
	person_of("Anna Jansen", anna_name, anna_email, &anna);
	person_of("Bram de Vries", name, email, &bram);
	person_of("Carla Smit", name, email, &carla);
	person_of("Eve Bakker", name, email, &eve);
	char *e_anna = enroll(anna, cohort, org);
	char *e_bram = enroll(bram, cohort, NULL);
	char *e_carla = enroll(carla, cohort, NULL);     /* the run is full: waitlisted */
	char *e_eve = enroll(eve, cohort, NULL);
	snprintf(args, sizeof args, "enrollment move %s intake-planned", e_anna);
	cli(opt, args, NULL);
	snprintf(args, sizeof args, "enrollment move %s admitted", e_anna);
	cli(opt, args, NULL);
	snprintf(args, sizeof args, "enrollment move %s withdrawn", e_eve);
	cli(opt, args, NULL);
	snprintf(args, sizeof args, "attendance record %s %s present", session, e_anna);
	cli(opt, args, NULL);

	/* People who sign in: the participant, her coach, a lecturer, a host
	 * supervisor, and two partner systems (the institution's, and the
	 * organisation's, to which she gave no consent). */
	char *anna_token = invite_and_redeem(&op, d.addr, A, anna, TRIAD__V1__ROLE__ROLE_PARTICIPANT,
					     0, NULL);
	person_of("Cees Coach", coach_name, coach_email, &coach);
	char *coach_token = invite_and_redeem(&op, d.addr, A, coach,
					      TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL);
	person_of("Lotte Lecturer", staff_name, staff_email, &staff);
	char *staff_token = invite_and_redeem(&op, d.addr, A, staff,
					      TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
					      TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, NULL);
	person_of("Sanne Host", sup_name, sup_email, &sup);
	char *sup_token = invite_and_redeem(&op, d.addr, A, sup,
					    TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL);
	char *partner_token = make_machine(&op, A, NULL, "ooapi-partner", pname);
	char *org_partner_token = make_machine(&op, A, org, "ooapi-org-partner", pname);
	char *org2 = make_org(&op, "Gemeente Zeist",
			      TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);
	char *org2_partner_token = make_machine(&op, A, org2, "ooapi-org2-partner", pname);
	/* Enough persons for two pages of ten. */
	for (int i = 0; i < 4; i++) {
		person_of("Extra Person", name, email, &extra);
		free(extra);
	}

	snprintf(args, sizeof args, "relation create %s %s", e_anna, coach_email);
	cli(opt, args, NULL);
	snprintf(args, sizeof args, "feedback give %s --situation 'Het wijkoverleg' --behaviour "
		 "'Je vatte de standpunten samen' --effect 'Iedereen voelde zich gehoord'", anna_email);
	cli(coach_token, args, NULL);

	harness_tmp_path(chapter, sizeof chapter, "chapter.txt");
	FILE *f = fopen(chapter, "w");
	assert_non_null(f);
	fputs("Wat ik leerde in de eerste module.\n", f);
	fclose(f);
	snprintf(args, sizeof args, "logbook write M1 --from-file '%s'", chapter);
	cli(anna_token, args, NULL);
	cli(anna_token, "logbook submit M1", NULL);

	day_str(d9, -9);
	day_str(d_start, -10);
	day_str(d_end, 17);
	REQ(pl);
	Triad__V1__CreatePlacementRequest pm = TRIAD__V1__CREATE_PLACEMENT_REQUEST__INIT;
	pm.enrollment_id = anna_email;
	pm.organisation_id = org;
	pm.supervisor = sup_email;
	pm.starts_on = d_start;
	pm.ends_on = d_end;
	pl.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PLACEMENT;
	pl.create_placement = &pm;
	rpc_free(rpc_ok(&op, A, &pl));
	snprintf(args, sizeof args, "internship hours log %s 8 'Interviews in de wijk'", d9);
	cli(anna_token, args, NULL);
	cli(anna_token, "internship hours submit", NULL);
	snprintf(args, sizeof args, "internship hours verify %s %s", anna_email, d9);
	cli(sup_token, args, NULL);

	/* Anna lets her employer see everything; the other organisation
	 * employs none of them. */
	Sess as = sess_open(d.addr, anna_token);
	REQ(cr);
	Triad__V1__SetConsentRequest cm = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	cm.enrollment_id = e_anna;
	cm.organisation_id = org;
	cm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL;
	cr.body_case = TRIAD__V1__REQUEST__BODY_SET_CONSENT;
	cr.set_consent = &cm;
	rpc_free(rpc_ok(&as, A, &cr));
	sess_close(&as);

	/* A certificate, as the release that issues them will announce it. */
	free(owner_sql("INSERT INTO domain_event (institution_id, type, aggregate_type, aggregate_id,"
		       " aggregate_version, enrollment_id, data)"
		       " SELECT i.id, 'certificate.issued', 'certificate', c.id, 1, $2::uuid,"
		       "        jsonb_build_object('id', c.id, 'enrollment_id', $2::uuid,"
		       "                           'programme_id', $3::uuid, 'issued_at', now())"
		       "   FROM institution i, (SELECT gen_random_uuid() AS id) c WHERE i.slug = $1",
		       A, e_anna, programme));

	/* The fixture for check.js. */
	char fixture[256], cmd[1024];
	harness_tmp_path(fixture, sizeof fixture, "ooapi-fixture.json");
	f = fopen(fixture, "w");
	assert_non_null(f);
	fprintf(f, "{\"base\":\"https://%s\",\"ca\":\"%s/ca.crt\",\"staff\":\"%s\","
		"\"anna_token\":\"%s\",\"partner_token\":\"%s\",\"org_partner_token\":\"%s\","
		"\"org2_partner_token\":\"%s\","
		"\"programme\":\"%s\",\"programme_code\":\"OOA\",\"other_programme\":\"%s\","
		"\"other_institution\":\"%s\",\"module\":\"%s\",\"cohort\":\"%s\","
		"\"cohort_starts\":\"2026-01-05\",\"run\":\"%s\",\"capacity\":2,\"org\":\"%s\","
		"\"anna\":\"%s\",\"anna_name\":\"%s\",\"anna_email\":\"%s\",\"coach\":\"%s\","
		"\"coach_email\":\"%s\",\"enrollments\":{\"anna\":\"%s\",\"bram\":\"%s\","
		"\"carla\":\"%s\",\"eve\":\"%s\"}}\n",
		ooapi_addr, harness_tls_dir(), staff_token, anna_token, partner_token,
		org_partner_token, org2_partner_token, programme, other_programme, B, module, cohort, run, org, anna,
		anna_name, anna_email, coach, coach_email, e_anna, e_bram, e_carla, e_eve);
	fclose(f);
	snprintf(cmd, sizeof cmd, "test -d '%s/tests/standards/node_modules/xapi-statements'",
		 TRIAD_SOURCE_DIR);
	if (run_capture(cmd, NULL, 0) != 0)
		fail_msg("tests/standards has no node_modules: tests/run.sh installs them "
			 "(or: cd tests/standards && npm ci)");
	snprintf(cmd, sizeof cmd, "node '%s/tests/standards/check.js' '%s' 2>&1", TRIAD_SOURCE_DIR,
		 fixture);
	int rc = run_capture(cmd, out, sizeof out);
	printf("%s", out);
	if (rc != 0)
		fail_msg("tests/standards/check.js failed (exit %d); its checks are above", rc);
	expect_contains(out, "all checks passed");

	sess_close(&op);
	free(programme);
	free(other_programme);
	free(org);
	free(anna);
	free(bram);
	free(carla);
	free(eve);
	free(coach);
	free(sup);
	free(staff);
	free(e_anna);
	free(e_bram);
	free(e_carla);
	free(e_eve);
	free(anna_token);
	free(coach_token);
	free(staff_token);
	free(sup_token);
	free(partner_token);
	free(org_partner_token);
	free(org2_partner_token);
	free(org2);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/* No token, no database: a request without credentials is answered at
 * once, and the port is off unless configured. */
static void
test_port_off_by_default(void **state)
{
	(void)state;
	Triadd plain;
	triadd_start(&plain, NULL);
	assert_false(triadd_log_contains(&plain, "event=ooapi_listening"));
	assert_int_equal(triadd_stop(&plain, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_off_by_default),
		cmocka_unit_test(test_standards_port),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}
