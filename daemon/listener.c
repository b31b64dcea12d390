/*
 * listener.c: accepting connections, and surviving running out of
 * descriptors without spinning.
 */
#include "listener.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "conn.h"
#include "log.h"

/* After EMFILE and friends, stop accepting this long and try again. */
#define ACCEPT_PAUSE_MS 100

/*
 * Accepting failing is one state, logged when it starts (or its error
 * changes) and when it ends, not once per pause. The process has one
 * protocol listener, so the state lives here.
 */
static LogEpisode accept_trouble;
static int accept_error;

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *addr, int len, void *arg)
{
	uint64_t failures, ms;
	if (log_episode_end(&accept_trouble, now_us(), &failures, &ms))
		log_info("accept_recovered", "failures=%" PRIu64 " failing_ms=%" PRIu64, failures, ms);
	conn_accept(arg, fd, addr, len);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	Server *srv = arg;
	if (srv->listener != NULL && !srv->draining)
		evconnlistener_enable(srv->listener);
}

/*
 * accept() failed: out of descriptors or memory. Pending connections would
 * make the listener fire again at once, so pause it briefly instead of
 * spinning. Said once when accepting starts failing (and again only if
 * the error changes); on_accept() says when it works again.
 */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	Server *srv = arg;
	int err = EVUTIL_SOCKET_ERROR();
	uint64_t now = now_us(), failures = 0, ms = 0;

	if (accept_trouble.active && err == accept_error) {
		(void)log_episode_hit(&accept_trouble, now);
	} else {
		bool changed = log_episode_end(&accept_trouble, now, &failures, &ms);
		(void)log_episode_hit(&accept_trouble, now);
		accept_error = err;
		if (changed)
			log_warn("accept_failed", "error=\"%s\" pause_ms=%d previous_failures=%" PRIu64,
				 evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS, failures);
		else
			log_warn("accept_failed", "error=\"%s\" pause_ms=%d",
				 evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS);
	}
	evconnlistener_disable(l);
	struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};
	if (srv->accept_resume == NULL)
		srv->accept_resume = evtimer_new(srv->base, on_resume, srv);
	if (srv->accept_resume != NULL)
		evtimer_add(srv->accept_resume, &tv);
}

struct evconnlistener *
listener_bind(struct event_base *base, const char *setting, const char *addr,
	      char bound[64], char err[256])
{
	char host[CONFIG_STR_MAX];
	snprintf(host, sizeof host, "%s", addr);
	char *colon = strrchr(host, ':');
	if (colon == NULL) {
		snprintf(err, 256, "%s: '%s' is not HOST:PORT", setting, addr);
		return NULL;
	}
	*colon = '\0';
	const char *port = colon + 1;
	char *h = host;
	if (h[0] == '[' && colon[-1] == ']') {
		h++;
		colon[-1] = '\0';
	}

	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(*h ? h : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, 256, "%s: cannot resolve '%s': %s", setting, addr, gai_strerror(rc));
		return NULL;
	}
	struct evconnlistener *l = evconnlistener_new_bind(base, NULL, NULL,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 1024,
		res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (l == NULL) {
		snprintf(err, 256, "%s: cannot bind %s: %s", setting, addr, strerror(errno));
		return NULL;
	}

	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char h2[NI_MAXHOST], p2[NI_MAXSERV];
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sslen) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, sslen, h2, sizeof h2, p2, sizeof p2,
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(bound, 64, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h2, p2);
	else
		snprintf(bound, 64, "%s", addr);
	return l;
}

bool
listener_start(Server *srv, char err[256])
{
	srv->listener = listener_bind(srv->base, "listen", srv->cfg.listen, srv->bound, err);
	if (srv->listener == NULL)
		return false;
	evconnlistener_set_error_cb(srv->listener, on_accept_error);
	evconnlistener_set_cb(srv->listener, on_accept, srv);
	return true;
}

void
listener_stop(Server *srv)
{
	if (srv->listener != NULL) {
		evconnlistener_free(srv->listener);
		srv->listener = NULL;
	}
	if (srv->accept_resume != NULL) {
		event_free(srv->accept_resume);
		srv->accept_resume = NULL;
	}
}
