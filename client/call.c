/*
 * call.c: commands described by a Call (see call.h).
 */
#include "call.h"
#include "when.h"

#include <stdlib.h>
#include <string.h>

#include "resource.h"

/* The field of Request or Response (d) that holds body case n, or NULL. */
static const ProtobufCFieldDescriptor *
body_field(const ProtobufCMessageDescriptor *d, int n)
{
	const ProtobufCFieldDescriptor *f =
		n > 0 ? protobuf_c_message_descriptor_get_field(d, (unsigned)n) : NULL;

	return f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE ? f : NULL;
}

const ProtobufCMessageDescriptor *
call_request_type(int n)
{
	const ProtobufCFieldDescriptor *f = body_field(&triad__v1__request__descriptor, n);

	return f != NULL ? f->descriptor : NULL;
}

const ProtobufCMessageDescriptor *
call_reply_type(int n)
{
	const ProtobufCFieldDescriptor *f = body_field(&triad__v1__response__descriptor, n);

	return f != NULL ? f->descriptor : NULL;
}

const ProtobufCMessageDescriptor *
call_target(const Call *call)
{
	const ProtobufCMessageDescriptor *d = call_request_type(call->request);
	const ProtobufCFieldDescriptor *f;

	if (d == NULL || call->object == NULL)
		return d;
	f = protobuf_c_message_descriptor_get_field_by_name(d, call->object);
	return f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE ? f->descriptor : NULL;
}

/* A new body for case n of req, put in req (which does not own it); NULL when out of memory. */
static ProtobufCMessage *
new_body(Triad__V1__Request *req, int n)
{
	const ProtobufCFieldDescriptor *f = body_field(&triad__v1__request__descriptor, n);
	ProtobufCMessage *body = fields_new(f->descriptor);

	if (body != NULL)
		fields_put_message(&req->base, f, body);
	return body;
}

/* The answer in resp, of body case n; taken out of resp with take. */
static ProtobufCMessage *
answer_of(Triad__V1__Response *resp, int n, bool take)
{
	return fields_message(&resp->base, body_field(&triad__v1__response__descriptor, n), take);
}

/* Step 1 of call.h: what the command line must hold. */
static TriadExit
check_line(Client *c, const Command *cmd, const CliArgs *args, const Call *call)
{
	char word[64], name[64], first[64] = "", choice[256] = "";
	size_t given = 0, total = 0, i = 0;
	const char *p;
	TriadExit rc;

	for (size_t k = 0; k < args->n_pos; k++) {
		if (!cli_positional_name(cmd, k, name, sizeof name))
			snprintf(name, sizeof name, "argument %zu", k + 1);
		if ((rc = resource_argument(c, args->pos[k], name)) != TRIAD_EXIT_OK)
			return rc;
	}
	for (p = call->required; fields_next_word(&p, word, sizeof word);)
		if (!cli_args_has(args, word))
			return client_usage_error(c, "--%s is required", word);
	for (p = call->one_of; fields_next_word(&p, word, sizeof word); total++) {
		if (!cli_args_has(args, word))
			continue;
		if (given++ == 1)
			return client_usage_error(c, "--%s and --%s cannot be used together", first,
						  word);
		snprintf(first, sizeof first, "%s", word);
	}
	if (total == 0 || given == 1)
		return TRIAD_EXIT_OK;
	for (p = call->one_of; fields_next_word(&p, word, sizeof word); i++) {
		size_t used = strlen(choice);

		snprintf(choice + used, sizeof choice - used, "%s--%s",
			 i == 0 ? "" : i + 1 == total ? " or " : ", ", word);
	}
	return client_usage_error(c, "%s %s is required", total == 2 ? "either" : "one of", choice);
}

/* Fill the fields of target named in call->args from the positional arguments. */
static TriadExit
fill_args(Client *c, const Command *cmd, const CliArgs *args, const Call *call,
	  ProtobufCMessage *target)
{
	const char *p = call->args;
	char word[64], name[64], why[512];

	for (size_t i = 0; i < args->n_pos && fields_next_word(&p, word, sizeof word); i++) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(target->descriptor, word);

		if (f == NULL)
			continue;
		switch (fields_set(target, f, &args->pos[i], 1, why, sizeof why)) {
		case FIELDS_OK:
			break;
		case FIELDS_NO_MEMORY:
			return client_out_of_memory(c);
		case FIELDS_INVALID:
			if (!cli_positional_name(cmd, i, name, sizeof name))
				snprintf(name, sizeof name, "argument %zu", i + 1);
			return client_usage_error(c, "invalid %s: %s", name, why);
		}
	}
	return TRIAD_EXIT_OK;
}

/* Fill the fields of target that the options given name. */
static TriadExit
fill_options(Client *c, const Command *cmd, const CliArgs *args, const Call *call,
	     ProtobufCMessage *target)
{
	const char **values = calloc(args->n_matches + 1, sizeof *values);
	TriadExit rc = TRIAD_EXIT_OK;
	char why[512];

	if (values == NULL)
		return client_out_of_memory(c);
	for (const CliOption *o = cmd->options; rc == TRIAD_EXIT_OK && o != NULL && o->name; o++) {
		FieldsOption fo;
		size_t n = 0;

		/* Paging is list_run()'s. */
		if (strcmp(o->name, "page-size") == 0 || strcmp(o->name, "page-token") == 0 ||
		    !fields_for_option(target->descriptor, o->name, call->fields, &fo) ||
		    fo.field == NULL || !cli_args_has(args, o->name))
			continue;
		if (o->arg == NULL) {
			if (fo.negate && cli_args_has(args, o->name + 3))
				rc = client_usage_error(c, "--%s and --%s cannot be used together",
							o->name + 3, o->name);
			fields_set_bool(target, fo.field, !fo.negate);
			continue;
		}
		for (size_t i = 0; i < args->n_matches; i++)
			if (strcmp(args->matches[i].option->name, o->name) == 0)
				values[n++] = args->matches[i].value;
		if (fo.field->label != PROTOBUF_C_LABEL_REPEATED && values[n - 1][0] == '\0') {
			rc = client_usage_error(c, "--%s must not be empty", o->name);
			break;
		}
		switch (fields_set(target, fo.field, values, n, why, sizeof why)) {
		case FIELDS_OK:
			break;
		case FIELDS_NO_MEMORY:
			rc = client_out_of_memory(c);
			break;
		case FIELDS_INVALID:
			rc = client_usage_error(c, "invalid value for --%s: %s", o->name, why);
			break;
		}
	}
	free(values);
	return rc;
}

TriadExit
call_fill(Client *c, const Command *cmd, const CliArgs *args, ProtobufCMessage *target)
{
	const Call *call = cmd->ctx;
	TriadExit rc = check_line(c, cmd, args, call);

	if (rc == TRIAD_EXIT_OK && call->fetch == 0)
		rc = fill_args(c, cmd, args, call, target);
	if (rc == TRIAD_EXIT_OK)
		rc = fill_options(c, cmd, args, call, target);
	return rc;
}

/* Fetch the object that an update changes, into *out (owned by the caller). */
static TriadExit
fetch(Client *c, const Command *cmd, const CliArgs *args, const Call *call,
      ProtobufCMessage **out)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	ProtobufCMessage *body = new_body(&req, call->fetch);
	Triad__V1__Response *resp;
	TriadExit rc;

	*out = NULL;
	if (body == NULL)
		return client_out_of_memory(c);
	rc = fill_args(c, cmd, args, call, body);
	if (rc == TRIAD_EXIT_OK)
		rc = client_call_expect(c, &req, call->reply, &resp);
	fields_free(body);
	if (rc != TRIAD_EXIT_OK)
		return rc;
	*out = answer_of(resp, call->reply, true);
	rpc_response_free(resp);
	return *out != NULL ? TRIAD_EXIT_OK : client_bad_answer(c);
}

void
call_set_kinds(Table *t, const ProtobufCFieldDescriptor *const *cols, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++)
		table_set_kind(t, i, fields_kind(cols[i]));
}

bool
call_add_row(Table *t, const ProtobufCFieldDescriptor *const *cols, size_t n,
	     const ProtobufCMessage *m, PrintFormat format)
{
	char *cells[FIELDS_MAX_COLUMNS] = {NULL};
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		ok = (cells[i] = fields_cell(m, cols[i], format)) != NULL && ok;
	ok = ok && table_add_row(t, (const char *const *)cells);
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	return ok;
}

/* What list_run() hands back to the two functions below. */
typedef struct CallList {
	const Call *call;
	ProtobufCMessage *body;                 /* the list request */
	const ProtobufCFieldDescriptor *request; /* its field in Request */
	int reply;                              /* the answer's body case */
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	size_t ncols;
	PrintFormat format;
	bool no_memory;
} CallList;

static void
list_request(void *ctx, Triad__V1__Request *req, int32_t page_size, const char *page_token)
{
	CallList *l = ctx;

	fields_set_named_int(l->body, "page_size", page_size);
	if (!fields_set_named(l->body, "page_token", page_token))
		l->no_memory = true;
	fields_put_message(&req->base, l->request, l->body);
}

size_t
call_items(const ProtobufCMessage *answer, ProtobufCMessage *const **items)
{
	const ProtobufCFieldDescriptor *f = fields_items(answer->descriptor);

	*items = NULL;
	if (f == NULL)
		return 0;
	*items = *(ProtobufCMessage *const *const *)((const char *)answer + f->offset);
	return *(const size_t *)((const char *)answer + f->quantifier_offset);
}

static const char *
list_rows(void *ctx, const Triad__V1__Response *resp, Table *t)
{
	CallList *l = ctx;
	ProtobufCMessage *answer = answer_of((Triad__V1__Response *)resp, l->reply, false);
	ProtobufCMessage *const *item;
	size_t n = call_items(answer, &item);

	if (l->no_memory)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *cells[FIELDS_MAX_COLUMNS];
		CallNumbers num;

		if (l->call->cells != NULL) {
			char times[FIELDS_MAX_COLUMNS][WHEN_MAX];

			l->call->cells(item[i], cells, &num);
			when_cells(l->call->ncols, l->call->headers, cells, l->format, times);
			if (!table_add_row(t, cells))
				return NULL;
		} else if (!call_add_row(t, l->cols, l->ncols, item[i], l->format)) {
			return NULL;
		}
	}
	return fields_get_named(answer, "next_page_token");
}

static int
list(Client *c, const CliArgs *args, const Call *call, ProtobufCMessage *body)
{
	CallList l = {.call = call, .body = body, .reply = call->reply, .format = c->format};
	const ProtobufCMessageDescriptor *item = fields_items(call_reply_type(call->reply))->descriptor;
	char names[FIELDS_MAX_COLUMNS][64];
	const char *headers[FIELDS_MAX_COLUMNS];
	CellKind kinds[FIELDS_MAX_COLUMNS];
	ListSpec spec = {.items = call->items, .headers = headers, .reply = call->reply,
			 .request = list_request, .rows = list_rows};

	l.request = body_field(&triad__v1__request__descriptor, call->request);
	if (call->cells != NULL) {
		spec.ncols = call->ncols;
		spec.headers = call->headers;
		return list_run(c, args, &spec, &l);
	}
	l.ncols = fields_columns(item, c->format == PRINT_TEXT ? call->columns : NULL, l.cols,
				 FIELDS_MAX_COLUMNS);
	for (size_t i = 0; i < l.ncols; i++) {
		headers[i] = fields_header(l.cols[i], names[i], sizeof names[i]);
		kinds[i] = fields_kind(l.cols[i]);
	}
	spec.ncols = l.ncols;
	spec.kinds = kinds;
	return list_run(c, args, &spec, &l);
}

TriadExit
call_print_record(Client *c, const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	char names[FIELDS_MAX_COLUMNS][64], *cells[FIELDS_MAX_COLUMNS];
	const char *headers[FIELDS_MAX_COLUMNS];
	CellKind kinds[FIELDS_MAX_COLUMNS];
	size_t n = fields_columns(m->descriptor, NULL, cols, FIELDS_MAX_COLUMNS), kept = 0;
	TriadExit rc = TRIAD_EXIT_OK;

	for (size_t i = 0; i < n; i++) {
		char *cell = fields_cell(m, cols[i], c->format);

		if (cell == NULL) {
			rc = client_out_of_memory(c);
			break;
		}
		/* On a terminal, what has no value is left out. */
		if (c->format == PRINT_TEXT && cell[0] == '\0') {
			free(cell);
			continue;
		}
		headers[kept] = fields_header(cols[i], names[kept], sizeof names[kept]);
		kinds[kept] = fields_kind(cols[i]);
		cells[kept++] = cell;
	}
	if (rc == TRIAD_EXIT_OK && kept > 0)
		rc = resource_print_typed(c, kept, headers, (const char *const *)cells, kinds);
	for (size_t i = 0; i < kept; i++)
		free(cells[i]);
	return rc;
}

TriadExit
call_print_all(Client *c, const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	char names[FIELDS_MAX_COLUMNS][64], *cells[FIELDS_MAX_COLUMNS];
	const char *headers[FIELDS_MAX_COLUMNS];
	CellKind kinds[FIELDS_MAX_COLUMNS];
	size_t n = fields_columns(m->descriptor, NULL, cols, FIELDS_MAX_COLUMNS), made = 0;
	TriadExit rc = TRIAD_EXIT_OK;

	for (; made < n; made++) {
		if ((cells[made] = fields_cell(m, cols[made], c->format)) == NULL) {
			rc = client_out_of_memory(c);
			break;
		}
		headers[made] = fields_header(cols[made], names[made], sizeof names[made]);
		kinds[made] = fields_kind(cols[made]);
	}
	if (rc == TRIAD_EXIT_OK)
		rc = resource_print_typed(c, n, headers, (const char *const *)cells, kinds);
	for (size_t i = 0; i < made; i++)
		free(cells[i]);
	return rc;
}

/* Print m as one record of call's own cells. */
static TriadExit
print_cells(Client *c, const Call *call, const ProtobufCMessage *m)
{
	const char *cells[FIELDS_MAX_COLUMNS];
	CallNumbers num;

	call->cells(m, cells, &num);
	return resource_print_record(c, call->ncols, call->headers, cells);
}

TriadExit
call_print_deleted(Client *c, const ProtobufCMessage *m)
{
	static const char *const names[] = {"code", "name", "id"};
	const char *what = "";
	char noun[64];

	if (c->format != PRINT_TEXT)
		return call_print_record(c, m);
	for (size_t i = 0; i < 3 && what[0] == '\0'; i++)
		what = fields_get_named(m, names[i]);
	fprintf(c->out, "Deleted %s ", names_words(m->descriptor->short_name, false, noun,
						     sizeof noun));
	print_sanitized(c->out, what);
	fputs(".\n", c->out);
	return TRIAD_EXIT_OK;
}

TriadExit
call_quietly_in(Client *c, const char *inst, Triad__V1__Request *req,
		Triad__V1__Response__BodyCase body, Triad__V1__Response **resp, RpcError *err)
{
	RpcSession *s;
	TriadExit rc;

	*resp = NULL;
	memset(err, 0, sizeof *err);
	if ((rc = client_session(c, &s)) != TRIAD_EXIT_OK)
		return rc;
	req->institution = (char *)inst;
	if (!rpc_call(s, req, resp, err))
		return client_exit_code(err);
	if ((*resp)->body_case != body) {
		rpc_response_free(*resp);
		*resp = NULL;
		err->kind = RPC_ERR_PROTOCOL;
		snprintf(err->message, sizeof err->message,
			 "%s answered with a reply of the wrong kind",
			 c->addr != NULL ? c->addr : TRIAD_DEFAULT_ADDR);
		return client_exit_code(err);
	}
	return TRIAD_EXIT_OK;
}

TriadExit
call_quietly(Client *c, Triad__V1__Request *req, Triad__V1__Response__BodyCase body,
	     Triad__V1__Response **resp, RpcError *err)
{
	const char *inst = req->institution;

	if (inst == NULL || inst[0] == '\0')
		inst = client_institution(c);
	return call_quietly_in(c, inst, req, body, resp, err);
}

TriadExit
call_report(Client *c, const RpcError *err, TriadExit rc)
{
	return err->kind != RPC_ERR_NONE ? client_report(c, err) : rc;
}

TriadExit
call_each(Client *c, const char *inst, int request, int reply, const char *filter_field,
	  const char *filter, CallVisit visit, void *ctx, RpcError *err)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	ProtobufCMessage *body = new_body(&req, request);
	TriadExit rc = TRIAD_EXIT_OK;
	bool more = true;

	memset(err, 0, sizeof *err);
	if (body == NULL ||
	    (filter_field != NULL && !fields_set_named(body, filter_field, filter))) {
		fields_free(body);
		return client_out_of_memory(c);
	}
	fields_set_named_int(body, "page_size", LIST_MAX_PAGE_SIZE);
	/* To the last page, however many there are. */
	while (more) {
		Triad__V1__Response *resp;
		const ProtobufCMessage *answer;
		ProtobufCMessage *const *item;
		size_t n;
		const char *next;

		if ((rc = call_quietly_in(c, inst, &req, (Triad__V1__Response__BodyCase)reply, &resp,
					  err)) != TRIAD_EXIT_OK)
			break;
		answer = answer_of(resp, reply, false);
		n = call_items(answer, &item);
		for (size_t i = 0; more && i < n; i++)
			more = visit(item[i], ctx);
		next = fields_get_named(answer, "next_page_token");
		more = more && next[0] != '\0';
		if (more && strcmp(next, fields_get_named(body, "page_token")) == 0) {
			/* A server that hands back the token it was given would loop. */
			err->kind = RPC_ERR_PROTOCOL;
			snprintf(err->message, sizeof err->message,
				 "%s handed back the page token it was given; stopping",
				 c->addr != NULL ? c->addr : TRIAD_DEFAULT_ADDR);
			rc = client_exit_code(err);
			more = false;
		} else if (more && !fields_set_named(body, "page_token", next)) {
			rc = client_out_of_memory(c), more = false;
		}
		rpc_response_free(resp);
	}
	fields_free(body);
	return rc;
}

/* Send req and print its answer. */
static TriadExit
send_call(Client *c, const Call *call, Triad__V1__Request *req)
{
	Triad__V1__Response *resp;
	ProtobufCMessage *answer;
	TriadExit rc = client_call_expect(c, req, call->reply, &resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	answer = answer_of(resp, call->reply, false);
	if (answer == NULL)
		rc = client_bad_answer(c);
	else if (call->print != NULL)
		rc = call->print(c, answer);
	else
		rc = call->cells != NULL ? print_cells(c, call, answer)
					 : call_print_record(c, answer);
	/* What the server adds to a done request, such as the certificate a
	 * completion issued or why it issued none. */
	if (rc == TRIAD_EXIT_OK && resp->status != NULL && resp->status->message != NULL &&
	    resp->status->message[0] != '\0')
		fprintf(stderr, "triad: %s\n", resp->status->message);
	rpc_response_free(resp);
	return rc;
}

int
call_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const Call *call = cmd->ctx;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	ProtobufCMessage *body = new_body(&req, call->request), *target = body;
	const ProtobufCFieldDescriptor *of = NULL;
	TriadExit rc;

	if (body == NULL)
		return client_out_of_memory(c);
	if (call->object != NULL) {
		of = protobuf_c_message_descriptor_get_field_by_name(body->descriptor, call->object);
		if ((target = fields_new(of->descriptor)) == NULL) {
			fields_free(body);
			return client_out_of_memory(c);
		}
		fields_put_message(body, of, target);
	}
	/* With fetch this checks the options before anything is sent. */
	rc = call_fill(c, cmd, args, target);
	if (rc == TRIAD_EXIT_OK && call->fetch != 0 && of != NULL) {
		rc = fetch(c, cmd, args, call, &target);
		if (rc == TRIAD_EXIT_OK) {
			fields_put_message(body, of, target);
			rc = fill_options(c, cmd, args, call, target);
		}
	}
	/* Options that name a field of the request itself rather than of its
	 * object (CreateSessionRequest.record_history). */
	if (rc == TRIAD_EXIT_OK && of != NULL)
		rc = fill_options(c, cmd, args, call, body);
	if (rc == TRIAD_EXIT_OK && call->prepare != NULL)
		rc = call->prepare(c, args, target);
	if (rc == TRIAD_EXIT_OK)
		rc = call->items != NULL ? (TriadExit)list(c, args, call, body)
					 : send_call(c, call, &req);
	fields_free(body);
	return rc;
}
