/*
 * cmd_token.c: `triad token create|list|revoke`, API tokens: your own, and
 * the first token of a partner's system. list and revoke are Calls
 * (call.h); create prints the secret and is written out.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

static int
create_run(Client *c, const Command *cmd, const CliArgs *args)
{
	static const char *const headers[] = {"token", "id", "prefix", "label", "principal_id",
					      "principal_name", "expires_at"};
	static const Triad__V1__Token no_info = TRIAD__V1__TOKEN__INIT;
	static const Triad__V1__Principal no_principal = TRIAD__V1__PRINCIPAL__INIT;
	Triad__V1__CreateTokenRequest create = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	const Triad__V1__CreateTokenReply *reply;
	const Triad__V1__Token *info;
	const Triad__V1__Principal *who;
	Triad__V1__Response *resp;
	const char *label, *machine, *org;
	TriadExit rc;

	if ((rc = resource_option(c, args, "label", false, &label)) != TRIAD_EXIT_OK ||
	    (rc = resource_days_option(c, args, "expires-in", &create.base, "expires_in_days")) !=
		    TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "machine", false, &machine)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "org", false, &org)) != TRIAD_EXIT_OK)
		return rc;
	if (org != NULL && machine == NULL)
		return client_usage_error(c, "--org is used only with --machine");
	if (label != NULL)
		create.label = (char *)label;
	if (machine != NULL)
		create.machine_name = (char *)machine;
	if (org != NULL)
		create.organisation_id = (char *)org;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	req.create_token = &create;
	rc = client_call_expect(c, &req, TRIAD__V1__RESPONSE__BODY_CREATE_TOKEN, &resp);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	reply = resp->create_token;
	info = reply->token_info != NULL ? reply->token_info : &no_info;
	who = reply->principal != NULL ? reply->principal : &no_principal;
	{
		const char *cells[] = {reply->token, info->id, info->prefix, info->label,
				       who->id, who->name, info->expires_at};

		rc = resource_print_record(c, sizeof headers / sizeof headers[0], headers, cells);
	}
	rpc_response_free(resp);
	if (rc == TRIAD_EXIT_OK) {
		fflush(c->out);
		fprintf(c->err, "%s: copy the token now: it is shown only this once and the "
			"service keeps no copy of it.\n", c->path);
	}
	return rc;
}

static const CliOption create_options[] = {
	{"label", 0, "LABEL", "what the token is for, such as laptop or hr-sync"},
	{"expires-in", 0, "DAYS", "let the token expire after DAYS days, 1 to 3650 (default: never)"},
	{"machine", 0, "NAME", "the token is for a new partner's system called NAME"},
	{"org", 0, "ORG", "with --machine: the organisation it is limited to, by name or "
			  "registry number"},
	{NULL, 0, NULL, NULL},
};

static const Command token_create = {
	.name = "create",
	.summary = "Create an API token, for yourself or for a partner's system",
	.usage = "[--label LABEL] [--expires-in DAYS] [--machine NAME [--org ORG]]",
	.description =
		"The token is printed once; the service stores only a hash of it. Without\n"
		"--machine the token is yours, for another computer or a script. With\n"
		"--machine a partner integration of the institution (--institution) is\n"
		"created and this is its token; that needs an institution admin.\n",
	.options = create_options,
	.handler = create_run,
};

static const Call token_list_call = {
	.request = RQ(LIST_TOKENS),
	.reply = RS(TOKENS),
	.items = "tokens",
};

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command token_list = {
	.name = "list",
	.summary = "List your tokens (never their secrets)",
	.usage = LIST_PAGING_USAGE,
	.options = list_options,
	.handler = call_run,
	.ctx = &token_list_call,
};

/* Every column, empty ones too, as list prints them. */
static const Call token_revoke_call = {
	.request = RQ(REVOKE_TOKEN),
	.reply = RS(TOKEN),
	.args = "id",
	.print = call_print_all,
};

static const Command token_revoke = {
	.name = "revoke",
	.summary = "Revoke one of your tokens at once",
	.usage = "TOKEN_ID",
	.description =
		"TOKEN_ID is the id from 'triad token list', not the secret. Revoking the\n"
		"token you are signed in with signs you out.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &token_revoke_call,
};

static const Command *const token_commands[] = {
	&token_create,
	&token_list,
	&token_revoke,
	NULL,
};

const Command cmd_token = {
	.name = "token",
	.summary = "Create, list and revoke API tokens",
	.subcommands = token_commands,
};
