/*
 * cmd_person.c: `triad person create|list|show|find|erase`, the people of
 * an institution. Every command is a Call (call.h). A person is named by
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

/* Erasing cannot be undone: the command line says so with --yes. */
static TriadExit
erase_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	const char *inst = client_institution(c);

	(void)target;
	if (cli_args_has(args, "yes"))
		return TRIAD_EXIT_OK;
	if (inst[0] != '\0')
		return client_usage_error(c, "erasing %s from %s cannot be undone; add --yes to do it",
					  args->pos[0], inst);
	return client_usage_error(c, "erasing %s cannot be undone (from the whole service, for an "
				     "operator; else from your institution); add --yes to do it",
				  args->pos[0]);
}

/* "Erased ada@example.org from nsob: ..." on a terminal; else the record. */
static TriadExit
erase_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__ErasePersonReply *e = (const Triad__V1__ErasePersonReply *)answer;

	if (c->format != PRINT_TEXT)
		return call_print_all(c, answer);
	fputs("Erased from ", c->out);
	if (e->n_institutions == 0)
		fputs("the service", c->out);
	for (size_t i = 0; i < e->n_institutions; i++) {
		fputs(i == 0 ? "" : i + 1 == e->n_institutions ? " and " : ", ", c->out);
		print_sanitized(c->out, e->institutions[i]);
	}
	fprintf(c->out, "%s: %d enrollment%s kept anonymously, %d text%s removed, %d grant%s and "
		"%d invite%s revoked",
		e->erased_from_service && e->n_institutions > 0 ? ", and from the service" : "",
		(int)e->enrollments_kept, e->enrollments_kept == 1 ? "" : "s",
		(int)e->texts_erased, e->texts_erased == 1 ? "" : "s",
		(int)e->grants_revoked, e->grants_revoked == 1 ? "" : "s",
		(int)e->invites_revoked, e->invites_revoked == 1 ? "" : "s");
	if (e->erased_from_service)
		fprintf(c->out, ", %d token%s revoked", (int)e->tokens_revoked,
			e->tokens_revoked == 1 ? "" : "s");
	fputs(".\nWhat is left refers to person ", c->out);
	print_sanitized(c->out, e->person_id);
	fputs(".\n", c->out);
	return TRIAD_EXIT_OK;
}

static const CliOption erase_options[] = {
	{"yes", 0, NULL, "erase: it cannot be undone"},
	{NULL, 0, NULL, NULL},
};

static const Call person_erase_call = {
	.request = RQ(ERASE_PERSON),
	.reply = RS(ERASURE),
	.args = "person",
	.fields = "yes=",
	.prepare = erase_prepare,
	.print = erase_print,
};

static const Command person_erase = {
	.name = "erase",
	.summary = "Erase a person's name, e-mail and texts, keeping what counts",
	.usage = "EMAIL|ID --yes",
	.description =
		"An institution admin erases a person from the institution (--institution,\n"
		"or the only one you have roles in); an operator who names no institution\n"
		"erases them from the whole service. What counts stays, anonymously: that\n"
		"an enrollment existed, attendance, feedback given per coach. Their name,\n"
		"e-mail address and the text written by them or about them (feedback,\n"
		"questions, evidence, reasons, judgements, suggestions) are removed, their\n"
		"roles there end and their unused invites are revoked. Someone no\n"
		"institution knows any more is erased from the service too, and their\n"
		"tokens stop working. The audit trail records the erasure without their\n"
		"data. It cannot be undone: give --yes.\n",
	.options = erase_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &person_erase_call,
};

static const Command *const person_commands[] = {
	&person_create,
	&person_list,
	&person_show,
	&person_find,
	&person_erase,
	NULL,
};

const Command cmd_person = {
	.name = "person",
	.summary = "Add, look up and erase the people of an institution",
	.subcommands = person_commands,
};
