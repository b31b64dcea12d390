/*
 * cmd_grant.c: `triad grant add|list|revoke`, who may do what in an
 * institution.
 */
#include "client.h"
#include "commands.h"
#include "resource.h"

static const char *const grant_headers[] = {"id", "principal_id", "principal_name", "role",
					    "title", "organisation_id", "institution_id",
					    "created_at"};
#define GRANT_COLS (sizeof grant_headers / sizeof grant_headers[0])

/* Room for a role or title this client does not know, as a number. */
typedef struct GrantBuf {
	char role[16];
	char title[16];
} GrantBuf;

static void
grant_cells(const Triad__V1__Grant *g, const char *cells[GRANT_COLS], GrantBuf *b)
{
	cells[0] = g->id;
	cells[1] = g->principal_id;
	cells[2] = g->principal_name;
	cells[3] = names_show(&names_role, g->role, b->role, sizeof b->role);
	cells[4] = names_show(&names_title, g->title, b->title, sizeof b->title);
	cells[5] = g->organisation_id;
	cells[6] = g->institution_id;
	cells[7] = g->created_at;
}

/* Send req, which the server answers with a Grant, and print it. */
static int
grant_call(Client *c, Triad__V1__Request *req)
{
	const char *cells[GRANT_COLS];
	GrantBuf b;
	Triad__V1__Response *resp;
	TriadExit rc = client_call_expect(c, req, TRIAD__V1__RESPONSE__BODY_GRANT, &resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	grant_cells(resp->grant, cells, &b);
	rc = resource_print_record(c, GRANT_COLS, grant_headers, cells);
	rpc_response_free(resp);
	return rc;
}

static int
add_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__CreateGrantRequest create = TRIAD__V1__CREATE_GRANT_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	const char *org;
	int role, title;
	TriadExit rc;

	if ((rc = resource_argument(c, args->pos[0], "PERSON_ID")) != TRIAD_EXIT_OK ||
	    (rc = resource_name_option(c, args, "role", &names_role, true, &role)) !=
		    TRIAD_EXIT_OK ||
	    (rc = resource_name_option(c, args, "title", &names_title, false, &title)) !=
		    TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "org", false, &org)) != TRIAD_EXIT_OK)
		return rc;
	create.person_id = (char *)args->pos[0];
	create.role = (Triad__V1__Role)role;
	create.title = (Triad__V1__StaffTitle)title;
	if (org != NULL)
		create.organisation_id = (char *)org;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_GRANT;
	req.create_grant = &create;
	return grant_call(c, &req);
}

static const CliOption add_options[] = {
	{"role", 0, "ROLE", "the role (see below)"},
	{"title", 0, "TITLE", "for programme-staff: the function (see below)"},
	{"org", 0, "ORG_ID", "the organisation the role is limited to"},
	{NULL, 0, NULL, NULL},
};

static const Command grant_add = {
	.name = "add",
	.summary = "Give a person of the institution a role",
	.usage = "PERSON_ID --role ROLE [--title TITLE] [--org ORG_ID]",
	.description =
		"Example: triad --institution nsob grant add PERSON_ID --role programme-staff\n"
		"         --title lecturer\n"
		"\n"
		RESOURCE_ROLES_HELP
		"\n"
		"A person invited with 'triad invite create' gets the invite's role when\n"
		"they redeem it; 'grant add' is for people who are already signed in.\n",
	.options = add_options,
	.min_args = 1,
	.max_args = 1,
	.handler = add_run,
};

static void
list_request(void *ctx, Triad__V1__Request *req, int32_t page_size, const char *page_token)
{
	Triad__V1__ListGrantsRequest *list = ctx;

	list->page_size = page_size;
	list->page_token = (char *)page_token;
	req->body_case = TRIAD__V1__REQUEST__BODY_LIST_GRANTS;
	req->list_grants = list;
}

static const char *
list_rows(void *ctx, const Triad__V1__Response *resp, Table *t)
{
	const Triad__V1__ListGrantsReply *reply = resp->grants;

	for (size_t i = 0; i < reply->n_grants; i++) {
		const char *cells[GRANT_COLS];
		GrantBuf b;

		grant_cells(reply->grants[i], cells, &b);
		if (!table_add_row(t, cells))
			return NULL;
	}
	return reply->next_page_token;
}

static int
list_cmd_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__ListGrantsRequest list = TRIAD__V1__LIST_GRANTS_REQUEST__INIT;
	static const ListSpec spec = {
		.items = "grants",
		.ncols = GRANT_COLS,
		.headers = grant_headers,
		.reply = TRIAD__V1__RESPONSE__BODY_GRANTS,
		.request = list_request,
		.rows = list_rows,
	};
	const char *principal;
	TriadExit rc = resource_option(c, args, "principal", false, &principal);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	if (principal != NULL)
		list.principal_id = (char *)principal;
	return list_run(c, args, &spec, &list);
}

static const CliOption list_options[] = {
	{"principal", 0, "ID", "only the grants of this principal"},
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command grant_list = {
	.name = "list",
	.summary = "List the grants of the institution",
	.usage = "[--principal ID] " LIST_PAGING_USAGE,
	.options = list_options,
	.handler = list_cmd_run,
};

static int
revoke_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__RevokeGrantRequest revoke = TRIAD__V1__REVOKE_GRANT_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	TriadExit rc = resource_argument(c, args->pos[0], "GRANT_ID");

	if (rc != TRIAD_EXIT_OK)
		return rc;
	revoke.id = (char *)args->pos[0];
	req.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_GRANT;
	req.revoke_grant = &revoke;
	return grant_call(c, &req);
}

static const Command grant_revoke = {
	.name = "revoke",
	.summary = "Take a role away; it ends at the principal's next request",
	.usage = "GRANT_ID",
	.min_args = 1,
	.max_args = 1,
	.handler = revoke_run,
};

static const Command *const grant_commands[] = {
	&grant_add,
	&grant_list,
	&grant_revoke,
	NULL,
};

const Command cmd_grant = {
	.name = "grant",
	.summary = "Give, list and take away roles in an institution",
	.subcommands = grant_commands,
};
