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

#include "dispatch.h"
#include "frame.h"
#include "log.h"
#include "proxy.h"

/* Over-limit connections kept just long enough to be told why. */
#define REJECT_MAX 64
/* How long a closing connection waits for its peer to go. */
#define LINGER_MS 2000

static void conn_process(Conn *c);
static void conn_close_now(Conn *c, const char *why);

bool
conn_table_init(ConnTable *t, uint32_t cap)
{
	memset(t, 0, sizeof *t);
	t->slots = calloc(cap, sizeof *t->slots);
	t->gens = calloc(cap, sizeof *t->gens);
	t->free_slots = malloc(cap * sizeof *t->free_slots);
	if (t->slots == NULL || t->gens == NULL || t->free_slots == NULL) {
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
	memset(t, 0, sizeof *t);
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
format_peer(const struct sockaddr *addr, Conn *c)
{
	char host[INET6_ADDRSTRLEN] = "unix";
	int port = 0;

	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
		snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
		snprintf(c->peer, sizeof c->peer, "[%s]:%d", host, port);
	} else {
		snprintf(c->peer, sizeof c->peer, "unix");
	}
	snprintf(c->peer_ip, sizeof c->peer_ip, "%s", host);
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
		if (c->hello_pending) {
			timer_arm(c, cfg->hello_timeout_ms);
			return;
		}
		conn_fail(c, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED,
			  "no Hello within %d ms; closing", cfg->hello_timeout_ms);
		return;
	case CONN_ST_READY:
		if (c->in_flight > 0) {
			timer_arm(c, cfg->idle_timeout_ms);
			return;
		}
		conn_fail(c, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED,
			  "idle for %d s; closing", cfg->idle_timeout_ms / 1000);
		return;
	case CONN_ST_CLOSING:
		conn_close_now(c, "linger_timeout");
		return;
	case CONN_ST_CLOSED:
		return;
	}
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
	if (c->state == CONN_ST_READY)
		timer_arm(c, c->srv->cfg.idle_timeout_ms);
	conn_process(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	Conn *c = arg;

	if (c->state == CONN_ST_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) > 0 || c->in_flight > 0)
			return;
		/* Everything is written: tell the peer, then wait for it to go. */
		shutdown(bufferevent_getfd(bev), SHUT_WR);
		bufferevent_enable(bev, EV_READ);
		timer_arm(c, LINGER_MS);
		return;
	}
	conn_process(c);
}

static void
on_event(struct bufferevent *bev, short events, void *arg)
{
	Conn *c = arg;

	if (events & BEV_EVENT_ERROR) {
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

void
conn_accept(Server *srv, evutil_socket_t fd, const struct sockaddr *addr, int addrlen)
{
	ConnTable *t = &srv->conns;
	bool over = t->live >= (uint32_t)srv->cfg.max_connections;

	(void)addrlen;
	if (over && t->rejecting >= REJECT_MAX) {
		srv->stats.conns_rejected++;
		evutil_closesocket(fd);
		return;
	}
	if (t->nfree == 0 && !conn_table_grow(t)) {
		evutil_closesocket(fd);
		return;
	}
	Conn *c = calloc(1, sizeof *c);
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(srv->base, on_timer, c);
	if (c->bev == NULL || c->timer == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		return;
	}
	uint32_t slot = t->free_slots[--t->nfree];
	t->slots[slot] = c;
	c->srv = srv;
	c->ref = (ConnRef){slot, t->gens[slot]};
	c->serial = t->next_serial++;
	c->state = CONN_ST_HELLO;
	c->over_limit = over;
	format_peer(addr, c);
	c->proxy_pending = srv->cfg.proxy_protocol;

	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	/* Never buffer more input than one frame of the largest size. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
				 (size_t)srv->cfg.max_frame_bytes + FRAME_HEADER_BYTES);

	if (over) {
		t->rejecting++;
		srv->stats.conns_rejected++;
		log_info("conn_rejected", "peer=%s reason=max_connections limit=%d",
			 c->peer, srv->cfg.max_connections);
		conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
			  "the server has reached its connection limit (%d); try again later",
			  srv->cfg.max_connections);
		return;
	}
	t->live++;
	srv->stats.conns_accepted++;
	log_debug("conn_open", "conn=%" PRIu64 " peer=%s", c->serial, c->peer);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	timer_arm(c, srv->cfg.hello_timeout_ms);
}

/* True when the connection must not take on another request right now. */
static bool
conn_busy(const Conn *c)
{
	const Config *cfg = &c->srv->cfg;
	return c->hello_pending || c->in_flight >= (uint32_t)cfg->max_in_flight ||
	       evbuffer_get_length(bufferevent_get_output(c->bev)) >= (size_t)cfg->max_output_bytes;
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
 * Takes as many whole frames from the input as the limits allow and
 * dispatches them, then decides whether to keep reading from the socket.
 * Handlers may answer synchronously; such answers do not re-enter here
 * (c->processing), the loop simply sees the lower in-flight count.
 */
static void
conn_process(Conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	const Config *cfg = &c->srv->cfg;

	if (c->processing)
		return;
	if (c->proxy_pending && !proxy_take(c))
		return;
	c->processing = true;
	while (c->state == CONN_ST_HELLO || c->state == CONN_ST_READY) {
		if (conn_busy(c))
			break;
		uint32_t len = 0;
		FrameStatus fs = frame_peek(in, (uint32_t)cfg->max_frame_bytes, &len);
		if (fs == FRAME_INCOMPLETE)
			break;
		if (fs == FRAME_EMPTY || fs == FRAME_TOO_LARGE) {
			c->srv->stats.frames_refused++;
			log_info("frame_refused", "conn=%" PRIu64 " peer=%s bytes=%" PRIu32 " limit=%d",
				 c->serial, c->peer, len, cfg->max_frame_bytes);
			if (fs == FRAME_EMPTY)
				conn_fail(c, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
					  "empty frame: a frame must hold one Request");
			else
				conn_fail(c, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED,
					  "frame of %" PRIu32 " bytes exceeds the limit of %d bytes",
					  len, cfg->max_frame_bytes);
			break;
		}
		Triad__V1__Request *req = NULL;
		DecodeStatus ds = frame_take_request(in, len, &req);
		if (ds != DECODE_OK) {
			c->srv->stats.frames_refused++;
			log_info("frame_refused", "conn=%" PRIu64 " peer=%s reason=%s",
				 c->serial, c->peer, ds == DECODE_GARBAGE ? "undecodable" : "zero_id");
			if (req != NULL)
				triad__v1__request__free_unpacked(req, NULL);
			conn_fail(c, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "%s",
				  frame_decode_message(ds));
			break;
		}
		dispatch_request(c, req);
	}
	c->processing = false;

	if (c->state == CONN_ST_HELLO || c->state == CONN_ST_READY) {
		if (conn_busy(c))
			bufferevent_disable(c->bev, EV_READ);
		else
			bufferevent_enable(c->bev, EV_READ);
		if (c->srv->draining && conn_quiescent(c))
			conn_fail(c, TRIAD__V1__CODE__CODE_UNAVAILABLE,
				  "the server is shutting down; reconnect to continue");
	}
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
	if (!frame_append_response(bufferevent_get_output(c->bev), resp)) {
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

void
conn_open_session(Conn *c, const char *client_name, Principal *principal)
{
	/* Only a connection waiting for its Hello opens a session, once. */
	assert(c->state == CONN_ST_HELLO && c->principal == NULL);
	c->state = CONN_ST_READY;
	c->hello_pending = false;
	c->principal = principal_ref(principal);
	snprintf(c->client_name, sizeof c->client_name, "%s", client_name);
	timer_arm(c, c->srv->cfg.idle_timeout_ms);
	char q[160];
	log_info("session_open", "conn=%" PRIu64 " peer=%s client=%s principal=%s", c->serial,
		 c->peer, log_quote(q, sizeof q, client_name), principal->id);
}

void
conn_hello_failed(Conn *c)
{
	c->hello_pending = false;
}

void
conn_close_after_flush(Conn *c)
{
	if (c->state == CONN_ST_CLOSING || c->state == CONN_ST_CLOSED)
		return;
	c->state = CONN_ST_CLOSING;
	c->hello_pending = false;
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
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;

	if (c->state == CONN_ST_CLOSING || c->state == CONN_ST_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	st.code = code;
	st.message = msg;
	resp.status = &st;
	if (!frame_append_response(bufferevent_get_output(c->bev), &resp)) {
		conn_close_now(c, "out_of_memory");
		return;
	}
	log_debug("conn_fail", "conn=%" PRIu64 " code=%d", c->serial, (int)code);
	conn_close_after_flush(c);
}

/*
 * Takes c out of the table at once, so no later lookup finds it, and leaves
 * the freeing to the reaper: this may run inside c's own callbacks.
 */
static void
conn_close_now(Conn *c, const char *why)
{
	Server *srv = c->srv;
	ConnTable *t = &srv->conns;

	if (c->state == CONN_ST_CLOSED)
		return;
	c->state = CONN_ST_CLOSED;
	t->slots[c->ref.slot] = NULL;
	t->gens[c->ref.slot]++;
	t->free_slots[t->nfree++] = c->ref.slot;
	if (c->over_limit)
		t->rejecting--;
	else
		t->live--;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
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
