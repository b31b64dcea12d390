/*
 * cmd_institution.c: `triad institution create|list|show`, the tenants.
 * Every command is a Call (call.h).
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

static const Call institution_create_call = {
	.request = RQ(CREATE_INSTITUTION),
	.reply = RS(INSTITUTION),
	.args = "slug name",
};

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
	.handler = call_run,
	.ctx = &institution_create_call,
};

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Call institution_list_call = {
	.request = RQ(LIST_INSTITUTIONS),
	.reply = RS(INSTITUTIONS),
	.items = "institutions",
};

static const Command institution_list = {
	.name = "list",
	.summary = "List the institutions you can see",
	.usage = LIST_PAGING_USAGE,
	.description = "Operators see every institution; anyone else the ones they have a role in.\n",
	.options = list_options,
	.handler = call_run,
	.ctx = &institution_list_call,
};

static const Call institution_show_call = {
	.request = RQ(GET_INSTITUTION),
	.reply = RS(INSTITUTION),
	.args = "id",
};

static const Command institution_show = {
	.name = "show",
	.summary = "Show one institution",
	.usage = "ID|SLUG",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &institution_show_call,
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
