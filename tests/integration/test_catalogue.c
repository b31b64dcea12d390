/*
 * test_catalogue.c: programmes, learning lines, learning outcomes, modules
 * and prerequisites, against a real triadd and PostgreSQL: what a
 * programme manager would check after each change (the fields of the
 * reply, the error code, the field at fault, the message).
 *
 * Every test works in an institution of its own, so that codes and lists
 * do not depend on the other tests or on earlier runs in the shared
 * database.
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static Triadd d;
static Sess op;                 /* the operator's session */
static int uniq;

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define BODY(req, kind, field, msg)                                                  \
	do {                                                                         \
		(req).body_case = TRIAD__V1__REQUEST__BODY_##kind;                   \
		(req).field = &(msg);                                                \
	} while (0)
#define assert_near(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- building blocks ---- */

/* A new institution; returns its slug (malloc'd). */
static char *
institution_new(void)
{
	char slug[64];
	REQ(req);
	Triad__V1__CreateInstitutionRequest m = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	/* The pid and the time: runs share the database, and pids come round. */
	snprintf(slug, sizeof slug, "cat-%d-%lld-%d", (int)getpid(), (long long)time(NULL), ++uniq);
	m.slug = slug;
	m.name = "Academie voor Publiek Management";
	BODY(req, CREATE_INSTITUTION, create_institution, m);
	rpc_free(rpc_ok(&op, NULL, &req));
	return strdup(slug);
}

/* A programme as the seed describes MPM, with code and name varied. */
static Triad__V1__Programme
programme_msg(char *code, char *name)
{
	static char *moments[] = {"September", "february", "september"};
	static char *specs[] = {"Public Management", "Healthcare"};
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;
	p.code = code;
	p.name = name;
	p.award = TRIAD__V1__AWARD__AWARD_DEGREE;
	p.ects = 60;
	p.duration_months = 24;
	p.language = "nl";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	p.start_moments = moments;
	p.n_start_moments = NELEM(moments);
	p.fee_cents = 1795000;
	p.specialisations = specs;
	p.n_specialisations = NELEM(specs);
	return p;
}

static Triad__V1__Response *
programme_create(const char *inst, Triad__V1__Programme *p)
{
	REQ(req);
	Triad__V1__CreateProgrammeRequest m = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	m.programme = p;
	BODY(req, CREATE_PROGRAMME, create_programme, m);
	return rpc(&op, inst, &req);
}

/* Creates programme code in inst; returns its id (malloc'd). */
static char *
programme_new(const char *inst, char *code)
{
	Triad__V1__Programme p = programme_msg(code, "Master Public Management");
	REQ(req);
	Triad__V1__CreateProgrammeRequest m = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	m.programme = &p;
	BODY(req, CREATE_PROGRAMME, create_programme, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = strdup(r->programme->id);
	rpc_free(r);
	return id;
}

static char *
line_new(const char *inst, const char *programme, char *code, char *name)
{
	REQ(req);
	Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
	Triad__V1__CreateLearningLineRequest m = TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
	l.programme_id = (char *)programme;
	l.code = code;
	l.name = name;
	m.line = &l;
	BODY(req, CREATE_LEARNING_LINE, create_learning_line, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	assert_string_equal(r->learning_line->code, code);
	char *id = strdup(r->learning_line->id);
	rpc_free(r);
	return id;
}

static char *
outcome_new(const char *inst, const char *programme, char *code, double credits)
{
	REQ(req);
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	Triad__V1__CreateLearningOutcomeRequest m = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	o.programme_id = (char *)programme;
	o.code = code;
	o.description = "Analyses a policy problem from several perspectives";
	o.credits = credits;
	m.outcome = &o;
	BODY(req, CREATE_LEARNING_OUTCOME, create_learning_outcome, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = strdup(r->learning_outcome->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Module
module_msg(const char *programme, char *code, Triad__V1__ModuleKind kind, int sequence)
{
	Triad__V1__Module m = TRIAD__V1__MODULE__INIT;
	m.programme_id = (char *)programme;
	m.code = code;
	m.name = "Publiek leiderschap";
	m.kind = kind;
	m.sequence = sequence;
	m.credits = 7.5;
	return m;
}

static Triad__V1__Response *
module_create(const char *inst, Triad__V1__Module *mod)
{
	REQ(req);
	Triad__V1__CreateModuleRequest m = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	m.module = mod;
	BODY(req, CREATE_MODULE, create_module, m);
	return rpc(&op, inst, &req);
}

/* A core module code in programme with no links; returns its id. */
static char *
module_new(const char *inst, const char *programme, char *code, int sequence)
{
	Triad__V1__Module mod = module_msg(programme, code, TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE,
					   sequence);
	Triad__V1__Response *r = module_create(inst, &mod);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("create module %s: %s", code, r->status->message);
	char *id = strdup(r->module->id);
	rpc_free(r);
	return id;
}

/* Sends one of the requests that are just { string id = 1; } (every Get
 * and Delete here), built from its descriptor. */
static Triad__V1__Response *
by_id(const char *inst, Triad__V1__Request__BodyCase kind, const char *id)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&triad__v1__request__descriptor, (unsigned)kind);
	assert_non_null(f);
	const ProtobufCMessageDescriptor *md = f->descriptor;
	const ProtobufCFieldDescriptor *idf = protobuf_c_message_descriptor_get_field_by_name(md, "id");
	assert_non_null(idf);
	ProtobufCMessage *m = calloc(1, md->sizeof_message);
	assert_non_null(m);
	protobuf_c_message_init(md, m);
	*(const char **)((char *)m + idf->offset) = id;
	REQ(req);
	req.body_case = kind;
	*(ProtobufCMessage **)((char *)&req + f->offset) = m;
	Triad__V1__Response *r = rpc(&op, inst, &req);
	free(m);
	return r;
}

#define GET(inst, kind, id) by_id(inst, TRIAD__V1__REQUEST__BODY_##kind, id)

static Triad__V1__Response *
prerequisite(const char *inst, bool add, const char *module, const char *required)
{
	REQ(req);
	Triad__V1__AddPrerequisiteRequest a = TRIAD__V1__ADD_PREREQUISITE_REQUEST__INIT;
	Triad__V1__RemovePrerequisiteRequest rm = TRIAD__V1__REMOVE_PREREQUISITE_REQUEST__INIT;
	a.module_id = rm.module_id = (char *)module;
	a.required_module_id = rm.required_module_id = (char *)required;
	if (add)
		BODY(req, ADD_PREREQUISITE, add_prerequisite, a);
	else
		BODY(req, REMOVE_PREREQUISITE, remove_prerequisite, rm);
	return rpc(&op, inst, &req);
}

/* Asserts the status of r and frees it. message_part may be NULL. */
static void
expect(Triad__V1__Response *r, Triad__V1__Code code, const char *field, const char *message_part)
{
	if (r->status->code != code)
		fail_msg("expected code %d, got %d: %s (field %s)", code, r->status->code,
			 r->status->message, r->status->field);
	if (field != NULL)
		assert_string_equal(r->status->field, field);
	if (message_part != NULL && strstr(r->status->message, message_part) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\"", r->status->message, message_part);
	rpc_free(r);
}

static bool
has(char **items, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(items[i], s) == 0)
			return true;
	}
	return false;
}

/* The actions of the audit trail about one resource, newest first, as
 * "a,b,c". */
static void
audit_actions(const char *inst, const char *kind, const char *id, char *out, size_t size)
{
	REQ(req);
	Triad__V1__ListAuditRequest m = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	m.resource_kind = (char *)kind;
	m.resource_id = (char *)id;
	BODY(req, LIST_AUDIT, list_audit, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	out[0] = '\0';
	for (size_t i = 0; i < r->audit->n_events; i++) {
		if (i)
			strncat(out, ",", size - strlen(out) - 1);
		strncat(out, r->audit->events[i]->action, size - strlen(out) - 1);
	}
	rpc_free(r);
}

/* ---- tests ---- */

static void
test_programme_create_get_update_delete(void **state)
{
	char *inst = institution_new();
	Triad__V1__Programme p = programme_msg("MPM", "Master Public Management");

	Triad__V1__Response *r = programme_create(inst, &p);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	Triad__V1__Programme *got = r->programme;
	char *id = strdup(got->id);
	assert_int_equal(strlen(id), 36);
	assert_string_equal(got->code, "MPM");
	assert_string_equal(got->name, "Master Public Management");
	assert_int_equal(got->award, TRIAD__V1__AWARD__AWARD_DEGREE);
	assert_near(got->ects, 60);
	assert_int_equal(got->duration_months, 24);
	assert_string_equal(got->language, "nl");
	assert_int_equal(got->mode, TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME);
	/* Month names, lower case, in calendar order, once each. */
	assert_int_equal(got->n_start_moments, 2);
	assert_string_equal(got->start_moments[0], "february");
	assert_string_equal(got->start_moments[1], "september");
	assert_int_equal(got->fee_cents, 1795000);
	assert_int_equal(got->n_specialisations, 2);
	assert_string_equal(got->specialisations[0], "Public Management");
	assert_string_equal(got->specialisations[1], "Healthcare");
	assert_near(got->standalone_share, 0.5);   /* 0 asks for the default */
	assert_int_equal(strlen(got->created_at), 20);
	assert_int_equal(got->created_at[19], 'Z');
	rpc_free(r);

	r = GET(inst, GET_PROGRAMME, id);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->programme->id, id);
	assert_string_equal(r->programme->code, "MPM");
	assert_int_equal(r->programme->fee_cents, 1795000);
	assert_int_equal(r->programme->n_start_moments, 2);
	rpc_free(r);

	/* Update replaces everything but the id and the code. */
	static char *evening[] = {"february"};
	p = programme_msg("OTHER", "Master Publiek Management");
	p.id = id;
	p.award = TRIAD__V1__AWARD__AWARD_CERTIFICATE;
	p.ects = 30.5;
	p.duration_months = 12;
	p.language = "en";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_EVENING;
	p.start_moments = evening;
	p.n_start_moments = 1;
	p.n_specialisations = 0;
	p.fee_cents = 990000;
	p.standalone_share = 0.4;
	field_give(&p.base, "standalone_share");
	REQ(req);
	Triad__V1__UpdateProgrammeRequest um = TRIAD__V1__UPDATE_PROGRAMME_REQUEST__INIT;
	um.programme = &p;
	BODY(req, UPDATE_PROGRAMME, update_programme, um);
	r = rpc_ok(&op, inst, &req);
	got = r->programme;
	assert_string_equal(got->id, id);
	assert_string_equal(got->code, "MPM");
	assert_string_equal(got->name, "Master Publiek Management");
	assert_int_equal(got->award, TRIAD__V1__AWARD__AWARD_CERTIFICATE);
	assert_near(got->ects, 30.5);
	assert_int_equal(got->duration_months, 12);
	assert_string_equal(got->language, "en");
	assert_int_equal(got->mode, TRIAD__V1__STUDY_MODE__STUDY_MODE_EVENING);
	assert_int_equal(got->n_start_moments, 1);
	assert_string_equal(got->start_moments[0], "february");
	assert_int_equal(got->n_specialisations, 0);
	assert_int_equal(got->fee_cents, 990000);
	assert_near(got->standalone_share, 0.4);
	rpc_free(r);

	r = GET(inst, GET_PROGRAMME, id);
	assert_string_equal(r->programme->name, "Master Publiek Management");
	assert_near(r->programme->standalone_share, 0.4);
	rpc_free(r);

	REQ(lreq);
	Triad__V1__ListProgrammesRequest lm = TRIAD__V1__LIST_PROGRAMMES_REQUEST__INIT;
	BODY(lreq, LIST_PROGRAMMES, list_programmes, lm);
	r = rpc_ok(&op, inst, &lreq);
	assert_int_equal(r->programmes->n_programmes, 1);
	assert_string_equal(r->programmes->programmes[0]->id, id);
	assert_string_equal(r->programmes->programmes[0]->code, "MPM");
	assert_string_equal(r->programmes->next_page_token, "");
	rpc_free(r);

	/* Delete answers with what was deleted. */
	r = GET(inst, DELETE_PROGRAMME, id);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->programme->id, id);
	assert_string_equal(r->programme->code, "MPM");
	rpc_free(r);
	expect(GET(inst, GET_PROGRAMME, id), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL,
	       "programme not found");
	expect(GET(inst, DELETE_PROGRAMME, id), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, NULL);

	char actions[256];
	audit_actions(inst, "programme", id, actions, sizeof actions);
	assert_string_equal(actions, "programme.delete,programme.update,programme.create");
	free(id);
	free(inst);
}

static void
test_lines_and_outcomes(void **state)
{
	char *inst = institution_new();
	char *prog = programme_new(inst, "METROPOOL");
	char *other = programme_new(inst, "MPM");

	/* Learning lines. */
	char *pd = line_new(inst, prog, "PD", "Persoonlijke ontwikkeling");
	char *cd = line_new(inst, prog, "CD", "Cognitieve verdieping");
	free(line_new(inst, other, "PD", "Persoonlijke ontwikkeling"));

	Triad__V1__Response *r = GET(inst, GET_LEARNING_LINE, pd);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->learning_line->id, pd);
	assert_string_equal(r->learning_line->programme_id, prog);
	assert_string_equal(r->learning_line->code, "PD");
	assert_string_equal(r->learning_line->name, "Persoonlijke ontwikkeling");
	rpc_free(r);

	REQ(req);
	Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
	Triad__V1__UpdateLearningLineRequest ul = TRIAD__V1__UPDATE_LEARNING_LINE_REQUEST__INIT;
	l.id = pd;
	l.programme_id = prog;
	l.code = "PO";
	l.name = "Professionele ontwikkeling";
	ul.line = &l;
	BODY(req, UPDATE_LEARNING_LINE, update_learning_line, ul);
	r = rpc_ok(&op, inst, &req);
	assert_string_equal(r->learning_line->id, pd);
	assert_string_equal(r->learning_line->code, "PO");
	assert_string_equal(r->learning_line->name, "Professionele ontwikkeling");
	rpc_free(r);

	/* Renaming onto a code the programme already has is refused. */
	l.code = "CD";
	r = rpc(&op, inst, &req);
	expect(r, TRIAD__V1__CODE__CODE_ALREADY_EXISTS, NULL,
	       "a learning line with code CD already exists in METROPOOL");

	REQ(lreq);
	Triad__V1__ListLearningLinesRequest ll = TRIAD__V1__LIST_LEARNING_LINES_REQUEST__INIT;
	ll.programme_id = prog;
	BODY(lreq, LIST_LEARNING_LINES, list_learning_lines, ll);
	r = rpc_ok(&op, inst, &lreq);
	assert_int_equal(r->learning_lines->n_lines, 2);
	for (size_t i = 0; i < r->learning_lines->n_lines; i++)
		assert_string_equal(r->learning_lines->lines[i]->programme_id, prog);
	rpc_free(r);
	ll.programme_id = "";
	r = rpc_ok(&op, inst, &lreq);
	assert_int_equal(r->learning_lines->n_lines, 3);
	rpc_free(r);

	r = GET(inst, DELETE_LEARNING_LINE, cd);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->learning_line->code, "CD");
	rpc_free(r);
	expect(GET(inst, GET_LEARNING_LINE, cd), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL,
	       "learning line not found");

	/* Learning outcomes. */
	char *lo = outcome_new(inst, prog, "LO1", 7.5);
	r = GET(inst, GET_LEARNING_OUTCOME, lo);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->learning_outcome->programme_id, prog);
	assert_string_equal(r->learning_outcome->code, "LO1");
	assert_string_equal(r->learning_outcome->description,
			    "Analyses a policy problem from several perspectives");
	assert_near(r->learning_outcome->credits, 7.5);
	rpc_free(r);

	REQ(oreq);
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	Triad__V1__UpdateLearningOutcomeRequest uo = TRIAD__V1__UPDATE_LEARNING_OUTCOME_REQUEST__INIT;
	o.id = lo;
	o.code = "LO1a";
	o.description = "Designs an intervention in the own organisation";
	o.credits = 15;
	uo.outcome = &o;
	BODY(oreq, UPDATE_LEARNING_OUTCOME, update_learning_outcome, uo);
	r = rpc_ok(&op, inst, &oreq);
	assert_string_equal(r->learning_outcome->id, lo);
	assert_string_equal(r->learning_outcome->programme_id, prog);
	assert_string_equal(r->learning_outcome->code, "LO1a");
	assert_string_equal(r->learning_outcome->description,
			    "Designs an intervention in the own organisation");
	assert_near(r->learning_outcome->credits, 15);
	rpc_free(r);

	REQ(loreq);
	Triad__V1__ListLearningOutcomesRequest lol = TRIAD__V1__LIST_LEARNING_OUTCOMES_REQUEST__INIT;
	lol.programme_id = prog;
	BODY(loreq, LIST_LEARNING_OUTCOMES, list_learning_outcomes, lol);
	r = rpc_ok(&op, inst, &loreq);
	assert_int_equal(r->learning_outcomes->n_outcomes, 1);
	assert_string_equal(r->learning_outcomes->outcomes[0]->code, "LO1a");
	rpc_free(r);
	lol.programme_id = other;
	r = rpc_ok(&op, inst, &loreq);
	assert_int_equal(r->learning_outcomes->n_outcomes, 0);
	rpc_free(r);

	r = GET(inst, DELETE_LEARNING_OUTCOME, lo);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->learning_outcome->code, "LO1a");
	rpc_free(r);
	expect(GET(inst, GET_LEARNING_OUTCOME, lo), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL,
	       "learning outcome not found");

	char actions[256];
	audit_actions(inst, "learning_line", pd, actions, sizeof actions);
	assert_string_equal(actions, "learning_line.update,learning_line.create");
	audit_actions(inst, "learning_outcome", lo, actions, sizeof actions);
	assert_string_equal(actions,
			    "learning_outcome.delete,learning_outcome.update,learning_outcome.create");
	free(lo);
	free(cd);
	free(pd);
	free(other);
	free(prog);
	free(inst);
}

static void
test_module_create_get_update_delete(void **state)
{
	char *inst = institution_new();
	char *prog = programme_new(inst, "METROPOOL");
	free(line_new(inst, prog, "PD", "Persoonlijke ontwikkeling"));
	free(line_new(inst, prog, "CD", "Cognitieve verdieping"));
	free(outcome_new(inst, prog, "LO1", 5));
	free(outcome_new(inst, prog, "LO2", 2.5));

	static char *lines[] = {"PD", "CD"};
	static char *outcomes[] = {"LO1"};
	static char *staff[] = {"Anne de Vries", "Bram Jansen", "Anne de Vries"};
	Triad__V1__Module mod = module_msg(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1);
	mod.name = "Module 1: de startweek";
	mod.cannot_be_missed = true;        /* implies mandatory attendance */
	mod.line_codes = lines;
	mod.n_line_codes = NELEM(lines);
	mod.outcome_codes = outcomes;
	mod.n_outcome_codes = NELEM(outcomes);
	mod.staff = staff;
	mod.n_staff = NELEM(staff);

	Triad__V1__Response *r = module_create(inst, &mod);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	Triad__V1__Module *got = r->module;
	char *id = strdup(got->id);
	assert_string_equal(got->programme_id, prog);
	assert_string_equal(got->code, "M1");
	assert_string_equal(got->name, "Module 1: de startweek");
	assert_int_equal(got->kind, TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE);
	assert_int_equal(got->sequence, 1);
	assert_near(got->credits, 7.5);
	assert_true(got->attendance_mandatory);
	assert_true(got->cannot_be_missed);
	assert_int_equal(got->n_line_codes, 2);
	assert_string_equal(got->line_codes[0], "CD");   /* by code */
	assert_string_equal(got->line_codes[1], "PD");
	assert_int_equal(got->n_outcome_codes, 1);
	assert_string_equal(got->outcome_codes[0], "LO1");
	assert_int_equal(got->n_staff, 2);
	assert_string_equal(got->staff[0], "Anne de Vries");
	assert_string_equal(got->staff[1], "Bram Jansen");
	assert_int_equal(got->n_prerequisite_codes, 0);
	rpc_free(r);

	r = GET(inst, GET_MODULE, id);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->module->code, "M1");
	assert_int_equal(r->module->n_line_codes, 2);
	assert_int_equal(r->module->n_staff, 2);
	rpc_free(r);

	/* Update replaces the fields and the links. */
	static char *lines2[] = {"PD"};
	static char *outcomes2[] = {"LO2", "LO1"};
	static char *staff2[] = {"Carla Smit"};
	mod = module_msg("", "M1x", TRIAD__V1__MODULE_KIND__MODULE_KIND_MASTERCLASS, 4);
	mod.id = id;
	mod.name = "Masterclass verandermanagement";
	mod.credits = 2.5;
	mod.attendance_mandatory = true;
	mod.line_codes = lines2;
	mod.n_line_codes = NELEM(lines2);
	mod.outcome_codes = outcomes2;
	mod.n_outcome_codes = NELEM(outcomes2);
	mod.staff = staff2;
	mod.n_staff = NELEM(staff2);
	REQ(req);
	Triad__V1__UpdateModuleRequest um = TRIAD__V1__UPDATE_MODULE_REQUEST__INIT;
	um.module = &mod;
	BODY(req, UPDATE_MODULE, update_module, um);
	r = rpc_ok(&op, inst, &req);
	got = r->module;
	assert_string_equal(got->id, id);
	assert_string_equal(got->programme_id, prog);
	assert_string_equal(got->code, "M1x");
	assert_string_equal(got->name, "Masterclass verandermanagement");
	assert_int_equal(got->kind, TRIAD__V1__MODULE_KIND__MODULE_KIND_MASTERCLASS);
	assert_int_equal(got->sequence, 4);
	assert_near(got->credits, 2.5);
	assert_true(got->attendance_mandatory);
	assert_false(got->cannot_be_missed);
	assert_int_equal(got->n_line_codes, 1);
	assert_string_equal(got->line_codes[0], "PD");
	assert_int_equal(got->n_outcome_codes, 2);
	assert_string_equal(got->outcome_codes[0], "LO1");
	assert_string_equal(got->outcome_codes[1], "LO2");
	assert_int_equal(got->n_staff, 1);
	assert_string_equal(got->staff[0], "Carla Smit");
	rpc_free(r);

	char *m2 = module_new(inst, prog, "M2", 2);
	REQ(lreq);
	Triad__V1__ListModulesRequest lm = TRIAD__V1__LIST_MODULES_REQUEST__INIT;
	lm.programme_id = prog;
	BODY(lreq, LIST_MODULES, list_modules, lm);
	r = rpc_ok(&op, inst, &lreq);
	assert_int_equal(r->modules->n_modules, 2);
	assert_true(strcmp(r->modules->modules[0]->id, r->modules->modules[1]->id) < 0);
	for (size_t i = 0; i < r->modules->n_modules; i++) {
		Triad__V1__Module *m = r->modules->modules[i];
		if (strcmp(m->id, id) == 0)
			assert_int_equal(m->n_outcome_codes, 2);
		else
			assert_string_equal(m->code, "M2");
	}
	rpc_free(r);

	r = GET(inst, DELETE_MODULE, id);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->module->code, "M1x");
	assert_int_equal(r->module->n_outcome_codes, 2);
	rpc_free(r);
	expect(GET(inst, GET_MODULE, id), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "module not found");
	/* Its links went with it: the outcome can go now. */
	r = rpc_ok(&op, inst, &lreq);
	assert_int_equal(r->modules->n_modules, 1);
	rpc_free(r);

	char actions[256];
	audit_actions(inst, "module", id, actions, sizeof actions);
	assert_string_equal(actions, "module.delete,module.update,module.create");
	free(m2);
	free(id);
	free(prog);
	free(inst);
}

static void
test_codes_unique_within_a_programme(void **state)
{
	char *inst = institution_new();
	char *p1 = programme_new(inst, "MPM");
	char *p2 = programme_new(inst, "METROPOOL");

	/* The same code in two programmes is fine... */
	char *a = module_new(inst, p1, "M1", 1);
	char *b = module_new(inst, p2, "M1", 1);
	free(line_new(inst, p1, "PD", "Persoonlijke ontwikkeling"));
	free(line_new(inst, p2, "PD", "Persoonlijke ontwikkeling"));
	free(outcome_new(inst, p1, "LO1", 5));
	free(outcome_new(inst, p2, "LO1", 5));

	/* ...twice in one is not. */
	Triad__V1__Module mod = module_msg(p1, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_ELECTIVE, 3);
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_ALREADY_EXISTS, "",
	       "a module with code M1 already exists in MPM");

	REQ(req);
	Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
	Triad__V1__CreateLearningLineRequest cl = TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
	l.programme_id = p2;
	l.code = "PD";
	l.name = "Nog een lijn";
	cl.line = &l;
	BODY(req, CREATE_LEARNING_LINE, create_learning_line, cl);
	expect(rpc(&op, inst, &req), TRIAD__V1__CODE__CODE_ALREADY_EXISTS, NULL,
	       "a learning line with code PD already exists in METROPOOL");

	REQ(oreq);
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	Triad__V1__CreateLearningOutcomeRequest co = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	o.programme_id = p1;
	o.code = "LO1";
	o.description = "Again";
	o.credits = 1;
	co.outcome = &o;
	BODY(oreq, CREATE_LEARNING_OUTCOME, create_learning_outcome, co);
	expect(rpc(&op, inst, &oreq), TRIAD__V1__CODE__CODE_ALREADY_EXISTS, NULL,
	       "a learning outcome with code LO1 already exists in MPM");

	/* Programme codes are unique in the institution, not across them. */
	Triad__V1__Programme p = programme_msg("MPM", "Another MPM");
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_ALREADY_EXISTS, NULL,
	       "a programme with code MPM already exists");
	char *inst2 = institution_new();
	free(programme_new(inst2, "MPM"));

	/* Renaming a module onto a taken code is refused too. */
	REQ(ureq);
	Triad__V1__UpdateModuleRequest um = TRIAD__V1__UPDATE_MODULE_REQUEST__INIT;
	char *c = module_new(inst, p1, "M2", 2);
	mod = module_msg("", "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 2);
	mod.id = c;
	um.module = &mod;
	BODY(ureq, UPDATE_MODULE, update_module, um);
	expect(rpc(&op, inst, &ureq), TRIAD__V1__CODE__CODE_ALREADY_EXISTS, NULL,
	       "a module with code M1 already exists in MPM");

	free(c);
	free(inst2);
	free(b);
	free(a);
	free(p2);
	free(p1);
	free(inst);
}

static void
test_invalid_fields_are_named(void **state)
{
	char *inst = institution_new();
	char *prog = programme_new(inst, "MPM");

	Triad__V1__Programme p = programme_msg("M P M", "Master");
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.code", "code 'M P M' is not valid");
	p = programme_msg("", "Master");
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.code", "code is required");
	p = programme_msg("MBA", "");
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.name", "name is required");
	p = programme_msg("MBA", "Master");
	p.award = TRIAD__V1__AWARD__AWARD_UNSPECIFIED;
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.award", "degree or certificate");
	p = programme_msg("MBA", "Master");
	p.ects = 301;
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.ects", "between 0 and 300");
	p = programme_msg("MBA", "Master");
	p.duration_months = 0;
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.duration_months", "1 to 120 months");
	p = programme_msg("MBA", "Master");
	p.standalone_share = 0.99;
	field_give(&p.base, "standalone_share");
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.standalone_share", "between 0.05 and 0.95");
	static char *bad_month[] = {"spetember"};
	p = programme_msg("MBA", "Master");
	p.start_moments = bad_month;
	p.n_start_moments = 1;
	expect(programme_create(inst, &p), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme.start_moments", "'spetember' is not a month");

	/* An unset message is named as a whole. */
	REQ(req);
	Triad__V1__CreateProgrammeRequest cp = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	BODY(req, CREATE_PROGRAMME, create_programme, cp);
	expect(rpc(&op, inst, &req), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_programme.programme", "programme is required");

	/* Updates name their own request. */
	REQ(ureq);
	Triad__V1__UpdateProgrammeRequest up = TRIAD__V1__UPDATE_PROGRAMME_REQUEST__INIT;
	p = programme_msg("MPM", "Master");
	p.id = prog;
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_UNSPECIFIED;
	up.programme = &p;
	BODY(ureq, UPDATE_PROGRAMME, update_programme, up);
	expect(rpc(&op, inst, &ureq), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "update_programme.programme.mode", "part_time, evening, full_time or blended");

	/* Modules: the unknown code is named, and the field that carried it. */
	static char *unknown_line[] = {"XX"};
	Triad__V1__Module mod = module_msg(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1);
	mod.line_codes = unknown_line;
	mod.n_line_codes = 1;
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_module.module.line_codes", "there is no learning line 'XX' in MPM");
	mod = module_msg(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1);
	mod.outcome_codes = unknown_line;
	mod.n_outcome_codes = 1;
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_module.module.outcome_codes", "there is no learning outcome 'XX' in MPM");
	mod = module_msg(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_UNSPECIFIED, 1);
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_module.module.kind", "kind is required");
	mod = module_msg(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 0);
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_module.module.sequence", "1 to 999");
	mod = module_msg("", "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1);
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_module.module.programme_id", "programme_id is required");
	mod = module_msg("6f1c1e0b-0000-4000-8000-000000000000", "M1",
			 TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1);
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "not found");
	/* Not an id: a programme's code, and there is none such. */
	mod = module_msg("not-an-id", "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1);
	expect(module_create(inst, &mod), TRIAD__V1__CODE__CODE_NOT_FOUND,
	       "create_module.module.programme_id", "no programme with code \"not-an-id\"");

	/* Credits have at most one decimal. */
	REQ(oreq);
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	Triad__V1__CreateLearningOutcomeRequest co = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	o.programme_id = prog;
	o.code = "LO1";
	o.description = "Analyses";
	o.credits = 7.25;
	co.outcome = &o;
	BODY(oreq, CREATE_LEARNING_OUTCOME, create_learning_outcome, co);
	expect(rpc(&op, inst, &oreq), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "create_learning_outcome.outcome.credits", "one decimal");

	/* Gets and deletes need an id. */
	expect(GET(inst, GET_PROGRAMME, ""), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "get_programme.id", "id is required");
	expect(GET(inst, DELETE_MODULE, ""), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "delete_module.id", "id is required");

	/* Nothing was created on the way. */
	REQ(lreq);
	Triad__V1__ListProgrammesRequest lp = TRIAD__V1__LIST_PROGRAMMES_REQUEST__INIT;
	BODY(lreq, LIST_PROGRAMMES, list_programmes, lp);
	Triad__V1__Response *r = rpc_ok(&op, inst, &lreq);
	assert_int_equal(r->programmes->n_programmes, 1);
	rpc_free(r);
	free(prog);
	free(inst);
}

static void
test_prerequisite_cycle_is_refused(void **state)
{
	char *inst = institution_new();
	char *prog = programme_new(inst, "MPM");
	char *other = programme_new(inst, "METROPOOL");
	char *m1 = module_new(inst, prog, "M1", 1);
	char *m2 = module_new(inst, prog, "M2", 2);
	char *m3 = module_new(inst, prog, "M3", 3);
	char *x1 = module_new(inst, other, "X1", 1);

	/* M2 requires M1, M3 requires M2. */
	Triad__V1__Response *r = prerequisite(inst, true, m2, m1);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->module->id, m2);
	assert_int_equal(r->module->n_prerequisite_codes, 1);
	assert_string_equal(r->module->prerequisite_codes[0], "M1");
	rpc_free(r);
	r = prerequisite(inst, true, m3, m2);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(r);
	/* Adding one that exists changes nothing. */
	r = prerequisite(inst, true, m3, m2);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(r->module->n_prerequisite_codes, 1);
	rpc_free(r);

	/* M1 requiring M3 would close the circle; the message walks it. */
	expect(prerequisite(inst, true, m1, m3), TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, "",
	       "this would make a cycle: M1 -> M3 -> M2 -> M1");
	expect(prerequisite(inst, true, m1, m2), TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
	       "M1 -> M2 -> M1");
	expect(prerequisite(inst, true, m1, m1), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "add_prerequisite.required_module_id", "cannot require itself");
	expect(prerequisite(inst, true, m1, x1), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "add_prerequisite.required_module_id", "must be in the same programme");
	expect(prerequisite(inst, true, "", m1), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "add_prerequisite.module_id", "module_id is required");

	r = GET(inst, GET_MODULE, m1);
	assert_int_equal(r->module->n_prerequisite_codes, 0);
	rpc_free(r);

	/* Without M3 -> M2 there is no cycle any more. */
	r = prerequisite(inst, false, m3, m2);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(r->module->n_prerequisite_codes, 0);
	rpc_free(r);
	expect(prerequisite(inst, false, m3, m2), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL,
	       "module M3 does not require M2");
	r = prerequisite(inst, true, m1, m3);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->module->prerequisite_codes[0], "M3");
	rpc_free(r);

	char actions[256];
	audit_actions(inst, "module", m3, actions, sizeof actions);
	assert_string_equal(actions,
			    "module.prerequisite_remove,module.prerequisite_add,module.create");
	free(x1);
	free(m3);
	free(m2);
	free(m1);
	free(other);
	free(prog);
	free(inst);
}

static void
test_delete_refused_while_in_use(void **state)
{
	char *inst = institution_new();
	char *prog = programme_new(inst, "MPM");
	char *pd = line_new(inst, prog, "PD", "Persoonlijke ontwikkeling");
	char *lo = outcome_new(inst, prog, "LO1", 5);
	static char *lines[] = {"PD"};
	static char *outcomes[] = {"LO1"};
	Triad__V1__Module mod = module_msg(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1);
	mod.line_codes = lines;
	mod.n_line_codes = 1;
	mod.outcome_codes = outcomes;
	mod.n_outcome_codes = 1;
	Triad__V1__Response *r = module_create(inst, &mod);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	char *m1 = strdup(r->module->id);
	rpc_free(r);
	char *m2 = module_new(inst, prog, "M2", 2);
	rpc_free(prerequisite(inst, true, m2, m1));

	expect(GET(inst, DELETE_PROGRAMME, prog), TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, "",
	       "programme MPM still has 2 modules, 1 learning line and 1 learning outcome; "
	       "delete them first");
	expect(GET(inst, DELETE_MODULE, m1), TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
	       "module M1 is a prerequisite of M2; remove that prerequisite first");
	expect(GET(inst, DELETE_LEARNING_LINE, pd), TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
	       "learning line PD is still used by module M1; take it off that module first");
	expect(GET(inst, DELETE_LEARNING_OUTCOME, lo), TRIAD__V1__CODE__CODE_FAILED_PRECONDITION,
	       NULL, "learning outcome LO1 is still covered by module M1");

	/* Nothing was deleted by the refusals. */
	r = GET(inst, GET_MODULE, m1);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(r->module->n_line_codes, 1);
	rpc_free(r);

	/* In the right order everything goes: M2 (with its prerequisite), M1
	 * (with its links), the line, the outcome, the programme. */
	const struct {
		Triad__V1__Request__BodyCase kind;
		const char *id;
	} order[] = {
		{TRIAD__V1__REQUEST__BODY_DELETE_MODULE, m2},
		{TRIAD__V1__REQUEST__BODY_DELETE_MODULE, m1},
		{TRIAD__V1__REQUEST__BODY_DELETE_LEARNING_LINE, pd},
		{TRIAD__V1__REQUEST__BODY_DELETE_LEARNING_OUTCOME, lo},
		{TRIAD__V1__REQUEST__BODY_DELETE_PROGRAMME, prog},
	};
	for (size_t i = 0; i < NELEM(order); i++) {
		r = by_id(inst, order[i].kind, order[i].id);
		if (r->status->code != TRIAD__V1__CODE__CODE_OK)
			fail_msg("delete %zu: %s", i, r->status->message);
		rpc_free(r);
	}
	free(m2);
	free(m1);
	free(lo);
	free(pd);
	free(prog);
	free(inst);
}

static void
test_lists_page_in_id_order(void **state)
{
	char *inst = institution_new();
	char *prog = programme_new(inst, "MPM");
	char *other = programme_new(inst, "METROPOOL");
	char *ids[5];
	char code[8];
	for (int i = 0; i < 5; i++) {
		snprintf(code, sizeof code, "M%d", i + 1);
		ids[i] = module_new(inst, prog, code, i + 1);
	}
	free(module_new(inst, other, "X1", 1));

	REQ(req);
	Triad__V1__ListModulesRequest lm = TRIAD__V1__LIST_MODULES_REQUEST__INIT;
	lm.programme_id = prog;
	lm.page_size = 2;
	BODY(req, LIST_MODULES, list_modules, lm);
	char *seen[5];
	size_t nseen = 0, pages = 0;
	char token[64] = "";
	do {
		lm.page_token = token;
		Triad__V1__Response *r = rpc_ok(&op, inst, &req);
		pages++;
		assert_true(r->modules->n_modules <= 2);
		for (size_t i = 0; i < r->modules->n_modules; i++) {
			assert_true(nseen < 5);
			assert_string_equal(r->modules->modules[i]->programme_id, prog);
			if (nseen > 0)
				assert_true(strcmp(seen[nseen - 1], r->modules->modules[i]->id) < 0);
			seen[nseen++] = strdup(r->modules->modules[i]->id);
		}
		snprintf(token, sizeof token, "%s", r->modules->next_page_token);
		rpc_free(r);
	} while (token[0] != '\0' && pages < 10);
	assert_int_equal(pages, 3);
	assert_int_equal(nseen, 5);
	for (int i = 0; i < 5; i++)
		assert_true(has(seen, nseen, ids[i]));

	/* Programmes page the same way; a token that is not an id is refused. */
	REQ(preq);
	Triad__V1__ListProgrammesRequest lp = TRIAD__V1__LIST_PROGRAMMES_REQUEST__INIT;
	lp.page_size = 1;
	BODY(preq, LIST_PROGRAMMES, list_programmes, lp);
	Triad__V1__Response *r = rpc_ok(&op, inst, &preq);
	assert_int_equal(r->programmes->n_programmes, 1);
	assert_string_equal(r->programmes->next_page_token, r->programmes->programmes[0]->id);
	lp.page_token = strdup(r->programmes->next_page_token);
	rpc_free(r);
	r = rpc_ok(&op, inst, &preq);
	assert_int_equal(r->programmes->n_programmes, 1);
	assert_true(strcmp(r->programmes->programmes[0]->id, lp.page_token) > 0);
	assert_string_equal(r->programmes->next_page_token, "");
	rpc_free(r);
	free(lp.page_token);
	lp.page_token = "page-2";
	expect(rpc(&op, inst, &preq), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
	       "list_programmes.page_token", NULL);

	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	for (int i = 0; i < 5; i++)
		free(ids[i]);
	free(other);
	free(prog);
	free(inst);
}

static void
test_institutions_do_not_see_each_other(void **state)
{
	char *a = institution_new();
	char *b = institution_new();
	char *prog = programme_new(a, "MPM");
	char *m1 = module_new(a, prog, "M1", 1);

	expect(GET(b, GET_PROGRAMME, prog), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, NULL);
	expect(GET(b, GET_MODULE, m1), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, NULL);
	expect(GET(b, DELETE_MODULE, m1), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, NULL);
	Triad__V1__Module mod = module_msg(prog, "M2", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 2);
	expect(module_create(b, &mod), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "not found");

	REQ(req);
	Triad__V1__ListModulesRequest lm = TRIAD__V1__LIST_MODULES_REQUEST__INIT;
	lm.programme_id = prog;
	BODY(req, LIST_MODULES, list_modules, lm);
	Triad__V1__Response *r = rpc_ok(&op, b, &req);
	assert_int_equal(r->modules->n_modules, 0);
	rpc_free(r);
	r = rpc_ok(&op, a, &req);
	assert_int_equal(r->modules->n_modules, 1);
	rpc_free(r);

	free(m1);
	free(prog);
	free(b);
	free(a);
}

static int
setup(void **state)
{
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_programme_create_get_update_delete),
		cmocka_unit_test(test_lines_and_outcomes),
		cmocka_unit_test(test_module_create_get_update_delete),
		cmocka_unit_test(test_codes_unique_within_a_programme),
		cmocka_unit_test(test_invalid_fields_are_named),
		cmocka_unit_test(test_prerequisite_cycle_is_refused),
		cmocka_unit_test(test_delete_refused_while_in_use),
		cmocka_unit_test(test_lists_page_in_id_order),
		cmocka_unit_test(test_institutions_do_not_see_each_other),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
