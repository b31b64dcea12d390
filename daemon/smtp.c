/*
 * smtp.c: the SMTP client of smtp.h.
 */
#include "smtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/evp.h>

/* Input held from the relay at most: a reply line is far smaller. */
#define SMTP_INPUT_MAX (4 * SMTP_LINE_MAX)

/* ---- addresses ---- */

bool
smtp_address_ok(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = strlen(addr);

	if (len < 3 || len > 254 || at == NULL || at == addr || at[1] == '\0' ||
	    strchr(addr, '@') != at)
		return false;
	for (const char *c = addr; *c; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch <= ' ' || ch >= 127 || strchr("<>()[]\\,;:\"", ch) != NULL)
			return false;
	}
	return true;
}

/* The domain of an address ("example.org"), for EHLO and Message-IDs. */
static const char *
address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at != NULL && at[1] != '\0' ? at + 1 : "localhost";
}

/* ---- replies ---- */

void
smtp_reply_reset(SmtpReply *r)
{
	memset(r, 0, sizeof *r);
}

SmtpLine
smtp_reply_line(SmtpReply *r, const char *line, size_t len)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
	    line[2] < '0' || line[2] > '9' || (len > 3 && line[3] != ' ' && line[3] != '-'))
		return SMTP_LINE_BAD;
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if ((r->lines > 0 && code != r->code) || r->lines >= SMTP_REPLY_LINES_MAX)
		return SMTP_LINE_BAD;
	r->lines++;
	r->code = code;
	size_t n = 0;
	for (size_t i = 4; i < len && n < SMTP_TEXT_MAX; i++) {
		unsigned char ch = (unsigned char)line[i];
		r->text[n++] = ch >= ' ' && ch < 127 ? (char)ch : '?';
	}
	r->text[n] = '\0';
	return len > 3 && line[3] == '-' ? SMTP_LINE_MORE : SMTP_LINE_DONE;
}

/* ---- the message ---- */

static const char hexdigits[] = "0123456789ABCDEF";

bool
smtp_qp_encode(struct evbuffer *out, const char *text)
{
	const char *p = text;
	bool ok = true;

	while (ok && *p != '\0') {
		size_t len = strcspn(p, "\n");
		const char *next = p[len] == '\n' ? p + len + 1 : p + len;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		size_t col = 0;
		for (size_t i = 0; ok && i < len; i++) {
			unsigned char ch = (unsigned char)p[i];
			char tok[3];
			size_t n;
			bool last = i + 1 == len;
			if ((ch >= 33 && ch <= 126 && ch != '=') || ((ch == ' ' || ch == '\t') && !last)) {
				tok[0] = (char)ch;
				n = 1;
			} else {
				tok[0] = '=';
				tok[1] = hexdigits[ch >> 4];
				tok[2] = hexdigits[ch & 15];
				n = 3;
			}
			/* At most 76 characters a line, the soft break's '=' included. */
			if (col + n > 75) {
				ok = evbuffer_add(out, "=\r\n", 3) == 0;
				col = 0;
			}
			ok = ok && evbuffer_add(out, tok, n) == 0;
			col += n;
		}
		ok = ok && evbuffer_add(out, "\r\n", 2) == 0;
		p = next;
	}
	return ok;
}

bool
smtp_dot_stuff(struct evbuffer *out, const char *text, size_t len)
{
	bool ok = true;
	bool line_start = true;

	for (size_t i = 0; ok && i < len;) {
		if (line_start && text[i] == '.')
			ok = evbuffer_add(out, ".", 1) == 0;
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (text + i)) + 1 : len - i;
		ok = ok && evbuffer_add(out, text + i, n) == 0;
		line_start = nl != NULL;
		i += n;
	}
	return ok;
}

static bool
is_plain_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 127)
			return false;
	}
	return true;
}

/*
 * The Subject header: as it is when it is printable ASCII, otherwise as
 * RFC 2047 encoded words of at most 39 bytes each (never cutting a UTF-8
 * character), one per folded line, so that no line passes 78 characters.
 */
static bool
add_subject(struct evbuffer *out, const char *subject)
{
	char clean[256];
	size_t n = 0;

	/* One line, whatever it holds. */
	for (const char *c = subject; *c && n + 1 < sizeof clean; c++)
		clean[n++] = *c == '\r' || *c == '\n' || *c == '\t' ? ' ' : *c;
	clean[n] = '\0';
	if (is_plain_ascii(clean))
		return evbuffer_add_printf(out, "Subject: %s\r\n", clean) >= 0;
	bool ok = evbuffer_add(out, "Subject:", 8) == 0;
	for (size_t i = 0; ok && i < n;) {
		size_t take = n - i < 39 ? n - i : 39;
		/* Back off to the start of a character. */
		while (take > 1 && i + take < n && ((unsigned char)clean[i + take] & 0xC0) == 0x80)
			take--;
		unsigned char b64[64];
		int len = EVP_EncodeBlock(b64, (const unsigned char *)clean + i, (int)take);
		ok = len >= 0 && evbuffer_add_printf(out, "%s=?UTF-8?B?%.*s?=", i == 0 ? " " : "\r\n ",
						     len, b64) >= 0;
		i += take;
	}
	return ok && evbuffer_add(out, "\r\n", 2) == 0;
}

bool
smtp_format_message(struct evbuffer *out, const SmtpMail *m, const char *from, time_t now)
{
	struct evbuffer *msg = evbuffer_new();
	struct tm tm;
	char date[64];
	bool ok = msg != NULL;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	ok = ok && evbuffer_add_printf(msg, "From: triad <%s>\r\nTo: <%s>\r\n", from, m->to) >= 0;
	ok = ok && add_subject(msg, m->subject);
	ok = ok && evbuffer_add_printf(msg,
				       "Date: %s\r\n"
				       "Message-ID: <%s@%s>\r\n"
				       "MIME-Version: 1.0\r\n"
				       "Content-Type: text/plain; charset=utf-8\r\n"
				       "Content-Transfer-Encoding: quoted-printable\r\n"
				       "Auto-Submitted: auto-generated\r\n"
				       "\r\n",
				       date, m->id, address_domain(from)) >= 0;
	ok = ok && smtp_qp_encode(msg, m->body);
	if (ok) {
		size_t len = evbuffer_get_length(msg);
		const unsigned char *text = evbuffer_pullup(msg, -1);
		ok = (text != NULL || len == 0) && smtp_dot_stuff(out, (const char *)text, len);
	}
	if (msg != NULL)
		evbuffer_free(msg);
	return ok;
}

/* ---- the session ---- */

typedef enum SmtpStep {
	STEP_CONNECT,
	STEP_GREETING,
	STEP_EHLO,
	STEP_HELO,
	STEP_MAIL,
	STEP_RCPT,
	STEP_DATA,
	STEP_BODY,
	STEP_RSET,
	STEP_QUIT,
} SmtpStep;

static const char *const step_names[] = {
	[STEP_CONNECT] = "connect", [STEP_GREETING] = "greeting", [STEP_EHLO] = "EHLO",
	[STEP_HELO] = "HELO", [STEP_MAIL] = "MAIL FROM", [STEP_RCPT] = "RCPT TO",
	[STEP_DATA] = "DATA", [STEP_BODY] = "end of data", [STEP_RSET] = "RSET",
	[STEP_QUIT] = "QUIT",
};

struct SmtpSession {
	struct bufferevent *bev;     /* owned */
	struct event *timer;         /* owned: the step's deadline, and deferred starts */
	SmtpSettings set;
	const SmtpMail *mails;       /* the caller's */
	size_t n;
	size_t cur;                  /* the mail being sent */
	SmtpStep step;
	SmtpReply reply;
	bool reached;                /* the relay greeted us */
	bool over;                   /* done was called, or the session aborted */
	int depth;                   /* inside our own callbacks: free on the way out */
	char early[SMTP_ERROR_MAX];  /* a failure found in smtp_session_start() */
	SmtpMailDone mail_done;
	SmtpSessionDone done;
	void *arg;
};

static void
session_free(SmtpSession *s)
{
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	if (s->timer != NULL)
		event_free(s->timer);
	free(s);
}

void
smtp_session_abort(SmtpSession *s)
{
	if (s == NULL)
		return;
	s->over = true;
	if (s->depth == 0)
		session_free(s);
}

/* Leaves one of our callbacks: the session goes when it is over. */
static void
leave(SmtpSession *s)
{
	if (--s->depth == 0 && s->over)
		session_free(s);
}

static void
arm(SmtpSession *s)
{
	struct timeval tv = {s->set.step_timeout_ms / 1000, (s->set.step_timeout_ms % 1000) * 1000};
	evtimer_add(s->timer, &tv);
}

/* Mail cur is done with outcome: tell, and move to the next. */
static void
mail_outcome(SmtpSession *s, SmtpOutcome outcome, const char *error)
{
	if (!s->over && s->cur < s->n)
		s->mail_done(s->arg, s->cur, outcome, error);
	s->cur++;
}

/* The session is over: every mail not yet answered is deferred with
 * error, then done. */
static void
finish(SmtpSession *s, const char *error)
{
	if (s->over)
		return;
	while (s->cur < s->n && !s->over)
		mail_outcome(s, SMTP_DEFERRED, error);
	if (!s->over) {
		s->over = true;
		s->done(s->arg, s->reached, error);
	}
	if (s->bev != NULL)
		bufferevent_disable(s->bev, EV_READ | EV_WRITE);
	evtimer_del(s->timer);
}

static void __attribute__((format(printf, 2, 3)))
fail(SmtpSession *s, const char *fmt, ...)
{
	char error[SMTP_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error, sizeof error, fmt, ap);
	va_end(ap);
	finish(s, error);
}

static void __attribute__((format(printf, 3, 4)))
command(SmtpSession *s, SmtpStep step, const char *fmt, ...)
{
	va_list ap;

	s->step = step;
	smtp_reply_reset(&s->reply);
	va_start(ap, fmt);
	int rc = evbuffer_add_vprintf(bufferevent_get_output(s->bev), fmt, ap);
	va_end(ap);
	if (rc < 0) {
		fail(s, "out of memory");
		return;
	}
	arm(s);
}

/* The next mail, or QUIT after the last. Mails whose address SMTP cannot
 * carry are refused here, without asking the relay. */
static void
next_mail(SmtpSession *s)
{
	while (s->cur < s->n && !smtp_address_ok(s->mails[s->cur].to))
		mail_outcome(s, SMTP_REJECTED, "the address cannot be used for mail");
	if (s->over)
		return;
	if (s->cur == s->n)
		command(s, STEP_QUIT, "QUIT\r\n");
	else
		command(s, STEP_MAIL, "MAIL FROM:<%s>\r\n", s->set.from);
}

/* The relay refused the current mail at this step: a 4xx defers it, a
 * 5xx rejects it. Within a transaction RSET clears it for the next. */
static void
mail_refused(SmtpSession *s, bool reset)
{
	char error[SMTP_ERROR_MAX];
	snprintf(error, sizeof error, "the relay refused %s: %d %s", step_names[s->step],
		 s->reply.code, s->reply.text);
	mail_outcome(s, s->reply.code >= 500 ? SMTP_REJECTED : SMTP_DEFERRED, error);
	if (s->over)
		return;
	if (reset)
		command(s, STEP_RSET, "RSET\r\n");
	else
		next_mail(s);
}

static void
send_body(SmtpSession *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	s->step = STEP_BODY;
	smtp_reply_reset(&s->reply);
	if (!smtp_format_message(out, &s->mails[s->cur], s->set.from, time(NULL)) ||
	    evbuffer_add(out, ".\r\n", 3) != 0) {
		fail(s, "out of memory");
		return;
	}
	arm(s);
}

/* A whole reply to the current step is in s->reply. */
static void
on_reply(SmtpSession *s)
{
	int code = s->reply.code;
	bool ok = code >= 200 && code < 400;

	evtimer_del(s->timer);
	if (code == 421) {
		fail(s, "the relay is closing the connection: 421 %s", s->reply.text);
		return;
	}
	switch (s->step) {
	case STEP_CONNECT:
	case STEP_GREETING:
		if (code != 220) {
			fail(s, "the relay does not take mail now: %d %s", code, s->reply.text);
			return;
		}
		s->reached = true;
		command(s, STEP_EHLO, "EHLO %s\r\n", address_domain(s->set.from));
		return;
	case STEP_EHLO:
		if (code == 250)
			next_mail(s);
		else if (code >= 500)
			command(s, STEP_HELO, "HELO %s\r\n", address_domain(s->set.from));
		else
			fail(s, "the relay refused EHLO: %d %s", code, s->reply.text);
		return;
	case STEP_HELO:
		if (code == 250)
			next_mail(s);
		else
			fail(s, "the relay refused HELO: %d %s", code, s->reply.text);
		return;
	case STEP_MAIL:
		if (ok)
			command(s, STEP_RCPT, "RCPT TO:<%s>\r\n", s->mails[s->cur].to);
		else
			mail_refused(s, true);
		return;
	case STEP_RCPT:
		if (ok)
			command(s, STEP_DATA, "DATA\r\n");
		else
			mail_refused(s, true);
		return;
	case STEP_DATA:
		if (code == 354)
			send_body(s);
		else
			mail_refused(s, true);
		return;
	case STEP_BODY:
		if (ok) {
			mail_outcome(s, SMTP_SENT, NULL);
			if (!s->over)
				next_mail(s);
		} else
			mail_refused(s, false);
		return;
	case STEP_RSET:
		if (ok)
			next_mail(s);
		else
			fail(s, "the relay refused RSET: %d %s", code, s->reply.text);
		return;
	case STEP_QUIT:
		finish(s, NULL);
		return;
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	SmtpSession *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	s->depth++;
	while (!s->over) {
		size_t len;
		char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > SMTP_LINE_MAX)
				fail(s, "the relay sent a reply line longer than %d bytes", SMTP_LINE_MAX);
			break;
		}
		SmtpLine got = len > SMTP_LINE_MAX ? SMTP_LINE_BAD : smtp_reply_line(&s->reply, line, len);
		free(line);
		if (got == SMTP_LINE_BAD) {
			fail(s, "the relay sent something that is not an SMTP reply (at %s)",
			     step_names[s->step]);
		} else if (got == SMTP_LINE_DONE) {
			on_reply(s);
		}
	}
	leave(s);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	SmtpSession *s = arg;

	s->depth++;
	if (what & BEV_EVENT_CONNECTED) {
		s->step = STEP_GREETING;
		smtp_reply_reset(&s->reply);
		arm(s);
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		int dns = bufferevent_socket_get_dns_error(bev);
		if (s->step == STEP_QUIT)
			finish(s, NULL);
		else if (dns != 0)
			fail(s, "cannot resolve %s: %s", s->set.host, evutil_gai_strerror(dns));
		else if (s->step == STEP_CONNECT)
			fail(s, "cannot connect to %s:%s: %s", s->set.host, s->set.port,
			     evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		else if (what & BEV_EVENT_EOF)
			fail(s, "the relay closed the connection (at %s)", step_names[s->step]);
		else
			fail(s, "the connection to the relay failed (at %s): %s", step_names[s->step],
			     evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	leave(s);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	SmtpSession *s = arg;

	s->depth++;
	if (s->early[0] != '\0')
		finish(s, s->early);
	else if (s->step == STEP_QUIT)
		finish(s, NULL);
	else
		fail(s, "the relay did not answer within %d ms (at %s)", s->set.step_timeout_ms,
		     step_names[s->step]);
	leave(s);
}

SmtpSession *
smtp_session_start(struct event_base *base, struct evdns_base *dns, const SmtpSettings *set,
		   const SmtpMail *mails, size_t n, SmtpMailDone mail_done, SmtpSessionDone done,
		   void *arg)
{
	SmtpSession *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->set = *set;
	s->mails = mails;
	s->n = n;
	s->mail_done = mail_done;
	s->done = done;
	s->arg = arg;
	s->step = STEP_CONNECT;
	s->timer = evtimer_new(base, on_timer, s);
	s->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (s->timer == NULL || s->bev == NULL) {
		session_free(s);
		return NULL;
	}
	bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SMTP_INPUT_MAX);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	char *end;
	long port = strtol(set->port, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535) {
		snprintf(s->early, sizeof s->early, "the relay's port %s is not a port", set->port);
	} else if (bufferevent_socket_connect_hostname(s->bev, dns, AF_UNSPEC, set->host,
						       (int)port) != 0) {
		int dnserr = bufferevent_socket_get_dns_error(s->bev);
		snprintf(s->early, sizeof s->early, "cannot connect to %s:%s: %s", set->host,
			 set->port, dnserr != 0 ? evutil_gai_strerror(dnserr)
						: evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	if (s->early[0] != '\0') {
		/* Tell from the loop, as for any other failure. */
		event_active(s->timer, EV_TIMEOUT, 0);
		return s;
	}
	arm(s);
	return s;
}
