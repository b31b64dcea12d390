/*
 * Unit tests for client/rpc.c: frame headers, addresses, reading frames
 * that arrive in pieces or lie about their length, and whole sessions
 * against a scripted server in a child process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "rpc.h"

/* ---- frame headers ---------------------------------------------------- */

static void
test_header_encode_decode(void **state)
{
	static const uint32_t values[] = {0, 1, 255, 256, 0x01020304u, RPC_MAX_FRAME_BYTES,
					  UINT32_MAX};
	uint8_t b[RPC_FRAME_HEADER_BYTES];

	(void)state;
	rpc_frame_header_encode(0x01020304u, b);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[1], 2);
	assert_int_equal(b[2], 3);
	assert_int_equal(b[3], 4);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		rpc_frame_header_encode(values[i], b);
		assert_int_equal(rpc_frame_header_decode(b), values[i]);
	}
	b[0] = 0xFF, b[1] = 0xFF, b[2] = 0xFF, b[3] = 0xFE;
	assert_int_equal(rpc_frame_header_decode(b), 0xFFFFFFFEu);
}

static void
test_frame_length_limits(void **state)
{
	(void)state;
	assert_false(rpc_frame_length_ok(0, RPC_MAX_FRAME_BYTES));
	assert_true(rpc_frame_length_ok(1, RPC_MAX_FRAME_BYTES));
	assert_true(rpc_frame_length_ok(RPC_MAX_FRAME_BYTES, RPC_MAX_FRAME_BYTES));
	assert_false(rpc_frame_length_ok(RPC_MAX_FRAME_BYTES + 1, RPC_MAX_FRAME_BYTES));
	assert_false(rpc_frame_length_ok(UINT32_MAX, RPC_MAX_FRAME_BYTES));
}

/* ---- addresses -------------------------------------------------------- */

static void
expect_addr(const char *addr, const char *host, const char *port)
{
	char h[RPC_HOST_MAX], p[RPC_PORT_MAX];
	RpcError err;

	assert_true(rpc_addr_parse(addr, h, p, &err));
	assert_string_equal(h, host);
	assert_string_equal(p, port);
}

static void
expect_bad_addr(const char *addr, const char *fragment)
{
	char h[RPC_HOST_MAX], p[RPC_PORT_MAX];
	RpcError err;

	assert_false(rpc_addr_parse(addr, h, p, &err));
	assert_int_equal(err.kind, RPC_ERR_ADDRESS);
	assert_non_null(strstr(err.message, fragment));
}

static void
test_addr_parse(void **state)
{
	char longhost[RPC_HOST_MAX + 8];

	(void)state;
	expect_addr("127.0.0.1:7411", "127.0.0.1", "7411");
	expect_addr("localhost", "localhost", RPC_DEFAULT_PORT);
	expect_addr("db.example.org:1", "db.example.org", "1");
	expect_addr("[::1]:9000", "::1", "9000");
	expect_addr("[::1]", "::1", RPC_DEFAULT_PORT);
	expect_addr("host:65535", "host", "65535");

	expect_bad_addr("", "empty");
	expect_bad_addr(":7411", "host is missing");
	expect_bad_addr("host:", "port must be");
	expect_bad_addr("host:0", "port must be");
	expect_bad_addr("host:65536", "port must be");
	expect_bad_addr("host:123456", "port must be");
	expect_bad_addr("host:74x1", "port must be");
	expect_bad_addr("host:-1", "port must be");
	expect_bad_addr("::1", "brackets");
	expect_bad_addr("[::1", "[IPV6]:PORT");
	expect_bad_addr("[]:7411", "[IPV6]:PORT");
	expect_bad_addr("[::1]x", "[IPV6]:PORT");
	memset(longhost, 'a', sizeof longhost - 1);
	longhost[sizeof longhost - 1] = '\0';
	expect_bad_addr(longhost, "too long");
}

/* ---- reading frames --------------------------------------------------- */

static void
make_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void
write_bytes(int fd, const void *buf, size_t len)
{
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static void
test_read_frame_whole(void **state)
{
	uint8_t frame[] = {0, 0, 0, 3, 'a', 'b', 'c'};
	uint8_t *body;
	uint32_t len;
	RpcError err;
	int sv[2];

	(void)state;
	make_pair(sv);
	write_bytes(sv[1], frame, sizeof frame);
	write_bytes(sv[1], frame, sizeof frame);
	for (int i = 0; i < 2; i++) {
		assert_true(rpc_read_frame(sv[0], 16, rpc_now_ms() + 1000, &body, &len, &err));
		assert_int_equal(len, 3);
		assert_memory_equal(body, "abc", 3);
		free(body);
	}
	close(sv[0]);
	close(sv[1]);
}

/* A child writes the frame one byte at a time, pausing between bytes. */
static void
test_read_frame_byte_by_byte(void **state)
{
	uint8_t frame[] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
	uint8_t *body;
	uint32_t len;
	RpcError err;
	int sv[2], status;
	pid_t pid;

	(void)state;
	make_pair(sv);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		for (size_t i = 0; i < sizeof frame; i++) {
			if (write(sv[1], frame + i, 1) != 1)
				_exit(1);
			usleep(2000);
		}
		_exit(0);
	}
	close(sv[1]);
	assert_true(rpc_read_frame(sv[0], 16, rpc_now_ms() + 5000, &body, &len, &err));
	assert_int_equal(len, 5);
	assert_memory_equal(body, "hello", 5);
	free(body);
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
expect_read_failure(const uint8_t *bytes, size_t n, bool close_writer, uint32_t max,
		    int timeout_ms, RpcErrorKind kind, const char *fragment)
{
	uint8_t *body = (uint8_t *)"untouched";
	uint32_t len = 99;
	RpcError err;
	int sv[2];

	make_pair(sv);
	if (n > 0)
		write_bytes(sv[1], bytes, n);
	if (close_writer)
		close(sv[1]);
	assert_false(rpc_read_frame(sv[0], max, rpc_now_ms() + timeout_ms, &body, &len, &err));
	assert_int_equal(err.kind, kind);
	assert_non_null(strstr(err.message, fragment));
	assert_null(body);
	assert_int_equal(len, 0);
	close(sv[0]);
	if (!close_writer)
		close(sv[1]);
}

static void
test_read_frame_lies_and_cuts(void **state)
{
	static const uint8_t empty[] = {0, 0, 0, 0};
	static const uint8_t over[] = {0, 0, 0, 17, 'x'};
	static const uint8_t huge[] = {0xFF, 0xFF, 0xFF, 0xFF};
	static const uint8_t http[] = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
	static const uint8_t short_body[] = {0, 0, 0, 10, 'a', 'b'};
	static const uint8_t short_header[] = {0, 0};

	(void)state;
	expect_read_failure(empty, sizeof empty, false, 16, 1000, RPC_ERR_PROTOCOL,
			    "frame of 0 bytes");
	expect_read_failure(over, sizeof over, false, 16, 1000, RPC_ERR_PROTOCOL,
			    "frame of 17 bytes");
	expect_read_failure(huge, sizeof huge, false, RPC_MAX_FRAME_BYTES, 1000,
			    RPC_ERR_PROTOCOL, "4294967295");
	expect_read_failure(http, sizeof http, false, RPC_MAX_FRAME_BYTES, 1000,
			    RPC_ERR_PROTOCOL, "outside the allowed");
	expect_read_failure(NULL, 0, true, 16, 1000, RPC_ERR_CLOSED, "closed the connection");
	expect_read_failure(short_header, sizeof short_header, true, 16, 1000, RPC_ERR_CLOSED,
			    "middle of an answer");
	expect_read_failure(short_body, sizeof short_body, true, 16, 1000, RPC_ERR_CLOSED,
			    "middle of an answer");
	expect_read_failure(NULL, 0, false, 16, 50, RPC_ERR_TIMEOUT, "timed out");
	expect_read_failure(short_body, sizeof short_body, false, 16, 50, RPC_ERR_TIMEOUT,
			    "timed out");
}

static void
test_write_all_to_closed_peer(void **state)
{
	char buf[4096] = {0};
	RpcError err;
	int sv[2];

	(void)state;
	make_pair(sv);
	close(sv[1]);
	/* No SIGPIPE: the write fails and says why. */
	assert_false(rpc_write_all(sv[0], buf, sizeof buf, rpc_now_ms() + 1000, &err));
	assert_int_equal(err.kind, RPC_ERR_CLOSED);
	close(sv[0]);
}

/* ---- sessions against a scripted server -------------------------------- */

typedef enum Script {
	SCRIPT_PING,           /* hello, then echo pings */
	SCRIPT_REFUSE,         /* id 0 RESOURCE_EXHAUSTED at once, then close */
	SCRIPT_UNAUTHENTICATED,
	SCRIPT_BAD_ARGUMENT,   /* hello ok, ping gets INVALID_ARGUMENT with a field */
	SCRIPT_NOISE_FIRST,    /* hello ok, id 0 OK before the ping's answer */
	SCRIPT_WRONG_ID,
	SCRIPT_SILENT,         /* hello ok, never answers the ping */
	SCRIPT_SMALL_FRAMES,   /* hello says max_frame_bytes = 32 */
	SCRIPT_SHUTDOWN,       /* hello ok, ping gets id 0 UNAVAILABLE and close */
} Script;

static Triad__V1__Request *
server_read(int fd)
{
	uint8_t *body;
	uint32_t len;
	RpcError err;
	Triad__V1__Request *req;

	if (!rpc_read_frame(fd, RPC_MAX_FRAME_BYTES, rpc_now_ms() + 5000, &body, &len, &err))
		return NULL;
	req = triad__v1__request__unpack(NULL, len, body);
	free(body);
	return req;
}

static bool
server_send(int fd, Triad__V1__Response *resp)
{
	size_t n = triad__v1__response__get_packed_size(resp);
	uint8_t *buf = malloc(RPC_FRAME_HEADER_BYTES + n);
	RpcError err;
	bool ok;

	if (buf == NULL)
		return false;
	rpc_frame_header_encode((uint32_t)n, buf);
	triad__v1__response__pack(resp, buf + RPC_FRAME_HEADER_BYTES);
	ok = rpc_write_all(fd, buf, RPC_FRAME_HEADER_BYTES + n, rpc_now_ms() + 5000, &err);
	free(buf);
	return ok;
}

static bool
server_status(int fd, uint64_t id, Triad__V1__Code code, const char *msg, const char *field)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;

	st.code = code;
	st.message = (char *)msg;
	st.field = (char *)field;
	resp.id = id;
	resp.status = &st;
	return server_send(fd, &resp);
}

/* Answer the hello; false unless it is what the client should send. */
static bool
server_hello(int fd, uint32_t max_frame)
{
	Triad__V1__Request *req = server_read(fd);
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__HelloReply reply = TRIAD__V1__HELLO_REPLY__INIT;
	bool ok;

	if (req == NULL || req->body_case != TRIAD__V1__REQUEST__BODY_HELLO || req->id != 1 ||
	    req->hello->protocol_version != TRIAD_PROTOCOL_VERSION ||
	    strcmp(req->hello->token, "sekrit") != 0 ||
	    strcmp(req->hello->client_name, "triad/" TRIAD_VERSION) != 0) {
		triad__v1__request__free_unpacked(req, NULL);
		return false;
	}
	reply.protocol_version = TRIAD_PROTOCOL_VERSION;
	reply.server_version = (char *)"triadd/test";
	reply.max_frame_bytes = max_frame;
	reply.max_in_flight = 8;
	resp.id = req->id;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_HELLO;
	resp.hello = &reply;
	ok = server_send(fd, &resp);
	triad__v1__request__free_unpacked(req, NULL);
	return ok;
}

/* Echo a ping, with the given id (the request's own when 0). */
static bool
server_pong(int fd, const Triad__V1__Request *req, uint64_t id)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__PingReply reply = TRIAD__V1__PING_REPLY__INIT;

	reply.payload = req->ping->payload;
	reply.database = req->ping->database;
	reply.server_time_us = 1;
	resp.id = id ? id : req->id;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_PING;
	resp.ping = &reply;
	return server_send(fd, &resp);
}

static bool
run_script(int fd, Script script)
{
	Triad__V1__Request *req = NULL;
	bool ok = false;

	switch (script) {
	case SCRIPT_REFUSE:
		return server_status(fd, 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
				     "too many connections", "");
	case SCRIPT_UNAUTHENTICATED:
		req = server_read(fd);
		ok = req != NULL && server_status(fd, req->id, TRIAD__V1__CODE__CODE_UNAUTHENTICATED,
						  "unknown token", "");
		break;
	case SCRIPT_SMALL_FRAMES:
		if (!server_hello(fd, 32))
			return false;
		req = server_read(fd);
		ok = req != NULL && req->id == 3 && server_pong(fd, req, 0);
		break;
	default:
		if (!server_hello(fd, 0))
			return false;
		req = server_read(fd);
		if (req == NULL || req->body_case != TRIAD__V1__REQUEST__BODY_PING || req->id != 2)
			break;
		if (script == SCRIPT_PING) {
			ok = server_pong(fd, req, 0);
			triad__v1__request__free_unpacked(req, NULL);
			req = server_read(fd);
			ok = ok && req != NULL && req->id == 3 && server_pong(fd, req, 0);
		} else if (script == SCRIPT_BAD_ARGUMENT) {
			ok = server_status(fd, req->id, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
					   "payload too long", "ping.payload");
			triad__v1__request__free_unpacked(req, NULL);
			req = server_read(fd);
			ok = ok && req != NULL && req->id == 3 && server_pong(fd, req, 0);
		} else if (script == SCRIPT_NOISE_FIRST) {
			ok = server_status(fd, 0, TRIAD__V1__CODE__CODE_OK, "", "") &&
			     server_pong(fd, req, 0);
		} else if (script == SCRIPT_WRONG_ID) {
			ok = server_pong(fd, req, 77);
		} else if (script == SCRIPT_SILENT) {
			char c;

			ok = read(fd, &c, 1) == 0; /* wait for the client to give up */
		} else if (script == SCRIPT_SHUTDOWN) {
			ok = server_status(fd, 0, TRIAD__V1__CODE__CODE_UNAVAILABLE,
					   "server is shutting down", "");
		}
		break;
	}
	triad__v1__request__free_unpacked(req, NULL);
	return ok;
}

typedef struct Server {
	pid_t pid;
	char addr[64];
} Server;

/* Listen on an ephemeral loopback port and serve one connection in a child. */
static void
server_start(Server *srv, Script script)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof sin;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(lfd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(srv->addr, sizeof srv->addr, "127.0.0.1:%u", ntohs(sin.sin_port));
	srv->pid = fork();
	assert_true(srv->pid >= 0);
	if (srv->pid == 0) {
		int fd = accept(lfd, NULL, NULL);
		bool ok = fd >= 0 && run_script(fd, script);

		if (fd >= 0)
			close(fd);
		_exit(ok ? 0 : 1);
	}
	close(lfd);
}

/* The child's verdict: did the client send what it should have? */
static void
server_finish(Server *srv)
{
	int status;

	assert_int_equal(waitpid(srv->pid, &status, 0), srv->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static bool
ping(RpcSession *s, size_t payload_len, Triad__V1__Response **resp, RpcError *err)
{
	static uint8_t payload[256];
	Triad__V1__Ping p = TRIAD__V1__PING__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;

	memset(payload, 'p', sizeof payload);
	p.payload.data = payload;
	p.payload.len = payload_len;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &p;
	return rpc_call(s, &req, resp, err);
}

static void
test_session_ping(void **state)
{
	Server srv;
	RpcSession *s;
	Triad__V1__Response *resp;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_PING);
	assert_true(rpc_open(srv.addr, "sekrit", 5000, &s, &err));
	assert_string_equal(rpc_session_hello(s)->server_version, "triadd/test");
	assert_string_equal(rpc_session_addr(s), srv.addr);
	for (int i = 0; i < 2; i++) {
		assert_true(ping(s, 8, &resp, &err));
		assert_int_equal(resp->body_case, TRIAD__V1__RESPONSE__BODY_PING);
		assert_int_equal(resp->ping->payload.len, 8);
		rpc_response_free(resp);
	}
	rpc_session_free(s);
	server_finish(&srv);
}

static void
test_session_refused_unprompted(void **state)
{
	Server srv;
	RpcSession *s = (RpcSession *)&srv;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_REFUSE);
	assert_false(rpc_open(srv.addr, "sekrit", 5000, &s, &err));
	assert_null(s);
	assert_int_equal(err.kind, RPC_ERR_SERVER_CLOSED);
	assert_int_equal(err.code, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(err.message, "too many connections");
	assert_int_equal(client_exit_code(&err), TRIAD_EXIT_UNREACHABLE);
	server_finish(&srv);
}

static void
test_session_unauthenticated(void **state)
{
	Server srv;
	RpcSession *s;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_UNAUTHENTICATED);
	assert_false(rpc_open(srv.addr, "wrong", 5000, &s, &err));
	assert_int_equal(err.kind, RPC_ERR_STATUS);
	assert_int_equal(err.code, TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_string_equal(err.message, "unknown token");
	assert_int_equal(client_exit_code(&err), TRIAD_EXIT_AUTH);
	server_finish(&srv);
}

static void
test_session_status_keeps_session(void **state)
{
	Server srv;
	RpcSession *s;
	Triad__V1__Response *resp = (Triad__V1__Response *)&srv;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_BAD_ARGUMENT);
	assert_true(rpc_open(srv.addr, "sekrit", 5000, &s, &err));
	assert_false(ping(s, 8, &resp, &err));
	assert_null(resp);
	assert_int_equal(err.kind, RPC_ERR_STATUS);
	assert_int_equal(err.code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(err.field, "ping.payload");
	/* A field the server found wrong is a usage error, as one the client finds. */
	assert_int_equal(client_exit_code(&err), TRIAD_EXIT_USAGE);
	assert_true(ping(s, 8, &resp, &err));
	rpc_response_free(resp);
	rpc_session_free(s);
	server_finish(&srv);
}

static void
test_session_skips_unprompted_ok(void **state)
{
	Server srv;
	RpcSession *s;
	Triad__V1__Response *resp;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_NOISE_FIRST);
	assert_true(rpc_open(srv.addr, "sekrit", 5000, &s, &err));
	assert_true(ping(s, 8, &resp, &err));
	assert_int_equal(resp->id, 2);
	rpc_response_free(resp);
	rpc_session_free(s);
	server_finish(&srv);
}

static void
test_session_wrong_id_breaks_session(void **state)
{
	Server srv;
	RpcSession *s;
	Triad__V1__Response *resp;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_WRONG_ID);
	assert_true(rpc_open(srv.addr, "sekrit", 5000, &s, &err));
	assert_false(ping(s, 8, &resp, &err));
	assert_int_equal(err.kind, RPC_ERR_PROTOCOL);
	assert_non_null(strstr(err.message, "request 77 while waiting for 2"));
	assert_non_null(strstr(err.message, srv.addr));
	memset(&err, 0, sizeof err);
	assert_false(ping(s, 8, &resp, &err));
	assert_int_equal(err.kind, RPC_ERR_PROTOCOL);
	rpc_session_free(s);
	server_finish(&srv);
}

static void
test_session_timeout(void **state)
{
	Server srv;
	RpcSession *s;
	Triad__V1__Response *resp;
	RpcError err;
	int64_t start;

	(void)state;
	server_start(&srv, SCRIPT_SILENT);
	assert_true(rpc_open(srv.addr, "sekrit", 200, &s, &err));
	start = rpc_now_ms();
	assert_false(ping(s, 8, &resp, &err));
	assert_true(rpc_now_ms() - start >= 190);
	assert_int_equal(err.kind, RPC_ERR_TIMEOUT);
	assert_non_null(strstr(err.message, "no answer from"));
	assert_int_equal(client_exit_code(&err), TRIAD_EXIT_UNREACHABLE);
	rpc_session_free(s);
	server_finish(&srv);
}

static void
test_session_shutdown_notice(void **state)
{
	Server srv;
	RpcSession *s;
	Triad__V1__Response *resp;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_SHUTDOWN);
	assert_true(rpc_open(srv.addr, "sekrit", 5000, &s, &err));
	assert_false(ping(s, 8, &resp, &err));
	assert_int_equal(err.kind, RPC_ERR_SERVER_CLOSED);
	assert_int_equal(err.code, TRIAD__V1__CODE__CODE_UNAVAILABLE);
	assert_string_equal(err.message, "server is shutting down");
	rpc_session_free(s);
	server_finish(&srv);
}

static void
test_session_request_too_large(void **state)
{
	Server srv;
	RpcSession *s;
	Triad__V1__Response *resp;
	RpcError err;

	(void)state;
	server_start(&srv, SCRIPT_SMALL_FRAMES);
	assert_true(rpc_open(srv.addr, "sekrit", 5000, &s, &err));
	assert_false(ping(s, 200, &resp, &err));
	assert_int_equal(err.kind, RPC_ERR_TOO_LARGE);
	assert_non_null(strstr(err.message, "at most 32"));
	/* Nothing was sent, so the session is still good. */
	assert_true(ping(s, 8, &resp, &err));
	rpc_response_free(resp);
	rpc_session_free(s);
	server_finish(&srv);
}

static void
test_connect_refused(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char addr[64];
	RpcSession *s;
	RpcError err;

	(void)state;
	/* A port that was just free: bound, then released without listening. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	close(fd);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sin.sin_port));
	assert_false(rpc_open(addr, "", 2000, &s, &err));
	assert_null(s);
	assert_int_equal(err.kind, RPC_ERR_CONNECT);
	assert_non_null(strstr(err.message, "cannot connect to 127.0.0.1:"));
	assert_non_null(strstr(err.message, "refused"));
	assert_int_equal(client_exit_code(&err), TRIAD_EXIT_UNREACHABLE);

	assert_false(rpc_open("127.0.0.1:http", "", 2000, &s, &err));
	assert_int_equal(err.kind, RPC_ERR_ADDRESS);
	assert_int_equal(client_exit_code(&err), TRIAD_EXIT_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_encode_decode),
		cmocka_unit_test(test_frame_length_limits),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_read_frame_whole),
		cmocka_unit_test(test_read_frame_byte_by_byte),
		cmocka_unit_test(test_read_frame_lies_and_cuts),
		cmocka_unit_test(test_write_all_to_closed_peer),
		cmocka_unit_test(test_session_ping),
		cmocka_unit_test(test_session_refused_unprompted),
		cmocka_unit_test(test_session_unauthenticated),
		cmocka_unit_test(test_session_status_keeps_session),
		cmocka_unit_test(test_session_skips_unprompted_ok),
		cmocka_unit_test(test_session_wrong_id_breaks_session),
		cmocka_unit_test(test_session_timeout),
		cmocka_unit_test(test_session_shutdown_notice),
		cmocka_unit_test(test_session_request_too_large),
		cmocka_unit_test(test_connect_refused),
	};

	/* A test that fails half-way must not be killed by a write to a closed socket. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
