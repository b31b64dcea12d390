/*
 * conn.c: client connections: reading frames, writing answers, limits,
 * timers and a close that never loses the last answer.
 *
 * Closing a TCP connection while unread bytes sit in its receive queue makes
 * the kernel send a reset, and a reset can destroy the error answer the
 * client has not read yet. So a connection that must go first flushes its
 * output, then shuts down its sending side, then discards whatever the peer
 * still sends until the peer closes or a short linger timer runs out.
 */
#include "conn.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "arena.h"
#include "clock.h"
#include "dispatch.h"
#include "frame.h"
#include "log.h"
#include "proxy.h"
#include "stream.h"
#include "tls.h"

/* Over-limit connections kept just long enough to be told why. */
#define REJECT_MAX 64
/* How long a closing connection waits for its peer to go. */
#define LINGER_MS 2000
/* Hash chains of the per-address count of connections without a session. */
#define ADDR_BUCKETS 1024
/* The block the decoding arena keeps between frames: a few hundred requests
 * of the usual size. */
#define DECODE_BLOCK_BYTES (64 * 1024)

/*
 * Requests are unpacked into one arena for all connections. A Request lives
 * only while dispatch_request() runs (a handler copies what it keeps), so
 * a frame's memory is released as soon as it has been dispatched: no
 * connection holds any between frames, and decoding a frame costs no
 * malloc or free per field. Its limit follows the frame's (frame.h,
 * frame_unpack_max_bytes()).
 */
static Arena decode_arena;
static bool decode_arena_ready;

/* Connections without a session from one address (ConnTable.by_addr). */
struct AddrCount {
	AddrCount *next;
	uint32_t n;
	char ip[48];
};

static void conn_process(Conn *c);
static void partial_clear(Conn *c);

bool
conn_table_init(ConnTable *t, uint32_t cap)
{
	memset(t, 0, sizeof *t);
	t->slots = calloc(cap, sizeof *t->slots);
	t->gens = calloc(cap, sizeof *t->gens);
	t->free_slots = malloc(cap * sizeof *t->free_slots);
	t->by_addr = calloc(ADDR_BUCKETS, sizeof *t->by_addr);
	if (t->slots == NULL || t->gens == NULL || t->free_slots == NULL || t->by_addr == NULL) {
		conn_table_free(t);
		return false;
	}
	t->cap = cap;
	/* Hand out low slot numbers first. */
	for (uint32_t i = 0; i < cap; i++)
		t->free_slots[i] = cap - 1 - i;
	t->nfree = cap;
	t->next_serial = 1;
	return true;
}

void
conn_table_free(ConnTable *t)
{
	free(t->slots);
	free(t->gens);
	free(t->free_slots);
	if (t->by_addr != NULL) {
		for (size_t i = 0; i < ADDR_BUCKETS; i++) {
			while (t->by_addr[i] != NULL) {
				AddrCount *a = t->by_addr[i];
				t->by_addr[i] = a->next;
				free(a);
			}
		}
	}
	free(t->by_addr);
	memset(t, 0, sizeof *t);
}

static AddrCount **
addr_slot(ConnTable *t, const char *ip)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (const char *p = ip; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	AddrCount **pp = &t->by_addr[h % ADDR_BUCKETS];
	while (*pp != NULL && strcmp((*pp)->ip, ip) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* Connections without a session from ip now. */
static uint32_t
addr_count(ConnTable *t, const char *ip)
{
	AddrCount *a = *addr_slot(t, ip);
	return a != NULL ? a->n : 0;
}

/* Counts one more from ip; false when memory runs out. */
static bool
addr_add(ConnTable *t, const char *ip)
{
	AddrCount **pp = addr_slot(t, ip);
	if (*pp == NULL) {
		AddrCount *a = calloc(1, sizeof *a);
		if (a == NULL)
			return false;
		snprintf(a->ip, sizeof a->ip, "%s", ip);
		*pp = a;
	}
	(*pp)->n++;
	return true;
}

static void
addr_remove(ConnTable *t, const char *ip)
{
	AddrCount **pp = addr_slot(t, ip);
	AddrCount *a = *pp;
	assert(a != NULL && a->n > 0);
	if (--a->n == 0) {
		*pp = a->next;
		free(a);
	}
}

/* Doubles the table. Existing refs stay valid because slots keep their numbers. */
static bool
conn_table_grow(ConnTable *t)
{
	uint32_t ncap = t->cap * 2;
	Conn **slots = realloc(t->slots, ncap * sizeof *slots);
	if (slots == NULL)
		return false;
	t->slots = slots;
	uint32_t *gens = realloc(t->gens, ncap * sizeof *gens);
	if (gens == NULL)
		return false;
	t->gens = gens;
	uint32_t *fs = realloc(t->free_slots, ncap * sizeof *fs);
	if (fs == NULL)
		return false;
	t->free_slots = fs;
	for (uint32_t i = t->cap; i < ncap; i++) {
		t->slots[i] = NULL;
		t->gens[i] = 0;
	}
	for (uint32_t i = ncap; i > t->cap; i--)
		t->free_slots[t->nfree++] = i - 1;
	t->cap = ncap;
	return true;
}

Conn *
conn_lookup(Server *srv, ConnRef ref)
{
	ConnTable *t = &srv->conns;
	if (ref.slot >= t->cap || t->gens[ref.slot] != ref.gen)
		return NULL;
	return t->slots[ref.slot];
}

static void
format_peer(const struct sockaddr *addr, char peer[64], char peer_ip[48])
{
	char host[INET6_ADDRSTRLEN] = "unix";
	int port = 0;

	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
		snprintf(peer, 64, "%s:%d", host, port);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
		snprintf(peer, 64, "[%s]:%d", host, port);
	} else {
		snprintf(peer, 64, "unix");
	}
	snprintf(peer_ip, 48, "%s", host);
}

/* The largest frame body c may send now: a small one until its session is open. */
static uint32_t
conn_frame_limit(const Conn *c)
{
	uint32_t max = (uint32_t)c->srv->cfg.max_frame_bytes;
	if (c->state == CONN_ST_HELLO && max > FRAME_PRESESSION_MAX_BYTES)
		return FRAME_PRESESSION_MAX_BYTES;
	return max;
}

void
conn_apply_limits(Conn *c)
{
	/* Never buffer more input than one frame of the largest size c may send. */
	if (c->state == CONN_ST_HELLO || c->state == CONN_ST_READY)
		bufferevent_setwatermark(c->bev, EV_READ, 0,
					 (size_t)conn_frame_limit(c) + FRAME_HEADER_BYTES);
}

static void
timer_arm(Conn *c, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	event_add(c->timer, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	Conn *c = arg;
	const Config *cfg = &c->srv->cfg;

	switch (c->state) {
	case CONN_ST_HELLO:
		if (c->tls_handshaking) {
			/* No TLS yet, so no way to send the client an answer. */
			c->srv->stats.tls_failures++;
			log_info("tls_handshake_timeout", "conn=%" PRIu64 " peer=%s ms=%d",
				 c->serial, c->peer, cfg->hello_timeout_ms);
			conn_close_now(c, "tls_handshake_timeout");
			return;
		}
		if (c->hello_pending) {
			timer_arm(c, cfg->hello_timeout_ms);
			return;
		}
		conn_fail(c, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED,
			  "no Hello within %d ms; closing", cfg->hello_timeout_ms);
		return;
	case CONN_ST_READY: {
		/* Idle means between frames with nothing owed: within a frame
		 * the frame's own deadline applies. */
		if (c->in_flight > 0 || c->frame_started_us != 0 || c->streaming) {
			timer_arm(c, cfg->idle_timeout_ms);
			return;
		}
		/* Frames taken since the timer was armed moved the deadline on
		 * (conn_process() only notes the time): wait for the rest. */
		uint64_t idle_ms = (now_us() - c->active_us) / 1000;
		if (idle_ms < (uint64_t)cfg->idle_timeout_ms) {
			timer_arm(c, cfg->idle_timeout_ms - (int)idle_ms);
			return;
		}
		if (cfg->idle_timeout_ms % 1000 == 0)
			conn_fail(c, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED,
				  "idle for %d s; closing", cfg->idle_timeout_ms / 1000);
		else
			conn_fail(c, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED,
				  "idle for %d ms; closing", cfg->idle_timeout_ms);
		return;
	}
	case CONN_ST_CLOSING:
		conn_close_now(c, "linger_timeout");
		return;
	case CONN_ST_CLOSED:
		return;
	}
}

/* True when the connection must not take on another request right now. */
static bool
conn_busy(const Conn *c)
{
	const Config *cfg = &c->srv->cfg;
	/* Past the drain timeout nothing new is started: what is in flight is
	 * being answered, and the connection closes after. */
	size_t staged = c->srv->stage_conn == c ? c->srv->stage.len : 0;
	return c->hello_pending || c->srv->drain_expired ||
	       c->in_flight >= (uint32_t)cfg->max_in_flight ||
	       evbuffer_get_length(bufferevent_get_output(c->bev)) + staged >=
		       (size_t)cfg->max_output_bytes;
}

/*
 * A frame began more than frame_timeout_ms ago and has not ended. While the
 * daemon itself has stopped reading (conn_busy) the peer is not to blame,
 * and the frame gets another full period.
 */
static void
on_frame_timer(evutil_socket_t fd, short what, void *arg)
{
	Conn *c = arg;
	const Config *cfg = &c->srv->cfg;

	if ((c->state != CONN_ST_HELLO && c->state != CONN_ST_READY) || c->frame_started_us == 0)
		return;
	if (conn_busy(c)) {
		struct timeval tv = {cfg->frame_timeout_ms / 1000, (cfg->frame_timeout_ms % 1000) * 1000};
		event_add(c->frame_timer, &tv);
		return;
	}
	c->srv->stats.frame_timeouts++;
	log_info("frame_timeout", "conn=%" PRIu64 " peer=%s bytes=%zu ms=%d", c->serial, c->peer,
		 c->partial_bytes, cfg->frame_timeout_ms);
	conn_fail(c, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED,
		  "a frame must arrive within %d ms of its first byte; closing",
		  cfg->frame_timeout_ms);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	Conn *c = arg;

	if (c->state == CONN_ST_CLOSING) {
		struct evbuffer *in = bufferevent_get_input(bev);
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	conn_process(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	Conn *c = arg;

	/* A plain connection's bufferevent wrote what a full socket held
	 * back: the connection writes for itself again. */
	if (c->blocked && c->state != CONN_ST_CLOSING) {
		c->blocked = false;
		bufferevent_disable(bev, EV_WRITE);
	}
	if (c->state == CONN_ST_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) > 0 || c->in_flight > 0)
			return;
		/* Everything is written: tell the peer (close_notify first, over
		 * TLS), then wait for it to go. */
		if (c->tls && !c->tls_handshaking) {
			SSL *ssl = bufferevent_openssl_get_ssl(bev);
			if (ssl != NULL && SSL_is_init_finished(ssl) && SSL_shutdown(ssl) < 0)
				ERR_clear_error();
		}
		shutdown(bufferevent_getfd(bev), SHUT_WR);
		bufferevent_enable(bev, EV_READ);
		timer_arm(c, LINGER_MS);
		return;
	}
	/* A subscription paused for the output to drain reads on. */
	if (c->streaming)
		stream_writable(c->srv->stream, c->ref);
	conn_process(c);
}

/*
 * Writing answers. libevent's socket bufferevent, given an answer, watches
 * the socket for writability (an epoll_ctl), writes on the next pass of
 * the loop, and stops watching (another epoll_ctl). A plain TCP connection
 * instead writes its answers itself, once per pass, after the callbacks
 * that queued them (the server's flusher event, activated by the first
 * answer of the pass): one write for all of them and no system call
 * besides. Only when the socket is full does its bufferevent watch it and
 * write the rest; on_write() then hands back. While closing, the
 * bufferevent writes the goodbye as for any connection. TLS connections
 * always write through their bufferevent.
 */
static void
flush_unlink(Conn *c)
{
	Server *srv = c->srv;
	if (c->flush_prev != NULL)
		c->flush_prev->flush_next = c->flush_next;
	else
		srv->flush_head = c->flush_next;
	if (c->flush_next != NULL)
		c->flush_next->flush_prev = c->flush_prev;
	c->flush_prev = c->flush_next = NULL;
	c->flush_queued = false;
}

static void
on_output(struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
	Conn *c = arg;
	Server *srv = c->srv;
	(void)out;
	if (info->n_added == 0 || c->flush_queued || c->blocked || c->state >= CONN_ST_CLOSING)
		return;
	c->flush_queued = true;
	c->flush_prev = NULL;
	c->flush_next = srv->flush_head;
	if (srv->flush_head != NULL)
		srv->flush_head->flush_prev = c;
	else
		event_active(srv->flusher, EV_TIMEOUT, 0);
	srv->flush_head = c;
}

/* Writes what c has queued, as far as the socket takes it. */
static void
flush_one(Conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (c->state >= CONN_ST_CLOSING || c->blocked || evbuffer_get_length(out) == 0)
		return;
	/* The bufferevent keeps its output's start frozen but for its own
	 * writes (bufferevent_sock.c): so does this one. */
	evbuffer_unfreeze(out, 1);
	int n = evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	if (n > 0)
		c->srv->stats.writes_direct++;
	if (n < 0 || evbuffer_get_length(out) > 0) {
		/* Full (or failed): the bufferevent writes the rest once it
		 * can, or reports the error to on_event(). */
		c->srv->stats.writes_blocked++;
		c->blocked = true;
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	/* All out: what the bufferevent would say once it had written it. */
	on_write(c->bev, c);
}

void
conn_flush_all(Server *srv)
{
	/* Answers queued meanwhile (on_write() reads on) join the list and
	 * are written in this pass too. */
	Conn *c;
	while ((c = srv->flush_head) != NULL) {
		flush_unlink(c);
		flush_one(c);
	}
}

static void
on_event(struct bufferevent *bev, short events, void *arg)
{
	Conn *c = arg;

	if (events & BEV_EVENT_CONNECTED) {
		/* The TLS handshake is done; the Hello may come now. */
		c->tls_handshaking = false;
		tls_peer_fingerprint(bufferevent_openssl_get_ssl(bev), c->client_cert_sha256);
		c->srv->stats.tls_handshakes++;
		return;
	}
	if (events & BEV_EVENT_ERROR) {
		if (c->tls_handshaking) {
			char why[160] = "connection lost", q[200];
			unsigned long e = bufferevent_get_openssl_error(bev);
			if (e != 0)
				ERR_error_string_n(e, why, sizeof why);
			ERR_clear_error();
			c->srv->stats.tls_failures++;
			log_info("tls_handshake_failed", "conn=%" PRIu64 " peer=%s error=%s",
				 c->serial, c->peer, log_quote(q, sizeof q, why));
			conn_close_now(c, "tls_handshake_failed");
			return;
		}
		ERR_clear_error();
		conn_close_now(c, "socket_error");
		return;
	}
	if (events & BEV_EVENT_EOF) {
		if (c->state == CONN_ST_CLOSING || c->in_flight == 0) {
			conn_close_now(c, "peer_closed");
			return;
		}
		/*
		 * The peer closed its sending side with requests outstanding:
		 * it may still read, so answer them and then close.
		 */
		conn_close_after_flush(c);
	}
}

/*
 * Which limit, if any, a new connection from peer_ip would break: the
 * sessions (and Hellos being answered) fill max_connections, or the
 * connections without a session fill their own limits.
 */
static const char *
accept_refusal(Server *srv, const char *peer_ip)
{
	ConnTable *t = &srv->conns;
	const Config *cfg = &srv->cfg;

	if (t->sessions + t->hellos >= (uint32_t)cfg->max_connections)
		return "max_connections";
	if (t->unauthenticated >= (uint32_t)cfg->max_unauthenticated)
		return "max_unauthenticated";
	if (addr_count(t, peer_ip) >= (uint32_t)cfg->max_unauthenticated_per_address)
		return "max_unauthenticated_per_address";
	return NULL;
}

void
conn_accept(Server *srv, evutil_socket_t fd, const struct sockaddr *addr, int addrlen)
{
	ConnTable *t = &srv->conns;
	const Config *cfg = &srv->cfg;
	char peer[64], peer_ip[48];

	(void)addrlen;
	format_peer(addr, peer, peer_ip);
	const char *over = accept_refusal(srv, peer_ip);
	if (over != NULL && t->rejecting >= REJECT_MAX) {
		srv->stats.conns_rejected++;
		if (strcmp(over, "max_connections") != 0)
			srv->stats.conns_rejected_unauthenticated++;
		evutil_closesocket(fd);
		return;
	}
	if (t->nfree == 0 && !conn_table_grow(t)) {
		evutil_closesocket(fd);
		return;
	}
	Conn *c = calloc(1, sizeof *c);
	if (c == NULL || (over == NULL && !addr_add(t, peer_ip))) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	if (srv->tls_ctx != NULL && !cfg->proxy_protocol) {
		/* The handshake runs within the hello timeout armed below. */
		SSL *ssl = SSL_new(srv->tls_ctx);
		if (ssl != NULL) {
			c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
								BUFFEREVENT_SSL_ACCEPTING,
								BEV_OPT_CLOSE_ON_FREE);
			if (c->bev == NULL)
				SSL_free(ssl);
		}
		if (c->bev != NULL) {
			/* A peer that just closes the socket is gone, not an error. */
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
			c->tls = true;
			c->tls_handshaking = true;
		}
	} else {
		/* With proxy_protocol, the balancer's header comes in clear before
		 * the TLS handshake (conn_start_tls()); both within the hello
		 * timeout. */
		c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
		c->tls_after_proxy = srv->tls_ctx != NULL;
		c->tls_handshaking = c->tls_after_proxy;
	}
	c->timer = evtimer_new(srv->base, on_timer, c);
	c->frame_timer = evtimer_new(srv->base, on_frame_timer, c);
	if (c->bev == NULL || c->timer == NULL || c->frame_timer == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->frame_timer != NULL)
			event_free(c->frame_timer);
		if (over == NULL)
			addr_remove(t, peer_ip);
		free(c);
		return;
	}
	uint32_t slot = t->free_slots[--t->nfree];
	t->slots[slot] = c;
	c->srv = srv;
	c->ref = (ConnRef){slot, t->gens[slot]};
	c->serial = t->next_serial++;
	c->state = CONN_ST_HELLO;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	snprintf(c->peer_ip, sizeof c->peer_ip, "%s", peer_ip);
	c->proxy_pending = srv->cfg.proxy_protocol;

	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	conn_apply_limits(c);
	bool direct = !c->tls && !c->tls_after_proxy &&
		      evbuffer_add_cb(bufferevent_get_output(c->bev), on_output, c) != NULL;
	if (direct)
		bufferevent_disable(c->bev, EV_WRITE);   /* enabled from the start */

	if (over != NULL) {
		c->seat = CONN_SEAT_NONE;
		t->rejecting++;
		srv->stats.conns_rejected++;
		if (strcmp(over, "max_connections") == 0) {
			log_info("conn_rejected", "peer=%s reason=max_connections limit=%d",
				 c->peer, cfg->max_connections);
			conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
				  "the server has reached its connection limit (%d); try again later",
				  cfg->max_connections);
		} else if (strcmp(over, "max_unauthenticated") == 0) {
			srv->stats.conns_rejected_unauthenticated++;
			log_info("conn_rejected", "peer=%s reason=max_unauthenticated limit=%d",
				 c->peer, cfg->max_unauthenticated);
			conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
				  "too many connections are waiting to sign in (%d); try again later",
				  cfg->max_unauthenticated);
		} else {
			srv->stats.conns_rejected_unauthenticated++;
			log_info("conn_rejected",
				 "peer=%s reason=max_unauthenticated_per_address limit=%d", c->peer,
				 cfg->max_unauthenticated_per_address);
			conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
				  "too many connections without a session from your address (%d); "
				  "sign in on the ones you have, or close them",
				  cfg->max_unauthenticated_per_address);
		}
		return;
	}
	c->seat = CONN_SEAT_UNAUTH;
	t->unauthenticated++;
	t->live++;
	srv->stats.conns_accepted++;
	log_debug("conn_open", "conn=%" PRIu64 " peer=%s", c->serial, c->peer);
	bufferevent_enable(c->bev, direct ? EV_READ : EV_READ | EV_WRITE);
	timer_arm(c, cfg->hello_timeout_ms);
}

/*
 * During a drain a connection may go once nothing is owed either way: no
 * answer pending, no whole frame buffered, and nothing left unread in the
 * socket.
 */
static bool
conn_quiescent(Conn *c)
{
	int unread = 0;
	if (c->in_flight > 0 || evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		return false;
	if (ioctl(bufferevent_getfd(c->bev), FIONREAD, &unread) == 0 && unread > 0)
		return false;
	return true;
}

/*
 * Answers to the frames of one batch (conn_process()) are packed into the
 * server's stage and added to the output once, when the batch ends: each
 * addition to an evbuffer runs its callbacks. At most STAGE_MAX_BYTES are
 * staged; a larger answer goes after what was staged, straight to the
 * output.
 */
#define STAGE_MAX_BYTES 65536

/* Adds what is staged for c to its output. False when memory ran out. */
static bool
stage_flush(Conn *c)
{
	Server *srv = c->srv;

	if (srv->stage_conn != c || srv->stage.len == 0)
		return true;
	int rc = evbuffer_add(bufferevent_get_output(c->bev), srv->stage.buf, srv->stage.len);
	srv->stage.len = 0;
	return rc == 0;
}

/* Queues resp on c's output (or its stage). False when memory ran out. */
static bool
conn_append(Conn *c, const Triad__V1__Response *resp)
{
	Server *srv = c->srv;

	if (srv->stage_conn == c) {
		if (frame_stage_response(&srv->stage, resp, STAGE_MAX_BYTES))
			return true;
		if (!stage_flush(c))
			return false;
	}
	return frame_append_response(bufferevent_get_output(c->bev), resp);
}

/*
 * Queues an error Response with request id (0 when the id is unknown) on c.
 * Returns false, having closed c, when memory runs out.
 */
static bool
conn_answer_error(Conn *c, uint64_t id, Triad__V1__Code code, const char *field,
		  const char *msg)
{
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;

	st.code = code;
	st.message = (char *)msg;
	st.field = (char *)(field != NULL ? field : "");
	resp.id = id;
	resp.status = &st;
	if (!conn_append(c, &resp)) {
		conn_close_now(c, "out_of_memory");
		return false;
	}
	return true;
}

/*
 * The first byte of a partial frame has been seen: the frame counts against
 * the budget of partial frames, as the newest, and its deadline runs.
 */
static void
partial_begin(Conn *c)
{
	ConnTable *t = &c->srv->conns;
	int ms = c->srv->cfg.frame_timeout_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	assert(c->frame_started_us == 0 && c->partial_bytes == 0);
	c->frame_started_us = now_us();
	c->partial_prev = t->partial_newest;
	c->partial_next = NULL;
	if (t->partial_newest != NULL)
		t->partial_newest->partial_next = c;
	else
		t->partial_oldest = c;
	t->partial_newest = c;
	event_add(c->frame_timer, &tv);
}

/* c holds no partial frame any more (it ended, or c is closing). */
static void
partial_clear(Conn *c)
{
	ConnTable *t = &c->srv->conns;

	if (c->frame_started_us == 0)
		return;
	assert(t->partial_bytes >= c->partial_bytes);
	t->partial_bytes -= c->partial_bytes;
	c->partial_bytes = 0;
	if (c->partial_prev != NULL)
		c->partial_prev->partial_next = c->partial_next;
	else
		t->partial_oldest = c->partial_next;
	if (c->partial_next != NULL)
		c->partial_next->partial_prev = c->partial_prev;
	else
		t->partial_newest = c->partial_prev;
	c->partial_prev = c->partial_next = NULL;
	c->frame_started_us = 0;
	event_del(c->frame_timer);
}

/*
 * The connection whose partial frame arrives the slowest: the fewest bytes
 * per microsecond since its first byte (the older on a tie). A scan, but
 * only when the budget is exceeded, and over connections that each hold
 * bytes of the budget.
 */
static Conn *
partial_slowest(ConnTable *t, uint64_t now)
{
	Conn *slowest = NULL;
	uint64_t s_bytes = 0, s_age = 1;
	for (Conn *c = t->partial_oldest; c != NULL; c = c->partial_next) {
		uint64_t age = now - c->frame_started_us + 1, bytes = c->partial_bytes;
		/* bytes / age < s_bytes / s_age, without division: both
		 * products stay below 2^53 (frames < 2^31 bytes, ages < 2^22 s). */
		if (slowest == NULL || bytes * s_age < s_bytes * age) {
			slowest = c;
			s_bytes = bytes;
			s_age = age;
		}
	}
	return slowest;
}

/*
 * Keeps the bytes of partial frames, over all connections, within
 * partial_frames_max_bytes by closing the connections whose partial frames
 * arrive the slowest: a client that sends at a normal pace is never closed
 * for a dripping one.
 */
static void
partial_enforce_budget(Server *srv)
{
	ConnTable *t = &srv->conns;
	uint64_t budget = (uint64_t)srv->cfg.partial_frames_max_bytes;

	while (t->partial_bytes > budget && t->partial_oldest != NULL) {
		uint64_t now = now_us();
		Conn *v = partial_slowest(t, now);
		uint64_t age_ms = (now - v->frame_started_us) / 1000;
		srv->stats.partial_evictions++;
		log_info("partial_frame_evicted",
			 "conn=%" PRIu64 " peer=%s bytes=%zu age_ms=%" PRIu64 " held=%" PRIu64
			 " limit=%" PRIu64, v->serial, v->peer, v->partial_bytes, age_ms,
			 t->partial_bytes, budget);
		conn_fail(v, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
			  "the server holds too many partial frames and yours arrives the slowest "
			  "(%zu bytes in %" PRIu64 " ms); closing", v->partial_bytes, age_ms);
		/* Closing clears the partial frame: the loop progresses. */
		assert(v->frame_started_us == 0);
	}
}

/*
 * After c's input has been processed: the bytes left at its front, when
 * they are not a whole frame, are a partial frame, counted from the moment
 * its first byte was seen. Whole frames left waiting (c is busy) are not:
 * the read watermark bounds them.
 */
static void
partial_track(Conn *c)
{
	ConnTable *t = &c->srv->conns;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t held = evbuffer_get_length(in);
	uint32_t len = 0;

	if (c->state != CONN_ST_HELLO && c->state != CONN_ST_READY)
		return;
	if (held == 0 || frame_peek(in, conn_frame_limit(c), &len) != FRAME_INCOMPLETE) {
		partial_clear(c);
		return;
	}
	if (c->frame_started_us == 0)
		partial_begin(c);
	t->partial_bytes = t->partial_bytes - c->partial_bytes + held;
	c->partial_bytes = held;
	partial_enforce_budget(c->srv);
}

/*
 * A Hello takes a seat of max_connections from the moment it is decoded
 * until it fails or the session opens, so that Hellos answered at the same
 * time cannot open more sessions than the limit. Returns false, having
 * refused the Hello and closed c, when no seat is free.
 */
static bool
conn_take_hello_seat(Conn *c, uint64_t id)
{
	ConnTable *t = &c->srv->conns;
	int max = c->srv->cfg.max_connections;
	char msg[128];

	if (c->hello_seat)
		return true;
	if (t->sessions + t->hellos >= (uint32_t)max) {
		c->srv->stats.conns_rejected++;
		log_info("conn_rejected", "conn=%" PRIu64 " peer=%s reason=max_connections limit=%d",
			 c->serial, c->peer, max);
		snprintf(msg, sizeof msg,
			 "the server has reached its connection limit (%d); try again later", max);
		if (conn_answer_error(c, id, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, NULL, msg))
			conn_close_after_flush(c);
		return false;
	}
	c->hello_seat = true;
	t->hellos++;
	return true;
}

/*
 * Decodes the whole frame of len bytes that cur is at and dispatches it, or
 * refuses it; either way cur passes it. Decoding is bounded: frame_scan()
 * reads the wire format first and nothing is unpacked from a frame over its
 * limits. Returns false when c will read no further frame.
 */
static bool
conn_take_frame(Conn *c, FrameCursor *cur, uint32_t len, uint64_t now)
{
	const uint8_t *body = frame_cursor_body(cur, len);
	FrameScan scan;

	if (body == NULL) {
		conn_close_now(c, "out_of_memory");
		return false;
	}
	ScanStatus ss = frame_scan(body, len, &scan);
	if (ss != SCAN_OK && ss != SCAN_MALFORMED) {
		char msg[FRAME_FIELD_PATH_MAX + 200];
		frame_cursor_skip(cur, len);
		c->srv->stats.frames_refused++;
		log_info("frame_refused", "conn=%" PRIu64 " peer=%s reason=decoding_limits "
			 "status=%d field=%s values=%" PRIu32 " unknown=%" PRIu32, c->serial, c->peer,
			 (int)ss, scan.field, scan.values, scan.unknown);
		frame_scan_message(ss, &scan, msg, sizeof msg);
		/* Answered by id, as a request; only a connection without a session,
		 * or a frame whose id is unknown, is closed. */
		if (!conn_answer_error(c, scan.id, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
				       scan.field, msg))
			return false;
		if (scan.id != 0 && c->state == CONN_ST_READY)
			return true;
		conn_close_after_flush(c);
		return false;
	}

	if (!decode_arena_ready) {
		arena_init(&decode_arena, DECODE_BLOCK_BYTES, DECODE_BLOCK_BYTES);
		decode_arena_ready = true;
	}
	/* Marks nest: a frame may be decoded while another is being dispatched. */
	ArenaMark mark = arena_mark(&decode_arena);
	arena_set_max(&decode_arena, decode_arena.held + frame_unpack_max_bytes(len));
	Triad__V1__Request *req = NULL;
	DecodeStatus ds = ss == SCAN_MALFORMED ? DECODE_GARBAGE
		: frame_unpack_scanned(body, len, &scan, &decode_arena, &req);
	frame_cursor_skip(cur, len);
	if (ds != DECODE_OK) {
		bool no_memory = decode_arena.failed;
		arena_release(&decode_arena, mark);
		if (no_memory) {
			conn_close_now(c, "out_of_memory");
			return false;
		}
		c->srv->stats.frames_refused++;
		log_info("frame_refused", "conn=%" PRIu64 " peer=%s reason=%s",
			 c->serial, c->peer, ds == DECODE_GARBAGE ? "undecodable" : "zero_id");
		conn_fail(c, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "%s",
			  frame_decode_message(ds));
		return false;
	}
	if (c->state == CONN_ST_HELLO && req->body_case == TRIAD__V1__REQUEST__BODY_HELLO &&
	    !conn_take_hello_seat(c, req->id)) {
		arena_release(&decode_arena, mark);
		return false;
	}
	dispatch_request(c, req, now);
	arena_release(&decode_arena, mark);
	return true;
}

/*
 * Reading a TLS connection again, after it was paused (busy) or held at
 * its input limit: what OpenSSL has already taken from the socket and not
 * handed on (SSL_pending, or bytes in the filter's underlying buffer) does
 * not make the socket readable, so libevent would not look at it before
 * more bytes arrive, and a client that sent its last requests and waits
 * for their answers would wait until the frame timeout. Run the read
 * callback for it now (from the loop, not from here).
 */
static void
tls_read_pending(Conn *c)
{
	struct bufferevent *under = bufferevent_get_underlying(c->bev);
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	bool pending = (ssl != NULL && SSL_pending(ssl) > 0) ||
		       (under != NULL && evbuffer_get_length(bufferevent_get_input(under)) > 0);

	if (!pending)
		return;
	if (under != NULL)
		bufferevent_trigger(under, EV_READ,
				    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	else
		event_active(&c->bev->ev_read, EV_READ, 1);
}

/*
 * After the PROXY header: the rest of the connection is TLS, through a
 * filter over the plain bufferevent that read the header. The client's
 * first handshake bytes may already wait in that bufferevent's input, so
 * the handshake is started by hand (deferred: it may fail and close c).
 */
static void
conn_start_tls(Conn *c)
{
	struct bufferevent *under = c->bev;
	SSL *ssl = SSL_new(c->srv->tls_ctx);
	struct bufferevent *bev =
		ssl == NULL ? NULL
			    : bufferevent_openssl_filter_new(c->srv->base, under, ssl,
							     BUFFEREVENT_SSL_ACCEPTING,
							     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		if (ssl != NULL)
			SSL_free(ssl);
		ERR_clear_error();
		conn_close_now(c, "tls_setup_failed");
		return;
	}
	c->tls_after_proxy = false;
	c->tls = true;
	c->bev = bev;
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	bufferevent_setcb(bev, on_read, on_write, on_event, c);
	conn_apply_limits(c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	bufferevent_trigger(under, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/*
 * Takes as many whole frames from the input as the limits allow and
 * dispatches them, then decides whether to keep reading from the socket
 * and accounts for what is left: a partial frame, under its deadline and
 * the shared budget. Handlers may answer synchronously; such answers do not
 * re-enter here (c->processing), the loop simply sees the lower in-flight
 * count.
 */
static void
conn_process(Conn *c)
{
	const Config *cfg = &c->srv->cfg;

	if (c->processing)
		return;
	if (c->proxy_pending && !proxy_take(c))
		return;
	if (c->tls_after_proxy) {
		conn_start_tls(c);
		return;
	}
	c->processing = true;
	uint64_t now = 0;   /* read once, at the first whole frame */
	FrameCursor cur = {.in = bufferevent_get_input(c->bev)};
	/* Not while another connection's batch is staged (its answers may
	 * take this one's frames): then c's answers go straight out. */
	bool staging = c->srv->stage_conn == NULL;
	if (staging)
		c->srv->stage_conn = c;
	while (c->state == CONN_ST_HELLO || c->state == CONN_ST_READY) {
		if (conn_busy(c))
			break;
		uint32_t limit = conn_frame_limit(c);
		uint32_t len = 0;
		FrameStatus fs = frame_cursor_peek(&cur, limit, &len);
		if (fs == FRAME_INCOMPLETE)
			break;
		if (fs == FRAME_EMPTY || fs == FRAME_TOO_LARGE) {
			c->srv->stats.frames_refused++;
			log_info("frame_refused", "conn=%" PRIu64 " peer=%s bytes=%" PRIu32
				 " limit=%" PRIu32 " session=%s", c->serial, c->peer, len, limit,
				 c->state == CONN_ST_READY ? "yes" : "no");
			if (fs == FRAME_EMPTY)
				conn_fail(c, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
					  "empty frame: a frame must hold one Request");
			else if (limit < (uint32_t)cfg->max_frame_bytes)
				conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
					  "frame of %" PRIu32 " bytes exceeds the limit of %" PRIu32
					  " bytes before a session is open; send a Hello first",
					  len, limit);
			else
				conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
					  "frame of %" PRIu32 " bytes exceeds the limit of %d bytes",
					  len, cfg->max_frame_bytes);
			break;
		}
		/* A whole frame: its deadline no longer applies. */
		partial_clear(c);
		if (now == 0)
			now = now_us();
		if (!conn_take_frame(c, &cur, len, now))
			break;
	}
	frame_cursor_drain(&cur);
	if (staging) {
		bool flushed = stage_flush(c);
		c->srv->stage_conn = NULL;
		if (!flushed)
			conn_close_now(c, "out_of_memory");
	}
	c->processing = false;
	/* The idle period restarts after the frames read, once for all of them. */
	if (now != 0)
		c->active_us = now;

	if (c->state == CONN_ST_HELLO || c->state == CONN_ST_READY) {
		if (conn_busy(c)) {
			bufferevent_disable(c->bev, EV_READ);
		} else {
			bufferevent_enable(c->bev, EV_READ);
			if (c->tls && !c->tls_handshaking)
				tls_read_pending(c);
		}
		if (c->srv->draining && conn_quiescent(c))
			conn_fail(c, TRIAD__V1__CODE__CODE_UNAVAILABLE,
				  "the server is shutting down; reconnect to continue");
	}
	partial_track(c);
}

void
conn_send_answer(Server *srv, ConnRef ref, const Triad__V1__Response *resp)
{
	Conn *c = conn_lookup(srv, ref);

	if (c == NULL)
		return;   /* the client went away; nobody to tell */
	if (c->in_flight == 0) {
		log_error("bug", "what=answer_without_request conn=%" PRIu64, c->serial);
		return;
	}
	c->in_flight--;
	if (c->state == CONN_ST_CLOSED)
		return;
	if (!conn_append(c, resp)) {
		conn_close_now(c, "out_of_memory");
		return;
	}
	if (c->state == CONN_ST_CLOSING) {
		/* The last answers of a closing connection still go out;
		 * on_write() finishes the close once they have. */
		return;
	}
	conn_process(c);
}

bool
conn_send_stream(Server *srv, ConnRef ref, const Triad__V1__Response *resp)
{
	Conn *c = conn_lookup(srv, ref);

	if (c == NULL || c->state != CONN_ST_READY)
		return false;
	if (!conn_append(c, resp)) {
		conn_close_now(c, "out_of_memory");
		return false;
	}
	return true;
}

bool
conn_set_peer(Conn *c, const char *peer, const char *peer_ip)
{
	ConnTable *t = &c->srv->conns;

	/* Connections without a session are counted, and capped, by address:
	 * the real one, once a PROXY header has named it. */
	if (c->seat == CONN_SEAT_UNAUTH && strcmp(peer_ip, c->peer_ip) != 0) {
		if (addr_count(t, peer_ip) >= (uint32_t)c->srv->cfg.max_unauthenticated_per_address) {
			c->srv->stats.conns_rejected_unauthenticated++;
			return false;
		}
		if (!addr_add(t, peer_ip))
			return false;
		addr_remove(t, c->peer_ip);
	}
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	snprintf(c->peer_ip, sizeof c->peer_ip, "%s", peer_ip);
	return true;
}

/* c leaves the connections without a session (signed in, or closed). */
static void
unauth_release(Conn *c)
{
	ConnTable *t = &c->srv->conns;

	assert(c->seat == CONN_SEAT_UNAUTH && t->unauthenticated > 0);
	t->unauthenticated--;
	addr_remove(t, c->peer_ip);
	if (c->hello_seat) {
		c->hello_seat = false;
		t->hellos--;
	}
}

void
conn_open_session(Conn *c, const char *client_name, Principal *principal)
{
	ConnTable *t = &c->srv->conns;

	/* Only a connection waiting for its Hello opens a session, once. */
	assert(c->state == CONN_ST_HELLO && c->principal == NULL);
	unauth_release(c);
	c->seat = CONN_SEAT_SESSION;
	t->sessions++;
	c->state = CONN_ST_READY;
	conn_apply_limits(c);
	c->hello_pending = false;
	c->principal = principal_ref(principal);
	snprintf(c->client_name, sizeof c->client_name, "%s", client_name);
	c->active_us = now_us();
	timer_arm(c, c->srv->cfg.idle_timeout_ms);
	char q[160];
	log_info("session_open", "conn=%" PRIu64 " peer=%s client=%s principal=%s", c->serial,
		 c->peer, log_quote(q, sizeof q, client_name), principal->id);
}

void
conn_hello_failed(Conn *c)
{
	c->hello_pending = false;
	if (c->hello_seat) {
		c->hello_seat = false;
		c->srv->conns.hellos--;
	}
}

void
conn_close_after_flush(Conn *c)
{
	if (c->state == CONN_ST_CLOSING || c->state == CONN_ST_CLOSED)
		return;
	/* What this batch answered goes before the goodbye. */
	if (!stage_flush(c)) {
		conn_close_now(c, "out_of_memory");
		return;
	}
	c->state = CONN_ST_CLOSING;
	c->hello_pending = false;
	partial_clear(c);
	struct evbuffer *in = bufferevent_get_input(c->bev);
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
	/* Bound the whole goodbye, even if the peer never reads. */
	timer_arm(c, LINGER_MS + c->srv->cfg.drain_timeout_ms);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 && c->in_flight == 0)
		on_write(c->bev, c);
}

void
conn_fail(Conn *c, Triad__V1__Code code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->state == CONN_ST_CLOSING || c->state == CONN_ST_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!conn_answer_error(c, 0, code, NULL, msg))
		return;
	log_debug("conn_fail", "conn=%" PRIu64 " code=%d", c->serial, (int)code);
	conn_close_after_flush(c);
}

/*
 * Takes c out of the table at once, so no later lookup finds it, and leaves
 * the freeing to the reaper: this may run inside c's own callbacks.
 */
void
conn_close_now(Conn *c, const char *why)
{
	Server *srv = c->srv;
	ConnTable *t = &srv->conns;

	if (c->state == CONN_ST_CLOSED)
		return;
	c->state = CONN_ST_CLOSED;
	if (srv->stage_conn == c)
		srv->stage.len = 0;   /* nobody to send it to */
	t->slots[c->ref.slot] = NULL;
	t->gens[c->ref.slot]++;
	t->free_slots[t->nfree++] = c->ref.slot;
	partial_clear(c);
	switch (c->seat) {
	case CONN_SEAT_NONE:
		t->rejecting--;
		break;
	case CONN_SEAT_UNAUTH:
		unauth_release(c);
		t->live--;
		break;
	case CONN_SEAT_SESSION:
		t->sessions--;
		t->live--;
		break;
	}
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (c->flush_queued)
		flush_unlink(c);
	event_del(c->timer);
	log_debug("conn_close", "conn=%" PRIu64 " reason=%s in_flight=%" PRIu32,
		  c->serial, why, c->in_flight);
	c->next_dead = srv->graveyard;
	srv->graveyard = c;
	event_active(srv->reaper, EV_TIMEOUT, 0);
}

void
conn_abort(Conn *c)
{
	conn_close_now(c, "shutdown");
}

void
conn_reap(Server *srv)
{
	while (srv->graveyard != NULL) {
		Conn *c = srv->graveyard;
		srv->graveyard = c->next_dead;
		bufferevent_free(c->bev);
		event_free(c->timer);
		event_free(c->frame_timer);
		principal_unref(c->principal);
		free(c);
	}
}

void
conn_drain_all(Server *srv)
{
	ConnTable *t = &srv->conns;

	for (uint32_t i = 0; i < t->cap; i++) {
		Conn *c = t->slots[i];
		if (c == NULL)
			continue;
		if (c->state == CONN_ST_HELLO || c->state == CONN_ST_READY)
			conn_process(c);
	}
}
