/*
 * sdnotify.c: READY, RELOADING, STOPPING and the watchdog for systemd
 * (see sdnotify.h), through libsystemd's sd_notify().
 */
#include "sdnotify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"

#ifdef TRIAD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

struct SdNotify {
	bool enabled;              /* NOTIFY_SOCKET was set when we started */
	bool failing;              /* the last message could not be sent (logged once) */
	struct event *watchdog;    /* persistent timer, or NULL without WatchdogSec= */
	uint64_t watchdog_usec;    /* WATCHDOG_USEC: the interval systemd allows */
};

bool
sdnotify_supported(void)
{
#ifdef TRIAD_HAVE_SYSTEMD
	return true;
#else
	return false;
#endif
}

/*
 * Sends state (newline-separated assignments) to the service manager. A
 * failure is logged when it starts and when it ends, not once per
 * message: the watchdog would otherwise fill the log.
 */
static void
send_state(SdNotify *n, const char *state)
{
	if (n == NULL || !n->enabled)
		return;
#ifdef TRIAD_HAVE_SYSTEMD
	int rc = sd_notify(0, state);
	if (rc < 0 && !n->failing) {
		n->failing = true;
		log_warn("sd_notify_failed", "error=%s", strerror(-rc));
	} else if (rc > 0 && n->failing) {
		n->failing = false;
		log_info("sd_notify_recovered", NULL);
	}
#else
	(void)state;
#endif
}

#ifdef TRIAD_HAVE_SYSTEMD
static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_state(arg, "WATCHDOG=1");
}
#endif

SdNotify *
sdnotify_new(struct event_base *base)
{
	SdNotify *n = calloc(1, sizeof *n);
	if (n == NULL)
		return NULL;
	const char *sock = getenv("NOTIFY_SOCKET");
	n->enabled = sdnotify_supported() && sock != NULL && sock[0] != '\0';
	if (!n->enabled) {
		if (sock != NULL && sock[0] != '\0')
			log_warn("sd_notify_unsupported",
				 "reason=\"built without libsystemd; use Type=simple\"");
		return n;
	}
#ifdef TRIAD_HAVE_SYSTEMD
	uint64_t usec = 0;
	/* > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is ours). */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		n->watchdog_usec = usec;
		n->watchdog = event_new(base, -1, EV_PERSIST, on_watchdog, n);
		uint64_t half = usec / 2;
		struct timeval tv = {(time_t)(half / 1000000), (suseconds_t)(half % 1000000)};
		if (n->watchdog == NULL || event_add(n->watchdog, &tv) != 0) {
			sdnotify_free(n);
			return NULL;
		}
		log_info("watchdog", "interval_ms=%" PRIu64 " ping_ms=%" PRIu64, usec / 1000,
			 half / 1000);
	}
#else
	(void)base;
#endif
	return n;
}

void
sdnotify_ready(SdNotify *n, const char *addr)
{
	char state[160];
	snprintf(state, sizeof state, "READY=1\nSTATUS=serving on %s", addr);
	send_state(n, state);
	/* The first ping at once: the interval counts from READY. */
	if (n != NULL && n->watchdog != NULL)
		send_state(n, "WATCHDOG=1");
}

void
sdnotify_reloading(SdNotify *n)
{
	struct timespec ts;
	char state[96];
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		 (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	send_state(n, state);
}

void
sdnotify_reloaded(SdNotify *n, bool ok)
{
	send_state(n, ok ? "READY=1\nSTATUS=serving; settings reloaded"
			 : "READY=1\nSTATUS=serving; reload refused, old settings kept");
}

void
sdnotify_stopping(SdNotify *n)
{
	send_state(n, "STOPPING=1\nSTATUS=draining");
}

void
sdnotify_free(SdNotify *n)
{
	if (n == NULL)
		return;
	if (n->watchdog != NULL)
		event_free(n->watchdog);
	free(n);
}
