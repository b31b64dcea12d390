/*
 * smtp.h: handing mail to one SMTP relay, driven by the event loop.
 *
 * An SmtpSession is one connection to the relay that delivers a batch of
 * mails in turn (RFC 5321): it resolves and connects without blocking
 * (a bufferevent with evdns), reads the greeting, says EHLO (HELO when the
 * relay does not know EHLO), and for each mail MAIL FROM, RCPT TO and DATA
 * with the message, then QUIT. Replies may span lines ("250-..." then
 * "250 ..."). Every step has a deadline; a reply line or a reply longer
 * than the bounds below ends the session, so a relay cannot make the
 * daemon hold more than a few kilobytes or wait for ever.
 *
 * The message is plain text in UTF-8, quoted-printable (so it is 7-bit
 * and no line is too long whatever the text holds), with a Message-ID made
 * from the mail's id, and dot-stuffed on the wire.
 *
 * Outcomes: each mail gets exactly one callback, SMTP_SENT when the relay
 * accepted it, SMTP_REJECTED when it refused it for good (a 5xx reply to
 * its MAIL, RCPT or DATA, or an address that cannot be written in SMTP),
 * SMTP_DEFERRED otherwise (a 4xx reply, a timeout, a lost connection: try
 * again later). A mail whose data was sent but whose answer never came is
 * deferred: it may have been delivered, and will be sent again (at least
 * once, never lost). After the last mail the session calls done and frees
 * itself.
 */
#ifndef TRIAD_SMTP_H
#define TRIAD_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct event_base;
struct evdns_base;
struct evbuffer;

#define SMTP_LINE_MAX 1024          /* one reply line, with its CRLF (RFC 5321: 512) */
#define SMTP_REPLY_LINES_MAX 64     /* lines of one reply */
#define SMTP_TEXT_MAX 200           /* what is kept of a reply's text, for errors */
#define SMTP_ERROR_MAX 320

typedef enum SmtpOutcome {
	SMTP_SENT,
	SMTP_DEFERRED,
	SMTP_REJECTED,
} SmtpOutcome;

/* One mail; the session copies nothing: the strings must outlive it. */
typedef struct SmtpMail {
	const char *id;          /* unique: the Message-ID's left part */
	const char *to;
	const char *subject;     /* one line, UTF-8 */
	const char *body;        /* UTF-8, lines ended by \n */
} SmtpMail;

typedef struct SmtpSettings {
	char host[256];
	char port[8];
	char from[256];          /* the envelope and header sender */
	int step_timeout_ms;
} SmtpSettings;

typedef struct SmtpSession SmtpSession;

/* Mail index of the batch had outcome; error says why when not sent. */
typedef void (*SmtpMailDone)(void *arg, size_t index, SmtpOutcome outcome, const char *error);
/* The session is over. reached: the relay answered its greeting; error:
 * why the session ended early, or NULL. The session is freed on return. */
typedef void (*SmtpSessionDone)(void *arg, bool reached, const char *error);

/*
 * Starts delivering mails[0..n-1] (n >= 1) to the relay of set. Callbacks
 * come later, from the loop, never from inside this call. NULL when memory
 * ran out (no callback then).
 */
SmtpSession *smtp_session_start(struct event_base *base, struct evdns_base *dns,
				const SmtpSettings *set, const SmtpMail *mails, size_t n,
				SmtpMailDone mail_done, SmtpSessionDone done, void *arg);

/* Ends the session at once, without any more callbacks. NULL is a no-op;
 * safe from inside the session's own callbacks. */
void smtp_session_abort(SmtpSession *s);

/* --- the parts, for the unit tests --- */

/*
 * True when addr can be written as <addr> in SMTP: printable ASCII without
 * spaces, quotes, angle brackets or other specials, one '@' with a local
 * part and a domain, at most 254 characters.
 */
bool smtp_address_ok(const char *addr);

/* A reply being read, line by line. */
typedef struct SmtpReply {
	int code;                    /* 200..599 */
	int lines;
	char text[SMTP_TEXT_MAX + 1];/* the last line's text, printable ASCII */
} SmtpReply;

typedef enum SmtpLine {
	SMTP_LINE_MORE,   /* a continuation line: read the next */
	SMTP_LINE_DONE,   /* the reply's last line: r->code holds the reply */
	SMTP_LINE_BAD,    /* not an SMTP reply line, or too many */
} SmtpLine;

/* Clears r for the next reply. */
void smtp_reply_reset(SmtpReply *r);

/* Takes one line of a reply (without CRLF). */
SmtpLine smtp_reply_line(SmtpReply *r, const char *line, size_t len);

/*
 * Appends the DATA of m to out: the header (From, To, Subject (RFC 2047
 * when not ASCII), Date of now, Message-ID <id@domain of from>, MIME), a
 * blank line and the quoted-printable body, every line ended by CRLF and
 * dot-stuffed, without the final ".". False when memory ran out.
 */
bool smtp_format_message(struct evbuffer *out, const SmtpMail *m, const char *from, time_t now);

/* Appends text (lines ended by \n or \r\n) as quoted-printable, lines of at
 * most 76 characters ended by CRLF. */
bool smtp_qp_encode(struct evbuffer *out, const char *text);

/* Appends text (lines ended by CRLF) dot-stuffed: a line that starts with
 * "." gets another one in front. */
bool smtp_dot_stuff(struct evbuffer *out, const char *text, size_t len);

#endif
