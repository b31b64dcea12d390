/*
 * cmd_org.c: `triad org create|list|show`, the organisations (employers,
 * schools, hospitals, municipalities) shared by all institutions.
 */
#include "client.h"
#include "commands.h"
#include "resource.h"

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

/* Send req, which the server answers with an Organisation, and print it. */
static int
org_call(Client *c, Triad__V1__Request *req)
{
	const char *cells[ORG_COLS];
	char kind[16];
	Triad__V1__Response *resp;
	TriadExit rc = client_call_expect(c, req, TRIAD__V1__RESPONSE__BODY_ORGANISATION, &resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	org_cells(resp->organisation, cells, kind, sizeof kind);
	rc = resource_print_record(c, ORG_COLS, org_headers, cells);
	rpc_response_free(resp);
	return rc;
}

static int
create_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__CreateOrganisationRequest create = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	const char *name;
	int kind;
	TriadExit rc;

	if ((rc = resource_option(c, args, "name", true, &name)) != TRIAD_EXIT_OK ||
	    (rc = resource_name_option(c, args, "kind", &names_org_kind, true, &kind)) !=
		    TRIAD_EXIT_OK)
		return rc;
	create.name = (char *)name;
	create.kind = (Triad__V1__OrganisationKind)kind;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_ORGANISATION;
	req.create_organisation = &create;
	return org_call(c, &req);
}

static const CliOption create_options[] = {
	{"name", 0, "NAME", "the organisation's name"},
	{"kind", 0, "KIND", "what kind of organisation it is (see below)"},
	{NULL, 0, NULL, NULL},
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
	.handler = create_run,
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

static int
show_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__GetOrganisationRequest get = TRIAD__V1__GET_ORGANISATION_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	TriadExit rc = resource_argument(c, args->pos[0], "ID");

	if (rc != TRIAD_EXIT_OK)
		return rc;
	get.id = (char *)args->pos[0];
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_ORGANISATION;
	req.get_organisation = &get;
	return org_call(c, &req);
}

static const Command org_show = {
	.name = "show",
	.summary = "Show one organisation",
	.usage = "ID",
	.min_args = 1,
	.max_args = 1,
	.handler = show_run,
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
