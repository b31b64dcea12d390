/*
 * cmd_community.c: professional learning communities, the practice
 * questions they work on with the products delivered for them, and
 * advisory boards (proto/triad/v1/community.proto).
 *
 * Every command is a Call (call.h). What options cannot say is below:
 * long text from a file or standard input (a question's description, an
 * organisation's feedback on a product), and `question show`, which on a
 * terminal also lists the question's people and products.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* The most text a description or a product's feedback holds (community.proto). */
#define LONG_TEXT_MAX (16 * 1024)

#define QUESTION_STATUSES "proposed, accepted, in-progress, delivered or evaluated"

/* ---- text from an option, a file or standard input ------------------------ */

/* How read_text() finds one long text field. */
typedef struct TextSource {
	const char *field;     /* the field it fills, such as "feedback" */
	const char *option;    /* the option that gives it inline, "text" */
	const char *file;      /* the option that names a file, "text-file" */
	const char *what;      /* for messages: "the feedback" */
	bool required;         /* read standard input when neither option is given */
} TextSource;

/*
 * Fill src->field of target when it was not given inline: from the file
 * that --FILE names ("-" for standard input), or else, for a required
 * text, from standard input, with a prompt when that is a terminal. A
 * required text that is empty, or any text over LONG_TEXT_MAX bytes, is
 * a usage error, reported before anything is sent.
 */
static TriadExit
read_text(Client *c, const CliArgs *args, ProtobufCMessage *target, const TextSource *src)
{
	const char *path = cli_args_value(args, src->file);
	bool from_file = path != NULL && strcmp(path, "-") != 0;
	FILE *in = c->in;
	TriadExit rc = TRIAD_EXIT_OK;
	char *buf;
	size_t n;

	if (path != NULL && cli_args_has(args, src->option))
		return client_usage_error(c, "--%s and --%s cannot be used together", src->option,
					  src->file);
	if (cli_args_has(args, src->option) || (path == NULL && !src->required))
		return TRIAD_EXIT_OK;
	if (path != NULL && path[0] == '\0')
		return client_usage_error(c, "--%s must not be empty", src->file);
	if (from_file && (in = fopen(path, "r")) == NULL)
		return client_usage_error(c, "cannot read %s: %s", path, strerror(errno));
	if (!from_file && isatty(fileno(in)))
		fprintf(c->prompt, "Type %s, then Ctrl-D on a line of its own:\n", src->what);
	if ((buf = malloc(LONG_TEXT_MAX + 1)) == NULL) {
		if (from_file)
			fclose(in);
		return client_out_of_memory(c);
	}
	n = fread(buf, 1, LONG_TEXT_MAX + 1, in);
	buf[n > LONG_TEXT_MAX ? LONG_TEXT_MAX : n] = '\0';
	if (ferror(in))
		rc = client_usage_error(c, "cannot read %s: %s", from_file ? path : "standard input",
					strerror(errno));
	else if (n > LONG_TEXT_MAX)
		rc = client_usage_error(c, "%s is longer than %d KiB", src->what,
					LONG_TEXT_MAX / 1024);
	else if (src->required && buf[strspn(buf, " \t\r\n")] == '\0')
		rc = client_usage_error(c, "%s is empty: give it with --%s, --%s or on standard "
					   "input", src->what, src->option, src->file);
	else if (!fields_set_named(target, src->field, buf))
		rc = client_out_of_memory(c);
	if (from_file)
		fclose(in);
	free(buf);
	return rc;
}

/* ---- communities ----------------------------------------------------------- */

static const CliOption paging_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const CliOption community_create_options[] = {
	{"name", 0, "NAME", "what the community is called"},
	{"kind", 0, "KIND", "cohort (a cohort's learning community) or professional"},
	{"cohort", 0, "NAME", "for --kind cohort: the cohort whose community it is"},
	{"theme", 0, "TEXT", "what the community works on, in a sentence"},
	{"agreement", 0, "ID", "the agreement with a work-field organisation it rests on"},
	{"starts", 0, "YYYY-MM-DD", "the first day (default today, or the cohort's start)"},
	{"ends", 0, "YYYY-MM-DD", "the last day (default: no end)"},
	END_OPTIONS,
};

static const Call community_create_call = {
	.request = RQ(CREATE_COMMUNITY),
	.reply = RS(COMMUNITY),
	.required = "name kind",
};

static const Command community_create = {
	.name = "create",
	.summary = "Start a professional learning community",
	.usage = "--name NAME --kind KIND [--cohort ID] [--theme TEXT] [--agreement ID] "
		 "[--starts YYYY-MM-DD] [--ends YYYY-MM-DD]",
	.description =
		"Kinds: cohort, the learning community of one cohort's participants, which\n"
		"needs --cohort; professional, a standing community of the work field, the\n"
		"programme and its participants and alumni, which takes no --cohort.\n"
		"\n"
		"Add people with 'triad community member add' and work-field organisations\n"
		"with 'triad community org add'.\n",
	.options = community_create_options,
	.handler = call_run,
	.ctx = &community_create_call,
};

CALL_SHOW(community_show, "community", RQ(GET_COMMUNITY), RS(COMMUNITY));

static const CliOption community_list_options[] = {
	{"kind", 0, "KIND", "only communities of this kind: cohort or professional"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call community_list_call = {
	.request = RQ(LIST_COMMUNITIES),
	.reply = RS(COMMUNITIES),
	.items = "communities",
	.columns = "name kind cohort_name starts_on ends_on members organisations open_questions "
		   "id",
};

static const Command community_list = {
	.name = "list",
	.summary = "List the communities you may see",
	.usage = "[--kind KIND] " LIST_PAGING_USAGE,
	.description = "Staff see every community of the institution; anyone else the\n"
		       "communities they are a member of now.\n",
	.options = community_list_options,
	.handler = call_run,
	.ctx = &community_list_call,
};

static const CliOption member_add_options[] = {
	{"as", 0, "WHO", "participant, alumnus, staff, workplace-coach or partner"},
	{"role", 0, "ROLE", "facilitator, member (the default) or guest"},
	{"org", 0, "ORG", "for --as partner: the organisation they come from"},
	END_OPTIONS,
};

static const Call member_add_call = {
	.request = RQ(ADD_COMMUNITY_MEMBER),
	.reply = RS(COMMUNITY_MEMBER),
	.args = "community_id person_id",
	.fields = "as=affiliation org=organisation_id",
	.required = "as",
};

static const Command member_add = {
	.name = "add",
	.summary = "Add a person to a community, or change their part in it",
	.usage = "COMMUNITY_ID EMAIL --as WHO [--role ROLE] [--org ORG]",
	.description =
		"--as says where the person comes from: participant, alumnus, staff,\n"
		"workplace-coach, or partner (someone from a work-field organisation, named\n"
		"with --org). --role is their part: facilitator (leads the meetings and the\n"
		"work), member, or guest (now and then, such as a speaker).\n"
		"\n"
		"Adding someone who is already a member changes their role and where they\n"
		"come from. Members see the community, its questions and its products.\n",
	.options = member_add_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &member_add_call,
};

static const Call member_remove_call = {
	.request = RQ(REMOVE_COMMUNITY_MEMBER),
	.reply = RS(COMMUNITY_MEMBER),
	.args = "community_id person_id",
};

static const Command member_remove = {
	.name = "remove",
	.summary = "End a person's membership of a community",
	.usage = "COMMUNITY_ID EMAIL",
	.description = "The membership ends today; it stays in the history ('triad community\n"
		       "member list --former').\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &member_remove_call,
};

static const CliOption member_list_options[] = {
	{"former", 0, NULL, "also former members"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call member_list_call = {
	.request = RQ(LIST_COMMUNITY_MEMBERS),
	.reply = RS(COMMUNITY_MEMBERS),
	.args = "community_id",
	.fields = "former=include_former",
	.items = "members",
	.columns = "person_name role affiliation organisation_name joined_on left_on person_id",
};

static const Command member_list = {
	.name = "list",
	.summary = "List the members of a community",
	.usage = "COMMUNITY_ID [--former] " LIST_PAGING_USAGE,
	.options = member_list_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &member_list_call,
};

static const Command *const member_commands[] = {&member_add, &member_remove, &member_list,
						 NULL};

static const Command community_member = {
	.name = "member",
	.summary = "Add, remove and list the members of a community",
	.subcommands = member_commands,
};

static const CliOption org_add_options[] = {
	{"network", 0, "AGREEMENT_ID", "the professional network's agreement it joins through"},
	END_OPTIONS,
};

static const Call org_add_call = {
	.request = RQ(ADD_COMMUNITY_ORGANISATION),
	.reply = RS(COMMUNITY_ORGANISATION),
	.args = "community_id organisation_id",
	.fields = "network=network_agreement_id",
};

static const Command org_add = {
	.name = "add",
	.summary = "Let a work-field organisation take part in a community",
	.usage = "COMMUNITY_ID ORG [--network AGREEMENT_ID]",
	.description =
		"A small organisation may take part through a professional network: give the\n"
		"network's agreement with --network. An organisation takes part once; its\n"
		"contacts may then write practice questions in the community.\n",
	.options = org_add_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &org_add_call,
};

static const Call org_list_call = {
	.request = RQ(LIST_COMMUNITY_ORGANISATIONS),
	.reply = RS(COMMUNITY_ORGANISATIONS),
	.args = "community_id",
	.items = "organisations",
	.columns = "organisation_name joined_on network_agreement_id organisation_id",
};

static const Command org_list = {
	.name = "list",
	.summary = "List the organisations taking part in a community",
	.options = paging_options,
	.usage = "COMMUNITY_ID" " " LIST_PAGING_USAGE,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &org_list_call,
};

static const Command *const org_commands[] = {&org_add, &org_list, NULL};

static const Command community_org = {
	.name = "org",
	.summary = "Work-field organisations taking part in a community",
	.subcommands = org_commands,
};

static const Command *const community_commands[] = {
	&community_create, &community_list,   &community_show,
	&community_member, &community_org,    NULL,
};

const Command cmd_community = {
	.name = "community",
	.summary = "Professional learning communities: members and organisations",
	.description =
		"In a professional learning community the work field, the programme and its\n"
		"participants work together on questions from practice ('triad question').\n"
		"A community and everything in it is visible to its current members and to\n"
		"the institution's staff; anything else answers 'not found'.\n",
	.subcommands = community_commands,
};

/* ---- practice questions ---------------------------------------------------- */

static const TextSource description_source = {
	"description", "description", "description-file", "the description", false,
};

static TriadExit
question_create_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	return read_text(c, args, target, &description_source);
}

static const CliOption question_create_options[] = {
	{"community", 0, "ID", "the community it is asked in"},
	{"title", 0, "TITLE", "the question, in a line"},
	{"org", 0, "ORG", "the organisation that owns it (staff must give it)"},
	{"description", 0, "TEXT", "the question in full"},
	{"description-file", 0, "PATH", "read the description from this file ('-': standard "
					 "input)"},
	END_OPTIONS,
};

static const Call question_create_call = {
	.request = RQ(CREATE_QUESTION),
	.reply = RS(QUESTION),
	.fields = "org=organisation_id description-file=",
	.required = "community title",
	.prepare = question_create_prepare,
};

static const Command question_create = {
	.name = "create",
	.summary = "Write a question from practice for a community to work on",
	.usage = "--community ID --title TITLE [--org ORG] "
		 "[--description TEXT | --description-file PATH]",
	.description =
		"A practice question belongs to a work-field organisation that takes part in\n"
		"the community. Its contacts write for their own organisation and may leave\n"
		"out --org; staff name the organisation. A question starts as proposed;\n"
		"staff take it on ('triad question move ID accepted').\n",
	.options = question_create_options,
	.handler = call_run,
	.ctx = &question_create_call,
};

#define PEOPLE_COLUMNS "person_name role cohort_name work linked_at person_id enrollment_id"
#define PRODUCT_COLUMNS "title kind delivered_on feedback_by feedback_at id"

/* "\nTITLE:\n" and the rows of the list answer that req asks for; a section of show. */
static TriadExit
show_section(Client *c, const char *title, Triad__V1__Request *req,
	     Triad__V1__Response__BodyCase body, const char *columns)
{
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	char names[FIELDS_MAX_COLUMNS][64];
	const char *headers[FIELDS_MAX_COLUMNS];
	Triad__V1__Response *resp;
	const ProtobufCMessage *answer;
	ProtobufCMessage *const *item;
	TriadExit rc = TRIAD_EXIT_OK;
	RpcError err;
	size_t ncols, n;
	Table *t;

	if ((rc = call_quietly(c, req, body, &resp, &err)) != TRIAD_EXIT_OK) {
		/* What the caller may not see is left out, as the server hides it. */
		if (err.kind == RPC_ERR_STATUS && (err.code == TRIAD__V1__CODE__CODE_NOT_FOUND ||
						   err.code == TRIAD__V1__CODE__CODE_PERMISSION_DENIED))
			return TRIAD_EXIT_OK;
		return call_report(c, &err, rc);
	}
	answer = fields_message(&resp->base, protobuf_c_message_descriptor_get_field(
						     resp->base.descriptor, (unsigned)body),
				false);
	n = call_items(answer, &item);
	ncols = fields_columns(fields_items(answer->descriptor)->descriptor, columns, cols,
			       FIELDS_MAX_COLUMNS);
	for (size_t i = 0; i < ncols; i++)
		headers[i] = fields_header(cols[i], names[i], sizeof names[i]);
	t = client_table(c, ncols, headers);
	for (size_t i = 0; t != NULL && i < n; i++)
		if (!call_add_row(t, cols, ncols, item[i], PRINT_TEXT)) {
			table_free(t);
			t = NULL;
		}
	if (t == NULL) {
		rpc_response_free(resp);
		return client_out_of_memory(c);
	}
	fprintf(c->out, "\n%s:\n", title);
	if (n == 0)
		fputs("  none\n", c->out);
	else if (!table_print(t, PRINT_TEXT, c->out))
		rc = TRIAD_EXIT_SERVER;
	table_free(t);
	rpc_response_free(resp);
	return rc;
}

/* The question, and on a terminal the people linked to it and its products. */
static TriadExit
question_show_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__PracticeQuestion *q = (const Triad__V1__PracticeQuestion *)answer;
	Triad__V1__ListQuestionPeopleRequest people =
		TRIAD__V1__LIST_QUESTION_PEOPLE_REQUEST__INIT;
	Triad__V1__ListProductsRequest products = TRIAD__V1__LIST_PRODUCTS_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	TriadExit rc = call_print_record(c, answer);

	if (rc != TRIAD_EXIT_OK || c->format != PRINT_TEXT)
		return rc;
	people.question_id = q->id;
	people.page_size = LIST_MAX_PAGE_SIZE;
	req.body_case = RQ(LIST_QUESTION_PEOPLE);
	req.list_question_people = &people;
	rc = show_section(c, "People", &req, RS(QUESTION_PEOPLE), PEOPLE_COLUMNS);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	products.question_id = q->id;
	products.page_size = LIST_MAX_PAGE_SIZE;
	req.body_case = RQ(LIST_PRODUCTS);
	req.list_products = &products;
	req.institution = NULL;
	return show_section(c, "Products", &req, RS(PRODUCTS), PRODUCT_COLUMNS);
}

static const Call question_show_call = {
	.request = RQ(GET_QUESTION),
	.reply = RS(QUESTION),
	.args = "id",
	.print = question_show_print,
};

static const Command question_show = {
	.name = "show",
	.summary = "Show a practice question with its people and products",
	.usage = "ID",
	.description = "With --json or --csv only the question itself is printed; 'triad\n"
		       "question people' and 'triad question product list' give the rest.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &question_show_call,
};

static const CliOption question_list_options[] = {
	{"community", 0, "ID", "only the questions of this community"},
	{"org", 0, "ORG", "only the questions this organisation owns"},
	{"status", 0, "STATUS", "only those in this status: " QUESTION_STATUSES},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call question_list_call = {
	.request = RQ(LIST_QUESTIONS),
	.reply = RS(QUESTIONS),
	.fields = "org=organisation_id",
	.items = "questions",
	.columns = "title organisation_name community_name status participants products id",
};

static const Command question_list = {
	.name = "list",
	.summary = "List the practice questions you may see",
	.usage = "[--community ID] [--org ORG] [--status STATUS] " LIST_PAGING_USAGE,
	.description =
		"Filters combine. Staff and a community's members see its questions; an\n"
		"organisation's contacts see the questions their organisation owns, in\n"
		"any community.\n",
	.options = question_list_options,
	.handler = call_run,
	.ctx = &question_list_call,
};

static const Call question_move_call = {
	.request = RQ(TRANSITION_QUESTION),
	.reply = RS(QUESTION),
	.args = "id status",
};

static const Command question_move = {
	.name = "move",
	.summary = "Move a practice question to its next status",
	.usage = "ID STATUS",
	.description =
		"STATUS is accepted, in-progress, delivered or evaluated. A question goes\n"
		"proposed, accepted, in-progress, delivered, evaluated, one step at a time\n"
		"and never back. It can go in progress only when a participant works on it\n"
		"('triad question link'), be delivered only with a product ('triad question\n"
		"product add'), and be evaluated only when its organisation has given\n"
		"feedback on every product.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &question_move_call,
};

static const CliOption question_link_options[] = {
	{"as", 0, "ROLE", "participant, coach or staff"},
	{"enrollment", 0, "ENROLLMENT", "for a participant: the enrollment whose work points to "
					"it"},
	{"work", 0, "WHAT", "what the work is, such as intervention or research"},
	END_OPTIONS,
};

static const Call question_link_call = {
	.request = RQ(LINK_QUESTION_PERSON),
	.reply = RS(QUESTION_PERSON),
	.args = "question_id person_id",
	.fields = "as=role",
	.required = "as",
};

static const Command question_link = {
	.name = "link",
	.summary = "Link a person to a practice question",
	.usage = "ID EMAIL --as ROLE [--enrollment ENROLLMENT] [--work WHAT]",
	.description =
		"A participant works on the question: their intervention or research points\n"
		"to it. Give the enrollment to show the cohort; a question can run across\n"
		"cohorts. Linking the same person in the same role again changes the\n"
		"enrollment and the work.\n",
	.options = question_link_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &question_link_call,
};

static const Call question_people_call = {
	.request = RQ(LIST_QUESTION_PEOPLE),
	.reply = RS(QUESTION_PEOPLE),
	.args = "question_id",
	.items = "people",
	.columns = PEOPLE_COLUMNS,
};

static const Command question_people = {
	.name = "people",
	.summary = "List the people linked to a practice question",
	.options = paging_options,
	.usage = "ID" " " LIST_PAGING_USAGE,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &question_people_call,
};

static const CliOption product_add_options[] = {
	{"kind", 0, "KIND", "report, workshop, game or article"},
	{"title", 0, "TITLE", "what it is called"},
	{"description", 0, "TEXT", "what it is, in a few lines"},
	{"delivered", 0, "YYYY-MM-DD", "when it was delivered (default today)"},
	END_OPTIONS,
};

static const Call product_add_call = {
	.request = RQ(ADD_PRODUCT),
	.reply = RS(PRODUCT),
	.args = "question_id",
	.required = "kind title",
};

static const Command product_add = {
	.name = "add",
	.summary = "Record a product delivered for a practice question",
	.usage = "QUESTION_ID --kind KIND --title TITLE [--description TEXT] "
		 "[--delivered YYYY-MM-DD]",
	.description = "Products are recorded for questions that have been accepted. The\n"
		       "owning organisation gives its feedback on each ('triad question\n"
		       "product feedback').\n",
	.options = product_add_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &product_add_call,
};

static const Call product_list_call = {
	.request = RQ(LIST_PRODUCTS),
	.reply = RS(PRODUCTS),
	.args = "question_id",
	.items = "products",
	.columns = PRODUCT_COLUMNS,
};

static const Command product_list = {
	.name = "list",
	.summary = "List the products of a practice question",
	.options = paging_options,
	.usage = "QUESTION_ID" " " LIST_PAGING_USAGE,
	.description = "--json and --csv include the organisation's feedback in full.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &product_list_call,
};

static const TextSource feedback_source = {
	"feedback", "text", "text-file", "the feedback", true,
};

static TriadExit
product_feedback_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	return read_text(c, args, target, &feedback_source);
}

/* "Your feedback on Report on night shifts is recorded." */
static TriadExit
product_feedback_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__Product *p = (const Triad__V1__Product *)answer;

	if (c->format != PRINT_TEXT)
		return call_print_record(c, answer);
	fputs("Your feedback on ", c->out);
	print_sanitized(c->out, p->title[0] != '\0' ? p->title : p->id);
	fputs(" is recorded.\n", c->out);
	return TRIAD_EXIT_OK;
}

static const CliOption product_feedback_options[] = {
	{"text", 0, "TEXT", "the feedback"},
	{"text-file", 0, "PATH", "read the feedback from this file ('-': standard input)"},
	END_OPTIONS,
};

static const Call product_feedback_call = {
	.request = RQ(GIVE_PRODUCT_FEEDBACK),
	.reply = RS(PRODUCT),
	.args = "product_id",
	.fields = "text=feedback text-file=",
	.prepare = product_feedback_prepare,
	.print = product_feedback_print,
};

static const Command product_feedback = {
	.name = "feedback",
	.summary = "Give your organisation's feedback on a product",
	.usage = "PRODUCT_ID [--text TEXT | --text-file PATH]",
	.description =
		"For the contacts of the organisation that owns the question. Without\n"
		"--text or --text-file the feedback is read from standard input. Giving\n"
		"feedback again replaces it. A question is evaluated once every product\n"
		"has feedback.\n",
	.options = product_feedback_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &product_feedback_call,
};

static const Command *const product_commands[] = {&product_add, &product_list,
						  &product_feedback, NULL};

static const Command question_product = {
	.name = "product",
	.summary = "Products delivered for a practice question, and feedback on them",
	.subcommands = product_commands,
};

static const Command *const question_commands[] = {
	&question_create, &question_list,   &question_show,    &question_move,
	&question_link,   &question_people, &question_product, NULL,
};

const Command cmd_question = {
	.name = "question",
	.summary = "Questions from practice that a community works on",
	.description =
		"A practice question is owned by a work-field organisation and worked on by\n"
		"participants, with a coach and staff. It moves forward only: proposed,\n"
		"accepted, in progress, delivered (with products) and evaluated (with the\n"
		"organisation's feedback on every product).\n",
	.subcommands = question_commands,
};

/* ---- advisory boards ------------------------------------------------------- */

static const CliOption board_create_options[] = {
	{"name", 0, "NAME", "what the board is called"},
	{"kind", 0, "KIND", "work-field, scientific or advisory-council"},
	{"programme", 0, "CODE", "the programme it advises (default: the whole institution)"},
	END_OPTIONS,
};

static const Call board_create_call = {
	.request = RQ(CREATE_BOARD),
	.reply = RS(BOARD),
	.required = "name kind",
};

static const Command board_create = {
	.name = "create",
	.summary = "Set up an advisory board",
	.usage = "--name NAME --kind KIND [--programme ID]",
	.description =
		"Kinds: work-field, people from the work field who advise on the programme;\n"
		"scientific; advisory-council. A board belongs to the institution, or with\n"
		"--programme to one programme.\n",
	.options = board_create_options,
	.handler = call_run,
	.ctx = &board_create_call,
};

CALL_SHOW(board_show, "advisory board", RQ(GET_BOARD), RS(BOARD));

static const CliOption board_list_options[] = {
	{"programme", 0, "CODE", "only the boards of this programme"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call board_list_call = {
	.request = RQ(LIST_BOARDS),
	.reply = RS(BOARDS),
	.items = "boards",
	.columns = "name kind programme_code members meetings id",
};

static const Command board_list = {
	.name = "list",
	.summary = "List advisory boards",
	.usage = "[--programme ID] " LIST_PAGING_USAGE,
	.description = "Staff see every board; anyone else the boards they sit on now.\n",
	.options = board_list_options,
	.handler = call_run,
	.ctx = &board_list_call,
};

static const CliOption board_member_add_options[] = {
	{"org", 0, "ORG", "the organisation the member comes from"},
	{"role", 0, "ROLE", "chair, member (the default) or secretary"},
	{"from", 0, "YYYY-MM-DD", "the first day of the term (default today)"},
	{"until", 0, "YYYY-MM-DD", "the last day of the term (default: open-ended)"},
	END_OPTIONS,
};

static const Call board_member_add_call = {
	.request = RQ(ADD_BOARD_MEMBER),
	.reply = RS(BOARD_MEMBER),
	.args = "board_id person_id",
	.fields = "org=organisation_id from=term_starts_on until=term_ends_on",
};

static const Command board_member_add = {
	.name = "add",
	.summary = "Give a person a seat on a board for a term",
	.usage = "BOARD_ID EMAIL [--org ORG] [--role ROLE] [--from YYYY-MM-DD] "
		 "[--until YYYY-MM-DD]",
	.description = "A person may sit on a board for several terms, as long as they do\n"
		       "not overlap.\n",
	.options = board_member_add_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &board_member_add_call,
};

static const CliOption board_member_list_options[] = {
	{"past", 0, NULL, "also members whose term has ended or not yet begun"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call board_member_list_call = {
	.request = RQ(LIST_BOARD_MEMBERS),
	.reply = RS(BOARD_MEMBERS),
	.args = "board_id",
	.fields = "past=include_past",
	.items = "members",
	.columns = "person_name role organisation_name term_starts_on term_ends_on current "
		   "person_id",
};

static const Command board_member_list = {
	.name = "list",
	.summary = "List the members of a board",
	.usage = "BOARD_ID [--past]" " " LIST_PAGING_USAGE,
	.description = "Without --past, only the members whose term holds today.\n",
	.options = board_member_list_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &board_member_list_call,
};

static const Command *const board_member_commands[] = {&board_member_add, &board_member_list,
						       NULL};

static const Command board_member = {
	.name = "member",
	.summary = "The members of a board and their terms",
	.subcommands = board_member_commands,
};

static const CliOption meeting_add_options[] = {
	{"on", 0, "YYYY-MM-DD", "the day it is held"},
	{"place", 0, "PLACE", "where"},
	{"minutes", 0, "TEXT", "the minutes"},
	END_OPTIONS,
};

static const Call meeting_add_call = {
	.request = RQ(CREATE_BOARD_MEETING),
	.reply = RS(BOARD_MEETING),
	.args = "board_id",
	.fields = "on=held_on",
	.required = "on",
};

static const Command meeting_add = {
	.name = "add",
	.summary = "Record a meeting of a board, held or planned",
	.usage = "BOARD_ID --on YYYY-MM-DD [--place PLACE] [--minutes TEXT]",
	.description = "Put items on its agenda with 'triad board agenda add MEETING_ID'.\n",
	.options = meeting_add_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &meeting_add_call,
};

static const Call meeting_list_call = {
	.request = RQ(LIST_BOARD_MEETINGS),
	.reply = RS(BOARD_MEETINGS),
	.args = "board_id",
	.items = "meetings",
	.columns = "held_on place agenda_items id",
};

static const Command meeting_list = {
	.name = "list",
	.summary = "List the meetings of a board",
	.options = paging_options,
	.usage = "BOARD_ID" " " LIST_PAGING_USAGE,
	.description = "--json and --csv include the minutes.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &meeting_list_call,
};

static const Command *const meeting_commands[] = {&meeting_add, &meeting_list, NULL};

static const Command board_meeting = {
	.name = "meeting",
	.summary = "The meetings of a board",
	.subcommands = meeting_commands,
};

static const CliOption agenda_add_options[] = {
	{"title", 0, "TITLE", "what the item is about"},
	{"notes", 0, "TEXT", "notes for the item"},
	{"question", 0, "ID", "the practice question it is about"},
	{"programme", 0, "CODE", "the programme it is about"},
	END_OPTIONS,
};

static const Call agenda_add_call = {
	.request = RQ(ADD_AGENDA_ITEM),
	.reply = RS(AGENDA_ITEM),
	.args = "meeting_id",
	.required = "title",
};

static const Command agenda_add = {
	.name = "add",
	.summary = "Add an item at the end of a meeting's agenda",
	.usage = "MEETING_ID --title TITLE [--notes TEXT] [--question ID] [--programme CODE]",
	.description = "Items are numbered in the order they are added.\n",
	.options = agenda_add_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &agenda_add_call,
};

static const Call agenda_list_call = {
	.request = RQ(LIST_AGENDA_ITEMS),
	.reply = RS(AGENDA_ITEMS),
	.args = "meeting_id",
	.items = "agenda items",
	.columns = "position title question_title programme_code id",
};

static const Command agenda_list = {
	.name = "list",
	.summary = "List the agenda of a meeting",
	.options = paging_options,
	.usage = "MEETING_ID" " " LIST_PAGING_USAGE,
	.description = "--json and --csv include the notes.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &agenda_list_call,
};

static const Command *const agenda_commands[] = {&agenda_add, &agenda_list, NULL};

static const Command board_agenda = {
	.name = "agenda",
	.summary = "The agenda of a board's meeting",
	.subcommands = agenda_commands,
};

static const Command *const board_commands[] = {
	&board_create, &board_list,    &board_show,   &board_member,
	&board_meeting, &board_agenda, NULL,
};

const Command cmd_board = {
	.name = "board",
	.summary = "Advisory boards: members, meetings and agendas",
	.subcommands = board_commands,
};
