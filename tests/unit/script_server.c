/*
 * script_server.c: a scripted triadd for the client's unit tests (see
 * script_server.h).
 */
#include "script_server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "call.h"
#include "client.h"
#include "fields.h"
#include "names.h"
#include "rpc.h"

char script_addr[64];
static pid_t server_pid;
static int log_pipe[2];

Triad__V1__Request *
script_read(int fd)
{
	uint8_t *body;
	uint32_t len;
	RpcError err;
	Triad__V1__Request *req;

	if (!rpc_read_frame(fd, RPC_MAX_FRAME_BYTES, rpc_now_ms() + 10000, &body, &len, &err))
		return NULL;
	req = triad__v1__request__unpack(NULL, len, body);
	free(body);
	return req;
}

void
script_send(int fd, Triad__V1__Response *resp)
{
	size_t n = triad__v1__response__get_packed_size(resp);
	uint8_t *buf = malloc(RPC_FRAME_HEADER_BYTES + n);
	RpcError err;

	if (buf == NULL)
		_exit(3);
	rpc_frame_header_encode((uint32_t)n, buf);
	triad__v1__response__pack(resp, buf + RPC_FRAME_HEADER_BYTES);
	if (!rpc_write_all(fd, buf, RPC_FRAME_HEADER_BYTES + n, rpc_now_ms() + 5000, &err))
		shutdown(fd, SHUT_RDWR);
	free(buf);
}

/* Reads requests from fd and answers each with answer, until either stops. */
static void
script_serve_each(int fd, FILE *log, ScriptAnswer answer)
{
	Triad__V1__Request *req;
	bool go_on = true;

	while (go_on && (req = script_read(fd)) != NULL) {
		go_on = answer(fd, log, req);
		triad__v1__request__free_unpacked(req, NULL);
	}
}

void
script_start(ScriptServe serve)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof sin;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(lfd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(script_addr, sizeof script_addr, "127.0.0.1:%u", ntohs(sin.sin_port));
	assert_int_equal(pipe(log_pipe), 0);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		FILE *log = fdopen(log_pipe[1], "w");

		close(log_pipe[0]);
		if (log == NULL)
			_exit(2);
		/* Each line is written before the answer goes out, so the test sees it. */
		setvbuf(log, NULL, _IOLBF, 0);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0)
				_exit(1);
			serve(fd, log);
			close(fd);
		}
	}
	close(lfd);
	close(log_pipe[1]);
}

static ScriptAnswer each_answer;

static void
serve_each(int fd, FILE *log)
{
	script_serve_each(fd, log, each_answer);
}

void
script_start_answering(ScriptAnswer answer)
{
	each_answer = answer;
	script_start(serve_each);
}

void
script_stop(void)
{
	int status;

	kill(server_pid, SIGTERM);
	waitpid(server_pid, &status, 0);
	close(log_pipe[0]);
}

const char *
script_line(void)
{
	static char buf[1024];
	size_t n = 0;

	while (n + 1 < sizeof buf && read(log_pipe[0], buf + n, 1) == 1 && buf[n] != '\n')
		n++;
	buf[n] = '\0';
	return buf;
}

const char *
script_log(void)
{
	static char buf[8192];
	int flags = fcntl(log_pipe[0], F_GETFL);
	size_t n = 0;
	ssize_t got;

	fcntl(log_pipe[0], F_SETFL, flags | O_NONBLOCK);
	while (n + 1 < sizeof buf && (got = read(log_pipe[0], buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)got;
	assert_true(n + 1 < sizeof buf);
	fcntl(log_pipe[0], F_SETFL, flags);
	buf[n] = '\0';
	return buf;
}

ScriptRun
script_run(const Command *root, const char *input, int argc, ...)
{
	char *argv[16] = {(char *)"triad"};
	size_t olen = 0, elen = 0;
	ScriptRun r = {0};
	FILE *out = open_memstream(&r.out, &olen), *err = open_memstream(&r.err, &elen);
	FILE *in = fmemopen((void *)(input ? input : ""), input ? strlen(input) + 1 : 1, "r");
	Client *c;
	va_list ap;

	assert_true(argc < 16);
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	c = client_new(root, out, err);
	assert_non_null(c);
	c->in = in;
	r.rc = client_run(c, argc + 1, argv);
	client_free(c);
	fclose(in);
	fclose(out);
	fclose(err);
	return r;
}

void
script_run_free(ScriptRun *r)
{
	free(r->out);
	free(r->err);
}

/* Every word of the enum that f takes is in a or b (either may be NULL). */
static void
expect_words(const char *path, const char *what, const ProtobufCFieldDescriptor *f,
	     const char *a, const char *b)
{
	const NameMap *m = names_of(f->descriptor);

	if (m == NULL)
		fail_msg("%s: %s takes an enum without names", path, what);
	for (size_t k = 0; k < m->n; k++)
		if ((a == NULL || strstr(a, m->entries[k].name) == NULL) &&
		    (b == NULL || strstr(b, m->entries[k].name) == NULL))
			fail_msg("%s: '%s' is not in the help of %s", path, m->entries[k].name,
				 what);
}

/* Whether option is one of LIST_PAGING_OPTIONS. */
static bool
is_paging(const char *option)
{
	return strcmp(option, "page-size") == 0 || strcmp(option, "page-token") == 0 ||
	       strcmp(option, "all") == 0;
}

/* Whether word is one of the words of list (may be NULL). */
static bool
has_word(const char *list, const char *word)
{
	char w[64];

	while (fields_next_word(&list, w, sizeof w))
		if (strcmp(w, word) == 0)
			return true;
	return false;
}

/* The command at path, described by a Call, against the contract (script_check_calls()). */
static void
check_call(const char *path, const Command *cmd)
{
	const Call *call = cmd->ctx;
	const ProtobufCMessageDescriptor *target = call_target(call), *reply, *args_in;
	const char *p;
	char word[64], what[96];
	size_t i = 0;

	if (target == NULL)
		fail_msg("%s: no request or object type", path);
	if ((reply = call_reply_type(call->reply)) == NULL)
		fail_msg("%s: no answer type", path);
	if (cmd->summary == NULL || cmd->usage == NULL)
		fail_msg("%s: no summary or usage", path);
	args_in = target;
	if (call->fetch != 0) {
		/* The arguments fill the Get request; its answer is the object sent back. */
		if ((args_in = call_request_type(call->fetch)) == NULL || call->object == NULL ||
		    reply != target)
			fail_msg("%s: fetches what it does not send back", path);
	}
	for (p = call->args; fields_next_word(&p, word, sizeof word); i++) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(args_in, word);

		if (f == NULL)
			fail_msg("%s: argument %zu fills no field (%s)", path, i + 1, word);
		snprintf(what, sizeof what, "argument %zu", i + 1);
		if (f->type == PROTOBUF_C_TYPE_ENUM)
			expect_words(path, what, f, cmd->description, NULL);
	}
	/* What fills no field is prepare's: one more argument, or any number of them. */
	if (i != cmd->max_args &&
	    !(call->prepare != NULL && (i + 1 == cmd->max_args || cmd->max_args == CLI_ARGS_ANY)))
		fail_msg("%s: %zu arguments fill fields, %zu are taken", path, i, cmd->max_args);
	for (const CliOption *o = cmd->options; o != NULL && o->name != NULL; o++) {
		FieldsOption fo;

		if (is_paging(o->name)) {
			if (call->items == NULL ||
			    protobuf_c_message_descriptor_get_field_by_name(target, "page_token") ==
				    NULL)
				fail_msg("%s: --%s without a list that pages", path, o->name);
			continue;
		}
		/* With an object, an option may fill the request itself. */
		if (!fields_for_option(target, o->name, call->fields, &fo) &&
		    !(call->object != NULL &&
		      fields_for_option(call_request_type(call->request), o->name, call->fields,
					&fo)))
			fail_msg("%s: --%s fills no field", path, o->name);
		/* One of a choice that fills nothing says "not the other" (decide --reject). */
		if (fo.field == NULL && call->prepare == NULL && !has_word(call->one_of, o->name))
			fail_msg("%s: --%s is read by nothing", path, o->name);
		if (fo.field != NULL && (o->arg == NULL) != (fo.field->type == PROTOBUF_C_TYPE_BOOL))
			fail_msg("%s: --%s is a flag exactly when its field is a bool", path,
				 o->name);
		snprintf(what, sizeof what, "--%s", o->name);
		if (fo.field != NULL && fo.field->type == PROTOBUF_C_TYPE_ENUM)
			expect_words(path, what, fo.field, o->help, cmd->description);
	}
	for (p = call->required; fields_next_word(&p, word, sizeof word);) {
		snprintf(what, sizeof what, "--%s ", word);
		if (strstr(cmd->usage, what) == NULL)
			fail_msg("%s: required --%s is not in the usage", path, word);
	}
	for (p = call->one_of; fields_next_word(&p, word, sizeof word);)
		if (strstr(cmd->usage, word) == NULL)
			fail_msg("%s: --%s is not in the usage", path, word);
	if (call->items != NULL) {
		const ProtobufCFieldDescriptor *items = fields_items(reply);
		const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
		size_t want = 0;

		if (items == NULL)
			fail_msg("%s: the answer is not a list", path);
		for (p = call->columns; fields_next_word(&p, word, sizeof word);)
			want++;
		/* No columns: all of them. */
		if (call->columns != NULL &&
		    fields_columns(items->descriptor, call->columns, cols, FIELDS_MAX_COLUMNS) != want)
			fail_msg("%s: a column is not a field", path);
	}
}

size_t
script_check_calls(const char *path, const Command *cmd, ScriptCallCheck more)
{
	char sub[128];
	size_t n = 0;

	if (cmd->subcommands == NULL && cmd->ctx != NULL) {
		check_call(path, cmd);
		if (more != NULL)
			more(path, cmd);
		return 1;
	}
	for (const Command *const *t = cmd->subcommands; t != NULL && *t != NULL; t++) {
		snprintf(sub, sizeof sub, "%s %s", path, (*t)->name);
		n += script_check_calls(sub, *t, more);
	}
	return n;
}
