/*
 * sdnotify.h: telling the service manager how the daemon is doing.
 *
 * Under systemd with Type=notify the environment names a datagram socket
 * (NOTIFY_SOCKET), and the daemon sends it its state changes:
 *
 *   READY=1       the listeners are bound and the schema was checked: serving
 *   RELOADING=1   a SIGHUP is being applied (READY=1 follows, also when the
 *                 new file is refused and the old settings stay)
 *   STOPPING=1    SIGTERM or SIGINT: draining
 *   WATCHDOG=1    when the unit sets WatchdogSec= (WATCHDOG_USEC), at half
 *                 that interval, from a timer of the event loop: a loop that
 *                 stops turning stops the pings, and systemd restarts it.
 *
 * The watchdog proves that the loop turns, nothing more: a database that is
 * down is /readyz's business and no reason for a restart.
 *
 * Without NOTIFY_SOCKET, or in a build without libsystemd (TRIAD_SYSTEMD=OFF),
 * every call does nothing.
 */
#ifndef TRIAD_SDNOTIFY_H
#define TRIAD_SDNOTIFY_H

#include <stdbool.h>

struct event_base;

typedef struct SdNotify SdNotify;

/*
 * Reads the environment and, when a watchdog is asked for, starts pinging
 * from a timer on base. Returns NULL only when out of memory. Owned by the
 * caller; must be freed before base.
 */
SdNotify *sdnotify_new(struct event_base *base);

/* READY=1, with a STATUS= line naming the address served. */
void sdnotify_ready(SdNotify *n, const char *addr);

/* RELOADING=1 (with MONOTONIC_USEC, as newer systemd wants). */
void sdnotify_reloading(SdNotify *n);

/* READY=1 after a reload; ok false says the old settings were kept. */
void sdnotify_reloaded(SdNotify *n, bool ok);

/* STOPPING=1. */
void sdnotify_stopping(SdNotify *n);

/* Stops the watchdog timer. NULL is a no-op. */
void sdnotify_free(SdNotify *n);

/* True when this build can talk to systemd (it was built with libsystemd). */
bool sdnotify_supported(void);

#endif
