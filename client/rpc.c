/*
 * rpc.c: connecting, framing and request/response for the triad client.
 *
 * The client has at most one request outstanding, so a session is a socket,
 * the next request id and the HelloReply (none for a connection opened
 * with rpc_connect()). The socket is non-blocking and
 * every read or write waits in poll() with the time left before a deadline,
 * which is how a dead or silent server turns into an error rather than a
 * hang.
 *
 * Sessions speak TLS unless plain TCP is asked for (rpc_set_plain() or
 * TRIAD_PLAIN=1). The server's certificate is checked against the system's
 * CAs, or the file rpc_set_ca() or TRIAD_CA names, and against the host
 * name in the address.
 */
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct RpcSession {
	int fd;
	SSL_CTX *ssl_ctx;              /* owned; NULL over plain TCP */
	SSL *ssl;                      /* owned; NULL over plain TCP */
	char *addr;                    /* owned copy, for messages */
	int timeout_ms;                /* per call */
	uint64_t next_id;
	uint32_t max_request_bytes;    /* min(ours, HelloReply.max_frame_bytes) */
	Triad__V1__Response *hello;    /* owned; body is the HelloReply */
	bool broken;                   /* no further calls; see broken_err */
	RpcError broken_err;
};

static void err_set(RpcError *err, RpcErrorKind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* How sessions connect: set by the command line, else the environment. */
static struct {
	bool plain;
	bool insecure;
	const char *ca;
	const char *cert, *key;   /* the client's certificate and key, for a machine */
} transport;

void
rpc_set_plain(bool on)
{
	transport.plain = on;
}

void
rpc_set_insecure(bool on)
{
	transport.insecure = on;
}

void
rpc_set_ca(const char *path)
{
	transport.ca = path;
}

void
rpc_set_client_cert(const char *cert, const char *key)
{
	transport.cert = cert;
	transport.key = key;
}

/* The flag's value, else the environment's (empty counts as unset). */
static const char *
flag_or_env(const char *flag, const char *name)
{
	const char *env = getenv(name);
	if (flag != NULL)
		return flag;
	return env != NULL && env[0] != '\0' ? env : NULL;
}

static bool
use_plain(void)
{
	const char *env = getenv("TRIAD_PLAIN");
	return transport.plain || (env != NULL && strcmp(env, "1") == 0);
}

static const char *
ca_file(void)
{
	const char *env = getenv("TRIAD_CA");
	if (transport.ca != NULL)
		return transport.ca;
	return env != NULL && env[0] != '\0' ? env : NULL;
}

static void
err_set(RpcError *err, RpcErrorKind kind, const char *fmt, ...)
{
	va_list ap;

	err->kind = kind;
	err->code = TRIAD__V1__CODE__CODE_OK;
	err->field[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

/* Copy a server Status into err, keeping what fits. */
static void
err_from_status(RpcError *err, RpcErrorKind kind, const Triad__V1__Status *st)
{
	err->kind = kind;
	err->code = st->code;
	snprintf(err->message, sizeof err->message, "%s", st->message ? st->message : "");
	snprintf(err->field, sizeof err->field, "%s", st->field ? st->field : "");
}

/* Put "prefix: " in front of err->message, as far as it fits. */
static void
err_prefix(RpcError *err, const char *prefix)
{
	char old[sizeof err->message];

	memcpy(old, err->message, sizeof old);
	snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
}

int64_t
rpc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
rpc_frame_header_encode(uint32_t len, uint8_t out[RPC_FRAME_HEADER_BYTES])
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

uint32_t
rpc_frame_header_decode(const uint8_t in[RPC_FRAME_HEADER_BYTES])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 |
	       (uint32_t)in[3];
}

bool
rpc_frame_length_ok(uint32_t len, uint32_t max)
{
	return len >= 1 && len <= max;
}

bool
rpc_addr_parse(const char *addr, char host[RPC_HOST_MAX], char port[RPC_PORT_MAX],
	       RpcError *err)
{
	const char *h, *p = NULL;
	size_t hlen;

	if (addr == NULL || addr[0] == '\0') {
		err_set(err, RPC_ERR_ADDRESS, "the server address is empty");
		return false;
	}
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (close == NULL || close == addr + 1) {
			err_set(err, RPC_ERR_ADDRESS,
				"invalid address '%s': expected [IPV6]:PORT", addr);
			return false;
		}
		h = addr + 1;
		hlen = (size_t)(close - h);
		if (close[1] == ':')
			p = close + 2;
		else if (close[1] != '\0') {
			err_set(err, RPC_ERR_ADDRESS,
				"invalid address '%s': expected [IPV6]:PORT", addr);
			return false;
		}
	} else {
		const char *colon = strchr(addr, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			err_set(err, RPC_ERR_ADDRESS,
				"invalid address '%s': write IPv6 addresses in brackets, "
				"as in [::1]:%s", addr, RPC_DEFAULT_PORT);
			return false;
		}
		h = addr;
		hlen = colon ? (size_t)(colon - addr) : strlen(addr);
		if (colon)
			p = colon + 1;
	}
	if (hlen == 0) {
		err_set(err, RPC_ERR_ADDRESS, "invalid address '%s': the host is missing", addr);
		return false;
	}
	if (hlen >= RPC_HOST_MAX) {
		err_set(err, RPC_ERR_ADDRESS, "invalid address: the host name is too long");
		return false;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	if (p == NULL) {
		snprintf(port, RPC_PORT_MAX, "%s", RPC_DEFAULT_PORT);
		return true;
	}
	{
		unsigned long n = 0;
		size_t i;

		for (i = 0; p[i] != '\0'; i++) {
			if (p[i] < '0' || p[i] > '9' || i >= 5)
				break;
			n = n * 10 + (unsigned long)(p[i] - '0');
		}
		if (i == 0 || p[i] != '\0' || n < 1 || n > 65535) {
			err_set(err, RPC_ERR_ADDRESS,
				"invalid address '%s': the port must be a number from 1 to 65535",
				addr);
			return false;
		}
		snprintf(port, RPC_PORT_MAX, "%lu", n);
	}
	return true;
}

/*
 * Wait until fd is ready for events or deadline_ms passes. Returns 1 when
 * ready (including error/hangup conditions, which the next read or write
 * reports), 0 on timeout, -1 with errno on failure.
 */
static int
wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		int64_t left = deadline_ms - rpc_now_ms();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* The last TLS error as text, for messages. */
static const char *
ssl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, size, "%s", r != NULL ? r : "TLS error");
	ERR_clear_error();
	return buf;
}

/* Waits for events on fd until deadline_ms: false, with err set, on a
 * timeout (timed_out says what timed out) or an error. */
static bool
wait_io(int fd, short events, int64_t deadline_ms, const char *timed_out, RpcError *err)
{
	int rc = wait_fd(fd, events, deadline_ms);

	if (rc == 0) {
		err_set(err, RPC_ERR_TIMEOUT, "%s", timed_out);
		return false;
	}
	if (rc < 0) {
		err_set(err, RPC_ERR_CLOSED, "%s", strerror(errno));
		return false;
	}
	return true;
}

/*
 * One TLS read or write step. Returns the bytes moved (> 0), 0 at the end
 * of the stream, or -1 with *events set to what to wait for (0: failed,
 * err set).
 */
static ssize_t
ssl_step(SSL *ssl, bool writing, void *buf, size_t len, short *events, RpcError *err)
{
	char why[128];
	int n = writing ? SSL_write(ssl, buf, (int)(len > INT32_MAX ? INT32_MAX : len))
			: SSL_read(ssl, buf, (int)(len > INT32_MAX ? INT32_MAX : len));

	if (n > 0)
		return n;
	switch (SSL_get_error(ssl, n)) {
	case SSL_ERROR_WANT_READ:
		*events = POLLIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*events = POLLOUT;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (errno == 0 || errno == EPIPE || errno == ECONNRESET)
			return 0;
		*events = 0;
		err_set(err, RPC_ERR_CLOSED, "%s", strerror(errno));
		return -1;
	default:
		*events = 0;
		err_set(err, RPC_ERR_CLOSED, "TLS: %s", ssl_reason(why, sizeof why));
		return -1;
	}
}

static bool
io_write_all(int fd, SSL *ssl, const void *buf, size_t len, int64_t deadline_ms, RpcError *err)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n;

		if (ssl != NULL) {
			short events = 0;
			errno = 0;
			n = ssl_step(ssl, true, (void *)p, len, &events, err);
			if (n > 0) {
				p += n;
				len -= (size_t)n;
				continue;
			}
			if (n == 0) {
				err_set(err, RPC_ERR_CLOSED, "the server closed the connection");
				return false;
			}
			if (events == 0)
				return false;
			if (!wait_io(fd, events, deadline_ms, "timed out sending a request", err))
				return false;
			continue;
		}
		if (!wait_io(fd, POLLOUT, deadline_ms, "timed out sending a request", err))
			return false;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			err_set(err, RPC_ERR_CLOSED, "%s", strerror(errno));
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool
rpc_write_all(int fd, const void *buf, size_t len, int64_t deadline_ms, RpcError *err)
{
	return io_write_all(fd, NULL, buf, len, deadline_ms, err);
}

/*
 * Read exactly len bytes into buf before deadline_ms. *got counts what was
 * read, so the caller can tell a clean end of file (nothing read) from a
 * frame cut short.
 */
static bool
read_exact(int fd, SSL *ssl, uint8_t *buf, size_t len, int64_t deadline_ms, size_t *got,
	   RpcError *err)
{
	*got = 0;
	while (*got < len) {
		ssize_t n;

		if (ssl != NULL) {
			short events = 0;
			errno = 0;
			n = ssl_step(ssl, false, buf + *got, len - *got, &events, err);
			if (n > 0) {
				*got += (size_t)n;
				continue;
			}
			if (n == 0) {
				err_set(err, RPC_ERR_CLOSED, "the server closed the connection");
				return false;
			}
			if (events == 0)
				return false;
			if (!wait_io(fd, events, deadline_ms, "timed out waiting for an answer", err))
				return false;
			continue;
		}
		if (!wait_io(fd, POLLIN, deadline_ms, "timed out waiting for an answer", err))
			return false;
		n = read(fd, buf + *got, len - *got);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			err_set(err, RPC_ERR_CLOSED, "%s", strerror(errno));
			return false;
		}
		if (n == 0) {
			err_set(err, RPC_ERR_CLOSED, "the server closed the connection");
			return false;
		}
		*got += (size_t)n;
	}
	return true;
}

static bool
io_read_frame(int fd, SSL *ssl, uint32_t max_len, int64_t deadline_ms, uint8_t **body,
	      uint32_t *body_len, RpcError *err)
{
	uint8_t hdr[RPC_FRAME_HEADER_BYTES];
	uint8_t *buf;
	uint32_t len;
	size_t got;

	*body = NULL;
	*body_len = 0;
	if (!read_exact(fd, ssl, hdr, sizeof hdr, deadline_ms, &got, err)) {
		if (err->kind == RPC_ERR_CLOSED && got > 0)
			err_set(err, RPC_ERR_CLOSED,
				"the connection ended in the middle of an answer");
		return false;
	}
	len = rpc_frame_header_decode(hdr);
	if (!rpc_frame_length_ok(len, max_len)) {
		err_set(err, RPC_ERR_PROTOCOL,
			"received a frame of %" PRIu32 " bytes, outside the allowed 1..%" PRIu32,
			len, max_len);
		return false;
	}
	buf = malloc(len);
	if (buf == NULL) {
		err_set(err, RPC_ERR_LOCAL, "out of memory reading an answer of %" PRIu32 " bytes",
			len);
		return false;
	}
	if (!read_exact(fd, ssl, buf, len, deadline_ms, &got, err)) {
		if (err->kind == RPC_ERR_CLOSED)
			err_set(err, RPC_ERR_CLOSED,
				"the connection ended in the middle of an answer");
		free(buf);
		return false;
	}
	*body = buf;
	*body_len = len;
	return true;
}

bool
rpc_read_frame(int fd, uint32_t max_len, int64_t deadline_ms, uint8_t **body,
	       uint32_t *body_len, RpcError *err)
{
	return io_read_frame(fd, NULL, max_len, deadline_ms, body, body_len, err);
}

/*
 * Connect one address with a non-blocking connect() and poll() until the
 * deadline. Returns the connected socket, or -1 with *saved_errno set
 * (ETIMEDOUT when the deadline passed).
 */
static int
connect_one(const struct addrinfo *ai, int64_t deadline_ms, int *saved_errno)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int soerr = 0;
	socklen_t slen = sizeof soerr;
	int rc;

	if (fd < 0) {
		*saved_errno = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		*saved_errno = errno;
		close(fd);
		return -1;
	}
	rc = wait_fd(fd, POLLOUT, deadline_ms);
	if (rc <= 0) {
		*saved_errno = rc == 0 ? ETIMEDOUT : errno;
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) < 0)
		soerr = errno;
	if (soerr != 0) {
		*saved_errno = soerr;
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Resolve addr and connect to the first of its addresses that accepts,
 * all before deadline_ms. Returns the socket or -1 with err set.
 */
static int
connect_addr(const char *addr, int timeout_ms, int64_t deadline_ms, RpcError *err)
{
	char host[RPC_HOST_MAX], port[RPC_PORT_MAX];
	struct addrinfo hints = {0}, *res = NULL, *ai;
	int fd = -1, last_errno = ECONNREFUSED, one = 1, rc;

	if (!rpc_addr_parse(addr, host, port, err))
		return -1;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		err_set(err, RPC_ERR_RESOLVE, "cannot resolve '%s': %s", host,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = connect_one(ai, deadline_ms, &last_errno);
		if (fd < 0 && last_errno == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (last_errno == ETIMEDOUT)
			err_set(err, RPC_ERR_CONNECT, "cannot connect to %s: no answer within %.3g s",
				addr, timeout_ms / 1000.0);
		else
			err_set(err, RPC_ERR_CONNECT, "cannot connect to %s: %s", addr,
				strerror(last_errno));
		return -1;
	}
	/* Small requests and answers: do not let Nagle hold them back. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* Mark the session unusable and remember why, for later calls. */
static void
session_break(RpcSession *s, const RpcError *err)
{
	s->broken = true;
	s->broken_err = *err;
}

/*
 * Add the session's address to an error about the connection, so that the
 * person reading it knows which server misbehaved.
 */
static void
err_add_context(const RpcSession *s, RpcError *err)
{
	char prefix[300];

	switch (err->kind) {
	case RPC_ERR_TIMEOUT:
		snprintf(err->message, sizeof err->message, "no answer from %s within %.3g s",
			 s->addr, s->timeout_ms / 1000.0);
		break;
	case RPC_ERR_CLOSED:
		snprintf(prefix, sizeof prefix, "connection to %s lost", s->addr);
		err_prefix(err, prefix);
		break;
	case RPC_ERR_PROTOCOL:
		snprintf(prefix, sizeof prefix, "%s does not answer like a triad server", s->addr);
		err_prefix(err, prefix);
		break;
	default:
		break;
	}
}

/*
 * Read frames until the Response to id arrives. Unprompted OK responses
 * (id 0) are skipped; an unprompted error means the server is closing.
 */
static bool
await_response(RpcSession *s, uint64_t id, int64_t deadline_ms, Triad__V1__Response **out,
	       RpcError *err)
{
	for (;;) {
		uint8_t *body;
		uint32_t len;
		Triad__V1__Response *resp;

		if (!io_read_frame(s->fd, s->ssl, RPC_MAX_FRAME_BYTES, deadline_ms, &body, &len, err))
			return false;
		resp = triad__v1__response__unpack(NULL, len, body);
		free(body);
		if (resp == NULL) {
			err_set(err, RPC_ERR_PROTOCOL, "an answer could not be decoded");
			return false;
		}
		if (resp->id == 0) {
			if (resp->status != NULL && resp->status->code != TRIAD__V1__CODE__CODE_OK) {
				err_from_status(err, RPC_ERR_SERVER_CLOSED, resp->status);
				if (err->message[0] == '\0')
					snprintf(err->message, sizeof err->message, "%s",
						 rpc_code_name(err->code));
				rpc_response_free(resp);
				return false;
			}
			rpc_response_free(resp);
			continue;
		}
		if (resp->id != id) {
			err_set(err, RPC_ERR_PROTOCOL,
				"received an answer to request %" PRIu64 " while waiting for %" PRIu64,
				resp->id, id);
			rpc_response_free(resp);
			return false;
		}
		*out = resp;
		return true;
	}
}

/* rpc_call() with the deadline given; rpc_open() shares one with connect. */
static bool
call_until(RpcSession *s, Triad__V1__Request *req, int64_t deadline_ms,
	   Triad__V1__Response **resp, RpcError *err)
{
	Triad__V1__Response *r = NULL;
	size_t size;
	uint8_t *frame;
	bool sent;

	*resp = NULL;
	if (s->broken) {
		*err = s->broken_err;
		return false;
	}
	req->id = s->next_id++;
	size = protobuf_c_message_get_packed_size(&req->base);
	if (size > s->max_request_bytes) {
		err_set(err, RPC_ERR_TOO_LARGE,
			"the request is too large: %zu bytes, the server accepts at most %" PRIu32,
			size, s->max_request_bytes);
		return false;
	}
	frame = malloc(RPC_FRAME_HEADER_BYTES + size);
	if (frame == NULL) {
		err_set(err, RPC_ERR_LOCAL, "out of memory building a request");
		return false;
	}
	rpc_frame_header_encode((uint32_t)size, frame);
	protobuf_c_message_pack(&req->base, frame + RPC_FRAME_HEADER_BYTES);
	sent = io_write_all(s->fd, s->ssl, frame, RPC_FRAME_HEADER_BYTES + size, deadline_ms, err);
	free(frame);

	if (!sent) {
		RpcError why;

		/*
		 * A server that refuses the connection (too many clients, shutting
		 * down) says so and closes; our write may fail before we read the
		 * reason. Look for it before reporting the broken pipe.
		 */
		if (err->kind == RPC_ERR_CLOSED &&
		    !await_response(s, req->id, rpc_now_ms() + 200, &r, &why) &&
		    why.kind == RPC_ERR_SERVER_CLOSED)
			*err = why;
		rpc_response_free(r);
		err_add_context(s, err);
		session_break(s, err);
		return false;
	}
	if (!await_response(s, req->id, deadline_ms, &r, err)) {
		err_add_context(s, err);
		session_break(s, err);
		return false;
	}
	if (r->status != NULL && r->status->code != TRIAD__V1__CODE__CODE_OK) {
		err_from_status(err, RPC_ERR_STATUS, r->status);
		rpc_response_free(r);
		return false;
	}
	*resp = r;
	return true;
}

bool
rpc_call(RpcSession *s, Triad__V1__Request *req, Triad__V1__Response **resp, RpcError *err)
{
	return call_until(s, req, rpc_now_ms() + s->timeout_ms, resp, err);
}

bool
rpc_next(RpcSession *s, uint64_t id, int64_t deadline_ms, Triad__V1__Response **resp,
	 RpcError *err)
{
	Triad__V1__Response *r = NULL;

	*resp = NULL;
	if (s->broken) {
		*err = s->broken_err;
		return false;
	}
	if (!await_response(s, id, deadline_ms, &r, err)) {
		err_add_context(s, err);
		session_break(s, err);
		return false;
	}
	if (r->status != NULL && r->status->code != TRIAD__V1__CODE__CODE_OK) {
		err_from_status(err, RPC_ERR_STATUS, r->status);
		rpc_response_free(r);
		return false;
	}
	*resp = r;
	return true;
}

void
rpc_response_free(Triad__V1__Response *resp)
{
	if (resp != NULL)
		triad__v1__response__free_unpacked(resp, NULL);
}

/*
 * Speak TLS on s's socket: verify the server's certificate (unless
 * --insecure) and its name against the host in addr, all before deadline_ms.
 */
static bool
tls_start(RpcSession *s, const char *addr, int64_t deadline_ms, RpcError *err)
{
	char host[RPC_HOST_MAX], port[RPC_PORT_MAX], why[128];
	const char *ca = ca_file();
	unsigned char ip[sizeof(struct in6_addr)];
	bool literal;

	if (!rpc_addr_parse(addr, host, port, err))
		return false;
	/* SSL_write() cannot pass MSG_NOSIGNAL: a server that went away must
	 * not kill the client. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
	s->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (s->ssl_ctx == NULL) {
		err_set(err, RPC_ERR_LOCAL, "cannot set up TLS: %s", ssl_reason(why, sizeof why));
		return false;
	}
	SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION);
	if (!transport.insecure) {
		if (ca != NULL ? SSL_CTX_load_verify_locations(s->ssl_ctx, ca, NULL) != 1
			       : SSL_CTX_set_default_verify_paths(s->ssl_ctx) != 1) {
			err_set(err, RPC_ERR_TLS, "cannot read the CA file %s: %s",
				ca != NULL ? ca : "(system store)", ssl_reason(why, sizeof why));
			return false;
		}
		SSL_CTX_set_verify(s->ssl_ctx, SSL_VERIFY_PEER, NULL);
	}
	const char *cert = flag_or_env(transport.cert, "TRIAD_CERT");
	const char *key = flag_or_env(transport.key, "TRIAD_KEY");
	if (cert != NULL || key != NULL) {
		if (cert == NULL || key == NULL) {
			err_set(err, RPC_ERR_LOCAL, "a client certificate needs both --cert and --key "
				"(or TRIAD_CERT and TRIAD_KEY)");
			return false;
		}
		if (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, cert) != 1) {
			err_set(err, RPC_ERR_LOCAL, "cannot read the client certificate %s: %s", cert,
				ssl_reason(why, sizeof why));
			return false;
		}
		if (SSL_CTX_use_PrivateKey_file(s->ssl_ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(s->ssl_ctx) != 1) {
			err_set(err, RPC_ERR_LOCAL, "cannot use the key %s with %s: %s", key, cert,
				ssl_reason(why, sizeof why));
			return false;
		}
	}
	s->ssl = SSL_new(s->ssl_ctx);
	if (s->ssl == NULL || SSL_set_fd(s->ssl, s->fd) != 1) {
		err_set(err, RPC_ERR_LOCAL, "cannot set up TLS: %s", ssl_reason(why, sizeof why));
		return false;
	}
	if (!literal)
		SSL_set_tlsext_host_name(s->ssl, host);
	if (!transport.insecure) {
		int ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), host)
				 : SSL_set1_host(s->ssl, host);
		if (ok != 1) {
			err_set(err, RPC_ERR_LOCAL, "cannot check the name %s", host);
			return false;
		}
	}
	for (;;) {
		int rc = SSL_connect(s->ssl);
		short events;

		if (rc == 1)
			return true;
		switch (SSL_get_error(s->ssl, rc)) {
		case SSL_ERROR_WANT_READ:
			events = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			events = POLLOUT;
			break;
		default: {
			long v = SSL_get_verify_result(s->ssl);
			if (v != X509_V_OK) {
				ERR_clear_error();
				err_set(err, RPC_ERR_TLS,
					"cannot connect to %s: its certificate is not trusted: %s",
					addr, X509_verify_cert_error_string(v));
			} else {
				err_set(err, RPC_ERR_TLS,
					"cannot connect to %s: the TLS handshake failed: %s", addr,
					ssl_reason(why, sizeof why));
			}
			return false;
		}
		}
		rc = wait_fd(s->fd, events, deadline_ms);
		if (rc == 0) {
			err_set(err, RPC_ERR_CONNECT,
				"cannot connect to %s: no TLS handshake within the time allowed", addr);
			return false;
		}
		if (rc < 0) {
			err_set(err, RPC_ERR_CONNECT, "cannot connect to %s: %s", addr,
				strerror(errno));
			return false;
		}
	}
}

/* Connect and make a session without a Hello; deadline_ms bounds connecting. */
static bool
connect_until(const char *addr, int timeout_ms, int64_t deadline_ms, RpcSession **out,
	      RpcError *err)
{
	RpcSession *s;
	int fd;

	*out = NULL;
	fd = connect_addr(addr, timeout_ms, deadline_ms, err);
	if (fd < 0)
		return false;
	s = calloc(1, sizeof *s);
	if (s == NULL || (s->addr = strdup(addr)) == NULL) {
		free(s);
		close(fd);
		err_set(err, RPC_ERR_LOCAL, "out of memory");
		return false;
	}
	s->fd = fd;
	s->next_id = 1;
	s->max_request_bytes = RPC_MAX_FRAME_BYTES;
	s->timeout_ms = timeout_ms;
	if (!use_plain() && !tls_start(s, addr, deadline_ms, err)) {
		rpc_session_free(s);
		return false;
	}
	*out = s;
	return true;
}

bool
rpc_connect(const char *addr, int timeout_ms, RpcSession **out, RpcError *err)
{
	return connect_until(addr, timeout_ms, rpc_now_ms() + timeout_ms, out, err);
}

bool
rpc_open(const char *addr, const char *token, int timeout_ms, RpcSession **out,
	 RpcError *err)
{
	Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	const Triad__V1__HelloReply *reply;
	int64_t deadline_ms = rpc_now_ms() + timeout_ms;
	RpcSession *s;

	*out = NULL;
	if (!connect_until(addr, timeout_ms, deadline_ms, &s, err))
		return false;
	hello.protocol_version = TRIAD_PROTOCOL_VERSION;
	hello.token = (char *)(token ? token : "");
	hello.client_name = (char *)"triad/" TRIAD_VERSION;
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	/* Connecting used part of the budget; the Hello gets what is left. */
	if (!call_until(s, &req, deadline_ms, &s->hello, err))
		goto fail;
	if (s->hello->body_case != TRIAD__V1__RESPONSE__BODY_HELLO) {
		err_set(err, RPC_ERR_PROTOCOL, "%s answered the hello without a HelloReply", addr);
		goto fail;
	}
	reply = s->hello->hello;
	if (reply->protocol_version != TRIAD_PROTOCOL_VERSION) {
		err_set(err, RPC_ERR_PROTOCOL,
			"%s speaks protocol version %" PRIu32 "; this client speaks %d", addr,
			reply->protocol_version, TRIAD_PROTOCOL_VERSION);
		goto fail;
	}
	if (reply->max_frame_bytes != 0 && reply->max_frame_bytes < s->max_request_bytes)
		s->max_request_bytes = reply->max_frame_bytes;
	*out = s;
	return true;

fail:
	rpc_session_free(s);
	return false;
}

const Triad__V1__HelloReply *
rpc_session_hello(const RpcSession *s)
{
	return s->hello != NULL ? s->hello->hello : NULL;
}

const char *
rpc_session_addr(const RpcSession *s)
{
	return s->addr;
}

void
rpc_session_free(RpcSession *s)
{
	if (s == NULL)
		return;
	if (s->ssl != NULL) {
		/* close_notify, without waiting for the server's. */
		if (SSL_is_init_finished(s->ssl))
			(void)SSL_shutdown(s->ssl);
		SSL_free(s->ssl);
		ERR_clear_error();
	}
	SSL_CTX_free(s->ssl_ctx);
	if (s->fd >= 0)
		close(s->fd);
	rpc_response_free(s->hello);
	free(s->addr);
	free(s);
}

const char *
rpc_code_name(Triad__V1__Code code)
{
	switch (code) {
	case TRIAD__V1__CODE__CODE_OK: return "OK";
	case TRIAD__V1__CODE__CODE_CANCELLED: return "CANCELLED";
	case TRIAD__V1__CODE__CODE_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
	case TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
	case TRIAD__V1__CODE__CODE_NOT_FOUND: return "NOT_FOUND";
	case TRIAD__V1__CODE__CODE_ALREADY_EXISTS: return "ALREADY_EXISTS";
	case TRIAD__V1__CODE__CODE_PERMISSION_DENIED: return "PERMISSION_DENIED";
	case TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
	case TRIAD__V1__CODE__CODE_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
	case TRIAD__V1__CODE__CODE_ABORTED: return "ABORTED";
	case TRIAD__V1__CODE__CODE_UNIMPLEMENTED: return "UNIMPLEMENTED";
	case TRIAD__V1__CODE__CODE_INTERNAL: return "INTERNAL";
	case TRIAD__V1__CODE__CODE_UNAVAILABLE: return "UNAVAILABLE";
	case TRIAD__V1__CODE__CODE_UNAUTHENTICATED: return "UNAUTHENTICATED";
	case TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN: return "OUTCOME_UNKNOWN";
	default: return "UNKNOWN";
	}
}
