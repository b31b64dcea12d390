/*
 * Unit tests for the coach's side of the client: the feedback template
 * (client/feedback.c: sections, comments, an empty template, CRLF,
 * headings in any case, what is written and read back), the checks
 * before sending, the idempotency key, finding the coachee a coach means,
 * the triangle commands described as Calls against the contract, and
 * `triad feedback give` run through the real dispatcher against a
 * scripted server in a child process: one retry with the same key after
 * a lost connection, "not a coach", an ambiguous name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "script_server.h"
#include "call.h"
#include "commands.h"
#include "feedback.h"
#include "fields.h"
#include "names.h"

static const Command *const commands[] = {
	&cmd_coachees, &cmd_feedback,  &cmd_relation, &cmd_partner, &cmd_agreement,
	&cmd_consent,  &cmd_employer,  &cmd_judgement, &cmd_help,   NULL,
};

static const Command root = {
	.name = "triad",
	.summary = "test root",
	.options = client_global_options,
	.subcommands = commands,
};

/* The client with this table against the scripted server; stdin reads input. */
#define run_in(input, ...) script_run(&root, (input), __VA_ARGS__)
#define run(...) run_in(NULL, __VA_ARGS__)

/* ---- the template ------------------------------------------------------------ */

static void
expect_parts(const char *text, const char *situation, const char *behaviour,
	     const char *effect, const char *suggestion)
{
	FeedbackText t;
	FeedbackParse rc = feedback_parse(text, &t, NULL);

	if (rc != FEEDBACK_PARSED)
		fail_msg("not parsed (%d): %s", rc, text);
	assert_string_equal(t.part[FEEDBACK_SITUATION], situation);
	assert_string_equal(t.part[FEEDBACK_BEHAVIOUR], behaviour);
	assert_string_equal(t.part[FEEDBACK_EFFECT], effect);
	assert_string_equal(t.part[FEEDBACK_SUGGESTION], suggestion);
	feedback_text_free(&t);
}

static void
test_template_sections(void **state)
{
	(void)state;
	expect_parts("Situation:\nThe ward round.\n\nBehaviour:\nYou asked first.\n"
		     "Effect:\nCalm.\nSuggestion:\nAgain.\n",
		     "The ward round.", "You asked first.", "Calm.", "Again.");
	/* Blank lines and white space around a part go; inside it they stay. */
	expect_parts("Situation:\n\n   \n  Monday,\n\n  ward 3.   \n\n\nBehaviour:\nX\n",
		     "Monday,\n\n  ward 3.", "X", "", "");
	/* Text on the heading's own line; no colon; spaces before the colon. */
	expect_parts("Situation: at the handover\nBehaviour : you read back\nEffect\nfewer errors\n",
		     "at the handover", "you read back", "fewer errors", "");
	/* A heading given twice continues its part; any order. */
	expect_parts("Behaviour:\nfirst\nSituation:\nS\nBehaviour:\nsecond\n",
		     "S", "first\n\nsecond", "", "");
	/* No newline at the end. */
	expect_parts("Situation:\nS\nBehaviour:\nB", "S", "B", "", "");
}

static void
test_template_comments(void **state)
{
	(void)state;
	expect_parts("# Feedback for Anna.\n#\nSituation:\n# Where and when?\nS\n"
		     "#Behaviour: not a heading, a comment\nBehaviour:\nB\n# the end\n",
		     "S", "B", "", "");
	/* Only a '#' at the start of a line makes a comment. */
	expect_parts("Situation:\nS #1\n  # indented, so text\nBehaviour:\nB\n",
		     "S #1\n  # indented, so text", "B", "", "");
}

static void
test_template_headings_in_any_case(void **state)
{
	(void)state;
	expect_parts("SITUATION:\nS\nbehaviour:\nB\nEfFeCt:\nE\nsuggestion:\nG\n", "S", "B", "E",
		     "G");
	/* The American spelling, and headings indented. */
	expect_parts("  Situation:\nS\n\tBehavior:\nB\n", "S", "B", "", "");
}

static void
test_template_crlf(void **state)
{
	(void)state;
	expect_parts("# comment\r\nSituation:\r\nLine one\r\nline two\r\n\r\nBehaviour:\r\nB\r\n",
		     "Line one\nline two", "B", "", "");
	expect_parts("Situation: S\r\nBehaviour:B\r\n", "S", "B", "", "");
}

static void
test_template_empty_aborts(void **state)
{
	static const char *const empty[] = {
		"",
		"\n\n   \n",
		"# only\n# comments\n",
		"Situation:\n\nBehaviour:\n   \nEffect:\nSuggestion:\n",
		"# c\r\nSituation:\r\n# Where and when?\r\n\r\nBehaviour:\r\n",
	};
	FeedbackText t;

	(void)state;
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		FeedbackParse rc = feedback_parse(empty[i], &t, NULL);

		if (rc != FEEDBACK_EMPTY)
			fail_msg("'%s' gave %d, not empty", empty[i], rc);
		assert_null(t.part[FEEDBACK_SITUATION]);
	}
}

static void
test_template_stray_text(void **state)
{
	FeedbackText t;
	size_t line = 0;

	(void)state;
	assert_int_equal(feedback_parse("# c\n\nI liked it.\nSituation:\nS\n", &t, &line),
			 FEEDBACK_STRAY);
	assert_int_equal(line, 3);
	/* A word that only starts like a heading is none. */
	assert_int_equal(feedback_parse("Situationist: S\nBehaviour:\nB\n", &t, &line),
			 FEEDBACK_STRAY);
	assert_int_equal(line, 1);
}

static char *
written(const FeedbackTemplate *tpl)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	feedback_template_write(f, tpl);
	assert_int_equal(fclose(f), 0);
	return s;
}

static void
test_template_written(void **state)
{
	char *parts[FEEDBACK_PARTS] = {"Monday\nward 3", "You asked", "", "Try it again"};
	FeedbackText text = {{parts[0], parts[1], parts[2], parts[3]}}, back;
	FeedbackTemplate tpl = {.participant = "Anna de Boer", .context = "ZORG at nsob",
				.question = "How did I do?\nBe honest."};
	char key[FEEDBACK_KEY_HEX + 1];
	char *s = written(&tpl);

	(void)state;
	/* A new template: every line a comment or a heading, so it is empty. */
	assert_non_null(strstr(s, "# Feedback for Anna de Boer (ZORG at nsob).\n"));
	assert_non_null(strstr(s, "# They asked you: How did I do?\n#   Be honest.\n"));
	assert_non_null(strstr(s, "\nSituation:\n# Where and when"));
	assert_non_null(strstr(s, "\nBehaviour:\n# What did Anna de Boer do?"));
	assert_non_null(strstr(s, "\nEffect:\n# What did it lead to?"));
	assert_non_null(strstr(s, "\nSuggestion:\n# One thing to try next time.\n"));
	assert_null(strstr(s, "24 hours"));
	assert_false(feedback_template_key(s, key, sizeof key));
	assert_int_equal(feedback_parse(s, &back, NULL), FEEDBACK_EMPTY);
	free(s);

	/* An edit: the current text, the 24 hours, a key; and back again. */
	tpl.question = NULL;
	tpl.edit_until = "2026-05-23 10:15";
	tpl.text = &text;
	tpl.key = "0123456789abcdef0123456789abcdef";
	s = written(&tpl);
	assert_non_null(strstr(s, "24 hours"));
	assert_non_null(strstr(s, "2026-05-23 10:15"));
	assert_true(feedback_template_key(s, key, sizeof key));
	assert_string_equal(key, "0123456789abcdef0123456789abcdef");
	assert_int_equal(feedback_parse(s, &back, NULL), FEEDBACK_PARSED);
	for (int i = 0; i < FEEDBACK_PARTS; i++)
		assert_string_equal(back.part[i], parts[i]);
	feedback_text_free(&back);
	free(s);

	/* A key line must be exact. */
	assert_false(feedback_template_key("# Retry key: 0123\n", key, sizeof key));
	assert_false(feedback_template_key("# Retry key: 0123456789ABCDEF0123456789ABCDEF\n", key,
					   sizeof key));
	assert_true(feedback_template_key("x\r\n# Retry key: 00000000000000000000000000000000\r\n",
					  key, sizeof key));
}

static void
test_check_before_sending(void **state)
{
	char *p[FEEDBACK_PARTS] = {"", "B", "", ""}, msg[256], *big;
	FeedbackText t = {{p[0], p[1], p[2], p[3]}};

	(void)state;
	assert_false(feedback_check(&t, "Anna", msg, sizeof msg));
	assert_non_null(strstr(msg, "Please describe the situation"));
	t.part[FEEDBACK_SITUATION] = "S";
	t.part[FEEDBACK_BEHAVIOUR] = "";
	assert_false(feedback_check(&t, "Anna", msg, sizeof msg));
	assert_non_null(strstr(msg, "Please describe the behaviour"));
	assert_non_null(strstr(msg, "what did Anna do?"));
	t.part[FEEDBACK_BEHAVIOUR] = "B";
	assert_true(feedback_check(&t, "Anna", msg, sizeof msg));

	/* 4000 characters, not bytes: 'é' is two bytes. */
	big = malloc(2 * FEEDBACK_PART_MAX + 3);
	assert_non_null(big);
	for (int i = 0; i < FEEDBACK_PART_MAX; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[2 * FEEDBACK_PART_MAX] = '\0';
	assert_int_equal(feedback_chars(big), FEEDBACK_PART_MAX);
	t.part[FEEDBACK_EFFECT] = big;
	assert_true(feedback_check(&t, "Anna", msg, sizeof msg));
	strcat(big, "x");
	assert_false(feedback_check(&t, "Anna", msg, sizeof msg));
	assert_non_null(strstr(msg, "The effect is longer than 4000 characters"));
	free(big);
}

/* ---- the idempotency key ------------------------------------------------------ */

static void
test_idempotency_key(void **state)
{
	static const unsigned char bytes[16] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff,
						0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x09};
	char a[FEEDBACK_KEY_HEX + 1], b[FEEDBACK_KEY_HEX + 1];

	(void)state;
	feedback_key_hex(bytes, a);
	assert_string_equal(a, "00017f80abcdefff1020304050607009");
	assert_true(feedback_key_ok(a));

	assert_true(feedback_new_key(a));
	assert_true(feedback_new_key(b));
	assert_int_equal(strlen(a), FEEDBACK_KEY_HEX);
	assert_true(feedback_key_ok(a));
	assert_true(feedback_key_ok(b));
	assert_string_not_equal(a, b);

	assert_false(feedback_key_ok(""));
	assert_false(feedback_key_ok(NULL));
	assert_false(feedback_key_ok("0123456789abcdef"));
	assert_false(feedback_key_ok("0123456789ABCDEF0123456789ABCDEF"));
	assert_false(feedback_key_ok("0123456789abcdef0123456789abcdeg"));
	assert_false(feedback_key_ok("0123456789abcdef0123456789abcdef0"));
}

/* ---- finding the coachee ------------------------------------------------------ */

static Triad__V1__Coachee k_anna_a, k_jansen, k_anna_b, k_piet;
static Triad__V1__Coachee *coachees[4];

static void
coachee(Triad__V1__Coachee *k, const char *relation, const char *inst, const char *slug,
	const char *enrollment, const char *person, const char *name, const char *email)
{
	triad__v1__coachee__init(k);
	k->relation_id = (char *)relation;
	k->institution_id = (char *)inst;
	k->institution_slug = (char *)slug;
	k->enrollment_id = (char *)enrollment;
	k->participant_person_id = (char *)person;
	k->participant_name = (char *)name;
	k->participant_email = (char *)email;
	k->programme_code = "ZORG";
}

static void
make_coachees(void)
{
	coachee(&k_anna_a, "r-1", "i-a", "nsob", "e-1", "p-1", "Anna de Boer", "Anna@Example.org");
	coachee(&k_jansen, "r-2", "i-a", "nsob", "e-2", "p-2", "Anna Jansen", "jansen@example.org");
	coachee(&k_anna_b, "r-3", "i-b", "hva", "e-3", "p-1", "Anna de Boer", "anna@example.org");
	coachee(&k_piet, "r-4", "i-b", "hva", "e-4", "p-4", "Piet Ann", "");
	coachees[0] = &k_anna_a;
	coachees[1] = &k_jansen;
	coachees[2] = &k_anna_b;
	coachees[3] = &k_piet;
}

/* The relations that who matches, as "r-1 r-3". */
static const char *
match(const char *who, const char *institution)
{
	static char buf[128];
	size_t found[4], n = feedback_match(coachees, 4, who, institution, found, 4);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "",
			 coachees[found[i]]->relation_id);
	return buf;
}

static void
test_participant_resolution(void **state)
{
	size_t found[4];

	(void)state;
	make_coachees();
	/* E-mail, ignoring case: the same person at two institutions. */
	assert_string_equal(match("anna@example.org", NULL), "r-1 r-3");
	assert_string_equal(match("ANNA@EXAMPLE.ORG", ""), "r-1 r-3");
	assert_string_equal(match("anna@example.org", "hva"), "r-3");
	assert_string_equal(match("anna@example.org", "i-a"), "r-1");
	assert_string_equal(match("jansen@example.org", "hva"), "");
	/* Ids: relation, enrollment, person. */
	assert_string_equal(match("r-2", NULL), "r-2");
	assert_string_equal(match("e-3", NULL), "r-3");
	assert_string_equal(match("p-1", NULL), "r-1 r-3");
	/* The whole name, ignoring case and spacing. */
	assert_string_equal(match("  anna   DE boer ", NULL), "r-1 r-3");
	assert_string_equal(match("Anna Jansen", NULL), "r-2");
	/* Whole words of a name. */
	assert_string_equal(match("Jansen", NULL), "r-2");
	assert_string_equal(match("de Boer", NULL), "r-1 r-3");
	assert_string_equal(match("Anna", NULL), "r-1 r-2 r-3");
	assert_string_equal(match("Ann", NULL), "r-4");
	assert_string_equal(match("Boe", NULL), "");
	assert_string_equal(match("nobody@example.org", NULL), "");
	assert_string_equal(match("", NULL), "");

	/* One person in two places, or two people. */
	assert_int_equal(feedback_match(coachees, 4, "anna@example.org", NULL, found, 4), 2);
	assert_true(feedback_one_person(coachees, found, 2));
	assert_int_equal(feedback_match(coachees, 4, "Anna", NULL, found, 4), 3);
	assert_false(feedback_one_person(coachees, found, 3));
	/* More matches than room: the count is still right. */
	assert_int_equal(feedback_match(coachees, 4, "Anna", NULL, found, 1), 3);
}

/* ---- the commands against the contract ------------------------------------------ */

static void
test_every_call(void **state)
{
	(void)state;
	/*
	 * feedback ask/sent, relation create/propose/approve/end/list, partner
	 * list, agreement create/show/list/end, consent set/list, employer
	 * judge, judgement list.
	 */
	assert_int_equal(script_check_calls("triad", &root, NULL), 16);
}

/* ---- feedback give against a scripted server -------------------------------------- */

/*
 * Answer req; false to drop the connection without an answer, as a
 * network would: the first feedback for relation r-1 is lost that way.
 */
static bool
answer(int fd, FILE *log, Triad__V1__Request *req)
{
	static int gives;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__HelloReply hello = TRIAD__V1__HELLO_REPLY__INIT;
	Triad__V1__ListCoacheesReply list = TRIAD__V1__LIST_COACHEES_REPLY__INIT;
	Triad__V1__Feedback f = TRIAD__V1__FEEDBACK__INIT;
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	const Triad__V1__GiveFeedbackRequest *g;

	resp.id = req->id;
	switch (req->body_case) {
	case TRIAD__V1__REQUEST__BODY_HELLO:
		hello.protocol_version = TRIAD_PROTOCOL_VERSION;
		hello.server_version = "triadd/test";
		resp.body_case = TRIAD__V1__RESPONSE__BODY_HELLO;
		resp.hello = &hello;
		break;
	case TRIAD__V1__REQUEST__BODY_LIST_COACHEES:
		make_coachees();
		list.n_coachees = 4;
		list.coachees = coachees;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_COACHEES;
		resp.coachees = &list;
		break;
	case TRIAD__V1__REQUEST__BODY_GIVE_FEEDBACK:
		g = req->give_feedback;
		fprintf(log, "give %s in %s key=%s [%s|%s|%s|%s]\n", g->relation_id, req->institution,
			req->idempotency_key, g->situation, g->behaviour, g->effect, g->suggestion);
		if (strcmp(g->relation_id, "r-1") == 0 && gives++ == 0)
			return false;
		if (strcmp(g->relation_id, "r-2") == 0) {
			st.code = TRIAD__V1__CODE__CODE_NOT_FOUND;
			st.message = "you are not a coach of this participant";
			st.field = "give_feedback.relation_id";
			resp.status = &st;
			break;
		}
		f.id = "fb-1";
		f.relation_id = g->relation_id;
		f.participant_name = "Anna de Boer";
		f.situation = g->situation;
		f.behaviour = g->behaviour;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_FEEDBACK;
		resp.feedback = &f;
		break;
	default:
		fprintf(log, "other %d\n", req->body_case);
		st.code = TRIAD__V1__CODE__CODE_UNIMPLEMENTED;
		st.message = "not in the script";
		resp.status = &st;
		break;
	}
	script_send(fd, &resp);
	return true;
}

static void
test_give_retries_once_with_the_same_key(void **state)
{
	char first[256], second[256];
	const char *key;
	ScriptRun r;

	(void)state;
	r = run(7, "feedback", "give", "anna@example.org", "--situation", "The handover",
		"--behaviour", "You read back");
	/* The same person at two institutions: which one? */
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "You coach Anna de Boer in more than one place:"));
	assert_non_null(strstr(r.err, "ZORG at nsob  (relation r-1)"));
	assert_non_null(strstr(r.err, "--institution"));
	script_run_free(&r);

	r = run(9, "--institution", "nsob", "feedback", "give", "anna@example.org", "--situation",
		"The handover", "--behaviour", "You read back");
	if (r.rc != 0)
		fail_msg("exit %d: %s", r.rc, r.err);
	assert_string_equal(r.out, "Feedback for Anna de Boer saved. (id fb-1)\n");
	snprintf(first, sizeof first, "%s", script_line());
	snprintf(second, sizeof second, "%s", script_line());
	/* The lost attempt and the retry: the same request, the same key. */
	assert_string_equal(first, second);
	assert_non_null(strstr(first, "give r-1 in i-a key="));
	assert_non_null(strstr(first, "[The handover|You read back||]"));
	key = strstr(first, "key=") + 4;
	assert_int_equal(strcspn(key, " "), FEEDBACK_KEY_HEX);
	script_run_free(&r);

	/* Another run is another key. */
	r = run(9, "--institution", "hva", "feedback", "give", "Anna de Boer", "--situation", "S",
		"--behaviour", "B");
	assert_int_equal(r.rc, 0);
	snprintf(second, sizeof second, "%s", script_line());
	assert_non_null(strstr(second, "give r-3 in i-b key="));
	assert_int_not_equal(strncmp(strstr(second, "key="), strstr(first, "key="), 36), 0);
	script_run_free(&r);
}

static void
test_give_not_a_coach(void **state)
{
	char cache[] = "/tmp/triad-fb-unit-XXXXXX", cmd[128];
	ScriptRun r;

	(void)state;
	assert_non_null(mkdtemp(cache));
	setenv("XDG_CACHE_HOME", cache, 1);

	/* Not among the coachees: nothing is sent. */
	r = run(7, "feedback", "give", "nobody@example.org", "--situation", "S", "--behaviour",
		"B");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "You are not a coach of this participant (or your "
				      "coaching has ended).\n"));
	script_run_free(&r);

	/* The server says so (the coaching ended meanwhile): the text is kept. */
	r = run(7, "feedback", "give", "Jansen", "--situation", "S", "--behaviour", "B");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "You are not a coach of this participant (or your "
				      "coaching has ended).\n"));
	assert_null(strstr(r.err, "give_feedback"));
	assert_non_null(strstr(r.err, "Your text is saved in "));
	assert_non_null(strstr(r.err, "; run again with --from-file "));
	assert_non_null(strstr(script_line(), "give r-2 in i-a"));
	script_run_free(&r);

	/* Two people: the e-mail says which. */
	r = run(7, "feedback", "give", "anna", "--situation", "S", "--behaviour", "B");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "More than one of your coachees matches 'anna':"));
	assert_non_null(strstr(r.err, "jansen@example.org"));
	assert_non_null(strstr(r.err, "Please use the e-mail address"));
	script_run_free(&r);

	/* Not valid: said before sending, kept. */
	r = run(5, "feedback", "give", "Jansen", "--situation", "S");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "Please describe the behaviour"));
	assert_non_null(strstr(r.err, "Your text is saved in "));
	script_run_free(&r);

	unsetenv("XDG_CACHE_HOME");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
	assert_int_equal(system(cmd), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	script_start_answering(answer);
	setenv("TRIAD_ADDR", script_addr, 1);
	setenv("TRIAD_TOKEN", "good", 1);
	unsetenv("TRIAD_INSTITUTION");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	script_stop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_sections),
		cmocka_unit_test(test_template_comments),
		cmocka_unit_test(test_template_headings_in_any_case),
		cmocka_unit_test(test_template_crlf),
		cmocka_unit_test(test_template_empty_aborts),
		cmocka_unit_test(test_template_stray_text),
		cmocka_unit_test(test_template_written),
		cmocka_unit_test(test_check_before_sending),
		cmocka_unit_test(test_idempotency_key),
		cmocka_unit_test(test_participant_resolution),
		cmocka_unit_test(test_every_call),
		cmocka_unit_test(test_give_retries_once_with_the_same_key),
		cmocka_unit_test(test_give_not_a_coach),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
