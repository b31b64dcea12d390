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

#include "client.h"
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
