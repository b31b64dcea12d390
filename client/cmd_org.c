/*
 * cmd_org.c: `triad org create|list|show`, the organisations (employers,
 * schools, hospitals, municipalities) shared by all institutions.
 * create and show are Calls (call.h). The kind is printed by its name in
 * every format, so list keeps its own rows.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

static const char *const org_headers[] = {"id", "name", "kind", "created_at"};
#define ORG_COLS (sizeof org_headers / sizeof org_headers[0])

/* kind needs room for a kind this client does not know, as a number. */
static void
org_cells(const Triad__V1__Organisation *o, const char *cells[ORG_COLS], char *kind, size_t len)
{
	cells[0] = o->id;
	cells[1] = o->name;
	cells[2] = names_show(&names_org_kind, o->kind, kind, len);
	cells[3] = o->created_at;
}

/* Print an Organisation, its kind by name (care-provider) in every format. */
static TriadExit
org_print(Client *c, const ProtobufCMessage *m)
{
	const char *cells[ORG_COLS];
	char kind[16];

	org_cells((const Triad__V1__Organisation *)m, cells, kind, sizeof kind);
	return resource_print_record(c, ORG_COLS, org_headers, cells);
}

/*
 * --name and --kind fill no field by themselves (see org_create_call): they
 * are checked here, in order, and --kind's errors name the valid kinds.
 */
static TriadExit
create_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	const char *name;
	int kind;
	TriadExit rc;

	if ((rc = resource_option(c, args, "name", true, &name)) != TRIAD_EXIT_OK ||
	    (rc = resource_name_option(c, args, "kind", &names_org_kind, true, &kind)) !=
		    TRIAD_EXIT_OK)
		return rc;
	if (!fields_set_named(target, "name", name))
		return client_out_of_memory(c);
	((Triad__V1__CreateOrganisationRequest *)target)->kind = (Triad__V1__OrganisationKind)kind;
	return TRIAD_EXIT_OK;
}

static const CliOption create_options[] = {
	{"name", 0, "NAME", "the organisation's name"},
	{"kind", 0, "KIND", "what kind of organisation it is (see below)"},
	{NULL, 0, NULL, NULL},
};

static const Call org_create_call = {
	.request = RQ(CREATE_ORGANISATION),
	.reply = RS(ORGANISATION),
	.fields = "name= kind=",
	.prepare = create_prepare,
	.print = org_print,
};

static const Command org_create = {
	.name = "create",
	.summary = "Add an organisation",
	.usage = "--name NAME --kind KIND",
	.description =
		"KIND is one of employer, school, hospital, municipality, government,\n"
		"care-provider and other.\n"
		"\n"
		"Organisations are shared by all institutions: a municipality that employs\n"
		"participants of several institutions is added once.\n",
	.options = create_options,
	.handler = call_run,
	.ctx = &org_create_call,
};

static void
list_request(void *ctx, Triad__V1__Request *req, int32_t page_size, const char *page_token)
{
	Triad__V1__ListOrganisationsRequest *list = ctx;

	list->page_size = page_size;
	list->page_token = (char *)page_token;
	req->body_case = TRIAD__V1__REQUEST__BODY_LIST_ORGANISATIONS;
	req->list_organisations = list;
}

static const char *
list_rows(void *ctx, const Triad__V1__Response *resp, Table *t)
{
	const Triad__V1__ListOrganisationsReply *reply = resp->organisations;

	for (size_t i = 0; i < reply->n_organisations; i++) {
		const char *cells[ORG_COLS];
		char kind[16];

		org_cells(reply->organisations[i], cells, kind, sizeof kind);
		if (!table_add_row(t, cells))
			return NULL;
	}
	return reply->next_page_token;
}

static int
list_cmd_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__ListOrganisationsRequest list = TRIAD__V1__LIST_ORGANISATIONS_REQUEST__INIT;
	static const ListSpec spec = {
		.items = "organisations",
		.ncols = ORG_COLS,
		.headers = org_headers,
		.reply = TRIAD__V1__RESPONSE__BODY_ORGANISATIONS,
		.request = list_request,
		.rows = list_rows,
	};

	return list_run(c, args, &spec, &list);
}

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command org_list = {
	.name = "list",
	.summary = "List the organisations",
	.usage = LIST_PAGING_USAGE,
	.options = list_options,
	.handler = list_cmd_run,
};

static const Call org_show_call = {
	.request = RQ(GET_ORGANISATION),
	.reply = RS(ORGANISATION),
	.args = "id",
	.print = org_print,
};

static const Command org_show = {
	.name = "show",
	.summary = "Show one organisation",
	.usage = "ID",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &org_show_call,
};

static const Command *const org_commands[] = {
	&org_create,
	&org_list,
	&org_show,
	NULL,
};

const Command cmd_org = {
	.name = "org",
	.summary = "Add and look up organisations: employers, schools, hospitals",
	.subcommands = org_commands,
};
