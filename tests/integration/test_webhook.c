/*
 * test_webhook.c: partners' webhooks (proto/triad/v1/webhook.proto)
 * against a real triadd, PostgreSQL and a receiver of the test's own,
 * tests/webhook_receiver.py, which checks every signature with Python's
 * hmac module (not triadd's OpenSSL) and logs what it got.
 *
 * The retry timing is scaled down (webhook_retry_ms = 200, doubling to at
 * most 1600 ms): a receiver that stays down across several retries here
 * stands for the ten minutes (and more) of the defaults, 1 minute doubling
 * to at most 1 hour for 3 days. Nothing sleeps to synchronise: each wait
 * polls the receiver's log or the attempts listed, with a deadline.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define REQ(name) Triad__V1__Request name = TRIAD__V1__REQUEST__INIT
#define WAIT_MS 30000
#define MAX_IDS 64

static Triadd d;
static Sess op;
static char token[128];
static int uniq;
static char config[1024];

/* ---- the receiver ---- */

typedef struct Receiver {
	pid_t pid;
	int port;
	char dir[256];
	bool tls;
	char cert[256], key[256];
} Receiver;

static void
pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A port nothing listens on now (the kernel's choice, closed again). */
static int
free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void
recv_file(const Receiver *r, const char *name, const char *text)
{
	char path[512], tmp[512];
	snprintf(path, sizeof path, "%s/%s", r->dir, name);
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", r->dir, name);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

/* Makes r's directory (once) and, unless its port is set, picks one. */
static void
recv_init(Receiver *r, bool tls)
{
	static int n;
	char name[32];
	memset(r, 0, sizeof *r);
	snprintf(name, sizeof name, "receiver-%d", ++n);
	harness_tmp_path(r->dir, sizeof r->dir, name);
	assert_int_equal(mkdir(r->dir, 0700), 0);
	r->port = free_port();
	r->tls = tls;
	snprintf(r->cert, sizeof r->cert, "%s/server.crt", harness_tls_dir());
	snprintf(r->key, sizeof r->key, "%s/server.key", harness_tls_dir());
}

/* Starts the receiver on r's port and waits until it listens. */
static void
recv_start(Receiver *r)
{
	char path[512], cmd[2048], tls[600] = "";
	snprintf(path, sizeof path, "%s/port", r->dir);
	unlink(path);
	if (r->tls)
		snprintf(tls, sizeof tls, "--tls-cert '%s' --tls-key '%s'", r->cert, r->key);
	snprintf(cmd, sizeof cmd,
		 "exec /usr/bin/python3 '%s/tests/webhook_receiver.py' --dir '%s' --port %d "
		 "--parent %d %s >>'%s/receiver.log' 2>&1",
		 TRIAD_SOURCE_DIR, r->dir, r->port, (int)getpid(), tls, r->dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	r->pid = pid;
	uint64_t deadline = ms_now() + WAIT_MS;
	for (;;) {
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			int got = 0;
			bool ok = fscanf(f, "%d", &got) == 1;
			fclose(f);
			if (ok && got == r->port)
				return;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			r->pid = 0;
			fail_msg("the webhook receiver exited before it listened (see %s/receiver.log)",
				 r->dir);
		}
		if (ms_now() > deadline)
			fail_msg("the webhook receiver did not listen within %d ms", WAIT_MS);
		pause_ms(20);
	}
}

static void
recv_stop(Receiver *r)
{
	if (r->pid <= 0)
		return;
	kill(r->pid, SIGTERM);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
}

/* One line of the receiver's log. */
typedef struct Hit {
	bool ok;
	int status;
	char event[40];
	char delivery[40];
	char type[80];
	uint64_t ms;
} Hit;

/* The receiver's log so far, into hits (up to max); returns how many. */
static int
recv_hits(const Receiver *r, Hit *hits, int max)
{
	char path[512], line[512], verdict[8];
	snprintf(path, sizeof path, "%s/log", r->dir);
	FILE *f = fopen(path, "r");
	int n = 0;
	if (f == NULL)
		return 0;
	while (n < max && fgets(line, sizeof line, f) != NULL) {
		Hit *h = &hits[n];
		if (sscanf(line, "%7s %d %39s %39s %79s %" SCNu64, verdict, &h->status, h->event,
			   h->delivery, h->type, &h->ms) == 6) {
			h->ok = strcmp(verdict, "ok") == 0;
			n++;
		}
	}
	fclose(f);
	return n;
}

/* How many verified, 2xx-answered arrivals of event id r's log holds. */
static int
delivered_count(const Hit *hits, int n, const char *id)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		c += hits[i].ok && hits[i].status / 100 == 2 && strcmp(hits[i].event, id) == 0;
	return c;
}

/* Waits until every one of ids (n) was delivered to r at least once. */
static void
wait_delivered(const Receiver *r, char ids[][40], int n)
{
	static Hit hits[512];
	uint64_t deadline = ms_now() + WAIT_MS;
	for (;;) {
		int got = recv_hits(r, hits, 512), missing = -1;
		for (int i = 0; i < n && missing < 0; i++)
			if (delivered_count(hits, got, ids[i]) == 0)
				missing = i;
		if (missing < 0)
			return;
		if (ms_now() > deadline)
			fail_msg("event %s (%d of %d) was not delivered within %d ms; the receiver got "
				 "%d requests (see %s/log, and the daemon's log %s)",
				 ids[missing], missing + 1, n, WAIT_MS, got, r->dir, d.log);
		pause_ms(50);
	}
}

/* ---- requests ---- */

static void
url_of(const Receiver *r, const char *host, char *url, size_t size)
{
	snprintf(url, size, "%s://%s:%d/triad/events?from=test", r->tls ? "https" : "http", host,
		 r->port);
}

/* Registers a webhook at url as the caller of s; its id and secret out. */
static void
create_webhook(Sess *s, const char *inst, const char *url, char id[40], char secret[64])
{
	REQ(req);
	Triad__V1__CreateWebhookRequest m = TRIAD__V1__CREATE_WEBHOOK_REQUEST__INIT;
	m.url = (char *)url;
	m.description = "test receiver";
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_WEBHOOK;
	req.create_webhook = &m;
	Triad__V1__Response *r = rpc_ok(s, inst, &req);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_WEBHOOK_SECRET);
	assert_string_equal(r->webhook_secret->webhook->url, url);
	assert_string_equal(r->webhook_secret->webhook->status, "active");
	assert_int_equal(strncmp(r->webhook_secret->secret, "whk_", 4), 0);
	assert_int_equal(strlen(r->webhook_secret->secret), 47);
	snprintf(id, 40, "%s", r->webhook_secret->webhook->id);
	snprintf(secret, 64, "%s", r->webhook_secret->secret);
	rpc_free(r);
}

static void
delete_webhook(Sess *s, const char *inst, const char *id)
{
	REQ(req);
	Triad__V1__DeleteWebhookRequest m = TRIAD__V1__DELETE_WEBHOOK_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_DELETE_WEBHOOK;
	req.delete_webhook = &m;
	Triad__V1__Response *r = rpc_ok(s, inst, &req);
	assert_string_equal(r->webhook->status, "disabled");
	rpc_free(r);
}

static Triad__V1__Response *
attempts(Sess *s, const char *inst, const char *webhook, bool only_failed)
{
	REQ(req);
	Triad__V1__ListWebhookDeliveriesRequest m = TRIAD__V1__LIST_WEBHOOK_DELIVERIES_REQUEST__INIT;
	m.webhook_id = (char *)webhook;
	m.only_failed = only_failed;
	m.page_size = 500;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_WEBHOOK_DELIVERIES;
	req.list_webhook_deliveries = &m;
	return rpc_ok(s, inst, &req);
}

/* Waits until the webhook has at least n failed attempts listed. */
static void
wait_failed_attempts(Sess *s, const char *inst, const char *webhook, size_t n)
{
	uint64_t deadline = ms_now() + WAIT_MS;
	for (;;) {
		Triad__V1__Response *r = attempts(s, inst, webhook, true);
		size_t got = r->webhook_deliveries->n_attempts;
		rpc_free(r);
		if (got >= n)
			return;
		if (ms_now() > deadline)
			fail_msg("%zu failed attempts listed after %d ms, not %zu", got, WAIT_MS, n);
		pause_ms(50);
	}
}

/* Waits until nothing is owed to webhook id (its last answers recorded:
 * the receiver logs a request before it answers). */
static void
wait_settled(Sess *s, const char *inst, const char *id)
{
	uint64_t deadline = ms_now() + WAIT_MS;
	for (;;) {
		REQ(req);
		Triad__V1__ListWebhooksRequest m = TRIAD__V1__LIST_WEBHOOKS_REQUEST__INIT;
		m.page_size = 500;
		req.body_case = TRIAD__V1__REQUEST__BODY_LIST_WEBHOOKS;
		req.list_webhooks = &m;
		Triad__V1__Response *x = rpc_ok(s, inst, &req);
		int pending = -1;
		for (size_t i = 0; i < x->webhooks->n_webhooks; i++)
			if (strcmp(x->webhooks->webhooks[i]->id, id) == 0)
				pending = x->webhooks->webhooks[i]->pending;
		rpc_free(x);
		if (pending == 0)
			return;
		if (ms_now() > deadline)
			fail_msg("webhook %s still owed %d deliveries after %d ms", id, pending, WAIT_MS);
		pause_ms(50);
	}
}

/* A change in inst that writes one event: a learning line. */
static void
make_change(Sess *s, const char *inst, const char *programme)
{
	REQ(req);
	Triad__V1__CreateLearningLineRequest m = TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
	Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
	char name[64], code[32];
	snprintf(name, sizeof name, "Line %d", ++uniq);
	snprintf(code, sizeof code, "L%d", uniq);
	l.programme_id = (char *)programme;
	l.name = name;
	l.code = code;
	m.line = &l;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_LEARNING_LINE;
	req.create_learning_line = &m;
	rpc_free(rpc_ok(s, inst, &req));
}

/* The events of inst after cursor after (the operator sees all), in
 * commit order, into ids; their data into datas when not NULL, up to the
 * end of the stream (waiting while a transaction still running holds it
 * back). Returns how many; the cursor after them goes to end. */
static int
events_after(const char *inst, const char *after, char ids[][40], char **datas, int max,
	     char end[64])
{
	char cur[64];
	int n = 0;
	snprintf(cur, sizeof cur, "%s", after);
	for (;;) {
		REQ(req);
		Triad__V1__ListDomainEventsRequest m = TRIAD__V1__LIST_DOMAIN_EVENTS_REQUEST__INIT;
		m.after = cur;
		m.page_size = 500;
		req.body_case = TRIAD__V1__REQUEST__BODY_LIST_DOMAIN_EVENTS;
		req.list_domain_events = &m;
		Triad__V1__Response *r = rpc_ok(&op, inst, &req);
		Triad__V1__ListDomainEventsReply *p = r->domain_events;
		for (size_t i = 0; i < p->n_events && n < max; i++) {
			snprintf(ids[n], 40, "%s", p->events[i]->id);
			if (datas != NULL)
				datas[n] = test_strdup(p->events[i]->data);
			n++;
		}
		snprintf(cur, sizeof cur, "%s", p->next_cursor);
		bool more = p->more, held = p->more && p->n_events == 0;
		rpc_free(r);
		if (!more)
			break;
		/* Held back by a transaction still running: it ends soon. */
		if (held)
			pause_ms(20);
	}
	if (end != NULL)
		snprintf(end, 64, "%s", cur);
	return n;
}

/*
 * The want events of inst after cursor end that the test's own changes
 * just wrote, waiting for them: a reader sees only what is below the
 * oldest transaction still running (stream.sql), and the daemons' own
 * work holds that back for a moment. end moves past them.
 */
static int
events_expect(const char *inst, char end[64], char ids[][40], char **datas, int want)
{
	uint64_t deadline = ms_now() + WAIT_MS;
	int n = 0;
	for (;;) {
		n += events_after(inst, end, ids + n, datas != NULL ? datas + n : NULL, MAX_IDS - n,
				  end);
		if (n >= want)
			break;
		if (ms_now() > deadline)
			fail_msg("%d of the %d events written were readable after %d ms", n, want,
				 WAIT_MS);
		pause_ms(20);
	}
	assert_int_equal(n, want);
	return n;
}

/* An institution with a programme and an institution-wide partner system
 * (its session in *partner). */
static char *
partner_setup(const char *stem, char slug[64], char **programme, Sess *partner)
{
	char name[80];
	make_institution(&op, stem, "Webhooks", slug);
	*programme = make_programme(&op, slug, "WH1", 0);
	char *machine = make_machine(&op, slug, NULL, "partner", name);
	*partner = sess_open(d.addr, machine);
	return machine;
}

/* ---- tests ---- */

/* Restarts the daemon with config plus extra (NULL: none). */
static void
restart(const char *extra)
{
	char conf[1400];
	triadd_stop(&d, SIGTERM);
	snprintf(conf, sizeof conf, "%s%s", config, extra != NULL ? extra : "");
	triadd_start(&d, conf);
	sess_close(&op);
	op = sess_open(d.addr, token);
}


/*
 * Events reach a receiver, signed (checked by Python's hmac), once each,
 * in commit order, with two daemons on the database; a receiver that
 * holds the wrong secret refuses them and they are tried again; after a
 * rotation the old secret still signs for a while.
 */
static void
test_signed_delivery(void **state)
{
	(void)state;
	char slug[64], url[256], id[40], secret[64], end[64], other[64];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	static Hit hits[512];
	char *programme;
	Sess partner;
	Receiver r;
	Triadd d2;

	free(partner_setup("wh-signed", slug, &programme, &partner));
	recv_init(&r, false);
	recv_start(&r);
	url_of(&r, "127.0.0.1", url, sizeof url);

	/* Not a URL to send to: refused, naming the field. */
	{
		REQ(req);
		Triad__V1__CreateWebhookRequest m = TRIAD__V1__CREATE_WEBHOOK_REQUEST__INIT;
		m.url = "ftp://127.0.0.1/x";
		req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_WEBHOOK;
		req.create_webhook = &m;
		Triad__V1__Response *x = rpc(&partner, slug, &req);
		expect_status(x, CODE(INVALID_ARGUMENT), NULL, "create_webhook.url");
		expect_contains(x->status->message, "https://");
		rpc_free(x);
	}

	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);
	create_webhook(&partner, slug, url, id, secret);
	recv_file(&r, "secret", secret);
	/* A second daemon on the same database: the leases keep them from
	 * sending the same delivery at once. */
	triadd_start(&d2, config);
	for (int i = 0; i < 5; i++)
		make_change(&op, slug, programme);
	int n = events_expect(slug, end, ids, NULL, 5);
	assert_int_equal(n, 5);
	wait_delivered(&r, ids, n);
	int got = recv_hits(&r, hits, 512);
	/* Once each, all verified, in commit order. */
	assert_int_equal(got, n);
	for (int i = 0; i < n; i++) {
		assert_true(hits[i].ok);
		assert_int_equal(hits[i].status, 200);
		assert_string_equal(hits[i].event, ids[i]);
		assert_string_equal(hits[i].type, "learning_line.created");
	}
	triadd_stop(&d2, SIGTERM);

	/* The receiver holds a wrong secret: it refuses (400), and the event
	 * is tried again until it holds the right one. */
	recv_file(&r, "secret", "whk_not-the-secret-at-all-00000000000000000000");
	make_change(&op, slug, programme);
	n = events_expect(slug, end, ids, NULL, 1);
	assert_int_equal(n, 1);
	wait_failed_attempts(&partner, slug, id, 2);
	Triad__V1__Response *a = attempts(&partner, slug, id, true);
	assert_int_equal(a->webhook_deliveries->attempts[0]->http_status, 400);
	assert_string_equal(a->webhook_deliveries->attempts[0]->outcome, "retry");
	assert_string_equal(a->webhook_deliveries->attempts[0]->event_id, ids[0]);
	assert_true(a->webhook_deliveries->attempts[0]->next_attempt_at[0] != '\0');
	rpc_free(a);
	got = recv_hits(&r, hits, 512);
	assert_false(hits[got - 1].ok);
	recv_file(&r, "secret", secret);
	wait_delivered(&r, ids, 1);

	/* A new secret: the old one keeps signing (a second v1) for a day. */
	{
		REQ(req);
		Triad__V1__RotateWebhookSecretRequest m = TRIAD__V1__ROTATE_WEBHOOK_SECRET_REQUEST__INIT;
		m.id = id;
		req.body_case = TRIAD__V1__REQUEST__BODY_ROTATE_WEBHOOK_SECRET;
		req.rotate_webhook_secret = &m;
		Triad__V1__Response *x = rpc_ok(&partner, slug, &req);
		snprintf(other, sizeof other, "%s", x->webhook_secret->secret);
		assert_string_not_equal(other, secret);
		assert_true(x->webhook_secret->webhook->secret_rotated_at[0] != '\0');
		rpc_free(x);
	}
	make_change(&op, slug, programme);
	n = events_expect(slug, end, ids, NULL, 1);
	wait_delivered(&r, ids, n);      /* with the old secret */
	recv_file(&r, "secret", other);
	make_change(&op, slug, programme);
	n = events_expect(slug, end, ids, NULL, 1);
	wait_delivered(&r, ids, n);      /* with the new one */

	/* Listed, and its attempts with their outcomes (the receiver logs a
	 * request before it answers: wait for the answer to be recorded). */
	uint64_t deadline = ms_now() + WAIT_MS;
	for (;;) {
		REQ(req);
		Triad__V1__ListWebhooksRequest m = TRIAD__V1__LIST_WEBHOOKS_REQUEST__INIT;
		req.body_case = TRIAD__V1__REQUEST__BODY_LIST_WEBHOOKS;
		req.list_webhooks = &m;
		Triad__V1__Response *x = rpc_ok(&partner, slug, &req);
		assert_int_equal(x->webhooks->n_webhooks, 1);
		assert_string_equal(x->webhooks->webhooks[0]->id, id);
		bool done = x->webhooks->webhooks[0]->pending == 0;
		if (done)
			assert_string_equal(x->webhooks->webhooks[0]->last_result, "200");
		rpc_free(x);
		if (done)
			break;
		if (ms_now() > deadline)
			fail_msg("a delivery still pending after %d ms", WAIT_MS);
		pause_ms(50);
	}
	a = attempts(&partner, slug, id, false);
	assert_true(a->webhook_deliveries->n_attempts >= 9);
	assert_string_equal(a->webhook_deliveries->attempts[0]->outcome, "delivered");
	rpc_free(a);

	/* Deleted: nothing more is sent. */
	delete_webhook(&partner, slug, id);
	recv_stop(&r);
	sess_close(&partner);
	free(programme);
	free(ids);
}

/*
 * The receiver's port is closed while events happen, for several retries;
 * once it listens, it gets every event, each exactly once after dropping
 * repeats by id, in commit order.
 */
static void
test_receiver_down_then_up(void **state)
{
	(void)state;
	char slug[64], url[256], id[40], secret[64], end[64];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	static Hit hits[512];
	char *programme;
	Sess partner;
	Receiver r;

	free(partner_setup("wh-down", slug, &programme, &partner));
	recv_init(&r, false);     /* a port, nothing listening on it yet */
	url_of(&r, "127.0.0.1", url, sizeof url);
	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);
	create_webhook(&partner, slug, url, id, secret);
	recv_file(&r, "secret", secret);
	for (int i = 0; i < 6; i++)
		make_change(&op, slug, programme);
	int n = events_expect(slug, end, ids, NULL, 6);
	assert_int_equal(n, 6);

	/* Down across retries, each refused and recorded. */
	wait_failed_attempts(&partner, slug, id, 4);
	Triad__V1__Response *a = attempts(&partner, slug, id, true);
	for (size_t i = 0; i < a->webhook_deliveries->n_attempts; i++) {
		Triad__V1__WebhookAttempt *t = a->webhook_deliveries->attempts[i];
		assert_int_equal(t->http_status, 0);
		expect_contains(t->error, "could not connect");
		/* The first event holds the others back: order is kept. */
		assert_string_equal(t->event_id, ids[0]);
	}
	rpc_free(a);

	recv_start(&r);
	wait_delivered(&r, ids, n);
	int got = recv_hits(&r, hits, 512);
	int first[MAX_IDS];
	for (int i = 0; i < n; i++) {
		assert_true(delivered_count(hits, got, ids[i]) >= 1);
		first[i] = -1;
		for (int j = 0; j < got && first[i] < 0; j++)
			if (strcmp(hits[j].event, ids[i]) == 0)
				first[i] = j;
		/* In commit order. */
		if (i > 0)
			assert_true(first[i] > first[i - 1]);
	}
	/* Nothing the stream does not hold. */
	for (int j = 0; j < got; j++) {
		bool known = false;
		for (int i = 0; i < n; i++)
			known = known || strcmp(hits[j].event, ids[i]) == 0;
		assert_true(known);
	}
	delete_webhook(&partner, slug, id);
	recv_stop(&r);
	sess_close(&partner);
	free(programme);
	free(ids);
}

/*
 * A receiver that answers 500 gets the event again, the waits growing;
 * every attempt is listed; once it answers 200 the event is delivered.
 */
static void
test_server_error_is_retried_with_backoff(void **state)
{
	(void)state;
	char slug[64], url[256], id[40], secret[64], end[64];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	static Hit hits[512];
	char *programme;
	Sess partner;
	Receiver r;

	free(partner_setup("wh-500", slug, &programme, &partner));
	recv_init(&r, false);
	recv_file(&r, "status", "500");
	recv_start(&r);
	url_of(&r, "127.0.0.1", url, sizeof url);
	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);
	create_webhook(&partner, slug, url, id, secret);
	recv_file(&r, "secret", secret);
	make_change(&op, slug, programme);
	int n = events_expect(slug, end, ids, NULL, 1);
	assert_int_equal(n, 1);
	wait_failed_attempts(&partner, slug, id, 5);
	recv_file(&r, "status", "200");
	wait_delivered(&r, ids, 1);

	/* The waits between arrivals grow: 200 ms doubling (less a fifth at
	 * random) to 1600, each plus the time to notice. */
	int got = recv_hits(&r, hits, 512);
	assert_true(got >= 6);
	uint64_t gap[8];
	for (int i = 1; i < 6; i++) {
		assert_string_equal(hits[i].event, ids[0]);
		gap[i] = hits[i].ms - hits[i - 1].ms;
	}
	assert_true(gap[3] > gap[1]);
	assert_true(gap[4] > gap[2]);
	assert_true(gap[5] >= 2 * gap[1]);

	/* Every attempt listed, newest first: the delivery, then the 500s. */
	wait_settled(&partner, slug, id);
	Triad__V1__Response *a = attempts(&partner, slug, id, false);
	Triad__V1__ListWebhookDeliveriesReply *p = a->webhook_deliveries;
	assert_true(p->n_attempts >= 6);
	assert_string_equal(p->attempts[0]->outcome, "delivered");
	assert_int_equal(p->attempts[0]->http_status, 200);
	for (size_t i = 1; i < p->n_attempts; i++) {
		assert_int_equal(p->attempts[i]->http_status, 500);
		assert_string_equal(p->attempts[i]->outcome, "retry");
		assert_string_equal(p->attempts[i]->error, "HTTP 500");
		assert_int_equal(p->attempts[i]->attempt, (int)(p->n_attempts - i));
	}
	rpc_free(a);
	delete_webhook(&partner, slug, id);
	recv_stop(&r);
	sess_close(&partner);
	free(programme);
	free(ids);
}

/*
 * Redelivery by request: one event again (a new delivery id, the same
 * event id), and every delivery given up on since a time.
 */
static void
test_redelivery(void **state)
{
	(void)state;
	char slug[64], url[256], id[40], secret[64], end[64];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	static Hit hits[512];
	char *programme;
	Sess partner;
	Receiver r;

	/* A daemon that gives up after a second. */
	restart("webhook_give_up_s = 1\n");

	free(partner_setup("wh-again", slug, &programme, &partner));
	recv_init(&r, false);
	recv_file(&r, "status", "503");
	recv_start(&r);
	url_of(&r, "127.0.0.1", url, sizeof url);
	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);
	create_webhook(&partner, slug, url, id, secret);
	recv_file(&r, "secret", secret);
	char since[32];
	time_t t0 = time(NULL) - 1;
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t0));
	make_change(&op, slug, programme);
	make_change(&op, slug, programme);
	int n = events_expect(slug, end, ids, NULL, 2);
	assert_int_equal(n, 2);

	/* Both given up on. */
	uint64_t deadline = ms_now() + WAIT_MS;
	for (;;) {
		REQ(req);
		Triad__V1__ListWebhooksRequest m = TRIAD__V1__LIST_WEBHOOKS_REQUEST__INIT;
		req.body_case = TRIAD__V1__REQUEST__BODY_LIST_WEBHOOKS;
		req.list_webhooks = &m;
		Triad__V1__Response *x = rpc_ok(&partner, slug, &req);
		int failed = x->webhooks->webhooks[0]->failed;
		rpc_free(x);
		if (failed == 2)
			break;
		if (ms_now() > deadline)
			fail_msg("the deliveries were not given up on within %d ms", WAIT_MS);
		pause_ms(50);
	}
	Triad__V1__Response *a = attempts(&partner, slug, id, true);
	assert_string_equal(a->webhook_deliveries->attempts[0]->outcome, "failed");
	rpc_free(a);

	/* Everything failed since then, again. */
	recv_file(&r, "status", "200");
	REQ(req);
	Triad__V1__RedeliverWebhookRequest m = TRIAD__V1__REDELIVER_WEBHOOK_REQUEST__INIT;
	m.webhook_id = id;
	m.failed_since = since;
	req.body_case = TRIAD__V1__REQUEST__BODY_REDELIVER_WEBHOOK;
	req.redeliver_webhook = &m;
	Triad__V1__Response *x = rpc_ok(&partner, slug, &req);
	assert_int_equal(x->redelivered->queued, 2);
	rpc_free(x);
	wait_delivered(&r, ids, 2);

	/* One event, asked for again: the same event id, a new delivery. */
	int before = recv_hits(&r, hits, 512);
	m.failed_since = "";
	m.event_id = ids[0];
	x = rpc_ok(&partner, slug, &req);
	assert_int_equal(x->redelivered->queued, 1);
	rpc_free(x);
	deadline = ms_now() + WAIT_MS;
	while (recv_hits(&r, hits, 512) == before || delivered_count(hits, before + 1, ids[0]) < 2) {
		if (ms_now() > deadline)
			fail_msg("the redelivery did not arrive within %d ms", WAIT_MS);
		pause_ms(50);
	}
	int got = recv_hits(&r, hits, 512);
	char first_delivery[40] = "";
	for (int j = 0; j < got; j++) {
		if (strcmp(hits[j].event, ids[0]) != 0 || !hits[j].ok || hits[j].status != 200)
			continue;
		if (first_delivery[0] == '\0')
			snprintf(first_delivery, sizeof first_delivery, "%s", hits[j].delivery);
		else
			assert_string_not_equal(hits[j].delivery, first_delivery);
	}

	/* Neither or both, a malformed time, an unknown event: refused. */
	m.event_id = "";
	x = rpc(&partner, slug, &req);
	expect_status_free(x, CODE(INVALID_ARGUMENT), NULL, "redeliver_webhook.event_id");
	m.failed_since = "yesterday";
	x = rpc(&partner, slug, &req);
	expect_status_free(x, CODE(INVALID_ARGUMENT), NULL, "redeliver_webhook.failed_since");
	char unknown[37];
	random_uuid(unknown);
	m.failed_since = "";
	m.event_id = unknown;
	x = rpc(&partner, slug, &req);
	expect_status_free(x, CODE(NOT_FOUND), NULL, "redeliver_webhook.event_id");
	/* Another partner's webhook does not exist for it. */
	char name[80];
	char *other = make_machine(&op, slug, NULL, "other", name);
	Sess os = sess_open(d.addr, other);
	m.event_id = ids[0];
	x = rpc(&os, slug, &req);
	expect_status_free(x, CODE(NOT_FOUND), NULL, "redeliver_webhook.webhook_id");
	sess_close(&os);
	free(other);

	delete_webhook(&partner, slug, id);
	recv_stop(&r);
	sess_close(&partner);
	free(programme);
	free(ids);
	restart(NULL);
}

/*
 * An organisation's partner system gets the events about its employees
 * who consent, and none about one who does not.
 */
static void
test_organisation_webhook_follows_consent(void **state)
{
	(void)state;
	char url[256], id[40], secret[64], end[64];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	char *datas[MAX_IDS];
	static Hit hits[512];
	Receiver r;

	Employer e;
	make_employer(&op, d.addr, "wh-org", 2, &e);
	const char *slug = e.slug;
	char *org = e.org, *machine = e.machine, **enr = e.enr, **tok = e.tok;
	Sess p0 = sess_open(d.addr, tok[0]);
	REQ(sc);
	Triad__V1__SetConsentRequest scm = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	scm.enrollment_id = enr[0];
	scm.organisation_id = org;
	scm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS;
	sc.body_case = TRIAD__V1__REQUEST__BODY_SET_CONSENT;
	sc.set_consent = &scm;
	rpc_free(rpc_ok(&p0, slug, &sc));

	Sess hr = sess_open(d.addr, machine);
	recv_init(&r, false);
	recv_start(&r);
	url_of(&r, "127.0.0.1", url, sizeof url);
	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);
	create_webhook(&hr, slug, url, id, secret);
	recv_file(&r, "secret", secret);

	/* The one who does not consent first, then the one who does: once the
	 * second's event arrives, the first's was passed over (commit order). */
	rpc_free(move_enrollment(&op, slug, enr[1],
				 TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED));
	rpc_free(move_enrollment(&op, slug, enr[0],
				 TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED));
	make_change(&op, slug, e.programme);   /* the catalogue: the institution's, not the org's */
	int n = events_expect(slug, end, ids, datas, 3);
	assert_int_equal(n, 3);
	expect_contains(datas[0], enr[1]);
	expect_contains(datas[1], enr[0]);
	wait_delivered(&r, &ids[1], 1);
	/* Until the catalogue event is behind it too: a marker the org may not
	 * see either; its passing shows in the attempts (none) and pending. */
	uint64_t deadline = ms_now() + WAIT_MS;
	for (;;) {
		char *pending = owner_sql("SELECT count(*)::text FROM webhook_delivery "
					  "WHERE webhook_id = $1::uuid AND status = 'pending'",
					  id, NULL, NULL);
		char *cursor_done = owner_sql("SELECT (w.cursor_xid, w.cursor_seq) >= (e.xid, e.seq) "
					      "FROM webhook w, domain_event e "
					      "WHERE w.id = $1::uuid AND e.id = $2::uuid",
					      id, ids[2], NULL);
		bool done = strcmp(pending, "0") == 0 && strcmp(cursor_done, "t") == 0;
		free(pending);
		free(cursor_done);
		if (done)
			break;
		if (ms_now() > deadline)
			fail_msg("the webhook did not follow the stream within %d ms", WAIT_MS);
		pause_ms(50);
	}
	int got = recv_hits(&r, hits, 512);
	assert_int_equal(got, 1);
	assert_string_equal(hits[0].event, ids[1]);
	assert_true(hits[0].ok);

	delete_webhook(&hr, slug, id);
	recv_stop(&r);
	sess_close(&p0);
	sess_close(&hr);
	for (int i = 0; i < n; i++)
		free(datas[i]);
	employer_free(&e);
	free(ids);
}

/*
 * HTTPS: a receiver whose certificate the configured CA signed (the
 * suite's, for "localhost", found through evdns) gets the events; one
 * whose certificate nobody vouches for does not, and the attempt says why.
 */
static void
test_https_with_configured_ca(void **state)
{
	(void)state;
	char slug[64], url[256], id[40], secret[64], end[64], out[4096], cmd[2048];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	char *programme;
	Sess partner;
	Receiver r, bad;

	free(partner_setup("wh-tls", slug, &programme, &partner));
	recv_init(&r, true);
	recv_start(&r);
	url_of(&r, "localhost", url, sizeof url);
	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);
	create_webhook(&partner, slug, url, id, secret);
	recv_file(&r, "secret", secret);
	make_change(&op, slug, programme);
	int n = events_expect(slug, end, ids, NULL, 1);
	wait_delivered(&r, ids, n);
	delete_webhook(&partner, slug, id);

	/* A self-signed certificate: refused by triadd before anything is sent. */
	recv_init(&bad, true);
	snprintf(bad.cert, sizeof bad.cert, "%s/self.crt", bad.dir);
	snprintf(bad.key, sizeof bad.key, "%s/self.key", bad.dir);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
		 "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
		 "-keyout '%s' -out '%s' 2>&1", bad.key, bad.cert);
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	recv_start(&bad);
	url_of(&bad, "127.0.0.1", url, sizeof url);
	create_webhook(&partner, slug, url, id, secret);
	recv_file(&bad, "secret", secret);
	make_change(&op, slug, programme);
	wait_failed_attempts(&partner, slug, id, 1);
	Triad__V1__Response *a = attempts(&partner, slug, id, true);
	expect_contains(a->webhook_deliveries->attempts[0]->error, "certificate");
	rpc_free(a);
	static Hit hits[16];
	assert_int_equal(recv_hits(&bad, hits, 16), 0);
	delete_webhook(&partner, slug, id);

	recv_stop(&bad);
	recv_stop(&r);
	sess_close(&partner);
	free(programme);
	free(ids);
}

/*
 * By default the service sends to no loopback, private or link-local
 * address (a partner must not reach the service's own network): such a
 * URL is refused when registered, and an endpoint that is one by the time
 * it is sent to gets nothing.
 */
static void
test_private_addresses_refused(void **state)
{
	(void)state;
	char slug[64], url[256], id[40], secret[64], end[64];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	static Hit hits[16];
	char *programme, *machine;
	Sess partner;
	Receiver r;

	machine = partner_setup("wh-private", slug, &programme, &partner);
	recv_init(&r, false);
	recv_start(&r);
	url_of(&r, "127.0.0.1", url, sizeof url);
	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);
	create_webhook(&partner, slug, url, id, secret);   /* allowed in this daemon */
	recv_file(&r, "secret", secret);
	sess_close(&partner);

	restart("webhook_allow_private = off\n");
	partner = sess_open(d.addr, machine);
	const char *refused[] = {"http://127.0.0.1:8080/x", "https://localhost/x",
				 "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
				 "http://10.1.2.3/x", "http://192.168.0.1/x"};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		REQ(req);
		Triad__V1__CreateWebhookRequest m = TRIAD__V1__CREATE_WEBHOOK_REQUEST__INIT;
		m.url = (char *)refused[i];
		req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_WEBHOOK;
		req.create_webhook = &m;
		Triad__V1__Response *x = rpc(&partner, slug, &req);
		expect_status(x, CODE(INVALID_ARGUMENT), NULL, "create_webhook.url");
		expect_contains(x->status->message, "private address");
		rpc_free(x);
	}
	make_change(&op, slug, programme);
	wait_failed_attempts(&partner, slug, id, 1);
	Triad__V1__Response *a = attempts(&partner, slug, id, true);
	expect_contains(a->webhook_deliveries->attempts[0]->error, "private address");
	rpc_free(a);
	assert_int_equal(recv_hits(&r, hits, 16), 0);
	delete_webhook(&partner, slug, id);

	restart(NULL);
	recv_stop(&r);
	sess_close(&partner);
	free(machine);
	free(programme);
	free(ids);
}

/*
 * The client: create (the secret printed once), list, the attempts,
 * redelivery, delete; and clear words for a wrong URL or a missing choice.
 */
static void
test_client_commands(void **state)
{
	(void)state;
	char slug[64], url[256], args[1024], out[65536], id[40], secret[64], end[64];
	char (*ids)[40] = calloc(MAX_IDS, 40);
	char *programme;
	Sess partner;
	Receiver r;

	char *machine = partner_setup("wh-cli", slug, &programme, &partner);
	recv_init(&r, false);
	recv_start(&r);
	url_of(&r, "127.0.0.1", url, sizeof url);
	(void)events_after(slug, "", ids, NULL, MAX_IDS, end);

	snprintf(args, sizeof args, "--institution %s --json webhook create '%s' "
		 "--type learning_line.created --description 'HR system'", slug, url);
	triad_cli_ok(d.addr, machine, args, out, sizeof out);
	expect_contains(out, "shown only this once");
	json_string(out, "secret", secret, sizeof secret);
	json_string(out, "id", id, sizeof id);
	assert_int_equal(strncmp(secret, "whk_", 4), 0);
	recv_file(&r, "secret", secret);
	make_change(&op, slug, programme);
	int n = events_expect(slug, end, ids, NULL, 1);
	wait_delivered(&r, ids, n);

	snprintf(args, sizeof args, "--institution %s webhook list", slug);
	triad_cli_ok(d.addr, machine, args, out, sizeof out);
	expect_contains(out, url);
	expect_contains(out, "learning_line.created");
	wait_settled(&partner, slug, id);
	snprintf(args, sizeof args, "--institution %s --json webhook deliveries %s", slug, id);
	triad_cli_ok(d.addr, machine, args, out, sizeof out);
	expect_contains(out, "\"outcome\":\"delivered\"");
	expect_contains(out, ids[0]);
	snprintf(args, sizeof args, "--institution %s webhook redeliver %s --event %s", slug, id,
		 ids[0]);
	triad_cli_ok(d.addr, machine, args, out, sizeof out);
	expect_contains(out, "queued");

	/* Mistakes, in words. */
	snprintf(args, sizeof args, "--institution %s webhook create ftp://example.org/x", slug);
	assert_int_not_equal(triad_cli(d.addr, machine, args, out, sizeof out), 0);
	expect_contains(out, "https://");
	snprintf(args, sizeof args, "--institution %s webhook redeliver %s", slug, id);
	assert_int_equal(triad_cli(d.addr, machine, args, out, sizeof out), 2);
	expect_contains(out, "--failed-since");
	snprintf(args, sizeof args, "--institution %s webhook delet %s", slug, id);
	assert_int_equal(triad_cli(d.addr, machine, args, out, sizeof out), 2);
	expect_contains(out, "Did you mean 'delete'");

	snprintf(args, sizeof args, "--institution %s webhook delete %s", slug, id);
	triad_cli_ok(d.addr, machine, args, out, sizeof out);
	recv_stop(&r);
	sess_close(&partner);
	free(machine);
	free(programme);
	free(ids);
}

static int
setup(void **state)
{
	(void)state;
	triadd_bootstrap(token, sizeof token);
	snprintf(config, sizeof config,
		 "webhook_poll_ms = 100\n"
		 "webhook_retry_ms = 200\n"
		 "webhook_retry_max_ms = 1600\n"
		 "webhook_timeout_ms = 3000\n"
		 "webhook_give_up_s = 3600\n"
		 "webhook_allow_private = on\n"
		 "webhook_ca_file = %s/ca.crt\n",
		 harness_tls_dir());
	/* Webhooks that earlier runs and other tests left active (to endpoints
	 * long gone) would share this daemon's sending slots and blur the
	 * timing measured here. */
	free(owner_sql("UPDATE webhook SET status = 'disabled', disabled_at = now() "
		       "WHERE status = 'active'", NULL, NULL, NULL));
	triadd_start(&d, config);
	op = sess_open(d.addr, token);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sess_close(&op);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_delivery),
		cmocka_unit_test(test_receiver_down_then_up),
		cmocka_unit_test(test_server_error_is_retried_with_backoff),
		cmocka_unit_test(test_organisation_webhook_follows_consent),
		cmocka_unit_test(test_https_with_configured_ca),
		cmocka_unit_test(test_client_commands),
		cmocka_unit_test(test_private_addresses_refused),
		cmocka_unit_test(test_redelivery),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
