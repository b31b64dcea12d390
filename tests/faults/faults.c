/*
 * faults.c: helpers of the fault tests (faults.h).
 */
#include "faults.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"

/* Fills sa from "HOST:PORT" (IPv4, as the harness's daemons listen). */
static void
parse_addr(const char *addr, struct sockaddr_in *sa)
{
	char host[64];
	snprintf(host, sizeof host, "%s", addr);
	char *colon = strrchr(host, ':');
	assert_non_null(colon);
	*colon = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	assert_int_equal(inet_pton(AF_INET, host, &sa->sin_addr), 1);
}

/* The operations port's address, from "event=http_listening addr=H:P" in the log. */
static void
http_addr(const Triadd *d, char addr[64])
{
	FILE *f = fopen(d->log, "r");
	char line[4096];
	addr[0] = '\0';
	assert_non_null(f);
	while (addr[0] == '\0' && fgets(line, sizeof line, f) != NULL) {
		const char *p = strstr(line, "event=http_listening addr=");
		if (p != NULL) {
			p += strlen("event=http_listening addr=");
			snprintf(addr, 64, "%.*s", (int)strcspn(p, " \n"), p);
		}
	}
	fclose(f);
	if (addr[0] == '\0')
		fail_msg("no event=http_listening in %s", d->log);
}

uint64_t
fault_metric(const Triadd *d, const char *name)
{
	char addr[64], buf[65536], prefix[160];
	size_t used = 0;

	http_addr(d, addr);
	int fd = tc_connect(addr);
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";
	tc_send_raw(fd, req, strlen(req));
	uint64_t deadline = ms_now() + 5000;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(deadline - ms_now());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			fail_msg("no answer from /metrics");
		ssize_t n = read(fd, buf + used, sizeof buf - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		used += (size_t)n;
		assert_true(used < sizeof buf - 1);
	}
	close(fd);
	buf[used] = '\0';
	snprintf(prefix, sizeof prefix, "\n%s ", name);
	const char *p = strstr(buf, prefix);
	if (p == NULL)
		fail_msg("metric %s missing from /metrics", name);
	return strtoull(p + strlen(prefix), NULL, 10);
}

void
fault_wait_metric(const Triadd *d, const char *name, uint64_t want, int timeout_ms)
{
	uint64_t deadline = ms_now() + (uint64_t)timeout_ms;
	uint64_t v;
	while ((v = fault_metric(d, name)) != want) {
		if (ms_now() >= deadline)
			fail_msg("%s is %llu, not %llu, after %d ms", name, (unsigned long long)v,
				 (unsigned long long)want, timeout_ms);
		poll(NULL, 0, 5);   /* between two looks at the daemon's state */
	}
}

int
fault_connect_from(const char *src, const char *addr)
{
	struct sockaddr_in to, from = {.sin_family = AF_INET};
	parse_addr(addr, &to);
	assert_int_equal(inet_pton(AF_INET, src, &from.sin_addr), 1);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0)
		fail_msg("bind %s: %s", src, strerror(errno));
	if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0)
		fail_msg("connect %s from %s: %s", addr, src, strerror(errno));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return tc_over_tls(fd, addr);
}

static size_t
put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

uint8_t *
fault_programme_bomb(uint64_t id, size_t n, size_t *len)
{
	size_t prog = 2 * n;                       /* tag 9/LEN and a zero length, n times */
	uint8_t tmp[16];
	size_t create = 1 + put_varint(tmp, prog) + prog;           /* programme = 1 */
	size_t body = 1 + put_varint(tmp, id) + 2 + put_varint(tmp, create) + create;
	uint8_t *buf = malloc(FRAME_HEADER_BYTES + body);
	assert_non_null(buf);
	uint8_t *p = buf;
	frame_put_u32(p, (uint32_t)body);
	p += FRAME_HEADER_BYTES;
	*p++ = 0x08;                               /* Request.id */
	p += put_varint(p, id);
	*p++ = 0xc2;                               /* Request.create_programme (40, LEN) */
	*p++ = 0x02;
	p += put_varint(p, create);
	*p++ = 0x0a;                               /* CreateProgrammeRequest.programme */
	p += put_varint(p, prog);
	for (size_t i = 0; i < n; i++) {
		*p++ = 0x4a;                       /* Programme.start_moments (9, LEN) */
		*p++ = 0x00;
	}
	*len = (size_t)(p - buf);
	assert_int_equal(*len, FRAME_HEADER_BYTES + body);
	return buf;
}

uint8_t *
fault_ping_frame(uint64_t id, size_t payload_len, size_t *frame_len)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	uint8_t *payload = calloc(1, payload_len + 1);
	assert_non_null(payload);
	memset(payload, 'p', payload_len);
	ping.payload.data = payload;
	ping.payload.len = payload_len;
	req.id = id;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	size_t n = triad__v1__request__get_packed_size(&req);
	uint8_t *buf = malloc(n + FRAME_HEADER_BYTES);
	assert_non_null(buf);
	frame_put_u32(buf, (uint32_t)n);
	triad__v1__request__pack(&req, buf + FRAME_HEADER_BYTES);
	free(payload);
	*frame_len = n + FRAME_HEADER_BYTES;
	return buf;
}

bool
fault_send_some(int fd, const uint8_t *p, size_t len, size_t *sent)
{
	while (*sent < len) {
		ssize_t n = send(fd, p + *sent, len - *sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		*sent += (size_t)n;
	}
	return true;
}
