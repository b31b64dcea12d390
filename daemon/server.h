/*
 * server.h: the state of one running triadd.
 *
 * There is one Server per process. It owns the event loop, the settings, the
 * listener, the client connections and the database pool; everything else
 * reaches them through it.
 */
#ifndef TRIAD_SERVER_H
#define TRIAD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "auth.h"
#include "config.h"
#include "frame.h"

struct evhttp;

typedef struct Conn Conn;
typedef struct Pool Pool;
typedef struct AddrCount AddrCount;
typedef struct Mailer Mailer;

/* Counters a person or a scraper reads to see what the daemon is doing. */
typedef struct Stats {
	uint64_t conns_accepted;
	uint64_t conns_rejected;     /* refused at any connection limit */
	uint64_t conns_rejected_unauthenticated; /* of those: at max_unauthenticated or
						    max_unauthenticated_per_address */
	uint64_t requests;
	uint64_t responses_error;
	uint64_t frames_refused;     /* oversized, empty, undecodable or over the decoding
					limits (frame.h) */
	uint64_t frame_timeouts;     /* connections closed for a frame slower than
					frame_timeout_ms */
	uint64_t tls_handshakes;     /* TLS handshakes finished */
	uint64_t tls_failures;       /* TLS handshakes that failed */
	uint64_t writes_direct;      /* writes of answers by the connection itself (conn.c) */
	uint64_t writes_blocked;     /* tries that found the socket full: the bufferevent went on */
	uint64_t partial_evictions;  /* connections closed to keep partial frames within
					partial_frames_max_bytes */
	uint64_t credential_checks;  /* jobs of token sessions that check the token and
					grants in the database (not the cheap begin) */
} Stats;

typedef struct ConnTable {
	Conn **slots;          /* slot -> live connection, or NULL */
	uint32_t *gens;        /* generation of each slot, bumped on free */
	uint32_t *free_slots;  /* stack of unused slot numbers */
	uint32_t nfree;
	uint32_t cap;
	uint32_t live;         /* connections accepted and not closed: the three below */
	uint32_t sessions;     /* signed in: these count against max_connections */
	uint32_t hellos;       /* a Hello being answered holds one of max_connections too */
	uint32_t unauthenticated;  /* no session yet: max_unauthenticated */
	AddrCount **by_addr;   /* unauthenticated connections per address: hash chains */
	uint32_t rejecting;    /* over-limit connections being told so */
	uint64_t next_serial;  /* for log lines: conn=<serial> */
	/* Partial frames: their bytes held in all (partial_frames_max_bytes), and
	 * the connections that hold one, oldest frame first (eviction scans it
	 * for the slowest). */
	uint64_t partial_bytes;
	Conn *partial_oldest;
	Conn *partial_newest;
} ConnTable;

typedef struct Server {
	struct event_base *base;
	Config cfg;
	struct evconnlistener *listener;
	char bound[64];                /* the address really bound, e.g. after port 0 */
	struct event *accept_resume;   /* re-enables accepting after EMFILE */
	struct evhttp *http;           /* the operations port (http.c), or NULL; owned */
	char http_bound[64];           /* its address really bound */
	struct Ooapi *ooapi;           /* the standards port (ooapi.c), or NULL; owned */
	char ooapi_bound[64];          /* its address really bound */
	Pool *pool;
	ConnTable conns;
	Conn *graveyard;           /* closed connections freed at the end of the loop iteration */
	struct event *reaper;      /* fires once per iteration when the graveyard is not empty */
	Conn *flush_head;          /* connections with answers to write in this pass */
	/* The answers to the batch of frames one connection is taking
	 * (conn_process()), added to its output when the batch ends. */
	Conn *stage_conn;
	FrameStage stage;
	struct event *flusher;     /* fires once per pass while flush_head is set */
	bool draining;             /* SIGTERM seen: no new connections; each one goes once
				      nothing is owed either way (see server_drain) */
	bool drain_expired;        /* the drain timeout passed: answering what is left */
	struct event *drain_timer;
	Stats stats;
	AuthLimiter limiter;       /* failed sign-ins per source address */
	AuthLimiter code_limiter;  /* e-mail sign-in codes asked for per source address */
	Mailer *mailer;            /* the notification outbox's sender (mailer.h); owned */
	struct Stream *stream;     /* event stream subscriptions (stream.h); owned */
	struct Webhooks *webhooks; /* the webhooks' sender (webhook.h); owned */
	struct Badges *badges;     /* certificates' master key and published keys (badges.h);
				      owned */
	struct ssl_ctx_st *tls_ctx; /* new connections' TLS context (tls.h), NULL with tls =
				      off; owned, each connection holds a reference */
} Server;

/*
 * Creates the server for cfg: the loop, the pool (connecting in the
 * background), the listener, the operations port and the outbox's sender.
 * On failure returns NULL with err set.
 */
Server *server_new(const Config *cfg, char err[256]);

/* Runs the loop until a drain finishes. Returns the process exit code. */
int server_run(Server *srv);

/*
 * Begins a graceful stop: no new connections; requests already received
 * are answered; each connection closes once it has nothing owed; the loop
 * ends when all are gone or drain_timeout_ms has passed.
 */
void server_drain(Server *srv);

/*
 * Applies new settings (already validated): reloadable ones take effect at
 * once, including on open connections; the others are logged as needing a
 * restart.
 */
void server_reload(Server *srv, const Config *next);

void server_free(Server *srv);

#endif
