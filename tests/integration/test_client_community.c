/*
 * test_client_community.c: professional learning communities walked
 * through with the real triad binary against a real daemon, as staff and
 * a work-field organisation's contact use them:
 *
 *   - a community resting on an agreement, with two partner organisations,
 *     one of them joining through a professional network;
 *   - a practice question the organisation's contact writes, which staff
 *     move from proposed to evaluated, with a participant working on it, a
 *     delivered report and the organisation's feedback on it;
 *   - a symposium filled to capacity, with a waitlist, recorded attendance
 *     and the first in line promoted when a place frees up;
 *   - an alumnus (by completing an enrollment) who presents their work.
 *
 * Staff's part is played by the operator; the contact signs in with a token
 * of their own.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Triadd d;
static Sess op;
static char slug[64], in[96];

#define OUT_SIZE 16384

static int
setup(void **state)
{
	char out[OUT_SIZE], args[512];

	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	test_unique(slug, sizeof slug, "plc");
	snprintf(args, sizeof args, "institution create %s 'Community test %s'", slug, slug);
	triad_cli_ok(d.addr, test_token(), args, out, sizeof out);
	snprintf(in, sizeof in, "--institution %s", slug);
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* `triad --institution SLUG ARGS` as token (NULL: the operator); must succeed. */
static void
as_ok(const char *token, const char *args, char *out)
{
	char line[4096];

	snprintf(line, sizeof line, "%s %s", in, args);
	triad_cli_ok(d.addr, token != NULL ? token : test_token(), line, out, OUT_SIZE);
}

/* The same, for a command that must fail with exit code rc. */
static void
as_fails(const char *token, const char *args, int rc, char *out)
{
	char line[4096];

	snprintf(line, sizeof line, "%s %s", in, args);
	int got = triad_cli(d.addr, token != NULL ? token : test_token(), line, out, OUT_SIZE);
	if (got != rc)
		fail_msg("triad %s: exit %d, want %d: %s", line, got, rc, out);
}

/* Runs `--json ARGS` as the operator and keeps the "id" of the answer. */
static void
create(const char *args, char *id, size_t size)
{
	char out[OUT_SIZE], line[4096];

	snprintf(line, sizeof line, "--json %s", args);
	as_ok(NULL, line, out);
	json_string(out, "id", id, size);
}

static void
new_person(const char *stem, char *name, size_t nsize, char *id, size_t isize)
{
	char email[128], args[512];

	test_unique(name, nsize, stem);
	test_unique(email, sizeof email, "plc-");
	strcat(email, "@example.org");
	snprintf(args, sizeof args, "person create --name '%s' --email %s", name, email);
	create(args, id, isize);
}

/* A programme with one cohort; an enrollment of person in it, moved to status. */
static void
programme_and_cohort(char *programme, char *cohort, char *code)
{
	char args[1024];

	test_unique(code, 64, "P");
	snprintf(args, sizeof args,
		 "programme create --code %s --name 'Master in Zorg' --award degree --ects 90 "
		 "--duration-months 36 --language nl --mode part-time",
		 code);
	create(args, programme, 64);
	snprintf(args, sizeof args,
		 "cohort create --programme %s --name 'Cohort %s' --starts 2026-09-01 "
		 "--ends 2029-08-31",
		 programme, code);
	create(args, cohort, 64);
}

static void
enroll(const char *person, const char *cohort, const char *const *path, char *enrollment)
{
	char out[OUT_SIZE], args[512];

	snprintf(args, sizeof args, "--json enroll %s --cohort %s", person, cohort);
	as_ok(NULL, args, out);
	json_string(out, "id", enrollment, 64);
	for (; *path != NULL; path++) {
		snprintf(args, sizeof args, "enrollment move %s %s", enrollment, *path);
		as_ok(NULL, args, out);
	}
}

static void
test_community_question_from_proposed_to_evaluated(void **state)
{
	char out[OUT_SIZE], args[1024], name[96];
	char hospital[64], network[64], homecare[64], covenant[64], network_agreement[64];
	char community[64], question[64], product[64], contact[64], participant[64];
	char programme[64], cohort[64], code[64], enrollment[64];

	/* Partners: a hospital under a covenant, a small home-care organisation
	 * joining through a professional network. */
	create("org create --name 'Ziekenhuis Denkbeeld' --kind hospital", hospital, 64);
	create("org create --name 'Netwerk Kleine Zorg' --kind care-provider", network, 64);
	create("org create --name 'Thuiszorg Verzonnen' --kind care-provider", homecare, 64);
	snprintf(args, sizeof args, "agreement create --org %s --kind covenant", hospital);
	create(args, covenant, 64);
	snprintf(args, sizeof args,
		 "agreement create --org %s --kind professional-network --member 'Thuiszorg Verzonnen'",
		 network);
	create(args, network_agreement, 64);

	snprintf(args, sizeof args,
		 "community create --name 'Leergemeenschap Zorg %s' --kind professional "
		 "--theme 'Valpreventie in de ouderenzorg' --agreement %s",
		 slug, covenant);
	create(args, community, 64);
	snprintf(args, sizeof args, "community org add %s %s", community, hospital);
	as_ok(NULL, args, out);
	snprintf(args, sizeof args, "community org add %s %s --network %s", community, homecare,
		 network_agreement);
	as_ok(NULL, args, out);
	/* Twice is refused. */
	snprintf(args, sizeof args, "community org add %s %s", community, hospital);
	as_fails(NULL, args, 1, out);

	snprintf(args, sizeof args, "--json community org list %s", community);
	as_ok(NULL, args, out);
	expect_contains(out, "Ziekenhuis Denkbeeld");
	expect_contains(out, network_agreement);
	snprintf(args, sizeof args, "--json community show %s", community);
	as_ok(NULL, args, out);
	expect_contains(out, "\"organisations\":2");

	/* The hospital's contact writes a question for the hospital. */
	new_person("Contact ", name, sizeof name, contact, sizeof contact);
	char *contact_token = invite_and_redeem(&op, d.addr, slug, contact,
						TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, hospital);
	snprintf(args, sizeof args,
		 "--json question create --community %s --title 'Minder valincidenten op de afdeling'",
		 community);
	as_ok(contact_token, args, out);
	json_string(out, "id", question, sizeof question);
	expect_contains(out, "\"status\":\"proposed\"");
	expect_contains(out, "Ziekenhuis Denkbeeld");

	/* Staff take it on; it needs a participant before it is in progress. */
	snprintf(args, sizeof args, "question move %s accepted", question);
	as_ok(NULL, args, out);
	snprintf(args, sizeof args, "question move %s in-progress", question);
	as_fails(NULL, args, 1, out);
	expect_contains(out, "participant");

	programme_and_cohort(programme, cohort, code);
	new_person("Participant ", name, sizeof name, participant, sizeof participant);
	static const char *const to_active[] = {"intake-planned", "admitted", "active", NULL};
	enroll(participant, cohort, to_active, enrollment);
	snprintf(args, sizeof args, "question link %s %s --as participant --enrollment %s "
		 "--work intervention", question, participant, enrollment);
	as_ok(NULL, args, out);
	snprintf(args, sizeof args, "question move %s in-progress", question);
	as_ok(NULL, args, out);

	/* Delivered needs a product; evaluated needs the owner's feedback on it. */
	snprintf(args, sizeof args, "question move %s delivered", question);
	as_fails(NULL, args, 1, out);
	snprintf(args, sizeof args,
		 "--json question product add %s --kind report --title 'Rapport valpreventie'",
		 question);
	as_ok(NULL, args, out);
	json_string(out, "id", product, sizeof product);
	snprintf(args, sizeof args, "question move %s delivered", question);
	as_ok(NULL, args, out);
	snprintf(args, sizeof args, "question move %s evaluated", question);
	as_fails(NULL, args, 1, out);
	expect_contains(out, "feedback");

	/* Staff cannot speak for the organisation; its contact can. */
	snprintf(args, sizeof args, "question product feedback %s --text 'Goed bruikbaar'", product);
	as_fails(NULL, args, 4, out);
	snprintf(args, sizeof args,
		 "question product feedback %s --text 'Bruikbaar: de checklist gaat de afdeling in'",
		 product);
	as_ok(contact_token, args, out);
	snprintf(args, sizeof args, "question move %s evaluated", question);
	as_ok(NULL, args, out);

	/* Skipping back is not a move a question makes. */
	snprintf(args, sizeof args, "question move %s accepted", question);
	as_fails(NULL, args, 1, out);
	expect_contains(out, "evaluated");

	snprintf(args, sizeof args, "--json question show %s", question);
	as_ok(NULL, args, out);
	expect_contains(out, "\"status\":\"evaluated\"");
	snprintf(args, sizeof args, "--json question product list %s", question);
	as_ok(contact_token, args, out);
	expect_contains(out, "Rapport valpreventie");
	expect_contains(out, "de checklist gaat de afdeling in");

	/* The contact sees the organisation's questions, not the community's members. */
	as_ok(contact_token, "--json question list", out);
	expect_contains(out, question);
	snprintf(args, sizeof args, "community member list %s", community);
	as_fails(contact_token, args, 1, out);
	expect_contains(out, "not found");
	free(contact_token);
}

static void
test_symposium_to_capacity_with_waitlist_and_attendance(void **state)
{
	char out[OUT_SIZE], args[1024], event[64], person[3][64], name[3][96], reg[3][64];

	create("event create --kind symposium --title 'Symposium Leren op de werkplek' "
	       "--starts '2027-03-11 13:30' --place 'Amsterdam' --capacity 2",
	       event, sizeof event);
	for (int i = 0; i < 3; i++) {
		new_person("Guest ", name[i], sizeof name[i], person[i], sizeof person[i]);
		snprintf(args, sizeof args, "--json event register %s %s", event, person[i]);
		as_ok(NULL, args, out);
		json_string(out, "id", reg[i], sizeof reg[i]);
		expect_contains(out, i < 2 ? "\"placement\":\"placed\""
					   : "\"placement\":\"waitlisted\"");
	}
	/* Registering twice is refused. */
	snprintf(args, sizeof args, "event register %s %s", event, person[0]);
	as_fails(NULL, args, 1, out);

	snprintf(args, sizeof args, "--json event waitlist %s", event);
	as_ok(NULL, args, out);
	expect_contains(out, name[2]);
	expect_contains(out, "\"waitlist_position\":1");
	expect_lacks(out, name[0]);

	snprintf(args, sizeof args, "event attend %s present", reg[0]);
	as_ok(NULL, args, out);
	/* Only a placed registration attends. */
	snprintf(args, sizeof args, "event attend %s present", reg[2]);
	as_fails(NULL, args, 1, out);

	snprintf(args, sizeof args, "--json event show %s", event);
	as_ok(NULL, args, out);
	expect_contains(out, "\"placed\":2");
	expect_contains(out, "\"waitlisted\":1");
	expect_contains(out, "\"attended\":1");

	/* A place frees up: the first in line gets it. */
	snprintf(args, sizeof args, "event cancel %s", reg[1]);
	as_ok(NULL, args, out);
	snprintf(args, sizeof args, "--json event registrations %s", event);
	as_ok(NULL, args, out);
	expect_contains(out, name[2]);
	expect_lacks(out, "\"placement\":\"waitlisted\"");
	snprintf(args, sizeof args, "--json event waitlist %s", event);
	as_ok(NULL, args, out);
	expect_lacks(out, name[2]);
}

static void
test_alumnus_presents(void **state)
{
	char out[OUT_SIZE], args[1024], programme[64], cohort[64], code[64];
	char alum[64], alum_name[96], other[64], other_name[96], enrollment[64], event[64];

	programme_and_cohort(programme, cohort, code);
	new_person("Alumna ", alum_name, sizeof alum_name, alum, sizeof alum);
	new_person("Student ", other_name, sizeof other_name, other, sizeof other);
	static const char *const to_active[] = {"intake-planned", "admitted", "active", NULL};
	enroll(alum, cohort, to_active, enrollment);
	enroll(other, cohort, to_active, out);

	/* Active is not alumnus yet. */
	snprintf(args, sizeof args, "--json alumni list --programme %s", programme);
	as_ok(NULL, args, out);
	expect_lacks(out, alum_name);

	snprintf(args, sizeof args, "enrollment move %s completed", enrollment);
	as_ok(NULL, args, out);
	snprintf(args, sizeof args, "--json alumni list --programme %s", programme);
	as_ok(NULL, args, out);
	expect_contains(out, alum_name);
	expect_contains(out, code);
	expect_lacks(out, other_name);

	/* Only an alumnus presents at an alumni presentation. */
	snprintf(args, sizeof args,
		 "event create --kind alumni-presentation --title 'Alumni vertellen' "
		 "--starts '2027-04-01 19:00' --presenter %s --topic 'Mijn interventie'",
		 other);
	as_fails(NULL, args, 1, out);
	expect_contains(out, "alumn");
	snprintf(args, sizeof args,
		 "event create --kind alumni-presentation --title 'Alumni vertellen' "
		 "--starts '2027-04-01 19:00' --presenter %s --topic 'Mijn interventie'",
		 alum);
	create(args, event, sizeof event);
	snprintf(args, sizeof args, "--json event show %s", event);
	as_ok(NULL, args, out);
	expect_contains(out, alum_name);
	expect_contains(out, "Mijn interventie");
	snprintf(args, sizeof args, "--json alumni list --person %s", alum);
	as_ok(NULL, args, out);
	expect_contains(out, "\"presentations\":1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_community_question_from_proposed_to_evaluated),
		cmocka_unit_test(test_symposium_to_capacity_with_waitlist_and_attendance),
		cmocka_unit_test(test_alumnus_presents),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
