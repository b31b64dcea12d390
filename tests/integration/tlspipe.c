/*
 * tlspipe.c: the tests' raw connections to a daemon that speaks TLS.
 *
 * The tests read and write frames on a plain descriptor: they send bytes
 * the client never would, stop reading, close halfway through a frame. So
 * that they can do all that to a daemon serving TLS, as every daemon of the
 * suite does, tls_pipe() gives the test one end of a socket pair and starts
 * a thread that carries its bytes over TLS to the daemon and the daemon's
 * back, verifying the daemon's certificate against the test CA:
 *
 *   test  <-- socket pair -->  pipe thread  <-- TLS over TCP -->  triadd
 *
 * The pipe holds at most one read's worth in each direction, and the socket
 * pair's buffers are small, so a test that stops reading still stops the
 * daemon's writes within a few kilobytes of where a plain connection would.
 * End of stream carries through both ways: when the daemon closes, the test
 * reads EOF; when the test closes its end, the pipe sends close_notify and
 * closes the TCP connection.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

typedef struct Pipe {
	int tcp;     /* to the daemon, TLS */
	int app;     /* the pipe's end of the socket pair */
	SSL *ssl;
	uint8_t up[16384];     /* from the test, not yet written to TLS */
	size_t up_len;
	uint8_t down[16384];   /* from TLS, not yet written to the test */
	size_t down_len, down_off;
} Pipe;

static SSL_CTX *ctx;
static char ctx_ca[512];
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;

static SSL_CTX *
client_ctx(const char *ca_file)
{
	pthread_mutex_lock(&ctx_lock);
	if (ctx == NULL || strcmp(ctx_ca, ca_file) != 0) {
		SSL_CTX *c = SSL_CTX_new(TLS_client_method());
		if (c == NULL || SSL_CTX_load_verify_locations(c, ca_file, NULL) != 1)
			fail_msg("the test CA %s cannot be loaded", ca_file);
		SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE |
					    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		SSL_CTX_free(ctx);   /* a pipe still running holds its own reference */
		ctx = c;
		snprintf(ctx_ca, sizeof ctx_ca, "%s", ca_file);
	}
	SSL_CTX_up_ref(ctx);
	SSL_CTX *c = ctx;
	pthread_mutex_unlock(&ctx_lock);
	return c;
}

static void
nonblocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* What an SSL call's failure asks for: POLLIN or POLLOUT on tcp, or -1 for
 * the end of the connection (a close, a reset, a failed handshake). */
static int
ssl_wants(Pipe *p, int rc)
{
	switch (SSL_get_error(p->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return POLLIN;
	case SSL_ERROR_WANT_WRITE:
		return POLLOUT;
	default:
		ERR_clear_error();
		return -1;
	}
}

static void *
pipe_run(void *arg)
{
	Pipe *p = arg;
	bool app_eof = false, tls_eof = false;
	int tcp_wants = 0;

	for (;;) {
		bool progress = false;

		/* daemon -> test */
		if (!tls_eof && p->down_len == 0) {
			int n = SSL_read(p->ssl, p->down, sizeof p->down);
			if (n > 0) {
				p->down_len = (size_t)n;
				p->down_off = 0;
				progress = true;
			} else {
				int w = ssl_wants(p, n);
				if (w < 0)
					tls_eof = true;
				else
					tcp_wants |= w;
			}
		}
		if (p->down_len > 0) {
			ssize_t n = send(p->app, p->down + p->down_off, p->down_len, MSG_NOSIGNAL);
			if (n > 0) {
				p->down_off += (size_t)n;
				p->down_len -= (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				break;   /* the test closed its end */
			}
		}
		if (tls_eof && p->down_len == 0)
			break;   /* the daemon closed: the test reads EOF */

		/* test -> daemon */
		if (!app_eof && p->up_len == 0) {
			ssize_t n = recv(p->app, p->up, sizeof p->up, 0);
			if (n > 0) {
				p->up_len = (size_t)n;
				progress = true;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				app_eof = true;
			}
		}
		if (p->up_len > 0) {
			int n = SSL_write(p->ssl, p->up, (int)p->up_len);
			if (n > 0) {
				memmove(p->up, p->up + n, p->up_len - (size_t)n);
				p->up_len -= (size_t)n;
				progress = true;
			} else {
				int w = ssl_wants(p, n);
				if (w < 0)
					tls_eof = true;
				else
					tcp_wants |= w;
			}
		}
		if (app_eof && p->up_len == 0) {
			SSL_shutdown(p->ssl);   /* close_notify, then the TCP close */
			break;
		}
		if (progress)
			continue;

		struct pollfd fds[2] = {
			{.fd = p->tcp, .events = (short)tcp_wants},   /* what TLS asked for */
			{.fd = p->app,
			 .events = (short)((p->up_len == 0 && !app_eof ? POLLIN : 0) |
					   (p->down_len > 0 ? POLLOUT : 0))},
		};
		tcp_wants = 0;
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
	}
	close(p->app);
	SSL_free(p->ssl);
	close(p->tcp);
	free(p);
	return NULL;
}

int
tls_pipe(int tcp, const char *ca_file)
{
	int pair[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
	/* Small buffers, so that backpressure reaches the daemon much as it
	 * would on a plain connection. */
	int small = 16384;
	setsockopt(pair[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);

	Pipe *p = calloc(1, sizeof *p);
	assert_non_null(p);
	p->tcp = tcp;
	p->app = pair[1];
	SSL_CTX *c = client_ctx(ca_file);
	p->ssl = SSL_new(c);
	SSL_CTX_free(c);
	assert_non_null(p->ssl);
	/* The suite's daemons listen on 127.0.0.1; the certificate names it. */
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p->ssl), "127.0.0.1");
	SSL_set_fd(p->ssl, tcp);
	SSL_set_connect_state(p->ssl);
	nonblocking(tcp);
	nonblocking(p->app);

	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	assert_int_equal(pthread_create(&t, &attr, pipe_run, p), 0);
	pthread_attr_destroy(&attr);
	return pair[0];
}
