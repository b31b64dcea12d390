/*
 * mailsink.h: a local SMTP sink for the tests that check what triadd
 * mails: tests/smtp_sink.py (Python's standard library only), started and
 * stopped by the test itself on 127.0.0.1, keeping each mail it receives
 * as a file the test reads (see the script's header for the format).
 *
 * Nothing here sleeps to synchronise: sink_start() waits for the sink's
 * port file and sink_wait() for a mail file, each polling with a deadline.
 */
#ifndef TRIAD_TEST_MAILSINK_H
#define TRIAD_TEST_MAILSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct MailSink {
	pid_t pid;             /* 0 when not running */
	int port;
	char dir[256];         /* where its mails are (the test's private directory) */
	char relay[64];        /* "127.0.0.1:PORT", for smtp_relay */
	char options[128];     /* as given to sink_start(), for a restart */
} MailSink;

/*
 * Starts a sink on port (0: any free port) with the script's options (NULL
 * or "--reject TEXT", "--no-ehlo"), keeping its mails in a directory of its
 * own, and waits until it listens. A sink started again on the same
 * MailSink after sink_stop() keeps its directory and port.
 */
void sink_start(MailSink *s, int port, const char *options);

/* Stops the sink and waits for it to exit. Its mails stay readable. */
void sink_stop(MailSink *s);

/*
 * Waits up to timeout_ms for a mail to address to (any case) whose text
 * (header lines and decoded body, see the script) contains needle (NULL:
 * any), and returns that text (malloc'd), the newest when there are more. Fails the test, listing the
 * mails that did arrive, when none does.
 */
char *sink_wait(MailSink *s, const char *to, const char *needle, int timeout_ms);

/* How many mails to address to (any case) have arrived, with needle (NULL: any). */
int sink_count(MailSink *s, const char *to, const char *needle);

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
int sink_free_port(void);

#endif
