/*
 * pool.c: the connection pool, its queue and its deadlines.
 */
#include "pool.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"

#define SWEEP_MS 50

/* Resolves one host name to a numeric address, or copies it if numeric. */
static bool
resolve_one(const char *host, char *out, size_t size)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	unsigned char tmp[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1) {
		snprintf(out, size, "%s", host);
		return true;
	}
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
		return false;
	int rc = getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)size, NULL, 0,
			     NI_NUMERICHOST);
	freeaddrinfo(res);
	return rc == 0;
}

/*
 * Builds hostaddr for a comma-separated host list unless the conninfo has
 * one, so libpq never resolves names on the loop. Unix socket paths (and
 * an empty host, meaning the default socket) need no address.
 */
static bool
resolve_hosts(const char *hosts, char **hostaddr, char err[256])
{
	char buf[CONFIG_STR_MAX], out[CONFIG_STR_MAX] = "";
	size_t used = 0;

	*hostaddr = NULL;
	snprintf(buf, sizeof buf, "%s", hosts);
	for (char *save = NULL, *h = strtok_r(buf, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
		if (h[0] == '/' || h[0] == '@')
			return true;  /* sockets: leave libpq alone */
		char addr[NI_MAXHOST];
		if (!resolve_one(h, addr, sizeof addr)) {
			snprintf(err, 256, "cannot resolve database host '%s'", h);
			return false;
		}
		used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", used ? "," : "", addr);
		if (used >= sizeof out) {
			snprintf(err, 256, "database host list is too long");
			return false;
		}
	}
	*hostaddr = strdup(out);
	return *hostaddr != NULL;
}

static void
params_free(Pool *pool)
{
	if (pool->keys == NULL)
		return;
	for (int i = 0; pool->keys[i] != NULL; i++) {
		free((char *)pool->keys[i]);
		free((char *)pool->values[i]);
	}
	free(pool->keys);
	free(pool->values);
}

/* Turns the conninfo into keyword/value arrays with names resolved. */
static bool
params_build(Pool *pool, const char *conninfo, char err[256])
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	if (opts == NULL) {
		snprintf(err, 256, "db: %s", perr != NULL ? perr : "out of memory");
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		PQfreemem(perr);
		return false;
	}
	int n = 0;
	const char *host = NULL, *hostaddr = NULL, *appname = NULL, *options = NULL;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		n++;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "application_name") == 0)
			appname = o->val;
		else if (strcmp(o->keyword, "options") == 0)
			options = o->val;
	}
	char *resolved = NULL;
	if (host != NULL && hostaddr == NULL && !resolve_hosts(host, &resolved, err)) {
		PQconninfoFree(opts);
		return false;
	}
	pool->keys = calloc((size_t)n + 4, sizeof *pool->keys);
	pool->values = calloc((size_t)n + 4, sizeof *pool->values);
	bool ok = pool->keys != NULL && pool->values != NULL;
	int k = 0;
	for (PQconninfoOption *o = opts; ok && o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		pool->keys[k] = strdup(o->keyword);
		pool->values[k] = strdup(o->val);
		ok = pool->keys[k] != NULL && pool->values[k] != NULL;
		k++;
	}
	if (ok && resolved != NULL) {
		pool->keys[k] = strdup("hostaddr");
		pool->values[k] = strdup(resolved);
		ok = pool->keys[k] != NULL && pool->values[k] != NULL;
		k++;
	}
	if (ok && appname == NULL) {
		pool->keys[k] = strdup("application_name");
		pool->values[k] = strdup("triadd");
		ok = pool->keys[k] != NULL && pool->values[k] != NULL;
		k++;
	}
	/* The server gives up on a statement when the daemon would, so a request
	 * abandoned at its deadline does not keep running and holding locks. */
	char opt[CONFIG_STR_MAX];
	if (ok && options == NULL) {
		snprintf(opt, sizeof opt, "-c statement_timeout=%d", pool->cfg->db_timeout_ms);
		pool->keys[k] = strdup("options");
		pool->values[k] = strdup(opt);
		ok = pool->keys[k] != NULL && pool->values[k] != NULL;
	}
	free(resolved);
	PQconninfoFree(opts);
	if (!ok)
		snprintf(err, 256, "out of memory");
	return ok;
}

static DbJob *
queue_pop(Pool *pool)
{
	DbJob *job = pool->qhead;
	if (job != NULL) {
		pool->qhead = job->next;
		if (pool->qhead == NULL)
			pool->qtail = NULL;
		job->next = NULL;
		pool->qlen--;
	}
	return job;
}

static void
queue_fail_all(Pool *pool, Triad__V1__Code code, const char *message)
{
	for (DbJob *job; (job = queue_pop(pool)) != NULL;)
		db_job_fail(job, code, message);
}

static DbConn *
idle_conn(Pool *pool)
{
	for (int i = 0; i < pool->size; i++) {
		if (pool->conns[i].state == DB_ST_IDLE)
			return &pool->conns[i];
	}
	return NULL;
}

/* Fails jobs past their deadline, queued or running. */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	Pool *pool = arg;
	uint64_t now = now_us();
	char msg[128];

	snprintf(msg, sizeof msg, "the database did not answer within %d ms; try again",
		 pool->cfg->db_timeout_ms);
	/* The whole queue: a reloaded db_timeout_ms can put later jobs first. */
	DbJob *expired = NULL, **link = &pool->qhead;
	pool->qtail = NULL;
	while (*link != NULL) {
		DbJob *job = *link;
		if (job->deadline_us <= now) {
			*link = job->next;
			job->next = expired;
			expired = job;
			pool->qlen--;
		} else {
			pool->qtail = job;
			link = &job->next;
		}
	}
	while (expired != NULL) {
		DbJob *job = expired;
		expired = job->next;
		job->next = NULL;
		db_job_fail(job, TRIAD__V1__CODE__CODE_UNAVAILABLE, msg);
	}
	for (int i = 0; i < pool->size; i++) {
		DbConn *dc = &pool->conns[i];
		if (dc->state == DB_ST_BUSY && dc->job != NULL && dc->job->deadline_us <= now) {
			log_warn("db_job_timeout", "index=%d ms=%d", dc->index, pool->cfg->db_timeout_ms);
			db_conn_abandon(dc, msg);
		}
	}
}

Pool *
pool_new(struct event_base *base, const Config *cfg, char err[256])
{
	Pool *pool = calloc(1, sizeof *pool);
	if (pool == NULL) {
		snprintf(err, 256, "out of memory");
		return NULL;
	}
	pool->base = base;
	pool->cfg = cfg;
	pool->size = cfg->pool_size;
	if (!params_build(pool, cfg->db, err)) {
		pool_free(pool);
		return NULL;
	}
	pool->conns = calloc((size_t)pool->size, sizeof *pool->conns);
	pool->sweep = event_new(base, -1, EV_PERSIST, on_sweep, pool);
	if (pool->conns == NULL || pool->sweep == NULL) {
		snprintf(err, 256, "out of memory");
		pool_free(pool);
		return NULL;
	}
	struct timeval tv = {0, SWEEP_MS * 1000};
	event_add(pool->sweep, &tv);
	for (int i = 0; i < pool->size; i++) {
		if (!db_conn_init(&pool->conns[i], pool, i)) {
			snprintf(err, 256, "out of memory");
			pool_free(pool);
			return NULL;
		}
	}
	return pool;
}

void
pool_free(Pool *pool)
{
	if (pool == NULL)
		return;
	queue_fail_all(pool, TRIAD__V1__CODE__CODE_UNAVAILABLE, "the server is shutting down");
	/* Closing connections must not wake the pool up again. */
	pool->outage = true;
	for (int i = 0; pool->conns != NULL && i < pool->size; i++)
		db_conn_fini(&pool->conns[i]);
	free(pool->conns);
	if (pool->sweep != NULL)
		event_free(pool->sweep);
	params_free(pool);
	free(pool);
}

void
pool_submit(Pool *pool, DbJob *job)
{
	if (pool->outage) {
		db_job_fail(job, TRIAD__V1__CODE__CODE_UNAVAILABLE,
			    "the database is unavailable; try again shortly");
		return;
	}
	job->deadline_us = now_us() + (uint64_t)pool->cfg->db_timeout_ms * 1000u;
	DbConn *dc = pool->qhead == NULL ? idle_conn(pool) : NULL;
	if (dc != NULL) {
		db_conn_run(dc, job);
		return;
	}
	if (pool->qlen >= pool->cfg->db_queue_max) {
		char msg[128];
		snprintf(msg, sizeof msg,
			 "the server is busy (%d requests waiting for the database); try again shortly",
			 pool->qlen);
		db_job_fail(job, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, msg);
		return;
	}
	if (pool->qtail != NULL)
		pool->qtail->next = job;
	else
		pool->qhead = job;
	pool->qtail = job;
	pool->qlen++;
}

bool
pool_ready(const Pool *pool)
{
	return pool->n_up > 0;
}

void
pool_conn_up(Pool *pool, DbConn *dc)
{
	pool->n_up++;
	if (pool->outage) {
		pool->outage = false;
		log_info("db_available", "connections=%d", pool->n_up);
	}
	pool_conn_idle(pool, dc);
}

void
pool_conn_down(Pool *pool, DbConn *dc, bool was_up, const char *why)
{
	if (was_up)
		pool->n_up--;
	if (pool->n_up == 0 && !pool->outage) {
		pool->outage = true;
		log_warn("db_unavailable", "reason=\"%s\"", why);
		queue_fail_all(pool, TRIAD__V1__CODE__CODE_UNAVAILABLE,
			       "the database is unavailable; try again shortly");
	}
}

void
pool_conn_idle(Pool *pool, DbConn *dc)
{
	DbJob *job = queue_pop(pool);
	if (job != NULL)
		db_conn_run(dc, job);
}

void
pool_abort(Pool *pool)
{
	queue_fail_all(pool, TRIAD__V1__CODE__CODE_CANCELLED,
		       "the server is stopping and did not start this request; send it again");
	for (int i = 0; i < pool->size; i++) {
		if (pool->conns[i].state == DB_ST_BUSY && pool->conns[i].job != NULL)
			db_conn_abandon(&pool->conns[i], "server stopping");
	}
}
