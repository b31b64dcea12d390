/*
 * Unit tests for the community, question, board, event, alumni and
 * ambassador commands of the client (client/cmd_community.c,
 * client/cmd_event.c): every command checked against the contract,
 * options that fill requests, and the commands that do more than one
 * request or say their answer in a sentence, run through the real
 * dispatcher against a scripted server in a child process that logs what
 * it was sent.
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
#include <time.h>
#include <unistd.h>

#include "script_server.h"
#include "call.h"
#include "commands.h"
#include "fields.h"
#include "names.h"
#include "resource.h"

static const Command *const commands[] = {
	&cmd_community, &cmd_question, &cmd_board, &cmd_event,
	&cmd_alumni,    &cmd_ambassador, &cmd_help, NULL,
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

/* ---- every command fits the contract ---------------------------------------- */

/* Whether every word of enum field f is in one of the texts. */
/* Here a list names its columns, names before ids, and ends with an id. */
static void
check_list_columns(const char *path, const Command *cmd)
{
	const Call *call = cmd->ctx;
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	size_t n;

	if (call->items == NULL)
		return;
	if (call->columns == NULL)
		fail_msg("%s: a list without columns", path);
	n = fields_columns(fields_items(call_reply_type(call->reply))->descriptor, call->columns,
			   cols, FIELDS_MAX_COLUMNS);
	if (n == 0 || (strcmp(cols[n - 1]->name, "id") != 0 &&
		       strstr(cols[n - 1]->name, "_id") == NULL))
		fail_msg("%s: the last column is not an id", path);
}

static void
test_every_call(void **state)
{
	(void)state;
	/* community 8, question 9, board 9, event 11, alumni 1, ambassador 5 */
	assert_int_equal(script_check_calls("triad", &root, check_list_columns), 43);
}

/* ---- filling requests ---------------------------------------------------------- */

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

/* Parse argv for cmd, fill a new message of its target type and prepare it. */
static Filled
fill(const Command *cmd, int argc, char **argv)
{
	const CliOption *tables[] = {cmd->options, client_global_options};
	const Call *call = cmd->ctx;
	size_t elen = 0;
	Filled f = {0};
	FILE *out = fopen("/dev/null", "w"), *err = open_memstream(&f.err, &elen);
	Client *c = client_new(&root, out, err);
	char msg[256];
	CliArgs args;

	assert_non_null(c);
	c->cmd = cmd;
	assert_true(cli_args_parse(&args, argc, argv, tables, 2, false, msg, sizeof msg));
	f.m = fields_new(call_target(call));
	f.rc = call_fill(c, cmd, &args, f.m);
	if (f.rc == TRIAD_EXIT_OK && call->prepare != NULL)
		f.rc = call->prepare(c, &args, f.m);
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
test_fill_communities(void **state)
{
	char *create[] = {"--name", "Zorg in de wijk", "--kind", "professional", "--agreement",
			  "ag-1", "--starts", "2026-09-01"};
	char *member[] = {"co-1", "pe-1", "--as", "workplace-coach", "--role", "facilitator"};
	char *partner[] = {"co-1", "pe-2", "--as", "Partner", "--org", "or-1"};
	char *former[] = {"co-1", "--former"};
	char *network[] = {"co-1", "or-2", "--network", "ag-9"};
	char *bad[] = {"co-1", "pe-1", "--as", "coach"};
	Filled f;

	(void)state;
	f = fill(find("community", "create", NULL), 8, create);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__CreateCommunityRequest *)f.m)->name, "Zorg in de wijk");
	assert_int_equal(((Triad__V1__CreateCommunityRequest *)f.m)->kind,
			 TRIAD__V1__COMMUNITY_KIND__COMMUNITY_KIND_PROFESSIONAL);
	assert_string_equal(((Triad__V1__CreateCommunityRequest *)f.m)->agreement_id, "ag-1");
	assert_string_equal(((Triad__V1__CreateCommunityRequest *)f.m)->starts_on, "2026-09-01");
	filled_free(&f);

	f = fill(find("community", "member", "add"), 6, member);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	{
		Triad__V1__AddCommunityMemberRequest *m = (Triad__V1__AddCommunityMemberRequest *)f.m;

		assert_string_equal(m->community_id, "co-1");
		assert_string_equal(m->person_id, "pe-1");
		assert_int_equal(m->affiliation,
				 TRIAD__V1__AFFILIATION__AFFILIATION_WORKPLACE_COACH);
		assert_int_equal(m->role, TRIAD__V1__COMMUNITY_ROLE__COMMUNITY_ROLE_FACILITATOR);
	}
	filled_free(&f);

	f = fill(find("community", "member", "add"), 6, partner);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_int_equal(((Triad__V1__AddCommunityMemberRequest *)f.m)->affiliation,
			 TRIAD__V1__AFFILIATION__AFFILIATION_PARTNER);
	assert_string_equal(((Triad__V1__AddCommunityMemberRequest *)f.m)->organisation_id,
			    "or-1");
	/* Empty role: the server's default, member. */
	assert_int_equal(((Triad__V1__AddCommunityMemberRequest *)f.m)->role, 0);
	filled_free(&f);

	f = fill(find("community", "member", "add"), 4, bad);
	assert_int_equal(f.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(f.err, "invalid value for --as: 'coach' is not a valid affiliation. "
				      "Did you mean 'workplace-coach'?"));
	filled_free(&f);

	f = fill(find("community", "member", "list"), 2, former);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_true(((Triad__V1__ListCommunityMembersRequest *)f.m)->include_former);
	filled_free(&f);

	f = fill(find("community", "org", "add"), 4, network);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__AddCommunityOrganisationRequest *)f.m)->organisation_id,
			    "or-2");
	assert_string_equal(
		((Triad__V1__AddCommunityOrganisationRequest *)f.m)->network_agreement_id, "ag-9");
	filled_free(&f);
}

static void
test_fill_questions_and_boards(void **state)
{
	char *move[] = {"q-1", "in-progress"};
	char *link[] = {"q-1", "pe-1", "--as", "participant", "--enrollment", "en-1", "--work",
			"intervention"};
	char *list[] = {"--org", "or-1", "--status", "delivered"};
	char *product[] = {"q-1", "--kind", "game", "--title", "Shift planner", "--delivered",
			   "2026-11-02"};
	char *member[] = {"bo-1", "pe-1", "--role", "chair", "--from", "2026-01-01", "--until",
			  "2029-12-31", "--org", "or-1"};
	char *past[] = {"bo-1", "--past"};
	char *meeting[] = {"bo-1", "--on", "2026-03-12", "--place", "Den Haag"};
	char *agenda[] = {"mt-1", "--title", "Night shifts", "--question", "q-1"};
	char *both[] = {"--community", "co-1", "--title", "t", "--description", "x",
			"--description-file", "/dev/null"};
	Filled f;

	(void)state;
	f = fill(find("question", "move", NULL), 2, move);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_int_equal(((Triad__V1__TransitionQuestionRequest *)f.m)->status,
			 TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_IN_PROGRESS);
	filled_free(&f);

	f = fill(find("question", "link", NULL), 8, link);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_int_equal(((Triad__V1__LinkQuestionPersonRequest *)f.m)->role,
			 TRIAD__V1__QUESTION_ROLE__QUESTION_ROLE_PARTICIPANT);
	assert_string_equal(((Triad__V1__LinkQuestionPersonRequest *)f.m)->enrollment_id, "en-1");
	assert_string_equal(((Triad__V1__LinkQuestionPersonRequest *)f.m)->work, "intervention");
	filled_free(&f);

	f = fill(find("question", "list", NULL), 4, list);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__ListQuestionsRequest *)f.m)->organisation_id, "or-1");
	assert_int_equal(((Triad__V1__ListQuestionsRequest *)f.m)->status,
			 TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_DELIVERED);
	filled_free(&f);

	f = fill(find("question", "product", "add"), 7, product);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_int_equal(((Triad__V1__AddProductRequest *)f.m)->kind,
			 TRIAD__V1__PRODUCT_KIND__PRODUCT_KIND_GAME);
	assert_string_equal(((Triad__V1__AddProductRequest *)f.m)->delivered_on, "2026-11-02");
	filled_free(&f);

	f = fill(find("question", "create", NULL), 8, both);
	assert_int_equal(f.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(f.err, "--description and --description-file cannot be used "
				      "together"));
	filled_free(&f);

	f = fill(find("board", "member", "add"), 10, member);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	{
		Triad__V1__AddBoardMemberRequest *m = (Triad__V1__AddBoardMemberRequest *)f.m;

		assert_int_equal(m->role, TRIAD__V1__BOARD_ROLE__BOARD_ROLE_CHAIR);
		assert_string_equal(m->term_starts_on, "2026-01-01");
		assert_string_equal(m->term_ends_on, "2029-12-31");
		assert_string_equal(m->organisation_id, "or-1");
	}
	filled_free(&f);

	f = fill(find("board", "member", "list"), 2, past);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_true(((Triad__V1__ListBoardMembersRequest *)f.m)->include_past);
	filled_free(&f);

	f = fill(find("board", "meeting", "add"), 5, meeting);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__CreateBoardMeetingRequest *)f.m)->held_on, "2026-03-12");
	assert_string_equal(((Triad__V1__CreateBoardMeetingRequest *)f.m)->place, "Den Haag");
	filled_free(&f);

	f = fill(find("board", "agenda", "add"), 5, agenda);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__AddAgendaItemRequest *)f.m)->meeting_id, "mt-1");
	assert_string_equal(((Triad__V1__AddAgendaItemRequest *)f.m)->question_id, "q-1");
	filled_free(&f);
}

static void
test_fill_events(void **state)
{
	char *summer[] = {"--kind", "alumni-presentation", "--title", "Ten years on", "--starts",
			  "2026-10-01 14:00", "--presenter", "pe-9", "--topic", "Change",
			  "--capacity", "40"};
	char *winter[] = {"--kind", "symposium", "--title", "t", "--starts", "2026-12-01T09:30"};
	char *rfc[] = {"--kind", "symposium", "--title", "t", "--starts",
		       "2026-12-01T09:30:00Z"};
	char *bad_day[] = {"--kind", "symposium", "--title", "t", "--starts", "2026-02-30 10:00"};
	char *bad_hour[] = {"--kind", "symposium", "--title", "t", "--starts", "2026-02-03 24:00"};
	char *list[] = {"--upcoming", "--kind", "intervision"};
	char *regs[] = {"ev-1", "--cancelled"};
	char *amb[] = {"--person", "pe-1", "--programme", "pg-1", "--org", "or-1", "--basis",
		       "alumnus"};
	char *act[] = {"am-1", "--kind", "guest-lecture", "--on", "2026-05-04", "--reach", "120"};
	char *end[] = {"am-1", "--on", "2026-12-31"};
	Filled f;

	(void)state;
	/* Central European time, without depending on a time zone database. */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	f = fill(find("event", "create", NULL), 12, summer);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	{
		Triad__V1__CreateEventRequest *e = (Triad__V1__CreateEventRequest *)f.m;

		assert_int_equal(e->kind, TRIAD__V1__EVENT_KIND__EVENT_KIND_ALUMNI_PRESENTATION);
		/* Typed in the local zone, sent as the instant in UTC. */
		assert_string_equal(e->starts_at, "2026-10-01T12:00:00Z");
		assert_string_equal(e->presenter_person_id, "pe-9");
		assert_string_equal(e->topic, "Change");
		assert_int_equal(e->capacity, 40);
		assert_int_equal(e->_capacity_case,
				 TRIAD__V1__CREATE_EVENT_REQUEST___CAPACITY_CAPACITY);
	}
	filled_free(&f);

	f = fill(find("event", "create", NULL), 6, winter);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__CreateEventRequest *)f.m)->starts_at,
			    "2026-12-01T08:30:00Z");
	filled_free(&f);

	/* A full RFC 3339 time is that instant. */
	f = fill(find("event", "create", NULL), 6, rfc);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__CreateEventRequest *)f.m)->starts_at,
			    "2026-12-01T09:30:00Z");
	filled_free(&f);

	f = fill(find("event", "create", NULL), 6, bad_day);
	assert_int_equal(f.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(f.err, "invalid value for --starts: '2026-02-30 10:00' (expected a "
				      "day and time such as '2026-10-01 14:00'"));
	filled_free(&f);
	f = fill(find("event", "create", NULL), 6, bad_hour);
	assert_int_equal(f.rc, TRIAD_EXIT_USAGE);
	filled_free(&f);
	setenv("TZ", "UTC", 1);
	tzset();

	f = fill(find("event", "list", NULL), 3, list);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_true(((Triad__V1__ListEventsRequest *)f.m)->upcoming);
	assert_int_equal(((Triad__V1__ListEventsRequest *)f.m)->kind,
			 TRIAD__V1__EVENT_KIND__EVENT_KIND_INTERVISION);
	filled_free(&f);

	f = fill(find("event", "registrations", NULL), 2, regs);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_true(((Triad__V1__ListRegistrationsRequest *)f.m)->include_cancelled);
	assert_false(((Triad__V1__ListRegistrationsRequest *)f.m)->waitlisted);
	filled_free(&f);

	f = fill(find("ambassador", "add", NULL), 8, amb);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__CreateAmbassadorRequest *)f.m)->organisation_id, "or-1");
	assert_int_equal(((Triad__V1__CreateAmbassadorRequest *)f.m)->basis,
			 TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_ALUMNUS);
	filled_free(&f);

	f = fill(find("ambassador", "activity", "add"), 7, act);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_int_equal(((Triad__V1__RecordAmbassadorActivityRequest *)f.m)->kind,
			 TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_GUEST_LECTURE);
	assert_string_equal(((Triad__V1__RecordAmbassadorActivityRequest *)f.m)->held_on,
			    "2026-05-04");
	assert_int_equal(((Triad__V1__RecordAmbassadorActivityRequest *)f.m)->reach, 120);
	filled_free(&f);

	f = fill(find("ambassador", "end", NULL), 3, end);
	assert_int_equal(f.rc, TRIAD_EXIT_OK);
	assert_string_equal(((Triad__V1__EndAmbassadorRequest *)f.m)->ends_on, "2026-12-31");
	filled_free(&f);
}

/* ---- a scripted server ----------------------------------------------------------- */

static bool
answer(int fd, FILE *log, Triad__V1__Request *req)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__HelloReply hello = TRIAD__V1__HELLO_REPLY__INIT;
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__Event ev = TRIAD__V1__EVENT__INIT;
	Triad__V1__EventRegistration reg = TRIAD__V1__EVENT_REGISTRATION__INIT, *regs[] = {&reg};
	Triad__V1__ListRegistrationsReply reglist = TRIAD__V1__LIST_REGISTRATIONS_REPLY__INIT;
	Triad__V1__TopicSuggestion topic = TRIAD__V1__TOPIC_SUGGESTION__INIT;
	Triad__V1__PracticeQuestion q = TRIAD__V1__PRACTICE_QUESTION__INIT;
	Triad__V1__QuestionPerson qp = TRIAD__V1__QUESTION_PERSON__INIT, *qps[] = {&qp};
	Triad__V1__ListQuestionPeopleReply people = TRIAD__V1__LIST_QUESTION_PEOPLE_REPLY__INIT;
	Triad__V1__Product pr = TRIAD__V1__PRODUCT__INIT, *prs[] = {&pr};
	Triad__V1__ListProductsReply products = TRIAD__V1__LIST_PRODUCTS_REPLY__INIT;

	resp.id = req->id;
	ev.id = "ev-1";
	ev.kind = TRIAD__V1__EVENT_KIND__EVENT_KIND_SYMPOSIUM;
	ev.title = "Public leadership";
	ev.starts_at = "2026-10-01T12:00:00Z";
	ev.capacity = 2;
	reg.id = "rg-1";
	reg.event_id = "ev-1";
	reg.person_id = "pe-1";
	reg.person_name = "Ada Lovelace";
	reg.status = TRIAD__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_REGISTERED;
	reg.placement = TRIAD__V1__PLACEMENT__PLACEMENT_PLACED;
	reg.registered_at = "2026-09-01T08:00:00Z";
	q.id = "q-1";
	q.title = "How do we keep night shifts safe?";
	q.organisation_name = "Zorggroep Noord";
	q.status = TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_DELIVERED;
	qp.id = "qp-1";
	qp.person_id = "pe-1";
	qp.person_name = "Ada Lovelace";
	qp.role = TRIAD__V1__QUESTION_ROLE__QUESTION_ROLE_PARTICIPANT;
	qp.work = "intervention";
	pr.id = "pr-1";
	pr.kind = TRIAD__V1__PRODUCT_KIND__PRODUCT_KIND_REPORT;
	pr.title = "Night shift report";
	pr.delivered_on = "2026-11-02";
	switch (req->body_case) {
	case TRIAD__V1__REQUEST__BODY_HELLO:
		hello.protocol_version = TRIAD_PROTOCOL_VERSION;
		hello.server_version = "triadd/test";
		resp.body_case = TRIAD__V1__RESPONSE__BODY_HELLO;
		resp.hello = &hello;
		break;
	case TRIAD__V1__REQUEST__BODY_GET_EVENT:
		fprintf(log, "get event %s\n", req->get_event->id);
		if (strcmp(req->get_event->id, "ev-1") != 0) {
			st.code = TRIAD__V1__CODE__CODE_NOT_FOUND;
			st.message = "no such event";
			resp.status = &st;
			break;
		}
		resp.body_case = TRIAD__V1__RESPONSE__BODY_EVENT;
		resp.event = &ev;
		break;
	case TRIAD__V1__REQUEST__BODY_CREATE_EVENT:
		fprintf(log, "create event %s\n", req->create_event->starts_at);
		resp.body_case = TRIAD__V1__RESPONSE__BODY_EVENT;
		resp.event = &ev;
		break;
	case TRIAD__V1__REQUEST__BODY_REGISTER_FOR_EVENT:
		fprintf(log, "register %s [%s]\n", req->register_for_event->event_id,
			req->register_for_event->person_id);
		reg.event_id = req->register_for_event->event_id;
		if (strcmp(req->register_for_event->person_id, "pe-3") == 0 ||
		    strcmp(reg.event_id, "ev-full") == 0) {
			reg.placement = TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED;
			reg.waitlist_position = 3;
		}
		resp.body_case = TRIAD__V1__RESPONSE__BODY_REGISTRATION;
		resp.registration = &reg;
		break;
	case TRIAD__V1__REQUEST__BODY_LIST_REGISTRATIONS:
		fprintf(log, "registrations %s waitlisted=%d cancelled=%d\n",
			req->list_registrations->event_id, req->list_registrations->waitlisted,
			req->list_registrations->include_cancelled);
		reg.placement = TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED;
		reg.waitlist_position = 1;
		reglist.n_registrations = 1;
		reglist.registrations = regs;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_REGISTRATIONS;
		resp.registrations = &reglist;
		break;
	case TRIAD__V1__REQUEST__BODY_SUGGEST_TOPIC:
		fprintf(log, "suggest %s [%s]\n", req->suggest_topic->event_id,
			req->suggest_topic->text);
		topic.id = "tp-1";
		topic.event_id = req->suggest_topic->event_id;
		topic.text = req->suggest_topic->text;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_TOPIC;
		resp.topic = &topic;
		break;
	case TRIAD__V1__REQUEST__BODY_GET_QUESTION:
		fprintf(log, "get question %s\n", req->get_question->id);
		q.id = req->get_question->id;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_QUESTION;
		resp.question = &q;
		break;
	case TRIAD__V1__REQUEST__BODY_CREATE_QUESTION:
		fprintf(log, "create question %s [%s]\n", req->create_question->title,
			req->create_question->description);
		resp.body_case = TRIAD__V1__RESPONSE__BODY_QUESTION;
		resp.question = &q;
		break;
	case TRIAD__V1__REQUEST__BODY_LIST_QUESTION_PEOPLE:
		fprintf(log, "people %s\n", req->list_question_people->question_id);
		/* As for an organisation's contact: the people are not theirs to see. */
		if (strcmp(req->list_question_people->question_id, "q-2") == 0) {
			st.code = TRIAD__V1__CODE__CODE_NOT_FOUND;
			st.message = "no such practice question";
			resp.status = &st;
			break;
		}
		people.n_people = 1;
		people.people = qps;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_QUESTION_PEOPLE;
		resp.question_people = &people;
		break;
	case TRIAD__V1__REQUEST__BODY_LIST_PRODUCTS:
		fprintf(log, "products %s\n", req->list_products->question_id);
		products.n_products = 1;
		products.products = prs;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PRODUCTS;
		resp.products = &products;
		break;
	case TRIAD__V1__REQUEST__BODY_GIVE_PRODUCT_FEEDBACK:
		fprintf(log, "feedback %s [%s]\n", req->give_product_feedback->product_id,
			req->give_product_feedback->feedback);
		pr.feedback = req->give_product_feedback->feedback;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PRODUCT;
		resp.product = &pr;
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

/* The answer to a registration says in words whether there was a place. */
static void
test_register(void **state)
{
	ScriptRun r;

	(void)state;
	r = run(3, "event", "register", "ev-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "register ev-1 []");
	assert_string_equal(script_line(), "get event ev-1");
	assert_string_equal(r.out, "Registered for Public leadership on 2026-10-01 12:00 "
				   "(registration rg-1): you have a place.\n");
	assert_string_equal(r.err, "");
	script_run_free(&r);

	r = run(4, "event", "register", "ev-1", "pe-3");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "register ev-1 [pe-3]");
	(void)script_line();
	assert_string_equal(r.out, "Registered Ada Lovelace for Public leadership on 2026-10-01 "
				   "12:00 (registration rg-1): the event is full; waitlisted at "
				   "number 3.\n");
	script_run_free(&r);

	r = run(4, "event", "register", "ev-1", "pe-1");
	(void)script_line();
	(void)script_line();
	assert_string_equal(r.out, "Registered Ada Lovelace for Public leadership on 2026-10-01 "
				   "12:00 (registration rg-1): placed.\n");
	script_run_free(&r);

	/* The event cannot be looked up: its id stands in, and nothing is reported. */
	r = run(3, "event", "register", "ev-full");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "register ev-full []");
	assert_string_equal(script_line(), "get event ev-full");
	assert_string_equal(r.out, "Registered for event ev-full (registration rg-1): the event is "
				   "full; you are number 3 on the waitlist.\n"
				   "You get a place by yourself, in order, when one frees up.\n");
	assert_string_equal(r.err, "");
	script_run_free(&r);

	/* Scripts get the registration, and only one request is sent. */
	r = run(4, "--json", "event", "register", "ev-full");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "register ev-full []");
	assert_non_null(strstr(r.out, "\"placement\":\"waitlisted\",\"waitlist_position\":3"));
	script_run_free(&r);

	r = run(2, "event", "register");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad event register: missing argument EVENT_ID\n"
				   "usage: triad event register EVENT_ID [EMAIL]\n");
	script_run_free(&r);
}

static void
test_event_lists_and_topics(void **state)
{
	ScriptRun r;

	(void)state;
	r = run(3, "event", "waitlist", "ev-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "registrations ev-1 waitlisted=1 cancelled=0");
	/* Times in the reader's zone, here UTC. */
	assert_string_equal(r.out, "WAITLIST_POSITION  PERSON_NAME   REGISTERED_AT         ID\n"
				   "1                  Ada Lovelace  2026-09-01 08:00 UTC  rg-1\n");
	script_run_free(&r);

	r = run(5, "--csv", "event", "registrations", "ev-1", "--cancelled");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "registrations ev-1 waitlisted=0 cancelled=1");
	assert_non_null(strstr(r.out, "id,event_id,person_id,person_name,status,placement,"
				      "waitlist_position,attendance,registered_at\r\n"
				      "rg-1,ev-1,pe-1,Ada Lovelace,registered,waitlisted,1,,"));
	script_run_free(&r);

	r = run(10, "event", "suggest", "ev-1", "How", "do", "we", "keep", "night", "shifts",
		"safe?");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "suggest ev-1 [How do we keep night shifts safe?]");
	script_run_free(&r);

	r = run(4, "event", "suggest", "ev-1", "--text=Rosters");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "suggest ev-1 [Rosters]");
	script_run_free(&r);

	r = run(8, "event", "create", "--kind", "symposium", "--title", "t", "--starts",
		"2026-10-01 14:00");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "create event 2026-10-01T14:00:00Z");
	script_run_free(&r);
}

/* A question is shown with its people and products, as far as the caller may see them. */
static void
test_question_show(void **state)
{
	ScriptRun r;

	(void)state;
	r = run(3, "question", "show", "q-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "get question q-1");
	assert_string_equal(script_line(), "people q-1");
	assert_string_equal(script_line(), "products q-1");
	assert_non_null(strstr(r.out, "title:             How do we keep night shifts safe?\n"));
	assert_non_null(strstr(r.out, "status:            delivered\n"));
	assert_non_null(strstr(r.out, "\nPeople:\n"
				      "PERSON_NAME   ROLE         COHORT_NAME  WORK          "));
	assert_non_null(strstr(r.out, "Ada Lovelace  participant               intervention  "));
	assert_non_null(strstr(r.out, "\nProducts:\n"
				      "TITLE               KIND    DELIVERED_ON  FEEDBACK_BY  "
				      "FEEDBACK_AT  ID\n"
				      "Night shift report  report  2026-11-02                              "
				      "pr-1\n"));
	script_run_free(&r);

	r = run(3, "question", "show", "q-2");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "get question q-2");
	assert_string_equal(script_line(), "people q-2");
	assert_string_equal(script_line(), "products q-2");
	assert_null(strstr(r.out, "People:"));
	assert_non_null(strstr(r.out, "\nProducts:\n"));
	assert_string_equal(r.err, "");
	script_run_free(&r);

	r = run(4, "--json", "question", "show", "q-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "get question q-1");
	assert_non_null(strstr(r.out, "\"status\":\"delivered\""));
	assert_null(strstr(r.out, "People"));
	script_run_free(&r);
}

/* Long text comes from an option, a file or standard input. */
static void
test_long_text(void **state)
{
	char path[] = "/tmp/triad-description-XXXXXX";
	int fd = mkstemp(path);
	ScriptRun r;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "From a file.", 12), 12);
	close(fd);

	r = run(8, "question", "create", "--community", "co-1", "--title", "Rosters",
		"--description-file", path);
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "create question Rosters [From a file.]");
	script_run_free(&r);
	unlink(path);

	/* Without a description nothing is read. */
	r = run(6, "question", "create", "--community", "co-1", "--title", "Rosters");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "create question Rosters []");
	script_run_free(&r);

	r = run_in("Useful, and used on every ward.\n", 4, "question", "product", "feedback", "pr-1");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "feedback pr-1 [Useful, and used on every ward.");
	assert_string_equal(script_line(), "]");
	assert_string_equal(r.out, "Your feedback on Night shift report is recorded.\n");
	script_run_free(&r);

	r = run(5, "question", "product", "feedback", "pr-1", "--text=Good.");
	assert_int_equal(r.rc, 0);
	assert_string_equal(script_line(), "feedback pr-1 [Good.]");
	script_run_free(&r);

	r = run_in("  \n", 4, "question", "product", "feedback", "pr-1");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad question product feedback: the feedback is empty: give "
				   "it with --text, --text-file or on standard input\n"
				   "usage: triad question product feedback PRODUCT_ID\n"
				   "                                       [--text TEXT | --text-file "
				   "PATH]\n");
	script_run_free(&r);
}

/* Every command has help; typos get suggestions. */
static void
test_help(void **state)
{
	ScriptRun r;

	(void)state;
	for (const Command *const *g = commands; *g != &cmd_help; g++) {
		r = run(2, (*g)->name, "--help");
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, "usage: triad "));
		script_run_free(&r);
		for (const Command *const *s = (*g)->subcommands; *s != NULL; s++) {
			r = run(3, (*g)->name, (*s)->name, "--help");
			assert_int_equal(r.rc, 0);
			assert_non_null(strstr(r.out, "Global options:"));
			script_run_free(&r);
		}
	}
	r = run(3, "event", "regster", "ev-1");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "Did you mean 'register'?"));
	script_run_free(&r);

	r = run(5, "community", "member", "add", "co-1", "pe-1");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_true(strncmp(r.err, "triad community member add: --as is required\n", 45) == 0);
	script_run_free(&r);
}

static int
group_setup(void **state)
{
	(void)state;
	script_start_answering(answer);
	setenv("TRIAD_ADDR", script_addr, 1);
	setenv("TRIAD_TOKEN", "good", 1);
	setenv("TZ", "UTC", 1);
	tzset();
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
		cmocka_unit_test(test_every_call),
		cmocka_unit_test(test_fill_communities),
		cmocka_unit_test(test_fill_questions_and_boards),
		cmocka_unit_test(test_fill_events),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_event_lists_and_topics),
		cmocka_unit_test(test_question_show),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_help),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
