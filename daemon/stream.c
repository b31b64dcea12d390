/*
 * stream.c: subscriptions to the event stream and the LISTEN connection
 * that wakes them (see stream.h).
 */
#include "stream.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "badges.h"
#include "log.h"
#include "pool.h"
#include "webhook.h"

#define LISTEN_BACKOFF_MIN_MS 100
#define LISTEN_BACKOFF_MAX_MS 5000
#define READ_BACKOFF_MIN_MS 100
#define READ_BACKOFF_MAX_MS 5000

const char stream_read_sql[] =
	"SELECT * FROM triad_stream_read($1, $2::text[], $3::int, $4::int, $5)";

typedef struct Subscription Subscription;

struct Subscription {
	Stream *st;
	ConnRef conn;
	uint64_t request_id;
	char cursor[48];
	char *types;                 /* text[] literal, owned */
	DbJob *scope;                /* never submitted: the scope each read copies; owned */
	bool reading;                /* a read is in the pool */
	bool again;                  /* woken while reading: read once more after */
	bool gone;                   /* its connection has gone: free once not reading */
	struct event *timer;         /* next read (poll, held events, retry); owned */
	int backoff_ms;
	bool failing;                /* the last read failed (logged once) */
	bool paused;                 /* waiting for the output to drain (logged once) */
	Subscription *next;
};

struct Stream {
	Server *srv;
	Subscription *subs;
	/* The listening connection: owned, with its watch and retry timer. */
	PGconn *pg;
	struct event *io;
	short io_what;
	struct event *retry;
	int backoff_ms;
	bool listening;              /* LISTEN sent on an open connection */
	bool up_logged;              /* state changes are logged once */
	bool stopped;
	/* Credentials (creds.h, Principal.checked): each change of a token
	 * or a grant that is heard of is recorded by its id, and everybody's
	 * epoch moves on when the listening starts again (what changed
	 * meanwhile was not heard). live: LISTEN is confirmed on a connection
	 * that is up. */
	Creds creds;
	bool creds_live;
	bool listen_confirmed;       /* LISTEN's results have arrived */
	/* NOTIFY triad_events after this daemon's commits (stream.h). */
	bool notify_owed;            /* events committed since the last one was sent */
	bool notify_sent;            /* one is on the way: its result is awaited */
};

static void sub_read(Subscription *s);
static void listen_connect(Stream *st);

const Creds *
stream_credentials(const Stream *st)
{
	return st != NULL && st->creds_live && st->pg != NULL ? &st->creds : NULL;
}

void
stream_credentials_changed(Stream *st)
{
	if (st != NULL)
		creds_all(&st->creds);
}

int
stream_retention_s(const Config *cfg)
{
	return cfg->event_retention_days * 86400;
}

/* ---- subscriptions ---- */

static void
sub_free(Subscription *s)
{
	if (s == NULL)
		return;
	if (s->timer != NULL)
		event_free(s->timer);
	db_job_free(s->scope);
	free(s->types);
	free(s);
}

/* Unlinks and frees s, or marks it for freeing when its read answers. */
static void
sub_end(Subscription *s)
{
	Stream *st = s->st;
	Conn *c = conn_lookup(st->srv, s->conn);
	if (c != NULL)
		c->streaming = false;
	for (Subscription **p = &st->subs; *p != NULL; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	s->next = NULL;
	if (s->timer != NULL)
		evtimer_del(s->timer);
	if (s->reading)
		s->gone = true;   /* read_done() frees it */
	else
		sub_free(s);
}

static void
on_sub_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sub_read(arg);
}

static void
sub_later(Subscription *s, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(s->timer, &tv);
}

/* The reader is behind: nothing more is read for it until its output has
 * drained (stream_writable()). */
static void
sub_pause(Subscription *s)
{
	if (!s->paused)
		log_info("stream_paused", "conn_slot=%" PRIu32 " cursor=%s", s->conn.slot, s->cursor);
	s->paused = true;
	s->again = false;
	/* Looks again now and then, so that a reader that went away while
	 * paused is let go. */
	sub_later(s, STREAM_POLL_MS);
}

/* The connection of s when it can take events; ends s when it has gone. */
static Conn *
sub_conn(Subscription *s)
{
	Conn *c = conn_lookup(s->st->srv, s->conn);
	if (c == NULL || c->state != CONN_ST_READY) {
		sub_end(s);
		return NULL;
	}
	return c;
}

/* Sends an event or a final status with the Subscribe's id. */
static bool
sub_send(Subscription *s, Triad__V1__Response *resp)
{
	resp->id = s->request_id;
	return conn_send_stream(s->st->srv, s->conn, resp);
}

bool
stream_event_row(const PGresult *r, int i, Triad__V1__DomainEvent *ev, char occurred[TEXT_TIME_MAX],
		 const char **next, bool *more)
{
	if (PQgetisnull(r, i, 1)) {
		*next = PQgetvalue(r, i, 0);
		*more = strcmp(PQgetvalue(r, i, 2), "more") == 0;
		return false;
	}
	triad__v1__domain_event__init(ev);
	ev->cursor = PQgetvalue(r, i, 0);
	ev->id = PQgetvalue(r, i, 1);
	ev->type = PQgetvalue(r, i, 2);
	ev->institution_id = PQgetvalue(r, i, 3);
	ev->aggregate_type = PQgetvalue(r, i, 4);
	ev->aggregate_id = PQgetvalue(r, i, 5);
	ev->aggregate_version = strtoull(PQgetvalue(r, i, 6), NULL, 10);
	ev->occurred_at_us = strtoll(PQgetvalue(r, i, 7), NULL, 10);
	ev->occurred_at = text_time_us(occurred, TEXT_TIME_MAX, ev->occurred_at_us);
	ev->schema_version = (uint32_t)strtoul(PQgetvalue(r, i, 8), NULL, 10);
	ev->data = PQgetvalue(r, i, 9);
	return true;
}

/* An error the partner must act on: sent, and the subscription ends. */
static bool
read_final(const DbOutcome *out)
{
	switch (out->code) {
	case TRIAD__V1__CODE__CODE_CURSOR_EXPIRED:
	case TRIAD__V1__CODE__CODE_UNAUTHENTICATED:
	case TRIAD__V1__CODE__CODE_PERMISSION_DENIED:
	case TRIAD__V1__CODE__CODE_INVALID_ARGUMENT:
	case TRIAD__V1__CODE__CODE_NOT_FOUND:
		return true;
	default:
		return false;
	}
}

static void
read_done(void *arg, const DbOutcome *out)
{
	Subscription *s = arg;
	s->reading = false;
	if (s->gone) {
		sub_free(s);
		return;
	}
	Conn *c = sub_conn(s);
	if (c == NULL)
		return;
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		if (read_final(out)) {
			Triad__V1__Status stt = TRIAD__V1__STATUS__INIT;
			Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
			stt.code = out->code;
			stt.message = (char *)(out->message != NULL ? out->message : "");
			if (out->field != NULL)
				stt.field = (char *)out->field;
			resp.status = &stt;
			(void)sub_send(s, &resp);
			sub_end(s);
			return;
		}
		/* The database's trouble: try again, a little later each time. */
		if (!s->failing)
			log_warn("stream_read_failed", "conn_slot=%" PRIu32 " code=%d", s->conn.slot,
				 (int)out->code);
		s->failing = true;
		sub_later(s, s->backoff_ms);
		s->backoff_ms = s->backoff_ms * 2 > READ_BACKOFF_MAX_MS ? READ_BACKOFF_MAX_MS
									: s->backoff_ms * 2;
		return;
	}
	if (s->failing)
		log_info("stream_read_ok", "conn_slot=%" PRIu32, s->conn.slot);
	s->failing = false;
	s->backoff_ms = READ_BACKOFF_MIN_MS;

	const PGresult *r = out->results[0];
	const Config *cfg = &s->st->srv->cfg;
	struct evbuffer *output = bufferevent_get_output(c->bev);
	const char *next = NULL;
	bool more = false, full = false;
	int sent = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		Triad__V1__DomainEvent ev;
		char occurred[TEXT_TIME_MAX];
		if (!stream_event_row(r, i, &ev, occurred, &next, &more))
			break;
		/* The output is full: the rest of the page is read again later,
		 * from the cursor of the last event sent. */
		if (evbuffer_get_length(output) >= (size_t)cfg->max_output_bytes) {
			full = true;
			break;
		}
		Triad__V1__Status ok = TRIAD__V1__STATUS__INIT;
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		resp.status = &ok;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENT;
		resp.domain_event = &ev;
		if (!sub_send(s, &resp)) {
			sub_end(s);
			return;
		}
		snprintf(s->cursor, sizeof s->cursor, "%s", ev.cursor);
		sent++;
		/* The bound this promises: the limit, and one event. */
		if (evbuffer_get_length(output) >
		    (size_t)cfg->max_output_bytes + (size_t)cfg->max_frame_bytes + 4)
			log_error("stream_over_limit", "conn_slot=%" PRIu32 " bytes=%zu",
				  s->conn.slot, evbuffer_get_length(output));
	}
	if (full) {
		sub_pause(s);
		return;
	}
	if (next != NULL)
		snprintf(s->cursor, sizeof s->cursor, "%s", next);
	if (s->again || (more && sent >= STREAM_PAGE)) {
		s->again = false;
		sub_read(s);
	} else if (more) {
		sub_later(s, STREAM_HELD_MS);
	} else {
		sub_later(s, STREAM_POLL_MS);
	}
}

/*
 * Reads the next page of s, unless one is being read (then once more
 * after it), or the connection's output is half full (then when it has
 * drained: stream_writable()).
 */
static void
sub_read(Subscription *s)
{
	if (s->reading) {
		s->again = true;
		return;
	}
	Conn *c = sub_conn(s);
	if (c == NULL)
		return;
	evtimer_del(s->timer);
	const Config *cfg = &s->st->srv->cfg;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >= (size_t)cfg->max_output_bytes / 2) {
		sub_pause(s);
		return;
	}
	if (s->paused)
		log_info("stream_resumed", "conn_slot=%" PRIu32, s->conn.slot);
	s->paused = false;

	const DbJob *t = s->scope;
	DbJob *job = db_job_new(read_done, s);
	char limit[16], retention[16];
	snprintf(limit, sizeof limit, "%d", STREAM_PAGE);
	snprintf(retention, sizeof retention, "%d", stream_retention_s(cfg));
	const char *params[5] = {s->cursor, s->types, limit, retention, "subscribe.after"};
	if (job == NULL ||
	    !db_job_scope(job, t->institution, t->token_id, t->principal_id, t->grants,
			  t->person_id, t->staff != NULL && strcmp(t->staff, "true") == 0,
			  t->organisation_id) ||
	    !db_job_add(job, stream_read_sql, 5, params)) {
		db_job_free(job);
		sub_later(s, READ_BACKOFF_MAX_MS);
		return;
	}
	job->owner = t->owner;
	job->principal = t->principal;
	s->reading = true;
	pool_submit(s->st->srv->pool, job);
}

bool
stream_subscribe(Stream *st, ConnRef ref, uint64_t request_id, const char *after,
		 const char *types, const DbJob *scope)
{
	for (Subscription *o = st->subs; o != NULL; o = o->next) {
		if (o->conn.slot == ref.slot && o->conn.gen == ref.gen)
			return false;
	}
	Subscription *s = calloc(1, sizeof *s);
	if (s == NULL)
		return false;
	s->st = st;
	s->conn = ref;
	s->request_id = request_id;
	s->backoff_ms = READ_BACKOFF_MIN_MS;
	snprintf(s->cursor, sizeof s->cursor, "%s", after);
	s->types = strdup(types);
	s->scope = db_job_new(NULL, NULL);
	s->timer = evtimer_new(st->srv->base, on_sub_timer, s);
	if (s->types == NULL || s->scope == NULL || s->timer == NULL ||
	    !db_job_scope(s->scope, scope->institution, scope->token_id, scope->principal_id,
			  scope->grants, scope->person_id,
			  scope->staff != NULL && strcmp(scope->staff, "true") == 0,
			  scope->organisation_id)) {
		sub_free(s);
		return false;
	}
	s->scope->owner = scope->owner;
	s->scope->principal = scope->principal;
	s->next = st->subs;
	st->subs = s;
	/* After the SubscribeReply, which the caller sends now. */
	sub_later(s, 0);
	return true;
}

void
stream_writable(Stream *st, ConnRef ref)
{
	if (st == NULL)
		return;
	for (Subscription *s = st->subs; s != NULL; s = s->next) {
		if (s->conn.slot == ref.slot && s->conn.gen == ref.gen) {
			if (!s->reading && s->paused)
				sub_later(s, 0);
			return;
		}
	}
}

void
stream_wake_all(Stream *st)
{
	Subscription *s = st->subs;
	while (s != NULL) {
		Subscription *next = s->next;   /* sub_read() may end s */
		sub_read(s);
		s = next;
	}
}

/* ---- the listening connection ---- */

static void on_listen_io(evutil_socket_t fd, short what, void *arg);
static void listen_flush(Stream *st);
static void listen_drop(Stream *st, const char *why);

static const char *
listen_error(Stream *st)
{
	const char *e = st->pg != NULL ? PQerrorMessage(st->pg) : "out of memory";
	return e != NULL && *e ? e : "connection failed";
}

/* Sends the NOTIFY that is owed, once LISTEN is in effect and none is on
 * the way. */
static void
listen_notify(Stream *st)
{
	if (!st->notify_owed || st->notify_sent || !st->listen_confirmed || st->pg == NULL)
		return;
	if (PQsendQuery(st->pg, "NOTIFY triad_events") != 1) {
		listen_drop(st, listen_error(st));
		return;
	}
	st->notify_owed = false;
	st->notify_sent = true;
	listen_flush(st);
}

void
stream_events_committed(Stream *st)
{
	if (st == NULL || st->stopped)
		return;
	st->notify_owed = true;
	listen_notify(st);
}

static void
listen_watch(Stream *st, short what)
{
	evutil_socket_t fd = PQsocket(st->pg);
	if (st->io != NULL && st->io_what == what && event_get_fd(st->io) == fd)
		return;
	if (st->io != NULL)
		event_free(st->io);
	st->io = event_new(st->srv->base, fd, what | EV_PERSIST, on_listen_io, st);
	st->io_what = what;
	if (st->io != NULL)
		event_add(st->io, NULL);
}

/* Drops the connection and tries again after a backoff. */
static void
listen_drop(Stream *st, const char *why)
{
	if (st->up_logged)
		log_warn("stream_listen_down", "error=\"%s\"", why);
	st->up_logged = false;
	if (st->io != NULL) {
		event_free(st->io);
		st->io = NULL;
	}
	PQfinish(st->pg);
	st->pg = NULL;
	st->listening = false;
	/* Until LISTEN is confirmed again, every request checks its
	 * credentials in the database. A NOTIFY that was on the way may not
	 * have been sent: it is sent again then. */
	st->creds_live = false;
	st->listen_confirmed = false;
	if (st->notify_sent)
		st->notify_owed = true;
	st->notify_sent = false;
	if (st->stopped)
		return;
	struct timeval tv = {st->backoff_ms / 1000, (st->backoff_ms % 1000) * 1000};
	evtimer_add(st->retry, &tv);
	st->backoff_ms = st->backoff_ms * 2 > LISTEN_BACKOFF_MAX_MS ? LISTEN_BACKOFF_MAX_MS
								    : st->backoff_ms * 2;
}

/* Sends what libpq holds; watches WRITE as well until it is out. */
static void
listen_flush(Stream *st)
{
	int rc = PQflush(st->pg);
	if (rc < 0)
		listen_drop(st, listen_error(st));
	else
		listen_watch(st, rc == 1 ? EV_READ | EV_WRITE : EV_READ);
}

static void
listen_up(Stream *st)
{
	/* Its NOTIFYs are hints: their commits need not wait for a flush. */
	if (PQsetnonblocking(st->pg, 1) != 0 ||
	    PQsendQuery(st->pg, "LISTEN triad_events; LISTEN triad_credentials; "
				"SET synchronous_commit = off") != 1) {
		listen_drop(st, listen_error(st));
		return;
	}
	st->listening = true;
	st->backoff_ms = LISTEN_BACKOFF_MIN_MS;
	log_info("stream_listen_up", NULL);
	st->up_logged = true;
	listen_flush(st);
	/* Whatever was committed while no one listened. */
	stream_wake_all(st);
	badges_refresh(st->srv->badges);
}

static void
listen_poll(Stream *st)
{
	if (st->io != NULL) {
		event_free(st->io);
		st->io = NULL;
	}
	switch (PQconnectPoll(st->pg)) {
	case PGRES_POLLING_READING:
		listen_watch(st, EV_READ);
		return;
	case PGRES_POLLING_WRITING:
		listen_watch(st, EV_WRITE);
		return;
	case PGRES_POLLING_OK:
		listen_up(st);
		return;
	default:
		listen_drop(st, listen_error(st));
		return;
	}
}

static void
listen_read(Stream *st)
{
	if (PQconsumeInput(st->pg) != 1) {
		listen_drop(st, listen_error(st));
		return;
	}
	while (!PQisBusy(st->pg)) {
		/* NULL: no command is running, so the last one has ended
		 * (libpq says busy until it does). */
		PGresult *r = PQgetResult(st->pg);
		if (r == NULL) {
			/* Both LISTENs are in effect: changes are heard from
			 * now on; what changed before is checked afresh. Or
			 * the NOTIFY on the way has been sent. */
			if (!st->listen_confirmed) {
				st->listen_confirmed = true;
				st->creds_live = true;
				creds_all(&st->creds);
			}
			st->notify_sent = false;
			break;
		}
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			PQclear(r);
			listen_drop(st, st->listen_confirmed ? "NOTIFY failed" : "LISTEN failed");
			return;
		}
		PQclear(r);
	}
	bool woken = false;
	PGnotify *n;
	while ((n = PQnotifies(st->pg)) != NULL) {
		/* A token or a grant changed (the triggers of migration 0022):
		 * the next request of each session of that token or principal
		 * checks its credentials in full; an institution changed:
		 * every session's does. Otherwise certificates and keys changed
		 * (badges.h). */
		bool creds = strcmp(n->relname, "triad_credentials") == 0;
		if (creds && (strncmp(n->extra, "token:", 6) == 0 ||
			      strncmp(n->extra, "grant:", 6) == 0))
			creds_one(&st->creds, n->extra + 6);
		else if (creds && strncmp(n->extra, "institution:", 12) == 0)
			creds_all(&st->creds);
		else if (creds)
			badges_refresh(st->srv->badges);
		else
			woken = true;
		PQfreemem(n);
	}
	if (PQstatus(st->pg) == CONNECTION_BAD) {
		listen_drop(st, listen_error(st));
		return;
	}
	if (woken) {
		stream_wake_all(st);
		webhooks_wake(st->srv->webhooks);
	}
	listen_notify(st);
}

static void
on_listen_io(evutil_socket_t fd, short what, void *arg)
{
	Stream *st = arg;
	(void)fd;
	if (st->pg == NULL)
		return;
	if (!st->listening) {
		listen_poll(st);
		return;
	}
	if (what & EV_WRITE) {
		listen_flush(st);
		if (st->pg == NULL)
			return;
	}
	if (what & EV_READ)
		listen_read(st);
}

static void
listen_connect(Stream *st)
{
	/* As the pool connects: to one of the conninfo's servers, whose host,
	 * hostaddr and port pool_connect_start() fills in for each attempt. */
	st->pg = pool_connect_start(st->srv->pool);
	if (st->pg == NULL || PQstatus(st->pg) == CONNECTION_BAD) {
		listen_drop(st, listen_error(st));
		return;
	}
	listen_watch(st, EV_WRITE);
}

static void
on_listen_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	Stream *st = arg;
	if (st->pg == NULL && !st->stopped)
		listen_connect(st);
}

Stream *
stream_new(Server *srv)
{
	Stream *st = calloc(1, sizeof *st);
	if (st == NULL)
		return NULL;
	st->srv = srv;
	st->backoff_ms = LISTEN_BACKOFF_MIN_MS;
	st->retry = evtimer_new(srv->base, on_listen_retry, st);
	if (st->retry == NULL) {
		free(st);
		return NULL;
	}
	listen_connect(st);
	return st;
}

void
stream_stop(Stream *st)
{
	if (st == NULL || st->stopped)
		return;
	st->stopped = true;
	listen_drop(st, "stopping");
	evtimer_del(st->retry);
	for (Subscription *s = st->subs; s != NULL; s = s->next)
		evtimer_del(s->timer);
}

void
stream_free(Stream *st)
{
	if (st == NULL)
		return;
	stream_stop(st);
	while (st->subs != NULL) {
		Subscription *s = st->subs;
		st->subs = s->next;
		sub_free(s);
	}
	event_free(st->retry);
	free(st);
}
