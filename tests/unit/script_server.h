/*
 * script_server.h: a scripted triadd for the client's unit tests, and the
 * client run in process against it.
 *
 * script_start() forks a server on a free loopback port (script_addr) that
 * hands every connection to serve() in the child; script_start_answering()
 * answers request by request with an answer function instead. Either logs
 * one line per request to log, and the test reads those lines, in order,
 * with script_line() or all at once with script_log(). script_stop() ends
 * the child.
 *
 * script_run() runs a command line through the client as `triad` would,
 * with the command table root, standard input reading input (NULL: empty),
 * and returns the exit code and what went to standard output and error.
 *
 * script_check_calls() holds every command described by a Call to the
 * contract of call.h, before any of them runs.
 */
#ifndef TRIAD_TESTS_SCRIPT_SERVER_H
#define TRIAD_TESTS_SCRIPT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "triad/v1/envelope.pb-c.h"

/* "127.0.0.1:PORT" once script_start() has returned. */
extern char script_addr[64];

/* Serves one connection in the server's process; log is line buffered. */
typedef void (*ScriptServe)(int fd, FILE *log);

/* Answers one request (the caller frees it); false drops the connection. */
typedef bool (*ScriptAnswer)(int fd, FILE *log, Triad__V1__Request *req);

void script_start(ScriptServe serve);
/* script_start() with a serve() that answers each request with answer. */
void script_start_answering(ScriptAnswer answer);
void script_stop(void);

/* Reads the next request from fd (NULL at the end or on a bad frame). */
Triad__V1__Request *script_read(int fd);

/* Sends resp as one frame; a failed write shuts the connection down. */
void script_send(int fd, Triad__V1__Response *resp);

/* The next line the server logged. */
const char *script_line(void);

/* Everything the server logged since the last call (for exchanges that
 * have ended: the server logs a request before it answers). */
const char *script_log(void);

typedef struct ScriptRun {
	int rc;
	char *out;   /* owned: standard output */
	char *err;   /* owned: standard error */
} ScriptRun;

ScriptRun script_run(const Command *root, const char *input, int argc, ...);
void script_run_free(ScriptRun *r);

/* A check of its own that a test adds for each command described by a Call. */
typedef void (*ScriptCallCheck)(const char *path, const Command *cmd);

/*
 * Check every command under cmd (path is its name, such as "triad")
 * described by a Call (its ctx), whether its handler is call_run() or one
 * of its own that fills the request with call_fill(): its request, answer
 * and object exist; each positional argument fills a field, but for those
 * its prepare reads; each option fills a field (a flag exactly a bool) or
 * is read by prepare; the options it requires or offers a choice between
 * are in its usage; paging options go with a list whose request pages; a
 * list's columns are fields of its items; and every word an enum argument
 * or option takes is in its help. Then more (may be NULL) checks what the
 * test adds. Fails the test at the first command that does not fit;
 * returns how many were checked.
 */
size_t script_check_calls(const char *path, const Command *cmd, ScriptCallCheck more);

#endif
