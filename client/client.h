/*
 * client.h: one run of the triad program.
 *
 * A Client carries what every command needs: the global options (address,
 * token, timeout, output format) after flags, environment and the
 * credentials file have been weighed, the session once one is open, and
 * the streams to write to. client_run() walks the command tree; handlers
 * use client_call() to ask the server and client_usage_error() to reject
 * their arguments, and get back the exit code to return.
 */
#ifndef TRIAD_CLIENT_CLIENT_H
#define TRIAD_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "credentials.h"
#include "print.h"
#include "rpc.h"

#define TRIAD_DEFAULT_ADDR "127.0.0.1:7411"
#define TRIAD_DEFAULT_TIMEOUT_MS 10000

/*
 * --addr, --token, --institution, --timeout, --json, --csv, --wide,
 * --version, --help: accepted at every level.
 */
extern const CliOption client_global_options[];

struct Client {
	const Command *root;    /* borrowed: the top of the command tree */
	FILE *in;               /* borrowed: input (stdin), such as a pasted token */
	FILE *out;              /* borrowed: results (stdout) */
	FILE *err;              /* errors and warnings: stderr, or with --json a
				   buffer that client_run() turns into one JSON
				   object on err_out at the end */
	FILE *err_out;          /* borrowed: the real stderr */
	FILE *prompt;           /* borrowed: where questions to a person go
				   (stderr even with --json) */
	char path[128];         /* the command being run, such as "triad ping" */
	const Command *cmd;     /* the command being run */

	/* Global options as given on the command line; borrowed from argv. */
	const char *addr_flag;
	const char *token_flag;
	const char *institution_flag;
	const char *cert_flag;  /* --cert and --key: a machine's client certificate */
	const char *key_flag;
	bool insecure_warned;   /* --insecure's warning was printed */
	int timeout_ms;
	PrintFormat format;
	const char *format_flag; /* "json" or "csv" once one was given */
	bool wide;              /* --wide: text tables as wide as their cells */

	/*
	 * With --json, the error reported (client_report(),
	 * client_usage_error(), client_error()): its code as the protocol
	 * names it ("INVALID_ARGUMENT"), the field or option at fault, and the
	 * sentence. Empty until one is reported.
	 */
	bool json_errors;
	char error_code[32];
	char error_field[160];
	char error_message[1024];

	char *addr;             /* owned: the address in use, set by client_addr() */
	const char *addr_source; /* "--addr", "TRIAD_ADDR" or NULL for the default */
	RpcSession *session;    /* owned: opened by client_session() */
};

/*
 * A client for the command tree under root, reading stdin and writing to
 * out and err. Returns NULL when out of memory.
 */
Client *client_new(const Command *root, FILE *out, FILE *err);

/* Close the session, if any, and free the client. NULL is a no-op. */
void client_free(Client *c);

/*
 * Run the command line argv[0..argc-1] (argv[0] is the program name):
 * parse the global options, find the command, handle --help and argument
 * errors, and call the handler. Returns the exit code.
 */
int client_run(Client *c, int argc, char **argv);

/*
 * The server address to use: --addr, else TRIAD_ADDR, else the default.
 * Owned by the client. NULL only when out of memory.
 */
const char *client_addr(Client *c);

/*
 * The institution requests act in: --institution, else TRIAD_INSTITUTION,
 * else "" (the server then uses the caller's only institution). Never NULL.
 */
const char *client_institution(const Client *c);

/*
 * Whether the server address in use is one the user chose (--addr or
 * TRIAD_ADDR) rather than the default.
 */
bool client_addr_chosen(Client *c);

/*
 * Open the session with token (not the one --token, TRIAD_TOKEN or the
 * credentials file would give), reporting nothing: on failure err says
 * why. Replaces a session already open.
 */
__attribute__((warn_unused_result))
bool client_open_session(Client *c, const char *token, RpcError *err);

/*
 * Close the session, if one is open, so that the next request opens a new
 * one: after a long wait (an editor) or a broken connection.
 */
void client_close_session(Client *c);

/*
 * The command that redeems an invite code, `triad login --invite CODE`,
 * with --addr when this client was pointed at a server other than the
 * default, into buf; the words are quoted for a shell where needed.
 */
void client_invite_command(Client *c, const char *code, char *buf, size_t len);

/*
 * The session, opened on first use with the address, token and timeout in
 * effect. On failure the error has been reported on c->err and the exit
 * code is returned; on success TRIAD_EXIT_OK and *out (owned by c).
 */
__attribute__((warn_unused_result))
TriadExit client_session(Client *c, RpcSession **out);

/*
 * Send req on the session and return its answer in *resp (free it with
 * rpc_response_free()). Any failure, including an error status from the
 * server, has been reported on c->err; the exit code is returned and
 * *resp is NULL.
 */
__attribute__((warn_unused_result))
TriadExit client_call(Client *c, Triad__V1__Request *req, Triad__V1__Response **resp);

/*
 * client_call(), and then check that the answer is the reply expected
 * (body); when it is not, report a protocol error and return
 * TRIAD_EXIT_UNREACHABLE with *resp NULL.
 */
__attribute__((warn_unused_result))
TriadExit client_call_expect(Client *c, Triad__V1__Request *req,
			     Triad__V1__Response__BodyCase body, Triad__V1__Response **resp);

/*
 * Report that the server answered with a reply of the wrong kind; return
 * the exit code for a protocol error.
 */
TriadExit client_bad_answer(Client *c);

/* Report that memory ran out; return the exit code for it. */
TriadExit client_out_of_memory(Client *c);

/*
 * Report a failure the client found itself, as "triad: message" or, with
 * --json, as the error object with code (a name from the protocol's Code,
 * such as "FAILED_PRECONDITION") and field (may be NULL); return rc.
 */
TriadExit client_error(Client *c, TriadExit rc, const char *code, const char *field,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * A table for this client's output: text tables are kept to
 * PRINT_TABLE_WIDTH columns unless --wide was given. NULL when out of
 * memory.
 */
Table *client_table(Client *c, size_t ncols, const char *const *headers);

/*
 * The option or argument a usage message is about, for the "field" of a
 * JSON error: the first "--name" in it, or NAME of "missing argument NAME",
 * into buf ("" when it names none).
 */
void client_usage_field(const char *message, char *buf, size_t len);

/* Tell the user about err in plain language; return the matching exit code. */
TriadExit client_report(Client *c, const RpcError *err);

/*
 * The exit code that err calls for. The rule, for scripts: 2 for every
 * mistake in what was asked, whether the client finds it or the server
 * (INVALID_ARGUMENT); 4 when the caller is not known or not allowed
 * (UNAUTHENTICATED, PERMISSION_DENIED); 3 when the service could not be
 * reached or could not serve for now (connecting, a timeout, a lost
 * connection, UNAVAILABLE, DEADLINE_EXCEEDED: trying again later may
 * work); 1 for every other refusal by the server (NOT_FOUND,
 * ALREADY_EXISTS, FAILED_PRECONDITION, ...).
 */
TriadExit client_exit_code(const RpcError *err);

/*
 * Print "PATH: message" and the command's usage line on c->err and return
 * TRIAD_EXIT_USAGE.
 */
TriadExit client_usage_error(Client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Report that name is not a command of table under path, suggesting the
 * closest command; return TRIAD_EXIT_USAGE.
 */
TriadExit client_unknown_command(Client *c, const char *path, const Command *const *table,
				 const char *name);

#endif
