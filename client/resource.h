/*
 * resource.h: what the commands about resources (institutions, persons,
 * grants, tokens, ...) share: paging through lists, printing one record,
 * and reading option values with precise usage errors.
 *
 * A list command describes itself in a ListSpec (its columns, how to point
 * a Request at its list request, how to turn an answer into rows) and
 * calls list_run(), which handles --page-size, --page-token and --all,
 * prints the table and, when more pages exist, tells on stderr how to get
 * the next one. The page loop itself, list_pages(), knows nothing of the
 * network, so that it can be tested on its own.
 */
#ifndef TRIAD_CLIENT_RESOURCE_H
#define TRIAD_CLIENT_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "names.h"

/* The most items a page may hold (access.proto, LISTS). */
#define LIST_MAX_PAGE_SIZE 500

/* The options every list command takes; put them in its option table. */
#define LIST_PAGING_OPTIONS                                                              \
	{"page-size", 0, "N", "at most N items per page, 1 to 500 (default 50)"},         \
	{"page-token", 0, "TOKEN", "continue at the page this token names"},            \
	{"all", 0, NULL, "fetch every page to the last, not just the first"}

/* What grant add and invite create say about roles, titles and --org. */
#define RESOURCE_ROLES_HELP                                                               \
	"Roles: institution-admin, programme-staff, participant, workplace-coach,\n"      \
	"employer-contact and partner-integration. Programme staff have a --title:\n"     \
	"dean, programme-manager, lecturer, trainer or assessor. An employer contact\n"   \
	"needs --org, the organisation they speak for; a partner integration may be\n"   \
	"limited to one.\n"

/* The usage text for LIST_PAGING_OPTIONS. */
#define LIST_PAGING_USAGE "[--page-size N] [--page-token TOKEN] [--all]"

typedef struct ListPaging {
	int32_t page_size;      /* 0: the server's default */
	const char *page_token; /* where to start; "" for the beginning */
	bool all;               /* follow next_page_token */
	size_t max_pages;       /* with all: stop after this many pages (0: at the last) */
} ListPaging;

/*
 * Read --page-size, --page-token and --all into out. With --all and no
 * --page-size the largest pages are asked for, to save round trips.
 * Returns TRIAD_EXIT_OK or, after reporting it, TRIAD_EXIT_USAGE.
 */
__attribute__((warn_unused_result))
TriadExit list_paging_parse(Client *c, const CliArgs *args, ListPaging *out);

/*
 * Fetch the page that starts at page_token ("" for the first), of at most
 * page_size items (0: default), add its rows to t, and set *next to a
 * malloc'd copy of its next_page_token ("" on the last page). Failures
 * are reported by the fetch function, which returns their exit code.
 */
typedef TriadExit (*ListFetch)(void *ctx, int32_t page_size, const char *page_token, Table *t,
			       char **next);

typedef struct ListResult {
	size_t pages;   /* pages fetched */
	char *next;     /* malloc'd: the token of the next page; "" when there is none */
	bool stopped;   /* --all gave up after max_pages pages */
	bool looped;    /* the server handed back a token it had given before */
	bool no_memory; /* memory ran out in list_pages() itself */
} ListResult;

/*
 * Fetch the first page, or with p->all every page to the last (or up to
 * p->max_pages when that is not 0), adding rows to t. On TRIAD_EXIT_OK
 * res->next is set (free it with list_result_free()). A server that
 * returns a token it has given before would make --all loop: that is
 * res->looped and TRIAD_EXIT_UNREACHABLE;
 * running out of memory is res->no_memory and TRIAD_EXIT_SERVER. Neither
 * is reported here; other failures are the fetch function's.
 */
__attribute__((warn_unused_result))
TriadExit list_pages(const ListPaging *p, ListFetch fetch, void *ctx, Table *t, ListResult *res);

/* Free what list_pages() put in res. */
void list_result_free(ListResult *res);

/* One list command. */
typedef struct ListSpec {
	const char *items;                    /* "persons": "No persons." */
	size_t ncols;
	const char *const *headers;
	const CellKind *kinds;                /* what each column holds; NULL: text */
	Triad__V1__Response__BodyCase reply;  /* the answer's body */
	/* Point req at the list request (kept in ctx) for one page. */
	void (*request)(void *ctx, Triad__V1__Request *req, int32_t page_size,
			const char *page_token);
	/*
	 * Add the rows of the answer to t and return its next_page_token,
	 * borrowed from resp; NULL when memory ran out.
	 */
	const char *(*rows)(void *ctx, const Triad__V1__Response *resp, Table *t);
} ListSpec;

/*
 * Run a list command: read the paging options, fetch the pages, print the
 * table in the chosen format, and when more pages exist and --all was not
 * given, print the --page-token to continue with on stderr.
 */
int list_run(Client *c, const CliArgs *args, const ListSpec *spec, void *ctx);

/*
 * Print one record (the answer to a create, show or revoke) in the chosen
 * format: "name: value" lines, a JSON object or CSV with a header. A
 * column whose name says it holds a time is shown in the reader's time
 * zone (when.h).
 */
TriadExit resource_print_record(Client *c, size_t ncols, const char *const *headers,
				const char *const *cells);

/* resource_print_record() with what each cell holds, for JSON (NULL: text). */
TriadExit resource_print_typed(Client *c, size_t ncols, const char *const *headers,
			       const char *const *cells, const CellKind *kinds);

/*
 * The value of --name in *out. With required, a missing option is a usage
 * error; an empty value always is. Returns TRIAD_EXIT_OK (with *out NULL
 * when absent and not required) or, after reporting, TRIAD_EXIT_USAGE.
 */
__attribute__((warn_unused_result))
TriadExit resource_option(Client *c, const CliArgs *args, const char *name, bool required,
			  const char **out);

/*
 * The enum value named by --option in *out (0 when absent and not
 * required); an unknown name is a usage error that lists the valid ones.
 */
__attribute__((warn_unused_result))
TriadExit resource_name_option(Client *c, const CliArgs *args, const char *option,
			       const NameMap *m, bool required, int *out);

/*
 * --option as a whole number of days, 0 up to INT32_MAX, into the field
 * named field of m, a number alone in its oneof (PRESENCE in access.proto):
 * given, it is sent even as 0, for the server to judge; absent, m is left
 * alone and the server's default applies.
 */
__attribute__((warn_unused_result))
TriadExit resource_days_option(Client *c, const CliArgs *args, const char *option,
			       ProtobufCMessage *m, const char *field);

/*
 * Check that positional argument value, named what ("PERSON_ID") in the
 * usage line, is not empty.
 */
__attribute__((warn_unused_result))
TriadExit resource_argument(Client *c, const char *value, const char *what);

/* Write v in decimal into buf and return buf. */
const char *resource_u64(uint64_t v, char *buf, size_t len);

#endif
