/*
 * rpc.h: the client's side of the triad wire protocol.
 *
 * A frame is a 4-byte unsigned big-endian length N (1..limit) followed by N
 * bytes of one protobuf message: Request from client to server, Response
 * back. rpc_open() connects and performs the Hello; rpc_call() sends one
 * Request and waits for the Response that carries its id. Every wait has a
 * deadline and every allocation sized by the peer is checked against a
 * fixed limit first.
 *
 * This layer knows nothing about commands or exit codes; it reports what
 * went wrong in an RpcError and leaves the wording for people to client.c.
 */
#ifndef TRIAD_CLIENT_RPC_H
#define TRIAD_CLIENT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triad/v1/envelope.pb-c.h"

/* Bytes in a frame header. */
#define RPC_FRAME_HEADER_BYTES 4

/*
 * The largest frame body the client sends or accepts. A server reports its
 * own limit for requests in HelloReply.max_frame_bytes; the smaller of the
 * two applies to requests.
 */
#define RPC_MAX_FRAME_BYTES (1024u * 1024u)

/* Port used when an address names only a host. */
#define RPC_DEFAULT_PORT "7411"

/* Room for a host name or address literal, with its terminating NUL. */
#define RPC_HOST_MAX 256
/* Room for a decimal port number, with its terminating NUL. */
#define RPC_PORT_MAX 6

/* What went wrong, at the level a caller branches on. */
typedef enum RpcErrorKind {
	RPC_ERR_NONE = 0,
	RPC_ERR_ADDRESS,       /* the address string is malformed */
	RPC_ERR_RESOLVE,       /* the host name could not be resolved */
	RPC_ERR_CONNECT,       /* connecting failed or timed out */
	RPC_ERR_TLS,           /* the TLS handshake failed or the certificate is not trusted */
	RPC_ERR_TIMEOUT,       /* connected, but no answer before the deadline */
	RPC_ERR_CLOSED,        /* the connection broke or the server closed it */
	RPC_ERR_PROTOCOL,      /* the peer sent something that is not triad */
	RPC_ERR_SERVER_CLOSED, /* the server said why (Response id 0) and closed */
	RPC_ERR_STATUS,        /* the server answered the request with an error */
	RPC_ERR_TOO_LARGE,     /* the request exceeds the frame limit; not sent */
	RPC_ERR_LOCAL,         /* out of memory or a similar local failure */
} RpcErrorKind;

/*
 * An error with enough detail to tell a person what happened. For
 * RPC_ERR_STATUS and RPC_ERR_SERVER_CLOSED, code, message and field come
 * from the server's Status (message and field truncated to fit); for the
 * other kinds code is TRIAD__V1__CODE__CODE_OK and message is written here.
 */
typedef struct RpcError {
	RpcErrorKind kind;
	Triad__V1__Code code;
	char message[512];
	char field[128];
} RpcError;

/* One connection to a server, usually after a successful Hello. Opaque. */
typedef struct RpcSession RpcSession;

/* Milliseconds on a monotonic clock; only differences are meaningful. */
int64_t rpc_now_ms(void);

/* Store len in out[0..3] as an unsigned 32-bit big-endian number. */
void rpc_frame_header_encode(uint32_t len, uint8_t out[RPC_FRAME_HEADER_BYTES]);

/* Read the unsigned 32-bit big-endian number in in[0..3]. */
uint32_t rpc_frame_header_decode(const uint8_t in[RPC_FRAME_HEADER_BYTES]);

/* True when a frame body of len bytes is allowed under a limit of max. */
bool rpc_frame_length_ok(uint32_t len, uint32_t max);

/*
 * Split "HOST:PORT", "[IPV6]:PORT", "HOST" or "[IPV6]" into host and port;
 * a missing port becomes RPC_DEFAULT_PORT. Fails with RPC_ERR_ADDRESS and a
 * message naming the problem when the string is empty, the port is not a
 * number from 1 to 65535, or an IPv6 literal lacks its brackets.
 */
__attribute__((warn_unused_result))
bool rpc_addr_parse(const char *addr, char host[RPC_HOST_MAX], char port[RPC_PORT_MAX],
		    RpcError *err);

/*
 * Write all len bytes of buf to the socket fd, waiting for it to become
 * writable as needed, until deadline_ms (rpc_now_ms() scale). Never raises
 * SIGPIPE. Fails with RPC_ERR_TIMEOUT or RPC_ERR_CLOSED.
 */
__attribute__((warn_unused_result))
bool rpc_write_all(int fd, const void *buf, size_t len, int64_t deadline_ms,
		   RpcError *err);

/*
 * Read one frame from fd before deadline_ms. The length is checked against
 * 1..max_len before anything is allocated; a length outside it is
 * RPC_ERR_PROTOCOL and nothing more should be read from fd. On success
 * *body is a malloc'd buffer of *body_len bytes owned by the caller.
 * End of file before or inside a frame is RPC_ERR_CLOSED. Works on
 * blocking and non-blocking descriptors.
 */
__attribute__((warn_unused_result))
bool rpc_read_frame(int fd, uint32_t max_len, int64_t deadline_ms, uint8_t **body,
		    uint32_t *body_len, RpcError *err);

/*
 * Connect to addr (see rpc_addr_parse) and open a session: send Hello with
 * this client's protocol version, token (may be empty) and name, and wait
 * for the HelloReply. timeout_ms bounds connecting plus the Hello, and later
 * each rpc_call(). On success *out is a session owned by the caller (free it
 * with rpc_session_free()). On failure *out is NULL and err says why; a
 * refused Hello is RPC_ERR_STATUS with the server's code.
 */
__attribute__((warn_unused_result))
bool rpc_open(const char *addr, const char *token, int timeout_ms, RpcSession **out,
	      RpcError *err);

/*
 * Connect to addr like rpc_open(), but send no Hello: for the requests
 * that may come first on a connection instead of one (RedeemInvite). The
 * result is used with rpc_call() like a session, but the server treats it
 * as unauthenticated, and rpc_session_hello() returns NULL for it.
 */
__attribute__((warn_unused_result))
bool rpc_connect(const char *addr, int timeout_ms, RpcSession **out, RpcError *err);

/*
 * Send req and wait for its Response. Sets req->id (ids count up from 1 on
 * each session); the caller fills in the body. On success *resp is the
 * Response with status OK, owned by the caller (rpc_response_free()).
 * A non-OK answer is RPC_ERR_STATUS with *resp NULL; the session stays
 * usable. A Response with id 0 and an error status (the server closing the
 * connection on its own) is RPC_ERR_SERVER_CLOSED; one with id 0 and an OK
 * status is skipped. After a timeout, a broken connection or a protocol
 * error the session is unusable and every later call fails the same way.
 */
__attribute__((warn_unused_result))
bool rpc_call(RpcSession *s, Triad__V1__Request *req, Triad__V1__Response **resp,
	      RpcError *err);

/*
 * Waits until deadline_ms for the next Response with id on s: a
 * subscription's events carry the id of its SubscribeRequest
 * (stream.proto). An error status is RPC_ERR_STATUS with *resp NULL, as in
 * rpc_call().
 */
__attribute__((warn_unused_result))
bool rpc_next(RpcSession *s, uint64_t id, int64_t deadline_ms, Triad__V1__Response **resp,
	      RpcError *err);

/*
 * How later sessions connect. By default they speak TLS and check the
 * server's certificate against the system's CAs, or the PEM file TRIAD_CA
 * names, and its name against the host in the address. rpc_set_ca()
 * overrides TRIAD_CA (NULL: back to it); rpc_set_insecure() checks nothing
 * (for tests only); rpc_set_plain() (or TRIAD_PLAIN=1) speaks plain TCP, for
 * a server configured with tls = off on loopback.
 */
void rpc_set_plain(bool on);
void rpc_set_insecure(bool on);
void rpc_set_ca(const char *path);

/*
 * The certificate chain and key (PEM files) later sessions present in the
 * TLS handshake, for a machine bound to its certificate; NULL for none, and
 * then TRIAD_CERT and TRIAD_KEY.
 */
void rpc_set_client_cert(const char *cert, const char *key);

/* Free a Response from rpc_call(). NULL is a no-op. */
void rpc_response_free(Triad__V1__Response *resp);

/* The server's HelloReply, owned by the session; NULL after rpc_connect(). */
const Triad__V1__HelloReply *rpc_session_hello(const RpcSession *s);

/* The address the session was opened with; owned by the session. */
const char *rpc_session_addr(const RpcSession *s);

/* Close the connection and free the session. NULL is a no-op. */
void rpc_session_free(RpcSession *s);

/* The name of a status code without its prefix, such as "UNAVAILABLE". */
const char *rpc_code_name(Triad__V1__Code code);

#endif
