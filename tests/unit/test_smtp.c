/*
 * test_smtp.c: the SMTP client of daemon/smtp.c. Its parts (replies read
 * line by line, quoted-printable, dot-stuffing, the message, addresses)
 * on their own, and whole sessions against a scripted relay in the same
 * event loop: EHLO refused and HELO taken, a lone "." in a body, a 4xx and
 * a 5xx for one mail among others, a relay that never greets, one that
 * sends endless lines, one that is not there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include "smtp.h"

/* ---- the parts ---- */

static SmtpLine
line(SmtpReply *r, const char *text)
{
	return smtp_reply_line(r, text, strlen(text));
}

static void
test_replies_single_and_multi_line(void **state)
{
	SmtpReply r;
	smtp_reply_reset(&r);
	assert_int_equal(line(&r, "220 relay.example.org ESMTP ready"), SMTP_LINE_DONE);
	assert_int_equal(r.code, 220);
	assert_string_equal(r.text, "relay.example.org ESMTP ready");

	smtp_reply_reset(&r);
	assert_int_equal(line(&r, "250-relay.example.org"), SMTP_LINE_MORE);
	assert_int_equal(line(&r, "250-8BITMIME"), SMTP_LINE_MORE);
	assert_int_equal(line(&r, "250 HELP"), SMTP_LINE_DONE);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.lines, 3);
	assert_string_equal(r.text, "HELP");

	/* A bare code is a whole reply. */
	smtp_reply_reset(&r);
	assert_int_equal(line(&r, "354"), SMTP_LINE_DONE);
	assert_int_equal(r.code, 354);
}

static void
test_replies_that_are_not(void **state)
{
	static const char *const bad[] = {"", "25", "2x0 ok", "250x", "650 no", "hello",
					  "150 early"};
	SmtpReply r;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		smtp_reply_reset(&r);
		assert_int_equal(line(&r, bad[i]), SMTP_LINE_BAD);
	}
	/* Continuation lines must keep their code. */
	smtp_reply_reset(&r);
	assert_int_equal(line(&r, "250-first"), SMTP_LINE_MORE);
	assert_int_equal(line(&r, "251 second"), SMTP_LINE_BAD);
	/* And a reply ends. */
	smtp_reply_reset(&r);
	for (int i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		assert_int_equal(line(&r, "250-more"), SMTP_LINE_MORE);
	assert_int_equal(line(&r, "250 last"), SMTP_LINE_BAD);
	/* What the relay says is kept printable, for the log. */
	smtp_reply_reset(&r);
	assert_int_equal(line(&r, "550 no\033[31m such\x01user"), SMTP_LINE_DONE);
	assert_string_equal(r.text, "no?[31m such?user");
}

/* The evbuffer as a string (malloc'd). */
static char *
text_of(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);
	char *s = malloc(len + 1);
	assert_non_null(s);
	evbuffer_copyout(b, s, len);
	s[len] = '\0';
	return s;
}

static char *
qp(const char *in)
{
	struct evbuffer *b = evbuffer_new();
	assert_true(smtp_qp_encode(b, in));
	char *s = text_of(b);
	evbuffer_free(b);
	return s;
}

/* Every line of s ends in CRLF and is at most max characters long. */
static void
assert_lines(const char *s, size_t max)
{
	for (const char *p = s; *p != '\0';) {
		const char *crlf = strstr(p, "\r\n");
		assert_non_null(crlf);
		assert_true((size_t)(crlf - p) <= max);
		assert_null(memchr(p, '\n', (size_t)(crlf - p)));
		p = crlf + 2;
	}
}

static void
test_quoted_printable(void **state)
{
	char *s = qp("a=b\nend with space \ntab\there\r\ncaf\xc3\xa9\n");
	assert_string_equal(s, "a=3Db\r\nend with space=20\r\ntab\there\r\ncaf=C3=A9\r\n");
	free(s);

	/* Long lines are broken softly, never past 76 characters, never inside
	 * an =XX. */
	char in[400];
	memset(in, 'x', sizeof in - 1);
	in[sizeof in - 1] = '\0';
	for (int i = 70; i < 80; i++)
		in[i] = '=';
	s = qp(in);
	assert_lines(s, 76);
	assert_non_null(strstr(s, "=\r\n"));
	assert_null(strstr(s, "=3=\r\n"));
	assert_null(strstr(s, "==\r\n"));
	free(s);

	/* No final newline: the last line ends all the same. */
	s = qp("one\ntwo");
	assert_string_equal(s, "one\r\ntwo\r\n");
	free(s);
}

static void
test_dot_stuffing(void **state)
{
	static const char in[] = ".\r\nkeep\r\n..two\r\nmid.dle\r\n.";
	struct evbuffer *b = evbuffer_new();
	assert_true(smtp_dot_stuff(b, in, strlen(in)));
	char *s = text_of(b);
	assert_string_equal(s, "..\r\nkeep\r\n...two\r\nmid.dle\r\n..");
	free(s);
	evbuffer_free(b);
}

static void
test_addresses(void **state)
{
	assert_true(smtp_address_ok("maria.jansen+triad@gemeente.example.nl"));
	assert_true(smtp_address_ok("a@b.c"));
	static const char *const bad[] = {"", "a", "@b.c", "a@", "a@@b.c", "a@b@c.d",
					  "a b@c.d", "a>@c.d", "<a@c.d", "a@c.d\r\nRCPT TO:<x@y.z>",
					  "\"a\"@c.d", "caf\xc3\xa9@c.d", "a;b@c.d"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(smtp_address_ok(bad[i]));
}

static void
test_message(void **state)
{
	SmtpMail m = {"0b6f1c1e-0000-4000-8000-000000000001", "anna@example.org",
		      "Een plek voor J\xc3\xb6rg en An\xc3\xa9 in de masterclass Publieke Waarde\r\n",
		      "Hello,\n.\nA line with = and a very long tail that goes on and on past the "
		      "width that a mail line should have, for sure.\n"};
	struct evbuffer *b = evbuffer_new();
	assert_true(smtp_format_message(b, &m, "triad@hva.example.nl", 1796200000));
	char *s = text_of(b);
	assert_lines(s, 78);
	assert_non_null(strstr(s, "From: triad <triad@hva.example.nl>\r\n"));
	assert_non_null(strstr(s, "To: <anna@example.org>\r\n"));
	assert_non_null(strstr(s, "Date: Wed, 02 Dec 2026 "));
	assert_non_null(strstr(s, "Message-ID: <0b6f1c1e-0000-4000-8000-000000000001"
				  "@hva.example.nl>\r\n"));
	assert_non_null(strstr(s, "Content-Transfer-Encoding: quoted-printable\r\n"));
	/* The subject is one line of encoded words, folded. */
	assert_non_null(strstr(s, "Subject: =?UTF-8?B?"));
	assert_null(strstr(s, "J\xc3\xb6rg"));
	/* The body's lone dot is stuffed; the message never ends early. */
	assert_non_null(strstr(s, "\r\n\r\nHello,\r\n..\r\n"));
	assert_null(strstr(s, "\r\n.\r\n"));
	assert_non_null(strstr(s, "with =3D and"));
	free(s);
	evbuffer_free(b);
}

/* ---- sessions against a scripted relay ---- */

typedef struct Relay {
	struct event_base *base;
	struct evconnlistener *listener;
	int port;
	/* How to answer; NULL: the usual. */
	const char *greeting;          /* NULL: "220 ..."; "": never greet */
	bool no_ehlo;                  /* EHLO gets 502 */
	const char *rcpt_refuse;       /* a recipient with this gets rcpt_reply */
	const char *rcpt_reply;
	bool flood;                    /* answer EHLO with an endless line */
	struct bufferevent *conns[8];  /* open connections, freed at the end */
	/* What it saw. */
	char log[8192];                /* the commands, one per line */
	char data[8192];               /* the messages, unstuffed */
	bool in_data;
	int mails;
} Relay;

static void
relay_say(struct bufferevent *bev, const char *reply)
{
	evbuffer_add_printf(bufferevent_get_output(bev), "%s\r\n", reply);
}

static void
relay_read(struct bufferevent *bev, void *arg)
{
	Relay *r = arg;
	char *l;
	size_t len;

	while ((l = evbuffer_readln(bufferevent_get_input(bev), &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (r->in_data) {
			if (strcmp(l, ".") == 0) {
				r->in_data = false;
				r->mails++;
				relay_say(bev, "250 2.0.0 queued");
			} else {
				strncat(r->data, l[0] == '.' ? l + 1 : l,
					sizeof r->data - strlen(r->data) - 2);
				strcat(r->data, "\n");
			}
			free(l);
			continue;
		}
		strncat(r->log, l, sizeof r->log - strlen(r->log) - 2);
		strcat(r->log, "\n");
		if (strncmp(l, "EHLO", 4) == 0) {
			if (r->flood) {
				char junk[4096];
				memset(junk, 'x', sizeof junk);
				evbuffer_add(bufferevent_get_output(bev), "250-", 4);
				for (int i = 0; i < 4; i++)
					evbuffer_add(bufferevent_get_output(bev), junk, sizeof junk);
			} else if (r->no_ehlo) {
				relay_say(bev, "502 5.5.2 command not recognized");
			} else {
				relay_say(bev, "250-relay.test");
				relay_say(bev, "250-8BITMIME");
				relay_say(bev, "250 HELP");
			}
		} else if (strncmp(l, "HELO", 4) == 0) {
			relay_say(bev, "250 relay.test");
		} else if (strncmp(l, "MAIL FROM:", 10) == 0 || strcmp(l, "RSET") == 0) {
			relay_say(bev, "250 2.1.0 ok");
		} else if (strncmp(l, "RCPT TO:", 8) == 0) {
			relay_say(bev, r->rcpt_refuse != NULL && strstr(l, r->rcpt_refuse) != NULL
					       ? r->rcpt_reply : "250 2.1.5 ok");
		} else if (strcmp(l, "DATA") == 0) {
			r->in_data = true;
			relay_say(bev, "354 go ahead");
		} else if (strcmp(l, "QUIT") == 0) {
			relay_say(bev, "221 2.0.0 bye");
		} else {
			relay_say(bev, "500 what");
		}
		free(l);
	}
}

static void
relay_event(struct bufferevent *bev, short what, void *arg)
{
	Relay *r = arg;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	for (size_t i = 0; i < sizeof r->conns / sizeof r->conns[0]; i++) {
		if (r->conns[i] == bev)
			r->conns[i] = NULL;
	}
	bufferevent_free(bev);
}

static void
relay_stop(Relay *r)
{
	for (size_t i = 0; i < sizeof r->conns / sizeof r->conns[0]; i++) {
		if (r->conns[i] != NULL)
			bufferevent_free(r->conns[i]);
		r->conns[i] = NULL;
	}
	evconnlistener_free(r->listener);
}

static void
relay_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
	     void *arg)
{
	Relay *r = arg;
	struct bufferevent *bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, relay_read, NULL, relay_event, r);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	for (size_t i = 0; i < sizeof r->conns / sizeof r->conns[0]; i++) {
		if (r->conns[i] == NULL) {
			r->conns[i] = bev;
			break;
		}
	}
	if (r->greeting == NULL) {
		relay_say(bev, "220-relay.test ESMTP");
		relay_say(bev, "220 ready");
	} else if (r->greeting[0] != '\0') {
		relay_say(bev, r->greeting);
	}
}

static void
relay_start(Relay *r, struct event_base *base)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;

	r->base = base;
	r->listener = evconnlistener_new_bind(base, relay_accept, r,
					      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
					      (struct sockaddr *)&a, sizeof a);
	assert_non_null(r->listener);
	getsockname(evconnlistener_get_fd(r->listener), (struct sockaddr *)&a, &len);
	r->port = ntohs(a.sin_port);
}

/* What a session told. */
typedef struct Outcomes {
	struct event_base *base;
	SmtpOutcome outcome[8];
	char error[8][SMTP_ERROR_MAX];
	int told;
	bool done, reached;
	char done_error[SMTP_ERROR_MAX];
} Outcomes;

static void
on_mail(void *arg, size_t index, SmtpOutcome outcome, const char *error)
{
	Outcomes *o = arg;
	assert_true(index < 8);
	assert_int_equal((int)index, o->told);
	o->outcome[index] = outcome;
	snprintf(o->error[index], sizeof o->error[index], "%s", error != NULL ? error : "");
	o->told++;
}

static void
on_done(void *arg, bool reached, const char *error)
{
	Outcomes *o = arg;
	o->done = true;
	o->reached = reached;
	snprintf(o->done_error, sizeof o->done_error, "%s", error != NULL ? error : "");
	event_base_loopbreak(o->base);
}

static void
run_session(Relay *r, int port, const SmtpMail *mails, size_t n, int timeout_ms, Outcomes *o)
{
	struct event_base *base = r != NULL ? r->base : event_base_new();
	SmtpSettings set = {.step_timeout_ms = timeout_ms};
	snprintf(set.host, sizeof set.host, "127.0.0.1");
	snprintf(set.port, sizeof set.port, "%d", port);
	snprintf(set.from, sizeof set.from, "triad@hva.example.nl");
	memset(o, 0, sizeof *o);
	o->base = base;
	SmtpSession *s = smtp_session_start(base, NULL, &set, mails, n, on_mail, on_done, o);
	assert_non_null(s);
	event_base_dispatch(base);
	assert_true(o->done);
	assert_int_equal(o->told, (int)n);
	if (r == NULL)
		event_base_free(base);
}

static const SmtpMail mails[] = {
	{"00000000-0000-4000-8000-000000000001", "anna@example.org", "Invite", "Hi Anna,\n.\nBye\n"},
	{"00000000-0000-4000-8000-000000000002", "later@example.org", "Second", "Two\n"},
	{"00000000-0000-4000-8000-000000000003", "gone@example.org", "Third", "Three\n"},
	{"00000000-0000-4000-8000-000000000004", "a b@example.org", "Bad address", "Four\n"},
};

static void
test_session_helo_and_dots(void **state)
{
	Relay r = {.no_ehlo = true};
	relay_start(&r, event_base_new());
	Outcomes o;
	run_session(&r, r.port, mails, 1, 5000, &o);
	assert_true(o.reached);
	assert_string_equal(o.done_error, "");
	assert_int_equal(o.outcome[0], SMTP_SENT);
	assert_string_equal(r.log, "EHLO hva.example.nl\nHELO hva.example.nl\n"
				   "MAIL FROM:<triad@hva.example.nl>\nRCPT TO:<anna@example.org>\n"
				   "DATA\nQUIT\n");
	assert_int_equal(r.mails, 1);
	assert_non_null(strstr(r.data, "\n\nHi Anna,\n.\nBye\n"));
	relay_stop(&r);
	event_base_free(r.base);
}

static void
test_session_refusals_per_mail(void **state)
{
	Relay r = {.rcpt_refuse = "later@", .rcpt_reply = "451 4.3.0 try again later"};
	relay_start(&r, event_base_new());
	Outcomes o;
	run_session(&r, r.port, mails, 4, 5000, &o);
	assert_int_equal(o.outcome[0], SMTP_SENT);
	assert_int_equal(o.outcome[1], SMTP_DEFERRED);
	assert_string_equal(o.error[1], "the relay refused RCPT TO: 451 4.3.0 try again later");
	assert_int_equal(o.outcome[2], SMTP_SENT);
	assert_int_equal(o.outcome[3], SMTP_REJECTED);
	assert_string_equal(o.error[3], "the address cannot be used for mail");
	assert_int_equal(r.mails, 2);
	/* The refused transaction is reset before the next. */
	assert_non_null(strstr(r.log, "RCPT TO:<later@example.org>\nRSET\nMAIL FROM:"));
	assert_null(strstr(r.log, "a b@"));
	relay_stop(&r);

	Relay f = {.rcpt_refuse = "gone@", .rcpt_reply = "550 5.1.1 no such user"};
	relay_start(&f, r.base);
	run_session(&f, f.port, mails, 3, 5000, &o);
	assert_int_equal(o.outcome[0], SMTP_SENT);
	assert_int_equal(o.outcome[1], SMTP_SENT);
	assert_int_equal(o.outcome[2], SMTP_REJECTED);
	assert_string_equal(o.error[2], "the relay refused RCPT TO: 550 5.1.1 no such user");
	relay_stop(&f);
	event_base_free(r.base);
}

static void
test_session_relay_that_never_greets(void **state)
{
	Relay r = {.greeting = ""};
	relay_start(&r, event_base_new());
	Outcomes o;
	run_session(&r, r.port, mails, 2, 100, &o);
	assert_false(o.reached);
	assert_string_equal(o.done_error, "the relay did not answer within 100 ms (at greeting)");
	assert_int_equal(o.outcome[0], SMTP_DEFERRED);
	assert_int_equal(o.outcome[1], SMTP_DEFERRED);
	assert_string_equal(o.error[1], o.done_error);
	relay_stop(&r);
	event_base_free(r.base);
}

static void
test_session_relay_that_floods(void **state)
{
	Relay r = {.flood = true};
	relay_start(&r, event_base_new());
	Outcomes o;
	run_session(&r, r.port, mails, 1, 5000, &o);
	assert_true(o.reached);
	assert_int_equal(o.outcome[0], SMTP_DEFERRED);
	assert_non_null(strstr(o.done_error, "reply line longer than"));
	relay_stop(&r);
	event_base_free(r.base);
}

static void
test_session_relay_not_there(void **state)
{
	/* A port that was free a moment ago. */
	Relay r = {0};
	relay_start(&r, event_base_new());
	int port = r.port;
	relay_stop(&r);
	event_base_free(r.base);

	Outcomes o;
	run_session(NULL, port, mails, 1, 5000, &o);
	assert_false(o.reached);
	assert_int_equal(o.outcome[0], SMTP_DEFERRED);
	assert_non_null(strstr(o.done_error, "cannot connect to 127.0.0.1:"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replies_single_and_multi_line),
		cmocka_unit_test(test_replies_that_are_not),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_dot_stuffing),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_session_helo_and_dots),
		cmocka_unit_test(test_session_refusals_per_mail),
		cmocka_unit_test(test_session_relay_that_never_greets),
		cmocka_unit_test(test_session_relay_that_floods),
		cmocka_unit_test(test_session_relay_not_there),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
