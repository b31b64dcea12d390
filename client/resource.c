/*
 * resource.c: paging, records and option values for the resource
 * commands (see resource.h).
 */
#include "resource.h"
#include "when.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

TriadExit
list_paging_parse(Client *c, const CliArgs *args, ListPaging *out)
{
	const char *size = cli_args_value(args, "page-size");
	const char *token = cli_args_value(args, "page-token");
	unsigned long n = 0;

	memset(out, 0, sizeof *out);
	out->all = cli_args_has(args, "all");
	out->max_pages = 0;     /* to the last page */
	out->page_token = token != NULL ? token : "";
	if (size != NULL && !cli_parse_ulong(size, 1, LIST_MAX_PAGE_SIZE, &n))
		return client_usage_error(c,
					  "invalid value for --page-size: '%s' (expected a whole "
					  "number from 1 to %d)", size, LIST_MAX_PAGE_SIZE);
	if (token != NULL && token[0] == '\0')
		return client_usage_error(c, "--page-token needs the token that the previous "
					     "page printed");
	if (size == NULL && out->all)
		n = LIST_MAX_PAGE_SIZE;
	out->page_size = (int32_t)n;
	return TRIAD_EXIT_OK;
}

/* The tokens a list has been given so far, to see a server going round. */
typedef struct Seen {
	char **tokens;
	size_t n, cap;
} Seen;

static bool
seen_has(const Seen *s, const char *token)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->tokens[i], token) == 0)
			return true;
	return false;
}

/* Keeps token (owned by the caller). False when memory ran out. */
static bool
seen_add(Seen *s, const char *token)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **grown = realloc(s->tokens, cap * sizeof *grown);

		if (grown == NULL)
			return false;
		s->tokens = grown;
		s->cap = cap;
	}
	if ((s->tokens[s->n] = strdup(token)) == NULL)
		return false;
	s->n++;
	return true;
}

static void
seen_free(Seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->tokens[i]);
	free(s->tokens);
}

TriadExit
list_pages(const ListPaging *p, ListFetch fetch, void *ctx, Table *t, ListResult *res)
{
	char *token = strdup(p->page_token != NULL ? p->page_token : "");
	Seen seen = {0};
	TriadExit rc = TRIAD_EXIT_OK;

	memset(res, 0, sizeof *res);
	if (token == NULL) {
		res->no_memory = true;
		return TRIAD_EXIT_SERVER;
	}
	for (;;) {
		char *next = NULL;

		rc = fetch(ctx, p->page_size, token, t, &next);
		if (rc != TRIAD_EXIT_OK) {
			free(next);
			break;
		}
		res->pages++;
		if (next == NULL)
			next = strdup("");
		if (next == NULL || !seen_add(&seen, token)) {
			free(next);
			res->no_memory = true;
			rc = TRIAD_EXIT_SERVER;
			break;
		}
		if (next[0] != '\0' && seen_has(&seen, next)) {
			res->looped = true;
			free(next);
			rc = TRIAD_EXIT_UNREACHABLE;
			break;
		}
		free(token);
		token = next;
		if (token[0] == '\0' || !p->all)
			break;
		if (p->max_pages > 0 && res->pages >= p->max_pages) {
			res->stopped = true;
			break;
		}
	}
	seen_free(&seen);
	if (rc != TRIAD_EXIT_OK) {
		free(token);
		return rc;
	}
	res->next = token;
	return TRIAD_EXIT_OK;
}

void
list_result_free(ListResult *res)
{
	free(res->next);
	res->next = NULL;
}

/* What list_run() hands list_pages() as the fetch context. */
typedef struct ListCall {
	Client *c;
	const ListSpec *spec;
	void *ctx;
} ListCall;

static TriadExit
list_fetch(void *arg, int32_t page_size, const char *page_token, Table *t, char **next)
{
	ListCall *lc = arg;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	const char *token;
	TriadExit rc;

	*next = NULL;
	lc->spec->request(lc->ctx, &req, page_size, page_token);
	rc = client_call_expect(lc->c, &req, lc->spec->reply, &resp);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	token = lc->spec->rows(lc->ctx, resp, t);
	if (token == NULL || (*next = strdup(token)) == NULL) {
		rpc_response_free(resp);
		return client_out_of_memory(lc->c);
	}
	rpc_response_free(resp);
	return TRIAD_EXIT_OK;
}

int
list_run(Client *c, const CliArgs *args, const ListSpec *spec, void *ctx)
{
	ListCall lc = {c, spec, ctx};
	ListPaging paging;
	ListResult res;
	TriadExit rc;
	Table *t;

	rc = list_paging_parse(c, args, &paging);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	t = client_table(c, spec->ncols, spec->headers);
	if (t == NULL)
		return client_out_of_memory(c);
	for (size_t i = 0; spec->kinds != NULL && i < spec->ncols; i++)
		table_set_kind(t, i, spec->kinds[i]);
	rc = list_pages(&paging, list_fetch, &lc, t, &res);
	if (rc != TRIAD_EXIT_OK) {
		if (res.looped) {
			RpcError err = {.kind = RPC_ERR_PROTOCOL};

			snprintf(err.message, sizeof err.message,
				 "%s handed back the page token it was given; stopping",
				 client_addr(c));
			rc = client_report(c, &err);
		} else if (res.no_memory) {
			rc = client_out_of_memory(c);
		}
		table_free(t);
		return rc;
	}
	if (c->format == PRINT_TEXT && table_rows(t) == 0 && res.next[0] == '\0')
		fprintf(c->out, "No %s.\n", spec->items);
	else if (!table_print(t, c->format, c->out))
		rc = TRIAD_EXIT_SERVER;
	if (res.next[0] != '\0') {
		fflush(c->out);
		if (res.stopped)
			fprintf(c->err, "%s: stopped after %zu pages; to go on, run it again with "
				"--page-token ", c->path, res.pages);
		else
			fprintf(c->err, "%s: there are more %s; run it again with --page-token ",
				c->path, spec->items);
		print_sanitized(c->err, res.next);
		fputs(res.stopped ? "\n" : ", or with --all for all of them\n", c->err);
	}
	list_result_free(&res);
	table_free(t);
	return rc;
}

TriadExit
resource_print_record(Client *c, size_t ncols, const char *const *headers,
		      const char *const *cells)
{
	return resource_print_typed(c, ncols, headers, cells, NULL);
}

TriadExit
resource_print_typed(Client *c, size_t ncols, const char *const *headers,
		     const char *const *cells, const CellKind *kinds)
{
	Table *t = table_new(ncols, headers);
	TriadExit rc = TRIAD_EXIT_OK;
	char (*times)[WHEN_MAX] = calloc(ncols, sizeof *times);
	const char **shown = calloc(ncols, sizeof *shown);

	if (times != NULL && shown != NULL) {
		memcpy(shown, cells, ncols * sizeof *shown);
		when_cells(ncols, headers, shown, c->format, times);
	}
	if (t == NULL || times == NULL || shown == NULL || !table_add_row(t, shown)) {
		free(times);
		free(shown);
		table_free(t);
		return client_out_of_memory(c);
	}
	for (size_t i = 0; kinds != NULL && i < ncols; i++)
		table_set_kind(t, i, kinds[i]);
	if (!table_print_record(t, c->format, c->out))
		rc = TRIAD_EXIT_SERVER;
	table_free(t);
	free(times);
	free(shown);
	return rc;
}

TriadExit
resource_option(Client *c, const CliArgs *args, const char *name, bool required,
		const char **out)
{
	*out = cli_args_value(args, name);
	if (*out == NULL && required)
		return client_usage_error(c, "--%s is required", name);
	if (*out != NULL && (*out)[0] == '\0')
		return client_usage_error(c, "--%s must not be empty", name);
	return TRIAD_EXIT_OK;
}

TriadExit
resource_name_option(Client *c, const CliArgs *args, const char *option, const NameMap *m,
		     bool required, int *out)
{
	const char *v;
	char why[512];
	TriadExit rc = resource_option(c, args, option, required, &v);

	*out = 0;
	if (rc != TRIAD_EXIT_OK || v == NULL)
		return rc;
	if (!names_parse(m, v, out)) {
		names_explain(m, v, why, sizeof why);
		return client_usage_error(c, "invalid value for --%s: %s", option, why);
	}
	return TRIAD_EXIT_OK;
}

TriadExit
resource_days_option(Client *c, const CliArgs *args, const char *option, ProtobufCMessage *m,
		     const char *field)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
	const char *v = cli_args_value(args, option);
	unsigned long n;

	if (v == NULL || f == NULL)
		return TRIAD_EXIT_OK;
	if (!cli_parse_ulong(v, 0, INT32_MAX, &n))
		return client_usage_error(c,
					  "invalid value for --%s: '%s' (expected a whole number "
					  "of days, such as 30)", option, v);
	*(int32_t *)((char *)m + f->offset) = (int32_t)n;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
	return TRIAD_EXIT_OK;
}

TriadExit
resource_argument(Client *c, const char *value, const char *what)
{
	if (value == NULL || value[0] == '\0')
		return client_usage_error(c, "%s must not be empty", what);
	return TRIAD_EXIT_OK;
}

const char *
resource_u64(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}
