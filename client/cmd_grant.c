/*
 * cmd_grant.c: `triad grant add|list|revoke`, who may do what in an
 * institution. list and revoke are Calls (call.h); role and title are
 * printed by their names in every format, so grants keep their own cells.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"
#include "when.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

static const char *const grant_headers[] = {"id", "principal_id", "principal_name", "role",
					    "title", "organisation_id", "institution_id",
					    "created_at"};
#define GRANT_COLS (sizeof grant_headers / sizeof grant_headers[0])

static void
grant_cells(const ProtobufCMessage *m, const char **cells, CallNumbers *num)
{
	const Triad__V1__Grant *g = (const Triad__V1__Grant *)m;

	cells[0] = g->id;
	cells[1] = g->principal_id;
	cells[2] = g->principal_name;
	cells[3] = names_show(&names_role, g->role, num->n[0], sizeof num->n[0]);
	cells[4] = names_show(&names_title, g->title, num->n[1], sizeof num->n[1]);
	cells[5] = g->organisation_id;
	cells[6] = g->institution_id;
	cells[7] = WHEN_US(g, created_at, num->n[2]);
}

/* Send req, which the server answers with a Grant, and print it. */
static int
grant_call(Client *c, Triad__V1__Request *req)
{
	const char *cells[GRANT_COLS];
	CallNumbers num;
	Triad__V1__Response *resp;
	TriadExit rc = client_call_expect(c, req, TRIAD__V1__RESPONSE__BODY_GRANT, &resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	grant_cells(&resp->grant->base, cells, &num);
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

	if ((rc = resource_argument(c, args->pos[0], "PERSON")) != TRIAD_EXIT_OK ||
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
	{"org", 0, "ORG", "the organisation the role is limited to: name or registry number"},
	{NULL, 0, NULL, NULL},
};

static const Command grant_add = {
	.name = "add",
	.summary = "Give a person of the institution a role",
	.usage = "PERSON --role ROLE [--title TITLE] [--org ORG]",
	.description =
		"PERSON is the person's e-mail address (or id).\n"
		"Example: triad --institution nsob grant add an@example.org --role programme-staff\n"
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

static const Call grant_list_call = {
	.request = RQ(LIST_GRANTS),
	.reply = RS(GRANTS),
	.items = "grants",
	.ncols = GRANT_COLS,
	.headers = grant_headers,
	.cells = grant_cells,
};

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
	.handler = call_run,
	.ctx = &grant_list_call,
};

static const Call grant_revoke_call = {
	.request = RQ(REVOKE_GRANT),
	.reply = RS(GRANT),
	.args = "id",
	.ncols = GRANT_COLS,
	.headers = grant_headers,
	.cells = grant_cells,
};

static const Command grant_revoke = {
	.name = "revoke",
	.summary = "Take a role away; it ends at the principal's next request",
	.usage = "GRANT_ID",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &grant_revoke_call,
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
