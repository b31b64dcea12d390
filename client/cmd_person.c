/*
 * cmd_person.c: `triad person create|list|show|find`, the people of an
 * institution. Every command is a Call (call.h). A person is named by
 * e-mail address (or id); the server looks it up.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/*
 * --name and --email fill no field by themselves (see person_create_call):
 * they are checked here, one after the other, so that the first thing
 * wrong on the command line is the one reported.
 */
static TriadExit
create_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	static const char *const options[] = {"name", "email"};

	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		const char *value;
		TriadExit rc = resource_option(c, args, options[i], true, &value);

		if (rc != TRIAD_EXIT_OK)
			return rc;
		if (!fields_set_named(target, options[i], value))
			return client_out_of_memory(c);
	}
	return TRIAD_EXIT_OK;
}

static const CliOption create_options[] = {
	{"name", 0, "NAME", "full name as it should be shown"},
	{"email", 0, "EMAIL", "e-mail address, unique in the service"},
	{NULL, 0, NULL, NULL},
};

static const Call person_create_call = {
	.request = RQ(CREATE_PERSON),
	.reply = RS(PERSON),
	.fields = "name= email=",
	.prepare = create_prepare,
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
	.handler = call_run,
	.ctx = &person_create_call,
};

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Call person_list_call = {
	.request = RQ(LIST_PERSONS),
	.reply = RS(PERSONS),
	.items = "persons",
};

static const Command person_list = {
	.name = "list",
	.summary = "List the persons of the institution",
	.usage = LIST_PAGING_USAGE,
	.options = list_options,
	.handler = call_run,
	.ctx = &person_list_call,
};

static const Call person_show_call = {
	.request = RQ(GET_PERSON),
	.reply = RS(PERSON),
	.args = "id",
};

static const Command person_show = {
	.name = "show",
	.summary = "Show one person",
	.usage = "EMAIL|ID",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &person_show_call,
};

static const Call person_find_call = {
	.request = RQ(FIND_PERSONS),
	.reply = RS(PERSONS),
	.args = "query",
	.items = "persons",
	.columns = "name email id",
};

static const Command person_find = {
	.name = "find",
	.summary = "Find persons by name or e-mail address",
	.usage = "[TEXT] " LIST_PAGING_USAGE,
	.description =
		"Lists the persons whose name or e-mail address contains TEXT (in any\n"
		"case), or all of them without TEXT, as far as you may see them:\n"
		"programme staff every person of the institution; anyone else\n"
		"themselves, their coaches and coachees, and an employer's contact the\n"
		"organisation's employees.\n",
	.options = list_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &person_find_call,
};

static const Command *const person_commands[] = {
	&person_create,
	&person_list,
	&person_show,
	&person_find,
	NULL,
};

const Command cmd_person = {
	.name = "person",
	.summary = "Add and look up the people of an institution",
	.subcommands = person_commands,
};
