/*
 * cmd_token.c: `triad token create|list|revoke`, API tokens: your own, and
 * the first token of a partner's system.
 */
#include "client.h"
#include "commands.h"
#include "resource.h"

static const char *const token_headers[] = {"id", "prefix", "label", "principal_id",
					    "created_at", "expires_at", "last_used_at",
					    "revoked_at"};
#define TOKEN_COLS (sizeof token_headers / sizeof token_headers[0])

static void
token_cells(const Triad__V1__Token *t, const char *cells[TOKEN_COLS])
{
	cells[0] = t->id;
	cells[1] = t->prefix;
	cells[2] = t->label;
	cells[3] = t->principal_id;
	cells[4] = t->created_at;
	cells[5] = t->expires_at;
	cells[6] = t->last_used_at;
	cells[7] = t->revoked_at;
}

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
	    (rc = resource_days_option(c, args, "expires-in", &create.expires_in_days)) !=
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
	{"expires-in", 0, "DAYS", "let the token expire after DAYS days (default: never)"},
	{"machine", 0, "NAME", "the token is for a new partner's system called NAME"},
	{"org", 0, "ORG_ID", "with --machine: the organisation it is limited to"},
	{NULL, 0, NULL, NULL},
};

static const Command token_create = {
	.name = "create",
	.summary = "Create an API token, for yourself or for a partner's system",
	.usage = "[--label LABEL] [--expires-in DAYS] [--machine NAME [--org ORG_ID]]",
	.description =
		"The token is printed once; the service stores only a hash of it. Without\n"
		"--machine the token is yours, for another computer or a script. With\n"
		"--machine a partner integration of the institution (--institution) is\n"
		"created and this is its token; that needs an institution admin.\n",
	.options = create_options,
	.handler = create_run,
};

static void
list_request(void *ctx, Triad__V1__Request *req, int32_t page_size, const char *page_token)
{
	Triad__V1__ListTokensRequest *list = ctx;

	list->page_size = page_size;
	list->page_token = (char *)page_token;
	req->body_case = TRIAD__V1__REQUEST__BODY_LIST_TOKENS;
	req->list_tokens = list;
}

static const char *
list_rows(void *ctx, const Triad__V1__Response *resp, Table *t)
{
	const Triad__V1__ListTokensReply *reply = resp->tokens;

	for (size_t i = 0; i < reply->n_tokens; i++) {
		const char *cells[TOKEN_COLS];

		token_cells(reply->tokens[i], cells);
		if (!table_add_row(t, cells))
			return NULL;
	}
	return reply->next_page_token;
}

static int
list_cmd_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__ListTokensRequest list = TRIAD__V1__LIST_TOKENS_REQUEST__INIT;
	static const ListSpec spec = {
		.items = "tokens",
		.ncols = TOKEN_COLS,
		.headers = token_headers,
		.reply = TRIAD__V1__RESPONSE__BODY_TOKENS,
		.request = list_request,
		.rows = list_rows,
	};

	return list_run(c, args, &spec, &list);
}

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command token_list = {
	.name = "list",
	.summary = "List your tokens (never their secrets)",
	.usage = LIST_PAGING_USAGE,
	.options = list_options,
	.handler = list_cmd_run,
};

static int
revoke_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__RevokeTokenRequest revoke = TRIAD__V1__REVOKE_TOKEN_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	const char *cells[TOKEN_COLS];
	Triad__V1__Response *resp;
	TriadExit rc = resource_argument(c, args->pos[0], "TOKEN_ID");

	if (rc != TRIAD_EXIT_OK)
		return rc;
	revoke.id = (char *)args->pos[0];
	req.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_TOKEN;
	req.revoke_token = &revoke;
	rc = client_call_expect(c, &req, TRIAD__V1__RESPONSE__BODY_TOKEN, &resp);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	token_cells(resp->token, cells);
	rc = resource_print_record(c, TOKEN_COLS, token_headers, cells);
	rpc_response_free(resp);
	return rc;
}

static const Command token_revoke = {
	.name = "revoke",
	.summary = "Revoke one of your tokens at once",
	.usage = "TOKEN_ID",
	.description =
		"TOKEN_ID is the id from 'triad token list', not the secret. Revoking the\n"
		"token you are signed in with signs you out.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = revoke_run,
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
