/*
 * test_auth.c: auth_decide() as a table: principal x verb x institution,
 * with the answer and the tenant the transaction is scoped to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

#define INST_A "aaaaaaaa-0000-4000-8000-000000000001"
#define INST_B "bbbbbbbb-0000-4000-8000-000000000002"
#define ORG_X "cccccccc-0000-4000-8000-000000000003"

enum { P_NONE, P_OPERATOR, P_ADMIN_A, P_STAFF_A, P_ASSESSOR_A, P_PARTICIPANT_A, P_COACH_AB,
       P_EMPLOYER_A, P_PARTNER_ORG_A, P_PARTNER_INST_A, P_NOGRANTS, P_COUNT };

static void
add_grant(Principal *p, const char *inst, const char *slug, Triad__V1__Role role,
	  Triad__V1__StaffTitle title, const char *org)
{
	p->grants = realloc(p->grants, (size_t)(p->ngrants + 1) * sizeof *p->grants);
	assert_non_null(p->grants);
	SessionGrant *g = &p->grants[p->ngrants++];
	memset(g, 0, sizeof *g);
	snprintf(g->institution_id, sizeof g->institution_id, "%s", inst);
	snprintf(g->slug, sizeof g->slug, "%s", slug);
	g->role = role;
	g->title = title;
	snprintf(g->organisation_id, sizeof g->organisation_id, "%s", org ? org : "");
}

static Principal *
principal(int which)
{
	if (which == P_NONE)
		return NULL;
	Principal *p = principal_new();
	assert_non_null(p);
	switch (which) {
	case P_OPERATOR:
		p->operator = true;
		break;
	case P_ADMIN_A:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN, 0, NULL);
		break;
	case P_STAFF_A:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
			  TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, NULL);
		break;
	case P_ASSESSOR_A:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
			  TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR, NULL);
		break;
	case P_PARTICIPANT_A:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
		break;
	case P_COACH_AB:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL);
		add_grant(p, INST_B, "b", TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL);
		break;
	case P_EMPLOYER_A:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, ORG_X);
		break;
	case P_PARTNER_ORG_A:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_PARTNER_INTEGRATION, 0, ORG_X);
		break;
	case P_PARTNER_INST_A:
		add_grant(p, INST_A, "a", TRIAD__V1__ROLE__ROLE_PARTNER_INTEGRATION, 0, NULL);
		break;
	default:
		break;
	}
	return p;
}

typedef struct Case {
	int who;
	Verb verb;
	const char *institution;   /* as the caller named it */
	AuthResult want;
	const char *tenant;        /* expected *tenant on AUTH_ALLOW; NULL for none */
} Case;

static const Case cases[] = {
	/* Before a session: only the requests that open one. */
	{P_NONE, VERB_HELLO, "", AUTH_ALLOW, NULL},
	{P_NONE, VERB_REDEEM_INVITE, "", AUTH_ALLOW, NULL},
	{P_NONE, VERB_PING, "", AUTH_DENY, NULL},
	{P_NONE, VERB_CATALOGUE_READ, "a", AUTH_DENY, NULL},
	/* Session verbs: anyone signed in, no tenant. */
	{P_NOGRANTS, VERB_PING, "", AUTH_ALLOW, NULL},
	{P_NOGRANTS, VERB_WHO_AM_I, "anything", AUTH_ALLOW, NULL},
	{P_NOGRANTS, VERB_COACHEES, "", AUTH_ALLOW, NULL},
	/* The service: operators only. */
	{P_OPERATOR, VERB_CREATE_INSTITUTION, "", AUTH_ALLOW, NULL},
	{P_ADMIN_A, VERB_CREATE_INSTITUTION, "", AUTH_DENY, NULL},
	{P_ADMIN_A, VERB_LIST_SERVICE_AUDIT, "", AUTH_DENY, NULL},
	/* Shared data: a listed role anywhere. */
	{P_ADMIN_A, VERB_CREATE_ORGANISATION, "", AUTH_ALLOW, NULL},
	{P_STAFF_A, VERB_CREATE_ORGANISATION, "", AUTH_DENY, NULL},
	{P_PARTICIPANT_A, VERB_GET_ORGANISATION, "", AUTH_ALLOW, NULL},
	{P_NOGRANTS, VERB_GET_ORGANISATION, "", AUTH_DENY, NULL},
	/* Operators act in any institution they name, resolved by the database. */
	{P_OPERATOR, VERB_CATALOGUE_WRITE, "b", AUTH_ALLOW, "b"},
	{P_OPERATOR, VERB_ENROLL, "", AUTH_NEED_INSTITUTION, NULL},
	{P_OPERATOR, VERB_CLAIM_CREATE, "a", AUTH_DENY, NULL},
	/* Institution verbs: by id or slug; none named means the only one. */
	{P_STAFF_A, VERB_CATALOGUE_WRITE, "a", AUTH_ALLOW, INST_A},
	{P_STAFF_A, VERB_CATALOGUE_WRITE, INST_A, AUTH_ALLOW, INST_A},
	{P_STAFF_A, VERB_CATALOGUE_WRITE, "", AUTH_ALLOW, INST_A},
	{P_STAFF_A, VERB_CREATE_GRANT, "a", AUTH_DENY, NULL},
	/* Another institution does not exist for the caller. */
	{P_STAFF_A, VERB_CATALOGUE_READ, "b", AUTH_NOT_FOUND, NULL},
	{P_STAFF_A, VERB_CATALOGUE_READ, INST_B, AUTH_NOT_FOUND, NULL},
	{P_STAFF_A, VERB_CATALOGUE_READ, "no-such-place", AUTH_NOT_FOUND, NULL},
	/* Assessors are staff with a title; only they decide claims. */
	{P_STAFF_A, VERB_CLAIM_DECIDE, "a", AUTH_DENY, NULL},
	{P_ASSESSOR_A, VERB_CLAIM_DECIDE, "a", AUTH_ALLOW, INST_A},
	{P_ASSESSOR_A, VERB_CATALOGUE_WRITE, "a", AUTH_ALLOW, INST_A},
	/* Participants: their own things. */
	{P_PARTICIPANT_A, VERB_CLAIM_CREATE, "", AUTH_ALLOW, INST_A},
	{P_PARTICIPANT_A, VERB_ENROLLMENT_WRITE, "a", AUTH_DENY, NULL},
	{P_PARTICIPANT_A, VERB_ENROLL, "a", AUTH_DENY, NULL},
	{P_PARTICIPANT_A, VERB_FEEDBACK_GIVE, "a", AUTH_DENY, NULL},
	/* A coach in two institutions must say which. */
	{P_COACH_AB, VERB_FEEDBACK_GIVE, "", AUTH_NEED_INSTITUTION, NULL},
	{P_COACH_AB, VERB_FEEDBACK_GIVE, "b", AUTH_ALLOW, INST_B},
	{P_COACH_AB, VERB_CATALOGUE_WRITE, "b", AUTH_DENY, NULL},
	/* Employers and coaches never grade or decide. */
	{P_COACH_AB, VERB_CLAIM_DECIDE, "a", AUTH_DENY, NULL},
	{P_EMPLOYER_A, VERB_CLAIM_DECIDE, "a", AUTH_DENY, NULL},
	{P_EMPLOYER_A, VERB_JUDGEMENT_ADD, "a", AUTH_ALLOW, INST_A},
	{P_EMPLOYER_A, VERB_EMPLOYER_VIEW, "a", AUTH_ALLOW, INST_A},
	/* Partner machines, organisation- or institution-scoped. */
	{P_PARTNER_ORG_A, VERB_ENROLL, "a", AUTH_ALLOW, INST_A},
	{P_PARTNER_INST_A, VERB_ENROLL, "a", AUTH_ALLOW, INST_A},
	{P_PARTNER_ORG_A, VERB_ENROLLMENT_READ, "a", AUTH_DENY, NULL},
	{P_PARTNER_ORG_A, VERB_CREATE_GRANT, "a", AUTH_DENY, NULL},
	{P_PARTNER_ORG_A, VERB_ENROLL, "b", AUTH_NOT_FOUND, NULL},
	/* A verb outside the table is refused. */
	{P_OPERATOR, VERB_COUNT_, "a", AUTH_DENY, NULL},
};

static const char *
result_name(AuthResult r)
{
	switch (r) {
	case AUTH_ALLOW: return "ALLOW";
	case AUTH_DENY: return "DENY";
	case AUTH_NOT_FOUND: return "NOT_FOUND";
	case AUTH_NEED_INSTITUTION: return "NEED_INSTITUTION";
	}
	return "?";
}

static void
test_decide_table(void **state)
{
	int wrong = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const Case *c = &cases[i];
		Principal *p = principal(c->who);
		const char *tenant = "unset";
		AuthResult got = auth_decide(p, c->verb, c->institution, &tenant);
		bool tenant_ok = got != AUTH_ALLOW
			? tenant == NULL
			: (c->tenant == NULL ? tenant == NULL
					     : tenant != NULL && strcmp(tenant, c->tenant) == 0);
		if (got != c->want || !tenant_ok) {
			print_error("case %zu: principal %d, verb %s at '%s': want %s tenant %s, "
				    "got %s tenant %s\n", i, c->who, auth_verb_name(c->verb),
				    c->institution, result_name(c->want), c->tenant ? c->tenant : "-",
				    result_name(got), tenant ? tenant : "-");
			wrong++;
		}
		principal_unref(p);
	}
	assert_int_equal(wrong, 0);
}

/* Every verb has a name, a scope and a phrase, which the published table
 * and the refusals show. */
static void
test_every_verb_has_a_policy(void **state)
{
	for (int v = 0; v < VERB_COUNT_; v++) {
		if (!auth_verb_known((Verb)v))
			fail_msg("verb %d has no policy", v);
		assert_string_not_equal(auth_verb_scope((Verb)v), "?");
		assert_string_not_equal(auth_verb_phrase((Verb)v), "do this");
	}
	assert_false(auth_verb_known(VERB_COUNT_));
}

static void
test_roles_are_listed_for_the_table(void **state)
{
	const char *roles[16];
	size_t n = auth_verb_roles(VERB_CLAIM_DECIDE, roles, 16);
	assert_int_equal(n, 1);
	assert_string_equal(roles[0], "assessor");
	assert_int_equal(auth_verb_roles(VERB_PING, roles, 16), 0);
	assert_string_equal(auth_verb_scope(VERB_PING), "session");
	n = auth_verb_roles(VERB_CREATE_INSTITUTION, roles, 16);
	assert_int_equal(n, 1);
	assert_string_equal(roles[0], "operator");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_every_verb_has_a_policy),
		cmocka_unit_test(test_roles_are_listed_for_the_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
