/*
 * pool.c: the connection pool, its queue and its deadlines.
 */
#include "pool.h"

#include <arpa/inet.h>
#include <assert.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "registry.h"
#include "tenants.h"

#define SWEEP_MS 50

/* The answer while no connection is up (an outage, a failover). */
static const char unavailable_msg[] =
	"the database is unavailable (it may be failing over to a standby): the request was "
	"not carried out; try again shortly";

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
 * Splits a libpq list (host, hostaddr, port: comma-separated, entries may
 * be empty) into at most POOL_HOSTS_MAX entries, written over buf. A NULL
 * list has no entries. Returns the count, or -1 when there are too many.
 */
static int
split_list(char *buf, char *items[POOL_HOSTS_MAX])
{
	int n = 0;
	if (buf == NULL)
		return 0;
	for (char *p = buf;; p++) {
		if (n == POOL_HOSTS_MAX)
			return -1;
		items[n++] = p;
		p = strchr(p, ',');
		if (p == NULL)
			return n;
		*p = '\0';
	}
}

static void
hosts_free(Pool *pool)
{
	for (int i = 0; i < pool->nhosts; i++) {
		free(pool->hosts[i].host);
		free(pool->hosts[i].addr);
		free(pool->hosts[i].port);
	}
	pool->nhosts = 0;
}

/* strdup of a list entry; an empty entry is NULL (libpq's default). */
static bool
dup_entry(char **dst, const char *src)
{
	*dst = NULL;
	return src == NULL || src[0] == '\0' || (*dst = strdup(src)) != NULL;
}

/*
 * Fills pool->hosts from the conninfo's host, hostaddr and port lists, as
 * libpq pairs them: one port for all hosts or one per host, and a hostaddr
 * per host when given. A host given by name gets its numeric address now,
 * so libpq never resolves names on the loop (sockets need none).
 */
static bool
hosts_build(Pool *pool, const char *host, const char *hostaddr, const char *port,
	    char err[256])
{
	char hbuf[CONFIG_STR_MAX], abuf[CONFIG_STR_MAX], pbuf[CONFIG_STR_MAX];
	char *h[POOL_HOSTS_MAX], *a[POOL_HOSTS_MAX], *p[POOL_HOSTS_MAX];

	snprintf(hbuf, sizeof hbuf, "%s", host != NULL ? host : "");
	snprintf(abuf, sizeof abuf, "%s", hostaddr != NULL ? hostaddr : "");
	snprintf(pbuf, sizeof pbuf, "%s", port != NULL ? port : "");
	int nh = split_list(host != NULL ? hbuf : NULL, h);
	int na = split_list(hostaddr != NULL ? abuf : NULL, a);
	int np = split_list(port != NULL ? pbuf : NULL, p);
	if (nh < 0 || na < 0 || np < 0) {
		snprintf(err, 256, "db: more than %d hosts", POOL_HOSTS_MAX);
		return false;
	}
	if (nh > 0 && na > 0 && nh != na) {
		snprintf(err, 256, "db: %d host names but %d hostaddr values", nh, na);
		return false;
	}
	int n = nh > na ? nh : na;
	if (n == 0)
		n = 1;                 /* libpq's default host */
	if (np > 1 && np != n) {
		snprintf(err, 256, "db: %d port numbers for %d hosts", np, n);
		return false;
	}
	for (int i = 0; i < n; i++) {
		PoolHost *ph = &pool->hosts[i];
		const char *name = i < nh ? h[i] : NULL;
		const char *addr = i < na ? a[i] : NULL;
		char resolved[NI_MAXHOST];
		pool->nhosts = i + 1;
		if ((addr == NULL || addr[0] == '\0') && name != NULL && name[0] != '\0' &&
		    name[0] != '/' && name[0] != '@') {
			if (!resolve_one(name, resolved, sizeof resolved)) {
				snprintf(err, 256, "cannot resolve database host '%s'", name);
				return false;
			}
			addr = resolved;
		}
		if (!dup_entry(&ph->host, name) || !dup_entry(&ph->addr, addr) ||
		    !dup_entry(&ph->port, np == 0 ? NULL : np == 1 ? p[0] : p[i])) {
			snprintf(err, 256, "out of memory");
			return false;
		}
	}
	return true;
}

static void
params_free(Pool *pool)
{
	hosts_free(pool);
	for (int i = 0; i < 3; i++)
		free(pool->lists[i]);
	if (pool->keys == NULL)
		return;
	for (int i = 0; pool->keys[i] != NULL; i++) {
		free((char *)pool->keys[i]);
		free((char *)pool->values[i]);
	}
	free(pool->keys);
	free(pool->values);
}

/* True for the keywords that name the servers: pool->hosts holds them. */
static bool
is_host_keyword(const char *k)
{
	return strcmp(k, "host") == 0 || strcmp(k, "hostaddr") == 0 || strcmp(k, "port") == 0;
}

/*
 * Turns the conninfo into keyword/value arrays and the server list. The
 * arrays end with host, hostaddr and port, whose values each connection
 * attempt fills (pool_connect_start()).
 */
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
	const char *host = NULL, *hostaddr = NULL, *port = NULL, *appname = NULL,
		   *options = NULL;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		n++;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "application_name") == 0)
			appname = o->val;
		else if (strcmp(o->keyword, "options") == 0)
			options = o->val;
	}
	if (!hosts_build(pool, host, hostaddr, port, err)) {
		PQconninfoFree(opts);
		return false;
	}
	/* Room for the longest join of each list (pool_connect_start()). */
	size_t need[3] = {1, 1, 1};
	for (int i = 0; i < pool->nhosts; i++) {
		const PoolHost *ph = &pool->hosts[i];
		need[0] += (ph->host != NULL ? strlen(ph->host) : 0) + 1;
		need[1] += (ph->addr != NULL ? strlen(ph->addr) : 0) + 1;
		need[2] += (ph->port != NULL ? strlen(ph->port) : 0) + 1;
	}
	bool ok = true;
	for (int i = 0; i < 3; i++)
		ok = ok && (pool->lists[i] = malloc(need[i])) != NULL;
	pool->keys = calloc((size_t)n + 6, sizeof *pool->keys);
	pool->values = calloc((size_t)n + 6, sizeof *pool->values);
	ok = ok && pool->keys != NULL && pool->values != NULL;
	int k = 0;
	for (PQconninfoOption *o = opts; ok && o->keyword != NULL; o++) {
		if (o->val == NULL || is_host_keyword(o->keyword))
			continue;
		pool->keys[k] = strdup(o->keyword);
		pool->values[k] = strdup(o->val);
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
		/* Below the daemon's own deadline, so that a slow statement is
		 * cancelled by PostgreSQL (a known outcome: not done) before the
		 * daemon gives up on it (an unknown one).
		 *
		 * And a prepared statement keeps its one generic plan. Each route
		 * statement has one shape per set of filters, and test_hot_plans
		 * checks that the generic plans of the busiest use their indexes.
		 * Left to choose, PostgreSQL compares the generic plan's estimate
		 * with the custom plans' and may plan every execution anew: with
		 * 1,000 feedback rows per enrollment it took ListFeedback's
		 * LIMIT $n for a tenth of them and planned each request (2 ms of
		 * planning for 0.6 ms of execution). */
		snprintf(opt, sizeof opt, "-c statement_timeout=%d -c plan_cache_mode=force_generic_plan",
			 pool->cfg->db_timeout_ms * 3 / 4 > 0 ? pool->cfg->db_timeout_ms * 3 / 4 : 1);
		pool->keys[k] = strdup("options");
		pool->values[k] = strdup(opt);
		ok = pool->keys[k] != NULL && pool->values[k] != NULL;
		k++;
	}
	/* Last: the servers, filled in per attempt (values stay NULL here). */
	static const char *const hk[3] = {"host", "hostaddr", "port"};
	pool->khost = k;
	for (int i = 0; ok && i < 3; i++) {
		pool->keys[k] = strdup(hk[i]);
		ok = pool->keys[k] != NULL;
		k++;
	}
	PQconninfoFree(opts);
	if (!ok)
		snprintf(err, 256, "out of memory");
	return ok;
}

/*
 * Starts connecting (PQconnectStartParams) with the servers in an order of
 * their own: a random permutation on every attempt. libpq tries a list in
 * the order given and has no load_balance_hosts before version 16; and an
 * asynchronous connect has no per-host connect_timeout, so a server that
 * swallows packets would hold every attempt until the pool's own timer
 * fires if it were always first. With target_session_attrs=read-write,
 * libpq moves on from a server that is read-only, whatever the order.
 */
PGconn *
pool_connect_start(Pool *pool)
{
	int order[POOL_HOSTS_MAX];
	size_t used[3] = {0, 0, 0};
	bool given[3] = {false, false, false};

	for (int i = 0; i < pool->nhosts; i++)
		order[i] = i;
	for (int i = pool->nhosts - 1; i > 0; i--) {
		int j = (int)(random() % (i + 1));
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < pool->nhosts; i++) {
		const PoolHost *ph = &pool->hosts[order[i]];
		const char *v[3] = {ph->host, ph->addr, ph->port};
		for (int l = 0; l < 3; l++) {
			char *dst = pool->lists[l] + used[l];
			size_t len = v[l] != NULL ? strlen(v[l]) : 0;
			if (i > 0)
				*dst++ = ',';
			memcpy(dst, v[l] != NULL ? v[l] : "", len);
			dst[len] = '\0';
			used[l] += len + (i > 0);
			given[l] = given[l] || len > 0;
		}
	}
	for (int l = 0; l < 3; l++)
		pool->values[pool->khost + l] = given[l] ? pool->lists[l] : NULL;
	PGconn *pg = PQconnectStartParams(pool->keys, pool->values, 0);
	for (int l = 0; l < 3; l++)
		pool->values[pool->khost + l] = NULL;
	return pg;
}

/* ---- the fair queue ---- */

#define POOL_BUCKETS 256           /* a power of two */

typedef enum FlowList { FLOW_NONE, FLOW_FRESH, FLOW_ROUNDS } FlowList;

/*
 * One owner's jobs: those waiting, oldest first, and a count of those
 * running. Exists while it has either. A principal's tally (its key has
 * POOL_OWNER_PRINCIPAL) counts only the jobs waiting, in no list.
 */
struct PoolFlow {
	uint64_t owner;
	DbJob *head, *tail;            /* owned */
	int queued;
	int running;                   /* on a connection now */
	FlowList in;                   /* FLOW_NONE while nothing waits */
	bool capped;                   /* refused at the cap since it was created */
	PoolFlow *prev, *next;         /* list links */
	PoolFlow *hnext;               /* bucket chain */
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);   /* FNV-1a, 64 bits */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h & ~(POOL_OWNER_ADDR | POOL_OWNER_CONN);
}

uint64_t
pool_owner_addr(const char *addr)
{
	return POOL_OWNER_ADDR | fnv1a(addr);
}

uint64_t
pool_owner_principal(const char *id)
{
	return POOL_OWNER_ADDR | POOL_OWNER_CONN | fnv1a(id);
}

static unsigned
bucket_of(uint64_t owner)
{
	return (unsigned)((owner * UINT64_C(0x9E3779B97F4A7C15)) >> 56) & (POOL_BUCKETS - 1);
}

static PoolFlow *
flow_find(Pool *pool, uint64_t owner)
{
	for (PoolFlow *f = pool->buckets[bucket_of(owner)]; f != NULL; f = f->hnext)
		if (f->owner == owner)
			return f;
	return NULL;
}

static void
list_push(PoolFlowList *l, PoolFlow *f)
{
	f->next = NULL;
	f->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
}

static void
list_remove(PoolFlowList *l, PoolFlow *f)
{
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		l->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NULL;
}

/* Moves f to list in (FLOW_NONE: out of both). */
static void
flow_move(Pool *pool, PoolFlow *f, FlowList in)
{
	if (f->in != FLOW_NONE)
		list_remove(f->in == FLOW_FRESH ? &pool->fresh : &pool->rounds, f);
	f->in = in;
	if (in != FLOW_NONE)
		list_push(in == FLOW_FRESH ? &pool->fresh : &pool->rounds, f);
}

/* A new owner, in no list yet. NULL without memory. */
static PoolFlow *
flow_new(Pool *pool, uint64_t owner)
{
	PoolFlow *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->owner = owner;
	unsigned b = bucket_of(owner);
	f->hnext = pool->buckets[b];
	pool->buckets[b] = f;
	pool->nflows++;
	return f;
}

/* Ends the episode of owners held to their cap once none is left. */
static void
capped_release(Pool *pool)
{
	uint64_t n, ms;
	if (--pool->ncapped == 0 && log_episode_end(&pool->capped, now_us(), &n, &ms))
		log_info("db_client_cap_clear", "refused=%" PRIu64 " ms=%" PRIu64, n, ms);
}

/* Ends the episode of principals held to their cap once none is left. */
static void
principal_capped_release(Pool *pool)
{
	uint64_t n, ms;
	if (--pool->nprincipals_capped == 0 &&
	    log_episode_end(&pool->principal_capped, now_us(), &n, &ms))
		log_info("db_principal_cap_clear", "refused=%" PRIu64 " ms=%" PRIu64, n, ms);
}

static bool
is_principal(uint64_t owner)
{
	return (owner & (POOL_OWNER_CONN | POOL_OWNER_ADDR)) == (POOL_OWNER_CONN | POOL_OWNER_ADDR);
}

static void
flow_free(Pool *pool, PoolFlow *f)
{
	assert(f->queued == 0 && f->head == NULL && f->running == 0);
	flow_move(pool, f, FLOW_NONE);
	for (PoolFlow **link = &pool->buckets[bucket_of(f->owner)]; *link != NULL;
	     link = &(*link)->hnext) {
		if (*link == f) {
			*link = f->hnext;
			break;
		}
	}
	if (f->capped && is_principal(f->owner))
		principal_capped_release(pool);
	else if (f->capped)
		capped_release(pool);
	pool->nflows--;
	free(f);
}

/* After f lost a job: freed when it has none left, out of the lists when
 * none waits. */
static void
flow_settle(Pool *pool, PoolFlow *f)
{
	if (f->queued > 0)
		return;
	if (f->running > 0)
		flow_move(pool, f, FLOW_NONE);
	else
		flow_free(pool, f);
}

/* Counts job, taken out of f's queue, off its owner's and principal's. */
static void
job_unqueued(Pool *pool, PoolFlow *f, const DbJob *job)
{
	f->queued--;
	pool->qlen--;
	if (job->principal != 0) {
		PoolFlow *t = flow_find(pool, job->principal);
		assert(t != NULL && t->queued > 0);
		if (--t->queued == 0)
			flow_free(pool, t);
	}
}

/* Ends the full-queue episode once the queue has drained to half. */
static void
queue_shrunk(Pool *pool)
{
	uint64_t n, ms;
	if (pool->full.active && pool->qlen <= pool->cfg->db_queue_max / 2 &&
	    log_episode_end(&pool->full, now_us(), &n, &ms))
		log_info("db_queue_ok", "queued=%d refused=%" PRIu64 " ms=%" PRIu64, pool->qlen, n,
			 ms);
}

static void
flow_append(Pool *pool, PoolFlow *f, DbJob *job)
{
	job->next = NULL;
	if (f->tail != NULL)
		f->tail->next = job;
	else
		f->head = job;
	f->tail = job;
	f->queued++;
	pool->qlen++;
}

/*
 * Connections that owners with a backlog may hold at once: the others stay
 * free for owners with nothing waiting, so their requests start at once and
 * do not queue behind the backlog for the database's CPU either.
 */
static int
backlog_limit(const Pool *pool)
{
	return pool->cfg->db_backlog_connections < pool->size ? pool->cfg->db_backlog_connections
							      : pool->size;
}

/* The owner whose job queue_pop() takes next (it says how), or NULL;
 * *from_fresh tells which list it is on. Takes nothing. */
static PoolFlow *
queue_next(const Pool *pool, int limit, bool *from_fresh)
{
	bool rounds_open = pool->rounds.head != NULL && pool->backlog_busy < limit;
	*from_fresh = pool->fresh.head != NULL && (!rounds_open || pool->fresh_run < pool->size);
	return *from_fresh ? pool->fresh.head : rounds_open ? pool->rounds.head : NULL;
}

/*
 * The next job in the fair order, or NULL: the oldest job of the first
 * fresh owner, else of the owner whose turn it is in rounds; an owner that
 * still has jobs waiting goes to the back of rounds, one that has none
 * leaves the queue. So a client sending one request at a time is served
 * at the next free connection, and one with a backlog waits one round per
 * job. Fresh owners could take every turn if enough of them arrived
 * without pause; after pool_size fresh jobs in a row, rounds gets one.
 */
static DbJob *
queue_pop(Pool *pool, int limit, PoolFlow **flow, bool *backlog)
{
	bool from_fresh;
	PoolFlow *f = queue_next(pool, limit, &from_fresh);
	if (f == NULL)
		return NULL;
	pool->fresh_run = from_fresh ? pool->fresh_run + 1 : 0;
	*backlog = !from_fresh;
	*flow = f;
	DbJob *job = f->head;
	assert(job != NULL && f->queued > 0);
	f->head = job->next;
	if (f->head == NULL)
		f->tail = NULL;
	job->next = NULL;
	job_unqueued(pool, f, job);
	f->running++;                  /* the caller runs it, or flow_done()s */
	if (f->queued > 0)
		flow_move(pool, f, FLOW_ROUNDS);
	flow_settle(pool, f);
	queue_shrunk(pool);
	return job;
}

/*
 * One of f's jobs that queue_pop() took is over. When none of its jobs runs
 * any more, what it has waiting is no longer a backlog: its next job takes
 * any free connection, in turn with the owners that had nothing waiting.
 * Otherwise a client that always has a request waiting would stay on the
 * backlog's connections for good, and a crowd of them would share those
 * while the rest of the pool sat idle.
 */
static void
flow_done(Pool *pool, PoolFlow *f)
{
	assert(f->running > 0);
	f->running--;
	if (f->running == 0 && f->in == FLOW_ROUNDS)
		flow_move(pool, f, FLOW_FRESH);
	flow_settle(pool, f);
}

static void
queue_fail_all(Pool *pool, Triad__V1__Code code, const char *message)
{
	/* Unlink everything first: the callbacks may submit again. */
	DbJob *all = NULL, **tail = &all;
	bool backlog;
	PoolFlow *f;
	for (DbJob *job; (job = queue_pop(pool, INT_MAX, &f, &backlog)) != NULL;) {
		flow_done(pool, f);
		*tail = job;
		tail = &job->next;
	}
	while (all != NULL) {
		DbJob *job = all;
		all = job->next;
		job->next = NULL;
		db_job_fail(job, code, message);
	}
}

/* The owner with the most jobs waiting (the first found on a tie). */
static PoolFlow *
flow_longest(Pool *pool)
{
	PoolFlow *best = NULL;
	PoolFlowList *lists[2] = {&pool->fresh, &pool->rounds};
	for (int i = 0; i < 2; i++)
		for (PoolFlow *f = lists[i]->head; f != NULL; f = f->next)
			if (best == NULL || f->queued > best->queued)
				best = f;
	return best;
}

/* Takes the newest job of f out of the queue. */
static DbJob *
flow_take_newest(Pool *pool, PoolFlow *f)
{
	DbJob *job = f->tail, **link = &f->head;
	while (*link != job)
		link = &(*link)->next;
	*link = NULL;
	f->tail = NULL;
	for (DbJob *j = f->head; j != NULL; j = j->next)
		f->tail = j;
	job_unqueued(pool, f, job);
	flow_settle(pool, f);
	return job;
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
	/* Every owner's whole queue: a reloaded db_timeout_ms can put later
	 * jobs first. Unlink them all before any callback runs. */
	DbJob *expired = NULL;
	PoolFlowList *lists[2] = {&pool->fresh, &pool->rounds};
	for (int i = 0; i < 2; i++) {
		PoolFlow *next;
		for (PoolFlow *f = lists[i]->head; f != NULL; f = next) {
			next = f->next;
			DbJob **link = &f->head;
			f->tail = NULL;
			while (*link != NULL) {
				DbJob *job = *link;
				if (job->deadline_us <= now) {
					*link = job->next;
					job->next = expired;
					expired = job;
					job_unqueued(pool, f, job);
				} else {
					f->tail = job;
					link = &job->next;
				}
			}
			flow_settle(pool, f);
		}
	}
	queue_shrunk(pool);
	while (expired != NULL) {
		DbJob *job = expired;
		expired = job->next;
		job->next = NULL;
		db_job_fail(job, TRIAD__V1__CODE__CODE_UNAVAILABLE, msg);
	}
	for (int i = 0; i < pool->size; i++) {
		DbConn *dc = &pool->conns[i];
		if (dc->state == DB_ST_BUSY && dc->job != NULL && db_conn_deadline(dc) <= now) {
			log_warn("db_job_timeout", "index=%d conn_slot=%" PRIu32 " id=%" PRIu64 " ms=%d",
				 dc->index, dc->job->conn_slot, dc->job->request_id,
				 pool->cfg->db_timeout_ms);
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
	if (!db_register_statements() || !registry_register_statements()) {
		snprintf(err, 256, "out of memory");
		pool_free(pool);
		return NULL;
	}
	if (!params_build(pool, cfg->db, err)) {
		pool_free(pool);
		return NULL;
	}
	pool->conns = calloc((size_t)pool->size, sizeof *pool->conns);
	pool->buckets = calloc(POOL_BUCKETS, sizeof *pool->buckets);
	pool->sweep = event_new(base, -1, EV_PERSIST, on_sweep, pool);
	if (pool->conns == NULL || pool->buckets == NULL || pool->sweep == NULL) {
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
	/* Neither the callbacks of failed jobs nor closing connections may
	 * wake the pool up again. */
	pool->outage = true;
	if (pool->buckets != NULL)
		queue_fail_all(pool, TRIAD__V1__CODE__CODE_UNAVAILABLE, "the server is shutting down");
	for (int i = 0; pool->conns != NULL && i < pool->size; i++) {
		pool_conn_job_over(pool, &pool->conns[i]);
		db_conn_fini(&pool->conns[i]);
	}
	free(pool->conns);
	free(pool->buckets);
	if (pool->sweep != NULL)
		event_free(pool->sweep);
	params_free(pool);
	free(pool);
	tenants_free();
}

/* Owners held to db_queue_per_client_max: client connections. */
static bool
owner_capped(uint64_t owner)
{
	return (owner & (POOL_OWNER_CONN | POOL_OWNER_ADDR)) == POOL_OWNER_CONN;
}

/* Answers job with RESOURCE_EXHAUSTED at the owner's cap. */
static void
refuse_at_cap(Pool *pool, PoolFlow *f, DbJob *job)
{
	int cap = pool->cfg->db_queue_per_client_max;
	char msg[160];

	pool->stats.refused_client_cap++;
	if (!f->capped) {
		f->capped = true;
		pool->ncapped++;
	}
	if (log_episode_hit(&pool->capped, now_us()))
		log_warn("db_client_capped", "owner=%" PRIx64 " queued=%d limit=%d", f->owner,
			 f->queued, cap);
	snprintf(msg, sizeof msg,
		 "you have %d requests waiting for the database, the most one connection may; "
		 "read some answers before sending more", f->queued);
	db_job_fail(job, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, msg);
}

/* The order of a batch: by statement, then by its first parameter. */
static int
batch_cmp(const DbJob *a, const DbJob *b)
{
	const DbStmt *x = &a->stmts[0], *y = &b->stmts[0];
	if (x->sql != y->sql)
		return (uintptr_t)x->sql < (uintptr_t)y->sql ? -1 : 1;
	const char *p = x->nparams > 0 ? x->params[0] : NULL;
	const char *q = y->nparams > 0 ? y->params[0] : NULL;
	if (p == NULL || q == NULL)
		return (p != NULL) - (q != NULL);
	return strcmp(p, q);
}

/* True when a job of owner is among the n of v. */
static bool
batch_has_owner(DbJob *const *v, int n, uint64_t owner)
{
	for (int i = 0; i < n; i++)
		if (v[i]->owner == owner)
			return true;
	return false;
}

/*
 * The batch that *job, a batchable write, heads: the writes next in the fair
 * order while they are batchable too and of owners not in it yet, up to
 * db_group_commit_max in all; each keeps its owner's flow (DbJob.flow).
 * Sorted by statement and first parameter, which for most writes names the
 * row they lock first: two batches then lock the rows they share in the same
 * order and cannot deadlock each other. One job per owner, so the order
 * never swaps a client's own requests. Sets *job to the first and returns
 * the others, linked by next (NULL: no batch).
 */
static DbJob *
batch_take(Pool *pool, DbJob **job)
{
	DbJob *v[POOL_GROUP_MAX];
	int n = 1;
	bool from_fresh, backlog;
	PoolFlow *f;

	if (!db_job_batchable(*job))
		return NULL;
	v[0] = *job;
	int max = pool->cfg->db_group_commit_max < POOL_GROUP_MAX ? pool->cfg->db_group_commit_max
								  : POOL_GROUP_MAX;
	while (n < max) {
		f = queue_next(pool, backlog_limit(pool), &from_fresh);
		if (f == NULL || !db_job_batchable(f->head) || batch_has_owner(v, n, f->owner))
			break;
		DbJob *next = queue_pop(pool, backlog_limit(pool), &f, &backlog);
		assert(next != NULL);
		next->flow = f;
		metrics_pool_wait(now_us() - next->submitted_us);
		v[n++] = next;
	}
	if (n == 1)
		return NULL;
	for (int i = 1; i < n; i++) {
		DbJob *x = v[i];
		int k = i;
		for (; k > 0 && batch_cmp(v[k - 1], x) > 0; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
	v[0]->next = NULL;            /* the batch is the rest (DbConn.batch) */
	for (int i = 1; i < n; i++)
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	pool->stats.group_commits++;
	pool->stats.group_commit_jobs += (uint64_t)n;
	*job = v[0];
	return v[1];
}

/* Runs job, whose owner's flow f already counts it as running, on dc. */
static void
conn_start(Pool *pool, DbConn *dc, PoolFlow *f, DbJob *job, bool backlog)
{
	dc->flow = f;
	dc->backlog = backlog;
	if (backlog)
		pool->backlog_busy++;
	metrics_pool_wait(now_us() - job->submitted_us);
	DbJob *rest = batch_take(pool, &job);
	db_conn_run_batch(dc, job, rest);
}

/* The running job that *slot counted for is over: once. */
static void
flow_release(Pool *pool, PoolFlow **slot)
{
	PoolFlow *f = *slot;
	if (f != NULL) {
		*slot = NULL;
		flow_done(pool, f);
	}
}

void
pool_job_over(Pool *pool, DbJob *job)
{
	flow_release(pool, &job->flow);
}

void
pool_batch_failed(Pool *pool)
{
	pool->stats.group_commit_retries++;
}

void
pool_conn_job_over(Pool *pool, DbConn *dc)
{
	flow_release(pool, &dc->flow);
	if (dc->backlog) {
		dc->backlog = false;
		pool->backlog_busy--;
	}
}

/* Refuses job: its principal has db_queue_per_principal_max waiting. */
static void
refuse_principal(Pool *pool, PoolFlow *t, DbJob *job)
{
	char msg[192];
	int queued = t->queued;
	pool->stats.refused_principal_cap++;
	if (!t->capped) {
		t->capped = true;
		pool->nprincipals_capped++;
	}
	if (log_episode_hit(&pool->principal_capped, now_us()))
		log_warn("db_principal_capped", "queued=%d limit=%d", queued,
			 pool->cfg->db_queue_per_principal_max);
	snprintf(msg, sizeof msg,
		 "your account has %d requests waiting for the database over all its "
		 "connections, the most one account may; read some answers before sending more",
		 queued);
	db_job_fail(job, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, msg);
}

/* Queues job behind what its owner f (NULL: none yet) has waiting. False
 * without memory (job untouched). */
static bool
enqueue(Pool *pool, PoolFlow *f, DbJob *job)
{
	PoolFlow *t = NULL;
	if (job->principal != 0 && (t = flow_find(pool, job->principal)) == NULL &&
	    (t = flow_new(pool, job->principal)) == NULL)
		return false;
	if (f == NULL && (f = flow_new(pool, job->owner)) == NULL) {
		if (t != NULL && t->queued == 0)
			flow_free(pool, t);
		return false;
	}
	/* An owner with nothing waiting or running goes first; one with a job
	 * running has a backlog. */
	if (f->in == FLOW_NONE)
		flow_move(pool, f, f->running > 0 ? FLOW_ROUNDS : FLOW_FRESH);
	flow_append(pool, f, job);
	if (t != NULL)
		t->queued++;
	return true;
}

/* Starts the next job in turn on an idle connection, if both exist. */
static void
start_next(Pool *pool)
{
	DbConn *dc = idle_conn(pool);
	PoolFlow *f;
	bool backlog;
	DbJob *job = dc != NULL ? queue_pop(pool, backlog_limit(pool), &f, &backlog) : NULL;
	if (job != NULL)
		conn_start(pool, dc, f, job, backlog);
}

void
pool_submit(Pool *pool, DbJob *job)
{
	if (pool->aborting) {
		db_job_fail(job, TRIAD__V1__CODE__CODE_CANCELLED,
			    "the server is stopping and did not start this request; send it again");
		return;
	}
	if (pool->outage) {
		db_job_fail(job, TRIAD__V1__CODE__CODE_UNAVAILABLE, unavailable_msg);
		return;
	}
	job->submitted_us = now_us();
	job->deadline_us = job->submitted_us + (uint64_t)pool->cfg->db_timeout_ms * 1000u;
	PoolFlow *f = flow_find(pool, job->owner);
	/* Nothing waits: start at once, unless the owner already has a job
	 * running and the backlog's connections are taken. */
	DbConn *dc = pool->qlen == 0 ? idle_conn(pool) : NULL;
	bool backlog = f != NULL && f->running > 0;
	if (dc != NULL && (!backlog || pool->backlog_busy < backlog_limit(pool))) {
		if (f == NULL && (f = flow_new(pool, job->owner)) == NULL) {
			db_job_fail(job, TRIAD__V1__CODE__CODE_UNAVAILABLE, "server is out of memory");
			return;
		}
		f->running++;
		conn_start(pool, dc, f, job, backlog);
		return;
	}
	int mine = f != NULL ? f->queued : 0;
	if (owner_capped(job->owner) && mine >= pool->cfg->db_queue_per_client_max) {
		refuse_at_cap(pool, f, job);
		return;
	}
	PoolFlow *t = job->principal != 0 ? flow_find(pool, job->principal) : NULL;
	if (t != NULL && t->queued >= pool->cfg->db_queue_per_principal_max) {
		refuse_principal(pool, t, job);
		return;
	}
	DbJob *pushed_out = NULL;
	if (pool->qlen >= pool->cfg->db_queue_max) {
		PoolFlow *longest = flow_longest(pool);
		bool start = log_episode_hit(&pool->full, now_us());
		pool->stats.refused_queue_full++;
		if (start)
			log_warn("db_queue_full", "queued=%d limit=%d owners=%d", pool->qlen,
				 pool->cfg->db_queue_max, pool->nflows);
		if (longest == NULL || longest->queued <= mine + 1) {
			char msg[128];
			snprintf(msg, sizeof msg,
				 "the server is busy (%d requests waiting for the database); "
				 "try again shortly", pool->qlen);
			db_job_fail(job, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, msg);
			return;
		}
		/* Whoever has the most waiting makes room. */
		pushed_out = flow_take_newest(pool, longest);
	}
	if (!enqueue(pool, f, job))
		db_job_fail(job, TRIAD__V1__CODE__CODE_UNAVAILABLE, "server is out of memory");
	else
		start_next(pool);  /* connections kept from the backlog may be idle */
	if (pushed_out != NULL) {
		char msg[128];
		snprintf(msg, sizeof msg,
			 "the server is busy (%d requests waiting for the database); try again shortly",
			 pool->qlen);
		db_job_fail(pushed_out, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, msg);
	}
}

bool
pool_ready(const Pool *pool)
{
	return pool->n_up > 0;
}

void
pool_conn_up(Pool *pool, DbConn *dc)
{
	char server[CONFIG_STR_MAX];
	uint64_t n, ms;

	snprintf(server, sizeof server, "%s:%s", PQhost(dc->pg), PQport(dc->pg));
	pool->n_up++;
	if (pool->outage) {
		pool->outage = false;
		log_info("db_available", "connections=%d server=%s", pool->n_up, server);
		/* The server is back (or another took over): the others need
		 * not sit out their backoff. */
		for (int i = 0; i < pool->size; i++)
			db_conn_hurry(&pool->conns[i]);
	}
	if (log_episode_end(&pool->read_only, now_us(), &n, &ms))
		log_info("db_writable", "server=%s refused=%" PRIu64 " ms=%" PRIu64, server, n, ms);
	pool_conn_idle(pool, dc);
}

void
pool_read_only(Pool *pool, DbConn *dc)
{
	if (log_episode_hit(&pool->read_only, now_us()))
		log_warn("db_read_only", "server=%s:%s", PQhost(dc->pg), PQport(dc->pg));
	for (int i = 0; i < pool->size; i++) {
		if (&pool->conns[i] != dc)
			db_conn_stale(&pool->conns[i], "the server refuses writes");
	}
}

void
pool_conn_down(Pool *pool, DbConn *dc, bool was_up, const char *why)
{
	pool_conn_job_over(pool, dc);
	if (was_up)
		pool->n_up--;
	if (pool->n_up == 0 && !pool->outage) {
		pool->outage = true;
		log_warn("db_unavailable", "reason=\"%s\"", why);
		queue_fail_all(pool, TRIAD__V1__CODE__CODE_UNAVAILABLE, unavailable_msg);
	}
}

void
pool_conn_idle(Pool *pool, DbConn *dc)
{
	pool_conn_job_over(pool, dc);
	PoolFlow *f;
	bool backlog;
	DbJob *job = queue_pop(pool, backlog_limit(pool), &f, &backlog);
	if (job != NULL)
		conn_start(pool, dc, f, job, backlog);
}

void
pool_abort(Pool *pool)
{
	/* What the answers below let connections send next is refused too. */
	pool->aborting = true;
	queue_fail_all(pool, TRIAD__V1__CODE__CODE_CANCELLED,
		       "the server is stopping and did not start this request; send it again");
	for (int i = 0; i < pool->size; i++) {
		if (pool->conns[i].state == DB_ST_BUSY && pool->conns[i].job != NULL)
			db_conn_abandon(&pool->conns[i], "server stopping");
	}
}
