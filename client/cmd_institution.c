/*
 * cmd_institution.c: `triad institution create|list|show`, the tenants.
 */
#include "client.h"
#include "commands.h"
#include "resource.h"

static const char *const institution_headers[] = {"id", "slug", "name", "created_at"};
#define INSTITUTION_COLS (sizeof institution_headers / sizeof institution_headers[0])

static void
institution_cells(const Triad__V1__Institution *i, const char *cells[INSTITUTION_COLS])
{
	cells[0] = i->id;
	cells[1] = i->slug;
	cells[2] = i->name;
	cells[3] = i->created_at;
}

/* Send req, which the server answers with an Institution, and print it. */
static int
institution_call(Client *c, Triad__V1__Request *req)
{
	const char *cells[INSTITUTION_COLS];
	Triad__V1__Response *resp;
	TriadExit rc = client_call_expect(c, req, TRIAD__V1__RESPONSE__BODY_INSTITUTION, &resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	institution_cells(resp->institution, cells);
	rc = resource_print_record(c, INSTITUTION_COLS, institution_headers, cells);
	rpc_response_free(resp);
	return rc;
}

static int
create_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__CreateInstitutionRequest create = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	TriadExit rc;

	if ((rc = resource_argument(c, args->pos[0], "SLUG")) != TRIAD_EXIT_OK ||
	    (rc = resource_argument(c, args->pos[1], "NAME")) != TRIAD_EXIT_OK)
		return rc;
	create.slug = (char *)args->pos[0];
	create.name = (char *)args->pos[1];
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INSTITUTION;
	req.create_institution = &create;
	return institution_call(c, &req);
}

static const Command institution_create = {
	.name = "create",
	.summary = "Create an institution (operators only)",
	.usage = "SLUG NAME",
	.description =
		"SLUG is the short handle used wherever an id is: lowercase letters, digits\n"
		"and '-', 2 to 63 characters, such as nsob. NAME is shown to people; quote\n"
		"it when it has spaces:\n"
		"\n"
		"  triad institution create nsob 'Nederlandse School voor Openbaar Bestuur'\n",
	.min_args = 2,
	.max_args = 2,
	.handler = create_run,
};

static void
list_request(void *ctx, Triad__V1__Request *req, int32_t page_size, const char *page_token)
{
	Triad__V1__ListInstitutionsRequest *list = ctx;

	list->page_size = page_size;
	list->page_token = (char *)page_token;
	req->body_case = TRIAD__V1__REQUEST__BODY_LIST_INSTITUTIONS;
	req->list_institutions = list;
}

static const char *
list_rows(void *ctx, const Triad__V1__Response *resp, Table *t)
{
	const Triad__V1__ListInstitutionsReply *reply = resp->institutions;

	for (size_t i = 0; i < reply->n_institutions; i++) {
		const char *cells[INSTITUTION_COLS];

		institution_cells(reply->institutions[i], cells);
		if (!table_add_row(t, cells))
			return NULL;
	}
	return reply->next_page_token;
}

static int
list_cmd_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__ListInstitutionsRequest list = TRIAD__V1__LIST_INSTITUTIONS_REQUEST__INIT;
	static const ListSpec spec = {
		.items = "institutions",
		.ncols = INSTITUTION_COLS,
		.headers = institution_headers,
		.reply = TRIAD__V1__RESPONSE__BODY_INSTITUTIONS,
		.request = list_request,
		.rows = list_rows,
	};

	return list_run(c, args, &spec, &list);
}

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command institution_list = {
	.name = "list",
	.summary = "List the institutions you can see",
	.usage = LIST_PAGING_USAGE,
	.description = "Operators see every institution; anyone else the ones they have a role in.\n",
	.options = list_options,
	.handler = list_cmd_run,
};

static int
show_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__GetInstitutionRequest get = TRIAD__V1__GET_INSTITUTION_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	TriadExit rc = resource_argument(c, args->pos[0], "ID|SLUG");

	if (rc != TRIAD_EXIT_OK)
		return rc;
	get.id = (char *)args->pos[0];
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_INSTITUTION;
	req.get_institution = &get;
	return institution_call(c, &req);
}

static const Command institution_show = {
	.name = "show",
	.summary = "Show one institution",
	.usage = "ID|SLUG",
	.min_args = 1,
	.max_args = 1,
	.handler = show_run,
};

static const Command *const institution_commands[] = {
	&institution_create,
	&institution_list,
	&institution_show,
	NULL,
};

const Command cmd_institution = {
	.name = "institution",
	.summary = "Create and look up institutions, the tenants of the service",
	.subcommands = institution_commands,
};
