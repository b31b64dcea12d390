/*
 * Unit tests for the catalogue and enrollment commands of the client:
 * amounts in euros, enum words made from descriptors, options that fill
 * fields (client/fields.c, client/call.c), a check of every such command
 * against the contract, and a few commands run through the real
 * dispatcher against a scripted server in a child process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "script_server.h"
#include "call.h"
#include "commands.h"
#include "fields.h"
#include "names.h"
#include "resource.h"

static const Command *const commands[] = {
	&cmd_programme, &cmd_line,       &cmd_outcome,    &cmd_module,
	&cmd_cohort,    &cmd_run,        &cmd_enroll,     &cmd_enrollment,
	&cmd_waitlist,  &cmd_attendance, &cmd_prior_learning, &cmd_progress,
	&cmd_help,      NULL,
};

static const Command root = {
	.name = "triad",
	.summary = "test root",
	.options = client_global_options,
	.subcommands = commands,
};

/* The client with this table against the scripted server; stdin reads input. */
#define run_in(input, ...) script_run(&root, (input), __VA_ARGS__)
#define run(...) run_in(NULL, __VA_ARGS__)

/* ---- amounts ---------------------------------------------------------------- */

static void
test_money(void **state)
{
	static const struct {
		const char *in;
		int64_t cents;
	} good[] = {
		{"17950", 1795000},      {"17,950.00", 1795000}, {"17950.5", 1795050},
		{"17950.05", 1795005},   {"EUR 17,950", 1795000}, {"eur17950", 1795000},
		{"\u20ac 1,234,567.89", 123456789}, {"0", 0}, {"0.99", 99},
		{"999", 99900},
	};
	static const char *const bad[] = {
		"", "EUR", "-5", "+5", "17.950,00", "1,79,50", "1234,567", ",950", "17,950,",
		"17.", ".5", "17.955", "17 950", "17950 ", " 17950", "1e3", "abc",
		"92233720368547758.08", "99999999999999999999",
	};
	char buf[64];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		v = -1;
		if (!fields_parse_money(good[i].in, &v))
			fail_msg("'%s' was refused", good[i].in);
		assert_int_equal(v, good[i].cents);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (fields_parse_money(bad[i], &v))
			fail_msg("'%s' was accepted", bad[i]);
	assert_true(fields_parse_money("92233720368547757.99", &v));
	assert_int_equal(v, INT64_MAX - 8);

	assert_string_equal(fields_format_money(1795000, PRINT_TEXT, buf, sizeof buf),
			    "EUR 17,950.00");
	assert_string_equal(fields_format_money(1795000, PRINT_JSON, buf, sizeof buf), "17950.00");
	assert_string_equal(fields_format_money(1795005, PRINT_CSV, buf, sizeof buf), "17950.05");
	assert_string_equal(fields_format_money(0, PRINT_TEXT, buf, sizeof buf), "EUR 0.00");
	assert_string_equal(fields_format_money(99, PRINT_TEXT, buf, sizeof buf), "EUR 0.99");
	assert_string_equal(fields_format_money(100000, PRINT_TEXT, buf, sizeof buf),
			    "EUR 1,000.00");
	assert_string_equal(fields_format_money(123456789, PRINT_TEXT, buf, sizeof buf),
			    "EUR 1,234,567.89");
	assert_string_equal(fields_format_money(-150, PRINT_TEXT, buf, sizeof buf), "EUR -1.50");
	/* What is printed is read back. */
	assert_true(fields_parse_money(fields_format_money(123456789, PRINT_TEXT, buf, sizeof buf),
				       &v));
	assert_int_equal(v, 123456789);
}

static void
test_numbers(void **state)
{
	double d = -1;

	(void)state;
	assert_true(fields_parse_number("60", &d));
	assert_true(d == 60);
	assert_true(fields_parse_number("7.5", &d));
	assert_true(d == 7.5);
	assert_true(fields_parse_number("0.05", &d));
	assert_true(fields_parse_number(".5", &d));
	assert_true(d == 0.5);
	assert_false(fields_parse_number("", &d));
	assert_false(fields_parse_number(".", &d));
	assert_false(fields_parse_number("-1", &d));
	assert_false(fields_parse_number("1.2.3", &d));
	assert_false(fields_parse_number("7,5", &d));
	assert_false(fields_parse_number("1e3", &d));
	assert_false(fields_parse_number("nan", &d));
	assert_false(fields_parse_number(" 1", &d));
}

/* ---- enum words ------------------------------------------------------------- */

static void
test_enum_words(void **state)
{
	const NameMap *st = names_of(&triad__v1__enrollment_status__descriptor);
	const NameMap *kind = names_of(&triad__v1__module_kind__descriptor);
	char buf[512];
	int v = -1;

	(void)state;
	assert_non_null(st);
	/* Made once. */
	assert_ptr_equal(names_of(&triad__v1__enrollment_status__descriptor), st);
	assert_int_equal(st->n, 6);
	assert_string_equal(st->what, "enrollment status");
	assert_string_equal(st->plural, "enrollment statuses");
	assert_string_equal(st->prefix, "ENROLLMENT_STATUS_");
	assert_string_equal(names_name(st, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED),
			    "intake-planned");
	assert_string_equal(names_label(st, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED),
			    "intake planned");
	assert_string_equal(names_name(st, 0), "");
	assert_null(names_name(st, 99));

	assert_true(names_parse(st, "intake-planned", &v));
	assert_int_equal(v, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED);
	assert_true(names_parse(st, "Intake_Planned", &v));
	assert_true(names_parse(st, "ENROLLMENT_STATUS_WITHDRAWN", &v));
	assert_int_equal(v, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN);
	assert_false(names_parse(st, "unspecified", &v));
	assert_false(names_parse(st, "intake planned", &v));

	names_explain(st, "withdrawm", buf, sizeof buf);
	assert_string_equal(buf, "'withdrawm' is not a valid enrollment status. Did you mean "
				 "'withdrawn'? Valid enrollment statuses: applied, intake-planned, "
				 "admitted, active, completed, withdrawn");

	assert_string_equal(kind->plural, "module kinds");
	assert_string_equal(names_name(kind, TRIAD__V1__MODULE_KIND__MODULE_KIND_MASTERCLASS),
			    "masterclass");
	assert_string_equal(names_name(names_of(&triad__v1__study_mode__descriptor),
				       TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME),
			    "part-time");
	assert_string_equal(names_of(&triad__v1__subgroup_purpose__descriptor)->plural,
			    "subgroup purposes");

	assert_string_equal(names_words("LearningLine", false, buf, sizeof buf), "learning line");
	assert_string_equal(names_words("ModuleRun", true, buf, sizeof buf), "MODULE_RUN");
	assert_string_equal(names_words("Programme", false, buf, 5), "prog");
}

/* ---- options to fields ------------------------------------------------------- */

/* The field --option fills in d, or "" for none; "?" when unknown. */
static const char *
field_of(const ProtobufCMessageDescriptor *d, const char *option, const char *renames)
{
	static char buf[128];
	FieldsOption fo;

	if (!fields_for_option(d, option, renames, &fo))
		return "?";
	snprintf(buf, sizeof buf, "%s%s", fo.negate ? "!" : "", fo.field ? fo.field->name : "");
	return buf;
}

static void
test_option_fields(void **state)
{
	const ProtobufCMessageDescriptor *prog = &triad__v1__programme__descriptor;
	const ProtobufCMessageDescriptor *mod = &triad__v1__module__descriptor;

	(void)state;
	assert_string_equal(field_of(prog, "name", NULL), "name");
	assert_string_equal(field_of(prog, "duration-months", NULL), "duration_months");
	assert_string_equal(field_of(prog, "standalone-share", NULL), "standalone_share");
	assert_string_equal(field_of(prog, "specialisation", NULL), "specialisations");
	assert_string_equal(field_of(prog, "fee", NULL), "fee_cents");
	assert_string_equal(field_of(prog, "start", NULL), "?");
	assert_string_equal(field_of(prog, "start", "x=y start=start_moments"), "start_moments");
	assert_string_equal(field_of(prog, "start", "start=no_such_field"), "?");
	assert_string_equal(field_of(prog, "nmae", NULL), "?");
	assert_string_equal(field_of(mod, "programme", NULL), "programme_id");
	assert_string_equal(field_of(mod, "line", NULL), "line_codes");
	assert_string_equal(field_of(mod, "outcome", NULL), "outcome_codes");
	assert_string_equal(field_of(mod, "cannot-be-missed", NULL), "cannot_be_missed");
	assert_string_equal(field_of(mod, "no-cannot-be-missed", NULL), "!cannot_be_missed");
	assert_string_equal(field_of(mod, "no-mandatory-attendance",
				     "mandatory-attendance=attendance_mandatory"),
			    "!attendance_mandatory");
	/* Only bools are negated. */
	assert_string_equal(field_of(mod, "no-name", NULL), "?");
	assert_string_equal(field_of(&triad__v1__cohort__descriptor, "starts", NULL), "starts_on");
	assert_string_equal(field_of(&triad__v1__decide_claim_request__descriptor, "reject",
				     "reject="),
			    "");
	/* A message field is never an option's. */
	assert_string_equal(field_of(&triad__v1__create_programme_request__descriptor,
				     "programme", NULL),
			    "?");
}

static void
test_every_call(void **state)
{
	(void)state;
	/* 4 x 5 catalogue commands, require, unrequire, and 25 about enrollment. */
	assert_int_equal(script_check_calls("triad", &root, NULL), 47);
}

/* ---- filling requests --------------------------------------------------------- */

/* The command at "group sub [subsub]". */
static const Command *
find(const char *group, const char *sub, const char *subsub)
{
	const Command *cmd = cli_find(commands, group);

	if (sub != NULL)
		cmd = cli_find(cmd->subcommands, sub);
	if (subsub != NULL)
		cmd = cli_find(cmd->subcommands, subsub);
	assert_non_null(cmd);
	return cmd;
}

typedef struct Filled {
	TriadExit rc;
	ProtobufCMessage *m;
	char *err;
} Filled;

/* Parse argv for cmd and fill a new message of its target type. */
static Filled
fill(const Command *cmd, int argc, char **argv)
{
	const CliOption *tables[] = {cmd->options, client_global_options};
	size_t elen = 0;
	Filled f = {0};
	FILE *out = fopen("/dev/null", "w"), *err = open_memstream(&f.err, &elen);
	Client *c = client_new(&root, out, err);
	char msg[256];
	CliArgs args;

	assert_non_null(c);
	c->cmd = cmd;
	assert_true(cli_args_parse(&args, argc, argv, tables, 2, false, msg, sizeof msg));
	f.m = fields_new(call_target(cmd->ctx));
	f.rc = call_fill(c, cmd, &args, f.m);
	cli_args_free(&args);
	client_free(c);
	fclose(out);
	fclose(err);
	return f;
}

static void
filled_free(Filled *f)
{
	fields_free(f->m);
	free(f->err);
}

static void
test_fill_programme(void **state)
{
	char *argv[] = {"--code", "MPM", "--name", "Master Public Management", "--award",
			"degree", "--ects", "60", "--duration-months", "24", "--mode", "part-time",
			"--start", "september", "--start", "february", "--fee", "17,950.00",
			"--specialisation", "Public Management", "--standalone-share", "0.4"};
	Filled f = fill(find("programme", "create", NULL), 22, argv);
	Triad__V1__Programme *p = (Triad__V1__Programme *)f.m;

	(void)state;
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(p->code, "MPM");
	assert_string_equal(p->name, "Master Public Management");
	assert_int_equal(p->award, TRIAD__V1__AWARD__AWARD_DEGREE);
	assert_true(p->ects == 60);
	assert_int_equal(p->duration_months, 24);
	assert_int_equal(p->mode, TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME);
	assert_int_equal(p->n_start_moments, 2);
	assert_string_equal(p->start_moments[0], "september");
	assert_string_equal(p->start_moments[1], "february");
	assert_int_equal(p->fee_cents, 1795000);
	assert_int_equal(p->n_specialisations, 1);
	assert_true(p->standalone_share == 0.4);
	/* Given, so that it is sent even when it is 0. */
	assert_int_equal(p->_standalone_share_case,
			 TRIAD__V1__PROGRAMME___STANDALONE_SHARE_STANDALONE_SHARE);
	assert_string_equal(p->language, "");
	assert_string_equal(f.err, "");
	filled_free(&f);
}

static void
test_fill_module_and_requests(void **state)
{
	char *module[] = {"--programme", "p-1", "--code", "M1", "--name", "Leadership",
			  "--kind", "core", "--credits", "7.5", "--cannot-be-missed",
			  "--line", "PD", "--line", "CD", "--outcome", "LO1", "--staff", "A",
			  "--staff", "B", "--staff", "C"};
	char *clear[] = {"--staff", "", "--no-cannot-be-missed", "--sequence", "3"};
	char *enroll[] = {"pe-1", "--run", "r-1", "--hours-per-week", "16"};
	char *move[] = {"e-1", "intake-planned"};
	char *decide[] = {"c-1", "--reject", "--reason", "no evidence"};
	char *bad[] = {"--staff", "A", "--sequence", "first"};
	Filled f = fill(find("module", "create", NULL), 23, module);
	Triad__V1__Module *m = (Triad__V1__Module *)f.m;
	Filled g;

	(void)state;
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(m->programme_id, "p-1");
	assert_int_equal(m->kind, TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE);
	assert_true(m->credits == 7.5);
	assert_true(m->cannot_be_missed);
	assert_false(m->attendance_mandatory);
	assert_int_equal(m->n_line_codes, 2);
	assert_string_equal(m->line_codes[1], "CD");
	assert_int_equal(m->n_outcome_codes, 1);
	assert_int_equal(m->n_staff, 3);
	filled_free(&f);

	/* An update's options on a module that has values: lists replaced, bools off. */
	g = fill(find("module", "update", NULL), 5, clear);
	assert_int_equal(g.rc, TRIAD_EXIT_OK);
	filled_free(&g);
	f = fill(find("module", "create", NULL), 23, module);
	{
		const Command *upd = find("module", "update", NULL);
		const CliOption *tables[] = {upd->options, client_global_options};
		FILE *null = fopen("/dev/null", "w");
		Client *c = client_new(&root, null, null);
		CliArgs args;
		char msg[256];

		c->cmd = upd;
		assert_true(cli_args_parse(&args, 5, clear, tables, 2, false, msg, sizeof msg));
		assert_int_equal(call_fill(c, upd, &args, f.m), TRIAD_EXIT_OK);
		m = (Triad__V1__Module *)f.m;
		assert_int_equal(m->n_staff, 0);
		assert_null(m->staff);
		assert_false(m->cannot_be_missed);
		assert_int_equal(m->sequence, 3);
		assert_int_equal(m->n_line_codes, 2);
		assert_string_equal(m->name, "Leadership");
		cli_args_free(&args);
		client_free(c);
		fclose(null);
	}
	filled_free(&f);

	/* A bad value leaves a precise message. */
	f = fill(find("module", "update", NULL), 4, bad);
	assert_int_equal(f.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(f.err, "invalid value for --sequence: 'first' (expected a whole "
				      "number such as 12)"));
	filled_free(&f);

	f = fill(find("enroll", NULL, NULL), 5, enroll);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__EnrollRequest *)f.m)->person_id, "pe-1");
	assert_string_equal(((Triad__V1__EnrollRequest *)f.m)->run_id, "r-1");
	assert_true(((Triad__V1__EnrollRequest *)f.m)->hours_per_week == 16);
	filled_free(&f);

	f = fill(find("enrollment", "move", NULL), 2, move);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_int_equal(((Triad__V1__TransitionEnrollmentRequest *)f.m)->status,
			 TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED);
	filled_free(&f);

	f = fill(find("prior-learning", "decide", NULL), 4, decide);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_false(((Triad__V1__DecideClaimRequest *)f.m)->validate);
	assert_string_equal(((Triad__V1__DecideClaimRequest *)f.m)->reason, "no evidence");
	filled_free(&f);
}

/* ---- cells --------------------------------------------------------------------- */

static char *
cell(const ProtobufCMessage *m, const char *field, PrintFormat format)
{
	static char buf[256];
	char *c = fields_cell(m, protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
										  field),
			      format);

	assert_non_null(c);
	snprintf(buf, sizeof buf, "%s", c);
	free(c);
	return buf;
}

static void
test_cells(void **state)
{
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;
	Triad__V1__Module m = TRIAD__V1__MODULE__INIT;
	char *starts[] = {"september", "february"};
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	char header[64], *json = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	p.fee_cents = 1795000;
	p.award = TRIAD__V1__AWARD__AWARD_CERTIFICATE;
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_FULL_TIME;
	p.ects = 7.5;
	p.duration_months = 24;
	p.n_start_moments = 2;
	p.start_moments = starts;
	assert_string_equal(cell(&p.base, "fee_cents", PRINT_TEXT), "EUR 17,950.00");
	assert_string_equal(cell(&p.base, "fee_cents", PRINT_JSON), "17950.00");
	assert_string_equal(cell(&p.base, "mode", PRINT_TEXT), "full time");
	assert_string_equal(cell(&p.base, "mode", PRINT_CSV), "full-time");
	assert_string_equal(cell(&p.base, "award", PRINT_TEXT), "certificate");
	assert_string_equal(cell(&p.base, "ects", PRINT_TEXT), "7.5");
	assert_string_equal(cell(&p.base, "duration_months", PRINT_TEXT), "24");
	assert_string_equal(cell(&p.base, "start_moments", PRINT_TEXT), "september, february");
	assert_string_equal(cell(&p.base, "specialisations", PRINT_TEXT), "");
	assert_string_equal(cell(&p.base, "name", PRINT_TEXT), "");
	p.mode = 42;
	assert_string_equal(cell(&p.base, "mode", PRINT_TEXT), "42");
	m.attendance_mandatory = 1;
	assert_string_equal(cell(&m.base, "attendance_mandatory", PRINT_TEXT), "yes");
	assert_string_equal(cell(&m.base, "cannot_be_missed", PRINT_JSON), "false");

	assert_string_equal(fields_header(protobuf_c_message_descriptor_get_field_by_name(
						  &triad__v1__programme__descriptor, "fee_cents"),
					  header, sizeof header),
			    "fee");
	assert_int_equal(fields_columns(&triad__v1__programme__descriptor, NULL, cols,
					FIELDS_MAX_COLUMNS),
			 13);
	assert_int_equal(fields_columns(&triad__v1__programme__descriptor, "code fee nope", cols,
					FIELDS_MAX_COLUMNS),
			 2);
	assert_string_equal(cols[1]->name, "fee_cents");
	/* Messages are no columns: 12 fields, 2 of them lists of messages. */
	assert_int_equal(fields_columns(&triad__v1__progress__descriptor, NULL, cols,
					FIELDS_MAX_COLUMNS),
			 10);

	out = open_memstream(&json, &len);
	fields_print_json(out, &m.base);
	fclose(out);
	assert_non_null(strstr(json, "\"attendance_mandatory\":true"));
	assert_non_null(strstr(json, "\"line_codes\":\"\""));
	free(json);
}

/* ---- a scripted server ----------------------------------------------------------- */

/* The programme the server keeps: what Get answers and Update replaces. */
static void
stored_programme(Triad__V1__Programme *p)
{
	static char *starts[] = {"september", "february"};

	triad__v1__programme__init(p);
	p->id = "pg-1";
	p->code = "MPM";
	p->name = "Master Public Management";
	p->award = TRIAD__V1__AWARD__AWARD_DEGREE;
	p->ects = 60;
	p->duration_months = 24;
	p->language = "nl";
	p->mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	p->n_start_moments = 2;
	p->start_moments = starts;
	p->fee_cents = 1795000;
	p->standalone_share = 0.5;
	p->_standalone_share_case = TRIAD__V1__PROGRAMME___STANDALONE_SHARE_STANDALONE_SHARE;
	p->created_at = "2026-01-01T00:00:00Z";
}

static bool
answer(int fd, FILE *log, Triad__V1__Request *req)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__HelloReply hello = TRIAD__V1__HELLO_REPLY__INIT;
	Triad__V1__Programme prog, *progs[2];
	Triad__V1__ListProgrammesReply list = TRIAD__V1__LIST_PROGRAMMES_REPLY__INIT;
	Triad__V1__Enrollment e = TRIAD__V1__ENROLLMENT__INIT;
	Triad__V1__Progress pr = TRIAD__V1__PROGRESS__INIT;
	Triad__V1__ProgressModule m1 = TRIAD__V1__PROGRESS_MODULE__INIT;
	Triad__V1__ProgressOutcome o1 = TRIAD__V1__PROGRESS_OUTCOME__INIT,
				   o2 = TRIAD__V1__PROGRESS_OUTCOME__INIT;
	Triad__V1__ProgressModule *mods[] = {&m1};
	Triad__V1__ProgressOutcome *outs[] = {&o1, &o2};
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;

	resp.id = req->id;
	stored_programme(&prog);
	switch (req->body_case) {
	case TRIAD__V1__REQUEST__BODY_HELLO:
		hello.protocol_version = TRIAD_PROTOCOL_VERSION;
		hello.server_version = "triadd/test";
		resp.body_case = TRIAD__V1__RESPONSE__BODY_HELLO;
		resp.hello = &hello;
		break;
	case TRIAD__V1__REQUEST__BODY_GET_PROGRAMME:
		fprintf(log, "get %s\n", req->get_programme->id);
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PROGRAMME;
		resp.programme = &prog;
		break;
	case TRIAD__V1__REQUEST__BODY_UPDATE_PROGRAMME: {
		const Triad__V1__Programme *u = req->update_programme->programme;

		fprintf(log, "update %s code=%s name=%s fee=%lld starts=%zu lang=%s share=%g\n",
			u->id, u->code, u->name, (long long)u->fee_cents, u->n_start_moments,
			u->language, u->standalone_share);
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PROGRAMME;
		resp.programme = req->update_programme->programme;
		break;
	}
	case TRIAD__V1__REQUEST__BODY_DELETE_PROGRAMME:
		fprintf(log, "delete %s\n", req->delete_programme->id);
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PROGRAMME;
		resp.programme = &prog;
		break;
	case TRIAD__V1__REQUEST__BODY_LIST_PROGRAMMES:
		fprintf(log, "list size=%d token=%s\n", req->list_programmes->page_size,
			req->list_programmes->page_token);
		progs[0] = progs[1] = &prog;
		list.n_programmes = strcmp(req->list_programmes->page_token, "") == 0 ? 2 : 1;
		list.programmes = progs;
		list.next_page_token = list.n_programmes == 2 ? "t2" : "";
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PROGRAMMES;
		resp.programmes = &list;
		break;
	case TRIAD__V1__REQUEST__BODY_ENROLL:
		fprintf(log, "enroll %s cohort=%s run=%s\n", req->enroll->person_id,
			req->enroll->cohort_id, req->enroll->run_id);
		e.id = "e-3";
		e.person_id = req->enroll->person_id;
		e.person_name = "Ada Lovelace";
		e.track = TRIAD__V1__ENROLLMENT_TRACK__ENROLLMENT_TRACK_PROGRAMME;
		e.cohort_id = req->enroll->cohort_id;
		e.status = TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_APPLIED;
		e.placement = strcmp(e.person_id, "pe-3") == 0
				      ? TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED
				      : TRIAD__V1__PLACEMENT__PLACEMENT_PLACED;
		e.waitlist_position = e.placement == TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_ENROLLMENT;
		resp.enrollment = &e;
		break;
	case TRIAD__V1__REQUEST__BODY_GET_PROGRESS:
		pr.enrollment_id = req->get_progress->enrollment_id;
		pr.person_name = "Ada Lovelace";
		pr.programme_code = "MPM";
		pr.status = TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED;
		pr.credits_earned = 7.5;
		pr.credits_validated = 5;
		pr.credits_required = 60;
		pr.projected_end = "2027-06-30";
		m1.code = "M1";
		m1.name = "Leadership";
		m1.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
		m1.credits = 7.5;
		m1.state = "completed";
		m1.sessions_attended = 4;
		m1.sessions_missed = 1;
		o1.code = "LO1";
		o1.credits = 5;
		o1.covered_by = "validation";
		o2.code = "LO2";
		o2.credits = 2.5;
		pr.n_modules = 1;
		pr.modules = mods;
		pr.n_outcomes = 2;
		pr.outcomes = outs;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PROGRESS;
		resp.progress = &pr;
		break;
	case TRIAD__V1__REQUEST__BODY_CLAIM_PRIOR_LEARNING:
		fprintf(log, "claim %s [%s]\n", req->claim_prior_learning->outcome_id,
			req->claim_prior_learning->evidence);
		st.code = TRIAD__V1__CODE__CODE_PERMISSION_DENIED;
		st.message = "you may not claim prior learning at nsob";
		resp.status = &st;
		break;
	default:
		fprintf(log, "other %d\n", req->body_case);
		st.code = TRIAD__V1__CODE__CODE_UNIMPLEMENTED;
		st.message = "not in the script";
		resp.status = &st;
		break;
	}
	script_send(fd, &resp);
	return true;
}

static void
test_update_fetches_first(void **state)
{
	ScriptRun r;

	(void)state;
	r = run(6, "programme", "update", "pg-1", "--fee", "18,500", "--start=");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "get pg-1");
	/* The rest as it was: the whole programme goes back. */
	assert_string_equal(script_line(), "update pg-1 code=MPM name=Master Public Management "
					   "fee=1850000 starts=0 lang=nl share=0.5");
	assert_non_null(strstr(r.out, "fee:              EUR 18,500.00\n"));
	assert_non_null(strstr(r.out, "award:            degree\n"));
	assert_non_null(strstr(r.out, "mode:             part time\n"));
	/* Empty values are left out on a terminal. */
	assert_null(strstr(r.out, "specialisations"));
	assert_null(strstr(r.out, "start_moments"));
	script_run_free(&r);

	/* A bad value is refused before anything is sent. */
	r = run(5, "programme", "update", "pg-1", "--ects", "sixty");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.out, "");
	script_run_free(&r);

	r = run(4, "--json", "programme", "show", "pg-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "get pg-1");
	assert_non_null(strstr(r.out, "\"fee\":17950.00,\"specialisations\":\"\","));
	assert_non_null(strstr(r.out, "\"start_moments\":\"september, february\""));
	script_run_free(&r);
}

static void
test_list_and_delete(void **state)
{
	ScriptRun r;

	(void)state;
	r = run(2, "programme", "list");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "list size=0 token=");
	assert_string_equal(r.out, "ID    CODE  NAME                      AWARD   ECTS  MODE       "
				   "FEE\n"
				   "pg-1  MPM   Master Public Management  degree  60    part time  "
				   "EUR 17,950.00\n"
				   "pg-1  MPM   Master Public Management  degree  60    part time  "
				   "EUR 17,950.00\n");
	assert_non_null(strstr(r.err, "there are more programmes; run it again with "
				      "--page-token t2"));
	script_run_free(&r);

	r = run(4, "--csv", "programme", "list", "--all");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "list size=500 token=");
	assert_string_equal(script_line(), "list size=500 token=t2");
	assert_non_null(strstr(r.out, "id,code,name,award,ects,duration_months,language,mode,"
				      "start_moments,fee,specialisations,standalone_share,"
				      "created_at\r\n"));
	assert_non_null(strstr(r.out, "pg-1,MPM,Master Public Management,degree,60,24,nl,"
				      "part-time,\"september, february\",17950.00,,0.5,"
				      "2026-01-01T00:00:00Z\r\n"));
	script_run_free(&r);

	r = run(3, "programme", "delete", "pg-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "delete pg-1");
	assert_string_equal(r.out, "Deleted programme MPM.\n");
	script_run_free(&r);
}

static void
test_enroll_and_progress(void **state)
{
	ScriptRun r;

	(void)state;
	r = run(4, "enroll", "pe-1", "--cohort", "co-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "enroll pe-1 cohort=co-1 run=");
	assert_string_equal(r.out, "Enrolled Ada Lovelace (enrollment e-3): placed.\n");
	script_run_free(&r);

	r = run(4, "enroll", "pe-3", "--cohort", "co-1");
	assert_int_equal(r.rc, 0);
	(void)script_line();
	assert_string_equal(r.out,
			    "Enrolled Ada Lovelace (enrollment e-3): waitlisted at position 1.\n");
	script_run_free(&r);

	r = run(5, "--json", "enroll", "pe-3", "--cohort", "co-1");
	(void)script_line();
	assert_non_null(strstr(r.out, "\"placement\":\"waitlisted\""));
	assert_non_null(strstr(r.out, "\"status\":\"applied\""));
	script_run_free(&r);

	r = run(2, "progress", "e-3");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
			    "person:        Ada Lovelace\n"
			    "programme:     MPM\n"
			    "status:        intake planned\n"
			    "credits:       7.5 earned, 5 validated, 60 required\n"
			    "projected end: 2027-06-30\n"
			    "enrollment:    e-3\n"
			    "\n"
			    "Modules:\n"
			    "CODE  NAME        KIND  CREDITS  STATE      ATTENDED  MISSED\n"
			    "M1    Leadership  core  7.5      completed  4         1\n"
			    "\n"
			    "Learning outcomes:\n"
			    "CODE  CREDITS  COVERED BY\n"
			    "LO1   5        prior learning\n"
			    "LO2   2.5      not yet\n");
	script_run_free(&r);

	r = run(3, "--json", "progress", "e-3");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "{\"enrollment_id\":\"e-3\",\"person_name\":\"Ada "
				      "Lovelace\",\"programme_code\":\"MPM\",\"status\":"
				      "\"intake-planned\",\"credits_earned\":7.5"));
	assert_non_null(strstr(r.out, "\"outcomes\":[{\"code\":\"LO1\",\"description\":\"\","
				      "\"credits\":5,\"covered_by\":\"validation\"},"));
	assert_non_null(strstr(r.out, "\"modules\":[{\"code\":\"M1\",\"name\":\"Leadership\","
				      "\"kind\":\"core\",\"credits\":7.5,\"state\":"
				      "\"completed\",\"sessions_attended\":4,"
				      "\"sessions_missed\":1}],\"credits_assessed\":0}\n"));
	script_run_free(&r);
}

/* Evidence comes from --evidence, a file, or standard input. */
static void
test_claim_evidence(void **state)
{
	char path[] = "/tmp/triad-evidence-XXXXXX";
	int fd = mkstemp(path);
	ScriptRun r;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "From a file.\n", 13), 13);
	close(fd);

	r = run(4, "prior-learning", "claim", "lo-1", "--evidence=Ten years.");
	assert_int_equal(r.rc, TRIAD_EXIT_AUTH);
	assert_string_equal(script_line(), "claim lo-1 [Ten years.]");
	assert_string_equal(r.err, "triad: you may not claim prior learning at nsob\n");
	script_run_free(&r);

	r = run(5, "prior-learning", "claim", "lo-1", "--evidence-file", path);
	assert_string_equal(script_line(), "claim lo-1 [From a file.");
	assert_string_equal(script_line(), "]");
	script_run_free(&r);

	r = run_in("Typed in.", 3, "prior-learning", "claim", "lo-1");
	assert_string_equal(script_line(), "claim lo-1 [Typed in.]");
	script_run_free(&r);

	r = run_in("Piped.", 5, "prior-learning", "claim", "lo-1", "--evidence-file", "-");
	assert_string_equal(script_line(), "claim lo-1 [Piped.]");
	script_run_free(&r);

	r = run_in(" \n\t\n", 3, "prior-learning", "claim", "lo-1");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_true(strncmp(r.err, "triad prior-learning claim: the evidence is empty: give it "
				   "with --evidence, --evidence-file or on standard input\n", 101) == 0);
	script_run_free(&r);

	r = run(7, "prior-learning", "claim", "lo-1", "--evidence", "x", "--evidence-file", path);
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--evidence and --evidence-file cannot be used together"));
	script_run_free(&r);
	unlink(path);

	r = run(5, "prior-learning", "claim", "lo-1", "--evidence-file", path);
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, ": No such file or directory\n"));
	script_run_free(&r);
}

/* Every new command has help, and usage errors name what is wrong. */
static void
test_help_and_usage(void **state)
{
	ScriptRun r;

	(void)state;
	for (const Command *const *g = commands; *g != NULL; g++) {
		r = run(2, (*g)->name, "--help");
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, "usage: triad "));
		script_run_free(&r);
		for (const Command *const *s = (*g)->subcommands; s != NULL && *s != NULL; s++) {
			r = run(3, (*g)->name, (*s)->name, "--help");
			assert_int_equal(r.rc, 0);
			assert_non_null(strstr(r.out, "Global options:"));
			script_run_free(&r);
		}
	}
	r = run(4, "run", "subgroup", "add", "--help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "usage: triad run subgroup add RUN --name NAME "
				      "--purpose PURPOSE\n"));
	script_run_free(&r);

	r = run(2, "enroll", "pe-1");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_true(strncmp(r.err, "triad enroll: either --cohort or --run is required\n", 51) ==
		    0);
	script_run_free(&r);

	r = run(3, "waitlist", "--cohort", "a");
	assert_int_equal(r.rc, 1);
	assert_string_equal(script_line(), "other 85");
	script_run_free(&r);

	r = run(2, "attendance", "record");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_true(strncmp(r.err, "triad attendance record: missing argument SESSION_ID\n", 53) ==
		    0);
	script_run_free(&r);

	r = run(6, "programme", "create", "--code", "X", "--name", "Y");
	script_run_free(&r);
	assert_string_equal(script_line(), "other 40");
	r = run(8, "programme", "create", "--code", "X", "--name", "Y", "--fee", "1.234,50");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "invalid value for --fee: '1.234,50' (expected euros such "
				      "as 17950 or 17,950.00)"));
	script_run_free(&r);
}

static int
group_setup(void **state)
{
	(void)state;
	script_start_answering(answer);
	setenv("TRIAD_ADDR", script_addr, 1);
	setenv("TRIAD_TOKEN", "good", 1);
	unsetenv("TRIAD_INSTITUTION");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	script_stop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_enum_words),
		cmocka_unit_test(test_option_fields),
		cmocka_unit_test(test_every_call),
		cmocka_unit_test(test_fill_programme),
		cmocka_unit_test(test_fill_module_and_requests),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_update_fetches_first),
		cmocka_unit_test(test_list_and_delete),
		cmocka_unit_test(test_enroll_and_progress),
		cmocka_unit_test(test_claim_evidence),
		cmocka_unit_test(test_help_and_usage),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
