/*
 * mailer.h: the sender of the notification outbox, and the outbox's timer.
 *
 * The domain's functions write notifications to the outbox in the same
 * transaction as the change they are about (sql/functions/notify.sql).
 * When smtp_relay is set, the sender takes them out, a few at a time:
 * every outbox_poll_ms (and at once after a full batch) it claims due
 * messages on a pool connection (triad_outbox_claim: FOR UPDATE SKIP
 * LOCKED and a lease, so that several daemons can share one outbox and a
 * daemon that dies leaves its messages to the others), hands them to the
 * relay in one SMTP session (smtp.h), and records each outcome
 * (triad_outbox_result): sent; or tried again after smtp_retry_ms, doubled
 * at every attempt up to smtp_retry_max_ms; or failed, for a refusal that
 * is final or after smtp_attempts_max attempts. Nothing here blocks the
 * loop. Without a relay messages stay pending, and staff read them with
 * ListNotifications.
 *
 * Every outbox_sweep_s, whether or not there is a relay, one statement
 * (triad_outbox_tick) writes the reminders of overdue feedback requests,
 * expires what was not sent in time, and counts what is pending and what
 * failed, for the metrics.
 *
 * An operator sees the sender's work as one log line per change of a
 * message's state (mail_sent, mail_deferred, mail_failed) and per change
 * of the relay's (smtp_relay_down, smtp_relay_up), in the metrics
 * (MailerStats), and in the outbox itself.
 */
#ifndef TRIAD_MAILER_H
#define TRIAD_MAILER_H

#include <stdbool.h>
#include <stdint.h>

#include "server.h"

typedef struct Mailer Mailer;

typedef struct MailerStats {
	uint64_t sent;             /* mails the relay accepted */
	uint64_t deferred;         /* attempts that failed and will be tried again */
	uint64_t failed;           /* mails given up on */
	uint64_t pending;          /* pending in the outbox, as of the last sweep */
	uint64_t failed_last_day;  /* failed in the last day, as of the last sweep */
	bool relay_down;           /* the last session could not reach the relay */
} MailerStats;

/* Starts the timers of srv's outbox. NULL when memory ran out (err says so). */
Mailer *mailer_new(Server *srv, char err[256]);

/*
 * Stops for good: no more claims or sweeps, and a session in progress ends
 * at once (its messages stay claimed until their lease ends, and are then
 * sent by whichever daemon runs). Callbacks of jobs still in the pool find
 * the mailer stopped and do nothing. NULL is a no-op.
 */
void mailer_stop(Mailer *m);

/* Frees m, after mailer_stop() and once no job of it can call back (after
 * pool_free()). NULL is a no-op. */
void mailer_free(Mailer *m);

const MailerStats *mailer_stats(const Mailer *m);

#endif
