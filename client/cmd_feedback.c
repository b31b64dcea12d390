/*
 * cmd_feedback.c: the coach's commands, `triad coachees` and `triad
 * feedback ...`, and the participant's `triad feedback ask`.
 *
 * Many coaches are not technical: a ward manager must get `triad feedback
 * give` right the first time. So the coachee is named the way people name
 * each other (an e-mail or a name; ids work too) and found among the
 * coach's coachees in every institution; the text is written in an editor
 * (editor.h) on a template that explains itself (feedback.h), like `git
 * commit`, or comes from standard input or options for scripts; and what
 * goes wrong is said in the coach's words. Whatever a coach wrote is never
 * lost: when it cannot be sent, it is saved in a file to send again with
 * --from-file. Every new feedback carries an idempotency key, so the one
 * retry after a lost connection, or sending a saved text again, cannot
 * save it twice.
 */
#include "call.h"
#include "commands.h"
#include "editor.h"
#include "feedback.h"
#include "resource.h"
#include "when.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* What a coach is told when the participant is not theirs to write about. */
#define NOT_A_COACH "You are not a coach of this participant (or your coaching has ended)."

/* The exit code when a text is not sent: nothing written, or not valid. */
#define EXIT_NOT_SENT TRIAD_EXIT_SERVER

/* ---- what the server said ---------------------------------------------------- */

static bool
is_status(const RpcError *err, Triad__V1__Code code)
{
	return err->kind == RPC_ERR_STATUS && err->code == code;
}

/* Whether the server wants to be told the institution. */
static bool
needs_institution(const RpcError *err)
{
	return is_status(err, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT) &&
	       strcmp(err->field, "institution") == 0;
}

/* Whether err may have lost the request on the way, so that a retry is right. */
static bool
connection_failed(const RpcError *err)
{
	switch (err->kind) {
	case RPC_ERR_CONNECT:
	case RPC_ERR_TIMEOUT:
	case RPC_ERR_CLOSED:
	case RPC_ERR_SERVER_CLOSED:
		return true;
	case RPC_ERR_STATUS:
		return err->code == TRIAD__V1__CODE__CODE_UNAVAILABLE ||
		       err->code == TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN ||
		       err->code == TRIAD__V1__CODE__CODE_CANCELLED ||
		       err->code == TRIAD__V1__CODE__CODE_ABORTED;
	default:
		return false;
	}
}

#define DATE_FMT "%Y-%m-%d"
#define MINUTE_FMT "%Y-%m-%d %H:%M"

/* ---- printing ------------------------------------------------------------------ */

/* Write text with each of its lines after indent, made safe for a terminal. */
static void
print_block(FILE *out, const char *indent, const char *text)
{
	while (*text != '\0') {
		size_t len = strcspn(text, "\n");
		char *line = strndup(text, len);

		fputs(indent, out);
		print_sanitized(out, line != NULL ? line : "");
		putc('\n', out);
		free(line);
		text += len;
		if (*text == '\n')
			text++;
	}
}

/* The first chars characters of s on one line, with "..." when cut, into buf. */
static const char *
shorten(const char *s, size_t chars, char *buf, size_t len)
{
	size_t used = 0, n = 0;

	for (; *s != '\0' && used + 4 < len; s++) {
		if ((*s & 0xC0) != 0x80 && n++ == chars) {
			memcpy(buf + used, "...", 3);
			used += 3;
			break;
		}
		buf[used++] = *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s;
	}
	buf[used] = '\0';
	return buf;
}

/* "Metropool at nsob": where a coachee follows which programme. */
static const char *
coachee_context(const Triad__V1__Coachee *k, char *buf, size_t len)
{
	if (k->programme_code[0] != '\0')
		snprintf(buf, len, "%s at %s", k->programme_code, k->institution_slug);
	else
		snprintf(buf, len, "at %s", k->institution_slug);
	return buf;
}

/* Print "words" and "NAME" as one sentence start: "Feedback for NAME". */
static void
say(FILE *out, const char *words, const char *name)
{
	fputs(words, out);
	print_sanitized(out, name);
}

/* ---- coachees ------------------------------------------------------------------ */

/* The coach's coachees, everywhere, into *resp (reported on failure). */
static TriadExit
coachees_fetch(Client *c, Triad__V1__Response **resp)
{
	Triad__V1__ListCoacheesRequest m = TRIAD__V1__LIST_COACHEES_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	RpcError err;
	TriadExit rc;

	/* One page of the most the server gives: more coachees than that is
	 * beyond any one coach. */
	m.page_size = LIST_MAX_PAGE_SIZE;
	req.body_case = RQ(LIST_COACHEES);
	req.list_coachees = &m;
	rc = call_quietly_in(c, "", &req, RS(COACHEES), resp, &err);
	return rc == TRIAD_EXIT_OK ? rc : call_report(c, &err, rc);
}

static int
coachees_run(Client *c, const Command *cmd, const CliArgs *args)
{
	static const char *const text_headers[] = {"name", "email", "institution", "programme",
						   "last feedback", "open requests"};
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	char names[FIELDS_MAX_COLUMNS][64];
	const char *headers[FIELDS_MAX_COLUMNS];
	const Triad__V1__ListCoacheesReply *list;
	Triad__V1__Response *resp;
	size_t ncols = 6;
	Table *t;
	bool ok = true;
	TriadExit rc;

	if ((rc = coachees_fetch(c, &resp)) != TRIAD_EXIT_OK)
		return rc;
	list = resp->coachees;
	if (c->format != PRINT_TEXT) {
		ncols = fields_columns(&triad__v1__coachee__descriptor, NULL, cols,
				       FIELDS_MAX_COLUMNS);
		for (size_t i = 0; i < ncols; i++)
			headers[i] = fields_header(cols[i], names[i], sizeof names[i]);
	}
	t = client_table(c, ncols, c->format == PRINT_TEXT ? text_headers : headers);
	if (c->format != PRINT_TEXT)
		call_set_kinds(t, cols, ncols);
	for (size_t i = 0; t != NULL && ok && i < list->n_coachees; i++) {
		const Triad__V1__Coachee *k = list->coachees[i];
		char when[32], open[16];
		const char *cells[6];

		if (c->format != PRINT_TEXT) {
			ok = call_add_row(t, cols, ncols, &k->base, c->format);
			continue;
		}
		cells[0] = k->participant_name;
		cells[1] = k->participant_email;
		cells[2] = k->institution_slug;
		cells[3] = k->programme_code;
		char last[WHEN_MAX];
		const char *last_at = WHEN_US(k, last_feedback_at, last);
		cells[4] = last_at[0] == '\0'
				   ? "never"
				   : feedback_local_time(last_at, DATE_FMT, when, sizeof when);
		snprintf(open, sizeof open, "%d", (int)k->open_requests);
		cells[5] = open;
		ok = table_add_row(t, cells);
	}
	if (t == NULL || !ok) {
		table_free(t);
		rpc_response_free(resp);
		return client_out_of_memory(c);
	}
	if (c->format == PRINT_TEXT && list->n_coachees == 0) {
		fputs("You have no coachees at the moment. When a programme makes you someone's\n"
		      "coach, they appear here.\n", c->out);
	} else if (!table_print(t, c->format, c->out)) {
		rc = TRIAD_EXIT_SERVER;
	} else if (c->format == PRINT_TEXT) {
		const Triad__V1__Coachee *k = list->coachees[0];
		char word[512];

		fputs("\nTo give feedback: triad feedback give ", c->out);
		print_sanitized(c->out, print_shell_word(k->participant_email[0] != '\0'
								 ? k->participant_email
								 : k->participant_name,
							 word, sizeof word));
		fputs("\n", c->out);
	}
	table_free(t);
	rpc_response_free(resp);
	return rc;
}

const Command cmd_coachees = {
	.name = "coachees",
	.summary = "The participants you coach, in every institution",
	.usage = "",
	.description =
		"Shows when you last gave each of them feedback, and how many of their\n"
		"requests for feedback are still open ('triad feedback requests').\n",
	.handler = coachees_run,
};

/*
 * The coachee that who names, with the institution --institution (or
 * TRIAD_INSTITUTION) may limit it to; *out borrows from resp. Not finding
 * one is reported in the coach's words.
 */
static TriadExit
coachee_find(Client *c, const Triad__V1__ListCoacheesReply *list, const char *who,
	     const Triad__V1__Coachee **out)
{
	size_t found[16], n;

	*out = NULL;
	n = feedback_match(list->coachees, list->n_coachees, who, client_institution(c), found,
			   sizeof found / sizeof found[0]);
	if (n == 1) {
		*out = list->coachees[found[0]];
		return TRIAD_EXIT_OK;
	}
	if (n == 0) {
		fprintf(c->err, "%s\n", NOT_A_COACH);
		if (list->n_coachees > 0)
			fputs("Run 'triad coachees' to see the participants you coach.\n", c->err);
		return TRIAD_EXIT_SERVER;
	}
	if (feedback_one_person(list->coachees, found, n < 16 ? n : 16)) {
		say(c->err, "You coach ", list->coachees[found[0]]->participant_name);
		fputs(" in more than one place:\n", c->err);
		for (size_t i = 0; i < n && i < 16; i++) {
			const Triad__V1__Coachee *k = list->coachees[found[i]];
			char ctx[256];

			fputs("  ", c->err);
			print_sanitized(c->err, coachee_context(k, ctx, sizeof ctx));
			fputs("  (relation ", c->err);
			print_sanitized(c->err, k->relation_id);
			fputs(")\n", c->err);
		}
		fputs("Add --institution with the institution, or give the relation instead of "
		      "the name.\n", c->err);
		return TRIAD_EXIT_USAGE;
	}
	fputs("More than one of your coachees matches '", c->err);
	print_sanitized(c->err, who);
	fputs("':\n", c->err);
	for (size_t i = 0; i < n && i < 16; i++) {
		const Triad__V1__Coachee *k = list->coachees[found[i]];

		fputs("  ", c->err);
		print_sanitized(c->err, k->participant_name);
		fputs("  ", c->err);
		print_sanitized(c->err, k->participant_email[0] != '\0' ? k->participant_email
									: k->participant_person_id);
		putc('\n', c->err);
	}
	fputs("Please use the e-mail address to say which one you mean.\n", c->err);
	return TRIAD_EXIT_USAGE;
}

/* ---- requests for feedback ---------------------------------------------------- */

/* Whether the request's due date has passed where the coach is (when.h). */
static bool
request_overdue(const Triad__V1__FeedbackRequest *q)
{
	char today[11];

	return q->due_on[0] != '\0' && strcmp(q->due_on, when_today(today)) < 0;
}

/* Overdue first, then by due date, then those without one; each by when asked. */
static int
request_order(const void *a, const void *b)
{
	const Triad__V1__FeedbackRequest *x = *(const Triad__V1__FeedbackRequest *const *)a;
	const Triad__V1__FeedbackRequest *y = *(const Triad__V1__FeedbackRequest *const *)b;
	int rx = request_overdue(x) ? 0 : x->due_on[0] != '\0' ? 1 : 2;
	int ry = request_overdue(y) ? 0 : y->due_on[0] != '\0' ? 1 : 2;
	int d;

	if (rx != ry)
		return rx - ry;
	if ((d = strcmp(x->due_on, y->due_on)) != 0)
		return d;
	if (x->created_at_us != y->created_at_us)
		return x->created_at_us < y->created_at_us ? -1 : 1;
	return strcmp(x->created_at, y->created_at);
}

/* "overdue since 2026-05-01", "due 2026-06-01" or "no date". */
static const char *
request_when(const Triad__V1__FeedbackRequest *q, char *buf, size_t len)
{
	if (q->due_on[0] == '\0')
		return "no date";
	snprintf(buf, len, "%s %s", request_overdue(q) ? "overdue since" : "due", q->due_on);
	return buf;
}

/* The coach's open requests, everywhere, into *resp (reported on failure). */
static TriadExit
requests_fetch(Client *c, Triad__V1__Response **resp)
{
	Triad__V1__ListFeedbackRequestsRequest m = TRIAD__V1__LIST_FEEDBACK_REQUESTS_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	RpcError err;
	TriadExit rc;

	m.page_size = LIST_MAX_PAGE_SIZE;
	req.body_case = RQ(LIST_FEEDBACK_REQUESTS);
	req.list_feedback_requests = &m;
	rc = call_quietly_in(c, "", &req, RS(FEEDBACK_REQUESTS), resp, &err);
	return rc == TRIAD_EXIT_OK ? rc : call_report(c, &err, rc);
}

static int
requests_run(Client *c, const Command *cmd, const CliArgs *args)
{
	static const char *const text_headers[] = {"when", "participant", "question",
						   "institution", "asked", "request"};
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	char names[FIELDS_MAX_COLUMNS][64];
	const char *headers[FIELDS_MAX_COLUMNS];
	Triad__V1__FeedbackRequest **sorted;
	Triad__V1__Response *resp;
	size_t n, ncols = 6;
	Table *t;
	bool ok = true;
	TriadExit rc;

	if ((rc = requests_fetch(c, &resp)) != TRIAD_EXIT_OK)
		return rc;
	n = resp->feedback_requests->n_requests;
	sorted = calloc(n + 1, sizeof *sorted);
	if (c->format != PRINT_TEXT) {
		ncols = fields_columns(&triad__v1__feedback_request__descriptor, NULL, cols,
				       FIELDS_MAX_COLUMNS);
		for (size_t i = 0; i < ncols; i++)
			headers[i] = fields_header(cols[i], names[i], sizeof names[i]);
	}
	t = client_table(c, ncols, c->format == PRINT_TEXT ? text_headers : headers);
	if (c->format != PRINT_TEXT)
		call_set_kinds(t, cols, ncols);
	if (sorted == NULL || t == NULL) {
		free(sorted);
		table_free(t);
		rpc_response_free(resp);
		return client_out_of_memory(c);
	}
	if (n > 0) {
		memcpy(sorted, resp->feedback_requests->requests, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, request_order);
	}
	for (size_t i = 0; ok && i < n; i++) {
		const Triad__V1__FeedbackRequest *q = sorted[i];
		char when[64], question[256], asked[32];
		const char *cells[6];

		if (c->format != PRINT_TEXT) {
			ok = call_add_row(t, cols, ncols, &q->base, c->format);
			continue;
		}
		cells[0] = request_when(q, when, sizeof when);
		cells[1] = q->participant_name;
		cells[2] = shorten(q->question, 60, question, sizeof question);
		cells[3] = q->institution_slug;
		char created[WHEN_MAX];
		cells[4] = feedback_local_time(WHEN_US(q, created_at, created), DATE_FMT, asked,
					       sizeof asked);
		cells[5] = q->id;
		ok = table_add_row(t, cells);
	}
	if (!ok)
		rc = client_out_of_memory(c);
	else if (c->format == PRINT_TEXT && n == 0)
		fputs("No open requests for feedback.\n", c->out);
	else if (!table_print(t, c->format, c->out))
		rc = TRIAD_EXIT_SERVER;
	else if (c->format == PRINT_TEXT)
		fputs("\nTo answer one: triad feedback give PARTICIPANT --request REQUEST\n",
		      c->out);
	free(sorted);
	table_free(t);
	rpc_response_free(resp);
	return rc;
}

static const Command feedback_requests = {
	.name = "requests",
	.summary = "The requests for feedback your coachees are waiting for",
	.usage = "",
	.description = "Overdue requests come first, then by the date they are due.\n",
	.handler = requests_run,
};

/* ---- the text: what goes wrong in getting it, and keeping it --------------------- */

/*
 * Say what went wrong in getting a text (editor.h), in the words of the
 * command; return the exit code: a text that cannot be had is the coach's
 * to fix, a file that cannot be made to write in is this machine's.
 */
static TriadExit
text_failed(Client *c, const EditorError *err)
{
	switch (err->status) {
	case EDITOR_OK:
		break;
	case EDITOR_UNREADABLE:
		fprintf(c->err, "%s: cannot read %s: %s\n", c->path, err->what,
			strerror(err->errnum));
		return TRIAD_EXIT_USAGE;
	case EDITOR_TOO_LONG:
		fprintf(c->err, "%s: %s is longer than %d KiB; feedback is much shorter\n",
			c->path, err->what, FEEDBACK_TEXT_MAX / 1024);
		return TRIAD_EXIT_USAGE;
	case EDITOR_NOT_TEXT:
		fprintf(c->err, "%s: %s is not text\n", c->path, err->what);
		return TRIAD_EXIT_USAGE;
	case EDITOR_NO_EDITOR:
		fprintf(c->err, "%s: no editor found. Set EDITOR (such as EDITOR=nano), or "
				"give the text with --situation and --behaviour or on standard "
				"input.\n",
			c->path);
		return TRIAD_EXIT_USAGE;
	case EDITOR_NO_FILE:
		fprintf(c->err, "%s: cannot make a file to write in (%s): %s\n", c->path,
			err->what, strerror(err->errnum));
		return TRIAD_EXIT_SERVER;
	case EDITOR_UNWRITABLE:
		fprintf(c->err, "%s: cannot write %s: %s\n", c->path, err->what,
			strerror(err->errnum));
		return TRIAD_EXIT_SERVER;
	case EDITOR_NO_MEMORY:
		return client_out_of_memory(c);
	}
	return TRIAD_EXIT_OK;
}

/*
 * Keep text where the coach finds it again, and tell them how to send it;
 * with key (an attempt whose outcome is unknown), the file keeps the key
 * too, so that sending it again cannot save the feedback twice.
 */
static void
save_text(Client *c, const char *text, const char *key)
{
	char path[4200], head[256], have[FEEDBACK_KEY_HEX + 1];

	if (key != NULL && !feedback_template_key(text, have, sizeof have))
		snprintf(head, sizeof head, FEEDBACK_KEY_COMMENT "%s\n"
			 "# (This line keeps a retry from saving the feedback twice; "
			 "leave it.)\n", key);
	else
		head[0] = '\0';
	if (editor_keep("feedback", head, text, path, sizeof path)) {
		fprintf(c->err, "Your text is saved in %s; run again with --from-file %s\n", path,
			path);
		return;
	}
	fprintf(c->err, "Your text could not be saved in a file (%s). Here it is:\n\n%s\n",
		strerror(errno), text);
}

/* The template text for t, with what it says around the parts, malloc'd. */
static char *
template_text(const FeedbackTemplate *t)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		return NULL;
	feedback_template_write(f, t);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---- writing feedback: what give and edit share ------------------------------- */

static const char *const part_options[FEEDBACK_PARTS] = {
	"situation", "behaviour", "effect", "suggestion",
};

#define TEXT_OPTIONS                                                                     \
	{"situation", 0, "TEXT", "where and when it was"},                                 \
	{"behaviour", 0, "TEXT", "what the participant did: what you saw or heard"},        \
	{"effect", 0, "TEXT", "what it led to"},                                            \
	{"suggestion", 0, "TEXT", "one thing to try next time"},                            \
	{"from-file", 0, "PATH", "read the text from a file in the template's form"},       \
	{"edit", 'e', NULL, "open the editor even when standard input is not a terminal"}

#define TEXT_HELP                                                                        \
	"Where the text comes from:\n"                                                    \
	"  --situation, --behaviour, --effect and --suggestion, for scripts;\n"            \
	"  else --from-file PATH ('-' for standard input);\n"                              \
	"  else standard input, when it is not a terminal (in the template's form);\n"     \
	"  else your editor ($VISUAL, $EDITOR, or else vi or nano) opens a template.\n"    \
	"With --edit the editor opens on what the options or the file give.\n"             \
	"\n"                                                                               \
	"The template has four headings: Situation:, Behaviour:, Effect: and\n"            \
	"Suggestion:. Write each part under its heading; lines that start with '#'\n"      \
	"are left out. Situation and behaviour are needed. Leaving every heading\n"        \
	"empty stops without sending anything (exit status 1). When the text cannot\n"     \
	"be sent, it is saved in a file under ~/.cache/triad, to send again with\n"        \
	"--from-file.\n"

/* The text a coach is writing, from wherever it comes. */
typedef struct Writing {
	char *raw;          /* the template as written (what is saved), malloc'd */
	FeedbackText text;  /* its parts */
	char key[FEEDBACK_KEY_HEX + 1]; /* a key the text carried, or "" */
	bool waited;        /* it took a while: an editor, or standard input */
} Writing;

static void
writing_free(Writing *w)
{
	free(w->raw);
	feedback_text_free(&w->text);
	memset(w, 0, sizeof *w);
}

/*
 * Get the text (see TEXT_HELP) into w, starting from start (the current
 * feedback, for an edit; may be NULL) and with tpl around it. On failure
 * what went wrong has been said, and when the coach had written something,
 * it has been saved.
 */
static TriadExit
write_text(Client *c, const CliArgs *args, const FeedbackTemplate *tpl,
	   const FeedbackText *start, const char *name, Writing *w)
{
	const char *file = cli_args_value(args, "from-file");
	bool flags = false, edit = cli_args_has(args, "edit"), failed = false;
	FeedbackTemplate t = *tpl;
	FeedbackText given = {{NULL}};
	EditorError e;
	char msg[512];
	size_t line = 0;
	TriadExit rc = TRIAD_EXIT_OK;

	memset(w, 0, sizeof *w);
	for (int i = 0; i < FEEDBACK_PARTS; i++)
		flags |= cli_args_has(args, part_options[i]);
	if (flags && file != NULL)
		return client_usage_error(c, "--from-file and --%s cannot be used together",
					  cli_args_has(args, "situation") ? "situation"
					  : cli_args_has(args, "behaviour") ? "behaviour"
					  : cli_args_has(args, "effect") ? "effect" : "suggestion");
	if (file != NULL && file[0] == '\0')
		return client_usage_error(c, "--from-file must not be empty");

	/* What there is to begin with: the options over start, or a file. */
	if (flags) {
		for (int i = 0; i < FEEDBACK_PARTS; i++) {
			const char *v = cli_args_value(args, part_options[i]);
			const char *from = v != NULL ? v : start != NULL ? start->part[i] : "";

			if ((given.part[i] = strdup(from != NULL ? from : "")) == NULL) {
				feedback_text_free(&given);
				return client_out_of_memory(c);
			}
		}
		t.text = &given;
		w->raw = template_text(&t);
		t.text = tpl->text;
	} else if (file != NULL) {
		if (!editor_read_path(file, c->in, FEEDBACK_TEXT_MAX, &w->raw, &e))
			rc = text_failed(c, &e);
	} else if (!edit && editor_piped(c->in)) {
		if (!editor_read(c->in, "standard input", FEEDBACK_TEXT_MAX, &w->raw, &e))
			rc = text_failed(c, &e);
		w->waited = true;
	} else {
		edit = true;
		w->raw = template_text(&t);
	}
	if (rc != TRIAD_EXIT_OK) {
		feedback_text_free(&given);
		writing_free(w);
		return rc;
	}
	if (w->raw == NULL) {
		feedback_text_free(&given);
		return client_out_of_memory(c);
	}
	if (edit) {
		char *after;

		w->waited = true;
		feedback_text_free(&given);
		if (!editor_edit(w->raw, "triad-feedback", FEEDBACK_TEXT_MAX, c->err, &after, &failed,
				 &e))
			rc = text_failed(c, &e);
		free(w->raw);
		w->raw = after;
		if (rc != TRIAD_EXIT_OK) {
			writing_free(w);
			return rc;
		}
	}
	if (!feedback_template_key(w->raw, w->key, sizeof w->key))
		w->key[0] = '\0';

	/* The parts: straight from the options, or from the template. */
	if (flags && !edit) {
		w->text = given;
	} else {
		switch (feedback_parse(w->raw, &w->text, &line)) {
		case FEEDBACK_PARSED:
			break;
		case FEEDBACK_EMPTY:
			if (failed)
				fputs("The editor did not end well.\n", c->err);
			fputs("Aborting: no feedback written.\n", c->err);
			writing_free(w);
			return EXIT_NOT_SENT;
		case FEEDBACK_STRAY:
			fprintf(c->err, "Line %zu is not under a heading. Please write each part "
					"under its heading: Situation:, Behaviour:, Effect: or "
					"Suggestion:.\n", line);
			save_text(c, w->raw, NULL);
			writing_free(w);
			return EXIT_NOT_SENT;
		case FEEDBACK_PARSE_NO_MEMORY:
			writing_free(w);
			return client_out_of_memory(c);
		}
	}
	if (failed) {
		fputs("The editor did not end well, so nothing was sent.\n", c->err);
		save_text(c, w->raw, NULL);
		writing_free(w);
		return EXIT_NOT_SENT;
	}
	if (!feedback_check(&w->text, name, msg, sizeof msg)) {
		fprintf(c->err, "%s\n", msg);
		save_text(c, w->raw, NULL);
		writing_free(w);
		return EXIT_NOT_SENT;
	}
	return TRIAD_EXIT_OK;
}

/* A server's sentence with a capital and a full stop, for the coach. */
static void
say_sentence(FILE *out, const char *s)
{
	size_t n = strlen(s);

	if (n == 0) {
		fputs("The server refused it without saying why.\n", out);
		return;
	}
	if (s[0] >= 'a' && s[0] <= 'z')
		putc(s[0] - 'a' + 'A', out);
	else
		putc(s[0], out);
	print_sanitized(out, s + 1);
	fputs(strchr(".?!", s[n - 1]) != NULL ? "\n" : ".\n", out);
}

/*
 * Say why the text was not saved, in the coach's words; not_mine is the
 * field of a NOT_FOUND that means "not yours". Returns the exit code.
 */
static TriadExit
say_not_sent(Client *c, const RpcError *err, TriadExit rc, const char *not_mine,
	     bool uncertain)
{
	if (err->kind == RPC_ERR_NONE)
		return rc;
	if (is_status(err, TRIAD__V1__CODE__CODE_NOT_FOUND) &&
	    (strcmp(err->field, not_mine) == 0 || err->field[0] == '\0')) {
		fprintf(c->err, "%s\n", NOT_A_COACH);
		return TRIAD_EXIT_SERVER;
	}
	if (err->kind == RPC_ERR_STATUS && client_exit_code(err) == TRIAD_EXIT_SERVER &&
	    !connection_failed(err)) {
		say_sentence(c->err, err->message);
		return TRIAD_EXIT_SERVER;
	}
	rc = client_report(c, err);
	if (uncertain)
		fputs("It is not known whether the server saved it. Sending the saved text again "
		      "is safe:\nit will not be saved twice.\n", c->err);
	return rc;
}

/* ---- give ---------------------------------------------------------------------- */

/*
 * The id of the learning outcome (or, with module, the module) that value
 * names in the coachee's institution: a code, which the server looks up
 * (in the programmes of the coach's coachees first), or an id. Asked
 * before anything is written, so that a wrong code costs no text. *id is
 * malloc'd.
 */
static TriadExit
resolve_code(Client *c, const Triad__V1__Coachee *k, bool module, const char *value, char **id)
{
	Triad__V1__GetLearningOutcomeRequest go = TRIAD__V1__GET_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__GetModuleRequest gm = TRIAD__V1__GET_MODULE_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	RpcError err;
	TriadExit rc;

	*id = NULL;
	if (module) {
		gm.id = (char *)value;
		req.body_case = RQ(GET_MODULE);
		req.get_module = &gm;
	} else {
		go.id = (char *)value;
		req.body_case = RQ(GET_LEARNING_OUTCOME);
		req.get_learning_outcome = &go;
	}
	rc = call_quietly_in(c, k->institution_id, &req, module ? RS(MODULE) : RS(LEARNING_OUTCOME),
			     &resp, &err);
	if (rc != TRIAD_EXIT_OK) {
		if (err.kind == RPC_ERR_STATUS &&
		    (err.code == TRIAD__V1__CODE__CODE_NOT_FOUND ||
		     err.code == TRIAD__V1__CODE__CODE_INVALID_ARGUMENT)) {
			fprintf(c->err, "%s: --%s: ", c->path, module ? "module" : "outcome");
			say_sentence(c->err, err.message);
			return TRIAD_EXIT_USAGE;
		}
		return call_report(c, &err, rc);
	}
	*id = strdup(module ? resp->module->id : resp->learning_outcome->id);
	rpc_response_free(resp);
	return *id != NULL ? TRIAD_EXIT_OK : client_out_of_memory(c);
}

/*
 * Send the feedback; on a lost connection (or a busy server) once more,
 * on a new connection and with the same key, so that it is saved once.
 * *uncertain tells that it may have been saved although this failed.
 */
static TriadExit
give_send(Client *c, const char *inst, Triad__V1__Request *req, Triad__V1__Response **resp,
	  RpcError *err, bool *uncertain)
{
	TriadExit rc = TRIAD_EXIT_OK;

	*uncertain = false;
	for (int attempt = 0; attempt < 2; attempt++) {
		rc = call_quietly_in(c, inst, req, RS(FEEDBACK), resp, err);
		if (rc == TRIAD_EXIT_OK)
			return rc;
		if (err->kind == RPC_ERR_NONE) {
			/* A second attempt that cannot connect leaves the first unknown. */
			*uncertain = attempt > 0;
			return rc;
		}
		if (!connection_failed(err)) {
			/* The retry would have been answered with the first's answer. */
			*uncertain = false;
			return rc;
		}
		*uncertain = true;
		client_close_session(c);
		if (attempt == 0)
			sleep(1);
	}
	return rc;
}

/* The request --request names, among the coach's open ones; NULL when it is not one. */
static const Triad__V1__FeedbackRequest *
find_request(const Triad__V1__Response *resp, const char *id)
{
	for (size_t i = 0; i < resp->feedback_requests->n_requests; i++)
		if (strcmp(resp->feedback_requests->requests[i]->id, id) == 0)
			return resp->feedback_requests->requests[i];
	return NULL;
}

static int
give_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__GiveFeedbackRequest m = TRIAD__V1__GIVE_FEEDBACK_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *coachees = NULL, *requests = NULL, *resp = NULL;
	const Triad__V1__FeedbackRequest *q = NULL;
	const Triad__V1__Coachee *k = NULL;
	const char *who = args->n_pos > 0 ? args->pos[0] : NULL, *request, *outcome, *module;
	char *outcome_id = NULL, *module_id = NULL, key[FEEDBACK_KEY_HEX + 1], ctx[256];
	FeedbackTemplate tpl = {0};
	Writing w = {0};
	RpcError err;
	bool uncertain = false;
	TriadExit rc;

	if ((rc = resource_option(c, args, "request", false, &request)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "outcome", false, &outcome)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "module", false, &module)) != TRIAD_EXIT_OK)
		return rc;
	if (who != NULL && who[0] == '\0')
		return client_usage_error(c, "PARTICIPANT must not be empty");
	if (who == NULL && request == NULL)
		return client_usage_error(c, "say who the feedback is for: their e-mail address or "
					     "name, such as 'triad feedback give "
					     "anna@example.org'");

	/* Who, and what it answers, before anything is written. */
	if ((rc = coachees_fetch(c, &coachees)) != TRIAD_EXIT_OK)
		return rc;
	if (request != NULL) {
		if ((rc = requests_fetch(c, &requests)) != TRIAD_EXIT_OK)
			goto done;
		q = find_request(requests, request);
		if (q == NULL && who == NULL) {
			fprintf(c->err, "%s: no open request for feedback '", c->path);
			print_sanitized(c->err, request);
			fputs("' among yours; run 'triad feedback requests' to see them.\n",
			      c->err);
			rc = TRIAD_EXIT_USAGE;
			goto done;
		}
	}
	rc = coachee_find(c, coachees->coachees, who != NULL ? who : q->relation_id, &k);
	if (rc != TRIAD_EXIT_OK)
		goto done;
	if (q != NULL && strcmp(q->relation_id, k->relation_id) != 0) {
		fprintf(c->err, "%s: request ", c->path);
		print_sanitized(c->err, request);
		say(c->err, " is from ", q->participant_name);
		say(c->err, ", not from ", k->participant_name);
		fputs(".\n", c->err);
		rc = TRIAD_EXIT_USAGE;
		goto done;
	}
	if ((outcome != NULL && (rc = resolve_code(c, k, false, outcome, &outcome_id)) !=
					TRIAD_EXIT_OK) ||
	    (module != NULL &&
	     (rc = resolve_code(c, k, true, module, &module_id)) != TRIAD_EXIT_OK))
		goto done;

	/* The text. */
	tpl.participant = k->participant_name;
	tpl.context = coachee_context(k, ctx, sizeof ctx);
	tpl.question = q != NULL ? q->question : NULL;
	if ((rc = write_text(c, args, &tpl, NULL, k->participant_name, &w)) != TRIAD_EXIT_OK)
		goto done;
	if (w.key[0] != '\0') {
		memcpy(key, w.key, sizeof key);
	} else if (!feedback_new_key(key)) {
		fprintf(c->err, "%s: cannot read /dev/urandom: %s\n", c->path, strerror(errno));
		save_text(c, w.raw, NULL);
		rc = TRIAD_EXIT_SERVER;
		goto done;
	}

	/* After an editor the connection may have idled out: start afresh. */
	if (w.waited)
		client_close_session(c);
	m.relation_id = k->relation_id;
	m.situation = w.text.part[FEEDBACK_SITUATION];
	m.behaviour = w.text.part[FEEDBACK_BEHAVIOUR];
	m.effect = w.text.part[FEEDBACK_EFFECT];
	m.suggestion = w.text.part[FEEDBACK_SUGGESTION];
	m.outcome_id = outcome_id != NULL ? outcome_id : "";
	m.module_id = module_id != NULL ? module_id : "";
	m.request_id = request != NULL ? (char *)request : "";
	req.idempotency_key = key;
	req.body_case = RQ(GIVE_FEEDBACK);
	req.give_feedback = &m;
	rc = give_send(c, k->institution_id, &req, &resp, &err, &uncertain);
	if (rc != TRIAD_EXIT_OK) {
		rc = say_not_sent(c, &err, rc, "give_feedback.relation_id", uncertain);
		save_text(c, w.raw, uncertain ? key : NULL);
		goto done;
	}
	if (c->format != PRINT_TEXT) {
		rc = call_print_record(c, &resp->feedback->base);
	} else {
		say(c->out, "Feedback for ", k->participant_name);
		fputs(" saved. (id ", c->out);
		print_sanitized(c->out, resp->feedback->id);
		fputs(")\n", c->out);
	}
done:
	writing_free(&w);
	free(outcome_id);
	free(module_id);
	rpc_response_free(resp);
	rpc_response_free(requests);
	rpc_response_free(coachees);
	return rc;
}

static const CliOption give_options[] = {
	{"outcome", 0, "CODE", "the learning outcome it is about, by its code (or id); "
			       "PROGRAMME/CODE where codes repeat"},
	{"module", 0, "CODE", "the module it is about, by its code (or id)"},
	{"request", 0, "ID", "the request for feedback it answers"},
	TEXT_OPTIONS,
	END_OPTIONS,
};

static const Command feedback_give = {
	.name = "give",
	.summary = "Give feedback to a participant you coach",
	.usage = "PARTICIPANT [--outcome CODE] [--module CODE] [--request ID] "
		 "[--situation TEXT] [--behaviour TEXT] [--effect TEXT] [--suggestion TEXT] "
		 "[--from-file PATH] [--edit]",
	.description =
		"PARTICIPANT is the participant's e-mail address or name (as 'triad coachees'\n"
		"shows them); their person, enrollment or relation id works too. With\n"
		"--request, PARTICIPANT may be left out.\n"
		"\n"
		"Feedback describes what you saw in one situation: the situation, the\n"
		"behaviour (what the participant did, what you saw or heard), its effect,\n"
		"and a suggestion for next time. It is never a grade.\n"
		"\n" TEXT_HELP,
	.options = give_options,
	.max_args = 1,
	.handler = give_run,
};

/* ---- finding feedback in any of the caller's institutions ----------------------- */

/* The ids of the institutions the caller has roles in, into *ids (free each and it). */
static TriadExit
caller_institutions(Client *c, char ***ids, size_t *n)
{
	Triad__V1__WhoAmIRequest m = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	RpcError err;
	TriadExit rc;

	*ids = NULL;
	*n = 0;
	req.body_case = RQ(WHO_AM_I);
	req.who_am_i = &m;
	if ((rc = call_quietly_in(c, "", &req, RS(WHO_AM_I), &resp, &err)) != TRIAD_EXIT_OK)
		return call_report(c, &err, rc);
	*ids = calloc(resp->who_am_i->n_institutions + 1, sizeof **ids);
	for (size_t i = 0; *ids != NULL && i < resp->who_am_i->n_institutions; i++)
		if (((*ids)[(*n)++] = strdup(resp->who_am_i->institutions[i]->id)) == NULL)
			rc = TRIAD_EXIT_SERVER;
	rpc_response_free(resp);
	if (*ids == NULL || rc != TRIAD_EXIT_OK) {
		for (size_t i = 0; *ids != NULL && i < *n; i++)
			free((*ids)[i]);
		free(*ids);
		*ids = NULL;
		*n = 0;
		return client_out_of_memory(c);
	}
	return TRIAD_EXIT_OK;
}

static void
free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/*
 * The feedback with id, in the institution --institution names or, when
 * the caller has roles in several, in whichever holds it; *inst (malloc'd)
 * says which. Not finding it is reported.
 */
static TriadExit
feedback_get(Client *c, const char *id, Triad__V1__Response **resp, char **inst)
{
	Triad__V1__GetFeedbackRequest m = TRIAD__V1__GET_FEEDBACK_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	RpcError err;
	char **ids;
	size_t n;
	TriadExit rc;

	*inst = NULL;
	m.id = (char *)id;
	req.body_case = RQ(GET_FEEDBACK);
	req.get_feedback = &m;
	rc = call_quietly_in(c, client_institution(c), &req, RS(FEEDBACK), resp, &err);
	if (rc == TRIAD_EXIT_OK) {
		*inst = strdup(client_institution(c));
		return *inst != NULL ? rc : client_out_of_memory(c);
	}
	if (!needs_institution(&err))
		goto not_found;
	if ((rc = caller_institutions(c, &ids, &n)) != TRIAD_EXIT_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = call_quietly_in(c, ids[i], &req, RS(FEEDBACK), resp, &err);
		if (rc == TRIAD_EXIT_OK) {
			*inst = ids[i];
			ids[i] = NULL;
			free_ids(ids, n);
			return rc;
		}
		if (!is_status(&err, TRIAD__V1__CODE__CODE_NOT_FOUND) &&
		    !is_status(&err, TRIAD__V1__CODE__CODE_PERMISSION_DENIED))
			break;
	}
	free_ids(ids, n);
not_found:
	if (is_status(&err, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT) &&
	    strcmp(err.field, "get_feedback.id") == 0) {
		fputs("'", c->err);
		print_sanitized(c->err, id);
		fputs("' is not the id of a feedback; 'triad feedback list' shows them.\n", c->err);
		return TRIAD_EXIT_SERVER;
	}
	if (is_status(&err, TRIAD__V1__CODE__CODE_NOT_FOUND) ||
	    is_status(&err, TRIAD__V1__CODE__CODE_PERMISSION_DENIED)) {
		say(c->err, "No feedback ", id);
		fputs(" that you may see: it does not exist, or it is not yours to see.\n",
		      c->err);
		return TRIAD_EXIT_SERVER;
	}
	return call_report(c, &err, rc);
}

/* ---- show ------------------------------------------------------------------------ */

/* "learning outcome LO1, module M1": what the feedback is about, into buf. */
static const char *
about(const Triad__V1__Feedback *f, char *buf, size_t len)
{
	buf[0] = '\0';
	if (f->outcome_code[0] != '\0' || f->outcome_id[0] != '\0')
		snprintf(buf, len, "learning outcome %s",
			 f->outcome_code[0] ? f->outcome_code : f->outcome_id);
	if (f->module_code[0] != '\0' || f->module_id[0] != '\0') {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%smodule %s", used ? ", " : "",
			 f->module_code[0] ? f->module_code : f->module_id);
	}
	return buf;
}

static void
feedback_print_text(Client *c, const Triad__V1__Feedback *f)
{
	const char *parts[FEEDBACK_PARTS] = {f->situation, f->behaviour, f->effect,
					     f->suggestion};
	char given[32], edited[32], what[256], created_at[WHEN_MAX], edited_at[WHEN_MAX];
	const char *edited_text = WHEN_US(f, edited_at, edited_at);

	say(c->out, "Feedback for ", f->participant_name);
	say(c->out, "\nFrom:     ", f->coach_name);
	say(c->out, "\nGiven:    ",
	    feedback_local_time(WHEN_US(f, created_at, created_at), MINUTE_FMT, given,
				sizeof given));
	if (edited_text[0] != '\0') {
		say(c->out, " (changed ", feedback_local_time(edited_text, MINUTE_FMT, edited,
						     sizeof edited));
		fputs(")", c->out);
	}
	if (about(f, what, sizeof what)[0] != '\0')
		say(c->out, "\nAbout:    ", what);
	if (f->request_id[0] != '\0')
		say(c->out, "\nAnswers:  request ", f->request_id);
	say(c->out, "\nId:       ", f->id);
	fputs("\n", c->out);
	for (int i = 0; i < FEEDBACK_PARTS; i++) {
		if (parts[i][0] == '\0')
			continue;
		fprintf(c->out, "\n%s:\n", feedback_headings[i]);
		print_block(c->out, "  ", parts[i]);
	}
}

static int
show_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__Response *resp;
	char *inst;
	TriadExit rc;

	if ((rc = resource_argument(c, args->pos[0], "ID")) != TRIAD_EXIT_OK ||
	    (rc = feedback_get(c, args->pos[0], &resp, &inst)) != TRIAD_EXIT_OK)
		return rc;
	if (c->format != PRINT_TEXT)
		rc = call_print_record(c, &resp->feedback->base);
	else
		feedback_print_text(c, resp->feedback);
	free(inst);
	rpc_response_free(resp);
	return rc;
}

static const Command feedback_show = {
	.name = "show",
	.summary = "Read one feedback",
	.usage = "ID",
	.min_args = 1,
	.max_args = 1,
	.handler = show_run,
};

/* ---- edit ------------------------------------------------------------------------ */

static bool
unchanged(const FeedbackText *a, const FeedbackText *b)
{
	for (int i = 0; i < FEEDBACK_PARTS; i++)
		if (strcmp(a->part[i], b->part[i]) != 0)
			return false;
	return true;
}

static int
edit_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__EditFeedbackRequest m = TRIAD__V1__EDIT_FEEDBACK_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *got, *resp = NULL;
	const Triad__V1__Feedback *f;
	FeedbackTemplate tpl = {0};
	FeedbackText current;
	char until[32], *inst;
	Writing w;
	RpcError err;
	time_t given;
	bool uncertain;
	TriadExit rc;

	if ((rc = resource_argument(c, args->pos[0], "ID")) != TRIAD_EXIT_OK ||
	    (rc = feedback_get(c, args->pos[0], &got, &inst)) != TRIAD_EXIT_OK)
		return rc;
	f = got->feedback;
	char created_buf[WHEN_MAX];
	const char *created_at = WHEN_US(f, created_at, created_buf);
	/* Say so before anything is written in vain. */
	if (feedback_parse_time(created_at, &given) && time(NULL) > given + 24 * 60 * 60) {
		fprintf(c->err, "Feedback can be changed for 24 hours after it is given; this was "
				"given on %s.\n",
			feedback_local_time(created_at, MINUTE_FMT, until, sizeof until));
		free(inst);
		rpc_response_free(got);
		return TRIAD_EXIT_SERVER;
	}
	if (feedback_parse_time(created_at, &given)) {
		time_t end = given + 24 * 60 * 60;
		struct tm tm;

		localtime_r(&end, &tm);
		strftime(until, sizeof until, MINUTE_FMT, &tm);
		tpl.edit_until = until;
	} else {
		tpl.edit_until = "24 hours after it was given";
	}
	current.part[FEEDBACK_SITUATION] = f->situation;
	current.part[FEEDBACK_BEHAVIOUR] = f->behaviour;
	current.part[FEEDBACK_EFFECT] = f->effect;
	current.part[FEEDBACK_SUGGESTION] = f->suggestion;
	tpl.participant = f->participant_name;
	tpl.text = &current;
	rc = write_text(c, args, &tpl, &current, f->participant_name, &w);
	if (rc != TRIAD_EXIT_OK)
		goto done;
	if (unchanged(&w.text, &current)) {
		fputs("Nothing changed.\n", c->err);
		writing_free(&w);
		goto done;
	}
	if (w.waited)
		client_close_session(c);
	m.id = f->id;
	m.situation = w.text.part[FEEDBACK_SITUATION];
	m.behaviour = w.text.part[FEEDBACK_BEHAVIOUR];
	m.effect = w.text.part[FEEDBACK_EFFECT];
	m.suggestion = w.text.part[FEEDBACK_SUGGESTION];
	req.body_case = RQ(EDIT_FEEDBACK);
	req.edit_feedback = &m;
	/* The same text twice is the same edit: retrying is safe. */
	rc = give_send(c, inst, &req, &resp, &err, &uncertain);
	if (rc != TRIAD_EXIT_OK) {
		rc = say_not_sent(c, &err, rc, "edit_feedback.id", false);
		save_text(c, w.raw, NULL);
	} else if (c->format != PRINT_TEXT) {
		rc = call_print_record(c, &resp->feedback->base);
	} else {
		say(c->out, "Feedback for ", resp->feedback->participant_name);
		fputs(" changed. (id ", c->out);
		print_sanitized(c->out, resp->feedback->id);
		fputs(")\n", c->out);
	}
	writing_free(&w);
done:
	free(inst);
	rpc_response_free(resp);
	rpc_response_free(got);
	return rc;
}

static const CliOption edit_options[] = {
	TEXT_OPTIONS,
	END_OPTIONS,
};

static const Command feedback_edit = {
	.name = "edit",
	.summary = "Change feedback you gave, within 24 hours",
	.usage = "ID [--situation TEXT] [--behaviour TEXT] [--effect TEXT] [--suggestion TEXT] "
		 "[--from-file PATH] [--edit]",
	.description =
		"Feedback can be changed for 24 hours after it is given, while you still\n"
		"coach the participant; every change is recorded. The editor opens with the\n"
		"current text; the options change only the parts they name.\n"
		"\n" TEXT_HELP,
	.options = edit_options,
	.min_args = 1,
	.max_args = 1,
	.handler = edit_run,
};

/* ---- list ------------------------------------------------------------------------- */

/* Feedback collected from one or more institutions. */
typedef struct Collected {
	Triad__V1__Feedback **items; /* copies, owned */
	size_t n, cap;
	bool no_memory;
} Collected;

static bool
collect_visit(const ProtobufCMessage *item, void *ctx)
{
	Collected *all = ctx;
	uint8_t *buf;
	size_t len;

	if (all->n == all->cap) {
		size_t cap = all->cap ? 2 * all->cap : 32;
		Triad__V1__Feedback **grown = realloc(all->items, cap * sizeof *grown);

		if (grown == NULL) {
			all->no_memory = true;
			return false;
		}
		all->items = grown;
		all->cap = cap;
	}
	/* A copy, so that the pages can go. */
	len = protobuf_c_message_get_packed_size(item);
	if ((buf = malloc(len + 1)) == NULL) {
		all->no_memory = true;
		return false;
	}
	protobuf_c_message_pack(item, buf);
	all->items[all->n] = triad__v1__feedback__unpack(NULL, len, buf);
	free(buf);
	if (all->items[all->n] == NULL) {
		all->no_memory = true;
		return false;
	}
	all->n++;
	return true;
}

/* Newest first. */
static int
newest_first(const void *a, const void *b)
{
	const Triad__V1__Feedback *x = *(const Triad__V1__Feedback *const *)a;
	const Triad__V1__Feedback *y = *(const Triad__V1__Feedback *const *)b;

	if (x->created_at_us != y->created_at_us)
		return y->created_at_us < x->created_at_us ? -1 : 1;
	return strcmp(y->created_at, x->created_at);
}

/* Collect the feedback of enrollment ("" for all the caller may read) in inst. */
static TriadExit
collect(Client *c, const char *inst, const char *enrollment, Collected *all, RpcError *err)
{
	TriadExit rc = call_each(c, inst, RQ(LIST_FEEDBACK), RS(FEEDBACK_LIST), "enrollment_id",
				 enrollment, collect_visit, all, err);

	if (rc == TRIAD_EXIT_OK && all->no_memory)
		rc = client_out_of_memory(c);
	return rc;
}

static TriadExit
list_print(Client *c, Collected *all)
{
	static const char *const text_headers[] = {"given", "participant", "coach", "about",
						   "situation", "id"};
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	char names[FIELDS_MAX_COLUMNS][64];
	const char *headers[FIELDS_MAX_COLUMNS];
	size_t ncols = 6;
	Table *t;
	bool ok = true;
	TriadExit rc = TRIAD_EXIT_OK;

	if (c->format != PRINT_TEXT) {
		ncols = fields_columns(&triad__v1__feedback__descriptor, NULL, cols,
				       FIELDS_MAX_COLUMNS);
		for (size_t i = 0; i < ncols; i++)
			headers[i] = fields_header(cols[i], names[i], sizeof names[i]);
	}
	if ((t = client_table(c, ncols, c->format == PRINT_TEXT ? text_headers : headers)) == NULL)
		return client_out_of_memory(c);
	if (c->format != PRINT_TEXT)
		call_set_kinds(t, cols, ncols);
	if (all->n > 0)
		qsort(all->items, all->n, sizeof *all->items, newest_first);
	for (size_t i = 0; ok && i < all->n; i++) {
		const Triad__V1__Feedback *f = all->items[i];
		char given[32], what[256], situation[256];
		const char *cells[6];

		if (c->format != PRINT_TEXT) {
			ok = call_add_row(t, cols, ncols, &f->base, c->format);
			continue;
		}
		char created[WHEN_MAX];
		cells[0] = feedback_local_time(WHEN_US(f, created_at, created), DATE_FMT, given,
					       sizeof given);
		cells[1] = f->participant_name;
		cells[2] = f->coach_name;
		cells[3] = about(f, what, sizeof what);
		cells[4] = shorten(f->situation, 40, situation, sizeof situation);
		cells[5] = f->id;
		ok = table_add_row(t, cells);
	}
	if (!ok)
		rc = client_out_of_memory(c);
	else if (c->format == PRINT_TEXT && all->n == 0)
		fputs("No feedback.\n", c->out);
	else if (!table_print(t, c->format, c->out))
		rc = TRIAD_EXIT_SERVER;
	else if (c->format == PRINT_TEXT)
		fputs("\nTo read one: triad feedback show ID\n", c->out);
	table_free(t);
	return rc;
}

static int
feedback_list_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *who = args->n_pos > 0 ? args->pos[0] : NULL, *enrollment;
	Triad__V1__Response *coachees = NULL;
	Collected all = {0};
	RpcError err;
	TriadExit rc;

	if ((rc = resource_option(c, args, "enrollment", false, &enrollment)) != TRIAD_EXIT_OK)
		return rc;
	if (who != NULL && enrollment != NULL)
		return client_usage_error(c, "PARTICIPANT and --enrollment cannot be used "
					     "together");
	if (who != NULL && who[0] == '\0')
		return client_usage_error(c, "PARTICIPANT must not be empty");
	if (who != NULL) {
		const Triad__V1__Coachee *k;

		if ((rc = coachees_fetch(c, &coachees)) != TRIAD_EXIT_OK)
			return rc;
		if ((rc = coachee_find(c, coachees->coachees, who, &k)) == TRIAD_EXIT_OK &&
		    (rc = collect(c, k->institution_id, k->enrollment_id, &all, &err)) !=
			    TRIAD_EXIT_OK)
			rc = call_report(c, &err, rc);
	} else {
		rc = collect(c, client_institution(c), enrollment != NULL ? enrollment : "", &all,
			     &err);
		if (rc != TRIAD_EXIT_OK && needs_institution(&err)) {
			char **ids;
			size_t n;

			/* Roles in several institutions: each of them. */
			rc = caller_institutions(c, &ids, &n);
			for (size_t i = 0; rc == TRIAD_EXIT_OK && i < n; i++) {
				rc = collect(c, ids[i], enrollment != NULL ? enrollment : "", &all,
					     &err);
				if (is_status(&err, TRIAD__V1__CODE__CODE_PERMISSION_DENIED) ||
				    is_status(&err, TRIAD__V1__CODE__CODE_NOT_FOUND))
					rc = TRIAD_EXIT_OK;
				else if (rc != TRIAD_EXIT_OK)
					rc = call_report(c, &err, rc);
			}
			free_ids(ids, n);
		} else if (rc != TRIAD_EXIT_OK) {
			rc = call_report(c, &err, rc);
		}
	}
	if (rc == TRIAD_EXIT_OK)
		rc = list_print(c, &all);
	for (size_t i = 0; i < all.n; i++)
		triad__v1__feedback__free_unpacked(all.items[i], NULL);
	free(all.items);
	rpc_response_free(coachees);
	return rc;
}

static const CliOption list_options[] = {
	{"enrollment", 0, "ID", "only the feedback about this enrollment"},
	END_OPTIONS,
};

static const Command feedback_list = {
	.name = "list",
	.summary = "List feedback: yours as a participant, or what you gave as a coach",
	.usage = "[PARTICIPANT | --enrollment ID]",
	.description =
		"A participant sees all the feedback about them; a coach, what they gave\n"
		"while they coach (PARTICIPANT narrows it to one coachee, by e-mail or\n"
		"name); programme staff, all of the institution's. Newest first.\n",
	.options = list_options,
	.max_args = 1,
	.handler = feedback_list_run,
};

/* ---- ask (participants) ------------------------------------------------------------ */

static TriadExit
asked_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__FeedbackRequest *q = (const Triad__V1__FeedbackRequest *)answer;

	if (c->format != PRINT_TEXT)
		return call_print_record(c, answer);
	say(c->out, "Asked ", q->coach_name[0] != '\0' ? q->coach_name : "your coach");
	fputs(" for feedback", c->out);
	if (q->due_on[0] != '\0')
		say(c->out, ", due ", q->due_on);
	say(c->out, ". (request ", q->id);
	fputs(")\n", c->out);
	return TRIAD_EXIT_OK;
}

static const CliOption ask_options[] = {
	{"question", 0, "TEXT", "what you would like feedback on"},
	{"due", 0, "YYYY-MM-DD", "when you would like it"},
	{"outcome", 0, "CODE", "the learning outcome it is about, by its code"},
	{"module", 0, "CODE", "the module it is about, by its code"},
	{"assignment", 0, "TEXT", "the assignment it is about"},
	END_OPTIONS,
};

static const Call ask_call = {
	.request = RQ(REQUEST_FEEDBACK),
	.reply = RS(FEEDBACK_REQUEST),
	.args = "relation_id",
	.required = "question",
	.print = asked_print,
};

static const Command feedback_ask = {
	.name = "ask",
	.summary = "Ask one of your coaches for feedback",
	.usage = "[COACH] --question TEXT [--due YYYY-MM-DD] [--outcome CODE] [--module CODE] "
		 "[--assignment TEXT]",
	.description =
		"COACH is the e-mail address of the coach you ask ('triad me' lists your\n"
		"coaches); with only one coach, it may be left out. The coach sees the\n"
		"request in 'triad feedback requests'; you see it in 'triad feedback sent'.\n",
	.options = ask_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &ask_call,
};

/* ---- sent (participants) ----------------------------------------------------------- */

static const CliOption sent_options[] = {
	{"coach", 0, "EMAIL", "only the requests to this coach"},
	{"answered", 0, NULL, "the answered ones too"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call sent_call = {
	.request = RQ(LIST_SENT_FEEDBACK_REQUESTS),
	.reply = RS(SENT_FEEDBACK_REQUESTS),
	.fields = "coach=relation_id answered=include_answered",
	.items = "requests for feedback",
	.columns = "due_on overdue coach_name participant_name question answered_at id",
};

static const Command feedback_sent = {
	.name = "sent",
	.summary = "The requests for feedback you sent, not yet answered",
	.usage = "[--coach EMAIL] [--answered] " LIST_PAGING_USAGE,
	.description =
		"A participant sees the requests she sent; a coach those sent to them in\n"
		"this institution; programme staff all of the institution's.\n",
	.options = sent_options,
	.handler = call_run,
	.ctx = &sent_call,
};

static const Command *const feedback_commands[] = {
	&feedback_give, &feedback_requests, &feedback_list, &feedback_show,
	&feedback_edit, &feedback_ask,      &feedback_sent, NULL,
};

const Command cmd_feedback = {
	.name = "feedback",
	.summary = "Give, read and ask for feedback on what happens at work",
	.description =
		"Coaches: 'triad coachees' shows who you coach, 'triad feedback requests' what\n"
		"they asked for, and 'triad feedback give PARTICIPANT' opens a template to\n"
		"write in.\n",
	.subcommands = feedback_commands,
};
