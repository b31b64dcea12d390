/*
 * drip_rss: the memory a running triadd holds for connections that have
 * begun a large frame and then send nothing more (or drip a byte now and
 * then): a frame's header announcing --frame bytes, then --body bytes of it.
 *
 *   drip_rss --pid PID [--addr HOST:PORT] [--token T] [--connections N]
 *            [--frame BYTES] [--body BYTES] [--settle S]
 *
 * Opens N connections (default 1000), completes the Hello on each (token
 * from --token or $TRIAD_TOKEN), samples triadd's VmRSS from /proc, sends
 * the partial frames, waits --settle seconds (default 2) for the daemon to
 * read them, and samples again. Prints both and the difference per
 * connection. Not a test: the figure is read by people. Raise the
 * descriptor limit of triadd and of this program (ulimit -n) above N.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "triad/v1/envelope.pb-c.h"

#ifndef TRIAD_PROTOCOL_VERSION
#error "TRIAD_PROTOCOL_VERSION must be defined by the build"
#endif

static void
die(const char *what)
{
	fprintf(stderr, "drip_rss: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long
rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		die(path);
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void
send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("send");
		p += n;
		len -= (size_t)n;
	}
}

static void
recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? ECONNRESET : errno;
			die("recv");
		}
		p += n;
		len -= (size_t)n;
	}
}

static void
put_u32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* Connects to sa and signs in with token; exits on any failure. */
static int
session(const struct sockaddr_in *sa, const char *token)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0)
		die("connect");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;
	hello.protocol_version = TRIAD_PROTOCOL_VERSION;
	hello.token = (char *)token;
	hello.client_name = "drip_rss";
	req.id = 1;
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	uint8_t buf[1024];
	size_t n = triad__v1__request__get_packed_size(&req);
	if (n + 4 > sizeof buf)
		exit(1);
	put_u32(buf, (uint32_t)n);
	triad__v1__request__pack(&req, buf + 4);
	send_all(fd, buf, n + 4);

	uint8_t hdr[4];
	recv_all(fd, hdr, 4);
	uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	uint8_t *body = malloc(len ? len : 1);
	if (body == NULL)
		exit(1);
	recv_all(fd, body, len);
	Triad__V1__Response *r = triad__v1__response__unpack(NULL, len, body);
	free(body);
	if (r == NULL || r->status == NULL || r->status->code != TRIAD__V1__CODE__CODE_OK) {
		fprintf(stderr, "drip_rss: Hello refused: %s\n",
			r != NULL && r->status != NULL ? r->status->message : "undecodable answer");
		exit(1);
	}
	triad__v1__response__free_unpacked(r, NULL);
	return fd;
}

int
main(int argc, char **argv)
{
	const char *addr = getenv("TRIAD_ADDR") ? getenv("TRIAD_ADDR") : "127.0.0.1:7411";
	const char *token = getenv("TRIAD_TOKEN");
	int pid = 0, conns = 1000, settle = 2;
	long frame = 1 << 20, body = 16;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pid") == 0)
			pid = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--addr") == 0)
			addr = argv[i + 1];
		else if (strcmp(argv[i], "--token") == 0)
			token = argv[i + 1];
		else if (strcmp(argv[i], "--connections") == 0)
			conns = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--frame") == 0)
			frame = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--body") == 0)
			body = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--settle") == 0)
			settle = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "drip_rss: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (pid <= 0 || token == NULL || conns < 1 || frame < 1 || body < 0 || body >= frame) {
		fprintf(stderr, "usage: drip_rss --pid PID [--addr HOST:PORT] [--token T] "
			"[--connections N] [--frame BYTES] [--body BYTES] [--settle S]\n");
		return 2;
	}

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)conns + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	char host[64];
	snprintf(host, sizeof host, "%s", addr);
	char *colon = strrchr(host, ':');
	if (colon == NULL)
		return 2;
	*colon = '\0';
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return 2;

	long before = rss_kib(pid);
	int *fds = calloc((size_t)conns, sizeof *fds);
	uint8_t *partial = calloc(1, (size_t)body + 4);
	if (fds == NULL || partial == NULL)
		return 1;
	for (int i = 0; i < conns; i++)
		fds[i] = session(&sa, token);
	sleep(1);
	long signed_in = rss_kib(pid);

	put_u32(partial, (uint32_t)frame);
	memset(partial + 4, 'x', (size_t)body);
	for (int i = 0; i < conns; i++)
		send_all(fds[i], partial, (size_t)body + 4);
	sleep((unsigned)settle);
	long dripping = rss_kib(pid);

	printf("connections %d, each a header of %ld bytes and %ld bytes of the frame\n", conns,
	       frame, body);
	printf("triadd VmRSS: before %ld KiB, signed in %ld KiB, with partial frames %ld KiB\n",
	       before, signed_in, dripping);
	printf("held by the partial frames: %ld KiB in all, %.1f KiB per connection\n",
	       dripping - signed_in, (double)(dripping - signed_in) / conns);
	for (int i = 0; i < conns; i++)
		close(fds[i]);
	free(fds);
	free(partial);
	return 0;
}
