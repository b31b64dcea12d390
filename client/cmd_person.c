/*
 * cmd_person.c: `triad person create|list|show`, the people of an
 * institution.
 */
#include "client.h"
#include "commands.h"
#include "resource.h"

static const char *const person_headers[] = {"id", "name", "email", "created_at"};
#define PERSON_COLS (sizeof person_headers / sizeof person_headers[0])

static void
person_cells(const Triad__V1__Person *p, const char *cells[PERSON_COLS])
{
	cells[0] = p->id;
	cells[1] = p->name;
	cells[2] = p->email;
	cells[3] = p->created_at;
}

/* Send req, which the server answers with a Person, and print it. */
static int
person_call(Client *c, Triad__V1__Request *req)
{
	const char *cells[PERSON_COLS];
	Triad__V1__Response *resp;
	TriadExit rc = client_call_expect(c, req, TRIAD__V1__RESPONSE__BODY_PERSON, &resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	person_cells(resp->person, cells);
	rc = resource_print_record(c, PERSON_COLS, person_headers, cells);
	rpc_response_free(resp);
	return rc;
}

static int
create_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__CreatePersonRequest create = TRIAD__V1__CREATE_PERSON_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	const char *name, *email;
	TriadExit rc;

	if ((rc = resource_option(c, args, "name", true, &name)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "email", true, &email)) != TRIAD_EXIT_OK)
		return rc;
	create.name = (char *)name;
	create.email = (char *)email;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PERSON;
	req.create_person = &create;
	return person_call(c, &req);
}

static const CliOption create_options[] = {
	{"name", 0, "NAME", "full name as it should be shown"},
	{"email", 0, "EMAIL", "e-mail address, unique in the service"},
	{NULL, 0, NULL, NULL},
};

static const Command person_create = {
	.name = "create",
	.summary = "Add a person to the institution",
	.usage = "--name NAME --email EMAIL",
	.description =
		"When someone with this e-mail address is already known to the service,\n"
		"that person is added to the institution and shown as they are; their\n"
		"name is not changed. Choose the institution with --institution.\n",
	.options = create_options,
	.handler = create_run,
};

static void
list_request(void *ctx, Triad__V1__Request *req, int32_t page_size, const char *page_token)
{
	Triad__V1__ListPersonsRequest *list = ctx;

	list->page_size = page_size;
	list->page_token = (char *)page_token;
	req->body_case = TRIAD__V1__REQUEST__BODY_LIST_PERSONS;
	req->list_persons = list;
}

static const char *
list_rows(void *ctx, const Triad__V1__Response *resp, Table *t)
{
	const Triad__V1__ListPersonsReply *reply = resp->persons;

	for (size_t i = 0; i < reply->n_persons; i++) {
		const char *cells[PERSON_COLS];

		person_cells(reply->persons[i], cells);
		if (!table_add_row(t, cells))
			return NULL;
	}
	return reply->next_page_token;
}

static int
list_cmd_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__ListPersonsRequest list = TRIAD__V1__LIST_PERSONS_REQUEST__INIT;
	static const ListSpec spec = {
		.items = "persons",
		.ncols = PERSON_COLS,
		.headers = person_headers,
		.reply = TRIAD__V1__RESPONSE__BODY_PERSONS,
		.request = list_request,
		.rows = list_rows,
	};

	return list_run(c, args, &spec, &list);
}

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command person_list = {
	.name = "list",
	.summary = "List the persons of the institution",
	.usage = LIST_PAGING_USAGE,
	.options = list_options,
	.handler = list_cmd_run,
};

static int
show_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__GetPersonRequest get = TRIAD__V1__GET_PERSON_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	TriadExit rc = resource_argument(c, args->pos[0], "ID");

	if (rc != TRIAD_EXIT_OK)
		return rc;
	get.id = (char *)args->pos[0];
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_PERSON;
	req.get_person = &get;
	return person_call(c, &req);
}

static const Command person_show = {
	.name = "show",
	.summary = "Show one person",
	.usage = "ID",
	.min_args = 1,
	.max_args = 1,
	.handler = show_run,
};

static const Command *const person_commands[] = {
	&person_create,
	&person_list,
	&person_show,
	NULL,
};

const Command cmd_person = {
	.name = "person",
	.summary = "Add and look up the people of an institution",
	.subcommands = person_commands,
};
