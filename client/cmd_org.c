/*
 * cmd_org.c: `triad org create|list|show|find`, the organisations
 * (employers, schools, hospitals, municipalities) shared by all
 * institutions. All are Calls (call.h). The kind is printed by its name in
 * every format, so they keep their own cells. An organisation is named by
 * its name or registry number (or id); the server looks it up.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"
#include "when.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

static const char *const org_headers[] = {"id", "name", "kind", "registry_number", "created_at"};
#define ORG_COLS (sizeof org_headers / sizeof org_headers[0])

/* The kind by its name (care-provider) in every format. */
static void
org_cells(const ProtobufCMessage *m, const char **cells, CallNumbers *num)
{
	const Triad__V1__Organisation *o = (const Triad__V1__Organisation *)m;

	cells[0] = o->id;
	cells[1] = o->name;
	cells[2] = names_show(&names_org_kind, o->kind, num->n[0], sizeof num->n[0]);
	cells[3] = o->registry_number;
	cells[4] = WHEN_US(o, created_at, num->n[1]);
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
	{"registry-number", 0, "NUMBER", "its number in a public register, such as the KvK"},
	{NULL, 0, NULL, NULL},
};

static const Call org_create_call = {
	.request = RQ(CREATE_ORGANISATION),
	.reply = RS(ORGANISATION),
	.fields = "name= kind=",
	.prepare = create_prepare,
	.ncols = ORG_COLS,
	.headers = org_headers,
	.cells = org_cells,
};

static const Command org_create = {
	.name = "create",
	.summary = "Add an organisation",
	.usage = "--name NAME --kind KIND [--registry-number NUMBER]",
	.description =
		"KIND is one of employer, school, hospital, municipality, government,\n"
		"care-provider and other.\n"
		"\n"
		"Organisations are shared by all institutions: a municipality that employs\n"
		"participants of several institutions is added once. Wherever a command\n"
		"takes an organisation, its name or registry number will do.\n",
	.options = create_options,
	.handler = call_run,
	.ctx = &org_create_call,
};

static const Call org_list_call = {
	.request = RQ(LIST_ORGANISATIONS),
	.reply = RS(ORGANISATIONS),
	.items = "organisations",
	.ncols = ORG_COLS,
	.headers = org_headers,
	.cells = org_cells,
};

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command org_list = {
	.name = "list",
	.summary = "List the organisations",
	.usage = LIST_PAGING_USAGE,
	.options = list_options,
	.handler = call_run,
	.ctx = &org_list_call,
};

static const Call org_show_call = {
	.request = RQ(GET_ORGANISATION),
	.reply = RS(ORGANISATION),
	.args = "id",
	.ncols = ORG_COLS,
	.headers = org_headers,
	.cells = org_cells,
};

static const Command org_show = {
	.name = "show",
	.summary = "Show one organisation",
	.usage = "NAME|NUMBER|ID",
	.description = "NAME is its name, NUMBER its registry number.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &org_show_call,
};

static const Call org_find_call = {
	.request = RQ(FIND_ORGANISATIONS),
	.reply = RS(ORGANISATIONS),
	.args = "query",
	.items = "organisations",
	.ncols = ORG_COLS,
	.headers = org_headers,
	.cells = org_cells,
};

static const Command org_find = {
	.name = "find",
	.summary = "Find organisations by name or registry number",
	.usage = "[TEXT] " LIST_PAGING_USAGE,
	.description = "Lists the organisations whose name contains TEXT (in any case) or whose\n"
		       "registry number is TEXT; all of them without TEXT.\n",
	.options = list_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &org_find_call,
};

static const Command *const org_commands[] = {
	&org_create,
	&org_list,
	&org_show,
	&org_find,
	NULL,
};

const Command cmd_org = {
	.name = "org",
	.summary = "Add and look up organisations: employers, schools, hospitals",
	.subcommands = org_commands,
};
