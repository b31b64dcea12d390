/*
 * proxy.h: the PROXY protocol header that a load balancer sends before the
 * client's first byte, naming the client's real address (HAProxy's
 * proxy-protocol.txt, versions 1 and 2).
 *
 * With proxy_protocol = on, every connection must start with one header;
 * its source address becomes the connection's peer (for logs and the
 * sign-in limiter). A connection without a valid header is refused. The
 * header is bounded in size (PROXY_V1_MAX, PROXY_V2_MAX) and in time (it
 * counts against hello_timeout_ms, like the Hello after it).
 */
#ifndef TRIAD_PROXY_H
#define TRIAD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct Conn Conn;

#define PROXY_V1_MAX 107            /* the longest v1 line, CRLF included */
#define PROXY_V2_MAX 1024           /* what we accept of v2: 16 + addresses + TLVs */

typedef enum ProxyStatus {
	PROXY_INCOMPLETE,    /* a valid beginning: wait for more bytes */
	PROXY_DONE,          /* a whole header: see ProxyHeader */
	PROXY_INVALID,       /* not a header we accept: refuse the connection */
} ProxyStatus;

typedef struct ProxyHeader {
	size_t len;                     /* bytes the header took */
	bool has_addr;                  /* false for LOCAL / UNKNOWN / UNSPEC: the
					   connection's own address stands */
	struct sockaddr_storage src;    /* the client's address when has_addr */
} ProxyHeader;

/*
 * Parses a header at the start of buf (len bytes, any amount so far). On
 * PROXY_INVALID, *why says what was wrong, as a static string. Decides as
 * soon as the bytes allow: a first byte that begins neither version is
 * invalid at once, so a client that sends no header is not kept waiting.
 */
ProxyStatus proxy_parse(const uint8_t *buf, size_t len, ProxyHeader *out, const char **why);

/*
 * conn.c's hook, called before frames are read while c->proxy_pending:
 * takes the header from c's input, sets c->peer and c->peer_ip from it and
 * clears proxy_pending. Returns true when frames may be read now; false
 * while the header is incomplete, or after refusing the connection (with
 * conn_fail) when it is invalid.
 */
bool proxy_take(Conn *c);

#endif
