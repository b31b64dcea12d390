/*
 * greedy_bench.c: does one client's pipeline harm another's?
 *
 * A probe connection sends Ping{database=true}, one at a time, and times
 * each answer: first on an otherwise idle daemon, then while G greedy
 * connections write database pings as fast as the daemon takes them
 * (the daemon keeps max_in_flight of each outstanding, 128 by default) and
 * never read an answer. Prints the probe's p50/p99 in both phases and the
 * ratio of the p99s.
 *
 *   greedy-bench [--addr HOST:PORT] [--token T] [--probe-token T] [--greedy G]
 *                [--samples N] [--warmup S] [--json]
 *
 * The probe should sign in as another account than the greedy connections
 * (--probe-token): one account's connections share its cap
 * (db_queue_per_principal_max), so a probe on the greedy account is refused
 * with it.
 *
 * Blocking sockets and one thread for the greedy writers; the probe runs on
 * the main thread, so the bench's own scheduling adds little to what it
 * measures. Not run by ctest (see README.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "triad/v1/envelope.pb-c.h"

#define MAX_GREEDY 1024
#define BATCH 256                  /* pings per greedy write */

static uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
die(const char *what)
{
	fprintf(stderr, "greedy-bench: %s\n", what);
	exit(1);
}

static int
connect_to(const char *addr)
{
	char host[256];
	snprintf(host, sizeof host, "%s", addr);
	char *colon = strrchr(host, ':');
	if (colon == NULL)
		die("--addr must be HOST:PORT");
	*colon = '\0';
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		die("cannot resolve the address");
	int fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0)
		die("cannot connect");
	freeaddrinfo(res);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void
write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write failed");
		buf += n;
		len -= (size_t)n;
	}
}

static void
read_all(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("the daemon closed the connection");
		buf += n;
		len -= (size_t)n;
	}
}

/* Packs req as a frame into buf (which holds 4 + its size); returns the length. */
static size_t
pack_frame(const Triad__V1__Request *req, uint8_t *buf)
{
	size_t n = triad__v1__request__get_packed_size(req);
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	triad__v1__request__pack(req, buf + 4);
	return n + 4;
}

static Triad__V1__Response *
recv_response(int fd)
{
	uint8_t hdr[4];
	read_all(fd, hdr, 4);
	uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	uint8_t *body = malloc(n ? n : 1);
	if (body == NULL)
		die("out of memory");
	read_all(fd, body, n);
	Triad__V1__Response *r = triad__v1__response__unpack(NULL, n, body);
	free(body);
	if (r == NULL)
		die("undecodable answer");
	return r;
}

/* Connects and signs in; exits unless the Hello succeeds. */
static int
session(const char *addr, const char *token)
{
	int fd = connect_to(addr);
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Hello h = TRIAD__V1__HELLO__INIT;
	uint8_t buf[512];
	h.protocol_version = TRIAD_PROTOCOL_VERSION;
	h.client_name = "greedy-bench";
	h.token = (char *)token;
	req.id = 1;
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &h;
	write_all(fd, buf, pack_frame(&req, buf));
	Triad__V1__Response *r = recv_response(fd);
	if (r->status != NULL && r->status->code != TRIAD__V1__CODE__CODE_OK) {
		fprintf(stderr, "greedy-bench: Hello refused: %s\n", r->status->message);
		exit(1);
	}
	triad__v1__response__free_unpacked(r, NULL);
	return fd;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

typedef struct Sample {
	double p50_ms, p99_ms, max_ms;
	int errors;
} Sample;

/* n database pings on fd, one at a time; their latency percentiles. */
static Sample
probe(int fd, int n, uint64_t *next_id)
{
	uint64_t *lat = calloc((size_t)n, sizeof *lat);
	Sample s = {0};
	if (lat == NULL)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
		uint8_t buf[64];
		ping.database = true;
		req.id = (*next_id)++;
		req.body_case = TRIAD__V1__REQUEST__BODY_PING;
		req.ping = &ping;
		size_t len = pack_frame(&req, buf);
		uint64_t t0 = now_us();
		write_all(fd, buf, len);
		Triad__V1__Response *r = recv_response(fd);
		lat[i] = now_us() - t0;
		if (r->status != NULL && r->status->code != TRIAD__V1__CODE__CODE_OK)
			s.errors++;
		triad__v1__response__free_unpacked(r, NULL);
	}
	qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
	s.p50_ms = (double)lat[n / 2] / 1000.0;
	s.p99_ms = (double)lat[(size_t)((double)n * 0.99)] / 1000.0;
	s.max_ms = (double)lat[n - 1] / 1000.0;
	free(lat);
	return s;
}

typedef struct Greedy {
	int fds[MAX_GREEDY];
	int n;
	atomic_bool stop;
	atomic_uint_least64_t sent;     /* requests written */
} Greedy;

/* Writes pings on every greedy connection whenever it takes them; reads
 * nothing. */
static void *
greedy_run(void *arg)
{
	Greedy *g = arg;
	static uint8_t batch[BATCH * 32];
	size_t blen = 0;
	for (int i = 0; i < BATCH; i++) {
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
		ping.database = true;
		req.id = 1000 + (uint64_t)i;
		req.body_case = TRIAD__V1__REQUEST__BODY_PING;
		req.ping = &ping;
		blen += pack_frame(&req, batch + blen);
	}
	size_t *off = calloc((size_t)g->n, sizeof *off);  /* progress in the batch */
	struct pollfd *p = calloc((size_t)g->n, sizeof *p);
	if (off == NULL || p == NULL)
		die("out of memory");
	for (int i = 0; i < g->n; i++) {
		fcntl(g->fds[i], F_SETFL, fcntl(g->fds[i], F_GETFL) | O_NONBLOCK);
		p[i] = (struct pollfd){.fd = g->fds[i], .events = POLLOUT};
	}
	while (!atomic_load(&g->stop)) {
		if (poll(p, (nfds_t)g->n, 100) <= 0)
			continue;
		for (int i = 0; i < g->n; i++) {
			if (!(p[i].revents & POLLOUT))
				continue;
			ssize_t w = write(g->fds[i], batch + off[i], blen - off[i]);
			if (w > 0) {
				off[i] = (off[i] + (size_t)w) % blen;
				atomic_fetch_add(&g->sent, (uint64_t)w);
			}
		}
	}
	free(off);
	free(p);
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: greedy-bench [--addr HOST:PORT] [--token T] [--probe-token T] [--greedy G]\n"
		"                    [--samples N] [--warmup S] [--json]\n"
		"  --addr     daemon address (default $TRIAD_ADDR or 127.0.0.1:7411)\n"
		"  --token    token for the greedy connections' Hellos (default $TRIAD_TOKEN)\n"
		"  --probe-token  token for the probe's, another account's (default: --token)\n"
		"  --greedy   connections that write pings and never read (default 24)\n"
		"  --samples  probe pings per phase (default 2000)\n"
		"  --warmup   seconds of greedy load before the probe measures (default 2)\n");
}

int
main(int argc, char **argv)
{
	const char *addr = getenv("TRIAD_ADDR") ? getenv("TRIAD_ADDR") : "127.0.0.1:7411";
	const char *token = getenv("TRIAD_TOKEN"), *probe_token = NULL;
	int ngreedy = 24, samples = 2000, warmup = 2;
	bool json = false;
	static const struct option opts[] = {
		{"addr", required_argument, NULL, 'a'}, {"token", required_argument, NULL, 't'},
		{"probe-token", required_argument, NULL, 'p'},
		{"greedy", required_argument, NULL, 'g'}, {"samples", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'}, {0},
	};
	for (int ch; (ch = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 't': token = optarg; break;
		case 'p': probe_token = optarg; break;
		case 'g': ngreedy = atoi(optarg); break;
		case 'n': samples = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'j': json = true; break;
		default: usage(); return ch == 'h' ? 0 : 2;
		}
	}
	if (token == NULL || ngreedy < 0 || ngreedy > MAX_GREEDY || samples < 100 || warmup < 0) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	uint64_t id = 10;
	int pfd = session(addr, probe_token != NULL ? probe_token : token);
	(void)probe(pfd, samples / 10, &id);             /* warm the connection up */
	Sample idle = probe(pfd, samples, &id);

	static Greedy g;
	g.n = ngreedy;
	for (int i = 0; i < ngreedy; i++)
		g.fds[i] = session(addr, token);
	pthread_t th;
	if (pthread_create(&th, NULL, greedy_run, &g) != 0)
		die("cannot start the greedy thread");
	sleep((unsigned)warmup);
	Sample loaded = probe(pfd, samples, &id);
	/* The greedy connections are throttled by the daemon (it reads while
	 * they have fewer than max_in_flight outstanding), so most of this
	 * waits in socket buffers: it says they were writing, not how fast. */
	uint64_t sent_total = atomic_load(&g.sent);
	atomic_store(&g.stop, true);
	pthread_join(th, NULL);

	double ratio = idle.p99_ms > 0 ? loaded.p99_ms / idle.p99_ms : 0;
	FILE *human = json ? stderr : stdout;
	fprintf(human,
		"idle:   p50 %.3f ms  p99 %.3f ms  max %.3f ms  errors %d\n"
		"loaded: p50 %.3f ms  p99 %.3f ms  max %.3f ms  errors %d  (%d greedy, "
		"%.1f MB of requests written by them)\n"
		"p99 ratio loaded/idle: %.2f\n",
		idle.p50_ms, idle.p99_ms, idle.max_ms, idle.errors, loaded.p50_ms, loaded.p99_ms,
		loaded.max_ms, loaded.errors, ngreedy, (double)sent_total / 1048576.0, ratio);
	if (json)
		printf("{\"greedy\":%d,\"samples\":%d,\"idle_p50_ms\":%.3f,\"idle_p99_ms\":%.3f,"
		       "\"loaded_p50_ms\":%.3f,\"loaded_p99_ms\":%.3f,\"ratio_p99\":%.3f,"
		       "\"idle_errors\":%d,\"loaded_errors\":%d}\n",
		       ngreedy, samples, idle.p50_ms, idle.p99_ms, loaded.p50_ms, loaded.p99_ms, ratio,
		       idle.errors, loaded.errors);
	for (int i = 0; i < ngreedy; i++)
		close(g.fds[i]);
	close(pfd);
	return 0;
}
