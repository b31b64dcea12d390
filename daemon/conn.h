/*
 * conn.h: one client connection.
 *
 * A connection reads frames, hands each decoded Request to the dispatcher
 * and writes the Responses back in whatever order they finish. It enforces
 * the per-connection limits: frame size (a small one until the session is
 * open), the cost of decoding a frame (frame_scan()), requests in flight,
 * output buffered, time to send the Hello, time for one frame to arrive
 * from its first byte, and idle time between frames.
 *
 * And the limits across connections: max_connections counts signed-in
 * sessions only; connections still without a session have their own limits,
 * in total and per address, so that they cannot take the seats of clients
 * that sign in; partial frames share one memory budget, and past it the
 * connection whose partial frame arrives the slowest is closed first.
 *
 * Anything that outlives a callback (a database job, a timer) refers to a
 * connection by ConnRef, never by pointer: the client may have gone, and
 * conn_lookup() then returns NULL.
 */
#ifndef TRIAD_CONN_H
#define TRIAD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth.h"
#include "server.h"
#include "triad/v1/envelope.pb-c.h"

typedef struct ConnRef {
	uint32_t slot;
	uint32_t gen;
} ConnRef;

/* Which limit a connection counts against. */
typedef enum ConnSeat {
	CONN_SEAT_NONE,     /* being told it is over a limit; counts as rejecting */
	CONN_SEAT_UNAUTH,   /* no session yet: max_unauthenticated(_per_address) */
	CONN_SEAT_SESSION,  /* signed in: max_connections */
} ConnSeat;

typedef enum ConnState {
	CONN_ST_HELLO,    /* waiting for the Hello */
	CONN_ST_READY,    /* session open */
	CONN_ST_CLOSING,  /* flushing a last answer, then closing */
	CONN_ST_CLOSED,   /* in the graveyard */
} ConnState;

struct Conn {
	Server *srv;
	ConnRef ref;
	uint64_t serial;              /* shown in logs */
	ConnState state;
	struct bufferevent *bev;      /* owned; freed with the connection */
	struct event *timer;          /* owned; hello, idle or linger deadline */
	struct event *frame_timer;    /* owned; deadline of the partial frame at the front */
	ConnSeat seat;
	bool hello_seat;              /* holds a seat of max_connections while its Hello
					 is answered */
	uint32_t in_flight;           /* requests dispatched and not yet answered */
	bool hello_pending;           /* a Hello is being answered: read nothing more */
	bool processing;              /* inside conn_process(): do not re-enter */
	bool proxy_pending;           /* a PROXY header must come first (proxy.c) */
	bool tls;                     /* the bufferevent is a TLS one */
	bool tls_handshaking;         /* its handshake has not finished yet */
	bool tls_after_proxy;         /* TLS starts once the PROXY header is read */
	/* Plain TCP writes its answers itself (conn.c, "Writing answers"):
	 * flush_queued: on the server's list for this pass of the loop;
	 * blocked: the socket was full, the bufferevent writes until it drains. */
	bool flush_queued;
	bool blocked;
	Conn *flush_prev;
	Conn *flush_next;
	char client_cert_sha256[65];  /* the certificate the client presented, hex;
					 "" for none */
	bool streaming;               /* holds a subscription (stream.h): not idle
					 while it waits for events */
	uint64_t active_us;           /* when its last frames were taken: the idle
					 timer, armed once, checks this when it fires */
	char peer[64];                /* address:port, for logs */
	char peer_ip[48];             /* address, for the sign-in limiter */
	char client_name[129];
	Principal *principal;         /* a reference, set by a successful Hello */
	/* The partial frame at the front of the input, if any: when its first
	 * byte was seen (0: none), its bytes held (counted in
	 * ConnTable.partial_bytes), and the links of ConnTable's list. */
	uint64_t frame_started_us;
	size_t partial_bytes;
	Conn *partial_prev;
	Conn *partial_next;
	Conn *next_dead;              /* graveyard link */
};

/* Sets up the connection table. Returns false when memory runs out. */
__attribute__((warn_unused_result))
bool conn_table_init(ConnTable *t, uint32_t cap);
void conn_table_free(ConnTable *t);

/*
 * Takes ownership of an accepted socket. When the sessions fill
 * max_connections, or connections without a session fill
 * max_unauthenticated or, from this address, max_unauthenticated_per_address,
 * the client is sent RESOURCE_EXHAUSTED and closed; otherwise it must send a
 * Hello within hello_timeout_ms.
 */
void conn_accept(Server *srv, evutil_socket_t fd, const struct sockaddr *addr, int addrlen);

/* Writes the answers queued on plain TCP connections during this pass of
 * the loop (the server's flusher event). */
void conn_flush_all(Server *srv);

/* The live connection ref points to, or NULL if it has gone. */
Conn *conn_lookup(Server *srv, ConnRef ref);

/*
 * Queues resp on the connection that sent request and counts the request
 * as answered. Does nothing if the connection has gone. Reading resumes
 * when the in-flight and output limits allow it.
 */
void conn_send_answer(Server *srv, ConnRef ref, const Triad__V1__Response *resp);

/*
 * Queues resp, unprompted by a request of its own (an event of a
 * subscription, stream.h), on a connection with an open session. False
 * when the connection has gone or is closing.
 */
bool conn_send_stream(Server *srv, ConnRef ref, const Triad__V1__Response *resp);

/*
 * Marks a successful Hello: the session is open as principal (a reference
 * is taken) and the idle timer runs.
 */
void conn_open_session(Conn *c, const char *client_name, Principal *principal);

/* A Hello failed: reading may go on (the caller closes the connection). */
void conn_hello_failed(Conn *c);

/* Applies the current settings to an open connection (after a reload). */
void conn_apply_limits(Conn *c);

/*
 * Closes c at once, with nothing more written: for a peer that can be told
 * nothing (before its TLS handshake). why goes to the log. Safe inside c's
 * own callbacks: the freeing is left to the reaper.
 */
void conn_close_now(Conn *c, const char *why);

/*
 * Sends an unprompted error (id 0) and closes the connection once it has
 * been written. Nothing more is read from the connection.
 */
void conn_fail(Conn *c, Triad__V1__Code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Stops reading from c and closes it once every answer still owed has been
 * written, bounded by a timer.
 */
void conn_close_after_flush(Conn *c);

/* Closes c at once, dropping anything unsent (used when stopping). */
void conn_abort(Conn *c);

/* Starts the graceful shutdown of every connection (see server drain). */
void conn_drain_all(Server *srv);

/* Frees every connection in the graveyard. Called by the reaper event. */
void conn_reap(Server *srv);

/*
 * Names the peer of c anew (a PROXY header told who is behind the balancer),
 * keeping the count of connections without a session per address right.
 * False when that address already has max_unauthenticated_per_address of
 * them, or memory runs out; the caller then refuses the connection.
 */
__attribute__((warn_unused_result))
bool conn_set_peer(Conn *c, const char *peer, const char *peer_ip);

#endif
