/*
 * cmd_token.c: `triad token create|list|revoke`, API tokens: your own, and
 * the first token of a partner's system. list and revoke are Calls
 * (call.h); create prints the secret and is written out.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "call.h"
#include "commands.h"
#include "resource.h"
#include "when.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/*
 * --client-cert: a fingerprint as it is (64 hex digits, colons allowed; the
 * server judges it), or a PEM certificate file whose SHA-256 fingerprint is
 * taken here, so that nobody copies hex by hand.
 */
static TriadExit
client_cert_fingerprint(Client *c, const char *arg, char hex[65])
{
	size_t digits = 0;
	bool hexish = true;
	for (const char *p = arg; *p != '\0'; p++) {
		if (isxdigit((unsigned char)*p))
			digits++;
		else if (*p != ':')
			hexish = false;
	}
	if (hexish && digits == 64) {
		size_t n = 0;
		for (const char *p = arg; *p != '\0'; p++)
			if (*p != ':')
				hex[n++] = *p;
		hex[n] = '\0';
		return TRIAD_EXIT_OK;
	}
	FILE *f = fopen(arg, "r");
	if (f == NULL)
		return client_usage_error(c, "--client-cert: '%s' is neither a SHA-256 fingerprint "
					  "nor a certificate file that can be read", arg);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	bool ok = x != NULL && X509_digest(x, EVP_sha256(), md, &len) == 1 && len == 32;
	X509_free(x);
	ERR_clear_error();
	if (!ok)
		return client_usage_error(c, "--client-cert: %s holds no PEM certificate", arg);
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return TRIAD_EXIT_OK;
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
	const char *label, *machine, *org, *cert;
	char fingerprint[65];
	TriadExit rc;

	if ((rc = resource_option(c, args, "label", false, &label)) != TRIAD_EXIT_OK ||
	    (rc = resource_days_option(c, args, "expires-in", &create.base, "expires_in_days")) !=
		    TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "machine", false, &machine)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "org", false, &org)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "client-cert", false, &cert)) != TRIAD_EXIT_OK)
		return rc;
	if (org != NULL && machine == NULL)
		return client_usage_error(c, "--org is used only with --machine");
	if (cert != NULL && machine == NULL)
		return client_usage_error(c, "--client-cert is used only with --machine");
	if (cert != NULL) {
		if ((rc = client_cert_fingerprint(c, cert, fingerprint)) != TRIAD_EXIT_OK)
			return rc;
		create.client_certificate_sha256 = fingerprint;
	}
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
		char expires[WHEN_MAX];
		const char *cells[] = {reply->token, info->id, info->prefix, info->label,
				       who->id, who->name, WHEN_US(info, expires_at, expires)};

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
	{"client-cert", 0, "FILE|SHA256", "with --machine: bind it to this client certificate "
					  "(a PEM file, or its SHA-256 fingerprint); its token "
					  "then works only with that certificate"},
	{NULL, 0, NULL, NULL},
};

static const Command token_create = {
	.name = "create",
	.summary = "Create an API token, for yourself or for a partner's system",
	.usage = "[--label LABEL] [--expires-in DAYS] [--machine NAME [--org ORG] "
		 "[--client-cert FILE|SHA256]]",
	.description =
		"The token is printed once; the service stores only a hash of it. Without\n"
		"--machine the token is yours, for another computer or a script. With\n"
		"--machine a partner integration of the institution (--institution) is\n"
		"created and this is its token; that needs an institution admin.\n"
		"With --client-cert the machine is bound to its client certificate: it\n"
		"signs in only over a connection that presents it (triad --cert FILE\n"
		"--key FILE, or its own TLS library), so a copied token alone is useless.\n",
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
