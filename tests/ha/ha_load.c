/*
 * ha-load: write load through triadd for the failover test (tests/ha/run.sh).
 *
 * usage: ha-load --addr HOST:PORT --token-file FILE --stem STEM --log FILE
 *                [--writers N] [--drain-seconds S]
 *
 * N writers (default 4), each on a connection of its own, create
 * organisations named STEM-W-SEQ one after the other, each with an
 * idempotency key of its own. An answer that says the write may not have
 * happened (UNAVAILABLE, OUTCOME_UNKNOWN, CANCELLED, DEADLINE_EXCEEDED,
 * ABORTED, RESOURCE_EXHAUSTED), a lost connection or no answer within 30 s
 * is retried after 100 ms with the same key, as envelope.proto tells
 * clients to; any other failure ends the run (exit 2).
 *
 * The log (flushed per line) has one line per acknowledged write and per
 * refusal, with the wall-clock time in milliseconds, so that the script
 * can tell how long writes were refused around each event:
 *     ack MS NAME
 *     refused MS CODE
 * SIGTERM or SIGINT stops new writes; the writes under way are retried
 * until acknowledged, for at most S seconds (default 120). Exit 0 when
 * every write begun was acknowledged, 1 when some were not.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "triad/v1/envelope.pb-c.h"

#define WRITERS_MAX 64
#define ANSWER_TIMEOUT_MS 30000
#define RETRY_MS 100
#define FRAME_MAX (64u << 10)       /* its answers are small */

typedef struct Writer {
	int fd;                  /* -1: not connected */
	uint64_t next_id;
	uint64_t seq;            /* of the current write */
	bool active;             /* a write is under way (not yet acknowledged) */
	bool in_flight;          /* sent, no answer yet */
	uint64_t sent_ms;        /* monotonic */
	uint64_t not_before;     /* monotonic: a retry's backoff */
	char name[128];
	char key[128];
	uint8_t buf[FRAME_MAX + 4];
	size_t have;             /* bytes of the answer read so far */
} Writer;

static volatile sig_atomic_t stopping;
static const char *addr_opt, *stem;
static char token[256];
static FILE *log_out;
static Writer *writers;
static int nwriters = 4;
static unsigned long long begun, acked, retries;

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
on_signal(int sig)
{
	stopping = 1;
}

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "ha-load: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

/* A blocking connection to addr_opt (HOST:PORT); -1 on failure. */
static int
dial(void)
{
	char host[256];
	const char *colon = strrchr(addr_opt, ':');
	if (colon == NULL || (size_t)(colon - addr_opt) >= sizeof host)
		die("bad address '%s' (HOST:PORT)", addr_opt);
	memcpy(host, addr_opt, (size_t)(colon - addr_opt));
	host[colon - addr_opt] = '\0';
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		die("cannot resolve '%s'", addr_opt);
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static bool
send_request(int fd, const Triad__V1__Request *req)
{
	size_t n = triad__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(n + 4);
	if (buf == NULL)
		die("%s", "out of memory");
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	triad__v1__request__pack(req, buf + 4);
	size_t off = 0;
	while (off < n + 4) {
		ssize_t w = send(fd, buf + off, n + 4 - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(buf);
			return false;
		}
		off += (size_t)w;
	}
	free(buf);
	return true;
}

/*
 * Reads what has arrived for w; returns a whole answer, or NULL when none
 * is complete yet. *gone is set when the connection broke.
 */
static Triad__V1__Response *
read_answer(Writer *w, bool *gone)
{
	*gone = false;
	ssize_t r = recv(w->fd, w->buf + w->have, sizeof w->buf - w->have, MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		*gone = true;
		return NULL;
	}
	if (r > 0)
		w->have += (size_t)r;
	if (w->have < 4)
		return NULL;
	uint32_t len = (uint32_t)w->buf[0] << 24 | (uint32_t)w->buf[1] << 16 |
		       (uint32_t)w->buf[2] << 8 | w->buf[3];
	if (len > FRAME_MAX) {
		*gone = true;
		return NULL;
	}
	if (w->have < 4 + (size_t)len)
		return NULL;
	Triad__V1__Response *resp = triad__v1__response__unpack(NULL, len, w->buf + 4);
	memmove(w->buf, w->buf + 4 + len, w->have - 4 - len);
	w->have -= 4 + len;
	if (resp == NULL || resp->status == NULL)
		die("%s", "an answer that does not decode");
	return resp;
}

static void
writer_drop(Writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->have = 0;
}

/* Connects w and completes the Hello; false (not connected) on failure. */
static bool
writer_connect(Writer *w)
{
	w->fd = dial();
	if (w->fd < 0)
		return false;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;
	hello.protocol_version = TRIAD_PROTOCOL_VERSION;
	hello.token = token;
	hello.client_name = "ha-load";
	req.id = 1;
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	w->next_id = 2;
	if (!send_request(w->fd, &req)) {
		writer_drop(w);
		return false;
	}
	uint64_t deadline = mono_ms() + ANSWER_TIMEOUT_MS;
	for (;;) {
		struct pollfd p = {.fd = w->fd, .events = POLLIN};
		int left = (int)(deadline - mono_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			writer_drop(w);
			return false;
		}
		bool gone;
		Triad__V1__Response *r = read_answer(w, &gone);
		if (gone) {
			writer_drop(w);
			return false;
		}
		if (r == NULL)
			continue;
		/* The Hello looks the token up: during an outage it is refused. */
		bool ok = r->status->code == TRIAD__V1__CODE__CODE_OK;
		triad__v1__response__free_unpacked(r, NULL);
		if (!ok)
			writer_drop(w);
		return ok;
	}
}

static bool
retryable(Triad__V1__Code code)
{
	return code == TRIAD__V1__CODE__CODE_UNAVAILABLE ||
	       code == TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN ||
	       code == TRIAD__V1__CODE__CODE_CANCELLED ||
	       code == TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED ||
	       code == TRIAD__V1__CODE__CODE_ABORTED ||
	       code == TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED;
}

/* The current write of w was refused or lost: retry it later, same key. */
static void
refused(Writer *w, int code)
{
	fprintf(log_out, "refused %llu %d\n", (unsigned long long)wall_ms(), code);
	w->in_flight = false;
	w->not_before = mono_ms() + RETRY_MS;
	retries++;
}

/* Starts, or sends again, what w has to send now. */
static void
writer_step(Writer *w)
{
	if (w->in_flight || mono_ms() < w->not_before)
		return;
	if (!w->active) {
		if (stopping)
			return;
		w->active = true;
		w->seq++;
		begun++;
		int i = (int)(w - writers);
		snprintf(w->name, sizeof w->name, "%s-%d-%llu", stem, i, (unsigned long long)w->seq);
		snprintf(w->key, sizeof w->key, "%s-key-%d-%llu", stem, i,
			 (unsigned long long)w->seq);
	}
	if (w->fd < 0 && !writer_connect(w)) {
		refused(w, -1);
		return;
	}
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateOrganisationRequest m = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	m.name = w->name;
	m.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER;
	req.id = w->next_id++;
	req.idempotency_key = w->key;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_ORGANISATION;
	req.create_organisation = &m;
	if (!send_request(w->fd, &req)) {
		writer_drop(w);
		refused(w, -1);
		return;
	}
	w->in_flight = true;
	w->sent_ms = mono_ms();
}

static void
writer_read(Writer *w)
{
	bool gone;
	Triad__V1__Response *r;
	while ((r = read_answer(w, &gone)) != NULL) {
		Triad__V1__Code code = r->status->code;
		if (!w->in_flight || r->id != w->next_id - 1) {
			triad__v1__response__free_unpacked(r, NULL);
			continue;       /* an answer to a request given up on */
		}
		if (code == TRIAD__V1__CODE__CODE_OK) {
			if (r->organisation == NULL || strcmp(r->organisation->name, w->name) != 0)
				die("write %s: the answer names another organisation", w->name);
			fprintf(log_out, "ack %llu %s\n", (unsigned long long)wall_ms(), w->name);
			w->in_flight = false;
			w->active = false;
			acked++;
		} else if (retryable(code)) {
			refused(w, code);
		} else {
			fprintf(stderr, "ha-load: write %s: code %d: %s\n", w->name, code,
				r->status->message);
			exit(2);
		}
		triad__v1__response__free_unpacked(r, NULL);
	}
	if (gone) {
		writer_drop(w);
		if (w->in_flight)
			refused(w, -1);
	}
}

static bool
all_done(void)
{
	for (int i = 0; i < nwriters; i++)
		if (writers[i].active)
			return false;
	return true;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"addr", required_argument, NULL, 'a'},
		{"token-file", required_argument, NULL, 't'},
		{"stem", required_argument, NULL, 's'},
		{"log", required_argument, NULL, 'l'},
		{"writers", required_argument, NULL, 'w'},
		{"drain-seconds", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	const char *token_file = NULL, *log_path = NULL;
	int drain_s = 120, c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': addr_opt = optarg; break;
		case 't': token_file = optarg; break;
		case 's': stem = optarg; break;
		case 'l': log_path = optarg; break;
		case 'w': nwriters = atoi(optarg); break;
		case 'd': drain_s = atoi(optarg); break;
		default: return 2;
		}
	}
	if (addr_opt == NULL || token_file == NULL || stem == NULL || log_path == NULL ||
	    nwriters < 1 || nwriters > WRITERS_MAX || drain_s < 1) {
		fputs("usage: ha-load --addr HOST:PORT --token-file FILE --stem STEM --log FILE "
		      "[--writers N] [--drain-seconds S]\n", stderr);
		return 2;
	}
	FILE *tf = fopen(token_file, "r");
	if (tf == NULL || fgets(token, sizeof token, tf) == NULL)
		die("cannot read a token from %s", token_file);
	fclose(tf);
	token[strcspn(token, "\r\n")] = '\0';
	log_out = fopen(log_path, "w");
	if (log_out == NULL)
		die("cannot write %s", log_path);
	setvbuf(log_out, NULL, _IOLBF, 0);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	writers = calloc((size_t)nwriters, sizeof *writers);
	if (writers == NULL)
		die("%s", "out of memory");
	for (int i = 0; i < nwriters; i++)
		writers[i].fd = -1;

	uint64_t drain_deadline = 0;
	for (;;) {
		if (stopping && drain_deadline == 0)
			drain_deadline = mono_ms() + (uint64_t)drain_s * 1000u;
		if (stopping && (all_done() || mono_ms() > drain_deadline))
			break;
		struct pollfd p[WRITERS_MAX];
		for (int i = 0; i < nwriters; i++) {
			Writer *w = &writers[i];
			writer_step(w);
			if (w->in_flight && mono_ms() - w->sent_ms > ANSWER_TIMEOUT_MS) {
				writer_drop(w);
				refused(w, -2);
			}
			p[i] = (struct pollfd){.fd = w->fd, .events = POLLIN};
		}
		int n = poll(p, (nfds_t)nwriters, 20);
		if (n < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		for (int i = 0; n > 0 && i < nwriters; i++) {
			if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				writer_read(&writers[i]);
		}
	}
	printf("writes=%llu acked=%llu retries=%llu\n", begun, acked, retries);
	for (int i = 0; i < nwriters; i++)
		writer_drop(&writers[i]);
	free(writers);
	fclose(log_out);
	return acked == begun ? 0 : 1;
}
