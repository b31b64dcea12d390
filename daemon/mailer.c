/*
 * mailer.c: the outbox's sender and sweeper (see mailer.h).
 */
#include "mailer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "smtp.h"

/* Messages claimed and sent in one SMTP session. */
#define MAILER_BATCH 8

/* One claimed message; strings owned. */
typedef struct Outgoing {
	char *id;
	char *kind;
	char *to;
	char *subject;
	char *body;
	int attempts;
} Outgoing;

struct Mailer {
	Server *srv;
	struct event *poll;          /* owned: time to look for due mail */
	struct event *sweep;         /* owned: time for triad_outbox_tick() */
	struct evdns_base *dns;      /* owned; made when first needed */
	SmtpSession *smtp;           /* the session in progress, or NULL */
	Outgoing batch[MAILER_BATCH];
	SmtpMail mails[MAILER_BATCH];/* point into batch, for the session */
	size_t nbatch;
	char relay[CONFIG_STR_MAX];  /* the relay of the session, for log lines */
	bool claiming;               /* a claim is in the pool */
	bool sweeping;               /* a sweep is in the pool */
	bool stopped;
	LogEpisode db_trouble;       /* claims or sweeps failing */
	MailerStats stats;
};

/* What one recorded outcome needs, for its log line. */
typedef struct ResultCtx {
	Mailer *m;
	char id[UUID_LEN + 1];
	char kind[32];
	int retry_ms;
	char error[SMTP_ERROR_MAX];
} ResultCtx;

static void
schedule(struct event *ev, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(ev, &tv);
}

static void
batch_clear(Mailer *m)
{
	for (size_t i = 0; i < m->nbatch; i++) {
		Outgoing *o = &m->batch[i];
		/* A body may hold a code: leave none in freed memory. */
		if (o->body != NULL)
			explicit_bzero(o->body, strlen(o->body));
		free(o->id);
		free(o->kind);
		free(o->to);
		free(o->subject);
		free(o->body);
		memset(o, 0, sizeof *o);
	}
	m->nbatch = 0;
}

/* A claim or a sweep failed (the database's trouble): one line when it
 * starts, one when it ends. */
static void
db_trouble(Mailer *m, const char *what, const DbOutcome *out)
{
	if (log_episode_hit(&m->db_trouble, now_us())) {
		char q[256];
		log_warn("outbox_unavailable", "during=%s error=%s", what,
			 log_quote(q, sizeof q, out->message != NULL ? out->message : "?"));
	}
}

static void
db_fine(Mailer *m)
{
	uint64_t count, ms;
	if (log_episode_end(&m->db_trouble, now_us(), &count, &ms))
		log_info("outbox_available", "failures=%" PRIu64 " ms=%" PRIu64, count, ms);
}

/* ---- recording outcomes ---- */

/* The wait before attempt number attempts + 1: smtp_retry_ms doubled per
 * attempt made, at most smtp_retry_max_ms, less up to a fifth at random so
 * that daemons do not retry in step. */
static int
retry_ms(const Config *cfg, int attempts)
{
	uint64_t wait = (uint64_t)cfg->smtp_retry_ms;
	for (int i = 1; i < attempts && wait < (uint64_t)cfg->smtp_retry_max_ms; i++)
		wait *= 2;
	if (wait > (uint64_t)cfg->smtp_retry_max_ms)
		wait = (uint64_t)cfg->smtp_retry_max_ms;
	uint64_t jitter = wait / 5;
	if (jitter > 0)
		wait -= (uint64_t)random() % (jitter + 1);
	return (int)wait;
}

static void
result_done(void *arg, const DbOutcome *out)
{
	ResultCtx *ctx = arg;
	Mailer *m = ctx->m;
	char q[SMTP_ERROR_MAX + 16];

	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		/* The message stays claimed; once its lease ends it is sent again. */
		log_warn("mail_outcome_lost", "id=%s outcome=%s error=%s", ctx->id,
			 ctx->error[0] != '\0' ? "failed" : "sent",
			 log_quote(q, sizeof q, out->message != NULL ? out->message : "?"));
	} else if (PQntuples(out->results[0]) == 1 && !m->stopped) {
		const char *status = PQgetvalue(out->results[0], 0, 0);
		const char *attempts = PQgetvalue(out->results[0], 0, 1);
		log_quote(q, sizeof q, ctx->error);
		if (strcmp(status, "sent") == 0) {
			m->stats.sent++;
			log_info("mail_sent", "id=%s kind=%s attempts=%s", ctx->id, ctx->kind, attempts);
		} else if (strcmp(status, "pending") == 0) {
			m->stats.deferred++;
			log_warn("mail_deferred", "id=%s kind=%s attempts=%s retry_in_ms=%d error=%s",
				 ctx->id, ctx->kind, attempts, ctx->retry_ms, q);
		} else {
			m->stats.failed++;
			log_error("mail_failed", "id=%s kind=%s attempts=%s error=%s", ctx->id,
				  ctx->kind, attempts, q);
		}
	}
	free(ctx);
}

static const char result_sql[] =
	"SELECT status, attempts FROM triad_outbox_result($1::uuid, $2, $3::boolean, $4::int,"
	" $5::int)";

/* The session's word on one mail: record it in the outbox. */
static void
on_mail_done(void *arg, size_t index, SmtpOutcome outcome, const char *error)
{
	Mailer *m = arg;
	const Config *cfg = &m->srv->cfg;
	const Outgoing *o = &m->batch[index];
	ResultCtx *ctx = calloc(1, sizeof *ctx);

	if (ctx == NULL) {
		log_warn("mail_outcome_lost", "id=%s error=\"out of memory\"", o->id);
		return;
	}
	ctx->m = m;
	snprintf(ctx->id, sizeof ctx->id, "%s", o->id);
	snprintf(ctx->kind, sizeof ctx->kind, "%s", o->kind);
	if (outcome != SMTP_SENT)
		snprintf(ctx->error, sizeof ctx->error, "%s", error != NULL ? error : "failed");
	ctx->retry_ms = retry_ms(cfg, o->attempts);
	char retry[16], max[16];
	snprintf(retry, sizeof retry, "%d", ctx->retry_ms);
	snprintf(max, sizeof max, "%d", cfg->smtp_attempts_max);
	const char *params[5] = {ctx->id, outcome == SMTP_SENT ? NULL : ctx->error,
				 outcome == SMTP_REJECTED ? "true" : "false", retry, max};
	DbJob *job = db_job_new(result_done, ctx);
	if (job == NULL || !db_job_add(job, result_sql, 5, params)) {
		db_job_free(job);
		log_warn("mail_outcome_lost", "id=%s error=\"out of memory\"", ctx->id);
		free(ctx);
		return;
	}
	pool_submit(m->srv->pool, job);
}

/* The session is over: say when the relay's state changed, and look for
 * more mail (at once after a full batch: there may be more due). */
static void
on_session_done(void *arg, bool reached, const char *error)
{
	Mailer *m = arg;
	char q[SMTP_ERROR_MAX + 16];
	bool full = m->nbatch == MAILER_BATCH;

	if (!reached && !m->stats.relay_down) {
		m->stats.relay_down = true;
		log_warn("smtp_relay_down", "relay=%s error=%s", m->relay,
			 log_quote(q, sizeof q, error != NULL ? error : "?"));
	} else if (reached && m->stats.relay_down) {
		m->stats.relay_down = false;
		log_info("smtp_relay_up", "relay=%s", m->relay);
	}
	m->smtp = NULL;
	batch_clear(m);
	if (!m->stopped)
		schedule(m->poll, full && reached ? 0 : m->srv->cfg.outbox_poll_ms);
}

/* ---- claiming ---- */

/* Splits "host:port" or "[v6]:port" (config_validate() checked the form). */
static bool
relay_split(const char *relay, SmtpSettings *set)
{
	const char *colon = strrchr(relay, ':');
	if (colon == NULL)
		return false;
	size_t hlen = (size_t)(colon - relay);
	const char *host = relay;
	if (hlen >= 2 && relay[0] == '[' && relay[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof set->host || strlen(colon + 1) >= sizeof set->port)
		return false;
	memcpy(set->host, host, hlen);
	set->host[hlen] = '\0';
	snprintf(set->port, sizeof set->port, "%s", colon + 1);
	return true;
}

static struct evdns_base *
dns_base(Mailer *m)
{
	if (m->dns == NULL) {
		/* Reads /etc/resolv.conf and /etc/hosts once; a relay named by
		 * its address needs neither. */
		m->dns = evdns_base_new(m->srv->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
							EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (m->dns == NULL)
			m->dns = evdns_base_new(m->srv->base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	}
	return m->dns;
}

static char *
copy_cell(const PGresult *r, int row, int col)
{
	return strdup(PQgetvalue(r, row, col));
}

static void
claim_done(void *arg, const DbOutcome *out)
{
	Mailer *m = arg;
	const Config *cfg = &m->srv->cfg;

	m->claiming = false;
	if (m->stopped)
		return;
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		db_trouble(m, "claim", out);
		schedule(m->poll, cfg->outbox_poll_ms);
		return;
	}
	db_fine(m);
	const PGresult *r = out->results[0];
	int n = PQntuples(r) < MAILER_BATCH ? PQntuples(r) : MAILER_BATCH;
	bool copied = true;
	for (int i = 0; copied && i < n; i++) {
		Outgoing *o = &m->batch[i];
		m->nbatch = (size_t)i + 1;
		o->id = copy_cell(r, i, 0);
		o->kind = copy_cell(r, i, 1);
		o->to = copy_cell(r, i, 2);
		o->subject = copy_cell(r, i, 3);
		o->body = copy_cell(r, i, 4);
		o->attempts = atoi(PQgetvalue(r, i, 5));
		copied = o->id != NULL && o->kind != NULL && o->to != NULL && o->subject != NULL &&
			 o->body != NULL;
		m->mails[i] = (SmtpMail){o->id, o->to, o->subject, o->body};
	}
	if (n == 0) {
		schedule(m->poll, cfg->outbox_poll_ms);
		return;
	}
	SmtpSettings set = {.step_timeout_ms = cfg->smtp_timeout_ms};
	snprintf(set.from, sizeof set.from, "%s", cfg->smtp_from);
	snprintf(m->relay, sizeof m->relay, "%s", cfg->smtp_relay);
	if (!copied || !relay_split(cfg->smtp_relay, &set) || dns_base(m) == NULL ||
	    (m->smtp = smtp_session_start(m->srv->base, m->dns, &set, m->mails, m->nbatch,
					  on_mail_done, on_session_done, m)) == NULL) {
		/* Out of memory, or a relay taken away by a reload: what was
		 * claimed waits for its lease to end. */
		log_warn("mail_not_started", "claimed=%d relay=%s", n,
			 cfg->smtp_relay[0] != '\0' ? cfg->smtp_relay : "none");
		batch_clear(m);
		schedule(m->poll, cfg->outbox_poll_ms);
	}
}

static const char claim_sql[] =
	"SELECT id, kind, recipient, subject, body, attempts FROM triad_outbox_claim($1::int,"
	" $2::int)";

/* How long claimed messages are ours: every step of every mail may take
 * smtp_timeout_ms, and recording the outcomes db_timeout_ms. */
static int
lease_ms(const Config *cfg)
{
	int64_t ms = (int64_t)cfg->smtp_timeout_ms * (4 + 4 * MAILER_BATCH) +
		     2 * (int64_t)cfg->db_timeout_ms;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	Mailer *m = arg;
	const Config *cfg = &m->srv->cfg;

	if (m->stopped || m->smtp != NULL || m->claiming)
		return;
	if (cfg->smtp_relay[0] == '\0') {
		/* No relay: look again later, in case a reload sets one. */
		schedule(m->poll, cfg->outbox_poll_ms);
		return;
	}
	char batch[16], lease[16];
	snprintf(batch, sizeof batch, "%d", MAILER_BATCH);
	snprintf(lease, sizeof lease, "%d", lease_ms(cfg));
	const char *params[2] = {batch, lease};
	DbJob *job = db_job_new(claim_done, m);
	if (job == NULL || !db_job_add(job, claim_sql, 2, params)) {
		db_job_free(job);
		schedule(m->poll, cfg->outbox_poll_ms);
		return;
	}
	m->claiming = true;
	pool_submit(m->srv->pool, job);
}

/* ---- sweeping ---- */

static void
sweep_done(void *arg, const DbOutcome *out)
{
	Mailer *m = arg;

	m->sweeping = false;
	if (m->stopped)
		return;
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		db_trouble(m, "sweep", out);
	} else if (PQntuples(out->results[0]) == 1) {
		const PGresult *r = out->results[0];
		db_fine(m);
		m->stats.pending = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		m->stats.failed_last_day = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		int reminded = atoi(PQgetvalue(r, 0, 2)), expired = atoi(PQgetvalue(r, 0, 3));
		if (reminded > 0)
			log_info("feedback_reminders", "written=%d", reminded);
		if (expired > 0)
			log_info("notifications_expired", "count=%d", expired);
	}
	schedule(m->sweep, m->srv->cfg.outbox_sweep_s * 1000);
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	Mailer *m = arg;

	if (m->stopped || m->sweeping)
		return;
	DbJob *job = db_job_new(sweep_done, m);
	if (job == NULL ||
	    !db_job_add(job, "SELECT pending, failed_last_day, reminded, expired"
			     "  FROM triad_outbox_tick()", 0, NULL)) {
		db_job_free(job);
		schedule(m->sweep, m->srv->cfg.outbox_sweep_s * 1000);
		return;
	}
	m->sweeping = true;
	pool_submit(m->srv->pool, job);
}

/* ---- life ---- */

Mailer *
mailer_new(Server *srv, char err[256])
{
	Mailer *m = calloc(1, sizeof *m);

	if (m != NULL) {
		m->srv = srv;
		m->poll = evtimer_new(srv->base, on_poll, m);
		m->sweep = evtimer_new(srv->base, on_sweep, m);
	}
	if (m == NULL || m->poll == NULL || m->sweep == NULL) {
		mailer_free(m);
		snprintf(err, 256, "out of memory");
		return NULL;
	}
	if (srv->cfg.smtp_relay[0] == '\0')
		log_info("outbox_without_relay",
			 "detail=\"no smtp_relay: notifications stay in the outbox, where staff "
			 "read them with `triad notification list`\"");
	schedule(m->poll, 0);
	schedule(m->sweep, 0);
	return m;
}

void
mailer_stop(Mailer *m)
{
	if (m == NULL || m->stopped)
		return;
	m->stopped = true;
	evtimer_del(m->poll);
	evtimer_del(m->sweep);
	smtp_session_abort(m->smtp);
	m->smtp = NULL;
	batch_clear(m);
	if (m->dns != NULL) {
		evdns_base_free(m->dns, 0);
		m->dns = NULL;
	}
}

void
mailer_free(Mailer *m)
{
	if (m == NULL)
		return;
	mailer_stop(m);
	if (m->poll != NULL)
		event_free(m->poll);
	if (m->sweep != NULL)
		event_free(m->sweep);
	free(m);
}

const MailerStats *
mailer_stats(const Mailer *m)
{
	return &m->stats;
}
