/*
 * call.h: commands that send one request made from the command line and
 * print the answer, described by a Call instead of written out. Options
 * become fields and answers become cells as fields.h says.
 *
 * A command whose handler is call_run() and whose ctx is a Call:
 *   1. checks the command line: positional arguments are not empty, the
 *      options in required are given, exactly one of those in one_of is;
 *   2. makes the request: positional arguments fill the fields named in
 *      args, options the fields they name (fields.h), either in the
 *      request itself or, with object, in the message it carries (the
 *      programme of a CreateProgrammeRequest), and then in the request
 *      those that name none of the object's. With fetch, the object is
 *      first fetched with that request, which the positional arguments
 *      fill; the options given change it, and it is sent back whole, as
 *      Update requests want;
 *   3. lets prepare do what options cannot say (read a file);
 *   4. sends it and prints the answer: with items, as a list through
 *      list_run() (paging, --all, "No programmes."), with the columns in
 *      columns on a terminal and all of them in JSON and CSV; otherwise
 *      with print, or as one record.
 */
#ifndef TRIAD_CLIENT_CALL_H
#define TRIAD_CLIENT_CALL_H

#include "client.h"
#include "fields.h"

typedef struct Call Call;

/* Room for the numbers and times that cells write, such as an enum this client
 * does not know or a time from its *_us field (WHEN_US). */
typedef struct CallNumbers {
	char n[6][24];
} CallNumbers;

struct Call {
	Triad__V1__Request__BodyCase request;  /* what is sent */
	Triad__V1__Response__BodyCase reply;   /* what comes back (for fetch too) */
	const char *object;   /* the request's field the options fill, or NULL */
	Triad__V1__Request__BodyCase fetch;    /* Get the object first */
	const char *args;     /* fields the positional arguments fill, in order */
	const char *fields;   /* renames of options: "start=start_moments reject=" */
	const char *required; /* options that must be given: "code name" */
	const char *one_of;   /* options of which exactly one is given: "cohort run" */
	const char *items;    /* a list of these: "programmes" */
	const char *columns;  /* the list's columns on a terminal (NULL: all) */
	/* Fill in what options cannot; target is what the options filled. */
	TriadExit (*prepare)(Client *c, const CliArgs *args, ProtobufCMessage *target);
	/* Print the answer (NULL: as one record). */
	TriadExit (*print)(Client *c, const ProtobufCMessage *answer);
	/*
	 * Where the cells of fields.h do not fit: the columns headers[0..ncols-1]
	 * (at most FIELDS_MAX_COLUMNS) in every format, which cells fills from
	 * one item or answer. They are then the list's rows and, without print,
	 * the record, empty values included.
	 */
	size_t ncols;
	const char *const *headers;
	void (*cells)(const ProtobufCMessage *m, const char **cells, CallNumbers *num);
};

/* `show ID`: ask with get (a Get request) and print the record. */
#define CALL_SHOW(var, noun, get, answer)                                                  \
	static const Call var##_call = {.request = (get), .reply = (answer), .args = "id"};   \
	static const Command var = {.name = "show", .summary = "Show one " noun,             \
				    .usage = "ID", .min_args = 1, .max_args = 1,             \
				    .handler = call_run, .ctx = &var##_call}

/* `delete ID`: ask with del (a Delete request) and say what is gone. */
#define CALL_DELETE(var, noun, del, answer, description_)                                  \
	static const Call var##_call = {.request = (del), .reply = (answer), .args = "id",    \
					.print = call_print_deleted};                         \
	static const Command var = {.name = "delete", .summary = "Delete a " noun,           \
				    .usage = "ID", .description = (description_),            \
				    .min_args = 1, .max_args = 1, .handler = call_run,       \
				    .ctx = &var##_call}

/* What every update command says about its options. */
#define CALL_UPDATE_HELP                                                                   \
	"Only what is given changes; everything else keeps its value. A repeatable\n"     \
	"option replaces the whole list; given once with an empty value ('') it\n"        \
	"empties the list.\n"

/* The handler of every command whose ctx is a Call. */
int call_run(Client *c, const Command *cmd, const CliArgs *args);

/*
 * Check the command line and fill target, a new message of the type that
 * call_target() names, from it (steps 1 and 2 above, without fetching).
 * Usage errors are reported and returned.
 */
__attribute__((warn_unused_result))
TriadExit call_fill(Client *c, const Command *cmd, const CliArgs *args,
		    ProtobufCMessage *target);

/* The type of the request body for body case n of Request, or NULL. */
const ProtobufCMessageDescriptor *call_request_type(int n);

/* The type of the answer for body case n of Response, or NULL. */
const ProtobufCMessageDescriptor *call_reply_type(int n);

/* The type of the message call's options fill: the object, or the request. */
const ProtobufCMessageDescriptor *call_target(const Call *call);

/* Mark the columns of t as what the fields cols[0..n-1] hold (fields_kind()). */
void call_set_kinds(Table *t, const ProtobufCFieldDescriptor *const *cols, size_t n);

/*
 * Add m to t as a row of the cells of cols[0..n-1] (n at most
 * FIELDS_MAX_COLUMNS). False when out of memory.
 */
__attribute__((warn_unused_result))
bool call_add_row(Table *t, const ProtobufCFieldDescriptor *const *cols, size_t n,
		  const ProtobufCMessage *m, PrintFormat format);

/*
 * Send req and return its answer in *resp, which must be of kind body, as
 * client_call_expect() does, but for a request whose failure is not the
 * command's own (a name to put in a sentence, a section of a record), or
 * whose failure the command words itself: when the request fails, err
 * says why and nothing is reported; an answer of the wrong kind is
 * RPC_ERR_PROTOCOL. When the session cannot be opened, that is reported
 * and err.kind is RPC_ERR_NONE. The request goes to the institution it
 * names, else to the one --institution names. Returns TRIAD_EXIT_OK, or
 * the exit code the failure calls for.
 */
__attribute__((warn_unused_result))
TriadExit call_quietly(Client *c, Triad__V1__Request *req, Triad__V1__Response__BodyCase body,
		       Triad__V1__Response **resp, RpcError *err);

/*
 * call_quietly() in institution inst as it is, "" for none, whatever
 * --institution says: for requests about everything the caller may see
 * (their coachees, their institutions), or that try one institution after
 * another.
 */
__attribute__((warn_unused_result))
TriadExit call_quietly_in(Client *c, const char *inst, Triad__V1__Request *req,
			  Triad__V1__Response__BodyCase body, Triad__V1__Response **resp,
			  RpcError *err);

/*
 * Report err, the failure of call_quietly() or call_each() that returned
 * rc, unless it has been reported already (err.kind is RPC_ERR_NONE).
 * Returns the exit code.
 */
TriadExit call_report(Client *c, const RpcError *err, TriadExit rc);

/* The items of a list answer (its repeated message field) in *items; returns how many. */
size_t call_items(const ProtobufCMessage *answer, ProtobufCMessage *const **items);

/* Looks at one item of a list; returns false to stop. */
typedef bool (*CallVisit)(const ProtobufCMessage *item, void *ctx);

/*
 * Every item of the list that request (a body case of Request, answered
 * by reply) returns in institution inst (as call_quietly_in() takes it),
 * page by page, the largest pages, to the last: visit()
 * each until it returns false. With filter_field, that string field of
 * the request is set to filter. Failures are as call_quietly()'s: in err,
 * not reported, but for a session that cannot be opened and running out
 * of memory.
 */
__attribute__((warn_unused_result))
TriadExit call_each(Client *c, const char *inst, int request, int reply,
		    const char *filter_field, const char *filter, CallVisit visit, void *ctx,
		    RpcError *err);

/* Print m as one record: "name: value" lines without empty values, JSON or CSV. */
TriadExit call_print_record(Client *c, const ProtobufCMessage *m);

/* Print m as one record of all its cells, empty ones included, in every format. */
TriadExit call_print_all(Client *c, const ProtobufCMessage *m);

/* Print "Deleted programme MPM." on a terminal, else the record. */
TriadExit call_print_deleted(Client *c, const ProtobufCMessage *m);

#endif
