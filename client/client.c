/*
 * client.c: global options, the walk down the command tree, the session
 * and the wording of errors.
 */
#include "client.h"
#include "when.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

const CliOption client_global_options[] = {
	{"addr", 0, "HOST:PORT", "server (default TRIAD_ADDR or " TRIAD_DEFAULT_ADDR ")"},
	{"token", 0, "TOKEN", "API token (default TRIAD_TOKEN or the stored one)"},
	{"institution", 0, "ID|SLUG", "institution to act in (default TRIAD_INSTITUTION)"},
	{"timeout", 0, "SECONDS", "limit for connecting and each answer (default 10)"},
	{"ca", 0, "FILE", "CA certificates to check the server's against (default TRIAD_CA or "
			  "the system's)"},
	{"insecure", 0, NULL, "do not check the server's certificate (for tests only)"},
	{"cert", 0, "FILE", "client certificate (PEM) to present, for a partner's machine bound "
			    "to it (default TRIAD_CERT)"},
	{"key", 0, "FILE", "the client certificate's key (PEM) (default TRIAD_KEY)"},
	{"plain", 0, NULL, "plain TCP, no TLS, for a loopback server with tls = off "
			   "(default TRIAD_PLAIN=1)"},
	{"json", 0, NULL, "print results as JSON"},
	{"csv", 0, NULL, "print results as CSV"},
	{"wide", 0, NULL, "show tables whole, not cut to 100 columns"},
	{"version", 0, NULL, "print the client's version"},
	{"utc", 0, NULL, "read and show times in UTC, not in the local time zone (TZ)"},
	{"help", 'h', NULL, "show help"},
	{NULL, 0, NULL, NULL},
};

Client *
client_new(const Command *root, FILE *out, FILE *err)
{
	Client *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->root = root;
	c->in = stdin;
	c->out = out;
	c->err = err;
	c->err_out = err;
	c->prompt = err;
	c->timeout_ms = TRIAD_DEFAULT_TIMEOUT_MS;
	c->format = PRINT_TEXT;
	c->cmd = root;
	snprintf(c->path, sizeof c->path, "%s", root->name);
	return c;
}

void
client_free(Client *c)
{
	if (c == NULL)
		return;
	rpc_session_free(c->session);
	free(c->addr);
	free(c);
}

static bool
is_global(const CliOption *o)
{
	for (const CliOption *g = client_global_options; g->name != NULL; g++)
		if (o == g)
			return true;
	return false;
}

/*
 * Take the global options found at one level of the command line into c.
 * Later levels override earlier ones, as later flags override earlier ones.
 */
static bool
apply_globals(Client *c, const CliArgs *args, char *err, size_t errlen)
{
	for (size_t i = 0; i < args->n_matches; i++) {
		const CliOption *o = args->matches[i].option;
		const char *v = args->matches[i].value;

		if (!is_global(o))
			continue;
		if (strcmp(o->name, "addr") == 0)
			c->addr_flag = v;
		else if (strcmp(o->name, "token") == 0)
			c->token_flag = v;
		else if (strcmp(o->name, "institution") == 0)
			c->institution_flag = v;
		else if (strcmp(o->name, "ca") == 0)
			rpc_set_ca(v);
		else if (strcmp(o->name, "plain") == 0)
			rpc_set_plain(true);
		else if (strcmp(o->name, "cert") == 0)
			c->cert_flag = v;
		else if (strcmp(o->name, "key") == 0)
			c->key_flag = v;
		else if (strcmp(o->name, "insecure") == 0) {
			if (!c->insecure_warned)
				fputs("triad: WARNING: --insecure: the server's certificate is NOT "
				      "checked; anyone on the network can read and change what is "
				      "sent, tokens included. Use it for tests only.\n", c->err);
			c->insecure_warned = true;
			rpc_set_insecure(true);
		}
		else if (strcmp(o->name, "timeout") == 0) {
			if (!cli_parse_seconds(v, &c->timeout_ms)) {
				snprintf(err, errlen,
					 "invalid value for --timeout: '%s' (expected seconds "
					 "greater than 0 and at most 86400, such as 5 or 0.5)", v);
				return false;
			}
		} else if (strcmp(o->name, "utc") == 0) {
			when_set_utc(true);
		} else if (strcmp(o->name, "json") == 0 || strcmp(o->name, "csv") == 0) {
			if (c->format_flag != NULL && strcmp(c->format_flag, o->name) != 0) {
				snprintf(err, errlen, "--json and --csv cannot be used together");
				return false;
			}
			c->format_flag = o->name;
			c->format = o->name[0] == 'j' ? PRINT_JSON : PRINT_CSV;
		} else if (strcmp(o->name, "wide") == 0) {
			c->wide = true;
		}
	}
	rpc_set_client_cert(c->cert_flag, c->key_flag);
	return true;
}

/* Append " name" to c->path; false when it does not fit. */
static bool
path_push(Client *c, const char *name)
{
	size_t len = strlen(c->path);
	int n = snprintf(c->path + len, sizeof c->path - len, " %s", name);

	return n >= 0 && (size_t)n < sizeof c->path - len;
}

/* Keep the error for the JSON object that client_run() prints at the end. */
static void
json_error(Client *c, const char *code, const char *field, const char *message)
{
	snprintf(c->error_code, sizeof c->error_code, "%s", code);
	snprintf(c->error_field, sizeof c->error_field, "%s", field != NULL ? field : "");
	snprintf(c->error_message, sizeof c->error_message, "%s", message);
}

void
client_usage_field(const char *message, char *buf, size_t len)
{
	const char *p = strstr(message, "--");
	static const char missing[] = "missing argument ";

	buf[0] = '\0';
	if (p != NULL && p[2] >= 'a' && p[2] <= 'z') {
		size_t n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");

		snprintf(buf, len, "%.*s", (int)n, p);
		return;
	}
	if (strncmp(message, missing, sizeof missing - 1) == 0) {
		p = message + sizeof missing - 1;
		snprintf(buf, len, "%.*s", (int)strcspn(p, " ,.;:"), p);
	}
}

TriadExit
client_usage_error(Client *c, const char *fmt, ...)
{
	char msg[1024], field[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->json_errors) {
		client_usage_field(msg, field, sizeof field);
		json_error(c, "INVALID_ARGUMENT", field, msg);
		return TRIAD_EXIT_USAGE;
	}
	fprintf(c->err, "%s: %s\n", c->path, msg);
	cli_print_usage(c->err, c->path, c->cmd);
	return TRIAD_EXIT_USAGE;
}

TriadExit
client_error(Client *c, TriadExit rc, const char *code, const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->json_errors) {
		json_error(c, code, field, msg);
		return rc;
	}
	fputs("triad: ", c->err);
	print_sanitized(c->err, msg);
	putc('\n', c->err);
	return rc;
}

TriadExit
client_unknown_command(Client *c, const char *path, const Command *const *table,
		       const char *name)
{
	const Command *best = cli_suggest(table, name);
	char *msg = NULL;
	size_t len = 0;
	FILE *f = c->json_errors ? open_memstream(&msg, &len) : NULL;
	FILE *to = f != NULL ? f : c->err;

	if (f == NULL)
		fprintf(to, "%s: ", path);
	putc('\'', to);
	print_sanitized(to, name);
	fprintf(to, "' is not a %s command.", path);
	if (best != NULL)
		fprintf(to, " Did you mean '%s'?", best->name);
	else
		fprintf(to, " See '%s --help'.", path);
	if (f == NULL) {
		putc('\n', to);
		return TRIAD_EXIT_USAGE;
	}
	if (fclose(f) == 0)
		json_error(c, "INVALID_ARGUMENT", "", msg);
	free(msg);
	return TRIAD_EXIT_USAGE;
}

/*
 * The walk: at each group, parse options up to the first positional
 * argument, which names the subcommand; at the leaf, parse the rest and run
 * the handler. Global options are accepted at every level.
 */
static int
walk(Client *c, int argc, char **argv)
{
	int i = argc > 0 ? 1 : 0;

	for (;;) {
		const Command *cmd = c->cmd;
		bool group = cmd->subcommands != NULL;
		const CliOption *tables[2];
		size_t ntables = 0;
		CliArgs args;
		char err[256];
		const Command *sub;
		int rc;

		if (cmd->options != NULL && cmd->options != client_global_options)
			tables[ntables++] = cmd->options;
		tables[ntables++] = client_global_options;
		if (!cli_args_parse(&args, argc - i, argv + i, tables, ntables, group, err,
				    sizeof err))
			return client_usage_error(c, "%s", err);
		if (!apply_globals(c, &args, err, sizeof err)) {
			cli_args_free(&args);
			return client_usage_error(c, "%s", err);
		}
		if (cli_args_has(&args, "help")) {
			cli_args_free(&args);
			cli_print_help(c->out, c->path, cmd,
				       cmd == c->root ? NULL : client_global_options);
			return TRIAD_EXIT_OK;
		}
		if (cli_args_has(&args, "version")) {
			cli_args_free(&args);
			return version_print_client(c);
		}

		if (!group) {
			char name[64];

			if (args.n_pos < cmd->min_args &&
			    cli_positional_name(cmd, args.n_pos, name, sizeof name))
				rc = client_usage_error(c, "missing argument %s", name);
			else if (args.n_pos < cmd->min_args)
				rc = client_usage_error(c, "missing argument");
			else if (args.n_pos > cmd->max_args && c->json_errors) {
				char msg[512];

				snprintf(msg, sizeof msg, "unexpected argument '%s'",
					 args.pos[cmd->max_args]);
				json_error(c, "INVALID_ARGUMENT", "", msg);
				rc = TRIAD_EXIT_USAGE;
			} else if (args.n_pos > cmd->max_args) {
				fprintf(c->err, "%s: unexpected argument '", c->path);
				print_sanitized(c->err, args.pos[cmd->max_args]);
				fputs("'\n", c->err);
				cli_print_usage(c->err, c->path, cmd);
				rc = TRIAD_EXIT_USAGE;
			} else
				rc = cmd->handler(c, cmd, &args);
			cli_args_free(&args);
			return rc;
		}

		/* A group that does something of its own when given no command
		 * (`triad me`). */
		if (args.n_pos == 0 && cmd->handler != NULL) {
			rc = cmd->handler(c, cmd, &args);
			cli_args_free(&args);
			return rc;
		}
		if (args.n_pos == 0 && c->json_errors) {
			char msg[256];

			cli_args_free(&args);
			snprintf(msg, sizeof msg, "a command is required; see '%s --help'", c->path);
			json_error(c, "INVALID_ARGUMENT", "", msg);
			return TRIAD_EXIT_USAGE;
		}
		if (args.n_pos == 0) {
			cli_args_free(&args);
			if (cmd != c->root)
				fprintf(c->err, "%s: a command is required\n\n", c->path);
			cli_print_help(c->err, c->path, cmd,
				       cmd == c->root ? NULL : client_global_options);
			return TRIAD_EXIT_USAGE;
		}
		sub = cli_find(cmd->subcommands, args.pos[0]);
		if (sub == NULL) {
			rc = client_unknown_command(c, c->path, cmd->subcommands, args.pos[0]);
			cli_args_free(&args);
			return rc;
		}
		i += args.consumed + 1;
		cli_args_free(&args);
		if (!path_push(c, sub->name)) {
			fprintf(c->err, "%s: command nested too deeply\n", c->path);
			return TRIAD_EXIT_USAGE;
		}
		c->cmd = sub;
	}
}

/*
 * Whether the command line asks for JSON: errors found before --json is
 * parsed (an unknown option before it) are to be JSON too.
 */
static bool
wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--json") == 0)
			return true;
	}
	return false;
}

/* The protocol's name for the failures that an exit code stands for. */
static const char *
exit_code_name(int rc)
{
	switch (rc) {
	case TRIAD_EXIT_USAGE:
		return "INVALID_ARGUMENT";
	case TRIAD_EXIT_UNREACHABLE:
		return "UNAVAILABLE";
	case TRIAD_EXIT_AUTH:
		return "UNAUTHENTICATED";
	case TRIAD_EXIT_OK:
		return "OK";
	default:
		return "UNKNOWN";
	}
}

/*
 * With --json, what went to stderr and the error reported, as one object:
 * {"code": ..., "message": ..., "field": ...}. The message is the
 * reported error's, after anything else that was said (a list of choices);
 * a run that succeeded but had something to say (where the next page
 * starts) has code "OK".
 */
static void
print_json_error(Client *c, int rc, const char *said)
{
	size_t n = said != NULL ? strlen(said) : 0;
	FILE *out = c->err_out;

	while (n > 0 && (said[n - 1] == '\n' || said[n - 1] == ' '))
		n--;
	if (rc == TRIAD_EXIT_OK && n == 0 && c->error_code[0] == '\0')
		return;
	fputs("{\"code\":", out);
	print_json_string(out, c->error_code[0] != '\0' ? c->error_code : exit_code_name(rc));
	fputs(",\"message\":", out);
	if (n > 0 && c->error_message[0] != '\0') {
		char *both = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&both, &len);

		if (f != NULL) {
			fprintf(f, "%.*s\n%s", (int)n, said, c->error_message);
			if (fclose(f) == 0)
				print_json_string(out, both);
			else
				print_json_string(out, c->error_message);
			free(both);
		} else {
			print_json_string(out, c->error_message);
		}
	} else if (n > 0) {
		char *copy = strndup(said, n);

		print_json_string(out, copy != NULL ? copy : "");
		free(copy);
	} else {
		print_json_string(out, c->error_message);
	}
	fputs(",\"field\":", out);
	print_json_string(out, c->error_field);
	fputs("}\n", out);
	fflush(out);
}

int
client_run(Client *c, int argc, char **argv)
{
	char *said = NULL;
	size_t len = 0;
	FILE *capture;
	int rc;

	if (!wants_json(argc, argv) || (capture = open_memstream(&said, &len)) == NULL)
		return walk(c, argc, argv);
	c->json_errors = true;
	c->err = capture;
	rc = walk(c, argc, argv);
	c->err = c->err_out;
	if (fclose(capture) != 0) {
		free(said);
		said = NULL;
	}
	print_json_error(c, rc, said);
	free(said);
	return rc;
}

Table *
client_table(Client *c, size_t ncols, const char *const *headers)
{
	Table *t = table_new(ncols, headers);

	if (t != NULL && !c->wide)
		table_set_width(t, PRINT_TABLE_WIDTH);
	return t;
}

const char *
client_addr(Client *c)
{
	const char *env = getenv("TRIAD_ADDR");
	const char *addr = TRIAD_DEFAULT_ADDR;

	if (c->addr != NULL)
		return c->addr;
	c->addr_source = NULL;
	if (c->addr_flag != NULL) {
		addr = c->addr_flag;
		c->addr_source = "--addr";
	} else if (env != NULL && env[0] != '\0') {
		addr = env;
		c->addr_source = "TRIAD_ADDR";
	}
	c->addr = strdup(addr);
	return c->addr;
}

bool
client_addr_chosen(Client *c)
{
	(void)client_addr(c);
	return c->addr_source != NULL;
}

const char *
client_institution(const Client *c)
{
	const char *env = getenv("TRIAD_INSTITUTION");

	if (c->institution_flag != NULL)
		return c->institution_flag;
	return env != NULL ? env : "";
}

/*
 * The token to send: --token, else TRIAD_TOKEN, else the credentials file,
 * else empty. *owned is what the caller must free (NULL when the token is
 * borrowed). False, with the problem reported, when the file is unusable.
 */
static bool
resolve_token(Client *c, const char **token, char **owned)
{
	const char *env = getenv("TRIAD_TOKEN");
	char path[4096], err[512];

	*owned = NULL;
	*token = "";
	if (c->token_flag != NULL) {
		*token = c->token_flag;
		return true;
	}
	if (env != NULL && env[0] != '\0') {
		*token = env;
		return true;
	}
	if (!credentials_path(path, sizeof path))
		return true;
	if (!credentials_read(path, c->err, owned, err, sizeof err)) {
		fprintf(c->err, "triad: %s\n", err);
		return false;
	}
	if (*owned != NULL)
		*token = *owned;
	return true;
}

bool
client_open_session(Client *c, const char *token, RpcError *err)
{
	const char *addr = client_addr(c);

	rpc_session_free(c->session);
	c->session = NULL;
	if (addr == NULL) {
		memset(err, 0, sizeof *err);
		err->kind = RPC_ERR_LOCAL;
		snprintf(err->message, sizeof err->message, "out of memory");
		return false;
	}
	return rpc_open(addr, token, c->timeout_ms, &c->session, err);
}

void
client_close_session(Client *c)
{
	rpc_session_free(c->session);
	c->session = NULL;
}

void
client_invite_command(Client *c, const char *code, char *buf, size_t len)
{
	char qcode[256], qaddr[RPC_HOST_MAX + 16];
	const char *addr = client_addr(c);

	snprintf(buf, len, "triad login --invite %s", print_shell_word(code, qcode, sizeof qcode));
	if (addr != NULL && client_addr_chosen(c) && strcmp(addr, TRIAD_DEFAULT_ADDR) != 0) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, " --addr %s",
			 print_shell_word(addr, qaddr, sizeof qaddr));
	}
}

TriadExit
client_session(Client *c, RpcSession **out)
{
	const char *token;
	char *owned;
	RpcError err;
	bool ok, none;

	*out = NULL;
	if (c->session != NULL) {
		*out = c->session;
		return TRIAD_EXIT_OK;
	}
	if (!resolve_token(c, &token, &owned))
		return TRIAD_EXIT_USAGE;
	none = token[0] == '\0';
	ok = client_open_session(c, token, &err);
	if (owned != NULL) {
		explicit_bzero(owned, strlen(owned));
		free(owned);
	}
	if (!ok && none && (err.kind == RPC_ERR_STATUS || err.kind == RPC_ERR_SERVER_CLOSED) &&
	    err.code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED)
		return client_error(c, TRIAD_EXIT_AUTH, "UNAUTHENTICATED", NULL,
				    "you are not signed in: run 'triad login', or give a token "
				    "with --token or TRIAD_TOKEN");
	if (!ok)
		return client_report(c, &err);
	*out = c->session;
	return TRIAD_EXIT_OK;
}

TriadExit
client_call(Client *c, Triad__V1__Request *req, Triad__V1__Response **resp)
{
	RpcSession *s;
	RpcError err;
	TriadExit rc;

	*resp = NULL;
	rc = client_session(c, &s);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	if (req->institution == NULL || req->institution[0] == '\0')
		req->institution = (char *)client_institution(c);
	if (!rpc_call(s, req, resp, &err))
		return client_report(c, &err);
	return TRIAD_EXIT_OK;
}

TriadExit
client_call_expect(Client *c, Triad__V1__Request *req, Triad__V1__Response__BodyCase body,
		   Triad__V1__Response **resp)
{
	TriadExit rc = client_call(c, req, resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	if ((*resp)->body_case != body) {
		rpc_response_free(*resp);
		*resp = NULL;
		return client_bad_answer(c);
	}
	return TRIAD_EXIT_OK;
}

TriadExit
client_bad_answer(Client *c)
{
	RpcError err = {.kind = RPC_ERR_PROTOCOL};

	snprintf(err.message, sizeof err.message, "%s answered with a reply of the wrong kind",
		 c->addr != NULL ? c->addr : TRIAD_DEFAULT_ADDR);
	return client_report(c, &err);
}

TriadExit
client_out_of_memory(Client *c)
{
	return client_error(c, TRIAD_EXIT_SERVER, "RESOURCE_EXHAUSTED", NULL, "out of memory");
}

static bool
is_auth_code(Triad__V1__Code code)
{
	return code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED ||
	       code == TRIAD__V1__CODE__CODE_PERMISSION_DENIED;
}

TriadExit
client_exit_code(const RpcError *err)
{
	switch (err->kind) {
	case RPC_ERR_NONE:
		return TRIAD_EXIT_OK;
	case RPC_ERR_ADDRESS:
	case RPC_ERR_TOO_LARGE:
		return TRIAD_EXIT_USAGE;
	case RPC_ERR_RESOLVE:
	case RPC_ERR_CONNECT:
	case RPC_ERR_TLS:
	case RPC_ERR_TIMEOUT:
	case RPC_ERR_CLOSED:
	case RPC_ERR_PROTOCOL:
		return TRIAD_EXIT_UNREACHABLE;
	case RPC_ERR_SERVER_CLOSED:
		return is_auth_code(err->code) ? TRIAD_EXIT_AUTH : TRIAD_EXIT_UNREACHABLE;
	case RPC_ERR_STATUS:
		if (is_auth_code(err->code))
			return TRIAD_EXIT_AUTH;
		if (err->code == TRIAD__V1__CODE__CODE_INVALID_ARGUMENT)
			return TRIAD_EXIT_USAGE;
		if (err->code == TRIAD__V1__CODE__CODE_UNAVAILABLE ||
		    err->code == TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED)
			return TRIAD_EXIT_UNREACHABLE;
		return TRIAD_EXIT_SERVER;
	case RPC_ERR_LOCAL:
		break;
	}
	return TRIAD_EXIT_SERVER;
}

/* The protocol's name for a failure of kind err, for JSON errors. */
static const char *
error_code_name(const RpcError *err)
{
	switch (err->kind) {
	case RPC_ERR_STATUS:
	case RPC_ERR_SERVER_CLOSED:
		return rpc_code_name(err->code);
	case RPC_ERR_ADDRESS:
	case RPC_ERR_TOO_LARGE:
		return "INVALID_ARGUMENT";
	case RPC_ERR_TIMEOUT:
		return "DEADLINE_EXCEEDED";
	case RPC_ERR_RESOLVE:
	case RPC_ERR_CONNECT:
	case RPC_ERR_TLS:
	case RPC_ERR_CLOSED:
	case RPC_ERR_PROTOCOL:
		return "UNAVAILABLE";
	case RPC_ERR_NONE:
	case RPC_ERR_LOCAL:
		break;
	}
	return "INTERNAL";
}

/* The sentence for err, as client_report() says it, to out. */
static void
report_to(Client *c, const RpcError *err, FILE *out)
{
	const char *addr = c->addr != NULL ? c->addr : TRIAD_DEFAULT_ADDR;
	char path[4096];

	switch (err->kind) {
	case RPC_ERR_SERVER_CLOSED:
		fprintf(out, "%s closed the connection: ", addr);
		break;
	case RPC_ERR_STATUS:
		if (err->message[0] == '\0')
			fprintf(out, "the server answered %s", rpc_code_name(err->code));
		break;
	default:
		break;
	}
	print_sanitized(out, err->message);

	switch (err->kind) {
	case RPC_ERR_ADDRESS:
		if (c->addr_source != NULL)
			fprintf(out, " (from %s)", c->addr_source);
		break;
	case RPC_ERR_RESOLVE:
		fputs(" (check --addr or TRIAD_ADDR)", out);
		break;
	case RPC_ERR_TLS:
		fputs(" (check the CA with --ca or TRIAD_CA, and the host name in --addr; "
		      "a loopback server with tls = off needs --plain)", out);
		break;
	case RPC_ERR_CONNECT:
		fputs(" (is triadd running? set --addr or TRIAD_ADDR)", out);
		break;
	case RPC_ERR_STATUS:
	case RPC_ERR_SERVER_CLOSED:
		if (err->code == TRIAD__V1__CODE__CODE_INVALID_ARGUMENT && err->field[0] != '\0' &&
		    !c->json_errors) {
			fputs(" (field ", out);
			print_sanitized(out, err->field);
			putc(')', out);
		}
		if (err->code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED) {
			if (credentials_path(path, sizeof path))
				fprintf(out, " (check --token, TRIAD_TOKEN or %s)", path);
			else
				fputs(" (check --token or TRIAD_TOKEN)", out);
		}
		break;
	default:
		break;
	}
}

TriadExit
client_report(Client *c, const RpcError *err)
{
	char *msg = NULL;
	size_t len = 0;
	FILE *f;

	if (!c->json_errors) {
		fputs("triad: ", c->err);
		report_to(c, err, c->err);
		putc('\n', c->err);
		return client_exit_code(err);
	}
	if ((f = open_memstream(&msg, &len)) != NULL) {
		report_to(c, err, f);
		if (fclose(f) != 0) {
			free(msg);
			msg = NULL;
		}
	}
	json_error(c, error_code_name(err),
		   err->kind == RPC_ERR_ADDRESS ? (c->addr_source != NULL ? c->addr_source : "--addr")
		   : err->kind == RPC_ERR_STATUS || err->kind == RPC_ERR_SERVER_CLOSED ? err->field
		   : "",
		   msg != NULL ? msg : err->message);
	free(msg);
	return client_exit_code(err);
}
