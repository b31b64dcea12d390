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
#include "print.h"
#include "rpc.h"

#define TRIAD_DEFAULT_ADDR "127.0.0.1:7411"
#define TRIAD_DEFAULT_TIMEOUT_MS 10000

/* The longest token accepted from the credentials file, in bytes. */
#define TRIAD_TOKEN_MAX 4096

/* --addr, --token, --timeout, --json, --csv, --help: accepted at every level. */
extern const CliOption client_global_options[];

struct Client {
	const Command *root;    /* borrowed: the top of the command tree */
	FILE *out;              /* borrowed: results (stdout) */
	FILE *err;              /* borrowed: errors and warnings (stderr) */
	char path[128];         /* the command being run, such as "triad ping" */
	const Command *cmd;     /* the command being run */

	/* Global options as given on the command line; borrowed from argv. */
	const char *addr_flag;
	const char *token_flag;
	int timeout_ms;
	PrintFormat format;
	const char *format_flag; /* "json" or "csv" once one was given */

	char *addr;             /* owned: the address in use, set by client_addr() */
	const char *addr_source; /* "--addr", "TRIAD_ADDR" or NULL for the default */
	RpcSession *session;    /* owned: opened by client_session() */
};

/*
 * A client for the command tree under root, writing to out and err.
 * Returns NULL when out of memory.
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

/* Tell the user about err in plain language; return the matching exit code. */
TriadExit client_report(Client *c, const RpcError *err);

/* The exit code that err calls for. */
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

/*
 * Where the token is kept: $XDG_CONFIG_HOME/triad/credentials when that is
 * set, otherwise ~/.config/triad/credentials. Fails when no home directory
 * is known or the path does not fit in len bytes.
 */
__attribute__((warn_unused_result))
bool client_credentials_path(char *buf, size_t len);

/*
 * Read the token from the credentials file at path: its first line, with
 * surrounding white space removed. A missing file is not an error and
 * leaves *token NULL. Problems that should not stop the command (the file
 * is readable by other users, or cannot be opened) are warned about on
 * warn. Fails, with a message in err, when the token is too long or memory
 * runs out. On success *token is NULL or a malloc'd string owned by the
 * caller.
 */
__attribute__((warn_unused_result))
bool client_read_credentials(const char *path, FILE *warn, char **token, char *err,
			     size_t errlen);

#endif
