/*
 * proxy.c: the PROXY protocol header, versions 1 and 2.
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "conn.h"
#include "log.h"

static const uint8_t v2_sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
				   0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
static const char v1_sig[] = "PROXY ";

/* A port: 1 to 5 digits, at most 65535. */
static bool
parse_port(const char *s, uint16_t *port)
{
	size_t n = strlen(s);
	unsigned v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/*
 * "PROXY TCP4 <src> <dst> <sport> <dport>\r\n", the same with TCP6, or
 * "PROXY UNKNOWN<anything>\r\n". Single spaces, as the specification says.
 */
static ProxyStatus
parse_v1(const uint8_t *buf, size_t len, ProxyHeader *out, const char **why)
{
	const uint8_t *cr = NULL;
	size_t avail = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	for (size_t i = 0; i + 1 < avail; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n') {
			cr = buf + i;
			break;
		}
	}
	if (cr == NULL) {
		if (len >= PROXY_V1_MAX) {
			*why = "PROXY v1 line longer than 107 bytes";
			return PROXY_INVALID;
		}
		for (size_t i = 0; i < len; i++) {
			if (buf[i] == '\n' || buf[i] == '\0') {
				*why = "PROXY v1 line not ended by CRLF";
				return PROXY_INVALID;
			}
		}
		return PROXY_INCOMPLETE;
	}
	char line[PROXY_V1_MAX + 1];
	size_t n = (size_t)(cr - buf);
	memcpy(line, buf, n);
	line[n] = '\0';
	out->len = n + 2;
	out->has_addr = false;
	if (strncmp(line, "PROXY UNKNOWN", 13) == 0)
		return PROXY_DONE;

	char *f[7];
	int nf = 0;
	for (char *p = line; p != NULL && nf < 7;) {
		f[nf++] = p;
		char *sp = strchr(p, ' ');
		if (sp != NULL)
			*sp++ = '\0';
		p = sp;
	}
	if (nf != 6) {
		*why = "PROXY v1 line does not have six fields";
		return PROXY_INVALID;
	}
	uint16_t sport, dport;
	if (!parse_port(f[4], &sport) || !parse_port(f[5], &dport)) {
		*why = "PROXY v1 port is not a number from 0 to 65535";
		return PROXY_INVALID;
	}
	memset(&out->src, 0, sizeof out->src);
	if (strcmp(f[1], "TCP4") == 0) {
		struct sockaddr_in *a = (struct sockaddr_in *)&out->src;
		struct in_addr dst;
		if (inet_pton(AF_INET, f[2], &a->sin_addr) != 1 || inet_pton(AF_INET, f[3], &dst) != 1) {
			*why = "PROXY v1 TCP4 address is not an IPv4 address";
			return PROXY_INVALID;
		}
		a->sin_family = AF_INET;
		a->sin_port = htons(sport);
	} else if (strcmp(f[1], "TCP6") == 0) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->src;
		struct in6_addr dst;
		if (inet_pton(AF_INET6, f[2], &a->sin6_addr) != 1 ||
		    inet_pton(AF_INET6, f[3], &dst) != 1) {
			*why = "PROXY v1 TCP6 address is not an IPv6 address";
			return PROXY_INVALID;
		}
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(sport);
	} else {
		*why = "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN";
		return PROXY_INVALID;
	}
	out->has_addr = true;
	return PROXY_DONE;
}

/*
 * The 16-byte preamble (signature, version and command, family and
 * transport, length), then the addresses and TLVs, which are skipped.
 */
static ProxyStatus
parse_v2(const uint8_t *buf, size_t len, ProxyHeader *out, const char **why)
{
	if (len < 16)
		return PROXY_INCOMPLETE;
	uint8_t ver = buf[12] >> 4, cmd = buf[12] & 0x0f;
	uint8_t fam = buf[13] >> 4, proto = buf[13] & 0x0f;
	size_t body = (size_t)buf[14] << 8 | buf[15];
	if (ver != 2) {
		*why = "PROXY v2 header of another version";
		return PROXY_INVALID;
	}
	if (cmd > 1) {
		*why = "PROXY v2 command is neither LOCAL nor PROXY";
		return PROXY_INVALID;
	}
	if (16 + body > PROXY_V2_MAX) {
		*why = "PROXY v2 header longer than 1024 bytes";
		return PROXY_INVALID;
	}
	if (len < 16 + body)
		return PROXY_INCOMPLETE;
	out->len = 16 + body;
	out->has_addr = false;
	/* LOCAL: the balancer's own connection (a health check); addresses
	 * other than TCP over IPv4 or IPv6 are ignored, as the text says. */
	if (cmd == 0 || proto != 1 || (fam != 1 && fam != 2))
		return PROXY_DONE;
	const uint8_t *a = buf + 16;
	memset(&out->src, 0, sizeof out->src);
	if (fam == 1) {
		if (body < 12) {
			*why = "PROXY v2 IPv4 addresses cut short";
			return PROXY_INVALID;
		}
		struct sockaddr_in *s = (struct sockaddr_in *)&out->src;
		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, a, 4);
		memcpy(&s->sin_port, a + 8, 2);     /* both in network order */
	} else {
		if (body < 36) {
			*why = "PROXY v2 IPv6 addresses cut short";
			return PROXY_INVALID;
		}
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&out->src;
		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, a, 16);
		memcpy(&s->sin6_port, a + 32, 2);
	}
	out->has_addr = true;
	return PROXY_DONE;
}

ProxyStatus
proxy_parse(const uint8_t *buf, size_t len, ProxyHeader *out, const char **why)
{
	size_t n1 = len < sizeof v1_sig - 1 ? len : sizeof v1_sig - 1;
	size_t n2 = len < sizeof v2_sig ? len : sizeof v2_sig;

	*why = NULL;
	if (len == 0)
		return PROXY_INCOMPLETE;
	if (memcmp(buf, v1_sig, n1) == 0)
		return n1 < sizeof v1_sig - 1 ? PROXY_INCOMPLETE : parse_v1(buf, len, out, why);
	if (memcmp(buf, v2_sig, n2) == 0)
		return n2 < sizeof v2_sig ? PROXY_INCOMPLETE : parse_v2(buf, len, out, why);
	*why = "the connection did not start with a PROXY protocol header";
	return PROXY_INVALID;
}

bool
proxy_take(Conn *c)
{
	if (c->state != CONN_ST_HELLO)
		return true;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in);
	size_t want = len < PROXY_V2_MAX ? len : PROXY_V2_MAX;
	const uint8_t *buf = want > 0 ? evbuffer_pullup(in, (ev_ssize_t)want) : NULL;
	ProxyHeader h;
	const char *why = NULL;
	ProxyStatus st = buf != NULL ? proxy_parse(buf, want, &h, &why) : PROXY_INCOMPLETE;

	if (st == PROXY_INCOMPLETE)
		return false;
	if (st == PROXY_INVALID) {
		log_info("proxy_refused", "conn=%" PRIu64 " peer=%s reason=\"%s\"", c->serial, c->peer,
			 why);
		if (c->tls_after_proxy)   /* no answer can reach a TLS client yet */
			conn_close_now(c, "proxy_refused");
		else
			conn_fail(c, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "%s", why);
		return false;
	}
	evbuffer_drain(in, h.len);
	c->proxy_pending = false;
	if (!h.has_addr)
		return true;
	char host[INET6_ADDRSTRLEN] = "", peer[sizeof c->peer];
	char via[64];
	snprintf(via, sizeof via, "%s", c->peer);
	if (h.src.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&h.src;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		snprintf(peer, sizeof peer, "%s:%u", host, ntohs(a->sin_port));
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&h.src;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		snprintf(peer, sizeof peer, "[%s]:%u", host, ntohs(a->sin6_port));
	}
	if (!conn_set_peer(c, peer, host)) {
		log_info("proxy_refused", "conn=%" PRIu64 " peer=%s reason=\"address over its limit\"",
			 c->serial, peer);
		if (c->tls_after_proxy)
			conn_close_now(c, "proxy_refused");
		else
			conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
				  "too many connections without a session from %s", host);
		return false;
	}
	log_debug("proxy_header", "conn=%" PRIu64 " peer=%s via=%s", c->serial, c->peer, via);
	return true;
}
