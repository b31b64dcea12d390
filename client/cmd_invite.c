/*
 * cmd_invite.c: `triad invite create|list|revoke`, one-time codes that let
 * a named person sign in and receive a role. list and revoke are Calls
 * (call.h); role and title are printed by their names in every format, so
 * invites keep their own cells. create prints the code and is written out.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"
#include "when.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

#include <string.h>

static const char *const invite_headers[] = {"id", "person_id", "person_email", "role",
					     "title", "organisation_id", "institution_id",
					     "created_at", "expires_at", "used_at", "revoked_at"};
#define INVITE_COLS (sizeof invite_headers / sizeof invite_headers[0])

static void
invite_cells(const ProtobufCMessage *m, const char **cells, CallNumbers *num)
{
	const Triad__V1__Invite *i = (const Triad__V1__Invite *)m;

	cells[0] = i->id;
	cells[1] = i->person_id;
	cells[2] = i->person_email;
	cells[3] = names_show(&names_role, i->role, num->n[0], sizeof num->n[0]);
	cells[4] = names_show(&names_title, i->title, num->n[1], sizeof num->n[1]);
	cells[5] = i->organisation_id;
	cells[6] = i->institution_id;
	cells[7] = WHEN_US(i, created_at, num->n[2]);
	cells[8] = WHEN_US(i, expires_at, num->n[3]);
	cells[9] = WHEN_US(i, used_at, num->n[4]);
	cells[10] = WHEN_US(i, revoked_at, num->n[5]);
}

static int
create_print(Client *c, const Triad__V1__CreateInviteReply *reply)
{
	static const char *const headers[] = {"code", "command", "id", "person_id",
					      "person_email", "role", "title",
					      "organisation_id", "institution_id", "expires_at"};
	static const Triad__V1__Invite no_invite = TRIAD__V1__INVITE__INIT;
	const Triad__V1__Invite *inv = reply->invite != NULL ? reply->invite : &no_invite;
	char command[1024], phrase[32], expires_buf[WHEN_MAX];
	CallNumbers num;
	const char *expires = WHEN_US(inv, expires_at, expires_buf);

	client_invite_command(c, reply->code, command, sizeof command);
	if (c->format != PRINT_TEXT) {
		const char *cells[] = {
			reply->code, command, inv->id, inv->person_id, inv->person_email,
			names_show(&names_role, inv->role, num.n[0], sizeof num.n[0]),
			names_show(&names_title, inv->title, num.n[1], sizeof num.n[1]),
			inv->organisation_id, inv->institution_id, expires,
		};

		return resource_print_record(c, sizeof headers / sizeof headers[0], headers, cells);
	}
	fputs("Invite created for ", c->out);
	print_sanitized(c->out, inv->person_email[0] ? inv->person_email : inv->person_id);
	fputs(" as ", c->out);
	print_sanitized(c->out, names_role_phrase(inv->role, inv->title, phrase, sizeof phrase));
	if (expires[0] != '\0') {
		fputs(", valid until ", c->out);
		print_sanitized(c->out, expires);
	}
	fputs(".\nSend them this command; the code works once and is not shown again:\n\n  ",
	      c->out);
	print_sanitized(c->out, command);
	fputs("\n", c->out);
	return TRIAD_EXIT_OK;
}

static int
create_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__CreateInviteRequest create = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	const char *org;
	int role, title;
	TriadExit rc;

	if ((rc = resource_argument(c, args->pos[0], "PERSON")) != TRIAD_EXIT_OK ||
	    (rc = resource_name_option(c, args, "role", &names_role, true, &role)) !=
		    TRIAD_EXIT_OK ||
	    (rc = resource_name_option(c, args, "title", &names_title, false, &title)) !=
		    TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "org", false, &org)) != TRIAD_EXIT_OK ||
	    (rc = resource_days_option(c, args, "expires-in", &create.base, "expires_in_days")) !=
		    TRIAD_EXIT_OK)
		return rc;
	create.person_id = (char *)args->pos[0];
	create.role = (Triad__V1__Role)role;
	create.title = (Triad__V1__StaffTitle)title;
	if (org != NULL)
		create.organisation_id = (char *)org;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INVITE;
	req.create_invite = &create;
	rc = client_call_expect(c, &req, TRIAD__V1__RESPONSE__BODY_CREATE_INVITE, &resp);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	rc = create_print(c, resp->create_invite);
	rpc_response_free(resp);
	return rc;
}

static const CliOption create_options[] = {
	{"role", 0, "ROLE", "the role (see below)"},
	{"title", 0, "TITLE", "for programme-staff: the function (see below)"},
	{"org", 0, "ORG", "the organisation the role is limited to: name or registry number"},
	{"expires-in", 0, "DAYS", "days the code stays valid, 1 to 90 (default 14)"},
	{NULL, 0, NULL, NULL},
};

static const Command invite_create = {
	.name = "create",
	.summary = "Invite a person of the institution to sign in with a role",
	.usage = "PERSON --role ROLE [--title TITLE] [--org ORG] [--expires-in DAYS]",
	.description =
		"Prints a one-time code and the command the person runs to sign in with it:\n"
		"\n"
		"  triad login --invite CODE\n"
		"\n"
		"Give the code only to that person. Add the person first with\n"
		"'triad person create', and choose the institution with --institution.\n"
		"\n"
		RESOURCE_ROLES_HELP,
	.options = create_options,
	.min_args = 1,
	.max_args = 1,
	.handler = create_run,
};

static const Call invite_list_call = {
	.request = RQ(LIST_INVITES),
	.reply = RS(INVITES),
	.items = "invites",
	.ncols = INVITE_COLS,
	.headers = invite_headers,
	.cells = invite_cells,
};

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command invite_list = {
	.name = "list",
	.summary = "List the invites of the institution (never their codes)",
	.usage = LIST_PAGING_USAGE,
	.options = list_options,
	.handler = call_run,
	.ctx = &invite_list_call,
};

static const Call invite_revoke_call = {
	.request = RQ(REVOKE_INVITE),
	.reply = RS(INVITE),
	.args = "id",
	.ncols = INVITE_COLS,
	.headers = invite_headers,
	.cells = invite_cells,
};

static const Command invite_revoke = {
	.name = "revoke",
	.summary = "Revoke an invite so that its code no longer works",
	.usage = "INVITE_ID",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &invite_revoke_call,
};

static const Command *const invite_commands[] = {
	&invite_create,
	&invite_list,
	&invite_revoke,
	NULL,
};

const Command cmd_invite = {
	.name = "invite",
	.summary = "Invite people to sign in with a role; list and revoke invites",
	.subcommands = invite_commands,
};
